/*
 * vouch verify: every DKIM signature (and SPF when the client is known) of
 * message files, mbox files, Maildir folders or stdin, in parallel.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

enum { OPT_FORMAT = OPT_FIRST_LOCAL, OPT_AUTHSERV, OPT_IP, OPT_MAILFROM,
    OPT_HELO, OPT_JOBS, OPT_AT, OPT_ADDHDR, OPT_QUIET, OPT_MAXSIGS,
    OPT_ALLOWL, OPT_REQUIRE, OPT_ORGDOMAIN, OPT_PSL, OPT_ARCTRUST,
    OPT_SHA1, OPT_MINBITS, OPT_SUMMARY, OPT_MAXSIZE, OPT_MBOXFMT,
    OPT_STORE, OPT_RCPT };

static const struct cli_opt verify_options[] = {
	{ "format", required_argument, OPT_FORMAT, "F",
	    "text (default): one line per message: source, each\n"
	    "  signature's result with d=, s=, a= and the reason,\n"
	    "  spf=, then dmarc=\n"
	    "json: JSON Lines: source, index, dkim[], spf, dmarc,\n"
	    "  arc\n"
	    "ar: an Authentication-Results header per message\n"
	    "  (RFC 8601)\n"
	    "summary: only the --summary table, on stdout" },
	{ "authserv-id", required_argument, OPT_AUTHSERV, "ID",
	    "for ar and --add-header (default: the host name)" },
	{ "ip", required_argument, OPT_IP, "IP",
	    "also check SPF for this client (with --mail-from and/or\n"
	    "--helo); DMARC then uses SPF too, else DKIM alone" },
	{ "mail-from", required_argument, OPT_MAILFROM, "ADDR",
	    "with --ip: the MAIL FROM address SPF checks (empty:\n"
	    "postmaster@HELO)" },
	{ "helo", required_argument, OPT_HELO, "NAME",
	    "with --ip: the HELO name (SPF's HELO identity)" },
	{ "jobs", required_argument, OPT_JOBS, "N",
	    "verify N messages at a time (default 1)" },
	{ "at", required_argument, OPT_AT, "T",
	    "check signature expiry as of T: a UNIXTIME, a day\n"
	    "(YYYY-MM-DD, UTC), or date: each message's own Date" },
	{ "add-header", no_argument, OPT_ADDHDR, NULL,
	    "one message in, the same message out with\n"
	    "Authentication-Results prepended" },
	{ "quiet", no_argument, OPT_QUIET, NULL,
	    "no progress line on stderr" },
	{ "max-sigs", required_argument, OPT_MAXSIGS, "N",
	    "signatures checked per message (default 10)" },
	{ "allow-body-length", no_argument, OPT_ALLOWL, NULL,
	    "accept l= covering part of the body (else policy)" },
	{ "require", required_argument, OPT_REQUIRE, "R",
	    "what exit 0 means: dkim (a passing signature, the\n"
	    "default) or dmarc (DMARC passes)" },
	{ "org-domain", required_argument, OPT_ORGDOMAIN, "M",
	    "treewalk (RFC 9989 DNS tree walk, default) or psl\n"
	    "(RFC 7489 with the Public Suffix List)" },
	{ "psl", required_argument, OPT_PSL, "FILE",
	    "RFC 7489 mode with this Public Suffix List" },
	{ "arc-trust", required_argument, OPT_ARCTRUST, "FILE",
	    "sealing domains (one a line) whose ARC results may\n"
	    "speak for a message DMARC fails (RFC 8617 7.2); the\n"
	    "verdict stays dmarc=fail with arc_override in JSON" },
	{ "allow-sha1", no_argument, OPT_SHA1, NULL,
	    "accept rsa-sha1 signatures (old mail; RFC 8301 refuses\n"
	    "them): such a pass is marked legacy" },
	{ "min-key-bits", required_argument, OPT_MINBITS, "N",
	    "accept RSA keys from N bits (default 1024, RFC 8301); a\n"
	    "pass with a smaller key is marked legacy" },
	{ "summary", no_argument, OPT_SUMMARY, NULL,
	    "at the end, on stderr, a table: messages, results, the\n"
	    "top failure reasons, pass/fail per signing domain" },
	{ "max-message-size", required_argument, OPT_MAXSIZE, "N",
	    "a message over N bytes (K, M or G suffix; default\n"
	    "64M) is not checked: its signatures are reported as\n"
	    "permerror (message too large), SPF and DMARC as usual\n"
	    "from its header, and the run goes on; memory stays\n"
	    "bounded whatever the input" },
	{ "mbox-format", required_argument, OPT_MBOXFMT, "F",
	    "how mbox bodies were quoted: auto (default: mboxrd,\n"
	    "Content-Length when a message has one; a body hash that\n"
	    "fails on '>From ' lines is tried with them as written\n"
	    "and, if that verifies, said as guessed), mboxo, mboxrd,\n"
	    "mboxcl or mboxcl2" },
	{ "output", required_argument, 'o', "OUT",
	    "with --add-header: write OUT (atomically), not stdout" },
	{ "report-store", required_argument, OPT_STORE, "STORE",
	    "record each verdict for DMARC aggregate reports\n"
	    "(messages whose From domain has a DMARC record; needs\n"
	    "--ip): sqlite:PATH, a PATH, or postgresql://...; see\n"
	    "'vouch report send'" },
	{ "rcpt-to", required_argument, OPT_RCPT, "ADDR",
	    "the envelope recipient, for the reports' envelope_to" },
	{ NULL, 0, 0, NULL, NULL }
};

const struct cli_help usage_verify = {
	"usage: vouch verify [--format text|json|ar|summary] [--authserv-id ID]\n"
	"                    [--ip IP [--mail-from ADDR] [--helo NAME]] [--jobs N]\n"
	"                    [--require dkim|dmarc] [--org-domain treewalk|psl]\n"
	"                    [--psl FILE] [--arc-trust FILE] [--at UNIXTIME]\n"
	"                    [--max-sigs N] [--allow-sha1] [--min-key-bits N]\n"
	"                    [--summary] [--max-message-size BYTES]\n"
	"                    [--mbox-format auto|mboxo|mboxrd|mboxcl|mboxcl2]\n"
	"                    [--allow-body-length] [--add-header [-o OUT]] [--quiet]\n"
	"                    [--report-store STORE [--rcpt-to ADDR]] [PATH...]\n"
	"\n"
	"The receiver's verdict on each message: every DKIM-Signature (RFC 6376,\n"
	"RFC 8463, RFC 8301), SPF when the client is known (RFC 7208), DMARC\n"
	"(RFC 7489, RFC 9989) and the ARC chain of forwarded mail (RFC 8617).\n"
	"PATH is a message file, an mbox (first line 'From '; mboxrd '>From '\n"
	"quoting undone; also gzip, xz, bzip2 or zstd compressed, found by\n"
	"content), a Maildir (cur/, new/ and its Maildir++ .Folders), a folder of\n"
	"such files (recursive, sorted), or - for stdin; with no PATH, stdin.\n",
	verify_options,
	"Exit: 0 every message passes (per --require); 1 otherwise; with\n"
	"--add-header 0 whenever the message was written (the header carries the\n"
	"verdict); 64 usage; 73 the -o file cannot be created;\n"
	"65, 66 or 74 when an input could not be read (the others are still\n"
	"checked and reported); 69 --org-domain psl without a Public Suffix List,\n"
	"or the --report-store cannot be opened; 74 a verdict could not be\n"
	"recorded in it.\n",
	1
};

static int
is_dir_path(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* --at YYYY-MM-DD: midnight UTC of that day. */
static int
parse_day(const char *s, int64_t *t)
{
	static const char *mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int y, m, d, used = 0;
	char buf[64];

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 ||
	    s[used] != '\0' || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	snprintf(buf, sizeof(buf), "%d %s %d 00:00:00 +0000", d, mon[m - 1], y);
	return (*t = vouch_date_parse(buf)) < 0 ? -1 : 0;
}

