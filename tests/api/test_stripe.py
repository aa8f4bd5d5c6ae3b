"""Card payments of seed 004's orders through Stripe, on its wire protocol
against tests/sim/stripe_sim.py: payment intents, the signed webhook
(forged, stale, replayed, out of order, lying), lost webhooks found
again, refunds full and partial, and the ledger against what Stripe
holds."""
import json
import time

from flow import (decode_qr, mails_to, organizer_pages_client, png_parts, ticket_code_of,
                  wait_for)
import urllib.request
import uuid

from test_orders import OrdersBase


class StripeBase(OrdersBase):
    def sim(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.stack.stripe_control_url + path, data=data,
                                     method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")

    def intent(self, order, who="buyer", status=200, **kw):
        r = self.call("POST", f"/api/orders/{order['uid']}/create-payment-intent/",
                      {}, who, **kw)
        self.assertEqual(r.status, status, r)
        return r.json

    def confirm(self, pi, card="pm_card_visa"):
        return self.sim("POST", f"/control/payment_intents/{pi}/confirm?sync=1",
                        {"payment_method": card})

    def status(self, order, who="buyer"):
        return self.call("GET", f"/api/orders/{order['uid']}/", who=who).json

    def paid_order(self, price="100.00", quantity=10, count=2):
        ev, tt = self.simple_event(price=price, quantity=quantity)
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": count}])
        pi = self.intent(o)["payment_intent"]["payment_intent_id"]
        out = self.confirm(pi)
        self.assertEqual([d["status"] for d in out["deliveries"]], [200], out)
        return ev, tt, o, pi

    def net(self, order):
        return self.query("SELECT coalesce(sum(amount), 0) AS n FROM ledger l"
                          " JOIN orders o ON o.id = l.order_id WHERE o.uid = ?"
                          " AND l.kind <> 'fee'", order["uid"])[0]["n"]

    def stripe_holds(self, pi):
        """What Stripe holds for the payment intent: received - refunded."""
        state = self.sim("GET", "/control/state")
        intent = self.by_id(state["payment_intents"], pi)
        charge = self.by_id(state["charges"], intent.get("latest_charge"))
        return intent["amount_received"] - (charge or {}).get("amount_refunded", 0)

    @staticmethod
    def by_id(objects, oid):
        return next((o for o in objects if o["id"] == oid), None)


class Paying(StripeBase):
    def test_card_payment_end_to_end(self):
        ev, tt = self.simple_event(price="120.00")
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 2}])
        j = self.intent(o)
        self.assertTrue(j["success"])
        pi = j["payment_intent"]
        self.assertTrue(pi["payment_intent_id"].startswith("pi_"))
        self.assertTrue(pi["client_secret"].startswith(pi["payment_intent_id"] + "_secret_"))
        self.assertEqual((pi["amount"], pi["currency"]), (25200, "sek"))   # 240 + 5 %
        self.assertEqual(j["publishable_key"], "pk_test_biljett_dev")
        self.assertEqual(self.status(o)["status"], "processing")
        # Asking again gives the same intent, and Stripe saw one create.
        again = self.intent(o)["payment_intent"]
        self.assertEqual(again["payment_intent_id"], pi["payment_intent_id"])
        intents = self.sim("GET", "/control/state")["payment_intents"]
        sent = self.by_id(intents, pi["payment_intent_id"])
        self.assertEqual((sent["amount"], sent["currency"]), (25200, "sek"))
        same = [i for i in intents if i["metadata"] == sent["metadata"]]
        self.assertEqual(len(same), 1)
        out = self.confirm(pi["payment_intent_id"])
        self.assertEqual([d["status"] for d in out["deliveries"]], [200], out)
        got = self.status(o)
        self.assertEqual((got["status"], got["payment_method"], got["payment_id"]),
                         ("confirmed", "stripe", pi["payment_intent_id"]))
        self.assertEqual(len(got["tickets"]), 2)
        ps = self.call("GET", f"/api/orders/{o['uid']}/payment-status/", who="buyer").json
        self.assertEqual((ps["order_status"], ps["payment_status"], ps["amount"],
                          ps["currency"], ps["order_number"]),
                         ("confirmed", "succeeded", 252.0, "sek", o["order_number"]))
        self.assertEqual(self.net(o), 25200)
        self.assertEqual(self.stripe_holds(pi["payment_intent_id"]), 25200)
        fee = self.query("SELECT amount FROM ledger l JOIN orders o ON o.id = l.order_id"
                         " WHERE o.uid = ? AND kind = 'fee'", o["uid"])
        self.assertEqual([r["amount"] for r in fee], [1200])
        mail = self.query("SELECT count(*) AS n FROM outbox x JOIN orders o"
                          " ON o.id = x.order_id WHERE o.uid = ? AND kind = 'tickets'",
                          o["uid"])[0]["n"]
        self.assertEqual(mail, 1)
        # The ticket mail: a receipt with the order number and the fee,
        # and a QR code per ticket that reads as its code.
        self.stack.biljett("mail")
        msg = wait_for(lambda: mails_to(self.stack.mail_dir, "buyer@example.com"),
                       what="the ticket mail")[-1]
        text = msg.get_body(("plain",)).get_content()
        self.assertIn(o["order_number"], text)
        self.assertIn("serviceavgift: 12.00 kr", text)
        codes = sorted(ticket_code_of(self.stack.db_path, decode_qr(p.get_content()))
                       for p in png_parts(msg))
        self.assertEqual(codes, sorted(t["ticket_number"] for t in got["tickets"]))
        # Paid: no second intent, no cancel.
        self.assertEqual(self.intent(o, status=400)["code"], "ORDER_STATE")

    def test_only_the_buyer_pays_and_roles(self):
        ev, tt = self.simple_event()
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 1}])
        self.assertEqual(self.intent(o, who="org2", status=404)["code"], "ORDER_NOT_FOUND")
        r = self.call("GET", f"/api/orders/{o['uid']}/payment-status/", who="buyer")
        self.assert_error(r, 404, "PAYMENT_NOT_FOUND")
        r = self.call("POST", f"/api/orders/{o['uid']}/create-payment-intent/", {})
        self.assertEqual(r.status, 401, r)

    def test_event_without_cards(self):
        ev, tt = self.simple_event()
        self.execute("UPDATE events SET payment_providers = 'swish' WHERE id = ?", ev["id"])
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 1}])
        self.assertEqual(self.intent(o, status=422)["code"], "PAYMENT_METHOD_UNAVAILABLE")

    def test_event_without_swish(self):
        ev, tt = self.simple_event()
        self.execute("UPDATE events SET payment_providers = 'stripe' WHERE id = ?", ev["id"])
        c = self.client()
        r = self.reserve(ev["id"], [(tt["id"], 1)], client=c)
        self.assertEqual(r.status, 201, r)
        r = c.post("/start_payment/", {"email_address": "svisch@example.com"})
        self.assertEqual((r.status, r.json["code"]), (422, "PAYMENT_METHOD_UNAVAILABLE"), r)
        self.assertEqual(self.query("SELECT count(*) AS n FROM payments p JOIN orders o"
                                    " ON o.id = p.order_id WHERE o.event_id = ?",
                                    ev["id"])[0]["n"], 0)

    def test_declined_card_fails_the_order(self):
        ev, tt = self.simple_event(quantity=2)
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 2}])
        pi = self.intent(o)["payment_intent"]["payment_intent_id"]
        out = self.confirm(pi, "pm_card_chargeDeclined")
        self.assertEqual([d["status"] for d in out["deliveries"]], [200], out)
        self.assertEqual(self.status(o)["status"], "failed")
        self.assertEqual(self.used(ev["id"]), 0)
        self.assertEqual(self.net(o), 0)

    def test_stripe_down_gives_502_and_a_retry_works(self):
        ev, tt = self.simple_event()
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 1}])
        self.sim("POST", "/control/fail-next", {"status": 500, "count": 1,
                                                "path_prefix": "/v1/payment_intents"})
        self.assertEqual(self.intent(o, status=502)["code"], "PAYMENT_START_FAILED")
        self.assertEqual(self.status(o)["status"], "pending")
        self.assertTrue(self.intent(o)["payment_intent"]["payment_intent_id"].startswith("pi_"))


