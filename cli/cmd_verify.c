/*
 * vouch verify: every DKIM signature (and SPF when the client is known) of
 * message files, mbox files, Maildir folders or stdin, in parallel.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LIBARCHIVE
#include <archive.h>
#include <archive_entry.h>
#endif

#include "cli.h"

const char usage_verify[] =
"usage: vouch verify [--format text|json|ar|summary] [--authserv-id ID]\n"
"                    [--ip IP [--mail-from ADDR] [--helo NAME]] [--jobs N]\n"
"                    [--require dkim|dmarc] [--org-domain treewalk|psl]\n"
"                    [--psl FILE] [--arc-trust FILE] [--at UNIXTIME]\n"
"                    [--max-sigs N] [--allow-sha1] [--min-key-bits N]\n"
"                    [--summary] [--max-message-size BYTES]\n"
"                    [--allow-body-length] [--add-header [-o OUT]] [--quiet]\n"
"                    [PATH...]\n"
"\n"
"The receiver's verdict on each message: every DKIM-Signature (RFC 6376,\n"
"RFC 8463, RFC 8301), SPF when the client is known (RFC 7208), DMARC\n"
"(RFC 7489, RFC 9989) and the ARC chain of forwarded mail (RFC 8617).\n"
"PATH is a message file, an mbox (first line 'From '; mboxrd '>From '\n"
"quoting undone; also gzip, xz, bzip2 or zstd compressed, found by\n"
"content), a Maildir (cur/, new/ and its Maildir++ .Folders), a folder of\n"
"such files (recursive, sorted), or - for stdin; with no PATH, stdin.\n"
"\n"
"  --format text     one line per message: source, each signature's result\n"
"                    with d=, s=, a= and the reason, spf=, then dmarc=\n"
"                    (default)\n"
"  --format json     JSON Lines: source, index, dkim[], spf, dmarc, arc\n"
"  --format ar       an Authentication-Results header per message (RFC 8601)\n"
"  --format summary  only the --summary table, on stdout\n"
"  --authserv-id ID  for ar and --add-header (default: the host name)\n"
"  --ip IP           also check SPF for this client (with --mail-from and/or\n"
"                    --helo); DMARC then uses SPF too, else DKIM alone\n"
"  --require R       what exit 0 means: dkim (a passing signature, the\n"
"                    default) or dmarc (DMARC passes)\n"
"  --org-domain M    treewalk (RFC 9989 DNS tree walk, default) or psl\n"
"                    (RFC 7489 with the Public Suffix List)\n"
"  --psl FILE        RFC 7489 mode with this Public Suffix List\n"
"  --arc-trust FILE  sealing domains (one a line) whose ARC results may\n"
"                    speak for a message DMARC fails (RFC 8617 7.2); the\n"
"                    verdict stays dmarc=fail with arc_override in JSON\n"
"  --jobs N          verify N messages at a time (default 1)\n"
"  --at T            check signature expiry as of T: a UNIXTIME, a day\n"
"                    (YYYY-MM-DD, UTC), or date: each message's own Date\n"
"  --max-sigs N      signatures checked per message (default 10)\n"
"  --allow-body-length  accept l= covering part of the body (else policy)\n"
"  --allow-sha1      accept rsa-sha1 signatures (old mail; RFC 8301\n"
"                    refuses them): such a pass is marked legacy\n"
"  --min-key-bits N  accept RSA keys from N bits (default 1024, RFC 8301);\n"
"                    a pass with a smaller key is marked legacy\n"
"  --summary         at the end, on stderr, a table: messages, results,\n"
"                    the top failure reasons, pass/fail per signing domain\n"
"  --add-header      one message in, the same message out with\n"
"                    Authentication-Results prepended\n"
"  --quiet           no progress line on stderr\n"
"  --max-message-size N  a message over N bytes (K, M or G suffix; default\n"
"                    64M) is not checked: its signatures are reported as\n"
"                    permerror (message too large), SPF and DMARC as usual\n"
"                    from its header, and the run goes on; memory stays\n"
"                    bounded whatever the input\n"
"\n"
"Exit: 0 every message passes (per --require); 1 otherwise; with\n"
"--add-header 0 whenever the message was written (the header carries the\n"
"verdict); 64 usage; 73 the -o file cannot be created;\n"
"65, 66 or 74 when an input could not be read (the others are still\n"
"checked and reported); 69 --org-domain psl without a Public Suffix List.\n";

enum { OPT_FORMAT = OPT_FIRST_LOCAL, OPT_AUTHSERV, OPT_IP, OPT_MAILFROM,
    OPT_HELO, OPT_JOBS, OPT_AT, OPT_ADDHDR, OPT_QUIET, OPT_MAXSIGS,
    OPT_ALLOWL, OPT_REQUIRE, OPT_ORGDOMAIN, OPT_PSL, OPT_ARCTRUST,
    OPT_SHA1, OPT_MINBITS, OPT_SUMMARY, OPT_MAXSIZE };

enum fmt { F_TEXT, F_JSON, F_AR, F_SUMMARY };

/* --summary: counts by key ("dkim pass", "reason body hash mismatch",
 * "domain example.com"), a small open-addressing table. */
struct tally {
	struct tent { char *key; unsigned long n, pass, fail; } *t;
	size_t size, used;
	unsigned long messages;
};

