/*
 * A minimal milter client (the MTA's side of the milter protocol, version
 * 6) for benchmarking milters without an MTA: T connections in parallel,
 * each submitting messages one after another, as Postfix would from an
 * internal client (127.0.0.1), so the milter signs.
 * usage: milter_client HOST:PORT MESSAGE-FILE N THREADS
 * prints: messages, seconds, messages per second, headers added, refusals
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SMFIP_NOCONNECT 0x01
#define SMFIP_NOHELO	0x02
#define SMFIP_NOMAIL	0x04
#define SMFIP_NORCPT	0x08
#define SMFIP_NOBODY	0x10
#define SMFIP_NOHDRS	0x20
#define SMFIP_NOEOH	0x40
#define SMFIP_NR_HDR	0x80
#define SMFIP_NR_CONN	0x1000
#define SMFIP_NR_HELO	0x2000
#define SMFIP_NR_MAIL	0x4000
#define SMFIP_NR_RCPT	0x8000
#define SMFIP_NR_EOH	0x40000
#define SMFIP_NR_BODY	0x80000
#define SMFIP_HDR_LEADSPC 0x100000

static struct sockaddr_in addr;
static char *msg;
static size_t msglen;
static long per_thread;
static long total_added, total_refused;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static int
full_write(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
full_read(int fd, void *p, size_t n)
{
	char *c = p;

	while (n > 0) {
		ssize_t r = read(fd, c, n);

		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

static __thread unsigned char *b;	/* one packet being written */
static __thread size_t bsize;

static int
send_cmd(int fd, char cmd, const void *data, size_t len)
{
	uint32_t l = htonl((uint32_t)len + 1);

	/* one write per packet, as an MTA does (no Nagle stalls) */
	if (len + 5 > bsize) {
		free(b);
		bsize = len + 5 > 65536 ? len + 5 : 65536;
		if ((b = malloc(bsize)) == NULL)
			return -1;
	}
	memcpy(b, &l, 4);
	b[4] = (unsigned char)cmd;
	if (len)
		memcpy(b + 5, data, len);
	return full_write(fd, b, len + 5);
}

/* One reply: its command letter; -1 on error. */
static int
read_reply(int fd, char *buf, size_t size, size_t *len)
{
	uint32_t l;
	char cmd;

	if (full_read(fd, &l, 4) != 0)
		return -1;
	l = ntohl(l);
	if (l == 0 || l - 1 > size || full_read(fd, &cmd, 1) != 0)
		return -1;
	*len = l - 1;
	if (*len && full_read(fd, buf, *len) != 0)
		return -1;
	return (unsigned char)cmd;
}

/* Replies until a final one: 'c', 'a', 'r', 't', ... ; counts added
 * headers. */
static int
final_reply(int fd, long *added)
{
	static __thread char buf[1 << 17];
	size_t n;
	int c;

	for (;;) {
		int one = 1;

		if ((c = read_reply(fd, buf, sizeof(buf), &n)) < 0)
			return -1;
		/* ACK at once: libmilter writes a modification and the final
		 * reply as separate packets, and Nagle would hold the second
		 * until a delayed ACK (40 ms) for the first */
		setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
		if (c == 'h' || c == 'i')
			(*added)++;
		else if (c == 'p' || c == 'm')
			continue;
		else if (c != 'h' && c != 'i')
			return c;
	}
}

