#!/bin/sh
# DMARC aggregate reports, receiver side, through the command: vouch verify
# --report-store records, vouch report send writes RFC 9990 reports (valid
# against the schema, with the counts recorded), once; destinations outside
# the policy domain only when they agreed; the mail path read back by
# Mail::DMARC and the files by dmarc-cat, independent readers from Debian.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

Z="--dns-zone $ZONES/reports.zone"
XSD="$top_srcdir/testdata/conformance/dmarc/dmarc-xml-0.2.xsd"
cp "$top_srcdir/testdata/keys/ed.private" "$tmp/ed.private"
chmod 600 "$tmp/ed.private"
for d in rpt ext unv wild multi norua plain; do
	printf 'From: a@%s.example\r\nTo: b@example.net\r\nSubject: r\r\n\r\nbody\r\n' $d > "$tmp/$d.raw"
	"$VOUCH" sign -d $d.example -s ed -k "$tmp/ed.private" "$tmp/$d.raw" > "$tmp/$d.eml" || exit 1
done
S="$tmp/store.db"
until=@$(( $(date +%s) + 86400 ))
send() { "$VOUCH" report send $Z --store "$S" --org-name "Test Org" \
	--email dmarc@receiver.example --until "$until" "$@"; }

# usage
expect_exit 64 "--report-store without --ip is a usage error" \
	"$VOUCH" verify $Z --report-store "$S" "$tmp/rpt.eml"
expect_exit 64 "report send without --store" \
	"$VOUCH" report send --org-name x --email a@b.example --dir "$tmp"
expect_exit 64 "report send --period week" send --period week --dir "$tmp"
expect_exit 64 "report send --until junk" send --until yesterday --dir "$tmp"
expect_exit 69 "a store that cannot be opened" \
	"$VOUCH" report send --store "sqlite:$tmp/no/such/dir/x.db" \
	--org-name x --email a@b.example --dir "$tmp"
expect_grep "unable to open\|no such\|cannot" "$tmp/err" "  ... says why"
expect_exit 73 "--dir that is not a folder" send --dir "$tmp/rpt.eml"

# record: two clients, and four processes at once on SQLite
"$VOUCH" verify $Z --ip 192.0.2.1 --mail-from b@rpt.example --rcpt-to x@example.net \
	--report-store "sqlite:$S" "$tmp"/rpt.eml "$tmp"/ext.eml "$tmp"/unv.eml \
	"$tmp"/wild.eml "$tmp"/multi.eml "$tmp"/norua.eml "$tmp"/plain.eml > /dev/null
mkdir -p "$tmp/md/cur" "$tmp/md/new" "$tmp/md/tmp"
i=0
while [ $i -lt 25 ]; do cp "$tmp/rpt.eml" "$tmp/md/cur/$i:2,"; i=$((i + 1)); done
for p in 1 2 3 4; do
	"$VOUCH" verify $Z --ip 198.51.100.$p --mail-from b@evil.example --jobs 3 \
		--quiet --report-store "$S" "$tmp/md" > /dev/null 2> "$tmp/w$p.err" &
done
wait
cat "$tmp"/w*.err

# dry run: says, changes nothing
mkdir -p "$tmp/rep"
send --dir "$tmp/rep" --dry-run > "$tmp/dry" 2> "$tmp/dry.err"
expect_grep "^would send rpt.example: .* 5 record(s), 101 message(s)" "$tmp/dry" \
	"--dry-run: rpt.example, 5 records (1 + 4 clients), 101 messages"
[ -z "$(ls "$tmp/rep")" ] && ok "--dry-run writes nothing" || not_ok "--dry-run wrote files"

# send into a folder
expect_exit 0 "report send --dir" send --dir "$tmp/rep"
cp "$tmp/err" "$tmp/send.err"
expect_grep "unv.example: agg@reports.example refused" "$tmp/send.err" \
	"an unverified external destination is refused, and said"
