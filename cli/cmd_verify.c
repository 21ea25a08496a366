/*
 * vouch verify: every DKIM signature (and SPF when the client is known) of
 * message files, mbox files, Maildir folders or stdin, in parallel.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LIBARCHIVE
#include <archive.h>
#include <archive_entry.h>
#endif

#include "cli.h"

const char usage_verify[] =
"usage: vouch verify [--format text|json|ar|summary] [--authserv-id ID]\n"
"                    [--ip IP [--mail-from ADDR] [--helo NAME]] [--jobs N]\n"
"                    [--require dkim|dmarc] [--org-domain treewalk|psl]\n"
"                    [--psl FILE] [--arc-trust FILE] [--at UNIXTIME]\n"
"                    [--max-sigs N] [--allow-sha1] [--min-key-bits N]\n"
"                    [--summary] [--max-message-size BYTES]\n"
"                    [--mbox-format auto|mboxo|mboxrd|mboxcl|mboxcl2]\n"
"                    [--allow-body-length] [--add-header [-o OUT]] [--quiet]\n"
"                    [PATH...]\n"
"\n"
"The receiver's verdict on each message: every DKIM-Signature (RFC 6376,\n"
"RFC 8463, RFC 8301), SPF when the client is known (RFC 7208), DMARC\n"
"(RFC 7489, RFC 9989) and the ARC chain of forwarded mail (RFC 8617).\n"
"PATH is a message file, an mbox (first line 'From '; mboxrd '>From '\n"
"quoting undone; also gzip, xz, bzip2 or zstd compressed, found by\n"
"content), a Maildir (cur/, new/ and its Maildir++ .Folders), a folder of\n"
"such files (recursive, sorted), or - for stdin; with no PATH, stdin.\n"
"\n"
"  --format text     one line per message: source, each signature's result\n"
"                    with d=, s=, a= and the reason, spf=, then dmarc=\n"
"                    (default)\n"
"  --format json     JSON Lines: source, index, dkim[], spf, dmarc, arc\n"
"  --format ar       an Authentication-Results header per message (RFC 8601)\n"
"  --format summary  only the --summary table, on stdout\n"
"  --authserv-id ID  for ar and --add-header (default: the host name)\n"
"  --ip IP           also check SPF for this client (with --mail-from and/or\n"
"                    --helo); DMARC then uses SPF too, else DKIM alone\n"
"  --require R       what exit 0 means: dkim (a passing signature, the\n"
"                    default) or dmarc (DMARC passes)\n"
"  --org-domain M    treewalk (RFC 9989 DNS tree walk, default) or psl\n"
"                    (RFC 7489 with the Public Suffix List)\n"
"  --psl FILE        RFC 7489 mode with this Public Suffix List\n"
"  --arc-trust FILE  sealing domains (one a line) whose ARC results may\n"
"                    speak for a message DMARC fails (RFC 8617 7.2); the\n"
"                    verdict stays dmarc=fail with arc_override in JSON\n"
"  --jobs N          verify N messages at a time (default 1)\n"
"  --at T            check signature expiry as of T: a UNIXTIME, a day\n"
"                    (YYYY-MM-DD, UTC), or date: each message's own Date\n"
"  --max-sigs N      signatures checked per message (default 10)\n"
"  --allow-body-length  accept l= covering part of the body (else policy)\n"
"  --allow-sha1      accept rsa-sha1 signatures (old mail; RFC 8301\n"
"                    refuses them): such a pass is marked legacy\n"
"  --min-key-bits N  accept RSA keys from N bits (default 1024, RFC 8301);\n"
"                    a pass with a smaller key is marked legacy\n"
"  --summary         at the end, on stderr, a table: messages, results,\n"
"                    the top failure reasons, pass/fail per signing domain\n"
"  --add-header      one message in, the same message out with\n"
"                    Authentication-Results prepended\n"
"  --quiet           no progress line on stderr\n"
"  --mbox-format F   how mbox bodies were quoted: auto (default: mboxrd,\n"
"                    Content-Length when a message has one; a body hash\n"
"                    that fails on '>From ' lines is tried with them as\n"
"                    written and, if that verifies, said as guessed),\n"
"                    mboxo, mboxrd, mboxcl or mboxcl2\n"
"  --max-message-size N  a message over N bytes (K, M or G suffix; default\n"
"                    64M) is not checked: its signatures are reported as\n"
"                    permerror (message too large), SPF and DMARC as usual\n"
"                    from its header, and the run goes on; memory stays\n"
"                    bounded whatever the input\n"
"\n"
"Exit: 0 every message passes (per --require); 1 otherwise; with\n"
"--add-header 0 whenever the message was written (the header carries the\n"
"verdict); 64 usage; 73 the -o file cannot be created;\n"
"65, 66 or 74 when an input could not be read (the others are still\n"
"checked and reported); 69 --org-domain psl without a Public Suffix List.\n";

enum { OPT_FORMAT = OPT_FIRST_LOCAL, OPT_AUTHSERV, OPT_IP, OPT_MAILFROM,
    OPT_HELO, OPT_JOBS, OPT_AT, OPT_ADDHDR, OPT_QUIET, OPT_MAXSIGS,
    OPT_ALLOWL, OPT_REQUIRE, OPT_ORGDOMAIN, OPT_PSL, OPT_ARCTRUST,
    OPT_SHA1, OPT_MINBITS, OPT_SUMMARY, OPT_MAXSIZE, OPT_MBOXFMT };

enum fmt { F_TEXT, F_JSON, F_AR, F_SUMMARY };

/* The command's side of an archive run (the run itself is the library's,
 * <vouch/archive.h>): options, and what each result becomes. */
