/*
 * ValiMail's ARC test suite (testdata/conformance/arc, MIT), run through
 * the real verifier and sealer.  Validation cases must give the expected
 * cv; signing cases must reproduce the expected ARC-Seal,
 * ARC-Message-Signature and ARC-Authentication-Results exactly (compared
 * without folding white space, which the suite's own README leaves free)
 * from the suite's time and keys.  The suite was written against draft 18
 * of ARC: a case where RFC 8617 as published decides otherwise is listed
 * in expected_diff[] with the section, and counted apart.
 */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include <vouch/vouch.h>
#include "tests/check_run.h"
#include "tests/check_yaml.h"

#define SUITE TOP_SRCDIR "/testdata/conformance/arc/"

/* Cases where RFC 8617 and the draft-18 suite disagree: name, why. */
static const char *const expected_diff[][2] = {
	{ "cv_fail_i1_as_cv_fail", "RFC 8617 5.2 step 2: a chain whose seal "
	    "says cv=fail has failed; the draft-18 suite leaves cv empty" },
	{ "cv_fail_i2_as2_fail", "RFC 8617 5.2 step 2: a chain whose seal "
	    "says cv=fail has failed; the draft-18 suite leaves cv empty" },
	{ "cv_fail_i2_as1_fail", "RFC 8617 5.2 step 2: a chain whose seal "
	    "says cv=fail has failed; the draft-18 suite leaves cv empty" },
	{ "ams_fields_c_na", "RFC 8617 4.1.2: the AMS has DKIM's tags, so a "
	    "missing c= is simple/simple (RFC 6376 3.5); the suite's message "
	    "was signed relaxed/relaxed" },
	{ NULL, NULL }
};

static int v_pass, v_fail, v_diff, s_pass, s_fail, s_diff;


static const char *
diff_reason(const char *name)
{
	size_t i;

	for (i = 0; expected_diff[i][0] != NULL; i++)
		if (strcmp(expected_diff[i][0], name) == 0)
			return expected_diff[i][1];
	return NULL;
}

/* The scenario's key records, newlines (YAML folding) removed. */
static struct vouch_dns *
scenario_dns(yaml_document_t *d, yaml_node_t *root)
{
	struct vouch_dns *dns = vouch_dns_new();
	yaml_node_t *recs = map_get(d, root, "txt-records");
	yaml_node_pair_t *p;

	if (recs == NULL || recs->type != YAML_MAPPING_NODE)
		return dns;
	for (p = recs->data.mapping.pairs.start; p < recs->data.mapping.pairs.top;
	    p++) {
		const char *name = scalar(yaml_document_get_node(d, p->key));
		const char *v = scalar(yaml_document_get_node(d, p->value));
		char *t;
		size_t i, j;

		if (name == NULL || v == NULL)
			continue;
		t = malloc(strlen(v) + 1);
		for (i = j = 0; v[i]; i++)
			if (v[i] != '\n' && v[i] != '\r')
				t[j++] = v[i];
		t[j] = '\0';
		vouch_dns_add_raw(dns, name, VOUCH_DNS_TXT, t, j, 300);
		free(t);
	}
	return dns;
}

static enum vouch_arc_result
validate(struct vouch_auth_ctx *actx, const char *msg)
{
	struct vouch_auth *a;
	enum vouch_arc_result r;

	ck_assert_int_eq(vouch_auth_new(actx, NULL, &a), VOUCH_OK);
	vouch_auth_feed(a, msg, strlen(msg));
	ck_assert_int_eq(vouch_auth_finish(a, NULL), VOUCH_OK);
	r = vouch_auth_arc(a)->result;
	vouch_auth_free(a);
	return r;
}

