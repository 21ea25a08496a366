/*
 * The header writer (see hdr.h).  Outside text is escaped first, into a
 * scratch buffer, and only then split into words at its spaces; the
 * escaped form has no CR, LF or other control byte, so a fold can only
 * ever happen where this writer puts one.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "hdr.h"

size_t
vouch__utf8_len(const unsigned char *p, size_t n)
{
	size_t need, i;
	uint32_t cp;

	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	need = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (n < need)
		return 0;
	cp = p[0] & (0x7f >> need);
	for (i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

enum vouch_status
vouch__text_esc(struct vbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = s != NULL ? strlen(s) : 0, i, u;
	enum vouch_status st = VOUCH_OK;

	for (i = 0; i < n && st == VOUCH_OK; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f)
			st = vbuf_addc(b, p[i]);
		else if (p[i] >= 0x80 && (u = vouch__utf8_len(p + i, n - i)) > 0 &&
		    !(p[i] == 0xc2 && p[i + 1] < 0xa0)) {
			/* (not the C1 controls U+0080..U+009F: terminals obey
			 * them too) */
			st = vbuf_add(b, p + i, u);
			i += u - 1;
		} else
			st = vbuf_printf(b, "\\x%02x", p[i]);
	}
	return st;
}

void
vhdr_init(struct vhdr *h, const char *name)
{
	vbuf_init(&h->b, 1 << 20);
	h->st = VOUCH_OK;
	h->col = 0;
	h->fresh = name == NULL;
	if (name == NULL)
		return;		/* a part of a field, not a whole one */
	h->st = vbuf_adds(&h->b, name);
	if (h->st == VOUCH_OK)
		h->st = vbuf_addc(&h->b, ':');
	h->col = strlen(name) + 1;
}

void
vhdr_clear(struct vhdr *h)
{
	vbuf_clear(&h->b);
}

/* One word of n bytes, after a fold point when sep is ' ' or '\t' (the
 * white space a fold keeps: '\t' between our own parts, ' ' inside a
 * comment or quoted-string, where it is part of the value). */
static void
put(struct vhdr *h, const char *p, size_t n, int sep)
{
	if (h->st != VOUCH_OK)
		return;
	if (h->fresh)
		sep = 0;
	h->fresh = 0;
	if (sep != 0 && h->col + 1 + n > VHDR_LINE && h->col > 8) {
		h->st = vbuf_addc(&h->b, '\n');
		if (h->st == VOUCH_OK)
			h->st = vbuf_addc(&h->b, (unsigned char)sep);
		h->col = sep == '\t' ? 8 : 1;
	} else if (sep != 0) {
		h->st = vbuf_addc(&h->b, ' ');
		h->col++;
	}
	if (h->st == VOUCH_OK)
		h->st = vbuf_add(&h->b, p, n);
	h->col += n;
}

/* Write escaped text word by word: its first word after a fold point
 * of our own, the others after the spaces that were in the text. */
static void
put_words(struct vhdr *h, const struct vbuf *t)
{
	const char *p = (const char *)t->data, *end = p + t->len;
	int sep = '\t';

	while (h->st == VOUCH_OK && p <= end) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		size_t n = sp != NULL ? (size_t)(sp - p) : (size_t)(end - p);

		put(h, p, n, sep);
		sep = ' ';
		if (sp == NULL)
			break;
		p = sp + 1;
	}
}

void
vhdr_word(struct vhdr *h, const char *s, int space_before)
{
	put(h, s, strlen(s), space_before ? '\t' : 0);
}

void
vhdr_raw(struct vhdr *h, const char *s)
{
	put(h, s, strlen(s), 0);
}

void
vhdr_newline(struct vhdr *h)
{
	if (h->st == VOUCH_OK)
		h->st = vbuf_add(&h->b, "\n\t", 2);
	h->col = 8;
	h->fresh = 1;
}

/* Escape one byte of outside text: quoted-pair for the specials of its
 * context, a visible \xNN (backslash itself escaped) for anything that
 * is not printable ASCII.  Spaces stay: they are the fold points. */
