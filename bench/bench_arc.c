/*
 * ARC verification cost: a 4 KB message sealed three times (three hops,
 * rsa-sha256 2048, three keys), keys cached.  Prints, in one run:
 *   vouch:  the inbound verdict on it (3 AMS + 3 AS, plus the DKIM/DMARC
 *           bookkeeping around them), microseconds per message;
 *   floor:  what OpenSSL alone needs: six RSA-2048 verifications over
 *           1 KB each and one SHA-256 over the message;
 * and the ratio (target: <= 1.3).  Then sealing, as the milter seals:
 *   vouch:  one ARC set (AAR, AMS and AS, rsa-sha256 2048) over the same
 *           message unsealed, the sealer fed and finished;
 *   floor:  two RSA-2048 signatures over 1 KB each and one SHA-256 over
 *           the message (target: <= 1.2).  With a second argument, writes the
 * sealed message there and its key records to OUT.zone (bench/run times
 * dkimpy's arc_verify on it).
 * usage: bench_arc [N [OUT]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <vouch/vouch.h>
#include "bench_util.h"



static char *msg;
static size_t msglen;
static struct vouch_auth_ctx *actx;

static void
vouch_once(void *arg)
{
	struct vouch_auth *a;

	(void)arg;
	vouch_auth_new(actx, NULL, &a);
	vouch_auth_feed(a, msg, msglen);
	vouch_auth_finish(a, NULL);
	if (vouch_auth_arc(a)->result != VOUCH_ARC_PASS)
		abort();
	vouch_auth_free(a);
}

static EVP_PKEY *fpkey;
static unsigned char fsig[512], fdata[1024];
static size_t fsiglen;

static void
floor_once(void *arg)
{
	unsigned char dg[32];
	int k;

	(void)arg;
	for (k = 0; k < 6; k++) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();

		EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, fpkey);
		if (EVP_DigestVerify(md, fsig, fsiglen, fdata,
		    sizeof(fdata)) != 1)
			abort();
		EVP_MD_CTX_free(md);
	}
	EVP_Digest(msg, msglen, dg, NULL, EVP_sha256(), NULL);
}

/* one seal of the unsealed message (the milter's inbound seal) */
static char *plain;
static size_t plainlen;
static const struct vouch_dkim_key *seal_key;

static void
seal_once(void *arg)
{
	struct vouch_arc_seal_params p = { 0 };
	struct vouch_arc_sealer *s;
	char *h;

	(void)arg;
	p.domain = "mx.bench.example";
	p.selector = "s";
	p.key = seal_key;
	p.timestamp = 1790000000;
	vouch_arc_sealer_new(&p, &s, NULL);
	vouch_arc_sealer_feed(s, plain, plainlen);
	if (vouch_arc_sealer_finish(s, VOUCH_ARC_NONE, "mx.bench.example;\n\t"
	    "dkim=pass header.d=example.com header.s=sel header.b=abcdefgh;\n\t"
	    "spf=pass smtp.mailfrom=arc@example.com;\n\tdmarc=pass "
	    "header.from=example.com", &h, NULL) != VOUCH_OK)
		abort();
	vouch_free(h);
	vouch_arc_sealer_free(s);
}

static void
seal_floor_once(void *arg)
{
	unsigned char dg[32], sig[512];
	size_t len;
	int k;

	(void)arg;
	for (k = 0; k < 2; k++) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();

		len = sizeof(sig);
		EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, fpkey);
		if (EVP_DigestSign(md, sig, &len, fdata, sizeof(fdata)) != 1)
			abort();
		EVP_MD_CTX_free(md);
	}
	EVP_Digest(plain, plainlen, dg, NULL, EVP_sha256(), NULL);
}

/* Seal m with a new key published under s._domainkey.d. */
static FILE *zone_out;

static char *
seal(struct vouch_dns *dns, const char *m, size_t n, const char *d,
    struct vouch_dkim_key **kp)
{
	struct vouch_arc_seal_params p = { 0 };
	struct vouch_arc_sealer *s;
	struct vouch_auth *a;
	char *rec, name[128], *h, *out;

