/*
 * The signer (RFC 6376 5).  The body is streamed once through one hasher
 * per body canonicalization; the header section is kept to pick the
 * signed fields.  Nothing of the message is changed: the caller prepends
 * the returned header fields to the bytes it already has.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dkim_int.h"
#include "common/util.h"

/* RFC 6376 5.4.1, plus the MIME fields whose change alters the display. */
const char *const dkim_default_headers[] = {
	"from", "reply-to", "subject", "date", "to", "cc", "resent-date",
	"resent-from", "resent-to", "resent-cc", "in-reply-to", "references",
	"list-id", "list-help", "list-unsubscribe", "list-subscribe",
	"list-post", "list-owner", "list-archive", "message-id",
	"content-type", "content-transfer-encoding", "mime-version", NULL
};

/* One more name than instances, so an added copy breaks the signature. */
const char *const dkim_oversign_headers[] = {
	"from", "to", "cc", "subject", "date", "reply-to", "message-id",
	"in-reply-to", "references", "content-type", "mime-version", NULL
};

struct sig {
	struct vouch_dkim_sign_params p;
	char *domain, *selector, *headers, *auid, *tmpl;
};

struct vouch_dkim_signer {
	struct sig *sigs;
	size_t n;
	struct dkim_msg msg;
	struct dkim_body_hash body[2];	/* by body canonicalization */
	int need[2];
	int finished;
};

static void
on_body(void *arg, const unsigned char *p, size_t n)
{
	struct vouch_dkim_signer *s = arg;
	int c;

	for (c = 0; c < 2; c++)
		if (s->need[c])
			dkim_body_update(&s->body[c], p, n);
}

static int
selector_ok(const char *s)
{
	size_t i, lab = 0;

	if (*s == '\0' || strlen(s) > 200)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
		if (++lab > 63)
			return 0;
	}
	return lab > 0;
}

static enum vouch_status
check_params(const struct vouch_dkim_sign_params *p, struct vouch_error *err)
{
	if (p->key == NULL)
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1, "no key");
	if (p->domain == NULL || !selector_ok(p->domain) ||
	    strchr(p->domain, '.') == NULL)
		return vouch__err(err, VOUCH_E_INVAL, "RFC 6376 3.5", -1,
		    "%s: not a domain name", p->domain ? p->domain : "(none)");
	if (p->selector == NULL || !selector_ok(p->selector))
		return vouch__err(err, VOUCH_E_INVAL, "RFC 6376 3.1", -1,
		    "%s: not a valid selector", p->selector ? p->selector :
		    "(none)");
	if (p->auid != NULL && !dkim_auid_in_domain(p->auid, p->domain, 0))
		return vouch__err(err, VOUCH_E_INVAL, "RFC 6376 3.5", -1,
		    "i=%s is not in d=%s", p->auid, p->domain);
	if (p->headers != NULL) {
		const char *h = p->headers;
		int from = 0;

		while (*h != '\0') {
			size_t n = strcspn(h, ":");

			if (n == 0 || memchr(h, ' ', n) != NULL ||
			    memchr(h, ';', n) != NULL)
				return vouch__err(err, VOUCH_E_INVAL, NULL, -1,
				    "%s: header list must be NAME:NAME:...",
				    p->headers);
			if (n == 4 && vouch__memcaseeq(h, "from", 4))
				from = 1;
			h += n;
			if (*h == ':')
				h++;
		}
		if (!from)
			return vouch__err(err, VOUCH_E_INVAL, "RFC 6376 5.4", -1,
			    "the header list must include From");
	}
	return VOUCH_OK;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

void
vouch_dkim_signer_free(struct vouch_dkim_signer *s)
{
	size_t i;
	int c;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->sigs[i].domain);
		free(s->sigs[i].selector);
		free(s->sigs[i].headers);
		free(s->sigs[i].auid);
		free(s->sigs[i].tmpl);
	}
	for (c = 0; c < 2; c++)
		if (s->need[c])
			dkim_body_clear(&s->body[c]);
	free(s->sigs);
	dkim_msg_clear(&s->msg);
	free(s);
}

