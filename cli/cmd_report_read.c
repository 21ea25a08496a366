/*
 * vouch report read: the aggregate reports a domain owner receives, as
 * text, JSON lines, CSV or one HTML page; kept in a report store with
 * --store, and read back from it.  Also the summary that
 * vouch lint dmarc --reports prints.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

enum { OPT_FMT = OPT_FIRST_LOCAL, OPT_STORE, OPT_SINCE, OPT_UNTIL,
    OPT_DOMAIN, OPT_QUIET };

static const struct cli_opt read_options[] = {
	{ "format", required_argument, OPT_FMT, "F",
	    "text (default: per domain and reporter, totals and\n"
	    "the failing sources), json (one report a line), csv\n"
	    "(one record a row) or html (one self-contained page)" },
	{ "store", required_argument, OPT_STORE, "STORE",
	    "keep the reports read in STORE (sqlite:PATH or\n"
	    "postgresql://...; a report is org_name + report_id:\n"
	    "one read twice is kept once); with no PATH, read\n"
	    "the reports kept there" },
	{ "since", required_argument, OPT_SINCE, "TIME",
	    "only reports whose period ends at or after TIME\n"
	    "(@EPOCH or ISO 8601)" },
	{ "until", required_argument, OPT_UNTIL, "TIME",
	    "only reports whose period begins at or before TIME" },
	{ "domain", required_argument, OPT_DOMAIN, "DOMAIN",
	    "only reports for this policy domain" },
	{ "quiet", no_argument, OPT_QUIET, NULL,
	    "no count of what was stored on stderr" },
	{ NULL, 0, 0, NULL, NULL }
};

const struct cli_help usage_report_read = {
	"usage: vouch report read [--format text|json|csv|html] [--store STORE]\n"
	"                         [--since TIME] [--until TIME] [--domain D]\n"
	"                         [PATH...]\n"
	"\n"
	"Read the DMARC aggregate reports receivers send (RFC 9990 and RFC 7489\n"
	"appendix C): .xml, .xml.gz and .zip files, mails carrying them (.eml),\n"
	"mboxes (also compressed) and Maildirs of such mails, and folders of any\n"
	"of these.  Reporters' common faults are repaired: invalid UTF-8, upper\n"
	"case words, bytes after the gzip data, a wrapper around <feedback>,\n"
	"markup in <email>.\n",
	read_options,
	"A file that holds no readable report gets one line on stderr (its name\n"
	"and why) and the others are still read.\n"
	"Exit: 0 all read; 64 usage; 65 some input held no readable report;\n"
	"66 a PATH does not exist; 69 the store cannot be opened; 74 a report\n"
	"could not be stored.\n",
	0
};

enum fmt { F_TEXT, F_JSON, F_CSV, F_HTML };

struct rd {
	enum fmt fmt;
	const char *store, *domain;
	int64_t since, until;
	int quiet, help, csv_head, store_failed;
	struct vouch_report_store *st;
	int adding;			/* paths given: store what is read */
	size_t reports, added, known;
	struct vouch_report_sum **sums;	/* text and html: one per domain */
	size_t nsums;
};

/* ---- summaries (shared with vouch lint dmarc --reports) ------------------ */

static void
day_text(char *buf, size_t n, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, n, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, n, "?");
}

