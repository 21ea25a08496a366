#!/bin/sh
# Differential test: vouch's RFC 7489 mode (--org-domain psl) against
# OpenDMARC's library (tests/opendmarc_peer.c) on the same fixtures, with
# the same Public Suffix List (testdata/dmarc/psl.dat: the fixtures live
# under .example).  Same result and disposition on every fixture, except
# the differences listed below with the section that decides them.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

PEER="$top_builddir/tests/opendmarc_peer"
if [ ! -x "$PEER" ]; then
	echo "SKIP: OpenDMARC (libopendmarc-dev) not installed"
	exit 77
fi
ZF="$ZONES/dmarc.zone"
PSL_FILE="$top_srcdir/testdata/dmarc/psl.dat"
export PSL_FILE
cp "$top_srcdir/testdata/keys/ed.private" "$tmp/ed.private"
chmod 600 "$tmp/ed.private"

# Where vouch follows the RFC and OpenDMARC 1.4.2 does not.
# Where vouch follows the RFC and OpenDMARC 1.4.2 does not (the fixture's
# From domain decides).
expected_diff() {
	case $1 in
	pct.example)	echo "RFC 7489 6.6.4: pct=0 selects no message, so the next lower policy applies; OpenDMARC ignores pct" ;;
	strict.example)	echo "RFC 7489 3.1.1/3.1.2: under adkim=s/aspf=s only the exact From domain aligns; OpenDMARC 1.4.2 accepts a subdomain" ;;
	nop.example)	echo "RFC 7489 6.6.3: a record without a valid p= but with rua= is read as p=none; OpenDMARC discards it" ;;
	*) return 1 ;;
	esac
}

same=0 diffs=0 known=0
# FROM-DOMAIN SIGNING-DOMAIN|- MAIL-FROM|-
while read -r from signer mailfrom; do
	printf 'From: a@%s\r\nSubject: d\r\n\r\nbody\r\n' "$from" > "$tmp/m.eml"
	if [ "$signer" != - ]; then
		"$VOUCH" sign -d "$signer" -s ed -k "$tmp/ed.private" "$tmp/m.eml" > "$tmp/s.eml" || exit 1
	else
		cp "$tmp/m.eml" "$tmp/s.eml"
	fi
	spf=""
	[ "$mailfrom" != - ] && spf="--ip 192.0.2.1 --mail-from $mailfrom"
	"$VOUCH" verify --dns-zone "$ZF" --org-domain psl --psl "$PSL_FILE" \
	    --format json $spf "$tmp/s.eml" > "$tmp/j" 2>/dev/null
	v_res=$(sed 's/.*"dmarc":{"result":"\([a-z]*\)".*/\1/' "$tmp/j")
	v_dis=$(sed 's/.*"disposition":"\([a-z]*\)".*/\1/' "$tmp/j")
	dk=-; sd=-
	grep -q '"dkim":\[{[^]]*"result":"pass"' "$tmp/j" && dk=$signer
	grep -q '"spf":{"result":"pass"' "$tmp/j" && sd=${mailfrom#*@}
	p=$("$PEER" "$ZF" "$from" "$dk" "$sd")
	if [ "$v_res $v_dis" = "$p" ]; then
		same=$((same + 1)); ok "$from d=$signer spf=$sd: both $p"
	elif why=$(expected_diff "$from"); then
		known=$((known + 1))
		ok "$from: vouch $v_res $v_dis, OpenDMARC $p: expected ($why)"
	else
		diffs=$((diffs + 1))
		not_ok "$from d=$signer spf=$sd: vouch $v_res $v_dis, OpenDMARC $p"
	fi
done <<'FIXTURES'
dmarc.example dmarc.example -
sub.dmarc.example dmarc.example -
sub.dmarc.example nodmarc.example -
dmarc.example nodmarc.example -
dmarc.example - bounce@dmarc.example
dmarc.example - x@bounce.example
sub.dmarc.example - x@sub.dmarc.example
nx.dmarc.example - -
strict.example mail.strict.example -
strict.example strict.example -
strict.example - x@mail.strict.example
testing.example - -
pct.example - -
nop.example - -
mail.org.psd.example org.psd.example -
mail.org.psd.example other.psd.example -
l1.l2.l3.l4.l5.l6.l7.l8.deep.example - -
several.example - -
nodmarc.example nodmarc.example -
evil.example evil.example -
bank.example evil.example -
FIXTURES
echo "differential: $same the same, $known expected differences, $diffs unexpected"
finish
