/*
 * vouch: status codes and error detail.
 *
 * A status says whether a call worked.  Protocol verdicts (SPF results,
 * DKIM results) are separate enums: a record that evaluates to permerror is
 * a successful call with a permerror verdict.
 */
#ifndef VOUCH_ERROR_H
#define VOUCH_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define VOUCH_EXPORT __attribute__((visibility("default")))
#else
#define VOUCH_EXPORT
#endif

/* Append only: the numbers are part of the ABI. */
enum vouch_status {
	VOUCH_OK = 0,
	VOUCH_E_NOMEM = 1,	/* out of memory */
	VOUCH_E_INVAL = 2,	/* invalid argument */
	VOUCH_E_SYNTAX = 3,	/* input does not parse */
	VOUCH_E_DNS_TEMP = 4,	/* DNS timeout, SERVFAIL, REFUSED */
	VOUCH_E_DNS_MALFORMED = 5, /* DNS answer could not be used */
	VOUCH_E_IO = 6,		/* read or write failed */
	VOUCH_E_NOTFOUND = 7,	/* file or object does not exist */
	VOUCH_E_KEY = 8,	/* key unusable (format, size, type) */
	VOUCH_E_LIMIT = 9,	/* a configured bound was reached */
	VOUCH_E_CRYPTO = 10,	/* the crypto library failed */
	VOUCH_E_INTERNAL = 11,	/* a bug */
	VOUCH_E_STORE = 12	/* the report store (database) failed */
};

/*
 * Optional detail, owned by the caller; every function that takes one also
 * accepts NULL.  Nothing in it is allocated.
 */
struct vouch_error {
	enum vouch_status status;
	const char *spec;	/* static text such as "RFC 7208 4.6.4", or NULL */
	long offset;		/* byte offset in the input, -1 when unknown */
	char message[256];	/* one line, NUL terminated, truncated if long */
};

/* Static English text for a status; never NULL. */
VOUCH_EXPORT const char *vouch_strerror(enum vouch_status status);

/* Free memory returned by the library. */
VOUCH_EXPORT void vouch_free(void *p);

/* s (n bytes) as a JSON string literal with quotes; invalid UTF-8 becomes
 * U+FFFD.  Malloc'd; free with vouch_free().  NULL when out of memory. */
VOUCH_EXPORT char *vouch_json_quote(const char *s, size_t n);

/* Library version string such as "0.1.0"; static.  The headers' version
 * is VOUCH_VERSION_STRING and VOUCH_VERSION_NUMBER (<vouch/version.h>). */
VOUCH_EXPORT const char *vouch_version(void);

#ifdef __cplusplus
}
#endif
#endif
