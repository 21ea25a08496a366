#!/bin/sh
# DMARC through vouch verify: one case per branch of the evaluation
# (testdata/zones/dmarc.zone), the From traps, and the outputs.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

Z="--dns-zone $ZONES/dmarc.zone --dns-fail _dmarc.timeout.example=timeout"
cp "$top_srcdir/testdata/keys/ed.private" "$tmp/ed.private"
chmod 600 "$tmp/ed.private"

# msg NAME FROM-FIELD-VALUE [SIGNING-DOMAIN]: a message, signed when asked
msg() {
	printf 'From: %s\r\nTo: b@example.net\r\nSubject: dmarc\r\n\r\nbody\r\n' "$2" > "$tmp/$1.raw"
	if [ -n "${3:-}" ]; then
		"$VOUCH" sign -d "$3" -s ed -k "$tmp/ed.private" "$tmp/$1.raw" > "$tmp/$1.eml" || exit 1
	else
		cp "$tmp/$1.raw" "$tmp/$1.eml"
	fi
}

# dm DESCRIPTION MESSAGE 'PIECE|PIECE...' [VERIFY-ARGS]: every piece in the
# dmarc object of the JSON result
dm() {
	what=$1; m=$2; pieces=$3; shift 3
	"$VOUCH" verify $Z --format json "$@" "$tmp/$m.eml" > "$tmp/out" 2>"$tmp/err"
	sed 's/.*"dmarc"://' "$tmp/out" > "$tmp/dm"
	rest=$pieces
	while [ -n "$rest" ]; do
		p=${rest%%|*}
		case $rest in *"|"*) rest=${rest#*|} ;; *) rest= ;; esac
		if ! grep -qF -- "$p" "$tmp/dm"; then
			not_ok "$what: no $p in $(cat "$tmp/dm")"
			return
		fi
	done
	ok "$what"
}

msg aligned 'a@dmarc.example' dmarc.example
dm "aligned DKIM passes" aligned '"result":"pass"|"dkim_aligned":"dmarc.example"|"policy":"reject"|"disposition":"none"'
msg sub 'a@sub.dmarc.example' dmarc.example
dm "relaxed: parent d= aligns with a subdomain From; sp= applies" sub '"result":"pass"|"policy_domain":"dmarc.example"|"org_domain":"dmarc.example"|"policy":"quarantine"'
msg unaligned 'a@dmarc.example' nodmarc.example
dm "unaligned DKIM fails with p=reject" unaligned '"result":"fail"|"dkim_aligned":null|"disposition":"reject"'
msg unsigned 'a@dmarc.example'
dm "aligned SPF passes" unsigned '"result":"pass"|"spf_aligned":true' --ip 192.0.2.1 --mail-from bounce@dmarc.example
dm "unaligned SPF fails" unsigned '"result":"fail"|"spf_aligned":false' --ip 192.0.2.1 --mail-from x@bounce.example
dm "without --ip, DKIM alone, and it says so" unsigned '"result":"fail"|SPF not checked'
dm "HELO identity for an empty MAIL FROM" unsigned '"result":"pass"|"spf_aligned":true' --ip 192.0.2.1 --mail-from '' --helo dmarc.example
msg strict 'a@strict.example' mail.strict.example
dm "strict: a subdomain d= does not align" strict '"result":"fail"|"dkim_aligned":null'
dm "strict: a subdomain MAIL FROM does not align" strict '"result":"fail"|"spf_aligned":false' --ip 192.0.2.1 --mail-from x@mail.strict.example
msg strict2 'a@strict.example' strict.example
dm "strict: the same domain aligns" strict2 '"result":"pass"|"dkim_aligned":"strict.example"'
msg nx 'a@nx.dmarc.example'
dm "np= for a From domain that does not exist" nx '"result":"fail"|"policy":"none"|np=none'
msg testing 'a@testing.example'
dm "t=y: reject tested as quarantine" testing '"result":"fail"|"policy":"reject"|"disposition":"quarantine"|"testing":true'
msg pct 'a@pct.example'
dm "pct=0 in RFC 7489 mode: one level lower" pct '"result":"fail"|"policy":"quarantine"|"disposition":"none"|pct=0' --org-domain psl
dm "pct= is not RFC 9989: ignored by the tree walk" pct '"result":"fail"|"disposition":"quarantine"'
msg nop 'a@nop.example'
dm "missing p= reads as p=none" nop '"result":"fail"|"policy":"none"'
msg psd1 'a@mail.org.psd.example' org.psd.example
dm "psd=y: the organization is one label below it" psd1 '"result":"pass"|"org_domain":"org.psd.example"|"policy_domain":"psd.example"'
msg psd2 'a@mail.org.psd.example' other.psd.example
dm "psd=y: a sibling under the suffix does not align" psd2 '"result":"fail"|"dkim_aligned":null|"policy":"quarantine"'
msg deep 'a@l1.l2.l3.l4.l5.l6.l7.l8.deep.example'
dm "the walk jumps to 7 labels and finds the record at 2" deep '"result":"fail"|"policy_domain":"deep.example"|"policy":"reject"'
msg several 'a@several.example'
dm "two records at one name are no record" several '"result":"none"|several records'
msg none 'a@nodmarc.example' nodmarc.example
dm "no record is none" none '"result":"none"|"policy":null'
msg timeout 'a@timeout.example'
dm "a DNS failure is temperror, never none" timeout '"result":"temperror"'