static struct tent *
tally_get(struct tally *y, const char *key)
{
	size_t i, k;
	uint64_t h = 1469598103934665603ULL;
	const char *p;

	if (y->used * 2 >= y->size) {
		struct tally n = { NULL, y->size ? y->size * 2 : 256, 0, 0 };

		if ((n.t = calloc(n.size, sizeof(*n.t))) == NULL)
			return NULL;
		for (k = 0; k < y->size; k++) {
			if (y->t[k].key == NULL)
				continue;
			for (h = 1469598103934665603ULL, p = y->t[k].key; *p;
			    p++)
				h = (h ^ (unsigned char)*p) * 1099511628211ULL;
			for (i = h & (n.size - 1); n.t[i].key != NULL;
			    i = (i + 1) & (n.size - 1))
				;
			n.t[i] = y->t[k];
		}
		free(y->t);
		y->t = n.t;
		y->size = n.size;
	}
	for (h = 1469598103934665603ULL, p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	for (i = h & (y->size - 1); y->t[i].key != NULL; i = (i + 1) &
	    (y->size - 1))
		if (strcmp(y->t[i].key, key) == 0)
			return &y->t[i];
	if ((y->t[i].key = strdup(key)) == NULL)
		return NULL;
	y->used++;
	return &y->t[i];
}

/* One item's summary lines ("kind\tkey\tpass|fail") into the tally. */
static void
tally_add(struct tally *y, const char *sum)
{
	char line[1024];

	y->messages++;
	while (sum != NULL && *sum) {
		const char *nl = strchr(sum, '\n');
		size_t n = nl != NULL ? (size_t)(nl - sum) : strlen(sum);
		char *tab;
		struct tent *e;

		snprintf(line, sizeof(line), "%.*s", (int)n, sum);
		sum += n + (nl != NULL);
		if ((tab = strrchr(line, '\t')) == NULL)
			continue;
		*tab++ = '\0';
		if ((e = tally_get(y, line)) == NULL)
			continue;
		e->n++;
		if (strcmp(tab, "pass") == 0)
			e->pass++;
		else if (strcmp(tab, "fail") == 0)
			e->fail++;
	}
}

static int
tent_cmp(const void *a, const void *b)
{
	const struct tent *x = a, *y = b;

	if (x->key == NULL || y->key == NULL)
		return (x->key == NULL) - (y->key == NULL);
	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->key, y->key);
}

/* The table a person reads at the end. */
static void
tally_print(struct tally *y, FILE *fp)
{
	static const char *sect[] = { "dkim ", "spf ", "dmarc ", "arc " };
	size_t i, k, shown;

	if (y->t != NULL)
		qsort(y->t, y->size, sizeof(*y->t), tent_cmp);
	fprintf(fp, "messages: %lu\n", y->messages);
	for (k = 0; k < 4; k++) {
		int first = 1;

		for (i = 0; i < y->used; i++)
			if (strncmp(y->t[i].key, sect[k], strlen(sect[k])) == 0) {
				fprintf(fp, "%s%s %lu", first ? "" : ", ",
				    y->t[i].key, y->t[i].n);
				first = 0;
			}
		if (!first)
			fputc('\n', fp);
	}
	fprintf(fp, "top failure reasons:\n");
	for (i = 0, shown = 0; i < y->used && shown < 10; i++)
		if (strncmp(y->t[i].key, "reason ", 7) == 0) {
			fprintf(fp, "  %8lu  %s\n", y->t[i].n, y->t[i].key + 7);
			shown++;
		}
	if (shown == 0)
		fprintf(fp, "  (none)\n");
	fprintf(fp, "signing domains (pass / fail):\n");
	for (i = 0, shown = 0; i < y->used && shown < 20; i++)
		if (strncmp(y->t[i].key, "domain ", 7) == 0) {
			fprintf(fp, "  %8lu / %-8lu  %s\n", y->t[i].pass,
			    y->t[i].fail, y->t[i].key + 7);
			shown++;
		}
	for (i = 0; i < y->size; i++)
		free(y->t[i].key);
	free(y->t);
	memset(y, 0, sizeof(*y));
}

/* What --summary needs from one verdict. */
static char *
summary_lines(struct vouch_auth *a)
{
	struct vouch_error e = { 0 };
	size_t i, n = vouch_auth_dkim_count(a), size = 256, len = 0;
	char *s = malloc(size);

#define ADD(...) do { \
	int k_; \
	while (s != NULL && (k_ = snprintf(s + len, size - len, __VA_ARGS__)) \
	    >= 0 && (size_t)k_ >= size - len) { \
		char *x_ = realloc(s, size *= 2); \
		if (x_ == NULL) { free(s); s = NULL; } else s = x_; \
	} \
	if (s != NULL) len += (size_t)k_; \
} while (0)
	(void)e;
	if (n == 0)
		ADD("dkim none\tnone\n");
	for (i = 0; i < n; i++) {
		const struct vouch_dkim_sig *g = vouch_auth_dkim_sig(a, i);
		const char *r = vouch_dkim_result_name(g->result);
		int pass = g->result == VOUCH_DKIM_PASS;

		ADD("dkim %s\t-\n", r);
		ADD("domain %.200s\t%s\n", g->domain[0] ? g->domain : "(none)",
		    pass ? "pass" : "fail");
		if (!pass)
			ADD("reason dkim %.300s\t-\n", g->reason);
	}
	if (vouch_auth_spf(a) != NULL)
		ADD("spf %s\t-\n", vouch_spf_result_name(vouch_auth_spf(a)->result));
	ADD("dmarc %s\t-\n", vouch_dmarc_result_name(
	    vouch_auth_dmarc(a)->result));
	if (vouch_auth_arc(a)->result != VOUCH_ARC_NONE)
		ADD("arc %s\t-\n", vouch_arc_result_name(
		    vouch_auth_arc(a)->result));
#undef ADD
	/* reasons and domains came from the message: one line each */
	for (i = 0; s != NULL && i < len; i++)
		if (s[i] == '\r')
			s[i] = ' ';
	return s;
}

/*
 * What the command line named, in order: message files (read by a
 * worker), single messages read whole, and mboxes read as streams (plain,
 * or decompressed by libarchive as they are read).  Messages are taken
 * from them lazily into a ring of RING items, so however large an mbox is,
 * only a read buffer and the window being verified are in memory, and no
 * list of every message is ever built.
 */
struct input {
	const char *source;	/* shared, owned by the run */
	char *path;		/* a file read by the worker, or NULL */
	unsigned char *data;	/* a single message read whole (owned) */
	size_t len;
	int mbox;
	/* an mbox stream */
	int fd;
	void *ar;		/* struct archive *: a compressed one */
	unsigned char *buf;
	size_t blen, bcap, boff, index;
	int at_end;
	unsigned char *peekbuf;	/* libarchive's input: first the bytes
				 * looked at, then reads of fd */
	size_t npeek;
	int too_large;		/* a single message over the bound: data is
				 * its head only */
};

