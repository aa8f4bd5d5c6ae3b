"""Helpers for tests of the Swish reservation flow: driving the Swish
simulator's control API, reading the SMTP sink, decoding QR codes."""
import email
import email.policy
import glob
import http.client
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.parse


def control(url, method, path, body=None):
    """Calls a simulator's plain-HTTP control API; returns (status, json)."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    try:
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data,
                     headers={"Content-Type": "application/json"} if data else {})
        r = conn.getresponse()
        raw = r.read()
        return r.status, (json.loads(raw) if raw else None)
    finally:
        conn.close()


def post_callback(stack, body, identifier=None):
    """Posts a Swish callback to stack's https endpoint as an attacker
    would, with the callbackIdentifier header when identifier is given;
    returns (status, body bytes)."""
    u = urllib.parse.urlsplit(stack.https_url)
    ctx = ssl.create_default_context(cafile=stack.ca_path)
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=60)
    headers = {"Content-Type": "application/json"}
    if identifier is not None:
        headers["callbackIdentifier"] = identifier
    try:
        conn.request("POST", "/swish/callback/", body=json.dumps(body).encode(),
                     headers=headers)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


class Swish:
    """The Swish simulator, seen from a test."""

    def __init__(self, stack):
        self.url = stack.swish_control_url

    def requests(self):
        status, body = control(self.url, "GET", "/__sim/paymentrequests")
        assert status == 200, body
        return body if isinstance(body, list) else body.get("paymentrequests", body)

    def request_by_token(self, token):
        for r in self.requests():
            if r.get("token") == token or r.get("paymentRequestToken") == token:
                return r
        raise AssertionError(f"no payment request with token {token}")

    def act(self, instruction_id, action, body=None):
        return control(self.url, "POST",
                       f"/__sim/paymentrequests/{instruction_id}/{action}", body)

    def fail_next(self, count=1, status=500):
        return control(self.url, "POST", "/__sim/fail-next",
                       {"count": count, "status": status})

    def refunds(self):
        status, body = control(self.url, "GET", "/__sim/refunds")
        assert status == 200, body
        return body if isinstance(body, list) else body.get("refunds", body)


def wait_for(predicate, timeout=20.0, step=0.05, what="condition"):
    """Polls predicate until it returns a true value; synchronises on the
    thing itself rather than on a fixed sleep."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(step)


def buy_paid(test, event, ticket_type, email):
    """One ticket of ticket_type for event, bought by a new client of
    test's stack: reserved, paid at test.swish (the simulator), and its
    order PAID once this returns.  Returns the client."""
    c = test.client()
    r = c.post("/reserve_ticket/", {"chapter_event": event,
                                    "tickets": [{"ticket_type": ticket_type, "count": 1}]})
    test.assertEqual(r.status, 201, r)
    token = c.post("/start_payment/", {"email_address": email}).json
    test.swish.act(test.swish.request_by_token(token)["id"], "pay")
    wait_for(lambda: c.get("/session_payment_status/").json["status"] == "PAID",
             what="the order paid")
    return c


def login(stack, email, password):
    """Signs email in through POST /api/auth/login; returns its access
    token."""
    from support import Client
    r = Client(stack.base_url).post("/api/auth/login",
                                    {"email": email, "password": password})
    assert r.status == 200, r
    return r.json["access_token"]


def door_accounts(test_cls, password):
    """Creates the accounts the door tests (check-in, signed tickets,
    scanners) share, all with password, and signs them in: the
    organizers org-a@example.com and org-b@example.com (test_cls.org,
    {"a": token, "b": token}), the customer buyer@example.com
    (test_cls.buyer) and the admin admin@example.com (test_cls.admin)."""
    stack = test_cls.stack
    for who in ("a", "b"):
        stack.biljett("create-user", f"org-{who}@example.com", "organizer",
                      "--password", password)
    stack.biljett("create-user", "buyer@example.com", "customer",
                  "--password", password)
    stack.biljett("create-admin", "admin@example.com", "--password", password)
    test_cls.org = {w: login(stack, f"org-{w}@example.com", password) for w in ("a", "b")}
    test_cls.buyer = login(stack, "buyer@example.com", password)
    test_cls.admin = login(stack, "admin@example.com", password)


