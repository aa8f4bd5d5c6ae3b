"""Seed 000's invoices over the real stack: one invoice per paid order
whatever the way to pay (Stripe and Swish through their simulators,
free, by hand), numbered gaplessly per organizer and year under 100
concurrent payments, credit notes for refunds, VAT per line, PDFs read
back with poppler (pdftotext, pdftoppm), and the three routes with their
errors and roles."""
import datetime
import os
import re
import subprocess
import tempfile
import urllib.parse
import uuid
import zoneinfo

from flow import Swish
from support import all_at_once
from test_stripe import StripeBase

SERVER_ZONE = zoneinfo.ZoneInfo("Europe/Stockholm")   # devstack's timezone


def pdf_text(data):
    """The PDF's text as pdftotext lays it out."""
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data,
                         capture_output=True, check=True)
    return out.stdout.decode()


class InvoiceBase(StripeBase):
    def invoices_of(self, order):
        return self.query("SELECT i.* FROM invoices i JOIN orders o ON o.id ="
                          " i.order_id WHERE o.uid = ? ORDER BY i.id", order["uid"])

    def lines_of(self, invoice_id):
        return self.query("SELECT * FROM invoice_lines WHERE invoice_id = ?"
                          " ORDER BY position", invoice_id)

    def download(self, filename, who="buyer", admin=False, status=200):
        path = f"/api/invoices/{'admin/' if admin else ''}{filename}"
        r = self.call("GET", path, who=who)
        self.assertEqual(r.status, status, r)
        if status == 200:
            self.assertEqual(r.header("Content-Type"), "application/pdf")
            self.assertEqual(r.header("Content-Disposition"),
                             f'attachment; filename="{filename}"')
            self.assertTrue(r.body.startswith(b"%PDF-"))
        return r

    def confirm_by_hand(self, order, who="buyer"):
        r = self.call("POST", f"/api/orders/{order['uid']}/confirm_payment/",
                      {"payment_id": f"hand-{uuid.uuid4().hex[:8]}",
                       "payment_method": "stripe"}, who)
        return r.status

    def assert_series_gapless(self):
        """Every organizer's numbers of a year run 1..n, each once."""
        rows = self.query("SELECT organizer_id, year, seq, number FROM invoices"
                          " ORDER BY organizer_id, year, seq")
        series = {}
        for r in rows:
            series.setdefault((r["organizer_id"], r["year"]), []).append(r["seq"])
            self.assertTrue(r["number"].endswith(f"{r['year']}-{r['seq']:06d}"), r)
        for key, seqs in series.items():
            self.assertEqual(seqs, list(range(1, len(seqs) + 1)), key)
        return series


