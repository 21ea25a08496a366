/*
 * SPF lint (RFC 7208): syntax through the evaluator's own parser, then the
 * worst case of the evaluation: every DNS-querying term counted through
 * every include and redirect, void lookups, loops, and style rules.
 */
#include "config.h"

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint_int.h"
#include "spf/spf_int.h"
#include "common/util.h"

#define MAX_DEPTH 20

struct walk {
	struct vouch_lint *l;
	const char *top;		/* the name being linted */
	char *stack[MAX_DEPTH + 1];	/* include/redirect chain */
	int depth;
	unsigned int voids;
	const char *note;		/* why a branch has no lookups */
};

/* A copy of the v=spf1 record of domain (malloc'd), or NULL. */
/* SPF records every mail provider's customers include: a resolver that
 * finds none of them is the one that is wrong. */
static int
well_known(const char *domain)
{
	static const char *names[] = { "_spf.google.com",
	    "spf.protection.outlook.com", "sendgrid.net", "mailgun.org",
	    "amazonses.com", "_spf.salesforce.com", "servers.mcsv.net",
	    "spf.mandrillapp.com", "_spf.mx.cloudflare.net", NULL };
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (vouch__strcaseeq(domain, names[i]))
			return 1;
	return 0;
}

static char *
answer_txt_spf(struct walk *w, const char *domain, size_t *len, int *count,
    int *temp)
{
	struct vouch_dns_answer *a = NULL;
	char *found = NULL;

	*count = 0;
	*temp = 0;
	if (vouch_dns_query(w->l->dns, domain, VOUCH_DNS_TXT, &a, NULL) !=
	    VOUCH_OK) {
		*temp = 1;
		return NULL;
	}
	if (vouch_dns_answer_rcode(a) == VOUCH_DNS_TEMPFAIL ||
	    vouch_dns_answer_rcode(a) == VOUCH_DNS_MALFORMED)
		*temp = 1;
	{
		const char *txt;

		*count = (int)spf_select_record(a, &txt, len);
		if (txt != NULL && (found = malloc(*len + 1)) != NULL)
			memcpy(found, txt, *len + 1);
	}
	vouch_dns_answer_free(a);
	return found;
}

/* Does a name have any address or MX (a void lookup when not)? */
static int
is_void(struct walk *w, const char *name, enum vouch_dns_type t1,
    enum vouch_dns_type t2)
{
	struct vouch_dns_answer *a = NULL;
	int empty = 1, k;
	enum vouch_dns_type ts[2] = { t1, t2 };

	for (k = 0; k < 2 && empty; k++) {
		if (ts[k] == 0)
			continue;
		if (vouch_dns_query(w->l->dns, name, ts[k], &a, NULL) != VOUCH_OK)
			return 0;
		if (vouch_dns_answer_rcode(a) == VOUCH_DNS_TEMPFAIL ||
		    vouch_dns_answer_rcode(a) == VOUCH_DNS_MALFORMED)
			w->l->temp = 1;
		else if (vouch_dns_answer_count(a) > 0)
			empty = 0;
		if (ts[k] == VOUCH_DNS_MX && vouch_dns_answer_count(a) >
		    VOUCH_SPF_MAX_MX_PTR_NAMES)
			lint_add(w->l, VOUCH_LINT_ERROR, "spf-mx-too-many",
			    w->top, "RFC 7208 4.6.4", -1, "mx:%s has %zu MX "
			    "records; more than 10 is a permerror", name,
			    vouch_dns_answer_count(a));
		vouch_dns_answer_free(a);
		a = NULL;
	}
	return empty;
}

static int
has_macro(const struct spf_term *t)
{
	return t->arg != NULL && memchr(t->arg, '%', t->arglen) != NULL;
}

/* 1 when the ip4/ip6 range b lies inside a (same family). */
static int
covers(const struct spf_term *a, const struct spf_term *b)
{
	int bits, v6 = a->kind == SPF_IP6, ab, bb, full, rest;

	if (a->kind != b->kind)
		return 0;
	ab = v6 ? (a->cidr6 < 0 ? 128 : a->cidr6) : (a->cidr4 < 0 ? 32 : a->cidr4);
	bb = v6 ? (b->cidr6 < 0 ? 128 : b->cidr6) : (b->cidr4 < 0 ? 32 : b->cidr4);
	if (ab > bb)
		return 0;
	bits = ab;
	full = bits / 8;
	rest = bits % 8;
	if (memcmp(a->addr, b->addr, (size_t)full) != 0)
		return 0;
	return rest == 0 ||
	    ((a->addr[full] ^ b->addr[full]) & (0xff << (8 - rest))) == 0;
}