static void *
run(void *arg)
{
	long added = 0, refused = 0, k;
	uint32_t opt[3], proto;
	char conn[64], buf[256];
	size_t n, hl;
	int fd, c;
	const char *body, *stage = "";

	(void)arg;
	int one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		perror("connect");
		exit(69);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	opt[0] = htonl(6);
	opt[1] = htonl(0x1ff);	/* every action */
	opt[2] = htonl(0x1fffff);	/* every protocol step we know */
	send_cmd(fd, 'O', opt, sizeof(opt));
	if (read_reply(fd, buf, sizeof(buf), &n) != 'O' || n < 12) {
		fprintf(stderr, "milter_client: negotiation failed\n");
		exit(69);
	}
	memcpy(&proto, buf + 8, 4);
	proto = ntohl(proto);
	/* connect: "localhost", family '4', port, address (the client's
	 * address from MILTER_CLIENT_ADDR, else 127.0.0.1: internal) */
	n = (size_t)snprintf(conn, sizeof(conn), "localhost%c4%c%c%s", 0,
	    0, 25, getenv("MILTER_CLIENT_ADDR") != NULL ?
	    getenv("MILTER_CLIENT_ADDR") : "127.0.0.1");
	if (!(proto & SMFIP_NOCONNECT)) {
		send_cmd(fd, 'C', conn, n + 1);
		if (!(proto & SMFIP_NR_CONN))
			final_reply(fd, &added);
	}
	if (!(proto & SMFIP_NOHELO)) {
		send_cmd(fd, 'H', "client.test", 12);
		if (!(proto & SMFIP_NR_HELO))
			final_reply(fd, &added);
	}
	body = strstr(msg, "\r\n\r\n");
	hl = (size_t)(body - msg) + 2;
	body += 4;
	for (k = 0; k < per_thread; k++) {
		const char *p = msg, *end = msg + hl;
		char qid[32];
		size_t qn;

		if (!(proto & SMFIP_NOMAIL)) {
			stage = "MAIL";
			send_cmd(fd, 'M', "<alice@milter.test>", 20);
			if (!(proto & SMFIP_NR_MAIL) &&
			    (c = final_reply(fd, &added)) != 'c') {
				if (c == 'a')
					continue;	/* accepted as it is */
				goto refused;
			}
		}
		if (!(proto & SMFIP_NORCPT)) {
			stage = "RCPT";
			send_cmd(fd, 'R', "<rcpt@example.net>", 19);
			if (!(proto & SMFIP_NR_RCPT) &&
			    (c = final_reply(fd, &added)) != 'c')
				goto refused;
		}
		/* header fields: name\0value\0, value without CRLF ends */
		while (!(proto & SMFIP_NOHDRS) && p < end) {
			char field[8192];
			const char *colon = memchr(p, ':', (size_t)(end - p)), *q;
			size_t fl = 0, vl;

			q = p;
			/* the field runs to a CRLF not followed by WSP */
			while (q + 1 < end && !(q[0] == '\r' && q[1] == '\n' &&
			    q[2] != ' ' && q[2] != '\t'))
				q++;
			memcpy(field, p, (size_t)(colon - p));
			fl = (size_t)(colon - p);
			field[fl++] = '\0';
			vl = (size_t)(q - colon - 1);
			if (!(proto & SMFIP_HDR_LEADSPC) && vl && colon[1] == ' ') {
				memcpy(field + fl, colon + 2, vl - 1);
				fl += vl - 1;
			} else {
				memcpy(field + fl, colon + 1, vl);
				fl += vl;
			}
			field[fl++] = '\0';
			send_cmd(fd, 'L', field, fl);
			if (!(proto & SMFIP_NR_HDR))
				final_reply(fd, &added);
			p = q + 2;
		}
		if (!(proto & SMFIP_NOEOH)) {
			stage = "EOH";
			send_cmd(fd, 'N', NULL, 0);
			if (!(proto & SMFIP_NR_EOH)) {
				c = final_reply(fd, &added);
				if (c == 'a')
					continue;
				if (c != 'c')
					goto refused;
			}
		}
		if (!(proto & SMFIP_NOBODY)) {
			send_cmd(fd, 'B', body, msglen - (size_t)(body - msg));
			if (!(proto & SMFIP_NR_BODY))
				final_reply(fd, &added);
		}
		qn = (size_t)snprintf(qid, sizeof(qid), "Ei%cQ%ld%c", 0, k, 0);
		send_cmd(fd, 'D', qid, qn);
		stage = "EOM";
		send_cmd(fd, 'E', NULL, 0);
		c = final_reply(fd, &added);
		if (c == 'a' || c == 'c')
			continue;
refused:
		if (getenv("MILTER_CLIENT_DEBUG") != NULL)
			fprintf(stderr, "milter_client: message %ld refused "
			    "at %s ('%c')\n", k, stage, c);
		refused++;
		send_cmd(fd, 'A', NULL, 0);
	}
	send_cmd(fd, 'Q', NULL, 0);
	close(fd);
	free(b);
	b = NULL;
	bsize = 0;
	pthread_mutex_lock(&mu);
	total_added += added;
	total_refused += refused;
	pthread_mutex_unlock(&mu);
	return NULL;
}

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	pthread_t th[64];
	char host[64], *colon;
	FILE *fp;
	long n, nt, i;
	double s;

	if (argc != 5) {
		fprintf(stderr, "usage: milter_client HOST:PORT MESSAGE N "
		    "THREADS\n");
		return 64;
	}
	snprintf(host, sizeof(host), "%s", argv[1]);
	if ((colon = strrchr(host, ':')) == NULL)
		return 64;
	*colon = '\0';
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)atoi(colon + 1));
	inet_pton(AF_INET, host, &addr.sin_addr);
	if ((fp = fopen(argv[2], "rb")) == NULL)
		return 66;
	msg = malloc(1 << 20);
	msglen = fread(msg, 1, (1 << 20) - 1, fp);
	msg[msglen] = '\0';
	fclose(fp);
	if (strstr(msg, "\r\n\r\n") == NULL) {
		fprintf(stderr, "milter_client: the message needs CRLF lines\n");
		return 65;
	}
	n = atol(argv[3]);
	nt = atol(argv[4]);
	if (nt < 1 || nt > 64)
		return 64;
	per_thread = n / nt;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < nt; i++)
		pthread_create(&th[i], NULL, run, NULL);
	for (i = 0; i < nt; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%ld %.3f %.1f %ld %ld\n", per_thread * nt, s,
	    (double)(per_thread * nt) / s, total_added, total_refused);
	return 0;
}
