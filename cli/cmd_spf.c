/* vouch spf: evaluate SPF for one client and sender. */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const char usage_spf[] =
"usage: vouch spf --ip IP [--mail-from ADDR] [--helo NAME] [--receiver NAME]\n"
"                 [--format text|json|received-spf|ar] [--authserv-id ID]\n"
"                 [--max-lookups N] [--max-void N] [--timeout SECONDS]\n"
"\n"
"Evaluate SPF (RFC 7208) for a client address.  With --mail-from the MAIL\n"
"FROM identity is checked (an empty one as postmaster@HELO); without it, the\n"
"HELO identity.\n"
"\n"
"Formats:\n"
"  text          the result word, then the explanation or problem if any\n"
"  json          one object: result, identity, domain, mechanism,\n"
"                explanation, dns_lookups, void_lookups, problem\n"
"  received-spf  a Received-SPF header (RFC 7208 9.1)\n"
"  ar            an Authentication-Results header (RFC 8601)\n"
"\n"
"Limits: --max-lookups (default 10), --max-void (default 2), --timeout for\n"
"the whole evaluation (default 20 seconds, RFC 7208 4.6.4).\n"
"\n"
"Exit: 0 pass; 1 any other definite result; 75 temperror; 64 usage.\n";

enum { OPT_IP = OPT_FIRST_LOCAL, OPT_MAILFROM, OPT_HELO, OPT_RECEIVER,
    OPT_FORMAT, OPT_AUTHSERV, OPT_MAXLOOK, OPT_MAXVOID, OPT_TIMEOUT };

int
cmd_spf(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ip", required_argument, NULL, OPT_IP },
		{ "mail-from", required_argument, NULL, OPT_MAILFROM },
		{ "helo", required_argument, NULL, OPT_HELO },
		{ "receiver", required_argument, NULL, OPT_RECEIVER },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "authserv-id", required_argument, NULL, OPT_AUTHSERV },
		{ "max-lookups", required_argument, NULL, OPT_MAXLOOK },
		{ "max-void", required_argument, NULL, OPT_MAXVOID },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		CLI_DNS_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct vouch_spf_request req = { 0 };
	struct vouch_spf_verdict v;
	struct vouch_error err = { 0 };
	struct cli_dns o = { 0 };
	struct vouch_dns *dns;
	const char *format = "text", *authserv = NULL;
	char *out = NULL;
	unsigned long num;
	int c, ex = EX_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_IP: req.ip = optarg; break;
		case OPT_MAILFROM: req.mail_from = optarg; break;
		case OPT_HELO: req.helo = optarg; break;
		case OPT_RECEIVER: req.receiver = optarg; break;
		case OPT_FORMAT: format = optarg; break;
		case OPT_AUTHSERV: authserv = optarg; break;
		case OPT_MAXLOOK:
			if (cli_parse_uint("--max-lookups", optarg, 1000, &num))
				return EX_USAGE;
			req.max_dns_mech = (unsigned int)num;
			break;
		case OPT_MAXVOID:
			if (cli_parse_uint("--max-void", optarg, 1000, &num))
				return EX_USAGE;
			req.max_void = (unsigned int)num;
			break;
		case OPT_TIMEOUT:
			if (cli_parse_uint("--timeout", optarg, 3600, &num))
				return EX_USAGE;
			req.timeout_ms = (unsigned int)num * 1000;
			break;
		case 'h':
		case OPT_HELP:
			return cli_usage("spf", usage_spf, EX_OK);
		default:
			if (!cli_dns_option(&o, c, optarg))
				return cli_usage("spf", usage_spf, EX_USAGE);
			if (o.error)
				return o.error;
		}
	}
	if (optind != argc) {
		cli_err("spf", "%s: unexpected argument", argv[optind]);
		return cli_usage("spf", usage_spf, EX_USAGE);
	}
	if (req.ip == NULL) {
		cli_err("spf", "--ip is required");
		return cli_usage("spf", usage_spf, EX_USAGE);
	}
	if (req.mail_from == NULL && req.helo == NULL) {
		cli_err("spf", "give --mail-from or --helo");
		return cli_usage("spf", usage_spf, EX_USAGE);
	}
	if (strcmp(format, "text") && strcmp(format, "json") &&
	    strcmp(format, "received-spf") && strcmp(format, "ar")) {
		cli_err("--format", "%s: expected text, json, received-spf or ar",
		    format);
		return EX_USAGE;
	}
	req.identity = req.mail_from == NULL ? VOUCH_SPF_HELO :
	    VOUCH_SPF_MAILFROM;
	if (req.receiver == NULL)
		req.receiver = cli_host_name();
	if ((dns = cli_dns_setup(&o, NULL, &ex)) == NULL)
		return ex;
	if (vouch_spf_check(dns, &req, &v, &err) != VOUCH_OK) {
		cli_err("--ip", "%s", err.message);
		vouch_dns_free(dns);
		return cli_exit_for(err.status);
	}
	if (strcmp(format, "text") == 0) {
		char *t = vouch_spf_verdict_text(&v);

		if (t != NULL)
			fputs(t, stdout);
		vouch_free(t);
	} else if (strcmp(format, "json") == 0) {
		out = vouch_spf_verdict_json(&v);
	} else if (strcmp(format, "received-spf") == 0) {
		out = vouch_spf_received_spf(&req, &v);
	} else {
		out = vouch_spf_ar_header(authserv != NULL ? authserv :
		    req.receiver, &v);
	}
	if (out != NULL)
		printf("%s\n", out);
	vouch_free(out);
	ex = v.result == VOUCH_SPF_PASS ? EX_OK :
	    v.result == VOUCH_SPF_TEMPERROR ? EX_TEMPFAIL : 1;
	vouch_spf_verdict_clear(&v);
	vouch_dns_free(dns);
	if (cli_stdout_done() != EX_OK)
		return EX_IOERR;
	return ex;
}
