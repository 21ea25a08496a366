#!/bin/sh
# Batch verification: N messages from D signing domains, keys and DMARC
# records from an authoritative DNS server on 127.0.0.1 that delays every
# answer by 20 ms and sends the SOA with negative answers (RFC 2308), as
# real ones do.  Times `vouch verify --jobs 1` and `--jobs 64` on the same
# Maildir in one run, and counts the queries each run made.
# usage: bench/batch.sh [VOUCH] [N] [D]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
VOUCH=${1:-$top/vouch}
N=${2:-10000}
D=${3:-1000}
tmp=$(mktemp -d)
trap 'kill $dns 2>/dev/null; rm -rf "$tmp"' EXIT
"$top/bench/bench_gen" "$tmp/md" "$N" "$D" > "$tmp/record"
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 "$top/bench/slow_dns.py" "$port" 20 "$tmp/record" "$tmp/ready" &
dns=$!
# wait until it listens (a loaded machine took 1.35 s to bind)
i=0
while [ ! -e "$tmp/ready" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
run() {
	start=$(date +%s.%N)
	"$VOUCH" verify --quiet --jobs "$1" --dns-server "127.0.0.1:$port" \
		--dns-timeout 5 "$tmp/md" > "$tmp/out.$1" || true
	end=$(date +%s.%N)
	pass=$(grep -c 'dkim=pass' "$tmp/out.$1" || true)
	echo "$end - $start" | bc -l > "$tmp/t.$1"
	echo "$pass" > "$tmp/p.$1"
	kill -USR1 $dns
	i=0
	while [ ! -s "$tmp/ready.count" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	total=$(cat "$tmp/ready.count"); rm -f "$tmp/ready.count"
	echo $((total - ${seen:-0})) > "$tmp/q.$1"; seen=$total
}
run 1
run 64
t1=$(cat "$tmp/t.1"); t64=$(cat "$tmp/t.64")
printf '%-34s %10.2f %10.2f %7.1fx  (--jobs 64 vs --jobs 1, seconds; %s and %s of %s passed; %s and %s queries)\n' \
	"batch $N msgs / $D domains, 20 ms DNS" "$t64" "$t1" "$(echo "$t1 / $t64" | bc -l)" \
	"$(cat "$tmp/p.64")" "$(cat "$tmp/p.1")" "$N" "$(cat "$tmp/q.64")" "$(cat "$tmp/q.1")"
