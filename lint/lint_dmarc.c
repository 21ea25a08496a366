/*
 * DMARC record lint (RFC 7489, and RFC 9989 where it changed the tags:
 * np= and psd= added, pct=, rf= and ri= removed).  Report addresses in
 * another domain need DOMAIN._report._dmarc.OTHER (RFC 7489 7.1).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint_int.h"
#include "dkim/dkim_int.h"
#include "common/util.h"

#include <strings.h>
#include <vouch/dmarc.h>

static const char *const known[] = { "v", "p", "sp", "np", "psd", "t",
	"adkim", "aspf", "fo", "rua", "ruf", "pct", "rf", "ri", NULL };

static int
eq(const struct dkim_tag *t, const char *v)
{
	return t->vlen == strlen(v) && vouch__memcaseeq(t->val, v, t->vlen);
}

static int
one_of(const struct dkim_tag *t, const char *a, const char *b, const char *c)
{
	return eq(t, a) || eq(t, b) || (c != NULL && eq(t, c));
}

/* Do a and b have the same organizational domain (RFC 9989 4.10 tree
 * walk)?  -1 when DNS failed. */
static int
same_org(struct vouch_lint *l, const char *a, const char *b)
{
	struct vouch_dmarc_discovery da, db;
	int r;

	if (strcasecmp(a, b) == 0)
		return 1;
	if (vouch_dmarc_discover(l->dns, a, VOUCH_DMARC_ORG_TREEWALK, &da,
	    NULL) != VOUCH_OK)
		return -1;
	if (vouch_dmarc_discover(l->dns, b, VOUCH_DMARC_ORG_TREEWALK, &db,
	    NULL) != VOUCH_OK) {
		vouch_dmarc_discovery_clear(&da);
		return -1;
	}
	r = (da.temperror && !da.found) || (db.temperror && !db.found) ? -1 :
	    strcasecmp(da.org_domain, db.org_domain) == 0;
	vouch_dmarc_discovery_clear(&da);
	vouch_dmarc_discovery_clear(&db);
	return r;
}

static void
check_uris(struct vouch_lint *l, const char *name, const char *domain,
    const struct dkim_tag *t)
{
	const char *u;
	size_t pos = 0, ul;

	while (dkim_list_next(t->val, t->vlen, ',', &pos, &u, &ul)) {
		char uri[512], *at, *bang, host[256];
		int org;

		if (ul >= sizeof(uri))
			ul = sizeof(uri) - 1;
		memcpy(uri, u, ul);
		uri[ul] = '\0';
		if (strncasecmp(uri, "mailto:", 7) != 0 ||
		    (at = strchr(uri + 7, '@')) == NULL || at == uri + 7 ||
		    at[1] == '\0' || strchr(uri, ' ') != NULL) {
			lint_add(l, VOUCH_LINT_ERROR, "dmarc-bad-uri", name,
			    "RFC 7489 6.2", -1, "%.*s=%s is not a mailto: URI "
			    "with an address", (int)t->nlen, t->name, uri);
			continue;
		}
		if ((bang = strchr(at, '!')) != NULL)
			*bang = '\0';	/* size limit suffix */
		snprintf(host, sizeof(host), "%s", at + 1);
		if ((org = same_org(l, host, domain)) < 0)
			l->temp = 1;
		if (org == 0) {
			struct vouch_dns_answer *a = NULL;
			char auth[600];
			int found = 0;
			size_t k;

			snprintf(auth, sizeof(auth), "%s._report._dmarc.%s",
			    domain, host);
			if (vouch_dns_query(l->dns, auth, VOUCH_DNS_TXT, &a,
			    NULL) != VOUCH_OK)
				continue;
			if (vouch_dns_answer_rcode(a) == VOUCH_DNS_TEMPFAIL ||
			    vouch_dns_answer_rcode(a) == VOUCH_DNS_MALFORMED)
				l->temp = 1;
			for (k = 0; k < vouch_dns_answer_count(a); k++) {
				size_t n;
				const char *p = (const char *)
				    vouch_dns_answer_data(a, k, &n, NULL);

				if (n >= 8 && memcmp(p, "v=DMARC1", 8) == 0)
					found = 1;
			}
			if (!found && !l->temp)
				lint_add(l, VOUCH_LINT_ERROR,
				    "dmarc-report-unauthorized", name,
				    "RFC 7489 7.1", -1, "reports to %s need "
				    "a v=DMARC1 record at %s", host, auth);
			vouch_dns_answer_free(a);
		}
	}
}

