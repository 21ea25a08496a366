/*
 * ARC chain validation (RFC 8617 5.2).  The sets are found once the
 * header is complete (the DKIM verifier's hook), so each AMS gets its body
 * hash from the same single pass over the body as the DKIM signatures;
 * AMS and AS are checked with dkim/'s canonicalization, key cache and
 * RFC 8301 rules.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc_int.h"
#include "common/util.h"

const char *
vouch_arc_result_name(enum vouch_arc_result r)
{
	static const char *n[] = { "none", "pass", "fail" };

	return (unsigned)r < 3 ? n[r] : "unknown";
}

enum kind { K_NONE, K_AAR, K_AMS, K_AS };

static enum kind
kind_of(const struct dkim_field *f)
{
	if (dkim_field_is(f, "arc-authentication-results"))
		return K_AAR;
	if (dkim_field_is(f, "arc-message-signature"))
		return K_AMS;
	if (dkim_field_is(f, "arc-seal"))
		return K_AS;
	return K_NONE;
}

static int
is_fws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* i= of a tag list, or of an AAR ("i=N; ..."): 1*2DIGIT within 1..50
 * (RFC 8617 4.2.1); 0 when absent or out of range. */
unsigned int
vouch__arc_instance(const struct dkim_field *f)
{
	const unsigned char *v, *e;
	size_t n;
	unsigned int i = 0, digits = 0;

	v = dkim_field_value(f, &n);
	e = v + n;
	/* each tag: [FWS] name [FWS] "=" */
	while (v < e) {
		const unsigned char *s;

		while (v < e && is_fws(*v))
			v++;
		s = v;
		while (v < e && *v != '=' && *v != ';' && !is_fws(*v))
			v++;
		if (v - s == 1 && *s == 'i') {
			while (v < e && is_fws(*v))
				v++;
			if (v >= e || *v != '=')
				return 0;
			for (v++; v < e && is_fws(*v); v++)
				;
			for (; v < e && *v >= '0' && *v <= '9'; v++, digits++)
				i = i * 10 + (unsigned)(*v - '0');
			while (v < e && is_fws(*v))
				v++;
			if (digits == 0 || digits > 2 || (v < e && *v != ';'))
				return 0;
			return i >= 1 && i <= VOUCH_ARC_MAX_INSTANCES ? i : 0;
		}
		while (v < e && *v != ';')
			v++;
		if (v < e)
			v++;
	}
	return 0;
}

