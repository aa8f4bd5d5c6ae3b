"""Seed 004's orders (GET|POST /api/orders/ and its actions) over the
real stack: every pricing kind, the service fee, holds and their end,
another user's order, idempotency, order numbers, free orders."""
import re
import time
import uuid

from support import all_at_once
from test_catalogue import CatalogueBase
from test_writer import stopped, writer_and_workers


class OrdersBase(CatalogueBase):
    extra_conf = {"test_payments": "on", "service_fee_percent": "5"}

    def simple_event(self, price="100.00", quantity=10, **fields):
        ev = self.event(title=f"Orderfest {uuid.uuid4().hex[:8]}", **fields)
        tt = self.ttype(ev, name="Ordinarie", price=price, total_quantity=quantity)
        self.publish(ev)
        return ev, tt

    def order(self, ev, items, who="buyer", status=201, **fields):
        body = {"event": ev["slug"], "items": items}
        body.update(fields)
        r = self.call("POST", "/api/orders/", body, who)
        self.assertEqual(r.status, status, r)
        return r.json

    def used(self, event_id):
        return self.query("SELECT sum(used) AS u FROM quotas WHERE event_id = ?",
                          event_id)[0]["u"]


class Create(OrdersBase):
    def test_simple_order_detail_and_fee(self):
        ev, tt = self.simple_event(price="99.90")
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 3}],
                       buyer_name="Ada Lovelace", buyer_phone="+46701234567",
                       notes="Rullstolsplats")
        self.assertRegex(o["order_number"], r"^OE-\d{8}-\d{4}$")
        self.assertEqual(o["id"], o["uid"])
        self.assertEqual(o["status"], "pending")
        self.assertEqual((o["subtotal"], o["service_fee"], o["total_amount"]),
                         ("299.70", "14.98", "314.68"))   # 5 % of it, half to even
        self.assertEqual(o["currency"], "SEK")
        self.assertEqual((o["buyer_email"], o["buyer_name"], o["buyer_phone"],
                          o["notes"]), ("buyer@example.com", "Ada Lovelace",
                                        "+46701234567", "Rullstolsplats"))
        self.assertEqual(o["payment_method"], "pending")
        self.assertEqual(o["total_tickets"], 3)
        self.assertFalse(o["is_paid"])
        self.assertEqual(len(o["items"]), 1)
        item = o["items"][0]
        self.assertEqual((item["ticket_type"], item["quantity"], item["unit_price"],
                          item["subtotal"], item["ticket_tier"]),
                         (tt["id"], 3, "99.90", "299.70", None))
        self.assertEqual(o["tickets"], [])
        self.assertEqual(self.used(ev["id"]), 2 * 3)   # event and type quotas
        # The hold lasts the event's hold time: 15 minutes by default.
        row = self.query("SELECT expires_at - created_at AS hold FROM orders"
                         " WHERE uid = ?", o["uid"])[0]
        self.assertEqual(row["hold"], 900)
        got = self.call("GET", f"/api/orders/{o['uid']}/", who="buyer")
        self.assertEqual(got.status, 200, got)
        self.assertEqual(got.json["order_number"], o["order_number"])

    def test_pricing_kinds(self):
        ev = self.event(pricing_type="tiered", title=f"Nivåer {uuid.uuid4().hex[:6]}")
        tt = self.ttype(ev, name="Festival", pricing_type="tiered")
        vip = self.variant("tiers", ticket_type=tt["id"], tier_number=1, name="VIP",
                           price=200, quantity=5)
        self.publish(ev)
        r = self.call("POST", "/api/orders/", {"event": ev["slug"], "items": [
            {"ticket_type_id": tt["id"], "quantity": 1}]}, "buyer")
        self.assert_error(r, 400, "VALIDATION_ERROR", "items[0]")
        self.assertIn("tier is required", r.json["field_errors"]["items[0]"][0])
        o = self.order(ev, [{"ticket_type_id": tt["id"], "ticket_tier_id": vip["id"],
                             "quantity": 2}])
        self.assertEqual((o["items"][0]["ticket_tier"], o["items"][0]["tier_name"],
                          o["subtotal"]), (vip["id"], "VIP", "400.00"))

        days = self.event(pricing_type="day_based", title=f"Dagar {uuid.uuid4().hex[:6]}")
        dt = self.ttype(days, name="Pass", pricing_type="day_based")
        d1 = self.variant("day-passes", ticket_type=dt["id"], day_number=1,
                          name="Fredag", date="2031-05-01", price=300, quantity=5)
        self.publish(days)
        # A tier id on a day-based type, or another type's day pass: refused.
        r = self.call("POST", "/api/orders/", {"event": days["slug"], "items": [
            {"ticket_type_id": dt["id"], "day_pass_id": d1["id"],
             "ticket_tier_id": vip["id"], "quantity": 1}]}, "buyer")
        self.assert_error(r, 400, "VALIDATION_ERROR", "items[0]")
        r = self.call("POST", "/api/orders/", {"event": days["slug"], "items": [
            {"ticket_type_id": tt["id"], "day_pass_id": d1["id"], "quantity": 1}]},
            "buyer")
        self.assert_error(r, 400, "VALIDATION_ERROR", "items[0]")
        o = self.order(days, [{"ticket_type_id": dt["id"], "day_pass_id": d1["id"],
                               "quantity": 1}])
        self.assertEqual((o["items"][0]["day_pass"], o["items"][0]["day_name"]),
                         (d1["id"], "Fredag"))

        grid = self.event(pricing_type="tier_and_day", title=f"Rutnät {uuid.uuid4().hex[:6]}")
        gt = self.ttype(grid, name="Pass", pricing_type="tier_and_day")
        cell = self.variant("day-tier-prices", ticket_type=gt["id"], day_number=1,
                            day_name="Dag 1", date="2031-05-01", tier_number=1,
                            tier_name="VIP", price=500, quantity=2)
        self.publish(grid)
        o = self.order(grid, [{"ticket_type_id": gt["id"],
                               "day_tier_price_id": cell["id"], "quantity": 2}])
        self.assertEqual(o["items"][0]["full_ticket_name"], "Pass - VIP - Dag 1")
        # The cell is sold out now.
        r = self.call("POST", "/api/orders/", {"event": grid["slug"], "items": [
            {"ticket_type_id": gt["id"], "day_tier_price_id": cell["id"],
             "quantity": 1}]}, "buyer")
        self.assert_error(r, 403, "OUT_OF_TICKETS")
        self.assertEqual(r.json["tickets_left"], 0)

    def test_bad_input(self):
        ev, tt = self.simple_event()
        for body, field in (({"items": [{"ticket_type_id": tt["id"], "quantity": 1}]},
                             "event"),
                            ({"event": ev["slug"]}, "items"),
                            ({"event": ev["slug"], "items": []}, "items"),
                            ({"event": ev["slug"], "items": [{"ticket_type_id": tt["id"],
                                                              "quantity": 0}]},
                             "items[0].quantity"),
                            ({"event": ev["slug"], "items": [{"quantity": 1}]},
                             "items[0].ticket_type_id"),
                            ({"event": ev["slug"], "buyer_email": "nej",
                              "items": [{"ticket_type_id": tt["id"], "quantity": 1}]},
                             "buyer_email"),
                            ({"event": 10 ** 30, "items": [
                                {"ticket_type_id": tt["id"], "quantity": 1}]}, "event")):
            r = self.call("POST", "/api/orders/", body, "buyer")
            self.assert_error(r, 400, "VALIDATION_ERROR", field)
        draft = self.event(title=f"Utkast {uuid.uuid4().hex[:6]}")
        r = self.call("POST", "/api/orders/", {"event": draft["slug"], "items": [
            {"ticket_type_id": tt["id"], "quantity": 1}]}, "buyer")
        self.assert_error(r, 400, "VALIDATION_ERROR", "event")
        # Nobody signed in: 401.  Nothing was written by any of these.
        r = self.call("POST", "/api/orders/", {"event": ev["slug"], "items": [
            {"ticket_type_id": tt["id"], "quantity": 1}]})
        self.assertEqual(r.status, 401, r)
        self.assertEqual(self.used(ev["id"]), 0)

    def test_event_by_id_and_order_numbers_are_gapless(self):
        ev, tt = self.simple_event(quantity=3)
        numbers = []
        for _ in range(2):
            numbers.append(self.order(ev, [{"ticket_type_id": tt["id"],
                                            "quantity": 1}], event=ev["id"])["order_number"])
        # A refused order takes no number.
        self.call("POST", "/api/orders/", {"event": ev["id"], "items": [
            {"ticket_type_id": tt["id"], "quantity": 5}]}, "buyer")
        numbers.append(self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 1}],
                                  event=ev["id"])["order_number"])
        seq = [int(n.rsplit("-", 1)[1]) for n in numbers]
        self.assertEqual(seq, list(range(seq[0], seq[0] + 3)))
        self.assertEqual(len({n[:11] for n in numbers}), 1)

    def test_concurrent_orders_never_oversell(self):
        ev, tt = self.simple_event(quantity=10)

        def buy(i):
            return self.call("POST", "/api/orders/", {"event": ev["slug"], "items": [
                {"ticket_type_id": tt["id"], "quantity": 1 + i % 2}]}, "buyer").status

        statuses = all_at_once(24, buy)
        self.assertTrue(set(statuses) <= {201, 403}, statuses)
        held = self.query("SELECT coalesce(sum(seats), 0) AS s FROM orders"
                          " WHERE event_id = ? AND status = 'reserved'", ev["id"])[0]["s"]
        self.assertEqual(held, 10)
        numbers = [r["order_number"] for r in self.query(
            "SELECT order_number FROM orders WHERE event_id = ?", ev["id"])]
        self.assertEqual(len(numbers), len(set(numbers)))