enum vouch_status
vouch_dkim_signer_new(const struct vouch_dkim_sign_params *params, size_t n,
    struct vouch_dkim_signer **out, struct vouch_error *err)
{
	struct vouch_dkim_signer *s;
	enum vouch_status st;
	size_t i;

	if (params == NULL || n == 0 || out == NULL)
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1,
		    "no signature requested");
	for (i = 0; i < n; i++)
		if ((st = check_params(&params[i], err)) != VOUCH_OK)
			return st;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->sigs = calloc(n, sizeof(*s->sigs))) == NULL) {
		free(s);
		return VOUCH_E_NOMEM;
	}
	s->n = n;
	dkim_msg_init(&s->msg, on_body, s);
	for (i = 0; i < n; i++) {
		struct sig *g = &s->sigs[i];

		g->p = params[i];
		g->domain = strdup(params[i].domain);
		g->selector = strdup(params[i].selector);
		g->headers = dup_or_null(params[i].headers);
		g->auid = dup_or_null(params[i].auid);
		g->tmpl = dup_or_null(params[i].template_header);
		if (g->domain == NULL || g->selector == NULL ||
		    (params[i].headers && g->headers == NULL) ||
		    (params[i].auid && g->auid == NULL) ||
		    (params[i].template_header && g->tmpl == NULL))
			goto nomem;
		if (!s->need[g->p.body_canon]) {
			if (dkim_body_init(&s->body[g->p.body_canon],
			    g->p.body_canon, UINT64_MAX) != VOUCH_OK)
				goto nomem;
			s->need[g->p.body_canon] = 1;
		}
	}
	*out = s;
	return VOUCH_OK;
nomem:
	vouch_dkim_signer_free(s);
	return VOUCH_E_NOMEM;
}

enum vouch_status
vouch_dkim_signer_feed(struct vouch_dkim_signer *s, const void *data,
    size_t len)
{
	if (s->finished)
		return VOUCH_E_INVAL;
	return dkim_msg_feed(&s->msg, data, len);
}

const char *
vouch_dkim_signer_from(const struct vouch_dkim_signer *s)
{
	return dkim_msg_from(&((struct vouch_dkim_signer *)s)->msg);
}

/* Header names to sign: the given list, or the default list as present. */
static enum vouch_status
header_list(const struct vouch_dkim_signer *s, const struct sig *g,
    struct vbuf *names)
{
	size_t i, j;
	enum vouch_status st = VOUCH_OK;

	if (g->headers != NULL)
		return vbuf_adds(names, g->headers);
	for (i = 0; dkim_default_headers[i] != NULL && st == VOUCH_OK; i++) {
		const char *h = dkim_default_headers[i];
		size_t count = 0;

		for (j = 0; j < s->msg.nfields; j++)
			if (dkim_field_is(&s->msg.fields[j], h))
				count++;
		if (count == 0)
			continue;
		for (j = 0; dkim_oversign_headers[j] != NULL; j++)
			if (strcmp(dkim_oversign_headers[j], h) == 0) {
				count++;
				break;
			}
		for (j = 0; j < count && st == VOUCH_OK; j++) {
			if (names->len > 0)
				st = vbuf_addc(names, ':');
			if (st == VOUCH_OK)
				st = vbuf_adds(names, h);
		}
	}
	return st;
}

/* Append "tag=value;" folding before it when the line would pass 76. */
enum vouch_status
dkim_fold_add(struct vbuf *b, size_t *col, const char *text, size_t n)
{
	enum vouch_status st = VOUCH_OK;

	if (*col + 1 + n > 76 && *col > 1) {
		st = vbuf_add(b, "\r\n\t", 3);
		*col = 1;
	} else {
		st = vbuf_addc(b, ' ');
		(*col)++;
	}
	if (st == VOUCH_OK)
		st = vbuf_add(b, text, n);
	*col += n;
	return st;
}

