/*
 * An archive run (include/vouch/archive.h): messages taken lazily from the
 * inputs into a ring of ARCHIVE_RING, verified by worker threads a batch
 * at a time, handed back in input order on the caller's thread.  The
 * message bytes held at once are bounded (inflight_max), so however large
 * an archive is, only read buffers and a window of messages are in memory.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_int.h"
#include "common/util.h"

enum vouch_status
vouch_archive_new(struct vouch_auth_ctx *actx,
    const struct vouch_auth_conn *conn, struct vouch_archive **out)
{
	struct vouch_archive *a;

	if (actx == NULL || out == NULL)
		return VOUCH_E_INVAL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return VOUCH_E_NOMEM;
	a->actx = actx;
	if (conn != NULL)
		a->conn = *conn;
	a->jobs = 1;
	a->max_msg = VOUCH_ARCHIVE_MAX_MESSAGE;
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	*out = a;
	return VOUCH_OK;
}

/* Only the message sources, for readers of other things than verdicts
 * (report/ reads mailboxes of reports with it). */
enum vouch_status
vouch__archive_new_source(struct vouch_archive **out)
{
	struct vouch_archive *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return VOUCH_E_NOMEM;
	a->jobs = 1;
	a->max_msg = VOUCH_ARCHIVE_MAX_MESSAGE;
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	*out = a;
	return VOUCH_OK;
}

void
vouch_archive_set_jobs(struct vouch_archive *a, unsigned int jobs)
{
	a->jobs = jobs < 1 ? 1 : jobs > 1024 ? 1024 : jobs;
}

void
vouch_archive_set_mbox_format(struct vouch_archive *a,
    enum vouch_mbox_format format)
{
	a->mbox_format = format;
}

void
vouch_archive_set_discard(struct vouch_archive *a,
    void (*discard)(void *arg, void *kept))
{
	a->discard = discard;
}

void
vouch_archive_set_max_message(struct vouch_archive *a, size_t bytes)
{
	a->max_msg = bytes < 1024 ? 1024 : bytes;
}

enum vouch_status
vouch_archive_add(struct vouch_archive *a, const char *path,
    struct vouch_error *err)
{
	if (a == NULL || path == NULL)
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1,
		    "missing argument");
	return vouch__archive_add_path(a, path, err);
}

size_t
vouch_archive_inputs(const struct vouch_archive *a)
{
	return a->n;
}

int
vouch_archive_has_streams(const struct vouch_archive *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->in[i].kind == IN_STREAM)
			return 1;
	return 0;
}

static void
item_clear(struct item *it)
{
	free(it->path);
	free(it->own);
	it->path = NULL;
	it->own = NULL;
}

/* One verification of data read as how says ">From " lines are: the
 * finished verdict, or NULL (it->m.error says why). */
static struct vouch_auth *
verify_as(struct vouch_archive *a, struct item *it, const char *how)
{
	struct vouch_auth *au = NULL;
	enum vouch_status st;

	if (vouch_auth_new(a->actx, &a->conn, &au) != VOUCH_OK) {
		it->m.error = VOUCH_E_NOMEM;
		it->m.error_text = "out of memory";
		return NULL;
	}
	if (strcmp(how, "mboxrd") == 0)
		vouch_auth_feed_mboxrd(au, it->m.data, it->m.len);
	else if (strcmp(how, "mboxo") == 0)
		vouch_auth_feed_mboxo(au, it->m.data, it->m.len);
	else
		vouch_auth_feed(au, it->m.data, it->m.len);
	if (it->m.too_large)
		vouch_auth_mark_too_large(au, a->max_msg);
	if ((st = vouch_auth_finish(au, NULL)) != VOUCH_OK) {
		it->m.error = st;
		it->m.error_text = vouch_strerror(st);
		vouch_auth_free(au);
		return NULL;
	}
	return au;
}

/* Did a signature fail on its body hash (the body read differently)? */
static int
body_hash_failed(const struct vouch_auth *au)
{
	size_t i;

	for (i = 0; i < vouch_auth_dkim_count(au); i++) {
		const struct vouch_dkim_sig *g = vouch_auth_dkim_sig(au, i);

		if (g->result == VOUCH_DKIM_FAIL &&
		    strncmp(g->reason, "body hash mismatch", 18) == 0)
			return 1;
	}
	return 0;
}

