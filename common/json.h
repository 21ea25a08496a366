/* Minimal JSON writing into a vbuf. */
#ifndef VOUCH_COMMON_JSON_H
#define VOUCH_COMMON_JSON_H

#include "buf.h"

/* Append s (n bytes) as a JSON string literal, or null when s is NULL.
 * Bytes that are not valid UTF-8 are written as U+FFFD. */
enum vouch_status vouch__json_str(struct vbuf *b, const char *s, size_t n);
enum vouch_status vouch__json_cstr(struct vbuf *b, const char *s);

#endif