/* ip4:192.0.2.1/24: bits set past the prefix are ignored by receivers
 * (RFC 7208 5.6); say what the range really is. */
static void
host_bits(struct walk *w, const struct spf_term *t, const char *name)
{
	int v6 = t->kind == SPF_IP6, bits = v6 ? t->cidr6 : t->cidr4;
	int total = v6 ? 128 : 32, i;
	unsigned char net[16];
	char text[64];

	if (bits < 0 || bits >= total)
		return;
	memcpy(net, t->addr, 16);
	for (i = bits; i < total; i++)
		net[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
	if (memcmp(net, t->addr, (size_t)total / 8) == 0)
		return;
	if (inet_ntop(v6 ? AF_INET6 : AF_INET, net, text, sizeof(text)) == NULL)
		return;
	lint_add(w->l, VOUCH_LINT_INFO, "spf-cidr-host-bits", name,
	    "RFC 7208 5.6", (long)t->offset, "'%.*s' has host bits set: the "
	    "range is really %s/%d", (int)t->textlen, t->text, text, bits);
}

/* Rules about how the record is written (only the record being linted,
 * not a provider's include). */
/* An unknown modifier is ignored; one given twice is a mistake. */
static void
unknown_modifier(struct walk *w, const struct spf_record *r, size_t i,
    const char *name)
{
	const struct spf_term *t = &r->terms[i];
	const char *eq = memchr(t->text, '=', t->textlen);
	size_t nl = (size_t)(eq - t->text), j;

	lint_add(w->l, VOUCH_LINT_INFO, "spf-unknown-modifier", name,
	    "RFC 7208 6", (long)t->offset, "unknown modifier '%.*s' is "
	    "ignored", (int)nl, t->text);
	for (j = 0; j < i; j++)
		if (r->terms[j].kind == SPF_UNKNOWN_MOD &&
		    vouch__memcaseeq(r->terms[j].text, t->text, nl + 1))
			lint_add(w->l, VOUCH_LINT_WARNING, "spf-repeated-modifier",
			    name, "RFC 7208 6", (long)t->offset, "modifier "
			    "'%.*s' appears more than once", (int)nl, t->text);
}

/* An ip4/ip6 range another term of the record already covers. */
static void
overlapping(struct walk *w, const struct spf_record *r, size_t i,
    const char *name)
{
	const struct spf_term *t = &r->terms[i], *o;
	size_t j;

	for (j = 0; j < r->n; j++) {
		o = &r->terms[j];
		if (j == i || (o->kind != SPF_IP4 && o->kind != SPF_IP6) ||
		    !covers(o, t) || (covers(t, o) && j > i))
			continue;
		lint_add(w->l, VOUCH_LINT_WARNING, "spf-overlapping-ranges", name,
		    "RFC 7208 5.6", (long)t->offset, "'%.*s' is already covered "
		    "by '%.*s'", (int)t->textlen, t->text, (int)o->textlen,
		    o->text);
		return;
	}
}

static void
style(struct walk *w, const struct spf_record *r, const char *name)
{
	size_t i;
	int saw_all = 0;

	for (i = 0; i < r->n; i++) {
		const struct spf_term *t = &r->terms[i];

		if (t->kind == SPF_ALL && t->qual == '+')
			lint_add(w->l, VOUCH_LINT_ERROR, "spf-plus-all", name,
			    "RFC 7208 5.1", (long)t->offset, "'+all' lets every "
			    "host on the Internet send as this domain");
		else if (t->kind == SPF_ALL && t->qual == '?')
			lint_add(w->l, VOUCH_LINT_WARNING, "spf-neutral-all", name,
			    "RFC 7208 5.1", (long)t->offset, "'?all' asserts "
			    "nothing about other hosts; use ~all or -all");
		if (t->kind == SPF_PTR)
			lint_add(w->l, VOUCH_LINT_WARNING, "spf-ptr", name,
			    "RFC 7208 5.5", (long)t->offset, "'ptr' is slow, "
			    "unreliable and deprecated: SHOULD NOT be used");
		if (saw_all && t->kind < SPF_REDIRECT)
			lint_add(w->l, VOUCH_LINT_WARNING, "spf-after-all", name,
			    "RFC 7208 5.1", (long)t->offset, "'%.*s' comes after "
			    "'all' and can never match", (int)t->textlen, t->text);
		if (t->kind == SPF_ALL)
			saw_all = 1;
		if (t->kind == SPF_UNKNOWN_MOD)
			unknown_modifier(w, r, i, name);
		if (t->kind == SPF_IP4 || t->kind == SPF_IP6) {
			host_bits(w, t, name);
			overlapping(w, r, i, name);
		}
	}
	if (r->redirect >= 0 && r->all >= 0)
		lint_add(w->l, VOUCH_LINT_WARNING, "spf-redirect-with-all", name,
		    "RFC 7208 6.1", (long)r->terms[r->redirect].offset,
		    "redirect= is ignored because the record has 'all'");
	if (r->redirect < 0 && r->all < 0)
		lint_add(w->l, VOUCH_LINT_WARNING, "spf-no-all", name,
		    "RFC 7208 4.7", -1, "no 'all' and no redirect=: hosts not "
		    "listed get neutral; end with ~all or -all");
}

static unsigned int walk_domain(struct walk *w, const char *domain,
    const char *txt, size_t len, struct vbuf *tree, int indent, int *bad);

/* The target of include/redirect/a/mx/exists, or NULL with a macro. */
static char *
target(const struct spf_term *t, const char *domain)
{
	char *s;

	if (t->arg == NULL)
		return strdup(domain);
	if (has_macro(t))
		return NULL;
	if ((s = strndup(t->arg, t->arglen)) != NULL && t->arglen > 1 &&
	    s[t->arglen - 1] == '.')
		s[t->arglen - 1] = '\0';
	return s;
}

static unsigned int
walk_child(struct walk *w, const struct spf_term *t, const char *domain,
    struct vbuf *tree, int indent, int *bad)
{
	char *name = target(t, domain);
	struct vbuf sub;
	unsigned int cost = 0;
	int i, child_bad = 0;

	if (name == NULL) {
		lint_add(w->l, VOUCH_LINT_INFO, "spf-macro-not-followed", w->top,
		    "RFC 7208 7", (long)t->offset, "'%.*s' depends on the "
		    "message; its lookups are not counted", (int)t->textlen,
		    t->text);
		vbuf_printf(tree, "%*s%.*s (1 lookup, not followed: macro)\n",
		    indent, "", (int)t->textlen, t->text);
		return 0;
	}
	for (i = 0; i < w->depth; i++)
		if (strcasecmp(w->stack[i], name) == 0) {
			lint_add(w->l, VOUCH_LINT_ERROR, "spf-include-loop", w->top,
			    "RFC 7208 4.6.4", (long)t->offset, "'%.*s' leads "
			    "back to %s: evaluation ends in permerror",
			    (int)t->textlen, t->text, name);
			vbuf_printf(tree, "%*s%.*s (loop)\n", indent, "",
			    (int)t->textlen, t->text);
			free(name);
			*bad = 1;
			return 0;
		}
	if (w->depth >= MAX_DEPTH) {
		free(name);
		return 0;
	}
	vbuf_init(&sub, 1 << 20);
	w->note = NULL;
	cost = walk_domain(w, name, NULL, 0, &sub, indent + 2, &child_bad);
	/* the branch: this term's own lookup and everything below it */
	vbuf_printf(tree, "%*s%.*s (%u lookup%s%s%s)\n", indent, "",
	    (int)t->textlen, t->text, cost + 1, cost == 0 ? "" : "s",
	    w->note != NULL ? ", " : "", w->note != NULL ? w->note : "");
	if (sub.len > 0)
		vbuf_add(tree, sub.data, sub.len);
	vbuf_clear(&sub);
	if (child_bad)
		*bad = 1;
	free(name);
	return cost;
}

/* Worst-case lookups below (and including) this record. */
/* The domain's record from DNS, said when absent or doubled: malloc'd, or
 * NULL (*bad set when that is an error). */
static char *
walk_fetch(struct walk *w, const char *domain, size_t *len, int *bad)
{
	int count = 1, temp = 0;
	char *copy = answer_txt_spf(w, domain, len, &count, &temp);

	if (temp) {
		free(copy);
		w->l->temp = 1;
		w->note = "DNS failure";
		return NULL;
	}
	if (copy == NULL && w->depth > 0 && well_known(domain) &&
	    vouch_dns_is_live(w->l->dns))
		lint_add(w->l, VOUCH_LINT_WARNING, "resolver-suspect", domain,
		    "RFC 7208 5.2", -1, "the resolver says %s has no SPF "
		    "record, but that provider publishes one for its customers: "
		    "the resolver, not your zone, looks wrong (filtering or "
		    "broken?); try another with --dns-server", domain);
	if (copy == NULL) {
		lint_add(w->l, VOUCH_LINT_ERROR, w->depth == 0 ? "spf-no-record" :
		    "spf-include-no-record", w->depth == 0 ? domain : w->top,
		    w->depth == 0 ? "RFC 7208 4.5" : "RFC 7208 5.2", -1,
		    w->depth == 0 ? "%s has no SPF record" : "%s has no SPF "
		    "record: the include or redirect gives permerror", domain);
		w->note = "no SPF record";
		++w->voids;
		*bad = 1;
		return NULL;
	}
	if (count > 1) {
		lint_add(w->l, VOUCH_LINT_ERROR, "spf-multiple-records", domain,
		    "RFC 7208 4.5", -1, "%d v=spf1 records: evaluation gives "
		    "permerror", count);
		*bad = 1;
	}
	return copy;
}

/* Every term that costs a lookup, in evaluation order: includes and
 * redirects walked, void lookups said; the cost. */
static unsigned int
walk_terms(struct walk *w, const struct spf_record *r, const char *domain,
    struct vbuf *tree, int indent, int *bad)
{
	unsigned int cost = 0;
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct spf_term *t = &r->terms[i];
		char *name;

		if (!spf_term_queries(t->kind))
			continue;
		if (t->kind == SPF_REDIRECT && r->all >= 0)
			continue;	/* never evaluated */
		if (r->all >= 0 && i > (size_t)r->all)
			continue;	/* after all: never evaluated either */
		cost++;
		if (t->kind == SPF_INCLUDE || t->kind == SPF_REDIRECT) {
			cost += walk_child(w, t, domain, tree, indent, bad);
			continue;
		}
		if (t->kind == SPF_PTR || (t->arg == NULL && domain[0] == '('))
			continue;	/* no domain given for a bare a or mx */
		/* every term that costs a lookup shows in the tree */
		vbuf_printf(tree, "%*s%.*s (1 lookup)\n", indent, "",
		    (int)t->textlen, t->text);
		if ((name = target(t, domain)) == NULL)
			continue;
		if (is_void(w, name, t->kind == SPF_MX ? VOUCH_DNS_MX :
		    VOUCH_DNS_A, t->kind == SPF_A ? VOUCH_DNS_AAAA : 0)) {
			w->voids++;
			lint_add(w->l, VOUCH_LINT_WARNING, "spf-void-term",
			    w->top, "RFC 7208 4.6.4", (long)t->offset,
			    "'%.*s'%s%s finds nothing (a void lookup)",
			    (int)t->textlen, t->text, w->depth > 1 ? " in " : "",
			    w->depth > 1 ? domain : "");
		}
		free(name);
	}
	return cost;
}

