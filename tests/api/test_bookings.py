"""Seed 001's seat bookings (program bookings) over the real stack: POST
/api/bookings answers 202 and the card is charged on the server against
tests/sim/stripe_sim.py (confirmed -> CONFIRMED, declined -> FAILED with
the seats free), the booking, list and payment routes with another
user's booking a 404, cancelling with a refund per the event's policy,
the inventory, lapsed holds, a lost answer from Stripe taken up by
`biljett expire` without a second charge, the account aliases, and 50
concurrent bookings of overlapping seats: no seat sold twice."""
import time
import uuid

from flow import wait_for
from support import all_at_once
from test_stripe import StripeBase


class BookingBase(StripeBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        out = cls.stack.biljett("create-user", "buyer2@example.com", "customer")
        cls.tokens["buyer2@example.com"] = cls.token(
            "buyer2@example.com", out.strip().rsplit(" ", 1)[1])

    def seated(self, seats=10, price="150.00", start="2031-05-01T18:00:00+02:00",
               vip=0, **fields):
        """A published seated event: one row A of `seats` seats (the last
        `vip` of them in category VIP, priced 400.00), one simple ticket
        type per category.  Returns (event, ["seat_N", ...] in map order)."""
        rows = [{"label": "A", "seats": [
            {"number": str(i + 1)} | ({"category": "VIP"} if i >= seats - vip else {})
            for i in range(seats)]}]
        v = self.call("POST", "/api/venues/", {
            "name": f"Salong {uuid.uuid4().hex[:6]}", "address": "Torget 1",
            "city": "Lund", "country": "SE", "capacity": seats,
            "sections": [{"name": "Parkett", "category": "Parkett", "rows": rows}]},
            "org1")
        self.assertEqual(v.status, 201, v)
        body = dict(title=f"Sittning {uuid.uuid4().hex[:8]}", start_date=start,
                    total_capacity=seats, max_tickets_per_order=10)
        body.update(fields)
        body = {k: x for k, x in body.items() if x is not None}
        ev = self.event(**body)
        self.ttype(ev, name="Parkett", price=price, total_quantity=seats)
        if vip:
            self.ttype(ev, name="VIP", price="400.00", total_quantity=seats)
        r = self.call("PATCH", f"/api/events/{ev['slug']}/", {"venue": v.json["id"]},
                      "org1")
        self.assertEqual(r.status, 200, r)
        self.publish(ev)
        listing = self.call("GET", f"/api/events/{ev['slug']}/seats/").json
        return ev, [f"seat_{s['id']}" for s in listing["seats"]]

    def book(self, ev, seats, token="pm_card_visa", who="buyer", status=202):
        r = self.call("POST", "/api/bookings", {
            "eventId": ev["slug"], "seatIds": seats,
            "paymentMethod": {"type": "card", "token": token}}, who)
        self.assertEqual(r.status, status, r)
        return r.json

    def get(self, bid, who="buyer"):
        return self.call("GET", f"/api/bookings/{bid}", who=who)

    def settled(self, bid, who="buyer"):
        """The booking once its charge has an answer."""
        return wait_for(lambda: (lambda d: d if d["status"] != "PENDING" else None)(
            self.get(bid, who).json["data"]), what=f"{bid} settled")

    def inventory(self, ev):
        r = self.call("GET", f"/api/inventory/events/{ev['slug']}/seats")
        self.assertEqual(r.status, 200, r)
        return {s["id"]: s["status"] for s in r.json["data"]["seats"]}, r.json

    def assert_seed_error(self, r, status, code):
        self.assertEqual(r.status, status, r)
        err = r.json["error"]
        self.assertEqual(err["code"], code, r)
        self.assertIsInstance(err["message"], str)
        self.assertTrue(err["requestId"].startswith("req_"), r)
        return err

    def sold(self, ev):
        return self.query("SELECT count(*) AS n, count(DISTINCT t.seat_id) AS d"
                          " FROM tickets t WHERE t.event_id = ? AND t.status = 'valid'"
                          " AND t.seat_id IS NOT NULL", ev["id"])[0]


class Booking(BookingBase):
    def test_card_charged_on_the_server_confirms(self):
        ev, seats = self.seated(vip=2)
        j = self.book(ev, [seats[0], seats[-1]])
        self.assertEqual(set(j), {"data", "meta"})
        self.assertTrue(j["meta"]["requestId"].startswith("req_"))
        self.assertTrue(j["meta"]["timestamp"])
        d = j["data"]
        self.assertEqual(d["status"], "PENDING")
        self.assertRegex(d["bookingId"], r"^bkg_[0-9a-f-]{36}$")
        self.assertIn(f"GET /api/bookings/{d['bookingId']}", d["message"])
        b = self.settled(d["bookingId"])
        self.assertEqual(b["status"], "CONFIRMED", b)
        self.assertEqual((b["id"], b["eventId"], b["seatIds"], b["totalAmount"],
                          b["currency"]),
                         (d["bookingId"], ev["slug"], sorted([seats[0], seats[-1]]),
                          15000 + 40000, "SEK"))
        self.assertTrue(b["userId"].startswith("usr_"))
        self.assertTrue(b["paymentId"].startswith("pay_"))
        self.assertTrue(b["confirmedAt"])
        # Tickets name their seats; the inventory says sold.
        self.assertEqual(dict(self.sold(ev)), {"n": 2, "d": 2})
        inv, doc = self.inventory(ev)
        self.assertEqual((inv[seats[0]], inv[seats[-1]], inv[seats[1]]),
                         ("RESERVED", "RESERVED", "AVAILABLE"))
        self.assertEqual(doc["data"]["summary"],
                         {"total": 10, "available": 8, "locked": 0, "reserved": 2})
        first = next(s for s in doc["data"]["seats"] if s["id"] == seats[0])
        self.assertEqual((first["row"], first["number"], first["tier"], first["price"],
                          first["currency"]),
                         ("A", 1, "Parkett", 15000, "SEK"))
        vip = next(s for s in doc["data"]["seats"] if s["id"] == seats[-1])
        self.assertEqual((vip["tier"], vip["price"]), ("VIP", 40000))
        # The payment, as Stripe has it: one intent, confirmed on the server.
        p = self.call("GET", f"/api/payments/booking/{d['bookingId']}", who="buyer")
        self.assertEqual(p.status, 200, p)
        pay = p.json["data"]
        self.assertEqual((pay["id"], pay["bookingId"], pay["amount"], pay["currency"],
                          pay["status"]),
                         (b["paymentId"], d["bookingId"], 55000, "SEK", "SUCCESS"))
        self.assertTrue(pay["providerTransactionId"].startswith("ch_"))
        uid = d["bookingId"][4:]
        intents = [i for i in self.sim("GET", "/control/state")["payment_intents"]
                   if i["metadata"].get("order") == self.query(
                       "SELECT code FROM orders WHERE uid = ?", uid)[0]["code"]]
        self.assertEqual([(i["status"], i["amount"]) for i in intents],
                         [("succeeded", 55000)])
        # The ticket mail is queued like every paid order's; the card is
        # forgotten once answered.
        self.assertEqual(self.query(
            "SELECT count(*) AS n FROM outbox x JOIN orders o ON o.id = x.order_id"
            " WHERE o.uid = ? AND x.kind = 'tickets'", uid)[0]["n"], 1)
        self.assertIsNone(self.query(
            "SELECT b.payment_method FROM bookings b JOIN orders o ON o.id = b.order_id"
            " WHERE o.uid = ?", uid)[0]["payment_method"])

    def test_declined_card_fails_and_frees_the_seats(self):
        ev, seats = self.seated()
        for token in ("pm_card_chargeDeclined", "tok_chargeDeclinedInsufficientFunds"):
            bid = self.book(ev, seats[:3], token)["data"]["bookingId"]
            b = self.settled(bid)
            self.assertEqual(b["status"], "FAILED", b)
            inv, _ = self.inventory(ev)
            self.assertEqual([inv[s] for s in seats[:3]], ["AVAILABLE"] * 3)
            pay = self.call("GET", f"/api/payments/booking/{bid}", who="buyer").json
            self.assertEqual(pay["data"]["status"], "FAILED", pay)
            self.assertEqual(self.query(
                "SELECT error_code FROM payments p JOIN orders o ON o.id = p.order_id"
                " WHERE o.uid = ?", bid[4:])[0]["error_code"], "card_declined")
        # A card token that pays: the same seats, now sold.
        bid = self.book(ev, seats[:3], "tok_visa")["data"]["bookingId"]
        self.assertEqual(self.settled(bid)["status"], "CONFIRMED")
        self.assertEqual(dict(self.sold(ev)), {"n": 3, "d": 3})
        # No such card at Stripe: refused outright, failed, seats free.
        bid = self.book(ev, seats[3:4], "pm_card_nosuchthing")["data"]["bookingId"]
        self.assertEqual(self.settled(bid)["status"], "FAILED")
        self.assertEqual(self.inventory(ev)[0][seats[3]], "AVAILABLE")

    def test_a_taken_seat_is_a_conflict_at_once(self):
        ev, seats = self.seated()
        bid = self.book(ev, seats[:2])["data"]["bookingId"]
        before = self.query("SELECT count(*) AS n FROM orders")[0]["n"]
        # Held (pending) or sold: either way 409 before anything is written.
        r = self.call("POST", "/api/bookings", {
            "eventId": ev["slug"], "seatIds": [seats[1], seats[2]],
            "paymentMethod": {"type": "card", "token": "pm_card_visa"}}, "buyer2")
        self.assert_seed_error(r, 409, "SEAT_UNAVAILABLE")
        self.settled(bid)
        r = self.call("POST", "/api/bookings", {
            "eventId": ev["slug"], "seatIds": [seats[0]],
            "paymentMethod": {"type": "card", "token": "pm_card_visa"}}, "buyer2")
        self.assert_seed_error(r, 409, "SEAT_UNAVAILABLE")
        self.assertEqual(self.query("SELECT count(*) AS n FROM orders")[0]["n"], before)
        self.assertEqual(self.inventory(ev)[0][seats[2]], "AVAILABLE")

    def test_validation_and_documented_errors(self):
        ev, seats = self.seated()
        other, other_seats = self.seated(seats=2)
        good = {"eventId": ev["slug"], "seatIds": seats[:1],
                "paymentMethod": {"type": "card", "token": "pm_card_visa"}}
        for change, code, field in (
                ({"eventId": None}, "VALIDATION_ERROR", "eventId"),
                ({"seatIds": None}, "VALIDATION_ERROR", "seatIds"),
                ({"paymentMethod": None}, "VALIDATION_ERROR", "paymentMethod"),
                ({"seatIds": []}, "INVALID_SEAT_COUNT", None),
                ({"seatIds": seats + [other_seats[0]]}, "INVALID_SEAT_COUNT", None),
                ({"seatIds": ["A1"]}, "VALIDATION_ERROR", "seatIds"),
                ({"seatIds": [seats[0], seats[0]]}, "VALIDATION_ERROR", "seatIds"),
                ({"paymentMethod": {"type": "paypal", "token": "pm_card_visa"}},
                 "VALIDATION_ERROR", "paymentMethod"),
                ({"paymentMethod": {"type": "card", "token": "4242 4242"}},
                 "VALIDATION_ERROR", "paymentMethod.token")):
            body = {k: v for k, v in dict(good, **change).items() if v is not None}
            r = self.call("POST", "/api/bookings", body, "buyer")
            err = self.assert_seed_error(r, 400, code)
            if field:
                self.assertIn(field, err["details"], r)
        r = self.call("POST", "/api/bookings", dict(good, eventId="no-such-event"), "buyer")
        self.assert_seed_error(r, 404, "EVENT_NOT_FOUND")
        r = self.call("POST", "/api/bookings", dict(good, seatIds=other_seats[:1]), "buyer")
        self.assert_seed_error(r, 400, "SEAT_NOT_FOUND")
        # The numeric ids of GET /api/events/{slug}/seats/ are taken too.
        r = self.call("POST", "/api/bookings", dict(good, eventId=ev["id"],
                                                    seatIds=[int(seats[5][5:])]), "buyer")
        self.assertEqual(r.status, 202, r)
        # Signed out: 401 in the seed's shape.
        r = self.call("POST", "/api/bookings", good)
        self.assert_seed_error(r, 401, "UNAUTHORIZED")
        for path in ("/api/bookings/my", f"/api/bookings/bkg_{uuid.uuid4()}",
                     f"/api/payments/booking/bkg_{uuid.uuid4()}", "/api/users/me"):
            self.assert_seed_error(self.call("GET", path), 401, "UNAUTHORIZED")
        # An event that takes no cards: 422 at once.
        nocard, ns = self.seated(seats=2, payment_providers=["swish"])
        r = self.call("POST", "/api/bookings", dict(good, eventId=nocard["slug"],
                                                    seatIds=ns[:1]), "buyer")
        self.assert_seed_error(r, 422, "PAYMENT_METHOD_UNAVAILABLE")

    def test_reading_bookings_and_another_users(self):
        ev, seats = self.seated()
        mine = self.book(ev, seats[:1])["data"]["bookingId"]
        self.settled(mine)
        failed = self.book(ev, seats[1:2], "pm_card_chargeDeclined")["data"]["bookingId"]
        self.settled(failed)
        theirs = self.book(ev, seats[2:3], who="buyer2")["data"]["bookingId"]
        self.settled(theirs, "buyer2")
        # Another user's booking and its payment: 404, as if none.
        for path in (f"/api/bookings/{theirs}", f"/api/payments/booking/{theirs}"):
            err = self.assert_seed_error(self.call("GET", path, who="buyer"), 404,
                                         "BOOKING_NOT_FOUND")
            self.assertIn(theirs, err["message"])
        r = self.call("POST", f"/api/bookings/{theirs}/cancel", {}, "buyer")
        self.assert_seed_error(r, 404, "BOOKING_NOT_FOUND")
        # An admin reads anyone's, but only the owner cancels.
        self.assertEqual(self.get(theirs, "admin").json["data"]["status"], "CONFIRMED")
        self.assertEqual(self.call("GET", f"/api/payments/booking/{theirs}",
                                   who="admin").status, 200)
        r = self.call("POST", f"/api/bookings/{theirs}/cancel", {}, "admin")
        self.assert_seed_error(r, 404, "BOOKING_NOT_FOUND")
        # Not a booking id at all; the bare uid is not one either.
        for bad in ("42", theirs[4:], "bkg_x"):
            self.assert_seed_error(self.get(bad), 404, "BOOKING_NOT_FOUND")
        # The caller's own, newest first, filtered by the seed's words.
        r = self.call("GET", "/api/bookings/my", who="buyer")
        self.assertEqual(r.status, 200, r)
        ids = [b["id"] for b in r.json["data"]]
        self.assertIn(mine, ids)
        self.assertIn(failed, ids)
        self.assertNotIn(theirs, ids)
        self.assertLess(ids.index(failed), ids.index(mine))
        self.assertEqual(r.json["pagination"]["page"], 1)
        self.assertEqual(r.json["pagination"]["total"], len(ids))
        confirmed = self.call("GET", "/api/bookings/my?status=CONFIRMED", who="buyer").json
        self.assertIn(mine, [b["id"] for b in confirmed["data"]])
        self.assertNotIn(failed, [b["id"] for b in confirmed["data"]])
        self.assertTrue(all(b["status"] == "CONFIRMED" for b in confirmed["data"]))
        fails = self.call("GET", "/api/bookings/my?status=FAILED", who="buyer").json
        self.assertIn(failed, [b["id"] for b in fails["data"]])
        r = self.call("GET", "/api/bookings/my?status=SOLD", who="buyer")
        self.assertIn("status", self.assert_seed_error(r, 400, "VALIDATION_ERROR")["details"])
        far = self.call("GET", "/api/bookings/my?page=99", who="buyer").json
        self.assertEqual(far["data"], [])

    def test_inventory_of_unknown_event(self):
        r = self.call("GET", "/api/inventory/events/no-such-event/seats")
        self.assert_seed_error(r, 404, "EVENT_NOT_FOUND")


class Cancelling(BookingBase):
    def test_cancel_refunds_by_the_policy(self):
        ev, seats = self.seated(booking_refund_percent=50, booking_cancel_hours=48)
        self.assertEqual((ev["booking_refund_percent"], ev["booking_cancel_hours"]),
                         (50, 48))
        bid = self.book(ev, seats[:2])["data"]["bookingId"]
        self.assertEqual(self.settled(bid)["status"], "CONFIRMED")
        r = self.call("POST", f"/api/bookings/{bid}/cancel", {}, "buyer")
        self.assertEqual(r.status, 200, r)
        c = r.json["data"]
        self.assertEqual((c["bookingId"], c["status"], c["refundAmount"], c["currency"]),
                         (bid, "CANCELLED", 15000, "SEK"))
        self.assertTrue(c["cancelledAt"])
        self.assertEqual(self.get(bid).json["data"]["status"], "CANCELLED")
        # Seats free again, tickets stopped, the refund on the ledger and
        # at Stripe (sent by `biljett expire`, started by the cancel).
        inv, _ = self.inventory(ev)
        self.assertEqual([inv[s] for s in seats[:2]], ["AVAILABLE"] * 2)
        self.assertEqual(self.sold(ev)["n"], 0)
        uid = bid[4:]
        self.assertEqual(self.query(
            "SELECT sum(amount) AS s FROM ledger l JOIN orders o ON o.id = l.order_id"
            " WHERE o.uid = ? AND kind = 'refund'", uid)[0]["s"], -15000)
        self.stack.biljett("expire", check=False)
        pi = self.query("SELECT provider_ref FROM payments p JOIN orders o"
                        " ON o.id = p.order_id WHERE o.uid = ?", uid)[0]["provider_ref"]
        self.assertEqual(wait_for(lambda: self.stripe_holds(pi) == 15000 or None,
                                  what="the refund at Stripe"), True)
        # The seats sell again; a cancelled booking cannot be cancelled again.
        again = self.book(ev, seats[:1], who="buyer2")["data"]["bookingId"]
        self.assertEqual(self.settled(again, "buyer2")["status"], "CONFIRMED")
        r = self.call("POST", f"/api/bookings/{bid}/cancel", {}, "buyer")
        self.assert_seed_error(r, 422, "BOOKING_NOT_CANCELLABLE")

    def test_cancel_refuses_what_the_policy_does_not_allow(self):
        # A failed booking is not CONFIRMED.
        ev, seats = self.seated()
        bid = self.book(ev, seats[:1], "pm_card_chargeDeclined")["data"]["bookingId"]
        self.settled(bid)
        r = self.call("POST", f"/api/bookings/{bid}/cancel", {}, "buyer")
        self.assert_seed_error(r, 422, "BOOKING_NOT_CANCELLABLE")
        # Less than 24 hours (the default) before the event.
        soon = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() + 7200))
        ends = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() + 14400))
        ev, seats = self.seated(start=soon, end_date=ends)
        bid = self.book(ev, seats[:1])["data"]["bookingId"]
        self.assertEqual(self.settled(bid)["status"], "CONFIRMED")
        r = self.call("POST", f"/api/bookings/{bid}/cancel", {}, "buyer")
        self.assert_seed_error(r, 422, "CANCELLATION_WINDOW_EXPIRED")
        self.assertEqual(self.get(bid).json["data"]["status"], "CONFIRMED")
        # The policy's fields are checked like every event field.
        r = self.call("PATCH", f"/api/events/{ev['slug']}/",
                      {"booking_refund_percent": 101}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "booking_refund_percent")


