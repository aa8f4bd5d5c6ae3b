"""Cancelling an event tells every buyer who paid, by mail through the
outbox, in the order's language: the event, its date, the order code,
the tickets bought and that the money will be refunded.  Holders of
unpaid reservations get nothing; a second cancel sends nothing twice; a
refused message is retried and sent once."""
import glob
import os
import sqlite3
import time
import unittest

from flow import Swish, control, mails, mails_to, wait_for
from support import ROOT, Client, StackTest

START = "2031-05-01T18:00:00+02:00"   # Europe/Stockholm: "2031-05-01 18:00"


def text_part(msg):
    return msg.get_body(preferencelist=("plain",)).get_content()


def html_part(msg):
    return msg.get_body(preferencelist=("html",)).get_content()


class CancelMailBase(StackTest):
    programs = ("catalog", "events", "tickets", "shop", "pay", "auth")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.swish = Swish(cls.stack)
        out = cls.stack.biljett("create-user", "org@example.com", "organizer")
        r = Client(cls.stack.base_url).post("/api/auth/login", {
            "email": "org@example.com", "password": out.strip().rsplit(" ", 1)[1]})
        assert r.status == 200, r
        cls.bearer = {"Authorization":
                      "Bearer " + (r.json.get("access") or r.json["access_token"])}

    def api(self, method, path, body=None):
        return self.client().request(method, path, body=body, headers=self.bearer)

    def created(self, path, body):
        r = self.api("POST", path, body)
        self.assertEqual(r.status, 201, r)
        return r.json

    def event(self, title, **fields):
        body = {"title": title, "start_date": START,
                "end_date": "2031-05-01T21:00:00+02:00", "total_capacity": 100,
                "venue_name": "Aulan", "venue_city": "Lund",
                "max_held_per_client": 100000, "max_tickets_per_email": 100000}
        body.update(fields)
        return self.created("/api/events/", body)

    def ttype(self, ev, **fields):
        body = {"event": ev["slug"], "total_quantity": 100}
        body.update(fields)
        return self.created("/api/tickets/types/", body)

    def publish(self, ev):
        r = self.api("POST", f"/api/events/{ev['slug']}/publish/")
        self.assertEqual(r.status, 200, r)

    def cancel(self, ev):
        r = self.api("POST", f"/api/events/{ev['slug']}/cancel/")
        self.assertEqual((r.status, r.json["status"]), (200, "cancelled"), r)

    def hold(self, ev, type_id, count, email=None):
        """A reservation (with its payment started when email is given);
        returns the client holding it."""
        c = self.client()
        r = c.post("/reserve_ticket/", {"chapter_event": ev["id"],
                                        "tickets": [{"ticket_type": type_id,
                                                     "count": count}]})
        self.assertEqual(r.status, 201, r)
        if email is not None:
            r = c.post("/start_payment/", {"email_address": email})
            self.assertEqual(r.status, 200, r)
            c.token = r.json
        return c

    def buy(self, ev, type_id, count, email, locale):
        """A paid order in locale; returns its code once its ticket mail
        is out, so no mail run started by the payment is still busy."""
        c = self.hold(ev, type_id, count, email)
        req = self.swish.request_by_token(c.token)
        status, out = self.swish.act(req["id"], "pay")
        self.assertEqual((status, out["callback_status"]), (200, 200), out)
        # Nothing in the checkout records the buyer's language yet: the
        # order gets it the way a later checkout will store it.
        self.execute("UPDATE orders SET locale = ? WHERE event_id = ? AND email = ?",
                     locale, ev["id"], email)
        wait_for(lambda: self.query(
            "SELECT 1 FROM outbox WHERE kind = 'tickets' AND recipient = ?"
            " AND sent_at IS NOT NULL", email), what=f"{email}'s tickets")
        return self.query("SELECT code FROM orders WHERE event_id = ? AND email = ?",
                          ev["id"], email)[0]["code"]

    def cancel_mails(self, email):
        """What the sink received for email, but for its ticket mail."""
        return [m for m in mails_to(self.stack.mail_dir, email)
                if not str(m["Subject"]).startswith("Dina biljetter")]

    def queued(self, ev):
        return self.query("SELECT o.email, b.locale, b.attempts, b.sent_at"
                          " FROM outbox b JOIN orders o ON o.id = b.order_id"
                          " WHERE b.kind = 'event_cancelled' AND o.event_id = ?"
                          " ORDER BY b.id", ev["id"])

    def send_all(self, ev):
        """Runs `biljett mail` until every message of ev is out."""
        def done():
            self.stack.biljett("mail")
            rows = self.queued(ev)
            return rows and all(r["sent_at"] is not None for r in rows)
        wait_for(done, what="the cancellation mail sent")


