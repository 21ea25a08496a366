/*
 * Sending aggregate reports (RFC 9990): for each policy domain and ended
 * period with rows not yet reported, one report per destination.
 *
 * Exactly once: a run first fixes a watermark (the highest row id, after
 * every insert in progress has committed), then for each destination
 * claims the rows above what it was already sent (a row in vouch_sent,
 * unique per domain, period, destination and first row), writes the
 * report, delivers it, and only then marks the claim sent.  A failed
 * delivery drops its claim: those rows go in the next run.  A claim left
 * by a crash is taken over after RS_LEASE seconds and delivered again with
 * its Report-ID, so a receiver sees the same report, not a second one.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "report_int.h"
#include "common/util.h"

#define RS_LEASE 3600		/* seconds before a claim is taken over */
#define RS_MAX_DEST 8		/* destinations per rua= */

struct cand {
	char *domain;
	int64_t begin;
};

static enum vouch_status
watermark(struct vouch_report_store *st, void *arg)
{
	struct rs_send *s = arg;
	enum vouch_status e;

	s->wm = 0;
	if (st->eng->settle != NULL && (e = vouch__rs_exec(st, st->eng->settle,
	    0, NULL, NULL, s->err)) != VOUCH_OK)
		return e;
	return vouch__rs_query(st, "SELECT max(id) FROM vouch_rows", 0, NULL,
	    vouch__rs_number, &s->wm, s->err);
}

struct cands {
	struct cand *v;
	size_t n, cap;
	int nomem;
};

static int
cand_row(void *arg, int n, const char *const *c)
{
	struct cands *cs = arg;
	struct cand *v;

	if (n < 2 || c[0] == NULL || c[1] == NULL)
		return 0;
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 64;

		if ((v = realloc(cs->v, cap * sizeof(*v))) == NULL)
			return cs->nomem = 1;
		cs->v = v;
		cs->cap = cap;
	}
	if ((cs->v[cs->n].domain = strdup(c[0])) == NULL)
		return cs->nomem = 1;
	cs->v[cs->n++].begin = strtoll(c[1], NULL, 10);
	return 0;
}

static void
cands_clear(struct cands *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		free(cs->v[i].domain);
	free(cs->v);
}

/* A name safe in a file name and a Subject: LDH, '.', '_'. */
static int
name_ok(const char *d)
{
	if (*d == '\0' || *d == '.')
		return 0;
	for (; *d; d++)
		if (!((*d >= 'a' && *d <= 'z') || (*d >= 'A' && *d <= 'Z') ||
		    (*d >= '0' && *d <= '9') || *d == '-' || *d == '.' ||
		    *d == '_'))
			return 0;
	return 1;
}

struct pubrow {
	struct rs_report *r;
	char *rua;
	int nomem;
};

static int
pub_row(void *arg, int n, const char *const *c)
{
	struct pubrow *p = arg;
	char **f[10] = { &p->r->p, &p->r->sp, &p->r->np, &p->r->adkim,
	    &p->r->aspf, &p->r->testing, &p->r->fo, &p->r->discovery, &p->rua,
	    &p->r->pct };
	int i;

	for (i = 0; i < 10 && i < n; i++)
		if ((*f[i] = strdup(c[i] != NULL ? c[i] : "")) == NULL)
			p->nomem = 1;
	return 1;
}

static void
report_clear(struct rs_report *r)
{
	free(r->p);
	free(r->sp);
	free(r->np);
	free(r->adkim);
	free(r->aspf);
	free(r->testing);
	free(r->fo);
	free(r->discovery);
	free(r->pct);
	memset(r, 0, sizeof(*r));
}

