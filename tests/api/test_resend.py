"""Sending an order's tickets again (issue 10, lib/transfer): its buyer
(POST /api/orders/{id}/resend/ and the mail link's page) and the event's
organizer (optionally to a corrected address, which becomes the order's
and is audited), the same ticket mail as the first, at most
RESEND_PER_WINDOW (3) resends an hour per order: then 429 with
Retry-After."""
import re
import uuid

from flow import mails_to, organizer_pages_client, png_parts, wait_for
from test_transfer import TransferBase

RESENDS_PER_HOUR = 3


class Resend(TransferBase):
    def resend(self, order, who="buyer", **body):
        return self.call("POST", f"/api/orders/{order['uid']}/resend/", body, who)

    def ticket_mails(self, address, title):
        return [m for m in mails_to(self.stack.mail_dir, address)
                if title in str(m["Subject"]) and png_parts(m)]

    def test_buyer_resends_until_the_limit(self):
        ev, o, tickets = self.bought()
        wait_for(lambda: len(self.ticket_mails("buyer@example.com", ev["title"])) == 1,
                 what="the first ticket mail")
        for n in range(RESENDS_PER_HOUR):
            r = self.resend(o)
            self.assertEqual((r.status, r.json["email"]), (202, "buyer@example.com"), r)
            wait_for(lambda: len(self.ticket_mails("buyer@example.com",
                                                   ev["title"])) == n + 2,
                     what=f"resend {n + 1}")
        # The same mail as the first: every ticket, with its QR code.
        last = self.ticket_mails("buyer@example.com", ev["title"])[-1]
        self.assertEqual(len(png_parts(last)), 2)
        r = self.resend(o)
        self.assert_error(r, 429, "TOO_MANY_RESENDS")
        self.assertGreater(int(r.header("Retry-After")), 0)
        # The organizer is held to the same limit: it protects the inbox.
        r = self.resend(o, who="org1")
        self.assert_error(r, 429, "TOO_MANY_RESENDS")
        self.assertEqual(self.query("SELECT count(*) AS n FROM outbox b JOIN orders o"
                                    " ON o.id = b.order_id WHERE o.uid = ?"
                                    " AND b.kind = 'tickets'", o["uid"])[0]["n"],
                         1 + RESENDS_PER_HOUR)

    def test_organizer_resends_to_a_corrected_address(self):
        ev, o, tickets = self.bought()
        fixed = f"Fixed-{uuid.uuid4().hex[:6]}@Example.com"
        r = self.resend(o, who="buyer", email=fixed)
        self.assert_error(r, 403, "FORBIDDEN")
        r = self.resend(o, who="org1", email=fixed)
        self.assertEqual(r.status, 202, r)
        msgs = wait_for(lambda: self.ticket_mails(fixed.lower(), ev["title"]),
                        what="the mail to the corrected address")
        self.assertEqual(len(png_parts(msgs[0])), 2)
        self.assertEqual(self.status(o)["buyer_email"], fixed.lower())
        audit = self.query("SELECT a.user_id, a.before, a.after FROM audit_log a"
                           " JOIN orders o ON o.id = a.entity_id WHERE a.entity = 'order'"
                           " AND a.action = 'resend_tickets' AND o.uid = ?", o["uid"])
        self.assertEqual(len(audit), 1)
        self.assertIn("buyer@example.com", audit[0]["before"])
        self.assertIn(fixed.lower(), audit[0]["after"])
        # An admin may too; a bad address is a field error.
        r = self.resend(o, who="admin", email="not an address")
        self.assert_error(r, 400, "VALIDATION_ERROR", "email")

    def test_who_and_which_orders(self):
        ev, o, tickets = self.bought()
        # Another organizer, another buyer: not found.
        r = self.resend(o, who="org2")
        self.assert_error(r, 404, "ORDER_NOT_FOUND")
        r = self.client().post(f"/api/orders/{o['uid']}/resend/", {})
        self.assertEqual(r.status, 401, r)
        r = self.call("POST", f"/api/orders/{uuid.uuid4()}/resend/", {}, "buyer")
        self.assert_error(r, 404, "ORDER_NOT_FOUND")
        # An order not paid has nothing to send.
        ev2, tt2 = self.simple_event()
        held = self.order(ev2, [{"ticket_type_id": tt2["id"], "quantity": 1}])
        r = self.resend(held)
        self.assert_error(r, 400, "ORDER_STATE")
        # A refunded one neither.
        r = self.call("POST", f"/api/orders/{o['uid']}/refund/", {}, "buyer")
        self.assertEqual(r.status, 200, r)
        r = self.resend(o)
        self.assert_error(r, 400, "ORDER_STATE")

    def test_resend_from_the_mail_link(self):
        ev, o, tickets = self.bought()
        out = self.stack.biljett("ticket-link", o["uid"])
        path = re.search(r"(/tickets/[0-9a-f-]{36}/[0-9a-f]{32})", out).group(1)
        c = self.client()
        page = c.get(path)
        self.assertEqual(page.status, 200, page)
        token = re.search(rb'name="csrf" value="([0-9a-f]{64})"', page.body).group(1)
        self.assertIn(f'action="{path}/resend"'.encode(), page.body)
        r = c.post(path + "/resend", form={"csrf": "0" * 64})
        self.assertEqual(r.status, 403, r)
        r = c.post(path + "/resend", form={"csrf": token.decode()})
        self.assertEqual(r.status, 200, r)
        wait_for(lambda: len(self.ticket_mails("buyer@example.com", ev["title"])) == 2,
                 what="the resent mail")
        for _ in range(RESENDS_PER_HOUR - 1):
            self.assertEqual(c.post(path + "/resend",
                                    form={"csrf": token.decode()}).status, 200)
        r = c.post(path + "/resend", form={"csrf": token.decode()})
        self.assertEqual(r.status, 429, r)
        r = c.post(path[:-4] + "0000/resend", form={"csrf": token.decode()})
        self.assertEqual(r.status, 404, r)


