"""Seed 004's catalogue: events, categories, ticket types and their
variants (tiers, day passes, day x tier prices) over the real stack, and
the one quota engine under the four pricing kinds."""
import os
import sqlite3
import struct
import time
import uuid
import zlib

from support import StackTest, all_at_once

PASSWORD = "hemligt-lösenord-1"


class CatalogueBase(StackTest):
    """Accounts made through the CLI; requests with bearer tokens."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tokens, cls.passwords = {}, {}
        for email, role in (("org1@example.com", "organizer"),
                            ("org2@example.com", "organizer"),
                            ("buyer@example.com", "customer")):
            out = cls.stack.biljett("create-user", email, role)
            cls.passwords[email] = out.strip().rsplit(" ", 1)[1]
            cls.tokens[email] = cls.token(email, cls.passwords[email])
        out = cls.stack.biljett("create-admin", "admin@example.com")
        cls.tokens["admin"] = cls.token("admin@example.com",
                                        out.strip().rsplit(" ", 1)[1])

    @classmethod
    def token(cls, email, password):
        from support import Client
        r = Client(cls.stack.base_url).post("/api/auth/login",
                                            {"email": email, "password": password})
        assert r.status == 200, r
        return r.json.get("access") or r.json["access_token"]

    def as_(self, who):
        key = who if who == "admin" else f"{who}@example.com"
        return {"Authorization": f"Bearer {self.tokens[key]}"}

    def call(self, method, path, body=None, who=None, **kw):
        headers = dict(kw.pop("headers", {}))
        if who:
            headers.update(self.as_(who))
        return self.client().request(method, path, body=body, headers=headers, **kw)

    def event(self, who="org1", **fields):
        # Every test client reserves from 127.0.0.1: caps no test reaches.
        body = {"title": "Vårshow", "start_date": "2031-05-01T18:00:00+02:00",
                "end_date": "2031-05-01T21:00:00+02:00", "total_capacity": 100,
                "venue_name": "Aulan", "venue_city": "Lund",
                "max_held_per_client": 100000, "max_tickets_per_email": 100000}
        body.update(fields)
        r = self.call("POST", "/api/events/", body, who)
        self.assertEqual(r.status, 201, r)
        return r.json

    def ttype(self, event, who="org1", **fields):
        body = {"event": event["slug"], "name": f"Typ {time.monotonic_ns()}",
                "total_quantity": 100}
        body.update(fields)
        r = self.call("POST", "/api/tickets/types/", body, who)
        self.assertEqual(r.status, 201, r)
        return r.json

    def variant(self, kind, who="org1", **fields):
        r = self.call("POST", f"/api/tickets/{kind}/", fields, who)
        self.assertEqual(r.status, 201, r)
        return r.json

    def publish(self, event, who="org1"):
        r = self.call("POST", f"/api/events/{event['slug']}/publish/", who=who)
        self.assertEqual(r.status, 200, r)
        return r.json

    def reserve(self, event_id, lines, client=None):
        c = client or self.client()
        return c.post("/reserve_ticket/", {
            "chapter_event": event_id,
            "tickets": [{"ticket_type": t, "count": n} for t, n in lines]})

    def assert_error(self, r, status, code, field=None):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.json["code"], code, r)
        self.assertIsInstance(r.json["error"], str)
        self.assertIsInstance(r.json["detail"], str)
        if field:
            self.assertIn(field, r.json["field_errors"], r)
            self.assertIsInstance(r.json["field_errors"][field], list)


class Events(CatalogueBase):
    def test_create_read_translations(self):
        ev = self.event(title={"sv": "Vårspelet", "en": "The Spring Play"},
                        description={"sv": "En pjäs.", "en": "A play."},
                        language="sv", tags="teater, student")
        self.assertEqual((ev["title"], ev["status"], ev["slug"]),
                         ("Vårspelet", "draft", "varspelet"))
        self.assertEqual(ev["translations"]["title"],
                         {"sv": "Vårspelet", "en": "The Spring Play"})
        # A second event with the same title gets a slug of its own; a
        # title of digits alone never makes a slug that reads as an id.
        self.assertEqual(self.event(title="Vårspelet")["slug"], "varspelet-2")
        digits = self.event(title="2027")
        self.assertEqual(digits["slug"], "event-2027")
        self.assertEqual(self.call("GET", f"/api/events/{digits['id']}/",
                                   who="org1").json["slug"], "event-2027")
        # Drafts: their owner sees them, nobody else.
        self.assert_error(self.call("GET", f"/api/events/{ev['slug']}/"), 404,
                          "EVENT_NOT_FOUND")
        self.assert_error(self.call("GET", f"/api/events/{ev['slug']}/", who="org2"),
                          404, "EVENT_NOT_FOUND")
        self.ttype(ev, name="Ordinarie", price="150.00")
        self.publish(ev)
        r = self.call("GET", f"/api/events/{ev['slug']}/",
                      headers={"Accept-Language": "en-GB,en;q=0.9"})
        self.assertEqual((r.json["title"], r.json["description"]),
                         ("The Spring Play", "A play."))
        self.assertNotIn("translations", r.json)
        r = self.call("GET", f"/api/events/{ev['id']}/",
                      headers={"Accept-Language": "de"})
        self.assertEqual(r.json["title"], "Vårspelet")   # the default language
        self.assertEqual(r.json["base_price"], "150.00")
        self.assertEqual(r.json["ticket_types"][0]["price"], "150.00")
        self.assertEqual(r.json["status"], "published")

    def test_listing_follows_changes_at_once(self):
        """The public listing is cached per worker, never past a change."""
        ev = self.event(title={"sv": "Cachad", "en": "Cached"})
        self.ttype(ev, price=10)
        self.publish(ev)
        for _ in range(4):      # both workers, both languages
            sv = self.call("GET", "/api/events/?search=cach").json["results"]
            en = self.call("GET", "/api/events/?search=cach",
                           headers={"Accept-Language": "en"}).json["results"]
        self.assertEqual((sv[0]["title"], en[0]["title"]), ("Cachad", "Cached"))
        self.call("PATCH", f"/api/events/{ev['slug']}/",
                  {"title": {"sv": "Ändrad", "en": "Changed"}}, "org1")
        for _ in range(4):
            r = self.call("GET", "/api/events/?search=cach").json
            self.assertEqual(r["count"], 0, r)
            r = self.call("GET", "/api/events/?search=ndrad").json
            self.assertEqual([e["title"] for e in r["results"]], ["Ändrad"])

    def test_import_takes_texts_in_several_languages(self):
        _, events = self.import_doc({
            "ticket_types": [{"key": "t", "title": {"sv": "Ståplats", "en": "Standing"},
                              "price": 100}],
            "events": [{"key": "e", "title": {"en": "Gig", "sv": "Spelning"},
                        "description": {"sv": "Kväll."}, "language": "sv",
                        "event_at": "2031-03-01T19:00:00Z",
                        "sales_stop_at": "2031-03-01T18:00:00Z",
                        "total_seats": 10, "ticket_types": ["t"]}]})
        r = self.call("GET", f"/api/events/{events['e']}/",
                      headers={"Accept-Language": "en"})
        self.assertEqual((r.status, r.json["title"], r.json["slug"]),
                         (200, "Gig", "spelning"), r)
        self.assertEqual(r.json["description"], "Kväll.")
        self.assertEqual(r.json["ticket_types"][0]["name"], "Standing")
        self.assertEqual(r.json["base_price"], "100.00")
        r = self.call("GET", f"/api/events/{events['e']}/")
        self.assertEqual(r.json["ticket_types"][0]["name"], "Ståplats")
        # seed 002's listing shows the default language's text.
        listing = self.client().get("/get_chapterevents/").json
        self.assertIn("Spelning", [e["title"] for e in listing["chapter_events"]])

    def test_seated_event_through_the_event_api(self):
        body = {"name": "Salongen", "address": "Torget 1", "city": "Lund",
                "country": "SE", "capacity": 6, "sections": [
                    {"name": "Parkett", "rows": [{"label": "A", "count": 4}]},
                    {"name": "Loge", "rows": [{"label": "L", "count": 2}]}]}
        mine = self.call("POST", "/api/venues/", body, "org1")
        self.assertEqual(mine.status, 201, mine)
        theirs = self.call("POST", "/api/venues/", dict(body, name="Deras"), "org2")
        ev = self.event(title="Numrerat")
        self.ttype(ev, price=200, total_quantity=6)
        r = self.call("PATCH", f"/api/events/{ev['slug']}/",
                      {"venue": theirs.json["id"]}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "venue")
        r = self.call("PATCH", f"/api/events/{ev['slug']}/",
                      {"venue": mine.json["id"]}, "org1")
        self.assertEqual((r.status, r.json["venue"]), (200, mine.json["id"]), r)
        self.publish(ev)
        seats = self.call("GET", f"/api/events/{ev['slug']}/seats/").json
        self.assertEqual(seats["summary"]["total"], 6)
        self.assertEqual(seats["summary"]["available"], 6)
        self.assertEqual(sorted({s["section"] for s in seats["seats"]}),
                         ["Loge", "Parkett"])
        r = self.call("PATCH", f"/api/events/{ev['slug']}/", {"venue": None}, "org1")
        self.assertEqual((r.status, r.json["venue"]), (200, None), r)
        self.assertFalse(self.call("GET", f"/api/events/{ev['slug']}/seats/"
                                   ).json["seated"])

    def test_roles_and_owner_isolation(self):
        body = {"title": "X", "start_date": "2031-01-01T10:00:00Z",
                "total_capacity": 10}
        self.assert_error(self.call("POST", "/api/events/", body), 401,
                          "UNAUTHENTICATED")
        self.assert_error(self.call("POST", "/api/events/", body, "buyer"), 403,
                          "FORBIDDEN")
        self.assert_error(self.call("GET", "/api/events/my_events/", who="buyer"),
                          403, "FORBIDDEN")
        ev = self.event()
        path = f"/api/events/{ev['slug']}/"
        for method, p, b in (("PATCH", path, {"title": "Mine"}),
                             ("PUT", path, body), ("DELETE", path, None),
                             ("POST", path + "publish/", None),
                             ("POST", path + "cancel/", None)):
            self.assert_error(self.call(method, p, b, "org2"), 404,
                              "EVENT_NOT_FOUND")
        # Another organizer cannot hang ticket types on it either.
        r = self.call("POST", "/api/tickets/types/",
                      {"event": ev["slug"], "name": "Snyltare", "price": 1,
                       "total_quantity": 5}, "org2")
        self.assert_error(r, 400, "VALIDATION_ERROR", "event")
        tt = self.ttype(ev, price=100)
        self.assert_error(self.call("PATCH", f"/api/tickets/types/{tt['id']}/",
                                    {"price": 1}, "org2"), 404, "NOT_FOUND")
        self.assert_error(self.call("DELETE", f"/api/tickets/types/{tt['id']}/",
                                    who="org2"), 404, "NOT_FOUND")
        # An admin may act for anyone.
        r = self.call("PATCH", path, {"is_featured": True}, "admin")
        self.assertEqual((r.status, r.json["is_featured"]), (200, True), r)
        mine = self.call("GET", "/api/events/my_events/", who="org2").json
        self.assertNotIn(ev["id"], [e["id"] for e in mine["results"]])
        mine = self.call("GET", "/api/events/my_events/", who="org1").json
        self.assertIn(ev["id"], [e["id"] for e in mine["results"]])

    def test_validation(self):
        r = self.call("POST", "/api/events/", {"title": "", "total_capacity": 0,
                                               "is_free": "perhaps"}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR")
        self.assertEqual({"title", "total_capacity", "is_free"},
                         set(r.json["field_errors"]), r.json)
        r = self.call("POST", "/api/events/", {"venue_city": "Lund"}, "org1")
        self.assertEqual({"title", "start_date", "total_capacity"},
                         set(r.json["field_errors"]), r.json)
        r = self.call("POST", "/api/events/", {
            "title": "Sort", "start_date": "2031-01-02T10:00:00Z",
            "total_capacity": 5, "pricing_type": "weird"}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "pricing_type")
        r = self.call("POST", "/api/events/", {
            "title": "Baklänges", "start_date": "2031-01-02T10:00:00Z",
            "end_date": "2031-01-01T10:00:00Z", "total_capacity": 5}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "end_date")
        r = self.call("POST", "/api/events/", {
            "title": {"xx": "?"}, "start_date": "2031-01-02T10:00:00Z",
            "total_capacity": 5}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "title")
        r = self.call("POST", "/api/events/", {
            "title": "Valuta", "start_date": "2031-01-02T10:00:00Z",
            "total_capacity": 5, "currency": "XXX", "category": "nope"}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "currency")
        self.assertIn("category", r.json["field_errors"])
        # Nothing half written.
        self.assertEqual(self.query("SELECT count(*) AS n FROM events WHERE title"
                                    " IN ('Baklänges', 'Valuta')")[0]["n"], 0)
        # Publishing needs something to sell; the pricing type is fixed
        # once there are ticket types.
        ev = self.event(pricing_type="tiered")
        self.assert_error(self.call("POST", f"/api/events/{ev['slug']}/publish/",
                                    who="org1"), 409, "CONFLICT")
        self.ttype(ev, pricing_type="tiered")
        r = self.call("PATCH", f"/api/events/{ev['slug']}/",
                      {"pricing_type": "simple"}, "org1")
        self.assert_error(r, 409, "CONFLICT", "pricing_type")

    def test_delete_and_cancel(self):
        ev = self.event()
        self.ttype(ev, price=10)
        r = self.call("DELETE", f"/api/events/{ev['slug']}/", who="org1")
        self.assertEqual(r.status, 204, r)
        self.assertEqual(self.call("GET", f"/api/events/{ev['slug']}/",
                                   who="org1").status, 404)
        ev = self.event(title="Inställt")
        tt = self.ttype(ev, price=100, total_quantity=10)
        self.publish(ev)
        self.assertEqual(self.reserve(ev["id"], [(tt["id"], 2)]).status, 201)
        self.assert_error(self.call("DELETE", f"/api/events/{ev['slug']}/",
                                    who="org1"), 409, "IN_USE")
        r = self.call("POST", f"/api/events/{ev['slug']}/cancel/", who="org1")
        self.assertEqual((r.status, r.json["status"]), (200, "cancelled"), r)
        held = self.query("SELECT status FROM orders WHERE event_id = ?", ev["id"])
        self.assertEqual([o["status"] for o in held], ["cancelled"])
        self.assertEqual(self.reserve(ev["id"], [(tt["id"], 1)]).status, 403)
        # A cancelled event stays cancelled.
        self.assert_error(self.call("POST", f"/api/events/{ev['slug']}/publish/",
                                    who="org1"), 409, "CONFLICT")

    def test_audit_log(self):
        ev = self.event(title="Granskad")
        self.call("PATCH", f"/api/events/{ev['slug']}/", {"venue_city": "Malmö"},
                  "org1")
        log = self.call("GET", "/api/organizer/audit-log/?entity=event",
                        who="org1").json
        mine = [e for e in log["results"] if e["entity_id"] == ev["id"]]
        self.assertEqual([e["action"] for e in mine], ["update", "create"])
        self.assertEqual(mine[0]["before"]["venue_city"], "Lund")
        self.assertEqual(mine[0]["after"]["venue_city"], "Malmö")
        self.assertEqual(mine[0]["user"]["email"], "org1@example.com")
        other = self.call("GET", "/api/organizer/audit-log/", who="org2").json
        self.assertNotIn(ev["id"], [e["entity_id"] for e in other["results"]
                                    if e["entity"] == "event"])
        admin = self.call("GET", "/api/organizer/audit-log/", who="admin").json
        self.assertIn(ev["id"], [e["entity_id"] for e in admin["results"]])
        self.assert_error(self.call("GET", "/api/organizer/audit-log/", who="buyer"),
                          403, "FORBIDDEN")


def png(width=2, height=2, text=b"GPS 59.3N 18.0E", noise=False):
    """An RGB PNG with a tEXt chunk (what re-encoding must drop); noise
    makes its pixels incompressible, so the file is large."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    raw = b"".join(b"\0" + (os.urandom(3 * width) if noise else
                             b"\x80\x20\x10" * width) for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"tEXt", b"Comment\0" + text) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def multipart(name, data, filename="poster.png"):
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\";"
            f" filename=\"{filename}\"\r\nContent-Type: image/png\r\n\r\n").encode()
    body += data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


