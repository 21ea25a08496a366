#!/bin/sh
# DMARC aggregate reports, domain-owner side: vouch report read on the
# shapes real reporters send (testdata/reports/make-fixtures.py: Google's
# zip, Microsoft's namespaced .xml.gz, Yahoo's upper-case words and
# "Name <addr>" email, RFC 9990 with its namespace) and the faults it
# repairs, in files, mails, an mbox and a Maildir; JSON, CSV, text and
# HTML; --store kept once and read back; lint dmarc --reports; agreement
# with dmarc-cat and Mail::DMARC on what they can read.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

R="$top_srcdir/testdata/reports"
XSD="$top_srcdir/testdata/conformance/dmarc/dmarc-xml-0.2.xsd"
PY=${PYTHON:-python3}
rd() { "$VOUCH" report read "$@"; }

# usage and errors
expect_exit 64 "report read with neither PATH nor --store" rd
expect_exit 64 "report read --format yaml" rd --format yaml "$R/files"
expect_exit 66 "a PATH that does not exist" rd "$tmp/nothing-here"
expect_exit 65 "a folder with files that are not reports: 65" rd "$R/bad" "$R/files/yahoo.xml"
for f in notareport.txt truncated.xml emptyfeedback.xml; do
	expect_grep "^vouch: .*bad/$f: " "$tmp/err" "  one line names $f and why"
done
[ "$(wc -l < "$tmp/err")" = 3 ] && ok "  and only those three lines" ||
	not_ok "  stderr has $(wc -l < "$tmp/err") lines"
rd --format json "$R/bad" "$R/files/yahoo.xml" > "$tmp/y.json" 2>/dev/null
[ "$(wc -l < "$tmp/y.json")" = 1 ] && ok "  the good file among them is still read" ||
	not_ok "  the good file was not read"

# every fixture, as JSON: the reports, their records and counts
rd --format json "$R/files" "$R/mail" "$R/Maildir" > "$tmp/all.json" 2> "$tmp/all.err"
expect_exit 0 "the fixtures read with no error" rd --format json "$R/files" "$R/mail" "$R/Maildir"
$PY - "$tmp/all.json" > "$tmp/check.out" 2>&1 <<'EOF'
import json, sys
reps = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in reps:
    by.setdefault(r["report_id"], []).append(r)
def need(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
need(len(reps) == 15, "15 reports (9 files, 4 in the mails, 2 in the Maildir): %d" % len(reps))
want = {"0a1b2c3d4e5f60718293a4b5c6d7e8f9": 29, "4711000000000000001": 16,
        "1796083200.123456": 9, "9990a1": 14, "wrapped-1": 16, "latin1-1": 16,
        "trail1": 14, "zip-a": 14, "zip-b": 14, "mail-zip-1": 16,
        "mailgz014e5f60718293a4b5c6d7e8f9": 29, "mail-xml-1": 14}
for rid, n in want.items():
    got = [sum(x["count"] for x in r["records"]) for r in by.get(rid, [])]
    need(got and all(g == n for g in got), "report %s: %d messages in its records (%s)" % (rid, n, got))
    need(all(r["messages"] == n for r in by.get(rid, [])), "report %s: messages %d" % (rid, n))
ms = by["0a1b2c3d4e5f60718293a4b5c6d7e8f9"][0]
need(ms["schema"] == "rfc7489" and ms["org_name"] == "Outlook.com" and ms["begin"] == 1796083200
     and ms["end"] == 1796169599, "Microsoft's .xml.gz: org, period, schema rfc7489")
need(by["9990a1"][0]["schema"] == "rfc9990", "the namespaced report is rfc9990")
p = by["9990a1"][0]["policy_published"]
need(p == {"domain": "example.com", "p": "none", "sp": "none", "np": "none", "adkim": "r",
           "aspf": "r", "testing": "n", "discovery_method": "treewalk"},
     "RFC 9990 policy_published: np, testing, discovery_method: %s" % p)
y = by["1796083200.123456"][0]
words = {w for rec in y["records"] for w in (rec["policy_evaluated"]["disposition"],
         rec["policy_evaluated"]["dkim"], rec["policy_evaluated"]["spf"])}
words |= {a["result"] for rec in y["records"] for a in rec["auth_results"]["dkim"] + rec["auth_results"]["spf"]}
need(words <= {"none", "pass", "fail"}, "Yahoo's upper-case words are lower case: %s" % sorted(words))
need(y["email"] == "dmarchelp@yahooinc.com", "Yahoo's 'Name <addr>' email gives the address: %s" % y["email"])
need("\ufffd" not in by["latin1-1"][0]["org_name"] and by["latin1-1"][0]["org_name"].startswith("R"),
     "invalid UTF-8 is repaired: %r" % by["latin1-1"][0]["org_name"])
need(len(by["wrapped-1"]) == 1, "a wrapper element around <feedback> is looked through")
need(len(by["trail1"]) == 1, "bytes after the gzip member: the report is read")
need(len(by["zip-a"]) == 1 and len(by["zip-b"]) == 1, "a zip with two reports gives both")
g = by["4711000000000000001"][0]["records"][0]
need(g["source_ip"] == "192.0.2.10" and g["identifiers"]["header_from"] == "example.com"
     and g["auth_results"]["dkim"] == [{"domain": "example.com", "selector": "s1", "result": "pass"}]
     and g["auth_results"]["spf"] == [{"domain": "example.com", "scope": "mfrom", "result": "pass"}]
     and g["policy_evaluated"] == {"disposition": "none", "dkim": "pass", "spf": "pass", "reasons": []},
     "a record's keys: source_ip, count, policy_evaluated, identifiers, auth_results")
mids = sorted(r["source"].get("message_id", "") for r in reps if "mbox" in r["source"]["file"])
need(mids == ["m1@reporter.example", "m2@reporter.example", "m3@reporter.example"],
     "reports in an mbox name the file and the Message-ID: %s" % mids)
EOF
while read -r line; do
	case $line in
	ok:*) ok "${line#ok: }" ;;
	*) not_ok "${line#FAIL: }" ;;
	esac
