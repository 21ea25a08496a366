/*
 * vouch verify --add-header: one message in, the same message out with
 * the Authentication-Results field prepended (a delivery filter).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* One message read whole (--add-header). */
struct vouch_buf_in {
	unsigned char *data;
	size_t len, size;
	const char *name;
};

/* Read one message whole (at most max bytes): 0, or an exit status. */
static int
read_message(const char *path, size_t max, struct vouch_buf_in *in)
{
	int spool = -1, ex = EX_OK, fd;
	ssize_t n;

	if ((fd = cli_input_open(path, &spool, &ex)) < 0)
		return ex;
	if (spool >= 0)
		close(spool);	/* read whole here, never spooled */
	in->len = 0;
	in->size = 65536;
	if ((in->data = malloc(in->size)) == NULL)
		ex = EX_OSERR;
	while (ex == EX_OK) {
		if (in->len == in->size) {
			unsigned char *nb;

			if (in->size >= max) {
				cli_err(in->name, "over --max-message-size (%zu "
				    "bytes): cannot add a header to it", max);
				ex = EX_DATAERR;	/* nothing is written */
				break;
			}
			in->size = in->size * 2 < max ? in->size * 2 : max;
			if ((nb = realloc(in->data, in->size)) == NULL) {
				ex = EX_OSERR;
				break;
			}
			in->data = nb;
		}
		n = read(fd, in->data + in->len, in->size - in->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cli_err(in->name, "%s", strerror(errno));
			ex = EX_IOERR;
		}
		if (n <= 0)
			break;
		in->len += (size_t)n;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return ex;
}

/* --add-header: one message in, the same message out with the
 * Authentication-Results field prepended in its own line ending. */
int
cli_verify_add_header(struct vouch_auth_ctx *actx, const struct vouch_auth_conn *conn,
    const char *path, size_t max, const char *output)
{
	struct vouch_buf_in in = { NULL, 0, 0, NULL };
	struct vouch_auth *a = NULL;
	struct vouch_error err = { 0 };
	struct cli_out co;
	const unsigned char *nl;
	const char *eol;
	char *h = NULL;
	int fd, ex;
	size_t i;

	in.name = path == NULL || strcmp(path, "-") == 0 ? "stdin" : path;
	if ((ex = read_message(path, max, &in)) != EX_OK)
		goto out;
	if (vouch_mbox_is(in.data, in.len)) {
		cli_err("--add-header", "needs one message, not an mbox or "
		    "Maildir");
		ex = EX_USAGE;
		goto out;
	}
	if (vouch_auth_new(actx, conn, &a) != VOUCH_OK ||
	    vouch_auth_feed(a, in.data, in.len) != VOUCH_OK ||
	    vouch_auth_finish(a, &err) != VOUCH_OK ||
	    (h = vouch_auth_header(a)) == NULL) {
		ex = EX_OSERR;
		goto out;
	}
	nl = memchr(in.data, '\n', in.len);
	eol = nl != NULL && nl > in.data && nl[-1] == '\r' ? "\r\n" : "\n";
	if ((fd = cli_output_open(&co, output, &ex)) < 0)
		goto out;
	for (i = 0; h[i] != '\0' && ex == EX_OK; i++)
		if (cli_write_all(fd, h[i] == '\n' ? eol : h + i, h[i] == '\n' ?
		    strlen(eol) : 1) != 0)
			ex = EX_IOERR;
	if (ex == EX_OK && cli_write_all(fd, eol, strlen(eol)) != 0)
		ex = EX_IOERR;
	if (ex == EX_OK && cli_write_all(fd, in.data, in.len) != 0)
		ex = EX_IOERR;
	if (ex != EX_OK)
		cli_err(output ? output : "stdout", "%s", strerror(errno));
	i = (size_t)cli_output_close(&co, ex == EX_OK);
	/* a delivery filter: the header was added, the job succeeded,
	 * whatever the verdict (which the header carries) */
	if (ex == EX_OK)
		ex = (int)i;
out:
	vouch_free(h);
	vouch_auth_free(a);
	free(in.data);
	return ex;
}
