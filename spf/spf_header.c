/* Result headers: Received-SPF (RFC 7208 9.1) and the spf method of
 * Authentication-Results (RFC 8601 2.7.2). */
#include "config.h"

#include <string.h>

#include "spf_int.h"
#include "common/buf.h"
#include "common/json.h"

/* RFC 5322 dot-atom text, else a quoted-string. */
static enum vouch_status
kv(struct vbuf *b, const char *key, const char *val)
{
	const char *p;
	int atom = *val != '\0';
	enum vouch_status st;

	for (p = val; *p != '\0' && atom; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("!#$%&'*+-/=?^_`{|}~.:",
		    *p) != NULL))
			atom = 0;
	if ((st = vbuf_printf(b, " %s=", key)) != VOUCH_OK)
		return st;
	if (atom)
		st = vbuf_adds(b, val);
	else {
		st = vbuf_addc(b, '"');
		for (p = val; *p != '\0' && st == VOUCH_OK; p++) {
			unsigned char c = (unsigned char)*p;

			if (c == '"' || c == '\\')
				st = vbuf_addc(b, '\\');
			if (st == VOUCH_OK)
				st = vbuf_addc(b, c >= 0x20 && c < 0x7f ? c : '?');
		}
		if (st == VOUCH_OK)
			st = vbuf_addc(b, '"');
	}
	if (st == VOUCH_OK)
		st = vbuf_addc(b, ';');
	return st;
}

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

char *
vouch_spf_received_spf(const struct vouch_spf_request *req,
    const struct vouch_spf_verdict *v)
{
	struct vbuf b;
	const char *rcv = req->receiver != NULL ? req->receiver : "unknown";
	const char *what = comment(v->result);
	enum vouch_status st;

	vbuf_init(&b, 8192);
	st = vbuf_printf(&b, "Received-SPF: %s", vouch_spf_result_name(v->result));
	if (st == VOUCH_OK && what != NULL)
		st = vbuf_printf(&b, " (%s: domain of %s %s %s as permitted "
		    "sender)", rcv, v->sender ? v->sender : "", what,
		    req->ip);
	else if (st == VOUCH_OK && v->result == VOUCH_SPF_NONE)
		st = vbuf_printf(&b, " (%s: no SPF record for %s)", rcv,
		    v->domain ? v->domain : "");
	if (st == VOUCH_OK)
		st = kv(&b, "client-ip", req->ip);
	if (st == VOUCH_OK && req->mail_from != NULL && *req->mail_from)
		st = kv(&b, "envelope-from", req->mail_from);
	if (st == VOUCH_OK && req->helo != NULL)
		st = kv(&b, "helo", req->helo);
	if (st == VOUCH_OK && v->problem != NULL)
		st = kv(&b, "problem", v->problem);
	if (st == VOUCH_OK)
		st = kv(&b, "receiver", rcv);
	if (st == VOUCH_OK)
		st = kv(&b, "identity", v->identity == VOUCH_SPF_HELO ?
		    "helo" : "mailfrom");
	if (st == VOUCH_OK && v->mechanism != NULL)
		st = kv(&b, "mechanism", v->mechanism);
	if (st != VOUCH_OK) {
		vbuf_clear(&b);
		return NULL;
	}
	if (b.len > 0 && b.data[b.len - 1] == ';')
		b.data[--b.len] = '\0';
	return vbuf_take(&b, NULL);
}

char *
vouch_spf_ar_method(const struct vouch_spf_verdict *v)
{
	struct vbuf b;
	enum vouch_status st;

	vbuf_init(&b, 4096);
	st = vbuf_printf(&b, "spf=%s", vouch_spf_result_name(v->result));
	if (st == VOUCH_OK && v->problem != NULL)
		st = vbuf_printf(&b, " (%s)", v->problem);
	if (st == VOUCH_OK)
		st = vbuf_printf(&b, " smtp.%s=%s", v->identity == VOUCH_SPF_HELO ?
		    "helo" : "mailfrom", v->sender ? v->sender : "");
	if (st != VOUCH_OK) {
		vbuf_clear(&b);
		return NULL;
	}
	return vbuf_take(&b, NULL);
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
	if (st != VOUCH_OK) {
		vbuf_clear(&b);
		return NULL;
	}
	return vbuf_take(&b, NULL);
}
