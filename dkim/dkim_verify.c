/*
 * The verifier (RFC 6376 6, RFC 8301, RFC 8463).  Each DKIM-Signature is
 * checked on its own, up to a limit.  Public keys come through the DNS
 * layer and are kept parsed in a cache shared by every verifier of a
 * context, for the TTL of their record.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dkim_int.h"
#include "common/util.h"
#include "common/hdr.h"
#include "common/json.h"
#include "common/domain.h"
#include "dns/dns_int.h"

#define KEYCACHE_MAX 10000

/* ---- key cache -------------------------------------------------------------- */

struct keyent {
	char *name;
	int64_t expires;
	enum vouch_dkim_result fail;	/* PASS = the key is usable */
	char reason[96];
	struct dkim_pubkey key;
	struct keyent *next;
};

struct vouch_dkim_ctx {
	struct vouch_dns *dns;
	int64_t at;
	unsigned int max_sigs;
	int allow_l;
	int allow_sha1;		/* legacy, on request (archives) */
	int at_date;		/* expiry as of each message's Date */
	unsigned int min_bits;	/* RSA keys below are refused */
	pthread_mutex_t mu;
	struct keyent *tab[1024];
	size_t nkeys;
};

struct vouch_dkim_ctx *
vouch_dkim_ctx_new(struct vouch_dns *dns)
{
	struct vouch_dkim_ctx *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->dns = dns;
	c->max_sigs = VOUCH_DKIM_MAX_SIGS;
	c->min_bits = VOUCH_DKIM_MIN_RSA_BITS;
	pthread_mutex_init(&c->mu, NULL);
	return c;
}

static void
keyent_free(struct keyent *e)
{
	dkim_pubkey_clear(&e->key);
	free(e->name);
	free(e);
}

static void
cache_flush(struct vouch_dkim_ctx *c)
{
	size_t i;

	for (i = 0; i < 1024; i++) {
		struct keyent *e = c->tab[i], *n;

		for (; e != NULL; e = n) {
			n = e->next;
			keyent_free(e);
		}
		c->tab[i] = NULL;
	}
	c->nkeys = 0;
}

