/*
 * SPF macros (RFC 7208 7).  One walker both checks syntax (env == NULL) and
 * expands, so the two can never disagree.  Output goes through a bounded
 * buffer: no length is computed ahead and then trusted (the libspf2 macro
 * CVEs came from exactly that).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf_int.h"
#include "common/util.h"

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
is_delim(int c)
{
	return c != '\0' && strchr(".-+,/_=", c) != NULL;
}

/* RFC 3986 unreserved characters are kept; the rest is %XX escaped. */
static enum vouch_status
url_escape(struct vbuf *out, const char *s, size_t n)
{
	enum vouch_status st = VOUCH_OK;
	size_t i;

	for (i = 0; i < n && st == VOUCH_OK; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			st = vbuf_addc(out, c);
		else
			st = vbuf_printf(out, "%%%02X", c);
	}
	return st;
}

static const char *
letter_value(const struct spf_macro_env *env, int c, char *tbuf,
    size_t tsize, char **owned)
{
	switch (c) {
	case 's': return env->sender;
	case 'l': return env->local;
	case 'o': return env->odomain;
	case 'd': return env->domain;
	case 'i': return env->ip_dotted;
	case 'v': return env->v6 ? "ip6" : "in-addr";
	case 'h': return env->helo != NULL ? env->helo : "unknown";
	case 'c': return env->ip_readable;
	case 'r': return env->receiver != NULL ? env->receiver : "unknown";
	case 't':
		snprintf(tbuf, tsize, "%lld", env->now);
		return tbuf;
	case 'p':
		*owned = env->validated != NULL ? env->validated(env->arg) :
		    NULL;
		return *owned != NULL ? *owned : "unknown";
	}
	return "";
}

/*
 * Apply transformers: split on delimiters, maybe reverse, keep the
 * rightmost digits parts, join with '.' (RFC 7208 7.3).
 */
static enum vouch_status
transform(struct vbuf *out, const char *v, unsigned digits, int reverse,
    const char *delims, size_t ndelims, int upper)
{
	const char *parts[256];
	size_t lens[256], np = 0, i, start, first;
	struct vbuf tmp;
	enum vouch_status st = VOUCH_OK;
	size_t n = strlen(v), p = 0;

	/* Delimiters default to '.'. */
	for (start = 0;; p++) {
		int isd = p < n && (ndelims == 0 ? v[p] == '.' :
		    memchr(delims, v[p], ndelims) != NULL);

		if (p == n || isd) {
			if (np == sizeof(parts) / sizeof(parts[0]))
				return VOUCH_E_LIMIT;
			parts[np] = v + start;
			lens[np++] = p - start;
			start = p + 1;
			if (p == n)
				break;
		}
	}
	if (reverse)
		for (i = 0; i < np / 2; i++) {
			const char *tp = parts[i];
			size_t tl = lens[i];

			parts[i] = parts[np - 1 - i];
			lens[i] = lens[np - 1 - i];
			parts[np - 1 - i] = tp;
			lens[np - 1 - i] = tl;
		}
	first = (digits > 0 && digits < np) ? np - digits : 0;
	vbuf_init(&tmp, VOUCH_SPF_MAX_EXPANSION);
	for (i = first; i < np && st == VOUCH_OK; i++) {
		if (i > first)
			st = vbuf_addc(&tmp, '.');
		if (st == VOUCH_OK)
			st = vbuf_add(&tmp, parts[i], lens[i]);
	}
	if (st == VOUCH_OK)
		st = upper ? url_escape(out, (const char *)tmp.data, tmp.len) :
		    vbuf_add(out, tmp.data, tmp.len);
	vbuf_clear(&tmp);
	return st;
}

