/* spf/: record syntax, macros (RFC 7208 7), limits and results. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vouch/vouch.h>
#include "tests/check_run.h"
#include "spf/spf_int.h"

static const struct spf_macro_env env6 = {
	.sender = "strong-bad@email.example.com", .local = "strong-bad",
	.odomain = "email.example.com", .domain = "email.example.com",
	.helo = "mx.example.org", .receiver = "rcv.example.net",
	.ip_dotted = "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1",
	.ip_readable = "2001:db8::cb01", .v6 = 1, .now = 1790000000,
};

static const struct spf_macro_env env4 = {
	.sender = "strong-bad@email.example.com", .local = "strong-bad",
	.odomain = "email.example.com", .domain = "email.example.com",
	.helo = "mx.example.org", .ip_dotted = "192.0.2.3",
	.ip_readable = "192.0.2.3", .now = 1790000000,
};

static void
expands(const struct spf_macro_env *e, const char *in, int exp,
    const char *want)
{
	struct vbuf b;

	vbuf_init(&b, 4096);
	ck_assert_msg(spf_macro_expand(in, strlen(in), exp, e, &b) == VOUCH_OK,
	    "%s did not expand", in);
	ck_assert_str_eq(vbuf_str(&b), want);
	vbuf_clear(&b);
}

START_TEST(test_spf_macro_examples_of_rfc7208_7_4_expand)
{
	expands(&env4, "%{s}", 0, "strong-bad@email.example.com");
	expands(&env4, "%{o}", 0, "email.example.com");
	expands(&env4, "%{d}", 0, "email.example.com");
	expands(&env4, "%{d4}", 0, "email.example.com");
	expands(&env4, "%{d3}", 0, "email.example.com");
	expands(&env4, "%{d2}", 0, "example.com");
	expands(&env4, "%{d1}", 0, "com");
	expands(&env4, "%{dr}", 0, "com.example.email");
	expands(&env4, "%{d2r}", 0, "example.email");
	expands(&env4, "%{l}", 0, "strong-bad");
	expands(&env4, "%{l-}", 0, "strong.bad");
	expands(&env4, "%{lr}", 0, "strong-bad");
	expands(&env4, "%{lr-}", 0, "bad.strong");
	expands(&env4, "%{l1r-}", 0, "strong");
	expands(&env4, "%{ir}.%{v}._spf.%{d2}", 0,
	    "3.2.0.192.in-addr._spf.example.com");
	expands(&env4, "%{lr-}.lp._spf.%{d2}", 0, "bad.strong.lp._spf.example.com");
	expands(&env4, "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", 0,
	    "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
	expands(&env4, "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", 0,
	    "3.2.0.192.in-addr.strong.lp._spf.example.com");
	expands(&env4, "%{d2}.trusted-domains.example.net", 0,
	    "example.com.trusted-domains.example.net");
	expands(&env6, "%{ir}.%{v}._spf.%{d2}", 0,
	    "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
	    ".ip6._spf.example.com");
}
END_TEST

START_TEST(test_spf_macro_letters_escapes_and_exp_only_letters)
{
	expands(&env4, "%{h}", 0, "mx.example.org");
	expands(&env4, "%{v}", 0, "in-addr");
	expands(&env4, "%{p}", 0, "unknown");	/* no validator: unknown */
	expands(&env4, "%%%_%-", 0, "% %20");
	expands(&env4, "%{S}", 0, "strong-bad%40email.example.com");
	expands(&env6, "%{c} %{r} %{t}", 1,
	    "2001:db8::cb01 rcv.example.net 1790000000");
	expands(&env4, "%{r}", 1, "unknown");
	ck_assert_int_eq(spf_macro_expand("%{c}", 4, 0, NULL, NULL),
	    VOUCH_E_SYNTAX);	/* c, r, t only in exp (RFC 7208 7.2) */
	ck_assert_int_eq(spf_macro_expand("%{t}", 4, 0, NULL, NULL),
	    VOUCH_E_SYNTAX);
	ck_assert_int_eq(spf_macro_expand("%{d0}", 5, 0, NULL, NULL),
	    VOUCH_E_SYNTAX);
	/* RFC 7208 7.3: more parts than there are means all of them */
	expands(&env4, "%{d200}", 0, "email.example.com");
	expands(&env4, "%{d99999999999999999999r}", 0, "com.example.email");
	ck_assert_int_eq(spf_macro_expand("%{x}", 4, 0, NULL, NULL),
	    VOUCH_E_SYNTAX);
	ck_assert_int_eq(spf_macro_expand("%{d", 3, 0, NULL, NULL),
	    VOUCH_E_SYNTAX);
	ck_assert_int_eq(spf_macro_expand("%x", 2, 0, NULL, NULL),
	    VOUCH_E_SYNTAX);
	ck_assert_int_eq(spf_macro_expand("a b", 3, 0, NULL, NULL),
	    VOUCH_E_SYNTAX);
	ck_assert_int_eq(spf_macro_expand("a b", 3, 1, NULL, NULL), VOUCH_OK);
}
END_TEST

