"""GET /get_chapterevents/ (seed 002, as upstream answers), /api/health,
/api/events/ (seed 004's listing, more in test_catalogue); and the gates every program shares (bad method, unknown
path, oversized body, broken JSON, bad query values)."""
import datetime
import json
import re

from support import StackTest, iso, now

ISO_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


class EmptyCatalog(StackTest):
    programs = ("catalog", "events")

    def test_empty_database_lists_nothing(self):
        r = self.client().get("/get_chapterevents/")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertEqual(r.json, {"chapter_events": [], "ticket_types": []})

    def test_health(self):
        r = self.client().get("/api/health")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["status"], "ok")
        self.assertEqual(r.json["database"], "ok")
        self.assertIn("version", r.json)

    def test_empty_api_events(self):
        r = self.client().get("/api/events/")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json, {"count": 0, "next": None, "previous": None,
                                  "results": []})


class Catalog(StackTest):
    programs = ("catalog", "events")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        t0 = now()
        h = datetime.timedelta(hours=1)
        out = cls.stack.biljett("import", cls._write(cls, {
            "ticket_types": [
                {"key": "std", "title": "Standardbiljett",
                 "description": "En vanlig biljett.", "price": 199},
                {"key": "student", "title": "Studentbiljett",
                 "description": "En billigare biljett.", "price": 99},
                {"key": "crew", "title": "Ensemble", "description": "Hidden.",
                 "price": 0, "visible": False},
                {"key": "vip", "title": "VIP", "description": "Only on a past show.",
                 "price": 500},
            ],
            "events": [
                {"key": "late", "title": "Dag 2", "description": "Andra dagen.",
                 "event_at": iso(t0 + 72 * h), "sales_stop_at": iso(t0 + 71 * h),
                 "total_seats": 300, "max_tickets_per_payment": 8,
                 "ticket_types": ["std", "student", "crew"]},
                {"key": "early", "title": "Dag 1", "description": "Första dagen.",
                 "event_at": iso(t0 + 48 * h), "sales_stop_at": iso(t0 + 47 * h),
                 "total_seats": 10, "max_tickets_per_payment": 4,
                 "swish_message": "Dag 1", "ticket_types": ["student", "std"]},
                {"key": "stopped", "title": "Slutsålt igår",
                 "description": "Sales stopped.",
                 "event_at": iso(t0 + 2 * h), "sales_stop_at": iso(t0 - h),
                 "total_seats": 100, "ticket_types": ["std", "vip"]},
            ]}))
        result = json.loads(out)
        cls.types = {t["key"]: t["id"] for t in result["ticket_types"]}
        cls.events = {e["key"]: e["id"] for e in result["events"]}

    def _write(self, doc):
        import os
        path = os.path.join(self.tmp, "catalog.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        return path

    def listing(self, path="/get_chapterevents/"):
        r = self.client().get(path)
        self.assertEqual(r.status, 200, r)
        return r.json

    def test_events_ordered_by_event_at_and_stopped_absent(self):
        doc = self.listing()
        ids = [e["id"] for e in doc["chapter_events"]]
        self.assertEqual(ids, [self.events["early"], self.events["late"]])

    def test_every_field(self):
        ev = self.listing()["chapter_events"][0]
        self.assertEqual(list(ev.keys()),
                         ["id", "title", "description", "event_at",
                          "max_tickets_per_payment", "sales_stop_at",
                          "ticket_types", "tickets_left"])
        self.assertEqual(ev["title"], "Dag 1")
        self.assertEqual(ev["description"], "Första dagen.")
        self.assertEqual(ev["max_tickets_per_payment"], 4)
        self.assertRegex(ev["event_at"], ISO_RE)
        self.assertRegex(ev["sales_stop_at"], ISO_RE)
        # Offsets are Stockholm's (+01:00 in winter, +02:00 in summer).
        self.assertTrue(ev["event_at"].endswith(("+01:00", "+02:00")))
        at = datetime.datetime.fromisoformat(ev["event_at"])
        self.assertLess(abs((at - now()).total_seconds() - 48 * 3600), 5)

    def test_ticket_types_per_event_include_hidden(self):
        late = self.listing()["chapter_events"][1]
        self.assertEqual(late["ticket_types"],
                         [self.types["std"], self.types["student"], self.types["crew"]])
        early = self.listing()["chapter_events"][0]
        self.assertEqual(early["ticket_types"],
                         [self.types["student"], self.types["std"]])

    def test_top_level_types_visible_and_used_only(self):
        types = self.listing()["ticket_types"]
        by_id = {t["id"]: t for t in types}
        # crew is hidden; vip only belongs to the stopped event.
        self.assertEqual(set(by_id), {self.types["std"], self.types["student"]})
        std = by_id[self.types["std"]]
        self.assertEqual(std, {"id": self.types["std"], "price": 199,
                               "title": "Standardbiljett",
                               "description": "En vanlig biljett."})
        self.assertIsInstance(std["price"], int)

    def test_tickets_left_follows_held_seats(self):
        early = self.events["early"]
        self.assertEqual(self.listing()["chapter_events"][0]["tickets_left"], 10)
        self.execute("UPDATE quotas SET used = 7 WHERE event_id = ?", early)
        try:
            self.assertEqual(self.listing()["chapter_events"][0]["tickets_left"], 3)
        finally:
            self.execute("UPDATE quotas SET used = 0 WHERE event_id = ?", early)
        self.assertEqual(self.listing()["chapter_events"][0]["tickets_left"], 10)

    def test_slashless_path_and_format_json(self):
        a = self.listing("/get_chapterevents/")
        self.assertEqual(self.listing("/get_chapterevents"), a)
        self.assertEqual(self.listing("/get_chapterevents/?format=json"), a)
        self.assertEqual(self.listing("/get_chapterevents?format=json"), a)

    def test_head(self):
        r = self.client().request("HEAD", "/get_chapterevents/")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"")

    def test_security_headers(self):
        r = self.client().get("/get_chapterevents/")
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
        self.assertEqual(r.header("X-Frame-Options"), "DENY")
        self.assertIsNotNone(r.header("Content-Security-Policy"))

    def test_api_events_pagination(self):
        """Seed 004's envelope: count, absolute next/previous, results."""
        c = self.client()
        # Sales of "stopped" are over, but it has not taken place: listed.
        r = c.get("/api/events/?page_size=1")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["count"], 3)
        self.assertEqual([e["id"] for e in r.json["results"]], [self.events["stopped"]])
        self.assertIsNone(r.json["previous"])
        self.assertTrue(r.json["next"].endswith("/api/events/?page=2&page_size=1"),
                        r.json["next"])
        self.assertRegex(r.json["next"], r"^https?://[^/]+/api/events/\?page=2")
        r = c.get("/api/events?page_size=1&page=3")
        self.assertEqual([e["id"] for e in r.json["results"]], [self.events["late"]])
        self.assertIsNone(r.json["next"])
        self.assertTrue(r.json["previous"].endswith("/api/events?page=2&page_size=1"))
        r = c.get("/api/events/?ordering=-start_date")
        self.assertEqual([e["id"] for e in r.json["results"]],
                         [self.events["late"], self.events["early"],
                          self.events["stopped"]])
        ev = r.json["results"][1]
        self.assertEqual((ev["base_price"], ev["currency"]), ("99.00", "SEK"))
        self.assertEqual(ev["status"], "published")
        self.assertRegex(ev["start_date"], ISO_RE)

    def test_api_event_by_id_and_slug(self):
        c = self.client()
        r = c.get(f"/api/events/{self.events['late']}/")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["title"], "Dag 2")
        self.assertEqual(c.get(f"/api/events/{r.json['slug']}").json["id"],
                         self.events["late"])
        # The hidden type is not offered through the API either.
        self.assertEqual([t["id"] for t in r.json["ticket_types"]],
                         [self.types["std"], self.types["student"]])
        self.assertEqual(r.json["ticket_types"][1]["price"], "99.00")
        for path in ("/api/events/999999", "/api/events/abc", "/api/events/0",
                     "/api/events/99999999999999999999999"):
            r = c.get(path)
            self.assertEqual(r.status, 404, path)
            self.assertEqual(r.json["code"], "EVENT_NOT_FOUND")

    def assert_api_error(self, r, status, code=None):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.header("Content-Type"), "application/json", r)
        err = r.json
        self.assertIsInstance(err["error"], str)
        self.assertIsInstance(err["detail"], str)
        self.assertIsInstance(err["field_errors"], dict)
        for reasons in err["field_errors"].values():
            self.assertIsInstance(reasons, list)
        if code:
            self.assertEqual(err["code"], code)
        return err

    def test_bad_query_values(self):
        c = self.client()
        for q in ("page=0", "page=abc", "page_size=101", "page_size=-1",
                  "page=1e3", "ordering=price", "is_free=maybe",
                  "page=%zz", "status=sold", "pricing_type=free",
                  "start_date_after=tomorrow", "min_price=-1"):
            r = c.get(f"/api/events/?{q}")
            self.assert_api_error(r, 400, "VALIDATION_ERROR")
        err = self.assert_api_error(c.get("/api/events/?page=0&page_size=500"), 400)
        self.assertEqual(set(err["field_errors"]), {"page", "page_size"})

    def test_bad_method(self):
        c = self.client()
        r = c.post("/get_chapterevents/", {})
        self.assertEqual(r.status, 405)
        self.assertEqual(r.json, {"detail": 'Method "POST" not allowed.'})
        self.assertIn("GET", r.header("Allow"))
        r = c.request("DELETE", "/api/events/")
        self.assert_api_error(r, 405, "METHOD_NOT_ALLOWED")
        r = c.request("BREW", "/api/events")
        self.assertEqual(r.status // 100, 4)

    def test_unknown_path(self):
        c = self.client()
        self.assert_api_error(c.get("/api/nothing-here"), 404, "NOT_FOUND")
        self.assertEqual(c.get("/does-not-exist").status, 404)

    def test_oversized_body(self):
        r = self.client().request("PUT", "/api/events", raw=b"x" * (65 * 1024),
                                  content_type="application/json")
        self.assertEqual(r.status, 413)
        self.assertIn("error", r.json)

    def test_broken_json(self):
        c = self.client()
        # GET routes take no body; a broken one is still refused cleanly.
        r = c.request("GET", "/api/events", raw=b'{"a": ', content_type="application/json")
        self.assert_api_error(r, 400, "VALIDATION_ERROR")
        r = c.request("GET", "/api/events", raw=b"<xml/>", content_type="text/xml")
        self.assert_api_error(r, 415)

    def test_workers_keep_serving_after_abuse(self):
        c = self.client()
        for _ in range(20):
            c.request("GET", "/api/events", raw=b"{" * 5000, content_type="application/json")
            c.request("GET", "/api/events?" + "a=1&" * 600)
            c.request("PATCH", "/get_chapterevents/")
        self.assertEqual(c.get("/get_chapterevents/").status, 200)
        self.assertEqual(c.get("/api/health").status, 200)
