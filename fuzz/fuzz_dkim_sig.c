/*
 * DKIM-Signature tag lists: the input is the value of a DKIM-Signature
 * field on a fixed message; the key for d=fuzz.example s=k is published.
 */
#include <stdlib.h>
#include <string.h>

#include <vouch/vouch.h>
#include "fuzz_common.h"

static const char key_rec[] = "v=DKIM1; k=ed25519; "
    "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
static const char rest[] = "\r\nFrom: a@fuzz.example\r\nTo: b@example.net\r\n"
    "Subject: fuzz\r\n\r\nbody\r\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vouch_dns *d = vouch_dns_new();
	struct vouch_dkim_ctx *ctx = vouch_dkim_ctx_new(d);
	struct vouch_dkim_verifier *v;
	size_t i;

	vouch_dns_add_raw(d, "k._domainkey.fuzz.example", VOUCH_DNS_TXT,
	    key_rec, strlen(key_rec), 60);
	vouch_dkim_ctx_set_time(ctx, 1790000000);
	if (vouch_dkim_verifier_new(ctx, &v) == VOUCH_OK) {
		vouch_dkim_verifier_feed(v, "DKIM-Signature:", 15);
		vouch_dkim_verifier_feed(v, data, size);
		vouch_dkim_verifier_feed(v, rest, strlen(rest));
		vouch_dkim_verifier_finish(v, NULL);
		for (i = 0; i < vouch_dkim_verifier_count(v); i++) {
			char *a = vouch_dkim_sig_ar(vouch_dkim_verifier_sig(v, i));
			char *j = vouch_dkim_sig_json(vouch_dkim_verifier_sig(v,
			    i));

			vouch_free(a);
			vouch_free(j);
		}
		vouch_dkim_verifier_free(v);
	}
	vouch_dkim_ctx_free(ctx);
	vouch_dns_free(d);
	return 0;
}
