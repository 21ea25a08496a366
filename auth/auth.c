/*
 * The inbound verdict (include/vouch/auth.h): DKIM over the message
 * stream, SPF for the connection, DMARC over both, and the
 * Authentication-Results field written through the one header writer.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/auth.h>
#include "auth_int.h"
#include "common/hdr.h"
#include "common/ar.h"
#include "common/domain.h"
#include "common/json.h"
#include "common/util.h"
#include "dns/dns_int.h"
#include "dmarc/dmarc_int.h"

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
	c->parallel = 1;
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

	if (!vouch__dkim_verifier_has_prefix(v, "arc-") ||
	    (a->arc = vouch__arc_new()) == NULL)
		return;
	vouch__arc_collect(a->arc, v);
}

static const struct vouch_arc_verdict arc_none = { VOUCH_ARC_NONE,
    "no ARC sets", 0, 0, 0, NULL };

const struct vouch_arc_verdict *
vouch__auth_arc(const struct vouch_auth *a)
{
	return a->arc != NULL ? vouch__arc_verdict(a->arc) : &arc_none;
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

enum vouch_status
vouch_auth_feed_mboxo(struct vouch_auth *a, const void *data, size_t len)
{
	return vouch_dkim_verifier_feed_mboxo(a->dkim, data, len);
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

/* The author domains of the one From field into doms: their count, or
 * 0 with the permerror's reason written (disposition reject, RFC 7489
 * 6.6.1: mail whose author cannot be told SHOULD be rejected). */
static int
author_domains(struct vouch_auth *a, char **doms)
{
	const char *malformed = vouch__dkim_verifier_malformed(a->dkim);
	const unsigned char *from = NULL;
	size_t flen = 0, nfrom;
	char *r = a->dmarc.reason;
	size_t rl = sizeof(a->dmarc.reason);
	int nd;

	a->dmarc.pub.result = VOUCH_DMARC_PERMERROR;
	a->dmarc.pub.reason = r;
	a->dmarc.pub.disposition = VOUCH_DMARC_P_REJECT;
	nfrom = vouch__dkim_verifier_field(a->dkim, "from", &from, &flen);
	if (malformed != NULL) {
		snprintf(r, rl, "malformed message: %s", malformed);
		return 0;
	}
	if (nfrom != 1) {
		snprintf(r, rl, "%s", nfrom == 0 ? "no From header field" :
		    "several From header fields");
		return 0;
	}
	nd = vouch_dmarc_from_domains((const char *)from, flen, doms,
	    VOUCH_DMARC_MAX_FROM);
	if (nd > 0 && nd <= VOUCH_DMARC_MAX_FROM) {
		a->dmarc.pub.disposition = VOUCH_DMARC_P_NONE;
		return nd;
	}
	snprintf(r, rl, "%s", nd < 0 ? "out of memory" : nd == 0 ?
	    "From has no usable domain" : "From has more than 8 addresses");
	if (nd < 0) {
		a->dmarc.pub.result = VOUCH_DMARC_TEMPERROR;
		a->dmarc.pub.disposition = VOUCH_DMARC_P_NONE;
	}
	return 0;
}

