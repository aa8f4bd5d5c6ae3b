"""Seed 000's payments (POST /api/payments, its webhook path, GET
/api/payments/{uuid}, POST /api/payments/{uuid}/refund) and free tickets
(POST /api/tickets) over the real stack, paying by card through
tests/sim/stripe_sim.py: the cart becomes an order on the order core."""
import hashlib
import hmac
import json
import time
import uuid

from test_products import ShopBase


class PaymentsBase(ShopBase):
    def fill(self, who, *lines):
        for pid, n in lines:
            r = self.call("PATCH", f"/api/cart/item/{pid}", {"quantity": n}, who)
            self.assertEqual(r.status, 200, r)

    def pay(self, who="buyer", status=201, **kw):
        r = self.call("POST", "/api/payments", kw.pop("body", {}), who, **kw)
        self.assertEqual(r.status, status, r)
        return r.json

    def poll(self, uid, who="buyer", status=200):
        r = self.call("GET", f"/api/payments/{uid}", who=who)
        self.assertEqual(r.status, status, r)
        return r.json

    def tickets_of(self, uid):
        return self.query("SELECT t.id, t.status FROM tickets t JOIN orders o"
                          " ON o.id = t.order_id WHERE o.uid = ? ORDER BY t.id", uid)

    def paid(self, who="buyer", price="100.00", sale=None, count=2):
        self.call("DELETE", "/api/cart/items", who=who)
        ev, tt, p = self.product(price=price, sale=sale)
        self.fill(who, (p["id"], count))
        j = self.pay(who)
        out = self.confirm(j["transaction_id"])
        self.assertEqual([d["status"] for d in out["deliveries"]], [200], out)
        return ev, p, j


