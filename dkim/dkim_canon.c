/*
 * Canonicalization (RFC 6376 3.4), the one implementation the signer and
 * the verifier share.  Input line ends may be CRLF or bare LF; output is
 * always CRLF.
 */
#include "config.h"

#include <string.h>

#include "dkim_int.h"

static int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* 3.4.1 simple: the field unchanged, but every line end as CRLF. */
static enum vouch_status
header_simple(struct vbuf *out, const unsigned char *p, size_t n)
{
	enum vouch_status st = VOUCH_OK;
	size_t i, start = 0;

	for (i = 0; i < n && st == VOUCH_OK; i++) {
		if (p[i] != '\n' || (i > 0 && p[i - 1] == '\r'))
			continue;
		st = vbuf_add(out, p + start, i - start);
		if (st == VOUCH_OK)
			st = vbuf_add(out, "\r\n", 2);
		start = i + 1;
	}
	if (st == VOUCH_OK)
		st = vbuf_add(out, p + start, n - start);
	return st;
}

/*
 * 3.4.2 relaxed: lower-case name, unfold, WSP runs to one SP, no WSP at
 * the end of the value or around the colon.
 */
static enum vouch_status
header_relaxed(struct vbuf *out, const unsigned char *p, size_t n)
{
	enum vouch_status st = VOUCH_OK;
	size_t i = 0, colon, end = n;
	int wsp = 0, started = 0;

	for (colon = 0; colon < n && p[colon] != ':'; colon++)
		;
	/* name, without WSP before the colon */
	for (i = 0; i < colon && st == VOUCH_OK; i++) {
		unsigned char c = p[i];

		if (is_wsp(c) || c == '\r' || c == '\n')
			continue;
		st = vbuf_addc(out, (c >= 'A' && c <= 'Z') ? c + 32 : c);
	}
	if (st == VOUCH_OK)
		st = vbuf_addc(out, ':');
	/* drop the final line end and trailing WSP of the value */
	while (end > colon + 1 && (p[end - 1] == '\n' || p[end - 1] == '\r' ||
	    is_wsp(p[end - 1])))
		end--;
	for (i = colon + 1; i < end && st == VOUCH_OK;) {
		unsigned char c = p[i];
		size_t j;

		/* unfold (a CRLF or bare LF line end) and fold WSP runs into
		 * one SP; a CR that ends no line is content */
		if (c == '\n' || (c == '\r' && i + 1 < end && p[i + 1] == '\n')) {
			i++;
			continue;
		}
		if (is_wsp(c)) {
			wsp = 1;
			i++;
			continue;
		}
		if (wsp && started)
			st = vbuf_addc(out, ' ');
		wsp = 0;
		started = 1;
		for (j = i + 1; j < end && p[j] != '\n' && !is_wsp(p[j]) &&
		    !(p[j] == '\r' && j + 1 < end && p[j + 1] == '\n'); j++)
			;
		if (st == VOUCH_OK)
			st = vbuf_add(out, p + i, j - i);
		i = j;
	}
	return st;
}

enum vouch_status
dkim_canon_header(struct vbuf *out, const unsigned char *raw, size_t len,
    enum vouch_dkim_canon c, int nocrlf)
{
	enum vouch_status st;
	size_t n = len;

	if (c == VOUCH_DKIM_RELAXED) {
		st = header_relaxed(out, raw, len);
	} else {
		if (nocrlf) {
			/* the signature field itself: no final line end */
			if (n > 0 && raw[n - 1] == '\n')
				n--;
			if (n > 0 && raw[n - 1] == '\r')
				n--;
		}
		st = header_simple(out, raw, n);
	}
	if (st == VOUCH_OK && !nocrlf) {
		if (c == VOUCH_DKIM_RELAXED)
			st = vbuf_add(out, "\r\n", 2);
		else if (n == 0 || raw[n - 1] != '\n')
			st = vbuf_add(out, "\r\n", 2);
	}
	return st;
}

/* ---- body ------------------------------------------------------------------- */

enum vouch_status
dkim_body_init(struct dkim_body_hash *h, enum vouch_dkim_canon c,
    uint64_t limit)
{
	return dkim_body_init_md(h, c, limit, 0);
}

