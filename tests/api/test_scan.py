"""PUT /validate_ticket/: credentials, bad input, unknown tickets; the
throttle on wrong scanner passwords, which never keeps out a right one."""
import glob
import os
import re
import signal
import time

from flow import Swish
from support import StackTest, all_at_once, children

PASSWORD = "korrekt-häst-batteri"


class Scan(StackTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stack.biljett("scanner-add", "door", "--password", PASSWORD, "--site-wide")
        out = cls.stack.biljett("scanner-add", "generated", "--site-wide")
        cls.generated = out.strip().rsplit(" ", 1)[1]

    def put(self, body, **kw):
        return self.client().put("/validate_ticket/", body, **kw)

    def test_wrong_password(self):
        r = self.put({"external_id": "ABCDEF", "password": "wrong", "use_ticket": False})
        self.assertEqual((r.status, r.json), (401, "Incorrect password"))

    def test_generated_password_works_and_is_not_stored(self):
        r = self.put({"external_id": "ZZZZZZ", "password": self.generated,
                      "use_ticket": False})
        self.assertEqual(r.status, 404)
        hashes = [r["password_hash"] for r in self.query("SELECT password_hash FROM scanners")]
        for h in hashes:
            self.assertTrue(h.startswith("$argon2id$"))
            self.assertNotIn(PASSWORD, h)
            self.assertNotIn(self.generated, h)
        with open(self.stack.db_path, "rb") as f:
            data = f.read()
        self.assertNotIn(PASSWORD.encode(), data)

    def test_unknown_ticket(self):
        r = self.put({"external_id": "QQQQQQ", "password": PASSWORD, "use_ticket": True})
        self.assertEqual((r.status, r.json),
                         (404, {"times_used": -1, "status": "Ticket does not exist"}))
        # A scan that changes nothing is journalled, not written under the
        # write lock; `biljett expire` moves it into checkins.
        row = self.query("SELECT result FROM checkins WHERE external_id = 'QQQQQQ'")
        self.assertEqual(row, [])
        self.assertIn("look-up", self.stack.biljett("expire"))
        row = self.query("SELECT result FROM checkins WHERE external_id = 'QQQQQQ'")
        self.assertEqual([r["result"] for r in row], ["unknown"])

    def test_invalid_request_data(self):
        for body in ({}, {"external_id": "ABCDEF"},
                     {"external_id": "ABCDEF", "password": PASSWORD},
                     {"external_id": "ABCDEF", "password": PASSWORD, "use_ticket": "maybe"},
                     {"external_id": 12, "password": PASSWORD, "use_ticket": True},
                     {"external_id": "", "password": PASSWORD, "use_ticket": True},
                     {"external_id": "A" * 161, "password": PASSWORD, "use_ticket": True}):
            r = self.put(body)
            self.assertEqual((r.status, r.json), (400, "InvalidRequestData"), body)
        r = self.client().request("PUT", "/validate_ticket/", raw=b"{", content_type="application/json")
        self.assertEqual(r.status, 400)

    def test_methods(self):
        r = self.client().post("/validate_ticket/", {})
        self.assertEqual((r.status, r.json), (405, {"detail": 'Method "POST" not allowed.'}))

    def test_refunded_ticket_is_not_admitted(self):
        types, event = self.show("refunded", seats=5)
        c = self.client()
        c.post("/reserve_ticket/", {"chapter_event": event,
                                    "tickets": [{"ticket_type": types["std"], "count": 1}]})
        token = c.post("/start_payment/", {"email_address": "r@example.com"}).json
        swish = Swish(self.stack)
        swish.act(swish.request_by_token(token)["id"], "pay")
        code = self.query("SELECT external_id FROM tickets WHERE event_id = ?",
                          event)[0]["external_id"]
        self.execute("UPDATE orders SET status = 'refunded', holds_seats = 0 WHERE event_id = ?",
                     event)
        r = self.put({"external_id": code, "password": PASSWORD, "use_ticket": True})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["status"], "FAILED_ADMIN")
        r = self.put({"external_id": code, "password": PASSWORD, "use_ticket": True})
        self.assertEqual(r.json["times_used"], 0)

    def test_journal_loses_and_repeats_nothing_under_load(self):
        """Look-ups from many connections at once while `biljett expire`
        moves the journal in, again and again: every look-up lands in
        checkins exactly once."""
        import threading
        from concurrent.futures import ThreadPoolExecutor
        n = 240
        stop = threading.Event()

        def importer():
            while not stop.is_set():
                self.stack.biljett("expire", check=False)

        def look(i):
            return self.put({"external_id": f"JRNL{i:04d}", "password": PASSWORD,
                             "use_ticket": False}).status

        t = threading.Thread(target=importer)
        t.start()
        try:
            with ThreadPoolExecutor(max_workers=24) as pool:
                statuses = list(pool.map(look, range(n)))
        finally:
            stop.set()
            t.join()
        self.assertEqual(statuses, [404] * n)
        self.stack.biljett("expire")
        rows = self.query("SELECT external_id, count(*) AS k FROM checkins"
                          " WHERE external_id LIKE 'JRNL%' GROUP BY external_id")
        self.assertEqual(len(rows), n)
        self.assertEqual({r["k"] for r in rows}, {1})

    def test_journals_of_workers_gone_are_moved_in_once_and_removed(self):
        """Each worker appends its look-ups to its own journal, held open
        while it lives.  `biljett expire` moves in what a live one gained
        and keeps it; a journal whose worker was killed is finished: its
        lines go in once and the file goes away.  The new workers journal
        again."""
        def look(code):
            return self.put({"external_id": code, "password": PASSWORD,
                             "use_ticket": False}).status

        def journals():
            return set(glob.glob(self.stack.db_path + "-scans.*"))

        self.assertEqual(all_at_once(12, lambda i: look(f"JKIL{i:02d}")), [404] * 12)
        before = journals()
        self.assertTrue(before)
        self.stack.biljett("expire")
        self.assertTrue(journals() & before)        # live: read, kept
        self.assertEqual(all_at_once(6, lambda i: look(f"JKIM{i:02d}")), [404] * 6)
        supervisor = next(p.pid for n, p in self.stack.procs if n == "scan")
        for pid in children(supervisor):
            os.kill(pid, signal.SIGKILL)
        self.stack.biljett("expire")
        self.assertEqual(journals() & before, set())
        rows = self.query("SELECT external_id, count(*) AS k FROM checkins"
                          " WHERE external_id LIKE 'JKI%' GROUP BY external_id")
        self.assertEqual(len(rows), 18)
        self.assertEqual({r["k"] for r in rows}, {1})
        status = 0
        for _ in range(200):            # until the new workers answer
            status = look("JKNEW1")
            if status == 404:
                break
            time.sleep(0.05)
        self.assertEqual(status, 404)
        self.stack.biljett("expire")
        self.stack.biljett("expire")
        rows = self.query("SELECT count(*) AS k FROM checkins WHERE external_id = 'JKNEW1'")
        self.assertEqual(rows[0]["k"], 1)


