/*
 * vouch: DMARC aggregate reports (RFC 9990; RFC 7489 appendix C).
 *
 * A receiver records the verdict on every message whose From domain has a
 * DMARC record into a report store, then sends each policy domain one
 * aggregate report per period.  The store is SQLite ("sqlite:PATH" or a
 * bare path: one machine) or PostgreSQL ("postgresql://...": several MTAs
 * share it); its schema is versioned and created on first use.
 */
#ifndef VOUCH_REPORT_H
#define VOUCH_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <vouch/error.h>
#include <vouch/dns.h>
#include <vouch/auth.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_REPORT_SCHEMA 1	/* the store's schema version */

struct vouch_report_store;

/*
 * Open (and on first use create) a store: "sqlite:PATH", a bare PATH, or
 * a libpq URI "postgresql://..." / "postgres://...".  VOUCH_E_STORE with
 * err saying why (cannot open, newer schema, built without libpq).
 * A store may be shared by threads.
 */
VOUCH_EXPORT enum vouch_status vouch_report_store_open(const char *spec,
    struct vouch_report_store **st, struct vouch_error *err);
/* Write what is queued, then close; NULL is a no-op.  VOUCH_OK or the
 * status of the last write. */
VOUCH_EXPORT enum vouch_status vouch_report_store_close(
    struct vouch_report_store *st, struct vouch_error *err);
/* Write what is queued now (one transaction). */
VOUCH_EXPORT enum vouch_status vouch_report_store_flush(
    struct vouch_report_store *st, struct vouch_error *err);
/* "sqlite" or "postgresql". */
/*
 * From now on, write in the background: vouch_report_record() returns once
 * its row is queued, a writer thread commits what is queued in one
 * transaction at a time (within 50 ms, or at once when 256 rows wait),
 * and flush and close wait for it.  A batch that
 * failed is reported by the next record, flush or close.  The queue holds
 * at most 10,000 rows (record then waits).  A crash of the process loses
 * the rows of the moment that were not yet written.
 */
VOUCH_EXPORT enum vouch_status vouch_report_store_background(
    struct vouch_report_store *st, struct vouch_error *err);
VOUCH_EXPORT const char *vouch_report_store_engine(
    const struct vouch_report_store *st);

/* One DKIM signature or the SPF check as the report shows it. */
struct vouch_report_auth {
	const char *domain;
	const char *selector;	/* DKIM: s=; SPF: the scope (mfrom, helo) */
	const char *result;	/* RFC 8601 word, lower case */
};

/* An override of the policy (RFC 9990 PolicyOverrideType). */
struct vouch_report_reason {
	const char *type;	/* local_policy, mailing_list, other, ... */
	const char *comment;	/* or NULL */
};

/* One message as the store keeps it.  Strings may be NULL (absent). */
struct vouch_report_row {
	int64_t time;			/* when it was received (epoch) */
	const char *source_ip;
	const char *header_from;	/* RFC 5322 From domain */
	const char *envelope_from;	/* RFC 5321 MAIL FROM domain */
	const char *envelope_to;	/* RCPT TO domain */
	const char *policy_domain;	/* where the record was found */
	/* the record: p, sp, np (none, quarantine, reject), adkim and aspf
	 * (r or s), testing (y or n), fo, rua (as published) */
	const char *p, *sp, *np, *adkim, *aspf, *testing, *fo, *rua;
	const char *pct;		/* RFC 7489 pct= ("100" when absent) */
	const char *discovery;		/* treewalk or psl */
	const char *disposition;	/* none, quarantine, reject */
	const char *dkim, *spf;		/* DMARC's outcome: pass or fail */
	const struct vouch_report_reason *reasons;
	size_t nreasons;
	const struct vouch_report_auth *dkim_results;
	size_t ndkim;
	const struct vouch_report_auth *spf_result;	/* or NULL */
};

/*
 * Queue one row; it is written with the others of its moment in one
 * transaction (the first caller to find none in progress writes them all:
 * group commit), before this returns or by a concurrent caller.
 * VOUCH_E_INVAL without policy_domain, header_from or source_ip.
 */
VOUCH_EXPORT enum vouch_status vouch_report_record(
    struct vouch_report_store *st, const struct vouch_report_row *row,
    struct vouch_error *err);
/*
 * Record a finished verdict (its client IP, MAIL FROM, the DMARC record
 * found, each signature, SPF); rcpt_to is the recipient address or domain
 * (or NULL), when the time received (0: now).  Messages whose From domain
 * has no DMARC record, or without a client IP, are not recorded:
 * *recorded (may be NULL) says which.
 */
