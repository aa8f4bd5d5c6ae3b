"""The M-Pesa simulator (tests/sim/mpesa_sim.py) itself: it must speak
Daraja's wire protocol (protocols.md section 3) well enough that the
product's client, tested against it, works with Daraja: OAuth with Basic
credentials, STK push and query with the Password and a Nairobi
Timestamp checked, Daraja's error envelope, and callbacks of Daraja's
shape.  The simulator runs as its own process on free ports, over plain
HTTP, calling back a small local receiver; the requests here are built
from protocols.md, not from the simulator's code."""
import base64
import datetime
import http.client
import http.server
import json
import os
import subprocess
import sys
import threading
import time
import unittest

import devstack
from support import ROOT

SIM = os.path.join(ROOT, "tests", "sim", "mpesa_sim.py")
KEY, SECRET = "sim_key", "sim_secret"
SHORTCODE = "174379"
PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
NAIROBI = datetime.timezone(datetime.timedelta(hours=3))


def password(timestamp, passkey=PASSKEY):
    return base64.b64encode((SHORTCODE + passkey + timestamp).encode()).decode()


def timestamp(tz=NAIROBI):
    return datetime.datetime.now(tz).strftime("%Y%m%d%H%M%S")


class Receiver(http.server.ThreadingHTTPServer):
    """The CallBackURL: records each POST, answers Daraja's ack."""
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.cond = threading.Condition()
        self.got = []

    def wait(self, n):
        deadline = time.monotonic() + 20
        with self.cond:
            while len(self.got) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.got)} callbacks, wanted {n}")
                self.cond.wait(left)
            return list(self.got)


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        with self.server.cond:
            self.server.got.append({"path": self.path, "body": json.loads(body),
                                    "type": self.headers.get("Content-Type")})
            self.server.cond.notify_all()
        data = b'{"ResultCode":0,"ResultDesc":"Accepted"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class DarajaWire(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.port, cls.control_port = devstack.free_port(), devstack.free_port()
        cls.proc = subprocess.Popen(
            [sys.executable, SIM, "--port", str(cls.port), "--control-port",
             str(cls.control_port), "--consumer-key", KEY, "--consumer-secret", SECRET,
             "--shortcode", SHORTCODE, "--passkey", PASSKEY, "--delay", "3600"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for p in (cls.port, cls.control_port):
            devstack.wait_until(lambda: devstack.tcp_open(p), "the M-Pesa simulator",
                                proc=cls.proc)
        cls.receiver = Receiver()
        threading.Thread(target=cls.receiver.serve_forever, daemon=True).start()
        cls.callback = f"http://127.0.0.1:{cls.receiver.server_address[1]}/cb/secret123/"

    @classmethod
    def tearDownClass(cls):
        cls.receiver.shutdown()
        cls.proc.terminate()
        cls.proc.wait(10)

    def call(self, method, path, body=None, headers=None, port=None):
        conn = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=30)
        hdrs = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        try:
            conn.request(method, path, body=data, headers=hdrs)
            r = conn.getresponse()
            return r.status, json.loads(r.read() or b"null")
        finally:
            conn.close()

    def control(self, method, path, body=None):
        return self.call(method, path, body if body is not None else
                         ({} if method == "POST" else None), port=self.control_port)[1]

    def basic(self, key=KEY, secret=SECRET):
        return {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()}

    def token(self):
        status, j = self.call("GET", "/oauth/v1/generate?grant_type=client_credentials",
                              headers=self.basic())
        self.assertEqual(status, 200, j)
        return {"Authorization": "Bearer " + j["access_token"]}

    def push_body(self, phone="254708374149", amount=1, **over):
        ts = timestamp()
        body = {"BusinessShortCode": SHORTCODE, "Password": password(ts), "Timestamp": ts,
                "TransactionType": "CustomerPayBillOnline", "Amount": amount,
                "PartyA": phone, "PartyB": SHORTCODE, "PhoneNumber": phone,
                "CallBackURL": self.callback, "AccountReference": "OE12345",
                "TransactionDesc": "Tickets"}
        body.update(over)
        return body

    def assert_daraja_error(self, status, j, want_status, code):
        self.assertEqual(status, want_status, j)
        self.assertEqual(j["errorCode"], code, j)
        self.assertIsInstance(j["errorMessage"], str)
        self.assertIsInstance(j["requestId"], str)

    def test_protocols_password_vector(self):
        # protocols.md 3.3's own sample, the rule the simulator checks.
        self.assertEqual(password("20210628092408"),
                         "MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2RkNzFhNDY3Y2QyZTBjODkz"
                         "MDU5YjEwZjc4ZTZiNzJhZGExZWQyYzkxOTIwMjEwNjI4MDkyNDA4")

    def test_oauth(self):
        path = "/oauth/v1/generate?grant_type=client_credentials"
        status, j = self.call("GET", path, headers=self.basic())
        self.assertEqual(status, 200)
        self.assertIsInstance(j["access_token"], str)
        self.assertEqual(j["expires_in"], "3599")
        self.assert_daraja_error(*self.call("GET", path, headers={"Authorization": "Bearer x"}),
                                 400, "400.008.01")
        self.assert_daraja_error(*self.call("GET", path, headers=self.basic(secret="nope")),
                                 400, "400.008.01")
        self.assert_daraja_error(*self.call("GET", "/oauth/v1/generate?grant_type=password",
                                            headers=self.basic()), 400, "400.008.02")

    def test_push_checks_like_daraja(self):
        t = self.token()
        path = "/mpesa/stkpush/v1/processrequest"
        self.assert_daraja_error(*self.call("POST", path, self.push_body()), 404, "404.001.03")
        self.assert_daraja_error(*self.call("POST", path, self.push_body(), {"Authorization": "Bearer stale"}),
                                 404, "404.001.03")
        ts = timestamp()
        self.assert_daraja_error(*self.call("POST", path, self.push_body(
            Timestamp=ts, Password=password(ts, "wrong-passkey")), t), 500, "500.001.1001")
        # A Timestamp in UTC is three hours off Nairobi's: refused.
        utc = timestamp(datetime.timezone.utc)
        self.assert_daraja_error(*self.call("POST", path, self.push_body(
            Timestamp=utc, Password=password(utc)), t), 400, "400.002.02")
        for over in ({"Amount": 1.5}, {"Amount": 0}, {"PhoneNumber": "0708374149"},
                     {"PartyB": "600000"}, {"AccountReference": "X" * 13},
                     {"TransactionType": "Nope"}, {"BusinessShortCode": "600000"}):
            with self.subTest(**over):
                self.assert_daraja_error(*self.call("POST", path, self.push_body(**over), t),
                                         400, "400.002.02")

    def test_push_query_and_callbacks(self):
        t = self.token()
        status, j = self.call("POST", "/mpesa/stkpush/v1/processrequest",
                              self.push_body(amount=1500), t)
        self.assertEqual(status, 200, j)
        self.assertEqual((j["ResponseCode"], j["CustomerMessage"][:7]), ("0", "Success"))
        cid = j["CheckoutRequestID"]
        self.assertTrue(cid.startswith("ws_CO_"))
        ts = timestamp()
        query = {"BusinessShortCode": SHORTCODE, "Password": password(ts), "Timestamp": ts,
                 "CheckoutRequestID": cid}
        # Not answered yet: Daraja's "being processed" error.
        status, q = self.call("POST", "/mpesa/stkpushquery/v1/query", query, t)
        self.assert_daraja_error(status, q, 500, "500.001.1001")
        n = len(self.receiver.got)
        self.control("POST", f"/control/pushes/{cid}/complete")
        got = self.receiver.wait(n + 1)[n]
        self.assertEqual(got["path"], "/cb/secret123/")
        self.assertEqual(got["type"], "application/json")
        cb = got["body"]["Body"]["stkCallback"]
        self.assertEqual((cb["CheckoutRequestID"], cb["MerchantRequestID"], cb["ResultCode"]),
                         (cid, j["MerchantRequestID"], 0))
        items = {i["Name"]: i.get("Value") for i in cb["CallbackMetadata"]["Item"]}
        self.assertEqual(items["Amount"], 1500)
        self.assertIsInstance(items["Amount"], float)
        self.assertEqual(items["PhoneNumber"], 254708374149)
        self.assertRegex(items["MpesaReceiptNumber"], r"^[A-Z0-9]{10}$")
        self.assertRegex(str(items["TransactionDate"]), r"^\d{14}$")
        self.assertIn("Balance", items)
        status, q = self.call("POST", "/mpesa/stkpushquery/v1/query", query, t)
        self.assertEqual(status, 200, q)
        self.assertEqual((q["ResponseCode"], q["ResultCode"], q["CheckoutRequestID"]),
                         ("0", "0", cid))
        # A duplicate delivery is the same body again.
        self.control("POST", f"/control/pushes/{cid}/deliver")
        again = self.receiver.wait(n + 2)[n + 1]
        self.assertEqual(again["body"], got["body"])
        # A forged one: another amount, to another secret.
        r = self.control("POST", f"/control/pushes/{cid}/forge", {"amount": 1, "token": "other"})
        self.assertTrue(r["url"].endswith("/cb/other/"), r)
        forged = self.receiver.wait(n + 3)[n + 2]
        fitems = {i["Name"]: i.get("Value") for i in
                  forged["body"]["Body"]["stkCallback"]["CallbackMetadata"]["Item"]}
        self.assertEqual(fitems["Amount"], 1)

    def test_scenarios_by_phone(self):
        t = self.token()
        for phone, code in (("254708371032", 1032), ("254708370001", 1),
                            ("254708371037", 1037)):
            with self.subTest(code=code):
                status, j = self.call("POST", "/mpesa/stkpush/v1/processrequest",
                                      self.push_body(phone=phone), t)
                self.assertEqual(status, 200, j)
                n = len(self.receiver.got)
                self.control("POST", f"/control/pushes/{j['CheckoutRequestID']}/complete")
                cb = self.receiver.wait(n + 1)[n]["body"]["Body"]["stkCallback"]
                self.assertEqual(cb["ResultCode"], code)
                self.assertNotIn("CallbackMetadata", cb)
        status, j = self.call("POST", "/mpesa/stkpush/v1/processrequest",
                              self.push_body(phone="254708371001"), t)
        self.assert_daraja_error(status, j, 500, "500.001.1001")
