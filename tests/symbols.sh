#!/bin/sh
# Only vouch_* symbols may be exported from the shared library.
lib="$top_builddir/.libs/libvouch.so"
if [ ! -f "$lib" ]; then
	echo "SKIP: $lib not built (static-only build)"
	exit 77
fi
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^vouch_' | grep -v '^_init$\|^_fini$\|^_edata$\|^_end$\|^__bss_start$')
if [ -n "$bad" ]; then
	echo "FAIL: symbols outside vouch_ exported:"
	echo "$bad"
	exit 1
fi
n=$(nm -D --defined-only "$lib" | grep -c ' T vouch_')
echo "ok: $n exported functions, all vouch_*"
[ "$n" -gt 10 ]
