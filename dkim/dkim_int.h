/* Internals of DKIM: message parsing and canonicalization are one
 * implementation used by both the signer and the verifier. */
#ifndef VOUCH_DKIM_INT_H
#define VOUCH_DKIM_INT_H

#include <stddef.h>
#include <stdint.h>
#include "dkim_auth.h"

#include <openssl/evp.h>

#include <vouch/dkim.h>
#include "common/buf.h"

#define VOUCH_DKIM_MAX_FIELDS 100000	/* header fields kept per message */

/* ---- message ---------------------------------------------------------- */

struct dkim_name_slot {
	const unsigned char *name;	/* NULL: empty slot */
	size_t len;
	uint32_t last;		/* bottom-most field with the name */
	uint32_t next;		/* cursor: next field to take */
	uint32_t gen;		/* the h= list the cursor belongs to */
};

#define DKIM_NONE UINT32_MAX
/* h= entries looked up per message, over all signatures: every one costs
 * a hash lookup, so this bounds the work an attacker's h= lists cause. */
#define VOUCH_DKIM_MAX_H_WORK 1000000

struct dkim_field {
	const unsigned char *raw;	/* into msg->hdr, with line ending(s) */
	size_t len;
	size_t namelen;		/* name without trailing WSP */
	size_t colon;		/* offset of ':' in raw */
};

typedef void (*dkim_body_fn)(void *arg, const unsigned char *p, size_t n);

struct dkim_msg {
	struct vbuf hdr;	/* the header section as it came */
	int in_body;
	int lf_only;		/* the first line ended with a bare LF */
	int seen_line_end;
	struct dkim_field *fields;
	size_t nfields;
	const char *error;	/* why the header is malformed, or NULL */
	dkim_body_fn body;
	void *body_arg;
	uint64_t body_bytes;
	int at_line_start;	/* scanning state for the header end */
	int too_large;		/* the header passed VOUCH_DKIM_MAX_HEADER */
	/* header fields by name, built once, for h= lists (linear work) */
	struct dkim_name_slot *index;
	size_t index_size;	/* slots, a power of two */
	uint32_t *prev_same;	/* field above with the same name, or NONE */
	uint32_t gen;		/* one per h= list walked */
	size_t h_work;		/* h= names looked up so far */
	char *from;		/* the From addr-spec, once looked for */
	int from_done;
};

void dkim_msg_init(struct dkim_msg *m, dkim_body_fn body, void *arg);
void dkim_msg_clear(struct dkim_msg *m);
/* Feed raw bytes; VOUCH_E_LIMIT past VOUCH_DKIM_MAX_HEADER. */
enum vouch_status dkim_msg_feed(struct dkim_msg *m, const unsigned char *p,
    size_t n);
/* End of input (a message without a body ends its header here). */
enum vouch_status dkim_msg_end(struct dkim_msg *m);
/* Does field f have this name (case-insensitive)? */
int dkim_field_is(const struct dkim_field *f, const char *name);
/* The field value (after the colon), raw. */
const unsigned char *dkim_field_value(const struct dkim_field *f,
    size_t *len);
/* addr-spec of the one From field; NULL when absent or ambiguous. */
char *dkim_msg_addr(const struct dkim_msg *m, const char *name,
    const char **why);
char *dkim_msg_from_addr(const struct dkim_msg *m, const char **why);
/* The same, found once after the header and kept by the message. */
const char *dkim_msg_from(struct dkim_msg *m);

/* Canonicalize the fields named in the h= list into out (RFC 6376
 * 5.4.2: bottom-up, an absent name adds nothing).  Work is linear: names
 * are looked up in an index built once per message.  VOUCH_E_LIMIT when
 * the message's h= lists together pass VOUCH_DKIM_MAX_H_WORK names. */
enum vouch_status dkim_hash_headers(struct dkim_msg *m, const char *h,
    size_t hlen, enum vouch_dkim_canon c, struct vbuf *out);

/* Is auid ([local-part] "@" domain, RFC 6376 3.5) in domain d, or in a
 * subdomain of it unless strict?  Exactly one '@' outside a quoted local
 * part. */
int dkim_auid_in_domain(const char *auid, const char *d, int strict);

/* ---- canonicalization (RFC 6376 3.4) ---------------------------------------- */

/* Append the canonical form of a header field (with CRLF) to out.  With
 * strip_b, the value of the b= tag is removed (for the signature's own
 * field).  No CRLF is appended when nocrlf. */
enum vouch_status dkim_canon_header(struct vbuf *out, const unsigned char *raw,
    size_t len, enum vouch_dkim_canon c, int nocrlf);

struct dkim_body_hash {
	enum vouch_dkim_canon canon;
	uint64_t limit;		/* l=, or UINT64_MAX */
	uint64_t hashed;	/* canonical bytes hashed */
	uint64_t total;		/* canonical bytes seen */
	EVP_MD_CTX *md;
	int pending_cr, pending_wsp, any;
	int sha1;		/* rsa-sha1 on request (--allow-sha1) */
	uint64_t pending_crlf;
	unsigned char buf[8192];
	size_t blen;
};

enum vouch_status dkim_body_init(struct dkim_body_hash *h,
    enum vouch_dkim_canon c, uint64_t limit);
