#!/usr/bin/env python3
"""Fails when lib/ grows an include cycle, or when a library's symbols
leak past the module that owns them.

  - Modules are lib/NAME.{c,h}; NAME depends on OTHER when NAME.c or
    NAME.h includes "OTHER.h".  Any cycle in that graph fails, printed
    as the path that closes it (e.g. http -> auth -> http).
  - sqlite3_ may appear only in lib/db*.c (storage sees struct db_stmt);
    swish_ only in lib/swish.* and mpesa_ only in lib/mpesa.*, and the
    provider table (lib/providers.c):
    programs, the CLI and the payment state machine go through the
    provider interface.  String literals and comments do not count
    (a column may be called swish_message).

Usage: scripts/check-layers.py   (exit 0 when clean, 1 otherwise)
"""
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)\.h"', re.M)

# symbol prefix -> files (globs, relative to ROOT) allowed to use it
OWNERS = {
    "sqlite3_": ["lib/db*.c"],
    "swish_": ["lib/swish.c", "lib/swish.h", "lib/providers.c"],
    "mpesa_": ["lib/mpesa.c", "lib/mpesa.h", "lib/providers.c"],
}
SOURCES = ["lib/*.c", "lib/*.h", "cgi-bin/*.c", "scripts/*.c"]
# Generated: the SQL of sql/ embedded as strings.
GENERATED = {"lib/migrations.c"}


def module_graph():
    graph = {}
    for path in glob.glob(os.path.join(ROOT, "lib", "*.[ch]")):
        name = os.path.splitext(os.path.basename(path))[0]
        with open(path, encoding="utf-8") as f:
            deps = set(INCLUDE.findall(f.read()))
        deps.discard(name)
        graph.setdefault(name, set()).update(
            d for d in deps
            if os.path.exists(os.path.join(ROOT, "lib", d + ".h")))
    return graph


def find_cycles(graph):
    """Every elementary cycle found by depth-first search, once each."""
    cycles, seen = [], set()
    state = {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == "open":
                cycle = stack[stack.index(dep):] + [dep]
                key = frozenset(cycle)
                if key not in seen:
                    seen.add(key)
                    cycles.append(cycle)
            elif dep not in state:
                visit(dep, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return cycles


def strip_strings_and_comments(text):
    # Keep the newlines so that line numbers stay true.
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"),
                  text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    return re.sub(r'"(?:\\.|[^"\\\n])*"', '""', text)


def leaks():
    found = []
    allowed = {prefix: {os.path.normpath(p) for g in globs
                        for p in glob.glob(os.path.join(ROOT, g))}
               for prefix, globs in OWNERS.items()}
    for pattern in SOURCES:
        for path in sorted(glob.glob(os.path.join(ROOT, pattern))):
            if os.path.relpath(path, ROOT) in GENERATED:
                continue
            with open(path, encoding="utf-8") as f:
                text = strip_strings_and_comments(f.read())
            for prefix in OWNERS:
                if os.path.normpath(path) in allowed[prefix]:
                    continue
                for m in re.finditer(r"\b%s\w*" % prefix, text):
                    line = text.count("\n", 0, m.start()) + 1
                    found.append(f"{os.path.relpath(path, ROOT)}:{line}: "
                                 f"{m.group(0)} outside its owner")
    return found


def main():
    problems = []
    for cycle in find_cycles(module_graph()):
        problems.append("include cycle: " + " -> ".join(cycle))
    problems.extend(leaks())
    for p in problems:
        print(p)
    print(f"check-layers: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
