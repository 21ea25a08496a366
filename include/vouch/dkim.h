/*
 * vouch: DKIM signing and verification (RFC 6376, RFC 8463 Ed25519,
 * RFC 8301 algorithm and key-size rules).
 */
#ifndef VOUCH_DKIM_H
#define VOUCH_DKIM_H

#include <stddef.h>
#include <stdint.h>
#include <vouch/error.h>
#include <vouch/dns.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_DKIM_MIN_RSA_BITS 1024	/* RFC 8301 3.2 */
#define VOUCH_DKIM_WARN_RSA_BITS 2048	/* RFC 8301 3.2: SHOULD be >= 2048 */
#define VOUCH_DKIM_MAX_RSA_BITS 4096
#define VOUCH_DKIM_MAX_SIGS 10		/* signatures checked per message */
#define VOUCH_DKIM_MAX_HEADER (16u << 20)	/* header section bound */

enum vouch_dkim_canon {
	VOUCH_DKIM_SIMPLE = 0,
	VOUCH_DKIM_RELAXED = 1
};

enum vouch_dkim_keytype {
	VOUCH_DKIM_RSA = 0,
	VOUCH_DKIM_ED25519 = 1
};

/* RFC 8601 2.7.1 */
enum vouch_dkim_result {
	VOUCH_DKIM_PASS = 0,
	VOUCH_DKIM_FAIL,
	VOUCH_DKIM_NEUTRAL,
	VOUCH_DKIM_POLICY,
	VOUCH_DKIM_TEMPERROR,
	VOUCH_DKIM_PERMERROR
};

/* ---- keys ------------------------------------------------------------ */

struct vouch_dkim_key;

/*
 * Read a private key: PEM (PKCS#1 or PKCS#8, RSA or Ed25519) or, for
 * Ed25519, the raw 32-byte seed in base64 (RFC 8463, dkimpy).  A file that
 * others may read, or its group write, is refused (VOUCH_E_KEY) unless
 * allow_unsafe; its group may read it (root:signer 0640).
 * RSA keys must be 1024 to 4096 bits.  The key bytes read are wiped.
 */
VOUCH_EXPORT enum vouch_status vouch_dkim_key_load(const char *path,
    int allow_unsafe, struct vouch_dkim_key **key, struct vouch_error *err);
/* The same from memory. */
VOUCH_EXPORT enum vouch_status vouch_dkim_key_parse(const void *data,
    size_t len, struct vouch_dkim_key **key, struct vouch_error *err);
/* Make a new key: rsa with bits (1024 to 4096), or ed25519 (bits 0). */
VOUCH_EXPORT enum vouch_status vouch_dkim_key_generate(
    enum vouch_dkim_keytype type, unsigned int bits,
    struct vouch_dkim_key **key, struct vouch_error *err);
/* Releases a key; NULL is a no-op. */
VOUCH_EXPORT void vouch_dkim_key_free(struct vouch_dkim_key *key);
VOUCH_EXPORT enum vouch_dkim_keytype vouch_dkim_key_type(
    const struct vouch_dkim_key *key);
/* RSA modulus bits, or 256 for Ed25519. */
VOUCH_EXPORT unsigned int vouch_dkim_key_bits(const struct vouch_dkim_key *key);
/* PKCS#8 PEM of the private key (malloc'd, free with vouch_free after
 * wiping).  NULL on failure. */
VOUCH_EXPORT char *vouch_dkim_key_private_pem(const struct vouch_dkim_key *key);
/* The public key record text "v=DKIM1; k=...; p=..." (t=y when testing).
 * Malloc'd; NULL on failure. */
VOUCH_EXPORT char *vouch_dkim_key_record(const struct vouch_dkim_key *key,
    int testing);
/* Does the record's p= hold this private key's public half?  1 yes, 0 no,
 * -1 the record does not parse. */
VOUCH_EXPORT int vouch_dkim_key_matches_record(const struct vouch_dkim_key *key,
    const char *record, size_t len);

/* ---- signing ------------------------------------------------------------ */

struct vouch_dkim_sign_params {
	const char *domain;		/* d= */
	const char *selector;		/* s= */
	const struct vouch_dkim_key *key;	/* algorithm follows the key */
	enum vouch_dkim_canon header_canon;
	enum vouch_dkim_canon body_canon;
	const char *headers;	/* "from:to:..." or NULL for the default */
	const char *auid;	/* i=, or NULL */
	int64_t timestamp;	/* t=; 0 = now */
	int64_t expire;		/* seconds after t= for x=; 0 = none */
	const char *template_header;	/* tests: exact header, b= empty */
};

struct vouch_dkim_signer;

/*
 * A signer for one message making n signatures; the body is read once and
 * hashed once per body canonicalization.  Returns VOUCH_E_INVAL for bad
 * parameters (err says which).
 */
