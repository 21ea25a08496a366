#!/bin/sh
# A decompression bomb: a gzip'd mbox of about 1 MB holding one 500 MB
# message between two small signed ones.  vouch verify must keep memory
# flat (--max-message-size, default 64 MB: the big message is reported as
# permerror (message too large) and the run goes on).  Prints peak RSS and
# time for each VOUCH given (e.g. an older build to compare).
# usage: bench/bomb.sh [VOUCH...]      (issue 21, finding 7)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -gt 0 ] || set -- "$top/vouch"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vouch-bomb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
M="$top/testdata/messages"
{ echo "From a@b Mon Nov  2 10:00:00 2026"; cat "$M/dkim-pass-rsa.eml"; echo
  echo "From a@b Mon Nov  2 10:00:00 2026"; cat "$M/dkim-pass-rsa.eml"
  awk 'BEGIN { l = sprintf("%0998d", 0); for (i = 0; i < 500000; i++) print l }'
  echo "From a@b Mon Nov  2 10:00:00 2026"; cat "$M/dkim-pass-ed25519.eml"; } |
	gzip -9 > "$tmp/bomb.mbox.gz"
echo "bomb: $(wc -c < "$tmp/bomb.mbox.gz") bytes compressed, one 500 MB message inside"
for v in "$@"; do
	/usr/bin/time -f '%M %e' -o "$tmp/t" "$v" verify --dns-zone "$top/testdata/zones/dkim.example.zone" \
	    --at 1790003600 --format json "$tmp/bomb.mbox.gz" > "$tmp/out" 2>/dev/null || true
	set -- $(tail -1 "$tmp/t")
	echo "$v: peak RSS $(($1 / 1024)) MB, $2 s, $(wc -l < "$tmp/out") results: $(sed -n 2p "$tmp/out" | sed 's/.*"dkim":\[{[^}]*"reason":"\([^"]*\)".*/\1/')"
done
