/*
 * Key tables (include/vouch/keys.h): each key file loaded once, tables
 * parsed once into memory.  Moved here from the command (cli/cli_keys.c)
 * so that vouch sign, vouch seal, the milter and library users share one
 * reading of both formats.
 */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <vouch/keys.h>
#include "common/util.h"
#include "common/domain.h"

#define LINE_MAX_LEN 4096

struct loaded {
	char *path;
	struct vouch_dkim_key *key;
};

struct ent {
	char *pattern, *domain, *selector;
	struct vouch_keytab_entry pub;
};

struct vouch_keytab {
	struct loaded *k;
	size_t nk, sizek;
	struct ent *e;
	size_t n, size;
	int unsafe;
	int opendkim;		/* OpenDKIM SigningTable: exact lookups */
	int wildcard;		/* ... unless "refile:": patterns */
};

enum vouch_status
vouch_keytab_new(struct vouch_keytab **out)
{
	return (*out = calloc(1, sizeof(**out))) != NULL ? VOUCH_OK :
	    VOUCH_E_NOMEM;
}

void
vouch_keytab_allow_unsafe(struct vouch_keytab *t, int allow)
{
	t->unsafe = allow;
}

static void
drop_entries(struct vouch_keytab *t, size_t from)
{
	size_t i;

	for (i = from; i < t->n; i++) {
		free(t->e[i].pattern);
		free(t->e[i].domain);
		free(t->e[i].selector);
	}
	t->n = from;
}

void
vouch_keytab_free(struct vouch_keytab *t)
{
	size_t i;

	if (t == NULL)
		return;
	drop_entries(t, 0);
	free(t->e);
	for (i = 0; i < t->nk; i++) {
		free(t->k[i].path);
		vouch_dkim_key_free(t->k[i].key);
	}
	free(t->k);
	free(t);
}

enum vouch_status
vouch_keytab_key(struct vouch_keytab *t, const char *path,
    const struct vouch_dkim_key **key, struct vouch_error *err)
{
	struct vouch_dkim_key *k;
	enum vouch_status st;
	size_t i;

	for (i = 0; i < t->nk; i++)
		if (strcmp(t->k[i].path, path) == 0) {
			*key = t->k[i].key;
			return VOUCH_OK;
		}
	if ((st = vouch_dkim_key_load(path, t->unsafe, &k, err)) != VOUCH_OK)
		return st;
	/* the store grows only for a key that loaded */
	if (t->nk == t->sizek) {
		size_t ns = t->sizek ? t->sizek * 2 : 8;
		struct loaded *nk = realloc(t->k, ns * sizeof(*nk));

		if (nk == NULL)
			goto nomem;
		t->k = nk;
		t->sizek = ns;
	}
	if ((t->k[t->nk].path = strdup(path)) == NULL)
		goto nomem;
	t->k[t->nk++].key = k;
	*key = k;
	return VOUCH_OK;
nomem:
	vouch_dkim_key_free(k);
	return vouch__err(err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
}

static enum vouch_status
add_ent(struct vouch_keytab *t, const char *pat, const char *dom,
    const char *sel, const struct vouch_dkim_key *key)
{
	struct ent *e;

	if (t->n == t->size) {
		size_t ns = t->size ? t->size * 2 : 16;

		if ((e = realloc(t->e, ns * sizeof(*e))) == NULL)
			return VOUCH_E_NOMEM;
		t->e = e;
		t->size = ns;
	}
	e = &t->e[t->n];
	e->pattern = strdup(pat);
	e->domain = strdup(dom);
	e->selector = strdup(sel);
	if (e->pattern == NULL || e->domain == NULL || e->selector == NULL) {
		free(e->pattern);
		free(e->domain);
		free(e->selector);
		return VOUCH_E_NOMEM;
	}
	e->pub.key = key;
	t->n++;
	return VOUCH_OK;
}

/* The next meaningful line (comments and blank lines skipped), split in
 * at most max words; the word count, 0 at the end, -1 a line too long,
 * max + 1 more words than max. */
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
static enum vouch_status
table_line(struct vouch_keytab *t, const char *pat, const char *dom,
    const char *sel, const char *file, struct vouch_error *err)
{
	const struct vouch_dkim_key *k;
	enum vouch_status st;

	if ((st = vouch_keytab_key(t, file, &k, err)) != VOUCH_OK)
		return st;
	if ((st = add_ent(t, pat, dom, sel, k)) != VOUCH_OK)
		return vouch__err(err, st, NULL, -1, "out of memory");
	return VOUCH_OK;
}

/* Borrowed views, set once the table is complete (the array may move
 * while it grows). */
static void
publish(struct vouch_keytab *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		t->e[i].pub.pattern = t->e[i].pattern;
		t->e[i].pub.domain = t->e[i].domain;
		t->e[i].pub.selector = t->e[i].selector;
	}
}

