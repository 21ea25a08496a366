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

enum { OPT_AUTHSERV = OPT_FIRST_LOCAL, OPT_IP, OPT_MAILFROM, OPT_HELO,
    OPT_UNSAFE, OPT_AT, OPT_KEYTABLE, OPT_FROMAR };

static const struct cli_opt seal_options[] = {
	{ "domain", required_argument, 'd', "DOMAIN",
	    "the sealer's domain (d=)" },
	{ "selector", required_argument, 's', "SELECTOR",
	    "the key's selector (s=)" },
	{ "key", required_argument, 'k', "KEYFILE",
	    "the private key: rsa-sha256 (required by RFC 8617),\n"
	    "or Ed25519" },
	{ "key-table", required_argument, OPT_KEYTABLE, "FILE",
	    "choose domain, selector and key by the sender, as vouch\n"
	    "sign does (SENDER-PATTERN DOMAIN SELECTOR KEYFILE); an\n"
	    "unmatched sender passes through unsealed" },
	{ "allow-unsafe-key", no_argument, OPT_UNSAFE, NULL,
	    "accept a key file readable by group or others" },
	{ "authserv-id", required_argument, OPT_AUTHSERV, "ID",
	    "the ADMD in the AAR (default: the host name)" },
	{ "from-ar", no_argument, OPT_FROMAR, NULL,
	    "seal with the verdict recorded on arrival, the message's\n"
	    "Authentication-Results of --authserv-id (a list or\n"
	    "forwarder sending on mail its MTA verified), instead of\n"
	    "verifying it now; no DNS" },
	{ "ip", required_argument, OPT_IP, "IP",
	    "the client, for SPF (as in vouch verify)" },
	{ "mail-from", required_argument, OPT_MAILFROM, "ADDR",
	    "with --ip: the MAIL FROM address" },
	{ "helo", required_argument, OPT_HELO, "NAME",
	    "with --ip: the HELO name" },
	{ "headers", required_argument, 'H', "HEADERS",
	    "AMS h= (colon-separated; default: the DKIM defaults\n"
	    "present); ARC-Authentication-Results is always signed" },
	{ "at", required_argument, OPT_AT, "UNIXTIME",
	    "the t= of the new set (default: now)" },
	{ "output", required_argument, 'o', "OUT",
	    "write OUT, atomically; default stdout" },
	{ NULL, 0, 0, NULL, NULL }
};

const struct cli_help usage_seal = {
	"usage: vouch seal (-d DOMAIN -s SELECTOR -k KEYFILE | --key-table FILE)\n"
	"                  [--authserv-id ID]\n"
	"                  [--from-ar | --ip IP [--mail-from ADDR] [--helo NAME]]\n"
	"                  [-H HEADERS]\n"
	"                  [--allow-unsafe-key] [-o OUT] [FILE|-]\n"
	"\n"
	"Verify the message (DKIM, SPF, DMARC and its ARC chain, as vouch verify\n"
	"does), then add this hop's ARC set: ARC-Authentication-Results (the\n"
	"verdict), ARC-Message-Signature (over the message as it leaves) and\n"
	"ARC-Seal (cv= from the chain's verdict).  The output is the three\n"
	"headers followed by the input bytes exactly as they came.\n"
	"\n"
	"With --from-ar the message is not verified again: a list or forwarder\n"
	"has changed it since its MTA verified it on arrival, so the verdict is\n"
	"the Authentication-Results field of --authserv-id (the one your MTA\n"
	"wrote; it removes such fields from incoming mail), and cv= is its arc=\n"
	"result (or pass over your own inbound seal).\n",
	seal_options,
	"A chain whose newest seal already says cv=fail gets no new set (RFC 8617\n"
	"5.1.1): the message passes through unchanged, exit 0, with a note.\n"
	"Exit: 0 sealed; 64 usage; 65 a message that cannot be sealed (malformed,\n"
	"already 50 instances; with --from-ar: no Authentication-Results of\n"
	"the authserv-id, or one that does not fit the chain); 66 no input; 73 the -o file cannot be created;\n"
	"74 I/O error; 75 DNS failure, try later; 78 bad or unreadable key.  On\n"
	"failure nothing is written.\n",
	1
};

struct seal_opts {
	const char *domain, *selector, *keyfile, *authserv, *headers, *output;
	const char *input, *keytable;
	struct vouch_auth_conn conn;
	int unsafe, from_ar;
	unsigned long at;
	struct cli_dns dns;
};


