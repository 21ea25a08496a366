/*
 * The inbound verdict's own state, shared by its two files (auth.c
 * composes, auth_out.c writes).  It reaches the protocol modules only
 * through their public headers and the small interfaces they offer for
 * composition (dkim_auth.h, spf_auth.h, arc_auth.h, dmarc_auth.h).
 */
#ifndef VOUCH_AUTH_INT_H
#define VOUCH_AUTH_INT_H

#include <pthread.h>
#include <vouch/auth.h>
#include "dkim/dkim_auth.h"
#include "spf/spf_auth.h"
#include "arc/arc_auth.h"
#include "dmarc/dmarc_auth.h"

struct vouch_auth_ctx {
	struct vouch_dns *dns;
	struct vouch_dkim_ctx *dkim;
	char *authserv;
	enum vouch_dmarc_org_mode mode;
	const struct vouch_dmarc_psl *psl;
	char **arc_trust;		/* sealing domains trusted (RFC 8617 7.2) */
	int parallel;			/* SPF and DMARC beside DKIM (live DNS) */
	size_t narc_trust;
	/* the last SPF check: a run of messages from one connection (or
	 * one command line) is checked once */
	pthread_mutex_t mu;
	struct vouch_auth_conn memo_conn;	/* ip, helo, mail_from */
	int have_memo;
	struct vouch_spf_verdict memo;
};

struct vouch_auth {
	struct vouch_auth_ctx *ctx;
	char *ip, *helo, *mail_from, *auth_user;
	struct vouch_dkim_verifier *dkim;
	struct vouch_spf_verdict spf;
	int has_spf;
	struct dmarc_eval dmarc;
	struct arc_chain *arc;	/* only for a message with ARC fields */
	char from_reason[128];	/* why there is no usable From */
	int too_large;		/* cut by the caller's size bound */
};

/* The chain's verdict, or "none" for a message without ARC fields. */
const struct vouch_arc_verdict *vouch__auth_arc(const struct vouch_auth *a);

#endif