class ResendBackOffice(TransferBase):
    """The organizer's orders page: "send again", to a corrected address;
    the event form's transfer settings."""
    PASSWORD = "hemligt-lösenord-3"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stack.biljett("create-user", "chef@example.com", "organizer",
                          "--password", cls.PASSWORD)
        cls.tokens["chef@example.com"] = cls.token("chef@example.com", cls.PASSWORD)

    def signed_in(self):
        return organizer_pages_client(self, "chef@example.com", self.PASSWORD)

    def test_orders_page_sends_again(self):
        ev = self.event(who="chef", title=f"Chefsfest {uuid.uuid4().hex[:6]}")
        tt = self.ttype(ev, who="chef", name="Ordinarie", price="100.00",
                        total_quantity=10)
        self.publish(ev, who="chef")
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": 1}])
        self.confirm(self.intent(o)["payment_intent"]["payment_intent_id"])
        c = self.signed_in()
        en = {"Accept-Language": "en"}
        page = c.get(f"/organizer/events/{ev['id']}/orders", headers=en)
        action = f"/organizer/events/{ev['id']}/orders/{o['uid']}/resend"
        self.assertIn(action.encode(), page.body)
        r = c.post(action, form={"email": "nope", "csrf": c.cookies["csrftoken"]},
                   headers=en)
        self.assertEqual(r.status, 400, r)
        self.assertIn(b"Enter a valid e-mail address", r.body)
        r = c.post(action, form={"email": "", "csrf": "0" * 64})
        self.assertEqual(r.status, 403, r)
        fixed = f"chef-fixed-{uuid.uuid4().hex[:6]}@example.com"
        r = c.post(action, form={"email": fixed, "csrf": c.cookies["csrftoken"]})
        self.assertEqual((r.status, r.header("Location")),
                         (303, f"/organizer/events/{ev['id']}/orders?done=resent"), r)
        wait_for(lambda: self.ticket_mails(fixed, ev["title"]), what="the resent mail")
        self.assertEqual(self.status(o)["buyer_email"], fixed)
        # Another organizer's order is not there.
        other_ev, other_o, _ = self.bought()
        r = c.post(f"/organizer/events/{ev['id']}/orders/{other_o['uid']}/resend",
                   form={"email": "", "csrf": c.cookies["csrftoken"]})
        self.assertEqual(r.status, 404, r)

    def ticket_mails(self, address, title):
        return [m for m in mails_to(self.stack.mail_dir, address)
                if title in str(m["Subject"]) and png_parts(m)]

    def test_event_form_transfer_settings(self):
        ev = self.event(who="chef", title=f"Formfest {uuid.uuid4().hex[:6]}")
        c = self.signed_in()
        path = f"/organizer/events/{ev['id']}/edit"
        page = c.get(path, headers={"Accept-Language": "en"})
        self.assertIn(b'id="transfers"', page.body)
        self.assertIn(b'id="transfer_cutoff" name="transfer_cutoff"', page.body)
        form = {"title_sv": "Formfest", "start": "2031-07-10T12:00",
                "end": "2031-07-10T23:00", "capacity": "100", "transfers": "1",
                "transfer_cutoff": "6", "transfers_max": "2",
                "csrf": c.cookies["csrftoken"]}
        r = c.post(path, form=form)
        self.assertEqual(r.status, 303, r)
        row = self.query("SELECT transfers_allowed, transfer_cutoff_hours, transfers_max"
                         " FROM events WHERE id = ?", ev["id"])[0]
        self.assertEqual(tuple(row), (1, 6, 2))
        r = c.post(path, form=dict(form, transfers="0", transfers_max="",
                                   transfer_cutoff="99999"), headers={"Accept-Language": "en"})
        self.assertEqual(r.status, 400, r)
        self.assertIn(b"Enter a number of hours from 0 to 8760.", r.body)
        r = c.post(path, form=dict(form, transfers="0", transfers_max=""))
        self.assertEqual(r.status, 303, r)
        row = self.query("SELECT transfers_allowed, transfer_cutoff_hours, transfers_max"
                         " FROM events WHERE id = ?", ev["id"])[0]
        self.assertEqual(tuple(row), (0, 6, None))