VOUCH_EXPORT enum vouch_status vouch_dkim_signer_new(
    const struct vouch_dkim_sign_params *params, size_t n,
    struct vouch_dkim_signer **signer, struct vouch_error *err);
/* Feed raw message bytes, in any chunks.  Fails (VOUCH_E_LIMIT) when the
 * header section exceeds VOUCH_DKIM_MAX_HEADER. */
VOUCH_EXPORT enum vouch_status vouch_dkim_signer_feed(
    struct vouch_dkim_signer *signer, const void *data, size_t len);
/*
 * Finish: *headers gets the DKIM-Signature header fields to prepend, with
 * the message's own line ending (CRLF, or LF when the input used bare
 * LF).  Malloc'd; free with vouch_free().  VOUCH_E_SYNTAX for a message
 * that cannot be signed (no From, several From, a header line without a
 * colon); err says why.
 */
VOUCH_EXPORT enum vouch_status vouch_dkim_signer_finish(
    struct vouch_dkim_signer *signer, char **headers,
    struct vouch_error *err);
/* The From address (addr-spec) found in the header, after feeding the
 * header section; NULL when none. */
VOUCH_EXPORT const char *vouch_dkim_signer_from(
    const struct vouch_dkim_signer *signer);
/*
 * The From addr-spec of a message whose start (at least the header
 * section) is in data.  Malloc'd in *from (free with vouch_free).
 * VOUCH_E_SYNTAX when there is no From, several, or the header is
 * malformed; err says which.
 */
VOUCH_EXPORT enum vouch_status vouch_dkim_header_from(const void *data,
    size_t len, char **from, struct vouch_error *err);
/* The same for the one field called name ("Sender", "Reply-To"; any
 * case): VOUCH_E_SYNTAX when there is none, several, or no address. */
VOUCH_EXPORT enum vouch_status vouch_dkim_header_addr(const void *data,
    size_t len, const char *name, char **addr, struct vouch_error *err);
/* Releases a signer; NULL is a no-op. */
VOUCH_EXPORT void vouch_dkim_signer_free(struct vouch_dkim_signer *signer);

/* ---- verifying ----------------------------------------------------------- */

struct vouch_dkim_ctx;
struct vouch_dkim_verifier;

struct vouch_dkim_sig {
	enum vouch_dkim_result result;
	const char *reason;	/* short text a person can act on */
	const char *domain;	/* d=, "" when it did not parse */
	const char *selector;	/* s= */
	const char *algorithm;	/* a= */
	const char *auid;	/* i= (or "@d") */
	const char *b;		/* b= value, whitespace removed */
	unsigned int key_bits;	/* 0 when no key was read */
	int testing;		/* the key record has t=y */
	int legacy;		/* passed only by vouch_dkim_ctx_set_legacy() */
};

/*
 * Shared state for verification: the DNS handle, a cache of parsed public
 * keys (by DNS TTL), and options.  Thread-safe: verifiers on several
 * threads may share one context.
 */
VOUCH_EXPORT struct vouch_dkim_ctx *vouch_dkim_ctx_new(struct vouch_dns *dns);
VOUCH_EXPORT void vouch_dkim_ctx_free(struct vouch_dkim_ctx *ctx);
/* Check expiry as of this time (0 = now). */
VOUCH_EXPORT void vouch_dkim_ctx_set_time(struct vouch_dkim_ctx *ctx,
    int64_t at);
/* Check expiry as of each message's own Date field (archives); messages
 * without a usable Date use the context's time. */
VOUCH_EXPORT void vouch_dkim_ctx_set_time_from_date(struct vouch_dkim_ctx *ctx,
    int on);
/* Signatures checked per message (default 10). */
VOUCH_EXPORT void vouch_dkim_ctx_set_max_sigs(struct vouch_dkim_ctx *ctx,
    unsigned int n);
/* Accept l= that covers less than the whole body (default: policy). */
VOUCH_EXPORT void vouch_dkim_ctx_set_allow_body_length(
    struct vouch_dkim_ctx *ctx, int allow);
/*
 * Old mail, on request only: accept rsa-sha1 signatures (allow_sha1) and
 * RSA keys from min_rsa_bits up (0: 1024, RFC 8301's floor).  A signature
 * that passes only because of these has legacy set and says so in its
 * reason; the defaults stay RFC 8301.
 */
VOUCH_EXPORT void vouch_dkim_ctx_set_legacy(struct vouch_dkim_ctx *ctx,
    int allow_sha1, unsigned int min_rsa_bits);

VOUCH_EXPORT enum vouch_status vouch_dkim_verifier_new(
    struct vouch_dkim_ctx *ctx, struct vouch_dkim_verifier **v);
VOUCH_EXPORT enum vouch_status vouch_dkim_verifier_feed(
    struct vouch_dkim_verifier *v, const void *data, size_t len);
