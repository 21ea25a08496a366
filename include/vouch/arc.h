/*
 * vouch: ARC, the Authenticated Received Chain (RFC 8617): the chain a
 * forwarder's message carries, verified, and a forwarder's seal.
 */
#ifndef VOUCH_ARC_H
#define VOUCH_ARC_H

#include <stddef.h>
#include <stdint.h>
#include <vouch/error.h>
#include <vouch/dkim.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_ARC_MAX_INSTANCES 50	/* RFC 8617 4.2.1 */

/* RFC 8617 4.1.3 cv= and RFC 8601 arc= */
enum vouch_arc_result {
	VOUCH_ARC_NONE = 0,
	VOUCH_ARC_PASS,
	VOUCH_ARC_FAIL
};

/* One hop of the chain. */
struct vouch_arc_set {
	unsigned int instance;
	const char *domain;		/* the AS d= */
	const char *selector;		/* the AS s= */
	enum vouch_dkim_result seal_result;	/* the ARC-Seal */
	enum vouch_dkim_result ams_result;	/* the ARC-Message-Signature */
	const char *ams_reason;
	const char *aar;	/* ARC-Authentication-Results after "i=N;" */
};

/* The chain's verdict; strings are owned by whoever returned it. */
struct vouch_arc_verdict {
	enum vouch_arc_result result;
	const char *reason;		/* names the broken instance and why */
	unsigned int instances;		/* sets found (0 when none) */
	unsigned int oldest_pass;	/* RFC 8617 5.2: 0 when none */
	size_t nsets;
	const struct vouch_arc_set *sets;	/* by instance, 1 first */
};

/* "none", "pass", "fail". */
VOUCH_EXPORT const char *vouch_arc_result_name(enum vouch_arc_result r);

/* ---- sealing --------------------------------------------------------- */

struct vouch_arc_seal_params {
	const char *domain;		/* d= of the AMS and the AS */
	const char *selector;		/* s= */
	const struct vouch_dkim_key *key;	/* rsa-sha256, or ed25519-sha256 */
	const char *headers;	/* AMS h=, "from:to:..." or NULL for the
				 * DKIM defaults present in the message */
	int64_t timestamp;	/* t=; 0 = now */
};

struct vouch_arc_sealer;

/* A sealer for one message, fed the message as it came (any chunks). */
VOUCH_EXPORT enum vouch_status vouch_arc_sealer_new(
    const struct vouch_arc_seal_params *params,
    struct vouch_arc_sealer **sealer, struct vouch_error *err);
VOUCH_EXPORT enum vouch_status vouch_arc_sealer_feed(
    struct vouch_arc_sealer *sealer, const void *data, size_t len);
/*
 * Seal: cv is the incoming chain's verdict, aar the results this hop
 * records ("authserv-id; method=result ...", the payload after "i=N;").
 * *headers gets ARC-Seal, ARC-Message-Signature and
 * ARC-Authentication-Results (in that order, to prepend) with the
 * message's own line ending.  A chain whose newest seal already says
 * cv=fail gets no further set (RFC 8617 5.1.1): VOUCH_OK with *headers
 * "" and err saying so.  VOUCH_E_SYNTAX when the message cannot be
 * sealed: a chain at 50 instances, a malformed header; err says which.
 */
VOUCH_EXPORT enum vouch_status vouch_arc_sealer_finish(
    struct vouch_arc_sealer *sealer, enum vouch_arc_result cv,
    const char *aar, char **headers, struct vouch_error *err);
/*
 * Seal with the verdict recorded on arrival, not one computed now: for a
 * forwarder or list whose MTA verified the message when it came in and
 * sends it on, perhaps changed (a subject tag, a footer), through the
 * same ADMD.  The first Authentication-Results field whose authserv-id is
 * authserv_id (the one this ADMD wrote, parsed as RFC 8601) becomes the
 * AAR, written again through the escaping writer; its arc= gives cv=:
 * pass or fail as it says, none for a message that had no chain (then
 * only our own inbound seal, i=1 with d= this sealer's domain and an AAR
 * of authserv_id, may be on it since, and gets cv=pass).  The caller
 * vouches that no one outside the ADMD could add a field with that id
 * (an MTA removes them from incoming mail).  Errors as
 * vouch_arc_sealer_finish(), plus VOUCH_E_NOTFOUND when no such field is
 * in the message and VOUCH_E_SYNTAX when it does not parse or does not
 * fit the chain; err says which.
 */
VOUCH_EXPORT enum vouch_status vouch_arc_sealer_finish_ar(
    struct vouch_arc_sealer *sealer, const char *authserv_id,
    char **headers, struct vouch_error *err);
VOUCH_EXPORT void vouch_arc_sealer_free(struct vouch_arc_sealer *sealer);

#ifdef __cplusplus
}
#endif
#endif
