/*
 * Message parsing shared by signer and verifier: the header section is
 * kept (bounded), split into fields, and the body is streamed to a
 * callback so a message of any size costs constant memory.  Input may end
 * lines with CRLF or bare LF.
 */
#include "config.h"

#include <stdbool.h>
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
	free(m->index);
	free(m->prev_same);
	m->index = NULL;
	m->prev_same = NULL;
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

/* The end of the field starting at i: its line and every following line
 * that starts with WSP. */
static size_t
field_end(const unsigned char *p, size_t n, size_t i)
{
	for (;;) {
		const unsigned char *nl = memchr(p + i, '\n', n - i);

		i = nl != NULL ? (size_t)(nl - p) + 1 : n;
		if (i >= n || !is_wsp(p[i]))
			return i;
	}
}

/* Finds the field name and colon of f; false (with m->error set) when the
 * line is not a header field. */
static bool
field_name(struct dkim_msg *m, struct dkim_field *f, bool first_line)
{
	size_t j;

	/* field-name = 1*ftext, ftext = %d33-57 / %d59-126
	 * (RFC 5322 3.6.8); WSP before the colon is obs-syntax */
	for (j = 0; j < f->len && f->raw[j] >= 33 && f->raw[j] <= 126 &&
	    f->raw[j] != ':'; j++)
		;
	while (j > 0 && j < f->len && (f->raw[j] == ' ' || f->raw[j] == '\t'))
		j++;
	if (j == f->len || f->raw[j] != ':' || j == 0) {
		if (m->nfields == 0 && first_line && f->len >= 5 &&
		    memcmp(f->raw, "From ", 5) == 0)
			m->error = "not a message: it starts with an mbox "
			    "'From ' line (give the message alone)";
		else if (m->nfields == 0)
			m->error = "not a message: it does not start with "
			    "header fields";
		else
			m->error = "header line without a colon";
		return false;
	}
	f->colon = j;
	while (j > 0 && is_wsp(f->raw[j - 1]))
		j--;
	f->namelen = j;
	return true;
}

/* Split the header section into fields (RFC 5322 2.2). */
static enum vouch_status
split_fields(struct dkim_msg *m)
{
	const unsigned char *p = m->hdr.data;
	size_t n = m->hdr.len, i = 0, size = 0;

	while (i < n) {
		size_t start = i;
		struct dkim_field *f;

		i = field_end(p, n, i);
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
		if (field_name(m, f, start == 0))
			m->nfields++;
	}
	return VOUCH_OK;
}

/* Sticky: the signer refuses the message, the verifier reports it. */
static void
header_too_large(struct dkim_msg *m)
{
	m->too_large = 1;
	if (m->error == NULL)
		m->error = "header too large (over 16 MB)";
}

/* p[0..i] ends the header section: the empty line at p[i] is dropped from
 * both parts and the header is split into fields. */
static enum vouch_status
end_header(struct dkim_msg *m, const unsigned char *p, size_t i)
{
	size_t keep = i;
	enum vouch_status st;

	if (keep > 0 && p[keep - 1] == '\r')
		keep--;
	else if (keep == 0 && m->hdr.len > 0 &&
	    m->hdr.data[m->hdr.len - 1] == '\r')
		m->hdr.len--;
	if ((st = vbuf_add(&m->hdr, p, keep)) != VOUCH_OK) {
		if (st == VOUCH_E_LIMIT)
			header_too_large(m);
		return st;
	}
	if ((st = split_fields(m)) != VOUCH_OK)
		return st;
	m->in_body = 1;
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
				if ((st = end_header(m, p, i)) != VOUCH_OK)
					return st;
				return dkim_msg_feed(m, p + i + 1, n - i - 1);
			}
			m->at_line_start = 1;
		} else if (c == '\r' && m->at_line_start) {
			/* still at the line start: CR LF is an empty line */
		} else {
			m->at_line_start = 0;
		}
	}
	st = vbuf_add(&m->hdr, p, n);
	if (st == VOUCH_E_LIMIT)
		header_too_large(m);
	return st;
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
	return dkim_msg_addr(m, "from", why);
}

/* The addr-spec of the one field called name ("from", "sender"), as
 * dkim_msg_from_addr() reads From. */
