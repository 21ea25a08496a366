/*
 * check_host() as RFC 7208 sections 4 to 6 describe it.  Every DNS query
 * goes through the shared DNS layer; the lookup, void-lookup and time
 * limits of 4.6.4 bound the work an attacker's records can cause.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spf_int.h"
#include "common/util.h"
#include "common/domain.h"
#include "dns/dns_int.h"

struct spf_ctx {
	struct vouch_dns *dns;
	const struct vouch_spf_request *req;
	int v6;
	unsigned char ip[16];
	char ip_dotted[80], ip_readable[64];
	char *sender, *local, *odomain;
	unsigned int lookups, voids;
	unsigned int prefetched;	/* names asked ahead: at most
					 * max_lookups in a check */
	unsigned int max_lookups, max_void, max_names;
	int64_t deadline;	/* monotonic ms */
	char *problem;
	char *mechanism;
	char *explanation;
	const char *cur_domain;	/* for %{p} */
};

/* Outcome of one step; "no match" lets evaluation go on. */
enum { NOMATCH = -1 };

static int
problem(struct spf_ctx *c, int result, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
problem(struct spf_ctx *c, int result, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	if (c->problem == NULL) {
		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		c->problem = strdup(buf);
	}
	return result;
}

/* Query with the time limit applied; returns NULL on out of memory. */
static struct vouch_dns_answer *
query(struct spf_ctx *c, const char *name, enum vouch_dns_type type)
{
	struct vouch_dns_answer *a = NULL;
	int64_t left = c->deadline - vouch__mono_ms();

	if (left <= 0)
		return NULL;
	/* RFC 7208 4.6.4: the whole evaluation has a time limit */
	if (vouch_dns_query_within(c->dns, name, type, (unsigned int)left, &a,
	    NULL) != VOUCH_OK)
		return NULL;
	return a;
}

static int
is_tempfail(const struct vouch_dns_answer *a)
{
	return a == NULL || vouch_dns_answer_rcode(a) == VOUCH_DNS_TEMPFAIL ||
	    vouch_dns_answer_rcode(a) == VOUCH_DNS_MALFORMED;
}

static int
tempfail(struct spf_ctx *c, const char *name)
{
	if (vouch__mono_ms() > c->deadline)
		return problem(c, VOUCH_SPF_TEMPERROR,
		    "evaluation took longer than the time limit");
	return problem(c, VOUCH_SPF_TEMPERROR, "DNS lookup of %s failed "
	    "temporarily", name);
}

/* RFC 7208 4.6.4: count a void lookup, permerror past the limit. */
static int
count_void(struct spf_ctx *c, const struct vouch_dns_answer *a)
{
	if (vouch_dns_answer_count(a) > 0)
		return 0;
	if (++c->voids > c->max_void)
		return problem(c, VOUCH_SPF_PERMERROR, "more than %u void "
		    "DNS lookups (RFC 7208 4.6.4)", c->max_void);
	return 0;
}

static int
count_lookup(struct spf_ctx *c)
{
	if (++c->lookups > c->max_lookups)
		return problem(c, VOUCH_SPF_PERMERROR, "more than %u DNS "
		    "lookups (RFC 7208 4.6.4)", c->max_lookups);
	return 0;
}

static int
addr_match(const unsigned char *a, const unsigned char *b, int bits)
{
	int full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[full] ^ b[full]) & (0xff << (8 - rest))) == 0;
}

static int
ip_match(const struct spf_ctx *c, const unsigned char *addr, size_t len,
    int cidr4, int cidr6)
{
	if (len == 4 && !c->v6)
		return addr_match(c->ip, addr, cidr4 < 0 ? 32 : cidr4);
	if (len == 16 && c->v6)
		return addr_match(c->ip, addr, cidr6 < 0 ? 128 : cidr6);
	return 0;
}

