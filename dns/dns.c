/*
 * The DNS front end: fault injection, zone and overlay files, the TTL cache
 * and the live resolver, in that order, with CNAME chains followed here so
 * every backend gives the same answers.
 */
#include "config.h"

#include <arpa/inet.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns_int.h"
#include "common/util.h"

/* A live query on the wire: callers that want the same name and type
 * while it is out wait for its answer instead of asking again. */
struct inflight {
	char *name;
	uint16_t type;
	int done, waiters;
	enum vouch_status st;
	struct vouch_dns_answer *a;	/* the answer, while waiters remain */
	pthread_cond_t cv;
	struct inflight *next;
};

struct fault {
	char *name;
	int type;	/* 0: every type */
	enum vouch_dns_fault kind;
	struct fault *next;
};

struct vouch_dns {
	struct dns_store *store;	/* zone and overlay records */
	int offline;			/* a --dns-zone was loaded */
	int have_store;
	struct dns_live *live;
	struct dns_cache *cache;
	struct fault *faults;
	unsigned int timeout_ms, tries;
	int64_t (*now)(void *);
	void *now_arg;
	unsigned long queries, hits, upstream, tempfail;	/* atomic */
	struct dns_recorder *rec;	/* --dns-record */
	pthread_mutex_t imu;		/* guards inflight */
	struct inflight *inflight;
	unsigned int prefetching;	/* threads of vouch__dns_prefetch, */
	pthread_cond_t pdone;		/* under imu; free waits for them */
};

struct vouch_dns *
vouch_dns_new(void)
{
	struct vouch_dns *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if ((d->store = dns_store_new()) == NULL ||
	    (d->cache = dns_cache_new(10000)) == NULL) {
		dns_store_free(d->store);
		free(d);
		return NULL;
	}
	d->timeout_ms = 5000;
	d->tries = 2;
	pthread_mutex_init(&d->imu, NULL);
	pthread_cond_init(&d->pdone, NULL);
	return d;
}

void
vouch_dns_free(struct vouch_dns *d)
{
	struct fault *f, *fn;

	if (d == NULL)
		return;
	/* a prefetch still on the wire uses the handle */
	pthread_mutex_lock(&d->imu);
	while (d->prefetching > 0)
		pthread_cond_wait(&d->pdone, &d->imu);
	pthread_mutex_unlock(&d->imu);
	pthread_cond_destroy(&d->pdone);
	for (f = d->faults; f != NULL; f = fn) {
		fn = f->next;
		free(f->name);
		free(f);
	}
	dns_store_free(d->store);
	dns_cache_free(d->cache);
	dns_recorder_close(d->rec);
	dns_live_free(d->live);
	pthread_mutex_destroy(&d->imu);
	free(d);
}

enum vouch_status
vouch_dns_set_live(struct vouch_dns *d, const char *server,
    struct vouch_error *err)
{
	struct dns_live *l;
	enum vouch_status st;

	if ((st = dns_live_new(&l, server, err)) != VOUCH_OK)
		return st;
	dns_live_free(d->live);
	d->live = l;
	return VOUCH_OK;
}

void
vouch_dns_set_timeout(struct vouch_dns *d, unsigned int timeout_ms,
    unsigned int tries)
{
	d->timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
	d->tries = tries > 0 ? tries : 1;
}

enum vouch_status
vouch_dns_load_zone(struct vouch_dns *d, const char *path,
    const char *origin, int overlay, struct vouch_error *err)
{
	enum vouch_status st;

	if ((st = dns_store_load_file(d->store, path, origin,
	    (overlay & VOUCH_DNS_LOAD_REPLACE) != 0, err)) != VOUCH_OK)
		return st;
	d->have_store = 1;
	if (!(overlay & VOUCH_DNS_LOAD_OVERLAY))
		d->offline = 1;
	return VOUCH_OK;
}

enum vouch_status
vouch_dns_add_rr(struct vouch_dns *d, const char *line,
    struct vouch_error *err)
{
	enum vouch_status st;

