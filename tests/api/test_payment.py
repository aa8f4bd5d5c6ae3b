"""The Swish flow end to end against the Swish simulator (mutual TLS) and
the SMTP sink: reserve -> start -> pay -> PAID -> mail with decodable QR
codes -> validate 0, 0, 1; every status of /start_payment/; forged,
duplicate, late and out-of-order callbacks."""

from flow import (Swish, decode_qr, mails_to, png_parts, post_callback, ticket_code_of,
                  wait_for)
from support import StackTest

PASSWORD = "bläckfiskarochtomtebloss"


class Payment(StackTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.swish = Swish(cls.stack)
        cls.types, cls.event = cls.show("main", seats=100, types=("std", "student"))
        cls.stack.biljett("scanner-add", "door-1", "--password", PASSWORD, "--site-wide")

    # -- helpers ---------------------------------------------------------

    def reserve(self, client, lines, event=None):
        r = client.post("/reserve_ticket/", {
            "chapter_event": event or self.event,
            "tickets": [{"ticket_type": self.types[k], "count": n} for k, n in lines]})
        self.assertEqual(r.status, 201, r)

    def start(self, client, email="buyer@example.com"):
        return client.post("/start_payment/", {"email_address": email})

    def pay(self, token, action="pay", body=None):
        req = self.swish.request_by_token(token)
        status, out = self.swish.act(req["id"], action, body)
        self.assertEqual(status, 200, out)
        return req, out

    def order_of(self, client):
        r = client.get("/session_payment_status/")
        self.assertEqual(r.status, 200, r)
        return r.json

    def validate(self, external_id, use, password=PASSWORD):
        return self.client().put("/validate_ticket/", {
            "external_id": external_id, "password": password, "use_ticket": use})

    def paid_flow(self, email, lines=(("std", 2),)):
        c = self.client()
        self.reserve(c, list(lines))
        r = self.start(c, email)
        self.assertEqual(r.status, 200, r)
        token = r.json
        req, out = self.pay(token)
        self.assertEqual(out["callback_status"], 200, out)
        return c, token, req

    # -- the happy path ----------------------------------------------------

    def test_full_flow_with_mail_and_scans(self):
        c = self.client()
        self.reserve(c, [("std", 1), ("student", 1)])
        r = self.start(c, "anna@example.com")
        self.assertEqual(r.status, 200, r)
        token = r.json
        self.assertIsInstance(token, str)
        self.assertRegex(token, r"^[0-9a-zA-Z]{16,64}$")
        self.assertEqual(self.order_of(c), {"status": "RESERVED",
                                            "mail": "anna@example.com"})
        req = self.swish.request_by_token(token)
        # What we asked Swish for: 199 + 99 kronor, the event's message.
        self.assertEqual(req["amount"], 298.0)
        self.assertEqual(req["message"], "Show main")
        self.assertTrue(req["callbackUrl"].startswith("https://"))
        self.assertRegex(req["id"], r"^[0-9A-F]{32}$")

        _, out = self.pay(token)
        self.assertEqual(out["callback_status"], 200, out)
        st = self.order_of(c)
        self.assertEqual(st, {"status": "PAID", "mail": "anna@example.com",
                              "reference": req["id"]})

        # The ticket mail: one QR PNG per ticket, each decoding to a signed
        # code that names the ticket (tests/api/test_ticketsig.py checks
        # the signature).
        msgs = wait_for(lambda: mails_to(self.stack.mail_dir, "anna@example.com"),
                        what="the ticket mail")
        self.assertEqual(len(msgs), 1)
        pngs = png_parts(msgs[0])
        self.assertEqual(len(pngs), 2)
        codes = sorted(ticket_code_of(self.stack.db_path, decode_qr(p.get_content()))
                       for p in pngs)
        stored = sorted(r["external_id"] for r in self.query(
            "SELECT t.external_id FROM tickets t JOIN payments p"
            " ON p.order_id = t.order_id WHERE p.provider_ref = ?", req["id"]))
        self.assertEqual(codes, stored)
        for code in codes:
            self.assertRegex(code, r"^[A-Z]{6}$")
        text = msgs[0].get_body(preferencelist=("plain",)).get_content()
        for code in codes:
            self.assertIn(code, text)

        # At the door: show, show, admit, admit again.
        code = codes[0]
        seen = []
        for use in (False, False, True, True):
            r = self.validate(code, use)
            self.assertEqual(r.status, 200, r)
            seen.append(r.json["times_used"])
            self.assertEqual(r.json["external_id"], code)
            self.assertEqual(r.json["chapter_event"], "Show main")
            self.assertEqual(r.json["status"], "PAID")
        self.assertEqual(seen, [0, 0, 0, 1])
        # Lower case typed by hand finds the same ticket.
        self.assertEqual(self.validate(code.lower(), False).json["times_used"], 2)
        # Admissions are in checkins at once; look-ups once the journal
        # is moved in (biljett expire, every minute from cron).
        rows = self.query("SELECT result FROM checkins WHERE external_id = ? ORDER BY id",
                          code)
        self.assertEqual([r["result"] for r in rows], ["admitted", "already_used"])
        self.stack.biljett("expire")
        rows = self.query("SELECT result FROM checkins WHERE external_id = ? ORDER BY id",
                          code)
        self.assertEqual(sorted(r["result"] for r in rows),
                         ["admitted", "already_used", "shown", "shown", "shown"])
        self.stack.biljett("expire")    # nothing is moved twice
        self.assertEqual(len(self.query("SELECT id FROM checkins WHERE external_id = ?",
                                        code)), 5)

    # -- /start_payment/ -----------------------------------------------------

    def test_bad_email_is_checked_before_the_session(self):
        c = self.client()
        for email in ("", "not-an-email", "a@b", "a b@example.com", "x" * 300 + "@e.se"):
            r = self.start(c, email)
            self.assertEqual((r.status, r.json), (400, "InvalidRequestData"), email)
        r = c.post("/start_payment/", {})
        self.assertEqual((r.status, r.json), (400, "InvalidRequestData"))

    def test_invalid_session(self):
        c = self.client()
        r = self.start(c)
        self.assertEqual((r.status, r.json), (400, "InvalidSession"))
        c.cookies["sessionid"] = "f" * 64
        r = self.start(c)
        self.assertEqual((r.status, r.json), (400, "InvalidSession"))

    def test_form_and_multipart_bodies(self):
        c = self.client()
        self.reserve(c, [("std", 1)])
        r = c.post("/start_payment/", form={"email_address": "form@example.com"})
        self.assertEqual(r.status, 200, r)
        boundary = "xYzZY"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"email_address\""
                f"\r\n\r\nform@example.com\r\n--{boundary}--\r\n")
        r = c.request("POST", "/start_payment/", raw=body,
                      content_type=f"multipart/form-data; boundary={boundary}")
        self.assertEqual(r.status, 200, r)

    def test_same_token_when_started_twice(self):
        c = self.client()
        self.reserve(c, [("std", 1)])
        first = self.start(c)
        second = self.start(c)
        self.assertEqual((first.status, second.status), (200, 200))
        self.assertEqual(first.json, second.json)

    def test_already_paid(self):
        c, _, _ = self.paid_flow("paid-twice@example.com")
        r = self.start(c)
        self.assertEqual((r.status, r.json), (403, "AlreadyPaidPayment"))

    def test_swish_failure_gives_502_and_leaves_a_usable_reservation(self):
        c = self.client()
        self.reserve(c, [("std", 1)])
        self.swish.fail_next(1, 500)
        r = self.start(c)
        self.assertEqual((r.status, r.json), (502, "PaymentStartFailed"))
        self.assertEqual(self.order_of(c)["status"], "RESERVED")
        r = self.start(c)
        self.assertEqual(r.status, 200, r)
        _, out = self.pay(r.json)
        self.assertEqual(self.order_of(c)["status"], "PAID")

    def test_qr_for_another_device(self):
        c = self.client()
        self.reserve(c, [("std", 1)])
        token = self.start(c).json
        r = c.get(f"/generate_qr/{token}")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "image/png")
        self.assertTrue(r.body.startswith(b"\x89PNG\r\n\x1a\n"))
        r = c.get("/generate_qr/0123456789abcdef0123456789abcdef")
        self.assertEqual(r.status, 404)
        r = c.get("/generate_qr/not%20a%20token")
        self.assertEqual(r.status, 404)

    def test_second_reservation_cancels_the_started_swish_request(self):
        c = self.client()
        self.reserve(c, [("std", 1)])
        token = self.start(c).json
        self.reserve(c, [("std", 2)])
        req = wait_for(lambda: (lambda r: r if r["status"] == "CANCELLED" else None)(
            self.swish.request_by_token(token)), what="the old request to be cancelled")
        self.assertEqual(req["status"], "CANCELLED")
        self.assertEqual(self.order_of(c), {"status": "RESERVED", "mail": None})
        # Paying the new reservation works as usual.
        r = self.start(c, "second@example.com")
        self.assertNotEqual(r.json, token)
        self.pay(r.json)
        self.assertEqual(self.order_of(c)["status"], "PAID")

    # -- declined, forged, duplicate, out of order ---------------------------

    def test_declined_payment_ends_the_reservation(self):
        c = self.client()
        self.reserve(c, [("std", 2)])
        token = self.start(c).json
        self.pay(token, "decline")
        self.assertEqual(self.order_of(c)["status"], "FAILED_EXPIRED_RESERVATION")
        # Paying again re-reserves while seats remain, with a new request.
        r = self.start(c)
        self.assertEqual(r.status, 200, r)
        self.assertNotEqual(r.json, token)
        self.pay(r.json)
        self.assertEqual(self.order_of(c)["status"], "PAID")

    def test_forged_callbacks_change_nothing(self):
        c = self.client()
        self.reserve(c, [("std", 1)])
        token = self.start(c).json
        req = self.swish.request_by_token(token)
        forged = {"id": req["id"], "status": "PAID", "amount": 199,
                  "paymentReference": "F" * 32, "datePaid": "2026-01-01T00:00:00Z"}
        status, _ = post_callback(self.stack, forged)
        self.assertEqual(status, 403)
        status, _ = post_callback(self.stack, forged, identifier="0" * 64)
        self.assertEqual(status, 403)
        status, _ = post_callback(self.stack, dict(forged, id="A" * 32),
                                  identifier=req.get("callbackIdentifier"))
        self.assertEqual(status, 403)
        self.assertEqual(post_callback(self.stack, {"nonsense": True})[0], 400)
        # Even with the right identifier, the body is not believed: Swish
        # still says CREATED.
        status, _ = post_callback(self.stack, forged, identifier=req["callbackIdentifier"])
        self.assertEqual(status, 200)
        self.assertEqual(self.order_of(c)["status"], "RESERVED")
        self.assertEqual(self.query("SELECT count(*) AS n FROM tickets t JOIN payments p"
                                    " ON p.order_id = t.order_id WHERE p.provider_ref = ?",
                                    req["id"])[0]["n"], 0)
        # The refused ones left no trace; the checked one is on record.
        events = self.query("SELECT verified, outcome FROM provider_events"
                            " WHERE event_key LIKE ?", req["id"] + "%")
        self.assertEqual([(e["verified"], e["outcome"]) for e in events],
                         [(1, "not final yet")])

    def test_duplicate_and_out_of_order_callbacks(self):
        c, token, req = self.paid_flow("dup@example.com", (("std", 3),))
        tickets = lambda: self.query(
            "SELECT count(*) AS n FROM tickets t JOIN payments p"
            " ON p.order_id = t.order_id WHERE p.provider_ref = ?", req["id"])[0]["n"]
        self.assertEqual(tickets(), 3)
        status, out = self.swish.act(req["id"], "callback")
        self.assertEqual(status, 200, out)
        self.assertEqual(out["callback_status"], 200)
        self.assertEqual(tickets(), 3)
        # A DECLINED arriving after PAID (replayed with the right
        # identifier) is checked with Swish and changes nothing.
        late = {"id": req["id"], "status": "DECLINED", "amount": 597}
        self.assertEqual(post_callback(self.stack, late, req["callbackIdentifier"])[0], 200)
        self.assertEqual(self.order_of(c)["status"], "PAID")
        self.assertEqual(tickets(), 3)
        row = self.query("SELECT times_received FROM provider_events"
                         " WHERE event_key = ?", req["id"] + "/PAID")[0]
        self.assertGreaterEqual(row["times_received"], 2)
        # `biljett mail` runs in the background: wait for the mail, then
        # check there is only the one.
        wait_for(lambda: mails_to(self.stack.mail_dir, "dup@example.com"),
                 what="the ticket mail")
        self.assertEqual(len(mails_to(self.stack.mail_dir, "dup@example.com")), 1)