/* The policy tags: p=, sp=, np=, adkim=, aspf=, fo=, and what p= says
 * about reports. */
static void
dmarc_policy_tags(struct vouch_lint *l, const char *name,
    const struct dkim_tags *t)
{
	const struct dkim_tag *g;
	size_t i, k;

	if ((g = dkim_tags_get(t, "p")) != NULL && eq(g, "none") &&
	    dkim_tags_get(t, "rua") == NULL)
		lint_add(l, VOUCH_LINT_WARNING, "dmarc-none-without-rua", name,
		    "RFC 9989 4.7", -1, "p=none without rua=: a monitoring "
		    "policy that asks for no reports tells you nothing");
	if ((g = dkim_tags_get(t, "p")) != NULL && eq(g, "none") &&
	    dkim_tags_get(t, "rua") != NULL)
		lint_add(l, VOUCH_LINT_INFO, "dmarc-monitoring", name,
		    "RFC 9989 4.7", -1, "p=none: monitoring only; reports "
		    "arrive, nothing is held back.  Next: once the reports show "
		    "every source of your mail aligned, p=quarantine, then "
		    "p=reject");
	if ((g = dkim_tags_get(t, "p")) != NULL && !eq(g, "none") &&
	    dkim_tags_get(t, "rua") == NULL)
		lint_add(l, VOUCH_LINT_INFO, "dmarc-no-rua", name,
		    "RFC 9989 4.7", -1, "no rua=: nobody sends you aggregate "
		    "reports, so mail your policy refuses goes unseen");
	if (dkim_tags_get(t, "ruf") != NULL)
		lint_add(l, VOUCH_LINT_INFO, "dmarc-ruf-rarely-sent", name,
		    "RFC 7489 7.3", -1, "ruf=: failure reports are rarely sent "
		    "(most large receivers never send them, for privacy); rely "
		    "on rua= aggregate reports");
	if ((g = dkim_tags_get(t, "p")) == NULL)
		lint_add(l, VOUCH_LINT_ERROR, "dmarc-no-policy", name,
		    "RFC 7489 6.3", -1, "p= is required");
	else if (!one_of(g, "none", "quarantine", "reject"))
		lint_add(l, VOUCH_LINT_ERROR, "dmarc-bad-policy", name,
		    "RFC 7489 6.3", -1, "p=%.*s is not none, quarantine or "
		    "reject", (int)g->vlen, g->val);
	for (k = 0; k < 2; k++)
		if ((g = dkim_tags_get(t, k ? "np" : "sp")) != NULL &&
		    !one_of(g, "none", "quarantine", "reject"))
			lint_add(l, VOUCH_LINT_ERROR, "dmarc-bad-policy", name,
			    "RFC 7489 6.3", -1, "%s=%.*s is not none, "
			    "quarantine or reject", k ? "np" : "sp",
			    (int)g->vlen, g->val);
	for (k = 0; k < 2; k++)
		if ((g = dkim_tags_get(t, k ? "aspf" : "adkim")) != NULL &&
		    !one_of(g, "r", "s", NULL))
			lint_add(l, VOUCH_LINT_ERROR, "dmarc-bad-alignment", name,
			    "RFC 7489 6.3", -1, "%s=%.*s is not r or s",
			    k ? "aspf" : "adkim", (int)g->vlen, g->val);
	if ((g = dkim_tags_get(t, "fo")) != NULL) {
		for (i = 0; i < g->vlen; i++)
			if (strchr("01ds: ", g->val[i]) == NULL) {
				lint_add(l, VOUCH_LINT_ERROR, "dmarc-bad-fo", name,
				    "RFC 7489 6.3", -1, "fo=%.*s: options are "
				    "0, 1, d and s, separated by ':'",
				    (int)g->vlen, g->val);
				break;
			}
	}
}

