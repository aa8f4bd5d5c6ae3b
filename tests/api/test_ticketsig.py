"""Signed QR codes a door can check offline, and every seed's staff scan
path (issue 10).

A ticket's QR code holds "BJ1:" and base32 of an Ed25519-signed payload
(lib/ticketsig.h).  These tests check it with a second, independent
implementation -- PyNaCl (Debian's python3-nacl) and Python's base64 --
as a door would offline, with what GET /api/scan/keys/ and GET
/api/scan/events/{id}/revocations/ give it; and the server's own answers
on /validate_ticket/ (seed 002), GET|POST /api/tickets/scan/{token}
(seed 000) and POST /api/tickets/my-tickets/verify/ (seed 004)."""
import base64
import re
import struct
import sys
import threading
import time

try:
    import nacl.exceptions
    import nacl.secret
    import nacl.signing
except ImportError:
    # Debian's python3-nacl lives in the system's dist-packages, which a
    # Python of one's own (pyenv, a venv) does not search.
    sys.path.append("/usr/lib/python3/dist-packages")
    import nacl.exceptions
    import nacl.secret
    import nacl.signing

from flow import (Swish, add_staff, buy_paid, decode_qr, door_accounts, import_as,
                  login, mails_to, png_parts, wait_for)
from support import StackTest

PASSWORD = "arrangörens-lösenord"
STAFF_PASSWORD = "dörrvaktens-lösenord"
# ASCII: it also travels in the X-Scanner-Password header, whose bytes
# Python's http.client writes as Latin-1.
SCANNER_PASSWORD = "a-doerrens-signerade-loesenord"
UNKNOWN = {"times_used": -1, "status": "Ticket does not exist"}
SLACK = 12 * 3600       # TICKETKEY_SLACK_SECONDS: an event without an end


def b32(raw):
    return base64.b32encode(raw).decode().rstrip("=")


def unb32(text):
    return base64.b32decode(text + "=" * (-len(text) % 8))


