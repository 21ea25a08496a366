#!/bin/sh
# Help and manual agree: every long option a command's --help shows is in
# vouch(1), and every option vouch(1) names is one some command takes.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

man="$top_srcdir/doc/vouch.1"
for c in dns spf sign keygen verify lint seal milter report; do
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
# --help and the parser agree: both come from one table per command
# (struct cli_opt, common/tool.h), so no command calls getopt_long itself,
# and every option --help shows is one the parser takes
direct=$(grep -l 'getopt_long' "$top_srcdir"/cli/*.c "$top_srcdir"/milter/*.c 2>/dev/null)
[ -z "$direct" ] && ok "every command parses through its option table (cli_getopt)" ||
	not_ok "getopt_long called directly in: $direct"
for c in dns spf sign keygen verify lint seal milter report; do
	bad=""
	subs=-
	[ $c = report ] && subs="send read"
	for opt in $(cat "$tmp/help_$c"); do
		# an extra argument that does not exist: parsing happens, nothing
		# runs; an option of one subcommand is parsed by that one
		parsed=0
		for sub in $subs; do
			[ "$sub" = - ] && sub=
			"$VOUCH" $c $sub "$opt" /nonexistent/vouch-test < /dev/null > /dev/null 2> "$tmp/err" || true
			grep -q 'unrecognized option\|invalid option' "$tmp/err" || parsed=1
		done
		[ $parsed = 1 ] || bad="$bad $opt"
	done
	[ -z "$bad" ] && ok "vouch $c: every option --help shows is parsed" ||
		not_ok "vouch $c: in --help but not parsed:$bad"
done
# the milter's --help prints the DNS options once
n=$("$VOUCH" milter --help 2>&1 | grep -c -- '--dns-server')
[ "$n" = 1 ] && ok "vouch milter --help: the DNS options once" || not_ok "milter --help shows --dns-server $n times"
finish
