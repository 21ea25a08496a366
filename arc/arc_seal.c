/*
 * The forwarder's seal (RFC 8617 5.1): this hop's
 * ARC-Authentication-Results, an ARC-Message-Signature over the message as
 * it leaves (with that AAR), and an ARC-Seal over every set.  Tags are
 * written in the form the ValiMail suite fixes (alphabetical, one space
 * after each ';', no trailing ';'), so its signing cases are reproducible.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arc_int.h"
#include "common/util.h"

struct vouch_arc_sealer {
	char *domain, *selector, *headers;
	const struct vouch_dkim_key *key;
	int64_t t;
	struct dkim_msg msg;
	struct dkim_body_hash body;
	int finished;
};

static void
on_body(void *arg, const unsigned char *p, size_t n)
{
	struct vouch_arc_sealer *s = arg;

	dkim_body_update(&s->body, p, n);
}

enum vouch_status
vouch_arc_sealer_new(const struct vouch_arc_seal_params *p,
    struct vouch_arc_sealer **out, struct vouch_error *err)
{
	struct vouch_arc_sealer *s;

	if (p == NULL || p->domain == NULL || p->selector == NULL ||
	    p->key == NULL || out == NULL)
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1,
		    "domain, selector and key are required");
	if (strchr(p->domain, '.') == NULL || strpbrk(p->domain, " ;\t\r\n") ||
	    *p->selector == '\0' || strpbrk(p->selector, " ;\t\r\n"))
		return vouch__err(err, VOUCH_E_INVAL, "RFC 6376 3.5", -1,
		    "bad domain or selector");
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return vouch__err(err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	s->domain = strdup(p->domain);
	s->selector = strdup(p->selector);
	s->headers = p->headers != NULL ? strdup(p->headers) : NULL;
	s->key = p->key;
	s->t = p->timestamp != 0 ? p->timestamp : (int64_t)time(NULL);
	dkim_msg_init(&s->msg, on_body, s);
	if (s->domain == NULL || s->selector == NULL ||
	    (p->headers != NULL && s->headers == NULL) ||
	    dkim_body_init(&s->body, VOUCH_DKIM_RELAXED, UINT64_MAX) !=
	    VOUCH_OK) {
		vouch_arc_sealer_free(s);
		return vouch__err(err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	}
	*out = s;
	return VOUCH_OK;
}

enum vouch_status
vouch_arc_sealer_feed(struct vouch_arc_sealer *s, const void *data, size_t len)
{
	if (s->finished)
		return VOUCH_E_INVAL;
	return dkim_msg_feed(&s->msg, data, len);
}

void
vouch_arc_sealer_free(struct vouch_arc_sealer *s)
{
	if (s == NULL)
		return;
	dkim_msg_clear(&s->msg);
	dkim_body_clear(&s->body);
	free(s->domain);
	free(s->selector);
	free(s->headers);
	free(s);
}

/* "name: tag; tag; ...; b=SIG; ..." with b= in its place (empty while
 * signing), folded at 76 columns between tags. */
static enum vouch_status
build(struct vbuf *out, const char *name, const char *const *tags, size_t n,
    const char *b64)
{
	size_t col = strlen(name) + 1, i;
	enum vouch_status st = vbuf_printf(out, "%s:", name);

	for (i = 0; i < n && st == VOUCH_OK; i++) {
		int last = i + 1 == n;

		if (strcmp(tags[i], "b=") == 0 && b64 != NULL) {
			/* one unfolded word: white space inside b= would be
			 * in the relaxed form a later ARC-Seal signs, and
			 * every ARC implementation signs it unfolded */
			struct vbuf w;

			vbuf_init(&w, strlen(b64) + 4);
			st = vbuf_printf(&w, "b=%s", b64);
			if (st == VOUCH_OK)
				st = dkim_fold_add(out, &col, (const char *)
				    w.data, w.len);
			vbuf_clear(&w);
			if (st == VOUCH_OK && !last) {
				st = vbuf_addc(out, ';');
				col++;
			}
			continue;
		}
		st = dkim_fold_add(out, &col, tags[i], strlen(tags[i]));
		if (st == VOUCH_OK && !last) {
			st = vbuf_addc(out, ';');
			col++;
		}
	}
	/* fold with a space, not a tab: dkimpy finds the AMS of an
	 * instance by the bytes " i=N;" (relaxed forms are the same) */
	for (i = 0; st == VOUCH_OK && i + 2 < out->len; i++)
		if (out->data[i] == '\n' && out->data[i + 1] == '\t')
			out->data[i + 1] = ' ';
	return st;
}

