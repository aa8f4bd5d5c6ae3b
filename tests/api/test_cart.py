"""Seed 000's cart (GET /api/cart, PATCH /api/cart/item/{id}, DELETE
/api/cart/items) over the real stack: the guest cart of the sessionid
cookie, the account's cart, caps by stock and per-order limits, the merge
at sign-in, and pruning by `biljett expire`."""
import uuid

from test_products import ShopBase


class Cart(ShopBase):
    def new_user(self):
        email = f"k{uuid.uuid4().hex[:8]}@example.com"
        out = self.stack.biljett("create-user", email, "customer")
        return email, out.strip().rsplit(" ", 1)[1]

    def put(self, pid, quantity, client=None, who=None, status=200):
        c = client or self.client()
        headers = self.as_(who) if who else {}
        r = c.request("PATCH", f"/api/cart/item/{pid}", body={"quantity": quantity},
                      headers=headers)
        self.assertEqual(r.status, status, r)
        return r.json

    def cart(self, client=None, who=None, lang="en"):
        c = client or self.client()
        headers = {"Accept-Language": lang}
        if who:
            headers.update(self.as_(who))
        r = c.request("GET", "/api/cart", headers=headers)
        self.assertEqual(r.status, 200, r)
        return r.json["data"]

    @staticmethod
    def lines(cart):
        return {i["product_id"]: i["quantity"] for i in cart["cart_items"]}

    def test_guest_cart_set_remove_clear(self):
        _, _, p = self.product(price="120.00", sale="0.25", name="Gästkorg")
        _, _, q = self.product(price="10.00")
        g = self.client()
        empty = self.cart(g)
        self.assertEqual((empty["id"], empty["user_id"], empty["cart_items"]),
                         (None, None, []))
        self.assertNotIn("sessionid", g.cookies)   # reading makes nothing
        j = self.put(p["id"], 2, g)
        self.assertEqual((j["quantity"], j["requested"], j["capped"], j["reason"]),
                         (2, 2, False, None))
        self.assertIn("sessionid", g.cookies)
        self.put(q["id"], 1, g)
        c = self.cart(g)
        self.assertEqual(self.lines(c), {p["id"]: 2, q["id"]: 1})
        item = next(i for i in c["cart_items"] if i["product_id"] == p["id"])
        self.assertEqual((item["unit_price"], item["total_price"],
                          item["original_price"], item["discount_rate"],
                          item["in_stock"], item["available_quantity"]),
                         ("90.00", "180.00", "120.00", 0.25, True, 10))
        self.assertEqual(item["product"]["name"], "Gästkorg en")
        self.assertEqual(item["product"]["date"], "2031-05-01")
        self.assertEqual((c["total"], c["currency"]), ("190.00", "SEK"))
        # Setting is not adding; 0 removes.
        self.put(p["id"], 3, g)
        self.assertEqual(self.lines(self.cart(g))[p["id"]], 3)
        self.put(q["id"], 0, g)
        self.assertEqual(self.lines(self.cart(g)), {p["id"]: 3})
        # A cart holds no places.
        self.assertEqual(self.used(p["event"]["id"]), 0)
        # Another session, and a signed-in user, see nothing of it.
        self.assertEqual(self.cart()["cart_items"], [])
        self.assertEqual(self.cart(who="org2")["cart_items"], [])
        r = g.request("DELETE", "/api/cart/items")
        self.assertEqual(r.status, 204, r)
        self.assertEqual(self.cart(g)["cart_items"], [])

    def test_user_cart_and_errors(self):
        _, _, p = self.product(price="50.00")
        j = self.put(p["id"], 2, who="org2")
        self.assertEqual(j["quantity"], 2)
        c = self.cart(who="org2")
        self.assertEqual((c["user_id"], self.lines(c)),
                         (self.user_id("org2@example.com"), {p["id"]: 2}))
        self.assertEqual(self.query("SELECT count(*) AS n FROM carts c JOIN users u"
                                    " ON u.id = c.user_id WHERE u.email = ?",
                                    "org2@example.com")[0]["n"], 1)
        # Not the buyer's, nor a guest's.
        self.assertEqual(self.cart(who="buyer")["cart_items"], [])
        r = self.client().request("DELETE", "/api/cart/items",
                                  headers=self.as_("org2"))
        self.assertEqual(r.status, 204, r)
        self.assertEqual(self.cart(who="org2")["cart_items"], [])
        # Unknown, unpublished, bad quantities.
        _, _, hidden = self.product(publish=False)
        for pid in (999999999, hidden["id"]):
            r = self.client().request("PATCH", f"/api/cart/item/{pid}",
                                      body={"quantity": 1})
            self.assert_error(r, 404, "PRODUCT_NOT_FOUND")
        for body in ({}, {"quantity": -1}, {"quantity": "x"}, {"quantity": 1001}):
            r = self.client().request("PATCH", f"/api/cart/item/{p['id']}", body=body)
            self.assert_error(r, 400, "VALIDATION_ERROR", "quantity")
        # billet-jo's path works too.
        r = self.client().request("PATCH", f"/api/cart/items/{p['id']}",
                                  body={"quantity": 1}, headers=self.as_("org2"))
        self.assertEqual((r.status, r.json["quantity"]), (200, 1), r)

    def test_caps_stock_and_per_order(self):
        ev, tt, p = self.product(price="10.00", quantity=3)
        g = self.client()
        j = self.put(p["id"], 5, g)
        self.assertEqual((j["quantity"], j["requested"], j["capped"], j["reason"],
                          j["available_quantity"]), (3, 5, True, "stock", 3))
        # The type's max_purchase, and the event's per-order maximum over
        # every line of the event.
        _, _, lim = self.product(price="10.00", type_fields={"max_purchase": 2})
        j = self.put(lim["id"], 4, g)
        self.assertEqual((j["quantity"], j["reason"]), (2, "max_per_order"))
        ev2 = self.event(title=f"Max {uuid.uuid4().hex[:6]}", max_tickets_per_order=4)
        a = self.ttype(ev2, price="5.00", total_quantity=50)
        b = self.ttype(ev2, price="5.00", total_quantity=50)
        self.publish(ev2)
        for t in (a, b):
            r = self.call("POST", "/api/products", {"ticket_type_id": t["id"],
                          "translations": {l: {"name": "T", "description": "D"}
                                           for l in ("sv", "en", "de", "fr")}},
                          "admin")
            self.assertEqual(r.status, 201, r)
        self.assertEqual(self.put(a["id"], 3, g)["quantity"], 3)
        j = self.put(b["id"], 3, g)
        self.assertEqual((j["quantity"], j["reason"]), (1, "max_per_order"))
        # Sold out: nothing to put in the cart.
        self.execute("UPDATE quotas SET used = size WHERE event_id = ?", ev["id"])
        r = self.client().request("PATCH", f"/api/cart/item/{p['id']}",
                                  body={"quantity": 1})
        self.assert_error(r, 409, "STOCK_UNAVAILABLE")
        # The cart says so for the line it already has.
        item = next(i for i in self.cart(g)["cart_items"] if i["product_id"] == p["id"])
        self.assertEqual((item["in_stock"], item["available_quantity"]), (False, 0))
        # A line goes even when its event is no longer published.
        self.execute("UPDATE events SET status = 'draft' WHERE id = ?", ev["id"])
        self.assertEqual(self.put(p["id"], 0, g)["quantity"], 0)
        self.assertNotIn(p["id"], self.lines(self.cart(g)))

    def test_merge_at_login(self):
        email, password = self.new_user()
        _, _, a = self.product(price="20.00", quantity=10)
        _, _, b = self.product(price="30.00", quantity=4)
        _, _, c = self.product(price="40.00", quantity=10)
        # The account's cart first: a 1, b 2.
        tok = self.token(email, password)
        h = {"Authorization": f"Bearer {tok}"}
        for pid, n in ((a["id"], 1), (b["id"], 2)):
            r = self.client().request("PATCH", f"/api/cart/item/{pid}",
                                      body={"quantity": n}, headers=h)
            self.assertEqual(r.status, 200, r)
        # A guest's: a 2, b 3 (b has 4 left: 2 + 3 is capped), c 1.
        g = self.client()
        for pid, n in ((a["id"], 2), (b["id"], 3), (c["id"], 1)):
            self.put(pid, n, g)
        r = g.post("/api/auth/login", {"email": email, "password": password})
        self.assertEqual(r.status, 200, r)
        m = r.json["cart_merge"]
        self.assertEqual(m["merged"], 3)
        got = {i["product_id"]: (i["guest_quantity"], i["previous_quantity"],
                                 i["quantity"], i["capped"], i["reason"])
               for i in m["items"]}
        self.assertEqual(got, {a["id"]: (2, 1, 3, False, None),
                               b["id"]: (3, 2, 4, True, "stock"),
                               c["id"]: (1, 0, 1, False, None)})
        r2 = self.client().request("GET", "/api/cart", headers=h)
        self.assertEqual(self.lines(r2.json["data"]),
                         {a["id"]: 3, b["id"]: 4, c["id"]: 1})
        # The guest's cart is gone (the sign-in's cookies set aside: they
        # are the account's); signing in again merges nothing.
        g.cookies.pop("access_token", None)
        g.cookies.pop("refresh_token", None)
        self.assertEqual(self.cart(g)["cart_items"], [])
        r = g.post("/api/auth/login", {"email": email, "password": password})
        self.assertNotIn("cart_merge", r.json)
        # A browser sign-in merges as well, and the cookie is then the
        # account's: its cart is the account's.
        g2 = self.client()
        self.put(c["id"], 2, g2)
        r = g2.post("/api/auth/login", {"email": email, "password": password,
                                        "client": "browser"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["cart_merge"]["items"][0]["quantity"], 3)
        self.assertEqual(self.lines(self.cart(g2))[c["id"]], 3)

    def test_merge_at_every_sign_in(self):
        """The pages' /login and seed 001's /api/users/login merge the
        guest cart too (they do not report it: the cart shows it)."""
        email, password = self.new_user()
        _, _, a = self.product(price="20.00", quantity=10)
        tok = self.token(email, password)
        h = {"Authorization": f"Bearer {tok}"}
        g = self.client()
        self.put(a["id"], 2, g)
        g.get("/login")
        r = g.post("/login", form={"email": email, "password": password,
                                   "next": "/my-tickets", "csrf": g.cookies["csrftoken"]})
        self.assertEqual((r.status, r.header("Location")), (303, "/my-tickets"), r)
        account = self.client().request("GET", "/api/cart", headers=h).json["data"]
        self.assertEqual(self.lines(account), {a["id"]: 2})
        # A wrong password merges nothing.
        g2 = self.client()
        self.put(a["id"], 1, g2)
        g2.get("/login")
        r = g2.post("/login", form={"email": email, "password": "not the password",
                                    "next": "/my-tickets", "csrf": g2.cookies["csrftoken"]})
        self.assertEqual(r.status, 401, r)
        self.assertEqual(self.lines(self.cart(g2)), {a["id"]: 1})
        r = g2.post("/api/users/login", {"email": email, "password": password})
        self.assertEqual(r.status, 200, r)
        account = self.client().request("GET", "/api/cart", headers=h).json["data"]
        self.assertEqual(self.lines(account), {a["id"]: 3})
        self.assertEqual(self.cart(g2)["cart_items"], [])

    def test_guest_carts_pruned_when_their_session_ends(self):
        _, _, p = self.product()
        g = self.client()
        self.put(p["id"], 1, g)
        sid = self.query("SELECT session_id FROM carts WHERE session_id IS NOT NULL"
                         " ORDER BY id DESC LIMIT 1")[0]["session_id"]
        self.stack.biljett("expire")
        self.assertEqual(self.query("SELECT count(*) AS n FROM carts"
                                    " WHERE session_id = ?", sid)[0]["n"], 1)
        self.execute("UPDATE sessions SET expires_at = 1 WHERE id = ?", sid)
        self.stack.biljett("expire")
        self.assertEqual(self.query("SELECT count(*) AS n FROM carts"
                                    " WHERE session_id = ?", sid)[0]["n"], 0)
        self.assertEqual(self.query("SELECT count(*) AS n FROM cart_items i"
                                    " LEFT JOIN carts c ON c.id = i.cart_id"
                                    " WHERE c.id IS NULL")[0]["n"], 0)
