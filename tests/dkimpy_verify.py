#!/usr/bin/env python3
"""Verify every DKIM signature of a message with dkimpy (python3-dkim),
keys read from master-file TXT records.  Exit 0 when all verify.

usage: dkimpy_verify.py [--fixcrlf] MESSAGE ZONEFILE...
"""
import re
import sys

import dkim


def zone_txt(paths):
    """name -> [txt], for the simple zone files the tests use."""
    recs = {}
    for path in paths:
        text = open(path, encoding="latin-1").read()
        text = re.sub(r';[^"\n]*$', "", text, flags=re.M)
        origin = ""
        # join parenthesised records onto one line
        text = re.sub(r"\(([^)]*)\)", lambda m: m.group(1).replace("\n", " "), text)
        last = None
        for line in text.splitlines():
            if line.startswith("$ORIGIN"):
                origin = line.split()[1]
                continue
            if not line.strip() or line.startswith("$"):
                continue
            parts = line.split(None, 1)
            if line[0] in " \t":
                name, rest = last, line
            else:
                name, rest = parts[0], parts[1] if len(parts) > 1 else ""
            if name == "@":
                name = origin
            elif not name.endswith("."):
                name = name + "." + origin
            last = name
            m = re.search(r"\bTXT\b(.*)$", rest)
            if not m:
                continue
            strings = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))
            recs.setdefault(name.lower().rstrip("."), []).append("".join(strings))
    return recs


def main():
    args = sys.argv[1:]
    fix = False
    if args and args[0] == "--fixcrlf":
        fix, args = True, args[1:]
    msg = open(args[0], "rb").read()
    if fix:
        msg = re.sub(rb"(?<!\r)\n", b"\r\n", msg)
    recs = zone_txt(args[1:])

    def dnsfunc(name, timeout=5):
        key = name.decode() if isinstance(name, bytes) else name
        vals = recs.get(key.lower().rstrip("."), [])
        return vals[0].encode() if vals else None

    n = len(re.findall(rb"(?im)^dkim-signature:", msg.split(b"\r\n\r\n")[0].split(b"\n\n")[0]))
    d = dkim.DKIM(msg)
    ok = True
    for i in range(n):
        good = d.verify(idx=i, dnsfunc=dnsfunc)
        print("signature %d: %s" % (i, "pass" if good else "FAIL"))
        ok = ok and good
    return 0 if ok and n > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