/* --arc-trust FILE: one sealing domain per line, # comments. */
static int
load_arc_trust(struct vouch_auth_ctx *actx, const char *path)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned long n = 0;
	int ex = EX_OK;

	if (fp == NULL) {
		cli_err(path, "%s", strerror(errno));
		return errno == ENOENT ? EX_NOINPUT : EX_IOERR;
	}
	while (ex == EX_OK && getline(&line, &cap, fp) != -1) {
		char *p = line, *e;

		n++;
		if ((e = strchr(p, '#')) != NULL)
			*e = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		for (e = p; *e && !strchr(" \t\r\n", *e); e++)
			;
		*e = '\0';
		if (*p == '\0')
			continue;
		if (strchr(p, '.') == NULL) {
			cli_err(path, "line %lu: %s is not a domain", n, p);
			ex = EX_DATAERR;
		} else if (vouch_auth_ctx_trust_arc(actx, p) != VOUCH_OK) {
			ex = EX_OSERR;
		}
	}
	free(line);
	fclose(fp);
	return ex;
}


/* What the command line asked for. */
struct vopts {
	const char *format, *output, *orgmode, *pslfile, *arctrust, *authserv;
	const char *store, *rcpt;
	struct vouch_auth_conn conn;
	struct cli_dns dns;
	unsigned long jobs, at, maxsigs, minbits;
	size_t max_msg;
	enum vouch_mbox_format mbox_format;
	int sha1, at_date, addhdr, quiet, allowl, summary, help;
	enum vouch_auth_require require;
	enum cli_verify_fmt fmt;
};