class Posters(CatalogueBase):
    def upload(self, slug, data, who="org1", name="poster_image"):
        body, ctype = multipart(name, data)
        return self.call("POST", f"/api/events/{slug}/poster/", raw=body,
                         content_type=ctype, who=who)

    def test_poster_is_reencoded_without_metadata(self):
        ev = self.event(title="Affisch")
        big = png(300, 300, noise=True)    # ~270 KB: above every other body's 64k
        self.assertGreater(len(big), 200000)
        r = self.upload(ev["slug"], big)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.client().get(r.json["thumbnail_image"]).status, 200)
        r = self.upload(ev["slug"], png())
        self.assertEqual(r.status, 200, r)
        path = r.json["thumbnail_image"]
        self.assertRegex(path, r"^/media/posters/[0-9a-f]{2}/[0-9a-f]{64}\.png$")
        self.assertEqual(r.json["banner_image"], path)
        served = self.client().get(path)
        self.assertEqual(served.status, 200, served)
        self.assertTrue(served.body.startswith(b"\x89PNG"))
        self.assertNotIn(b"tEXt", served.body)
        self.assertNotIn(b"GPS", served.body)
        log = self.call("GET", "/api/organizer/audit-log/?entity=event", who="org1").json
        self.assertIn("poster", [e["action"] for e in log["results"]])
        self.assertEqual(self.call("DELETE", f"/api/events/{ev['slug']}/poster/",
                                   who="org1").status, 204)
        self.assertIsNone(self.call("GET", f"/api/events/{ev['slug']}/",
                                    who="org1").json["thumbnail_image"])

    def test_refusals(self):
        ev = self.event(title="Vägrad")
        self.assert_error(self.upload(ev["slug"], b"GIF89a" + b"\0" * 40), 415,
                          "UNSUPPORTED_MEDIA_TYPE")
        self.assert_error(self.upload(ev["slug"], b"<svg xmlns='x'/>"), 415,
                          "UNSUPPORTED_MEDIA_TYPE")
        self.assert_error(self.upload(ev["slug"], png()[:40]), 400,
                          "VALIDATION_ERROR", "poster_image")
        self.assert_error(self.upload(ev["slug"], png(), name="other"), 400,
                          "VALIDATION_ERROR", "poster_image")
        self.assert_error(self.upload(ev["slug"], png(5000, 1)), 400,
                          "VALIDATION_ERROR", "poster_image")
        self.assert_error(self.upload(ev["slug"], png(), who="org2"), 404,
                          "EVENT_NOT_FOUND")
        self.assert_error(self.upload(ev["slug"], png(), who="buyer"), 403,
                          "FORBIDDEN")
        r = self.call("POST", f"/api/events/{ev['slug']}/poster/",
                      {"poster_image": "x"}, "org1")
        self.assert_error(r, 415, "UNSUPPORTED_MEDIA_TYPE")
        r = self.upload(ev["slug"], b"\xff\xd8\xff" + b"\0" * (7 * 1024 * 1024))
        self.assertEqual(r.status, 413, r)


