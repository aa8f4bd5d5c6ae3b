#!/usr/bin/env python3
"""Writes po/biljett.pot: every {{_ text}} in templates/pages and every
string given to page_t()/page_tn() or in lib/err.c's message column.
With --check, exits 1 listing msgids a po/*.po file lacks instead."""
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def c_strings(text):
    """Adjacent C string literals joined, as the compiler does."""
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', text))


def messages():
    found = []
    for path in sorted(glob.glob(os.path.join(ROOT, "templates/pages/**/*.html"),
                                 recursive=True)):
        with open(path) as f:
            found += re.findall(r"\{\{_ ([^}]+?)\}\}", f.read())
    for path in sorted(glob.glob(os.path.join(ROOT, "cgi-bin/*.c")) +
                       glob.glob(os.path.join(ROOT, "lib/*.c"))):
        with open(path) as f:
            text = f.read()
        for m in re.finditer(r"page_tn?\(req,\s*((?:\"(?:[^\"\\]|\\.)*\"\s*)+)", text):
            found.append(c_strings(m.group(1)))
        for m in re.finditer(r"N_\(((?:\"(?:[^\"\\]|\\.)*\"\s*)+)\)", text):
            found.append(c_strings(m.group(1)))
        for m in re.finditer(r"i18n_get\(req->lang,\s*((?:\"(?:[^\"\\]|\\.)*\"\s*)+)", text):
            found.append(c_strings(m.group(1)))
        for m in re.finditer(r"return event_error\(req, \d+,\s*((?:\"(?:[^\"\\]|\\.)*\"\s*)+)", text):
            found.append(c_strings(m.group(1)))
        for m in re.finditer(r"checkout_again\(req, \d+,\s*((?:\"(?:[^\"\\]|\\.)*\"\s*)+)", text):
            found.append(c_strings(m.group(1)))
    with open(os.path.join(ROOT, "lib/err.c")) as f:
        for m in re.finditer(r"\{ \d+, \"[A-Z_]+\",[^}]*?,\s*((?:\"(?:[^\"\\]|\\.)*\"\s*)+)(?:,\s*\d+\s*)?\}",
                             f.read(), re.S):
            found.append(c_strings(m.group(1)))
    seen, out = set(), []
    for s in found:
        s = s.strip()
        if s and s not in seen:
            seen.add(s)
            out.append(s)
    return out


def po_ids(path):
    ids, cur = set(), None
    with open(path) as f:
        for line in f:
            if line.startswith("msgid "):
                cur = c_strings(line[6:])
            elif line.startswith('"') and cur is not None:
                cur += c_strings(line)
            elif line.startswith("msgstr"):
                if cur:
                    ids.add(cur)
                cur = None
    return ids


def main():
    msgs = messages()
    if "--check" in sys.argv:
        bad = 0
        for po in sorted(glob.glob(os.path.join(ROOT, "po/*.po"))):
            missing = [m for m in msgs if m not in po_ids(po)]
            for m in missing:
                print(f"{os.path.basename(po)}: missing {m!r}")
            bad += len(missing)
        return 1 if bad else 0
    with open(os.path.join(ROOT, "po/biljett.pot"), "w") as f:
        f.write('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n')
        for m in msgs:
            f.write(f'msgid "{m}"\nmsgstr ""\n\n')
    print(f"{len(msgs)} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
