/*
 * Keys: private keys for signing (PEM or a raw Ed25519 seed), public keys
 * from DNS records (RFC 6376 3.6.1), and the two signature primitives
 * (RSASSA-PKCS1-v1_5 with SHA-256; Ed25519 over the SHA-256 digest as
 * RFC 8463 3 says).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "dkim_int.h"
#include "common/util.h"

#define KEYFILE_MAX (64 * 1024)

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/*
 * SHA-256 fetched once: OpenSSL 3 otherwise looks the implementation up
 * again on every EVP_sha256() init, which costs as much as hashing a few
 * kilobytes.
 */
const EVP_MD *
dkim_sha256(void)
{
	pthread_once(&sha256_once, sha256_fetch);
	return sha256_md != NULL ? sha256_md : EVP_sha256();
}

static enum vouch_status
key_from_pkey(EVP_PKEY *pk, struct vouch_dkim_key **out,
    struct vouch_error *err)
{
	struct vouch_dkim_key *k;
	int id = EVP_PKEY_get_base_id(pk);

	if (id != EVP_PKEY_RSA && id != EVP_PKEY_ED25519) {
		EVP_PKEY_free(pk);
		return vouch__err(err, VOUCH_E_KEY, "RFC 6376 3.3", -1,
		    "not an RSA or Ed25519 key");
	}
	if (id == EVP_PKEY_RSA && (EVP_PKEY_get_bits(pk) <
	    VOUCH_DKIM_MIN_RSA_BITS || EVP_PKEY_get_bits(pk) >
	    VOUCH_DKIM_MAX_RSA_BITS)) {
		vouch__err(err, VOUCH_E_KEY, "RFC 8301 3.2", -1, "RSA key of "
		    "%d bits (1024 to 4096 allowed)", EVP_PKEY_get_bits(pk));
		EVP_PKEY_free(pk);
		return VOUCH_E_KEY;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		EVP_PKEY_free(pk);
		return VOUCH_E_NOMEM;
	}
	k->pkey = pk;
	k->type = id == EVP_PKEY_RSA ? VOUCH_DKIM_RSA : VOUCH_DKIM_ED25519;
	k->bits = (unsigned int)EVP_PKEY_get_bits(pk);
	*out = k;
	return VOUCH_OK;
}

enum vouch_status
vouch_dkim_key_parse(const void *data, size_t len,
    struct vouch_dkim_key **key, struct vouch_error *err)
{
	EVP_PKEY *pk = NULL;
	BIO *bio;
	const char *s = data;
	size_t i, n = len;

	if (len > 0 && memmem(data, len, "-----BEGIN", 10) != NULL) {
		if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL)
			return VOUCH_E_NOMEM;
		pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
		ERR_clear_error();
		if (pk == NULL)
			return vouch__err(err, VOUCH_E_KEY, NULL, -1,
			    "PEM does not hold a usable private key");
		return key_from_pkey(pk, key, err);
	}
	/* A raw Ed25519 seed: 32 bytes in base64 (RFC 8463 A.2). */
	for (i = 0; i < n; i++)
		if (s[i] == '#')	/* allow a trailing comment line */
			n = i;
	{
		enum vouch_status st;
		size_t dl = 0;
		unsigned char *d = vouch__b64_decode(s, n, &dl, &st);

		if (d == NULL || dl != 32) {
			if (d != NULL)
				vouch__wipe(d, dl);
			free(d);
			return vouch__err(err, VOUCH_E_KEY, NULL, -1,
			    "neither PEM nor a base64 Ed25519 seed of 32 bytes");
		}
		pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, d, 32);
		vouch__wipe(d, dl);
		free(d);
		if (pk == NULL)
			return vouch__err(err, VOUCH_E_KEY, NULL, -1,
			    "bad Ed25519 seed");
		return key_from_pkey(pk, key, err);
	}
}