class Issuing(InvoiceBase):
    def test_card_payment_invoice_with_vat_reads_back(self):
        ev, tt = self.simple_event(price="100.00", vat_rate="6")
        self.assertEqual(ev["vat_rate"], "6.00")
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 2}],
                       buyer_name="Renée Åström")
        self.assertEqual(self.invoices_of(o), [])   # not paid: no invoice
        pi = self.intent(o)["payment_intent"]["payment_intent_id"]
        out = self.confirm(pi)
        self.assertEqual([d["status"] for d in out["deliveries"]], [200], out)
        [inv] = self.invoices_of(o)
        ref = self.query("SELECT payment_reference AS r FROM payments"
                         " WHERE provider_ref = ?", pi)[0]["r"]
        self.assertEqual((inv["kind"], inv["gross"], inv["currency"], inv["provider"],
                          inv["payment_reference"], inv["buyer_name"],
                          inv["order_number"], inv["has_vat"]),
                         ("invoice", 21000, "SEK", "stripe", ref, "Renée Åström",
                          o["order_number"], 1))
        # VAT per line, half to even: 200.00 * 6/106 = 11.32; the fee,
        # 10.00 at the event's rate, 0.57.  Totals are the lines' sums.
        lines = self.lines_of(inv["id"])
        self.assertEqual([(l["kind"], l["quantity"], l["unit_price"], l["vat_rate"],
                           l["gross"], l["vat"], l["net"]) for l in lines],
                         [("ticket", 2, 10000, 600, 20000, 1132, 18868),
                          ("fee", 1, 1000, 600, 1000, 57, 943)])
        self.assertEqual((inv["vat"], inv["net"]), (1189, 19811))
        # The buyer's list, as seed 000 answers it.
        r = self.call("GET", "/api/invoices", who="buyer")
        self.assertEqual(r.status, 200, r)
        item = next(i for i in r.json["data"] if i["invoice_link"] == inv["filename"])
        self.assertEqual((item["uuid"], item["amount"], item["status"], item["number"],
                          item["kind"]), (o["uid"], 210.0, "paid", inv["number"],
                                          "invoice"))
        self.assertTrue(item["download_url"].endswith(f"/api/invoices/{inv['filename']}"))
        self.assertRegex(item["created_at"], r"^\d{4}-\d\d-\d\dT")
        # The PDF: the same bytes every time, and it reads back right.
        pdf = self.download(inv["filename"]).body
        self.assertEqual(self.download(inv["filename"]).body, pdf)
        text = pdf_text(pdf)
        for want in (inv["number"], o["order_number"], "Renée Åström",
                     "buyer@example.com", "200.00", "210.00 SEK", "11.32", "0.57",
                     "11.89 SEK", "198.11 SEK", ref):
            self.assertIn(want, text)
        self.assertRegex(text, r"\b6 ?%")
        # Swedish unless the buyer said otherwise: the order's language.
        self.assertIn("Faktura", text)
        self.assertIn("Moms", text)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "f.pdf")
            with open(path, "wb") as f:
                f.write(pdf)
            subprocess.run(["pdftoppm", "-r", "40", "-png", path,
                            os.path.join(d, "page")], check=True,
                           capture_output=True)
            self.assertTrue(any(n.endswith(".png") for n in os.listdir(d)))

    def test_type_rate_overrides_event_and_no_vat_without_rates(self):
        ev = self.event(title=f"Momsfest {uuid.uuid4().hex[:6]}", vat_rate="6")
        std = self.ttype(ev, name="Ordinarie", price="100.00", total_quantity=10)
        food = self.ttype(ev, name="Middag", price="250.00", total_quantity=10,
                          vat_rate="12.5")
        self.assertEqual((std["vat_rate"], food["vat_rate"]), (None, "12.50"))
        self.publish(ev)
        o = self.order(ev, [{"ticket_type_id": std["id"], "quantity": 1},
                            {"ticket_type_id": food["id"], "quantity": 2}])
        self.assertEqual(self.confirm_by_hand(o), 200)
        [inv] = self.invoices_of(o)
        rates = [(l["kind"], l["vat_rate"], l["vat"]) for l in self.lines_of(inv["id"])]
        # 500.00 * 12.5/112.5 = 55.56; 100.00 * 6/106 = 5.66; fee 30.00: 1.70.
        self.assertEqual(rates, [("ticket", 600, 566), ("ticket", 1250, 5556),
                                 ("fee", 600, 170)])
        text = pdf_text(self.download(inv["filename"]).body)
        self.assertRegex(text, r"12\.5 ?%")
        # A bad rate is refused.
        r = self.call("PATCH", f"/api/tickets/types/{std['id']}/", {"vat_rate": "101"},
                      "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "vat_rate")
        r = self.call("PATCH", f"/api/events/{ev['slug']}/", {"vat_rate": "6.125"}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "vat_rate")

        plain, tt = self.simple_event(price="80.00")
        self.assertIsNone(plain["vat_rate"])
        o = self.order(plain, [{"ticket_type_id": tt["id"], "quantity": 1}])
        self.assertEqual(self.confirm_by_hand(o), 200)
        [inv] = self.invoices_of(o)
        self.assertEqual((inv["has_vat"], inv["vat"], inv["gross"]), (0, 0, 8400))
        self.assertEqual({l["vat_rate"] for l in self.lines_of(inv["id"])}, {None})
        text = pdf_text(self.download(inv["filename"]).body)
        self.assertNotIn("Moms", text)
        self.assertIn("84.00 SEK", text)

    def test_free_order_gets_a_zero_invoice(self):
        ev, tt = self.simple_event(price="0")
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 2}])
        self.assertEqual(o["status"], "confirmed")
        [inv] = self.invoices_of(o)
        self.assertEqual((inv["gross"], inv["provider"]), (0, "free"))
        self.assertIn("0.00 SEK", pdf_text(self.download(inv["filename"]).body))

    def test_swish_payment_of_a_guest(self):
        swish = Swish(self.stack)
        types, event = self.show(f"inv{uuid.uuid4().hex[:6]}", seats=10)
        c = self.client()
        r = c.post("/reserve_ticket/", {"chapter_event": event,
                                        "tickets": [{"ticket_type": types["std"],
                                                     "count": 2}]})
        self.assertEqual(r.status, 201, r)
        r = c.post("/start_payment/", {"email_address": "gast@example.com"})
        self.assertEqual(r.status, 200, r)
        req = swish.request_by_token(r.json)
        status, out = swish.act(req["id"], "pay")
        self.assertEqual((status, out["callback_status"]), (200, 200), out)
        self.assertEqual(c.get("/session_payment_status/").json["status"], "PAID")
        rows = self.query("SELECT i.* FROM invoices i JOIN orders o ON o.id = i.order_id"
                          " WHERE o.event_id = ?", event)
        self.assertEqual(len(rows), 1)
        inv = rows[0]
        self.assertEqual((inv["provider"], inv["gross"], inv["user_id"],
                          inv["organizer_id"], inv["buyer_email"]),
                         ("swish", 39800, None, 0, "gast@example.com"))
        self.assertTrue(inv["filename"].startswith("invoice_0_"))
        # No account: only an admin downloads it.
        self.download(inv["filename"], who="buyer", status=404)
        text = pdf_text(self.download(inv["filename"], who="admin", admin=True).body)
        self.assertIn("398.00 SEK", text)

    def test_snapshot_survives_edits(self):
        ev, tt = self.simple_event(price="50.00")
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 1}])
        self.assertEqual(self.confirm_by_hand(o), 200)
        [inv] = self.invoices_of(o)
        before = self.download(inv["filename"]).body
        r = self.call("PATCH", f"/api/events/{ev['slug']}/", {"title": "Nytt namn"}, "org1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.download(inv["filename"]).body, before)


class Seller(InvoiceBase):
    def test_store_details_and_prefix(self):
        r = self.call("POST", "/api/stores/create/", {
            "name": "Vårspelet", "legal_name": "Föreningen Vårspelet",
            "org_number": "802000-1234", "vat_number": "SE802000123401",
            "address": "Storgatan 1, 222 22 Lund", "invoice_prefix": "VS-"}, "org2")
        self.assertEqual(r.status, 201, r)
        got = self.call("GET", "/api/stores/manage/", who="org2").json
        self.assertEqual((got["legal_name"], got["invoice_prefix"]),
                         ("Föreningen Vårspelet", "VS-"))
        r = self.call("PATCH", "/api/stores/manage/", {"invoice_prefix": "vs"}, "org2")
        self.assert_error(r, 400, "VALIDATION_ERROR", "invoice_prefix")
        ev = self.event(who="org2", title=f"Säljare {uuid.uuid4().hex[:6]}")
        tt = self.ttype(ev, who="org2", price="10.00", total_quantity=5)
        self.publish(ev, who="org2")
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 1}])
        self.assertEqual(self.confirm_by_hand(o), 200)
        [inv] = self.invoices_of(o)
        self.assertRegex(inv["number"], r"^VS-\d{4}-\d{6}$")
        text = pdf_text(self.download(inv["filename"]).body)
        for want in ("Föreningen Vårspelet", "802000-1234", "SE802000123401",
                     "Storgatan 1, 222 22 Lund"):
            self.assertIn(want, text)


