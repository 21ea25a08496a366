/*
 * vouch seal: a forwarder's hop (RFC 8617 5.1).  The message is verified
 * through the same library call as `vouch verify` (DKIM, SPF, DMARC, the
 * incoming ARC chain), and one ARC set recording that verdict is
 * prepended.  Same pipeline promises as `vouch sign`: the input bytes come
 * out unchanged after the new headers, nothing is written on failure.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const char usage_seal[] =
"usage: vouch seal (-d DOMAIN -s SELECTOR -k KEYFILE | --key-table FILE)\n"
"                  [--authserv-id ID]\n"
"                  [--ip IP [--mail-from ADDR] [--helo NAME]] [-H HEADERS]\n"
"                  [--allow-unsafe-key] [-o OUT] [FILE|-]\n"
"\n"
"Verify the message (DKIM, SPF, DMARC and its ARC chain, as vouch verify\n"
"does), then add this hop's ARC set: ARC-Authentication-Results (the\n"
"verdict), ARC-Message-Signature (over the message as it leaves) and\n"
"ARC-Seal (cv= from the chain's verdict).  The output is the three\n"
"headers followed by the input bytes exactly as they came.\n"
"\n"
"  -d DOMAIN         the sealer's domain (d=)\n"
"  -s SELECTOR       the key's selector (s=)\n"
"  -k KEYFILE        the private key: rsa-sha256 (required by RFC 8617),\n"
"                    or Ed25519\n"
"  --key-table FILE  choose domain, selector and key by the sender, as\n"
"                    vouch sign does (SENDER-PATTERN DOMAIN SELECTOR\n"
"                    KEYFILE); an unmatched sender passes through unsealed\n"
"  --authserv-id ID  the ADMD in the AAR (default: the host name)\n"
"  --ip, --mail-from, --helo   the client, for SPF (as in vouch verify)\n"
"  -H HEADERS        AMS h= (colon-separated; default: the DKIM defaults\n"
"                    present); ARC-Authentication-Results is always signed\n"
"  --at UNIXTIME     the t= of the new set (default: now)\n"
"  -o OUT            write OUT, atomically; default stdout\n"
"\n"
"A chain whose newest seal already says cv=fail gets no new set (RFC 8617\n"
"5.1.1): the message passes through unchanged, exit 0, with a note.\n"
"Exit: 0 sealed; 64 usage; 65 a message that cannot be sealed (malformed,\n"
"already 50 instances); 66 no input; 73 the -o file cannot be created;\n"
"74 I/O error; 75 DNS failure, try later; 78 bad or unreadable key.  On\n"
"failure nothing is written.\n";

enum { OPT_AUTHSERV = OPT_FIRST_LOCAL, OPT_IP, OPT_MAILFROM, OPT_HELO,
    OPT_UNSAFE, OPT_AT, OPT_KEYTABLE };

struct seal_opts {
	const char *domain, *selector, *keyfile, *authserv, *headers, *output;
	const char *input, *keytable;
	struct vouch_auth_conn conn;
	int unsafe;
	unsigned long at;
	struct cli_dns dns;
};

static int
parse(int argc, char **argv, struct seal_opts *o)
{
	static const struct option longopts[] = {
		{ "authserv-id", required_argument, NULL, OPT_AUTHSERV },
		{ "ip", required_argument, NULL, OPT_IP },
		{ "mail-from", required_argument, NULL, OPT_MAILFROM },
		{ "helo", required_argument, NULL, OPT_HELO },
		{ "allow-unsafe-key", no_argument, NULL, OPT_UNSAFE },
		{ "at", required_argument, NULL, OPT_AT },
		{ "key-table", required_argument, NULL, OPT_KEYTABLE },
		{ "output", required_argument, NULL, 'o' },
		CLI_DNS_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:s:k:H:o:h", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'd': o->domain = optarg; break;
		case 's': o->selector = optarg; break;
		case 'k': o->keyfile = optarg; break;
		case 'H': o->headers = optarg; break;
		case 'o': o->output = optarg; break;
		case OPT_AUTHSERV: o->authserv = optarg; break;
		case OPT_IP: o->conn.ip = optarg; break;
		case OPT_MAILFROM: o->conn.mail_from = optarg; break;
		case OPT_HELO: o->conn.helo = optarg; break;
		case OPT_UNSAFE: o->unsafe = 1; break;
		case OPT_KEYTABLE: o->keytable = optarg; break;
		case OPT_AT:
			if (cli_parse_uint("--at", optarg, 0xffffffffffUL,
			    &o->at))
				return EX_USAGE;
			break;
		case 'h':
		case OPT_HELP:
			return -1;
		default:
			if (!cli_dns_option(&o->dns, c, optarg) || o->dns.error)
				return EX_USAGE;
		}
	}
	if (optind < argc)
		o->input = argv[optind++];
	if (optind < argc) {
		cli_err("seal", "%s: one message at a time", argv[optind]);
		return EX_USAGE;
	}
	if (o->keytable != NULL && (o->domain != NULL || o->selector !=
	    NULL || o->keyfile != NULL)) {
		cli_err("seal", "--key-table and -d/-s/-k exclude each other");
		return EX_USAGE;
	}
	if (o->keytable == NULL && (o->domain == NULL || o->selector == NULL ||
	    o->keyfile == NULL)) {
		cli_err("seal", "give -d DOMAIN, -s SELECTOR and -k KEYFILE, or "
		    "--key-table FILE");
		return EX_USAGE;
	}
	if (o->conn.ip != NULL && !cli_ip_ok(o->conn.ip)) {
		cli_err("--ip", "%s: not an IPv4 or IPv6 address", o->conn.ip);
		return EX_USAGE;
	}
	if ((o->conn.mail_from != NULL || o->conn.helo != NULL) &&
	    o->conn.ip == NULL) {
		cli_err("seal", "--mail-from and --helo need --ip");
		return EX_USAGE;
	}
	return EX_OK;
}

/* Read all of in, feeding both, keeping a copy in spool when piped. */
static int
read_all(int in, int spool, struct vouch_auth *a, struct vouch_arc_sealer *s,
    const char *name)
{
	char *buf = malloc(65536);
	ssize_t r;
	int ex = EX_OK;

	if (buf == NULL)
		return EX_OSERR;
	while ((r = read(in, buf, 65536)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			cli_err(name, "%s", strerror(errno));
			ex = EX_IOERR;
			break;
		}
		if (a != NULL)
			vouch_auth_feed(a, buf, (size_t)r);
		if (s != NULL && vouch_arc_sealer_feed(s, buf, (size_t)r) ==
		    VOUCH_E_LIMIT) {
			cli_err(name, "header section larger than %u bytes: not "
			    "sealed", VOUCH_DKIM_MAX_HEADER);
			ex = EX_DATAERR;
			break;
		}
		if (spool >= 0 && cli_write_all(spool, buf, (size_t)r) != 0) {
			cli_err("spool", "%s", strerror(errno));
			ex = EX_IOERR;
			break;
		}
	}
	free(buf);
	return ex;
}

