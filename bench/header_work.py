#!/usr/bin/env python3
"""Write the quadratic-header-hashing message of the security review:
99,000 header fields and 10 DKIM-Signatures, each naming 25,000 fields
the message does not have.  Usage: header_work.py OUT.eml"""
import sys

with open(sys.argv[1], 'w', newline='') as f:
    absent = ':'.join('x-absent-%d' % i for i in range(25000))
    for k in range(10):
        f.write('DKIM-Signature: v=1; a=rsa-sha256; d=dkim.example; s=good;'
                ' c=relaxed/relaxed; h=from:%s;\r\n'
                ' bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;'
                ' b=%s\r\n' % (absent, 'QUFB' * 86))
    for i in range(99000):
        f.write('X-Filler-%d: %d\r\n' % (i % 500, i))
    f.write('From: a@dkim.example\r\n\r\nbody\r\n')
