/* Internals of DMARC shared with the inbound verdict (auth.c). */
#ifndef VOUCH_DMARC_INT_H
#define VOUCH_DMARC_INT_H

#include <stddef.h>
#include <vouch/dmarc.h>

/* One evaluation: the inputs are set by the caller, the rest is
 * written by vouch__dmarc_eval(). */
struct dmarc_eval {
	struct vouch_dns *dns;
	enum vouch_dmarc_org_mode mode;
	const struct vouch_dmarc_psl *psl;	/* NULL: the system's list */
	const char *const *dkim;	/* d= of every passing signature */
	size_t ndkim;
	const char *spf_domain;	/* the domain SPF passed, or NULL */
	int spf_checked;

	struct vouch_dmarc_verdict pub;
	char *from, *org, *policy_domain, *dkim_aligned;
	const char *which;	/* "p", "sp" or "np" */
	int temp;
	char reason[384];
};

/* vouch_dmarc_discover with a Public Suffix List of the caller's. */
enum vouch_status vouch__dmarc_discover(struct vouch_dns *dns,
    const struct vouch_dmarc_psl *list, const char *domain,
    enum vouch_dmarc_org_mode mode, struct vouch_dmarc_discovery *d,
    struct vouch_error *err);
/* Evaluate for one From domain. */
void vouch__dmarc_eval(struct dmarc_eval *e, const char *from);
void vouch__dmarc_eval_clear(struct dmarc_eval *e);
/* Is the Public Suffix List available (built with libpsl, list found)? */
int vouch__dmarc_have_psl(void);

#endif
