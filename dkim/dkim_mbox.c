/*
 * mbox files (RFC 4155): messages start after a line beginning "From ";
 * in the mboxrd variant every body line that begins with ">*From " had
 * one '>' added, which feeding undoes.
 */
#include "config.h"

#include <string.h>

#include "dkim_int.h"

int
vouch_mbox_is(const void *data, size_t len)
{
	return len >= 5 && memcmp(data, "From ", 5) == 0;
}

int
vouch_mbox_next(const void *data, size_t len, size_t *off,
    const unsigned char **msg, size_t *msglen)
{
	const unsigned char *p = data, *nl;
	size_t i = *off, start, end;

	if (i >= len || !vouch_mbox_is(p + i, len - i))
		return 0;
	nl = memchr(p + i, '\n', len - i);
	start = nl != NULL ? (size_t)(nl - p) + 1 : len;
	end = start;
	/* the message runs to the next separator line */
	while (end < len && !vouch_mbox_is(p + end, len - end)) {
		nl = memchr(p + end, '\n', len - end);
		end = nl != NULL ? (size_t)(nl - p) + 1 : len;
	}
	*msg = p + start;
	*msglen = end - start;
	/* the blank line an mbox writer adds before the next "From " */
	if (end < len && *msglen >= 2 && p[end - 1] == '\n') {
		if (p[end - 2] == '\n')
			(*msglen)--;
		else if (*msglen >= 3 && p[end - 2] == '\r' && p[end - 3] == '\n')
			*msglen -= 2;
	}
	*off = end;
	return 1;
}

enum vouch_status
vouch_dkim_verifier_feed_mboxrd(struct vouch_dkim_verifier *v,
    const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t i = 0, span = 0;
	enum vouch_status st = VOUCH_OK;

	while (i < n && st == VOUCH_OK) {
		const unsigned char *nl = memchr(p + i, '\n', n - i);
		size_t end = nl != NULL ? (size_t)(nl - p) + 1 : n, q = i;

		while (q < end && p[q] == '>')
			q++;
		if (q > i && end - q >= 5 && memcmp(p + q, "From ", 5) == 0) {
			st = vouch_dkim_verifier_feed(v, p + span, i - span);
			span = i + 1;	/* drop one '>' */
		}
		i = end;
	}
	if (st == VOUCH_OK)
		st = vouch_dkim_verifier_feed(v, p + span, n - span);
	return st;
}
