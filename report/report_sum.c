/*
 * What the aggregate reports say about a domain before its owner makes
 * the policy stricter: messages seen, how many fail DMARC (what
 * p=quarantine or p=reject would hit), and each failing source with the
 * likely cause and its fix.  Sources are kept in a hash table (bounded:
 * past VOUCH_REPORT_MAX_SOURCES the rest are one "other sources" entry),
 * so memory follows the senders, not the number of reports.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report_int.h"
#include "common/util.h"

#define SUM_CAUSES 4		/* causes kept per source */
#define SUM_MAX_REPORTERS 10000
#define SUM_MAX_DAYS 4096

struct cause {
	char *text, *fix;
	uint64_t n;
};

struct src {
	char *ip;
	uint64_t messages, fail;
	struct cause c[SUM_CAUSES];
};

struct vouch_report_sum {
	char *domain;
	struct src **tab;	/* open addressing, by ip */
	size_t cap, n;
	struct src *other;
	struct vouch_report_reporter **reporters;	/* open addressing */
	size_t rcap, nrep;
	struct vouch_report_day **days;		/* open addressing */
	size_t dcap, ndays;
	struct vouch_report_reporter *rout;
	struct vouch_report_day *dout;
	uint64_t messages, pass, fail;
	int64_t begin, end;
	struct vouch_report_source *out;
};

static size_t
hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

struct vouch_report_sum *
vouch_report_sum_new(const char *domain)
{
	struct vouch_report_sum *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->cap = 1024;
	s->rcap = 64;
	s->tab = calloc(s->cap, sizeof(*s->tab));
	s->dcap = 64;
	s->reporters = calloc(s->rcap, sizeof(*s->reporters));
	s->days = calloc(s->dcap, sizeof(*s->days));
	s->domain = domain != NULL ? strdup(domain) : NULL;
	if (s->tab == NULL || s->reporters == NULL || s->days == NULL ||
	    (domain != NULL &&
	    s->domain == NULL)) {
		vouch_report_sum_free(s);
		return NULL;
	}
	return s;
}

static void
src_free(struct src *x)
{
	int i;

	if (x == NULL)
		return;
	for (i = 0; i < SUM_CAUSES; i++) {
		free(x->c[i].text);
		free(x->c[i].fix);
	}
	free(x->ip);
	free(x);
}

void
vouch_report_sum_free(struct vouch_report_sum *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->cap && s->tab != NULL; i++)
		src_free(s->tab[i]);
	for (i = 0; i < s->rcap && s->reporters != NULL; i++)
		if (s->reporters[i] != NULL) {
			free((char *)s->reporters[i]->org_name);
			free(s->reporters[i]);
		}
	for (i = 0; i < s->dcap && s->days != NULL; i++)
		free(s->days[i]);
	free(s->days);
	free(s->rout);
	free(s->dout);
	src_free(s->other);
	free(s->tab);
	free(s->reporters);
	free(s->domain);
	free(s->out);
	free(s);
}

/* Grow an open-addressing table of pointers whose key is key(entry). */
static int
table_grow(void ***tab, size_t *cap, size_t (*key)(const void *))
{
	size_t nc = *cap * 2, i, h;
	void **t = calloc(nc, sizeof(*t));

	if (t == NULL)
		return -1;
	for (i = 0; i < *cap; i++)
		if ((*tab)[i] != NULL) {
			for (h = key((*tab)[i]) & (nc - 1); t[h] != NULL;
			    h = (h + 1) & (nc - 1))
				;
			t[h] = (*tab)[i];
		}
	free(*tab);
	*tab = t;
	*cap = nc;
	return 0;
}

static size_t
rep_key(const void *e)
{
	return hash(((const struct vouch_report_reporter *)e)->org_name);
}

static size_t
day_key(const void *e)
{
	return (size_t)(((const struct vouch_report_day *)e)->day / 86400);
}

static size_t
src_key(const void *e)
{
	return hash(((const struct src *)e)->ip);
}