/* The h= list, folded at its colons (FWS is allowed there), then ';'. */
static enum vouch_status
fold_names(struct vbuf *hdr, size_t *col, const struct vbuf *names)
{
	enum vouch_status st = VOUCH_OK;
	size_t i, e;

	for (i = 0; i < names->len && st == VOUCH_OK; i = e + 1) {
		for (e = i; e < names->len && names->data[e] != ':'; e++)
			;
		if (*col + (e - i) + 1 > 76) {
			st = vbuf_add(hdr, "\r\n\t", 3);
			*col = 1;
		}
		if (st == VOUCH_OK)
			st = vbuf_add(hdr, names->data + i, e - i);
		if (st == VOUCH_OK)
			st = vbuf_addc(hdr, e < names->len ? ':' : ';');
		*col += e - i + 1;
	}
	return st;
}

static enum vouch_status
build_header(struct vouch_dkim_signer *s, const struct sig *g,
    const char *bh, struct vbuf *hdr)
{
	struct vbuf names, tag;
	enum vouch_status st;
	size_t col;
	int64_t t = g->p.timestamp != 0 ? g->p.timestamp : (int64_t)time(NULL);

	if (g->tmpl != NULL)
		return vbuf_adds(hdr, g->tmpl);
	vbuf_init(&names, 1 << 20);
	vbuf_init(&tag, 1 << 20);
	st = header_list(s, g, &names);
	if (st == VOUCH_OK)
		st = vbuf_printf(hdr, "DKIM-Signature: v=1; a=%s; c=%s/%s;",
		    g->p.key->type == VOUCH_DKIM_RSA ? "rsa-sha256" :
		    "ed25519-sha256",
		    g->p.header_canon == VOUCH_DKIM_RELAXED ? "relaxed" : "simple",
		    g->p.body_canon == VOUCH_DKIM_RELAXED ? "relaxed" : "simple");
	col = hdr->len;
#define TAG(...) do { \
	vbuf_reset(&tag); \
	if (st == VOUCH_OK) \
		st = vbuf_printf(&tag, __VA_ARGS__); \
	if (st == VOUCH_OK) \
		st = dkim_fold_add(hdr, &col, (const char *)tag.data, tag.len); \
} while (0)
	TAG("d=%s;", g->domain);
	TAG("s=%s;", g->selector);
	if (g->auid != NULL)
		TAG("i=%s;", g->auid);
	TAG("t=%lld;", (long long)t);
	if (g->p.expire > 0)
		TAG("x=%lld;", (long long)(t + g->p.expire));
	/* h= may be long: fold at the colons (FWS is allowed there). */
	if (st == VOUCH_OK)
		st = dkim_fold_add(hdr, &col, "h=", 2);
	if (st == VOUCH_OK)
		st = fold_names(hdr, &col, &names);
	TAG("bh=%s;", bh);
	if (st == VOUCH_OK)
		st = dkim_fold_add(hdr, &col, "b=", 2);
#undef TAG
	vbuf_clear(&names);
	vbuf_clear(&tag);
	return st;
}

/* Append the signature value folded every 72 characters. */
enum vouch_status
dkim_append_b(struct vbuf *hdr, const char *b64)
{
	size_t n = strlen(b64), i, col;
	enum vouch_status st = VOUCH_OK;
	const unsigned char *nl;

	nl = hdr->len > 0 ? (const unsigned char *)memrchr(hdr->data, '\n',
	    hdr->len) : NULL;
	col = nl != NULL ? hdr->len - (size_t)(nl - hdr->data) : hdr->len;
	for (i = 0; i < n && st == VOUCH_OK;) {
		size_t room = col < 76 ? 76 - col : 0, k;

		if (room == 0) {
			st = vbuf_add(hdr, "\r\n\t", 3);
			col = 1;
			continue;
		}
		k = n - i < room ? n - i : room;
		st = vbuf_add(hdr, b64 + i, k);
		i += k;
		col += k;
	}
	return st;
}

