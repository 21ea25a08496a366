#!/bin/sh
# Peak memory of `vouch sign` on a 200 MB message read from a pipe (so it
# must spool) and from a file (read twice), with /usr/bin/time -v.
# usage: bench/rss.sh [VOUCH] [MB]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
VOUCH=${1:-$top/vouch}
MB=${2:-200}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp/big.eml" "$MB" <<'PY'
import sys
path, mb = sys.argv[1], int(sys.argv[2])
line = b"A line of a very large message body, 64 bytes with CRLF ends.\r\n"
with open(path, "wb") as f:
    f.write(b"From: big@example.com\r\nTo: x@example.net\r\nSubject: big\r\n\r\n")
    chunk = line * 16384
    for _ in range(mb * 1024 * 1024 // len(chunk)):
        f.write(chunk)
PY
"$VOUCH" keygen -d example.com -s big -t ed25519 -o "$tmp" >/dev/null
for how in pipe file; do
	if [ $how = pipe ]; then
		cat "$tmp/big.eml" | /usr/bin/time -v "$VOUCH" sign -d example.com -s big -k "$tmp/big.private" > "$tmp/out" 2> "$tmp/time"
	else
		/usr/bin/time -v "$VOUCH" sign -d example.com -s big -k "$tmp/big.private" "$tmp/big.eml" > "$tmp/out" 2> "$tmp/time"
	fi
	kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$tmp/time")
	secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$tmp/time")
	size=$(stat -c %s "$tmp/big.eml")
	tail -c "$size" "$tmp/out" | cmp -s - "$tmp/big.eml" && same=intact || same=ALTERED
	printf '%-34s %10.1f %10s %8s  (peak RSS MB, limit 32; wall %s; output %s)\n' \
		"sign ${MB} MB message from a $how" "$(echo "$kb / 1024" | bc -l)" "32" "" "$secs" "$same"
done
