"""Transferring a ticket to another person (issue 10, lib/transfer):
by its signed-in holder (POST /api/tickets/my-tickets/{id}/transfer/),
by the organizer (POST /api/orders/{id}/tickets/{ticket}/transfer/) and
from the mail link's page.  The old short code and the old signed QR code
stop working on every door path and offline (checked with PyNaCl against
the revocation list, as the door page does), the new one admits once,
the mails reach the SMTP sink, and of 20 transfers of one ticket at once
exactly one happens."""
import re
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

from flow import decode_qr, mails_to, png_parts, signed_ticket_id, wait_for
from test_stripe import StripeBase
from test_ticketsig import Door

DOOR = "transfer-door-password-1"      # ASCII: also sent as a header


def iso_in(hours):
    return (datetime.now(timezone.utc) + timedelta(hours=hours)).isoformat(
        timespec="seconds")


class TransferBase(StripeBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stack.biljett("scanner-add", "transfer-door", "--password", DOOR,
                          "--site-wide")

    def bought(self, count=2, **event_fields):
        """A paid order of count tickets of a new event; the buyer's
        tickets of it, oldest first."""
        ev, tt = self.simple_event(**event_fields)
        o = self.order(ev, [{"ticket_type_id": tt["id"], "quantity": count}])
        pi = self.intent(o)["payment_intent"]["payment_intent_id"]
        self.confirm(pi)
        return ev, o, self.held(ev)

    def held(self, ev, who="buyer"):
        r = self.call("GET", f"/api/tickets/my-tickets/?event={ev['slug']}"
                      "&ordering=created_at", who=who)
        self.assertEqual(r.status, 200, r)
        return r.json["results"]

    def transfer(self, uid, who="buyer", name="Vän Vänsson", email=None):
        email = email or f"friend-{uuid.uuid4().hex[:8]}@example.com"
        return self.call("POST", f"/api/tickets/my-tickets/{uid}/transfer/",
                         {"name": name, "email": email}, who), email

    def org_transfer(self, order, uid, who="org1", email=None):
        email = email or f"friend-{uuid.uuid4().hex[:8]}@example.com"
        return self.call("POST", f"/api/orders/{order['uid']}/tickets/{uid}/transfer/",
                         {"name": "Ny Innehavare", "email": email}, who), email

    def signed_codes(self, address, title):
        """The signed codes in the ticket mails to address for event title."""
        msgs = wait_for(lambda: [m for m in mails_to(self.stack.mail_dir, address)
                                 if title in str(m["Subject"]) and png_parts(m)],
                        what=f"ticket mail to {address}")
        return [decode_qr(p.get_content()) for m in msgs for p in png_parts(m)]

    def validate(self, code, use=False):
        return self.client().put("/validate_ticket/", {"external_id": code,
                                                      "password": DOOR,
                                                      "use_ticket": use})

    def door(self, ev):
        keys = self.client().get("/api/scan/keys/", headers={"X-Scanner-Password": DOOR})
        rev = self.client().get(f"/api/scan/events/{ev['id']}/revocations/",
                                headers={"X-Scanner-Password": DOOR})
        self.assertEqual((keys.status, rev.status), (200, 200), (keys, rev))
        return Door(keys.json["keys"], rev.json["revoked"]), rev.json["revoked"]


class Transfer(TransferBase):
    def test_holder_transfers_and_the_old_codes_stop_working(self):
        ev, o, tickets = self.bought(transfers_allowed=True)
        old = tickets[0]
        old_id = self.query("SELECT id FROM tickets WHERE uid = ?", old["uid"])[0]["id"]
        old_signed = next(c for c in self.signed_codes("buyer@example.com", ev["title"])
                          if signed_ticket_id(c) == old_id)
        self.assertTrue(old["can_transfer"])

        r, friend = self.transfer(old["uid"])
        self.assertEqual(r.status, 200, r)
        t = r.json["ticket"]
        self.assertEqual((t["uid"], t["status"], t["is_transferred"], t["can_transfer"]),
                         (old["uid"], "cancelled", True, False))
        self.assertNotIn("new_ticket", r.json)
        new = self.query("SELECT t.id, t.external_id, t.uid, t.holder_email,"
                         " t.attendee_name, t.transfers, t.price, t.order_id,"
                         " t.ticket_type_id FROM tickets t JOIN tickets old"
                         " ON old.transferred_to = t.id WHERE old.id = ?", old_id)[0]
        self.assertEqual((new["holder_email"], new["attendee_name"], new["transfers"]),
                         (friend, "Vän Vänsson", 1))
        row = self.query("SELECT price, order_id, ticket_type_id, status FROM tickets"
                         " WHERE id = ?", old_id)[0]
        self.assertEqual((row["price"], row["order_id"], row["ticket_type_id"],
                          row["status"]),
                         (new["price"], new["order_id"], new["ticket_type_id"],
                          "cancelled"))
        self.assertNotEqual(new["external_id"], old["ticket_number"])
        # The buyer's order no longer shows the given ticket's code.
        self.assertNotIn(new["external_id"],
                         [x["ticket_number"] for x in self.status(o)["tickets"]])

        # The new holder's mail: their ticket only, signed, with its own link.
        new_signed = self.signed_codes(friend, ev["title"])
        self.assertEqual([signed_ticket_id(c) for c in new_signed], [new["id"]])
        msg = mails_to(self.stack.mail_dir, friend)[0]
        body = msg.get_body(("plain",)).get_content()
        link = re.search(r"(/tickets/ticket/[0-9a-f-]{36}/[0-9a-f]{32})", body).group(1)
        self.assertNotIn(o["order_number"], body)
        page = self.client().get(link)
        self.assertEqual(page.status, 200, page)
        self.assertIn(new["external_id"].encode(), page.body)
        self.assertNotIn(tickets[1]["ticket_number"].encode(), page.body)
        self.assertEqual(self.client().get(link[:-1] + ("0" if link[-1] != "0" else "1"))
                         .status, 404)
        # The buyer's confirmation names the old code.
        notice = wait_for(lambda: [m for m in mails_to(self.stack.mail_dir,
                                                       "buyer@example.com")
                                   if "transferred" in str(m["Subject"])
                                   and old["ticket_number"] in
                                   m.get_body(("plain",)).get_content()],
                          what="the transfer confirmation")
        self.assertIn(friend, notice[0].get_body(("plain",)).get_content())

        # Seed 002's door: the old short code and signed code say so, and
        # never admit.
        for code in (old["ticket_number"], old_signed):
            r = self.validate(code, use=True)
            self.assertEqual((r.status, r.json["status"], r.json["times_used"]),
                             (200, "TRANSFERRED", 0), r)
        # Seeds 000 and 004, for the organizer's account.
        for code in (old["ticket_number"], old_signed):
            r = self.call("POST", f"/api/tickets/scan/{code}", who="org1")
            self.assertEqual((r.status, r.json["status"], r.json["code"]),
                             (409, "transferred", "ticket_already_processed"), r)
            r = self.call("GET", f"/api/tickets/scan/{code}", who="org1")
            self.assertEqual((r.status, r.json["status"]), (200, "transferred"), r)
            r = self.call("POST", "/api/tickets/my-tickets/verify/",
                          {"qr_code_data": code}, who="org1")
            self.assert_error(r, 409, "TICKET_TRANSFERRED")
        self.assertEqual(self.query("SELECT times_used FROM tickets WHERE id = ?",
                                    old_id)[0]["times_used"], 0)

        # Offline: the signature still verifies, the revocation list refuses.
        door, revoked = self.door(ev)
        self.assertIn(old_id, revoked)
        self.assertNotIn(new["id"], revoked)
        now = int(time.time())
        self.assertEqual(door.check(old_signed, ev["id"], now), "revoked")
        self.assertEqual(door.check(new_signed[0], ev["id"], now), ("ok", new["id"]))
        self.assertEqual(Door(door_keys(self), []).check(old_signed, ev["id"], now),
                         ("ok", old_id))

        # The new code admits exactly once.
        r = self.call("POST", "/api/tickets/my-tickets/verify/",
                      {"qr_code_data": new_signed[0]}, who="org1")
        self.assertEqual((r.status, r.json["valid"]), (200, True), r)
        r = self.validate(new["external_id"], use=True)
        self.assertEqual((r.status, r.json["status"], r.json["times_used"]),
                         (200, "PAID", 1), r)

        # Transferred already: a second try says so; the buyer's wallet
        # keeps the old ticket (transferred), not the new one.
        r, _ = self.transfer(old["uid"])
        self.assert_error(r, 409, "TICKET_TRANSFERRED")
        mine = self.held(ev)
        self.assertEqual(sorted((t["uid"], t["status"], t["is_transferred"])
                                for t in mine),
                         sorted([(old["uid"], "cancelled", True),
                                 (tickets[1]["uid"], "active", False)]))
        self.assertNotIn(new["uid"], [t["uid"] for t in mine])
        audit = self.query("SELECT action, after FROM audit_log WHERE entity = 'ticket'"
                           " AND entity_id = ?", old_id)
        self.assertEqual([a["action"] for a in audit], ["transfer"])
        self.assertIn(friend, audit[0]["after"])

    def test_refusals(self):
        # Not allowed for this event (the default).
        ev, o, tickets = self.bought()
        self.assertFalse(tickets[0]["can_transfer"])
        r, _ = self.transfer(tickets[0]["uid"])
        self.assert_error(r, 422, "TRANSFER_NOT_ALLOWED")
        # After the cut-off before the event.
        ev, o, tickets = self.bought(transfers_allowed=True, transfer_cutoff_hours=72,
                                     start_date=iso_in(48), end_date=iso_in(50))
        r, _ = self.transfer(tickets[0]["uid"])
        self.assert_error(r, 422, "TRANSFER_WINDOW_CLOSED")
        # A used ticket.
        ev, o, tickets = self.bought(transfers_allowed=True)
        self.assertEqual(self.validate(tickets[0]["ticket_number"], use=True).status, 200)
        r, _ = self.transfer(tickets[0]["uid"])
        self.assert_error(r, 409, "TICKET_ALREADY_USED")
        # Another user's ticket is not found; so is anything not a ticket.
        for who in ("org2", "org1"):
            r, _ = self.transfer(tickets[1]["uid"], who=who)
            self.assert_error(r, 404, "TICKET_NOT_FOUND")
        r, _ = self.transfer(str(uuid.uuid4()))
        self.assert_error(r, 404, "TICKET_NOT_FOUND")
        r, _ = self.org_transfer(o, tickets[1]["uid"], who="org2")
        self.assert_error(r, 404, "ORDER_NOT_FOUND")
        # Signed out; a body without a name or with a bad address.
        r = self.client().post(f"/api/tickets/my-tickets/{tickets[1]['uid']}/transfer/",
                               {"name": "X", "email": "x@example.com"})
        self.assertEqual(r.status, 401, r)
        r = self.call("POST", f"/api/tickets/my-tickets/{tickets[1]['uid']}/transfer/",
                      {"email": "not an address"}, "buyer")
        self.assert_error(r, 400, "VALIDATION_ERROR")
        self.assertEqual(set(r.json["field_errors"]), {"name", "email"})
        # Nothing changed hands.
        self.assertEqual(self.query("SELECT count(*) AS n FROM tickets t JOIN orders o"
                                    " ON o.id = t.order_id WHERE o.uid = ?",
                                    o["uid"])[0]["n"], 2)

    def test_organizer_transfers_to_an_account_within_the_cap(self):
        ev, o, tickets = self.bought(transfers_allowed=True, transfers_max=1)
        r, _ = self.org_transfer(o, tickets[0]["uid"], email="ORG2@example.com")
        self.assertEqual(r.status, 200, r)
        new = r.json["new_ticket"]
        self.assertRegex(new["ticket_number"], r"^[A-Z]{6}$")
        # The account with that address holds it now.
        theirs = self.held(ev, who="org2")
        self.assertEqual([(t["uid"], t["status"], t["attendee_email"])
                          for t in theirs], [(new["uid"], "active", "org2@example.com")])
        self.assertEqual(self.held(ev)[0]["status"], "cancelled")
        # The event allows one transfer per seat.
        r, _ = self.org_transfer(o, new["uid"])
        self.assert_error(r, 422, "TRANSFER_LIMIT_REACHED")
        r, _ = self.transfer(new["uid"], who="org2")
        self.assert_error(r, 422, "TRANSFER_LIMIT_REACHED")
        # The buyer may not pass on the ticket given away, not even through
        # the order; the admin sees it, and it is at its cap.
        r, _ = self.org_transfer(o, new["uid"], who="buyer")
        self.assert_error(r, 404, "TICKET_NOT_FOUND")
        r, _ = self.org_transfer(o, new["uid"], who="admin")
        self.assert_error(r, 422, "TRANSFER_LIMIT_REACHED")
        # Through the order, the buyer transfers their own, without
        # seeing the new code.
        r, _ = self.org_transfer(o, tickets[1]["uid"], who="buyer")
        self.assertEqual(r.status, 200, r)
        self.assertNotIn("new_ticket", r.json)

    def test_event_settings(self):
        ev, _ = self.simple_event()
        self.assertEqual((ev["transfers_allowed"], ev["transfer_cutoff_hours"],
                          ev["transfers_max"]), (False, 24, None))
        r = self.call("PATCH", f"/api/events/{ev['slug']}/",
                      {"transfers_allowed": True, "transfer_cutoff_hours": 2,
                       "transfers_max": 3}, "org1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["transfers_allowed"], r.json["transfer_cutoff_hours"],
                          r.json["transfers_max"]), (True, 2, 3))
        r = self.call("PATCH", f"/api/events/{ev['slug']}/",
                      {"transfer_cutoff_hours": -1, "transfers_max": 0}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR")
        self.assertEqual(set(r.json["field_errors"]),
                         {"transfer_cutoff_hours", "transfers_max"})
        r = self.call("PATCH", f"/api/events/{ev['slug']}/", {"transfers_allowed": True},
                      "org2")
        self.assertEqual(r.status, 404, r)

    def test_twenty_concurrent_transfers_one_happens(self):
        ev, o, tickets = self.bought(count=1, transfers_allowed=True)
        uid = tickets[0]["uid"]
        results = []

        def one(i):
            r, _ = self.transfer(uid, email=f"race-{i}-{uuid.uuid4().hex[:6]}@example.com")
            results.append((r.status, (r.json or {}).get("code")))

        threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(s for s, _ in results).count(200), 1, results)
        self.assertEqual({c for s, c in results if s != 200}, {"TICKET_TRANSFERRED"},
                         results)
        rows = self.query("SELECT t.status, t.transferred_to FROM tickets t"
                          " JOIN orders o ON o.id = t.order_id WHERE o.uid = ?"
                          " ORDER BY t.id", o["uid"])
        self.assertEqual(len(rows), 2)
        self.assertEqual((rows[0]["status"], rows[1]["status"]), ("cancelled", "valid"))
        self.assertEqual(self.query("SELECT count(*) AS n FROM outbox o JOIN orders r"
                                    " ON r.id = o.order_id WHERE r.uid = ?"
                                    " AND o.kind = 'ticket_transferred'",
                                    o["uid"])[0]["n"], 1)


