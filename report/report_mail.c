/*
 * Reports by mail (RFC 9990 2.1 and RFC 7489 7.2.1.1): one MIME message
 * per report and destination, the gzip'd XML attached, handed to the
 * sendmail command on its standard input.  The destination comes from
 * DNS (rua=), so it is accepted only as a plain addr-spec of safe
 * characters: nothing from DNS can add a header or a recipient.
 */
#include "config.h"

#include <errno.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "report_int.h"
#include "common/util.h"

#define RS_MAX_ADDR 254		/* RFC 5321 4.5.3.1.3: a path's length */

extern char **environ;

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 5322 atext and '.', for the local part; LDH, '.' and '_' after
 * the '@'. */
static int
addr_ok(const char *a)
{
	const char *at = strrchr(a, '@'), *p;

	if (at == NULL || at == a || at[1] == '\0' ||
	    strlen(a) > RS_MAX_ADDR || a[0] == '.' || at[-1] == '.')
		return 0;
	for (p = a; p < at; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') ||
		    strchr("!#$%&'*+-/=?^_`{|}~.", *p) != NULL) ||
		    (p[0] == '.' && p[1] == '.'))
			return 0;
	for (p = at + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_') || (p[0] == '.' && (p[1] == '.' || p[1] == '\0')))
			return 0;
	return at[1] != '.';
}

/* "!10m": the size limit (RFC 7489 6.4), k, m, g or t; 0 when absent. */
static int
size_limit(const char *s, uint64_t *limit)
{
	char *end;
	unsigned long long n;

	*limit = 0;
	if (s == NULL)
		return 0;
	errno = 0;
	n = strtoull(s + 1, &end, 10);
	if (end == s + 1 || errno != 0 || n > (1ULL << 40))
		return -1;
	switch (*end) {
	case 'k': case 'K': n <<= 10; end++; break;
	case 'm': case 'M': n <<= 20; end++; break;
	case 'g': case 'G': n <<= 30; end++; break;
	case 't': case 'T': n <<= 40; end++; break;
	}
	if (*end != '\0')
		return -1;
	*limit = n;
	return 0;
}

int
vouch__rs_mailto(const char *uri, char **addr, uint64_t *limit)
{
	char buf[RS_MAX_ADDR + 1];
	const char *p, *bang;
	size_t n = 0;
	int h, l;

	while (*uri == ' ' || *uri == '\t')
		uri++;
	if (strncasecmp(uri, "mailto:", 7) != 0)
		return -1;
	p = uri + 7;
	bang = strchr(p, '!');
	for (; *p && p != bang && *p != '?'; p++) {
		int c = (unsigned char)*p;

		if (c == '%' && (h = hexval(p[1])) >= 0 &&
		    (l = hexval(p[2])) >= 0) {
			c = h * 16 + l;
			p += 2;
		}
		if (n + 1 >= sizeof(buf))
			return -1;
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	if (!addr_ok(buf) || size_limit(bang, limit) != 0)
		return -1;
	return (*addr = strdup(buf)) != NULL ? 0 : -1;
}

/* The message's header and the text part, up to the attachment's data. */
static char *
mail_head(const struct vouch_report_send_opts *o, const struct rs_report *r,
    const char *addr, const char *name, const char *boundary)
{
	char date[64], *s;
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if (asprintf(&s, "From: %s\nTo: %s\nDate: %s\n"
	    "Subject: Report Domain: %s Submitter: %s Report-ID: <%s>\n"
	    "Message-ID: <%s@%s>\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"%s\"\n\n"
	    "--%s\nContent-Type: text/plain; charset=us-ascii\n\n"
	    "This is a DMARC aggregate report (RFC 9990) for %s from %s,\n"
	    "for %lld to %lld (seconds since the epoch, UTC).\n\n"
	    "--%s\nContent-Type: application/gzip; name=\"%s\"\n"
	    "Content-Transfer-Encoding: base64\n"
	    "Content-Disposition: attachment; filename=\"%s\"\n\n",
	    o->email, addr, date, r->policy_domain, o->receiver, r->report_id,
	    r->report_id, o->receiver, boundary, boundary, r->policy_domain,
	    o->receiver, (long long)r->begin, (long long)r->end - 1, boundary,
	    name, name) < 0)
		return NULL;
	return s;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The gzip file as base64 lines of 76 characters. */
static int
write_b64(int fd, FILE *gz)
{
	unsigned char in[57 * 64];
	size_t n;

	rewind(gz);
	while ((n = fread(in, 1, sizeof(in), gz)) > 0) {
		size_t i;

		for (i = 0; i < n; i += 57) {
			char *b = vouch__b64_encode(in + i, n - i < 57 ?
			    n - i : 57);
			int bad = b == NULL || write_all(fd, b, strlen(b)) != 0 ||
			    write_all(fd, "\n", 1) != 0;

			free(b);
			if (bad)
				return -1;
		}
	}
	return ferror(gz) ? -1 : 0;
}

/* Start the command with a socket on its standard input (written with
 * MSG_NOSIGNAL: a command that exits early is an error, not a SIGPIPE). */
static pid_t
spawn(const char *cmd, int *fd)
{
	static char sh[] = "/bin/sh", c[] = "-c";
	char *argv[] = { sh, c, (char *)(uintptr_t)cmd, NULL };
	posix_spawn_file_actions_t fa;
	int p[2];
	pid_t pid = -1;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[0], 0);
	if (posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(p[0]);
	shutdown(p[1], SHUT_RD);
	if (pid < 0)
		close(p[1]);
	else
		*fd = p[1];
	return pid;
}

enum vouch_status
vouch__rs_mail(const struct vouch_report_send_opts *o,
    const struct rs_report *r, const char *addr, FILE *gz, const char *name,
    struct vouch_error *err)
{
	const char *cmd = o->sendmail != NULL ? o->sendmail :
	    "/usr/sbin/sendmail -t -oi";
	char boundary[64], tail[96], *hd;
	int fd = -1, status = 0, bad;
	pid_t pid;

	snprintf(boundary, sizeof(boundary), "=_vouch_%s", r->report_id);
	snprintf(tail, sizeof(tail), "\n--%s--\n", boundary);
	if ((hd = mail_head(o, r, addr, name, boundary)) == NULL)
		return vouch__err(err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	if ((pid = spawn(cmd, &fd)) < 0) {
		free(hd);
		return vouch__err(err, VOUCH_E_IO, NULL, -1, "%s: cannot start: "
		    "%s", cmd, strerror(errno));
	}
	bad = write_all(fd, hd, strlen(hd)) != 0 || write_b64(fd, gz) != 0 ||
	    write_all(fd, tail, strlen(tail)) != 0;
	free(hd);
	close(fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return vouch__err(err, VOUCH_E_IO, NULL, -1, "%s exited with %d",
		    cmd, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	if (bad)
		return vouch__err(err, VOUCH_E_IO, NULL, -1, "%s: the message "
		    "could not be written to it", cmd);
	return VOUCH_OK;
}
