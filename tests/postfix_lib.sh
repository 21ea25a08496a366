# A private Postfix instance for tests and benchmarks (sourced).
#   pf_setup DIR MILTER SINKPORT  -> sets PF_SMTP, PF_SUB (ports)
#   pf_start / pf_stop
# Its own config, queue and log under DIR, listening on 127.0.0.1 only,
# relaying everything to a sink on SINKPORT: nothing touches the system's
# mail.  Needs root (Postfix's master drops to the postfix user itself).

pf_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pf_available() {
	[ -x /usr/sbin/postfix ] && [ -x /usr/lib/postfix/sbin/master ] &&
	    [ "$(id -u)" = 0 ] && id postfix >/dev/null 2>&1
}

pf_setup() {
	PF_DIR=$1
	PF_SMTP=$(pf_port)
	PF_SUB=$(pf_port)
	mkdir -p "$PF_DIR/conf/sasl" "$PF_DIR/queue" "$PF_DIR/data"
	chown postfix "$PF_DIR/data"
	cat > "$PF_DIR/conf/main.cf" <<EOC
compatibility_level = 3.6
queue_directory = $PF_DIR/queue
data_directory = $PF_DIR/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.vouch.test
mydomain = vouch.test
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$3
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_peername_lookup = no
smtpd_authorized_xclient_hosts = 127.0.0.0/8
relay_domains = example.net
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
smtpd_milters = $2
milter_default_action = tempfail
non_smtpd_milters =
alias_maps =
alias_database =
local_recipient_maps =
biff = no
maillog_file = $PF_DIR/maillog
maillog_file_prefixes = $PF_DIR
message_size_limit = 104857600
smtpd_sasl_local_domain = mx.vouch.test
cyrus_sasl_config_path = $PF_DIR/conf/sasl
default_process_limit = 20
EOC
	cat > "$PF_DIR/conf/master.cf" <<EOC
127.0.0.1:$PF_SMTP inet n - n - - smtpd
127.0.0.1:$PF_SUB inet n - n - - smtpd
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_type=cyrus
  -o smtpd_sasl_path=smtpd
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOC
	# (Debian's Postfix reads $config_directory/sasl/smtpd.conf)
	cat > "$PF_DIR/conf/sasl/smtpd.conf" <<EOC
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $PF_DIR/conf/sasl/sasldb2
EOC
}

# pf_user NAME PASSWORD: a SASL account (sasldb2)
pf_user() {
	printf '%s' "$2" | saslpasswd2 -c -p -f "$PF_DIR/conf/sasl/sasldb2" \
	    -u mx.vouch.test "$1" && chown postfix "$PF_DIR/conf/sasl/sasldb2"
}

pf_start() {
	script -qc "postfix -c $PF_DIR/conf check" /dev/null >"$PF_DIR/start.log" 2>&1 &&
	script -qc "postfix -c $PF_DIR/conf start" /dev/null >>"$PF_DIR/start.log" 2>&1 || {
		cat "$PF_DIR/start.log"
		return 1
	}
	# wait until smtpd answers
	i=0
	while [ $i -lt 100 ]; do
		python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$PF_SMTP),1).close()" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

pf_stop() {
	[ -n "${PF_DIR:-}" ] || return 0
	pid=$(tr -d ' ' < "$PF_DIR/queue/pid/master.pid" 2>/dev/null)
	postfix -c "$PF_DIR/conf" stop >/dev/null 2>&1
	# the master exits; wait for it so the queue can be removed
	i=0
	while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# pf_sent: how many deliveries Postfix has logged as sent
pf_sent() {
	n=$(grep -c "status=sent" "$PF_DIR/maillog" 2>/dev/null || true)
	echo "${n:-0}"
}

# pf_wait_sink DIR N: wait (30 s at most) until N messages sit in DIR
pf_wait_sink() {
	i=0
	while [ "$(find "$1" -type f 2>/dev/null | wc -l)" -lt "$2" ] &&
	    [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(find "$1" -type f 2>/dev/null | wc -l)" -ge "$2" ]
}

# pf_through MILTER-PORT N: seconds for N 4 KB messages from smtp-source
# through the running instance, with that milter, until all are relayed
pf_through() {
	postconf -c "$PF_DIR/conf" -e "smtpd_milters = inet:127.0.0.1:$1"
	postfix -c "$PF_DIR/conf" reload >/dev/null 2>&1
	sleep 1
	before=$(pf_sent)
	start=$(date +%s.%N)
	smtp-source -m "$2" -s 20 -l 3900 -f alice@milter.test -t rcpt@example.net \
		-S benchmark 127.0.0.1:$PF_SMTP
	i=0
	while [ "$(pf_sent)" -lt $((before + $2)) ] && [ $i -lt 3000 ]; do
		sleep 0.05; i=$((i + 1))
	done
	end=$(date +%s.%N)
	echo "$end - $start" | bc -l
}
