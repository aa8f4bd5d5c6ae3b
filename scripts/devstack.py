#!/usr/bin/env python3
"""Start and stop the whole biljett stack on 127.0.0.1: the FastCGI
programs on unix sockets, nginx with the project's own configuration
(never the system's), the Swish and Stripe simulators and the SMTP sink.

As a command:
  devstack.py run   [--dir run/dev] [--conf FILE] [--demo] [--http-port 8080]
                    [--https-port 8443] [--autopay 5]     foreground; Ctrl-C,
                                                          SIGTERM or SIGHUP stops
  devstack.py start --dir DIR [same options]              background; returns when ready
  devstack.py stop  --dir DIR                             stops what start started

As a module (the tests and the bench):
  stack = Stack(rundir, http_port=0, https_port=0)   # 0: pick free ports
  stack.start(); ...; stack.stop()
"""
import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Where the binaries are: the build (default) or, for the tests, the
# sanitizer build in build/san (BILJETT_BIN=build/san).
BIN = os.path.join(ROOT, os.environ.get("BILJETT_BIN", ""))
PROGRAMS = ("catalog", "events", "tickets", "shop", "pay", "scan", "pages",
            "auth", "venues", "backoffice", "organizer", "orders", "invoices",
            "bookings", "cart")
ALL_UPSTREAMS = ("catalog", "events", "tickets", "shop", "pay", "scan",
                 "pages", "auth", "venues", "backoffice", "organizer",
                 "orders", "invoices", "bookings", "cart", "hello")
# Programs with short write routes (ROUTE_BATCH): each has a writer, one
# more process on NAME-write.sock, and nginx sends those routes there
# (lib/route.c, "The writer").
WRITERS = ("shop", "scan", "orders")
READY_SECONDS = 20
# The Stripe simulator's fixed test-mode keys (tests/sim/stripe_sim.py).
STRIPE_SECRET_KEY = "sk_test_biljett_dev"
STRIPE_PUBLISHABLE_KEY = "pk_test_biljett_dev"
STRIPE_WEBHOOK_SECRET = "whsec_biljett_dev"
# The M-Pesa simulator's Daraja app and paybill (tests/sim/mpesa_sim.py):
# the sandbox's public shortcode and passkey (protocols.md 3.3).
MPESA_CONSUMER_KEY = "biljett_dev_key"
MPESA_CONSUMER_SECRET = "biljett_dev_secret"
MPESA_SHORTCODE = "174379"
MPESA_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
# How long stop() lets the processes exit after SIGTERM, then after SIGKILL.
STOP_SECONDS = 10
KILL_SECONDS = 5
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class StopSignals:
    """SIGTERM, SIGINT and SIGHUP as one orderly stop.

    The handlers are installed explicitly: a `make run` started in the
    background by a script inherits SIGINT ignored, and Python leaves an
    inherited SIG_IGN in place, so Ctrl-C's signal would do nothing.  The
    first signal raises KeyboardInterrupt and ignores all three from then
    on: GNU make forwards SIGTERM to us, so a SIGTERM to the process group
    (timeout(1), a service manager) arrives twice, and a second
    KeyboardInterrupt inside stop() would leave the rest running.
    """

    def __init__(self):
        self.signum = None
        self.holding = 0

    def install(self):
        for sig in STOP_SIGNALS:
            signal.signal(sig, self.on_signal)

    def ignore(self):
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)

    def on_signal(self, signum, frame):
        if self.signum is not None:
            return
        self.signum = signum
        self.ignore()
        if not self.holding:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def hold(self):
        """Defers the stop while a child is being started: interrupted
        between fork and Popen's return, the child would run on without
        being in Stack.procs, where stop() looks."""
        self.holding += 1
        try:
            yield
        finally:
            self.holding -= 1
        if self.signum is not None and not self.holding:
            raise KeyboardInterrupt


# One per process: signal handlers are.  Harmless when not installed.
stop_signals = StopSignals()


_ports_given = set()


