#!/usr/bin/env python3
"""A misbehaving DNS server for the hostile-DNS tests, on 127.0.0.1 (UDP
and TCP on one port).  The first label of the query name picks the
misbehaviour; see HANDLERS.  Runs until killed (at most 10 minutes).

usage: hostile_dns.py PORT
"""
import socket
import socketserver
import struct
import sys
import threading
import time

PORT = int(sys.argv[1])


def parse(q):
    qid, flags = struct.unpack(">HH", q[:4])
    i, labels = 12, []
    while i < len(q) and q[i]:
        labels.append(q[i + 1:i + 1 + q[i]])
        i += 1 + q[i]
    qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
    return qid, flags, labels, qtype, q[12:i + 5]


def name(labels):
    return b"".join(bytes([len(l)]) + l for l in labels) + b"\0"


def header(qid, flags, rcode=0, an=0, tc=False):
    f = 0x8000 | (flags & 0x0100) | 0x0080 | rcode | (0x0200 if tc else 0)
    return struct.pack(">HHHHHH", qid, f, 1, an, 0, 0)


def rr(rtype, rdata, owner=b"\xc0\x0c"):
    return owner + struct.pack(">HHIH", rtype, 1, 60, len(rdata)) + rdata


def txt(data):
    return b"".join(bytes([len(data[i:i + 255])]) + data[i:i + 255]
                    for i in range(0, len(data), 255))


def respond(q, tcp):
    """Bytes to send back, or None for silence."""
    qid, flags, labels, qtype, question = parse(q)
    kind = labels[0].lower() if labels else b""
    if kind == b"silent":
        return None
    if kind == b"garbage":
        return bytes((i * 37 + 11) & 0xff for i in range(300))
    if kind == b"short":
        return q[:5]
    if kind == b"wrongid":
        return header(qid ^ 0x5555, flags, an=1) + question + rr(1, bytes([192, 0, 2, 1]))
    if kind == b"wrongq":
        other = name([b"elsewhere", b"test"]) + question[-4:]
        return header(qid, flags, an=1) + other + rr(1, bytes([192, 0, 2, 1]))
    if kind == b"servfail":
        return header(qid, flags, rcode=2) + question
    if kind == b"refused":
        return header(qid, flags, rcode=5) + question
    if kind == b"nx":
        return header(qid, flags, rcode=3) + question
    if kind == b"trunc":
        # claims truncation over UDP, hangs up over TCP
        return header(qid, flags, tc=True) + question if not tcp else b""
    if kind == b"big":
        if not tcp:
            return header(qid, flags, tc=True) + question
        data = (b"v=spf1 " + b"ip4:192.0.2.1 " * 4400)[:60000]
        return header(qid, flags, an=1) + question + rr(16, txt(data))
    if kind == b"manya":
        if not tcp:
            return header(qid, flags, tc=True) + question
        ans = b"".join(rr(1, bytes([10, (i >> 8) & 255, i & 255, 1])) for i in range(3000))
        return header(qid, flags, an=3000) + question + ans
    if kind in (b"loop", b"chain"):
        # loop: CNAME to itself; chain: c0 -> c1 -> ... -> c30
        rest = labels[1:]
        if kind == b"loop":
            target = name(labels)
        else:
            n = int(labels[1][1:]) if len(labels) > 2 and labels[1][:1] == b"c" else 0
            target = name([b"chain", b"c%d" % (n + 1)] + (labels[2:] if n or len(labels) > 2 and labels[1][:1] == b"c" else rest))
        return header(qid, flags, an=1) + question + rr(5, target)
    if kind == b"spf":
        return header(qid, flags, an=1) + question + rr(16, txt(b"v=spf1 include:silent.hostile.test -all"))
    return header(qid, flags, rcode=3) + question


class UDP(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        out = respond(data, False)
        if out is not None:
            sock.sendto(out, self.client_address)


class TCP(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(30)
        try:
            ln = struct.unpack(">H", self.request.recv(2))[0]
            q = b""
            while len(q) < ln:
                q += self.request.recv(ln - len(q))
        except Exception:
            return
        out = respond(q, True)
        if out is None:
            time.sleep(30)
            return
        if out:
            self.request.sendall(struct.pack(">H", len(out)) + out)


class TS(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True


class US(socketserver.ThreadingMixIn, socketserver.UDPServer):
    daemon_threads = True


u = US(("127.0.0.1", PORT), UDP)
t = TS(("127.0.0.1", PORT), TCP)
for s in (u, t):
    threading.Thread(target=s.serve_forever, daemon=True).start()
if len(sys.argv) > 2:       # the ready file: both sockets are bound
    open(sys.argv[2], "w").close()
time.sleep(600)
