/* vouch sign: DKIM-Signature header(s) prepended, the message unchanged. */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum { OPT_EXPIRE = OPT_FIRST_LOCAL, OPT_TIMESTAMP, OPT_KEYTABLE,
    OPT_REQUIRE, OPT_UNSAFE };

static const struct cli_opt sign_options[] = {
	{ "domain", required_argument, 'd', "DOMAIN",
	    "d=, the signing domain (for the -s after it)" },
	{ "selector", required_argument, 's', "SEL",
	    "s=, the selector (with the -k after it)" },
	{ "key", required_argument, 'k', "FILE",
	    "the private key (PEM, RSA or Ed25519) of that -s" },
	{ "canon", required_argument, 'c', "C",
	    "relaxed/relaxed (default), simple/simple, ..." },
	{ "headers", required_argument, 'H', "LIST",
	    "header fields to sign (default: RFC 6376 5.4.1 list,\n"
	    "From, To, Subject, Date, ... over-signed)" },
	{ "auid", required_argument, 'i', "AUID",
	    "i= tag (must be in DOMAIN)" },
	{ "output", required_argument, 'o', "FILE",
	    "write here (atomically) instead of stdout" },
	{ "expire", required_argument, OPT_EXPIRE, "SECONDS",
	    "x= this long after t=" },
	{ "timestamp", required_argument, OPT_TIMESTAMP, "T",
	    "t= (default: now)" },
	{ "key-table", required_argument, OPT_KEYTABLE, "FILE",
	    "lines 'SENDER-PATTERN DOMAIN SELECTOR KEYFILE'; the\n"
	    "first pattern matching From wins, with every line of\n"
	    "that same pattern (several keys)" },
	{ "require-sign", no_argument, OPT_REQUIRE, NULL,
	    "with --key-table: exit 1 when nothing matches (default:\n"
	    "pass the message through unsigned)" },
	{ "allow-unsafe-key", no_argument, OPT_UNSAFE, NULL,
	    "accept a key file readable by group or others" },
	{ NULL, 0, 0, NULL, NULL }
};

const struct cli_help usage_sign = {
	"usage: vouch sign -d DOMAIN -s SELECTOR -k KEYFILE\n"
	"                  [-s SELECTOR2 -k KEYFILE2 ...] [-c HEADER/BODY]\n"
	"                  [-H from:to:...] [--expire SECONDS] [-i AUID]\n"
	"                  [--timestamp UNIXTIME] [-o OUT] [FILE|-]\n"
	"       vouch sign --key-table FILE [--require-sign] [options] [FILE|-]\n"
	"\n"
	"Sign a message with DKIM (RFC 6376; rsa-sha256 or ed25519-sha256 as the key\n"
	"is).  Output: the new DKIM-Signature header(s), then the input bytes exactly\n"
	"as they came.  Each -s pairs with the -k after it and the last -d before it.\n",
	sign_options,
	"Exit: 0 signed (or passed through); 1 no key-table match with\n"
	"--require-sign; 64 usage; 65 malformed message or not a message (a\n"
	"message that starts with an mbox 'From ' line is refused: sign the\n"
	"message alone); 66\n"
	"missing input; 73 the -o file cannot be created; 74 I/O error; 78 bad or\n"
	"unreadable key.  On failure nothing is written.\n",
	1
};

#define MAX_SIGS 16
#define CHUNK (64 * 1024)

struct sign_opts {
	const char *domain[MAX_SIGS], *selector[MAX_SIGS], *keyfile[MAX_SIGS];
	int nsel, nkey;
	const char *cur_domain;
	const char *canon, *headers, *auid, *keytable, *output, *input, *name;
	long long expire, timestamp;
	int require, unsafe;
	struct cli_keys ks;
};

static const struct vouch_dkim_key *
load_key(struct sign_opts *o, const char *path, int *ex)
{
	o->ks.unsafe = o->unsafe;
	o->ks.unsafe_hint = "--allow-unsafe-key";
	return cli_keys_load(&o->ks, path, ex);
}

