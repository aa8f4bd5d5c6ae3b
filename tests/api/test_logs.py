"""What the programs log cannot be forged from a request: a decoded %0A
in the path stays on its request's line."""
import time

from support import StackTest


class Logs(StackTest):
    programs = ("catalog", "events", "shop")

    def test_newline_in_path_logs_as_one_line(self):
        forged = "2026-11-30T00:00:00Z pay[1] error: forged"
        r = self.client().get("/api/events/1%0A" + forged.replace(" ", "%20"))
        self.assertEqual(r.status, 404)
        r = self.client().post("/reserve_ticket/%0D%0A" + forged.replace(" ", "%20"), {})
        self.assertIn(r.status, (400, 404))
        time.sleep(0.5)
        with open(self.stack.log("events")) as f:
            catalog = f.read()
        for line in catalog.splitlines():
            self.assertFalse(line.startswith(forged), line)
        self.assertIn("\\x0a" + forged, catalog)
