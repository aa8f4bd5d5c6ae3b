#!/usr/bin/env python3
"""A Swish Commerce API simulator speaking the real wire protocol
(../../shared/protocols.md section 1), for tests and `make run`.

  --port P          the merchant API over TLS, client certificate REQUIRED
                    (signed by --client-ca; its CN must equal payeeAlias)
  --qr-port Q       the QR generator over TLS, no client certificate
  --control-port C  plain HTTP on 127.0.0.1 for tests (see README.md)
  --auto-pay S      every created request is paid S seconds later and
                    calls back, like Swish's own test system

Callbacks go to the request's callbackUrl over https (server verified
with --callback-ca) with the `callbackIdentifier` header, and are retried
until they get HTTP 200 (up to 4 attempts).
"""
import datetime
import http.client
import http.server
import json
import re
import secrets
import ssl
import struct
import threading
import time
import urllib.parse
import zlib

import simserve

ID_RE = re.compile(r"^[0-9A-F]{32}$")
AMOUNT_RE = re.compile(r"^\d{1,12}(\.\d{1,2})?$")
BASE = "/swish-cpcapi/api"

LOCK = threading.RLock()
STATE = {"requests": {}, "refunds": {}, "fail_next": [], "order": []}
ARGS = None


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds") \
        .replace("+00:00", "Z")


log = simserve.logger("swish-sim")


def error(code, message):
    return [{"errorCode": code, "errorMessage": message, "additionalInformation": None}]


def public(obj):
    """The object as Swish shows it (GET body and callback body)."""
    return {k: v for k, v in obj.items() if not k.startswith("_")}


# -- callbacks ---------------------------------------------------------------

def post_callback(obj):
    """POSTs obj to its callbackUrl; returns the HTTP status or None."""
    url = urllib.parse.urlsplit(obj["callbackUrl"])
    body = json.dumps(public(obj)).encode()
    headers = {"Content-Type": "application/json"}
    if obj.get("_callbackIdentifier"):
        headers["callbackIdentifier"] = obj["_callbackIdentifier"]
    ctx = ssl.create_default_context(cafile=ARGS.callback_ca)
    try:
        conn = http.client.HTTPSConnection(url.hostname, url.port or 443,
                                           context=ctx, timeout=30)
        path = url.path + (("?" + url.query) if url.query else "")
        conn.request("POST", path or "/", body=body, headers=headers)
        r = conn.getresponse()
        r.read()
        conn.close()
        return r.status
    except OSError as e:
        log(f"callback to {obj['callbackUrl']} failed: {e}")
        return None


def callback(obj, retries=4):
    """Calls back until 200, with short back-off; records each attempt."""
    status = None
    for attempt in range(retries):
        status = post_callback(obj)
        with LOCK:
            obj["_callbacks"].append({"at": now_iso(), "status": status})
        log(f"callback {obj['id']} {obj['status']} -> {status}")
        if status == 200:
            break
        time.sleep(0.5 * (2 ** attempt))
    return status


def finish(obj, status, error_code=None, error_message=None):
    with LOCK:
        if obj["status"] != "CREATED":
            return False
        obj["status"] = status
        if status == "PAID":
            obj["paymentReference"] = secrets.token_hex(16).upper()
            obj["datePaid"] = now_iso()
        else:
            obj["errorCode"] = error_code
            obj["errorMessage"] = error_message
    return True


def auto_pay(obj_id):
    time.sleep(ARGS.auto_pay)
    with LOCK:
        obj = STATE["requests"].get(obj_id)
    if obj is not None and finish(obj, "PAID"):
        callback(obj)


# -- the merchant API ---------------------------------------------------------