VOUCH_EXPORT enum vouch_status vouch_report_record_auth(
    struct vouch_report_store *st, const struct vouch_auth *auth,
    const char *rcpt_to, int64_t when, int *recorded,
    struct vouch_error *err);

/*
 * The same, for an MTA that applied another disposition than the verdict
 * asks (it does not enforce DMARC, or a local rule overrode it): the row
 * says what was applied, with a local_policy reason carrying why.
 */
VOUCH_EXPORT enum vouch_status vouch_report_record_applied(
    struct vouch_report_store *st, const struct vouch_auth *auth,
    const char *rcpt_to, int64_t when, enum vouch_dmarc_policy applied,
    const char *why, int *recorded, struct vouch_error *err);

/* What vouch_report_send() does. */
struct vouch_report_send_opts {
	const char *org_name;	/* the reporting organization */
	const char *email;	/* its contact address (report From:) */
	const char *receiver;	/* its domain: file names, Submitter
				 * (default: the domain of email) */
	const char *dir;	/* write FILES here instead of mailing */
	const char *sendmail;	/* default "/usr/sbin/sendmail -t -oi" */
	int64_t period;		/* seconds: 86400 (default) or 3600 */
	int64_t until;		/* only periods ended by then (0: now) */
	int dry_run;		/* say what would be sent, change nothing */
	int rfc7489;		/* write RFC 7489 appendix C XML (no
				 * namespace), for readers that know only
				 * that; default RFC 9990 */
	unsigned int expire_days;	/* delete rows older (0: keep) */
	struct vouch_dns *dns;	/* checks external destinations */
	/* one line per report sent, destination refused or failure */
	void (*log)(void *arg, const char *line);
	void *log_arg;
};

struct vouch_report_send_stats {
	unsigned long reports;		/* written or mailed */
	unsigned long records;		/* <record> elements in them */
	unsigned long messages;		/* the sum of their counts */
	unsigned long refused;		/* destinations not verified */
	unsigned long failed;		/* deliveries that failed */
	unsigned long expired;		/* rows deleted by expire_days */
};

/*
 * One report per policy domain, period and destination for every period
 * that ended by until, rows grouped into records with their counts.  Rows
 * are marked sent only once a report is complete (file renamed into place,
 * or sendmail exited 0), so a crash or a second run, on any host sharing
 * the store, neither reports a row twice nor drops one.  VOUCH_OK when
 * every delivery worked; VOUCH_E_IO when some failed (stats->failed; their
 * rows stay unsent); VOUCH_E_STORE.
 */
VOUCH_EXPORT enum vouch_status vouch_report_send(
    struct vouch_report_store *st, const struct vouch_report_send_opts *o,
    struct vouch_report_send_stats *stats, struct vouch_error *err);

/* ---- reading the reports receivers send (the domain owner's side) ---- */

/* One record of an aggregate report.  Result words are lower case. */
struct vouch_report_agg_record {
	const char *source_ip;
	uint64_t count;
	const char *disposition, *dkim, *spf;	/* policy_evaluated */
	struct vouch_report_reason *reasons;
	size_t nreasons;
	const char *header_from, *envelope_from, *envelope_to;
	struct vouch_report_auth *dkim_results;	/* auth_results */
	size_t ndkim;
	struct vouch_report_auth *spf_results;
	size_t nspf;
};

/* An aggregate report as read.  Strings absent from it are NULL. */
struct vouch_report_agg {
	const char *org_name, *email, *extra_contact, *report_id;
	int64_t begin, end;
	const char *schema;	/* "rfc9990" or "rfc7489" */
	const char *source;	/* the file it came from */
	const char *message_id;	/* the mail that carried it, if one did */
	/* policy_published */
	const char *domain, *p, *sp, *np, *adkim, *aspf, *pct, *testing,
	    *discovery_method, *fo;
	struct vouch_report_agg_record *records;
	size_t nrecords;
	uint64_t messages;	/* the records' counts added up */
};

/*
 * Parse one aggregate report (XML, either schema, with or without a
 * namespace; the faults of real reporters repaired: invalid UTF-8, upper
 * case words, an element wrapped around <feedback>, markup in <email>).
 * source is kept as the report's source.  VOUCH_E_SYNTAX when it is not
 * a report; err says why.
 */
