/*
 * Reading one aggregate report: RFC 9990 XML (namespace
 * urn:ietf:params:xml:ns:dmarc-2.0) or RFC 7489 appendix C (with or
 * without a namespace), parsed by libxml2 in recover mode.  Elements are
 * matched by local name, so any namespace or prefix reads.  Before the
 * parser sees them, the faults real reporters make are repaired: bytes
 * that are not UTF-8 (in a document that says or implies UTF-8) become
 * '?', and markup inside <email> ("Name <addr>") is escaped.  Upper-case
 * words are lowered; a wrapper element around <feedback> is looked
 * through.  Entities are not expanded and nothing is fetched.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "report_int.h"
#include "common/buf.h"
#include "common/hdr.h"
#include "common/json.h"
#include "common/util.h"

#define NS_9990 "urn:ietf:params:xml:ns:dmarc-2.0"

/* The report and everything it owns. */
/* The report's strings live in blocks of an arena (a report of 100,000
 * records is a million strings: one malloc each would be most of the
 * work). */
#define ARENA_BLOCK 65536
struct block {
	struct block *next;
	size_t used, size;
	char data[];
};

struct agg {
	struct vouch_report_agg pub;
	struct block *blocks;
	size_t caprec;
	int nomem;
	xmlDocPtr doc;		/* as parsed (and repaired) */
};

static const char *
keep(struct agg *a, const char *s, size_t n)
{
	struct block *b = a->blocks;
	char *c;

	if (s == NULL || a->nomem)
		return NULL;
	if (b == NULL || b->size - b->used < n + 1) {
		size_t size = n + 1 > ARENA_BLOCK ? n + 1 : ARENA_BLOCK;

		if ((b = malloc(sizeof(*b) + size)) == NULL) {
			a->nomem = 1;
			return NULL;
		}
		b->used = 0;
		b->size = size;
		b->next = a->blocks;
		a->blocks = b;
	}
	c = b->data + b->used;
	memcpy(c, s, n);
	c[n] = '\0';
	b->used += n + 1;
	return c;
}

void
vouch_report_agg_free(struct vouch_report_agg *r)
{
	struct agg *a = (struct agg *)r;
	size_t i;

	if (a == NULL)
		return;
	while (a->blocks != NULL) {
		struct block *next = a->blocks->next;

		free(a->blocks);
		a->blocks = next;
	}
	for (i = 0; i < r->nrecords; i++) {
		free(r->records[i].reasons);
		free(r->records[i].dkim_results);
		free(r->records[i].spf_results);
	}
	free(r->records);
	if (a->doc != NULL)
		xmlFreeDoc(a->doc);
	free(a);
}

char *
vouch__report_xml(const struct vouch_report_agg *r, size_t *len)
{
	const struct agg *a = (const struct agg *)r;
	xmlChar *mem = NULL;
	char *out;
	int n = 0;

	if (a->doc == NULL)
		return NULL;
	xmlDocDumpMemoryEnc(a->doc, &mem, &n, "UTF-8");
	if (mem == NULL || n < 0)
		return NULL;
	if ((out = malloc((size_t)n + 1)) != NULL) {
		memcpy(out, mem, (size_t)n);
		out[n] = '\0';
		*len = (size_t)n;
	}
	xmlFree(mem);
	return out;
}

/* ---- repairs before parsing ------------------------------------------- */

/* Does the XML declaration name an encoding other than UTF-8? */
static int
other_encoding(const char *p, size_t n)
{
	const char *end, *e;
	size_t m = n < 200 ? n : 200;

	if (m < 5 || memcmp(p, "<?xml", 5) != 0 ||
	    (end = memchr(p, '>', m)) == NULL)
		return 0;
	for (e = p; e + 8 < end; e++)
		if (strncmp(e, "encoding", 8) == 0) {
			e += 8;
			while (e < end && (*e == ' ' || *e == '=' || *e == '"' ||
			    *e == '\''))
				e++;
			return (size_t)(end - e) >= 5 && strncasecmp(e, "utf-8",
			    5) != 0 && strncasecmp(e, "utf8", 4) != 0 &&
			    strncasecmp(e, "us-ascii", 8) != 0;
		}
	return 0;
}