struct item {
	const char *source;	/* shared, owned by the run */
	size_t index;
	char *path;		/* a file read by the worker, or NULL */
	const unsigned char *data;	/* the message */
	size_t len;
	unsigned char *own;	/* an mbox message copied out of the stream */
	int mboxrd;
	int unquoted;		/* an mboxcl2 message: feed as it is */
	int too_large;		/* over --max-message-size: data is its head */
	size_t own_len;		/* bytes counted in the run's inflight */
	char *out;		/* formatted result */
	char *sum;		/* for --summary: one line per result */
	int passed, ex, done;
};

#define RING 256	/* messages in flight or waiting to be printed */
#define READ_CHUNK (1u << 20)	/* mbox bytes read at a time */
#define PEEK_SIZE 65536		/* read to tell what a file is */
#define BATCH 32		/* messages a worker takes at a time */
#define DEFAULT_MAX_MSG (64u << 20)	/* --max-message-size */
#define HEAD_MAX (1u << 20)	/* kept of a message over the bound */
#define INFLIGHT_MIN (256u << 20)	/* message bytes held at once */

struct run {
	struct input *items;	/* the inputs */
	size_t n, size;
	size_t cur;		/* the input the next message comes from */
	int eof;		/* every input has given all its messages */
	struct item ring[RING];
	size_t next_job, next_print, ndone;
	int waiting;		/* threads blocked on cv */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct vouch_auth_ctx *actx;
	struct vouch_auth_conn conn;
	enum vouch_auth_require require;
	enum fmt fmt;
	const char *authserv;
	char **sources;
	size_t nsources;
	int ex;			/* worst input error */
	int summary;		/* --summary or --format summary */
	int addhdr;		/* --add-header: the field alone */
	struct tally *tally;	/* what the summary counts */
	size_t max_msg;		/* --max-message-size */
	size_t inflight, inflight_max;	/* message bytes taken, not printed */
};

static void
set_ex(struct run *r, int ex)
{
	/* 66 missing, 74 unreadable, 65 malformed: the first one sticks */
	if (r->ex == EX_OK)
		r->ex = ex;
}

static struct input *
add_item(struct run *r, const char *source, size_t index)
{
	struct input *it;

	(void)index;
	if (r->n == r->size) {
		size_t ns = r->size ? r->size * 2 : 64;

		if ((it = realloc(r->items, ns * sizeof(*it))) == NULL)
			return NULL;
		r->items = it;
		r->size = ns;
	}
	it = &r->items[r->n++];
	memset(it, 0, sizeof(*it));
	it->source = source;
	it->fd = -1;
	return it;
}

static void set_ex(struct run *r, int ex);
static int too_large_item(struct run *r, struct input *in, struct item *it);

/* More of an mbox stream into its buffer: 0; -1 at its end (or on an
 * error, reported); -2 when the buffer holds --max-message-size bytes of
 * one message and would have to grow. */
static int
stream_fill(struct run *r, struct input *in)
{
	ssize_t n;

	if (in->at_end)
		return -1;
	if (in->boff > 0) {	/* what was taken is not needed again */
		memmove(in->buf, in->buf + in->boff, in->blen - in->boff);
		in->blen -= in->boff;
		in->boff = 0;
	}
	if (in->blen >= r->max_msg)
		return -2;	/* one message over the bound: not read further */
	if (in->blen == in->bcap) {	/* one message larger than the buffer */
		size_t nc = in->bcap ? in->bcap * 2 : READ_CHUNK;
		unsigned char *nb;

		if (nc > r->max_msg)
			nc = r->max_msg;
		if ((nb = realloc(in->buf, nc)) == NULL) {
			cli_err(in->source, "out of memory");
			set_ex(r, EX_OSERR);
			in->at_end = 1;
			return -1;
		}

		in->buf = nb;
		in->bcap = nc;
	}
#ifdef HAVE_LIBARCHIVE
	if (in->ar != NULL) {
		la_ssize_t k = archive_read_data(in->ar, in->buf + in->blen,
		    in->bcap - in->blen);

		if (k < 0) {
			cli_err(in->source, "cannot decompress: %s",
			    archive_error_string(in->ar));
			set_ex(r, EX_DATAERR);
		}
		n = k;
	} else
#endif
	{
		do {
			n = read(in->fd, in->buf + in->blen, in->bcap - in->blen);
		} while (n < 0 && errno == EINTR);
		if (n < 0) {
			cli_err(in->source, "%s", strerror(errno));
			set_ex(r, EX_IOERR);
		}
	}
	if (n <= 0) {
		in->at_end = 1;
		return -1;
	}
	in->blen += (size_t)n;
	return 0;
}

/* How much of a message over the bound is kept: its header section (to
 * the blank line) or HEAD_MAX bytes, whichever comes first. */
static size_t
head_len(const unsigned char *p, size_t n)
{
	size_t i;

	if (n > HEAD_MAX)
		n = HEAD_MAX;
	for (i = 0; i + 1 < n; i++)
		if (p[i] == '\n' && (p[i + 1] == '\n' || (p[i + 1] == '\r' &&
		    i + 2 < n && p[i + 2] == '\n')))
			return i + (p[i + 1] == '\n' ? 2 : 3);
	return n;
}

/* The message at the start of the buffer is over the bound: its head
 * becomes the item, the rest is read past without being kept, up to the
 * next "From " separator line (or the end). */
static int
too_large_item(struct run *r, struct input *in, struct item *it)
{
	const unsigned char *p = in->buf + in->boff, *nl;
	size_t n = in->blen - in->boff, h, i;

	/* the separator line is not part of the message */
	if ((nl = memchr(p, '\n', n)) != NULL) {
		n -= (size_t)(nl + 1 - p);
		p = nl + 1;
	}
	h = head_len(p, n);
	if ((it->own = malloc(h ? h : 1)) == NULL) {
		cli_err(in->source, "out of memory");
		set_ex(r, EX_OSERR);
		return 0;
	}
	memcpy(it->own, p, h);
	it->data = it->own;
	it->len = h;
	it->index = in->index++;
	it->mboxrd = 1;
	it->too_large = 1;
	/* skip to the next separator: a "From " line (mboxrd and mboxo
	 * quote it in bodies), read in chunks, the last bytes kept so that a
	 * separator across two reads is seen */
	in->boff = (size_t)(p - in->buf);
	for (;;) {
		for (i = in->boff; i + 6 <= in->blen; i++)
			if (in->buf[i] == '\n' && memcmp(in->buf + i + 1, "From ",
			    5) == 0) {
				in->boff = i + 1;
				return 1;
			}
		in->boff = in->blen > 5 ? in->blen - 5 : in->blen;
		if (stream_fill(r, in) != 0) {
			in->boff = in->blen;	/* the stream is done */
			return 1;
		}
	}
}

