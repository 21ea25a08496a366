/*
 * RFC 8601 2.2 Authentication-Results payloads, parsed whole: the only way
 * vouch reads a verdict out of header text (the milter's forged-field
 * check, ARC trust).  Rules are named after the ABNF they match.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ar.h"
#include "buf.h"
#include "util.h"

struct cur {
	const char *p, *end, *start;
};

int
vouch__cfws_skip(const char **pp, const char *end)
{
	const char *p = *pp;
	int depth;

	for (;;) {
		if (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
		    *p == '\n')) {
			p++;
			continue;
		}
		if (p >= end || *p != '(')
			break;
		for (depth = 1, p++; depth > 0; p++) {
			if (p >= end)
				return -1;
			if (*p == '\\' && p + 1 < end)
				p++;
			else if (*p == '(')
				depth++;
			else if (*p == ')')
				depth--;
		}
	}
	*pp = p;
	return 0;
}

static int
cfws(struct cur *c)
{
	return vouch__cfws_skip(&c->p, c->end);
}

/* RFC 2045 5.1 token character */
static int
tchar(unsigned char ch)
{
	return ch > ' ' && ch < 0x7f && strchr("()<>@,;:\\\"/[]?=", ch) == NULL;
}

/* RFC 5321 Keyword-ish: letters, digits, '-', '_' */
static int
kchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
}

