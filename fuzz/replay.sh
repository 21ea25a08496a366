#!/bin/sh
# Replay every fuzz corpus file through its target (a plain build, no
# libFuzzer): every crash once found stays a regression test.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
for src in "$top_srcdir"/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	bin="$top_builddir/fuzz/replay_${t#fuzz_}"
	if "$bin" "$top_srcdir/fuzz/$t.in" > "$tmp/out" 2>&1; then
		ok "$(cat "$tmp/out")"
	else
		not_ok "$t corpus"; tail -20 "$tmp/out" | sed 's/^/  | /'
	fi
done
finish