class Listing(CatalogueBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = lambda m, p, b=None, who="admin": cls.client_call(m, p, b, who)
        assert c("POST", "/api/events/categories/", {
            "name": {"sv": "Musik", "en": "Music"}, "icon": "🎵"}).status == 201
        cls.made = {}
        specs = [
            ("jazz", dict(title="Jazz i parken", category="musik", venue_city="Lund",
                          tags="jazz,utomhus", start_date="2031-06-01T18:00:00Z",
                          end_date="2031-06-01T22:00:00Z"), 250),
            ("rock", dict(title={"sv": "Rockkväll", "en": "Rock night"},
                          category="musik", venue_city="Malmö", is_featured=True,
                          start_date="2031-07-01T18:00:00Z",
                          end_date="2031-07-01T23:00:00Z"), 400),
            ("gratis", dict(title="Öppet hus", is_free=True, venue_city="lund",
                            start_date="2031-08-01T10:00:00Z",
                            end_date="2031-08-01T16:00:00Z"), 0),
        ]
        for key, fields, price in specs:
            body = {"total_capacity": 50, "venue_name": "Scen",
                    "max_held_per_client": 100000}
            body.update(fields)
            r = c("POST", "/api/events/", body, "org1")
            assert r.status == 201, r
            ev = r.json
            r = c("POST", "/api/tickets/types/", {
                "event": ev["slug"], "name": "Biljett", "price": price,
                "total_quantity": 50}, "org1")
            assert r.status == 201, r
            assert c("POST", f"/api/events/{ev['slug']}/publish/", None,
                     "org1").status == 200
            cls.made[key] = ev["id"]
        r = c("POST", "/api/events/", {"title": "Utkast", "total_capacity": 5,
                                        "start_date": "2031-06-15T18:00:00Z"}, "org1")
        cls.made["draft"] = r.json["id"]

    @classmethod
    def client_call(cls, method, path, body, who):
        from support import Client
        key = who if who == "admin" else f"{who}@example.com"
        return Client(cls.stack.base_url).request(
            method, path, body=body,
            headers={"Authorization": f"Bearer {cls.tokens[key]}"})

    def ids(self, query, path="/api/events/"):
        r = self.call("GET", path + query)
        self.assertEqual(r.status, 200, r)
        return [self.name_of(e["id"]) for e in r.json["results"]]

    def name_of(self, id_):
        return next(k for k, v in self.made.items() if v == id_)

    def test_filters(self):
        self.assertEqual(self.ids(""), ["jazz", "rock", "gratis"])
        self.assertEqual(self.ids("?category=musik"), ["jazz", "rock"])
        cat = self.call("GET", "/api/events/categories/musik/").json["id"]
        self.assertEqual(self.ids(f"?category={cat}"), ["jazz", "rock"])
        self.assertEqual(self.ids("?category=nothing"), [])
        self.assertEqual(self.ids("?is_free=true"), ["gratis"])
        self.assertEqual(self.ids("?is_featured=true"), ["rock"])
        self.assertEqual(self.ids("?venue_city=LUND"), ["jazz", "gratis"])
        self.assertEqual(self.ids("?pricing_type=simple"), ["jazz", "rock", "gratis"])
        self.assertEqual(self.ids("?pricing_type=tiered"), [])
        self.assertEqual(self.ids("?search=utomhus"), ["jazz"])     # tags
        self.assertEqual(self.ids("?search=ROCK%20NIGHT"), ["rock"])  # a translation
        self.assertEqual(self.ids("?search=scen"), ["jazz", "rock", "gratis"])
        self.assertEqual(self.ids("?start_date_after=2031-06-15"), ["rock", "gratis"])
        self.assertEqual(self.ids("?start_date_before=2031-07-01T18:00:00Z"), ["jazz"])
        self.assertEqual(self.ids("?min_price=200&max_price=300"), ["jazz"])
        self.assertEqual(self.ids("?ordering=-base_price"), ["rock", "jazz", "gratis"])
        self.assertEqual(self.ids("?ordering=-start_date&page_size=2"), ["gratis", "rock"])
        self.assertEqual(self.ids("", "/api/events/featured/"), ["rock"])
        self.assertEqual(self.ids("?search=park", "/api/events/search/"), ["jazz"])
        self.assertEqual(self.ids("", "/api/events/upcoming/"), ["jazz", "rock", "gratis"])
        self.assertEqual(self.ids("?status=draft"), [])
        r = self.call("GET", "/api/events/my_events/?status=draft", who="org1")
        self.assertEqual([e["id"] for e in r.json["results"]], [self.made["draft"]])

    def test_categories(self):
        r = self.call("GET", "/api/events/categories/",
                      headers={"Accept-Language": "en"})
        self.assertEqual([(c["slug"], c["name"], c["events_count"]) for c in r.json],
                         [("musik", "Music", 2)])
        self.assert_error(self.call("POST", "/api/events/categories/",
                                    {"name": "Teater"}, "org1"), 403, "FORBIDDEN")
        self.assert_error(self.call("POST", "/api/events/categories/", {}, "admin"),
                          400, "VALIDATION_ERROR", "name")
        r = self.call("POST", "/api/events/categories/", {"name": "Teater"}, "admin")
        self.assertEqual((r.status, r.json["slug"]), (201, "teater"), r)
        self.assert_error(self.call("POST", "/api/events/categories/",
                                    {"name": "Teater 2", "slug": "teater"}, "admin"),
                          409, "CONFLICT", "slug")
        r = self.call("PATCH", "/api/events/categories/teater/",
                      {"is_active": False}, "admin")
        self.assertEqual((r.status, r.json["is_active"]), (200, False))
        self.assertEqual([c["slug"] for c in self.call(
            "GET", "/api/events/categories/").json], ["musik"])
        self.assert_error(self.call("GET", "/api/events/categories/teater/"), 404,
                          "NOT_FOUND")
        self.assertEqual(self.call("DELETE", "/api/events/categories/teater/",
                                   who="admin").status, 204)
        self.assert_error(self.call("DELETE", "/api/events/categories/teater/",
                                    who="admin"), 404, "NOT_FOUND")


class PricingKinds(CatalogueBase):
    def test_ticket_type_rules(self):
        ev = self.event(pricing_type="tiered")
        r = self.call("POST", "/api/tickets/types/", {
            "event": ev["slug"], "name": "Fel", "pricing_type": "simple",
            "total_quantity": 5}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "pricing_type")
        r = self.call("POST", "/api/tickets/types/", {"event": ev["slug"]}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "name")
        self.assertIn("total_quantity", r.json["field_errors"])
        simple = self.event()
        r = self.call("POST", "/api/tickets/types/", {
            "event": simple["slug"], "name": "Utan pris", "total_quantity": 5}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "price")
        r = self.call("POST", "/api/tickets/types/", {
            "event": simple["slug"], "name": "Min>max", "price": 10,
            "total_quantity": 5, "min_purchase": 4, "max_purchase": 2}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "min_purchase")
        tt = self.ttype(ev, name="Festival", pricing_type="tiered")
        self.assertIsNone(tt["price"])
        r = self.call("POST", "/api/tickets/types/", {
            "event": ev["slug"], "name": "Festival", "total_quantity": 5}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "name")
        vip = self.variant("tiers", ticket_type=tt["id"], tier_number=1, name="VIP",
                           price=150.5, quantity=5)
        self.assertEqual(vip["price"], "150.50")
        r = self.call("POST", "/api/tickets/tiers/", {
            "ticket_type": tt["id"], "tier_number": 1, "name": "Igen", "price": 1,
            "quantity": 1}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "tier_number")
        # A day pass does not go on a tiered type.
        r = self.call("POST", "/api/tickets/day-passes/", {
            "ticket_type": tt["id"], "day_number": 1, "name": "Dag 1", "price": 1,
            "quantity": 1}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "ticket_type")
        r = self.call("POST", "/api/tickets/tiers/", {
            "ticket_type": tt["id"], "tier_number": 2, "name": "Billig",
            "price": "1.234", "quantity": 1}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "price")
        cheap = self.variant("tiers", ticket_type=tt["id"], tier_number=3,
                             name="Borttagen", price=10, quantity=5)
        self.assertEqual(self.call("DELETE", f"/api/tickets/tiers/{cheap['id']}/",
                                   who="org1").status, 204)
        self.assertEqual(self.call("GET", f"/api/tickets/tiers/{cheap['id']}/",
                                   who="org1").status, 404)
        gone = self.ttype(ev, name="Tillfällig", pricing_type="tiered")
        self.variant("tiers", ticket_type=gone["id"], tier_number=1, name="A",
                     price=1, quantity=1)
        self.assertEqual(self.call("DELETE", f"/api/tickets/types/{gone['id']}/",
                                   who="org1").status, 204)
        self.assertEqual(self.query("SELECT count(*) AS n FROM ticket_types WHERE"
                                    " parent_id = ?", gone["id"])[0]["n"], 0)
        detail = self.call("GET", f"/api/tickets/types/{tt['id']}/", who="org1").json
        self.assertEqual([t["name"] for t in detail["tiers"]], ["VIP"])
        self.assertEqual(detail["min_price"], "150.50")
        r = self.call("GET", f"/api/tickets/tiers/?ticket_type={tt['id']}", who="org1")
        self.assertEqual([t["id"] for t in r.json["results"]], [vip["id"]])
        # Unpublished: the public sees nothing of it.
        self.assert_error(self.call("GET", f"/api/tickets/tiers/{vip['id']}/"), 404,
                          "NOT_FOUND")
        self.assertEqual(self.call("GET", f"/api/tickets/tiers/?ticket_type={tt['id']}"
                                   ).json["count"], 0)

    def test_tier_and_day_matrix(self):
        ev = self.event(pricing_type="tier_and_day", title="Matrisfest")
        tt = self.ttype(ev, name="Pass", pricing_type="tier_and_day")
        for day in (2, 1):
            for tier, (tname, price) in ((2, ("Allmän", 100)), (1, ("VIP", 200))):
                self.variant("day-tier-prices", ticket_type=tt["id"], day_number=day,
                             day_name=f"Dag {day}", date=f"2031-05-0{day}",
                             tier_number=tier, tier_name=tname, price=price,
                             quantity=10)
        r = self.call("POST", "/api/tickets/day-tier-prices/", {
            "ticket_type": tt["id"], "day_number": 1, "day_name": "Dag 1",
            "tier_number": 1, "tier_name": "VIP", "price": 1, "quantity": 1}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "day_number")
        self.publish(ev)
        m = self.call("GET", f"/api/tickets/day-tier-prices/matrix/?ticket_type={tt['id']}")
        self.assertEqual(m.status, 200, m)
        m = m.json
        self.assertEqual(m["ticket_type"], tt["id"])
        self.assertEqual([d["number"] for d in m["days"]], [1, 2])
        self.assertEqual([(t["number"], t["name"]) for t in m["tiers"]],
                         [(1, "VIP"), (2, "Allmän")])
        self.assertEqual(m["matrix"]["1"]["1"]["price"], "200.00")
        self.assertEqual(m["matrix"]["2"]["2"]["price"], "100.00")
        self.assertEqual(m["matrix"]["2"]["1"]["tier_name"], "VIP")
        r = self.call("GET", f"/api/tickets/day-tier-prices/?ticket_type={tt['id']}"
                             "&day_number=2&ordering=-price")
        self.assertEqual([c["price"] for c in r.json["results"]], ["200.00", "100.00"])
        self.assert_error(self.call("GET", "/api/tickets/day-tier-prices/matrix/"),
                          400, "VALIDATION_ERROR", "ticket_type")
        # The seed-002 reservation sells a cell like any ticket type.
        cell = m["matrix"]["1"]["2"]["id"]
        self.assertEqual(self.reserve(ev["id"], [(cell, 2)]).status, 201)
        r = self.call("GET", f"/api/tickets/day-tier-prices/{cell}/")
        self.assertEqual(r.json["available_quantity"], 8)

    def test_matrix_with_an_all_days_pass_per_tier(self):
        ev = self.event(pricing_type="tier_and_day", title="Helgfest")
        tt = self.ttype(ev, name="Pass", pricing_type="tier_and_day")
        cells = {}
        for day in (1, 2):
            for tier, places in ((1, 2), (2, 5)):
                cells[day, tier] = self.variant(
                    "day-tier-prices", ticket_type=tt["id"], day_number=day,
                    day_name=f"Dag {day}", tier_number=tier,
                    tier_name="VIP" if tier == 1 else "Allmän", price=100 * tier,
                    quantity=places)["id"]
        r = self.call("POST", "/api/tickets/day-passes/", {
            "ticket_type": tt["id"], "name": "Hela helgen", "price": 250,
            "quantity": 10, "is_all_days": True}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "tier_number")
        r = self.call("POST", "/api/tickets/day-passes/", {
            "ticket_type": tt["id"], "day_number": 1, "name": "Dag 1", "price": 1,
            "quantity": 1}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "ticket_type")
        vip_all = self.variant("day-passes", ticket_type=tt["id"], name="Helg VIP",
                               price=350, quantity=10, is_all_days=True,
                               tier_number=1)["id"]
        self.publish(ev)
        m = self.call("GET", f"/api/tickets/day-tier-prices/matrix/?ticket_type={tt['id']}").json
        self.assertEqual([(p["id"], p["tier_number"]) for p in m["all_days"]],
                         [(vip_all, 1)])
        self.assertEqual(m["all_days"][0]["available_quantity"], 2)
        # One VIP place taken on day 2 leaves one all-days VIP pass.
        self.assertEqual(self.reserve(ev["id"], [(cells[2, 1], 1)]).status, 201)
        self.assertEqual(self.call("GET", f"/api/tickets/day-passes/{vip_all}/"
                                   ).json["available_quantity"], 1)
        self.assertEqual(self.reserve(ev["id"], [(vip_all, 1)]).status, 201)
        self.assertEqual(self.call("GET", f"/api/tickets/day-tier-prices/{cells[1, 1]}/"
                                   ).json["available_quantity"], 1)
        r = self.reserve(ev["id"], [(vip_all, 1)])
        self.assertEqual((r.status, r.json["error"]), (403, "OutOfTickets"))
        # The other tier is untouched.
        self.assertEqual(self.call("GET", f"/api/tickets/day-tier-prices/{cells[1, 2]}/"
                                   ).json["available_quantity"], 5)

    def test_sales_window_and_purchase_limits(self):
        ev = self.event()
        later = self.ttype(ev, name="Senare", price=10,
                           sales_start="2030-01-01T00:00:00Z")
        over = self.ttype(ev, name="Över", price=10, sales_end="2020-01-01T00:00:00Z")
        group = self.ttype(ev, name="Grupp", price=10, min_purchase=3, max_purchase=5)
        off = self.ttype(ev, name="Av", price=10, is_active=False)
        self.publish(ev)
        r = self.reserve(ev["id"], [(later["id"], 1)])
        self.assertEqual((r.status, r.json), (403, "SalesNotStarted"))
        r = self.reserve(ev["id"], [(over["id"], 1)])
        self.assertEqual((r.status, r.json), (403, "SalesStopped"))
        self.assertEqual(self.reserve(ev["id"], [(group["id"], 2)]).status, 400)
        self.assertEqual(self.reserve(ev["id"], [(group["id"], 6)]).status, 403)
        self.assertEqual(self.reserve(ev["id"], [(off["id"], 1)]).status, 404)
        self.assertEqual(self.reserve(ev["id"], [(group["id"], 3)]).status, 201)
        r = self.call("GET", f"/api/tickets/types/available/")
        names = [t["name"] for t in r.json]
        self.assertIn("Grupp", names)
        for gone in ("Senare", "Över", "Av"):
            self.assertNotIn(gone, names)
        r = self.call("GET", f"/api/tickets/types/by_event/?event_id={ev['slug']}")
        self.assertEqual(sorted(t["name"] for t in r.json), ["Grupp", "Senare", "Över"])
        self.assert_error(self.call("GET", "/api/tickets/types/by_event/"), 400,
                          "VALIDATION_ERROR", "event_id")


class DayQuotas(CatalogueBase):
    """Day passes and all-days passes share each day's places."""

    def festival(self, day_places, all_days_places, title):
        ev = self.event(pricing_type="day_based", title=title, total_capacity=1000)
        tt = self.ttype(ev, name="Pass", pricing_type="day_based", total_quantity=1000)
        days = [self.variant("day-passes", ticket_type=tt["id"], day_number=d,
                             name=f"Dag {d}", price=300, quantity=n)["id"]
                for d, n in enumerate(day_places, 1)]
        alld = self.variant("day-passes", ticket_type=tt["id"], name="Alla dagar",
                            price=500, quantity=all_days_places, is_all_days=True)["id"]
        self.publish(ev)
        return ev, tt, days, alld

    def available(self, variant):
        return self.call("GET", f"/api/tickets/day-passes/{variant}/").json[
            "available_quantity"]

    def test_all_days_pass_takes_a_place_each_day(self):
        ev, tt, (d1, d2), alld = self.festival((5, 3), 10, "Tvådagars")
        self.assertEqual(self.available(alld), 3)
        self.assertEqual(self.reserve(ev["id"], [(alld, 2)]).status, 201)
        self.assertEqual((self.available(d1), self.available(d2),
                          self.available(alld)), (3, 1, 1))
        # Day 2 sells out: every all-days pass with it.
        self.assertEqual(self.reserve(ev["id"], [(d2, 1)]).status, 201)
        self.assertEqual(self.available(alld), 0)
        r = self.reserve(ev["id"], [(alld, 1)])
        self.assertEqual((r.status, r.json["error"]), (403, "OutOfTickets"))
        self.assertEqual(self.reserve(ev["id"], [(d1, 3)]).status, 201)
        # Quantities cannot drop below what is held.
        r = self.call("PATCH", f"/api/tickets/day-passes/{d1}/", {"quantity": 2}, "org1")
        self.assert_error(r, 409, "CONFLICT", "quantity")
        r = self.call("PATCH", f"/api/tickets/day-passes/{d1}/", {"quantity": 9}, "org1")
        self.assertEqual((r.status, r.json["available_quantity"]), (200, 4), r)
        self.assert_error(self.call("DELETE", f"/api/tickets/day-passes/{d1}/",
                                    who="org1"), 409, "IN_USE")

    def test_200_buyers_never_pass_a_day(self):
        ev, tt, days, alld = self.festival((40, 30, 50), 100, "Rusning")
        choices = [(days[0], 1), (days[1], 1), (days[2], 1), (alld, 1), (alld, 2)]
        results = all_at_once(200, lambda i: self.reserve(
            ev["id"], [choices[i % len(choices)]]))
        self.assertEqual({r.status for r in results} - {201, 403}, set(),
                         [r for r in results if r.status not in (201, 403)][:3])
        held = {d: 0 for d in days}
        for r, (variant, n) in zip(results, (choices[i % 5] for i in range(200))):
            if r.status != 201:
                continue
            for d in days:
                if variant in (d, alld):
                    held[d] += n
        self.assertLessEqual(held[days[0]], 40)
        self.assertLessEqual(held[days[1]], 30)
        self.assertLessEqual(held[days[2]], 50)
        self.assertEqual(held[days[1]], 30, held)      # the tightest day sold out
        rows = self.query("SELECT q.size, q.used FROM quotas q WHERE q.event_id = ?",
                          ev["id"])
        for row in rows:
            self.assertLessEqual(row["used"], row["size"])
        # The counters agree with the orders themselves.
        for d, size in zip(days, (40, 30, 50)):
            n = self.query(
                "SELECT coalesce(sum(l.count), 0) AS n FROM order_lines l JOIN orders o"
                " ON o.id = l.order_id WHERE o.status = 'reserved' AND"
                " l.ticket_type_id IN (?, ?)", d, alld)[0]["n"]
            self.assertEqual(n, held[d])

    def test_control_without_the_transaction_oversells(self):
        """The same check-then-write, done naively outside one write
        transaction, oversells: the race the reservation closes is real."""
        path = self.stack.db_path
        conn = sqlite3.connect(path, timeout=10)
        conn.execute("CREATE TABLE IF NOT EXISTS control_quota (size INT, used INT)")
        conn.execute("DELETE FROM control_quota")
        conn.execute("INSERT INTO control_quota VALUES (10, 0)")
        conn.commit()
        conn.close()

        def naive(_):
            c = sqlite3.connect(path, timeout=30, isolation_level=None)
            size, used = c.execute("SELECT size, used FROM control_quota").fetchone()
            time.sleep(0.05)    # the window between reading and writing
            sold = 0
            if used < size:
                c.execute("UPDATE control_quota SET used = ?", (used + 1,))
                c.execute("INSERT INTO control_sales VALUES (1)")
                sold = 1
            c.close()
            return sold

        conn = sqlite3.connect(path, timeout=10)
        conn.execute("CREATE TABLE IF NOT EXISTS control_sales (n INT)")
        conn.commit()
        conn.close()
        sold = sum(all_at_once(40, naive))
        self.assertGreater(sold, 10, "the naive control should oversell")


class CheckoutSettings(CatalogueBase):
    """An event's hold time (order_hold_minutes, stored as
    events.reservation_seconds) and the providers checkout offers
    (payment_providers), through the event API and at checkout."""

    def stored(self, event_id):
        return tuple(self.query("SELECT reservation_seconds, payment_providers"
                                " FROM events WHERE id = ?", event_id)[0])

    def test_set_on_create_and_patch_read_back_and_audited(self):
        ev = self.event(title="Hålltid", order_hold_minutes=30,
                        payment_providers=["stripe", "swish"])
        self.assertEqual((ev["order_hold_minutes"], ev["payment_providers"]),
                         (30, ["stripe", "swish"]), ev)
        self.assertEqual(self.stored(ev["id"]), (1800, "stripe,swish"))
        path = f"/api/events/{ev['slug']}/"
        r = self.call("PATCH", path, {"order_hold_minutes": 5}, "org1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["order_hold_minutes"], r.json["payment_providers"]),
                         (5, ["stripe", "swish"]), r.json)
        r = self.call("PATCH", path, {"payment_providers": ["swish"]}, "org1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.stored(ev["id"]), (300, "swish"))
        got = self.call("GET", path, who="org1").json
        self.assertEqual((got["order_hold_minutes"], got["payment_providers"]),
                         (5, ["swish"]), got)
        # The audit log has each change, before and after.
        log = self.call("GET", "/api/organizer/audit-log/?entity=event",
                        who="org1").json
        mine = [e for e in log["results"] if e["entity_id"] == ev["id"]]
        self.assertEqual([e["action"] for e in mine], ["update", "update", "create"])
        self.assertEqual((mine[0]["before"]["payment_providers"],
                          mine[0]["after"]["payment_providers"]),
                         (["stripe", "swish"], ["swish"]))
        self.assertEqual((mine[1]["before"]["order_hold_minutes"],
                          mine[1]["after"]["order_hold_minutes"]), (30, 5))
        # The public sees the providers (checkout needs them), not the hold.
        self.ttype(ev, price="100.00")
        self.publish(ev)
        pub = self.call("GET", path).json
        self.assertEqual(pub["payment_providers"], ["swish"])
        self.assertNotIn("order_hold_minutes", pub)
        # Defaults: 15 minutes, both providers; null puts them back.
        other = self.event(title="Standard")
        self.assertEqual((other["order_hold_minutes"], other["payment_providers"]),
                         (15, ["swish", "stripe"]), other)
        self.assertEqual(self.stored(other["id"]), (900, "swish,stripe"))
        r = self.call("PATCH", path, {"order_hold_minutes": None,
                                      "payment_providers": None}, "org1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.stored(ev["id"]), (900, "swish,stripe"))

    def test_bad_values_are_refused_and_nothing_written(self):
        base = {"title": "Felaktig", "start_date": "2031-01-02T10:00:00Z",
                "total_capacity": 5}
        for field, value in (("order_hold_minutes", 4),
                             ("order_hold_minutes", 121),
                             ("order_hold_minutes", "kvart"),
                             ("payment_providers", ["paypal"]),
                             ("payment_providers", ["swish", "swish"]),
                             ("payment_providers", []),
                             ("payment_providers", "swish"),
                             ("payment_providers", [1]),
                             ("payment_providers", ["swish", "stripe", "swish"])):
            # Not subTest: tests/run.py counts whole tests only.
            r = self.call("POST", "/api/events/", {**base, field: value}, "org1")
            self.assert_error(r, 400, "VALIDATION_ERROR", field)
        self.assertEqual(self.query("SELECT count(*) AS n FROM events WHERE"
                                    " title = 'Felaktig'")[0]["n"], 0)
        # The bounds themselves are fine.
        for minutes in (5, 120):
            ev = self.event(order_hold_minutes=minutes)
            self.assertEqual(self.stored(ev["id"])[0], minutes * 60)
        # A free event may offer no provider, until it stops being free.
        free = self.event(title="Gratis", is_free=True, payment_providers=[])
        self.assertEqual((free["payment_providers"], self.stored(free["id"])[1]),
                         ([], ""))
        path = f"/api/events/{free['slug']}/"
        r = self.call("PATCH", path, {"is_free": False}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "payment_providers")
        r = self.call("PATCH", path, {"order_hold_minutes": 200}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "order_hold_minutes")
        self.assertEqual(self.stored(free["id"]), (900, ""))
        r = self.call("PATCH", path, {"is_free": False,
                                      "payment_providers": ["stripe"]}, "org1")
        self.assertEqual((r.status, r.json["payment_providers"]), (200, ["stripe"]), r)

    def order(self, ev, tt):
        r = self.call("POST", "/api/orders/", {
            "event": ev["slug"],
            "items": [{"ticket_type_id": tt["id"], "quantity": 1}]}, "buyer")
        self.assertEqual(r.status, 201, r)
        return r.json

    def on_sale(self, **fields):
        ev = self.event(title=f"Kassa {uuid.uuid4().hex[:8]}", **fields)
        tt = self.ttype(ev, price="100.00", total_quantity=10)
        self.publish(ev)
        return ev, tt

    def test_checkout_follows_the_settings(self):
        # An order holds its places for the event's hold time.
        ev, tt = self.on_sale(order_hold_minutes=5)
        o = self.order(ev, tt)
        row = self.query("SELECT expires_at - created_at AS hold FROM orders"
                         " WHERE uid = ?", o["uid"])[0]
        self.assertEqual(row["hold"], 300)
        # Changed later, it holds for the new time.
        r = self.call("PATCH", f"/api/events/{ev['slug']}/",
                      {"order_hold_minutes": 45}, "org1")
        self.assertEqual(r.status, 200, r)
        o = self.order(ev, tt)
        row = self.query("SELECT expires_at - created_at AS hold FROM orders"
                         " WHERE uid = ?", o["uid"])[0]
        self.assertEqual(row["hold"], 2700)
        # Cards only where the event takes them.
        ev, tt = self.on_sale(payment_providers=["swish"])
        o = self.order(ev, tt)
        r = self.call("POST", f"/api/orders/{o['uid']}/create-payment-intent/",
                      {}, "buyer")
        self.assert_error(r, 422, "PAYMENT_METHOD_UNAVAILABLE")
        ev, tt = self.on_sale(payment_providers=["stripe"])
        o = self.order(ev, tt)
        r = self.call("POST", f"/api/orders/{o['uid']}/create-payment-intent/",
                      {}, "buyer")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["payment_intent"]["payment_intent_id"], r.json)
