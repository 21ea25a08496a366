#!/bin/sh
# The API examples of libvouch(3) (doc/examples/), built against the
# public headers and libvouch alone, run on the bundled data.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

E="$top_builddir/doc/examples"
M="$top_srcdir/testdata/messages"
Z="$ZONES/dkim.example.zone"
cd "$tmp"

# verify one message and print the verdict
expect_exit 0 "verify_one: an aligned DKIM pass is a DMARC pass" "$E/verify_one" "$Z" "$M/dkim-pass-ed25519.eml"
expect_grep 'dkim=pass (good signature) header.d=dkim.example' "$tmp/out" "verify_one prints the Authentication-Results field"
expect_grep 'dmarc=pass' "$tmp/out" "verify_one: dmarc=pass in it"
expect_exit 1 "verify_one: a changed body is no DMARC pass" "$E/verify_one" "$Z" "$M/dkim-body-modified.eml"
expect_grep 'dkim=fail (body hash mismatch' "$tmp/out" "verify_one says why"

# sign from a key table, then verify the result
cp "$top_srcdir/testdata/keys/ed.private" ed.private
chmod 600 ed.private
printf '*@dkim.example dkim.example ed %s/ed.private\n' "$tmp" > keytable
printf 'From: a@dkim.example\r\nTo: b@example.net\r\nSubject: example\r\n\r\nhello\r\n' > m.eml
expect_exit 0 "sign_table: the table picks the key for the sender" "$E/sign_table" keytable a@dkim.example m.eml
cat "$tmp/out" m.eml > signed.eml
tr -d '\r' < signed.eml > signed.lf; expect_grep_unfolded '^DKIM-Signature: .*d=dkim.example; s=ed;' signed.lf "sign_table writes the DKIM-Signature"
expect_exit 0 "the example's signature verifies" "$E/verify_one" "$Z" signed.eml
expect_exit 1 "sign_table: no key for another sender" "$E/sign_table" keytable a@other.example m.eml

# a Maildir on 4 threads, results in order, then the summary
mkdir -p md/cur md/new md/.Sent/cur
cp "$M/dkim-pass-rsa.eml" md/cur/1
cp "$M/dkim-body-modified.eml" md/cur/2
cp "$M/dkim-pass-ed25519.eml" md/new/3
cp signed.eml md/.Sent/cur/4
expect_exit 1 "verify_maildir: one message does not pass" "$E/verify_maildir" "$Z" md
[ "$(grep -c ': dkim ' "$tmp/out")" = 4 ] && ok "verify_maildir: four results" || not_ok "verify_maildir: $(cat "$tmp/out")"
sed -n 's/^.*md\/\([a-z.A-Z]*\/*[a-z]*\/[0-9]\)[#0-9]*: dkim \([a-z ]*\),.*/\1 \2/p' "$tmp/out" | tr '\n' ';' > order.txt
[ "$(cat order.txt)" = "cur/1 pass;cur/2 no pass;new/3 pass;.Sent/cur/4 pass;" ] &&
	ok "verify_maildir: in order (cur, new, then Maildir++ folders)" || not_ok "order: $(cat order.txt)"
expect_grep '^messages: 4$' "$tmp/out" "verify_maildir: the summary counts four messages"
finish
