"""Accounts under /api/auth/: registration and verification, login (tokens
and cookie), throttling, refresh-token rotation and reuse, password
change and reset, TOTP 2FA with replay and recovery codes, roles on a
route of each, CSRF for cookie requests, and no secret in logs or the
database."""
import base64
import hashlib
import hmac
import os
import re
import struct
import time
import urllib.parse

from flow import assert_no_secret_stored, mails_to, wait_for
from support import StackTest

PASSWORD = "korrekt häst batteri"


def totp(secret, t=None, digits=6):
    """RFC 6238 with SHA-1, written here so the test does not trust the
    code under test."""
    counter = int((time.time() if t is None else t) // 30)
    mac = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF
    return str(value % 10 ** digits).zfill(digits)


class Auth(StackTest):
    seen_secrets = []

    # -- helpers -----------------------------------------------------------

    def remember(self, *secrets):
        Auth.seen_secrets.extend(s for s in secrets if s)

    def register(self, email, password=PASSWORD, name="Anna Svensson", **extra):
        body = dict(name=name, email=email, password=password, **extra)
        self.remember(password)
        return self.client().post("/api/auth/register", body)

    def link_from_mail(self, email, path):
        def find():
            for m in mails_to(self.stack.mail_dir, email):
                text = m.get_body(preferencelist=("plain",)).get_content()
                found = re.search(re.escape(path) + r"\?token=([0-9a-f]{64})", text)
                if found:
                    return found.group(1)
            return None
        token = wait_for(find, what=f"a {path} link to {email}")
        self.remember(token)
        return token

    def verified(self, email, password=PASSWORD):
        r = self.register(email, password)
        self.assertEqual(r.status, 201, r)
        token = self.link_from_mail(email, "/api/auth/verify-email")
        r = self.client().get(f"/api/auth/verify-email?token={token}")
        self.assertEqual(r.status, 302, r)
        return token

    def login(self, email, password=PASSWORD, **extra):
        r = self.client().post("/api/auth/login",
                               dict(email=email, password=password, **extra))
        if r.status == 200 and "access_token" in r.json:
            self.remember(r.json["access_token"], r.json["refresh_token"])
        return r

    def bearer(self, token):
        return {"Authorization": f"Bearer {token}"}

    def me(self, token):
        return self.client().get("/api/auth/me", headers=self.bearer(token))

    # -- registration and verification --------------------------------------

    def test_register_verify_login(self):
        email = "anna@example.com"
        r = self.register("Anna@Example.COM", phone="+46701234567", locale="en")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["email"], email)
        self.assertFalse(r.json["email_verified"])
        self.assertEqual(r.json["role"], "customer")
        r = self.login(email)
        self.assertEqual((r.status, r.json["code"]), (400, "EMAIL_NOT_VERIFIED"))
        token = self.link_from_mail(email, "/api/auth/verify-email")
        r = self.client().get(f"/api/auth/verify-email?token={token}")
        self.assertEqual(r.status, 302)
        self.assertTrue(r.header("Location").endswith("/verification-result/success"))
        r = self.client().get(f"/api/auth/verify-email?token={token}")
        self.assertTrue(r.header("Location").endswith("/verification-result/already-verified"))
        r = self.client().get("/api/auth/verify-email?token=" + "ab" * 32)
        self.assertTrue(r.header("Location").endswith("/verification-result/invalid"))
        r = self.client().get("/verification-result/success", headers={"Accept-Language": "en"})
        self.assertIn(b"You can sign in now.", r.body)
        r = self.login(email)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["token_type"], "Bearer")
        me = self.me(r.json["access_token"])
        self.assertEqual((me.status, me.json["email"], me.json["phone"]),
                         (200, email, "+46701234567"))

    def test_duplicate_email(self):
        self.assertEqual(self.register("dup@example.com").status, 201)
        r = self.register("DUP@example.com")
        self.assertEqual((r.status, r.json["code"]), (409, "EMAIL_ALREADY_EXISTS"))

    def test_weak_passwords(self):
        for pw in ("short", "weak@example.com", "password123", "1234567890",
                   "zzzzzzzzzzzz"):
            r = self.client().post("/api/auth/register", {
                "name": "W", "email": "weak@example.com", "password": pw})
            self.assertEqual((r.status, r.json["code"]), (400, "WEAK_PASSWORD"), pw)
            self.assertIn("password", r.json["field_errors"])
        r = self.client().post("/api/auth/register", {"email": "x"})
        self.assertEqual((r.status, r.json["code"]), (400, "VALIDATION_ERROR"))
        self.assertEqual(set(r.json["field_errors"]), {"name", "email", "password"})

    def test_resend_does_not_tell_who_exists(self):
        answers = []
        for email in ("nobody@example.com", "anna@example.com"):
            r = self.client().post("/api/auth/resend-verification", {"email": email})
            self.assertEqual(r.status, 200)
            answers.append(r.json)
        self.assertEqual(answers[0], answers[1])

    # -- login, throttling, logout ---------------------------------------------

    def test_wrong_passwords_are_throttled_doubling(self):
        self.verified("throttle@example.com")
        for _ in range(5):
            r = self.login("throttle@example.com", "wrong password!")
            self.assertEqual((r.status, r.json["code"]), (400, "INVALID_CREDENTIALS"))
        # Locked: further wrong passwords hear 429, each doubling the wait.
        waits = []
        for _ in range(3):
            r = self.login("throttle@example.com", "wrong password!")
            self.assertEqual((r.status, r.json["code"]), (429, "TOO_MANY_ATTEMPTS"))
            waits.append(int(r.header("Retry-After")))
        self.assertTrue(30 < waits[0] < waits[1] < waits[2], waits)
        row = self.query("SELECT failed_logins FROM users WHERE email = 'throttle@example.com'")
        self.assertEqual(row[0]["failed_logins"], 8)
        r = self.login("nobody-at-all@example.com", "whatever12345")
        self.assertEqual((r.status, r.json["code"]), (400, "INVALID_CREDENTIALS"))

    def test_right_password_passes_a_lockout(self):
        # Someone else at the owner's address (a shared NAT; 127.0.0.1
        # here) locks the account with wrong passwords: the owner's right
        # password still gets in, and lifts the lock.
        self.verified("nat@example.com")
        for _ in range(7):
            r = self.login("nat@example.com", "wrong password!")
        self.assertEqual(r.status, 429)
        for client in ("api", "browser"):
            r = self.login("nat@example.com", client=client)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["user"]["email"], "nat@example.com")
        row = self.query("SELECT failed_logins, locked_until FROM users"
                         " WHERE email = 'nat@example.com'")[0]
        self.assertEqual((row["failed_logins"], row["locked_until"]), (0, 0))
        r = self.login("nat@example.com", "wrong password!")
        self.assertEqual((r.status, r.json["code"]), (400, "INVALID_CREDENTIALS"))

    def test_second_factor_has_its_own_lock(self):
        email = "factor@example.com"
        self.verified(email)
        token = self.login(email).json["access_token"]
        r = self.client().post("/api/auth/2fa/setup", {}, headers=self.bearer(token))
        b32 = urllib.parse.parse_qs(urllib.parse.urlsplit(
            r.json["otpauth_uri"]).query)["secret"][0]
        self.remember(b32)
        secret = base64.b32decode(b32 + "=" * (-len(b32) % 8))
        r = self.client().post("/api/auth/2fa/enable", {"code": totp(secret)},
                               headers=self.bearer(token))
        self.assertEqual(r.status, 200, r)
        codes = r.json["recovery_codes"]
        self.remember(*codes)
        # Wrong passwords from anyone do not stop password + right code.
        for _ in range(7):
            r = self.login(email, "wrong password!")
        self.assertEqual(r.status, 429)
        r = self.login(email, recovery_code=codes[0])
        self.assertEqual(r.status, 200, r)
        # Wrong codes can only come with the password: their lock holds
        # even against a right code, without spending it.
        for _ in range(5):
            r = self.login(email, recovery_code="AAAAA-AAAAA")
            self.assertEqual((r.status, r.json["code"]), (401, "TOTP_INVALID"))
        r = self.login(email, recovery_code=codes[1])
        self.assertEqual((r.status, r.json["code"]), (429, "TOO_MANY_ATTEMPTS"))
        self.assertGreater(int(r.header("Retry-After")), 0)
        r = self.login(email)
        self.assertEqual((r.status, r.json["code"]), (401, "TOTP_REQUIRED"))
        self.execute("UPDATE users SET factor_locked_until = 0 WHERE email = ?", email)
        r = self.login(email, recovery_code=codes[1])
        self.assertEqual(r.status, 200, r)
        row = self.query("SELECT failed_logins, factor_failures FROM users"
                         " WHERE email = ?", email)[0]
        self.assertEqual((row["failed_logins"], row["factor_failures"]), (0, 0))

    def test_browser_login_cookie_remember_and_guest_cart(self):
        self.verified("browser@example.com")
        types, event = self.show("cart", seats=5)
        c = self.client()
        c.post("/reserve_ticket/", {"chapter_event": event,
                                    "tickets": [{"ticket_type": types["std"], "count": 2}]})
        guest = c.cookies["sessionid"]
        r = c.post("/api/auth/login", {"email": "browser@example.com", "password": PASSWORD,
                                       "client": "browser"})
        self.assertEqual(r.status, 200, r)
        self.assertNotIn("access_token", r.json)
        self.assertNotEqual(c.cookies["sessionid"], guest)
        self.assertIn("Max-Age=43200", r.header("Set-Cookie"))
        self.assertEqual(c.get("/session_payment_status/").json["status"], "RESERVED")
        self.assertEqual(c.get("/api/auth/me").json["email"], "browser@example.com")
        old = self.client()
        old.cookies["sessionid"] = guest
        self.assertEqual(old.get("/session_payment_status/").status, 400)
        r = self.client().post("/api/auth/login", {
            "email": "browser@example.com", "password": PASSWORD, "client": "browser",
            "remember_me": True})
        self.assertIn("Max-Age=604800", r.header("Set-Cookie"))
        # Logout by cookie needs a same-origin request (CSRF).
        r = c.post("/api/auth/logout", {}, headers={"Origin": "https://evil.example"})
        self.assertEqual((r.status, r.json["code"]), (403, "CSRF_FAILED"))
        r = c.post("/api/auth/logout", {}, headers={"Origin": self.stack.https_url})
        self.assertEqual(r.status, 200)
        self.assertNotIn("sessionid", c.cookies)
        self.assertEqual(c.get("/api/auth/me").status, 401)

    def test_reserving_keeps_a_signed_in_buyer_signed_in(self):
        """A reservation revokes the previous session and sets a new
        cookie (seed 002); a signed-in buyer's new session is still
        theirs, and ends when their sign-in would have."""
        self.verified("keeps@example.com")
        types, event = self.show("keeps", seats=5)
        c = self.client()
        r = c.post("/api/auth/login", {"email": "keeps@example.com", "password": PASSWORD,
                                       "client": "browser"})
        self.assertEqual(r.status, 200, r)
        signed_in = c.cookies["sessionid"]
        before = self.query("SELECT expires_at FROM sessions WHERE user_id ="
                            " (SELECT id FROM users WHERE email = ?) AND revoked_at IS NULL",
                            "keeps@example.com")
        r = c.post("/reserve_ticket/", {"chapter_event": event,
                                        "tickets": [{"ticket_type": types["std"], "count": 1}]})
        self.assertEqual(r.status, 201, r)
        self.assertNotEqual(c.cookies["sessionid"], signed_in)
        self.assertEqual(c.get("/api/auth/me").json["email"], "keeps@example.com")
        self.assertEqual(c.get("/session_payment_status/").json["status"], "RESERVED")
        after = self.query("SELECT expires_at FROM sessions WHERE user_id ="
                           " (SELECT id FROM users WHERE email = ?) AND revoked_at IS NULL",
                           "keeps@example.com")
        self.assertEqual([r["expires_at"] for r in after], [r["expires_at"] for r in before])
        # The old cookie is dead, as for a guest.
        old = self.client()
        old.cookies["sessionid"] = signed_in
        self.assertEqual(old.get("/api/auth/me").status, 401)

    def test_logout_and_expired_tokens(self):
        self.verified("logout@example.com")
        tokens = self.login("logout@example.com").json
        self.assertEqual(self.me(tokens["access_token"]).status, 200)
        r = self.client().post("/api/auth/logout", {"refresh_token": tokens["refresh_token"]},
                               headers=self.bearer(tokens["access_token"]))
        self.assertEqual(r.status, 200)
        self.assertEqual(self.me(tokens["access_token"]).status, 401)
        r = self.client().post("/api/auth/token/refresh", {"refresh_token": tokens["refresh_token"]})
        self.assertEqual(r.status, 401)
        tokens = self.login("logout@example.com").json
        self.execute("UPDATE sessions SET expires_at = 0 WHERE kind = 'api'")
        r = self.me(tokens["access_token"])
        self.assertEqual(r.status, 401)
        self.assertIn("Bearer", r.header("WWW-Authenticate"))

    def test_profile(self):
        self.verified("profile@example.com")
        token = self.login("profile@example.com").json["access_token"]
        r = self.client().request("PATCH", "/api/auth/me", body={"name": "Bo", "locale": "de"},
                                  headers=self.bearer(token))
        self.assertEqual((r.status, r.json["name"], r.json["locale"]), (200, "Bo", "de"))
        r = self.client().request("PATCH", "/api/auth/me", body={"locale": "xx"},
                                  headers=self.bearer(token))
        self.assertEqual(r.status, 400)

    # -- tokens ---------------------------------------------------------------

    def test_refresh_rotation_and_reuse(self):
        self.verified("refresh@example.com")
        first = self.login("refresh@example.com").json
        r = self.client().post("/api/auth/token/refresh", {"refresh_token": first["refresh_token"]})
        self.assertEqual(r.status, 200, r)
        second = r.json
        self.remember(second["access_token"], second["refresh_token"])
        self.assertNotEqual(second["refresh_token"], first["refresh_token"])
        self.assertEqual(self.me(second["access_token"]).status, 200)
        # The first token again: theft.  The whole family dies.
        r = self.client().post("/api/auth/token/refresh", {"refresh_token": first["refresh_token"]})
        self.assertEqual((r.status, r.json["code"]), (401, "TOKEN_REUSED"))
        r = self.client().post("/api/auth/token/refresh", {"refresh_token": second["refresh_token"]})
        self.assertEqual(r.status, 401)
        r = self.client().post("/api/auth/token/refresh", {"refresh_token": "0" * 64})
        self.assertEqual((r.status, r.json["code"]), (401, "TOKEN_INVALID"))

    # -- passwords ------------------------------------------------------------

    def test_change_password_revokes_other_sessions(self):
        self.verified("change@example.com")
        a = self.login("change@example.com").json
        b = self.login("change@example.com").json
        new = "ett helt nytt lösenord"
        self.remember(new)
        r = self.client().post("/api/auth/change-password",
                               {"old_password": "wrong one!!", "new_password": new,
                                "new_password_confirm": new},
                               headers=self.bearer(a["access_token"]))
        self.assertEqual((r.status, list(r.json["field_errors"])), (400, ["old_password"]))
        r = self.client().post("/api/auth/change-password",
                               {"old_password": PASSWORD, "new_password": new,
                                "new_password_confirm": new},
                               headers=self.bearer(a["access_token"]))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.me(a["access_token"]).status, 200)
        self.assertEqual(self.me(b["access_token"]).status, 401)
        self.assertEqual(self.login("change@example.com").status, 400)
        self.assertEqual(self.login("change@example.com", new).status, 200)

    def test_password_reset(self):
        self.verified("reset@example.com")
        old = self.login("reset@example.com").json
        for email in ("reset@example.com", "unknown@example.com"):
            r = self.client().post("/api/auth/password-reset", {"email": email})
            self.assertEqual((r.status, r.json), (202, {"status": "accepted"}))
        token = self.link_from_mail("reset@example.com", "/reset-password")
        self.assertEqual(mails_to(self.stack.mail_dir, "unknown@example.com"), [])
        new = "återställt lösenord 7"
        self.remember(new)
        r = self.client().post("/api/auth/password-reset/confirm",
                               {"token": token, "new_password": "short"})
        self.assertEqual(r.status, 400)
        token = None
        r = self.client().post("/api/auth/password-reset", {"email": "reset@example.com"})
        wait_for(lambda: len(mails_to(self.stack.mail_dir, "reset@example.com")) >= 3,
                 what="a second reset mail")
        tokens = re.findall(r"/reset-password\?token=([0-9a-f]{64})", "".join(
            m.get_body(preferencelist=("plain",)).get_content()
            for m in mails_to(self.stack.mail_dir, "reset@example.com")))
        token = tokens[-1]
        self.remember(*tokens)
        r = self.client().post("/api/auth/password-reset/confirm",
                               {"token": token, "new_password": new})
        self.assertEqual(r.status, 200, r)
        r = self.client().post("/api/auth/password-reset/confirm",
                               {"token": token, "new_password": new})
        self.assertEqual((r.status, r.json["code"]), (401, "TOKEN_INVALID"))
        r = self.client().post("/api/auth/password-reset/confirm",
                               {"token": tokens[0], "new_password": new})
        self.assertEqual(r.status, 401)
        self.assertEqual(self.me(old["access_token"]).status, 401)
        self.assertEqual(self.login("reset@example.com", new).status, 200)

    def test_reset_page_from_the_mail(self):
        self.verified("page@example.com")
        self.client().post("/api/auth/password-reset", {"email": "page@example.com"})
        token = self.link_from_mail("page@example.com", "/reset-password")
        c = self.client()
        r = c.get(f"/reset-password?token={token}", headers={"Accept-Language": "en"})
        self.assertEqual(r.status, 200)
        csrf = re.search(rb'name="csrf" value="([0-9a-f]{64})"', r.body).group(1).decode()
        self.assertIn(token.encode(), r.body)
        r = c.post("/reset-password", form={"csrf": csrf, "token": token,
                                            "new_password": "short"},
                   headers={"Accept-Language": "en"})
        self.assertEqual(r.status, 400)
        self.assertIn(b"at least 10 characters", r.body)
        r = c.post("/reset-password", form={"token": token, "new_password": "x" * 12})
        self.assertEqual(r.status, 403)
        new = "från sidan 12345"
        self.remember(new)
        r = c.post("/reset-password", form={"csrf": csrf, "token": token, "new_password": new},
                   headers={"Accept-Language": "en"})
        self.assertEqual(r.status, 200, r)
        self.assertIn(b"Password changed", r.body)
        self.assertEqual(self.login("page@example.com", new).status, 200)

    # -- two factors ------------------------------------------------------------

    def test_totp_setup_login_replay_and_recovery(self):
        self.verified("totp@example.com")
        token = self.login("totp@example.com").json["access_token"]
        r = self.client().post("/api/auth/2fa/setup", {}, headers=self.bearer(token))
        self.assertEqual(r.status, 200, r)
        uri = r.json["otpauth_uri"]
        self.assertTrue(uri.startswith("otpauth://totp/biljett:totp@example.com?secret="))
        png = base64.b64decode(r.json["qr_png"])
        self.assertTrue(png.startswith(b"\x89PNG"))
        b32 = urllib.parse.parse_qs(urllib.parse.urlsplit(uri).query)["secret"][0]
        self.remember(b32)
        secret = base64.b32decode(b32 + "=" * (-len(b32) % 8))
        r = self.client().post("/api/auth/2fa/enable", {"code": "000000"},
                               headers=self.bearer(token))
        if totp(secret) != "000000":
            self.assertEqual(r.status, 401)
        # Wait for a fresh time step so enable and login use different codes.
        step = int(time.time() // 30)
        r = self.client().post("/api/auth/2fa/enable", {"code": totp(secret)},
                               headers=self.bearer(token))
        self.assertEqual(r.status, 200, r)
        codes = r.json["recovery_codes"]
        self.remember(*codes)
        self.assertEqual(len(codes), 10)
        r = self.login("totp@example.com")
        self.assertEqual((r.status, r.json["code"]), (401, "TOTP_REQUIRED"))
        # The code used to enable is spent; the next step's code works once.
        r = self.login("totp@example.com", totp_code=totp(secret, step * 30))
        self.assertEqual((r.status, r.json["code"]), (401, "TOTP_INVALID"))
        while int(time.time() // 30) == step:
            time.sleep(0.5)
        code = totp(secret)
        r = self.login("totp@example.com", totp_code=code)
        self.assertEqual(r.status, 200, r)
        r = self.login("totp@example.com", totp_code=code)
        self.assertEqual((r.status, r.json["code"]), (401, "TOTP_INVALID"))
        r = self.login("totp@example.com", recovery_code=codes[0].lower())
        self.assertEqual(r.status, 200, r)
        r = self.login("totp@example.com", recovery_code=codes[0])
        self.assertEqual(r.status, 401)
        stored = self.query("SELECT totp_secret FROM users WHERE email = 'totp@example.com'")
        self.assertNotIn(b32, stored[0]["totp_secret"])

    # -- roles ----------------------------------------------------------------

    def test_roles(self):
        self.verified("customer@example.com")
        cust = self.login("customer@example.com").json["access_token"]
        for path in ("/api/staff/whoami", "/api/organizer/staff", "/api/admin/users"):
            r = self.client().get(path, headers=self.bearer(cust))
            self.assertEqual((r.status, r.json["code"]), (403, "FORBIDDEN"), path)
            r = self.client().get(path)
            self.assertEqual((r.status, r.json["code"]), (401, "UNAUTHENTICATED"), path)
        out = self.stack.biljett("create-user", "org1@example.com", "organizer")
        pw1 = out.strip().rsplit(" ", 1)[1]
        out = self.stack.biljett("create-user", "org2@example.com", "organizer")
        pw2 = out.strip().rsplit(" ", 1)[1]
        out = self.stack.biljett("create-admin", "admin@example.com")
        pwa = out.strip().rsplit(" ", 1)[1]
        self.remember(pw1, pw2, pwa)
        org1 = self.login("org1@example.com", pw1).json["access_token"]
        org2 = self.login("org2@example.com", pw2).json["access_token"]
        admin = self.login("admin@example.com", pwa).json["access_token"]
        r = self.client().post("/api/organizer/staff", {
            "name": "Dörrvakt", "email": "door1@example.com", "password": PASSWORD},
            headers=self.bearer(org1))
        self.assertEqual((r.status, r.json["role"]), (201, "staff"), r)
        staff_id = r.json["id"]
        r = self.client().get("/api/organizer/staff", headers=self.bearer(org1))
        self.assertEqual([u["email"] for u in r.json["data"]], ["door1@example.com"])
        r = self.client().get("/api/organizer/staff", headers=self.bearer(org2))
        self.assertEqual(r.json["data"], [])
        # Events: each organizer sees only their own, with sales.
        path = os.path.join(self.tmp, "org1.json")
        with open(path, "w") as f:
            f.write('{"ticket_types": [{"key": "s", "title": "S", "price": 100}],'
                    ' "events": [{"key": "e", "title": "Org1 show",'
                    ' "event_at": "2030-01-02T19:00:00Z", "sales_stop_at":'
                    ' "2030-01-02T18:00:00Z", "total_seats": 10, "ticket_types": ["s"]}]}')
        import json as j
        ev = j.loads(self.stack.biljett("import", path, "--organizer",
                                        "org1@example.com"))["events"][0]["id"]
        # Seed 003's portal (program backoffice, tests/api/test_reports.py).
        r = self.client().get("/api/organizer/events/", headers=self.bearer(org1))
        self.assertEqual([e["title"] for e in r.json["results"]], ["Org1 show"])
        self.assertEqual(r.json["results"][0]["sales"]["revenue"], "0.00")
        r = self.client().get("/api/organizer/events/", headers=self.bearer(org2))
        self.assertEqual((r.json["count"], r.json["results"]), (0, []))
        r = self.client().get(f"/api/organizer/events/{ev}/", headers=self.bearer(org2))
        self.assertEqual((r.status, r.json["code"]), (404, "EVENT_NOT_FOUND"))
        r = self.client().get(f"/api/organizer/events/{ev}/", headers=self.bearer(org1))
        self.assertEqual((r.status, r.json["title"]), (200, "Org1 show"))
        staff = self.login("door1@example.com").json["access_token"]
        r = self.client().get("/api/staff/whoami", headers=self.bearer(staff))
        self.assertEqual((r.status, r.json["role"]), (200, "staff"))
        self.assertEqual(self.client().get("/api/organizer/staff",
                                           headers=self.bearer(staff)).status, 403)
        r = self.client().get(f"/api/organizer/events/{ev}/", headers=self.bearer(admin))
        self.assertEqual(r.status, 200)
        r = self.client().get("/api/admin/users?per_page=100", headers=self.bearer(admin))
        self.assertEqual(r.status, 200)
        self.assertIn("door1@example.com", [u["email"] for u in r.json["data"]])
        # Deactivation takes effect at once.
        r = self.client().post(f"/api/admin/users/{staff_id}/deactivate", {},
                               headers=self.bearer(admin))
        self.assertEqual((r.status, r.json["is_active"]), (200, False))
        self.assertIn(self.client().get("/api/staff/whoami",
                                        headers=self.bearer(staff)).status, (401, 403))
        self.assertEqual(self.login("door1@example.com").json["code"],
                         "ACCOUNT_DISABLED")

    # -- seed 000's names ------------------------------------------------------

    def test_seed000_verification_link(self):
        """GET /api/auth/email/{id}/{hash}: the mailed token under the
        account's id; another account's id neither verifies nor spends it."""
        mine = self.register("link000@example.com").json["id"]
        other = self.register("other000@example.com").json["id"]
        token = self.link_from_mail("link000@example.com", "/api/auth/verify-email")
        for path, where in ((f"/api/auth/email/{other}/{token}", "invalid"),
                            (f"/api/auth/email/{mine}/{'ab' * 32}", "invalid"),
                            (f"/api/auth/email/{mine}/short", "invalid"),
                            (f"/api/auth/email/{mine}/{token}", "success"),
                            (f"/api/auth/email/{mine}/{token}/", "already-verified"),
                            (f"/api/auth/email/{other}/{token}", "invalid")):
            r = self.client().get(path)
            self.assertEqual(r.status, 302, path)
            self.assertTrue(r.header("Location").endswith("/verification-result/" + where),
                            (path, r.header("Location")))
        self.assertEqual(self.login("link000@example.com").status, 200)
        self.assertEqual(self.login("other000@example.com").json["code"],
                         "EMAIL_NOT_VERIFIED")
        r = self.client().get(f"/api/auth/email/0/{token}")
        self.assertEqual(r.status, 404)

    def test_seed000_password_change(self):
        """POST /api/auth/password: billet-jo's field names, our rules."""
        self.verified("pw000@example.com")
        access = self.login("pw000@example.com").json["access_token"]
        new = "ett annat långt lösenord"
        self.remember(new)
        cases = (({"current_password": PASSWORD, "password": new,
                   "password_confirmation": new + "x"}, "password_confirmation"),
                 ({"current_password": "fel lösenord!", "password": new,
                   "password_confirmation": new}, "current_password"),
                 ({"current_password": PASSWORD, "password": PASSWORD,
                   "password_confirmation": PASSWORD}, "password"),
                 ({"current_password": PASSWORD, "password": "kort",
                   "password_confirmation": "kort"}, "password"),
                 ({"password": new, "password_confirmation": new}, "current_password"))
        for body, field in cases:
            r = self.client().post("/api/auth/password", body, headers=self.bearer(access))
            self.assertEqual((r.status, list(r.json["field_errors"])), (400, [field]), body)
        r = self.client().post("/api/auth/password", {"current_password": PASSWORD,
                               "password": new, "password_confirmation": new})
        self.assertEqual(r.status, 401)
        self.assertEqual(self.login("pw000@example.com", new).status, 400)
        r = self.client().post("/api/auth/password", {"current_password": PASSWORD,
                               "password": new, "password_confirmation": new},
                               headers=self.bearer(access))
        self.assertEqual((r.status, r.json["message"]), (200, "Password changed successfully"))
        self.assertEqual(self.login("pw000@example.com").status, 400)
        self.assertEqual(self.login("pw000@example.com", new).status, 200)

    def test_seed000_employees(self):
        """POST /api/users/employees: admins only; a verified staff account."""
        self.verified("cust000@example.com")
        cust = self.login("cust000@example.com").json["access_token"]
        pwo = self.stack.biljett("create-user", "org000@example.com",
                                 "organizer").strip().rsplit(" ", 1)[1]
        pwa = self.stack.biljett("create-admin", "admin000@example.com").strip().rsplit(" ", 1)[1]
        self.remember(pwo, pwa)
        org = self.login("org000@example.com", pwo).json["access_token"]
        admin = self.login("admin000@example.com", pwa).json["access_token"]
        body = {"firstname": "Åsa", "lastname": "Dörr", "email": "emp000@example.com",
                "password": PASSWORD, "password_confirmation": PASSWORD}
        self.assertEqual(self.client().post("/api/users/employees", body).status, 401)
        for who in (cust, org):
            r = self.client().post("/api/users/employees", body, headers=self.bearer(who))
            self.assertEqual((r.status, r.json["code"]), (403, "FORBIDDEN"))
        r = self.client().post("/api/users/employees", dict(body, password_confirmation="x"),
                               headers=self.bearer(admin))
        self.assertEqual((r.status, list(r.json["field_errors"])),
                         (400, ["password_confirmation"]))
        r = self.client().post("/api/users/employees", {"email": "x@example.com"},
                               headers=self.bearer(admin))
        self.assertEqual(r.status, 400)
        self.assertEqual(set(r.json["field_errors"]),
                         {"firstname", "lastname", "password", "password_confirmation"})
        r = self.client().post("/api/users/employees", body, headers=self.bearer(admin))
        self.assertEqual((r.status, r.json["role"], r.json["email"]),
                         (201, "staff", "emp000@example.com"), r)
        r = self.client().post("/api/users/employees", body, headers=self.bearer(admin))
        self.assertEqual((r.status, r.json["code"]), (409, "EMAIL_ALREADY_EXISTS"))
        staff = self.login("emp000@example.com").json["access_token"]
        r = self.client().get("/api/staff/whoami", headers=self.bearer(staff))
        self.assertEqual((r.status, r.json["role"]), (200, "staff"))

    # -- email change ---------------------------------------------------------

    def test_email_change(self):
        self.verified("old@example.com")
        token = self.login("old@example.com").json["access_token"]
        r = self.client().post("/api/auth/email-change",
                               {"new_email": "new@example.com", "password": PASSWORD},
                               headers=self.bearer(token))
        self.assertEqual(r.status, 202, r)
        link = self.link_from_mail("new@example.com", "/api/auth/email-change/confirm")
        r = self.client().get(f"/api/auth/email-change/confirm?token={link}")
        self.assertTrue(r.header("Location").endswith("/verification-result/email-changed"))
        self.assertEqual(self.me(token).json["email"], "new@example.com")
        self.assertEqual(self.login("new@example.com").status, 200)

    # -- secrets ----------------------------------------------------------------

    def test_zz_no_secret_in_logs_or_database(self):
        """Runs last (by name): every secret the other tests used."""
        self.assertGreater(len(Auth.seen_secrets), 10)
        assert_no_secret_stored(self, Auth.seen_secrets)


class NginxThrottle(StackTest):
    """nginx's limit_req on the sign-in endpoints answers 429 in the API's
    error shape before the program sees the request."""
    programs = ("catalog", "auth")
    auth_rate = "1r/m"
    auth_burst = 2

    def test_login_rate_limited_per_address(self):
        statuses = [self.client().post("/api/auth/login", {
            "email": "x@example.com", "password": "whatever12345"}) for _ in range(6)]
        codes = [r.status for r in statuses]
        self.assertIn(429, codes)
        limited = [r for r in statuses if r.status == 429][0]
        self.assertEqual(limited.json["code"], "RATE_LIMITED")
        # Other endpoints are not throttled by the sign-in zone.
        self.assertEqual(self.client().get("/api/health").status, 200)
