/*
 * The aggregate report as RFC 9990 XML (namespace
 * urn:ietf:params:xml:ns:dmarc-2.0), written with libxml2's text writer
 * straight into a gzip stream (libarchive): the records come from the
 * store one by one, so a report of any size takes the same memory.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>
#ifdef HAVE_LIBARCHIVE
#include <archive.h>
#include <archive_entry.h>
#endif

#include "report_int.h"
#include "common/util.h"

#define RS_NS "urn:ietf:params:xml:ns:dmarc-2.0"

struct xw {
	xmlTextWriterPtr w;
	int bad;			/* a write failed */
	int rfc7489;			/* the older format */
	unsigned long records, messages;
};

static void
el(struct xw *x, const char *name, const char *text)
{
	if (x->bad || text == NULL)
		return;
	if (xmlTextWriterWriteElement(x->w, BAD_CAST name, BAD_CAST text) < 0)
		x->bad = 1;
}

/* An element only when the value is not empty. */
static void
el_opt(struct xw *x, const char *name, const char *text)
{
	if (text != NULL && text[0] != '\0')
		el(x, name, text);
}

static void
start(struct xw *x, const char *name)
{
	if (!x->bad && xmlTextWriterStartElement(x->w, BAD_CAST name) < 0)
		x->bad = 1;
}

static void
end(struct xw *x)
{
	if (!x->bad && xmlTextWriterEndElement(x->w) < 0)
		x->bad = 1;
}

static void
el_num(struct xw *x, const char *name, long long v)
{
	char b[32];

	snprintf(b, sizeof(b), "%lld", v);
	el(x, name, b);
}

/* Each line of a list column "a\tb\tc" as fn(x, fields). */
static void
each_line(struct xw *x, const char *list,
    void (*fn)(struct xw *, char **f, int n))
{
	char *copy, *line, *save = NULL;

	if (list == NULL || *list == '\0' || (copy = strdup(list)) == NULL) {
		x->bad |= list != NULL && *list != '\0';
		return;
	}
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *f[3] = { line, NULL, NULL }, *tab;
		int n = 1;

		while (n < 3 && (tab = strchr(f[n - 1], '\t')) != NULL) {
			*tab = '\0';
			f[n++] = tab + 1;
		}
		fn(x, f, n);
	}
	free(copy);
}

/* RFC 7489 has no policy_test_mode: "other", the comment says it. */
static void
reason_el(struct xw *x, char **f, int n)
{
	int test = x->rfc7489 && strcmp(f[0], "policy_test_mode") == 0;

	start(x, "reason");
	el(x, "type", test ? "other" : f[0]);
	if (n > 1)
		el_opt(x, "comment", test ? "policy_test_mode (t=y)" : f[1]);
	end(x);
}

static void
dkim_el(struct xw *x, char **f, int n)
{
	if (n < 3)
		return;
	start(x, "dkim");
	el(x, "domain", f[0]);
	el(x, "selector", f[1]);
	el(x, "result", f[2]);
	end(x);
}

/* RFC 9990 knows only the mfrom scope: a HELO check has none there
 * (RFC 7489 has both). */
static void
spf_el(struct xw *x, char **f, int n)
{
	if (n < 3)
		return;
	start(x, "spf");
	el(x, "domain", f[0]);
	if (strcmp(f[1], "mfrom") == 0 || x->rfc7489)
		el(x, "scope", f[1]);
	el(x, "result", f[2]);
	end(x);
}

/* One record: source_ip, header_from, envelope_from, envelope_to,
 * disposition, dkim, spf, reasons, auth_dkim, auth_spf, count. */
static int
record_row(void *arg, int n, const char *const *c)
{
	struct xw *x = arg;
	long long count;

	if (n < 11)
		return x->bad = 1;
	count = strtoll(c[10] != NULL ? c[10] : "0", NULL, 10);
	start(x, "record");
	start(x, "row");
	el(x, "source_ip", c[0]);
	el_num(x, "count", count);
	start(x, "policy_evaluated");
	el(x, "disposition", c[4]);
	el(x, "dkim", c[5]);
	el(x, "spf", c[6]);
	each_line(x, c[7], reason_el);
	end(x);
	end(x);
	start(x, "identifiers");
	el(x, "header_from", c[1]);
	el_opt(x, "envelope_from", c[2]);
	el_opt(x, "envelope_to", c[3]);
	end(x);
	start(x, "auth_results");
	each_line(x, c[8], dkim_el);
	each_line(x, c[9], spf_el);
	end(x);
	end(x);
	x->records++;
	x->messages += (unsigned long)count;
	return x->bad;
}

static void
policy_9990(struct xw *x, const struct rs_report *r)
{
	el(x, "p", r->p);
	el_opt(x, "sp", r->sp);
	el_opt(x, "np", r->np);
	el_opt(x, "adkim", r->adkim);
	el_opt(x, "aspf", r->aspf);
	el_opt(x, "discovery_method", r->discovery);
	el_opt(x, "fo", r->fo);
	el_opt(x, "testing", r->testing);
}

/* RFC 7489 appendix C: adkim, aspf, p, sp, pct, fo (in its order). */
static void
policy_7489(struct xw *x, const struct rs_report *r)
{
	el_opt(x, "adkim", r->adkim);
	el_opt(x, "aspf", r->aspf);
	el(x, "p", r->p);
	el_opt(x, "sp", r->sp);
	el(x, "pct", r->pct != NULL && r->pct[0] != '\0' ? r->pct : "100");
	el_opt(x, "fo", r->fo);
}