/* The report tags: pct=, ri=, rf= (gone in RFC 9989), rua=, ruf=. */
static void
dmarc_report_tags(struct vouch_lint *l, const char *name, const char *domain,
    const struct dkim_tags *t)
{
	const struct dkim_tag *g;

	if ((g = dkim_tags_get(t, "pct")) != NULL) {
		uint64_t v;

		if (vouch__parse_u64(g->val, g->vlen, 1000, &v) != 0 || v > 100)
			lint_add(l, VOUCH_LINT_ERROR, "dmarc-bad-pct", name,
			    "RFC 7489 6.3", -1, "pct=%.*s is not 0 to 100",
			    (int)g->vlen, g->val);
		lint_add(l, VOUCH_LINT_WARNING, "dmarc-pct-removed", name,
		    "RFC 9989", -1, "pct= was removed by RFC 9989; receivers "
		    "following it ignore the tag (use t=y to test)");
	}
	if ((g = dkim_tags_get(t, "ri")) != NULL) {
		uint64_t v;

		if (vouch__parse_u64(g->val, g->vlen, 0xffffffffULL, &v) != 0)
			lint_add(l, VOUCH_LINT_ERROR, "dmarc-bad-ri", name,
			    "RFC 7489 6.3", -1, "ri= is not a number of seconds");
		lint_add(l, VOUCH_LINT_INFO, "dmarc-tag-removed", name,
		    "RFC 9989", -1, "ri= was removed by RFC 9989");
	}
	if ((g = dkim_tags_get(t, "rf")) != NULL) {
		if (!eq(g, "afrf"))
			lint_add(l, VOUCH_LINT_ERROR, "dmarc-bad-rf", name,
			    "RFC 7489 6.3", -1, "rf=%.*s: only afrf is defined",
			    (int)g->vlen, g->val);
		lint_add(l, VOUCH_LINT_INFO, "dmarc-tag-removed", name,
		    "RFC 9989", -1, "rf= was removed by RFC 9989");
	}
	if ((g = dkim_tags_get(t, "rua")) != NULL)
		check_uris(l, name, domain, g);
	if ((g = dkim_tags_get(t, "ruf")) != NULL)
		check_uris(l, name, domain, g);
}

static void
dmarc_unknown_tags(struct vouch_lint *l, const char *name,
    const struct dkim_tags *t)
{
	size_t i, k;

	for (i = 0; i < t->n; i++) {
		for (k = 0; known[k] != NULL; k++)
			if (t->t[i].nlen == strlen(known[k]) &&
			    memcmp(t->t[i].name, known[k], t->t[i].nlen) == 0)
				break;
		if (known[k] == NULL)
			lint_add(l, VOUCH_LINT_WARNING, "dmarc-unknown-tag", name,
			    "RFC 7489 6.3", -1, "unknown tag %.*s= is ignored",
			    (int)t->t[i].nlen, t->t[i].name);
	}
}

static void
lint_dmarc_record_body(struct vouch_lint *l, const char *name, const char *domain,
    const char *txt, size_t len, size_t longest)
{
	struct dkim_tags t;
	char why[160];

	lint_checked(l, "DMARC", domain, strlen(domain));
	lint_string_lengths(l, "dmarc-string-too-long", name, len, longest,
	    longest == 0);
	if (dkim_tags_parse(txt, len, &t, why, sizeof(why)) != VOUCH_OK) {
		lint_add(l, VOUCH_LINT_ERROR, "dmarc-syntax", name,
		    "RFC 7489 6.4", -1, "%s", why);
		return;
	}
	if (t.n > 0 && t.t[0].nlen == 1 && t.t[0].name[0] == 'v' &&
	    t.t[0].vlen > 6 && memcmp(t.t[0].val, "DMARC1", 6) == 0 &&
	    strchr(" \t\r\n", t.t[0].val[6]) != NULL) {
		/* "v=DMARC1 p=reject": one mistake, one finding */
		lint_add(l, VOUCH_LINT_ERROR, "dmarc-syntax", name,
		    "RFC 9989 4.7", -1, "missing ';' after v=DMARC1: "
		    "receivers read the rest as part of the version");
		return;
	}
	if (t.n == 0 || !eq(&t.t[0], "DMARC1") || t.t[0].nlen != 1 ||
	    t.t[0].name[0] != 'v')
		lint_add(l, VOUCH_LINT_ERROR, "dmarc-version", name,
		    "RFC 7489 6.4", -1, "v=DMARC1 must be the first tag");
	dmarc_policy_tags(l, name, &t);
	dmarc_report_tags(l, name, domain, &t);
	dmarc_unknown_tags(l, name, &t);
}