static enum vouch_status
sign_b64(const struct vouch_dkim_key *k, const struct vbuf *data, char **b64)
{
	unsigned char *sig = NULL;
	size_t slen = 0;
	enum vouch_status st;

	if ((st = dkim_crypto_sign(k->pkey, k->type, data->data, data->len,
	    &sig, &slen)) != VOUCH_OK)
		return st;
	*b64 = vouch__b64_encode(sig, slen);
	free(sig);
	return *b64 != NULL ? VOUCH_OK : VOUCH_E_NOMEM;
}

/* The existing chain: highest instance and each set's fields. */
static void
find_sets(const struct dkim_msg *m, const struct dkim_field **aar,
    const struct dkim_field **ams, const struct dkim_field **as,
    unsigned int *top)
{
	size_t k;

	*top = 0;
	for (k = 0; k < m->nfields; k++) {
		const struct dkim_field *f = &m->fields[k];
		unsigned int i = vouch__arc_instance(f);

		if (i == 0)
			continue;
		if (dkim_field_is(f, "arc-authentication-results"))
			aar[i] = f;
		else if (dkim_field_is(f, "arc-message-signature"))
			ams[i] = f;
		else if (dkim_field_is(f, "arc-seal"))
			as[i] = f;
		else
			continue;
		if (i > *top)
			*top = i;
	}
}

/* h= of the AMS: the caller's list as given, else the DKIM defaults
 * present and this hop's ARC-Authentication-Results. */
static enum vouch_status
header_list(const struct vouch_arc_sealer *s, struct vbuf *h)
{
	enum vouch_status st = VOUCH_OK;
	size_t i, k;

	if (s->headers != NULL)
		return vbuf_adds(h, s->headers);	/* as given */
	{
		for (i = 0; dkim_default_headers[i] != NULL && st == VOUCH_OK;
		    i++)
			for (k = 0; k < s->msg.nfields; k++)
				if (dkim_field_is(&s->msg.fields[k],
				    dkim_default_headers[i])) {
					if (h->len > 0)
						st = vbuf_addc(h, ':');
					if (st == VOUCH_OK)
						st = vbuf_adds(h,
						    dkim_default_headers[i]);
					break;
				}
	}
	if (st == VOUCH_OK && strstr(vbuf_str(h), "arc-authentication-results")
	    == NULL)
		st = vbuf_adds(h, h->len > 0 ? ":arc-authentication-results" :
		    "arc-authentication-results");
	return st;
}

/* Every line ending of text as the message's (text has CRLF). */
static char *
with_eol(const struct vbuf *text, int lf_only)
{
	struct vbuf o;
	size_t i;

	vbuf_init(&o, text->len + 16);
	for (i = 0; i < text->len; i++)
		if (!(lf_only && text->data[i] == '\r'))
			if (vbuf_addc(&o, text->data[i]) != VOUCH_OK)
				break;
	return vbuf_take(&o, NULL);
}

