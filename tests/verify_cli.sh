#!/bin/sh
# vouch verify end to end: one fixture per result reason, mbox, Maildir,
# stdin, formats, --add-header, exit codes.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

M="$top_srcdir/testdata/messages"
V="--dns-zone $ZONES/dkim.example.zone --dns-fail timeout._domainkey.dkim.example=timeout --at 1790003600"

# fixture  result  reason (a fixed piece of it)
while read -r f want reason; do
	"$VOUCH" verify $V --format json "$M/$f.eml" > "$tmp/out" 2>"$tmp/err"
	if grep -q "\"result\":\"$want\",\"reason\":\"[^\"]*$reason" "$tmp/out"; then
		ok "$f: $want ($reason)"
	else
		not_ok "$f: wanted $want ($reason)"; sed 's/^/  | /' "$tmp/out" "$tmp/err"
	fi
done <<'EOF2'
dkim-pass-rsa pass good signature
dkim-pass-ed25519 pass good signature
dkim-pass-testing-key pass testing mode
dkim-body-modified fail body hash mismatch
dkim-header-modified fail signature mismatch
dkim-key-not-found permerror key not found
dkim-key-revoked permerror key revoked
dkim-key-too-small permerror key too small
dkim-key-type-mismatch permerror key type mismatch
dkim-key-hash-not-allowed permerror hash not allowed
dkim-key-several-records permerror several key records
dkim-key-record-invalid permerror bad key record
dkim-expired fail signature expired
dkim-rsa-sha1 permerror rsa-sha1 refused
dkim-from-not-signed permerror From not signed
dkim-duplicate-tag permerror duplicate tag d
dkim-auid-outside-domain permerror syntax error in tag i
dkim-x-before-t permerror syntax error in tag x
dkim-dns-timeout temperror DNS timeout
dkim-body-length-partial policy l= covers 40 of 69
EOF2

expect_exit 0 "--allow-body-length accepts the partial l=" "$VOUCH" verify $V --allow-body-length "$M/dkim-body-length-partial.eml"
"$VOUCH" verify $V --format json "$M/dkim-pass-testing-key.eml" > "$tmp/t.json"
expect_grep '"testing":true' "$tmp/t.json" "testing flag in JSON"
expect_grep '"key_bits":2048' "$tmp/t.json" "key_bits in JSON"
expect_exit 0 "a passing message exits 0" "$VOUCH" verify $V "$M/dkim-pass-rsa.eml"
expect_exit 1 "a failing message exits 1" "$VOUCH" verify $V "$M/dkim-body-modified.eml"
expect_exit 1 "an unsigned message exits 1" "$VOUCH" verify $V "$M/unsigned.eml"
expect_grep 'dkim=none' "$tmp/out" "unsigned says dkim=none"
expect_exit 66 "a missing file exits 66" "$VOUCH" verify $V "$M/nope.eml"
expect_grep "vouch: .*nope.eml: No such file" "$tmp/err" "missing file named"
expect_exit 66 "others still checked when one is missing" "$VOUCH" verify $V "$M/nope.eml" "$M/dkim-pass-rsa.eml"
expect_grep "dkim-pass-rsa.eml: dkim=pass" "$tmp/out" "the readable one reported"
expect_exit 64 "bad --format is usage" "$VOUCH" verify --format xml "$M/unsigned.eml"
# every result says which message it is
"$VOUCH" verify $V --format json "$M/dkim-pass-rsa.eml" > "$tmp/id.json"
grep -q '"message_id":"<fixture@dkim.example>","date":"Mon, 2 Nov 2026 10:00:00 +0000","from":"Alice <alice@dkim.example>"}' "$tmp/id.json" &&
	ok "json: message_id, date, from" || not_ok "json identity: $(cut -c1-300 "$tmp/id.json")"
"$VOUCH" verify $V "$M/dkim-pass-rsa.eml" | grep -q '\[message-id="<fixture@dkim.example>" date=".*" from="Alice <alice@dkim.example>"\]$' &&
	ok "text: the message's identity" || not_ok "text identity"
