/* Internal side of the RFC 8601 reader (common/ar.c); the API is
 * <vouch/ar.h>. */
#ifndef VOUCH_COMMON_AR_H
#define VOUCH_COMMON_AR_H

#include <vouch/ar.h>

#include "hdr.h"

/* Skip RFC 5322 CFWS (nested comments, quoted-pairs, folding) from *p up
 * to end; -1 for a comment that does not end. */
int vouch__cfws_skip(const char **p, const char *end);

/* A parsed payload written back through the escaping writer (h started
 * with vhdr_init(h, NULL) or a field name): "authserv-id; method=result
 * reason=... ptype.property=value ..." one result a line, comments
 * dropped.  h->st. */
enum vouch_status vouch__ar_write(struct vhdr *h, const struct vouch_ar *ar);

#endif
