/* dns/: zone answers, rcode split, TXT joining, faults, the cache. */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>
#include <vouch/vouch.h>
#include "tests/check_run.h"
#include "dns/dns_int.h"

#define ZONES TOP_SRCDIR "/testdata/zones/"

static struct vouch_dns *
zone_dns(void)
{
	struct vouch_dns *d = vouch_dns_new();
	struct vouch_error err;

	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(vouch_dns_load_zone(d, ZONES "example.com.zone", NULL,
	    0, &err), VOUCH_OK);
	ck_assert_int_eq(vouch_dns_load_zone(d, ZONES "example.net.zone", NULL,
	    0, &err), VOUCH_OK);
	return d;
}

static enum vouch_dns_rcode
rcode_of(struct vouch_dns *d, const char *name, enum vouch_dns_type t)
{
	struct vouch_dns_answer *a;
	enum vouch_dns_rcode r;

	ck_assert_int_eq(vouch_dns_query(d, name, t, &a, NULL), VOUCH_OK);
	r = vouch_dns_answer_rcode(a);
	vouch_dns_answer_free(a);
	return r;
}

/* The headers' version is the library's. */
START_TEST(test_version_macros_match_the_library)
{
	char v[32];

	snprintf(v, sizeof(v), "%d.%d.%d", VOUCH_VERSION_MAJOR,
	    VOUCH_VERSION_MINOR, VOUCH_VERSION_PATCH);
	ck_assert_str_eq(vouch_version(), VOUCH_VERSION_STRING);
	ck_assert_str_eq(v, VOUCH_VERSION_STRING);
	ck_assert_int_eq(VOUCH_VERSION_NUMBER, (VOUCH_VERSION_MAJOR << 16) |
	    (VOUCH_VERSION_MINOR << 8) | VOUCH_VERSION_PATCH);
#if VOUCH_VERSION_NUMBER < 0x000100
#error "VOUCH_VERSION_NUMBER is usable in #if"
#endif
}
END_TEST

/* An answer with more records than are kept is malformed, never cut
 * short (a dropped record could turn two SPF records into one); and a name
 * that is no name is never asked. */
START_TEST(test_dns_too_many_records_and_non_names)
{
	struct vouch_dns *d = vouch_dns_new();
	char rec[32];
	int i;

	for (i = 0; i < 4100; i++) {
		snprintf(rec, sizeof(rec), "v=spf1 -all %d", i);
		ck_assert_int_eq(vouch_dns_add_raw(d, "many.example",
		    VOUCH_DNS_TXT, rec, strlen(rec), 60), VOUCH_OK);
	}
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(vouch_dns_add_raw(d, "few.example",
		    VOUCH_DNS_TXT, "v=spf1 -all", 11, 60), VOUCH_OK);
	ck_assert_int_eq(rcode_of(d, "many.example", VOUCH_DNS_TXT),
	    VOUCH_DNS_MALFORMED);
	ck_assert_int_eq(rcode_of(d, "few.example", VOUCH_DNS_TXT),
	    VOUCH_DNS_ANSWER);
	ck_assert_int_eq(rcode_of(d, "a\001b.example", VOUCH_DNS_TXT),
	    VOUCH_DNS_NXDOMAIN);
	ck_assert_int_eq(rcode_of(d, "bad\\9.example", VOUCH_DNS_TXT),
	    VOUCH_DNS_NXDOMAIN);
	ck_assert_int_eq(rcode_of(d, "a..b", VOUCH_DNS_TXT), VOUCH_DNS_NXDOMAIN);
	ck_assert_int_eq(rcode_of(d,
	    "a123456789012345678901234567890123456789012345678901234567890123."
	    "example", VOUCH_DNS_TXT), VOUCH_DNS_NXDOMAIN);
	vouch_dns_free(d);
}
END_TEST

