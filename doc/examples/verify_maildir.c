/*
 * Verify every message of a Maildir (or mbox, or folder) on 4 threads
 * with the archive API, print one line per message in order, then the
 * summary.
 *
 *   verify_maildir ZONEFILE PATH...
 *
 * Exit 0 when every message has a passing DKIM signature, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>

#include <vouch/vouch.h>

struct tally {
	struct vouch_summary *sum;
	unsigned long pass, total;
};

/* What a worker keeps of one verdict. */
struct line {
	int pass;
	char text[512];
};

/* On a worker, in any order: the verdict summarised. */
static void *
verified(void *arg, const struct vouch_archive_msg *m, struct vouch_auth *a)
{
	struct tally *t = arg;
	struct line *l = malloc(sizeof(*l));

	vouch_summary_add(t->sum, a);	/* it locks: any thread may add */
	if (l == NULL)
		return NULL;
	l->pass = vouch_auth_passed(a, VOUCH_AUTH_REQUIRE_DKIM);
	snprintf(l->text, sizeof(l->text), "%s%s%zu: dkim %s, dmarc=%s",
	    m->source, m->in_mbox ? "#" : "", m->in_mbox ? m->index : 0,
	    l->pass ? "pass" : "no pass",
	    vouch_dmarc_result_name(vouch_auth_dmarc(a)->result));
	return l;
}

/* In input order, on the thread that called vouch_archive_run(). */
static int
result(void *arg, const struct vouch_archive_msg *m, void *kept)
{
	struct tally *t = arg;
	struct line *l = kept;

	if (m->error != VOUCH_OK) {
		fprintf(stderr, "%s: %s\n", m->source, m->error_text);
		return 0;
	}
	t->total++;
	if (l != NULL) {
		puts(l->text);
		t->pass += l->pass != 0;
	}
	free(l);
	return 0;
}

int
main(int argc, char **argv)
{
	struct vouch_error err = { 0 };
	struct vouch_dns *dns = vouch_dns_new();
	struct vouch_auth_ctx *ctx = NULL;
	struct vouch_archive *ar = NULL;
	struct tally t = { NULL, 0, 0 };
	char *text;
	int i, rc = 2;

	if (argc < 3 || dns == NULL) {
		fprintf(stderr, "usage: verify_maildir ZONEFILE PATH...\n");
		return 2;
	}
	if (vouch_dns_load_zone(dns, argv[1], NULL, 0, &err) != VOUCH_OK ||
	    (ctx = vouch_auth_ctx_new(dns, "mx.example.net")) == NULL ||
	    vouch_summary_new(&t.sum) != VOUCH_OK ||
	    vouch_archive_new(ctx, NULL, &ar) != VOUCH_OK) {
		fprintf(stderr, "verify_maildir: %s\n", err.message);
		goto out;
	}
	vouch_archive_set_jobs(ar, 4);
	for (i = 2; i < argc; i++)
		if (vouch_archive_add(ar, argv[i], &err) != VOUCH_OK)
			fprintf(stderr, "verify_maildir: %s\n", err.message);
	if (vouch_archive_run(ar, verified, result, &t, &err) != VOUCH_OK) {
		fprintf(stderr, "verify_maildir: %s\n", err.message);
		goto out;
	}
	if ((text = vouch_summary_text(t.sum)) != NULL)
		fputs(text, stdout);
	vouch_free(text);
	rc = t.total > 0 && t.pass == t.total ? 0 : 1;
out:
	vouch_archive_free(ar);
	vouch_summary_free(t.sum);
	vouch_auth_ctx_free(ctx);
	vouch_dns_free(dns);
	return rc;
}