/* Does name resolve to the client address (A or AAAA)? */
static int
name_has_ip(struct spf_ctx *c, const char *name, int cidr4, int cidr6,
    int *temp)
{
	struct vouch_dns_answer *a;
	size_t i, n;
	int hit = 0;

	a = query(c, name, c->v6 ? VOUCH_DNS_AAAA : VOUCH_DNS_A);
	if (is_tempfail(a)) {
		*temp = 1;
		vouch_dns_answer_free(a);
		return 0;
	}
	for (i = 0; i < vouch_dns_answer_count(a) && !hit; i++) {
		const unsigned char *p = vouch_dns_answer_data(a, i, &n, NULL);

		hit = ip_match(c, p, n, cidr4, cidr6);
	}
	vouch_dns_answer_free(a);
	return hit;
}

/* Expand a domain-spec (or use the current domain). */
static int
target_name(struct spf_ctx *c, const struct spf_term *t, const char *domain,
    struct vbuf *out);

static int check_host(struct spf_ctx *c, const char *domain, int depth,
    char **matched);

static char *validated_name(void *arg);

static void
macro_env(struct spf_ctx *c, const char *domain, struct spf_macro_env *e)
{
	memset(e, 0, sizeof(*e));
	e->sender = c->sender;
	e->local = c->local;
	e->odomain = c->odomain;
	e->domain = domain;
	e->helo = c->req->helo;
	e->receiver = c->req->receiver;
	e->ip_dotted = c->ip_dotted;
	e->ip_readable = c->ip_readable;
	e->v6 = c->v6;
	e->now = c->req->now != 0 ? c->req->now : (long long)time(NULL);
	e->validated = validated_name;
	e->arg = c;
	c->cur_domain = domain;
}

static int
target_name(struct spf_ctx *c, const struct spf_term *t, const char *domain,
    struct vbuf *out)
{
	struct spf_macro_env e;

	vbuf_reset(out);
	if (t->arg == NULL)
		return vbuf_adds(out, domain) == VOUCH_OK ? 0 : -1;
	macro_env(c, domain, &e);
	if (spf_macro_expand(t->arg, t->arglen, 0, &e, out) != VOUCH_OK)
		return -1;
	spf_domain_truncate(out);
	return 0;
}

/* The reverse-lookup name of the client address. */
static void
reverse_name(const struct spf_ctx *c, char *buf, size_t size)
{
	vouch__dns_reverse(c->ip, c->v6, buf, size);
}

static int
is_subdomain(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	if (d > 0 && domain[d - 1] == '.')
		d--;
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == d)
		return vouch__memcaseeq(name, domain, n);
	return n > d && name[n - d - 1] == '.' &&
	    vouch__memcaseeq(name + n - d, domain, d);
}

/*
 * Validated names of the client (RFC 7208 5.5): PTR names whose address
 * records include the client.  Returns the first validated name that is
 * target or a subdomain of it, else any validated name when anyok, else
 * NULL.  DNS errors skip a name.
 */
static char *
validate_ptr(struct spf_ctx *c, const char *target, int anyok, int *voidr)
{
	struct vouch_dns_answer *a;
	char rev[128], *any = NULL, *found = NULL;
	size_t i, n;
	int temp = 0;

	reverse_name(c, rev, sizeof(rev));
	a = query(c, rev, VOUCH_DNS_PTR);
	if (a == NULL)
		return NULL;
	/* RFC 7208 4.6.4: a ptr term whose PTR query finds nothing is a
	 * void lookup too (a DNS error only makes it not match, 5.5) */
	if (voidr != NULL && !is_tempfail(a) &&
	    (*voidr = count_void(c, a)) != 0) {
		vouch_dns_answer_free(a);
		return NULL;
	}
	n = vouch_dns_answer_count(a);
	if (n > c->max_names)
		n = c->max_names;	/* RFC 7208 4.6.4: ignore the rest */
	for (i = 0; i < n && found == NULL; i++) {
		const char *name = (const char *)vouch_dns_answer_data(a, i,
		    NULL, NULL);

		if (!name_has_ip(c, name, -1, -1, &temp))
			continue;
		if (is_subdomain(name, target))
			found = strdup(name);
		else if (anyok && any == NULL)
			any = strdup(name);
	}
	vouch_dns_answer_free(a);
	if (found != NULL) {
		free(any);
		return found;
	}
	return any;
}

static char *
validated_name(void *arg)
{
	struct spf_ctx *c = arg;

	return validate_ptr(c, c->cur_domain, 1, NULL);
}

