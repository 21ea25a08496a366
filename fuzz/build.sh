#!/bin/sh
# Build the libFuzzer targets with clang: the library and each target with
# -fsanitize=fuzzer,address,undefined.  Called by `make fuzz`.
# usage: fuzz/build.sh SRCDIR BUILDDIR
set -eu
src=$1; build=$2
out="$build/fuzz/bin"
obj="$build/fuzz/obj"
mkdir -p "$out" "$obj"
CC=${FUZZ_CC:-clang}
command -v "$CC" >/dev/null || { echo "fuzz: $CC not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 69; }
SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-g -O1 -I$build -I$build/include -I$src -I$src/include $(pkg-config --cflags ldns libcrypto libpsl libidn2 libarchive libxml-2.0 gmime-3.0)"
LIBS="$(pkg-config --libs ldns libcrypto libpsl libidn2 libarchive libxml-2.0 gmime-3.0) -pthread"
objs=""
for f in common/buf.c common/util.c common/error.c common/json.c common/hdr.c \
	common/ar.c common/domain.c \
	dmarc/dmarc.c dmarc/dmarc_from.c auth/auth.c auth/auth_out.c arc/arc.c arc/arc_seal.c \
	dns/dns.c dns/dns_answer.c dns/dns_cache.c dns/dns_ldns.c dns/dns_zone.c dns/dns_record.c dns/dns_name.c \
	spf/spf.c spf/spf_parse.c spf/spf_cache.c spf/spf_macro.c spf/spf_header.c \
	dkim/dkim_msg.c dkim/dkim_canon.c dkim/dkim_key.c dkim/dkim_tags.c \
	dkim/dkim_sign.c dkim/dkim_verify.c dkim/dkim_mbox.c \
	lint/lint.c lint/lint_spf.c lint/lint_dkim.c lint/lint_dmarc.c lint/lint_zonetext.c lint/lint_zone.c \
	keys/keytab.c archive/archive.c archive/archive_src.c archive/archive_sum.c \
	report/report_parse.c report/report_read.c report/report_sum.c report/report_html.c; do
	o="$obj/$(echo "$f" | tr / _ | sed 's/\.c$/.o/')"
	$CC $CFLAGS $SAN -c "$src/$f" -o "$o"
	objs="$objs $o"
done
for t in "$src"/fuzz/fuzz_*.c; do
	name=$(basename "$t" .c)
	$CC $CFLAGS -fsanitize=fuzzer,address,undefined "$t" $objs $LIBS -o "$out/$name"
	echo "built $out/$name"
done
