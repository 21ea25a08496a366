#!/bin/sh
# The report store on a real PostgreSQL: a private cluster (initdb, pg_ctl
# on a unix socket in a temporary folder; as the postgres user when run as
# root), the store suite (tests/check_report) against it, then several
# vouch processes recording at once with exact counts, and report send.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
	echo "SKIP: no PostgreSQL server (Debian: apt-get install postgresql)"
	exit 77
fi
if ! "$VOUCH" report send --store postgresql:///x?host=/nonexistent \
	--org-name x --email a@b.example --dir "$tmp" 2>&1 | grep -q "connect"; then
	echo "SKIP: vouch was built without libpq"
	exit 77
fi

pg="$tmp/pg"
mkdir -p "$pg"
as_pg() { "$@"; }
if [ "$(id -u)" = 0 ]; then
	chown postgres "$tmp" "$pg"
	chmod 755 "$tmp"
	as_pg() { runuser -u postgres -- "$@"; }
fi
port=$(free_port)
as_pg "$pgbin/initdb" -D "$pg/data" -A trust -U vouch > "$tmp/initdb.log" 2>&1 ||
	{ cat "$tmp/initdb.log"; not_ok "initdb"; finish; exit 1; }
as_pg "$pgbin/pg_ctl" -D "$pg/data" -l "$pg/log" -w -o "-k $pg -p $port -c listen_addresses=''" start > /dev/null ||
	{ cat "$pg/log"; not_ok "pg_ctl start"; finish; exit 1; }
trap 'as_pg "$pgbin/pg_ctl" -D "$pg/data" -m immediate stop > /dev/null 2>&1; rm -rf "$tmp"' EXIT
uri="postgresql:///postgres?host=$pg&port=$port&user=vouch"
ok "a private PostgreSQL on $pg, port $port"

# the store's own suite, on PostgreSQL
if [ -x "$top_builddir/tests/check_report" ]; then
	if VOUCH_TEST_STORE="$uri" "$top_builddir/tests/check_report" > "$tmp/check.log" 2>&1; then
		ok "the store suite passes on PostgreSQL ($(grep -o 'Checks: [0-9]*' "$tmp/check.log"))"
	else
		not_ok "the store suite on PostgreSQL"; sed 's/^/  | /' "$tmp/check.log"
	fi
fi

# four processes of 4 jobs each record 50 messages at once (on a store
# the suite above left empty)
psql "$uri" -qc "DELETE FROM vouch_rows; DELETE FROM vouch_sent" > /dev/null
Z="--dns-zone $ZONES/reports.zone"
cp "$top_srcdir/testdata/keys/ed.private" "$tmp/ed.private"
chmod 600 "$tmp/ed.private"
printf 'From: a@rpt.example\r\nTo: b@example.net\r\nSubject: r\r\n\r\nbody\r\n' > "$tmp/m.raw"
"$VOUCH" sign -d rpt.example -s ed -k "$tmp/ed.private" "$tmp/m.raw" > "$tmp/m.eml"
mkdir -p "$tmp/md/cur" "$tmp/md/new" "$tmp/md/tmp"
i=0
while [ $i -lt 50 ]; do cp "$tmp/m.eml" "$tmp/md/cur/$i:2,"; i=$((i + 1)); done
for p in 1 2 3 4; do
	"$VOUCH" verify $Z --ip "192.0.2.$p" --mail-from "b@rpt.example" --jobs 4 \
		--quiet --report-store "$uri" "$tmp/md" > /dev/null 2> "$tmp/w$p.err" &
done
wait
n=$(psql "$uri" -tAc "SELECT count(*) FROM vouch_rows")
if [ "$n" = 200 ]; then ok "4 processes x 50 messages: 200 rows"; else
	not_ok "concurrent writers: $n rows, wanted 200"; cat "$tmp"/w*.err; fi

mkdir -p "$tmp/out"
until=@$(( $(date +%s) + 86400 ))
"$VOUCH" report send $Z --store "$uri" --org-name "PG Test" \
	--email dmarc@receiver.example --dir "$tmp/out" --until "$until" > "$tmp/send.out" 2>&1
expect_grep "1 report(s), 4 record(s), 200 message(s)" "$tmp/send.out" \
	"report send from PostgreSQL: one report, 4 records, 200 messages"
"$VOUCH" report send $Z --store "$uri" --org-name "PG Test" \
	--email dmarc@receiver.example --dir "$tmp/out" --until "$until" > "$tmp/send2.out" 2>&1
expect_grep "^0 report(s)" "$tmp/send2.out" "a second send sends nothing"

# the domain owner's side on the same PostgreSQL: reports read are kept
# once, and read back
R="$top_srcdir/testdata/reports"
"$VOUCH" report read --store "$uri" --format json "$R/files" "$R/mail" > /dev/null 2> "$tmp/rr1.err"
"$VOUCH" report read --store "$uri" --format json "$R/mail" "$R/Maildir" > /dev/null 2> "$tmp/rr2.err"
expect_grep "13 report(s) read, 12 new, 1 already kept" "$tmp/rr1.err" \
	"report read --store on PostgreSQL: 13 read (one mail twice), 12 kept"
expect_grep "6 report(s) read, 0 new, 6 already kept" "$tmp/rr2.err" \
	"the same mails again (and a Maildir of them): nothing new"
n=$("$VOUCH" report read --store "$uri" --format json | wc -l)
[ "$n" = 12 ] && ok "the 12 reports read back from PostgreSQL" || not_ok "read back: $n reports"
finish