START_TEST(test_spf_macro_expansion_is_bounded)
{
	struct vbuf b;
	char in[3000];
	size_t i;

	/* 600 copies of %{s}: far past the bound, must stop, not overflow */
	for (i = 0; i + 4 < sizeof(in); i += 4)
		memcpy(in + i, "%{s}", 4);
	in[i] = '\0';
	vbuf_init(&b, VOUCH_SPF_MAX_EXPANSION);
	ck_assert_int_eq(spf_macro_expand(in, strlen(in), 0, &env4, &b),
	    VOUCH_E_LIMIT);
	ck_assert_uint_le(b.len, VOUCH_SPF_MAX_EXPANSION);
	vbuf_clear(&b);
}
END_TEST

START_TEST(test_spf_long_expanded_names_are_truncated_from_the_left)
{
	struct vbuf b;
	int i;

	vbuf_init(&b, 4096);
	for (i = 0; i < 40; i++)
		vbuf_adds(&b, "label-xx.");
	vbuf_adds(&b, "example.com");
	spf_domain_truncate(&b);
	ck_assert_uint_le(b.len, 253);
	ck_assert_ptr_nonnull(strstr(vbuf_str(&b), "example.com"));
	ck_assert(b.data[0] != '.');
	vbuf_clear(&b);
}
END_TEST

static int
parses(const char *rec)
{
	struct spf_record r;
	int ok = spf_record_parse(rec, strlen(rec), &r, NULL) == VOUCH_OK;

	if (ok)
		spf_record_clear(&r);
	return ok;
}

START_TEST(test_spf_record_syntax_accepts_and_rejects_per_rfc7208_12)
{
	ck_assert(parses("v=spf1"));
	ck_assert(parses("v=spf1 -all"));
	ck_assert(parses("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx ptr ~all"));
	ck_assert(parses("v=spf1 a/24 mx//64 a:example.com/24//64 -all"));
	ck_assert(parses("v=spf1 include:_spf.example.com exists:%{i}.x.example"));
	ck_assert(parses("v=spf1 redirect=_spf.example.com"));
	ck_assert(parses("v=spf1 foo=bar -all"));	/* unknown modifier */
	ck_assert(parses("V=SPF1 IP4:192.0.2.1 -ALL"));
	ck_assert(!parses("v=spf10"));
	ck_assert(!parses("v=spf1 ip4:192.0.2.0/33"));
	ck_assert(!parses("v=spf1 ip4:192.0.2.0/024"));
	ck_assert(!parses("v=spf1 ip6:2001:db8::/129"));
	ck_assert(!parses("v=spf1 ip4:2001:db8::1"));
	ck_assert(!parses("v=spf1 include"));
	ck_assert(!parses("v=spf1 include:"));
	ck_assert(!parses("v=spf1 a:museum"));	/* no toplabel domain-end */
	ck_assert(!parses("v=spf1 a:foo.123"));
	ck_assert(!parses("v=spf1 allx"));
	ck_assert(!parses("v=spf1 -all:foo"));
	ck_assert(!parses("v=spf1 redirect=a.example redirect=b.example"));
	ck_assert(!parses("v=spf1 exp=a.example exp=b.example"));
	ck_assert(!parses("v=spf1 1bad=mod"));
	ck_assert(!parses("v=spf1 a:ex\tample.com"));
	ck_assert(!parses("v=spf1 a:caf\xc3\xa9.example"));
}
END_TEST

static struct vouch_dns *
zone(void)
{
	struct vouch_dns *d = vouch_dns_new();

	ck_assert_int_eq(vouch_dns_load_zone(d, TOP_SRCDIR
	    "/testdata/zones/spf.example.zone", NULL, 0, NULL), VOUCH_OK);
	vouch_dns_add_fault(d, "slow.spf.example", 0, VOUCH_DNS_FAULT_TIMEOUT);
	return d;
}

