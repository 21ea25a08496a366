/*
 * What recording a verdict costs: N rows through vouch_report_record()
 * into a fresh SQLite store in the milter's background mode, from T
 * threads; microseconds per row (the call and the writer's commit).
 * usage: report_rows STORE THREADS ROWS-PER-THREAD
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <vouch/vouch.h>
#include <vouch/report.h>

static struct vouch_report_store *st;
static int per;

static void *
writer(void *arg)
{
	struct vouch_report_row r = { 0 };
	struct vouch_report_auth dk = { "milter.test", "good", "pass" };
	struct vouch_report_auth spf = { "milter.test", "mfrom", "pass" };
	struct vouch_error e = { 0 };
	int i;

	r.time = time(NULL);
	r.source_ip = "192.0.2.7";
	r.header_from = r.envelope_from = r.policy_domain = "milter.test";
	r.envelope_to = "example.net";
	r.p = "reject";
	r.rua = "mailto:dmarc@milter.test";
	r.disposition = "none";
	r.dkim = r.spf = "pass";
	r.dkim_results = &dk;
	r.ndkim = 1;
	r.spf_result = &spf;
	for (i = 0; i < per; i++)
		if (vouch_report_record(st, &r, &e) != VOUCH_OK) {
			fprintf(stderr, "report_rows: %s\n", e.message);
			exit(1);
		}
	return arg;
}

int
main(int argc, char **argv)
{
	struct vouch_error e = { 0 };
	struct timespec a, b;
	pthread_t t[64];
	int nt, i;
	double s;

	if (argc != 4 || (nt = atoi(argv[2])) < 1 || nt > 64 ||
	    (per = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: report_rows STORE THREADS ROWS\n");
		return 64;
	}
	if (vouch_report_store_open(argv[1], &st, &e) != VOUCH_OK ||
	    vouch_report_store_background(st, &e) != VOUCH_OK) {
		fprintf(stderr, "report_rows: %s\n", e.message);
		return 69;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < nt; i++)
		pthread_create(&t[i], NULL, writer, NULL);
	for (i = 0; i < nt; i++)
		pthread_join(t[i], NULL);
	if (vouch_report_store_close(st, &e) != VOUCH_OK) {
		fprintf(stderr, "report_rows: %s\n", e.message);
		return 74;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("%.2f\n", s * 1e6 / (double)(nt * per));
	return 0;
}
