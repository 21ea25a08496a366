/*
 * The report store: open either engine, create or check the schema, and
 * record rows.  Rows are queued and written by group commit: whoever finds
 * no write in progress writes the whole queue in one transaction, so many
 * milter threads cost one transaction per moment, not one each, and a
 * call returns only once its row is written (nothing is lost on a crash
 * after a message was accepted).  In the background mode (the milter) a
 * writer thread does the same and a call returns once its row is queued:
 * the message's path never waits for the disk.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_int.h"
#include "common/util.h"
#include "common/hdr.h"

static int
has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

enum vouch_status
vouch__rs_exec(struct vouch_report_store *st, const char *sql, int n,
    const char *const *p, long *changes, struct vouch_error *err)
{
	return st->eng->exec(st->db, sql, n, p, changes, err);
}

enum vouch_status
vouch__rs_query(struct vouch_report_store *st, const char *sql, int n,
    const char *const *p, rs_row_fn fn, void *arg, struct vouch_error *err)
{
	return st->eng->query(st->db, sql, n, p, fn, arg, err);
}

enum vouch_status
vouch__rs_txn(struct vouch_report_store *st,
    enum vouch_status (*fn)(struct vouch_report_store *, void *), void *arg,
    struct vouch_error *err)
{
	enum vouch_status s;

	if ((s = vouch__rs_exec(st, st->eng->begin, 0, NULL, NULL, err)) !=
	    VOUCH_OK)
		return s;
	if ((s = fn(st, arg)) == VOUCH_OK &&
	    (s = vouch__rs_exec(st, "COMMIT", 0, NULL, NULL, err)) == VOUCH_OK)
		return VOUCH_OK;
	(void)vouch__rs_exec(st, "ROLLBACK", 0, NULL, NULL, NULL);
	return s;
}

static int
version_row(void *arg, int n, const char *const *col)
{
	char **v = arg;

	if (n > 0 && col[0] != NULL && *v == NULL)
		*v = strdup(col[0]);
	return 0;
}

/* Inside the schema transaction: create, then check the version. */
static enum vouch_status
schema(struct vouch_report_store *st, void *arg)
{
	struct vouch_error *err = arg;
	static const char *const ver[] = { "1" };
	enum vouch_status s;
	char *v = NULL;

	if (st->eng->lock != NULL && (s = vouch__rs_exec(st, st->eng->lock, 0,
	    NULL, NULL, err)) != VOUCH_OK)
		return s;
	if ((s = vouch__rs_exec(st, st->eng->schema, 0, NULL, NULL, err)) !=
	    VOUCH_OK || (s = vouch__rs_query(st, "SELECT value FROM vouch_meta "
	    "WHERE name = 'schema'", 0, NULL, version_row, &v, err)) !=
	    VOUCH_OK)
		return s;
	if (v == NULL)
		return vouch__rs_exec(st, "INSERT INTO vouch_meta (name, value) "
		    "VALUES ('schema', $1)", 1, ver, NULL, err);
	s = strcmp(v, ver[0]) == 0 ? VOUCH_OK : vouch__err(err, VOUCH_E_STORE,
	    NULL, -1, "the store's schema is version %.20s; this vouch "
	    "knows version %s", v, ver[0]);
	free(v);
	return s;
}

static enum vouch_status
open_engine(struct vouch_report_store *st, const char *spec,
    struct vouch_error *err)
{
	if (has_prefix(spec, "postgresql://") || has_prefix(spec, "postgres://")) {
		st->eng = &vouch__rs_pg;
		return vouch__rs_pg_open(spec, &st->db, err);
	}
	if (has_prefix(spec, "sqlite:"))
		spec += strlen("sqlite:");
	if (*spec == '\0')
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1, "sqlite: no "
		    "file name");
	st->eng = &vouch__rs_sqlite;
	return vouch__rs_sqlite_open(spec, &st->db, err);
}

enum vouch_status
vouch_report_store_open(const char *spec, struct vouch_report_store **out,
    struct vouch_error *err)
{
	struct vouch_report_store *st;
	enum vouch_status s;

