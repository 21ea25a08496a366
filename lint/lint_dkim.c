/* DKIM key record lint (RFC 6376 3.6.1, RFC 8301, RFC 8463), through the
 * verifier's own tag and key parsers. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint_int.h"
#include "dkim/dkim_int.h"
#include "common/util.h"

static void
check_tags(struct vouch_lint *l, const char *name, const struct dkim_tags *t)
{
	const struct dkim_tag *g;

	if ((g = dkim_tags_get(t, "v")) != NULL && (g != &t->t[0] ||
	    g->vlen != 5 || memcmp(g->val, "DKIM1", 5) != 0))
		lint_add(l, VOUCH_LINT_ERROR, "dkim-version", name,
		    "RFC 6376 3.6.1", -1, "v= must be DKIM1 and the first tag");
	if ((g = dkim_tags_get(t, "k")) != NULL &&
	    !(g->vlen == 3 && memcmp(g->val, "rsa", 3) == 0) &&
	    !(g->vlen == 7 && memcmp(g->val, "ed25519", 7) == 0))
		lint_add(l, VOUCH_LINT_ERROR, "dkim-unknown-key-type", name,
		    "RFC 6376 3.6.1", -1, "k=%.*s is not rsa or ed25519",
		    (int)(g->vlen > 20 ? 20 : g->vlen), g->val);
	if ((g = dkim_tags_get(t, "h")) != NULL) {
		int sha256 = 0, sha1 = 0;
		const char *h;
		size_t pos = 0, hl;

		while (dkim_list_next(g->val, g->vlen, ':', &pos, &h, &hl)) {
			if (hl == 6 && memcmp(h, "sha256", 6) == 0)
				sha256 = 1;
			if (hl == 4 && memcmp(h, "sha1", 4) == 0)
				sha1 = 1;
		}
		if (!sha256)
			lint_add(l, VOUCH_LINT_ERROR, "dkim-sha1-only", name,
			    "RFC 8301 3.1", -1, "h= allows %s but not sha256: "
			    "no signature can verify", sha1 ? "only sha1" :
			    "no known hash");
	}
	if ((g = dkim_tags_get(t, "s")) != NULL) {
		const char *f;
		size_t pos = 0, fl;
		int email = 0;

		while (dkim_list_next(g->val, g->vlen, ':', &pos, &f, &fl))
			if ((fl == 1 && *f == '*') || (fl == 5 &&
			    vouch__memcaseeq(f, "email", 5)))
				email = 1;
		if (!email)
			lint_add(l, VOUCH_LINT_ERROR, "dkim-service-type", name,
			    "RFC 6376 3.6.1", -1, "s=%.*s lists neither email "
			    "nor *: verifiers will not use this key for mail",
			    (int)g->vlen, g->val);
	}
}

/* RFC 8301 key sizes, and a key left in testing mode. */
static void
key_strength(struct vouch_lint *l, const char *name,
    const struct dkim_pubkey *pk)
{
	if (pk->type == VOUCH_DKIM_RSA && pk->bits < VOUCH_DKIM_MIN_RSA_BITS)
		lint_add(l, VOUCH_LINT_ERROR, "dkim-rsa-too-small", name,
		    "RFC 8301 3.2", -1, "RSA key of %u bits: verifiers refuse "
		    "under 1024", pk->bits);
	else if (pk->type == VOUCH_DKIM_RSA &&
	    pk->bits < VOUCH_DKIM_WARN_RSA_BITS)
		lint_add(l, VOUCH_LINT_WARNING, "dkim-rsa-weak", name,
		    "RFC 8301 3.2", -1, "RSA key of %u bits: use 2048 or more",
		    pk->bits);
	if (pk->testing)
		lint_add(l, VOUCH_LINT_WARNING, "dkim-testing", name,
		    "RFC 6376 3.6.1", -1, "t=y: the domain is testing DKIM; "
		    "remove it once signing works");
}

