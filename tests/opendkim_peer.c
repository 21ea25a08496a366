/*
 * libopendkim as an interoperability peer for the tests.
 *
 *   opendkim_peer verify KEYS MESSAGE
 *   opendkim_peer sign KEYFILE DOMAIN SELECTOR rsa|ed25519 simple|relaxed MESSAGE
 *
 * KEYS has one "NAME RECORD" line per key (NAME = sel._domainkey.domain);
 * lookups go through dkim_set_key_lookup, never to DNS.  verify exits 0
 * when every signature passes.  Bare-LF messages need
 * DKIM_LIBFLAGS_FIXCRLF, which both modes set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <opendkim/dkim.h>

static char *keys_text;

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (fp == NULL) {
		perror(path);
		exit(2);
	}
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n)
		exit(2);
	buf[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static DKIM_CBSTAT
lookup(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
	char name[512];
	const char *p = keys_text;
	size_t n;

	(void)dkim;
	snprintf(name, sizeof(name), "%s._domainkey.%s",
	    dkim_sig_getselector(sig), dkim_sig_getdomain(sig));
	n = strlen(name);
	while (p != NULL && *p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t ll = nl ? (size_t)(nl - p) : strlen(p);

		if (ll > n && strncasecmp(p, name, n) == 0 && p[n] == ' ') {
			size_t rl = ll - n - 1;

			if (rl >= buflen)
				return DKIM_CBSTAT_ERROR;
			memcpy(buf, p + n + 1, rl);
			buf[rl] = '\0';
			return DKIM_CBSTAT_CONTINUE;
		}
		p = nl ? nl + 1 : NULL;
	}
	return DKIM_CBSTAT_NOTFOUND;
}

static DKIM_LIB *
lib_new(void)
{
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	unsigned int flags = DKIM_LIBFLAGS_FIXCRLF;

	dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
	    sizeof(flags));
	return lib;
}

static int
do_verify(const char *keys, const char *msgfile)
{
	DKIM_LIB *lib = lib_new();
	DKIM_SIGINFO **sigs;
	DKIM_STAT st;
	DKIM *d;
	size_t n, kl;
	int nsigs = 0, i, ok = 1;
	char *msg = slurp(msgfile, &n);

	keys_text = slurp(keys, &kl);
	dkim_set_key_lookup(lib, lookup);
	d = dkim_verify(lib, (const unsigned char *)"peer", NULL, &st);
	dkim_chunk(d, (u_char *)msg, n);
	dkim_chunk(d, NULL, 0);
	st = dkim_eom(d, NULL);
	if (dkim_getsiglist(d, &sigs, &nsigs) != DKIM_STAT_OK || nsigs == 0) {
		printf("opendkim: no signatures (%s)\n", dkim_getresultstr(st));
		ok = 0;
	}
	for (i = 0; i < nsigs; i++) {
		int good = DKIM_SIG_CHECK(sigs[i]);

		printf("opendkim: signature %d d=%s s=%s: %s (%s)\n", i,
		    dkim_sig_getdomain(sigs[i]), dkim_sig_getselector(sigs[i]),
		    good ? "pass" : "FAIL",
		    dkim_sig_geterrorstr(dkim_sig_geterror(sigs[i])));
		ok = ok && good;
	}
	dkim_free(d);
	dkim_close(lib);
	free(msg);
	free(keys_text);
	return ok ? 0 : 1;
}

static int
do_sign(char **argv)
{
	DKIM_LIB *lib = lib_new();
	DKIM_STAT st;
	DKIM *d;
	size_t n, kl, hl;
	unsigned char *hdr;
	char *key = slurp(argv[0], &kl), *msg = slurp(argv[5], &n);
	int ed = strcmp(argv[3], "ed25519") == 0;
	dkim_canon_t c = strcmp(argv[4], "relaxed") == 0 ? DKIM_CANON_RELAXED :
	    DKIM_CANON_SIMPLE;

	d = dkim_sign(lib, (const unsigned char *)"peer", NULL,
	    (dkim_sigkey_t)key, (const unsigned char *)argv[2],
	    (const unsigned char *)argv[1], c, c,
	    ed ? DKIM_SIGN_ED25519SHA256 : DKIM_SIGN_RSASHA256, -1, &st);
	if (d == NULL) {
		fprintf(stderr, "dkim_sign: %s\n", dkim_getresultstr(st));
		return 1;
	}
	dkim_chunk(d, (u_char *)msg, n);
	dkim_chunk(d, NULL, 0);
	if ((st = dkim_eom(d, NULL)) != DKIM_STAT_OK ||
	    dkim_getsighdr_d(d, strlen(DKIM_SIGNHEADER) + 2, &hdr, &hl) !=
	    DKIM_STAT_OK) {
		fprintf(stderr, "dkim_eom: %s\n", dkim_getresultstr(st));
		return 1;
	}
	printf("%s: %s\r\n", DKIM_SIGNHEADER, hdr);
	fwrite(msg, 1, n, stdout);
	dkim_free(d);
	dkim_close(lib);
	free(key);
	free(msg);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "verify") == 0)
		return do_verify(argv[2], argv[3]);
	if (argc == 8 && strcmp(argv[1], "sign") == 0)
		return do_sign(argv + 2);
	fprintf(stderr, "usage: opendkim_peer verify KEYS MESSAGE\n"
	    "       opendkim_peer sign KEYFILE DOMAIN SELECTOR rsa|ed25519 "
	    "simple|relaxed MESSAGE\n");
	return 2;
}
