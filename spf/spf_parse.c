/*
 * SPF record syntax (RFC 7208 4.5, 4.6, 5, 6, 12).  The whole record is
 * parsed before evaluation, so a syntax error anywhere is a permerror even
 * when an earlier term would have matched (RFC 7208 4.6).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "spf_int.h"
#include "common/util.h"

static const struct {
	const char *name;
	enum spf_kind kind;
} mechs[] = {
	{ "all", SPF_ALL }, { "include", SPF_INCLUDE }, { "a", SPF_A },
	{ "mx", SPF_MX }, { "ptr", SPF_PTR }, { "ip4", SPF_IP4 },
	{ "ip6", SPF_IP6 }, { "exists", SPF_EXISTS },
};

const char *
spf_kind_name(enum spf_kind k)
{
	static const char *names[] = { "all", "include", "a", "mx", "ptr",
	    "ip4", "ip6", "exists", "redirect", "exp", "modifier" };

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

int
spf_term_queries(enum spf_kind k)
{
	return k == SPF_INCLUDE || k == SPF_A || k == SPF_MX ||
	    k == SPF_PTR || k == SPF_EXISTS || k == SPF_REDIRECT;
}

int
spf_is_record(const char *txt, size_t len)
{
	return len >= 6 && vouch__memcaseeq(txt, "v=spf1", 6) &&
	    (len == 6 || txt[6] == ' ');
}

size_t
spf_select_record(const struct vouch_dns_answer *a, const char **txt,
    size_t *len)
{
	size_t i, n = vouch_dns_answer_count(a), found = 0;

	*txt = NULL;
	*len = 0;
	for (i = 0; i < n; i++) {
		size_t l;
		const char *p = (const char *)vouch_dns_answer_data(a, i, &l,
		    NULL);

		if (spf_is_record(p, l)) {
			if (found++ == 0) {
				*txt = p;
				*len = l;
			}
		}
	}
	return found;
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT), at most max. */
static int
tok_cidr(const char *s, size_t n, int max)
{
	uint64_t v;

	if (n < 2 || s[0] != '/' || (n > 2 && s[1] == '0') || n > 4)
		return -1;
	if (vouch__parse_u64(s + 1, n - 1, 1000, &v) != 0 || v > (uint64_t)max)
		return -1;
	return (int)v;
}

/* dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ] */
static int
tok_dual_cidr(const char *s, size_t n, int *c4, int *c6)
{
	const char *dd = NULL;
	size_t i;

	*c4 = *c6 = -1;
	for (i = 0; i + 1 < n; i++)
		if (s[i] == '/' && s[i + 1] == '/') {
			dd = s + i;
			break;
		}
	if (dd != NULL) {
		if ((*c6 = tok_cidr(dd + 1, n - (size_t)(dd - s) - 1, 128)) < 0)
			return -1;
		n = (size_t)(dd - s);
	}
	if (n > 0 && (*c4 = tok_cidr(s, n, 32)) < 0)
		return -1;
	return 0;
}

/* Split "domain-spec dual-cidr" at the first '/' whose rest is a cidr. */
static void
split_cidr(struct spf_term *t, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] != '/')
			continue;
		if (tok_dual_cidr(s + i, n - i, &t->cidr4, &t->cidr6) == 0) {
			n = i;
			break;
		}
		t->cidr4 = t->cidr6 = -1;
	}
	t->arg = s;
	t->arglen = n;
}

static int
parse_ip(struct spf_term *t, const char *s, size_t n, int v6)
{
	char buf[64];
	size_t i;

	for (i = 0; i < n && s[i] != '/'; i++)
		;
	if (i == 0 || i >= sizeof(buf))
		return -1;
	memcpy(buf, s, i);
	buf[i] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, t->addr) != 1)
		return -1;
	if (i < n) {
		int c = tok_cidr(s + i, n - i, v6 ? 128 : 32);

		if (c < 0)
			return -1;
		if (v6)
			t->cidr6 = c;
		else
			t->cidr4 = c;
	}
	return 0;
}

/* The index in mechs of the mechanism named s[0..n), or SIZE_MAX. */
static size_t
find_mech(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (strlen(mechs[i].name) == n &&
		    vouch__memcaseeq(s, mechs[i].name, n))
			return i;
	return SIZE_MAX;
}

/* directive = [ qualifier ] mechanism */
static int
parse_directive(struct spf_term *t, const char *s, size_t n)
{
	size_t i, nl;
	const char *rest;

	t->qual = '+';
	if (n > 0 && strchr("+-~?", s[0]) != NULL) {
		t->qual = s[0];
		s++;
		n--;
	}
	for (nl = 0; nl < n && s[nl] != ':' && s[nl] != '/'; nl++)
		;
	if ((i = find_mech(s, nl)) == SIZE_MAX)
		return -1;
	t->kind = mechs[i].kind;
	rest = s + nl;
	n -= nl;
	switch (t->kind) {
	case SPF_ALL:
		return n == 0 ? 0 : -1;
	case SPF_INCLUDE:
	case SPF_EXISTS:
		if (n < 2 || rest[0] != ':')
			return -1;
		t->arg = rest + 1;
		t->arglen = n - 1;
		return spf_domain_spec_ok(t->arg, t->arglen) ? 0 : -1;
	case SPF_PTR:
		if (n == 0)
			return 0;
		if (rest[0] != ':' || n < 2)
			return -1;
		t->arg = rest + 1;
		t->arglen = n - 1;
		return spf_domain_spec_ok(t->arg, t->arglen) ? 0 : -1;
	case SPF_A:
	case SPF_MX:
		if (n == 0)
			return 0;
		if (rest[0] == '/')
			return tok_dual_cidr(rest, n, &t->cidr4, &t->cidr6);
		if (rest[0] != ':' || n < 2)
			return -1;
		split_cidr(t, rest + 1, n - 1);
		if (t->arglen == 0)
			return -1;
		return spf_domain_spec_ok(t->arg, t->arglen) ? 0 : -1;
	case SPF_IP4:
	case SPF_IP6:
		if (n < 2 || rest[0] != ':')
			return -1;
		return parse_ip(t, rest + 1, n - 1, t->kind == SPF_IP6);
	default:
		return -1;
	}
}

