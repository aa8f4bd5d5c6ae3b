"""Orders under load (issue 8, "Done when"): 300 buyers for 100 places
across both providers at once never oversell and never lose a paid order.

Half the buyers use seed 004's API (POST /api/orders/ signed in, an
intent, the card confirmed through the Stripe simulator's control port),
half seed 002's (POST /reserve_ticket/ with a cookie, /start_payment/,
paid through the Swish simulator's control port).  A few of each start
paying, let their hold lapse and pay only after the rush sold every
place: those payments must come back (late, sold out).  Then the same
with the FastCGI workers of pay, orders and shop killed -9 while it
runs, and `biljett expire` once afterwards.

ledger_disagreements() is the reusable check: every order's ledger
against what the two simulators hold for it.
"""
import collections
import http.client
import json
import os
import random
import signal
import sqlite3
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from support import all_at_once, children
from test_stripe import StripeBase

PLACES = 100
PER_PROVIDER = 150      # buyers of each provider, the late ones included
LATE = 5                # of each provider: pay after their hold lapsed
ACCOUNTS = 20           # the API buyers share these
RETRYABLE = (502, 503, 504)
KILLED = ("pay", "orders", "shop")
KILLS = 8 * len(KILLED)  # at most, while the rush runs


# -- what the providers hold, against our ledger -------------------------------

def control(url, method, path, body=None, timeout=300):
    """A simulator's control API, as flow.control() but waiting longer:
    its callbacks and webhooks are retried while workers restart."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data,
                     headers={"Content-Type": "application/json"} if data else {})
        r = conn.getresponse()
        raw = r.read()
        return r.status, (json.loads(raw) if raw else None)
    finally:
        conn.close()


def request_by_token(stack, token):
    """The Swish simulator's payment request of token."""
    status, requests = control(stack.swish_control_url, "GET", "/__sim/paymentrequests")
    assert status == 200, requests
    return next(q for q in requests if q.get("token") == token)


def provider_holds(stack):
    """{(provider, provider_ref): minor units it holds for that payment
    now}: for Stripe amount_received less its charge's amount_refunded,
    for Swish a PAID request's amount less its PAID refunds."""
    with urllib.request.urlopen(stack.stripe_control_url + "/control/state",
                                timeout=60) as r:
        state = json.loads(r.read())
    charges = {c["id"]: c for c in state["charges"]}
    held = {}
    for pi in state["payment_intents"]:
        charge = charges.get(pi.get("latest_charge")) or {}
        held[("stripe", pi["id"])] = (pi.get("amount_received") or 0) - (
            charge.get("amount_refunded") or 0)
    status, requests = control(stack.swish_control_url, "GET", "/__sim/paymentrequests")
    assert status == 200, requests
    status, refunds = control(stack.swish_control_url, "GET", "/__sim/refunds")
    assert status == 200, refunds
    by_reference = {}
    for q in requests:
        held[("swish", q["id"])] = round(q["amount"] * 100) if q["status"] == "PAID" else 0
        if q.get("paymentReference"):
            by_reference[q["paymentReference"]] = q["id"]
    for f in refunds:
        if f["status"] == "PAID":
            key = ("swish", by_reference.get(f["originalPaymentReference"]))
            held[key] = held.get(key, 0) - round(f["amount"] * 100)
    return held


def provider_paid(stack):
    """The payments each simulator says were paid (refunded since or not)."""
    with urllib.request.urlopen(stack.stripe_control_url + "/control/state",
                                timeout=60) as r:
        state = json.loads(r.read())
    paid = {("stripe", pi["id"]) for pi in state["payment_intents"]
            if pi["status"] == "succeeded"}
    status, requests = control(stack.swish_control_url, "GET", "/__sim/paymentrequests")
    assert status == 200, requests
    return paid | {("swish", q["id"]) for q in requests if q["status"] == "PAID"}


def ledger_disagreements(stack):
    """Every order of the stack whose ledger (the sum of its rows but the
    fee memos, for the two providers the simulators stand for) is not
    what the providers hold for its payments, and every payment a
    provider holds money for that we do not know.  [] when all agree."""
    held = provider_holds(stack)
    conn = sqlite3.connect(stack.db_path, timeout=10)
    try:
        ledger = dict(conn.execute(
            "SELECT o.id, coalesce((SELECT sum(l.amount) FROM ledger l"
            " WHERE l.order_id = o.id AND l.kind <> 'fee'"
            " AND l.provider IN ('swish', 'stripe')), 0) FROM orders o"))
        payments = conn.execute(
            "SELECT order_id, provider, provider_ref FROM payments"
            " WHERE provider IN ('swish', 'stripe') AND provider_ref IS NOT NULL"
        ).fetchall()
    finally:
        conn.close()
    theirs = collections.Counter()
    ours = set()
    for order_id, provider, ref in payments:
        theirs[order_id] += held.get((provider, ref), 0)
        ours.add((provider, ref))
    bad = [("order", oid, "ledger", net, "provider", theirs[oid])
           for oid, net in sorted(ledger.items()) if net != theirs[oid]]
    bad += [("unknown payment", key, "holds", amount)
            for key, amount in sorted(held.items()) if amount and key not in ours]
    return bad


