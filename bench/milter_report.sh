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
. "$top/bench/milter_ab.sh"
ab_setup
aport=$(ab_port); bport=$(ab_port)
apid=$(ab_start "$aport")
bpid=$(ab_start "$bport" "report-store = sqlite:$tmp/reports.db")
ab_rounds "$aport" "$bport" "$apid" "$bpid" "$N" "$ROUNDS"
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
