/*
 * The programs' side of key tables (the tables themselves are the
 * library's keys/ module, <vouch/keys.h>): errors and warnings printed,
 * library status mapped to sysexits.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tool.h"

/* sysexits for a key or table that would not load */
static int
ex_for(enum vouch_status st)
{
	return st == VOUCH_E_NOMEM ? EX_OSERR : EX_CONFIG;
}

static int
store(struct cli_keys *ks, int *ex)
{
	if (ks->t == NULL && vouch_keytab_new(&ks->t) != VOUCH_OK) {
		*ex = EX_OSERR;
		return -1;
	}
	vouch_keytab_allow_unsafe(ks->t, ks->unsafe);
	return 0;
}

/* A key's error, with this command's way past the mode check. */
static void
key_err(const struct cli_keys *ks, const char *where,
    const struct vouch_error *err)
{
	if (ks->unsafe_hint != NULL && err->status == VOUCH_E_KEY &&
	    strstr(err->message, "(mode ") != NULL)
		cli_err(where, "%s; or pass %s", err->message, ks->unsafe_hint);
	else
		cli_err(where, "%s", err->message);
}

void
cli_keys_warn(const char *path, const struct vouch_dkim_key *k)
{
	if (vouch_dkim_key_type(k) == VOUCH_DKIM_RSA &&
	    vouch_dkim_key_bits(k) < VOUCH_DKIM_WARN_RSA_BITS)
		cli_err(path, "warning: RSA key of %u bits; 2048 or more is "
		    "recommended (RFC 8301 3.2)", vouch_dkim_key_bits(k));
}

const struct vouch_dkim_key *
cli_keys_load(struct cli_keys *ks, const char *path, int *ex)
{
	struct vouch_error err = { 0 };
	const struct vouch_dkim_key *k;
	enum vouch_status st;
	size_t before;

	if (store(ks, ex) != 0)
		return NULL;
	before = vouch_keytab_nkeys(ks->t);
	if ((st = vouch_keytab_key(ks->t, path, &k, &err)) != VOUCH_OK) {
		key_err(ks, "key", &err);
		*ex = ex_for(st);
		return NULL;
	}
	if (vouch_keytab_nkeys(ks->t) > before)
		cli_keys_warn(path, k);	/* once, when it loads */
	return k;
}

static void
doms_clear(struct cli_keys *ks)
{
	while (ks->ndoms > 0)
		vouch_free(ks->doms[--ks->ndoms]);
}

void
cli_keys_clear(struct cli_keys *ks)
{
	doms_clear(ks);
	vouch_keytab_free(ks->t);
	ks->t = NULL;
}

int
cli_keys_table(struct cli_keys *ks, const char *table, const char *odkim_sign,
    int *ex)
{
	struct vouch_error err = { 0 };
	enum vouch_status st;
	size_t before, i;

	if (store(ks, ex) != 0)
		return -1;
	before = vouch_keytab_nkeys(ks->t);
	st = odkim_sign != NULL ? vouch_keytab_load_opendkim(ks->t, table,
	    odkim_sign, &err) : vouch_keytab_load(ks->t, table, &err);
	if (st != VOUCH_OK) {
		key_err(ks, "key table", &err);
		*ex = ex_for(st);
		return -1;
	}
	for (i = before; i < vouch_keytab_nkeys(ks->t); i++) {
		const char *path;
		const struct vouch_dkim_key *k = vouch_keytab_key_at(ks->t, i,
		    &path);

		cli_keys_warn(path, k);
	}
	return 0;
}

int
cli_key_table(struct cli_keys *ks, const char *table, const char *from,
    struct cli_keysel *sel, size_t max, size_t *n, int *ex)
{
	const struct vouch_keytab_entry *e[64];
	size_t i;

	*n = 0;
	if (cli_keys_table(ks, table, NULL, ex) != 0)
		return -1;
	if (max > 64)
		max = 64;
	*n = vouch_keytab_lookup(ks->t, from, e, max);
	doms_clear(ks);
	for (i = 0; i < *n; i++) {
		/* "%": the sender's domain (OpenDKIM's KeyTable) */
		if ((sel[i].domain = ks->doms[ks->ndoms] =
		    vouch_keytab_domain(e[i], from)) == NULL) {
			cli_err(table, "the line for %s signs as the sender's "
			    "domain (%%), and %s has none", e[i]->pattern,
			    from);
			*ex = EX_DATAERR;
			return -1;
		}
		ks->ndoms++;
		sel[i].selector = e[i]->selector;
		sel[i].key = e[i]->key;
	}
	return 0;
}
