#!/bin/sh
# A misbehaving DNS server on 127.0.0.1: every case must end in the result
# the RFCs ask for, within a bounded time and memory.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

port=$(free_port)
python3 "$top_srcdir/tests/hostile_dns.py" "$port" "$tmp/ready" &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$tmp"' EXIT
wait_ready "$tmp/ready" || { not_ok "the hostile server did not start"; finish; exit 1; }
S="--dns-server 127.0.0.1:$port --dns-timeout 1 --dns-tries 1"
# memory bound: 64 MB; AddressSanitizer's shadow memory needs more
maxkb=65536
[ -n "${ASAN_OPTIONS:-}" ] && maxkb=524288
H=hostile.test

# case  type  name  exit  (max seconds)
bounded() {
	want=$1; what=$2; max=$3; shift 3
	start=$(date +%s%N)
	/usr/bin/time -f %M -o "$tmp/rss" "$@" > "$tmp/out" 2> "$tmp/err"
	got=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	rss=$(tail -n 1 "$tmp/rss")
	if [ "$got" = "$want" ] && [ "$ms" -le $((max * 1000)) ] && [ "$rss" -lt $maxkb ]; then
		ok "$what: exit $got in ${ms} ms, ${rss} KB"
	else
		not_ok "$what: exit $got (want $want) in ${ms} ms (max ${max}s), ${rss} KB"
		sed 's/^/  | /' "$tmp/err" | head -3
	fi
}
bounded 75 "no answer ever: temporary failure within the timeout" 3 "$VOUCH" dns TXT silent.$H $S
bounded 75 "garbage packet" 3 "$VOUCH" dns TXT garbage.$H $S
bounded 75 "truncated packet (5 bytes)" 3 "$VOUCH" dns TXT short.$H $S
bounded 75 "answer with the wrong ID" 3 "$VOUCH" dns A wrongid.$H $S
bounded 75 "answer to another question" 3 "$VOUCH" dns A wrongq.$H $S
bounded 75 "SERVFAIL" 3 "$VOUCH" dns TXT servfail.$H $S
bounded 75 "REFUSED" 3 "$VOUCH" dns TXT refused.$H $S
bounded 1 "NXDOMAIN" 3 "$VOUCH" dns TXT nx.$H $S
bounded 75 "TC over UDP, TCP hangs up" 3 "$VOUCH" dns TXT trunc.$H $S
bounded 0 "60 KB TXT over TCP" 5 "$VOUCH" dns TXT big.$H $S
len=$(wc -c < "$tmp/out")
[ "$len" -gt 60000 ] && ok "60 KB record arrives whole ($len bytes printed)" || not_ok "60 KB record ($len bytes)"
bounded 0 "3000 A records" 5 "$VOUCH" dns A manya.$H $S
n=$(wc -l < "$tmp/out")
[ "$n" = 3000 ] && ok "all 3000 addresses" || not_ok "3000 addresses ($n)"
bounded 75 "CNAME loop" 3 "$VOUCH" dns TXT loop.$H $S
bounded 75 "CNAME chain of 30" 5 "$VOUCH" dns TXT chain.$H $S

# through SPF and DKIM
bounded 75 "SPF include of a silent server is temperror" 5 "$VOUCH" spf --ip 192.0.2.1 --mail-from u@spf.$H $S
bounded 75 "SPF overall time limit (1 s, DNS timeout 3 s)" 2 "$VOUCH" spf --ip 192.0.2.1 --mail-from u@spf.$H --timeout 1 --dns-server 127.0.0.1:$port --dns-timeout 3
bounded 1 "SPF on a 60 KB record ends in a definite result" 5 "$VOUCH" spf --ip 198.51.100.1 --mail-from u@big.$H $S
bounded 1 "SPF with 3000 A records (a:)" 5 "$VOUCH" spf --ip 10.9.9.9 --helo manya.$H --dns-zone /dev/null $S
M="$top_srcdir/testdata/messages/dkim-pass-rsa.eml"
sed 's/s=good;/s=silent;/' "$M" > "$tmp/silent.eml"
bounded 1 "DKIM key at a silent server: temperror, exit 1" 4 "$VOUCH" verify $S --format json "$tmp/silent.eml"
expect_grep '"result":"temperror"' "$tmp/out" "temperror reported"
sed 's/s=good;/s=garbage;/' "$M" > "$tmp/garbage.eml"
bounded 1 "DKIM key from garbage: temperror" 4 "$VOUCH" verify $S --format json "$tmp/garbage.eml"
expect_grep '"result":"temperror"' "$tmp/out" "temperror reported"
finish
