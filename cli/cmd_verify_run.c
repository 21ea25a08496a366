/*
 * vouch verify over paths: the library's archive run (<vouch/archive.h>)
 * with what each verdict becomes on stdout (text, JSON Lines, A-R or
 * only the summary), the exit status and a progress line on long runs.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* The command's side of an archive run (the run itself is the library's,
 * <vouch/archive.h>): options, and what each result becomes. */
struct run {
	enum vouch_auth_require require;
	enum cli_verify_fmt fmt;
	int summary;		/* --summary or --format summary */
	int progress;		/* a progress line on stderr */
	int ex;			/* worst input error */
	int all_pass, werr, shown;
	size_t done;
	double start, last;
	struct vouch_summary *sum;	/* --summary: what it counts */
	struct vouch_report_store *store;	/* --report-store */
	const char *rcpt_to;
	int store_failed;		/* a row could not be written */
	struct vouch_error store_err;	/* the first such failure */
};

/* What a worker keeps of one verdict for the in-order printer. */
struct result {
	char *out;
	int passed, ex;
};


static void
set_ex(struct run *r, int ex)
{
	/* 66 missing, 74 unreadable, 65 malformed: the first one sticks */
	if (r->ex == EX_OK)
		r->ex = ex;
}

/* sysexits for a source that could not be read */
static int
ex_for_source(enum vouch_status st)
{
	switch (st) {
	case VOUCH_E_NOTFOUND: return EX_NOINPUT;
	case VOUCH_E_SYNTAX: return EX_DATAERR;
	case VOUCH_E_NOMEM: return EX_OSERR;
	case VOUCH_E_LIMIT: return EX_OK;	/* said, nothing lost */
	default: return EX_IOERR;
	}
}

/* body and a line end into out, with, for an mbox message whose dialect
 * was guessed, how it was read: keys in JSON, a note in text. */
static void
guessed_note(const struct run *r, const struct vouch_archive_msg *m,
    const char *body, char *out, size_t n)
{
	size_t bl = strlen(body);

	if (!m->guessed) {
		snprintf(out, n, "%s\n", body);
	} else if (r->fmt == VF_JSON && bl > 0 && body[bl - 1] == '}') {
		snprintf(out, n, "%.*s,\"mbox_unquoting\":\"%s\","
		    "\"mbox_guessed\":true}\n", (int)(bl - 1), body,
		    m->unquoting);
	} else if (r->fmt == VF_TEXT) {
		snprintf(out, n, "%s [mbox: '>From ' lines read as written "
		    "(not mboxrd); dialect guessed]\n", body);
	} else {
		snprintf(out, n, "%s\n", body);
	}
}

/* The result of one message as the chosen format; the library writes
 * every part of it. */
static char *
format_item(const struct run *r, const struct vouch_archive_msg *m,
    struct vouch_auth *a)
{
	char *body, *out, label[64], *name = NULL;
	size_t n;

	snprintf(label, sizeof(label), m->in_mbox ? "#%zu" : "", m->index);
	if (r->fmt == VF_JSON) {
		body = vouch_auth_json(a, m->source, (long)m->index);
	} else if (r->fmt == VF_AR) {
		/* a comment line naming the message, then its field */
		char *h = vouch_auth_header(a), *id = vouch_auth_ident(a);

		body = NULL;
		n = (h ? strlen(h) : 0) + strlen(m->source) + (id ? strlen(id) :
		    0) + sizeof(label) + 8;
		if (h != NULL && (body = malloc(n)) != NULL)
			snprintf(body, n, "# %s%s%s%s\n%s", m->source, label,
			    id != NULL && *id ? " " : "", id ? id : "", h);
		vouch_free(h);
		vouch_free(id);
	} else {
		n = strlen(m->source) + sizeof(label);
		if ((name = malloc(n)) == NULL)
			return NULL;
		snprintf(name, n, "%s%s", m->source, label);
		body = vouch_auth_text(a, name);
		free(name);
	}
	if (body == NULL)
		return NULL;
	n = strlen(body) + 128;
	if ((out = malloc(n)) != NULL)
		guessed_note(r, m, body, out, n);
	vouch_free(body);
	return out;
}

/* --report-store: the verdict into the store (on a worker thread). */
static void
record(struct run *r, const struct vouch_auth *a)
{
	struct vouch_error err = { 0 };

	if (vouch_report_record_auth(r->store, a, r->rcpt_to, 0, NULL, &err) ==
	    VOUCH_OK)
		return;
	if (__atomic_exchange_n(&r->store_failed, 1, __ATOMIC_SEQ_CST) == 0)
		r->store_err = err;
}