def free_port():
    """A port nothing listens on now, never one this process handed out
    before: a stack picks all its ports before anything binds them, so
    the kernel could otherwise give the same one twice."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _ports_given:
            _ports_given.add(port)
            return port


def wait_until(check, what, log=None, timeout=READY_SECONDS, proc=None):
    """Polls check() until true; on timeout raises with the log's tail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            break
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.02)
    tail = ""
    if log and os.path.exists(log):
        with open(log, errors="replace") as f:
            tail = "".join(f.readlines()[-30:])
    raise RuntimeError(f"{what} did not become ready\n{tail}")


def tcp_open(port):
    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True


def signal_group(pgid, sig):
    """Signals a process group; False when no process is left in it."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    return True


def stop_groups(pgids, reap=lambda: None):
    """SIGTERM to each process group, then waits up to STOP_SECONDS in
    all for every group to empty, SIGKILLs those that have not and waits
    KILL_SECONDS more.  A group is empty only when its workers have gone
    too, not just its leader.  reap() must collect the caller's own exited
    children, which stay in their groups as zombies until then.  Returns
    the groups still not empty."""
    live = [g for g in pgids if signal_group(g, signal.SIGTERM)]
    live = wait_groups(live, STOP_SECONDS, reap)
    if live:
        for g in live:
            signal_group(g, signal.SIGKILL)
        live = wait_groups(live, KILL_SECONDS, reap)
    return live


def wait_groups(pgids, seconds, reap):
    """Waits up to seconds for the groups to empty; returns the rest."""
    deadline = time.monotonic() + seconds
    while True:
        reap()
        pgids = [g for g in pgids if signal_group(g, 0)]
        if not pgids or time.monotonic() >= deadline:
            return pgids
        time.sleep(0.05)


def unix_open(path):
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(0.5)
        s.connect(path)
        return True


class Stack:
    def __init__(self, rundir, conf=None, http_port=8080, https_port=8443,
                 programs=PROGRAMS, workers=2, sims=True, swish_autopay=None,
                 hello=False, extra_conf=None, auth_rate="20r/s", auth_burst=40,
                 reserve_burst=200, buy_burst=200, stripe_autoconfirm=None):
        self.rundir = os.path.abspath(rundir)
        self.given_conf = conf
        self.http_port = http_port or free_port()
        self.https_port = https_port or free_port()
        self.programs = tuple(programs) + (("hello",) if hello and "hello" not in programs else ())
        self.workers = workers
        self.sims = sims
        self.autopay = swish_autopay
        # None: Stripe payments are confirmed only through the Stripe.js
        # stand-in (or the tests); else seconds after each is created.
        self.stripe_autoconfirm = stripe_autoconfirm
        self.extra_conf = dict(extra_conf or {})
        self.auth_rate = auth_rate
        self.auth_burst = auth_burst
        # The bench's flash sale sends 1,000 reservations from one address
        # at once; the tests keep the limit a real client would meet.
        self.reserve_burst = reserve_burst
        self.buy_burst = buy_burst
        self.procs = []          # (name, Popen), in start order
        self.certs = os.path.join(self.rundir, "certs")
        self.swish_port = self.swish_control_port = self.swish_qr_port = None
        self.smtp_port = self.smtp_control_port = None
        self.stripe_port = self.stripe_control_port = None
        self.mpesa_port = self.mpesa_control_port = None

    # -- paths and URLs ------------------------------------------------

    @property
    def conf_path(self):
        return self.given_conf or os.path.join(self.rundir, "biljett.conf")

    @property
    def db_path(self):
        return self.conf_value("database")

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def https_url(self):
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def ca_path(self):
        return os.path.join(self.certs, "ca.crt")

    @property
    def media_dir(self):
        """Where posters are stored and nginx serves /media/ from: the
        configuration's media_dir, by default "media" beside it."""
        return os.path.abspath(self.conf_value("media_dir") or os.path.join(
            os.path.dirname(os.path.abspath(self.conf_path)), "media"))

    @property
    def mail_dir(self):
        return os.path.join(self.rundir, "mail")

    @property
    def swish_control_url(self):
        return f"http://127.0.0.1:{self.swish_control_port}"

    @property
    def smtp_control_url(self):
        return f"http://127.0.0.1:{self.smtp_control_port}"

    @property
    def stripe_control_url(self):
        return f"http://127.0.0.1:{self.stripe_control_port}"

    def stripe_conf(self):
        """The configuration keys for the Stripe simulator."""
        return {"stripe_api_url": f"https://127.0.0.1:{self.stripe_port}",
                "stripe_secret_key": STRIPE_SECRET_KEY,
                "stripe_publishable_key": STRIPE_PUBLISHABLE_KEY,
                "stripe_webhook_secret": STRIPE_WEBHOOK_SECRET,
                "stripe_js_url": f"{self.stripe_control_url}/stripe.js",
                "stripe_ca": self.ca_path}

    @property
    def mpesa_control_url(self):
        return f"http://127.0.0.1:{self.mpesa_control_port}"

    def mpesa_conf(self):
        """The configuration keys for the M-Pesa simulator."""
        return {"mpesa_api_url": f"https://127.0.0.1:{self.mpesa_port}",
                "mpesa_consumer_key": MPESA_CONSUMER_KEY,
                "mpesa_consumer_secret": MPESA_CONSUMER_SECRET,
                "mpesa_shortcode": MPESA_SHORTCODE,
                "mpesa_passkey": MPESA_PASSKEY,
                "mpesa_ca": self.ca_path}

    def conf_value(self, key):
        env = os.environ.get("BILJETT_" + key.upper())
        if env is not None:
            return env
        with open(self.conf_path) as f:
            for line in f:
                k, sep, v = line.partition("=")
                if sep and k.strip() == key and not k.strip().startswith("#"):
                    v = v.strip()
                    if key in ("database", "media_dir") and not os.path.isabs(v):
                        v = os.path.join(os.path.dirname(self.conf_path), v)
                    return v
        return None

    def log(self, name):
        return os.path.join(self.rundir, f"{name}.log")

    # -- pieces --------------------------------------------------------

    def biljett(self, *args, check=True, stdin=None):
        """Runs the CLI with this stack's config; returns its stdout."""
        with stop_signals.hold():
            p = subprocess.run([os.path.join(BIN, "biljett"), "-c", self.conf_path,
                                *args], capture_output=True, text=True, input=stdin)
        if check and p.returncode != 0:
            raise RuntimeError(f"biljett {' '.join(args)} failed "
                               f"({p.returncode}): {p.stderr}{p.stdout}")
        return p.stdout

    def spawn(self, name, argv, **kw):
        """Starts a child in a session of its own, so its process group
        holds it and everything it forks (nginx's and the FastCGI
        programs' workers), and stop() reaches them all through it."""
        with stop_signals.hold(), open(self.log(name), "ab") as log:
            p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, cwd=ROOT,
                                 start_new_session=True, **kw)
            self.procs.append((name, p))
        return p

    def write_conf(self):
        conf = {
            "database": os.path.join(self.rundir, "biljett.db"),
            "public_url": self.https_url,
            "timezone": "Europe/Stockholm",
            "log_level": "info",
            "workers": str(self.workers),
            "swish_api_url": f"https://127.0.0.1:{self.swish_port}/swish-cpcapi",
            "swish_cert": os.path.join(self.certs, "swish-client.crt"),
            "swish_key": os.path.join(self.certs, "swish-client.key"),
            "swish_ca": self.ca_path,
            "swish_payee_alias": "1234679304",
            "swish_qr_url": f"https://127.0.0.1:{self.swish_qr_port}/qrg-swish/api/v1/commerce",
            "swish_timeout": "10",
            "smtp_url": f"smtp://127.0.0.1:{self.smtp_port}",
            "mail_from": "biljett@127.0.0.1",
            "mail_from_name": "biljett",
            "templates": os.path.join(ROOT, "templates"),
            "locale_dir": os.path.join(ROOT, "build", "locale"),
            "secret_key": os.urandom(32).hex(),
            "biljett_cli": os.path.join(BIN, "biljett"),
            "media_dir": os.path.join(self.rundir, "media"),
        }
        if self.stripe_port is not None:
            conf.update(self.stripe_conf())
        if self.mpesa_port is not None:
            conf.update(self.mpesa_conf())
        # A development stack: seed 004's "testing only" confirmation.
        conf["test_payments"] = "on"
        conf.update(self.extra_conf)
        with open(self.conf_path, "w") as f:
            f.write("# Generated by scripts/devstack.py for this run.\n")
            for k, v in conf.items():
                f.write(f"{k} = {v}\n")

    def start_sims(self):
        py = sys.executable or "python3"
        swish = os.path.join(ROOT, "tests", "sim", "swish_sim.py")
        smtp = os.path.join(ROOT, "tests", "sim", "smtp_sink.py")
        stripe = os.path.join(ROOT, "tests", "sim", "stripe_sim.py")
        if os.path.exists(swish):
            argv = [py, swish, "--port", str(self.swish_port),
                    "--control-port", str(self.swish_control_port),
                    "--qr-port", str(self.swish_qr_port),
                    "--cert", os.path.join(self.certs, "server.crt"),
                    "--key", os.path.join(self.certs, "server.key"),
                    "--client-ca", self.ca_path, "--callback-ca", self.ca_path,
                    "--payee-alias", "1234679304"]
            if self.autopay is not None:
                argv += ["--auto-pay", str(self.autopay)]
            p = self.spawn("swish-sim", argv)
            wait_until(lambda: tcp_open(self.swish_control_port), "the Swish simulator",
                       self.log("swish-sim"), proc=p)
            wait_until(lambda: tcp_open(self.swish_port), "the Swish simulator",
                       self.log("swish-sim"), proc=p)
        if os.path.exists(stripe):
            self.start_stripe_sim(py, stripe)
        mpesa = os.path.join(ROOT, "tests", "sim", "mpesa_sim.py")
        if os.path.exists(mpesa):
            self.start_mpesa_sim(py, mpesa)
        if os.path.exists(smtp):
            os.makedirs(self.mail_dir, exist_ok=True)
            p = self.spawn("smtp-sink", [py, smtp, "--port", str(self.smtp_port),
                                         "--dir", self.mail_dir,
                                         "--control-port", str(self.smtp_control_port)])
            wait_until(lambda: tcp_open(self.smtp_port), "the SMTP sink",
                       self.log("smtp-sink"), proc=p)

    def start_stripe_sim(self, py, path):
        """Over TLS with the dev certificate; its webhooks go to nginx,
        which may not be up yet (they are retried, and only sent once a
        payment is confirmed)."""
        argv = [py, path, "--port", str(self.stripe_port),
                "--control-port", str(self.stripe_control_port),
                "--cert", os.path.join(self.certs, "server.crt"),
                "--key", os.path.join(self.certs, "server.key"),
                "--secret-key", STRIPE_SECRET_KEY,
                "--publishable-key", STRIPE_PUBLISHABLE_KEY,
                "--webhook-url", self.https_url + "/api/webhooks/stripe/",
                "--webhook-secret", STRIPE_WEBHOOK_SECRET,
                "--webhook-ca", self.ca_path]
        if self.stripe_autoconfirm is not None:
            argv += ["--auto-confirm", str(self.stripe_autoconfirm)]
        p = self.spawn("stripe-sim", argv)
        for port in (self.stripe_control_port, self.stripe_port):
            wait_until(lambda: tcp_open(port), "the Stripe simulator",
                       self.log("stripe-sim"), proc=p)

    def start_mpesa_sim(self, py, path):
        """Over TLS with the dev certificate; its callbacks go to nginx
        over https, verified with the dev CA, as Daraja's would."""
        p = self.spawn("mpesa-sim", [
            py, path, "--port", str(self.mpesa_port),
            "--control-port", str(self.mpesa_control_port),
            "--cert", os.path.join(self.certs, "server.crt"),
            "--key", os.path.join(self.certs, "server.key"),
            "--consumer-key", MPESA_CONSUMER_KEY,
            "--consumer-secret", MPESA_CONSUMER_SECRET,
            "--shortcode", MPESA_SHORTCODE, "--passkey", MPESA_PASSKEY,
            "--callback-ca", self.ca_path])
        for port in (self.mpesa_control_port, self.mpesa_port):
            wait_until(lambda: tcp_open(port), "the M-Pesa simulator",
                       self.log("mpesa-sim"), proc=p)

    def render_nginx(self):
        user = "user root root;" if os.geteuid() == 0 else ""
        upstreams = "\n".join(
            [f"\tupstream {name} {{ server unix:{self.rundir}/{name}.sock; }}"
             for name in ALL_UPSTREAMS] +
            [f"\tupstream {name}_write {{ server unix:{self.rundir}/{name}-write.sock; }}"
             for name in WRITERS])
        subst = {"@RUNDIR@": self.rundir, "@ROOT@": ROOT,
                 "@NGINXDIR@": os.path.join(ROOT, "nginx"),
                 "@HTTP_PORT@": str(self.http_port), "@HTTPS_PORT@": str(self.https_port),
                 "@CERT@": os.path.join(self.certs, "server.crt"),
                 "@KEY@": os.path.join(self.certs, "server.key"),
                 "@USER_LINE@": user, "@UPSTREAMS@": upstreams,
                 # Sign-in throttling per address (tests lower it).
                 "@AUTH_RATE@": self.auth_rate, "@AUTH_BURST@": str(self.auth_burst),
                 "@RESERVE_BURST@": str(self.reserve_burst),
                 "@BUY_BURST@": str(self.buy_burst),
                 "@MEDIADIR@": self.media_dir}
        for src, dst in (("dev.conf.in", "nginx.conf"), ("routes.conf.in", "routes.conf")):
            with open(os.path.join(ROOT, "nginx", src)) as f:
                text = f.read()
            for k, v in subst.items():
                text = text.replace(k, v)
            with open(os.path.join(self.rundir, dst), "w") as f:
                f.write(text)
        for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            os.makedirs(os.path.join(self.rundir, "tmp", d), exist_ok=True)

    # -- lifecycle -------------------------------------------------------

    def start(self):
        os.makedirs(self.rundir, exist_ok=True)
        # Checked after hold(): a stop that killed the script is a stop.
        with stop_signals.hold():
            p = subprocess.run([os.path.join(ROOT, "scripts", "mkcerts.sh"), self.certs])
        p.check_returncode()
        if self.sims:
            self.swish_port, self.swish_control_port, self.swish_qr_port = (
                free_port(), free_port(), free_port())
            self.smtp_port, self.smtp_control_port = free_port(), free_port()
            self.stripe_port, self.stripe_control_port = free_port(), free_port()
            self.mpesa_port, self.mpesa_control_port = free_port(), free_port()
        if self.given_conf is None:
            self.write_conf()
        self.biljett("init")
        if self.sims:
            self.start_sims()
        for name in self.programs:
            self.start_program(name)
        self.render_nginx()
        p = self.spawn("nginx", ["nginx", "-p", self.rundir, "-c",
                                 os.path.join(self.rundir, "nginx.conf"),
                                 "-e", os.path.join(self.rundir, "nginx-error.log")])
        health = self.base_url + ("/api/health" if "catalog" in self.programs else "/")

        def ready():
            try:
                with urllib.request.urlopen(health, timeout=1) as r:
                    return r.status == 200
            except urllib.error.HTTPError:
                return False
        wait_until(ready, "nginx", os.path.join(self.rundir, "nginx-error.log"), proc=p)
        self.save_state()
        return self

    def start_program(self, name):
        """Starts cgi-bin/NAME on its socket; returns when it listens."""
        sock = os.path.join(self.rundir, f"{name}.sock")
        argv = [os.path.join(BIN, "cgi-bin", name), "-c", self.conf_path,
                "-s", sock, "-w", str(self.workers)]
        socks = [sock]
        if name in WRITERS:
            socks.append(os.path.join(self.rundir, f"{name}-write.sock"))
            argv += ["-W", socks[-1]]
        p = self.spawn(name, argv)
        for path in socks:
            wait_until(lambda: unix_open(path), f"cgi-bin/{name}", self.log(name), proc=p)

    def restart_programs(self, names=None):
        """Stops the FastCGI programs (all, or those named) with their
        workers and starts them again with the same configuration, as a
        deploy or a crash of every program would; nginx, the simulators
        and the database file stay."""
        names = tuple(names or self.programs)
        old = [(n, p) for n, p in self.procs if n in names]
        self.procs = [(n, p) for n, p in self.procs if n not in names]

        def reap():
            for _, p in old:
                p.poll()
        left = stop_groups([p.pid for _, p in old], reap)
        if left:
            raise RuntimeError(f"programs still running after SIGKILL: {left}")
        for name in names:
            self.start_program(name)
        self.save_state()

    def save_state(self):
        state = {"pids": [[n, p.pid] for n, p in self.procs],
                 "http_port": self.http_port, "https_port": self.https_port,
                 "swish_control_port": self.swish_control_port,
                 "smtp_control_port": self.smtp_control_port,
                 "stripe_control_port": self.stripe_control_port,
                 "mpesa_control_port": self.mpesa_control_port}
        with open(os.path.join(self.rundir, "stack.json"), "w") as f:
            json.dump(state, f)

    def stop(self):
        """Stops every child started, newest first, with its workers."""
        procs, self.procs = self.procs, []

        def reap():
            for _, p in procs:
                p.poll()
        left = stop_groups([p.pid for _, p in reversed(procs)], reap)
        if left:
            names = [n for n, p in procs if p.pid in left]
            print(f"devstack: {', '.join(names)} still running after SIGKILL",
                  file=sys.stderr)


