/* Internals of SPF: the record parser and macro expander, shared with
 * lint so a record that lint calls good evaluates as intended. */
#ifndef VOUCH_SPF_INT_H
#define VOUCH_SPF_INT_H

#include <stddef.h>
#include <vouch/spf.h>
#include "common/buf.h"

#include "spf_auth.h"

#define VOUCH_SPF_MAX_DOMAIN 253	/* RFC 7208 7.3 */
#define VOUCH_SPF_MAX_EXPANSION 8192	/* bound on one macro expansion */

enum spf_kind {
	SPF_ALL = 0,
	SPF_INCLUDE,
	SPF_A,
	SPF_MX,
	SPF_PTR,
	SPF_IP4,
	SPF_IP6,
	SPF_EXISTS,
	SPF_REDIRECT,
	SPF_EXP,
	SPF_UNKNOWN_MOD
};

struct spf_term {
	enum spf_kind kind;
	char qual;		/* '+', '-', '~', '?' */
	const char *text;	/* the whole term as written */
	size_t textlen;
	const char *arg;	/* domain-spec or macro-string, NULL if none */
	size_t arglen;
	int cidr4, cidr6;	/* -1 when not given */
	unsigned char addr[16];	/* ip4 (first 4 bytes) or ip6 */
	size_t offset;		/* of the term in the record */
};

#define SPF_INLINE_TERMS 16

struct spf_record {
	struct spf_term *terms;	/* inl, or the heap past 16 terms */
	struct spf_term inl[SPF_INLINE_TERMS];
	size_t n;
	int redirect, exp;	/* index or -1 */
	int all;		/* index of the first all, or -1 */
};

/* Does the TXT string start an SPF record (RFC 7208 4.5)? */
int spf_is_record(const char *txt, size_t len);
/* RFC 7208 4.5: how many of the answer's TXT records are SPF records;
 * the first one in *txt (borrowed from the answer). */
size_t spf_select_record(const struct vouch_dns_answer *a, const char **txt,
    size_t *len);
/*
 * Parse a whole record.  The terms point into txt, which must outlive the
 * record.  On a syntax error returns VOUCH_E_SYNTAX with err->offset and a
 * message naming the term.
 */
enum vouch_status spf_record_parse(const char *txt, size_t len,
    struct spf_record *rec, struct vouch_error *err);
void spf_record_clear(struct spf_record *rec);
/* spf_cache.c: the parsed record of a text, shared (read only) until
 * spf_cache_put(ref); the errors of spf_record_parse(). */
struct spf_cached;
enum vouch_status spf_cache_get(const char *txt, size_t len,
    const struct spf_record **rec, struct spf_cached **ref,
    struct vouch_error *err);
void spf_cache_put(struct spf_cached *ref);
const char *spf_kind_name(enum spf_kind k);
/* Does this term cause a DNS lookup (RFC 7208 4.6.4)? */
int spf_term_queries(enum spf_kind k);

/* Macro expansion (RFC 7208 7). */
struct spf_macro_env {
	const char *sender, *local, *odomain, *domain, *helo, *receiver;
	const char *ip_dotted;	/* %{i} */
	const char *ip_readable;	/* %{c} */
	int v6;
	long long now;
	/* %{p}: computed on demand; may be NULL (then "unknown") */
	char *(*validated)(void *arg);
	void *arg;
};
/*
 * Check (env NULL) or expand a macro-string.  exp allows c, r, t and the
 * spaces of an explain-string.  Returns VOUCH_E_SYNTAX on bad syntax.
 */
enum vouch_status spf_macro_expand(const char *s, size_t n, int exp,
    const struct spf_macro_env *env, struct vbuf *out);
/* domain-spec syntax (RFC 7208 7.1 and 4.8 domain-end). */
int spf_domain_spec_ok(const char *s, size_t n);
/* Shorten an expanded name to 253 bytes from the left (RFC 7208 7.3). */
void spf_domain_truncate(struct vbuf *b);

#endif