static unsigned int
walk_domain(struct walk *w, const char *domain, const char *txt, size_t len,
    struct vbuf *tree, int indent, int *bad)
{
	struct spf_record r;
	struct vouch_error err = { 0 };
	unsigned int cost = 0;
	size_t prevlen;
	const char *prev;
	char *copy;

	copy = txt == NULL ? walk_fetch(w, domain, &len, bad) :
	    strndup(txt, len);
	if ((txt = copy) == NULL)
		return 0;
	lint_record_begin(w->l, txt, len, &prev, &prevlen);
	if (spf_record_parse(txt, len, &r, &err) != VOUCH_OK) {
		int macro = err.offset >= 0 && (size_t)err.offset < len &&
		    memchr(txt + err.offset, '%', strcspn(txt + err.offset,
		    " ")) != NULL;

		lint_add(w->l, VOUCH_LINT_ERROR, w->depth > 0 ?
		    "spf-include-permerror" : macro ? "spf-invalid-macro" :
		    "spf-syntax", w->depth > 0 ? w->top : domain,
		    macro ? "RFC 7208 7.1" : err.spec, err.offset,
		    "%s%s at byte %ld: %s", w->depth > 0 ? domain : "",
		    w->depth > 0 ? "'s record" : "record", err.offset,
		    err.message);
		w->note = "syntax error";
		*bad = 1;
	} else {
		if (w->depth == 0)
			style(w, &r, domain);
		w->stack[w->depth++] = (char *)domain;
		cost = walk_terms(w, &r, domain, tree, indent, bad);
		w->depth--;
		spf_record_clear(&r);
	}
	lint_record_end(w->l, prev, prevlen);
	free(copy);
	return cost;
}

