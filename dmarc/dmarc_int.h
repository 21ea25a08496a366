/* Internals of DMARC (dmarc/ and lint/); what the inbound verdict uses is
 * dmarc_auth.h. */
#ifndef VOUCH_DMARC_INT_H
#define VOUCH_DMARC_INT_H

#include <stddef.h>
#include <vouch/dmarc.h>
#include "dmarc_auth.h"

/* vouch_dmarc_discover with a Public Suffix List of the caller's. */
enum vouch_status vouch__dmarc_discover(struct vouch_dns *dns,
    const struct vouch_dmarc_psl *list, const char *domain,
    enum vouch_dmarc_org_mode mode, struct vouch_dmarc_discovery *d,
    struct vouch_error *err);

#endif
