/* lint/: findings through the library API. */
#include "config.h"

#include <check.h>
#include <string.h>

#include <vouch/vouch.h>
#include "tests/check_run.h"

static int
has(const struct vouch_lint *l, const char *rule, enum vouch_lint_severity s)
{
	size_t i;

	for (i = 0; i < vouch_lint_count(l); i++)
		if (strcmp(vouch_lint_get(l, i)->rule, rule) == 0 &&
		    vouch_lint_get(l, i)->severity == s)
			return 1;
	return 0;
}

static struct vouch_dns *
providers(void)
{
	struct vouch_dns *d = vouch_dns_new();

	ck_assert_int_eq(vouch_dns_load_zone(d, TOP_SRCDIR
	    "/testdata/lint/providers.zone", NULL, 0, NULL), VOUCH_OK);
	return d;
}

START_TEST(test_lint_spf_counts_lookups_through_includes)
{
	struct vouch_dns *d = providers();
	struct vouch_lint *l = vouch_lint_new(d);
	unsigned int lk, vd;

	ck_assert_int_eq(vouch_lint_spf(l, "x.example", "v=spf1 include:"
	    "_spf.google.com include:spf.protection.outlook.com include:"
	    "mailgun.org -all", NULL), VOUCH_OK);
	ck_assert(vouch_lint_spf_counts(l, &lk, &vd));
	/* 1+3 google, 1+2 outlook, 1+1+2 mailgun */
	ck_assert_uint_eq(lk, 11);
	ck_assert_uint_eq(vd, 0);
	ck_assert(has(l, "spf-too-many-lookups", VOUCH_LINT_ERROR));
	ck_assert_ptr_nonnull(strstr(vouch_lint_spf_tree(l),
	    "include:mailgun.org (4 lookups)"));
	vouch_lint_free(l);
	vouch_dns_free(d);
}
END_TEST

START_TEST(test_lint_spf_findings_are_not_repeated)
{
	struct vouch_dns *d = providers();
	struct vouch_lint *l = vouch_lint_new(d);
	size_t e, w, n;

	vouch_lint_spf(l, "x.example", "v=spf1 +all", NULL);
	vouch_lint_spf(l, "x.example", "v=spf1 +all", NULL);
	vouch_lint_summary(l, &e, &w, &n);
	ck_assert_uint_eq(e, 1);
	ck_assert(has(l, "spf-plus-all", VOUCH_LINT_ERROR));
	vouch_lint_free(l);
	vouch_dns_free(d);
}
END_TEST

START_TEST(test_lint_dkim_key_strength_and_flags)
{
	struct vouch_dns *d = vouch_dns_new();
	struct vouch_lint *l = vouch_lint_new(d);
	struct vouch_dkim_key *k;
	char *rec;

	vouch_dkim_key_generate(VOUCH_DKIM_RSA, 1024, &k, NULL);
	rec = vouch_dkim_key_record(k, 1);
	ck_assert_int_eq(vouch_lint_dkim(l, NULL, NULL, rec, k, NULL), VOUCH_OK);
	ck_assert(has(l, "dkim-rsa-weak", VOUCH_LINT_WARNING));
	ck_assert(has(l, "dkim-testing", VOUCH_LINT_WARNING));
	ck_assert(!has(l, "dkim-key-mismatch", VOUCH_LINT_ERROR));
	vouch_free(rec);
	vouch_lint_dkim(l, NULL, NULL, "v=DKIM1; k=ed25519; p=AAAA", NULL, NULL);
	ck_assert(has(l, "dkim-ed25519-key-size", VOUCH_LINT_ERROR));
	vouch_dkim_key_free(k);
	vouch_lint_free(l);
	vouch_dns_free(d);
}
END_TEST

START_TEST(test_lint_dmarc_tags)
{
	struct vouch_dns *d = vouch_dns_new();
	struct vouch_lint *l = vouch_lint_new(d);

	vouch_lint_dmarc(l, "x.example", "v=DMARC1; p=reject; pct=100", NULL);
	ck_assert(has(l, "dmarc-pct-removed", VOUCH_LINT_WARNING));
	ck_assert(!has(l, "dmarc-bad-pct", VOUCH_LINT_ERROR));
	vouch_lint_dmarc(l, "x.example", "v=DMARC1", NULL);
	ck_assert(has(l, "dmarc-no-policy", VOUCH_LINT_ERROR));
	vouch_lint_free(l);
	vouch_dns_free(d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("lint");
	TCase *tc = tcase_create("lint");

	tcase_add_test(tc, test_lint_spf_counts_lookups_through_includes);
	tcase_add_test(tc, test_lint_spf_findings_are_not_repeated);
	tcase_add_test(tc, test_lint_dkim_key_strength_and_flags);
	tcase_add_test(tc, test_lint_dmarc_tags);
	suite_add_tcase(s, tc);
	return check_run(s);
}
