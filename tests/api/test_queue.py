"""The on-sale queue over the real stack: places before the start are
drawn at random, later ones follow in arrival order, admission follows
the rate, reserving a queue event needs a valid pass (from the JSON
API's token or the pages' cookie) and refuses none, a forged, an
expired and another event's, and everything survives a restart of every
program.

Time-dependent states (the start having come, a turn long past) are
arranged by moving sales_start_at, queue_rate or admitted_at in the
database, never by sleeping.
"""
import datetime
import hashlib
import hmac
import re
import time

from support import StackTest, iso, now

QUEUE_PASS_SECONDS = 600    # lib/limits.h


def mint(secret_hex, event, place, expires):
    """A pass as lib/queue.c signs it: HMAC-SHA256 under BLAKE2b-256(key =
    secret_key, message = "queue pass") over "<event>.<place>.<expires>"."""
    sub = hashlib.blake2b(b"queue pass", digest_size=32,
                          key=bytes.fromhex(secret_hex)).digest()
    body = f"{event}.{place}.{expires}"
    return body + "." + hmac.new(sub, body.encode(), hashlib.sha256).hexdigest()


class Queue(StackTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        t0 = now()
        cls.types, events = cls.import_doc({
            "ticket_types": [{"key": "std", "title": "Standard", "price": 199}],
            "events": [
                cls.event("rush", t0, queue=True, queue_rate=1,
                          sales_start_at=iso(t0 + datetime.timedelta(hours=1))),
                cls.event("open", t0, queue=True, queue_rate=6000,
                          sales_start_at=iso(t0 - datetime.timedelta(hours=1))),
                cls.event("plain", t0),
                cls.event("soon", t0,
                          sales_start_at=iso(t0 + datetime.timedelta(hours=1))),
            ]})
        cls.std = cls.types["std"]
        cls.rush, cls.open = events["rush"], events["open"]
        cls.plain, cls.soon = events["plain"], events["soon"]

    @staticmethod
    def event(key, t0, **extra):
        return dict({
            "key": key, "title": f"Show {key}",
            "event_at": iso(t0 + datetime.timedelta(days=2)),
            "sales_stop_at": iso(t0 + datetime.timedelta(days=1)),
            "total_seats": 500, "max_tickets_per_payment": 8,
            "ticket_types": ["std"]}, **extra)

    # -- helpers --------------------------------------------------------

    def join(self, c, event):
        r = c.post(f"/api/events/{event}/queue")
        self.assertEqual(r.status, 200, r)
        return r.json

    def place(self, c, event):
        r = c.get(f"/api/events/{event}/queue")
        self.assertEqual(r.status, 200, r)
        return r.json

    def reserve(self, c, event, **extra):
        return c.post("/reserve_ticket/", dict({
            "chapter_event": event,
            "tickets": [{"ticket_type": self.std, "count": 1}]}, **extra))

    def set_event(self, event, **cols):
        for k, v in cols.items():
            assert k in ("sales_start_at", "queue_rate", "queue_enabled")
            self.execute(f"UPDATE events SET {k} = ? WHERE id = ?", v, event)

    def admitted_client(self, event):
        """A client whose turn has come at an event that admits at once."""
        c = self.client()
        p = self.join(c, event)
        self.assertEqual(p["state"], "admitted", p)
        return c, p

    # -- the line -------------------------------------------------------

    def test_early_places_are_drawn_late_ones_follow_in_order(self):
        early = [self.client() for _ in range(30)]
        for c in early:
            p = self.join(c, self.rush)
            self.assertEqual((p["state"], p["drawn"], p["admitted"], p["token"]),
                             ("waiting", False, False, None))
            self.assertIn("queueid", c.cookies)
        # Joining again keeps the place.
        again = self.join(early[0], self.rush)
        self.assertEqual(self.place(early[0], self.rush)["position"], again["position"])
        self.assertEqual(self.query("SELECT count(*) AS n FROM queue WHERE event_id = ?",
                                    self.rush)[0]["n"], 30)

        # Before the start: a permutation of 1..30, not the arrival order.
        before = [self.place(c, self.rush)["position"] for c in early]
        self.assertEqual(sorted(before), list(range(1, 31)))
        self.assertNotEqual(before, list(range(1, 31)))
        self.assertEqual(self.reserve(early[0], self.rush).json, "QueueRequired")

        # The start comes (one admission a minute: nobody's turn yet).
        self.set_event(self.rush, sales_start_at=int(time.time()) - 1)
        late = [self.client() for _ in range(3)]
        positions = [self.join(c, self.rush)["position"] for c in late]
        self.assertEqual(positions, [31, 32, 33])
        after = [self.place(c, self.rush) for c in early]
        self.assertTrue(all(p["drawn"] and p["state"] == "waiting" for p in after))
        # The draw keeps the order the early places had.
        self.assertEqual([p["position"] for p in after], before)
        self.assertEqual([self.place(c, self.rush)["position"] for c in late],
                         [31, 32, 33])

        # One a second, for 10 seconds: the first ten (and only they) are in.
        self.set_event(self.rush, queue_rate=60,
                       sales_start_at=int(time.time()) - 10)
        states = [self.place(c, self.rush) for c in early + late]
        slots = before + [31, 32, 33]
        admitted = sorted(s for s, p in zip(slots, states) if p["admitted"])
        waiting = sorted(s for s, p in zip(slots, states) if not p["admitted"])
        self.assertGreaterEqual(len(admitted), 10)
        self.assertLessEqual(len(admitted), 14)     # a few seconds of slack
        self.assertEqual(admitted, list(range(1, len(admitted) + 1)))
        self.assertTrue(all(a < w for a in admitted for w in waiting))
        for s, p in zip(slots, states):
            if p["admitted"]:
                self.assertRegex(p["token"], r"^\d+\.\d+\.\d+\.[0-9a-f]{64}$")
                self.assertIsNone(p["position"])
            else:
                self.assertEqual(p["state"], "waiting")
                self.assertGreaterEqual(p["estimated_wait_seconds"], 1)
                self.assertLessEqual(p["position"], s - 10)
                self.assertGreaterEqual(p["position"], 1)

        # Admitted: the pass comes as a cookie too, and it reserves.
        first = early[before.index(1)]
        self.assertIn(f"queuepass{self.rush}", first.cookies)
        r = self.reserve(first, self.rush)
        self.assertEqual(r.status, 201, r)
        # Still waiting: refused, nothing written.
        last = late[-1]
        orders = self.query("SELECT count(*) AS n FROM orders")[0]["n"]
        r = self.reserve(last, self.rush)
        self.assertEqual((r.status, r.json), (403, "QueueRequired"))
        self.assertEqual(self.query("SELECT count(*) AS n FROM orders")[0]["n"], orders)

    def test_reserve_needs_a_valid_pass(self):
        c, p = self.admitted_client(self.open)
        token = p["token"]
        event, place, expires, mac = token.split(".")
        self.assertEqual(int(event), self.open)
        secret = self.stack.conf_value("secret_key")
        self.assertEqual(mint(secret, self.open, place, expires), token)

        bare = self.client()        # no cookies: the token travels in the body
        orders = self.query("SELECT count(*) AS n FROM orders")[0]["n"]
        refused = {
            "none": None,
            "forged": token[:-1] + ("0" if token[-1] != "0" else "1"),
            "longer": f"{event}.{place}.{int(expires) + 86400}.{mac}",
            "other key": mint("ab" * 32, self.open, place, expires),
            "expired": mint(secret, self.open, place, int(time.time()) - 1),
            "other event": mint(secret, self.plain, place, expires),
            "garbage": "x.y.z.w",
        }
        for why, t in refused.items():
            extra = {} if t is None else {"queue_token": t}
            r = self.reserve(bare, self.open, **extra)
            self.assertEqual((r.status, r.json), (403, "QueueRequired"), why)
        self.assertEqual(self.query("SELECT count(*) AS n FROM orders")[0]["n"], orders)
        # A pass of one queue event is no pass for another.
        r = self.reserve(bare, self.rush, queue_token=token)
        self.assertEqual((r.status, r.json), (403, "QueueRequired"))

        # Too long is bad input, not a missing pass.
        r = self.reserve(bare, self.open, queue_token="1" * 200)
        self.assertEqual((r.status, r.json), (400, "InvalidRequestData"))

        # The real one, in the body or the cookie; a minted fresh one too.
        r = self.reserve(bare, self.open, queue_token=token)
        self.assertEqual(r.status, 201, r)
        r = self.reserve(c, self.open)
        self.assertEqual(r.status, 201, r)
        fresh = mint(secret, self.open, place, int(time.time()) + 60)
        r = self.reserve(self.client(), self.open, queue_token=fresh)
        self.assertEqual(r.status, 201, r)

    def test_a_lapsed_turn_goes_to_the_back(self):
        c, p = self.admitted_client(self.open)
        self.assertIn(f"queuepass{self.open}", c.cookies)
        place = int(p["token"].split(".")[1])
        [row] = self.query("SELECT id, slot FROM queue WHERE id = ?", place)
        self.execute("UPDATE queue SET admitted_at = ? WHERE id = ?",
                     int(time.time()) - QUEUE_PASS_SECONDS - 1, row["id"])
        p = self.place(c, self.open)
        self.assertEqual((p["state"], p["token"]), ("lapsed", None))
        self.assertNotIn(f"queuepass{self.open}", c.cookies)
        r = self.reserve(c, self.open)
        self.assertEqual((r.status, r.json), (403, "QueueRequired"))
        p = self.join(c, self.open)
        self.assertIn(p["state"], ("waiting", "admitted"))
        [again] = self.query("SELECT id, slot FROM queue WHERE id = ?", row["id"])
        top = self.query("SELECT max(slot) AS s FROM queue WHERE event_id = ?",
                         self.open)[0]["s"]
        self.assertEqual(again["slot"], top)
        self.assertGreater(again["slot"], row["slot"])

    def test_events_without_a_queue(self):
        c = self.client()
        for method in ("GET", "POST"):
            r = c.request(method, f"/api/events/{self.plain}/queue")
            self.assertEqual((r.status, r.json["code"]), (404, "NOT_FOUND"))
        for path in ("/api/events/99999/queue", "/api/events/abc/queue"):
            r = c.get(path)
            self.assertEqual((r.status, r.json["code"]), (404, "EVENT_NOT_FOUND"))
        self.assertNotIn("queueid", c.cookies)
        self.assertEqual(self.reserve(c, self.plain).status, 201)
        # Sales that have not started yet.
        r = self.reserve(c, self.soon)
        self.assertEqual((r.status, r.json), (403, "SalesNotStarted"))
        ev = c.get(f"/api/events/{self.soon}").json
        self.assertEqual(ev["queue"], False)
        self.assertIsNotNone(ev["sales_start"])
        ev = c.get(f"/api/events/{self.plain}").json
        self.assertIsNone(ev["sales_start"])
        self.assertEqual(c.get(f"/api/events/{self.rush}").json["queue"], True)
        r = c.get(f"/events/{self.soon}", headers={"Accept-Language": "en"})
        self.assertIn(b'id="notstarted"', r.body)
        self.assertNotIn(b'class="picker"', r.body)
        r = c.get(f"/events/{self.plain}/queue")
        self.assertEqual((r.status, r.header("Location")), (303, f"/events/{self.plain}"))

    def test_a_bad_visitor_cookie_is_a_new_visitor(self):
        c = self.client()
        c.cookies["queueid"] = "nope"
        p = self.join(c, self.open)
        self.assertRegex(c.cookies["queueid"], r"^[0-9a-f]{64}$")
        self.assertEqual(p["state"], "admitted")
        self.assertEqual(self.place(self.client(), self.open)["state"], "out")

    # -- the pages ------------------------------------------------------

    def test_pages_send_buyers_through_the_line(self):
        c = self.client()
        r = c.get(f"/events/{self.open}", headers={"Accept-Language": "en"})
        self.assertEqual(r.status, 200)
        self.assertIn(b'id="queue"', r.body)
        self.assertNotIn(b'class="picker"', r.body)
        csrf = re.search(rb'name="csrf" value="([0-9a-f]{64})"', r.body).group(1).decode()

        # Reserving without a turn leads to the line.
        r = c.post(f"/events/{self.open}/reserve",
                   form={"csrf": csrf, f"t{self.std}": "1"})
        self.assertEqual((r.status, r.header("Location")), (303, f"/events/{self.open}/queue"))
        self.assertNotIn("sessionid", c.cookies)
        r = c.get(f"/events/{self.open}/queue", headers={"Accept-Language": "en"})
        self.assertEqual(r.status, 200)
        self.assertIn(b"Join the line", r.body)

        # The join form needs its token, like every form.
        r = c.post(f"/events/{self.open}/queue", form={})
        self.assertEqual(r.status, 403)
        r = c.post(f"/events/{self.open}/queue", form={"csrf": csrf})
        self.assertEqual((r.status, r.header("Location")), (303, f"/events/{self.open}/queue"))
        self.assertIn("queueid", c.cookies)
        r = c.get(f"/events/{self.open}/queue", headers={"Accept-Language": "sv"})
        self.assertIn("Nu är det din tur!".encode(), r.body)
        self.assertIn(f'href="/events/{self.open}"'.encode(), r.body)
        self.assertIn(f"queuepass{self.open}", c.cookies)

        # With the pass: the picker, and the reservation goes through.
        r = c.get(f"/events/{self.open}")
        self.assertIn(b'class="picker"', r.body)
        r = c.post(f"/events/{self.open}/reserve",
                   form={"csrf": csrf, f"t{self.std}": "2"})
        self.assertEqual((r.status, r.header("Location")), (303, "/checkout"))

    def test_the_waiting_page_looks_again_by_itself(self):
        c = self.client()
        self.join(c, self.rush)
        self.set_event(self.rush, queue_rate=1,
                       sales_start_at=int(time.time()) + 3600)
        r = c.get(f"/events/{self.rush}/queue", headers={"Accept-Language": "de"})
        self.assertEqual(r.status, 200)
        self.assertIn("Ihr Platz in der Warteschlange:".encode(), r.body)
        self.assertRegex(r.body.decode(), r'<strong id="position">\d+</strong>')
        self.assertIn(b'<noscript><meta http-equiv="refresh" content="10"></noscript>', r.body)
        self.assertIn(f'data-queue="/api/events/{self.rush}/queue"'.encode(), r.body)
        self.assertNotIn(f"queuepass{self.rush}", c.cookies)


class QueuePrune(StackTest):
    """biljett expire removes the places of sales that are over."""

    def test_expire_prunes_places_of_stopped_sales(self):
        t0 = now()
        types, events = self.import_doc({
            "ticket_types": [{"key": "std", "title": "Standard", "price": 199}],
            "events": [Queue.event("done", t0, queue=True, queue_rate=6000),
                       Queue.event("live", t0, queue=True, queue_rate=6000)]})
        for ev in events.values():
            for _ in range(3):
                self.assertEqual(self.client().post(f"/api/events/{ev}/queue").status, 200)
        self.execute("UPDATE events SET sales_stop_at = ? WHERE id = ?",
                     int(t0.timestamp()) - 60, events["done"])
        self.assertIn("removed 3 places in line", self.stack.biljett("expire"))
        left = self.query("SELECT event_id, count(*) AS n FROM queue GROUP BY event_id")
        self.assertEqual([(r["event_id"], r["n"]) for r in left], [(events["live"], 3)])


class QueueRestart(StackTest):
    programs = ("catalog", "shop", "pages")

    def test_places_and_passes_survive_a_restart(self):
        t0 = now()
        _, events = self.import_doc({
            "ticket_types": [{"key": "std", "title": "Standard", "price": 199}],
            "events": [Queue.event("r", t0, queue=True, queue_rate=1,
                                   sales_start_at=iso(t0 + datetime.timedelta(hours=1)))]})
        ev = events["r"]
        std = self.query("SELECT id FROM ticket_types")[0]["id"]
        clients = [self.client() for _ in range(8)]
        for c in clients:
            r = c.post(f"/api/events/{ev}/queue")
            self.assertEqual(r.status, 200, r)
        # The start came 3 minutes ago at one a minute: three are in.
        self.execute("UPDATE events SET sales_start_at = ? WHERE id = ?",
                     int(time.time()) - 180, ev)
        before = [c.get(f"/api/events/{ev}/queue").json for c in clients]
        self.assertEqual(sum(p["admitted"] for p in before), 3)
        rows = [tuple(r) for r in
                self.query("SELECT id, slot, admitted_at FROM queue ORDER BY id")]

        self.stack.restart_programs()

        after = [c.get(f"/api/events/{ev}/queue").json for c in clients]
        self.assertEqual([tuple(r) for r in self.query(
            "SELECT id, slot, admitted_at FROM queue ORDER BY id")], rows)
        for b, a in zip(before, after):
            self.assertEqual((a["state"], a["token"]), (b["state"], b["token"]))
            if not b["admitted"]:
                # Same place; the line may only have moved on.
                self.assertLessEqual(a["position"], b["position"])
        # A pass issued before the restart still reserves after it.
        for c, b in zip(clients, before):
            want = 201 if b["admitted"] else 403
            r = c.post("/reserve_ticket/", {"chapter_event": ev,
                                            "tickets": [{"ticket_type": std, "count": 1}]})
            self.assertEqual(r.status, want, r)