class Api(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SwishSim/1.0"

    def log_message(self, fmt, *args):
        log(f"{self.command} {self.path} " + (fmt % args))

    def send(self, status, body=None, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def cert_cn(self):
        cert = self.connection.getpeercert() or {}
        for rdn in cert.get("subject", ()):
            for k, v in rdn:
                if k == "commonName":
                    return v
        return None

    def json_body(self, ctype):
        if (self.headers.get("Content-Type") or "").split(";")[0].strip() != ctype:
            self.send(415)
            return None
        try:
            return json.loads(self.body() or b"null")
        except ValueError:
            self.send(400)
            return None

    def do_PUT(self):
        m = re.fullmatch(BASE + r"/v2/(paymentrequests|refunds)/([^/]+)", self.path)
        if not m:
            return self.send(404)
        kind, obj_id = m.groups()
        data = self.json_body("application/json")
        if data is None:
            return
        if not isinstance(data, dict):
            return self.send(400)
        if not ID_RE.match(obj_id):
            return self.send(422, error("PA01", "instructionUUID must be 32 upper-case hex"))
        if kind == "paymentrequests":
            return self.create_request(obj_id, data)
        return self.create_refund(obj_id, data)

    def failing(self):
        with LOCK:
            if STATE["fail_next"]:
                return STATE["fail_next"].pop(0)
        return None

    def create_request(self, obj_id, d):
        forced = self.failing()
        if forced is not None:
            return self.send(forced, error("PA01", "simulated failure") if forced == 422 else None)
        alias = d.get("payeeAlias")
        if not alias:
            return self.send(422, error("RP01", "Missing Merchant Swish Number"))
        if alias != self.cert_cn():
            return self.send(403)
        errs = []
        cb = d.get("callbackUrl")
        if not isinstance(cb, str) or not cb.startswith("https://"):
            errs += error("RP03", "Callback URL is missing or does not use HTTPS")
        amount = d.get("amount")
        if not isinstance(amount, str) or not AMOUNT_RE.match(amount):
            errs += error("PA02", "Amount value is missing or not a valid number")
        elif float(amount) < 1:
            errs += error("AM06", "Specified transaction amount is less than agreed minimum")
        if d.get("currency") != "SEK":
            errs += error("AM03", "Invalid or missing Currency")
        msg = d.get("message", "")
        if not isinstance(msg, str) or len(msg) > 50:
            errs += error("RP02", "Wrong formatted message")
        ref = d.get("payeePaymentReference")
        if ref is not None and (not isinstance(ref, str) or len(ref) > 35):
            errs += error("FF08", "PaymentReference is invalid")
        with LOCK:
            if obj_id in STATE["requests"]:
                errs += error("RP09", "The given instructionUUID is not available")
        if errs:
            return self.send(422, errs)
        token = secrets.token_hex(16)
        obj = {"id": obj_id, "payeePaymentReference": ref, "paymentReference": None,
               "callbackUrl": cb, "payerAlias": d.get("payerAlias"), "payeeAlias": alias,
               "amount": float(amount), "currency": "SEK", "message": msg,
               "status": "CREATED", "dateCreated": now_iso(), "datePaid": None,
               "errorCode": None, "errorMessage": None,
               "_token": token if not d.get("payerAlias") else None,
               "_callbackIdentifier": d.get("callbackIdentifier"), "_callbacks": [],
               "_refunded": 0.0}
        with LOCK:
            STATE["requests"][obj_id] = obj
            STATE["order"].append(obj_id)
        headers = {"Location": f"https://127.0.0.1:{ARGS.port}{BASE}/v1/paymentrequests/{obj_id}"}
        if obj["_token"]:
            headers["PaymentRequestToken"] = token
        self.send(201, None, headers)
        if ARGS.auto_pay is not None:
            threading.Thread(target=auto_pay, args=(obj_id,), daemon=True).start()

    def create_refund(self, obj_id, d):
        if d.get("payerAlias") != self.cert_cn():
            return self.send(422, error("RF03", "Payer alias does not match"))
        with LOCK:
            if obj_id in STATE["refunds"]:
                return self.send(422, error("RP09", "The given instructionUUID is not available"))
            orig = next((r for r in STATE["requests"].values()
                         if r["paymentReference"] and
                         r["paymentReference"] == d.get("originalPaymentReference")
                         and r["status"] == "PAID"), None)
        if orig is None:
            return self.send(422, error("RF02", "Original Payment not found"))
        amount = d.get("amount")
        if not isinstance(amount, str) or not AMOUNT_RE.match(amount):
            return self.send(422, error("PA02", "Amount value is missing or not a valid number"))
        with LOCK:
            if float(amount) > orig["amount"] - orig["_refunded"] + 1e-9:
                return self.send(422, error("RF08", "Amount value is too large"))
            orig["_refunded"] += float(amount)
        cb = d.get("callbackUrl")
        obj = {"id": obj_id, "payerPaymentReference": d.get("payerPaymentReference"),
               "originalPaymentReference": d["originalPaymentReference"],
               "paymentReference": secrets.token_hex(16).upper(), "callbackUrl": cb,
               "payerAlias": d.get("payerAlias"), "payeeAlias": orig.get("payerAlias"),
               "amount": float(amount), "currency": "SEK", "message": d.get("message"),
               "status": "PAID", "dateCreated": now_iso(), "datePaid": now_iso(),
               "errorCode": None, "errorMessage": None, "additionalInformation": None,
               "_callbacks": [], "_callbackIdentifier": None}
        with LOCK:
            STATE["refunds"][obj_id] = obj
        self.send(201, None, {"Location":
                              f"https://127.0.0.1:{ARGS.port}{BASE}/v1/refunds/{obj_id}"})
        if isinstance(cb, str) and cb.startswith("https://"):
            threading.Thread(target=callback, args=(obj, 1), daemon=True).start()

    def do_GET(self):
        m = re.fullmatch(BASE + r"/v1/(paymentrequests|refunds)/([^/]+)", self.path)
        if not m:
            return self.send(404)
        kind, obj_id = m.groups()
        with LOCK:
            obj = STATE["requests" if kind == "paymentrequests" else "refunds"].get(obj_id)
            body = public(obj) if obj else None
        if body is None:
            return self.send(404, error("RP04", "No payment request found related to a token"))
        self.send(200, body)

    def do_PATCH(self):
        m = re.fullmatch(BASE + r"/v1/paymentrequests/([^/]+)", self.path)
        if not m:
            return self.send(404)
        data = self.json_body("application/json-patch+json")
        if data is None:
            return
        ok = (isinstance(data, list) and len(data) == 1 and data[0] ==
              {"op": "replace", "path": "/status", "value": "cancelled"})
        if not ok:
            return self.send(422, error("PA01", "Parameter is not correct"))
        with LOCK:
            obj = STATE["requests"].get(m.group(1))
            if obj is None:
                return self.send(404, error("RP04", "No payment request found"))
            if obj["status"] != "CREATED":
                return self.send(422, error("RP07", "Transaction not cancellable"))
            obj["status"] = "CANCELLED"
            obj["errorCode"] = "RP08"
            obj["errorMessage"] = "The payment request has been cancelled"
            body = public(obj)
        self.send(200, body)


# -- the QR generator ---------------------------------------------------------

def png(width, height, rows):
    """A 1-bit greyscale PNG from rows of 0/1 (1 = black)."""
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    raw = b""
    for row in rows:
        bits = 0
        out = bytearray()
        for i, v in enumerate(row):
            bits = (bits << 1) | (0 if v else 1)
            if i % 8 == 7:
                out.append(bits)
                bits = 0
        if len(row) % 8:
            out.append(bits << (8 - len(row) % 8))
        raw += b"\x00" + bytes(out)
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


class Qr(Api):
    def do_POST(self):
        if self.path != "/qrg-swish/api/v1/commerce":
            return self.send(404)
        data = self.json_body("application/json")
        if data is None:
            return
        token = data.get("token") if isinstance(data, dict) else None
        with LOCK:
            obj = next((r for r in STATE["requests"].values()
                        if isinstance(token, str) and r["_token"] == token), None)
            if obj is not None:
                obj["_qr_requests"] = obj.get("_qr_requests", 0) + 1
        if obj is None or data.get("format") != "png":
            return self.send(422, error("QR01", "Unknown token or format"))
        size = 29
        seed = int(token, 16)
        rows = [[(seed >> ((x * 7 + y * 13) % 128)) & 1 for x in range(size)] for y in range(size)]
        body = png(size, size, rows)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_PATCH = lambda self: self.send(405)


# -- the control API for tests --------------------------------------------------

def listing(obj):
    out = public(obj)
    out["token"] = obj.get("_token")
    out["callbackIdentifier"] = obj.get("_callbackIdentifier")
    out["callbacks"] = list(obj.get("_callbacks", []))
    out["qr_requests"] = obj.get("_qr_requests", 0)
    return out


class Control(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        log("control " + (fmt % args))

    def send(self, status, body):
        simserve.send_json(self, status, body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        try:
            return json.loads(self.rfile.read(n)) if n else {}
        except ValueError:
            return {}

    def do_GET(self):
        with LOCK:
            if self.path == "/__sim/paymentrequests":
                return self.send(200, [listing(STATE["requests"][i]) for i in STATE["order"]])
            if self.path == "/__sim/refunds":
                return self.send(200, [listing(r) for r in STATE["refunds"].values()])
            m = re.fullmatch(r"/__sim/paymentrequests/([0-9A-F]{32})", self.path)
            if m and m.group(1) in STATE["requests"]:
                return self.send(200, listing(STATE["requests"][m.group(1)]))
        self.send(404, {"error": "not found"})

    def do_POST(self):
        body = self.body()
        if self.path == "/__sim/fail-next":
            with LOCK:
                STATE["fail_next"] += [int(body.get("status", 500))] * int(body.get("count", 1))
            return self.send(200, {"ok": True})
        if self.path == "/__sim/reset":
            with LOCK:
                STATE.update(requests={}, refunds={}, fail_next=[], order=[])
            return self.send(200, {"ok": True})
        m = re.fullmatch(r"/__sim/paymentrequests/([0-9A-F]{32})/(pay|decline|error|callback|set)",
                         self.path)
        if not m:
            return self.send(404, {"error": "not found"})
        obj_id, action = m.groups()
        with LOCK:
            obj = STATE["requests"].get(obj_id)
        if obj is None:
            return self.send(404, {"error": "no such payment request"})
        if action == "set":
            with LOCK:
                obj["status"] = body.get("status", obj["status"])
                if obj["status"] == "PAID" and not obj["paymentReference"]:
                    obj["paymentReference"] = secrets.token_hex(16).upper()
                    obj["datePaid"] = now_iso()
            return self.send(200, listing(obj))
        if action == "pay":
            changed = finish(obj, "PAID")
        elif action == "decline":
            changed = finish(obj, "DECLINED", body.get("errorCode"), body.get("errorMessage"))
        elif action == "error":
            changed = finish(obj, "ERROR", body.get("errorCode", "TM01"),
                             body.get("errorMessage", "Swish timed out"))
        else:
            changed = True
        if not changed:
            return self.send(409, {"error": f"status is {obj['status']}"})
        status = callback(obj)
        self.send(200, {"callback_status": status, "request": listing(obj)})


def tls_server(port, handler, require_client):
    return simserve.tls(simserve.Server(("127.0.0.1", port), handler), ARGS.cert, ARGS.key,
                        ARGS.client_ca if require_client else None)


def main():
    global ARGS
    ap = simserve.parser(__doc__)
    ap.add_argument("--qr-port", type=int)
    simserve.add_tls(ap, required=True)
    ap.add_argument("--client-ca", required=True)
    ap.add_argument("--callback-ca", required=True)
    ap.add_argument("--payee-alias", default="1234679304")
    ap.add_argument("--auto-pay", type=float)
    ARGS = ap.parse_args()

    servers = [tls_server(ARGS.port, Api, True),
               simserve.Server(("127.0.0.1", ARGS.control_port), Control)]
    if ARGS.qr_port:
        servers.append(tls_server(ARGS.qr_port, Qr, False))
    simserve.serve(servers, log, f"API on https://127.0.0.1:{ARGS.port}{BASE}, control on "
                   f"http://127.0.0.1:{ARGS.control_port}")


if __name__ == "__main__":
    main()
