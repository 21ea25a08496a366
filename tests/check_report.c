/*
 * report/: the store (schema, group commit under concurrent writers) and
 * report send (periods, --until, idempotence, a delivery that fails half
 * way, a claim left by a crash, external destinations, expiry).  On SQLite
 * by default; tests/report_pg.sh runs the same suite on a private
 * PostgreSQL by setting VOUCH_TEST_STORE.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <vouch/vouch.h>
#include "tests/check_run.h"
#include "report/report_int.h"

#define DAY 86400
static char tmpdir[256];
static int nstore;

/* A fresh store: a new SQLite file, or the test PostgreSQL emptied. */
static const char *
store_spec(char *buf, size_t size)
{
	const char *pg = getenv("VOUCH_TEST_STORE");
	struct vouch_report_store *st;

	if (pg == NULL || *pg == '\0') {
		snprintf(buf, size, "sqlite:%s/store%d-%d.db", tmpdir, (int)getpid(),
		    nstore++);
		return buf;
	}
	snprintf(buf, size, "%s", pg);
	ck_assert_int_eq(vouch_report_store_open(buf, &st, NULL), VOUCH_OK);
	ck_assert_int_eq(vouch__rs_exec(st, "DELETE FROM vouch_rows; "
	    "DELETE FROM vouch_sent; DELETE FROM vouch_meta WHERE name <> "
	    "'schema'", 0, NULL, NULL, NULL), VOUCH_OK);
	vouch_report_store_close(st, NULL);
	return buf;
}

static struct vouch_report_store *
fresh(char *spec, size_t size)
{
	struct vouch_report_store *st;
	struct vouch_error err;

	store_spec(spec, size);
	ck_assert_msg(vouch_report_store_open(spec, &st, &err) == VOUCH_OK,
	    "%s", err.message);
	return st;
}

static long long
count(struct vouch_report_store *st, const char *sql)
{
	long long n = -1;

	ck_assert_int_eq(vouch__rs_query(st, sql, 0, NULL, vouch__rs_number,
	    &n, NULL), VOUCH_OK);
	return n;
}

/* One message's row: domain d, from ip, at time t. */
static void
put(struct vouch_report_store *st, const char *d, const char *rua,
    const char *ip, int64_t t, int dkim_pass)
{
	struct vouch_report_auth dk = { d, "s1", dkim_pass ? "pass" : "fail" };
	struct vouch_report_auth spf = { d, "mfrom", "pass" };
	struct vouch_report_row r;
	struct vouch_error err;

	memset(&r, 0, sizeof(r));
	r.time = t;
	r.source_ip = ip;
	r.header_from = r.policy_domain = r.envelope_from = d;
	r.envelope_to = "rcpt.example";
	r.p = "reject";
	r.rua = rua;
	r.disposition = dkim_pass ? "none" : "reject";
	r.dkim = dkim_pass ? "pass" : "fail";
	r.spf = "fail";
	r.dkim_results = &dk;
	r.ndkim = 1;
	r.spf_result = &spf;
	ck_assert_msg(vouch_report_record(st, &r, &err) == VOUCH_OK, "%s",
	    err.message);
}

static struct vouch_report_send_opts
opts(const char *dir, int64_t until)
{
	struct vouch_report_send_opts o;

	memset(&o, 0, sizeof(o));
	o.org_name = "Check";
	o.email = "reports@receiver.example";
	o.dir = dir;
	o.until = until;
	o.period = DAY;
	return o;
}

static int
files_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static char *
new_dir(const char *name)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s/%s-%d-%d", tmpdir, name, (int)getpid(),
	    nstore++);
	ck_assert_int_eq(mkdir(buf, 0700), 0);
	return buf;
}

