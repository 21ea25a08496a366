/*
 * The inbound verdict written out (include/vouch/auth.h): the
 * Authentication-Results field through the one header writer, JSON and
 * text, all from the verdict auth.c composed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/auth.h>
#include "auth_int.h"
#include "common/hdr.h"
#include "common/json.h"
#include "common/util.h"

static void
dmarc_ar(struct vhdr *h, const struct vouch_dmarc_verdict *d)
{
	char m[64], c[96];

	snprintf(m, sizeof(m), "dmarc=%s", vouch_dmarc_result_name(d->result));
	vhdr_word(h, m, 1);
	if (d->has_policy && (d->result == VOUCH_DMARC_PASS ||
	    d->result == VOUCH_DMARC_FAIL)) {
		snprintf(c, sizeof(c), "p=%s dis=%s",
		    vouch_dmarc_policy_name(d->policy),
		    vouch_dmarc_policy_name(d->disposition));
		vhdr_comment(h, c);
	} else if (d->result != VOUCH_DMARC_NONE) {
		char r[448];

		snprintf(r, sizeof(r), "%s%s%s", d->reason,
		    d->disposition != VOUCH_DMARC_P_NONE ? "; dis=" : "",
		    d->disposition != VOUCH_DMARC_P_NONE ?
		    vouch_dmarc_policy_name(d->disposition) : "");
		vhdr_comment(h, r);
	}
	if (d->from_domain != NULL)
		vhdr_prop(h, "header.from", d->from_domain, VHDR_TOKEN);
	if (d->arc_trusted_instance > 0) {
		/* which ARC set's sealer vouched (RFC 8617 7.2 override) */
		snprintf(c, sizeof(c), "%u", d->arc_trusted_instance);
		vhdr_prop(h, "policy.arc-trusted-instance", c, VHDR_TOKEN);
	}
}

/* arc=... (RFC 8617 8.1, RFC 8601) */
static void
arc_ar(struct vhdr *h, const struct vouch_auth *a)
{
	const struct vouch_arc_verdict *c = vouch__auth_arc(a);
	char m[64];

	snprintf(m, sizeof(m), "arc=%s", vouch_arc_result_name(c->result));
	vhdr_word(h, m, 1);
	vhdr_comment(h, c->reason);
	if (c->result == VOUCH_ARC_PASS && c->oldest_pass > 0) {
		snprintf(m, sizeof(m), "%u", c->oldest_pass);
		vhdr_prop(h, "header.oldest-pass", m, VHDR_TOKEN);
	}
	if (a->ip != NULL)
		vhdr_prop(h, "smtp.remote-ip", a->ip, VHDR_TOKEN);
}

static char *
header(const struct vouch_auth *a, int with_arc);

char *
vouch_auth_header(const struct vouch_auth *a)
{
	return header(a, 0);
}