	if ((st = dns_store_add_line(d->store, line, err)) == VOUCH_OK)
		d->have_store = d->offline = 1;
	return st;
}

enum vouch_status
vouch_dns_add_raw(struct vouch_dns *d, const char *name,
    enum vouch_dns_type type, const void *data, size_t len, uint32_t ttl)
{
	enum vouch_status st;
	unsigned int pref = 0;
	const char *p = data;

	if (type == VOUCH_DNS_MX) {
		/* "PREF NAME", parsed within len: data need not end in NUL */
		const char *sp = p != NULL ? memchr(p, ' ', len) : NULL;
		uint64_t v;

		if (sp == NULL || vouch__parse_u64(p, (size_t)(sp - p), 65535,
		    &v) != 0)
			return VOUCH_E_INVAL;
		pref = (unsigned int)v;
		len -= (size_t)(sp + 1 - p);
		p = sp + 1;
	}
	if (type == 0)
		len = 0;	/* the name exists, with no data */
	else if ((type == VOUCH_DNS_A && len != 4) ||
	    (type == VOUCH_DNS_AAAA && len != 16))
		return VOUCH_E_INVAL;
	st = dns_store_add(d->store, name, (uint16_t)type, p, len, pref, ttl,
	    type == VOUCH_DNS_TXT ? (len + 254) / 255 : 0,
	    type == VOUCH_DNS_TXT ? (len < 255 ? len : 255) : 0);
	if (st == VOUCH_OK)
		d->have_store = d->offline = 1;
	return st;
}

enum vouch_status
vouch_dns_add_fault(struct vouch_dns *d, const char *name, int type,
    enum vouch_dns_fault kind)
{
	struct fault *f;

	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->name = vouch__name_norm(name)) == NULL) {
		free(f);
		return VOUCH_E_NOMEM;
	}
	f->type = type;
	f->kind = kind;
	f->next = d->faults;
	d->faults = f;
	return VOUCH_OK;
}

enum vouch_status
vouch_dns_add_fault_spec(struct vouch_dns *d, const char *spec,
    struct vouch_error *err)
{
	const char *eq = strrchr(spec, '='), *slash;
	enum vouch_dns_fault kind;
	char name[256], tname[16];
	size_t n;
	int type = 0;

	if (eq == NULL)
		goto bad;
	if (strcmp(eq + 1, "timeout") == 0)
		kind = VOUCH_DNS_FAULT_TIMEOUT;
	else if (strcmp(eq + 1, "servfail") == 0)
		kind = VOUCH_DNS_FAULT_SERVFAIL;
	else
		goto bad;
	slash = memchr(spec, '/', (size_t)(eq - spec));
	n = (size_t)((slash != NULL ? slash : eq) - spec);
	if (n == 0 || n >= sizeof(name))
		goto bad;
	memcpy(name, spec, n);
	name[n] = '\0';
	if (slash != NULL) {
		size_t tn = (size_t)(eq - slash - 1);

		if (tn == 0 || tn >= sizeof(tname))
			goto bad;
		memcpy(tname, slash + 1, tn);
		tname[tn] = '\0';
		if ((type = vouch_dns_type_parse(tname)) == 0)
			goto bad;
	}
	return vouch_dns_add_fault(d, name, type, kind);
bad:
	return vouch__err(err, VOUCH_E_INVAL, NULL, -1,
	    "%s: expected NAME[/TYPE]=timeout|servfail", spec);
}

void
vouch_dns_set_cache_size(struct vouch_dns *d, size_t entries)
{
	dns_cache_set_max(d->cache, entries);
}

void
vouch_dns_set_clock(struct vouch_dns *d, int64_t (*now)(void *), void *arg)
{
	d->now = now;
	d->now_arg = arg;
}

static int64_t
clock_now(const struct vouch_dns *d)
{
	return d->now != NULL ? d->now(d->now_arg) : (int64_t)time(NULL);
}