VOUCH_EXPORT enum vouch_status vouch_report_parse(const void *xml,
    size_t len, const char *source, struct vouch_report_agg **out,
    struct vouch_error *err);
VOUCH_EXPORT void vouch_report_agg_free(struct vouch_report_agg *r);
/* The report as one line of JSON (no newline); malloc'd, NULL: memory. */
VOUCH_EXPORT char *vouch_report_agg_json(const struct vouch_report_agg *r);

/* Called for each report read (return non-zero to stop), and for each
 * input that holds no report it can read (source, the reason). */
typedef int (*vouch_report_read_fn)(void *arg,
    const struct vouch_report_agg *r);
typedef void (*vouch_report_fail_fn)(void *arg, const char *source,
    const char *why);

/*
 * Read the reports in each path: .xml, .xml.gz, .zip, an e-mail carrying
 * them (any MIME structure), an mbox (plain or compressed) or Maildir of
 * such mails, or a folder of any of these.  One report at a time is held.
 * *failed (may be NULL) counts the inputs given to fail.
 */
VOUCH_EXPORT enum vouch_status vouch_report_read(const char *const *paths,
    size_t npaths, vouch_report_read_fn fn, vouch_report_fail_fn fail,
    void *arg, size_t *failed, struct vouch_error *err);

/*
 * Keep a report in the store, once: a report is org_name + report_id.
 * *added (may be NULL) is 0 when it was there already.
 */
VOUCH_EXPORT enum vouch_status vouch_report_store_add(
    struct vouch_report_store *st, const struct vouch_report_agg *r,
    int *added, struct vouch_error *err);
/* The stored reports whose period meets [since, until] (0: open), oldest
 * first. */
VOUCH_EXPORT enum vouch_status vouch_report_store_each(
    struct vouch_report_store *st, int64_t since, int64_t until,
    vouch_report_read_fn fn, void *arg, struct vouch_error *err);

/*
 * What the reports say a stricter policy would do: counts and the sources
 * that fail DMARC, with the likely cause.  Memory grows with the sources
 * (at most VOUCH_REPORT_MAX_SOURCES kept), not the reports.
 */
#define VOUCH_REPORT_MAX_SOURCES 100000
struct vouch_report_source {
	const char *source_ip;
	uint64_t messages, dmarc_fail;
	const char *cause;	/* of the largest failing share */
	const char *fix;	/* or NULL: nothing to fix (forged) */
};
struct vouch_report_sum;
VOUCH_EXPORT struct vouch_report_sum *vouch_report_sum_new(
    const char *domain);
/* Add a report (one for another domain is skipped: returns 0). */
VOUCH_EXPORT int vouch_report_sum_add(struct vouch_report_sum *s,
    const struct vouch_report_agg *r);
VOUCH_EXPORT void vouch_report_sum_totals(const struct vouch_report_sum *s,
    uint64_t *messages, uint64_t *pass, uint64_t *fail, size_t *reporters,
    int64_t *begin, int64_t *end);
/* The reporters (largest first) and the days (oldest first: a report
 * counts on the UTC day its period begins; at most 4096 days) seen;
 * valid until the next add or free. */
struct vouch_report_reporter {
	const char *org_name;
	uint64_t reports, messages, pass, fail;
};
struct vouch_report_day {
	int64_t day;	/* epoch of the UTC day's start */
	uint64_t pass, fail;
};
VOUCH_EXPORT const struct vouch_report_reporter *vouch_report_sum_reporters(
    struct vouch_report_sum *s, size_t *n);
VOUCH_EXPORT const struct vouch_report_day *vouch_report_sum_days(
    struct vouch_report_sum *s, size_t *n);
/* The domain it sums (NULL: every domain). */
VOUCH_EXPORT const char *vouch_report_sum_domain(
    const struct vouch_report_sum *s);
/* One self-contained HTML page (inline SVG, nothing fetched) of the sums:
 * daily volume by DMARC result, the failing sources with their cause,
 * the reporters.  malloc'd; NULL: out of memory. */
VOUCH_EXPORT char *vouch_report_html(struct vouch_report_sum *const *sums,
    size_t n);
/* The failing sources, largest first; valid until the next add or free. */
VOUCH_EXPORT const struct vouch_report_source *vouch_report_sum_sources(
    struct vouch_report_sum *s, size_t *n);
VOUCH_EXPORT void vouch_report_sum_free(struct vouch_report_sum *s);

#ifdef __cplusplus
}
#endif
#endif