/*
 * No record at _dmarc.DOMAIN: receivers walk up the tree (RFC 9989 4.10,
 * RFC 7489 6.6.3).  Say which record applies and lint that one.
 */
static void
lint_inherited(struct vouch_lint *l, const char *name, const char *d)
{
	struct vouch_dmarc_discovery disc;
	char pname[600];

	if (vouch_dmarc_discover(l->dns, d, VOUCH_DMARC_ORG_TREEWALK, &disc,
	    NULL) != VOUCH_OK)
		return;
	if (disc.temperror && !disc.found) {
		l->temp = 1;
	} else if (!disc.found || strcasecmp(disc.policy_domain, d) == 0) {
		lint_add(l, VOUCH_LINT_ERROR, "dmarc-no-record", name,
		    "RFC 9989 4.10", -1, "no DMARC record at %s or any parent "
		    "domain: receivers apply no DMARC policy", name);
	} else {
		const struct vouch_dmarc_record *r = &disc.rec;
		const char *which = r->has_sp ? "sp" : "p";
		enum vouch_dmarc_policy p = r->has_sp ? r->sp :
		    r->has_p ? r->p : VOUCH_DMARC_P_NONE;

		snprintf(pname, sizeof(pname), "_dmarc.%s", disc.policy_domain);
		lint_add(l, VOUCH_LINT_INFO, "dmarc-inherited", name,
		    "RFC 9989 4.10", -1, "no record of its own: receivers "
		    "apply the record at %s (%s=%s%s)", pname, which,
		    vouch_dmarc_policy_name(p), r->has_np ? "; np= for names "
		    "that do not exist" : "");
		lint_dmarc_record(l, pname, disc.policy_domain, disc.record,
		    strlen(disc.record), 0);
	}
	vouch_dmarc_discovery_clear(&disc);
}

enum vouch_status
vouch_lint_dmarc(struct vouch_lint *l, const char *domain, const char *record,
    struct vouch_error *err)
{
	struct vouch_dns_answer *a = NULL;
	char name[600], *d;
	size_t i, n, found = 0;

	if (l == NULL || domain == NULL)
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1,
		    "missing argument");
	if ((d = vouch__name_norm(domain)) == NULL)
		return VOUCH_E_NOMEM;
	snprintf(name, sizeof(name), "_dmarc.%s", d);
	if (record != NULL) {
		lint_dmarc_record(l, name, d, record, strlen(record), 0);
		free(d);
		return VOUCH_OK;
	}
	if (vouch_dns_query(l->dns, name, VOUCH_DNS_TXT, &a, err) != VOUCH_OK) {
		free(d);
		return VOUCH_E_NOMEM;
	}
	if (vouch_dns_answer_rcode(a) == VOUCH_DNS_TEMPFAIL ||
	    vouch_dns_answer_rcode(a) == VOUCH_DNS_MALFORMED)
		l->temp = 1;
	for (i = 0; i < vouch_dns_answer_count(a); i++) {
		const char *p = (const char *)vouch_dns_answer_data(a, i, &n,
		    NULL);

		if (n >= 8 && memcmp(p, "v=DMARC1", 8) == 0) {
			found++;
			lint_dmarc_record(l, name, d, p, n,
			    vouch_dns_answer_longest_string(a, i));
		}
	}
	if (found > 1)
		lint_add(l, VOUCH_LINT_ERROR, "dmarc-multiple-records", name,
		    "RFC 7489 6.6.3", -1, "%zu DMARC records: receivers ignore "
		    "them all", found);
	else if (found == 0 && !l->temp)
		lint_inherited(l, name, d);
	vouch_dns_answer_free(a);
	free(d);
	return VOUCH_OK;
}

void
lint_dmarc_record(struct vouch_lint *l, const char *name, const char *domain,
    const char *txt, size_t len, size_t longest)
{
	const char *prev;
	size_t prevlen;

	lint_record_begin(l, txt, len, &prev, &prevlen);
	lint_dmarc_record_body(l, name, domain, txt, len, longest);
	lint_record_end(l, prev, prevlen);
}