/* --at UNIXTIME | YYYY-MM-DD | date */
static int
parse_at(struct vopts *v, const char *arg)
{
	int64_t t;

	if (strcmp(arg, "date") == 0) {
		v->at_date = 1;
		return 0;
	}
	if (strchr(arg, '-') == NULL)
		return cli_parse_uint("--at", arg, 0xffffffffffUL, &v->at);
	/* YYYY-MM-DD, midnight UTC */
	if (parse_day(arg, &t) != 0) {
		cli_err("--at", "%s: expected UNIXTIME, YYYY-MM-DD or date", arg);
		return -1;
	}
	v->at = (unsigned long)t;
	return 0;
}

static int
parse_mbox_format(struct vopts *v, const char *arg)
{
	static const char *names[] = { "auto", "mboxo", "mboxrd", "mboxcl",
	    "mboxcl2" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(arg, names[i]) == 0) {
			v->mbox_format = (enum vouch_mbox_format)i;
			return 0;
		}
	cli_err("--mbox-format", "%s: expected auto, mboxo, mboxrd, mboxcl or "
	    "mboxcl2", arg);
	return -1;
}

static int
parse_require(struct vopts *v, const char *arg)
{
	if (strcmp(arg, "dkim") == 0)
		v->require = VOUCH_AUTH_REQUIRE_DKIM;
	else if (strcmp(arg, "dmarc") == 0)
		v->require = VOUCH_AUTH_REQUIRE_DMARC;
	else {
		cli_err("--require", "%s: expected dkim or dmarc", arg);
		return -1;
	}
	return 0;
}

/* One option into v: 0, or -1 for a usage error (said). */
static int
set_opt(struct vopts *v, int c, const char *arg)
{
	switch (c) {
	case OPT_FORMAT: v->format = arg; return 0;
	case OPT_AUTHSERV: v->authserv = arg; return 0;
	case OPT_IP: v->conn.ip = arg; return 0;
	case OPT_MAILFROM: v->conn.mail_from = arg; return 0;
	case OPT_HELO: v->conn.helo = arg; return 0;
	case OPT_ORGDOMAIN: v->orgmode = arg; return 0;
	case OPT_PSL: v->pslfile = arg; return 0;
	case OPT_ARCTRUST: v->arctrust = arg; return 0;
	case OPT_STORE: v->store = arg; return 0;
	case OPT_RCPT: v->rcpt = arg; return 0;
	case OPT_SHA1: v->sha1 = 1; return 0;
	case OPT_SUMMARY: v->summary = 1; return 0;
	case OPT_ADDHDR: v->addhdr = 1; return 0;
	case OPT_QUIET: v->quiet = 1; return 0;
	case OPT_ALLOWL: v->allowl = 1; return 0;
	case 'o': v->output = arg; return 0;
	case OPT_MAXSIZE:
		return cli_parse_size("--max-message-size", arg, &v->max_msg);
	case OPT_MINBITS:
		return cli_parse_uint("--min-key-bits", arg, 4096, &v->minbits);
	case OPT_REQUIRE: return parse_require(v, arg);
	case OPT_JOBS: return cli_parse_uint("--jobs", arg, 1024, &v->jobs);
	case OPT_MAXSIGS:
		return cli_parse_uint("--max-sigs", arg, 1000, &v->maxsigs);
	case OPT_AT: return parse_at(v, arg);
	case OPT_MBOXFMT: return parse_mbox_format(v, arg);
	case 'h':
	case OPT_HELP: v->help = 1; return 0;
	default:
		return !cli_dns_option(&v->dns, c, arg) || v->dns.error ? -1 : 0;
	}
}

