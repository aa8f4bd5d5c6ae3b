"""Seed 003's M-Pesa guest checkout (POST /api/pay/initiate/) on the one
order core, paid through Daraja's wire protocol against
tests/sim/mpesa_sim.py: every ResultCode ends in the right order state,
forged callbacks (wrong secret, unknown CheckoutRequestID, another amount
or phone) change nothing, repeats are idempotent, lost callbacks are found
again by asking Daraja, the OAuth token is cached, guests get shadow
accounts, and refunds are left to a person."""
import json
import re
import time
import urllib.request

from flow import decode_qr, mails_to, png_parts, ticket_code_of, wait_for
from support import all_at_once
from test_orders import OrdersBase

PAYS = "254708370000"          # the simulator's scenarios, by the last digits
CANCELS = "254708371032"
BROKE = "254708370001"
TIMES_OUT = "254708371037"
WRONG_PIN = "254708372001"
BUSY = "254708371001"


class MpesaBase(OrdersBase):
    def setUp(self):
        # The payer answers only when a test says so (/complete).
        self.sim("POST", "/control/delay", {"seconds": 3600})

    def tearDown(self):
        self.sim("POST", "/control/callbacks/release", {})

    def sim(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.stack.mpesa_control_url + path, data=data,
                                     method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")

    def kes_event(self, price="1500.00", quantity=10, providers=("mpesa",)):
        ev, tt = self.simple_event(price=price, quantity=quantity, currency="KES",
                                   payment_providers=list(providers))
        return ev, tt

    def initiate(self, tier, phone=PAYS, email="wanjiku@example.com",
                 name="Wanjiku Kamau", who=None, status=202, **extra):
        body = {"tier_id": tier, "phone_number": phone}
        if email is not None:
            body["email"] = email
        if name is not None:
            body["name"] = name
        body.update(extra)
        r = self.call("POST", "/api/pay/initiate/", body, who)
        self.assertEqual(r.status, status, r)
        return r.json

    def push(self, checkout_id):
        pushes = self.sim("GET", "/control/state")["pushes"]
        return next(p for p in pushes if p["id"] == checkout_id)

    def complete(self, checkout_id):
        """The payer answers now; the callback is delivered (unless held)
        before this returns."""
        return self.sim("POST", f"/control/pushes/{checkout_id}/complete", {})

    def deliveries(self, checkout_id):
        return [d for d in self.sim("GET", "/control/state")["deliveries"]
                if d["push"] == checkout_id]

    def used(self, event_id):
        """Places held or sold: every quota of a one-type event counts
        them alike (the type's and the event's)."""
        return self.query("SELECT max(used) AS u FROM quotas WHERE event_id = ?",
                          event_id)[0]["u"]

    def order_row(self, uid):
        return self.query("SELECT * FROM orders WHERE uid = ?", uid)[0]

    def payment_row(self, uid):
        return self.query("SELECT p.* FROM payments p JOIN orders o ON o.id = p.order_id"
                          " WHERE o.uid = ? ORDER BY p.id DESC", uid)[0]

    def pay_status(self, uid, status=200):
        r = self.client().get(f"/api/pay/status/{uid}/")
        self.assertEqual(r.status, status, r)
        return r.json

    def tickets(self, uid):
        return self.query("SELECT t.* FROM tickets t JOIN orders o ON o.id = t.order_id"
                          " WHERE o.uid = ?", uid)

    def events_of(self, checkout_id):
        return self.query("SELECT * FROM provider_events WHERE provider = 'mpesa'"
                          " AND event_key LIKE ?", checkout_id + "/%")


class Paying(MpesaBase):
    def test_guest_pays_end_to_end(self):
        ev, tt = self.kes_event(price="1500.00")
        j = self.initiate(tt["id"], phone="0708 370 000", quantity=2,
                          email="e2e@example.com")
        self.assertEqual(j["status"], "Payment Initiated")
        self.assertEqual(j["transaction_ref"], j["order_id"])
        self.assertTrue(j["mpesa_ref"].startswith("ws_CO_"))
        self.assertEqual((j["amount"], j["currency"], j["phone_number"]),
                         ("3000.00", "KES", PAYS))
        self.assertEqual(j["status_url"], f"/api/pay/status/{j['order_id']}/")
        # The hold is taken at once, and Daraja was asked on its wire.
        self.assertEqual(self.used(ev["id"]), 2)
        self.assertEqual(self.order_row(j["order_id"])["status"], "reserved")
        push = self.push(j["mpesa_ref"])
        self.assertEqual((push["amount"], push["phone"]), (3000, PAYS))
        self.assertRegex(push["url"], r"^https://127\.0\.0\.1:\d+/api/webhooks/mpesa/[0-9a-f]{64}/$")
        self.assertLessEqual(len(push["reference"]), 12)
        p = self.payment_row(j["order_id"])
        self.assertEqual((p["provider"], p["status"], p["phone"], p["amount"],
                          p["currency"], p["provider_ref"]),
                         ("mpesa", "created", PAYS, 300000, "KES", j["mpesa_ref"]))
        self.assertEqual(self.pay_status(j["order_id"])["payment_status"], "pending")

        self.complete(j["mpesa_ref"])
        d = self.deliveries(j["mpesa_ref"])
        self.assertEqual([x["status"] for x in d], [200], d)
        self.assertEqual(json.loads(d[0]["response"]),
                         {"ResultCode": 0, "ResultDesc": "Accepted"})
        o = self.order_row(j["order_id"])
        self.assertEqual(o["status"], "paid")
        self.assertEqual(len(self.tickets(j["order_id"])), 2)
        receipt = self.push(j["mpesa_ref"])["receipt"]
        self.assertEqual(self.payment_row(j["order_id"])["payment_reference"], receipt)
        st = self.pay_status(j["order_id"])
        self.assertEqual((st["payment_status"], st["order_status"], st["result_code"],
                          st["mpesa_receipt"]), ("paid", "confirmed", "0", receipt))
        # The ticket mail, with a PNG QR code per ticket.
        self.stack.biljett("mail")
        msg = wait_for(lambda: mails_to(self.stack.mail_dir, "e2e@example.com"),
                       what="the ticket mail")[-1]
        codes = sorted(ticket_code_of(self.stack.db_path, decode_qr(p.get_content()))
                       for p in png_parts(msg))
        self.assertEqual(codes, sorted(t["external_id"] for t in self.tickets(j["order_id"])))

    def test_every_result_code_ends_in_the_right_state(self):
        cases = ((CANCELS, "1032"), (BROKE, "1"), (TIMES_OUT, "1037"),
                 (WRONG_PIN, "2001"))
        for phone, code in cases:
            with self.subTest(code=code):
                ev, tt = self.kes_event()
                j = self.initiate(tt["id"], phone=phone)
                self.assertEqual(self.used(ev["id"]), 1)
                self.complete(j["mpesa_ref"])
                self.assertEqual([x["status"] for x in self.deliveries(j["mpesa_ref"])],
                                 [200])
                p = self.payment_row(j["order_id"])
                self.assertEqual((p["status"], p["error_code"]), ("declined", code))
                self.assertEqual(self.order_row(j["order_id"])["status"], "failed")
                self.assertEqual(self.used(ev["id"]), 0)       # the hold is free
                self.assertEqual(self.tickets(j["order_id"]), [])
                st = self.pay_status(j["order_id"])
                self.assertEqual((st["payment_status"], st["order_status"],
                                  st["result_code"]), ("failed", "failed", code))

    def test_push_refused_releases_the_hold(self):
        ev, tt = self.kes_event()
        r = self.call("POST", "/api/pay/initiate/", {
            "tier_id": tt["id"], "phone_number": BUSY, "email": "busy@example.com",
            "name": "Busy"})
        self.assert_error(r, 502, "PAYMENT_START_FAILED")
        self.assertEqual(self.used(ev["id"]), 0)
        rows = self.query("SELECT o.status, p.status AS ps FROM orders o JOIN payments p"
                          " ON p.order_id = o.id WHERE o.event_id = ?", ev["id"])
        self.assertEqual([(x["status"], x["ps"]) for x in rows], [("cancelled", "error")])

    def test_free_tier_is_confirmed_at_once(self):
        ev, tt = self.kes_event(price="0.00")
        j = self.initiate(tt["id"], status=201)
        self.assertEqual(j["status"], "Booking Confirmed")
        self.assertNotIn("mpesa_ref", j)
        self.assertEqual(self.order_row(j["order_id"])["status"], "paid")


class Callbacks(MpesaBase):
    def held_and_answered(self, phone=PAYS):
        """An order whose payer has paid at Daraja but whose callback is
        still held by the simulator."""
        self.sim("POST", "/control/callbacks/hold", {})
        ev, tt = self.kes_event()
        j = self.initiate(tt["id"], phone=phone)
        self.complete(j["mpesa_ref"])
        self.assertEqual(self.deliveries(j["mpesa_ref"]), [])
        return ev, j

    def forge(self, push_id, **kw):
        return self.sim("POST", f"/control/pushes/{push_id}/forge", kw)

    def test_forged_callbacks_change_nothing(self):
        ev, j = self.held_and_answered()
        ref = j["mpesa_ref"]
        other_ev, other = None, self.initiate(self.kes_event()[1]["id"])
        forged = (
            {"token": "0" * 64},                              # not its secret
            {"token": "x"},
            {"checkout_id": "ws_CO_000000000000000000"},      # not ours
            {"checkout_id": other["mpesa_ref"]},              # another payment's
            {"amount": 1},                                    # another amount
            {"phone": "254700000001"},                        # another payer
        )
        for kw in forged:
            with self.subTest(**kw):
                r = self.forge(ref, **kw)
                self.assertEqual(r["status"], 403, r)
                self.assertEqual(r["body"]["code"], "CALLBACK_REJECTED")
        # Nothing moved: still held, no payment applied, nothing recorded.
        self.assertEqual(self.order_row(j["order_id"])["status"], "reserved")
        self.assertEqual(self.payment_row(j["order_id"])["status"], "created")
        self.assertEqual(self.order_row(other["order_id"])["status"], "reserved")
        self.assertEqual(self.events_of(ref), [])
        self.assertEqual(self.events_of(other["mpesa_ref"]), [])
        # The real one, when it comes, is taken.
        out = self.sim("POST", "/control/callbacks/release", {})["delivered"]
        self.assertEqual([d["status"] for d in out], [200], out)
        self.assertEqual(self.order_row(j["order_id"])["status"], "paid")

    def test_a_callback_claiming_success_is_checked_with_daraja(self):
        # The payer cancelled; a callback with the right secret claims
        # success with the right amount and phone: the STK query decides.
        ev, j = self.held_and_answered(phone=CANCELS)
        r = self.forge(j["mpesa_ref"], result_code=0, amount=1500, phone=CANCELS)
        self.assertEqual(r["status"], 200, r)
        self.assertEqual(self.order_row(j["order_id"])["status"], "failed")
        self.assertEqual(self.payment_row(j["order_id"])["status"], "declined")
        self.assertEqual(self.tickets(j["order_id"]), [])

    def test_duplicate_callback_is_idempotent(self):
        ev, tt = self.kes_event()
        j = self.initiate(tt["id"], quantity=3)
        self.complete(j["mpesa_ref"])
        self.assertEqual(self.order_row(j["order_id"])["status"], "paid")
        for _ in range(2):
            r = self.sim("POST", f"/control/pushes/{j['mpesa_ref']}/deliver", {})
            self.assertEqual((r["status"], r["body"]),
                             (200, {"ResultCode": 0, "ResultDesc": "Accepted"}))
        self.assertEqual(len(self.tickets(j["order_id"])), 3)
        self.assertEqual(self.used(ev["id"]), 3)
        ev_rows = self.events_of(j["mpesa_ref"])
        self.assertEqual([(e["event_key"], e["times_received"]) for e in ev_rows],
                         [(j["mpesa_ref"] + "/0", 3)])
        mails = self.query("SELECT count(*) AS n FROM outbox x JOIN orders o"
                           " ON o.id = x.order_id WHERE o.uid = ? AND kind = 'tickets'",
                           j["order_id"])[0]["n"]
        self.assertEqual(mails, 1)
        charges = self.query("SELECT count(*) AS n FROM ledger l JOIN orders o"
                             " ON o.id = l.order_id WHERE o.uid = ? AND kind = 'charge'",
                             j["order_id"])[0]["n"]
        self.assertEqual(charges, 1)

    def test_lost_callback_found_by_polling_and_by_expire(self):
        ev, j = self.held_and_answered()
        st = self.pay_status(j["order_id"])
        self.assertEqual((st["payment_status"], st["order_status"]), ("paid", "confirmed"))
        self.assertEqual(self.order_row(j["order_id"])["status"], "paid")
        # Another, found by `biljett expire` once it has waited long enough.
        ev2, tt2 = self.kes_event()
        k = self.initiate(tt2["id"], phone=TIMES_OUT)
        self.complete(k["mpesa_ref"])
        self.stack.biljett("expire")
        self.assertEqual(self.order_row(k["order_id"])["status"], "reserved")
        self.execute("UPDATE payments SET created_at = created_at - 700"
                     " WHERE provider_ref = ?", k["mpesa_ref"])
        out = self.stack.biljett("expire")
        self.assertIn(k["mpesa_ref"], out)
        self.assertEqual(self.order_row(k["order_id"])["status"], "failed")
        self.assertEqual(self.payment_row(k["order_id"])["error_code"], "1037")

    def test_pending_payment_stays_pending(self):
        ev, tt = self.kes_event()
        j = self.initiate(tt["id"])
        # Daraja says "being processed": nothing is applied.
        st = self.pay_status(j["order_id"])
        self.assertEqual((st["payment_status"], st["result_code"]), ("pending", None))
        self.assertEqual(self.order_row(j["order_id"])["status"], "reserved")


class Tokens(MpesaBase):
    def test_one_oauth_call_for_many_pushes(self):
        ev, tt = self.kes_event(quantity=20)
        self.initiate(tt["id"])            # every worker may hold a token by now
        before = self.sim("GET", "/control/state")
        for i in range(8):
            self.initiate(tt["id"], email=f"many{i}@example.com")
        after = self.sim("GET", "/control/state")
        self.assertEqual(len(after["pushes"]) - len(before["pushes"]), 8)
        # Two pay workers: at most one fetch each.
        self.assertLessEqual(after["oauth_calls"] - before["oauth_calls"], 2)

    def test_a_token_daraja_dropped_is_renewed_once(self):
        ev, tt = self.kes_event(quantity=80)
        # Until both pay workers hold a token of their own.  Requests
        # one after another may all go to one worker (an idle worker is
        # woken alone, lib/route.c), so they come four at once: while
        # one worker is busy the other takes some.
        for i in range(20):
            if self.sim("GET", "/control/state")["oauth_calls"] >= 2:
                break
            all_at_once(4, lambda k, i=i: self.initiate(
                tt["id"], email=f"warm{i}-{k}@example.com"))
        self.assertGreaterEqual(self.sim("GET", "/control/state")["oauth_calls"], 2)
        self.sim("POST", "/control/tokens/revoke", {})
        before = self.sim("GET", "/control/state")
        j = self.initiate(tt["id"], email="again@example.com")
        after = self.sim("GET", "/control/state")
        self.assertIn(j["mpesa_ref"], [p["id"] for p in after["pushes"]])
        rejected = after["rejected"][len(before["rejected"]):]
        self.assertEqual([r["errorCode"] for r in rejected], ["404.001.03"])
        self.assertEqual(after["oauth_calls"] - before["oauth_calls"], 1)


class Buyers(MpesaBase):
    def test_guest_gets_a_shadow_account_once(self):
        ev, tt = self.kes_event()
        j = self.initiate(tt["id"], email="Shadow@Example.com", name="Akinyi Otieno")
        users = self.query("SELECT * FROM users WHERE email = 'shadow@example.com'")
        self.assertEqual(len(users), 1)
        u = users[0]
        self.assertEqual((u["role"], u["password_hash"], u["name"], u["phone"]),
                         ("customer", "!", "Akinyi Otieno", PAYS))
        self.assertEqual(self.order_row(j["order_id"])["user_id"], u["id"])
        self.assertEqual(self.order_row(j["order_id"])["email"], "Shadow@Example.com")
        # Again with the same address: the same account.
        k = self.initiate(tt["id"], email="shadow@example.com", name="A. Otieno")
        self.assertEqual(self.order_row(k["order_id"])["user_id"], u["id"])
        self.assertEqual(len(self.query("SELECT id FROM users WHERE email = ?",
                                        "shadow@example.com")), 1)
        # It cannot sign in: the answer of a wrong password.
        c = self.client()
        shadow = c.post("/api/auth/login", {"email": "shadow@example.com",
                                            "password": "!"})
        wrong = c.post("/api/auth/login", {"email": "buyer@example.com",
                                           "password": "not-the-password-1"})
        self.assertEqual((shadow.status, shadow.json["code"]),
                         (wrong.status, wrong.json["code"]))

    def test_known_address_buys_for_that_account(self):
        ev, tt = self.kes_event()
        buyer = self.query("SELECT id FROM users WHERE email = 'buyer@example.com'")[0]["id"]
        j = self.initiate(tt["id"], email="buyer@example.com", name="Someone")
        self.assertEqual(self.order_row(j["order_id"])["user_id"], buyer)

    def test_signed_in_buyer_needs_no_email_or_name(self):
        ev, tt = self.kes_event()
        j = self.initiate(tt["id"], email=None, name=None, who="buyer")
        o = self.order_row(j["order_id"])
        buyer = self.query("SELECT id FROM users WHERE email = 'buyer@example.com'")[0]["id"]
        self.assertEqual((o["user_id"], o["email"]), (buyer, "buyer@example.com"))
        # The buyer sees it; another user's view is a 404.
        self.assertEqual(self.call("GET", f"/api/orders/{j['order_id']}/",
                                   who="buyer").status, 200)
        self.assert_error(self.call("GET", f"/api/orders/{j['order_id']}/", who="org2"),
                          404, "ORDER_NOT_FOUND")
        r = self.call("POST", f"/api/orders/{j['order_id']}/refund/", {}, who="org2")
        self.assert_error(r, 404, "ORDER_NOT_FOUND")


class Refusals(MpesaBase):
    def test_phone_numbers(self):
        ev, tt = self.kes_event(quantity=20)
        for phone in ("0708370000", "+254708370000", "254708370000", "0110370000"):
            with self.subTest(phone=phone):
                j = self.initiate(tt["id"], phone=phone, email=f"p{phone[-5:]}@example.com")
                self.assertRegex(self.payment_row(j["order_id"])["phone"], r"^254[17]\d{8}$")
        for phone in ("708370000", "25470837000", "255708370000", "0208370000",
                      "07083700OO", "", "+254-708-370-000", "2547083700001"):
            with self.subTest(phone=phone):
                r = self.call("POST", "/api/pay/initiate/", {
                    "tier_id": tt["id"], "phone_number": phone,
                    "email": "x@example.com", "name": "X"})
                self.assert_error(r, 400, "VALIDATION_ERROR", "phone_number")
        self.assertEqual(self.used(ev["id"]), 4)

    def test_guest_needs_email_and_name(self):
        ev, tt = self.kes_event()
        r = self.call("POST", "/api/pay/initiate/", {"tier_id": tt["id"],
                                                     "phone_number": PAYS})
        self.assert_error(r, 400, "VALIDATION_ERROR", "email")
        self.assertIn("name", r.json["field_errors"])
        r = self.call("POST", "/api/pay/initiate/", {"phone_number": PAYS,
                                                     "email": "a@example.com", "name": "A"})
        self.assert_error(r, 400, "VALIDATION_ERROR", "tier_id")
        self.assertEqual(self.used(ev["id"]), 0)

    def test_unknown_tier_and_events_without_mpesa(self):
        r = self.call("POST", "/api/pay/initiate/", {
            "tier_id": 999999, "phone_number": PAYS, "email": "a@example.com", "name": "A"})
        self.assert_error(r, 404, "TICKET_TYPE_NOT_FOUND")
        ev, tt = self.kes_event(providers=("swish", "stripe"))
        r = self.call("POST", "/api/pay/initiate/", {
            "tier_id": tt["id"], "phone_number": PAYS, "email": "a@example.com", "name": "A"})
        self.assert_error(r, 422, "PAYMENT_METHOD_UNAVAILABLE")
        # Cents M-Pesa cannot take: refused, nothing held.
        ev, tt = self.kes_event(price="99.50")
        r = self.call("POST", "/api/pay/initiate/", {
            "tier_id": tt["id"], "phone_number": PAYS, "email": "a@example.com", "name": "A"})
        self.assert_error(r, 422, "PAYMENT_METHOD_UNAVAILABLE")
        self.assertEqual(self.used(ev["id"]), 0)

    def test_sold_out(self):
        ev, tt = self.kes_event(quantity=1)
        self.initiate(tt["id"])
        r = self.call("POST", "/api/pay/initiate/", {
            "tier_id": tt["id"], "phone_number": PAYS, "email": "b@example.com", "name": "B"})
        self.assert_error(r, 403, "OUT_OF_TICKETS")

    def test_status_of_unknown_or_other_orders(self):
        self.pay_status("00000000-0000-4000-8000-000000000000", status=404)
        self.pay_status("nope", status=404)
        # A card order has no M-Pesa status.
        ev, tt = self.simple_event()
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 1}])
        self.pay_status(o["uid"], status=404)

    def test_refund_is_left_to_a_person(self):
        ev, tt = self.kes_event()
        j = self.initiate(tt["id"], email=None, name=None, who="buyer")
        self.complete(j["mpesa_ref"])
        r = self.call("POST", f"/api/orders/{j['order_id']}/refund/", {}, who="admin")
        self.assertEqual(r.status, 200, r)
        receipt = self.push(j["mpesa_ref"])["receipt"]
        self.assertEqual((r.json["status"], r.json["payment_reference"]), ("manual", receipt))
        self.assertIn("by hand", r.json["detail"])
        row = self.query("SELECT r.* FROM refunds r JOIN payments p ON p.id = r.payment_id"
                         " WHERE p.provider_ref = ?", j["mpesa_ref"])[0]
        self.assertEqual((row["manual"], row["status"]), (1, "error"))
        self.assertEqual(self.order_row(j["order_id"])["status"], "refunded")
        # Not retried: expire has nothing to send and succeeds.
        out = self.stack.biljett("expire")
        self.assertNotIn(row["provider_ref"], out)


