"""The writer (lib/route.c): shop, scan and orders each run one more
process on NAME-write.sock, and nginx sends their short writes there.
Checked on the real stack by what the processes hold and by stopping
them: with every pool worker stopped the writes are still answered, with
the writer stopped the reads are, and a writer that dies is replaced."""
import os
import signal
import time

from flow import Swish, buy_paid
from support import StackTest, children

PASSWORD = "writer-door-password"


def listening_inodes(path):
    """The inodes of the unix sockets listening on path."""
    out = set()
    with open("/proc/net/unix") as f:
        next(f)
        for line in f:
            cols = line.split()
            # Num RefCount Protocol Flags Type St Inode [Path]
            if len(cols) >= 8 and cols[7] == path and int(cols[3], 16) & 0x10000:
                out.add(int(cols[6]))
    return out


def holds(pid, inodes):
    """Does process pid have one of the sockets open?"""
    wanted = {f"socket:[{i}]" for i in inodes}
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") in wanted:
                return True
        except OSError:
            continue
    return False


def writer_and_workers(test, name):
    """(the writer's pids, the pool workers' pids) of program name on
    test's stack, found by the listening socket each holds."""
    stack = test.stack
    supervisor = next(p.pid for n, p in stack.procs if n == name)
    write = listening_inodes(os.path.join(stack.rundir, f"{name}-write.sock"))
    pool = listening_inodes(os.path.join(stack.rundir, f"{name}.sock"))
    test.assertEqual((len(write), len(pool)), (1, 1))
    writers, workers = [], []
    for pid in children(supervisor):
        in_write, in_pool = holds(pid, write), holds(pid, pool)
        # A worker holds its own socket, never the other one.
        test.assertNotEqual(in_write, in_pool, pid)
        (writers if in_write else workers).append(pid)
    return writers, workers


class stopped:
    """SIGSTOPs the processes for the with block, then SIGCONTs them."""

    def __init__(self, pids):
        self.pids = pids

    def __enter__(self):
        for pid in self.pids:
            os.kill(pid, signal.SIGSTOP)

    def __exit__(self, *exc):
        for pid in self.pids:
            os.kill(pid, signal.SIGCONT)


class Writer(StackTest):
    programs = ("catalog", "shop", "pay", "scan", "orders")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stack.biljett("scanner-add", "door", "--password", PASSWORD, "--site-wide")

    def processes(self, name):
        return writer_and_workers(self, name)

    def reserve(self, event, ticket_type):
        return self.client().post("/reserve_ticket/", {
            "chapter_event": event, "tickets": [{"ticket_type": ticket_type, "count": 1}]})

    def scan(self, use, code="NOSUCH"):
        return self.client().put("/validate_ticket/", {
            "external_id": code, "password": PASSWORD, "use_ticket": use})

    def test_one_writer_beside_the_workers(self):
        for name in ("shop", "scan", "orders"):
            writers, workers = self.processes(name)
            self.assertEqual(len(writers), 1, name)
            self.assertEqual(len(workers), 2, name)    # the stack's workers = 2

    def test_writes_are_answered_with_every_worker_stopped(self):
        types, event = self.show("writes", seats=10)
        self.swish = Swish(self.stack)
        buy_paid(self, event, types["std"], "w@example.com")
        code = self.query("SELECT t.external_id FROM tickets t JOIN orders o"
                          " ON o.id = t.order_id WHERE o.event_id = ?", event)[0]["external_id"]
        door = self.client()                # the door page, signed in
        door.get("/scanner")
        r = door.post("/scanner/login", form={"csrf": door.cookies["csrftoken"],
                                              "password": PASSWORD})
        self.assertEqual(r.status, 303, r)
        with stopped(self.processes("shop")[1] + self.processes("scan")[1]):
            self.assertEqual(self.reserve(event, types["std"]).status, 201)
            r = door.post("/scanner/check", form={"csrf": door.cookies["csrftoken"],
                                                  "code": code, "use": "0"})
            self.assertEqual(r.status, 200, r)
            self.assertIn(b'data-state="', r.body)
            r = self.scan(False, code)
            self.assertEqual((r.status, r.json["times_used"]), (200, 0))
            r = self.scan(True, code)
            self.assertEqual((r.status, r.json["times_used"]), (200, 0))
            r = self.scan(True, code)
            self.assertEqual((r.status, r.json["times_used"]), (200, 1))
            r = self.scan(True)
            self.assertEqual((r.status, r.json),
                             (404, {"times_used": -1, "status": "Ticket does not exist"}))
        self.assertEqual(self.query("SELECT used FROM quotas WHERE event_id = ?",
                                    event)[0]["used"], 2)
        self.assertEqual(self.query("SELECT times_used FROM tickets WHERE external_id = ?",
                                    code)[0]["times_used"], 2)

    def test_reads_are_answered_with_the_writer_stopped(self):
        with stopped(self.processes("shop")[0] + self.processes("scan")[0]):
            r = self.client().get("/session_payment_status/")
            self.assertEqual(r.status // 100, 4, r)     # no session: refused, answered
            r = self.client().get("/scanner", headers={"Accept": "text/html"})
            self.assertEqual(r.status, 200)
            self.assertIn(b"<form", r.body)

    def test_a_writer_that_dies_is_replaced(self):
        types, event = self.show("again", seats=10)
        (old,), workers = self.processes("shop")
        os.kill(old, signal.SIGKILL)
        status = 0
        for _ in range(100):        # the supervisor looks once a second
            status = self.reserve(event, types["std"]).status
            if status == 201:
                break
            time.sleep(0.05)
        self.assertEqual(status, 201)
        (new,), after = self.processes("shop")
        self.assertNotEqual(new, old)
        self.assertEqual(sorted(after), sorted(workers))   # the pool untouched
