/*
 * Reading the reports receivers send, wherever they are: files (.xml,
 * .xml.gz, .zip), mails carrying them (GMime walks any MIME structure and
 * decodes the parts), mboxes (plain or compressed) and Maildirs of such
 * mails, and folders of any of these.  The inputs are listed and read by
 * archive/'s message sources, one message at a time; gzip and zip are
 * opened by libarchive from memory with a bound on what they inflate to.
 * One report is held at a time.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>
#ifdef HAVE_LIBARCHIVE
#include <archive.h>
#include <archive_entry.h>
#endif

#include "report_int.h"
#include "archive/archive_int.h"
#include "common/util.h"

#define READ_MAX_DEPTH 4	/* a zip in a mail in an mbox, and so on */

struct reader {
	vouch_report_read_fn fn;
	vouch_report_fail_fn fail;
	void *arg;
	size_t failed, found;
	int stop;
	char why[256];		/* the first reason a blob was not a report */
};

static void why(struct reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
why(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->why[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

static void blob(struct reader *r, const unsigned char *p, size_t n,
    const char *source, const char *msgid, int depth);

static void
xml(struct reader *r, const unsigned char *p, size_t n, const char *source,
    const char *msgid)
{
	struct vouch_report_agg *agg;
	struct vouch_error err = { 0 };

	if (vouch_report_parse(p, n, source, &agg, &err) != VOUCH_OK) {
		why(r, "%s", err.message);
		return;
	}
	vouch__report_set_origin(agg, NULL, msgid);
	r->found++;
	if (r->fn != NULL && r->fn(r->arg, agg) != 0)
		r->stop = 1;
	vouch_report_agg_free(agg);
}

#ifdef HAVE_LIBARCHIVE
/* An entry's data into *buf, which grows as the data comes, to the bound
 * and one byte past it (to tell a report over it); the last read's
 * return (0 at the end, <0 an error, >0 the buffer could not grow). */
static la_ssize_t
inflate_entry(struct archive *ar, unsigned char **buf, size_t *cap,
    size_t *got)
{
	la_ssize_t k;

	for (;;) {
		if (*got == *cap) {
			size_t nc = *cap ? *cap * 2 : 65536;
			unsigned char *nb;

			if (nc > RS_READ_MAX_XML + 1)
				nc = RS_READ_MAX_XML + 1;
			if (nc <= *cap || (nb = realloc(*buf, nc)) == NULL)
				return 1;
			*buf = nb;
			*cap = nc;
		}
		if ((k = archive_read_data(ar, *buf + *got, *cap - *got)) <= 0)
			return k;
		*got += (size_t)k;
	}
}

/* gzip (one member or several, bytes after the last ignored) or zip: each
 * entry inflated, at most RS_READ_MAX_XML bytes, then read as a blob. */
static void
packed(struct reader *r, const unsigned char *p, size_t n,
    const char *source, const char *msgid, int depth)
{
	struct archive *ar = archive_read_new();
	struct archive_entry *e;
	unsigned char *buf = NULL;
	size_t cap = 0;
	int rc;

	/* only what the magic bytes said: bidding every format and filter
	 * costs more than inflating a small report */
	if (ar == NULL || (p[0] == 0x1f ?
	    archive_read_support_filter_gzip(ar) != ARCHIVE_OK ||
	    archive_read_support_format_raw(ar) != ARCHIVE_OK :
	    archive_read_support_format_zip(ar) != ARCHIVE_OK) ||
	    archive_read_open_memory(ar, p, n) != ARCHIVE_OK) {
		why(r, "cannot open: %s", ar != NULL &&
		    archive_error_string(ar) != NULL ?
		    archive_error_string(ar) : "out of memory");
		goto done;
	}
	while (!r->stop && (rc = archive_read_next_header(ar, &e)) ==
	    ARCHIVE_OK) {
		size_t got = 0;
		la_ssize_t k = 0;

		if (archive_entry_filetype(e) == AE_IFDIR)
			continue;
		k = inflate_entry(ar, &buf, &cap, &got);
		if (got > RS_READ_MAX_XML) {
			why(r, "a compressed report of more than %d MB "
			    "inflated: not read", RS_READ_MAX_XML >> 20);
			break;
		}
		if (k > 0) {
			why(r, "%s", "out of memory");
			break;
		}
		/* a gzip with bytes after its member ends in an error after
		 * the data: what was inflated is the report */
		if (got > 0)
			blob(r, buf, got, source, msgid, depth + 1);
		else if (k < 0)
			why(r, "cannot decompress: %s",
			    archive_error_string(ar) != NULL ?
			    archive_error_string(ar) : "corrupt");
	}
done:
	free(buf);
	if (ar != NULL)
		archive_read_free(ar);
}
#endif

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void
gmime_start(void)
{
	g_mime_init();
}

/* A part that may hold a report: by type or by file name. */
static int
report_part(GMimeObject *o)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	const char *type = ct != NULL ? g_mime_content_type_get_media_type(ct) :
	    NULL, *sub = ct != NULL ? g_mime_content_type_get_media_subtype(ct) :
	    NULL, *name = g_mime_part_get_filename(GMIME_PART(o));
	size_t nl = name != NULL ? strlen(name) : 0;

	if (name != NULL && ((nl > 4 && (strcasecmp(name + nl - 4, ".xml") == 0
	    || strcasecmp(name + nl - 4, ".zip") == 0)) || (nl > 3 &&
	    strcasecmp(name + nl - 3, ".gz") == 0)))
		return 1;
	if (type == NULL || sub == NULL)
		return 0;
	if (strcasecmp(type, "application") == 0)
		return strcasestr(sub, "gzip") != NULL ||
		    strcasestr(sub, "zip") != NULL ||
		    strcasecmp(sub, "xml") == 0 ||
		    strcasecmp(sub, "octet-stream") == 0;
	return strcasecmp(type, "text") == 0 && strcasecmp(sub, "xml") == 0;
}

static void
walk(struct reader *r, GMimeObject *o, const char *source, const char *msgid,
    int depth)
{
	if (o == NULL || r->stop || depth > READ_MAX_DEPTH + 4)
		return;
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int i, n = g_mime_multipart_get_count(mp);

		for (i = 0; i < n && !r->stop; i++)
			walk(r, g_mime_multipart_get_part(mp, i), source, msgid,
			    depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *m = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(o));

		if (m != NULL)
			walk(r, g_mime_message_get_mime_part(m), source, msgid,
			    depth + 1);
	} else if (GMIME_IS_PART(o) && report_part(o)) {
		GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(o));
		GMimeStream *out;
		GByteArray *bytes;

		if (w == NULL || (out = g_mime_stream_mem_new()) == NULL)
			return;
		if (g_mime_data_wrapper_write_to_stream(w, out) >= 0 &&
		    (bytes = g_mime_stream_mem_get_byte_array(
		    GMIME_STREAM_MEM(out))) != NULL && bytes->len > 0)
			blob(r, bytes->data, bytes->len, source, msgid,
			    READ_MAX_DEPTH);	/* no mail inside: a report */
		g_object_unref(out);
	}
}

