#!/bin/sh
# The security review's header-hashing case: 99,000 fields and 10
# signatures each naming 25,000 absent fields (bench/header_work.py).
# Prints vouch's CPU seconds to a verdict (target: under 0.5 s) and, when
# OLD is given, the same for another vouch binary in the same run.
# usage: bench/header_work.sh VOUCH [OLD_VOUCH]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$top/bench/header_work.py" "$tmp/hw.eml"
cpu() {
	/usr/bin/time -f '%U %S' -o "$tmp/t" "$1" verify --dns-zone \
	    "$top/testdata/zones/dkim.example.zone" "$tmp/hw.eml" \
	    > /dev/null 2>&1 || true
	tail -n 1 "$tmp/t" | awk '{ printf "%.2f", $1 + $2 }'
}
new=$(cpu "$1")
if [ $# -gt 1 ]; then
	old=$(cpu "$2")
	printf '%-34s %10s %10s %8s\n' "h= work, CPU s (old vouch)" "$new" \
	    "$old" "$(echo "scale=3; $new / $old" | bc)"
else
	printf '%-34s %10s\n' "h= work, CPU s (target < 0.5)" "$new"
fi
