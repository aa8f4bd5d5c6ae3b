"""POST /reserve_ticket/ and GET /session_payment_status/ (seed 002): every
status code in the order the issue gives, the cookie, releasing the
previous reservation, and that a failed reservation leaves nothing."""
from support import StackTest

INVALID = "InvalidRequestData"


class Reserve(StackTest):
    programs = ("catalog", "shop", "pay", "scan")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.types, cls.event = cls.show("main", seats=50, types=("std", "student"),
                                        hidden_types=("crew",))
        cls.small_types, cls.small = cls.show("small", seats=10, types=("std",))
        _, cls.stopped = cls.show("stopped", seats=10, types=("std",),
                                  stop_in_hours=-1, event_in_hours=1)

    def reserve(self, client, event, lines, **kw):
        return client.post("/reserve_ticket/", {
            "chapter_event": event,
            "tickets": [{"ticket_type": t, "count": n} for t, n in lines]}, **kw)

    def orders(self):
        return self.query("SELECT count(*) AS n FROM orders")[0]["n"]

    def left(self, event):
        return self.query("SELECT size - used AS left FROM quotas WHERE event_id = ?",
                          event)[0]["left"]

    def test_reserve_sets_session_cookie(self):
        c = self.client()
        r = self.reserve(c, self.event, [(self.types["std"], 1)])
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body, b"")
        cookie = r.header("Set-Cookie")
        self.assertRegex(cookie, r"^sessionid=[0-9a-f]{64};")
        for attr in ("HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=1209600",
                     "Secure"):
            self.assertIn(attr, cookie)
        r = c.get("/session_payment_status/")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json, {"status": "RESERVED", "mail": None})

    def test_string_ids_and_form_of_ids(self):
        c = self.client()
        r = c.post("/reserve_ticket", {"chapter_event": str(self.event),
                                       "tickets": [{"ticket_type": str(self.types["student"]),
                                                    "count": 2}]})
        self.assertEqual(r.status, 201, r)

    def test_invalid_request_data(self):
        c = self.client()
        std = self.types["std"]
        bodies = [
            {},
            {"chapter_event": self.event},
            {"tickets": [{"ticket_type": std, "count": 1}]},
            {"chapter_event": self.event, "tickets": []},
            {"chapter_event": self.event, "tickets": {"ticket_type": std}},
            {"chapter_event": self.event, "tickets": [{"ticket_type": std}]},
            {"chapter_event": self.event, "tickets": [{"count": 1}]},
            {"chapter_event": self.event, "tickets": [{"ticket_type": std, "count": 0}]},
            {"chapter_event": self.event, "tickets": [{"ticket_type": std, "count": -1}]},
            {"chapter_event": self.event, "tickets": [{"ticket_type": std, "count": 1.5}]},
            {"chapter_event": self.event, "tickets": [{"ticket_type": std, "count": "x"}]},
            {"chapter_event": "abc", "tickets": [{"ticket_type": std, "count": 1}]},
            {"chapter_event": self.event, "tickets": [{"ticket_type": "x", "count": 1}]},
            {"chapter_event": None, "tickets": [{"ticket_type": std, "count": 1}]},
            [1, 2, 3],
        ]
        before = self.orders()
        for body in bodies:
            r = c.post("/reserve_ticket/", body)
            self.assertEqual((r.status, r.json), (400, INVALID), body)
        for raw, ctype in ((b'{"chapter_event": 1,', "application/json"),
                           (b"\xff\xfe", "application/json"),
                           (b"chapter_event=1&tickets=2",
                            "application/x-www-form-urlencoded"),
                           (b"hello", "text/plain")):
            r = c.request("POST", "/reserve_ticket/", raw=raw, content_type=ctype)
            self.assertEqual((r.status, r.json), (400, INVALID), raw)
        self.assertEqual(self.orders(), before)
        self.assertNotIn("sessionid", c.cookies)

    def test_event_does_not_exist(self):
        r = self.reserve(self.client(), 987654, [(self.types["std"], 1)])
        self.assertEqual((r.status, r.json), (404, "EventDoesNotExist"))

    def test_sales_stopped(self):
        r = self.reserve(self.client(), self.stopped, [(self.types["std"], 1)])
        self.assertEqual((r.status, r.json), (403, "SalesStopped"))

    def test_ticket_type_does_not_exist(self):
        c = self.client()
        before = self.orders()
        for t in (987654, self.types["crew"], self.small_types["std"]):
            r = self.reserve(c, self.event, [(self.types["std"], 1), (t, 1)])
            self.assertEqual((r.status, r.json), (404, "TicketTypeDoesNotExist"), t)
        self.assertEqual(self.orders(), before)

    def test_too_many_tickets(self):
        c = self.client()
        r = self.reserve(c, self.event, [(self.types["std"], 5), (self.types["student"], 4)])
        self.assertEqual((r.status, r.json), (403, "TooManyTickets"))
        r = self.reserve(c, self.event, [(self.types["std"], 8)])
        self.assertEqual(r.status, 201)

    def test_out_of_tickets_then_nothing_left_behind(self):
        a, b = self.client(), self.client()
        std = self.small_types["std"]
        self.assertEqual(self.reserve(a, self.small, [(std, 5)]).status, 201)
        before = self.orders()
        r = self.reserve(b, self.small, [(std, 6)])
        self.assertEqual((r.status, r.json),
                         (403, {"error": "OutOfTickets", "tickets_left": 5}))
        self.assertEqual(self.orders(), before)
        self.assertEqual(self.left(self.small), 5)
        self.assertNotIn("sessionid", b.cookies)
        self.assertEqual(self.reserve(b, self.small, [(std, 5)]).status, 201)
        r = self.reserve(self.client(), self.small, [(std, 1)])
        self.assertEqual(r.json, {"error": "OutOfTickets", "tickets_left": 0})
        r = self.client().get("/get_chapterevents/")
        small = [e for e in r.json["chapter_events"] if e["id"] == self.small][0]
        self.assertEqual(small["tickets_left"], 0)

    def test_second_reservation_releases_the_first(self):
        c = self.client()
        before = self.left(self.event)
        self.assertEqual(self.reserve(c, self.event, [(self.types["std"], 3)]).status, 201)
        first_cookie = c.cookies["sessionid"]
        self.assertEqual(self.left(self.event), before - 3)
        self.assertEqual(self.reserve(c, self.event, [(self.types["std"], 2)]).status, 201)
        self.assertNotEqual(c.cookies["sessionid"], first_cookie)
        self.assertEqual(self.left(self.event), before - 2)
        rows = self.query("SELECT status FROM orders ORDER BY id DESC LIMIT 2")
        self.assertEqual([r["status"] for r in rows], ["reserved", "cancelled"])
        # The old cookie no longer names a session.
        old = self.client()
        old.cookies["sessionid"] = first_cookie
        r = old.get("/session_payment_status/")
        self.assertEqual((r.status, r.json), (400, "No ticket attatched to session"))

    def test_failed_second_reservation_keeps_the_first(self):
        c = self.client()
        self.assertEqual(self.reserve(c, self.event, [(self.types["std"], 1)]).status, 201)
        cookie = c.cookies["sessionid"]
        r = self.reserve(c, self.event, [(self.types["std"], 9)])
        self.assertEqual(r.status, 403)
        self.assertEqual(c.cookies["sessionid"], cookie)
        self.assertEqual(c.get("/session_payment_status/").json["status"], "RESERVED")

    def test_status_without_session(self):
        c = self.client()
        r = c.get("/session_payment_status/")
        self.assertEqual((r.status, r.json), (400, "No ticket attatched to session"))
        c.cookies["sessionid"] = "forged"
        r = c.get("/session_payment_status")
        self.assertEqual((r.status, r.json), (400, "No ticket attatched to session"))
        c.cookies["sessionid"] = "0" * 64
        self.assertEqual(c.get("/session_payment_status/").status, 400)

    def test_methods(self):
        r = self.client().get("/reserve_ticket/")
        self.assertEqual((r.status, r.json), (405, {"detail": 'Method "GET" not allowed.'}))
        r = self.client().post("/session_payment_status/", {})
        self.assertEqual(r.status, 405)