	vouch_dkim_key_generate(VOUCH_DKIM_RSA, 2048, kp, NULL);
	rec = vouch_dkim_key_record(*kp, 0);
	snprintf(name, sizeof(name), "s._domainkey.%s", d);
	vouch_dns_add_raw(dns, name, VOUCH_DNS_TXT, rec, strlen(rec), 3600);
	if (zone_out != NULL)
		fprintf(zone_out, "%s. IN TXT \"%s\"\n", name, rec);
	free(rec);
	p.domain = d;
	p.selector = "s";
	p.key = *kp;
	p.timestamp = 1790000000;
	vouch_arc_sealer_new(&p, &s, NULL);
	vouch_arc_sealer_feed(s, m, n);
	vouch_auth_new(actx, NULL, &a);
	vouch_auth_feed(a, m, n);
	vouch_auth_finish(a, NULL);
	if (vouch_auth_seal(a, s, &h, NULL) != VOUCH_OK)
		abort();
	out = malloc(strlen(h) + n + 1);
	memcpy(out, h, strlen(h));
	memcpy(out + strlen(h), m, n);
	out[strlen(h) + n] = '\0';
	vouch_free(h);
	vouch_auth_free(a);
	vouch_arc_sealer_free(s);
	return out;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 300;
	struct vouch_dns *dns = vouch_dns_new();
	struct vouch_dkim_key *k[3];
	static const char *doms[3] = { "hop1.example", "hop2.example",
	    "hop3.example" };
	char *m, *next, base[8192];
	double v, f;
	int i;
	EVP_PKEY_CTX *kc;
	EVP_MD_CTX *md;

	(void)bench_message(base, sizeof(base), "list@hop1.example",
	    "arc@example.com");
	actx = vouch_auth_ctx_new(dns, "mx.bench.example");
	if (argc > 2) {
		char zp[4096];

		snprintf(zp, sizeof(zp), "%s.zone", argv[2]);
		zone_out = fopen(zp, "w");
	}
	m = strdup(base);
	for (i = 0; i < 3; i++) {
		next = seal(dns, m, strlen(m), doms[i], &k[i]);
		free(m);
		m = next;
	}
	msg = m;
	msglen = strlen(m);
	if (argc > 2) {
		FILE *fp = fopen(argv[2], "wb");

		fwrite(msg, 1, msglen, fp);
		fclose(fp);
		fclose(zone_out);
	}
	/* the floor's key and signature */
	kc = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, NULL);
	EVP_PKEY_keygen_init(kc);
	EVP_PKEY_CTX_set_rsa_keygen_bits(kc, 2048);
	EVP_PKEY_keygen(kc, &fpkey);
	EVP_PKEY_CTX_free(kc);
	memset(fdata, 'x', sizeof(fdata));
	md = EVP_MD_CTX_new();
	fsiglen = sizeof(fsig);
	EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, fpkey);
	EVP_DigestSign(md, fsig, &fsiglen, fdata, sizeof(fdata));
	EVP_MD_CTX_free(md);
	vouch_once(NULL);
	v = time_us(vouch_once, NULL, n);
	f = time_us(floor_once, NULL, n);
	printf("%-34s %10.1f %10.1f %8.3f\n", "ARC 3 hops verify, us (floor)",
	    v, f, v / f);
	plain = base;
	plainlen = strlen(base);
	seal_key = k[0];
	seal_once(NULL);
	v = time_us(seal_once, NULL, n);
	f = time_us(seal_floor_once, NULL, n);
	printf("%-34s %10.1f %10.1f %8.3f\n", "ARC seal rsa-2048, us (floor)",
	    v, f, v / f);
	for (i = 0; i < 3; i++)
		vouch_dkim_key_free(k[i]);
	vouch_auth_ctx_free(actx);
	vouch_dns_free(dns);
	EVP_PKEY_free(fpkey);
	free(msg);
	return 0;
}
