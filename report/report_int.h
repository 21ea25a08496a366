/*
 * The report store's insides: one small interface over two SQL engines
 * (report_sqlite.c, report_pg.c), the store itself (report_store.c), the
 * report writer (report_xml.c), mail delivery (report_mail.c) and the
 * sender that ties them (report_send.c).
 */
#ifndef VOUCH_REPORT_INT_H
#define VOUCH_REPORT_INT_H

#include <pthread.h>
#include <stdio.h>
#include <vouch/report.h>
#include "common/buf.h"

/* A result row: ncol text columns, NULL for SQL NULL.  Non-zero stops. */
typedef int (*rs_row_fn)(void *arg, int ncol, const char *const *col);

/*
 * An engine.  SQL uses PostgreSQL's $1, $2, ... (SQLite's engine reads
 * them as ?1, ?2, ...); every parameter is text.  sql is a
 * static string: engines cache prepared statements by its address.
 */
struct rs_engine {
	const char *name;
	const char *schema;	/* CREATE statements, ';' separated */
	const char *begin;	/* a write transaction's BEGIN */
	const char *lock;	/* serializes schema creation, or NULL */
	const char *settle;	/* waits for rows being inserted, or NULL */
	enum vouch_status (*exec)(void *db, const char *sql, int n,
	    const char *const *p, long *changes, struct vouch_error *err);
	enum vouch_status (*query)(void *db, const char *sql, int n,
	    const char *const *p, rs_row_fn fn, void *arg,
	    struct vouch_error *err);
	void (*close)(void *db);
};

enum vouch_status vouch__rs_sqlite_open(const char *path, void **db,
    struct vouch_error *err);
extern const struct rs_engine vouch__rs_sqlite;
enum vouch_status vouch__rs_pg_open(const char *uri, void **db,
    struct vouch_error *err);
extern const struct rs_engine vouch__rs_pg;

/* The columns of a row after id, t and done; every one is text. */
#define RS_ROW_COLUMNS_SQL \
	"source_ip TEXT NOT NULL, header_from TEXT NOT NULL, " \
	"envelope_from TEXT NOT NULL, envelope_to TEXT NOT NULL, " \
	"policy_domain TEXT NOT NULL, p TEXT NOT NULL, sp TEXT NOT NULL, " \
	"np TEXT NOT NULL, adkim TEXT NOT NULL, aspf TEXT NOT NULL, " \
	"testing TEXT NOT NULL, fo TEXT NOT NULL, rua TEXT NOT NULL, " \
	"discovery TEXT NOT NULL, disposition TEXT NOT NULL, " \
	"dkim TEXT NOT NULL, spf TEXT NOT NULL, reasons TEXT NOT NULL, " \
	"auth_dkim TEXT NOT NULL, auth_spf TEXT NOT NULL, pct TEXT NOT NULL"
/* Both engines' indexes and the table of reports sent (a report covers
 * one policy domain, period and destination, rows first_id..last_id). */
#define RS_INDEXES_SQL \
	"CREATE INDEX IF NOT EXISTS vouch_rows_todo ON vouch_rows " \
	"(policy_domain, t, id) WHERE done = 0;" \
	"CREATE INDEX IF NOT EXISTS vouch_rows_t ON vouch_rows (t);" \
	"CREATE TABLE IF NOT EXISTS vouch_sent (policy_domain TEXT NOT NULL, " \
	"period_begin BIGINT NOT NULL, address TEXT NOT NULL, " \
	"first_id BIGINT NOT NULL, last_id BIGINT NOT NULL, " \
	"report_id TEXT NOT NULL, state TEXT NOT NULL, at BIGINT NOT NULL, " \
	"PRIMARY KEY (policy_domain, period_begin, address, first_id));" \
	"CREATE TABLE IF NOT EXISTS vouch_reports (org_name TEXT NOT NULL, " \
	"report_id TEXT NOT NULL, domain TEXT NOT NULL, " \
	"begin_t BIGINT NOT NULL, end_t BIGINT NOT NULL, " \
	"source TEXT NOT NULL, message_id TEXT, added BIGINT NOT NULL, " \
	"report TEXT NOT NULL, PRIMARY KEY (org_name, report_id));" \
	"CREATE INDEX IF NOT EXISTS vouch_reports_end ON vouch_reports " \
	"(end_t);"
/* The insert's columns, in the order of struct rs_pending's col[]. */
#define RS_INSERT_SQL \
	"INSERT INTO vouch_rows (t, source_ip, header_from, envelope_from, " \
	"envelope_to, policy_domain, p, sp, np, adkim, aspf, testing, fo, " \
	"rua, discovery, disposition, dkim, spf, reasons, auth_dkim, " \
	"auth_spf, pct) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, " \
	"$11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)"

/* A row as queued: its columns, malloc'd. */
#define RS_NCOLS 22
struct rs_pending {
	struct rs_pending *next;
	char *col[RS_NCOLS];	/* text, in the insert's order */
};