def door_keys(test):
    return test.client().get("/api/scan/keys/",
                             headers={"X-Scanner-Password": DOOR}).json["keys"]


class TransferPages(TransferBase):
    def csrf(self, client, path):
        r = client.get(path)
        self.assertEqual(r.status, 200, r)
        return re.search(rb'name="csrf" value="([0-9a-f]{64})"', r.body).group(1).decode()

    def link(self, order):
        out = self.stack.biljett("ticket-link", order["uid"])
        return re.search(r"(/tickets/[0-9a-f-]{36}/[0-9a-f]{32})", out).group(1)

    def test_transfer_from_the_mail_link(self):
        ev, o, tickets = self.bought(transfers_allowed=True)
        path = self.link(o)
        c = self.client()
        token = self.csrf(c, path)
        page = c.get(path)
        self.assertIn(f'action="{path}/transfer"'.encode(), page.body)
        friend = f"page-friend-{uuid.uuid4().hex[:6]}@example.com"
        form = {"csrf": token, "ticket": tickets[0]["uid"], "name": "Sida Vän",
                "email": friend}
        r = c.post(path + "/transfer", form=dict(form, csrf="0" * 64))
        self.assertEqual(r.status, 403, r)
        r = c.post(path + "/transfer", form=form, headers={"Accept-Language": "en"})
        self.assertEqual(r.status, 200, r)
        self.assertIn(b"Transferred: this ticket was given to someone else", r.body)
        self.assertIn(b"its new holder gets it by e-mail", r.body)
        self.assertEqual(self.held(ev)[0]["status"], "cancelled")
        self.signed_codes(friend, ev["title"])
        # Again: refused, with the reason on the page.
        r = c.post(path + "/transfer", form=form)
        self.assertEqual(r.status, 409, r)
        # A wrong token, or a ticket of another order, is not found.
        r = c.post(path[:-4] + "0000/transfer", form=form)
        self.assertEqual(r.status, 404, r)
        _, o2, t2 = self.bought(transfers_allowed=True)
        r = c.post(path + "/transfer", form=dict(form, ticket=t2[0]["uid"]))
        self.assertEqual(r.status, 404, r)
