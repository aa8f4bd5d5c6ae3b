"""The buyer's tickets: seed 004's /api/tickets/my-tickets/ (list with its
filters and orderings, one ticket with its QR code, the five counters) and
seed 003's wallet /api/tickets/ and /api/tickets/{id}/, over tickets
paid by card through the Stripe simulator, scanned at the door and
refunded — never another buyer's."""
import base64
import glob
import os
import re
import subprocess
import tempfile
import urllib.parse

from flow import mails_to, signed_ticket_id, ticket_code_of, wait_for

from test_stripe import StripeBase

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
DOOR = "dörrens lösenord 1"


class Wallet(StripeBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stack.biljett("scanner-add", "wallet-door", "--password", DOOR, "--site-wide")

    def mine(self, query="", who="buyer", status=200):
        r = self.call("GET", "/api/tickets/my-tickets/" + query, who=who)
        self.assertEqual(r.status, status, r)
        return r.json

    def setUp(self):
        # Three tickets of an early event, two of a later one, one refunded
        # order of a third; one ticket scanned in.
        self.ev1, _, self.o1, _ = self.paid_order(price="100.00", count=3)
        self.ev2, _, self.o2, _ = self.paid_order(price="250.00", count=2)
        self.ev3, _, self.o3, _ = self.paid_order(price="80.00", count=1)
        r = self.call("POST", f"/api/orders/{self.o3['uid']}/refund/", {}, "buyer")
        self.assertEqual(r.status, 200, r)
        self.code = self.status(self.o1)["tickets"][0]["ticket_number"]
        r = self.client().put("/validate_ticket/", {"external_id": self.code,
                                                    "password": DOOR, "use_ticket": True})
        self.assertEqual(r.status, 200, r)

    def mine_of(self, *events, query=""):
        slugs = {e["slug"] for e in events}
        return [t for t in self.mine(query + ("&" if query else "?") + "page_size=100")
                ["results"] if t["event_slug"] in slugs]

    def test_list_shape_and_statuses(self):
        got = self.mine_of(self.ev1, self.ev2, self.ev3)
        self.assertEqual(len(got), 6)
        t = next(x for x in got if x["ticket_number"] == self.code)
        self.assertRegex(t["uid"], UUID)
        self.assertEqual((t["status"], t["is_used"], t["is_valid"], t["price"],
                          t["currency"], t["event"], t["event_title"], t["ticket_name"],
                          t["full_ticket_name"], t["attendee_email"], t["order_number"]),
                         ("used", True, False, "100.00", "SEK", self.ev1["id"],
                          self.ev1["title"], "Ordinarie", "Ordinarie",
                          "buyer@example.com", self.o1["order_number"]))
        self.assertIsNotNone(t["used_at"])
        # The QR code holds the signed code a door checks offline; it
        # names this ticket, whose short code is printed beside it.
        self.assertTrue(t["qr_code_data"].startswith("BJ1:"), t["qr_code_data"])
        self.assertEqual(ticket_code_of(self.stack.db_path, t["qr_code_data"]), self.code)
        self.assertEqual(t["download_url"],
                         f"/api/tickets/my-tickets/{t['uid']}/download/")
        self.assertRegex(t["event_date_formatted"],
                         r"^[A-Z][a-z]+day, [A-Z][a-z]+ \d\d, \d{4} at \d\d:\d\d [AP]M$")
        self.assertEqual(set(t["venue"]), {"name", "address", "city"})
        by_status = sorted((x["event_slug"] == self.ev3["slug"], x["status"]) for x in got)
        self.assertEqual(by_status, [(False, "active")] * 4 + [(False, "used"),
                                                               (True, "cancelled")])
        self.assertEqual(len({x["uid"] for x in got}), 6)

    def test_filters_and_orderings(self):
        used = self.mine_of(self.ev1, self.ev2, self.ev3, query="?is_used=true")
        self.assertEqual([t["ticket_number"] for t in used], [self.code])
        self.assertEqual(len(self.mine_of(self.ev1, self.ev2, self.ev3,
                                          query="?is_used=false")), 5)
        self.assertEqual(len(self.mine_of(self.ev3, query="?status=cancelled")), 1)
        self.assertEqual(len(self.mine_of(self.ev1, self.ev2, query="?status=active")), 4)
        self.assertEqual(self.mine_of(self.ev1, self.ev2, self.ev3, query="?status=expired"),
                         [])
        for ev in (self.ev2, {"slug": self.ev2["slug"], "id": self.ev2["id"]}):
            r = self.mine(f"?event={ev['id']}")
            self.assertEqual({t["event_slug"] for t in r["results"]}, {self.ev2["slug"]})
            self.assertEqual(r["count"], 2)
        self.assertEqual(self.mine(f"?event={self.ev2['slug']}")["count"], 2)
        newest = self.mine_of(self.ev1, self.ev2)
        oldest = self.mine_of(self.ev1, self.ev2, query="?ordering=created_at")
        self.assertEqual([t["uid"] for t in newest], [t["uid"] for t in reversed(oldest)])
        self.assertEqual(newest[0]["event_slug"], self.ev2["slug"])
        page = self.mine("?page_size=2&ordering=-created_at")
        self.assertEqual(len(page["results"]), 2)
        self.assertIsNotNone(page["next"])
        for query, field in (("?status=valid", "status"), ("?ordering=price", "ordering"),
                             ("?is_used=maybe", "is_used"), ("?page=0", "page")):
            r = self.call("GET", "/api/tickets/my-tickets/" + query, who="buyer")
            self.assert_error(r, 400, "VALIDATION_ERROR", field)

    def test_one_ticket_with_its_qr_code(self):
        t = self.mine_of(self.ev2)[0]
        r = self.call("GET", f"/api/tickets/my-tickets/{t['uid']}/", who="buyer")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["uid"], r.json["status"], r.json["price"]),
                         (t["uid"], "active", "250.00"))
        prefix = "data:image/png;base64,"
        self.assertTrue(r.json["qr_code"].startswith(prefix))
        with tempfile.NamedTemporaryFile(suffix=".png") as f:
            f.write(base64.b64decode(r.json["qr_code"][len(prefix):]))
            f.flush()
            out = subprocess.run(["zbarimg", "--raw", "-q", f.name], capture_output=True,
                                 text=True)
        self.assertEqual(out.stdout.strip(), t["qr_code_data"])

    def test_stats(self):
        s = self.mine("stats/")
        self.assertEqual(set(s), {"total_tickets", "active_tickets", "used_tickets",
                                  "cancelled_tickets", "upcoming_events"})
        # Other tests of this class add to the same buyer: at least ours.
        self.assertGreaterEqual(s["total_tickets"], 6)
        self.assertGreaterEqual(s["used_tickets"], 1)
        self.assertGreaterEqual(s["cancelled_tickets"], 1)
        self.assertEqual(s["total_tickets"], s["active_tickets"] + s["used_tickets"]
                         + s["cancelled_tickets"]
                         + self.mine("?status=expired")["count"])
        self.assertGreaterEqual(s["upcoming_events"], 2)
        self.assertEqual(self.mine("stats/", who="org2"),
                         {"total_tickets": 0, "active_tickets": 0, "used_tickets": 0,
                          "cancelled_tickets": 0, "upcoming_events": 0})

    def test_seed003_wallet(self):
        r = self.call("GET", "/api/tickets/?page_size=100", who="buyer")
        self.assertEqual(r.status, 200, r)
        mine = [t for t in r.json["results"] if t["event_title"] in
                (self.ev1["title"], self.ev3["title"])]
        self.assertEqual(len(mine), 4)
        self.assertTrue(all(t["qr_code_hash"].startswith("BJ1:") for t in mine))
        used = next(t for t in mine
                    if ticket_code_of(self.stack.db_path, t["qr_code_hash"]) == self.code)
        self.assertEqual((used["status"], used["tier_price"], used["attendee_email"]),
                         ("CHECKED_IN", "100.00", "buyer@example.com"))
        self.assertRegex(used["id"], UUID)
        self.assertEqual(sorted(t["status"] for t in mine),
                         ["ACTIVE", "ACTIVE", "CANCELLED", "CHECKED_IN"])
        self.assertEqual(set(used), {"id", "qr_code_hash", "status", "purchase_date",
                                     "attendee_name", "attendee_email", "event_title",
                                     "event_image", "event_location", "event_start_date",
                                     "event_end_date", "organizer_name", "tier_name",
                                     "tier_price"})
        one = self.call("GET", f"/api/tickets/{used['id']}/", who="buyer")
        self.assertEqual(one.status, 200, one)
        self.assertEqual((one.json["id"], one.json["status"]), (used["id"], "CHECKED_IN"))
        self.assertTrue(one.json["qr_code"].startswith("data:image/png;base64,"))

    def test_another_buyers_ticket_is_not_found(self):
        t = self.mine_of(self.ev1)[0]
        for path in (f"/api/tickets/my-tickets/{t['uid']}/", f"/api/tickets/{t['uid']}/"):
            self.assert_error(self.call("GET", path, who="org2"), 404, "TICKET_NOT_FOUND")
            r = self.call("GET", path)
            self.assertEqual(r.status, 401, r)
        for path in ("/api/tickets/my-tickets/not-a-uid/", "/api/tickets/12/",
                     "/api/tickets/my-tickets/" + "0" * 8 + "-0000-4000-8000-" + "0" * 12 + "/"):
            self.assert_error(self.call("GET", path, who="buyer"), 404, "TICKET_NOT_FOUND")
        self.assertEqual(self.mine(who="org2")["count"], 0)
        self.assertEqual(self.call("GET", "/api/tickets/", who="org2").json["count"], 0)
        # The ticket types' routes beside them are unchanged.
        r = self.call("GET", "/api/tickets/types/", who="buyer")
        self.assertEqual(r.status, 200, r)
        self.assertIn("results", r.json)

    def test_every_ticket_has_a_uid(self):
        rows = self.query("SELECT uid FROM tickets")
        self.assertTrue(rows)
        self.assertTrue(all(UUID.match(r["uid"] or "") for r in rows), rows[:3])
        self.assertEqual(len({r["uid"] for r in rows}), len(rows))