class Numbering(InvoiceBase):
    def test_gapless_under_100_concurrent_payments_per_organizer(self):
        ev, tt = self.simple_event(price="20.00", quantity=200)
        other = self.event(who="org2", title=f"Andra {uuid.uuid4().hex[:6]}")
        ott = self.ttype(other, who="org2", price="20.00", total_quantity=200)
        self.publish(other, who="org2")
        orders = [self.order(ev if i % 4 else other,
                             [{"ticket_type_id": (tt if i % 4 else ott)["id"],
                               "quantity": 1}]) for i in range(100)]
        statuses = all_at_once(100, lambda i: self.confirm_by_hand(orders[i]))
        self.assertEqual(statuses, [200] * 100)
        for o in orders:
            self.assertEqual(len(self.invoices_of(o)), 1, o["uid"])
        series = self.assert_series_gapless()
        org = {r["email"]: r["id"] for r in self.query("SELECT id, email FROM users")}
        years = {y for (_, y) in series}
        self.assertEqual(len(years), 1)
        year = years.pop()
        self.assertEqual(len(series[(org["org2@example.com"], year)]), 25)
        self.assertGreaterEqual(len(series[(org["org1@example.com"], year)]), 75)
        # The next payment takes the next number.
        n = len(series[(org["org1@example.com"], year)])
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 1}])
        self.assertEqual(self.confirm_by_hand(o), 200)
        self.assertEqual(self.invoices_of(o)[0]["seq"], n + 1)


