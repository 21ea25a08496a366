/*
 * The vouch milter daemon.  Per connection: the client, HELO, and whether
 * it authenticated or is internal.  Per message: the header section is
 * kept (bounded) until its end, when the sender is known; then either a
 * signer (key chosen by the From address) or the inbound verdict
 * (vouch_auth) takes the header and the body streamed chunk by chunk,
 * never the whole message.  At the end: DKIM-Signature fields, or one
 * Authentication-Results field, and forged ones claiming our
 * authserv-id removed (RFC 8601 5).
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "milter/milter.h"

#define VM_MAX_SIGN 8			/* signatures per message */
#define VM_MAX_FORGED 10000		/* forged A-R fields: more is refused */

static pthread_mutex_t conf_mu = PTHREAD_MUTEX_INITIALIZER;
static struct vm_conf *conf_cur;	/* under conf_mu */
static int log_syslog;
static const struct vm_opts *opts;

/* ---- logging ---------------------------------------------------------- */

void
vm_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (log_syslog) {
		vsyslog(prio, fmt, ap);
	} else {
		char line[4096];

		vsnprintf(line, sizeof(line), fmt, ap);
		fprintf(stderr, "vouch milter: %s\n", line);
	}
	va_end(ap);
}

static void
err_to_log(const char *line)
{
	vm_log(LOG_ERR, "%s", line);
}

/* A log value: bare when safe, else quoted with anything odd as \xNN, so
 * a sender cannot forge log lines. */
static void
kv(char *out, size_t size, const char *k, const char *v)
{
	size_t n = strlen(out), i;
	int quote = 0;

	if (v == NULL)
		v = "";
	for (i = 0; v[i] != '\0'; i++)
		if (!isgraph((unsigned char)v[i]) || v[i] == '"' || v[i] == '=')
			quote = 1;
	if (n + 1 >= size)
		return;
	n += (size_t)snprintf(out + n, size - n, "%s%s=%s", n ? " " : "", k,
	    quote || *v == '\0' ? "\"" : "");
	for (i = 0; v[i] != '\0' && n + 8 < size && i < 256; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			out[n++] = (char)ch;
		else
			n += (size_t)snprintf(out + n, size - n, "\\x%02x", ch);
	}
	if ((quote || *v == '\0') && n + 1 < size)
		out[n++] = '"';
	out[n < size ? n : size - 1] = '\0';
}

/* ---- configuration ---------------------------------------------------- */

static struct vm_conf *
conf_get(void)
{
	struct vm_conf *c;

	pthread_mutex_lock(&conf_mu);
	c = conf_cur;
	c->refs++;
	pthread_mutex_unlock(&conf_mu);
	return c;
}

static void
conf_put(struct vm_conf *c)
{
	int last;

	if (c == NULL)
		return;
	pthread_mutex_lock(&conf_mu);
	last = --c->refs == 0;
	pthread_mutex_unlock(&conf_mu);
	if (last)
		vm_conf_free(c);
}

static void
reload(void)
{
	struct vm_conf *n = vm_conf_load(opts->conf, &opts->dns), *old;

	if (n != NULL && vm_conf_open_store(n) != 0) {
		vm_conf_free(n);
		n = NULL;
	}
	if (n == NULL) {
		vm_log(LOG_ERR, "event=reload result=failed conf=%s "
		    "(the previous configuration stays)", opts->conf);
		return;
	}
	pthread_mutex_lock(&conf_mu);
	old = conf_cur;
	if (strcmp(old->socket, n->socket) != 0)
		vm_log(LOG_WARNING, "event=reload socket=%s: a new socket "
		    "needs a restart; still listening on %s", n->socket,
		    old->socket);
	conf_cur = n;
	pthread_mutex_unlock(&conf_mu);
	conf_put(old);
	vm_log(LOG_INFO, "event=reload result=ok conf=%s keys=%zu",
	    opts->conf, vouch_keytab_nkeys(n->ks.t));
}

static void *
reload_thread(void *arg)
{
	static pthread_mutex_t one = PTHREAD_MUTEX_INITIALIZER;

	(void)arg;
	pthread_mutex_lock(&one);
	reload();
	pthread_mutex_unlock(&one);
	return NULL;
}

/* libmilter takes char * for what it only reads */
static const char *
sym(SMFICTX *ctx, const char *name)
{
	char n[64];
	const char *v;

	snprintf(n, sizeof(n), "%s", name);
	v = smfi_getsymval(ctx, n);
	return v;
}

static const char *
queue_id(SMFICTX *ctx)
{
	const char *q = sym(ctx, "i");

	return q != NULL ? q : "-";
}

static void
reply(SMFICTX *ctx, const char *rcode, const char *xcode, const char *msg)
{
	char r[8], x[16], m[256];

	snprintf(r, sizeof(r), "%s", rcode);
	snprintf(x, sizeof(x), "%s", xcode);
	snprintf(m, sizeof(m), "%s", msg);
	smfi_setreply(ctx, r, x, m);
}

/* ---- per connection and message -------------------------------------- */

enum mode { M_NONE = 0, M_SIGN, M_VERIFY };

struct sess {
	struct vm_conf *conf;
	char ip[INET6_ADDRSTRLEN];
	int have_ip;
	char *helo;
	unsigned long proto;	/* negotiated SMFIP_* steps */
	/* the message */
	enum mode mode;
	char *mail_from, *auth_user;
	char *rcpt;		/* the first recipient (reports' envelope_to) */
	struct timespec t0;	/* MAIL FROM, for the latency metric */
	char *hdr;
	size_t hdrlen, hdrsize;
	int hdr_over;		/* header section beyond the bound */
	unsigned int nar;	/* Authentication-Results seen */
	unsigned int *forged;	/* indexes of A-R fields claiming our id */
	unsigned int nforged, forged_size;
	struct vouch_dkim_signer *signer;
	struct vouch_auth *auth;
	struct vouch_arc_sealer *sealer;	/* arc-seal, this message */
	int keep_ours;		/* from an internal network: an A-R of our
				 * id is the verdict we wrote on arrival */
	int have_our_ar;	/* and the message has one */
	char *by;		/* the address that picked the keys */
	char *dom[VM_MAX_SIGN];	/* each key's d= ("%": the sender's) */
	char *from;		/* the From address signed for */
	const struct vouch_keytab_entry *keys[VM_MAX_SIGN];
	size_t nkeys;
	char why[512];		/* why nothing is done */
};