enum vouch_status
vouch_dkim_key_load(const char *path, int allow_unsafe,
    struct vouch_dkim_key **key, struct vouch_error *err)
{
	unsigned char *buf;
	struct stat sb;
	ssize_t r;
	size_t n = 0;
	enum vouch_status st;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return vouch__err(err, errno == ENOENT ? VOUCH_E_NOTFOUND :
		    VOUCH_E_KEY, NULL, -1, "%s: %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return vouch__err(err, VOUCH_E_KEY, NULL, -1,
		    "%s: not a regular file", path);
	}
	/* others may not read it, nor the group write it; the group may
	 * read it (root:opendkim 0640, the usual way to hand a key to a
	 * signing daemon's group) */
	if ((sb.st_mode & 027) != 0 && !allow_unsafe) {
		close(fd);
		return vouch__err(err, VOUCH_E_KEY, NULL, -1, "%s: %s (mode "
		    "%03o); chmod 600 it, or 640 with its group the one that "
		    "signs", path, (sb.st_mode & 007) != 0 ? "readable by "
		    "others" : "writable by its group",
		    (unsigned)(sb.st_mode & 0777));
	}
	if (sb.st_size > KEYFILE_MAX) {
		close(fd);
		return vouch__err(err, VOUCH_E_KEY, NULL, -1,
		    "%s: too large for a key file", path);
	}
	if ((buf = malloc(KEYFILE_MAX + 1)) == NULL) {
		close(fd);
		return VOUCH_E_NOMEM;
	}
	while (n < KEYFILE_MAX && (r = read(fd, buf + n, KEYFILE_MAX - n)) > 0)
		n += (size_t)r;
	close(fd);
	st = vouch_dkim_key_parse(buf, n, key, err);
	vouch__wipe(buf, KEYFILE_MAX + 1);
	free(buf);
	if (st != VOUCH_OK && err != NULL) {
		char m[sizeof(err->message)];
		int k = snprintf(m, sizeof(m), "%s: ", path);

		if (k > 0 && (size_t)k < sizeof(m)) {
			snprintf(m + k, sizeof(m) - (size_t)k, "%.*s",
			    (int)(sizeof(m) - (size_t)k - 1), err->message);
			memcpy(err->message, m, sizeof(m));
		}
	}
	return st;
}

enum vouch_status
vouch_dkim_key_generate(enum vouch_dkim_keytype type, unsigned int bits,
    struct vouch_dkim_key **key, struct vouch_error *err)
{
	EVP_PKEY *pk = NULL;

	if (type == VOUCH_DKIM_RSA) {
		if (bits < VOUCH_DKIM_MIN_RSA_BITS ||
		    bits > VOUCH_DKIM_MAX_RSA_BITS)
			return vouch__err(err, VOUCH_E_INVAL, "RFC 8301 3.2", -1,
			    "RSA keys must be 1024 to 4096 bits");
		pk = EVP_RSA_gen(bits);
	} else {
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	}
	if (pk == NULL)
		return vouch__err(err, VOUCH_E_CRYPTO, NULL, -1,
		    "key generation failed");
	return key_from_pkey(pk, key, err);
}

void
vouch_dkim_key_free(struct vouch_dkim_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);	/* OpenSSL clears key material it frees */
	free(k);
}

enum vouch_dkim_keytype
vouch_dkim_key_type(const struct vouch_dkim_key *k)
{
	return k->type;
}

unsigned int
vouch_dkim_key_bits(const struct vouch_dkim_key *k)
{
	return k->bits;
}

char *
vouch_dkim_key_private_pem(const struct vouch_dkim_key *k)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *out = NULL, *p;
	long n;

	if (bio == NULL)
		return NULL;
	if (PEM_write_bio_PKCS8PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL,
	    NULL) == 1 && (n = BIO_get_mem_data(bio, &p)) > 0 &&
	    (out = malloc((size_t)n + 1)) != NULL) {
		memcpy(out, p, (size_t)n);
		out[n] = '\0';
		vouch__wipe(p, (size_t)n);
	}
	BIO_free(bio);
	return out;
}

/* p= value: SubjectPublicKeyInfo DER for RSA, the raw 32 bytes for
 * Ed25519 (RFC 8463 4.2). */
static char *
public_b64(const struct vouch_dkim_key *k)
{
	unsigned char *der = NULL, raw[32];
	size_t rl = sizeof(raw);
	char *b64;
	int n;

	if (k->type == VOUCH_DKIM_ED25519) {
		if (EVP_PKEY_get_raw_public_key(k->pkey, raw, &rl) != 1)
			return NULL;
		return vouch__b64_encode(raw, rl);
	}
	if ((n = i2d_PUBKEY(k->pkey, &der)) <= 0)
		return NULL;
	b64 = vouch__b64_encode(der, (size_t)n);
	OPENSSL_free(der);
	return b64;
}

char *
vouch_dkim_key_record(const struct vouch_dkim_key *k, int testing)
{
	char *p = public_b64(k), *out;
	size_t n;

	if (p == NULL)
		return NULL;
	n = strlen(p) + 64;
	if ((out = malloc(n)) != NULL)
		snprintf(out, n, "v=DKIM1; k=%s;%s p=%s", k->type ==
		    VOUCH_DKIM_RSA ? "rsa" : "ed25519", testing ? " t=y;" : "",
		    p);
	free(p);
	return out;
}

