/*
 * The inbound verdict (include/vouch/auth.h): DKIM over the message
 * stream, SPF for the connection, DMARC over both, and the
 * Authentication-Results field written through the one header writer.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/auth.h>
#include "dmarc_int.h"
#include "arc/arc_int.h"
#include "dkim/dkim_int.h"
#include "spf/spf_int.h"
#include "common/hdr.h"
#include "common/ar.h"
#include "common/domain.h"
#include "common/json.h"
#include "common/util.h"

struct vouch_auth_ctx {
	struct vouch_dns *dns;
	struct vouch_dkim_ctx *dkim;
	char *authserv;
	enum vouch_dmarc_org_mode mode;
	const struct vouch_dmarc_psl *psl;
	char **arc_trust;		/* sealing domains trusted (RFC 8617 7.2) */
	size_t narc_trust;
	/* the last SPF check: a run of messages from one connection (or
	 * one command line) is checked once */
	pthread_mutex_t mu;
	struct vouch_auth_conn memo_conn;	/* ip, helo, mail_from */
	int have_memo;
	struct vouch_spf_verdict memo;
};

struct vouch_auth {
	struct vouch_auth_ctx *ctx;
	char *ip, *helo, *mail_from, *auth_user;
	struct vouch_dkim_verifier *dkim;
	struct vouch_spf_verdict spf;
	int has_spf;
	struct dmarc_eval dmarc;
	struct arc_chain *arc;	/* only for a message with ARC fields */
	char from_reason[128];	/* why there is no usable From */
	int too_large;		/* cut by the caller's size bound */
};

static void
memo_drop(struct vouch_auth_ctx *c)
{
	vouch_spf_verdict_clear(&c->memo);
	free((char *)c->memo_conn.ip);
	free((char *)c->memo_conn.helo);
	free((char *)c->memo_conn.mail_from);
	memset(&c->memo_conn, 0, sizeof(c->memo_conn));
	c->have_memo = 0;
}

