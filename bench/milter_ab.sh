# Sourced by the milter A/B benchmarks (milter_report.sh, milter_arc.sh):
# two vouch milters verifying the same signed 4 KB message from an outside
# address (DKIM, SPF, DMARC p=reject all pass, answers from a zone file),
# driven by bench/milter_client (4 connections), in alternation ROUNDS
# times each; the best round of each counts, and each process's CPU.
#   ab_setup                 zone, key, message, client (needs VOUCH, tmp)
#   ab_start PORT [LINE...]  a verifying milter with extra lines; its pid
#   ab_rounds PORT_A PORT_B PID_A PID_B N ROUNDS
#       sets best_a, best_b (msgs/s) and ta, tb (CPU ticks)
ab_setup() {
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
}
ab_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ab_start() {
	p=$1; shift
	{
		echo "socket = inet:$p@127.0.0.1"
		echo "authserv-id = mx.vouch.test"
		echo "dns-zone = $tmp/milter.zone"
		echo "dmarc-reject = yes"
		echo "log = stderr"
		for l in "$@"; do echo "$l"; done
	} > "$tmp/$p.conf"
	"$VOUCH" milter -f -c "$tmp/$p.conf" > "$tmp/$p.log" 2>&1 &
	echo $!
}
ab_run() { MILTER_CLIENT_ADDR=192.0.2.7 "$tmp/milter_client" 127.0.0.1:$1 "$tmp/signed.eml" "$2" 4; }
ab_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }	# CPU, user + system
ab_one() {	# ab_one PORT N: msgs/s, or nothing when a message was refused
	set -- $(ab_run "$1" "$2")
	[ "$5" = 0 ] && echo "$3" || echo "milter_ab: refused: $*" >&2
}
ab_rounds() {
	pa=$1; pb=$2; ida=$3; idb=$4; n=$5; rounds=$6
	sleep 1
	ab_run "$pa" 100 > /dev/null; ab_run "$pb" 100 > /dev/null
	best_a=0; best_b=0
	ta0=$(ab_ticks "$ida"); tb0=$(ab_ticks "$idb")
	i=0
	while [ $i -lt "$rounds" ]; do
		# alternate which goes first (the machine warms and cools)
		if [ $((i % 2)) = 0 ]; then
			a=$(ab_one "$pa" "$n"); b=$(ab_one "$pb" "$n")
		else
			b=$(ab_one "$pb" "$n"); a=$(ab_one "$pa" "$n")
		fi
		[ -n "$a" ] && [ -n "$b" ] || exit 1
		[ "$(echo "$a > $best_a" | bc -l)" = 1 ] && best_a=$a
		[ "$(echo "$b > $best_b" | bc -l)" = 1 ] && best_b=$b
		i=$((i + 1))
	done
	ta=$(( $(ab_ticks "$ida") - ta0 )); tb=$(( $(ab_ticks "$idb") - tb0 ))
}
