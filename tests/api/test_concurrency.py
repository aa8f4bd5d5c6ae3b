"""Many clients at once: no overselling, exactly-once ticket use."""
from flow import Swish
from support import StackTest, all_at_once

PASSWORD = "dörrvakt-lösenord"


class Concurrency(StackTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stack.biljett("scanner-add", "door", "--password", PASSWORD, "--site-wide")

    def test_200_buyers_for_50_seats(self):
        types, event = self.show("rush", seats=50, types=("std",))
        body = {"chapter_event": event, "tickets": [{"ticket_type": types["std"], "count": 1}]}
        results = all_at_once(200, lambda i: self.client().post("/reserve_ticket/", body))
        statuses = [r.status for r in results]
        self.assertEqual(statuses.count(201), 50, statuses)
        refused = [r for r in results if r.status == 403]
        self.assertEqual(len(refused), 150, statuses)
        for r in refused:
            self.assertEqual(r.json["error"], "OutOfTickets")
        self.assertEqual(self.query("SELECT used, size FROM quotas WHERE event_id = ?",
                                    event)[0]["used"], 50)
        self.assertEqual(self.query("SELECT sum(seats) AS n FROM orders WHERE event_id = ?"
                                    " AND status = 'reserved'", event)[0]["n"], 50)

    def test_every_answer_is_what_was_committed(self):
        """Reservations arriving together share one commit (group
        commit, lib/route) and are answered after it: every 201 is a
        hold that exists, with the session its cookie names, and every
        refusal left nothing behind."""
        types, event = self.show("together", seats=60, types=("std",))
        clients = [self.client() for _ in range(120)]

        def reserve(i):
            body = {"chapter_event": event,
                    "tickets": [{"ticket_type": types["std"], "count": 1 + i % 2}]}
            return clients[i].post("/reserve_ticket/", body)

        results = all_at_once(len(clients), reserve)
        held = [i for i, r in enumerate(results) if r.status == 201]
        self.assertEqual(sorted({r.status for r in results}), [201, 403])
        seats = sum(1 + i % 2 for i in held)
        self.assertLessEqual(seats, 60)
        self.assertGreaterEqual(seats, 59)  # a last buyer of 2 may find 1 left
        orders = self.query("SELECT count(*) AS n, sum(seats) AS s FROM orders"
                            " WHERE event_id = ? AND status = 'reserved'", event)[0]
        self.assertEqual((orders["n"], orders["s"]), (len(held), seats))
        for i, c in enumerate(clients):
            status = c.get("/session_payment_status/")
            if i in held:
                self.assertEqual(status.status, 200, (i, status.json))
            else:
                self.assertEqual(status.status, 400, (i, status.json))

    def test_20_doors_scan_one_ticket(self):
        types, event = self.show("door", seats=5, types=("std",))
        c = self.client()
        c.post("/reserve_ticket/", {"chapter_event": event,
                                    "tickets": [{"ticket_type": types["std"], "count": 1}]})
        token = c.post("/start_payment/", {"email_address": "door@example.com"}).json
        swish = Swish(self.stack)
        swish.act(swish.request_by_token(token)["id"], "pay")
        code = self.query("SELECT t.external_id FROM tickets t JOIN orders o ON o.id ="
                          " t.order_id WHERE o.event_id = ?", event)[0]["external_id"]
        body = {"external_id": code, "password": PASSWORD, "use_ticket": True}
        results = all_at_once(20, lambda i: self.client().put("/validate_ticket/", body))
        self.assertEqual([r.status for r in results], [200] * 20)
        used = sorted(r.json["times_used"] for r in results)
        self.assertEqual(used, list(range(20)))
        self.assertEqual(used.count(0), 1)
        rows = self.query("SELECT result, count(*) AS n FROM checkins"
                          " WHERE external_id = ? GROUP BY result", code)
        self.assertEqual({r["result"]: r["n"] for r in rows},
                         {"admitted": 1, "already_used": 19})
