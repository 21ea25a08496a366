/*
 * vouch: the DNS layer.
 *
 * One resolver handle serves every module in a process.  It answers from
 * zone files (offline), from the live resolver, or from both (overlay), and
 * keeps a TTL cache of live answers.  It is safe to share between threads.
 */
#ifndef VOUCH_DNS_H
#define VOUCH_DNS_H

#include <stddef.h>
#include <stdint.h>
#include <vouch/error.h>

#ifdef __cplusplus
extern "C" {
#endif

enum vouch_dns_type {
	VOUCH_DNS_A = 1,
	VOUCH_DNS_CNAME = 5,
	VOUCH_DNS_PTR = 12,
	VOUCH_DNS_MX = 15,
	VOUCH_DNS_TXT = 16,
	VOUCH_DNS_AAAA = 28
};

/* What a query came to.  SPF and DKIM depend on this split being exact. */
enum vouch_dns_rcode {
	VOUCH_DNS_ANSWER = 0,	/* one or more records of the asked type */
	VOUCH_DNS_NXDOMAIN = 1,	/* the name does not exist */
	VOUCH_DNS_NODATA = 2,	/* the name exists, no record of this type */
	VOUCH_DNS_TEMPFAIL = 3,	/* timeout, SERVFAIL, REFUSED, CNAME loop */
	VOUCH_DNS_MALFORMED = 4	/* an answer arrived but could not be used */
};

enum vouch_dns_fault {
	VOUCH_DNS_FAULT_TIMEOUT = 1,
	VOUCH_DNS_FAULT_SERVFAIL = 2
};

struct vouch_dns;
struct vouch_dns_answer;

/* Counters, read with vouch_dns_stats(). */
struct vouch_dns_stats {
	unsigned long queries;		/* every vouch_dns_query() call */
	unsigned long cache_hits;	/* answered from the cache */
	unsigned long upstream;		/* sent to the live resolver */
	unsigned long tempfail;		/* ended in a temporary failure */
};

/* A handle with no backend: every query is NXDOMAIN until configured.
 * Returns NULL when out of memory.  Free with vouch_dns_free(). */
VOUCH_EXPORT struct vouch_dns *vouch_dns_new(void);
/* Releases the handle; NULL is a no-op. */
VOUCH_EXPORT void vouch_dns_free(struct vouch_dns *dns);

/*
 * Use the live resolver: server is NULL for /etc/resolv.conf, or
 * "ADDR", "ADDR:PORT", "[V6ADDR]:PORT".  Names not in a zone or overlay go
 * to it.
 */
VOUCH_EXPORT enum vouch_status vouch_dns_set_live(struct vouch_dns *dns,
    const char *server, struct vouch_error *err);
/* Timeout of one try in milliseconds (default 5000) and number of tries
 * (default 2). */
VOUCH_EXPORT void vouch_dns_set_timeout(struct vouch_dns *dns,
    unsigned int timeout_ms, unsigned int tries);
#define VOUCH_DNS_LOAD_OVERLAY 1	/* the rest of the names go live */
#define VOUCH_DNS_LOAD_REPLACE 2	/* the file's names forget earlier loads */

/*
 * Load an RFC 1035 master file.  overlay = 0: a zone (names absent from
 * every zone are NXDOMAIN, the live resolver is not used unless an overlay
 * is also loaded); overlay = 1 (VOUCH_DNS_LOAD_OVERLAY): names in the file
 * are answered from it, all others go to the live resolver.  With
 * VOUCH_DNS_LOAD_REPLACE or'ed in, a name the file holds has only the
 * file's records, whatever earlier loads gave it (lint zone: the zone
 * about to be published replaces a snapshot of the same names).  Names
 * compare in wire form: escapes (\DDD) in the file match the raw bytes
 * asked for.  origin may be NULL.
 */
VOUCH_EXPORT enum vouch_status vouch_dns_load_zone(struct vouch_dns *dns,
    const char *path, const char *origin, int overlay,
    struct vouch_error *err);
/*
 * Call fn for every record of a master file (for lint): name without the
 * final dot, type, data as vouch_dns_answer_data() gives it, and for TXT
 * the number of strings and the longest.  fn returns non-zero to stop.
 */
VOUCH_EXPORT enum vouch_status vouch_dns_zone_foreach(const char *path,
    const char *origin, int (*fn)(void *arg, const char *name, int type,
    const unsigned char *data, size_t len, size_t nstrings, size_t longest),
    void *arg, struct vouch_error *err);
/* The owner of the SOA record of a master file, malloc'd, or NULL. */
VOUCH_EXPORT char *vouch_dns_zone_origin(const char *path, const char *origin);
/* 1 when the master file has relative owner names before any $ORIGIN
 * (they need an origin to mean anything), 0 when not, -1 unreadable. */
VOUCH_EXPORT int vouch_dns_zone_relative(const char *path);
/* Add one record in master-file syntax ("name TTL IN TXT \"...\""). */
VOUCH_EXPORT enum vouch_status vouch_dns_add_rr(struct vouch_dns *dns,
    const char *line, struct vouch_error *err);
/* Add a record with raw data: TXT data is the joined text (may hold NUL
 * bytes), A/AAAA 4 or 16 bytes, MX "PREF NAME", PTR and CNAME a name;
 * type 0 makes the name exist without data ("no data" answers).
 * Used by test drivers that cannot write master files. */
VOUCH_EXPORT enum vouch_status vouch_dns_add_raw(struct vouch_dns *dns,
    const char *name, enum vouch_dns_type type, const void *data,
    size_t len, uint32_t ttl);
/* Make a name answer with a fault.  type 0 means every type. */
VOUCH_EXPORT enum vouch_status vouch_dns_add_fault(struct vouch_dns *dns,
    const char *name, int type, enum vouch_dns_fault fault);
/* Parse "NAME[/TYPE]=timeout|servfail" and add it. */
VOUCH_EXPORT enum vouch_status vouch_dns_add_fault_spec(struct vouch_dns *dns,
    const char *spec, struct vouch_error *err);
/* Maximum cached answers (default 10000; 0 disables the cache). */
VOUCH_EXPORT void vouch_dns_set_cache_size(struct vouch_dns *dns,
    size_t entries);
/* Replace the clock used for TTLs (seconds); NULL restores time(). */
VOUCH_EXPORT void vouch_dns_set_clock(struct vouch_dns *dns,
    int64_t (*now)(void *arg), void *arg);

/*
 * Look up name/type, following CNAMEs.  On VOUCH_OK *answer is set (free
 * it with vouch_dns_answer_free()) and carries the rcode; the call fails
 * only for invalid arguments or lack of memory.
 */
VOUCH_EXPORT enum vouch_status vouch_dns_query(struct vouch_dns *dns,
    const char *name, enum vouch_dns_type type,
    struct vouch_dns_answer **answer, struct vouch_error *err);
/* The same within a time budget (milliseconds, 0 = none): the tries and
 * their timeout are cut so a live query ends in time. */
VOUCH_EXPORT enum vouch_status vouch_dns_query_within(struct vouch_dns *dns,
    const char *name, enum vouch_dns_type type, unsigned int budget_ms,
    struct vouch_dns_answer **answer, struct vouch_error *err);
/* Snapshot of the counters. */
VOUCH_EXPORT void vouch_dns_stats(const struct vouch_dns *dns,
    struct vouch_dns_stats *stats);

/* Releases an answer; NULL is a no-op. */
VOUCH_EXPORT void vouch_dns_answer_free(struct vouch_dns_answer *answer);
VOUCH_EXPORT enum vouch_dns_rcode vouch_dns_answer_rcode(
    const struct vouch_dns_answer *answer);
/* Number of records (0 unless the rcode is VOUCH_DNS_ANSWER). */
VOUCH_EXPORT size_t vouch_dns_answer_count(
    const struct vouch_dns_answer *answer);
/* Smallest TTL of the records, or the negative TTL. */
VOUCH_EXPORT uint32_t vouch_dns_answer_ttl(
    const struct vouch_dns_answer *answer);
/*
 * Record i: borrowed bytes valid until the answer is freed.  TXT: the
 * character-strings joined with nothing between them (may contain NUL;
 * a NUL is always appended past len).  A: 4 bytes, AAAA: 16 bytes.  MX and
 * PTR: the host name without the final dot (NUL terminated), with the MX
 * preference in *pref when pref is not NULL.
 */
VOUCH_EXPORT const unsigned char *vouch_dns_answer_data(
    const struct vouch_dns_answer *answer, size_t i, size_t *len,
    unsigned int *pref);
/* TXT only: the number of character-strings of record i. */
VOUCH_EXPORT size_t vouch_dns_answer_strings(
    const struct vouch_dns_answer *answer, size_t i);
/* TXT only: the length of the longest character-string of record i. */
VOUCH_EXPORT size_t vouch_dns_answer_longest_string(
    const struct vouch_dns_answer *answer, size_t i);
/* Static name of an rcode ("answer", "nxdomain", ...). */
VOUCH_EXPORT const char *vouch_dns_rcode_name(enum vouch_dns_rcode rcode);
/* Type from its name ("TXT"), 0 when unknown. */
VOUCH_EXPORT int vouch_dns_type_parse(const char *name);
/*
 * Record every answer the handle gives from now on, positive and
 * negative, into path as an RFC 1035 master file that vouch_dns_load_zone()
 * reads back (an offline replay gives the same answers); temporary
 * failures are comments.  Written as answers are used; closed by
 * vouch_dns_free().
 */
VOUCH_EXPORT enum vouch_status vouch_dns_record_to(struct vouch_dns *dns,
    const char *path, struct vouch_error *err);
/* Is the handle recording (vouch_dns_record_to)?  Verifiers then fetch
 * every key a message names, even for a signature today's policy refuses,
 * so that the snapshot holds it. */
VOUCH_EXPORT int vouch_dns_is_recording(const struct vouch_dns *dns);
/* Do names outside the loaded zone files go to a live resolver? */
VOUCH_EXPORT int vouch_dns_is_live(const struct vouch_dns *dns);
/*
 * A TXT record as a master-file line, "owner. IN TXT ( "..." "..." )\n",
 * strings of at most 250 bytes, every byte of owner and text escaped as
 * RFC 1035 5.1 requires (malloc'd; NULL when owner is no valid name).
 */
VOUCH_EXPORT char *vouch_dns_txt_record(const char *owner, const char *text);
/* The reverse name of an IPv4 or IPv6 address ("25.2.0.192.in-addr.arpa"),
 * malloc'd; NULL when ip is not an address. */
VOUCH_EXPORT char *vouch_dns_ptr_name(const char *ip);

#ifdef __cplusplus
}
#endif
#endif