START_TEST(test_schema_is_created_and_checked)
{
	char spec[512];
	struct vouch_report_store *st = fresh(spec, sizeof(spec));
	struct vouch_error err;

	ck_assert_str_eq(vouch_report_store_engine(st), getenv(
	    "VOUCH_TEST_STORE") != NULL ? "postgresql" : "sqlite");
	ck_assert_int_eq(count(st, "SELECT count(*) FROM vouch_meta WHERE "
	    "name = 'schema' AND value = '1'"), 1);
	ck_assert_int_eq(vouch__rs_exec(st, "UPDATE vouch_meta SET value = "
	    "'99' WHERE name = 'schema'", 0, NULL, NULL, NULL), VOUCH_OK);
	vouch_report_store_close(st, NULL);
	ck_assert_int_eq(vouch_report_store_open(spec, &st, &err),
	    VOUCH_E_STORE);
	ck_assert_ptr_nonnull(strstr(err.message, "version 99"));
	/* put it back for the next test on PostgreSQL */
	if (getenv("VOUCH_TEST_STORE") != NULL) {
		void *db;

		ck_assert_int_eq(vouch__rs_pg_open(spec, &db, NULL), VOUCH_OK);
		ck_assert_int_eq(vouch__rs_pg.exec(db, "UPDATE vouch_meta SET "
		    "value = '1' WHERE name = 'schema'", 0, NULL, NULL, NULL),
		    VOUCH_OK);
		vouch__rs_pg.close(db);
	}
}
END_TEST

struct writer {
	struct vouch_report_store *st;
	int n, id;
};

static void *
write_rows(void *arg)
{
	struct writer *w = arg;
	char ip[32];
	int i;

	for (i = 0; i < w->n; i++) {
		snprintf(ip, sizeof(ip), "192.0.2.%d", (w->id * 7 + i) % 200);
		put(w->st, "many.example", "mailto:d@many.example", ip,
		    (int64_t)time(NULL) - 2 * DAY, i % 3 != 0);
	}
	return NULL;
}

/* Threads on one handle (group commit) and on a second connection that
 * writes in the background (as the milter does) at once: every row is
 * there, and the report counts every message. */
