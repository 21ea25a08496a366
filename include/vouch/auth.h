/*
 * vouch: the inbound verdict in one call.  What an MTA knows about the
 * connection (client IP, HELO, MAIL FROM, SMTP AUTH user) plus the message
 * as a stream give every result a receiver acts on: SPF (RFC 7208), each
 * DKIM signature (RFC 6376), DMARC (RFC 7489, RFC 9989), and the
 * Authentication-Results header field (RFC 8601) that records them.
 * `vouch verify` and `vouch milter` are both thin users of this.
 */
#ifndef VOUCH_AUTH_H
#define VOUCH_AUTH_H

#include <stddef.h>
#include <vouch/error.h>
#include <vouch/dns.h>
#include <vouch/spf.h>
#include <vouch/dkim.h>
#include <vouch/dmarc.h>
#include <vouch/arc.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vouch_auth_ctx;
struct vouch_auth;

/* What the SMTP session told us; any member may be NULL.  SPF is checked
 * only when ip is set (with mail_from, or helo when mail_from is empty). */
struct vouch_auth_conn {
	const char *ip;		/* client address */
	const char *helo;	/* HELO/EHLO name */
	const char *mail_from;	/* reverse-path without <>; "" for <> */
	const char *auth_user;	/* SMTP AUTH identity: auth=pass */
};

/* What "the message passed" means for vouch_auth_passed(). */
enum vouch_auth_require {
	VOUCH_AUTH_REQUIRE_DKIM = 0,	/* some DKIM signature passed */
	VOUCH_AUTH_REQUIRE_DMARC = 1	/* DMARC passed */
};

/*
 * Shared state for many messages, on many threads: the DNS handle (not
 * owned), the DKIM key cache, the DMARC options and the authserv-id
 * written into Authentication-Results.  NULL when out of memory.
 */
VOUCH_EXPORT struct vouch_auth_ctx *vouch_auth_ctx_new(struct vouch_dns *dns,
    const char *authserv_id);
/* Releases a context; NULL is a no-op. */
VOUCH_EXPORT void vouch_auth_ctx_free(struct vouch_auth_ctx *ctx);
/* The DKIM context inside, to set its options (time, limits); borrowed. */
VOUCH_EXPORT struct vouch_dkim_ctx *vouch_auth_ctx_dkim(
    struct vouch_auth_ctx *ctx);
/* How the organizational domain is found (default RFC 9989 tree walk). */
VOUCH_EXPORT enum vouch_status vouch_auth_ctx_set_org_mode(
    struct vouch_auth_ctx *ctx, enum vouch_dmarc_org_mode mode);

/* RFC 7489 mode with this Public Suffix List (borrowed: keep it until
 * the context is freed); implies VOUCH_DMARC_ORG_PSL. */
VOUCH_EXPORT void vouch_auth_ctx_set_psl(struct vouch_auth_ctx *ctx,
    const struct vouch_dmarc_psl *list);

/* Trust this sealing domain's ARC-Authentication-Results (RFC 8617 7.2):
 * when DMARC fails but the chain passes and a trusted sealer saw an
 * aligned pass, the verdict says so (dmarc stays fail, arc_override set,
 * disposition none).  Nothing is overridden without a trusted sealer. */
VOUCH_EXPORT enum vouch_status vouch_auth_ctx_trust_arc(
    struct vouch_auth_ctx *ctx, const char *domain);

/* One message's lookups at once (default on): with live DNS, SPF and
 * the DMARC policy discovery run on their own threads beside the DKIM key
 * fetches, so a message waits for the longest of them, not their sum;
 * same queries, cache, limits and results.  0 makes them one after
 * another (as OpenDKIM, libspf2 and OpenDMARC do). */
VOUCH_EXPORT void vouch_auth_ctx_set_parallel(struct vouch_auth_ctx *ctx,
    int on);

/* A verification of one message.  conn is copied. */
VOUCH_EXPORT enum vouch_status vouch_auth_new(struct vouch_auth_ctx *ctx,
    const struct vouch_auth_conn *conn, struct vouch_auth **auth);
/* Raw message bytes, in any chunks. */
VOUCH_EXPORT enum vouch_status vouch_auth_feed(struct vouch_auth *auth,
    const void *data, size_t len);
