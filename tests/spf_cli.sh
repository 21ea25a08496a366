#!/bin/sh
# vouch spf end to end: formats, exit codes, limits, hostile records.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

Z="--dns-zone $ZONES/spf.example.zone --dns-fail slow.spf.example=timeout"
D="--dns-zone $ZONES/example.com.zone --dns-zone $ZONES/example.net.zone"

# name  ip  result  (mechanism or problem piece)
while read -r name ip want piece; do
	"$VOUCH" spf --ip "$ip" --mail-from "user@$name.spf.example" $Z --format json > "$tmp/out" 2>"$tmp/err"
	if grep -q "\"result\":\"$want\"" "$tmp/out" && grep -q -- "$piece" "$tmp/out"; then
		ok "$name $ip: $want"
	else
		not_ok "$name $ip: wanted $want with '$piece'"; sed 's/^/  | /' "$tmp/out" "$tmp/err"
	fi
done <<'EOT'
ip4 192.0.2.55 pass "mechanism":"ip4:192.0.2.0/24"
ip4 198.51.100.1 fail "mechanism":"-all"
ip6 2001:db8::1 pass ip6:2001:db8::/32
ip6 ::ffff:192.0.2.1 fail -all
a 192.0.2.10 pass "mechanism":"a"
a 2001:db8::10 pass "mechanism":"a"
a-cidr 192.0.2.99 pass a:a.spf.example/24
mx 198.51.100.25 pass "mechanism":"mx"
ptr 203.0.113.9 pass "mechanism":"ptr"
ptr 203.0.113.10 fail -all
exists 203.0.113.9 pass exists:
exists 203.0.113.8 fail -all
include 192.0.2.1 pass include:ip4.spf.example
include 10.1.1.1 softfail ~all
redirect 192.0.2.1 pass ip4:192.0.2.0/24
redirect 10.1.1.1 fail -all
softfail 10.0.0.1 softfail ~all
neutral 10.0.0.1 neutral ?all
exp 192.0.2.5 fail "explanation":"192.0.2.5 is not one of exp.spf.example's designated mail servers."
two 10.0.0.1 permerror more than one
syntax 192.0.2.1 permerror bogus:term
loop 10.0.0.1 permerror DNS lookups
void 10.0.0.1 permerror void
many 10.9.9.9 permerror more than 10 DNS lookups
nonascii 10.0.0.1 permerror invalid term
nul 192.0.2.1 permerror invalid term
timeout 10.0.0.1 temperror slow.spf.example
nosuch 10.0.0.1 none "mechanism":null
EOT
"$VOUCH" spf --ip 127.0.0.1 --mail-from john@macro-l.spf.example $Z > "$tmp/out"
expect_grep '^pass$' "$tmp/out" "macro %{l1r+-} picks the local part"
"$VOUCH" spf --ip 10.9.9.9 --mail-from "user@many.spf.example" $Z --max-lookups 20 --format json > "$tmp/out"
expect_grep '"result":"pass","identity":"mailfrom"' "$tmp/out" "--max-lookups raises the limit"
expect_grep '"dns_lookups":11' "$tmp/out" "lookups counted"
"$VOUCH" spf --ip 10.0.0.1 --mail-from "user@void.spf.example" $Z --max-void 5 --format json > "$tmp/out"
expect_grep '"void_lookups":3' "$tmp/out" "void lookups counted"

# identities
expect_exit 0 "HELO identity" "$VOUCH" spf --ip 192.0.2.77 --helo helo.spf.example $Z --format json
expect_grep '"identity":"helo"' "$tmp/out" "identity helo"
expect_exit 0 "empty MAIL FROM uses postmaster@HELO" "$VOUCH" spf --ip 192.0.2.77 --mail-from '' --helo helo.spf.example $Z --format received-spf
expect_grep 'postmaster@helo.spf.example' "$tmp/out" "postmaster@HELO"

# the four formats and exit codes, on the bundled demo zone
expect_exit 0 "text pass exits 0" "$VOUCH" spf --ip 192.0.2.1 --mail-from user@example.com $D
expect_grep '^pass$' "$tmp/out" "text first line is the result"
expect_grep '^matched: ip4:192.0.2.0/24$' "$tmp/out" "text: the term that matched"
expect_grep '^domain: example.com$' "$tmp/out" "text: the domain"
expect_grep '^lookups: [0-9]* DNS, [0-9]* void$' "$tmp/out" "text: lookup counts"
expect_exit 0 "json" "$VOUCH" spf --ip 192.0.2.1 --mail-from user@example.com $D --format json
keys=$(/usr/bin/python3 -c 'import json,sys; print(",".join(json.load(sys.stdin).keys()))' < "$tmp/out")
[ "$keys" = "result,identity,domain,mechanism,explanation,dns_lookups,void_lookups,problem" ] && ok "json has exactly the keys" || not_ok "json keys: $keys"
expect_exit 0 "received-spf" "$VOUCH" spf --ip 192.0.2.1 --mail-from user@example.com --helo mx.example.com --receiver mx.test $D --format received-spf
expect_grep_unfolded '^Received-SPF: pass (mx.test: domain of user@example.com designates 192.0.2.1 as permitted sender) client-ip=192.0.2.1; envelope-from="user@example.com"; helo=mx.example.com; receiver=mx.test; identity=mailfrom; mechanism="ip4:192.0.2.0/24"$' "$tmp/out" "Received-SPF fields"
expect_exit 0 "ar" "$VOUCH" spf --ip 192.0.2.1 --mail-from user@example.com $D --format ar --authserv-id mx.test
expect_grep_unfolded '^Authentication-Results: mx.test; spf=pass smtp.mailfrom=user@example.com$' "$tmp/out" "AR spf"
expect_exit 1 "fail exits 1" "$VOUCH" spf --ip 198.51.100.7 --mail-from user@example.com $D
expect_exit 1 "permerror exits 1" "$VOUCH" spf --ip 10.0.0.1 --mail-from user@two.spf.example $Z
expect_exit 75 "temperror exits 75" "$VOUCH" spf --ip 10.0.0.1 --mail-from user@timeout.spf.example $Z
expect_exit 64 "invalid --ip is usage" "$VOUCH" spf --ip 300.1.1.1 --mail-from user@example.com $D
expect_grep 'not an IPv4 or IPv6 address' "$tmp/err" "says what is wrong with --ip"
expect_exit 64 "missing --ip" "$VOUCH" spf --mail-from user@example.com $D
expect_exit 64 "bad --format" "$VOUCH" spf --ip 192.0.2.1 --mail-from u@example.com --format yaml $D
# IDN identities are checked at their A-label (RFC 8616 3)
printf 'xn--bcher-kva.example. 300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"\n' > "$tmp/idn.zone"
expect_exit 0 "IDN MAIL FROM: the A-label's record applies" "$VOUCH" spf --ip 192.0.2.1 --mail-from 'ceo@bücher.example' --dns-zone "$tmp/idn.zone"
expect_grep '^domain: xn--bcher-kva.example$' "$tmp/out" "IDN MAIL FROM: shown as the A-label"
expect_exit 1 "IDN HELO: a spoof from outside fails" "$VOUCH" spf --ip 198.51.100.1 --helo 'bücher.example' --mail-from '' --dns-zone "$tmp/idn.zone"
finish
