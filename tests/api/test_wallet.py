"""The buyer's tickets: seed 004's /api/tickets/my-tickets/ (list with its
filters and orderings, one ticket with its QR code, the five counters) and
seed 003's wallet /api/tickets/ and /api/tickets/{id}/, over tickets
paid by card through the Stripe simulator, scanned at the door and
refunded — never another buyer's."""
import base64
import re
import subprocess
import tempfile

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
        self.assertEqual(t["qr_code_data"], self.code)
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
        used = next(t for t in mine if t["qr_code_hash"] == self.code)
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
