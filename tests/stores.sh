#!/bin/sh
# Every mail store gives the same results as the plain mbox: Maildir with
# Maildir++ folders, plain folders (recursive, sorted), and mboxes
# compressed with gzip, xz, bzip2 or zstd, found by content, not by name.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

M="$top_srcdir/testdata/messages"
V="--dns-zone $ZONES/dkim.example.zone --at 1790003600"
cd "$tmp"
mkdir -p md/cur md/new md/.Sent/cur md/.Archive.2019/new folder/sub
cp "$M/dkim-pass-rsa.eml" md/cur/1
cp "$M/dkim-body-modified.eml" md/new/2
cp "$M/dkim-pass-ed25519.eml" md/.Sent/cur/3
cp "$M/unsigned.eml" md/.Archive.2019/new/4
cp "$M/dkim-pass-rsa.eml" folder/a.eml
cp "$M/dkim-body-modified.eml" folder/sub/b.eml
for f in dkim-pass-rsa dkim-body-modified dkim-pass-ed25519 unsigned; do
	echo "From a@b Mon Nov  2 10:00:00 2026"; cat "$M/$f.eml"; echo
done > box.mbox

results() {	# the dkim results of a run, one per line, in order
	"$VOUCH" verify $V --format json "$@" | sed 's/.*"dkim":\[\([^]]*\)\].*/\1/; s/.*"result":"\([a-z]*\)".*/\1/; s/^$/none/'
}
results box.mbox > plain.txt
[ "$(tr '\n' ' ' < plain.txt)" = "pass fail pass none " ] && ok "plain mbox: pass fail pass none" || not_ok "plain mbox: $(cat plain.txt)"
# a long mbox through the window of messages in flight (256): every
# message once, in order, with --jobs 4 as with --jobs 1
for i in $(seq 250); do cat box.mbox; done > long.mbox
"$VOUCH" verify $V --jobs 4 --format json long.mbox | sed -n 's/.*"index":\([0-9]*\),"dkim":\[{[^}]*"result":"\([a-z]*\)".*/\1 \2/p; s/.*"index":\([0-9]*\),"dkim":\[\].*/\1 none/p' > long4.txt
"$VOUCH" verify $V --jobs 1 --format json long.mbox | sed -n 's/.*"index":\([0-9]*\),"dkim":\[{[^}]*"result":"\([a-z]*\)".*/\1 \2/p; s/.*"index":\([0-9]*\),"dkim":\[\].*/\1 none/p' > long1.txt
[ "$(wc -l < long4.txt)" = 1000 ] && [ "$(cut -d' ' -f1 long4.txt | tr '\n' ' ')" = "$(seq 0 999 | tr '\n' ' ')" ] &&
	ok "1000-message mbox with --jobs 4: every index once, in order" || not_ok "1000-message mbox: $(head -3 long4.txt)"
cmp -s long1.txt long4.txt && [ "$(grep -c ' pass$' long4.txt)" = 500 ] &&
	ok "--jobs 4 gives the results of --jobs 1 (500 pass)" || not_ok "--jobs 4 vs 1 differ"
results md > md.txt
# (Maildir order: cur, new, then the ++ folders sorted: the same multiset)
sort md.txt > md.s; sort plain.txt > plain.s
cmp -s md.s plain.s && ok "Maildir with Maildir++ folders: the same results" || not_ok "Maildir++: $(tr '\n' ' ' < md.txt)"
"$VOUCH" verify $V md | grep -q '^md/.Sent/cur/3: dkim=pass' && ok "Maildir++ .Sent is read" || not_ok ".Sent"
"$VOUCH" verify $V md | grep -q '^md/.Archive.2019/new/4:' && ok "Maildir++ .Archive.2019 is read" || not_ok ".Archive.2019"
[ "$(results folder | tr '\n' ' ')" = "pass fail " ] && ok "a plain folder, recursively, sorted" || not_ok "folder: $(results folder | tr '\n' ' ')"
n=0
for z in "gzip -c" "xz -c" "bzip2 -c" "zstd -q -c"; do
	tool=${z%% *}
	if ! command -v "$tool" >/dev/null; then
		skip "$tool not installed"
		continue
	fi
	n=$((n + 1))
	$z box.mbox > "box.$n"	# no telling suffix: found by content
	results "box.$n" > z.txt
	cmp -s z.txt plain.txt && ok "$tool-compressed mbox: the same results" || not_ok "$tool: $(tr '\n' ' ' < z.txt)"