class Paying(PaymentsBase):
    def test_cart_to_paid_order(self):
        self.call("DELETE", "/api/cart/items", who="buyer")
        ev, tt, p = self.product(price="100.00", sale="0.10")
        self.fill("buyer", (p["id"], 2))
        j = self.pay()
        # 2 x 100.00 less 10 % is 180.00; 5 % service fee on it: 189.00.
        self.assertEqual((j["status"], j["amount"], j["currency"]),
                         ("pending", "189.00", "SEK"))
        self.assertTrue(j["transaction_id"].startswith("pi_"))
        self.assertTrue(j["client_secret"].startswith(j["transaction_id"] + "_secret_"))
        self.assertEqual(j["publishable_key"], "pk_test_biljett_dev")
        self.assertRegex(j["order_number"], r"^OE-\d{8}-\d{4}$")
        o = self.call("GET", f"/api/orders/{j['uuid']}/", who="buyer").json
        self.assertEqual((o["subtotal"], o["discount_amount"], o["service_fee"],
                          o["total_amount"]), ("200.00", "20.00", "9.00", "189.00"))
        self.assertEqual(self.used(ev["id"]), 2 * 2)   # now it holds them
        # A double click: the same order and intent, one of each.
        again = self.pay()
        self.assertEqual((again["uuid"], again["client_secret"]),
                         (j["uuid"], j["client_secret"]))
        self.assertEqual(self.query("SELECT count(*) AS n FROM orders"
                                    " WHERE event_id = ?", ev["id"])[0]["n"], 1)
        intents = self.sim("GET", "/control/state")["payment_intents"]
        sent = self.by_id(intents, j["transaction_id"])
        self.assertEqual((sent["amount"], sent["currency"]), (18900, "sek"))
        self.assertEqual(self.poll(j["uuid"])["status"], "pending")
        out = self.confirm(j["transaction_id"])
        self.assertEqual([d["status"] for d in out["deliveries"]], [200], out)
        st = self.poll(j["uuid"])
        self.assertEqual((st["status"], st["order_status"], st["refunded_amount"]),
                         ("paid", "confirmed", "0.00"))
        self.assertIsNotNone(st["paid_at"])
        self.assertEqual([t["status"] for t in self.tickets_of(j["uuid"])],
                         ["valid", "valid"])
        # Paying again once paid, the cart unchanged: the same, paid order.
        again = self.pay()
        self.assertEqual((again["uuid"], again["status"], again["client_secret"]),
                         (j["uuid"], "paid", None))
        self.assertEqual(self.query("SELECT count(*) AS n FROM orders"
                                    " WHERE event_id = ?", ev["id"])[0]["n"], 1)
        # Admins see it too; anyone else: 404.
        self.assertEqual(self.poll(j["uuid"], who="admin")["status"], "paid")
        r = self.call("GET", f"/api/payments/{j['uuid']}", who="org2")
        self.assertEqual(r.status, 404, r)
        r = self.call("GET", f"/api/payments/{uuid.uuid4()}", who="buyer")
        self.assertEqual(r.status, 404, r)
        self.assertEqual(self.call("GET", f"/api/payments/{j['uuid']}").status, 401)
        # The cart is kept until the buyer empties it (as the seed says).
        self.assertEqual(self.call("DELETE", "/api/cart/items", who="buyer").status, 204)

    def test_changed_cart_makes_a_new_order_and_frees_the_old(self):
        self.call("DELETE", "/api/cart/items", who="buyer")
        ev, tt, p = self.product(price="10.00")
        self.fill("buyer", (p["id"], 1))
        first = self.pay()
        self.fill("buyer", (p["id"], 3))
        second = self.pay()
        self.assertNotEqual(first["uuid"], second["uuid"])
        self.assertEqual(second["amount"], "31.50")
        self.assertEqual(self.used(ev["id"]), 2 * 3)   # the first let go
        old = self.call("GET", f"/api/orders/{first['uuid']}/", who="buyer").json
        self.assertEqual(old["status"], "cancelled")

    def test_idempotency_key(self):
        self.call("DELETE", "/api/cart/items", who="buyer")
        _, _, p = self.product(price="10.00")
        self.fill("buyer", (p["id"], 1))
        key = str(uuid.uuid4())
        a = self.pay(headers={"Idempotency-Key": key})
        b = self.pay(headers={"Idempotency-Key": key})
        self.assertEqual(a, b)

    def test_refused_carts(self):
        self.call("DELETE", "/api/cart/items", who="org2")
        r = self.call("POST", "/api/payments", {}, "org2")
        self.assert_error(r, 422, "CART_EMPTY")
        r = self.call("POST", "/api/payments", {})
        self.assertEqual(r.status, 401, r)
        _, _, p = self.product(price="10.00", quantity=3)
        _, _, q = self.product(price="10.00")
        self.fill("org2", (p["id"], 2), (q["id"], 1))
        self.assert_error(self.call("POST", "/api/payments", {}, "org2"), 422,
                          "CART_MIXED_EVENTS")
        self.fill("org2", (q["id"], 0))
        r = self.call("POST", "/api/payments", {"payment_method": "paypal"}, "org2")
        self.assert_error(r, 422, "PAYMENT_METHOD_UNAVAILABLE")
        # Sold meanwhile: 2 wanted, 1 left.
        self.execute("UPDATE quotas SET used = used + 2 WHERE event_id ="
                     " (SELECT event_id FROM ticket_types WHERE id = ?)", p["id"])
        r = self.call("POST", "/api/payments", {}, "org2")
        self.assert_error(r, 409, "STOCK_UNAVAILABLE", f"cart_items.{p['id']}")
        self.assertEqual(self.query("SELECT count(*) AS n FROM orders o"
                                    " JOIN users u ON u.id = o.user_id"
                                    " WHERE u.email = 'org2@example.com'")[0]["n"], 0)
        # An event that takes no cards: nothing stays held.
        ev, _, s = self.product(price="10.00")
        self.execute("UPDATE events SET payment_providers = 'swish' WHERE id = ?",
                     ev["id"])
        self.fill("org2", (p["id"], 0), (s["id"], 1))
        r = self.call("POST", "/api/payments", {}, "org2")
        self.assert_error(r, 422, "PAYMENT_METHOD_UNAVAILABLE")
        self.assertEqual(self.used(ev["id"]), 0)

    def test_free_cart_is_paid_at_once(self):
        self.call("DELETE", "/api/cart/items", who="buyer")
        _, _, p = self.product(price="0")
        self.fill("buyer", (p["id"], 2))
        j = self.pay()
        self.assertEqual((j["status"], j["client_secret"], j["amount"]),
                         ("paid", None, "0.00"))
        self.assertEqual(len(self.tickets_of(j["uuid"])), 2)