START_TEST(test_concurrent_writers_lose_nothing)
{
	char spec[512];
	struct vouch_report_store *a = fresh(spec, sizeof(spec)), *b;
	struct vouch_report_send_opts o = opts(new_dir("many"), 0);
	struct vouch_report_send_stats stats;
	struct writer w[8];
	pthread_t t[8];
	int i;

	ck_assert_int_eq(vouch_report_store_open(spec, &b, NULL), VOUCH_OK);
	ck_assert_int_eq(vouch_report_store_background(b, NULL), VOUCH_OK);
	for (i = 0; i < 8; i++) {
		w[i].st = i < 6 ? a : b;
		w[i].n = 300;
		w[i].id = i;
		ck_assert_int_eq(pthread_create(&t[i], NULL, write_rows, &w[i]),
		    0);
	}
	for (i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq(vouch_report_store_close(b, NULL), VOUCH_OK);
	ck_assert_int_eq(count(a, "SELECT count(*) FROM vouch_rows"), 2400);
	ck_assert_int_eq(vouch_report_send(a, &o, &stats, NULL), VOUCH_OK);
	ck_assert_int_eq(stats.reports, 1);
	ck_assert_int_eq(stats.messages, 2400);
	ck_assert_int_eq(stats.records, 400);	/* 200 IPs x pass/fail */
	vouch_report_store_close(a, NULL);
}
END_TEST

/* Only periods ended by --until; each once; hour periods. */
/* In the background, a flush waits for what was queued, and a batch
 * that failed is reported by the next call, once. */
START_TEST(test_background_flush_and_failure)
{
	char spec[512];
	struct vouch_report_store *a = fresh(spec, sizeof(spec)), *b;
	struct vouch_error err = { 0 };
	struct writer w = { NULL, 50, 1 };

	ck_assert_int_eq(vouch_report_store_open(spec, &b, NULL), VOUCH_OK);
	ck_assert_int_eq(vouch_report_store_background(b, NULL), VOUCH_OK);
	w.st = b;
	write_rows(&w);
	ck_assert_int_eq(vouch_report_store_flush(b, NULL), VOUCH_OK);
	ck_assert_int_eq(count(a, "SELECT count(*) FROM vouch_rows"), 50);
	/* the table goes away under the writer */
	ck_assert_int_eq(vouch__rs_exec(a, "ALTER TABLE vouch_rows RENAME TO "
	    "vouch_rows_gone", 0, NULL, NULL, NULL), VOUCH_OK);
	w.n = 1;	/* queued: nothing has failed yet */
	write_rows(&w);
	ck_assert_int_eq(vouch_report_store_flush(b, &err), VOUCH_E_STORE);
	ck_assert_ptr_nonnull(strstr(err.message, "vouch_rows"));
	ck_assert_int_eq(vouch_report_store_flush(b, NULL), VOUCH_OK);
	ck_assert_int_eq(vouch_report_store_close(b, NULL), VOUCH_OK);
	ck_assert_int_eq(vouch__rs_exec(a, "ALTER TABLE vouch_rows_gone "
	    "RENAME TO vouch_rows", 0, NULL, NULL, NULL), VOUCH_OK);
	ck_assert_int_eq(count(a, "SELECT count(*) FROM vouch_rows"), 50);
	vouch_report_store_close(a, NULL);
}
END_TEST

START_TEST(test_periods_until_and_idempotence)
{
	char spec[512];
	struct vouch_report_store *st = fresh(spec, sizeof(spec));
	int64_t now = (int64_t)time(NULL), d0 = now - now % DAY - 3 * DAY;
	struct vouch_report_send_opts o = opts(new_dir("periods"), d0 + DAY);
	struct vouch_report_send_stats stats;

	put(st, "p.example", "mailto:r@p.example", "192.0.2.1", d0 + 10, 1);
	put(st, "p.example", "mailto:r@p.example", "192.0.2.1", d0 + 20, 1);
	put(st, "p.example", "mailto:r@p.example", "192.0.2.2", d0 + DAY + 5,
	    0);
	put(st, "p.example", "mailto:r@p.example", "192.0.2.3", d0 + DAY + 3605,
	    0);
	/* the first day only */
	ck_assert_int_eq(vouch_report_send(st, &o, &stats, NULL), VOUCH_OK);
	ck_assert_int_eq(stats.reports, 1);
	ck_assert_int_eq(stats.messages, 2);
	ck_assert_int_eq(stats.records, 1);
	/* nothing ended since */
	ck_assert_int_eq(vouch_report_send(st, &o, &stats, NULL), VOUCH_OK);
	ck_assert_int_eq(stats.reports, 0);
	/* by hours: the second day's two hours, one report each */
	o.until = d0 + 2 * DAY;
	o.period = 3600;
	ck_assert_int_eq(vouch_report_send(st, &o, &stats, NULL), VOUCH_OK);
	ck_assert_int_eq(stats.reports, 2);
	ck_assert_int_eq(stats.messages, 2);
	ck_assert_int_eq(vouch_report_send(st, &o, &stats, NULL), VOUCH_OK);
	ck_assert_int_eq(stats.reports, 0);
	ck_assert_int_eq(files_in(o.dir), 3);
	vouch_report_store_close(st, NULL);
}
END_TEST

/* A sendmail that fails (75) for one destination: the others are sent,
 * the failed one exactly once by the next run. */
START_TEST(test_failed_delivery_is_resent_once)
{
	char spec[512], cmd[1024], out[600];
	struct vouch_report_store *st = fresh(spec, sizeof(spec));
	int64_t old = (int64_t)time(NULL) - 2 * DAY;
	struct vouch_report_send_opts o = opts(NULL, 0);
	struct vouch_report_send_stats stats;

	snprintf(out, sizeof(out), "%s/mails-%d", tmpdir, nstore++);
	put(st, "ok.example", "mailto:r@ok.example", "192.0.2.1", old, 1);
	put(st, "two.example", "mailto:a@two.example,mailto:fail@two.example",
	    "192.0.2.2", old, 0);
	snprintf(cmd, sizeof(cmd), "m=$(cat); case \"$m\" in *'To: fail@'*) "
	    "exit 75;; esac; printf '%%s\\n' \"$m\" | grep '^To:' >> %s", out);
	o.sendmail = cmd;
	ck_assert_int_eq(vouch_report_send(st, &o, &stats, NULL), VOUCH_E_IO);
	ck_assert_int_eq(stats.reports, 2);
	ck_assert_int_eq(stats.failed, 1);
	snprintf(cmd, sizeof(cmd), "grep '^To:' >> %s", out);
	ck_assert_int_eq(vouch_report_send(st, &o, &stats, NULL), VOUCH_OK);
	ck_assert_int_eq(stats.reports, 1);
	ck_assert_int_eq(stats.failed, 0);
	ck_assert_int_eq(vouch_report_send(st, &o, &stats, NULL), VOUCH_OK);
	ck_assert_int_eq(stats.reports, 0);
	vouch_report_store_close(st, NULL);
	{
		FILE *fp = fopen(out, "r");
		char line[256];
		int n = 0, fail = 0;

		ck_assert_ptr_nonnull(fp);
		while (fgets(line, sizeof(line), fp) != NULL) {
			n++;
			fail += strstr(line, "fail@") != NULL;
		}
		fclose(fp);
		ck_assert_int_eq(n, 3);
		ck_assert_int_eq(fail, 1);
	}
}
END_TEST

/* A claim a crashed run left (pending, past its lease) is delivered
 * again with its own Report-ID and range. */
START_TEST(test_crashed_claim_is_taken_over)
{
	char spec[512];
	struct vouch_report_store *st = fresh(spec, sizeof(spec));
	int64_t now = (int64_t)time(NULL), d0 = now - now % DAY - 2 * DAY;
	struct vouch_report_send_opts o = opts(new_dir("crash"), 0);
	struct vouch_report_send_stats stats;
	char begin[32], at[32];
	const char *p[3] = { "c.example", begin, at };
	DIR *d;
	struct dirent *e;
	int found = 0;

	put(st, "c.example", "mailto:r@c.example", "192.0.2.1", d0 + 1, 1);
	put(st, "c.example", "mailto:r@c.example", "192.0.2.1", d0 + 2, 1);
	snprintf(begin, sizeof(begin), "%lld", (long long)d0);
	snprintf(at, sizeof(at), "%lld", (long long)(now - 7200));
	ck_assert_int_eq(vouch__rs_exec(st, "INSERT INTO vouch_sent "
	    "(policy_domain, period_begin, address, first_id, last_id, "
	    "report_id, state, at) SELECT $1, $2, 'dir', min(id), max(id), "
	    "'crashedclaim1', 'pending', $3 FROM vouch_rows", 3, p, NULL, NULL),
	    VOUCH_OK);
	ck_assert_int_eq(vouch_report_send(st, &o, &stats, NULL), VOUCH_OK);
	ck_assert_int_eq(stats.reports, 1);
	ck_assert_int_eq(stats.messages, 2);
	ck_assert_ptr_nonnull(d = opendir(o.dir));
	while ((e = readdir(d)) != NULL)
		found += strstr(e->d_name, "!crashedclaim1.xml.gz") != NULL;
	closedir(d);
	ck_assert_int_eq(found, 1);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM vouch_sent WHERE "
	    "state = 'sent'"), 1);
	vouch_report_store_close(st, NULL);
}
END_TEST