static void
structural(struct arc_chain *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
structural(struct arc_chain *c, const char *fmt, ...)
{
	va_list ap;

	if (c->structural[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(c->structural, sizeof(c->structural), fmt, ap);
	va_end(ap);
}

/* RFC 8617 5.2 steps 1-2: the sets and their shape. */
/* The body hash an AMS needs (its c= body canonicalization), asked of
 * the verifier's one pass over the body. */
static void
ask_body_hash(struct arc_hop *h, struct vouch_dkim_verifier *v)
{
	enum vouch_dkim_canon bc = VOUCH_DKIM_SIMPLE;
	const struct dkim_tag *g;
	const unsigned char *val;
	struct dkim_tags t;
	char why[128];
	const char *sl;
	size_t n;

	val = dkim_field_value(h->ams, &n);
	if (dkim_tags_parse((const char *)val, n, &t, why, sizeof(why)) !=
	    VOUCH_OK)
		return;
	if ((g = dkim_tags_get(&t, "c")) != NULL &&
	    (sl = memchr(g->val, '/', g->vlen)) != NULL &&
	    (size_t)(g->val + g->vlen - sl - 1) == 7 &&
	    memcmp(sl + 1, "relaxed", 7) == 0)
		bc = VOUCH_DKIM_RELAXED;
	h->ams_hasher = vouch__dkim_body_hasher(v, bc, UINT64_MAX);
}

void
vouch__arc_collect(struct arc_chain *c, struct vouch_dkim_verifier *v)
{
	const struct dkim_msg *m = vouch__dkim_verifier_msg(v);
	size_t k, seen = 0;
	unsigned int i;

	for (k = 0; k < m->nfields; k++) {
		const struct dkim_field *f = &m->fields[k];
		enum kind kd = kind_of(f);
		const struct dkim_field **slot;

		if (kd == K_NONE)
			continue;
		if (++seen > ARC_MAX_FIELDS) {
			structural(c, "more than %u ARC header fields",
			    ARC_MAX_FIELDS);
			break;
		}
		if ((i = vouch__arc_instance(f)) == 0) {
			structural(c, "an ARC field without a valid i= (1 to "
			    "%u)", VOUCH_ARC_MAX_INSTANCES);
			continue;
		}
		slot = kd == K_AAR ? &c->hop[i].aar : kd == K_AMS ?
		    &c->hop[i].ams : &c->hop[i].as;
		if (*slot != NULL)
			structural(c, "instance %u appears twice", i);
		*slot = f;
		if (i > c->n)
			c->n = i;
	}
	for (i = 1; i <= c->n; i++) {
		struct arc_hop *h = &c->hop[i];

		h->ams_hasher = -1;
		if (h->aar == NULL || h->ams == NULL || h->as == NULL) {
			structural(c, "instance %u is missing or incomplete "
			    "(each needs an AAR, an AMS and an AS)", i);
			continue;
		}
		ask_body_hash(h, v);
	}
}

struct sig {
	const char *a, *d, *s;
	size_t alen, dlen, slen;
	enum vouch_dkim_keytype kt;
	unsigned char *b;
	size_t blen;
	struct dkim_tags t;
};

static char *
dup_tag(const struct dkim_tags *t, const char *name)
{
	const struct dkim_tag *g = dkim_tags_get(t, name);

	return g != NULL ? strndup(g->val, g->vlen) : NULL;
}

/* The tags both AMS and AS need (RFC 8617 4.1.2, 4.1.3). */
static const char *
parse_common(const struct dkim_field *f, struct sig *s, char *why,
    size_t wl)
{
	const unsigned char *val;
	const struct dkim_tag *g;
	size_t n;
	static const char *req[] = { "a", "b", "d", "s", "i" };
	size_t k;
	enum vouch_status st;

	memset(s, 0, sizeof(*s));
	val = dkim_field_value(f, &n);
	if (dkim_tags_parse((const char *)val, n, &s->t, why, wl) != VOUCH_OK)
		return why;
	for (k = 0; k < sizeof(req) / sizeof(req[0]); k++)
		if (dkim_tags_get(&s->t, req[k]) == NULL) {
			snprintf(why, wl, "tag %s= missing", req[k]);
			return why;
		}
	g = dkim_tags_get(&s->t, "a");
	if (g->vlen == 10 && memcmp(g->val, "rsa-sha256", 10) == 0)
		s->kt = VOUCH_DKIM_RSA;
	else if (g->vlen == 14 && memcmp(g->val, "ed25519-sha256", 14) == 0)
		s->kt = VOUCH_DKIM_ED25519;
	else {
		snprintf(why, wl, "a=%.*s is not rsa-sha256 or "
		    "ed25519-sha256 (RFC 8301)", (int)(g->vlen > 20 ? 20 :
		    g->vlen), g->val);
		return why;
	}
	g = dkim_tags_get(&s->t, "d");
	s->d = g->val;
	s->dlen = g->vlen;
	g = dkim_tags_get(&s->t, "s");
	s->s = g->val;
	s->slen = g->vlen;
	if (s->dlen == 0 || s->slen == 0) {
		snprintf(why, wl, "empty d= or s=");
		return why;
	}
	g = dkim_tags_get(&s->t, "b");
	s->b = vouch__b64_decode(g->val, g->vlen, &s->blen, &st);
	if (s->b == NULL || s->blen == 0) {
		snprintf(why, wl, "b= is not base64");
		return why;
	}
	if ((g = dkim_tags_get(&s->t, "t")) != NULL) {
		uint64_t x;

		if (vouch__parse_u64(g->val, g->vlen, 999999999999ULL, &x)) {
			snprintf(why, wl, "t= is not a number");
			return why;
		}
	}
	return NULL;
}

/* Check data against b= with the key of d=/s=: PASS or why not. */
static enum vouch_dkim_result
check_crypto(struct vouch_dkim_ctx *ctx, const struct sig *s,
    const struct vbuf *data, char *why, size_t wl)
{
	struct dkim_pubkey k;
	char d[256], sel[256], kwhy[96];
	enum vouch_dkim_result r;

	if (s->dlen >= sizeof(d) || s->slen >= sizeof(sel)) {
		snprintf(why, wl, "d= or s= too long");
		return VOUCH_DKIM_PERMERROR;
	}
	memcpy(d, s->d, s->dlen);
	d[s->dlen] = '\0';
	memcpy(sel, s->s, s->slen);
	sel[s->slen] = '\0';
	if ((r = vouch__dkim_key_get(ctx, sel, d, &k, kwhy, sizeof(kwhy))) !=
	    VOUCH_DKIM_PASS) {
		snprintf(why, wl, "%s", kwhy);
		return r;
	}
	r = VOUCH_DKIM_PASS;
	if (k.type != s->kt) {
		snprintf(why, wl, "key type does not match a=");
		r = VOUCH_DKIM_PERMERROR;
	} else if (!k.sha256_ok) {
		snprintf(why, wl, "hash not allowed by the key's h=");
		r = VOUCH_DKIM_PERMERROR;
	} else if (k.type == VOUCH_DKIM_RSA &&
	    k.bits < VOUCH_DKIM_MIN_RSA_BITS) {
		snprintf(why, wl, "key too small: %u bits (RFC 8301)", k.bits);
		r = VOUCH_DKIM_PERMERROR;
	} else if (!dkim_crypto_verify(k.pkey, s->kt, data->data, data->len,
	    s->b, s->blen)) {
		snprintf(why, wl, "signature mismatch");
		r = VOUCH_DKIM_FAIL;
	}
	dkim_pubkey_clear(&k);
	return r;
}

/* RFC 8617 5.2 step 4-5: one AMS, verified like a DKIM signature. */
/* h= and bh= present, ARC-Seal not signed (RFC 8617 4.1.2), c= exactly
 * "header[/body]" of simple or relaxed: 0 (*hc set), or -1 with why. */
static int
ams_tags(const struct sig *s, enum vouch_dkim_canon *hc, char *why,
    size_t wl)
{
	const struct dkim_tag *g = dkim_tags_get(&s->t, "h");
	const char *nm, *sl;
	size_t pos = 0, nl, hn, bn;

	if (g == NULL || dkim_tags_get(&s->t, "bh") == NULL) {
		snprintf(why, wl, "tag h= or bh= missing");
		return -1;
	}
	while (dkim_list_next(g->val, g->vlen, ':', &pos, &nm, &nl))
		if (nl == 8 && vouch__memcaseeq(nm, "arc-seal", 8)) {
			snprintf(why, wl, "h= lists ARC-Seal (RFC 8617 4.1.2)");
			return -1;
		}
	*hc = VOUCH_DKIM_SIMPLE;
	if ((g = dkim_tags_get(&s->t, "c")) == NULL)
		return 0;
	/* no prefix is taken for a word (RFC 6376 3.5) */
	sl = memchr(g->val, '/', g->vlen);
	hn = sl != NULL ? (size_t)(sl - g->val) : g->vlen;
	bn = sl != NULL ? g->vlen - hn - 1 : 0;
	if (hn == 7 && memcmp(g->val, "relaxed", 7) == 0)
		*hc = VOUCH_DKIM_RELAXED;
	else if (!(hn == 6 && memcmp(g->val, "simple", 6) == 0))
		hn = 0;
	if (hn == 0 || (sl != NULL && !(bn == 7 && memcmp(sl + 1, "relaxed",
	    7) == 0) && !(bn == 6 && memcmp(sl + 1, "simple", 6) == 0))) {
		snprintf(why, wl, "bad c=");
		return -1;
	}
	return 0;
}

/* bh= against the body hash of the one pass. */
static enum vouch_dkim_result
ams_body(const struct arc_hop *h, const struct sig *s,
    struct vouch_dkim_verifier *v, char *why, size_t wl)
{
	const struct dkim_tag *g = dkim_tags_get(&s->t, "bh");
	const unsigned char *digest;
	enum vouch_dkim_result r = VOUCH_DKIM_PASS;
	enum vouch_status st;
	size_t bhlen = 0;
	unsigned char *bh = vouch__b64_decode(g->val, g->vlen, &bhlen, &st);

	if (bh == NULL || bhlen != 32) {
		snprintf(why, wl, "bad bh=");
		r = VOUCH_DKIM_PERMERROR;
	} else if ((digest = vouch__dkim_body_digest(v, h->ams_hasher, NULL)) ==
	    NULL) {
		snprintf(why, wl, "no body hash");
		r = VOUCH_DKIM_TEMPERROR;
	} else if (memcmp(digest, bh, 32) != 0) {
		snprintf(why, wl, "body hash mismatch: the body changed after "
		    "instance %u", h->pub.instance);
		r = VOUCH_DKIM_FAIL;
	}
	free(bh);
	return r;
}

static enum vouch_dkim_result
check_ams(struct arc_chain *c, struct arc_hop *h, struct vouch_dkim_verifier *v,
    struct vouch_dkim_ctx *ctx)
{
	struct sig s;
	const struct dkim_tag *g;
	enum vouch_dkim_canon hc;
	struct vbuf data, sf;
	enum vouch_status st;
	enum vouch_dkim_result r = VOUCH_DKIM_PERMERROR;
	struct dkim_msg *m = (struct dkim_msg *)vouch__dkim_verifier_msg(v);
	char *why = h->ams_reason;
	size_t wl = sizeof(h->ams_reason);

	(void)c;
	if (parse_common(h->ams, &s, why, wl) != NULL ||
	    ams_tags(&s, &hc, why, wl) != 0 ||
	    (r = ams_body(h, &s, v, why, wl)) != VOUCH_DKIM_PASS)
		goto out;
	g = dkim_tags_get(&s.t, "h");
	vbuf_init(&data, VOUCH_DKIM_MAX_HEADER * 2);
	vbuf_init(&sf, VOUCH_DKIM_MAX_HEADER);
	st = dkim_hash_headers(m, g->val, g->vlen, hc, &data);
	if (st == VOUCH_OK)
		st = dkim_strip_b(h->ams, &sf);
	if (st == VOUCH_OK)
		st = dkim_canon_header(&data, sf.data, sf.len, hc, 1);
	if (st != VOUCH_OK) {
		snprintf(why, wl, "%s", st == VOUCH_E_LIMIT ?
		    "h= lists too many fields" : "out of memory");
		r = st == VOUCH_E_LIMIT ? VOUCH_DKIM_PERMERROR :
		    VOUCH_DKIM_TEMPERROR;
	} else {
		r = check_crypto(ctx, &s, &data, why, wl);
	}
	vbuf_clear(&data);
	vbuf_clear(&sf);
out:
	if (r == VOUCH_DKIM_PASS)
		snprintf(why, wl, "good signature");
	free(s.b);
	return r;
}

/* RFC 8617 5.2 step 6: the AS of instance i over sets 1..i. */
static enum vouch_dkim_result
check_as(struct arc_chain *c, unsigned int i, struct vouch_dkim_ctx *ctx,
    char *why, size_t wl)
{
	struct arc_hop *h = &c->hop[i];
	struct sig s;
	struct vbuf data, sf;
	unsigned int j;
	enum vouch_status st = VOUCH_OK;
	enum vouch_dkim_result r = VOUCH_DKIM_PERMERROR;

	if (parse_common(h->as, &s, why, wl) != NULL)
		goto out;
	if (dkim_tags_get(&s.t, "h") != NULL) {
		snprintf(why, wl, "the ARC-Seal has h= (RFC 8617 4.1.3)");
		goto out;
	}
	vbuf_init(&data, VOUCH_DKIM_MAX_HEADER * 2);
	vbuf_init(&sf, VOUCH_DKIM_MAX_HEADER);
	for (j = 1; j <= i && st == VOUCH_OK; j++) {
		st = dkim_canon_header(&data, c->hop[j].aar->raw,
		    c->hop[j].aar->len, VOUCH_DKIM_RELAXED, 0);
		if (st == VOUCH_OK)
			st = dkim_canon_header(&data, c->hop[j].ams->raw,
			    c->hop[j].ams->len, VOUCH_DKIM_RELAXED, 0);
		if (st == VOUCH_OK && j < i)
			st = dkim_canon_header(&data, c->hop[j].as->raw,
			    c->hop[j].as->len, VOUCH_DKIM_RELAXED, 0);
	}
	if (st == VOUCH_OK)
		st = dkim_strip_b(h->as, &sf);
	if (st == VOUCH_OK)
		st = dkim_canon_header(&data, sf.data, sf.len,
		    VOUCH_DKIM_RELAXED, 1);
	if (st != VOUCH_OK) {
		snprintf(why, wl, "out of memory");
		r = VOUCH_DKIM_TEMPERROR;
	} else {
		r = check_crypto(ctx, &s, &data, why, wl);
	}
	vbuf_clear(&data);
	vbuf_clear(&sf);
out:
	free(s.b);
	return r;
}

static void
fail(struct arc_chain *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fail(struct arc_chain *c, const char *fmt, ...)
{
	va_list ap;

	c->pub.result = VOUCH_ARC_FAIL;
	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
}

/* cv= of an AS: 0 none, 1 pass, 2 fail, -1 bad */
int
vouch__arc_cv(const struct dkim_field *as)
{
	struct dkim_tags t;
	const struct dkim_tag *g;
	const unsigned char *val;
	size_t n;
	char why[64];

	val = dkim_field_value(as, &n);
	if (dkim_tags_parse((const char *)val, n, &t, why, sizeof(why)) !=
	    VOUCH_OK || (g = dkim_tags_get(&t, "cv")) == NULL)
		return -1;
	if (g->vlen == 4 && memcmp(g->val, "none", 4) == 0)
		return 0;
	if (g->vlen == 4 && memcmp(g->val, "pass", 4) == 0)
		return 1;
	if (g->vlen == 4 && memcmp(g->val, "fail", 4) == 0)
		return 2;
	return -1;
}

/* A field value unfolded: line ends dropped, white space runs one space. */
static char *
unfold(const unsigned char *p, const unsigned char *e)
{
	char *o = malloc((size_t)(e - p) + 1), *q = o;

	if (o == NULL)
		return NULL;
	for (; p < e; p++) {
		if (*p == '\r' || *p == '\n')
			continue;
		if ((*p == ' ' || *p == '\t') && q > o && q[-1] == ' ')
			continue;
		*q++ = *p == '\t' ? ' ' : (char)*p;
	}
	*q = '\0';
	return o;
}

static void
fill_sets(struct arc_chain *c)
{
	unsigned int i;

	for (i = 1; i <= c->n && c->structural[0] == '\0'; i++) {
		struct arc_hop *h = &c->hop[i];
		struct dkim_tags t;
		const unsigned char *val;
		size_t n;
		char why[64];

		h->pub.instance = i;
		val = dkim_field_value(h->as, &n);
		if (dkim_tags_parse((const char *)val, n, &t, why,
		    sizeof(why)) == VOUCH_OK) {
			h->d = dup_tag(&t, "d");
			h->s = dup_tag(&t, "s");
		}
		/* the AAR text after "i=N;" */
		val = dkim_field_value(h->aar, &n);
		{
			const unsigned char *semi = memchr(val, ';', n);
			const unsigned char *p = semi != NULL ? semi + 1 : val +
			    n, *e = val + n;

			while (p < e && is_fws(*p))
				p++;
			while (e > p && is_fws(e[-1]))
				e--;
			h->aar_text = unfold(p, e);
		}
		h->pub.domain = h->d != NULL ? h->d : "";
		h->pub.selector = h->s != NULL ? h->s : "";
		h->pub.aar = h->aar_text != NULL ? h->aar_text : "";
		h->pub.ams_reason = h->ams_reason;
		h->pub.seal_result = VOUCH_DKIM_NEUTRAL;
		h->pub.ams_result = VOUCH_DKIM_NEUTRAL;
	}
}

/* Step 2: cv= of every AS (RFC 8617 5.2, 4.1.3); 0 when it failed. */
static int
cv_chain_ok(struct arc_chain *c)
{
	unsigned int i;
	int cv;

	for (i = 1; i <= c->n; i++) {
		cv = vouch__arc_cv(c->hop[i].as);
		if (cv == 2) {
			c->last_cv_fail = i == c->n;
			fail(c, "instance %u's ARC-Seal says cv=fail: the chain "
			    "had already failed", i);
			return 0;
		}
		if (cv < 0 || (i == 1 && cv != 0) || (i > 1 && cv != 1)) {
			fail(c, "instance %u's ARC-Seal has cv=%s where %s is "
			    "required (RFC 8617 5.2)", i, cv < 0 ? "(bad)" :
			    cv == 0 ? "none" : "pass", i == 1 ? "none" :
			    "pass");
			return 0;
		}
	}
	return 1;
}

void
vouch__arc_validate(struct arc_chain *c, struct vouch_dkim_verifier *v,
    struct vouch_dkim_ctx *ctx)
{
	unsigned int i;
	char why[160];

	c->pub.reason = c->reason;
	c->pub.instances = c->n;
	if (c->n == 0 && c->structural[0] == '\0') {
		c->pub.result = VOUCH_ARC_NONE;
		snprintf(c->reason, sizeof(c->reason), "no ARC sets");
		return;
	}
	if (c->structural[0] != '\0') {
		fail(c, "malformed chain: %s", c->structural);
		return;
	}
	fill_sets(c);
	for (i = 1; i <= c->n; i++)
		c->sets[i - 1] = c->hop[i].pub;
	c->pub.sets = c->sets;
	c->pub.nsets = c->n;
	if (!cv_chain_ok(c))
		return;
	/* steps 3-5: the newest AMS must pass; older ones give oldest-pass */
	for (i = c->n; i >= 1; i--) {
		struct arc_hop *h = &c->hop[i];

		h->pub.ams_result = check_ams(c, h, v, ctx);
		c->sets[i - 1].ams_result = h->pub.ams_result;
		if (h->pub.ams_result != VOUCH_DKIM_PASS) {
			if (i == c->n) {
				fail(c, "instance %u's ARC-Message-Signature: "
				    "%s", i, h->ams_reason);
				return;
			}
			break;
		}
		c->pub.oldest_pass = i;
	}
	/* step 6: every AS, newest first */
	for (i = c->n; i >= 1; i--) {
		enum vouch_dkim_result r = check_as(c, i, ctx, why,
		    sizeof(why));

		c->hop[i].pub.seal_result = r;
		c->sets[i - 1].seal_result = r;
		if (r != VOUCH_DKIM_PASS) {
			fail(c, "instance %u's ARC-Seal: %s", i, why);
			return;
		}
	}
	c->pub.result = VOUCH_ARC_PASS;
	snprintf(c->reason, sizeof(c->reason), "%u instance%s, every seal "
	    "and the newest message signature verify", c->n, c->n == 1 ? "" :
	    "s");
}

void
vouch__arc_clear(struct arc_chain *c)
{
	unsigned int i;

	for (i = 0; i <= VOUCH_ARC_MAX_INSTANCES; i++) {
		free(c->hop[i].d);
		free(c->hop[i].s);
		free(c->hop[i].aar_text);
	}
	memset(c, 0, sizeof(*c));
}

struct arc_chain *
vouch__arc_new(void)
{
	return calloc(1, sizeof(struct arc_chain));
}

const struct vouch_arc_verdict *
vouch__arc_verdict(const struct arc_chain *c)
{
	return &c->pub;
}

void
vouch__arc_free(struct arc_chain *c)
{
	if (c == NULL)
		return;
	vouch__arc_clear(c);
	free(c);
}
