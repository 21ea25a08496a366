#!/bin/sh
# The live resolver against a real authoritative server (NSD) on 127.0.0.1,
# and against a server that never answers.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

NSD=${NSD:-$(command -v nsd || echo /usr/sbin/nsd)}
if [ ! -x "$NSD" ]; then
	echo "SKIP: nsd is not installed (apt-get install nsd); live DNS not tested"
	exit 77
fi
port=$(free_port)
# a resolver that says a provider's SPF name does not exist (a filtering
# or broken one): NSD serving an empty google.com
printf '$ORIGIN google.com.\n@ 300 IN SOA ns hostmaster 1 3600 600 86400 300\n@ 300 IN NS ns\nns 300 IN A 127.0.0.1\n' > "$tmp/google.zone"
sh "$top_srcdir/tests/nsd_start.sh" "$tmp/nsd" "$port" \
	"$ZONES/live.test.zone:live.test" "$tmp/google.zone:google.com" || { echo "FAIL: nsd did not start"; exit 1; }
trap 'kill $(cat "$tmp/nsd/nsd.pid" 2>/dev/null) 2>/dev/null; rm -rf "$tmp"' EXIT
i=0
until "$VOUCH" dns TXT live.test --dns-server "127.0.0.1:$port" --dns-timeout 1 >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -gt 50 ] && { echo "FAIL: nsd does not answer"; cat "$tmp/nsd/nsd.log"; exit 1; }
	sleep 0.1
done
S="--dns-server 127.0.0.1:$port --dns-timeout 2"

expect_exit 0 "live TXT answer" "$VOUCH" dns TXT live.test $S
expect_grep '"v=spf1 ip4:192.0.2.0/24 -all"' "$tmp/out" "live TXT text"
expect_exit 0 "3000-byte TXT over TCP fallback" "$VOUCH" dns TXT big.live.test $S
len=$(python3 -c 'import sys; print(len(sys.stdin.read().strip().strip("\"")))' < "$tmp/out")
[ "$len" = 3000 ] && ok "3000-byte TXT joined ($len bytes)" || not_ok "3000-byte TXT joined (got $len)"
expect_exit 0 "CNAME followed" "$VOUCH" dns TXT alias.live.test $S
expect_grep 'v=spf1' "$tmp/out" "CNAME target's TXT"
expect_exit 1 "NXDOMAIN is exit 1" "$VOUCH" dns TXT nope.live.test $S
expect_grep 'NXDOMAIN' "$tmp/err" "NXDOMAIN said"
expect_exit 1 "no data is exit 1" "$VOUCH" dns AAAA live.test $S
expect_grep 'no record of this type' "$tmp/err" "no data said"
expect_exit 0 "MX live" "$VOUCH" dns MX mx.live.test $S
expect_grep '^5 ns.live.test$' "$tmp/out" "MX preference and name"
expect_exit 0 "SPF over live DNS" "$VOUCH" spf --ip 192.0.2.7 --mail-from a@live.test $S
expect_exit 75 "REFUSED for a zone it does not serve is temporary" "$VOUCH" dns TXT example.org $S
# lint through a resolver that answers NXDOMAIN for a provider's SPF name
"$VOUCH" lint spf --record 'v=spf1 include:_spf.google.com -all' --domain live.test $S > "$tmp/lint.txt" 2>&1
expect_grep 'resolver-suspect _spf.google.com: the resolver says _spf.google.com has no SPF record' "$tmp/lint.txt" \
	"lint: NXDOMAIN for a well-known provider blames the resolver, not the zone"

# DNS snapshots: verify an archive live while the keys exist, recording
# every answer; replay it later, offline, with the server gone
cp "$top_srcdir/testdata/keys/ed.private" "$tmp/ed.private"; chmod 600 "$tmp/ed.private"
for y in 2019 2021 2024; do
	printf 'From: a@live.test\r\nSubject: %s\r\nDate: Mon, 4 Mar %s 10:00:00 +0000\r\n\r\nyear %s\r\n' $y $y $y > "$tmp/m.eml"
	echo "From a@live.test Mon Mar  4 10:00:00 $y"
	"$VOUCH" sign -d live.test -s ed -k "$tmp/ed.private" "$tmp/m.eml"
	echo
done > "$tmp/archive.mbox"
# and one whose key was already withdrawn: an NXDOMAIN to keep
printf 'From: a@live.test\r\nSubject: gone\r\n\r\nx\r\n' > "$tmp/m.eml"
{ echo "From a@live.test Mon Mar  4 10:00:00 2018"
  "$VOUCH" sign -d live.test -s gone -k "$tmp/ed.private" "$tmp/m.eml"; echo; } >> "$tmp/archive.mbox"
"$VOUCH" verify $S --ip 192.0.2.7 --mail-from a@live.test --format json \
    --dns-record "$tmp/snapshot.zone" "$tmp/archive.mbox" > "$tmp/live.json"
grep -c '"dkim":\[{[^]]*"result":"pass"' "$tmp/live.json" | grep -q '^3$' && ok "archive verified live: 3 passes" || not_ok "live archive: $(cut -c1-200 "$tmp/live.json")"
grep -q '^ed._domainkey.live.test. [0-9]* IN TXT' "$tmp/snapshot.zone" && ok "the key is in the snapshot" || not_ok "snapshot key: $(cat "$tmp/snapshot.zone")"
grep -q '^; gone._domainkey.live.test TXT: NXDOMAIN' "$tmp/snapshot.zone" && ok "a negative answer is in the snapshot" || not_ok "negative answers: $(cat "$tmp/snapshot.zone")"
grep -q 'temporary failure, not recorded' "$tmp/snapshot.zone" && ok "a temporary failure is a comment, not an answer" || not_ok "temporary failure comment"
kill $(cat "$tmp/nsd/nsd.pid") 2>/dev/null
sleep 0.2
"$VOUCH" verify --dns-zone "$tmp/snapshot.zone" --ip 192.0.2.7 --mail-from a@live.test --format json \
    "$tmp/archive.mbox" > "$tmp/replay.json"
cmp -s "$tmp/live.json" "$tmp/replay.json" && ok "replayed offline with the server gone: identical JSON" ||
	{ not_ok "replay differs"; diff "$tmp/live.json" "$tmp/replay.json" | head -5; }

# A server that takes queries and never answers.
bport=$(free_port)
python3 -c '
import socket, sys, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", int(sys.argv[1])))
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", int(sys.argv[1]))); t.listen(8)
open(sys.argv[2], "w").close()
time.sleep(30)' "$bport" "$tmp/hole.ready" &
hole=$!
# query only once it listens: a closed port is not a silent server
wait_ready "$tmp/hole.ready" || not_ok "the silent server did not start"
start=$(date +%s)
expect_exit 75 "silent server gives exit 75" "$VOUCH" dns TXT live.test --dns-server "127.0.0.1:$bport" --dns-timeout 1 --dns-tries 1
took=$(( $(date +%s) - start ))
[ "$took" -le 3 ] && ok "timeout honoured (${took}s for a 1s timeout)" || not_ok "timeout took ${took}s"
kill $hole 2>/dev/null
finish
