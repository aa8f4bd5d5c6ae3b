"""Holds expire after reservation_seconds: lazily inside reserve, and by
`biljett expire` from cron, which also cancels open Swish requests and
removes sessions, account links and refresh tokens a week after they
expired."""
import time

from flow import Swish, wait_for
from support import StackTest


class Expiry(StackTest):
    def reserve(self, client, event, type_id, n):
        return client.post("/reserve_ticket/", {
            "chapter_event": event, "tickets": [{"ticket_type": type_id, "count": n}]})

    def used(self, event):
        return self.query("SELECT used FROM quotas WHERE event_id = ?", event)[0]["used"]

    def wait_expired(self, client):
        wait_for(lambda: client.get("/session_payment_status/").json["status"]
                 == "FAILED_EXPIRED_RESERVATION", timeout=10, what="the hold to lapse")

    def test_cron_expiry_frees_seats(self):
        types, event = self.show("short", seats=5, reservation_seconds=1)
        a = self.client()
        self.assertEqual(self.reserve(a, event, types["std"], 3).status, 201)
        self.assertEqual(self.used(event), 3)
        self.wait_expired(a)
        out = self.stack.biljett("expire")
        self.assertIn("expired 1 reservation", out)
        self.assertEqual(self.used(event), 0)
        self.assertEqual(self.query("SELECT status FROM orders WHERE event_id = ?",
                                    event)[0]["status"], "expired")
        self.assertIn("expired 0 reservations", self.stack.biljett("expire"))

    def test_lazy_expiry_inside_reserve(self):
        types, event = self.show("lazy", seats=4, reservation_seconds=1)
        a, b = self.client(), self.client()
        self.assertEqual(self.reserve(a, event, types["std"], 4).status, 201)
        r = self.reserve(b, event, types["std"], 1)
        self.assertEqual(r.json, {"error": "OutOfTickets", "tickets_left": 0})
        self.wait_expired(a)
        self.assertEqual(self.reserve(b, event, types["std"], 4).status, 201)
        self.assertEqual(self.used(event), 4)

    def test_expired_reservation_is_re_reserved_at_payment(self):
        types, event = self.show("again", seats=5, reservation_seconds=1)
        a = self.client()
        self.assertEqual(self.reserve(a, event, types["std"], 2).status, 201)
        self.wait_expired(a)
        self.stack.biljett("expire")
        self.assertEqual(self.used(event), 0)
        r = a.post("/start_payment/", {"email_address": "again@example.com"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.used(event), 2)
        self.assertEqual(a.get("/session_payment_status/").json["status"], "RESERVED")

    def test_session_expired_when_seats_are_gone(self):
        types, event = self.show("gone", seats=2, reservation_seconds=1)
        a, b = self.client(), self.client()
        self.assertEqual(self.reserve(a, event, types["std"], 2).status, 201)
        self.wait_expired(a)
        self.assertEqual(self.reserve(b, event, types["std"], 1).status, 201)
        r = a.post("/start_payment/", {"email_address": "gone@example.com"})
        self.assertEqual((r.status, r.json), (408, "SessionExpired"))
        self.assertEqual(a.get("/session_payment_status/").json["status"],
                         "FAILED_EXPIRED_RESERVATION")
        self.assertEqual(self.used(event), 1)

    def test_expire_cancels_open_swish_requests(self):
        types, event = self.show("cancel", seats=5, reservation_seconds=1)
        a = self.client()
        self.assertEqual(self.reserve(a, event, types["std"], 1).status, 201)
        token = a.post("/start_payment/", {"email_address": "c@example.com"}).json
        # A started payment keeps its hold long enough to pay; push it out.
        self.execute("UPDATE orders SET expires_at = strftime('%s','now') - 1"
                     " WHERE event_id = ?", event)
        self.stack.biljett("expire")
        swish = Swish(self.stack)
        req = swish.request_by_token(token)
        self.assertEqual(req["status"], "CANCELLED")
        self.assertEqual(self.query("SELECT p.status FROM payments p JOIN orders o"
                                    " ON o.id = p.order_id WHERE o.event_id = ?",
                                    event)[0]["status"], "cancelled")
        self.assertEqual(self.used(event), 0)

    def test_sessions_links_and_refresh_tokens_go_a_week_after_expiry(self):
        types, event = self.show("ended", seats=10)
        old, recent = self.client(), self.client()
        for c in (old, recent):
            self.assertEqual(self.reserve(c, event, types["std"], 1).status, 201)
        email = "ended@example.com"
        password = self.stack.biljett("create-user", email, "customer").strip().rsplit(" ", 1)[1]
        r = self.client().post("/api/auth/login/", {"email": email, "password": password})
        self.assertEqual(r.status, 200, r)
        r = self.client().post("/api/auth/password-reset", {"email": email})
        self.assertLess(r.status, 300, r)
        of_event = ("SELECT s.id FROM sessions s JOIN orders o ON o.id = s.order_id"
                    " WHERE o.event_id = ? ORDER BY s.id")
        sessions = [row["id"] for row in self.query(of_event, event)]
        self.assertEqual(len(sessions), 2)
        now = int(time.time())
        week, day = 7 * 86400, 86400
        self.execute("UPDATE sessions SET expires_at = ? WHERE id = ?",
                     now - week - day, sessions[0])
        self.execute("UPDATE sessions SET expires_at = ? WHERE id = ?",
                     now - week + day, sessions[1])
        for table in ("user_tokens", "refresh_tokens"):
            self.assertGreater(self.query(f"SELECT count(*) AS n FROM {table}")[0]["n"], 0)
            self.execute(f"UPDATE {table} SET expires_at = ?", now - week - day)
        orders = self.query("SELECT count(*) AS n FROM orders")[0]["n"]

        out = self.stack.biljett("expire")
        self.assertIn("removed 1 ended session\n", out)
        self.assertIn("expired account link", out)
        self.assertIn("expired refresh token", out)
        self.assertEqual([row["id"] for row in self.query(of_event, event)],
                         sessions[1:])
        for table in ("user_tokens", "refresh_tokens"):
            self.assertEqual(self.query(f"SELECT count(*) AS n FROM {table}")[0]["n"], 0)
        # Orders stay; the buyer whose session went is told so, not a 500.
        self.assertEqual(self.query("SELECT count(*) AS n FROM orders")[0]["n"], orders)
        r = old.get("/session_payment_status/")
        self.assertTrue(400 <= r.status < 500, r)
        self.assertNotIn("removed", self.stack.biljett("expire"))

