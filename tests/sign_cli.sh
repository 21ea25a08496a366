#!/bin/sh
# vouch sign and keygen end to end: byte-exact pass-through, exit codes,
# nothing written on failure, key tables, key file permissions.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

cd "$tmp"
"$VOUCH" keygen -d example.org -s ed -t ed25519 >/dev/null || exit 1
"$VOUCH" keygen -d example.org -s rsa >/dev/null || exit 1
{ echo '$ORIGIN example.org.'; cat ed.txt rsa.txt; } > keys.zone
M="$top_srcdir/testdata/messages/interop"

# keygen
[ "$(stat -c %a ed.private)" = 600 ] && ok "private key is mode 600" || not_ok "private key mode"
grep -q 'BEGIN PRIVATE KEY' rsa.private && ok "PKCS#8 PEM" || not_ok "PKCS#8 PEM"
grep -q '^rsa._domainkey.example.org. IN TXT ( "v=DKIM1; k=rsa; p=' rsa.txt && ok "zone line" || not_ok "zone line"
long=$(grep -o '"[^"]*"' rsa.txt | awk '{ if (length($0) - 2 > 255) print }')
[ -z "$long" ] && ok "every string at most 255 bytes" || not_ok "strings over 255 bytes"
expect_exit 73 "keygen never overwrites" "$VOUCH" keygen -d example.org -s ed -t ed25519
# one rule for output that cannot be created: 73, in sign and keygen
expect_exit 73 "keygen -o a missing folder is 73" "$VOUCH" keygen -d example.org -s x -o /nonexistent/dir
check_fail_73() { "$VOUCH" sign -d example.org -s ed -k ed.private -o /nonexistent/x "$top_srcdir/testdata/messages/unsigned.eml" 2>/dev/null; }
check_fail_73; [ $? = 73 ] && ok "sign -o a missing folder is 73" || not_ok "sign -o a missing folder"
"$VOUCH" keygen --bogus 2> "$tmp/e"; grep -q '^vouch: keygen: unrecognized option' "$tmp/e" && ok "getopt errors carry the vouch: prefix" || not_ok "prefix: $(cat "$tmp/e")"
"$VOUCH" sign -s ed -k ed.private /dev/null 2> "$tmp/e"; grep -q -- '-d DOMAIN is missing' "$tmp/e" && ok "a missing -d is named as missing" || not_ok "missing -d: $(cat "$tmp/e")"
"$VOUCH" sign -d example.org -s ed /dev/null 2> "$tmp/e"; grep -q '(1 selector, 0 keys)' "$tmp/e" && ok "selector/key counts in good English" || not_ok "counts: $(cat "$tmp/e")"
head -c 2000 /dev/urandom | tr -d ':' > binary.dat
"$VOUCH" sign -d example.org -s ed -k ed.private binary.dat > /dev/null 2> "$tmp/e"
[ $? = 65 ] && grep -q 'not a message' "$tmp/e" && ok "sign: a binary file is not a message (65)" || not_ok "sign binary: $(cat "$tmp/e")"
expect_exit 64 "keygen rejects 512-bit RSA" "$VOUCH" keygen -d example.org -s tiny -b 512
expect_exit 0 "--print-record" "$VOUCH" keygen --print-record -k rsa.private -s rsa -d example.org
cmp -s "$tmp/out" rsa.txt && ok "--print-record matches the generated record" || not_ok "--print-record matches"
"$VOUCH" keygen -d example.org -s t1 -t ed25519 --testing >/dev/null && grep -q 't=y;' t1.txt && ok "--testing adds t=y" || not_ok "--testing"

