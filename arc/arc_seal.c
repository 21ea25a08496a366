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
#include "common/ar.h"
#include "common/hdr.h"
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

/* What one seal is built from and into. */
struct seal_job {
	const struct dkim_field *faar[VOUCH_ARC_MAX_INSTANCES + 1];
	const struct dkim_field *fams[VOUCH_ARC_MAX_INSTANCES + 1];
	const struct dkim_field *fas[VOUCH_ARC_MAX_INSTANCES + 1];
	unsigned int top;		/* the highest instance found */
	enum vouch_arc_result cv;
	char tag[6][600];		/* a=, bh=/cv=, d=, i=, s=, t= */
	struct vbuf h, aarf, amsf, asf, data;
};

static void
job_clear(struct seal_job *j)
{
	vbuf_clear(&j->h);
	vbuf_clear(&j->aarf);
	vbuf_clear(&j->amsf);
	vbuf_clear(&j->asf);
	vbuf_clear(&j->data);
}

/* The incoming chain: may a set be added, and with which cv? VOUCH_OK
 * and *done when nothing is to be added (RFC 8617 5.1.1), an error when
 * the message cannot be sealed. */
static enum vouch_status
chain_state(struct vouch_arc_sealer *s, struct seal_job *j, int *done,
    char **headers, struct vouch_error *err)
{
	enum vouch_status st;
	unsigned int k;

	*done = 0;
	if ((st = dkim_msg_end(&s->msg)) != VOUCH_OK)
		return vouch__err(err, st, NULL, -1, "%s", vouch_strerror(st));
	if (s->msg.error != NULL)
		return vouch__err(err, VOUCH_E_SYNTAX, "RFC 5322 2.2", -1,
		    "malformed header: %s", s->msg.error);
	find_sets(&s->msg, j->faar, j->fams, j->fas, &j->top);
	if (j->top > 0 && j->fas[j->top] != NULL &&
	    vouch__arc_cv(j->fas[j->top]) == 2) {
		/* step 1: a chain that already failed gets no further set */
		if ((*headers = strdup("")) == NULL)
			return vouch__err(err, VOUCH_E_NOMEM, NULL, -1,
			    "out of memory");
		*done = 1;
		return vouch__err(err, VOUCH_OK, "RFC 8617 5.1.1", -1,
		    "the chain already failed (cv=fail at i=%u): no new set",
		    j->top);
	}
	if (j->top >= VOUCH_ARC_MAX_INSTANCES)
		return vouch__err(err, VOUCH_E_SYNTAX, "RFC 8617 4.2.1", -1,
		    "the chain already has %u instances, the most there may be",
		    VOUCH_ARC_MAX_INSTANCES);
	for (k = 1; k <= j->top; k++)
		if (j->faar[k] == NULL || j->fams[k] == NULL ||
		    j->fas[k] == NULL)
			j->cv = VOUCH_ARC_FAIL;	/* a broken chain is cv=fail */
	if (j->top == 0)
		j->cv = VOUCH_ARC_NONE;
	return VOUCH_OK;
}

/* This hop's AAR: "i=N; " and the results, CRLF line ends. */
static enum vouch_status
make_aar(struct seal_job *j, const char *aar)
{
	enum vouch_status st = vbuf_printf(&j->aarf,
	    "ARC-Authentication-Results: i=%u; ", j->top + 1);

	for (; st == VOUCH_OK && *aar; aar++)
		st = *aar == '\n' ? vbuf_add(&j->aarf, "\r\n", 2) :
		    *aar == '\r' ? VOUCH_OK : vbuf_addc(&j->aarf,
		    (unsigned char)*aar);
	return st == VOUCH_OK ? vbuf_add(&j->aarf, "\r\n", 2) : st;
}

/* The AMS: DKIM over the header as it leaves, with the new AAR on top
 * (m2), signed, into j->amsf with its CRLF. */