/* RFC 9990 external destinations: verified, unverified, wildcard. */
START_TEST(test_external_destinations)
{
	char spec[512];
	struct vouch_report_store *st = fresh(spec, sizeof(spec));
	int64_t old = (int64_t)time(NULL) - 2 * DAY;
	struct vouch_report_send_opts o = opts(new_dir("ext"), 0);
	struct vouch_report_send_stats stats;
	struct vouch_dns *dns = vouch_dns_new();

	ck_assert_int_eq(vouch_dns_load_zone(dns, TOP_SRCDIR
	    "/testdata/zones/reports.zone", NULL, 0, NULL), VOUCH_OK);
	put(st, "ext.example", "mailto:agg@reports.example", "192.0.2.1", old,
	    1);
	put(st, "unv.example", "mailto:agg@reports.example", "192.0.2.1", old,
	    1);
	put(st, "wild.example", "mailto:rua@wild-reports.example!10m",
	    "192.0.2.1", old, 1);
	o.dns = dns;
	ck_assert_int_eq(vouch_report_send(st, &o, &stats, NULL), VOUCH_OK);
	ck_assert_int_eq(stats.reports, 2);
	ck_assert_int_eq(stats.refused, 1);
	/* the refused one stays unsent, and is refused again */
	ck_assert_int_eq(count(st, "SELECT count(*) FROM vouch_rows WHERE "
	    "done = 0"), 1);
	ck_assert_int_eq(vouch_report_send(st, &o, &stats, NULL), VOUCH_OK);
	ck_assert_int_eq(stats.reports, 0);
	ck_assert_int_eq(stats.refused, 1);
	vouch_report_store_close(st, NULL);
	vouch_dns_free(dns);
}
END_TEST