/* One option into o: EX_OK, -1 for --help, or EX_USAGE. */
static int
seal_opt(struct seal_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'd': o->domain = arg; break;
	case 's': o->selector = arg; break;
	case 'k': o->keyfile = arg; break;
	case 'H': o->headers = arg; break;
	case 'o': o->output = arg; break;
	case OPT_AUTHSERV: o->authserv = arg; break;
	case OPT_IP: o->conn.ip = arg; break;
	case OPT_MAILFROM: o->conn.mail_from = arg; break;
	case OPT_HELO: o->conn.helo = arg; break;
	case OPT_UNSAFE: o->unsafe = 1; break;
	case OPT_KEYTABLE: o->keytable = arg; break;
	case OPT_FROMAR: o->from_ar = 1; break;
	case OPT_AT:
		return cli_parse_uint("--at", arg, 0xffffffffffUL, &o->at) ?
		    EX_USAGE : EX_OK;
	case 'h':
	case OPT_HELP:
		return -1;
	default:
		if (!cli_dns_option(&o->dns, c, arg) || o->dns.error)
			return EX_USAGE;
	}
	return EX_OK;
}

/* Options that only make sense together: EX_OK or EX_USAGE (said). */
static int
seal_check(const struct seal_opts *o)
{
	int table = o->keytable != NULL;

	if (table && (o->domain || o->selector || o->keyfile))
		cli_err("seal", "--key-table and -d/-s/-k exclude each other");
	else if (!table && (!o->domain || !o->selector || !o->keyfile))
		cli_err("seal", "give -d DOMAIN, -s SELECTOR and -k KEYFILE, or "
		    "--key-table FILE");
	else if (o->from_ar && (o->conn.ip != NULL || o->conn.helo != NULL ||
	    o->conn.mail_from != NULL))
		cli_err("seal", "--from-ar takes the verdict from the message: "
		    "--ip, --mail-from and --helo do not apply");
	else if (o->from_ar && table)
		cli_err("seal", "--from-ar seals with one key: give -d, -s "
		    "and -k, not --key-table");
	else if (o->conn.ip != NULL && !cli_ip_ok(o->conn.ip))
		cli_err("--ip", "%s: not an IPv4 or IPv6 address", o->conn.ip);
	else if ((o->conn.mail_from != NULL || o->conn.helo != NULL) &&
	    o->conn.ip == NULL)
		cli_err("seal", "--mail-from and --helo need --ip");
	else
		return EX_OK;
	return EX_USAGE;
}

