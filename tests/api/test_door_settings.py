"""The door settings of an event and its ticket types (issue 10,
docs/checkin.md): re-entry (events.reentry_allowed, ticket_types.
reentry_allowed, NULL on a type: as the event says) and when a door day
begins (events.day_starts, "HH:MM" in the APIs), through seed 004's event
and ticket-type API, the back-office API and the organizer's HTML forms;
each validated, stored, shown back, and followed by the doors (the
offline door rules)."""
import re

from test_catalogue import CatalogueBase
from test_organizer_pages import EVENT

DOOR = "door-settings-gate-1"


class DoorSettings(CatalogueBase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stack.biljett("scanner-add", "settings-door", "--password", DOOR,
                          "--site-wide")

    def stored_event(self, event_id):
        return tuple(self.query("SELECT reentry_allowed, day_starts FROM events"
                                " WHERE id = ?", event_id)[0])

    def stored_type(self, type_id):
        return self.query("SELECT reentry_allowed FROM ticket_types WHERE id = ?",
                          type_id)[0]["reentry_allowed"]

    def door_rules(self, event_id):
        r = self.client().get(f"/api/scan/events/{event_id}/revocations/",
                              headers={"X-Scanner-Password": DOOR})
        self.assertEqual(r.status, 200, r)
        return r.json["rules"]

    # -- seed 004's event API ------------------------------------------------

    def test_event_defaults_set_patch_and_null(self):
        ev = self.event(title="Dörrfest")
        self.assertEqual((ev["reentry_allowed"], ev["door_day_starts"]), (False, "06:00"))
        self.assertEqual(self.stored_event(ev["id"]), (0, 360))
        ev = self.event(title="Dörrfest 2", reentry_allowed=True, door_day_starts="04:30")
        self.assertEqual((ev["reentry_allowed"], ev["door_day_starts"]), (True, "04:30"))
        self.assertEqual(self.stored_event(ev["id"]), (1, 270))
        path = f"/api/events/{ev['slug']}/"
        r = self.call("PATCH", path, {"door_day_starts": "12:00"}, "org1")
        self.assertEqual((r.status, r.json["door_day_starts"], r.json["reentry_allowed"]),
                         (200, "12:00", True), r)
        got = self.call("GET", path, who="org1").json
        self.assertEqual((got["reentry_allowed"], got["door_day_starts"]), (True, "12:00"))
        # Null puts each back to its default.
        r = self.call("PATCH", path, {"reentry_allowed": None, "door_day_starts": None},
                      "org1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.stored_event(ev["id"]), (0, 360))
        # The doors follow: the offline rules carry the new start.
        self.call("PATCH", path, {"door_day_starts": "03:15"}, "org1")
        self.ttype(ev, price="100.00")
        self.assertEqual(self.door_rules(ev["id"])["day_starts"], 195)

    def test_import_reads_the_door_settings(self):
        """`biljett import` takes them too: an event's reentry_allowed and
        door_day_starts, a type's reentry_allowed (absent: as the event
        says); a bad start refuses the whole document."""
        import datetime

        from support import iso, now
        t0 = now()
        event = {"key": "door-import", "title": "Importfest", "description": "Fest.",
                 "event_at": iso(t0 + datetime.timedelta(days=3)),
                 "sales_stop_at": iso(t0 + datetime.timedelta(days=2)),
                 "total_seats": 10, "reentry_allowed": True, "door_day_starts": "05:45",
                 "ticket_types": ["in", "out", "same"]}
        types = [{"key": "in", "title": "In", "price": 100, "reentry_allowed": True},
                 {"key": "out", "title": "Ut", "price": 100, "reentry_allowed": False},
                 {"key": "same", "title": "Som", "price": 100}]
        ids, events = self.import_doc({"ticket_types": types, "events": [event]})
        self.assertEqual(self.stored_event(events["door-import"]), (1, 345))
        self.assertEqual([self.stored_type(ids[k]) for k in ("in", "out", "same")],
                         [1, 0, None])
        # Without them: the defaults, as before.
        plain = dict(event, key="door-plain")
        del plain["reentry_allowed"], plain["door_day_starts"]
        _, events = self.import_doc({"ticket_types": [types[2]], "events": [
            dict(plain, ticket_types=["same"])]})
        self.assertEqual(self.stored_event(events["door-plain"]), (0, 360))
        for bad in ("13:00", "6:00", "ab:cd"):
            doc = {"ticket_types": [types[2]], "events": [
                dict(event, key=f"door-bad-{bad}", door_day_starts=bad,
                     ticket_types=["same"])]}
            with self.assertRaises(RuntimeError) as cm:
                self.import_doc(doc)
            self.assertIn("door_day_starts", str(cm.exception))
        self.assertEqual(self.query("SELECT count(*) AS n FROM events WHERE title ="
                                    " 'Importfest'")[0]["n"], 2)

    def test_event_fields_are_validated(self):
        ev = self.event(title="Dörrkontroll")
        path = f"/api/events/{ev['slug']}/"
        for bad in ("12:01", "6:00", "06:60", "24:00", "06-00", "", "nu", 360, True):
            r = self.call("PATCH", path, {"door_day_starts": bad}, "org1")
            self.assert_error(r, 400, "VALIDATION_ERROR", "door_day_starts")
        for bad in ("maybe", 2, "ja"):
            r = self.call("PATCH", path, {"reentry_allowed": bad}, "org1")
            self.assert_error(r, 400, "VALIDATION_ERROR", "reentry_allowed")
        r = self.call("POST", "/api/events/", {
            "title": "Fel", "start_date": "2031-05-01T18:00:00+02:00",
            "total_capacity": 10, "door_day_starts": "13:00"}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "door_day_starts")
        self.assertEqual(self.stored_event(ev["id"]), (0, 360))
        # Another organizer's event stays as it is.
        r = self.call("PATCH", path, {"reentry_allowed": True}, "org2")
        self.assertEqual(r.status, 404, r)
        self.assertEqual(self.stored_event(ev["id"]), (0, 360))

    # -- seed 004's ticket types ---------------------------------------------

    def test_type_reentry_null_true_false(self):
        ev = self.event(title="Typfest", reentry_allowed=True)
        tt = self.ttype(ev, price="100.00")
        self.assertIsNone(tt["reentry_allowed"])
        self.assertIsNone(self.stored_type(tt["id"]))
        no = self.ttype(ev, price="100.00", reentry_allowed=False)
        self.assertIs(no["reentry_allowed"], False)
        self.assertEqual(self.stored_type(no["id"]), 0)
        path = f"/api/tickets/types/{tt['id']}/"
        r = self.call("PATCH", path, {"reentry_allowed": True}, "org1")
        self.assertEqual((r.status, r.json["reentry_allowed"]), (200, True), r)
        self.assertEqual(self.call("GET", path, who="org1").json["reentry_allowed"], True)
        r = self.call("PATCH", path, {"reentry_allowed": "x"}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "reentry_allowed")
        r = self.call("PATCH", path, {"reentry_allowed": None}, "org1")
        self.assertEqual((r.status, r.json["reentry_allowed"]), (200, None), r)
        self.assertIsNone(self.stored_type(tt["id"]))
        # The doors: null follows the event (on), false is off.
        variants = self.door_rules(ev["id"])["variants"]
        self.assertEqual((variants[str(tt["id"])]["reentry"],
                          variants[str(no["id"])]["reentry"]), (True, False))
        r = self.call("PATCH", f"/api/events/{ev['slug']}/", {"reentry_allowed": False},
                      "org1")
        self.assertEqual(r.status, 200, r)
        variants = self.door_rules(ev["id"])["variants"]
        self.assertFalse(variants[str(tt["id"])]["reentry"])
        # The event's detail lists its types with theirs.
        detail = self.call("GET", f"/api/events/{ev['slug']}/", who="org1").json
        self.assertEqual({t["id"]: t["reentry_allowed"] for t in detail["ticket_types"]},
                         {tt["id"]: None, no["id"]: False})

    # -- the back-office API ---------------------------------------------------

    def test_backoffice_create_and_edit(self):
        r = self.call("POST", "/api/organizer/events/create/", {
            "title": "Backoffice-dörr", "start_date": "2031-06-01T18:00:00+02:00",
            "total_capacity": 50, "reentry_allowed": True, "door_day_starts": "05:00"},
            "org1")
        self.assertEqual(r.status, 201, r)
        ev_id = r.json["id"]
        self.assertEqual(self.stored_event(ev_id), (1, 300))
        got = self.call("GET", f"/api/organizer/events/{ev_id}/", who="org1").json
        self.assertEqual((got["reentry_allowed"], got["door_day_starts"]), (True, "05:00"))
        r = self.call("PATCH", f"/api/organizer/events/{ev_id}/edit/",
                      {"door_day_starts": "5"}, "org1")
        self.assert_error(r, 400, "VALIDATION_ERROR", "door_day_starts")
        r = self.call("PATCH", f"/api/organizer/events/{ev_id}/edit/",
                      {"reentry_allowed": False, "door_day_starts": "00:00"}, "org1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.stored_event(ev_id), (0, 0))

    # -- the organizer's forms -----------------------------------------------

    def sign_in(self):
        c = self.client()
        c.get("/organizer/login")
        r = c.post("/organizer/login", form={
            "csrf": c.cookies["csrftoken"], "email": "org1@example.com",
            "password": self.passwords["org1@example.com"]})
        self.assertEqual(r.status, 303, r)
        return c

    def post(self, c, path, form):
        return c.post(path, form=dict(form, csrf=c.cookies["csrftoken"]),
                      headers={"Accept-Language": "en"})

    def test_forms(self):
        c = self.sign_in()
        page = c.get("/organizer/events/new", headers={"Accept-Language": "en"})
        self.assertIn(b'name="reentry"', page.body)
        self.assertIn(b'name="door_day_starts" type="time" value="06:00"', page.body)
        r = self.post(c, "/organizer/events/new",
                      dict(EVENT, title_sv="Formdörr", reentry="1",
                           door_day_starts="05:30"))
        self.assertEqual(r.status, 303, r)
        event = int(re.search(r"/organizer/events/(\d+)/", r.header("Location")).group(1))
        self.assertEqual(self.stored_event(event), (1, 330))
        # A bad time is said on the form, and nothing changes.
        r = self.post(c, f"/organizer/events/{event}/edit",
                      dict(EVENT, title_sv="Formdörr", reentry="0",
                           door_day_starts="13:00"))
        self.assertEqual(r.status, 400, r)
        self.assertIn(b"Enter a time of day from 00:00 to 12:00.", r.body)
        self.assertRegex(r.body.decode(), r'id="door_day_starts"[^>]*aria-invalid="true"')
        self.assertEqual(self.stored_event(event), (1, 330))
        r = self.post(c, f"/organizer/events/{event}/edit",
                      dict(EVENT, title_sv="Formdörr", reentry="0",
                           door_day_starts="07:00"))
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.stored_event(event), (0, 420))
        page = c.get(f"/organizer/events/{event}/edit").body.decode()
        self.assertIn('value="07:00"', page)
        self.assertRegex(page, r'<option value="0" selected>')
        # A form without the door fields (an older page) keeps them.
        r = self.post(c, f"/organizer/events/{event}/edit", dict(EVENT, title_sv="Formdörr"))
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.stored_event(event), (0, 420))
        # Ticket types: new with re-entry, then as the event says.
        r = self.post(c, f"/organizer/events/{event}/tickets",
                      {"name_sv": "In och ut", "price": "100", "qty": "10",
                       "reentry": "1"})
        self.assertEqual(r.status, 303, r)
        tid = self.query("SELECT id FROM ticket_types WHERE event_id = ? AND"
                         " title = 'In och ut'", event)[0]["id"]
        self.assertEqual(self.stored_type(tid), 1)
        page = c.get(f"/organizer/events/{event}/tickets").body.decode()
        self.assertRegex(page, rf'name="t{tid}_reentry"[^<]*>\s*<option value=""[^>]*>'
                               rf'[^<]*</option>\s*<option value="1" selected>')
        r = self.post(c, f"/organizer/events/{event}/tickets/{tid}",
                      {f"t{tid}_total": "10", f"t{tid}_price": "100",
                       f"t{tid}_reentry": ""})
        self.assertEqual(r.status, 303, r)
        self.assertIsNone(self.stored_type(tid))
        r = self.post(c, f"/organizer/events/{event}/tickets/{tid}",
                      {f"t{tid}_total": "10", f"t{tid}_price": "100",
                       f"t{tid}_reentry": "0"})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.stored_type(tid), 0)
