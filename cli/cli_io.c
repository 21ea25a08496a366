/* Input and output for pipelines: nothing half-written, ever. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int
cli_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Open the input.  A regular file can be read twice; anything else is
 * spooled to an unlinked temporary file as it is read, so the caller can
 * rewind.  Returns the fd to read the first pass from and sets *spool to
 * -1 (seekable input) or to the spool fd to write into.
 */
int
cli_input_open(const char *path, int *spool, int *ex)
{
	struct stat sb;
	int fd;

	*spool = -1;
	if (path == NULL || strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
	} else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		cli_err(path, "%s", strerror(errno));
		*ex = errno == ENOENT ? EX_NOINPUT : EX_IOERR;
		return -1;
	}
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    lseek(fd, 0, SEEK_CUR) != (off_t)-1)
		return fd;
	{
		const char *tmpdir = getenv("TMPDIR");
		char tmpl[PATH_MAX];

		snprintf(tmpl, sizeof(tmpl), "%s/vouch-spool-XXXXXX",
		    tmpdir != NULL && *tmpdir ? tmpdir : "/tmp");
		if ((*spool = mkostemp(tmpl, O_CLOEXEC)) == -1) {
			cli_err("spool", "%s: %s", tmpl, strerror(errno));
			*ex = EX_IOERR;
			if (fd != STDIN_FILENO)
				close(fd);
			return -1;
		}
		unlink(tmpl);
		fchmod(*spool, 0600);
	}
	return fd;
}

/*
 * Output to a file is written beside it and renamed into place once it is
 * complete.  Where the kernel allows (O_TMPFILE and /proc), the file has
 * no name at all until then, so even a SIGKILL leaves nothing behind;
 * elsewhere it is a dot file that a kill can leave, never the target.
 */
int
cli_output_open(struct cli_out *o, const char *path, int *ex)
{
	char *dir, *copy;
	mode_t mask;
	size_t n;

	memset(o, 0, sizeof(*o));
	o->fd = STDOUT_FILENO;
	if (path == NULL || strcmp(path, "-") == 0)
		return o->fd;
	o->path = path;
	if ((copy = strdup(path)) == NULL) {
		*ex = EX_OSERR;
		return -1;
	}
	dir = dirname(copy);
	n = strlen(dir) + 32;
	if ((o->tmp = malloc(n)) == NULL) {
		free(copy);
		*ex = EX_OSERR;
		return -1;
	}
	snprintf(o->tmp, n, "%s/.vouch-out-XXXXXX", dir);
	mask = umask(077);
	umask(mask);
#ifdef O_TMPFILE
	if (access("/proc/self/fd", X_OK) == 0 && (o->fd = open(dir,
	    O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600)) != -1)
		o->anon = 1;
	else
#endif
		o->fd = mkostemp(o->tmp, O_CLOEXEC);
	free(copy);
	if (o->fd == -1) {
		cli_err(path, "cannot create: %s", strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
		*ex = EX_CANTCREAT;
		return -1;
	}
	fchmod(o->fd, 0666 & ~mask);
	return o->fd;
}

/* Give the nameless file o->fd the name o->tmp (its XXXXXX filled in). */
static int
link_anon(struct cli_out *o)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	char proc[64], *x = o->tmp + strlen(o->tmp) - 6;
	unsigned char rnd[6];
	int tries, i;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", o->fd);
	for (tries = 0; tries < 100; tries++) {
		if (getentropy(rnd, sizeof(rnd)) != 0)
			return -1;
		for (i = 0; i < 6; i++)
			x[i] = set[rnd[i] % (sizeof(set) - 1)];
		if (linkat(AT_FDCWD, proc, AT_FDCWD, o->tmp,
		    AT_SYMLINK_FOLLOW) == 0) {
			o->anon = 0;	/* it has a name now */
			return 0;
		}
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

/* Commit (ok) or discard the output; returns an exit code. */
int
cli_output_close(struct cli_out *o, int ok)
{
	int ex = EX_OK;

	if (o->path == NULL) {
		if (ok && fsync(o->fd) != 0 &&
		    errno != EINVAL && errno != EROFS && errno != ENOTSUP) {
			cli_err("stdout", "%s", strerror(errno));
			ex = EX_IOERR;
		}
		return ex;
	}
	if (ok && (fsync(o->fd) != 0 || (o->anon && link_anon(o) != 0))) {
		cli_err(o->path, "%s", strerror(errno));
		ok = 0;
		ex = EX_IOERR;
	}
	if (close(o->fd) != 0 && ok) {
		cli_err(o->path, "%s", strerror(errno));
		ok = 0;
		ex = EX_IOERR;
	}
	if (ok && rename(o->tmp, o->path) != 0) {
		cli_err(o->path, "%s", strerror(errno));
		ex = EX_IOERR;
		ok = 0;
	}
	if (!ok && !o->anon)
		unlink(o->tmp);
	free(o->tmp);
	o->tmp = NULL;
	return ex;
}

void
cli_ignore_sigpipe(void)
{
	signal(SIGPIPE, SIG_IGN);
}

/* Copy src from its start to out: 0, -1 read error, -2 write error. */
int
cli_copy_out(int src, int out)
{
	char *buf = malloc(65536);
	ssize_t r;
	int rc = 0;

	if (buf == NULL || lseek(src, 0, SEEK_SET) == (off_t)-1) {
		free(buf);
		return -1;
	}
	while ((r = read(src, buf, 65536)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		if (cli_write_all(out, buf, (size_t)r) != 0) {
			rc = -2;
			break;
		}
	}
	free(buf);
	return rc;
}


/*
 * The end of output on stdout: EX_OK, or EX_IOERR when it could not all be
 * written.  A reader that went away early (`| head`, EPIPE) is not worth
 * a message: the exit status still says the output is incomplete.
 */
int
cli_stdout_done(void)
{
	int e;

	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return EX_OK;
	e = errno;
	if (e != EPIPE && e != 0)
		cli_err("stdout", "%s", strerror(e));
	return EX_IOERR;
}

/*
 * The end of a pipeline: headers (may be NULL) then the input from its
 * start, to output (NULL: stdout; a file appears only once complete).
 * Everything is known by now: this is the only place that writes.
 */
int
cli_write_prepended(const char *output, const char *headers, int src)
{
	struct cli_out co;
	int out, r, ex = EX_OK;

	if ((out = cli_output_open(&co, output, &ex)) < 0)
		return ex;
	r = headers != NULL ? cli_write_all(out, headers, strlen(headers)) : 0;
	if (r == 0)
		r = cli_copy_out(src, out);
	if (r != 0) {
		cli_err(output ? output : "stdout", "%s", strerror(errno));
		ex = EX_IOERR;
	}
	r = cli_output_close(&co, ex == EX_OK);
	return ex == EX_OK ? r : ex;
}