class Recovery(BookingBase):
    def test_held_seats_lapse(self):
        ev, seats = self.seated()
        # Stripe unreachable: the booking stays PENDING, its seats LOCKED.
        self.sim("POST", "/control/fail-next", {"status": 0, "count": 1,
                                                "path_prefix": "/v1/payment_intents"})
        bid = self.book(ev, seats[:2])["data"]["bookingId"]
        uid = bid[4:]
        wait_for(lambda: self.query("SELECT count(*) AS n FROM payments p JOIN orders o"
                                    " ON o.id = p.order_id WHERE o.uid = ?",
                                    uid)[0]["n"] == 1, what="the charge tried")
        time.sleep(0.5)
        self.assertEqual(self.get(bid).json["data"]["status"], "PENDING")
        self.assertEqual(self.inventory(ev)[0][seats[0]], "LOCKED")
        pay = self.call("GET", f"/api/payments/booking/{bid}", who="buyer").json["data"]
        self.assertEqual((pay["status"], pay["amount"]), ("PENDING", 30000))
        # The hold lapses: the seats read free at once, before cron.
        self.execute("UPDATE orders SET expires_at = strftime('%s','now') - 1"
                     " WHERE uid = ?", uid)
        self.execute("UPDATE event_seats SET locked_until = strftime('%s','now') - 1"
                     " WHERE order_id = (SELECT id FROM orders WHERE uid = ?)", uid)
        self.assertEqual(self.get(bid).json["data"]["status"], "FAILED")
        self.assertEqual(self.inventory(ev)[0][seats[0]], "AVAILABLE")
        other = self.book(ev, seats[:1], who="buyer2")["data"]["bookingId"]
        self.assertEqual(self.settled(other, "buyer2")["status"], "CONFIRMED")
        # expire takes the first charge up again: Stripe now charges it,
        # but the seat is gone, so the money goes back; never two tickets.
        self.execute("UPDATE bookings SET created_at = created_at - 3600"
                     " WHERE order_id = (SELECT id FROM orders WHERE uid = ?)", uid)
        self.stack.biljett("expire", check=False)
        self.assertEqual(self.get(bid).json["data"]["status"], "FAILED")
        self.assertEqual(dict(self.sold(ev)), {"n": 1, "d": 1})
        pi = self.query("SELECT provider_ref FROM payments p JOIN orders o"
                        " ON o.id = p.order_id WHERE o.uid = ?", uid)[0]["provider_ref"]
        self.assertTrue(pi.startswith("pi_"), pi)
        self.assertEqual(wait_for(lambda: self.stripe_holds(pi) == 0 or None,
                                  what="the late charge refunded"), True)
        self.assertEqual(self.query("SELECT flag FROM orders WHERE uid = ?",
                                    uid)[0]["flag"], "late_payment_refunded")

    def test_lost_answer_is_taken_up_without_a_second_charge(self):
        ev, seats = self.seated()
        # Stripe charges the card but the answer never arrives.
        self.sim("POST", "/control/fail-next", {"status": 0, "count": 1, "when": "after",
                                                "path_prefix": "/v1/payment_intents"})
        bid = self.book(ev, seats[:2])["data"]["bookingId"]
        uid = bid[4:]
        wait_for(lambda: self.query("SELECT count(*) AS n FROM payments p JOIN orders o"
                                    " ON o.id = p.order_id WHERE o.uid = ?",
                                    uid)[0]["n"] == 1, what="the charge tried")
        code = self.query("SELECT code FROM orders WHERE uid = ?", uid)[0]["code"]
        # The webhook may confirm it meanwhile; expire makes sure either way.
        self.execute("UPDATE bookings SET created_at = created_at - 3600"
                     " WHERE order_id = (SELECT id FROM orders WHERE uid = ?)", uid)
        self.stack.biljett("expire", check=False)
        self.assertEqual(self.settled(bid)["status"], "CONFIRMED")
        intents = [i for i in self.sim("GET", "/control/state")["payment_intents"]
                   if i["metadata"].get("order") == code]
        self.assertEqual([i["status"] for i in intents], ["succeeded"])
        self.assertEqual(dict(self.sold(ev)), {"n": 2, "d": 2})


