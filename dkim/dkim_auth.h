/*
 * What DKIM offers the modules that compose it (auth/, arc/): the
 * verifier's stream hooks and its parsed header, through functions rather
 * than DKIM's structures (dkim_int.h stays DKIM's own).
 */
#ifndef VOUCH_DKIM_AUTH_H
#define VOUCH_DKIM_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include <vouch/dkim.h>

struct vhdr;

/* fn runs once the header section is complete, before the body. */
void vouch__dkim_verifier_on_header(struct vouch_dkim_verifier *v,
    void (*fn)(void *arg, struct vouch_dkim_verifier *v), void *arg);
/* The message was cut at limit bytes (a caller's size bound): every
 * signature is permerror "message too large", none is checked. */
void vouch__dkim_verifier_cut(struct vouch_dkim_verifier *v, uint64_t limit);
/* Header fields named name (any case): how many, and the value of the
 * first (unfolded bytes as in the message, not NUL terminated) in *value
 * and *len when there is one.  Usable from the header hook on. */
/* The key records of the signatures after the first, asked now on
 * threads of their own (live DNS): the checks that follow find them. */
void vouch__dkim_prefetch_keys(const struct vouch_dkim_verifier *v);
size_t vouch__dkim_verifier_field(const struct vouch_dkim_verifier *v,
    const char *name, const unsigned char **value, size_t *len);
/* Is there a field whose name starts with prefix (any case)? */
int vouch__dkim_verifier_has_prefix(const struct vouch_dkim_verifier *v,
    const char *prefix);
/* Why the message is malformed (no blank line, NUL, ...), or NULL. */
const char *vouch__dkim_verifier_malformed(
    const struct vouch_dkim_verifier *v);
/* Append the dkim method of one signature to an Authentication-Results
 * field (RFC 8601 2.7.1, RFC 6008). */
void vouch__dkim_ar(struct vhdr *h, const struct vouch_dkim_sig *g);

#endif