static void
head(struct xw *x, const struct vouch_report_send_opts *o,
    const struct rs_report *r)
{
	char gen[64];

	snprintf(gen, sizeof(gen), "vouch %s", vouch_version());
	if (xmlTextWriterStartDocument(x->w, NULL, "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElementNS(x->w, NULL, BAD_CAST "feedback",
	    x->rfc7489 ? NULL : BAD_CAST RS_NS) < 0)
		x->bad = 1;
	if (!x->rfc7489)
		el(x, "version", "1.0");
	start(x, "report_metadata");
	el(x, "org_name", o->org_name);
	el(x, "email", o->email);
	el(x, "report_id", r->report_id);
	start(x, "date_range");
	el_num(x, "begin", r->begin);
	el_num(x, "end", r->end - 1);
	end(x);
	if (!x->rfc7489)
		el(x, "generator", gen);
	end(x);
	start(x, "policy_published");
	el(x, "domain", r->policy_domain);
	if (x->rfc7489)
		policy_7489(x, r);
	else
		policy_9990(x, r);
	end(x);
}

#ifdef HAVE_LIBARCHIVE
static int
gz_write(void *ctx, const char *buf, int len)
{
	return archive_write_data(ctx, buf, (size_t)len) == len ? len : -1;
}

static struct archive *
gz_open(FILE *fp, const char *name)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	int ok = a != NULL && e != NULL &&
	    archive_write_add_filter_gzip(a) == ARCHIVE_OK &&
	    archive_write_set_format_raw(a) == ARCHIVE_OK &&
	    archive_write_set_bytes_in_last_block(a, 1) == ARCHIVE_OK &&
	    archive_write_open_FILE(a, fp) == ARCHIVE_OK;

	if (ok) {
		archive_entry_set_pathname(e, name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		ok = archive_write_header(a, e) == ARCHIVE_OK;
	}
	archive_entry_free(e);
	if (!ok && a != NULL) {
		archive_write_free(a);
		a = NULL;
	}
	return a;
}

static const char query_records[] =
    "SELECT source_ip, header_from, envelope_from, envelope_to, "
    "disposition, dkim, spf, reasons, auth_dkim, auth_spf, count(*) "
    "FROM vouch_rows WHERE policy_domain = $1 AND t >= $2 AND t < $3 AND "
    "done = 0 AND id > $4 AND id <= $5 GROUP BY source_ip, header_from, "
    "envelope_from, envelope_to, disposition, dkim, spf, reasons, "
    "auth_dkim, auth_spf";

enum vouch_status
vouch__rs_xml_write(struct vouch_report_store *st,
    const struct vouch_report_send_opts *o, struct rs_report *r, FILE *fp,
    struct vouch_error *err)
{
	struct xw x = { NULL, 0, o->rfc7489, 0, 0 };
	char b[2][32], l[32], h[32];
	const char *p[5] = { r->policy_domain, b[0], b[1], l, h };
	struct archive *a = gz_open(fp, "report.xml");
	xmlOutputBufferPtr out;
	enum vouch_status s = VOUCH_E_IO;

	snprintf(b[0], sizeof(b[0]), "%lld", (long long)r->begin);
	snprintf(b[1], sizeof(b[1]), "%lld", (long long)r->end);
	snprintf(l, sizeof(l), "%lld", r->lo);
	snprintf(h, sizeof(h), "%lld", r->hi);
	if (a == NULL || (out = xmlOutputBufferCreateIO(gz_write, NULL, a,
	    NULL)) == NULL || (x.w = xmlNewTextWriter(out)) == NULL)
		goto out;
	xmlTextWriterSetIndent(x.w, 1);
	head(&x, o, r);
	s = vouch__rs_query(st, query_records, 5, p, record_row, &x, err);
	if (xmlTextWriterEndDocument(x.w) < 0)
		x.bad = 1;
	xmlFreeTextWriter(x.w);	/* flushes and frees out */
	x.w = NULL;
out:
	if (a != NULL && archive_write_close(a) != ARCHIVE_OK)
		x.bad = 1;
	if (a != NULL)
		archive_write_free(a);
	if (s == VOUCH_OK && (x.bad || x.records == 0))
		s = vouch__err(err, VOUCH_E_IO, NULL, -1, "%s", x.records == 0 ?
		    "no records" : "cannot write the report");
	else if (s == VOUCH_E_IO && a == NULL)
		vouch__err(err, s, NULL, -1, "cannot start the gzip stream");
	r->records = x.records;
	r->messages = x.messages;
	return s;
}
#else
enum vouch_status
vouch__rs_xml_write(struct vouch_report_store *st,
    const struct vouch_report_send_opts *o, struct rs_report *r, FILE *fp,
    struct vouch_error *err)
{
	(void)st;
	(void)o;
	(void)r;
	(void)fp;
	return vouch__err(err, VOUCH_E_IO, NULL, -1, "this vouch was built "
	    "without libarchive: reports cannot be compressed");
}
#endif

char *
vouch__rs_file_name(const char *receiver, const struct rs_report *r)
{
	char *s;

	if (asprintf(&s, "%s!%s!%lld!%lld!%s.xml.gz", receiver,
	    r->policy_domain, (long long)r->begin, (long long)r->end - 1,
	    r->report_id) < 0)
		return NULL;
	return s;
}