static int
parse_canon(const char *s, struct vouch_dkim_sign_params *p)
{
	const char *slash = strchr(s, '/');
	size_t hn = slash ? (size_t)(slash - s) : strlen(s);

	p->header_canon = p->body_canon = VOUCH_DKIM_SIMPLE;
	if (hn == 7 && strncmp(s, "relaxed", 7) == 0)
		p->header_canon = VOUCH_DKIM_RELAXED;
	else if (!(hn == 6 && strncmp(s, "simple", 6) == 0))
		return -1;
	if (slash == NULL)
		return 0;
	if (strcmp(slash + 1, "relaxed") == 0)
		p->body_canon = VOUCH_DKIM_RELAXED;
	else if (strcmp(slash + 1, "simple") != 0)
		return -1;
	return 0;
}

/* The key table's lines for from, as signing parameters. */
static int
key_table(struct sign_opts *o, const char *from,
    struct vouch_dkim_sign_params *p, size_t *n, int *ex)
{
	struct cli_keysel sel[MAX_SIGS];
	size_t i;

	o->ks.unsafe = o->unsafe;
	o->ks.unsafe_hint = "--allow-unsafe-key";
	if (cli_key_table(&o->ks, o->keytable, from, sel, MAX_SIGS, n, ex) != 0)
		return -1;
	for (i = 0; i < *n; i++) {
		p[i].domain = sel[i].domain;
		p[i].selector = sel[i].selector;
		p[i].key = sel[i].key;
	}
	return 0;
}

/* Read all of in (spooling it), feeding the signer when there is one. */
static int
first_pass(int in, int spool, struct vouch_dkim_signer *s, char *head,
    size_t *headlen, size_t headmax)
{
	char *buf = malloc(CHUNK);
	ssize_t r;

	if (buf == NULL)
		return -1;
	while ((r = read(in, buf, CHUNK)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return -1;
		}
		if (head != NULL && *headlen < headmax) {
			size_t k = (size_t)r < headmax - *headlen ? (size_t)r :
			    headmax - *headlen;

			memcpy(head + *headlen, buf, k);
			*headlen += k;
		}
		if (s != NULL && vouch_dkim_signer_feed(s, buf, (size_t)r) ==
		    VOUCH_E_LIMIT) {
			free(buf);
			return -3;	/* header past VOUCH_DKIM_MAX_HEADER */
		}
		if (spool >= 0 && cli_write_all(spool, buf, (size_t)r) != 0) {
			free(buf);
			return -2;
		}
	}
	free(buf);
	return 0;
}


/* --expire / --timestamp: a positive number. */
static int
parse_time(const char *opt, const char *arg, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || errno != 0 || *out <= 0) {
		cli_err(opt, "%s: expected a positive number", arg);
		return EX_USAGE;
	}
	return 0;
}

/* One option into o: 0, -1 for --help (printed), or the exit status. */
static int
sign_opt(struct sign_opts *o, struct cli_dns *dns, int c, const char *arg)
{
	switch (c) {
	case 'd': o->cur_domain = arg; return 0;
	case 's':
		if (o->nsel == MAX_SIGS) {
			cli_err("-s", "at most %d signatures", MAX_SIGS);
			return EX_USAGE;
		}
		o->domain[o->nsel] = o->cur_domain;
		o->selector[o->nsel++] = arg;
		return 0;
	case 'k':
		if (o->nkey == MAX_SIGS) {
			cli_err("-k", "at most %d keys", MAX_SIGS);
			return EX_USAGE;
		}
		o->keyfile[o->nkey++] = arg;
		return 0;
	case 'c': o->canon = arg; return 0;
	case 'H': o->headers = arg; return 0;
	case 'i': o->auid = arg; return 0;
	case 'o': o->output = arg; return 0;
	case OPT_EXPIRE: return parse_time("--expire", arg, &o->expire);
	case OPT_TIMESTAMP: return parse_time("--timestamp", arg, &o->timestamp);
	case OPT_KEYTABLE: o->keytable = arg; return 0;
	case OPT_REQUIRE: o->require = 1; return 0;
	case OPT_UNSAFE: o->unsafe = 1; return 0;
	case 'h':
	case OPT_HELP:
		cli_usage("sign", &usage_sign, EX_OK);
		return -1;
	default:
		if (!cli_dns_option(dns, c, arg))
			return cli_usage("sign", &usage_sign, EX_USAGE);
		return dns->error;
	}
}