done < "$tmp/check.out"

# the RFC 9990 fixtures are valid against the schema (so the reader is
# tested on what RFC 9990 reporters write)
if command -v xmllint > /dev/null; then
	xmllint --noout --schema "$XSD" "$R/files/rfc9990.xml" > "$tmp/xsd.out" 2>&1 &&
		ok "the RFC 9990 fixture is valid against the schema" ||
		{ not_ok "rfc9990.xml against the schema"; cat "$tmp/xsd.out"; }
else
	skip "xmllint (libxml2-utils) is not installed"
fi

# CSV: one row per record, a header; formulas defused
rd --format csv "$R/files" > "$tmp/all.csv"
n=$(($(wc -l < "$tmp/all.csv") - 1))
[ "$n" = 27 ] && ok "CSV: one row per record (27 in 9 reports)" || not_ok "CSV: $n rows, wanted 27"
expect_grep "^org_name,email,report_id,begin,end," "$tmp/all.csv" "CSV: a header row"
sed 's/<org_name>google.com/<org_name>=HYPERLINK("http:\/\/x")/' "$R/files/yahoo.xml" > "$tmp/f.xml"
rd --format csv "$tmp/f.xml" > "$tmp/f.csv"
if grep -q '^"=HYPERLINK\|^=HYPERLINK' "$tmp/f.csv"; then
	not_ok "CSV: a leading = reaches the spreadsheet"
else
	ok "CSV: a cell starting with = is defused"
fi

# text: per domain and reporter, totals and the failing sources
rd "$R/files" > "$tmp/all.txt"
expect_grep "^example.com: 142 message(s) reported by 7 receiver(s)" "$tmp/all.txt" \
	"text: the domain's total (142 messages, 7 reporters)"
expect_grep "reporter Outlook.com: 1 report(s), 29 message(s), 20 pass, 9 fail" "$tmp/all.txt" \
	"text: a line per reporter"
expect_grep "failing source 198.51.100.20: .* SPF passes for vendor.example, not aligned; no DKIM" \
	"$tmp/all.txt" "text: the vendor's cause"
expect_grep "failing source 203.0.113.30: .* nothing passes: likely forged" "$tmp/all.txt" \
	"text: the forger"

# --store: kept once (org_name + report_id), read back, --since/--until
S="sqlite:$tmp/owner.db"
rd --store "$S" --format json "$R/files" "$R/mail" > /dev/null 2> "$tmp/s1.err"
rd --store "$S" --format json "$R/mail" "$R/Maildir" > /dev/null 2> "$tmp/s2.err"
expect_grep "13 report(s) read, 12 new, 1 already kept" "$tmp/s1.err" \
	"--store keeps 12 of 13 (one mail is in the .eml and the mbox)"
expect_grep "6 report(s) read, 0 new, 6 already kept" "$tmp/s2.err" \
	"the same mailbox read again stores nothing new"