static struct src *
source(struct vouch_report_sum *s, const char *ip)
{
	size_t h;

	if (ip == NULL || *ip == '\0')
		ip = "(no address)";
	for (h = hash(ip) & (s->cap - 1); s->tab[h] != NULL;
	    h = (h + 1) & (s->cap - 1))
		if (strcmp(s->tab[h]->ip, ip) == 0)
			return s->tab[h];
	if (s->n >= VOUCH_REPORT_MAX_SOURCES) {
		if (s->other == NULL && (s->other = calloc(1,
		    sizeof(*s->other))) != NULL &&
		    (s->other->ip = strdup("(other sources)")) == NULL) {
			free(s->other);
			s->other = NULL;
		}
		return s->other;
	}
	if (s->n * 2 >= s->cap) {
		if (table_grow((void ***)&s->tab, &s->cap, src_key) != 0)
			return NULL;
		return source(s, ip);
	}
	if ((s->tab[h] = calloc(1, sizeof(**s->tab))) == NULL)
		return NULL;
	if ((s->tab[h]->ip = strdup(ip)) == NULL) {
		free(s->tab[h]);
		s->tab[h] = NULL;
		return NULL;
	}
	s->n++;
	return s->tab[h];
}

static struct vouch_report_reporter *
reporter(struct vouch_report_sum *s, const char *org)
{
	struct vouch_report_reporter *r;
	size_t h;

	if (org == NULL)
		org = "(unnamed)";
	if (s->nrep * 2 >= s->rcap && table_grow((void ***)&s->reporters,
	    &s->rcap, rep_key) != 0)
		return NULL;
	for (h = hash(org) & (s->rcap - 1); s->reporters[h] != NULL;
	    h = (h + 1) & (s->rcap - 1))
		if (strcmp(s->reporters[h]->org_name, org) == 0)
			return s->reporters[h];
	if (s->nrep >= SUM_MAX_REPORTERS ||
	    (r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->org_name = strdup(org)) == NULL) {
		free(r);
		return NULL;
	}
	s->nrep++;
	return s->reporters[h] = r;
}

