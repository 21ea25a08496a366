/*
 * The domains of an RFC 5322 From field (3.4 mailbox-list, with groups
 * from address-list): the author domains DMARC evaluates (RFC 7489 3.1,
 * RFC 9989 4.4).  The grammar is followed strictly, because a lenient
 * reading is how a spoof passes: in
 *     From: "ceo@bank.example" <x@evil.example>
 * the domain is evil.example, and anything that is neither a mailbox nor
 * a group of mailboxes gives no domain at all.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <vouch/dmarc.h>
#include "common/domain.h"

enum tk { T_END, T_ATOM, T_QSTR, T_DLIT, T_SPECIAL, T_BAD };

struct lexer {
	const char *p, *end;
	const char *tok;	/* start of the token */
	size_t tlen;
	char special;
};

static int
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80 ||	/* RFC 6532 UTF-8 */
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* CFWS (RFC 5322 3.2.2): white space and nested comments.  -1 when a
 * comment does not end. */
static int
skip_cfws(struct lexer *l)
{
	int depth = 0;

	while (l->p < l->end) {
		char c = *l->p;

		if (depth > 0 && c == '\\' && l->p + 1 < l->end)
			l->p += 2;
		else if (c == '(' ) {
			depth++;
			l->p++;
		} else if (c == ')' && depth > 0) {
			depth--;
			l->p++;
		} else if (depth > 0 || c == ' ' || c == '\t' || c == '\r' ||
		    c == '\n')
			l->p++;
		else
			break;
	}
	return depth == 0 ? 0 : -1;
}

static enum tk
next(struct lexer *l)
{
	char close;

	if (skip_cfws(l) != 0)
		return T_BAD;
	l->tok = l->p;
	if (l->p >= l->end)
		return T_END;
	if (*l->p == '"' || *l->p == '[') {
		close = *l->p == '"' ? '"' : ']';
		for (l->p++; l->p < l->end && *l->p != close; l->p++)
			if (*l->p == '\\' && l->p + 1 < l->end)
				l->p++;
		if (l->p >= l->end)
			return T_BAD;
		l->p++;
		l->tlen = (size_t)(l->p - l->tok);
		return close == '"' ? T_QSTR : T_DLIT;
	}
	if (strchr("<>@,;:.", *l->p) != NULL) {
		l->special = *l->p++;
		l->tlen = 1;
		return T_SPECIAL;
	}
	while (l->p < l->end && is_atext((unsigned char)*l->p))
		l->p++;
	l->tlen = (size_t)(l->p - l->tok);
	return l->tlen > 0 ? T_ATOM : T_BAD;
}

struct tok {
	enum tk k;
	const char *s;
	size_t n;
	char c;
};

static int
is_sp(const struct tok *t, char c)
{
	return t->k == T_SPECIAL && t->c == c;
}

/* addr-spec over t[0..n): the domain, dot-atom only (a domain-literal is
 * no author domain).  NULL when it is not an addr-spec. */
static char *
addr_spec_domain(const struct tok *t, size_t n)
{
	size_t i, at = n, len = 0;
	char *d, *a;

	for (i = 0; i < n; i++)
		if (is_sp(&t[i], '@')) {
			if (at != n)
				return NULL;
			at = i;
		}
	if (at == n || at == 0 || at + 1 == n)
		return NULL;
	/* local-part: word *("." word) */
	for (i = 0; i < at; i++)
		if ((i % 2 == 0) != (t[i].k == T_ATOM || t[i].k == T_QSTR) ||
		    (i % 2 == 1 && !is_sp(&t[i], '.')))
			return NULL;
	if (at % 2 == 0)
		return NULL;
	/* domain: atom *("." atom), and one final "." taken as the same
	 * absolute name (a mail client shows "victim.example." as
	 * victim.example: the policy of that domain must apply) */
	if (n - at - 1 >= 2 && (n - at - 1) % 2 == 0 && is_sp(&t[n - 1], '.'))
		n--;
	for (i = at + 1; i < n; i++) {
		int want_atom = (i - at - 1) % 2 == 0;

		if (want_atom ? t[i].k != T_ATOM : !is_sp(&t[i], '.'))
			return NULL;
		len += t[i].n;
	}
	if ((n - at - 1) % 2 == 0)
		return NULL;
	if ((d = malloc(len + 1)) == NULL)
		return NULL;
	len = 0;
	for (i = at + 1; i < n; i++) {
		size_t k;

		for (k = 0; k < t[i].n; k++) {
			char c = t[i].s[k];

			d[len++] = c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : c;
		}
	}
	d[len] = '\0';
	/* compared and looked up as an A-label (RFC 8616 6) */
	if (vouch__domain_alabel(d, &a) != VOUCH_OK)
		a = NULL;
	free(d);
	return a;
}

