/* The vouch command: shared option handling and error output. */
#ifndef VOUCH_CLI_H
#define VOUCH_CLI_H

#include <getopt.h>
#include <stdio.h>
#include <sysexits.h>

#include <vouch/vouch.h>
#include <vouch/keys.h>
#include "common/tool.h"

/* I/O for pipelines (cli_io.c). */
int cli_write_all(int fd, const void *p, size_t n);
int cli_input_open(const char *path, int *spool, int *ex);
/* Output: stdout, or a file that appears only once complete. */
struct cli_out {
	int fd;
	const char *path;	/* NULL: stdout */
	char *tmp;		/* name it is written under (or linked to) */
	int anon;		/* O_TMPFILE and no name yet */
};
int cli_output_open(struct cli_out *o, const char *path, int *ex);
int cli_output_close(struct cli_out *o, int ok);
void cli_ignore_sigpipe(void);
/* headers then src from its start, to output (NULL: stdout) atomically;
 * the exit code. */
int cli_write_prepended(const char *output, const char *headers, int src);
/* Flush stdout at the end: EX_OK or EX_IOERR (silent for EPIPE). */
int cli_stdout_done(void);
/* Copy src from its start to out: 0, -1 read error, -2 write error. */
int cli_copy_out(int src, int out);
/* A number 1..max from an option, or a one-line error and -1. */
/* A byte count with an optional K, M or G suffix (powers of 1024), at
 * least 1024; -1 (and a message) when it is not one. */
int cli_parse_size(const char *opt, const char *arg, size_t *out);
int cli_parse_uint(const char *opt, const char *arg, unsigned long max,
    unsigned long *out);
/* Is ip an IPv4 or IPv6 address in text form? */
int cli_ip_ok(const char *ip);

/* vouch verify over paths (cmd_verify_run.c): how each verdict is
 * printed and what exit 0 means. */
enum cli_verify_fmt { VF_TEXT, VF_JSON, VF_AR, VF_SUMMARY };
struct cli_verify_run {
	enum cli_verify_fmt fmt;
	enum vouch_auth_require require;
	int summary;		/* --summary or --format summary */
	int quiet;		/* no progress line */
	unsigned long jobs;
	size_t max_msg;
	enum vouch_mbox_format mbox_format;
	const struct vouch_auth_conn *conn;
	struct vouch_report_store *store;	/* --report-store */
	const char *rcpt_to;			/* --rcpt-to */
};
/* Verify every path (stdin with none) and print the results in input
 * order; the exit status of vouch verify. */
int cli_verify_all(const struct cli_verify_run *o,
    struct vouch_auth_ctx *actx, char **paths, int n);
/* vouch verify --add-header (cmd_verify_hdr.c): the exit status. */
int cli_verify_add_header(struct vouch_auth_ctx *actx,
    const struct vouch_auth_conn *conn, const char *path, size_t max,
    const char *output);

int cmd_dns(int argc, char **argv);
int cmd_spf(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_seal(int argc, char **argv);
int cmd_report(int argc, char **argv);
/* vouch report read (cmd_report_read.c), and its summaries for lint */
int cli_report_read(int argc, char **argv);
void cli_report_sum_text(struct vouch_report_sum *s, int brief);
void cli_report_sum_json(struct vouch_report_sum *s);
/* @EPOCH or ISO 8601 (cmd_report.c): 0, or -1 when it is not one */
int cli_parse_time(const char *s, int64_t *t);

extern const struct cli_help usage_dns, usage_spf, usage_sign, usage_keygen,
    usage_verify, usage_lint, usage_seal, usage_report, usage_report_read;

#endif
