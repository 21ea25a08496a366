#!/bin/sh
# ARC end to end: vouch seal and vouch verify, interop with dkimpy's ARC
# both ways, a three-hop chain where a list changes the body, hostile
# chains, the RFC 8617 7.2 local override, and the sealing limits.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

PY=/usr/bin/python3
ARCPY="$top_srcdir/tests/dkimpy_arc.py"
cd "$tmp"
for d in a b c; do
	"$VOUCH" keygen -d $d.example -s s$d >/dev/null || exit 1
done
{ cat sa.txt sb.txt sc.txt
  echo '_dmarc.a.example. IN TXT "v=DMARC1; p=reject"'
  echo 'a.example. IN A 192.0.2.1'; } > keys.zone
Z="--dns-zone keys.zone"
printf 'From: Alice <alice@a.example>\r\nTo: list@b.example\r\nSubject: hello\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@a.example>\r\n\r\nHello list.\r\n' > m.eml
"$VOUCH" sign -d a.example -s sa -k sa.private m.eml > m0.eml || exit 1

arc_of() {	# FILE: the arc result of vouch verify
	"$VOUCH" verify $Z --format json "$1" | sed 's/.*"arc":{"result":"\([a-z]*\)".*/\1/'
}

# one hop sealed by vouch
expect_exit 0 "vouch seal" "$VOUCH" seal -d b.example -s sb -k sb.private --authserv-id mx.b.example $Z m0.eml
cp "$tmp/out" m1.eml
head -1 m1.eml | grep -q '^ARC-Seal: ' && ok "the ARC-Seal comes first" || not_ok "ARC-Seal first"
tail -c "$(wc -c < m0.eml)" m1.eml | cmp -s - m0.eml && ok "the message follows byte for byte" || not_ok "message altered"
[ "$(arc_of m1.eml)" = pass ] && ok "vouch verifies its own seal" || not_ok "vouch: $(arc_of m1.eml)"
"$VOUCH" verify $Z --format ar --ip 192.0.2.1 --mail-from a@a.example m1.eml > ar.txt
expect_grep_unfolded 'arc=pass (1 instance, .*) .*smtp.remote-ip=192.0.2.1' ar.txt "arc= in Authentication-Results with smtp.remote-ip"
"$PY" "$top_srcdir/tests/ar_check.py" ar.txt --expect 'dkim=pass' --expect 'spf=*' --expect 'dmarc=pass' --expect 'arc=pass' >/dev/null &&
	ok "the A-R with arc= is one well-formed field" || not_ok "A-R with arc= parses"

if ! $PY -c 'import dkim, authres' 2>/dev/null; then
	skip "python3-dkim or python3-authres not installed: dkimpy ARC interop not run"
