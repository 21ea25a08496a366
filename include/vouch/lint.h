/*
 * vouch: lint SPF, DKIM key and DMARC records before they are published.
 * Findings are data: a severity, a stable rule id, the DNS name, a message
 * and the spec section.  The same parsers and DNS layer as checking are
 * used, so a record that lint calls good evaluates as intended.
 */
#ifndef VOUCH_LINT_H
#define VOUCH_LINT_H

#include <stddef.h>
#include <vouch/error.h>
#include <vouch/dns.h>
#include <vouch/dkim.h>

#ifdef __cplusplus
extern "C" {
#endif

enum vouch_lint_severity {
	VOUCH_LINT_INFO = 0,
	VOUCH_LINT_WARNING = 1,
	VOUCH_LINT_ERROR = 2
};

struct vouch_lint_finding {
	enum vouch_lint_severity severity;
	const char *rule;	/* stable id such as "spf-too-many-lookups" */
	const char *name;	/* the DNS name the record is at */
	const char *message;
	const char *spec;	/* "RFC 7208 4.6.4" */
	long offset;		/* byte offset in the record, -1 if none */
	const char *record;	/* the record text the finding is about, with
				 * control bytes as \xNN; NULL if none */
};

struct vouch_lint;

/* A lint run on dns (borrowed; must outlive the run).  NULL on ENOMEM. */
VOUCH_EXPORT struct vouch_lint *vouch_lint_new(struct vouch_dns *dns);
VOUCH_EXPORT void vouch_lint_free(struct vouch_lint *l);

/*
 * Lint the SPF record of domain: record is the text to check (not yet
 * published), or NULL to look it up.  Counts the worst-case DNS lookups
 * through every include and redirect.  Findings are added to the run.
 */
VOUCH_EXPORT enum vouch_status vouch_lint_spf(struct vouch_lint *l,
    const char *domain, const char *record, struct vouch_error *err);
/* A DKIM key record at selector._domainkey.domain (record NULL: look it
 * up).  With key, also check that the private key matches. */
VOUCH_EXPORT enum vouch_status vouch_lint_dkim(struct vouch_lint *l,
    const char *selector, const char *domain, const char *record,
    const struct vouch_dkim_key *key, struct vouch_error *err);
/* The DMARC record of domain (at _dmarc.domain unless record given). */
VOUCH_EXPORT enum vouch_status vouch_lint_dmarc(struct vouch_lint *l,
    const char *domain, const char *record, struct vouch_error *err);
/*
 * Every SPF, DKIM (*._domainkey) and DMARC (_dmarc) record in a master
 * file.  The file is loaded into the run's DNS handle as an overlay, so
 * its names are answered from it and lookups that leave it go on as the
 * handle is set up.  origin may be NULL (then the SOA owner is used).
 */
VOUCH_EXPORT enum vouch_status vouch_lint_zone(struct vouch_lint *l,
    const char *path, const char *origin, struct vouch_error *err);

VOUCH_EXPORT size_t vouch_lint_count(const struct vouch_lint *l);
/* Finding i, borrowed until the run is freed. */
VOUCH_EXPORT const struct vouch_lint_finding *vouch_lint_get(
    const struct vouch_lint *l, size_t i);
VOUCH_EXPORT void vouch_lint_summary(const struct vouch_lint *l,
    size_t *errors, size_t *warnings, size_t *infos);
/* SPF worst-case counts of the last SPF record linted at the top level;
 * returns 0 when no SPF record was linted. */
VOUCH_EXPORT int vouch_lint_spf_counts(const struct vouch_lint *l,
    unsigned int *dns_lookups, unsigned int *void_lookups);
/* The include tree with the lookup cost of each branch (text). */
VOUCH_EXPORT const char *vouch_lint_spf_tree(const struct vouch_lint *l);
/* Did a lookup needed for the answer fail temporarily? */
VOUCH_EXPORT int vouch_lint_tempfail(const struct vouch_lint *l);
/* "error", "warning", "info"; static. */
VOUCH_EXPORT const char *vouch_lint_severity_name(
    enum vouch_lint_severity s);

/* What was linted, for a person: "SPF example.com, DKIM s1, DMARC
 * example.com"; *n the number of records.  Borrowed. */
VOUCH_EXPORT const char *vouch_lint_checked(const struct vouch_lint *l,
    size_t *n);

#ifdef __cplusplus
}
#endif
#endif
