/* vouch lint: SPF, DKIM and DMARC records before they are published. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char usage_lint[] =
"usage: vouch lint spf DOMAIN [--tree]\n"
"       vouch lint spf --record 'v=spf1 ...' [--domain DOMAIN] [--tree]\n"
"       vouch lint dkim SELECTOR DOMAIN [--key FILE]\n"
"       vouch lint dkim --record 'v=DKIM1; ...' [--key FILE]\n"
"       vouch lint dmarc DOMAIN\n"
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
"go to the live resolver, or to --dns-zone/--dns-overlay files.\n"
"\n"
"Text output: one finding a line, 'SEVERITY RULE-ID NAME: message (RFC)',\n"
"then a summary.  JSON: {\"findings\": [...], \"summary\": {...}, \"spf\": ...}.\n"
"\n"
"Exit: 0 no errors (warnings allowed); 1 errors; 64 usage; 65 a zone file\n"
"that does not parse; 66 missing file; 75 a lookup failed temporarily;\n"
"78 unreadable --key.\n";

enum { OPT_RECORD = OPT_FIRST_LOCAL, OPT_DOMAIN, OPT_TREE, OPT_KEY,
    OPT_ORIGIN, OPT_FORMAT, OPT_UNSAFE };

static void
json_str(const char *s)
{
	char *q = vouch_json_quote(s != NULL ? s : "", s != NULL ? strlen(s) :
	    0);

	fputs(q != NULL ? q : "\"\"", stdout);
	vouch_free(q);
}

static void
print_json(const struct vouch_lint *l)
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
		printf("{\"dns_lookups\":%u,\"void_lookups\":%u}}\n", lk, vd);
	else
		printf("null}\n");
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

int
cmd_lint(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "record", required_argument, NULL, OPT_RECORD },
		{ "domain", required_argument, NULL, OPT_DOMAIN },
		{ "tree", no_argument, NULL, OPT_TREE },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "origin", required_argument, NULL, OPT_ORIGIN },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "allow-unsafe-key", no_argument, NULL, OPT_UNSAFE },
		CLI_DNS_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct cli_dns o = { 0 };
	struct vouch_error err = { 0 };
	struct vouch_dns *dns = NULL;
	struct vouch_lint *l = NULL;
	struct vouch_dkim_key *key = NULL;
	const char *record = NULL, *domain = NULL, *keyfile = NULL;
	const char *origin = NULL, *format = "text", *what;
	char *soa = NULL;
	enum vouch_status st = VOUCH_OK;
	int c, tree = 0, unsafe = 0, ex = EX_OK, nargs;
	size_t e, w, n;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_RECORD: record = optarg; break;
		case OPT_DOMAIN: domain = optarg; break;
		case OPT_TREE: tree = 1; break;
		case OPT_KEY: keyfile = optarg; break;
		case OPT_ORIGIN: origin = optarg; break;
		case OPT_FORMAT: format = optarg; break;
		case OPT_UNSAFE: unsafe = 1; break;
		case 'h':
		case OPT_HELP:
			return cli_usage("lint", usage_lint, EX_OK);
		default:
			if (!cli_dns_option(&o, c, optarg))
				return cli_usage("lint", usage_lint, EX_USAGE);
			if (o.error)
				return o.error;
		}
	}
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
		cli_err("--format", "%s: expected text or json", format);
		return EX_USAGE;
	}
	if (optind >= argc) {
		cli_err("lint", "expected spf, dkim, dmarc or zone");
		return cli_usage("lint", usage_lint, EX_USAGE);
	}
	what = argv[optind++];
	nargs = argc - optind;
	if (!((strcmp(what, "spf") == 0 && nargs == (record ? 0 : 1)) ||
	    (strcmp(what, "dkim") == 0 && nargs == (record ? 0 : 2)) ||
	    (strcmp(what, "dmarc") == 0 && nargs == (record ? 0 : 1)) ||
	    (strcmp(what, "zone") == 0 && nargs == 1 && record == NULL))) {
		cli_err("lint", "%s: wrong arguments (see 'vouch lint --help')",
		    what);
		return EX_USAGE;
	}
	if (keyfile != NULL) {
		if (strcmp(what, "dkim") != 0) {
			cli_err("--key", "only for 'lint dkim'");
			return EX_USAGE;
		}
		if (vouch_dkim_key_load(keyfile, unsafe, &key, &err) != VOUCH_OK) {
			cli_err("--key", "%s", err.message);
			return EX_CONFIG;
		}
	}
	if (strcmp(what, "zone") == 0 && origin == NULL &&
	    vouch_dns_zone_relative(argv[optind]) == 1) {
		/* relative names need an origin: the SOA's owner when it is
		 * written absolute, else the user must say */
		soa = vouch_dns_zone_origin(argv[optind], NULL);
		if (soa == NULL || *soa == '\0' || strcmp(soa, ".") == 0) {
			cli_err(argv[optind], "relative names and no origin: add "
			    "$ORIGIN to the file or give --origin DOMAIN");
			ex = EX_USAGE;
			goto out;
		}
		origin = soa;
	}
	if ((dns = cli_dns_setup(&o, origin, &ex)) == NULL)
		goto out;
	if ((l = vouch_lint_new(dns)) == NULL) {
		ex = EX_OSERR;
		goto out;
	}
	if (strcmp(what, "spf") == 0)
		st = vouch_lint_spf(l, record ? (domain ? domain : "(record)") :
		    argv[optind], record, &err);
	else if (strcmp(what, "dkim") == 0)
		st = vouch_lint_dkim(l, record ? NULL : argv[optind],
		    record ? NULL : argv[optind + 1], record, key, &err);
	else if (strcmp(what, "dmarc") == 0)
		st = vouch_lint_dmarc(l, record ? (domain ? domain :
		    "(record)") : argv[optind], record, &err);
	else
		st = vouch_lint_zone(l, argv[optind], origin, &err);
	if (st != VOUCH_OK) {
		cli_err(strcmp(what, "zone") == 0 ? "zone" : what, "%s",
		    err.message);
		ex = cli_exit_for(st);
		goto out;
	}
	if (strcmp(format, "json") == 0)
		print_json(l);
	else
		print_text(l, tree);
	vouch_lint_summary(l, &e, &w, &n);
	ex = vouch_lint_tempfail(l) ? EX_TEMPFAIL : e > 0 ? 1 : EX_OK;
	if (cli_stdout_done() != EX_OK)
		ex = EX_IOERR;
out:
	vouch_free(soa);
	vouch_lint_free(l);
	vouch_dns_free(dns);
	vouch_dkim_key_free(key);
	return ex;
}
