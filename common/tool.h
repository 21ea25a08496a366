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

#define CLI_DNS_LONGOPTS \
	{ "dns-server", required_argument, NULL, OPT_DNS_SERVER }, \
	{ "dns-timeout", required_argument, NULL, OPT_DNS_TIMEOUT }, \
	{ "dns-tries", required_argument, NULL, OPT_DNS_TRIES }, \
	{ "dns-zone", required_argument, NULL, OPT_DNS_ZONE }, \
	{ "dns-overlay", required_argument, NULL, OPT_DNS_OVERLAY }, \
	{ "dns-fail", required_argument, NULL, OPT_DNS_FAIL }, \
	{ "dns-origin", required_argument, NULL, OPT_DNS_ORIGIN }, \
	{ "dns-record", required_argument, NULL, OPT_DNS_RECORD }, \
	{ "help", no_argument, NULL, OPT_HELP }

#define CLI_DNS_HELP \
"DNS options (every subcommand):\n" \
"  --dns-server ADDR[:PORT]  use this server instead of /etc/resolv.conf\n" \
"                            (IPv6 as [ADDR]:PORT)\n" \
"  --dns-timeout SECONDS     timeout of one try (default 5)\n" \
"  --dns-tries N             tries per query (default 2)\n" \
"  --dns-zone FILE           answer only from this master file (repeatable,\n" \
"                            offline: names absent from every file are NXDOMAIN)\n" \
"  --dns-overlay FILE        answer names in FILE from it, others live\n" \
"  --dns-fail NAME[/TYPE]=timeout|servfail  inject a fault (repeatable)\n" \
"  --dns-origin NAME         origin of --dns-zone/--dns-overlay files that\n" \
"                            have no $ORIGIN (opendkim-genkey's .txt files)\n" \
"  --dns-record FILE         write every answer used to FILE, a master file\n" \
"                            that --dns-zone FILE replays offline\n"

/* Handle a shared DNS option; returns 1 when c was one. */
int cli_dns_option(struct cli_dns *o, int c, const char *arg);
/* Print usage of a subcommand on stdout (help) or a hint on stderr. */
int cli_usage(const char *cmd, const char *text, int ex);

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
/* A key table's lines for the sender from (borrowed from ks): 0, or -1
 * with *ex set. */
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
extern const char usage_milter[];

#endif