static int
parse_format(struct vopts *v)
{
	static const struct { const char *name; enum cli_verify_fmt f; } fmts[] = {
		{ "text", VF_TEXT }, { "json", VF_JSON }, { "ar", VF_AR },
		{ "summary", VF_SUMMARY } };
	size_t i;

	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		if (strcmp(v->format, fmts[i].name) == 0) {
			v->fmt = fmts[i].f;
			v->summary |= v->fmt == VF_SUMMARY;
			return 0;
		}
	cli_err("--format", "%s: expected text, json, ar or summary", v->format);
	return -1;
}

/* --report-store: reports need the client's address. */
static int
check_store(const struct vopts *v)
{
	if (v->store != NULL && v->conn.ip == NULL) {
		cli_err("--report-store", "needs --ip (reports are about the "
		    "client's address)");
		return -1;
	}
	if (v->store != NULL && v->addhdr) {
		cli_err("--report-store", "records verdicts of mailboxes and "
		    "messages, not with --add-header");
		return -1;
	}
	if (v->rcpt != NULL && v->store == NULL) {
		cli_err("--rcpt-to", "goes with --report-store");
		return -1;
	}
	return 0;
}

/* Options that only make sense together: 0, or -1 said. */
static int
check_opts(struct vopts *v, int npaths)
{
	const struct vouch_auth_conn *c = &v->conn;

	if (parse_format(v) != 0)
		return -1;
	if (v->addhdr && npaths > 1) {
		cli_err("--add-header", "takes exactly one message");
		return -1;
	}
	if (strcmp(v->orgmode, "treewalk") != 0 &&
	    strcmp(v->orgmode, "psl") != 0) {
		cli_err("--org-domain", "%s: expected treewalk or psl",
		    v->orgmode);
		return -1;
	}
	if ((c->mail_from != NULL || c->helo != NULL) && c->ip == NULL) {
		cli_err("verify", "--mail-from and --helo need --ip");
		return -1;
	}
	if (c->ip != NULL && !cli_ip_ok(c->ip)) {
		cli_err("--ip", "%s: not an IPv4 or IPv6 address", c->ip);
		return -1;
	}
	if (c->ip != NULL && c->mail_from == NULL && c->helo == NULL) {
		cli_err("--ip", "give --mail-from or --helo too");
		return -1;
	}
	return check_store(v);
}

/* The verdict's context from the options: EX_OK, or the exit status. */
static int
setup_ctx(const struct vopts *v, struct vouch_dns *dns,
    struct vouch_auth_ctx **actx, struct vouch_dmarc_psl **psl)
{
	struct vouch_error err = { 0 };
	struct vouch_dkim_ctx *dctx;
	int ex;

