/*
 * vouch: reading Authentication-Results (RFC 8601 2.2).  The payload of an
 * Authentication-Results field, or of an ARC-Authentication-Results after
 * its "i=N;" (RFC 8617 4.1.1), parsed whole: comments, quoted-strings and
 * escapes are taken apart, so text an attacker placed inside a value
 * ("header.s=\"dmarc=pass\"") stays a value and never becomes a result.
 * vouch reads verdicts out of header text only through this parser.
 */
#ifndef VOUCH_AR_H
#define VOUCH_AR_H

#include <stddef.h>
#include <vouch/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_AR_MAX_TEXT (1u << 20)	/* a longer payload is refused */

struct vouch_ar_prop {
	char *ptype;		/* lower case: "header", "smtp", "policy", ... */
	char *property;		/* lower case: "from", "d", "mailfrom", ... */
	char *value;		/* quoted-strings undone, comments removed */
};

struct vouch_ar_res {
	char *method;		/* lower case, without a version: "dmarc" */
	char *result;		/* lower case: "pass" */
	char *reason;		/* the reason= value, or NULL */
	size_t nprops;
	struct vouch_ar_prop *props;
};

struct vouch_ar {
	char *authserv_id;	/* as written, a quoted-string undone */
	size_t nres;		/* 0 for "; none" */
	struct vouch_ar_res *res;
};

/*
 * Parse a whole payload (no field name, no "i=N;").  On VOUCH_OK *ar is
 * filled (release with vouch_ar_clear); VOUCH_E_SYNTAX when any part of
 * the text is not RFC 8601 (nothing in it is then to be trusted), with
 * the byte offset in err; VOUCH_E_NOMEM.  *ar is written only on success.
 */
VOUCH_EXPORT enum vouch_status vouch_ar_parse(const char *text, size_t len,
    struct vouch_ar *ar, struct vouch_error *err);
/* Free what vouch_ar_parse filled in; ar itself is the caller's. */
VOUCH_EXPORT void vouch_ar_clear(struct vouch_ar *ar);

/*
 * Only the authserv-id at the start of a payload (a token or a
 * quoted-string after CFWS), malloc'd into *id (free with vouch_free):
 * the rest may be anything, since a forged field that claims an id must
 * go whatever follows it.  VOUCH_E_SYNTAX when there is no such value.
 */
VOUCH_EXPORT enum vouch_status vouch_ar_authserv_id(const char *text,
    size_t len, char **id);

/* The value of "ptype.property" (lower case) in r, or NULL. */
VOUCH_EXPORT const char *vouch_ar_prop(const struct vouch_ar_res *r,
    const char *ptype, const char *property);

#ifdef __cplusplus
}
#endif
#endif