static enum vouch_status
make_ams(struct vouch_arc_sealer *s, struct seal_job *j, const char *bh64)
{
	const char *tags[9] = { j->tag[0], "b=", NULL, "c=relaxed/relaxed",
	    j->tag[2], NULL, j->tag[3], j->tag[4], j->tag[5] };
	struct dkim_msg m2;
	char *hl = NULL, *b64 = NULL;
	enum vouch_status st;

	snprintf(j->tag[1], sizeof(j->tag[1]), "bh=%s", bh64);
	tags[2] = j->tag[1];
	dkim_msg_init(&m2, NULL, NULL);
	if ((st = header_list(s, &j->h)) == VOUCH_OK &&
	    (hl = malloc(j->h.len + 3)) == NULL)
		st = VOUCH_E_NOMEM;
	if (st == VOUCH_OK) {
		snprintf(hl, j->h.len + 3, "h=%s", vbuf_str(&j->h));
		tags[5] = hl;
		st = dkim_msg_feed(&m2, j->aarf.data, j->aarf.len);
	}
	if (st == VOUCH_OK)
		st = dkim_msg_feed(&m2, s->msg.hdr.data, s->msg.hdr.len);
	if (st == VOUCH_OK)
		st = dkim_msg_feed(&m2, (const unsigned char *)"\r\n\r\n", 4);
	if (st == VOUCH_OK)
		st = dkim_msg_end(&m2);
	if (st == VOUCH_OK)
		st = build(&j->amsf, "ARC-Message-Signature", tags, 9, NULL);
	if (st == VOUCH_OK)
		st = dkim_hash_headers(&m2, vbuf_str(&j->h), j->h.len,
		    VOUCH_DKIM_RELAXED, &j->data);
	if (st == VOUCH_OK)
		st = dkim_canon_header(&j->data, j->amsf.data, j->amsf.len,
		    VOUCH_DKIM_RELAXED, 1);
	if (st == VOUCH_OK && (st = sign_b64(s->key, &j->data, &b64)) ==
	    VOUCH_OK) {
		vbuf_reset(&j->amsf);
		st = build(&j->amsf, "ARC-Message-Signature", tags, 9, b64);
	}
	if (st == VOUCH_OK)
		st = vbuf_add(&j->amsf, "\r\n", 2);
	free(hl);
	free(b64);
	dkim_msg_clear(&m2);
	return st;
}

/* The AS: every set in order, this one last without b=, signed.  A
 * failed chain: the seal covers this set alone (what verifiers and the
 * suite's signer do; nothing below it can be trusted). */
static enum vouch_status
make_as(struct vouch_arc_sealer *s, struct seal_job *j)
{
	const char *tags[7] = { j->tag[0], "b=", j->tag[1], j->tag[2],
	    j->tag[3], j->tag[4], j->tag[5] };
	enum vouch_status st = VOUCH_OK;
	char *b64 = NULL;
	unsigned int k;

	snprintf(j->tag[1], sizeof(j->tag[1]), "cv=%s",
	    vouch_arc_result_name(j->cv));
	vbuf_reset(&j->data);
	for (k = 1; k <= j->top && st == VOUCH_OK && j->cv != VOUCH_ARC_FAIL;
	    k++) {
		if (j->faar[k] == NULL || j->fams[k] == NULL ||
		    j->fas[k] == NULL)
			continue;
		st = dkim_canon_header(&j->data, j->faar[k]->raw,
		    j->faar[k]->len, VOUCH_DKIM_RELAXED, 0);
		if (st == VOUCH_OK)
			st = dkim_canon_header(&j->data, j->fams[k]->raw,
			    j->fams[k]->len, VOUCH_DKIM_RELAXED, 0);
		if (st == VOUCH_OK)
			st = dkim_canon_header(&j->data, j->fas[k]->raw,
			    j->fas[k]->len, VOUCH_DKIM_RELAXED, 0);
	}
	if (st == VOUCH_OK)
		st = dkim_canon_header(&j->data, j->aarf.data, j->aarf.len,
		    VOUCH_DKIM_RELAXED, 0);
	if (st == VOUCH_OK)
		st = dkim_canon_header(&j->data, j->amsf.data, j->amsf.len,
		    VOUCH_DKIM_RELAXED, 0);
	if (st == VOUCH_OK)
		st = build(&j->asf, "ARC-Seal", tags, 7, NULL);
	if (st == VOUCH_OK)
		st = dkim_canon_header(&j->data, j->asf.data, j->asf.len,
		    VOUCH_DKIM_RELAXED, 1);
	if (st == VOUCH_OK && (st = sign_b64(s->key, &j->data, &b64)) ==
	    VOUCH_OK) {
		vbuf_reset(&j->asf);
		st = build(&j->asf, "ARC-Seal", tags, 7, b64);
	}
	free(b64);
	return st == VOUCH_OK ? vbuf_add(&j->asf, "\r\n", 2) : st;
}

/* The tags the new AMS and AS share (tag[1] is each one's own). */
static void
set_tags(const struct vouch_arc_sealer *s, struct seal_job *j)
{
	snprintf(j->tag[0], sizeof(j->tag[0]), "a=%s", s->key->type ==
	    VOUCH_DKIM_RSA ? "rsa-sha256" : "ed25519-sha256");
	snprintf(j->tag[2], sizeof(j->tag[2]), "d=%s", s->domain);
	snprintf(j->tag[3], sizeof(j->tag[3]), "i=%u", j->top + 1);
	snprintf(j->tag[4], sizeof(j->tag[4]), "s=%s", s->selector);
	snprintf(j->tag[5], sizeof(j->tag[5]), "t=%lld", (long long)s->t);
}

