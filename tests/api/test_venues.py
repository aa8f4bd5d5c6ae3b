"""Venues and seat maps under /api/venues/ (program venues), and a seated
event's seats under /api/events/{slug}/seats/, over the real stack:
CRUD with each organizer kept to their own venues (404 for another's),
admins acting for anyone, 401/403 for the roles, every bad field at
once in seed 004's error shape (nested seat-map fields named from the
top), DRF pagination, the seats listing with its statuses and counts,
and map edits that keep seat ids but never drop a seat that is sold.

The event API that attaches a venue to an event is not served yet, so
the tests seat an event the way lib/venue.c does, by plain SQL, and
arrange seat states directly, as other tests arrange time."""
import datetime
import json
import os
import time

from support import Client, StackTest, iso, now

MAP = [
    {"name": "Parkett", "category": "Standard", "rows": [
        {"label": "A", "count": 4},
        {"label": "B", "seats": [{"number": "1"}, {"number": "3"},
                                 {"number": "5", "category": "Loge"}]}]},
    {"name": "Balkong", "rows": [{"label": "C", "count": 2, "first": 10}]},
]


def venue(name="Aulan", **kw):
    body = {"name": name, "address": "Sandgatan 2", "city": "Lund",
            "country": "SE", "capacity": 120, "sections": MAP}
    body.update(kw)
    return body


def seat_ids(doc):
    """{(section, row, number): id} of a venue document's map."""
    return {(s["name"], r["label"], seat["number"]): seat["id"]
            for s in doc["sections"] for r in s["rows"] for seat in r["seats"]}


