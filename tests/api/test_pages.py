"""The HTML pages over HTTP: languages, CSRF, security headers, form
errors (the browser tests in tests/browser/ drive them in Chromium)."""
import os
import re
import subprocess

from support import ROOT, StackTest


class Pages(StackTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.types, cls.event = cls.show("pages", seats=3)

    def csrf(self, client, path):
        r = client.get(path)
        self.assertEqual(r.status, 200, r)
        m = re.search(rb'name="csrf" value="([0-9a-f]{64})"', r.body)
        self.assertIsNotNone(m)
        return m.group(1).decode()

    def test_language_from_accept_language_and_query(self):
        c = self.client()
        for lang, heading in (("sv-SE,sv;q=0.9", "Evenemang"), ("de", "Veranstaltungen"),
                              ("fr-CH, fr;q=0.9, en;q=0.8", "Événements"),
                              ("en-US,en;q=0.5", "Events"), ("ja", "Evenemang")):
            r = c.get("/", headers={"Accept-Language": lang})
            self.assertIn(f"<h1>{heading}</h1>".encode(), r.body, lang)
        r = c.get("/?lang=en", headers={"Accept-Language": "de"})
        self.assertIn(b"<h1>Events</h1>", r.body)
        self.assertEqual(c.cookies.get("lang"), "en")
        r = c.get("/", headers={"Accept-Language": "de"})
        self.assertIn(b"<h1>Events</h1>", r.body)

    def test_api_errors_follow_accept_language(self):
        r = self.client().get("/api/events?page=0", headers={"Accept-Language": "sv"})
        self.assertEqual(r.json["error"],
                         "Förfrågan är felaktig eller ett fält är ogiltigt.")
        r = self.client().get("/api/events?page=0", headers={"Accept-Language": "fr"})
        self.assertEqual(r.json["code"], "VALIDATION_ERROR")
        self.assertTrue(r.json["error"].startswith("La requête"))

    def test_security_headers(self):
        r = self.client().get(f"/events/{self.event}")
        csp = r.header("Content-Security-Policy")
        self.assertIn("script-src 'self'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertEqual(r.header("X-Frame-Options"), "DENY")
        self.assertTrue(r.header("Content-Type").startswith("text/html"))
        self.assertNotIn(b"<script>", r.body)
        self.assertNotIn(b"style=", r.body)

    def test_reserve_form_needs_the_csrf_token(self):
        c = self.client()
        token = self.csrf(c, f"/events/{self.event}")
        form = {f"t{self.types['std']}": "1"}
        r = c.post(f"/events/{self.event}/reserve", form=form)
        self.assertEqual(r.status, 403)
        r = c.post(f"/events/{self.event}/reserve", form=dict(form, csrf="0" * 64))
        self.assertEqual(r.status, 403)
        r = c.post(f"/events/{self.event}/reserve", form=dict(form, csrf=token),
                   headers={"Origin": "https://evil.example"})
        self.assertEqual(r.status, 403)
        r = c.post(f"/events/{self.event}/reserve", form=dict(form, csrf=token),
                   headers={"Origin": None, "Sec-Fetch-Site": "cross-site"})
        self.assertEqual(r.status, 403)
        self.assertNotIn("sessionid", c.cookies)
        r = c.post(f"/events/{self.event}/reserve", form=dict(form, csrf=token),
                   headers={"Origin": self.stack.base_url})
        self.assertEqual((r.status, r.header("Location")), (303, "/checkout"))
        self.assertIn("sessionid", c.cookies)
        r = c.get("/checkout")
        self.assertIn(b"199.00 kr", r.body)

    def test_form_errors_render_the_page(self):
        c = self.client()
        token = self.csrf(c, f"/events/{self.event}")
        r = c.post(f"/events/{self.event}/reserve",
                   form={"csrf": token, f"t{self.types['std']}": "0"},
                   headers={"Accept-Language": "en"})
        self.assertEqual(r.status, 400)
        self.assertIn(b"Choose how many tickets you want.", r.body)
        r = c.post(f"/events/{self.event}/reserve",
                   form={"csrf": token, f"t{self.types['std']}": "4"},
                   headers={"Accept-Language": "en"})
        self.assertEqual(r.status, 403)
        self.assertRegex(r.body.decode(), r"Only \d tickets are left\.|Sold out")
        r = c.post(f"/events/{self.event}/reserve",
                   form={"csrf": token, f"t{self.types['std']}": "x"})
        self.assertEqual(r.status, 400)
        r = c.get("/events/99999")
        self.assertEqual(r.status, 404)
        self.assertTrue(r.header("Content-Type").startswith("text/html"))

    def test_odd_bodies_get_4xx(self):
        c = self.client()
        token = self.csrf(c, f"/events/{self.event}")
        for raw, ctype in ((b"[1, 2]", "application/json"), (b'{"t1": [1]}', "application/json"),
                           (b"\x00\xff", "application/x-www-form-urlencoded"),
                           (b"--x\r\n", "multipart/form-data; boundary=x")):
            r = c.request("POST", f"/events/{self.event}/reserve", raw=raw, content_type=ctype)
            self.assertIn(r.status // 100, (4,), (raw, r))
        self.assertEqual(c.get(f"/events/{self.event}").status, 200)

    def test_checkout_without_reservation(self):
        r = self.client().get("/checkout", headers={"Accept-Language": "en"})
        self.assertEqual(r.status, 404)
        self.assertIn(b"You have no tickets on hold.", r.body)

    def test_payment_form_checks_email_and_csrf(self):
        c = self.client()
        token = self.csrf(c, f"/events/{self.event}")
        c.post(f"/events/{self.event}/reserve",
               form={"csrf": token, f"t{self.types['std']}": "1"})
        r = c.post("/payment", form={"csrf": token, "email": "nope"},
                   headers={"Accept-Language": "en"})
        self.assertEqual(r.status, 400)
        self.assertIn(b"Enter a valid e-mail address.", r.body)
        r = c.post("/payment", form={"email": "a@example.com"})
        self.assertEqual(r.status, 403)
        r = c.post("/payment", form={"csrf": token, "email": "a@example.com"})
        self.assertEqual((r.status, r.header("Location")), (303, "/payment"))
        r = c.get("/payment")
        self.assertIn(b"swish://paymentrequest?token=", r.body)
        self.assertIn(b"/generate_qr/", r.body)

    def test_every_message_is_translated(self):
        p = subprocess.run(["python3", os.path.join(ROOT, "scripts/extract-messages.py"),
                            "--check"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stdout)


class OpenApi(StackTest):
    programs = ("catalog", "auth")

    def test_every_api_route_is_documented(self):
        """Each /api/ route in a program's route table is in the document."""
        import glob as g
        import json as j
        r = self.client().get("/api/openapi.json")
        self.assertEqual(r.status, 200)
        doc = j.loads(r.body)
        documented = {(p, m.upper()) for p, ops in doc["paths"].items() for m in ops}
        routes = set()
        for path in g.glob(os.path.join(ROOT, "cgi-bin", "*.c")):
            with open(path) as f:
                text = f.read()
            for m in re.finditer(r'(?:METHOD_|R\()(GET|POST|PUT|PATCH|DELETE),?\s*"(/api/[^"]*)"', text):
                routes.add((m.group(2), m.group(1)))
        self.assertTrue(routes)
        self.assertEqual(routes - documented, set())