# From traps
msg spoof '"ceo@bank.example" <x@evil.example>' evil.example
dm "display-name spoof: the domain is in the angle brackets" spoof '"from_domain":"evil.example"|"result":"pass"'
msg comment 'x@evil.example (ceo@bank.example)' evil.example
dm "a comment is not an address" comment '"from_domain":"evil.example"'
msg group 'staff: a@bank.example, b@evil.example;' evil.example
dm "group syntax: every address, the strictest outcome" group '"from_domain":"bank.example"|"result":"fail"'
msg encoded '=?utf-8?q?ceo=40bank.example?= <x@evil.example>' evil.example
dm "an encoded word is a display name" encoded '"from_domain":"evil.example"'
msg rawat 'ceo@bank.example <x@evil.example>' evil.example
dm "an unquoted @ in the display name is no usable From" rawat '"result":"permerror"|no usable domain'
msg literal 'x@[192.0.2.1]'
dm "a domain literal is no usable From" literal '"result":"permerror"'
printf 'From: a@evil.example\r\nFrom: a@bank.example\r\nSubject: two\r\n\r\nb\r\n' > "$tmp/two.eml"
dm "two From fields: permerror" two '"result":"permerror"|several From'
printf 'Subject: none\r\n\r\nb\r\n' > "$tmp/nofrom.eml"
dm "no From: permerror" nofrom '"result":"permerror"|no From'

# trust boundaries: IDN From domains are looked up and compared as A-labels
# (RFC 8616), the record grammar is the RFC's, a From that only looks
# broken is evaluated, one that is broken is refused
msg idn 'ceo@bücher.example'
dm "IDN From: the policy at the A-label applies" idn '"result":"fail"|"from_domain":"xn--bcher-kva.example"|"policy":"reject"|"disposition":"reject"'
msg idnup 'ceo@BÜCHER.example'
dm "IDN From in upper case: the same A-label" idnup '"from_domain":"xn--bcher-kva.example"|"disposition":"reject"'
msg idnbad "$(printf 'ceo@b\377d.example')"
dm "a U-label that does not convert: permerror, refused" idnbad '"result":"permerror"|"disposition":"reject"'
msg idnsigned 'ceo@bücher.example' xn--bcher-kva.example
"$VOUCH" verify $Z --format ar "$tmp/idn.eml" > "$tmp/idn.ar"
expect_grep_unfolded 'header.from=xn--bcher-kva.example' "$tmp/idn.ar" "IDN From: the A-R shows the A-label"
msg spaced 'ceo@spaced.example'
dm "v = DMARC1 (white space around =) is a record" spaced '"result":"fail"|"policy":"reject"|"disposition":"reject"'
msg norua 'ceo@norua.example'
dm "no valid p= and no valid rua=: no DMARC record" norua '"result":"none"'
msg dot '<ceo@victim.example.>'
dm "a From domain with a final dot is the same domain" dot '"result":"fail"|"from_domain":"victim.example"|"disposition":"reject"'
msg junk '<ceo@victim.example> x'
dm "a From that does not parse: permerror, disposition reject" junk '"result":"permerror"|"disposition":"reject"'
"$VOUCH" verify $Z --format ar "$tmp/junk.eml" > "$tmp/junk.ar"
expect_grep_unfolded 'dmarc=permerror (.*dis=reject)' "$tmp/junk.ar" "A-R: permerror says dis=reject"
msg many 'a@x1.example, a@x2.example, a@x3.example, a@x4.example, a@x5.example, a@x6.example, a@x7.example, a@x8.example, ceo@victim.example'
dm "more authors than are evaluated: permerror, refused (none left out)" many '"result":"permerror"|"disposition":"reject"|more than 8'
dm "two From fields: refused" two '"result":"permerror"|"disposition":"reject"'

# outputs
"$VOUCH" verify $Z --format ar --authserv-id mx.test --ip 192.0.2.1 --mail-from b@dmarc.example "$tmp/aligned.eml" > "$tmp/ar"
expect_grep_unfolded 'dmarc=pass (p=reject dis=none) header.from=dmarc.example$' "$tmp/ar" "ar: dmarc=pass (p=reject dis=none) header.from="
"${PYTHON3:-python3}" "$top_srcdir/tests/ar_check.py" "$tmp/ar" --expect dkim=pass --expect spf=pass --expect dmarc=pass > /dev/null &&
	ok "ar: dkim, spf, dmarc in that order, one field" || not_ok "ar order"
"$VOUCH" verify $Z "$tmp/unaligned.eml" > "$tmp/text"
grep -q '; dmarc=fail from=dmarc.example p=reject dis=reject (' "$tmp/text" && ok "text: the DMARC part after DKIM" || not_ok "text: $(cat "$tmp/text")"
"$VOUCH" verify $Z --add-header "$tmp/unaligned.eml" > "$tmp/added"
grep -q 'dmarc=fail' "$tmp/added" && ok "--add-header carries dmarc" || not_ok "--add-header carries dmarc"

# --require
expect_exit 0 "--require dkim (default): a DKIM pass is enough" "$VOUCH" verify $Z "$tmp/unaligned.eml"
expect_exit 1 "--require dmarc: an unaligned pass is not" "$VOUCH" verify $Z --require dmarc "$tmp/unaligned.eml"
expect_exit 0 "--require dmarc: aligned passes" "$VOUCH" verify $Z --require dmarc "$tmp/aligned.eml"
expect_exit 64 "--require other is usage" "$VOUCH" verify $Z --require spf "$tmp/aligned.eml"
expect_exit 64 "--org-domain other is usage" "$VOUCH" verify $Z --org-domain x "$tmp/aligned.eml"
finish
