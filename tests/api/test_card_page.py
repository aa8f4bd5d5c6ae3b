"""The buyer's pages with a card as well as Swish, over HTTP: the
checkout offers the ways to pay the event takes, POST /payment starts the
one chosen, and the card step's Content-Security-Policy lets in exactly
the origin of stripe_js_url (tests/browser/test-card.mjs pays in
Chromium)."""
import json
import re
import urllib.parse
import urllib.request

from support import StackTest


def directives(header):
    out = {}
    for d in (header or "").split(";"):
        parts = d.split()
        if parts:
            out[parts[0]] = parts[1:]
    return out


class CardPage(StackTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.types, cls.event = cls.show("cardpage", seats=20)
        u = urllib.parse.urlsplit(cls.stack.stripe_conf()["stripe_js_url"])
        cls.origin = f"{u.scheme}://{u.netloc}"
        a = urllib.parse.urlsplit(cls.stack.stripe_conf()["stripe_api_url"])
        cls.api_origin = f"{a.scheme}://{a.netloc}"

    def sim(self, path):
        with urllib.request.urlopen(self.stack.stripe_control_url + path,
                                    timeout=30) as r:
            return json.loads(r.read())

    def reserved(self, event=None, ttype=None):
        """A client holding one ticket, and its form token."""
        event, ttype = event or self.event, ttype or self.types["std"]
        c = self.client()
        r = c.get(f"/events/{event}")
        token = re.search(rb'name="csrf" value="([0-9a-f]{64})"', r.body).group(1).decode()
        r = c.post(f"/events/{event}/reserve",
                   form={"csrf": token, f"t{ttype}": "1"})
        self.assertEqual((r.status, r.header("Location")), (303, "/checkout"), r)
        return c, token

    def test_checkout_offers_swish_and_card(self):
        c, _ = self.reserved()
        r = c.get("/checkout", headers={"Accept-Language": "en"})
        self.assertEqual(r.status, 200)
        self.assertIn(b'name="provider" value="swish" checked', r.body)
        self.assertIn(b'name="provider" value="stripe"', r.body)
        self.assertIn(b"Continue to payment", r.body)

    def test_card_step_loads_stripe_js_from_its_origin_only(self):
        c, token = self.reserved()
        before = len(self.sim("/control/state")["payment_intents"])
        r = c.post("/payment", form={"csrf": token, "email": "card@example.com",
                                     "provider": "stripe"})
        self.assertEqual((r.status, r.header("Location")), (303, "/payment"), r)
        self.assertEqual(len(self.sim("/control/state")["payment_intents"]), before + 1)
        r = c.get("/payment")
        self.assertEqual(r.status, 200)
        js = self.stack.stripe_conf()["stripe_js_url"]
        self.assertIn(f'<script src="{js}" defer></script>'.encode(), r.body)
        self.assertRegex(r.body, rb'data-card-secret="pi_[A-Za-z0-9]+_secret_[A-Za-z0-9]+"')
        self.assertIn(b'data-card-key="pk_test_', r.body)
        self.assertNotIn(b"swish://", r.body)
        csp = directives(r.header("Content-Security-Policy"))
        self.assertEqual(csp["script-src"], ["'self'", self.origin])
        # Calls to Stripe.js's origin and to Stripe's API; frames from
        # Stripe.js's origin (and hooks.stripe.com only with Stripe's own).
        self.assertEqual(csp["connect-src"], ["'self'", self.origin, self.api_origin])
        self.assertEqual(csp["frame-src"], [self.origin])
        self.assertEqual(csp["default-src"], ["'none'"])
        self.assertEqual(r.header("Cache-Control"), "no-store")
        # Started again (back, submit): the same intent, not a second one.
        r = c.post("/payment", form={"csrf": token, "email": "card@example.com",
                                     "provider": "stripe"})
        self.assertEqual(r.status, 303)
        self.assertEqual(len(self.sim("/control/state")["payment_intents"]), before + 1)

    def test_swish_pages_keep_the_strict_policy(self):
        c, token = self.reserved()
        for r in (c.get("/checkout"),
                  c.post("/payment", form={"csrf": token, "email": "s@example.com"}),
                  c.get("/payment")):
            self.assertLess(r.status, 400, r)
            csp = r.header("Content-Security-Policy") or ""
            self.assertNotIn(self.origin, csp)
            self.assertNotIn("frame-src", csp)
        self.assertIn(b"swish://paymentrequest?token=", c.get("/payment").body)

    def test_only_what_the_event_takes(self):
        types, event = self.show("swishonly", seats=5)
        self.execute("UPDATE events SET payment_providers = 'swish' WHERE id = ?", event)
        c, token = self.reserved(event, types["std"])
        r = c.get("/checkout", headers={"Accept-Language": "en"})
        self.assertNotIn(b'type="radio"', r.body)
        self.assertIn(b'<input type="hidden" name="provider" value="swish">', r.body)
        self.assertIn(b"Pay with Swish", r.body)
        for provider in ("stripe", "paypal"):
            r = c.post("/payment", form={"csrf": token, "email": "o@example.com",
                                         "provider": provider},
                       headers={"Accept-Language": "en"})
            self.assertEqual(r.status, 400, provider)
            self.assertIn(b"Choose how to pay.", r.body)
        r = c.post("/payment", form={"csrf": token, "email": "o@example.com",
                                     "provider": "swish"})
        self.assertEqual((r.status, r.header("Location")), (303, "/payment"))