class Webhook(PaymentsBase):
    def signed(self, body):
        t = str(int(time.time()))
        sig = hmac.new(b"whsec_biljett_dev", f"{t}.{body}".encode(),
                       hashlib.sha256).hexdigest()
        return {"Stripe-Signature": f"t={t},v1={sig}",
                "Content-Type": "application/json"}

    def test_webhook_at_seed_000s_path(self):
        self.call("DELETE", "/api/cart/items", who="buyer")
        _, _, p = self.product(price="50.00")
        self.fill("buyer", (p["id"], 1))
        j = self.pay()
        self.sim("POST", "/control/webhooks/hold")
        try:
            self.confirm(j["transaction_id"])
        finally:
            pass
        evs = self.sim("GET", "/control/events?type=payment_intent.succeeded"
                              f"&payment_intent={j['transaction_id']}")
        body = json.dumps(evs[0]["event"])
        # Forged: refused, nothing changes.
        bad = dict(self.signed(body))
        bad["Stripe-Signature"] = bad["Stripe-Signature"][:-4] + "0000"
        r = self.client().request("POST", "/api/payments/webhook", raw=body.encode(),
                                  headers=bad)
        self.assertIn(r.status, (400, 403), r)
        self.assertEqual(self.query("SELECT status FROM orders WHERE uid = ?",
                                    j["uuid"])[0]["status"], "reserved")
        r = self.client().request("POST", "/api/payments/webhook", raw=body.encode(),
                                  headers=self.signed(body))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.query("SELECT status FROM orders WHERE uid = ?",
                                    j["uuid"])[0]["status"], "paid")
        self.sim("POST", "/control/webhooks/release", {"order": "fifo"})


class Refunds(PaymentsBase):
    def refund(self, uid, body=None, who="admin", status=200):
        r = self.call("POST", f"/api/payments/{uid}/refund", body or {}, who)
        self.assertEqual(r.status, status, r)
        return r.json

    def test_full_refund_voids_every_ticket(self):
        _, _, j = self.paid()
        out = self.refund(j["uuid"])
        self.assertEqual((out["status"], out["refunded_amount"], out["refund_amount"],
                          out["refund_status"]), ("refunded", "210.00", "210.00",
                                                  "succeeded"))
        ts = self.tickets_of(j["uuid"])
        self.assertEqual(sorted(out["voided_tickets"]), [t["id"] for t in ts])
        self.assertEqual({t["status"] for t in ts}, {"refunded"})
        self.assertEqual(self.poll(j["uuid"])["status"], "refunded")
        self.assertEqual(self.stripe_holds(j["transaction_id"]), 0)

    def test_partial_refunds_with_and_without_tickets(self):
        _, _, j = self.paid(price="100.00", sale="0.10", count=3)
        ts = self.tickets_of(j["uuid"])
        # A ticket is worth 90.00 (its price less the sale): 80.00 is short.
        r = self.call("POST", f"/api/payments/{j['uuid']}/refund",
                      {"amount": "80.00", "ticket_ids": [ts[0]["id"]]}, "admin")
        self.assert_error(r, 400, "VALIDATION_ERROR", "ticket_ids")
        self.assertEqual([t["status"] for t in self.tickets_of(j["uuid"])],
                         ["valid"] * 3)
        out = self.refund(j["uuid"], {"amount": "90.00", "ticket_ids": [ts[0]["id"]]})
        self.assertEqual((out["status"], out["refunded_amount"], out["voided_tickets"]),
                         ("paid", "90.00", [ts[0]["id"]]))
        self.assertEqual([t["status"] for t in self.tickets_of(j["uuid"])],
                         ["refunded", "valid", "valid"])
        # A goodwill refund: no tickets named, none voided.
        out = self.refund(j["uuid"], {"amount": "10.00"})
        self.assertEqual((out["refunded_amount"], out["voided_tickets"]),
                         ("100.00", []))
        self.assertEqual([t["status"] for t in self.tickets_of(j["uuid"])],
                         ["refunded", "valid", "valid"])
        # A ticket already voided, or another order's: refused.
        r = self.call("POST", f"/api/payments/{j['uuid']}/refund",
                      {"amount": "90.00", "ticket_ids": [ts[0]["id"]]}, "admin")
        self.assert_error(r, 400, "VALIDATION_ERROR", "ticket_ids")
        self.assertEqual(self.stripe_holds(j["transaction_id"]), 28350 - 10000)

    def test_refund_roles_and_states(self):
        _, _, j = self.paid()
        r = self.call("POST", f"/api/payments/{j['uuid']}/refund", {}, "buyer")
        self.assertEqual(r.status, 403, r)
        r = self.call("POST", f"/api/payments/{j['uuid']}/refund", {})
        self.assertEqual(r.status, 401, r)
        r = self.call("POST", f"/api/payments/{uuid.uuid4()}/refund", {}, "admin")
        self.assert_error(r, 404, "PAYMENT_NOT_FOUND")
        r = self.call("POST", f"/api/payments/{j['uuid']}/refund",
                      {"amount": "1000.00"}, "admin")
        self.assert_error(r, 400, "VALIDATION_ERROR", "amount")
        # Not paid yet: nothing to refund.
        self.call("DELETE", "/api/cart/items", who="buyer")
        _, _, p = self.product(price="10.00")
        self.fill("buyer", (p["id"], 1))
        pending = self.pay()
        r = self.call("POST", f"/api/payments/{pending['uuid']}/refund", {}, "admin")
        self.assert_error(r, 400, "ORDER_STATE")


