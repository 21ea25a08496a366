/* The lint run: its findings, the records it checked, the summary. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint_int.h"
#include "common/util.h"

struct vouch_lint *
vouch_lint_new(struct vouch_dns *dns)
{
	struct vouch_lint *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->dns = dns;
	vbuf_init(&l->tree, 1 << 20);
	vbuf_init(&l->checked, 1 << 20);
	return l;
}

void
lint_checked(struct vouch_lint *l, const char *kind, const char *name,
    size_t namelen)
{
	if (l->checked.len > 0)
		(void)vbuf_adds(&l->checked, ", ");
	(void)vbuf_printf(&l->checked, "%s%s%.*s", kind, namelen ? " " : "",
	    (int)namelen, name);
	(void)vbuf_str(&l->checked);	/* keep it NUL terminated */
	l->nchecked++;
}

const char *
vouch_lint_checked(const struct vouch_lint *l, size_t *n)
{
	*n = l->nchecked;
	return l->checked.data != NULL ? (const char *)l->checked.data : "";
}

void
vouch_lint_free(struct vouch_lint *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->f[i].name);
		free(l->f[i].message);
		free(l->f[i].record);
	}
	free(l->f);
	vbuf_clear(&l->checked);
	vbuf_clear(&l->tree);
	free(l);
}

void
lint_record_begin(struct vouch_lint *l, const char *txt, size_t len,
    const char **prev, size_t *prevlen)
{
	*prev = l->cur;
	*prevlen = l->curlen;
	l->cur = txt;
	l->curlen = len;
}

void
lint_record_end(struct vouch_lint *l, const char *prev, size_t prevlen)
{
	l->cur = prev;
	l->curlen = prevlen;
}

/* The record a finding quotes: at most 400 bytes, control bytes and
 * non-ASCII as \xNN (it came from DNS or a zone file). */
static char *
quote_record(const char *p, size_t n)
{
	struct vbuf b;
	size_t i;

	if (p == NULL)
		return NULL;
	vbuf_init(&b, 4096);
	for (i = 0; i < n && i < 400; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c >= 0x7f || c == '\\')
			vbuf_printf(&b, "\\x%02x", c);
		else
			vbuf_addc(&b, c);
	}
	if (n > 400)
		vbuf_adds(&b, "...");
	return vbuf_take(&b, NULL);
}

void
lint_add(struct vouch_lint *l, enum vouch_lint_severity sev, const char *rule,
    const char *name, const char *spec, long offset, const char *fmt, ...)
{
	struct finding *f;
	va_list ap;
	char msg[1024];
	size_t i;

	if (l->n >= VOUCH_LINT_MAX_FINDINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* one finding per rule, name and message: no repeats */
	for (i = 0; i < l->n; i++)
		if (strcmp(l->f[i].pub.rule, rule) == 0 &&
		    strcmp(l->f[i].name, name) == 0 &&
		    strcmp(l->f[i].message, msg) == 0)
			return;
	if (l->n == l->size) {
		size_t ns = l->size ? l->size * 2 : 16;

		if ((f = realloc(l->f, ns * sizeof(*f))) == NULL)
			return;
		l->f = f;
		l->size = ns;
	}
	f = &l->f[l->n];
	if ((f->name = strdup(name)) == NULL ||
	    (f->message = strdup(msg)) == NULL) {
		free(f->name);
		return;
	}
	f->record = quote_record(l->cur, l->curlen);
	f->pub.record = f->record;
	f->pub.severity = sev;
	f->pub.rule = rule;
	f->pub.name = f->name;
	f->pub.message = f->message;
	f->pub.spec = spec;
	f->pub.offset = offset;
	l->n++;
}

size_t
vouch_lint_count(const struct vouch_lint *l)
{
	return l->n;
}

const struct vouch_lint_finding *
vouch_lint_get(const struct vouch_lint *l, size_t i)
{
	return i < l->n ? &l->f[i].pub : NULL;
}

void
vouch_lint_summary(const struct vouch_lint *l, size_t *errors,
    size_t *warnings, size_t *infos)
{
	size_t i;

	*errors = *warnings = *infos = 0;
	for (i = 0; i < l->n; i++)
		switch (l->f[i].pub.severity) {
		case VOUCH_LINT_ERROR: (*errors)++; break;
		case VOUCH_LINT_WARNING: (*warnings)++; break;
		default: (*infos)++; break;
		}
}

int
vouch_lint_spf_counts(const struct vouch_lint *l, unsigned int *lookups,
    unsigned int *voids)
{
	*lookups = l->spf_lookups;
	*voids = l->spf_voids;
	return l->have_spf;
}

const char *
vouch_lint_spf_tree(const struct vouch_lint *l)
{
	return l->tree.data != NULL ? (const char *)l->tree.data : "";
}

int
vouch_lint_tempfail(const struct vouch_lint *l)
{
	return l->temp;
}

const char *
vouch_lint_severity_name(enum vouch_lint_severity s)
{
	return s == VOUCH_LINT_ERROR ? "error" : s == VOUCH_LINT_WARNING ?
	    "warning" : "info";
}

void
lint_string_lengths(struct vouch_lint *l, const char *rule, const char *name,
    size_t len, size_t longest, int given)
{
	if (given && len > VOUCH_TXT_STRING_MAX)
		lint_add(l, VOUCH_LINT_WARNING, rule, name, "RFC 1035 3.3", -1,
		    "%zu bytes: publish it as several strings of at most 255 "
		    "bytes each", len);
	else if (!given && longest > VOUCH_TXT_STRING_MAX)
		lint_add(l, VOUCH_LINT_ERROR, rule, name, "RFC 1035 3.3", -1,
		    "a string of %zu bytes; at most 255 fit", longest);
}