/* The record in force for the period (the latest row's), and its rua. */
static enum vouch_status
published(struct rs_send *s, struct rs_report *r, char **rua)
{
	char b[2][32], w[32];
	const char *p[4] = { r->policy_domain, b[0], b[1], w };
	struct pubrow pr = { r, NULL, 0 };
	enum vouch_status e;

	snprintf(b[0], sizeof(b[0]), "%lld", (long long)r->begin);
	snprintf(b[1], sizeof(b[1]), "%lld", (long long)r->end);
	snprintf(w, sizeof(w), "%lld", s->wm);
	e = vouch__rs_query(s->st, "SELECT p, sp, np, adkim, aspf, testing, "
	    "fo, discovery, rua, pct FROM vouch_rows WHERE policy_domain = $1 AND "
	    "t >= $2 AND t < $3 AND done = 0 AND id <= $4 ORDER BY id DESC "
	    "LIMIT 1", 4, p, pub_row, &pr, s->err);
	if (e == VOUCH_OK && pr.nomem)
		e = vouch__err(s->err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	*rua = pr.rua;
	return e;
}

/* Each rua= destination of the period's record. */
static enum vouch_status
destinations(struct rs_send *s, struct rs_report *r, const char *rua,
    int *all_done)
{
	char *copy = strdup(rua), *uri, *save = NULL, *addr, key[300];
	enum vouch_status e = VOUCH_OK;
	uint64_t limit;
	int n = 0, done;

	if (copy == NULL)
		return vouch__err(s->err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	for (uri = strtok_r(copy, ",", &save); uri != NULL && e == VOUCH_OK &&
	    n < RS_MAX_DEST; uri = strtok_r(NULL, ",", &save), n++) {
		if (vouch__rs_mailto(uri, &addr, &limit) != 0) {
			vouch__rs_say(s, "%s: rua %s: not a mailto: address vouch "
			    "can use, skipped", r->policy_domain, uri);
			continue;
		}
		if (!vouch__rs_dest_ok(s, r->policy_domain, addr)) {
			s->stats->refused++;
			*all_done = 0;
		} else if (s->o->dir == NULL) {
			snprintf(key, sizeof(key), "mailto:%s", addr);
			e = vouch__rs_deliver(s, r, key, addr, limit, &done);
			*all_done &= done;
		} else {
			free(addr);
			e = vouch__rs_deliver(s, r, "dir", NULL, 0, &done);
			*all_done &= done;
			break;	/* one file for the period */
		}
		free(addr);
	}
	free(copy);
	return e;
}

static enum vouch_status
mark_done(struct rs_send *s, const struct rs_report *r)
{
	char b[2][32], w[32];
	const char *p[4] = { r->policy_domain, b[0], b[1], w };

	snprintf(b[0], sizeof(b[0]), "%lld", (long long)r->begin);
	snprintf(b[1], sizeof(b[1]), "%lld", (long long)r->end);
	snprintf(w, sizeof(w), "%lld", s->wm);
	return vouch__rs_exec(s->st, "UPDATE vouch_rows SET done = 1 WHERE "
	    "policy_domain = $1 AND t >= $2 AND t < $3 AND done = 0 AND "
	    "id <= $4", 4, p, NULL, s->err);
}

static enum vouch_status
candidate(struct rs_send *s, const struct cand *c)
{
	struct rs_report r;
	enum vouch_status e;
	char *rua = NULL;
	int all_done = 1;

	memset(&r, 0, sizeof(r));
	r.policy_domain = c->domain;
	r.begin = c->begin;
	r.end = c->begin + s->o->period;
	if (!name_ok(c->domain)) {
		vouch__rs_say(s, "%s: not a domain name, not reported",
		    c->domain);
		return VOUCH_OK;
	}
	e = published(s, &r, &rua);
	if (e == VOUCH_OK && rua != NULL && rua[0] != '\0')
		e = destinations(s, &r, rua, &all_done);
	/* a record without rua= wants no reports: its rows are done */
	if (e == VOUCH_OK && all_done && !s->o->dry_run)
		e = mark_done(s, &r);
	free(rua);
	report_clear(&r);
	return e;
}

static enum vouch_status
find_candidates(struct rs_send *s, struct cands *cs, int64_t limit)
{
	char per[32], w[32], lim[32];
	const char *p[3] = { per, w, lim };
	enum vouch_status e;

	snprintf(per, sizeof(per), "%lld", (long long)s->o->period);
	snprintf(w, sizeof(w), "%lld", s->wm);
	snprintf(lim, sizeof(lim), "%lld", (long long)limit);
	e = vouch__rs_query(s->st, "SELECT policy_domain, t - t % $1 AS b "
	    "FROM vouch_rows WHERE done = 0 AND id <= $2 AND t < $3 "
	    "GROUP BY policy_domain, b ORDER BY policy_domain, b", 3, p,
	    cand_row, cs, s->err);
	if (e == VOUCH_OK && cs->nomem)
		e = vouch__err(s->err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	return e;
}

static enum vouch_status
expire(struct rs_send *s)
{
	char t[32];
	const char *p[1] = { t };
	long n = 0, m = 0;
	enum vouch_status e;

	if (s->o->expire_days == 0 || s->o->dry_run)
		return VOUCH_OK;
	snprintf(t, sizeof(t), "%lld", (long long)(s->now -
	    (int64_t)s->o->expire_days * 86400));
	if ((e = vouch__rs_exec(s->st, "DELETE FROM vouch_rows WHERE t < $1",
	    1, p, &n, s->err)) == VOUCH_OK)
		e = vouch__rs_exec(s->st, "DELETE FROM vouch_sent WHERE "
		    "period_begin < $1", 1, p, &m, s->err);
	s->stats->expired = (unsigned long)n;
	return e;
}

static enum vouch_status
run_locked(struct rs_send *s);

static enum vouch_status
check_opts(const struct vouch_report_send_opts *o, struct vouch_error *err)
{
	if (o->org_name == NULL || o->email == NULL || o->receiver == NULL)
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1, "reports need "
		    "an organization name, an e-mail address and a receiver "
		    "domain");
	if (o->period != 86400 && o->period != 3600)
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1, "the period is "
		    "a day (86400) or an hour (3600)");
	if (!name_ok(o->receiver))
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1, "%s: the "
		    "receiver must be a domain name", o->receiver);
	return VOUCH_OK;
}

