#!/bin/sh
# vouch report read against the readers Debian ships, on the same files in
# one run, and its memory on a big mailbox:
#  1. an mbox of report mails (gzip'd RFC 7489 reports of 100 records
#     attached in base64, as receivers send them) of SIZE_MB (default
#     1024): reports per second and peak RSS (goal: under 64 MB);
#  2. Mail::DMARC reading and storing 50 of those mails (its API in one
#     process: dmarc_receive --mbox fails in Debian 12) against vouch
#     report read --store on the same files: reports per second, vouch / it
#     (goal: >= 10x);
#  3. dmarc-cat -N (Go, 2 jobs) on 40 .xml.gz files of 2,000 records each,
#     one process per file for both (dmarc-cat reads one file a run):
#     seconds, dmarc-cat / vouch (goal: > 1x).
# usage: bench/report_read.sh [SIZE_MB]   (VOUCH=path/to/vouch)
set -eu
size=${1:-1024}
VOUCH=${VOUCH:-./vouch}
# a build tree's ./vouch is libtool's wrapper script (0.25 s a start):
# the binary itself, so each run measures vouch
if [ -x "$(dirname "$VOUCH")/.libs/vouch" ] && head -c 2 "$VOUCH" | grep -q '#!'; then
	d=$(cd "$(dirname "$VOUCH")" && pwd)
	export LD_LIBRARY_PATH="$d/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
	VOUCH="$d/.libs/vouch"
fi
tmp=$(mktemp -d)
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
python3 - "$tmp" "$size" <<'EOF'
import base64, gzip, os, random, sys
tmp, size = sys.argv[1], int(sys.argv[2]) << 20
rnd = random.Random(4711)
def report(rid, nrec):
    # addresses, counts and signing domains vary as in real reports (so
    # they compress as real ones do, about 60 bytes a record)
    recs = []
    for i in range(nrec):
        ok = rnd.random() < 0.75
        recs.append(
            "<record><row><source_ip>198.51.%d.%d</source_ip><count>%d</count>"
            "<policy_evaluated><disposition>none</disposition><dkim>%s</dkim><spf>pass</spf>"
            "</policy_evaluated></row><identifiers><header_from>example.com</header_from>"
            "</identifiers><auth_results><dkim><domain>%s</domain><selector>s1</selector>"
            "<result>%s</result></dkim><spf><domain>example.com</domain><scope>mfrom</scope>"
            "<result>pass</result></spf></auth_results></record>"
            % (rnd.randrange(256), rnd.randrange(256), rnd.randrange(1, 500), "pass" if ok else "fail",
               "example.com" if ok else "d%d.example" % rnd.randrange(10000), "pass" if ok else "fail"))
    return ('<?xml version="1.0" encoding="UTF-8"?><feedback><report_metadata>'
            "<org_name>bench.example</org_name><email>dmarc@bench.example</email>"
            "<report_id>%s</report_id><date_range><begin>1796083200</begin>"
            "<end>1796169599</end></date_range></report_metadata><policy_published>"
            "<domain>example.com</domain><adkim>r</adkim><aspf>r</aspf><p>none</p>"
            "<pct>100</pct></policy_published>%s</feedback>\n" % (rid, "".join(recs))).encode()
def mail(i, data):
    return (b"From bench@bench.example Tue Dec  1 04:00:00 2026\n"
            b"From: bench@bench.example\nTo: dmarc@example.com\n"
            b"Subject: Report Domain: example.com Submitter: bench.example Report-ID: <r%d>\n"
            b"Message-ID: <r%d@bench.example>\nMIME-Version: 1.0\n"
            b"Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\n"
            b"Content-Type: text/plain\n\nreport\n--b\n"
            b"Content-Type: application/gzip; name=\"r.xml.gz\"\n"
            b"Content-Transfer-Encoding: base64\n\n" % (i, i)
            + base64.encodebytes(gzip.compress(data, mtime=0)) + b"--b--\n\n")
# 64 distinct mails, repeated to the size
mails = [mail(i, report("r%d" % i, 100)) for i in range(64)]
n = 0
with open(os.path.join(tmp, "big.mbox"), "wb") as big, open(os.path.join(tmp, "small.mbox"), "wb") as small:
    total = 0
    while total < size:
        m = mails[n % 64]
        big.write(m)
        if n < 200:
            small.write(m)
        total += len(m)
        n += 1