/* The next message of an mbox stream into it: 1, or 0 at its end. */
static int
stream_next(struct run *r, struct input *in, struct item *it)
{
	for (;;) {
		const unsigned char *msg;
		size_t len, off = in->boff;
		int quoted, rc;

		if (vouch_mbox_next_stream(in->buf, in->blen, in->at_end, &off,
		    &msg, &len, &quoted)) {
			if ((it->own = malloc(len ? len : 1)) == NULL) {
				cli_err(in->source, "out of memory");
				set_ex(r, EX_OSERR);
				return 0;
			}
			memcpy(it->own, msg, len);
			it->data = it->own;
			it->len = len;
			it->index = in->index++;
			it->mboxrd = 1;		/* "#index" in its name */
			it->unquoted = !quoted;	/* mboxcl2 */
			in->boff = off;
			return 1;
		}
		if ((rc = stream_fill(r, in)) == -2)
			return too_large_item(r, in, it);
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

static void
stream_close(struct input *in)
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
}

/* The next message of the inputs into it (under the lock); 0 at the end. */
static int
next_message(struct run *r, struct item *it)
{
	while (r->cur < r->n) {
		struct input *in = &r->items[r->cur];

		memset(it, 0, sizeof(*it));
		it->source = in->source;
		if (in->mbox) {
			if (stream_next(r, in, it)) {
				it->own_len = it->len;
				r->inflight += it->len;
				return 1;
			}
			stream_close(in);
			r->cur++;
			continue;
		}
		it->path = in->path;	/* the item owns it now */
		in->path = NULL;
		it->data = in->data;
		it->len = in->len;
		it->too_large = in->too_large;
		r->cur++;
		return 1;
	}
	r->eof = 1;
	return 0;
}

static const char *
keep_source(struct run *r, const char *s)
{
	char **ns = realloc(r->sources, (r->nsources + 1) * sizeof(*ns));

	if (ns == NULL)
		return NULL;
	r->sources = ns;
	if ((ns[r->nsources] = strdup(s)) == NULL)
		return NULL;
	return ns[r->nsources++];
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

#define MAX_DEPTH 32	/* folders inside folders we follow */

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

/* One message file, read by a worker. */
static void
add_message_file(struct run *r, const char *path)
{
	const char *src;
	struct input *it;

	if ((src = keep_source(r, path)) != NULL &&
	    (it = add_item(r, src, 0)) != NULL)
		it->path = strdup(path);
}

static void add_file(struct run *r, const char *path);

static int compressed(const unsigned char *p, size_t n);

/* Is the file an mbox or compressed (by its first bytes)? */
static int
needs_open(const char *path)
{
	unsigned char b[8];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return 1;	/* add_file says why */
	n = read(fd, b, sizeof(b));
	close(fd);
	return n <= 0 || (n >= 5 && memcmp(b, "From ", 5) == 0) ||
	    compressed(b, (size_t)n);
}

/* cur/ and new/ of one Maildir, sorted. */
static void
add_maildir_box(struct run *r, const char *dir)
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
				add_message_file(r, path);
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
add_dir(struct run *r, const char *dir, int depth)
{
	char **names, path[8192];
	size_t nn, i;
	int maildir = is_maildir(dir);

	if (depth > MAX_DEPTH) {
		cli_err(dir, "folders nested deeper than %d: not followed",
		    MAX_DEPTH);
		return;
	}
	if ((names = list_dir(dir, &nn)) == NULL) {
		cli_err(dir, "%s", strerror(errno));
		set_ex(r, EX_NOINPUT);
		return;
	}
	if (maildir)
		add_maildir_box(r, dir);
	for (i = 0; i < nn; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (maildir) {
			/* Maildir++: only the dot-named folders */
			if (names[i][0] == '.' && is_maildir(path))
				add_maildir_box(r, path);
		} else if (is_dir(path)) {
			add_dir(r, path, depth + 1);
		} else if (names[i][0] != '.') {
			/* one message per file is read by a worker (a folder
			 * of 100,000 files is not 100,000 mappings); mboxes
			 * and compressed files are opened here */
			if (needs_open(path))
				add_file(r, path);
			else
				add_message_file(r, path);
		}
		free(names[i]);
	}
	free(names);
}

/* A compressed mbox (gzip, xz, bzip2, zstd by their magic bytes, not the
 * file name) is decompressed by libarchive as it is read (add_file). */
static int
compressed(const unsigned char *p, size_t n)
{
	return (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) ||
	    (n >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0) ||
	    (n >= 3 && memcmp(p, "BZh", 3) == 0) ||
	    (n >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0);
}

/* A path: stdin, a folder, an mbox (also compressed), or one message. */
static void
add_path(struct run *r, const char *path)
{
	if (strcmp(path, "-") != 0 && is_dir(path)) {
		size_t before = r->n;

		add_dir(r, path, 0);
		if (r->n == before) {
			cli_err(path, "no messages in this folder (a Maildir, "
			    "Maildir++ folders or files of messages and mboxes)");
			set_ex(r, EX_NOINPUT);
		}
	} else
		add_file(r, path);
}

#ifdef HAVE_LIBARCHIVE
/* libarchive reads the bytes already looked at, then the descriptor. */
static la_ssize_t
ar_read(struct archive *a, void *arg, const void **out)
{
	struct input *in = arg;
	ssize_t n;

	(void)a;
	*out = in->peekbuf;
	if (in->npeek > 0) {
		n = (ssize_t)in->npeek;
		in->npeek = 0;
		return n;
	}
	do {
		n = read(in->fd, in->peekbuf, PEEK_SIZE);
	} while (n < 0 && errno == EINTR);
	return n;
}
#endif

/* A file or stdin: an mbox (plain or compressed) becomes a stream that
 * is read as messages are needed; anything else is one message, read
 * whole. */
static void
add_file(struct run *r, const char *path)
{
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
	unsigned char head[PEEK_SIZE];
	struct input *in;
	const char *src;
	size_t nhead = 0;
	ssize_t n;
	int fd, spool = -1, ex = EX_OK;

	if ((fd = cli_input_open(path, &spool, &ex)) < 0) {
		set_ex(r, ex);
		return;
	}
	if (spool >= 0)
		close(spool);	/* streamed, never spooled */
	/* enough of the start to tell what it is */
	while (nhead < sizeof(head) && (n = read(fd, head + nhead,
	    sizeof(head) - nhead)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			cli_err(name, "cannot read: %s", strerror(errno));
			set_ex(r, EX_IOERR);
			if (fd != STDIN_FILENO)
				close(fd);
			return;
		}
		nhead += (size_t)n;
	}
	if ((src = keep_source(r, name)) == NULL || (in = add_item(r, src, 0))
	    == NULL) {
		set_ex(r, EX_OSERR);
		if (fd != STDIN_FILENO)
			close(fd);
		return;
	}
	in->fd = fd;
	in->bcap = READ_CHUNK;
	if ((in->buf = malloc(in->bcap)) == NULL) {
		set_ex(r, EX_OSERR);
		stream_close(in);
		r->n--;
		return;
	}
	if (compressed(head, nhead)) {
#ifdef HAVE_LIBARCHIVE
		struct archive *ar = archive_read_new();
		struct archive_entry *e;

		in->ar = ar;
		if ((in->peekbuf = malloc(PEEK_SIZE)) == NULL) {
			set_ex(r, EX_OSERR);
			stream_close(in);
			r->n--;
			return;
		}
		memcpy(in->peekbuf, head, nhead);
		in->npeek = nhead;
		if (ar == NULL || archive_read_support_filter_all(ar) !=
		    ARCHIVE_OK || archive_read_support_format_raw(ar) !=
		    ARCHIVE_OK || archive_read_open(ar, in, NULL, ar_read,
		    NULL) != ARCHIVE_OK || archive_read_next_header(ar, &e) !=
		    ARCHIVE_OK) {
			cli_err(name, "cannot decompress: %s", ar != NULL &&
			    archive_error_string(ar) ? archive_error_string(ar)
			    : "unknown format");
			set_ex(r, EX_DATAERR);
			stream_close(in);
			r->n--;
			return;
		}
		/* enough decompressed to tell an mbox */
		while (in->blen < 5 && stream_fill(r, in) == 0)
			;
#else
		cli_err(name, "a compressed mbox, and vouch was built without "
		    "libarchive");
		set_ex(r, EX_DATAERR);
		stream_close(in);
		r->n--;
		return;
#endif
	} else {
		memcpy(in->buf, head, nhead);
		in->blen = nhead;
		if (nhead < sizeof(head))
			in->at_end = 1;
	}
	if (vouch_mbox_is(in->buf, in->blen)) {
		in->mbox = 1;
		return;
	}
	/* one message: all of it, or its head when it is over the bound */
	while ((n = stream_fill(r, in)) == 0)
		;
	if (n == -2) {
		in->too_large = 1;
		in->blen = head_len(in->buf, in->blen);
	}
	in->data = in->buf;
	in->len = in->blen;
	in->buf = NULL;
	stream_close(in);
}

/* A message file, whole; over max bytes only its head (*cut set). */
static int
read_file(const char *path, size_t max, unsigned char **data, size_t *len,
    int *cut)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	ssize_t r;
	size_t got = 0, want;

	if (fd == -1)
		return errno == ENOENT ? EX_NOINPUT : EX_IOERR;
	if (fstat(fd, &sb) != 0) {
		close(fd);
		return EX_IOERR;
	}
	*cut = (uint64_t)sb.st_size > max;
	want = *cut ? HEAD_MAX : (size_t)sb.st_size;
	if ((*data = malloc(want + 1)) == NULL) {
		close(fd);
		return EX_OSERR;
	}
	while (got < want && (r = read(fd, *data + got, want - got)) > 0)
		got += (size_t)r;
	close(fd);
	*len = *cut ? head_len(*data, got) : got;
	return EX_OK;
}

/* The result of one message as the chosen format; the library writes
 * every part of it. */
static char *
format_item(struct run *r, const struct item *it, struct vouch_auth *a)
{
	char *body, *out, label[64];
	size_t n;

	if (r->fmt == F_JSON)
		body = vouch_auth_json(a, it->source, (long)it->index);
	else if (r->fmt == F_AR && !r->addhdr) {
		/* a comment line naming the message, then its field */
		char *h = vouch_auth_header(a), *id = vouch_auth_ident(a);

		body = NULL;
		n = (h ? strlen(h) : 0) + strlen(it->source) + (id ? strlen(id) :
		    0) + sizeof(label) + 8;
		snprintf(label, sizeof(label), it->mboxrd ? "#%zu" : "",
		    it->index);
		if (h != NULL && (body = malloc(n)) != NULL)
			snprintf(body, n, "# %s%s%s%s\n%s", it->source, label,
			    id != NULL && *id ? " " : "", id ? id : "", h);
		vouch_free(h);
		vouch_free(id);
	} else if (r->fmt == F_AR)
		body = vouch_auth_header(a);
	else if (it->mboxrd) {
		n = strlen(it->source) + sizeof(label);
		if ((out = malloc(n)) == NULL)
			return NULL;
		snprintf(out, n, "%s#%zu", it->source, it->index);
		body = vouch_auth_text(a, out);
		free(out);
	} else
		body = vouch_auth_text(a, it->source);
	if (body == NULL)
		return NULL;
	n = strlen(body) + 2;
	if ((out = malloc(n)) != NULL)
		snprintf(out, n, "%s\n", body);
	vouch_free(body);
	return out;
}

static void
verify_item(struct run *r, struct item *it)
{
	struct vouch_auth *a = NULL;
	unsigned char *buf = NULL;
	const unsigned char *data = it->data;
	size_t len = it->len;
	struct vouch_error err = { 0 };
	char m[512];

	if (it->path != NULL) {
		if ((it->ex = read_file(it->path, r->max_msg, &buf, &len,
		    &it->too_large)) != EX_OK) {
			snprintf(m, sizeof(m), "vouch: %s: %s\n", it->path,
			    strerror(errno));
			it->out = strdup(m);
			return;
		}
		data = buf;
	}
	if (vouch_auth_new(r->actx, &r->conn, &a) != VOUCH_OK) {
		it->ex = EX_OSERR;
		free(buf);
		return;
	}
	if (it->mboxrd && !it->unquoted)
		vouch_auth_feed_mboxrd(a, data, len);
	else
		vouch_auth_feed(a, data, len);
	if (it->too_large)
		vouch_auth_mark_too_large(a, r->max_msg);
	if (vouch_auth_finish(a, &err) != VOUCH_OK) {
		it->ex = cli_exit_for(err.status);
		snprintf(m, sizeof(m), "vouch: %s: %s\n", it->source,
		    err.message);
		it->out = strdup(m);
	} else {
		it->passed = vouch_auth_passed(a, r->require);
		if (r->fmt != F_SUMMARY && (it->out = format_item(r, it, a)) ==
		    NULL)
			it->ex = EX_OSERR;
		if (r->summary)
			it->sum = summary_lines(a);
	}
	vouch_auth_free(a);
	free(buf);
}

static void *
worker(void *arg)
{
	struct run *r = arg;

	for (;;) {
		struct item *batch[BATCH];
		size_t n = 0, i;

		/* a few messages per turn of the lock: on a fast archive the
		 * handing over, not the checking, would be the cost */
		pthread_mutex_lock(&r->mu);
		while (!r->eof && (r->next_job - r->next_print >= RING ||
		    (r->inflight > r->inflight_max &&
		    r->next_job > r->next_print))) {
			r->waiting++;
			pthread_cond_wait(&r->cv, &r->mu);
			r->waiting--;
		}
		while (n < BATCH && !r->eof && r->next_job - r->next_print <
		    RING && (r->inflight <= r->inflight_max ||
		    r->next_job == r->next_print)) {
			struct item *it = &r->ring[r->next_job % RING];

			if (!next_message(r, it))
				break;
			r->next_job++;
			batch[n++] = it;
		}
		if (n == 0) {
			pthread_cond_broadcast(&r->cv);
			pthread_mutex_unlock(&r->mu);
			return NULL;
		}
		pthread_mutex_unlock(&r->mu);
		for (i = 0; i < n; i++)
			verify_item(r, batch[i]);
		pthread_mutex_lock(&r->mu);
		for (i = 0; i < n; i++)
			batch[i]->done = 1;
		r->ndone += n;
		if (r->waiting > 0 || r->eof)
			pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
	}
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Print results in input order as they complete. */
static int
print_all(struct run *r, int progress)
{
	double start = now_s(), last = 0;
	int all_pass = 1, werr = 0, shown = 0;

	for (;;) {
		struct item *it = &r->ring[r->next_print % RING];

		pthread_mutex_lock(&r->mu);
		while (!(r->next_print < r->next_job && it->done) &&
		    !(r->eof && r->next_print == r->next_job)) {
			r->waiting++;
			pthread_cond_wait(&r->cv, &r->mu);
			r->waiting--;
		}
		if (r->next_print == r->next_job) {
			pthread_mutex_unlock(&r->mu);
			break;
		}
		pthread_mutex_unlock(&r->mu);
		if (it->ex != EX_OK) {
			if (it->out != NULL)
				fputs(it->out, stderr);
			set_ex(r, it->ex);
			all_pass = 0;
		} else if (it->out != NULL && fputs(it->out, stdout) == EOF) {
			werr = 1;
		}
		if (!it->passed)
			all_pass = 0;
		if (r->summary && it->ex == EX_OK)
			tally_add(r->tally, it->sum);
		free(it->sum);
		it->sum = NULL;
		free(it->out);
		it->out = NULL;
		free(it->path);
		it->path = NULL;
		free(it->own);
		it->own = NULL;
		pthread_mutex_lock(&r->mu);
		r->inflight -= it->own_len;
		it->own_len = 0;
		it->done = 0;
		r->next_print++;
		if (r->waiting > 0)
			pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		/* only for a run long enough to wonder about */
		if (progress && now_s() - start > 1 && now_s() - last > 0.5) {
			double el = now_s() - start, rate = r->next_print / (el > 0 ?
			    el : 1e-9);

			last = now_s();
			shown = 1;
			fprintf(stderr, "\r%zu messages, %.0f/s ", r->next_print,
			    rate);
		}
	}
	if (shown)
		fprintf(stderr, "\r%zu messages in %.1fs%20s\n", r->next_print,
		    now_s() - start, "");
	if (r->summary)
		tally_print(r->tally, r->fmt == F_SUMMARY ? stdout : stderr);
	if (cli_stdout_done() != EX_OK || werr)
		return EX_IOERR;
	if (r->ex != EX_OK)
		return r->ex;
	return all_pass ? EX_OK : 1;
}

static int
run_add_header(struct run *r, const char *output)
{
	struct item *it = &r->ring[0];
	const unsigned char *nl;
	const char *eol;
	struct cli_out co;
	char *p;
	int fd, ex = EX_OK;
	size_t i;

	if (!next_message(r, it))
		return EX_SOFTWARE;
	if (it->too_large) {
		/* the message is not all in memory: nothing is written */
		cli_err(it->source, "over --max-message-size (%zu bytes): "
		    "cannot add a header to it", r->max_msg);
		return EX_DATAERR;
	}
	nl = memchr(it->data, '\n', it->len);
	eol = nl != NULL && nl > it->data && nl[-1] == '\r' ? "\r\n" : "\n";
	verify_item(r, it);
	if (it->ex != EX_OK || it->out == NULL)
		return it->ex != EX_OK ? it->ex : EX_SOFTWARE;
	/* fold with the message's own line ending */
	if ((fd = cli_output_open(&co, output, &ex)) < 0)
		return ex;
	for (i = 0, p = it->out; p[i] != '\0' && ex == EX_OK; i++) {
		if (p[i] == '\n') {
			if (cli_write_all(fd, eol, strlen(eol)) != 0)
				ex = EX_IOERR;
		} else if (cli_write_all(fd, p + i, 1) != 0) {
			ex = EX_IOERR;
		}
	}
	if (ex == EX_OK && cli_write_all(fd, it->data, it->len) != 0)
		ex = EX_IOERR;
	if (ex != EX_OK)
		cli_err(output ? output : "stdout", "%s", strerror(errno));
	i = (size_t)cli_output_close(&co, ex == EX_OK);
	if (ex == EX_OK)
		ex = (int)i;
	/* a delivery filter: the header was added, the job succeeded,
	 * whatever the verdict (which the header carries) */
	free(it->out);
	it->out = NULL;
	return ex;
}

static void
run_free(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->items[i].path);
		free(r->items[i].data);
		stream_close(&r->items[i]);
	}
	for (i = 0; i < RING; i++) {
		free(r->ring[i].out);
		free(r->ring[i].sum);
		free(r->ring[i].path);
		free(r->ring[i].own);
	}
	for (i = 0; i < r->nsources; i++)
		free(r->sources[i]);
	free(r->sources);
	free(r->items);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
}