static char *
dup_lower(const char *s, size_t n)
{
	char *r = malloc(n + 1);
	size_t i;

	if (r == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		r[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	r[n] = '\0';
	return r;
}

/* Keyword into *out (lower case); VOUCH_E_SYNTAX when there is none. */
static enum vouch_status
keyword(struct cur *c, char **out)
{
	const char *s = c->p;

	while (c->p < c->end && kchar((unsigned char)*c->p))
		c->p++;
	if (c->p == s)
		return VOUCH_E_SYNTAX;
	return (*out = dup_lower(s, (size_t)(c->p - s))) != NULL ? VOUCH_OK :
	    VOUCH_E_NOMEM;
}

/* quoted-string (RFC 5322 3.2.4, UTF-8 allowed per RFC 6532), undone. */
static enum vouch_status
quoted_string(struct cur *c, struct vbuf *b)
{
	c->p++;	/* the opening DQUOTE */
	for (; c->p < c->end; c->p++) {
		unsigned char ch = (unsigned char)*c->p;

		if (ch == '"') {
			c->p++;
			return VOUCH_OK;
		}
		if (ch == '\\') {
			if (++c->p >= c->end)
				break;
			ch = (unsigned char)*c->p;
		}
		if (ch == '\r' || ch == '\n')
			continue;	/* a fold (or obs-qp of one): unfolded */
		if (ch == '\0')
			return VOUCH_E_SYNTAX;	/* no NUL in a value */
		if (vbuf_addc(b, ch) != VOUCH_OK)
			return VOUCH_E_NOMEM;
	}
	return VOUCH_E_SYNTAX;
}

/* RFC 2045 value: token / quoted-string. */
static enum vouch_status
value(struct cur *c, char **out)
{
	struct vbuf b;
	enum vouch_status st = VOUCH_OK;
	const char *s = c->p;

	vbuf_init(&b, VOUCH_AR_MAX_TEXT);
	if (c->p < c->end && *c->p == '"') {
		st = quoted_string(c, &b);
	} else {
		while (c->p < c->end && tchar((unsigned char)*c->p))
			c->p++;
		if (c->p == s)
			st = VOUCH_E_SYNTAX;
		else
			st = vbuf_add(&b, s, (size_t)(c->p - s));
	}
	if (st == VOUCH_OK && (*out = vbuf_take(&b, NULL)) == NULL)
		st = VOUCH_E_NOMEM;
	vbuf_clear(&b);
	return st;
}

/* pvalue's bare form: [local-part "@"] domain-name, an address literal,
 * or a token: printable, none of the characters that end a pvalue. */
static int
pchar(unsigned char ch)
{
	return ch > ' ' && ch != 0x7f && strchr(";()\"\\,<>", ch) == NULL;
}

/* pvalue = [CFWS] ( value / [ [ local-part ] "@" ] domain-name ) [CFWS] */
static enum vouch_status
pvalue(struct cur *c, char **out)
{
	struct vbuf b;
	enum vouch_status st = VOUCH_OK;
	const char *s;
	int quoted = 0;

	if (cfws(c) != 0)
		return VOUCH_E_SYNTAX;
	vbuf_init(&b, VOUCH_AR_MAX_TEXT);
	if (c->p < c->end && *c->p == '"') {
		st = quoted_string(c, &b);
		quoted = 1;
	}
	s = c->p;
	while (st == VOUCH_OK && c->p < c->end && pchar((unsigned char)*c->p))
		c->p++;
	if (st == VOUCH_OK && c->p > s)
		st = vbuf_add(&b, s, (size_t)(c->p - s));
	if (st == VOUCH_OK && !quoted && c->p == s)
		st = VOUCH_E_SYNTAX;	/* nothing at all (an empty "" is a value) */
	if (st == VOUCH_OK && (*out = vbuf_take(&b, NULL)) == NULL)
		st = VOUCH_E_NOMEM;
	vbuf_clear(&b);
	return st;
}

static enum vouch_status
expect(struct cur *c, char ch)
{
	if (cfws(c) != 0 || c->p >= c->end || *c->p != ch)
		return VOUCH_E_SYNTAX;
	c->p++;
	return cfws(c) != 0 ? VOUCH_E_SYNTAX : VOUCH_OK;
}

/* Is the next word w (any case), followed by [CFWS] nxt? */
static int
next_is(const struct cur *c, const char *w, char nxt)
{
	size_t n = strlen(w);
	const char *p = c->p + n;

	if ((size_t)(c->end - c->p) < n || !vouch__memcaseeq(c->p, w, n) ||
	    (p < c->end && kchar((unsigned char)*p)))
		return 0;
	if (vouch__cfws_skip(&p, c->end) != 0)
		return 0;
	return nxt == '\0' ? p == c->end : p < c->end && *p == nxt;
}

static void
res_clear(struct vouch_ar_res *r)
{
	size_t i;

	free(r->method);
	free(r->result);
	free(r->reason);
	for (i = 0; i < r->nprops; i++) {
		free(r->props[i].ptype);
		free(r->props[i].property);
		free(r->props[i].value);
	}
	free(r->props);
	memset(r, 0, sizeof(*r));
}

/* propspec = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue */
static enum vouch_status
propspec(struct cur *c, struct vouch_ar_res *r)
{
	struct vouch_ar_prop pr = { NULL, NULL, NULL }, *np;
	enum vouch_status st;

	if ((st = keyword(c, &pr.ptype)) != VOUCH_OK ||
	    (st = expect(c, '.')) != VOUCH_OK ||
	    (st = keyword(c, &pr.property)) != VOUCH_OK ||
	    (st = expect(c, '=')) != VOUCH_OK ||
	    (st = pvalue(c, &pr.value)) != VOUCH_OK)
		goto fail;
	if ((np = realloc(r->props, (r->nprops + 1) * sizeof(*np))) == NULL) {
		st = VOUCH_E_NOMEM;
		goto fail;
	}
	r->props = np;
	r->props[r->nprops++] = pr;
	return VOUCH_OK;
fail:
	free(pr.ptype);
	free(pr.property);
	free(pr.value);
	return st;
}

/* resinfo after its ";": methodspec [reasonspec] [1*propspec] */
static enum vouch_status
resinfo(struct cur *c, struct vouch_ar_res *r)
{
	enum vouch_status st;

	if ((st = keyword(c, &r->method)) != VOUCH_OK)
		return st;
	if (cfws(c) != 0)
		return VOUCH_E_SYNTAX;
	if (c->p < c->end && *c->p == '/') {	/* method-version */
		c->p++;
		if (cfws(c) != 0 || c->p >= c->end || *c->p < '0' ||
		    *c->p > '9')
			return VOUCH_E_SYNTAX;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	if ((st = expect(c, '=')) != VOUCH_OK ||
	    (st = keyword(c, &r->result)) != VOUCH_OK)
		return st;
	if (cfws(c) != 0)
		return VOUCH_E_SYNTAX;
	if (next_is(c, "reason", '=')) {
		c->p += 6;
		if ((st = expect(c, '=')) != VOUCH_OK ||
		    (st = value(c, &r->reason)) != VOUCH_OK)
			return st;
	}
	for (;;) {
		if (cfws(c) != 0)
			return VOUCH_E_SYNTAX;
		if (c->p >= c->end || *c->p == ';')
			return VOUCH_OK;
		if ((st = propspec(c, r)) != VOUCH_OK)
			return st;
	}
}

void
vouch_ar_clear(struct vouch_ar *ar)
{
	size_t i;

	if (ar == NULL)
		return;
	free(ar->authserv_id);
	for (i = 0; i < ar->nres; i++)
		res_clear(&ar->res[i]);
	free(ar->res);
	memset(ar, 0, sizeof(*ar));
}

static enum vouch_status
head(struct cur *c, char **id)
{
	if (cfws(c) != 0)
		return VOUCH_E_SYNTAX;
	return value(c, id);
}

enum vouch_status
vouch_ar_authserv_id(const char *text, size_t len, char **id)
{
	struct cur c = { text, text + len, text };

	if (len > VOUCH_AR_MAX_TEXT)
		return VOUCH_E_SYNTAX;
	return head(&c, id);
}

static enum vouch_status
results(struct cur *c, struct vouch_ar *ar)
{
	struct vouch_ar_res *nr;
	enum vouch_status st;

	if (cfws(c) != 0)
		return VOUCH_E_SYNTAX;
	/* authres-version = 1*DIGIT [CFWS] */
	if (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
		if (cfws(c) != 0)
			return VOUCH_E_SYNTAX;
	}
	if (c->p >= c->end || *c->p != ';')
		return VOUCH_E_SYNTAX;
	c->p++;
	if (cfws(c) != 0)
		return VOUCH_E_SYNTAX;
	if (next_is(c, "none", '\0'))
		return VOUCH_OK;	/* no-result */
	for (;;) {
		if ((nr = realloc(ar->res, (ar->nres + 1) * sizeof(*nr))) ==
		    NULL)
			return VOUCH_E_NOMEM;
		ar->res = nr;
		memset(&ar->res[ar->nres], 0, sizeof(*nr));
		st = resinfo(c, &ar->res[ar->nres]);
		ar->nres++;
		if (st != VOUCH_OK)
			return st;
		if (c->p >= c->end)
			return VOUCH_OK;
		c->p++;	/* the ';' resinfo stopped at */
		if (cfws(c) != 0)
			return VOUCH_E_SYNTAX;
		if (c->p >= c->end)
			return VOUCH_OK;	/* a final ';', as some write */
	}
}

enum vouch_status
vouch_ar_parse(const char *text, size_t len, struct vouch_ar *ar,
    struct vouch_error *err)
{
	struct cur c = { text, text + len, text };
	struct vouch_ar r;
	enum vouch_status st;

	memset(&r, 0, sizeof(r));
	if (len > VOUCH_AR_MAX_TEXT)
		return vouch__err(err, VOUCH_E_SYNTAX, "RFC 8601 2.2", -1,
		    "Authentication-Results text over %u bytes",
		    VOUCH_AR_MAX_TEXT);
	if ((st = head(&c, &r.authserv_id)) == VOUCH_OK)
		st = results(&c, &r);
	if (st != VOUCH_OK) {
		vouch_ar_clear(&r);
		return vouch__err(err, st, "RFC 8601 2.2", (long)(c.p - text),
		    "%s at byte %ld", st == VOUCH_E_NOMEM ? "out of memory" :
		    "not an RFC 8601 payload", (long)(c.p - text));
	}
	*ar = r;
	return VOUCH_OK;
}

const char *
vouch_ar_prop(const struct vouch_ar_res *r, const char *ptype,
    const char *property)
{
	size_t i;

	for (i = 0; i < r->nprops; i++)
		if (strcmp(r->props[i].ptype, ptype) == 0 &&
		    strcmp(r->props[i].property, property) == 0)
			return r->props[i].value;
	return NULL;
}

enum vouch_status
vouch__ar_write(struct vhdr *h, const struct vouch_ar *ar)
{
	size_t i, k;

	/* keywords came through keyword(): letters, digits, '-', '_' only,
	 * safe as they are; every value goes through the escaping writer */
	vhdr_prop(h, NULL, ar->authserv_id, VHDR_VALUE);
	vhdr_raw(h, ";");
	if (ar->nres == 0)
		vhdr_word(h, "none", 1);
	for (i = 0; i < ar->nres; i++) {
		const struct vouch_ar_res *r = &ar->res[i];

		if (i > 0)
			vhdr_raw(h, ";");
		vhdr_newline(h);
		vhdr_raw(h, r->method);
		vhdr_raw(h, "=");
		vhdr_raw(h, r->result);
		if (r->reason != NULL)
			vhdr_prop(h, "reason", r->reason, VHDR_VALUE);
		for (k = 0; k < r->nprops && h->st == VOUCH_OK; k++) {
			size_t n = strlen(r->props[k].ptype) +
			    strlen(r->props[k].property) + 2;
			char *key = malloc(n);

			if (key == NULL) {
				h->st = VOUCH_E_NOMEM;
				break;
			}
			snprintf(key, n, "%s.%s", r->props[k].ptype,
			    r->props[k].property);
			vhdr_prop(h, key, r->props[k].value, VHDR_TOKEN);
			free(key);
		}
	}
	return h->st;
}
