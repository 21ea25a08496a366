#!/usr/bin/env python3
"""Write N pseudo-random messages into DIR for the property test:
CRLF or LF, folded headers, 8-bit and binary-ish bodies, empty bodies."""
import os
import random
import sys

n, outdir = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 8463)
words = [b"alpha", b"beta", b"\xc3\xa9t\xc3\xa9", b"  spaced", b"tab\there",
         b"From", b">From", b".", b"--b1", b"=?UTF-8?Q?x?=", b"\xff\xfe"]
for i in range(n):
    eol = rnd.choice([b"\r\n", b"\n"])
    hdrs = [b"From: User %d <user%d@example.org>" % (i, i),
            b"To: someone@example.net",
            b"Subject: " + b" ".join(rnd.choice(words) for _ in range(rnd.randint(0, 6)))]
    for _ in range(rnd.randint(0, 5)):
        name = rnd.choice([b"X-Test", b"Received", b"Cc", b"Date", b"Reply-To"])
        val = b" ".join(rnd.choice(words) for _ in range(rnd.randint(1, 8)))
        if rnd.random() < 0.3:
            val += eol + rnd.choice([b" ", b"\t"]) + b"continued"
        hdrs.append(name + b":" + rnd.choice([b" ", b"", b"\t"]) + val)
    body = b""
    for _ in range(rnd.randint(0, 30)):
        body += b" ".join(rnd.choice(words) for _ in range(rnd.randint(0, 10)))
        body += rnd.choice([eol, eol, eol + eol, b" " + eol])
    if rnd.random() < 0.2:
        body = body.rstrip(b"\r\n")     # no final line end
    msg = eol.join(hdrs) + eol + (eol + body if rnd.random() < 0.9 else b"")
    with open(os.path.join(outdir, "m%04d.eml" % i), "wb") as f:
        f.write(msg)