class Writer(OrdersBase):
    def test_an_order_is_made_by_the_writer(self):
        """POST /api/orders/ goes to orders' writer (lib/route.c): with
        every pool worker stopped an order is still made."""
        ev, tt = self.simple_event(quantity=5)
        writers, workers = writer_and_workers(self, "orders")
        self.assertEqual((len(writers), len(workers)), (1, 2))
        with stopped(workers):
            got = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 2}])
        self.assertEqual(got["status"], "pending")
        self.assertEqual(self.query("SELECT status FROM orders WHERE uid = ?",
                                    got["uid"])[0]["status"], "reserved")
        self.assertGreater(self.used(ev["id"]), 0)


class Reading(OrdersBase):
    def test_list_pending_confirmed_stats_and_others_orders(self):
        ev, tt = self.simple_event(price="50.00")
        a = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 1}])
        b = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 2}])
        r = self.call("POST", f"/api/orders/{b['uid']}/confirm_payment/",
                      {"payment_id": "test-1", "payment_method": "stripe"}, "buyer")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["order"]["status"], "confirmed")
        self.assertIn("deprecated", r.json["warning"])
        self.assertEqual(len(r.json["order"]["tickets"]), 2)
        lst = self.call("GET", "/api/orders/?page_size=1", who="buyer")
        self.assertEqual(lst.status, 200, lst)
        self.assertGreaterEqual(lst.json["count"], 2)
        self.assertEqual(len(lst.json["results"]), 1)
        self.assertIsNotNone(lst.json["next"])
        self.assertEqual(lst.json["results"][0]["uid"], b["uid"])   # newest first
        pend = self.call("GET", "/api/orders/pending/", who="buyer").json
        self.assertIn(a["uid"], [o["uid"] for o in pend])
        self.assertNotIn(b["uid"], [o["uid"] for o in pend])
        conf = self.call("GET", "/api/orders/confirmed/", who="buyer").json
        self.assertEqual([o["uid"] for o in conf if o["event"] == ev["id"]], [b["uid"]])
        stats = self.call("GET", "/api/orders/stats/", who="buyer").json
        self.assertEqual(set(stats), {"total_orders", "pending_orders", "confirmed_orders",
                                      "cancelled_orders", "total_spent", "total_tickets"})
        self.assertGreaterEqual(stats["confirmed_orders"], 1)
        mine = self.call("GET", "/api/orders/my_tickets/", who="buyer").json
        self.assertIn(b["order_number"], [i["order_number"] for i in mine])
        # Another user's order is a 404 everywhere; an admin sees it.
        for path, method in ((f"/api/orders/{b['uid']}/", "GET"),
                             (f"/api/orders/{a['uid']}/cancel/", "POST")):
            r = self.call(method, path, {} if method == "POST" else None, "org2")
            self.assert_error(r, 404, "ORDER_NOT_FOUND")
        self.assertEqual(self.call("GET", f"/api/orders/{b['uid']}/", who="admin").status,
                         200)
        self.assertNotIn(b["uid"], [o["uid"] for o in self.call(
            "GET", "/api/orders/", who="org2").json["results"]])
        self.assertIn(b["uid"], [o["uid"] for o in self.call(
            "GET", "/api/orders/?page_size=100", who="admin").json["results"]])
        self.assert_error(self.call("GET", "/api/orders/not-a-uid/", who="buyer"), 404,
                          "ORDER_NOT_FOUND")


