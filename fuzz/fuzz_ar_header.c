/*
 * The header writer (common/hdr.c) under attacker text.  The input gives,
 * NUL-separated, the authserv-id, the SPF sender and problem, and a DKIM
 * signature's d=, s=, b= and reason; the oracle is the RFC 8601 grammar:
 * the written Authentication-Results must be exactly one field (no CR, no
 * line that is not a fold, printable ASCII, lines of at most 998) that
 * parses completely, with exactly the results computed here: dkim=...
 * then spf=... .  A failure aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/vouch.h>
#include "common/hdr.h"
#include "dkim/dkim_int.h"
#include "spf/spf_int.h"
#include "fuzz_common.h"

static void
fail(const char *why, const char *hdr)
{
	fprintf(stderr, "oracle: %s\n%s\n", why, hdr);
	abort();
}

static void
cfws(const char **pp, const char *hdr)
{
	const char *p = *pp;
	int depth = 0;

	for (;;) {
		if (*p == ' ' || *p == '\t')
			p++;
		else if (*p == '(') {
			depth = 1;
			for (p++; depth > 0; p++) {
				if (*p == '\0')
					fail("comment does not end", hdr);
				if (*p == '\\' && p[1] != '\0')
					p++;
				else if (*p == '(')
					depth++;
				else if (*p == ')')
					depth--;
			}
		} else
			break;
	}
	*pp = p;
}

static int
tchar(char c)
{
	return c > ' ' && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* token into out (or skipped); 0 when there is none */
static size_t
token(const char **pp, char *out, size_t n, const char *hdr)
{
	const char *p;
	size_t k = 0;

	cfws(pp, hdr);
	for (p = *pp; tchar(*p); p++)
		if (out != NULL && k + 1 < n)
			out[k++] = *p;
	if (out != NULL)
		out[k] = '\0';
	k = (size_t)(p - *pp);
	*pp = p;
	return k;
}

static void
value(const char **pp, int addr, const char *hdr)
{
	const char *p;

	cfws(pp, hdr);
	p = *pp;
	if (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (*p == '\0')
				fail("quoted-string does not end", hdr);
			if (*p == '\\' && p[1] != '\0')
				p++;
		}
		*pp = p + 1;
		return;
	}
	/* token, or [local-part] "@" domain-name for a pvalue (a
	 * dot-atom local part may hold '?', '=' and '/') */
	while (tchar(*p) || (addr && *p != '\0' && strchr("@?=/", *p)))
		p++;
	if (p == *pp)
		fail("no value", hdr);
	*pp = p;
}

static void
check(const char *hdr, const char *const *want, size_t nwant)
{
	char *u = malloc(strlen(hdr) + 1), *q = u, got[64];
	const char *p, *line = hdr;
	size_t i = 0;

	for (p = hdr; *p; p++) {
		if (*p == '\n') {
			if (p - line > 998)
				fail("line over 998", hdr);
			if (p[1] != ' ' && p[1] != '\t')
				fail("a line that is not a fold", hdr);
			line = p + 1;
			continue;
		}
		if ((unsigned char)*p < 0x20 && *p != '\t')
			fail("control byte", hdr);
		if ((unsigned char)*p >= 0x7f)
			fail("not ASCII", hdr);
		*q++ = *p;
	}
	*q = '\0';
	if (strncmp(u, "Authentication-Results:", 23) != 0)
		fail("not an Authentication-Results field", hdr);
	p = u + 23;
	value(&p, 0, hdr);		/* authserv-id */
	for (;;) {
		cfws(&p, hdr);
		if (*p == '\0')
			break;
		if (*p++ != ';')
			fail("expected ';'", hdr);
		if (token(&p, got, sizeof(got), hdr) == 0)
			fail("no method", hdr);
		if (*p++ != '=')
			fail("expected '=' after the method", hdr);
		strcat(got, "=");
		if (token(&p, got + strlen(got), sizeof(got) - strlen(got), hdr)
		    == 0)
			fail("no result", hdr);
		if (i >= nwant || strcmp(got, want[i]) != 0)
			fail("a result vouch did not compute", hdr);
		i++;
		for (;;) {	/* ptype.property=pvalue */
			cfws(&p, hdr);
			if (*p == ';' || *p == '\0')
				break;
			if (token(&p, NULL, 0, hdr) == 0 || *p++ != '=')
				fail("bad property", hdr);
			value(&p, 1, hdr);
		}
	}
	if (i != nwant)
		fail("a result is missing", hdr);
	free(u);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 8), *f[7], *p, *hdr, want_d[32], want_s[32];
	const char *want[2];
	struct vouch_spf_verdict v;
	struct vouch_dkim_sig g;
	struct vhdr h;
	size_t i;

	memcpy(buf, data, size);
	memset(buf + size, 0, 8);
	for (i = 0, p = buf; i < 7; i++) {
		f[i] = p;
		if (p < buf + size)
			p += strlen(p) + 1;
	}
	memset(&v, 0, sizeof(v));
	memset(&g, 0, sizeof(g));
	v.result = (enum vouch_spf_result)(size % 7);
	v.identity = size % 2 ? VOUCH_SPF_HELO : VOUCH_SPF_MAILFROM;
	v.sender = f[1];
	v.problem = *f[2] ? f[2] : NULL;
	g.result = (enum vouch_dkim_result)(size % 6);
	g.domain = f[3];
	g.selector = f[4];
	g.b = f[5];
	g.reason = f[6];
	g.algorithm = g.auid = "";
	vhdr_init(&h, "Authentication-Results");
	vhdr_prop(&h, NULL, *f[0] ? f[0] : "mx", VHDR_VALUE);
	vhdr_raw(&h, ";");
	vhdr_newline(&h);
	vouch__dkim_ar(&h, &g);
	vhdr_raw(&h, ";");
	vhdr_newline(&h);
	vouch__spf_ar(&h, &v);
	if ((hdr = vhdr_take(&h)) != NULL) {
		snprintf(want_d, sizeof(want_d), "dkim=%s",
		    vouch_dkim_result_name(g.result));
		snprintf(want_s, sizeof(want_s), "spf=%s",
		    vouch_spf_result_name(v.result));
		want[0] = want_d;
		want[1] = want_s;
		check(hdr, want, 2);
		free(hdr);
	}
	free(buf);
	return 0;
}