def stop_dir(rundir):
    """Stops the processes recorded by `start` in rundir/stack.json."""
    path = os.path.join(rundir, "stack.json")
    with open(path) as f:
        state = json.load(f)
    # Each pid leads its own process group (Stack.spawn).
    stop_groups([pid for _, pid in reversed(state["pids"])])
    os.unlink(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=("run", "start", "stop"))
    ap.add_argument("--dir", default=os.path.join(ROOT, "run", "dev"))
    ap.add_argument("--conf")
    ap.add_argument("--demo", action="store_true")
    ap.add_argument("--http-port", type=int, default=8080)
    ap.add_argument("--https-port", type=int, default=8443)
    ap.add_argument("--autopay", type=float, default=5)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()

    if args.command == "stop":
        stop_dir(args.dir)
        return 0
    stack = Stack(args.dir, conf=args.conf, http_port=args.http_port,
                  https_port=args.https_port, workers=args.workers,
                  swish_autopay=args.autopay, sims=args.conf is None)
    try:
        stop_signals.install()
        stack.start()
        scanner_file = os.path.join(stack.rundir, "scanner-password.txt")
        if args.demo:
            if not _has_events(stack):
                stack.biljett("demo")
                # A door scanner for the demo (whose events have no
                # organizer, so it is site-wide); its password is kept here.
                out = stack.biljett("scanner-add", "demo-door", "--site-wide")
                with open(scanner_file, "w") as f:
                    f.write(out.strip().rsplit(" ", 1)[1] + "\n")
        if args.command == "start":
            print(f"biljett started in {stack.rundir}; stop with "
                  f"`{sys.argv[0]} stop --dir {args.dir}`")
            stack.procs = []   # leave them running
            return 0
        print(f"biljett is running at {stack.base_url}/ "
              f"(and {stack.https_url}/)")
        if os.path.exists(scanner_file):
            with open(scanner_file) as f:
                print(f"door page: {stack.base_url}/scanner "
                      f"(password {f.read().strip()})")
        if stack.sims:
            print(f"mail received by the SMTP sink is kept in {stack.mail_dir}/")
            print(f"the Swish simulator pays each request after {args.autopay:g} s")
            print("the M-Pesa simulator answers each phone after 2 s: it pays, "
                  "unless the number ends in 1032 (cancelled), 0001 (too little "
                  "money) or 1037 (no answer); see tests/sim/README.md")
        print(f"logs: {stack.rundir}/*.log; Ctrl-C stops everything")
        sys.stdout.flush()
        while all(p.poll() is None for _, p in stack.procs):
            time.sleep(0.5)
        dead = [n for n, p in stack.procs if p.poll() is not None]
        print(f"stopped: {', '.join(dead)} exited; see {stack.rundir}/*.log")
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        # Whatever ended the run, no signal may cut the stop short.  After
        # a successful `start`, stack.procs is empty and nothing stops.
        try:
            stop_signals.ignore()
        except KeyboardInterrupt:
            pass    # a first signal just now: its handler ignored the rest
        stack.stop()


def _has_events(stack):
    import sqlite3
    conn = sqlite3.connect(stack.db_path)
    try:
        return conn.execute("SELECT count(*) FROM events").fetchone()[0] > 0
    finally:
        conn.close()


if __name__ == "__main__":
    sys.exit(main())