static enum vouch_status
esc(struct vbuf *t, unsigned char c, const char *specials)
{
	if (c >= 0x20 && c < 0x7f && strchr(specials, c) == NULL)
		return vbuf_addc(t, c);
	if (c >= 0x20 && c < 0x7f)
		return vbuf_printf(t, "\\%c", c);
	return vbuf_printf(t, "\\\\x%02x", c);
}

/* Escape at most max bytes of s, and stop before the escaped text passes
 * VHDR_MAX_ESCAPED (escapes make it up to five times longer): with no
 * space in it, it is one word, and a line must stay under 998. */
static enum vouch_status
esc_str(struct vbuf *t, const char *s, size_t max, const char *specials)
{
	size_t i, n = strlen(s), start = t->len;
	enum vouch_status st = VOUCH_OK;

	for (i = 0; i < n && i < max && st == VOUCH_OK &&
	    t->len - start < VHDR_MAX_ESCAPED; i++)
		st = esc(t, (unsigned char)s[i], specials);
	if (st == VOUCH_OK && i < n)
		st = vbuf_adds(t, "...");
	return st;
}

void
vhdr_comment(struct vhdr *h, const char *s)
{
	struct vbuf t;

	if (h->st != VOUCH_OK)
		return;
	vbuf_init(&t, 8 * VHDR_MAX_COMMENT);
	h->st = vbuf_addc(&t, '(');
	if (h->st == VOUCH_OK)
		h->st = esc_str(&t, s, VHDR_MAX_COMMENT, "()\\");
	if (h->st == VOUCH_OK)
		h->st = vbuf_addc(&t, ')');
	if (h->st == VOUCH_OK)
		put_words(h, &t);
	vbuf_clear(&t);
}

static int
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* RFC 5322 3.2.3 dot-atom-text over [s, e). */
static int
is_dot_atom(const char *s, const char *e)
{
	const char *p;

	if (s == e || *s == '.' || e[-1] == '.')
		return 0;
	for (p = s; p < e; p++)
		if (!(is_atext((unsigned char)*p) || (*p == '.' && p[1] != '.')))
			return 0;
	return 1;
}

/* RFC 2045 5.1 token */
static int
is_token(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (*p == '\0')
		return 0;
	for (; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("()<>@,;:\\\"/[]?=", *p))
			return 0;
	return 1;
}

/* RFC 8601 2.2 pvalue: [ [ local-part ] "@" ] domain-name, with a
 * dot-atom local part (anything else goes quoted). */
static int
is_addr(const char *s)
{
	const char *at = strchr(s, '@'), *e = s + strlen(s), *p;

	if (at == NULL || strchr(at + 1, '@') != NULL)
		return 0;
	if (at > s && !is_dot_atom(s, at))
		return 0;
	if (!is_dot_atom(at + 1, e))
		return 0;
	for (p = at + 1; p < e; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_'))
			return 0;
	return 1;
}

void
vhdr_prop(struct vhdr *h, const char *key, const char *val,
    enum vhdr_kind kind)
{
	struct vbuf t;
	size_t n = strlen(val);
	int plain;

	if (h->st != VOUCH_OK)
		return;
	if (kind == VHDR_TOKEN)
		plain = is_token(val) || is_addr(val);
	else if (kind == VHDR_VALUE)
		plain = is_token(val);
	else
		plain = is_dot_atom(val, val + n);
	if (n > VHDR_MAX_VALUE)
		plain = 0;
	vbuf_init(&t, 8 * VHDR_MAX_VALUE + 256);
	h->st = key != NULL ? vbuf_printf(&t, "%s=", key) : VOUCH_OK;
	if (h->st == VOUCH_OK && plain)
		h->st = vbuf_adds(&t, val);
	else if (h->st == VOUCH_OK) {
		h->st = vbuf_addc(&t, '"');
		if (h->st == VOUCH_OK)
			h->st = esc_str(&t, val, VHDR_MAX_VALUE, "\"\\");
		if (h->st == VOUCH_OK)
			h->st = vbuf_addc(&t, '"');
	}
	if (h->st == VOUCH_OK)
		put_words(h, &t);
	vbuf_clear(&t);
}

char *
vhdr_take(struct vhdr *h)
{
	if (h->st != VOUCH_OK) {
		vbuf_clear(&h->b);
		return NULL;
	}
	return vbuf_take(&h->b, NULL);
}
