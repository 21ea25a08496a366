/* Result headers: Received-SPF (RFC 7208 9.1) and the spf method of
 * Authentication-Results (RFC 8601 2.7.2), through the one header
 * writer: the sender, the HELO and anything quoted from the sender's SPF
 * record are outside text. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "spf_int.h"
#include "common/buf.h"
#include "common/hdr.h"
#include "common/json.h"

static const char *
comment(enum vouch_spf_result r)
{
	switch (r) {
	case VOUCH_SPF_PASS: return "designates";
	case VOUCH_SPF_FAIL: return "does not designate";
	case VOUCH_SPF_SOFTFAIL: return "does not designate";
	case VOUCH_SPF_NEUTRAL: return "neither permits nor denies";
	default: return NULL;
	}
}

/* RFC 7208 9.1: key=value; with dot-atom or quoted-string values */
static void
kv(struct vhdr *h, const char *key, const char *val, int last)
{
	vhdr_prop(h, key, val, VHDR_DOTATOM);
	if (!last)
		vhdr_raw(h, ";");
}

char *
vouch_spf_received_spf(const struct vouch_spf_request *req,
    const struct vouch_spf_verdict *v)
{
	struct vhdr h;
	struct vbuf c;
	const char *rcv = req->receiver != NULL ? req->receiver : "unknown";
	const char *what = comment(v->result);

	vhdr_init(&h, "Received-SPF");
	vhdr_word(&h, vouch_spf_result_name(v->result), 1);
	vbuf_init(&c, 4096);
	if (what != NULL)
		h.st = vbuf_printf(&c, "%s: domain of %s %s %s as permitted "
		    "sender", rcv, v->sender ? v->sender : "", what, req->ip);
	else if (v->result == VOUCH_SPF_NONE)
		h.st = vbuf_printf(&c, "%s: no SPF record for %s", rcv,
		    v->domain ? v->domain : "");
	if (c.len > 0)
		vhdr_comment(&h, vbuf_str(&c));
	vbuf_clear(&c);
	kv(&h, "client-ip", req->ip, 0);
	if (req->mail_from != NULL && *req->mail_from)
		kv(&h, "envelope-from", req->mail_from, 0);
	if (req->helo != NULL)
		kv(&h, "helo", req->helo, 0);
	if (v->problem != NULL)
		kv(&h, "problem", v->problem, 0);
	kv(&h, "receiver", rcv, 0);
	kv(&h, "identity", v->identity == VOUCH_SPF_HELO ? "helo" :
	    "mailfrom", v->mechanism == NULL);
	if (v->mechanism != NULL)
		kv(&h, "mechanism", v->mechanism, 1);
	return vhdr_take(&h);
}

void
vouch__spf_ar(struct vhdr *h, const struct vouch_spf_verdict *v)
{
	char m[64];

	snprintf(m, sizeof(m), "spf=%s", vouch_spf_result_name(v->result));
	vhdr_word(h, m, 1);
	if (v->problem != NULL)
		vhdr_comment(h, v->problem);
	vhdr_prop(h, v->identity == VOUCH_SPF_HELO ? "smtp.helo" :
	    "smtp.mailfrom", v->sender ? v->sender : "", VHDR_TOKEN);
}

char *
vouch_spf_ar_method(const struct vouch_spf_verdict *v)
{
	struct vhdr h;

	vhdr_init(&h, NULL);
	vouch__spf_ar(&h, v);
	return vhdr_take(&h);
}

char *
vouch_spf_ar_header(const char *authserv_id,
    const struct vouch_spf_verdict *v)
{
	struct vhdr h;

	vhdr_init(&h, "Authentication-Results");
	vhdr_prop(&h, NULL, authserv_id, VHDR_VALUE);
	vhdr_raw(&h, ";");
	vhdr_newline(&h);
	vouch__spf_ar(&h, v);
	return vhdr_take(&h);
}

char *
vouch_spf_verdict_text(const struct vouch_spf_verdict *v)
{
	struct vbuf b;
	enum vouch_status st;

	vbuf_init(&b, 65536);
	st = vbuf_printf(&b, "%s\n", vouch_spf_result_name(v->result));
	if (st == VOUCH_OK)
		st = vbuf_adds(&b, "identity: ");
	if (st == VOUCH_OK)
		st = vouch__text_esc(&b, v->sender ? v->sender : "");
	if (st == VOUCH_OK)
		st = vbuf_printf(&b, " (%s)\ndomain: ",
		    v->identity == VOUCH_SPF_HELO ? "helo" : "mailfrom");
	if (st == VOUCH_OK)
		st = vouch__text_esc(&b, v->domain ? v->domain : "");
	if (st == VOUCH_OK)
		st = vbuf_adds(&b, "\nmatched: ");
	if (st == VOUCH_OK)
		st = vouch__text_esc(&b, v->mechanism != NULL ? v->mechanism :
		    v->problem != NULL ? "nothing (see problem)" :
		    v->result == VOUCH_SPF_NONE ? "nothing (no SPF record)" :
		    "default (no term matched)");
	if (st == VOUCH_OK)
		st = vbuf_printf(&b, "\nlookups: %u DNS, %u void\n",
		    v->dns_lookups, v->void_lookups);
	if (st == VOUCH_OK && v->explanation != NULL) {
		st = vbuf_adds(&b, "explanation: ");
		if (st == VOUCH_OK)
			st = vouch__text_esc(&b, v->explanation);
		if (st == VOUCH_OK)
			st = vbuf_addc(&b, '\n');
	}
	if (st == VOUCH_OK && v->problem != NULL) {
		st = vbuf_adds(&b, "problem: ");
		if (st == VOUCH_OK)
			st = vouch__text_esc(&b, v->problem);
		if (st == VOUCH_OK)
			st = vbuf_addc(&b, '\n');
	}
	return vbuf_done(&b, st);
}

char *
vouch_spf_verdict_json(const struct vouch_spf_verdict *v)
{
	struct vbuf b;
	enum vouch_status st;

	vbuf_init(&b, 65536);
	st = vbuf_printf(&b, "{\"result\":\"%s\",\"identity\":\"%s\","
	    "\"domain\":", vouch_spf_result_name(v->result),
	    v->identity == VOUCH_SPF_HELO ? "helo" : "mailfrom");
	if (st == VOUCH_OK)
		st = vouch__json_cstr(&b, v->domain);
	if (st == VOUCH_OK)
		st = vbuf_adds(&b, ",\"mechanism\":");
	if (st == VOUCH_OK)
		st = vouch__json_cstr(&b, v->mechanism);
	if (st == VOUCH_OK)
		st = vbuf_adds(&b, ",\"explanation\":");
	if (st == VOUCH_OK)
		st = vouch__json_cstr(&b, v->explanation);
	if (st == VOUCH_OK)
		st = vbuf_printf(&b, ",\"dns_lookups\":%u,\"void_lookups\":%u,"
		    "\"problem\":", v->dns_lookups, v->void_lookups);
	if (st == VOUCH_OK)
		st = vouch__json_cstr(&b, v->problem);
	if (st == VOUCH_OK)
		st = vbuf_addc(&b, '}');
	return vbuf_done(&b, st);
}