static void
mail(struct reader *r, const unsigned char *p, size_t n, const char *source,
    int depth)
{
	GMimeStream *st;
	GMimeParser *ps;
	GMimeMessage *m;
	size_t before = r->found;

	pthread_once(&gmime_once, gmime_start);
	if ((st = g_mime_stream_mem_new_with_buffer((const char *)p, n)) ==
	    NULL)
		return;
	ps = g_mime_parser_new_with_stream(st);
	g_object_unref(st);
	m = ps != NULL ? g_mime_parser_construct_message(ps, NULL) : NULL;
	if (ps != NULL)
		g_object_unref(ps);
	if (m == NULL) {
		why(r, "%s", "neither a report nor a mail");
		return;
	}
	walk(r, g_mime_message_get_mime_part(m), source,
	    g_mime_message_get_message_id(m), depth);
	if (r->found == before)
		why(r, "%s", "a mail with no aggregate report attached");
	g_object_unref(m);
}

/* What the bytes are, by their first ones: XML, gzip, zip, or a mail. */
static void
blob(struct reader *r, const unsigned char *p, size_t n, const char *source,
    const char *msgid, int depth)
{
	size_t i = 0;

	if (depth > READ_MAX_DEPTH + 1) {
		why(r, "%s", "containers nested too deep");
		return;
	}
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n'))
		i++;
	if (i < n && p[i] == '<') {
		xml(r, p, n, source, msgid);
	} else if ((n >= 2 && p[0] == 0x1f && p[1] == 0x8b) ||
	    (n >= 4 && memcmp(p, "PK\3\4", 4) == 0)) {
#ifdef HAVE_LIBARCHIVE
		packed(r, p, n, source, msgid, depth);
#else
		why(r, "%s", "compressed, and vouch was built without "
		    "libarchive");
#endif
	} else if (depth < READ_MAX_DEPTH && n > 0) {
		mail(r, p, n, source, depth);
	} else {
		why(r, "%s", n == 0 ? "empty" : "not an aggregate report");
	}
}

