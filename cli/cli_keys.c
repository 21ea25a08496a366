/*
 * Private keys for vouch sign, vouch seal and vouch milter: each file
 * loaded once, and key tables parsed once into memory:
 *  - vouch's own format: "SENDER-PATTERN DOMAIN SELECTOR KEYFILE" lines;
 *    the lines of the first pattern the sender matches apply;
 *  - OpenDKIM's KeyTable ("NAME DOMAIN:SELECTOR:KEYFILE") with its
 *    SigningTable ("PATTERN NAME"): exact lookups (address, then domain),
 *    or wildcard patterns when the SigningTable is given as "refile:PATH".
 */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

#define LINE_MAX_LEN 4096

void (*cli_err_hook)(const char *line);

struct vouch_dkim_key *
cli_keys_load(struct cli_keys *ks, const char *path, int *ex)
{
	struct vouch_error err = { 0 };
	struct vouch_dkim_key *k;
	int i;

	for (i = 0; i < ks->n; i++)
		if (strcmp(ks->k[i].path, path) == 0)
			return ks->k[i].key;
	if (vouch_dkim_key_load(path, ks->unsafe, &k, &err) != VOUCH_OK) {
		cli_err("key", "%s", err.message);
		*ex = EX_CONFIG;
		return NULL;
	}
	if (vouch_dkim_key_type(k) == VOUCH_DKIM_RSA &&
	    vouch_dkim_key_bits(k) < VOUCH_DKIM_WARN_RSA_BITS)
		cli_err(path, "warning: RSA key of %u bits; 2048 or more is "
		    "recommended (RFC 8301 3.2)", vouch_dkim_key_bits(k));
	/* the store grows only for a key that loaded */
	if (ks->n == ks->size) {
		int ns = ks->size ? ks->size * 2 : 8;
		void *nk = realloc(ks->k, (size_t)ns * sizeof(*ks->k));

		if (nk == NULL) {
			vouch_dkim_key_free(k);
			*ex = EX_OSERR;
			return NULL;
		}
		ks->k = nk;
		ks->size = ns;
	}
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
	free(ks->k);
	ks->k = NULL;
	ks->n = ks->size = 0;
}

void
cli_keytab_clear(struct cli_keytab *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->e[i].pattern);
		free(t->e[i].domain);
		free(t->e[i].selector);
	}
	free(t->e);
	memset(t, 0, sizeof(*t));
}

static int
add_ent(struct cli_keytab *t, const char *pat, const char *dom,
    const char *sel, const struct vouch_dkim_key *key)
{
	struct cli_keytab_ent *e;

	if (t->n == t->size) {
		size_t ns = t->size ? t->size * 2 : 16;

		if ((e = realloc(t->e, ns * sizeof(*e))) == NULL)
			return -1;
		t->e = e;
		t->size = ns;
	}
	e = &t->e[t->n];
	e->pattern = strdup(pat);
	e->domain = strdup(dom);
	e->selector = strdup(sel);
	e->key = key;
	if (e->pattern == NULL || e->domain == NULL || e->selector == NULL) {
		free(e->pattern);
		free(e->domain);
		free(e->selector);
		return -1;
	}
	t->n++;
	return 0;
}

/* The next meaningful line (comments and blank lines skipped), split in
 * at most max words; the word count, 0 at the end, -1 a line too long. */
static int
next_line(FILE *fp, char *line, char **w, int max, int *lineno)
{
	while (fgets(line, LINE_MAX_LEN, fp) != NULL) {
		char *hash = strchr(line, '#'), *p = line;
		int n = 0;

		(*lineno)++;
		if (strchr(line, '\n') == NULL && !feof(fp))
			return -1;
		if (hash != NULL)
			*hash = '\0';
		while (n < max) {
			p += strspn(p, " \t\r\n");
			if (*p == '\0')
				break;
			w[n++] = p;
			p += strcspn(p, " \t\r\n");
			if (*p != '\0')
				*p++ = '\0';
		}
		p += strspn(p, " \t\r\n");
		if (n > 0)
			return *p != '\0' ? max + 1 : n;
	}
	return 0;
}

/* One table line: its key loaded (once) and the entry added. */
static int
keytab_line(struct cli_keys *ks, struct cli_keytab *t, const char *pat,
    const char *dom, const char *sel, const char *file, int *ex)
{
	const struct vouch_dkim_key *k;

	if ((k = cli_keys_load(ks, file, ex)) == NULL)
		return -1;
	if (add_ent(t, pat, dom, sel, k) != 0) {
		*ex = EX_OSERR;
		return -1;
	}
	return 0;
}

int
cli_keytab_load(struct cli_keys *ks, const char *path, struct cli_keytab *t,
    int *ex)
{
	FILE *fp = fopen(path, "r");
	char line[LINE_MAX_LEN], *w[4];
	int lineno = 0, n;

	memset(t, 0, sizeof(*t));
	if (fp == NULL) {
		cli_err(path, "%s", strerror(errno));
		*ex = EX_CONFIG;
		return -1;
	}
	while ((n = next_line(fp, line, w, 4, &lineno)) != 0) {
		if (n != 4) {
			cli_err(path, "line %d: expected SENDER-PATTERN DOMAIN "
			    "SELECTOR KEYFILE", lineno);
			goto fail;
		}
		if (keytab_line(ks, t, w[0], w[1], w[2], w[3], ex) != 0)
			goto fail;
	}
	fclose(fp);
	return 0;
fail:
	fclose(fp);
	cli_keytab_clear(t);
	*ex = *ex != EX_OK ? *ex : EX_CONFIG;
	return -1;
}

