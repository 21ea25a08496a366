/*
 * mbox files (RFC 4155): messages start after a line beginning "From ";
 * in the mboxrd variant every body line that begins with ">*From " had
 * one '>' added, which feeding undoes.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "dkim_int.h"

int
vouch_mbox_is(const void *data, size_t len)
{
	return len >= 5 && memcmp(data, "From ", 5) == 0;
}

/*
 * mboxcl2: a Content-Length field in the header gives the body's length,
 * and body lines are not quoted.  The end it implies, when the length
 * lands on the next "From " line (or the file's end, a blank line
 * between allowed); 0 when there is none or it does not fit.
 */
/* The header section from start: where the body begins (0: not within
 * len) and the Content-Length value (*have 0: none). */
static size_t
header_cl(const unsigned char *p, size_t len, size_t start, uint64_t *clp,
    int *havep)
{
	size_t i = start, body = 0;
	uint64_t cl = 0;
	int have = 0;

	while (i < len) {
		const unsigned char *nl = memchr(p + i, '\n', len - i);
		size_t e = nl != NULL ? (size_t)(nl - p) + 1 : len;

		if ((e - i == 1 && p[i] == '\n') || (e - i == 2 && p[i] == '\r' &&
		    p[i + 1] == '\n')) {
			body = e;	/* the empty line ends the header */
			break;
		}
		if (e - i > 15 && strncasecmp((const char *)p + i,
		    "Content-Length:", 15) == 0) {
			size_t k = i + 15;

			while (k < e && (p[k] == ' ' || p[k] == '\t'))
				k++;
			for (cl = 0; k < e && p[k] >= '0' && p[k] <= '9' &&
			    cl < ((uint64_t)1 << 40); k++)
				cl = cl * 10 + (uint64_t)(p[k] - '0');
			have = 1;
		}
		i = e;
	}
	*clp = cl;
	*havep = have;
	return body;
}

static size_t
content_length_end(const unsigned char *p, size_t len, size_t start)
{
	uint64_t cl;
	int have;
	size_t i, body = header_cl(p, len, start, &cl, &have);

	if (!have || body == 0 || cl > len - body)
		return 0;
	i = body + (size_t)cl;
	if (i == len || vouch_mbox_is(p + i, len - i))
		return i;
	if (p[i] == '\n' && (i + 1 == len || vouch_mbox_is(p + i + 1,
	    len - i - 1)))
		return i + 1;
	if (i + 1 < len && p[i] == '\r' && p[i + 1] == '\n' && (i + 2 == len ||
	    vouch_mbox_is(p + i + 2, len - i - 2)))
		return i + 2;
	return 0;
}

int
vouch_mbox_next(const void *data, size_t len, size_t *off,
    const unsigned char **msg, size_t *msglen)
{
	return vouch_mbox_next_ex(data, len, off, msg, msglen, NULL);
}

int
vouch_mbox_next_ex(const void *data, size_t len, size_t *off,
    const unsigned char **msg, size_t *msglen, int *quoted)
{
	const unsigned char *p = data, *nl;
	size_t i = *off, start, end, cl;

	if (i >= len || !vouch_mbox_is(p + i, len - i))
		return 0;
	nl = memchr(p + i, '\n', len - i);
	start = nl != NULL ? (size_t)(nl - p) + 1 : len;
	if (quoted != NULL)
		*quoted = 1;
	if ((cl = content_length_end(p, len, start)) != 0) {
		/* mboxcl2: the length decides, "From " lines inside stay */
		*msg = p + start;
		*msglen = cl - start;
		if (cl < len && *msglen >= 1 && p[cl - 1] == '\n' &&
		    !vouch_mbox_is(p + cl - 1, 1)) {
			/* the separating blank line is not the message's */
			const unsigned char *m = *msg;
			size_t n = *msglen;

			if (n >= 2 && m[n - 2] == '\n')
				(*msglen)--;
			else if (n >= 3 && m[n - 2] == '\r' && m[n - 3] == '\n')
				*msglen -= 2;
		}
		if (quoted != NULL)
			*quoted = 0;
		*off = cl;
		return 1;
	}
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

/* mboxrd (">+From " loses one '>') or mboxo (only ">From " does). */
static enum vouch_status
feed_unquoted(struct vouch_dkim_verifier *v, const void *data, size_t n,
    int rd)
{
	const unsigned char *p = data;
	size_t i = 0, span = 0;
	enum vouch_status st = VOUCH_OK;

	while (i < n && st == VOUCH_OK) {
		const unsigned char *nl = memchr(p + i, '\n', n - i);
		size_t end = nl != NULL ? (size_t)(nl - p) + 1 : n, q = i;

		while (q < end && p[q] == '>' && (rd || q == i))
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

enum vouch_status
vouch_dkim_verifier_feed_mboxrd(struct vouch_dkim_verifier *v,
    const void *data, size_t n)
{
	return feed_unquoted(v, data, n, 1);
}

enum vouch_status
vouch_dkim_verifier_feed_mboxo(struct vouch_dkim_verifier *v,
    const void *data, size_t n)
{
	return feed_unquoted(v, data, n, 0);
}

int
vouch_mbox_has_quoted_from(const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t i = 0;

	while (i < n) {
		const unsigned char *nl = memchr(p + i, '\n', n - i);
		size_t end = nl != NULL ? (size_t)(nl - p) + 1 : n, q = i;

		while (q < end && p[q] == '>')
			q++;
		if (q > i && end - q >= 5 && memcmp(p + q, "From ", 5) == 0)
			return 1;
		i = end;
	}
	return 0;
}

int
vouch_mbox_next_stream(const void *data, size_t len, int at_end, size_t *off,
    const unsigned char **msg, size_t *msglen, int *quoted)
{
	const unsigned char *p = data, *nl;
	size_t o = *off, start, body;
	uint64_t cl;
	int have;

	if (at_end)
		return vouch_mbox_next_ex(data, len, off, msg, msglen, quoted);
	if (!vouch_mbox_next_ex(data, len, &o, msg, msglen, quoted) || o >= len)
		return 0;	/* it may go on in what is not read yet */
	/* a Content-Length not all read yet decides, not a "From " line
	 * that happens to be in the body */
	nl = memchr(p + *off, '\n', len - *off);
	start = nl != NULL ? (size_t)(nl - p) + 1 : len;
	body = header_cl(p, len, start, &cl, &have);
	/* and enough after it to see the line end and "From " that must
	 * follow for the length to count */
	if (body == 0 || (have && cl + 7 > len - body))
		return 0;
	*off = o;
	return 1;
}
