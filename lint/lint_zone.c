/* vouch_lint_zone: a zone file's records, each SPF, DMARC and DKIM record
 * checked by its module, and what only the whole zone shows (MX without
 * SPF, no DMARC record, targets without the final dot). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint_int.h"
#include "common/util.h"

struct zrec {
	char *name;
	int type;
	char *data;
	size_t len, longest;
};

struct zwalk {
	struct zrec *r;
	size_t n, size;
};

static int
collect(void *arg, const char *name, int type, const unsigned char *data,
    size_t len, size_t nstr, size_t longest)
{
	struct zwalk *w = arg;
	struct zrec *r;

	(void)nstr;
	if (type != VOUCH_DNS_TXT && type != VOUCH_DNS_MX &&
	    type != VOUCH_DNS_CNAME)
		return 0;
	if (w->n == w->size) {
		size_t ns = w->size ? w->size * 2 : 32;

		if ((r = realloc(w->r, ns * sizeof(*r))) == NULL)
			return 1;
		w->r = r;
		w->size = ns;
	}
	r = &w->r[w->n];
	r->name = strdup(name);
	r->data = malloc(len + 1);
	if (r->name == NULL || r->data == NULL) {
		free(r->name);
		free(r->data);
		return 1;
	}
	memcpy(r->data, data, len);
	r->data[len] = '\0';
	r->len = len;
	r->type = type;
	r->longest = longest;
	w->n++;
	return 0;
}

static int
has_prefix(const char *s, size_t n, const char *p)
{
	size_t pl = strlen(p);

	return n >= pl && vouch__memcaseeq(s, p, pl);
}

static int
label_is(const char *name, const char *label)
{
	size_t n = strlen(label);

	return vouch__memcaseeq(name, label, n) && name[n] == '.';
}

/* selector._domainkey.domain */
static const char *
dkim_domain(const char *name)
{
	const char *p = strstr(name, "._domainkey.");

	return p != NULL ? p + strlen("._domainkey.") : NULL;
}

/*
 * A DKIM selector or _dmarc delegated by CNAME (the usual setup with mail
 * providers): follow it as verifiers do (inside the zone, else through
 * the DNS options) and lint what it points at; a CNAME to nowhere is an
 * error, for the selector or policy then does not exist.
 */
static void
zone_cname(struct vouch_lint *l, const struct zrec *r)
{
	int dmarc = label_is(r->name, "_dmarc");
	struct vouch_dns_answer *a = NULL;
	size_t i, n, found = 0;

	if (!dmarc && dkim_domain(r->name) == NULL)
		return;
	if (vouch_dns_query(l->dns, r->name, VOUCH_DNS_TXT, &a, NULL) !=
	    VOUCH_OK)
		return;
	switch (vouch_dns_answer_rcode(a)) {
	case VOUCH_DNS_TEMPFAIL:
	case VOUCH_DNS_MALFORMED:
		l->temp = 1;
		break;
	case VOUCH_DNS_NXDOMAIN:
	case VOUCH_DNS_NODATA:
		lint_add(l, VOUCH_LINT_ERROR, dmarc ? "dmarc-cname-dangling" :
		    "dkim-cname-dangling", r->name, "RFC 1034 3.6.2", -1,
		    "CNAME to %s, which %s: %s", r->data,
		    vouch_dns_answer_rcode(a) == VOUCH_DNS_NXDOMAIN ?
		    "does not exist" : "has no TXT record", dmarc ?
		    "receivers find no DMARC policy" :
		    "every signature with this selector fails");
		break;
	default:
		for (i = 0; i < vouch_dns_answer_count(a); i++) {
			const char *p = (const char *)vouch_dns_answer_data(a,
			    i, &n, NULL);

			if (dmarc && !(n >= 8 && memcmp(p, "v=DMARC1", 8) == 0))
				continue;
			found++;
			if (dmarc)
				lint_dmarc_record(l, r->name, r->name + 7, p, n,
				    vouch_dns_answer_longest_string(a, i));
			else if (vouch_dns_answer_count(a) == 1)
				lint_dkim_record(l, r->name, p, n,
				    vouch_dns_answer_longest_string(a, i), NULL);
		}
		if (!dmarc && vouch_dns_answer_count(a) > 1)
			lint_add(l, VOUCH_LINT_ERROR, "dkim-multiple-records",
			    r->name, "RFC 6376 3.6.2.2", -1, "%zu TXT records "
			    "behind the CNAME to %s; verifiers fail on more "
			    "than one", vouch_dns_answer_count(a), r->data);
		if (dmarc && found == 0)
			lint_add(l, VOUCH_LINT_ERROR, "dmarc-cname-dangling",
			    r->name, "RFC 7489 6.1", -1, "CNAME to %s, which "
			    "holds no DMARC record", r->data);
		else if (dmarc && found > 1)
			lint_add(l, VOUCH_LINT_ERROR, "dmarc-multiple-records",
			    r->name, "RFC 7489 6.6.3", -1, "%zu DMARC records "
			    "behind the CNAME: receivers ignore them all", found);
	}
	vouch_dns_answer_free(a);
}