/* At p[i], a start tag "<email>" or "<x:email>"?  Its length, else 0. */
static size_t
email_tag(const char *p, size_t n, size_t i, int closing)
{
	size_t k = i + 1 + (closing != 0), name;

	if (k > n || p[i] != '<' || (closing && p[i + 1] != '/'))
		return 0;
	name = k;
	while (k < n && k - name < 40 && p[k] != '>' && p[k] != ' ')
		if (p[k++] == ':')
			name = k;
	if (k >= n || p[k] != '>' || k - name != 5 ||
	    memcmp(p + name, "email", 5) != 0)
		return 0;
	return k + 1 - i;
}

/* Escape < and > inside <email>...</email>. */
static enum vouch_status
email_markup(struct vbuf *b, const char *p, size_t n, size_t *i)
{
	size_t open = email_tag(p, n, *i, 0), j;
	enum vouch_status st;

	if (open == 0)
		return VOUCH_E_NOTFOUND;
	for (j = *i + open; j < n && email_tag(p, n, j, 1) == 0; j++)
		;
	if (j >= n)
		return VOUCH_E_NOTFOUND;
	if ((st = vbuf_add(b, p + *i, open)) != VOUCH_OK)
		return st;
	for (*i += open; *i < j && st == VOUCH_OK; (*i)++)
		st = p[*i] == '<' ? vbuf_adds(b, "&lt;") : p[*i] == '>' ?
		    vbuf_adds(b, "&gt;") : vbuf_addc(b, (unsigned char)p[*i]);
	return st;
}

/* Does the document need a repair at all?  (Most do not: one pass that
 * copies nothing.) */
static int
needs_repair(const char *p, size_t n, int utf8)
{
	const char *at = p, *hit;
	size_t i, k, j;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == 0)
			return 1;
		if (c >= 0x80 && utf8) {
			if ((k = vouch__utf8_len((const unsigned char *)p + i,
			    n - i)) == 0)
				return 1;
			i += k - 1;
		}
	}
	/* markup inside an <email> element (found by its name: fast) */
	while ((hit = memmem(at, (size_t)(p + n - at), "email>", 6)) != NULL) {
		at = hit + 6;
		for (i = (size_t)(hit - p); i > 0 && p[i - 1] != '<' &&
		    p[i - 1] != '/' && (size_t)(hit - p) - i < 40; i--)
			;
		if (i == 0 || p[i - 1] != '<' || (k = email_tag(p, n, i - 1,
		    0)) == 0)
			continue;	/* a closing tag, or email> in text */
		for (j = i - 1 + k; j < n && email_tag(p, n, j, 1) == 0; j++)
			if (p[j] == '<' || p[j] == '>')
				return 1;
		at = p + j;
	}
	return 0;
}

/* The document as the parser should see it; *out NULL when it needs no
 * repair. */
static enum vouch_status
repair(const char *p, size_t n, char **out, size_t *outlen)
{
	struct vbuf b;
	size_t i = 0, k;
	int utf8 = !other_encoding(p, n), changed = 0;
	enum vouch_status st = VOUCH_OK;

	*out = NULL;
	if (!needs_repair(p, n, utf8))
		return VOUCH_OK;
	vbuf_init(&b, 2 * n + 1024);
	while (i < n && st == VOUCH_OK) {
		unsigned char c = (unsigned char)p[i];

		if (c == '<' && i + 6 < n && p[i + 1] != '/') {
			size_t before = i;

			size_t had = b.len;

			st = email_markup(&b, p, n, &i);
			if (st == VOUCH_OK) {
				changed |= b.len - had != i - before;
				continue;
			}
			if (st != VOUCH_E_NOTFOUND)
				break;
			st = VOUCH_OK;
		}
		if (c == 0) {
			st = vbuf_addc(&b, '?');
			changed = 1;
			i++;
		} else if (c < 0x80 || !utf8) {
			st = vbuf_addc(&b, c);
			i++;
		} else if ((k = vouch__utf8_len((const unsigned char *)p + i,
		    n - i)) > 0) {
			st = vbuf_add(&b, p + i, k);
			i += k;
		} else {
			st = vbuf_addc(&b, '?');
			changed = 1;
			i++;
		}
	}
	if (st != VOUCH_OK || !changed) {
		vbuf_clear(&b);
		return st;
	}
	*out = vbuf_take(&b, outlen);
	return *out != NULL ? VOUCH_OK : VOUCH_E_NOMEM;
}