static void
run_validation(yaml_document_t *d, yaml_node_t *root)
{
	yaml_node_t *tests = map_get(d, root, "tests");
	struct vouch_dns *dns = scenario_dns(d, root);
	struct vouch_auth_ctx *actx = vouch_auth_ctx_new(dns, "mx.test");
	yaml_node_pair_t *p;

	for (p = tests->data.mapping.pairs.start;
	    p < tests->data.mapping.pairs.top; p++) {
		const char *name = scalar(yaml_document_get_node(d, p->key));
		yaml_node_t *t = yaml_document_get_node(d, p->value);
		const char *msg = scalar(map_get(d, t, "message"));
		const char *cv = scalar(map_get(d, t, "cv"));
		enum vouch_arc_result got = validate(actx, msg ? msg : "");
		const char *why;
		int ok = strcasecmp(cv, vouch_arc_result_name(got)) == 0;

		if (ok)
			v_pass++;
		else if ((why = diff_reason(name)) != NULL) {
			v_diff++;
			printf("expected difference %s: cv %s, vouch %s (%s)\n",
			    name, cv, vouch_arc_result_name(got), why);
		} else {
			v_fail++;
			printf("FAIL validation %s: cv %s, vouch %s\n", name, cv,
			    vouch_arc_result_name(got));
		}
	}
	vouch_auth_ctx_free(actx);
	vouch_dns_free(dns);
}

/* Without any white space: folding is free (the suite's README). */
static char *
squeeze(const char *s)
{
	char *o = malloc(strlen(s) + 1), *q = o;

	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			*q++ = *s;
	*q = '\0';
	return o;
}

/* The suite's AR consolidation: every result of the A-R fields with our
 * authserv-id, in order, after the id, as "id; r1; r2" (the results'
 * own white space is the relaxed canonicalization's business). */
static void
add_results(char *out, const char *v, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t s, e;

		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' ||
		    v[i] == '\n' || v[i] == ';'))
			i++;
		s = i;
		while (i < n && v[i] != ';')
			i++;
		e = i;
		while (e > s && strchr(" \t\r\n", v[e - 1]) != NULL)
			e--;
		if (e > s) {
			strcat(out, "; ");
			strncat(out, v + s, e - s);
		}
	}
}