static void
msg_reset(struct sess *s)
{
	size_t i;

	free(s->mail_from);
	free(s->auth_user);
	free(s->rcpt);
	s->rcpt = NULL;
	free(s->hdr);
	free(s->from);
	vouch_dkim_signer_free(s->signer);
	vouch_auth_free(s->auth);
	vouch_arc_sealer_free(s->sealer);
	free(s->by);
	for (i = 0; i < VM_MAX_SIGN; i++) {
		free(s->dom[i]);
		s->dom[i] = NULL;
	}
	s->mail_from = s->auth_user = s->hdr = s->from = s->by = NULL;
	s->signer = NULL;
	s->auth = NULL;
	s->sealer = NULL;
	s->keep_ours = s->have_our_ar = 0;
	s->hdrlen = s->hdrsize = 0;
	s->hdr_over = 0;
	s->nar = s->nforged = 0;
	s->nkeys = 0;
	s->mode = M_NONE;
	s->why[0] = '\0';
}

static void
sess_free(struct sess *s)
{
	if (s == NULL)
		return;
	msg_reset(s);
	free(s->helo);
	free(s->forged);
	conf_put(s->conf);
	free(s);
}

static struct sess *
sess_of(SMFICTX *ctx)
{
	struct sess *s = smfi_getpriv(ctx);

	if (s == NULL && (s = calloc(1, sizeof(*s))) != NULL)
		smfi_setpriv(ctx, s);
	return s;
}

static sfsistat
vm_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct sess *s = sess_of(ctx);
	unsigned long want = SMFIP_HDR_LEADSPC | SMFIP_NR_RCPT |
	    SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NR_HDR | SMFIP_NR_BODY;

	(void)f2;
	(void)f3;
	if (s == NULL)
		return SMFIS_TEMPFAIL;
	if ((f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS)) !=
	    (SMFIF_ADDHDRS | SMFIF_CHGHDRS)) {
		vm_log(LOG_ERR, "event=negotiate problem=\"the MTA does not "
		    "let milters add and change headers\"");
		return SMFIS_REJECT;
	}
	*pf0 = SMFIF_ADDHDRS | SMFIF_CHGHDRS | (f0 & SMFIF_QUARANTINE);
	*pf1 = s->proto = f1 & want;
	*pf2 = *pf3 = 0;
	return SMFIS_CONTINUE;
}

static void
sockaddr_text(const struct sockaddr *sa, char *out, size_t size, int *ok)
{
	*ok = 0;
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		*ok = inet_ntop(AF_INET, &((const struct sockaddr_in *)(const
		    void *)sa)->sin_addr, out, (socklen_t)size) != NULL;
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)(const
		    void *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a))
			*ok = inet_ntop(AF_INET, a->s6_addr + 12, out,
			    (socklen_t)size) != NULL;
		else
			*ok = inet_ntop(AF_INET6, a, out, (socklen_t)size) !=
			    NULL;
	}
}

static sfsistat
vm_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	struct sess *s = sess_of(ctx);

	(void)host;
	if (s == NULL)
		return SMFIS_TEMPFAIL;
	/* XCLIENT starts the connection over */
	msg_reset(s);
	free(s->helo);
	s->helo = NULL;
	conf_put(s->conf);
	s->conf = conf_get();
	sockaddr_text(sa, s->ip, sizeof(s->ip), &s->have_ip);
	return SMFIS_CONTINUE;
}

static sfsistat
vm_helo(SMFICTX *ctx, char *name)
{
	struct sess *s = smfi_getpriv(ctx);

	if (s == NULL)
		return SMFIS_TEMPFAIL;
	free(s->helo);
	s->helo = name != NULL ? strdup(name) : NULL;
	return SMFIS_CONTINUE;
}

/* "<a@b>" (and ESMTP parameters already split off) to "a@b". */
static char *
strip_path(const char *p)
{
	size_t n;

	if (p == NULL)
		return strdup("");
	while (*p == ' ')
		p++;
	n = strlen(p);
	if (n >= 2 && p[0] == '<' && p[n - 1] == '>')
		return strndup(p + 1, n - 2);
	return strdup(p);
}

static sfsistat
vm_envfrom(SMFICTX *ctx, char **argv)
{
	struct sess *s = smfi_getpriv(ctx);
	const char *au;

	if (s == NULL || s->conf == NULL)
		return SMFIS_TEMPFAIL;
	msg_reset(s);
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	if ((s->mail_from = strip_path(argv != NULL ? argv[0] : NULL)) ==
	    NULL)
		return SMFIS_TEMPFAIL;
	au = sym(ctx, "{auth_authen}");
	if (au != NULL && *au != '\0' && (s->auth_user = strdup(au)) == NULL)
		return SMFIS_TEMPFAIL;
	if (s->have_ip && vm_conf_in_nets(&s->conf->peers, s->ip)) {
		/* peer-networks: neither signed nor verified (OpenDKIM's
		 * PeerList) */
		vm_log(LOG_INFO, "queue=%s action=none client=%s reason=\"peer-"
		    "networks\"", queue_id(ctx), s->ip);
		vm_metrics_action(VM_A_NONE);
		msg_reset(s);
		return SMFIS_ACCEPT;
	}
	if (s->auth_user != NULL && s->conf->sign_auth)
		s->mode = M_SIGN;
	else if (!s->have_ip || vm_conf_in_nets(&s->conf->internal, s->ip))
		s->mode = M_SIGN;	/* internal, or a local submission */
	else
		s->mode = M_VERIFY;
	/* a list or forwarder of ours sends on mail we verified on its
	 * arrival (our A-R stays: outbound sealing reads it); an SMTP AUTH
	 * user's client never wrote one, so there it is forged */
	s->keep_ours = s->mode == M_SIGN && s->auth_user == NULL;
	return SMFIS_CONTINUE;
}

/* The first recipient, for the DMARC reports' envelope_to. */
static sfsistat
vm_envrcpt(SMFICTX *ctx, char **argv)
{
	struct sess *s = smfi_getpriv(ctx);

	if (s != NULL && s->rcpt == NULL && argv != NULL && argv[0] != NULL)
		s->rcpt = strip_path(argv[0]);
	return s != NULL && (s->proto & SMFIP_NR_RCPT) ? SMFIS_NOREPLY :
	    SMFIS_CONTINUE;
}

static int
hdr_add(struct sess *s, const char *p, size_t n)
{
	if (s->hdr_over)
		return -1;
	if (s->hdrlen + n > VOUCH_DKIM_MAX_HEADER) {
		s->hdr_over = 1;
		return -1;
	}
	if (s->hdrlen + n > s->hdrsize) {
		size_t ns = s->hdrsize ? s->hdrsize : 4096;
		char *nh;

		while (ns < s->hdrlen + n)
			ns *= 2;
		if ((nh = realloc(s->hdr, ns)) == NULL) {
			s->hdr_over = 1;
			return -1;
		}
		s->hdr = nh;
		s->hdrsize = ns;
	}
	memcpy(s->hdr + s->hdrlen, p, n);
	s->hdrlen += n;
	return 0;
}

