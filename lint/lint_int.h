/* Internals of lint: the finding list and the per-protocol checkers. */
#ifndef VOUCH_LINT_INT_H
#define VOUCH_LINT_INT_H

#include <vouch/lint.h>
#include "common/buf.h"

#define VOUCH_LINT_MAX_FINDINGS 10000
#define VOUCH_SPF_RECORD_UDP_SAFE 450	/* RFC 7208 3.4 */
#define VOUCH_TXT_STRING_MAX 255	/* RFC 1035 3.3 */

struct finding {
	struct vouch_lint_finding pub;
	char *name, *message, *record;
};

struct vouch_lint {
	struct vouch_dns *dns;
	struct finding *f;
	size_t n, size;
	int temp;
	int have_spf;
	unsigned int spf_lookups, spf_voids;
	struct vbuf tree;
	struct vbuf checked;	/* "SPF example.com, DKIM s1, ..." */
	size_t nchecked;
	const char *cur;	/* the record being linted: findings quote it */
	size_t curlen;
};

/* Findings added until the matching lint_record_end() quote txt. */
void lint_record_begin(struct vouch_lint *l, const char *txt, size_t len,
    const char **prev, size_t *prevlen);
void lint_record_end(struct vouch_lint *l, const char *prev, size_t prevlen);

/* Note a record that was linted, for the summary. */
void lint_checked(struct vouch_lint *l, const char *kind, const char *name,
    size_t namelen);

/* Add a finding; the message is formatted. */
void lint_add(struct vouch_lint *l, enum vouch_lint_severity sev,
    const char *rule, const char *name, const char *spec, long offset,
    const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Check a record given as text (lengths of published strings known or
 * not: nstr 0 means "one logical string, not yet split"). */
void lint_spf_record(struct vouch_lint *l, const char *domain,
    const char *txt, size_t len, size_t longest);
void lint_dkim_record(struct vouch_lint *l, const char *name,
    const char *txt, size_t len, size_t longest,
    const struct vouch_dkim_key *key);
void lint_dmarc_record(struct vouch_lint *l, const char *name,
    const char *domain, const char *txt, size_t len, size_t longest);

/* Strings of more than 255 bytes (a record given on the command line is
 * one string: it must be split when published).  rule is static. */
void lint_string_lengths(struct vouch_lint *l, const char *rule,
    const char *name, size_t len, size_t longest, int given);

/* The zone file read as a DNS server would (lint_zonetext.c): refuses
 * (VOUCH_E_SYNTAX, err naming file:line) what a server refuses, and adds
 * findings for TXT records written without quotes. */
enum vouch_status lint_zone_text(struct vouch_lint *l, const char *path,
    struct vouch_error *err);

#endif