n=$(ls "$tmp/rep" | wc -l)
[ "$n" = 4 ] && ok "4 files: rpt, ext (verified), wild (wildcard), multi" ||
	not_ok "$n files in --dir: $(ls "$tmp/rep")"
for d in rpt ext wild multi; do
	ls "$tmp/rep" | grep -Eq "^receiver\.example!$d\.example![0-9]+![0-9]+![a-z0-9]+\.xml\.gz$" &&
		ok "$d.example: receiver!domain!begin!end!id.xml.gz" || not_ok "$d.example file name"
done
ls "$tmp/rep" | grep -q "unv\.example\|norua\.example\|plain\.example" &&
	not_ok "a report for a refused, rua-less or unrecorded domain" ||
	ok "no report for unv (refused), norua (no rua=), plain (no DMARC)"
total=0
for f in "$tmp"/rep/*; do
	gzip -dc "$f" > "$tmp/r.xml"
	if xmllint --noout --schema "$XSD" "$tmp/r.xml" 2> "$tmp/xsd.err"; then
		ok "valid against the RFC 9990 schema: ${f##*/}"
	else
		not_ok "schema: ${f##*/}"; sed 's/^/  | /' "$tmp/xsd.err" | head -5
	fi
	c=$(xmllint --xpath 'sum(//*[local-name()="count"])' "$tmp/r.xml")
	total=$((total + c))
done
[ "$total" = 104 ] && ok "the counts add up to the 104 messages recorded with a rua=" ||
	not_ok "counts add up to $total, wanted 104"
