#!/bin/sh
# Try vouch milter with a throw-away Postfix: a private Postfix instance on
# high ports of 127.0.0.1 (its own configuration, queue and log in a
# temporary folder, nothing of the system's mail touched), the milter with
# a new key, one message sent through it, the signed result shown, and
# everything removed again.  As root (Postfix's master needs it), from the
# source tree after `make`, or with vouch installed:
#   sh contrib/try-milter.sh [VOUCH]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
VOUCH=${1:-$( [ -x "$top/vouch" ] && echo "$top/vouch" || command -v vouch )}
. "$top/tests/postfix_lib.sh"
pf_available || { echo "try-milter: needs root and Debian's postfix package" >&2; exit 69; }
command -v smtp-sink >/dev/null || { echo "try-milter: smtp-sink (postfix) missing" >&2; exit 69; }
tmp=$(mktemp -d /tmp/vouch-try.XXXXXX)
chmod 755 "$tmp"
cleanup() {
	[ -n "${mpid:-}" ] && kill "$mpid" 2>/dev/null || true
	[ -n "${sinkpid:-}" ] && kill "$sinkpid" 2>/dev/null || true
	pf_stop 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

echo "== a key for try.example"
"$VOUCH" keygen -d try.example -s demo -o "$tmp" > /dev/null
printf '*@try.example try.example demo %s/demo.private\n' "$tmp" > "$tmp/keys.table"
port=$(pf_port)
cat > "$tmp/milter.conf" <<EOC
socket = inet:$port@127.0.0.1
authserv-id = mx.try.example
key-table = $tmp/keys.table
internal-networks = 127.0.0.0/8
EOC
echo "== vouch milter on 127.0.0.1:$port"
"$VOUCH" milter -f -c "$tmp/milter.conf" --dns-zone "$tmp/demo.txt" > "$tmp/milter.log" 2>&1 &
mpid=$!
i=0
until grep -q "event=start" "$tmp/milter.log" 2>/dev/null || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done

mkdir -p "$tmp/sink"
chown postfix "$tmp/sink"
sink=$(pf_port)
smtp-sink -u postfix -d "$tmp/sink/%M." 127.0.0.1:$sink 10 > /dev/null 2>&1 &
sinkpid=$!
pf_setup "$tmp/pf" "inet:127.0.0.1:$port" "$sink"
pf_start
echo "== Postfix on 127.0.0.1:$PF_SMTP, relaying to a sink on $sink"

printf 'From: Alice <alice@try.example>\r\nTo: bob@example.net\r\nSubject: hello from vouch\r\n\r\nSigned on the way out.\r\n' > "$tmp/m.eml"
python3 "$top/tests/smtp_send.py" "$PF_SMTP" "$tmp/m.eml"
i=0
until ls "$tmp/sink"/* >/dev/null 2>&1 || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
f=$(ls "$tmp/sink"/* | head -1)
echo "== delivered:"
sed '1,/^X-Rcpt-Args:/d' "$f" | sed -n '1,/^$/p'
echo "== vouch verify on it (offline, the key's own record):"
sed '1,/^X-Rcpt-Args:/d' "$f" > "$tmp/out.eml"
"$VOUCH" verify --dns-zone "$tmp/demo.txt" "$tmp/out.eml"
echo "== the milter's log line:"
grep "action=sign" "$tmp/milter.log" || true
