#!/bin/sh
# What ARC sealing and the operations settings cost the milter, in one run
# (bench/milter_ab.sh: the same signed message from outside, verified):
#  1. verify alone against verify + an inbound seal (arc-sealer, rsa-sha256
#     2048): on the milter alone (the seal's whole cost: two RSA
#     signatures beside a verification that needs one RSA verify), and
#     through a private Postfix (tests/postfix_lib.sh; smtp-source from
#     127.0.0.1, which the milters verify: internal-networks elsewhere),
#     the goal: >= 0.8x;
#  2. metrics and lists on (metrics = ADDR:PORT scraped during the run,
#     internal- and peer-networks of 1,000 networks each from files,
#     1,000 exempt-domains, 100 trusted-authserv-ids) against off: goal
#     at most 3% slower (>= 0.97x).
# usage: bench/milter_arc.sh [VOUCH] [N] [ROUNDS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
VOUCH=${1:-$top/vouch}
N=${2:-2000}
ROUNDS=${3:-4}
tmp=$(mktemp -d)
chmod 755 "$tmp"
pids=; PF_DIR=; spid=
. "$top/tests/postfix_lib.sh"
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	[ -n "$PF_DIR" ] && pf_stop
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	wait 2>/dev/null
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
. "$top/bench/milter_ab.sh"
ab_setup
hz=$(getconf CLK_TCK)
report() {	# LABEL WHAT: the figures of the last ab_rounds
	printf '%-34s %10.0f %10.0f %7.2fx  (msgs/s, verify; %s)\n' "$1" "$best_b" "$best_a" \
		"$(echo "$best_b / $best_a" | bc -l)" "$2"
	printf '%-34s %10.1f %10.1f %7.2fx  (CPU us a message; %s)\n' "$1 CPU" \
		"$(echo "$tb * 1000000 / $hz / ($N * $ROUNDS)" | bc -l)" \
		"$(echo "$ta * 1000000 / $hz / ($N * $ROUNDS)" | bc -l)" "$(echo "$tb / $ta" | bc -l)" "$2"
}

# 1. sealing
aport=$(ab_port); bport=$(ab_port)
apid=$(ab_start "$aport"); pids="$apid"
bpid=$(ab_start "$bport" "arc-sealer = milter.test good $tmp/good.private" "arc-seal = inbound")
pids="$pids $bpid"
ab_rounds "$aport" "$bport" "$apid" "$bpid" "$N" "$ROUNDS"
sealed=$(grep -c "arc_seal=inbound" "$tmp/$bport.log" || true)
report "milter verify+seal / verify" "seal on / off; $sealed sealed"
kill $apid $bpid; wait 2>/dev/null || true; pids=
if ! pf_available || ! command -v smtp-source >/dev/null; then
	echo "verify+seal through Postfix: SKIP (needs root and postfix)"
else
	aport=$(ab_port); bport=$(ab_port)
	apid=$(ab_start "$aport" "internal-networks = 192.0.2.1/32" "dmarc-reject = no")
	pids="$apid"
	bpid=$(ab_start "$bport" "internal-networks = 192.0.2.1/32" "dmarc-reject = no" \
		"arc-sealer = milter.test good $tmp/good.private" "arc-seal = inbound")
	pids="$pids $bpid"
	sink=$(ab_port)
	mkdir "$tmp/sink"; chown postfix "$tmp/sink"
	smtp-sink -u postfix 127.0.0.1:$sink 200 > "$tmp/sink.log" 2>&1 &
	spid=$!
	pf_setup "$tmp/pf" "inet:127.0.0.1:$aport" "$sink"
	sed -i 's/^default_process_limit = .*/default_process_limit = 50/' "$tmp/pf/conf/main.cf"
	pf_start
	best_a=0; best_b=0
	i=0
	while [ $i -lt "$ROUNDS" ]; do
		a=$(echo "$N / $(pf_through "$aport" "$N")" | bc -l)
		b=$(echo "$N / $(pf_through "$bport" "$N")" | bc -l)
		[ "$(echo "$a > $best_a" | bc -l)" = 1 ] && best_a=$a
		[ "$(echo "$b > $best_b" | bc -l)" = 1 ] && best_b=$b
		i=$((i + 1))
	done
	sealed=$(grep -c "arc_seal=inbound" "$tmp/$bport.log" || true)
	printf '%-34s %10.0f %10.0f %7.2fx  (msgs/s through Postfix, verify; seal on / off; %s sealed)\n' \
		"Postfix verify+seal / verify" "$best_b" "$best_a" "$(echo "$best_b / $best_a" | bc -l)" "$sealed"
	kill $apid $bpid; wait "$apid" "$bpid" 2>/dev/null || true; pids=
fi

# 2. metrics and lists
python3 - "$tmp" <<'EOP'
import sys
d = sys.argv[1]
open(d + "/internal.txt", "w").write("".join("10.%d.%d.0/24\n" % (i // 256, i % 256) for i in range(1000)))
open(d + "/peers.txt", "w").write("".join("172.16.%d.%d/32\n" % (i // 256, i % 256) for i in range(1000)))
open(d + "/exempt.txt", "w").write("".join("exempt%d.example\n" % i for i in range(1000)))
open(d + "/ids.txt", "w").write("".join("mx%d.vouch.test\n" % i for i in range(100)))
EOP
mport=$(ab_port)
aport=$(ab_port); bport=$(ab_port)
apid=$(ab_start "$aport"); pids="$apid"
bpid=$(ab_start "$bport" "metrics = 127.0.0.1:$mport" "internal-networks = file:$tmp/internal.txt" \
	"peer-networks = file:$tmp/peers.txt" "exempt-domains = file:$tmp/exempt.txt" \
	"trusted-authserv-ids = file:$tmp/ids.txt")
pids="$pids $bpid"
# a scrape a second, as Prometheus would (more often than usual)
( while kill -0 "$bpid" 2>/dev/null; do
	curl -s -o /dev/null "http://127.0.0.1:$mport/metrics" 2>/dev/null || true; sleep 1; done ) &
pids="$pids $!"
ab_rounds "$aport" "$bport" "$apid" "$bpid" "$N" "$ROUNDS"
scraped=$(curl -s "http://127.0.0.1:$mport/metrics" | awk '/^vouch_messages_total\{action="verify"\}/ { print $2 }')
report "milter metrics+lists / plain" "on / off; ${scraped:-?} verified per the metrics page"
