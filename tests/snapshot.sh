#!/bin/sh
# --dns-record snapshots under attacker names (issue 21, finding 1): every
# byte of a recorded owner name or string is escaped (RFC 1035 5.1), so a
# name taken from a message cannot add a record to the snapshot, and a
# replay answers exactly what was recorded.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
cd "$tmp"
KEY=vvJ188E02JjLKHViqa0XRIMbGOqHIj/cXkUZR3nHnBA=
# The attacker's own zone answers a name built to read, written raw, as a
# key record for x1._domainkey.victim.example (labels of at most 63 bytes
# holding spaces, quotes and \059):
#   x1._domainkey.victim.example. 300 IN TXT "v=DKIM1; k=ed25519; n=" .
#   "; p=KEY" ;._domainkey.attacker.example
P='x1._domainkey.victim.example. 300 IN TXT "v=DKIM1\059 k=ed25519\059 n=" . "\059 p='$KEY'" \059._domainkey.attacker.example'
OWNER="$(printf '%s' "$P" | sed 's/ /\\032/g; s/"/\\034/g')."
printf '%s 300 IN TXT "a"\n' "$OWNER" > attacker.zone
expect_exit 0 "the attacker's zone answers the crafted name" "$VOUCH" dns TXT "$P" --dns-zone attacker.zone --dns-record snap.zone
grep -qv '^;' snap.zone && ok "the answer is recorded" || not_ok "nothing recorded: $(cat snap.zone)"
# every record line is one owner, TTL, IN, TXT, one string
awk '!/^;/ && NF != 5 { bad = 1 } END { exit bad }' snap.zone &&
	ok "every snapshot line is one record of five fields" || not_ok "snapshot: $(cat snap.zone)"
expect_exit 1 "replay: no record appeared at x1._domainkey.victim.example" "$VOUCH" dns TXT x1._domainkey.victim.example --dns-zone snap.zone
expect_exit 0 "replay: the crafted name answers what it answered" "$VOUCH" dns TXT "$P" --dns-zone snap.zone
expect_grep '^"a"$' "$tmp/out" "replay: the same data"

# the same name as a DKIM selector is no selector: never looked up or
# recorded, and the forgery it prepared does not pass
cp "$top_srcdir/testdata/keys/ed.private" ed.private; chmod 600 ed.private
printf 'From: ceo@victim.example\r\nSubject: pay\r\n\r\nnow\r\n' > forged.raw
"$VOUCH" sign -d victim.example -s x1 -k ed.private forged.raw > forged.eml
printf 'DKIM-Signature: v=1; a=ed25519-sha256; d=attacker.example; s=%s; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n' \
	"$(printf '%s' "$P" | sed 's/\._domainkey\.attacker\.example$//;')" > bait.eml
cat forged.raw >> bait.eml
"$VOUCH" verify --dns-zone attacker.zone --dns-record snap2.zone --format json bait.eml > bait.json
grep -q '"result":"permerror","reason":"syntax error in tag s' bait.json && ok "a selector that is no name: permerror" || not_ok "bait: $(cut -c1-300 bait.json)"
grep -v '^;' snap2.zone | grep -q . && not_ok "bait recorded: $(cat snap2.zone)" || ok "nothing recorded for it"
printf 'victim.example. 300 IN TXT "v=spf1 -all"\n' > victim.zone
"$VOUCH" verify --dns-zone snap.zone --dns-zone snap2.zone --dns-zone victim.zone --format json forged.eml > forged.json
grep -q '"dkim":\[{[^]]*"result":"pass"' forged.json && not_ok "forged message passes: $(cut -c1-300 forged.json)" ||
	ok "the forged victim.example message does not pass on replay"
finish