else
	$PY "$ARCPY" verify m1.eml keys.zone > py.txt 2>&1 && ok "dkimpy verifies vouch's seal" ||
		not_ok "dkimpy on vouch's seal: $(cat py.txt)"
	# hop 2 by dkimpy, then vouch verifies the two-hop chain
	$PY "$ARCPY" seal m1.eml sc.private c.example sc mx.c.example keys.zone > m2.eml
	[ "$(arc_of m2.eml)" = pass ] && ok "vouch verifies dkimpy's seal over vouch's" || not_ok "vouch on dkimpy hop: $(arc_of m2.eml)"
	# three hops: vouch, then a list that adds a footer and seals with
	# dkimpy, then vouch
	"$VOUCH" seal -d b.example -s sb -k sb.private --authserv-id mx.b.example $Z m0.eml > h1.eml
	{ cat h1.eml; printf -- '-- \r\nlist footer\r\n'; } > h1f.eml
	$PY "$ARCPY" seal --cv-from h1.eml h1f.eml sc.private c.example sc mx.c.example keys.zone > h2.eml
	"$VOUCH" seal -d b.example -s sb -k sb.private --authserv-id mx2.b.example $Z h2.eml > h3.eml
	"$VOUCH" verify $Z --format json h3.eml > h3.json
	grep -q '"dkim":\[{[^]]*"result":"fail"' h3.json && ok "3 hops with a footer: DKIM fails" || not_ok "DKIM should fail after the footer"
	grep -q '"arc":{"result":"pass"' h3.json && ok "3 hops with a footer: ARC passes" || not_ok "ARC after the footer: $(sed 's/.*"arc"://' h3.json | cut -c1-200)"
	grep -q '"instances":3' h3.json && ok "three instances" || not_ok "three instances"
	grep -q '"instance":1,"domain":"b.example"[^}]*"aar":"mx.b.example; dkim=pass' h3.json &&
		ok "the first hop's dkim=pass is visible" || not_ok "first hop's AAR"
	$PY "$ARCPY" verify h3.eml keys.zone > py.txt 2>&1 && ok "dkimpy verifies the mixed 3-hop chain" ||
		not_ok "dkimpy on 3 hops: $(cat py.txt)"
	# RFC 8617 7.2: DMARC fails after the footer; b.example saw the pass
	echo 'b.example' > trust.txt
	"$VOUCH" verify $Z --format json h3.eml | grep -q '"arc_override":false' && ok "no override without --arc-trust" || not_ok "override without trust"
	# b.example sealed i=1 (saw the pass) and i=3, but c.example (not
	# trusted) changed the message between: a stale hop vouches for nothing
	"$VOUCH" verify $Z --arc-trust trust.txt --format json h3.json h3.eml 2>/dev/null | tail -1 > tr.json
	grep -q '"result":"fail"[^}]*"arc_override":false' tr.json &&
		ok "--arc-trust: an untrusted hop after the trusted one: no override" || not_ok "--arc-trust stale hop: $(cut -c1-300 tr.json)"
	# the list (c.example) records dmarc=pass as it received the message:
	# trusted with every later sealer, it vouches; instance 2 is named
	ARC_AAR_EXTRA="; dmarc=pass header.from=a.example" $PY "$ARCPY" seal --cv-from h1.eml h1f.eml sc.private c.example sc mx.c.example keys.zone > h2p.eml
	"$VOUCH" seal -d b.example -s sb -k sb.private --authserv-id mx2.b.example $Z h2p.eml > h3p.eml
	printf 'b.example\nc.example\n' > trust3.txt
	"$VOUCH" verify $Z --arc-trust trust3.txt --format json h3p.eml > tr.json
	grep -q '"result":"fail"[^}]*"arc_override":true' tr.json && grep -q '"arc_trusted_instance":2' tr.json &&
		grep -q 'trusted ARC chain vouches' tr.json &&
		ok "--arc-trust: every later sealer trusted, i=2 vouches" || not_ok "--arc-trust: $(cut -c1-300 tr.json)"
	"$VOUCH" verify $Z --arc-trust trust3.txt --format ar h3p.eml > tr.ar
	expect_grep_unfolded 'policy.arc-trusted-instance=2' tr.ar "the A-R names the trusted instance"
	echo 'c.example' > trust4.txt
	"$VOUCH" verify $Z --arc-trust trust4.txt --format json h3p.eml | grep -q '"arc_override":false' &&
		ok "--arc-trust: the newest sealer untrusted: no override" || not_ok "newest sealer untrusted"
	# a trusted sealer's AAR that says dmarc=fail but echoes attacker
	# text holding "dmarc=pass" (a selector, a comment): no override
	ARC_AAR_EXTRA='; dkim=fail (dmarc=pass) header.d=a.example header.s="dmarc=pass"; dmarc=fail header.from=a.example' \
		$PY "$ARCPY" seal --cv-from h1.eml h1f.eml sc.private c.example sc mx.c.example keys.zone > h2f.eml
	"$VOUCH" verify $Z --arc-trust trust4.txt --format json h2f.eml > tr.json
	grep -q '"arc":{"result":"pass"' tr.json && grep -q '"arc_override":false' tr.json &&
		ok "--arc-trust: dmarc=pass inside a value or comment vouches for nothing" || not_ok "AAR substring: $(cut -c1-300 tr.json)"
	# and the AAR must name this message's From domain
	ARC_AAR_EXTRA='; dmarc=pass header.from=other.example' \
		$PY "$ARCPY" seal --cv-from h1.eml h1f.eml sc.private c.example sc mx.c.example keys.zone > h2o.eml
	"$VOUCH" verify $Z --arc-trust trust4.txt --format json h2o.eml | grep -q '"arc_override":false' &&
		ok "--arc-trust: dmarc=pass for another From domain vouches for nothing" || not_ok "AAR other domain"
	echo 'other.example' > trust2.txt
	"$VOUCH" verify $Z --arc-trust trust2.txt --format json h3.eml | grep -q '"arc_override":false' &&
		ok "an untrusted sealer overrides nothing" || not_ok "untrusted sealer"
fi

# a change after the seal
sed 's/^Subject: hello/Subject: HELLO/' m1.eml > t1.eml
"$VOUCH" verify $Z --format json t1.eml > t1.json
grep -q '"arc":{"result":"fail","reason":"instance 1' t1.json && ok "a changed header fails, naming the instance" || not_ok "tamper: $(sed 's/.*"arc"://' t1.json | cut -c1-200)"

