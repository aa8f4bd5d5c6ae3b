"""The organizers' pages (cgi-bin/organizer.c) over HTTP, as a browser
without JavaScript uses them: signing in (with 2FA) and out, the event
form, the ticket-type form of each pricing kind, publishing, cancelling
with its confirmation, sales at a glance, CSRF, another organizer's
event, and every refusal said on the form it came from.  The browser
test tests/browser/test-organizer.mjs drives the same pages in
Chromium."""
import base64
import datetime
import hashlib
import hmac
import re
import struct
import time
import unittest
import urllib.parse
import zoneinfo

from flow import Swish
from support import StackTest

PASSWORD = "hemligt-lösenord-1"
EN = {"Accept-Language": "en"}
ZONE = zoneinfo.ZoneInfo("Europe/Stockholm")     # devstack's timezone


def totp(secret, t=None):
    """RFC 6238 with SHA-1, written here so the test does not trust the
    code under test."""
    counter = int((time.time() if t is None else t) // 30)
    mac = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF
    return str(value % 10 ** 6).zfill(6)


def local_epoch(text):
    """'2031-07-10T12:00' in Stockholm as UTC seconds."""
    dt = datetime.datetime.fromisoformat(text).replace(tzinfo=ZONE)
    return int(dt.timestamp())


EVENT = {"title_sv": "Sommarfest", "title_en": "Summer party",
         "description_sv": "Två dagar i parken.", "description_en": "Two days.",
         "start": "2031-07-10T12:00", "end": "2031-07-11T23:00",
         "venue_name": "Parken", "venue_address": "Parkvägen 1",
         "venue_city": "Lund", "capacity": "500", "pricing_type": "simple",
         "max_per_order": "8", "sales_start": "", "sales_end": ""}


class OrganizerPages(StackTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for email, role in (("org1@example.com", "organizer"),
                            ("org2@example.com", "organizer"),
                            ("buyer@example.com", "customer"),
                            ("door@example.com", "staff")):
            cls.stack.biljett("create-user", email, role, "--password", PASSWORD)
        cls.stack.biljett("create-admin", "admin@example.com", "--password", PASSWORD)

    # -- helpers -----------------------------------------------------------

    def page(self, c, path, status=200, **kw):
        r = c.get(path, **kw)
        self.assertEqual(r.status, status, r)
        return r

    def post(self, c, path, form, **kw):
        """A form post carrying the page's CSRF token (the cookie's value,
        which every form repeats)."""
        if "csrftoken" not in c.cookies:
            self.page(c, "/organizer/login")
        return c.post(path, form=dict(form, csrf=c.cookies["csrftoken"]), **kw)

    def sign_in(self, email="org1@example.com", **extra):
        c = self.client()
        r = self.post(c, "/organizer/login", dict({"email": email,
                                                   "password": PASSWORD}, **extra))
        self.assertEqual((r.status, r.header("Location")), (303, "/organizer/"), r)
        return c

    def create_event(self, c, **fields):
        r = self.post(c, "/organizer/events/new", dict(EVENT, **fields))
        self.assertEqual(r.status, 303, r)
        m = re.fullmatch(r"/organizer/events/(\d+)/tickets\?done=created",
                         r.header("Location"))
        self.assertIsNotNone(m, r.header("Location"))
        return int(m.group(1))

    def add_type(self, c, event, form, status=303):
        r = self.post(c, f"/organizer/events/{event}/tickets", form, headers=EN)
        self.assertEqual(r.status, status, r)
        return r

    def types(self, event):
        return [dict(row) for row in self.query(
            "SELECT id, kind, title, price, quantity, tier_number, day_number,"
            " day_date, is_all_days, parent_id FROM ticket_types"
            " WHERE event_id = ? ORDER BY kind = 'type' DESC, id", event)]

    def reasons(self, body):
        """The error summary's texts and the inputs marked invalid."""
        text = body.decode()
        summary = re.findall(r'<li>(?:<a href="#([\w-]+)">)?([^<]+)', text.split(
            'class="errsum"', 1)[1].split("</div>", 1)[0]) if "errsum" in text else []
        invalid = re.findall(r'id="([\w-]+)"[^>]*aria-invalid="true"', text)
        return summary, invalid

    def status(self, event):
        return self.query("SELECT status FROM events WHERE id = ?", event)[0]["status"]

    # -- signing in ----------------------------------------------------------

    def test_sign_in_and_out(self):
        c = self.client()
        r = self.page(c, "/organizer/", 303)
        self.assertEqual(r.header("Location"), "/organizer/login")
        r = self.page(c, "/organizer/login", headers=EN)
        self.assertIn(b"<h1>Sign in to the organizer pages</h1>", r.body)
        self.assertIn(b'name="csrf"', r.body)
        self.assertNotIn(b'name="code"', r.body)
        r = self.page(c, "/organizer/login", headers={"Accept-Language": "sv"})
        self.assertIn(b"<h1>Logga in p\xc3\xa5 arrang\xc3\xb6rssidorna</h1>", r.body)
        # The form's token is required.
        r = c.post("/organizer/login", form={"email": "org1@example.com",
                                             "password": PASSWORD})
        self.assertEqual(r.status, 403)
        self.assertNotIn("sessionid", c.cookies)
        r = self.post(c, "/organizer/login", {"email": "org1@example.com",
                                              "password": "fel lösenord!"}, headers=EN)
        self.assertEqual(r.status, 401)
        self.assertIn(b"Wrong e-mail address or password.", r.body)
        self.assertIn(b'value="org1@example.com"', r.body)
        r = self.post(c, "/organizer/login", {"email": "", "password": ""}, headers=EN)
        self.assertEqual(r.status, 400)
        self.assertIn(b"Enter your e-mail address and password.", r.body)
        self.assertNotIn("sessionid", c.cookies)
        # Right password: a session cookie of 12 hours, then the events.
        r = self.post(c, "/organizer/login", {"email": "Org1@Example.com",
                                              "password": PASSWORD})
        self.assertEqual((r.status, r.header("Location")), (303, "/organizer/"))
        cookie = [v for v in r.header_all("Set-Cookie") if v.startswith("sessionid=")][0]
        self.assertIn("Max-Age=43200", cookie)
        self.assertIn("HttpOnly", cookie)
        r = self.page(c, "/organizer/", headers=EN)
        self.assertIn(b"<h1>My events</h1>", r.body)
        self.assertIn(b"org1@example.com", r.body)
        self.assertEqual(self.page(c, "/organizer/login", 303).header("Location"),
                         "/organizer/")
        # Signing out ends the session itself, not only the cookie.
        session = c.cookies["sessionid"]
        r = self.post(c, "/organizer/logout", {})
        self.assertEqual((r.status, r.header("Location")), (303, "/organizer/login"))
        self.assertNotIn("sessionid", c.cookies)
        c.cookies["sessionid"] = session
        self.assertEqual(self.page(c, "/organizer/", 303).header("Location"),
                         "/organizer/login")
        # Remember me: a week.
        c = self.client()
        r = self.post(c, "/organizer/login", {"email": "org1@example.com",
                                              "password": PASSWORD, "remember": "1"})
        cookie = [v for v in r.header_all("Set-Cookie") if v.startswith("sessionid=")][0]
        self.assertIn("Max-Age=604800", cookie)

    def test_other_roles_are_turned_away(self):
        for email in ("buyer@example.com", "door@example.com"):
            c = self.client()
            r = self.post(c, "/organizer/login", {"email": email, "password": PASSWORD},
                          headers=EN)
            self.assertEqual(r.status, 403, email)
            self.assertIn(b"Only organizers and admins can use these pages.", r.body)
            self.assertNotIn("sessionid", c.cookies)
            live = self.query("SELECT count(*) AS n FROM sessions s JOIN users u"
                              " ON u.id = s.user_id WHERE u.email = ? AND"
                              " s.revoked_at IS NULL", email)[0]["n"]
            self.assertEqual(live, 0, email)
        # A buyer signed in elsewhere (the API's browser session) is told so.
        c = self.client()
        r = c.post("/api/auth/login", {"email": "buyer@example.com",
                                       "password": PASSWORD, "client": "browser"})
        self.assertEqual(r.status, 200, r)
        r = self.page(c, "/organizer/", 403, headers=EN)
        self.assertIn(b"Only organizers and admins can use these pages.", r.body)
        # An admin may sign in.
        self.page(self.sign_in("admin@example.com"), "/organizer/")

    def test_two_factor(self):
        email = "totp-org@example.com"
        self.stack.biljett("create-user", email, "organizer", "--password", PASSWORD)
        api = self.client()
        token = api.post("/api/auth/login", {"email": email, "password": PASSWORD}).json
        bearer = {"Authorization": "Bearer " + (token.get("access") or token["access_token"])}
        r = api.post("/api/auth/2fa/setup", {}, headers=bearer)
        b32 = urllib.parse.parse_qs(urllib.parse.urlsplit(
            r.json["otpauth_uri"]).query)["secret"][0]
        secret = base64.b32decode(b32 + "=" * (-len(b32) % 8))
        r = api.post("/api/auth/2fa/enable", {"code": totp(secret)}, headers=bearer)
        self.assertEqual(r.status, 200, r)
        recovery = r.json["recovery_codes"]
        c = self.client()
        r = self.post(c, "/organizer/login", {"email": email, "password": PASSWORD},
                      headers=EN)
        self.assertEqual(r.status, 401)
        self.assertIn(b"Enter the code from your authenticator app.", r.body)
        self.assertIn(b'name="code"', r.body)
        self.assertIn(email.encode(), r.body)
        self.assertNotIn("sessionid", c.cookies)
        # Six digits go as a TOTP code: a wrong one is refused as such.
        wrong = "000000" if totp(secret) != "000000" else "111111"
        r = self.post(c, "/organizer/login", {"email": email, "password": PASSWORD,
                                              "code": wrong}, headers=EN)
        self.assertEqual(r.status, 401)
        self.assertIn(b"The code is wrong or was already used.", r.body)
        self.assertNotIn("sessionid", c.cookies)
        # Anything else is a recovery code.
        r = self.post(c, "/organizer/login", {"email": email, "password": PASSWORD,
                                              "code": recovery[0]})
        self.assertEqual((r.status, r.header("Location")), (303, "/organizer/"), r)
        self.page(c, "/organizer/")

    # -- events --------------------------------------------------------------

    def test_create_and_change_an_event(self):
        c = self.sign_in()
        r = self.page(c, "/organizer/events/new", headers=EN)
        self.assertIn(b'id="title_en"', r.body)
        self.assertIn(b'type="datetime-local"', r.body)
        event = self.create_event(c)
        row = self.query("SELECT * FROM events WHERE id = ?", event)[0]
        self.assertEqual((row["title"], row["status"], row["event_at"], row["ends_at"],
                          row["total_seats"], row["venue_city"], row["pricing_type"]),
                         ("Sommarfest", "draft", local_epoch("2031-07-10T12:00"),
                          local_epoch("2031-07-11T23:00"), 500, "Lund", "simple"))
        owner = self.query("SELECT id FROM users WHERE email = 'org1@example.com'")[0]["id"]
        self.assertEqual(row["organizer_id"], owner)
        # Both languages, as the API's owner sees them.
        api = self.client()
        api.cookies.update(c.cookies)
        detail = api.get(f"/api/events/{event}/").json
        self.assertEqual(detail["translations"]["title"],
                         {"sv": "Sommarfest", "en": "Summer party"})
        self.assertEqual(self.client().get(f"/api/events/{event}/",
                                           headers=EN).status, 404)   # a draft
        # The event page, then the form with what is stored.
        r = self.page(c, f"/organizer/events/{event}", headers=EN)
        self.assertIn(b"2031-07-10 12:00", r.body)
        self.assertIn(b"Draft", r.body)
        r = self.page(c, f"/organizer/events/{event}/edit")
        self.assertIn(b'value="Summer party"', r.body)
        self.assertIn(b'value="2031-07-10T12:00"', r.body)
        # A change keeps what the form does not change.
        r = self.post(c, f"/organizer/events/{event}/edit",
                      dict(EVENT, title_en="The Summer Party", capacity="400",
                           description_en="", sales_start="2031-06-01T09:00"))
        self.assertEqual((r.status, r.header("Location")),
                         (303, f"/organizer/events/{event}?done=saved"))
        r = self.page(c, r.header("Location"), headers=EN)
        self.assertIn(b"Your changes are saved.", r.body)
        detail = api.get(f"/api/events/{event}/").json
        self.assertEqual(detail["translations"]["title"],
                         {"sv": "Sommarfest", "en": "The Summer Party"})
        self.assertEqual(detail["translations"]["description"],
                         {"sv": "Två dagar i parken."})
        self.assertEqual(detail["total_capacity"], 400)
        row = self.query("SELECT sales_start_at FROM events WHERE id = ?", event)[0]
        self.assertEqual(row["sales_start_at"], local_epoch("2031-06-01T09:00"))
        # Emptying the sales start puts the event on sale at once again.
        r = self.post(c, f"/organizer/events/{event}/edit", dict(EVENT, sales_start=""))
        self.assertEqual(r.status, 303)
        self.assertEqual(self.query("SELECT sales_start_at FROM events WHERE id = ?",
                                    event)[0]["sales_start_at"], 0)
        self.assertIn(b"Sommarfest", self.page(c, "/organizer/").body)

    def test_event_form_says_what_is_wrong(self):
        c = self.sign_in()
        before = self.query("SELECT count(*) AS n FROM events")[0]["n"]
        r = self.post(c, "/organizer/events/new",
                      dict(EVENT, title_sv="", title_en="", capacity="0",
                           end="2031-07-09T12:00", sales_end="31/12/2031",
                           venue_name="Kvarnen"), headers=EN)
        self.assertEqual(r.status, 400)
        summary, invalid = self.reasons(r.body)
        self.assertEqual(set(invalid), {"title_sv", "capacity", "sales_end"}, summary)
        self.assertIn(("title_sv", "Enter a title of at most 200 characters."), summary)
        self.assertIn(("capacity", "Enter the number of places, at least 1."), summary)
        # What was typed comes back.
        self.assertIn(b'value="Kvarnen"', r.body)
        self.assertEqual(self.query("SELECT count(*) AS n FROM events")[0]["n"], before)
        # The rules across fields: end before start.
        r = self.post(c, "/organizer/events/new", dict(EVENT, end="2031-07-09T12:00"),
                      headers={"Accept-Language": "sv"})
        self.assertEqual(r.status, 400)
        summary, invalid = self.reasons(r.body)
        self.assertEqual(invalid, ["end"])
        self.assertIn("Slutet måste vara efter starten, högst ett år senare.",
                      summary[0][1])
        r = self.post(c, "/organizer/events/new", dict(EVENT, start="2031-02-30T12:00"),
                      headers=EN)
        self.assertEqual(r.status, 400)
        self.assertEqual(self.reasons(r.body)[1], ["start"])
        self.assertEqual(self.query("SELECT count(*) AS n FROM events")[0]["n"], before)
        # The pricing kind is fixed once there are ticket types.
        event = self.create_event(c)
        self.add_type(c, event, {"name_sv": "Ståplats", "price": "100", "qty": "10"})
        r = self.page(c, f"/organizer/events/{event}/edit", headers=EN)
        self.assertNotIn(b'<select id="pricing_type"', r.body)
        r = self.post(c, f"/organizer/events/{event}/edit",
                      dict(EVENT, pricing_type="tiered"), headers=EN)
        self.assertEqual(r.status, 409)
        self.assertIn(b"The pricing cannot change once the event has ticket types.",
                      r.body)

    # -- ticket types ------------------------------------------------------------

    def test_simple_types(self):
        c = self.sign_in()
        event = self.create_event(c)
        r = self.page(c, f"/organizer/events/{event}/tickets", headers=EN)
        self.assertIn(b'id="price"', r.body)
        self.assertNotIn(b'name="days"', r.body.split(b'method="post"')[0])
        r = self.add_type(c, event, {"name_sv": "Ordinarie", "name_en": "Standard",
                                     "price": "1 150,50", "qty": "100"})
        self.assertEqual(r.header("Location"),
                         f"/organizer/events/{event}/tickets?done=types")
        (t,) = self.types(event)
        self.assertEqual((t["kind"], t["title"], t["price"], t["quantity"]),
                         ("type", "Ordinarie", 115050, 100))
        r = self.page(c, r.header("Location"), headers=EN)
        self.assertIn(b"The ticket types are saved.", r.body)
        self.assertIn(b'value="1150.50"', r.body)
        # The same name twice; a missing price.
        r = self.add_type(c, event, {"name_sv": "Ordinarie", "price": "10", "qty": "1"},
                          400)
        self.assertIn(b"The event already has a ticket type with this name.", r.body)
        r = self.add_type(c, event, {"name_sv": "Gratis?", "price": "", "qty": "5"},
                          400)
        self.assertEqual(self.reasons(r.body)[1], ["price"])
        self.assertEqual(len(self.types(event)), 1)
        # Changing price and places.
        r = self.post(c, f"/organizer/events/{event}/tickets/{t['id']}",
                      {f"t{t['id']}_price": "99", f"t{t['id']}_total": "50"})
        self.assertEqual(r.status, 303, r)
        (t,) = self.types(event)
        self.assertEqual((t["price"], t["quantity"]), (9900, 50))

    def test_tiered_types(self):
        c = self.sign_in()
        event = self.create_event(c, pricing_type="tiered")
        r = self.page(c, f"/organizer/events/{event}/tickets?tiers=3", headers=EN)
        self.assertIn(b'id="tier3_price"', r.body)
        self.assertNotIn(b'id="tier4_price"', r.body)
        # Empty rows are left out; the total is the rows' sum.
        self.add_type(c, event, {"tiers": "3", "name_sv": "Konsert", "total": "",
                                 "tier1_name": "Tidig", "tier1_price": "200",
                                 "tier1_qty": "50", "tier2_name": "Ordinarie",
                                 "tier2_price": "300", "tier2_qty": "150",
                                 "tier3_name": "", "tier3_price": "", "tier3_qty": ""})
        ty, early, normal = self.types(event)
        self.assertEqual((ty["kind"], ty["quantity"]), ("type", 200))
        self.assertEqual([(v["kind"], v["tier_number"], v["title"], v["price"],
                           v["quantity"], v["parent_id"]) for v in (early, normal)],
                         [("tier", 1, "Tidig", 20000, 50, ty["id"]),
                          ("tier", 2, "Ordinarie", 30000, 150, ty["id"])])
        # No rows at all.
        r = self.add_type(c, event, {"tiers": "2", "name_sv": "Tom"}, 400)
        self.assertIn(b"Give at least one row a price and places.", r.body)
        # A row's price and places change; a bad one refuses the whole form.
        r = self.post(c, f"/organizer/events/{event}/tickets/{ty['id']}",
                      {f"p{early['id']}": "250", f"q{early['id']}": "60",
                       f"p{normal['id']}": "x", f"q{normal['id']}": "150"}, headers=EN)
        self.assertEqual(r.status, 400)
        self.assertEqual(self.reasons(r.body)[1], [f"p{normal['id']}"])
        self.assertIn(b'value="x"', r.body)
        self.assertEqual(self.types(event)[1]["price"], 20000)
        r = self.post(c, f"/organizer/events/{event}/tickets/{ty['id']}",
                      {f"p{early['id']}": "250", f"q{early['id']}": "60",
                       f"t{ty['id']}_total": "210"})
        self.assertEqual(r.status, 303)
        ty, early, _ = self.types(event)
        self.assertEqual((ty["quantity"], early["price"], early["quantity"]),
                         (210, 25000, 60))

    def test_day_based_types(self):
        c = self.sign_in()
        event = self.create_event(c, pricing_type="day_based")
        r = self.page(c, f"/organizer/events/{event}/tickets", headers=EN)
        # Two days from the event's dates, each prefilled.
        self.assertIn(b'id="day1_date" name="day1_date" type="date" value="2031-07-10"',
                      r.body)
        self.assertIn(b'value="2031-07-11"', r.body)
        self.assertNotIn(b'id="day3_date"', r.body)
        self.add_type(c, event, {"days": "2", "name_sv": "Festivalpass",
                                 "day1_name": "Fredag", "day1_date": "2031-07-10",
                                 "day1_price": "400", "day1_qty": "100",
                                 "day2_name": "Lördag", "day2_date": "2031-07-11",
                                 "day2_price": "450", "day2_qty": "100",
                                 "all_name": "Båda dagarna", "all_price": "700",
                                 "all_qty": "50"})
        ty, fri, sat, both = self.types(event)
        self.assertEqual(ty["quantity"], 250)
        self.assertEqual([(v["kind"], v["day_number"], v["day_date"], v["is_all_days"],
                           v["price"]) for v in (fri, sat, both)],
                         [("day_pass", 1, "2031-07-10", 0, 40000),
                          ("day_pass", 2, "2031-07-11", 0, 45000),
                          ("day_pass", None, None, 1, 70000)])
        # A date that does not exist.
        r = self.add_type(c, event, {"days": "1", "name_sv": "Mer", "day1_name": "X",
                                     "day1_date": "2031-02-30", "day1_price": "1",
                                     "day1_qty": "1"}, 400)
        self.assertEqual(self.reasons(r.body)[1], ["day1_date"])

    def test_day_and_tier_matrix(self):
        c = self.sign_in()
        event = self.create_event(c, pricing_type="tier_and_day")
        r = self.page(c, f"/organizer/events/{event}/tickets", headers=EN)
        for cell in (b"c1_1_price", b"c1_2_qty", b"c2_2_price"):
            self.assertIn(b'id="' + cell + b'"', r.body)
        self.assertIn(b"Day 1, tier 2: price", r.body)
        form = {"days": "2", "tiers": "2", "name_sv": "Festival", "name_en": "Festival",
                "day1_name": "Fredag", "day1_date": "2031-07-10",
                "day2_name": "Lördag", "day2_date": "2031-07-11",
                "tier1_name": "Standard", "tier2_name": "VIP",
                "c1_1_price": "300", "c1_1_qty": "100", "c1_2_price": "599,50",
                "c1_2_qty": "20", "c2_1_price": "300", "c2_1_qty": "100",
                "c2_2_price": "", "c2_2_qty": ""}
        # One bad cell: nothing is written, the cell is marked.
        r = self.add_type(c, event, dict(form, c2_1_qty="0"), 400)
        summary, invalid = self.reasons(r.body)
        self.assertEqual(invalid, ["c2_1_qty"])
        self.assertIn(b'value="599,50"', r.body)
        self.assertEqual(self.types(event), [])
        # A tier without a name.
        r = self.add_type(c, event, dict(form, tier2_name=""), 400)
        self.assertEqual(self.reasons(r.body)[1], ["tier2_name"])
        # A tier's pass for all days, beside the cells.
        self.add_type(c, event, dict(form, all_name="Båda dagarna", all1_price="550",
                                     all1_qty="30"))
        ty, *cells = self.types(event)
        self.assertEqual(ty["quantity"], 250)
        self.assertEqual(sorted((v["kind"], v["day_number"] or 0, v["tier_number"],
                                 v["title"], v["price"]) for v in cells),
                         [("day_pass", 0, 1, "Båda dagarna – Standard", 55000),
                          ("day_tier", 1, 1, "Fredag – Standard", 30000),
                          ("day_tier", 1, 2, "Fredag – VIP", 59950),
                          ("day_tier", 2, 1, "Lördag – Standard", 30000)])
        r = self.page(c, f"/organizer/events/{event}/tickets", headers=EN)
        self.assertIn(b"Fredag, VIP: price", r.body)
        self.assertIn(b"All days, Standard: price", r.body)
        pass_id = [v["id"] for v in cells if v["kind"] == "day_pass"][0]
        r = self.post(c, f"/organizer/events/{event}/tickets/{ty['id']}",
                      {f"p{pass_id}": "500", f"q{pass_id}": "40"})
        self.assertEqual(r.status, 303, r)
        self.assertEqual([(v["price"], v["quantity"]) for v in self.types(event)
                          if v["id"] == pass_id], [(50000, 40)])
        # Too large a table for one form.
        r = self.page(c, f"/organizer/events/{event}/tickets?days=10&tiers=10", headers=EN)
        self.assertIn(b"do not fit in one form", r.body)
        self.page(c, f"/organizer/events/{event}/tickets?days=0", 400)

    def test_places_below_what_is_held(self):
        c = self.sign_in()
        event = self.create_event(c, pricing_type="tiered")
        self.add_type(c, event, {"tiers": "1", "name_sv": "Pass", "tier1_name": "A",
                                 "tier1_price": "100", "tier1_qty": "10"})
        ty, tier = self.types(event)
        r = self.post(c, f"/organizer/events/{event}/publish", {})
        self.assertEqual(r.status, 303)
        buyer = self.client()
        r = buyer.post("/reserve_ticket/", {"chapter_event": event,
                                            "tickets": [{"ticket_type": tier["id"],
                                                         "count": 3}]})
        self.assertEqual(r.status, 201, r)
        r = self.post(c, f"/organizer/events/{event}/tickets/{ty['id']}",
                      {f"q{tier['id']}": "2"}, headers=EN)
        self.assertEqual(r.status, 409)
        self.assertIn(b"This is below the places already sold or held.", r.body)
        self.assertEqual(self.types(event)[1]["quantity"], 10)
        # Ordered: it stays.
        r = self.post(c, f"/organizer/events/{event}/tickets/{ty['id']}/delete", {},
                      headers=EN)
        self.assertEqual(r.status, 409)
        self.assertIn(b"Tickets of this type were ordered, so it stays.", r.body)
        self.assertEqual(len(self.types(event)), 2)

    def test_removing_a_type_nobody_ordered(self):
        c = self.sign_in()
        event = self.create_event(c)
        self.add_type(c, event, {"name_sv": "Kvar", "price": "1", "qty": "1"})
        self.add_type(c, event, {"name_sv": "Bort", "price": "1", "qty": "1"})
        gone = self.types(event)[1]
        r = self.post(c, f"/organizer/events/{event}/tickets/{gone['id']}/delete", {})
        self.assertEqual((r.status, r.header("Location")),
                         (303, f"/organizer/events/{event}/tickets?done=deleted"))
        self.assertEqual([t["title"] for t in self.types(event)], ["Kvar"])
        r = self.page(c, r.header("Location"), headers=EN)
        self.assertIn(b"The ticket type is removed.", r.body)

    # -- publishing, cancelling, sales ------------------------------------------

    def test_publish_cancel_and_sales(self):
        c = self.sign_in()
        event = self.create_event(c, title_sv="Vårkonsert", title_en="Spring concert",
                                  capacity="100")
        # Nothing to sell yet.
        r = self.post(c, f"/organizer/events/{event}/publish", {}, headers=EN)
        self.assertEqual(r.status, 409)
        self.assertIn(b"An event can be published once it has a ticket to sell", r.body)
        self.assertEqual(self.status(event), "draft")
        self.add_type(c, event, {"name_sv": "Biljett", "price": "250", "qty": "100"})
        (t,) = self.types(event)
        r = self.post(c, f"/organizer/events/{event}/publish", {})
        self.assertEqual((r.status, r.header("Location")),
                         (303, f"/organizer/events/{event}?done=published"))
        self.assertEqual(self.status(event), "published")
        self.assertIn(f'href="/events/{event}"'.encode(),
                      self.page(c, f"/organizer/events/{event}").body)
        # Buyers see it and buy one.
        buyer = self.client()
        self.assertIn("Vårkonsert".encode(), self.page(buyer, "/").body)
        self.assertIn(f'name="t{t["id"]}"'.encode(),
                      self.page(buyer, f"/events/{event}").body)
        r = buyer.post("/reserve_ticket/", {"chapter_event": event,
                                            "tickets": [{"ticket_type": t["id"],
                                                         "count": 2}]})
        self.assertEqual(r.status, 201, r)
        token = buyer.post("/start_payment/", {"email_address": "fan@example.com"}).json
        swish = Swish(self.stack)
        swish.act(swish.request_by_token(token)["id"], "pay")
        self.assertEqual(buyer.get("/session_payment_status/").json["status"], "PAID")
        # Sales at a glance, on the list and the event's page.
        r = self.page(c, "/organizer/", headers=EN)
        row = r.body.decode().split("Spring concert", 1)[1].split("</tr>", 1)[0]
        self.assertIn("2 / 100", row)
        self.assertIn("500.00 kr", row)
        r = self.page(c, f"/organizer/events/{event}", headers=EN)
        self.assertIn(b'<dd id="sold">2 / 100</dd>', r.body)
        self.assertIn(b'<dd id="revenue">500.00 kr</dd>', r.body)
        self.assertIn(f'href="/api/organizer/events/{event}/attendees/?format=csv"'.encode(),
                      r.body)
        # Cancelling asks first.
        r = self.page(c, f"/organizer/events/{event}/cancel", headers=EN)
        self.assertIn(b'name="confirm" value="yes"', r.body)
        self.assertIn(b"It cannot be undone.", r.body)
        r = self.post(c, f"/organizer/events/{event}/cancel", {})
        self.assertEqual((r.status, r.header("Location")),
                         (303, f"/organizer/events/{event}/cancel"))
        self.assertEqual(self.status(event), "published")
        r = self.post(c, f"/organizer/events/{event}/cancel", {"confirm": "yes"})
        self.assertEqual((r.status, r.header("Location")),
                         (303, f"/organizer/events/{event}?done=cancelled"))
        self.assertEqual(self.status(event), "cancelled")
        self.assertEqual(self.query("SELECT flag FROM orders WHERE event_id = ?"
                                    " AND status = 'paid'", event)[0]["flag"], "refund_due")
        r = self.page(c, f"/organizer/events/{event}?done=cancelled", headers=EN)
        self.assertIn(b"The event is cancelled.", r.body)
        self.assertNotIn(b"/cancel\"", r.body)
        self.assertEqual(self.page(c, f"/organizer/events/{event}/cancel", 303)
                         .header("Location"), f"/organizer/events/{event}")

    # -- who may do what -----------------------------------------------------------

    def test_another_organizers_event_is_not_there(self):
        c1 = self.sign_in()
        event = self.create_event(c1, pricing_type="tiered")
        self.add_type(c1, event, {"tiers": "1", "name_sv": "Pass", "tier1_name": "A",
                                  "tier1_price": "100", "tier1_qty": "10"})
        ty, tier = self.types(event)
        c2 = self.sign_in("org2@example.com")
        for path in ("", "/edit", "/tickets", "/cancel"):
            self.page(c2, f"/organizer/events/{event}{path}", 404)
        for path, form in (("/edit", EVENT), ("/publish", {}),
                           ("/cancel", {"confirm": "yes"}),
                           ("/tickets", {"tiers": "1", "name_sv": "Snyltare",
                                         "tier1_name": "X", "tier1_price": "1",
                                         "tier1_qty": "1"}),
                           (f"/tickets/{ty['id']}", {f"p{tier['id']}": "1"}),
                           (f"/tickets/{ty['id']}/delete", {})):
            r = self.post(c2, f"/organizer/events/{event}{path}", form)
            self.assertEqual(r.status, 404, path)
        self.assertEqual(self.status(event), "draft")
        self.assertEqual(self.types(event)[1]["price"], 10000)
        self.assertNotIn(b"Sommarfest", self.page(c2, "/organizer/").body)
        # A type of another event through this event's path: not found.
        own = self.create_event(c2, title_sv="Höstfest")
        r = self.post(c2, f"/organizer/events/{own}/tickets/{ty['id']}",
                      {f"p{tier['id']}": "1"})
        self.assertEqual(r.status, 404)
        # An event titled with the digits of that id never gets them as
        # its slug (lib/event.c), and stands in for nothing of org1's.
        shadow = self.create_event(c2, title_sv=str(event), pricing_type="tiered")
        self.assertEqual(self.query("SELECT slug FROM events WHERE id = ?",
                                    shadow)[0]["slug"], f"event-{event}")
        self.page(c2, f"/organizer/events/{event}", 404)
        r = self.post(c2, f"/organizer/events/{event}/edit", dict(EVENT, title_sv="Kapad"))
        self.assertEqual(r.status, 404)
        self.assertIn(b"Sommarfest", self.page(c1, f"/organizer/events/{event}").body)
        self.add_type(c2, shadow, {"tiers": "1", "name_sv": "Egen", "tier1_name": "A",
                                   "tier1_price": "1", "tier1_qty": "1"})
        self.assertEqual(len(self.types(shadow)), 2)
        self.assertEqual(len(self.types(event)), 2)
        # An admin may open and change anyone's.
        admin = self.sign_in("admin@example.com")
        self.page(admin, f"/organizer/events/{event}")
        r = self.post(admin, f"/organizer/events/{event}/publish", {})
        self.assertEqual(r.status, 303)
        self.assertEqual(self.status(event), "published")

    def test_forms_need_the_token_and_our_origin(self):
        c = self.sign_in()
        event = self.create_event(c)
        token = c.cookies["csrftoken"]
        self.add_type(c, event, {"name_sv": "Biljett", "price": "1", "qty": "1"})
        for form, headers in (({}, {}), ({"csrf": "0" * 64}, {}),
                              ({"csrf": token}, {"Origin": "https://evil.example"}),
                              ({"csrf": token}, {"Origin": None, "Sec-Fetch-Site": "cross-site"})):
            for path in ("/publish", "/edit", "/tickets"):
                r = c.post(f"/organizer/events/{event}{path}",
                           form=dict(EVENT, confirm="yes", **form), headers=headers)
                self.assertEqual(r.status, 403, (path, form, headers))
            r = c.post("/organizer/logout", form=form, headers=headers)
            self.assertEqual(r.status, 403)
        self.assertEqual(self.status(event), "draft")
        r = c.post(f"/organizer/events/{event}/publish", form={"csrf": token},
                   headers={"Origin": self.stack.base_url})
        self.assertEqual(r.status, 303)

    def test_pages_in_every_language(self):
        c = self.sign_in()
        event = self.create_event(c, pricing_type="day_based")
        for lang, heading in (("sv", "Mina evenemang"), ("en", "My events"),
                              ("de", "Meine Veranstaltungen"), ("fr", "Mes événements")):
            r = self.page(c, f"/organizer/?lang={lang}")
            self.assertIn(f"<h1>{heading}</h1>".encode(), r.body)
            self.assertIn(f'<html lang="{lang}">'.encode(), r.body)
            for path in (f"/organizer/events/{event}", f"/organizer/events/{event}/edit",
                         f"/organizer/events/{event}/tickets", "/organizer/staff",
                         "/organizer/events/new", f"/organizer/events/{event}/cancel"):
                r = self.page(c, path)
                self.assertNotIn(b"{{", r.body, path)
                self.assertNotIn(b"style=", r.body, path)
                self.assertNotIn(b"<script>", r.body, path)
                self.assertIn(b'<main id="main">', r.body, path)
                self.assertIn(b"script-src 'self'",
                              r.header("Content-Security-Policy").encode())
        # Words made in C (the day rows' names) follow the language too.
        self.assertIn(b'value="Tag 1"', self.page(
            c, f"/organizer/events/{event}/tickets?lang=de").body)

    def test_staff_page_lists_the_organizers_staff_and_scanners(self):
        c = self.sign_in()
        api = self.client()
        api.cookies.update(c.cookies)
        r = api.post("/api/organizer/staff", {"name": "Dörrvakt Dora",
                                              "email": "dora@example.com",
                                              "password": PASSWORD},
                     headers={"X-CSRF-Token": c.cookies["csrftoken"]})
        self.assertEqual(r.status, 201, r)
        r = api.post("/api/organizer/scanners", {"name": "Entré A"},
                     headers={"X-CSRF-Token": c.cookies["csrftoken"]})
        self.assertEqual(r.status, 201, r)
        r = self.page(c, "/organizer/staff", headers=EN)
        self.assertIn("Dörrvakt Dora".encode(), r.body)
        row = r.body.decode().split("Entré A", 1)[1].split("</tr>", 1)[0]
        self.assertIn("All events", row)
        self.assertIn("Active", row)
        self.assertIn(b'href="/api/organizer/scanners/"', r.body)
        self.assertIn(b'href="/api/stores/manage/"', r.body)
        other = self.page(self.sign_in("org2@example.com"), "/organizer/staff").body
        self.assertNotIn(b"Dora", other)
        self.assertNotIn("Entré A".encode(), other)
