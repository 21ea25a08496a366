/*
 * DMARC records, policy discovery and the organizational domain
 * (RFC 9989 4.10 DNS tree walk, or RFC 7489 3.2 with the Public Suffix
 * List), and the verdict (RFC 7489 6.6, RFC 9989 5).
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef HAVE_LIBPSL
#include <libpsl.h>
#endif

#include "dmarc_int.h"
#include "dkim/dkim_int.h"
#include "common/util.h"
#include "common/domain.h"

const char *
vouch_dmarc_result_name(enum vouch_dmarc_result r)
{
	static const char *n[] = { "none", "pass", "fail", "temperror",
	    "permerror" };

	return (unsigned)r < 5 ? n[r] : "unknown";
}

const char *
vouch_dmarc_policy_name(enum vouch_dmarc_policy p)
{
	static const char *n[] = { "none", "quarantine", "reject" };

	return (unsigned)p < 3 ? n[p] : "none";
}

static int
eq(const struct dkim_tag *t, const char *v)
{
	return t->vlen == strlen(v) && vouch__memcaseeq(t->val, v, t->vlen);
}

static int
policy_of(const struct dkim_tag *t, enum vouch_dmarc_policy *p)
{
	if (t == NULL)
		return 0;
	if (eq(t, "none"))
		*p = VOUCH_DMARC_P_NONE;
	else if (eq(t, "quarantine"))
		*p = VOUCH_DMARC_P_QUARANTINE;
	else if (eq(t, "reject"))
		*p = VOUCH_DMARC_P_REJECT;
	else
		return 0;
	return 1;
}

/* dmarc-version = "v" *WSP "=" *WSP "DMARC1", then the end or
 * *WSP ";" (RFC 9989 4.7, RFC 7489 6.4: white space around "="). */
