/*
 * What DMARC offers the inbound verdict (auth/): one evaluation for one
 * From domain, given the identifiers DKIM and SPF verified.
 */
#ifndef VOUCH_DMARC_AUTH_H
#define VOUCH_DMARC_AUTH_H

#include <stddef.h>
#include <vouch/dmarc.h>

struct dmarc_eval {
	/* in: */
	struct vouch_dns *dns;
	enum vouch_dmarc_org_mode mode;
	const struct vouch_dmarc_psl *psl;	/* NULL: the system's list */
	const char *const *dkim;	/* d= of every passing signature */
	size_t ndkim;
	const char *spf_domain;	/* the domain SPF passed, or NULL */
	int spf_checked;
	/* out: */
	struct vouch_dmarc_verdict pub;
	char *from, *org, *policy_domain, *dkim_aligned;
	char *record;		/* the DMARC record's text (reports) */
	const char *which;	/* "p", "sp" or "np" */
	int temp;
	char reason[384];
};

/* Evaluate for one From domain (an A-label). */
void vouch__dmarc_eval(struct dmarc_eval *e, const char *from);
void vouch__dmarc_eval_clear(struct dmarc_eval *e);
/* Is the Public Suffix List available (built with libpsl, list found)? */
int vouch__dmarc_have_psl(void);

#endif
