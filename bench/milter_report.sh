#!/bin/sh
# The cost of recording verdicts for DMARC reports in the milter: two vouch
# milters verifying the same signed 4 KB message from an outside address
# (DKIM, SPF, DMARC p=reject all pass, answers from a zone file), one with
# report-store = sqlite:..., one without, driven by bench/milter_client
# (4 connections).  The two run in alternation, ROUNDS times each; the best
# round of each counts.  Goal: recording costs at most 5% of throughput
# (ratio >= 0.95; bench/goals.awk).
# usage: bench/milter_report.sh [VOUCH] [N] [ROUNDS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
VOUCH=${1:-$top/vouch}
N=${2:-4000}
ROUNDS=${3:-4}
tmp=$(mktemp -d)
apid=; bpid=
cleanup() {
	[ -n "$apid" ] && kill "$apid" 2>/dev/null
	[ -n "$bpid" ] && kill "$bpid" 2>/dev/null
	wait 2>/dev/null
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
cc -O2 -o "$tmp/milter_client" "$top/bench/milter_client.c" -lpthread
cp "$top/testdata/keys/good.private" "$tmp/good.private"
chmod 600 "$tmp/good.private"
{
	echo '$ORIGIN milter.test.'
	echo '$TTL 300'
	printf 'good._domainkey IN TXT '
	sed -n 's/^good._domainkey IN TXT //p' "$top/testdata/zones/dkim.example.zone"
	echo '@ IN TXT "v=spf1 ip4:192.0.2.0/24 -all"'
	echo '_dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@milter.test"'
} > "$tmp/milter.zone"
python3 - "$tmp/msg.eml" <<'EOP'
import sys
h = (b"From: Alice <alice@milter.test>\r\nTo: rcpt@example.net\r\n"
     b"Subject: benchmark\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
     b"Message-ID: <bench@milter.test>\r\n\r\n")
line = b"The quick brown fox jumps over the lazy dog, again and again.\r\n"
body = line * ((4096 - len(h)) // len(line))
open(sys.argv[1], "wb").write(h + body)
EOP
"$VOUCH" sign -d milter.test -s good -k "$tmp/good.private" < "$tmp/msg.eml" > "$tmp/signed.eml"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() {	# start PORT [extra line]: a verifying milter; prints its pid
	{
		echo "socket = inet:$1@127.0.0.1"
		echo "authserv-id = mx.vouch.test"
		echo "dns-zone = $tmp/milter.zone"
		echo "dmarc-reject = yes"
		echo "log = stderr"
		[ $# -gt 1 ] && echo "$2"
	} > "$tmp/$1.conf"
	"$VOUCH" milter -f -c "$tmp/$1.conf" > "$tmp/$1.log" 2>&1 &
	echo $!
}
aport=$(free_port); bport=$(free_port)
apid=$(start "$aport")
bpid=$(start "$bport" "report-store = sqlite:$tmp/reports.db")
sleep 1
run() { MILTER_CLIENT_ADDR=192.0.2.7 "$tmp/milter_client" 127.0.0.1:$1 "$tmp/signed.eml" "$2" 4; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }	# CPU, user + system
run "$aport" 100 > /dev/null; run "$bport" 100 > /dev/null
best_a=0; best_b=0
ta0=$(ticks "$apid"); tb0=$(ticks "$bpid")
i=0
while [ $i -lt "$ROUNDS" ]; do
	# alternate which goes first (the machine warms and cools)
	if [ $((i % 2)) = 0 ]; then
		set -- $(run "$aport" "$N"); a=$3; [ "$5" = 0 ] || { echo "refused: $*"; exit 1; }
		set -- $(run "$bport" "$N"); b=$3; [ "$5" = 0 ] || { echo "refused: $*"; exit 1; }
	else
		set -- $(run "$bport" "$N"); b=$3; [ "$5" = 0 ] || { echo "refused: $*"; exit 1; }
		set -- $(run "$aport" "$N"); a=$3; [ "$5" = 0 ] || { echo "refused: $*"; exit 1; }
	fi
	[ "$(echo "$a > $best_a" | bc -l)" = 1 ] && best_a=$a
	[ "$(echo "$b > $best_b" | bc -l)" = 1 ] && best_b=$b
	i=$((i + 1))
done
ta=$(( $(ticks "$apid") - ta0 )); tb=$(( $(ticks "$bpid") - tb0 ))
# stopped, the milter writes what it queued: every message is a row
kill "$bpid"; wait "$bpid" 2>/dev/null || true; bpid=
rows=$(sqlite3 "$tmp/reports.db" 'SELECT count(*) FROM vouch_rows' 2>/dev/null || echo '?')
[ "$rows" = $((N * ROUNDS + 100)) ] || echo "milter_report: $rows rows recorded for $((N * ROUNDS + 100)) messages"
ratio=$(echo "$best_b / $best_a" | bc -l)
hz=$(getconf CLK_TCK)
# the row's own cost, apart from the noise of a loaded machine: the
# library's background recording, 4 threads x 20,000 rows, to the commit
b=$(cd "$(dirname "$VOUCH")" && pwd)
if [ -f "$b/.libs/libvouch.so" ] && cc -O2 -I"$top/include" -I"$b/include" -o "$tmp/report_rows" \
	"$top/bench/report_rows.c" -L"$b/.libs" -lvouch -lpthread 2>/dev/null; then
	us=$(LD_LIBRARY_PATH="$b/.libs" "$tmp/report_rows" "sqlite:$tmp/rows.db" 4 20000)
	cpu=$(echo "$ta * 1000000 / $hz / ($N * $ROUNDS)" | bc -l)
	printf '%-34s %10.2f %10.1f %7.3fx  (us a row recorded, all included; milter CPU us a message; the share)\n' \
		"report-store row vs message" "$us" "$cpu" "$(echo "$us / $cpu" | bc -l)"
fi
printf '%-34s %10.0f %10.0f %7.2fx  (msgs/s, verify; store on / off; %s rows recorded)\n' \
	"milter report-store on/off" "$best_b" "$best_a" "$ratio" "$rows"
printf '%-34s %10.1f %10.1f %7.2fx  (the milter process, CPU us per message; store on / off)\n' \
	"milter report-store CPU on/off" "$(echo "$tb * 1000000 / $hz / ($N * $ROUNDS)" | bc -l)" \
	"$(echo "$ta * 1000000 / $hz / ($N * $ROUNDS)" | bc -l)" "$(echo "$tb / $ta" | bc -l)"