static enum vouch_status
open_table(const char *path, FILE **fp, struct vouch_error *err)
{
	if ((*fp = fopen(path, "r")) == NULL)
		return vouch__err(err, errno == ENOENT ? VOUCH_E_NOTFOUND :
		    VOUCH_E_IO, NULL, -1, "%s: %s", path, strerror(errno));
	return VOUCH_OK;
}

enum vouch_status
vouch_keytab_load(struct vouch_keytab *t, const char *path,
    struct vouch_error *err)
{
	char line[LINE_MAX_LEN], *w[4];
	int lineno = 0, n;
	size_t before = t->n;
	enum vouch_status st;
	FILE *fp;

	if ((st = open_table(path, &fp, err)) != VOUCH_OK)
		return st;
	while ((n = next_line(fp, line, w, 4, &lineno)) != 0) {
		if (n != 4) {
			st = vouch__err(err, VOUCH_E_SYNTAX, NULL, -1,
			    "%s: line %d: expected SENDER-PATTERN DOMAIN "
			    "SELECTOR KEYFILE", path, lineno);
			break;
		}
		if ((st = table_line(t, w[0], w[1], w[2], w[3], err)) !=
		    VOUCH_OK)
			break;
	}
	fclose(fp);
	if (st != VOUCH_OK)
		drop_entries(t, before);
	publish(t);
	return st;
}

/* OpenDKIM's KeyTable: the line named name, split into its three parts
 * (malloc'd into *dom, *sel, *file). */
static enum vouch_status
opendkim_key(const char *keytable, const char *name, char **dom, char **sel,
    char **file, struct vouch_error *err)
{
	char line[LINE_MAX_LEN], *w[3], *c1, *c2;
	int lineno = 0, n;
	enum vouch_status st;
	FILE *fp;

	if ((st = open_table(keytable, &fp, err)) != VOUCH_OK)
		return st;
	st = VOUCH_E_NOTFOUND;
	while ((n = next_line(fp, line, w, 3, &lineno)) != 0) {
		if (n != 2 || (c1 = strchr(w[1], ':')) == NULL ||
		    (c2 = strchr(c1 + 1, ':')) == NULL || c1 == w[1] ||
		    c2 == c1 + 1 || c2[1] == '\0') {
			st = vouch__err(err, VOUCH_E_SYNTAX, NULL, -1,
			    "%s: line %d: expected NAME DOMAIN:SELECTOR:KEYFILE",
			    keytable, lineno);
			break;
		}
		if (strcmp(w[0], name) != 0)
			continue;
		*c1 = *c2 = '\0';
		/* "%" as the domain: the sender's (vouch_keytab_domain) */
		*dom = strdup(w[1]);
		*sel = strdup(c1 + 1);
		*file = strdup(c2 + 1);
		st = *dom != NULL && *sel != NULL && *file != NULL ? VOUCH_OK :
		    VOUCH_E_NOMEM;
		break;
	}
	fclose(fp);
	if (st == VOUCH_E_NOTFOUND)
		vouch__err(err, st, NULL, -1, "%s: no key named '%s' (used by "
		    "the SigningTable)", keytable, name);
	return st;
}