static char *
consolidated(const char *msg, const char *srv)
{
	char *out = calloc(1, strlen(msg) + strlen(srv) + 8);
	const char *p = msg;
	size_t sl = strlen(srv);

	strcpy(out, srv);
	while (p != NULL && *p && !(p[0] == '\n' && p != msg && p[-1] == '\n')) {
		if (strncasecmp(p, "Authentication-Results:", 23) == 0) {
			const char *v = p + 23, *e = v;

			while (*e && !(e[0] == '\n' && e[1] != ' ' && e[1] != '\t'))
				e++;
			while (*v == ' ' || *v == '\t')
				v++;
			if (strncasecmp(v, srv, sl) == 0 && v[sl] == ';')
				add_results(out, v + sl + 1,
				    (size_t)(e - v - sl - 1));
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return out;
}

/* One field's value from the sealer's output. */
static char *
field(const char *hdrs, const char *name)
{
	const char *p = hdrs, *e;
	size_t n = strlen(name);

	while (p != NULL && *p) {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			for (e = p; *e && !(e[0] == '\n' && e[1] != ' ' &&
			    e[1] != '\t'); e++)
				;
			return strndup(p, (size_t)(e - p));
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return strdup("");
}

static void
run_signing(yaml_document_t *d, yaml_node_t *root)
{
	yaml_node_t *tests = map_get(d, root, "tests");
	struct vouch_dns *dns = scenario_dns(d, root);
	struct vouch_auth_ctx *actx = vouch_auth_ctx_new(dns, "mx.test");
	const char *pem = scalar(map_get(d, root, "privatekey"));
	struct vouch_dkim_key *key;
	yaml_node_pair_t *p;

	ck_assert_int_eq(vouch_dkim_key_parse(pem, strlen(pem), &key, NULL),
	    VOUCH_OK);
	for (p = tests->data.mapping.pairs.start;
	    p < tests->data.mapping.pairs.top; p++) {
		const char *name = scalar(yaml_document_get_node(d, p->key));
		yaml_node_t *t = yaml_document_get_node(d, p->value);
		const char *msg = scalar(map_get(d, t, "message"));
		const char *want[3] = { scalar(map_get(d, t, "AS")),
		    scalar(map_get(d, t, "AMS")), scalar(map_get(d, t, "AAR")) };
		static const char *names[3] = { "ARC-Seal",
		    "ARC-Message-Signature", "ARC-Authentication-Results" };
		struct vouch_arc_seal_params sp = { 0 };
		struct vouch_arc_sealer *s;
		struct vouch_error err = { 0 };
		char *hdrs = NULL, *aar;
		const char *why;
		int k, same = 1;

		sp.domain = scalar(map_get(d, root, "domain"));
		sp.selector = scalar(map_get(d, root, "sel"));
		sp.key = key;
		sp.headers = scalar(map_get(d, t, "sig-headers"));
		sp.timestamp = atoll(scalar(map_get(d, t, "t")));
		ck_assert_int_eq(vouch_arc_sealer_new(&sp, &s, NULL), VOUCH_OK);
		vouch_arc_sealer_feed(s, msg, strlen(msg));
		aar = consolidated(msg, scalar(map_get(d, t, "srv-id")));
		ck_assert_int_eq(vouch_arc_sealer_finish(s, validate(actx, msg),
		    aar, &hdrs, &err), VOUCH_OK);
		for (k = 0; k < 3; k++) {
			char *g = field(hdrs, names[k]), *a = squeeze(g);
			char *b = squeeze(want[k]);

			if (strcmp(a, b) != 0) {
				same = 0;
				if (diff_reason(name) == NULL)
					printf("FAIL signing %s %s:\n  got  %s\n"
					    "  want %s\n", name, names[k], a, b);
			}
			free(g);
			free(a);
			free(b);
		}
		if (same)
			s_pass++;
		else if ((why = diff_reason(name)) != NULL) {
			s_diff++;
			printf("expected difference %s (%s)\n", name, why);
		} else
			s_fail++;
		free(aar);
		vouch_free(hdrs);
		vouch_arc_sealer_free(s);
	}
	vouch_dkim_key_free(key);
	vouch_auth_ctx_free(actx);
	vouch_dns_free(dns);
}

static void
run_file(const char *path, int signing)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	FILE *fp = fopen(path, "rb");

	ck_assert_msg(fp != NULL, "%s missing", path);
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, fp);
	for (;;) {
		yaml_node_t *root;

		ck_assert_msg(yaml_parser_load(&parser, &doc), "%s: YAML error",
		    path);
		if ((root = yaml_document_get_root_node(&doc)) == NULL) {
			yaml_document_delete(&doc);
			break;
		}
		if (signing)
			run_signing(&doc, root);
		else
			run_validation(&doc, root);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	fclose(fp);
}

START_TEST(test_arc_validation_cases_give_the_expected_cv)
{
	run_file(SUITE "arc-draft-validation-tests.yml", 0);
	printf("ARC validation: %d passed, %d failed, %d expected "
	    "differences (RFC 8617)\n", v_pass, v_fail, v_diff);
	ck_assert_int_eq(v_fail, 0);
	ck_assert_int_eq(v_pass + v_diff, 175);
}
END_TEST

START_TEST(test_arc_signing_cases_are_reproduced_exactly)
{
	run_file(SUITE "arc-draft-sign-tests.yml", 1);
	printf("ARC signing: %d passed, %d failed, %d expected differences "
	    "(RFC 8617)\n", s_pass, s_fail, s_diff);
	ck_assert_int_eq(s_fail, 0);
	ck_assert_int_eq(s_pass + s_diff, 17);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("arc_suite");
	TCase *tc = tcase_create("conformance");

	setvbuf(stdout, NULL, _IONBF, 0);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_arc_validation_cases_give_the_expected_cv);
	tcase_add_test(tc, test_arc_signing_cases_are_reproduced_exactly);
	suite_add_tcase(s, tc);
	return check_run(s);
}