START_TEST(test_dns_zone_txt_strings_are_joined_with_nothing)
{
	struct vouch_dns *d = zone_dns();
	struct vouch_dns_answer *a;
	const unsigned char *p;
	size_t n;

	ck_assert_int_eq(vouch_dns_query(d, "split.example.com", VOUCH_DNS_TXT,
	    &a, NULL), VOUCH_OK);
	ck_assert_int_eq(vouch_dns_answer_count(a), 1);
	p = vouch_dns_answer_data(a, 0, &n, NULL);
	ck_assert_str_eq((const char *)p, "v=spf1 ip4:198.51.100.0/24 -all");
	ck_assert_uint_eq(n, strlen("v=spf1 ip4:198.51.100.0/24 -all"));
	ck_assert_uint_eq(vouch_dns_answer_strings(a, 0), 3);
	vouch_dns_answer_free(a);
	vouch_dns_free(d);
}
END_TEST

START_TEST(test_dns_absent_name_is_nxdomain_and_missing_type_is_nodata)
{
	struct vouch_dns *d = zone_dns();

	ck_assert_int_eq(rcode_of(d, "nope.example.com", VOUCH_DNS_TXT),
	    VOUCH_DNS_NXDOMAIN);
	ck_assert_int_eq(rcode_of(d, "mail.example.com", VOUCH_DNS_TXT),
	    VOUCH_DNS_NODATA);
	ck_assert_int_eq(rcode_of(d, "MAIL.Example.COM.", VOUCH_DNS_A),
	    VOUCH_DNS_ANSWER);
	ck_assert_int_eq(rcode_of(d, "bad..name", VOUCH_DNS_A),
	    VOUCH_DNS_NXDOMAIN);
	vouch_dns_free(d);
}
END_TEST

START_TEST(test_dns_cname_is_followed_and_loop_is_tempfail)
{
	struct vouch_dns *d = zone_dns();
	struct vouch_dns_answer *a;
	const unsigned char *p;
	size_t n;

	ck_assert_int_eq(vouch_dns_query(d, "www.example.com", VOUCH_DNS_A, &a,
	    NULL), VOUCH_OK);
	ck_assert_int_eq(vouch_dns_answer_count(a), 1);
	p = vouch_dns_answer_data(a, 0, &n, NULL);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(p[3], 10);
	vouch_dns_answer_free(a);
	ck_assert_int_eq(vouch_dns_add_rr(d, "l1.test. 60 IN CNAME l2.test.",
	    NULL), VOUCH_OK);
	ck_assert_int_eq(vouch_dns_add_rr(d, "l2.test. 60 IN CNAME l1.test.",
	    NULL), VOUCH_OK);
	ck_assert_int_eq(rcode_of(d, "l1.test", VOUCH_DNS_TXT),
	    VOUCH_DNS_TEMPFAIL);
	vouch_dns_free(d);
}
END_TEST

START_TEST(test_dns_mx_answers_carry_preference)
{
	struct vouch_dns *d = zone_dns();
	struct vouch_dns_answer *a;
	unsigned int pref = 0;

	ck_assert_int_eq(vouch_dns_query(d, "example.com", VOUCH_DNS_MX, &a,
	    NULL), VOUCH_OK);
	ck_assert_str_eq((const char *)vouch_dns_answer_data(a, 0, NULL,
	    &pref), "mail.example.com");
	ck_assert_uint_eq(pref, 10);
	vouch_dns_answer_free(a);
	vouch_dns_free(d);
}
END_TEST

START_TEST(test_dns_injected_faults_give_tempfail_per_type)
{
	struct vouch_dns *d = zone_dns();
	struct vouch_error err;

	ck_assert_int_eq(vouch_dns_add_fault_spec(d, "example.com/TXT=timeout",
	    &err), VOUCH_OK);
	ck_assert_int_eq(vouch_dns_add_fault_spec(d, "mail.example.com=servfail",
	    &err), VOUCH_OK);
	ck_assert_int_eq(vouch_dns_add_fault_spec(d, "x=nonsense", &err),
	    VOUCH_E_INVAL);
	ck_assert_int_eq(vouch_dns_add_fault_spec(d, "x/BOGUS=timeout", &err),
	    VOUCH_E_INVAL);
	ck_assert_int_eq(rcode_of(d, "example.com", VOUCH_DNS_TXT),
	    VOUCH_DNS_TEMPFAIL);
	ck_assert_int_eq(rcode_of(d, "example.com", VOUCH_DNS_MX),
	    VOUCH_DNS_ANSWER);
	ck_assert_int_eq(rcode_of(d, "mail.example.com", VOUCH_DNS_AAAA),
	    VOUCH_DNS_TEMPFAIL);
	vouch_dns_free(d);
}
END_TEST