void
vouch_dkim_ctx_free(struct vouch_dkim_ctx *c)
{
	if (c == NULL)
		return;
	cache_flush(c);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

void
vouch_dkim_ctx_set_time(struct vouch_dkim_ctx *c, int64_t at)
{
	c->at = at;
}

void
vouch_dkim_ctx_set_max_sigs(struct vouch_dkim_ctx *c, unsigned int n)
{
	c->max_sigs = n > 0 ? n : VOUCH_DKIM_MAX_SIGS;
}

void
vouch_dkim_ctx_set_allow_body_length(struct vouch_dkim_ctx *c, int allow)
{
	c->allow_l = allow;
}

void
vouch_dkim_ctx_set_time_from_date(struct vouch_dkim_ctx *c, int on)
{
	c->at_date = on;
}

void
vouch_dkim_ctx_set_legacy(struct vouch_dkim_ctx *c, int allow_sha1,
    unsigned int min_rsa_bits)
{
	c->allow_sha1 = allow_sha1;
	c->min_bits = min_rsa_bits > 0 ? min_rsa_bits :
	    VOUCH_DKIM_MIN_RSA_BITS;
}

static int64_t
now_of(const struct vouch_dkim_ctx *c)
{
	return c->at != 0 ? c->at : (int64_t)time(NULL);
}

/* A copy of the cached outcome (the key is reference counted). */
static int
cache_get(struct vouch_dkim_ctx *c, const char *name, struct keyent *out)
{
	uint64_t h = 5381;
	const char *p;
	struct keyent *e;
	int found = 0;
	int64_t now = (int64_t)time(NULL);

	for (p = name; *p; p++)
		h = h * 33 + (unsigned char)(*p | 0x20);
	pthread_mutex_lock(&c->mu);
	for (e = c->tab[h % 1024]; e != NULL; e = e->next)
		if (strcasecmp(e->name, name) == 0 && e->expires > now) {
			*out = *e;
			if (out->key.pkey != NULL)
				EVP_PKEY_up_ref(out->key.pkey);
			found = 1;
			break;
		}
	pthread_mutex_unlock(&c->mu);
	return found;
}

static void
cache_put(struct vouch_dkim_ctx *c, const char *name, const struct keyent *v,
    uint32_t ttl)
{
	uint64_t h = 5381;
	const char *p;
	struct keyent *e;

	if (ttl == 0 || (e = calloc(1, sizeof(*e))) == NULL)
		return;
	*e = *v;
	if ((e->name = strdup(name)) == NULL) {
		free(e);
		return;
	}
	if (e->key.pkey != NULL)
		EVP_PKEY_up_ref(e->key.pkey);
	e->expires = (int64_t)time(NULL) + ttl;
	for (p = name; *p; p++)
		h = h * 33 + (unsigned char)(*p | 0x20);
	pthread_mutex_lock(&c->mu);
	if (c->nkeys >= KEYCACHE_MAX)
		cache_flush(c);	/* rare; correctness over cleverness */
	e->next = c->tab[h % 1024];
	c->tab[h % 1024] = e;
	c->nkeys++;
	pthread_mutex_unlock(&c->mu);
}

/* Labels of letters, digits, '-' and '_', 1 to 63 each, 253 in all; at
 * least two labels when a domain (not a selector) is wanted. */
static int
name_syntax_ok(const char *d, int domain)
{
	size_t n = strlen(d), lab = 0, i, dots = 0;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
			dots++;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_') {
			if (++lab > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return lab > 0 && (!domain || dots > 0);
}

/* The one key record of an answer, parsed into out. */
static void
key_from_answer(const struct vouch_dns_answer *a, struct keyent *out)
{
	char m[sizeof(out->reason)];
	const char *txt;
	size_t n = 0;

	if (vouch_dns_answer_count(a) > 1) {
		out->fail = VOUCH_DKIM_PERMERROR;
		snprintf(out->reason, sizeof(out->reason),
		    "several key records at the selector");
		return;
	}
	txt = (const char *)vouch_dns_answer_data(a, 0, &n, NULL);
	if (dkim_pubkey_parse(txt, n, &out->key, out->reason,
	    sizeof(out->reason)) != VOUCH_OK) {
		dkim_pubkey_clear(&out->key);
		out->fail = VOUCH_DKIM_PERMERROR;
		snprintf(m, sizeof(m), "bad key record: %.78s", out->reason);
		memcpy(out->reason, m, sizeof(m));
	} else if (out->key.revoked) {
		out->fail = VOUCH_DKIM_PERMERROR;
		snprintf(out->reason, sizeof(out->reason), "key revoked");
	}
}

/* Fetch and parse the key of selector s in domain d (RFC 6376 6.1.2). */
static void
fetch_key(struct vouch_dkim_ctx *c, const char *s, const char *d,
    struct keyent *out)
{
	struct vouch_dns_answer *a = NULL;
	char name[600];
	uint32_t ttl = 0;

	memset(out, 0, sizeof(*out));
	if (!name_syntax_ok(s, 0) || !name_syntax_ok(d, 1)) {
		/* never looked up, never recorded (ARC's d= and s= too) */
		out->fail = VOUCH_DKIM_PERMERROR;
		snprintf(out->reason, sizeof(out->reason), "selector or "
		    "domain is not a domain name");
		return;
	}
	snprintf(name, sizeof(name), "%s._domainkey.%s", s, d);
	if (cache_get(c, name, out))
		return;
	if (vouch_dns_query(c->dns, name, VOUCH_DNS_TXT, &a, NULL) !=
	    VOUCH_OK) {
		out->fail = VOUCH_DKIM_TEMPERROR;
		snprintf(out->reason, sizeof(out->reason), "out of memory");
		return;
	}
	ttl = vouch_dns_answer_ttl(a);
	switch (vouch_dns_answer_rcode(a)) {
	case VOUCH_DNS_ANSWER:
		break;
	case VOUCH_DNS_NXDOMAIN:
	case VOUCH_DNS_NODATA:
		out->fail = VOUCH_DKIM_PERMERROR;
		snprintf(out->reason, sizeof(out->reason), "key not found: "
		    "%s", vouch_dns_answer_rcode(a) == VOUCH_DNS_NXDOMAIN ?
		    "no such name" : "no TXT record");
		goto done;
	default:
		out->fail = VOUCH_DKIM_TEMPERROR;
		snprintf(out->reason, sizeof(out->reason), "DNS timeout or "
		    "server failure for the key");
		ttl = 0;
		goto done;
	}
	key_from_answer(a, out);
done:
	vouch_dns_answer_free(a);
	cache_put(c, name, out, ttl);
}

enum vouch_dkim_result
vouch__dkim_key_get(struct vouch_dkim_ctx *c, const char *s, const char *d,
    struct dkim_pubkey *key, char *why, size_t whylen)
{
	struct keyent k;

	fetch_key(c, s, d, &k);
	snprintf(why, whylen, "%s", k.reason);
	if (k.fail != VOUCH_DKIM_PASS) {
		dkim_pubkey_clear(&k.key);
		return k.fail;
	}
	*key = k.key;
	return VOUCH_DKIM_PASS;
}

int64_t
vouch__dkim_ctx_now(const struct vouch_dkim_ctx *c)
{
	return now_of(c);
}

/* ---- signatures --------------------------------------------------------------- */

struct vsig {
	struct vouch_dkim_sig pub;
	char reason[160];
	char *d, *s, *a, *i, *b;
	int bad;		/* result fixed before crypto */
	const struct dkim_field *field;
	enum vouch_dkim_canon hc, bc;
	enum vouch_dkim_keytype kt;
	uint64_t l;		/* UINT64_MAX when absent */
	int64_t t, x;		/* -1 when absent */
	unsigned char *bh, *sig;
	size_t bhlen, siglen;
	const char *h;		/* h= value in the field */
	size_t hlen;
	int hasher;		/* index into v->hash */
	int sha1;		/* a=rsa-sha1, accepted on request */
};

struct vouch_dkim_verifier {
	struct vouch_dkim_ctx *ctx;
	struct dkim_msg msg;
	struct vsig *sigs;
	size_t nsigs;
	struct dkim_body_hash *hash[DKIM_MAX_HASHERS];	/* on demand */
	unsigned char digest[DKIM_MAX_HASHERS][32];
	int digest_ok[DKIM_MAX_HASHERS];
	void (*hdr_fn)(void *, struct vouch_dkim_verifier *);
	void *hdr_arg;
	int64_t date;		/* the Date field as time: 0 unread, -1 none */
	size_t nhash;
	int parsed;
	enum vouch_status error;
	uint64_t cut;		/* the message was cut at this size (bytes) */
};

static void
sig_fail(struct vsig *g, enum vouch_dkim_result r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
sig_fail(struct vsig *g, enum vouch_dkim_result r, const char *fmt, ...)
{
	va_list ap;

	if (g->bad)
		return;
	g->bad = 1;
	g->pub.result = r;
	va_start(ap, fmt);
	vsnprintf(g->reason, sizeof(g->reason), fmt, ap);
	va_end(ap);
}

static char *
tag_str(const struct dkim_tags *t, const char *name)
{
	const struct dkim_tag *g = dkim_tags_get(t, name);

	return g != NULL ? strndup(g->val, g->vlen) : NULL;
}

static int
parse_num(const struct dkim_tags *t, const char *name, int64_t *out)
{
	const struct dkim_tag *g = dkim_tags_get(t, name);
	uint64_t v;

	*out = -1;
	if (g == NULL)
		return 0;
	/* RFC 6376 3.5: 1*12DIGIT for t= and x=, 1*76DIGIT for l= */
	if (vouch__parse_u64(g->val, g->vlen, (uint64_t)INT64_MAX, &v) != 0)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static int
parse_canon(const char *c, size_t n, struct vsig *g)
{
	const char *slash = memchr(c, '/', n);
	size_t hn = slash != NULL ? (size_t)(slash - c) : n;

	g->hc = g->bc = VOUCH_DKIM_SIMPLE;
	if (hn == 7 && memcmp(c, "relaxed", 7) == 0)
		g->hc = VOUCH_DKIM_RELAXED;
	else if (!(hn == 6 && memcmp(c, "simple", 6) == 0))
		return -1;
	if (slash == NULL)
		return 0;
	n -= hn + 1;
	c = slash + 1;
	if (n == 7 && memcmp(c, "relaxed", 7) == 0)
		g->bc = VOUCH_DKIM_RELAXED;
	else if (!(n == 6 && memcmp(c, "simple", 6) == 0))
		return -1;
	return 0;
}

static int
h_has_from(const char *h, size_t n)
{
	const char *name;
	size_t pos = 0, nl;

	while (dkim_list_next(h, n, ':', &pos, &name, &nl))
		if (nl == 4 && vouch__memcaseeq(name, "from", 4))
			return 1;
	return 0;
}

static unsigned char *
b64_tag(const struct dkim_tags *t, const char *name, size_t *len)
{
	const struct dkim_tag *g = dkim_tags_get(t, name);
	enum vouch_status st;

	/* the decoder skips the folding whitespace itself */
	if (g == NULL)
		return NULL;
	return vouch__b64_decode(g->val, g->vlen, len, &st);
}

/* "Now" for expiry: the context's time, or the message's own Date. */
static int64_t
verifier_now(struct vouch_dkim_verifier *v)
{
	size_t i, n;

	if (!v->ctx->at_date)
		return now_of(v->ctx);
	if (v->date == 0) {
		v->date = -1;
		for (i = 0; i < v->msg.nfields; i++)
			if (dkim_field_is(&v->msg.fields[i], "date")) {
				const unsigned char *d = dkim_field_value(
				    &v->msg.fields[i], &n);

				v->date = vouch__rfc5322_date((const char *)d, n);
				break;
			}
	}
	return v->date > 0 ? v->date : now_of(v->ctx);
}

/* RFC 6376 3.5 and 6.1.1: the tags of one signature. */
/* q= is a colon-separated list; unknown methods are ignored, and one of
 * them must be exactly dns/txt (RFC 6376 3.5). */
static int
q_has_dns_txt(const struct dkim_tag *t)
{
	const char *e;
	size_t pos = 0, n;

	while (dkim_list_next(t->val, t->vlen, ':', &pos, &e, &n))
		if (n == 7 && memcmp(e, "dns/txt", 7) == 0)
			return 1;
	return 0;
}

/* Replace *name by its A-label form; -1 when it is not a name. */
static int
to_alabel(char **name, int domain)
{
	char *a;

	if (*name == NULL || vouch__domain_alabel(*name, &a) != VOUCH_OK)
		return -1;
	if (!name_syntax_ok(a, domain)) {
		free(a);
		return -1;
	}
	free(*name);
	*name = a;
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* i= is dkim-quoted-printable (RFC 6376 2.11): FWS dropped, =XX decoded;
 * then its domain as an A-label.  NULL when either is malformed. */
static char *
auid_decode(const struct dkim_tag *t)
{
	char *r = malloc(t->vlen + 1), *dom = NULL, *at, *out;
	size_t i, n = 0;

	if (r == NULL)
		return NULL;
	for (i = 0; i < t->vlen; i++) {
		char c = t->val[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			int hi, lo;

			if (i + 2 >= t->vlen)
				goto bad;
			hi = hexval(t->val[i + 1]);
			lo = hexval(t->val[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				goto bad;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		r[n++] = c;
	}
	r[n] = '\0';
	if ((at = strrchr(r, '@')) == NULL || vouch__domain_alabel(at + 1,
	    &dom) != VOUCH_OK)
		goto bad;
	n = (size_t)(at - r) + 1;
	if ((out = malloc(n + strlen(dom) + 1)) == NULL)
		goto bad;
	memcpy(out, r, n);
	strcpy(out + n, dom);
	free(dom);
	free(r);
	return out;
bad:
	free(dom);
	free(r);
	return NULL;
}

/* Required tags, v=, d= and s= as names, a=: 0, or -1 (g failed). */
static int
sig_names(struct vouch_dkim_verifier *v, struct vsig *g,
    const struct dkim_tags *tags)
{
	static const char *required[] = { "v", "a", "b", "bh", "d", "h", "s" };
	const struct dkim_tag *t;
	size_t k;

	for (k = 0; k < sizeof(required) / sizeof(required[0]); k++)
		if (dkim_tags_get(tags, required[k]) == NULL) {
			sig_fail(g, VOUCH_DKIM_PERMERROR, "syntax error in tag "
			    "%s: required tag missing", required[k]);
			return -1;
		}
	t = dkim_tags_get(tags, "v");
	if (t->vlen != 1 || t->val[0] != '1') {
		sig_fail(g, VOUCH_DKIM_PERMERROR, "syntax error in tag v: "
		    "version is not 1");
		return -1;
	}
	/* names looked up and compared as A-labels, and only names that are
	 * domain names (RFC 6376 3.5, RFC 8616 4): nothing else reaches DNS */
	if (to_alabel(&g->d, 1) != 0) {
		sig_fail(g, VOUCH_DKIM_PERMERROR, "syntax error in tag d: not "
		    "a domain name");
		return -1;
	}
	if (to_alabel(&g->s, 0) != 0) {
		sig_fail(g, VOUCH_DKIM_PERMERROR, "syntax error in tag s: not "
		    "a selector (RFC 6376 3.1)");
		return -1;
	}
	if (strcmp(g->a, "rsa-sha256") == 0)
		g->kt = VOUCH_DKIM_RSA;
	else if (strcmp(g->a, "ed25519-sha256") == 0)
		g->kt = VOUCH_DKIM_ED25519;
	else if (strcmp(g->a, "rsa-sha1") == 0 && v->ctx->allow_sha1) {
		g->kt = VOUCH_DKIM_RSA;
		g->sha1 = 1;
	} else {
		sig_fail(g, VOUCH_DKIM_PERMERROR, strcmp(g->a, "rsa-sha1") == 0 ?
		    "rsa-sha1 refused by RFC 8301" : "syntax error in tag a: "
		    "unknown algorithm");
		return -1;
	}
	return 0;
}

/* c=, q=, h= and i=: 0, or -1 (g failed). */
static int
sig_scope(struct vsig *g, const struct dkim_tags *tags)
{
	const struct dkim_tag *t;

	if ((t = dkim_tags_get(tags, "c")) != NULL &&
	    parse_canon(t->val, t->vlen, g) != 0) {
		sig_fail(g, VOUCH_DKIM_PERMERROR, "syntax error in tag c");
		return -1;
	}
	if ((t = dkim_tags_get(tags, "q")) != NULL && !q_has_dns_txt(t)) {
		sig_fail(g, VOUCH_DKIM_PERMERROR, "syntax error in tag q: no "
		    "dns/txt among the query methods (RFC 6376 3.5)");
		return -1;
	}
	t = dkim_tags_get(tags, "h");
	g->h = t->val;
	g->hlen = t->vlen;
	if (!h_has_from(g->h, g->hlen)) {
		sig_fail(g, VOUCH_DKIM_PERMERROR, "From not signed: h= lacks "
		    "from, RFC 6376 5.4");
		return -1;
	}
	if ((t = dkim_tags_get(tags, "i")) == NULL) {
		size_t n = strlen(g->d) + 2;

		if ((g->i = malloc(n)) != NULL)
			snprintf(g->i, n, "@%s", g->d);
	} else if ((g->i = auid_decode(t)) == NULL) {
		sig_fail(g, VOUCH_DKIM_PERMERROR, "syntax error in tag i: bad "
		    "dkim-quoted-printable or domain (RFC 6376 2.11, 3.5)");
		return -1;
	} else if (!dkim_auid_in_domain(g->i, g->d, 0)) {
		sig_fail(g, VOUCH_DKIM_PERMERROR, "syntax error in tag i: not "
		    "in d=%s", g->d);
		return -1;
	}
	return 0;
}

/* l=, t=, x=, bh=, b= and expiry: 0, or -1 (g failed). */
static int
sig_values(struct vouch_dkim_verifier *v, struct vsig *g,
    const struct dkim_tags *tags)
{
	int64_t l;

	if (parse_num(tags, "l", &l) != 0 || parse_num(tags, "t", &g->t) != 0 ||
	    parse_num(tags, "x", &g->x) != 0) {
		sig_fail(g, VOUCH_DKIM_PERMERROR, "syntax error in tag %s",
		    parse_num(tags, "l", &l) != 0 ? "l" : parse_num(tags, "t",
		    &g->t) != 0 ? "t" : "x");
		return -1;
	}
	if (l >= 0)
		g->l = (uint64_t)l;
	if (g->x >= 0 && g->t >= 0 && g->x < g->t) {
		sig_fail(g, VOUCH_DKIM_PERMERROR, "syntax error in tag x: "
		    "before t=");
		return -1;
	}
	if ((g->bh = b64_tag(tags, "bh", &g->bhlen)) == NULL ||
	    g->bhlen != (g->sha1 ? 20u : 32u)) {
		sig_fail(g, VOUCH_DKIM_PERMERROR, "syntax error in tag bh");
		return -1;
	}
	if ((g->sig = b64_tag(tags, "b", &g->siglen)) == NULL ||
	    g->siglen == 0) {
		sig_fail(g, VOUCH_DKIM_PERMERROR, "syntax error in tag b");
		return -1;
	}
	if (g->x >= 0 && g->x < verifier_now(v)) {
		sig_fail(g, VOUCH_DKIM_FAIL, "signature expired");
		return -1;
	}
	return 0;
}

static void
parse_sig(struct vouch_dkim_verifier *v, struct vsig *g)
{
	struct dkim_tags tags;
	const struct dkim_tag *t;
	const unsigned char *val;
	size_t vlen;
	char why[128];

	g->l = UINT64_MAX;
	val = dkim_field_value(g->field, &vlen);
	if (dkim_tags_parse((const char *)val, vlen, &tags, why, sizeof(why))
	    != VOUCH_OK) {
		sig_fail(g, VOUCH_DKIM_PERMERROR, "%s", why);
		return;
	}
	g->d = tag_str(&tags, "d");
	g->s = tag_str(&tags, "s");
	g->a = tag_str(&tags, "a");
	if ((t = dkim_tags_get(&tags, "b")) != NULL)
		g->b = dkim_tag_nows(t);
	if (sig_names(v, g, &tags) == 0 && sig_scope(g, &tags) == 0)
		(void)sig_values(v, g, &tags);
}

/* One hasher per distinct (body canonicalization, l=); -1 when no more
 * can be had. */
static int
hasher_for(struct vouch_dkim_verifier *v, enum vouch_dkim_canon c,
    uint64_t l, int sha1)
{
	size_t i;

	for (i = 0; i < v->nhash; i++)
		if (v->hash[i]->canon == c && v->hash[i]->limit == l &&
		    v->hash[i]->sha1 == sha1)
			return (int)i;
	if (v->nhash == DKIM_MAX_HASHERS ||
	    (v->hash[v->nhash] = malloc(sizeof(struct dkim_body_hash))) ==
	    NULL)
		return -1;
	if (dkim_body_init_md(v->hash[v->nhash], c, l, sha1) != VOUCH_OK) {
		free(v->hash[v->nhash]);
		return -1;
	}
	return (int)v->nhash++;
}

int
vouch__dkim_body_hasher(struct vouch_dkim_verifier *v,
    enum vouch_dkim_canon c, uint64_t l)
{
	return hasher_for(v, c, l, 0);
}

const unsigned char *
vouch__dkim_body_digest(const struct vouch_dkim_verifier *v, int i,
    uint64_t *total)
{
	if (i < 0 || (size_t)i >= v->nhash || !v->digest_ok[i])
		return NULL;
	if (total != NULL)
		*total = v->hash[i]->total;
	return v->digest[i];
}

void
vouch__dkim_verifier_on_header(struct vouch_dkim_verifier *v,
    void (*fn)(void *arg, struct vouch_dkim_verifier *v), void *arg)
{
	v->hdr_fn = fn;
	v->hdr_arg = arg;
}

static void
assign_hasher(struct vouch_dkim_verifier *v, struct vsig *g)
{
	if ((g->hasher = hasher_for(v, g->bc, g->l, g->sha1)) < 0)
		sig_fail(g, VOUCH_DKIM_TEMPERROR, "out of memory");
}

static void parse_dkim_sigs(struct vouch_dkim_verifier *v);

/* The header is complete: DKIM signatures, then whoever else wants body
 * hashes (ARC), before the body streams. */
static void
parse_sigs(struct vouch_dkim_verifier *v)
{
	v->parsed = 1;
	parse_dkim_sigs(v);
	if (v->hdr_fn != NULL)
		v->hdr_fn(v->hdr_arg, v);
}

static void
parse_dkim_sigs(struct vouch_dkim_verifier *v)
{
	size_t i, n = 0;

	for (i = 0; i < v->msg.nfields; i++)
		if (dkim_field_is(&v->msg.fields[i], "dkim-signature"))
			n++;
	if (n > v->ctx->max_sigs)
		n = v->ctx->max_sigs;
	if (n == 0)
		return;
	if ((v->sigs = calloc(n, sizeof(*v->sigs))) == NULL) {
		v->error = VOUCH_E_NOMEM;
		return;
	}
	for (i = 0; i < v->msg.nfields && v->nsigs < n; i++) {
		struct vsig *g;

		if (!dkim_field_is(&v->msg.fields[i], "dkim-signature"))
			continue;
		g = &v->sigs[v->nsigs++];
		g->field = &v->msg.fields[i];
		g->hasher = -1;
		if (v->msg.error != NULL)
			sig_fail(g, VOUCH_DKIM_PERMERROR, "malformed message: %s",
			    v->msg.error);
		else
			parse_sig(v, g);
		if (!g->bad)
			assign_hasher(v, g);
	}
}

static void
on_body(void *arg, const unsigned char *p, size_t n)
{
	struct vouch_dkim_verifier *v = arg;
	size_t i;

	if (!v->parsed)
		parse_sigs(v);
	for (i = 0; i < v->nhash; i++)
		dkim_body_update(v->hash[i], p, n);
}

enum vouch_status
vouch_dkim_verifier_new(struct vouch_dkim_ctx *ctx,
    struct vouch_dkim_verifier **out)
{
	struct vouch_dkim_verifier *v;

	if (ctx == NULL || out == NULL)
		return VOUCH_E_INVAL;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return VOUCH_E_NOMEM;
	v->ctx = ctx;
	dkim_msg_init(&v->msg, on_body, v);
	*out = v;
	return VOUCH_OK;
}

enum vouch_status
vouch_dkim_verifier_feed(struct vouch_dkim_verifier *v, const void *data,
    size_t len)
{
	enum vouch_status st = dkim_msg_feed(&v->msg, data, len);

	/* A header past the bound: keep going so every signature gets a
	 * result; the message is malformed. */
	return st == VOUCH_E_LIMIT ? VOUCH_OK : st;
}

/* The signature field with the b= value removed (RFC 6376 3.7). */
enum vouch_status
dkim_strip_b(const struct dkim_field *f, struct vbuf *out)
{
	const unsigned char *p = f->raw, *end = f->raw + f->len;
	const unsigned char *q = p + f->colon + 1;

	/* find the tag named exactly "b" */
	while (q < end) {
		const unsigned char *s = q, *e;

		while (q < end && *q != ';')
			q++;
		while (s < q && strchr(" \t\r\n", *s) != NULL)
			s++;
		for (e = s; e < q && *e != '=' && strchr(" \t\r\n", *e) == NULL;
		    e++)
			;
		if (e - s == 1 && *s == 'b') {
			const unsigned char *eq = memchr(s, '=', (size_t)(q - s));

			if (eq != NULL) {
				enum vouch_status st = vbuf_add(out, p,
				    (size_t)(eq + 1 - p));

				if (st == VOUCH_OK)
					st = vbuf_add(out, q, (size_t)(end - q));
				return st;
			}
		}
		if (q < end)
			q++;
	}
	return vbuf_add(out, p, f->len);
}

/* Is the key fit for this signature (RFC 6376 3.6.1, RFC 8301)? */
static int
key_fits(struct vouch_dkim_verifier *v, struct vsig *g,
    const struct dkim_pubkey *k)
{
	if (k->type != g->kt)
		sig_fail(g, VOUCH_DKIM_PERMERROR, "key type mismatch: a=%s, "
		    "key is %s", g->a, k->type == VOUCH_DKIM_RSA ? "rsa" :
		    "ed25519");
	else if (g->sha1 ? !k->sha1_ok : !k->sha256_ok)
		sig_fail(g, VOUCH_DKIM_PERMERROR, "hash not allowed by the "
		    "key's h=");
	else if (k->type == VOUCH_DKIM_RSA && k->bits < v->ctx->min_bits)
		sig_fail(g, VOUCH_DKIM_PERMERROR, "key too small: %u bits, "
		    "RFC 8301 wants 1024 or more%s", k->bits,
		    v->ctx->min_bits < VOUCH_DKIM_MIN_RSA_BITS ?
		    " (and --min-key-bits is higher)" : "");
	else if (k->strict && !dkim_auid_in_domain(g->i, g->d, 1))
		sig_fail(g, VOUCH_DKIM_PERMERROR, "i= is a subdomain but the "
		    "key has t=s");
	return !g->bad;
}

/* The header hash (h= fields, then the signature without b=) checked
 * against b= with the key. */
static void
check_header_sig(struct vouch_dkim_verifier *v, struct vsig *g,
    const struct dkim_pubkey *k)
{
	struct vbuf data, sf;
	enum vouch_status st;

	vbuf_init(&data, VOUCH_DKIM_MAX_HEADER * 2);
	vbuf_init(&sf, VOUCH_DKIM_MAX_HEADER);
	/* room for the usual case in one allocation each */
	vbuf_reserve(&data, v->msg.hdr.len + 64);
	vbuf_reserve(&sf, g->field->len + 16);
	if ((st = dkim_hash_headers(&v->msg, g->h, g->hlen, g->hc, &data)) ==
	    VOUCH_E_LIMIT) {
		sig_fail(g, VOUCH_DKIM_PERMERROR, "h= lists too many fields: "
		    "the message's signatures name over %u in all",
		    VOUCH_DKIM_MAX_H_WORK);
	} else if (st != VOUCH_OK || dkim_strip_b(g->field, &sf) != VOUCH_OK ||
	    dkim_canon_header(&data, sf.data, sf.len, g->hc, 1) != VOUCH_OK) {
		sig_fail(g, VOUCH_DKIM_TEMPERROR, "out of memory");
	} else if (g->sha1 ? !dkim_crypto_verify_sha1(k->pkey, data.data,
	    data.len, g->sig, g->siglen) : !dkim_crypto_verify(k->pkey,
	    g->kt, data.data, data.len, g->sig, g->siglen)) {
		sig_fail(g, VOUCH_DKIM_FAIL, "signature mismatch: headers "
		    "changed, or another key signed");
	}
	vbuf_clear(&data);
	vbuf_clear(&sf);
}

/* The body hash against bh=, and l= (RFC 6376 3.5, 8.2). */
static void
check_body(struct vouch_dkim_verifier *v, struct vsig *g)
{
	struct dkim_body_hash *h = v->hash[g->hasher];

	if (!v->digest_ok[g->hasher])
		sig_fail(g, VOUCH_DKIM_TEMPERROR, "hash failure");
	else if (g->l != UINT64_MAX && g->l > h->total)
		sig_fail(g, VOUCH_DKIM_FAIL, "l=%llu is longer than the body "
		    "(%llu bytes)", (unsigned long long)g->l,
		    (unsigned long long)h->total);
	else if (memcmp(v->digest[g->hasher], g->bh, g->bhlen) != 0)
		sig_fail(g, VOUCH_DKIM_FAIL, "body hash mismatch: the body "
		    "changed");
	else if (g->l != UINT64_MAX && g->l < h->total && !v->ctx->allow_l)
		sig_fail(g, VOUCH_DKIM_POLICY, "l= covers %llu of %llu body "
		    "bytes", (unsigned long long)g->l,
		    (unsigned long long)h->total);
}

static void
check_sig(struct vouch_dkim_verifier *v, struct vsig *g)
{
	struct keyent k;

	fetch_key(v->ctx, g->s, g->d, &k);
	if (k.fail != VOUCH_DKIM_PASS) {
		sig_fail(g, k.fail, "%s", k.reason);
		goto out;
	}
	g->pub.key_bits = k.key.bits;
	g->pub.testing = k.key.testing;
	if (!key_fits(v, g, &k.key))
		goto out;
	check_header_sig(v, g, &k.key);
	if (!g->bad)
		check_body(v, g);
	if (g->bad)
		goto out;
	g->pub.result = VOUCH_DKIM_PASS;
	snprintf(g->reason, sizeof(g->reason), "%s", k.key.testing ?
	    "good signature, key in testing mode" : "good signature");
	/* a pass only the legacy options allow says so (RFC 8301) */
	if (g->sha1 || (k.key.type == VOUCH_DKIM_RSA &&
	    k.key.bits < VOUCH_DKIM_MIN_RSA_BITS)) {
		size_t n = strlen(g->reason);

		g->pub.legacy = 1;
		snprintf(g->reason + n, sizeof(g->reason) - n, "%s%s",
		    g->sha1 ? "; rsa-sha1 accepted by --allow-sha1; RFC 8301 "
		    "refuses it" : "", k.key.type == VOUCH_DKIM_RSA &&
		    k.key.bits < VOUCH_DKIM_MIN_RSA_BITS ? "; a key under 1024 "
		    "bits accepted by --min-key-bits; RFC 8301 refuses it" :
		    "");
	}
out:
	dkim_pubkey_clear(&k.key);
}

/*
 * RFC 6376 8.15 and 5.4: a message with several From fields, or none,
 * must not verify, whichever of them a signature covers (the signer
 * refuses such messages too).
 */
static void
check_from(struct vouch_dkim_verifier *v)
{
	size_t i, n = 0;

	if (v->msg.error != NULL)
		return;		/* every signature already says why */
	for (i = 0; i < v->msg.nfields; i++)
		if (dkim_field_is(&v->msg.fields[i], "from"))
			n++;
	if (n == 1)
		return;
	for (i = 0; i < v->nsigs; i++)
		sig_fail(&v->sigs[i], VOUCH_DKIM_PERMERROR, n == 0 ?
		    "no From header field (RFC 6376 5.4)" :
		    "several From header fields (RFC 6376 8.15)");
}

/* A header past the bound may have lost its signatures: say so rather
 * than report none. */
static void
add_too_large(struct vouch_dkim_verifier *v)
{
	if ((v->sigs = calloc(1, sizeof(*v->sigs))) == NULL) {
		v->error = VOUCH_E_NOMEM;
		return;
	}
	v->nsigs = 1;
	v->sigs[0].hasher = -1;
	if (v->cut > 0)
		sig_fail(&v->sigs[0], VOUCH_DKIM_PERMERROR, "message too "
		    "large: over %llu bytes, not checked",
		    (unsigned long long)v->cut);
	else
		sig_fail(&v->sigs[0], VOUCH_DKIM_PERMERROR, "header too large: "
		    "over %u bytes, not checked", VOUCH_DKIM_MAX_HEADER);
}

void
vouch__dkim_verifier_cut(struct vouch_dkim_verifier *v, uint64_t limit)
{
	v->cut = limit > 0 ? limit : 1;
}

enum vouch_status
vouch_dkim_verifier_finish(struct vouch_dkim_verifier *v,
    struct vouch_error *err)
{
	size_t i;

	if (dkim_msg_end(&v->msg) != VOUCH_OK)
		v->error = VOUCH_E_NOMEM;
	if (!v->parsed)
		parse_sigs(v);
	if (v->error == VOUCH_OK && (v->msg.too_large || v->cut) &&
	    v->nsigs == 0)
		add_too_large(v);
	for (i = 0; v->cut && i < v->nsigs; i++)
		sig_fail(&v->sigs[i], VOUCH_DKIM_PERMERROR, "message too large: "
		    "over %llu bytes, not checked", (unsigned long long)v->cut);
	if (v->error != VOUCH_OK)
		return vouch__err(err, v->error, NULL, -1, "%s",
		    vouch_strerror(v->error));
	check_from(v);
	for (i = 0; i < v->nhash; i++)
		v->digest_ok[i] = dkim_body_final(v->hash[i], v->digest[i]) ==
		    VOUCH_OK;
	for (i = 0; i < v->nsigs; i++) {
		struct vsig *g = &v->sigs[i];

		if (!g->bad)
			check_sig(v, g);
		else if (g->d != NULL && g->s != NULL &&
		    vouch_dns_is_recording(v->ctx->dns)) {
			/* a snapshot keeps every signature's key, whatever
			 * today's policy (a replay with --allow-sha1 years
			 * later needs the rsa-sha1 key) */
			struct keyent k;

			fetch_key(v->ctx, g->s, g->d, &k);
			dkim_pubkey_clear(&k.key);
		}
		g->pub.reason = g->reason;
		g->pub.domain = g->d != NULL ? g->d : "";
		g->pub.selector = g->s != NULL ? g->s : "";
		g->pub.algorithm = g->a != NULL ? g->a : "";
		g->pub.auid = g->i != NULL ? g->i : "";
		g->pub.b = g->b != NULL ? g->b : "";
	}
	return VOUCH_OK;
}

size_t
vouch_dkim_verifier_count(const struct vouch_dkim_verifier *v)
{
	return v->nsigs;
}

const struct vouch_dkim_sig *
vouch_dkim_verifier_sig(const struct vouch_dkim_verifier *v, size_t i)
{
	return i < v->nsigs ? &v->sigs[i].pub : NULL;
}

const char *
vouch_dkim_verifier_from(const struct vouch_dkim_verifier *v)
{
	return dkim_msg_from(&((struct vouch_dkim_verifier *)v)->msg);
}

const struct dkim_msg *
vouch__dkim_verifier_msg(const struct vouch_dkim_verifier *v)
{
	return &v->msg;
}

void
vouch_dkim_verifier_free(struct vouch_dkim_verifier *v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < v->nsigs; i++) {
		struct vsig *g = &v->sigs[i];

		free(g->d);
		free(g->s);
		free(g->a);
		free(g->i);
		free(g->b);
		free(g->bh);
		free(g->sig);
	}
	for (i = 0; i < v->nhash; i++) {
		dkim_body_clear(v->hash[i]);
		free(v->hash[i]);
	}
	free(v->sigs);
	dkim_msg_clear(&v->msg);
	free(v);
}

const char *
vouch_dkim_result_name(enum vouch_dkim_result r)
{
	static const char *names[] = { "pass", "fail", "neutral", "policy",
	    "temperror", "permerror" };

	return (unsigned)r < 6 ? names[r] : "unknown";
}

void
vouch__dkim_ar(struct vhdr *h, const struct vouch_dkim_sig *g)
{
	char m[64];

	snprintf(m, sizeof(m), "dkim=%s", vouch_dkim_result_name(g->result));
	vhdr_word(h, m, 1);
	vhdr_comment(h, g->reason);
	vhdr_prop(h, "header.d", g->domain[0] ? g->domain : "unknown",
	    VHDR_TOKEN);
	if (g->selector[0])
		vhdr_prop(h, "header.s", g->selector, VHDR_TOKEN);
	if (strlen(g->b) >= 8) {
		char pre[9];

		/* RFC 6008 2: enough of b= to tell signatures apart */
		memcpy(pre, g->b, 8);
		pre[8] = '\0';
		vhdr_prop(h, "header.b", pre, VHDR_TOKEN);
	}
}

char *
vouch_dkim_sig_ar(const struct vouch_dkim_sig *g)
{
	struct vhdr h;

	vhdr_init(&h, NULL);
	vouch__dkim_ar(&h, g);
	return vhdr_take(&h);
}

char *
vouch_dkim_sig_json(const struct vouch_dkim_sig *g)
{
	struct vbuf b;
	enum vouch_status st;

	vbuf_init(&b, 8192);
	st = vbuf_adds(&b, "{\"domain\":");
	if (st == VOUCH_OK)
		st = vouch__json_cstr(&b, g->domain);
	if (st == VOUCH_OK)
		st = vbuf_adds(&b, ",\"selector\":");
	if (st == VOUCH_OK)
		st = vouch__json_cstr(&b, g->selector);
	if (st == VOUCH_OK)
		st = vbuf_adds(&b, ",\"algorithm\":");
	if (st == VOUCH_OK)
		st = vouch__json_cstr(&b, g->algorithm);
	if (st == VOUCH_OK)
		st = vbuf_printf(&b, ",\"result\":\"%s\",\"reason\":",
		    vouch_dkim_result_name(g->result));
	if (st == VOUCH_OK)
		st = vouch__json_cstr(&b, g->reason);
	/* null when no key was read (never a size of 0) */
	if (st == VOUCH_OK && g->key_bits > 0)
		st = vbuf_printf(&b, ",\"key_bits\":%u", g->key_bits);
	else if (st == VOUCH_OK)
		st = vbuf_adds(&b, ",\"key_bits\":null");
	if (st == VOUCH_OK)
		st = vbuf_printf(&b, ",\"testing\":%s,\"legacy\":%s}",
		    g->testing ? "true" : "false", g->legacy ? "true" : "false");
	return vbuf_done(&b, st);
}

int64_t
vouch_date_parse(const char *text)
{
	return vouch__rfc5322_date(text, strlen(text));
}

size_t
vouch__dkim_verifier_field(const struct vouch_dkim_verifier *v,
    const char *name, const unsigned char **value, size_t *len)
{
	size_t i, n = 0;

	for (i = 0; i < v->msg.nfields; i++)
		if (dkim_field_is(&v->msg.fields[i], name) && n++ == 0 &&
		    value != NULL)
			*value = dkim_field_value(&v->msg.fields[i], len);
	return n;
}

int
vouch__dkim_verifier_has_prefix(const struct vouch_dkim_verifier *v,
    const char *prefix)
{
	size_t i, k = strlen(prefix);

	for (i = 0; i < v->msg.nfields; i++)
		if (v->msg.fields[i].namelen > k && vouch__memcaseeq((const
		    char *)v->msg.fields[i].raw, prefix, k))
			return 1;
	return 0;
}

const char *
vouch__dkim_verifier_malformed(const struct vouch_dkim_verifier *v)
{
	return v->msg.error;
}

void
vouch__dkim_prefetch_keys(const struct vouch_dkim_verifier *v)
{
	char name[600];
	size_t i, n = 0;

	for (i = 0; i < v->nsigs && n <= 8; i++) {
		const struct vsig *g = &v->sigs[i];

		if (g->bad || g->d == NULL || g->s == NULL ||
		    !name_syntax_ok(g->s, 0) || !name_syntax_ok(g->d, 1))
			continue;
		/* the first is the verifier's next query anyway */
		if (n++ == 0 || snprintf(name, sizeof(name), "%s._domainkey.%s",
		    g->s, g->d) >= (int)sizeof(name))
			continue;
		vouch__dns_prefetch(v->ctx->dns, name, VOUCH_DNS_TXT);
	}
}