enum vouch_status
dkim_body_init_md(struct dkim_body_hash *h, enum vouch_dkim_canon c,
    uint64_t limit, int sha1)
{
	/* not the 8 KB buffer: only the state needs zeroing */
	h->hashed = h->total = h->pending_crlf = 0;
	h->pending_cr = h->pending_wsp = h->any = 0;
	h->blen = 0;
	h->canon = c;
	h->limit = limit;
	h->sha1 = sha1;
	if ((h->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(h->md, sha1 ? EVP_sha1() : dkim_sha256(), NULL)
	    != 1) {
		EVP_MD_CTX_free(h->md);
		h->md = NULL;
		return VOUCH_E_CRYPTO;
	}
	return VOUCH_OK;
}

static void
flush(struct dkim_body_hash *h)
{
	if (h->blen > 0)
		EVP_DigestUpdate(h->md, h->buf, h->blen);
	h->blen = 0;
}

/* Canonical output byte: counted, and hashed up to l=. */
static inline void
emit(struct dkim_body_hash *h, unsigned char c)
{
	h->total++;
	if (h->hashed >= h->limit)
		return;
	h->hashed++;
	h->buf[h->blen++] = c;
	if (h->blen == sizeof(h->buf))
		flush(h);
}

/* Content is coming: the empty lines held back were not trailing. */
static inline void
release(struct dkim_body_hash *h)
{
	for (; h->pending_crlf > 0; h->pending_crlf--) {
		emit(h, '\r');
		emit(h, '\n');
	}
	if (h->pending_wsp) {
		emit(h, ' ');
		h->pending_wsp = 0;
	}
	h->any = 1;
}

static inline void
content(struct dkim_body_hash *h, unsigned char c)
{
	release(h);
	emit(h, c);
}

/* A run of plain content: counted, and hashed up to l=. */
static void
emit_run(struct dkim_body_hash *h, const unsigned char *p, size_t n)
{
	uint64_t room = h->limit - h->hashed;
	size_t k;

	h->total += n;
	if ((uint64_t)n > room)
		n = (size_t)room;
	h->hashed += n;
	while (n > 0) {
		if (h->blen == 0 && n >= sizeof(h->buf)) {
			EVP_DigestUpdate(h->md, p, n);
			return;
		}
		k = sizeof(h->buf) - h->blen < n ? sizeof(h->buf) - h->blen : n;
		memcpy(h->buf + h->blen, p, k);
		h->blen += k;
		p += k;
		n -= k;
		if (h->blen == sizeof(h->buf))
			flush(h);
	}
}

/* Bytes that need the careful path: line ends, and WSP for relaxed.
 * Bit 0: special for simple, bit 1: special for relaxed. */
static const unsigned char special_tab[256] = {
	['\r'] = 3, ['\n'] = 3, [' '] = 2, ['\t'] = 2,
};

static inline int
special(const struct dkim_body_hash *h, unsigned char c)
{
	return special_tab[c] & (h->canon == VOUCH_DKIM_RELAXED ? 2 : 1);
}

/*
 * The longest span from i whose canonical form is the input itself: plain
 * bytes, single SPs between content (relaxed), and CRLFs that a content
 * byte follows (so no empty line hides inside).  One pass, no copies.
 */
static size_t
plain_span_relaxed(const unsigned char *p, size_t i, size_t n)
{
	while (i < n) {
		if (!(special_tab[p[i]] & 2)) {
			i++;
		} else if (p[i] == ' ' && i + 1 < n &&
		    !(special_tab[p[i + 1]] & 2)) {
			i += 2;
		} else if (p[i] == '\r' && i + 2 < n && p[i + 1] == '\n' &&
		    !(special_tab[p[i + 2]] & 2)) {
			i += 3;
		} else {
			break;
		}
	}
	return i;
}

static size_t
plain_span_simple(const unsigned char *p, size_t i, size_t n)
{
	while (i < n) {
		if (!(special_tab[p[i]] & 1))
			i++;
		else if (p[i] == '\r' && i + 2 < n && p[i + 1] == '\n' &&
		    !(special_tab[p[i + 2]] & 1))
			i += 3;
		else
			break;
	}
	return i;
}

void
dkim_body_update(struct dkim_body_hash *h, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (!special(h, c) && !h->pending_cr) {
			/* fast path: everything that canonicalizes to itself */
			size_t j = h->canon == VOUCH_DKIM_RELAXED ?
			    plain_span_relaxed(p, i + 1, n) :
			    plain_span_simple(p, i + 1, n);

			release(h);
			emit_run(h, p + i, j - i);
			i = j - 1;
			continue;
		}
		if (h->pending_cr) {
			h->pending_cr = 0;
			if (c == '\n') {
				h->pending_wsp = 0;
				h->pending_crlf++;
				continue;
			}
			content(h, '\r');	/* a bare CR is content */
		}
		if (c == '\r') {
			h->pending_cr = 1;
		} else if (c == '\n') {
			h->pending_wsp = 0;	/* 3.4.4 b: WSP at line end */
			h->pending_crlf++;
		} else if (h->canon == VOUCH_DKIM_RELAXED && is_wsp(c)) {
			h->pending_wsp = 1;	/* 3.4.4 a: runs to one SP */
		} else {
			content(h, c);
		}
	}
}

enum vouch_status
dkim_body_final(struct dkim_body_hash *h, unsigned char out[32])
{
	unsigned int len = 0;

	if (h->pending_cr)
		content(h, '\r');
	/*
	 * Trailing empty lines are dropped (3.4.3, 3.4.4 c); a body that
	 * has content ends with exactly one CRLF.  An empty body is CRLF
	 * for simple and nothing for relaxed.
	 */
	if (h->any || h->canon == VOUCH_DKIM_SIMPLE) {
		h->pending_crlf = 0;
		h->pending_wsp = 0;
		emit(h, '\r');
		emit(h, '\n');
	}
	flush(h);
	if (EVP_DigestFinal_ex(h->md, out, &len) != 1 ||
	    len != (h->sha1 ? 20u : 32u))
		return VOUCH_E_CRYPTO;
	return VOUCH_OK;
}

void
dkim_body_clear(struct dkim_body_hash *h)
{
	EVP_MD_CTX_free(h->md);
	h->md = NULL;
}
