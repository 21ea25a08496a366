/*
 * What ARC offers the inbound verdict (auth/): a chain read from the
 * verifier's stream and validated after it, as an opaque object.
 */
#ifndef VOUCH_ARC_AUTH_H
#define VOUCH_ARC_AUTH_H

#include <vouch/arc.h>

struct arc_chain;

/* A chain for one message (~15 KB: make one only for a message with ARC
 * fields), NULL without memory. */
struct arc_chain *vouch__arc_new(void);
/* From the verifier's header hook: find the sets, ask body hashes. */
void vouch__arc_collect(struct arc_chain *c, struct vouch_dkim_verifier *v);
/* After the verifier finished: the chain's verdict. */
void vouch__arc_validate(struct arc_chain *c, struct vouch_dkim_verifier *v,
    struct vouch_dkim_ctx *ctx);
const struct vouch_arc_verdict *vouch__arc_verdict(
    const struct arc_chain *c);
void vouch__arc_free(struct arc_chain *c);

#endif
