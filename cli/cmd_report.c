/*
 * vouch report send: DMARC aggregate reports (RFC 9990) from a report
 * store that vouch verify --report-store or the milter filled.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"

enum { OPT_STORE = OPT_FIRST_LOCAL, OPT_ORG, OPT_EMAIL, OPT_RECEIVER,
    OPT_DIR, OPT_SENDMAIL, OPT_PERIOD, OPT_UNTIL, OPT_DRY, OPT_EXPIRE,
    OPT_QUIET, OPT_SCHEMA };

static const struct cli_opt send_options[] = {
	{ "store", required_argument, OPT_STORE, "STORE",
	    "the report store: sqlite:PATH (or a PATH) or\n"
	    "postgresql://... (required)" },
	{ "org-name", required_argument, OPT_ORG, "NAME",
	    "the reporting organization (required)" },
	{ "email", required_argument, OPT_EMAIL, "ADDR",
	    "its contact address, the reports' From: (required)" },
	{ "receiver", required_argument, OPT_RECEIVER, "DOMAIN",
	    "its domain, in file names and Subject (default: the\n"
	    "domain of --email)" },
	{ "dir", required_argument, OPT_DIR, "DIR",
	    "write receiver!domain!begin!end!id.xml.gz files into DIR\n"
	    "instead of mailing them" },
	{ "sendmail", required_argument, OPT_SENDMAIL, "CMD",
	    "mail each report through CMD, the message on its\n"
	    "standard input (default /usr/sbin/sendmail -t -oi)" },
	{ "period", required_argument, OPT_PERIOD, "P",
	    "day (default: UTC days) or hour" },
	{ "until", required_argument, OPT_UNTIL, "TIME",
	    "report periods that ended by TIME: @EPOCH or ISO 8601\n"
	    "(2026-12-04, 2026-12-04T10:00:00Z; default now)" },
	{ "dry-run", no_argument, OPT_DRY, NULL,
	    "print what would be sent; change nothing" },
	{ "expire", required_argument, OPT_EXPIRE, "DAYS",
	    "delete rows older than DAYS (default 30; 0 keeps them)" },
	{ "quiet", no_argument, OPT_QUIET, NULL,
	    "no line per report, only problems" },
	{ "schema", required_argument, OPT_SCHEMA, "S",
	    "9990 (default: RFC 9990, namespace\n"
	    "urn:ietf:params:xml:ns:dmarc-2.0) or 7489 (RFC 7489\n"
	    "appendix C, no namespace: for readers that know only\n"
	    "that one, such as Mail::DMARC 1.2021)" },
	{ NULL, 0, 0, NULL, NULL }
};

const struct cli_help usage_report = {
	"usage: vouch report send --store STORE --org-name NAME --email ADDR\n"
	"                         [--receiver DOMAIN] [--dir DIR | --sendmail CMD]\n"
	"                         [--period day|hour] [--until TIME] [--dry-run]\n"
	"                         [--expire DAYS] [--schema 9990|7489] [--quiet]\n"
	"\n"
	"DMARC aggregate reports (RFC 9990) from the verdicts that vouch verify\n"
	"and the milter recorded into a report store: one report\n"
	"per policy domain, period and rua= destination, for every period that\n"
	"ended, its rows grouped into records with their counts.  A destination\n"
	"outside the policy domain gets reports only when it publishes\n"
	"<policy-domain>._report._dmarc.<its domain> (v=DMARC1).  Rows are\n"
	"marked sent only once a report is complete (file in place, sendmail\n"
	"exited 0): run it again, or on another host of the same store, and\n"
	"nothing is sent twice; what failed is sent next time.\n",
	send_options,
	"Exit: 0 every report went; 64 usage; 69 the store cannot be used\n"
	"(or another send is running on it); 73 --dir is not a folder; 75 some\n"
	"reports could not be delivered (their rows stay unsent: run again).\n",
	1
};

struct ropts {
	struct vouch_report_send_opts so;
	struct cli_dns dns;
	const char *store;
	unsigned long expire;
	int help, quiet;
};

static int
set_opt(struct ropts *r, int c, const char *arg)
{
	switch (c) {
	case OPT_STORE: r->store = arg; return 0;
	case OPT_ORG: r->so.org_name = arg; return 0;
	case OPT_EMAIL: r->so.email = arg; return 0;
	case OPT_RECEIVER: r->so.receiver = arg; return 0;
	case OPT_DIR: r->so.dir = arg; return 0;
	case OPT_SENDMAIL: r->so.sendmail = arg; return 0;
	case OPT_DRY: r->so.dry_run = 1; return 0;
	case OPT_QUIET: r->quiet = 1; return 0;
	case OPT_SCHEMA:
		if (strcmp(arg, "9990") == 0 || strcmp(arg, "7489") == 0) {
			r->so.rfc7489 = arg[0] == '7';
			return 0;
		}
		cli_err("--schema", "%s: expected 9990 or 7489", arg);
		return -1;
	case OPT_PERIOD:
		if (strcmp(arg, "day") == 0 || strcmp(arg, "hour") == 0) {
			r->so.period = arg[0] == 'd' ? 86400 : 3600;
			return 0;
		}
		cli_err("--period", "%s: expected day or hour", arg);
		return -1;
	case OPT_UNTIL:
		if (cli_parse_time(arg, &r->so.until) == 0)
			return 0;
		cli_err("--until", "%s: expected @EPOCH or an ISO 8601 time "
		    "(2026-12-04 or 2026-12-04T10:00:00Z)", arg);
		return -1;
	case OPT_EXPIRE:
		if (strcmp(arg, "0") == 0) {	/* keep everything */
			r->expire = 0;
			return 0;
		}
		return cli_parse_uint("--expire", arg, 100000, &r->expire);
	case 'h':
	case OPT_HELP: r->help = 1; return 0;
	default:
		return !cli_dns_option(&r->dns, c, arg) || r->dns.error ? -1 : 0;
	}
}