static int
dmarc_version(const char *p, size_t n)
{
	size_t i = 0;

	if (n == 0 || p[0] != 'v')
		return 0;
	for (i = 1; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
		;
	if (i >= n || p[i++] != '=')
		return 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (n - i < 6 || memcmp(p + i, "DMARC1", 6) != 0)
		return 0;
	for (i += 6; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
		;
	return i == n || p[i] == ';';
}

/* Does rua= hold at least one syntactically valid URI (RFC 3986 3.1:
 * scheme ":" and something after it)? */
static int
rua_has_uri(const struct dkim_tag *t)
{
	const char *e;
	size_t pos = 0, n, i;

	while (dkim_list_next(t->val, t->vlen, ',', &pos, &e, &n)) {
		if (n < 3 || !((e[0] | 0x20) >= 'a' && (e[0] | 0x20) <= 'z'))
			continue;
		for (i = 1; i < n && (isalnum((unsigned char)e[i]) ||
		    e[i] == '+' || e[i] == '-' || e[i] == '.'); i++)
			;
		if (i < n - 1 && e[i] == ':')
			return 1;
	}
	return 0;
}

enum vouch_status
vouch_dmarc_record_parse(const char *txt, size_t len,
    struct vouch_dmarc_record *rec, struct vouch_error *err)
{
	struct dkim_tags t;
	const struct dkim_tag *g;
	char why[160];
	uint64_t v;

	memset(rec, 0, sizeof(*rec));
	rec->psd = -1;
	rec->pct = 100;
	/* RFC 9989 4.7: v=DMARC1 first, exactly */
	if (!dmarc_version(txt, len))
		return vouch__err(err, VOUCH_E_SYNTAX, "RFC 9989 4.7", 0,
		    "not a DMARC record: it must start with v=DMARC1");
	if (dkim_tags_parse(txt, len, &t, why, sizeof(why)) != VOUCH_OK)
		return vouch__err(err, VOUCH_E_SYNTAX, "RFC 9989 4.7", -1,
		    "%s", why);
	/* bad values fall back to the defaults (RFC 9989 4.7, RFC 7489
	 * 6.6.3): a missing or unknown p= is p=none */
	rec->has_p = policy_of(dkim_tags_get(&t, "p"), &rec->p);
	rec->has_sp = policy_of(dkim_tags_get(&t, "sp"), &rec->sp);
	rec->has_np = policy_of(dkim_tags_get(&t, "np"), &rec->np);
	if ((g = dkim_tags_get(&t, "adkim")) != NULL && eq(g, "s"))
		rec->adkim_strict = 1;
	if ((g = dkim_tags_get(&t, "aspf")) != NULL && eq(g, "s"))
		rec->aspf_strict = 1;
	if ((g = dkim_tags_get(&t, "t")) != NULL && eq(g, "y"))
		rec->testing = 1;
	if ((g = dkim_tags_get(&t, "psd")) != NULL)
		rec->psd = eq(g, "y") ? 1 : eq(g, "n") ? 0 : -1;
	if ((g = dkim_tags_get(&t, "pct")) != NULL &&
	    vouch__parse_u64(g->val, g->vlen, 100, &v) == 0)
		rec->pct = (unsigned int)v;
	rec->has_rua = (g = dkim_tags_get(&t, "rua")) != NULL &&
	    rua_has_uri(g);
	/* RFC 9989 4.7 (p): with neither a valid p= nor a valid rua= the
	 * record asks for nothing: as if there were no record at all */
	if (!rec->has_p && !rec->has_rua)
		return vouch__err(err, VOUCH_E_SYNTAX, "RFC 9989 4.7", -1,
		    "no valid p= and no valid rua=: not a DMARC policy");
	return VOUCH_OK;
}

static size_t
labels(const char *d)
{
	size_t n = 1;

	for (; *d; d++)
		if (*d == '.')
			n++;
	return n;
}

/* The last k labels of d (a pointer into d). */
static const char *
last_labels(const char *d, size_t k)
{
	size_t n = labels(d);

	while (n > k) {
		d = strchr(d, '.') + 1;
		n--;
	}
	return d;
}

/* One query at _dmarc.target: 1 a single DMARC record (rec and text
 * filled), 0 none (or several: *several set), -1 temporary failure. */
static int
lookup(struct vouch_dns *dns, const char *target, struct vouch_dmarc_record *rec,
    char **text, int *several)
{
	struct vouch_dns_answer *a = NULL;
	char name[600];
	size_t i, n, found = 0, which = 0;
	int r = 0;

	snprintf(name, sizeof(name), "_dmarc.%s", target);
	if (vouch_dns_query(dns, name, VOUCH_DNS_TXT, &a, NULL) != VOUCH_OK)
		return -1;
	switch (vouch_dns_answer_rcode(a)) {
	case VOUCH_DNS_TEMPFAIL:
	case VOUCH_DNS_MALFORMED:
		vouch_dns_answer_free(a);
		return -1;
	default:
		break;
	}
	/* RFC 9989 4.10 steps 2 and 7: records that are not DMARC are
	 * discarded; several DMARC records are all discarded */
	for (i = 0; i < vouch_dns_answer_count(a); i++) {
		struct vouch_dmarc_record one;
		const char *p = (const char *)vouch_dns_answer_data(a, i, &n,
		    NULL);

		if (vouch_dmarc_record_parse(p, n, &one, NULL) == VOUCH_OK) {
			found++;
			which = i;
			*rec = one;
		}
	}
	if (found > 1)
		*several = 1;
	if (found == 1) {
		const char *p = (const char *)vouch_dns_answer_data(a, which,
		    &n, NULL);

		if (text != NULL && (*text = strndup(p, n)) == NULL)
			r = -2;
		else
			r = 1;
	}
	vouch_dns_answer_free(a);
	return r;
}

#ifdef HAVE_LIBPSL
static const psl_ctx_t *psl;
static pthread_once_t psl_once = PTHREAD_ONCE_INIT;

static void
psl_load(void)
{
	/* the newer of the built-in list and Debian's publicsuffix file */
	psl = psl_latest(NULL);
	if (psl == NULL)
		psl = psl_builtin();
}
#endif

/* RFC 7489 3.2: the registrable domain by the Public Suffix List (list,
 * or the system's when NULL). */
static char *
psl_org(const struct vouch_dmarc_psl *list, const char *domain)
{
#ifdef HAVE_LIBPSL
	const psl_ctx_t *use = (const psl_ctx_t *)list;
	const char *r;

	if (use == NULL) {
		pthread_once(&psl_once, psl_load);
		use = psl;
	}
	if (use != NULL && (r = psl_registrable_domain(use, domain)) != NULL)
		return strdup(r);
#else
	(void)list;
#endif
	return strdup(domain);
}

/* one a parent of the other (or the same), at a label boundary */
static int
parent_or_child(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	const char *l = na >= nb ? a : b, *s = na >= nb ? b : a;
	size_t nl = na >= nb ? na : nb, ns = na >= nb ? nb : na;

	return strcasecmp(l + nl - ns, s) == 0 && (nl == ns ||
	    l[nl - ns - 1] == '.');
}

int
vouch_dmarc_relaxed_aligned(const char *sig_domain, const char *from_domain)
{
	char *a = NULL, *b = NULL, *oa = NULL, *ob = NULL;
	int r = 0;

	if (vouch__domain_alabel(sig_domain, &a) != VOUCH_OK ||
	    vouch__domain_alabel(from_domain, &b) != VOUCH_OK)
		goto out;
	if (parent_or_child(a, b)) {
		r = 1;
		goto out;
	}
	if ((oa = psl_org(NULL, a)) != NULL && (ob = psl_org(NULL, b)) != NULL)
		r = strcasecmp(oa, ob) == 0;
out:
	free(a);
	free(b);
	free(oa);
	free(ob);
	return r;
}

enum vouch_status
vouch_dmarc_psl_load(const char *path, struct vouch_dmarc_psl **out,
    struct vouch_error *err)
{
#ifdef HAVE_LIBPSL
	psl_ctx_t *p;

	if ((p = psl_load_file(path)) == NULL)
		return vouch__err(err, VOUCH_E_SYNTAX, NULL, -1, "%s: cannot "
		    "read it as a Public Suffix List", path);
	*out = (struct vouch_dmarc_psl *)p;
	return VOUCH_OK;
#else
	(void)out;
	return vouch__err(err, VOUCH_E_NOTFOUND, NULL, -1, "%s: vouch was "
	    "built without libpsl", path);
#endif
}

void
vouch_dmarc_psl_free(struct vouch_dmarc_psl *list)
{
#ifdef HAVE_LIBPSL
	psl_free((psl_ctx_t *)list);
#else
	(void)list;
#endif
}

int
vouch__dmarc_have_psl(void)
{
#ifdef HAVE_LIBPSL
	pthread_once(&psl_once, psl_load);
	return psl != NULL;
#else
	return 0;
#endif
}

static void
set_str(char **dst, const char *s, int *nomem)
{
	free(*dst);
	if ((*dst = strdup(s)) == NULL)
		*nomem = 1;
}

/*
 * RFC 9989 4.10: walk from domain toward the root, at most 8 queries.
 * The policy is the first record found; the organizational domain is
 * where psd=n is, one label below a psd=y, else the record with the
 * fewest labels, else the domain itself.
 */
static enum vouch_status
tree_walk(struct vouch_dns *dns, const char *domain,
    struct vouch_dmarc_discovery *d)
{
	const char *target = domain, *org = NULL;
	int nomem = 0, temp_before_policy = 0;
	size_t q;

	for (q = 0; q < VOUCH_DMARC_MAX_WALK && target != NULL; q++) {
		struct vouch_dmarc_record rec;
		char *text = NULL;
		size_t n = labels(target);
		/* only the policy record's text is kept */
		int r = lookup(dns, target, &rec, d->found ? NULL : &text,
		    &d->several);

		d->queries++;
		if (r == -2)
			return VOUCH_E_NOMEM;
		if (r < 0) {
			d->temperror = 1;
			if (!d->found)
				temp_before_policy = 1;
			break;
		}
		if (r == 1 && !d->found) {
			d->found = 1;
			d->rec = rec;
			d->record = text;
			text = NULL;
			set_str(&d->policy_domain, target, &nomem);
		}
		free(text);
		if (r == 1) {
			org = target;
			if (rec.psd == 0)
				break;
			if (rec.psd == 1 && target != domain) {
				org = last_labels(domain, n + 1);
				break;
			}
		}
		/* step 5: drop one label, or down to 7 labels at once */
		if (n <= 1)
			target = NULL;
		else
			target = n >= 8 ? last_labels(target, 7) :
			    strchr(target, '.') + 1;
	}
	set_str(&d->org_domain, org != NULL ? org : domain, &nomem);
	/* a failure after the policy was found leaves the policy usable */
	if (!temp_before_policy && d->found)
		d->temperror = 0;
	return nomem ? VOUCH_E_NOMEM : VOUCH_OK;
}

/* RFC 7489 6.6.3: the From domain, then its organizational domain. */
static enum vouch_status
psl_discover(struct vouch_dns *dns, const struct vouch_dmarc_psl *list,
    const char *domain, struct vouch_dmarc_discovery *d)
{
	const char *targets[2];
	size_t i;
	int nomem = 0;

	if ((d->org_domain = psl_org(list, domain)) == NULL)
		return VOUCH_E_NOMEM;
	targets[0] = domain;
	targets[1] = strcmp(d->org_domain, domain) != 0 ? d->org_domain :
	    NULL;
	for (i = 0; i < 2 && targets[i] != NULL; i++) {
		int r = lookup(dns, targets[i], &d->rec, &d->record,
		    &d->several);

		d->queries++;
		if (r == -2)
			return VOUCH_E_NOMEM;
		if (r < 0) {
			d->temperror = 1;
			break;
		}
		if (r == 1) {
			d->found = 1;
			set_str(&d->policy_domain, targets[i], &nomem);
			break;
		}
	}
	return nomem ? VOUCH_E_NOMEM : VOUCH_OK;
}

enum vouch_status
vouch_dmarc_discover(struct vouch_dns *dns, const char *domain,
    enum vouch_dmarc_org_mode mode, struct vouch_dmarc_discovery *d,
    struct vouch_error *err)
{
	return vouch__dmarc_discover(dns, NULL, domain, mode, d, err);
}

enum vouch_status
vouch__dmarc_discover(struct vouch_dns *dns, const struct vouch_dmarc_psl *list,
    const char *domain, enum vouch_dmarc_org_mode mode,
    struct vouch_dmarc_discovery *d, struct vouch_error *err)
{
	enum vouch_status st;
	char *dom;

	memset(d, 0, sizeof(*d));
	if (dns == NULL || domain == NULL || *domain == '\0')
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1, "no domain");
	if ((dom = vouch__name_norm(domain)) == NULL)
		return vouch__err(err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	if (mode == VOUCH_DMARC_ORG_PSL)
		st = psl_discover(dns, list, dom, d);
	else
		st = tree_walk(dns, dom, d);
	free(dom);
	if (st != VOUCH_OK) {
		vouch_dmarc_discovery_clear(d);
		return vouch__err(err, st, NULL, -1, "out of memory");
	}
	return VOUCH_OK;
}

void
vouch_dmarc_discovery_clear(struct vouch_dmarc_discovery *d)
{
	free(d->policy_domain);
	free(d->org_domain);
	free(d->record);
	memset(d, 0, sizeof(*d));
}

/* The organizational domain alone (for alignment); NULL and *temp set
 * when DNS failed, NULL when out of memory. */
static char *
org_of(struct dmarc_eval *e, const char *domain, int *temp)
{
	struct vouch_dmarc_discovery d;
	char *org;

	if (e->mode == VOUCH_DMARC_ORG_PSL)
		return psl_org(e->psl, domain);
	if (vouch_dmarc_discover(e->dns, domain, e->mode, &d, NULL) != VOUCH_OK)
		return NULL;
	if (d.temperror && !d.found) {
		*temp = 1;
		vouch_dmarc_discovery_clear(&d);
		return NULL;
	}
	org = d.org_domain;
	d.org_domain = NULL;
	vouch_dmarc_discovery_clear(&d);
	return org;
}

/* RFC 7489 3.1: strict is the same name; relaxed the same
 * organizational domain.  -1 when DNS failed. */
static int
aligned(struct dmarc_eval *e, const char *id, int strict)
{
	char *a;
	int temp = 0, r;

	if (strcasecmp(id, e->from) == 0)
		return 1;
	if (strict)
		return 0;
	if ((a = org_of(e, id, &temp)) == NULL)
		return -1;
	r = strcasecmp(a, e->org) == 0;
	free(a);
	return r;
}

/* RFC 9989 4.7 np=: no A, AAAA or MX at the name. */
static int
nonexistent(struct vouch_dns *dns, const char *domain)
{
	static const enum vouch_dns_type types[] = { VOUCH_DNS_A,
	    VOUCH_DNS_AAAA, VOUCH_DNS_MX };
	size_t i;

	for (i = 0; i < 3; i++) {
		struct vouch_dns_answer *a = NULL;
		enum vouch_dns_rcode rc;

		if (vouch_dns_query(dns, domain, types[i], &a, NULL) !=
		    VOUCH_OK)
			return 0;
		rc = vouch_dns_answer_rcode(a);
		vouch_dns_answer_free(a);
		if (rc != VOUCH_DNS_NXDOMAIN && rc != VOUCH_DNS_NODATA)
			return 0;
	}
	return 1;
}

static enum vouch_dmarc_policy
lower(enum vouch_dmarc_policy p)
{
	return p == VOUCH_DMARC_P_REJECT ? VOUCH_DMARC_P_QUARANTINE :
	    VOUCH_DMARC_P_NONE;
}

static void
reason(struct dmarc_eval *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reason(struct dmarc_eval *e, const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(e->reason);

	va_start(ap, fmt);
	vsnprintf(e->reason + n, sizeof(e->reason) - n, fmt, ap);
	va_end(ap);
}

/* The policy that applies (RFC 9989 4.7 p, sp, np). */
static void
apply_policy(struct dmarc_eval *e, const struct vouch_dmarc_discovery *d)
{
	const struct vouch_dmarc_record *r = &d->rec;
	const char *which = "p";

	e->pub.policy = r->has_p ? r->p : VOUCH_DMARC_P_NONE;
	if (strcmp(e->policy_domain, e->from) != 0) {
		/* np= is RFC 9989's: RFC 7489 mode knows only sp= */
		if (r->has_np && e->mode == VOUCH_DMARC_ORG_TREEWALK &&
		    nonexistent(e->dns, e->from)) {
			e->pub.policy = r->np;
			which = "np";
		} else if (r->has_sp && strcmp(e->from, e->org) != 0) {
			e->pub.policy = r->sp;
			which = "sp";
		}
	}
	e->which = which;
}

/* Alignment of the passing DKIM d= and of SPF's domain (RFC 7489 3.1);
 * e->temp when an organizational domain could not be found. */
static void
align_identifiers(struct dmarc_eval *e, const struct vouch_dmarc_discovery *d)
{
	size_t i;
	int r;

	/* DKIM: the d= of any passing signature (3.1.1) */
	for (i = 0; i < e->ndkim && e->pub.dkim_aligned == NULL; i++) {
		if ((r = aligned(e, e->dkim[i], d->rec.adkim_strict)) == 1)
			e->pub.dkim_aligned = e->dkim_aligned =
			    strdup(e->dkim[i]);
		else if (r < 0)
			e->temp = 1;
	}
	/* SPF: the domain it authenticated, when it passed (3.1.2) */
	if (e->spf_domain != NULL) {
		if ((r = aligned(e, e->spf_domain, d->rec.aspf_strict)) == 1)
			e->pub.spf_aligned = 1;
		else if (r < 0)
			e->temp = 1;
	}
}

/* Nothing aligned: fail, and what the policy asks (t=y and pct= one level
 * lower, each in its mode). */
static void
failed(struct dmarc_eval *e, const struct vouch_dmarc_discovery *d,
    const char *from)
{
	e->pub.result = VOUCH_DMARC_FAIL;
	e->pub.disposition = e->pub.policy;
	reason(e, "no DKIM%s pass aligned with From %s (%s=%s from %s)",
	    e->spf_checked ? " or SPF" : "", from, e->which,
	    vouch_dmarc_policy_name(e->pub.policy), e->policy_domain);
	if (e->mode == VOUCH_DMARC_ORG_TREEWALK && d->rec.testing) {
		e->pub.disposition = lower(e->pub.policy);
		reason(e, "; t=y: testing, policy applied one level lower");
	} else if (e->mode == VOUCH_DMARC_ORG_PSL && d->rec.pct < 100) {
		if (d->rec.pct == 0)
			e->pub.disposition = lower(e->pub.policy);
		reason(e, "; pct=%u: the policy applies to %u%% of messages",
		    d->rec.pct, d->rec.pct);
	}
}

void
vouch__dmarc_eval(struct dmarc_eval *e, const char *from)
{
	struct vouch_dmarc_discovery d;

	e->pub.from_domain = e->from = strdup(from);
	if (e->from == NULL || vouch__dmarc_discover(e->dns, e->psl, from,
	    e->mode, &d, NULL) != VOUCH_OK) {
		e->pub.result = VOUCH_DMARC_TEMPERROR;
		reason(e, "out of memory");
		return;
	}
	if (d.temperror) {
		e->pub.result = VOUCH_DMARC_TEMPERROR;
		reason(e, "DNS failure looking up the DMARC policy of %s",
		    from);
		goto out;
	}
	e->pub.org_domain = e->org = d.org_domain;
	d.org_domain = NULL;
	if (!d.found) {
		e->pub.result = VOUCH_DMARC_NONE;
		reason(e, "no DMARC record for %s%s", from, d.several ?
		    " (several records at one name are ignored)" : "");
		goto out;
	}
	e->pub.policy_domain = e->policy_domain = d.policy_domain;
	d.policy_domain = NULL;
	e->record = d.record;
	d.record = NULL;
	e->pub.has_policy = 1;
	e->pub.testing = d.rec.testing;
	apply_policy(e, &d);
	align_identifiers(e, &d);
	if (e->pub.dkim_aligned != NULL || e->pub.spf_aligned) {
		e->pub.result = VOUCH_DMARC_PASS;
		e->pub.disposition = VOUCH_DMARC_P_NONE;
		if (e->pub.dkim_aligned != NULL)
			reason(e, "DKIM d=%s aligned with From %s",
			    e->pub.dkim_aligned, from);
		else
			reason(e, "SPF %s aligned with From %s", e->spf_domain,
			    from);
	} else if (e->temp) {
		e->pub.result = VOUCH_DMARC_TEMPERROR;
		reason(e, "DNS failure finding an organizational domain");
	} else {
		failed(e, &d, from);
	}
out:
	if (!e->spf_checked)
		reason(e, "; evaluated on DKIM alone: SPF not checked");
	vouch_dmarc_discovery_clear(&d);
	e->pub.reason = e->reason;
}

void
vouch__dmarc_eval_clear(struct dmarc_eval *e)
{
	free(e->from);
	free(e->org);
	free(e->policy_domain);
	free(e->dkim_aligned);
	free(e->record);
	memset(&e->pub, 0, sizeof(e->pub));
	e->from = e->org = e->policy_domain = e->dkim_aligned = NULL;
	e->record = NULL;
}
