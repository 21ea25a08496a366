/*
 * SPF time per check, in-process, DNS answers in memory: vouch against
 * libspf2 (Debian's libspf2-dev, its zone DNS layer) on the same records
 * in the same run.  Prints "case vouch_us libspf2_us ratio".
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spf2/spf.h>
#include <spf2/spf_dns_zone.h>

#include <vouch/vouch.h>

static const struct {
	const char *name, *domain, *ip;
} cases[] = {
	{ "spf ip4 match", "direct.bench.example", "192.0.2.10" },
	{ "spf include ip4 match", "inc.bench.example", "198.51.100.20" },
	{ "spf fail with exp=", "exp.bench.example", "203.0.113.99" },
};

static const struct { const char *name, *txt; } recs[] = {
	{ "direct.bench.example", "v=spf1 ip4:192.0.2.0/24 -all" },
	{ "inc.bench.example", "v=spf1 ip4:192.0.2.0/24 include:_spf.prov.example -all" },
	{ "_spf.prov.example", "v=spf1 ip4:198.51.100.0/24 ~all" },
	{ "exp.bench.example", "v=spf1 ip4:192.0.2.0/24 -all exp=why.bench.example" },
	{ "why.bench.example", "%{i} is not allowed to send for %{d}" },
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 20000, rounds = 7, c, r, i;
	struct vouch_dns *dns = vouch_dns_new();
	SPF_dns_server_t *zone = SPF_dns_zone_new(NULL, "bench", 0);
	SPF_server_t *spf;
	size_t k;

	for (k = 0; k < sizeof(recs) / sizeof(recs[0]); k++) {
		vouch_dns_add_raw(dns, recs[k].name, VOUCH_DNS_TXT, recs[k].txt,
		    strlen(recs[k].txt), 3600);
		SPF_dns_zone_add_str(zone, recs[k].name, ns_t_txt, NETDB_SUCCESS,
		    recs[k].txt);
	}
	spf = SPF_server_new_dns(zone, 0);
	for (c = 0; c < 3; c++) {
		double tv[7], tl[7];
		const char *vres = "", *lres = "";

		for (r = 0; r < rounds; r++) {
			double t0 = now();

			for (i = 0; i < iters; i++) {
				struct vouch_spf_request req = { 0 };
				struct vouch_spf_verdict v;

				req.ip = cases[c].ip;
				req.mail_from = "user@x";
				req.helo = "mx.client.example";
				{
					char from[128];

					snprintf(from, sizeof(from), "user@%s",
					    cases[c].domain);
					req.mail_from = from;
					vouch_spf_check(dns, &req, &v, NULL);
				}
				vres = vouch_spf_result_name(v.result);
				vouch_spf_verdict_clear(&v);
			}
			tv[r] = (now() - t0) / iters * 1e6;
			t0 = now();
			for (i = 0; i < iters; i++) {
				SPF_request_t *req = SPF_request_new(spf);
				SPF_response_t *resp = NULL;
				char from[128];

				snprintf(from, sizeof(from), "user@%s",
				    cases[c].domain);
				SPF_request_set_ipv4_str(req, cases[c].ip);
				SPF_request_set_helo_dom(req, "mx.client.example");
				SPF_request_set_env_from(req, from);
				SPF_request_query_mailfrom(req, &resp);
				lres = SPF_strresult(SPF_response_result(resp));
				SPF_response_free(resp);
				SPF_request_free(req);
			}
			tl[r] = (now() - t0) / iters * 1e6;
		}
		qsort(tv, rounds, sizeof(double), cmp);
		qsort(tl, rounds, sizeof(double), cmp);
		printf("%-28s %10.3f %10.3f %7.2fx   (vouch %s, libspf2 %s)\n",
		    cases[c].name, tv[rounds / 2], tl[rounds / 2],
		    tv[rounds / 2] / tl[rounds / 2], vres, lres);
	}
	SPF_server_free(spf);
	vouch_dns_free(dns);
	return 0;
}
