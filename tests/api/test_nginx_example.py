"""The production nginx example, nginx/biljett.conf.example, as an
operator installs it on Debian 12 (docs/operations.md section 4): copied
into a temporary directory with only the machine-specific things changed
(certificate, log and temporary paths, the installed share directory,
ports and sockets for the live tests) and included from a minimal
nginx.conf the way /etc/nginx/nginx.conf includes sites-enabled/.

  - `nginx -t` accepts it with the system's nginx (Debian 12: 1.22);
  - every https response carries the server's security headers, also
    where a location adds its own (an add_header in a location replaces
    all inherited ones): checked on the text and on live responses;
  - reservations and provider callbacks are rate limited per address,
    and nginx's own 429 keeps the security headers and Retry-After.

No FastCGI program runs: proxied requests answer nginx's own 502, which
is enough to see the limits and the headers.
"""
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "nginx", "biljett.conf.example")
SHARE = "/usr/local/share/biljett/"     # make install PREFIX=/usr/local
SECURITY_HEADERS = ("strict-transport-security", "x-content-type-options",
                    "referrer-policy")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed(tmp):
    """A throw-away certificate and key for tickets.example.org."""
    crt, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-days", "2", "-subj", "/CN=tickets.example.org",
                    "-keyout", key, "-out", crt],
                   check=True, capture_output=True)
    return crt, key