class CreditNotes(InvoiceBase):
    def test_partial_then_full_refund(self):
        ev, tt, o, pi = self.paid_order(price="100.00", count=2)   # 210.00
        [inv] = self.invoices_of(o)
        r = self.call("POST", f"/api/orders/{o['uid']}/refund/", {"amount": "50.00"},
                      "buyer")
        self.assertEqual(r.status, 200, r)
        inv0, note = self.invoices_of(o)
        self.assertEqual((note["kind"], note["credits_id"], note["gross"], note["seq"],
                          note["organizer_id"]),
                         ("credit_note", inv["id"], -5000, inv["seq"] + 1,
                          inv["organizer_id"]))
        self.assertTrue(note["filename"].startswith("credit_"))
        [line] = self.lines_of(note["id"])
        self.assertEqual((line["kind"], line["gross"]), ("refund", -5000))
        text = pdf_text(self.download(note["filename"]).body)
        self.assertIn("Kreditfaktura", text)
        self.assertIn(inv["number"], text)
        self.assertIn("-50.00 SEK", text)
        lst = self.call("GET", "/api/invoices?status=refunded", who="buyer").json
        self.assertIn(note["filename"], [i["invoice_link"] for i in lst["data"]])
        self.assertNotIn(inv["filename"], [i["invoice_link"] for i in lst["data"]])
        # The rest: a second credit note, and together they cancel it.
        r = self.call("POST", f"/api/orders/{o['uid']}/refund/", {}, "buyer")
        self.assertEqual(r.status, 200, r)
        rows = self.invoices_of(o)
        self.assertEqual([x["gross"] for x in rows], [21000, -5000, -16000])
        self.assertEqual(sum(x["gross"] for x in rows), 0)
        self.assert_series_gapless()

    def test_full_refund_credits_every_line_with_its_vat(self):
        ev, tt = self.simple_event(price="100.00", vat_rate="25")
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 1}])
        pi = self.intent(o)["payment_intent"]["payment_intent_id"]
        self.confirm(pi)
        r = self.call("POST", f"/api/orders/{o['uid']}/refund/", {}, "org1")
        self.assertEqual(r.status, 200, r)
        inv, note = self.invoices_of(o)
        a = [(l["kind"], l["gross"], l["vat"]) for l in self.lines_of(inv["id"])]
        b = [(l["kind"], -l["gross"], -l["vat"]) for l in self.lines_of(note["id"])]
        self.assertEqual(a, b)
        self.assertEqual((note["vat"], note["gross"]), (-inv["vat"], -inv["gross"]))

    def test_partial_refund_splits_vat_pro_rata(self):
        ev = self.event(title=f"Delat {uuid.uuid4().hex[:6]}", vat_rate="25")
        a = self.ttype(ev, name="A", price="200.00", total_quantity=5)
        b = self.ttype(ev, name="B", price="100.00", total_quantity=5, vat_rate="6")
        self.publish(ev)
        o = self.order(ev, [{"ticket_type_id": a["id"], "quantity": 1},
                            {"ticket_type_id": b["id"], "quantity": 1}])
        pi = self.intent(o)["payment_intent"]["payment_intent_id"]
        self.confirm(pi)
        # Paid 315.00: 200 + 15 fee at 25 %, 100 at 6 %.  Refund 63.00.
        r = self.call("POST", f"/api/orders/{o['uid']}/refund/", {"amount": "63.00"},
                      "buyer")
        self.assertEqual(r.status, 200, r)
        note = self.invoices_of(o)[1]
        lines = [(l["vat_rate"], l["gross"], l["vat"]) for l in self.lines_of(note["id"])]
        # 63 * 215/315 = 43.00 at 25 % (VAT 8.60), 20.00 at 6 % (1.13).
        self.assertEqual(lines, [(2500, -4300, -860), (600, -2000, -113)])