static const struct fault *
fault_for(const struct vouch_dns *d, const char *name, uint16_t type)
{
	const struct fault *f;
	size_t n = strlen(name);

	if (n > 0 && name[n - 1] == '.')
		n--;
	for (f = d->faults; f != NULL; f = f->next)
		if ((f->type == 0 || f->type == type) &&
		    strlen(f->name) == n && vouch__memcaseeq(f->name, name, n))
			return f;
	return NULL;
}

static void
inflight_free(struct inflight *f)
{
	vouch_dns_answer_free(f->a);
	pthread_cond_destroy(&f->cv);
	free(f->name);
	free(f);
}

/* The same name and type already on the wire, or NULL; under d->imu. */
static struct inflight *
inflight_find(struct vouch_dns *d, const char *name, uint16_t type)
{
	struct inflight *f;
	size_t n = strlen(name);

	for (f = d->inflight; f != NULL; f = f->next)
		if (f->type == type && strlen(f->name) == n &&
		    vouch__memcaseeq(f->name, name, n))
			return f;
	return NULL;
}

/* Wait for the query f to finish and take its answer; under d->imu,
 * which it releases. */
static enum vouch_status
inflight_wait(struct vouch_dns *d, struct inflight *f,
    struct vouch_dns_answer **out)
{
	enum vouch_status st;

	f->waiters++;
	while (!f->done)
		pthread_cond_wait(&f->cv, &d->imu);
	st = f->st;
	if (st == VOUCH_OK)
		*out = dns_answer_ref(f->a);
	if (--f->waiters == 0)
		inflight_free(f);
	pthread_mutex_unlock(&d->imu);
	return st;
}

/* The query f is answered: hand the answer to its waiters. */
static void
inflight_finish(struct vouch_dns *d, struct inflight *f,
    enum vouch_status st, struct vouch_dns_answer *a)
{
	struct inflight **pp;

	pthread_mutex_lock(&d->imu);
	for (pp = &d->inflight; *pp != f; pp = &(*pp)->next)
		;
	*pp = f->next;
	f->done = 1;
	f->st = st;
	f->a = st == VOUCH_OK ? dns_answer_ref(a) : NULL;
	pthread_cond_broadcast(&f->cv);
	if (f->waiters == 0)
		inflight_free(f);
	pthread_mutex_unlock(&d->imu);
}

/* Ask the live resolver (the caller's budget caps tries and timeout) and
 * cache what may be cached. */
static enum vouch_status
live_ask(struct vouch_dns *d, const char *name, uint16_t type,
    unsigned int budget_ms, int64_t now, struct vouch_dns_answer **out)
{
	unsigned int per_try = d->timeout_ms, tries = d->tries;
	struct vouch_dns_answer *a;
	enum vouch_status st;

	__atomic_add_fetch(&d->upstream, 1, __ATOMIC_RELAXED);
	if (budget_ms > 0 && budget_ms < per_try * tries) {
		if (per_try > budget_ms)
			per_try = budget_ms;
		tries = budget_ms / per_try;
		if (tries < 1)
			tries = 1;
	}
	st = dns_live_query(d->live, name, type, per_try, tries, &a);
	if (st != VOUCH_OK)
		return st;
	if ((a->rcode == VOUCH_DNS_ANSWER || a->rcode == VOUCH_DNS_NXDOMAIN ||
	    a->rcode == VOUCH_DNS_NODATA) && a->ttl > 0)
		dns_cache_put(d->cache, name, type, a, now + a->ttl);
	*out = a;
	return VOUCH_OK;
}

/* The cache, else one query on the wire per name and type however many
 * threads want it at once (a waiter waits as long as the query's owner
 * may, within the resolver's own timeout and tries). */
