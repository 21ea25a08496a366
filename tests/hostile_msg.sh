#!/bin/sh
# Hostile messages through `vouch verify` and `vouch sign`: a defined
# result or a clear one-line error for each, in bounded time and memory.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

H="$top_srcdir/testdata/hostile"
python3 "$H/make-big.py" "$tmp"
"$VOUCH" keygen -d dkim.example -s k -t ed25519 -o "$tmp" >/dev/null
V="--dns-zone $ZONES/dkim.example.zone --at 1790003600"
# bounds: 10 s and 256 MB; AddressSanitizer needs more of both
maxms_ok=10000; maxkb_ok=262144
[ -n "${ASAN_OPTIONS:-}" ] && { maxms_ok=60000; maxkb_ok=1048576; }
maxms=0; maxkb=0
for f in "$H"/*.eml "$tmp"/*.eml; do
	name=$(basename "$f")
	for cmd in verify sign; do
		if [ $cmd = verify ]; then
			set -- "$VOUCH" verify $V --format json "$f"
			allowed="0 1"
		else
			set -- "$VOUCH" sign -d dkim.example -s k -k "$tmp/k.private" "$f"
			allowed="0 65"
		fi
		start=$(date +%s%N)
		/usr/bin/time -f %M -o "$tmp/rss" "$@" > "$tmp/out" 2> "$tmp/err"
		rc=$?
		ms=$(( ($(date +%s%N) - start) / 1000000 ))
		kb=$(tail -n 1 "$tmp/rss")
		[ $ms -gt $maxms ] && maxms=$ms
		[ "$kb" -gt $maxkb ] && maxkb=$kb
		case " $allowed " in
		*" $rc "*)
			if [ $cmd = verify ] && ! grep -q '"dkim":' "$tmp/out"; then
				not_ok "$cmd $name: no result line"
			elif [ $cmd = sign ] && [ $rc != 0 ] && [ "$(wc -l < "$tmp/err")" != 1 ]; then
				not_ok "$cmd $name: exit $rc without a one-line error"
				head -3 "$tmp/err" | sed 's/^/  | /'
			elif [ $rc != 0 ] && [ -s "$tmp/out" ] && [ $cmd = sign ]; then
				not_ok "$cmd $name: wrote to stdout on failure"
			elif [ $ms -gt $maxms_ok ] || [ "$kb" -gt $maxkb_ok ]; then
				not_ok "$cmd $name: ${ms} ms, ${kb} KB (bound $maxms_ok ms, $maxkb_ok KB)"
			else
				ok "$cmd $name: exit $rc, ${ms} ms, ${kb} KB"
			fi;;
		*)
			not_ok "$cmd $name: exit $rc (allowed: $allowed)"
			head -5 "$tmp/err" | sed 's/^/  | /';;
		esac
	done
done
echo "worst case: ${maxms} ms, ${maxkb} KB peak RSS"

# specific answers
"$VOUCH" verify $V --format json "$tmp/many-signatures.eml" > "$tmp/out"
n=$(grep -o '"key_bits"' "$tmp/out" | wc -l)
[ "$n" = 10 ] && ok "1000 signatures: only the first 10 checked" || not_ok "1000 signatures: $n checked"
"$VOUCH" verify $V --max-sigs 3 --format json "$tmp/many-signatures.eml" > "$tmp/out"
n=$(grep -o '"key_bits"' "$tmp/out" | wc -l)
[ "$n" = 3 ] && ok "--max-sigs 3" || not_ok "--max-sigs 3: $n"
"$VOUCH" verify $V --format json "$H/huge-negative-numbers.eml" > "$tmp/out"
n=$(grep -o '"result":"permerror","reason":"syntax error in tag [ltx]' "$tmp/out" | wc -l)
[ "$n" = 3 ] && ok "huge and negative l=, t=, x= are syntax errors" || not_ok "numbers: $n of 3"; 
"$VOUCH" verify $V --format json "$H/invalid-base64.eml" > "$tmp/out"
expect_grep 'syntax error in tag bh' "$tmp/out" "invalid base64 is a syntax error"
"$VOUCH" verify $V --format json "$H/duplicate-missing-tags.eml" > "$tmp/out"
n=$(grep -o '"result":"permerror"' "$tmp/out" | wc -l)
[ "$n" = 4 ] && ok "duplicate and missing tags: 4 permerrors" || not_ok "tags: $n of 4"
"$VOUCH" sign -d dkim.example -s k -k "$tmp/k.private" "$H/no-blank-line.eml" > /dev/null 2> "$tmp/err"
expect_grep 'header line without a colon' "$tmp/err" "sign says why a message without a blank line is refused"
"$VOUCH" sign -d dkim.example -s k -k "$tmp/k.private" "$tmp/long-header-line.eml" > "$tmp/out"
"$VOUCH" verify --dns-zone /dev/null --format json - < "$tmp/out" > /dev/null
rc=$?
[ $rc = 1 ] && ok "a signed 1 MB header line verifies to a result" || not_ok "1 MB header: exit $rc"

# pipelines lose nothing: --add-header to /dev/full and a closed pipe
M="$top_srcdir/testdata/messages/dkim-pass-rsa.eml"
"$VOUCH" verify $V --add-header "$M" > /dev/full 2>/dev/null
rc=$?
[ $rc = 74 ] && ok "--add-header to /dev/full gives 74" || not_ok "--add-header /dev/full gives $rc"
rc=$( { "$VOUCH" verify $V --add-header "$tmp/long-header-line.eml" 2>/dev/null; echo $? > "$tmp/rc"; } | head -c 10 > /dev/null; cat "$tmp/rc")
[ "$rc" = 74 ] && ok "--add-header into a closed pipe gives 74" || not_ok "--add-header closed pipe gives $rc"
# killed mid-run: no partial -o file, and no temporary file of any name
# (O_TMPFILE: the output has no name until it is complete)
killed() {	# name, then the command writing -o into $tmp/k/ and reading $tmp/slow
	name=$1; shift
	rm -rf "$tmp/k" "$tmp/slow"; mkdir "$tmp/k"; mkfifo "$tmp/slow"
	( "$@" 2>/dev/null & echo $! > "$tmp/pid"; wait ) &
	exec 7> "$tmp/slow"
	printf 'From: a@dkim.example\r\nDKIM-Signature: v=1\r\n\r\npartial' >&7
	sleep 0.3
	kill -9 "$(cat "$tmp/pid")" 2>/dev/null
	exec 7>&-
	sleep 0.2
	left=$(ls -A "$tmp/k")
	[ -z "$left" ] && ok "$name killed mid-run: nothing left" ||
	    not_ok "$name killed mid-run left: $left"
}
killed "sign -o" "$VOUCH" sign -d dkim.example -s k -k "$tmp/k.private" -o "$tmp/k/out.eml" "$tmp/slow"
killed "verify --add-header -o" "$VOUCH" verify $V --add-header -o "$tmp/k/out.eml" "$tmp/slow"
# killed while writing the output: a file size limit makes the kernel send
# SIGXFSZ in the middle of the write of a 1 MB message
rm -rf "$tmp/k"; mkdir "$tmp/k"
( ulimit -f 64; exec "$VOUCH" sign -d dkim.example -s k -k "$tmp/k.private" -o "$tmp/k/out.eml" "$tmp/long-header-line.eml" ) 2>/dev/null
rc=$?
left=$(ls -A "$tmp/k")
if ${PYTHON3:-python3} -c 'import os, sys; os.open(sys.argv[1], os.O_TMPFILE | os.O_WRONLY)' "$tmp/k" 2>/dev/null; then
	[ $rc -gt 128 ] && [ -z "$left" ] && ok "sign -o killed while writing (exit $rc): nothing left" ||
	    not_ok "sign -o killed while writing: exit $rc, left: $left"
else	# no O_TMPFILE here: the fallback leaves a dot file, never the target
	case $left in
	.vouch-out-*|"") ok "sign -o killed while writing, no O_TMPFILE: no $tmp/k/out.eml" ;;
	*) not_ok "sign -o killed while writing: left $left" ;;
	esac
fi
# the file -o makes follows the umask
rm -rf "$tmp/k"; mkdir "$tmp/k"
( umask 027; "$VOUCH" sign -d dkim.example -s k -k "$tmp/k.private" -o "$tmp/k/out.eml" "$M" )
mode=$(stat -c %a "$tmp/k/out.eml" 2>/dev/null)
[ "$mode" = 640 ] && ok "-o file mode follows the umask (640)" || not_ok "-o file mode $mode under umask 027"
left=$(ls -A "$tmp/k")
[ "$left" = out.eml ] && ok "-o leaves only its file" || not_ok "-o left: $left"
# broken ARC chains: each is arc=fail, with a reason naming the problem
echo 'k._domainkey.fuzz.example. IN TXT "v=DKIM1; k=ed25519; p=vvJ188E02JjLKHViqa0XRIMbGOqHIj/cXkUZR3nHnBA="' > "$tmp/fuzz.zone"
"$VOUCH" verify --dns-zone "$tmp/fuzz.zone" --format json "$top_srcdir/fuzz/fuzz_arc.in/two-hops.eml" |
	grep -q '"arc":{"result":"pass"' && ok "the intact two-hop chain passes" || not_ok "intact chain"
for f in "$H"/arc-*.eml; do
	"$VOUCH" verify --dns-zone "$tmp/fuzz.zone" --format json "$f" > "$tmp/out"
	grep -q '"arc":{"result":"fail","reason":"[^"]' "$tmp/out" && ok "$(basename "$f"): arc=fail" ||
		not_ok "$(basename "$f"): $(sed 's/.*"arc"://' "$tmp/out" | cut -c1-150)"
done
finish