static enum vouch_spf_result
check(struct vouch_dns *d, const char *ip, const char *from,
    struct vouch_spf_verdict *v)
{
	struct vouch_spf_request r = { 0 };

	r.ip = ip;
	r.mail_from = from;
	r.helo = "helo.spf.example";
	ck_assert_int_eq(vouch_spf_check(d, &r, v, NULL), VOUCH_OK);
	return v->result;
}

START_TEST(test_spf_results_cover_every_mechanism)
{
	static const struct { const char *ip, *from; enum vouch_spf_result r; }
	cases[] = {
		{ "192.0.2.9", "u@ip4.spf.example", VOUCH_SPF_PASS },
		{ "192.0.3.9", "u@ip4.spf.example", VOUCH_SPF_FAIL },
		{ "2001:db8:1::1", "u@ip6.spf.example", VOUCH_SPF_PASS },
		{ "192.0.2.10", "u@a.spf.example", VOUCH_SPF_PASS },
		{ "2001:db8::10", "u@a.spf.example", VOUCH_SPF_PASS },
		{ "192.0.2.200", "u@a-cidr.spf.example", VOUCH_SPF_PASS },
		{ "198.51.100.25", "u@mx.spf.example", VOUCH_SPF_PASS },
		{ "203.0.113.9", "u@ptr.spf.example", VOUCH_SPF_PASS },
		{ "203.0.113.9", "u@exists.spf.example", VOUCH_SPF_PASS },
		{ "192.0.2.1", "u@include.spf.example", VOUCH_SPF_PASS },
		{ "10.0.0.1", "u@include.spf.example", VOUCH_SPF_SOFTFAIL },
		{ "10.0.0.1", "u@redirect.spf.example", VOUCH_SPF_FAIL },
		{ "10.0.0.1", "u@neutral.spf.example", VOUCH_SPF_NEUTRAL },
		{ "10.0.0.1", "u@two.spf.example", VOUCH_SPF_PERMERROR },
		{ "10.0.0.1", "u@loop.spf.example", VOUCH_SPF_PERMERROR },
		{ "10.0.0.1", "u@void.spf.example", VOUCH_SPF_PERMERROR },
		{ "10.9.9.9", "u@many.spf.example", VOUCH_SPF_PERMERROR },
		{ "10.0.0.1", "u@timeout.spf.example", VOUCH_SPF_TEMPERROR },
		{ "10.0.0.1", "u@nosuch.spf.example", VOUCH_SPF_NONE },
		{ "10.0.0.1", "u@localhost", VOUCH_SPF_NONE },
		{ "::ffff:192.0.2.9", "u@ip4.spf.example", VOUCH_SPF_PASS },
		/* RFC 7208 4.6.4: a ptr with no PTR record is a void lookup;
		 * five of them pass the limit of two (pyspf agrees) */
		{ "192.0.2.77", "u@ptr-void.spf.example", VOUCH_SPF_PERMERROR },
		{ "192.0.2.77", "u@ptr-two.spf.example", VOUCH_SPF_FAIL },
	};
	struct vouch_dns *d = zone();
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vouch_spf_verdict v;

		ck_assert_msg(check(d, cases[i].ip, cases[i].from, &v) ==
		    cases[i].r, "%s from %s: got %s (%s)", cases[i].from,
		    cases[i].ip, vouch_spf_result_name(v.result),
		    v.problem ? v.problem : "-");
		vouch_spf_verdict_clear(&v);
	}
	vouch_dns_free(d);
}
END_TEST

START_TEST(test_spf_invalid_client_address_is_refused)
{
	struct vouch_dns *d = zone();
	struct vouch_spf_request r = { 0 };
	struct vouch_spf_verdict v;
	struct vouch_error err;

	r.ip = "192.0.2.256";
	r.mail_from = "u@ip4.spf.example";
	ck_assert_int_eq(vouch_spf_check(d, &r, &v, &err), VOUCH_E_INVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "192.0.2.256"));
	vouch_dns_free(d);
}
END_TEST

START_TEST(test_spf_overall_time_limit_gives_temperror)
{
	struct vouch_dns *d = zone();
	struct vouch_spf_request r = { 0 };
	struct vouch_spf_verdict v;

	/* a zero-length budget: the first lookup is already too late */
	r.ip = "10.0.0.1";
	r.mail_from = "u@include.spf.example";
	r.timeout_ms = 1;
	usleep(2000);
	ck_assert_int_eq(vouch_spf_check(d, &r, &v, NULL), VOUCH_OK);
	/* 1 ms may or may not be enough on a fast machine; the answer is
	 * either the real one or temperror, never anything else */
	ck_assert(v.result == VOUCH_SPF_SOFTFAIL ||
	    v.result == VOUCH_SPF_TEMPERROR);
	vouch_spf_verdict_clear(&v);
	vouch_dns_free(d);
}
END_TEST