enum vouch_status
vouch_keytab_load_opendkim(struct vouch_keytab *t, const char *keytable,
    const char *signingtable, struct vouch_error *err)
{
	char line[LINE_MAX_LEN], *w[3];
	int lineno = 0, n, wildcard = 0;
	const char *path = signingtable;
	size_t before = t->n;
	enum vouch_status st;
	FILE *fp;

	if (strncmp(keytable, "file:", 5) == 0)
		keytable += 5;
	if (strncmp(path, "refile:", 7) == 0) {
		wildcard = 1;
		path += 7;
	} else if (strncmp(path, "file:", 5) == 0) {
		path += 5;
	}
	if ((st = open_table(path, &fp, err)) != VOUCH_OK)
		return st;
	while ((n = next_line(fp, line, w, 3, &lineno)) != 0) {
		char *dom = NULL, *sel = NULL, *file = NULL;

		if (n != 2) {
			st = vouch__err(err, VOUCH_E_SYNTAX, NULL, -1,
			    "%s: line %d: expected PATTERN KEYNAME", path,
			    lineno);
			break;
		}
		if ((st = opendkim_key(keytable, w[1], &dom, &sel, &file,
		    err)) == VOUCH_OK)
			st = table_line(t, w[0], dom, sel, file, err);
		free(dom);
		free(sel);
		free(file);
		if (st != VOUCH_OK)
			break;
	}
	fclose(fp);
	if (st != VOUCH_OK) {
		drop_entries(t, before);
	} else {
		t->opendkim = 1;
		t->wildcard = wildcard;
	}
	publish(t);
	return st;
}

/* Entries whose pattern is exactly key (OpenDKIM's plain SigningTable). */
static size_t
lookup_exact(const struct vouch_keytab *t, const char *key,
    const struct vouch_keytab_entry **out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < t->n && n < max; i++)
		if (strcasecmp(t->e[i].pattern, key) == 0)
			out[n++] = &t->e[i].pub;
	return n;
}

size_t
vouch_keytab_lookup(const struct vouch_keytab *t, const char *from,
    const struct vouch_keytab_entry **out, size_t max)
{
	const char *first = NULL, *at;
	size_t i, n = 0;

	if (t == NULL || from == NULL || max == 0)
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
		out[n++] = &t->e[i].pub;
	}
	return n;
}

size_t
vouch_keytab_count(const struct vouch_keytab *t)
{
	return t != NULL ? t->n : 0;
}

const struct vouch_keytab_entry *
vouch_keytab_entry(const struct vouch_keytab *t, size_t i)
{
	return t != NULL && i < t->n ? &t->e[i].pub : NULL;
}

size_t
vouch_keytab_nkeys(const struct vouch_keytab *t)
{
	return t != NULL ? t->nk : 0;
}

const struct vouch_dkim_key *
vouch_keytab_key_at(const struct vouch_keytab *t, size_t i, const char **path)
{
	if (t == NULL || i >= t->nk)
		return NULL;
	if (path != NULL)
		*path = t->k[i].path;
	return t->k[i].key;
}

char *
vouch_keytab_domain(const struct vouch_keytab_entry *e, const char *sender)
{
	const char *at, *d;
	char *out = NULL, *p;

	if (e == NULL)
		return NULL;
	d = e->domain;
	if (strcmp(d, "%") == 0) {
		if (sender == NULL || (at = strrchr(sender, '@')) == NULL ||
		    at[1] == '\0')
			return NULL;
		d = at + 1;
	}
	if (vouch__domain_alabel(d, &out) != VOUCH_OK)
		return NULL;
	for (p = out; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return out;
}
