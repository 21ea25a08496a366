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
/* SIGTERM: how long libmilter gets to end before the process exits */
#define VM_STOP_MS 700
/* a list's file:PATH may hold this much */
#define VM_LIST_FILE_MAX (16 << 20)
#define VM_SYSLOG_SOCKET "/dev/log"

enum vm_on { VM_ACCEPT = 0, VM_TEMPFAIL, VM_REJECT };
/* dmarc-quarantine */
enum vm_quarantine { VM_Q_NO = 0, VM_Q_HOLD, VM_Q_HEADER };
/* arc-seal: where (bits) */
enum { VM_SEAL_IN = 1, VM_SEAL_OUT = 2 };
/* sign-by: the address that picks the keys */
enum vm_signby { VM_BY_FROM = 0, VM_BY_SENDER, VM_BY_ENVELOPE };

struct vm_net {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned int prefix;
};

/* A list setting's entries: networks, or words (domains, ids) kept lower
 * case.  Inline, comma or space separated, or file:PATH (one a line, #
 * comments). */
struct vm_list {
	struct vm_net *nets;
	char **words;
	size_t n, cap;
	/* for lookups in O(log n): the words sorted; the networks masked to
	 * their prefix and sorted, with each (family, prefix) present */
	char **sorted;
	struct vm_net *snets;
	struct vm_net *shapes;	/* family and prefix only */
	size_t nshapes;
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
	struct vm_list internal, peers;	/* internal-, peer-networks */
	struct vm_list exempt;		/* exempt-domains */
	struct vm_list trusted_ids;	/* trusted-authserv-ids */
	int sign_auth, dmarc_reject;
	enum vm_quarantine dmarc_quarantine;
	int allow_sha1;			/* allow-sha1 */
	unsigned int min_key_bits;	/* min-key-bits (0: RFC 8301's) */
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
	char *metrics;		/* metrics: ADDR:PORT, or NULL */
	enum vm_signby sign_by;		/* sign-by */
	/* ARC: arc-sealer (DOMAIN SELECTOR KEYFILE), arc-seal, arc-trust,
	 * org-domain and psl */
	char *arc_domain, *arc_selector, *arc_keyfile;
	const struct vouch_dkim_key *arc_key;	/* kept by ks */
	int arc_seal;			/* VM_SEAL_* bits; -1 unset */
	struct vm_list arc_trust;
	int org_psl;
	char *psl_file;
	struct vouch_dmarc_psl *psl;
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
/* Is the text address ip inside one of the list's networks? */
int vm_conf_in_nets(const struct vm_list *l, const char *ip);
/* Is the domain (or a domain it is under) in the list? */
int vm_conf_in_domains(const struct vm_list *l, const char *domain);
/* Is the word (case-insensitive) in the list? */
int vm_conf_in_words(const struct vm_list *l, const char *w);
/* What it would do for a sender, on stdout (--check-config --sender). */
void vm_conf_explain(const struct vm_conf *c, const char *sender);

/* milter_metrics.c: metrics = ADDR:PORT (Prometheus text at /metrics) */
enum vm_action { VM_A_SIGN = 0, VM_A_VERIFY, VM_A_NONE, VM_A_REJECT,
    VM_A_HOLD, VM_A_QHEADER, VM_A_TEMPFAIL, VM_A_MAX };
enum vm_result_kind { VM_R_DKIM = 0, VM_R_SPF, VM_R_DMARC, VM_R_ARC,
    VM_R_MAX };
#define VM_W_MAX 8	/* result words counted */
#ifdef HAVE_LIBMICROHTTPD
struct sockaddr_storage;
void vm_metrics_action(enum vm_action a);
void vm_metrics_signed(unsigned int n);
void vm_metrics_sealed(int outbound);
void vm_metrics_result(enum vm_result_kind k, const char *word);
void vm_metrics_latency(double seconds);
int vm_metrics_addr(const char *spec, struct sockaddr_storage *sa);
/* Serve the page (dns_stats reads the running configuration's DNS
 * counters): 0, or -1. */
int vm_metrics_start(const char *spec,
    void (*dns_stats)(struct vouch_dns_stats *));
void vm_metrics_stop(void);
#else
#define vm_metrics_action(a) ((void)(a))
#define vm_metrics_signed(n) ((void)(n))
#define vm_metrics_sealed(o) ((void)(o))
#define vm_metrics_result(k, w) ((void)(k), (void)(w))
#define vm_metrics_latency(s) ((void)(s))
#endif

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
