"""The Stripe simulator (tests/sim/stripe_sim.py) itself: it must speak
Stripe's wire protocol (protocols.md section 2) well enough that the
product's client and webhook handler, tested against it, work with
Stripe.  The simulator runs as its own process on free ports, over plain
HTTP, delivering webhooks to a small local receiver that checks every
signature the way Stripe's libraries do (an implementation of its own,
not the simulator's); the last class checks devstack's TLS wiring."""
import base64
import hashlib
import hmac
import http.client
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

import devstack
from support import ROOT, StackTest

SIM = os.path.join(ROOT, "tests", "sim", "stripe_sim.py")
SK, PK, WHSEC = "sk_test_sim", "pk_test_sim", "whsec_sim_secret"
TOLERANCE = 300
WAIT_SECONDS = 20


def verify(header, body, secret, now=None):
    """protocols.md 2.5, as stripe-python does it; returns None or why not."""
    items = [p.split("=", 1) for p in (header or "").split(",") if "=" in p]
    ts = [v for k, v in items if k == "t"]
    v1 = [v for k, v in items if k == "v1"]
    if not ts or not v1 or not ts[0].isdigit():
        return "no t or no v1"
    expected = hmac.new(secret.encode(), ts[0].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, s) for s in v1):
        return "bad signature"
    if abs((now or time.time()) - int(ts[0])) > TOLERANCE:
        return "stale"
    return None


