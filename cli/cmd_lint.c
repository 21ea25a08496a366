/* vouch lint: SPF, DKIM and DMARC records before they are published. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum { OPT_RECORD = OPT_FIRST_LOCAL, OPT_DOMAIN, OPT_TREE, OPT_KEY,
    OPT_ORIGIN, OPT_FORMAT, OPT_UNSAFE, OPT_REPORTS, OPT_RSTORE };

static const struct cli_opt lint_options[] = {
	{ "record", required_argument, OPT_RECORD, "TEXT",
	    "lint this record text instead of looking it up" },
	{ "domain", required_argument, OPT_DOMAIN, "DOMAIN",
	    "the domain a --record is for (SPF macros, DMARC\n"
	    "organizational domain)" },
	{ "tree", no_argument, OPT_TREE, NULL,
	    "spf: print the include/redirect tree with lookups" },
	{ "key", required_argument, OPT_KEY, "FILE",
	    "dkim: check the record publishes this private key" },
	{ "origin", required_argument, OPT_ORIGIN, "DOMAIN",
	    "zone: $ORIGIN for a file that has none" },
	{ "format", required_argument, OPT_FORMAT, "F",
	    "text (default) or json" },
	{ "allow-unsafe-key", no_argument, OPT_UNSAFE, NULL,
	    "accept a --key file readable by group or others" },
	{ "reports", required_argument, OPT_REPORTS, "PATH",
	    "dmarc: what the aggregate reports in PATH say (and in\n"
	    "every further PATH after DOMAIN): messages, how many\n"
	    "fail DMARC (what p=quarantine/p=reject would hit),\n"
	    "each failing source with its cause and fix" },
	{ "report-store", required_argument, OPT_RSTORE, "STORE",
	    "dmarc: the same from the reports kept in STORE (what\n"
	    "vouch report read keeps there)" },
	{ NULL, 0, 0, NULL, NULL }
};

const struct cli_help usage_lint = {
	"usage: vouch lint spf DOMAIN [--tree]\n"
	"       vouch lint spf --record 'v=spf1 ...' [--domain DOMAIN] [--tree]\n"
	"       vouch lint dkim SELECTOR DOMAIN [--key FILE]\n"
	"       vouch lint dkim --record 'v=DKIM1; ...' [--key FILE]\n"
	"       vouch lint dmarc DOMAIN [--reports PATH [PATH...]]\n"
	"                              [--report-store STORE]\n"
	"       vouch lint dmarc --record 'v=DMARC1; ...' [--domain DOMAIN]\n"
	"       vouch lint zone FILE [--origin DOMAIN]\n"
	"       (all: [--format text|json] and the DNS options)\n"
	"\n"
	"Check records the way receivers will evaluate them: syntax, the 10 DNS\n"
	"lookups and 2 void lookups of RFC 7208 counted through every include,\n"
	"record and string lengths, key strength (RFC 8301), DMARC tags (RFC 7489,\n"
	"RFC 9989) and report authorization.  'zone' lints every SPF, DKIM\n"
	"(*._domainkey) and DMARC (_dmarc) record of a master file that is not yet\n"
	"published: its names are answered from the file, lookups that leave it\n"
	"go to the live resolver, or to --dns-zone/--dns-overlay files.\n",
	lint_options,
	"Text output: one finding a line, 'SEVERITY RULE-ID NAME: message (RFC)',\n"
	"then a summary, then what the reports say.  JSON: {\"findings\": [...],\n"
	"\"summary\": {...}, \"spf\": ..., \"reports\": {\"messages\", \"dmarc_pass\",\n"
	"\"dmarc_fail\", \"reporters\", \"begin\", \"end\", \"sources\": [{\"source_ip\",\n"
	"\"messages\", \"dmarc_fail\", \"cause\", \"fix\"}]}} (reports with --reports).\n"
	"\n"
	"Exit: 0 no errors (warnings allowed); 1 errors; 64 usage; 65 a zone file\n"
	"that does not parse; 66 missing file; 75 a lookup failed temporarily;\n"
	"78 unreadable --key; with --reports, 65 when a PATH holds no readable\n"
	"report (said on stderr; the others count) and 69 when the store cannot\n"
	"be opened.\n",
	1
};

static void
json_str(const char *s)
{
	char *q = vouch_json_quote(s != NULL ? s : "", s != NULL ? strlen(s) :
	    0);

	fputs(q != NULL ? q : "\"\"", stdout);
	vouch_free(q);
}

static void
print_json(const struct vouch_lint *l, struct vouch_report_sum *sum)
{
	size_t i, e, w, n;
	unsigned int lk, vd;

	printf("{\"findings\":[");
	for (i = 0; i < vouch_lint_count(l); i++) {
		const struct vouch_lint_finding *f = vouch_lint_get(l, i);

		printf("%s{\"severity\":\"%s\",\"rule\":\"%s\",\"name\":",
		    i ? "," : "", vouch_lint_severity_name(f->severity),
		    f->rule);
		json_str(f->name);
		printf(",\"message\":");
		json_str(f->message);
		printf(",\"spec\":");
		json_str(f->spec);
		printf(",\"record\":");
		json_str(f->record);
		printf("}");
	}
	vouch_lint_summary(l, &e, &w, &n);
	printf("],\"summary\":{\"errors\":%zu,\"warnings\":%zu,\"infos\":%zu},"
	    "\"spf\":", e, w, n);
	if (vouch_lint_spf_counts(l, &lk, &vd))
		printf("{\"dns_lookups\":%u,\"void_lookups\":%u}", lk, vd);
	else
		printf("null");
	if (sum != NULL) {
		printf(",\"reports\":");
		cli_report_sum_json(sum);
	}
	printf("}\n");
}

static void
print_text(const struct vouch_lint *l, int tree)
{
	size_t i, e, w, n;
	unsigned int lk, vd;

	for (i = 0; i < vouch_lint_count(l); i++) {
		const struct vouch_lint_finding *f = vouch_lint_get(l, i);

		printf("%s %s %s: %s", vouch_lint_severity_name(f->severity),
		    f->rule, f->name, f->message);
		if (f->spec != NULL)
			printf(" (%s)", f->spec);
		putchar('\n');
		if (f->record != NULL)
			printf("    in: \"%s\"\n", f->record);
	}
	if (tree && vouch_lint_spf_counts(l, &lk, &vd))
		printf("\n%s\n", vouch_lint_spf_tree(l));
	vouch_lint_summary(l, &e, &w, &n);
	printf("%zu error%s, %zu warning%s, %zu info%s", e, e == 1 ? "" : "s",
	    w, w == 1 ? "" : "s", n, n == 1 ? "" : "s");
	if (vouch_lint_spf_counts(l, &lk, &vd))
		printf("; SPF: %u DNS lookup%s, %u void", lk, lk == 1 ? "" : "s",
		    vd);
	putchar('\n');
	{
		size_t k;
		const char *what = vouch_lint_checked(l, &k);

		if (k > 0)
			printf("%zu record%s checked: %s\n", k, k == 1 ? "" : "s",
			    what);
	}
}


struct lopts {
	struct cli_dns dns;
	const char *record, *domain, *keyfile, *origin, *format, *what;
	char **args;		/* after the kind */
	int nargs, tree, unsafe, help;
	const char *rstore;	/* --report-store */
	const char **reports;	/* --reports, then PATHs after DOMAIN */
	size_t nreports;
};

