/*
 * Message parsing shared by signer and verifier: the header section is
 * kept (bounded), split into fields, and the body is streamed to a
 * callback so a message of any size costs constant memory.  Input may end
 * lines with CRLF or bare LF.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dkim_int.h"
#include "common/util.h"

void
dkim_msg_init(struct dkim_msg *m, dkim_body_fn body, void *arg)
{
	memset(m, 0, sizeof(*m));
	vbuf_init(&m->hdr, VOUCH_DKIM_MAX_HEADER);
	m->body = body;
	m->body_arg = arg;
	m->at_line_start = 1;
}

void
dkim_msg_clear(struct dkim_msg *m)
{
	free(m->from);
	m->from = NULL;
	vbuf_clear(&m->hdr);
	free(m->fields);
	m->fields = NULL;
	m->nfields = 0;
}

static int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* Split the header section into fields (RFC 5322 2.2). */
static enum vouch_status
split_fields(struct dkim_msg *m)
{
	const unsigned char *p = m->hdr.data;
	size_t n = m->hdr.len, i = 0, size = 0;

	while (i < n) {
		size_t start = i, j;
		struct dkim_field *f;

		/* One field: this line and every following line that starts
		 * with WSP. */
		for (;;) {
			const unsigned char *nl = memchr(p + i, '\n', n - i);

			i = nl != NULL ? (size_t)(nl - p) + 1 : n;
			if (i >= n || !is_wsp(p[i]))
				break;
		}
		if (is_wsp(p[start])) {
			m->error = "header section starts with a folded line";
			continue;
		}
		if (m->nfields >= VOUCH_DKIM_MAX_FIELDS) {
			m->error = "too many header fields";
			return VOUCH_OK;
		}
		if (m->nfields == size) {
			size_t ns = size ? size * 2 : 32;

			f = realloc(m->fields, ns * sizeof(*f));
			if (f == NULL)
				return VOUCH_E_NOMEM;
			m->fields = f;
			size = ns;
		}
		f = &m->fields[m->nfields];
		memset(f, 0, sizeof(*f));
		f->raw = p + start;
		f->len = i - start;
		for (j = 0; j < f->len && f->raw[j] != ':' &&
		    f->raw[j] != '\n'; j++)
			;
		if (j == f->len || f->raw[j] != ':' || j == 0) {
			m->error = "header line without a colon";
			continue;
		}
		f->colon = j;
		while (j > 0 && is_wsp(f->raw[j - 1]))
			j--;
		f->namelen = j;
		m->nfields++;
	}
	return VOUCH_OK;
}

enum vouch_status
dkim_msg_feed(struct dkim_msg *m, const unsigned char *p, size_t n)
{
	size_t i;
	enum vouch_status st;

	if (m->in_body) {
		m->body_bytes += n;
		if (m->body != NULL && n > 0)
			m->body(m->body_arg, p, n);
		return VOUCH_OK;
	}
	if (m->hdr.data == NULL)
		(void)vbuf_reserve(&m->hdr, n < 4096 ? n : 4096);
	/* Look for an empty line: a line end right at a line start. */
	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (!m->at_line_start && c != '\n') {
			/* inside a line: jump to its end */
			const unsigned char *nl = memchr(p + i, '\n', n - i);

			if (nl == NULL)
				break;
			i = (size_t)(nl - p);
			c = '\n';
		}
		if (c == '\n') {
			if (!m->seen_line_end) {
				m->seen_line_end = 1;
				m->lf_only = !(i > 0 ? p[i - 1] == '\r' :
				    (m->hdr.len > 0 &&
				    m->hdr.data[m->hdr.len - 1] == '\r'));
			}
			if (m->at_line_start) {
				/* p[0..i] ends the header; the empty line is
				 * dropped from both parts. */
				size_t keep = i;

				if (keep > 0 && p[keep - 1] == '\r')
					keep--;
				else if (keep == 0 && m->hdr.len > 0 &&
				    m->hdr.data[m->hdr.len - 1] == '\r')
					m->hdr.len--;
				if ((st = vbuf_add(&m->hdr, p, keep)) != VOUCH_OK)
					return st;
				if ((st = split_fields(m)) != VOUCH_OK)
					return st;
				m->in_body = 1;
				return dkim_msg_feed(m, p + i + 1, n - i - 1);
			}
			m->at_line_start = 1;
		} else if (c == '\r' && m->at_line_start) {
			/* still at the line start: CR LF is an empty line */
		} else {
			m->at_line_start = 0;
		}
	}
	return vbuf_add(&m->hdr, p, n);
}

