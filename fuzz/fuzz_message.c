/*
 * Whole messages through the shared parser and both canonicalizations:
 * signed (Ed25519) and verified, fed in chunks whose size the first byte
 * picks, so chunk boundaries land everywhere.
 */
#include <stdlib.h>
#include <string.h>

#include <vouch/vouch.h>
#include "fuzz_common.h"

static const char seed[] = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vouch_dkim_key *key;
	struct vouch_dkim_sign_params p[2];
	struct vouch_dkim_signer *s;
	struct vouch_dns *d;
	struct vouch_dkim_ctx *ctx;
	struct vouch_dkim_verifier *v;
	size_t chunk, i;
	char *h = NULL;

	if (key == NULL && vouch_dkim_key_parse(seed, strlen(seed), &key,
	    NULL) != VOUCH_OK)
		return 0;
	if (size < 1)
		return 0;
	chunk = data[0] ? data[0] : 1;
	data++;
	size--;
	memset(p, 0, sizeof(p));
	p[0].domain = p[1].domain = "fuzz.example";
	p[0].selector = p[1].selector = "k";
	p[0].key = p[1].key = key;
	p[0].timestamp = p[1].timestamp = 1790000000;
	p[1].header_canon = p[1].body_canon = VOUCH_DKIM_RELAXED;
	if (vouch_dkim_signer_new(p, 2, &s, NULL) == VOUCH_OK) {
		for (i = 0; i < size; i += chunk)
			vouch_dkim_signer_feed(s, data + i, size - i < chunk ?
			    size - i : chunk);
		if (vouch_dkim_signer_finish(s, &h, NULL) != VOUCH_OK)
			h = NULL;
		vouch_dkim_signer_free(s);
	}
	d = vouch_dns_new();
	ctx = vouch_dkim_ctx_new(d);
	vouch_dns_add_raw(d, "k._domainkey.fuzz.example", VOUCH_DNS_TXT,
	    "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
	    66, 60);
	if (vouch_dkim_verifier_new(ctx, &v) == VOUCH_OK) {
		if (h != NULL)
			vouch_dkim_verifier_feed(v, h, strlen(h));
		for (i = 0; i < size; i += chunk)
			vouch_dkim_verifier_feed(v, data + i, size - i < chunk ?
			    size - i : chunk);
		vouch_dkim_verifier_finish(v, NULL);
		/* what we signed must verify, whatever the bytes were */
		if (h != NULL && vouch_dkim_verifier_count(v) >= 2 &&
		    (vouch_dkim_verifier_sig(v, 0)->result != VOUCH_DKIM_PASS ||
		    vouch_dkim_verifier_sig(v, 1)->result != VOUCH_DKIM_PASS) &&
		    vouch_dkim_verifier_from(v) != NULL)
			abort();
		vouch_dkim_verifier_free(v);
	}
	vouch_free(h);
	vouch_dkim_ctx_free(ctx);
	vouch_dns_free(d);
	return 0;
}