static void
check_dmarc(struct vouch_auth *a)
{
	const char *dkim[VOUCH_DKIM_MAX_SIGS * 100], *spf_domain = NULL;
	char *doms[VOUCH_DMARC_MAX_FROM];
	size_t i, n = vouch_dkim_verifier_count(a->dkim), nd = 0;
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
	nd_from = author_domains(a, doms);
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
	const struct vouch_arc_verdict *c = vouch__auth_arc(a);
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

/*
 * One message's lookups at once: a milter holds the SMTP session while it
 * verifies.  SPF and the DMARC policy discovery depend neither on DKIM
 * nor on each other, so with live DNS they run on their own threads
 * while this one fetches the DKIM keys (and the ARC ones); the DMARC
 * evaluation afterwards finds its records in the DNS cache.  Each part
 * makes the queries it makes alone, in its own order, through the same
 * cache and limits: the results are the same.
 */
struct side {
	struct vouch_auth *a;
	enum vouch_status spf_st;
	struct vouch_error spf_err;
	char *doms[VOUCH_DMARC_MAX_FROM];
	int ndoms;
	pthread_t spf_t, dmarc_t;
	int spf_on, dmarc_on;
};

static void *
spf_side(void *arg)
{
	struct side *sd = arg;

	sd->spf_st = check_spf(sd->a, &sd->spf_err);
	return NULL;
}

static void *
dmarc_side(void *arg)
{
	struct side *sd = arg;
	struct vouch_dmarc_discovery d;
	int k;

	for (k = 0; k < sd->ndoms; k++)
		if (vouch__dmarc_discover(sd->a->ctx->dns, sd->a->ctx->psl,
		    sd->doms[k], sd->a->ctx->mode, &d, NULL) == VOUCH_OK)
			vouch_dmarc_discovery_clear(&d);
	return NULL;
}

/* Start the side lookups when they can wait on the network. */
static void
side_start(struct vouch_auth *a, struct side *sd)
{
	const unsigned char *from = NULL;
	size_t flen = 0;

	memset(sd, 0, sizeof(*sd));
	sd->a = a;
	if (!a->ctx->parallel || !vouch__dns_waits(a->ctx->dns))
		return;
	/* the From domains now, before DKIM's thread goes on with the
	 * message (known once the header has ended) */
	if (vouch__dkim_verifier_field(a->dkim, "from", &from, &flen) == 1 &&
	    vouch__dkim_verifier_malformed(a->dkim) == NULL)
		sd->ndoms = vouch_dmarc_from_domains((const char *)from, flen,
		    sd->doms, VOUCH_DMARC_MAX_FROM);
	if (sd->ndoms < 0 || sd->ndoms > VOUCH_DMARC_MAX_FROM)
		sd->ndoms = 0;
	vouch__dkim_prefetch_keys(a->dkim);
	sd->spf_on = a->ip != NULL && pthread_create(&sd->spf_t, NULL,
	    spf_side, sd) == 0;
	sd->dmarc_on = sd->ndoms > 0 && pthread_create(&sd->dmarc_t, NULL,
	    dmarc_side, sd) == 0;
}

static void
side_join(struct side *sd)
{
	int k;

	if (sd->spf_on)
		pthread_join(sd->spf_t, NULL);
	if (sd->dmarc_on)
		pthread_join(sd->dmarc_t, NULL);
	for (k = 0; k < sd->ndoms; k++)
		free(sd->doms[k]);
}

enum vouch_status
vouch_auth_finish(struct vouch_auth *a, struct vouch_error *err)
{
	enum vouch_status st;
	struct side sd;

	side_start(a, &sd);
	st = vouch_dkim_verifier_finish(a->dkim, err);
	if (st == VOUCH_OK && a->arc != NULL && !a->too_large)
		vouch__arc_validate(a->arc, a->dkim, a->ctx->dkim);
	side_join(&sd);
	if (st != VOUCH_OK)
		return st;
	if (sd.spf_on && sd.spf_st != VOUCH_OK) {
		if (err != NULL)
			*err = sd.spf_err;
		return sd.spf_st;
	}
	if (a->ip != NULL && !sd.spf_on && (st = check_spf(a, err)) !=
	    VOUCH_OK)
		return st;
	check_dmarc(a);
	arc_override(a);
	return VOUCH_OK;
}

void
vouch_auth_ctx_set_parallel(struct vouch_auth_ctx *ctx, int on)
{
	ctx->parallel = on != 0;
}

void
vouch_auth_free(struct vouch_auth *a)
{
	if (a == NULL)
		return;
	vouch_dkim_verifier_free(a->dkim);
	vouch_spf_verdict_clear(&a->spf);
	vouch__dmarc_eval_clear(&a->dmarc);
	vouch__arc_free(a->arc);
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
	return vouch__auth_arc(a);
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

