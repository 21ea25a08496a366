/*
 * vouch: verifying stores of mail, in parallel, results in input order.
 * An archive run takes paths (message files, mboxes in any dialect, also
 * gzip, xz, bzip2 or zstd compressed and found by content, Maildirs with
 * their Maildir++ folders, plain folders followed recursively and sorted,
 * "-" for standard input), reads them lazily as a stream, hands messages
 * to worker threads and gives each verdict back in input order.  Memory is
 * bounded whatever the input: a read buffer per open stream, a window of
 * messages in flight, and a bound on one message (a message over it is
 * verified from its header only and marked too_large).
 */
#ifndef VOUCH_ARCHIVE_H
#define VOUCH_ARCHIVE_H

#include <stddef.h>
#include <vouch/error.h>
#include <vouch/auth.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VOUCH_ARCHIVE_MAX_MESSAGE (64u << 20)	/* default bound */

struct vouch_archive;

/* One message of the run, as the callbacks see it (borrowed: valid during
 * the callback). */
struct vouch_archive_msg {
	const char *source;	/* the file ("stdin" for -) */
	size_t index;		/* the message's number inside an mbox */
	int in_mbox;		/* the source holds several messages */
	int too_large;		/* over the bound: data is its head only */
	const unsigned char *data;	/* the message (mboxrd quoting kept):
					 * in the verified callback; in the
					 * result callback only when it came
					 * from a stream (NULL for a file) */
	size_t len;
	/* how ">From " lines of an mbox message were read: "mboxrd",
	 * "mboxo" or "none" (NULL outside an mbox); guessed when the
	 * dialect was guessed: in auto, the first reading failed a body hash
	 * and this one verified */
	const char *unquoting;
	int guessed;
	/* a source that could not be read: no verdict, and why */
	enum vouch_status error;	/* VOUCH_OK, or NOTFOUND, IO, SYNTAX
					 * (cannot decompress), NOMEM */
	const char *error_text;
};

/*
 * Called on a worker thread once a message is verified (a is the verdict,
 * freed after the call): returns what to keep for the in-order callback
 * (e.g. formatted output), or NULL.  Not called for an error record.
 */
typedef void *(*vouch_archive_verified_fn)(void *arg,
    const struct vouch_archive_msg *m, struct vouch_auth *a);
/* Called on the thread that runs vouch_archive_run(), in input order,
 * with what the verified callback kept (the callee owns it).  Non-zero
 * stops the run: what was kept for messages not yet given back goes to
 * the discard callback (vouch_archive_set_discard). */
typedef int (*vouch_archive_result_fn)(void *arg,
    const struct vouch_archive_msg *m, void *kept);

/* A run verifying with actx; conn is the SMTP connection every message is
 * taken to have come over (NULL: none, no SPF).  Both are borrowed. */
VOUCH_EXPORT enum vouch_status vouch_archive_new(struct vouch_auth_ctx *actx,
    const struct vouch_auth_conn *conn, struct vouch_archive **out);
/* Worker threads (default 1, at most 1024). */
VOUCH_EXPORT void vouch_archive_set_jobs(struct vouch_archive *a,
    unsigned int jobs);
/* The dialect of mboxes (default VOUCH_MBOX_AUTO: Content-Length when a
 * message has a correct one, else mboxrd unquoting; when that fails a
 * body hash and the message holds ">From " lines, the message is read
 * again as written and, if that verifies, kept so, marked guessed). */
VOUCH_EXPORT void vouch_archive_set_mbox_format(struct vouch_archive *a,
    enum vouch_mbox_format format);
/* Release what the verified callback kept, for results a stop left
 * undelivered (without it they are leaked when a run is stopped). */
VOUCH_EXPORT void vouch_archive_set_discard(struct vouch_archive *a,
    void (*discard)(void *arg, void *kept));
/* The bound on one message, in bytes (default VOUCH_ARCHIVE_MAX_MESSAGE,
 * at least 1024). */
VOUCH_EXPORT void vouch_archive_set_max_message(struct vouch_archive *a,
    size_t bytes);
/*
 * Add a path.  A folder is listed now (sorted); files are opened only
 * when the run reaches them.  VOUCH_E_NOTFOUND (no such path, or a folder
 * with no messages) or VOUCH_E_IO, err saying which; the run can go on
 * with the other paths.
 */
VOUCH_EXPORT enum vouch_status vouch_archive_add(struct vouch_archive *a,
    const char *path, struct vouch_error *err);
/* Inputs added so far (message files, streams); is any a stream (an mbox
 * or standard input, whose message count is not known up front)? */
VOUCH_EXPORT size_t vouch_archive_inputs(const struct vouch_archive *a);
VOUCH_EXPORT int vouch_archive_has_streams(const struct vouch_archive *a);
/*
 * Verify everything added: verified on the workers, result in order on
 * this thread.  VOUCH_OK when every message was given to result (sources
 * that could not be read come as records with error set), VOUCH_E_NOMEM,
 * or VOUCH_E_LIMIT when result asked to stop.
 */
VOUCH_EXPORT enum vouch_status vouch_archive_run(struct vouch_archive *a,
    vouch_archive_verified_fn verified, vouch_archive_result_fn result,
    void *arg, struct vouch_error *err);
VOUCH_EXPORT void vouch_archive_free(struct vouch_archive *a);

/*
 * A summary of many verdicts, for a person at the end of a run: messages
 * and signatures counted apart, results per method, legacy passes (only
 * by --allow-sha1 / --min-key-bits), the top failure reasons and pass /
 * fail per signing domain.  vouch_summary_add() may be called from any
 * thread (it locks).
 */
struct vouch_summary;
VOUCH_EXPORT enum vouch_status vouch_summary_new(struct vouch_summary **out);
VOUCH_EXPORT void vouch_summary_add(struct vouch_summary *s,
    const struct vouch_auth *a);
/* The table as text, one item a line (malloc'd; free with vouch_free). */
VOUCH_EXPORT char *vouch_summary_text(struct vouch_summary *s);
VOUCH_EXPORT void vouch_summary_free(struct vouch_summary *s);

#ifdef __cplusplus
}
#endif
#endif