static int
mech_a(struct spf_ctx *c, const struct spf_term *t, const char *name)
{
	struct vouch_dns_answer *a;
	size_t i, n;
	int hit = 0, r;

	a = query(c, name, c->v6 ? VOUCH_DNS_AAAA : VOUCH_DNS_A);
	if (is_tempfail(a)) {
		vouch_dns_answer_free(a);
		return tempfail(c, name);
	}
	if ((r = count_void(c, a)) != 0) {
		vouch_dns_answer_free(a);
		return r;
	}
	for (i = 0; i < vouch_dns_answer_count(a) && !hit; i++) {
		const unsigned char *p = vouch_dns_answer_data(a, i, &n, NULL);

		hit = ip_match(c, p, n, t->cidr4, t->cidr6);
	}
	vouch_dns_answer_free(a);
	return hit ? 1 : 0;
}

static int
mech_mx(struct spf_ctx *c, const struct spf_term *t, const char *name)
{
	struct vouch_dns_answer *a;
	size_t i, n;
	int hit = 0, temp = 0, r;

	a = query(c, name, VOUCH_DNS_MX);
	if (is_tempfail(a)) {
		vouch_dns_answer_free(a);
		return tempfail(c, name);
	}
	if ((r = count_void(c, a)) != 0) {
		vouch_dns_answer_free(a);
		return r;
	}
	n = vouch_dns_answer_count(a);
	if (n > c->max_names) {
		vouch_dns_answer_free(a);
		return problem(c, VOUCH_SPF_PERMERROR, "%s has more than %u MX "
		    "records (RFC 7208 4.6.4)", name, c->max_names);
	}
	for (i = 0; i < n && !hit && !temp; i++)
		hit = name_has_ip(c, (const char *)vouch_dns_answer_data(a, i,
		    NULL, NULL), t->cidr4, t->cidr6, &temp);
	vouch_dns_answer_free(a);
	if (!hit && temp)
		return tempfail(c, name);
	return hit ? 1 : 0;
}

static int
mech_ptr(struct spf_ctx *c, const char *name)
{
	int voidr = 0;
	char *v = validate_ptr(c, name, 0, &voidr);
	int hit = v != NULL;

	free(v);
	return voidr != 0 ? voidr : hit;
}

static int
mech_exists(struct spf_ctx *c, const char *name)
{
	struct vouch_dns_answer *a;
	int hit, r;

	/* RFC 7208 5.7: always an A query, whatever the client. */
	a = query(c, name, VOUCH_DNS_A);
	if (is_tempfail(a)) {
		vouch_dns_answer_free(a);
		return tempfail(c, name);
	}
	r = count_void(c, a);
	hit = vouch_dns_answer_count(a) > 0;
	vouch_dns_answer_free(a);
	return r != 0 ? r : hit;
}

static int
mech_include(struct spf_ctx *c, const char *name, int depth)
{
	char *m = NULL;
	int r = check_host(c, name, depth + 1, &m);

	free(m);
	switch (r) {
	case VOUCH_SPF_PASS:
		return 1;
	case VOUCH_SPF_FAIL:
	case VOUCH_SPF_SOFTFAIL:
	case VOUCH_SPF_NEUTRAL:
		return 0;
	case VOUCH_SPF_TEMPERROR:
		return VOUCH_SPF_TEMPERROR;
	case VOUCH_SPF_NONE:
		return problem(c, VOUCH_SPF_PERMERROR, "include:%s has no SPF "
		    "record (RFC 7208 5.2)", name);
	default:
		return VOUCH_SPF_PERMERROR;
	}
}

/*
 * Evaluate one mechanism: 1 match, 0 no match, or an SPF result
 * (temperror/permerror) encoded as result + 2 to keep it apart.
 */