/* OpenDKIM's KeyTable: the line named name, split into its three parts. */
static int
opendkim_key(const char *keytable, const char *name, char *dom, char *sel,
    char *file)
{
	FILE *fp = fopen(keytable, "r");
	char line[LINE_MAX_LEN], *w[3];
	int lineno = 0, n, found = -1;

	if (fp == NULL) {
		cli_err(keytable, "%s", strerror(errno));
		return -1;
	}
	while ((n = next_line(fp, line, w, 3, &lineno)) != 0) {
		char *c1, *c2;

		if (n != 2 || (c1 = strchr(w[1], ':')) == NULL ||
		    (c2 = strchr(c1 + 1, ':')) == NULL || c1 == w[1] ||
		    c2 == c1 + 1 || c2[1] == '\0') {
			cli_err(keytable, "line %d: expected NAME "
			    "DOMAIN:SELECTOR:KEYFILE", lineno);
			found = -1;
			break;
		}
		if (strcmp(w[0], name) != 0)
			continue;
		if (c1 - w[1] > 255 || c2 - c1 - 1 > 255 || strlen(c2 + 1) >
		    LINE_MAX_LEN - 1) {
			cli_err(keytable, "line %d: name too long", lineno);
			break;
		}
		*c1 = *c2 = '\0';
		if (strcmp(w[1], "%") == 0) {
			cli_err(keytable, "line %d: '%%' (the sender's domain) "
			    "is not supported; name the domain", lineno);
			break;
		}
		snprintf(dom, 256, "%s", w[1]);
		snprintf(sel, 256, "%s", c1 + 1);
		snprintf(file, LINE_MAX_LEN, "%s", c2 + 1);
		found = 0;
		break;
	}
	if (found != 0 && n == 0)
		cli_err(keytable, "no key named '%s' (used by the "
		    "SigningTable)", name);
	fclose(fp);
	return found;
}

int
cli_keytab_load_opendkim(struct cli_keys *ks, const char *keytable,
    const char *signingtable, struct cli_keytab *t, int *ex)
{
	char line[LINE_MAX_LEN], *w[3];
	int lineno = 0, n;
	const char *path = signingtable;
	FILE *fp;

	memset(t, 0, sizeof(*t));
	if (strncmp(keytable, "file:", 5) == 0)
		keytable += 5;
	if (strncmp(path, "refile:", 7) == 0) {
		t->wildcard = 1;
		path += 7;
	} else if (strncmp(path, "file:", 5) == 0) {
		path += 5;
	}
	if ((fp = fopen(path, "r")) == NULL) {
		cli_err(path, "%s", strerror(errno));
		*ex = EX_CONFIG;
		return -1;
	}
	t->opendkim = 1;
	while ((n = next_line(fp, line, w, 3, &lineno)) != 0) {
		char dom[256], sel[256], file[LINE_MAX_LEN];

		if (n != 2) {
			cli_err(path, "line %d: expected PATTERN KEYNAME",
			    lineno);
			goto fail;
		}
		if (opendkim_key(keytable, w[1], dom, sel, file) != 0)
			goto fail;
		if (keytab_line(ks, t, w[0], dom, sel, file, ex) != 0)
			goto fail;
	}
	fclose(fp);
	return 0;
fail:
	fclose(fp);
	cli_keytab_clear(t);
	*ex = *ex != EX_OK ? *ex : EX_CONFIG;
	return -1;
}

/* Entries whose pattern is exactly key (OpenDKIM's plain SigningTable). */
static size_t
lookup_exact(const struct cli_keytab *t, const char *key,
    const struct cli_keytab_ent **out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < t->n && n < max; i++)
		if (strcasecmp(t->e[i].pattern, key) == 0)
			out[n++] = &t->e[i];
	return n;
}

size_t
cli_keytab_lookup(const struct cli_keytab *t, const char *from,
    const struct cli_keytab_ent **out, size_t max)
{
	const char *first = NULL, *at;
	size_t i, n = 0;

	if (from == NULL || max == 0)
		return 0;
	if (t->opendkim && !t->wildcard) {
		if ((n = lookup_exact(t, from, out, max)) == 0 &&
		    (at = strrchr(from, '@')) != NULL)
			n = lookup_exact(t, at + 1, out, max);
		return n;
	}
	/* a pattern; the lines of the first one that matches */
	for (i = 0; i < t->n && n < max; i++) {
		if (first == NULL) {
			if (fnmatch(t->e[i].pattern, from, FNM_CASEFOLD) != 0)
				continue;
			first = t->e[i].pattern;
		} else if (strcmp(t->e[i].pattern, first) != 0) {
			continue;
		}
		out[n++] = &t->e[i];
	}
	return n;
}

int
cli_key_table(struct cli_keys *ks, const char *table, const char *from,
    struct cli_keysel *sel, size_t max, size_t *n, int *ex)
{
	const struct cli_keytab_ent *e[64];
	struct cli_keytab t;
	size_t i;

	*n = 0;
	if (cli_keytab_load(ks, table, &t, ex) != 0)
		return -1;
	if (max > 64)
		max = 64;
	*n = cli_keytab_lookup(&t, from, e, max);
	for (i = 0; i < *n; i++) {
		sel[i].domain = strdup(e[i]->domain);
		sel[i].selector = strdup(e[i]->selector);
		sel[i].key = e[i]->key;
	}
	cli_keytab_clear(&t);
	return 0;
}
