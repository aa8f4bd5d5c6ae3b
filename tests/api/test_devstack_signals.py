"""`make run` stops cleanly on SIGTERM and SIGINT sent to its process
group, the way timeout(1), a service manager or a script stops it: nothing
it started (nginx, the FastCGI programs and their workers, the
simulators) is left running.

Each test starts `make run` in a session of its own, with its files in a
temporary directory and on free ports (RUN_DIR, HTTP_PORT=0, HTTPS_PORT=0),
so it collides with neither a developer's run/dev nor other tests.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.request

from support import ROOT

START_SECONDS = 120     # deps.sh, make and devstack's own ready waits
STOP_SECONDS = 60


def proc_stat(pid):
    """(state, pgid, session, start time) of a process, or None once it
    has gone.  The start time tells a reused pid apart."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name, in parentheses, may hold spaces: split after it.
    rest = text[text.rindex(")") + 2:].split()
    return rest[0], int(rest[2]), int(rest[3]), int(rest[19])


def proc_cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return ""


def all_pids():
    return [int(n) for n in os.listdir("/proc") if n.isdigit()]


def alive(pid, start):
    st = proc_stat(pid)
    # A zombie has stopped running; only its parent's wait is missing.
    return st is not None and st[3] == start and st[0] != "Z"


class DevstackSignals(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="biljett-test-run-")
        self.rundir = os.path.join(self.tmp, "run")
        self.make = None
        self.state = {"pids": []}
        self.seen = {}          # pid: (start time, pgid, command line)
        self.addCleanup(self.clean_up)

    def clean_up(self):
        """Kills whatever a failed test left, then removes the files."""
        if self.make is not None:
            self.seen.update(self.ours())
            for pid, (start, pgid, _) in self.seen.items():
                if alive(pid, start):
                    # Its group too: an nginx worker's command line does
                    # not name the directory, its master's does.
                    for kill, target in ((os.killpg, pgid), (os.kill, pid)):
                        try:
                            kill(target, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
            if self.make.poll() is None:
                self.make.kill()
            self.make.wait()
        if os.environ.get("BILJETT_KEEP_TMP") is None:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self, ignore_sigint=False):
        """Starts `make run` as a script would, in its own session; returns
        when the stack answers /api/health."""
        env = {k: v for k, v in os.environ.items()
               if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "BILJETT_CONF")}
        # `make run` builds with `$(MAKE) all`.  The tests run on the build
        # that is there (tests/run.py picks it with BILJETT_BIN), and a
        # nested build with other flags than that build's (make check's
        # -Werror) would rebuild the tree under the other tests, so
        # MAKE=true makes that one line a no-op.  deps.sh, make's own
        # signal handling and its forwarding to devstack.py stay.
        argv = ["make", "--no-print-directory", "run", "MAKE=true",
                f"RUN_DIR={self.rundir}", "HTTP_PORT=0", "HTTPS_PORT=0"]
        # In the background, a shell starts commands with SIGINT ignored.
        pre = ((lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
               if ignore_sigint else None)
        self.out = os.path.join(self.tmp, "make-run.log")
        with open(self.out, "wb") as out:
            self.make = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=pre)
        # devstack writes stack.json (pids, ports) once nginx answers.
        path = os.path.join(self.rundir, "stack.json")
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                with open(path) as f:
                    self.state = json.load(f)
                break
            except (FileNotFoundError, ValueError):    # not yet, or half
                pass
            if self.make.poll() is not None or time.monotonic() > deadline:
                self.fail(f"make run did not start:\n{self.output()}")
            time.sleep(0.1)
        url = f"http://127.0.0.1:{self.state['http_port']}/api/health"
        with urllib.request.urlopen(url, timeout=30) as r:
            self.assertEqual(r.status, 200)

    def output(self):
        with open(self.out, errors="replace") as f:
            return f.read()[-4000:]

    def ours(self):
        """Every process of this run: make's session (make, devstack.py),
        the session of each child devstack started (with its workers), and
        anything whose command line names the temporary directory."""
        sessions = {self.make.pid} | {pid for _, pid in self.state["pids"]}
        found = {}
        for pid in all_pids():
            st = proc_stat(pid)
            if st is None or st[0] == "Z":
                continue
            cmd = proc_cmdline(pid)
            if st[2] in sessions or self.tmp in cmd:
                found[pid] = (st[3], st[1], cmd)
        return found

    def stop_with(self, sig):
        self.seen = self.ours()
        names = " ".join(cmd for _, _, cmd in self.seen.values())
        for what in ("nginx: master", "nginx: worker", "cgi-bin/catalog",
                     "cgi-bin/shop", "swish_sim.py", "smtp_sink.py",
                     "scripts/devstack.py"):
            self.assertIn(what, names)
        devstack = [(pid, start) for pid, (start, _, cmd) in self.seen.items()
                    if "scripts/devstack.py" in cmd]
        self.assertEqual(len(devstack), 1, devstack)
        pid, start = devstack[0]

        os.killpg(self.make.pid, sig)
        # More of the same while it stops: make forwards SIGTERM, a user
        # presses Ctrl-C twice.  None of them may cut the stop short.
        for _ in range(20):
            if not alive(pid, start):
                break
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                break
            time.sleep(0.02)

        try:
            self.make.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.fail(f"make run still running {STOP_SECONDS} s after "
                      f"{sig.name}:\n{self.output()}")
        deadline = time.monotonic() + STOP_SECONDS
        left = self.seen
        while left and time.monotonic() < deadline:
            time.sleep(0.1)
            left = {p: v for p, v in left.items() if alive(p, v[0])}
        left.update(self.ours())
        self.assertEqual(left, {}, f"left running after {sig.name}:\n"
                         f"{self.output()}")
        self.assertNotIn("Traceback", self.output())

    def test_sigterm_to_group_stops_everything(self):
        self.start()
        self.stop_with(signal.SIGTERM)

    def test_sigint_stops_everything_when_inherited_ignored(self):
        self.start(ignore_sigint=True)
        # The case to reproduce: make itself runs with SIGINT ignored.
        with open(f"/proc/{self.make.pid}/status") as f:
            ignored = int(next(line for line in f
                               if line.startswith("SigIgn:")).split()[1], 16)
        self.assertTrue(ignored & (1 << (signal.SIGINT - 1)))
        self.stop_with(signal.SIGINT)


if __name__ == "__main__":
    unittest.main()
