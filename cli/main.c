/* vouch: one command, dispatched to subcommands. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct command {
	const char *name;
	int (*run)(int, char **);
	const struct cli_help *usage;
	const char *summary;
} commands[] = {
	{ "sign", cmd_sign, &usage_sign, "add DKIM-Signature headers to a message" },
	{ "verify", cmd_verify, &usage_verify,
	    "verify DKIM, SPF, DMARC and ARC of messages, mboxes, Maildirs" },
	{ "seal", cmd_seal, &usage_seal,
	    "verify, then add an ARC set as a forwarder (RFC 8617)" },
	{ "milter", cmd_milter, &usage_milter,
	    "sign and verify inside Postfix or Sendmail (libmilter)" },
	{ "spf", cmd_spf, &usage_spf, "evaluate SPF for a client and sender" },
	{ "report", cmd_report, &usage_report,
	    "send DMARC aggregate reports from recorded verdicts" },
	{ "lint", cmd_lint, &usage_lint, "check SPF, DKIM and DMARC records" },
	{ "keygen", cmd_keygen, &usage_keygen, "make a DKIM key pair and record" },
	{ "dns", cmd_dns, &usage_dns, "look up a name as SPF and DKIM see it" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: vouch COMMAND [OPTIONS] [ARGS]\n\n"
	    "Email sender authentication: SPF, DKIM, DMARC, ARC and DNS "
	    "record lint.\n\nCommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %-8s %s\n", commands[i].name,
		    commands[i].summary);
	fprintf(fp, "\nOffline: every command takes --dns-zone FILE (answers "
	    "only from RFC 1035\nmaster files) instead of the live resolver.\n"
	    "\n'vouch help COMMAND' or 'vouch COMMAND --help' for details; "
	    "'man vouch'\n(from a build tree: 'man -l doc/vouch.1') for exit "
	    "codes.\n");
}

static const struct command *
find(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int
main(int argc, char **argv)
{
	static char prog[64];
	const struct command *c;

	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return EX_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("vouch %s\n", vouch_version());
		return EX_OK;
	}
	if (strcmp(argv[1], "help") == 0) {
		if (argc < 3) {
			usage(stdout);
			return EX_OK;
		}
		if ((c = find(argv[2])) == NULL) {
			cli_err("help", "%s: no such command", argv[2]);
			return EX_USAGE;
		}
		return cli_usage(c->name, c->usage, EX_OK);
	}
	if ((c = find(argv[1])) == NULL) {
		cli_err(argv[1], "no such command (try 'vouch --help')");
		return EX_USAGE;
	}
	/* getopt's own messages then read "vouch: keygen: ..." */
	snprintf(prog, sizeof(prog), "vouch: %s", c->name);
	argv[1] = prog;
	return c->run(argc - 1, argv + 1);
}