class Webhooks(StripeBase):
    def pending_intent(self):
        ev, tt = self.simple_event()
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 1}])
        return o, self.intent(o)["payment_intent"]["payment_intent_id"]

    def test_forged_stale_and_unsigned_change_nothing(self):
        o, pi = self.pending_intent()
        seen = self.query("SELECT count(*) AS n FROM provider_events")[0]["n"]
        for extra in ({"secret": "whsec_someone_else"}, {"timestamp_offset": -400},
                      {"timestamp_offset": 400},
                      {"signature_header": "t=1,v0=abc"}):
            out = self.sim("POST", "/control/send", dict(
                {"type": "payment_intent.succeeded", "payment_intent": pi}, **extra))
            self.assertEqual(out["status"], 403, (extra, out))
        r = self.client().request("POST", "/api/webhooks/stripe/",
                                  body={"id": "evt_x", "type": "payment_intent.succeeded"})
        self.assertIn(r.status, (400, 403), r)
        self.assertEqual(self.status(o)["status"], "processing")
        self.assertEqual(self.query("SELECT count(*) AS n FROM provider_events")[0]["n"],
                         seen)

    def test_a_claim_is_never_applied(self):
        # "succeeded" for an intent Stripe says is still unpaid.
        o, pi = self.pending_intent()
        out = self.sim("POST", "/control/send", {"type": "payment_intent.succeeded",
                                                 "object": {"id": pi, "object": "payment_intent",
                                                            "status": "succeeded",
                                                            "amount": 1, "currency": "sek"}})
        self.assertEqual(out["status"], 200, out)
        self.assertEqual(self.status(o)["status"], "processing")

    def test_duplicates_and_out_of_order(self):
        o, pi = self.pending_intent()
        self.sim("POST", "/control/webhooks/hold")
        self.confirm(pi)
        self.sim("POST", "/control/send", {"type": "payment_intent.payment_failed",
                                           "payment_intent": pi})
        rel = self.sim("POST", "/control/webhooks/release", {"order": "reverse"})
        self.assertTrue(all(d["status"] == 200 for d in rel["delivered"]), rel)
        self.assertEqual(self.status(o)["status"], "confirmed")
        evs = self.sim("GET", f"/control/events?type=payment_intent.succeeded"
                              f"&payment_intent={pi}")
        again = self.sim("POST", f"/control/events/{evs[0]['event']['id']}/resend")
        self.assertEqual(again["status"], 200, again)
        self.assertEqual(len(self.status(o)["tickets"]), 1)
        self.assertEqual(self.net(o), self.stripe_holds(pi))

    def test_unknown_intent_and_other_types_are_acknowledged(self):
        out = self.sim("POST", "/control/send", {"type": "payment_intent.succeeded",
                                                 "object": {"id": "pi_notours",
                                                            "object": "payment_intent",
                                                            "status": "succeeded"}})
        self.assertEqual(out["status"], 200, out)
        out = self.sim("POST", "/control/send", {"type": "customer.created",
                                                 "object": {"id": "cus_1",
                                                            "object": "customer"}})
        self.assertEqual(out["status"], 200, out)

    def test_amount_mismatch_is_not_confirmed(self):
        o, pi = self.pending_intent()
        self.execute("UPDATE payments SET amount = amount + 100 WHERE provider_ref = ?", pi)
        self.confirm(pi)
        self.assertEqual(self.status(o)["status"], "processing")
        rows = self.query("SELECT outcome FROM provider_events WHERE provider = 'stripe'")
        self.assertIn("rejected: amount mismatch", [r["outcome"] for r in rows])

    def test_lost_webhook_found_by_payment_status_and_by_expire(self):
        o, pi = self.pending_intent()
        self.sim("POST", "/control/webhooks/hold")
        self.confirm(pi)
        ps = self.call("GET", f"/api/orders/{o['uid']}/payment-status/", who="buyer").json
        self.assertEqual((ps["order_status"], ps["payment_status"]), ("confirmed", "succeeded"))
        o2, pi2 = self.pending_intent()
        self.confirm(pi2)
        self.execute("UPDATE payments SET created_at = created_at - 3600"
                     " WHERE provider_ref = ?", pi2)
        self.stack.biljett("expire")
        self.assertEqual(self.status(o2)["status"], "confirmed")
        self.sim("POST", "/control/webhooks/release", {"order": "fifo"})
        self.assertEqual(len(self.status(o)["tickets"]), 1)