open(os.path.join(tmp, "count"), "w").write(str(n))
os.makedirs(os.path.join(tmp, "files"))
for i in range(40):
    with open(os.path.join(tmp, "files", "bench.example!example.com!1796083200!1796169599!%d.xml.gz" % i), "wb") as f:
        f.write(gzip.compress(report("f%d" % i, 2000), mtime=0))
EOF
n=$(cat "$tmp/count")
mb=$(( $(stat -c %s "$tmp/big.mbox") >> 20 ))
/usr/bin/time -f "%e %M" -o "$tmp/t" "$VOUCH" report read --format json "$tmp/big.mbox" > "$tmp/out.json"
read -r secs kb < "$tmp/t"
got=$(wc -l < "$tmp/out.json")
[ "$got" = "$n" ] || echo "report read: $got reports for $n mails"
vrate=$(echo "$n / $secs" | bc -l)
printf '%-34s %10.0f %10s %7.1f   (reports/s; %s MB mbox, %d reports in %.1f s, RSS %d MB) [goal RSS < 64 MB: %s]\n' \
	"report read, big mbox" "$vrate" "-" "$((kb / 1024))" "$mb" "$n" "$secs" "$((kb / 1024))" \
	"$([ "$kb" -lt 65536 ] && echo ok || echo MISS)"
if perl -MMail::DMARC::Report::Receive -e 1 2> /dev/null; then
	# Mail::DMARC reads a mail and stores its report (its dmarc_receive
	# --mbox fails in Debian 12's 1.20211209, so its API, in one process,
	# over 50 mail files); vouch the same files into a store
	mkdir "$tmp/md" "$tmp/m50"
	awk -v d="$tmp/m50" '/^From bench@/ { n++; if (n > 50) exit; f = sprintf("%s/%04d.eml", d, n); next } { print > f }' "$tmp/small.mbox"
	sed "s|^dsn *=.*SQLite.*|dsn = dbi:SQLite:dbname=$tmp/md/r.sqlite|" \
		/usr/share/perl5/auto/share/dist/Mail-DMARC/mail-dmarc.ini > "$tmp/md/mail-dmarc.ini"
	start=$(date +%s.%N)
	(cd "$tmp/md" && perl -MMail::DMARC::Report::Receive -e \
		'my $r = Mail::DMARC::Report::Receive->new; $r->from_file($_) for @ARGV' \
		"$tmp"/m50/*.eml > /dev/null 2>&1) || true
	msecs=$(echo "$(date +%s.%N) - $start" | bc -l)
	mrec=$(cd "$tmp/md" && perl -MDBI -e 'my $d = DBI->connect("dbi:SQLite:dbname=r.sqlite");
		print $d->selectrow_array("SELECT count(*) FROM report_record")' 2>/dev/null || echo '?')
	start=$(date +%s.%N)
	"$VOUCH" report read --quiet --format json --store "sqlite:$tmp/v.db" "$tmp/m50" > /dev/null
	vsecs=$(echo "$(date +%s.%N) - $start" | bc -l)
	printf '%-34s %10.0f %10.1f %7.1fx  (reports/s, 50 report mails read and stored; Mail::DMARC stored %s records)\n' \
		"report read vs Mail::DMARC" "$(echo "50 / $vsecs" | bc -l)" \
		"$(echo "50 / $msecs" | bc -l)" "$(echo "$msecs / $vsecs" | bc -l)" "$mrec"
else
	echo "report read vs Mail::DMARC: SKIP (apt-get install libmail-dmarc-perl)"
fi
if command -v dmarc-cat > /dev/null; then
	start=$(date +%s.%N)
	for f in "$tmp"/files/*; do (cd "$tmp/files" && dmarc-cat -N "${f##*/}" > /dev/null 2>&1); done
	dsecs=$(echo "$(date +%s.%N) - $start" | bc -l)
	start=$(date +%s.%N)
	for f in "$tmp"/files/*; do "$VOUCH" report read --format json "$f" > /dev/null; done
	vsecs=$(echo "$(date +%s.%N) - $start" | bc -l)
	start=$(date +%s.%N)
	"$VOUCH" report read --format json "$tmp/files" > /dev/null
	osecs=$(echo "$(date +%s.%N) - $start" | bc -l)
	printf '%-34s %10.2f %10.2f %7.1fx  (s for 40 files of 2,000 records, a process each; vouch in one process: %.2f s)\n' \
		"report read vs dmarc-cat -N" "$vsecs" "$dsecs" "$(echo "$dsecs / $vsecs" | bc -l)" "$osecs"
else
	echo "report read vs dmarc-cat: SKIP (apt-get install dmarc-cat)"
fi