done
gzip -c box.mbox > folder/sub/box.gz
"$VOUCH" verify $V folder | grep -q 'folder/sub/box.gz#3:' && ok "a compressed mbox inside a folder" || not_ok "compressed inside a folder"
gzip -c box.mbox | head -c 200 > bad.gz	# a truncated stream
expect_exit 65 "a corrupt compressed file: 65" "$VOUCH" verify $V bad.gz
expect_grep 'cannot decompress' "$tmp/err" "says it cannot decompress"
# mbox variants: mboxrd quoting undone; mboxcl2 (Content-Length decides
# where a message ends, nothing quoted)
cp "$top_srcdir/testdata/keys/good.private" good.private; chmod 600 good.private
printf 'From: a@dkim.example\nSubject: body with a From line\n\nfirst line\nFrom the start, it said\nlast line\n' > fl.eml
"$VOUCH" sign -d dkim.example -s good -k good.private fl.eml > fls.eml
{ echo "From a@b Mon Nov  2 10:00:00 2026"; sed 's/^From the/>From the/' fls.eml; echo
  echo "From a@b Mon Nov  2 10:00:00 2026"; cat "$M/dkim-pass-rsa.eml"; echo; } > rd.mbox
[ "$(results rd.mbox | tr '\n' ' ')" = "pass pass " ] && ok "mboxrd: '>From ' unquoted, the signature holds" || not_ok "mboxrd: $(results rd.mbox | tr '\n' ' ')"
cl2() {	# FILE: the message with a Content-Length field at the end of its header
	body=$(sed '1,/^\r\{0,1\}$/d' "$1" | wc -c)
	awk -v n="$body" 'done == 0 && /^\r?$/ { print "Content-Length: " n; done = 1 } { print }' "$1"
}
{ echo "From a@b Mon Nov  2 10:00:00 2026"; cl2 fls.eml; echo
  echo "From a@b Mon Nov  2 10:00:00 2026"; cl2 "$M/dkim-pass-rsa.eml"; } > cl2.mbox
[ "$(results cl2.mbox | tr '\n' ' ')" = "pass pass " ] && ok "mboxcl2: Content-Length keeps the unquoted From line inside" ||
	not_ok "mboxcl2: $(results cl2.mbox | tr '\n' ' ')"
# --max-message-size: a message over the bound (here 1 MB) is reported as
# permerror (message too large) and the run goes on, memory bounded: a
# compressed mbox holding a 40 MB message between two good ones
big() {	# a 40 MB message, signed (its signature can't be checked anyway)
	cat "$M/dkim-pass-rsa.eml"
	awk 'BEGIN { l = sprintf("%0100d", 0); for (i = 0; i < 400000; i++) print l }'
}
{ echo "From a@b Mon Nov  2 10:00:00 2026"; cat "$M/dkim-pass-rsa.eml"; echo
  echo "From a@b Mon Nov  2 10:00:00 2026"; big; echo
  echo "From a@b Mon Nov  2 10:00:00 2026"; cat "$M/dkim-pass-ed25519.eml"; } | gzip -1 > bomb.mbox.gz
/usr/bin/time -f %M -o rss.txt "$VOUCH" verify $V --max-message-size 1M --format json bomb.mbox.gz > bomb.json
[ "$(wc -l < bomb.json)" = 3 ] && ok "over the bound: three results, the run goes on" || not_ok "bomb: $(cut -c1-300 bomb.json)"
sed -n 2p bomb.json | grep -q '"result":"permerror","reason":"message too large: over 1048576 bytes' &&
	ok "the 40 MB message: permerror (message too large)" || not_ok "bomb message 2: $(sed -n 2p bomb.json | cut -c1-300)"
sed -n 3p bomb.json | grep -q '"index":2,"dkim":\[{[^]]*"result":"pass"' && sed -n 1p bomb.json | grep -q '"result":"pass"' &&
	ok "the messages around it verify" || not_ok "bomb neighbours: $(cut -c1-200 bomb.json)"
