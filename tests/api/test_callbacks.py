"""The on-sale evening's side doors (issue §3, §4): forged Swish callbacks
store nothing, take no write lock and are counted in pay's metrics;
/generate_qr/ asks Swish once per token, whatever the number of hits;
`biljett expire` prunes old provider_events in batches and keeps those
still needed."""
import json
import os
import re
import secrets
import sqlite3
import subprocess
import time

import devstack
from flow import Swish, post_callback
from support import StackTest

# A forged callback as measured in the issue: about 3 KB each.
PADDING = "x" * 3000


class Callbacks(StackTest):
    # Short enough that a callback queueing for the write lock would show
    # in the log quickly (the lock test below); nothing else here waits.
    extra_conf = {"busy_timeout_ms": "1000"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.swish = Swish(cls.stack)
        cls.types, cls.event = cls.show("side", seats=100)
        out = cls.stack.biljett("create-admin", "metrics@example.com")
        cls.admin_password = out.strip().rsplit(" ", 1)[1]
        out = cls.stack.biljett("create-user", "org@example.com", "organizer")
        cls.org_password = out.strip().rsplit(" ", 1)[1]

    # -- helpers ---------------------------------------------------------

    def started(self):
        """A reservation with its Swish request started; returns (client,
        token, the simulator's request)."""
        c = self.client()
        r = c.post("/reserve_ticket/", {"chapter_event": self.event, "tickets": [
            {"ticket_type": self.types["std"], "count": 1}]})
        self.assertEqual(r.status, 201, r)
        r = c.post("/start_payment/", {"email_address": "side@example.com"})
        self.assertEqual(r.status, 200, r)
        return c, r.json, self.swish.request_by_token(r.json)

    def forged(self, swish_id):
        return {"id": swish_id, "status": "PAID", "amount": 199,
                "paymentReference": secrets.token_hex(16).upper(),
                "datePaid": "2026-01-01T00:00:00Z", "message": PADDING}

    def bearer(self, email, password):
        r = self.client().post("/api/auth/login", {"email": email, "password": password})
        self.assertEqual(r.status, 200, r)
        return {"Authorization": f"Bearer {r.json['access_token']}"}

    def metrics(self):
        """pay's counters as {"name{labels}": value}."""
        r = self.client().get("/api/metrics",
                              headers=self.bearer("metrics@example.com",
                                                  self.admin_password))
        self.assertEqual(r.status, 200, r)
        out = {}
        for line in r.body.decode().splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                out[name] = int(value)
        return out

    def events(self):
        return self.query("SELECT count(*) AS n FROM provider_events")[0]["n"]

    # -- forged callbacks --------------------------------------------------

    def test_forged_callbacks_store_nothing_and_are_counted(self):
        c, _, req = self.started()
        before, m0 = self.events(), self.metrics()
        answers = set()
        # Random payment ids, with and without an identifier ...
        for i in range(40):
            status, body = post_callback(
                self.stack, self.forged(secrets.token_hex(16).upper()),
                identifier=secrets.token_hex(32) if i % 2 else None)
            answers.add((status, body))
        # ... and the real id with a wrong (or no) identifier.
        for i in range(10):
            status, body = post_callback(
                self.stack, self.forged(req["id"]),
                identifier=secrets.token_hex(32) if i % 2 else None)
            answers.add((status, body))
        # One answer for all: a forger cannot tell an unknown id from a
        # wrong identifier.
        self.assertEqual(len(answers), 1, answers)
        status, body = answers.pop()
        self.assertEqual(status, 403)
        self.assertEqual(json.loads(body)["code"], "CALLBACK_REJECTED")
        self.assertEqual(self.events(), before)
        m1 = self.metrics()
        unknown = 'biljett_callbacks_rejected_total{reason="unknown_payment"}'
        bad = 'biljett_callbacks_rejected_total{reason="bad_secret"}'
        self.assertEqual(m1[unknown] - m0.get(unknown, 0), 40)
        self.assertEqual(m1[bad] - m0.get(bad, 0), 10)
        # Nothing changed for the buyer, and the real callback still works.
        self.assertEqual(c.get("/session_payment_status/").json["status"], "RESERVED")
        _, out = self.swish.act(req["id"], "pay")
        self.assertEqual(out["callback_status"], 200, out)
        self.assertEqual(c.get("/session_payment_status/").json["status"], "PAID")
        rows = self.query("SELECT verified, outcome FROM provider_events"
                          " WHERE event_key = ?", req["id"] + "/PAID")
        self.assertEqual([(r["verified"], r["outcome"]) for r in rows], [(1, "paid")])
        self.assertEqual(self.events(), before + 1)

    def test_forged_callbacks_take_no_write_lock(self):
        _, _, req = self.started()
        lock = sqlite3.connect(self.stack.db_path, timeout=10, isolation_level=None)
        try:
            # Someone else holds the write lock the whole time.
            lock.execute("BEGIN IMMEDIATE")
            for swish_id in (secrets.token_hex(16).upper(), req["id"]):
                status, _ = post_callback(self.stack, self.forged(swish_id),
                                          identifier=secrets.token_hex(32))
                self.assertEqual(status, 403)
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        # Refused with reads alone: no pay worker waited for the lock.
        with open(self.stack.log("pay"), errors="replace") as f:
            waited = [line for line in f if re.search(r"\bpay\[\d+\]", line)
                      and "busy" in line]
        self.assertEqual(waited, [])

    def test_malformed_callbacks_are_counted(self):
        m0 = self.metrics()
        self.assertEqual(post_callback(self.stack, {"nonsense": True})[0], 400)
        self.assertEqual(post_callback(self.stack, {"id": "not hex", "status": "PAID"})[0], 400)
        key = 'biljett_callbacks_rejected_total{reason="malformed"}'
        self.assertEqual(self.metrics()[key] - m0.get(key, 0), 2)

    def test_metrics_are_for_admins(self):
        r = self.client().get("/api/metrics")
        self.assertEqual((r.status, r.json["code"]), (401, "UNAUTHENTICATED"))
        r = self.client().get("/api/metrics",
                              headers=self.bearer("org@example.com", self.org_password))
        self.assertEqual((r.status, r.json["code"]), (403, "FORBIDDEN"))
        r = self.client().get("/api/metrics",
                              headers=self.bearer("metrics@example.com", self.admin_password))
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.header("Content-Type").startswith("text/plain"))
        self.assertIn("# TYPE biljett_callbacks_rejected_total counter", r.body.decode())

    # -- QR codes -----------------------------------------------------------

    def test_qr_reaches_swish_once_per_token(self):
        c, token, req = self.started()
        m0 = self.metrics()
        bodies = set()
        for _ in range(20):
            r = c.get(f"/generate_qr/{token}")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.header("Content-Type"), "image/png")
            bodies.add(r.body)
        self.assertEqual(len(bodies), 1)
        self.assertTrue(bodies.pop().startswith(b"\x89PNG\r\n\x1a\n"))
        # Two workers served the hits; Swish's generator saw one.
        self.assertEqual(self.swish.request_by_token(token)["qr_requests"], 1)
        m1 = self.metrics()
        cache, provider = ('biljett_qr_codes_total{source="cache"}',
                           'biljett_qr_codes_total{source="provider"}')
        self.assertEqual(m1[provider] - m0.get(provider, 0), 1)
        self.assertEqual(m1[cache] - m0.get(cache, 0), 19)

        # Another request has its own code.
        _, other, _ = self.started()
        r = self.client().get(f"/generate_qr/{other}")
        self.assertEqual(r.status, 200, r)
        self.assertNotEqual(r.body, c.get(f"/generate_qr/{token}").body)
        self.assertEqual(self.swish.request_by_token(other)["qr_requests"], 1)

        # Paid: the code is no use any more and is not shown, cache or not.
        _, out = self.swish.act(req["id"], "pay")
        self.assertEqual(out["callback_status"], 200, out)
        r = c.get(f"/generate_qr/{token}")
        self.assertEqual((r.status, r.json), (404, "PaymentDoesNotExist"))
        self.assertEqual(self.swish.request_by_token(token)["qr_requests"], 1)

    # -- retention ------------------------------------------------------------

    def test_expire_prunes_old_provider_events(self):
        now = int(time.time())
        old, recent = now - 91 * 86400, now - 89 * 86400
        order = self.query("SELECT id FROM orders ORDER BY id LIMIT 1")
        if not order:
            self.started()
            order = self.query("SELECT id FROM orders ORDER BY id LIMIT 1")
        order = order[0]["id"]
        conn = self.db()
        try:
            def payment(status):
                return conn.execute(
                    "INSERT INTO payments (order_id, provider, status, amount,"
                    " created_at, updated_at) VALUES (?, 'manual', ?, 100, ?, ?)"
                    " RETURNING id", (order, status, old, old)).fetchone()[0]
            still_open, final, refunding = (payment("created"), payment("paid"),
                                            payment("paid"))
            conn.execute("INSERT INTO refunds (payment_id, amount, status, reason,"
                         " created_at, updated_at) VALUES (?, 100, 'error', 'test', ?, ?)",
                         (refunding, old, old))
            rows = [(f"prune/forged/{i}", None, old) for i in range(1201)]
            rows += [("prune/final", final, old), ("prune/open", still_open, old),
                     ("prune/refunding", refunding, old),
                     ("prune/recent/1", None, recent), ("prune/recent/2", final, recent)]
            conn.executemany(
                "INSERT INTO provider_events (provider, event_key, payment_id, body,"
                " received_at, last_received_at) VALUES ('swish', ?, ?, '{}', ?, ?)",
                [(k, p, t, t) for k, p, t in rows])
            conn.commit()
        finally:
            conn.close()

        # 1201 + 1 old rows go, more than two batches' worth.
        out = self.stack.biljett("expire")
        self.assertIn("pruned 1202 provider events", out)
        left = sorted(r["event_key"] for r in self.query(
            "SELECT event_key FROM provider_events WHERE event_key LIKE 'prune/%'"))
        self.assertEqual(left, ["prune/open", "prune/recent/1", "prune/recent/2",
                                "prune/refunding"])
        self.assertIn("pruned 0 provider events", self.stack.biljett("expire"))

        # 0 keeps everything; a setting that is no number is refused.
        def expire(days):
            return subprocess.run(
                [os.path.join(devstack.BIN, "biljett"), "-c", self.stack.conf_path, "expire"],
                capture_output=True, text=True, timeout=120,
                env=dict(os.environ, BILJETT_PROVIDER_EVENTS_DAYS=days))
        p = expire("0")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("pruned", p.stdout)
        p = expire("ninety")
        self.assertEqual(p.returncode, 1)
        self.assertIn("provider_events_days must be 0 to", p.stderr)
        self.assertNotIn("pruned", p.stdout)
        self.assertEqual(len(self.query(
            "SELECT 1 FROM provider_events WHERE event_key LIKE 'prune/%'")), 4)