/* Check one record and report the totals of RFC 7208 4.6.4. */
void
lint_spf_record(struct vouch_lint *l, const char *domain, const char *txt,
    size_t len, size_t longest)
{
	struct walk w;
	struct vbuf sub;
	unsigned int cost;
	int bad = 0;
	int given = txt != NULL;

	memset(&w, 0, sizeof(w));
	w.l = l;
	w.top = domain;
	if (given) {
		if (len > VOUCH_SPF_RECORD_UDP_SAFE)
			lint_add(l, VOUCH_LINT_WARNING, "spf-record-too-long",
			    domain, "RFC 7208 3.4", -1, "%zu bytes: over 450 "
			    "the answer may not fit a UDP packet", len);
		lint_string_lengths(l, "spf-string-too-long", domain, len,
		    longest, longest == 0);
	}
	vbuf_reset(&l->tree);
	vbuf_init(&sub, 1 << 20);
	cost = walk_domain(&w, domain, txt, len, &sub, 2, &bad);
	vbuf_printf(&l->tree, "%s (%u lookup%s)\n", domain, cost,
	    cost == 1 ? "" : "s");
	if (sub.len > 0)
		vbuf_add(&l->tree, sub.data, sub.len);
	vbuf_clear(&sub);
	l->have_spf = 1;
	l->spf_lookups = cost;
	l->spf_voids = w.voids;
	if (cost > VOUCH_SPF_MAX_DNS_MECH)
		lint_add(l, VOUCH_LINT_ERROR, "spf-too-many-lookups", domain,
		    "RFC 7208 4.6.4", -1, "%u DNS lookups through every "
		    "include and redirect; more than 10 is a permerror", cost);
	else if (cost >= 8)
		lint_add(l, VOUCH_LINT_WARNING, "spf-lookups-near-limit", domain,
		    "RFC 7208 4.6.4", -1, "%u of the 10 DNS lookups allowed",
		    cost);
	if (w.voids > VOUCH_SPF_MAX_VOID)
		lint_add(l, VOUCH_LINT_ERROR, "spf-void-lookups", domain,
		    "RFC 7208 4.6.4", -1, "%u void lookups; more than 2 is a "
		    "permerror", w.voids);
}

