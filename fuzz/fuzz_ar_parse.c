/*
 * The RFC 8601 reader (vouch_ar_parse) under attacker text: the payload of
 * an A-R or an AAR.  Oracle: a payload that parses gives lower-case
 * keyword methods, results, ptypes and properties; the authserv-id alone
 * (vouch_ar_authserv_id) is the one the whole parse gives; and a result
 * read from the text is really there, outside any comment or quoted
 * value: writing the parsed results back as plain text and parsing that
 * gives the same results.  And the escaping writer (vouch__ar_write, what
 * vouch seal --from-ar puts in an AAR) always writes a payload that parses
 * to the same results: the same methods, results and properties, and the
 * same values where they are printable ASCII it keeps whole.  A failure
 * aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/vouch.h>
#include "common/buf.h"
#include "common/ar.h"
#include "common/hdr.h"
#include "fuzz_common.h"

static void
fail(const char *why, const uint8_t *d, size_t n)
{
	fprintf(stderr, "oracle: %s\n%.*s\n", why, (int)n, (const char *)d);
	abort();
}

static int
keyword(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '-' || *s == '_'))
			return 0;
	return 1;
}

/* a value written back: quoted, '"' and '\' escaped */
static void
put_quoted(struct vbuf *b, const char *s)
{
	vbuf_addc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			vbuf_addc(b, '\\');
		vbuf_addc(b, (unsigned char)*s);
	}
	vbuf_addc(b, '"');
}

/* a value the writer keeps as it is: printable ASCII, not cut */
static int
kept(const char *v)
{
	if (strlen(v) > VHDR_MAX_VALUE / 2)
		return 0;
	for (; *v != '\0'; v++)
		if (*v < 0x20 || *v > 0x7e)
			return 0;
	return 1;
}

static int
same_as_written(const struct vouch_ar *a, const struct vouch_ar *b)
{
	size_t i, k;

	if (a->nres != b->nres || (kept(a->authserv_id) &&
	    strcmp(a->authserv_id, b->authserv_id) != 0))
		return 0;
	for (i = 0; i < a->nres; i++) {
		const struct vouch_ar_res *x = &a->res[i], *y = &b->res[i];

		if (strcmp(x->method, y->method) != 0 ||
		    strcmp(x->result, y->result) != 0 ||
		    (x->reason == NULL) != (y->reason == NULL) ||
		    x->nprops != y->nprops)
			return 0;
		for (k = 0; k < x->nprops; k++)
			if (strcmp(x->props[k].ptype, y->props[k].ptype) != 0 ||
			    strcmp(x->props[k].property,
			    y->props[k].property) != 0 ||
			    (kept(x->props[k].value) && strcmp(x->props[k].value,
			    y->props[k].value) != 0))
				return 0;
	}
	return 1;
}

static void
writer_check(const struct vouch_ar *ar, const uint8_t *d, size_t n)
{
	struct vouch_ar back;
	struct vhdr h;
	char *text;

	vhdr_init(&h, NULL);
	if (vouch__ar_write(&h, ar) != VOUCH_OK ||
	    (text = vhdr_take(&h)) == NULL) {
		vhdr_clear(&h);
		return;		/* out of memory, or over the writer's bound */
	}
	vhdr_clear(&h);
	if (vouch_ar_parse(text, strlen(text), &back, NULL) != VOUCH_OK)
		fail("what the escaping writer wrote does not parse", d, n);
	if (!same_as_written(ar, &back))
		fail("what the escaping writer wrote reads differently", d, n);
	vouch_ar_clear(&back);
	free(text);
}

static int
same(const struct vouch_ar *a, const struct vouch_ar *b)
{
	size_t i, k;

	if (strcmp(a->authserv_id, b->authserv_id) != 0 || a->nres != b->nres)
		return 0;
	for (i = 0; i < a->nres; i++) {
		const struct vouch_ar_res *x = &a->res[i], *y = &b->res[i];

		if (strcmp(x->method, y->method) != 0 ||
		    strcmp(x->result, y->result) != 0 ||
		    (x->reason == NULL) != (y->reason == NULL) ||
		    (x->reason != NULL && strcmp(x->reason, y->reason) != 0) ||
		    x->nprops != y->nprops)
			return 0;
		for (k = 0; k < x->nprops; k++)
			if (strcmp(x->props[k].ptype, y->props[k].ptype) != 0 ||
			    strcmp(x->props[k].property,
			    y->props[k].property) != 0 ||
			    strcmp(x->props[k].value, y->props[k].value) != 0)
				return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vouch_ar ar, back;
	struct vbuf b;
	char *id = NULL;
	size_t i, k;

	if (vouch_ar_parse((const char *)data, size, &ar, NULL) != VOUCH_OK)
		return 0;
	if (vouch_ar_authserv_id((const char *)data, size, &id) != VOUCH_OK ||
	    strcmp(id, ar.authserv_id) != 0)
		fail("authserv-id alone differs", data, size);
	vouch_free(id);
	vbuf_init(&b, 1u << 24);
	put_quoted(&b, ar.authserv_id);
	if (ar.nres == 0)
		vbuf_adds(&b, "; none");
	for (i = 0; i < ar.nres; i++) {
		const struct vouch_ar_res *r = &ar.res[i];

		if (!keyword(r->method) || !keyword(r->result))
			fail("method or result is no keyword", data, size);
		vbuf_printf(&b, "; %s=%s", r->method, r->result);
		if (r->reason != NULL) {
			vbuf_adds(&b, " reason=");
			put_quoted(&b, r->reason);
		}
		for (k = 0; k < r->nprops; k++) {
			if (!keyword(r->props[k].ptype) ||
			    !keyword(r->props[k].property))
				fail("ptype or property is no keyword", data,
				    size);
			vbuf_printf(&b, " %s.%s=", r->props[k].ptype,
			    r->props[k].property);
			put_quoted(&b, r->props[k].value);
		}
	}
	if (vouch_ar_parse(vbuf_str(&b), b.len, &back, NULL) != VOUCH_OK)
		fail("the results written back do not parse", data, size);
	if (!same(&ar, &back))
		fail("the results written back differ", data, size);
	writer_check(&ar, data, size);
	vouch_ar_clear(&back);
	vouch_ar_clear(&ar);
	vbuf_clear(&b);
	return 0;
}
