/* vouch: email sender authentication (SPF, DKIM) and DNS record lint. */
#ifndef VOUCH_H
#define VOUCH_H

#include <vouch/error.h>
#include <vouch/dns.h>
#include <vouch/spf.h>
#include <vouch/dkim.h>
#include <vouch/lint.h>
#include <vouch/dmarc.h>
#include <vouch/auth.h>
#include <vouch/ar.h>
#include <vouch/keys.h>
#include <vouch/archive.h>

#endif