class LatePayment(StackTest):
    """A payment completing after its hold lapsed: honoured while seats
    remain, otherwise refunded through Swish and flagged."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.swish = Swish(cls.stack)

    def reserve(self, client, event, type_id, n=1):
        r = client.post("/reserve_ticket/", {"chapter_event": event,
                                             "tickets": [{"ticket_type": type_id, "count": n}]})
        return r

    def lapse(self, client):
        """Moves the session's hold into the past, as time would."""
        self.execute("UPDATE orders SET expires_at = strftime('%s','now') - 1"
                     " WHERE status = 'reserved'")

    def test_late_payment_honoured_when_seats_remain(self):
        types, event = self.show("roomy", seats=2)
        a, b = self.client(), self.client()
        self.assertEqual(self.reserve(a, event, types["std"]).status, 201)
        token = a.post("/start_payment/", {"email_address": "late@example.com"}).json
        self.lapse(a)
        # b's reservation expires a's hold lazily and takes one seat.
        self.assertEqual(self.reserve(b, event, types["std"]).status, 201)
        self.assertEqual(a.get("/session_payment_status/").json["status"],
                         "FAILED_EXPIRED_RESERVATION")
        req = self.swish.request_by_token(token)
        self.swish.act(req["id"], "pay")
        self.assertEqual(a.get("/session_payment_status/").json["status"], "PAID")
        flag = self.query("SELECT o.flag FROM orders o JOIN payments p ON p.order_id = o.id"
                          " WHERE p.provider_ref = ?", req["id"])[0]["flag"]
        self.assertEqual(flag, "late_payment_honoured")
        self.assertEqual(self.query("SELECT used FROM quotas WHERE event_id = ?",
                                    event)[0]["used"], 2)

    def test_late_payment_refunded_when_sold_out(self):
        types, event = self.show("tight", seats=1)
        a, b = self.client(), self.client()
        self.assertEqual(self.reserve(a, event, types["std"]).status, 201)
        token = a.post("/start_payment/", {"email_address": "late2@example.com"}).json
        self.lapse(a)
        self.assertEqual(self.reserve(b, event, types["std"]).status, 201)
        req = self.swish.request_by_token(token)
        _, out = self.swish.act(req["id"], "pay")
        self.assertEqual(out["callback_status"], 200)
        st = a.get("/session_payment_status/").json
        self.assertEqual(st["status"], "FAILED_EXPIRED_RESERVATION")
        row = self.query("SELECT o.flag, o.status FROM orders o JOIN payments p"
                         " ON p.order_id = o.id WHERE p.provider_ref = ?", req["id"])[0]
        self.assertEqual(row["flag"], "late_payment_refunded")
        refunds = self.query("SELECT r.status, r.amount FROM refunds r JOIN payments p"
                             " ON p.id = r.payment_id WHERE p.provider_ref = ?", req["id"])
        self.assertEqual([(r["status"], r["amount"]) for r in refunds], [("paid", 19900)])
        sim_refunds = self.swish.refunds()
        self.assertTrue(any(r.get("originalPaymentReference") for r in sim_refunds))
        # No tickets were issued and the seat stays b's.
        self.assertEqual(self.query("SELECT used FROM quotas WHERE event_id = ?",
                                    event)[0]["used"], 1)