START_TEST(test_expire_deletes_old_rows)
{
	char spec[512];
	struct vouch_report_store *st = fresh(spec, sizeof(spec));
	int64_t now = (int64_t)time(NULL);
	struct vouch_report_send_opts o = opts(new_dir("expire"), 0);
	struct vouch_report_send_stats stats;

	put(st, "x.example", "mailto:r@x.example", "192.0.2.1", now - 40 * DAY,
	    1);
	put(st, "x.example", "mailto:r@x.example", "192.0.2.1", now - 2 * DAY,
	    1);
	o.expire_days = 30;
	ck_assert_int_eq(vouch_report_send(st, &o, &stats, NULL), VOUCH_OK);
	ck_assert_int_eq(stats.reports, 2);
	ck_assert_int_eq(stats.expired, 1);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM vouch_rows"), 1);
	vouch_report_store_close(st, NULL);
}
END_TEST

START_TEST(test_mailto_is_checked)
{
	char *a = NULL;
	uint64_t lim;

	ck_assert_int_eq(vouch__rs_mailto("mailto:r@x.example!10m", &a, &lim),
	    0);
	ck_assert_str_eq(a, "r@x.example");
	ck_assert_int_eq(lim, 10 << 20);
	free(a);
	ck_assert_int_eq(vouch__rs_mailto(" mailto:a%40b@x.example", &a, &lim),
	    -1);
	ck_assert_int_eq(vouch__rs_mailto("mailto:r@x.example%0d%0aBcc:e@v",
	    &a, &lim), -1);
	ck_assert_int_eq(vouch__rs_mailto("mailto:a b@x.example", &a, &lim),
	    -1);
	ck_assert_int_eq(vouch__rs_mailto("https://x.example/", &a, &lim), -1);
	ck_assert_int_eq(vouch__rs_mailto("mailto:r@x.example!1q", &a, &lim),
	    -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");
	char tmpl[] = "/tmp/vouch-check-report.XXXXXX";
	int rc;

	if (mkdtemp(tmpl) == NULL)
		return 1;
	snprintf(tmpdir, sizeof(tmpdir), "%s", tmpl);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_schema_is_created_and_checked);
	tcase_add_test(tc, test_concurrent_writers_lose_nothing);
	tcase_add_test(tc, test_background_flush_and_failure);
	tcase_add_test(tc, test_periods_until_and_idempotence);
	tcase_add_test(tc, test_failed_delivery_is_resent_once);
	tcase_add_test(tc, test_crashed_claim_is_taken_over);
	tcase_add_test(tc, test_external_destinations);
	tcase_add_test(tc, test_expire_deletes_old_rows);
	tcase_add_test(tc, test_mailto_is_checked);
	suite_add_tcase(s, tc);
	rc = check_run(s);
	if (rc == 0) {
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			rc = 1;
	}
	return rc;
}