START_TEST(test_dns_bad_zone_file_reports_line)
{
	struct vouch_dns *d = vouch_dns_new();
	struct vouch_error err;
	char path[] = "/tmp/vouch-badzone-XXXXXX";
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w");

	fputs("ok.test. 60 IN TXT \"fine\"\nbroken.test. 60 IN A 999.1.1.1\n",
	    fp);
	fclose(fp);
	ck_assert_int_eq(vouch_dns_load_zone(d, path, NULL, 0, &err),
	    VOUCH_E_SYNTAX);
	ck_assert_ptr_nonnull(strstr(err.message, "line 2"));
	ck_assert_int_eq(vouch_dns_load_zone(d, "/nonexistent/zone", NULL, 0,
	    &err), VOUCH_E_NOTFOUND);
	unlink(path);
	vouch_dns_free(d);
}
END_TEST

START_TEST(test_dns_cache_expires_by_ttl_with_injected_clock)
{
	struct dns_cache *c = dns_cache_new(10);
	struct vouch_dns_answer *a = dns_answer_new(VOUCH_DNS_TXT,
	    VOUCH_DNS_NXDOMAIN, 60), *got;

	dns_cache_put(c, "x.test", VOUCH_DNS_TXT, a, 1000 + 60);
	got = dns_cache_get(c, "X.TEST", VOUCH_DNS_TXT, 1059);
	ck_assert_ptr_eq(got, a);
	vouch_dns_answer_free(got);
	ck_assert_ptr_null(dns_cache_get(c, "x.test", VOUCH_DNS_A, 1000));
	ck_assert_ptr_null(dns_cache_get(c, "x.test", VOUCH_DNS_TXT, 1060));
	vouch_dns_answer_free(a);
	dns_cache_free(c);
}
END_TEST

START_TEST(test_dns_cache_is_bounded_lru)
{
	struct dns_cache *c = dns_cache_new(3);
	char name[32];
	int i;

	for (i = 0; i < 10; i++) {
		struct vouch_dns_answer *a = dns_answer_new(1,
		    VOUCH_DNS_NODATA, 60);

		snprintf(name, sizeof(name), "n%d.test", i);
		dns_cache_put(c, name, 1, a, 100);
		vouch_dns_answer_free(a);
	}
	ck_assert_ptr_null(dns_cache_get(c, "n0.test", 1, 0));
	for (i = 7; i < 10; i++) {
		struct vouch_dns_answer *a;

		snprintf(name, sizeof(name), "n%d.test", i);
		a = dns_cache_get(c, name, 1, 0);
		ck_assert_ptr_nonnull(a);
		vouch_dns_answer_free(a);
	}
	dns_cache_free(c);
}
END_TEST

static struct dns_cache *shared_cache;

static void *
hammer(void *arg)
{
	char name[32];
	int i, id = (int)(long)arg;

	for (i = 0; i < 20000; i++) {
		struct vouch_dns_answer *a;

		snprintf(name, sizeof(name), "h%d.test", (i * 7 + id) % 500);
		if ((a = dns_cache_get(shared_cache, name, 16, i % 50)) != NULL) {
			ck_assert_int_eq(vouch_dns_answer_rcode(a),
			    VOUCH_DNS_NODATA);
			vouch_dns_answer_free(a);
			continue;
		}
		a = dns_answer_new(16, VOUCH_DNS_NODATA, 60);
		dns_cache_put(shared_cache, name, 16, a, i % 50 + 10);
		vouch_dns_answer_free(a);
	}
	return NULL;
}