static int
same_str(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

struct vouch_auth_ctx *
vouch_auth_ctx_new(struct vouch_dns *dns, const char *authserv_id)
{
	struct vouch_auth_ctx *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->dns = dns;
	if ((c->dkim = vouch_dkim_ctx_new(dns)) == NULL ||
	    (c->authserv = strdup(authserv_id != NULL ? authserv_id :
	    "localhost")) == NULL) {
		vouch_dkim_ctx_free(c->dkim);
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->mu, NULL);
	return c;
}

void
vouch_auth_ctx_free(struct vouch_auth_ctx *c)
{
	if (c == NULL)
		return;
	vouch_dkim_ctx_free(c->dkim);
	memo_drop(c);
	while (c->narc_trust > 0)
		free(c->arc_trust[--c->narc_trust]);
	free(c->arc_trust);
	free(c->authserv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

struct vouch_dkim_ctx *
vouch_auth_ctx_dkim(struct vouch_auth_ctx *c)
{
	return c->dkim;
}

enum vouch_status
vouch_auth_ctx_set_org_mode(struct vouch_auth_ctx *c,
    enum vouch_dmarc_org_mode mode)
{
	if (mode == VOUCH_DMARC_ORG_PSL && !vouch__dmarc_have_psl())
		return VOUCH_E_NOTFOUND;
	c->mode = mode;
	return VOUCH_OK;
}

void
vouch_auth_ctx_set_psl(struct vouch_auth_ctx *c,
    const struct vouch_dmarc_psl *list)
{
	c->psl = list;
	c->mode = VOUCH_DMARC_ORG_PSL;
}

enum vouch_status
vouch_auth_ctx_trust_arc(struct vouch_auth_ctx *c, const char *domain)
{
	char **n = realloc(c->arc_trust, (c->narc_trust + 1) * sizeof(*n));

	if (n == NULL)
		return VOUCH_E_NOMEM;
	c->arc_trust = n;
	if ((n[c->narc_trust] = vouch__name_norm(domain)) == NULL)
		return VOUCH_E_NOMEM;
	c->narc_trust++;
	return VOUCH_OK;
}

/* The chain is ~15 KB of state: only a message with ARC fields pays for
 * it (most mail has none). */
static void
arc_hook(void *arg, struct vouch_dkim_verifier *v)
{
	struct vouch_auth *a = arg;
	const struct dkim_msg *m = vouch__dkim_verifier_msg(v);
	size_t i;

	for (i = 0; i < m->nfields; i++)
		if (m->fields[i].namelen > 4 && vouch__memcaseeq((const char *)
		    m->fields[i].raw, "arc-", 4))
			break;
	if (i == m->nfields || (a->arc = calloc(1, sizeof(*a->arc))) == NULL)
		return;
	vouch__arc_collect(a->arc, v);
}

static const struct vouch_arc_verdict arc_none = { VOUCH_ARC_NONE,
    "no ARC sets", 0, 0, 0, NULL };

static const struct vouch_arc_verdict *
arc_of(const struct vouch_auth *a)
{
	return a->arc != NULL ? &a->arc->pub : &arc_none;
}

static int
dup_opt(char **dst, const char *s)
{
	*dst = NULL;
	return s == NULL || (*dst = strdup(s)) != NULL;
}

enum vouch_status
vouch_auth_new(struct vouch_auth_ctx *ctx, const struct vouch_auth_conn *conn,
    struct vouch_auth **out)
{
	struct vouch_auth *a;
	static const struct vouch_auth_conn none;

	if (ctx == NULL || out == NULL)
		return VOUCH_E_INVAL;
	if (conn == NULL)
		conn = &none;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return VOUCH_E_NOMEM;
	a->ctx = ctx;
	if (!dup_opt(&a->ip, conn->ip) || !dup_opt(&a->helo, conn->helo) ||
	    !dup_opt(&a->mail_from, conn->mail_from) ||
	    !dup_opt(&a->auth_user, conn->auth_user) ||
	    vouch_dkim_verifier_new(ctx->dkim, &a->dkim) != VOUCH_OK) {
		vouch_auth_free(a);
		return VOUCH_E_NOMEM;
	}
	vouch__dkim_verifier_on_header(a->dkim, arc_hook, a);
	*out = a;
	return VOUCH_OK;
}

enum vouch_status
vouch_auth_feed(struct vouch_auth *a, const void *data, size_t len)
{
	return vouch_dkim_verifier_feed(a->dkim, data, len);
}

enum vouch_status
vouch_auth_feed_mboxrd(struct vouch_auth *a, const void *data, size_t len)
{
	return vouch_dkim_verifier_feed_mboxrd(a->dkim, data, len);
}

static char *
dup_or_null(const char *s, int *nomem)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*nomem = 1;
	return d;
}

static int
verdict_copy(struct vouch_spf_verdict *dst, const struct vouch_spf_verdict *src)
{
	int nomem = 0;

	*dst = *src;
	dst->sender = dup_or_null(src->sender, &nomem);
	dst->domain = dup_or_null(src->domain, &nomem);
	dst->mechanism = dup_or_null(src->mechanism, &nomem);
	dst->explanation = dup_or_null(src->explanation, &nomem);
	dst->problem = dup_or_null(src->problem, &nomem);
	if (nomem)
		vouch_spf_verdict_clear(dst);
	return nomem ? -1 : 0;
}

/* SPF for the connection (RFC 7208 2.3, 2.4): MAIL FROM, or the HELO
 * when the reverse-path is empty. */
static enum vouch_status
check_spf(struct vouch_auth *a, struct vouch_error *err)
{
	struct vouch_auth_ctx *c = a->ctx;
	struct vouch_spf_request req;
	enum vouch_status st;
	int hit = 0;

	memset(&req, 0, sizeof(req));
	req.ip = a->ip;
	req.helo = a->helo;
	req.mail_from = a->mail_from;
	req.receiver = c->authserv;
	req.identity = a->mail_from != NULL && *a->mail_from ?
	    VOUCH_SPF_MAILFROM : VOUCH_SPF_HELO;
	if (req.identity == VOUCH_SPF_HELO && a->helo == NULL)
		req.identity = VOUCH_SPF_MAILFROM;
	pthread_mutex_lock(&c->mu);
	if (c->have_memo && same_str(c->memo_conn.ip, a->ip) &&
	    same_str(c->memo_conn.helo, a->helo) &&
	    same_str(c->memo_conn.mail_from, a->mail_from)) {
		if (verdict_copy(&a->spf, &c->memo) != 0) {
			pthread_mutex_unlock(&c->mu);
			return vouch__err(err, VOUCH_E_NOMEM, NULL, -1,
			    "out of memory");
		}
		hit = 1;
	}
	pthread_mutex_unlock(&c->mu);
	if (!hit) {
		if ((st = vouch_spf_check(c->dns, &req, &a->spf, err)) !=
		    VOUCH_OK)
			return st;
		pthread_mutex_lock(&c->mu);
		memo_drop(c);
		if (dup_opt((char **)&c->memo_conn.ip, a->ip) &&
		    dup_opt((char **)&c->memo_conn.helo, a->helo) &&
		    dup_opt((char **)&c->memo_conn.mail_from, a->mail_from) &&
		    verdict_copy(&c->memo, &a->spf) == 0)
			c->have_memo = 1;
		else
			memo_drop(c);
		pthread_mutex_unlock(&c->mu);
	}
	a->has_spf = 1;
	return VOUCH_OK;
}

/* How strict an outcome is, for a From with several addresses. */
static int
rank(const struct vouch_dmarc_verdict *v)
{
	switch (v->result) {
	case VOUCH_DMARC_FAIL: return 10 + (int)v->disposition;
	case VOUCH_DMARC_TEMPERROR: return 4;
	case VOUCH_DMARC_PERMERROR: return 3;
	case VOUCH_DMARC_NONE: return 2;
	default: return 1;
	}
}

static void
dmarc_setup(struct vouch_auth *a, struct dmarc_eval *e, const char **dkim,
    size_t ndkim, const char *spf_domain)
{
	memset(e, 0, sizeof(*e));
	e->dns = a->ctx->dns;
	e->mode = a->ctx->mode;
	e->psl = a->ctx->psl;
	e->dkim = dkim;
	e->ndkim = ndkim;
	e->spf_domain = spf_domain;
	e->spf_checked = a->has_spf;
}

static void
check_dmarc(struct vouch_auth *a)
{
	const struct dkim_msg *m = vouch__dkim_verifier_msg(a->dkim);
	const struct dkim_field *from = NULL;
	const char *dkim[VOUCH_DKIM_MAX_SIGS * 100], *spf_domain = NULL;
	char *doms[VOUCH_DMARC_MAX_FROM];
	size_t i, n = vouch_dkim_verifier_count(a->dkim), nd = 0, nfrom = 0;
	int k, nd_from;

	for (i = 0; i < n && nd < sizeof(dkim) / sizeof(dkim[0]); i++) {
		const struct vouch_dkim_sig *g = vouch_dkim_verifier_sig(a->dkim,
		    i);

		if (g->result == VOUCH_DKIM_PASS)
			dkim[nd++] = g->domain;
	}
	if (a->has_spf && a->spf.result == VOUCH_SPF_PASS &&
	    a->spf.sender != NULL) {
		const char *at = strrchr(a->spf.sender, '@');

		spf_domain = at != NULL ? at + 1 : a->spf.sender;
	}
	dmarc_setup(a, &a->dmarc, dkim, nd, spf_domain);
	a->dmarc.pub.result = VOUCH_DMARC_PERMERROR;
	a->dmarc.pub.reason = a->dmarc.reason;
	/* RFC 7489 6.6.1: mail whose author cannot be told SHOULD be
	 * rejected; a receiver that acts on DMARC refuses it (the returns
	 * below, until a domain is evaluated) */
	a->dmarc.pub.disposition = VOUCH_DMARC_P_REJECT;
	for (i = 0; i < m->nfields; i++)
		if (dkim_field_is(&m->fields[i], "from")) {
			from = &m->fields[i];
			nfrom++;
		}
	/* RFC 7489 6.6.1: exactly one From with a usable domain */
	if (m->error != NULL) {
		snprintf(a->dmarc.reason, sizeof(a->dmarc.reason),
		    "malformed message: %s", m->error);
		return;
	}
	if (nfrom != 1) {
		snprintf(a->dmarc.reason, sizeof(a->dmarc.reason), "%s",
		    nfrom == 0 ? "no From header field" :
		    "several From header fields");
		return;
	}
	{
		size_t vlen;
		const unsigned char *v = dkim_field_value(from, &vlen);

		nd_from = vouch_dmarc_from_domains((const char *)v, vlen, doms,
		    VOUCH_DMARC_MAX_FROM);
	}
	if (nd_from <= 0 || nd_from > VOUCH_DMARC_MAX_FROM) {
		snprintf(a->dmarc.reason, sizeof(a->dmarc.reason), "%s",
		    nd_from < 0 ? "out of memory" : nd_from == 0 ?
		    "From has no usable domain" : "From has more than "
		    "8 addresses");
		if (nd_from < 0) {
			a->dmarc.pub.result = VOUCH_DMARC_TEMPERROR;
			a->dmarc.pub.disposition = VOUCH_DMARC_P_NONE;
		}
		return;
	}
	a->dmarc.pub.disposition = VOUCH_DMARC_P_NONE;
	/* several authors: each domain evaluated, the strictest kept */
	for (k = 0; k < nd_from; k++) {
		struct dmarc_eval e;

		dmarc_setup(a, &e, dkim, nd, spf_domain);
		vouch__dmarc_eval(&e, doms[k]);
		if (k == 0 || rank(&e.pub) > rank(&a->dmarc.pub)) {
			vouch__dmarc_eval_clear(&a->dmarc);
			a->dmarc = e;
			a->dmarc.pub.reason = a->dmarc.reason;
		} else {
			vouch__dmarc_eval_clear(&e);
		}
		free(doms[k]);
	}
}

/* Does this ARC-Authentication-Results payload say that DMARC passed for
 * this message's From domain?  Parsed as RFC 8601 (common/ar.c): a
 * "dmarc=pass" result whose header.from is from, compared as A-labels.
 * Text that only mentions "dmarc=pass" inside a value or comment, or an
 * AAR that does not parse, vouches for nothing. */
static int
aar_vouches(const char *aar, const char *from)
{
	struct vouch_ar ar;
	const char *hf;
	char *alabel;
	size_t i;
	int ok = 0;

	if (aar == NULL || vouch_ar_parse(aar, strlen(aar), &ar, NULL) !=
	    VOUCH_OK)
		return 0;
	for (i = 0; i < ar.nres && !ok; i++) {
		if (strcmp(ar.res[i].method, "dmarc") != 0 ||
		    strcmp(ar.res[i].result, "pass") != 0 ||
		    (hf = vouch_ar_prop(&ar.res[i], "header", "from")) == NULL)
			continue;
		if (vouch__domain_alabel(hf, &alabel) == VOUCH_OK) {
			ok = vouch__domain_eq(alabel, from);
			free(alabel);
		}
	}
	vouch_ar_clear(&ar);
	return ok;
}

/*
 * RFC 8617 7.2: a receiver may let a passing chain from a sealer it trusts
 * speak for a message DMARC fails.  Only with --arc-trust, and only a hop
 * nobody untrusted came after: from the newest instance down, every
 * sealer must be trusted, and the hop must be no older than oldest-pass
 * (its AMS still verifies: the message is as that sealer saw it).  The
 * newest such hop whose AAR says dmarc=pass for our From domain is used.
 */
static void
arc_override(struct vouch_auth *a)
{
	const struct vouch_arc_verdict *c = arc_of(a);
	size_t i, k, n;

	if (a->ctx->narc_trust == 0 || c->result != VOUCH_ARC_PASS ||
	    a->dmarc.pub.result != VOUCH_DMARC_FAIL || a->dmarc.from == NULL)
		return;
	for (i = c->nsets; i > 0; i--) {
		const struct vouch_arc_set *s = &c->sets[i - 1];
		int trusted = 0;

		if (c->oldest_pass == 0 || s->instance < c->oldest_pass)
			return;
		for (k = 0; k < a->ctx->narc_trust && !trusted; k++)
			trusted = vouch__domain_eq(s->domain,
			    a->ctx->arc_trust[k]);
		if (!trusted)
			return;	/* an untrusted hop after: older ones can't vouch */
		if (!aar_vouches(s->aar, a->dmarc.from))
			continue;
		n = strlen(a->dmarc.reason);
		a->dmarc.pub.arc_override = 1;
		a->dmarc.pub.arc_trusted_instance = s->instance;
		a->dmarc.pub.disposition = VOUCH_DMARC_P_NONE;
		snprintf(a->dmarc.reason + n, sizeof(a->dmarc.reason) - n,
		    "; a trusted ARC chain vouches for it: %s at i=%u saw "
		    "dmarc=pass (RFC 8617 7.2 local override)", s->domain,
		    s->instance);
		return;
	}
}

void
vouch_auth_mark_too_large(struct vouch_auth *a, uint64_t limit)
{
	a->too_large = 1;
	vouch__dkim_verifier_cut(a->dkim, limit);
}

enum vouch_status
vouch_auth_finish(struct vouch_auth *a, struct vouch_error *err)
{
	enum vouch_status st;

	if ((st = vouch_dkim_verifier_finish(a->dkim, err)) != VOUCH_OK)
		return st;
	if (a->arc != NULL && !a->too_large)
		vouch__arc_validate(a->arc, a->dkim, a->ctx->dkim);
	if (a->ip != NULL && (st = check_spf(a, err)) != VOUCH_OK)
		return st;
	check_dmarc(a);
	arc_override(a);
	return VOUCH_OK;
}

void
vouch_auth_free(struct vouch_auth *a)
{
	if (a == NULL)
		return;
	vouch_dkim_verifier_free(a->dkim);
	vouch_spf_verdict_clear(&a->spf);
	vouch__dmarc_eval_clear(&a->dmarc);
	if (a->arc != NULL) {
		vouch__arc_clear(a->arc);
		free(a->arc);
	}
	free(a->ip);
	free(a->helo);
	free(a->mail_from);
	free(a->auth_user);
	free(a);
}

size_t
vouch_auth_dkim_count(const struct vouch_auth *a)
{
	return vouch_dkim_verifier_count(a->dkim);
}

const struct vouch_dkim_sig *
vouch_auth_dkim_sig(const struct vouch_auth *a, size_t i)
{
	return vouch_dkim_verifier_sig(a->dkim, i);
}

const struct vouch_spf_verdict *
vouch_auth_spf(const struct vouch_auth *a)
{
	return a->has_spf ? &a->spf : NULL;
}

const struct vouch_dmarc_verdict *
vouch_auth_dmarc(const struct vouch_auth *a)
{
	return &a->dmarc.pub;
}

const char *
vouch_auth_from(const struct vouch_auth *a)
{
	return vouch_dkim_verifier_from(a->dkim);
}

const struct vouch_arc_verdict *
vouch_auth_arc(const struct vouch_auth *a)
{
	return arc_of(a);
}

int
vouch_auth_passed(const struct vouch_auth *a, enum vouch_auth_require rule)
{
	size_t i;

	if (rule == VOUCH_AUTH_REQUIRE_DMARC)
		return a->dmarc.pub.result == VOUCH_DMARC_PASS;
	for (i = 0; i < vouch_auth_dkim_count(a); i++)
		if (vouch_auth_dkim_sig(a, i)->result == VOUCH_DKIM_PASS)
			return 1;
	return 0;
}

/* ---- output ------------------------------------------------------------ */

static void
dmarc_ar(struct vhdr *h, const struct vouch_dmarc_verdict *d)
{
	char m[64], c[96];

	snprintf(m, sizeof(m), "dmarc=%s", vouch_dmarc_result_name(d->result));
	vhdr_word(h, m, 1);
	if (d->has_policy && (d->result == VOUCH_DMARC_PASS ||
	    d->result == VOUCH_DMARC_FAIL)) {
		snprintf(c, sizeof(c), "p=%s dis=%s",
		    vouch_dmarc_policy_name(d->policy),
		    vouch_dmarc_policy_name(d->disposition));
		vhdr_comment(h, c);
	} else if (d->result != VOUCH_DMARC_NONE) {
		char r[448];

		snprintf(r, sizeof(r), "%s%s%s", d->reason,
		    d->disposition != VOUCH_DMARC_P_NONE ? "; dis=" : "",
		    d->disposition != VOUCH_DMARC_P_NONE ?
		    vouch_dmarc_policy_name(d->disposition) : "");
		vhdr_comment(h, r);
	}
	if (d->from_domain != NULL)
		vhdr_prop(h, "header.from", d->from_domain, VHDR_TOKEN);
	if (d->arc_trusted_instance > 0) {
		/* which ARC set's sealer vouched (RFC 8617 7.2 override) */
		snprintf(c, sizeof(c), "%u", d->arc_trusted_instance);
		vhdr_prop(h, "policy.arc-trusted-instance", c, VHDR_TOKEN);
	}
}

/* arc=... (RFC 8617 8.1, RFC 8601) */
static void
arc_ar(struct vhdr *h, const struct vouch_auth *a)
{
	const struct vouch_arc_verdict *c = arc_of(a);
	char m[64];

	snprintf(m, sizeof(m), "arc=%s", vouch_arc_result_name(c->result));
	vhdr_word(h, m, 1);
	vhdr_comment(h, c->reason);
	if (c->result == VOUCH_ARC_PASS && c->oldest_pass > 0) {
		snprintf(m, sizeof(m), "%u", c->oldest_pass);
		vhdr_prop(h, "header.oldest-pass", m, VHDR_TOKEN);
	}
	if (a->ip != NULL)
		vhdr_prop(h, "smtp.remote-ip", a->ip, VHDR_TOKEN);
}

static char *
header(const struct vouch_auth *a, int with_arc);

char *
vouch_auth_header(const struct vouch_auth *a)
{
	return header(a, 0);
}

enum vouch_status
vouch_auth_seal(const struct vouch_auth *a, struct vouch_arc_sealer *s,
    char **headers, struct vouch_error *err)
{
	char *ar = header(a, 1);
	const char *p;
	enum vouch_status st;

	if (ar == NULL)
		return vouch__err(err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	/* the AAR carries this hop's results: our field without its name */
	p = ar + strlen("Authentication-Results:");
	while (*p == ' ')
		p++;
	st = vouch_arc_sealer_finish(s, arc_of(a)->result, p, headers, err);
	free(ar);
	return st;
}

static char *
header(const struct vouch_auth *a, int with_arc)
{
	struct vhdr h;
	size_t i, n = vouch_auth_dkim_count(a);

	vhdr_init(&h, "Authentication-Results");
	vhdr_prop(&h, NULL, a->ctx->authserv, VHDR_VALUE);
	if (a->auth_user != NULL) {
		/* RFC 8601 2.7.4 */
		vhdr_raw(&h, ";");
		vhdr_newline(&h);
		vhdr_raw(&h, "auth=pass");
		vhdr_prop(&h, "smtp.auth", a->auth_user, VHDR_TOKEN);
	}
	vhdr_raw(&h, ";");
	vhdr_newline(&h);
	if (n == 0) {
		const char *why = vouch__dkim_verifier_msg(a->dkim)->error;

		vhdr_raw(&h, "dkim=none");
		vhdr_comment(&h, why != NULL && strncmp(why, "not a message",
		    13) == 0 ? why : "no signature");
	}
	for (i = 0; i < n; i++) {
		if (i > 0) {
			vhdr_raw(&h, ";");
			vhdr_newline(&h);
		}
		vouch__dkim_ar(&h, vouch_auth_dkim_sig(a, i));
	}
	if (a->has_spf) {
		vhdr_raw(&h, ";");
		vhdr_newline(&h);
		vouch__spf_ar(&h, &a->spf);
	}
	vhdr_raw(&h, ";");
	vhdr_newline(&h);
	dmarc_ar(&h, &a->dmarc.pub);
	if (arc_of(a)->result != VOUCH_ARC_NONE || with_arc) {
		vhdr_raw(&h, ";");
		vhdr_newline(&h);
		arc_ar(&h, a);
	}
	return vhdr_take(&h);
}

static enum vouch_status
dmarc_json(struct vbuf *b, const struct vouch_dmarc_verdict *d)
{
	enum vouch_status st;

	st = vbuf_printf(b, "{\"result\":\"%s\",\"from_domain\":",
	    vouch_dmarc_result_name(d->result));
	if (st == VOUCH_OK)
		st = vouch__json_cstr(b, d->from_domain);
	if (st == VOUCH_OK)
		st = vbuf_adds(b, ",\"policy_domain\":");
	if (st == VOUCH_OK)
		st = vouch__json_cstr(b, d->policy_domain);
	if (st == VOUCH_OK)
		st = vbuf_adds(b, ",\"org_domain\":");
	if (st == VOUCH_OK)
		st = vouch__json_cstr(b, d->org_domain);
	if (st == VOUCH_OK && d->has_policy)
		st = vbuf_printf(b, ",\"policy\":\"%s\"",
		    vouch_dmarc_policy_name(d->policy));
	else if (st == VOUCH_OK)
		st = vbuf_adds(b, ",\"policy\":null");
	if (st == VOUCH_OK)
		st = vbuf_printf(b, ",\"disposition\":\"%s\"",
		    vouch_dmarc_policy_name(d->disposition));
	if (st == VOUCH_OK && d->arc_trusted_instance > 0)
		st = vbuf_printf(b, ",\"arc_trusted_instance\":%u",
		    d->arc_trusted_instance);
	if (st == VOUCH_OK)
		st = vbuf_printf(b, ",\"testing\":%s,\"arc_override\":%s,"
		    "\"dkim_aligned\":", d->testing ? "true" : "false",
		    d->arc_override ? "true" : "false");
	if (st == VOUCH_OK)
		st = vouch__json_cstr(b, d->dkim_aligned);
	if (st == VOUCH_OK)
		st = vbuf_printf(b, ",\"spf_aligned\":%s,\"reason\":",
		    d->spf_aligned ? "true" : "false");
	if (st == VOUCH_OK)
		st = vouch__json_cstr(b, d->reason);
	if (st == VOUCH_OK)
		st = vbuf_addc(b, '}');
	return st;
}

const char *
vouch_auth_field(const struct vouch_auth *a, const char *name, char *buf,
    size_t size)
{
	const struct dkim_msg *m = vouch__dkim_verifier_msg(a->dkim);
	size_t i, n, k = 0, j;

	for (i = 0; i < m->nfields; i++)
		if (dkim_field_is(&m->fields[i], name)) {
			const unsigned char *v = dkim_field_value(&m->fields[i],
			    &n);

			for (j = 0; j < n && k + 1 < size; j++) {
				unsigned char c = v[j] == '\t' ? ' ' : v[j];

				if (c == '\r' || c == '\n' || (c == ' ' &&
				    (k == 0 || buf[k - 1] == ' ')))
					continue;
				buf[k++] = (char)c;
			}
			while (k > 0 && buf[k - 1] == ' ')
				k--;
			buf[k] = '\0';
			return buf;
		}
	return NULL;
}

/* "message_id", "date", "from": which message this is. */
static enum vouch_status
ident_json(struct vbuf *b, const struct vouch_auth *a)
{
	static const char *f[][2] = { { "message_id", "message-id" },
	    { "date", "date" }, { "from", "from" } };
	char buf[1024];
	size_t i;
	enum vouch_status st = VOUCH_OK;

	for (i = 0; i < 3 && st == VOUCH_OK; i++) {
		st = vbuf_printf(b, "\"%s\":", f[i][0]);
		if (st == VOUCH_OK)
			st = vouch__json_cstr(b, vouch_auth_field(a, f[i][1],
			    buf, sizeof(buf)));
		if (st == VOUCH_OK)
			st = vbuf_addc(b, ',');
	}
	return st;
}

static enum vouch_status
arc_json(struct vbuf *b, const struct vouch_arc_verdict *c)
{
	enum vouch_status st;
	size_t i;

	st = vbuf_printf(b, "{\"result\":\"%s\",\"reason\":",
	    vouch_arc_result_name(c->result));
	if (st == VOUCH_OK)
		st = vouch__json_cstr(b, c->reason);
	if (st == VOUCH_OK)
		st = vbuf_printf(b, ",\"instances\":%u,\"oldest_pass\":%u,"
		    "\"sets\":[", c->instances, c->oldest_pass);
	for (i = 0; i < c->nsets && st == VOUCH_OK; i++) {
		const struct vouch_arc_set *s = &c->sets[i];

		st = vbuf_printf(b, "%s{\"instance\":%u,\"domain\":", i ? "," :
		    "", s->instance);
		if (st == VOUCH_OK)
			st = vouch__json_cstr(b, s->domain);
		if (st == VOUCH_OK)
			st = vbuf_adds(b, ",\"selector\":");
		if (st == VOUCH_OK)
			st = vouch__json_cstr(b, s->selector);
		if (st == VOUCH_OK)
			st = vbuf_printf(b, ",\"seal_result\":\"%s\","
			    "\"ams_result\":\"%s\",\"aar\":",
			    vouch_dkim_result_name(s->seal_result),
			    vouch_dkim_result_name(s->ams_result));
		if (st == VOUCH_OK)
			st = vouch__json_cstr(b, s->aar);
		if (st == VOUCH_OK)
			st = vbuf_addc(b, '}');
	}
	if (st == VOUCH_OK)
		st = vbuf_adds(b, "]}");
	return st;
}

char *
vouch_auth_json(const struct vouch_auth *a, const char *source, long index)
{
	struct vbuf b;
	enum vouch_status st = VOUCH_OK;
	size_t i, n = vouch_auth_dkim_count(a);

	vbuf_init(&b, 1 << 22);
	st = vbuf_addc(&b, '{');
	if (st == VOUCH_OK && source != NULL) {
		st = vbuf_adds(&b, "\"source\":");
		if (st == VOUCH_OK)
			st = vouch__json_cstr(&b, source);
		if (st == VOUCH_OK)
			st = vbuf_printf(&b, ",\"index\":%ld,", index);
	}
	if (st == VOUCH_OK)
		st = vbuf_adds(&b, "\"dkim\":[");
	for (i = 0; i < n && st == VOUCH_OK; i++) {
		char *j = vouch_dkim_sig_json(vouch_auth_dkim_sig(a, i));

		st = j == NULL ? VOUCH_E_NOMEM : vbuf_printf(&b, "%s%s",
		    i ? "," : "", j);
		vouch_free(j);
	}
	if (st == VOUCH_OK)
		st = vbuf_adds(&b, "],\"spf\":");
	if (st == VOUCH_OK && a->has_spf) {
		char *j = vouch_spf_verdict_json(&a->spf);

		st = j == NULL ? VOUCH_E_NOMEM : vbuf_adds(&b, j);
		vouch_free(j);
	} else if (st == VOUCH_OK)
		st = vbuf_adds(&b, "null");
	if (st == VOUCH_OK)
		st = vbuf_adds(&b, ",\"dmarc\":");
	if (st == VOUCH_OK)
		st = dmarc_json(&b, &a->dmarc.pub);
	if (st == VOUCH_OK)
		st = vbuf_adds(&b, ",\"arc\":");
	if (st == VOUCH_OK)
		st = arc_json(&b, arc_of(a));
	if (st == VOUCH_OK)
		st = vbuf_addc(&b, ',');
	if (st == VOUCH_OK)
		st = ident_json(&b, a);
	if (st == VOUCH_OK && b.len > 0 && b.data[b.len - 1] == ',')
		b.len--;
	if (st == VOUCH_OK)
		st = vbuf_addc(&b, '}');
	if (st != VOUCH_OK) {
		vbuf_clear(&b);
		return NULL;
	}
	return vbuf_take(&b, NULL);
}

/* "[message-id="..." date="..." from="..."]", escaped, after lead; nothing
 * when the message has none of the three. */
static enum vouch_status
ident_text(struct vbuf *b, const struct vouch_auth *a, const char *lead)
{
	static const char *f[] = { "message-id", "date", "from" };
	char buf[512];
	size_t k;
	int first = 1;
	enum vouch_status st = VOUCH_OK;

	for (k = 0; k < 3 && st == VOUCH_OK; k++) {
		const char *v = vouch_auth_field(a, f[k], buf, sizeof(buf));

		if (v == NULL)
			continue;
		st = vbuf_printf(b, "%s%s=\"", first ? lead : " ", f[k]);
		if (first && st == VOUCH_OK) {
			/* the bracket opens before the first name */
			size_t at = b->len - strlen(f[k]) - 2;

			st = vbuf_addc(b, ' ');
			if (st == VOUCH_OK) {
				memmove(b->data + at + 1, b->data + at,
				    b->len - 1 - at);
				b->data[at] = '[';
			}
		}
		if (st == VOUCH_OK)
			st = vouch__text_esc(b, v);
		if (st == VOUCH_OK)
			st = vbuf_addc(b, '"');
		first = 0;
	}
	if (st == VOUCH_OK && !first)
		st = vbuf_addc(b, ']');
	return st;
}

char *
vouch_auth_ident(const struct vouch_auth *a)
{
	struct vbuf b;

	vbuf_init(&b, 4096);
	if (ident_text(&b, a, "") != VOUCH_OK) {
		vbuf_clear(&b);
		return NULL;
	}
	return vbuf_take(&b, NULL);
}

/* text: outside strings through vouch__text_esc */
#define ESC(s) do { if (st == VOUCH_OK) st = vouch__text_esc(&b, (s)); } while (0)
#define PUT(...) do { if (st == VOUCH_OK) st = vbuf_printf(&b, __VA_ARGS__); } while (0)

char *
vouch_auth_text(const struct vouch_auth *a, const char *source)
{
	struct vbuf b;
	enum vouch_status st = VOUCH_OK;
	const struct vouch_dmarc_verdict *d = &a->dmarc.pub;
	size_t i, n = vouch_auth_dkim_count(a);

	vbuf_init(&b, 1 << 22);
	if (source != NULL) {
		ESC(source);
		PUT(":");
	}
	if (n == 0) {
		const char *why = vouch__dkim_verifier_msg(a->dkim)->error;

		PUT(" dkim=none (%s)", why != NULL && strncmp(why,
		    "not a message", 13) == 0 ? why : "no signature");
	}
	for (i = 0; i < n; i++) {
		const struct vouch_dkim_sig *g = vouch_auth_dkim_sig(a, i);

		PUT("%s dkim=%s d=", i ? ";" : "",
		    vouch_dkim_result_name(g->result));
		ESC(g->domain);
		PUT(" s=");
		ESC(g->selector);
		PUT(" a=");
		ESC(g->algorithm);
		PUT(" (");
		ESC(g->reason);
		PUT(")");
	}
	if (a->has_spf) {
		PUT("; spf=%s %s=", vouch_spf_result_name(a->spf.result),
		    a->spf.identity == VOUCH_SPF_HELO ? "helo" : "mailfrom");
		ESC(a->spf.sender ? a->spf.sender : "");
	}
	PUT("; dmarc=%s", vouch_dmarc_result_name(d->result));
	if (d->from_domain != NULL) {
		PUT(" from=");
		ESC(d->from_domain);
	}
	if (d->has_policy)
		PUT(" p=%s dis=%s", vouch_dmarc_policy_name(d->policy),
		    vouch_dmarc_policy_name(d->disposition));
	PUT(" (");
	ESC(d->reason);
	PUT(")");
	if (arc_of(a)->result != VOUCH_ARC_NONE) {
		PUT("; arc=%s (", vouch_arc_result_name(arc_of(a)->result));
		ESC(arc_of(a)->reason);
		PUT(")");
	}
	if (st == VOUCH_OK)
		st = ident_text(&b, a, " ");
	if (st != VOUCH_OK) {
		vbuf_clear(&b);
		return NULL;
	}
	return vbuf_take(&b, NULL);
}