static void
lint_dkim_record_body(struct vouch_lint *l, const char *name, const char *txt,
    size_t len, size_t longest, const struct vouch_dkim_key *key)
{
	struct dkim_tags tags;
	struct dkim_pubkey pk;
	char why[160];
	enum vouch_status st;

	lint_checked(l, "DKIM", name, strcspn(name, "."));
	lint_string_lengths(l, "dkim-string-too-long", name, len, longest,
	    longest == 0);
	if (dkim_tags_parse(txt, len, &tags, why, sizeof(why)) != VOUCH_OK) {
		lint_add(l, VOUCH_LINT_ERROR, "dkim-syntax", name,
		    "RFC 6376 3.2", -1, "%s", why);
		return;
	}
	check_tags(l, name, &tags);
	st = dkim_pubkey_parse(txt, len, &pk, why, sizeof(why));
	if (st != VOUCH_OK) {
		const char *rule = strstr(why, "base64") != NULL ?
		    "dkim-bad-base64" : strstr(why, "no p=") != NULL ?
		    "dkim-syntax" : strstr(why, "unknown key type") != NULL ?
		    NULL : strstr(why, "Ed25519") != NULL ?
		    "dkim-ed25519-key-size" : strstr(why, "v=") != NULL ||
		    strstr(why, "not a key for email") != NULL ?
		    NULL : "dkim-bad-key";

		int pasted = rule != NULL && (strcmp(rule, "dkim-bad-base64") ==
		    0 || strcmp(rule, "dkim-bad-key") == 0 ||
		    strcmp(rule, "dkim-ed25519-key-size") == 0);

		if (rule != NULL)
			lint_add(l, VOUCH_LINT_ERROR, rule, name,
			    strcmp(rule, "dkim-ed25519-key-size") == 0 ?
			    "RFC 8463 4.2" : "RFC 6376 3.6.1", -1, "%s%s", why,
			    pasted ? " (the usual cause: the key was truncated, "
			    "or split badly into strings, when it was pasted; "
			    "copy p= again from the .txt file vouch keygen or "
			    "the provider gave)" : "");
		return;
	}
	if (pk.revoked) {
		lint_add(l, VOUCH_LINT_INFO, "dkim-revoked", name,
		    "RFC 6376 3.6.1", -1, "empty p=: the key is revoked and "
		    "every signature with it fails");
		return;
	}
	key_strength(l, name, &pk);
	if (key != NULL) {
		int m = vouch_dkim_key_matches_record(key, txt, len);

		if (m != 1)
			lint_add(l, VOUCH_LINT_ERROR, "dkim-key-mismatch", name,
			    "RFC 6376 3.6.1", -1, "the private key does not "
			    "match the published public key");
	}
	dkim_pubkey_clear(&pk);
}

enum vouch_status
vouch_lint_dkim(struct vouch_lint *l, const char *selector,
    const char *domain, const char *record, const struct vouch_dkim_key *key,
    struct vouch_error *err)
{
	struct vouch_dns_answer *a = NULL;
	char name[600];
	size_t n = 0, i;
	const char *txt;

	if (l == NULL || (record == NULL && (selector == NULL ||
	    domain == NULL)))
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1,
		    "missing argument");
	if (selector != NULL && domain != NULL)
		snprintf(name, sizeof(name), "%s._domainkey.%s", selector,
		    domain);
	else
		snprintf(name, sizeof(name), "(record)");
	if (record != NULL) {
		lint_dkim_record(l, name, record, strlen(record), 0, key);
		return VOUCH_OK;
	}
	if (vouch_dns_query(l->dns, name, VOUCH_DNS_TXT, &a, err) != VOUCH_OK)
		return VOUCH_E_NOMEM;
	switch (vouch_dns_answer_rcode(a)) {
	case VOUCH_DNS_ANSWER:
		break;
	case VOUCH_DNS_NXDOMAIN:
	case VOUCH_DNS_NODATA:
		lint_add(l, VOUCH_LINT_ERROR, "dkim-no-record", name,
		    "RFC 6376 3.6.2.2", -1, "no key record at %s", name);
		vouch_dns_answer_free(a);
		return VOUCH_OK;
	default:
		l->temp = 1;
		vouch_dns_answer_free(a);
		return VOUCH_OK;
	}
	if (vouch_dns_answer_count(a) > 1)
		lint_add(l, VOUCH_LINT_ERROR, "dkim-multiple-records", name,
		    "RFC 6376 3.6.2.2", -1, "%zu TXT records at the selector; "
		    "verifiers fail on more than one",
		    vouch_dns_answer_count(a));
	for (i = 0; i < vouch_dns_answer_count(a); i++) {
		txt = (const char *)vouch_dns_answer_data(a, i, &n, NULL);
		lint_dkim_record(l, name, txt, n,
		    vouch_dns_answer_longest_string(a, i) ?
		    vouch_dns_answer_longest_string(a, i) : 1, key);
	}
	vouch_dns_answer_free(a);
	return VOUCH_OK;
}

void
lint_dkim_record(struct vouch_lint *l, const char *name, const char *txt,
    size_t len, size_t longest, const struct vouch_dkim_key *key)
{
	const char *prev;
	size_t prevlen;

	lint_record_begin(l, txt, len, &prev, &prevlen);
	lint_dkim_record_body(l, name, txt, len, longest, key);
	lint_record_end(l, prev, prevlen);
}
