/*
 * vouch: private keys and key tables for signers (vouch sign, vouch seal,
 * the milter, or a program of yours).  A key table maps a sender address
 * to the keys that sign for it; two formats are read:
 *  - vouch's own: lines "SENDER-PATTERN DOMAIN SELECTOR KEYFILE"
 *    (fnmatch patterns, any case; the lines of the first pattern the sender
 *    matches apply, so a sender can be signed with several keys);
 *  - OpenDKIM's KeyTable ("NAME DOMAIN:SELECTOR:KEYFILE") with its
 *    SigningTable ("PATTERN NAME"): exact lookups, the address then its
 *    domain, or wildcard patterns when the SigningTable is "refile:PATH".
 * Each key file is loaded once per table, whatever the number of lines
 * naming it; key files must be private (see vouch_dkim_key_load()).
 */
#ifndef VOUCH_KEYS_H
#define VOUCH_KEYS_H

#include <stddef.h>
#include <vouch/error.h>
#include <vouch/dkim.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vouch_keytab;

/* One line of a table: borrowed from the table, valid until it is freed. */
struct vouch_keytab_entry {
	const char *pattern;		/* the sender pattern, as written */
	const char *domain;		/* d= */
	const char *selector;		/* s= */
	const struct vouch_dkim_key *key;
};

/* An empty table (a key store, until a table is loaded into it). */
VOUCH_EXPORT enum vouch_status vouch_keytab_new(struct vouch_keytab **out);
/* Accept key files others can read (vouch sign --allow-unsafe-key). */
VOUCH_EXPORT void vouch_keytab_allow_unsafe(struct vouch_keytab *t,
    int allow);
/*
 * The key in a file, loaded once per path and kept by the table (*key is
 * borrowed).  The errors of vouch_dkim_key_load() (VOUCH_E_NOTFOUND,
 * VOUCH_E_KEY for a key others may read or no key at all, ...) or
 * VOUCH_E_NOMEM, err naming the file.
 */
VOUCH_EXPORT enum vouch_status vouch_keytab_key(struct vouch_keytab *t,
    const char *path, const struct vouch_dkim_key **key,
    struct vouch_error *err);
/* Read vouch's table format from path into t (keys loaded); on error,
 * err names the file and line, and t keeps what it had before. */
VOUCH_EXPORT enum vouch_status vouch_keytab_load(struct vouch_keytab *t,
    const char *path, struct vouch_error *err);
/* Read OpenDKIM's KeyTable and SigningTable ("file:" and "refile:"
 * prefixes understood) into t. */
VOUCH_EXPORT enum vouch_status vouch_keytab_load_opendkim(
    struct vouch_keytab *t, const char *keytable, const char *signingtable,
    struct vouch_error *err);
/* Up to max entries that sign for the sender address from, into out (in
 * table order); the count. */
VOUCH_EXPORT size_t vouch_keytab_lookup(const struct vouch_keytab *t,
    const char *from, const struct vouch_keytab_entry **out, size_t max);
/* The d= an entry signs a sender's mail with: its domain, or, for "%"
 * (OpenDKIM's KeyTable: "the sender's domain", also in vouch's format),
 * the domain of sender; lower case, as an A-label, malloc'd (free with
 * vouch_free).  NULL when the sender has no domain, it is not a valid
 * IDN, or out of memory. */
VOUCH_EXPORT char *vouch_keytab_domain(
    const struct vouch_keytab_entry *e, const char *sender);
/* The lines loaded, and the keys loaded (each once). */
VOUCH_EXPORT size_t vouch_keytab_count(const struct vouch_keytab *t);
VOUCH_EXPORT const struct vouch_keytab_entry *vouch_keytab_entry(
    const struct vouch_keytab *t, size_t i);
VOUCH_EXPORT size_t vouch_keytab_nkeys(const struct vouch_keytab *t);
/* Key i and the file it came from (borrowed). */
VOUCH_EXPORT const struct vouch_dkim_key *vouch_keytab_key_at(
    const struct vouch_keytab *t, size_t i, const char **path);
/* Frees the table and its keys (wiped); NULL is a no-op. */
VOUCH_EXPORT void vouch_keytab_free(struct vouch_keytab *t);

#ifdef __cplusplus
}
#endif
#endif