/* How an mbox message's ">From " lines are read first. */
static const char *
unquoting(const struct vouch_archive *a, const struct item *it)
{
	if (!it->m.in_mbox)
		return NULL;
	switch (a->mbox_format) {
	case VOUCH_MBOX_MBOXO:
		return "mboxo";
	case VOUCH_MBOX_MBOXCL:
		return "mboxo";		/* mboxcl quotes as mboxo does */
	case VOUCH_MBOX_MBOXCL2:
		return "none";
	default:
		return it->unquoted ? "none" : "mboxrd";
	}
}

/* In auto: a body hash that fails on the mboxrd reading of a message with
 * ">From " lines is tried again with the lines as written; the reading
 * that verifies is kept, marked guessed. */
static struct vouch_auth *
second_reading(struct vouch_archive *a, struct item *it,
    struct vouch_auth *au)
{
	struct vouch_auth *again;

	if (a->mbox_format != VOUCH_MBOX_AUTO || it->m.unquoting == NULL ||
	    strcmp(it->m.unquoting, "mboxrd") != 0 || !body_hash_failed(au) ||
	    !vouch_mbox_has_quoted_from(it->m.data, it->m.len))
		return au;
	if ((again = verify_as(a, it, "none")) == NULL) {
		it->m.error = VOUCH_OK;	/* keep the first reading */
		return au;
	}
	if (body_hash_failed(again)) {
		vouch_auth_free(again);
		return au;
	}
	vouch_auth_free(au);
	it->m.unquoting = "none";
	it->m.guessed = 1;
	return again;
}

/* One message, on a worker: read (a message file), verified, and what
 * the caller keeps of it. */
static void
verify_item(struct vouch_archive *a, struct item *it)
{
	struct vouch_auth *au;
	unsigned char *buf = NULL;
	enum vouch_status st;
	int cut = 0;

	if (it->m.error != VOUCH_OK)
		return;		/* a record of a source that was unreadable */
	if (it->path != NULL) {
		if ((st = vouch__archive_read_file(it->path, a->max_msg, &buf,
		    &it->m.len, &cut)) != VOUCH_OK) {
			it->m.error = st;
			snprintf(it->errbuf, sizeof(it->errbuf), "%s",
			    vouch_strerror(st));
			it->m.error_text = it->errbuf;
			return;
		}
		it->m.data = buf;
		it->m.too_large = cut;
	}
	it->m.unquoting = unquoting(a, it);
	au = verify_as(a, it, it->m.unquoting != NULL ? it->m.unquoting :
	    "none");
	if (au != NULL)
		au = second_reading(a, it, au);
	if (au != NULL) {
		it->kept = a->verified != NULL ? a->verified(a->arg, &it->m,
		    au) : NULL;
		vouch_auth_free(au);
	}
	if (buf != NULL) {	/* a worker's read: the data goes with it */
		free(buf);
		it->m.data = NULL;
		it->m.len = 0;
	}
}

/* May a worker take another message?  The ring has room, and the bytes
 * held are under the budget (or nothing is held: one message always
 * goes, however large). */
static int
room(const struct vouch_archive *a)
{
	return a->next_job - a->next_print < ARCHIVE_RING &&
	    (a->inflight <= a->inflight_max || a->next_job == a->next_print);
}

/* How many messages to take next turn: more while they are quick to check
 * (the handing over would be the cost), one at a time as soon as one waits
 * (on DNS): a batch taken then would hold messages other workers could be
 * checking meanwhile. */
static size_t
next_batch(size_t want, size_t n, int64_t us)
{
	if (us / (int64_t)n > 500)
		return 1;
	return want * 2 < ARCHIVE_BATCH ? want * 2 : ARCHIVE_BATCH;
}

/* Take up to want messages from the ring; 0 at the end.  Under a->mu. */
static size_t
take(struct vouch_archive *a, struct item **batch, size_t want)
{
	size_t n = 0;

	while (!a->eof && !a->stop && !room(a)) {
		a->waiting++;
		pthread_cond_wait(&a->cv, &a->mu);
		a->waiting--;
	}
	while (n < want && !a->eof && !a->stop && room(a)) {
		struct item *it = &a->ring[a->next_job % ARCHIVE_RING];

		if (!vouch__archive_next(a, it))
			break;
		a->next_job++;
		batch[n++] = it;
	}
	return n;
}