static void
zone_record(struct vouch_lint *l, struct zwalk *w, const struct zrec *r)
{
	size_t i, spf = 0;

	if (has_prefix(r->data, r->len, "v=spf1") &&
	    (r->len == 6 || r->data[6] == ' ')) {
		/* once per name: the several-records check is in there */
		for (i = 0; i < w->n; i++)
			if (&w->r[i] == r)
				break;
			else if (w->r[i].type == VOUCH_DNS_TXT &&
			    strcasecmp(w->r[i].name, r->name) == 0 &&
			    has_prefix(w->r[i].data, w->r[i].len, "v=spf1"))
				spf++;
		if (spf == 0)
			vouch_lint_spf(l, r->name, NULL, NULL);
	} else if (has_prefix(r->data, r->len, "spf2.0/")) {
		lint_add(l, VOUCH_LINT_WARNING, "spf-sender-id", r->name,
		    "RFC 6686", -1, "Sender ID record (spf2.0) is historic; "
		    "receivers ignore it");
	} else if (has_prefix(r->data, r->len, "v=DMARC1") ||
	    label_is(r->name, "_dmarc")) {
		if (!label_is(r->name, "_dmarc"))
			lint_add(l, VOUCH_LINT_ERROR, "dmarc-wrong-name", r->name,
			    "RFC 7489 6.1", -1, "a DMARC record must be at "
			    "_dmarc.DOMAIN; receivers never look here");
		else {
			size_t same = 0;

			for (i = 0; i < w->n; i++)
				if (w->r[i].type == VOUCH_DNS_TXT &&
				    strcasecmp(w->r[i].name, r->name) == 0 &&
				    has_prefix(w->r[i].data, w->r[i].len,
				    "v=DMARC1"))
					same++;
			if (same > 1)
				lint_add(l, VOUCH_LINT_ERROR,
				    "dmarc-multiple-records", r->name,
				    "RFC 7489 6.6.3", -1, "%zu DMARC records: "
				    "receivers ignore them all", same);
			lint_dmarc_record(l, r->name, r->name + 7, r->data,
			    r->len, r->longest);
		}
	} else if (dkim_domain(r->name) != NULL &&
	    (has_prefix(r->data, r->len, "v=DKIM1") ||
	    strstr(r->data, "p=") != NULL)) {
		size_t same = 0;

		for (i = 0; i < w->n; i++)
			if (w->r[i].type == VOUCH_DNS_TXT &&
			    strcasecmp(w->r[i].name, r->name) == 0)
				same++;
		if (same > 1)
			lint_add(l, VOUCH_LINT_ERROR, "dkim-multiple-records",
			    r->name, "RFC 6376 3.6.2.2", -1, "%zu TXT records "
			    "at the selector; verifiers fail on more than one",
			    same);
		lint_dkim_record(l, r->name, r->data, r->len, r->longest, NULL);
	}
}

/*
 * A CNAME or MX target written without its final dot gets the origin
 * appended: "u1.wl.sendgrid.net" in acme.example becomes
 * u1.wl.sendgrid.net.acme.example, which exists nowhere.  Said when what
 * comes before the origin already ends in a generic top-level domain.
 */
static void
zone_target_dot(struct vouch_lint *l, const struct zrec *r, const char *org)
{
	static const char *tlds[] = { "com", "net", "org", "io", "info",
	    "biz", "co", "app", "dev", "cloud", "email", "edu", "gov", NULL };
	const char *t = strrchr(r->data, ' '), *last;	/* MX: "PREF NAME" */
	size_t tl, ol = strlen(org), k;

	t = t != NULL ? t + 1 : r->data;
	tl = strlen(t);
	if (tl > 0 && t[tl - 1] == '.')
		tl--;
	if (tl <= ol + 1 || t[tl - ol - 1] != '.' ||
	    !vouch__memcaseeq(t + tl - ol, org, ol))
		return;
	/* the part before the origin, and its last label */
	tl -= ol + 1;
	for (last = t + tl; last > t && last[-1] != '.'; last--)
		;
	if (last == t)
		return;	/* one label: a name inside the zone, as meant */
	for (k = 0; tlds[k] != NULL; k++)
		if ((size_t)(t + tl - last) == strlen(tlds[k]) &&
		    vouch__memcaseeq(last, tlds[k], strlen(tlds[k])))
			lint_add(l, VOUCH_LINT_WARNING, "zone-target-no-dot",
			    r->name, "RFC 1035 5.1", -1, "%s target %.*s is "
			    "under this zone (missing trailing dot?): write "
			    "%.*s. to point outside it",
			    r->type == VOUCH_DNS_MX ? "MX" : "CNAME",
			    (int)(tl + ol + 1), t, (int)tl, t);
}