/* -s/-k pairs, each after its -d, or a key table alone. */
static int
check_keys(const struct sign_opts *o)
{
	int c, k, any = 0;

	if (o->keytable != NULL) {
		if (o->nsel == 0 && o->nkey == 0)
			return 0;
		cli_err("sign", "--key-table and -s/-k exclude each other");
		return EX_USAGE;
	}
	if (o->nsel == 0 || o->nsel != o->nkey) {
		cli_err("sign", "give -s SELECTOR -k KEYFILE pairs (%d selector%s, "
		    "%d key%s)", o->nsel, o->nsel == 1 ? "" : "s", o->nkey,
		    o->nkey == 1 ? "" : "s");
		return cli_usage("sign", &usage_sign, EX_USAGE);
	}
	for (c = 0; c < o->nsel; c++)
		if (o->domain[c] == NULL) {
			for (k = 0; k < o->nsel; k++)
				any |= o->domain[k] != NULL;
			cli_err("sign", "%s", any ? "-d DOMAIN must come before "
			    "the -s it applies to" : "-d DOMAIN is missing");
			return EX_USAGE;
		}
	return 0;
}

static int
parse_args(int argc, char **argv, struct sign_opts *o)
{
	struct cli_dns dns = { 0 };
	int c, r;

	optind = 1;
	while ((c = cli_getopt(argc, argv, &usage_sign)) != -1)
		if ((r = sign_opt(o, &dns, c, optarg)) != 0)
			return r;
	if (argc - optind > 1) {
		cli_err("sign", "one message at a time (got %d inputs)",
		    argc - optind);
		return EX_USAGE;
	}
	o->input = optind < argc ? argv[optind] : "-";
	o->name = strcmp(o->input, "-") == 0 ? "stdin" : o->input;
	return check_keys(o);
}

static void
free_opts(struct sign_opts *o)
{
	cli_keys_clear(&o->ks);
}

/* A signature whose d= is not aligned with the From domain is no help to
 * DMARC (RFC 7489 3.1.1): still made, and said. */
static void
warn_unaligned(const struct sign_opts *o, const struct vouch_dkim_signer *s,
    const struct vouch_dkim_sign_params *p, size_t n)
{
	const char *from = vouch_dkim_signer_from(s), *at;
	size_t i;

	if (from == NULL || (at = strrchr(from, '@')) == NULL)
		return;
	for (i = 0; i < n; i++)
		if (!vouch_dmarc_relaxed_aligned(p[i].domain, at + 1))
			cli_err(o->name, "warning: d=%s is not aligned with the "
			    "From domain %s: the signature does not help DMARC "
			    "(sign with a key of %s or a parent of it)",
			    p[i].domain, at + 1, at + 1);
}

/* A read error of a pass, said; the exit status. */
static int
pass_error(const struct sign_opts *o, int r)
{
	if (r == -3) {
		cli_err(o->name, "header section larger than %u bytes: not "
		    "signed", VOUCH_DKIM_MAX_HEADER);
		return EX_DATAERR;
	}
	cli_err(r == -2 ? "spool" : o->name, "%s", strerror(errno));
	return EX_IOERR;
}

/* The keys the table gives the message's From (the message is read and
 * spooled first): 0 and *n, or the exit status. */
static int
table_keys(struct sign_opts *o, int in, int spool,
    struct vouch_dkim_sign_params *p, size_t *n)
{
	struct vouch_error err = { 0 };
	char *head, *from = NULL;
	size_t headlen = 0;
	int r, ex = EX_OK;

	if ((head = malloc(VOUCH_DKIM_MAX_HEADER)) == NULL)
		return EX_OSERR;
	if ((r = first_pass(in, spool, NULL, head, &headlen,
	    VOUCH_DKIM_MAX_HEADER)) != 0)
		ex = pass_error(o, r == -3 ? -1 : r);
	else if (vouch_dkim_header_from(head, headlen, &from, &err) !=
	    VOUCH_OK) {
		cli_err(o->name, "%s", err.message);
		ex = EX_DATAERR;
	} else if (key_table(o, from, p, n, &ex) == 0 && *n == 0 &&
	    o->require) {
		cli_err(o->name, "no --key-table line matches the sender");
		ex = 1;
	}
	vouch_free(from);
	free(head);
	return ex;
}

