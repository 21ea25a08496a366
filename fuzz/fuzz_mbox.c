/* mbox splitting and mboxrd unquoting into the verifier. */
#include <stdlib.h>

#include <vouch/vouch.h>
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vouch_dns *d = vouch_dns_new();
	struct vouch_dkim_ctx *ctx = vouch_dkim_ctx_new(d);
	const unsigned char *msg;
	size_t off = 0, len, n = 0;

	while (vouch_mbox_next(data, size, &off, &msg, &len) && n++ < 1000) {
		struct vouch_dkim_verifier *v;

		if ((msg < data || msg + len > data + size))
			abort();	/* a slice must stay inside the file */
		if (vouch_dkim_verifier_new(ctx, &v) != VOUCH_OK)
			break;
		vouch_dkim_verifier_feed_mboxrd(v, msg, len);
		vouch_dkim_verifier_finish(v, NULL);
		vouch_dkim_verifier_free(v);
	}
	vouch_dkim_ctx_free(ctx);
	vouch_dns_free(d);
	return 0;
}
