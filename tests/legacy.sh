#!/bin/sh
# Old mail (the archive issue): rsa-sha1 signatures and RSA keys under 1024
# bits are refused by default (RFC 8301) and accepted, marked legacy, only
# with --allow-sha1 / --min-key-bits; --summary over a mixed set.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

PY=/usr/bin/python3
if ! $PY -c 'import dkim' 2>/dev/null || ! command -v openssl >/dev/null; then
	echo "SKIP: python3-dkim and openssl make the legacy fixtures"
	exit 77
fi
cd "$tmp"
openssl genrsa -out k1024.pem 1024 2>/dev/null
openssl genrsa -out k512.pem 512 2>/dev/null
rec() { openssl rsa -in "$1" -pubout -outform DER 2>/dev/null | base64 -w0; }
{ echo "old._domainkey.old.example. IN TXT \"v=DKIM1; k=rsa; p=$(rec k1024.pem)\""
  echo "tiny._domainkey.old.example. IN TXT \"v=DKIM1; k=rsa; p=$(rec k512.pem)\""; } > keys.zone
printf 'From: a@old.example\r\nTo: b@example.net\r\nSubject: 2009\r\nDate: Mon, 2 Mar 2009 10:00:00 +0000\r\n\r\nold mail\r\n' > m.eml
$PY "$top_srcdir/tests/dkimpy_sign.py" k1024.pem old.example old rsa-sha1 relaxed/relaxed m.eml > sha1.eml
$PY "$top_srcdir/tests/dkimpy_sign.py" k512.pem old.example tiny rsa relaxed/relaxed m.eml > small.eml
Z="--dns-zone keys.zone"

"$VOUCH" verify $Z --format json sha1.eml > out.json
grep -q '"result":"permerror","reason":"rsa-sha1 refused by RFC 8301"' out.json && ok "rsa-sha1 refused by default" || not_ok "sha1 default: $(cut -c1-300 out.json)"
"$VOUCH" verify $Z --allow-sha1 --format json sha1.eml > out.json
grep -q '"result":"pass","reason":"good signature; rsa-sha1 accepted by --allow-sha1; RFC 8301 refuses it"[^}]*"legacy":true' out.json &&
	ok "--allow-sha1: pass, marked legacy, and says why" || not_ok "--allow-sha1: $(cut -c1-300 out.json)"
"$VOUCH" verify $Z --format json small.eml > out.json
grep -q '"result":"permerror","reason":"key too small: 512 bits' out.json && ok "a 512-bit key is refused by default" || not_ok "512 default: $(cut -c1-300 out.json)"
"$VOUCH" verify $Z --min-key-bits 512 --format json small.eml > out.json
grep -q '"result":"pass"[^}]*under 1024 bits accepted by --min-key-bits[^}]*"legacy":true' out.json &&
	ok "--min-key-bits 512: pass, marked legacy" || not_ok "--min-key-bits: $(cut -c1-300 out.json)"
"$VOUCH" verify $Z --allow-sha1 --format json "$top_srcdir/testdata/messages/dkim-pass-rsa.eml" \
    --dns-zone "$ZONES/dkim.example.zone" --at 1790003600 | grep -q '"legacy":false' && ok "a modern pass is not legacy" || not_ok "modern pass legacy flag"

# --at: a day, or each message's own Date
cp "$top_srcdir/testdata/keys/good.private" good.private; chmod 600 good.private
printf 'From: a@dkim.example\r\nSubject: 2019\r\nDate: Fri, 1 Mar 2019 12:00:00 +0000\r\n\r\nold\r\n' > old.eml
"$VOUCH" sign -d dkim.example -s good -k good.private --timestamp 1551441600 --expire 604800 old.eml > olds.eml
D="--dns-zone $ZONES/dkim.example.zone"
"$VOUCH" verify $D olds.eml | grep -q 'signature expired' && ok "expired as of now" || not_ok "expired as of now"
"$VOUCH" verify $D --at date olds.eml | grep -q 'dkim=pass' && ok "--at date: as of the message's Date" || not_ok "--at date"
"$VOUCH" verify $D --at 2019-03-02 olds.eml | grep -q 'dkim=pass' && ok "--at 2019-03-02" || not_ok "--at a day"
"$VOUCH" verify $D --at 2019-04-01 olds.eml | grep -q 'signature expired' && ok "--at 2019-04-01: expired by then" || not_ok "--at a later day"
expect_exit 64 "--at nonsense is usage" "$VOUCH" verify $D --at 2019-13-01 olds.eml

# --summary on a mixed set: counts, reasons, domains
"$VOUCH" verify $Z --allow-sha1 --summary sha1.eml small.eml m.eml > /dev/null 2> sum.txt
grep -q '^messages: 3$' sum.txt && ok "summary: messages" || not_ok "summary messages: $(cat sum.txt)"
grep -q '^signatures: 2 (legacy pass 1)$' sum.txt && ok "summary: signatures counted apart, with legacy passes" || not_ok "summary signatures: $(cat sum.txt)"
grep -q 'dkim pass 1' sum.txt && grep -q 'dkim permerror 1' sum.txt && grep -q 'dkim none 1' sum.txt &&
	ok "summary: DKIM results" || not_ok "summary results: $(cat sum.txt)"
grep -q 'key too small: 512 bits' sum.txt && ok "summary: the failure reason" || not_ok "summary reasons"
grep -q '1 / 1 .*old.example' sum.txt && ok "summary: pass / fail per signing domain" || not_ok "summary domains: $(cat sum.txt)"
"$VOUCH" verify $Z --format summary sha1.eml m.eml > only.txt
head -1 only.txt | grep -q '^messages: 2$' && ok "--format summary: the table alone, on stdout" || not_ok "--format summary: $(cat only.txt)"
# a snapshot keeps every signature's key, whatever today's policy: recorded
# without --allow-sha1, replayed years later with it
"$VOUCH" verify $Z --dns-record snap.zone sha1.eml > /dev/null
grep -q '^old\._domainkey\.old\.example\. [0-9]* IN TXT' snap.zone &&
	ok "--dns-record: a refused rsa-sha1 signature's key is recorded" || not_ok "sha1 key not recorded: $(cat snap.zone)"
"$VOUCH" verify --dns-zone snap.zone --allow-sha1 --format json sha1.eml > out.json
grep -q '"result":"pass"' out.json && ok "replayed with --allow-sha1: the recorded key verifies" || not_ok "sha1 replay: $(cut -c1-300 out.json)"
finish
