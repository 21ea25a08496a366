# Shared helpers for the shell tests (sourced).
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${VOUCH:=$top_builddir/vouch}"
ZONES="$top_srcdir/testdata/zones"
fails=0
passes=0

ok() { passes=$((passes + 1)); echo "ok: $*"; }
skips=0
# skip WHY: a part of the test that could not run here; the whole test
# then reports SKIP (exit 77) unless something failed
skip() { skips=$((skips + 1)); echo "SKIP: $*"; }
not_ok() { fails=$((fails + 1)); echo "FAIL: $*"; }

# expect_exit CODE DESCRIPTION -- CMD...
expect_exit() {
	want=$1; shift; what=$1; shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" = "$want" ]; then ok "$what"; else
		not_ok "$what (exit $got, wanted $want)"; sed 's/^/  | /' "$tmp/err" | head -5
	fi
}

# check_fail WANT DESCRIPTION CMD...: a failure as the rules want it: the
# exit code, nothing on stdout, a line on stderr (kept in $tmp/ferr)
check_fail() {
	want=$1; what=$2; shift 2
	"$@" > "$tmp/fout" 2> "$tmp/ferr"
	got=$?
	if [ "$got" = "$want" ] && [ ! -s "$tmp/fout" ] && [ "$(wc -l < "$tmp/ferr")" -ge 1 ]; then
		ok "$what (exit $got, nothing on stdout)"
	else
		not_ok "$what (exit $got, wanted $want; stdout $(wc -c < "$tmp/fout") bytes)"; sed 's/^/  | /' "$tmp/ferr"
	fi
}

# expect_grep PATTERN FILE DESCRIPTION
expect_grep() {
	if grep -q -- "$1" "$2"; then ok "$3"; else
		not_ok "$3 (no '$1' in $2)"; sed 's/^/  | /' "$2" | head -5
	fi
}

# A header file with its folded lines joined (RFC 5322 2.2.3 unfolding).
unfold() {
	awk 'NR > 1 && !/^[ \t]/ { print line; line = "" }
	     { line = line (line == "" ? "" : "") $0 } END { print line }' "$1" |
	    sed 's/\t/ /g'
}

# expect_grep on the unfolded form of a header file
expect_grep_unfolded() {
	unfold "$2" > "$2.unfolded"
	expect_grep "$1" "$2.unfolded" "$3"
}

# wait_ready FILE: a helper server creates FILE once it listens; wait for
# it (at most 20 s) instead of guessing how long a loaded machine needs.
wait_ready() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$1" ]
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

finish() {
	if [ "$skips" -gt 0 ]; then
		echo "$passes passed, $fails failed, $skips skipped"
		[ "$fails" -eq 0 ] || return 1
		exit 77
	fi
	echo "$passes passed, $fails failed"
	[ "$fails" -eq 0 ]
}

tmp=$(mktemp -d)
trap '[ -n "${KEEP_TMP:-}" ] && echo "kept $tmp" >&2 || rm -rf "$tmp"' EXIT

# VOUCH_VALGRIND=1: run the real binary under valgrind; any memory error
# or leak makes it exit 99, which no test accepts.
if [ -n "${VOUCH_VALGRIND:-}" ] && [ -x "$top_builddir/.libs/vouch" ]; then
	cat > "$tmp/vouch-vg" <<EOW
#!/bin/sh
LD_LIBRARY_PATH="$top_builddir/.libs\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec valgrind -q \
	--error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--suppressions="$top_srcdir/tests/valgrind.supp" "$top_builddir/.libs/vouch" "\$@"
EOW
	chmod +x "$tmp/vouch-vg"
	VOUCH="$tmp/vouch-vg"
fi