START_TEST(test_dns_cache_survives_many_threads)
{
	pthread_t t[8];
	long i;

	shared_cache = dns_cache_new(100);
	for (i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, hammer, (void *)i);
	for (i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	dns_cache_free(shared_cache);
}
END_TEST

START_TEST(test_dns_overlay_answers_only_its_names)
{
	struct vouch_dns *d = vouch_dns_new();
	struct vouch_dns_stats st;

	ck_assert_int_eq(vouch_dns_load_zone(d, ZONES "example.net.zone", NULL,
	    1, NULL), VOUCH_OK);
	/* No live resolver configured: other names are NXDOMAIN, counted. */
	ck_assert_int_eq(rcode_of(d, "_spf.example.net", VOUCH_DNS_TXT),
	    VOUCH_DNS_ANSWER);
	ck_assert_int_eq(rcode_of(d, "other.example.net", VOUCH_DNS_TXT),
	    VOUCH_DNS_NXDOMAIN);
	vouch_dns_stats(d, &st);
	ck_assert_uint_eq(st.queries, 2);
	vouch_dns_free(d);
}
END_TEST

START_TEST(test_dns_live_server_option_is_validated)
{
	struct vouch_dns *d = vouch_dns_new();
	struct vouch_error err;

	ck_assert_int_eq(vouch_dns_set_live(d, "127.0.0.1:5353", &err),
	    VOUCH_OK);
	ck_assert_int_eq(vouch_dns_set_live(d, "[::1]:53", &err), VOUCH_OK);
	ck_assert_int_eq(vouch_dns_set_live(d, "::1", &err), VOUCH_OK);
	ck_assert_int_eq(vouch_dns_set_live(d, "not-an-ip", &err),
	    VOUCH_E_INVAL);
	ck_assert_int_eq(vouch_dns_set_live(d, "127.0.0.1:99999", &err),
	    VOUCH_E_INVAL);
	vouch_dns_free(d);
}
END_TEST

/*
 * Responses off the wire (the seed packets of fuzz/fuzz_dns_answer.in,
 * made with dnspython) read the way the resolver reads them.
 */
struct wire_case {
	const char *file, *name;
	uint16_t type;
	int id_delta;
	enum vouch_dns_rcode rcode;
	size_t n;
	uint32_t ttl;
	const char *cname;
};

static struct vouch_dns_answer *
read_wire(const struct wire_case *c)
{
	char path[512];
	unsigned char buf[4096];
	FILE *fp;
	size_t len;
	ldns_pkt *p = NULL, *q;
	struct vouch_dns_answer *a;

	snprintf(path, sizeof(path), "%s/fuzz/fuzz_dns_answer.in/%s",
	    TOP_SRCDIR, c->file);
	ck_assert_msg((fp = fopen(path, "rb")) != NULL, "%s", path);
	len = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	ck_assert_int_eq(ldns_wire2pkt(&p, buf, len), LDNS_STATUS_OK);
	q = ldns_pkt_query_new(ldns_dname_new_frm_str(c->name), c->type,
	    LDNS_RR_CLASS_IN, LDNS_RD);
	ck_assert_ptr_nonnull(q);
	ldns_pkt_set_id(q, (uint16_t)(ldns_pkt_id(p) + c->id_delta));
	a = dns_answer_new(c->type, VOUCH_DNS_TEMPFAIL, 0);
	ck_assert_int_eq(dns_pkt_answer(q, p, c->name, c->type, a), VOUCH_OK);
	ldns_pkt_free(q);
	ldns_pkt_free(p);
	return a;
}

START_TEST(test_dns_wire_responses_are_read_as_the_rfcs_say)
{
	static const struct wire_case cases[] = {
		{ "txt", "example.com", VOUCH_DNS_TXT, 0, VOUCH_DNS_ANSWER, 1,
		    300, NULL },
		{ "txt", "example.com", VOUCH_DNS_TXT, 1, VOUCH_DNS_MALFORMED,
		    0, 0, NULL },	/* wrong ID */
		{ "txt", "example.org", VOUCH_DNS_TXT, 0, VOUCH_DNS_MALFORMED,
		    0, 0, NULL },	/* wrong question */
		{ "txt", "example.com", VOUCH_DNS_A, 0, VOUCH_DNS_MALFORMED,
		    0, 0, NULL },	/* wrong type */
		{ "a", "mail.example.com", VOUCH_DNS_A, 0, VOUCH_DNS_ANSWER, 2,
		    60, NULL },
		{ "mx", "example.com", VOUCH_DNS_MX, 0, VOUCH_DNS_ANSWER, 2, 60,
		    NULL },
		{ "cname", "a.example.com", VOUCH_DNS_TXT, 0, VOUCH_DNS_ANSWER,
		    1, 60, NULL },
		{ "cname-out", "a.example.com", VOUCH_DNS_TXT, 0,
		    VOUCH_DNS_NODATA, 0, 0, "elsewhere.example.net" },
		    /* the front end follows the alias */
		{ "cname-loop", "a.example.com", VOUCH_DNS_TXT, 0,
		    VOUCH_DNS_TEMPFAIL, 0, 0, NULL },
		{ "nxdomain", "nx.example.com", VOUCH_DNS_TXT, 0,
		    VOUCH_DNS_NXDOMAIN, 0, 60, NULL },	/* min(300, 60) */
		{ "nodata", "example.com", VOUCH_DNS_TXT, 0, VOUCH_DNS_NODATA,
		    0, 60, NULL },
		{ "servfail", "example.com", VOUCH_DNS_TXT, 0,
		    VOUCH_DNS_TEMPFAIL, 0, 0, NULL },
		{ "tc", "example.com", VOUCH_DNS_TXT, 0, VOUCH_DNS_MALFORMED, 0,
		    0, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct wire_case *c = &cases[i];
		struct vouch_dns_answer *a = read_wire(c);

		ck_assert_msg(vouch_dns_answer_rcode(a) == c->rcode,
		    "%s as %s: rcode %s", c->file, c->name,
		    vouch_dns_rcode_name(vouch_dns_answer_rcode(a)));
		ck_assert_uint_eq(vouch_dns_answer_count(a), c->n);
		if (c->n > 0 || c->rcode == VOUCH_DNS_NXDOMAIN ||
		    c->rcode == VOUCH_DNS_NODATA)
			ck_assert_uint_eq(vouch_dns_answer_ttl(a), c->ttl);
		if (c->cname != NULL) {
			ck_assert_ptr_nonnull(a->cname);
			ck_assert_str_eq(a->cname, c->cname);
		} else
			ck_assert_ptr_null(a->cname);
		vouch_dns_answer_free(a);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dns");
	TCase *tc = tcase_create("dns");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_dns_zone_txt_strings_are_joined_with_nothing);
	tcase_add_test(tc, test_dns_too_many_records_and_non_names);
	tcase_add_test(tc, test_version_macros_match_the_library);
	tcase_add_test(tc,
	    test_dns_absent_name_is_nxdomain_and_missing_type_is_nodata);
	tcase_add_test(tc, test_dns_cname_is_followed_and_loop_is_tempfail);
	tcase_add_test(tc, test_dns_mx_answers_carry_preference);
	tcase_add_test(tc, test_dns_injected_faults_give_tempfail_per_type);
	tcase_add_test(tc, test_dns_bad_zone_file_reports_line);
	tcase_add_test(tc, test_dns_cache_expires_by_ttl_with_injected_clock);
	tcase_add_test(tc, test_dns_cache_is_bounded_lru);
	tcase_add_test(tc, test_dns_cache_survives_many_threads);
	tcase_add_test(tc, test_dns_overlay_answers_only_its_names);
	tcase_add_test(tc, test_dns_live_server_option_is_validated);
	tcase_add_test(tc, test_dns_wire_responses_are_read_as_the_rfcs_say);
	suite_add_tcase(s, tc);
	return check_run(s);
}