void
cli_report_sum_text(struct vouch_report_sum *s, int brief)
{
	uint64_t msgs, pass, fail;
	size_t nrep, n, i;
	int64_t begin, end;
	const struct vouch_report_source *src;
	char d0[16], d1[16];

	vouch_report_sum_totals(s, &msgs, &pass, &fail, &nrep, &begin, &end);
	day_text(d0, sizeof(d0), begin);
	day_text(d1, sizeof(d1), end);
	printf("%s%s: %" PRIu64 " message(s) reported by %zu receiver(s), "
	    "%s to %s\n", brief ? "DMARC aggregate reports for " : "",
	    vouch_report_sum_domain(s) != NULL ? vouch_report_sum_domain(s) :
	    "(all)", msgs, nrep, d0, d1);
	printf("  DMARC: %" PRIu64 " pass, %" PRIu64 " fail (%.1f%%: what "
	    "p=quarantine or p=reject would act on)\n", pass, fail,
	    msgs ? 100.0 * (double)fail / (double)msgs : 0.0);
	if (!brief) {
		const struct vouch_report_reporter *r =
		    vouch_report_sum_reporters(s, &n);

		for (i = 0; r != NULL && i < n; i++)
			printf("  reporter %s: %" PRIu64 " report(s), %" PRIu64
			    " message(s), %" PRIu64 " pass, %" PRIu64 " fail\n",
			    r[i].org_name, r[i].reports, r[i].messages,
			    r[i].pass, r[i].fail);
	}
	src = vouch_report_sum_sources(s, &n);
	for (i = 0; src != NULL && i < n && (!brief || i < 20); i++) {
		printf("  failing source %s: %" PRIu64 " of %" PRIu64
		    " message(s) fail: %s\n", src[i].source_ip,
		    src[i].dmarc_fail, src[i].messages, src[i].cause);
		if (src[i].fix != NULL)
			printf("    fix: %s\n", src[i].fix);
	}
	if (brief && n > 20)
		printf("  and %zu more failing source(s)\n", n - 20);
}

/* The JSON "reports" object of lint. */
void
cli_report_sum_json(struct vouch_report_sum *s)
{
	uint64_t msgs, pass, fail;
	size_t nrep, n, i;
	int64_t begin, end;
	const struct vouch_report_source *src;

	vouch_report_sum_totals(s, &msgs, &pass, &fail, &nrep, &begin, &end);
	printf("{\"messages\":%" PRIu64 ",\"dmarc_pass\":%" PRIu64
	    ",\"dmarc_fail\":%" PRIu64 ",\"reporters\":%zu,\"begin\":%" PRId64
	    ",\"end\":%" PRId64 ",\"sources\":[", msgs, pass, fail, nrep, begin,
	    end);
	src = vouch_report_sum_sources(s, &n);
	for (i = 0; src != NULL && i < n; i++) {
		char *ip = vouch_json_quote(src[i].source_ip,
		    strlen(src[i].source_ip));
		char *c = vouch_json_quote(src[i].cause, strlen(src[i].cause));
		char *f = src[i].fix != NULL ? vouch_json_quote(src[i].fix,
		    strlen(src[i].fix)) : NULL;

		printf("%s{\"source_ip\":%s,\"messages\":%" PRIu64
		    ",\"dmarc_fail\":%" PRIu64 ",\"cause\":%s,\"fix\":%s}",
		    i ? "," : "", ip != NULL ? ip : "\"\"", src[i].messages,
		    src[i].dmarc_fail, c != NULL ? c : "\"\"",
		    f != NULL ? f : "null");
		vouch_free(ip);
		vouch_free(c);
		vouch_free(f);
	}
	printf("]}");
}

/* ---- reading -------------------------------------------------------------- */

static struct vouch_report_sum *
sum_for(struct rd *r, const char *domain)
{
	struct vouch_report_sum **grown, *s;
	size_t i;

	for (i = 0; i < r->nsums; i++)
		if (strcmp(vouch_report_sum_domain(r->sums[i]), domain) == 0)
			return r->sums[i];
	if (r->nsums >= 100000 || (grown = realloc(r->sums, (r->nsums + 1) *
	    sizeof(*grown))) == NULL)
		return NULL;
	r->sums = grown;
	if ((s = vouch_report_sum_new(domain)) != NULL)
		r->sums[r->nsums++] = s;
	return s;
}

/* A CSV field: quoted when it must be; a leading = + - @ is defused so a
 * spreadsheet does not run it as a formula (reports come from anyone). */
static void
csv(const char *s, int last)
{
	const char *p;
	int quote = 0;

	if (s == NULL)
		s = "";
	for (p = s; *p; p++)
		if (*p == ',' || *p == '"' || *p == '\n' || *p == '\r')
			quote = 1;
	if (quote)
		putchar('"');
	if (*s == '=' || *s == '+' || *s == '-' || *s == '@')
		putchar('\'');
	for (p = s; *p; p++) {
		if (*p == '"')
			putchar('"');
		putchar(*p);
	}
	if (quote)
		putchar('"');
	putchar(last ? '\n' : ',');
}

