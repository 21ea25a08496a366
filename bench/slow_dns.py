#!/usr/bin/env python3
"""A DNS server on 127.0.0.1 that answers every TXT query under
_domainkey with one key record, after a fixed delay, many at once
(asyncio).  For the batch benchmark only.

usage: slow_dns.py PORT DELAY_MS RECORD_FILE [READY_FILE]
"""
import asyncio
import struct
import sys

port, delay = int(sys.argv[1]), int(sys.argv[2]) / 1000.0
record = open(sys.argv[3], "rb").read().strip()


def answer(q):
    qid, flags = struct.unpack(">HH", q[:4])
    i, labels = 12, []
    while q[i]:
        labels.append(q[i + 1:i + 1 + q[i]])
        i += 1 + q[i]
    qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
    question = q[12:i + 5]
    name = b".".join(labels).lower()
    ok = qtype == 16 and b"._domainkey." in name
    hdr = struct.pack(">HHHHHH", qid, 0x8180 | (flags & 0x0100), 1,
                      1 if ok else 0, 0, 0)
    if not ok:
        return hdr + question
    strings = b"".join(bytes([len(record[j:j + 255])]) + record[j:j + 255]
                       for j in range(0, len(record), 255))
    rr = struct.pack(">HHHIH", 0xC00C, 16, 1, 300, len(strings)) + strings
    return hdr + question + rr


class Proto(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.t = transport

    def datagram_received(self, data, addr):
        asyncio.get_event_loop().call_later(
            delay, lambda: self.t.sendto(answer(data), addr))


async def main():
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(Proto, local_addr=("127.0.0.1", port))
    if len(sys.argv) > 4:   # the ready file: the socket is bound
        open(sys.argv[4], "w").close()
    await asyncio.sleep(3600)

asyncio.run(main())