static int
eval_mech(struct spf_ctx *c, const struct spf_term *t, const char *domain,
    int depth, struct vbuf *name)
{
	int r;

	if (spf_term_queries(t->kind) && (r = count_lookup(c)) != 0)
		return r + 2;
	switch (t->kind) {
	case SPF_ALL:
		return 1;
	case SPF_IP4:
		return ip_match(c, t->addr, 4, t->cidr4, -1);
	case SPF_IP6:
		return ip_match(c, t->addr, 16, -1, t->cidr6);
	default:
		break;
	}
	if (target_name(c, t, domain, name) != 0)
		return problem(c, VOUCH_SPF_PERMERROR, "cannot expand '%.*s'",
		    (int)t->textlen, t->text) + 2;
	switch (t->kind) {
	case SPF_A:
		r = mech_a(c, t, vbuf_str(name));
		break;
	case SPF_MX:
		r = mech_mx(c, t, vbuf_str(name));
		break;
	case SPF_PTR:
		r = mech_ptr(c, vbuf_str(name));
		break;
	case SPF_EXISTS:
		r = mech_exists(c, vbuf_str(name));
		break;
	case SPF_INCLUDE:
		r = mech_include(c, vbuf_str(name), depth);
		break;
	default:
		r = 0;
		break;
	}
	return r > 1 ? r + 2 : r;
}

static int
qual_result(char q)
{
	switch (q) {
	case '-': return VOUCH_SPF_FAIL;
	case '~': return VOUCH_SPF_SOFTFAIL;
	case '?': return VOUCH_SPF_NEUTRAL;
	default: return VOUCH_SPF_PASS;
	}
}

/* RFC 7208 6.2: the explanation, or nothing when anything goes wrong. */
static void
explain(struct spf_ctx *c, const struct spf_term *t, const char *domain)
{
	struct vouch_dns_answer *a;
	struct spf_macro_env e;
	struct vbuf name, out;
	const char *txt;
	size_t len;

	vbuf_init(&name, VOUCH_SPF_MAX_EXPANSION);
	vbuf_init(&out, VOUCH_SPF_MAX_EXPANSION);
	if (target_name(c, t, domain, &name) != 0)
		goto out;
	a = query(c, vbuf_str(&name), VOUCH_DNS_TXT);
	if (a != NULL && vouch_dns_answer_count(a) == 1) {
		txt = (const char *)vouch_dns_answer_data(a, 0, &len, NULL);
		macro_env(c, domain, &e);
		if (spf_macro_expand(txt, len, 1, &e, &out) == VOUCH_OK) {
			free(c->explanation);
			c->explanation = vbuf_take(&out, NULL);
		}
	}
	vouch_dns_answer_free(a);
out:
	vbuf_clear(&name);
	vbuf_clear(&out);
}

/* 4.3: a domain we can look up: a multi-label name that fits DNS. */
static int
domain_ok(const char *d)
{
	size_t n = strlen(d), lab = 0, labels = 0, i;

	if (n > 0 && d[n - 1] == '.')
		n--;
	if (n == 0 || n > VOUCH_SPF_MAX_DOMAIN)
		return 0;
	for (i = 0; i <= n; i++) {
		if (i == n || d[i] == '.') {
			if (lab == 0 || lab > 63)
				return 0;
			labels++;
			lab = 0;
		} else {
			lab++;
		}
	}
	return labels >= 2;
}

/* 4.4 and 4.5: the one SPF record of domain, parsed. */
static int
fetch_record(struct spf_ctx *c, const char *domain, int depth,
    const struct spf_record **rec, struct spf_cached **ref)
{
	struct vouch_dns_answer *a;
	struct vouch_error err;
	const char *txt = NULL;
	size_t len = 0, found;

	a = query(c, domain, VOUCH_DNS_TXT);
	if (is_tempfail(a)) {
		vouch_dns_answer_free(a);
		return tempfail(c, domain);
	}
	if (depth > 0 && count_void(c, a) != 0) {
		vouch_dns_answer_free(a);
		return VOUCH_SPF_PERMERROR;
	}
	found = spf_select_record(a, &txt, &len);
	if (found == 0) {
		vouch_dns_answer_free(a);
		return VOUCH_SPF_NONE;
	}
	if (found > 1) {
		vouch_dns_answer_free(a);
		return problem(c, VOUCH_SPF_PERMERROR, "%s has more than one "
		    "v=spf1 record (RFC 7208 4.5)", domain);
	}
	if (spf_cache_get(txt, len, rec, ref, &err) != VOUCH_OK) {
		vouch_dns_answer_free(a);
		return err.status == VOUCH_E_NOMEM ? VOUCH_SPF_TEMPERROR :
		    problem(c, VOUCH_SPF_PERMERROR, "%s: %s (%s)", domain,
		    err.message, err.spec);
	}
	vouch_dns_answer_free(a);
	return NOMATCH;
}

