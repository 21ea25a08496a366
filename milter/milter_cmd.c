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

enum { OPT_CHECK = OPT_FIRST_LOCAL, OPT_SENDER };

static const struct cli_opt milter_options[] = {
	{ "config", required_argument, 'c', "FILE",
	    "configuration, see vouch-milter.conf(5) (default\n"
	    VOUCH_SYSCONFDIR "/vouch/milter.conf)" },
	{ "foreground", no_argument, 'f', NULL,
	    "stay in the foreground (systemd, tests); logs go to\n"
	    "stderr unless the file says log = syslog" },
	{ "check-config", no_argument, OPT_CHECK, NULL,
	    "read the file and every key, say what would be done,\n"
	    "and exit: 0 fine, 78 a problem" },
	{ "sender", required_argument, OPT_SENDER, "ADDR",
	    "with --check-config: which key signs mail from ADDR" },
	{ NULL, 0, 0, NULL, NULL }
};

const struct cli_help usage_milter = {
	"usage: vouch milter [-c FILE] [-f] [--check-config [--sender ADDR]]\n"
	"                    [DNS options]\n"
	"\n"
	"Run the milter Postfix and Sendmail call (smtpd_milters): mail from an\n"
	"authenticated client (SMTP AUTH) or an internal network is DKIM-signed\n"
	"with the key table, chosen by the From address; any other mail is checked\n"
	"(SPF, DKIM, DMARC, ARC) and gets one Authentication-Results header.\n"
	"Authentication-Results headers that claim our authserv-id are removed.\n",
	milter_options,
	"Signals: SIGHUP reloads the configuration and keys (a reload that fails\n"
	"keeps the running one and logs why); SIGTERM stops within\n"
	"a second (sessions still open are cut: the MTA retries them).\n"
	"Exit: 0 stopped cleanly, 64 usage, 69 socket unavailable, 78 bad\n"
	"configuration.\n",
	1
};

int
cmd_milter(int argc, char **argv)
{
#ifdef HAVE_LIBMILTER
	struct vm_opts o;
	int c;

	memset(&o, 0, sizeof(o));
	o.conf = VM_DEFAULT_CONF;
	while ((c = cli_getopt(argc, argv, &usage_milter)) != -1) {
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
			return cli_usage("milter", &usage_milter, EX_OK);
		default:
			return cli_usage("milter", &usage_milter, EX_USAGE);
		}
	}
	if (o.dns.error)
		return o.dns.error;
	if (optind != argc) {
		cli_err("milter", "%s: unexpected argument", argv[optind]);
		return cli_usage("milter", &usage_milter, EX_USAGE);
	}
	if (o.sender != NULL && !o.check) {
		cli_err("--sender", "only with --check-config");
		return cli_usage("milter", &usage_milter, EX_USAGE);
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