rss=$(tail -1 rss.txt)
if [ -n "${ASAN_OPTIONS:-}" ]; then
	echo "note: peak RSS ${rss} KB under sanitizers (bounded memory asserted without them)"
else
	[ "$rss" -lt 40000 ] && ok "peak RSS ${rss} KB for a 40 MB message (bound 1 MB)" || not_ok "peak RSS ${rss} KB"
fi
# a single message file, a Maildir file: the same; --add-header writes nothing
big > big.eml
"$VOUCH" verify $V --max-message-size 1M --format json big.eml > big.json
grep -q '"result":"permerror","reason":"message too large' big.json && ok "a message file over the bound" || not_ok "big file: $(cut -c1-200 big.json)"
mkdir -p bigmd/cur bigmd/new; cp big.eml bigmd/cur/1; cp "$M/dkim-pass-rsa.eml" bigmd/cur/2
"$VOUCH" verify $V --max-message-size 1M --format json bigmd > bigmd.json
grep -c '"result":"permerror","reason":"message too large' bigmd.json | grep -q '^1$' && grep -q '"result":"pass"' bigmd.json &&
	ok "a Maildir file over the bound, and the next one verifies" || not_ok "big Maildir: $(cut -c1-300 bigmd.json)"
expect_exit 65 "--add-header refuses a message over the bound" "$VOUCH" verify $V --max-message-size 1M --add-header big.eml
[ -s "$tmp/out" ] && not_ok "--add-header wrote $(wc -c < "$tmp/out") bytes" || ok "--add-header wrote nothing"
expect_grep 'over --max-message-size' "$tmp/err" "and says why"
expect_exit 64 "--max-message-size must be a size" "$VOUCH" verify $V --max-message-size 12X big.eml
# mbox dialects: Python's mailbox writes mboxo, where a body line that
# was ">From ..." stays as it is; read as mboxrd it loses its '>' and the
# body hash fails.  auto tries the lines as written and says so
cp "$top_srcdir/testdata/keys/good.private" good.private; chmod 600 good.private
printf 'From: a@dkim.example\r\nTo: b@example.net\r\nSubject: quoted\r\n\r\nAs you wrote:\r\n>From the archive, a line\r\n' > q.eml
"$VOUCH" sign -d dkim.example -s good -k good.private q.eml > qs.eml
printf 'From: a@dkim.example\r\nTo: b@example.net\r\nSubject: plain\r\n\r\nFrom here on, a line\r\n' > f.eml
"$VOUCH" sign -d dkim.example -s good -k good.private f.eml > fs.eml
/usr/bin/python3 -c '
import mailbox, sys
box = mailbox.mbox("py.mbox", create=True)
for f in sys.argv[1:]:
    box.add(open(f, "rb").read())
box.flush()' qs.eml fs.eml
"$VOUCH" verify $V --format json py.mbox > py.json
sed -n 1p py.json | grep -q '"dkim":\[{[^]]*"result":"pass".*"mbox_unquoting":"none","mbox_guessed":true' &&
	ok "mboxo (Python's mailbox): the '>From ' body verifies as written, marked guessed" || not_ok "mboxo guess: $(sed -n 1p py.json | cut -c1-300)"
sed -n 2p py.json | grep -q '"result":"pass"' && ! sed -n 2p py.json | grep -q mbox_guessed &&
	ok "mboxo: a quoted 'From ' body line verifies unquoted, nothing guessed" || not_ok "mboxo plain: $(sed -n 2p py.json | cut -c1-300)"
"$VOUCH" verify $V py.mbox | head -1 | grep -q "dialect guessed" && ok "text says the dialect was guessed" || not_ok "text guess note"
"$VOUCH" verify $V --mbox-format mboxrd --format json py.mbox | sed -n 1p | grep -q '"result":"fail","reason":"body hash mismatch' &&
	ok "--mbox-format mboxrd: no second reading" || not_ok "--mbox-format mboxrd"
"$VOUCH" verify $V --mbox-format mboxcl2 --format json py.mbox | sed -n 1p | grep -q '"result":"pass"' &&
	ok "--mbox-format mboxcl2: nothing unquoted" || not_ok "--mbox-format mboxcl2"
expect_exit 64 "--mbox-format other is usage" "$VOUCH" verify $V --mbox-format mbox py.mbox
finish
