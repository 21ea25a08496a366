/*
 * Private keys for vouch sign and vouch seal: each file loaded once, and
 * the key table ("SENDER-PATTERN DOMAIN SELECTOR KEYFILE" lines; the lines
 * of the first pattern the sender matches apply).
 */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct vouch_dkim_key *
cli_keys_load(struct cli_keys *ks, const char *path, int *ex)
{
	struct vouch_error err = { 0 };
	struct vouch_dkim_key *k;
	int i;

	for (i = 0; i < ks->n; i++)
		if (strcmp(ks->k[i].path, path) == 0)
			return ks->k[i].key;
	if (ks->n == CLI_MAX_KEYS) {
		cli_err(path, "more than %d distinct keys", CLI_MAX_KEYS);
		*ex = EX_CONFIG;
		return NULL;
	}
	if (vouch_dkim_key_load(path, ks->unsafe, &k, &err) != VOUCH_OK) {
		cli_err("key", "%s", err.message);
		*ex = EX_CONFIG;
		return NULL;
	}
	if (vouch_dkim_key_type(k) == VOUCH_DKIM_RSA &&
	    vouch_dkim_key_bits(k) < VOUCH_DKIM_WARN_RSA_BITS)
		cli_err(path, "warning: RSA key of %u bits; 2048 or more is "
		    "recommended (RFC 8301 3.2)", vouch_dkim_key_bits(k));
	if ((ks->k[ks->n].path = strdup(path)) == NULL) {
		vouch_dkim_key_free(k);
		*ex = EX_OSERR;
		return NULL;
	}
	ks->k[ks->n++].key = k;
	return k;
}

void
cli_keys_clear(struct cli_keys *ks)
{
	int i;

	for (i = 0; i < ks->n; i++) {
		free(ks->k[i].path);
		vouch_dkim_key_free(ks->k[i].key);
	}
	ks->n = 0;
}

int
cli_key_table(struct cli_keys *ks, const char *table, const char *from,
    struct cli_keysel *sel, size_t max, size_t *n, int *ex)
{
	FILE *fp = fopen(table, "r");
	char line[4096], first[1024] = "";
	int lineno = 0;

	*n = 0;
	if (fp == NULL) {
		cli_err(table, "%s", strerror(errno));
		*ex = EX_CONFIG;
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		char pat[1024], dom[256], s[256], key[2048];
		char *hash = strchr(line, '#');
		int f;

		lineno++;
		if (hash != NULL)
			*hash = '\0';
		f = sscanf(line, "%1023s %255s %255s %2047s", pat, dom, s, key);
		if (f <= 0)
			continue;
		if (f != 4) {
			cli_err(table, "line %d: expected SENDER-PATTERN "
			    "DOMAIN SELECTOR KEYFILE", lineno);
			goto fail;
		}
		if (first[0] == '\0') {
			if (fnmatch(pat, from, FNM_CASEFOLD) != 0)
				continue;
			snprintf(first, sizeof(first), "%s", pat);
		} else if (strcmp(pat, first) != 0) {
			continue;
		}
		if (*n == max)
			break;
		if ((sel[*n].key = cli_keys_load(ks, key, ex)) == NULL)
			goto fail;
		sel[*n].domain = strdup(dom);
		sel[*n].selector = strdup(s);
		(*n)++;
	}
	fclose(fp);
	return 0;
fail:
	fclose(fp);
	*ex = *ex != EX_OK ? *ex : EX_CONFIG;
	while (*n > 0) {
		(*n)--;
		free(sel[*n].domain);
		free(sel[*n].selector);
	}
	return -1;
}
