/*
 * What one message becomes in the store: a row of text columns, every
 * outside value cleaned (valid UTF-8, no controls, bounded), lists kept as
 * lines of tab-separated fields so equal messages group in SQL.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_int.h"
#include "auth/auth_int.h"
#include "common/util.h"

#define RS_MAX_TEXT 1024	/* bytes kept of one outside value */
#define RS_MAX_LIST 8192	/* bytes kept of a list (signatures) */
#define RS_MAX_AUTHS 32		/* signatures kept per message */

/* Append s cleaned, tabs and line ends become spaces by the cleaning. */
static enum vouch_status
add_field(struct vbuf *b, const char *s)
{
	char *c = vouch__rs_clean(s, RS_MAX_TEXT);
	enum vouch_status st;

	if (c == NULL)
		return VOUCH_E_NOMEM;
	st = vbuf_adds(b, c);
	free(c);
	return st;
}

/* Lines of "a\tb\tc" from the auths (or reasons as two fields). */
static char *
auth_list(const struct vouch_report_auth *a, size_t n)
{
	struct vbuf b;
	enum vouch_status st = VOUCH_OK;
	size_t i;

	vbuf_init(&b, RS_MAX_LIST);
	for (i = 0; i < n && i < RS_MAX_AUTHS && st == VOUCH_OK; i++) {
		if (i > 0)
			st = vbuf_addc(&b, '\n');
		if (st == VOUCH_OK)
			st = add_field(&b, a[i].domain);
		if (st == VOUCH_OK)
			st = vbuf_addc(&b, '\t');
		if (st == VOUCH_OK)
			st = add_field(&b, a[i].selector);
		if (st == VOUCH_OK)
			st = vbuf_addc(&b, '\t');
		if (st == VOUCH_OK)
			st = add_field(&b, a[i].result);
	}
	return vbuf_done(&b, st);
}

static char *
reason_list(const struct vouch_report_reason *r, size_t n)
{
	struct vouch_report_auth a[8];
	size_t i;

	for (i = 0; i < n && i < 8; i++) {
		a[i].domain = r[i].type;
		a[i].selector = r[i].comment;
		a[i].result = "";
	}
	return auth_list(a, i);
}

static struct rs_pending *
pending_new(const struct vouch_report_row *r)
{
	const char *text[RS_NCOLS] = { NULL, r->source_ip, r->header_from,
	    r->envelope_from, r->envelope_to, r->policy_domain, r->p, r->sp,
	    r->np, r->adkim, r->aspf, r->testing, r->fo, r->rua, r->discovery,
	    r->disposition, r->dkim, r->spf };
	struct rs_pending *p = calloc(1, sizeof(*p));
	char t[32];
	int i, ok = p != NULL;

	if (!ok)
		return NULL;
	snprintf(t, sizeof(t), "%lld", (long long)(r->time > 0 ? r->time :
	    (int64_t)time(NULL)));
	p->col[0] = strdup(t);
	for (i = 1; i < 18; i++)
		p->col[i] = vouch__rs_clean(text[i], RS_MAX_TEXT);
	p->col[18] = reason_list(r->reasons, r->nreasons);
	p->col[19] = auth_list(r->dkim_results, r->ndkim);
	p->col[20] = auth_list(r->spf_result, r->spf_result != NULL);
	p->col[21] = vouch__rs_clean(r->pct != NULL ? r->pct : "100", 8);
	for (i = 0; i < RS_NCOLS; i++)
		ok &= p->col[i] != NULL;
	if (ok)
		return p;
	for (i = 0; i < RS_NCOLS; i++)
		free(p->col[i]);
	free(p);
	return NULL;
}

enum vouch_status
vouch_report_record(struct vouch_report_store *st,
    const struct vouch_report_row *row, struct vouch_error *err)
{
	struct rs_pending *p;

	if (st == NULL || row == NULL || row->policy_domain == NULL ||
	    row->header_from == NULL || row->source_ip == NULL)
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1, "a report row "
		    "needs a policy domain, a From domain and a source IP");
	if ((p = pending_new(row)) == NULL)
		return vouch__err(err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	return vouch__rs_enqueue(st, p, err);
}