enum vouch_status
vouch_auth_seal(const struct vouch_auth *a, struct vouch_arc_sealer *s,
    char **headers, struct vouch_error *err)
{
	char *ar = header(a, 1);
	const char *p;
	enum vouch_status st;

	if (ar == NULL)
		return vouch__err(err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	/* the AAR carries this hop's results: our field without its name */
	p = ar + strlen("Authentication-Results:");
	while (*p == ' ')
		p++;
	st = vouch_arc_sealer_finish(s, vouch__auth_arc(a)->result, p, headers, err);
	free(ar);
	return st;
}

static char *
header(const struct vouch_auth *a, int with_arc)
{
	struct vhdr h;
	size_t i, n = vouch_auth_dkim_count(a);

	vhdr_init(&h, "Authentication-Results");
	vhdr_prop(&h, NULL, a->ctx->authserv, VHDR_VALUE);
	if (a->auth_user != NULL) {
		/* RFC 8601 2.7.4 */
		vhdr_raw(&h, ";");
		vhdr_newline(&h);
		vhdr_raw(&h, "auth=pass");
		vhdr_prop(&h, "smtp.auth", a->auth_user, VHDR_TOKEN);
	}
	vhdr_raw(&h, ";");
	vhdr_newline(&h);
	if (n == 0) {
		const char *why = vouch__dkim_verifier_malformed(a->dkim);

		vhdr_raw(&h, "dkim=none");
		vhdr_comment(&h, why != NULL && strncmp(why, "not a message",
		    13) == 0 ? why : "no signature");
	}
	for (i = 0; i < n; i++) {
		if (i > 0) {
			vhdr_raw(&h, ";");
			vhdr_newline(&h);
		}
		vouch__dkim_ar(&h, vouch_auth_dkim_sig(a, i));
	}
	if (a->has_spf) {
		vhdr_raw(&h, ";");
		vhdr_newline(&h);
		vouch__spf_ar(&h, &a->spf);
	}
	vhdr_raw(&h, ";");
	vhdr_newline(&h);
	dmarc_ar(&h, &a->dmarc.pub);
	if (vouch__auth_arc(a)->result != VOUCH_ARC_NONE || with_arc) {
		vhdr_raw(&h, ";");
		vhdr_newline(&h);
		arc_ar(&h, a);
	}
	return vhdr_take(&h);
}

static enum vouch_status
dmarc_json(struct vbuf *b, const struct vouch_dmarc_verdict *d)
{
	enum vouch_status st;

	st = vbuf_printf(b, "{\"result\":\"%s\",\"from_domain\":",
	    vouch_dmarc_result_name(d->result));
	if (st == VOUCH_OK)
		st = vouch__json_cstr(b, d->from_domain);
	if (st == VOUCH_OK)
		st = vbuf_adds(b, ",\"policy_domain\":");
	if (st == VOUCH_OK)
		st = vouch__json_cstr(b, d->policy_domain);
	if (st == VOUCH_OK)
		st = vbuf_adds(b, ",\"org_domain\":");
	if (st == VOUCH_OK)
		st = vouch__json_cstr(b, d->org_domain);
	if (st == VOUCH_OK && d->has_policy)
		st = vbuf_printf(b, ",\"policy\":\"%s\"",
		    vouch_dmarc_policy_name(d->policy));
	else if (st == VOUCH_OK)
		st = vbuf_adds(b, ",\"policy\":null");
	if (st == VOUCH_OK)
		st = vbuf_printf(b, ",\"disposition\":\"%s\"",
		    vouch_dmarc_policy_name(d->disposition));
	if (st == VOUCH_OK && d->arc_trusted_instance > 0)
		st = vbuf_printf(b, ",\"arc_trusted_instance\":%u",
		    d->arc_trusted_instance);
	if (st == VOUCH_OK)
		st = vbuf_printf(b, ",\"testing\":%s,\"arc_override\":%s,"
		    "\"dkim_aligned\":", d->testing ? "true" : "false",
		    d->arc_override ? "true" : "false");
	if (st == VOUCH_OK)
		st = vouch__json_cstr(b, d->dkim_aligned);
	if (st == VOUCH_OK)
		st = vbuf_printf(b, ",\"spf_aligned\":%s,\"reason\":",
		    d->spf_aligned ? "true" : "false");
	if (st == VOUCH_OK)
		st = vouch__json_cstr(b, d->reason);
	if (st == VOUCH_OK)
		st = vbuf_addc(b, '}');
	return st;
}

const char *
vouch_auth_field(const struct vouch_auth *a, const char *name, char *buf,
    size_t size)
{
	const unsigned char *v;
	size_t n = 0, k = 0, j;

	if (vouch__dkim_verifier_field(a->dkim, name, &v, &n) == 0)
		return NULL;
	for (j = 0; j < n && k + 1 < size; j++) {
		unsigned char c = v[j] == '\t' ? ' ' : v[j];

		if (c == '\r' || c == '\n' || (c == ' ' && (k == 0 ||
		    buf[k - 1] == ' ')))
			continue;
		buf[k++] = (char)c;
	}
	while (k > 0 && buf[k - 1] == ' ')
		k--;
	buf[k] = '\0';
	return buf;
}

/* "message_id", "date", "from": which message this is, each whole (a
 * buffer the size of the field), null when absent. */
static enum vouch_status
ident_json(struct vbuf *b, const struct vouch_auth *a)
{
	static const char *f[][2] = { { "message_id", "message-id" },
	    { "date", "date" }, { "from", "from" } };
	size_t i;
	enum vouch_status st = VOUCH_OK;

	for (i = 0; i < 3 && st == VOUCH_OK; i++) {
		const unsigned char *v;
		size_t n = 0;
		char *buf = NULL;

		if (vouch__dkim_verifier_field(a->dkim, f[i][1], &v, &n) != 0 &&
		    (buf = malloc(n + 1)) == NULL)
			return VOUCH_E_NOMEM;
		st = vbuf_printf(b, ",\"%s\":", f[i][0]);
		if (st == VOUCH_OK)
			st = vouch__json_cstr(b, buf == NULL ? NULL :
			    vouch_auth_field(a, f[i][1], buf, n + 1));
		free(buf);
	}
	return st;
}

static enum vouch_status
arc_json(struct vbuf *b, const struct vouch_arc_verdict *c)
{
	enum vouch_status st;
	size_t i;

	st = vbuf_printf(b, "{\"result\":\"%s\",\"reason\":",
	    vouch_arc_result_name(c->result));
	if (st == VOUCH_OK)
		st = vouch__json_cstr(b, c->reason);
	if (st == VOUCH_OK)
		st = vbuf_printf(b, ",\"instances\":%u,\"oldest_pass\":%u,"
		    "\"sets\":[", c->instances, c->oldest_pass);
	for (i = 0; i < c->nsets && st == VOUCH_OK; i++) {
		const struct vouch_arc_set *s = &c->sets[i];

		st = vbuf_printf(b, "%s{\"instance\":%u,\"domain\":", i ? "," :
		    "", s->instance);
		if (st == VOUCH_OK)
			st = vouch__json_cstr(b, s->domain);
		if (st == VOUCH_OK)
			st = vbuf_adds(b, ",\"selector\":");
		if (st == VOUCH_OK)
			st = vouch__json_cstr(b, s->selector);
		if (st == VOUCH_OK)
			st = vbuf_printf(b, ",\"seal_result\":\"%s\","
			    "\"ams_result\":\"%s\",\"aar\":",
			    vouch_dkim_result_name(s->seal_result),
			    vouch_dkim_result_name(s->ams_result));
		if (st == VOUCH_OK)
			st = vouch__json_cstr(b, s->aar);
		if (st == VOUCH_OK)
			st = vbuf_addc(b, '}');
	}
	if (st == VOUCH_OK)
		st = vbuf_adds(b, "]}");
	return st;
}

char *
vouch_auth_json(const struct vouch_auth *a, const char *source, long index)
{
	struct vbuf b;
	enum vouch_status st = VOUCH_OK;
	size_t i, n = vouch_auth_dkim_count(a);

	vbuf_init(&b, 1 << 22);
	st = vbuf_addc(&b, '{');
	if (st == VOUCH_OK && source != NULL) {
		st = vbuf_adds(&b, "\"source\":");
		if (st == VOUCH_OK)
			st = vouch__json_cstr(&b, source);
		if (st == VOUCH_OK)
			st = vbuf_printf(&b, ",\"index\":%ld,", index);
	}
	if (st == VOUCH_OK)
		st = vbuf_adds(&b, "\"dkim\":[");
	for (i = 0; i < n && st == VOUCH_OK; i++) {
		char *j = vouch_dkim_sig_json(vouch_auth_dkim_sig(a, i));

		st = j == NULL ? VOUCH_E_NOMEM : vbuf_printf(&b, "%s%s",
		    i ? "," : "", j);
		vouch_free(j);
	}
	if (st == VOUCH_OK)
		st = vbuf_adds(&b, "],\"spf\":");
	if (st == VOUCH_OK && a->has_spf) {
		char *j = vouch_spf_verdict_json(&a->spf);

		st = j == NULL ? VOUCH_E_NOMEM : vbuf_adds(&b, j);
		vouch_free(j);
	} else if (st == VOUCH_OK)
		st = vbuf_adds(&b, "null");
	if (st == VOUCH_OK)
		st = vbuf_adds(&b, ",\"dmarc\":");
	if (st == VOUCH_OK)
		st = dmarc_json(&b, &a->dmarc.pub);
	if (st == VOUCH_OK)
		st = vbuf_adds(&b, ",\"arc\":");
	if (st == VOUCH_OK)
		st = arc_json(&b, vouch__auth_arc(a));
	if (st == VOUCH_OK)
		st = ident_json(&b, a);
	if (st == VOUCH_OK)
		st = vbuf_addc(&b, '}');
	return vbuf_done(&b, st);
}

/* "[message-id="..." date="..." from="..."]", escaped, after lead; nothing
 * when the message has none of the three. */
static enum vouch_status
ident_text(struct vbuf *b, const struct vouch_auth *a, const char *lead)
{
	static const char *f[] = { "message-id", "date", "from" };
	char buf[512];
	size_t k;
	int first = 1;
	enum vouch_status st = VOUCH_OK;

	for (k = 0; k < 3 && st == VOUCH_OK; k++) {
		const char *v = vouch_auth_field(a, f[k], buf, sizeof(buf));

		if (v == NULL)
			continue;
		st = vbuf_printf(b, "%s%s=\"", first ? lead : " ", f[k]);
		if (first && st == VOUCH_OK) {
			/* the bracket opens before the first name */
			size_t at = b->len - strlen(f[k]) - 2;

			st = vbuf_addc(b, ' ');
			if (st == VOUCH_OK) {
				memmove(b->data + at + 1, b->data + at,
				    b->len - 1 - at);
				b->data[at] = '[';
			}
		}
		if (st == VOUCH_OK)
			st = vouch__text_esc(b, v);
		if (st == VOUCH_OK)
			st = vbuf_addc(b, '"');
		first = 0;
	}
	if (st == VOUCH_OK && !first)
		st = vbuf_addc(b, ']');
	return st;
}

char *
vouch_auth_ident(const struct vouch_auth *a)
{
	struct vbuf b;

	vbuf_init(&b, 4096);
	return vbuf_done(&b, ident_text(&b, a, ""));
}

/* text: outside strings through vouch__text_esc */
#define ESC(s) do { if (st == VOUCH_OK) st = vouch__text_esc(&b, (s)); } while (0)
#define PUT(...) do { if (st == VOUCH_OK) st = vbuf_printf(&b, __VA_ARGS__); } while (0)

char *
vouch_auth_text(const struct vouch_auth *a, const char *source)
{
	struct vbuf b;
	enum vouch_status st = VOUCH_OK;
	const struct vouch_dmarc_verdict *d = &a->dmarc.pub;
	size_t i, n = vouch_auth_dkim_count(a);

	vbuf_init(&b, 1 << 22);
	if (source != NULL) {
		ESC(source);
		PUT(":");
	}
	if (n == 0) {
		const char *why = vouch__dkim_verifier_malformed(a->dkim);

		PUT(" dkim=none (%s)", why != NULL && strncmp(why,
		    "not a message", 13) == 0 ? why : "no signature");
	}
	for (i = 0; i < n; i++) {
		const struct vouch_dkim_sig *g = vouch_auth_dkim_sig(a, i);

		PUT("%s dkim=%s d=", i ? ";" : "",
		    vouch_dkim_result_name(g->result));
		ESC(g->domain);
		PUT(" s=");
		ESC(g->selector);
		PUT(" a=");
		ESC(g->algorithm);
		PUT(" (");
		ESC(g->reason);
		PUT(")");
	}
	if (a->has_spf) {
		PUT("; spf=%s %s=", vouch_spf_result_name(a->spf.result),
		    a->spf.identity == VOUCH_SPF_HELO ? "helo" : "mailfrom");
		ESC(a->spf.sender ? a->spf.sender : "");
	}
	PUT("; dmarc=%s", vouch_dmarc_result_name(d->result));
	if (d->from_domain != NULL) {
		PUT(" from=");
		ESC(d->from_domain);
	}
	if (d->has_policy)
		PUT(" p=%s dis=%s", vouch_dmarc_policy_name(d->policy),
		    vouch_dmarc_policy_name(d->disposition));
	PUT(" (");
	ESC(d->reason);
	PUT(")");
	if (vouch__auth_arc(a)->result != VOUCH_ARC_NONE) {
		PUT("; arc=%s (", vouch_arc_result_name(vouch__auth_arc(a)->result));
		ESC(vouch__auth_arc(a)->reason);
		PUT(")");
	}
	if (st == VOUCH_OK)
		st = ident_text(&b, a, " ");
	return vbuf_done(&b, st);
}