class CancelMail(CancelMailBase):
    def test_each_paying_buyer_is_told_once_in_their_language(self):
        ev = self.event({"sv": "Vårkonsert", "en": "Spring Concert"})
        tt = self.ttype(ev, name={"sv": "Ordinarie", "en": "Standard"},
                        price="150.00")
        self.publish(ev)
        codes = {"anna@example.com": self.buy(ev, tt["id"], 2, "anna@example.com", "sv"),
                 "bob@example.com": self.buy(ev, tt["id"], 1, "bob@example.com", "en"),
                 "carl@example.com": self.buy(ev, tt["id"], 1, "carl@example.com", None)}
        # Two who only reserved: one gave an address, one did not.
        self.hold(ev, tt["id"], 1, "dora@example.com")
        self.hold(ev, tt["id"], 3)

        self.cancel(ev)
        self.assertEqual([(r["email"], r["locale"]) for r in self.queued(ev)],
                         [("anna@example.com", "sv"), ("bob@example.com", "en"),
                          ("carl@example.com", None)])
        self.send_all(ev)

        anna = self.cancel_mails("anna@example.com")
        self.assertEqual(len(anna), 1)
        self.assertEqual(anna[0]["Subject"], "Inställt: Vårkonsert")
        body = text_part(anna[0])
        for words in ("Vårkonsert har ställts in", "2031-05-01 18:00", "Aulan, Lund",
                      codes["anna@example.com"], "2 × Ordinarie à 150.00 kr",
                      "Beloppet du betalade, 300.00 kr, kommer att betalas tillbaka"):
            self.assertIn(words, body)
        self.assertIn('lang="sv"', html_part(anna[0]))
        self.assertIn("2 × Ordinarie à 150.00 kr", html_part(anna[0]))

        bob = self.cancel_mails("bob@example.com")
        self.assertEqual(len(bob), 1)
        self.assertEqual(bob[0]["Subject"], "Cancelled: Spring Concert")
        body = text_part(bob[0])
        for words in ("Spring Concert has been cancelled", "2031-05-01 18:00",
                      codes["bob@example.com"], "1 × Standard at 150.00 kr each",
                      "The amount you paid, 150.00 kr, will be refunded to you."):
            self.assertIn(words, body)
        # The refund is still to come: the mail never says it happened.
        self.assertNotIn("has been refunded", body)
        self.assertNotIn("Vårkonsert", body)
        self.assertIn('lang="en"', html_part(bob[0]))

        # No language on the order: Swedish.
        carl = self.cancel_mails("carl@example.com")
        self.assertEqual([m["Subject"] for m in carl], ["Inställt: Vårkonsert"])
        self.assertIn(codes["carl@example.com"], text_part(carl[0]))
        self.assertIn("1 × Ordinarie à 150.00 kr", text_part(carl[0]))

        # The reservation's holder heard nothing; the hold just ended.
        self.assertEqual(mails_to(self.stack.mail_dir, "dora@example.com"), [])
        self.assertEqual(
            [r["status"] for r in self.query(
                "SELECT status FROM orders WHERE event_id = ? AND status <> 'paid'",
                ev["id"])], ["cancelled", "cancelled"])

        # Cancelling again queues and sends nothing.
        told = [str(m["Subject"]) for m in mails(self.stack.mail_dir)
                if str(m["Subject"]) in ("Inställt: Vårkonsert",
                                         "Cancelled: Spring Concert")]
        self.assertEqual(len(told), 3)
        self.cancel(ev)
        self.assertEqual(len(self.queued(ev)), 3)
        self.assertIn("sent 0,", self.stack.biljett("mail"))
        for email in codes:
            self.assertEqual(len(self.cancel_mails(email)), 1, email)

    def test_every_language_and_the_variant_bought(self):
        ev = self.event({"sv": "Sommarfest", "de": "Sommerfest", "fr": "Fête d'été"},
                        pricing_type="tiered")
        tt = self.ttype(ev, name={"sv": "Festival", "de": "Festivalpass",
                                  "fr": "Passe festival"}, pricing_type="tiered")
        vip = self.created("/api/tickets/tiers/", {
            "ticket_type": tt["id"], "tier_number": 1, "price": "150.50",
            "quantity": 20, "name": {"sv": "VIP", "de": "VIP-Karte", "fr": "Carré VIP"}})
        self.publish(ev)
        self.buy(ev, vip["id"], 1, "dieter@example.com", "de")
        self.buy(ev, vip["id"], 2, "fanny@example.com", "fr-CA")
        self.buy(ev, vip["id"], 1, "pedro@example.com", "pt-BR")
        self.cancel(ev)
        self.send_all(ev)

        de = self.cancel_mails("dieter@example.com")
        self.assertEqual([m["Subject"] for m in de], ["Abgesagt: Sommerfest"])
        body = text_part(de[0])
        for words in ("dass Sommerfest abgesagt wurde",
                      "1 × Festivalpass – VIP-Karte zu je 150.50 kr",
                      "Der von Ihnen bezahlte Betrag von 150.50 kr wird Ihnen erstattet."):
            self.assertIn(words, body)
        self.assertIn('lang="de"', html_part(de[0]))

        fr = self.cancel_mails("fanny@example.com")
        self.assertEqual([m["Subject"] for m in fr], ["Annulé : Fête d'été"])
        body = text_part(fr[0])
        for words in ("« Fête d'été »", "2 × Passe festival – Carré VIP à 150.50 kr",
                      "Le montant que vous avez payé, 301.00 kr, vous sera remboursé."):
            self.assertIn(words, body)
        self.assertIn('lang="fr"', html_part(fr[0]))

        # A language we do not speak: Swedish, with the Swedish names.
        pt = self.cancel_mails("pedro@example.com")
        self.assertEqual([m["Subject"] for m in pt], ["Inställt: Sommarfest"])
        self.assertIn("1 × Festival – VIP à 150.50 kr", text_part(pt[0]))