static enum vouch_status
run_locked(struct rs_send *s)
{
	struct cands cs = { NULL, 0, 0, 0 };
	int64_t until = s->o->until > 0 ? s->o->until : s->now;
	enum vouch_status e;
	size_t i;

	if ((e = vouch__rs_txn(s->st, watermark, s, s->err)) != VOUCH_OK ||
	    (e = find_candidates(s, &cs, until - until % s->o->period)) !=
	    VOUCH_OK)
		goto out;
	for (i = 0; i < cs.n && e == VOUCH_OK; i++)
		e = candidate(s, &cs.v[i]);
	if (e == VOUCH_OK)
		e = expire(s);
out:
	cands_clear(&cs);
	return e;
}

/* One sender at a time per store (a lease, taken over after an hour):
 * claims never race, so ranges never leave a gap. */
static enum vouch_status
lock_run(struct rs_send *s, int take, const char *stamp, int *got)
{
	char stale[32];
	const char *p[1] = { stamp }, *q[1] = { stale };
	enum vouch_status e;
	long n = 0;

	if (!take)
		return vouch__rs_exec(s->st, "DELETE FROM vouch_meta WHERE "
		    "name = 'send-lock' AND value = $1", 1, p, NULL, s->err);
	snprintf(stale, sizeof(stale), "%lld", (long long)(s->now - 3600));
	if ((e = vouch__rs_exec(s->st, "DELETE FROM vouch_meta WHERE name = "
	    "'send-lock' AND value < $1", 1, q, NULL, s->err)) != VOUCH_OK ||
	    (e = vouch__rs_exec(s->st, "INSERT INTO vouch_meta (name, value) "
	    "VALUES ('send-lock', $1) ON CONFLICT DO NOTHING", 1, p, &n,
	    s->err)) != VOUCH_OK)
		return e;
	*got = n == 1;
	return VOUCH_OK;
}

static enum vouch_status
run(struct rs_send *s)
{
	char stamp[32];
	int got = 1;
	enum vouch_status e;

	snprintf(stamp, sizeof(stamp), "%lld", (long long)s->now);
	if (!s->o->dry_run && (e = lock_run(s, 1, stamp, &got)) != VOUCH_OK)
		return e;
	if (!got)
		return vouch__err(s->err, VOUCH_E_STORE, NULL, -1, "another "
		    "'vouch report send' is running on this store");
	e = run_locked(s);
	if (!s->o->dry_run)
		(void)lock_run(s, 0, stamp, &got);
	return e;
}

enum vouch_status
vouch_report_send(struct vouch_report_store *st,
    const struct vouch_report_send_opts *o,
    struct vouch_report_send_stats *stats, struct vouch_error *err)
{
	struct vouch_report_send_stats dummy;
	struct vouch_report_send_opts oc;
	struct rs_send s;
	enum vouch_status e;
	const char *at;

	if (st == NULL || o == NULL)
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1, "no store");
	oc = *o;
	if (oc.receiver == NULL && oc.email != NULL &&
	    (at = strrchr(oc.email, '@')) != NULL)
		oc.receiver = at + 1;
	if (oc.period == 0)
		oc.period = 86400;
	if ((e = check_opts(&oc, err)) != VOUCH_OK)
		return e;
	memset(&s, 0, sizeof(s));
	s.st = st;
	s.o = &oc;
	s.stats = stats != NULL ? stats : &dummy;
	memset(s.stats, 0, sizeof(*s.stats));
	s.err = err;
	s.now = (int64_t)time(NULL);
	if ((e = vouch_report_store_flush(st, err)) != VOUCH_OK)
		return e;
	pthread_mutex_lock(&st->db_mu);
	e = run(&s);
	pthread_mutex_unlock(&st->db_mu);
	if (e == VOUCH_OK && s.stats->failed > 0)
		e = vouch__err(err, VOUCH_E_IO, NULL, -1, "%lu report(s) could "
		    "not be delivered; their rows stay unsent",
		    s.stats->failed);
	return e;
}