class Refunds(StripeBase):
    def test_partial_then_full(self):
        ev, tt, o, pi = self.paid_order(price="100.00", count=2)   # 210.00 paid
        r = self.call("POST", f"/api/orders/{o['uid']}/refund/",
                      {"amount": "50.00", "reason": "Ett kort över"}, "buyer")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["success"], r.json["amount"], r.json["currency"],
                          r.json["status"]), (True, 50.0, "sek", "succeeded"))
        got = self.status(o)
        self.assertEqual((got["status"], got["refunded_amount"]),
                         ("partially_refunded", "50.00"))
        self.assertEqual({t["status"] for t in got["tickets"]}, {"valid"})
        self.assertEqual(self.stripe_holds(pi), 16000)
        # Each refund is a row with Stripe's id for it and its status.
        rows = self.query("SELECT r.provider_refund_id AS id, r.status, r.amount"
                          " FROM refunds r JOIN payments p ON p.id = r.payment_id"
                          " WHERE p.provider_ref = ?", pi)
        at_stripe = [x for x in self.sim("GET", "/control/state")["refunds"]
                     if x["payment_intent"] == pi]
        self.assertEqual([(r["id"], r["status"], r["amount"]) for r in rows],
                         [(at_stripe[0]["id"], "paid", 5000)])
        r = self.call("POST", f"/api/orders/{o['uid']}/refund/", {"amount": "170"}, "buyer")
        self.assert_error(r, 400, "VALIDATION_ERROR", "amount")
        r = self.call("POST", f"/api/orders/{o['uid']}/refund/", {}, "buyer")
        self.assertEqual((r.status, r.json["amount"]), (200, 160.0), r)
        got = self.status(o)
        self.assertEqual((got["status"], got["refunded_amount"]), ("refunded", "210.00"))
        self.assertEqual({t["status"] for t in got["tickets"]}, {"refunded"})
        self.assertEqual(self.used(ev["id"]), 0)
        self.assertEqual(self.net(o), 0)
        self.assertEqual(self.stripe_holds(pi), 0)
        r = self.call("POST", f"/api/orders/{o['uid']}/refund/", {}, "buyer")
        self.assert_error(r, 400, "ORDER_STATE")

    def test_who_may_refund(self):
        ev, tt, o, pi = self.paid_order()
        r = self.call("POST", f"/api/orders/{o['uid']}/refund/", {"amount": "1"}, "org2")
        self.assert_error(r, 404, "ORDER_NOT_FOUND")
        r = self.call("POST", f"/api/orders/{o['uid']}/refund/", {"amount": "1"}, "org1")
        self.assertEqual(r.status, 200, r)   # the event's organizer
        r = self.call("POST", f"/api/orders/{o['uid']}/refund/", {"amount": "1"}, "admin")
        self.assertEqual(r.status, 200, r)
        pending = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 1}])
        r = self.call("POST", f"/api/orders/{pending['uid']}/refund/", {}, "buyer")
        self.assert_error(r, 400, "ORDER_STATE")

    def test_failed_refund_is_retried_once_by_expire(self):
        ev, tt, o, pi = self.paid_order()
        self.sim("POST", "/control/fail-next", {"status": 500, "count": 1,
                                                "path_prefix": "/v1/refunds"})
        key = str(uuid.uuid4())
        r = self.call("POST", f"/api/orders/{o['uid']}/refund/", {}, "buyer",
                      headers={"Idempotency-Key": key})
        self.assertEqual((r.status, r.json["status"]), (200, "pending"), r)
        # A retry of the request is the same answer, not a second refund.
        again = self.call("POST", f"/api/orders/{o['uid']}/refund/", {}, "buyer",
                          headers={"Idempotency-Key": key})
        self.assertEqual(again.json["refund_id"], r.json["refund_id"])
        self.stack.biljett("expire")
        self.stack.biljett("expire")
        refunds = [x for x in self.sim("GET", "/control/state")["refunds"]
                   if x["payment_intent"] == pi]
        self.assertEqual(len(refunds), 1, refunds)
        self.assertEqual(self.stripe_holds(pi), 0)
        self.assertEqual(self.net(o), 0)


