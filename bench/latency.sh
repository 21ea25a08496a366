#!/bin/sh
# One message's verdict latency with a 20 ms authoritative DNS server
# (bench/slow_dns.py): lookups together against one after another, same
# results and queries (bench/bench_latency.c).  Goal: <= 0.5x.
# usage: bench/latency.sh [BUILD-DIR] [ROUNDS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
b=${1:-$top}
ROUNDS=${2:-9}
tmp=$(mktemp -d)
dns=
trap '[ -n "$dns" ] && kill $dns 2>/dev/null; rm -rf "$tmp"' EXIT
cc -O2 -I"$top/include" -I"$b/include" -o "$tmp/bench_latency" "$top/bench/bench_latency.c" \
	-L"$b/.libs" -lvouch -Wl,-rpath,"$b/.libs"
"$tmp/bench_latency" setup "$tmp"
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 "$top/bench/slow_dns.py" "$port" 20 "$tmp/extra.txt" "$tmp/ready" "$tmp/extra.txt" &
dns=$!
i=0
while [ ! -e "$tmp/ready" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
"$tmp/bench_latency" run "$port" "$tmp" "$ROUNDS"
