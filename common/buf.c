#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
vbuf_init(struct vbuf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->size = 0;
	b->cap = cap;
}

void
vbuf_clear(struct vbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->size = 0;
}

void
vbuf_reset(struct vbuf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

static enum vouch_status
grow(struct vbuf *b, size_t n)
{
	size_t need, nsize;
	unsigned char *p;

	if (n > b->cap || b->len > b->cap - n)
		return VOUCH_E_LIMIT;
	need = b->len + n + 1;
	if (need <= b->size)
		return VOUCH_OK;
	nsize = b->size ? b->size : 64;
	while (nsize < need)
		nsize = nsize > ((size_t)-1) / 2 ? need : nsize * 2;
	if ((p = realloc(b->data, nsize)) == NULL)
		return VOUCH_E_NOMEM;
	b->data = p;
	b->size = nsize;
	return VOUCH_OK;
}

enum vouch_status
vbuf_reserve(struct vbuf *b, size_t n)
{
	return grow(b, n);
}

enum vouch_status
vbuf_add(struct vbuf *b, const void *p, size_t n)
{
	enum vouch_status st;

	if ((st = grow(b, n)) != VOUCH_OK)
		return st;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return VOUCH_OK;
}

enum vouch_status
vbuf_addc(struct vbuf *b, unsigned char c)
{
	return vbuf_add(b, &c, 1);
}

enum vouch_status
vbuf_adds(struct vbuf *b, const char *s)
{
	return vbuf_add(b, s, strlen(s));
}

enum vouch_status
vbuf_printf(struct vbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	enum vouch_status st;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return VOUCH_E_INVAL;
	if ((st = grow(b, (size_t)n)) != VOUCH_OK)
		return st;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return VOUCH_OK;
}

const char *
vbuf_str(struct vbuf *b)
{
	if (b->data == NULL && grow(b, 0) != VOUCH_OK)
		return "";
	b->data[b->len] = '\0';
	return (const char *)b->data;
}

char *
vbuf_take(struct vbuf *b, size_t *len)
{
	char *p;

	if (b->data == NULL && grow(b, 0) != VOUCH_OK)
		return NULL;
	b->data[b->len] = '\0';	/* an empty buffer was never written */
	p = (char *)b->data;
	if (len != NULL)
		*len = b->len;
	b->data = NULL;
	b->len = b->size = 0;
	return p;
}

char *
vbuf_done(struct vbuf *b, enum vouch_status st)
{
	if (st != VOUCH_OK) {
		vbuf_clear(b);
		return NULL;
	}
	return vbuf_take(b, NULL);
}
