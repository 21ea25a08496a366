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

/* Output to a file is written beside it and renamed into place. */
int
cli_output_open(const char *path, char **tmp, int *ex)
{
	char *dir, *copy;
	size_t n;
	int fd;

	*tmp = NULL;
	if (path == NULL || strcmp(path, "-") == 0)
		return STDOUT_FILENO;
	if ((copy = strdup(path)) == NULL) {
		*ex = EX_OSERR;
		return -1;
	}
	dir = dirname(copy);
	n = strlen(dir) + 32;
	if ((*tmp = malloc(n)) == NULL) {
		free(copy);
		*ex = EX_OSERR;
		return -1;
	}
	snprintf(*tmp, n, "%s/.vouch-out-XXXXXX", dir);
	free(copy);
	if ((fd = mkostemp(*tmp, O_CLOEXEC)) == -1) {
		cli_err(path, "cannot create: %s", strerror(errno));
		free(*tmp);
		*tmp = NULL;
		*ex = EX_CANTCREAT;
		return -1;
	}
	fchmod(fd, 0644);
	return fd;
}

/* Commit (ok) or discard the output; returns an exit code. */
int
cli_output_close(int fd, const char *path, char *tmp, int ok)
{
	int ex = EX_OK;

	if (tmp == NULL) {
		if (ok && fd == STDOUT_FILENO && fsync(fd) != 0 &&
		    errno != EINVAL && errno != EROFS && errno != ENOTSUP) {
			cli_err("stdout", "%s", strerror(errno));
			ex = EX_IOERR;
		}
		return ex;
	}
	if (ok && (fsync(fd) != 0 || close(fd) != 0)) {
		cli_err(path, "%s", strerror(errno));
		ok = 0;
		ex = EX_IOERR;
	} else if (!ok) {
		close(fd);
	}
	if (ok && rename(tmp, path) != 0) {
		cli_err(path, "%s", strerror(errno));
		ex = EX_IOERR;
		ok = 0;
	}
	if (!ok)
		unlink(tmp);
	free(tmp);
	return ex;
}

void
cli_ignore_sigpipe(void)
{
	signal(SIGPIPE, SIG_IGN);
}
