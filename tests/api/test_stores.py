"""Seed 003's storefronts over the real stack: an organizer's one store
(create, read, change, delete at /api/stores/create/ and /manage/), the
public listing and store pages with the store's published events, the
rules on names, slugs, colours and links, roles and owner isolation,
and the audit log."""
from support import Client, StackTest

PASSWORD = "hemligt-lösenord-1"


class StoreBase(StackTest):
    """Accounts made through the CLI; requests with bearer tokens."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tokens, cls.ids = {}, {}
        for email, role in (("org1@example.com", "organizer"),
                            ("org2@example.com", "organizer"),
                            ("org3@example.com", "organizer"),
                            ("buyer@example.com", "customer")):
            out = cls.stack.biljett("create-user", email, role)
            cls.tokens[email.split("@")[0]] = cls.token(
                email, out.strip().rsplit(" ", 1)[1])
        out = cls.stack.biljett("create-admin", "admin@example.com")
        cls.tokens["admin"] = cls.token("admin@example.com",
                                        out.strip().rsplit(" ", 1)[1])
        with cls.db_class() as conn:
            for row in conn.execute("SELECT id, email FROM users"):
                cls.ids[row[1].split("@")[0]] = row[0]

    @classmethod
    def db_class(cls):
        import sqlite3
        return sqlite3.connect(cls.stack.db_path, timeout=10)

    @classmethod
    def token(cls, email, password):
        r = Client(cls.stack.base_url).post("/api/auth/login",
                                            {"email": email, "password": password})
        assert r.status == 200, r
        return r.json.get("access") or r.json["access_token"]

    def call(self, method, path, body=None, who=None, **kw):
        headers = dict(kw.pop("headers", {}))
        if who:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return self.client().request(method, path, body=body, headers=headers, **kw)

    def assert_error(self, r, status, code, field=None):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.json["code"], code, r)
        self.assertIsInstance(r.json["detail"], str)
        if field:
            self.assertIn(field, r.json["field_errors"], r)
            self.assertIsInstance(r.json["field_errors"][field], list)


class Stores(StoreBase):
    def test_roles(self):
        body = {"name": "X"}
        self.assert_error(self.call("POST", "/api/stores/create/", body), 401,
                          "UNAUTHENTICATED")
        self.assert_error(self.call("POST", "/api/stores/create/", body, "buyer"),
                          403, "FORBIDDEN")
        for method in ("GET", "PATCH", "DELETE"):
            self.assert_error(self.call(method, "/api/stores/manage/", {}), 401,
                              "UNAUTHENTICATED")
            self.assert_error(self.call(method, "/api/stores/manage/", {}, "buyer"),
                              403, "FORBIDDEN")
        # Only admins act for another organizer.
        r = self.call("GET", f"/api/stores/manage/?organizer={self.ids['org1']}",
                      who="org2")
        self.assert_error(r, 403, "FORBIDDEN")

    def test_create_manage_and_isolation(self):
        self.assert_error(self.call("POST", "/api/stores/create/", {}, "org1"),
                          400, "VALIDATION_ERROR", "name")
        # Every bad field at once, nothing stored.
        r = self.call("POST", "/api/stores/create/", {
            "name": "Vårteatern", "primary_color": "red",
            "logo_image": "javascript:alert(1)", "banner_image": "//evil.example/x",
            "website_link": "/relative", "slug": "Not A Slug", "language": "xx"},
            "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR")
        for field in ("primary_color", "logo_image", "banner_image",
                      "website_link", "slug", "language"):
            self.assertIn(field, r.json["field_errors"], field)
        self.assert_error(self.call("POST", "/api/stores/create/",
                                    {"name": "X", "slug": "manage"}, "org1"),
                          400, "VALIDATION_ERROR", "slug")
        self.assertEqual(self.query("SELECT count(*) AS n FROM stores")[0]["n"], 0)

        r = self.call("POST", "/api/stores/create/", {
            "name": {"sv": "Vårteatern", "en": "The Spring Theatre"},
            "description": {"sv": "Studentteater i Lund.", "en": "Student theatre."},
            "language": "sv", "primary_color": "#AA00cc", "secondary_color": "#123",
            "logo_image": "/media/logo.png",
            "banner_image": "https://cdn.example.org/banner.jpg",
            "website_link": "https://varteatern.example.org",
            "instagram_link": "https://instagram.com/varteatern"}, "org1")
        self.assertEqual(r.status, 201, r)
        store = r.json
        self.assertEqual((store["slug"], store["name"], store["primary_color"],
                          store["secondary_color"], store["logo_image"],
                          store["is_published"], store["organizer"]),
                         ("varteatern", "Vårteatern", "#aa00cc", "#123",
                          "/media/logo.png", True, self.ids["org1"]))
        self.assertEqual(store["translations"]["name"],
                         {"sv": "Vårteatern", "en": "The Spring Theatre"})
        # One store per organizer.
        r = self.call("POST", "/api/stores/create/", {"name": "Andra"}, "org1")
        self.assert_error(r, 409, "CONFLICT")
        # The owner reads and changes it; a bad change changes nothing.
        r = self.call("GET", "/api/stores/manage/", who="org1",
                      headers={"Accept-Language": "en"})
        self.assertEqual((r.status, r.json["name"], r.json["description"]),
                         (200, "The Spring Theatre", "Student theatre."))
        r = self.call("PATCH", "/api/stores/manage/",
                      {"primary_color": "#12345", "description": "Ny text"}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "primary_color")
        r = self.call("PATCH", "/api/stores/manage/",
                      {"description": "Ny text", "logo_image": None,
                       "primary_color": ""}, "org1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["description"], r.json["logo_image"],
                          r.json["primary_color"], r.json["slug"]),
                         ("Ny text", None, None, "varteatern"))
        # Another organizer never sees it to manage: they have no store.
        self.assert_error(self.call("GET", "/api/stores/manage/", who="org2"),
                          404, "NOT_FOUND")
        self.assert_error(self.call("PATCH", "/api/stores/manage/",
                                    {"name": "Kapad"}, "org2"), 404, "NOT_FOUND")
        self.assert_error(self.call("DELETE", "/api/stores/manage/", who="org2"),
                          404, "NOT_FOUND")
        self.assertEqual(self.call("GET", "/api/stores/manage/", who="org1")
                         .json["description"], "Ny text")
        # Slugs are unique: a given one that is taken is a conflict, one
        # made from the name gets a number.
        r = self.call("POST", "/api/stores/create/",
                      {"name": "Annan", "slug": "varteatern"}, "org2")
        self.assert_error(r, 409, "CONFLICT", "slug")
        r = self.call("POST", "/api/stores/create/", {"name": "Vårteatern"}, "org2")
        self.assertEqual((r.status, r.json["slug"]), (201, "varteatern-2"), r)
        r = self.call("PATCH", "/api/stores/manage/", {"slug": "varteatern"}, "org2")
        self.assert_error(r, 409, "CONFLICT", "slug")
        # An admin acts for an organizer by ?organizer=.
        r = self.call("GET", f"/api/stores/manage/?organizer={self.ids['org1']}",
                      who="admin")
        self.assertEqual((r.status, r.json["slug"]), (200, "varteatern"))
        r = self.call("PATCH", f"/api/stores/manage/?organizer={self.ids['org2']}",
                      {"website_link": "https://org2.example.org"}, "admin")
        self.assertEqual((r.status, r.json["website_link"]),
                         (200, "https://org2.example.org"))
        r = self.call("GET", f"/api/stores/manage/?organizer={self.ids['buyer']}",
                      who="admin")
        self.assert_error(r, 400, "VALIDATION_ERROR", "organizer")
        # Every change is in the audit log, with who made it.
        rows = self.query("SELECT a.action, a.user_id, a.organizer_id FROM audit_log a"
                          " WHERE a.entity = 'store' ORDER BY a.id")
        self.assertEqual([(x["action"], x["user_id"], x["organizer_id"]) for x in rows],
                         [("create", self.ids["org1"], self.ids["org1"]),
                          ("update", self.ids["org1"], self.ids["org1"]),
                          ("create", self.ids["org2"], self.ids["org2"]),
                          ("update", self.ids["admin"], self.ids["org2"])])


class StorePages(StoreBase):
    def event(self, who, title, publish=True):
        """An event with one tier through the organizer portal."""
        r = self.call("POST", "/api/organizer/events/create/", {
            "title": title, "start_date": "2031-05-01T18:00:00+02:00",
            "is_published": publish,
            "tiers": [{"name": "Ordinarie", "price": "100.00",
                       "quantity_allocated": 10}]}, who)
        self.assertEqual(r.status, 201, r)
        return r.json

    def test_listing_page_and_delete(self):
        # An event made before the store joins it when the store is made.
        early = self.event("org3", "Tidig föreställning")
        self.assertIsNone(early["store"])
        r = self.call("POST", "/api/stores/create/",
                      {"name": {"sv": "Aulan", "en": "The Hall"}}, "org3")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["events_count"], 1)
        later = self.event("org3", "Senare föreställning")
        draft = self.event("org3", "Utkast", publish=False)
        self.assertEqual(later["store"]["slug"], "aulan")
        self.assertEqual(draft["store"]["slug"], "aulan")
        rows = self.query("SELECT action FROM audit_log WHERE entity = 'event'"
                          " AND entity_id = ? AND action = 'attach_store'", later["id"])
        self.assertEqual(len(rows), 1)
        # A second organizer's store, not published yet.
        r = self.call("POST", "/api/stores/create/",
                      {"name": "Källaren", "is_published": False}, "org2")
        self.assertEqual(r.status, 201, r)

        # The public page: branding and the published events only.
        r = self.call("GET", "/api/stores/aulan/", headers={"Accept-Language": "en"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["name"], "The Hall")
        self.assertNotIn("translations", r.json)
        self.assertEqual(sorted(e["slug"] for e in r.json["events"]),
                         sorted([early["slug"], later["slug"]]))
        for e in r.json["events"]:
            self.assertEqual(e["status"], "published")
        self.assert_error(self.call("GET", "/api/stores/kallaren/"), 404, "NOT_FOUND")
        self.assert_error(self.call("GET", "/api/stores/nobody/"), 404, "NOT_FOUND")

        # The listing: published stores by name, seed 004's pagination.
        r = self.call("GET", "/api/stores/")
        self.assertEqual(r.status, 200, r)
        slugs = [s["slug"] for s in r.json["results"]]
        self.assertIn("aulan", slugs)
        self.assertNotIn("kallaren", slugs)
        self.assertEqual(r.json["count"], len(slugs))
        self.assertIsNone(r.json["previous"])
        r = self.call("POST", "/api/stores/create/", {"name": "Bryggan"}, "org1")
        self.assertEqual(r.status, 201, r)
        r = self.call("GET", "/api/stores/?page_size=1")
        self.assertEqual((r.json["count"], len(r.json["results"])), (2, 1))
        self.assertEqual(r.json["results"][0]["slug"], "aulan")
        self.assertIn("page=2", r.json["next"])
        r = self.call("GET", "/api/stores/?search=HALL")
        self.assertEqual([s["slug"] for s in r.json["results"]], ["aulan"])
        self.assert_error(self.call("GET", "/api/stores/?page_size=101"), 400,
                          "VALIDATION_ERROR", "page_size")

        # Deleting: 204, the events stay without a store, the page is gone.
        r = self.call("DELETE", "/api/stores/manage/", who="org3")
        self.assertEqual(r.status, 204, r)
        self.assert_error(self.call("GET", "/api/stores/aulan/"), 404, "NOT_FOUND")
        self.assert_error(self.call("DELETE", "/api/stores/manage/", who="org3"),
                          404, "NOT_FOUND")
        rows = self.query("SELECT store_id FROM events WHERE organizer_id = ?",
                          self.ids["org3"])
        self.assertEqual(len(rows), 3)
        self.assertTrue(all(x["store_id"] is None for x in rows))
        rows = self.query("SELECT before, after FROM audit_log WHERE entity = 'store'"
                          " AND action = 'delete'")
        self.assertEqual(len(rows), 1)
        self.assertIn('"aulan"', rows[0]["before"])
        self.assertIsNone(rows[0]["after"])
        r = self.call("GET", f"/api/organizer/events/{later['id']}/", who="org3")
        self.assertIsNone(r.json["store"])