class Late(StripeBase):
    def lapse(self, order):
        self.execute("UPDATE orders SET expires_at = expires_at - 7200 WHERE uid = ?",
                     order["uid"])

    def test_late_card_payment_honoured_while_seats_remain(self):
        ev, tt = self.simple_event(quantity=3)
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 2}])
        pi = self.intent(o)["payment_intent"]["payment_intent_id"]
        self.lapse(o)
        self.call("POST", "/api/orders/cleanup_expired/", {}, "admin")
        self.assertEqual(self.status(o)["status"], "expired")
        self.confirm(pi)
        got = self.status(o)
        self.assertEqual((got["status"], len(got["tickets"])), ("confirmed", 2))
        flag = self.query("SELECT flag FROM orders WHERE uid = ?", o["uid"])[0]["flag"]
        self.assertEqual(flag, "late_payment_honoured")
        self.assertEqual(self.net(o), self.stripe_holds(pi))

    def test_late_card_payment_refunded_when_sold_out(self):
        ev, tt = self.simple_event(quantity=2)
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 2}])
        pi = self.intent(o)["payment_intent"]["payment_intent_id"]
        self.lapse(o)
        # Someone else takes the places the lapsed hold let go of.
        self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 2}], who="org2")
        self.confirm(pi)
        row = self.query("SELECT status, flag FROM orders WHERE uid = ?", o["uid"])[0]
        self.assertEqual((row["status"], row["flag"]), ("expired", "late_payment_refunded"))
        self.assertEqual(self.stripe_holds(pi), 0)     # refunded at Stripe
        self.assertEqual(self.net(o), 0)               # charge + refund
        self.assertEqual(self.used(ev["id"]), 4)       # the other order's, twice