EVP_PKEY *
dkim_pkey_from_der(const unsigned char *der, size_t n,
    enum vouch_dkim_keytype type)
{
	const unsigned char *p = der;
	EVP_PKEY *pk;

	if (type == VOUCH_DKIM_ED25519)
		return n == 32 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519,
		    NULL, der, 32) : NULL;
	pk = d2i_PUBKEY(NULL, &p, (long)n);
	if (pk == NULL) {
		/* Some publish a bare RSAPublicKey (PKCS#1). */
		p = der;
		pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)n);
	}
	ERR_clear_error();
	if (pk != NULL && EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
		EVP_PKEY_free(pk);
		return NULL;
	}
	return pk;
}

/* h=, t= and s= of a key record (RFC 6376 3.6.1). */
static enum vouch_status
key_flags(struct dkim_pubkey *k, const struct dkim_tags *tags, char *why,
    size_t whylen)
{
	const struct dkim_tag *t;
	const char *f;
	size_t pos, fl;
	int email = 0;

	if ((t = dkim_tags_get(tags, "h")) != NULL) {
		/* colon-separated hash names; sha256 must be one of them */
		k->sha256_ok = k->sha1_ok = 0;
		for (pos = 0; dkim_list_next(t->val, t->vlen, ':', &pos, &f,
		    &fl);) {
			k->sha256_ok |= fl == 6 && memcmp(f, "sha256", 6) == 0;
			k->sha1_ok |= fl == 4 && memcmp(f, "sha1", 4) == 0;
		}
	}
	/* key-t-tag: flags separated by ':' with FWS around them */
	if ((t = dkim_tags_get(tags, "t")) != NULL)
		for (pos = 0; dkim_list_next(t->val, t->vlen, ':', &pos, &f,
		    &fl);) {
			k->testing |= fl == 1 && *f == 'y';
			k->strict |= fl == 1 && *f == 's';
		}
	if ((t = dkim_tags_get(tags, "s")) == NULL)
		return VOUCH_OK;
	/* key-s-tag: "email" or "*" must be listed */
	for (pos = 0; dkim_list_next(t->val, t->vlen, ':', &pos, &f, &fl);)
		email |= (fl == 1 && *f == '*') ||
		    (fl == 5 && vouch__memcaseeq(f, "email", 5));
	if (email)
		return VOUCH_OK;
	snprintf(why, whylen, "not a key for email: s=%.*s",
	    (int)(t->vlen > 30 ? 30 : t->vlen), t->val);
	return VOUCH_E_KEY;
}

/* p=: the public key (an empty one is revoked). */
static enum vouch_status
key_material(struct dkim_pubkey *k, const struct dkim_tags *tags, char *why,
    size_t whylen)
{
	const struct dkim_tag *t;
	unsigned char *der;
	enum vouch_status st;
	size_t dl;
	char *p;

	if ((t = dkim_tags_get(tags, "p")) == NULL) {
		snprintf(why, whylen, "key record has no p= tag");
		return VOUCH_E_SYNTAX;
	}
	if ((p = dkim_tag_nows(t)) == NULL)
		return VOUCH_E_NOMEM;
	if (*p == '\0') {
		free(p);
		k->revoked = 1;
		snprintf(why, whylen, "key revoked (empty p=)");
		return VOUCH_OK;
	}
	der = vouch__b64_decode(p, strlen(p), &dl, &st);
	free(p);
	if (der == NULL) {
		snprintf(why, whylen, "p= is not valid base64");
		return st == VOUCH_E_NOMEM ? st : VOUCH_E_SYNTAX;
	}
	k->pkey = dkim_pkey_from_der(der, dl, k->type);
	free(der);
	if (k->pkey == NULL) {
		snprintf(why, whylen, "p= is not a valid %s public key",
		    k->type == VOUCH_DKIM_RSA ? "RSA" : "Ed25519 (32 bytes)");
		return VOUCH_E_KEY;
	}
	k->bits = (unsigned int)EVP_PKEY_get_bits(k->pkey);
	return VOUCH_OK;
}

