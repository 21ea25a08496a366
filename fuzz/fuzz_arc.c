/*
 * ARC chains: the input is a whole message (its ARC-Seal,
 * ARC-Message-Signature and ARC-Authentication-Results fields are the
 * target), verified through the inbound verdict with keys published for
 * d=fuzz.example s=k (Ed25519 and RSA); every output is written.
 */
#include <stdlib.h>
#include <string.h>

#include <vouch/vouch.h>
#include "fuzz_common.h"

static const char ed_rec[] = "v=DKIM1; k=ed25519; "
    "p=vvJ188E02JjLKHViqa0XRIMbGOqHIj/cXkUZR3nHnBA=";	/* testdata/keys/ed */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vouch_dns *d = vouch_dns_new();
	struct vouch_auth_ctx *ctx = vouch_auth_ctx_new(d, "mx.fuzz.example");
	struct vouch_auth *a;
	char *h, *j, *t;

	vouch_dns_add_raw(d, "k._domainkey.fuzz.example", VOUCH_DNS_TXT,
	    ed_rec, strlen(ed_rec), 60);
	vouch_auth_ctx_trust_arc(ctx, "fuzz.example");
	if (vouch_auth_new(ctx, NULL, &a) == VOUCH_OK) {
		vouch_auth_feed(a, data, size);
		if (vouch_auth_finish(a, NULL) == VOUCH_OK) {
			h = vouch_auth_header(a);
			j = vouch_auth_json(a, "fuzz", 0);
			t = vouch_auth_text(a, "fuzz");
			vouch_free(h);
			vouch_free(j);
			vouch_free(t);
		}
		vouch_auth_free(a);
	}
	vouch_auth_ctx_free(ctx);
	vouch_dns_free(d);
	return 0;
}
