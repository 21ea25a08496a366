#!/bin/sh
# Help and manual agree: every long option a command's --help shows is in
# vouch(1), and every option vouch(1) names is one some command takes.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

man="$top_srcdir/doc/vouch.1"
for c in dns spf sign keygen verify lint seal milter; do
	"$VOUCH" $c --help 2>&1 | grep -o -- '--[a-z][a-z0-9-]*' | sort -u > "$tmp/help_$c"
	[ -s "$tmp/help_$c" ] || { not_ok "$c --help names no option"; continue; }
	missing=$(grep -o 'Fl -[a-z][a-z0-9-]*' "$man" | sed 's/^Fl /-/' | sort -u |
		comm -23 "$tmp/help_$c" -)
	[ -z "$missing" ] && ok "vouch $c: every option of --help is in vouch(1)" ||
		not_ok "vouch $c: not in vouch(1): $(echo $missing)"
done
cat "$tmp"/help_* | sort -u > "$tmp/help_all"
extra=$(grep -o 'Fl -[a-z][a-z0-9-]*' "$man" | sed 's/^Fl /-/' | sort -u |
	grep -v -- '^--help$' | comm -23 - "$tmp/help_all")
[ -z "$extra" ] && ok "vouch(1) names no option that no command takes" ||
	not_ok "in vouch(1) but in no --help: $(echo $extra)"
# --help and the parser agree: every long option in a command's getopt
# table (its source) is in its --help, and every one --help shows is taken
dnsopts=$(grep -o '{ "[a-z][a-z0-9-]*", [a-z]*_argument' "$top_srcdir/common/tool.h" | cut -d'"' -f2)
for c in dns spf sign keygen verify lint seal milter; do
	src="$top_srcdir/cli/cmd_$c.c"
	[ $c = milter ] && src="$top_srcdir/milter/milter_cmd.c"
	{ grep -o '{ "[a-z][a-z0-9-]*", [a-z]*_argument' "$src" | cut -d'"' -f2
	  grep -q CLI_DNS_LONGOPTS "$src" && echo "$dnsopts"; } | sed 's/^/--/' | sort -u > "$tmp/table_$c"
	[ -s "$tmp/table_$c" ] || { not_ok "$c: no getopt table in $src"; continue; }
	undoc=$(comm -23 "$tmp/table_$c" "$tmp/help_$c" | grep -v -- '^--help$')
	[ -z "$undoc" ] && ok "vouch $c: every option it parses is in --help" ||
		not_ok "vouch $c: parsed but not in --help: $(echo $undoc)"
	unparsed=$(comm -13 "$tmp/table_$c" "$tmp/help_$c")
	[ -z "$unparsed" ] && ok "vouch $c: every option --help shows is parsed" ||
		not_ok "vouch $c: in --help but not parsed: $(echo $unparsed)"
done
# the milter's --help prints the DNS options once
n=$("$VOUCH" milter --help 2>&1 | grep -c -- '--dns-server')
[ "$n" = 1 ] && ok "vouch milter --help: the DNS options once" || not_ok "milter --help shows --dns-server $n times"
finish