/* One mailbox: name-addr ([phrase] "<" addr-spec ">") or addr-spec. */
static char *
mailbox_domain(const struct tok *t, size_t n)
{
	size_t i, lt = n;

	for (i = 0; i < n; i++)
		if (is_sp(&t[i], '<')) {
			lt = i;
			break;
		}
	if (lt == n)
		return addr_spec_domain(t, n);
	if (!is_sp(&t[n - 1], '>'))
		return NULL;
	/* the phrase: words (and obs-phrase dots) only */
	for (i = 0; i < lt; i++)
		if (t[i].k != T_ATOM && t[i].k != T_QSTR && !is_sp(&t[i], '.'))
			return NULL;
	for (i = lt + 1; i < n - 1; i++)
		if (is_sp(&t[i], '<') || is_sp(&t[i], '>'))
			return NULL;
	return addr_spec_domain(t + lt + 1, n - lt - 2);
}

/* The field's tokens into *out (malloc'd): 1, 0 when it does not lex or
 * has over 100,000 tokens (no usable From), -1 out of memory. */
static int
tokenize(const char *value, size_t len, struct tok **out, size_t *ntok)
{
	struct lexer l = { value, value + len, NULL, 0, 0 };
	struct tok *t = NULL, *x;
	size_t nt = 0, size = 0;
	enum tk k;

	while ((k = next(&l)) != T_END) {
		if (k == T_BAD)
			break;
		if (nt == size) {
			size = size ? size * 2 : 16;
			if (size > 100000 || (x = realloc(t, size *
			    sizeof(*t))) == NULL) {
				free(t);
				return size > 100000 ? 0 : -1;
			}
			t = x;
		}
		t[nt].k = k;
		t[nt].s = l.tok;
		t[nt].n = l.tlen;
		t[nt].c = l.special;
		nt++;
	}
	*out = t;
	*ntok = nt;
	return k == T_BAD ? 0 : 1;
}

/* Is "phrase :" at i a group's display name (no '<' before it)? */
static int
group_opens(const struct tok *t, size_t start, size_t i)
{
	size_t j;

	for (j = start; j < i; j++)
		if (is_sp(&t[j], '<'))
			return 0;
	return 1;
}

int
vouch_dmarc_from_domains(const char *value, size_t len, char **doms, int max)
{
	struct tok *t = NULL;
	size_t nt = 0, i, start = 0;
	int count = 0, bad, in_group = 0, extra = 0;

	if ((bad = tokenize(value, len, &t, &nt)) < 0)
		return -1;
	bad = !bad;
	/* split at "," and ";"; "phrase :" opens a group */
	for (i = 0; i <= nt && !bad; i++) {
		char *d;

		if (i < nt && is_sp(&t[i], ':') && !in_group &&
		    group_opens(t, start, i)) {
			in_group = 1;
			start = i + 1;
			continue;
		}
		if (i < nt && !is_sp(&t[i], ',') && !is_sp(&t[i], ';'))
			continue;
		if (i < nt && is_sp(&t[i], ';')) {
			bad |= !in_group;
			in_group = 0;
		}
		if (i > start && (d = mailbox_domain(t + start, i - start)) ==
		    NULL)
			bad = 1;
		else if (i > start && count < max)
			doms[count++] = d;
		else if (i > start) {
			free(d);	/* counted, not kept */
			extra++;
		}
		start = i + 1;
	}
	free(t);
	if (bad || in_group || extra > 0) {
		while (count > 0)
			free(doms[--count]);
		return bad || in_group ? 0 : max + 1;
	}
	return count;
}
