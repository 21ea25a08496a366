#!/bin/sh
# DKIM interoperability with real peers from Debian: dkimpy (python3-dkim)
# and libopendkim, signing and verifying in both directions.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

PY=/usr/bin/python3
PEER="$top_builddir/tests/opendkim_peer"
if ! $PY -c 'import dkim' 2>/dev/null; then
	echo "SKIP: python3-dkim is not installed (apt-get install python3-dkim)"
	exit 77
fi
have_opendkim=1
[ -x "$PEER" ] || { skip "libopendkim peer not built (libopendkim-dev): opendkim cases not run"; have_opendkim=0; }

cd "$tmp"
"$VOUCH" keygen -d example.org -s rsa1 -o "$tmp" >/dev/null || exit 1
"$VOUCH" keygen -d example.org -s ed1 -t ed25519 -o "$tmp" >/dev/null || exit 1
{ echo '$ORIGIN example.org.'; cat rsa1.txt ed1.txt; } > keys.zone
for s in rsa1 ed1; do
	printf '%s._domainkey.example.org %s\n' "$s" \
		"$("$VOUCH" dns TXT $s._domainkey.example.org --dns-zone keys.zone | sed 's/^"//; s/"$//')"
done > keys.txt
# dkimpy wants the raw Ed25519 seed in base64
openssl pkey -in ed1.private -outform DER | tail -c 32 | base64 > ed1.seed

MSGS="$top_srcdir/testdata/messages/interop"
for m in "$MSGS"/*.eml; do
	name=$(basename "$m" .eml)
	for k in rsa1 ed1; do
		for c in simple/simple relaxed/relaxed simple/relaxed; do
			out="$tmp/$name-$k-$(echo $c | tr / -).eml"
			"$VOUCH" sign -d example.org -s $k -k $k.private -c $c "$m" > "$out" ||
				{ not_ok "vouch sign $name $k $c"; continue; }
			fix=""
			case $name in lf-*) fix=--fixcrlf;; esac
			if $PY "$top_srcdir/tests/dkimpy_verify.py" $fix "$out" keys.zone >"$tmp/py.out" 2>&1; then
				ok "dkimpy verifies vouch $k $c $name"
			else
				not_ok "dkimpy verifies vouch $k $c $name"; sed 's/^/  | /' "$tmp/py.out" | tail -3
			fi
			if [ $have_opendkim = 1 ]; then
				if "$PEER" verify keys.txt "$out" >"$tmp/od.out" 2>&1; then
					ok "libopendkim verifies vouch $k $c $name"
				else
					not_ok "libopendkim verifies vouch $k $c $name"; sed 's/^/  | /' "$tmp/od.out"
				fi
			fi
		done
	done
done

# The other way: peers sign, vouch verifies.
for m in "$MSGS"/crlf-plain.eml "$MSGS"/folded.eml "$MSGS"/8bit.eml "$MSGS"/mime.eml; do
	name=$(basename "$m" .eml)
	for c in simple/simple relaxed/relaxed; do
		$PY "$top_srcdir/tests/dkimpy_sign.py" rsa1.private example.org rsa1 rsa $c "$m" > py-rsa.eml &&
		expect_exit 0 "vouch verifies dkimpy rsa $c $name" "$VOUCH" verify --dns-zone keys.zone py-rsa.eml
		$PY "$top_srcdir/tests/dkimpy_sign.py" ed1.seed example.org ed1 ed25519 $c "$m" > py-ed.eml &&
		expect_exit 0 "vouch verifies dkimpy ed25519 $c $name" "$VOUCH" verify --dns-zone keys.zone py-ed.eml
		cc=${c%%/*}
		if [ $have_opendkim = 1 ]; then
			"$PEER" sign rsa1.private example.org rsa1 rsa $cc "$m" > od-rsa.eml &&
			expect_exit 0 "vouch verifies libopendkim rsa $cc $name" "$VOUCH" verify --dns-zone keys.zone od-rsa.eml
			# libopendkim's Ed25519 with simple header canonicalization
			# never verifies anywhere (its b= wrapping bug): relaxed only.
			if [ $cc = relaxed ]; then
				"$PEER" sign ed1.private example.org ed1 ed25519 $cc "$m" > od-ed.eml &&
				expect_exit 0 "vouch verifies libopendkim ed25519 $cc $name" "$VOUCH" verify --dns-zone keys.zone od-ed.eml
			fi
		fi
	done
done
finish
