#!/usr/bin/env python3
"""An authoritative DNS server on 127.0.0.1 for the batch benchmark that
answers after a fixed delay, many at once (asyncio), the way a real one
does (RFC 2308): negative answers carry the zone's SOA, so resolvers can
cache them.

Zone bench.test (names outside it are answered from the zone test):
  dN.bench.test                   TXT "v=spf1 -all"  (any N)
  *._domainkey.dN.bench.test      TXT the key record from RECORD_FILE
  _dmarc.dN.bench.test            TXT "v=DMARC1; p=none" for N % 3 == 0
  _dmarc.bench.test               TXT "v=DMARC1; p=quarantine; ..."
  bench.test, test                SOA
Everything else under bench.test is NXDOMAIN, a name that exists with
another type NODATA, both with the SOA in the authority section.

Names in EXTRA_FILE (lines "NAME TYPE DATA", TYPE TXT, A or MX "PREF
HOST") are answered from there first, NXDOMAIN for other names of their
zones (the second-level domain of each), with the SOA.

usage: slow_dns.py PORT DELAY_MS RECORD_FILE [READY_FILE [EXTRA_FILE]]
On SIGUSR1 the number of queries so far is written to READY_FILE.count.
"""
import asyncio
import re
import signal
import struct
import sys

port, delay = int(sys.argv[1]), int(sys.argv[2]) / 1000.0
record = open(sys.argv[3], "rb").read().strip()
ready = sys.argv[4] if len(sys.argv) > 4 else None
queries = 0
TXT, SOA, A, MX = 16, 6, 1, 15
extra, extra_zones = {}, set()


def wire(name):
    return b"".join(bytes([len(label)]) + label
                    for label in name.split(b".") if label) + b"\0"


def txt_rdata(s):
    return b"".join(bytes([len(s[j:j + 255])]) + s[j:j + 255]
                    for j in range(0, len(s), 255)) or b"\0"


def soa_rr(zone):
    rdata = (wire(b"ns." + zone) + wire(b"hostmaster." + zone) +
             struct.pack(">IIIII", 2026120401, 3600, 600, 86400, 300))
    return wire(zone) + struct.pack(">HHIH", SOA, 1, 300, len(rdata)) + rdata


def load_extra(path):
    for line in open(path, "rb"):
        parts = line.split(None, 2)
        if len(parts) < 3:
            continue
        name, typ, data = parts[0].lower().rstrip(b"."), parts[1], parts[2].strip()
        if typ == b"TXT":
            t, rd = TXT, txt_rdata(data.strip(b'"'))
        elif typ == b"A":
            t, rd = A, bytes(int(x) for x in data.split(b"."))
        else:
            pref, host = data.split()
            t, rd = MX, struct.pack(">H", int(pref)) + wire(host.rstrip(b"."))
        extra.setdefault(name, {})[t] = rd
        extra_zones.add(b".".join(name.split(b".")[-2:]))


def lookup(name):
    """(exists, {type: rdata}) for a name; zone is the SOA owner."""
    if name in extra:
        return True, extra[name]
    if b".".join(name.split(b".")[-2:]) in extra_zones:
        # a name under an extra zone's names exists (empty non-terminal)
        return any(n.endswith(b"." + name) for n in extra), {}
    m = re.fullmatch(rb"(?:(_dmarc|[^.]+\._domainkey)\.)?d(\d+)\.bench\.test",
                     name)
    if m:
        pre, n = m.group(1), int(m.group(2))
        if pre is None:
            return True, {TXT: txt_rdata(b"v=spf1 -all")}
        if pre == b"_dmarc":
            if n % 3 == 0:
                return True, {TXT: txt_rdata(b"v=DMARC1; p=none")}
            return False, {}
        return True, {TXT: txt_rdata(record)}
    if name == b"_dmarc.bench.test":
        return True, {TXT: txt_rdata(
            b"v=DMARC1; p=quarantine; rua=mailto:dmarc@bench.test")}
    if name in (b"bench.test", b"test"):
        return True, {}
    return False, {}


def answer(q):
    global queries
    queries += 1
    qid, flags = struct.unpack(">HH", q[:4])
    i, labels = 12, []
    while q[i]:
        labels.append(q[i + 1:i + 1 + q[i]])
        i += 1 + q[i]
    qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
    question = q[12:i + 5]
    name = b".".join(labels).lower()
    zone = b"bench.test" if name.endswith(b"bench.test") else b"test"
    exists, rrs = lookup(name)
    if qtype == SOA and name == zone:
        rrs = {SOA: soa_rr(zone)[len(wire(zone)) + 10:]}
    rcode = 0 if exists else 3
    if qtype in rrs:
        data = rrs[qtype]
        rr = struct.pack(">HHHIH", 0xC00C, qtype, 1, 300, len(data)) + data
        return struct.pack(">HHHHHH", qid, 0x8400 | (flags & 0x0100), 1, 1,
                           0, 0) + question + rr
    return struct.pack(">HHHHHH", qid, 0x8400 | (flags & 0x0100) | rcode, 1,
                       0, 1, 0) + question + soa_rr(zone)


class Proto(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.t = transport

    def datagram_received(self, data, addr):
        asyncio.get_event_loop().call_later(
            delay, lambda: self.t.sendto(answer(data), addr))


def write_count():
    if ready:
        with open(ready + ".count", "w") as f:
            f.write("%d\n" % queries)


async def main():
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(Proto, local_addr=("127.0.0.1", port))
    loop.add_signal_handler(signal.SIGUSR1, write_count)
    if ready:   # the ready file: the socket is bound
        open(ready, "w").close()
    await asyncio.sleep(3600)

if len(sys.argv) > 5:
    load_extra(sys.argv[5])
asyncio.run(main())