static int check_host(struct spf_ctx *c, const char *domain, int depth,
    char **matched);

/* redirect= (RFC 7208 6.1): the target's result is ours, and its exp=
 * applies, not this record's. */
static int
follow_redirect(struct spf_ctx *c, const struct spf_term *t,
    const char *domain, int depth, struct vbuf *name, char **matched)
{
	char *target;
	int r;

	if ((r = count_lookup(c)) != 0)
		return r;
	if (target_name(c, t, domain, name) != 0)
		return problem(c, VOUCH_SPF_PERMERROR, "cannot expand redirect");
	if ((target = strdup(vbuf_str(name))) == NULL)
		return VOUCH_SPF_TEMPERROR;
	r = check_host(c, target, depth == 0 ? 0 : depth + 1, matched);
	if (r == VOUCH_SPF_NONE)
		r = problem(c, VOUCH_SPF_PERMERROR, "redirect=%s has no SPF "
		    "record (RFC 7208 6.1)", target);
	free(target);
	return r;
}

/*
 * The names this record's mechanisms look up, asked at once (live DNS
 * only): the includes, a, mx, exists and redirect of one record do not
 * depend on each other, so the evaluation that follows, in RFC 7208
 * order and with its limits counted as always, finds them on the wire or
 * in the cache.  Only names the evaluation can reach: up to the first
 * mechanism that matches without DNS (ip4, ip6, all), within the lookups
 * left (4.6.4), no %{p} (it needs lookups of its own); and no more names
 * ahead in a whole check than the limit itself: at most twice the DNS
 * work RFC 7208 allows, never unbounded.
 */
static void
prefetch(struct spf_ctx *c, const struct spf_record *rec, const char *domain,
    struct vbuf *name)
{
	unsigned int left = c->max_lookups > c->lookups ? c->max_lookups -
	    c->lookups : 0, n = 0;
	size_t i;
	int stop = 0;

	if (!vouch__dns_waits(c->dns))
		return;
	for (i = 0; i < rec->n && n < left && !stop; i++) {
		const struct spf_term *t = &rec->terms[i];
		enum vouch_dns_type type;

		switch (t->kind) {
		case SPF_ALL:
			stop = 1;
			continue;
		case SPF_IP4:
		case SPF_IP6:
			stop = ip_match(c, t->addr, t->kind == SPF_IP4 ? 4 :
			    16, t->cidr4, t->cidr6) == 1;
			continue;
		case SPF_INCLUDE: type = VOUCH_DNS_TXT; break;
		case SPF_MX: type = VOUCH_DNS_MX; break;
		case SPF_EXISTS: type = VOUCH_DNS_A; break;
		case SPF_A:
			type = c->v6 ? VOUCH_DNS_AAAA : VOUCH_DNS_A;
			break;
		default:
			continue;
		}
		if (t->arg != NULL && (memmem(t->arg, t->arglen, "%{p", 3) ||
		    memmem(t->arg, t->arglen, "%{P", 3)))
			continue;
		if (target_name(c, t, domain, name) == 0 && n++ > 0 &&
		    c->prefetched++ < c->max_lookups)
			vouch__dns_prefetch(c->dns, vbuf_str(name), type);
	}
	/* (the first name is the evaluation's next query anyway) */
	if (!stop && n < left && rec->redirect >= 0 && n > 0 &&
	    c->prefetched++ < c->max_lookups &&
	    target_name(c, &rec->terms[rec->redirect], domain, name) == 0)
		vouch__dns_prefetch(c->dns, vbuf_str(name), VOUCH_DNS_TXT);
}