static void *
worker(void *arg)
{
	struct vouch_archive *a = arg;
	size_t want = 1;

	for (;;) {
		struct item *batch[ARCHIVE_BATCH];
		size_t n, i;
		int64_t t0;

		pthread_mutex_lock(&a->mu);
		if ((n = take(a, batch, want)) == 0) {
			pthread_cond_broadcast(&a->cv);
			pthread_mutex_unlock(&a->mu);
			return NULL;
		}
		pthread_mutex_unlock(&a->mu);
		t0 = vouch__mono_us();
		for (i = 0; i < n; i++)
			verify_item(a, batch[i]);
		want = next_batch(want, n, vouch__mono_us() - t0);
		pthread_mutex_lock(&a->mu);
		for (i = 0; i < n; i++)
			batch[i]->done = 1;
		if (a->waiting > 0 || a->eof)
			pthread_cond_broadcast(&a->cv);
		pthread_mutex_unlock(&a->mu);
	}
}

/* Results in input order as they complete; non-zero when asked to stop. */
static int
deliver(struct vouch_archive *a, vouch_archive_result_fn result, void *arg)
{
	int stop = 0;

	for (;;) {
		struct item *it = &a->ring[a->next_print % ARCHIVE_RING];

		pthread_mutex_lock(&a->mu);
		while (!(a->next_print < a->next_job && it->done) &&
		    !(a->eof && a->next_print == a->next_job) && !a->stop) {
			a->waiting++;
			pthread_cond_wait(&a->cv, &a->mu);
			a->waiting--;
		}
		if (a->next_print == a->next_job || a->stop) {
			pthread_mutex_unlock(&a->mu);
			return stop;
		}
		pthread_mutex_unlock(&a->mu);
		if (!stop && result != NULL && result(arg, &it->m, it->kept))
			stop = 1;
		it->kept = NULL;
		item_clear(it);
		pthread_mutex_lock(&a->mu);
		a->inflight -= it->own_len;
		it->own_len = 0;
		it->done = 0;
		a->next_print++;
		if (stop)
			a->stop = 1;
		if (a->waiting > 0 || stop)
			pthread_cond_broadcast(&a->cv);
		pthread_mutex_unlock(&a->mu);
	}
}

enum vouch_status
vouch_archive_run(struct vouch_archive *a, vouch_archive_verified_fn verified,
    vouch_archive_result_fn result, void *arg, struct vouch_error *err)
{
	pthread_t *threads;
	unsigned int i, started;
	int stop;

	a->verified = verified;
	a->arg = arg;
	a->inflight_max = a->max_msg > ARCHIVE_INFLIGHT_MIN / 4 ?
	    4 * a->max_msg : ARCHIVE_INFLIGHT_MIN;
	if ((threads = calloc(a->jobs, sizeof(*threads))) == NULL)
		return vouch__err(err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	for (started = 0; started < a->jobs; started++)
		if (pthread_create(&threads[started], NULL, worker, a) != 0)
			break;
	if (started == 0) {
		free(threads);
		return vouch__err(err, VOUCH_E_NOMEM, NULL, -1,
		    "cannot start a thread");
	}
	stop = deliver(a, result, arg);
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	/* what a stop left in the ring: the callee never saw it */
	for (i = 0; i < ARCHIVE_RING; i++) {
		if (a->ring[i].kept != NULL && a->discard != NULL)
			a->discard(arg, a->ring[i].kept);
		a->ring[i].kept = NULL;
		item_clear(&a->ring[i]);
	}
	free(threads);
	return stop ? vouch__err(err, VOUCH_E_LIMIT, NULL, -1, "stopped") :
	    VOUCH_OK;
}

void
vouch_archive_free(struct vouch_archive *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++) {
		vouch__archive_input_clear(&a->in[i]);
		free(a->in[i].path);
		free(a->in[i].error_text);
	}
	free(a->in);
	for (i = 0; i < a->nsources; i++)
		free(a->sources[i]);
	free(a->sources);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	free(a);
}
