/*
 * Where an archive run's messages come from: paths listed into inputs
 * (message files, streams), folders walked (Maildir, Maildir++, plain
 * folders, recursive and sorted), and streams read as they are needed: an
 * mbox, plain or decompressed by libarchive as it is read (gzip, xz,
 * bzip2, zstd, found by content), split with vouch_mbox_next_stream() in
 * a buffer that never holds more than one message over the bound.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_LIBARCHIVE
#include <archive.h>
#include <archive_entry.h>
#endif

#include <vouch/dkim.h>
#include "archive_int.h"
#include "common/util.h"

/* ---- inputs ------------------------------------------------------------ */

static const char *
keep_source(struct vouch_archive *a, const char *s)
{
	char **ns = realloc(a->sources, (a->nsources + 1) * sizeof(*ns));

	if (ns == NULL)
		return NULL;
	a->sources = ns;
	if ((ns[a->nsources] = strdup(s)) == NULL)
		return NULL;
	return ns[a->nsources++];
}

static struct input *
add_input(struct vouch_archive *a, enum input_kind kind, const char *path)
{
	struct input *in;
	const char *src = keep_source(a, strcmp(path, "-") == 0 ? "stdin" :
	    path);

	if (src == NULL)
		return NULL;
	if (a->n == a->size) {
		size_t ns = a->size ? a->size * 2 : 64;

		if ((in = realloc(a->in, ns * sizeof(*in))) == NULL)
			return NULL;
		a->in = in;
		a->size = ns;
	}
	in = &a->in[a->n];
	memset(in, 0, sizeof(*in));
	in->kind = kind;
	in->source = src;
	in->fd = -1;
	if ((in->path = strdup(path)) == NULL)
		return NULL;
	a->n++;
	return in;
}