static enum vouch_status
live_lookup(struct vouch_dns *d, const char *name, uint16_t type,
    unsigned int budget_ms, struct vouch_dns_answer **out)
{
	struct vouch_dns_answer *a = NULL;
	struct inflight *f;
	enum vouch_status st;
	int64_t now = clock_now(d);

	if ((a = dns_cache_get(d->cache, name, type, now)) != NULL) {
		__atomic_add_fetch(&d->hits, 1, __ATOMIC_RELAXED);
		*out = a;
		return VOUCH_OK;
	}
	pthread_mutex_lock(&d->imu);
	if ((f = inflight_find(d, name, type)) != NULL)
		return inflight_wait(d, f, out);
	/* answered between the first look and the lock? */
	if ((a = dns_cache_get(d->cache, name, type, now)) != NULL) {
		pthread_mutex_unlock(&d->imu);
		__atomic_add_fetch(&d->hits, 1, __ATOMIC_RELAXED);
		*out = a;
		return VOUCH_OK;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->name = strdup(name)) == NULL) {
		pthread_mutex_unlock(&d->imu);
		free(f);
		return VOUCH_E_NOMEM;
	}
	f->type = type;
	pthread_cond_init(&f->cv, NULL);
	f->next = d->inflight;
	d->inflight = f;
	pthread_mutex_unlock(&d->imu);
	st = live_ask(d, name, type, budget_ms, now, &a);
	inflight_finish(d, f, st, a);
	if (st == VOUCH_OK)
		*out = a;
	return st;
}

/* One step: the answer for exactly this name, maybe a CNAME to follow. */
static enum vouch_status
lookup_one(struct vouch_dns *d, const char *name, uint16_t type,
    unsigned int budget_ms, struct vouch_dns_answer **out)
{
	const struct fault *f;
	enum vouch_status st;

	if ((f = fault_for(d, name, type)) != NULL) {
		*out = dns_answer_new(type, VOUCH_DNS_TEMPFAIL, 0);
		return *out != NULL ? VOUCH_OK : VOUCH_E_NOMEM;
	}
	if (d->have_store) {
		if ((st = dns_store_lookup(d->store, name, type, out)) !=
		    VOUCH_OK || *out != NULL)
			return st;
	}
	if (d->live == NULL || d->offline) {
		*out = dns_answer_new(type, VOUCH_DNS_NXDOMAIN, 0);
		return *out != NULL ? VOUCH_OK : VOUCH_E_NOMEM;
	}
	return live_lookup(d, name, type, budget_ms, out);
}

enum vouch_status
vouch_dns_query(struct vouch_dns *d, const char *name,
    enum vouch_dns_type type, struct vouch_dns_answer **answer,
    struct vouch_error *err)
{
	return vouch_dns_query_within(d, name, type, 0, answer, err);
}

enum vouch_status
vouch_dns_query_within(struct vouch_dns *d, const char *name,
    enum vouch_dns_type type, unsigned int budget_ms,
    struct vouch_dns_answer **answer, struct vouch_error *err)
{
	struct vouch_dns_answer *a = NULL;
	char *cur = NULL;
	enum vouch_status st;
	int hops;

	if (d == NULL || name == NULL || answer == NULL)
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1,
		    "missing argument");
	__atomic_add_fetch(&d->queries, 1, __ATOMIC_RELAXED);
	if (!dns_name_valid(name)) {
		/* Such a name cannot exist (RFC 1035 2.3.4): never asked,
		 * never recorded. */
		*answer = dns_answer_new((uint16_t)type, VOUCH_DNS_NXDOMAIN, 0);
		return *answer != NULL ? VOUCH_OK : VOUCH_E_NOMEM;
	}
	for (hops = 0;; hops++) {
		st = lookup_one(d, cur != NULL ? cur : name, (uint16_t)type,
		    budget_ms, &a);
		if (st != VOUCH_OK)
			goto fail;
		if (a->cname == NULL || type == VOUCH_DNS_CNAME)
			break;
		if (hops >= VOUCH_DNS_MAX_CNAME) {
			/* A CNAME loop or an absurd chain: server failure. */
			vouch_dns_answer_free(a);
			a = dns_answer_new((uint16_t)type, VOUCH_DNS_TEMPFAIL, 0);
			if (a == NULL) {
				st = VOUCH_E_NOMEM;
				goto fail;
			}
			break;
		}
		free(cur);
		cur = strdup(a->cname);
		vouch_dns_answer_free(a);
		a = NULL;
		if (cur == NULL) {
			st = VOUCH_E_NOMEM;
			goto fail;
		}
	}
	free(cur);
	if (a->rcode == VOUCH_DNS_TEMPFAIL || a->rcode == VOUCH_DNS_MALFORMED)
		__atomic_add_fetch(&d->tempfail, 1, __ATOMIC_RELAXED);
	/* a snapshot keeps the answer under the name asked (a CNAME chain
	 * flattened: the replay gives the same answer for it) */
	if (d->rec != NULL)
		dns_recorder_add(d->rec, name, (unsigned int)type, a);
	*answer = a;
	return VOUCH_OK;
