/* What SPF offers the inbound verdict (auth/) beyond <vouch/spf.h>. */
#ifndef VOUCH_SPF_AUTH_H
#define VOUCH_SPF_AUTH_H

#include <vouch/spf.h>

struct vhdr;
/* Append the spf method of an Authentication-Results field (RFC 8601
 * 2.7.2), every outside value through the header writer. */
void vouch__spf_ar(struct vhdr *h, const struct vouch_spf_verdict *v);

#endif