/* modifier = redirect / explanation / unknown-modifier (RFC 7208 6, 12) */
static int
parse_modifier(struct spf_term *t, const char *s, size_t n, const char *eq)
{
	size_t nl = (size_t)(eq - s), i;

	if (nl == 0 || !is_alpha((unsigned char)s[0]))
		return -1;
	for (i = 1; i < nl; i++) {
		int c = (unsigned char)s[i];

		if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_' &&
		    c != '.')
			return -1;
	}
	t->arg = eq + 1;
	t->arglen = n - nl - 1;
	if (nl == 8 && vouch__memcaseeq(s, "redirect", 8)) {
		t->kind = SPF_REDIRECT;
		return spf_domain_spec_ok(t->arg, t->arglen) ? 0 : -1;
	}
	if (nl == 3 && vouch__memcaseeq(s, "exp", 3)) {
		t->kind = SPF_EXP;
		return spf_domain_spec_ok(t->arg, t->arglen) ? 0 : -1;
	}
	t->kind = SPF_UNKNOWN_MOD;
	return spf_macro_expand(t->arg, t->arglen, 0, NULL, NULL) == VOUCH_OK ?
	    0 : -1;
}

static int
parse_term(struct spf_term *t, const char *s, size_t n)
{
	const char *eq = memchr(s, '=', n);
	const char *colon = memchr(s, ':', n);
	const char *slash = memchr(s, '/', n);

	memset(t, 0, sizeof(*t));
	t->text = s;
	t->textlen = n;
	t->cidr4 = t->cidr6 = -1;
	/* A modifier's name comes before any ':' or '/'. */
	if (eq != NULL && (colon == NULL || eq < colon) &&
	    (slash == NULL || eq < slash))
		return parse_modifier(t, s, n, eq);
	return parse_directive(t, s, n);
}

/* RFC 7208 3.1 and 12: terms are printable US-ASCII only (no NUL,
 * control characters or 8-bit bytes). */
static int
visible(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/* Room for twice the terms (the first ones are inline); a record of
 * more than 4096 terms is refused. */
static enum vouch_status
grow_terms(struct spf_record *r, size_t *size)
{
	size_t ns = *size ? *size * 2 : 8;
	struct spf_term *t;

	if (ns > 4096)
		return VOUCH_E_LIMIT;
	if ((t = r->terms == r->inl ? malloc(ns * sizeof(*t)) :
	    realloc(r->terms, ns * sizeof(*t))) == NULL)
		return VOUCH_E_NOMEM;
	if (r->terms == r->inl)
		memcpy(t, r->inl, sizeof(r->inl));
	r->terms = t;
	*size = ns;
	return VOUCH_OK;
}

enum vouch_status
spf_record_parse(const char *txt, size_t len, struct spf_record *rec,
    struct vouch_error *err)
{
	struct spf_record *r = rec;
	size_t i = 6, size = SPF_INLINE_TERMS;

	r->terms = r->inl;
	r->n = 0;
	r->redirect = r->exp = r->all = -1;
	if (!spf_is_record(txt, len))
		return vouch__err(err, VOUCH_E_SYNTAX, "RFC 7208 4.5", 0,
		    "record does not start with v=spf1");
	while (i < len) {
		struct spf_term *t;
		size_t start;

		while (i < len && txt[i] == ' ')
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && txt[i] != ' ')
			i++;
		if (r->n == size && grow_terms(r, &size) != VOUCH_OK) {
			spf_record_clear(r);
			return vouch__err(err, size >= 4096 ? VOUCH_E_LIMIT :
			    VOUCH_E_NOMEM, "RFC 7208 4.6", (long)start,
			    "too many terms");
		}
		t = &r->terms[r->n];
		if (!visible(txt + start, i - start) ||
		    parse_term(t, txt + start, i - start) != 0) {
			vouch__err(err, VOUCH_E_SYNTAX, "RFC 7208 4.6.1",
			    (long)start, "invalid term '%.*s'",
			    (int)(i - start > 64 ? 64 : i - start), txt + start);
			spf_record_clear(r);
			return VOUCH_E_SYNTAX;
		}
		t->offset = start;
		if ((t->kind == SPF_REDIRECT && r->redirect >= 0) ||
		    (t->kind == SPF_EXP && r->exp >= 0)) {
			vouch__err(err, VOUCH_E_SYNTAX, "RFC 7208 6",
			    (long)start, "%s= given twice",
			    spf_kind_name(t->kind));
			spf_record_clear(r);
			return VOUCH_E_SYNTAX;
		}
		if (t->kind == SPF_REDIRECT)
			r->redirect = (int)r->n;
		else if (t->kind == SPF_EXP)
			r->exp = (int)r->n;
		else if (t->kind == SPF_ALL && r->all < 0)
			r->all = (int)r->n;
		r->n++;
	}
	return VOUCH_OK;
}

void
spf_record_clear(struct spf_record *rec)
{
	if (rec->terms != rec->inl)
		free(rec->terms);
	rec->terms = rec->inl;
	rec->n = 0;
}
