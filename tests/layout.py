#!/usr/bin/env python3
"""The tree's shape (issue 22): the programs include only the public headers
and common/, no two object files call each other round a circle, and no
function outside tests, fuzz, bench and doc runs over 60 lines.
usage: layout.py SRCDIR BUILDDIR"""
import collections
import glob
import os
import re
import subprocess
import sys

src, build = sys.argv[1], sys.argv[2]
fail = 0

# 1. cli/ and milter/ include only <vouch/...>, common/ and their own folder
for folder in ("cli", "milter"):
    for f in sorted(glob.glob(os.path.join(src, folder, "*.[ch]"))):
        for n, line in enumerate(open(f, errors="replace"), 1):
            m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if not m:
                continue
            inc = m.group(1)
            ok = (inc == "config.h" or inc.startswith("common/") or
                  inc.startswith(folder + "/") or "/" not in inc)
            if not ok:
                print(f"FAIL: {folder}/{os.path.basename(f)}:{n} includes {inc}")
                fail = 1
print("ok: cli/ and milter/ include only <vouch/*.h>, common/ and their own files")

# 2. no circle of calls between object files (from nm)
FOLDERS = ("common", "dns", "spf", "dkim", "dmarc", "arc", "auth", "keys",
           "archive", "report", "lint", "cli", "milter")
objs = [o for d in FOLDERS for o in glob.glob(os.path.join(build, d, "*.o"))]
defs, uses = {}, {}
for o in objs:
    out = subprocess.run(["nm", o], capture_output=True, text=True).stdout
    d, u = set(), set()
    for line in out.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in "TDBR":
            d.add(p[2])
        elif len(p) == 2 and p[0] == "U":
            u.add(p[1])
    defs[o], uses[o] = d, u
owner = {}
for o, d in defs.items():
    for s in d:
        owner.setdefault(s, o)
graph = {o: {owner[s] for s in u if s in owner and owner[s] != o}
         for o, u in uses.items()}
index, low, stack, on, cycles = {}, {}, [], set(), []
sys.setrecursionlimit(10000)


def strong(v):
    index[v] = low[v] = len(index)
    stack.append(v)
    on.add(v)
    for w in graph[v]:
        if w not in index:
            strong(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            cycles.append(comp)


for v in graph:
    if v not in index:
        strong(v)
for c in cycles:
    print("FAIL: these files call each other round a circle:",
          " ".join(sorted(os.path.relpath(x, build) for x in c)))
    fail = 1
if len(objs) < 20:
    print(f"FAIL: only {len(objs)} object files under {build}; build first")
    fail = 1
print(f"ok: {len(objs)} object files, no circle of calls")

# 3. no function over 60 lines, from the line with its name to its closing
# brace (house style: the name starts a line, '{' and '}' stand alone)
long = []
for f in sorted(glob.glob(os.path.join(src, "*", "*.c"))):
    rel = os.path.relpath(f, src)
    if rel.split(os.sep)[0] not in FOLDERS:
        continue
    lines = open(f, errors="replace").read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i] == "{":
            # counted from the line naming the function, as ctags does
            j = i - 1
            while j >= 0 and not re.match(r"[A-Za-z_]\w*\(", lines[j]):
                j -= 1
            name = lines[j].split("(")[0] if j >= 0 else "?"
            k = i + 1
            while k < len(lines) and lines[k] != "}":
                k += 1
            if k - max(j, 0) + 1 > 60:
                long.append((k - max(j, 0) + 1, rel, name))
            i = k
        i += 1
for n, rel, name in long:
    print(f"FAIL: {rel}: {name} is {n} lines (at most 60)")
    fail = 1
if not long:
    print("ok: no function over 60 lines")
sys.exit(fail)