/* ---- the tree --------------------------------------------------------- */

static int
named(const xmlNode *n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *
child(const xmlNode *n, const char *name)
{
	const xmlNode *c;

	for (c = n != NULL ? n->children : NULL; c != NULL; c = c->next)
		if (named(c, name))
			return c;
	return NULL;
}

/* The element's text, trimmed (lower case when lower), kept in a. */
static const char *
text(struct agg *a, const xmlNode *n, int lower)
{
	xmlChar *t = NULL;
	const char *s, *e, *r;

	if (n == NULL)
		return NULL;
	/* one text child, the usual case: read it where it is */
	if (n->children != NULL && n->children->next == NULL &&
	    n->children->type == XML_TEXT_NODE && n->children->content != NULL)
		s = (const char *)n->children->content;
	else if ((t = xmlNodeGetContent(n)) == NULL)
		return NULL;
	else
		s = (const char *)t;
	for (; *s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'; s++)
		;
	for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t' ||
	    e[-1] == '\r' || e[-1] == '\n'); e--)
		;
	r = keep(a, s, (size_t)(e - s));
	if (t != NULL)
		xmlFree(t);
	if (r != NULL && lower) {
		char *w;

		for (w = (char *)r; *w; w++)
			*w = (char)tolower((unsigned char)*w);
	}
	return r;
}

static const char *
ctext(struct agg *a, const xmlNode *n, const char *name, int lower)
{
	return text(a, child(n, name), lower);
}

static uint64_t
number(const char *s)
{
	uint64_t v = 0;

	if (s == NULL)
		return 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return UINT64_MAX;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	return v;
}

/* "Name" <addr@x> as some reporters write <email>: the address. */
static const char *
address(struct agg *a, const char *s)
{
	const char *lt, *gt;

	if (s == NULL || (lt = strrchr(s, '<')) == NULL ||
	    (gt = strchr(lt, '>')) == NULL)
		return s;
	return keep(a, lt + 1, (size_t)(gt - lt - 1));
}

/* The first <feedback> in document order; else a root that holds
 * <report_metadata> (a report without the wrapper name). */
static const xmlNode *
find_feedback(const xmlNode *n, int depth)
{
	const xmlNode *c, *f;

	for (c = n; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (named(c, "feedback") || child(c, "report_metadata") != NULL)
			return c;
		if (depth < 8 && (f = find_feedback(c->children, depth + 1)) !=
		    NULL)
			return f;
	}
	return NULL;
}

static int
grow(void **p, size_t *cap, size_t n, size_t size)
{
	void *q;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 8;
	if ((q = realloc(*p, nc * size)) == NULL)
		return -1;
	*p = q;
	*cap = nc;
	return 0;
}

static int
record(struct agg *a, const xmlNode *rec)
{
	struct vouch_report_agg_record *r;
	const xmlNode *row = child(rec, "row"), *pe, *ids, *ar, *c;
	size_t capr = 0, capd = 0, caps = 0;