# -- killing workers -------------------------------------------------------------

class Killer(threading.Thread):
    """Kills -9 one worker of pay, orders and shop in turn, about every
    0.75 s, until stopped or KILLS are done; the supervisors start new
    ones."""

    def __init__(self, stack):
        super().__init__(daemon=True)
        self.supervisors = {n: p.pid for n, p in stack.procs if n in KILLED}
        self.kills = collections.Counter()
        self.halt = threading.Event()
        self.rng = random.Random(8)

    def run(self):
        turn = 0
        while turn < KILLS and not self.halt.wait(self.rng.uniform(0.5, 1.0)):
            name = KILLED[turn % len(KILLED)]
            turn += 1
            workers = children(self.supervisors[name])
            if not workers:
                continue
            try:
                os.kill(self.rng.choice(workers), signal.SIGKILL)
                self.kills[name] += 1
            except ProcessLookupError:
                pass

    def stop(self):
        self.halt.set()
        self.join()


# -- buyers ----------------------------------------------------------------------

class Buyer:
    """One buyer's way through a provider's flow; log holds every
    (step, HTTP status) it saw, 0 for a dropped connection."""

    def __init__(self, test, provider, i, retries):
        self.test, self.provider, self.i, self.retries = test, provider, i, retries
        self.log = []
        self.held = False       # got a hold
        self.refused = False    # told OUT_OF_TICKETS
        self.ready = None       # what pay() needs
        self.paid = None        # the simulator's answer to paying
        self.stuck_keys = 0     # Idempotency-Keys left running by a killed worker

    def attempt(self, step, fn):
        """fn() until it is not a 502/503/504 or dropped, at most
        1 + retries times; every answer logged.  The last answer, or None."""
        r = None
        for k in range(self.retries + 1):
            try:
                r = fn()
            except (OSError, http.client.HTTPException):
                r = None
                self.log.append((step, 0))
            else:
                self.log.append((step, r.status))
                if r.status not in RETRYABLE:
                    return r
            if k < self.retries:
                time.sleep(0.2 * (k + 1))
        return r

    def keyed(self, step, fn):
        """attempt() with an Idempotency-Key, as a careful client retries;
        a key still "running" (409) after a retry is one a killed worker
        left: the client gives up on it and takes a fresh one."""
        for _ in range(3):
            key = str(uuid.uuid4())
            r = self.attempt(step, lambda: fn({"Idempotency-Key": key}))
            if r is None or r.status != 409 or not self.retries:
                return r
            self.stuck_keys += 1
        return r

    def hold(self):
        if self.provider == "stripe":
            self.hold_api()
        else:
            self.hold_seed002()
        return self

    def hold_api(self):
        t = self.test
        auth = {"Authorization": f"Bearer {t.accounts[self.i % len(t.accounts)]}"}
        body = {"event": t.ev["slug"], "items": [{"ticket_type_id": t.tt["id"],
                                                  "quantity": 1}]}
        r = self.keyed("order", lambda h: t.client().post(
            "/api/orders/", body, headers=dict(auth, **h)))
        if r is None or r.status != 201:
            self.refused = r is not None and r.status == 403 and \
                r.json.get("code") == "OUT_OF_TICKETS"
            return
        self.held = True
        uid = r.json["uid"]
        r = self.keyed("intent", lambda h: t.client().post(
            f"/api/orders/{uid}/create-payment-intent/", {}, headers=dict(auth, **h)))
        if r is not None and r.status == 200:
            self.ready = r.json["payment_intent"]["payment_intent_id"]

    def hold_seed002(self):
        t = self.test
        c = t.client()
        r = self.attempt("reserve", lambda: c.post("/reserve_ticket/", {
            "chapter_event": t.ev["id"],
            "tickets": [{"ticket_type": t.tt["id"], "count": 1}]}))
        if r is None or r.status != 201:
            self.refused = r is not None and r.status == 403 and \
                r.json.get("error") == "OutOfTickets"
            return
        self.held = True
        r = self.attempt("start", lambda: c.post(
            "/start_payment/", {"email_address": f"swish{self.i}@example.com"}))
        if r is not None and r.status == 200:
            try:
                self.ready = request_by_token(t.stack, r.json)["id"]
            except OSError:
                self.log.append(("token", 0))

    def pay(self):
        """Pays as the buyer would; a simulator that does not answer in
        time (its callbacks queued behind restarting workers) is logged
        as 0 and left to the checks after `biljett expire`."""
        try:
            return self.pay_now()
        except OSError:
            self.log.append(("pay", 0))
            return self

    def pay_now(self):
        if self.ready is None:
            return self
        t = self.test
        if self.provider == "stripe":
            try:
                self.paid = confirm_card(t.stack, self.ready)
            except urllib.error.HTTPError as e:
                self.log.append(("confirm", e.code))
                return self
            # The webhook's last attempt (the simulator retries a 502).
            self.log += [("webhook", d["status"]) for d in self.paid["deliveries"]]
        else:
            status, out = control(t.stack.swish_control_url, "POST",
                                  f"/__sim/paymentrequests/{self.ready}/pay")
            self.log.append(("pay", status))
            if status == 200:
                self.paid = out
                self.log.append(("callback", out["callback_status"]))
        return self


