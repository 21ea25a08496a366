/*
 * Sign a message with the keys a key table picks for its sender, and
 * print the DKIM-Signature fields to prepend.
 *
 *   sign_table KEYTABLE SENDER MESSAGE
 *
 * KEYTABLE is vouch's format ("SENDER-PATTERN DOMAIN SELECTOR KEYFILE"
 * lines).  Exit 0 signed, 1 no key for the sender, 2 on error.
 */
#include <stdio.h>
#include <stdlib.h>

#include <vouch/vouch.h>

#define MAX_KEYS 8

int
main(int argc, char **argv)
{
	struct vouch_error err = { 0 };
	struct vouch_keytab *t = NULL;
	const struct vouch_keytab_entry *e[MAX_KEYS];
	struct vouch_dkim_sign_params p[MAX_KEYS];
	struct vouch_dkim_signer *s = NULL;
	char buf[65536], *headers = NULL;
	size_t n, i, nkeys;
	FILE *fp = NULL;
	int rc = 2;

	if (argc != 4) {
		fprintf(stderr, "usage: sign_table KEYTABLE SENDER MESSAGE\n");
		return 2;
	}
	if (vouch_keytab_new(&t) != VOUCH_OK ||
	    vouch_keytab_load(t, argv[1], &err) != VOUCH_OK) {
		fprintf(stderr, "sign_table: %s\n", err.message);
		goto out;
	}
	if ((nkeys = vouch_keytab_lookup(t, argv[2], e, MAX_KEYS)) == 0) {
		fprintf(stderr, "sign_table: no key signs for %s\n", argv[2]);
		rc = 1;
		goto out;
	}
	for (i = 0; i < nkeys; i++) {
		struct vouch_dkim_sign_params one = { 0 };

		one.domain = e[i]->domain;
		one.selector = e[i]->selector;
		one.key = e[i]->key;
		one.header_canon = one.body_canon = VOUCH_DKIM_RELAXED;
		p[i] = one;
	}
	if (vouch_dkim_signer_new(p, nkeys, &s, &err) != VOUCH_OK) {
		fprintf(stderr, "sign_table: %s\n", err.message);
		goto out;
	}
	if ((fp = fopen(argv[3], "rb")) == NULL) {
		perror(argv[3]);
		goto out;
	}
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		vouch_dkim_signer_feed(s, buf, n);
	if (vouch_dkim_signer_finish(s, &headers, &err) != VOUCH_OK) {
		fprintf(stderr, "sign_table: %s\n", err.message);
		goto out;
	}
	fputs(headers, stdout);
	rc = 0;
out:
	if (fp != NULL)
		fclose(fp);
	vouch_free(headers);
	vouch_dkim_signer_free(s);
	vouch_keytab_free(t);
	return rc;
}