class Concurrency(BookingBase):
    def test_fifty_overlapping_bookings_sell_each_seat_once(self):
        ev, seats = self.seated(seats=20)

        def attempt(i):
            # Overlapping windows of three seats; every fifth card declines.
            pick = [seats[(i + k) % 20] for k in range(3)]
            token = "pm_card_chargeDeclined" if i % 5 == 0 else "pm_card_visa"
            who = "buyer" if i % 2 else "buyer2"
            r = self.call("POST", "/api/bookings", {
                "eventId": ev["slug"], "seatIds": pick,
                "paymentMethod": {"type": "card", "token": token}}, who)
            return r, who
        results = all_at_once(50, attempt)
        accepted = []
        for r, who in results:
            if r.status == 202:
                accepted.append((r.json["data"]["bookingId"], who))
            else:
                self.assert_seed_error(r, 409, "SEAT_UNAVAILABLE")
        self.assertTrue(accepted)
        final = [self.settled(bid, who) for bid, who in accepted]
        confirmed = [b for b in final if b["status"] == "CONFIRMED"]
        self.assertTrue(all(b["status"] in ("CONFIRMED", "FAILED") for b in final))
        taken = [s for b in confirmed for s in b["seatIds"]]
        self.assertEqual(len(taken), len(set(taken)))
        # The database and the inventory agree: each sold seat once.
        sold = self.sold(ev)
        self.assertEqual((sold["n"], sold["d"]), (len(taken), len(taken)))
        inv, doc = self.inventory(ev)
        self.assertEqual(sorted(s for s, st in inv.items() if st == "RESERVED"),
                         sorted(taken))
        self.assertEqual(doc["data"]["summary"]["locked"], 0)


