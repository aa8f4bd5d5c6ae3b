"""Seed 004's authentication section over the real stack: signup,
verify-email (POST), resend-verification, login with tokens in the body
and as HttpOnly cookies, the access_token cookie at the gate (and the
CSRF rule it brings), refresh from the body or the cookie, logout,
profile (GET, PUT, PATCH) and change-password, each with its documented
errors in seed 004's error shape."""
import base64
import hashlib
import hmac
import re
import struct
import time
import urllib.parse

from flow import assert_no_secret_stored, mails_to, wait_for
from support import StackTest

PASSWORD = "sju sjösjuka sjömän"
EN = {"Accept-Language": "en"}


def totp(secret, t=None):
    """RFC 6238 (SHA-1, 6 digits), written here so the test does not
    trust the code under test."""
    counter = int((time.time() if t is None else t) // 30)
    mac = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF
    return str(value % 10 ** 6).zfill(6)


def cookie_attrs(resp, name):
    """The attributes of the Set-Cookie for name, lower-cased, or None."""
    for value in resp.header_all("Set-Cookie"):
        if value.split("=", 1)[0].strip() == name:
            parts = [p.strip() for p in value.split(";")]
            attrs = {"value": parts[0].split("=", 1)[1]}
            for p in parts[1:]:
                k, _, v = p.partition("=")
                attrs[k.lower()] = v
            return attrs
    return None


class Seed004Auth(StackTest):
    # A hundred sign-ups, sign-ins and refreshes from one address within
    # seconds, none about nginx's per-address limit (test_auth's rate
    # class is): a fast machine ran past 20r/s with a burst of 40 and got
    # 429s, so this class is not held to it.
    auth_rate = "1000r/s"
    auth_burst = 1000
    seen_secrets = []

    # -- helpers -----------------------------------------------------------

    def remember(self, *secrets):
        Seed004Auth.seen_secrets.extend(s for s in secrets if s)

    def signup(self, email, password=PASSWORD, client=None, **extra):
        body = {"email": email, "password": password, "password_confirm": password,
                "user_type": "consumer", "first_name": "Sara", "last_name": "Lind",
                "phone_number": "+46701234567"}
        body.update(extra)
        self.remember(password)
        return (client or self.client()).post("/api/auth/signup/", body, headers=EN)

    def mailed_tokens(self, email, count=1):
        """The verification tokens mailed to email, once there are count."""
        def find():
            found = []
            for m in mails_to(self.stack.mail_dir, email):
                text = m.get_body(preferencelist=("plain",)).get_content()
                found += re.findall(r"/api/auth/verify-email\?token=([0-9a-f]{64})", text)
            return found if len(found) >= count else None
        tokens = wait_for(find, what=f"{count} verification link(s) to {email}")
        self.remember(*tokens)
        return tokens

    def mailed_token(self, email):
        return self.mailed_tokens(email)[0]

    def verified(self, email, password=PASSWORD, **extra):
        r = self.signup(email, password, **extra)
        self.assertEqual(r.status, 201, r)
        r = self.client().post("/api/auth/verify-email/", {"token": self.mailed_token(email)})
        self.assertEqual(r.status, 200, r)

    def login(self, email, password=PASSWORD, client=None, **extra):
        r = (client or self.client()).post("/api/auth/login/",
                                           dict(email=email, password=password, **extra),
                                           headers=EN)
        if r.status == 200 and "tokens" in r.json:
            self.remember(r.json["tokens"]["access"], r.json["tokens"]["refresh"])
        return r

    def signed_in(self, email):
        """A client holding seed 004's cookies after a fresh login."""
        self.verified(email)
        c = self.client()
        r = self.login(email, client=c)
        self.assertEqual(r.status, 200, r)
        self.assertIn("access_token", c.cookies)
        self.assertIn("refresh_token", c.cookies)
        return c, r.json["tokens"]

    def bearer(self, token):
        return {"Authorization": f"Bearer {token}"}

    def same_origin(self):
        return {"Origin": self.stack.base_url}

    def user_row(self, email):
        return self.query("SELECT * FROM users WHERE email = ?", email)[0]

    def assert_error(self, r, status, code, fields=()):
        self.assertEqual(r.status, status, r)
        self.assertEqual(set(r.json), {"error", "detail", "field_errors", "code"}, r)
        self.assertEqual(r.json["code"], code, r)
        self.assertEqual(set(r.json["field_errors"]), set(fields), r)
        for reasons in r.json["field_errors"].values():
            self.assertIsInstance(reasons, list)
            self.assertTrue(all(isinstance(x, str) and x for x in reasons))

    # -- signup -------------------------------------------------------------

    def test_signup_consumer_and_organizer(self):
        r = self.signup("Sara@Example.com")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["message"], "Registration successful. Please check your "
                                            "email to verify your account.")
        row = self.user_row("sara@example.com")
        self.assertEqual(r.json["user"], {"id": row["id"], "email": "sara@example.com",
                                          "user_type": "consumer"})
        self.assertEqual((row["role"], row["first_name"], row["last_name"], row["name"],
                          row["phone"], row["email_verified_at"]),
                         ("customer", "Sara", "Lind", "Sara Lind", "+46701234567", None))
        self.mailed_token("sara@example.com")
        r = self.signup("org@example.com", user_type="organizer", last_name="")
        self.assertEqual((r.status, r.json["user"]["user_type"]), (201, "organizer"), r)
        row = self.user_row("org@example.com")
        self.assertEqual((row["role"], row["name"]), ("organizer", "Sara"))
        # Without a path slash, and without the optional fields.
        r = self.client().post("/api/auth/signup", {
            "email": "bare@example.com", "password": PASSWORD, "password_confirm": PASSWORD})
        self.assertEqual((r.status, r.json["user"]["user_type"]), (201, "consumer"), r)

    def test_signup_validation(self):
        before = self.query("SELECT count(*) AS n FROM users")[0]["n"]
        r = self.client().post("/api/auth/signup/", {"first_name": "x" * 300})
        self.assert_error(r, 400, "VALIDATION_ERROR",
                          ("email", "password", "password_confirm", "first_name"))
        r = self.signup("mismatch@example.com", password_confirm="något annat helt")
        self.assert_error(r, 400, "VALIDATION_ERROR", ("password_confirm",))
        self.assertEqual(r.json["field_errors"]["password_confirm"], ["Passwords do not match"])
        for kind in ("admin", "staff", "customer", "Consumer"):
            r = self.signup("type@example.com", user_type=kind)
            self.assert_error(r, 400, "VALIDATION_ERROR", ("user_type",))
            self.assertEqual(r.json["field_errors"]["user_type"],
                             ["User type must be either 'consumer' or 'organizer'"])
        r = self.signup("both@example.com", user_type="boss", password_confirm="x" * 12)
        self.assert_error(r, 400, "VALIDATION_ERROR", ("user_type", "password_confirm"))
        r = self.signup("weak@example.com", password="1234567890")
        self.assert_error(r, 400, "WEAK_PASSWORD", ("password",))
        self.assertEqual(self.query("SELECT count(*) AS n FROM users")[0]["n"], before)
        self.assertEqual(self.signup("twice@example.com").status, 201)
        r = self.signup("TWICE@example.com")
        self.assert_error(r, 400, "VALIDATION_ERROR", ("email",))
        self.assertEqual(self.query("SELECT count(*) AS n FROM users")[0]["n"], before + 1)

    # -- verification ---------------------------------------------------------

    def test_verify_email_by_post_and_by_link(self):
        self.assertEqual(self.signup("verify@example.com").status, 201)
        token = self.mailed_token("verify@example.com")
        r = self.login("verify@example.com")
        self.assert_error(r, 400, "EMAIL_NOT_VERIFIED")
        self.assertEqual(r.json["error"], "Email not verified. Please check your email.")
        r = self.client().post("/api/auth/verify-email/", {"token": token})
        self.assertEqual(r.status, 200, r)
        row = self.user_row("verify@example.com")
        self.assertEqual(r.json, {"message": "Email verified successfully. You can now login.",
                                  "user": {"id": row["id"], "email": "verify@example.com"}})
        self.assertIsNotNone(row["email_verified_at"])
        r = self.client().post("/api/auth/verify-email", {"token": token})
        self.assert_error(r, 400, "VALIDATION_ERROR", ("token",))
        self.assertEqual(r.json["field_errors"]["token"],
                         ["This verification link has already been used."])
        r = self.client().post("/api/auth/verify-email/", {"token": "ab" * 32})
        self.assert_error(r, 400, "VALIDATION_ERROR", ("token",))
        r = self.client().post("/api/auth/verify-email/", {})
        self.assert_error(r, 400, "VALIDATION_ERROR", ("token",))
        self.assertEqual(self.login("verify@example.com").status, 200)
        # The link in the mail (GET ?token=) keeps working.
        self.assertEqual(self.signup("link@example.com").status, 201)
        r = self.client().get("/api/auth/verify-email?token=" +
                              self.mailed_token("link@example.com"))
        self.assertEqual(r.status, 302)
        self.assertTrue(r.header("Location").endswith("/verification-result/success"))

    def test_resend_verification(self):
        self.assertEqual(self.signup("resend@example.com").status, 201)
        first = self.mailed_token("resend@example.com")
        for email in ("resend@example.com", "nobody@example.com"):
            r = self.client().post("/api/auth/resend-verification/", {"email": email})
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["message"], "Verification email sent successfully")
        tokens = self.mailed_tokens("resend@example.com", 2)
        self.assertEqual(len(set(tokens)), 2)
        second = [t for t in tokens if t != first][0]
        self.assertEqual(mails_to(self.stack.mail_dir, "nobody@example.com"), [])
        # The new link works, the old one no more.
        r = self.client().post("/api/auth/verify-email/", {"token": first})
        self.assertEqual(r.status, 400)
        r = self.client().post("/api/auth/verify-email/", {"token": second})
        self.assertEqual(r.status, 200, r)
        r = self.client().post("/api/auth/resend-verification/", {"email": "not an address"})
        self.assert_error(r, 400, "VALIDATION_ERROR", ("email",))

    # -- login ------------------------------------------------------------------

    def test_login_body_and_cookies(self):
        self.verified("login@example.com")
        c = self.client()
        r = self.login("login@example.com", client=c)
        self.assertEqual(r.status, 200, r)
        body = r.json
        self.assertEqual(body["message"], "Login successful")
        self.assertEqual(set(body["tokens"]), {"access", "refresh"})
        user = body["user"]
        row = self.user_row("login@example.com")
        for k, v in {"id": row["id"], "email": "login@example.com", "first_name": "Sara",
                     "last_name": "Lind", "user_type": "consumer",
                     "phone_number": "+46701234567", "is_email_verified": True}.items():
            self.assertEqual(user[k], v, k)
        self.assertRegex(user["date_joined"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
        self.assertRegex(user["last_login"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
        self.assertIsNotNone(row["last_login_at"])
        access = cookie_attrs(r, "access_token")
        refresh = cookie_attrs(r, "refresh_token")
        self.assertEqual(access["value"], body["tokens"]["access"])
        self.assertEqual(refresh["value"], body["tokens"]["refresh"])
        # Secure exactly when the sessionid cookie is (public_url is https
        # in the test stack).
        session = cookie_attrs(self.client().post("/api/auth/login/", {
            "email": "login@example.com", "password": PASSWORD, "client": "browser"}),
            "sessionid")
        self.assertIn("secure", session)
        for attrs, age in ((access, "300"), (refresh, "604800")):
            self.assertEqual(attrs["max-age"], age)
            self.assertIn("httponly", attrs)
            self.assertIn("secure", attrs)
            self.assertEqual((attrs["samesite"], attrs["path"]), ("Lax", "/"))
        # The body's access token works as a bearer token.
        r = self.client().get("/api/auth/profile/", headers=self.bearer(body["tokens"]["access"]))
        self.assertEqual((r.status, r.json["email"]), (200, "login@example.com"))

    def test_login_errors(self):
        self.verified("wrong@example.com")
        for email, password in (("wrong@example.com", "fel lösenord här"),
                                ("nobody-here@example.com", PASSWORD)):
            r = self.login(email, password)
            self.assert_error(r, 400, "INVALID_CREDENTIALS")
            self.assertEqual(r.json["error"], "Invalid email or password.")
            self.assertIsNone(cookie_attrs(r, "access_token"))
        # An unverified account hears so only after the right password.
        self.assertEqual(self.signup("unverified@example.com").status, 201)
        r = self.login("unverified@example.com", "fel lösenord här")
        self.assertEqual(r.json["code"], "INVALID_CREDENTIALS")
        r = self.login("unverified@example.com")
        self.assert_error(r, 400, "EMAIL_NOT_VERIFIED")
        self.assertIsNone(cookie_attrs(r, "access_token"))
        r = self.client().post("/api/auth/login/", {"email": "wrong@example.com"})
        self.assert_error(r, 400, "VALIDATION_ERROR", ("password",))
        # Messages follow Accept-Language.
        r = self.client().post("/api/auth/login/", {"email": "wrong@example.com",
                                                    "password": "fel lösenord här"},
                               headers={"Accept-Language": "sv"})
        self.assertEqual((r.status, r.json["code"]), (400, "INVALID_CREDENTIALS"))
        self.assertNotEqual(r.json["error"], "Invalid email or password.")

    def test_two_factor_account_still_needs_its_code(self):
        self.verified("tfa@example.com")
        token = self.login("tfa@example.com").json["tokens"]["access"]
        r = self.client().post("/api/auth/2fa/setup", {}, headers=self.bearer(token))
        b32 = urllib.parse.parse_qs(urllib.parse.urlsplit(
            r.json["otpauth_uri"]).query)["secret"][0]
        self.remember(b32)
        secret = base64.b32decode(b32 + "=" * (-len(b32) % 8))
        step = int(time.time() // 30)
        r = self.client().post("/api/auth/2fa/enable", {"code": totp(secret)},
                               headers=self.bearer(token))
        self.assertEqual(r.status, 200, r)
        self.remember(*r.json["recovery_codes"])
        r = self.login("tfa@example.com")
        self.assert_error(r, 401, "TOTP_REQUIRED")
        self.assertIsNone(cookie_attrs(r, "access_token"))
        r = self.login("tfa@example.com", recovery_code="AAAAA-AAAAA")
        self.assert_error(r, 401, "TOTP_INVALID")
        while int(time.time() // 30) == step:
            time.sleep(0.5)
        r = self.login("tfa@example.com", totp_code=totp(secret))
        self.assertEqual(r.status, 200, r)
        self.assertIsNotNone(cookie_attrs(r, "access_token"))

    # -- the gate: no credentials, the access_token cookie, CSRF ----------------

    def test_401_without_credentials(self):
        # (The gate validates a body before it asks who sends it, so the
        # bodies are valid here.)
        change = {"old_password": PASSWORD, "new_password": PASSWORD + "!",
                  "new_password_confirm": PASSWORD + "!"}
        for method, path, body in (("GET", "/api/auth/profile/", None),
                                   ("PUT", "/api/auth/profile/", {}),
                                   ("PATCH", "/api/auth/profile", {}),
                                   ("POST", "/api/auth/logout/", {}),
                                   ("POST", "/api/auth/change-password/", change)):
            r = self.client().request(method, path, body=body)
            self.assertEqual((r.status, r.json["code"]), (401, "UNAUTHENTICATED"), path)
        # A cookie that names no live session is no credential either.
        c = self.client()
        c.cookies["access_token"] = "ab" * 32
        self.assertEqual(c.get("/api/auth/profile/").status, 401)

    def test_access_cookie_authenticates(self):
        c, tokens = self.signed_in("cookie@example.com")
        r = c.get("/api/auth/profile/")
        self.assertEqual((r.status, r.json["email"]), (200, "cookie@example.com"))
        # Our own routes take it too.
        self.assertEqual(c.get("/api/auth/me").json["email"], "cookie@example.com")
        # A guest's sessionid beside it does not hide it.
        c.cookies["sessionid"] = "cd" * 32
        self.assertEqual(c.get("/api/auth/profile/").status, 200)
        # An expired access token is refused, cookie or bearer.
        self.execute("UPDATE sessions SET expires_at = 0 WHERE kind = 'api'")
        self.assertEqual(c.get("/api/auth/profile/").status, 401)
        r = self.client().get("/api/auth/profile/", headers=self.bearer(tokens["access"]))
        self.assertEqual(r.status, 401)

    def test_cookie_post_needs_csrf_proof(self):
        c, tokens = self.signed_in("csrf004@example.com")
        change = {"first_name": "Changed"}

        def first_name():
            return self.user_row("csrf004@example.com")["first_name"]

        # No browser headers and no double-submit header: refused.
        plain = {"Origin": None}
        r = c.request("PATCH", "/api/auth/profile/", body=change, headers=plain)
        self.assert_error(r, 403, "CSRF_FAILED")
        r = c.post("/api/auth/logout/", {}, headers=plain)
        self.assert_error(r, 403, "CSRF_FAILED")
        for headers in ({"Origin": "https://evil.example"}, {"Origin": None, "Sec-Fetch-Site": "cross-site"}):
            r = c.request("PATCH", "/api/auth/profile/", body=change, headers=headers)
            self.assertEqual((r.status, r.json["code"]), (403, "CSRF_FAILED"), headers)
        c.cookies["csrftoken"] = "a" * 64
        r = c.request("PATCH", "/api/auth/profile/", body=change,
                      headers={"Origin": None, "X-CSRF-Token": "b" * 64})
        self.assertEqual(r.status, 403)
        self.assertEqual(first_name(), "Sara")
        # With proof: the double-submit header, or our own origin.
        r = c.request("PATCH", "/api/auth/profile/", body=change,
                      headers={"Origin": None, "X-CSRF-Token": "a" * 64})
        self.assertEqual((r.status, r.json["first_name"]), (200, "Changed"), r)
        r = c.request("PATCH", "/api/auth/profile/", body={"first_name": "Again"},
                      headers=self.same_origin())
        self.assertEqual((r.status, r.json["first_name"]), (200, "Again"), r)
        # A bearer token is no ambient credential: no proof needed.
        r = self.client().request("PATCH", "/api/auth/profile/", body={"first_name": "Bear"},
                                  headers=self.bearer(tokens["access"]))
        self.assertEqual((r.status, r.json["first_name"]), (200, "Bear"), r)
        # Reading needs none.
        self.assertEqual(c.get("/api/auth/profile/").status, 200)

    # -- refresh and logout -----------------------------------------------------

    def test_refresh_from_cookie_and_body(self):
        c, tokens = self.signed_in("refresh004@example.com")
        old_refresh = c.cookies["refresh_token"]
        r = c.post("/api/auth/token/refresh/", {})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(set(r.json) >= {"access", "refresh"}, r.json)
        self.remember(r.json["access"], r.json["refresh"])
        self.assertNotEqual(r.json["refresh"], old_refresh)
        self.assertEqual(cookie_attrs(r, "access_token")["value"], r.json["access"])
        self.assertEqual(cookie_attrs(r, "access_token")["max-age"], "300")
        self.assertEqual(c.cookies["refresh_token"], r.json["refresh"])
        self.assertEqual(c.get("/api/auth/profile/").status, 200)
        # Again from the (rotated) cookie: no false alarm.
        r = c.post("/api/auth/token/refresh", {})
        self.assertEqual(r.status, 200, r)
        self.remember(r.json["access"], r.json["refresh"])
        # From the body, seed 004's "refresh".
        r = self.client().post("/api/auth/token/refresh/", {"refresh": c.cookies["refresh_token"]})
        self.assertEqual(r.status, 200, r)
        self.remember(r.json["access"], r.json["refresh"])
        latest = r.json["refresh"]
        # A spent one again is theft: the whole family ends.
        r = self.client().post("/api/auth/token/refresh/", {"refresh": old_refresh})
        self.assert_error(r, 401, "TOKEN_REUSED")
        r = self.client().post("/api/auth/token/refresh/", {"refresh": latest})
        self.assertEqual(r.status, 401)
        r = self.client().post("/api/auth/token/refresh/", {})
        self.assert_error(r, 400, "VALIDATION_ERROR", ("refresh",))
        r = self.client().post("/api/auth/token/refresh/", {"refresh": "0" * 64})
        self.assert_error(r, 401, "TOKEN_INVALID")

    def test_logout_clears_cookies_and_revokes(self):
        c, tokens = self.signed_in("logout004@example.com")
        r = c.post("/api/auth/logout/", {}, headers=self.same_origin())
        self.assertEqual((r.status, r.json), (200, {"message": "Logout successful"}), r)
        for name in ("access_token", "refresh_token"):
            self.assertEqual(cookie_attrs(r, name)["max-age"], "0", name)
            self.assertEqual(cookie_attrs(r, name)["value"], "")
            self.assertNotIn(name, c.cookies)
        revoked = self.query("SELECT revoked_at FROM refresh_tokens WHERE user_id = ?",
                             self.user_row("logout004@example.com")["id"])
        self.assertTrue(revoked and all(row["revoked_at"] for row in revoked))
        r = self.client().post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
        self.assertEqual(r.status, 401)
        r = self.client().get("/api/auth/profile/", headers=self.bearer(tokens["access"]))
        self.assertEqual(r.status, 401)
        # A guest's sessionid beside the access cookie is left alone; a
        # sessionid that signed in is cleared.
        c = self.client()
        self.login("logout004@example.com", client=c)
        c.cookies["sessionid"] = "cd" * 32
        r = c.post("/api/auth/logout/", {}, headers=self.same_origin())
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(cookie_attrs(r, "sessionid"))
        c = self.client()
        r = c.post("/api/auth/login/", {"email": "logout004@example.com",
                                        "password": PASSWORD, "client": "browser"})
        self.assertEqual((r.status, "tokens" in r.json), (200, False), r)
        r = c.post("/api/auth/logout/", {}, headers=self.same_origin())
        self.assertEqual((r.status, cookie_attrs(r, "sessionid")["max-age"]), (200, "0"))
        # By bearer, with the refresh token in the body.
        tokens = self.login("logout004@example.com").json["tokens"]
        r = self.client().post("/api/auth/logout", {"refresh": tokens["refresh"]},
                               headers=self.bearer(tokens["access"]))
        self.assertEqual(r.status, 200, r)
        r = self.client().post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
        self.assertEqual(r.status, 401)

    def test_logout_leaves_another_accounts_refresh_token(self):
        self.verified("mine@example.com")
        self.verified("theirs@example.com")
        mine = self.login("mine@example.com").json["tokens"]
        theirs = self.login("theirs@example.com").json["tokens"]
        r = self.client().post("/api/auth/logout/", {"refresh": theirs["refresh"]},
                               headers=self.bearer(mine["access"]))
        self.assertEqual(r.status, 200, r)
        r = self.client().post("/api/auth/token/refresh/", {"refresh": theirs["refresh"]})
        self.assertEqual(r.status, 200, r)
        self.remember(r.json["access"], r.json["refresh"])

    # -- profile and password -----------------------------------------------------

    def test_profile_get_put_patch(self):
        self.verified("prof@example.com")
        token = self.login("prof@example.com").json["tokens"]["access"]
        auth = self.bearer(token)
        r = self.client().get("/api/auth/profile", headers=auth)
        self.assertEqual(r.status, 200)
        for k in ("id", "email", "first_name", "last_name", "user_type", "phone_number",
                  "is_email_verified", "date_joined", "last_login"):
            self.assertIn(k, r.json)
        r = self.client().request("PATCH", "/api/auth/profile/", headers=auth,
                                  body={"last_name": "Berg", "email": "evil@example.com",
                                        "user_type": "organizer"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["first_name"], r.json["last_name"], r.json["email"],
                          r.json["user_type"], r.json["phone_number"]),
                         ("Sara", "Berg", "prof@example.com", "consumer", "+46701234567"))
        row = self.user_row("prof@example.com")
        self.assertEqual((row["name"], row["role"]), ("Sara Berg", "customer"))
        r = self.client().request("PUT", "/api/auth/profile/", headers=auth,
                                  body={"first_name": "Eva", "last_name": "Ek",
                                        "phone_number": "+4681234567"})
        self.assertEqual((r.json["first_name"], r.json["last_name"], r.json["phone_number"]),
                         ("Eva", "Ek", "+4681234567"), r)
        self.assertEqual(self.user_row("prof@example.com")["name"], "Eva Ek")
        r = self.client().request("PATCH", "/api/auth/profile/", headers=auth,
                                  body={"first_name": "x" * 201, "last_name": 7})
        self.assert_error(r, 400, "VALIDATION_ERROR", ("first_name", "last_name"))
        r = self.client().request("PATCH", "/api/auth/profile/", headers=auth,
                                  body={"locale": "xx"})
        self.assert_error(r, 400, "VALIDATION_ERROR", ("locale",))
        self.assertEqual(self.user_row("prof@example.com")["name"], "Eva Ek")
        # Our /me renaming drops the split; the profile reads the one name.
        r = self.client().request("PATCH", "/api/auth/me", headers=auth,
                                  body={"name": "Eva Maria Ek"})
        self.assertEqual(r.status, 200, r)
        r = self.client().get("/api/auth/profile/", headers=auth)
        self.assertEqual((r.json["first_name"], r.json["last_name"]), ("Eva Maria Ek", ""))

    def test_profile_of_an_account_with_one_name(self):
        out = self.stack.biljett("create-user", "onename@example.com", "staff")
        password = out.strip().rsplit(" ", 1)[1]
        self.remember(password)
        r = self.login("onename@example.com", password)
        self.assertEqual(r.status, 200, r)
        user = r.json["user"]
        self.assertEqual((user["last_name"], user["user_type"], user["phone_number"]),
                         ("", "staff", None))

    def test_change_password(self):
        self.verified("pw004@example.com")
        c = self.client()
        a = self.login("pw004@example.com").json["tokens"]
        b = self.login("pw004@example.com").json["tokens"]
        auth = self.bearer(a["access"])
        new = "ett alldeles nytt lösen"
        self.remember(new)

        def change(**body):
            return c.post("/api/auth/change-password/", body, headers=auth)

        r = change()
        self.assert_error(r, 400, "VALIDATION_ERROR",
                          ("old_password", "new_password", "new_password_confirm"))
        r = change(old_password=PASSWORD, new_password=new, new_password_confirm=new + "!")
        self.assert_error(r, 400, "VALIDATION_ERROR", ("new_password_confirm",))
        self.assertEqual(r.json["field_errors"]["new_password_confirm"],
                         ["New passwords do not match"])
        r = change(old_password="inte det gamla", new_password=new, new_password_confirm=new)
        self.assert_error(r, 400, "VALIDATION_ERROR", ("old_password",))
        self.assertEqual(r.json["field_errors"]["old_password"],
                         ["Current password is incorrect"])
        r = change(old_password=PASSWORD, new_password=PASSWORD,
                   new_password_confirm=PASSWORD)
        self.assert_error(r, 400, "VALIDATION_ERROR", ("new_password",))
        r = change(old_password=PASSWORD, new_password="1234567890",
                   new_password_confirm="1234567890")
        self.assert_error(r, 400, "WEAK_PASSWORD", ("new_password",))
        self.assertEqual(self.login("pw004@example.com").status, 200)
        r = change(old_password=PASSWORD, new_password=new, new_password_confirm=new)
        self.assertEqual((r.status, r.json["message"]), (200, "Password changed successfully"))
        # This session goes on; the others end; the old password is gone.
        self.assertEqual(self.client().get("/api/auth/profile/", headers=auth).status, 200)
        r = self.client().get("/api/auth/profile/", headers=self.bearer(b["access"]))
        self.assertEqual(r.status, 401)
        self.assertEqual(self.login("pw004@example.com").json["code"], "INVALID_CREDENTIALS")
        self.assertEqual(self.login("pw004@example.com", new).status, 200)

    # -- secrets ------------------------------------------------------------------

    def test_zz_no_secret_in_logs_or_database(self):
        """Runs last (by name): every token and password used above."""
        self.assertGreater(len(Seed004Auth.seen_secrets), 10)
        assert_no_secret_stored(self, Seed004Auth.seen_secrets)
