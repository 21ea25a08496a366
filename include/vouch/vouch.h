/*
 * vouch: email sender authentication.  One header for all of libvouch:
 *   version.h  VOUCH_VERSION_* of these headers (vouch_version(): the
 *              library's)
 *   error.h    status codes, struct vouch_error, memory and JSON helpers
 *   dns.h      the DNS layer: live resolver, zone files, snapshots, cache
 *   spf.h      SPF checks (RFC 7208)
 *   dkim.h     DKIM keys, signing and verifying (RFC 6376, 8463, 8301);
 *              mbox splitting and unquoting
 *   dmarc.h    DMARC records, discovery and From domains (RFC 9989, 7489)
 *   arc.h      ARC chains and sealing (RFC 8617)
 *   auth.h     the inbound verdict: SPF, DKIM, DMARC and ARC composed,
 *              written as Authentication-Results, JSON and text
 *   ar.h       reading Authentication-Results (RFC 8601)
 *   keys.h     private keys and key tables (vouch's and OpenDKIM's)
 *   archive.h  verifying mail stores in parallel, results in order;
 *              summaries
 *   lint.h     lint of SPF, DKIM and DMARC records and zone files
 */
#ifndef VOUCH_H
#define VOUCH_H

#include <vouch/version.h>
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
#include <vouch/report.h>

#endif