static int
add_report_path(struct lopts *o, const char *p)
{
	const char **r = realloc(o->reports, (o->nreports + 1) * sizeof(*r));

	if (r == NULL)
		return -1;
	o->reports = r;
	o->reports[o->nreports++] = p;
	return 0;
}

/* The command line into o: EX_OK, or the exit status (said). */
static int
lint_args(int argc, char **argv, struct lopts *o)
{
	int c;

	o->format = "text";
	optind = 1;
	while ((c = cli_getopt(argc, argv, &usage_lint)) != -1)
		switch (c) {
		case OPT_RECORD: o->record = optarg; break;
		case OPT_DOMAIN: o->domain = optarg; break;
		case OPT_TREE: o->tree = 1; break;
		case OPT_KEY: o->keyfile = optarg; break;
		case OPT_ORIGIN: o->origin = optarg; break;
		case OPT_FORMAT: o->format = optarg; break;
		case OPT_UNSAFE: o->unsafe = 1; break;
		case OPT_RSTORE: o->rstore = optarg; break;
		case OPT_REPORTS:
			if (add_report_path(o, optarg) != 0)
				return EX_OSERR;
			break;
		case 'h':
		case OPT_HELP: o->help = 1; return EX_OK;
		default:
			if (!cli_dns_option(&o->dns, c, optarg))
				return cli_usage("lint", &usage_lint, EX_USAGE);
			if (o->dns.error)
				return o->dns.error;
		}
	if (strcmp(o->format, "text") != 0 && strcmp(o->format, "json") != 0) {
		cli_err("--format", "%s: expected text or json", o->format);
		return EX_USAGE;
	}
	if (optind >= argc) {
		cli_err("lint", "expected spf, dkim, dmarc or zone");
		return cli_usage("lint", &usage_lint, EX_USAGE);
	}
	o->what = argv[optind++];
	o->args = argv + optind;
	o->nargs = argc - optind;
	if (o->nreports > 0 || o->rstore != NULL) {
		if (strcmp(o->what, "dmarc") != 0 || o->record != NULL ||
		    o->nargs < 1) {
			cli_err(o->nreports > 0 ? "--reports" : "--report-store",
			    "only for 'lint dmarc DOMAIN'");
			return EX_USAGE;
		}
		/* PATHs after DOMAIN belong to --reports */
		for (c = 1; o->nreports > 0 && c < o->nargs; c++)
			if (add_report_path(o, o->args[c]) != 0)
				return EX_OSERR;
		if (o->nreports > 0)
			o->nargs = 1;
	}
	return EX_OK;
}