"$VOUCH" verify $V --format ar "$M/dkim-pass-rsa.eml" | head -1 | grep -q '^# .*dkim-pass-rsa.eml \[message-id=' &&
	ok "ar: a comment line names the message" || not_ok "ar comment line"
# no PATH reads stdin, as vouch sign does
expect_exit 0 "no PATH reads stdin" sh -c "\"$VOUCH\" verify $V < \"$M/dkim-pass-rsa.eml\""
expect_grep '^stdin: dkim=pass' "$tmp/out" "no PATH: the message from stdin is verified"
# --add-header: exit 0 once the message is written, whatever the verdict
expect_exit 0 "--add-header on a failing message exits 0" "$VOUCH" verify $V --add-header "$M/dkim-body-modified.eml"
grep -q 'dkim=fail' "$tmp/out" && ok "--add-header: the verdict is in the header" || not_ok "--add-header verdict"
# not a message: the same words as vouch sign
# (its first byte fixed: random bytes that start with a line end are an
# empty header and a body, which is a message)
{ printf '\001\002'; head -c 2000 /dev/urandom | tr -d ':'; } > "$tmp/binary"
"$VOUCH" verify $V "$tmp/binary" > "$tmp/out" 2>&1
grep -q 'not a message' "$tmp/out" && ok "verify: a binary file is not a message" || not_ok "verify binary: $(cat "$tmp/out")"
# a reader that goes away early is no error message
"$VOUCH" verify $V "$M"/*.eml 2> "$tmp/err" | head -c 10 > /dev/null
grep -q 'Broken pipe\|write error' "$tmp/err" && not_ok "EPIPE printed a message" || ok "| head: no broken-pipe message"

# mbox (mboxrd quoting) with good, bad and unsigned messages
{
	for f in dkim-pass-rsa dkim-body-modified unsigned dkim-pass-ed25519; do
		echo "From sender@example.net Mon Nov  2 10:00:00 2026"
		sed 's/^\(>*From \)/>\1/' "$M/$f.eml"
		echo
	done
} > "$tmp/box.mbox"
expect_exit 1 "mbox with a bad message exits 1" "$VOUCH" verify $V --format json "$tmp/box.mbox"
n=$(grep -c '"source"' "$tmp/out")
[ "$n" = 4 ] && ok "mbox gives 4 messages" || not_ok "mbox gives 4 messages (got $n)"
expect_grep '"index":0,"dkim":\[{[^]]*"result":"pass"' "$tmp/out" "mbox #0 passes"
expect_grep '"index":1,"dkim":\[{[^]]*"result":"fail"' "$tmp/out" "mbox #1 fails"
expect_grep '"index":2,"dkim":\[\]' "$tmp/out" "mbox #2 unsigned"
expect_grep '"index":3,"dkim":\[{[^]]*"result":"pass"' "$tmp/out" "mbox #3 passes"
# a body line that starts with "From " survives mboxrd quoting
{ echo "From x Mon Nov  2 10:00:00 2026"; sed 's/^/ /; s/^ //' "$M/dkim-pass-rsa.eml"; } > "$tmp/one.mbox"
expect_exit 0 "single-message mbox passes" "$VOUCH" verify $V "$tmp/one.mbox"

# Maildir with cur/ and new/
mkdir -p "$tmp/md/cur" "$tmp/md/new" "$tmp/md/tmp"
cp "$M/dkim-pass-rsa.eml" "$tmp/md/cur/1.host:2,S"
cp "$M/dkim-pass-ed25519.eml" "$tmp/md/new/2.host"
expect_exit 0 "Maildir of good messages exits 0" "$VOUCH" verify $V --format json "$tmp/md"
n=$(grep -c '"result":"pass"' "$tmp/out")
[ "$n" = 2 ] && ok "Maildir gives 2 passes" || not_ok "Maildir gives 2 passes (got $n)"
cp "$M/dkim-header-modified.eml" "$tmp/md/new/3.host"
expect_exit 1 "Maildir with a bad message exits 1" "$VOUCH" verify $V --jobs 4 "$tmp/md"
mkdir -p "$tmp/empty/sub"
expect_exit 66 "a folder with no messages" "$VOUCH" verify $V "$tmp/empty"
expect_grep 'no messages in this folder' "$tmp/err" "says the folder has no messages"

# stdin, ar format, SPF beside DKIM, --add-header
expect_exit 0 "stdin" sh -c "\"$VOUCH\" verify $V - < \"$M/dkim-pass-ed25519.eml\""
expect_grep '^stdin: dkim=pass' "$tmp/out" "stdin named"
expect_exit 0 "ar with SPF" "$VOUCH" verify $V --dns-zone "$ZONES/example.com.zone" --dns-zone "$ZONES/example.net.zone" \
	--format ar --authserv-id mx.test --ip 192.0.2.1 --mail-from alice@example.com "$M/dkim-pass-rsa.eml"
expect_grep '^Authentication-Results: mx.test;' "$tmp/out" "AR header with authserv-id"
expect_grep_unfolded 'dkim=pass (good signature) header.d=dkim.example header.s=good header.b=' "$tmp/out" "AR dkim method"
expect_grep 'spf=pass smtp.mailfrom=alice@example.com' "$tmp/out" "AR spf method"
expect_exit 0 "--add-header" sh -c "\"$VOUCH\" verify $V --add-header --authserv-id mx.test - < \"$M/dkim-pass-rsa.eml\""
head -1 "$tmp/out" | grep -q '^Authentication-Results: mx.test;' && ok "AR prepended" || not_ok "AR prepended"
tail -c +$(( $(grep -n '^DKIM-Signature' "$tmp/out" | head -1 | cut -d: -f1) )) "$tmp/out" > /dev/null
sed -n '/^DKIM-Signature/,$p' "$tmp/out" | cmp -s - "$M/dkim-pass-rsa.eml" && ok "message after AR unchanged" || not_ok "message after AR unchanged"

# the RFC 8463 example through the command (testdata/conformance)
R="$top_srcdir/testdata/conformance/dkim/rfc8463"
sed 's/^\([^ ]*\) \(.*\)$/\1. 300 IN TXT "\2"/' "$R/keys.txt" > "$tmp/rfc8463.zone"
expect_exit 0 "RFC 8463 message verifies" "$VOUCH" verify --dns-zone "$tmp/rfc8463.zone" "$R/message.eml"
n=$(grep -o 'dkim=pass' "$tmp/out" | wc -l)
[ "$n" = 2 ] && ok "both RFC 8463 signatures pass" || not_ok "both RFC 8463 signatures pass ($n)"
# key_bits: the key's size, null when no key was read
"$VOUCH" verify --dns-zone "$ZONES/dkim.example.zone" --format json "$top_srcdir/testdata/messages/dkim-key-not-found.eml" > "$tmp/kb.json"
grep -q '"key_bits":null' "$tmp/kb.json" && ok "json: key_bits null when no key was fetched" || not_ok "key_bits: $(cat "$tmp/kb.json")"
"$VOUCH" verify --dns-zone "$ZONES/dkim.example.zone" --at 1790000300 --format json "$top_srcdir/testdata/messages/dkim-pass-ed25519.eml" > "$tmp/kb.json"
grep -q '"key_bits":256' "$tmp/kb.json" && ok "json: key_bits of a key read" || not_ok "key_bits: $(cat "$tmp/kb.json")"
# message_id, date, from in JSON are the whole field, however long
long=$(head -c 3000 /dev/zero | tr '\0' x)
printf 'From: a@dkim.example\r\nMessage-ID: <%s@dkim.example>\r\nSubject: long\r\n\r\nbody\r\n' "$long" > "$tmp/longid.eml"
"$VOUCH" verify --dns-zone "$ZONES/dkim.example.zone" --format json "$tmp/longid.eml" > "$tmp/longid.json"
grep -q "\"message_id\":\"<$long@dkim.example>\"" "$tmp/longid.json" && ok "json: a 3000-byte Message-ID whole" || not_ok "json: long Message-ID cut: $(head -c 300 "$tmp/longid.json")"
finish