/* The same with SHA-1 when sha1 (legacy rsa-sha1, only on request). */
enum vouch_status dkim_body_init_md(struct dkim_body_hash *h,
    enum vouch_dkim_canon c, uint64_t limit, int sha1);
void dkim_body_update(struct dkim_body_hash *h, const unsigned char *p,
    size_t n);
/* Finish: the digest into out (32 bytes for SHA-256, 20 for SHA-1). */
enum vouch_status dkim_body_final(struct dkim_body_hash *h,
    unsigned char out[32]);
void dkim_body_clear(struct dkim_body_hash *h);

/* ---- tag lists (RFC 6376 3.2) ------------------------------------------------- */

#define DKIM_MAX_TAGS 64

struct dkim_tag {
	const char *name;
	size_t nlen;
	const char *val;	/* trimmed of surrounding FWS */
	size_t vlen;
};

struct dkim_tags {
	struct dkim_tag t[DKIM_MAX_TAGS];
	size_t n;
};

/* Parse a tag-list; on error returns VOUCH_E_SYNTAX with a message naming
 * the tag (duplicate tags are an error, RFC 6376 3.2). */
enum vouch_status dkim_tags_parse(const char *s, size_t n,
    struct dkim_tags *tags, char *why, size_t whylen);
const struct dkim_tag *dkim_tags_get(const struct dkim_tags *t,
    const char *name);
/* The next element of a sep-separated list (h=, rua=) in s[0..n) from
 * *pos, folding whitespace trimmed; 0 when the list is done. */
int dkim_list_next(const char *s, size_t n, char sep, size_t *pos,
    const char **elem, size_t *elen);
/* Copy a value without any whitespace (b=, bh=, p=). */
char *dkim_tag_nows(const struct dkim_tag *t);

/* ---- keys ------------------------------------------------------------------- */

struct vouch_dkim_key {
	EVP_PKEY *pkey;
	enum vouch_dkim_keytype type;
	unsigned int bits;
};

/* Public key from a record (RFC 6376 3.6.1). */
struct dkim_pubkey {
	EVP_PKEY *pkey;		/* NULL when revoked */
	enum vouch_dkim_keytype type;
	unsigned int bits;
	int testing;		/* t=y */
	int strict;		/* t=s */
	int sha256_ok;		/* h= allows sha256 */
	int sha1_ok;		/* h= allows sha1 (absent h= allows all) */
	int revoked;
};

/* Parse a key record; on error VOUCH_E_SYNTAX/VOUCH_E_KEY with why. */
enum vouch_status dkim_pubkey_parse(const char *rec, size_t len,
    struct dkim_pubkey *k, char *why, size_t whylen);
void dkim_pubkey_clear(struct dkim_pubkey *k);
EVP_PKEY *dkim_pkey_from_der(const unsigned char *der, size_t n,
    enum vouch_dkim_keytype type);

/* SHA-256, fetched from the provider once per process. */
const EVP_MD *dkim_sha256(void);

/* Sign or verify the canonical header data (RFC 6376 3.7, RFC 8463 3). */
enum vouch_status dkim_crypto_sign(EVP_PKEY *k, enum vouch_dkim_keytype t,
    const unsigned char *data, size_t n, unsigned char **sig, size_t *slen);
int dkim_crypto_verify(EVP_PKEY *k, enum vouch_dkim_keytype t,
    const unsigned char *data, size_t n, const unsigned char *sig,
    size_t slen);
/* rsa-sha1 (legacy, on request only). */
int dkim_crypto_verify_sha1(EVP_PKEY *k, const unsigned char *data, size_t n,
    const unsigned char *sig, size_t slen);

/* Append " text" to a header being built, folding ("\r\n\t") first when
 * the line would pass 76 columns; *col tracks the column. */
enum vouch_status dkim_fold_add(struct vbuf *b, size_t *col, const char *text,
    size_t n);
/* Append a b= value folded every 76 columns. */
enum vouch_status dkim_append_b(struct vbuf *hdr, const char *b64);

/* The default signed headers (RFC 6376 5.4.1) and those over-signed. */
extern const char *const dkim_default_headers[];
extern const char *const dkim_oversign_headers[];

#define DKIM_MAX_HASHERS (VOUCH_DKIM_MAX_SIGS + 52)	/* DKIM + ARC */

/* The key of selector s in domain d through the context's cache:
 * PASS with *key filled (release it with dkim_pubkey_clear), else the
 * result and why. */
enum vouch_dkim_result vouch__dkim_key_get(struct vouch_dkim_ctx *c,
    const char *s, const char *d, struct dkim_pubkey *key, char *why,
    size_t whylen);
int64_t vouch__dkim_ctx_now(const struct vouch_dkim_ctx *c);
/* The field without the value of its b= tag (RFC 6376 3.7). */
enum vouch_status dkim_strip_b(const struct dkim_field *f, struct vbuf *out);
/* Body hashes for another user of the stream (ARC): ask from the header
 * hook, read the SHA-256 after finish (NULL when it failed). */
int vouch__dkim_body_hasher(struct vouch_dkim_verifier *v,
    enum vouch_dkim_canon c, uint64_t l);
const unsigned char *vouch__dkim_body_digest(
    const struct vouch_dkim_verifier *v, int i, uint64_t *total);

/* The parsed message of a verifier (after finish). */
const struct dkim_msg *vouch__dkim_verifier_msg(
    const struct vouch_dkim_verifier *v);



#endif