def render(tmp, ports=None):
    """Writes tmp/nginx.conf including tmp/biljett (the example with the
    machine-specific paths changed); with ports=(http, https) the example
    listens there on 127.0.0.1 and its sockets point into tmp.  Returns
    the nginx.conf path."""
    with open(EXAMPLE) as f:
        text = f.read()
    crt, key = self_signed(tmp)
    text = re.sub(r"(?m)^(\s*ssl_certificate)\s+\S+;", rf"\1 {crt};", text)
    text = re.sub(r"(?m)^(\s*ssl_certificate_key)\s+\S+;", rf"\1 {key};", text)
    text = text.replace("/var/log/nginx/", tmp + "/")
    # The installed share directory is this checkout.
    text = text.replace(SHARE, ROOT + "/")
    if ports is not None:
        http_port, https_port = ports
        text = re.sub(r"(?m)^\s*listen\s+\[::\].*\n", "", text)
        text = re.sub(r"(?m)^(\s*listen)\s+80\b", rf"\1 127.0.0.1:{http_port}", text)
        text = re.sub(r"(?m)^(\s*listen)\s+443\b", rf"\1 127.0.0.1:{https_port}", text)
        text = text.replace("unix:/run/biljett/", f"unix:{tmp}/")
    site = os.path.join(tmp, "biljett")
    with open(site, "w") as f:
        f.write(text)
    temp = "\n".join(f"\t{kind}_temp_path {tmp}/tmp-{kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""{"user root root;" if os.geteuid() == 0 else ""}
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	access_log {tmp}/access.log;
{temp}
	include {site};
}}
""")
    return conf


# -- a small reader of nginx configuration text ---------------------------

def tokenize(text):
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif c in "{};":
            yield c
            i += 1
        elif c in "'\"":
            j, out = i + 1, []
            while j < n and text[j] != c:
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                out.append(text[j])
                j += 1
            yield "".join(out)
            i = j + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in "{};":
                j += 1
            yield text[i:j]
            i = j


def parse(text, path="?"):
    """A list of [name, args, children]; children is None for a simple
    directive.  `include` of one of this checkout's nginx/ files (as
    installed under /usr/local/share/biljett/nginx/) is expanded in place,
    as nginx does."""
    root, stack, words = [], [], []
    cur = root
    for tok in tokenize(text):
        if tok == ";":
            name, args = words[0], words[1:]
            included = None
            if name == "include" and args[0].startswith(SHARE + "nginx/"):
                included = os.path.join(ROOT, args[0][len(SHARE):])
            if included is not None:
                with open(included) as f:
                    cur.extend(parse(f.read(), included))
            else:
                cur.append([name, args, None])
            words = []
        elif tok == "{":
            node = [words[0], words[1:], []]
            cur.append(node)
            stack.append(cur)
            cur, words = node[2], []
        elif tok == "}":
            if words:
                raise ValueError(f"{path}: missing ';' before '}}'")
            cur = stack.pop()
        else:
            words.append(tok)
    if stack or words:
        raise ValueError(f"{path}: unbalanced braces")
    return root


def headers_of(block):
    return {args[0].lower() for name, args, _ in block if name == "add_header"}


def https_servers(tree):
    for name, _, children in tree:
        if name == "server" and any(n == "listen" and "ssl" in a
                                    for n, a, _ in children):
            yield children


def locations(block, inherited):
    """(location args, the add_header names in effect there) for every
    location, nested ones too: a level that has an add_header of its own
    inherits none from above."""
    for name, args, children in block:
        if name == "location":
            own = headers_of(children)
            effective = own if own else inherited
            yield args, effective
            yield from locations(children, effective)


class ExampleText(unittest.TestCase):
    """What nginx -t cannot see: where the headers apply."""

    @classmethod
    def setUpClass(cls):
        with open(EXAMPLE) as f:
            cls.tree = parse(f.read(), EXAMPLE)
        cls.servers = list(https_servers(cls.tree))

    def test_the_https_server_sends_the_security_headers(self):
        self.assertEqual(len(self.servers), 1)
        self.assertTrue(set(SECURITY_HEADERS) <= headers_of(self.servers[0]),
                        headers_of(self.servers[0]))

    def test_static_location_keeps_the_security_headers(self):
        server = self.servers[0]
        found = [eff for args, eff in locations(server, headers_of(server))
                 if args == ["/static/"]]
        self.assertEqual(len(found), 1)
        self.assertTrue(headers_of(server) <= found[0],
                        f"/static/ sends only {sorted(found[0])}")
        self.assertIn("content-security-policy", found[0])

    def test_every_location_keeps_the_server_headers(self):
        server = self.servers[0]
        want = headers_of(server)
        for args, eff in locations(server, want):
            self.assertTrue(want <= eff, f"location {' '.join(args)} drops "
                            f"{sorted(want - eff)}")


class Live(unittest.TestCase):
    """The rewritten example served by a real nginx on 127.0.0.1."""

    def setUp(self):
        if shutil.which("nginx") is None:
            self.skipTest("nginx is not installed")
        self.tmp = tempfile.mkdtemp(prefix="biljett-nginx-")
        self.http_port, self.https_port = free_port(), free_port()
        conf = render(self.tmp, (self.http_port, self.https_port))
        self.proc = subprocess.Popen(
            ["nginx", "-p", self.tmp, "-c", conf, "-e", os.path.join(self.tmp, "error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 10
        while not self.listening():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                self.fail("nginx did not start:\n" + self.error_log())
            time.sleep(0.02)

    def listening(self):
        try:
            socket.create_connection(("127.0.0.1", self.https_port), timeout=0.5).close()
            return True
        except OSError:
            return False

    def tearDown(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def error_log(self):
        try:
            with open(os.path.join(self.tmp, "error.log"), errors="replace") as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def connect(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return http.client.HTTPSConnection("127.0.0.1", self.https_port,
                                           timeout=10, context=ctx)

    def request(self, method, path, body=None, headers=None, conn=None):
        """(status, headers, body); on conn (kept alive) when given."""
        own = conn is None
        conn = conn or self.connect()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            if own:
                conn.close()

    def assert_security_headers(self, headers, what):
        missing = [h for h in SECURITY_HEADERS if h not in headers]
        self.assertEqual(missing, [], f"{what} lacks {missing}")

    def burst(self, method, path, n=30, **kw):
        """n requests back to back on one kept-alive connection, so that
        the rate does not depend on the speed of TLS handshakes."""
        conn = self.connect()
        try:
            return [self.request(method, path, conn=conn, **kw) for _ in range(n)]
        finally:
            conn.close()

    def test_static_files_carry_the_security_headers_and_their_csp(self):
        status, headers, _ = self.request("GET", "/static/biljett.css")
        self.assertEqual(status, 200)
        self.assert_security_headers(headers, "/static/biljett.css")
        self.assertIn("default-src 'self'", headers.get("content-security-policy", ""))

    def test_nginx_errors_are_json_with_the_security_headers(self):
        status, headers, body = self.request("GET", "/get_chapterevents/")
        self.assertEqual(status, 502)
        self.assertEqual(json.loads(body)["code"], "UPSTREAM_UNAVAILABLE")
        self.assert_security_headers(headers, "nginx's 502")

    def assert_limited(self, method, path, most=None, **kw):
        """A burst from one address meets nginx's 429 (after at most
        `most` answers that pass)."""
        answers = self.burst(method, path, **kw)
        statuses = [s for s, _, _ in answers]
        self.assertNotEqual(statuses[0], 429, statuses)
        self.assertIn(429, statuses, f"{method} {path} is not rate limited")
        if most is not None:
            self.assertLessEqual(len(statuses) - statuses.count(429), most, statuses)
        status, headers, body = next(a for a in answers if a[0] == 429)
        self.assertEqual(json.loads(body)["code"], "RATE_LIMITED")
        self.assertEqual(headers.get("retry-after"), "1")
        self.assert_security_headers(headers, f"the 429 of {path}")
        return statuses

    def test_api_reservations_are_rate_limited(self):
        self.assert_limited("POST", "/reserve_ticket/", most=15, body=b"{}",
                            headers={"Content-Type": "application/json"})

    def test_page_reservations_are_rate_limited(self):
        self.assert_limited("POST", "/events/1/reserve", most=15, body=b"x=1",
                            headers={"Content-Type": "application/x-www-form-urlencoded"})

    def test_swish_callbacks_are_rate_limited(self):
        statuses = self.assert_limited("POST", "/swish/callback/", n=150, body=b"{}",
                                       headers={"Content-Type": "application/json"})
        # Swish's own bursts (one callback per payment) pass.
        self.assertGreaterEqual(statuses.count(502), 50, statuses)

    def test_browsing_and_polling_are_not_held_to_the_reservation_rate(self):
        # More than the reservations' burst, less than the payment zone's.
        for path in ("/events/1", "/session_payment_status/"):
            statuses = [s for s, _, _ in self.burst("GET", path, n=15)]
            self.assertNotIn(429, statuses, path)


class NginxT(unittest.TestCase):
    """`nginx -t` with the system's nginx (Debian 12: 1.22)."""

    def test_nginx_t_accepts_the_example(self):
        if shutil.which("nginx") is None:
            self.skipTest("nginx is not installed")
        tmp = tempfile.mkdtemp(prefix="biljett-nginx-t-")
        try:
            conf = render(tmp)
            p = subprocess.run(["nginx", "-t", "-p", tmp, "-c", conf,
                                "-e", os.path.join(tmp, "error.log")],
                               capture_output=True, text=True)
            out = p.stdout + p.stderr
            self.assertEqual(p.returncode, 0, out)
            self.assertIn("syntax is ok", out)
            self.assertIn("test is successful", out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
