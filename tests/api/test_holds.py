"""Hold caps (the on-sale issue, §2): places one client may hold at once
(by address, and so by session), places one e-mail address may hold and
buy at payment, and at most two extensions of a hold by /start_payment/.

Every test client reaches nginx from 127.0.0.1, so each test imports its
own event with small caps; the other test files' events get caps they
never reach (support.StackTest.show)."""
import re

from flow import Swish
from support import StackTest

TOO_MANY = "TooManyTickets"


class Holds(StackTest):
    programs = ("catalog", "shop", "pay", "pages")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.swish = Swish(cls.stack)

    # -- helpers ---------------------------------------------------------

    def reserve(self, client, event, type_id, n):
        return client.post("/reserve_ticket/", {
            "chapter_event": event, "tickets": [{"ticket_type": type_id, "count": n}]})

    def start(self, client, email):
        return client.post("/start_payment/", {"email_address": email})

    def held(self, event):
        return self.query("SELECT coalesce(sum(seats), 0) AS n FROM orders"
                          " WHERE event_id = ? AND status = 'reserved'", event)[0]["n"]

    def used(self, event):
        return self.query("SELECT used FROM quotas WHERE event_id = ?", event)[0]["used"]

    def orders(self, event):
        return self.query("SELECT count(*) AS n FROM orders WHERE event_id = ?",
                          event)[0]["n"]

    def expires_at(self, event):
        return self.query("SELECT expires_at FROM orders WHERE event_id = ?"
                          " AND status = 'reserved'", event)[0]["expires_at"]

    def csrf(self, client, path):
        r = client.get(path)
        self.assertEqual(r.status, 200, r)
        return re.search(rb'name="csrf" value="([0-9a-f]{64})"', r.body).group(1).decode()

    # -- per address ----------------------------------------------------------

    def test_address_cap_holds_back_a_cookieless_script(self):
        # The measured attack: 37 requests of 8 from one address without
        # cookies held 296 of 300 seats.  With a cap of 16 two get through.
        types, event = self.show("attack", seats=300, max_per=8, max_held_per_client=16)
        results = [self.reserve(self.client(), event, types["std"], 8) for _ in range(37)]
        self.assertEqual([r.status for r in results[:2]], [201, 201])
        for r in results[2:]:
            self.assertEqual((r.status, r.json), (403, TOO_MANY), r)
            self.assertIsNone(r.header("Set-Cookie"))
        # Nothing of the refused ones is held or written.
        self.assertEqual(self.held(event), 16)
        self.assertEqual(self.used(event), 16)
        self.assertEqual(self.orders(event), 2)
        self.assertEqual(self.query("SELECT count(*) AS n FROM orders WHERE event_id = ?"
                                    " AND client_addr = '127.0.0.1'", event)[0]["n"], 2)
        # Another event has its own count.
        types2, event2 = self.show("elsewhere", seats=10, max_per=8, max_held_per_client=8)
        self.assertEqual(self.reserve(self.client(), event2, types2["std"], 8).status, 201)

    def test_cap_frees_up_as_holds_end(self):
        types, event = self.show("frees", seats=50, max_per=4, max_held_per_client=6,
                                 reservation_seconds=1)
        std = types["std"]
        a = self.client()
        self.assertEqual(self.reserve(a, event, std, 4).status, 201)
        self.assertEqual(self.reserve(self.client(), event, std, 3).json, TOO_MANY)
        self.assertEqual(self.reserve(self.client(), event, std, 2).status, 201)
        self.assertEqual(self.reserve(self.client(), event, std, 1).json, TOO_MANY)
        # Lapsed holds stop counting (expired inside the next reservation).
        self.execute("UPDATE orders SET expires_at = strftime('%s','now') - 1"
                     " WHERE event_id = ?", event)
        self.assertEqual(self.reserve(self.client(), event, std, 4).status, 201)
        self.assertEqual(self.held(event), 4)
        # The address is kept only while an order is a hold.
        rows = self.query("SELECT status, client_addr FROM orders WHERE event_id = ?"
                          " ORDER BY id", event)
        self.assertEqual([(r["status"], r["client_addr"]) for r in rows],
                         [("expired", None), ("expired", None),
                          ("reserved", "127.0.0.1")])

    def test_default_cap_is_two_full_orders(self):
        types, event = self.show("default", seats=50, max_per=4,
                                 max_held_per_client=None, max_tickets_per_email=None)
        std = types["std"]
        self.assertEqual(self.reserve(self.client(), event, std, 4).status, 201)
        self.assertEqual(self.reserve(self.client(), event, std, 4).status, 201)
        r = self.reserve(self.client(), event, std, 1)
        self.assertEqual((r.status, r.json), (403, TOO_MANY))
        self.assertEqual(self.held(event), 8)

    def test_event_page_explains_the_cap(self):
        types, event = self.show("page", seats=50, max_per=4, max_held_per_client=4)
        self.assertEqual(self.reserve(self.client(), event, types["std"], 4).status, 201)
        c = self.client()
        token = self.csrf(c, f"/events/{event}")
        for lang, text in (("en", "Too many tickets for this event are already on hold"),
                           ("sv", "För många biljetter till det här evenemanget")):
            r = c.post(f"/events/{event}/reserve",
                       form={"csrf": token, f"t{types['std']}": "1"},
                       headers={"Accept-Language": lang})
            self.assertEqual(r.status, 422, r)
            self.assertTrue(r.header("Content-Type").startswith("text/html"))
            self.assertIn(text, r.body.decode())
        self.assertNotIn("sessionid", c.cookies)
        self.assertEqual(self.held(event), 4)

    # -- per session ------------------------------------------------------------

    def test_session_holds_only_its_latest_reservation(self):
        # A buyer keeping the cookie replaces its hold: the one replaced
        # does not count, so changing one's mind at the cap works.
        types, event = self.show("session", seats=50, max_per=8, max_held_per_client=8)
        std = types["std"]
        c = self.client()
        for n in (8, 8, 5, 8):
            self.assertEqual(self.reserve(c, event, std, n).status, 201, n)
            self.assertEqual(self.held(event), n)
        # The session's hold is all the address may have: others wait.
        r = self.reserve(self.client(), event, std, 1)
        self.assertEqual((r.status, r.json), (403, TOO_MANY))
        # A refused reservation keeps the session's hold as it was.
        cookie = c.cookies["sessionid"]
        other_types, other = self.show("session2", seats=50, max_per=8,
                                       max_held_per_client=8)
        self.assertEqual(self.reserve(self.client(), other, other_types["std"], 8).status,
                         201)
        r = self.reserve(c, other, other_types["std"], 1)
        self.assertEqual((r.status, r.json), (403, TOO_MANY))
        self.assertEqual(c.cookies["sessionid"], cookie)
        self.assertEqual(c.get("/session_payment_status/").json["status"], "RESERVED")
        self.assertEqual(self.held(event), 8)

    def test_lapsed_hold_taken_again_at_payment_counts(self):
        # A session's lapsed hold comes back at /start_payment/ as a new
        # hold: the address's cap applies, or a script could collect
        # lapsed sessions and take them all back at once.
        types, event = self.show("rehold", seats=50, max_per=4, max_held_per_client=8)
        std = types["std"]
        a = self.client()
        self.assertEqual(self.reserve(a, event, std, 4).status, 201)
        self.execute("UPDATE orders SET expires_at = strftime('%s','now') - 1"
                     " WHERE event_id = ?", event)
        self.assertEqual(self.reserve(self.client(), event, std, 4).status, 201)
        self.assertEqual(self.reserve(self.client(), event, std, 4).status, 201)
        r = self.start(a, "a@example.com")
        self.assertEqual((r.status, r.json), (403, TOO_MANY))
        row = self.query("SELECT status, payment_started, email, extensions FROM orders"
                         " WHERE event_id = ? ORDER BY id LIMIT 1", event)[0]
        self.assertEqual(tuple(row), ("expired", 0, None, 0))
        self.assertEqual(self.used(event), 8)
        self.assertEqual(self.query("SELECT count(*) AS n FROM payments p JOIN orders o"
                                    " ON o.id = p.order_id WHERE o.event_id = ?",
                                    event)[0]["n"], 0)
        # Once the address holds less, the same call takes it back.
        self.execute("UPDATE orders SET expires_at = strftime('%s','now') - 1"
                     " WHERE event_id = ? AND status = 'reserved'", event)
        self.stack.biljett("expire")
        r = self.start(a, "a@example.com")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.used(event), 4)

    # -- per e-mail address -----------------------------------------------------

    def test_email_cap_at_payment(self):
        types, event = self.show("email", seats=50, max_per=4, max_tickets_per_email=6)
        std = types["std"]
        a, b, c, d = (self.client() for _ in range(4))
        self.assertEqual(self.reserve(a, event, std, 4).status, 201)
        token = self.start(a, "Fan@Example.com").json
        # The same mailbox, another spelling: 4 + 4 > 6.
        self.assertEqual(self.reserve(b, event, std, 4).status, 201)
        r = self.start(b, "fan+2@example.COM")
        self.assertEqual((r.status, r.json), (403, TOO_MANY))
        row = self.query("SELECT email, email_key, payment_started, extensions FROM orders"
                         " WHERE event_id = ? ORDER BY id DESC LIMIT 1", event)[0]
        self.assertEqual(tuple(row), (None, None, 0, 0))
        self.assertEqual(self.query("SELECT count(*) AS n FROM payments p JOIN orders o"
                                    " ON o.id = p.order_id WHERE o.event_id = ?",
                                    event)[0]["n"], 1)
        # Another address pays for the same hold.
        self.assertEqual(self.start(b, "friend@example.com").status, 200)
        # 4 + 2 = 6 fits.
        self.assertEqual(self.reserve(c, event, std, 2).status, 201)
        self.assertEqual(self.start(c, "fan@example.com").status, 200)
        # Bought places count as well as held ones.
        self.swish.act(self.swish.request_by_token(token)["id"], "pay")
        self.assertEqual(a.get("/session_payment_status/").json["status"], "PAID")
        self.assertEqual(self.reserve(d, event, std, 1).status, 201)
        r = self.start(d, "FAN@example.com")
        self.assertEqual((r.status, r.json), (403, TOO_MANY))
        # The payment form says why, on the checkout page.
        token = self.csrf(d, "/checkout")
        r = d.post("/payment", form={"csrf": token, "email": "fan@example.com"},
                   headers={"Accept-Language": "en"})
        self.assertEqual(r.status, 422, r)
        self.assertIn(b"This e-mail address already has as many tickets", r.body)
        self.assertIn(b'value="fan@example.com"', r.body)

    # -- extensions ---------------------------------------------------------------

    def test_start_payment_extends_a_hold_at_most_twice(self):
        types, event = self.show("extend", seats=10, max_per=4)
        c = self.client()
        self.assertEqual(self.reserve(c, event, types["std"], 1).status, 201)
        soon = "UPDATE orders SET expires_at = strftime('%s','now') + 10 WHERE event_id = ?"
        tokens = []
        for n in (1, 2):
            self.execute(soon, event)
            before = self.expires_at(event)
            r = self.start(c, "ext@example.com")
            self.assertEqual(r.status, 200, r)
            tokens.append(r.json)
            self.assertGreaterEqual(self.expires_at(event), before + 250)
            self.assertEqual(self.query("SELECT extensions FROM orders WHERE event_id = ?",
                                        event)[0]["extensions"], n)
        # The third call still answers, within the hold, without pushing it.
        self.execute(soon, event)
        before = self.expires_at(event)
        r = self.start(c, "ext@example.com")
        self.assertEqual((r.status, r.json), (200, tokens[0]))
        self.assertEqual(tokens[1], tokens[0])
        self.assertEqual(self.expires_at(event), before)
        self.assertEqual(self.query("SELECT extensions FROM orders WHERE event_id = ?",
                                    event)[0]["extensions"], 2)
        # Lapsed with no extension left: the hold is over.
        self.execute("UPDATE orders SET expires_at = strftime('%s','now') - 1"
                     " WHERE event_id = ?", event)
        r = self.start(c, "ext@example.com")
        self.assertEqual((r.status, r.json), (408, "SessionExpired"))
        self.assertEqual(c.get("/session_payment_status/").json["status"],
                         "FAILED_EXPIRED_RESERVATION")

    # -- everyone else -----------------------------------------------------------

    def test_normal_buyer_is_unaffected(self):
        # Small caps, one buyer: reserve, pay, and buy again later.
        types, event = self.show("normal", seats=20, max_per=4, max_held_per_client=4,
                                 max_tickets_per_email=8, reservation_seconds=60)
        c = self.client()
        self.assertEqual(self.reserve(c, event, types["std"], 4).status, 201)
        r = self.start(c, "normal@example.com")
        self.assertEqual(r.status, 200, r)
        self.swish.act(self.swish.request_by_token(r.json)["id"], "pay")
        self.assertEqual(c.get("/session_payment_status/").json["status"], "PAID")
        # Paid places are not holds: the address may hold again.
        self.assertEqual(self.reserve(c, event, types["std"], 4).status, 201)
        r = self.start(c, "normal@example.com")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.used(event), 8)
