#!/bin/sh
# The vouch command itself: help, version, dispatch, usage errors, vouch dns.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

expect_exit 0 "--help" "$VOUCH" --help
cp "$tmp/out" "$tmp/help"
for c in sign verify spf lint keygen dns; do
	expect_grep "^  $c " "$tmp/help" "--help lists $c"
	expect_exit 0 "vouch help $c" "$VOUCH" help $c
	expect_grep "^usage: vouch $c" "$tmp/out" "help $c shows usage"
	expect_exit 0 "vouch $c --help" "$VOUCH" $c --help
	expect_grep "^usage: vouch $c" "$tmp/out" "$c --help shows usage"
done
expect_exit 0 "--version" "$VOUCH" --version
expect_grep '^vouch [0-9]' "$tmp/out" "version printed"
expect_exit 64 "no command" "$VOUCH"
expect_exit 64 "unknown command" "$VOUCH" frobnicate
expect_grep '^vouch: frobnicate: no such command' "$tmp/err" "one-line error names the input"
expect_exit 64 "unknown option" "$VOUCH" spf --bogus
expect_exit 64 "help for an unknown command" "$VOUCH" help frobnicate

Z="--dns-zone $ZONES/example.com.zone --dns-zone $ZONES/example.net.zone"
expect_exit 0 "dns TXT from a zone" "$VOUCH" dns TXT example.com $Z
expect_grep '^"v=spf1 ip4:192.0.2.0/24 include:_spf.example.net mx -all"$' "$tmp/out" "joined TXT printed"
expect_exit 0 "dns TXT joins character-strings" "$VOUCH" dns TXT split.example.com $Z
expect_grep '^"v=spf1 ip4:198.51.100.0/24 -all"$' "$tmp/out" "strings joined with nothing between"
expect_exit 0 "dns A through a CNAME" "$VOUCH" dns A www.example.com $Z
expect_grep '^192.0.2.10$' "$tmp/out" "CNAME followed"
expect_exit 0 "dns MX" "$VOUCH" dns MX example.com $Z
expect_grep '^10 mail.example.com$' "$tmp/out" "MX printed"
# PTR of an address builds the reverse name (as dig -x)
expect_exit 0 "dns PTR ADDRESS" "$VOUCH" dns PTR 203.0.113.9 --dns-zone "$ZONES/spf.example.zone"
expect_grep '^host.ptr.spf.example$' "$tmp/out" "dns PTR 203.0.113.9 finds 9.113.0.203.in-addr.arpa"
"$VOUCH" --help > "$tmp/h"
grep -q -- '--dns-zone' "$tmp/h" && grep -q 'man -l doc/vouch.1' "$tmp/h" && ok "vouch --help: offline use and man -l" || not_ok "vouch --help"
# owner names with escapes compare in wire form (RFC 1035 5.1)
printf '$ORIGIN example.com.\nmacro\\037percent\\032\\032space 300 IN A 192.0.2.9\n' > "$tmp/esc.zone"
expect_exit 0 "escaped owner answers the raw name" "$VOUCH" dns A 'macro%percent  space.example.com' --dns-zone "$tmp/esc.zone"
expect_grep '^192.0.2.9$' "$tmp/out" "escaped owner: the address"
expect_exit 0 "escaped owner answers the escaped name" "$VOUCH" dns A 'MACRO\037percent\032\032space.example.com.' --dns-zone "$tmp/esc.zone"
expect_exit 0 "dns AAAA" "$VOUCH" dns AAAA mail.example.com $Z
expect_grep '^2001:db8::25$' "$tmp/out" "AAAA printed"
expect_exit 1 "NXDOMAIN exits 1" "$VOUCH" dns TXT nope.example.com $Z
expect_exit 1 "no data exits 1" "$VOUCH" dns TXT mail.example.com $Z
expect_exit 75 "injected timeout exits 75" "$VOUCH" dns TXT example.com $Z --dns-fail example.com/TXT=timeout
expect_exit 75 "injected servfail exits 75" "$VOUCH" dns A example.com $Z --dns-fail example.com=servfail
expect_exit 0 "fault on another type leaves TXT alone" "$VOUCH" dns TXT example.com $Z --dns-fail example.com/A=timeout
expect_exit 64 "bad --dns-fail" "$VOUCH" dns TXT example.com $Z --dns-fail example.com=maybe
expect_exit 64 "bad type" "$VOUCH" dns SRV example.com $Z
expect_exit 66 "missing zone file" "$VOUCH" dns TXT example.com --dns-zone /nonexistent.zone
expect_grep 'nonexistent.zone' "$tmp/err" "names the missing file"
printf 'bad.test. IN A 1.2.3.4.5\n' > "$tmp/bad.zone"
expect_exit 65 "bad zone file" "$VOUCH" dns TXT example.com --dns-zone "$tmp/bad.zone"
expect_grep 'line 1' "$tmp/err" "names the line"
expect_exit 64 "bad --dns-server" "$VOUCH" dns TXT example.com --dns-server 'not an address'
expect_exit 64 "bad --dns-timeout" "$VOUCH" dns TXT example.com --dns-timeout -3
finish
