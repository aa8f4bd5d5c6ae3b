"""Seed 000's products (GET /api/products, /api/products/{id} and the
admins' product routes) over the real stack: texts in every language,
Accept-Language, the sale, filters, sorting and pagination."""
import uuid

from test_stripe import StripeBase

LANGS = ("sv", "en", "de", "fr")


def texts(name, langs=LANGS):
    return {l: {"name": f"{name} {l}",
                "product_details": {"description": f"Beskrivning {name} {l}"}}
            for l in langs}


class ShopBase(StripeBase):
    def product(self, price="100.00", quantity=10, sale=None, publish=True,
                name=None, event_fields=None, type_fields=None):
        """An event with one ticket type offered as a product."""
        name = name or f"Konsert {uuid.uuid4().hex[:6]}"
        ev = self.event(title=name, **(event_fields or {}))
        tt = self.ttype(ev, name="Ordinarie", price=price, total_quantity=quantity,
                        **(type_fields or {}))
        if publish:
            self.publish(ev)
        body = {"ticket_type_id": tt["id"], "translations": texts(name)}
        if sale is not None:
            body["sale"] = sale
        r = self.call("POST", "/api/products", body, "admin")
        self.assertEqual(r.status, 201, r)
        return ev, tt, r.json["data"]

    def user_id(self, email):
        return self.query("SELECT id FROM users WHERE email = ?", email)[0]["id"]


class Products(ShopBase):
    def test_create_show_languages_and_sale(self):
        ev, tt, p = self.product(price="199.50", sale="0.10", name="Vårkonsert")
        self.assertEqual(p["id"], tt["id"])
        self.assertEqual((p["price"], p["unit_price"], p["sale"], p["currency"]),
                         ("199.50", "179.55", 0.1, "SEK"))   # 17955 exactly
        self.assertEqual(p["stock_quantity"], 10)
        self.assertEqual(p["event"]["slug"], ev["slug"])
        d = p["product_details"]
        self.assertEqual((d["date"], d["time"], d["location"], d["places"]),
                         ("2031-05-01", "18:00", "Aulan, Lund", 1))
        for lang, header in (("de", "de-DE,de;q=0.9"), ("fr", "fr"), ("sv", "sv"),
                             ("en", "en-GB")):
            r = self.call("GET", f"/api/products/{p['id']}",
                          headers={"Accept-Language": header})
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["data"]["name"], f"Vårkonsert {lang}")
            self.assertEqual(r.json["data"]["product_details"]["description"],
                             f"Beskrivning Vårkonsert {lang}")
        # No language of ours asked for: English, as billet-jo falls back.
        for h in ({}, {"Accept-Language": "es"}):
            r = self.call("GET", f"/api/products/{p['id']}", headers=h)
            self.assertEqual(r.json["data"]["name"], "Vårkonsert en", h)
        # Half to even: 1995 at 10 % off is 1795.5 -> 1796.
        _, _, q = self.product(price="19.95", sale="0.1")
        self.assertEqual(q["unit_price"], "17.96")

    def test_create_refuses_missing_texts_and_bad_fields(self):
        ev = self.event(title=f"Text {uuid.uuid4().hex[:6]}")
        tt = self.ttype(ev, price="50.00", total_quantity=5)
        t = texts("X")
        del t["sv"]
        t["de"] = {"name": "", "product_details": {}}
        r = self.call("POST", "/api/products", {"ticket_type_id": tt["id"],
                                                "translations": t}, "admin")
        self.assert_error(r, 400, "VALIDATION_ERROR", "translations.sv")
        self.assertIn("translations.de.name", r.json["field_errors"])
        self.assertIn("translations.de.description", r.json["field_errors"])
        self.assertNotIn("translations.en", r.json["field_errors"])
        for extra, field in (({"sale": "1"}, "sale"), ({"sale": "0.12345"}, "sale"),
                             ({"price": 10}, "price"),
                             ({"stock_quantity": 3}, "stock_quantity"),
                             ({"translations": None}, "translations")):
            body = {"ticket_type_id": tt["id"], "translations": texts("X")}
            body.update(extra)
            r = self.call("POST", "/api/products", body, "admin")
            self.assert_error(r, 400, "VALIDATION_ERROR", field)
        r = self.call("POST", "/api/products", {"ticket_type_id": 10 ** 9,
                                                "translations": texts("X")}, "admin")
        self.assert_error(r, 400, "VALIDATION_ERROR", "ticket_type_id")
        self.assertEqual(self.query("SELECT count(*) AS n FROM products"
                                    " WHERE ticket_type_id = ?", tt["id"])[0]["n"], 0)
        # Only admins; once.
        body = {"ticket_type_id": tt["id"], "translations": texts("X")}
        self.assertEqual(self.call("POST", "/api/products", body, "org1").status, 403)
        self.assertEqual(self.call("POST", "/api/products", body, "buyer").status, 403)
        self.assertEqual(self.call("POST", "/api/products", body).status, 401)
        self.assertEqual(self.call("POST", "/api/products", body, "admin").status, 201)
        r = self.call("POST", "/api/products", body, "admin")
        self.assert_error(r, 409, "CONFLICT")

    def test_update_and_pricing(self):
        _, _, p = self.product(price="80.00")
        r = self.call("POST", f"/api/products/{p['id']}",
                      {"translations": texts("Nytt namn"), "sale": 0.25}, "admin")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["data"]["name"], r.json["data"]["unit_price"]),
                         ("Nytt namn en", "60.00"))
        r = self.call("POST", f"/api/products/{p['id']}",
                      {"translations": texts("Nytt", ("en", "de"))}, "admin")
        self.assert_error(r, 400, "VALIDATION_ERROR", "translations.fr")
        r = self.call("PATCH", f"/api/products/{p['id']}/pricing", {"sale": "0.5"},
                      "admin")
        self.assertEqual((r.status, r.json["data"]["unit_price"]), (200, "40.00"), r)
        # Every change is in the back office's audit log.
        log = self.query("SELECT action, user_id FROM audit_log WHERE entity = 'product'"
                         " AND entity_id = ? ORDER BY id", p["id"])
        self.assertEqual([r["action"] for r in log], ["create", "update", "update"])
        self.assertEqual({r["user_id"] for r in log},
                         {self.user_id("admin@example.com")})
        r = self.call("PATCH", f"/api/products/{p['id']}/pricing", {"sale": "-0.1"},
                      "admin")
        self.assert_error(r, 400, "VALIDATION_ERROR", "sale")
        r = self.call("PATCH", f"/api/products/{p['id']}/pricing", {"sale": "0.1"},
                      "org1")
        self.assertEqual(r.status, 403, r)
        r = self.call("PATCH", "/api/products/999999999/pricing", {"sale": "0"},
                      "admin")
        self.assert_error(r, 404, "PRODUCT_NOT_FOUND")
        r = self.call("POST", "/api/products/999999999",
                      {"translations": texts("X")}, "admin")
        self.assert_error(r, 404, "PRODUCT_NOT_FOUND")

    def test_unpublished_and_unknown(self):
        _, _, p = self.product(publish=False)
        r = self.call("GET", f"/api/products/{p['id']}")
        self.assert_error(r, 404, "PRODUCT_NOT_FOUND")
        r = self.call("GET", f"/api/products/{p['id']}", who="buyer")
        self.assert_error(r, 404, "PRODUCT_NOT_FOUND")
        self.assertEqual(self.call("GET", f"/api/products/{p['id']}",
                                   who="admin").status, 200)
        for path in ("/api/products/999999999", "/api/products/abc"):
            self.assert_error(self.call("GET", path), 404, "PRODUCT_NOT_FOUND")


