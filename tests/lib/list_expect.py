#!/usr/bin/env python3
"""What `opkg list` prints for a root, computed from its feed lists
independently of pkg: every stanza of every src in CONF whose
Architecture is one of CONF's arch lines, one line per name and version,
"name - version - description" with the description's lines joined by a
space (continuation lines lose their first blank, as in a control file).
Usage: list_expect.py CONF LISTS_DIR  (prints the lines, unsorted)."""
import gzip
import sys


def stanzas(text):
    cur, last = {}, None
    for line in text.split("\n"):
        if line in ("", "\r"):
            if cur:
                yield cur
            cur, last = {}, None
        elif line[0] in " \t":
            if last:
                cur[last] += "\n" + line[1:].rstrip()
        else:
            k, _, v = line.partition(":")
            last = k.strip().lower()
            cur[last] = v.strip()
    if cur:
        yield cur


def main():
    conf, lists = sys.argv[1], sys.argv[2]
    archs, srcs = set(), []
    for line in open(conf):
        w = line.split()
        if len(w) >= 2 and w[0] == "arch":
            archs.add(w[1])
        elif len(w) >= 3 and w[0].startswith("src"):
            srcs.append(w[1])
    seen = set()
    for name in srcs:
        raw = open(f"{lists}/{name}", "rb").read()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        for st in stanzas(raw.decode("utf-8", "replace")):
            if "package" not in st or "version" not in st:
                continue
            if archs and st.get("architecture") not in archs:
                continue
            key = (st["package"], st["version"])
            if key in seen:
                continue
            seen.add(key)
            desc = st.get("description", "").replace("\n", " ")
            print(f"{key[0]} - {key[1]}" + (f" - {desc}" if desc else ""))


main()