static void
csv_list(const struct vouch_report_auth *a, size_t n, int which, int last)
{
	char buf[2048];
	size_t i, k = 0;

	buf[0] = '\0';
	for (i = 0; i < n && k < sizeof(buf) - 1; i++) {
		const char *v = which == 0 ? a[i].domain : which == 1 ?
		    a[i].selector : a[i].result;
		int w = snprintf(buf + k, sizeof(buf) - k, "%s%s", i ? ";" : "",
		    v != NULL ? v : "");

		if (w < 0)
			break;
		k += (size_t)w;
	}
	csv(buf, last);
}

static void
print_csv(struct rd *r, const struct vouch_report_agg *a)
{
	size_t i, k;
	char b[24], e[24], cnt[24];

	if (!r->csv_head) {
		r->csv_head = 1;
		printf("org_name,email,report_id,begin,end,schema,source,"
		    "message_id,domain,p,sp,np,adkim,aspf,pct,testing,"
		    "source_ip,count,disposition,dkim,spf,reasons,header_from,"
		    "envelope_from,envelope_to,dkim_domains,dkim_selectors,"
		    "dkim_results,spf_domains,spf_scopes,spf_results\n");
	}
	snprintf(b, sizeof(b), "%" PRId64, a->begin);
	snprintf(e, sizeof(e), "%" PRId64, a->end);
	for (i = 0; i < a->nrecords; i++) {
		const struct vouch_report_agg_record *x = &a->records[i];
		char reasons[1024];
		size_t rk = 0;

		reasons[0] = '\0';
		for (k = 0; k < x->nreasons && rk < sizeof(reasons) - 1; k++) {
			int w = snprintf(reasons + rk, sizeof(reasons) - rk,
			    "%s%s", k ? ";" : "", x->reasons[k].type != NULL ?
			    x->reasons[k].type : "");

			if (w < 0)
				break;
			rk += (size_t)w;
		}
		snprintf(cnt, sizeof(cnt), "%" PRIu64, x->count);
		csv(a->org_name, 0); csv(a->email, 0); csv(a->report_id, 0);
		csv(b, 0); csv(e, 0); csv(a->schema, 0); csv(a->source, 0);
		csv(a->message_id, 0); csv(a->domain, 0); csv(a->p, 0);
		csv(a->sp, 0); csv(a->np, 0); csv(a->adkim, 0);
		csv(a->aspf, 0); csv(a->pct, 0); csv(a->testing, 0);
		csv(x->source_ip, 0); csv(cnt, 0); csv(x->disposition, 0);
		csv(x->dkim, 0); csv(x->spf, 0); csv(reasons, 0);
		csv(x->header_from, 0); csv(x->envelope_from, 0);
		csv(x->envelope_to, 0);
		csv_list(x->dkim_results, x->ndkim, 0, 0);
		csv_list(x->dkim_results, x->ndkim, 1, 0);
		csv_list(x->dkim_results, x->ndkim, 2, 0);
		csv_list(x->spf_results, x->nspf, 0, 0);
		csv_list(x->spf_results, x->nspf, 1, 0);
		csv_list(x->spf_results, x->nspf, 2, 1);
	}
}

static int
on_report(void *arg, const struct vouch_report_agg *a)
{
	struct rd *r = arg;
	struct vouch_error err = { 0 };
	struct vouch_report_sum *s;
	char *j;
	int added = 0;

	if (r->domain != NULL && (a->domain == NULL ||
	    strcasecmp(a->domain, r->domain) != 0))
		return 0;
	if ((r->since > 0 && a->end < r->since) ||
	    (r->until > 0 && a->begin > r->until))
		return 0;
	if (r->adding) {
		if (vouch_report_store_add(r->st, a, &added, &err) != VOUCH_OK) {
			cli_err(r->store, "%s", err.message);
			r->store_failed = 1;
			return 1;
		}
		if (added)
			r->added++;
		else
			r->known++;
	}
	r->reports++;
	switch (r->fmt) {
	case F_JSON:
		if ((j = vouch_report_agg_json(a)) != NULL)
			printf("%s\n", j);
		free(j);
		break;
	case F_CSV:
		print_csv(r, a);
		break;
	default:
		if ((s = sum_for(r, a->domain)) != NULL)
			vouch_report_sum_add(s, a);
	}
	return 0;
}

static void
on_fail(void *arg, const char *source, const char *why)
{
	(void)arg;
	cli_err(source, "%s", why);
}