	if (grow((void **)&a->pub.records, &a->caprec, a->pub.nrecords,
	    sizeof(*r)) != 0)
		return -1;
	r = &a->pub.records[a->pub.nrecords++];
	memset(r, 0, sizeof(*r));
	r->source_ip = ctext(a, row, "source_ip", 1);
	r->count = number(ctext(a, row, "count", 0));
	pe = child(row, "policy_evaluated");
	r->disposition = ctext(a, pe, "disposition", 1);
	r->dkim = ctext(a, pe, "dkim", 1);
	r->spf = ctext(a, pe, "spf", 1);
	for (c = pe != NULL ? pe->children : NULL; c != NULL; c = c->next) {
		if (!named(c, "reason"))
			continue;
		if (grow((void **)&r->reasons, &capr, r->nreasons,
		    sizeof(*r->reasons)) != 0)
			return -1;
		r->reasons[r->nreasons].type = ctext(a, c, "type", 1);
		r->reasons[r->nreasons++].comment = ctext(a, c, "comment", 0);
	}
	ids = child(rec, "identifiers");
	r->header_from = ctext(a, ids, "header_from", 1);
	r->envelope_from = ctext(a, ids, "envelope_from", 1);
	r->envelope_to = ctext(a, ids, "envelope_to", 1);
	ar = child(rec, "auth_results");
	for (c = ar != NULL ? ar->children : NULL; c != NULL; c = c->next) {
		struct vouch_report_auth *x;

		if (named(c, "dkim")) {
			if (grow((void **)&r->dkim_results, &capd, r->ndkim,
			    sizeof(*x)) != 0)
				return -1;
			x = &r->dkim_results[r->ndkim++];
			x->selector = ctext(a, c, "selector", 0);
		} else if (named(c, "spf")) {
			if (grow((void **)&r->spf_results, &caps, r->nspf,
			    sizeof(*x)) != 0)
				return -1;
			x = &r->spf_results[r->nspf++];
			x->selector = ctext(a, c, "scope", 1);
		} else {
			continue;
		}
		x->domain = ctext(a, c, "domain", 1);
		x->result = ctext(a, c, "result", 1);
	}
	if (a->pub.messages + r->count < a->pub.messages)
		a->pub.messages = UINT64_MAX;
	else
		a->pub.messages += r->count;
	return 0;
}

