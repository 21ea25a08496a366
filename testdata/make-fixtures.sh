#!/bin/sh
# Regenerate testdata/messages/dkim-*.eml and testdata/zones/dkim.example.zone
# (test keys only; the output is committed so tests are reproducible).
# Needs a built ./vouch and python3-dkim.  Run from the top of the tree.
set -eu
V=${VOUCH:-./vouch}
K=testdata/keys
M=testdata/messages
Z=testdata/zones/dkim.example.zone
T=1790000000		# fixed t= so expiry can be tested with --at
PY=/usr/bin/python3

[ -f $K/good.private ] || $V keygen -d dkim.example -s good -o $K >/dev/null
[ -f $K/ed.private ] || $V keygen -d dkim.example -s ed -t ed25519 -o $K >/dev/null
[ -f $K/testing.private ] || $V keygen -d dkim.example -s testing --testing -o $K >/dev/null
[ -f $K/small.pub.der ] || openssl genrsa 512 2>/dev/null | openssl rsa -pubout -outform DER > $K/small.pub.der 2>/dev/null
openssl pkey -in $K/ed.private -outform DER | tail -c 32 | base64 > $K/ed.seed
# quote a record as strings of at most 250 bytes (RFC 1035 limit 255)
q() { printf '%s' "$1" | $PY -c 'import sys; t=sys.stdin.read(); print("( " + " ".join(chr(34)+t[i:i+250]+chr(34) for i in range(0,len(t),250)) + " )")'; }
rec() { $V keygen --print-record -k $K/$1.private -s $2 -d dkim.example ${3:-} | sed 's/^[^ ]* IN TXT //'; }
good_p=$($V keygen --print-record -k $K/good.private -s x -d x | grep -o 'p=[^"]*"[^)]*' | tr -d '" ' | sed 's/^p=//')
small_p=$(base64 -w0 < $K/small.pub.der)
ed_p=$($V keygen --print-record -k $K/ed.private -s x -d x | sed 's/.*p=//; s/".*//')
{
	echo '; DKIM test keys for the fixtures in testdata/messages (make-fixtures.sh)'
	echo '$ORIGIN dkim.example.'
	echo '$TTL 300'
	echo "good._domainkey IN TXT $(rec good good)"
	echo "ed._domainkey IN TXT $(rec ed ed)"
	echo "testing._domainkey IN TXT $(rec testing testing --testing)"
	echo "revoked._domainkey IN TXT $(q "v=DKIM1; k=rsa; p=")"
	echo "small._domainkey IN TXT $(q "v=DKIM1; k=rsa; p=$small_p")"
	echo "sha1only._domainkey IN TXT $(q "v=DKIM1; k=rsa; h=sha1; p=$good_p")"
	echo "edtype._domainkey IN TXT $(q "v=DKIM1; k=ed25519; p=$ed_p")"
	echo "twice._domainkey IN TXT $(q "v=DKIM1; k=rsa; p=$good_p")"
	echo "twice._domainkey IN TXT $(q "v=DKIM1; k=rsa; p=$good_p")"
	echo "garbage._domainkey IN TXT $(q "v=DKIM1; k=rsa; p=not!base64")"
} > $Z

base=$(mktemp)
printf 'From: Alice <alice@dkim.example>\r\nTo: bob@example.net\r\nSubject: Fixture\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: <fixture@dkim.example>\r\n\r\nThe body of the fixture.\r\nSecond line.\r\n' > $base
sign() { $V sign -d dkim.example --timestamp $T "$@" $base; }

sign -s good -k $K/good.private > $M/dkim-pass-rsa.eml
sign -s ed -k $K/ed.private > $M/dkim-pass-ed25519.eml
sign -s testing -k $K/testing.private > $M/dkim-pass-testing-key.eml
sign -s good -k $K/good.private | sed 's/Second line\./Second line!/' > $M/dkim-body-modified.eml
sign -s good -k $K/good.private | sed 's/^Subject: Fixture/Subject: Changed/' > $M/dkim-header-modified.eml
sign -s nokey -k $K/good.private > $M/dkim-key-not-found.eml
sign -s revoked -k $K/good.private > $M/dkim-key-revoked.eml
sign -s small -k $K/good.private > $M/dkim-key-too-small.eml
sign -s sha1only -k $K/good.private > $M/dkim-key-hash-not-allowed.eml
sign -s edtype -k $K/good.private > $M/dkim-key-type-mismatch.eml
sign -s twice -k $K/good.private > $M/dkim-key-several-records.eml
sign -s garbage -k $K/good.private > $M/dkim-key-record-invalid.eml
sign -s good -k $K/good.private --expire 600 > $M/dkim-expired.eml
sign -s good -k $K/good.private | sed 's/a=rsa-sha256/a=rsa-sha1/' > $M/dkim-rsa-sha1.eml
sign -s good -k $K/good.private | sed 's/h=from:from:/h=/; s/h=from:/h=/' > $M/dkim-from-not-signed.eml
sign -s good -k $K/good.private | sed 's/^DKIM-Signature: v=1;/DKIM-Signature: v=1; d=dkim.example;/' > $M/dkim-duplicate-tag.eml
sign -s good -k $K/good.private | sed 's/; d=dkim.example;/; d=dkim.example; i=@other.example;/' > $M/dkim-auid-outside-domain.eml
sign -s timeout -k $K/good.private > $M/dkim-dns-timeout.eml
sign -s good -k $K/good.private | sed 's/ bh=/ x=1; bh=/' > $M/dkim-x-before-t.eml
# l= comes from dkimpy (vouch never writes l=); text appended after signing
$PY - "$K/good.private" "$base" > $M/dkim-body-length-partial.eml <<'PY'
import sys, dkim
key = open(sys.argv[1], "rb").read(); msg = open(sys.argv[2], "rb").read()
sig = dkim.sign(msg, b"good", b"dkim.example", key, canonicalize=(b"relaxed", b"relaxed"),
                length=True, include_headers=[b"from", b"to", b"subject"])
sys.stdout.buffer.write(sig + msg + b"Appended by a mailing list.\r\n")
PY
cp $base $M/unsigned.eml
rm -f $base
echo "fixtures written"
