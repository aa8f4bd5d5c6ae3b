#!/usr/bin/env python3
"""make bench: wrk scenarios against the real stack (nginx, FastCGI
workers, SQLite in a temp dir), each compared with the FastCGI "hello"
ceiling measured in the same run, because these machines drift +-40 %
between runs -- and within one: the ceiling is measured again before the
write scenarios and before the account and order scenarios, and each
row is compared with the last one above it.

Usage: scripts/bench.py [--seconds 10] [--connections 32] [--threads 2]
                        [--workers 2] [--scaling 1,2,4] [--rounds 3]
                        [--only-scaling]

After the full table (at --workers), the write scenarios again on a fresh
stack per worker count of --scaling, the counts taking turns for --rounds
rounds, each cell the median of its rounds: the "no write scenario
slower with more workers" table.  The worker count is the pool's: shop,
scan and orders have their writer beside it at every count, and the
write rows go there (lib/route.c, "The writer").
"""
import argparse
import datetime
import hashlib
import hmac
import http.client
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import devstack  # noqa: E402

PASSWORD = "bench-door-password"
EVENTS = 40
SEATS = 300
PAID_PER_EVENT = 100
PREFILLED = 100000      # paid orders behind the "rush100k" event
FLASH_SEATS = 500       # the flash sale: one event, 500 places ...
FLASH_BUYERS = 1000     # ... 1,000 buyers at once, each wanting 1-4
ORDER_PLACES = 1000000  # the "create order" event: never sold out in a run
DOOR_TICKETS = 400000   # the "door" event: every first-admission scan a new ticket
                        # (a 10 s run admitted 220,000 on a fast machine)
DOOR_PER_ORDER = 100
DOOR_CODE_BASE = 1000000  # its codes follow the 4,000 of the shows