enum vouch_status
vouch_lint_spf(struct vouch_lint *l, const char *domain, const char *record,
    struct vouch_error *err)
{
	struct vouch_dns_answer *a = NULL;
	size_t i, len, longest = 0;
	char *d;

	if (l == NULL || domain == NULL)
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1,
		    "missing argument");
	if ((d = vouch__name_norm(domain)) == NULL)
		return VOUCH_E_NOMEM;
	lint_checked(l, "SPF", d, strlen(d));
	if (record != NULL) {
		lint_spf_record(l, d, record, strlen(record), 0);
		free(d);
		return VOUCH_OK;
	}
	/* published: the strings as they are, and Sender ID leftovers */
	if (vouch_dns_query(l->dns, d, VOUCH_DNS_TXT, &a, err) != VOUCH_OK) {
		free(d);
		return VOUCH_E_NOMEM;
	}
	for (i = 0; i < vouch_dns_answer_count(a); i++) {
		const char *p = (const char *)vouch_dns_answer_data(a, i, &len,
		    NULL);

		if (spf_is_record(p, len)) {
			if (len > VOUCH_SPF_RECORD_UDP_SAFE)
				lint_add(l, VOUCH_LINT_WARNING,
				    "spf-record-too-long", d, "RFC 7208 3.4", -1,
				    "%zu bytes: over 450 the answer may not "
				    "fit a UDP packet", len);
			if (vouch_dns_answer_longest_string(a, i) > longest)
				longest = vouch_dns_answer_longest_string(a, i);
		} else if (len >= 7 && vouch__memcaseeq(p, "spf2.0/", 7)) {
			lint_add(l, VOUCH_LINT_WARNING, "spf-sender-id", d,
			    "RFC 6686", -1, "Sender ID record (spf2.0) is "
			    "historic; receivers ignore it");
		}
	}
	lint_string_lengths(l, "spf-string-too-long", d, 0, longest, 0);
	vouch_dns_answer_free(a);
	lint_spf_record(l, d, NULL, 0, 0);
	free(d);
	return VOUCH_OK;
}
