#include "config.h"

#include <stdint.h>
#include <string.h>

#include "json.h"
#include "hdr.h"

enum vouch_status
vouch__json_str(struct vbuf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	enum vouch_status st = VOUCH_OK;
	size_t i;

	if (s == NULL)
		return vbuf_adds(b, "null");
	st = vbuf_addc(b, '"');
	for (i = 0; i < n && st == VOUCH_OK; i++) {
		unsigned char c = p[i];
		size_t u, run;

		/* a run of characters written as they are, in one go */
		for (run = i; run < n && p[run] >= 0x20 && p[run] < 0x7f &&
		    p[run] != '"' && p[run] != '\\'; run++)
			;
		if (run > i) {
			st = vbuf_add(b, p + i, run - i);
			i = run - 1;
			continue;
		}
		if (c == '"' || c == '\\') {
			st = vbuf_addc(b, '\\');
			if (st == VOUCH_OK)
				st = vbuf_addc(b, c);
		} else if (c == '\n') {
			st = vbuf_adds(b, "\\n");
		} else if (c == '\r') {
			st = vbuf_adds(b, "\\r");
		} else if (c == '\t') {
			st = vbuf_adds(b, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			st = vbuf_printf(b, "\\u%04x", c);
		} else if ((u = vouch__utf8_len(p + i, n - i)) > 0) {
			st = vbuf_add(b, p + i, u);
			i += u - 1;
		} else {
			st = vbuf_adds(b, "\\ufffd");
		}
	}
	if (st == VOUCH_OK)
		st = vbuf_addc(b, '"');
	return st;
}

enum vouch_status
vouch__json_cstr(struct vbuf *b, const char *s)
{
	return vouch__json_str(b, s, s != NULL ? strlen(s) : 0);
}

char *
vouch_json_quote(const char *s, size_t n)
{
	struct vbuf b;

	vbuf_init(&b, n * 6 + 16);
	return vbuf_done(&b, vouch__json_str(&b, s != NULL ? s : "",
	    s != NULL ? n : 0));
}