static enum vouch_status
fill(struct agg *a, const xmlNode *fb, struct vouch_error *err)
{
	const xmlNode *md = child(fb, "report_metadata"), *dr, *pp, *c;
	struct vouch_report_agg *r = &a->pub;

	if (md == NULL)
		return vouch__err(err, VOUCH_E_SYNTAX, NULL, -1, "no "
		    "<report_metadata>: not an aggregate report");
	r->schema = fb->ns != NULL && fb->ns->href != NULL &&
	    strcmp((const char *)fb->ns->href, NS_9990) == 0 ? "rfc9990" :
	    "rfc7489";
	r->org_name = ctext(a, md, "org_name", 0);
	r->email = address(a, ctext(a, md, "email", 0));
	r->extra_contact = ctext(a, md, "extra_contact_info", 0);
	r->report_id = ctext(a, md, "report_id", 0);
	dr = child(md, "date_range");
	r->begin = (int64_t)(number(ctext(a, dr, "begin", 0)) & INT64_MAX);
	r->end = (int64_t)(number(ctext(a, dr, "end", 0)) & INT64_MAX);
	pp = child(fb, "policy_published");
	r->domain = ctext(a, pp, "domain", 1);
	r->adkim = ctext(a, pp, "adkim", 1);
	r->aspf = ctext(a, pp, "aspf", 1);
	r->p = ctext(a, pp, "p", 1);
	r->sp = ctext(a, pp, "sp", 1);
	r->np = ctext(a, pp, "np", 1);
	r->pct = ctext(a, pp, "pct", 0);
	r->fo = ctext(a, pp, "fo", 0);
	r->testing = ctext(a, pp, "testing", 1);
	r->discovery_method = ctext(a, pp, "discovery_method", 1);
	for (c = fb->children; c != NULL; c = c->next)
		if (named(c, "record")) {
			if (r->nrecords >= RS_READ_MAX_RECORDS)
				return vouch__err(err, VOUCH_E_LIMIT, NULL, -1,
				    "more than %d records", RS_READ_MAX_RECORDS);
			if (record(a, c) != 0)
				a->nomem = 1;
		}
	if (a->nomem)
		return vouch__err(err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	if (r->org_name == NULL || r->report_id == NULL || r->domain == NULL)
		return vouch__err(err, VOUCH_E_SYNTAX, NULL, -1, "no %s",
		    r->org_name == NULL ? "<org_name>" : r->report_id == NULL ?
		    "<report_id>" : "<policy_published><domain>");
	return VOUCH_OK;
}

static void
quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

enum vouch_status
vouch_report_parse(const void *xml, size_t len, const char *source,
    struct vouch_report_agg **out, struct vouch_error *err)
{
	struct agg *a;
	char *fixed = NULL;
	size_t flen = 0;
	xmlDocPtr doc;
	const xmlNode *fb;
	enum vouch_status s;

	*out = NULL;
	if (len > RS_READ_MAX_XML)
		return vouch__err(err, VOUCH_E_LIMIT, NULL, -1, "a report of "
		    "more than %d MB", RS_READ_MAX_XML >> 20);
	if ((s = repair(xml, len, &fixed, &flen)) != VOUCH_OK)
		return vouch__err(err, s, NULL, -1, "out of memory");
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		free(fixed);
		return vouch__err(err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	}
	xmlSetGenericErrorFunc(NULL, quiet);
	/* recover what can be; no entities expanded, nothing fetched */
	doc = xmlReadMemory(fixed != NULL ? fixed : xml, (int)(fixed != NULL ?
	    flen : len), NULL, NULL, XML_PARSE_RECOVER | XML_PARSE_NONET |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS |
	    XML_PARSE_COMPACT);
	free(fixed);
	if (doc == NULL || (fb = find_feedback(xmlDocGetRootElement(doc), 0))
	    == NULL) {
		if (doc != NULL)
			xmlFreeDoc(doc);
		vouch_report_agg_free(&a->pub);
		return vouch__err(err, VOUCH_E_SYNTAX, NULL, -1, doc == NULL ?
		    "not XML" : "no <feedback>: not an aggregate report");
	}
	a->pub.source = keep(a, source != NULL ? source : "-",
	    strlen(source != NULL ? source : "-"));
	s = fill(a, fb, err);
	a->doc = doc;
	if (s != VOUCH_OK) {
		vouch_report_agg_free(&a->pub);
		return s;
	}
	*out = &a->pub;
	return VOUCH_OK;
}

/* Set where the report came from (the reader does, for mail). */
void
vouch__report_set_origin(struct vouch_report_agg *r, const char *source,
    const char *message_id)
{
	struct agg *a = (struct agg *)r;

	if (source != NULL)
		r->source = keep(a, source, strlen(source));
	if (message_id != NULL)
		r->message_id = keep(a, message_id, strlen(message_id));
}

/* ---- JSON --------------------------------------------------------------- */

/* A failed append empties the buffer's room: the text is dropped, never
 * written cut short. */
#define A(call) do { if ((call) != VOUCH_OK) jb->cap = 0; } while (0)

static void
jkey(struct vbuf *b, int *first, const char *k, const char *v)
{
	if (v == NULL)
		return;
	if (vbuf_adds(b, *first ? "\"" : ",\"") != VOUCH_OK ||
	    vbuf_adds(b, k) != VOUCH_OK || vbuf_adds(b, "\":") != VOUCH_OK ||
	    vouch__json_cstr(b, v) != VOUCH_OK)
		b->cap = 0;	/* failed: nothing more is added */
	*first = 0;
}

static void
jauths(struct vbuf *b, const char *name, const char *sel,
    const struct vouch_report_auth *x, size_t n)
{
	struct vbuf *jb = b;
	size_t i;

	A(vbuf_printf(b, "\"%s\":[", name));
	for (i = 0; i < n; i++) {
		int first = 1;

		A(vbuf_adds(b, i ? ",{" : "{"));
		jkey(b, &first, "domain", x[i].domain);
		jkey(b, &first, sel, x[i].selector);
		jkey(b, &first, "result", x[i].result);
		A(vbuf_addc(b, '}'));
	}
	A(vbuf_addc(b, ']'));
}

static void
json_record(struct vbuf *jb, const struct vouch_report_agg_record *x,
    int first_record)
{
	size_t k;
	int first = 1;

	A(vbuf_adds(jb, first_record ? "{" : ",{"));
	jkey(jb, &first, "source_ip", x->source_ip);
	A(vbuf_printf(jb, "%s\"count\":%" PRIu64 ",\"policy_evaluated\":{",
	    first ? "" : ",", x->count));
	first = 1;
	jkey(jb, &first, "disposition", x->disposition);
	jkey(jb, &first, "dkim", x->dkim);
	jkey(jb, &first, "spf", x->spf);
	A(vbuf_adds(jb, first ? "\"reasons\":[" : ",\"reasons\":["));
	for (k = 0; k < x->nreasons; k++) {
		int f2 = 1;

		A(vbuf_adds(jb, k ? ",{" : "{"));
		jkey(jb, &f2, "type", x->reasons[k].type);
		jkey(jb, &f2, "comment", x->reasons[k].comment);
		A(vbuf_addc(jb, '}'));
	}
	A(vbuf_adds(jb, "]},\"identifiers\":{"));
	first = 1;
	jkey(jb, &first, "header_from", x->header_from);
	jkey(jb, &first, "envelope_from", x->envelope_from);
	jkey(jb, &first, "envelope_to", x->envelope_to);
	A(vbuf_adds(jb, "},\"auth_results\":{"));
	jauths(jb, "dkim", "selector", x->dkim_results, x->ndkim);
	A(vbuf_addc(jb, ','));
	jauths(jb, "spf", "scope", x->spf_results, x->nspf);
	A(vbuf_adds(jb, "}}"));
}

char *
vouch_report_agg_json(const struct vouch_report_agg *r)
{
	struct vbuf b, *jb = &b;
	size_t i;
	int first = 1;

	vbuf_init(&b, (size_t)1 << 30);
	A(vbuf_addc(&b, '{'));
	jkey(&b, &first, "org_name", r->org_name);
	jkey(&b, &first, "email", r->email);
	jkey(&b, &first, "extra_contact_info", r->extra_contact);
	jkey(&b, &first, "report_id", r->report_id);
	A(vbuf_printf(&b, ",\"begin\":%" PRId64 ",\"end\":%" PRId64, r->begin,
	    r->end));
	jkey(&b, &first, "schema", r->schema);
	A(vbuf_adds(&b, ",\"source\":{"));
	first = 1;
	jkey(&b, &first, "file", r->source);
	jkey(&b, &first, "message_id", r->message_id);
	A(vbuf_adds(&b, "},\"policy_published\":{"));
	first = 1;
	jkey(&b, &first, "domain", r->domain);
	jkey(&b, &first, "p", r->p);
	jkey(&b, &first, "sp", r->sp);
	jkey(&b, &first, "np", r->np);
	jkey(&b, &first, "adkim", r->adkim);
	jkey(&b, &first, "aspf", r->aspf);
	jkey(&b, &first, "pct", r->pct);
	jkey(&b, &first, "testing", r->testing);
	jkey(&b, &first, "discovery_method", r->discovery_method);
	jkey(&b, &first, "fo", r->fo);
	A(vbuf_printf(&b, "},\"messages\":%" PRIu64 ",\"records\":[", r->messages));
	for (i = 0; i < r->nrecords; i++)
		json_record(&b, &r->records[i], i == 0);
	A(vbuf_adds(&b, "]}"));
	return vbuf_done(&b, b.cap == 0 ? VOUCH_E_NOMEM : VOUCH_OK);
}