class Receiver(http.server.ThreadingHTTPServer):
    """The webhook target: records each POST and answers 400 to a bad
    signature, else the next programmed status (200 when none)."""
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.cond = threading.Condition()
        self.got = []
        self.statuses = []

    def reset(self):
        with self.cond:
            self.got, self.statuses = [], []

    def wait_for(self, n, etype=None):
        """The first n verified deliveries (of etype); fails after a while."""
        def match():
            return [g for g in self.got if g["error"] is None and
                    (etype is None or g["event"]["type"] == etype)]
        with self.cond:
            if not self.cond.wait_for(lambda: len(match()) >= n, WAIT_SECONDS):
                raise AssertionError(f"{n} x {etype} not delivered: {self.got}")
            return match()


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        error = verify(self.headers.get("Stripe-Signature"), body, WHSEC)
        srv = self.server
        with srv.cond:
            status = 400 if error else (srv.statuses.pop(0) if srv.statuses else 200)
            srv.got.append({"path": self.path, "body": body, "error": error,
                            "headers": dict(self.headers), "status": status,
                            "event": json.loads(body) if body.startswith(b"{") else None})
            srv.cond.notify_all()
        out = json.dumps({"error": error} if error else {"received": True}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.raw = status, headers, body
        self.json = json.loads(body) if body[:1] in (b"{", b"[") else None

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return f"<{self.status} {self.raw[:300]!r}>"


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return Answer(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        conn.close()


class SimTest(unittest.TestCase):
    """One simulator and one receiver for the class; both reset per test."""
    sim_args = ()

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="biljett-stripe-sim-")
        cls.hook = Receiver()
        threading.Thread(target=cls.hook.serve_forever, daemon=True).start()
        cls.port, cls.cport = devstack.free_port(), devstack.free_port()
        cls.log = os.path.join(cls.tmp, "stripe-sim.log")
        with open(cls.log, "wb") as log:
            cls.proc = subprocess.Popen(
                [sys.executable, SIM, "--port", str(cls.port), "--control-port",
                 str(cls.cport), "--secret-key", SK, "--publishable-key", PK,
                 "--webhook-url", f"http://127.0.0.1:{cls.hook.server_port}/hooks/stripe/",
                 "--webhook-secret", WHSEC, "--retry-delays", "0.05,0.05,0.05,0.05",
                 "--processing-delay", "0.2", *cls.sim_args],
                stderr=log, stdout=log, stdin=subprocess.DEVNULL)
        for port in (cls.cport, cls.port):
            devstack.wait_until(lambda: devstack.tcp_open(port), "stripe-sim", cls.log,
                                proc=cls.proc)

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        code = cls.proc.wait(timeout=30)
        cls.hook.shutdown()
        cls.hook.server_close()
        with open(cls.log, errors="replace") as f:
            log = f.read()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        if code != 0:
            raise AssertionError(f"stripe-sim exited {code} on SIGTERM\n{log[-3000:]}")
        if "Traceback" in log:
            raise AssertionError(f"stripe-sim failed inside:\n{log[-3000:]}")

    def setUp(self):
        self.control("POST", "/control/reset")
        self.hook.reset()

    # -- helpers ------------------------------------------------------------

    def api(self, method, path, form=(), key=SK, headers=None):
        hdrs = {"Authorization": f"Bearer {key}"} if key else {}
        body = None
        if method == "POST":
            body = urllib.parse.urlencode(list(form.items() if isinstance(form, dict)
                                               else form))
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        hdrs.update(headers or {})
        return request(self.port, method, path, body, hdrs)

    def control(self, method, path, body=None):
        r = request(self.cport, method, path, json.dumps(body) if body is not None else None,
                    {"Content-Type": "application/json"} if body is not None else {})
        return r

    def create(self, amount=2000, **extra):
        form = [("amount", str(amount)), ("currency", "sek"),
                ("automatic_payment_methods[enabled]", "true")] + list(extra.items())
        r = self.api("POST", "/v1/payment_intents", form)
        self.assertEqual(r.status, 200, r)
        return r.json

    def confirm(self, pi, pm="pm_card_visa", sync=True):
        r = self.control("POST", f"/control/payment_intents/{pi['id']}/confirm"
                         + ("?sync=1" if sync else ""), {"payment_method": pm})
        self.assertEqual(r.status, 200, r)
        return r.json

    def paid(self, amount=1000):
        pi = self.create(amount)
        self.assertEqual(self.confirm(pi)["status"], "succeeded")
        self.hook.reset()
        return self.api("GET", f"/v1/payment_intents/{pi['id']}").json

    def assert_error(self, r, status, etype, code=None, param=None):
        self.assertEqual(r.status, status, r)
        err = r.json["error"]
        self.assertEqual(err["type"], etype, r)
        self.assertTrue(err["message"], r)
        if code is not None:
            self.assertEqual(err.get("code"), code, r)
        if param is not None:
            self.assertEqual(err.get("param"), param, r)


class StripeSim(SimTest):

    def test_stripe_sim_signature_test_vector(self):
        sys.path.insert(0, os.path.dirname(SIM))
        try:
            import stripe_sim
        finally:
            sys.path.pop(0)
        body = b'{"id":"evt_test","object":"event","type":"payment_intent.succeeded"}'
        header = ("t=1700000000,v1=f457ee3d89f52f9f02936e1cd1173dd5df"
                  "a132cdc78ec55ea964a53098c5a1c0")
        self.assertEqual(stripe_sim.signature_header("whsec_test_secret", 1700000000, body),
                         header)
        self.assertIsNone(verify(header, body, "whsec_test_secret", now=1700000000))
        self.assertEqual(verify(header, body + b" ", "whsec_test_secret", now=1700000000),
                         "bad signature")

    def test_stripe_sim_create_and_retrieve(self):
        r = self.api("POST", "/v1/payment_intents", [
            ("amount", "2000"), ("currency", "SEK"), ("metadata[order_id]", "42"),
            ("metadata[note]", "två"), ("description", "Vårspelet"),
            ("receipt_email", "buyer@example.net"), ("payment_method_types[]", "card")])
        self.assertEqual(r.status, 200, r)
        self.assertRegex(r.header("Request-Id"), r"^req_[A-Za-z0-9]{14}$")
        pi = r.json
        self.assertRegex(pi["id"], r"^pi_[A-Za-z0-9]{24}$")
        self.assertTrue(pi["client_secret"].startswith(pi["id"] + "_secret_"))
        self.assertEqual((pi["object"], pi["amount"], pi["currency"], pi["status"]),
                         ("payment_intent", 2000, "sek", "requires_payment_method"))
        self.assertEqual((pi["amount_received"], pi["latest_charge"], pi["livemode"]),
                         (0, None, False))
        self.assertIsNone(pi["last_payment_error"])
        self.assertEqual(pi["metadata"], {"order_id": "42", "note": "två"})
        self.assertEqual(pi["payment_method_types"], ["card"])
        self.assertEqual(pi["receipt_email"], "buyer@example.net")
        self.assertIsInstance(pi["created"], int)
        got = self.api("GET", f"/v1/payment_intents/{pi['id']}")
        self.assertEqual(got.status, 200, got)
        self.assertEqual(got.json, pi)
        self.assert_error(self.api("GET", "/v1/payment_intents/pi_nope"), 404,
                          "invalid_request_error", "resource_missing")
        r = self.api("GET", "/v1/customers")
        self.assert_error(r, 404, "invalid_request_error")
        self.assertIn("Unrecognized request URL (GET: /v1/customers)", r.json["error"]["message"])

    def test_stripe_sim_auth(self):
        form = {"amount": "100", "currency": "sek"}
        r = self.api("POST", "/v1/payment_intents", form, key=None)
        self.assert_error(r, 401, "invalid_request_error")
        self.assertTrue(r.header("Request-Id"))
        self.assert_error(self.api("POST", "/v1/payment_intents", form, key="sk_test_other"),
                          401, "invalid_request_error")
        basic = base64.b64encode(f"{SK}:".encode()).decode()
        r = self.api("POST", "/v1/payment_intents", form, key=None,
                     headers={"Authorization": f"Basic {basic}"})
        self.assertEqual(r.status, 200, r)
        wrong = base64.b64encode(f"{SK}:secret".encode()).decode()
        r = self.api("POST", "/v1/payment_intents", form, key=None,
                     headers={"Authorization": f"Basic {wrong}"})
        self.assert_error(r, 401, "invalid_request_error")
        state = self.control("GET", "/control/state").json
        self.assertEqual(len(state["payment_intents"]), 1)

    def test_stripe_sim_validation(self):
        post = lambda form: self.api("POST", "/v1/payment_intents", form)  # noqa: E731
        self.assert_error(post({"currency": "sek"}), 400, "invalid_request_error",
                          "parameter_missing", "amount")
        self.assert_error(post({"amount": "12.50", "currency": "sek"}), 400,
                          "invalid_request_error", "parameter_invalid_integer", "amount")
        self.assert_error(post({"amount": "0", "currency": "sek"}), 400,
                          "invalid_request_error", "parameter_invalid_integer", "amount")
        self.assert_error(post({"amount": "100"}), 400, "invalid_request_error",
                          "parameter_missing", "currency")
        self.assert_error(post({"amount": "100", "currency": "kronor"}), 400,
                          "invalid_request_error", None, "currency")
        self.assert_error(post({"amount": "100", "currency": "sek", "colour": "red"}), 400,
                          "invalid_request_error", "parameter_unknown", "colour")
        self.assert_error(post({"amount": "100", "currency": "sek",
                                "metadata[" + "k" * 41 + "]": "v"}),
                          400, "invalid_request_error")
        self.assertEqual(self.control("GET", "/control/state").json["payment_intents"], [])

    def test_stripe_sim_idempotency(self):
        form = {"amount": "1500", "currency": "sek", "metadata[order_id]": "7"}
        first = self.api("POST", "/v1/payment_intents", form, headers={"Idempotency-Key": "k-1"})
        self.assertEqual(first.status, 200, first)
        self.assertEqual(first.header("Idempotency-Key"), "k-1")
        self.assertIsNone(first.header("Idempotent-Replayed"))
        # Same parameters in another order: the same request.
        again = self.api("POST", "/v1/payment_intents", list(reversed(list(form.items()))),
                         headers={"Idempotency-Key": "k-1"})
        self.assertEqual(again.status, 200, again)
        self.assertEqual(again.json, first.json)
        self.assertEqual(again.header("Idempotent-Replayed"), "true")
        self.assertEqual(again.header("Idempotency-Key"), "k-1")
        other = self.api("POST", "/v1/payment_intents", dict(form, amount="1600"),
                         headers={"Idempotency-Key": "k-1"})
        self.assert_error(other, 400, "idempotency_error")
        self.assertIn("same parameters", other.json["error"]["message"])
        # A request failing validation is not kept: the key is still free.
        bad = self.api("POST", "/v1/payment_intents", {"currency": "sek"},
                       headers={"Idempotency-Key": "k-2"})
        self.assert_error(bad, 400, "invalid_request_error", "parameter_missing")
        good = self.api("POST", "/v1/payment_intents", form, headers={"Idempotency-Key": "k-2"})
        self.assertEqual(good.status, 200, good)
        self.assertNotEqual(good.json["id"], first.json["id"])
        # An error from the endpoint itself is kept and replayed.
        pi = self.paid()
        for replayed in (None, "true"):
            r = self.api("POST", "/v1/refunds", {"payment_intent": pi["id"], "amount": "5000"},
                         headers={"Idempotency-Key": "k-3"})
            self.assert_error(r, 400, "invalid_request_error", "amount_too_large")
            self.assertEqual(r.header("Idempotent-Replayed"), replayed)
        self.assertEqual(len(self.control("GET", "/control/state").json["payment_intents"]), 3)

    def test_stripe_sim_confirm_success_sends_signed_event(self):
        pi = self.create(2500, **{"metadata[order_id]": "99"})
        out = self.confirm(pi)
        self.assertEqual((out["status"], out["amount_received"]), ("succeeded", 2500))
        self.assertRegex(out["latest_charge"], r"^ch_[A-Za-z0-9]{24}$")
        self.assertEqual([(d["type"], d["status"]) for d in out["deliveries"]],
                         [("payment_intent.succeeded", 200)])
        [got] = self.hook.wait_for(1)
        self.assertEqual(got["path"], "/hooks/stripe/")
        self.assertTrue(got["headers"]["Content-Type"].startswith("application/json"))
        # The receiver's own check passed; and the header is t=..,v1=.. over the raw body.
        self.assertRegex(got["headers"]["Stripe-Signature"], r"^t=\d+,v1=[0-9a-f]{64}$")
        ev = got["event"]
        self.assertRegex(ev["id"], r"^evt_[A-Za-z0-9]{24}$")
        self.assertEqual((ev["object"], ev["type"], ev["livemode"], ev["pending_webhooks"]),
                         ("event", "payment_intent.succeeded", False, 1))
        self.assertTrue(ev["api_version"])
        self.assertRegex(ev["request"]["id"], r"^req_")
        obj = ev["data"]["object"]
        self.assertEqual((obj["id"], obj["status"], obj["amount_received"], obj["metadata"]),
                         (pi["id"], "succeeded", 2500, {"order_id": "99"}))
        self.assertEqual(obj["latest_charge"], out["latest_charge"])
        ch = self.api("GET", f"/v1/charges/{out['latest_charge']}").json
        self.assertEqual((ch["object"], ch["amount"], ch["amount_refunded"], ch["captured"],
                          ch["paid"], ch["refunded"], ch["payment_intent"], ch["currency"]),
                         ("charge", 2500, 0, True, True, False, pi["id"], "sek"))
        self.assertEqual(self.api("GET", f"/v1/payment_intents/{pi['id']}").json["status"],
                         "succeeded")
        # A second confirmation is refused.
        r = self.control("POST", f"/control/payment_intents/{pi['id']}/confirm", {})
        self.assert_error(r, 400, "invalid_request_error", "payment_intent_unexpected_state")

    def test_stripe_sim_decline(self):
        pi = self.create(900)
        out = self.confirm(pi, "pm_card_chargeDeclined")
        self.assertEqual(out["status"], "requires_payment_method")
        err = out["last_payment_error"]
        self.assertEqual((err["type"], err["code"], err["decline_code"], err["message"]),
                         ("card_error", "card_declined", "generic_decline",
                          "Your card was declined."))
        [got] = self.hook.wait_for(1)
        self.assertEqual(got["event"]["type"], "payment_intent.payment_failed")
        self.assertEqual(got["event"]["data"]["object"]["last_payment_error"]["code"],
                         "card_declined")
        self.assert_error(self.api("POST", "/v1/refunds", {"payment_intent": pi["id"]}),
                          400, "invalid_request_error")
        # The buyer may try again with another card.
        self.assertEqual(self.confirm(pi)["status"], "succeeded")

    def test_stripe_sim_processing_then_succeeded(self):
        pi = self.create(700)
        self.assertEqual(self.confirm(pi, "pm_card_processing")["status"], "processing")
        self.hook.wait_for(1, "payment_intent.processing")
        self.hook.wait_for(1, "payment_intent.succeeded")
        self.assertEqual(self.api("GET", f"/v1/payment_intents/{pi['id']}").json["status"],
                         "succeeded")

    def test_stripe_sim_refunds(self):
        pi = self.paid(1000)
        r = self.api("POST", "/v1/refunds", [("payment_intent", pi["id"]), ("amount", "300"),
                                              ("reason", "requested_by_customer"),
                                              ("metadata[order_id]", "5")])
        self.assertEqual(r.status, 200, r)
        re1 = r.json
        self.assertRegex(re1["id"], r"^re_[A-Za-z0-9]{24}$")
        self.assertEqual((re1["object"], re1["amount"], re1["status"], re1["payment_intent"],
                          re1["charge"], re1["currency"], re1["reason"], re1["metadata"]),
                         ("refund", 300, "succeeded", pi["id"], pi["latest_charge"], "sek",
                          "requested_by_customer", {"order_id": "5"}))
        [ev] = self.hook.wait_for(1, "charge.refunded")
        ch = ev["event"]["data"]["object"]
        self.assertEqual((ch["object"], ch["id"], ch["payment_intent"], ch["amount"],
                          ch["amount_refunded"], ch["refunded"]),
                         ("charge", pi["latest_charge"], pi["id"], 1000, 300, False))
        self.assertEqual(ev["event"]["data"]["previous_attributes"], {"amount_refunded": 0})
        [created] = self.hook.wait_for(1, "refund.created")
        self.assertEqual(created["event"]["data"]["object"]["id"], re1["id"])
        self.assert_error(self.api("POST", "/v1/refunds", {"payment_intent": pi["id"],
                                                           "amount": "701"}),
                          400, "invalid_request_error", "amount_too_large")
        self.assert_error(self.api("POST", "/v1/refunds", {"payment_intent": pi["id"],
                                                           "reason": "bored"}),
                          400, "invalid_request_error", None, "reason")
        # No amount: the rest, by the charge this time.
        r = self.api("POST", "/v1/refunds", {"charge": pi["latest_charge"]})
        self.assertEqual((r.status, r.json["amount"]), (200, 700), r)
        evs = self.hook.wait_for(2, "charge.refunded")
        ch = evs[1]["event"]["data"]["object"]
        self.assertEqual((ch["amount_refunded"], ch["refunded"]), (1000, True))
        self.assertEqual(evs[1]["event"]["data"]["previous_attributes"],
                         {"amount_refunded": 300, "refunded": False})
        self.assert_error(self.api("POST", "/v1/refunds", {"payment_intent": pi["id"]}),
                          400, "invalid_request_error", "charge_already_refunded")
        got = self.api("GET", f"/v1/refunds/{re1['id']}")
        self.assertEqual((got.status, got.json), (200, re1))
        listed = self.api("GET", f"/v1/refunds?payment_intent={pi['id']}").json
        self.assertEqual((listed["object"], listed["has_more"], listed["url"]),
                         ("list", False, "/v1/refunds"))
        self.assertEqual([x["amount"] for x in listed["data"]], [700, 300])
        self.assertEqual(self.api("GET", "/v1/refunds?payment_intent=pi_other").json["data"], [])

    def test_stripe_sim_cancel(self):
        pi = self.create()
        r = self.api("POST", f"/v1/payment_intents/{pi['id']}/cancel",
                     {"cancellation_reason": "abandoned"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["status"], r.json["cancellation_reason"]),
                         ("canceled", "abandoned"))
        self.assertEqual(self.hook.wait_for(1)[0]["event"]["type"], "payment_intent.canceled")
        self.assert_error(self.api("POST", f"/v1/payment_intents/{pi['id']}/cancel"), 400,
                          "invalid_request_error", "payment_intent_unexpected_state")
        r = self.control("POST", f"/control/payment_intents/{pi['id']}/confirm", {})
        self.assert_error(r, 400, "invalid_request_error", "payment_intent_unexpected_state")
        paid = self.paid()
        self.assert_error(self.api("POST", f"/v1/payment_intents/{paid['id']}/cancel"), 400,
                          "invalid_request_error", "payment_intent_unexpected_state")

    def test_stripe_sim_retries_until_2xx(self):
        self.hook.statuses = [500, 503]
        out = self.confirm(self.create())
        self.assertEqual(out["deliveries"][0]["status"], 200)
        self.assertEqual(len(self.hook.wait_for(3)), 3)
        [ev] = self.control("GET", "/control/events?type=payment_intent.succeeded").json
        self.assertEqual([d["status"] for d in ev["deliveries"]], [500, 503, 200])
        self.assertEqual(len({g["event"]["id"] for g in self.hook.got}), 1)

    def test_stripe_sim_resend_duplicates_event(self):
        self.confirm(self.create())
        [first] = self.hook.wait_for(1)
        evt = first["event"]["id"]
        r = self.control("POST", f"/control/events/{evt}/resend", {})
        self.assertEqual((r.status, r.json["status"], r.json["body"]),
                         (200, 200, {"received": True}), r)
        both = self.hook.wait_for(2)
        self.assertEqual(both[1]["body"], both[0]["body"])
        self.assertEqual(both[1]["event"]["id"], evt)
        self.assert_error(self.control("POST", "/control/events/evt_nope/resend", {}), 404,
                          "invalid_request_error", "resource_missing")

    def test_stripe_sim_forged_and_stale_events(self):
        pi = self.create()
        r = self.control("POST", "/control/send", {"type": "payment_intent.succeeded",
                                                   "payment_intent": pi["id"]})
        self.assertEqual((r.json["status"], r.json["body"]), (200, {"received": True}), r)
        self.assertEqual(r.json["event"]["data"]["object"]["id"], pi["id"])
        r = self.control("POST", "/control/send", {"payment_intent": pi["id"],
                                                   "secret": "whsec_other"})
        self.assertEqual((r.json["status"], r.json["body"]),
                         (400, {"error": "bad signature"}), r)
        r = self.control("POST", "/control/send", {"payment_intent": pi["id"],
                                                   "timestamp_offset": -400})
        self.assertEqual((r.json["status"], r.json["body"]), (400, {"error": "stale"}), r)
        r = self.control("POST", "/control/send", {"object": {"id": "pi_x"},
                                                   "signature_header": "v1=00"})
        self.assertEqual((r.json["status"], r.json["body"]),
                         (400, {"error": "no t or no v1"}), r)
        r = self.control("POST", "/control/send", {"raw_body": "not json"})
        self.assertEqual(r.json["status"], 200, r)
        self.assertEqual(self.hook.got[-1]["body"], b"not json")
        self.assertEqual([g["status"] for g in self.hook.got], [200, 400, 400, 400, 200])

    def test_stripe_sim_hold_and_release_in_reverse(self):
        self.control("POST", "/control/webhooks/hold", {})
        a, b = self.create(100), self.create(200)
        self.assertEqual(self.confirm(a)["deliveries"], [])
        self.assertEqual(self.confirm(b, "pm_card_chargeDeclined")["deliveries"], [])
        state = self.control("GET", "/control/state").json
        self.assertEqual(len(state["queued"]), 2)
        self.assertEqual(self.hook.got, [])
        r = self.control("POST", "/control/webhooks/release", {"order": "reverse"})
        self.assertEqual([(d["type"], d["status"]) for d in r.json["delivered"]],
                         [("payment_intent.payment_failed", 200),
                          ("payment_intent.succeeded", 200)])
        self.assertEqual([g["event"]["data"]["object"]["id"] for g in self.hook.wait_for(2)],
                         [b["id"], a["id"]])
        # Released: the next event goes out at once.
        self.confirm(self.create(300))
        self.assertEqual(len(self.hook.wait_for(3)), 3)

    def test_stripe_sim_fail_next(self):
        r = self.control("POST", "/control/fail-next", {"status": 500, "count": 1,
                                                        "path_prefix": "/v1/payment_intents"})
        self.assertEqual(r.status, 200, r)
        # Other paths are not affected.
        self.assertEqual(self.api("GET", "/v1/refunds").status, 200)
        self.assert_error(self.api("POST", "/v1/payment_intents",
                                   {"amount": "100", "currency": "sek"}), 500, "api_error")
        self.create(100)
        # A dropped connection before the call runs: nothing is created.
        self.control("POST", "/control/fail-next", {"status": 0})
        with self.assertRaises((http.client.HTTPException, ConnectionError)):
            self.api("POST", "/v1/payment_intents", {"amount": "100", "currency": "sek"})
        self.assertEqual(len(self.control("GET", "/control/state").json["payment_intents"]), 1)
        # Dropped after it ran: a retry with the same key gets the stored answer.
        self.control("POST", "/control/fail-next", {"status": 0, "when": "after"})
        form = {"amount": "400", "currency": "sek"}
        with self.assertRaises((http.client.HTTPException, ConnectionError)):
            self.api("POST", "/v1/payment_intents", form, headers={"Idempotency-Key": "lost"})
        r = self.api("POST", "/v1/payment_intents", form, headers={"Idempotency-Key": "lost"})
        self.assertEqual((r.status, r.header("Idempotent-Replayed")), (200, "true"), r)
        pis = self.control("GET", "/control/state").json["payment_intents"]
        self.assertEqual([p["id"] for p in pis if p["amount"] == 400], [r.json["id"]])


class StripeJs(SimTest):
    """The Stripe.js stand-in, run by node against the simulator with just
    enough of a DOM to mount its card field."""

    DOM = """
        const nodes = [];
        function el(tag) { const n = {tag, children: [], attrs: {}, value: "",
            listeners: {}, appendChild(c) { this.children.push(c); c.parentNode = this; },
            removeChild(c) { this.children = this.children.filter(x => x !== c); },
            setAttribute(k, v) { this.attrs[k] = v; },
            addEventListener(e, f) { this.listeners[e] = f; } };
            nodes.push(n); return n; }
        const root = el("div");
        globalThis.document = {createElement: el, querySelector: () => root};
        globalThis.window = globalThis;
        eval(await (await fetch(process.argv[1] + "/stripe.js")).text());
        const input = () => nodes.find(n => n.name === "cardnumber");
    """

    def node(self, script, *args):
        if shutil.which("node") is None:
            self.skipTest("node is not installed")
        code = f"(async () => {{ {self.DOM} {script} }})().catch(e => " \
               "{ console.log(JSON.stringify({thrown: String(e)})); });"
        p = subprocess.run(["node", "-e", code, f"http://127.0.0.1:{self.cport}", *args],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout.strip().splitlines()[-1])

    def test_stripe_sim_js_served_with_cors(self):
        r = request(self.cport, "GET", "/stripe.js")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("Content-Type").startswith("application/javascript"))
        self.assertEqual(r.header("Access-Control-Allow-Origin"), "*")
        self.assertIn(PK.encode(), r.raw)
        self.assertIn(f"127.0.0.1:{self.cport}".encode(), r.raw)
        r = request(self.cport, "OPTIONS", "/control/payment_intents/pi_x/confirm",
                    headers={"Origin": "http://127.0.0.1:1",
                             "Access-Control-Request-Method": "POST",
                             "Access-Control-Request-Headers": "content-type"})
        self.assertEqual(r.status, 204)
        self.assertEqual(r.header("Access-Control-Allow-Origin"), "*")
        self.assertIn("POST", r.header("Access-Control-Allow-Methods"))
        self.assertIn("Content-Type", r.header("Access-Control-Allow-Headers"))

    CHECKOUT = """
        const stripe = Stripe(process.argv[2]);
        const elements = stripe.elements({clientSecret: process.argv[3]});
        elements.create("payment").mount("#payment-element");
        const field = input();
        const label = field.attrs["aria-label"];
        field.value = process.argv[4];
        const submitted = await elements.submit();
        const out = await stripe.confirmPayment({elements, redirect: "if_required",
            confirmParams: {return_url: "https://127.0.0.1/done"}});
        const again = await stripe.retrievePaymentIntent(process.argv[3]);
        const status = again.paymentIntent ? again.paymentIntent.status : again.error.code;
        console.log(JSON.stringify({label, submitted, out, status}));
    """

    def test_stripe_sim_js_checkout_success_and_decline(self):
        pi = self.create(1200)
        got = self.node(self.CHECKOUT, PK, pi["client_secret"], "4242 4242 4242 4242")
        self.assertEqual((got["label"], got["submitted"]), ("Card number", {}), got)
        self.assertEqual(got["out"]["paymentIntent"]["id"], pi["id"], got)
        self.assertEqual(got["status"], "succeeded")
        self.hook.wait_for(1, "payment_intent.succeeded")
        pi = self.create(1300)
        got = self.node(self.CHECKOUT, PK, pi["client_secret"], "4000000000000002")
        self.assertEqual((got["out"]["error"]["code"], got["out"]["error"]["type"]),
                         ("card_declined", "card_error"), got)
        self.assertEqual(got["status"], "requires_payment_method")

    def test_stripe_sim_js_refuses_other_key_and_secret(self):
        pi = self.create(1200)
        got = self.node(self.CHECKOUT, "pk_test_other", pi["client_secret"], "4242424242424242")
        self.assertIn("Invalid API Key", got["thrown"])
        forged = pi["id"] + "_secret_wrong"
        got = self.node(self.CHECKOUT, PK, forged, "4242424242424242")
        self.assertEqual(got["out"]["error"]["code"], "resource_missing", got)
        self.assertEqual(self.api("GET", f"/v1/payment_intents/{pi['id']}").json["status"],
                         "requires_payment_method")


