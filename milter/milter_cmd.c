/* vouch milter: its options; the daemon is milter.c, its configuration
 * milter_conf.c.  Shares option handling with the command through
 * common/tool.h only. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/tool.h"
#ifdef HAVE_LIBMILTER
#include "milter.h"
#endif

#ifndef VOUCH_SYSCONFDIR
#define VOUCH_SYSCONFDIR "/etc"
#endif

const char usage_milter[] =
"usage: vouch milter [-c FILE] [-f] [--check-config [--sender ADDR]]\n"
"                    [DNS options]\n"
"\n"
"Run the milter Postfix and Sendmail call (smtpd_milters): mail from an\n"
"authenticated client (SMTP AUTH) or an internal network is DKIM-signed\n"
"with the key table, chosen by the From address; any other mail is checked\n"
"(SPF, DKIM, DMARC, ARC) and gets one Authentication-Results header.\n"
"Authentication-Results headers that claim our authserv-id are removed.\n"
"\n"
"  -c, --config FILE   configuration (default " VOUCH_SYSCONFDIR
    "/vouch/milter.conf);\n"
"                      see vouch-milter.conf(5)\n"
"  -f, --foreground    stay in the foreground (systemd, tests); logs go to\n"
"                      stderr unless the file says log = syslog\n"
"  --check-config      read the file and every key, say what would be\n"
"                      done, and exit: 0 fine, 78 a problem\n"
"  --sender ADDR       with --check-config: which key signs mail from ADDR\n"
"\n"
"Signals: SIGHUP reloads the configuration and keys (a reload that fails\n"
"keeps the running one and logs why); SIGTERM stops.\n"
"Exit: 0 stopped cleanly, 64 usage, 69 socket unavailable, 78 bad\n"
"configuration.\n";

enum { OPT_CHECK = OPT_FIRST_LOCAL, OPT_SENDER };

int
cmd_milter(int argc, char **argv)
{
#ifdef HAVE_LIBMILTER
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "sender", required_argument, NULL, OPT_SENDER },
		CLI_DNS_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct vm_opts o;
	int c;

	memset(&o, 0, sizeof(o));
	o.conf = VM_DEFAULT_CONF;
	while ((c = getopt_long(argc, argv, "c:f", longopts, NULL)) != -1) {
		if (cli_dns_option(&o.dns, c, optarg))
			continue;
		switch (c) {
		case 'c':
			o.conf = optarg;
			break;
		case 'f':
			o.foreground = 1;
			break;
		case OPT_CHECK:
			o.check = 1;
			break;
		case OPT_SENDER:
			o.sender = optarg;
			break;
		case OPT_HELP:
			return cli_usage("milter", usage_milter, EX_OK);
		default:
			return cli_usage("milter", usage_milter, EX_USAGE);
		}
	}
	if (o.dns.error)
		return o.dns.error;
	if (optind != argc) {
		cli_err("milter", "%s: unexpected argument", argv[optind]);
		return cli_usage("milter", usage_milter, EX_USAGE);
	}
	if (o.sender != NULL && !o.check) {
		cli_err("--sender", "only with --check-config");
		return cli_usage("milter", usage_milter, EX_USAGE);
	}
	return vm_main(&o);
#else
	(void)argc;
	(void)argv;
	cli_err("milter", "vouch was built without libmilter (Debian: "
	    "libmilter-dev); rebuild to use it");
	return EX_UNAVAILABLE;
#endif
}