/* The value of tag name in a DMARC record (RFC 9989 4.7), into buf. */
static const char *
record_tag(const char *rec, const char *name, char *buf, size_t size)
{
	size_t n = strlen(name);
	const char *p = rec;

	while (p != NULL && *p != '\0') {
		const char *e = strchr(p, ';');
		size_t len = e != NULL ? (size_t)(e - p) : strlen(p);

		while (len > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		if (len > n && strncmp(p, name, n) == 0) {
			const char *v = p + n, *end = p + len;

			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			if (v < end && *v == '=') {
				for (v++; v < end && (*v == ' ' || *v == '\t');)
					v++;
				while (end > v && (end[-1] == ' ' ||
				    end[-1] == '\t'))
					end--;
				snprintf(buf, size, "%.*s", (int)(end - v), v);
				return buf;
			}
		}
		p = e != NULL ? e + 1 : NULL;
	}
	return NULL;
}

/* The published record into the row (strings point into the record
 * parse or the buffers). */
struct pub {
	char fo[64], rua[RS_MAX_TEXT], pct[8];
};

static void
row_record(const struct vouch_auth *a, struct vouch_report_row *r,
    struct pub *pb)
{
	struct vouch_dmarc_record rec;
	const char *txt = a->dmarc.record;

	if (txt == NULL || vouch_dmarc_record_parse(txt, strlen(txt), &rec,
	    NULL) != VOUCH_OK) {
		memset(&rec, 0, sizeof(rec));
		rec.pct = 100;
	}
	r->p = vouch_dmarc_policy_name(rec.p);
	r->sp = rec.has_sp ? vouch_dmarc_policy_name(rec.sp) : "";
	r->np = rec.has_np ? vouch_dmarc_policy_name(rec.np) : "";
	r->adkim = rec.adkim_strict ? "s" : "r";
	r->aspf = rec.aspf_strict ? "s" : "r";
	r->testing = rec.testing ? "y" : "n";
	r->fo = txt != NULL ? record_tag(txt, "fo", pb->fo, sizeof(pb->fo)) :
	    NULL;
	r->rua = txt != NULL ? record_tag(txt, "rua", pb->rua,
	    sizeof(pb->rua)) : NULL;
	snprintf(pb->pct, sizeof(pb->pct), "%u", txt != NULL ? rec.pct : 100);
	r->pct = pb->pct;
	r->discovery = a->ctx->mode == VOUCH_DMARC_ORG_PSL ? "psl" :
	    "treewalk";
}

/* The domain of an address (after the last '@'), or the text itself. */
static const char *
addr_domain(const char *s)
{
	const char *at;

	if (s == NULL)
		return "";
	at = strrchr(s, '@');
	return at != NULL ? at + 1 : s;
}

/* Why the disposition is not the policy's (RFC 9990 reason). */
static size_t
row_reasons(const struct vouch_dmarc_verdict *d, enum vouch_dmarc_policy
    applied, const char *why, struct vouch_report_reason *rs, char *buf,
    size_t size)
{
	size_t n = 0;

	if (applied != d->disposition) {
		rs[n].type = "local_policy";
		rs[n++].comment = why;
	}
	if (d->arc_override) {
		snprintf(buf, size, "arc=pass; a trusted sealer (ARC set "
		    "i=%u) saw it pass", d->arc_trusted_instance);
		rs[n].type = "local_policy";
		rs[n++].comment = buf;
	}
	if (d->result == VOUCH_DMARC_FAIL && d->testing &&
	    d->disposition != d->policy) {
		rs[n].type = "policy_test_mode";
		rs[n++].comment = "t=y";
	}
	return n;
}

/* The SPF check and each signature that names a domain. */
static size_t
row_auths(const struct vouch_auth *a, struct vouch_report_auth *dk,
    size_t max, struct vouch_report_auth *spf, struct vouch_report_row *r)
{
	size_t i, n = 0;

	for (i = 0; i < vouch_auth_dkim_count(a) && n < max; i++) {
		const struct vouch_dkim_sig *s = vouch_auth_dkim_sig(a, i);

		if (s->domain == NULL || s->domain[0] == '\0')
			continue;
		dk[n].domain = s->domain;
		dk[n].selector = s->selector != NULL ? s->selector : "";
		dk[n++].result = vouch_dkim_result_name(s->result);
	}
	if (a->has_spf) {
		spf->domain = a->spf.domain != NULL ? a->spf.domain : "";
		spf->selector = a->spf.identity == VOUCH_SPF_HELO ? "helo" :
		    "mfrom";
		spf->result = vouch_spf_result_name(a->spf.result);
		r->spf_result = spf;
	}
	return n;
}

enum vouch_status
vouch_report_record_auth(struct vouch_report_store *st,
    const struct vouch_auth *a, const char *rcpt_to, int64_t when,
    int *recorded, struct vouch_error *err)
{
	const struct vouch_dmarc_verdict *d = vouch_auth_dmarc(a);

	return vouch_report_record_applied(st, a, rcpt_to, when, d != NULL ?
	    d->disposition : VOUCH_DMARC_P_NONE, NULL, recorded, err);
}

enum vouch_status
vouch_report_record_applied(struct vouch_report_store *st,
    const struct vouch_auth *a, const char *rcpt_to, int64_t when,
    enum vouch_dmarc_policy applied, const char *why, int *recorded,
    struct vouch_error *err)
{
	const struct vouch_dmarc_verdict *d = vouch_auth_dmarc(a);
	struct vouch_report_auth dk[RS_MAX_AUTHS], spf;
	struct vouch_report_reason rs[3];
	struct vouch_report_row r;
	struct pub pb;
	char arc[96];

	if (recorded != NULL)
		*recorded = 0;
	if (d == NULL || !d->has_policy || d->policy_domain == NULL ||
	    d->from_domain == NULL || a->ip == NULL)
		return VOUCH_OK;
	memset(&r, 0, sizeof(r));
	r.time = when;
	r.source_ip = a->ip;
	r.header_from = d->from_domain;
	r.envelope_from = addr_domain(a->mail_from);
	r.envelope_to = addr_domain(rcpt_to);
	r.policy_domain = d->policy_domain;
	row_record(a, &r, &pb);
	r.disposition = vouch_dmarc_policy_name(applied);
	r.dkim = d->dkim_aligned != NULL ? "pass" : "fail";
	r.spf = d->spf_aligned ? "pass" : "fail";
	r.reasons = rs;
	r.nreasons = row_reasons(d, applied, why, rs, arc, sizeof(arc));
	r.dkim_results = dk;
	r.ndkim = row_auths(a, dk, RS_MAX_AUTHS, &spf, &r);
	if (recorded != NULL)
		*recorded = 1;
	return vouch_report_record(st, &r, err);
}