# hostile chains: a defined result, bounded time
gen() { "$PY" - "$@" <<'PYEOF'
import re, sys
kind, src, dst = sys.argv[1:4]
m = open(src, "rb").read().decode("latin-1")
head, body = m.split("\r\n\r\n", 1)
fields = re.findall(r"[^\r\n]+(?:\r\n[ \t][^\r\n]*)*\r\n", head + "\r\n")
arc = [f for f in fields if f.lower().startswith("arc-")]
rest = [f for f in fields if not f.lower().startswith("arc-")]
if kind == "gap":
    arc = [re.sub(r"\bi=1;", "i=2;", f) for f in arc]
elif kind == "dup":
    arc = arc + arc
elif kind == "i0":
    arc = [re.sub(r"\bi=1;", "i=0;", f) for f in arc]
elif kind == "i51":
    arc = [re.sub(r"\bi=1;", "i=51;", f) for f in arc]
elif kind == "noaar":
    arc = [f for f in arc if not f.lower().startswith("arc-authentication")]
elif kind == "reorder":
    arc = [f for f in arc if not f.lower().startswith("arc-seal")] + \
          [f for f in arc if f.lower().startswith("arc-seal")]
elif kind == "many":
    arc = arc + ["ARC-Seal: i=%d; cv=pass; a=rsa-sha256; d=x.example; s=s; b=AAAA\r\n" % (i % 60) for i in range(5000)]
open(dst, "wb").write(("".join(arc + rest) + "\r\n" + body).encode("latin-1"))
PYEOF
}
for k in gap dup i0 i51 noaar many; do
	gen $k m1.eml hostile-$k.eml
	start=$(date +%s%N)
	r=$(arc_of hostile-$k.eml)
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$r" = fail ] && ok "hostile chain $k: fail in $ms ms" || not_ok "hostile chain $k: $r"
done
gen reorder m2.eml hostile-reorder.eml 2>/dev/null && [ -s hostile-reorder.eml ] &&
	{ [ "$(arc_of hostile-reorder.eml)" != "" ] && ok "reordered sets: a defined result ($(arc_of hostile-reorder.eml))" || not_ok "reordered"; }

# sealing limits
sed 's/^ARC-Seal: a=rsa-sha256;/ARC-Seal: a=rsa-sha256; cv=fail;/; s/cv=none; d=b.example/d=b.example/' m1.eml > failed.eml
"$VOUCH" seal -d c.example -s sc -k sc.private $Z failed.eml > sealed-failed.eml 2> err.txt
rc=$?
[ $rc = 0 ] && cmp -s sealed-failed.eml failed.eml && grep -q 'no new set' err.txt &&
	ok "a chain that already failed: no new set, passed through" || not_ok "failed chain: exit $rc, $(cat err.txt)"
{ printf 'ARC-Seal: i=50; cv=pass; a=rsa-sha256; d=x.example; s=s; b=AAAA\r\n'; cat m0.eml; } > fifty.eml
"$VOUCH" seal -d c.example -s sc -k sc.private $Z fifty.eml > out50.eml 2> err.txt
rc=$?
[ $rc = 65 ] && [ ! -s out50.eml ] && grep -q '50 instances' err.txt && ok "at 50 instances: 65, nothing written" ||
	not_ok "50 instances: exit $rc, $(cat err.txt)"
expect_exit 64 "seal without -k" "$VOUCH" seal -d c.example -s sc m0.eml
expect_exit 78 "seal with a missing key" "$VOUCH" seal -d c.example -s sc -k /nonexistent m0.eml
# --key-table, as vouch sign: the sender chooses domain, selector and key
printf '*@a.example  b.example  sb  %s\n' "$tmp/sb.private" > table
expect_exit 0 "seal --key-table" "$VOUCH" seal --key-table table --authserv-id mx.b.example $Z m0.eml
cp "$tmp/out" kt.eml
head -1 kt.eml | grep -q '^ARC-Seal: ' && [ "$(arc_of kt.eml)" = pass ] && grep -q 'd=b.example' kt.eml &&
	ok "the table's key seals, and the seal verifies" || not_ok "key-table seal"
tail -c "$(wc -c < m0.eml)" kt.eml | cmp -s - m0.eml && ok "key table: the message follows byte for byte" || not_ok "key table: message altered"
printf '*@other.example  b.example  sb  %s\n' "$tmp/sb.private" > table2
expect_exit 0 "an unmatched sender passes through" "$VOUCH" seal --key-table table2 $Z m0.eml
cmp -s "$tmp/out" m0.eml && ok "unsealed, byte for byte" || not_ok "unmatched pass-through"
cat m0.eml | "$VOUCH" seal --key-table table $Z > piped.eml && [ "$(arc_of piped.eml)" = pass ] &&
	ok "key table from a pipe" || not_ok "key table from a pipe"
