"""Seed 003's organizer portal and seed 000's sales report over the real
stack: creating an event with its tiers in one request (multipart, as
upstream's web client sends it), editing it and its tiers, the
organizer's events with their sales, the dashboard, the guest list and
its CSV download, and the admins' sales report, with totals checked
against the orders paid through the Swish simulator."""
import csv
import datetime
import io
import json
import uuid
import zoneinfo

from flow import Swish
from support import Client, StackTest

PASSWORD = "hemligt-lösenord-1"
STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")
DOOR = "dörrvakt-lösenord-9"
# A poster part is accepted and not read (the image module is not wired
# yet).  lib/parse.c's multipart reader refuses a part holding a NUL or
# over FIELD_VALUE_MAX bytes before any handler runs, so a real image
# cannot pass yet: this one is a short text.
POSTER = b"not really a PNG, and never read"


def multipart(fields, files=()):
    """A multipart/form-data body, as a browser's FormData sends it."""
    boundary = "----biljett" + uuid.uuid4().hex
    out = b""
    for name, value in fields:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; "
                f'name="{name}"\r\n\r\n{value}\r\n').encode()
    for name, filename, ctype, data in files:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; "
                f'name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {ctype}\r\n\r\n").encode() + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


class PortalBase(StackTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tokens, cls.passwords, cls.ids = {}, {}, {}
        for email, role in (("org1@example.com", "organizer"),
                            ("org2@example.com", "organizer"),
                            ("buyer@example.com", "customer")):
            out = cls.stack.biljett("create-user", email, role)
            cls.passwords[email] = out.strip().rsplit(" ", 1)[1]
            cls.tokens[email.split("@")[0]] = cls.token(email, cls.passwords[email])
        out = cls.stack.biljett("create-admin", "admin@example.com")
        cls.tokens["admin"] = cls.token("admin@example.com",
                                        out.strip().rsplit(" ", 1)[1])
        import sqlite3
        with sqlite3.connect(cls.stack.db_path, timeout=10) as conn:
            for row in conn.execute("SELECT id, email FROM users"):
                cls.ids[row[1].split("@")[0]] = row[0]

    @classmethod
    def token(cls, email, password):
        r = Client(cls.stack.base_url).post("/api/auth/login",
                                            {"email": email, "password": password})
        assert r.status == 200, r
        return r.json.get("access") or r.json["access_token"]

    @classmethod
    def call_as(cls, method, path, body=None, who=None, **kw):
        headers = dict(kw.pop("headers", {}))
        if who:
            headers["Authorization"] = f"Bearer {cls.tokens[who]}"
        return Client(cls.stack.base_url).request(method, path, body=body,
                                                  headers=headers, **kw)

    def call(self, method, path, body=None, who=None, **kw):
        return self.call_as(method, path, body, who, **kw)

    @classmethod
    def create(cls, who="org1", **fields):
        body = {"title": "Vårshow", "start_date": "2031-05-01T18:00:00+02:00",
                "venue_name": "Aulan", "is_published": True,
                "tiers": [{"name": "Ordinarie", "price": "150.00",
                           "quantity_allocated": 50}]}
        body.update(fields)
        r = cls.call_as("POST", "/api/organizer/events/create/", body, who)
        assert r.status == 201, r
        return r.json

    def assert_error(self, r, status, code, field=None):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.json["code"], code, r)
        self.assertIsInstance(r.json["detail"], str)
        if field:
            self.assertIn(field, r.json["field_errors"], r)
            self.assertIsInstance(r.json["field_errors"][field], list)

    def count_events(self):
        return self.query("SELECT count(*) AS n FROM events")[0]["n"]


