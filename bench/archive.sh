#!/bin/sh
# A large archive: an mbox of 4 KB messages signed by one domain (the key
# cached after the first), verified with --jobs 1 and --jobs 2, then the
# same mbox gzip'd; messages per second and peak RSS of each run.
# Targets (issue 15): --jobs 2 >= 1.8x --jobs 1 on 2 cores; gzip >= 0.8x
# the plain rate; peak RSS < 64 MB.  usage: bench/archive.sh [VOUCH] [MB]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
VOUCH=${1:-$top/vouch}
MB=${2:-1024}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vouch-archive.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$top/testdata/keys/good.private" "$tmp/k.private"
chmod 600 "$tmp/k.private"
# 64 distinct signed messages, cycled: every copy is verified in full
# (body hash, RSA verify); only the key lookup is cached
i=0
while [ $i -lt 64 ]; do
	python3 - "$tmp/m.eml" $i <<'PY'
import sys
i = int(sys.argv[2])
h = ("From: Archive <user%d@dkim.example>\r\nTo: reader@example.net\r\n"
     "Subject: archived message %d\r\nDate: Mon, 04 Mar 2019 10:00:00 +0000\r\n"
     "Message-ID: <%d.archive@dkim.example>\r\n\r\n" % (i, i, i)).encode()
line = ("Line %d of an archived message body, kept for the record.\r\n" % i).encode()
body = line * ((3600 - len(h)) // len(line))
open(sys.argv[1], "wb").write(h + body)
PY
	{ echo "From user$i@dkim.example Mon Mar  4 10:00:00 2019"
	  "$VOUCH" sign -d dkim.example -s good -k "$tmp/k.private" "$tmp/m.eml"
	  echo; } >> "$tmp/set.mbox"
	i=$((i + 1))
done
python3 - "$tmp/set.mbox" "$tmp/big.mbox" "$MB" <<'PY'
import sys
unit = open(sys.argv[1], "rb").read()
want = int(sys.argv[3]) * 1024 * 1024
with open(sys.argv[2], "wb") as f:
    n = 0
    while n < want:
        f.write(unit)
        n += len(unit)
PY
n=$(grep -c '^From ' "$tmp/big.mbox")
gzip -1 -c "$tmp/big.mbox" > "$tmp/big.mbox.gz"
run() {	# run FILE JOBS: "seconds peak-kB passes"
	/usr/bin/time -f "%e %M" -o "$tmp/time" "$VOUCH" verify --quiet --jobs "$2" \
		--dns-zone "$top/testdata/zones/dkim.example.zone" --at 1790003600 \
		"$1" > "$tmp/out" || true
	echo "$(cat "$tmp/time") $(grep -c 'dkim=pass' "$tmp/out")"
}
set -- $(run "$tmp/big.mbox" 1); t1=$1; m1=$2; p1=$3
set -- $(run "$tmp/big.mbox" 2); t2=$1; m2=$2; p2=$3
set -- $(run "$tmp/big.mbox.gz" 2); tz=$1; mz=$2; pz=$3
set -- $(run "$tmp/big.mbox.gz" 1); tz1=$1; mz1=$2; pz1=$3
rate() { echo "$n / $1" | bc -l; }
printf '%-34s %10.0f %10.0f %7.2fx  (msgs/s: --jobs 2, --jobs 1; %s msgs, %s MB, %s and %s pass)\n' \
	"archive mbox, jobs 2 vs 1" "$(rate $t2)" "$(rate $t1)" "$(echo "$t1 / $t2" | bc -l)" "$n" "$MB" "$p2" "$p1"
printf '%-34s %10.0f %10.0f %7.2fx  (msgs/s: gzip, plain, --jobs 2; %s pass)\n' \
	"archive mbox.gz vs plain, jobs 2" "$(rate $tz)" "$(rate $t2)" "$(echo "$t2 / $tz" | bc -l)" "$pz"
printf '%-34s %10.0f %10.0f %7.2fx  (msgs/s: gzip, plain, --jobs 1; %s pass)\n' \
	"archive mbox.gz vs plain, jobs 1" "$(rate $tz1)" "$(rate $t1)" "$(echo "$t1 / $tz1" | bc -l)" "$pz1"
printf '%-34s %10s %10s %10s %10s  (peak RSS kB: plain j1, plain j2, gz j2, gz j1; target < 65536)\n' \
	"archive memory" "$m1" "$m2" "$mz" "$mz1"