/* --at YYYY-MM-DD: midnight UTC of that day. */
static int
parse_day(const char *s, int64_t *t)
{
	static const char *mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int y, m, d, used = 0;
	char buf[64];

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 ||
	    s[used] != '\0' || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	snprintf(buf, sizeof(buf), "%d %s %d 00:00:00 +0000", d, mon[m - 1], y);
	return (*t = vouch_date_parse(buf)) < 0 ? -1 : 0;
}

/* --arc-trust FILE: one sealing domain per line, # comments. */
static int
load_arc_trust(struct vouch_auth_ctx *actx, const char *path)
{
	FILE *fp = fopen(path, "r");
	char line[1024];
	unsigned long n = 0;

	if (fp == NULL) {
		cli_err(path, "%s", strerror(errno));
		return errno == ENOENT ? EX_NOINPUT : EX_IOERR;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *p = line, *e;

		n++;
		if ((e = strchr(p, '#')) != NULL)
			*e = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		for (e = p; *e && !strchr(" \t\r\n", *e); e++)
			;
		*e = '\0';
		if (*p == '\0')
			continue;
		if (strchr(p, '.') == NULL) {
			cli_err(path, "line %lu: %s is not a domain", n, p);
			fclose(fp);
			return EX_DATAERR;
		}
		if (vouch_auth_ctx_trust_arc(actx, p) != VOUCH_OK) {
			fclose(fp);
			return EX_OSERR;
		}
	}
	fclose(fp);
	return EX_OK;
}

