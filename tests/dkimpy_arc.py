#!/usr/bin/env python3
"""dkimpy's ARC (python3-dkim) as an interoperability peer, keys from
master-file TXT records (as tests/dkimpy_verify.py reads them).

usage: dkimpy_arc.py seal [--cv-from RECEIVED] MESSAGE KEYFILE DOMAIN
                SELECTOR SRVID ZONEFILE...
           prints the message with dkimpy's ARC set prepended; cv from
           dkimpy's own validation of the chain as received (RECEIVED: the
           message before this hop changed it, as a list adds a footer)
       dkimpy_arc.py verify MESSAGE ZONEFILE...
           prints the chain's cv (none, pass, fail); exit 0 when pass
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dkim  # noqa: E402
from dkimpy_verify import zone_txt  # noqa: E402


def dnsfunc_for(recs):
    def dnsfunc(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        txt = recs.get(name.lower().rstrip("."))
        return txt[0].encode() if txt else None
    return dnsfunc


def main():
    args = sys.argv[1:]
    cmd = args.pop(0)
    received = None
    if args[0] == "--cv-from":
        received = open(args[1], "rb").read()
        args = args[2:]
    msg = open(args[0], "rb").read()
    if b"\r\n" not in msg:
        msg = msg.replace(b"\n", b"\r\n")
    if cmd == "seal":
        key, domain, sel, srv = args[1:5]
        recs = zone_txt(args[5:])
        dns = dnsfunc_for(recs)
        # dkimpy reads cv from the A-R of srv_id that its caller wrote:
        cv, _, _ = dkim.arc_verify(received or msg, dnsfunc=dns)
        cvs = cv.decode() if isinstance(cv, bytes) else str(cv)
        # ARC_AAR_EXTRA: more results for this hop's AAR (tests of what a
        # trusted sealer's AAR may or may not vouch for)
        extra = os.environ.get("ARC_AAR_EXTRA", "")
        ar = ("Authentication-Results: %s; arc=%s%s\r\n" %
              (srv, cvs, extra)).encode()
        hdrs = dkim.arc_sign(ar + msg, sel.encode(), domain.encode(),
                             open(key, "rb").read(), srv.encode(),
                             include_headers=[b"from", b"to", b"subject",
                                              b"date", b"message-id"])
        sys.stdout.buffer.write(b"".join(hdrs) + msg)
        return 0
    recs = zone_txt(args[1:])
    cv, results, comment = dkim.arc_verify(msg, dnsfunc=dnsfunc_for(recs))
    cvs = cv.decode() if isinstance(cv, bytes) else str(cv)
    print(cvs.lower(), comment)
    return 0 if cvs.lower() == "pass" else 1


if __name__ == "__main__":
    sys.exit(main())