class Ending(OrdersBase):
    def test_cancel_restores_stock_at_once(self):
        ev, tt = self.simple_event(quantity=2)
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 2}])
        r = self.call("POST", "/api/orders/", {"event": ev["slug"], "items": [
            {"ticket_type_id": tt["id"], "quantity": 1}]}, "buyer")
        self.assert_error(r, 403, "OUT_OF_TICKETS")
        r = self.call("POST", f"/api/orders/{o['uid']}/cancel/",
                      {"reason": "Ångrade mig"}, "buyer")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["message"], "Order cancelled successfully")
        self.assertEqual((r.json["order"]["status"], r.json["order"]["cancellation_reason"]),
                         ("cancelled", "Ångrade mig"))
        self.assertEqual(self.used(ev["id"]), 0)
        self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 2}])
        r = self.call("POST", f"/api/orders/{o['uid']}/cancel/", {}, "buyer")
        self.assert_error(r, 400, "ORDER_STATE")

    def test_confirmed_order_cannot_be_cancelled(self):
        ev, tt = self.simple_event()
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 1}])
        self.call("POST", f"/api/orders/{o['uid']}/confirm_payment/",
                  {"payment_id": "x", "payment_method": "stripe"}, "buyer")
        r = self.call("POST", f"/api/orders/{o['uid']}/cancel/", {}, "buyer")
        self.assert_error(r, 400, "ORDER_STATE")
        self.assertIn("refund", r.json["detail"])
        r = self.call("POST", f"/api/orders/{o['uid']}/confirm_payment/",
                      {"payment_id": "x", "payment_method": "stripe"}, "buyer")
        self.assert_error(r, 400, "ORDER_STATE")

    def test_cleanup_expired_is_for_admins(self):
        ev, tt = self.simple_event()
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 1}])
        self.assert_error(self.call("POST", "/api/orders/cleanup_expired/", {}, "buyer"),
                          403, "FORBIDDEN")
        self.execute("UPDATE orders SET expires_at = expires_at - 3600 WHERE uid = ?",
                     o["uid"])
        self.assertEqual(self.call("GET", f"/api/orders/{o['uid']}/", who="buyer")
                         .json["status"], "expired")
        r = self.call("POST", "/api/orders/cleanup_expired/", {}, "admin")
        self.assertEqual(r.status, 200, r)
        self.assertGreaterEqual(r.json["count"], 1)
        self.assertEqual(self.used(ev["id"]), 0)

    def test_free_order_is_confirmed_at_once(self):
        ev, tt = self.simple_event(price="0")
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 2}])
        self.assertEqual((o["status"], o["total_amount"], o["payment_method"]),
                         ("confirmed", "0.00", "free"))
        self.assertEqual(len(o["tickets"]), 2)
        rows = self.query("SELECT kind FROM outbox o JOIN orders r ON r.id = o.order_id"
                          " WHERE r.uid = ?", o["uid"])
        self.assertEqual([r["kind"] for r in rows], ["tickets"])