/* Bytes in memory, as one input (the fuzz target's entry). */
size_t
vouch__report_read_mem(const void *p, size_t n, const char *source,
    vouch_report_read_fn fn, void *arg)
{
	struct reader r = { fn, NULL, arg, 0, 0, 0, "" };

	blob(&r, p, n, source, NULL, 0);
	return r.found;
}

/* The name of one input's message: the file, or file:N in an mbox. */
static void
item_name(const struct item *it, char *buf, size_t size)
{
	const char *src = it->path != NULL ? it->path : it->m.source;

	if (it->m.in_mbox)
		snprintf(buf, size, "%s:%zu", src != NULL ? src : "-",
		    it->m.index + 1);
	else
		snprintf(buf, size, "%s", src != NULL ? src : "-");
}

static void
item_free(struct vouch_archive *a, struct item *it)
{
	free(it->path);
	free(it->own);
	a->inflight -= it->own_len;
	memset(it, 0, sizeof(*it));
}

/* One message or file of the inputs: its reports, or why it has none. */
static void
one_item(struct reader *r, struct item *it)
{
	char name[4096];
	unsigned char *data = NULL;
	size_t len = 0, before = r->found;
	int cut = 0;

	item_name(it, name, sizeof(name));
	r->why[0] = '\0';
	if (it->m.error != VOUCH_OK) {
		why(r, "%s", it->m.error_text);
	} else if (it->path != NULL) {
		enum vouch_status rs = vouch__archive_read_file(it->path,
		    RS_READ_MAX_XML, &data, &len, &cut);

		if (rs != VOUCH_OK)
			why(r, "cannot read: %s", vouch_strerror(rs));
		else if (cut)
			why(r, "more than %d MB: not read", RS_READ_MAX_XML >> 20);
		else
			blob(r, data, len, name, NULL, 0);
		free(data);
	} else if (it->m.too_large) {
		why(r, "more than %d MB: not read", RS_READ_MAX_XML >> 20);
	} else {
		blob(r, it->m.data, it->m.len, name, NULL, 0);
	}
	if (r->found == before) {
		r->failed++;
		if (r->fail != NULL)
			r->fail(r->arg, name, r->why[0] != '\0' ? r->why :
			    "no report in it");
	}
}

enum vouch_status
vouch_report_read(const char *const *paths, size_t npaths,
    vouch_report_read_fn fn, vouch_report_fail_fn fail, void *arg,
    size_t *failed, struct vouch_error *err)
{
	struct reader r = { fn, fail, arg, 0, 0, 0, "" };
	struct vouch_archive *a;
	struct item it;
	enum vouch_status s = VOUCH_OK;
	size_t i;

	if (failed != NULL)
		*failed = 0;
	if ((s = vouch__archive_new_source(&a)) != VOUCH_OK)
		return vouch__err(err, s, NULL, -1, "out of memory");
	a->max_msg = RS_READ_MAX_XML;
	for (i = 0; i < npaths; i++) {
		struct vouch_error e = { 0 };

		if (vouch__archive_add_path(a, paths[i], &e) != VOUCH_OK) {
			r.failed++;
			if (fail != NULL)
				fail(arg, paths[i], e.message[0] != '\0' ?
				    e.message + (strncmp(e.message, paths[i],
				    strlen(paths[i])) == 0 && e.message[strlen(
				    paths[i])] == ':' ? strlen(paths[i]) + 2 : 0) :
				    "cannot read");
		}
	}
	while (!r.stop && vouch__archive_next(a, &it)) {
		one_item(&r, &it);
		item_free(a, &it);
	}
	vouch_archive_free(a);
	if (failed != NULL)
		*failed = r.failed;
	return s;
}
