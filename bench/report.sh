#!/bin/sh
# vouch report send over a large store: ROWS recorded messages (default
# 1,000,000) for DOMAINS policy domains (default 10,000), all in one ended
# day, every domain with its own rua=; reports go to a folder.  Prints the
# wall time and the peak RSS of the send (goal: under 60 s and 64 MB on the
# 2-core machine; RSS must not grow with the rows).
# usage: bench/report.sh [ROWS] [DOMAINS]   (VOUCH=path/to/vouch)
set -eu
rows=${1:-1000000}
doms=${2:-10000}
VOUCH=${VOUCH:-./vouch}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v sqlite3 > /dev/null || { echo "bench/report.sh: needs sqlite3"; exit 1; }
# the schema as vouch makes it: a store opened once by a dry run
"$VOUCH" report send --store "$tmp/st.db" --org-name B --email b@r.example \
	--dir "$tmp" --dry-run > /dev/null
day=$(( $(date +%s) / 86400 * 86400 - 2 * 86400 ))
start=$(date +%s.%N)
sqlite3 "$tmp/st.db" > /dev/null <<SQL
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $rows - 1)
INSERT INTO vouch_rows (t, source_ip, header_from, envelope_from, envelope_to,
  policy_domain, p, sp, np, adkim, aspf, testing, fo, rua, discovery,
  disposition, dkim, spf, reasons, auth_dkim, auth_spf, pct)
SELECT $day + (i * 7) % 86400, '192.0.2.' || (i % 50),
  'd' || (i % $doms) || '.example', 'd' || (i % $doms) || '.example', 'rcpt.example',
  'd' || (i % $doms) || '.example', 'reject', '', '', 'r', 'r', 'n', '',
  'mailto:dmarc@d' || (i % $doms) || '.example', 'treewalk',
  CASE WHEN i % 5 = 0 THEN 'reject' ELSE 'none' END,
  CASE WHEN i % 5 = 0 THEN 'fail' ELSE 'pass' END, 'pass', '',
  'd' || (i % $doms) || '.example' || char(9) || 's1' || char(9) ||
    CASE WHEN i % 5 = 0 THEN 'fail' ELSE 'pass' END,
  'd' || (i % $doms) || '.example' || char(9) || 'mfrom' || char(9) || 'pass', '100'
FROM n;
SQL
fill=$(echo "$(date +%s.%N) - $start" | bc)
echo "store: $rows rows, $doms policy domains, filled in ${fill}s ($(du -m "$tmp/st.db" | cut -f1) MB)"
mkdir "$tmp/out"
/usr/bin/time -f "%e %M" -o "$tmp/time" "$VOUCH" report send --store "$tmp/st.db" \
	--org-name Bench --email dmarc@receiver.example --dir "$tmp/out" --quiet --expire 0
read -r secs kb < "$tmp/time"
n=$(ls "$tmp/out" | wc -l)
echo "report send: $n reports in ${secs}s, peak RSS $((kb / 1024)) MB [goal < 60 s: $(echo "$secs < 60" | bc | sed 's/1/ok/;s/0/MISS/')] [goal RSS < 64 MB: $([ $kb -lt 65536 ] && echo ok || echo MISS)]"
