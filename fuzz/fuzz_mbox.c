/*
 * mbox splitting and mboxrd unquoting into the verifier; and the stream
 * reader's oracle: the file handed over in uneven pieces
 * (vouch_mbox_next_stream) must give exactly the messages the whole file
 * gives (vouch_mbox_next_ex), however it is cut.
 */
#include <stdlib.h>

#include <vouch/vouch.h>
#include "fuzz_common.h"

#define MAX_MSGS 1000

static void
stream_oracle(const uint8_t *data, size_t size)
{
	static size_t ref_off[MAX_MSGS], ref_len[MAX_MSGS];
	static int ref_q[MAX_MSGS];
	const unsigned char *msg;
	size_t off = 0, len, n = 0, i = 0, have;
	int q;

	while (n < MAX_MSGS && vouch_mbox_next_ex(data, size, &off, &msg,
	    &len, &q)) {
		ref_off[n] = (size_t)(msg - data);
		ref_len[n] = len;
		ref_q[n++] = q;
	}
	if (n == MAX_MSGS)
		return;
	/* pieces of 1 to 64 bytes, their sizes taken from the data itself */
	off = 0;
	have = size > 0 ? 1 + data[0] % 64 : 0;
	if (have > size)
		have = size;
	for (;;) {
		int at_end = have == size;

		if (vouch_mbox_next_stream(data, have, at_end, &off, &msg,
		    &len, &q)) {
			if (i >= n || (size_t)(msg - data) != ref_off[i] ||
			    len != ref_len[i] || q != ref_q[i])
				abort();	/* a piece boundary moved a message */
			i++;
			continue;
		}
		if (at_end)
			break;
		have += 1 + data[have % size] % 64;
		if (have > size)
			have = size;
	}
	if (i != n)
		abort();
}

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
	stream_oracle(data, size);
	return 0;
}