static struct vouch_report_day *
day(struct vouch_report_sum *s, int64_t t)
{
	struct vouch_report_day *d;
	int64_t start = t - t % 86400;
	size_t h;

	if (s->ndays * 2 >= s->dcap && table_grow((void ***)&s->days,
	    &s->dcap, day_key) != 0)
		return NULL;
	for (h = (size_t)(start / 86400) & (s->dcap - 1); s->days[h] != NULL;
	    h = (h + 1) & (s->dcap - 1))
		if (s->days[h]->day == start)
			return s->days[h];
	if (s->ndays >= SUM_MAX_DAYS || (d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->day = start;
	s->ndays++;
	return s->days[h] = d;
}

/* Relaxed alignment by name: equal, or one under the other. */
static int
aligned(const char *a, const char *b)
{
	size_t la, lb;

	if (a == NULL || b == NULL)
		return 0;
	la = strlen(a);
	lb = strlen(b);
	if (la == lb)
		return strcasecmp(a, b) == 0;
	if (la > lb)
		return a[la - lb - 1] == '.' && strcasecmp(a + la - lb, b) == 0;
	return b[lb - la - 1] == '.' && strcasecmp(b + lb - la, a) == 0;
}

static int
is(const char *s, const char *w)
{
	return s != NULL && strcmp(s, w) == 0;
}

/* Why a record fails DMARC, and what the owner can do about it. */
static void
cause_of(const struct vouch_report_agg_record *x, const char *dom,
    char *c, size_t cn, char *fix, size_t fn)
{
	const char *dk_other = NULL, *dk_own = NULL, *spf_other = NULL;
	size_t i;
	int fwd = 0;

	for (i = 0; i < x->ndkim; i++) {
		const struct vouch_report_auth *d = &x->dkim_results[i];

		if (is(d->result, "pass") && !aligned(d->domain, dom))
			dk_other = dk_other != NULL ? dk_other : d->domain;
		else if (!is(d->result, "pass") && aligned(d->domain, dom))
			dk_own = dk_own != NULL ? dk_own : d->domain;
	}
	for (i = 0; i < x->nspf; i++)
		if (is(x->spf_results[i].result, "pass") &&
		    !aligned(x->spf_results[i].domain, dom))
			spf_other = x->spf_results[i].domain;
	for (i = 0; i < x->nreasons; i++)
		fwd |= is(x->reasons[i].type, "forwarded") ||
		    is(x->reasons[i].type, "mailing_list") ||
		    is(x->reasons[i].type, "trusted_forwarder");
	*fix = '\0';
	if (dk_own != NULL && fwd) {
		snprintf(c, cn, "DKIM d=%s fails (forwarded or a list: "
		    "changed on the way)", dk_own);
		snprintf(fix, fn, "forwarded mail: it passes where the "
		    "forwarder seals it with ARC");
	} else if (dk_other != NULL) {
		snprintf(c, cn, "DKIM d=%s not aligned%s%s%s", dk_other,
		    spf_other != NULL ? "; SPF passes for " : "",
		    spf_other != NULL ? spf_other : "",
		    spf_other != NULL ? ", not aligned" : "");
		snprintf(fix, fn, "if this sender is yours, have it sign with "
		    "d=%s (a key published under %s)", dom, dom);
	} else if (spf_other != NULL) {
		snprintf(c, cn, "SPF passes for %s, not aligned; %s", spf_other,
		    x->ndkim == 0 ? "no DKIM" : dk_own != NULL ?
		    "DKIM fails" : "DKIM not aligned");
		snprintf(fix, fn, "if this sender is yours, have it sign with "
		    "DKIM d=%s, or send with a bounce address under %s", dom,
		    dom);
	} else if (dk_own != NULL) {
		snprintf(c, cn, "DKIM d=%s fails%s", dk_own, fwd ?
		    " (forwarded or a list: changed on the way)" :
		    " (changed on the way, or the key is wrong)");
		snprintf(fix, fn, "%s", fwd ? "forwarded mail: it passes where "
		    "the forwarder seals it with ARC" : "check the selector's "
		    "key in DNS against the signing key");
	} else {
		snprintf(c, cn, "nothing passes: likely forged");
	}
}

static void
add_cause(struct src *x, const char *c, const char *fix, uint64_t n)
{
	int i, low = 0;

	for (i = 0; i < SUM_CAUSES; i++) {
		if (x->c[i].text != NULL && strcmp(x->c[i].text, c) == 0) {
			x->c[i].n += n;
			return;
		}
		if (x->c[i].text == NULL || x->c[i].n < x->c[low].n)
			low = i;
	}
	/* room, or the smallest cause gives way to a larger one */
	if (x->c[low].text != NULL && x->c[low].n >= n)
		return;
	free(x->c[low].text);
	free(x->c[low].fix);
	x->c[low].text = strdup(c);
	x->c[low].fix = *fix != '\0' ? strdup(fix) : NULL;
	x->c[low].n = x->c[low].text != NULL ? n : 0;
}

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

int
vouch_report_sum_add(struct vouch_report_sum *s,
    const struct vouch_report_agg *r)
{
	struct vouch_report_reporter *rep;
	struct vouch_report_day *dy;
	size_t i;

	if (s == NULL || r == NULL || r->domain == NULL || (s->domain != NULL &&
	    strcasecmp(r->domain, s->domain) != 0))
		return 0;
	rep = reporter(s, r->org_name);
	dy = day(s, r->begin > 0 ? r->begin : 0);
	if (rep != NULL)
		rep->reports++;
	if (r->begin > 0 && (s->begin == 0 || r->begin < s->begin))
		s->begin = r->begin;
	if (r->end > s->end)
		s->end = r->end;
	for (i = 0; i < r->nrecords; i++) {
		const struct vouch_report_agg_record *x = &r->records[i];
		int pass = is(x->dkim, "pass") || is(x->spf, "pass");
		struct src *src = source(s, x->source_ip);

		s->messages = sat_add(s->messages, x->count);
		if (pass)
			s->pass = sat_add(s->pass, x->count);
		else
			s->fail = sat_add(s->fail, x->count);
		if (rep != NULL) {
			rep->messages = sat_add(rep->messages, x->count);
			if (pass)
				rep->pass = sat_add(rep->pass, x->count);
			else
				rep->fail = sat_add(rep->fail, x->count);
		}
		if (dy != NULL) {
			if (pass)
				dy->pass = sat_add(dy->pass, x->count);
			else
				dy->fail = sat_add(dy->fail, x->count);
		}
		if (src == NULL)
			continue;
		src->messages = sat_add(src->messages, x->count);
		if (!pass) {
			char c[600], fix[600];

			src->fail = sat_add(src->fail, x->count);
			cause_of(x, x->header_from != NULL ? x->header_from :
			    r->domain, c, sizeof(c), fix, sizeof(fix));
			add_cause(src, c, fix, x->count);
		}
	}
	return 1;
}

void
vouch_report_sum_totals(const struct vouch_report_sum *s, uint64_t *messages,
    uint64_t *pass, uint64_t *fail, size_t *reporters, int64_t *begin,
    int64_t *end)
{
	*messages = s->messages;
	*pass = s->pass;
	*fail = s->fail;
	*reporters = s->nrep;
	*begin = s->begin;
	*end = s->end;
}

static int
by_fail(const void *x, const void *y)
{
	const struct vouch_report_source *a = x, *b = y;

	if (a->dmarc_fail != b->dmarc_fail)
		return a->dmarc_fail < b->dmarc_fail ? 1 : -1;
	return strcmp(a->source_ip, b->source_ip);
}

static void
put(struct vouch_report_source *o, size_t *k, const struct src *x)
{
	int i, best = -1;

	if (x == NULL || x->fail == 0)
		return;
	for (i = 0; i < SUM_CAUSES; i++)
		if (x->c[i].text != NULL && (best < 0 || x->c[i].n >
		    x->c[best].n))
			best = i;
	o[*k].source_ip = x->ip;
	o[*k].messages = x->messages;
	o[*k].dmarc_fail = x->fail;
	o[*k].cause = best >= 0 ? x->c[best].text : "";
	o[*k].fix = best >= 0 ? x->c[best].fix : NULL;
	(*k)++;
}

const struct vouch_report_source *
vouch_report_sum_sources(struct vouch_report_sum *s, size_t *n)
{
	size_t i, k = 0;

	*n = 0;
	free(s->out);
	if ((s->out = calloc(s->n + 1, sizeof(*s->out))) == NULL)
		return NULL;
	for (i = 0; i < s->cap; i++)
		put(s->out, &k, s->tab[i]);
	qsort(s->out, k, sizeof(*s->out), by_fail);
	put(s->out, &k, s->other);	/* last, whatever its size */
	*n = k;
	return s->out;
}

static int
by_messages(const void *x, const void *y)
{
	const struct vouch_report_reporter *a = x, *b = y;

	if (a->messages != b->messages)
		return a->messages < b->messages ? 1 : -1;
	return strcmp(a->org_name, b->org_name);
}

const struct vouch_report_reporter *
vouch_report_sum_reporters(struct vouch_report_sum *s, size_t *n)
{
	size_t i, k = 0;

	*n = 0;
	free(s->rout);
	if ((s->rout = calloc(s->nrep + 1, sizeof(*s->rout))) == NULL)
		return NULL;
	for (i = 0; i < s->rcap; i++)
		if (s->reporters[i] != NULL)
			s->rout[k++] = *s->reporters[i];
	qsort(s->rout, k, sizeof(*s->rout), by_messages);
	*n = k;
	return s->rout;
}

static int
by_day(const void *x, const void *y)
{
	const struct vouch_report_day *a = x, *b = y;

	return a->day < b->day ? -1 : a->day > b->day;
}

const struct vouch_report_day *
vouch_report_sum_days(struct vouch_report_sum *s, size_t *n)
{
	size_t i, k = 0;

	*n = 0;
	free(s->dout);
	if ((s->dout = calloc(s->ndays + 1, sizeof(*s->dout))) == NULL)
		return NULL;
	for (i = 0; i < s->dcap; i++)
		if (s->days[i] != NULL)
			s->dout[k++] = *s->days[i];
	qsort(s->dout, k, sizeof(*s->dout), by_day);
	*n = k;
	return s->dout;
}

const char *
vouch_report_sum_domain(const struct vouch_report_sum *s)
{
	return s->domain;
}
