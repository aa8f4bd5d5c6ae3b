#!/usr/bin/env python3
"""A small stateful M-Pesa Daraja simulator speaking Daraja's wire protocol
(../../shared/protocols.md section 3), for tests and `make run`: the
product talks to it exactly as to https://api.safaricom.co.ke, only the
base URL differs.

  --port P            the Daraja API (TLS with --cert/--key, else plain HTTP)
  --control-port C    plain HTTP on 127.0.0.1: the test controls (README.md)
  --consumer-key K, --consumer-secret S   the one app accepted (OAuth Basic)
  --shortcode N, --passkey K              the paybill and its STK passkey
  --callback-ca F     CA to verify an https CallBackURL (default: system)
  --delay S           seconds between a push and the payer's answer
  --expires-in N      access token lifetime (Daraja: 3599, sent as a string)

Served: GET /oauth/v1/generate?grant_type=client_credentials,
POST /mpesa/stkpush/v1/processrequest, POST /mpesa/stkpushquery/v1/query,
with Daraja's error envelope {"requestId", "errorCode", "errorMessage"}.
The payer's answer is chosen by the last four digits of the phone number
(SCENARIOS); its callback goes to the push's CallBackURL.
"""
import base64
import datetime
import http.server
import json
import re
import secrets
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import simserve

# Last four digits of the payer's phone -> (ResultCode, ResultDesc).
# None: the push itself is refused (a transaction already in process).
SCENARIOS = {
    "1032": (1032, "Request cancelled by user"),
    "0001": (1, "The balance is insufficient for the transaction."),
    "1037": (1037, "DS timeout user cannot be reached"),
    "2001": (2001, "The initiator information is invalid."),
    "1001": None,
}
SUCCESS = (0, "The service request is processed successfully.")
NAIROBI = datetime.timezone(datetime.timedelta(hours=3))
PHONE_RE = re.compile(r"2547\d{8}|2541\d{8}")

LOCK = threading.RLock()
STATE = {}
ARGS = None


def fresh_state():
    return {"tokens": {}, "oauth_calls": 0, "pushes": {}, "queries": 0,
            "deliveries": [], "hold": False, "queue": [], "rejected": [],
            "delay": ARGS.delay}


log = simserve.logger("mpesa-sim")


class DarajaError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.body = {"requestId": f"{secrets.randbelow(10**5)}-{secrets.randbelow(10**8)}-1",
                     "errorCode": code, "errorMessage": message}


def bad_request(what):
    return DarajaError(400, "400.002.02", f"Bad Request - Invalid {what}")


def password(timestamp):
    return base64.b64encode((ARGS.shortcode + ARGS.passkey + timestamp).encode()).decode()


def nairobi_now():
    return datetime.datetime.now(NAIROBI)


def check_credentials(d):
    """BusinessShortCode, Timestamp (Nairobi time, within ten minutes of
    now) and Password as Daraja checks them."""
    if str(d.get("BusinessShortCode")) != ARGS.shortcode:
        raise bad_request("BusinessShortCode")
    ts = d.get("Timestamp")
    if not isinstance(ts, str) or not re.fullmatch(r"\d{14}", ts):
        raise bad_request("Timestamp")
    try:
        when = datetime.datetime.strptime(ts, "%Y%m%d%H%M%S").replace(tzinfo=NAIROBI)
    except ValueError:
        raise bad_request("Timestamp")
    if abs((when - nairobi_now()).total_seconds()) > 600:
        raise bad_request("Timestamp")
    if d.get("Password") != password(ts):
        raise DarajaError(500, "500.001.1001", "Wrong credentials")


def decide(push_id):
    """The payer answers: the push gets its result and its callback is
    sent (or queued while callbacks are held)."""
    with LOCK:
        p = STATE["pushes"].get(push_id)
        if p is None or p["result"] is not None:
            return
        code, desc = SCENARIOS.get(p["phone"][-4:]) or SUCCESS
        p["result"], p["desc"] = code, desc
        if code == 0:
            p["receipt"] = "S" + "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
                                         for _ in range(9))
            p["transaction_date"] = int(nairobi_now().strftime("%Y%m%d%H%M%S"))
        body = callback_body(p)
        if STATE["hold"]:
            STATE["queue"].append(push_id)
            return
    deliver(p["url"], body, push_id, "result")