/* A source found unreadable while listing: a record in its place. */
static void
add_error(struct vouch_archive *a, const char *path, enum vouch_status st,
    const char *fmt, ...)
{
	struct input *in = add_input(a, IN_ERROR, path);
	char buf[512];
	va_list ap;

	if (in == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	in->error = st;
	in->error_text = strdup(buf);
}

void
vouch__archive_input_clear(struct input *in)
{
#ifdef HAVE_LIBARCHIVE
	if (in->ar != NULL)
		archive_read_free(in->ar);
#endif
	in->ar = NULL;
	if (in->fd > STDIN_FILENO)
		close(in->fd);
	in->fd = -1;
	free(in->buf);
	free(in->peekbuf);
	in->buf = in->peekbuf = NULL;
	in->blen = in->bcap = in->boff = 0;
	in->open = 0;
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The sorted names in a folder (no "." or ".."); NULL when unreadable. */
static char **
list_dir(const char *dir, size_t *n)
{
	char **names = NULL, **x;
	struct dirent *de;
	DIR *d;

	*n = 0;
	if ((d = opendir(dir)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((x = realloc(names, (*n + 1) * sizeof(*x))) == NULL)
			break;
		names = x;
		if ((names[*n] = strdup(de->d_name)) != NULL)
			(*n)++;
	}
	closedir(d);
	if (names != NULL)
		qsort(names, *n, sizeof(*names), cmp_str);
	return names != NULL ? names : calloc(1, sizeof(char *));
}

static int
is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int
is_maildir(const char *dir)
{
	char p[8192];

	snprintf(p, sizeof(p), "%s/cur", dir);
	if (is_dir(p))
		return 1;
	snprintf(p, sizeof(p), "%s/new", dir);
	return is_dir(p);
}

/* A compressed stream (gzip, xz, bzip2, zstd by their magic bytes, not the
 * file name), decompressed by libarchive as it is read. */
static int
compressed(const unsigned char *p, size_t n)
{
	return (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) ||
	    (n >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0) ||
	    (n >= 3 && memcmp(p, "BZh", 3) == 0) ||
	    (n >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0);
}

/* Is the file an mbox or compressed (by its first bytes), so a stream? */
static int
is_stream(const char *path)
{
	unsigned char b[8];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return 1;	/* opening it again says why */
	n = read(fd, b, sizeof(b));
	close(fd);
	return n <= 0 || (n >= 5 && memcmp(b, "From ", 5) == 0) ||
	    compressed(b, (size_t)n);
}

static void
add_file(struct vouch_archive *a, const char *path)
{
	add_input(a, is_stream(path) ? IN_STREAM : IN_FILE, path);
}

/* cur/ and new/ of one Maildir, sorted. */
static void
add_maildir_box(struct vouch_archive *a, const char *dir)
{
	static const char *subs[] = { "cur", "new" };
	int k;

	for (k = 0; k < 2; k++) {
		char sub[4096], path[8192], **names;
		size_t nn, i;

		snprintf(sub, sizeof(sub), "%s/%s", dir, subs[k]);
		if ((names = list_dir(sub, &nn)) == NULL)
			continue;
		for (i = 0; i < nn; i++) {
			if (names[i][0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", sub,
				    names[i]);
				add_input(a, IN_FILE, path);
			}
			free(names[i]);
		}
		free(names);
	}
}

/*
 * A folder: a Maildir (cur/, new/) and its Maildir++ folders (.Sent,
 * .Archive.2019: dot-named Maildirs beside cur/), or a plain folder of
 * messages and mboxes, followed recursively and in sorted order.
 */
static void
add_dir(struct vouch_archive *a, const char *dir, int depth)
{
	char **names, path[8192];
	size_t nn, i;
	int maildir = is_maildir(dir);

	if (depth > ARCHIVE_MAX_DEPTH) {
		add_error(a, dir, VOUCH_E_LIMIT, "folders nested deeper than "
		    "%d: not followed", ARCHIVE_MAX_DEPTH);
		return;
	}
	if ((names = list_dir(dir, &nn)) == NULL) {
		add_error(a, dir, VOUCH_E_NOTFOUND, "%s", strerror(errno));
		return;
	}
	if (maildir)
		add_maildir_box(a, dir);
	for (i = 0; i < nn; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (maildir) {
			/* Maildir++: only the dot-named folders */
			if (names[i][0] == '.' && is_maildir(path))
				add_maildir_box(a, path);
		} else if (is_dir(path)) {
			add_dir(a, path, depth + 1);
		} else if (names[i][0] != '.') {
			/* a message per file is read by a worker (a folder of
			 * 100,000 files is not 100,000 open files); mboxes and
			 * compressed files are streams, opened in turn */
			add_file(a, path);
		}
		free(names[i]);
	}
	free(names);
}

enum vouch_status
vouch__archive_add_path(struct vouch_archive *a, const char *path,
    struct vouch_error *err)
{
	struct stat sb;
	size_t before = a->n;

	if (strcmp(path, "-") == 0) {
		add_input(a, IN_STREAM, path);
	} else if (stat(path, &sb) != 0) {
		return vouch__err(err, errno == ENOENT ? VOUCH_E_NOTFOUND :
		    VOUCH_E_IO, NULL, -1, "%s: %s", path, strerror(errno));
	} else if (S_ISDIR(sb.st_mode)) {
		add_dir(a, path, 0);
		if (a->n == before)
			return vouch__err(err, VOUCH_E_NOTFOUND, NULL, -1, "%s: "
			    "no messages in this folder (a Maildir, Maildir++ "
			    "folders or files of messages and mboxes)", path);
	} else {
		add_file(a, path);
	}
	return a->n > before ? VOUCH_OK : vouch__err(err, VOUCH_E_NOMEM, NULL,
	    -1, "out of memory");
}

/* ---- streams ------------------------------------------------------------ */

#ifdef HAVE_LIBARCHIVE
/* libarchive reads the bytes already looked at, then the descriptor. */
static la_ssize_t
ar_read(struct archive *ar, void *arg, const void **out)
{
	struct input *in = arg;
	ssize_t n;

	(void)ar;
	*out = in->peekbuf;
	if (in->npeek > 0) {
		n = (ssize_t)in->npeek;
		in->npeek = 0;
		return n;
	}
	do {
		n = read(in->fd, in->peekbuf, ARCHIVE_PEEK);
	} while (n < 0 && errno == EINTR);
	return n;
}
#endif

/* Say why this source ends here (its record in the results). */
static void
stream_fail(struct input *in, enum vouch_status st, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (in->error == VOUCH_OK) {
		in->error = st;
		free(in->error_text);
		in->error_text = strdup(buf);
	}
	in->at_end = 1;
}

/* More of a stream into its buffer: 0; -1 at its end (or on an error,
 * kept in in->error); -2 when the buffer holds max bytes of one message
 * and would have to grow. */
static int
stream_fill(struct vouch_archive *a, struct input *in)
{
	ssize_t n;

	if (in->at_end)
		return -1;
	if (in->boff > 0) {	/* what was taken is not needed again */
		memmove(in->buf, in->buf + in->boff, in->blen - in->boff);
		in->blen -= in->boff;
		in->boff = 0;
	}
	if (in->blen >= a->max_msg)
		return -2;	/* one message over the bound: not read further */
	if (in->blen == in->bcap) {	/* one message larger than the buffer */
		size_t nc = in->bcap ? in->bcap * 2 : ARCHIVE_READ_CHUNK;
		unsigned char *nb;

		if (nc > a->max_msg)
			nc = a->max_msg;
		if ((nb = realloc(in->buf, nc)) == NULL) {
			stream_fail(in, VOUCH_E_NOMEM, "out of memory");
			return -1;
		}
		in->buf = nb;
		in->bcap = nc;
	}
#ifdef HAVE_LIBARCHIVE
	if (in->ar != NULL) {
		la_ssize_t k = archive_read_data(in->ar, in->buf + in->blen,
		    in->bcap - in->blen);

		if (k < 0)
			stream_fail(in, VOUCH_E_SYNTAX, "cannot decompress: %s",
			    archive_error_string(in->ar));
		n = k;
	} else
#endif
	{
		do {
			n = read(in->fd, in->buf + in->blen, in->bcap -
			    in->blen);
		} while (n < 0 && errno == EINTR);
		if (n < 0)
			stream_fail(in, VOUCH_E_IO, "%s", strerror(errno));
	}
	if (n <= 0) {
		in->at_end = 1;
		return -1;
	}
	in->blen += (size_t)n;
	return 0;
}

/* Set up libarchive over the bytes already read and the rest of fd. */
static int
open_compressed(struct input *in, const unsigned char *head, size_t nhead)
{
#ifdef HAVE_LIBARCHIVE
	struct archive *ar = archive_read_new();
	struct archive_entry *e;

	in->ar = ar;
	if ((in->peekbuf = malloc(ARCHIVE_PEEK)) == NULL) {
		stream_fail(in, VOUCH_E_NOMEM, "out of memory");
		return -1;
	}
	memcpy(in->peekbuf, head, nhead);
	in->npeek = nhead;
	if (ar == NULL || archive_read_support_filter_all(ar) != ARCHIVE_OK ||
	    archive_read_support_format_raw(ar) != ARCHIVE_OK ||
	    archive_read_open(ar, in, NULL, ar_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(ar, &e) != ARCHIVE_OK) {
		stream_fail(in, VOUCH_E_SYNTAX, "cannot decompress: %s",
		    ar != NULL && archive_error_string(ar) ?
		    archive_error_string(ar) : "unknown format");
		return -1;
	}
	return 0;
#else
	(void)head;
	(void)nhead;
	stream_fail(in, VOUCH_E_SYNTAX, "a compressed mbox, and vouch was "
	    "built without libarchive");
	return -1;
#endif
}

/* Open a stream when the run reaches it: what it is, by its first bytes. */
static int
stream_open(struct vouch_archive *a, struct input *in)
{
	unsigned char head[ARCHIVE_PEEK];
	size_t nhead = 0;
	ssize_t n;

	in->open = 1;
	if (strcmp(in->path, "-") == 0)
		in->fd = STDIN_FILENO;
	else if ((in->fd = open(in->path, O_RDONLY | O_CLOEXEC)) == -1) {
		stream_fail(in, errno == ENOENT ? VOUCH_E_NOTFOUND :
		    VOUCH_E_IO, "%s", strerror(errno));
		return -1;
	}
	while (nhead < sizeof(head) && (n = read(in->fd, head + nhead,
	    sizeof(head) - nhead)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			stream_fail(in, VOUCH_E_IO, "cannot read: %s",
			    strerror(errno));
			return -1;
		}
		nhead += (size_t)n;
	}
	in->bcap = ARCHIVE_READ_CHUNK < a->max_msg ? ARCHIVE_READ_CHUNK :
	    a->max_msg;
	if ((in->buf = malloc(in->bcap)) == NULL) {
		stream_fail(in, VOUCH_E_NOMEM, "out of memory");
		return -1;
	}
	if (compressed(head, nhead)) {
		if (open_compressed(in, head, nhead) != 0)
			return -1;
		/* enough decompressed to tell an mbox */
		while (in->blen < 5 && stream_fill(a, in) == 0)
			;
	} else {
		/* the first bytes, at most what one message may hold */
		size_t keep = nhead < in->bcap ? nhead : in->bcap;

		memcpy(in->buf, head, keep);
		in->blen = keep;
		if (nhead < sizeof(head))
			in->at_end = 1;
	}
	in->mbox = vouch_mbox_is(in->buf, in->blen);
	return 0;
}

/* ---- messages ----------------------------------------------------------- */

/* How much of a message over the bound is kept: its header section (to
 * the blank line) or ARCHIVE_HEAD_MAX bytes, whichever comes first. */
static size_t
head_len(const unsigned char *p, size_t n)
{
	size_t i;

	if (n > ARCHIVE_HEAD_MAX)
		n = ARCHIVE_HEAD_MAX;
	for (i = 0; i + 1 < n; i++)
		if (p[i] == '\n' && (p[i + 1] == '\n' || (p[i + 1] == '\r' &&
		    i + 2 < n && p[i + 2] == '\n')))
			return i + (p[i + 1] == '\n' ? 2 : 3);
	return n;
}

static int
take(struct item *it, const unsigned char *p, size_t n)
{
	if ((it->own = malloc(n ? n : 1)) == NULL)
		return -1;
	memcpy(it->own, p, n);
	it->m.data = it->own;
	it->m.len = it->own_len = n;
	return 0;
}

/* The message at the start of the buffer is over the bound: its head
 * becomes the item; the rest is read past without being kept, up to the
 * next "From " separator line (mboxrd and mboxo quote it in bodies) or
 * the end. */
static int
too_large_item(struct vouch_archive *a, struct input *in, struct item *it)
{
	const unsigned char *p = in->buf + in->boff, *nl;
	size_t n = in->blen - in->boff, i;

	/* the separator line is not part of the message */
	if ((nl = memchr(p, '\n', n)) != NULL) {
		n -= (size_t)(nl + 1 - p);
		p = nl + 1;
	}
	if (take(it, p, head_len(p, n)) != 0)
		return -1;
	it->m.index = in->index++;
	it->m.in_mbox = 1;
	it->m.too_large = 1;
	/* the last bytes of each read are kept so that a separator across
	 * two reads is seen */
	in->boff = (size_t)(p - in->buf);
	for (;;) {
		for (i = in->boff; i + 6 <= in->blen; i++)
			if (in->buf[i] == '\n' && memcmp(in->buf + i + 1, "From ",
			    5) == 0) {
				in->boff = i + 1;
				return 1;
			}
		in->boff = in->blen > 5 ? in->blen - 5 : in->blen;
		if (stream_fill(a, in) != 0) {
			in->boff = in->blen;	/* the stream is done */
			return 1;
		}
	}
}

/* The next message of an mbox stream: 1, 0 at its end, -1 no memory. */
static int
mbox_next(struct vouch_archive *a, struct input *in, struct item *it)
{
	for (;;) {
		const unsigned char *msg;
		size_t len, off = in->boff;
		int quoted, rc;

		if (vouch_mbox_next_stream(in->buf, in->blen, in->at_end, &off,
		    &msg, &len, &quoted)) {
			if (take(it, msg, len) != 0)
				return -1;
			it->m.index = in->index++;
			it->m.in_mbox = 1;
			it->unquoted = !quoted;	/* mboxcl2 */
			in->boff = off;
			return 1;
		}
		if ((rc = stream_fill(a, in)) == -2)
			return too_large_item(a, in, it);
		if (rc != 0 && in->at_end) {
			/* once more with everything: the last message */
			off = in->boff;
			if (vouch_mbox_next_stream(in->buf, in->blen, 1, &off,
			    &msg, &len, &quoted))
				continue;
			return 0;
		}
	}
}

/* A stream that is not an mbox: one message, all of it or its head. */
static int
single_message(struct vouch_archive *a, struct input *in, struct item *it)
{
	int rc;

	while ((rc = stream_fill(a, in)) == 0)
		;
	if (rc == -2) {
		it->m.too_large = 1;
		in->blen = head_len(in->buf, in->blen);
	}
	return take(it, in->buf, in->blen);
}

/* An error record for the input (its reason), once. */
static void
error_item(struct input *in, struct item *it)
{
	it->m.error = in->error;
	snprintf(it->errbuf, sizeof(it->errbuf), "%s", in->error_text != NULL ?
	    in->error_text : vouch_strerror(in->error));
	it->m.error_text = it->errbuf;
	in->error = VOUCH_OK;
}

int
vouch__archive_next(struct vouch_archive *a, struct item *it)
{
	while (a->cur < a->n) {
		struct input *in = &a->in[a->cur];

		memset(it, 0, sizeof(*it));
		it->m.source = in->source;
		if (in->kind == IN_FILE) {
			it->path = in->path;	/* the item owns it now */
			in->path = NULL;
			a->cur++;
			return 1;
		}
		if (in->kind == IN_STREAM && !in->open)
			stream_open(a, in);
		if (in->kind == IN_STREAM && in->error == VOUCH_OK) {
			int r;

			if (in->mbox)
				r = mbox_next(a, in, it);
			else if (in->index++ == 0)	/* its one message */
				r = single_message(a, in, it) == 0 ? 1 : -1;
			else
				r = 0;
			if (r < 0)
				stream_fail(in, VOUCH_E_NOMEM, "out of memory");
			if (r > 0) {
				a->inflight += it->own_len;
				return 1;
			}
		}
		vouch__archive_input_clear(in);
		if (in->error != VOUCH_OK) {
			error_item(in, it);
			a->cur++;
			return 1;
		}
		a->cur++;
	}
	a->eof = 1;
	return 0;
}

enum vouch_status
vouch__archive_read_file(const char *path, size_t max, unsigned char **data,
    size_t *len, int *cut)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	ssize_t r;
	size_t got = 0, want;

	if (fd == -1)
		return errno == ENOENT ? VOUCH_E_NOTFOUND : VOUCH_E_IO;
	if (fstat(fd, &sb) != 0) {
		close(fd);
		return VOUCH_E_IO;
	}
	*cut = (uint64_t)sb.st_size > max;
	want = *cut ? ARCHIVE_HEAD_MAX : (size_t)sb.st_size;
	if ((*data = malloc(want + 1)) == NULL) {
		close(fd);
		return VOUCH_E_NOMEM;
	}
	while (got < want && (r = read(fd, *data + got, want - got)) > 0)
		got += (size_t)r;
	close(fd);
	*len = *cut ? head_len(*data, got) : got;
	return VOUCH_OK;
}