	if (spec == NULL || out == NULL)
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1, "no store");
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return vouch__err(err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	pthread_mutex_init(&st->db_mu, NULL);
	pthread_mutex_init(&st->q_mu, NULL);
	pthread_cond_init(&st->q_cv, NULL);
	pthread_cond_init(&st->bg_cv, NULL);
	st->tail = &st->head;
	if ((s = open_engine(st, spec, err)) != VOUCH_OK ||
	    (s = vouch__rs_txn(st, schema, err, err)) != VOUCH_OK) {
		(void)vouch_report_store_close(st, NULL);
		return s;
	}
	*out = st;
	return VOUCH_OK;
}

const char *
vouch_report_store_engine(const struct vouch_report_store *st)
{
	return st != NULL ? st->eng->name : NULL;
}

static void
pending_free(struct rs_pending *p)
{
	int i;

	while (p != NULL) {
		struct rs_pending *next = p->next;

		for (i = 0; i < RS_NCOLS; i++)
			free(p->col[i]);
		free(p);
		p = next;
	}
}

struct batch {
	struct rs_pending *rows;
	struct vouch_error *err;
};

static enum vouch_status
insert_batch(struct vouch_report_store *st, void *arg)
{
	struct batch *b = arg;
	struct rs_pending *p;
	enum vouch_status s;

	for (p = b->rows; p != NULL; p = p->next)
		if ((s = vouch__rs_exec(st, RS_INSERT_SQL, RS_NCOLS,
		    (const char *const *)p->col, NULL, b->err)) != VOUCH_OK)
			return s;
	return VOUCH_OK;
}

/*
 * Write the queue until it is empty, as the one flusher (q_mu held on
 * entry and exit).  The last batch's outcome is kept for its callers.
 */
static void
drain(struct vouch_report_store *st)
{
	struct vouch_error e = { 0 };
	struct batch b = { NULL, &e };
	enum vouch_status s;

	st->flushing = 1;
	while (st->head != NULL) {
		b.rows = st->head;
		st->head = NULL;
		st->tail = &st->head;
		st->queued = 0;
		st->gen++;
		pthread_mutex_unlock(&st->q_mu);
		pthread_mutex_lock(&st->db_mu);
		s = vouch__rs_txn(st, insert_batch, &b, &e);
		pthread_mutex_unlock(&st->db_mu);
		pending_free(b.rows);
		pthread_mutex_lock(&st->q_mu);
		st->last = s;
		snprintf(st->last_msg, sizeof(st->last_msg), "%s",
		    s != VOUCH_OK ? e.message : "");
		if (s != VOUCH_OK && st->bg && st->bg_fail == VOUCH_OK) {
			st->bg_fail = s;
			memcpy(st->bg_msg, st->last_msg, sizeof(st->bg_msg));
		}
		st->done_gen = st->gen;
		pthread_cond_broadcast(&st->q_cv);
	}
	st->flushing = 0;
}

/* The background writer: whatever is queued, one transaction at a time
 * (rows that arrive during a write are the next batch). */
static void *
bg_writer(void *arg)
{
	struct vouch_report_store *st = arg;

	pthread_mutex_lock(&st->q_mu);
	for (;;) {
		while (st->head == NULL && !st->bg_stop)
			pthread_cond_wait(&st->bg_cv, &st->q_mu);
		if (st->head == NULL)
			break;
		/* let a batch gather for a moment: a commit costs about as
		 * much as verifying a message, a row in it almost nothing */
		if (st->queued < RS_BATCH_ROWS && !st->bg_stop &&
		    !st->bg_flush) {
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += RS_BATCH_MS * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			while (st->queued < RS_BATCH_ROWS && !st->bg_stop &&
			    !st->bg_flush && pthread_cond_timedwait(
			    &st->bg_cv, &st->q_mu, &until) == 0)
				;
		}
		drain(st);
	}
	pthread_mutex_unlock(&st->q_mu);
	return NULL;
}

/* A failed background batch, reported once (q_mu held). */
static enum vouch_status
bg_take_fail(struct vouch_report_store *st, struct vouch_error *err)
{
	enum vouch_status s = st->bg_fail;

	if (s != VOUCH_OK)
		vouch__err(err, s, NULL, -1, "%s", st->bg_msg);
	st->bg_fail = VOUCH_OK;
	return s;
}

