/*
 * What the two programs built on libvouch share: the vouch command (cli/)
 * and the milter daemon (milter/) print errors the same way, take the same
 * DNS settings and load keys with the same messages and exit codes.  This
 * is program code (it prints and returns sysexits), linked into the vouch
 * program, never into the library; it uses only the public API.
 */
#ifndef VOUCH_COMMON_TOOL_H
#define VOUCH_COMMON_TOOL_H

#include <getopt.h>
#include <stddef.h>
#include <sysexits.h>

#include <vouch/vouch.h>
#include <vouch/keys.h>

/* DNS settings, from options or a configuration file (tool.c). */
struct cli_dns {
	const char *server;
	double timeout;
	unsigned int tries;
	const char *zones[64];
	int nzones;
	const char *overlays[64];
	int noverlays;
	const char *fails[64];
	int nfails;
	const char *origin;	/* --dns-origin */
	const char *record;	/* --dns-record */
	int error;	/* exit code of the first bad option */
};

/* Long-option ids shared by every subcommand (above any short option). */
enum {
	OPT_DNS_SERVER = 1000,
	OPT_DNS_TIMEOUT,
	OPT_DNS_ZONE,
	OPT_DNS_OVERLAY,
	OPT_DNS_FAIL,
	OPT_DNS_TRIES,
	OPT_DNS_ORIGIN,
	OPT_DNS_RECORD,
	OPT_HELP,
	OPT_FIRST_LOCAL = 1100
};

/* One option of a command: getopt_long's entry and its --help line, from
 * the one table, so the parser and the help cannot disagree. */
struct cli_opt {
	const char *name;	/* the long name, without "--" */
	int has_arg;		/* no_argument or required_argument */
	int id;			/* the short letter, or an OPT_ id (>= 1000) */
	const char *arg;	/* the argument's name in --help, or NULL */
	const char *help;	/* what it does; '\n' starts another line */
};
/* A command's --help: head (usage lines and description), the options
 * printed from opts (ended by a NULL name), then tail; with dns, the DNS
 * options every subcommand takes follow. */
struct cli_help {
	const char *head;
	const struct cli_opt *opts;
	const char *tail;
	int dns;
};
/* getopt_long over h's options (and the DNS options when h->dns); -h and
 * --help both return OPT_HELP. */
int cli_getopt(int argc, char **argv, const struct cli_help *h);

/* Handle a shared DNS option; returns 1 when c was one. */
int cli_dns_option(struct cli_dns *o, int c, const char *arg);
/* Print a subcommand's --help on stdout (ex 0) or a hint on stderr;
 * returns ex. */
int cli_usage(const char *cmd, const struct cli_help *h, int ex);

/* Print "vouch: WHERE: message" on stderr, or hand the line (without
 * "vouch: " and newline) to cli_err_hook when set (the milter's log). */
extern void (*cli_err_hook)(const char *line);
void cli_err(const char *where, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Build the resolver; on failure prints the error and sets *ex. */
struct vouch_dns *cli_dns_setup(struct cli_dns *o, const char *origin,
    int *ex);
/* Exit code for a status from the library. */
int cli_exit_for(enum vouch_status st);
/* The host name, for receiver and authserv-id defaults. */
const char *cli_host_name(void);
/* Private keys and key tables (the library's <vouch/keys.h>), with the
 * command's error messages and exit codes (cli_keys.c). */
struct cli_keys {
	struct vouch_keytab *t;	/* keys and tables; NULL until first use */
	int unsafe;		/* --allow-unsafe-key */
	const char *unsafe_hint;	/* how this command overrides the
					 * key-mode check, or NULL (milter) */
	char *doms[64];		/* d= of the last cli_key_table() lookup */
	size_t ndoms;
};
/* A key file, loaded once; NULL with the error printed and *ex set. */
const struct vouch_dkim_key *cli_keys_load(struct cli_keys *ks,
    const char *path, int *ex);
void cli_keys_clear(struct cli_keys *ks);
/* Warn (stderr) about an RSA key under 2048 bits. */
void cli_keys_warn(const char *path, const struct vouch_dkim_key *k);
/* Load a table into ks: vouch's format, or OpenDKIM's KeyTable (table)
 * with its SigningTable (odkim_sign).  0, or -1 printed, *ex set. */
int cli_keys_table(struct cli_keys *ks, const char *table,
    const char *odkim_sign, int *ex);
/* A key table's lines for the sender from (borrowed from ks, until the
 * next lookup; "%" made the sender's domain): 0, or -1 with *ex set. */
struct cli_keysel {
	const char *domain, *selector;
	const struct vouch_dkim_key *key;
};
int cli_key_table(struct cli_keys *ks, const char *table, const char *from,
    struct cli_keysel *sel, size_t max, size_t *n, int *ex);

/* vouch milter, the one subcommand outside cli/: its options and the
 * daemon are milter/ (milter_cmd.c); the command's dispatch table names it
 * here so cli/ never includes milter/. */
int cmd_milter(int argc, char **argv);
extern const struct cli_help usage_milter;

#endif
