"""Entry and exit, multi-day passes and the live check-in numbers (issue
10; lib/checkin.h has the rules, docs/checkin.md says them for people).

There is no test clock: a pass's "next day" is arranged by moving the
door day of its last admission (tickets.admitted_day) back a day, and a
day ticket's day by setting its variant's date, in the SQLite file, as
tests/api/test_venues.py arranges rows.  Re-entry and the kind of a
ticket type are set the same way."""
import base64
import datetime
import re
import sqlite3
import struct
import threading
import zoneinfo

from flow import Swish, add_staff, door_accounts, import_as, login, wait_for
from support import StackTest

PASSWORD = "arrangörens-lösenord"
STAFF_PASSWORD = "dörrvaktens-lösenord"
GATE1 = "grind-ett-losenord"
GATE2 = "grind-tva-losenord"


class CheckIn(StackTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.swish = Swish(cls.stack)
        door_accounts(cls, PASSWORD)
        cls.events, cls.types = {}, {}
        for who, keys, types in (("a", ("fest", "count"), ("std", "again", "pass", "day")),
                                 ("b", ("other",), ("std",))):
            doc = {"ticket_types": [{"key": t, "title": f"{t.title()} {who}", "price": 100}
                                    for t in types],
                   "events": [{"key": k, "title": f"Show {k}",
                               "event_at": "2030-01-02T19:00:00Z",
                               "sales_stop_at": "2030-01-02T18:00:00Z",
                               "total_seats": 100, "ticket_types": list(types)}
                              for k in keys]}
            ids, events = import_as(cls, doc, f"org-{who}@example.com")
            for k in keys:
                cls.events[k] = events[k]
            cls.types.update({f"{t}-{who}": i for t, i in ids.items()})
        cls.staff = add_staff(cls.stack, cls.org["a"], "staff-a@example.com",
                              STAFF_PASSWORD)
        for name, pw in (("Gate 1", GATE1), ("Gate 2", GATE2)):
            cls.stack.biljett("scanner-add", name, "--password", pw,
                              "--organizer", "org-a@example.com")
        # Re-entry for "again"; "pass" an all-days pass, "day" a day
        # ticket (the variants a day-based type sells).
        conn = cls.db_conn()
        conn.execute("UPDATE ticket_types SET reentry_allowed = 1 WHERE id = ?",
                     (cls.types["again-a"],))
        conn.execute("UPDATE ticket_types SET kind = 'day_pass', is_all_days = 1"
                     " WHERE id = ?", (cls.types["pass-a"],))
        conn.execute("UPDATE ticket_types SET kind = 'day_pass', day_number = 2,"
                     " day_date = '2000-01-01' WHERE id = ?", (cls.types["day-a"],))
        conn.commit()
        conn.close()

    # -- helpers ------------------------------------------------------------

    @classmethod
    def db_conn(cls):
        import sqlite3
        return sqlite3.connect(cls.stack.db_path, timeout=10)

    @classmethod
    def token(cls, email, password=PASSWORD):
        return login(cls.stack, email, password)

    def api(self, method, path, token=None, body=None):
        h = {"Authorization": f"Bearer {token}"} if token else {}
        return self.client().request(method, path, body=body, headers=h)

    bought = 0

    def buy(self, event, lines):
        """Pays one order of event with lines {type key: count}; returns
        the short codes by type key."""
        CheckIn.bought += 1
        email = f"guest{CheckIn.bought}@example.com"
        c = self.client()
        who = "b" if event == "other" else "a"
        r = c.post("/reserve_ticket/", {
            "chapter_event": self.events[event],
            "tickets": [{"ticket_type": self.types[f"{k}-{who}"], "count": n}
                        for k, n in lines.items()]})
        self.assertEqual(r.status, 201, r)
        token = c.post("/start_payment/", {"email_address": email}).json
        self.swish.act(self.swish.request_by_token(token)["id"], "pay")
        wait_for(lambda: c.get("/session_payment_status/").json["status"] == "PAID",
                 what="the order paid")
        codes = {}
        for row in self.query("SELECT t.external_id, t.ticket_type_id FROM tickets t"
                              " JOIN orders o ON o.id = t.order_id WHERE o.email = ?"
                              " ORDER BY t.id", email):
            key = [k for k, v in self.types.items()
                   if v == row["ticket_type_id"]][0].rsplit("-", 1)[0]
            codes.setdefault(key, []).append(row["external_id"])
        return codes

    def door(self, code, direction=None, use=True, password=GATE1):
        body = {"external_id": code, "password": password, "use_ticket": use}
        if direction is not None:
            body["direction"] = direction
        r = self.client().put("/validate_ticket/", body)
        self.assertEqual(r.status, 200, r)
        return r.json

    def result(self, code, direction="entry", **kw):
        return self.door(code, direction, **kw)["result"]

    def numbers(self, event="count", token=None):
        r = self.api("GET", f"/api/organizer/events/{self.events[event]}/checkins/",
                     token or self.org["a"])
        self.assertEqual(r.status, 200, r)
        return r.json

    def ticket(self, code):
        return self.query("SELECT id, times_used, inside, admitted_day FROM tickets"
                          " WHERE external_id = ?", code)[0]

    # -- re-entry ------------------------------------------------------------

    def test_without_reentry_a_ticket_is_used_once(self):
        code = self.buy("fest", {"std": 1})["std"][0]
        # Seed 002's body is unchanged when no direction is given.
        body = self.door(code)
        self.assertEqual(set(body), {"external_id", "times_used", "chapter_event",
                                     "status"})
        self.assertEqual(body["times_used"], 0)
        self.assertEqual(self.door(code, "entry"),
                         {"external_id": code, "times_used": 1,
                          "chapter_event": "Show fest", "status": "PAID",
                          "direction": "entry", "result": "already_used"})
        # An exit lets them out, and they cannot come back in.
        self.assertEqual(self.result(code, "exit"), "exited")
        self.assertEqual(self.ticket(code)["inside"], 0)
        self.assertEqual(self.result(code, "exit"), "not_inside")
        self.assertEqual(self.result(code, "entry"), "already_used")
        self.assertEqual(self.ticket(code)["times_used"], 3)
        rows = self.query("SELECT direction, result, scanner_id IS NOT NULL AS door"
                          " FROM checkins c JOIN tickets t ON t.id = c.ticket_id"
                          " WHERE t.external_id = ? ORDER BY c.id", code)
        self.assertEqual([tuple(r) for r in rows],
                         [("entry", "admitted", 1), ("entry", "already_used", 1),
                          ("exit", "exited", 1), ("exit", "not_inside", 1),
                          ("entry", "already_used", 1)])

    def test_reentry_exit_then_entry_and_double_entry_refused(self):
        code = self.buy("fest", {"again": 1})["again"][0]
        self.assertEqual(self.result(code), "admitted")
        self.assertEqual(self.result(code), "already_inside")
        # Every seed's staff path refuses the second entry too.
        r = self.api("POST", f"/api/tickets/scan/{code}", self.staff)
        self.assertEqual((r.status, r.json["code"]), (409, "ticket_already_processed"), r)
        r = self.api("POST", "/api/tickets/my-tickets/verify/", self.staff,
                     {"qr_code_data": code})
        self.assertEqual((r.status, r.json["code"]), (409, "TICKET_ALREADY_USED"), r)
        self.assertEqual(self.result(code, "exit", password=GATE2), "exited")
        self.assertEqual(self.result(code, "exit"), "not_inside")
        # Back in, through seed 000's path this time (an entry).
        r = self.api("POST", f"/api/tickets/scan/{code}", self.staff)
        self.assertEqual((r.status, r.json["status"]), (200, "used"), r)
        self.assertEqual(self.ticket(code)["inside"], 1)
        self.assertEqual(self.result(code, "exit"), "exited")
        r = self.api("POST", "/api/tickets/my-tickets/verify/", self.staff,
                     {"qr_code_data": code})
        self.assertEqual((r.status, r.json["valid"]), (200, True), r)

    def test_event_default_reentry(self):
        code = self.buy("fest", {"std": 1})["std"][0]
        self.execute("UPDATE events SET reentry_allowed = 1 WHERE id = ?",
                     self.events["fest"])
        try:
            self.assertEqual(self.result(code), "admitted")
            # When the ticket was first let in stays its first admission.
            self.execute("UPDATE tickets SET first_admitted_at = first_admitted_at - 3600"
                         " WHERE external_id = ?", code)
            first = self.query("SELECT first_admitted_at AS at FROM tickets"
                               " WHERE external_id = ?", code)[0]["at"]
            self.assertEqual(self.result(code, "exit"), "exited")
            self.assertEqual(self.result(code), "admitted")
            self.assertEqual(self.result(code), "already_inside")
            self.assertEqual(self.query("SELECT first_admitted_at AS at FROM tickets"
                                        " WHERE external_id = ?", code)[0]["at"], first)
        finally:
            self.execute("UPDATE events SET reentry_allowed = 0 WHERE id = ?",
                         self.events["fest"])

    def test_forty_concurrent_entries_admit_once(self):
        code = self.buy("fest", {"again": 1})["again"][0]
        tid = self.ticket(code)["id"]
        results = []

        def scan(i):
            if i % 3 == 0:
                r = self.client().put("/validate_ticket/", {
                    "external_id": code, "password": GATE1 if i % 2 else GATE2,
                    "use_ticket": True, "direction": "entry"})
                results.append(r.json.get("result"))
            elif i % 3 == 1:
                r = self.api("POST", f"/api/tickets/scan/{code}", self.staff)
                results.append("admitted" if r.status == 200 else r.status)
            else:
                r = self.api("POST", "/api/tickets/my-tickets/verify/", self.org["a"],
                             {"qr_code_data": code})
                results.append("admitted" if r.status == 200 else r.status)

        threads = [threading.Thread(target=scan, args=(i,)) for i in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(results), 40)
        self.assertEqual(results.count("admitted"), 1, results)
        self.assertEqual(
            self.query("SELECT count(*) AS n FROM checkins WHERE ticket_id = ?"
                       " AND result = 'admitted'", tid)[0]["n"], 1)
        self.assertEqual(
            self.query("SELECT count(*) AS n FROM checkins WHERE ticket_id = ?"
                       " AND result = 'already_inside'", tid)[0]["n"], 39)

    # -- passes and day tickets ------------------------------------------------

    def test_pass_admitted_once_per_day(self):
        code = self.buy("fest", {"pass": 1})["pass"][0]
        # Day 1.
        self.assertEqual(self.result(code), "admitted")
        today = self.ticket(code)["admitted_day"]
        self.assertRegex(today, r"^\d{4}-\d{2}-\d{2}$")
        self.assertEqual(self.result(code), "already_used")
        r = self.api("GET", f"/api/tickets/scan/{code}", self.staff)
        self.assertEqual(r.json["status"], "used")
        # Day 2: the day-1 admission moved back a day.
        yesterday = (datetime.date.fromisoformat(today) -
                     datetime.timedelta(days=1)).isoformat()
        self.execute("UPDATE tickets SET admitted_day = ? WHERE external_id = ?",
                     yesterday, code)
        r = self.api("GET", f"/api/tickets/scan/{code}", self.staff)
        self.assertEqual(r.json["status"], "issued", r)
        r = self.api("POST", "/api/tickets/my-tickets/verify/", self.staff,
                     {"qr_code_data": code})
        self.assertEqual((r.status, r.json["ticket"]["is_used"]), (200, True), r)
        self.assertEqual(self.result(code), "already_used")
        self.assertEqual(self.ticket(code)["admitted_day"], today)

    def test_door_day_begins_at_day_starts(self):
        code = self.buy("fest", {"pass": 1})["pass"][0]
        self.assertEqual(self.result(code), "admitted")
        today = self.numbers("fest")["door_day"]
        self.assertEqual(self.ticket(code)["admitted_day"], today)
        # A day that began 12 hours later than now's: the door day may be
        # another; at least it follows the event's setting.
        self.execute("UPDATE events SET day_starts = 720 WHERE id = ?",
                     self.events["fest"])
        try:
            later = self.numbers("fest")["door_day"]
            self.assertIn(later, {today, (datetime.date.fromisoformat(today) -
                                          datetime.timedelta(days=1)).isoformat()})
        finally:
            self.execute("UPDATE events SET day_starts = 360 WHERE id = ?",
                         self.events["fest"])

    def test_day_ticket_only_on_its_day(self):
        code = self.buy("fest", {"day": 1})["day"][0]
        today = self.numbers("fest")["door_day"]
        tomorrow = (datetime.date.fromisoformat(today) +
                    datetime.timedelta(days=1)).isoformat()
        self.execute("UPDATE ticket_types SET day_date = ? WHERE id = ?", tomorrow,
                     self.types["day-a"])
        self.assertEqual(self.result(code), "wrong_day")
        self.assertEqual(self.ticket(code)["times_used"], 0)
        r = self.api("POST", "/api/tickets/my-tickets/verify/", self.staff,
                     {"qr_code_data": code})
        self.assertEqual((r.status, r.json["code"]), (409, "TICKET_NOT_VALID"), r)
        r = self.api("POST", f"/api/tickets/scan/{code}", self.staff)
        self.assertEqual(r.status, 409, r)
        # Its day comes.
        self.execute("UPDATE ticket_types SET day_date = ? WHERE id = ?", today,
                     self.types["day-a"])
        self.assertEqual(self.result(code), "admitted")
        self.assertEqual(self.result(code), "already_used")

    # -- the live numbers ------------------------------------------------------

    def test_counts_by_type_and_gate_match_the_scans(self):
        codes = self.buy("count", {"std": 3, "again": 2})
        before = self.numbers()
        self.assertEqual((before["sold"], before["arrived"], before["inside"]), (5, 0, 0))
        s1, s2, s3 = codes["std"]
        a1, a2 = codes["again"]
        self.assertEqual(self.result(s1, password=GATE1), "admitted")
        self.assertEqual(self.result(s2, password=GATE2), "admitted")
        self.assertEqual(self.result(a1, password=GATE1), "admitted")
        self.assertEqual(self.result(a1, "exit", password=GATE2), "exited")
        self.assertEqual(self.result(a1, password=GATE2), "admitted")
        self.assertEqual(self.result(s1, password=GATE1), "already_used")
        self.assertEqual(self.result(s2, "exit", password=GATE1), "exited")
        r = self.api("POST", f"/api/tickets/scan/{a2}", self.staff)
        self.assertEqual(r.status, 200, r)
        self.door(s3, use=False)        # shown only: not arrived
        n = self.numbers()
        self.assertEqual((n["event"], n["sold"], n["arrived"], n["inside"]),
                         (self.events["count"], 5, 4, 3))
        self.assertEqual(n["arrived_today"], 4)
        by_type = {t["ticket_type"]: t for t in n["by_type"]}
        self.assertEqual({k: (v["sold"], v["arrived"], v["inside"])
                          for k, v in by_type.items()},
                         {self.types["std-a"]: (3, 2, 1),
                          self.types["again-a"]: (2, 2, 2)})
        by_gate = {g["gate"]: (g["kind"], g["admitted"], g["exited"])
                   for g in n["by_gate"]}
        self.assertEqual(by_gate, {"Gate 1": ("scanner", 2, 1),
                                   "Gate 2": ("scanner", 2, 1),
                                   "Dörrvakt": ("account", 1, 0)})
        # An admin sees the same; the back-office page shows them.
        self.assertEqual(self.numbers(token=self.admin), n)
        c = self.client()
        c.cookies.update(self.page_login(c, "org-a@example.com"))
        r = c.get(f"/organizer/events/{self.events['count']}/checkins")
        self.assertEqual(r.status, 200, r)
        page = r.body.decode()
        self.assertIn('data-k="arrived">4<', page)
        self.assertIn('data-k="sold">5<', page)
        self.assertIn("Gate 2", page)

    def page_login(self, c, email):
        """Signs c in to the back-office pages (the form carries the CSRF
        cookie's value); returns its cookies."""
        c.get("/organizer/login")
        r = c.post("/organizer/login", form={"csrf": c.cookies["csrftoken"],
                                             "email": email, "password": PASSWORD})
        self.assertEqual(r.status, 303, r)
        return c.cookies

    def test_numbers_refused_to_others(self):
        ev = self.events["count"]
        path = f"/api/organizer/events/{ev}/checkins/"
        # Another organizer's event is not found; so is no event.
        r = self.api("GET", path, self.org["b"])
        self.assertEqual((r.status, r.json["code"]), (404, "EVENT_NOT_FOUND"), r)
        r = self.api("GET", "/api/organizer/events/999999/checkins/", self.org["a"])
        self.assertEqual(r.status, 404, r)
        self.assertEqual(self.numbers("other", self.org["b"])["sold"], 0)
        # Wrong role: staff and buyers are refused; nobody must sign in.
        for token in (self.staff, self.buyer):
            r = self.api("GET", path, token)
            self.assertEqual(r.status, 403, r)
        self.assertEqual(self.api("GET", path).status, 401)
        # The page: another organizer's event is a 404 page.
        c = self.client()
        c.cookies.update(self.page_login(c, "org-b@example.com"))
        r = c.get(f"/organizer/events/{ev}/checkins")
        self.assertEqual(r.status, 404, r)

    # -- input -----------------------------------------------------------------

    def test_bad_direction(self):
        code = self.buy("fest", {"std": 1})["std"][0]
        for d in ("out", "", 1):
            r = self.client().put("/validate_ticket/", {
                "external_id": code, "password": GATE1, "use_ticket": True,
                "direction": d})
            self.assertEqual((r.status, r.json), (400, "InvalidRequestData"), d)
        self.assertEqual(self.ticket(code)["times_used"], 0)
        r = self.api("POST", "/api/scan/offline/", self.staff, {"scans": [
            {"code": code, "scanned_at": "2030-01-02T19:00:00Z", "direction": "up"}]})
        self.assertEqual(r.status, 400, r)

    def test_offline_exit_is_reported(self):
        code = self.buy("fest", {"again": 1})["again"][0]
        at = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        r = self.api("POST", "/api/scan/offline/", self.staff, {"scans": [
            {"code": code, "scanned_at": at},
            {"code": code, "scanned_at": at, "direction": "exit"},
            {"code": code, "scanned_at": at, "direction": "exit"},
            {"code": code, "scanned_at": at, "direction": "entry"}]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual([x["result"] for x in r.json["results"]],
                         ["admitted", "exited", "not_inside", "admitted"])
        self.assertEqual(r.json["flagged"], 0)

    # -- tickets that may not enter -------------------------------------------

    def gate_transferred(self, event, gate="Gate 1"):
        return {g["gate"]: g["transferred"]
                for g in self.numbers(event)["by_gate"]}.get(gate, 0)

    def door_page(self, code, use):
        """The door page's verdict for code, signed in as Gate 1."""
        c = self.client()
        c.get("/scanner")
        r = c.post("/scanner/login", form={"csrf": c.cookies["csrftoken"],
                                           "password": GATE1})
        self.assertEqual(r.status, 303, r)
        r = c.post("/scanner/check", form={"csrf": c.cookies["csrftoken"],
                                           "code": code, "use": "1" if use else "0"})
        self.assertEqual(r.status, 200, r)
        return re.search(r'data-state="([a-z]+)"', r.body.decode()).group(1)

    def test_transferred_ticket_is_logged_and_counted_as_transferred(self):
        """A transfer leaves the old ticket cancelled with transferred_to
        set (lib/transfer); arranged here in the file, as the rules are."""
        codes = self.buy("fest", {"std": 2})["std"]
        old, new = codes
        self.execute("UPDATE tickets SET status = 'cancelled', transferred_to ="
                     " (SELECT id FROM tickets WHERE external_id = ?),"
                     " transferred_at = 1 WHERE external_id = ?", new, old)
        before = self.gate_transferred("fest")
        old_id = self.ticket(old)["id"]
        # Seed 002's door, with and without a direction.
        body = self.door(old, "entry")
        self.assertEqual((body["status"], body["result"], body["times_used"]),
                         ("TRANSFERRED", "transferred", 0))
        self.assertEqual(self.door(old)["status"], "TRANSFERRED")
        self.assertEqual(self.door(old, use=False)["status"], "TRANSFERRED")
        # A refusal changes nothing: it reaches checkins through the
        # journal (lib/scanlog), as transferred.  Each worker keeps a
        # journal of its own, moved in one file after the other: the rows
        # come in the order of the files, not of the scans.
        self.stack.biljett("expire")
        rows = self.query("SELECT result, use_ticket FROM checkins WHERE ticket_id = ?",
                          old_id)
        self.assertEqual(sorted((r["result"], r["use_ticket"]) for r in rows),
                         [("transferred", 0), ("transferred", 1), ("transferred", 1)])
        # Offline upload says why.
        at = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        r = self.api("POST", "/api/scan/offline/", self.staff, {"scans": [
            {"code": old, "scanned_at": at}, {"code": new, "scanned_at": at}]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual([x["result"] for x in r.json["results"]],
                         ["transferred", "admitted"])
        self.assertEqual(r.json["flagged"], 0)
        self.assertEqual(self.ticket(old)["times_used"], 0)
        # The live numbers count the refused codes per gate (the look-up
        # too; journalled refusals once `biljett expire` moved them in),
        # on the API and the page.
        self.stack.biljett("expire")
        self.assertEqual(self.gate_transferred("fest"), before + 3)
        self.assertEqual(self.gate_transferred("fest", "Dörrvakt"), 1)
        c = self.client()
        c.cookies.update(self.page_login(c, "org-a@example.com"))
        page = c.get(f"/organizer/events/{self.events['fest']}/checkins?lang=en").body.decode()
        self.assertIn("Transferred codes refused", page)
        self.assertIn(f'<td class="num">{before + 3}</td></tr>', page)
        self.assertEqual(self.door_page(old, True), "transferred")

    def test_cancelled_and_refunded_tickets_of_a_paid_order_never_enter(self):
        """A ticket stopped by itself (lib/order: cancelled or refunded)
        while its order stays paid: every path refuses it, and seed 002's
        status is not PAID."""
        codes = self.buy("fest", {"std": 3})["std"]
        cancelled, refunded, fine = codes
        self.execute("UPDATE tickets SET status = 'cancelled' WHERE external_id = ?",
                     cancelled)
        self.execute("UPDATE tickets SET status = 'refunded' WHERE external_id = ?",
                     refunded)
        for code, status in ((cancelled, "cancelled"), (refunded, "refunded")):
            # Seed 002: shown and scanned, never PAID, never counted.
            for use in (False, True):
                body = self.door(code, use=use)
                self.assertEqual((body["status"], body["times_used"]),
                                 ("FAILED_ADMIN", 0), (code, use))
            self.assertEqual(self.door(code, "entry")["result"], "not_paid")
            # The door page.
            self.assertEqual(self.door_page(code, False), "cancelled")
            self.assertEqual(self.door_page(code, True), "cancelled")
            # Seed 000.
            r = self.api("GET", f"/api/tickets/scan/{code}", self.staff)
            self.assertEqual((r.status, r.json["status"]), (200, status), r)
            r = self.api("POST", f"/api/tickets/scan/{code}", self.staff)
            self.assertEqual((r.status, r.json["code"], r.json["status"]),
                             (409, "ticket_already_processed", status), r)
            # Seed 004.
            r = self.api("POST", "/api/tickets/my-tickets/verify/", self.staff,
                         {"qr_code_data": code})
            self.assertEqual((r.status, r.json["code"]), (409, "TICKET_NOT_VALID"), r)
            # Offline, and the revocation list.
            r = self.api("POST", "/api/scan/offline/", self.staff, {"scans": [
                {"code": code, "scanned_at": "2030-01-02T19:00:00Z"}]})
            self.assertEqual([x["result"] for x in r.json["results"]], ["not_valid"])
            self.assertEqual(self.ticket(code)["times_used"], 0)
        r = self.api("GET", f"/api/scan/events/{self.events['fest']}/revocations/",
                     self.staff)
        self.assertEqual(r.status, 200, r)
        self.assertTrue({self.ticket(cancelled)["id"], self.ticket(refunded)["id"]} <=
                        set(r.json["revoked"]))
        self.assertNotIn(self.ticket(fine)["id"], r.json["revoked"])
        # Their order is paid: the third ticket enters.
        self.assertEqual(self.door(fine), {"external_id": fine, "times_used": 0,
                                           "chapter_event": "Show fest",
                                           "status": "PAID"})

    # -- the holder's wallet ---------------------------------------------------

    def mine(self, code):
        """code's ticket as the buyer's wallet shows it (seed 004), its
        order made the buyer's here."""
        self.execute("UPDATE orders SET user_id = (SELECT id FROM users WHERE"
                     " email = 'buyer@example.com') WHERE id = (SELECT order_id"
                     " FROM tickets WHERE external_id = ?)", code)
        uid = self.query("SELECT uid FROM tickets WHERE external_id = ?", code)[0]["uid"]
        r = self.api("GET", f"/api/tickets/my-tickets/{uid}/", self.buyer)
        self.assertEqual(r.status, 200, r)
        return r.json

    def tickets_page(self, code):
        """The order's tickets page (the mail link) of code, in English."""
        link = self.stack.biljett("ticket-link", code).strip()
        path = link[link.index("/tickets/"):]
        r = self.client().get(path + "?lang=en")
        self.assertEqual(r.status, 200, r)
        return r.body.decode()

    def my_tickets_page(self):
        """The buyer's /my-tickets page, signed in at /login."""
        c = self.client()
        c.get("/login")
        r = c.post("/login", form={"email": "buyer@example.com", "password": PASSWORD,
                                   "next": "/my-tickets", "csrf": c.cookies["csrftoken"]})
        self.assertEqual(r.status, 303, r)
        r = c.get("/my-tickets")
        self.assertEqual(r.status, 200, r)
        return r.body.decode()

    def test_wallet_keeps_a_pass_usable_on_its_next_day(self):
        code = self.buy("fest", {"pass": 1})["pass"][0]
        t = self.mine(code)
        self.assertEqual((t["status"], t["is_used"], t["used_today"]),
                         ("active", False, False))
        # Day 1: admitted; the pass still lets its holder in tomorrow.
        self.assertEqual(self.result(code), "admitted")
        t = self.mine(code)
        self.assertEqual((t["status"], t["is_used"], t["used_today"], t["is_valid"]),
                         ("active", False, True, True), t)
        self.assertTrue(t["qr_code_data"].startswith("BJ1:"))
        page = self.tickets_page(code)
        self.assertIn('class="qr"', page)
        self.assertIn("Used today", page)
        # Seed 004's list and its counters agree.
        r = self.api("GET", "/api/tickets/my-tickets/?is_used=true", self.buyer)
        self.assertNotIn(code, [x["ticket_number"] for x in r.json["results"]])
        r = self.api("GET", "/api/tickets/my-tickets/?status=active", self.buyer)
        self.assertIn(code, [x["ticket_number"] for x in r.json["results"]])
        # Day 2: the day-1 admission moved back a day.
        today = self.ticket(code)["admitted_day"]
        yesterday = (datetime.date.fromisoformat(today) -
                     datetime.timedelta(days=1)).isoformat()
        self.execute("UPDATE tickets SET admitted_day = ? WHERE external_id = ?",
                     yesterday, code)
        t = self.mine(code)
        self.assertEqual((t["status"], t["is_used"], t["used_today"]),
                         ("active", False, False), t)
        page = self.tickets_page(code)
        self.assertIn('class="qr"', page)
        self.assertNotIn("Used today", page)
        # Admitted on its last day (the event's, moved to now): used.
        ev = self.events["fest"]
        at = self.query("SELECT event_at FROM events WHERE id = ?", ev)[0]["event_at"]
        self.execute("UPDATE tickets SET admitted_day = ? WHERE external_id = ?",
                     today, code)
        self.execute("UPDATE events SET event_at = CAST(strftime('%s', 'now') AS"
                     " INTEGER) WHERE id = ?", ev)
        try:
            t = self.mine(code)
            page = self.tickets_page(code)
            door_day = self.numbers("fest")["door_day"]
        finally:
            self.execute("UPDATE events SET event_at = ? WHERE id = ?", at, ev)
        if door_day == today:       # not across a day boundary meanwhile
            self.assertEqual((t["status"], t["is_used"]), ("used", True), t)
            self.assertNotIn('class="qr"', page)

    def test_wallet_multi_day_event_without_an_end(self):
        # A festival entered with its first evening as the start, no end,
        # and its days as day tickets: the last one is tomorrow.
        code = self.buy("fest", {"pass": 1})["pass"][0]
        ev, day_type = self.events["fest"], self.types["day-a"]
        was = self.query("SELECT e.event_at, e.ends_at, e.day_starts, tt.day_date"
                         " FROM events e, ticket_types tt WHERE e.id = ? AND tt.id = ?",
                         ev, day_type)[0]
        today = datetime.date.fromisoformat(self.numbers("fest")["door_day"])
        day = datetime.timedelta(days=1)
        self.execute("UPDATE events SET event_at = CAST(strftime('%s', 'now') AS INTEGER)"
                     " - 2 * 86400, ends_at = NULL WHERE id = ?", ev)
        self.execute("UPDATE ticket_types SET day_date = ? WHERE id = ?",
                     (today + day).isoformat(), day_type)
        # A ticket of a show in 2030, for the order of the buyer's page.
        later = self.buy("count", {"std": 1})["std"][0]
        self.mine(later)
        try:
            during = self.mine(code)
            page = self.tickets_page(code)
            mine_page = self.my_tickets_page()
            # Its last day over: expired.
            self.execute("UPDATE ticket_types SET day_date = ? WHERE id = ?",
                         (today - day).isoformat(), day_type)
            after = self.mine(code)
            door_day = self.numbers("fest")["door_day"]
        finally:
            self.execute("UPDATE events SET event_at = ?, ends_at = ? WHERE id = ?",
                         was["event_at"], was["ends_at"], ev)
            self.execute("UPDATE ticket_types SET day_date = ? WHERE id = ?",
                         was["day_date"], day_type)
        if door_day != today.isoformat():   # across a day boundary meanwhile
            return
        self.assertEqual((during["status"], during["is_valid"]), ("active", True), during)
        self.assertIn('class="qr"', page)
        # Under way, it comes before the show of 2030 on the buyer's page.
        self.assertLess(mine_page.index(code), mine_page.index(later))
        # Its signed code lets it in offline until tomorrow's door day ends.
        text = during["qr_code_data"][4:]
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
        not_after = struct.unpack(">BIIIIII", raw[:25])[6] * 60
        closes = datetime.datetime.combine(
            today + 2 * day, datetime.time(), zoneinfo.ZoneInfo("Europe/Stockholm")
        ) + datetime.timedelta(minutes=was["day_starts"])
        self.assertGreaterEqual(not_after, closes.timestamp())
        self.assertEqual((after["status"], after["is_valid"]), ("expired", False), after)

    def test_wallet_reentry_ticket_is_not_used_while_it_can_come_back(self):
        plain = self.buy("fest", {"std": 1})["std"][0]
        again = self.buy("fest", {"again": 1})["again"][0]
        for code in (plain, again):
            self.assertEqual(self.result(code), "admitted")
        self.assertEqual(self.result(again, "exit"), "exited")
        t = self.mine(plain)
        self.assertEqual((t["status"], t["is_used"], t["used_today"]),
                         ("used", True, True), t)
        t = self.mine(again)
        self.assertEqual((t["status"], t["is_used"], t["used_today"]),
                         ("active", False, True), t)
        self.assertIn('class="qr"', self.tickets_page(again))


class Upgrade(StackTest):
    """Migration 028 on a database of migrations 001-027: "arrived" is a
    ticket's admitted_day from now on, so a ticket admitted before
    sql/023 (a count, no admitted_day) takes the door day of its last
    admission, or of its event's start when no check-in says; a ticket
    never scanned stays unarrived.  When a ticket was first let in moves
    from its check-ins to the ticket."""
    programs = ("catalog",)

    def test_tickets_admitted_before_023_still_count_as_arrived(self):
        path, db = self.old_database(27)
        # A show on 2023-11-14 at 23:13 Stockholm time; the first ticket
        # was let in on 2023-11-21 (at 21:53), and refused at a second scan.
        db.executescript("""
            INSERT INTO events (id, title, event_at, sales_stop_at, total_seats,
                created_at) VALUES (1, 'Old show', 1700000000, 1700000000, 10, 1);
            INSERT INTO ticket_types (id, event_id, title, price, created_at)
                VALUES (1, 1, 'Std', 100, 1);
            INSERT INTO orders (id, code, event_id, email, status, created_at,
                expires_at, seats, total) VALUES (1, 'OLD1', 1, 'a@example.com',
                'paid', 1, 2, 3, 300);
            INSERT INTO tickets (id, order_id, event_id, ticket_type_id, price,
                external_id, secret, created_at, times_used) VALUES
                (1, 1, 1, 1, 100, 'AAAAAA', 'x', 1, 2),
                (2, 1, 1, 1, 100, 'BBBBBB', 'y', 1, 1),
                (3, 1, 1, 1, 100, 'CCCCCC', 'z', 1, 0);
            INSERT INTO checkins (ticket_id, event_id, external_id, use_ticket,
                times_used, result, at) VALUES
                (1, 1, 'AAAAAA', 1, 0, 'admitted', 1700600000),
                (1, 1, 'AAAAAA', 1, 1, 'already_used', 1700700000);
            """)
        db.commit()
        db.close()
        self.migrate(path)
        db = sqlite3.connect(path)
        self.assertEqual(db.execute("SELECT id, times_used, admitted_day FROM tickets"
                                    " ORDER BY id").fetchall(),
                         [(1, 2, "2023-11-21"), (2, 1, "2023-11-14"), (3, 0, None)])
        # When each was first let in, from its check-ins (none: unknown).
        self.assertEqual(db.execute("SELECT id, first_admitted_at FROM tickets"
                                    " ORDER BY id").fetchall(),
                         [(1, 1700600000), (2, None), (3, None)])
        db.close()