/* The newest set, i=top: sealed by domain (AS d=) with an AAR of
 * authserv-id id?  Our own inbound seal looks like that. */
static int
set_is_ours(const struct seal_job *j, const char *domain, const char *id)
{
	const unsigned char *v, *semi;
	struct dkim_tags t;
	const struct dkim_tag *d;
	char why[64], *fid = NULL;
	size_t n;
	int ours;

	if (j->top == 0 || j->fas[j->top] == NULL || j->faar[j->top] == NULL)
		return 0;
	v = dkim_field_value(j->fas[j->top], &n);
	if (dkim_tags_parse((const char *)v, n, &t, why, sizeof(why)) !=
	    VOUCH_OK || (d = dkim_tags_get(&t, "d")) == NULL ||
	    d->vlen != strlen(domain) || !vouch__memcaseeq(d->val, domain,
	    d->vlen))
		return 0;
	v = dkim_field_value(j->faar[j->top], &n);
	if ((semi = memchr(v, ';', n)) == NULL)
		return 0;
	n -= (size_t)(semi + 1 - v);
	if (vouch_ar_authserv_id((const char *)semi + 1, n, &fid) != VOUCH_OK)
		return 0;
	ours = strcasecmp(fid, id) == 0;
	vouch_free(fid);
	return ours;
}

/* The first Authentication-Results of authserv-id id, parsed into *ar:
 * VOUCH_OK, VOUCH_E_NOTFOUND, or the parser's error. */
static enum vouch_status
find_ar(const struct dkim_msg *m, const char *id, struct vouch_ar *ar,
    struct vouch_error *err)
{
	size_t k, n;

	for (k = 0; k < m->nfields; k++) {
		const struct dkim_field *f = &m->fields[k];
		const char *v;
		char *fid = NULL;
		int match;

		if (!dkim_field_is(f, "authentication-results"))
			continue;
		v = (const char *)dkim_field_value(f, &n);
		if (vouch_ar_authserv_id(v, n, &fid) != VOUCH_OK)
			continue;
		match = strcasecmp(fid, id) == 0;
		vouch_free(fid);
		if (!match)
			continue;
		if (vouch_ar_parse(v, n, ar, err) != VOUCH_OK)
			return vouch__err(err, VOUCH_E_SYNTAX, "RFC 8601 2.2",
			    -1, "the Authentication-Results of %s does not "
			    "parse: %s", id, err->message);
		return VOUCH_OK;
	}
	return vouch__err(err, VOUCH_E_NOTFOUND, "RFC 8617 5.1", -1,
	    "no Authentication-Results of %s: the verdict on arrival is not "
	    "known", id);
}

/* cv and the AAR from the verdict recorded on arrival (the A-R of id):
 * the chain as it arrived, plus our own inbound seal if we added one. */
static enum vouch_status
cv_from_ar(struct vouch_arc_sealer *s, struct seal_job *j, const char *id,
    char **aar, struct vouch_error *err)
{
	struct vouch_ar ar;
	enum vouch_arc_result arrived = VOUCH_ARC_NONE;
	enum vouch_status st;
	struct vhdr h;
	size_t i;

	if ((st = find_ar(&s->msg, id, &ar, err)) != VOUCH_OK)
		return st;
	for (i = 0; i < ar.nres; i++)
		if (strcmp(ar.res[i].method, "arc") == 0)
			arrived = strcmp(ar.res[i].result, "pass") == 0 ?
			    VOUCH_ARC_PASS : strcmp(ar.res[i].result, "none")
			    == 0 ? VOUCH_ARC_NONE : VOUCH_ARC_FAIL;
	if (j->top == 0 && arrived != VOUCH_ARC_NONE)
		st = vouch__err(err, VOUCH_E_SYNTAX, "RFC 8617 4.1.3", -1,
		    "the verdict on arrival says arc=%s but the message has no "
		    "ARC set now", vouch_arc_result_name(arrived));
	else if (j->top > 0 && arrived == VOUCH_ARC_NONE &&
	    !(j->top == 1 && set_is_ours(j, s->domain, id)))
		st = vouch__err(err, VOUCH_E_SYNTAX, "RFC 8617 5.1", -1,
		    "the message had no ARC set on arrival, and i=%u is not our "
		    "own inbound seal: its chain cannot be vouched for", j->top);
	if (st == VOUCH_OK) {
		/* a chain broken in its structure stays cv=fail */
		if (j->cv != VOUCH_ARC_FAIL)
			j->cv = j->top == 0 ? VOUCH_ARC_NONE :
			    arrived == VOUCH_ARC_FAIL ? VOUCH_ARC_FAIL :
			    VOUCH_ARC_PASS;
		vhdr_init(&h, NULL);
		if ((st = vouch__ar_write(&h, &ar)) == VOUCH_OK &&
		    (*aar = vhdr_take(&h)) == NULL)
			st = VOUCH_E_NOMEM;
		vhdr_clear(&h);
		if (st != VOUCH_OK)
			vouch__err(err, st, NULL, -1, "out of memory");
	}
	vouch_ar_clear(&ar);
	return st;
}