class CancelMailRetry(CancelMailBase):
    def test_refused_mail_is_retried_and_sent_once(self):
        ev = self.event("Regnkonsert")
        tt = self.ttype(ev, name="Ordinarie", price="100.00")
        self.publish(ev)
        self.buy(ev, tt["id"], 1, "retry@example.com", "sv")
        control(self.stack.smtp_control_url, "POST", "/__sink/fail-next",
                {"count": 1, "code": 451})
        self.cancel(ev)

        # The first run meets the refusal: it stays queued with the reason.
        def refused():
            self.stack.biljett("mail", check=False)
            rows = self.query("SELECT attempts, last_error, sent_at, next_attempt_at"
                              " FROM outbox WHERE kind = 'event_cancelled'"
                              " AND recipient = 'retry@example.com'")
            return rows[0] if rows and rows[0]["attempts"] > 0 else None
        row = wait_for(refused, what="the refused attempt")
        self.assertEqual(row["attempts"], 1)
        self.assertIsNone(row["sent_at"])
        self.assertIn("451", row["last_error"])
        self.assertGreater(row["next_attempt_at"], time.time())
        self.assertEqual(self.cancel_mails("retry@example.com"), [])
        # Not due yet: nothing is sent.
        self.assertIn("sent 0, failed 0", self.stack.biljett("mail"))
        self.execute("UPDATE outbox SET next_attempt_at = 0"
                     " WHERE kind = 'event_cancelled' AND recipient = 'retry@example.com'")
        self.assertIn("sent 1, failed 0", self.stack.biljett("mail"))
        self.assertIn("sent 0, failed 0", self.stack.biljett("mail"))
        mails = self.cancel_mails("retry@example.com")
        self.assertEqual([m["Subject"] for m in mails], ["Inställt: Regnkonsert"])
        self.assertIn("kommer att betalas tillbaka", text_part(mails[0]))


class Migration(unittest.TestCase):
    """sql/014 rebuilds the outbox: every row survives, the new kind is
    admitted, and an order can be told of its cancellation only once."""

    def test_rows_kept_and_one_cancellation_per_order(self):
        db = sqlite3.connect(":memory:")
        paths = sorted(glob.glob(os.path.join(ROOT, "sql", "[0-9]*.sql")))
        new = [p for p in paths if os.path.basename(p).startswith("014_")]
        for path in paths:
            if os.path.basename(path) < "014_":
                db.executescript(open(path).read())
        db.execute("INSERT INTO outbox (kind, recipient, locale, payload, attempts,"
                   " next_attempt_at, last_error, created_at)"
                   " VALUES ('verify', 'a@example.com', 'en', 'sealed', 2, 99, '451', 5)")
        db.execute("INSERT INTO outbox (kind, recipient, next_attempt_at, sent_at,"
                   " created_at) VALUES ('reset', 'b@example.com', 1, 7, 1)")
        before = db.execute("SELECT * FROM outbox ORDER BY id").fetchall()
        db.executescript(open(new[0]).read())
        self.assertEqual(db.execute("SELECT * FROM outbox ORDER BY id").fetchall(), before)
        self.assertEqual(
            {r[0] for r in db.execute("SELECT name FROM sqlite_master"
                                      " WHERE tbl_name = 'outbox' AND type = 'index'")},
            {"outbox_due", "outbox_event_cancelled"})
        db.execute("INSERT INTO events (id, title, event_at, sales_stop_at, total_seats,"
                   " created_at) VALUES (1, 'X', 0, 0, 1, 0)")
        db.execute("INSERT INTO orders (id, code, event_id, seats, total, created_at,"
                   " expires_at) VALUES (1, 'C', 1, 1, 100, 0, 0)")
        row = ("INSERT INTO outbox (kind, order_id, recipient, next_attempt_at, created_at)"
               " VALUES ('event_cancelled', 1, 'c@example.com', 0, 0)")
        db.execute(row)
        with self.assertRaises(sqlite3.IntegrityError):
            db.execute(row)
        with self.assertRaises(sqlite3.IntegrityError):
            db.execute("INSERT INTO outbox (kind, recipient, next_attempt_at, created_at)"
                       " VALUES ('nonsense', 'd@example.com', 0, 0)")
