/* Small helpers shared by every module. */
#ifndef VOUCH_COMMON_UTIL_H
#define VOUCH_COMMON_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <vouch/error.h>

/* Fill err (when not NULL) and return status. */
enum vouch_status vouch__err(struct vouch_error *err, enum vouch_status st,
    const char *spec, long offset, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

int vouch__strcaseeq(const char *a, const char *b);
int vouch__memcaseeq(const char *a, const char *b, size_t n);
/* ASCII lower-case copy of a domain name without a final dot. */
char *vouch__name_norm(const char *name);
/* Parse a decimal unsigned number covering all of [s, s+n); -1 on error or
 * overflow past max. */
int vouch__parse_u64(const char *s, size_t n, uint64_t max, uint64_t *out);

/* Base64 (RFC 4648) decode, skipping whitespace as RFC 6376 3.5 allows.
 * Returns a malloc'd buffer or NULL (sets *st). */
unsigned char *vouch__b64_decode(const char *s, size_t n, size_t *outlen,
    enum vouch_status *st);
/* Base64 encode, NUL terminated, malloc'd. */
char *vouch__b64_encode(const unsigned char *p, size_t n);

/* Milliseconds on the monotonic clock, for deadlines; microseconds, for
 * timing work. */
int64_t vouch__mono_ms(void);
int64_t vouch__mono_us(void);

/* Wipe memory in a way the compiler cannot remove. */
void vouch__wipe(void *p, size_t n);

/* The in-addr.arpa / ip6.arpa name of an address (RFC 1035 3.5,
 * RFC 3596 2.5); buf of at least 74 bytes. */
void vouch__dns_reverse(const unsigned char *ip, int v6, char *buf,
    size_t size);

/* RFC 5322 3.3 date-time to Unix time; -1 when it does not parse. */
int64_t vouch__rfc5322_date(const char *s, size_t n);

#endif
