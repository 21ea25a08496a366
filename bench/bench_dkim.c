/*
 * DKIM per-message cost, in-process, 4 KB message, keys parsed once:
 *   sign:   vouch rsa-sha256 2048 and ed25519 against (a) libopendkim
 *           signing the same message and (b) the OpenSSL floor: one
 *           signature plus hashing the message;
 *   verify: vouch, one rsa-sha256 2048 signature, key cached, against the
 *           floor (one RSA verify plus hashing) and libopendkim.
 * Prints "case vouch_us peer_us ratio" rows; medians of several rounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <opendkim/dkim.h>
#include <vouch/vouch.h>
#include "bench_util.h"


static char msg[8192];
static size_t msglen;
static char *pem_rsa, *pem_ed, *rec_rsa, *rec_ed;

/* ---- vouch ----------------------------------------------------------- */

static struct vouch_dkim_key *krsa, *ked;

static void
vouch_sign_once(struct vouch_dkim_key *k)
{
	struct vouch_dkim_sign_params p = { 0 };
	struct vouch_dkim_signer *s;
	char *h = NULL;

	p.domain = "example.com";
	p.selector = "bench";
	p.key = k;
	p.header_canon = p.body_canon = VOUCH_DKIM_RELAXED;
	p.timestamp = 1790000000;
	vouch_dkim_signer_new(&p, 1, &s, NULL);
	vouch_dkim_signer_feed(s, msg, msglen);
	if (vouch_dkim_signer_finish(s, &h, NULL) != VOUCH_OK)
		abort();
	vouch_free(h);
	vouch_dkim_signer_free(s);
}

static char *signed_msg;
static size_t signed_len;
static struct vouch_dkim_ctx *vctx;

static void
vouch_verify_once(void)
{
	struct vouch_dkim_verifier *v;

	vouch_dkim_verifier_new(vctx, &v);
	vouch_dkim_verifier_feed(v, signed_msg, signed_len);
	vouch_dkim_verifier_finish(v, NULL);
	if (vouch_dkim_verifier_sig(v, 0)->result != VOUCH_DKIM_PASS)
		abort();
	vouch_dkim_verifier_free(v);
}

/* ---- OpenSSL floor ------------------------------------------------------ */

static EVP_PKEY *prsa, *ped, *pubrsa;
static unsigned char rsasig[512];
static size_t rsasiglen;

static void
floor_sign(EVP_PKEY *k, int ed)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char sig[512], dg[32];
	size_t sl = sizeof(sig);

	if (ed) {
		EVP_Digest(msg, msglen, dg, NULL, EVP_sha256(), NULL);
		EVP_DigestSignInit(md, NULL, NULL, NULL, k);
		EVP_DigestSign(md, sig, &sl, dg, 32);
	} else {
		EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k);
		EVP_DigestSign(md, sig, &sl, (unsigned char *)msg, msglen);
		memcpy(rsasig, sig, sl);
		rsasiglen = sl;
	}
	EVP_MD_CTX_free(md);
}

static void
floor_verify(void)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pubrsa);
	if (EVP_DigestVerify(md, rsasig, rsasiglen, (unsigned char *)msg,
	    msglen) != 1)
		abort();
	EVP_MD_CTX_free(md);
}

/* ---- libopendkim --------------------------------------------------------- */

static DKIM_LIB *lib;

static void
od_sign_once(const char *pem, int ed)
{
	DKIM_STAT st;
	DKIM *d = dkim_sign(lib, (const unsigned char *)"b", NULL,
	    (dkim_sigkey_t)pem, (const unsigned char *)"bench",
	    (const unsigned char *)"example.com", DKIM_CANON_RELAXED,
	    DKIM_CANON_RELAXED, ed ? DKIM_SIGN_ED25519SHA256 :
	    DKIM_SIGN_RSASHA256, -1, &st);
	unsigned char *h;
	size_t hl;

	dkim_chunk(d, (u_char *)msg, msglen);
	dkim_chunk(d, NULL, 0);
	if (dkim_eom(d, NULL) != DKIM_STAT_OK ||
	    dkim_getsighdr_d(d, 16, &h, &hl) != DKIM_STAT_OK)
		abort();
	dkim_free(d);
}

static DKIM_CBSTAT
od_lookup(DKIM *d, DKIM_SIGINFO *sig, u_char *buf, size_t len)
{
	(void)d;
	(void)sig;
	snprintf((char *)buf, len, "%s", rec_rsa);
	return DKIM_CBSTAT_CONTINUE;
}

static void
od_verify_once(void)
{
	DKIM_STAT st;
	DKIM *d = dkim_verify(lib, (const unsigned char *)"v", NULL, &st);

	dkim_chunk(d, (u_char *)signed_msg, signed_len);
	dkim_chunk(d, NULL, 0);
	if (dkim_eom(d, NULL) != DKIM_STAT_OK)
		abort();
	dkim_free(d);
}

/* ---- timing ------------------------------------------------------------- */

typedef void (*fn_t)(void *);