/* On a worker: the verdict formatted, and what the summary counts. */
static void *
on_verified(void *arg, const struct vouch_archive_msg *m, struct vouch_auth *a)
{
	struct run *r = arg;
	struct result *res = calloc(1, sizeof(*res));

	if (res == NULL)
		return NULL;
	res->passed = vouch_auth_passed(a, r->require);
	if (r->fmt != VF_SUMMARY && (res->out = format_item(r, m, a)) == NULL)
		res->ex = EX_OSERR;
	if (r->sum != NULL)
		vouch_summary_add(r->sum, a);
	if (r->store != NULL)
		record(r, a);
	return res;
}

static void
on_discard(void *arg, void *kept)
{
	struct result *res = kept;

	(void)arg;
	free(res->out);
	free(res);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* In input order: printed, counted, and a progress line on a long run. */
static int
on_result(void *arg, const struct vouch_archive_msg *m, void *kept)
{
	struct run *r = arg;
	struct result *res = kept;

	r->done++;
	if (m->error != VOUCH_OK) {
		cli_err(m->source, "%s", m->error_text);
		set_ex(r, ex_for_source(m->error));
		if (m->error != VOUCH_E_LIMIT)
			r->all_pass = 0;
	} else if (res == NULL || res->ex != EX_OK) {
		set_ex(r, EX_OSERR);
		r->all_pass = 0;
	} else {
		if (res->out != NULL && fputs(res->out, stdout) == EOF)
			r->werr = 1;
		if (!res->passed)
			r->all_pass = 0;
	}
	if (res != NULL)
		on_discard(NULL, res);
	/* only for a run long enough to wonder about */
	if (r->progress && now_s() - r->start > 1 && now_s() - r->last > 0.5) {
		double el = now_s() - r->start;

		r->last = now_s();
		r->shown = 1;
		fprintf(stderr, "\r%zu messages, %.0f/s ", r->done, r->done /
		    (el > 0 ? el : 1e-9));
	}
	return 0;
}

/* Verify everything added; the exit status. */
static int
run_all(struct run *r, struct vouch_archive *ar)
{
	struct vouch_error err = { 0 };

	r->all_pass = 1;
	r->start = now_s();
	vouch_archive_set_discard(ar, on_discard);
	if (vouch_archive_run(ar, on_verified, on_result, r, &err) !=
	    VOUCH_OK) {
		cli_err("verify", "%s", err.message);
		set_ex(r, EX_OSERR);
	}
	if (r->shown)
		fprintf(stderr, "\r%zu messages in %.1fs%20s\n", r->done,
		    now_s() - r->start, "");
	if (r->sum != NULL) {
		char *t = vouch_summary_text(r->sum);

		if (t != NULL)
			fputs(t, r->fmt == VF_SUMMARY ? stdout : stderr);
		vouch_free(t);
	}
	if (cli_stdout_done() != EX_OK || r->werr)
		return EX_IOERR;
	if (r->ex != EX_OK)
		return r->ex;
	return r->all_pass ? EX_OK : 1;
}

/* Every path (stdin with none) into the run; the archive's errors said. */
static void
add_paths(struct run *r, struct vouch_archive *ar, char **paths, int n)
{
	struct vouch_error err = { 0 };
	int i;

	if (n == 0 && vouch_archive_add(ar, "-", &err) != VOUCH_OK)
		set_ex(r, EX_OSERR);
	for (i = 0; i < n; i++)
		if (vouch_archive_add(ar, paths[i], &err) != VOUCH_OK) {
			cli_err("verify", "%s", err.message);
			set_ex(r, ex_for_source(err.status));
		}
}

/* Everything the paths hold, through the library's archive run. */
int
cli_verify_all(const struct cli_verify_run *v, struct vouch_auth_ctx *actx,
    char **paths, int n)
{
	struct run r;
	struct vouch_archive *ar = NULL;
	int ex;

	memset(&r, 0, sizeof(r));
	r.fmt = v->fmt;
	r.require = v->require;
	r.summary = v->summary;
	if ((v->summary && vouch_summary_new(&r.sum) != VOUCH_OK) ||
	    vouch_archive_new(actx, v->conn, &ar) != VOUCH_OK) {
		vouch_summary_free(r.sum);
		return EX_OSERR;
	}
	vouch_archive_set_max_message(ar, v->max_msg);
	vouch_archive_set_mbox_format(ar, v->mbox_format);
	add_paths(&r, ar, paths, n);
	/* one message file: no thread to wait for */
	vouch_archive_set_jobs(ar, vouch_archive_inputs(ar) == 1 &&
	    !vouch_archive_has_streams(ar) ? 1 : (unsigned int)v->jobs);
	r.progress = !v->quiet && isatty(STDERR_FILENO) &&
	    (vouch_archive_inputs(ar) > 100 || vouch_archive_has_streams(ar));
	r.store = v->store;
	r.rcpt_to = v->rcpt_to;
	ex = run_all(&r, ar);
	vouch_archive_free(ar);
	if (__atomic_load_n(&r.store_failed, __ATOMIC_SEQ_CST)) {
		cli_err("--report-store", "%s", r.store_err.message);
		ex = EX_IOERR;
	}
	vouch_summary_free(r.sum);
	return ex;
}