# the round trip: what was recorded and sent, report read reads back
"$VOUCH" report read --format json "$tmp/rep" > "$tmp/rt.json"
rt=$(python3 -c 'import json,sys
rs = [json.loads(l) for l in open(sys.argv[1])]
print(len(rs), sum(r["messages"] for r in rs), sum(x["count"] for r in rs for x in r["records"]),
      sorted(r["schema"] for r in rs)[0], sorted(r["policy_published"]["domain"] for r in rs))' "$tmp/rt.json")
[ "$rt" = "4 104 104 rfc9990 ['ext.example', 'multi.example', 'rpt.example', 'wild.example']" ] &&
	ok "round trip: report read reads the 4 sent reports, 104 messages" ||
	not_ok "round trip: report read gives $rt"
gzip -dc "$tmp"/rep/*rpt.example* > "$tmp/rpt.xml"
xmllint --xpath '//*[local-name()="record"][.//*[local-name()="source_ip"]="192.0.2.1"]' "$tmp/rpt.xml" > "$tmp/rec1" 2>/dev/null
for piece in "<count>1</count>" "<dkim>pass</dkim>" "<spf>pass</spf>" \
	"<envelope_to>example.net</envelope_to>" "<selector>ed</selector>" "<scope>mfrom</scope>"; do
	expect_grep "$piece" "$tmp/rec1" "rpt.example record for 192.0.2.1 has $piece"
done
expect_grep "<sp>quarantine</sp>" "$tmp/rpt.xml" "policy_published carries sp="
expect_grep "<fo>1</fo>" "$tmp/rpt.xml" "policy_published carries fo="
expect_grep "<discovery_method>treewalk</discovery_method>" "$tmp/rpt.xml" "and the discovery method"

# again: nothing new
expect_exit 0 "a second send" send --dir "$tmp/rep"
expect_grep "^0 report(s)" "$tmp/out" "a second send sends nothing"
n=$(ls "$tmp/rep" | wc -l)
[ "$n" = 4 ] && ok "and writes no file" || not_ok "second send: $n files"

# by mail, with a sendmail that fails (75) for one address half way
S2="$tmp/store2.db"
"$VOUCH" verify $Z --ip 192.0.2.1 --mail-from b@rpt.example --quiet \
	--report-store "$S2" "$tmp"/rpt.eml "$tmp"/ext.eml "$tmp"/multi.eml > /dev/null
"$VOUCH" verify $Z --ip 198.51.100.7 --mail-from b@evil.example --quiet \
	--report-store "$S2" "$tmp"/rpt.eml "$tmp"/rpt.eml > /dev/null
mkdir -p "$tmp/mail"
cat > "$tmp/sendmail" <<EOF
#!/bin/sh
m=\$(cat)
case "\$m" in *"To: b@reports.example"*) [ -e "$tmp/fixed" ] || exit 75;; esac
n=\$(ls "$tmp/mail" | wc -l)
printf '%s\n' "\$m" > "$tmp/mail/msg.\$n"
EOF
chmod +x "$tmp/sendmail"
S=$S2
expect_exit 75 "a sendmail that fails for one destination: exit 75" \
	send --sendmail "$tmp/sendmail" --schema 7489
[ "$(ls "$tmp/mail" | wc -l)" = 3 ] && ok "the three others were mailed" ||
	not_ok "mailed: $(ls "$tmp/mail" | wc -l)"
touch "$tmp/fixed"
expect_exit 0 "the next run" send --sendmail "$tmp/sendmail" --schema 7489
expect_grep "^sent multi.example: .* to b@reports.example" "$tmp/out" \
	"sends exactly the failed report"
expect_grep "^1 report(s)" "$tmp/out" "  ... and only that one"
expect_grep "^Subject: Report Domain: rpt.example Submitter: receiver.example Report-ID: <[a-z0-9]*>" \
	"$tmp/mail/msg.2" "Subject: Report Domain: D Submitter: S Report-ID: <ID>"
expect_grep '^Content-Type: application/gzip; name="receiver.example!' "$tmp/mail/msg.0" \
	"the report is an application/gzip attachment with the file's name"

# interop: Mail::DMARC reads the mails (RFC 7489 format: its XPath knows
# no namespace), dmarc-cat the RFC 9990 files; the same totals
if command -v dmarc_receive > /dev/null && command -v dmarc_view_reports > /dev/null; then
	mkdir -p "$tmp/mdmarc"
	sed "s|^dsn *=.*SQLite.*|dsn = dbi:SQLite:dbname=$tmp/mdmarc/r.sqlite|" \
		/usr/share/perl5/auto/share/dist/Mail-DMARC/mail-dmarc.ini > "$tmp/mdmarc/mail-dmarc.ini"
	(cd "$tmp/mdmarc" && for m in "$tmp"/mail/msg.*; do
		dmarc_receive --file "$m" > /dev/null 2>&1; done
	 dmarc_view_reports > "$tmp/mdmarc/view" 2>&1)
	got=$(awk '$1 == "|" && $2 == "--" && $3 ~ /^[0-9]+$/ { s += $3; n++ } END { print n + 0, s + 0 }' "$tmp/mdmarc/view")
	# 4 reports: rpt (2 records, 3 messages), ext (1), multi twice (1 each)
	[ "$got" = "5 6" ] && ok "Mail::DMARC reads the 4 mailed reports: 5 records, 6 messages" ||
		{ not_ok "Mail::DMARC: records, messages = $got, wanted 5 6"; sed 's/^/  | /' "$tmp/mdmarc/view" | head; }
else
	skip "Mail::DMARC (Debian libmail-dmarc-perl) is not installed"
fi
if command -v dmarc-cat > /dev/null; then
	sum=0
	for f in "$tmp"/rep/*; do
		c=$(cd "$tmp/rep" && dmarc-cat -N "${f##*/}" 2>/dev/null |
			awk '/^Reports\(/ { on = 1; next } on && $1 ~ /^[0-9.:a-f]+$/ && $2 ~ /^[0-9]+$/ { s += $2 } END { print s + 0 }')
		sum=$((sum + c))
	done
	[ "$sum" = 104 ] && ok "dmarc-cat reads the 4 files: 104 messages, as recorded" ||
		not_ok "dmarc-cat: $sum messages, wanted 104"
else
	skip "dmarc-cat (Debian dmarc-cat) is not installed"
fi
finish