expect_exit 64 "--key-table with -k is usage" "$VOUCH" seal --key-table table -k sb.private m0.eml
# --from-ar: a list changes the message its MTA verified on arrival; the
# seal records the arrival verdict (the A-R of our authserv-id), not a
# new verification of the changed bytes
"$VOUCH" verify $Z --add-header --authserv-id mx.b.example --ip 192.0.2.1 \
	--mail-from alice@a.example m0.eml > fa1.eml
sed 's/^Subject: hello/Subject: [list] hello/' fa1.eml > fa2.eml
expect_exit 0 "seal --from-ar" "$VOUCH" seal --from-ar -d b.example -s sb -k sb.private \
	--authserv-id mx.b.example fa2.eml
cp "$tmp/out" fa3.eml
grep -q '^ARC-Seal: .*' fa3.eml && tr -d '\r\n\t ' < fa3.eml | grep -q 'cv=none;d=b.example;i=1;' &&
	ok "  i=1 with cv=none (no chain on arrival)" || not_ok "  --from-ar cv"
tr -d '\r' < fa3.eml > fa3.lf
expect_grep_unfolded 'ARC-Authentication-Results: i=1; mx.b.example; dkim=pass header.d=a.example' fa3.lf \
	"  the AAR is the arrival verdict (dkim=pass before the subject changed)"
"$VOUCH" verify $Z --format json fa3.eml > fa3.json
grep -q '"dkim":\[{[^]]*"result":"fail"' fa3.json && grep -q '"arc":{"result":"pass"' fa3.json &&
	ok "  DKIM now fails, the seal verifies" || not_ok "  --from-ar verdict: $(cut -c1-300 fa3.json)"
tail -c "$(wc -c < fa2.eml)" fa3.eml | cmp -s - fa2.eml && ok "  the message follows byte for byte" || not_ok "  --from-ar altered the message"
# our own inbound seal (i=1), then the A-R, a change, and --from-ar: cv=pass
"$VOUCH" seal -d b.example -s sb -k sb.private --authserv-id mx.b.example $Z m0.eml > fb0.eml
"$VOUCH" verify $Z --add-header --authserv-id mx.b.example fb0.eml > fb1.eml
sed 's/^Subject: hello/Subject: [list] hello/' fb1.eml > fb2.eml
"$VOUCH" seal --from-ar -d b.example -s sb -k sb.private --authserv-id mx.b.example fb2.eml > fb3.eml
tr -d '\r\n\t ' < fb3.eml | grep -q 'cv=pass;d=b.example;i=2;' && [ "$(arc_of fb3.eml)" = pass ] &&
	ok "  over our own inbound seal: i=2 cv=pass, and the chain verifies" || not_ok "  --from-ar over our seal"
if $PY -c 'import dkim, authres' 2>/dev/null; then
	$PY "$ARCPY" verify fb3.eml keys.zone > py.txt 2>&1 && $PY "$ARCPY" verify fa3.eml keys.zone >> py.txt 2>&1 &&
		ok "  dkimpy verifies both --from-ar seals" || not_ok "  dkimpy on --from-ar: $(cat py.txt)"
fi
# another sealer's set after an arrival with no chain cannot be vouched for
"$VOUCH" seal -d c.example -s sc -k sc.private --authserv-id mx.c.example $Z fa1.eml > fc1.eml
check_fail 65 "  --from-ar refuses a set added since arrival by another sealer" \
	"$VOUCH" seal --from-ar -d b.example -s sb -k sb.private --authserv-id mx.b.example fc1.eml
check_fail 65 "  --from-ar with no A-R of the authserv-id: 65, nothing written" \
	"$VOUCH" seal --from-ar -d b.example -s sb -k sb.private --authserv-id mx.b.example m0.eml
expect_grep "no Authentication-Results of mx.b.example" "$tmp/ferr" "  the error says what is missing"
# a forged-looking A-R value is written back through the escaping writer
printf 'Authentication-Results: mx.b.example; dkim=pass header.d="a.example;\\" dmarc=pass"\r\n' > fd.eml
cat m0.eml >> fd.eml
"$VOUCH" seal --from-ar -d b.example -s sb -k sb.private --authserv-id mx.b.example fd.eml > fd1.eml
"$VOUCH" verify $Z --format json fd1.eml | grep -o '"aar":"[^"]*\(\\"[^"]*\)*"' > fd.aar
grep -q 'dmarc=pass' fd.aar && ! grep -q '; dmarc=pass' fd.aar &&
	ok "  a quoted value stays a value in the AAR (no dmarc= result made of it)" || not_ok "  AAR escaping: $(cat fd.aar)"
expect_exit 64 "--from-ar with --ip is usage" "$VOUCH" seal --from-ar --ip 192.0.2.1 -d b.example -s sb -k sb.private m0.eml
expect_exit 64 "--from-ar with --key-table is usage" "$VOUCH" seal --from-ar --key-table table m0.eml
finish