static int
check_host(struct spf_ctx *c, const char *domain, int depth, char **matched)
{
	const struct spf_record *rec = NULL;
	struct spf_cached *ref = NULL;
	struct vbuf name;
	size_t i;
	int r;

	if (depth > 32)
		return problem(c, VOUCH_SPF_PERMERROR, "include or redirect "
		    "nesting too deep");
	if (!domain_ok(domain))
		return depth == 0 ? VOUCH_SPF_NONE :
		    problem(c, VOUCH_SPF_PERMERROR, "%s is not a valid domain "
		    "name (RFC 7208 4.3)", domain);
	if ((r = fetch_record(c, domain, depth, &rec, &ref)) != NOMATCH)
		return r;
	vbuf_init(&name, VOUCH_SPF_MAX_EXPANSION);
	prefetch(c, rec, domain, &name);
	r = NOMATCH;
	for (i = 0; i < rec->n && r == NOMATCH; i++) {
		const struct spf_term *t = &rec->terms[i];
		int m;

		if (t->kind >= SPF_REDIRECT)
			continue;
		m = eval_mech(c, t, domain, depth, &name);
		if (m > 1) {
			r = m - 2;
		} else if (m == 1) {
			r = qual_result(t->qual);
			free(*matched);
			*matched = strndup(t->text, t->textlen);
			if (r == VOUCH_SPF_FAIL && rec->exp >= 0 && depth == 0)
				explain(c, &rec->terms[rec->exp], domain);
		}
	}
	if (r == NOMATCH && rec->redirect >= 0) {
		r = follow_redirect(c, &rec->terms[rec->redirect], domain, depth,
		    &name, matched);
	} else if (r == NOMATCH) {
		r = VOUCH_SPF_NEUTRAL;
	}
	vbuf_clear(&name);
	spf_cache_put(ref);
	return r;
}

/* The identity's domain without a final dot; a U-label as its A-label
 * (RFC 8616 3), one that does not convert kept as it is: no DNS name, so
 * check_host() says none (RFC 7208 4.3). */
static char *
dup_lower_domain(const char *s)
{
	char *d = NULL;
	size_t n;

	if (!vouch__domain_is_ascii(s) && vouch__domain_alabel(s, &d) ==
	    VOUCH_OK)
		return d;
	d = strdup(s);

	if (d != NULL && (n = strlen(d)) > 1 && d[n - 1] == '.')
		d[n - 1] = '\0';
	return d;
}

/* Client address: IPv4-mapped IPv6 is treated as IPv4 (RFC 7208 5). */
static int
set_ip(struct spf_ctx *c, const char *ip)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	int i;

	if (ip == NULL)
		return -1;
	if (inet_pton(AF_INET, ip, c->ip) == 1) {
		c->v6 = 0;
	} else if (inet_pton(AF_INET6, ip, c->ip) == 1) {
		c->v6 = 1;
		if (memcmp(c->ip, mapped, 12) == 0) {
			memmove(c->ip, c->ip + 12, 4);
			c->v6 = 0;
		}
	} else {
		return -1;
	}
	if (!c->v6) {
		/* dotted quad by hand: inet_ntop's sprintf was a sixth of a
		 * check */
		char *w = c->ip_readable;

		for (i = 0; i < 4; i++) {
			unsigned int b = c->ip[i];

			if (b >= 100)
				*w++ = (char)('0' + b / 100);
			if (b >= 10)
				*w++ = (char)('0' + b / 10 % 10);
			*w++ = (char)('0' + b % 10);
			*w++ = i < 3 ? '.' : '\0';
		}
		memcpy(c->ip_dotted, c->ip_readable, strlen(c->ip_readable) + 1);
		return 0;
	}
	inet_ntop(AF_INET6, c->ip, c->ip_readable, sizeof(c->ip_readable));
	/* %{i} of IPv6 is dot-separated nibbles (RFC 7208 7.3). */
	for (i = 0; i < 16; i++) {
		c->ip_dotted[o++] = hex[c->ip[i] >> 4];
		c->ip_dotted[o++] = '.';
		c->ip_dotted[o++] = hex[c->ip[i] & 15];
		c->ip_dotted[o++] = i < 15 ? '.' : '\0';
	}
	return 0;
}