def confirm_card(stack, pi):
    """Confirms pi with pm_card_visa as Stripe.js would; answers after the
    webhooks were delivered, retries included (a long wait while workers
    are being killed)."""
    req = urllib.request.Request(
        f"{stack.stripe_control_url}/control/payment_intents/{pi}/confirm?sync=1",
        data=json.dumps({"payment_method": "pm_card_visa"}).encode(), method="POST",
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=300) as r:
        return json.loads(r.read())


class LoadBase(StripeBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accounts = []
        for n in range(ACCOUNTS):
            email = f"load{n}@example.com"
            out = cls.stack.biljett("create-user", email, "customer")
            cls.accounts.append(cls.token(email, out.strip().rsplit(" ", 1)[1]))

    def rush(self, retries, killer=None):
        """The 300 buyers: LATE of each provider hold and start paying,
        their holds lapse; the rest are released together, each holding
        and paying at once; then the late ones pay.  Returns (late, rush)."""
        self.ev, self.tt = self.simple_event(price="100.00", quantity=PLACES,
                                             total_capacity=PLACES)
        late = [Buyer(self, p, i, retries).hold()
                for p in ("stripe", "swish") for i in range(LATE)]
        self.assertEqual([b.ready is not None for b in late], [True] * len(late),
                         [b.log for b in late])
        self.execute("UPDATE orders SET expires_at = strftime('%s', 'now') - 1"
                     " WHERE event_id = ? AND status = 'reserved'", self.ev["id"])
        if killer is not None:
            killer.start()
        crowd = [Buyer(self, p, i, retries)
                 for p in ("stripe", "swish") for i in range(LATE, PER_PROVIDER)]
        all_at_once(len(crowd), lambda i: crowd[i].hold().pay())
        for b in late:
            b.pay()
        if killer is not None:
            killer.stop()
        return late, crowd

    def event_rows(self, sql):
        return self.query(sql, self.ev["id"])

    def assert_not_oversold(self, exactly=None):
        sold = self.event_rows("SELECT coalesce(sum(seats), 0) AS n FROM orders"
                               " WHERE event_id = ? AND status IN ('paid',"
                               " 'partially_refunded')")[0]["n"]
        tickets = self.event_rows("SELECT count(*) AS n FROM tickets WHERE event_id = ?"
                                  " AND status = 'valid'")[0]["n"]
        held = self.event_rows("SELECT coalesce(sum(seats), 0) AS n FROM orders"
                               " WHERE event_id = ? AND holds_seats = 1")[0]["n"]
        quotas = [(q["size"], q["used"]) for q in self.event_rows(
            "SELECT size, used FROM quotas WHERE event_id = ?")]
        self.assertTrue(quotas)
        for size, used in quotas:
            self.assertEqual(size, PLACES, quotas)
            # Every quota counts exactly the seats the orders hold.
            self.assertEqual(used, held, quotas)
        self.assertLessEqual(sold, PLACES)
        self.assertEqual(tickets, sold)
        if exactly is not None:
            self.assertEqual((sold, tickets, held), (exactly, exactly, exactly))
        return sold

    def report(self, title, late, crowd, extra=""):
        statuses = collections.Counter(f"{step} {s}" for b in late + crowd
                                       for step, s in b.log)
        # Held, never got to pay: each one's last answers, for the log.
        unpaid = collections.Counter(f"{b.provider} {b.log[-1]}" for b in crowd
                                     if b.held and b.paid is None)
        print(f"\n{title}: held {sum(b.held for b in crowd)}, refused "
              f"{sum(b.refused for b in crowd)} of {len(crowd)}; late {len(late)};"
              f" held but could not pay {dict(unpaid)};"
              f" statuses {dict(sorted(statuses.items()))}{extra}", file=sys.stderr)


class Rush(LoadBase):
    def test_300_buyers_100_places_two_providers(self):
        late, crowd = self.rush(retries=0)
        self.report("rush", late, crowd)
        # Every answer a 2xx or a clean OUT_OF_TICKETS; nothing else.
        for b in late + crowd:
            for step, status in b.log:
                self.assertIn(status, (200, 201, 403), (b.provider, b.i, b.log))
            self.assertTrue(b.held or b.refused, (b.provider, b.i, b.log))
        self.assertEqual(sum(b.held for b in crowd), PLACES)
        self.assertEqual(sum(b.refused for b in crowd), len(crowd) - PLACES)
        self.assertTrue(all(b.paid is not None for b in crowd if b.held))
        self.assert_not_oversold(exactly=PLACES)
        self.assertEqual(self.event_rows(
            "SELECT count(*) AS n FROM orders WHERE event_id = ? AND status = 'paid'")[0]["n"],
            PLACES)
        # The late ones paid into a sold-out show: flagged and refunded.
        rows = self.event_rows(
            "SELECT o.status, o.flag, p.provider, p.status AS pay,"
            " (SELECT group_concat(r.status) FROM refunds r WHERE r.payment_id = p.id)"
            " AS refunds FROM orders o JOIN payments p ON p.order_id = o.id"
            " WHERE o.event_id = ? AND o.flag IS NOT NULL")
        self.assertEqual(sorted((r["provider"], r["flag"], r["refunds"]) for r in rows),
                         sorted((b.provider, "late_payment_refunded", "paid") for b in late),
                         [dict(r) for r in rows])
        # 110 payments taken, and the ledger keeps exactly the 100 orders.
        self.assertEqual(len(provider_paid(self.stack)), PLACES + len(late))
        self.assertEqual(self.event_rows(
            "SELECT sum(l.amount) AS n FROM ledger l JOIN orders o ON o.id = l.order_id"
            " WHERE o.event_id = ? AND l.kind <> 'fee'")[0]["n"], self.event_rows(
            "SELECT sum(total) AS n FROM orders WHERE event_id = ? AND status = 'paid'"
        )[0]["n"])
        self.assertEqual(ledger_disagreements(self.stack), [])


class RushWithKills(LoadBase):
    def test_300_buyers_while_workers_are_killed(self):
        killer = Killer(self.stack)
        late, crowd = self.rush(retries=6, killer=killer)
        # Paying that never heard back is reconciled by cron: make it old.
        self.execute("UPDATE payments SET created_at = created_at - 3600"
                     " WHERE status IN ('created', 'pending')")
        self.stack.biljett("expire")
        sold = self.assert_not_oversold()
        gave_up = [b for b in crowd if not b.held and not b.refused]
        self.report("rush with kill -9", late, crowd,
                    f"; kills {dict(killer.kills)}; sold {sold}; gave up {len(gave_up)};"
                    f" stuck idempotency keys {sum(b.stuck_keys for b in crowd)}")
        # Not asserted, only counted above ("held but could not pay"): a
        # pay worker killed between pay_begin() and pay_created() leaves a
        # payment without a token, and every retry is a 503 (issue 8's
        # report on this branch).
        for name in KILLED:
            self.assertGreater(killer.kills[name], 0, killer.kills)
        self.assertGreater(sold, 0)
        # A 5xx other than the killed worker's 502 is a defect.
        for b in late + crowd:
            for step, status in b.log:
                self.assertTrue(status < 500 or status in RETRYABLE or status == 0,
                                (b.provider, b.i, b.log))
        # No paid-but-unconfirmed order: paid is confirmed, or given back.
        self.assertEqual([dict(r) for r in self.event_rows(
            "SELECT p.id, p.provider, o.status, o.flag FROM payments p"
            " JOIN orders o ON o.id = p.order_id WHERE o.event_id = ?"
            " AND p.status = 'paid'"
            " AND o.status NOT IN ('paid', 'partially_refunded', 'refunded')"
            " AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.id"
            " AND r.status = 'paid')")], [])
        # Nothing a provider took is lost: ours, and paid or refunded.
        ours = {(r["provider"], r["provider_ref"]): r for r in self.query(
            "SELECT p.provider, p.provider_ref, p.status, o.status AS order_status,"
            " EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.id"
            " AND r.status = 'paid') AS refunded"
            " FROM payments p JOIN orders o ON o.id = p.order_id"
            " WHERE p.provider_ref IS NOT NULL")}
        lost = []
        for key in sorted(provider_paid(self.stack)):
            r = ours.get(key)
            if r is None or not (r["order_status"] in ("paid", "partially_refunded",
                                                       "refunded") or r["refunded"]):
                lost.append((key, dict(r) if r else None))
        self.assertEqual(lost, [])
        # Every buyer who paid has a confirmed order or their money back.
        paid_buyers = [b for b in late + crowd if b.paid is not None]
        self.assertGreater(len(paid_buyers), 0)
        self.assertEqual(ledger_disagreements(self.stack), [])