	if ((*actx = vouch_auth_ctx_new(dns, v->authserv != NULL ? v->authserv
	    : cli_host_name())) == NULL)
		return EX_OSERR;
	if (strcmp(v->orgmode, "psl") == 0 && vouch_auth_ctx_set_org_mode(
	    *actx, VOUCH_DMARC_ORG_PSL) != VOUCH_OK) {
		cli_err("--org-domain", "psl: no Public Suffix List (vouch was "
		    "built without libpsl, or the list is missing)");
		return EX_UNAVAILABLE;
	}
	if (v->pslfile != NULL) {
		if (vouch_dmarc_psl_load(v->pslfile, psl, &err) != VOUCH_OK) {
			cli_err("--psl", "%s", err.message);
			return err.status == VOUCH_E_NOTFOUND ? EX_UNAVAILABLE :
			    EX_NOINPUT;
		}
		vouch_auth_ctx_set_psl(*actx, *psl);
	}
	if (v->arctrust != NULL && (ex = load_arc_trust(*actx, v->arctrust)) !=
	    EX_OK)
		return ex;
	dctx = vouch_auth_ctx_dkim(*actx);
	vouch_dkim_ctx_set_time(dctx, (int64_t)v->at);
	vouch_dkim_ctx_set_max_sigs(dctx, (unsigned int)v->maxsigs);
	vouch_dkim_ctx_set_allow_body_length(dctx, v->allowl);
	vouch_dkim_ctx_set_legacy(dctx, v->sha1, (unsigned int)v->minbits);
	vouch_dkim_ctx_set_time_from_date(dctx, v->at_date);
	return EX_OK;
}

/* Everything the paths hold: cmd_verify_run.c with these options. */
static int
verify_all(const struct vopts *v, struct vouch_auth_ctx *actx, char **paths,
    int n)
{
	struct cli_verify_run o;
	struct vouch_error err = { 0 };
	struct vouch_report_store *st = NULL;
	int ex;

	memset(&o, 0, sizeof(o));
	o.fmt = v->fmt;
	o.require = v->require;
	o.summary = v->summary;
	o.quiet = v->quiet;
	o.jobs = v->jobs;
	o.max_msg = v->max_msg;
	o.mbox_format = v->mbox_format;
	o.conn = &v->conn;
	o.rcpt_to = v->rcpt;
	if (v->store != NULL && (vouch_report_store_open(v->store, &st, &err)
	    != VOUCH_OK || vouch_report_store_background(st, &err) !=
	    VOUCH_OK)) {
		cli_err(v->store, "%s", err.message);
		return EX_UNAVAILABLE;
	}
	o.store = st;
	ex = cli_verify_all(&o, actx, paths, n);
	if (vouch_report_store_close(st, &err) != VOUCH_OK) {
		cli_err(v->store, "%s", err.message);
		ex = EX_IOERR;
	}
	return ex;
}

int
cmd_verify(int argc, char **argv)
{
	struct vopts v;
	struct vouch_dns *dns = NULL;
	struct vouch_auth_ctx *actx = NULL;
	struct vouch_dmarc_psl *psl = NULL;
	int c, ex = EX_OK;

	memset(&v, 0, sizeof(v));
	v.format = "text";
	v.orgmode = "treewalk";
	v.jobs = 1;
	v.maxsigs = VOUCH_DKIM_MAX_SIGS;
	v.minbits = VOUCH_DKIM_MIN_RSA_BITS;
	v.max_msg = VOUCH_ARCHIVE_MAX_MESSAGE;
	optind = 1;
	while ((c = cli_getopt(argc, argv, &usage_verify)) != -1)
		if (set_opt(&v, c, optarg) != 0)
			return cli_usage("verify", &usage_verify, EX_USAGE);
	if (v.help)
		return cli_usage("verify", &usage_verify, EX_OK);
	if (check_opts(&v, argc - optind) != 0)
		return cli_usage("verify", &usage_verify, EX_USAGE);
	if ((dns = cli_dns_setup(&v.dns, NULL, &ex)) == NULL)
		return ex;
	if ((ex = setup_ctx(&v, dns, &actx, &psl)) != EX_OK)
		goto out;
	cli_ignore_sigpipe();
	if (v.addhdr && optind < argc && is_dir_path(argv[optind])) {
		cli_err("--add-header", "needs one message, not an mbox or "
		    "Maildir");
		ex = EX_USAGE;
	} else if (v.addhdr) {
		ex = cli_verify_add_header(actx, &v.conn, optind < argc ? argv[optind] :
		    "-", v.max_msg, v.output);
	} else {
		ex = verify_all(&v, actx, argv + optind, argc - optind);
	}
out:
	vouch_auth_ctx_free(actx);
	vouch_dmarc_psl_free(psl);
	vouch_dns_free(dns);
	return ex;
}
