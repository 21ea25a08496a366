#!/bin/sh
# Concurrent lookups of one name share one query on the wire: 16 messages
# from one domain, verified 16 at a time against a server that answers
# after 300 ms (bench/slow_dns.py, which counts the queries it gets).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

D=d1.bench.test
"$VOUCH" keygen -t ed25519 -d $D -s s1 -o "$tmp" > /dev/null || { not_ok "keygen"; finish; exit 1; }
sed -n 's/[^"]*"\([^"]*\)"[^"]*/\1/gp' "$tmp/s1.txt" | tr -d '\n' > "$tmp/record"
mkdir -p "$tmp/md/cur" "$tmp/md/new" "$tmp/md/tmp"
i=0
while [ $i -lt 16 ]; do
	printf 'From: user%d@%s\r\nTo: a@example.net\r\nSubject: %d\r\nMessage-ID: <%d@%s>\r\n\r\nbody %d\r\n' \
		$i $D $i $i $D $i > "$tmp/m"
	"$VOUCH" sign -d $D -s s1 -k "$tmp/s1.private" "$tmp/m" > "$tmp/md/new/$i.msg" 2> /dev/null ||
		not_ok "sign message $i"
	i=$((i + 1))
done
port=$(free_port)
"${PYTHON3:-python3}" "$top_srcdir/bench/slow_dns.py" "$port" 300 "$tmp/record" "$tmp/ready" &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$tmp"' EXIT
wait_ready "$tmp/ready" || { not_ok "the DNS server did not start"; finish; exit 1; }
"$VOUCH" verify --quiet --jobs 16 --format json --dns-server "127.0.0.1:$port" \
	--dns-timeout 5 "$tmp/md" > "$tmp/out" 2> "$tmp/err"
n=$(grep -c '"result":"pass"' "$tmp/out")
[ "$n" -ge 16 ] && ok "16 messages verified at once pass" || not_ok "only $n passes: $(head -c 300 "$tmp/out") $(cat "$tmp/err")"
kill -USR1 $srv
i=0
while [ ! -s "$tmp/ready.count" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
q=$(cat "$tmp/ready.count")
# the key, _dmarc.d1.bench.test and _dmarc.bench.test: once each (16 each
# when every thread asks on its own)
[ "$q" -le 4 ] && ok "16 concurrent verdicts made $q queries" ||
	not_ok "16 concurrent verdicts made $q queries (want at most 4)"
finish