static int
read_set(struct rd *r, int c, const char *arg)
{
	switch (c) {
	case OPT_FMT:
		if (strcmp(arg, "text") == 0)
			r->fmt = F_TEXT;
		else if (strcmp(arg, "json") == 0)
			r->fmt = F_JSON;
		else if (strcmp(arg, "csv") == 0)
			r->fmt = F_CSV;
		else if (strcmp(arg, "html") == 0)
			r->fmt = F_HTML;
		else {
			cli_err("--format", "%s: expected text, json, csv or "
			    "html", arg);
			return -1;
		}
		return 0;
	case OPT_STORE: r->store = arg; return 0;
	case OPT_DOMAIN: r->domain = arg; return 0;
	case OPT_QUIET: r->quiet = 1; return 0;
	case OPT_SINCE:
	case OPT_UNTIL:
		if (cli_parse_time(arg, c == OPT_SINCE ? &r->since :
		    &r->until) == 0)
			return 0;
		cli_err(c == OPT_SINCE ? "--since" : "--until", "%s: expected "
		    "@EPOCH or an ISO 8601 time (2026-12-04 or "
		    "2026-12-04T10:00:00Z)", arg);
		return -1;
	case 'h':
	case OPT_HELP: r->help = 1; return 0;
	default:
		return -1;
	}
}

static void
print_end(struct rd *r)
{
	size_t i;

	if (r->fmt == F_HTML) {
		char *page = vouch_report_html(r->sums, r->nsums);

		if (page != NULL)
			fputs(page, stdout);
		free(page);
	} else if (r->fmt == F_TEXT) {
		for (i = 0; i < r->nsums; i++) {
			if (i > 0)
				putchar('\n');
			cli_report_sum_text(r->sums[i], 0);
		}
		if (r->nsums == 0)
			printf("no reports\n");
	}
}

int
cli_report_read(int argc, char **argv)
{
	struct rd r;
	struct vouch_error err = { 0 };
	size_t failed = 0, i;
	int c, ex = EX_OK;

	memset(&r, 0, sizeof(r));
	optind = 1;
	while ((c = cli_getopt(argc, argv, &usage_report_read)) != -1)
		if (read_set(&r, c, optarg) != 0)
			return cli_usage("report read", &usage_report_read,
			    EX_USAGE);
	if (r.help)
		return cli_usage("report read", &usage_report_read, EX_OK);
	if (optind >= argc && r.store == NULL) {
		cli_err("report read", "give report files or folders, or "
		    "--store to read the reports kept there");
		return cli_usage("report read", &usage_report_read, EX_USAGE);
	}
	for (i = (size_t)optind; i < (size_t)argc; i++)
		if (access(argv[i], F_OK) != 0) {
			cli_err(argv[i], "no such file or folder");
			return EX_NOINPUT;
		}
	if (r.store != NULL && vouch_report_store_open(r.store, &r.st, &err) !=
	    VOUCH_OK) {
		cli_err(r.store, "%s", err.message);
		return EX_UNAVAILABLE;
	}
	r.adding = r.st != NULL && optind < argc;
	if (optind < argc) {
		if (vouch_report_read((const char *const *)argv + optind,
		    (size_t)(argc - optind), on_report, on_fail, &r, &failed,
		    &err) != VOUCH_OK) {
			cli_err("report read", "%s", err.message);
			ex = EX_SOFTWARE;
		}
	} else if (vouch_report_store_each(r.st, r.since, r.until, on_report,
	    &r, &err) != VOUCH_OK) {
		cli_err(r.store, "%s", err.message);
		ex = EX_UNAVAILABLE;
	}
	if (ex == EX_OK && !r.store_failed)
		print_end(&r);
	if (r.adding && !r.quiet)
		fprintf(stderr, "vouch: %s: %zu report(s) read, %zu new, %zu "
		    "already kept\n", r.store, r.reports, r.added, r.known);
	if (ex == EX_OK)
		ex = r.store_failed ? EX_IOERR : failed > 0 ? EX_DATAERR : EX_OK;
	for (i = 0; i < r.nsums; i++)
		vouch_report_sum_free(r.sums[i]);
	free(r.sums);
	(void)vouch_report_store_close(r.st, NULL);
	c = cli_stdout_done();
	return ex == EX_OK ? c : ex;
}