enum vouch_status
vouch_arc_sealer_finish(struct vouch_arc_sealer *s, enum vouch_arc_result cv,
    const char *aar, char **headers, struct vouch_error *err)
{
	const struct dkim_field *faar[VOUCH_ARC_MAX_INSTANCES + 1] = { 0 };
	const struct dkim_field *fams[VOUCH_ARC_MAX_INSTANCES + 1] = { 0 };
	const struct dkim_field *fas[VOUCH_ARC_MAX_INSTANCES + 1] = { 0 };
	unsigned char bh[32];
	char *bh64 = NULL, *b64 = NULL, tag[6][600];
	const char *amstags[9], *astags[7];
	struct vbuf out, h, aarf, amsf, asf, data;
	struct dkim_msg m2;
	unsigned int top, i, j;
	enum vouch_status st;
	const char *alg;

	if (s->finished)
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1,
		    "sealer already finished");
	s->finished = 1;
	if ((st = dkim_msg_end(&s->msg)) != VOUCH_OK)
		return vouch__err(err, st, NULL, -1, "%s", vouch_strerror(st));
	if (s->msg.error != NULL)
		return vouch__err(err, VOUCH_E_SYNTAX, "RFC 5322 2.2", -1,
		    "malformed header: %s", s->msg.error);
	find_sets(&s->msg, faar, fams, fas, &top);
	if (top > 0 && fas[top] != NULL && vouch__arc_cv(fas[top]) == 2) {
		/* RFC 8617 5.1.1 step 1: a chain that already failed gets
		 * no further set */
		if ((*headers = strdup("")) == NULL)
			return vouch__err(err, VOUCH_E_NOMEM, NULL, -1,
			    "out of memory");
		return vouch__err(err, VOUCH_OK, "RFC 8617 5.1.1", -1,
		    "the chain already failed (cv=fail at i=%u): no new set",
		    top);
	}
	if (top >= VOUCH_ARC_MAX_INSTANCES)
		return vouch__err(err, VOUCH_E_SYNTAX, "RFC 8617 4.2.1", -1,
		    "the chain already has %u instances, the most there may be",
		    VOUCH_ARC_MAX_INSTANCES);
	for (j = 1; j <= top; j++)
		if (faar[j] == NULL || fams[j] == NULL || fas[j] == NULL)
			cv = VOUCH_ARC_FAIL;	/* a broken chain is cv=fail */
	if (top == 0)
		cv = VOUCH_ARC_NONE;
	i = top + 1;
	alg = s->key->type == VOUCH_DKIM_RSA ? "rsa-sha256" : "ed25519-sha256";
	if (dkim_body_final(&s->body, bh) != VOUCH_OK ||
	    (bh64 = vouch__b64_encode(bh, 32)) == NULL)
		return vouch__err(err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	vbuf_init(&out, VOUCH_DKIM_MAX_HEADER);
	vbuf_init(&h, 1 << 20);
	vbuf_init(&aarf, 1 << 20);
	vbuf_init(&amsf, 1 << 20);
	vbuf_init(&asf, 1 << 20);
	vbuf_init(&data, VOUCH_DKIM_MAX_HEADER * 2);
	dkim_msg_init(&m2, NULL, NULL);
	/* this hop's AAR: "i=N; " and the results, CRLF line ends */
	st = vbuf_printf(&aarf, "ARC-Authentication-Results: i=%u; ", i);
	for (; st == VOUCH_OK && *aar; aar++)
		st = *aar == '\n' ? vbuf_add(&aarf, "\r\n", 2) :
		    *aar == '\r' ? VOUCH_OK : vbuf_addc(&aarf, (unsigned char)*aar);
	if (st == VOUCH_OK)
		st = vbuf_add(&aarf, "\r\n", 2);
	/* the AMS: DKIM over the header as it leaves, with the new AAR */
	if (st == VOUCH_OK)
		st = header_list(s, &h);
	snprintf(tag[0], sizeof(tag[0]), "a=%s", alg);
	snprintf(tag[1], sizeof(tag[1]), "bh=%s", bh64);
	snprintf(tag[2], sizeof(tag[2]), "d=%s", s->domain);
	snprintf(tag[3], sizeof(tag[3]), "i=%u", i);
	snprintf(tag[4], sizeof(tag[4]), "s=%s", s->selector);
	snprintf(tag[5], sizeof(tag[5]), "t=%lld", (long long)s->t);
	amstags[0] = tag[0];
	amstags[1] = "b=";
	amstags[2] = tag[1];
	amstags[3] = "c=relaxed/relaxed";
	amstags[4] = tag[2];
	amstags[6] = tag[3];
	amstags[7] = tag[4];
	amstags[8] = tag[5];
	{
		char *hl = NULL;

		if (st == VOUCH_OK && (hl = malloc(h.len + 3)) == NULL)
			st = VOUCH_E_NOMEM;
		if (st == VOUCH_OK) {
			snprintf(hl, h.len + 3, "h=%s", vbuf_str(&h));
			amstags[5] = hl;
			/* m2: the header with the new AAR on top */
			st = dkim_msg_feed(&m2, aarf.data, aarf.len);
			if (st == VOUCH_OK)
				st = dkim_msg_feed(&m2, s->msg.hdr.data,
				    s->msg.hdr.len);
			if (st == VOUCH_OK)
				st = dkim_msg_feed(&m2, (const unsigned char *)
				    "\r\n\r\n", 4);
			if (st == VOUCH_OK)
				st = dkim_msg_end(&m2);
			if (st == VOUCH_OK)
				st = build(&amsf, "ARC-Message-Signature",
				    amstags, 9, NULL);
			if (st == VOUCH_OK)
				st = dkim_hash_headers(&m2, vbuf_str(&h) ,
				    h.len, VOUCH_DKIM_RELAXED, &data);
			if (st == VOUCH_OK)
				st = dkim_canon_header(&data, amsf.data,
				    amsf.len, VOUCH_DKIM_RELAXED, 1);
			if (st == VOUCH_OK)
				st = sign_b64(s->key, &data, &b64);
			if (st == VOUCH_OK) {
				vbuf_reset(&amsf);
				st = build(&amsf, "ARC-Message-Signature",
				    amstags, 9, b64);
			}
			if (st == VOUCH_OK)
				st = vbuf_add(&amsf, "\r\n", 2);
		}
		free(hl);
		free(b64);
		b64 = NULL;
	}
	/* the AS: every set in order, this one last without b= */
	snprintf(tag[1], sizeof(tag[1]), "cv=%s", vouch_arc_result_name(cv));
	astags[0] = tag[0];
	astags[1] = "b=";
	astags[2] = tag[1];
	astags[3] = tag[2];
	astags[4] = tag[3];
	astags[5] = tag[4];
	astags[6] = tag[5];
	vbuf_reset(&data);
	/* a failed chain: the seal covers this set alone (what verifiers
	 * and the suite's signer do; nothing below it can be trusted) */
	for (j = 1; j <= top && st == VOUCH_OK && cv != VOUCH_ARC_FAIL; j++) {
		if (faar[j] == NULL || fams[j] == NULL || fas[j] == NULL)
			continue;
		st = dkim_canon_header(&data, faar[j]->raw, faar[j]->len,
		    VOUCH_DKIM_RELAXED, 0);
		if (st == VOUCH_OK)
			st = dkim_canon_header(&data, fams[j]->raw, fams[j]->len,
			    VOUCH_DKIM_RELAXED, 0);
		if (st == VOUCH_OK)
			st = dkim_canon_header(&data, fas[j]->raw, fas[j]->len,
			    VOUCH_DKIM_RELAXED, 0);
	}
	if (st == VOUCH_OK)
		st = dkim_canon_header(&data, aarf.data, aarf.len,
		    VOUCH_DKIM_RELAXED, 0);
	if (st == VOUCH_OK)
		st = dkim_canon_header(&data, amsf.data, amsf.len,
		    VOUCH_DKIM_RELAXED, 0);
	if (st == VOUCH_OK)
		st = build(&asf, "ARC-Seal", astags, 7, NULL);
	if (st == VOUCH_OK)
		st = dkim_canon_header(&data, asf.data, asf.len,
		    VOUCH_DKIM_RELAXED, 1);
	if (st == VOUCH_OK)
		st = sign_b64(s->key, &data, &b64);
	if (st == VOUCH_OK) {
		vbuf_reset(&asf);
		st = build(&asf, "ARC-Seal", astags, 7, b64);
	}
	if (st == VOUCH_OK)
		st = vbuf_add(&asf, "\r\n", 2);
	if (st == VOUCH_OK)
		st = vbuf_add(&out, asf.data, asf.len);
	if (st == VOUCH_OK)
		st = vbuf_add(&out, amsf.data, amsf.len);
	if (st == VOUCH_OK)
		st = vbuf_add(&out, aarf.data, aarf.len);
	if (st == VOUCH_OK && (*headers = with_eol(&out, s->msg.lf_only)) ==
	    NULL)
		st = VOUCH_E_NOMEM;
	free(b64);
	free(bh64);
	dkim_msg_clear(&m2);
	vbuf_clear(&out);
	vbuf_clear(&h);
	vbuf_clear(&aarf);
	vbuf_clear(&amsf);
	vbuf_clear(&asf);
	vbuf_clear(&data);
	if (st != VOUCH_OK)
		return vouch__err(err, st, NULL, -1, "%s", st == VOUCH_E_LIMIT ?
		    "header too large to seal" : vouch_strerror(st));
	return VOUCH_OK;
}