class TicketPages(StripeBase):
    """The buyer's pages: the ticket mail's link opens the order's tickets
    without signing in; /my-tickets after signing in at /login."""

    def mail_link(self, order, email="buyer@example.com"):
        """The link in the order's ticket mail (plain text and HTML alike)."""
        self.stack.biljett("mail")

        def find():
            for msg in mails_to(self.stack.mail_dir, email):
                text = msg.get_body(preferencelist=("plain",)).get_content()
                found = re.search(r"(https?://\S+/tickets/(%s)/([0-9a-f]{32}))"
                                  % order["uid"], text)
                if found:
                    html = msg.get_body(preferencelist=("html",)).get_content()
                    self.assertIn(found.group(1), html)
                    return found.groups()
            return None
        return wait_for(find, what="the order's ticket mail")

    def test_mail_link_opens_the_orders_tickets(self):
        ev, _, o, _ = self.paid_order(price="120.00", count=2)
        url, uid, token = self.mail_link(o)
        self.assertEqual(uid, o["uid"])
        path = url[url.index("/tickets/"):]
        r = self.client().get(path, headers={"Accept-Language": "en"})
        self.assertEqual(r.status, 200, r)
        page = r.body.decode()
        codes = [t["ticket_number"] for t in self.status(o)["tickets"]]
        self.assertEqual(len(codes), 2)
        for code in codes:
            self.assertIn(f'<p class="code" aria-label="Ticket code">{code}</p>', page)
        pictures = re.findall(r'<img class="qr" src="data:image/png;base64,([^"]+)"', page)
        self.assertEqual(len(pictures), 2)
        with tempfile.NamedTemporaryFile(suffix=".png") as f:
            f.write(base64.b64decode(pictures[0]))
            f.flush()
            out = subprocess.run(["zbarimg", "--raw", "-q", f.name], capture_output=True,
                                 text=True)
        self.assertIsNotNone(signed_ticket_id(out.stdout.strip()))
        self.assertIn(ticket_code_of(self.stack.db_path, out.stdout.strip()), codes)
        self.assertIn(ev["title"], page)
        self.assertEqual(r.header("X-Robots-Tag"), "noindex")
        # The support desk prints the same link from whatever the buyer has.
        for name in (o["uid"], o["order_number"], codes[1].lower()):
            self.assertEqual(self.stack.biljett("ticket-link", name).strip(), url)
        with self.assertRaises(RuntimeError):
            self.stack.biljett("ticket-link", "OE-19990101-0001")
        # The token is a bearer secret: neither nginx nor the program logs it.
        logs = glob.glob(os.path.join(self.tmp, "*.log"))
        wait_for(lambda: any(f"/tickets/{uid}/-" in open(p).read() for p in logs),
                 what="the request in nginx's access log")
        for p in logs:
            self.assertNotIn(token, open(p).read(), p)
        self.assertEqual(r.header("Cache-Control"), "no-store")
        # A token is good for its own order only, and only whole.
        other = self.order(ev, [{"ticket_type_id": self.status(o)["items"][0]["ticket_type"],
                                 "quantity": 1}])
        for bad in (f"/tickets/{uid}/{'0' * 32}", f"/tickets/{uid}/{token[:-1]}",
                    f"/tickets/{other['uid']}/{token}", f"/tickets/{uid}",
                    f"/tickets/{uid}/{token.upper()}"):
            self.assertEqual(self.client().get(bad).status, 404, bad)

    def test_refunded_ticket_shows_cancelled_without_a_qr_code(self):
        _, _, o, _ = self.paid_order(price="60.00", count=1)
        url, _, _ = self.mail_link(o)
        r = self.call("POST", f"/api/orders/{o['uid']}/refund/", {}, "buyer")
        self.assertEqual(r.status, 200, r)
        page = self.client().get(url[url.index("/tickets/"):],
                                 headers={"Accept-Language": "en"}).body.decode()
        self.assertIn("Cancelled: this ticket no longer lets anyone in.", page)
        self.assertNotIn('class="qr"', page)

    def test_sign_in_to_my_tickets_and_out(self):
        _, _, o, _ = self.paid_order(price="90.00", count=1)
        code = self.status(o)["tickets"][0]["ticket_number"]
        c = self.client()
        r = c.get("/my-tickets")
        self.assertEqual((r.status, r.header("Location")), (303, "/login?next=/my-tickets"))
        r = c.get("/login?next=/my-tickets", headers={"Accept-Language": "en"})
        self.assertEqual(r.status, 200, r)
        self.assertIn(b'name="next" value="/my-tickets"', r.body)
        form = {"email": "buyer@example.com", "password": "wrong password!",
                "next": "/my-tickets", "csrf": c.cookies["csrftoken"]}
        r = c.post("/login", form=form, headers={"Accept-Language": "en"})
        self.assertEqual(r.status, 401, r)
        self.assertIn(b'role="alert"', r.body)
        # Without the CSRF token the form is refused before any password check.
        r = c.post("/login", form=dict(form, csrf="0" * 64))
        self.assertEqual(r.status, 403, r)
        form["password"] = self.passwords["buyer@example.com"]
        r = c.post("/login", form=form)
        self.assertEqual((r.status, r.header("Location")), (303, "/my-tickets"), r)
        r = c.get("/my-tickets", headers={"Accept-Language": "en"})
        self.assertEqual(r.status, 200, r)
        self.assertIn(code.encode(), r.body)
        self.assertIn(b'action="/logout"', r.body)
        # Signed in, the form goes straight on; a foreign next is ignored.
        for nxt in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
            r = c.get("/login?next=" + urllib.parse.quote(nxt))
            self.assertEqual((r.status, r.header("Location")), (303, "/my-tickets"), nxt)
        r = c.post("/logout", form={"csrf": c.cookies["csrftoken"]})
        self.assertEqual((r.status, r.header("Location")), (303, "/login"))
        r = c.get("/my-tickets")
        self.assertEqual(r.status, 303)
        # Someone else's session shows their tickets, never the buyer's.
        other = self.client()
        other.get("/login")
        r = other.post("/login", form={"email": "org2@example.com",
                                       "password": self.passwords["org2@example.com"],
                                       "csrf": other.cookies["csrftoken"]})
        self.assertEqual(r.status, 303, r)
        r = other.get("/my-tickets")
        self.assertEqual(r.status, 200)
        self.assertNotIn(code.encode(), r.body)