def sign(seed, key_id, ticket, event, variant, not_before, not_after):
    """A code as lib/ticketsig makes it, made here with PyNaCl."""
    body = struct.pack(">BIIIIII", 1, key_id, ticket, event, variant,
                       not_before // 60, -(-not_after // 60))
    sig = nacl.signing.SigningKey(seed).sign(body).signature
    return "BJ1:" + b32(body + sig)


class Door:
    """An offline door: the keys and revocations it fetched, and its own
    check of a code with PyNaCl.  Returns why a code is refused, or
    "ok" with the ticket id."""

    def __init__(self, keys, revoked=()):
        self.keys = {k["key_id"]: nacl.signing.VerifyKey(
            base64.b64decode(k["public_key"])) for k in keys}
        self.revoked = set(revoked)

    def check(self, text, event, now):
        if not text.startswith("BJ1:") or len(text) != 147:
            return "format"
        raw = unb32(text[4:])
        body, sig = raw[:25], raw[25:]
        version, key, ticket, ev, variant, nb, na = struct.unpack(">BIIIIII", body)
        if version != 1:
            return "format"
        if key not in self.keys:
            return "unknown key"
        try:
            self.keys[key].verify(body, sig)
        except nacl.exceptions.BadSignatureError:
            return "bad signature"
        if ev != event:
            return "other event"
        if now < nb * 60:
            return "not yet valid"
        if now >= na * 60:
            return "expired"
        if ticket in self.revoked:
            return "revoked"
        return "ok", ticket


class TicketSig(StackTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.swish = Swish(cls.stack)
        door_accounts(cls, PASSWORD)
        cls.events, cls.types = {}, {}
        for who, keys in (("a", ("a1", "a2")), ("b", ("b1",))):
            doc = {"ticket_types": [{"key": "std", "title": f"Std {who}", "price": 100}],
                   "events": [{"key": k, "title": f"Show {k}",
                               "event_at": "2030-01-02T19:00:00Z",
                               "sales_stop_at": "2030-01-02T18:00:00Z",
                               "total_seats": 100, "ticket_types": ["std"]}
                              for k in keys]}
            types, events = import_as(cls, doc, f"org-{who}@example.com")
            cls.events.update(events)
            cls.types.update({k: types["std"] for k in events})
        cls.staff = add_staff(cls.stack, cls.org["a"], "staff-a@example.com",
                              STAFF_PASSWORD)
        cls.stack.biljett("scanner-add", "Door A", "--password", SCANNER_PASSWORD,
                          "--organizer", "org-a@example.com")

    # -- helpers ------------------------------------------------------------

    @classmethod
    def token(cls, email, password=PASSWORD):
        return login(cls.stack, email, password)

    def api(self, method, path, token=None, body=None, headers=None):
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        return self.client().request(method, path, body=body, headers=h)

    bought = 0

    def buy(self, key):
        """One paid ticket of event key; returns (short code, QR content,
        ticket id) once its mail is in the sink."""
        TicketSig.bought += 1
        email = f"guest{TicketSig.bought}@example.com"
        buy_paid(self, self.events[key], self.types[key], email)
        row = self.query("SELECT t.id, t.external_id FROM tickets t JOIN orders o"
                         " ON o.id = t.order_id WHERE o.email = ?", email)[0]
        msg = wait_for(lambda: mails_to(self.stack.mail_dir, email),
                       what="the ticket mail")[0]
        pngs = png_parts(msg)
        self.assertEqual(len(pngs), 1)
        return row["external_id"], decode_qr(pngs[0].get_content()), row["id"]

    def keys(self, token="staff", headers=None):
        """The keys a door gets: the staff's unless told whose."""
        if token == "staff":
            token = None if headers else self.staff
        r = self.api("GET", "/api/scan/keys/", token, headers=headers)
        self.assertEqual(r.status, 200, r)
        return r.json["keys"]

    def revoked(self, key, token=None):
        r = self.api("GET", f"/api/scan/events/{self.events[key]}/revocations/",
                     token or self.staff)
        self.assertEqual(r.status, 200, r)
        return r.json["revoked"]

    def door(self, key, token=None):
        return Door(self.keys(token or self.staff), self.revoked(key, token))

    def seed_of(self, key_id):
        """The Ed25519 seed of a stored key: unsealed here with PyNaCl's
        SecretBox under the configuration's secret_key (lib/seal)."""
        sealed = self.query("SELECT secret_key FROM signing_keys WHERE id = ?",
                            key_id)[0]["secret_key"]
        box = nacl.secret.SecretBox(bytes.fromhex(self.stack.conf_value("secret_key")))
        return box.decrypt(base64.b64decode(sealed))[:32]

    def refused(self):
        """scan's counts of refused signed codes, by reason."""
        r = self.api("GET", "/api/scan/metrics", self.admin)
        self.assertEqual(r.status, 200, r)
        return {m.group(1): int(m.group(2)) for m in re.finditer(
            r'^biljett_scan_codes_refused_total\{reason="(\w+)"\} (\d+)$',
            r.body.decode(), re.M)}

    def validate(self, code, use=False, password=SCANNER_PASSWORD):
        return self.client().put("/validate_ticket/", {
            "external_id": code, "password": password, "use_ticket": use})

    def jo(self, method, token, code):
        return self.api(method, f"/api/tickets/scan/{code}", token)

    def verify(self, token, code):
        return self.api("POST", "/api/tickets/my-tickets/verify/", token,
                        {"qr_code_data": code})

    # -- the code in the mail ------------------------------------------------

    def test_the_mailed_qr_code_verifies_with_the_published_key(self):
        code, qr, tid = self.buy("a1")
        self.assertRegex(qr, r"^BJ1:[A-Z2-7]{143}$")
        raw = unb32(qr[4:])
        version, key, ticket, event, variant, nb, na = struct.unpack(">BIIIIII", raw[:25])
        self.assertEqual((version, ticket, event, variant),
                         (1, tid, self.events["a1"], self.types["a1"]))
        row = self.query("SELECT t.created_at, e.event_at, k.organizer_id, u.email"
                         " FROM tickets t JOIN events e ON e.id = t.event_id"
                         " JOIN signing_keys k ON k.id = ? JOIN users u"
                         " ON u.id = k.organizer_id WHERE t.id = ?", key, tid)[0]
        self.assertEqual(row["email"], "org-a@example.com")
        self.assertEqual(nb, row["created_at"] // 60)
        self.assertEqual(na, -(-(row["event_at"] + SLACK) // 60))
        # The published key, checked by PyNaCl; the staff and the
        # organizer's scanner get it, another organizer does not.
        published = {k["key_id"]: k for k in self.keys()}
        self.assertEqual(published[key]["algorithm"], "Ed25519")
        nacl.signing.VerifyKey(base64.b64decode(published[key]["public_key"])).verify(
            raw[:25], raw[25:])
        self.assertIn(key, [k["key_id"] for k in self.keys(
            headers={"X-Scanner-Password": SCANNER_PASSWORD})])
        self.assertNotIn(key, [k["key_id"] for k in self.keys(self.org["b"])])
        # The secret key is sealed at rest: it is not the seed in any form.
        seed = self.seed_of(key)
        self.assertEqual(nacl.signing.SigningKey(seed).verify_key.encode(),
                         base64.b64decode(published[key]["public_key"]))
        with open(self.stack.db_path, "rb") as f:
            self.assertNotIn(seed, f.read())
        # Made here, by the independent implementation, it is the same text
        # (Ed25519 is deterministic).
        self.assertEqual(sign(seed, key, tid, event, variant, nb * 60, na * 60), qr)
        # The door admits it offline, and /validate_ticket/ takes it.
        self.assertEqual(self.door("a1").check(qr, self.events["a1"], time.time()),
                         ("ok", tid))
        r = self.validate(qr.lower())
        self.assertEqual((r.status, r.json["external_id"], r.json["times_used"]),
                         (200, code, 0), r)
        r = self.validate(qr, use=True)
        self.assertEqual((r.status, r.json["times_used"]), (200, 0), r)
        r = self.validate(code, use=True)
        self.assertEqual((r.status, r.json["times_used"]), (200, 1), r)

    def test_refused_offline_and_at_the_server(self):
        code, qr, tid = self.buy("a1")
        key = struct.unpack(">BIIIIII", unb32(qr[4:])[:25])[1]
        seed = self.seed_of(key)
        ev, tt = self.events["a1"], self.types["a1"]
        now = int(time.time())
        cases = {
            "expired": (sign(seed, key, tid, ev, tt, now - 7200, now - 60), ev),
            "not yet valid": (sign(seed, key, tid, ev, tt, now + 3600, now + 7200), ev),
            "other event": (qr, self.events["a2"]),
            "unknown key": (sign(bytes(32), 999999, tid, ev, tt, now - 60, now + 3600), ev),
            "bad signature": (qr[:20] + ("A" if qr[20] != "A" else "B") + qr[21:], ev),
        }
        door = self.door("a1")
        before = self.refused()
        for want, (text, at_event) in cases.items():
            self.assertEqual(door.check(text, at_event, now), want, want)
            if want == "other event":
                continue
            r = self.validate(text)
            self.assertEqual((r.status, r.json), (404, UNKNOWN), want)
        # Counted by reason (scan's own counters, for admins).
        after = self.refused()
        for reason in ("expired", "not_yet_valid", "unknown_key", "bad_signature"):
            self.assertEqual(after[reason], before[reason] + 1, reason)
        self.assertEqual(self.api("GET", "/api/scan/metrics", self.staff).status, 403)
        # Signed for another event than the ticket's, with the right key:
        # the signature holds, the ticket does not match it.
        r = self.validate(sign(seed, key, tid, self.events["a2"], tt, now - 60, now + 3600))
        self.assertEqual((r.status, r.json), (404, UNKNOWN))
        # Another organizer's key cannot speak for A's tickets.
        _, qr_b, _ = self.buy("b1")
        key_b = struct.unpack(">BIIIIII", unb32(qr_b[4:])[:25])[1]
        forged = sign(self.seed_of(key_b), key_b, tid, ev, tt, now - 60, now + 3600)
        r = self.validate(forged)
        self.assertEqual((r.status, r.json), (404, UNKNOWN))
        self.assertEqual(door.check(forged, ev, now), "unknown key")
        # Revoked: a refunded ticket is on the event's list, and refused
        # by the door offline and by the server.
        self.assertEqual(self.door("a1").check(qr, ev, now), ("ok", tid))
        self.assertNotIn(tid, self.revoked("a1"))
        self.execute("UPDATE tickets SET status = 'refunded' WHERE id = ?", tid)
        self.assertIn(tid, self.revoked("a1"))
        self.assertEqual(self.door("a1").check(qr, ev, now), "revoked")
        r = self.validate(qr, use=True)
        self.assertEqual((r.status, r.json["times_used"]), (200, 0), r)
        self.assertEqual(self.query("SELECT times_used FROM tickets WHERE id = ?",
                                    tid)[0]["times_used"], 0)
        # Refused codes are scans too: journalled with the door.
        self.assertIn("look-up", self.stack.biljett("expire"))
        rows = self.query("SELECT result, scanner_id FROM checkins WHERE external_id = ?",
                          cases["expired"][0])
        self.assertEqual([r["result"] for r in rows], ["unknown"])
        self.assertIsNotNone(rows[0]["scanner_id"])

    def test_key_rotation_keeps_old_tickets_valid(self):
        _, old_qr, old_tid = self.buy("a2")
        old_key = struct.unpack(">BIIIIII", unb32(old_qr[4:])[:25])[1]
        out = self.stack.biljett("rotate-keys", "--organizer", "org-a@example.com")
        new_key = int(out.split()[1])
        self.assertNotEqual(new_key, old_key)
        _, new_qr, _ = self.buy("a2")
        self.assertEqual(struct.unpack(">BIIIIII", unb32(new_qr[4:])[:25])[1], new_key)
        keys = {k["key_id"]: k for k in self.keys()}
        self.assertIsNotNone(keys[old_key]["retired_at"])
        self.assertIsNotNone(keys[old_key]["valid_until"])
        self.assertIsNone(keys[new_key]["retired_at"])
        door = self.door("a2")
        now = time.time()
        self.assertEqual(door.check(old_qr, self.events["a2"], now), ("ok", old_tid))
        self.assertEqual(door.check(new_qr, self.events["a2"], now)[0], "ok")
        self.assertEqual(self.validate(old_qr).status, 200)
        self.assertEqual(self.validate(new_qr).status, 200)
        # B's key is untouched; rotating all rotates B's too.
        b_before = {k["key_id"] for k in self.keys(self.org["b"])}
        self.assertIn("rotated", self.stack.biljett("rotate-keys"))
        b_after = {k["key_id"] for k in self.keys(self.org["b"])}
        if b_before:
            self.assertTrue(b_before < b_after)
        # Once past valid_until a retired key verifies nothing.
        self.execute("UPDATE signing_keys SET valid_until = 1 WHERE id = ?", old_key)
        self.assertEqual(self.validate(old_qr).status, 404)
        self.assertNotIn(old_key, {k["key_id"] for k in self.keys()})

    # -- who may ask -----------------------------------------------------------

    def test_keys_and_revocations_need_a_door(self):
        for path in ("/api/scan/keys/", f"/api/scan/events/{self.events['a1']}/revocations/"):
            self.assertEqual(self.api("GET", path).status, 401, path)
            self.assertEqual(self.api("GET", path, self.buyer).status, 403, path)
            r = self.api("GET", path, headers={"X-Scanner-Password": "fel"})
            self.assertEqual(r.status, 401, path)
            r = self.api("GET", path, headers={"X-Scanner-Password": SCANNER_PASSWORD})
            self.assertEqual(r.status, 200, path)
        r = self.api("GET", f"/api/scan/events/{self.events['b1']}/revocations/", self.staff)
        self.assertEqual((r.status, r.json["code"]), (404, "EVENT_NOT_FOUND"))
        r = self.api("GET", f"/api/scan/events/{self.events['a1']}/revocations/", self.org["a"])
        self.assertEqual((r.status, r.json["event"]), (200, self.events["a1"]))
        self.assertIsInstance(r.json["revoked"], list)
        self.assertIn("as_of", r.json)

    # -- the staff paths --------------------------------------------------------

    def test_seed_000_scan(self):
        code, qr, _ = self.buy("a1")
        for token in (qr, code):
            r = self.jo("GET", self.staff, token)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["token"], code)
            self.assertEqual(r.json["status"], "issued")
            self.assertEqual(r.json["event"]["name"], "Show a1")
            self.assertRegex(r.json["event"]["date"], r"^2030-01-0[23]$")
            self.assertRegex(r.json["event"]["time"], r"^\d\d:\d\d$")
            self.assertIn("@example.com", r.json["user"]["email"])
            self.assertEqual(set(r.json["user"]), {"firstname", "lastname", "email"})
        self.assertEqual(self.jo("GET", None, qr).status, 401)
        self.assertEqual(self.jo("GET", self.buyer, qr).status, 403)
        self.assertEqual(self.jo("GET", self.org["b"], qr).status, 404)
        self.assertEqual(self.jo("POST", None, qr).status, 401)
        self.assertEqual(self.jo("POST", self.buyer, qr).status, 403)
        r = self.jo("POST", self.org["b"], qr)
        self.assertEqual((r.status, r.json["code"]), (404, "TICKET_NOT_FOUND"))
        r = self.jo("POST", self.staff, qr)
        self.assertEqual((r.status, r.json["status"]), (200, "used"), r)
        self.assertIsNotNone(r.json["used_at"])
        r = self.jo("POST", self.org["a"], code)
        self.assertEqual((r.status, r.json["code"], r.json["status"]),
                         (409, "ticket_already_processed", "used"), r)
        self.assertIn("already used", r.json["message"])
        self.assertEqual(r.json["event"]["name"], "Show a1")
        self.assertEqual(self.jo("GET", self.staff, qr).json["status"], "used")
        self.assertEqual(self.jo("GET", self.staff, "QQQQQQ").status, 404)

    def test_seed_004_verify(self):
        code, qr, tid = self.buy("a1")
        self.assertEqual(self.verify(None, qr).status, 401)
        self.assertEqual(self.verify(self.buyer, qr).status, 403)
        r = self.verify(self.org["b"], qr)
        self.assertEqual((r.status, r.json["code"]), (404, "TICKET_NOT_FOUND"))
        r = self.verify(self.staff, {"not": "a string"})
        self.assertEqual((r.status, list(r.json["field_errors"])), (400, ["qr_code_data"]))
        r = self.verify(self.staff, qr)
        self.assertEqual((r.status, r.json["valid"]), (200, True), r)
        t = r.json["ticket"]
        self.assertEqual((t["id"], t["ticket_number"], t["status"], t["is_used"]),
                         (tid, code, "used", True))
        self.assertEqual(t["event"]["id"], self.events["a1"])
        r = self.verify(self.org["a"], code)
        self.assertEqual((r.status, r.json["code"]), (409, "TICKET_ALREADY_USED"), r)
        # Refunded before anyone came: not valid.
        code2, qr2, tid2 = self.buy("a1")
        self.execute("UPDATE tickets SET status = 'refunded' WHERE id = ?", tid2)
        r = self.verify(self.staff, qr2)
        self.assertEqual((r.status, r.json["code"]), (409, "TICKET_NOT_VALID"), r)
        r = self.jo("POST", self.staff, code2)
        self.assertEqual((r.status, r.json["status"]), (409, "refunded"), r)

    def test_one_first_use_across_every_path(self):
        code, qr, tid = self.buy("a1")
        results = []

        def scan(i):
            token = qr if i % 2 == 0 else code
            if i % 3 == 0:
                r = self.validate(token, use=True)
                results.append(("002", r.status, r.json.get("times_used")))
            elif i % 3 == 1:
                r = self.jo("POST", self.staff, token)
                results.append(("000", r.status, None))
            else:
                r = self.verify(self.org["a"], token)
                results.append(("004", r.status, None))

        threads = [threading.Thread(target=scan, args=(i,)) for i in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(results), 40)
        firsts = [r for r in results if r[1] == 200 and r[0] != "002"] + \
                 [r for r in results if r[0] == "002" and r[2] == 0]
        self.assertEqual(len(firsts), 1, results)
        for path, status, used in results:
            self.assertIn(status, (200, 409), results)
        admitted = self.query("SELECT count(*) AS n FROM checkins WHERE ticket_id = ?"
                              " AND result = 'admitted'", tid)[0]["n"]
        self.assertEqual(admitted, 1)
        # Every scan that asked to use it counted (seed 002's times_used).
        self.assertEqual(self.query("SELECT times_used FROM tickets WHERE id = ?",
                                    tid)[0]["times_used"], 40)

    def test_offline_scans_uploaded_later(self):
        """A door admits offline (its own check, above) and uploads its
        scans on reconnecting; a ticket another door admitted meanwhile is
        flagged."""
        (c1, qr1, t1), (c2, qr2, t2) = self.buy("a1"), self.buy("a1")
        now = int(time.time())
        door = self.door("a1", self.staff)
        self.assertEqual(door.check(qr1, self.events["a1"], now), ("ok", t1))
        self.assertEqual(door.check(qr2, self.events["a1"], now), ("ok", t2))
        # Meanwhile the second ticket was admitted at another door.
        self.assertEqual(self.jo("POST", self.staff, c2).status, 200)
        def iso(t):
            return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        # A signed code is checked at its scan's time, which cannot be
        # before the ticket was issued: these were bought just now.
        body = {"scans": [{"code": qr1, "scanned_at": iso(now)},
                          {"code": c2, "scanned_at": iso(now - 120)},
                          {"code": "QQQQQQ", "scanned_at": iso(now - 60)}]}
        headers = {"X-Scanner-Password": SCANNER_PASSWORD}
        self.assertEqual(self.api("POST", "/api/scan/offline/", body=body).status, 401)
        self.assertEqual(self.api("POST", "/api/scan/offline/", self.buyer, body).status, 403)
        r = self.api("POST", "/api/scan/offline/", body=body, headers=headers)
        self.assertEqual(r.status, 200, r)
        self.assertEqual([(x["result"], x.get("ticket_number")) for x in r.json["results"]],
                         [("admitted", c1), ("already_used", c2), ("unknown", None)])
        self.assertEqual(r.json["flagged"], 1)
        rows = self.query("SELECT result, at, scanner_id FROM checkins WHERE ticket_id = ?"
                          " AND result = 'admitted'", t1)
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["at"], now)
        self.assertIsNotNone(rows[0]["scanner_id"])
        # Sent again (the answer was lost): nothing is admitted twice.
        r = self.api("POST", "/api/scan/offline/", body=body, headers=headers)
        self.assertEqual([x["result"] for x in r.json["results"]],
                         ["already_used", "already_used", "unknown"])
        r = self.api("POST", "/api/scan/offline/", body={"scans": []}, headers=headers)
        self.assertEqual((r.status, list(r.json["field_errors"])), (400, ["scans"]))