struct run {
	enum vouch_auth_require require;
	enum fmt fmt;
	int summary;		/* --summary or --format summary */
	int progress;		/* a progress line on stderr */
	int ex;			/* worst input error */
	int all_pass, werr, shown;
	size_t done;
	double start, last;
	struct vouch_summary *sum;	/* --summary: what it counts */
};

/* What a worker keeps of one verdict for the in-order printer. */
struct result {
	char *out;
	int passed, ex;
};


static void
set_ex(struct run *r, int ex)
{
	/* 66 missing, 74 unreadable, 65 malformed: the first one sticks */
	if (r->ex == EX_OK)
		r->ex = ex;
}

/* sysexits for a source that could not be read */
static int
ex_for_source(enum vouch_status st)
{
	switch (st) {
	case VOUCH_E_NOTFOUND: return EX_NOINPUT;
	case VOUCH_E_SYNTAX: return EX_DATAERR;
	case VOUCH_E_NOMEM: return EX_OSERR;
	case VOUCH_E_LIMIT: return EX_OK;	/* said, nothing lost */
	default: return EX_IOERR;
	}
}

/* body and a line end into out, with, for an mbox message whose dialect
 * was guessed, how it was read: keys in JSON, a note in text. */
static void
guessed_note(const struct run *r, const struct vouch_archive_msg *m,
    const char *body, char *out, size_t n)
{
	size_t bl = strlen(body);

	if (!m->guessed) {
		snprintf(out, n, "%s\n", body);
	} else if (r->fmt == F_JSON && bl > 0 && body[bl - 1] == '}') {
		snprintf(out, n, "%.*s,\"mbox_unquoting\":\"%s\","
		    "\"mbox_guessed\":true}\n", (int)(bl - 1), body,
		    m->unquoting);
	} else if (r->fmt == F_TEXT) {
		snprintf(out, n, "%s [mbox: '>From ' lines read as written "
		    "(not mboxrd); dialect guessed]\n", body);
	} else {
		snprintf(out, n, "%s\n", body);
	}
}

/* The result of one message as the chosen format; the library writes
 * every part of it. */
static char *
format_item(const struct run *r, const struct vouch_archive_msg *m,
    struct vouch_auth *a)
{
	char *body, *out, label[64], *name = NULL;
	size_t n;

	snprintf(label, sizeof(label), m->in_mbox ? "#%zu" : "", m->index);
	if (r->fmt == F_JSON) {
		body = vouch_auth_json(a, m->source, (long)m->index);
	} else if (r->fmt == F_AR) {
		/* a comment line naming the message, then its field */
		char *h = vouch_auth_header(a), *id = vouch_auth_ident(a);

		body = NULL;
		n = (h ? strlen(h) : 0) + strlen(m->source) + (id ? strlen(id) :
		    0) + sizeof(label) + 8;
		if (h != NULL && (body = malloc(n)) != NULL)
			snprintf(body, n, "# %s%s%s%s\n%s", m->source, label,
			    id != NULL && *id ? " " : "", id ? id : "", h);
		vouch_free(h);
		vouch_free(id);
	} else {
		n = strlen(m->source) + sizeof(label);
		if ((name = malloc(n)) == NULL)
			return NULL;
		snprintf(name, n, "%s%s", m->source, label);
		body = vouch_auth_text(a, name);
		free(name);
	}
	if (body == NULL)
		return NULL;
	n = strlen(body) + 128;
	if ((out = malloc(n)) != NULL)
		guessed_note(r, m, body, out, n);
	vouch_free(body);
	return out;
}