PASSWORD = "hemligt-lösenord-1"


class Routes(InvoiceBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # An organizer whose password the back-office pages need.
        cls.stack.biljett("create-user", "org3@example.com", "organizer",
                          "--password", PASSWORD)
        cls.tokens["org3@example.com"] = cls.token("org3@example.com", PASSWORD)

    def test_back_office_orders_page_links_the_invoice(self):
        ev = self.event(who="org3", title=f"Länkar {uuid.uuid4().hex[:6]}")
        tt = self.ttype(ev, who="org3", price="40.00", total_quantity=5)
        self.publish(ev, who="org3")
        paid = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 1}])
        held = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 1}])
        self.assertEqual(self.confirm_by_hand(paid), 200)
        [inv] = self.invoices_of(paid)
        c = self.client()
        c.get("/organizer/login")
        r = c.post("/organizer/login", form={"email": "org3@example.com",
                                             "password": PASSWORD,
                                             "csrf": c.cookies["csrftoken"]})
        self.assertEqual(r.status, 303, r)
        page = c.get(f"/organizer/events/{ev['id']}/orders").body.decode()
        link = f'href="/api/invoices/admin/{inv["filename"]}"'
        self.assertEqual(page.count(link), 1, page)
        self.assertIn(inv["number"], page)
        self.assertIn(held["order_number"], page)
        # The link works with the page's own session cookie.
        r = c.get(f"/api/invoices/admin/{inv['filename']}")
        self.assertEqual((r.status, r.header("Content-Type")), (200, "application/pdf"), r)

    def paid(self):
        ev, tt = self.simple_event(price="30.00")
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 1}])
        self.assertEqual(self.confirm_by_hand(o), 200)
        return self.invoices_of(o)[0]

    def test_own_others_admin_and_roles(self):
        inv = self.paid()
        name = inv["filename"]
        self.download(name)
        # Another user's invoice: as if there were none.
        r = self.download(name, who="org2", status=404)
        self.assertEqual(r.json["code"], "INVOICE_NOT_FOUND")
        self.assertEqual(self.call("GET", f"/api/invoices/{name}").status, 401)
        # The admin route: admins, the event's organizer; not another
        # organizer (404) and not a customer (403).
        self.download(name, who="admin", admin=True)
        self.download(name, who="org1", admin=True)
        self.assertEqual(self.download(name, who="org2", admin=True, status=404)
                         .json["code"], "INVOICE_NOT_FOUND")
        self.assertEqual(self.download(name, who="buyer", admin=True, status=403)
                         .json["code"], "FORBIDDEN")
        self.assertEqual(self.call("GET", f"/api/invoices/admin/{name}").status, 401)
        self.assertNotIn(name, [i["invoice_link"] for i in self.call(
            "GET", "/api/invoices", who="org2").json["data"]])

    def test_bad_and_unknown_file_names(self):
        # A slash is never part of a name: no route has two segments there.
        r = self.call("GET", "/api/invoices/..%2F..%2Fetc%2Fpasswd", who="buyer")
        self.assertEqual(r.status, 404, r)
        for bad in ("..%2E%2E", "invoice_1_2026-000001.txt",
                    "invoice_01_2026-000001.pdf", "x.pdf",
                    urllib.parse.quote("invoice_1_2026 000001.pdf")):
            r = self.call("GET", f"/api/invoices/{bad}", who="buyer")
            self.assert_error(r, 400, "VALIDATION_ERROR", "filename")
            r = self.call("GET", f"/api/invoices/admin/{bad}", who="admin")
            self.assert_error(r, 400, "VALIDATION_ERROR", "filename")
        r = self.call("GET", "/api/invoices/invoice_1_1999-000001.pdf", who="buyer")
        self.assert_error(r, 404, "INVOICE_NOT_FOUND")
        r = self.call("GET", "/api/invoices/admin/credit_1_1999-000001.pdf", who="admin")
        self.assert_error(r, 404, "INVOICE_NOT_FOUND")

    def test_list_filters_sorting_and_pages(self):
        a, b, c = self.paid(), self.paid(), self.paid()
        r = self.call("GET", "/api/invoices?per_page=2&sort_by=created_at&sort_order=asc",
                      who="buyer")
        self.assertEqual(r.status, 200, r)
        j = r.json
        total = j["meta"]["total"]
        self.assertGreaterEqual(total, 3)
        self.assertEqual((j["meta"]["per_page"], j["meta"]["current_page"],
                          j["meta"]["from"], j["meta"]["to"], j["meta"]["last_page"]),
                         (2, 1, 1, 2, (total + 1) // 2))
        self.assertIsNone(j["links"]["prev"])
        self.assertIn("page=2", j["links"]["next"])
        self.assertTrue(j["meta"]["path"].endswith("/api/invoices"))
        last = self.call("GET", f"/api/invoices?per_page=2&page={j['meta']['last_page']}"
                         "&sort_order=asc", who="buyer").json
        self.assertIsNone(last["links"]["next"])
        self.assertEqual(last["data"][-1]["invoice_link"], c["filename"])
        newest = self.call("GET", "/api/invoices?per_page=1", who="buyer").json
        self.assertEqual(newest["data"][0]["invoice_link"], c["filename"])
        by_amount = self.call("GET", "/api/invoices?sort_by=amount&sort_order=desc"
                              "&per_page=100", who="buyer").json["data"]
        amounts = [i["amount"] for i in by_amount]
        self.assertEqual(amounts, sorted(amounts, reverse=True))
        # The day b was issued on where the server keeps its calendar (the
        # test stack's timezone), not this process's: the two differ by a
        # day for an hour each night.
        day = datetime.datetime.fromtimestamp(b["issued_at"], SERVER_ZONE).date()
        r = self.call("GET", f"/api/invoices?date_from={day}&date_to={day}&status=paid",
                      who="buyer")
        self.assertEqual(r.status, 200, r)
        self.assertIn(b["filename"], [i["invoice_link"] for i in r.json["data"]])
        r = self.call("GET", "/api/invoices?date_to=2000-01-01", who="buyer")
        self.assertEqual(r.json["data"], [])
        self.assertIsNone(r.json["meta"]["from"])
        for q, field in (("status=lost", "status"), ("sort_by=price", "sort_by"),
                         ("sort_order=up", "sort_order"), ("per_page=0", "per_page"),
                         ("date_from=2026-13-01", "date_from")):
            r = self.call("GET", f"/api/invoices?{q}", who="buyer")
            self.assert_error(r, 400, "VALIDATION_ERROR", field)
        self.assertEqual(self.call("GET", "/api/invoices").status, 401)
