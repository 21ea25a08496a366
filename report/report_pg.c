/*
 * The report store on PostgreSQL: several MTAs (and report senders) share
 * one database.  Statements are prepared once per connection, by their
 * SQL text's address; results stream row by row (single-row mode), so a
 * large report never sits in memory.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"
#include "common/util.h"

#ifdef HAVE_LIBPQ
#include <libpq-fe.h>

#define RS_PG_CACHE 24

struct rs_pg {
	PGconn *conn;
	const char *prepared[RS_PG_CACHE];
};

/* libpq's message is several lines: keep the first. */
static enum vouch_status
fail(struct rs_pg *s, struct vouch_error *err, const char *what)
{
	char msg[200];
	size_t n;

	snprintf(msg, sizeof(msg), "%s", PQerrorMessage(s->conn));
	n = strcspn(msg, "\n");
	msg[n] = '\0';
	return vouch__err(err, VOUCH_E_STORE, NULL, -1, "postgresql: %s: %s",
	    what, msg);
}

enum vouch_status
vouch__rs_pg_open(const char *uri, void **db, struct vouch_error *err)
{
	struct rs_pg *s = calloc(1, sizeof(*s));
	enum vouch_status st;
	PGresult *r;

	if (s == NULL)
		return vouch__err(err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	s->conn = PQconnectdb(uri);
	if (s->conn == NULL || PQstatus(s->conn) != CONNECTION_OK) {
		st = s->conn == NULL ? vouch__err(err, VOUCH_E_NOMEM, NULL, -1,
		    "out of memory") : fail(s, err, "connect");
		PQfinish(s->conn);
		free(s);
		return st;
	}
	/* our own notices (IF NOT EXISTS) are not the operator's business */
	r = PQexec(s->conn, "SET client_min_messages = warning");
	PQclear(r);
	*db = s;
	return VOUCH_OK;
}

/* The prepared statement's name for sql, preparing it the first time;
 * NULL (err set) on failure. */
static const char *
prepare(struct rs_pg *s, const char *sql, int n, char *name, size_t size,
    struct vouch_error *err)
{
	PGresult *r;
	size_t i;

	for (i = 0; i < RS_PG_CACHE && s->prepared[i] != NULL; i++)
		if (s->prepared[i] == sql) {
			snprintf(name, size, "vouch%zu", i);
			return name;
		}
	if (i == RS_PG_CACHE) {
		fail(s, err, "too many statements");
		return NULL;
	}
	snprintf(name, size, "vouch%zu", i);
	r = PQprepare(s->conn, name, sql, n, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		PQclear(r);
		fail(s, err, "prepare");
		return NULL;
	}
	PQclear(r);
	s->prepared[i] = sql;
	return name;
}

static enum vouch_status
pg_exec(void *db, const char *sql, int n, const char *const *p,
    long *changes, struct vouch_error *err)
{
	struct rs_pg *s = db;
	const char *name;
	char nb[32];
	PGresult *r;
	ExecStatusType rs;

	if (n == 0 && changes == NULL) {
		r = PQexec(s->conn, sql);
	} else {
		if ((name = prepare(s, sql, n, nb, sizeof(nb), err)) == NULL)
			return VOUCH_E_STORE;
		r = PQexecPrepared(s->conn, name, n, p, NULL, NULL, 0);
	}
	rs = PQresultStatus(r);
	if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK) {
		PQclear(r);
		return fail(s, err, "write");
	}
	if (changes != NULL)
		*changes = strtol(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return VOUCH_OK;
}

/* Hand each row of r to fn; 1 when fn stopped. */
static int
rows(PGresult *r, rs_row_fn fn, void *arg)
{
	const char *col[32];
	int i, j, nc = PQnfields(r);

	if (nc > 32)
		nc = 32;
	for (i = 0; i < PQntuples(r); i++) {
		for (j = 0; j < nc; j++)
			col[j] = PQgetisnull(r, i, j) ? NULL :
			    PQgetvalue(r, i, j);
		if (fn(arg, nc, col) != 0)
			return 1;
	}
	return 0;
}

static enum vouch_status
pg_query(void *db, const char *sql, int n, const char *const *p,
    rs_row_fn fn, void *arg, struct vouch_error *err)
{
	struct rs_pg *s = db;
	enum vouch_status st = VOUCH_OK;
	const char *name;
	char nb[32];
	PGresult *r;
	int stopped = 0;

	if ((name = prepare(s, sql, n, nb, sizeof(nb), err)) == NULL)
		return VOUCH_E_STORE;
	if (!PQsendQueryPrepared(s->conn, name, n, p, NULL, NULL, 0))
		return fail(s, err, "read");
	PQsetSingleRowMode(s->conn);
	/* every result is read, also after fn stopped: the connection
	 * takes no other command until then */
	while ((r = PQgetResult(s->conn)) != NULL) {
		ExecStatusType rs = PQresultStatus(r);

		if (rs == PGRES_SINGLE_TUPLE && !stopped)
			stopped = rows(r, fn, arg);
		else if (rs != PGRES_TUPLES_OK && rs != PGRES_SINGLE_TUPLE &&
		    st == VOUCH_OK)
			st = fail(s, err, "read");
		PQclear(r);
	}
	return st;
}

static void
pg_close(void *db)
{
	struct rs_pg *s = db;

	if (s == NULL)
		return;
	PQfinish(s->conn);
	free(s);
}

const struct rs_engine vouch__rs_pg = {
	"postgresql",
	"CREATE TABLE IF NOT EXISTS vouch_meta (name TEXT PRIMARY KEY, "
	"value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS vouch_rows (id BIGSERIAL PRIMARY KEY, "
	"t BIGINT NOT NULL, done INTEGER NOT NULL DEFAULT 0, "
	RS_ROW_COLUMNS_SQL ");"
	RS_INDEXES_SQL,
	"BEGIN",
	"SELECT pg_advisory_xact_lock(8617489)",
	"LOCK TABLE vouch_rows IN SHARE MODE",
	pg_exec,
	pg_query,
	pg_close
};

#else

enum vouch_status
vouch__rs_pg_open(const char *uri, void **db, struct vouch_error *err)
{
	(void)uri;
	(void)db;
	return vouch__err(err, VOUCH_E_STORE, NULL, -1, "this vouch was built "
	    "without libpq: use a sqlite: store");
}

const struct rs_engine vouch__rs_pg = { "postgresql", NULL, NULL, NULL,
    NULL, NULL, NULL, NULL };

#endif