class AutoConfirm(SimTest):
    sim_args = ("--auto-confirm", "0.2")

    def test_stripe_sim_auto_confirm(self):
        pi = self.create(500)
        [got] = self.hook.wait_for(1, "payment_intent.succeeded")
        self.assertEqual(got["event"]["data"]["object"]["id"], pi["id"])
        self.assertEqual(self.api("GET", f"/v1/payment_intents/{pi['id']}").json["status"],
                         "succeeded")


class DevstackStripe(StackTest):
    """devstack starts the simulator over TLS with the dev certificate and
    points its webhooks at nginx's https port."""
    programs = ("catalog",)

    def test_stripe_sim_in_devstack(self):
        import ssl
        conf = self.stack.stripe_conf()
        self.assertEqual((conf["stripe_secret_key"], conf["stripe_publishable_key"],
                          conf["stripe_webhook_secret"]),
                         ("sk_test_biljett_dev", "pk_test_biljett_dev", "whsec_biljett_dev"))
        self.assertEqual(conf["stripe_js_url"], self.stack.stripe_control_url + "/stripe.js")
        u = urllib.parse.urlsplit(conf["stripe_api_url"])
        self.assertEqual(u.scheme, "https")
        ctx = ssl.create_default_context(cafile=conf["stripe_ca"])
        conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=60)
        conn.request("POST", "/v1/payment_intents", body="amount=100&currency=sek",
                     headers={"Authorization": f"Bearer {conf['stripe_secret_key']}",
                              "Content-Type": "application/x-www-form-urlencoded"})
        r = conn.getresponse()
        pi = json.loads(r.read())
        conn.close()
        self.assertEqual(r.status, 200, pi)
        cport = self.stack.stripe_control_port
        r = request(cport, "POST", f"/control/payment_intents/{pi['id']}/confirm?sync=1",
                    json.dumps({"payment_method": "pm_card_visa"}))
        self.assertEqual(r.status, 200, r)
        # nginx answered over TLS verified with the dev CA: some HTTP status,
        # whatever the product makes of the event (no route yet: 404).
        [d] = r.json["deliveries"]
        [ev] = request(cport, "GET", "/control/events").json
        self.assertIsInstance(ev["deliveries"][0]["status"], int, ev)
        self.assertIsNone(ev["deliveries"][0]["error"])
        self.assertEqual(d["id"], ev["event"]["id"])


if __name__ == "__main__":
    unittest.main()
