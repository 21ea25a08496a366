/*
 * Domains taken from messages and SMTP (From, d=, i=, MAIL FROM, HELO, an
 * AAR's header.from) are looked up and compared as A-labels (RFC 8616 4-6,
 * RFC 5891): a U-label is converted with libidn2 (IDNA2008, NFC input).
 */
#ifndef VOUCH_COMMON_DOMAIN_H
#define VOUCH_COMMON_DOMAIN_H

#include <vouch/error.h>

/*
 * The A-label form of a domain in *out (malloc'd, lower case, no final
 * dot).  ASCII names are only lower-cased (underscore labels such as
 * _dmarc stay as they are).  VOUCH_E_SYNTAX when a name with non-ASCII
 * bytes is not a valid IDN (the caller's permerror), VOUCH_E_NOMEM.
 */
enum vouch_status vouch__domain_alabel(const char *in, char **out);

/* Does the name have a byte outside ASCII? */
int vouch__domain_is_ascii(const char *in);

/* Same domain: A-label forms equal, any case, a final dot ignored.  A name
 * that does not convert equals nothing. */
int vouch__domain_eq(const char *a, const char *b);

#endif