# property: output minus the new header lines equals the input, byte for byte
# (under valgrind a process costs ~2 s: 15 messages there, 150 otherwise)
mkdir gen
ngen=150; [ -n "${VOUCH_VALGRIND:-}" ] && ngen=15
/usr/bin/python3 "$top_srcdir/tests/gen_messages.py" $ngen gen 2>/dev/null || python3 "$top_srcdir/tests/gen_messages.py" $ngen gen
bad=0; vbad=0
for f in gen/*.eml; do
	"$VOUCH" sign -d example.org -s ed -k ed.private "$f" > signed.eml 2>err || { bad=$((bad+1)); cat err; continue; }
	size=$(stat -c %s "$f")
	tail -c "$size" signed.eml | cmp -s - "$f" || { bad=$((bad+1)); echo "differs: $f"; }
	head -c 15 signed.eml | grep -q '^DKIM-Signature:' || { bad=$((bad+1)); echo "no header: $f"; }
	"$VOUCH" verify --dns-zone keys.zone signed.eml >/dev/null || { vbad=$((vbad+1)); echo "no verify: $f"; }
done
[ $bad = 0 ] && ok "$ngen generated messages pass through byte for byte" || not_ok "$bad messages altered"
[ $vbad = 0 ] && ok "$ngen generated messages verify after signing" || not_ok "$vbad signed messages did not verify"

# bare-LF input: the signature header uses LF too
"$VOUCH" sign -d example.org -s ed -k ed.private "$M/lf-plain.eml" > lf.eml
if grep -q "$(printf '\r')" lf.eml; then not_ok "LF message gets LF header"; else ok "LF message gets LF header"; fi

# several signatures in one pass, tags
expect_exit 0 "rsa and ed25519 in one pass" "$VOUCH" sign -d example.org -s rsa -k rsa.private -s ed -k ed.private \
	--timestamp 1790000000 --expire 3600 -i user@sub.example.org -H from:to:subject "$M/crlf-plain.eml"
n=$(grep -c '^DKIM-Signature:' "$tmp/out")
[ "$n" = 2 ] && ok "two signatures" || not_ok "two signatures ($n)"
expect_grep 'a=rsa-sha256' "$tmp/out" "rsa-sha256"
expect_grep 'a=ed25519-sha256' "$tmp/out" "ed25519-sha256"
expect_grep 't=1790000000; x=1790003600;' "$tmp/out" "t= and x="
expect_grep 'i=user@sub.example.org;' "$tmp/out" "i="
expect_grep 'h=from:to:subject;' "$tmp/out" "-H list"
cp "$tmp/out" two.eml
expect_exit 0 "both verify" "$VOUCH" verify --dns-zone keys.zone --at 1790000100 two.eml
expect_exit 1 "expired after x=" "$VOUCH" verify --dns-zone keys.zone --at 1790009999 two.eml
expect_exit 0 "stdin to stdout" sh -c "\"$VOUCH\" sign -d example.org -s ed -k ed.private < \"$M/mime.eml\""

# the default header list over-signs
"$VOUCH" sign -d example.org -s ed -k ed.private "$M/crlf-plain.eml" > d.eml
expect_grep 'h=from:from:' d.eml "From over-signed by default"

# errors: exit code, one-line message, nothing on stdout
printf 'To: x@example.org\r\n\r\nbody\r\n' > nofrom.eml
printf 'From: a@example.org\r\nFrom: b@example.org\r\n\r\nbody\r\n' > twofrom.eml
check_fail 65 "no From" "$VOUCH" sign -d example.org -s ed -k ed.private nofrom.eml
check_fail 65 "two From" "$VOUCH" sign -d example.org -s ed -k ed.private twofrom.eml
check_fail 66 "missing input" "$VOUCH" sign -d example.org -s ed -k ed.private nope.eml
cp ed.private loose.private; chmod 644 loose.private
check_fail 78 "a key others may read is refused" "$VOUCH" sign -d example.org -s ed -k loose.private "$M/mime.eml"
grep -q 'readable by others (mode 644); chmod 600 it, or 640 .*; or pass --allow-unsafe-key' "$tmp/ferr" &&
	ok "the error says how (chmod, or --allow-unsafe-key for vouch sign)" || not_ok "unsafe key hint: $(cat "$tmp/ferr")"
cp ed.private group.private; chmod 640 group.private
expect_exit 0 "a key its group may read (0640, root:signer) is accepted" \
	"$VOUCH" sign -d example.org -s ed -k group.private "$M/mime.eml"
chmod 660 group.private
check_fail 78 "a key its group may write is refused" "$VOUCH" sign -d example.org -s ed -k group.private "$M/mime.eml"
expect_exit 0 "--allow-unsafe-key" "$VOUCH" sign --allow-unsafe-key -d example.org -s ed -k loose.private "$M/mime.eml"
printf 'not a key\n' > junk.private; chmod 600 junk.private
check_fail 78 "bad key file" "$VOUCH" sign -d example.org -s ed -k junk.private "$M/mime.eml"
check_fail 78 "missing key file" "$VOUCH" sign -d example.org -s ed -k none.private "$M/mime.eml"
check_fail 64 "-s without -k" "$VOUCH" sign -d example.org -s ed "$M/mime.eml"
check_fail 64 "bad -c" "$VOUCH" sign -d example.org -s ed -k ed.private -c loose "$M/mime.eml"

# output that cannot be written never exits 0
"$VOUCH" sign -d example.org -s ed -k ed.private "$M/mime.eml" > /dev/full 2>err
rc=$?
[ $rc = 74 ] && ok "/dev/full gives 74" || not_ok "/dev/full gives $rc"
big=$(mktemp "$tmp/bigXXXX")
/usr/bin/python3 -c 'import sys; sys.stdout.write("From: a@example.org\r\n\r\n" + "x" * 1000 + "\r\n" * 1) ; sys.stdout.write(("line of text " * 6 + "\r\n") * 200000)' > "$big"
rc=$( { "$VOUCH" sign -d example.org -s ed -k ed.private "$big" 2>/dev/null; echo $? > rc.txt; } | head -c 100 > /dev/null; cat rc.txt)
[ "$rc" = 74 ] && ok "reader closing the pipe early gives 74" || not_ok "closed pipe gives $rc"
cat "$big" | "$VOUCH" sign -d example.org -s ed -k ed.private > spooled.eml
tail -c "$(stat -c %s "$big")" spooled.eml | cmp -s - "$big" && ok "16 MB piped input spooled intact" || not_ok "piped input intact"

# a header section over 16 MB: not signed, 65, nothing on stdout
/usr/bin/python3 -c 'import sys; sys.stdout.write("From: a@example.org\r\n" + ("X-Pad: " + "x" * 990 + "\r\n") * 17500 + "\r\nbody\r\n")' > hugehdr.eml
check_fail 65 "header over 16 MB is refused" "$VOUCH" sign -d example.org -s ed -k ed.private hugehdr.eml
grep -q "larger than" "$tmp/ferr" && ok "says the header is too large" || not_ok "says the header is too large"
cat hugehdr.eml | "$VOUCH" sign -d example.org -s ed -k ed.private > piped.out 2>/dev/null
rc=$?
[ $rc = 65 ] && [ ! -s piped.out ] && ok "piped: 65, nothing written" || not_ok "piped huge header: $rc, $(wc -c < piped.out) bytes"
"$VOUCH" verify --format json --dns-zone keys.zone hugehdr.eml > hv.json 2>/dev/null
grep -q '"result":"permerror","reason":"header too large' hv.json && ok "verify: header too large is permerror" ||
	not_ok "verify: header too large ($(cut -c1-200 hv.json))"

# -o: atomic, no partial file on failure
expect_exit 0 "-o writes the file" "$VOUCH" sign -d example.org -s ed -k ed.private -o out.eml "$M/mime.eml"
[ -s out.eml ] && ok "-o file exists" || not_ok "-o file exists"
check_fail 65 "-o with a bad message" "$VOUCH" sign -d example.org -s ed -k ed.private -o failed.eml nofrom.eml
[ ! -e failed.eml ] && ok "no -o file left after failure" || not_ok "-o file left behind"
ls -a | grep -q '^\.vouch-out' && not_ok "temporary file left" || ok "no temporary file left"

# key table
cat > table <<EOT
# pattern            domain       selector key
*@example.org        example.org  ed       $tmp/ed.private
*@example.org        example.org  rsa      $tmp/rsa.private
*@*.example.com      example.com  sub      $tmp/ed.private
EOT
expect_exit 0 "key table match signs with every line of the pattern" "$VOUCH" sign --key-table table "$M/crlf-plain.eml"
n=$(grep -c '^DKIM-Signature:' "$tmp/out")
[ "$n" = 2 ] && ok "two signatures from the table" || not_ok "table signatures ($n)"
printf 'From: x@mail.example.com\r\n\r\nhi\r\n' > sub.eml
expect_exit 0 "subdomain pattern" "$VOUCH" sign --key-table table sub.eml
expect_grep 's=sub;' "$tmp/out" "subdomain pattern picks its key"
printf 'From: x@elsewhere.test\r\n\r\nhi\r\n' > other.eml
expect_exit 0 "no match passes through" "$VOUCH" sign --key-table table other.eml
cmp -s "$tmp/out" other.eml && ok "unsigned pass-through is byte exact" || not_ok "pass-through altered"
check_fail 1 "--require-sign with no match" "$VOUCH" sign --key-table table --require-sign other.eml
cat other.eml | "$VOUCH" sign --key-table table > piped-table.eml && cmp -s piped-table.eml other.eml && ok "key table from a pipe" || not_ok "key table from a pipe"
printf 'From alice@example.org Mon Nov  2 10:00:00 2026\nFrom: a@example.org\nSubject: x\n\nbody\n' > mboxline.eml
check_fail 65 "a message starting with an mbox From line is refused" "$VOUCH" sign -d example.org -s ed -k ed.private mboxline.eml
grep -q "mbox 'From ' line" "$tmp/ferr" && ok "and the error says why" || not_ok "mbox From line message: $(cat "$tmp/ferr")"
# a d= that does not align with the From domain: signed, and said
M="$top_srcdir/testdata/messages/unsigned.eml"	# From: alice@dkim.example
"$VOUCH" sign -d other.example -s ed -k ed.private "$M" > "$tmp/s.eml" 2> "$tmp/e"
grep -q '^DKIM-Signature:' "$tmp/s.eml" && grep -q 'warning: d=other.example is not aligned with the From domain dkim.example' "$tmp/e" &&
	ok "sign: an unaligned d= is signed with a warning" || not_ok "unaligned d=: $(cat "$tmp/e")"
"$VOUCH" sign -d dkim.example -s ed -k ed.private "$M" > /dev/null 2> "$tmp/e"
[ ! -s "$tmp/e" ] && ok "sign: an aligned d= says nothing" || not_ok "aligned d= warned: $(cat "$tmp/e")"
sed 's/^From: Alice <alice@dkim.example>/From: Alice <alice@news.dkim.example>/' "$M" > "$tmp/sub.eml"
"$VOUCH" sign -d dkim.example -s ed -k ed.private "$tmp/sub.eml" > /dev/null 2> "$tmp/e"
[ ! -s "$tmp/e" ] && ok "sign: a parent d= is aligned (relaxed)" || not_ok "parent d= warned: $(cat "$tmp/e")"
finish