rd --store "$S" --format json > "$tmp/back.json"
[ "$(wc -l < "$tmp/back.json")" = 12 ] && ok "--store with no PATH reads the 12 back" ||
	not_ok "read back $(wc -l < "$tmp/back.json") reports"
a=$($PY -c 'import json,sys; print(sum(json.loads(l)["messages"] for l in open(sys.argv[1])))' "$tmp/back.json")
[ "$a" = 201 ] && ok "  with their counts (201 messages)" || not_ok "  read back $a messages, wanted 201"
[ "$(rd --store "$S" --format json --since 2026-12-02 | wc -l)" = 0 ] &&
	ok "--since after the period: none" || not_ok "--since selects"
[ "$(rd --store "$S" --format json --until 2026-11-30 | wc -l)" = 0 ] &&
	ok "--until before the period: none" || not_ok "--until selects"
[ "$(rd --store "$S" --format json --since 2026-12-01 --until 2026-12-01T12:00:00Z | wc -l)" = 12 ] &&
	ok "--since/--until around the period: all 12" || not_ok "--since/--until around"

# HTML: one page, inline SVG, nothing fetched
rd --format html "$R/files" > "$tmp/page.html"
expect_grep "<svg class=\"chart\"" "$tmp/page.html" "HTML: an inline SVG chart"
expect_grep "default-src 'none'" "$tmp/page.html" "HTML: its policy forbids fetches"
if grep -Eq '(src|href)="https?:' "$tmp/page.html"; then not_ok "HTML fetches something"; else
	ok "HTML: no external address"; fi
sed 's/<org_name>Yahoo/<org_name>\&lt;script\&gt;alert(1)\&lt;\/script\&gt;/' "$R/files/yahoo.xml" > "$tmp/x.xml"
rd --format html "$tmp/x.xml" > "$tmp/x.html"
if grep -q "<script>" "$tmp/x.html"; then not_ok "HTML: a reporter's markup is written raw"; else
	ok "HTML: a reporter's markup is escaped"; fi

# lint dmarc --reports: the owner's question, what would p=reject hit
L="--dns-zone $R/example.zone"
"$VOUCH" lint dmarc example.com $L --reports "$R/files" "$R/Maildir" > "$tmp/lint.txt" 2>&1
expect_grep "DMARC aggregate reports for example.com: 185 message(s)" "$tmp/lint.txt" \
	"lint --reports (two PATHs): 185 messages"
expect_grep "DMARC: 110 pass, 75 fail" "$tmp/lint.txt" "  pass and fail counts"
expect_grep "failing source 198.51.100.20: .*SPF passes for vendor.example, not aligned; no DKIM" \
	"$tmp/lint.txt" "  the vendor: SPF passes for it, not aligned, no DKIM"
expect_grep "fix: if this sender is yours, have it sign with DKIM d=example.com" "$tmp/lint.txt" \
	"  and how to fix it"
expect_grep "failing source 203.0.113.30: .*nothing passes: likely forged" "$tmp/lint.txt" \
	"  the forger: nothing passes"
"$VOUCH" lint dmarc example.com $L --format json --report-store "$S" > "$tmp/lint.json"
$PY - "$tmp/lint.json" > "$tmp/lj.out" 2>&1 <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))["reports"]
ok = (j["messages"] == 201 and j["dmarc_pass"] + j["dmarc_fail"] == 201 and j["reporters"] == 8
      and j["begin"] == 1796083200 and j["end"] == 1796169599
      and [s["source_ip"] for s in j["sources"]] == ["198.51.100.20", "203.0.113.30"]
      and j["sources"][0]["dmarc_fail"] >= j["sources"][1]["dmarc_fail"]
      and all(set(s) >= {"source_ip", "messages", "dmarc_fail", "cause"} for s in j["sources"]))
print("ok" if ok else "FAIL %s" % j)
EOF
grep -q "^ok" "$tmp/lj.out" && ok "lint --report-store --format json: the reports object" ||
	{ not_ok "lint JSON reports object"; cat "$tmp/lj.out"; }
# an ESP signing with its own domain, and a mailing list that broke the
# signature (RFC 9990 fixture, valid against the schema)
"$VOUCH" lint dmarc example.com $L --reports "$R/lint" > "$tmp/esp.txt" 2>&1
expect_grep "failing source 203.0.113.77: 12 of 12 .*DKIM d=esp-mailer.example not aligned" "$tmp/esp.txt" \
	"lint --reports: an ESP that signs with its own domain is named"