/* A name that receives mail (MX) but says nothing about senders. */
static void
zone_mx_without_spf(struct vouch_lint *l, const struct zwalk *w)
{
	size_t i, j;

	for (i = 0; i < w->n; i++) {
		int has = 0, dup = 0;

		if (w->r[i].type != VOUCH_DNS_MX)
			continue;
		for (j = 0; j < i; j++)
			dup |= w->r[j].type == VOUCH_DNS_MX &&
			    strcasecmp(w->r[j].name, w->r[i].name) == 0;
		for (j = 0; j < w->n; j++)
			has |= w->r[j].type == VOUCH_DNS_TXT &&
			    strcasecmp(w->r[j].name, w->r[i].name) == 0 &&
			    has_prefix(w->r[j].data, w->r[j].len, "v=spf1");
		if (!has && !dup)
			lint_add(l, VOUCH_LINT_WARNING, "spf-mx-without-spf",
			    w->r[i].name, "RFC 7208 2.1", -1, "the name has MX "
			    "records but no SPF record");
	}
}

/* The origin without a DMARC record. */
static void
zone_dmarc_missing(struct vouch_lint *l, const struct zwalk *w,
    const char *org)
{
	char want[600];
	size_t i;

	snprintf(want, sizeof(want), "_dmarc.%s", org);
	for (i = 0; i < w->n; i++)
		if ((w->r[i].type == VOUCH_DNS_TXT ||
		    w->r[i].type == VOUCH_DNS_CNAME) &&
		    strcasecmp(w->r[i].name, want) == 0)
			return;
	lint_add(l, VOUCH_LINT_WARNING, "dmarc-missing", org, "RFC 7489 6.1",
	    -1, "no DMARC record at %s", want);
}

/* Every TXT record linted; the summary's SPF counts are the origin's. */
static void
zone_txt_records(struct vouch_lint *l, struct zwalk *w, const char *org)
{
	unsigned int spf_lookups = 0, spf_voids = 0;
	int have_spf = 0;
	size_t i;

	for (i = 0; i < w->n; i++) {
		int had = l->have_spf;

		if (w->r[i].type != VOUCH_DNS_TXT)
			continue;
		zone_record(l, w, &w->r[i]);
		if (l->have_spf && !had && (org == NULL ||
		    strcasecmp(w->r[i].name, org) == 0)) {
			spf_lookups = l->spf_lookups;
			spf_voids = l->spf_voids;
			have_spf = 1;
		}
		l->have_spf = had;
	}
	l->have_spf = have_spf;
	l->spf_lookups = spf_lookups;
	l->spf_voids = spf_voids;
}

enum vouch_status
vouch_lint_zone(struct vouch_lint *l, const char *path, const char *origin,
    struct vouch_error *err)
{
	struct zwalk w = { NULL, 0, 0 };
	enum vouch_status st;
	char *org = NULL;
	size_t i;

	if ((st = lint_zone_text(l, path, err)) != VOUCH_OK ||
	    (st = vouch_dns_zone_foreach(path, origin, collect, &w, err)) !=
	    VOUCH_OK)
		goto out;
	if ((st = vouch_dns_load_zone(l->dns, path, origin,
	    VOUCH_DNS_LOAD_OVERLAY | VOUCH_DNS_LOAD_REPLACE, err)) !=
	    VOUCH_OK)
		goto out;
	org = origin != NULL ? vouch__name_norm(origin) :
	    vouch_dns_zone_origin(path, NULL);
	for (i = 0; i < w.n; i++) {
		if (w.r[i].type == VOUCH_DNS_CNAME)
			zone_cname(l, &w.r[i]);
		if (org != NULL && (w.r[i].type == VOUCH_DNS_CNAME ||
		    w.r[i].type == VOUCH_DNS_MX))
			zone_target_dot(l, &w.r[i], org);
	}
	zone_txt_records(l, &w, org);
	zone_mx_without_spf(l, &w);
	if (org != NULL)
		zone_dmarc_missing(l, &w, org);
out:
	for (i = 0; i < w.n; i++) {
		free(w.r[i].name);
		free(w.r[i].data);
	}
	free(w.r);
	free(org);
	return st;
}