/* Does this Authentication-Results value claim our authserv-id (1), or
 * one of trusted-authserv-ids, our site's other hosts, when the mail does
 * not come from an internal network that they relay through (2)?  0: it
 * claims neither.  The id is read once by the RFC 8601 parser (a token or
 * a quoted-string after CFWS), whatever follows it. */
static int
claims_ours(const char *v, const struct sess *s)
{
	char *id = NULL;
	int ours;

	if (vouch_ar_authserv_id(v, strlen(v), &id) != VOUCH_OK)
		return 0;
	ours = strcasecmp(id, s->conf->authserv) == 0 ? 1 :
	    vm_conf_in_words(&s->conf->trusted_ids, id) && s->mode != M_SIGN ?
	    2 : 0;
	vouch_free(id);
	return ours;
}

/* The field name as Postfix passes it may keep white space before the
 * colon ("Authentication-Results :", RFC 5322 4.5.8 obs-optional). */
static int
is_ar_name(const char *name)
{
	static const char ar[] = "Authentication-Results";
	size_t n = sizeof(ar) - 1;

	if (strncasecmp(name, ar, n) != 0)
		return 0;
	for (name += n; *name == ' ' || *name == '\t'; name++)
		;
	return *name == '\0';
}

/* Remember field index i of the A-R fields as forged; -1 past the cap. */
static int
forged_add(struct sess *s, unsigned int i)
{
	if (s->nforged == s->forged_size) {
		unsigned int n = s->forged_size ? s->forged_size * 2 : 16;
		unsigned int *f;

		if (s->nforged >= VM_MAX_FORGED)
			return -1;
		if ((f = realloc(s->forged, n * sizeof(*f))) == NULL)
			return -1;
		s->forged = f;
		s->forged_size = n;
	}
	s->forged[s->nforged++] = i;
	return 0;
}

