#!/bin/sh
# Header injection (issue: security first): text from the sender's SPF
# record, its explanation, include targets, the HELO, MAIL FROM and the
# message must never add a field, a result or a bare CR/LF to the headers
# vouch writes.  Every output is checked by the RFC 8601 / RFC 7208 9.1
# grammar in tests/ar_check.py: exactly one field, fully parsed, with only
# the results vouch computed.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

Z="--dns-zone $ZONES/inject.example.zone"
CHECK="${PYTHON3:-python3} $top_srcdir/tests/ar_check.py"

check() {	# DESCRIPTION FILE ARGS...
	what=$1; f=$2; shift 2
	if $CHECK "$f" "$@" > "$tmp/chk" 2>&1; then ok "$what"; else
		not_ok "$what: $(cat "$tmp/chk")"; sed 's/^/  | /' "$f" | head -8
	fi
}

# SPF records, explanations and include targets
for d in lf paren crlf inc utf8; do
	"$VOUCH" spf --ip 192.0.2.1 --mail-from "a@$d.inject.example" $Z \
	    --format ar --authserv-id mx.test > "$tmp/ar" 2>"$tmp/err"
	check "spf --format ar, record $d" "$tmp/ar" --expect 'spf=*'
	"$VOUCH" spf --ip 192.0.2.1 --mail-from "a@$d.inject.example" $Z \
	    --helo mx.test --format received-spf > "$tmp/rs" 2>"$tmp/err"
	check "spf --format received-spf, record $d" "$tmp/rs" \
	    --field Received-SPF --client-ip 192.0.2.1 --expect '*'
	"$VOUCH" spf --ip 192.0.2.1 --mail-from "a@$d.inject.example" $Z \
	    > "$tmp/text" 2>"$tmp/err"
	if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$tmp/text" ||
	    [ "$(grep -c Authentication-Results "$tmp/text")" != 0 -a $d != lf -a $d != crlf ]; then
		not_ok "spf text output, record $d, holds control bytes"
	else
		ok "spf text output, record $d: no control bytes"
	fi
done
# an explanation carrying CRLF (from the local part, by %{l}) in text
# output: one line per item, no CR
CRLF_FROM=$(printf 'x\r\nAuthentication-Results: mx; dkim=pass@crlf.inject.example')
"$VOUCH" spf --ip 192.0.2.1 --mail-from "$CRLF_FROM" $Z > "$tmp/text"
if LC_ALL=C grep -q "$(printf '\r')" "$tmp/text"; then
	not_ok "exp= CRLF reaches text output"
else ok "exp= CRLF escaped in text output"; fi
grep -q '^explanation: bad x\\x0d\\x0aAuthentication-Results' "$tmp/text" &&
	ok "exp= CRLF shown as \\x0d\\x0a" || not_ok "exp= CRLF shown as \\x0d\\x0a"

# identities: HELO and MAIL FROM
for helo in 'x.example;dkim=pass header.d=paypal.com' \
    'x.example) client-ip=6.6.6.6; (' 'h=é;x.example' "$(printf 'x\r\nAuthentication-Results: mx; dkim=pass')"; do
	"$VOUCH" spf --ip 192.0.2.1 --helo "$helo" $Z --format ar \
	    --authserv-id mx.test > "$tmp/ar" 2>"$tmp/err"
	check "spf ar, HELO '$helo'" "$tmp/ar" --expect 'spf=*'
	"$VOUCH" spf --ip 192.0.2.1 --helo "$helo" $Z --format received-spf \
	    > "$tmp/rs" 2>"$tmp/err"
	check "received-spf, HELO '$helo'" "$tmp/rs" --field Received-SPF \
	    --client-ip 192.0.2.1 --expect '*'
done
for from in '"a) client-ip=6.6.6.6; (b"@pass.inject.example' \
    'a;b=c@pass.inject.example' 'é@pass.inject.example' \
    '"x\" dkim=pass"@pass.inject.example'; do
	"$VOUCH" spf --ip 192.0.2.1 --mail-from "$from" --helo x.inject.example \
	    $Z --format received-spf > "$tmp/rs" 2>"$tmp/err"
	check "received-spf, MAIL FROM '$from'" "$tmp/rs" --field Received-SPF \
	    --client-ip 192.0.2.1 --expect '*'
	"$VOUCH" spf --ip 192.0.2.1 --mail-from "$from" $Z --format ar \
	    --authserv-id mx.test > "$tmp/ar" 2>"$tmp/err"
	check "spf ar, MAIL FROM '$from'" "$tmp/ar" --expect 'spf=*'
done

# the whole verdict: verify --format ar and --add-header
printf 'From: a@pass.inject.example\r\nSubject: hi\r\n\r\nbody\r\n' > "$tmp/m.eml"
cat > "$tmp/sig.eml" <<'MSG'
DKIM-Signature: v=1; a=rsa-sha256; d=x(y)"z.inject.example;
 s=a)b; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA
From: a@pass.inject.example

body
MSG
for from in "$CRLF_FROM" "$(printf 'a@crlf.inject.example\r\nX: y')"; do
	"$VOUCH" spf --ip 192.0.2.1 --mail-from "$from" $Z --format received-spf \
	    > "$tmp/rs" 2>"$tmp/err"
	check "received-spf, MAIL FROM with CRLF" "$tmp/rs" --field Received-SPF \
	    --client-ip 192.0.2.1 --expect '*'
done
for d in lf paren crlf inc utf8 pass; do
	for m in m sig; do
		"$VOUCH" verify $Z --ip 192.0.2.1 --mail-from "a@$d.inject.example" \
		    --helo 'h;dkim=pass' --authserv-id mx.test --add-header \
		    "$tmp/$m.eml" > "$tmp/out.eml" 2>"$tmp/err"
		check "verify --add-header, $m, record $d" "$tmp/out.eml" \
		    --expect 'dkim=*' --expect 'spf=*' --expect 'dmarc=*'
		"$VOUCH" verify $Z --ip 192.0.2.1 --mail-from "a@$d.inject.example" \
		    --authserv-id mx.test --format ar "$tmp/$m.eml" > "$tmp/ar" \
		    2>"$tmp/err"
		check "verify --format ar, $m, record $d" "$tmp/ar" \
		    --expect 'dkim=*' --expect 'spf=*' --expect 'dmarc=*'
	done
done
# a forged result cannot ride in on the authserv-id either
"$VOUCH" verify $Z --authserv-id 'mx; dkim=pass' --format ar "$tmp/m.eml" > "$tmp/ar"
check "authserv-id with ';' is quoted" "$tmp/ar" --expect 'dkim=none' --expect 'dmarc=*'
# text output of verify: one line per message, no control bytes
"$VOUCH" verify $Z --ip 192.0.2.1 --mail-from a@lf.inject.example "$tmp/sig.eml" > "$tmp/text"
[ "$(wc -l < "$tmp/text")" = 1 ] && ok "verify text: one line" || not_ok "verify text: $(wc -l < "$tmp/text") lines"
# the checker itself must catch what it is there to catch
printf 'Authentication-Results: mx; spf=pass\n\tsmtp.mailfrom=a@b (x); dkim=pass header.d=p\n' > "$tmp/bad"
$CHECK "$tmp/bad" --expect spf=pass >/dev/null 2>&1 && not_ok "checker misses an added result" || ok "checker catches an added result"
printf 'Authentication-Results: mx; spf=pass (a\nAuthentication-Results: mx; dkim=pass\n' > "$tmp/bad"
$CHECK "$tmp/bad" --expect spf=pass >/dev/null 2>&1 && not_ok "checker misses a second field" || ok "checker catches a second field"
finish
