/*
 * The OpenSPF RFC 7208 test suite, run through the real evaluator with DNS
 * from each scenario's zone data (see testdata/conformance/README.md for
 * where the data comes from).  The suite travels with the project.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <yaml.h>

#include <vouch/vouch.h>
#include "tests/check_run.h"
#include "tests/check_yaml.h"

static const char *suite_path;
static int n_pass, n_fail;


/* A list value is one record of several strings joined with nothing. */
static char *
joined(yaml_document_t *d, yaml_node_t *v, size_t *len)
{
	yaml_node_item_t *it;
	char *out;
	size_t n = 0;

	if (v->type == YAML_SCALAR_NODE) {
		*len = v->data.scalar.length;
		out = malloc(*len + 1);
		memcpy(out, v->data.scalar.value, *len + 1);
		return out;
	}
	out = calloc(1, 1);
	for (it = v->data.sequence.items.start;
	    it < v->data.sequence.items.top; it++) {
		yaml_node_t *s = yaml_document_get_node(d, *it);

		out = realloc(out, n + s->data.scalar.length + 1);
		memcpy(out + n, s->data.scalar.value, s->data.scalar.length);
		n += s->data.scalar.length;
		out[n] = '\0';
	}
	*len = n;
	return out;
}

static void
add_record(struct vouch_dns *dns, yaml_document_t *d, const char *name,
    const char *type, yaml_node_t *v)
{
	unsigned char addr[16];
	char buf[600];
	size_t len;
	char *txt;

	if (strcmp(type, "TXT") == 0 || strcmp(type, "SPF") == 0) {
		txt = joined(d, v, &len);
		vouch_dns_add_raw(dns, name, VOUCH_DNS_TXT, txt, len, 300);
		free(txt);
	} else if (strcmp(type, "A") == 0 &&
	    inet_pton(AF_INET, scalar(v), addr) == 1) {
		vouch_dns_add_raw(dns, name, VOUCH_DNS_A, addr, 4, 300);
	} else if (strcmp(type, "AAAA") == 0 &&
	    inet_pton(AF_INET6, scalar(v), addr) == 1) {
		vouch_dns_add_raw(dns, name, VOUCH_DNS_AAAA, addr, 16, 300);
	} else if (strcmp(type, "MX") == 0 && v->type == YAML_SEQUENCE_NODE) {
		yaml_node_t *p = yaml_document_get_node(d,
		    v->data.sequence.items.start[0]);
		yaml_node_t *h = yaml_document_get_node(d,
		    v->data.sequence.items.start[1]);

		snprintf(buf, sizeof(buf), "%s %s", scalar(p), scalar(h));
		vouch_dns_add_raw(dns, name, VOUCH_DNS_MX, buf, strlen(buf),
		    300);
	} else if (strcmp(type, "PTR") == 0 || strcmp(type, "CNAME") == 0) {
		const char *t = scalar(v);

		len = strlen(t);
		if (len > 0 && t[len - 1] == '.')
			len--;
		vouch_dns_add_raw(dns, name, strcmp(type, "PTR") == 0 ?
		    VOUCH_DNS_PTR : VOUCH_DNS_CNAME, t, len, 300);
	}
}

/* Load one name's entries, applying the suite's SPF-to-TXT and TIMEOUT
 * rules. */
static void
load_name(struct vouch_dns *dns, yaml_document_t *d, const char *name,
    yaml_node_t *list)
{
	static const char *types[] = { "TXT", "A", "AAAA", "MX", "PTR",
	    "CNAME" };
	yaml_node_item_t *it;
	int has_txt = 0, before[6] = { 0 }, timeout = 0;
	size_t i;

	/* Exists, even with nothing of the asked type. */
	vouch_dns_add_raw(dns, name, 0, NULL, 0, 0);
	for (it = list->data.sequence.items.start;
	    it < list->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(d, *it);

		if (map_get(d, e, "TXT") != NULL)
			has_txt = 1;
	}
	for (it = list->data.sequence.items.start;
	    it < list->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(d, *it);
		yaml_node_pair_t *p;

		if (e->type == YAML_SCALAR_NODE &&
		    strcmp(scalar(e), "TIMEOUT") == 0) {
			timeout = 1;
			break;
		}
		if (e->type != YAML_MAPPING_NODE)
			continue;
		p = e->data.mapping.pairs.start;
		{
			const char *type = scalar(yaml_document_get_node(d,
			    p->key));
			yaml_node_t *v = yaml_document_get_node(d, p->value);

			if (scalar(v) != NULL && strcmp(type, "TXT") == 0 &&
			    strcmp(scalar(v), "NONE") == 0)
				continue;
			if (strcmp(type, "SPF") == 0) {
				if (has_txt)
					continue;
				type = "TXT";
			}
			add_record(dns, d, name, type, v);
			for (i = 0; i < 6; i++)
				if (strcmp(type, types[i]) == 0)
					before[i] = 1;
		}
	}
	if (timeout)
		for (i = 0; i < 6; i++)
			if (!before[i])
				vouch_dns_add_fault(dns, name,
				    vouch_dns_type_parse(types[i]),
				    VOUCH_DNS_FAULT_TIMEOUT);
}

