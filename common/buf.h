/* Growing byte buffer with a hard cap (the curl dynbuf idea). */
#ifndef VOUCH_COMMON_BUF_H
#define VOUCH_COMMON_BUF_H

#include <stddef.h>
#include <vouch/error.h>

struct vbuf {
	unsigned char *data;
	size_t len;
	size_t size;
	size_t cap;	/* hard limit on len */
};

void vbuf_init(struct vbuf *b, size_t cap);
void vbuf_clear(struct vbuf *b);
void vbuf_reset(struct vbuf *b);
/* Make room for n more bytes now (fewer reallocations later). */
enum vouch_status vbuf_reserve(struct vbuf *b, size_t n);
enum vouch_status vbuf_add(struct vbuf *b, const void *p, size_t n);
enum vouch_status vbuf_addc(struct vbuf *b, unsigned char c);
enum vouch_status vbuf_adds(struct vbuf *b, const char *s);
enum vouch_status vbuf_printf(struct vbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* NUL-terminated view (the NUL is not counted in len). */
const char *vbuf_str(struct vbuf *b);
/* Hand the buffer to the caller (NUL terminated); b is left empty. */
char *vbuf_take(struct vbuf *b, size_t *len);
/* The end of building a text: vbuf_take when st is VOUCH_OK, else b is
 * freed and the result is NULL (never a text cut short). */
char *vbuf_done(struct vbuf *b, enum vouch_status st);

#endif