/* What every signature shares: h=, i=, times, canonicalization. */
static int
common_params(const struct sign_opts *o, struct vouch_dkim_sign_params *p,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		p[i].headers = o->headers;
		p[i].auid = o->auid;
		p[i].expire = o->expire;
		p[i].timestamp = o->timestamp;
		p[i].header_canon = p[i].body_canon = VOUCH_DKIM_RELAXED;
		if (o->canon != NULL && parse_canon(o->canon, &p[i]) != 0) {
			cli_err("-c", "%s: expected simple or relaxed, as "
			    "HEADER/BODY", o->canon);
			return EX_USAGE;
		}
	}
	return EX_OK;
}

/* Sign: the message fed (again from the spool when the table was read
 * first); the headers in *headers. */
static int
sign_pass(const struct sign_opts *o, const struct vouch_dkim_sign_params *p,
    size_t n, int in, int spool, int again, char **headers)
{
	struct vouch_dkim_signer *signer = NULL;
	struct vouch_error err = { 0 };
	int r, ex = EX_OK, src = spool >= 0 ? spool : in;

	if (vouch_dkim_signer_new(p, n, &signer, &err) != VOUCH_OK) {
		cli_err("sign", "%s", err.message);
		return EX_USAGE;
	}
	if (again && lseek(src, 0, SEEK_SET) == (off_t)-1)
		ex = EX_IOERR;
	else if ((r = again ? first_pass(src, -1, signer, NULL, NULL, 0) :
	    first_pass(in, spool, signer, NULL, NULL, 0)) != 0)
		ex = pass_error(o, r);
	else if (vouch_dkim_signer_finish(signer, headers, &err) !=
	    VOUCH_OK) {
		cli_err(o->name, "%s", err.message);
		ex = err.status == VOUCH_E_SYNTAX ? EX_DATAERR :
		    cli_exit_for(err.status);
	} else {
		warn_unaligned(o, signer, p, n);
	}
	vouch_dkim_signer_free(signer);
	return ex;
}

int
cmd_sign(int argc, char **argv)
{
	struct sign_opts o;
	struct vouch_dkim_sign_params p[MAX_SIGS];
	char *headers = NULL;
	size_t n = 0, i;
	int ex = EX_OK, in = -1, spool = -1, r;

	memset(&o, 0, sizeof(o));
	memset(p, 0, sizeof(p));
	if ((r = parse_args(argc, argv, &o)) != 0)
		return r < 0 ? EX_OK : r;
	cli_ignore_sigpipe();
	for (i = 0; o.keytable == NULL && i < (size_t)o.nsel; i++, n++) {
		p[i].domain = o.domain[i];
		p[i].selector = o.selector[i];
		if ((p[i].key = load_key(&o, o.keyfile[i], &ex)) == NULL)
			goto out;
	}
	if ((in = cli_input_open(o.input, &spool, &ex)) < 0)
		goto out;
	/* the From decides the keys: read it all first */
	if (o.keytable != NULL && (ex = table_keys(&o, in, spool, p, &n)) !=
	    EX_OK)
		goto out;
	if ((ex = common_params(&o, p, n)) != EX_OK)
		goto out;
	if (n > 0 && (ex = sign_pass(&o, p, n, in, spool, o.keytable != NULL,
	    &headers)) != EX_OK)
		goto out;
	if (n == 0 && o.keytable == NULL) {
		ex = EX_SOFTWARE;
		goto out;
	}
	/* everything is known: now, and only now, write */
	ex = cli_write_prepended(o.output, headers, spool >= 0 ? spool : in);
out:
	vouch_free(headers);
	if (in > STDIN_FILENO)
		close(in);
	if (spool >= 0)
		close(spool);
	free_opts(&o);
	return ex;
}
