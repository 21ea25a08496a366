/* vouch spf: evaluate SPF for one client and sender. */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum { OPT_IP = OPT_FIRST_LOCAL, OPT_MAILFROM, OPT_HELO, OPT_RECEIVER,
    OPT_FORMAT, OPT_AUTHSERV, OPT_MAXLOOK, OPT_MAXVOID, OPT_TIMEOUT };

static const struct cli_opt spf_options[] = {
	{ "ip", required_argument, OPT_IP, "IP",
	    "the client's address (IPv4 or IPv6); required" },
	{ "mail-from", required_argument, OPT_MAILFROM, "ADDR",
	    "the MAIL FROM address (empty: postmaster@HELO)" },
	{ "helo", required_argument, OPT_HELO, "NAME",
	    "the HELO/EHLO name; alone, the HELO identity is checked" },
	{ "receiver", required_argument, OPT_RECEIVER, "NAME",
	    "this host's name for %{r} and the headers (default:\n"
	    "the host name)" },
	{ "format", required_argument, OPT_FORMAT, "F",
	    "text (default): the result word, then the explanation\n"
	    "  or problem if any\n"
	    "json: one object: result, identity, domain, mechanism,\n"
	    "  explanation, dns_lookups, void_lookups, problem\n"
	    "received-spf: a Received-SPF header (RFC 7208 9.1)\n"
	    "ar: an Authentication-Results header (RFC 8601)" },
	{ "authserv-id", required_argument, OPT_AUTHSERV, "ID",
	    "the authserv-id of --format ar (default: the host name)" },
	{ "max-lookups", required_argument, OPT_MAXLOOK, "N",
	    "DNS-querying terms allowed (default 10, RFC 7208 4.6.4)" },
	{ "max-void", required_argument, OPT_MAXVOID, "N",
	    "void lookups allowed (default 2, RFC 7208 4.6.4)" },
	{ "timeout", required_argument, OPT_TIMEOUT, "SECONDS",
	    "for the whole evaluation (default 20)" },
	{ NULL, 0, 0, NULL, NULL }
};

const struct cli_help usage_spf = {
	"usage: vouch spf --ip IP [--mail-from ADDR] [--helo NAME] [--receiver NAME]\n"
	"                 [--format text|json|received-spf|ar] [--authserv-id ID]\n"
	"                 [--max-lookups N] [--max-void N] [--timeout SECONDS]\n"
	"\n"
	"Evaluate SPF (RFC 7208) for a client address.  With --mail-from the MAIL\n"
	"FROM identity is checked (an empty one as postmaster@HELO); without it, the\n"
	"HELO identity.\n",
	spf_options,
	"Exit: 0 pass; 1 any other definite result; 75 temperror; 64 usage.\n",
	1
};


struct sopts {
	struct vouch_spf_request req;
	struct cli_dns dns;
	const char *format, *authserv;
};

/* One option into o: EX_OK, -1 for --help, or the exit status. */
static int
spf_opt(struct sopts *o, int c, const char *arg)
{
	unsigned long num;

	switch (c) {
	case OPT_IP: o->req.ip = arg; return EX_OK;
	case OPT_MAILFROM: o->req.mail_from = arg; return EX_OK;
	case OPT_HELO: o->req.helo = arg; return EX_OK;
	case OPT_RECEIVER: o->req.receiver = arg; return EX_OK;
	case OPT_FORMAT: o->format = arg; return EX_OK;
	case OPT_AUTHSERV: o->authserv = arg; return EX_OK;
	case OPT_MAXLOOK:
	case OPT_MAXVOID:
	case OPT_TIMEOUT:
		if (cli_parse_uint(c == OPT_MAXLOOK ? "--max-lookups" :
		    c == OPT_MAXVOID ? "--max-void" : "--timeout", arg,
		    c == OPT_TIMEOUT ? 3600 : 1000, &num))
			return EX_USAGE;
		if (c == OPT_MAXLOOK)
			o->req.max_dns_mech = (unsigned int)num;
		else if (c == OPT_MAXVOID)
			o->req.max_void = (unsigned int)num;
		else
			o->req.timeout_ms = (unsigned int)num * 1000;
		return EX_OK;
	case 'h':
	case OPT_HELP: return -1;
	default:
		if (!cli_dns_option(&o->dns, c, arg))
			return cli_usage("spf", &usage_spf, EX_USAGE);
		return o->dns.error;
	}
}

/* The command line into o: EX_OK, -1 for --help, or the exit status. */
static int
spf_args(int argc, char **argv, struct sopts *o)
{
	int c, ex;

	o->format = "text";
	optind = 1;
	while ((c = cli_getopt(argc, argv, &usage_spf)) != -1)
		if ((ex = spf_opt(o, c, optarg)) != EX_OK)
			return ex;
	if (optind != argc)
		cli_err("spf", "%s: unexpected argument", argv[optind]);
	else if (o->req.ip == NULL)
		cli_err("spf", "--ip is required");
	else if (o->req.mail_from == NULL && o->req.helo == NULL)
		cli_err("spf", "give --mail-from or --helo");
	else if (strcmp(o->format, "text") && strcmp(o->format, "json") &&
	    strcmp(o->format, "received-spf") && strcmp(o->format, "ar")) {
		cli_err("--format", "%s: expected text, json, received-spf or "
		    "ar", o->format);
		return EX_USAGE;
	} else
		return EX_OK;
	return cli_usage("spf", &usage_spf, EX_USAGE);
}

/* The verdict as the format asks. */
static void
spf_print(const struct sopts *o, const struct vouch_spf_verdict *v)
{
	char *out = NULL;

	if (strcmp(o->format, "text") == 0) {
		char *t = vouch_spf_verdict_text(v);

		if (t != NULL)
			fputs(t, stdout);
		vouch_free(t);
	} else if (strcmp(o->format, "json") == 0) {
		out = vouch_spf_verdict_json(v);
	} else if (strcmp(o->format, "received-spf") == 0) {
		out = vouch_spf_received_spf(&o->req, v);
	} else {
		out = vouch_spf_ar_header(o->authserv != NULL ? o->authserv :
		    o->req.receiver, v);
	}
	if (out != NULL)
		printf("%s\n", out);
	vouch_free(out);
}

int
cmd_spf(int argc, char **argv)
{
	struct sopts o;
	struct vouch_spf_verdict v;
	struct vouch_error err = { 0 };
	struct vouch_dns *dns;
	int ex;

	memset(&o, 0, sizeof(o));
	if ((ex = spf_args(argc, argv, &o)) != EX_OK)
		return ex < 0 ? cli_usage("spf", &usage_spf, EX_OK) : ex;
	o.req.identity = o.req.mail_from == NULL ? VOUCH_SPF_HELO :
	    VOUCH_SPF_MAILFROM;
	if (o.req.receiver == NULL)
		o.req.receiver = cli_host_name();
	if ((dns = cli_dns_setup(&o.dns, NULL, &ex)) == NULL)
		return ex;
	if (vouch_spf_check(dns, &o.req, &v, &err) != VOUCH_OK) {
		cli_err("--ip", "%s", err.message);
		vouch_dns_free(dns);
		return cli_exit_for(err.status);
	}
	spf_print(&o, &v);
	ex = v.result == VOUCH_SPF_PASS ? EX_OK :
	    v.result == VOUCH_SPF_TEMPERROR ? EX_TEMPFAIL : 1;
	vouch_spf_verdict_clear(&v);
	vouch_dns_free(dns);
	if (cli_stdout_done() != EX_OK)
		return EX_IOERR;
	return ex;
}