enum vouch_status
dkim_msg_end(struct dkim_msg *m)
{
	if (m->in_body)
		return VOUCH_OK;
	m->in_body = 1;
	return split_fields(m);
}

int
dkim_field_is(const struct dkim_field *f, const char *name)
{
	size_t n = strlen(name);

	return f->namelen == n && vouch__memcaseeq((const char *)f->raw, name,
	    n);
}

const unsigned char *
dkim_field_value(const struct dkim_field *f, size_t *len)
{
	*len = f->len - f->colon - 1;
	return f->raw + f->colon + 1;
}

/*
 * The addr-spec of From: the text in the last <...>, else the value
 * without comments and whitespace.  Good enough to match sender patterns;
 * RFC 5322 groups and quoted local parts with '<' are rare in From.
 */
char *
dkim_msg_from_addr(const struct dkim_msg *m, const char **why)
{
	const struct dkim_field *from = NULL;
	const unsigned char *v, *lt = NULL, *gt = NULL;
	struct vbuf b;
	size_t i, n;
	int depth = 0, inq = 0;

	for (i = 0; i < m->nfields; i++)
		if (dkim_field_is(&m->fields[i], "from")) {
			if (from != NULL) {
				*why = "several From header fields";
				return NULL;
			}
			from = &m->fields[i];
		}
	if (from == NULL) {
		*why = "no From header field";
		return NULL;
	}
	v = dkim_field_value(from, &n);
	for (i = 0; i < n; i++) {
		if (v[i] == '"' && depth == 0)
			inq = !inq;
		else if (v[i] == '\\' && i + 1 < n)
			i++;
		else if (!inq && v[i] == '(')
			depth++;
		else if (!inq && v[i] == ')' && depth > 0)
			depth--;
		else if (!inq && depth == 0 && v[i] == '<')
			lt = v + i;
		else if (!inq && depth == 0 && v[i] == '>' && lt != NULL)
			gt = v + i;
	}
	vbuf_init(&b, 1024);
	if (lt != NULL && gt != NULL && gt > lt) {
		v = lt + 1;
		n = (size_t)(gt - lt - 1);
	}
	depth = 0;
	for (i = 0; i < n; i++) {
		unsigned char c = v[i];

		if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		else if (depth == 0 && !is_wsp(c) && c != '\r' && c != '\n' &&
		    vbuf_addc(&b, c) != VOUCH_OK)
			break;
	}
	if (b.len == 0 || memchr(b.data, '@', b.len) == NULL) {
		vbuf_clear(&b);
		*why = "From has no address";
		return NULL;
	}
	return vbuf_take(&b, NULL);
}

const char *
dkim_msg_from(struct dkim_msg *m)
{
	const char *why;

	if (!m->from_done && m->in_body) {
		m->from = dkim_msg_from_addr(m, &why);
		m->from_done = 1;
	}
	return m->from;
}

enum vouch_status
vouch_dkim_header_from(const void *data, size_t len, char **from,
    struct vouch_error *err)
{
	struct dkim_msg m;
	enum vouch_status st;
	const char *why = NULL;
	char *addr = NULL;

	dkim_msg_init(&m, NULL, NULL);
	st = dkim_msg_feed(&m, data, len);
	if (st == VOUCH_OK)
		st = dkim_msg_end(&m);
	if (st != VOUCH_OK) {
		dkim_msg_clear(&m);
		return vouch__err(err, st, NULL, -1, "%s", vouch_strerror(st));
	}
	if (m.error != NULL)
		why = m.error;
	else
		addr = dkim_msg_from_addr(&m, &why);
	dkim_msg_clear(&m);
	if (addr == NULL)
		return vouch__err(err, VOUCH_E_SYNTAX, "RFC 5322 3.6", -1,
		    "%s", why);
	*from = addr;
	return VOUCH_OK;
}
