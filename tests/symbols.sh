#!/bin/sh
# Only vouch_* symbols may be exported from the shared library.
# Each public header compiles on its own, as C and as C++.
for h in "$top_srcdir"/include/vouch/*.h; do
	for lang in c c++; do
		if ! echo "#include <vouch/$(basename "$h")>" |
		    ${CC:-cc} -x $lang -fsyntax-only -Wall -Werror -I"$top_builddir/include" -I"$top_srcdir/include" - 2>/dev/null; then
			[ $lang = c++ ] && ! command -v c++ >/dev/null && continue
			echo "FAIL: $(basename "$h") does not compile alone as $lang"
			exit 1
		fi
	done
done
echo "ok: every public header compiles alone (C and C++)"
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
# each is in libvouch(3)
undoc=$(nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }' | while read -r f; do
	grep -q "Fn $f\\b" "$top_srcdir/doc/libvouch.3" || echo "$f"
done)
if [ -n "$undoc" ]; then
	echo "FAIL: exported but not in libvouch(3):"
	echo "$undoc"
	exit 1
fi
echo "ok: every exported function is in libvouch(3)"
[ "$n" -gt 10 ]