/* One mbox message, undoing mboxrd quoting. */
VOUCH_EXPORT enum vouch_status vouch_auth_feed_mboxrd(struct vouch_auth *auth,
    const void *data, size_t len);
/* One mbox message, undoing mboxo quoting (only ">From "). */
VOUCH_EXPORT enum vouch_status vouch_auth_feed_mboxo(struct vouch_auth *auth,
    const void *data, size_t len);
/*
 * The message was larger than the caller's bound (vouch verify's
 * --max-message-size) and what was fed is only its start, cut at limit
 * bytes: its signatures are not checked (each is permerror "message too
 * large"), no ARC chain is validated, SPF and DMARC are decided as usual
 * from the header fed.  Call before vouch_auth_finish().
 */
VOUCH_EXPORT void vouch_auth_mark_too_large(struct vouch_auth *auth,
    uint64_t limit);
/* Look everything up and decide.  Fails only for lack of memory; every
 * verdict, even of a malformed message, is a result. */
VOUCH_EXPORT enum vouch_status vouch_auth_finish(struct vouch_auth *auth,
    struct vouch_error *err);
/* Releases it; NULL is a no-op. */
VOUCH_EXPORT void vouch_auth_free(struct vouch_auth *auth);

/* Results, borrowed until vouch_auth_free().  spf is NULL when no client
 * IP was given. */
VOUCH_EXPORT size_t vouch_auth_dkim_count(const struct vouch_auth *auth);
VOUCH_EXPORT const struct vouch_dkim_sig *vouch_auth_dkim_sig(
    const struct vouch_auth *auth, size_t i);
VOUCH_EXPORT const struct vouch_spf_verdict *vouch_auth_spf(
    const struct vouch_auth *auth);
VOUCH_EXPORT const struct vouch_dmarc_verdict *vouch_auth_dmarc(
    const struct vouch_auth *auth);
VOUCH_EXPORT const struct vouch_arc_verdict *vouch_auth_arc(
    const struct vouch_auth *auth);
/* The addr-spec of the one From field, or NULL (none, several, bad). */
VOUCH_EXPORT const char *vouch_auth_from(const struct vouch_auth *auth);
/* The first header field called name, unfolded and trimmed, into buf
 * (cut to size); NULL when the message has none.  Message bytes: escape
 * before showing them. */
VOUCH_EXPORT const char *vouch_auth_field(const struct vouch_auth *auth,
    const char *name, char *buf, size_t size);
/* Which message this is, for people: "[message-id="..." date="..."
 * from="..."]" escaped (empty when it has none of them).  Malloc'd. */
VOUCH_EXPORT char *vouch_auth_ident(const struct vouch_auth *auth);
/* 1 when the message passes by the rule, else 0. */
VOUCH_EXPORT int vouch_auth_passed(const struct vouch_auth *auth,
    enum vouch_auth_require rule);

/*
 * The results written out; malloc'd (free with vouch_free), NULL when
 * out of memory.  Every text from the message, DNS or SMTP is escaped.
 *  - header: one "Authentication-Results: ..." field, folded with "\n\t",
 *    no final line end;
 *  - json: one object {"source", "index", "dkim": [...], "spf", "dmarc",
 *    "arc", "message_id", "date", "from"}
 *    (source and index omitted when source is NULL);
 *  - text: one line "SOURCE: dkim=... ; spf=... ; dmarc=... [message-id=
 *    date= from=]" without the final newline (no "SOURCE: " when source
 *    is NULL).
 */
VOUCH_EXPORT char *vouch_auth_header(const struct vouch_auth *auth);
/*
 * Seal as a forwarder (RFC 8617 5.1) a message fed to both auth and
 * sealer: this verification's results (with arc=) become the
 * ARC-Authentication-Results and the chain's verdict the AS cv=.  See
 * vouch_arc_sealer_finish() for *headers and the errors.
 */
VOUCH_EXPORT enum vouch_status vouch_auth_seal(const struct vouch_auth *auth,
    struct vouch_arc_sealer *sealer, char **headers, struct vouch_error *err);
VOUCH_EXPORT char *vouch_auth_json(const struct vouch_auth *auth,
    const char *source, long index);
VOUCH_EXPORT char *vouch_auth_text(const struct vouch_auth *auth,
    const char *source);

#ifdef __cplusplus
}
#endif
#endif
