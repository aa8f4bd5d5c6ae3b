#!/usr/bin/env python3
"""Runs every test biljett has and ends with "N passed, N failed".

  - C unit tests: build/san/tests/unit/test-* (AddressSanitizer + UBSan),
    one program each, passing when it exits 0;
  - the libFuzzer targets (build/fuzz/) over their seed corpora;
  - the simulators' self-test (tests/sim/test_*.py);
  - API tests: tests/api/test_*.py (unittest, each starting the real
    stack: nginx, the FastCGI programs, a SQLite file in a temp dir);
  - browser tests: tests/browser/*.mjs when present (headless Chromium).

Usage: tests/run.py [pattern ...]   (a test runs when its name contains any pattern)
"""
import glob
import os
import subprocess
import sys
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def record(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {name}", flush=True)
        else:
            self.failed.append(name)
            print(f"FAIL {name}\n{detail}", flush=True)


def matches(pattern, name):
    """Does name contain one of the patterns (or are there none)?"""
    return not pattern or any(p in name for p in pattern)


def run_units(tally, pattern):
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    for path in sorted(glob.glob(os.path.join(ROOT, "build/san/tests/unit/test-*"))):
        if path.endswith(".d") or not os.access(path, os.X_OK):
            continue
        name = "unit/" + os.path.basename(path)
        if not matches(pattern, name):
            continue
        p = subprocess.run([path], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=300)
        tally.record(name, p.returncode == 0, p.stdout + p.stderr)


class TallyResult(unittest.TextTestResult):
    """Reports each test to the tally as it finishes."""

    tally = None

    def addSuccess(self, test):
        super().addSuccess(test)
        self.tally.record(test.id(), True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.tally.record(test.id(), False, self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self.tally.record(test.id(), False, self._exc_info_to_string(err, test))

    def addSubTest(self, test, subtest, err):
        # A failing subTest fails its test, which then reports neither
        # success nor failure of its own: count it here.
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.tally.record(subtest.id(), False,
                              self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        print(f"skip {test.id()}: {reason}", flush=True)


def run_python(tally, directory, pattern):
    loader = unittest.TestLoader()
    if pattern:
        loader.testNamePatterns = [f"*{p}*" for p in pattern]
    suite = loader.discover(os.path.join(ROOT, directory), pattern="test_*.py",
                            top_level_dir=os.path.join(ROOT, directory))
    TallyResult.tally = tally
    runner = unittest.TextTestRunner(stream=open(os.devnull, "w"),
                                     resultclass=TallyResult, verbosity=0)
    runner.run(suite)


def run_fuzz_seeds(tally, pattern):
    """Each libFuzzer target over its seed corpus: a regression check
    that the harnesses build and the seeds still pass (make fuzz runs
    them for real)."""
    for path in sorted(glob.glob(os.path.join(ROOT, "build/fuzz/fuzz-*"))):
        if not os.access(path, os.X_OK) or "." in os.path.basename(path):
            continue
        name = "fuzz/" + os.path.basename(path)
        if not matches(pattern, name):
            continue
        corpus = os.path.join(ROOT, "tests/fuzz/corpus",
                              os.path.basename(path)[len("fuzz-"):])
        p = subprocess.run([path, "-runs=0", corpus], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
        tally.record(name, p.returncode == 0, p.stdout + p.stderr[-3000:])


BROWSER_TIMEOUT = 900   # seconds for one browser test file


def run_browser(tally, pattern):
    tests = sorted(glob.glob(os.path.join(ROOT, "tests/browser/test-*.mjs")))
    for path in tests:
        name = "browser/" + os.path.basename(path)
        if not matches(pattern, name):
            continue
        try:
            p = subprocess.run(["node", path], cwd=ROOT, capture_output=True,
                               text=True, timeout=BROWSER_TIMEOUT)
        except subprocess.TimeoutExpired as e:
            # A hung browser test fails itself, not the run; the output so
            # far says where it stood.
            out = (e.stdout or b"").decode(errors="replace") if isinstance(
                e.stdout, bytes) else (e.stdout or "")
            tally.record(name, False, out + f"\ntimed out after {BROWSER_TIMEOUT} s")
            continue
        tally.record(name, p.returncode == 0, p.stdout + p.stderr)


def main():
    pattern = sys.argv[1:]
    # The stack runs the sanitizer build when there is one; a report in
    # any log fails the test class (tests/api/support.py).
    if os.path.exists(os.path.join(ROOT, "build/san/biljett")):
        os.environ.setdefault("BILJETT_BIN", "build/san")
        os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=0")
        os.environ.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    tally = Tally()
    start = time.monotonic()
    run_units(tally, pattern)
    run_fuzz_seeds(tally, pattern)
    if os.path.isdir(os.path.join(ROOT, "tests/sim")):
        run_python(tally, "tests/sim", pattern)
    run_python(tally, "tests/api", pattern)
    run_browser(tally, pattern)
    print(f"\n{len(tally.failed)} failed: {', '.join(tally.failed)}"
          if tally.failed else "")
    print(f"time: {time.monotonic() - start:.0f}s")
    print(f"{tally.passed} passed, {len(tally.failed)} failed")
    return 1 if tally.failed or tally.passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