expect_grep "fix: if this sender is yours, have it sign with d=example.com" "$tmp/esp.txt" \
	"  with the fix"
expect_grep "failing source 198.51.100.99: .*DKIM d=example.com fails (forwarded or a list" "$tmp/esp.txt" \
	"lint --reports: a list that broke the signature is told apart"
if grep -q "192.0.2.10" "$tmp/esp.txt"; then not_ok "an aligned source is listed as failing"; else
	ok "the aligned source (DKIM d=mail.example.com, relaxed) is not listed"; fi
expect_exit 64 "--reports only for lint dmarc" "$VOUCH" lint spf example.com $L --reports "$R/files"

# interop: dmarc-cat (Go) on the files it can read (it wants
# receiver!domain!begin!end names and a well-formed report): the same
# records and counts
if command -v dmarc-cat > /dev/null; then
	mkdir "$tmp/dc"
	cp "$R/files/"*.zip "$R/files/"*outlook* "$tmp/dc/"
	cp "$R/files/rfc9990.xml" "$tmp/dc/r.example!example.com!1796083200!1796169599.xml"
	# dmarc-cat 0.15 sorts its IP and Count columns each on its own (Go
	# map order, so it changes from run to run): the sources and the
	# counts are compared as sets (so the totals agree too)
	for f in "$tmp/dc/"*; do
		b=${f##*/}
		(cd "$tmp/dc" && dmarc-cat -N "$b" 2>/dev/null |
			awk '/^Reports\(/ { on = 1; next } on && $1 ~ /^[0-9.:a-f]+$/ && $2 ~ /^[0-9]+$/ { print $1, $2 }') > "$tmp/dc.out"
		# dmarc-cat reads the first report of a zip
		rd --format json "$f" | head -1 | $PY -c 'import json,sys
r = json.loads(sys.stdin.read())
print("\n".join("%s %d" % (x["source_ip"], x["count"]) for x in r["records"]))' > "$tmp/dc.ours"
		theirs="$(cut -d' ' -f1 "$tmp/dc.out" | sort | tr '\n' ' ')/$(cut -d' ' -f2 "$tmp/dc.out" | sort -n | tr '\n' ' ')"
		ours="$(cut -d' ' -f1 "$tmp/dc.ours" | sort | tr '\n' ' ')/$(cut -d' ' -f2 "$tmp/dc.ours" | sort -n | tr '\n' ' ')"
		[ -s "$tmp/dc.out" ] && [ "$theirs" = "$ours" ] && ok "dmarc-cat agrees on $b: sources and counts $theirs" ||
			not_ok "dmarc-cat on $b: '$theirs', vouch: '$ours'"
	done
else
	skip "dmarc-cat (Debian dmarc-cat) is not installed"
fi

# interop: Mail::DMARC reads the report mails it can (its XPath knows no
# namespace): the same records and counts
if command -v dmarc_receive > /dev/null && command -v dmarc_view_reports > /dev/null; then
	mkdir -p "$tmp/md"
	sed "s|^dsn *=.*SQLite.*|dsn = dbi:SQLite:dbname=$tmp/md/r.sqlite|" \
		/usr/share/perl5/auto/share/dist/Mail-DMARC/mail-dmarc.ini > "$tmp/md/mail-dmarc.ini"
	(cd "$tmp/md" && dmarc_receive --file "$R/mail/report.eml" > /dev/null 2>&1
	 dmarc_receive --file "$R/Maildir/cur/1796169600.1.host:2,S" > /dev/null 2>&1
	 dmarc_view_reports > view 2>&1)
	theirs=$(awk '$1 == "|" && $2 == "--" && $3 ~ /^[0-9]+$/ { s += $3; n++ } END { print n + 0, s + 0 }' "$tmp/md/view")
	ours=$(rd --format json "$R/mail/report.eml" "$R/Maildir/cur" | $PY -c 'import json,sys
rs = [json.loads(l) for l in sys.stdin]
print(sum(len(r["records"]) for r in rs), sum(r["messages"] for r in rs))')
	[ "$theirs" = "$ours" ] && ok "Mail::DMARC agrees on the two report mails: records, messages = $ours" ||
		{ not_ok "Mail::DMARC: $theirs, vouch: $ours"; head "$tmp/md/view"; }
else
	skip "Mail::DMARC (Debian libmail-dmarc-perl) is not installed"
fi
finish