def import_as(test_cls, doc, organizer):
    """Imports doc through `biljett import --organizer organizer` (an
    e-mail address) on test_cls's stack; returns ({type key: id},
    {event key: id})."""
    path = os.path.join(test_cls.tmp, f"import-{organizer}.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    out = json.loads(test_cls.stack.biljett("import", path, "--organizer", organizer))
    return ({t["key"]: t["id"] for t in out["ticket_types"]},
            {e["key"]: e["id"] for e in out["events"]})


def add_staff(stack, organizer_token, email, password):
    """Adds door staff (Dörrvakt, email, password) to the organizer whose
    access token is organizer_token; returns the staff's access token."""
    from support import Client
    r = Client(stack.base_url).post(
        "/api/organizer/staff", {"name": "Dörrvakt", "email": email, "password": password},
        headers={"Authorization": f"Bearer {organizer_token}"})
    assert r.status == 201, r
    return login(stack, email, password)


def organizer_pages_client(test, email, password):
    """A new client of test's stack, signed in to the organizer's pages
    (/organizer/login, with its CSRF cookie) as email."""
    c = test.client()
    c.get("/organizer/login")
    r = c.post("/organizer/login", form={"email": email, "password": password,
                                         "csrf": c.cookies["csrftoken"]})
    test.assertEqual(r.status, 303, r)
    return c


def assert_no_secret_stored(test, secrets):
    """Fails test if any of secrets (tokens, passwords) stands in its
    stack's logs or SQLite files (the database, its WAL and journal)."""
    files = glob.glob(os.path.join(test.tmp, "*.log")) + glob.glob(test.stack.db_path + "*")
    blobs = {}
    for path in files:
        with open(path, "rb") as f:
            blobs[path] = f.read()
    for secret in set(secrets):
        for path, data in blobs.items():
            test.assertNotIn(secret.encode(), data, f"{secret[:6]}… in {path}")


def mails(mail_dir):
    """Parsed messages in the SMTP sink, oldest first."""
    out = []
    for path in sorted(glob.glob(os.path.join(mail_dir, "*.eml"))):
        with open(path, "rb") as f:
            out.append(email.message_from_binary_file(f, policy=email.policy.default))
    return out


def mails_to(mail_dir, address):
    return [m for m in mails(mail_dir) if address in str(m.get("To", ""))]


def png_parts(msg):
    return [p for p in msg.walk() if p.get_content_type() == "image/png"]


def decode_qr(png_bytes):
    """Decodes a QR PNG with zbarimg; returns the text."""
    zbar = shutil.which("zbarimg")
    if zbar is None:
        raise AssertionError("zbarimg is missing (scripts/deps.sh installs zbar-tools)")
    with tempfile.NamedTemporaryFile(suffix=".png") as f:
        f.write(png_bytes)
        f.flush()
        p = subprocess.run([zbar, "--raw", "-q", f.name], capture_output=True, text=True)
    return p.stdout.strip()


def signed_ticket_id(text):
    """The ticket id a signed QR code (lib/ticketsig.h: "BJ1:" and base32
    of version, key, ticket, event, variant, window, signature) names,
    read without checking the signature; None for anything else."""
    import base64
    import struct
    if not text.upper().startswith("BJ1:"):
        return None
    b32 = text[4:].upper()
    raw = base64.b32decode(b32 + "=" * (-len(b32) % 8))
    return struct.unpack(">BIIIIII", raw[:25])[2]


def ticket_code_of(db_path, text):
    """The short code of the ticket a QR code holds: a signed code names
    it by id; a short code is itself."""
    import sqlite3
    tid = signed_ticket_id(text)
    if tid is None:
        return text
    with sqlite3.connect(db_path) as conn:
        row = conn.execute("SELECT external_id FROM tickets WHERE id = ?",
                           (tid,)).fetchone()
    return row[0] if row else None