class BackOffice(StripeBase):
    """The organizer refunds from the back-office pages."""
    PASSWORD = "hemligt-lösenord-2"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stack.biljett("create-user", "boss@example.com", "organizer",
                          "--password", cls.PASSWORD)
        cls.tokens["boss@example.com"] = cls.token("boss@example.com", cls.PASSWORD)

    def signed_in(self):
        return organizer_pages_client(self, "boss@example.com", self.PASSWORD)

    def test_orders_page_and_refunds(self):
        ev = self.event(who="boss", title=f"Kontorsfest {uuid.uuid4().hex[:6]}")
        tt = self.ttype(ev, who="boss", name="Ordinarie", price="100.00", total_quantity=10)
        self.publish(ev, who="boss")
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 2}])
        pi = self.intent(o)["payment_intent"]["payment_intent_id"]
        self.confirm(pi)
        c = self.signed_in()
        page = c.get(f"/organizer/events/{ev['id']}/orders", headers={"Accept-Language": "en"})
        self.assertEqual(page.status, 200, page)
        body = page.body.decode()
        self.assertIn(o["order_number"], body)
        self.assertIn("Paid", body)
        action = f"/organizer/events/{ev['id']}/orders/{o['uid']}/refund"
        self.assertIn(action, body)
        # A bad amount, then too much: said on the page, nothing written.
        for amount, status in (("tio", 400), ("999", 400)):
            r = c.post(action, form={"amount": amount, "csrf": c.cookies["csrftoken"]})
            self.assertEqual(r.status, status, r)
        self.assertEqual(self.status(o)["refunded_amount"], "0.00")
        # Without the form's token: refused.
        r = c.post(action, form={"amount": "10"})
        self.assertEqual(r.status, 403, r)
        r = c.post(action, form={"amount": "60", "csrf": c.cookies["csrftoken"]})
        self.assertEqual((r.status, r.header("Location")),
                         (303, f"/organizer/events/{ev['id']}/orders?done=refunded"), r)
        got = self.status(o)
        self.assertEqual((got["status"], got["refunded_amount"]), ("partially_refunded", "60.00"))
        # The refund is sent by `biljett expire` (started by the page, and
        # by the timer); once more here so the test does not wait.
        self.stack.biljett("expire")
        wait_for(lambda: self.stripe_holds(pi) == 21000 - 6000, what="the refund at Stripe")
        self.assertEqual(self.net(o), self.stripe_holds(pi))
        # Another organizer sees neither the page nor the order.
        other = self.client()
        self.assertEqual(self.call("GET", f"/api/orders/{o['uid']}/", who="org2").status, 404)
        r = other.get(f"/organizer/events/{ev['id']}/orders")
        self.assertIn(r.status, (303, 401), r)