class Pages(MpesaBase):
    """The buyer's pages for an event priced in KES that takes M-Pesa:
    a phone number at checkout, "confirm on your phone", then the
    confirmation or why it did not go through."""

    def reserved(self, ev, tt):
        c = self.client()
        r = c.get(f"/events/{ev['id']}")
        self.assertEqual(r.status, 200, r)
        token = re.search(rb'name="csrf" value="([0-9a-f]{64})"', r.body).group(1).decode()
        r = c.post(f"/events/{ev['id']}/reserve", form={"csrf": token, f"t{tt['id']}": "1"})
        self.assertEqual((r.status, r.header("Location")), (303, "/checkout"), r)
        return c, token

    def pay(self, c, token, phone, status=303):
        r = c.post("/payment", form={"csrf": token, "email": "page@example.com",
                                     "provider": "mpesa", "phone": phone},
                   headers={"Accept-Language": "en"})
        self.assertEqual(r.status, status, r)
        return r

    def session_push(self):
        return self.sim("GET", "/control/state")["pushes"][-1]

    def test_checkout_offers_mpesa_with_a_phone_number(self):
        ev, tt = self.kes_event(providers=("mpesa", "swish"))
        c, _ = self.reserved(ev, tt)
        r = c.get("/checkout", headers={"Accept-Language": "en"})
        self.assertEqual(r.status, 200)
        self.assertIn(b'name="provider" value="mpesa"', r.body)
        self.assertIn(b'name="provider" value="swish" checked', r.body)
        self.assertIn(b'name="phone" type="tel"', r.body)
        # Only M-Pesa: sent hidden, and the phone is required.
        ev, tt = self.kes_event()
        c, _ = self.reserved(ev, tt)
        r = c.get("/checkout", headers={"Accept-Language": "en"})
        self.assertIn(b'<input type="hidden" name="provider" value="mpesa">', r.body)
        self.assertIn(b"Pay with M-Pesa", r.body)
        self.assertRegex(r.body, rb'name="phone"[^>]* required')
        # A SEK event does not offer it, whatever it lists.
        sek, stt = self.simple_event(payment_providers=["mpesa", "swish"])
        c, _ = self.reserved(sek, stt)
        self.assertNotIn(b'value="mpesa"', c.get("/checkout").body)

    def test_pays_on_the_phone_and_moves_on(self):
        ev, tt = self.kes_event()
        c, token = self.reserved(ev, tt)
        r = self.pay(c, token, "0708370000")
        self.assertEqual(r.header("Location"), "/payment")
        push = self.session_push()
        self.assertEqual((push["phone"], push["amount"]), (PAYS, 1500))
        r = c.get("/payment", headers={"Accept-Language": "en"})
        self.assertEqual(r.status, 200)
        self.assertIn(b"Confirm on your phone", r.body)
        self.assertIn(PAYS.encode(), r.body)
        self.assertIn(b'data-poll="/session_payment_status/"', r.body)
        self.assertEqual(c.get("/session_payment_status/").json["status"], "RESERVED")
        self.complete(push["id"])
        self.assertEqual(c.get("/session_payment_status/").json["status"], "PAID")
        r = c.get("/payment")
        self.assertEqual((r.status, r.header("Location")), (303, "/done"))
        self.assertEqual(c.get("/done").status, 200)

    def test_says_why_it_did_not_go_through(self):
        for phone, words in ((CANCELS, b"You cancelled the payment on your phone."),
                             (BROKE, b"Your M-Pesa balance was not enough"),
                             (TIMES_OUT, b"Your phone did not answer in time.")):
            with self.subTest(phone=phone):
                ev, tt = self.kes_event()
                c, token = self.reserved(ev, tt)
                self.pay(c, token, phone)
                self.complete(self.session_push()["id"])
                r = c.get("/payment", headers={"Accept-Language": "en"})
                self.assertIn(b"Payment not completed", r.body)
                self.assertIn(words, r.body)
                self.assertIn(b'value="mpesa"', r.body)      # try again
        r = c.get("/payment", headers={"Accept-Language": "sv"})
        self.assertIn("Din telefon svarade inte i tid.".encode(), r.body)

    def test_lost_callback_found_when_the_page_asks(self):
        ev, tt = self.kes_event()
        c, token = self.reserved(ev, tt)
        self.pay(c, token, PAYS)
        self.sim("POST", "/control/callbacks/hold", {})
        self.complete(self.session_push()["id"])
        r = c.get("/payment")
        self.assertEqual((r.status, r.header("Location")), (303, "/payment"))
        self.assertEqual(c.get("/payment").header("Location"), "/done")

    def test_bad_phone_number(self):
        ev, tt = self.kes_event()
        c, token = self.reserved(ev, tt)
        before = len(self.sim("GET", "/control/state")["pushes"])
        r = self.pay(c, token, "12345", status=400)
        self.assertIn(b"Enter the phone number of your M-Pesa account", r.body)
        self.assertIn(b'value="12345"', r.body)
        self.assertEqual(len(self.sim("GET", "/control/state")["pushes"]), before)