fail:
	free(cur);
	return vouch__err(err, st, NULL, -1, "%s: %s", name, vouch_strerror(st));
}

enum vouch_status
vouch_dns_record_to(struct vouch_dns *d, const char *path,
    struct vouch_error *err)
{
	if (d->rec != NULL)
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1,
		    "already recording");
	if ((d->rec = dns_recorder_open(path, err)) == NULL)
		return err != NULL && err->status != VOUCH_OK ? err->status :
		    VOUCH_E_IO;
	return VOUCH_OK;
}

int
vouch_dns_is_live(const struct vouch_dns *d)
{
	return d != NULL && d->live != NULL && !d->offline;
}

int
vouch_dns_is_recording(const struct vouch_dns *d)
{
	return d != NULL && d->rec != NULL;
}

void
vouch_dns_stats(const struct vouch_dns *d, struct vouch_dns_stats *s)
{
	s->queries = __atomic_load_n(&d->queries, __ATOMIC_RELAXED);
	s->cache_hits = __atomic_load_n(&d->hits, __ATOMIC_RELAXED);
	s->upstream = __atomic_load_n(&d->upstream, __ATOMIC_RELAXED);
	s->tempfail = __atomic_load_n(&d->tempfail, __ATOMIC_RELAXED);
}

char *
vouch_dns_ptr_name(const char *ip)
{
	unsigned char a[16];
	char buf[80];
	int v6 = 0;

	if (inet_pton(AF_INET, ip, a) != 1) {
		if (inet_pton(AF_INET6, ip, a) != 1)
			return NULL;
		v6 = 1;
	}
	vouch__dns_reverse(a, v6, buf, sizeof(buf));
	return strdup(buf);
}

int
vouch__dns_waits(const struct vouch_dns *d)
{
	return d != NULL && d->live != NULL && !d->offline;
}

struct prefetch {
	struct vouch_dns *d;
	char *name;
	enum vouch_dns_type type;
};

/* One prefetch thread fewer; the last wakes vouch_dns_free(). */
static void
prefetch_done(struct vouch_dns *d)
{
	pthread_mutex_lock(&d->imu);
	if (--d->prefetching == 0)
		pthread_cond_broadcast(&d->pdone);
	pthread_mutex_unlock(&d->imu);
}

static void *
prefetch_one(void *arg)
{
	struct prefetch *p = arg;
	struct vouch_dns *d = p->d;
	struct vouch_dns_answer *a = NULL;

	if (vouch_dns_query(d, p->name, p->type, &a, NULL) == VOUCH_OK)
		vouch_dns_answer_free(a);
	free(p->name);
	free(p);
	prefetch_done(d);
	return NULL;
}

void
vouch__dns_prefetch(struct vouch_dns *d, const char *name,
    enum vouch_dns_type type)
{
	struct prefetch *p;
	pthread_attr_t at;
	pthread_t t;

	if (!vouch__dns_waits(d) || (p = calloc(1, sizeof(*p))) == NULL)
		return;
	if ((p->name = strdup(name)) == NULL) {
		free(p);
		return;
	}
	p->d = d;
	p->type = type;
	pthread_mutex_lock(&d->imu);
	d->prefetching++;
	pthread_mutex_unlock(&d->imu);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, 256 * 1024);
	if (pthread_create(&t, &at, prefetch_one, p) != 0) {
		free(p->name);
		free(p);
		prefetch_done(d);
	}
	pthread_attr_destroy(&at);
}
