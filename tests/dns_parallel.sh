#!/bin/sh
# One message's lookups made together (vouch_auth_ctx_set_parallel, the
# default with live DNS) give the same verdict and ask the same queries as
# made one after another: two signatures, SPF with mx and two includes,
# DMARC found by the tree walk, from a server that answers after 20 ms
# (bench/slow_dns.py).  The latency is printed, not asserted (bench/).
. "$(dirname "$0")/lib.sh"
BL="$top_builddir/tests/bench_latency"
[ -x "$BL" ] || { echo "SKIP: tests/bench_latency not built"; exit 77; }
"$BL" setup "$tmp" || { not_ok "setup"; finish; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 "$top_srcdir/bench/slow_dns.py" "$port" 20 "$tmp/extra.txt" "$tmp/ready" "$tmp/extra.txt" &
dns=$!
trap 'kill $dns 2>/dev/null; rm -rf "$tmp"' EXIT
wait_ready "$tmp/ready" || { not_ok "the DNS server starts"; finish; exit 1; }
expect_exit 0 "together and one after another: the same verdict, 3 rounds" \
	"$BL" run "$port" "$tmp" 3
cat "$tmp/out"
expect_grep "dkim=pass dkim=pass spf=pass dmarc=pass policy=lat.test" "$tmp/out" \
	"  both signatures, SPF through the second include, DMARC by the tree walk"
q=$(sed -n 's/.*; \([0-9]*\) and \([0-9]*\) queries;.*/\1 \2/p' "$tmp/out")
set -- $q
[ -n "${1:-}" ] && [ "$1" = "$2" ] && ok "  the same queries upstream ($1 and $2)" ||
	not_ok "  queries: '$q'"
finish
