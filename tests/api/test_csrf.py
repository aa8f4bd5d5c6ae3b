"""The one CSRF rule (lib/csrf), applied by the route gate to every
state-changing request: the seed-002 POSTs refuse foreign origins and
accept the origins in cors_origins (the bittan client calls them
cross-origin with credentials) and clients without browser headers;
Sec-Fetch-Site decides when Origin is absent, "none" included; a
request carrying a session cookie without browser headers needs the
double-submit header, whether the cookie signs someone in or holds a
guest's reservation; a body without a Content-Type is not JSON.

The test client sends Origin on every state-changing request, as current
browsers do; "Origin": None plays a client without it."""
import json

from support import StackTest

FRONT = "https://shop.example.org"


class Csrf(StackTest):
    programs = ("catalog", "shop", "pay", "scan", "pages", "auth")
    extra_conf = {"cors_origins": FRONT}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.types, cls.event = cls.show("csrf", seats=100)

    def reserve(self, client, **kw):
        return client.post("/reserve_ticket/", {
            "chapter_event": self.event,
            "tickets": [{"ticket_type": self.types["std"], "count": 1}]}, **kw)

    def held(self):
        return self.query("SELECT count(*) AS n FROM orders")[0]["n"]

    def test_reserve_refuses_foreign_origins(self):
        before = self.held()
        for headers in ({"Origin": "https://evil.example"},
                        {"Origin": "null"},
                        {"Origin": None, "Sec-Fetch-Site": "cross-site"},
                        {"Origin": None, "Sec-Fetch-Site": "same-site"}):
            r = self.reserve(self.client(), headers=headers)
            self.assertEqual((r.status, r.json), (403, "Forbidden"), headers)
            self.assertIsNone(r.header("Set-Cookie"), headers)
        self.assertEqual(self.held(), before)

    def test_reserve_accepts_allowed_and_own_origins_and_plain_clients(self):
        for headers in ({"Origin": FRONT, "Sec-Fetch-Site": "cross-site"},
                        {"Origin": self.stack.base_url},
                        {"Origin": None, "Sec-Fetch-Site": "same-origin"},
                        {"Origin": None, "Sec-Fetch-Site": "none"},
                        {"Origin": None}):
            c = self.client()
            r = self.reserve(c, headers=headers)
            self.assertEqual(r.status, 201, (headers, r))
            if "Origin" in headers and headers["Origin"] == FRONT:
                self.assertEqual(r.header("Access-Control-Allow-Origin"), FRONT)
                self.assertEqual(r.header("Access-Control-Allow-Credentials"), "true")

    def payments(self):
        return self.query("SELECT count(*) AS n FROM payments")[0]["n"]

    def test_start_payment_refuses_a_foreign_origin(self):
        c = self.client()
        self.assertEqual(self.reserve(c).status, 201)
        before = self.payments()
        r = c.post("/start_payment/", {"email_address": "a@example.com"},
                   headers={"Origin": "https://evil.example"})
        self.assertEqual((r.status, r.json), (403, "Forbidden"))
        self.assertEqual(self.payments(), before)

    def test_body_without_content_type_is_not_json(self):
        body = json.dumps({"chapter_event": self.event,
                           "tickets": [{"ticket_type": self.types["std"], "count": 1}]})
        r = self.client().request("POST", "/reserve_ticket/", raw=body)
        self.assertEqual((r.status, r.json), (400, "InvalidRequestData"))
        r = self.client().request("POST", "/reserve_ticket/", raw=body,
                                  content_type="text/plain")
        self.assertEqual((r.status, r.json), (400, "InvalidRequestData"))
        r = self.client().request("POST", "/api/auth/password-reset",
                                  raw=json.dumps({"email": "a@example.com"}))
        self.assertEqual((r.status, r.json["code"]),
                         (415, "UNSUPPORTED_MEDIA_TYPE"))

    def test_scanner_put_from_an_allowed_origin_passes_the_gate(self):
        # No such ticket, but the answer comes from the handler, not the gate.
        r = self.client().put("/validate_ticket/", {
            "external_id": "NOSUCH", "password": "x", "use_ticket": False},
            headers={"Origin": FRONT})
        self.assertNotEqual(r.status, 403)
        r = self.client().put("/validate_ticket/", {
            "external_id": "NOSUCH", "password": "x", "use_ticket": False},
            headers={"Origin": "https://evil.example"})
        self.assertEqual((r.status, r.json), (403, "Forbidden"))

    def test_cookie_api_request_one_rule(self):
        out = self.stack.biljett("create-user", "csrf@example.com", "organizer")
        password = out.strip().rsplit(" ", 1)[1]
        c = self.client()
        r = c.post("/api/auth/login", {"email": "csrf@example.com",
                                       "password": password, "client": "browser"})
        self.assertEqual(r.status, 200, r)
        # No browser headers: the double-submit header must match.
        r = c.post("/api/auth/email-change/cancel", {}, headers={"Origin": None})
        self.assertEqual((r.status, r.json["code"]), (403, "CSRF_FAILED"))
        c.cookies["csrftoken"] = "a" * 64
        r = c.post("/api/auth/email-change/cancel", {},
                   headers={"Origin": None, "X-CSRF-Token": "b" * 64})
        self.assertEqual(r.status, 403)
        r = c.post("/api/auth/email-change/cancel", {},
                   headers={"Origin": None, "X-CSRF-Token": "a" * 64})
        self.assertNotEqual(r.status, 403, r)
        # Sec-Fetch-Site: none (typed by the user) is not cross-site here
        # either, as on the pages.
        r = c.post("/api/auth/email-change/cancel", {},
                   headers={"Origin": None, "Sec-Fetch-Site": "none"})
        self.assertNotEqual(r.status, 403, r)
        r = c.post("/api/auth/email-change/cancel", {},
                   headers={"Origin": None, "Sec-Fetch-Site": "cross-site"})
        self.assertEqual(r.status, 403)
        # Our own origin, as a browser sends it.
        r = c.post("/api/auth/email-change/cancel", {})
        self.assertNotEqual(r.status, 403, r)

    def test_a_guests_session_cookie_needs_the_same_proof(self):
        # The seed-002 hold lives on a guest's sessionid, which signs no
        # one in: a forged form from a browser that sends neither Origin
        # nor Sec-Fetch-Site must still not start its payment.
        c = self.client()
        self.assertEqual(self.reserve(c, headers={"Origin": None}).status, 201)
        self.assertIn("sessionid", c.cookies)
        before = self.payments()
        body = {"email_address": "guest@example.com"}
        r = c.post("/start_payment/", body, headers={"Origin": None})
        self.assertEqual((r.status, r.json), (403, "Forbidden"))
        c.cookies["csrftoken"] = "c" * 64
        r = c.post("/start_payment/", body,
                   headers={"Origin": None, "X-CSRF-Token": "d" * 64})
        self.assertEqual(r.status, 403)
        self.assertEqual(self.payments(), before)
        r = c.post("/start_payment/", body,
                   headers={"Origin": None, "X-CSRF-Token": "c" * 64})
        self.assertNotEqual(r.status, 403, r)
        # A second reservation from the same guest, from our own page.
        self.assertEqual(self.reserve(c).status, 201)

    def test_forms_need_the_token_even_from_our_origin(self):
        c = self.client()
        r = c.post("/scanner/login", form={"password": "x"},
                   headers={"Origin": self.stack.base_url})
        self.assertEqual(r.status, 403)
        self.assertTrue(r.header("Content-Type").startswith("text/html"))
