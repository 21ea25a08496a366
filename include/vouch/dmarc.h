/*
 * vouch: DMARC (RFC 7489, and RFC 9989 where it replaces it: the DNS tree
 * walk for the policy and the organizational domain, np=, psd=, t=).
 */
#ifndef VOUCH_DMARC_H
#define VOUCH_DMARC_H

#include <stddef.h>
#include <vouch/error.h>
#include <vouch/dns.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_DMARC_MAX_WALK 8		/* RFC 9989 4.10: queries per walk */
#define VOUCH_DMARC_MAX_FROM 8		/* addresses of one From evaluated */

/* RFC 8601 2.7.8 (dmarc=) */
enum vouch_dmarc_result {
	VOUCH_DMARC_NONE = 0,
	VOUCH_DMARC_PASS,
	VOUCH_DMARC_FAIL,
	VOUCH_DMARC_TEMPERROR,
	VOUCH_DMARC_PERMERROR
};

enum vouch_dmarc_policy {
	VOUCH_DMARC_P_NONE = 0,
	VOUCH_DMARC_P_QUARANTINE,
	VOUCH_DMARC_P_REJECT
};

/* How the organizational domain is found. */
enum vouch_dmarc_org_mode {
	VOUCH_DMARC_ORG_TREEWALK = 0,	/* RFC 9989 4.10 DNS tree walk */
	VOUCH_DMARC_ORG_PSL = 1		/* RFC 7489 3.2 Public Suffix List */
};

/* A Public Suffix List read from a file (RFC 7489 mode with a list of
 * the receiver's own; without one the system's list is used). */
struct vouch_dmarc_psl;
VOUCH_EXPORT enum vouch_status vouch_dmarc_psl_load(const char *path,
    struct vouch_dmarc_psl **list, struct vouch_error *err);
/* Releases a list; NULL is a no-op. */
VOUCH_EXPORT void vouch_dmarc_psl_free(struct vouch_dmarc_psl *list);

/* A DMARC record (RFC 9989 4.7); invalid optional values take their
 * defaults, as receivers do. */
struct vouch_dmarc_record {
	enum vouch_dmarc_policy p, sp, np;
	int has_p, has_sp, has_np;
	int adkim_strict, aspf_strict;
	int testing;		/* t=y */
	int psd;		/* psd=y 1, psd=n 0, absent -1 */
	unsigned int pct;	/* RFC 7489 pct=, 100 when absent */
	int has_rua;
};

/*
 * Parse a record.  VOUCH_E_SYNTAX (err says why) when it is not a DMARC
 * record at all: it does not start with v=DMARC1, or its tags do not
 * parse.  A record that parses is usable even with bad values.
 */
VOUCH_EXPORT enum vouch_status vouch_dmarc_record_parse(const char *txt,
    size_t len, struct vouch_dmarc_record *rec, struct vouch_error *err);

/* Where the policy for a domain comes from. */
struct vouch_dmarc_discovery {
	int found;		/* a record applies */
	int temperror;		/* a lookup failed temporarily */
	int several;		/* a name had several records (ignored) */
	char *policy_domain;	/* where the record was found */
	char *org_domain;	/* organizational domain */
	char *record;		/* its text */
	struct vouch_dmarc_record rec;
	unsigned int queries;	/* DNS queries the walk made */
};

/*
 * Find the DMARC record that applies to domain and its organizational
 * domain, by mode.  VOUCH_OK with the discovery filled (also when nothing
 * was found or DNS failed: see found and temperror); VOUCH_E_NOMEM.
 */
VOUCH_EXPORT enum vouch_status vouch_dmarc_discover(struct vouch_dns *dns,
    const char *domain, enum vouch_dmarc_org_mode mode,
    struct vouch_dmarc_discovery *disc, struct vouch_error *err);
VOUCH_EXPORT void vouch_dmarc_discovery_clear(
    struct vouch_dmarc_discovery *disc);

/* The verdict on one message (strings owned by the verdict's owner). */
struct vouch_dmarc_verdict {
	enum vouch_dmarc_result result;
	const char *from_domain;	/* RFC 5322 From domain, or NULL */
	const char *policy_domain;	/* where the record was found */
	const char *org_domain;		/* of the From domain */
	enum vouch_dmarc_policy policy;	/* the one that applies */
	enum vouch_dmarc_policy disposition;	/* what a receiver does */
	int has_policy;			/* a record was found */
	int testing;			/* t=y */
	const char *dkim_aligned;	/* d= of an aligned passing signature */
	int spf_aligned;
	int spf_checked;		/* SPF took part */
	int arc_override;		/* a trusted ARC chain vouches for it */
	const char *reason;
	unsigned int arc_trusted_instance;	/* the ARC set (i=) whose
						 * sealer vouched, 0 if none */
};

/* "pass", "fail", ... (RFC 8601); "none", "quarantine", "reject". */
VOUCH_EXPORT const char *vouch_dmarc_result_name(enum vouch_dmarc_result r);
VOUCH_EXPORT const char *vouch_dmarc_policy_name(enum vouch_dmarc_policy p);

/*
 * The domains of the RFC 5322 From field value (display names, comments,
 * quoted strings, groups): up to max domains into doms, as lower-case
 * A-labels (a U-label converted, RFC 8616; one final dot dropped),
 * malloc'd each, free with vouch_free.  Returns the count; 0 when the
 * field has no usable address (or a domain that is no valid IDN); max + 1,
 * with nothing kept, when it has more than max addresses (none may be left
 * unevaluated); -1 out of memory.
 */
VOUCH_EXPORT int vouch_dmarc_from_domains(const char *value, size_t len,
    char **doms, int max);

/*
 * Would a DKIM signature with d=sig_domain align with the From domain
 * under relaxed alignment (RFC 7489 3.1.1): the same organizational
 * domain by the Public Suffix List (without libpsl: one a parent of the
 * other)?  Both compared as A-labels.  For signers, before any DNS: the
 * receiver's tree walk (RFC 9989) can only agree or be stricter.
 */
VOUCH_EXPORT int vouch_dmarc_relaxed_aligned(const char *sig_domain,
    const char *from_domain);

#ifdef __cplusplus
}
#endif
#endif