class Idempotency(OrdersBase):
    def test_same_key_same_answer_other_body_refused(self):
        ev, tt = self.simple_event(quantity=5)
        key = str(uuid.uuid4())
        body = {"event": ev["slug"], "items": [{"ticket_type_id": tt["id"], "quantity": 1}]}
        first = self.call("POST", "/api/orders/", body, "buyer",
                          headers={"Idempotency-Key": key})
        self.assertEqual(first.status, 201, first)
        again = self.call("POST", "/api/orders/", body, "buyer",
                          headers={"Idempotency-Key": key})
        self.assertEqual((again.status, again.json["uid"]), (201, first.json["uid"]))
        self.assertEqual(again.header("Idempotent-Replayed"), "true")
        self.assertEqual(self.used(ev["id"]), 2)   # one order, not two
        other = dict(body, notes="annat")
        r = self.call("POST", "/api/orders/", other, "buyer",
                      headers={"Idempotency-Key": key})
        self.assert_error(r, 422, "IDEMPOTENCY_KEY_REUSED")
        # Keys are per user: the same key is new to someone else.
        r = self.call("POST", "/api/orders/", body, "org2",
                      headers={"Idempotency-Key": key})
        self.assertEqual(r.status, 201, r)
        self.assertNotEqual(r.json["uid"], first.json["uid"])
        # A refused request keeps nothing: the key can be used again.
        k2 = str(uuid.uuid4())
        big = {"event": ev["slug"], "items": [{"ticket_type_id": tt["id"], "quantity": 4}]}
        r = self.call("POST", "/api/orders/", big, "buyer", headers={"Idempotency-Key": k2})
        self.assert_error(r, 403, "OUT_OF_TICKETS")
        r = self.call("POST", "/api/orders/", body, "buyer", headers={"Idempotency-Key": k2})
        self.assertEqual(r.status, 201, r)
        r = self.call("POST", "/api/orders/", body, "buyer",
                      headers={"Idempotency-Key": "x" * 256})
        self.assert_error(r, 400, "VALIDATION_ERROR", "Idempotency-Key")

    def test_racing_retries_make_one_order(self):
        ev, tt = self.simple_event(quantity=50)
        key = str(uuid.uuid4())
        body = {"event": ev["slug"], "items": [{"ticket_type_id": tt["id"], "quantity": 1}]}
        rs = all_at_once(12, lambda i: self.call("POST", "/api/orders/", body, "buyer",
                                                 headers={"Idempotency-Key": key}))
        self.assertTrue({r.status for r in rs} <= {201, 409}, [r.status for r in rs])
        self.assertEqual(len({r.json["uid"] for r in rs if r.status == 201}), 1)
        self.assertEqual(self.used(ev["id"]), 2)


class NoTestPayments(OrdersBase):
    extra_conf = {"test_payments": "off"}

    def test_confirm_payment_does_not_exist(self):
        ev, tt = self.simple_event()
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 1}])
        r = self.call("POST", f"/api/orders/{o['uid']}/confirm_payment/",
                      {"payment_id": "x", "payment_method": "stripe"}, "buyer")
        self.assertEqual(r.status, 404, r)
        # Not even a sign-in or a body tells that it could exist.
        for who, body in ((None, {}), ("buyer", {})):
            r = self.call("POST", f"/api/orders/{o['uid']}/confirm_payment/", body, who)
            self.assertEqual(r.status, 404, r)
        self.assertEqual(self.call("GET", f"/api/orders/{o['uid']}/", who="buyer")
                         .json["status"], "pending")
