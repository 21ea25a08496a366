#!/bin/sh
# vouch report read --format html in a real browser: headless Chromium
# (Debian chromium) opens the page; it must load with no console error
# and no network request, and the rendered page must hold the daily chart,
# the failing sources and the reporters.  The checker is shown to see a
# request and a console error on a page that has them.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
	echo "SKIP: no Chromium (Debian: apt-get install chromium)"
	exit 77
fi
R="$top_srcdir/testdata/reports"
check() { python3 "$top_srcdir/tests/html_check.py" "$CHROMIUM" "$@"; }

# five days of reports from two reporters, one with markup in its name
for d in 0 1 2 3 4; do
	b=$((1796083200 + d * 86400))
	sed -e "s/<begin>1796083200</<begin>$b</" -e "s/<end>1796169599</<end>$((b + 86399))</" \
		-e "s/<report_id>9990a1</<report_id>day$d</" "$R/files/rfc9990.xml" > "$tmp/day$d.xml"
done
sed -e 's/<org_name>Yahoo</<org_name>\&lt;img src="http:\/\/192.0.2.9\/t.png"\&gt;</' \
	"$R/files/yahoo.xml" > "$tmp/hostile.xml"
"$VOUCH" report read --format html "$tmp"/day*.xml "$tmp/hostile.xml" "$R/files" > "$tmp/page.html"

# (once more if the browser did not answer in time on a loaded machine)
for try in 1 2; do check "$tmp/page.html" \
	'document.querySelectorAll("svg.chart g.day").length' \
	'document.querySelectorAll("svg.chart rect").length' \
	'document.querySelectorAll("table.sources tbody tr").length' \
	'document.querySelectorAll("table.reporters tbody tr").length' \
	'document.querySelector("h2").textContent' \
	'document.querySelector("table.sources").innerText.indexOf("likely forged") >= 0' \
	> "$tmp/r.json" 2> "$tmp/r.err" && break
	[ $try = 2 ] && { not_ok "the checker failed"; cat "$tmp/r.err"; finish; exit 1; }
done
python3 - "$tmp/r.json" > "$tmp/r.out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
v = r["values"]
def say(c, what):
    print(("ok: " if c else "FAIL: ") + what)
say(r["loaded"], "Chromium loads the page")
say(r["requests"] == [], "no network request: %s" % r["requests"])
say(r["errors"] == [], "no console error: %s" % r["errors"])
say(v['document.querySelectorAll("svg.chart g.day").length'] == 5,
    "the chart has a bar per day (5 days): %s" % v['document.querySelectorAll("svg.chart g.day").length'])
say(v['document.querySelectorAll("svg.chart rect").length'] == 10, "pass and fail in each bar")
say(v['document.querySelectorAll("table.sources tbody tr").length'] == 2, "the two failing sources are in the table")
say(v['document.querySelectorAll("table.reporters tbody tr").length'] == 8,
    "the reporters table: %s rows" % v['document.querySelectorAll("table.reporters tbody tr").length'])
say(v['document.querySelector("h2").textContent'] == "example.com", "the domain heads its section")
say(v['document.querySelector("table.sources").innerText.indexOf("likely forged") >= 0'] is True,
    "the cause is in the rendered table")
PY
while read -r line; do
	case $line in ok:*) ok "${line#ok: }" ;; *) not_ok "${line#FAIL: }" ;; esac
done < "$tmp/r.out"

# the checker sees what it must: a page with a fetch and a console error
printf '<!DOCTYPE html><html><body><img src="http://192.0.2.1/x.png"><script>console.error("boom")</script></body></html>\n' > "$tmp/bad.html"
check "$tmp/bad.html" 'document.title' > "$tmp/bad.json" 2>&1 ||
	check "$tmp/bad.html" 'document.title' > "$tmp/bad.json" 2>&1
grep -q '"requests": \["http://192.0.2.1/x.png"\]' "$tmp/bad.json" &&
	ok "control: the checker sees a page's request" || { not_ok "control: request not seen"; cat "$tmp/bad.json"; }
grep -q 'console.error: boom' "$tmp/bad.json" &&
	ok "control: the checker sees a console error" || not_ok "control: console error not seen"
finish
