/*
 * What DMARC adds to an inbound verdict: a 4 KB message with one
 * rsa-sha256 2048 signature, SPF for the connection and DMARC, every key
 * and record cached (zone data in memory).  Measures, in the same run:
 *   base:  the DKIM verifier plus the SPF verdict, as separate calls;
 *   auth:  vouch_auth_* (DKIM + SPF + DMARC) on the same input.
 * Both check SPF once for the run (the auth context keeps the verdict of
 * the last connection, as a run of messages from one client would), so
 * the difference is DMARC and the composition alone.
 * and prints "case base_us auth_us ratio" (target: ratio <= 1.05).
 * usage: bench_auth [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vouch/vouch.h>
#include "bench_util.h"


static char msg[8192], *signed_msg;
static size_t msglen, signed_len;


static struct vouch_dns *dns;
static struct vouch_dkim_ctx *dctx;
static struct vouch_auth_ctx *actx;
static const struct vouch_auth_conn conn = { "192.0.2.1", "mx.example.com",
    "bounce@example.com", NULL };

static struct vouch_spf_verdict sv;

static void
base_once(void *arg)
{
	struct vouch_dkim_verifier *v;

	(void)arg;
	vouch_dkim_verifier_new(dctx, &v);
	vouch_dkim_verifier_feed(v, signed_msg, signed_len);
	vouch_dkim_verifier_finish(v, NULL);
	if (vouch_dkim_verifier_sig(v, 0)->result != VOUCH_DKIM_PASS)
		abort();
	vouch_dkim_verifier_free(v);
	if (sv.result != VOUCH_SPF_PASS)
		abort();
}

static void
auth_once(void *arg)
{
	struct vouch_auth *a;

	(void)arg;
	vouch_auth_new(actx, &conn, &a);
	vouch_auth_feed(a, signed_msg, signed_len);
	vouch_auth_finish(a, NULL);
	if (vouch_auth_dmarc(a)->result != VOUCH_DMARC_PASS)
		abort();
	vouch_auth_free(a);
}

int
main(int argc, char **argv)
{
	struct vouch_dkim_sign_params p = { 0 };
	struct vouch_dkim_signer *s;
	struct vouch_dkim_key *k;
	char *h, *rec;
	int n = argc > 1 ? atoi(argv[1]) : 300;
	double base, auth;

	msglen = bench_message(msg, sizeof(msg), "someone@example.net",
	    "bench@example.com");
	if (vouch_dkim_key_generate(VOUCH_DKIM_RSA, 2048, &k, NULL) != VOUCH_OK)
		return 1;
	dns = vouch_dns_new();
	rec = vouch_dkim_key_record(k, 0);
	vouch_dns_add_raw(dns, "bench._domainkey.example.com", VOUCH_DNS_TXT,
	    rec, strlen(rec), 3600);
	vouch_dns_add_raw(dns, "example.com", VOUCH_DNS_TXT,
	    "v=spf1 ip4:192.0.2.0/24 -all", 28, 3600);
	vouch_dns_add_raw(dns, "_dmarc.example.com", VOUCH_DNS_TXT,
	    "v=DMARC1; p=reject", 18, 3600);
	vouch_dns_add_raw(dns, "com", VOUCH_DNS_A, "\xc0\x00\x02\x01", 4, 3600);
	free(rec);
	p.domain = "example.com";
	p.selector = "bench";
	p.key = k;
	p.header_canon = p.body_canon = VOUCH_DKIM_RELAXED;
	vouch_dkim_signer_new(&p, 1, &s, NULL);
	vouch_dkim_signer_feed(s, msg, msglen);
	if (vouch_dkim_signer_finish(s, &h, NULL) != VOUCH_OK)
		return 1;
	signed_len = strlen(h) + msglen;
	signed_msg = malloc(signed_len + 1);
	memcpy(signed_msg, h, strlen(h));
	memcpy(signed_msg + strlen(h), msg, msglen);
	vouch_free(h);
	vouch_dkim_signer_free(s);
	dctx = vouch_dkim_ctx_new(dns);
	{
		struct vouch_spf_request r = { 0 };

		r.ip = conn.ip;
		r.helo = conn.helo;
		r.mail_from = conn.mail_from;
		if (vouch_spf_check(dns, &r, &sv, NULL) != VOUCH_OK)
			return 1;
	}
	actx = vouch_auth_ctx_new(dns, "mx.example.net");
	base_once(NULL);
	auth_once(NULL);
	base = time_us(base_once, NULL, n);
	auth = time_us(auth_once, NULL, n);
	printf("%-34s %10.1f %10.1f %8.3f\n", "auth (DKIM+SPF+DMARC) vs DKIM+SPF us",
	    auth, base, auth / base);
	vouch_spf_verdict_clear(&sv);
	vouch_auth_ctx_free(actx);
	vouch_dkim_ctx_free(dctx);
	vouch_dkim_key_free(k);
	vouch_dns_free(dns);
	free(signed_msg);
	return 0;
}