static enum vouch_status
sign_one(struct vouch_dkim_signer *s, const struct sig *g,
    const unsigned char bh[32], struct vbuf *out)
{
	struct vbuf hdr, data;
	unsigned char *sig = NULL;
	char *bh64 = NULL, *b64 = NULL;
	size_t slen = 0;
	enum vouch_status st = VOUCH_E_NOMEM;
	const char *names;
	size_t nlen;

	vbuf_init(&hdr, 1 << 20);
	vbuf_init(&data, VOUCH_DKIM_MAX_HEADER * 2);
	if ((bh64 = vouch__b64_encode(bh, 32)) == NULL)
		goto out;
	if ((st = build_header(s, g, bh64, &hdr)) != VOUCH_OK)
		goto out;
	/* h= as written in the header we built (or in the template). */
	{
		struct dkim_tags tags;
		const struct dkim_tag *h;
		char why[128];
		const char *colon = memchr(hdr.data, ':', hdr.len);

		if (colon == NULL || dkim_tags_parse(colon + 1, hdr.len -
		    (size_t)(colon + 1 - (const char *)hdr.data), &tags, why,
		    sizeof(why)) != VOUCH_OK ||
		    (h = dkim_tags_get(&tags, "h")) == NULL) {
			st = VOUCH_E_INVAL;
			goto out;
		}
		names = h->val;
		nlen = h->vlen;
		st = dkim_hash_headers(&s->msg, names, nlen, g->p.header_canon,
		    &data);
	}
	if (st == VOUCH_OK)
		st = dkim_canon_header(&data, hdr.data, hdr.len,
		    g->p.header_canon, 1);
	if (st == VOUCH_OK)
		st = dkim_crypto_sign(g->p.key->pkey, g->p.key->type, data.data,
		    data.len, &sig, &slen);
	if (st == VOUCH_OK && (b64 = vouch__b64_encode(sig, slen)) == NULL)
		st = VOUCH_E_NOMEM;
	if (st == VOUCH_OK)
		st = dkim_append_b(&hdr, b64);
	if (st == VOUCH_OK)
		st = vbuf_add(out, hdr.data, hdr.len);
	if (st == VOUCH_OK)
		st = vbuf_add(out, "\r\n", 2);
out:
	free(bh64);
	free(b64);
	free(sig);
	vbuf_clear(&hdr);
	vbuf_clear(&data);
	return st;
}

/* CRLF to LF when the message itself uses bare LF. */
static void
to_lf(struct vbuf *b)
{
	size_t i, o = 0;

	for (i = 0; i < b->len; i++)
		if (!(b->data[i] == '\r' && i + 1 < b->len &&
		    b->data[i + 1] == '\n'))
			b->data[o++] = b->data[i];
	b->len = o;
	b->data[o] = '\0';
}

enum vouch_status
vouch_dkim_signer_finish(struct vouch_dkim_signer *s, char **headers,
    struct vouch_error *err)
{
	unsigned char bh[2][32];
	struct vbuf out;
	enum vouch_status st;
	const char *why = NULL;
	size_t i;
	int c;

	if (s->finished)
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1,
		    "signer already finished");
	s->finished = 1;
	if ((st = dkim_msg_end(&s->msg)) != VOUCH_OK)
		return vouch__err(err, st, NULL, -1, "%s", vouch_strerror(st));
	if (s->msg.error != NULL)
		return vouch__err(err, VOUCH_E_SYNTAX, "RFC 5322 2.2", -1,
		    "%s%s", strncmp(s->msg.error, "not a message", 13) == 0 ?
		    "" : "malformed header: ", s->msg.error);
	if (dkim_msg_from(&s->msg) == NULL) {
		(void)dkim_msg_from_addr(&s->msg, &why);
		return vouch__err(err, VOUCH_E_SYNTAX, "RFC 5322 3.6", -1,
		    "%s", why);
	}
	for (c = 0; c < 2; c++)
		if (s->need[c] && dkim_body_final(&s->body[c], bh[c]) !=
		    VOUCH_OK)
			return vouch__err(err, VOUCH_E_CRYPTO, NULL, -1,
			    "body hash failed");
	vbuf_init(&out, 1 << 24);
	for (i = 0, st = VOUCH_OK; i < s->n && st == VOUCH_OK; i++)
		st = sign_one(s, &s->sigs[i], bh[s->sigs[i].p.body_canon], &out);
	if (st != VOUCH_OK) {
		vbuf_clear(&out);
		return vouch__err(err, st, NULL, -1, "signing failed: %s",
		    vouch_strerror(st));
	}
	if (s->msg.lf_only)
		to_lf(&out);
	*headers = vbuf_take(&out, NULL);
	return *headers != NULL ? VOUCH_OK : VOUCH_E_NOMEM;
}