class Accounts(BookingBase):
    def test_register_login_me(self):
        email = f"ny{uuid.uuid4().hex[:6]}@example.com"
        r = self.call("POST", "/api/users/register", {
            "name": "Alice Example", "email": email, "password": "Sju-bokst4ver-lang"})
        self.assertEqual(r.status, 201, r)
        u = r.json["data"]
        self.assertEqual((u["name"], u["email"], u["role"]),
                         ("Alice Example", email, "USER"))
        self.assertTrue(u["id"].startswith("usr_") and u["createdAt"])
        r = self.call("POST", "/api/users/register", {
            "name": "Alice Again", "email": email, "password": "Sju-bokst4ver-lang"})
        self.assert_seed_error(r, 409, "EMAIL_ALREADY_EXISTS")
        for body, field in (({"name": "A", "email": "a@example.com",
                              "password": "Sju-bokst4ver-lang"}, "name"),
                            ({"name": "Alice", "email": "nej",
                              "password": "Sju-bokst4ver-lang"}, "email"),
                            ({"name": "Alice", "email": "b@example.com",
                              "password": "password"}, "password")):
            err = self.assert_seed_error(self.call("POST", "/api/users/register", body),
                                         400, "VALIDATION_ERROR")
            self.assertIn(field, err["details"])
        # Signing in needs the address verified, as on /api/auth/.
        r = self.call("POST", "/api/users/login", {"email": email,
                                                   "password": "Sju-bokst4ver-lang"})
        self.assert_seed_error(r, 400, "EMAIL_NOT_VERIFIED")
        out = self.stack.biljett("create-user", "seed1@example.com", "customer")
        password = out.strip().rsplit(" ", 1)[1]
        r = self.call("POST", "/api/users/login", {"email": "seed1@example.com",
                                                   "password": "wrong-password-1"})
        self.assert_seed_error(r, 401, "INVALID_CREDENTIALS")
        r = self.call("POST", "/api/users/login", {"email": "seed1@example.com",
                                                   "password": password})
        self.assertEqual(r.status, 200, r)
        j = r.json["data"]
        self.assertTrue(j["token"] and j["expiresAt"])
        self.assertEqual((j["user"]["email"], j["user"]["role"]),
                         ("seed1@example.com", "USER"))
        me = self.client().get("/api/users/me",
                               headers={"Authorization": f"Bearer {j['token']}"})
        self.assertEqual(me.status, 200, me)
        self.assertEqual((me.json["data"]["id"], me.json["data"]["email"]),
                         (j["user"]["id"], "seed1@example.com"))
        self.assertEqual(self.call("GET", "/api/users/me", who="admin"
                                   ).json["data"]["role"], "ADMIN")