char *
dkim_msg_addr(const struct dkim_msg *m, const char *name, const char **why)
{
	const struct dkim_field *from = NULL;
	int is_from = strcmp(name, "from") == 0;
	const unsigned char *v, *lt = NULL, *gt = NULL;
	struct vbuf b;
	size_t i, n;
	int depth = 0, inq = 0;

	for (i = 0; i < m->nfields; i++)
		if (dkim_field_is(&m->fields[i], name)) {
			if (from != NULL) {
				*why = is_from ? "several From header fields" :
				    "several such header fields";
				return NULL;
			}
			from = &m->fields[i];
		}
	if (from == NULL)
		return (*why = is_from ? "no From header field" :
		    "no such header field"), NULL;
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
		*why = is_from ? "From has no address" : "the field has no address";
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
vouch_dkim_header_addr(const void *data, size_t len, const char *name,
    char **addr, struct vouch_error *err)
{
	struct dkim_msg m;
	enum vouch_status st;
	const char *why = NULL;
	char *a = NULL, *lname;
	size_t i;

	if (name == NULL || (lname = strdup(name)) == NULL)
		return vouch__err(err, name == NULL ? VOUCH_E_INVAL :
		    VOUCH_E_NOMEM, NULL, -1, "no field name");
	for (i = 0; lname[i] != '\0'; i++)
		if (lname[i] >= 'A' && lname[i] <= 'Z')
			lname[i] = (char)(lname[i] + 32);
	dkim_msg_init(&m, NULL, NULL);
	st = dkim_msg_feed(&m, data, len);
	if (st == VOUCH_OK)
		st = dkim_msg_end(&m);
	if (st != VOUCH_OK) {
		dkim_msg_clear(&m);
		free(lname);
		return vouch__err(err, st, NULL, -1, "%s", vouch_strerror(st));
	}
	if (m.error != NULL)
		why = m.error;
	else
		a = dkim_msg_addr(&m, lname, &why);
	dkim_msg_clear(&m);
	if (a == NULL) {
		st = vouch__err(err, VOUCH_E_SYNTAX, "RFC 5322 3.6", -1,
		    "%s%s%s", strcmp(lname, "from") == 0 ? "" : name,
		    strcmp(lname, "from") == 0 ? "" : ": ", why);
		free(lname);
		return st;
	}
	free(lname);
	*addr = a;
	return VOUCH_OK;
}

enum vouch_status
vouch_dkim_header_from(const void *data, size_t len, char **from,
    struct vouch_error *err)
{
	return vouch_dkim_header_addr(data, len, "from", from, err);
}

/* ---- the field index (h= lists in linear time) ---------------------------- */

static uint64_t
name_hash(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)(p[i] | 0x20)) * 1099511628211ULL;
	return h;
}

static struct dkim_name_slot *
slot_find(const struct dkim_msg *m, const unsigned char *name, size_t n)
{
	size_t mask = m->index_size - 1, i = (size_t)name_hash(name, n) & mask;

	for (;; i = (i + 1) & mask) {
		struct dkim_name_slot *s = &m->index[i];

		if (s->name == NULL || (s->len == n &&
		    vouch__memcaseeq((const char *)s->name, (const char *)name,
		    n)))
			return s;
	}
}

static enum vouch_status
index_build(struct dkim_msg *m)
{
	size_t size = 16, i;

	while (size < 2 * m->nfields + 2)
		size *= 2;
	m->index = calloc(size, sizeof(*m->index));
	m->prev_same = malloc((m->nfields + 1) * sizeof(*m->prev_same));
	if (m->index == NULL || m->prev_same == NULL) {
		free(m->index);
		free(m->prev_same);
		m->index = NULL;
		m->prev_same = NULL;
		return VOUCH_E_NOMEM;
	}
	m->index_size = size;
	for (i = 0; i < m->nfields; i++) {
		const struct dkim_field *f = &m->fields[i];
		struct dkim_name_slot *s = slot_find(m, f->raw, f->namelen);

		if (s->name == NULL) {
			s->name = f->raw;
			s->len = f->namelen;
			m->prev_same[i] = DKIM_NONE;
		} else {
			m->prev_same[i] = s->last;
		}
		s->last = (uint32_t)i;
	}
	return VOUCH_OK;
}

/* For a repeated name the last unused instance goes first. */
enum vouch_status
dkim_hash_headers(struct dkim_msg *m, const char *h, size_t hlen,
    enum vouch_dkim_canon c, struct vbuf *out)
{
	enum vouch_status st = VOUCH_OK;
	const char *name;
	size_t pos = 0, nl;

	if (m->index == NULL && (st = index_build(m)) != VOUCH_OK)
		return st;
	m->gen++;
	while (st == VOUCH_OK && dkim_list_next(h, hlen, ':', &pos, &name, &nl)) {
		struct dkim_name_slot *s;

		if (++m->h_work > VOUCH_DKIM_MAX_H_WORK)
			return VOUCH_E_LIMIT;
		s = slot_find(m, (const unsigned char *)name, nl);
		if (s->name == NULL)
			continue;	/* absent: nothing (RFC 6376 5.4.2) */
		if (s->gen != m->gen) {
			s->gen = m->gen;
			s->next = s->last;
		}
		if (s->next == DKIM_NONE)
			continue;	/* every instance used already */
		st = dkim_canon_header(out, m->fields[s->next].raw,
		    m->fields[s->next].len, c, 0);
		s->next = m->prev_same[s->next];
	}
	return st;
}

/* sig-i-tag = [ Local-part ] "@" domain-name (RFC 6376 3.5) */
int
dkim_auid_in_domain(const char *auid, const char *d, int strict)
{
	const char *p = auid, *at;
	size_t n, dl = strlen(d);

	if (*p == '"') {	/* quoted-string local part */
		for (p++; *p != '\0' && *p != '"'; p++)
			if (*p == '\\' && p[1] != '\0')
				p++;
		if (*p++ != '"' || *p != '@')
			return 0;
	} else {
		while (*p != '\0' && *p != '@')
			p++;
	}
	at = p;
	if (*at != '@' || strchr(at + 1, '@') != NULL)
		return 0;
	n = strlen(at + 1);
	if (n == dl)
		return vouch__memcaseeq(at + 1, d, dl);
	return !strict && n > dl && at[n - dl] == '.' &&
	    vouch__memcaseeq(at + 1 + n - dl, d, dl);
}