/* The three fields of the new set into *headers, the message's line
 * ending. */
static enum vouch_status
seal_fields(struct vouch_arc_sealer *s, struct seal_job *j, const char *aar,
    const char *bh64, char **headers)
{
	struct vbuf out;
	enum vouch_status st;

	vbuf_init(&out, VOUCH_DKIM_MAX_HEADER);
	vbuf_init(&j->h, 1 << 20);
	vbuf_init(&j->aarf, 1 << 20);
	vbuf_init(&j->amsf, 1 << 20);
	vbuf_init(&j->asf, 1 << 20);
	vbuf_init(&j->data, VOUCH_DKIM_MAX_HEADER * 2);
	set_tags(s, j);
	if ((st = make_aar(j, aar)) == VOUCH_OK &&
	    (st = make_ams(s, j, bh64)) == VOUCH_OK)
		st = make_as(s, j);
	/* ARC-Seal, ARC-Message-Signature, ARC-Authentication-Results */
	if (st == VOUCH_OK)
		st = vbuf_add(&out, j->asf.data, j->asf.len);
	if (st == VOUCH_OK)
		st = vbuf_add(&out, j->amsf.data, j->amsf.len);
	if (st == VOUCH_OK)
		st = vbuf_add(&out, j->aarf.data, j->aarf.len);
	if (st == VOUCH_OK && (*headers = with_eol(&out, s->msg.lf_only)) ==
	    NULL)
		st = VOUCH_E_NOMEM;
	vbuf_clear(&out);
	return st;
}

/* Seal with cv and aar, or (arid set) with what the A-R of arid says. */
static enum vouch_status
seal_finish(struct vouch_arc_sealer *s, enum vouch_arc_result cv,
    const char *aar, const char *arid, char **headers,
    struct vouch_error *err)
{
	struct seal_job *j;
	unsigned char bh[32];
	char *bh64 = NULL, *aar_ar = NULL;
	enum vouch_status st;
	int done;

	if (s->finished)
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1,
		    "sealer already finished");
	s->finished = 1;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return vouch__err(err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	j->cv = arid != NULL ? VOUCH_ARC_PASS : cv;
	if ((st = chain_state(s, j, &done, headers, err)) != VOUCH_OK ||
	    done || (arid != NULL && (st = cv_from_ar(s, j, arid, &aar_ar,
	    err)) != VOUCH_OK)) {
		free(j);
		return st;
	}
	if (aar_ar != NULL)
		aar = aar_ar;
	if (dkim_body_final(&s->body, bh) != VOUCH_OK ||
	    (bh64 = vouch__b64_encode(bh, 32)) == NULL) {
		free(aar_ar);
		free(j);
		return vouch__err(err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	}
	st = seal_fields(s, j, aar, bh64, headers);
	free(bh64);
	free(aar_ar);
	job_clear(j);
	free(j);
	if (st != VOUCH_OK)
		return vouch__err(err, st, NULL, -1, "%s", st == VOUCH_E_LIMIT ?
		    "header too large to seal" : vouch_strerror(st));
	return VOUCH_OK;
}

enum vouch_status
vouch_arc_sealer_finish(struct vouch_arc_sealer *s, enum vouch_arc_result cv,
    const char *aar, char **headers, struct vouch_error *err)
{
	return seal_finish(s, cv, aar, NULL, headers, err);
}

enum vouch_status
vouch_arc_sealer_finish_ar(struct vouch_arc_sealer *s,
    const char *authserv_id, char **headers, struct vouch_error *err)
{
	if (authserv_id == NULL || *authserv_id == '\0')
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1,
		    "an authserv-id is required");
	return seal_finish(s, VOUCH_ARC_NONE, NULL, authserv_id, headers, err);
}