class DiedHalfway(StripeBase):
    """A worker killed between recording a step and finishing it."""

    def test_payment_recorded_but_never_created_is_started_again(self):
        ev, tt = self.simple_event()
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 1}])
        oid = self.query("SELECT id FROM orders WHERE uid = ?", o["uid"])[0]["id"]
        self.execute("INSERT INTO payments (order_id, provider, provider_ref, status, amount,"
                     " currency, created_at, updated_at) VALUES (?, 'stripe',"
                     " 'half-made', 'created', 10500, 'SEK', strftime('%s','now'),"
                     " strftime('%s','now'))", oid)
        # Still being created, as far as anyone can tell: busy.
        self.assertEqual(self.intent(o, status=503)["code"], "BUSY")
        # Long after any request would have finished: given up, made anew.
        self.execute("UPDATE payments SET created_at = created_at - 600"
                     " WHERE provider_ref = 'half-made'")
        pi = self.intent(o)["payment_intent"]["payment_intent_id"]
        self.assertTrue(pi.startswith("pi_"))
        row = self.query("SELECT status, error_code FROM payments"
                         " WHERE provider_ref = 'half-made'")[0]
        self.assertEqual((row["status"], row["error_code"]), ("error", "abandoned"))
        self.confirm(pi)
        self.assertEqual(self.status(o)["status"], "confirmed")

    def test_idempotency_key_of_a_request_that_died_is_free_again(self):
        ev, tt = self.simple_event()
        body = {"event": ev["slug"], "items": [{"ticket_type_id": tt["id"], "quantity": 1}]}
        key = str(uuid.uuid4())
        first = self.call("POST", "/api/orders/", body, "buyer",
                          headers={"Idempotency-Key": key})
        self.assertEqual(first.status, 201, first)
        # As if its worker had died before storing the answer.
        self.execute("UPDATE idempotency_keys SET status = 0, body = NULL WHERE key = ?", key)
        r = self.call("POST", "/api/orders/", body, "buyer", headers={"Idempotency-Key": key})
        self.assert_error(r, 409, "IDEMPOTENCY_KEY_IN_USE")
        self.execute("UPDATE idempotency_keys SET created_at = created_at - 600"
                     " WHERE key = ?", key)
        r = self.call("POST", "/api/orders/", body, "buyer", headers={"Idempotency-Key": key})
        self.assertEqual(r.status, 201, r)
        self.assertNotEqual(r.json["uid"], first.json["uid"])