enum vouch_status
vouch_report_store_background(struct vouch_report_store *st,
    struct vouch_error *err)
{
	if (st == NULL)
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1, "no store");
	pthread_mutex_lock(&st->q_mu);
	st->bg = 1;
	pthread_mutex_unlock(&st->q_mu);
	return VOUCH_OK;
}

/* Queue p (NULL: nothing) and return once it, and every row queued
 * before, is written (by us or by the flusher of the moment).  In the
 * background mode a row returns once queued, and only a flush waits. */
enum vouch_status
vouch__rs_enqueue(struct vouch_report_store *st, struct rs_pending *p,
    struct vouch_error *err)
{
	unsigned long mine;
	enum vouch_status s;

	pthread_mutex_lock(&st->q_mu);
	if (p != NULL) {
		*st->tail = p;
		st->tail = &p->next;
		st->queued++;
	}
	if (st->bg && !st->bg_started) {
		/* started on first use: in the process that records (a
		 * daemon forks after it opens the store) */
		if (pthread_create(&st->bg_thread, NULL, bg_writer, st) == 0)
			st->bg_started = 1;
		else
			st->bg = 0;
	}
	mine = st->head != NULL ? st->gen + 1 : st->gen;
	if (st->bg) {
		if (st->queued == 1 || st->queued >= RS_BATCH_ROWS)
			pthread_cond_signal(&st->bg_cv);
		if (p != NULL)
			while (st->queued > RS_QUEUE_MAX && st->head != NULL)
				pthread_cond_wait(&st->q_cv, &st->q_mu);
		else {
			st->bg_flush++;
			pthread_cond_signal(&st->bg_cv);
			while (st->done_gen < mine)
				pthread_cond_wait(&st->q_cv, &st->q_mu);
			st->bg_flush--;
		}
		s = bg_take_fail(st, err);
		pthread_mutex_unlock(&st->q_mu);
		return s;
	}
	while (st->done_gen < mine)
		if (st->flushing)
			pthread_cond_wait(&st->q_cv, &st->q_mu);
		else
			drain(st);
	s = st->last;
	if (s != VOUCH_OK)
		vouch__err(err, s, NULL, -1, "%s", st->last_msg);
	pthread_mutex_unlock(&st->q_mu);
	return s;
}

enum vouch_status
vouch_report_store_flush(struct vouch_report_store *st,
    struct vouch_error *err)
{
	if (st == NULL)
		return VOUCH_OK;
	return vouch__rs_enqueue(st, NULL, err);
}

enum vouch_status
vouch_report_store_close(struct vouch_report_store *st,
    struct vouch_error *err)
{
	enum vouch_status s = VOUCH_OK;

	if (st == NULL)
		return VOUCH_OK;
	if (st->head != NULL || st->bg_fail != VOUCH_OK)
		s = vouch_report_store_flush(st, err);
	if (st->bg_started) {
		pthread_mutex_lock(&st->q_mu);
		st->bg_stop = 1;
		pthread_cond_signal(&st->bg_cv);
		pthread_mutex_unlock(&st->q_mu);
		pthread_join(st->bg_thread, NULL);
	}
	if (st->db != NULL)
		st->eng->close(st->db);
	pthread_mutex_destroy(&st->db_mu);
	pthread_mutex_destroy(&st->q_mu);
	pthread_cond_destroy(&st->q_cv);
	pthread_cond_destroy(&st->bg_cv);
	free(st);
	return s;
}

char *
vouch__rs_clean(const char *s, size_t max)
{
	struct vbuf b;
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t n = strlen((const char *)p), i = 0, k;
	enum vouch_status st = VOUCH_OK;

	/* the usual text, printable ASCII within the bound: as it is */
	for (k = 0; k < n && p[k] >= 0x20 && p[k] < 0x7f; k++)
		;
	if (k == n && n <= max)
		return strdup((const char *)p);
	vbuf_init(&b, max + 8);
	while (i < n && b.len < max && st == VOUCH_OK) {
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			st = vbuf_addc(&b, p[i++]);
		} else if (p[i] >= 0x80 && (k = vouch__utf8_len(p + i, n - i))
		    > 0 && b.len + k <= max) {
			st = vbuf_add(&b, p + i, k);
			i += k;
		} else {
			st = vbuf_addc(&b, '?');
			i++;
		}
	}
	return vbuf_done(&b, st);
}