enum vouch_status
dkim_pubkey_parse(const char *rec, size_t len, struct dkim_pubkey *k,
    char *why, size_t whylen)
{
	struct dkim_tags tags;
	const struct dkim_tag *t;
	enum vouch_status st;

	memset(k, 0, sizeof(*k));
	k->sha256_ok = 1;
	k->sha1_ok = 1;
	if (dkim_tags_parse(rec, len, &tags, why, whylen) != VOUCH_OK)
		return VOUCH_E_SYNTAX;
	if ((t = dkim_tags_get(&tags, "v")) != NULL &&
	    (tags.t != t || t->vlen != 5 || memcmp(t->val, "DKIM1", 5) != 0)) {
		snprintf(why, whylen, "key record v= is not DKIM1 first");
		return VOUCH_E_SYNTAX;
	}
	if ((t = dkim_tags_get(&tags, "k")) != NULL) {
		if (t->vlen == 3 && memcmp(t->val, "rsa", 3) == 0)
			k->type = VOUCH_DKIM_RSA;
		else if (t->vlen == 7 && memcmp(t->val, "ed25519", 7) == 0)
			k->type = VOUCH_DKIM_ED25519;
		else {
			snprintf(why, whylen, "unknown key type k=%.*s",
			    (int)(t->vlen > 20 ? 20 : t->vlen), t->val);
			return VOUCH_E_KEY;
		}
	}
	if ((st = key_flags(k, &tags, why, whylen)) != VOUCH_OK)
		return st;
	return key_material(k, &tags, why, whylen);
}

void
dkim_pubkey_clear(struct dkim_pubkey *k)
{
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
}

int
vouch_dkim_key_matches_record(const struct vouch_dkim_key *key,
    const char *record, size_t len)
{
	struct dkim_pubkey pk;
	char why[128];
	int eq;

	if (dkim_pubkey_parse(record, len, &pk, why, sizeof(why)) != VOUCH_OK ||
	    pk.revoked)
		return -1;
	eq = pk.type == key->type && EVP_PKEY_eq(pk.pkey, key->pkey) == 1;
	dkim_pubkey_clear(&pk);
	return eq;
}

enum vouch_status
dkim_crypto_sign(EVP_PKEY *k, enum vouch_dkim_keytype t,
    const unsigned char *data, size_t n, unsigned char **sig, size_t *slen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char digest[32];
	enum vouch_status st = VOUCH_E_CRYPTO;
	size_t len = 0;

	if (md == NULL)
		return VOUCH_E_NOMEM;
	*sig = NULL;
	if (t == VOUCH_DKIM_RSA) {
		if (EVP_DigestSignInit(md, NULL, dkim_sha256(), NULL, k) != 1 ||
		    EVP_DigestSign(md, NULL, &len, data, n) != 1 ||
		    (*sig = malloc(len)) == NULL ||
		    EVP_DigestSign(md, *sig, &len, data, n) != 1)
			goto out;
	} else {
		/* RFC 8463 3: Ed25519 signs the SHA-256 hash of the data. */
		if (EVP_Digest(data, n, digest, NULL, dkim_sha256(), NULL) != 1 ||
		    EVP_DigestSignInit(md, NULL, NULL, NULL, k) != 1 ||
		    (*sig = malloc(64)) == NULL)
			goto out;
		len = 64;
		if (EVP_DigestSign(md, *sig, &len, digest, 32) != 1)
			goto out;
	}
	*slen = len;
	st = VOUCH_OK;
out:
	if (st != VOUCH_OK) {
		free(*sig);
		*sig = NULL;
	}
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return st;
}

int
dkim_crypto_verify(EVP_PKEY *k, enum vouch_dkim_keytype t,
    const unsigned char *data, size_t n, const unsigned char *sig,
    size_t slen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char digest[32];
	int ok = 0;

	if (md == NULL)
		return 0;
	if (t == VOUCH_DKIM_RSA) {
		ok = EVP_DigestVerifyInit(md, NULL, dkim_sha256(), NULL, k) == 1 &&
		    EVP_DigestVerify(md, sig, slen, data, n) == 1;
	} else {
		ok = EVP_Digest(data, n, digest, NULL, dkim_sha256(), NULL) == 1 &&
		    EVP_DigestVerifyInit(md, NULL, NULL, NULL, k) == 1 &&
		    EVP_DigestVerify(md, sig, slen, digest, 32) == 1;
	}
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return ok;
}

int
dkim_crypto_verify_sha1(EVP_PKEY *k, const unsigned char *data, size_t n,
    const unsigned char *sig, size_t slen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok;

	if (md == NULL)
		return 0;
	ok = EVP_DigestVerifyInit(md, NULL, EVP_sha1(), NULL, k) == 1 &&
	    EVP_DigestVerify(md, sig, slen, data, n) == 1;
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return ok;
}