def seed(stack, tmp):
    """Dozens of events, thousands of issued tickets, one huge event for
    the reservation scenario."""
    t0 = datetime.datetime.now(datetime.timezone.utc)
    day = datetime.timedelta(days=1)
    doc = {"ticket_types": [
        {"key": "std", "title": "Standardbiljett", "description": "En vanlig biljett.", "price": 199},
        {"key": "student", "title": "Studentbiljett", "description": "Billigare.", "price": 99},
        {"key": "crew", "title": "Ensemble", "description": "Dold.", "price": 0, "visible": False}],
        "events": []}
    for i in range(EVENTS):
        doc["events"].append({
            "key": f"e{i}", "title": f"Föreställning {i + 1}",
            "description": "Studentteaterns vårföreställning. " * 4,
            "event_at": (t0 + (i + 2) * day).isoformat(timespec="seconds"),
            "sales_stop_at": (t0 + (i + 1) * day).isoformat(timespec="seconds"),
            "total_seats": SEATS, "ticket_types": ["std", "student", "crew"]})
    doc["events"].append({
        "key": "rush", "title": "Rusningen", "description": "Benchmark.",
        "event_at": (t0 + 60 * day).isoformat(timespec="seconds"),
        "sales_stop_at": (t0 + 59 * day).isoformat(timespec="seconds"),
        "total_seats": 1000000, "max_tickets_per_payment": 8,
        # wrk reserves from one address: a cap it never reaches, so the
        # scenario measures holding seats, not the refusal.
        "max_held_per_client": 1000000, "ticket_types": ["std"]})
    # The same scenario on an event with PREFILLED orders behind it: a
    # reservation must cost the same at 100,000 orders as at none.
    doc["events"].append({
        "key": "rush100k", "title": "Rusningen, 100 000 ordrar", "description": "Benchmark.",
        "event_at": (t0 + 60 * day).isoformat(timespec="seconds"),
        "sales_stop_at": (t0 + 59 * day).isoformat(timespec="seconds"),
        "total_seats": 1000000, "max_tickets_per_payment": 8,
        "max_held_per_client": 1000000, "ticket_types": ["std"]})
    # The flash sale's 1,000 buyers all come from 127.0.0.1 here; a real
    # sale's come from as many addresses (no cap can bind at 500 places).
    doc["events"].append({
        "key": "flash", "title": "Släppet", "description": "Benchmark.",
        "event_at": (t0 + 60 * day).isoformat(timespec="seconds"),
        "sales_stop_at": (t0 + 59 * day).isoformat(timespec="seconds"),
        "total_seats": FLASH_SEATS, "max_tickets_per_payment": 4,
        "max_held_per_client": FLASH_SEATS, "ticket_types": ["std"]})
    # The door scenario admits each of its tickets once: more than a run
    # can scan.
    doc["events"].append({
        "key": "door", "title": "Dörren", "description": "Benchmark.",
        "event_at": (t0 + 60 * day).isoformat(timespec="seconds"),
        "sales_stop_at": (t0 + 59 * day).isoformat(timespec="seconds"),
        "total_seats": DOOR_TICKETS, "ticket_types": ["std"]})
    path = os.path.join(tmp, "bench-import.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    result = json.loads(stack.biljett("import", path))
    types = {t["key"]: t["id"] for t in result["ticket_types"]}
    events = {e["key"]: e["id"] for e in result["events"]}
    stack.biljett("scanner-add", "bench-door", "--password", PASSWORD, "--site-wide")

    # Paid orders with issued tickets, written directly: the fixture, not
    # the thing measured.
    db = sqlite3.connect(stack.db_path, timeout=30)
    now = int(t0.timestamp())
    codes = []
    n = 0
    with db:
        for i in range(EVENTS):
            ev = events[f"e{i}"]
            for k in range(PAID_PER_EVENT):
                n += 1
                cur = db.execute(
                    "INSERT INTO orders (code, event_id, email, status, holds_seats, seats,"
                    " total, created_at, expires_at, paid_at) VALUES (?, ?, ?, 'paid', 1, 1,"
                    " 19900, ?, ?, ?)", (f"B{n:09d}", ev, f"b{n}@example.com", now, now, now))
                oid = cur.lastrowid
                db.execute("INSERT INTO order_lines (order_id, ticket_type_id, count,"
                           " unit_price) VALUES (?, ?, 1, 19900)", (oid, types["std"]))
                code = "".join(chr(65 + (n // 26 ** j) % 26) for j in range(6))
                codes.append(code)
                db.execute("INSERT INTO tickets (order_id, event_id, ticket_type_id, price,"
                           " external_id, secret, created_at) VALUES (?, ?, ?, 19900, ?, ?, ?)",
                           (oid, ev, types["std"], code, "s" * 32, now))
            db.execute("UPDATE quotas SET used = ? WHERE event_id = ?", (PAID_PER_EVENT, ev))
        ev = events["rush100k"]
        rows = ((f"P{k:09d}", ev, f"p{k}@example.com", now - 3600, now - 2700, now - 3000)
                for k in range(PREFILLED))
        db.executemany(
            "INSERT INTO orders (code, event_id, email, status, holds_seats, seats,"
            " total, created_at, expires_at, paid_at) VALUES (?, ?, ?, 'paid', 1, 1,"
            " 19900, ?, ?, ?)", rows)
        db.execute("INSERT INTO order_lines (order_id, ticket_type_id, count, unit_price)"
                   " SELECT id, ?, 1, 19900 FROM orders WHERE event_id = ?",
                   (types["std"], ev))
        db.execute("UPDATE quotas SET used = ? WHERE event_id = ?", (PREFILLED, ev))
        seed_door(db, events["door"], types["std"], now)
    db.close()
    return types, events, codes


def door_code(n):
    """The n-th ticket code of the fixtures (six letters, as LUA_ADMIT
    makes them)."""
    return "".join(chr(65 + (n // 26 ** j) % 26) for j in range(6))


def seed_door(db, event, ttype, now):
    """DOOR_TICKETS paid tickets of one event, DOOR_PER_ORDER to an order,
    coded from DOOR_CODE_BASE on."""
    n_orders = DOOR_TICKETS // DOOR_PER_ORDER
    db.executemany(
        "INSERT INTO orders (code, event_id, email, status, holds_seats, seats,"
        " total, created_at, expires_at, paid_at) VALUES (?, ?, ?, 'paid', 1, ?,"
        " ?, ?, ?, ?)",
        ((f"D{k:09d}", event, f"d{k}@example.com", DOOR_PER_ORDER, 19900 * DOOR_PER_ORDER,
          now, now, now) for k in range(n_orders)))
    orders = [r[0] for r in db.execute("SELECT id FROM orders WHERE event_id = ? ORDER BY id",
                                       (event,))]
    db.executemany("INSERT INTO order_lines (order_id, ticket_type_id, count, unit_price)"
                   " VALUES (?, ?, ?, 19900)", ((o, ttype, DOOR_PER_ORDER) for o in orders))
    db.executemany(
        "INSERT INTO tickets (order_id, event_id, ticket_type_id, price, external_id,"
        " secret, created_at) VALUES (?, ?, ?, 19900, ?, ?, ?)",
        ((orders[k // DOOR_PER_ORDER], event, ttype, door_code(DOOR_CODE_BASE + k), "s" * 32,
          now) for k in range(DOOR_TICKETS)))
    db.execute("UPDATE quotas SET used = ? WHERE event_id = ?", (DOOR_TICKETS, event))


# A row measuring the ceiling again; the rows after it are compared with it.
HELLO_AGAIN = "FastCGI hello again (ceiling of the rows below)"

LUA_RESERVE = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"chapter_event": %d, "tickets": [{"ticket_type": %d, "count": 1}]}'
"""

LUA_VALIDATE = """
local codes = {%s}
local i = 0
wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i + 1
  local code = codes[(i %% #codes) + 1]
  return wrk.format(nil, nil, nil,
    '{"external_id": "' .. code .. '", "password": "%s", "use_ticket": %s}')
end
"""

# Every scan admits a ticket never scanned: wrk thread t of T takes
# codes DOOR_CODE_BASE + t, + t + T, ... (door_code() in Lua).
LUA_ADMIT = """
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
local i = -1
wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i + 1
  local n = %d + tid + i * %d
  local code = ""
  for j = 0, 5 do
    code = code .. string.char(65 + math.floor(n / 26 ^ j) %% 26)
  end
  return wrk.format(nil, nil, nil,
    '{"external_id": "' .. code .. '", "password": "%s", "use_ticket": true}')
end
"""

LUA_LOGIN = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email": "bench@example.com", "password": "%s"}'
"""

# Every request a different page of a filtered listing: no answer is
# ever cached, so this measures the query itself.
LUA_COLD = """
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/events/?venue_city=Lund&ordering=-start_date&page="
    .. (i % 90 + 1))
end
"""

LUA_ME = """
wrk.headers["Authorization"] = "Bearer %s"
"""

# One signed-in user buying for a different buyer_email each time (each
# wrk thread counts on its own, so an address recurs once per thread): the
# per-e-mail cap counts that address's orders on the event, and one
# address holding every order of the run would make each order cost more
# than the one before, which a crowd of buyers does not.
LUA_ORDER = """
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %s"
request = function()
  i = i + 1
  return wrk.format(nil, nil, nil, '{"event": "%s", "buyer_email": "b' .. i ..
    '@example.com", "items": [{"ticket_type_id": %d, "quantity": 1}]}')
end
"""

# The same signed event every time: Stripe's retry of a delivery.  The
# body goes in a long bracket, which needs no escaping of JSON.
LUA_WEBHOOK = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json; charset=utf-8"
wrk.headers["Stripe-Signature"] = "%s"
wrk.body = [==[%s]==]
"""

LUA_STATUS = """
done = function(summary, latency, requests)
  io.write(string.format("STATUS %d %d %d\\n", summary.requests,
    summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
"""


def wrk(url, args, script=None, tmp=None):
    cmd = ["wrk", "-t", str(args.threads), "-c", str(args.connections),
           "-d", f"{args.seconds}s", "--latency"]
    if script is not None:
        path = os.path.join(tmp, f"s{abs(hash(script))}.lua")
        with open(path, "w") as f:
            f.write(script + LUA_STATUS)
        cmd += ["-s", path]
    else:
        path = os.path.join(tmp, "status.lua")
        with open(path, "w") as f:
            f.write(LUA_STATUS)
        cmd += ["-s", path]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    pct = {}
    for p, v, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M):
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
        pct[p] = float(v) * scale
    m = re.search(r"STATUS (\d+) (\d+) (\d+)", out)
    total, non2xx, sock = (int(x) for x in m.groups()) if m else (0, 0, 0)
    return {"rps": rps, "p50": pct.get("50"), "p99": pct.get("99"),
            "requests": total, "non2xx": non2xx, "socket_errors": sock}


def flash_sale(stack, event, ttype):
    """1,000 buyers, each on their own connection, all connected first and
    then sending POST /reserve_ticket/ for 1-4 places in the same
    instant.  Returns the figures and checks that nothing was oversold."""
    import asyncio
    import random
    import time

    rng = random.Random(2026)
    wants = [rng.randint(1, 4) for _ in range(FLASH_BUYERS)]

    async def buyer(n, go, out):
        body = json.dumps({"chapter_event": event,
                           "tickets": [{"ticket_type": ttype, "count": n}]}).encode()
        head = ("POST /reserve_ticket/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        reader, writer = await asyncio.open_connection("127.0.0.1", stack.http_port)
        await go.wait()
        t = time.perf_counter()
        writer.write(head.encode() + body)
        await writer.drain()
        line = await reader.readline()
        await reader.read()
        done = time.perf_counter()
        writer.close()
        parts = line.split()
        out.append((int(parts[1]) if len(parts) > 1 else 0, n, t, done))

    async def run():
        go, out = asyncio.Event(), []
        tasks = [asyncio.create_task(buyer(n, go, out)) for n in wants]
        await asyncio.sleep(1.0)        # every connection open
        start = time.perf_counter()
        go.set()
        await asyncio.gather(*tasks)
        return start, out

    start, out = asyncio.run(run())
    ok = [r for r in out if r[0] == 201]
    lat = sorted((r[3] - r[2]) * 1000 for r in out)
    pct = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))]
    db = sqlite3.connect(stack.db_path, timeout=30)
    held = db.execute("SELECT coalesce(sum(seats), 0) FROM orders WHERE event_id = ?"
                      " AND holds_seats = 1", (event,)).fetchone()[0]
    size, used = db.execute("SELECT size, used FROM quotas WHERE event_id = ?",
                            (event,)).fetchone()
    db.close()
    return {"buyers": len(out), "sold": sum(r[1] for r in ok), "orders": len(ok),
            "held": held, "used": used, "size": size,
            "oversold": max(0, held - size) + max(0, used - size) + (held != used),
            "fivexx": sum(1 for r in out if r[0] >= 500 or r[0] == 0),
            "statuses": sorted({r[0] for r in out}),
            "sold_out_ms": (max(r[3] for r in ok) - start) * 1000 if ok else 0,
            "p50": pct(0.50), "p99": pct(0.99), "max": lat[-1]}


CATALOGUE = 10000
CITIES = ("Lund", "Malmö", "Göteborg", "Uppsala", "Umeå")
KINDS = ("jazz", "teater", "rock", "opera", "standup")


def api(stack, method, path, body=None, token=None):
    """One JSON request to the stack: (status, decoded body or None)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=30)
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    r = conn.getresponse()
    raw = r.read()
    conn.close()
    return r.status, json.loads(raw) if raw else None


def must(want, got, what):
    status, doc = got
    if status != want:
        sys.exit(f"bench: {what}: {status} {doc}")
    return doc


def sign_in(stack, email, role):
    """An account made with `biljett create-user`, signed in: its token."""
    password = stack.biljett("create-user", email, role).strip().rsplit(" ", 1)[1]
    return must(200, api(stack, "POST", "/api/auth/login",
                         {"email": email, "password": password}),
                "login " + email)["access_token"]


def seed_orders(stack):
    """Seed 004's side: an organizer's published event of ORDER_PLACES
    places whose caps no run reaches (wrk buys as one user from one
    address), and a signed-in buyer."""
    org = sign_in(stack, "bench-org@example.com", "organizer")
    buyer = sign_in(stack, "bench-buyer@example.com", "customer")
    start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=90)
    ev = must(201, api(stack, "POST", "/api/events/", {
        "title": "Beställningen", "venue_name": "Aulan", "venue_city": "Lund",
        "start_date": start.isoformat(timespec="seconds"),
        "end_date": (start + datetime.timedelta(hours=3)).isoformat(timespec="seconds"),
        "total_capacity": ORDER_PLACES, "max_held_per_client": ORDER_PLACES,
        "max_tickets_per_email": ORDER_PLACES}, org), "create event")
    tt = must(201, api(stack, "POST", "/api/tickets/types/", {
        "event": ev["slug"], "name": "Ordinarie", "price": "100.00",
        "total_quantity": ORDER_PLACES}, org), "create ticket type")
    must(200, api(stack, "POST", f"/api/events/{ev['slug']}/publish/", token=org),
         "publish")
    return ev, tt, buyer


def sim(stack, method, path, body=None):
    """The Stripe simulator's control port (tests/sim/README.md)."""
    req = urllib.request.Request(stack.stripe_control_url + path, method=method,
                                 data=json.dumps(body).encode() if body is not None
                                 else None, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def paid_by_card(stack, ev, tt, buyer):
    """One order paid by card through the simulator; returns the order and
    the payment_intent.succeeded event Stripe delivered for it."""
    order = must(201, api(stack, "POST", "/api/orders/", {
        "event": ev["slug"], "items": [{"ticket_type_id": tt["id"], "quantity": 1}]},
        buyer), "order to pay")
    pi = must(200, api(stack, "POST", f"/api/orders/{order['uid']}/create-payment-intent/",
                       {}, buyer), "payment intent")["payment_intent"]["payment_intent_id"]
    out = sim(stack, "POST", f"/control/payment_intents/{pi}/confirm?sync=1",
              {"payment_method": "pm_card_visa"})
    if [d["status"] for d in out["deliveries"]] != [200]:
        sys.exit(f"bench: the card payment's webhook was not taken: {out}")
    got = must(200, api(stack, "GET", f"/api/orders/{order['uid']}/", token=buyer),
               "paid order")
    if got["status"] != "confirmed":
        sys.exit(f"bench: the card payment did not confirm the order: {got['status']}")
    event = sim(stack, "GET", f"/control/events?type=payment_intent.succeeded"
                              f"&payment_intent={pi}")[0]["event"]
    return order, event


def stripe_signature(body, secret):
    """Stripe-Signature of protocols.md 2.5: HMAC-SHA256 of "t.body",
    keyed with the whole whsec_ secret; t is now, so the header is good
    for the tolerance's 300 s, longer than a run."""
    t = int(time.time())
    mac = hmac.new(secret.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def counts(stack, order):
    """What a webhook could write: provider events (and how many times
    they were received), the order's ledger and tickets."""
    db = sqlite3.connect(stack.db_path, timeout=30)
    row = db.execute(
        "SELECT (SELECT count(*) FROM provider_events),"
        " (SELECT coalesce(sum(times_received), 0) FROM provider_events),"
        " (SELECT count(*) FROM ledger l JOIN orders o ON o.id = l.order_id WHERE o.uid = ?),"
        " (SELECT count(*) FROM tickets t JOIN orders o ON o.id = t.order_id WHERE o.uid = ?)",
        (order["uid"], order["uid"])).fetchone()
    db.close()
    return {"provider_events": row[0], "received": row[1], "ledger": row[2],
            "tickets": row[3]}


def settled(stack, order):
    """counts() once the requests wrk left in flight when it stopped are
    done: a run ends with up to --connections requests still in the
    workers, which would otherwise land in the next scenario."""
    last = counts(stack, order)
    for _ in range(30):
        time.sleep(1)
        now = counts(stack, order)
        if now == last:
            return now
        last = now
    sys.exit("bench: the webhook requests did not settle in 30 s")


LUA_SIM = """
wrk.headers["Authorization"] = "Bearer %s"
wrk.headers["Connection"] = "close"
"""


def order_scenarios(stack, base, args, tmp):
    """Seed 004's orders and Stripe's webhook: rows for the table, and the
    database's counts around the webhook runs (a repeat must add no
    ledger row or ticket; a forgery must write nothing at all)."""
    ev, tt, buyer = seed_orders(stack)
    rows = [("create order", "POST /api/orders/",
             wrk(base + "/api/orders/", args, LUA_ORDER % (buyer, ev["slug"], tt["id"]),
                 tmp))]
    order, event = paid_by_card(stack, ev, tt, buyer)
    body = json.dumps(event, separators=(",", ":"))
    url = base + "/api/webhooks/stripe/"
    check = {"before": settled(stack, order)}
    good = stripe_signature(body, devstack.STRIPE_WEBHOOK_SECRET)
    rows.append(("webhook, repeat of a paid order", "POST /api/webhooks/stripe/",
                 wrk(url, args, LUA_WEBHOOK % (good, body), tmp)))
    check["after_repeats"] = settled(stack, order)
    forged = stripe_signature(body, "whsec_someone_else")
    rows.append(("webhook, forged signature", "POST /api/webhooks/stripe/ (403)",
                 wrk(url, args, LUA_WEBHOOK % (forged, body), tmp)))
    check["after_forgeries"] = settled(stack, order)
    # What the repeat waits for: the retrieve it makes, on a new TLS
    # connection each time as lib/httpc does, against the simulator alone.
    pi = event["data"]["object"]["id"]
    rows.append(("Stripe simulator alone (retrieve)", "GET /v1/payment_intents/{id}"
                 " (simulator, new TLS connection each)",
                 wrk(f"https://127.0.0.1:{stack.stripe_port}/v1/payment_intents/{pi}",
                     args, LUA_SIM % devstack.STRIPE_SECRET_KEY, tmp)))
    return rows, check


def seed_catalogue(stack):
    """CATALOGUE published events of seed 004's catalogue, written straight
    into the database (the API would take minutes): five cities, five
    categories, prices from 100 to 590, a year of dates."""
    import sqlite3
    now = int(datetime.datetime.now(datetime.timezone.utc).timestamp())
    conn = sqlite3.connect(stack.db_path, timeout=30)
    cats = []
    for k in KINDS:
        cur = conn.execute("INSERT INTO categories (slug, name, created_at, updated_at)"
                           " VALUES (?, ?, ?, ?)", (k, k.title(), now, now))
        cats.append(cur.lastrowid)
    rows = []
    for i in range(CATALOGUE):
        kind, city = KINDS[i % 5], CITIES[(i // 5) % 5]
        start = now + 86400 + (i * 3163) % (365 * 86400)
        title = f"{kind.title()} {i} i {city}"
        rows.append((title, f"{title}. En kväll med {kind}.", start, start + 10800,
                     start, 500, "published", f"{kind}-{i}", cats[i % 5], city,
                     f"{kind},kväll", (100 + (i % 50) * 10) * 100,
                     f"{title} {kind} kväll {city}".lower(), now))
    conn.executemany(
        "INSERT INTO events (title, description, event_at, ends_at, sales_stop_at,"
        " total_seats, status, slug, category_id, venue_city, tags, base_price,"
        " search_text, created_at, published_at, venue_name)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?14, 'Scenen')", rows)
    conn.commit()
    conn.close()


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def make_stack(tmp, workers):
    return devstack.Stack(tmp, http_port=0, https_port=0,
                          programs=("catalog", "events", "tickets", "shop", "pay", "scan",
                                    "auth", "orders", "hello"),
                          workers=workers, sims=True, hello=True,
                          extra_conf={"log_level": "warn"}, auth_rate="100000r/s",
                          auth_burst=100000, reserve_burst=100000,
                          buy_burst=100000)


def write_rows(stack, base, args, tmp, types, events, codes):
    """The scenarios whose cost is SQLite's write lock, and the look-up
    scan that must not take it."""
    quoted = ",".join(f'"{c}"' for c in codes)
    return [
        ("reserve 1 ticket", "POST /reserve_ticket/",
         wrk(base + "/reserve_ticket/", args,
             LUA_RESERVE % (events["rush"], types["std"]), tmp)),
        ("validate + use, first admission", "PUT /validate_ticket/ (each ticket once)",
         wrk(base + "/validate_ticket/", args,
             LUA_ADMIT % (DOOR_CODE_BASE, args.threads, PASSWORD), tmp)),
        ("validate + use, scanned again", "PUT /validate_ticket/ (4,000 tickets over and over)",
         wrk(base + "/validate_ticket/", args,
             LUA_VALIDATE % (quoted, PASSWORD, "true"), tmp)),
        ("look-up scan", "PUT /validate_ticket/ (use_ticket false)",
         wrk(base + "/validate_ticket/", args,
             LUA_VALIDATE % (quoted, PASSWORD, "false"), tmp)),
        (f"reserve, {PREFILLED:,} orders behind", "POST /reserve_ticket/",
         wrk(base + "/reserve_ticket/", args,
             LUA_RESERVE % (events["rush100k"], types["std"]), tmp))]


def fivexx_of(tmp):
    """Errors surfacing as 5xx (e.g. SQLITE_BUSY) in the access log."""
    log = os.path.join(tmp, "nginx-access.log")
    if not os.path.exists(log):
        return 0
    with open(log) as f:
        return sum(1 for line in f if re.search(r'" 5\d\d ', line))


def scaling_run(args, workers):
    """hello and the write scenarios on a fresh stack of `workers`
    workers per program: one column of the scaling table."""
    tmp = tempfile.mkdtemp(prefix="biljett-bench-")
    stack = make_stack(tmp, workers)
    try:
        stack.start()
        types, events, codes = seed(stack, tmp)
        base = stack.base_url.rstrip("/")
        rows = [("FastCGI hello (ceiling)", "GET /__hello", wrk(base + "/__hello", args, tmp=tmp))]
        rows += write_rows(stack, base, args, tmp, types, events, codes)
        flash = flash_sale(stack, events["flash"], types["std"])
        fivexx = fivexx_of(tmp)
    finally:
        stack.stop()
    shutil.rmtree(tmp, ignore_errors=True)
    return rows, flash, fivexx


def print_flash(flash):
    print(f"flash sale: {flash['buyers']} buyers at once (1-4 places each) for"
          f" {flash['size']} places: sold {flash['sold']} in {flash['orders']} orders,"
          f" sold out after {flash['sold_out_ms']:.0f} ms; latency p50"
          f" {flash['p50']:.0f} ms, p99 {flash['p99']:.0f} ms, max {flash['max']:.0f} ms;"
          f" oversold {flash['oversold']}, 5xx {flash['fivexx']}, statuses {flash['statuses']}")


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return (xs[n // 2] + xs[(n - 1) // 2]) / 2 if n else 0


def print_scaling(args, counts):
    """The write scenarios with 1, 2, 4 ... workers per program, each
    against the hello ceiling of its own stack.  The worker counts take
    turns, --rounds times (1, 2, 4, 1, 2, 4, ...), and each cell is the
    median of its rounds with their spread: on these machines two runs of
    one binary differ by up to 20 %, and a drift during the run would
    otherwise land on whichever count came last."""
    runs = {w: [] for w in counts}
    for _ in range(args.rounds):
        for w in counts:
            runs[w].append(scaling_run(args, w))
    names = [name for name, _, _ in runs[counts[0]][0][0]]
    print(f"\nworkers per program: {', '.join(str(w) for w in counts)}, taking turns,"
          f" {args.rounds} round(s) (wrk -t{args.threads} -c{args.connections}"
          f" -d{args.seconds}s; median req/s, median share of the same stack's hello"
          " and its range over the rounds, median p50/p99 ms)\n")
    print("| scenario | " + " | ".join(f"{w} worker{'s' if w > 1 else ''}"
                                        for w in counts) + " |")
    print("|---|" + "---:|" * len(counts))
    medians = {}
    for i, name in enumerate(names):
        cells = []
        for w in counts:
            got = [rows[i][2] for rows, _, _ in runs[w]]
            ratios = [rows[i][2]["rps"] / rows[0][2]["rps"] if rows[0][2]["rps"] else 0
                      for rows, _, _ in runs[w]]
            rps = median([r["rps"] for r in got])
            medians[name, w] = rps
            cell = f"{rps:,.0f}"
            if i > 0:
                cell += f" ({median(ratios):.0%}"
                cell += f", {min(ratios):.0%}-{max(ratios):.0%})" if len(ratios) > 1 else ")"
            cell += (f", {median([r['p50'] or 0 for r in got]):.1f}"
                     f"/{median([r['p99'] or 0 for r in got]):.1f}")
            non2xx = sum(r["non2xx"] for r in got)
            if non2xx:
                cell += f", {non2xx} non-2xx"
            cells.append(cell)
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()
    one = counts[0]
    for name in names[1:]:
        slower = [f"{w} ({medians[name, w] / medians[name, one] - 1:+.0%})"
                  for w in counts[1:] if medians[name, w] < medians[name, one]]
        print(f"{name}: " + (f"slower than {one} worker(s) with " + ", ".join(slower)
                             if slower else f"no worker count slower than {one}"))
    print()
    for w in counts:
        for rnd, (_, flash, fivexx) in enumerate(runs[w], 1):
            print(f"{w} worker(s), round {rnd}: ", end="")
            print_flash(flash)
            print(f"{w} worker(s), round {rnd}: 5xx responses in nginx's access log: {fivexx}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scaling", default="1,2,4",
                    help="worker counts of the write-scaling table ('' for none)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="turns of the worker counts in the scaling table")
    ap.add_argument("--only-scaling", action="store_true",
                    help="only the write-scaling table")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench: wrk is missing (scripts/deps.sh installs it)")
    counts = [int(w) for w in args.scaling.split(",") if w.strip()]
    machine = f"{platform.node()}, {os.cpu_count()} CPUs ({cpu_model()}), {platform.platform()}"
    if args.only_scaling:
        print(f"machine: {machine}")
        print_scaling(args, counts)
        return
    tmp = tempfile.mkdtemp(prefix="biljett-bench-")
    stack = make_stack(tmp, args.workers)
    try:
        stack.start()
        types, events, codes = seed(stack, tmp)
        base = stack.base_url.rstrip("/")
        rows = []
        hello = wrk(base + "/__hello", args, tmp=tmp)
        rows.append(("FastCGI hello (ceiling)", "GET /__hello", hello))
        rows.append(("event listing", "GET /get_chapterevents/",
                     wrk(base + "/get_chapterevents/", args, tmp=tmp)))
        seed_catalogue(stack)
        for name, query in (
                (f"catalogue, {CATALOGUE:,} events, page 3", "/api/events/?page=3"),
                ("catalogue filtered", "/api/events/?venue_city=Lund&category=jazz"
                 "&ordering=-start_date&page=2&page_size=20"),
                ("catalogue price range", "/api/events/?min_price=200&max_price=300"
                 "&ordering=base_price"),
                ("catalogue search", "/api/events/?search=opera%20i%20lund")):
            rows.append((name, "GET " + query, wrk(base + query, args, tmp=tmp)))
        rows.append(("catalogue filtered, never cached",
                     "GET /api/events/?venue_city=Lund&ordering=-start_date&page=1..90",
                     wrk(base + "/api/events/", args, LUA_COLD, tmp)))
        # The machine drifts within a run (docs/benchmarks.md): each
        # block is measured against a ceiling taken just before it.
        rows.append((HELLO_AGAIN, "GET /__hello", wrk(base + "/__hello", args, tmp=tmp)))
        rows += write_rows(stack, base, args, tmp, types, events, codes)
        flash = flash_sale(stack, events["flash"], types["std"])
        stack.biljett("create-user", "bench@example.com", "customer",
                      "--password", "bench-password-1")
        conn = http.client.HTTPConnection("127.0.0.1", stack.http_port)
        conn.request("POST", "/api/auth/login", json.dumps(
            {"email": "bench@example.com", "password": "bench-password-1"}),
            {"Content-Type": "application/json"})
        access = json.loads(conn.getresponse().read())["access_token"]
        conn.close()
        rows.append((HELLO_AGAIN, "GET /__hello", wrk(base + "/__hello", args, tmp=tmp)))
        rows.append(("authenticated me", "GET /api/auth/me",
                     wrk(base + "/api/auth/me", args, LUA_ME % access, tmp)))
        login_args = argparse.Namespace(**vars(args))
        login_args.connections = max(2, args.workers * 2)
        rows.append(("login (argon2id)", "POST /api/auth/login",
                     wrk(base + "/api/auth/login", login_args,
                         LUA_LOGIN % "bench-password-1", tmp)))
        login = rows[-1][2]["rps"]
        order_rows, hooks = order_scenarios(stack, base, args, tmp)
        rows += order_rows
        fivexx = fivexx_of(tmp)
    finally:
        stack.stop()

    cmd = (f"make bench  (wrk -t{args.threads} -c{args.connections} -d{args.seconds}s,"
           f" {args.workers} workers per program)")
    print(f"\n{cmd}\nmachine: {machine}\n")
    print("| scenario | request | req/s | p50 ms | p99 ms | vs hello | non-2xx |")
    print("|---|---|---:|---:|---:|---:|---:|")
    ceiling = hello
    for name, request, r in rows:
        if name == HELLO_AGAIN:
            ceiling = r
        ratio = r["rps"] / ceiling["rps"] if ceiling["rps"] else 0
        print(f"| {name} | `{request}` | {r['rps']:.0f} | {r['p50'] or 0:.2f} |"
              f" {r['p99'] or 0:.2f} | {ratio:.0%} | {r['non2xx']} |")
    print()
    print_flash(flash)
    print(f"\n5xx responses in nginx's access log: {fivexx}")
    print(f"login: {login:.0f} argon2id verifications/s with {args.workers} "
          f"worker(s) on {os.cpu_count()} CPUs, {login / min(args.workers, os.cpu_count()):.0f}"
          f" per core")
    repeat, forged = rows[-3][2], rows[-2][2]
    print(f"webhook repeats: {repeat['requests'] - repeat['non2xx']} answered 2xx, the"
          f" event counted received {hooks['after_repeats']['received'] - hooks['before']['received']}"
          f" more times; ledger rows {hooks['before']['ledger']} -> "
          f"{hooks['after_repeats']['ledger']}, tickets {hooks['before']['tickets']} -> "
          f"{hooks['after_repeats']['tickets']}")
    print(f"forged webhooks: {forged['non2xx']} of {forged['requests']} refused; database"
          f" {'unchanged' if hooks['after_forgeries'] == hooks['after_repeats'] else 'CHANGED'}"
          f" ({hooks['after_repeats']} -> {hooks['after_forgeries']})")
    shutil.rmtree(tmp, ignore_errors=True)
    if counts:
        print_scaling(args, counts)


if __name__ == "__main__":
    main()