class FreeTickets(PaymentsBase):
    def test_free_tickets(self):
        _, _, free = self.product(price="0", name="Gratis")
        buyer = self.user_id("buyer@example.com")
        r = self.call("POST", "/api/tickets", {"user_id": buyer, "product_id": free["id"],
                                               "quantity": 2, "locale": "de"}, "admin")
        self.assertEqual(r.status, 201, r)
        o = r.json["order"]
        self.assertEqual((o["status"], o["total_amount"], len(o["tickets"]),
                          o["buyer_email"]), ("confirmed", "0.00", 2, "buyer@example.com"))
        self.assertEqual(self.query("SELECT locale FROM orders WHERE uid = ?",
                                    o["uid"])[0]["locale"], "de")
        self.assertEqual(self.query("SELECT count(*) AS n FROM outbox x JOIN orders o"
                                    " ON o.id = x.order_id WHERE o.uid = ?"
                                    " AND x.kind = 'tickets'", o["uid"])[0]["n"], 1)
        # The buyer for themselves; not for someone else.
        r = self.call("POST", "/api/tickets", {"user_id": buyer, "product_id": free["id"],
                                               "quantity": 1}, "buyer")
        self.assertEqual(r.status, 201, r)
        other = self.user_id("org2@example.com")
        r = self.call("POST", "/api/tickets", {"user_id": other, "product_id": free["id"],
                                               "quantity": 1}, "buyer")
        self.assertEqual(r.status, 404, r)
        r = self.call("POST", "/api/tickets", {"user_id": buyer, "product_id": free["id"],
                                               "quantity": 1})
        self.assertEqual(r.status, 401, r)
        # A priced product: 422; unknown ones 404; bad fields 400.
        _, _, priced = self.product(price="10.00")
        r = self.call("POST", "/api/tickets", {"user_id": buyer,
                                               "product_id": priced["id"],
                                               "quantity": 1}, "admin")
        self.assert_error(r, 422, "PRODUCT_NOT_FREE")
        r = self.call("POST", "/api/tickets", {"user_id": buyer, "product_id": 999999999,
                                               "quantity": 1}, "admin")
        self.assert_error(r, 404, "PRODUCT_NOT_FOUND")
        r = self.call("POST", "/api/tickets", {"user_id": 999999999,
                                               "product_id": free["id"],
                                               "quantity": 1}, "admin")
        self.assertEqual(r.status, 404, r)
        for body, field in (({"product_id": free["id"], "quantity": 1}, "user_id"),
                            ({"user_id": buyer, "product_id": free["id"],
                              "quantity": 0}, "quantity"),
                            ({"user_id": buyer, "product_id": free["id"],
                              "quantity": 1, "locale": "es"}, "locale")):
            r = self.call("POST", "/api/tickets", body, "admin")
            self.assert_error(r, 400, "VALIDATION_ERROR", field)
        # Seed 004's /api/tickets/... paths are still the tickets program's.
        self.assertEqual(self.call("GET", "/api/tickets/types/").status, 200)