/* macro-expand = "%{" macro-letter transformers *delimiter "}" */
static enum vouch_status
tok_macro_expand(const char *s, size_t n, size_t *i, int exp,
    const struct spf_macro_env *env, struct vbuf *out)
{
	size_t j = *i + 2, ds, dn;
	unsigned digits = 0;
	int letter, lower, reverse = 0, havedigits = 0;
	char tbuf[32], *owned = NULL;
	enum vouch_status st;

	if (j >= n)
		return VOUCH_E_SYNTAX;
	letter = (unsigned char)s[j++];
	lower = letter | 0x20;
	if (strchr(exp ? "slodipvhcrt" : "slodipvh", lower) == NULL ||
	    !((letter >= 'a' && letter <= 'z') ||
	    (letter >= 'A' && letter <= 'Z')))
		return VOUCH_E_SYNTAX;
	while (j < n && s[j] >= '0' && s[j] <= '9') {
		digits = digits * 10 + (unsigned)(s[j++] - '0');
		havedigits = 1;
		/* RFC 7208 7.3: more parts than there are means all of
		 * them; saturate rather than overflow */
		if (digits > 128)
			digits = 129;
	}
	if (havedigits && digits == 0)
		return VOUCH_E_SYNTAX;	/* RFC 7208 7.1: zero is invalid */
	if (j < n && (s[j] == 'r' || s[j] == 'R')) {
		reverse = 1;
		j++;
	}
	for (ds = j; j < n && is_delim((unsigned char)s[j]); j++)
		;
	dn = j - ds;
	if (j >= n || s[j] != '}')
		return VOUCH_E_SYNTAX;
	*i = j + 1;
	if (env == NULL)
		return VOUCH_OK;
	st = transform(out, letter_value(env, lower, tbuf, sizeof(tbuf), &owned),
	    digits, reverse, s + ds, dn, letter != lower);
	free(owned);
	return st;
}

enum vouch_status
spf_macro_expand(const char *s, size_t n, int exp,
    const struct spf_macro_env *env, struct vbuf *out)
{
	enum vouch_status st = VOUCH_OK;
	size_t i = 0;

	while (i < n && st == VOUCH_OK) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			if (i + 1 >= n)
				return VOUCH_E_SYNTAX;
			switch (s[i + 1]) {
			case '{':
				st = tok_macro_expand(s, n, &i, exp, env, out);
				continue;
			case '%':
				c = '%';
				break;
			case '_':
				c = ' ';
				break;
			case '-':
				if (env != NULL)
					st = vbuf_adds(out, "%20");
				i += 2;
				continue;
			default:
				return VOUCH_E_SYNTAX;
			}
			i += 2;
		} else if ((c >= 0x21 && c <= 0x7e) || (exp && c == ' ')) {
			/* a run of macro-literal (or explain-string SP) */
			size_t j = i + 1;

			while (j < n && s[j] != '%' && (((unsigned char)s[j] >=
			    0x21 && (unsigned char)s[j] <= 0x7e) ||
			    (exp && s[j] == ' ')))
				j++;
			if (env != NULL)
				st = vbuf_add(out, s + i, j - i);
			i = j;
			continue;
		} else {
			return VOUCH_E_SYNTAX;
		}
		if (env != NULL)
			st = vbuf_addc(out, c);
	}
	return st;
}

/* toplabel = ( *alphanum ALPHA *alphanum ) /
 *            ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
static int
tok_toplabel(const char *s, size_t n)
{
	size_t i;
	int alpha = 0;

	if (n == 0 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '-')
			continue;
		if (!is_alnum((unsigned char)s[i]))
			return 0;
		if (!(s[i] >= '0' && s[i] <= '9'))
			alpha = 1;
	}
	if (s[0] == '-' || s[n - 1] == '-')
		return 0;
	return alpha || memchr(s, '-', n) != NULL;
}

int
spf_domain_spec_ok(const char *s, size_t n)
{
	size_t end = n, dot;

	if (n == 0 || spf_macro_expand(s, n, 0, NULL, NULL) != VOUCH_OK)
		return 0;
	/* domain-end = ( "." toplabel [ "." ] ) / macro-expand */
	if (s[n - 1] == '}')
		return 1;	/* ends in a macro-expand (checked above) */
	if (end > 0 && s[end - 1] == '.')
		end--;
	for (dot = end; dot > 0 && s[dot - 1] != '.'; dot--)
		;
	if (dot == 0)
		return 0;	/* a toplabel alone is not a domain-spec */
	return tok_toplabel(s + dot, end - dot);
}

void
spf_domain_truncate(struct vbuf *b)
{
	size_t cut = 0;

	while (b->len - cut > VOUCH_SPF_MAX_DOMAIN) {
		unsigned char *dot = memchr(b->data + cut, '.', b->len - cut);

		if (dot == NULL)
			break;
		cut = (size_t)(dot - b->data) + 1;
	}
	if (cut > 0) {
		memmove(b->data, b->data + cut, b->len - cut);
		b->len -= cut;
		b->data[b->len] = '\0';
	}
}
