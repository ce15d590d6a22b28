#!/usr/bin/env python3
"""What `opkg list` prints for a root, computed from its feed lists and
status file independently of pkg (the rules of opkg-lede's parser and of
its list command): every stanza of every src in CONF whose Architecture
is one of CONF's arch lines, one line per stanza (a package in two feeds
twice), "name - version - description"; the description is the value of
its first line, trimmed, followed by each continuation line (one that
starts with a space) as it is, leading space and trailing blanks kept,
and the whole trimmed at both ends. Then "name - version" for each
package of STATUS (if given) that no feed has by name.
Usage: list_expect.py CONF LISTS_DIR [STATUS]  (prints the lines,
unsorted)."""
import gzip
import sys


def stanzas(text):
    cur, desc = {}, None
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if line.strip() == "" and not (desc is not None and line[:1] == " "):
            if cur:
                yield cur
            cur, desc = {}, None
        elif line[0] == " " and desc is not None:
            cur["description"] += line
        elif line[0] in " \t":
            desc = None
        else:
            k, _, v = line.partition(":")
            k = k.strip().lower()
            cur[k] = v.strip()
            desc = k if k == "description" else None
    if cur:
        yield cur


def read(path):
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8", "replace")


def main():
    conf, lists = sys.argv[1], sys.argv[2]
    archs, srcs = set(), []
    for line in open(conf):
        w = line.split()
        if len(w) >= 2 and w[0] == "arch":
            archs.add(w[1])
        elif len(w) >= 3 and w[0].startswith("src"):
            srcs.append(w[1])
    names = set()
    for name in srcs:
        for st in stanzas(read(f"{lists}/{name}")):
            if "package" not in st or "version" not in st:
                continue
            if archs and st.get("architecture") not in archs:
                continue
            names.add(st["package"])
            desc = st.get("description", "").strip()
            print(f"{st['package']} - {st['version']}" +
                  (f" - {desc}" if desc else ""))
    if len(sys.argv) > 3:
        for st in stanzas(read(sys.argv[3])):
            if "package" in st and "version" in st and \
                    st["package"] not in names:
                print(f"{st['package']} - {st['version']}")


main()
