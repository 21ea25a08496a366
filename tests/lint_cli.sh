#!/bin/sh
# vouch lint end to end: each fixture zone in testdata/lint reports exactly
# its expected findings, once each; record and domain modes; exit codes.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

L="$top_srcdir/testdata/lint"
P="--dns-zone $L/providers.zone"
PY=/usr/bin/python3
rules() {
	$PY -c 'import json,sys
d = json.load(sys.stdin)
for f in d["findings"]: print(f["rule"], f["name"])' < "$1"
}

for z in "$L"/*.expect; do
	name=$(basename "$z" .expect)
	origin=""
	[ "$name" = rules ] && origin="--origin rules.example"
	"$VOUCH" lint zone "$L/$name.zone" $P $origin --format json > "$tmp/out" 2> "$tmp/err"
	rc=$?
	[ $rc = 1 ] && ok "$name.zone: exit 1" || not_ok "$name.zone: exit $rc"
	rules "$tmp/out" | sort > "$tmp/got"
	sort "$z" > "$tmp/want"
	if cmp -s "$tmp/got" "$tmp/want"; then
		ok "$name.zone: exactly the $(wc -l < "$z") expected findings"
	else
		not_ok "$name.zone findings differ (< want, > got)"; diff "$tmp/want" "$tmp/got" | sed 's/^/  | /'
	fi
done
expect_exit 0 "clean zone exits 0" "$VOUCH" lint zone "$L/clean.zone" $P
expect_grep '^0 errors, 0 warnings, 0 infos' "$tmp/out" "clean zone has no findings"
"$VOUCH" lint zone "$L/clean.zone" $P --format json > "$tmp/out"
expect_grep '"findings":\[\]' "$tmp/out" "clean zone JSON has no findings"
expect_grep '"spf":{"dns_lookups":5,"void_lookups":0}' "$tmp/out" "origin SPF counts in JSON"
keys=$($PY -c 'import json,sys; d=json.load(sys.stdin); print(",".join(d), ",".join(d["summary"]))' < "$tmp/out")
[ "$keys" = "findings,summary,spf errors,warnings,infos" ] && ok "JSON keys" || not_ok "JSON keys: $keys"

# text format: SEVERITY RULE-ID NAME: message (RFC)
"$VOUCH" lint zone "$L/planted.zone" $P > "$tmp/out"
expect_grep '^error spf-plus-all open.planted.example: .* (RFC 7208 5.1)$' "$tmp/out" "text line format"
expect_grep '^7 errors, 5 warnings, 0 infos' "$tmp/out" "text summary"

# spf by domain and by record, --tree
expect_exit 1 "spf over 10 lookups" "$VOUCH" lint spf planted.example --dns-zone "$L/planted.zone" $P --tree
expect_grep 'spf-too-many-lookups' "$tmp/out" "lookups rule"
expect_grep '^  include:_spf.google.com (4 lookups)$' "$tmp/out" "tree shows each branch's cost"
expect_grep '^    include:_netblocks.google.com (1 lookup)$' "$tmp/out" "tree nests includes"
expect_exit 0 "a good record" "$VOUCH" lint spf --record 'v=spf1 ip4:192.0.2.0/24 include:_spf.google.com -all' --domain x.example $P
expect_exit 1 "spf-no-record" "$VOUCH" lint spf nothing.example $P
expect_grep 'spf-no-record' "$tmp/out" "spf-no-record"
long="v=spf1"; i=1; while [ $i -le 30 ]; do long="$long ip4:198.51.100.$i"; i=$((i+1)); done
expect_exit 0 "long record is warnings only" "$VOUCH" lint spf --record "$long -all" --domain x.example $P
expect_grep 'spf-string-too-long' "$tmp/out" "string over 255 bytes"
expect_grep 'spf-record-too-long' "$tmp/out" "record over 450 bytes"
expect_exit 75 "a lookup that times out is exit 75" "$VOUCH" lint spf --record 'v=spf1 include:_spf.google.com -all' --domain x.example $P --dns-fail _spf.google.com=timeout

# dkim
"$VOUCH" keygen -d x.example -s k1 -o "$tmp" >/dev/null
"$VOUCH" keygen -d x.example -s k2 -t ed25519 -o "$tmp" >/dev/null
{ echo '$ORIGIN x.example.'; cat "$tmp/k1.txt" "$tmp/k2.txt"; } > "$tmp/k.zone"
expect_exit 0 "dkim key matches" "$VOUCH" lint dkim k1 x.example --dns-zone "$tmp/k.zone" --key "$tmp/k1.private"
expect_exit 1 "dkim key mismatch" "$VOUCH" lint dkim k1 x.example --dns-zone "$tmp/k.zone" --key "$tmp/k2.private"
expect_grep 'dkim-key-mismatch' "$tmp/out" "dkim-key-mismatch"
expect_exit 1 "dkim-no-record" "$VOUCH" lint dkim k9 x.example --dns-zone "$tmp/k.zone"
expect_grep 'dkim-no-record' "$tmp/out" "dkim-no-record"
expect_exit 0 "dkim --record" "$VOUCH" lint dkim --record "$("$VOUCH" dns TXT k2._domainkey.x.example --dns-zone "$tmp/k.zone" | tr -d '"')"
expect_exit 0 "dkim long --record warns" "$VOUCH" lint dkim --record "$("$VOUCH" dns TXT k1._domainkey.x.example --dns-zone "$tmp/k.zone" | tr -d '"')"
expect_grep 'dkim-string-too-long' "$tmp/out" "dkim string over 255"

# dmarc
expect_exit 0 "dmarc good" "$VOUCH" lint dmarc --record 'v=DMARC1; p=reject; rua=mailto:d@x.example' --domain x.example
expect_exit 1 "dmarc-no-record" "$VOUCH" lint dmarc x.example --dns-zone "$tmp/k.zone"
expect_grep 'dmarc-no-record' "$tmp/out" "dmarc-no-record"
expect_exit 1 "dmarc report to another domain" "$VOUCH" lint dmarc --record 'v=DMARC1; p=none; rua=mailto:a@reports.example,mailto:b@unauth.example' --domain x.example $P
expect_grep 'dmarc-report-unauthorized _dmarc.x.example: reports to unauth.example' "$tmp/out" "names the unauthorized destination"
if grep -q 'reports to reports.example' "$tmp/out"; then not_ok "authorized destination flagged"; else ok "authorized destination passes"; fi

# usage
# the linted zone replaces, not adds to, a snapshot of the same names
L="$top_srcdir/testdata/lint"
expect_exit 0 "lint zone Z --dns-zone Z: no duplicate records" "$VOUCH" lint zone \
	"$L/clean.zone" --dns-zone "$L/clean.zone" --dns-zone "$L/providers.zone"
grep -q multiple "$tmp/out" && not_ok "zone counted twice" || ok "zone not counted twice"
# a subdomain without its own DMARC record: the parent's applies (RFC 9989)
expect_exit 0 "lint dmarc of a subdomain uses the parent's record" "$VOUCH" lint dmarc sub.dmarc.example --dns-zone "$ZONES/dmarc.zone"
expect_grep 'dmarc-inherited.*_dmarc.dmarc.example (sp=quarantine' "$tmp/out" "says which record applies and from where"
expect_exit 1 "no record anywhere is an error" "$VOUCH" lint dmarc nodmarc.example --dns-zone "$ZONES/dmarc.zone"
expect_grep 'dmarc-no-record' "$tmp/out" "dmarc-no-record"
# report authorization by organizational domain (psd=y makes org.psd.example
# and other.psd.example two organizations, whatever their last labels say)
expect_exit 1 "reports to another organization under a PSD need authorization" "$VOUCH" lint dmarc \
	--record 'v=DMARC1; p=reject; rua=mailto:d@other.psd.example' --domain org.psd.example --dns-zone "$ZONES/dmarc.zone"
expect_grep 'dmarc-report-unauthorized' "$tmp/out" "unauthorized report address found"
expect_exit 0 "reports inside the organization need none" "$VOUCH" lint dmarc \
	--record 'v=DMARC1; p=reject; rua=mailto:d@sub.dmarc.example' --domain dmarc.example --dns-zone "$ZONES/dmarc.zone"
# a zone file without an origin: refuse, or take the SOA's absolute owner
printf '$TTL 300\n@ IN SOA ns h 1 2 3 4 5\n@ IN TXT "v=spf1 -all"\n' > "$tmp/noorg.zone"
expect_exit 64 "lint zone: relative names and no origin is 64" "$VOUCH" lint zone "$tmp/noorg.zone"
expect_grep 'no origin' "$tmp/err" "says the origin is missing"
expect_exit 0 "lint zone: --origin gives it" "$VOUCH" lint zone "$tmp/noorg.zone" --origin example.org --dns-zone "$tmp/noorg.zone"
printf '$TTL 300\nexample.org. IN SOA ns h 1 2 3 4 5\n@ IN TXT "v=spf1 -all"\n' > "$tmp/soa.zone"
expect_exit 0 "lint zone: the SOA's absolute owner is the origin" "$VOUCH" lint zone "$tmp/soa.zone" --dns-zone "$tmp/soa.zone"
# opendkim-genkey's .txt: relative owner, --dns-origin
printf 'odk._domainkey IN TXT ( "v=DKIM1; k=rsa; p=" )\n' > "$tmp/odk.txt"
expect_exit 1 "relative names without --dns-origin are not found" "$VOUCH" dns TXT odk._domainkey.example.org --dns-zone "$tmp/odk.txt"
expect_grep 'give --dns-origin' "$tmp/err" "and vouch warns about them"
expect_exit 0 "--dns-origin makes them absolute" "$VOUCH" dns TXT odk._domainkey.example.org --dns-zone "$tmp/odk.txt" --dns-origin example.org
# DKIM and DMARC delegated by CNAME are followed and linted
L="$top_srcdir/testdata/lint"
expect_exit 1 "lint zone follows CNAMEs" "$VOUCH" lint zone "$L/cname.zone" --dns-zone "$L/cname-provider.zone"
expect_grep '^warning dkim-rsa-weak s1._domainkey.cn.example' "$tmp/out" "the key behind s1's CNAME is linted"
expect_grep '^error dkim-cname-dangling s2._domainkey.cn.example: CNAME to nowhere' "$tmp/out" "a CNAME to nowhere is an error"
expect_grep '^error dmarc-bad-policy _dmarc.cn.example: p=rejct' "$tmp/out" "the policy behind _dmarc's CNAME is linted"
grep -q dmarc-missing "$tmp/out" && not_ok "a CNAME'd _dmarc counted as missing" || ok "a CNAME'd _dmarc is not missing"
# a clean run says what it checked
expect_exit 0 "clean zone: what was checked" "$VOUCH" lint zone "$L/clean.zone" --dns-zone "$L/providers.zone"
expect_grep '^4 records checked: SPF mail.clean.example, SPF clean.example, DMARC clean.example, DKIM sel2026$' "$tmp/out" "names every record checked"
# findings a DNS admin expects
expect_exit 0 "host bits in ip4: info" "$VOUCH" lint spf --record 'v=spf1 ip4:192.0.2.1/24 a mx -all include:foo.example' --domain example.com --dns-zone "$ZONES/example.com.zone" --tree
expect_grep "spf-cidr-host-bits.*the range is really 192.0.2.0/24" "$tmp/out" "says what the range really is"
expect_grep "SPF: 2 DNS lookups" "$tmp/out" "a lookup after 'all' is not counted"
expect_grep '^  a (1 lookup)$' "$tmp/out" "--tree shows a"
expect_grep '^  mx (1 lookup)$' "$tmp/out" "--tree shows mx"
expect_exit 0 "p=none without rua" "$VOUCH" lint dmarc --record 'v=DMARC1; p=none' --domain example.com
expect_grep 'dmarc-none-without-rua' "$tmp/out" "monitoring without reports is a warning"
# clear messages for two common mistakes
expect_exit 1 "v=DMARC1 without ';'" "$VOUCH" lint dmarc --record 'v=DMARC1 p=reject' --domain example.org
expect_grep "missing ';' after v=DMARC1" "$tmp/out" "says the ';' is missing"
[ "$(grep -c '^error' "$tmp/out")" = 1 ] && ok "one mistake, one finding" || not_ok "findings: $(cat "$tmp/out")"
python3 -c "print('\$ORIGIN example.org.\ns1._domainkey IN TXT \"v=DKIM1; k=rsa; p=' + 'A'*300 + '\"')" > "$tmp/long.zone"
expect_exit 65 "a TXT string over 255 bytes" "$VOUCH" lint zone "$tmp/long.zone"
expect_grep 'line 2: a TXT string is longer than 255 bytes; split it' "$tmp/err" "says where and how to split it"
expect_exit 64 "lint without a kind" "$VOUCH" lint
expect_exit 64 "lint spf without domain" "$VOUCH" lint spf
expect_exit 66 "missing zone file" "$VOUCH" lint zone /nonexistent.zone
expect_exit 78 "unreadable --key" "$VOUCH" lint dkim k1 x.example --dns-zone "$tmp/k.zone" --key /nonexistent.key
# what a DNS admin hits pasting records (testdata/lint/pasted.zone)
P="$top_srcdir/testdata/lint/pasted.zone"
expect_exit 1 "lint zone: pasted mistakes are errors" "$VOUCH" lint zone "$P" --dns-zone "$top_srcdir/testdata/lint/providers.zone"
expect_grep 'error txt-unquoted pasted.example: .*pasted.zone:9: this SPF record is split into 3 strings without spaces (it is not quoted): receivers read "v=spf1include:sendgrid.net-all"; quote it: "v=spf1 include:sendgrid.net -all"' "$tmp/out" \
	"an unquoted SPF record: what receivers read, and the quoted form"
expect_grep "error txt-unquoted _dmarc.pasted.example: .*:11: this DMARC record is not quoted, and a ';' outside quotes starts a comment" "$tmp/out" \
	"an unquoted DMARC record: the ';' starts a comment"
expect_grep 'warning zone-target-no-dot em123.pasted.example: CNAME target u123.wl.sendgrid.net.pasted.example is under this zone (missing trailing dot?)' "$tmp/out" \
	"a CNAME target without its final dot"
expect_grep 'warning zone-target-no-dot pasted.example: MX target mx1.mailhost.com.pasted.example' "$tmp/out" \
	"an MX target without its final dot"
expect_grep 'error dkim-bad-key s1._domainkey.pasted.example: .*the usual cause: the key was truncated, or split badly' "$tmp/out" \
	"a truncated DKIM key: the usual cause said"
expect_grep 'info dmarc-monitoring _dmarc.sub.pasted.example: p=none: monitoring only.*Next: .*p=quarantine, then p=reject' "$tmp/out" \
	"p=none with rua=: monitoring only, and what comes next"
expect_grep 'info dmarc-ruf-rarely-sent' "$tmp/out" "ruf= is rarely honoured"
expect_grep '^    in: "v=DMARC1; p=none; rua=mailto:d@sub.pasted.example; ruf=' "$tmp/out" "each finding quotes its record"
grep -q 'in: "v=spf1 -all"' "$tmp/out" && not_ok "a record quoted for the wrong finding" || ok "no record quoted where none applies"
expect_exit 0 "json: findings carry the record" sh -c "\"$VOUCH\" lint zone '$P' --dns-zone '$top_srcdir/testdata/lint/providers.zone' --format json | $PY -c 'import json,sys; d=json.load(sys.stdin); r=[f[\"record\"] for f in d[\"findings\"] if f[\"rule\"]==\"dkim-bad-key\"]; sys.exit(0 if r and r[0].startswith(\"v=DKIM1; k=rsa; p=MIIB\") else 1)'"
expect_exit 65 "lint zone refuses a quote left open (as nsd-checkzone does)" "$VOUCH" lint zone "$top_srcdir/testdata/lint/open-quote.zone"
expect_grep 'open-quote.zone:6: a quoted string is not closed on its line' "$tmp/err" "it names the file and line"
finish