def callback_body(p, amount=None, phone=None, code=None, checkout=None):
    code = p["result"] if code is None else code
    cb = {"MerchantRequestID": p["merchant_id"],
          "CheckoutRequestID": checkout or p["id"],
          "ResultCode": code, "ResultDesc": p["desc"] or SUCCESS[1]}
    if code == 0:
        cb["CallbackMetadata"] = {"Item": [
            {"Name": "Amount", "Value": float(p["amount"] if amount is None else amount)},
            {"Name": "MpesaReceiptNumber", "Value": p.get("receipt") or "SIM0000000"},
            {"Name": "Balance"},
            {"Name": "TransactionDate", "Value": p.get("transaction_date") or 20240101000000},
            {"Name": "PhoneNumber", "Value": int(p["phone"] if phone is None else phone)}]}
    return json.dumps({"Body": {"stkCallback": cb}}).encode()


def deliver(url, body, push_id, kind):
    """POSTs one callback; Daraja does not retry.  Returns (status, text)."""
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    ctx = None
    if url.startswith("https://"):
        ctx = ssl.create_default_context(cafile=ARGS.callback_ca)
    status, text, error = None, "", None
    try:
        with urllib.request.urlopen(req, timeout=10, context=ctx) as r:
            status, text = r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode("utf-8", "replace")
    except (OSError, ValueError) as e:
        error = str(e)
    with LOCK:
        STATE["deliveries"].append({"push": push_id, "kind": kind, "url": url,
                                    "status": status, "error": error,
                                    "response": text[:500], "at": time.time()})
    log(f"callback {kind} {push_id} -> {status or error}")
    return status, text


def schedule(push_id):
    with LOCK:
        delay = STATE["delay"]
    t = threading.Timer(delay, decide, args=(push_id,))
    t.daemon = True
    t.start()