/* ---- reports read (the domain owner's history) -------------------------- */

struct add {
	const char *p[9];
	long changes;
	struct vouch_error *err;
};

static enum vouch_status
add_report(struct vouch_report_store *st, void *arg)
{
	struct add *a = arg;

	return vouch__rs_exec(st, "INSERT INTO vouch_reports (org_name, "
	    "report_id, domain, begin_t, end_t, source, message_id, added, "
	    "report) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
	    "ON CONFLICT DO NOTHING", 9, a->p, &a->changes, a->err);
}

enum vouch_status
vouch_report_store_add(struct vouch_report_store *st,
    const struct vouch_report_agg *r, int *added, struct vouch_error *err)
{
	char b[24], e[24], now[24], *xml, *org, *id, *dom, *src;
	size_t len = 0;
	struct add ad;
	const char **p = ad.p;
	enum vouch_status s;

	if (added != NULL)
		*added = 0;
	if (st == NULL || r == NULL || r->org_name == NULL ||
	    r->report_id == NULL || r->domain == NULL)
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1, "no report");
	if ((xml = vouch__report_xml(r, &len)) == NULL)
		return vouch__err(err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	org = vouch__rs_clean(r->org_name, 256);
	id = vouch__rs_clean(r->report_id, 256);
	dom = vouch__rs_clean(r->domain, 256);
	src = vouch__rs_clean(r->source, 1024);
	snprintf(b, sizeof(b), "%lld", (long long)r->begin);
	snprintf(e, sizeof(e), "%lld", (long long)r->end);
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	p[0] = org;
	p[1] = id;
	p[2] = dom;
	p[3] = b;
	p[4] = e;
	p[5] = src;
	p[7] = now;
	p[8] = xml;
	ad.changes = 0;
	ad.err = err;
	if (org == NULL || id == NULL || dom == NULL || src == NULL)
		s = vouch__err(err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	else {
		char *mid = r->message_id != NULL ?
		    vouch__rs_clean(r->message_id, 1024) : NULL;

		p[6] = mid;
		pthread_mutex_lock(&st->db_mu);
		s = vouch__rs_txn(st, add_report, &ad, err);
		pthread_mutex_unlock(&st->db_mu);
		free(mid);
	}
	if (s == VOUCH_OK && added != NULL)
		*added = ad.changes > 0;
	free(xml);
	free(org);
	free(id);
	free(dom);
	free(src);
	return s;
}

struct each {
	vouch_report_read_fn fn;
	void *arg;
	int stopped;
};

static int
each_row(void *arg, int n, const char *const *col)
{
	struct each *e = arg;
	struct vouch_report_agg *r;
	int stop;

	if (n < 3 || col[0] == NULL || vouch_report_parse(col[0],
	    strlen(col[0]), col[1], &r, NULL) != VOUCH_OK)
		return 0;	/* stored by us: read before, so it reads */
	vouch__report_set_origin(r, NULL, col[2]);
	stop = e->fn(e->arg, r);
	vouch_report_agg_free(r);
	e->stopped = stop != 0;
	return stop;
}

enum vouch_status
vouch_report_store_each(struct vouch_report_store *st, int64_t since,
    int64_t until, vouch_report_read_fn fn, void *arg,
    struct vouch_error *err)
{
	char a[24], b[24];
	const char *p[2] = { a, b };
	struct each e = { fn, arg, 0 };
	enum vouch_status s;

	if (st == NULL || fn == NULL)
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1, "no store");
	snprintf(a, sizeof(a), "%lld", (long long)since);
	snprintf(b, sizeof(b), "%lld", (long long)(until > 0 ? until :
	    INT64_MAX));
	pthread_mutex_lock(&st->db_mu);
	s = vouch__rs_query(st, "SELECT report, source, message_id FROM "
	    "vouch_reports WHERE end_t >= $1 AND begin_t <= $2 "
	    "ORDER BY begin_t, org_name, report_id", 2, p, each_row, &e, err);
	pthread_mutex_unlock(&st->db_mu);
	return s;
}