/* On a worker: the verdict formatted, and what the summary counts. */
static void *
on_verified(void *arg, const struct vouch_archive_msg *m, struct vouch_auth *a)
{
	struct run *r = arg;
	struct result *res = calloc(1, sizeof(*res));

	if (res == NULL)
		return NULL;
	res->passed = vouch_auth_passed(a, r->require);
	if (r->fmt != F_SUMMARY && (res->out = format_item(r, m, a)) == NULL)
		res->ex = EX_OSERR;
	if (r->sum != NULL)
		vouch_summary_add(r->sum, a);
	return res;
}

static void
on_discard(void *arg, void *kept)
{
	struct result *res = kept;

	(void)arg;
	free(res->out);
	free(res);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* In input order: printed, counted, and a progress line on a long run. */
static int
on_result(void *arg, const struct vouch_archive_msg *m, void *kept)
{
	struct run *r = arg;
	struct result *res = kept;

	r->done++;
	if (m->error != VOUCH_OK) {
		cli_err(m->source, "%s", m->error_text);
		set_ex(r, ex_for_source(m->error));
		if (m->error != VOUCH_E_LIMIT)
			r->all_pass = 0;
	} else if (res == NULL || res->ex != EX_OK) {
		set_ex(r, EX_OSERR);
		r->all_pass = 0;
	} else {
		if (res->out != NULL && fputs(res->out, stdout) == EOF)
			r->werr = 1;
		if (!res->passed)
			r->all_pass = 0;
	}
	if (res != NULL)
		on_discard(NULL, res);
	/* only for a run long enough to wonder about */
	if (r->progress && now_s() - r->start > 1 && now_s() - r->last > 0.5) {
		double el = now_s() - r->start;

		r->last = now_s();
		r->shown = 1;
		fprintf(stderr, "\r%zu messages, %.0f/s ", r->done, r->done /
		    (el > 0 ? el : 1e-9));
	}
	return 0;
}

/* Verify everything added; the exit status. */
static int
run_all(struct run *r, struct vouch_archive *ar)
{
	struct vouch_error err = { 0 };

	r->all_pass = 1;
	r->start = now_s();
	vouch_archive_set_discard(ar, on_discard);
	if (vouch_archive_run(ar, on_verified, on_result, r, &err) !=
	    VOUCH_OK) {
		cli_err("verify", "%s", err.message);
		set_ex(r, EX_OSERR);
	}
	if (r->shown)
		fprintf(stderr, "\r%zu messages in %.1fs%20s\n", r->done,
		    now_s() - r->start, "");
	if (r->sum != NULL) {
		char *t = vouch_summary_text(r->sum);

		if (t != NULL)
			fputs(t, r->fmt == F_SUMMARY ? stdout : stderr);
		vouch_free(t);
	}
	if (cli_stdout_done() != EX_OK || r->werr)
		return EX_IOERR;
	if (r->ex != EX_OK)
		return r->ex;
	return r->all_pass ? EX_OK : 1;
}

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
	char line[1024];
	unsigned long n = 0;

	if (fp == NULL) {
		cli_err(path, "%s", strerror(errno));
		return errno == ENOENT ? EX_NOINPUT : EX_IOERR;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
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
			fclose(fp);
			return EX_DATAERR;
		}
		if (vouch_auth_ctx_trust_arc(actx, p) != VOUCH_OK) {
			fclose(fp);
			return EX_OSERR;
		}
	}
	fclose(fp);
	return EX_OK;
}

