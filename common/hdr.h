/*
 * The one writer for the header fields vouch adds to messages
 * (Authentication-Results, RFC 8601; Received-SPF, RFC 7208 9.1; the
 * ARC-Authentication-Results to come) and for text output.  Everything that
 * came from outside (message bytes, DNS data, SMTP identities) reaches a
 * header only through vhdr_comment() and vhdr_value(): those escape, quote
 * and fold, so such text can never end the field, start a new one, close a
 * comment or add a result.
 */
#ifndef VOUCH_COMMON_HDR_H
#define VOUCH_COMMON_HDR_H

#include "buf.h"

#define VHDR_LINE 78		/* RFC 5322 2.1.1: SHOULD be at most 78 */
#define VHDR_MAX_COMMENT 200	/* bytes of outside text kept in a comment */
#define VHDR_MAX_VALUE 512	/* bytes of outside text kept in a value */
#define VHDR_MAX_ESCAPED 900	/* their escaped form: lines stay < 998 */

/* How a value is written when it is not safe as it is. */
enum vhdr_kind {
	VHDR_TOKEN,	/* RFC 8601 pvalue: token, local@domain, else quoted */
	VHDR_DOTATOM,	/* RFC 7208 9.1 key-value: dot-atom, else quoted */
	VHDR_VALUE	/* RFC 2045 value (authserv-id): token, else quoted */
};

struct vhdr {
	struct vbuf b;
	size_t col;		/* column of the next byte */
	enum vouch_status st;	/* sticky: the first failure */
	int fresh;		/* at a line start: no separator needed */
};

/* Start a field "Name:" (NULL: a part of a field, from column 0).  Lines end in "\n" (fold "\n\t"); the caller
 * converts to the message's line ending. */
void vhdr_init(struct vhdr *h, const char *name);
/* Our own text (keywords, results, numbers): printable ASCII, no space;
 * written as one word after a fold point when space_before. */
void vhdr_word(struct vhdr *h, const char *s, int space_before);
/* Our own text appended to the current word, no fold point ("=", ";"). */
void vhdr_raw(struct vhdr *h, const char *s);
/* Start a new line ("\n\t"), for one result method per line. */
void vhdr_newline(struct vhdr *h);
/* " (text)": a comment of outside text, escaped and folded. */
void vhdr_comment(struct vhdr *h, const char *s);
/* " key=value": value from outside, as its kind allows, else quoted;
 * " value" alone when key is NULL. */
void vhdr_prop(struct vhdr *h, const char *key, const char *val,
    enum vhdr_kind kind);
/* The field, NUL terminated, malloc'd; NULL on failure. */
char *vhdr_take(struct vhdr *h);
void vhdr_clear(struct vhdr *h);

/* Text output: append s with control bytes, DEL, C1 controls and invalid
 * UTF-8 written as \xNN, so outside text cannot move the terminal or
 * split a line. */
enum vouch_status vouch__text_esc(struct vbuf *b, const char *s);
/* Length of a valid UTF-8 sequence at p (at most n bytes), or 0. */
size_t vouch__utf8_len(const unsigned char *p, size_t n);

#endif