class BackOffice(MpesaBase):
    """The organizer's refund of an M-Pesa order says that the money
    goes back by hand."""
    PASSWORD = "kassörens-lösenord-9"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stack.biljett("create-user", "mpesaboss@example.com", "organizer",
                          "--password", cls.PASSWORD)
        cls.tokens["mpesaboss@example.com"] = cls.token("mpesaboss@example.com",
                                                        cls.PASSWORD)

    def test_refund_page_says_it_is_made_by_hand(self):
        ev = self.event(who="mpesaboss", title="Kisumu Nights", currency="KES",
                        payment_providers=["mpesa"])
        tt = self.ttype(ev, who="mpesaboss", name="Regular", price="2000.00",
                        total_quantity=10)
        self.publish(ev, who="mpesaboss")
        j = self.initiate(tt["id"], email="refundme@example.com")
        self.complete(j["mpesa_ref"])
        c = self.client()
        c.get("/organizer/login")
        r = c.post("/organizer/login", form={"email": "mpesaboss@example.com",
                                             "password": self.PASSWORD,
                                             "csrf": c.cookies["csrftoken"]})
        self.assertEqual(r.status, 303, r)
        action = f"/organizer/events/{ev['id']}/orders/{j['order_id']}/refund"
        r = c.post(action, form={"amount": "", "csrf": c.cookies["csrftoken"]})
        self.assertEqual((r.status, r.header("Location")),
                         (303, f"/organizer/events/{ev['id']}/orders?done=refunded_by_hand"), r)
        page = c.get(r.header("Location"), headers={"Accept-Language": "en"})
        self.assertIn(b"this payment provider (M-Pesa) cannot send it", page.body)
        self.assertEqual(self.order_row(j["order_id"])["status"], "refunded")
        self.stack.biljett("expire")
        row = self.query("SELECT r.manual, r.error FROM refunds r JOIN payments p"
                         " ON p.id = r.payment_id WHERE p.provider_ref = ?", j["mpesa_ref"])
        self.assertEqual([x["manual"] for x in row], [1])
        # And expire leaves it alone from now on, without failing.
        self.stack.biljett("expire")
