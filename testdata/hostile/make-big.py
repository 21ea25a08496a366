#!/usr/bin/env python3
"""Write the large hostile messages into DIR (kept out of git):
a 1 MB header line, 100,000 header fields, 1,000 DKIM-Signature fields."""
import os
import sys

out = sys.argv[1]
sig = (b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=dkim.example;"
       b" s=good; t=1790000000; h=from; bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;"
       b" b=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n")
files = {
    "long-header-line.eml": b"From: a@dkim.example\r\nSubject: " + b"x" * (1 << 20) + b"\r\n\r\nbody\r\n",
    "many-header-fields.eml": b"From: a@dkim.example\r\n" +
        b"".join(b"X-Field-%d: value %d\r\n" % (i, i) for i in range(100000)) + b"\r\nbody\r\n",
    "many-signatures.eml": sig * 1000 + b"From: a@dkim.example\r\n\r\nbody\r\n",
}
for name, data in files.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