/* Arguments that fit the kind, and the key for --key: EX_OK or status. */
static int
lint_check(const struct lopts *o, struct vouch_dkim_key **key)
{
	struct vouch_error err = { 0 };
	const char *w = o->what;
	int r = o->record != NULL;

	if (!((strcmp(w, "spf") == 0 && o->nargs == (r ? 0 : 1)) ||
	    (strcmp(w, "dkim") == 0 && o->nargs == (r ? 0 : 2)) ||
	    (strcmp(w, "dmarc") == 0 && o->nargs == (r ? 0 : 1)) ||
	    (strcmp(w, "zone") == 0 && o->nargs == 1 && !r))) {
		cli_err("lint", "%s: wrong arguments (see 'vouch lint --help')",
		    w);
		return EX_USAGE;
	}
	if (o->keyfile == NULL)
		return EX_OK;
	if (strcmp(w, "dkim") != 0) {
		cli_err("--key", "only for 'lint dkim'");
		return EX_USAGE;
	}
	if (vouch_dkim_key_load(o->keyfile, o->unsafe, key, &err) != VOUCH_OK) {
		cli_err("--key", "%s%s", err.message, err.status == VOUCH_E_KEY &&
		    strstr(err.message, "(mode ") != NULL ? "; or pass "
		    "--allow-unsafe-key" : "");
		return EX_CONFIG;
	}
	return EX_OK;
}

/* The one lint call the kind asks for. */
static enum vouch_status
lint_run(struct vouch_lint *l, const struct lopts *o,
    const struct vouch_dkim_key *key, const char *origin,
    struct vouch_error *err)
{
	const char *named = o->domain ? o->domain : "(record)";

	if (strcmp(o->what, "spf") == 0)
		return vouch_lint_spf(l, o->record ? named : o->args[0],
		    o->record, err);
	if (strcmp(o->what, "dkim") == 0)
		return vouch_lint_dkim(l, o->record ? NULL : o->args[0],
		    o->record ? NULL : o->args[1], o->record, key, err);
	if (strcmp(o->what, "dmarc") == 0)
		return vouch_lint_dmarc(l, o->record ? named : o->args[0],
		    o->record, err);
	return vouch_lint_zone(l, o->args[0], origin, err);
}

static int
sum_one(void *arg, const struct vouch_report_agg *r)
{
	vouch_report_sum_add(arg, r);
	return 0;
}

static void
sum_fail(void *arg, const char *source, const char *why)
{
	(void)arg;
	cli_err(source, "%s", why);
}

/* What the reports say about the domain: *sum, and in *rex 65 when a
 * path held no report.  EX_OK, or the exit status (said). */
