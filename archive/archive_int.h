/*
 * The archive run's internals: inputs and how they are read
 * (archive_src.c), the ring of messages in flight and the workers
 * (archive.c).
 */
#ifndef VOUCH_ARCHIVE_INT_H
#define VOUCH_ARCHIVE_INT_H

#include <pthread.h>
#include <stddef.h>
#include <vouch/archive.h>

#define ARCHIVE_RING 256	/* messages in flight or waiting for result */
#define ARCHIVE_BATCH 32	/* messages a worker takes at a time */
#define ARCHIVE_READ_CHUNK (1u << 20)	/* stream bytes read at a time */
#define ARCHIVE_PEEK 65536	/* read to tell what a file is */
#define ARCHIVE_HEAD_MAX (1u << 20)	/* kept of a message over the bound */
#define ARCHIVE_INFLIGHT_MIN (256u << 20)	/* message bytes held at once */
#define ARCHIVE_MAX_DEPTH 32	/* folders inside folders followed */

enum input_kind {
	IN_FILE,	/* one message in a file, read by a worker */
	IN_STREAM,	/* a file or stdin read as it is needed: an mbox (plain
			 * or compressed), else one message */
	IN_ERROR	/* a source found unreadable while listing */
};

struct input {
	enum input_kind kind;
	char *path;		/* "-" for stdin */
	const char *source;	/* shared, owned by the run */
	enum vouch_status error;	/* IN_ERROR */
	char *error_text;
	/* an open stream */
	int open, fd, mbox, at_end;
	void *ar;		/* struct archive *: a compressed stream */
	unsigned char *buf;
	size_t blen, bcap, boff, index;
	unsigned char *peekbuf;	/* libarchive's input: the bytes looked at,
				 * then reads of fd */
	size_t npeek;
};

struct item {
	struct vouch_archive_msg m;
	char *path;		/* a file the worker reads, or NULL */
	unsigned char *own;	/* the message bytes, when the run holds them */
	size_t own_len;		/* counted in the run's inflight */
	int unquoted;		/* an mboxcl2 message: fed as it is */
	void *kept;		/* what the verified callback returned */
	int done;
	char errbuf[256];
};

struct vouch_archive {
	struct vouch_auth_ctx *actx;
	struct vouch_auth_conn conn;
	unsigned int jobs;
	size_t max_msg, inflight, inflight_max;
	enum vouch_mbox_format mbox_format;
	struct input *in;
	size_t n, size, cur;	/* inputs; the one messages come from */
	char **sources;		/* names shared by inputs and messages */
	size_t nsources;
	int eof, stop;
	struct item ring[ARCHIVE_RING];
	size_t next_job, next_print;
	int waiting;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	vouch_archive_verified_fn verified;
	void (*discard)(void *arg, void *kept);
	void *arg;
	enum vouch_status error;	/* the first failure of a worker */
};

/* archive.c: a run with no verifier, for its message sources only */
enum vouch_status vouch__archive_new_source(struct vouch_archive **out);

/* archive_src.c */
enum vouch_status vouch__archive_add_path(struct vouch_archive *a,
    const char *path, struct vouch_error *err);
/* The next message of the inputs into it (under the run's lock); 0 at the
 * end of every input. */
int vouch__archive_next(struct vouch_archive *a, struct item *it);
void vouch__archive_input_clear(struct input *in);
/* A message file for a worker: whole, or over max its head (*cut set);
 * VOUCH_E_NOTFOUND, VOUCH_E_IO or VOUCH_E_NOMEM with errno kept. */
enum vouch_status vouch__archive_read_file(const char *path, size_t max,
    unsigned char **data, size_t *len, int *cut);

#endif