static sfsistat
hdr_reply(const struct sess *s)
{
	return (s->proto & SMFIP_NR_HDR) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
vm_header(SMFICTX *ctx, char *name, char *value)
{
	struct sess *s = smfi_getpriv(ctx);
	const char *p;

	if (s == NULL)
		return SMFIS_TEMPFAIL;
	if (is_ar_name(name)) {
		s->nar++;
		int claim = claims_ours(value, s);

		if (claim != 0) {
			/* removed from the message whatever its source; from
			 * an internal network it is the verdict we wrote on
			 * arrival, which outbound sealing reads (A-R is in no
			 * h= list, so neither DKIM nor the AMS sees it go) */
			int arrival = s->keep_ours && claim == 1;

			if (forged_add(s, s->nar) != 0) {
				reply(ctx, "550", "5.7.1", "too many "
				    "Authentication-Results fields claiming "
				    "this server");
				vm_log(LOG_NOTICE, "event=reject reason=\"more "
				    "than %u forged Authentication-Results\"",
				    VM_MAX_FORGED);
				return SMFIS_REJECT;
			}
			if (!arrival)
				return hdr_reply(s);	/* not signed, not
							 * verified */
			s->have_our_ar = 1;
		}
	}
	/* the field as it was: "Name:" value, folds back to CRLF */
	hdr_add(s, name, strlen(name));
	hdr_add(s, ":", 1);
	if (!(s->proto & SMFIP_HDR_LEADSPC))
		hdr_add(s, " ", 1);
	for (p = value; *p != '\0'; p++) {
		if (*p == '\n' && (p == value || p[-1] != '\r'))
			hdr_add(s, "\r\n", 2);
		else
			hdr_add(s, p, 1);
	}
	hdr_add(s, "\r\n", 2);
	return hdr_reply(s);
}

/* on-sign-error = reject or tempfail: the reply, and the verdict. */
static sfsistat
refuse_unsigned(SMFICTX *ctx, const struct vm_conf *c, const char *rejtext,
    const char *tftext)
{
	int rej = c->on_sign_error == VM_REJECT;

	reply(ctx, rej ? "550" : "451", rej ? "5.7.1" : "4.7.1", rej ? rejtext :
	    tftext);
	return rej ? SMFIS_REJECT : SMFIS_TEMPFAIL;
}

/* sign-by: the address whose keys sign (From, Sender when the message
 * has one, or MAIL FROM when it is not <>), malloc'd; NULL when out of
 * memory. */
static char *
sign_by(struct sess *s, const struct vm_conf *c)
{
	struct vouch_error err = { 0 };
	char *a = NULL;

	if (c->sign_by == VM_BY_SENDER && vouch_dkim_header_addr(s->hdr,
	    s->hdrlen, "sender", &a, &err) == VOUCH_OK)
		return a;
	if (c->sign_by == VM_BY_ENVELOPE && s->mail_from != NULL &&
	    strchr(s->mail_from, '@') != NULL)
		return strdup(s->mail_from);
	return strdup(s->from);
}

/* End of header, signing: the From picks the keys, the signer takes the
 * header.  SMFIS_CONTINUE (s->mode M_NONE when nothing is signed, with
 * why), or the refusal on-sign-error asks for. */
static sfsistat
eoh_sign(SMFICTX *ctx, struct sess *s, struct vm_conf *c)
{
	struct vouch_dkim_sign_params p[VM_MAX_SIGN];
	struct vouch_error err = { 0 };
	size_t i;

	memset(p, 0, sizeof(p));
	if (vouch_dkim_header_from(s->hdr, s->hdrlen, &s->from, &err) !=
	    VOUCH_OK) {
		snprintf(s->why, sizeof(s->why), "cannot sign: %.300s",
		    err.message);
		s->mode = M_NONE;
		if (c->on_sign_error == VM_ACCEPT)
			return SMFIS_CONTINUE;
		vm_log(LOG_NOTICE, "queue=%s action=%s reason=\"%s\"",
		    queue_id(ctx), c->on_sign_error == VM_REJECT ? "reject" :
		    "tempfail", "no single From address");
		msg_reset(s);
		return refuse_unsigned(ctx, c, "message cannot be signed: no "
		    "single From address", "message cannot be signed now");
	}
	if (vm_conf_in_domains(&c->exempt, strrchr(s->from, '@') != NULL ?
	    strrchr(s->from, '@') + 1 : s->from)) {
		snprintf(s->why, sizeof(s->why), "exempt-domains");
		s->mode = M_NONE;
		return SMFIS_CONTINUE;
	}
	if ((s->by = sign_by(s, c)) == NULL)
		return SMFIS_TEMPFAIL;
	s->nkeys = c->have_kt ? vouch_keytab_lookup(c->ks.t, s->by, s->keys,
	    VM_MAX_SIGN) : 0;
	if (s->nkeys == 0) {
		snprintf(s->why, sizeof(s->why), "no key for the sender");
		s->mode = M_NONE;
		return SMFIS_CONTINUE;
	}
	for (i = 0; i < s->nkeys; i++) {
		if ((s->dom[i] = vouch_keytab_domain(s->keys[i], s->by)) ==
		    NULL) {
			snprintf(s->why, sizeof(s->why), "cannot sign: the "
			    "key table signs as the sender's domain (%%) and "
			    "the sender has none");
			s->mode = M_NONE;
			return SMFIS_CONTINUE;
		}
		p[i].domain = s->dom[i];
		p[i].selector = s->keys[i]->selector;
		p[i].key = s->keys[i]->key;
		p[i].header_canon = c->hcanon;
		p[i].body_canon = c->bcanon;
		p[i].headers = c->sign_headers;
	}
	if (vouch_dkim_signer_new(p, s->nkeys, &s->signer, &err) != VOUCH_OK ||
	    vouch_dkim_signer_feed(s->signer, s->hdr, s->hdrlen) != VOUCH_OK) {
		snprintf(s->why, sizeof(s->why), "cannot sign: %.300s",
		    err.message[0] ? err.message : "out of memory");
		s->mode = M_NONE;
	}
	return SMFIS_CONTINUE;
}

/* arc-seal: a sealer for this message, fed its header: inbound mail
 * (sealed after verification), and mail of ours that carries the A-R we
 * wrote on its arrival (sealed with that verdict: a list or forwarder
 * sending it on). */
static void
seal_start(struct sess *s, const struct vm_conf *c)
{
	struct vouch_arc_seal_params p = { 0 };
	struct vouch_error err = { 0 };

	if (c->arc_key == NULL || !((s->mode == M_VERIFY &&
	    (c->arc_seal & VM_SEAL_IN)) || (s->keep_ours && s->have_our_ar &&
	    (c->arc_seal & VM_SEAL_OUT))))
		return;
	p.domain = c->arc_domain;
	p.selector = c->arc_selector;
	p.key = c->arc_key;
	if (vouch_arc_sealer_new(&p, &s->sealer, &err) != VOUCH_OK ||
	    vouch_arc_sealer_feed(s->sealer, s->hdr, s->hdrlen) != VOUCH_OK) {
		vm_log(LOG_ERR, "event=arc-seal problem=\"%s\"", err.message[0] ?
		    err.message : "out of memory");
		vouch_arc_sealer_free(s->sealer);
		s->sealer = NULL;
	}
}

static sfsistat
vm_eoh(SMFICTX *ctx)
{
	struct sess *s = smfi_getpriv(ctx);
	struct vm_conf *c;
	sfsistat r;

	if (s == NULL)
		return SMFIS_TEMPFAIL;
	c = s->conf;
	if (s->hdr_over) {
		snprintf(s->why, sizeof(s->why), "header section over %u bytes",
		    VOUCH_DKIM_MAX_HEADER);
		s->mode = M_NONE;
		return SMFIS_CONTINUE;
	}
	hdr_add(s, "\r\n", 2);
	if (s->mode == M_SIGN && (r = eoh_sign(ctx, s, c)) != SMFIS_CONTINUE)
		return r;
	if (s->mode == M_VERIFY) {
		struct vouch_auth_conn conn = { 0 };

		conn.ip = s->have_ip ? s->ip : NULL;
		conn.helo = s->helo;
		conn.mail_from = s->mail_from;
		conn.auth_user = s->auth_user;
		if (vouch_auth_new(c->actx, &conn, &s->auth) != VOUCH_OK ||
		    vouch_auth_feed(s->auth, s->hdr, s->hdrlen) != VOUCH_OK)
			return SMFIS_TEMPFAIL;
	}
	seal_start(s, c);
	free(s->hdr);
	s->hdr = NULL;
	s->hdrlen = s->hdrsize = 0;
	/* nothing to add and nothing to remove: skip the body */
	if (s->mode == M_NONE && s->nforged == 0 && s->sealer == NULL) {
		vm_log(LOG_INFO, "queue=%s action=none reason=\"%s\"",
		    queue_id(ctx), s->why);
		msg_reset(s);
		return SMFIS_ACCEPT;
	}
	return SMFIS_CONTINUE;
}

static sfsistat
vm_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct sess *s = smfi_getpriv(ctx);

	if (s == NULL)
		return SMFIS_TEMPFAIL;
	if (s->mode == M_SIGN)
		vouch_dkim_signer_feed(s->signer, chunk, len);
	else if (s->mode == M_VERIFY)
		vouch_auth_feed(s->auth, chunk, len);
	if (s->sealer != NULL)
		vouch_arc_sealer_feed(s->sealer, chunk, len);
	return (s->proto & SMFIP_NR_BODY) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* Each field of a block of header fields ("Name: value" CRLF ...), its
 * value with LF line ends as milters pass them, inserted at the top. */
static int
insert_fields(SMFICTX *ctx, const char *block, int leadspc)
{
	const char *starts[VM_MAX_SIGN * 2], *p = block;
	size_t n = 0;
	int k, rc = 0;

	while (*p != '\0' && n < VM_MAX_SIGN * 2) {
		starts[n++] = p;
		/* to the next line that does not begin with white space */
		for (;;) {
			const char *nl = strchr(p, '\n');

			if (nl == NULL) {
				p += strlen(p);
				break;
			}
			p = nl + 1;
			if (*p != ' ' && *p != '\t')
				break;
		}
	}
	/* inserted at index 0 in reverse: they end up in their order */
	for (k = (int)n - 1; k >= 0; k--) {
		const char *f = starts[k], *end = k + 1 < (int)n ?
		    starts[k + 1] : f + strlen(f), *colon = strchr(f, ':');
		char *name, *val, *w;
		const char *q;

		if (colon == NULL || colon > end)
			return -1;
		name = strndup(f, (size_t)(colon - f));
		q = colon + 1;
		if (!leadspc)
			while (q < end && (*q == ' ' || *q == '\t'))
				q++;
		val = malloc((size_t)(end - q) + 1);
		if (name == NULL || val == NULL) {
			free(name);
			free(val);
			return -1;
		}
		for (w = val; q < end; q++)
			if (*q != '\r')
				*w++ = *q;
		while (w > val && w[-1] == '\n')
			w--;
		*w = '\0';
		if (smfi_insheader(ctx, 0, name, val) != MI_SUCCESS)
			rc = -1;
		free(name);
		free(val);
	}
	return rc;
}

static void
remove_forged(SMFICTX *ctx, struct sess *s)
{
	char name[] = "Authentication-Results";
	unsigned int i;

	/* from the last: earlier indexes stay what they were */
	for (i = s->nforged; i > 0; i--)
		smfi_chgheader(ctx, name,
		    (int)s->forged[i - 1], NULL);
}

static int
any_temperror(const struct vouch_auth *a)
{
	const struct vouch_spf_verdict *spf = vouch_auth_spf(a);
	const struct vouch_dmarc_verdict *dm = vouch_auth_dmarc(a);
	size_t i;

	if (spf != NULL && spf->result == VOUCH_SPF_TEMPERROR)
		return 1;
	if (dm != NULL && dm->result == VOUCH_DMARC_TEMPERROR)
		return 1;
	for (i = 0; i < vouch_auth_dkim_count(a); i++)
		if (vouch_auth_dkim_sig(a, i)->result == VOUCH_DKIM_TEMPERROR)
			return 1;
	return 0;
}

/* Our fields h (taken) with this hop's ARC set on top when arc-seal
 * applies: inbound, the verdict just computed; outbound, the one our A-R
 * recorded on arrival.  Sealing never fails a message: a set that cannot
 * be made is logged and the message goes without it.  NULL only when h
 * is NULL or out of memory. */
static char *
with_seal(struct sess *s, char *h, char *line, size_t size)
{
	struct vouch_error err = { 0 };
	char *set = NULL, *both;
	enum vouch_status st;
	int out = s->mode != M_VERIFY;

	if (s->sealer == NULL)
		return h;
	st = out ? vouch_arc_sealer_finish_ar(s->sealer, s->conf->authserv,
	    &set, &err) : vouch_auth_seal(s->auth, s->sealer, &set, &err);
	if (st != VOUCH_OK || *set == '\0') {
		kv(line, size, "arc_seal", st != VOUCH_OK ? "error" : "none");
		kv(line, size, "arc_seal_reason", err.message);
		vouch_free(set);
		return h;
	}
	kv(line, size, "arc_seal", out ? "outbound" : "inbound");
	vm_metrics_sealed(out);
	if (h == NULL) {
		/* outbound, not signed: the set alone */
		return set;
	}
	if ((both = malloc(strlen(set) + strlen(h) + 1)) != NULL) {
		strcpy(both, set);
		strcat(both, h);
	}
	vouch_free(set);
	vouch_free(h);
	return both;
}

/* The end of a message we keep: forged A-R out, our fields (h, taken)
 * in at the top, accepted with result in the log line. */
static sfsistat
add_ours(SMFICTX *ctx, struct sess *s, char *h, char *line, size_t size,
    const char *result)
{
	int rc;

	remove_forged(ctx, s);
	if (h == NULL)
		return SMFIS_TEMPFAIL;
	rc = insert_fields(ctx, h, (s->proto & SMFIP_HDR_LEADSPC) != 0);
	vouch_free(h);
	if (rc != 0)
		return SMFIS_TEMPFAIL;
	kv(line, size, "result", result);
	return SMFIS_ACCEPT;
}

/* A failure under p=reject, or an author that cannot be told
 * (permerror, disposition reject: RFC 7489 6.6.1), with dmarc-reject. */
static int
rejects(const struct vm_conf *c, const struct vouch_dmarc_verdict *dm)
{
	return c->dmarc_reject && dm != NULL && (dm->result ==
	    VOUCH_DMARC_FAIL || dm->result == VOUCH_DMARC_PERMERROR) &&
	    dm->disposition == VOUCH_DMARC_P_REJECT;
}

/* A failure whose disposition (t=y and pct= counted, RFC 9989) is
 * quarantine, with dmarc-quarantine = hold or header. */
static int
quarantines(const struct vm_conf *c, const struct vouch_dmarc_verdict *dm)
{
	return c->dmarc_quarantine != VM_Q_NO && dm != NULL &&
	    dm->result == VOUCH_DMARC_FAIL &&
	    dm->disposition == VOUCH_DMARC_P_QUARANTINE;
}

/* What the milter applies to a verdict, and why it applies less than the
 * disposition (for the report's local_policy reason). */
static enum vouch_dmarc_policy
applied(const struct vm_conf *c, const struct vouch_dmarc_verdict *dm,
    const char **why)
{
	*why = "delivered: dmarc-reject = no";
	if (dm != NULL && vm_conf_in_domains(&c->exempt, dm->from_domain)) {
		*why = "delivered: exempt-domains";
		return VOUCH_DMARC_P_NONE;
	}
	if (rejects(c, dm))
		return VOUCH_DMARC_P_REJECT;
	if (quarantines(c, dm))
		return VOUCH_DMARC_P_QUARANTINE;
	if (dm != NULL && dm->disposition == VOUCH_DMARC_P_QUARANTINE)
		*why = "delivered: dmarc-quarantine = no";
	return VOUCH_DMARC_P_NONE;
}

/* dmarc-quarantine: the hold queue (smfi_quarantine) or a header. */
static const char *
quarantine(SMFICTX *ctx, struct sess *s)
{
	if (s->conf->dmarc_quarantine == VM_Q_HOLD) {
		if (smfi_quarantine(ctx, (char *)"DMARC policy of the From "
		    "domain says quarantine") == MI_SUCCESS)
			return "hold";
		vm_log(LOG_ERR, "event=quarantine problem=\"the MTA refused "
		    "to hold the message (does it allow milters to "
		    "quarantine?)\"");
		return "accept";
	}
	/* the name and value were checked when the file was read; the MTA
	 * that sends leading spaces wants one back */
	char val[1024];

	snprintf(val, sizeof(val), "%s%s", (s->proto & SMFIP_HDR_LEADSPC) ?
	    " " : "", s->conf->q_value);
	if (smfi_addheader(ctx, s->conf->q_name, val) != MI_SUCCESS)
		vm_log(LOG_ERR, "event=quarantine problem=\"cannot add %s\"",
		    s->conf->q_name);
	return "quarantine-header";
}

/* The verdict's results, for the metrics page. */
static void
count_results(const struct sess *s, const struct vouch_spf_verdict *spf,
    const struct vouch_dmarc_verdict *dm)
{
	const struct vouch_arc_verdict *arc = vouch_auth_arc(s->auth);
	size_t i;

	for (i = 0; i < vouch_auth_dkim_count(s->auth); i++)
		vm_metrics_result(VM_R_DKIM, vouch_dkim_result_name(
		    vouch_auth_dkim_sig(s->auth, i)->result));
	if (vouch_auth_dkim_count(s->auth) == 0)
		vm_metrics_result(VM_R_DKIM, "none");
	vm_metrics_result(VM_R_SPF, spf != NULL ?
	    vouch_spf_result_name(spf->result) : "none");
	vm_metrics_result(VM_R_DMARC, dm != NULL ?
	    vouch_dmarc_result_name(dm->result) : "none");
	vm_metrics_result(VM_R_ARC, arc != NULL ?
	    vouch_arc_result_name(arc->result) : "none");
}

/* What the log line's result says was done, and how long it took. */
static void
count_message(const struct sess *s, const char *line)
{
	static const struct {
		const char *w;
		enum vm_action a;
	} map[] = {
		{ "signed", VM_A_SIGN }, { "unsigned", VM_A_NONE },
		{ "accept", VM_A_VERIFY }, { "reject", VM_A_REJECT },
		{ "tempfail", VM_A_TEMPFAIL }, { "hold", VM_A_HOLD },
		{ "quarantine-header", VM_A_QHEADER }
	};
	const char *r = strstr(line, "result=");
	enum vm_action a = VM_A_NONE;
	struct timespec t1;
	size_t i, n;

	for (i = 0; r != NULL && i < sizeof(map) / sizeof(map[0]); i++) {
		n = strlen(map[i].w);
		if (strncmp(r + 7, map[i].w, n) == 0 && (r[7 + n] == ' ' ||
		    r[7 + n] == '\0'))
			a = map[i].a;
	}
	vm_metrics_action(a);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (s->t0.tv_sec != 0)
		vm_metrics_latency((double)(t1.tv_sec - s->t0.tv_sec) +
		    (double)(t1.tv_nsec - s->t0.tv_nsec) / 1e9);
}

/* The verdict into the log line. */
static void
log_verdict(const struct sess *s, const struct vouch_spf_verdict *spf,
    const struct vouch_dmarc_verdict *dm, char *line, size_t size)
{
	char item[64];
	size_t i;

	kv(line, size, "action", "verify");
	kv(line, size, "client", s->have_ip ? s->ip : "local");
	kv(line, size, "from", vouch_auth_from(s->auth));
	for (i = 0; i < vouch_auth_dkim_count(s->auth); i++) {
		const struct vouch_dkim_sig *g = vouch_auth_dkim_sig(s->auth,
		    i);

		snprintf(item, sizeof(item), "dkim%zu", i + 1);
		kv(line, size, item, vouch_dkim_result_name(g->result));
		snprintf(item, sizeof(item), "dkim%zu_d", i + 1);
		kv(line, size, item, g->domain);
	}
	if (vouch_auth_dkim_count(s->auth) == 0)
		kv(line, size, "dkim", "none");
	kv(line, size, "spf", spf != NULL ? vouch_spf_result_name(spf->result)
	    : "none");
	kv(line, size, "dmarc", dm != NULL ? vouch_dmarc_result_name(
	    dm->result) : "none");
}

static sfsistat
eom_verify(SMFICTX *ctx, struct sess *s, char *line, size_t size)
{
	struct vouch_error err = { 0 };
	const struct vouch_dmarc_verdict *dm;
	const struct vouch_spf_verdict *spf;
	enum vouch_dmarc_policy pol;
	const char *why;

	if (vouch_auth_finish(s->auth, &err) != VOUCH_OK)
		return SMFIS_TEMPFAIL;
	spf = vouch_auth_spf(s->auth);
	dm = vouch_auth_dmarc(s->auth);
	log_verdict(s, spf, dm, line, size);
	count_results(s, spf, dm);
	if (s->conf->on_temperror == VM_TEMPFAIL && any_temperror(s->auth)) {
		reply(ctx, "451", "4.4.3", "temporary DNS failure "
		    "checking the sender; try again later");
		kv(line, size, "result", "tempfail");
		return SMFIS_TEMPFAIL;
	}
	/* the verdict for DMARC reports (not for a tempfail: that message
	 * comes again) */
	pol = applied(s->conf, dm, &why);
	if (s->conf->store != NULL && vouch_report_record_applied(
	    s->conf->store, s->auth, s->rcpt, 0, pol, why, NULL, &err) !=
	    VOUCH_OK)
		vm_log(LOG_ERR, "event=report-store problem=\"%s\"",
		    err.message);
	/* a failure under p=reject, or an author that cannot be told
	 * (permerror, disposition reject: RFC 7489 6.6.1) */
	if (pol == VOUCH_DMARC_P_REJECT) {
		reply(ctx, "550", "5.7.1", dm->result == VOUCH_DMARC_FAIL ?
		    "rejected: DMARC policy of the From domain says reject" :
		    "rejected: the From field names no single author domain "
		    "(RFC 7489 6.6.1)");
		kv(line, size, "result", "reject");
		return SMFIS_REJECT;
	}
	return add_ours(ctx, s, with_seal(s, vouch_auth_header(s->auth), line,
	    size), line, size, pol == VOUCH_DMARC_P_QUARANTINE ? quarantine(ctx,
	    s) : "accept");
}

static sfsistat
eom_sign(SMFICTX *ctx, struct sess *s, char *line, size_t size)
{
	struct vouch_error err = { 0 };
	char *h;
	size_t i;

	kv(line, size, "action", "sign");
	kv(line, size, "client", s->have_ip ? s->ip : "local");
	if (s->auth_user != NULL)
		kv(line, size, "auth", s->auth_user);
	kv(line, size, "from", s->from);
	if (vouch_dkim_signer_finish(s->signer, &h, &err) != VOUCH_OK) {
		kv(line, size, "result", "unsigned");
		kv(line, size, "reason", err.message);
		remove_forged(ctx, s);
		if (s->conf->on_sign_error != VM_ACCEPT)
			return refuse_unsigned(ctx, s->conf, "message cannot "
			    "be signed", "message cannot be signed");
		return SMFIS_ACCEPT;
	}
	vm_metrics_signed((unsigned int)s->nkeys);
	for (i = 0; i < s->nkeys; i++) {
		char item[32];

		snprintf(item, sizeof(item), "d%zu", i + 1);
		kv(line, size, item, s->keys[i]->domain);
		snprintf(item, sizeof(item), "s%zu", i + 1);
		kv(line, size, item, s->keys[i]->selector);
	}
	return add_ours(ctx, s, with_seal(s, h, line, size), line, size,
	    "signed");
}

/* Outbound, not signed: the ARC set alone, when it can be made. */
static sfsistat
add_seal_only(SMFICTX *ctx, struct sess *s, char *line, size_t size)
{
	char *h = with_seal(s, NULL, line, size);

	if (h == NULL) {
		remove_forged(ctx, s);
		kv(line, size, "result", "unsealed");
		return SMFIS_ACCEPT;
	}
	return add_ours(ctx, s, h, line, size, "sealed");
}

static sfsistat
vm_eom(SMFICTX *ctx)
{
	struct sess *s = smfi_getpriv(ctx);
	char line[2048] = "";
	sfsistat rc;

	if (s == NULL)
		return SMFIS_TEMPFAIL;
	kv(line, sizeof(line), "queue", queue_id(ctx));
	if (s->mode == M_SIGN) {
		rc = eom_sign(ctx, s, line, sizeof(line));
	} else if (s->mode == M_VERIFY) {
		rc = eom_verify(ctx, s, line, sizeof(line));
	} else if (s->sealer != NULL) {
		/* not signed (no key), sealed: a list's mail sent on */
		kv(line, sizeof(line), "action", "seal");
		kv(line, sizeof(line), "reason", s->why);
		rc = add_seal_only(ctx, s, line, sizeof(line));
	} else {
		remove_forged(ctx, s);
		kv(line, sizeof(line), "action", "none");
		kv(line, sizeof(line), "reason", s->why);
		rc = SMFIS_ACCEPT;
	}
	if (s->nforged > 0) {
		char n[16];

		snprintf(n, sizeof(n), "%u", s->nforged);
		kv(line, sizeof(line), "removed_forged_ar", n);
	}
	if (rc == SMFIS_TEMPFAIL && strstr(line, "result=") == NULL)
		kv(line, sizeof(line), "result", "tempfail");
	count_message(s, line);
	vm_log(rc == SMFIS_ACCEPT ? LOG_INFO : LOG_NOTICE, "%s", line);
	msg_reset(s);
	return rc;
}

static sfsistat
vm_abort(SMFICTX *ctx)
{
	struct sess *s = smfi_getpriv(ctx);

	if (s != NULL)
		msg_reset(s);
	return SMFIS_CONTINUE;
}

static sfsistat
vm_close(SMFICTX *ctx)
{
	sess_free(smfi_getpriv(ctx));
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

static char milter_name[] = "vouch";
static struct smfiDesc desc = {
	milter_name,
	SMFI_VERSION,
	SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE,
	vm_connect,
	vm_helo,
	vm_envfrom,
	vm_envrcpt,
	vm_header,
	vm_eoh,
	vm_body,
	vm_eom,
	vm_abort,
	vm_close,
	NULL,		/* unknown */
	NULL,		/* data */
	vm_negotiate
};

/* ---- the daemon ------------------------------------------------------- */

static int
facility_of(const char *name)
{
	static const struct { const char *n; int f; } fs[] = {
		{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON },
		{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
		{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
		{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
		{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	};
	size_t i;

	for (i = 0; name != NULL && i < sizeof(fs) / sizeof(fs[0]); i++)
		if (strcmp(fs[i].n, name) == 0)
			return fs[i].f;
	return name == NULL ? LOG_MAIL : -1;
}

static int
drop_privileges(const char *user)
{
	struct passwd *pw;

	if (user == NULL)
		return 0;
	if ((pw = getpwnam(user)) == NULL) {
		cli_err("user", "%s: no such user", user);
		return -1;
	}
	if (getuid() != 0 && getuid() == pw->pw_uid)
		return 0;
	if (setgroups(0, NULL) != 0 || initgroups(pw->pw_name, pw->pw_gid) !=
	    0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
		cli_err("user", "%s: cannot switch to it: %s", user,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static void *
milter_thread(void *arg)
{
	int *rc = arg;

	*rc = smfi_main();
	return NULL;
}

static int
write_pidfile(const char *path)
{
	FILE *fp;

	if (path == NULL)
		return 0;
	if ((fp = fopen(path, "w")) == NULL) {
		cli_err(path, "%s", strerror(errno));
		return -1;
	}
	fprintf(fp, "%ld\n", (long)getpid());
	return fclose(fp) == 0 ? 0 : -1;
}

static int
daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	if ((pid = fork()) < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (chdir("/") != 0)
		return -1;
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

/* --check-config: a PostgreSQL store or an existing SQLite file is
 * opened; a SQLite file to come needs its folder (the milter creates it
 * as its user). */
static int
store_ok(const struct vm_opts *o, struct vm_conf *c)
{
	const char *p = c->report_store;
	char dir[PATH_MAX], *slash;
	struct stat sb;

	if (strncmp(p, "postgres", 8) != 0) {
		p += strncmp(p, "sqlite:", 7) == 0 ? 7 : 0;
		if (stat(p, &sb) != 0) {
			snprintf(dir, sizeof(dir), "%s", p);
			slash = strrchr(dir, '/');
			if (slash != NULL)
				*slash = '\0';
			if (slash == NULL || stat(dir, &sb) == 0)
				return 1;
			cli_err(o->conf, "report-store %s: the folder %s does "
			    "not exist", c->report_store, dir);
			return 0;
		}
	}
	return vm_conf_open_store(c) == 0;
}

/* log = syslog with no syslog socket: every line would be lost, so say
 * so where it is seen (a container, a chroot without /dev/log). */
static void
syslog_check(const char *conf)
{
	if (access(VM_SYSLOG_SOCKET, F_OK) != 0)
		fprintf(stderr, "vouch: %s: warning: log = syslog, but there is "
		    "no %s: log lines will be lost (start a syslog daemon, "
		    "or set log = stderr)\n", conf, VM_SYSLOG_SOCKET);
}

/* --check-config: the file, its keys and its user; the exit status. */
static int
vm_check(const struct vm_opts *o, struct vm_conf *c)
{
	int ex = EX_OK;

	if (c->user != NULL && getpwnam(c->user) == NULL) {
		cli_err(o->conf, "user: %s: no such user", c->user);
		ex = EX_CONFIG;
	} else if (c->report_store != NULL && !store_ok(o, c)) {
		ex = EX_CONFIG;
	} else {
		if (c->log != NULL && strcmp(c->log, "syslog") == 0)
			syslog_check(o->conf);
		vm_conf_explain(c, o->sender);
	}
	vm_conf_free(c);
	return ex;
}

/* libmilter on the configured socket; a unix socket for the daemon's
 * user and group (put postfix in that group), nobody else. */
static int
vm_listen(const struct vm_conf *c)
{
	const char *path;
	struct passwd *pw;

	if (smfi_register(desc) != MI_SUCCESS ||
	    smfi_setconn(c->socket) != MI_SUCCESS) {
		cli_err("milter", "cannot set up libmilter for %s", c->socket);
		return EX_SOFTWARE;
	}
	if (smfi_opensocket(1) != MI_SUCCESS) {
		cli_err(c->socket, "cannot listen (in use, or no permission)");
		return EX_UNAVAILABLE;
	}
	if (strncmp(c->socket, "unix:", 5) != 0 &&
	    strncmp(c->socket, "local:", 6) != 0)
		return EX_OK;
	path = strchr(c->socket, ':') + 1;
	pw = c->user != NULL ? getpwnam(c->user) : NULL;
	if ((pw != NULL && chown(path, pw->pw_uid, pw->pw_gid) != 0) ||
	    chmod(path, 0660) != 0) {
		cli_err(path, "cannot set the socket's owner and mode: %s",
		    strerror(errno));
		return EX_OSERR;
	}
	return EX_OK;
}

/* Detached (unless -f), the pid file as root (in a directory the user
 * owns, it can be removed at exit), then the user, then the log. */
static int
vm_become(const struct vm_opts *o, const struct vm_conf *c, int fac)
{
	if (!o->foreground && daemonize() != 0) {
		cli_err("milter", "cannot become a daemon: %s",
		    strerror(errno));
		return EX_OSERR;
	}
	if (write_pidfile(c->pidfile) != 0)
		return EX_CANTCREAT;
	if (drop_privileges(c->user) != 0)
		return EX_CONFIG;
	log_syslog = c->log == NULL ? !o->foreground :
	    strcmp(c->log, "syslog") == 0;
	if (log_syslog) {
		syslog_check(o->conf);
		openlog("vouch-milter", LOG_PID, fac);
	}
	cli_err_hook = err_to_log;
	return EX_OK;
}

static void *
stop_thread(void *arg)
{
	(void)arg;
	smfi_stop();
	return NULL;
}

/* This thread takes the signals: the kernel gives a process signal to
 * the main thread first when it waits for it, so libmilter's own signal
 * thread never sees SIGHUP.  Returns at SIGTERM or SIGINT. */
static void
vm_signals(const sigset_t *set)
{
	for (;;) {
		int sig = 0;
		pthread_t rt;

		if (sigwait(set, &sig) != 0)
			continue;
		if (sig != SIGHUP) {
			vm_log(LOG_INFO, "event=stop signal=%d", sig);
			/* smfi_stop() waits for libmilter's listener lock,
			 * which its poll holds for up to 5 s: on its own
			 * thread, while this one gives it VM_STOP_MS */
			if (pthread_create(&rt, NULL, stop_thread, NULL) == 0)
				pthread_detach(rt);
			else
				smfi_stop();
			return;
		}
		/* reloaded on its own thread: this one goes straight back to
		 * waiting, so a second SIGHUP is ours too */
		if (pthread_create(&rt, NULL, reload_thread, NULL) == 0)
			pthread_detach(rt);
	}
}

/* Did libmilter's thread end within VM_STOP_MS of smfi_stop()? */
static int
stopped_soon(pthread_t th)
{
	struct timespec dl;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_nsec += (VM_STOP_MS % 1000) * 1000000L;
	dl.tv_sec += VM_STOP_MS / 1000 + dl.tv_nsec / 1000000000L;
	dl.tv_nsec %= 1000000000L;
	return pthread_timedjoin_np(th, NULL, &dl) == 0;
}

/* The running configuration's DNS counters (held while read: a reload
 * may retire it meanwhile). */
static void
current_dns_stats(struct vouch_dns_stats *ds)
{
	struct vm_conf *c = conf_get();

	if (c->dns != NULL)
		vouch_dns_stats(c->dns, ds);
	conf_put(c);
}

/* metrics = ADDR:PORT, served from now on (after the fork and the drop of
 * privileges: its thread belongs to the daemon; a reload keeps the
 * address it started with). */
static int
start_metrics(struct vm_conf *c)
{
#ifdef HAVE_LIBMICROHTTPD
	if (c->metrics != NULL && vm_metrics_start(c->metrics, current_dns_stats) !=
	    0) {
		cli_err(c->path, "metrics %s: cannot listen (in use, or no "
		    "permission)", c->metrics);
		return -1;
	}
#else
	(void)c;
#endif
	return 0;
}

/* After SIGTERM: 1 when libmilter ended in time (the caller cleans up),
 * 0 when the process must go now. */
static int
stop(pthread_t th)
{
	if (!stopped_soon(th)) {
		/* libmilter looks at its stop flag only every few seconds and
		 * lets sessions run on: the MTA retries what is cut short
		 * (milter_default_action), the rows recorded are written */
		vm_log(LOG_INFO, "event=stop detail=\"sessions still open are "
		    "closed\"");
		if (conf_cur->store != NULL)
			(void)vouch_report_store_flush(conf_cur->store, NULL);
		if (conf_cur->pidfile != NULL)
			unlink(conf_cur->pidfile);
		return 0;
	}
	if (conf_cur->pidfile != NULL)
		unlink(conf_cur->pidfile);
	conf_put(conf_cur);
	return 1;
}

int
vm_main(struct vm_opts *o)
{
	static char conf_abs[PATH_MAX];
	struct vm_conf *c;
	pthread_t th;
	sigset_t set;
	int rc = 0, fac, ex;

	/* the daemon changes to /: a reload must still find the file */
	if (realpath(o->conf, conf_abs) != NULL)
		o->conf = conf_abs;
	opts = o;
	if ((c = vm_conf_load(o->conf, &o->dns)) == NULL) {
		if (o->check)
			fprintf(stderr, "vouch: %s: configuration refused\n",
			    o->conf);
		return EX_CONFIG;
	}
	if ((fac = facility_of(c->facility)) < 0) {
		cli_err(o->conf, "syslog-facility: %s: expected mail, daemon "
		    "or local0..local7", c->facility);
		vm_conf_free(c);
		return EX_CONFIG;
	}
	if (o->check)
		return vm_check(o, c);
	conf_cur = c;
	if ((ex = vm_listen(c)) != EX_OK || (ex = vm_become(o, c, fac)) !=
	    EX_OK)
		return ex;
	if (vm_conf_open_store(c) != 0 || start_metrics(c) != 0) {
		if (c->pidfile != NULL)
			unlink(c->pidfile);
		return EX_UNAVAILABLE;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (pthread_create(&th, NULL, milter_thread, &rc) != 0) {
		cli_err("milter", "cannot start: %s", strerror(errno));
		return EX_OSERR;
	}
	vm_log(LOG_INFO, "event=start socket=%s authserv_id=%s keys=%zu "
	    "pid=%ld", c->socket, c->authserv, vouch_keytab_nkeys(c->ks.t),
	    (long)getpid());
	vm_signals(&set);
	if (!stop(th))
		return EX_OK;
	return rc == MI_SUCCESS ? EX_OK : EX_SOFTWARE;
}