static const struct option verify_longopts[] = {
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "authserv-id", required_argument, NULL, OPT_AUTHSERV },
	{ "ip", required_argument, NULL, OPT_IP },
	{ "mail-from", required_argument, NULL, OPT_MAILFROM },
	{ "helo", required_argument, NULL, OPT_HELO },
	{ "jobs", required_argument, NULL, OPT_JOBS },
	{ "at", required_argument, NULL, OPT_AT },
	{ "add-header", no_argument, NULL, OPT_ADDHDR },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "max-sigs", required_argument, NULL, OPT_MAXSIGS },
	{ "allow-body-length", no_argument, NULL, OPT_ALLOWL },
	{ "require", required_argument, NULL, OPT_REQUIRE },
	{ "org-domain", required_argument, NULL, OPT_ORGDOMAIN },
	{ "psl", required_argument, NULL, OPT_PSL },
	{ "arc-trust", required_argument, NULL, OPT_ARCTRUST },
	{ "allow-sha1", no_argument, NULL, OPT_SHA1 },
	{ "min-key-bits", required_argument, NULL, OPT_MINBITS },
	{ "summary", no_argument, NULL, OPT_SUMMARY },
	{ "max-message-size", required_argument, NULL, OPT_MAXSIZE },
	{ "mbox-format", required_argument, NULL, OPT_MBOXFMT },
	{ "output", required_argument, NULL, 'o' },
	CLI_DNS_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

/* What the command line asked for. */
struct vopts {
	const char *format, *output, *orgmode, *pslfile, *arctrust, *authserv;
	struct vouch_auth_conn conn;
	struct cli_dns dns;
	unsigned long jobs, at, maxsigs, minbits;
	size_t max_msg;
	enum vouch_mbox_format mbox_format;
	int sha1, at_date, addhdr, quiet, allowl, summary, help;
	enum vouch_auth_require require;
	enum fmt fmt;
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
	static const struct { const char *name; enum fmt f; } fmts[] = {
		{ "text", F_TEXT }, { "json", F_JSON }, { "ar", F_AR },
		{ "summary", F_SUMMARY } };
	size_t i;

	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		if (strcmp(v->format, fmts[i].name) == 0) {
			v->fmt = fmts[i].f;
			v->summary |= v->fmt == F_SUMMARY;
			return 0;
		}
	cli_err("--format", "%s: expected text, json, ar or summary", v->format);
	return -1;
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
	return 0;
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

/* Every path (stdin with none) into the run; the archive's errors said. */
static void
add_paths(struct run *r, struct vouch_archive *ar, char **paths, int n)
{
	struct vouch_error err = { 0 };
	int i;

	if (n == 0 && vouch_archive_add(ar, "-", &err) != VOUCH_OK)
		set_ex(r, EX_OSERR);
	for (i = 0; i < n; i++)
		if (vouch_archive_add(ar, paths[i], &err) != VOUCH_OK) {
			cli_err("verify", "%s", err.message);
			set_ex(r, ex_for_source(err.status));
		}
}

/* Everything the paths hold, through the library's archive run. */
static int
verify_all(const struct vopts *v, struct vouch_auth_ctx *actx, char **paths,
    int n)
{
	struct run r;
	struct vouch_archive *ar = NULL;
	int ex;

	memset(&r, 0, sizeof(r));
	r.fmt = v->fmt;
	r.require = v->require;
	r.summary = v->summary;
	if ((v->summary && vouch_summary_new(&r.sum) != VOUCH_OK) ||
	    vouch_archive_new(actx, &v->conn, &ar) != VOUCH_OK) {
		vouch_summary_free(r.sum);
		return EX_OSERR;
	}
	vouch_archive_set_max_message(ar, v->max_msg);
	vouch_archive_set_mbox_format(ar, v->mbox_format);
	add_paths(&r, ar, paths, n);
	/* one message file: no thread to wait for */
	vouch_archive_set_jobs(ar, vouch_archive_inputs(ar) == 1 &&
	    !vouch_archive_has_streams(ar) ? 1 : (unsigned int)v->jobs);
	r.progress = !v->quiet && isatty(STDERR_FILENO) &&
	    (vouch_archive_inputs(ar) > 100 || vouch_archive_has_streams(ar));
	ex = run_all(&r, ar);
	vouch_archive_free(ar);
	vouch_summary_free(r.sum);
	return ex;
}

static int
verify_usage(void)
{
	fprintf(stderr, "Try 'vouch verify --help' for more.\n");
	return EX_USAGE;
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
	while ((c = getopt_long(argc, argv, "o:h", verify_longopts, NULL)) !=
	    -1)
		if (set_opt(&v, c, optarg) != 0)
			return verify_usage();
	if (v.help)
		return cli_usage("verify", usage_verify, EX_OK);
	if (check_opts(&v, argc - optind) != 0)
		return verify_usage();
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
