/*
 * The report store on SQLite: one file, WAL mode (readers never wait for
 * the writer), a busy timeout so several processes share it, and the
 * prepared statements kept by their SQL text's address.
 */
#include "config.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"
#include "common/util.h"

#define RS_SQLITE_CACHE 24
#define RS_SQLITE_BUSY_MS 30000	/* how long a writer waits for another */

struct rs_sqlite {
	sqlite3 *db;
	struct {
		const char *sql;
		sqlite3_stmt *stmt;
	} cache[RS_SQLITE_CACHE];
};

static enum vouch_status
fail(struct rs_sqlite *s, struct vouch_error *err, const char *what)
{
	return vouch__err(err, VOUCH_E_STORE, NULL, -1, "sqlite: %s: %s",
	    what, sqlite3_errmsg(s->db));
}

enum vouch_status
vouch__rs_sqlite_open(const char *path, void **db, struct vouch_error *err)
{
	struct rs_sqlite *s = calloc(1, sizeof(*s));
	enum vouch_status st;

	if (s == NULL)
		return vouch__err(err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		st = vouch__err(err, VOUCH_E_STORE, NULL, -1, "%s: %s", path,
		    s->db != NULL ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, RS_SQLITE_BUSY_MS);
	if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=NORMAL;", NULL, NULL, NULL) != SQLITE_OK) {
		st = vouch__err(err, VOUCH_E_STORE, NULL, -1, "%s: %s", path,
		    sqlite3_errmsg(s->db));
		goto fail;
	}
	*db = s;
	return VOUCH_OK;
fail:
	sqlite3_close(s->db);
	free(s);
	return st;
}

static sqlite3_stmt *
prepare(struct rs_sqlite *s, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	char *text, *q;
	size_t i;
	int rc;

	for (i = 0; i < RS_SQLITE_CACHE && s->cache[i].sql != NULL; i++)
		if (s->cache[i].sql == sql) {
			sqlite3_reset(s->cache[i].stmt);
			sqlite3_clear_bindings(s->cache[i].stmt);
			return s->cache[i].stmt;
		}
	if ((text = strdup(sql)) == NULL)
		return NULL;
	/* $N is PostgreSQL's parameter N; SQLite's is ?N ($N there is a
	 * name, numbered by first use) */
	for (q = text; (q = strchr(q, '$')) != NULL; q++)
		if (q[1] >= '1' && q[1] <= '9')
			*q = '?';
	rc = sqlite3_prepare_v2(s->db, text, -1, &stmt, NULL);
	free(text);
	if (rc != SQLITE_OK)
		return NULL;
	if (i < RS_SQLITE_CACHE) {
		s->cache[i].sql = sql;
		s->cache[i].stmt = stmt;
	}
	return stmt;
}

static int
cached(const struct rs_sqlite *s, const sqlite3_stmt *stmt)
{
	size_t i;

	for (i = 0; i < RS_SQLITE_CACHE; i++)
		if (s->cache[i].stmt == stmt)
			return 1;
	return 0;
}

static void
done(struct rs_sqlite *s, sqlite3_stmt *stmt)
{
	if (cached(s, stmt))
		sqlite3_reset(stmt);
	else
		sqlite3_finalize(stmt);
}

static sqlite3_stmt *
bind_all(struct rs_sqlite *s, const char *sql, int n, const char *const *p)
{
	sqlite3_stmt *stmt = prepare(s, sql);
	int i;

	if (stmt == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if ((p[i] == NULL ? sqlite3_bind_null(stmt, i + 1) :
		    sqlite3_bind_text(stmt, i + 1, p[i], -1, SQLITE_STATIC)) !=
		    SQLITE_OK) {
			done(s, stmt);
			return NULL;
		}
	return stmt;
}

/* Several statements without parameters (the schema, BEGIN). */
static enum vouch_status
exec_script(struct rs_sqlite *s, const char *sql, struct vouch_error *err)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return VOUCH_OK;
	vouch__err(err, VOUCH_E_STORE, NULL, -1, "sqlite: %s",
	    msg != NULL ? msg : "failed");
	sqlite3_free(msg);
	return VOUCH_E_STORE;
}

static enum vouch_status
sq_exec(void *db, const char *sql, int n, const char *const *p,
    long *changes, struct vouch_error *err)
{
	struct rs_sqlite *s = db;
	sqlite3_stmt *stmt;
	int rc;

	if (n == 0 && changes == NULL)
		return exec_script(s, sql, err);
	if ((stmt = bind_all(s, sql, n, p)) == NULL)
		return fail(s, err, "prepare");
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		;
	done(s, stmt);
	if (rc != SQLITE_DONE)
		return fail(s, err, "write");
	if (changes != NULL)
		*changes = (long)sqlite3_changes(s->db);
	return VOUCH_OK;
}

static enum vouch_status
sq_query(void *db, const char *sql, int n, const char *const *p,
    rs_row_fn fn, void *arg, struct vouch_error *err)
{
	struct rs_sqlite *s = db;
	sqlite3_stmt *stmt;
	const char *col[32];
	int rc, i, nc;

	if ((stmt = bind_all(s, sql, n, p)) == NULL)
		return fail(s, err, "prepare");
	nc = sqlite3_column_count(stmt);
	if (nc > 32)
		nc = 32;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		for (i = 0; i < nc; i++)
			col[i] = (const char *)sqlite3_column_text(stmt, i);
		if (fn(arg, nc, col) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	done(s, stmt);
	return rc == SQLITE_DONE ? VOUCH_OK : fail(s, err, "read");
}

static void
sq_close(void *db)
{
	struct rs_sqlite *s = db;
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < RS_SQLITE_CACHE; i++)
		sqlite3_finalize(s->cache[i].stmt);
	sqlite3_close(s->db);
	free(s);
}

const struct rs_engine vouch__rs_sqlite = {
	"sqlite",
	"CREATE TABLE IF NOT EXISTS vouch_meta (name TEXT PRIMARY KEY, "
	"value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS vouch_rows (id INTEGER PRIMARY KEY "
	"AUTOINCREMENT, t BIGINT NOT NULL, done INTEGER NOT NULL DEFAULT 0, "
	RS_ROW_COLUMNS_SQL ");"
	RS_INDEXES_SQL,
	"BEGIN IMMEDIATE",
	NULL,
	NULL,
	sq_exec,
	sq_query,
	sq_close
};