static int
lint_reports(const struct lopts *o, struct vouch_report_sum **sum, int *rex)
{
	struct vouch_error err = { 0 };
	struct vouch_report_store *st = NULL;
	size_t failed = 0, i;
	int ex = EX_OK;

	for (i = 0; i < o->nreports; i++)
		if (access(o->reports[i], F_OK) != 0) {
			cli_err(o->reports[i], "no such file or folder");
			return EX_NOINPUT;
		}
	if ((*sum = vouch_report_sum_new(o->args[0])) == NULL)
		return EX_OSERR;
	if (o->nreports > 0 && vouch_report_read(o->reports, o->nreports,
	    sum_one, sum_fail, *sum, &failed, &err) != VOUCH_OK) {
		cli_err("--reports", "%s", err.message);
		return EX_SOFTWARE;
	}
	if (o->rstore != NULL) {
		if (vouch_report_store_open(o->rstore, &st, &err) != VOUCH_OK) {
			cli_err(o->rstore, "%s", err.message);
			return EX_UNAVAILABLE;
		}
		if (vouch_report_store_each(st, 0, 0, sum_one, *sum, &err) !=
		    VOUCH_OK) {
			cli_err(o->rstore, "%s", err.message);
			ex = EX_UNAVAILABLE;
		}
		(void)vouch_report_store_close(st, NULL);
	}
	*rex = failed > 0 ? EX_DATAERR : EX_OK;
	return ex;
}

/* The findings (and what the reports say); the exit status. */
static int
lint_print(const struct lopts *o, const struct vouch_lint *l,
    struct vouch_report_sum *sum, int rex)
{
	size_t e, w, n;
	int ex;

	if (strcmp(o->format, "json") == 0)
		print_json(l, sum);
	else {
		print_text(l, o->tree);
		if (sum != NULL) {
			putchar('\n');
			cli_report_sum_text(sum, 1);
		}
	}
	vouch_lint_summary(l, &e, &w, &n);
	ex = vouch_lint_tempfail(l) ? EX_TEMPFAIL : e > 0 ? 1 : rex;
	return cli_stdout_done() != EX_OK ? EX_IOERR : ex;
}

int
cmd_lint(int argc, char **argv)
{
	struct lopts o;
	struct vouch_error err = { 0 };
	struct vouch_dns *dns = NULL;
	struct vouch_lint *l = NULL;
	struct vouch_dkim_key *key = NULL;
	const char *origin;
	char *soa = NULL;
	struct vouch_report_sum *sum = NULL;
	int ex, rex = EX_OK;

	memset(&o, 0, sizeof(o));
	if ((ex = lint_args(argc, argv, &o)) != EX_OK || o.help ||
	    (ex = lint_check(&o, &key)) != EX_OK) {
		free(o.reports);
		return o.help ? cli_usage("lint", &usage_lint, EX_OK) : ex;
	}
	origin = o.origin;
	if (strcmp(o.what, "zone") == 0 && origin == NULL &&
	    vouch_dns_zone_relative(o.args[0]) == 1) {
		/* relative names need an origin: the SOA's owner when it is
		 * written absolute, else the user must say */
		soa = vouch_dns_zone_origin(o.args[0], NULL);
		if (soa == NULL || *soa == '\0' || strcmp(soa, ".") == 0) {
			cli_err(o.args[0], "relative names and no origin: add "
			    "$ORIGIN to the file or give --origin DOMAIN");
			ex = EX_USAGE;
			goto out;
		}
		origin = soa;
	}
	if ((dns = cli_dns_setup(&o.dns, origin, &ex)) == NULL)
		goto out;
	if ((l = vouch_lint_new(dns)) == NULL) {
		ex = EX_OSERR;
		goto out;
	}
	if (lint_run(l, &o, key, origin, &err) != VOUCH_OK) {
		cli_err(strcmp(o.what, "zone") == 0 ? "zone" : o.what, "%s",
		    err.message);
		ex = cli_exit_for(err.status);
		goto out;
	}
	if ((o.nreports > 0 || o.rstore != NULL) &&
	    (ex = lint_reports(&o, &sum, &rex)) != EX_OK)
		goto out;
	ex = lint_print(&o, l, sum, rex);
out:
	vouch_report_sum_free(sum);
	free(o.reports);
	vouch_free(soa);
	vouch_lint_free(l);
	vouch_dns_free(dns);
	vouch_dkim_key_free(key);
	return ex;
}
