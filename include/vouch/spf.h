/* vouch: SPF (RFC 7208) evaluation and result headers. */
#ifndef VOUCH_SPF_H
#define VOUCH_SPF_H

#include <stdint.h>
#include <vouch/error.h>
#include <vouch/dns.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_SPF_MAX_DNS_MECH 10	/* RFC 7208 4.6.4 */
#define VOUCH_SPF_MAX_VOID 2		/* RFC 7208 4.6.4 */
#define VOUCH_SPF_MAX_MX_PTR_NAMES 10	/* RFC 7208 4.6.4 */
#define VOUCH_SPF_TIMEOUT_MS 20000	/* RFC 7208 4.6.4: at least 20 s */

/* RFC 7208 2.6 */
enum vouch_spf_result {
	VOUCH_SPF_NONE = 0,
	VOUCH_SPF_NEUTRAL,
	VOUCH_SPF_PASS,
	VOUCH_SPF_FAIL,
	VOUCH_SPF_SOFTFAIL,
	VOUCH_SPF_TEMPERROR,
	VOUCH_SPF_PERMERROR
};

enum vouch_spf_identity {
	VOUCH_SPF_MAILFROM = 0,	/* RFC 7208 2.4 */
	VOUCH_SPF_HELO = 1	/* RFC 7208 2.3 */
};

/* What to check.  Zero limits mean the RFC defaults. */
struct vouch_spf_request {
	const char *ip;		/* client address, IPv4 or IPv6 text */
	const char *mail_from;	/* reverse-path; NULL or "" = postmaster@helo */
	const char *helo;	/* HELO/EHLO name; may be NULL */
	const char *receiver;	/* our host name, for %{r} and headers */
	enum vouch_spf_identity identity;
	unsigned int max_dns_mech;
	unsigned int max_void;
	unsigned int max_mx_ptr_names;
	unsigned int timeout_ms;	/* whole evaluation */
	int64_t now;		/* for %{t}; 0 = the current time */
};

/* The answer.  Strings are owned by the verdict; release them with
 * vouch_spf_verdict_clear(). */
struct vouch_spf_verdict {
	enum vouch_spf_result result;
	enum vouch_spf_identity identity;
	char *sender;		/* the identity checked, local@domain or domain */
	char *domain;		/* domain whose policy was evaluated */
	char *mechanism;	/* the matching term, NULL when none matched */
	char *explanation;	/* exp= text on fail, NULL when none */
	char *problem;		/* for permerror and temperror, else NULL */
	unsigned int dns_lookups;
	unsigned int void_lookups;
};

/*
 * Run check_host() (RFC 7208 4) for the request.  Returns VOUCH_OK with the
 * verdict filled (any result, including temperror and permerror), or
 * VOUCH_E_INVAL for a request that cannot be checked (bad ip), or
 * VOUCH_E_NOMEM.  The verdict is written only on success.
 */
VOUCH_EXPORT enum vouch_status vouch_spf_check(struct vouch_dns *dns,
    const struct vouch_spf_request *req, struct vouch_spf_verdict *verdict,
    struct vouch_error *err);
/* Free the strings of a verdict and zero it. */
VOUCH_EXPORT void vouch_spf_verdict_clear(struct vouch_spf_verdict *v);
/* "pass", "fail", ... (RFC 7208 2.6); static. */
VOUCH_EXPORT const char *vouch_spf_result_name(enum vouch_spf_result r);
/*
 * "Received-SPF: ..." (RFC 7208 9.1) and the "spf=..." method of an
 * Authentication-Results header (RFC 8601), without a line end.  Malloc'd;
 * free with vouch_free().  NULL when out of memory.
 */
VOUCH_EXPORT char *vouch_spf_received_spf(const struct vouch_spf_request *req,
    const struct vouch_spf_verdict *v);
VOUCH_EXPORT char *vouch_spf_ar_method(const struct vouch_spf_verdict *v);
/* A whole "Authentication-Results: ID; spf=..." field, folded with "\n\t"
 * and without a final line end: every outside value escaped or quoted
 * (RFC 8601 2.2), so it is always exactly one field.  Malloc'd. */
VOUCH_EXPORT char *vouch_spf_ar_header(const char *authserv_id,
    const struct vouch_spf_verdict *v);
/*
 * The verdict as one JSON object with exactly the keys result, identity,
 * domain, mechanism, explanation, dns_lookups, void_lookups, problem.
 * Malloc'd; free with vouch_free().  NULL when out of memory.
 */
VOUCH_EXPORT char *vouch_spf_verdict_json(const struct vouch_spf_verdict *v);
/*
 * The verdict for people, as spfquery users expect: the result word alone
 * on the first line, then "identity:", "domain:", "matched:" (the term, or
 * why none), "lookups:", and "explanation:" / "problem:" when there is one,
 * each on its own line ending in "\n".  Control bytes and invalid UTF-8
 * from DNS or SMTP are written as \xNN.  Malloc'd; NULL when out of memory.
 */
VOUCH_EXPORT char *vouch_spf_verdict_text(const struct vouch_spf_verdict *v);

#ifdef __cplusplus
}
#endif
#endif
