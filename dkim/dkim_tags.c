/* tag-list = tag-spec *( ";" tag-spec ) [ ";" ]  (RFC 6376 3.2) */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim_int.h"

static int
is_fws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* tag-name = ALPHA *ALNUMPUNC */
static int
tok_tag_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !is_alpha((unsigned char)s[0]))
		return 0;
	for (i = 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '_')
			return 0;
	}
	return 1;
}

/* tval = 1*VALCHAR, VALCHAR = %x21-3A / %x3C-7E, FWS allowed between */
static int
tok_tag_value(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x21 || c > 0x7e) && !is_fws(c))
			return 0;	/* ';' cannot occur: it ends the tag */
	}
	return 1;
}

/* One tag-spec, s[ns..end) with ns at its first non-FWS byte, added to
 * tags (RFC 6376 3.2: name, FWS around "=", value; no duplicates). */
static enum vouch_status
tag_spec(const char *s, size_t ns, size_t end, struct dkim_tags *tags,
    char *why, size_t whylen)
{
	const char *eqp = memchr(s + ns, '=', end - ns);
	size_t eq, ne, vs, ve, j;
	struct dkim_tag *t;

	if (eqp == NULL) {
		snprintf(why, whylen, "tag '%.*s' has no '='",
		    (int)((end - ns) > 20 ? 20 : end - ns), s + ns);
		return VOUCH_E_SYNTAX;
	}
	eq = (size_t)(eqp - s);
	for (ne = eq; ne > ns && is_fws((unsigned char)s[ne - 1]); ne--)
		;
	for (vs = eq + 1; vs < end && is_fws((unsigned char)s[vs]); vs++)
		;
	for (ve = end; ve > vs && is_fws((unsigned char)s[ve - 1]); ve--)
		;
	if (!tok_tag_name(s + ns, ne - ns)) {
		snprintf(why, whylen, "invalid tag name '%.*s'",
		    (int)((ne - ns) > 20 ? 20 : ne - ns), s + ns);
		return VOUCH_E_SYNTAX;
	}
	if (!tok_tag_value(s + vs, ve - vs)) {
		snprintf(why, whylen, "syntax error in tag %.*s", (int)(ne - ns),
		    s + ns);
		return VOUCH_E_SYNTAX;
	}
	for (j = 0; j < tags->n; j++)
		if (tags->t[j].nlen == ne - ns &&
		    memcmp(tags->t[j].name, s + ns, ne - ns) == 0) {
			snprintf(why, whylen, "duplicate tag %.*s",
			    (int)(ne - ns), s + ns);
			return VOUCH_E_SYNTAX;
		}
	if (tags->n == DKIM_MAX_TAGS) {
		snprintf(why, whylen, "too many tags");
		return VOUCH_E_SYNTAX;
	}
	t = &tags->t[tags->n++];
	t->name = s + ns;
	t->nlen = ne - ns;
	t->val = s + vs;
	t->vlen = ve - vs;
	return VOUCH_OK;
}

enum vouch_status
dkim_tags_parse(const char *s, size_t n, struct dkim_tags *tags, char *why,
    size_t whylen)
{
	size_t i = 0, j, start, end, ns;
	enum vouch_status st;

	tags->n = 0;
	while (i < n) {
		const char *semi = memchr(s + i, ';', n - i);

		start = i;
		end = semi != NULL ? (size_t)(semi - s) : n;
		i = end + 1;
		for (ns = start; ns < end && is_fws((unsigned char)s[ns]); ns++)
			;
		if (ns < end) {
			if ((st = tag_spec(s, ns, end, tags, why, whylen)) !=
			    VOUCH_OK)
				return st;
			continue;
		}
		/* an empty tag-spec is allowed only as a trailing ';' */
		for (j = end + 1; end < n && j < n &&
		    is_fws((unsigned char)s[j]); j++)
			;
		if (end < n && j < n) {
			snprintf(why, whylen, "empty tag");
			return VOUCH_E_SYNTAX;
		}
	}
	return VOUCH_OK;
}

const struct dkim_tag *
dkim_tags_get(const struct dkim_tags *t, const char *name)
{
	size_t i, n = strlen(name);

	/* Tag names are case-sensitive (RFC 6376 3.2). */
	for (i = 0; i < t->n; i++)
		if (t->t[i].nlen == n && memcmp(t->t[i].name, name, n) == 0)
			return &t->t[i];
	return NULL;
}

char *
dkim_tag_nows(const struct dkim_tag *t)
{
	char *out = malloc(t->vlen + 1);
	size_t i, o = 0;

	if (out == NULL)
		return NULL;
	for (i = 0; i < t->vlen; i++)
		if (!is_fws((unsigned char)t->val[i]))
			out[o++] = t->val[i];
	out[o] = '\0';
	return out;
}

int
dkim_list_next(const char *s, size_t n, char sep, size_t *pos,
    const char **elem, size_t *elen)
{
	size_t i = *pos, b, e;

	if (i >= n)
		return 0;
	for (e = i; e < n && s[e] != sep; e++)
		;
	*pos = e + 1;
	for (b = i; b < e && is_fws((unsigned char)s[b]); b++)
		;
	while (e > b && is_fws((unsigned char)s[e - 1]))
		e--;
	*elem = s + b;
	*elen = e - b;
	return 1;
}