class Api(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "DarajaSim/1.0"

    def log_message(self, fmt, *args):
        log(f"api {self.command} {self.path.split('?')[0]} " + (fmt % args).split('"')[-1])

    def send(self, status, body):
        simserve.send_json(self, status, body)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        try:
            if url.path != "/oauth/v1/generate":
                raise DarajaError(404, "404.001.01", "Resource not found")
            self.send(200, self.oauth(dict(urllib.parse.parse_qsl(url.query))))
        except DarajaError as e:
            self.send(e.status, e.body)

    def oauth(self, q):
        with LOCK:
            STATE["oauth_calls"] += 1
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("Basic "):
            raise DarajaError(400, "400.008.01", "Invalid Authentication passed")
        if q.get("grant_type") != "client_credentials":
            raise DarajaError(400, "400.008.02", "Invalid grant type passed")
        try:
            key, _, secret = base64.b64decode(auth[6:], validate=True).decode().partition(":")
        except ValueError:
            raise DarajaError(400, "400.008.01", "Invalid Authentication passed")
        if key != ARGS.consumer_key or secret != ARGS.consumer_secret:
            raise DarajaError(400, "400.008.01", "Invalid Authentication passed")
        token = "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                        for _ in range(28))
        with LOCK:
            STATE["tokens"][token] = time.time() + ARGS.expires_in
        return {"access_token": token, "expires_in": str(ARGS.expires_in)}

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        try:
            self.bearer()
            d = self.json_body()
            if url.path == "/mpesa/stkpush/v1/processrequest":
                return self.send(200, self.push(d))
            if url.path == "/mpesa/stkpushquery/v1/query":
                return self.send(200, self.query(d))
            raise DarajaError(404, "404.001.01", "Resource not found")
        except DarajaError as e:
            with LOCK:
                STATE["rejected"].append({"path": url.path, "errorCode": e.body["errorCode"],
                                          "errorMessage": e.body["errorMessage"]})
            self.send(e.status, e.body)

    def bearer(self):
        auth = self.headers.get("Authorization") or ""
        with LOCK:
            until = STATE["tokens"].get(auth[7:]) if auth.startswith("Bearer ") else None
        if until is None or until < time.time():
            raise DarajaError(404, "404.001.03", "Invalid Access Token")

    def json_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if "application/json" not in (self.headers.get("Content-Type") or ""):
            raise DarajaError(400, "400.002.05", "Invalid Request Payload")
        try:
            d = json.loads(self.rfile.read(n)) if n else None
        except ValueError:
            d = None
        if not isinstance(d, dict):
            raise DarajaError(400, "400.002.05", "Invalid Request Payload")
        return d

    def push(self, d):
        check_credentials(d)
        if d.get("TransactionType") not in ("CustomerPayBillOnline", "CustomerBuyGoodsOnline"):
            raise bad_request("TransactionType")
        amount = d.get("Amount")
        if isinstance(amount, str) and amount.isdigit():
            amount = int(amount)
        if isinstance(amount, float) and amount.is_integer():
            amount = int(amount)
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
            raise bad_request("Amount")
        phone = str(d.get("PhoneNumber"))
        if not PHONE_RE.fullmatch(phone) or str(d.get("PartyA")) != phone:
            raise bad_request("PhoneNumber")
        if str(d.get("PartyB")) != ARGS.shortcode:
            raise bad_request("PartyB")
        cb = d.get("CallBackURL")
        if not isinstance(cb, str) or not re.match(r"https?://[^/]+/", cb):
            raise bad_request("CallBackURL")
        ref = d.get("AccountReference")
        if not isinstance(ref, str) or not 1 <= len(ref) <= 12:
            raise bad_request("AccountReference")
        desc = d.get("TransactionDesc", "")
        if not isinstance(desc, str) or len(desc) > 13:
            raise bad_request("TransactionDesc")
        if SCENARIOS.get(phone[-4:], 0) is None:
            raise DarajaError(500, "500.001.1001", "Unable to lock subscriber, a transaction "
                              "is already in process for the current subscriber")
        now = nairobi_now().strftime("%d%m%Y%H%M%S")
        push = {"id": f"ws_CO_{now}{secrets.randbelow(10**10):010d}",
                "merchant_id": f"{secrets.randbelow(10**5)}-{secrets.randbelow(10**8)}-1",
                "amount": amount, "phone": phone, "url": cb, "reference": ref,
                "result": None, "desc": None, "created": time.time()}
        with LOCK:
            STATE["pushes"][push["id"]] = push
        schedule(push["id"])
        return {"MerchantRequestID": push["merchant_id"], "CheckoutRequestID": push["id"],
                "ResponseCode": "0",
                "ResponseDescription": "Success. Request accepted for processing",
                "CustomerMessage": "Success. Request accepted for processing"}

    def query(self, d):
        check_credentials(d)
        with LOCK:
            STATE["queries"] += 1
            p = STATE["pushes"].get(d.get("CheckoutRequestID"))
            if p is None:
                raise bad_request("CheckoutRequestID")
            if p["result"] is None:
                raise DarajaError(500, "500.001.1001", "The transaction is being processed")
            return {"ResponseCode": "0",
                    "ResponseDescription": "The service request has been accepted successsfully",
                    "MerchantRequestID": p["merchant_id"], "CheckoutRequestID": p["id"],
                    "ResultCode": str(p["result"]), "ResultDesc": p["desc"]}


class Control(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "DarajaSimControl/1.0"

    def log_message(self, fmt, *args):
        log(f"control {self.command} {self.path.split('?')[0]} " + (fmt % args).split('"')[-1])

    def send(self, status, body):
        simserve.send_json(self, status, body, simserve.CONTROL_HEADERS)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/control/state":
            with LOCK:
                return self.send(200, {
                    "oauth_calls": STATE["oauth_calls"], "tokens": len(STATE["tokens"]),
                    "queries": STATE["queries"], "pushes": list(STATE["pushes"].values()),
                    "deliveries": STATE["deliveries"], "hold": STATE["hold"],
                    "queued": list(STATE["queue"]), "rejected": STATE["rejected"],
                    "delay": STATE["delay"]})
        self.send(404, {"error": f"No control call GET {url.path}"})

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        try:
            d = json.loads(self.rfile.read(n)) if n else {}
            if not isinstance(d, dict):
                raise ValueError("a JSON object")
            status, body = self.post(url.path, d)
        except (ValueError, TypeError, KeyError) as e:
            status, body = 400, {"error": f"Bad control call: {e}"}
        self.send(status, body)

    def post(self, path, d):
        m = re.fullmatch(r"/control/pushes/([^/]+)/(complete|deliver|forge)", path)
        if m:
            with LOCK:
                p = STATE["pushes"].get(m.group(1))
            if p is None:
                return 404, {"error": "no such push"}
            if m.group(2) == "complete":
                decide(p["id"])
                return 200, {"push": p}
            if p["result"] is None:
                return 409, {"error": "the payer has not answered yet"}
            if m.group(2) == "deliver":
                status, text = deliver(p["url"], callback_body(p), p["id"], "duplicate")
                return 200, {"status": status, "body": simserve.answer_json(text)}
            return 200, self.forge(p, d)
        if path == "/control/callbacks/hold":
            with LOCK:
                STATE["hold"] = True
            return 200, {"hold": True}
        if path == "/control/callbacks/release":
            with LOCK:
                queue, STATE["queue"], STATE["hold"] = STATE["queue"], [], False
            out = []
            for pid in queue:
                p = STATE["pushes"][pid]
                status, text = deliver(p["url"], callback_body(p), pid, "release")
                out.append({"push": pid, "status": status, "body": simserve.answer_json(text)})
            return 200, {"delivered": out}
        if path == "/control/tokens/revoke":
            with LOCK:
                n = len(STATE["tokens"])
                STATE["tokens"].clear()
            return 200, {"revoked": n}
        if path == "/control/delay":
            seconds = float(d["seconds"])
            with LOCK:
                STATE["delay"] = seconds
            return 200, {"delay": seconds}
        if path == "/control/reset":
            with LOCK:
                STATE.clear()
                STATE.update(fresh_state())
            return 200, {"ok": True}
        return 404, {"error": f"No control call POST {path}"}

    @staticmethod
    def forge(p, d):
        """One altered callback for push p, delivered once now: another
        amount, phone, ResultCode or CheckoutRequestID in the body, or
        another token as the URL's last path segment."""
        url = p["url"]
        if d.get("token") is not None:
            url = re.sub(r"[^/]+/?$", d["token"] + "/", url)
        body = callback_body(p, amount=d.get("amount"), phone=d.get("phone"),
                             code=d.get("result_code"), checkout=d.get("checkout_id"))
        status, text = deliver(url, body, p["id"], "forged")
        return {"status": status, "body": simserve.answer_json(text), "url": url}


def main():
    global ARGS
    ap = simserve.parser(__doc__)
    simserve.add_tls(ap)
    ap.add_argument("--consumer-key", default="biljett_dev_key")
    ap.add_argument("--consumer-secret", default="biljett_dev_secret")
    ap.add_argument("--shortcode", default="174379")
    ap.add_argument("--passkey",
                    default="bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919")
    ap.add_argument("--callback-ca")
    ap.add_argument("--delay", type=float, default=2)
    ap.add_argument("--expires-in", type=int, default=3599)
    ARGS = ap.parse_args()
    simserve.check_tls(ap, ARGS)
    STATE.update(fresh_state())

    simserve.serve(simserve.api_and_control(ARGS, Api, Control), log,
                   f"API on {'https' if ARGS.cert else 'http'}://127.0.0.1:{ARGS.port}, "
                   f"control on http://127.0.0.1:{ARGS.control_port}")


if __name__ == "__main__":
    main()