int
cmd_seal(int argc, char **argv)
{
	struct seal_opts o;
	struct vouch_arc_seal_params p = { 0 };
	struct vouch_error err = { 0 };
	const struct vouch_dkim_key *key = NULL;
	struct cli_keys ks;
	int finished = 0;
	struct vouch_dns *dns = NULL;
	struct vouch_auth_ctx *actx = NULL;
	struct vouch_auth *a = NULL;
	struct vouch_arc_sealer *s = NULL;
	char *headers = NULL;
	const char *name;
	int ex, in = -1, spool = -1;

	memset(&o, 0, sizeof(o));
	memset(&ks, 0, sizeof(ks));
	if ((ex = parse(argc, argv, &o)) != EX_OK)
		return ex < 0 ? cli_usage("seal", usage_seal, EX_OK) :
		    cli_usage("seal", usage_seal, ex);
	name = o.input == NULL || strcmp(o.input, "-") == 0 ? "stdin" : o.input;
	ks.unsafe = o.unsafe;
	if (o.keytable == NULL && (key = cli_keys_load(&ks, o.keyfile, &ex)) ==
	    NULL) {
		cli_keys_clear(&ks);
		return ex;
	}
	if ((dns = cli_dns_setup(&o.dns, NULL, &ex)) == NULL)
		goto out;
	if ((actx = vouch_auth_ctx_new(dns, o.authserv != NULL ? o.authserv :
	    cli_host_name())) == NULL) {
		ex = EX_OSERR;
		goto out;
	}
	if (vouch_auth_new(actx, &o.conn, &a) != VOUCH_OK) {
		ex = EX_OSERR;
		goto out;
	}
	if ((in = cli_input_open(o.input, &spool, &ex)) < 0)
		goto out;
	if (o.keytable != NULL) {
		/* the sender chooses the key: verify first, then seal from
		 * the spooled copy */
		struct cli_keysel sel[1];
		size_t n = 0;

		if ((ex = read_all(in, spool, a, NULL, name)) != EX_OK)
			goto out;
		if (vouch_auth_finish(a, &err) != VOUCH_OK) {
			cli_err(name, "%s", err.message);
			ex = cli_exit_for(err.status);
			goto out;
		}
		finished = 1;
		if (vouch_auth_from(a) == NULL) {
			cli_err(name, "no usable From: the key table cannot "
			    "choose a key");
			ex = EX_DATAERR;
			goto out;
		}
		if (cli_key_table(&ks, o.keytable, vouch_auth_from(a), sel, 1,
		    &n, &ex) != 0)
			goto out;
		if (n == 0) {
			/* as vouch sign: an unmatched sender passes */
			ex = cli_write_prepended(o.output, NULL, spool >= 0 ?
			    spool : in);
			goto out;
		}
		o.domain = sel[0].domain;
		o.selector = sel[0].selector;
		key = sel[0].key;
	}
	p.domain = o.domain;
	p.selector = o.selector;
	p.key = key;
	p.headers = o.headers;
	p.timestamp = (int64_t)o.at;
	if (vouch_arc_sealer_new(&p, &s, &err) != VOUCH_OK) {
		cli_err("seal", "%s", err.message);
		ex = err.status == VOUCH_E_INVAL ? EX_USAGE : EX_OSERR;
		goto out;
	}
	if (finished) {
		int src = spool >= 0 ? spool : in;

		if (lseek(src, 0, SEEK_SET) == (off_t)-1) {
			cli_err(name, "%s", strerror(errno));
			ex = EX_IOERR;
			goto out;
		}
		if ((ex = read_all(src, -1, NULL, s, name)) != EX_OK)
			goto out;
	} else {
		if ((ex = read_all(in, spool, a, s, name)) != EX_OK)
			goto out;
		if (vouch_auth_finish(a, &err) != VOUCH_OK) {
			cli_err(name, "%s", err.message);
			ex = cli_exit_for(err.status);
			goto out;
		}
	}
	if (vouch_auth_spf(a) != NULL &&
	    vouch_auth_spf(a)->result == VOUCH_SPF_TEMPERROR) {
		cli_err(name, "SPF: DNS failure; try again later");
		ex = EX_TEMPFAIL;
		goto out;
	}
	if (vouch_auth_seal(a, s, &headers, &err) != VOUCH_OK) {
		cli_err(name, "%s", err.message);
		ex = err.status == VOUCH_E_SYNTAX ? EX_DATAERR :
		    cli_exit_for(err.status);
		goto out;
	}
	if (*headers == '\0')
		cli_err(name, "%s; passed through unchanged", err.message);
	/* everything is known: now, and only now, write */
	ex = cli_write_prepended(o.output, headers, spool >= 0 ? spool : in);
out:
	vouch_free(headers);
	vouch_arc_sealer_free(s);
	vouch_auth_free(a);
	vouch_auth_ctx_free(actx);
	vouch_dns_free(dns);
	cli_keys_clear(&ks);
	if (in > STDIN_FILENO)
		close(in);
	if (spool >= 0)
		close(spool);
	return ex;
}
