"""The biljett command: init, migrate, import (all or nothing, errors
naming the field), demo, scanner-add, backup."""
import datetime
import json
import os
import sqlite3
import subprocess

from support import StackTest

GOOD_TYPE = {"key": "std", "title": "Standard", "description": "x", "price": 199}
GOOD_EVENT = {"key": "n1", "title": "Night", "description": "d",
              "event_at": "2030-12-05T19:00:00+01:00",
              "sales_stop_at": "2030-12-05T18:00:00+01:00", "total_seats": 300,
              "max_tickets_per_payment": 8, "reservation_seconds": 900,
              "swish_message": "Night", "ticket_types": ["std"]}


class Cli(StackTest):
    programs = ("catalog",)

    def counts(self):
        return tuple(self.query(f"SELECT count(*) AS n FROM {t}")[0]["n"]
                     for t in ("ticket_types", "events", "event_ticket_types", "quotas"))

    def cli(self, *args):
        """Runs the CLI; returns (exit status, stdout, stderr)."""
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        p = subprocess.run([os.path.join(root, os.environ.get("BILJETT_BIN", ""), "biljett"),
                            "-c", self.stack.conf_path, *args],
                           capture_output=True, text=True)
        return p.returncode, p.stdout, p.stderr

    def test_import_prints_keys_and_ids(self):
        out = json.loads(self.stack.biljett("import", "-", stdin=json.dumps(
            {"ticket_types": [dict(GOOD_TYPE, key="a"), dict(GOOD_TYPE, key="b", visible=False)],
             "events": [dict(GOOD_EVENT, key="x", ticket_types=["a", "b"])]})))
        self.assertEqual([t["key"] for t in out["ticket_types"]], ["a", "b"])
        self.assertEqual([e["key"] for e in out["events"]], ["x"])
        ev = out["events"][0]["id"]
        row = self.query("SELECT title, total_seats, swish_message, event_at FROM events"
                         " WHERE id = ?", ev)[0]
        self.assertEqual((row["title"], row["total_seats"], row["swish_message"]),
                         ("Night", 300, "Night"))
        self.assertEqual(row["event_at"], int(datetime.datetime.fromisoformat(
            GOOD_EVENT["event_at"]).timestamp()))
        self.assertEqual(self.query("SELECT size FROM quotas WHERE event_id = ?", ev)[0]["size"],
                         300)

    def test_invalid_documents_are_rejected_whole(self):
        cases = [
            ("{not json", "not valid JSON"),
            ({"ticket_types": [dict(GOOD_TYPE, title="")]}, "ticket_types[0].title"),
            ({"ticket_types": [dict(GOOD_TYPE, price=-1)]}, "ticket_types[0].price"),
            ({"ticket_types": [GOOD_TYPE, GOOD_TYPE]}, "ticket_types[1].key"),
            ({"ticket_types": [GOOD_TYPE], "events": [dict(GOOD_EVENT, event_at="tomorrow")]},
             "events[0].event_at"),
            ({"ticket_types": [GOOD_TYPE], "events": [dict(GOOD_EVENT, total_seats="many")]},
             "events[0].total_seats"),
            ({"ticket_types": [GOOD_TYPE], "events": [dict(GOOD_EVENT, ticket_types=["nope"])]},
             "events[0].ticket_types[0]"),
            ({"ticket_types": [GOOD_TYPE], "events": [dict(GOOD_EVENT, ticket_types=[])]},
             "events[0].ticket_types"),
            ({"ticket_types": [GOOD_TYPE], "events": [dict(GOOD_EVENT, swish_message="x" * 51)]},
             "events[0].swish_message"),
            ({"ticket_types": [GOOD_TYPE], "events": [
                dict(GOOD_EVENT, sales_stop_at="2031-01-01T00:00:00Z")]},
             "events[0].sales_stop_at"),
            ({"ticket_types": [GOOD_TYPE], "events": [dict(GOOD_EVENT, ticket_types=["std", "std"])]},
             "twice"),
            ([1, 2], "object"),
        ]
        before = self.counts()
        path = os.path.join(self.tmp, "doc.json")
        for doc, needle in cases:
            with open(path, "w") as f:
                f.write(doc if isinstance(doc, str) else json.dumps(doc))
            status, out, err = self.cli("import", path)
            self.assertEqual((status, out), (1, ""), doc)
            self.assertIn(needle, err, doc)
        self.assertEqual(self.counts(), before)

    def test_init_and_migrate_are_idempotent(self):
        self.stack.biljett("init")
        self.assertEqual(self.stack.biljett("migrate"), "")
        rows = self.query("SELECT version FROM schema_migrations")
        self.assertGreaterEqual(len(rows), 1)

    def test_demo(self):
        out = json.loads(self.stack.biljett("demo"))
        self.assertEqual([t["key"] for t in out["ticket_types"]],
                         ["std", "student", "crew", "kes_regular", "kes_vip"])
        self.assertEqual([e["key"] for e in out["events"]], ["night1", "night2", "nairobi"])
        # The one paid with M-Pesa, in Kenyan shillings.
        ev = self.query("SELECT currency, payment_providers FROM events WHERE id = ?",
                        out["events"][2]["id"])[0]
        self.assertEqual((ev["currency"], ev["payment_providers"]), ("KES", "mpesa"))
        kes = self.query("SELECT currency, price FROM ticket_types WHERE id = ?",
                         out["ticket_types"][3]["id"])[0]
        self.assertEqual((kes["currency"], kes["price"]), ("KES", 150000))
        hidden = self.query("SELECT visible FROM ticket_types WHERE id = ?",
                            out["ticket_types"][2]["id"])[0]["visible"]
        self.assertEqual(hidden, 0)

    def test_scanner_add(self):
        out = self.stack.biljett("scanner-add", "door-x", "--site-wide")
        self.assertRegex(out, r'scanner "door-x" created; password: [A-Z]{20}\n')
        status, _, err = self.cli("scanner-add", "door-x", "--site-wide")
        self.assertEqual(status, 1)
        self.assertIn("exists", err)
        status, _, err = self.cli("scanner-add", "short", "--password", "abc", "--site-wide")
        self.assertEqual(status, 1)
        self.assertIn("password must be", err)
        # Whose tickets it admits is never left to a default.
        status, _, err = self.cli("scanner-add", "nobodys")
        self.assertEqual(status, 1)
        self.assertIn("--site-wide", err)

    def test_backup(self):
        dest = os.path.join(self.tmp, "backup.db")
        self.assertIn("backed up", self.stack.biljett("backup", dest))
        conn = sqlite3.connect(dest)
        try:
            self.assertEqual(conn.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            self.assertGreater(conn.execute("SELECT count(*) FROM schema_migrations")
                               .fetchone()[0], 0)
        finally:
            conn.close()
        status, _, err = self.cli("backup", dest)
        self.assertEqual(status, 1)
        self.assertIn("exists", err)


class ConfigPaths(StackTest):
    """One rule for paths in the configuration: relative to the file."""
    programs = ("catalog",)

    def run_cli(self, conf, *args, env=None):
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        return subprocess.run([os.path.join(root, os.environ.get("BILJETT_BIN", ""), "biljett"),
                               "-c", conf, *args], capture_output=True, text=True, cwd="/",
                              env=env)

    def test_secret_key_as_a_systemd_credential(self):
        """A configuration without secrets; secret_key handed the way
        LoadCredential= does, in $CREDENTIALS_DIRECTORY."""
        d = os.path.join(self.tmp, "cred")
        creds = os.path.join(d, "credentials")
        os.makedirs(creds)
        conf = os.path.join(d, "biljett.conf")
        with open(conf, "w") as f:
            f.write("database = tickets.db\n")
        env = {k: v for k, v in os.environ.items()
               if k != "CREDENTIALS_DIRECTORY" and not k.startswith("BILJETT_")}
        if "BILJETT_BIN" in os.environ:
            env["BILJETT_BIN"] = os.environ["BILJETT_BIN"]
        self.assertEqual(self.run_cli(conf, "init", env=env).returncode, 0)
        p = self.run_cli(conf, "create-user", "org@example.com", "organizer", env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.run_cli(conf, "scanner-add", "door-1", "--organizer", "org@example.com",
                         env=env)
        self.assertEqual(p.returncode, 1)
        self.assertIn("needs secret_key", p.stderr)
        with open(os.path.join(creds, "secret_key"), "w") as f:
            f.write("ab" * 32 + "\n")
        env["CREDENTIALS_DIRECTORY"] = creds
        p = self.run_cli(conf, "scanner-add", "door-1", "--organizer", "org@example.com",
                         env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn('scanner "door-1" created', p.stdout)
        with open(os.path.join(creds, "secret_key"), "w") as f:
            f.write("ab" * 32 + "\n" + "cd" * 32 + "\n")
        p = self.run_cli(conf, "migrate", env=env)
        self.assertEqual(p.returncode, 1)
        self.assertIn(os.path.join(creds, "secret_key") + ": one line expected", p.stderr)

    def test_init_writes_an_absolute_database_beside_the_config(self):
        d = os.path.join(self.tmp, "etc")
        os.mkdir(d)
        conf = os.path.join(d, "biljett.conf")
        p = self.run_cli(conf, "init")
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(conf) as f:
            lines = [l for l in f if l.startswith("database")]
        self.assertEqual(lines, [f"database = {os.path.realpath(d)}/biljett.db\n"])
        self.assertTrue(os.path.exists(os.path.join(d, "biljett.db")))

    def test_relative_database_from_any_working_directory(self):
        d = os.path.join(self.tmp, "rel")
        os.mkdir(d)
        conf = os.path.join(d, "biljett.conf")
        with open(conf, "w") as f:
            f.write("database = data/tickets.db\n")
        os.mkdir(os.path.join(d, "data"))
        p = self.run_cli(conf, "init")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(os.path.exists(os.path.join(d, "data", "tickets.db")))
        self.assertFalse(os.path.exists("/data/tickets.db"))
        # And the CLI finds it again from elsewhere.
        p = self.run_cli(conf, "migrate")
        self.assertEqual(p.returncode, 0, p.stderr)