/* RFC 7208 4.3 and 2.4: sender, local-part and domain of the identity. */
static int
set_sender(struct spf_ctx *c, const struct vouch_spf_request *req)
{
	const char *mf = req->mail_from, *at;
	const char *helo = req->helo != NULL ? req->helo : "";

	if (req->identity == VOUCH_SPF_HELO || mf == NULL || *mf == '\0') {
		c->odomain = dup_lower_domain(helo);
		c->local = strdup("postmaster");
	} else if ((at = strrchr(mf, '@')) == NULL) {
		c->odomain = dup_lower_domain(mf);
		c->local = strdup("postmaster");
	} else {
		c->odomain = dup_lower_domain(at + 1);
		c->local = at == mf ? strdup("postmaster") :
		    strndup(mf, (size_t)(at - mf));
	}
	if (c->odomain == NULL || c->local == NULL)
		return -1;
	{
		size_t ll = strlen(c->local), dl = strlen(c->odomain);

		if ((c->sender = malloc(ll + dl + 2)) == NULL)
			return -1;
		memcpy(c->sender, c->local, ll);
		c->sender[ll] = '@';
		memcpy(c->sender + ll + 1, c->odomain, dl + 1);
	}
	return 0;
}

static void
ctx_clear(struct spf_ctx *c)
{
	free(c->sender);
	free(c->local);
	free(c->odomain);
	free(c->problem);
	free(c->mechanism);
	free(c->explanation);
}

enum vouch_status
vouch_spf_check(struct vouch_dns *dns, const struct vouch_spf_request *req,
    struct vouch_spf_verdict *v, struct vouch_error *err)
{
	struct spf_ctx c;
	int r;

	if (dns == NULL || req == NULL || v == NULL)
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1,
		    "missing argument");
	memset(&c, 0, sizeof(c));
	c.dns = dns;
	c.req = req;
	if (set_ip(&c, req->ip) != 0)
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1,
		    "%s: not an IPv4 or IPv6 address",
		    req->ip != NULL ? req->ip : "(none)");
	if (set_sender(&c, req) != 0) {
		ctx_clear(&c);
		return vouch__err(err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	}
	c.max_lookups = req->max_dns_mech ? req->max_dns_mech :
	    VOUCH_SPF_MAX_DNS_MECH;
	c.max_void = req->max_void ? req->max_void : VOUCH_SPF_MAX_VOID;
	c.max_names = req->max_mx_ptr_names ? req->max_mx_ptr_names :
	    VOUCH_SPF_MAX_MX_PTR_NAMES;
	c.deadline = vouch__mono_ms() + (req->timeout_ms ? req->timeout_ms :
	    VOUCH_SPF_TIMEOUT_MS);
	r = check_host(&c, c.odomain, 0, &c.mechanism);
	memset(v, 0, sizeof(*v));
	v->result = (enum vouch_spf_result)r;
	v->identity = req->identity;
	v->domain = c.odomain;
	v->sender = req->identity == VOUCH_SPF_HELO ? strdup(c.odomain) :
	    c.sender;
	if (req->identity == VOUCH_SPF_HELO)
		free(c.sender);
	v->dns_lookups = c.lookups;
	v->void_lookups = c.voids;
	if (r == VOUCH_SPF_FAIL)
		v->explanation = c.explanation;
	else
		free(c.explanation);
	if (r == VOUCH_SPF_TEMPERROR || r == VOUCH_SPF_PERMERROR) {
		v->problem = c.problem;
		free(c.mechanism);
	} else {
		v->mechanism = c.mechanism;
		free(c.problem);
	}
	if (r == VOUCH_SPF_NONE && v->problem == NULL) {
		free(v->mechanism);
		v->mechanism = NULL;
	}
	free(c.local);
	return VOUCH_OK;
}

void
vouch_spf_verdict_clear(struct vouch_spf_verdict *v)
{
	if (v == NULL)
		return;
	free(v->sender);
	free(v->domain);
	free(v->mechanism);
	free(v->explanation);
	free(v->problem);
	memset(v, 0, sizeof(*v));
}

const char *
vouch_spf_result_name(enum vouch_spf_result r)
{
	static const char *names[] = { "none", "neutral", "pass", "fail",
	    "softfail", "temperror", "permerror" };

	return (unsigned)r < 7 ? names[r] : "unknown";
}

void
vouch_free(void *p)
{
	free(p);
}
