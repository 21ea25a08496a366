/*
 * One message's verdict latency under real DNS (an authoritative server
 * on 127.0.0.1 that answers after 20 ms, bench/slow_dns.py): a message
 * with two DKIM signatures (d=lat.test and d=esp.test), SPF for its
 * MAIL FROM with mx and two includes (the client matches the second),
 * and DMARC for sub.lat.test, which has no record of its own (the tree
 * walk finds lat.test's).  Each run starts with an empty cache.  The
 * lookups made together (vouch_auth_ctx_set_parallel, the default)
 * against one after another (as OpenDKIM, libspf2 and OpenDMARC make
 * them), the same results required.  Goal: <= 0.5x.
 * usage: bench_latency setup DIR      (keys, DIR/extra.txt, DIR/msg.eml)
 *        bench_latency run PORT DIR [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vouch/vouch.h>
#include "bench_util.h"

static int
setup(const char *dir)
{
	static const char *doms[2] = { "lat.test", "esp.test" };
	static const char *sels[2] = { "k1", "k2" };
	struct vouch_dkim_sign_params p[2];
	struct vouch_dkim_key *k[2];
	struct vouch_dkim_signer *s;
	char path[4096], *h, *rec;
	const char *msg = "From: Someone <user@sub.lat.test>\r\n"
	    "To: rcpt@example.net\r\nSubject: latency\r\n"
	    "Date: Sat, 05 Dec 2026 10:00:00 +0000\r\n"
	    "Message-ID: <lat@sub.lat.test>\r\n\r\nOne message, many lookups.\r\n";
	FILE *z, *m;
	int i;

	snprintf(path, sizeof(path), "%s/extra.txt", dir);
	if ((z = fopen(path, "w")) == NULL)
		return 1;
	memset(p, 0, sizeof(p));
	for (i = 0; i < 2; i++) {
		vouch_dkim_key_generate(VOUCH_DKIM_RSA, 2048, &k[i], NULL);
		rec = vouch_dkim_key_record(k[i], 0);
		fprintf(z, "%s._domainkey.%s TXT %s\n", sels[i], doms[i], rec);
		free(rec);
		p[i].domain = doms[i];
		p[i].selector = sels[i];
		p[i].key = k[i];
		p[i].header_canon = p[i].body_canon = VOUCH_DKIM_RELAXED;
	}
	fprintf(z, "sub.lat.test TXT v=spf1 mx include:_s1.lat.test "
	    "include:_s2.lat.test -all\n"
	    "sub.lat.test MX 10 mx.lat.test\nmx.lat.test A 203.0.113.1\n"
	    "_s1.lat.test TXT v=spf1 ip4:198.51.100.0/24 -all\n"
	    "_s2.lat.test TXT v=spf1 ip4:192.0.2.0/24 -all\n"
	    "_dmarc.lat.test TXT v=DMARC1; p=reject\n");
	fclose(z);
	if (vouch_dkim_signer_new(p, 2, &s, NULL) != VOUCH_OK)
		return 1;
	vouch_dkim_signer_feed(s, msg, strlen(msg));
	if (vouch_dkim_signer_finish(s, &h, NULL) != VOUCH_OK)
		return 1;
	snprintf(path, sizeof(path), "%s/msg.eml", dir);
	if ((m = fopen(path, "w")) == NULL)
		return 1;
	fprintf(m, "%s%s", h, msg);
	fclose(m);
	vouch_free(h);
	vouch_dkim_signer_free(s);
	for (i = 0; i < 2; i++)
		vouch_dkim_key_free(k[i]);
	return 0;
}

static char *msg;
static size_t msglen;

/* One verdict with an empty cache: ms, its results into out, and the
 * upstream queries into *q. */
static double
once(const char *server, int parallel, char *out, size_t size,
    unsigned long *q)
{
	struct vouch_dns *dns = vouch_dns_new();
	struct vouch_auth_ctx *ctx;
	struct vouch_auth_conn conn = { 0 };
	struct vouch_auth *a;
	struct vouch_dns_stats st;
	double t0, t;
	size_t i, o = 0;

	if (vouch_dns_set_live(dns, server, NULL) != VOUCH_OK)
		abort();
	ctx = vouch_auth_ctx_new(dns, "mx.bench.test");
	vouch_auth_ctx_set_parallel(ctx, parallel);
	conn.ip = "192.0.2.7";
	conn.mail_from = "user@sub.lat.test";
	conn.helo = "mail.lat.test";
	t0 = now();
	vouch_auth_new(ctx, &conn, &a);
	vouch_auth_feed(a, msg, msglen);
	vouch_auth_finish(a, NULL);
	t = (now() - t0) * 1e3;
	for (i = 0; i < vouch_auth_dkim_count(a); i++)
		o += (size_t)snprintf(out + o, size - o, "dkim=%s ",
		    vouch_dkim_result_name(vouch_auth_dkim_sig(a, i)->result));
	snprintf(out + o, size - o, "spf=%s dmarc=%s policy=%s",
	    vouch_spf_result_name(vouch_auth_spf(a)->result),
	    vouch_dmarc_result_name(vouch_auth_dmarc(a)->result),
	    vouch_auth_dmarc(a)->policy_domain ? vouch_auth_dmarc(a)->policy_domain : "-");
	vouch_auth_free(a);
	vouch_auth_ctx_free(ctx);
	/* a lookup asked ahead and not used may still be on the wire */
	nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 }, NULL);
	vouch_dns_stats(dns, &st);
	*q = st.upstream;
	vouch_dns_free(dns);
	return t;
}

int
main(int argc, char **argv)
{
	char server[64], path[4096], rs[512], rp[512];
	double ts[64], tp[64];
	unsigned long qs = 0, qp = 0;
	int rounds, r;
	FILE *fp;
	long n;

	if (argc == 3 && strcmp(argv[1], "setup") == 0)
		return setup(argv[2]);
	if (argc < 4 || strcmp(argv[1], "run") != 0) {
		fprintf(stderr, "usage: bench_latency setup DIR | run PORT DIR "
		    "[ROUNDS]\n");
		return 64;
	}
	rounds = argc > 4 ? atoi(argv[4]) : 9;
	if (rounds < 1 || rounds > 64)
		rounds = 9;
	snprintf(server, sizeof(server), "127.0.0.1:%s", argv[2]);
	snprintf(path, sizeof(path), "%s/msg.eml", argv[3]);
	if ((fp = fopen(path, "rb")) == NULL)
		return 66;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	msg = malloc((size_t)n + 1);
	msglen = fread(msg, 1, (size_t)n, fp);
	fclose(fp);
	for (r = 0; r < rounds; r++) {
		ts[r] = once(server, 0, rs, sizeof(rs), &qs);
		tp[r] = once(server, 1, rp, sizeof(rp), &qp);
		if (strcmp(rs, rp) != 0) {
			fprintf(stderr, "results differ: serial '%s', parallel "
			    "'%s'\n", rs, rp);
			return 1;
		}
	}
	qsort(ts, (size_t)rounds, sizeof(double), cmp);
	qsort(tp, (size_t)rounds, sizeof(double), cmp);
	printf("%-34s %10.1f %10.1f %7.2fx  (ms, lookups together / one after "
	    "another; %lu and %lu queries; %s)\n", "one message, 20 ms DNS",
	    tp[rounds / 2], ts[rounds / 2], tp[rounds / 2] / ts[rounds / 2],
	    qp, qs, rp);
	free(msg);
	return 0;
}
