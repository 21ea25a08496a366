/*
 * Verify one message and print the receiver's verdict: DKIM, SPF (when
 * the client is given), DMARC and ARC, as an Authentication-Results field.
 *
 *   verify_one ZONEFILE MESSAGE [CLIENT-IP MAIL-FROM]
 *
 * DNS answers come from ZONEFILE (offline); give "-" to use the system's
 * resolver instead.  Exit 0 when DMARC passes, 1 otherwise, 2 on error.
 */
#include <stdio.h>
#include <stdlib.h>

#include <vouch/vouch.h>

int
main(int argc, char **argv)
{
	struct vouch_error err = { 0 };
	struct vouch_auth_conn conn = { 0 };
	struct vouch_dns *dns;
	struct vouch_auth_ctx *ctx;
	struct vouch_auth *a = NULL;
	char buf[65536], *hdr;
	size_t n;
	FILE *fp;
	int rc = 2;

	if (argc != 3 && argc != 5) {
		fprintf(stderr, "usage: verify_one ZONEFILE MESSAGE "
		    "[CLIENT-IP MAIL-FROM]\n");
		return 2;
	}
	if ((dns = vouch_dns_new()) == NULL)
		return 2;
	if (argv[1][0] == '-' ? vouch_dns_set_live(dns, NULL, &err) :
	    vouch_dns_load_zone(dns, argv[1], NULL, 0, &err)) {
		fprintf(stderr, "verify_one: %s\n", err.message);
		goto out;
	}
	if (argc == 5) {
		conn.ip = argv[3];
		conn.mail_from = argv[4];
	}
	if ((ctx = vouch_auth_ctx_new(dns, "mx.example.net")) == NULL)
		goto out;
	if ((fp = fopen(argv[2], "rb")) == NULL) {
		perror(argv[2]);
		goto out_ctx;
	}
	/* the message in any chunks: here, as fread gives it */
	if (vouch_auth_new(ctx, &conn, &a) != VOUCH_OK)
		goto out_fp;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		vouch_auth_feed(a, buf, n);
	if (vouch_auth_finish(a, &err) != VOUCH_OK) {
		fprintf(stderr, "verify_one: %s\n", err.message);
		goto out_fp;
	}
	if ((hdr = vouch_auth_header(a)) != NULL)
		printf("%s\n", hdr);
	vouch_free(hdr);
	rc = vouch_auth_dmarc(a)->result == VOUCH_DMARC_PASS ? 0 : 1;
out_fp:
	vouch_auth_free(a);
	fclose(fp);
out_ctx:
	vouch_auth_ctx_free(ctx);
out:
	vouch_dns_free(dns);
	return rc;
}
