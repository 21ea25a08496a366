#!/usr/bin/env python3
"""Sign a message with dkimpy (python3-dkim) for the interop tests.

usage: dkimpy_sign.py KEYFILE DOMAIN SELECTOR rsa|rsa-sha1|ed25519 HCANON/BCANON MSG
KEYFILE: PEM for rsa, the base64 32-byte seed for ed25519 (as dkimpy wants).
Prints the signed message (signature first) to stdout.
"""
import sys

import dkim

keyfile, domain, selector, alg, canon, msgfile = sys.argv[1:7]
key = open(keyfile, "rb").read()
msg = open(msgfile, "rb").read()
hc, bc = canon.encode().split(b"/")
sig = dkim.sign(msg, selector.encode(), domain.encode(), key,
                canonicalize=(hc, bc),
                signature_algorithm={"ed25519": b"ed25519-sha256",
                                     "rsa-sha1": b"rsa-sha1"}.get(alg, b"rsa-sha256"),
                include_headers=[b"from", b"to", b"subject", b"date"])
sys.stdout.buffer.write(sig + msg)
