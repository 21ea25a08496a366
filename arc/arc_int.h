/* Internals of ARC shared by the verifier, the sealer and auth.c. */
#ifndef VOUCH_ARC_INT_H
#define VOUCH_ARC_INT_H

#include <vouch/arc.h>
#include "dkim/dkim_int.h"

#define ARC_MAX_FIELDS 1000	/* ARC fields looked at per message */

struct arc_hop {
	const struct dkim_field *aar, *ams, *as;
	int ams_hasher;			/* body hash of the AMS c= */
	struct vouch_arc_set pub;
	char *d, *s, *aar_text;		/* owned */
	char ams_reason[128];
};

struct arc_chain {
	struct arc_hop hop[VOUCH_ARC_MAX_INSTANCES + 1];	/* by instance */
	unsigned int n;			/* highest instance */
	char structural[160];		/* why the chain is malformed, or "" */
	struct vouch_arc_set sets[VOUCH_ARC_MAX_INSTANCES];
	struct vouch_arc_verdict pub;
	char reason[256];
	int last_cv_fail;		/* the newest AS says cv=fail */
};

#include "arc_auth.h"
void vouch__arc_clear(struct arc_chain *c);
/* cv= of an ARC-Seal: 0 none, 1 pass, 2 fail, -1 missing or bad. */
int vouch__arc_cv(const struct dkim_field *as);
/* The instance of an ARC field (i=, 1..50), or 0 when it has none. */
unsigned int vouch__arc_instance(const struct dkim_field *f);

#endif