static int
parse(int argc, char **argv, struct seal_opts *o)
{
	int c, r;

	optind = 1;
	while ((c = cli_getopt(argc, argv, &usage_seal)) != -1)
		if ((r = seal_opt(o, c, optarg)) != EX_OK)
			return r;
	if (optind < argc)
		o->input = argv[optind++];
	if (optind < argc) {
		cli_err("seal", "%s: one message at a time", argv[optind]);
		return EX_USAGE;
	}
	return seal_check(o);
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

/* One run of vouch seal. */
struct seal_run {
	struct seal_opts o;
	struct cli_keys ks;
	const struct vouch_dkim_key *key;
	struct vouch_auth *a;
	struct vouch_arc_sealer *s;
	const char *name;
	int in, spool, finished, passed;
};

/* Verified before sealing, when the key table chooses the key by the
 * sender: the key, or r->passed for a sender no line matches. */
static int
seal_table_key(struct seal_run *r)
{
	struct vouch_error err = { 0 };
	struct cli_keysel sel[1];
	size_t n = 0;
	int ex;

	if ((ex = read_all(r->in, r->spool, r->a, NULL, r->name)) != EX_OK)
		return ex;
	if (vouch_auth_finish(r->a, &err) != VOUCH_OK) {
		cli_err(r->name, "%s", err.message);
		return cli_exit_for(err.status);
	}
	r->finished = 1;
	if (vouch_auth_from(r->a) == NULL) {
		cli_err(r->name, "no usable From: the key table cannot choose "
		    "a key");
		return EX_DATAERR;
	}
	if (cli_key_table(&r->ks, r->o.keytable, vouch_auth_from(r->a), sel,
	    1, &n, &ex) != 0)
		return ex;
	if (n == 0) {
		/* as vouch sign: an unmatched sender passes */
		r->passed = 1;
		return cli_write_prepended(r->o.output, NULL, r->spool >= 0 ?
		    r->spool : r->in);
	}
	r->o.domain = sel[0].domain;
	r->o.selector = sel[0].selector;
	r->key = sel[0].key;
	return EX_OK;
}

/* The sealer, fed the message (verified on the way unless it was). */
static int
seal_feed(struct seal_run *r)
{
	struct vouch_arc_seal_params p = { 0 };
	struct vouch_error err = { 0 };
	int src = r->spool >= 0 ? r->spool : r->in, ex;

	p.domain = r->o.domain;
	p.selector = r->o.selector;
	p.key = r->key;
	p.headers = r->o.headers;
	p.timestamp = (int64_t)r->o.at;
	if (vouch_arc_sealer_new(&p, &r->s, &err) != VOUCH_OK) {
		cli_err("seal", "%s", err.message);
		return err.status == VOUCH_E_INVAL ? EX_USAGE : EX_OSERR;
	}
	if (r->finished) {
		if (lseek(src, 0, SEEK_SET) == (off_t)-1) {
			cli_err(r->name, "%s", strerror(errno));
			return EX_IOERR;
		}
		return read_all(src, -1, NULL, r->s, r->name);
	}
	if ((ex = read_all(r->in, r->spool, r->a, r->s, r->name)) != EX_OK ||
	    r->a == NULL)
		return ex;
	if (vouch_auth_finish(r->a, &err) != VOUCH_OK) {
		cli_err(r->name, "%s", err.message);
		return cli_exit_for(err.status);
	}
	return EX_OK;
}

/* The seal of the verdict, written before the message. */
static int
seal_write(struct seal_run *r)
{
	struct vouch_error err = { 0 };
	char *headers = NULL;
	int ex;

	if (r->a == NULL) {
		/* --from-ar: the verdict the MTA recorded on arrival */
		if (vouch_arc_sealer_finish_ar(r->s, r->o.authserv != NULL ?
		    r->o.authserv : cli_host_name(), &headers, &err) !=
		    VOUCH_OK) {
			cli_err(r->name, "%s", err.message);
			return err.status == VOUCH_E_SYNTAX || err.status ==
			    VOUCH_E_NOTFOUND ? EX_DATAERR :
			    cli_exit_for(err.status);
		}
	} else if (vouch_auth_spf(r->a) != NULL &&
	    vouch_auth_spf(r->a)->result == VOUCH_SPF_TEMPERROR) {
		cli_err(r->name, "SPF: DNS failure; try again later");
		return EX_TEMPFAIL;
	} else if (vouch_auth_seal(r->a, r->s, &headers, &err) != VOUCH_OK) {
		cli_err(r->name, "%s", err.message);
		return err.status == VOUCH_E_SYNTAX ? EX_DATAERR :
		    cli_exit_for(err.status);
	}
	if (*headers == '\0')
		cli_err(r->name, "%s; passed through unchanged", err.message);
	/* everything is known: now, and only now, write */
	ex = cli_write_prepended(r->o.output, headers, r->spool >= 0 ?
	    r->spool : r->in);
	vouch_free(headers);
	return ex;
}

int
cmd_seal(int argc, char **argv)
{
	struct seal_run r;
	struct vouch_dns *dns = NULL;
	struct vouch_auth_ctx *actx = NULL;
	int ex;

	memset(&r, 0, sizeof(r));
	r.in = r.spool = -1;
	if ((ex = parse(argc, argv, &r.o)) != EX_OK)
		return cli_usage("seal", &usage_seal, ex < 0 ? EX_OK : ex);
	r.name = r.o.input == NULL || strcmp(r.o.input, "-") == 0 ? "stdin" :
	    r.o.input;
	r.ks.unsafe = r.o.unsafe;
	r.ks.unsafe_hint = "--allow-unsafe-key";
	if (r.o.keytable == NULL && (r.key = cli_keys_load(&r.ks, r.o.keyfile,
	    &ex)) == NULL)
		goto out;
	if (!r.o.from_ar && (dns = cli_dns_setup(&r.o.dns, NULL, &ex)) ==
	    NULL)
		goto out;
	if (!r.o.from_ar && ((actx = vouch_auth_ctx_new(dns, r.o.authserv !=
	    NULL ? r.o.authserv : cli_host_name())) == NULL ||
	    vouch_auth_new(actx, &r.o.conn, &r.a) != VOUCH_OK)) {
		ex = EX_OSERR;
		goto out;
	}
	if ((r.in = cli_input_open(r.o.input, &r.spool, &ex)) < 0)
		goto out;
	if (r.o.keytable != NULL && ((ex = seal_table_key(&r)) != EX_OK ||
	    r.passed))
		goto out;
	if ((ex = seal_feed(&r)) == EX_OK)
		ex = seal_write(&r);
out:
	vouch_arc_sealer_free(r.s);
	vouch_auth_free(r.a);
	vouch_auth_ctx_free(actx);
	vouch_dns_free(dns);
	cli_keys_clear(&r.ks);
	if (r.in > STDIN_FILENO)
		close(r.in);
	if (r.spool >= 0)
		close(r.spool);
	return ex;
}