static void w_vsign_rsa(void *a) { (void)a; vouch_sign_once(krsa); }
static void w_vsign_ed(void *a) { (void)a; vouch_sign_once(ked); }
static void w_fsign_rsa(void *a) { (void)a; floor_sign(prsa, 0); }
static void w_fsign_ed(void *a) { (void)a; floor_sign(ped, 1); }
static void w_osign_rsa(void *a) { (void)a; od_sign_once(pem_rsa, 0); }
static void w_osign_ed(void *a) { (void)a; od_sign_once(pem_ed, 1); }
static void w_vverify(void *a) { (void)a; vouch_verify_once(); }
static void w_fverify(void *a) { (void)a; floor_verify(); }
static void w_overify(void *a) { (void)a; od_verify_once(); }

static void
row(const char *name, double v, double peer, const char *peername)
{
	printf("%-34s %10.2f %10.2f %7.2fx  (vs %s)\n", name, v, peer, v / peer,
	    peername);
}

int
main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 400;
	struct vouch_dns *dns = vouch_dns_new();
	BIO *b;
	double vs, fs, os;

	msglen = bench_message(msg, sizeof(msg), "someone@example.net",
	    "bench@example.com");
	vouch_dkim_key_generate(VOUCH_DKIM_RSA, 2048, &krsa, NULL);
	vouch_dkim_key_generate(VOUCH_DKIM_ED25519, 0, &ked, NULL);
	pem_rsa = vouch_dkim_key_private_pem(krsa);
	pem_ed = vouch_dkim_key_private_pem(ked);
	rec_rsa = vouch_dkim_key_record(krsa, 0);
	rec_ed = vouch_dkim_key_record(ked, 0);
	b = BIO_new_mem_buf(pem_rsa, -1);
	prsa = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	b = BIO_new_mem_buf(pem_ed, -1);
	ped = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	{
		/* the public key as a verifier has it: parsed from p= */
		const char *p64 = strstr(rec_rsa, "p=") + 2;
		unsigned char der[1024];
		const unsigned char *dp = der;
		int dl = EVP_DecodeBlock(der, (const unsigned char *)p64,
		    (int)strlen(p64));

		while (dl > 0 && p64[strlen(p64) - 1] == '=' && 0)
			;
		pubrsa = d2i_PUBKEY(NULL, &dp, dl);
		if (pubrsa == NULL) {
			/* EVP_DecodeBlock counts padding bytes: retry */
			dp = der;
			pubrsa = d2i_PUBKEY(NULL, &dp, dl - 1);
		}
		if (pubrsa == NULL)
			pubrsa = d2i_PUBKEY(NULL, (dp = der, &dp), dl - 2);
		if (pubrsa == NULL)
			abort();
	}
	lib = dkim_init(NULL, NULL);
	dkim_set_key_lookup(lib, od_lookup);

	/* a signed copy to verify, and the key in "DNS" (memory) */
	{
		struct vouch_dkim_sign_params p = { 0 };
		struct vouch_dkim_signer *s;
		char *h;

		p.domain = "example.com";
		p.selector = "bench";
		p.key = krsa;
		p.header_canon = p.body_canon = VOUCH_DKIM_RELAXED;
		vouch_dkim_signer_new(&p, 1, &s, NULL);
		vouch_dkim_signer_feed(s, msg, msglen);
		vouch_dkim_signer_finish(s, &h, NULL);
		signed_len = strlen(h) + msglen;
		signed_msg = malloc(signed_len + 1);
		memcpy(signed_msg, h, strlen(h));
		memcpy(signed_msg + strlen(h), msg, msglen);
		vouch_free(h);
		vouch_dkim_signer_free(s);
		vouch_dns_add_raw(dns, "bench._domainkey.example.com",
		    VOUCH_DNS_TXT, rec_rsa, strlen(rec_rsa), 86400);
		vctx = vouch_dkim_ctx_new(dns);
	}
	floor_sign(prsa, 0);	/* fills rsasig for floor_verify */

	printf("%-34s %10s %10s %8s\n", "case (4 KB message)", "vouch_us",
	    "peer_us", "ratio");
	vs = time_us(w_vsign_rsa, NULL, iters);
	fs = time_us(w_fsign_rsa, NULL, iters);
	os = time_us(w_osign_rsa, NULL, iters);
	row("sign rsa-sha256 2048", vs, fs, "OpenSSL floor");
	row("sign rsa-sha256 2048", vs, os, "libopendkim");
	vs = time_us(w_vsign_ed, NULL, iters * 10);
	fs = time_us(w_fsign_ed, NULL, iters * 10);
	os = time_us(w_osign_ed, NULL, iters * 10);
	row("sign ed25519-sha256", vs, fs, "OpenSSL floor");
	row("sign ed25519-sha256", vs, os, "libopendkim");
	vs = time_us(w_vverify, NULL, iters * 10);
	fs = time_us(w_fverify, NULL, iters * 10);
	os = time_us(w_overify, NULL, iters * 10);
	row("verify rsa-sha256 2048 (key cached)", vs, fs, "OpenSSL floor");
	row("verify rsa-sha256 2048 (key cached)", vs, os, "libopendkim");
	dkim_close(lib);
	return 0;
}
