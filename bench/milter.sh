#!/bin/sh
# vouch milter against OpenDKIM's milter (Debian opendkim), signing
# rsa-sha256 2048, relaxed/relaxed, the same key and the same 4 KB messages:
#  1. the milters alone, driven by bench/milter_client (the MTA's side of
#     the protocol, 4 connections in parallel): messages per second;
#  2. through the same private Postfix instance (tests/postfix_lib.sh),
#     N messages from smtp-source until smtp-sink has them all.
# Peak RSS of each milter.  usage: bench/milter.sh [VOUCH] [N]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
VOUCH=${1:-$top/vouch}
N=${2:-2000}
command -v opendkim >/dev/null || { echo "milter: SKIP (apt-get install opendkim)"; exit 0; }
tmp=$(mktemp -d)
chmod 755 "$tmp"
vpid=; opid=; spid=; PF_DIR=
. "$top/tests/postfix_lib.sh"
cleanup() {
	[ -n "$vpid" ] && kill "$vpid" 2>/dev/null
	[ -n "$opid" ] && kill "$opid" 2>/dev/null
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	[ -n "$PF_DIR" ] && pf_stop
	wait 2>/dev/null
	[ -n "${KEEP_TMP:-}" ] && echo "kept $tmp" >&2 || rm -rf "$tmp"
}
trap cleanup EXIT
cc -O2 -o "$tmp/milter_client" "$top/bench/milter_client.c" -lpthread

cp "$top/testdata/keys/good.private" "$tmp/key.private"
chmod 600 "$tmp/key.private"
echo "*@milter.test milter.test good $tmp/key.private" > "$tmp/keys"
printf 'good milter.test:good:%s\n' "$tmp/key.private" > "$tmp/KeyTable"
printf '*@milter.test good\n' > "$tmp/SigningTable"
vport=$(pf_port); oport=$(pf_port)
cat > "$tmp/vouch.conf" <<EOC
socket = inet:$vport@127.0.0.1
authserv-id = mx.vouch.test
key-table = $tmp/keys
log = stderr
EOC
cat > "$tmp/opendkim.conf" <<EOC
Socket inet:$oport@127.0.0.1
Mode s
Canonicalization relaxed/relaxed
KeyTable $tmp/KeyTable
SigningTable refile:$tmp/SigningTable
InternalHosts 127.0.0.1
Syslog no
UMask 002
RequireSafeKeys false
EOC
python3 - "$tmp/msg.eml" <<'EOP'
import sys
h = (b"From: Alice <alice@milter.test>\r\nTo: rcpt@example.net\r\n"
     b"Subject: benchmark\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
     b"Message-ID: <bench@milter.test>\r\n\r\n")
line = b"The quick brown fox jumps over the lazy dog, again and again.\r\n"
body = line * ((4096 - len(h)) // len(line))
open(sys.argv[1], "wb").write(h + body)
EOP

"$VOUCH" milter -f -c "$tmp/vouch.conf" > "$tmp/vouch.log" 2>&1 &
vpid=$!
opendkim -f -x "$tmp/opendkim.conf" > "$tmp/opendkim.log" 2>&1 &
opid=$!
sleep 1
hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }

# warm both (key loading, first connections), then measure
"$tmp/milter_client" 127.0.0.1:$vport "$tmp/msg.eml" 100 4 >/dev/null
"$tmp/milter_client" 127.0.0.1:$oport "$tmp/msg.eml" 100 4 >/dev/null
set -- $("$tmp/milter_client" 127.0.0.1:$vport "$tmp/msg.eml" "$N" 4)
v_rate=$3; v_added=$4
set -- $("$tmp/milter_client" 127.0.0.1:$oport "$tmp/msg.eml" "$N" 4)
o_rate=$3; o_added=$4
printf '%-34s %10.0f %10.0f %7.2fx  (msgs/s, higher is better; %s and %s signatures added)\n' \
	"milter alone, $N x 4 KB, 4 conns" "$v_rate" "$o_rate" \
	"$(echo "$v_rate / $o_rate" | bc -l)" "$v_added" "$o_added"

if ! pf_available || ! command -v smtp-source >/dev/null; then
	echo "through Postfix: SKIP (needs root and postfix)"
else
	sink=$(pf_port)
	mkdir "$tmp/sink"; chown postfix "$tmp/sink"
	smtp-sink -u postfix -D "$tmp/sink/dump" 127.0.0.1:$sink 200 > "$tmp/sink.log" 2>&1 &
	spid=$!
	pf_setup "$tmp/pf" "inet:127.0.0.1:$vport" "$sink"
	sed -i 's/^default_process_limit = .*/default_process_limit = 50/' "$tmp/pf/conf/main.cf"
	pf_start
	signed() { cat "$tmp"/sink/* | grep -c "^DKIM-Signature: .*d=milter.test" || true; }
	tv=$(pf_through $vport "$N"); sv=$(signed)
	to=$(pf_through $oport "$N"); so=$(($(signed) - sv))
	printf '%-34s %10.0f %10.0f %7.2fx  (msgs/s end to end; %s and %s signed)\n' \
		"through Postfix, $N x 4 KB" "$(echo "$N / $tv" | bc -l)" \
		"$(echo "$N / $to" | bc -l)" "$(echo "$to / $tv" | bc -l)" "$sv" "$so"
fi
printf '%-34s %10s %10s %7.2fx  (peak RSS, kB, lower is better)\n' "milter memory" \
	"$(hwm $vpid)" "$(hwm $opid)" "$(echo "$(hwm $vpid) / $(hwm $opid)" | bc -l)"
# the same run: what recording verdicts for DMARC reports costs (store on
# against off, and the row's own cost; bench/milter_report.sh)
sh "$top/bench/milter_report.sh" "$VOUCH" "$N"
