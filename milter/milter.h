/*
 * vouch milter: the daemon Postfix and Sendmail talk to (libmilter).
 * Signs mail from authenticated submitters and internal networks with the
 * key table, verifies everything else through the one inbound verdict
 * (vouch_auth_*) and adds its Authentication-Results header.
 */
#ifndef VOUCH_MILTER_H
#define VOUCH_MILTER_H

#include <netinet/in.h>
#include <stdarg.h>

#include "common/tool.h"

#ifndef VOUCH_SYSCONFDIR
#define VOUCH_SYSCONFDIR "/etc"
#endif
/* the installed configuration (sysconfdir from configure: /etc for a /usr
 * prefix) */
#define VM_DEFAULT_CONF VOUCH_SYSCONFDIR "/vouch/milter.conf"
#define VM_MAX_NETS 256
/* SIGTERM: how long libmilter gets to end before the process exits */
#define VM_STOP_MS 700
#define VM_SYSLOG_SOCKET "/dev/log"

enum vm_on { VM_ACCEPT = 0, VM_TEMPFAIL, VM_REJECT };
/* dmarc-quarantine */
enum vm_quarantine { VM_Q_NO = 0, VM_Q_HOLD, VM_Q_HEADER };

struct vm_net {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned int prefix;
};

/* One loaded configuration: connections hold a reference, so a reload
 * swaps it without disturbing mail in flight. */
struct vm_conf {
	int refs;
	char *path;
	char *socket, *authserv, *user, *log, *facility, *pidfile;
	char *key_table, *odkim_keys, *odkim_signing;
	char *sign_headers;
	enum vouch_dkim_canon hcanon, bcanon;
	struct vm_net nets[VM_MAX_NETS];
	int nnets;
	int sign_auth, dmarc_reject;
	enum vm_quarantine dmarc_quarantine;
	char *q_name, *q_value;	/* dmarc-quarantine-header, split */
	enum vm_on on_temperror, on_sign_error;
	struct cli_keys ks;	/* keys and the key table (<vouch/keys.h>) */
	int have_kt;
	struct cli_dns dnsopt;
	char *dns_zones[64];
	int ndns_zones;
	char *dns_server;
	struct vouch_dns *dns;
	struct vouch_auth_ctx *actx;
	char *report_store;	/* report-store: its spec */
	struct vouch_report_store *store;	/* open once privileges are
						 * dropped */
};

/* milter_conf.c */
/* Parse path and load its keys and DNS; cli DNS options override the
 * file's.  NULL with the problem reported through cli_err. */
struct vm_conf *vm_conf_load(const char *path, const struct cli_dns *cli);
void vm_conf_free(struct vm_conf *c);
/* Open the report store (after privileges are dropped, so SQLite files
 * belong to the milter's user): 0, or -1 with the problem said. */
int vm_conf_open_store(struct vm_conf *c);
/* Is the text address ip inside one of the internal networks? */
int vm_conf_internal(const struct vm_conf *c, const char *ip);
/* What it would do for a sender, on stdout (--check-config --sender). */
void vm_conf_explain(const struct vm_conf *c, const char *sender);

/* milter.c */
struct vm_opts {
	const char *conf;
	int foreground;
	int check;
	const char *sender;	/* --check-config --sender */
	struct cli_dns dns;
};
int vm_main(struct vm_opts *o);
void vm_log(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