/* Feed one mbox message, undoing mboxrd quoting (">From " to "From "). */
VOUCH_EXPORT enum vouch_status vouch_dkim_verifier_feed_mboxrd(
    struct vouch_dkim_verifier *v, const void *data, size_t len);
/* The same for an mboxo message: only ">From " (one '>') is unquoted;
 * ">>From " stays as it is (mboxo quoting cannot be undone further). */
VOUCH_EXPORT enum vouch_status vouch_dkim_verifier_feed_mboxo(
    struct vouch_dkim_verifier *v, const void *data, size_t len);
/* Look up keys and check every signature.  Fails only for lack of memory;
 * a malformed message gives per-signature results. */
VOUCH_EXPORT enum vouch_status vouch_dkim_verifier_finish(
    struct vouch_dkim_verifier *v, struct vouch_error *err);
/* Number of DKIM-Signature fields reported (at most the limit). */
VOUCH_EXPORT size_t vouch_dkim_verifier_count(
    const struct vouch_dkim_verifier *v);
/* Result i; borrowed, valid until the verifier is freed. */
VOUCH_EXPORT const struct vouch_dkim_sig *vouch_dkim_verifier_sig(
    const struct vouch_dkim_verifier *v, size_t i);
/* Header From address of the message, or NULL. */
VOUCH_EXPORT const char *vouch_dkim_verifier_from(
    const struct vouch_dkim_verifier *v);
VOUCH_EXPORT void vouch_dkim_verifier_free(struct vouch_dkim_verifier *v);

/*
 * The "dkim=..." method of an Authentication-Results header (RFC 8601,
 * with header.d, header.s, header.b as RFC 6008 says) and a JSON object
 * with the keys domain, selector, algorithm, result, reason, key_bits,
 * testing, legacy.  Malloc'd; free with vouch_free().  NULL when out of memory.
 */
VOUCH_EXPORT char *vouch_dkim_sig_ar(const struct vouch_dkim_sig *sig);
VOUCH_EXPORT char *vouch_dkim_sig_json(const struct vouch_dkim_sig *sig);

/* ---- mbox (RFC 4155) ------------------------------------------------------ */

/* The mbox dialects (RFC 4155 and the usual practice): how messages are
 * split and how "From " lines in bodies were quoted. */
enum vouch_mbox_format {
	VOUCH_MBOX_AUTO = 0,	/* Content-Length when a message has a
				 * correct one, else mboxrd unquoting (and a
				 * reader may try the others) */
	VOUCH_MBOX_MBOXO,	/* ">From " unquoted; ">>From " kept */
	VOUCH_MBOX_MBOXRD,	/* ">+From " loses one '>' */
	VOUCH_MBOX_MBOXCL,	/* Content-Length, bodies quoted as mboxo */
	VOUCH_MBOX_MBOXCL2	/* Content-Length, nothing quoted */
};

/* Does a message hold a quoted ">From " line (">" repeated)? */
VOUCH_EXPORT int vouch_mbox_has_quoted_from(const void *data, size_t len);

/* Does the data start like an mbox ("From " on the first line)? */
VOUCH_EXPORT int vouch_mbox_is(const void *data, size_t len);
/*
 * The next message of an mbox from *off (start with 0): sets *msg and
 * *msglen (borrowed from data; still mboxrd-quoted) and advances *off.
 * Returns 0 when there is none left.
 */
VOUCH_EXPORT int vouch_mbox_next(const void *data, size_t len, size_t *off,
    const unsigned char **msg, size_t *msglen);
/*
 * The same, and *quoted (when not NULL): 1 for mboxrd/mboxo messages
 * (">From " quoting to undo), 0 for an mboxcl2 message whose
 * Content-Length decided its end (nothing is quoted there).
 */
VOUCH_EXPORT int vouch_mbox_next_ex(const void *data, size_t len,
    size_t *off, const unsigned char **msg, size_t *msglen, int *quoted);
/*
 * For an mbox read as a stream: data is what has been read so far, at_end
 * says whether that is all.  Returns 1 with the next message only when it
 * is known to be complete (its end seen, its Content-Length all there);
 * 0 when there is none yet: read more and call again with the same *off
 * (or, with at_end, there are no more).
 */
VOUCH_EXPORT int vouch_mbox_next_stream(const void *data, size_t len,
    int at_end, size_t *off, const unsigned char **msg, size_t *msglen,
    int *quoted);

/* An RFC 5322 date-time ("Mon, 2 Nov 2026 10:00:00 +0000") as Unix time,
 * or -1 when it does not parse. */
VOUCH_EXPORT int64_t vouch_date_parse(const char *text);

/* "pass", "fail", ... (RFC 8601); static. */
VOUCH_EXPORT const char *vouch_dkim_result_name(enum vouch_dkim_result r);

#ifdef __cplusplus
}
#endif
#endif