class Portal(PortalBase):
    def test_create_multipart_with_tiers(self):
        tiers = [{"name": "Ordinarie", "description": "Fri placering",
                  "price": "150.00", "quantity_allocated": 50},
                 {"name": "Student", "price": 90, "quantity_allocated": 20}]
        body, ctype = multipart(
            [("title", "Vårspelet"), ("description", "En pjäs."),
             ("start_datetime", "2031-05-01T19:00:00+02:00"),
             ("end_datetime", "2031-05-01T22:00:00+02:00"),
             ("location_name", "Aulan"), ("is_published", "true"),
             ("tiers", json.dumps(tiers))],
            [("poster_image", "poster.png", "image/png", POSTER)])
        r = self.call("POST", "/api/organizer/events/create/", who="org1",
                      raw=body, content_type=ctype)
        self.assertEqual(r.status, 201, r)
        ev = r.json
        self.assertEqual((ev["title"], ev["status"], ev["venue_name"],
                          ev["total_capacity"], ev["organizer"]),
                         ("Vårspelet", "published", "Aulan", 70, self.ids["org1"]))
        self.assertEqual((ev["start_date"], ev["end_date"]),
                         ("2031-05-01T19:00:00+02:00", "2031-05-01T22:00:00+02:00"))
        self.assertEqual([(t["name"], t["price"], t["quantity_allocated"],
                           t["quantity_sold"]) for t in ev["tiers"]],
                         [("Ordinarie", "150.00", 50, 0), ("Student", "90.00", 20, 0)])
        self.assertEqual(ev["tiers"][0]["description"], "Fri placering")
        self.assertEqual(ev["sales"]["tickets_sold"], 0)
        self.assertIsNone(ev["thumbnail_image"])     # the poster is not stored yet
        # The tiers are on sale at once.
        r = self.client().post("/reserve_ticket/", {
            "chapter_event": ev["id"],
            "tickets": [{"ticket_type": ev["tiers"][1]["id"], "count": 2}]})
        self.assertEqual(r.status, 201, r)
        # One transaction: the event, its types, the audit of each.
        rows = self.query("SELECT entity, action FROM audit_log WHERE organizer_id = ?"
                          " AND (entity_id = ? OR entity = 'ticket_type')"
                          " ORDER BY id", self.ids["org1"], ev["id"])
        self.assertIn(("event", "create"), [(x["entity"], x["action"]) for x in rows])
        self.assertIn(("event", "publish"), [(x["entity"], x["action"]) for x in rows])

    def test_create_errors_write_nothing(self):
        body = {"title": "X", "start_date": "2031-01-01T10:00:00Z",
                "tiers": [{"name": "A", "price": "1.00", "quantity_allocated": 1}]}
        self.assert_error(self.call("POST", "/api/organizer/events/create/", body),
                          401, "UNAUTHENTICATED")
        self.assert_error(self.call("POST", "/api/organizer/events/create/", body,
                                    "buyer"), 403, "FORBIDDEN")
        before = self.count_events()
        r = self.call("POST", "/api/organizer/events/create/", {"tiers": []}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR")
        self.assertIn("title", r.json["field_errors"])
        self.assertIn("start_date", r.json["field_errors"])
        form, ctype = multipart([("title", "X"), ("start_date", "2031-01-01T10:00:00Z"),
                                 ("tiers", "[{not json")])
        r = self.call("POST", "/api/organizer/events/create/", who="org1", raw=form,
                      content_type=ctype)
        self.assert_error(r, 400, "VALIDATION_ERROR", "tiers")
        r = self.call("POST", "/api/organizer/events/create/", dict(body, tiers=[
            {"name": "A", "quantity_allocated": 5},
            {"name": "B", "price": "abc", "quantity_allocated": 5}]), "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "tiers[0].price")
        self.assertIn("tiers[1].price", r.json["field_errors"])
        # Rules only the catalogue knows roll the whole request back.
        r = self.call("POST", "/api/organizer/events/create/", dict(body, tiers=[
            {"name": "Samma", "price": "1.00", "quantity_allocated": 1},
            {"name": "Samma", "price": "2.00", "quantity_allocated": 1}]), "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "tiers[1].name")
        r = self.call("POST", "/api/organizer/events/create/",
                      dict(body, tiers=[], is_published=True, total_capacity=10),
                      "org1")
        self.assert_error(r, 409, "CONFLICT")
        r = self.call("POST", "/api/organizer/events/create/",
                      dict(body, pricing_type="tiered"), "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "tiers")
        self.assertEqual(self.count_events(), before)

    def test_edit_event_and_tiers(self):
        ev = self.create(tiers=[
            {"name": "Ordinarie", "price": "150.00", "quantity_allocated": 50},
            {"name": "Student", "price": "90.00", "quantity_allocated": 20},
            {"name": "Gratis", "price": "0", "quantity_allocated": 5}])
        ids = {t["name"]: t["id"] for t in ev["tiers"]}
        keep, student, free = ids["Ordinarie"], ids["Student"], ids["Gratis"]
        path = f"/api/organizer/events/{ev['id']}/edit/"
        # Another organizer's event does not exist for them.
        self.assert_error(self.call("PATCH", path, {"title": "Kapad"}, "org2"),
                          404, "EVENT_NOT_FOUND")
        self.assert_error(self.call("PATCH", path, {"title": "Kapad"}, "buyer"),
                          403, "FORBIDDEN")
        self.assert_error(self.call("PATCH", "/api/organizer/events/999999/edit/",
                                    {"title": "X"}, "org1"), 404, "EVENT_NOT_FOUND")
        # A ticket of the student tier is held.
        r = self.client().post("/reserve_ticket/", {
            "chapter_event": ev["id"], "tickets": [{"ticket_type": student, "count": 1}]})
        self.assertEqual(r.status, 201, r)
        # A tier of another event is not this event's.
        other = self.create(title="Annan")
        r = self.call("PATCH", path, {"tiers": [{"id": other["tiers"][0]["id"]}]},
                      "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "tiers[0].id")
        # Change one, add one; those not sent (sold or not) stop selling.
        r = self.call("PATCH", path, {"title": "Nytt namn", "location_name": "Salen",
                                      "tiers": [
                                          {"id": keep, "price": "175.00"},
                                          {"name": "VIP", "price": "400.00",
                                           "quantity_allocated": 5}]}, "org1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["title"], r.json["venue_name"]), ("Nytt namn", "Salen"))
        tiers = {t["name"]: t for t in r.json["tiers"]}
        self.assertEqual(sorted(tiers), ["Gratis", "Ordinarie", "Student", "VIP"])
        self.assertEqual(tiers["Ordinarie"]["price"], "175.00")
        self.assertEqual({n: t["is_active"] for n, t in tiers.items()},
                         {"Ordinarie": True, "VIP": True, "Student": False,
                          "Gratis": False})
        self.assertEqual(tiers["Student"]["quantity_sold"], 0)
        r = self.client().post("/reserve_ticket/", {
            "chapter_event": ev["id"], "tickets": [{"ticket_type": free, "count": 1}]})
        self.assertNotEqual(r.status, 201, r)
        # A tier sent again sells again; a bad field in one rolls back all.
        r = self.call("PATCH", path, {"title": "Rullas tillbaka", "tiers": [
            {"id": keep, "price": "1.00"}, {"id": student, "is_active": True},
            {"id": other["tiers"][0]["id"]}]}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "tiers[2].id")
        r = self.call("PATCH", path, {"tiers": [
            {"id": keep}, {"id": student, "is_active": True},
            {"id": tiers["VIP"]["id"]}]}, "org1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["title"], "Nytt namn")
        self.assertEqual({t["name"]: t["price"] for t in r.json["tiers"]}["Ordinarie"],
                         "175.00")
        self.assertEqual(sorted(t["name"] for t in r.json["tiers"] if t["is_active"]),
                         ["Ordinarie", "Student", "VIP"])
        # Fields alone leave the tiers; an admin may edit anyone's.
        r = self.call("PATCH", path, {"description": "Av admin"}, "admin")
        self.assertEqual((r.status, r.json["description"], len(r.json["tiers"])),
                         (200, "Av admin", 4))
        # Back to draft and published again.
        r = self.call("PATCH", path, {"is_published": False}, "org1")
        self.assertEqual(r.json["status"], "draft")
        r = self.call("PATCH", path, {"status": "published"}, "org1")
        self.assertEqual(r.json["status"], "published")

    def test_events_list_and_isolation(self):
        draft = self.create(title="Utkastet", is_published=False)
        mine = self.create(title="Min show", start_date="2032-01-01T18:00:00Z")
        theirs = self.create("org2", title="Deras show")
        for who in (None, "buyer"):
            r = self.call("GET", "/api/organizer/events/", who=who)
            self.assertEqual(r.status, 401 if who is None else 403)
        r = self.call("GET", "/api/organizer/events/?page_size=100", who="org1")
        self.assertEqual(r.status, 200, r)
        ids = [e["id"] for e in r.json["results"]]
        self.assertIn(draft["id"], ids)
        self.assertIn(mine["id"], ids)
        self.assertNotIn(theirs["id"], ids)
        self.assertEqual(r.json["count"], len(ids))
        starts = [e["start_date"] for e in r.json["results"]]
        self.assertEqual(starts, sorted(starts, reverse=True))    # latest first
        one = next(e for e in r.json["results"] if e["id"] == mine["id"])
        self.assertEqual((one["sales"]["tickets_sold"], one["sales"]["revenue"],
                          one["sales"]["capacity"], one["sales"]["available"]),
                         (0, "0.00", 50, 50))
        r = self.call("GET", "/api/organizer/events/?status=draft", who="org1")
        self.assertEqual([e["id"] for e in r.json["results"]], [draft["id"]])
        r = self.call("GET", "/api/organizer/events/?search=UTKAST", who="org1")
        self.assertEqual([e["id"] for e in r.json["results"]], [draft["id"]])
        self.assert_error(self.call("GET", "/api/organizer/events/?status=x",
                                    who="org1"), 400, "VALIDATION_ERROR", "status")
        # Each organizer's only; another's is a 404, also for their detail.
        r = self.call("GET", f"/api/organizer/events/{theirs['id']}/", who="org1")
        self.assert_error(r, 404, "EVENT_NOT_FOUND")
        r = self.call("GET", f"/api/organizer/events/{mine['id']}/", who="org1")
        self.assertEqual((r.status, r.json["sales"]["orders"]), (200, 0))
        r = self.call("GET", f"/api/organizer/events/?organizer={self.ids['org2']}",
                      who="org1")
        self.assert_error(r, 403, "FORBIDDEN")
        # Admins see everyone's, or one organizer's.
        r = self.call("GET", "/api/organizer/events/?page_size=100", who="admin")
        ids = [e["id"] for e in r.json["results"]]
        self.assertIn(theirs["id"], ids)
        self.assertIn(mine["id"], ids)
        r = self.call("GET", f"/api/organizer/events/?page_size=100&organizer="
                      f"{self.ids['org2']}", who="admin")
        self.assertEqual({e["organizer"] for e in r.json["results"]}, {self.ids["org2"]})
        r = self.call("GET", f"/api/organizer/events/{theirs['id']}/", who="admin")
        self.assertEqual(r.status, 200)


class Sales(PortalBase):
    """Orders paid through the Swish simulator, then every report."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.swish = Swish(cls.stack)
        cls.stack.biljett("scanner-add", "door", "--password", DOOR,
                          "--site-wide")
        cls.ev = cls.create(title="Vårshow", tiers=[
            {"name": "Ordinarie, vuxen", "price": "150.00", "quantity_allocated": 50},
            {"name": "Student", "price": "90.00", "quantity_allocated": 20}])
        ids = {t["name"]: t["id"] for t in cls.ev["tiers"]}
        cls.adult, cls.student = ids["Ordinarie, vuxen"], ids["Student"]
        cls.other = cls.create("org2", title="Deras show", tiers=[
            {"name": "Entré", "price": "200.00", "quantity_allocated": 10}])
        # A signed-in buyer whose name a spreadsheet would evaluate.
        r = cls.call_as("PATCH", "/api/auth/profile",
                        {"first_name": "@Anna", "last_name": '"Q" Berg'}, "buyer")
        assert r.status == 200, r
        buyer = Client(cls.stack.base_url)
        r = buyer.post("/api/auth/login", {
            "email": "buyer@example.com", "password": cls.passwords["buyer@example.com"],
            "client": "browser"})
        assert r.status == 200 and "sessionid" in buyer.cookies, r
        cls.pay(buyer, cls.ev["id"], [(cls.adult, 2)], "anna@example.com")
        cls.pay(Client(cls.stack.base_url), cls.ev["id"],
                [(cls.adult, 1), (cls.student, 1)], "=1+2@example.com")
        cls.pay(Client(cls.stack.base_url), cls.other["id"],
                [(cls.other["tiers"][0]["id"], 1)], "carl@example.com")
        # Held, never paid: counted nowhere but under status=reserved.
        r = Client(cls.stack.base_url).post("/reserve_ticket/", {
            "chapter_event": cls.ev["id"],
            "tickets": [{"ticket_type": cls.student, "count": 3}]})
        assert r.status == 201, r

    @classmethod
    def pay(cls, client, event, lines, email):
        r = client.post("/reserve_ticket/", {
            "chapter_event": event,
            "tickets": [{"ticket_type": t, "count": n} for t, n in lines]})
        assert r.status == 201, r
        r = client.post("/start_payment/", {"email_address": email})
        assert r.status == 200, r
        req = cls.swish.request_by_token(r.json)
        status, out = cls.swish.act(req["id"], "pay")
        assert status == 200 and out["callback_status"] == 200, out
        st = client.get("/session_payment_status/").json
        assert st["status"] == "PAID", st

    def paid(self, organizer=None):
        """What the paid orders say: (orders, sum of totals in öre)."""
        sql = ("SELECT count(*) AS n, coalesce(sum(o.total), 0) AS s FROM orders o"
               " JOIN events e ON e.id = o.event_id WHERE o.status = 'paid'")
        args = ()
        if organizer:
            sql += " AND e.organizer_id = ?"
            args = (self.ids[organizer],)
        row = self.query(sql, *args)[0]
        return row["n"], row["s"]

    def codes(self, event):
        return [r["external_id"] for r in self.query(
            "SELECT external_id FROM tickets WHERE event_id = ? ORDER BY id", event)]

    def test_dashboard_totals_match_orders(self):
        for who in (None, "buyer"):
            r = self.call("GET", "/api/organizer/dashboard/", who=who)
            self.assertEqual(r.status, 401 if who is None else 403)
        r = self.call("GET", "/api/organizer/dashboard/", who="org1")
        self.assertEqual(r.status, 200, r)
        d = r.json
        orders, total = self.paid("org1")
        self.assertEqual((orders, total), (2, 54000))
        self.assertEqual((d["orders"], d["tickets_sold"], d["total_revenue"],
                          d["currency"], d["revenue_by_currency"]),
                         (orders, 4, "540.00", "SEK", {"SEK": "540.00"}))
        self.assertEqual((d["total_attendees"], d["avg_ticket_price"]), (2, "135.00"))
        # The lists add up to the totals.
        ev = next(e for e in d["per_event"] if e["id"] == self.ev["id"])
        self.assertEqual((ev["orders"], ev["tickets_sold"], ev["revenue"]),
                         (2, 4, "540.00"))
        self.assertEqual(ev["available"], 70 - 4 - 3)
        types = {t["name"]: t for t in d["per_ticket_type"]}
        self.assertEqual((types["Ordinarie, vuxen"]["tickets_sold"],
                          types["Ordinarie, vuxen"]["revenue"],
                          types["Student"]["tickets_sold"], types["Student"]["revenue"]),
                         (3, "450.00", 1, "90.00"))
        self.assertEqual(sum(x["orders"] for x in d["per_day"]), 2)
        self.assertEqual(sum(float(x["revenue"]) for x in d["per_day"]), 540.0)
        recent = next(e for e in d["recent_events"] if e["id"] == self.ev["id"])
        self.assertEqual((recent["status"], recent["sold"], recent["capacity"],
                          recent["revenue"]), ("Active", 4, 70, "540.00"))
        self.assertNotIn(self.other["id"], [e["id"] for e in d["per_event"]])
        # Admins: everyone's, or one organizer's.
        orders, total = self.paid()
        r = self.call("GET", "/api/organizer/dashboard/", who="admin")
        self.assertEqual((r.json["orders"], r.json["total_revenue"]),
                         (orders, f"{total / 100:.2f}"))
        r = self.call("GET", f"/api/organizer/dashboard/?organizer={self.ids['org2']}",
                      who="admin")
        self.assertEqual((r.json["orders"], r.json["total_revenue"]), (1, "200.00"))
        self.assert_error(self.call("GET", "/api/organizer/dashboard/?days=0",
                                    who="org1"), 400, "VALIDATION_ERROR", "days")
        # The list of events shows the same at a glance.
        r = self.call("GET", "/api/organizer/events/", who="org1")
        one = next(e for e in r.json["results"] if e["id"] == self.ev["id"])
        self.assertEqual((one["sales"]["orders"], one["sales"]["tickets_sold"],
                          one["sales"]["revenue"]), (2, 4, "540.00"))

    def test_attendees_masked_grouped_searchable(self):
        path = f"/api/organizer/events/{self.ev['id']}/attendees/"
        self.assert_error(self.call("GET", path), 401, "UNAUTHENTICATED")
        self.assert_error(self.call("GET", path, who="buyer"), 403, "FORBIDDEN")
        self.assert_error(self.call("GET", path, who="org2"), 404, "EVENT_NOT_FOUND")
        r = self.call("GET", path, who="org1")
        self.assertEqual(r.status, 200, r)
        j = r.json
        self.assertEqual(j["count"], 4)
        self.assertEqual([(g["name"], g["count"]) for g in j["groups"]],
                         [("Ordinarie, vuxen", 3), ("Student", 1)])
        self.assertEqual([t["tier_name"] for t in j["results"]],
                         ["Ordinarie, vuxen"] * 3 + ["Student"])
        codes = self.codes(self.ev["id"])
        body = r.body.decode()
        for code in codes:
            self.assertNotIn(code, body)
        for secret in self.query("SELECT secret FROM tickets WHERE event_id = ?",
                                 self.ev["id"]):
            self.assertNotIn(secret["secret"], body)
        self.assertNotIn("anna@example.com", body)
        emails = sorted({t["attendee_email"] for t in j["results"]})
        self.assertEqual(emails, ["=***@example.com", "a***@example.com"])
        names = {t["attendee_name"] for t in j["results"]}
        self.assertEqual(names, {'@*** "*** B***', None})
        self.assertEqual({t["ticket_code"] for t in j["results"]},
                         {"****" + c[-2:] for c in codes})
        self.assertEqual(j["event"]["id"], self.ev["id"])
        # Search: an e-mail, a name, a whole ticket code.
        r = self.call("GET", path + "?search=ANNA@", who="org1")
        self.assertEqual(r.json["count"], 2)
        r = self.call("GET", path + "?search=berg", who="org1")
        self.assertEqual(r.json["count"], 2)
        code = self.query("SELECT external_id FROM tickets WHERE ticket_type_id = ?",
                          self.student)[0]["external_id"]
        r = self.call("GET", path + f"?search={code}", who="org1")
        self.assertEqual((r.json["count"], r.json["results"][0]["tier_name"]),
                         (1, "Student"))
        r = self.call("GET", path + f"?ticket_type={self.student}", who="org1")
        self.assertEqual(r.json["count"], 1)
        r = self.call("GET", path + "?page_size=3", who="org1")
        self.assertEqual((len(r.json["results"]), r.json["count"]), (3, 4))
        self.assertIn("page=2", r.json["next"])
        self.assert_error(self.call("GET", path + "?format=xml", who="org1"), 400,
                          "VALIDATION_ERROR", "format")
        # An admin may look; the other organizer's own list is theirs.
        self.assertEqual(self.call("GET", path, who="admin").status, 200)
        r = self.call("GET", f"/api/organizer/events/{self.other['id']}/attendees/",
                      who="org2")
        self.assertEqual(r.json["count"], 1)

    def test_checked_in_shows(self):
        code = self.codes(self.other["id"])[0]
        r = self.client().put("/validate_ticket/", {
            "external_id": code, "password": DOOR, "use_ticket": True})
        self.assertEqual(r.status, 200, r)
        r = self.call("GET", f"/api/organizer/events/{self.other['id']}/attendees/",
                      who="org2")
        self.assertEqual((r.json["results"][0]["checked_in"],
                          r.json["groups"][0]["checked_in"]), (True, 1))
        r = self.call("GET", "/api/organizer/dashboard/", who="org2")
        self.assertEqual(r.json["checked_in"], 1)

    def test_csv_download(self):
        base = f"/api/organizer/events/{self.ev['id']}/attendees"
        self.assert_error(self.call("GET", base + ".csv", who="org2"), 404,
                          "EVENT_NOT_FOUND")
        self.assert_error(self.call("GET", base + ".csv"), 401, "UNAUTHENTICATED")
        for path in (base + ".csv", base + "/?format=csv"):
            r = self.call("GET", path, who="org1")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.header("Content-Type"), "text/csv; charset=utf-8")
            self.assertEqual(r.header("Content-Disposition"),
                             f'attachment; filename="attendees-{self.ev["slug"]}.csv"')
            raw = r.body
            self.assertTrue(raw.startswith(b"\xef\xbb\xbf"), raw[:10])
            # Every record ends in CRLF, and there is no bare LF.
            self.assertTrue(raw.endswith(b"\r\n"))
            self.assertEqual(raw.count(b"\n"), raw.count(b"\r\n"))
            self.assertIn(b'"Ordinarie, vuxen"', raw)
            rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
            self.assertEqual(rows[0], ["ticket_code", "ticket_type", "price", "currency",
                                       "status", "checked_in", "checked_in_at",
                                       "attendee_name", "buyer_email",
                                       "purchase_date"])
            self.assertEqual(len(rows), 5)
            body = rows[1:]
            self.assertEqual([x[1] for x in body], ["Ordinarie, vuxen"] * 3 + ["Student"])
            self.assertEqual([x[2] for x in body], ["150.00"] * 3 + ["90.00"])
            # The formula guard: = + - @ first get an apostrophe.
            self.assertIn("'=***@example.com", [x[8] for x in body])
            self.assertIn("a***@example.com", [x[8] for x in body])
            self.assertIn("'@*** \"*** B***", [x[7] for x in body])
            self.assertIn(b'"\'@*** ""*** B***"', raw)
            for x in body:
                self.assertNotIn(x[7][:1], ("=", "+", "-", "@"))
                self.assertNotIn(x[8][:1], ("=", "+", "-", "@"))
            for code in self.codes(self.ev["id"]):
                self.assertNotIn(code.encode(), raw)
        r = self.call("GET", base + ".csv?search=anna", who="org1")
        self.assertEqual(len(list(csv.reader(io.StringIO(
            r.body.decode("utf-8-sig"), newline="")))), 3)

    def test_admin_sales_report(self):
        self.assert_error(self.call("GET", "/api/admin/sales/"), 401, "UNAUTHENTICATED")
        self.assert_error(self.call("GET", "/api/admin/sales/", who="org1"), 403,
                          "FORBIDDEN")
        r = self.call("GET", "/api/admin/sales/", who="admin")
        self.assertEqual(r.status, 200, r)
        orders, total = self.paid()
        t = r.json["totals"]
        self.assertEqual((t["orders"], t["tickets_sold"], t["events"]), (orders, 5, 2))
        self.assertEqual(t["by_currency"]["SEK"],
                         {"gross": f"{total / 100:.2f}", "refunded": "0.00",
                          "revenue": f"{total / 100:.2f}"})
        rows = r.json["results"]
        self.assertEqual([x["event"]["id"] for x in rows],
                         [self.ev["id"], self.other["id"]])    # by revenue
        self.assertEqual((rows[0]["orders"], rows[0]["tickets_sold"],
                          rows[0]["revenue"], rows[0]["organizer"]["id"]),
                         (2, 4, "540.00", self.ids["org1"]))
        self.assertEqual(sum(x["orders"] for x in rows), t["orders"])
        # Filters.
        r = self.call("GET", f"/api/admin/sales/?organizer={self.ids['org2']}",
                      who="admin")
        self.assertEqual([x["event"]["id"] for x in r.json["results"]],
                         [self.other["id"]])
        r = self.call("GET", f"/api/admin/sales/?event={self.ev['slug']}", who="admin")
        self.assertEqual((r.json["count"], r.json["totals"]["orders"]), (1, 2))
        r = self.call("GET", "/api/admin/sales/?event=no-such-event", who="admin")
        self.assertEqual((r.json["count"], r.json["results"]), (0, []))
        r = self.call("GET", "/api/admin/sales/?status=reserved", who="admin")
        self.assertEqual([(x["event"]["id"], x["seats"], x["tickets_sold"])
                          for x in r.json["results"]], [(self.ev["id"], 3, 0)])
        r = self.call("GET", "/api/admin/sales/?status=all", who="admin")
        self.assertEqual(r.json["totals"]["orders"], orders + 1)
        # A day is the configured zone's (devstack: Europe/Stockholm).
        day = {datetime.datetime.fromtimestamp(x["paid_at"], STOCKHOLM).date().isoformat()
               for x in self.query("SELECT paid_at FROM orders WHERE paid_at IS NOT NULL")}
        if len(day) == 1:       # not paid across a midnight
            d = day.pop()
            r = self.call("GET", f"/api/admin/sales/?date_from={d}&date_to={d}",
                          who="admin")
            self.assertEqual(r.json["totals"]["orders"], orders)
        r = self.call("GET", "/api/admin/sales/?date_from=2020-01-01&date_to=2100-01-01",
                      who="admin")
        self.assertEqual(r.json["totals"]["orders"], orders)
        r = self.call("GET", "/api/admin/sales/?date_from=2100-01-01", who="admin")
        self.assertEqual(r.json["count"], 0)
        r = self.call("GET", "/api/admin/sales/?date_to=2020-01-01", who="admin")
        self.assertEqual(r.json["count"], 0)
        r = self.call("GET", "/api/admin/sales/?ordering=title&page_size=1", who="admin")
        self.assertEqual([x["event"]["title"] for x in r.json["results"]],
                         ["Deras show"])
        self.assertEqual(r.json["count"], 2)
        self.assertIn("page=2", r.json["next"])
        self.assertEqual(r.json["totals"]["orders"], orders)
        for query, field in (("status=paid_maybe", "status"),
                             ("ordering=price", "ordering"),
                             ("date_from=2020-13-01", "date_from"),
                             ("date_from=2021-01-02&date_to=2021-01-01", "date_to")):
            self.assert_error(self.call("GET", f"/api/admin/sales/?{query}",
                                        who="admin"), 400, "VALIDATION_ERROR", field)