START_TEST(test_spf_4kb_record_ends_in_a_defined_result)
{
	struct vouch_dns *d = vouch_dns_new();
	struct vouch_spf_request r = { 0 };
	struct vouch_spf_verdict v;
	char rec[4200];
	size_t n = 0;
	int i;

	n += (size_t)snprintf(rec, sizeof(rec), "v=spf1");
	for (i = 0; n < 4000; i++)
		n += (size_t)snprintf(rec + n, sizeof(rec) - n, " ip4:10.%d.%d.0/24",
		    (i >> 8) & 255, i & 255);
	n += (size_t)snprintf(rec + n, sizeof(rec) - n, " -all");
	vouch_dns_add_raw(d, "big.example", VOUCH_DNS_TXT, rec, n, 60);
	r.ip = "192.0.2.1";
	r.mail_from = "u@big.example";
	ck_assert_int_eq(vouch_spf_check(d, &r, &v, NULL), VOUCH_OK);
	ck_assert_int_eq(v.result, VOUCH_SPF_FAIL);
	vouch_spf_verdict_clear(&v);
	r.ip = "10.0.5.9";
	ck_assert_int_eq(vouch_spf_check(d, &r, &v, NULL), VOUCH_OK);
	ck_assert_int_eq(v.result, VOUCH_SPF_PASS);
	vouch_spf_verdict_clear(&v);
	vouch_dns_free(d);
}
END_TEST

/* The parsed-record cache is keyed by the text: a record that changed in
 * DNS is parsed again, and one that does not parse is refused each time. */
static int
spf_with(const char *txt, const char *ip)
{
	struct vouch_dns *dns = vouch_dns_new();
	struct vouch_spf_request req = { 0 };
	struct vouch_spf_verdict v;
	int r;

	ck_assert_int_eq(vouch_dns_add_raw(dns, "cache.example", VOUCH_DNS_TXT,
	    txt, strlen(txt), 300), VOUCH_OK);
	req.ip = ip;
	req.mail_from = "a@cache.example";
	req.helo = "mx.cache.example";
	vouch_spf_check(dns, &req, &v, NULL);
	r = (int)v.result;
	vouch_spf_verdict_clear(&v);
	vouch_dns_free(dns);
	return r;
}

START_TEST(test_spf_cache_reparses_a_changed_record)
{
	int k;

	for (k = 0; k < 3; k++) {
		ck_assert_int_eq(spf_with("v=spf1 ip4:192.0.2.0/24 -all",
		    "192.0.2.5"), VOUCH_SPF_PASS);
		ck_assert_int_eq(spf_with("v=spf1 ip4:198.51.100.0/24 -all",
		    "192.0.2.5"), VOUCH_SPF_FAIL);
		ck_assert_int_eq(spf_with("v=spf1 ip4:192.0.2.0/24 ~all",
		    "203.0.113.1"), VOUCH_SPF_SOFTFAIL);
		ck_assert_int_eq(spf_with("v=spf1 ip4:192.0.2.0/33 -all",
		    "192.0.2.5"), VOUCH_SPF_PERMERROR);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("spf");
	TCase *tc = tcase_create("spf");

	tcase_add_test(tc, test_spf_macro_examples_of_rfc7208_7_4_expand);
	tcase_add_test(tc, test_spf_macro_letters_escapes_and_exp_only_letters);
	tcase_add_test(tc, test_spf_macro_expansion_is_bounded);
	tcase_add_test(tc,
	    test_spf_long_expanded_names_are_truncated_from_the_left);
	tcase_add_test(tc,
	    test_spf_record_syntax_accepts_and_rejects_per_rfc7208_12);
	tcase_add_test(tc, test_spf_results_cover_every_mechanism);
	tcase_add_test(tc, test_spf_invalid_client_address_is_refused);
	tcase_add_test(tc, test_spf_overall_time_limit_gives_temperror);
	tcase_add_test(tc, test_spf_4kb_record_ends_in_a_defined_result);
	tcase_add_test(tc, test_spf_cache_reparses_a_changed_record);
	suite_add_tcase(s, tc);
	return check_run(s);
}