static int
result_ok(yaml_document_t *d, yaml_node_t *want, const char *got)
{
	yaml_node_item_t *it;

	if (want->type == YAML_SCALAR_NODE)
		return strcmp(scalar(want), got) == 0;
	for (it = want->data.sequence.items.start;
	    it < want->data.sequence.items.top; it++)
		if (strcmp(scalar(yaml_document_get_node(d, *it)), got) == 0)
			return 1;
	return 0;
}

static void
run_case(struct vouch_dns *dns, yaml_document_t *d, const char *name,
    yaml_node_t *t, int verbose)
{
	struct vouch_spf_request req = { 0 };
	struct vouch_spf_verdict v;
	const char *exp = scalar(map_get(d, t, "explanation"));
	const char *got;
	int ok;

	req.ip = scalar(map_get(d, t, "host"));
	req.mail_from = scalar(map_get(d, t, "mailfrom"));
	req.helo = scalar(map_get(d, t, "helo"));
	req.now = 1;
	if (vouch_spf_check(dns, &req, &v, NULL) != VOUCH_OK) {
		n_fail++;
		printf("FAIL %s: check failed to run\n", name);
		return;
	}
	got = vouch_spf_result_name(v.result);
	ok = result_ok(d, map_get(d, t, "result"), got);
	if (ok && exp != NULL) {
		if (strcmp(exp, "DEFAULT") == 0)
			ok = v.explanation == NULL;
		else
			/*
			 * Case-insensitive: v-macro-ip6 expects upper-case
			 * hex nibbles from %{ir}, while RFC 7208 7.4 shows
			 * lower case ("1.0.b.c...ip6"), which vouch writes.
			 * DNS names compare without case anyway.
			 */
			ok = v.explanation != NULL &&
			    strcasecmp(v.explanation, exp) == 0;
	}
	if (ok) {
		n_pass++;
	} else {
		n_fail++;
		if (verbose)
			printf("FAIL %s: got %s (exp %s, problem %s)\n", name,
			    got, v.explanation ? v.explanation : "-",
			    v.problem ? v.problem : "-");
	}
	vouch_spf_verdict_clear(&v);
}

static void
run_scenario(yaml_document_t *d, int verbose)
{
	yaml_node_t *root = yaml_document_get_root_node(d);
	yaml_node_t *tests = map_get(d, root, "tests");
	yaml_node_t *zone = map_get(d, root, "zonedata");
	struct vouch_dns *dns = vouch_dns_new();
	yaml_node_pair_t *p;

	if (zone != NULL && zone->type == YAML_MAPPING_NODE)
		for (p = zone->data.mapping.pairs.start;
		    p < zone->data.mapping.pairs.top; p++)
			load_name(dns, d, scalar(yaml_document_get_node(d,
			    p->key)), yaml_document_get_node(d, p->value));
	for (p = tests->data.mapping.pairs.start;
	    p < tests->data.mapping.pairs.top; p++)
		run_case(dns, d, scalar(yaml_document_get_node(d, p->key)),
		    yaml_document_get_node(d, p->value), verbose);
	vouch_dns_free(dns);
}

static void
run_file(const char *path, int verbose)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	FILE *fp = fopen(path, "rb");

	ck_assert_msg(fp != NULL, "%s: cannot open", path);
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, fp);
	for (;;) {
		ck_assert_msg(yaml_parser_load(&parser, &doc), "%s: YAML error",
		    path);
		if (yaml_document_get_root_node(&doc) == NULL) {
			yaml_document_delete(&doc);
			break;
		}
		run_scenario(&doc, verbose);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	fclose(fp);
}

START_TEST(test_spf_rfc7208_suite_every_case_passes)
{
	char path[4096];

	n_pass = n_fail = 0;
	snprintf(path, sizeof(path), "%s/rfc7208-tests.yml", suite_path);
	run_file(path, 1);
	printf("RFC 7208 suite: %d passed, %d failed\n", n_pass, n_fail);
	fflush(stdout);
	ck_assert_int_eq(n_pass, 203);
	ck_assert_int_eq(n_fail, 0);
}
END_TEST

START_TEST(test_spf_rfc4408_suite_is_reported)
{
	char path[4096];

	/* Informative only: RFC 7208 changed some answers. */
	n_pass = n_fail = 0;
	snprintf(path, sizeof(path), "%s/rfc4408-tests.yml", suite_path);
	run_file(path, 0);
	printf("RFC 4408 suite (informative): %d of %d as RFC 4408 "
	    "expected\n", n_pass, n_pass + n_fail);
	ck_assert_int_gt(n_pass, 150);
}
END_TEST

int
main(void)
{
	Suite *s;

	suite_path = TOP_SRCDIR "/testdata/conformance/spf";
	setvbuf(stdout, NULL, _IONBF, 0);
	s = suite_create("spf_suite");
	TCase *tc = tcase_create("conformance");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_spf_rfc7208_suite_every_case_passes);
	tcase_add_test(tc, test_spf_rfc4408_suite_is_reported);
	suite_add_tcase(s, tc);
	return check_run(s);
}
