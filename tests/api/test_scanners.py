"""Door credentials belong to an organizer (issue 13): a scanner admits
only its organizer's tickets (all events, or those it is limited to),
on PUT /validate_ticket/ and the door page alike, and any other ticket
is answered exactly like an unknown one; staff are scoped the same way;
organizers manage their scanners under /api/organizer/scanners/ and
never see another organizer's; deactivating ends a live door session at
once; an admission still happens exactly once; the upgrade keeps old
scanners working site-wide."""
import re
import sqlite3
import threading

from flow import Swish, buy_paid, door_accounts, import_as, login
from support import StackTest

ORG_PASSWORD = "arrangörens-lösenord"
STAFF_PASSWORD = "dörrvaktens-lösenord"
UNKNOWN = {"times_used": -1, "status": "Ticket does not exist"}


class Scanners(StackTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.swish = Swish(cls.stack)
        door_accounts(cls, ORG_PASSWORD)
        cls.events = {}
        cls.types = {}
        for who, keys in (("a", ("a1", "a2")), ("b", ("b1",))):
            types, events = cls.import_for(who, keys)
            cls.types.update({k: types["std"] for k in keys})
            cls.events.update(events)

    # -- helpers ------------------------------------------------------------

    @classmethod
    def import_for(cls, who, keys):
        doc = {"ticket_types": [{"key": "std", "title": f"Std {who}", "price": 100}],
               "events": [{"key": k, "title": f"Show {k}",
                           "event_at": "2030-01-02T19:00:00Z",
                           "sales_stop_at": "2030-01-02T18:00:00Z",
                           "total_seats": 50, "ticket_types": ["std"]} for k in keys]}
        return import_as(cls, doc, f"org-{who}@example.com")

    @classmethod
    def token(cls, email, password=ORG_PASSWORD):
        return login(cls.stack, email, password)

    @staticmethod
    def bearer(token):
        return {"Authorization": f"Bearer {token}"}

    def api(self, method, path, token, body=None):
        return self.client().request(method, path, body=body, headers=self.bearer(token))

    bought = 0

    def buy(self, key):
        """One paid ticket of event key, through reserve, Swish and its
        callback; returns its code."""
        Scanners.bought += 1
        email = f"guest{Scanners.bought}@example.com"
        buy_paid(self, self.events[key], self.types[key], email)
        return self.query("SELECT t.external_id FROM tickets t JOIN orders o"
                          " ON o.id = t.order_id WHERE o.email = ?", email)[0]["external_id"]

    def scanner(self, who, name, **body):
        r = self.api("POST", "/api/organizer/scanners/", self.org[who],
                     dict(name=name, **body))
        self.assertEqual(r.status, 201, r)
        return r.json

    def validate(self, password, code, use=False):
        return self.client().put("/validate_ticket/", {
            "external_id": code, "password": password, "use_ticket": use})

    def door(self, c):
        """The door page: (page, csrf token)."""
        page = c.get("/scanner")
        self.assertEqual(page.status, 200, page)
        token = re.search(rb'name="csrf" value="([0-9a-f]{64})"', page.body).group(1)
        return page, token.decode()

    def door_login(self, c, password):
        _, csrf = self.door(c)
        r = c.post("/scanner/login", form={"password": password, "csrf": csrf},
                   headers={"Origin": self.stack.base_url})
        self.assertEqual((r.status, r.header("Location")), (303, "/scanner"), r)

    def door_check(self, c, code, use=0):
        """What the door page says about code: its state, or "signed out"."""
        _, csrf = self.door(c)
        r = c.post("/scanner/check", form={"code": code, "use": use, "csrf": csrf},
                   headers={"Origin": self.stack.base_url})
        if r.status == 303:
            return "signed out"
        self.assertEqual(r.status, 200, r)
        return re.search(rb'data-state="(\w+)"', r.body).group(1).decode()

    def signed_in(self, c):
        page, _ = self.door(c)
        return b'action="/scanner/check"' in page.body

    # -- scope at the door ----------------------------------------------------

    def test_a_scanner_admits_only_its_organizers_tickets(self):
        mine, theirs = self.buy("a1"), self.buy("b1")
        s = self.scanner("a", "A door", password="a-dörrens-lösenord")
        self.assertEqual((s["organizer_id"] is not None, s["all_events"], s["events"]),
                         (True, True, []))
        self.assertNotIn("password", s)
        # Seed 002's PUT: B's ticket is exactly an unknown one.
        r = self.validate("a-dörrens-lösenord", theirs)
        self.assertEqual((r.status, r.json), (404, UNKNOWN))
        r = self.validate("a-dörrens-lösenord", theirs, use=True)
        self.assertEqual((r.status, r.json), (404, UNKNOWN))
        r = self.validate("a-dörrens-lösenord", "ZZZZZZ")
        self.assertEqual((r.status, r.json), (404, UNKNOWN))
        r = self.validate("a-dörrens-lösenord", mine)
        self.assertEqual((r.status, r.json["status"], r.json["chapter_event"]),
                         (200, "PAID", "Show a1"))
        # Nothing was counted on B's ticket.
        self.assertEqual(self.query("SELECT times_used FROM tickets WHERE external_id = ?",
                                    theirs)[0]["times_used"], 0)
        # The door page says the same.
        c = self.client()
        self.door_login(c, "a-dörrens-lösenord")
        self.assertEqual(self.door_check(c, theirs), "unknown")
        self.assertEqual(self.door_check(c, theirs, use=1), "unknown")
        self.assertEqual(self.door_check(c, mine), "valid")
        # B's own scanner admits B's ticket, not A's.
        b = self.scanner("b", "B door")
        self.assertEqual(len(b["password"]), 20)
        self.assertEqual(self.validate(b["password"], theirs).status, 200)
        self.assertEqual(self.validate(b["password"], mine).json, UNKNOWN)
        # The audit row of the refused scan names the door, not the ticket.
        self.stack.biljett("expire")
        rows = self.query("SELECT ticket_id, result FROM checkins WHERE external_id = ?"
                          " AND scanner_id = ?", theirs, s["id"])
        self.assertTrue(rows)
        self.assertEqual({(r["ticket_id"], r["result"]) for r in rows}, {(None, "unknown")})

    def test_an_event_limited_scanner(self):
        one, two = self.buy("a1"), self.buy("a2")
        s = self.scanner("a", "A1 only", password="nur-für-a-eins",
                         events=[self.events["a1"]])
        self.assertEqual((s["all_events"], s["events"]), (False, [self.events["a1"]]))
        self.assertEqual(self.validate("nur-für-a-eins", one).status, 200)
        self.assertEqual(self.validate("nur-für-a-eins", two).json, UNKNOWN)
        c = self.client()
        self.door_login(c, "nur-für-a-eins")
        self.assertEqual(self.door_check(c, two), "unknown")
        # Widening it to all of A's events takes effect at once.
        r = self.api("PATCH", f"/api/organizer/scanners/{s['id']}/", self.org["a"],
                     {"events": []})
        self.assertEqual((r.status, r.json["all_events"], r.json["events"]),
                         (200, True, []), r)
        self.assertEqual(self.validate("nur-für-a-eins", two).status, 200)
        self.assertEqual(self.door_check(c, two), "valid")
        # An event of another organizer is refused, like one that does not exist.
        for ev in (self.events["b1"], 999999):
            r = self.api("PATCH", f"/api/organizer/scanners/{s['id']}/", self.org["a"],
                         {"events": [ev]})
            self.assertEqual((r.status, r.json["code"], list(r.json["field_errors"])),
                             (400, "VALIDATION_ERROR", ["events"]), r)

    def test_deactivating_ends_a_live_door_session(self):
        code = self.buy("a1")
        s = self.scanner("a", "Door to close", password="stängs-snart-igen")
        c = self.client()
        self.door_login(c, "stängs-snart-igen")
        self.assertEqual(self.door_check(c, code), "valid")
        self.assertEqual(self.validate("stängs-snart-igen", code).status, 200)
        r = self.api("PATCH", f"/api/organizer/scanners/{s['id']}", self.org["a"],
                     {"is_active": False})
        self.assertEqual((r.status, r.json["is_active"]), (200, False), r)
        # The page's next request is signed out, the password refused
        # (the worker that cached it included).
        self.assertEqual(self.door_check(c, code), "signed out")
        self.assertFalse(self.signed_in(c))
        for _ in range(4):
            r = self.validate("stängs-snart-igen", code)
            self.assertEqual((r.status, r.json), (401, "Incorrect password"))
        c2 = self.client()
        _, csrf = self.door(c2)
        r = c2.post("/scanner/login", form={"password": "stängs-snart-igen", "csrf": csrf},
                    headers={"Origin": self.stack.base_url})
        self.assertEqual(r.status, 401)
        # Active again: the password works, the old session stays ended.
        r = self.api("PATCH", f"/api/organizer/scanners/{s['id']}", self.org["a"],
                     {"is_active": True})
        self.assertEqual(r.json["is_active"], True)
        self.assertEqual(self.validate("stängs-snart-igen", code).status, 200)
        self.assertFalse(self.signed_in(c))

    def test_deleting_ends_a_live_door_session_and_frees_the_name(self):
        s = self.scanner("a", "Door to delete", password="raderas-snart-igen")
        c = self.client()
        self.door_login(c, "raderas-snart-igen")
        self.assertTrue(self.signed_in(c))
        r = self.api("DELETE", f"/api/organizer/scanners/{s['id']}/", self.org["a"])
        self.assertEqual(r.status, 204, r)
        self.assertFalse(self.signed_in(c))
        self.assertEqual(self.validate("raderas-snart-igen", "ABCDEF").status, 401)
        r = self.api("GET", f"/api/organizer/scanners/{s['id']}/", self.org["a"])
        self.assertEqual(r.status, 404)
        self.assertEqual(self.api("DELETE", f"/api/organizer/scanners/{s['id']}/",
                                  self.org["a"]).status, 404)
        # The name and the password may be used again.
        again = self.scanner("a", "Door to delete", password="raderas-snart-igen")
        self.assertNotEqual(again["id"], s["id"])

    def test_admission_happens_exactly_once(self):
        code = self.buy("a1")
        s = self.scanner("a", "Busy door", password="trängsel-vid-dörren")
        results = []

        def admit():
            r = self.validate("trängsel-vid-dörren", code, use=True)
            results.append((r.status, r.json["times_used"]))

        threads = [threading.Thread(target=admit) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(results), [(200, k) for k in range(8)])
        admitted = self.query("SELECT count(*) AS n FROM checkins c JOIN tickets t"
                              " ON t.id = c.ticket_id WHERE t.external_id = ?"
                              " AND c.result = 'admitted'", code)[0]["n"]
        self.assertEqual(admitted, 1)
        self.assertEqual(s["is_active"], True)

    # -- staff --------------------------------------------------------------

    def test_staff_scan_their_organizers_events_only(self):
        one, two, theirs = self.buy("a1"), self.buy("a2"), self.buy("b1")
        r = self.api("POST", "/api/organizer/staff", self.org["a"], {
            "name": "Dörrvakt", "email": "door-staff@example.com",
            "password": STAFF_PASSWORD})
        self.assertEqual(r.status, 201, r)
        staff_id = r.json["id"]
        c = self.client()
        r = c.post("/api/auth/login", {"email": "door-staff@example.com",
                                       "password": STAFF_PASSWORD, "client": "browser"})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(self.signed_in(c))
        self.assertEqual(self.door_check(c, one), "valid")
        self.assertEqual(self.door_check(c, theirs), "unknown")
        self.assertEqual(self.door_check(c, theirs, use=1), "unknown")
        # Limited to a1.
        r = self.api("PATCH", f"/api/organizer/staff/{staff_id}/", self.org["a"],
                     {"events": [self.events["a1"]]})
        self.assertEqual((r.status, r.json["all_events"], r.json["events"],
                          r.json["role"]), (200, False, [self.events["a1"]], "staff"), r)
        self.assertEqual(self.door_check(c, two), "unknown")
        self.assertEqual(self.door_check(c, one, use=1), "admitted")
        self.assertEqual(self.door_check(c, one, use=1), "used")
        # Another organizer cannot touch them, nor give them B's events.
        r = self.api("PATCH", f"/api/organizer/staff/{staff_id}/", self.org["b"],
                     {"is_active": False})
        self.assertEqual(r.status, 404)
        r = self.api("PATCH", f"/api/organizer/staff/{staff_id}/", self.org["a"],
                     {"events": [self.events["b1"]]})
        self.assertEqual((r.status, list(r.json["field_errors"])), (400, ["events"]))
        # An organizer is not staff.
        org_a = self.query("SELECT id FROM users WHERE email = 'org-a@example.com'")[0]["id"]
        r = self.api("PATCH", f"/api/organizer/staff/{org_a}/", self.org["a"], {})
        self.assertEqual(r.status, 404)
        # Deactivated: the door page's next request is signed out.
        r = self.api("PATCH", f"/api/organizer/staff/{staff_id}/", self.org["a"],
                     {"is_active": False})
        self.assertEqual((r.status, r.json["is_active"]), (200, False))
        self.assertEqual(self.door_check(c, one), "signed out")
        self.assertFalse(self.signed_in(c))
        # An admin acts for any organizer.
        r = self.api("PATCH", f"/api/organizer/staff/{staff_id}/", self.admin,
                     {"is_active": True, "events": []})
        self.assertEqual((r.status, r.json["is_active"], r.json["all_events"]),
                         (200, True, True), r)
        # Signing out of the door signs the browser out of the account.
        c = self.client()
        c.post("/api/auth/login", {"email": "door-staff@example.com",
                                   "password": STAFF_PASSWORD, "client": "browser"})
        self.assertEqual(self.door_check(c, two), "valid")
        self.assertEqual(c.get("/api/auth/me").status, 200)
        r = c.post("/scanner/logout", headers={"Origin": self.stack.base_url})
        self.assertEqual(r.status, 303)
        self.assertFalse(self.signed_in(c))
        self.assertEqual(c.get("/api/auth/me").status, 401)

    def test_a_customer_signed_in_is_not_a_door(self):
        c = self.client()
        r = c.post("/api/auth/login", {"email": "buyer@example.com",
                                       "password": ORG_PASSWORD, "client": "browser"})
        self.assertEqual(r.status, 200, r)
        self.assertFalse(self.signed_in(c))
        self.assertEqual(self.door_check(c, "ABCDEF"), "signed out")

    # -- the API ------------------------------------------------------------

    def test_another_organizers_scanner_is_404(self):
        s = self.scanner("a", "Private door")
        path = f"/api/organizer/scanners/{s['id']}/"
        for method, body in (("GET", None), ("PATCH", {"name": "Mine now"}),
                             ("PATCH", {"is_active": False}), ("DELETE", None)):
            r = self.api(method, path, self.org["b"], body)
            self.assertEqual((r.status, r.json["code"]), (404, "NOT_FOUND"), (method, body))
        r = self.api("GET", "/api/organizer/scanners/?per_page=100", self.org["b"])
        self.assertNotIn(s["id"], [x["id"] for x in r.json["data"]])
        r = self.api("GET", path, self.org["a"])
        self.assertEqual((r.status, r.json["name"], r.json["is_active"]),
                         (200, "Private door", True))
        self.assertNotIn("password", r.json)
        r = self.api("GET", "/api/organizer/scanners/?per_page=100", self.org["a"])
        self.assertIn(s["id"], [x["id"] for x in r.json["data"]])
        # An admin sees and manages anyone's.
        r = self.api("GET", path, self.admin)
        self.assertEqual(r.status, 200)
        r = self.api("PATCH", path, self.admin, {"name": "Renamed by admin"})
        self.assertEqual((r.status, r.json["name"]), (200, "Renamed by admin"))

    def test_roles(self):
        for method, path in (("GET", "/api/organizer/scanners/"),
                             ("POST", "/api/organizer/scanners/"),
                             ("GET", "/api/organizer/scanners/1/"),
                             ("PATCH", "/api/organizer/scanners/1/"),
                             ("DELETE", "/api/organizer/scanners/1/"),
                             ("PATCH", "/api/organizer/staff/1/")):
            body = {"name": "x"} if method in ("POST", "PATCH") else None
            r = self.client().request(method, path, body=body)
            self.assertEqual((r.status, r.json["code"]), (401, "UNAUTHENTICATED"), path)
            r = self.api(method, path, self.buyer, body)
            self.assertEqual((r.status, r.json["code"]), (403, "FORBIDDEN"), path)
        self.api("POST", "/api/organizer/staff", self.org["b"], {
            "name": "Kassa", "email": "box-office@example.com", "password": STAFF_PASSWORD})
        staff = self.token("box-office@example.com", STAFF_PASSWORD)
        r = self.api("GET", "/api/organizer/scanners/", staff)
        self.assertEqual((r.status, r.json["code"]), (403, "FORBIDDEN"))

    def test_creating_checks_names_passwords_and_organizers(self):
        self.scanner("a", "Main door", password="huvudingången-1")
        # Taken among A's, free for B.
        r = self.api("POST", "/api/organizer/scanners/", self.org["a"],
                     {"name": "Main door"})
        self.assertEqual((r.status, list(r.json["field_errors"])), (400, ["name"]), r)
        self.scanner("b", "Main door")
        # A weak password, and one another live scanner has.
        for password in ("kort", "aaaaaaaaaaaa", "huvudingången-1"):
            r = self.api("POST", "/api/organizer/scanners/", self.org["b"],
                         {"name": f"Side {password}", "password": password})
            self.assertEqual((r.status, list(r.json["field_errors"])), (400, ["password"]),
                             password)
        # Organizers create for themselves; an admin names the organizer.
        b_id = self.query("SELECT id FROM users WHERE email = 'org-b@example.com'")[0]["id"]
        r = self.api("POST", "/api/organizer/scanners/", self.org["a"],
                     {"name": "Sneaky", "organizer_id": b_id})
        self.assertEqual((r.status, list(r.json["field_errors"])),
                         (400, ["organizer_id"]), r)
        r = self.api("POST", "/api/organizer/scanners/", self.admin, {"name": "No owner"})
        self.assertEqual((r.status, list(r.json["field_errors"])),
                         (400, ["organizer_id"]), r)
        admin_id = self.query("SELECT id FROM users WHERE email = 'admin@example.com'")[0]["id"]
        r = self.api("POST", "/api/organizer/scanners/", self.admin,
                     {"name": "Not an organizer's", "organizer_id": admin_id})
        self.assertEqual((r.status, list(r.json["field_errors"])),
                         (400, ["organizer_id"]), r)
        r = self.api("POST", "/api/organizer/scanners/", self.admin,
                     {"name": "For B", "organizer_id": b_id, "events": [self.events["b1"]]})
        self.assertEqual((r.status, r.json["organizer_id"], r.json["events"]),
                         (201, b_id, [self.events["b1"]]), r)
        self.assertEqual(len(r.json["password"]), 20)
        # Only hashes and lookups are stored.
        row = self.query("SELECT password_hash, lookup FROM scanners WHERE id = ?",
                         r.json["id"])[0]
        self.assertTrue(row["password_hash"].startswith("$argon2id$"))
        self.assertNotIn(r.json["password"], row["lookup"])

    # -- the upgrade ----------------------------------------------------------

    def test_a_scanner_from_before_lookups_still_signs_in(self):
        code = self.buy("b1")
        out = self.stack.biljett("scanner-add", "old-door", "--site-wide")
        password = out.strip().rsplit(" ", 1)[1]
        # As migration 011 leaves a scanner made before it: no lookup.
        self.execute("UPDATE scanners SET lookup = NULL WHERE name = 'old-door'")
        r = self.validate(password, code)
        self.assertEqual((r.status, r.json["chapter_event"]), (200, "Show b1"))
        lookup = self.query("SELECT lookup FROM scanners WHERE name = 'old-door'")[0]["lookup"]
        self.assertRegex(lookup, r"^[0-9a-f]{64}$")
        self.assertEqual(self.validate(password, code).status, 200)


class Upgrade(StackTest):
    """Migration 011 on a database of migrations 001-009 with a scanner,
    its door session and its checkins: the scanner stays, site-wide and
    active, and every row pointing at it still does."""
    programs = ("catalog",)

    def test_migration_keeps_old_scanners_site_wide(self):
        path, db = self.old_database(9)
        db.execute("INSERT INTO scanners (id, name, password_hash, active, created_at)"
                   " VALUES (7, 'door-1', '$argon2id$x', 1, 1), (8, 'door-2', '$argon2id$y',"
                   " 0, 2)")
        db.execute("INSERT INTO sessions (token_hash, kind, scanner_id, created_at,"
                   " expires_at) VALUES ('h', 'scanner', 7, 1, 99999999999)")
        db.execute("INSERT INTO checkins (external_id, scanner_id, use_ticket,"
                   " times_used, result, at) VALUES ('ABCDEF', 7, 0, -1, 'unknown', 1)")
        db.commit()
        db.close()
        self.migrate(path)
        db = sqlite3.connect(path)
        db.row_factory = sqlite3.Row
        rows = [dict(r) for r in db.execute(
            "SELECT id, organizer_id, name, all_events, active, lookup, deleted_at"
            " FROM scanners ORDER BY id")]
        self.assertEqual(rows, [
            {"id": 7, "organizer_id": None, "name": "door-1", "all_events": 1,
             "active": 1, "lookup": None, "deleted_at": None},
            {"id": 8, "organizer_id": None, "name": "door-2", "all_events": 1,
             "active": 0, "lookup": None, "deleted_at": None}])
        self.assertEqual(db.execute("SELECT scanner_id FROM sessions").fetchone()[0], 7)
        self.assertEqual(db.execute("SELECT scanner_id FROM checkins").fetchone()[0], 7)
        self.assertEqual(db.execute("PRAGMA foreign_key_check").fetchall(), [])
        # Foreign keys still point at the new table.
        db.execute("PRAGMA foreign_keys = ON")
        with self.assertRaises(sqlite3.IntegrityError):
            db.execute("INSERT INTO sessions (token_hash, kind, scanner_id, created_at,"
                       " expires_at) VALUES ('h2', 'scanner', 99, 1, 2)")
        db.close()