class Venues(StackTest):
    programs = ("catalog", "auth", "venues")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tokens = {}
        cls.ids = {}
        for email, role in (("org1@example.com", "organizer"),
                            ("org2@example.com", "organizer"),
                            ("buyer@example.com", "customer")):
            out = cls.stack.biljett("create-user", email, role)
            cls.login(email, out.strip().rsplit(" ", 1)[1])
        out = cls.stack.biljett("create-admin", "admin@example.com")
        cls.login("admin@example.com", out.strip().rsplit(" ", 1)[1])

    @classmethod
    def login(cls, email, password):
        r = Client(cls.stack.base_url).post("/api/auth/login",
                                            {"email": email, "password": password})
        assert r.status == 200, r
        name = email.split("@")[0]
        cls.tokens[name] = r.json["access_token"]
        with cls.db(cls) as conn:
            cls.ids[name] = conn.execute("SELECT id FROM users WHERE email = ?",
                                         (email,)).fetchone()[0]

    def auth(self, who):
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def create(self, who="org1", **kw):
        r = self.client().post("/api/venues/", venue(**kw), headers=self.auth(who))
        self.assertEqual(r.status, 201, r)
        return r.json

    def assert_error(self, r, status, code):
        self.assertEqual((r.status, r.json["code"]), (status, code), r)
        self.assertEqual(set(r.json), {"error", "detail", "field_errors", "code"})

    # -- CRUD and owners --------------------------------------------------

    def test_create_read_update_delete(self):
        v = self.create(name="Stora salen")
        self.assertEqual(v["organizer_id"], self.ids["org1"])
        self.assertEqual((v["name"], v["city"], v["country"], v["capacity"]),
                         ("Stora salen", "Lund", "SE", 120))
        self.assertEqual(v["seat_count"], 9)
        self.assertEqual([s["name"] for s in v["sections"]], ["Parkett", "Balkong"])
        parkett = v["sections"][0]["rows"]
        self.assertEqual([s["number"] for s in parkett[0]["seats"]], ["1", "2", "3", "4"])
        self.assertEqual([s["category"] for s in parkett[1]["seats"]],
                         ["Standard", "Standard", "Loge"])
        self.assertEqual([s["number"] for s in v["sections"][1]["rows"][0]["seats"]],
                         ["10", "11"])
        ids = seat_ids(v)

        # Anyone reads it, with or without the trailing slash.
        for path in (f"/api/venues/{v['id']}/", f"/api/venues/{v['id']}"):
            r = self.client().get(path)
            self.assertEqual((r.status, r.json), (200, v))

        # PATCH changes what it names; the map and its ids stay.
        r = self.client().request("PATCH", f"/api/venues/{v['id']}/",
                                  body={"name": "Lilla salen"}, headers=self.auth("org1"))
        self.assertEqual((r.status, r.json["name"]), (200, "Lilla salen"), r)
        self.assertEqual(seat_ids(r.json), ids)

        # PUT with an edited map: kept seats keep their ids.
        new_map = [dict(MAP[0], rows=[MAP[0]["rows"][0]])]
        r = self.client().put(f"/api/venues/{v['id']}/",
                              venue(name="Lilla salen", sections=new_map, capacity=4),
                              headers=self.auth("org1"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["seat_count"], 4)
        self.assertEqual(seat_ids(r.json),
                         {k: i for k, i in ids.items() if k[1] == "A"})

        # The round trip: the document's map goes back in unchanged.
        doc = r.json
        r = self.client().put(f"/api/venues/{v['id']}/",
                              {k: doc[k] for k in ("name", "address", "city", "country",
                                                   "capacity", "sections")},
                              headers=self.auth("org1"))
        self.assertEqual((r.status, seat_ids(r.json)), (200, seat_ids(doc)), r)

        r = self.client().request("DELETE", f"/api/venues/{v['id']}/",
                                  headers=self.auth("org1"))
        self.assertEqual((r.status, r.body), (204, b""))
        self.assert_error(self.client().get(f"/api/venues/{v['id']}/"), 404,
                          "VENUE_NOT_FOUND")
        self.assertEqual(self.query("SELECT count(*) FROM seats WHERE venue_id = ?",
                                    v["id"])[0][0], 0)

    def test_another_organizers_venue_is_not_found(self):
        v = self.create(name="Org1s lokal")
        path = f"/api/venues/{v['id']}/"
        for method, body in (("PUT", venue()), ("PATCH", {"name": "Min nu"}),
                             ("DELETE", None)):
            r = self.client().request(method, path, body=body, headers=self.auth("org2"))
            self.assert_error(r, 404, "VENUE_NOT_FOUND")
        self.assertEqual(self.client().get(path).json["name"], "Org1s lokal")
        # An admin may act for anyone.
        r = self.client().request("PATCH", path, body={"capacity": 200},
                                  headers=self.auth("admin"))
        self.assertEqual((r.status, r.json["capacity"]), (200, 200), r)
        self.assertEqual(r.json["organizer_id"], self.ids["org1"])
        # An admin creates for an organizer; an organizer only for themselves.
        r = self.client().post("/api/venues/", venue(organizer_id=self.ids["org2"]),
                               headers=self.auth("admin"))
        self.assertEqual((r.status, r.json["organizer_id"]), (201, self.ids["org2"]), r)
        r = self.client().post("/api/venues/", venue(organizer_id=self.ids["org2"]),
                               headers=self.auth("org1"))
        self.assert_error(r, 403, "FORBIDDEN")
        r = self.client().post("/api/venues/", venue(organizer_id=self.ids["buyer"]),
                               headers=self.auth("admin"))
        self.assert_error(r, 400, "VALIDATION_ERROR")
        self.assertEqual(r.json["field_errors"], {"organizer_id": ["is not an organizer"]})
        r = self.client().request("DELETE", path, headers=self.auth("admin"))
        self.assertEqual(r.status, 204)

    def test_roles(self):
        v = self.create(name="Rolltest")
        path = f"/api/venues/{v['id']}/"
        for method, p, body in (("POST", "/api/venues/", venue()), ("PUT", path, venue()),
                                ("PATCH", path, {"name": "x"}), ("DELETE", path, None)):
            r = self.client().request(method, p, body=body)
            self.assert_error(r, 401, "UNAUTHENTICATED")
            r = self.client().request(method, p, body=body, headers=self.auth("buyer"))
            self.assert_error(r, 403, "FORBIDDEN")
        self.assertEqual(self.client().get(path).json["name"], "Rolltest")

    # -- validation -------------------------------------------------------

    def test_every_bad_field_at_once(self):
        before = self.query("SELECT count(*) FROM venues")[0][0]
        r = self.client().post("/api/venues/", {}, headers=self.auth("org1"))
        self.assert_error(r, 400, "VALIDATION_ERROR")
        self.assertEqual(r.json["field_errors"],
                         {f: ["is required"] for f in
                          ("name", "address", "city", "country", "capacity")})

        bad_map = [
            {"name": "Parkett", "rows": [
                {"label": "A", "count": 2, "seats": [{"number": "1"}]},
                {"label": "A", "seats": [{"number": "1"}, {"number": "1"}]},
                {"label": "C"},
                {"count": 3},
                {"label": "D", "count": 9999}]},
            {"name": "Parkett", "rows": [{"label": "A", "count": 1}]},
        ]
        r = self.client().post("/api/venues/", venue(sections=bad_map, capacity=-1,
                                                     country="Sverige", name=""),
                               headers=self.auth("org1"))
        self.assert_error(r, 400, "VALIDATION_ERROR")
        fe = r.json["field_errors"]
        self.assertEqual(set(fe), {"name", "capacity", "country",
                                   "sections[0].rows[3].label",
                                   "sections[0].rows[4].count"}, fe)
        self.assertEqual(fe["sections[0].rows[3].label"], ["is required"])
        self.assertTrue(all(isinstance(v, list) and len(v) == 1 for v in fe.values()))

        # Rules across fields come once each field alone is valid.
        bad_map[0]["rows"][3]["label"] = "E"
        bad_map[0]["rows"][4]["count"] = 2
        r = self.client().post("/api/venues/", venue(sections=bad_map, capacity=3,
                                                     country="S1"),
                               headers=self.auth("org1"))
        self.assert_error(r, 400, "VALIDATION_ERROR")
        self.assertEqual(set(r.json["field_errors"]), {
            "country", "capacity", "sections[1].name",
            "sections[0].rows[0].seats", "sections[0].rows[1].label",
            "sections[0].rows[1].seats[1].number", "sections[0].rows[2].count"},
            r.json["field_errors"])
        self.assertEqual(self.query("SELECT count(*) FROM venues")[0][0], before)

    def test_capacity_holds_the_seats_on_update(self):
        v = self.create(name="Kapacitet")
        r = self.client().request("PATCH", f"/api/venues/{v['id']}/",
                                  body={"capacity": 8}, headers=self.auth("org1"))
        self.assert_error(r, 400, "VALIDATION_ERROR")
        self.assertEqual(r.json["field_errors"],
                         {"capacity": ["is less than the seats in the seat map"]})
        r = self.client().request("PATCH", f"/api/venues/{v['id']}/",
                                  body={"capacity": 9}, headers=self.auth("org1"))
        self.assertEqual(r.status, 200, r)

    # -- pagination -------------------------------------------------------

    def test_pagination(self):
        for name in ("P1", "P2", "P3"):
            self.create("org2", name=name)
        org2 = self.ids["org2"]
        base = f"/api/venues/?organizer_id={org2}&page_size=2"
        r = self.client().get(base)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(set(r.json), {"count", "next", "previous", "results"})
        total = r.json["count"]
        self.assertGreaterEqual(total, 3)
        self.assertEqual(len(r.json["results"]), 2)
        self.assertIsNone(r.json["previous"])
        self.assertTrue(r.json["next"].startswith(self.stack.https_url + "/api/venues/?page=2"),
                        r.json["next"])  # public_url, where buyers reach it
        self.assertIn("page_size=2", r.json["next"])
        self.assertNotIn("sections", r.json["results"][0])
        names = [v["name"] for v in r.json["results"]]
        r = self.client().get(base + "&page=2")
        self.assertIn("page=1", r.json["previous"])
        names += [v["name"] for v in r.json["results"]]
        self.assertEqual(names, sorted(names))
        last = (total + 1) // 2
        r = self.client().get(base + f"&page={last + 1}")
        self.assert_error(r, 404, "NOT_FOUND")
        self.assertEqual(r.json["detail"], "Invalid page.")
        # Above the maximum page size is the maximum, as in DRF.
        admin = self.ids["admin"]
        for k in range(101):
            self.execute("INSERT INTO venues (organizer_id, name, capacity, created_at,"
                         " updated_at) VALUES (?, ?, 0, 0, 0)", admin, f"Lokal {k:03d}")
        r = self.client().get(f"/api/venues/?organizer_id={admin}&page_size=1000")
        self.assertEqual((r.status, r.json["count"], len(r.json["results"])),
                         (200, 101, 100))
        self.assertIn("page=2", r.json["next"])
        r = self.client().get("/api/venues/?page=0")
        self.assert_error(r, 400, "VALIDATION_ERROR")
        self.assertIn("page", r.json["field_errors"])

    # -- a seated event's seats -------------------------------------------

    def seated_event(self, key, venue_id, status="published"):
        """An event of org1 seated at venue_id the way venue_attach_event
        does it; returns (id, slug)."""
        path = os.path.join(self.tmp, f"{key}.json")
        t0 = now()
        with open(path, "w") as f:
            json.dump({"ticket_types": [{"key": key, "title": "Std", "price": 100}],
                       "events": [{"key": key, "title": f"Show {key}",
                                   "event_at": iso(t0 + datetime.timedelta(days=2)),
                                   "sales_stop_at": iso(t0 + datetime.timedelta(days=1)),
                                   "total_seats": 100, "ticket_types": [key]}]}, f)
        ev = json.loads(self.stack.biljett("import", path, "--organizer",
                                           "org1@example.com"))["events"][0]["id"]
        slug = f"show-{key}"
        self.execute("UPDATE events SET slug = ?, venue_id = ?, status = ? WHERE id = ?",
                     slug, venue_id, status, ev)
        self.execute("INSERT INTO event_seats (event_id, seat_id) SELECT ?, id FROM seats"
                     " WHERE venue_id = ?", ev, venue_id)
        return ev, slug

    def order(self, ev, code):
        conn = self.db()
        try:
            cur = conn.execute("INSERT INTO orders (code, event_id, seats, total, created_at,"
                               " expires_at) VALUES (?, ?, 1, 0, 0, ?)",
                               (code, ev, int(time.time()) + 900))
            conn.commit()
            return cur.lastrowid
        finally:
            conn.close()

    def set_seat(self, ev, seat, status, order=None, until=None):
        self.execute("UPDATE event_seats SET status = ?, order_id = ?, locked_until = ?"
                     " WHERE event_id = ? AND seat_id = ?", status, order, until, ev, seat)

    def test_event_seats_listing(self):
        v = self.create(name="Listningen")
        ids = seat_ids(v)
        ev, slug = self.seated_event("list", v["id"])
        o = self.order(ev, "LIST01")
        t = int(time.time())
        self.set_seat(ev, ids[("Parkett", "A", "1")], "LOCKED", o, t + 600)
        self.set_seat(ev, ids[("Parkett", "A", "2")], "LOCKED", o, t - 1)
        self.set_seat(ev, ids[("Parkett", "B", "5")], "RESERVED", o)
        self.set_seat(ev, ids[("Balkong", "C", "10")], "SOLD", o)

        r = self.client().get(f"/api/events/{slug}/seats/")
        self.assertEqual(r.status, 200, r)
        doc = r.json
        self.assertEqual(doc["event"], {"id": ev, "slug": slug, "title": "Show list"})
        self.assertTrue(doc["seated"])
        self.assertEqual(doc["venue"], {"id": v["id"], "name": "Listningen", "city": "Lund"})
        status = {(s["section"], s["row"], s["number"]): s["status"] for s in doc["seats"]}
        self.assertEqual(status[("Parkett", "A", "1")], "LOCKED")
        self.assertEqual(status[("Parkett", "A", "2")], "AVAILABLE")   # lapsed
        self.assertEqual(status[("Parkett", "B", "5")], "RESERVED")
        self.assertEqual(status[("Balkong", "C", "10")], "SOLD")
        self.assertEqual(list(status), list(ids))                      # map order
        self.assertEqual(doc["seats"][0]["id"], ids[("Parkett", "A", "1")])
        self.assertEqual(doc["seats"][0]["category"], "Standard")
        self.assertEqual(doc["summary"], {"total": 9, "available": 6, "locked": 1,
                                          "reserved": 1, "sold": 1})
        self.assertEqual(doc["sections"], [
            {"section": "Parkett", "total": 7, "available": 5, "locked": 1,
             "reserved": 1, "sold": 0},
            {"section": "Balkong", "total": 2, "available": 1, "locked": 0,
             "reserved": 0, "sold": 1}])
        self.assertNotIn("order_id", doc["seats"][0])

        # By id too, and without the trailing slash.
        r = self.client().get(f"/api/events/{ev}/seats")
        self.assertEqual((r.status, r.json), (200, doc))
        self.assert_error(self.client().get("/api/events/no-such-show/seats/"), 404,
                          "EVENT_NOT_FOUND")
        draft, dslug = self.seated_event("draft", v["id"], status="draft")
        self.assert_error(self.client().get(f"/api/events/{dslug}/seats/"), 404,
                          "EVENT_NOT_FOUND")
        # An unseated event has no seats.
        self.execute("UPDATE events SET venue_id = NULL WHERE id = ?", draft)
        self.execute("DELETE FROM event_seats WHERE event_id = ?", draft)
        self.execute("UPDATE events SET status = 'published' WHERE id = ?", draft)
        r = self.client().get(f"/api/events/{dslug}/seats/")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["seated"], r.json["venue"], r.json["seats"],
                          r.json["sections"], r.json["summary"]["total"]),
                         (False, None, [], [], 0))

    def test_a_sold_seat_cannot_leave_the_map(self):
        v = self.create(name="Såld plats")
        ids = seat_ids(v)
        ev, slug = self.seated_event("sold", v["id"])
        sold = ids[("Balkong", "C", "11")]
        self.set_seat(ev, sold, "SOLD", self.order(ev, "SOLD01"))
        path = f"/api/venues/{v['id']}/"

        # Dropping Balkong would drop the sold seat: refused, nothing changes.
        r = self.client().put(path, venue(name="Såld plats", sections=MAP[:1]),
                              headers=self.auth("org1"))
        self.assert_error(r, 409, "SEATS_TAKEN")
        self.assertEqual(seat_ids(self.client().get(path).json), ids)
        self.assert_error(self.client().request("DELETE", path, headers=self.auth("org1")),
                          409, "VENUE_IN_USE")

        # Dropping a free seat and adding one: the event follows the map.
        edited = json.loads(json.dumps(MAP))
        edited[0]["rows"][0]["count"] = 3                  # A 4 goes
        edited[1]["rows"].append({"label": "D", "count": 1})
        r = self.client().put(path, venue(name="Såld plats", sections=edited),
                              headers=self.auth("org1"))
        self.assertEqual(r.status, 200, r)
        after = seat_ids(r.json)
        self.assertNotIn(("Parkett", "A", "4"), after)
        self.assertEqual(after[("Balkong", "C", "11")], sold)
        seats = {(s["section"], s["row"], s["number"]): s["status"]
                 for s in self.client().get(f"/api/events/{slug}/seats/").json["seats"]}
        self.assertEqual(seats.keys(), after.keys())
        self.assertEqual(seats[("Balkong", "D", "1")], "AVAILABLE")
        self.assertEqual(seats[("Balkong", "C", "11")], "SOLD")