int
cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "authserv-id", required_argument, NULL, OPT_AUTHSERV },
		{ "ip", required_argument, NULL, OPT_IP },
		{ "mail-from", required_argument, NULL, OPT_MAILFROM },
		{ "helo", required_argument, NULL, OPT_HELO },
		{ "jobs", required_argument, NULL, OPT_JOBS },
		{ "at", required_argument, NULL, OPT_AT },
		{ "add-header", no_argument, NULL, OPT_ADDHDR },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "max-sigs", required_argument, NULL, OPT_MAXSIGS },
		{ "allow-body-length", no_argument, NULL, OPT_ALLOWL },
		{ "require", required_argument, NULL, OPT_REQUIRE },
		{ "org-domain", required_argument, NULL, OPT_ORGDOMAIN },
		{ "psl", required_argument, NULL, OPT_PSL },
		{ "arc-trust", required_argument, NULL, OPT_ARCTRUST },
		{ "allow-sha1", no_argument, NULL, OPT_SHA1 },
		{ "min-key-bits", required_argument, NULL, OPT_MINBITS },
		{ "summary", no_argument, NULL, OPT_SUMMARY },
		{ "max-message-size", required_argument, NULL, OPT_MAXSIZE },
		{ "output", required_argument, NULL, 'o' },
		CLI_DNS_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct run r;
	struct cli_dns o = { 0 };
	struct vouch_auth_conn *req = &r.conn;
	struct vouch_dns *dns = NULL;
	const char *format = "text", *output = NULL, *orgmode = "treewalk";
	const char *pslfile = NULL, *arctrust = NULL;
	struct vouch_dmarc_psl *psl = NULL;
	struct tally tally;
	unsigned long jobs = 1, at = 0, maxsigs = VOUCH_DKIM_MAX_SIGS;
	unsigned long minbits = VOUCH_DKIM_MIN_RSA_BITS;
	int sha1 = 0, at_date = 0;
	pthread_t *threads = NULL;
	struct vouch_dkim_ctx *dctx;
	int c, ex = EX_OK, addhdr = 0, quiet = 0, allowl = 0;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.max_msg = DEFAULT_MAX_MSG;
	memset(&tally, 0, sizeof(tally));
	r.tally = &tally;
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT: format = optarg; break;
		case OPT_AUTHSERV: r.authserv = optarg; break;
		case OPT_IP: req->ip = optarg; break;
		case OPT_MAILFROM: req->mail_from = optarg; break;
		case OPT_HELO: req->helo = optarg; break;
		case OPT_ORGDOMAIN: orgmode = optarg; break;
		case OPT_PSL: pslfile = optarg; break;
		case OPT_ARCTRUST: arctrust = optarg; break;
		case OPT_SHA1: sha1 = 1; break;
		case OPT_SUMMARY: r.summary = 1; break;
		case OPT_MAXSIZE:
			if (cli_parse_size("--max-message-size", optarg,
			    &r.max_msg))
				goto usage;
			break;
		case OPT_MINBITS:
			if (cli_parse_uint("--min-key-bits", optarg, 4096,
			    &minbits))
				goto usage;
			break;
		case OPT_REQUIRE:
			if (strcmp(optarg, "dkim") == 0)
				r.require = VOUCH_AUTH_REQUIRE_DKIM;
			else if (strcmp(optarg, "dmarc") == 0)
				r.require = VOUCH_AUTH_REQUIRE_DMARC;
			else {
				cli_err("--require", "%s: expected dkim or dmarc",
				    optarg);
				goto usage;
			}
			break;
		case OPT_ADDHDR: addhdr = 1; break;
		case OPT_QUIET: quiet = 1; break;
		case OPT_ALLOWL: allowl = 1; break;
		case 'o': output = optarg; break;
		case OPT_JOBS:
			if (cli_parse_uint("--jobs", optarg, 1024, &jobs))
				goto usage;
			break;
		case OPT_MAXSIGS:
			if (cli_parse_uint("--max-sigs", optarg, 1000, &maxsigs))
				goto usage;
			break;
		case OPT_AT:
			if (strcmp(optarg, "date") == 0)
				at_date = 1;
			else if (strchr(optarg, '-') != NULL) {
				/* YYYY-MM-DD, midnight UTC */
				int64_t t;

				if (parse_day(optarg, &t) != 0) {
					cli_err("--at", "%s: expected UNIXTIME, "
					    "YYYY-MM-DD or date", optarg);
					goto usage;
				}
				at = (unsigned long)t;
			} else if (cli_parse_uint("--at", optarg, 0xffffffffffUL,
			    &at))
				goto usage;
			break;
		case 'h':
		case OPT_HELP:
			run_free(&r);
			return cli_usage("verify", usage_verify, EX_OK);
		default:
			if (!cli_dns_option(&o, c, optarg) || o.error)
				goto usage;
		}
	}
	if (strcmp(format, "text") == 0)
		r.fmt = F_TEXT;
	else if (strcmp(format, "json") == 0)
		r.fmt = F_JSON;
	else if (strcmp(format, "ar") == 0)
		r.fmt = F_AR;
	else if (strcmp(format, "summary") == 0) {
		r.fmt = F_SUMMARY;
		r.summary = 1;
	} else {
		cli_err("--format", "%s: expected text, json, ar or summary",
		    format);
		goto usage;
	}
	if (addhdr && argc - optind > 1) {
		cli_err("--add-header", "takes exactly one message");
		goto usage;
	}
	if (strcmp(orgmode, "treewalk") != 0 && strcmp(orgmode, "psl") != 0) {
		cli_err("--org-domain", "%s: expected treewalk or psl", orgmode);
		goto usage;
	}
	if ((req->mail_from != NULL || req->helo != NULL) && req->ip == NULL) {
		cli_err("verify", "--mail-from and --helo need --ip");
		goto usage;
	}
	if (req->ip != NULL && !cli_ip_ok(req->ip)) {
		cli_err("--ip", "%s: not an IPv4 or IPv6 address", req->ip);
		goto usage;
	}
	if (req->ip != NULL && req->mail_from == NULL && req->helo == NULL) {
		cli_err("--ip", "give --mail-from or --helo too");
		goto usage;
	}
	if (r.authserv == NULL)
		r.authserv = cli_host_name();
	r.inflight_max = r.max_msg > INFLIGHT_MIN / 4 ? 4 * r.max_msg :
	    INFLIGHT_MIN;
	if ((dns = cli_dns_setup(&o, NULL, &ex)) == NULL) {
		run_free(&r);
		return ex;
	}
	if ((r.actx = vouch_auth_ctx_new(dns, r.authserv)) == NULL) {
		ex = EX_OSERR;
		goto out;
	}
	if (strcmp(orgmode, "psl") == 0 && vouch_auth_ctx_set_org_mode(r.actx,
	    VOUCH_DMARC_ORG_PSL) != VOUCH_OK) {
		cli_err("--org-domain", "psl: no Public Suffix List (vouch was "
		    "built without libpsl, or the list is missing)");
		ex = EX_UNAVAILABLE;
		goto out;
	}
	if (pslfile != NULL) {
		struct vouch_error err = { 0 };

		if (vouch_dmarc_psl_load(pslfile, &psl, &err) != VOUCH_OK) {
			cli_err("--psl", "%s", err.message);
			ex = err.status == VOUCH_E_NOTFOUND ? EX_UNAVAILABLE :
			    EX_NOINPUT;
			goto out;
		}
		vouch_auth_ctx_set_psl(r.actx, psl);
	}
	if (arctrust != NULL && (ex = load_arc_trust(r.actx, arctrust)) !=
	    EX_OK)
		goto out;
	dctx = vouch_auth_ctx_dkim(r.actx);
	vouch_dkim_ctx_set_time(dctx, (int64_t)at);
	vouch_dkim_ctx_set_max_sigs(dctx, (unsigned int)maxsigs);
	vouch_dkim_ctx_set_allow_body_length(dctx, allowl);
	vouch_dkim_ctx_set_legacy(dctx, sha1, (unsigned int)minbits);
	vouch_dkim_ctx_set_time_from_date(dctx, at_date);
	cli_ignore_sigpipe();
	/* no PATH: stdin, as vouch sign reads it */
	if (optind == argc)
		add_path(&r, "-");
	for (i = (size_t)optind; i < (size_t)argc; i++)
		add_path(&r, argv[i]);
	if (addhdr) {
		if (r.n != 1 || r.items[0].mbox || r.items[0].path != NULL) {
			cli_err("--add-header", "needs one message, not an mbox "
			    "or Maildir");
			ex = r.ex != EX_OK ? r.ex : EX_USAGE;
			goto out;
		}
		r.fmt = F_AR;
		r.addhdr = 1;
		ex = run_add_header(&r, output);
		goto out;
	}
	if (r.n == 1 && !r.items[0].mbox)
		jobs = 1;	/* one message */
	if ((threads = calloc(jobs, sizeof(*threads))) == NULL) {
		ex = EX_OSERR;
		goto out;
	}
	for (i = 0; i < jobs; i++)
		if (pthread_create(&threads[i], NULL, worker, &r) != 0) {
			cli_err("--jobs", "cannot start thread %zu", i);
			break;
		}
	jobs = i;
	if (jobs == 0) {
		ex = EX_OSERR;
		goto out;
	}
	ex = print_all(&r, !quiet && isatty(STDERR_FILENO) && (r.n > 100 ||
	    (r.n > 0 && r.items[0].mbox)));
	for (i = 0; i < jobs; i++)
		pthread_join(threads[i], NULL);
out:
	free(threads);
	vouch_auth_ctx_free(r.actx);
	vouch_dmarc_psl_free(psl);
	vouch_dns_free(dns);
	run_free(&r);
	return ex;
usage:
	run_free(&r);
	fprintf(stderr, "Try 'vouch verify --help' for more.\n");
	return EX_USAGE;
}
