"""Tickets as PDFs (lib/ticketpdf): seed 004's GET
/api/tickets/my-tickets/{id}/download/, the mail link's
/tickets/{order}/{token}/pdf and the ticket mail's attachment.  Each PDF
is read the way a person and a door would: pdftotext for the words,
pdftoppm -r 150 and zbarimg for the QR code, whose signed payload is
checked with PyNaCl against GET /api/scan/keys/.  Also: the wallet's
answers carry signed codes even for tickets whose organizer had no key
yet (issued before keys were made at issue)."""
import base64
import glob
import os
import re
import struct
import subprocess
import sys
import tempfile
import uuid

try:
    import nacl.signing
except ImportError:
    sys.path.append("/usr/lib/python3/dist-packages")
    import nacl.signing

from flow import mails_to, signed_ticket_id, ticket_code_of, wait_for
from test_stripe import StripeBase

DOOR = "pdf-dörrens lösenord"


def pdf_pages(pdf):
    """[(text, qr)] per page: pdftotext's words and what zbarimg reads
    in pdftoppm's 150 dpi picture of it ("" when there is no code)."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "t.pdf")
        with open(path, "wb") as f:
            f.write(pdf)
        subprocess.run(["pdftoppm", "-r", "150", "-png", path, os.path.join(d, "p")],
                       check=True, capture_output=True)
        out = []
        for i, png in enumerate(sorted(glob.glob(os.path.join(d, "p-*.png"))), 1):
            text = subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), path, "-"],
                                  check=True, capture_output=True, text=True).stdout
            qr = subprocess.run(["zbarimg", "--raw", "-q", png], capture_output=True,
                                text=True).stdout.strip()
            out.append((text, qr))
        return out


def page_size(pdf):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        info = subprocess.run(["pdfinfo", f.name], check=True, capture_output=True,
                              text=True).stdout
    m = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    return round(float(m.group(1))), round(float(m.group(2)))


class TicketPdf(StripeBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stack.biljett("scanner-add", "pdf-door", "--password", DOOR, "--site-wide")

    def keys(self):
        r = self.call("GET", "/api/scan/keys/", who="org1")
        self.assertEqual(r.status, 200, r)
        return {k["key_id"]: nacl.signing.VerifyKey(base64.b64decode(k["public_key"]))
                for k in r.json["keys"]}

    def assert_signed(self, text, code, event_id):
        """text is a signed code for ticket `code` of event_id that
        verifies under a key the door gets (raises if not)."""
        self.assertTrue(text.startswith("BJ1:"), text)
        b32 = text[4:]
        raw = base64.b32decode(b32 + "=" * (-len(b32) % 8))
        _, key, _, event, _, _, _ = struct.unpack(">BIIIIII", raw[:25])
        self.keys()[key].verify(raw[:25], raw[25:])
        self.assertEqual(event, event_id)
        self.assertEqual(ticket_code_of(self.stack.db_path, text), code)

    def download(self, uid, who="buyer", query="", status=200):
        r = self.call("GET", f"/api/tickets/my-tickets/{uid}/download/{query}", who=who,
                      headers={"Accept-Language": "en"})
        self.assertEqual(r.status, status, r)
        return r

    def my_ticket(self, order):
        code = self.status(order)["tickets"][0]["ticket_number"]
        r = self.call("GET", "/api/tickets/my-tickets/?page_size=100", who="buyer")
        return next(t for t in r.json["results"] if t["ticket_number"] == code)

    def seat(self, ev, ticket_uid):
        """Gives the ticket seat 12 of row 3 in section Öster of a venue
        of org1's (the seat-selling flows are tested elsewhere)."""
        v = self.call("POST", "/api/venues/", {
            "name": f"Salong {uuid.uuid4().hex[:6]}", "address": "Torget 1",
            "city": "Lund", "country": "SE", "capacity": 12,
            "sections": [{"name": "Öster", "rows": [
                {"label": "3", "seats": [{"number": str(i)} for i in range(1, 13)]}]}]},
            "org1")
        self.assertEqual(v.status, 201, v)
        self.execute("UPDATE tickets SET seat_id = (SELECT id FROM seats WHERE"
                     " venue_id = ? AND number = '12') WHERE uid = ?",
                     v.json["id"], ticket_uid)

    def test_download_both_layouts(self):
        ev, _, o, _ = self.paid_order(price="150.00", count=1)
        self.execute("UPDATE tickets SET attendee_name = 'Renée Åström-Weiß'"
                     " WHERE order_id = (SELECT id FROM orders WHERE uid = ?)", o["uid"])
        t = self.my_ticket(o)
        self.seat(ev, t["uid"])
        self.assertEqual(t["download_url"], f"/api/tickets/my-tickets/{t['uid']}/download/")
        for query, size in (("", (595, 842)), ("?layout=a4", (595, 842)),
                            ("?layout=ticket", (216, 360))):
            r = self.download(t["uid"], query=query)
            self.assertEqual(r.header("Content-Type"), "application/pdf")
            self.assertEqual(r.header("Content-Disposition"),
                             f'attachment; filename="ticket-{t["ticket_number"]}.pdf"')
            self.assertEqual(page_size(r.body), size, query)
            pages = pdf_pages(r.body)
            self.assertEqual(len(pages), 1)
            text, qr = pages[0]
            for want in (ev["title"], "Aulan", "Section Öster, row 3, seat 12",
                         "Renée Åström-Weiß", o["order_number"], t["ticket_number"],
                         "Ordinarie", "Doors open"):
                self.assertIn(want, text, (query, text))
            self.assert_signed(qr, t["ticket_number"], ev["id"])
            self.assertEqual(qr, self.my_ticket(o)["qr_code_data"])
        # The date and time as the ticket mail writes them.
        self.assertRegex(pdf_pages(self.download(t["uid"]).body)[0][0],
                         r"Date: \d{4}-\d\d-\d\d \d\d:\d\d")
        self.assert_error(self.call("GET", f"/api/tickets/my-tickets/{t['uid']}/download/"
                                    "?layout=a5", who="buyer"), 400, "VALIDATION_ERROR",
                          "layout")

    def test_download_is_the_owners_alone(self):
        _, _, o, _ = self.paid_order(price="70.00", count=1)
        uid = self.my_ticket(o)["uid"]
        path = f"/api/tickets/my-tickets/{uid}/download/"
        self.assertEqual(self.call("GET", path).status, 401)
        for who in ("org2", "org1", "admin"):
            self.assert_error(self.call("GET", path, who=who), 404, "TICKET_NOT_FOUND")
        for bad in (str(uuid.uuid4()), "not-a-uid"):
            self.assert_error(self.call("GET", f"/api/tickets/my-tickets/{bad}/download/",
                                        who="buyer"), 404, "TICKET_NOT_FOUND")

    def test_used_and_cancelled_tickets_are_marked_without_a_code(self):
        _, _, o, _ = self.paid_order(price="90.00", count=2)
        codes = [t["ticket_number"] for t in self.status(o)["tickets"]]
        r = self.client().put("/validate_ticket/", {"external_id": codes[0],
                                                    "password": DOOR, "use_ticket": True})
        self.assertEqual(r.status, 200, r)
        used = next(t for t in self.call("GET", "/api/tickets/my-tickets/?page_size=100",
                                         who="buyer").json["results"]
                    if t["ticket_number"] == codes[0])
        text, qr = pdf_pages(self.download(used["uid"]).body)[0]
        self.assertIn("Used", text)
        self.assertIn(codes[0], text)
        self.assertEqual(qr, "")
        r = self.call("POST", f"/api/orders/{o['uid']}/refund/", {}, "buyer")
        self.assertEqual(r.status, 200, r)
        for t in self.call("GET", "/api/tickets/my-tickets/?page_size=100",
                           who="buyer").json["results"]:
            if t["ticket_number"] in codes:
                text, qr = pdf_pages(self.download(t["uid"]).body)[0]
                self.assertIn("Ticket cancelled", text)
                self.assertEqual(qr, "")

    def mail_with_link(self, order):
        self.stack.biljett("mail")

        def find():
            for msg in mails_to(self.stack.mail_dir, "buyer@example.com"):
                text = msg.get_body(preferencelist=("plain",)).get_content()
                m = re.search(r"https?://\S+(/tickets/%s/[0-9a-f]{32})" % order["uid"], text)
                if m:
                    return msg, m.group(1)
            return None
        return wait_for(find, what="the order's ticket mail")

    def test_order_pdf_behind_the_mail_link_and_in_the_mail(self):
        ev, _, o, _ = self.paid_order(price="110.00", count=2)
        codes = sorted(t["ticket_number"] for t in self.status(o)["tickets"])
        msg, path = self.mail_with_link(o)

        # The mail: the PNGs as before, and one PDF with a page a ticket.
        pdfs = [p for p in msg.walk() if p.get_content_type() == "application/pdf"]
        self.assertEqual(len(pdfs), 1)
        self.assertEqual(pdfs[0].get_filename(), f"tickets-{o['order_number']}.pdf")
        self.assertEqual(len([p for p in msg.walk()
                              if p.get_content_type() == "image/png"]), 2)
        pages = pdf_pages(pdfs[0].get_content())
        self.assertEqual(sorted(ticket_code_of(self.stack.db_path, qr)
                                for _, qr in pages), codes)
        for text, qr in pages:
            self.assertIn(o["order_number"], text)
            self.assert_signed(qr, ticket_code_of(self.stack.db_path, qr), ev["id"])
            self.assertIn(ticket_code_of(self.stack.db_path, qr), text)

        # The page links the order's PDF; the link keeps the token check.
        page = self.client().get(path, headers={"Accept-Language": "en"})
        self.assertEqual(page.status, 200, page)
        self.assertIn(f'<a href="{path}/pdf" download>Download PDF</a>', page.body.decode())
        r = self.client().get(path + "/pdf?layout=ticket")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "application/pdf")
        self.assertEqual(r.header("Content-Disposition"),
                         f'attachment; filename="tickets-{o["order_number"]}.pdf"')
        self.assertEqual(r.header("X-Robots-Tag"), "noindex")
        self.assertEqual(page_size(r.body), (216, 360))
        pages = pdf_pages(r.body)
        self.assertEqual(sorted(ticket_code_of(self.stack.db_path, qr)
                                for _, qr in pages), codes)
        for _, qr in pages:
            self.assert_signed(qr, ticket_code_of(self.stack.db_path, qr), ev["id"])
        uid, token = path.split("/")[2:4]
        for bad in (f"/tickets/{uid}/{'0' * 32}/pdf", f"/tickets/{uid}/{token[:-1]}/pdf",
                    f"/tickets/{uuid.uuid4()}/{token}/pdf"):
            self.assertEqual(self.client().get(bad).status, 404, bad)
        self.assertEqual(self.client().get(path + "/pdf?layout=a5").status, 400)

    def test_tickets_from_before_keys_get_signed_codes(self):
        # Tickets issued while their organizer had no key (before keys
        # were made at issue): the first read makes one.
        ev, _, o, _ = self.paid_order(price="55.00", count=1)
        org = self.query("SELECT organizer_id FROM events WHERE id = ?", ev["id"])[0]
        self.execute("DELETE FROM signing_keys WHERE organizer_id = ?",
                     org["organizer_id"])
        t = self.my_ticket(o)
        self.assertIsNotNone(signed_ticket_id(t["qr_code_data"]))
        self.assert_signed(t["qr_code_data"], t["ticket_number"], ev["id"])
        self.assertEqual(len(self.query("SELECT id FROM signing_keys WHERE organizer_id = ?"
                                        " AND retired_at IS NULL", org["organizer_id"])), 1)
        text, qr = pdf_pages(self.download(t["uid"]).body)[0]
        self.assertEqual(qr, t["qr_code_data"])