class Listing(ShopBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = cls.client_call("POST", "/api/events/categories/", {
            "name": {"sv": "Teater", "en": "Theatre"}, "icon": "🎭"}, "admin")
        assert r.status == 201, r

    @classmethod
    def client_call(cls, method, path, body, who):
        from support import Client
        key = who if who == "admin" else f"{who}@example.com"
        return Client(cls.stack.base_url).request(
            method, path, body=body,
            headers={"Authorization": f"Bearer {cls.tokens[key]}"})

    def names(self, query):
        r = self.call("GET", "/api/products" + query,
                      headers={"Accept-Language": "en"})
        self.assertEqual(r.status, 200, r)
        return [p["name"] for p in r.json["data"]], r.json["pagination"]

    def test_filters_sorting_pages(self):
        tag = uuid.uuid4().hex[:6]
        self.product(price="300.00", name=f"Alfa {tag}",
                     event_fields=dict(venue_city="Malmö", category="teater",
                                       start_date="2031-07-02T19:00:00+02:00",
                                       end_date="2031-07-02T21:00:00+02:00"))
        self.product(price="100.00", name=f"Beta {tag}", quantity=2)
        self.product(price="200.00", name=f"Gamma {tag}")
        # Sold out: not listed (admins see it under /all).
        _, _, gone = self.product(price="50.00", name=f"Delta {tag}", quantity=1)
        self.execute("UPDATE quotas SET used = size WHERE event_id ="
                     " (SELECT event_id FROM ticket_types WHERE id = ?)", gone["id"])
        names, pg = self.names(f"?name={tag}")
        self.assertEqual(names, [f"Alfa {tag} en", f"Beta {tag} en", f"Gamma {tag} en"])
        self.assertEqual(pg, {"total": 3, "per_page": 15, "current_page": 1,
                              "last_page": 1})
        names, _ = self.names(f"?name={tag}&sort_by=price&order=desc")
        self.assertEqual(names, [f"Alfa {tag} en", f"Gamma {tag} en", f"Beta {tag} en"])
        names, _ = self.names(f"?name={tag}&location=malm")
        self.assertEqual(names, [f"Alfa {tag} en"])
        names, _ = self.names(f"?name={tag}&category=teater")
        self.assertEqual(names, [f"Alfa {tag} en"])
        names, _ = self.names(f"?name={tag}&date=2031-07-02")
        self.assertEqual(names, [f"Alfa {tag} en"])
        names, _ = self.names(f"?name={tag}&places=3")
        self.assertEqual(sorted(names), [f"Alfa {tag} en", f"Gamma {tag} en"])
        names, _ = self.names(f"?name={tag}&sort_by=product_details->date&order=desc")
        self.assertEqual(names[0], f"Alfa {tag} en")
        names, pg = self.names(f"?name={tag}&per_page=2&page=2")
        self.assertEqual((names, pg["last_page"], pg["total"]),
                         ([f"Gamma {tag} en"], 2, 3))
        # Texts follow Accept-Language in the listing too.
        r = self.call("GET", f"/api/products?name={tag}", headers={"Accept-Language": "fr"})
        self.assertEqual(r.json["data"][0]["name"], f"Alfa {tag} fr")
        r = self.call("GET", f"/api/products/all?name={tag}", who="admin")
        self.assertEqual(len(r.json["data"]), 4, r)
        self.assertEqual(self.call("GET", "/api/products/all", who="buyer").status, 403)
        self.assertEqual(self.call("GET", "/api/products/all").status, 401)
        for q, field in (("?per_page=101", "per_page"), ("?sort_by=stock", "sort_by"),
                         ("?order=up", "order"), ("?date=2031-13-01", "date"),
                         ("?page=0", "page")):
            self.assert_error(self.call("GET", "/api/products" + q), 400,
                              "VALIDATION_ERROR", field)