struct vouch_report_store {
	const struct rs_engine *eng;
	void *db;
	pthread_mutex_t db_mu;		/* one user of db at a time */
	pthread_mutex_t q_mu;		/* the queue below */
	pthread_cond_t q_cv;
	struct rs_pending *head, **tail;
	int flushing;			/* a caller is writing the queue */
	unsigned long gen, done_gen;	/* batches taken, batches written */
	enum vouch_status last;		/* the last batch's outcome */
	char last_msg[256];
	/* background writing (vouch_report_store_background) */
	int bg, bg_started, bg_stop;
	pthread_t bg_thread;
	pthread_cond_t bg_cv;		/* the writer waits here for rows */
	size_t queued;			/* rows in the queue */
	int bg_flush;			/* callers waiting for a flush */
	enum vouch_status bg_fail;	/* a failed batch not yet reported */
	char bg_msg[256];
};

/* Rows the background queue may hold before record waits for the writer
 * (memory stays bounded when the store is slower than the mail). */
#define RS_QUEUE_MAX 10000

/* Reading reports: the largest XML document (decompressed) and the most
 * records in one; a file or mail of more is refused, not read. */
#define RS_READ_MAX_XML (64 << 20)
#define RS_READ_MAX_RECORDS 1000000
/* Read the reports in bytes (XML, gzip, zip or a mail); how many. */
size_t vouch__report_read_mem(const void *p, size_t n, const char *source,
    vouch_report_read_fn fn, void *arg);
/* The report's document as UTF-8 XML (malloc'd), for the store. */
char *vouch__report_xml(const struct vouch_report_agg *r, size_t *len);
void vouch__report_set_origin(struct vouch_report_agg *r, const char *source,
    const char *message_id);
/* The writer commits once RS_BATCH_ROWS are queued or RS_BATCH_MS after
 * the first row of a batch, whichever comes first. */
#define RS_BATCH_ROWS 256
#define RS_BATCH_MS 50

/* Queue a row (taken) and return once it is written (report_store.c). */
enum vouch_status vouch__rs_enqueue(struct vouch_report_store *st,
    struct rs_pending *p, struct vouch_error *err);

/* Statements on the store (db_mu held by the caller). */
enum vouch_status vouch__rs_exec(struct vouch_report_store *st,
    const char *sql, int n, const char *const *p, long *changes,
    struct vouch_error *err);
enum vouch_status vouch__rs_query(struct vouch_report_store *st,
    const char *sql, int n, const char *const *p, rs_row_fn fn, void *arg,
    struct vouch_error *err);
/* A write transaction around fn (db_mu held by the caller): committed
 * when fn returns VOUCH_OK, else rolled back. */
enum vouch_status vouch__rs_txn(struct vouch_report_store *st,
    enum vouch_status (*fn)(struct vouch_report_store *, void *),
    void *arg, struct vouch_error *err);

/* One report to write: what it covers and its records' query. */
struct rs_report {
	const char *policy_domain;
	int64_t begin, end;		/* [begin, end) */
	long long lo, hi;		/* rows with lo < id <= hi */
	char report_id[48];
	/* the record in force (the latest row's) */
	char *p, *sp, *np, *adkim, *aspf, *testing, *fo, *discovery, *pct;
	unsigned long records, messages;
};

/* One run of vouch_report_send(). */
struct rs_send {
	struct vouch_report_store *st;
	const struct vouch_report_send_opts *o;
	struct vouch_report_send_stats *stats;
	struct vouch_error *err;
	long long wm;		/* the watermark: rows up to it are reported */
	int64_t now;
};
/* A line for the caller's log. */
void vouch__rs_say(const struct rs_send *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A single number from a query's first column. */
int vouch__rs_number(void *arg, int n, const char *const *col);
/*
 * Everything owed to one destination of the report r (policy domain and
 * period set): key names it in vouch_sent ("mailto:ADDR" or "dir"), addr
 * is the address to mail (NULL with o->dir), limit its size limit.
 * *done is 1 when nothing is owed to it any more.  VOUCH_E_STORE stops
 * the run; a failed delivery is counted and leaves *done 0.
 */
enum vouch_status vouch__rs_deliver(struct rs_send *s, struct rs_report *r,
    const char *key, const char *addr, uint64_t limit, int *done);
/* May reports for policy_domain go to addr (RFC 9990 2.1: same
 * organizational domain, or addr's domain publishes
 * <policy_domain>._report._dmarc.<its domain> with v=DMARC1)? */
int vouch__rs_dest_ok(struct rs_send *s, const char *policy_domain,
    const char *addr);

/* Write the report as RFC 9990 XML, gzip'd, to fp.  The records come
 * from the store, streamed.  db_mu held by the caller. */
enum vouch_status vouch__rs_xml_write(struct vouch_report_store *st,
    const struct vouch_report_send_opts *o, struct rs_report *r, FILE *fp,
    struct vouch_error *err);
/* receiver!policy-domain!begin!end!unique-id.xml.gz */
char *vouch__rs_file_name(const char *receiver, const struct rs_report *r);

/* A mailto: URI of rua= (RFC 9990 2): its address and size limit (0:
 * none); -1 when it is no usable address (never put in a header). */
int vouch__rs_mailto(const char *uri, char **addr, uint64_t *limit);
/* Mail the gzip file gz (name: its file name) to addr through the
 * sendmail command: VOUCH_OK once the command exited 0. */
enum vouch_status vouch__rs_mail(const struct vouch_report_send_opts *o,
    const struct rs_report *r, const char *addr, FILE *gz, const char *name,
    struct vouch_error *err);

/* Text for XML and SQL: valid UTF-8 without controls (others become
 * '?'), at most max bytes; malloc'd, NULL out of memory. */
char *vouch__rs_clean(const char *s, size_t max);

#endif