static int
check_opts(const struct ropts *r)
{
	struct stat sb;

	if (r->store == NULL || r->so.org_name == NULL || r->so.email == NULL) {
		cli_err("report send", "--store, --org-name and --email are "
		    "required");
		return EX_USAGE;
	}
	if (strchr(r->so.email, '@') == NULL && r->so.receiver == NULL) {
		cli_err("--email", "%s: not an address (or give --receiver)",
		    r->so.email);
		return EX_USAGE;
	}
	if (r->so.dir != NULL && r->so.sendmail != NULL) {
		cli_err("report send", "--dir or --sendmail, not both");
		return EX_USAGE;
	}
	if (r->so.dir != NULL && (stat(r->so.dir, &sb) != 0 ||
	    !S_ISDIR(sb.st_mode))) {
		cli_err(r->so.dir, "not a folder");
		return EX_CANTCREAT;
	}
	return EX_OK;
}

/* Lines from the library: what was sent on stdout, problems on stderr. */
static void
on_log(void *arg, const char *line)
{
	const struct ropts *r = arg;

	if (strncmp(line, "sent ", 5) == 0 ||
	    strncmp(line, "would send ", 11) == 0) {
		if (!r->quiet || r->so.dry_run)
			printf("%s\n", line);
	} else {
		cli_err("report send", "%s", line);
	}
}

static int
send_all(struct ropts *r, struct vouch_report_store *st)
{
	struct vouch_report_send_stats stats;
	struct vouch_error err = { 0 };
	enum vouch_status s;

	r->so.log = on_log;
	r->so.log_arg = r;
	r->so.expire_days = (unsigned int)r->expire;
	s = vouch_report_send(st, &r->so, &stats, &err);
	if (!r->quiet || r->so.dry_run)
		printf("%s%lu report(s), %lu record(s), %lu message(s); %lu "
		    "destination(s) refused, %lu failed, %lu row(s) expired\n",
		    r->so.dry_run ? "dry run: " : "", stats.reports,
		    stats.records, stats.messages, stats.refused, stats.failed,
		    stats.expired);
	if (s == VOUCH_OK)
		return EX_OK;
	if (s == VOUCH_E_IO && stats.failed > 0)
		return EX_TEMPFAIL;
	cli_err(r->store, "%s", err.message);
	return s == VOUCH_E_INVAL ? EX_USAGE : EX_UNAVAILABLE;
}

static int
report_send(int argc, char **argv)
{
	struct ropts r;
	struct vouch_report_store *st = NULL;
	struct vouch_error err = { 0 };
	int c, ex;

	memset(&r, 0, sizeof(r));
	r.expire = 30;
	optind = 1;
	while ((c = cli_getopt(argc, argv, &usage_report)) != -1)
		if (set_opt(&r, c, optarg) != 0)
			return cli_usage("report", &usage_report, EX_USAGE);
	if (r.help)
		return cli_usage("report", &usage_report, EX_OK);
	if (optind < argc) {
		cli_err("report send", "%s: unexpected argument", argv[optind]);
		return cli_usage("report", &usage_report, EX_USAGE);
	}
	if ((ex = check_opts(&r)) != EX_OK)
		return ex == EX_USAGE ? cli_usage("report", &usage_report, ex) :
		    ex;
	if ((r.so.dns = cli_dns_setup(&r.dns, NULL, &ex)) == NULL)
		return ex;
	if (vouch_report_store_open(r.store, &st, &err) != VOUCH_OK) {
		cli_err(r.store, "%s", err.message);
		ex = EX_UNAVAILABLE;
	} else {
		ex = send_all(&r, st);
	}
	(void)vouch_report_store_close(st, NULL);
	vouch_dns_free(r.so.dns);
	if (ex == EX_OK)
		ex = cli_stdout_done();
	return ex;
}

int
cmd_report(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		if (argc < 2)
			return cli_usage("report", &usage_report, EX_USAGE);
		(void)cli_usage("report", &usage_report, EX_OK);
		putchar('\n');
		return cli_usage("report", &usage_report_read, EX_OK);
	}
	if (strcmp(argv[1], "send") == 0)
		return report_send(argc - 1, argv + 1);
	if (strcmp(argv[1], "read") == 0)
		return cli_report_read(argc - 1, argv + 1);
	cli_err("report", "%s: no such subcommand (send, read)", argv[1]);
	return cli_usage("report", &usage_report, EX_USAGE);
}
