"""Shared pieces of the API tests: a real stack per test class, an HTTP
client with a cookie jar, and data set-up through the real CLI.

Each test class that derives from StackTest gets its own nginx, FastCGI
programs, simulators and SQLite file in a temporary directory, on free
ports of 127.0.0.1.  Nothing is mocked.
"""
import datetime
import glob
import http.client
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import unittest
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import devstack

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STOCKHOLM = datetime.timezone(datetime.timedelta(hours=1))


def iso(dt):
    return dt.isoformat(timespec="seconds")


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def all_at_once(n, fn):
    """Runs fn(i) for i in 0..n-1, each in a thread of its own, released
    together by a barrier (a crowd pressing "buy" in the same instant);
    answers the results in order of i."""
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait()
        return fn(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def children(pid):
    """The processes whose parent is pid (a program's workers)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(d))
    return out


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def json(self):
        return json.loads(self.body)

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def __repr__(self):
        return f"<Response {self.status} {self.body[:200]!r}>"


class Client:
    """A minimal browser: one connection per request, a cookie jar, and
    like every current browser an Origin header on each request that may
    change something (headers={"Origin": None} leaves it out: a client
    that is not a browser, or an old one)."""

    def __init__(self, base_url):
        u = urllib.parse.urlsplit(base_url)
        self.host, self.port = u.hostname, u.port
        self.origin = f"{u.scheme}://{u.netloc}"
        self.cookies = {}

    def request(self, method, path, body=None, headers=None, form=None,
                raw=None, content_type=None):
        hdrs = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        elif raw is not None:
            data = raw if isinstance(raw, bytes) else raw.encode()
            if content_type:
                hdrs["Content-Type"] = content_type
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method not in ("GET", "HEAD", "OPTIONS"):
            hdrs["Origin"] = self.origin
        hdrs.update(headers or {})
        hdrs = {k: v for k, v in hdrs.items() if v is not None}
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(method, path, body=data, headers=hdrs)
            r = conn.getresponse()
            resp = Response(r.status, r.getheaders(), r.read())
        finally:
            conn.close()
        for value in resp.header_all("Set-Cookie"):
            pair = value.split(";", 1)[0]
            name, _, val = pair.partition("=")
            attrs = value.lower()
            if "max-age=0" in attrs or val == "":
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = val.strip()
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body=body, **kw)


class StackTest(unittest.TestCase):
    """Starts a fresh stack for the class; stops it afterwards."""

    programs = ("catalog", "events", "tickets", "shop", "pay", "scan", "pages",
                "auth", "venues", "backoffice", "organizer", "orders", "invoices",
                "bookings", "cart")
    extra_conf = None
    autopay = None
    auth_rate = "20r/s"
    auth_burst = 40

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="biljett-test-")
        cls.stack = devstack.Stack(
            cls.tmp, http_port=0, https_port=0,
            programs=tuple(p for p in cls.programs
                           if os.path.exists(os.path.join(ROOT, "cgi-bin", p))),
            workers=2, sims=True, swish_autopay=cls.autopay,
            extra_conf=cls.extra_conf, auth_rate=cls.auth_rate,
            auth_burst=cls.auth_burst)
        try:
            cls.stack.start()
        except Exception:
            cls.stack.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()
        # Memory errors in any program or CLI run fail the class.
        for path in glob.glob(os.path.join(cls.tmp, "*.log")):
            with open(path, errors="replace") as f:
                text = f.read()
            for mark in ("ERROR: AddressSanitizer", "runtime error:",
                         "free(): invalid", "double free", "Segmentation fault"):
                if mark in text:
                    at = text.index(mark)
                    raise AssertionError(f"{os.path.basename(path)}: {mark}\n"
                                         f"{text[max(0, at - 500):at + 3000]}")
        if os.environ.get("BILJETT_KEEP_TMP") is None:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def client(self):
        return Client(self.stack.base_url)

    def db(self):
        """A read connection to the stack's database, for assertions."""
        conn = sqlite3.connect(self.stack.db_path, timeout=10)
        conn.row_factory = sqlite3.Row
        return conn

    def query(self, sql, *args):
        with self.db() as conn:
            return conn.execute(sql, args).fetchall()

    def execute(self, sql, *args):
        """Direct writes, only to arrange time-dependent states."""
        conn = self.db()
        try:
            conn.execute(sql, args)
            conn.commit()
        finally:
            conn.close()

    def old_database(self, upto):
        """A database file made by migrations 001..upto alone, as an
        older release left it; returns (path, open connection)."""
        path = os.path.join(tempfile.mkdtemp(dir=self.tmp), "old.db")
        db = sqlite3.connect(path)
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
                   " name TEXT NOT NULL, applied_at INTEGER NOT NULL)")
        for n in range(1, upto + 1):
            name = [f for f in os.listdir(os.path.join(ROOT, "sql"))
                    if f.startswith(f"{n:03d}_")][0]
            with open(os.path.join(ROOT, "sql", name)) as f:
                db.executescript(f.read())
            db.execute("INSERT INTO schema_migrations VALUES (?, ?, 0)",
                       (n, name[4:-4]))
        return path, db

    def migrate(self, path):
        """Runs `biljett migrate` on the database file at path."""
        env = dict(os.environ, BILJETT_DATABASE=path)
        p = subprocess.run([os.path.join(devstack.BIN, "biljett"), "-c",
                            self.stack.conf_path, "migrate"],
                           capture_output=True, text=True, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)

    @classmethod
    def import_doc(cls, doc):
        """Imports through `biljett import`; returns {key: id} maps."""
        path = os.path.join(cls.tmp, "import.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        out = cls.stack.biljett("import", path)
        result = json.loads(out)
        return ({t["key"]: t["id"] for t in result["ticket_types"]},
                {e["key"]: e["id"] for e in result["events"]})

    # Every test client reserves from 127.0.0.1: events get caps no test
    # reaches unless it asks for its own (None: the import's default).
    GENEROUS_CAP = 100000

    @classmethod
    def show(cls, key="show", seats=50, types=("std",), stop_in_hours=24,
             event_in_hours=48, max_per=8, reservation_seconds=900,
             visible_types=None, hidden_types=(), max_held_per_client=GENEROUS_CAP,
             max_tickets_per_email=GENEROUS_CAP):
        """Imports one event with the given ticket types; returns
        (type ids by key, event id)."""
        t0 = now()
        names = {"std": ("Standardbiljett", 199), "student": ("Studentbiljett", 99),
                 "crew": ("Ensemble", 0)}
        ttypes = []
        for k in list(types) + list(hidden_types):
            title, price = names.get(k, (k.title(), 150))
            ttypes.append({"key": k, "title": title, "description": f"{title}.",
                           "price": price, "visible": k not in hidden_types})
        event = {
            "key": key, "title": f"Show {key}", "description": "A show.",
            "event_at": iso(t0 + datetime.timedelta(hours=event_in_hours)),
            "sales_stop_at": iso(t0 + datetime.timedelta(hours=stop_in_hours)),
            "total_seats": seats, "max_tickets_per_payment": max_per,
            "reservation_seconds": reservation_seconds,
            "swish_message": f"Show {key}",
            "ticket_types": list(types) + list(hidden_types)}
        if max_held_per_client is not None:
            event["max_held_per_client"] = max_held_per_client
        if max_tickets_per_email is not None:
            event["max_tickets_per_email"] = max_tickets_per_email
        ids, events = cls.import_doc({"ticket_types": ttypes, "events": [event]})
        return ids, events[key]