class ScanThrottle(StackTest):
    programs = ("catalog", "scan")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stack.biljett("scanner-add", "door", "--password", PASSWORD, "--site-wide")

    def test_guessing_passwords_is_throttled(self):
        statuses = []
        for i in range(40):
            r = self.client().put("/validate_ticket/", {
                "external_id": "ABCDEF", "password": f"guess-{i}", "use_ticket": False})
            statuses.append(r.status)
        self.assertIn(429, statuses)
        self.assertTrue(all(s in (401, 429) for s in statuses), statuses)
        limited = self.client().put("/validate_ticket/", {
            "external_id": "ABCDEF", "password": "guess-x", "use_ticket": False})
        self.assertEqual((limited.status, limited.json), (429, "TooManyAttempts"))
        self.assertGreater(int(limited.header("Retry-After")), 0)

    def throttle_this_address(self):
        """Wrong passwords until every worker answers this address 429
        (ten in a row), as a guesser behind the venue's NAT would."""
        statuses = []
        for i in range(200):
            r = self.client().put("/validate_ticket/", {
                "external_id": "ABCDEF", "password": f"nat-guess-{i}",
                "use_ticket": False})
            statuses.append(r.status)
            if statuses[-10:] == [429] * 10:
                return
        self.fail(f"never throttled: {statuses}")

    def test_right_password_passes_a_throttled_address(self):
        # The door shares the guesser's address (127.0.0.1 here, the
        # venue's NAT in life): its right password still gets in, with
        # upstream's answers, through the slow path and the cached one.
        self.throttle_this_address()
        for _ in range(4):
            r = self.client().put("/validate_ticket/", {
                "external_id": "QQQQQQ", "password": PASSWORD, "use_ticket": True})
            self.assertEqual((r.status, r.json),
                             (404, {"times_used": -1, "status": "Ticket does not exist"}))
        # The door's success does not clear the guesser's throttle.
        r = self.client().put("/validate_ticket/", {
            "external_id": "QQQQQQ", "password": "still-guessing", "use_ticket": True})
        self.assertEqual((r.status, r.json), (429, "TooManyAttempts"))
        self.assertGreater(int(r.header("Retry-After")), 0)

    def test_door_page_signs_in_from_a_throttled_address(self):
        self.throttle_this_address()
        c = self.client()
        page = c.get("/scanner")
        token = re.search(rb'name="csrf" value="([0-9a-f]{64})"', page.body).group(1)
        origin = {"Origin": self.stack.base_url}
        r = c.post("/scanner/login", form={"password": "wrong-again", "csrf": token.decode()},
                   headers=origin)
        self.assertEqual(r.status, 429)
        self.assertGreater(int(r.header("Retry-After")), 0)
        r = c.post("/scanner/login", form={"password": PASSWORD, "csrf": token.decode()},
                   headers=origin)
        self.assertEqual((r.status, r.header("Location")), (303, "/scanner"), r)
        self.assertIn("scannerid", c.cookies)
