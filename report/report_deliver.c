/*
 * One destination of one report: claim the rows it is owed, write the
 * report (a file renamed into place, or a message sendmail accepted), and
 * only then mark the claim sent.  See report_send.c for the whole run.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "report_int.h"
#include "common/util.h"

#define RS_LEASE 3600		/* seconds before a claim is taken over */

void
vouch__rs_say(const struct rs_send *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (s->o->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->o->log(s->o->log_arg, line);
}

int
vouch__rs_number(void *arg, int n, const char *const *c)
{
	long long *v = arg;

	if (n > 0 && c[0] != NULL)
		*v = strtoll(c[0], NULL, 10);
	return 1;
}

/* Report IDs: letters and digits (they are in file names too). */
static int
new_id(char *buf, size_t size)
{
	static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[20];
	size_t i;

	if (size < sizeof(r) + 1 || RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	for (i = 0; i < sizeof(r); i++)
		buf[i] = al[r[i] % 36];
	buf[i] = '\0';
	return 0;
}

/* The parameters naming a claim: domain, period, key, then extras. */
struct cp {
	char begin[32], a[32], b[32], c[32];
	const char *p[7];
};

static void
cp_init(struct cp *c, const struct rs_report *r, const char *key)
{
	snprintf(c->begin, sizeof(c->begin), "%lld", (long long)r->begin);
	c->p[0] = r->policy_domain;
	c->p[1] = c->begin;
	c->p[2] = key;
	c->p[3] = c->a;
	c->p[4] = c->b;
	c->p[5] = c->c;
	c->p[6] = NULL;
}

struct stale {
	long long first, last, at;
	char id[48];
	int found;
};

static int
stale_row(void *arg, int n, const char *const *c)
{
	struct stale *s = arg;

	if (n < 4 || c[0] == NULL || c[1] == NULL || c[2] == NULL ||
	    c[3] == NULL)
		return 1;
	s->first = strtoll(c[0], NULL, 10);
	s->last = strtoll(c[1], NULL, 10);
	snprintf(s->id, sizeof(s->id), "%s", c[2]);
	s->at = strtoll(c[3], NULL, 10);
	s->found = 1;
	return 1;
}

/* A claim left by a crash (pending past its lease): take it over with
 * its range and Report-ID. */
static enum vouch_status
take_stale(struct rs_send *s, struct rs_report *r, const char *key,
    int *found)
{
	struct stale old = { 0, 0, 0, "", 0 };
	struct cp c;
	enum vouch_status e;
	long n = 0;

	cp_init(&c, r, key);
	snprintf(c.a, sizeof(c.a), "%lld", (long long)(s->now - RS_LEASE));
	e = vouch__rs_query(s->st, "SELECT first_id, last_id, report_id, at "
	    "FROM vouch_sent WHERE policy_domain = $1 AND period_begin = $2 "
	    "AND address = $3 AND state = 'pending' AND at < $4 LIMIT 1", 4,
	    c.p, stale_row, &old, s->err);
	*found = 0;
	if (e != VOUCH_OK || !old.found || s->o->dry_run)
		return e;
	snprintf(c.a, sizeof(c.a), "%lld", old.first);
	snprintf(c.b, sizeof(c.b), "%lld", (long long)s->now);
	snprintf(c.c, sizeof(c.c), "%lld", old.at);
	e = vouch__rs_exec(s->st, "UPDATE vouch_sent SET at = $5 WHERE "
	    "policy_domain = $1 AND period_begin = $2 AND address = $3 AND "
	    "first_id = $4 AND at = $6 AND state = 'pending'", 6, c.p, &n,
	    s->err);
	if (e == VOUCH_OK && n == 1) {
		*found = 1;
		r->lo = old.first - 1;
		r->hi = old.last;
		snprintf(r->report_id, sizeof(r->report_id), "%s", old.id);
	}
	return e;
}

/* Rows above everything claimed for key, up to the watermark. */
static enum vouch_status
claim_new(struct rs_send *s, struct rs_report *r, const char *key,
    int *found)
{
	char end[32];
	const char *q[5];
	long long lo = 0, any = 0;
	struct cp c;
	enum vouch_status e;
	long n = 0;

	*found = 0;
	cp_init(&c, r, key);
	if ((e = vouch__rs_query(s->st, "SELECT max(last_id) FROM vouch_sent "
	    "WHERE policy_domain = $1 AND period_begin = $2 AND address = $3",
	    3, c.p, vouch__rs_number, &lo, s->err)) != VOUCH_OK)
		return e;
	snprintf(end, sizeof(end), "%lld", (long long)r->end);
	snprintf(c.a, sizeof(c.a), "%lld", lo);
	snprintf(c.b, sizeof(c.b), "%lld", s->wm);
	q[0] = r->policy_domain, q[1] = c.begin, q[2] = end, q[3] = c.a;
	q[4] = c.b;
	if ((e = vouch__rs_query(s->st, "SELECT id FROM vouch_rows WHERE "
	    "policy_domain = $1 AND t >= $2 AND t < $3 AND done = 0 AND id > $4 "
	    "AND id <= $5 LIMIT 1", 5, q, vouch__rs_number, &any, s->err)) !=
	    VOUCH_OK || any == 0)
		return e;
	r->lo = lo;
	r->hi = s->wm;
	if (new_id(r->report_id, sizeof(r->report_id)) != 0)
		return vouch__err(s->err, VOUCH_E_CRYPTO, NULL, -1, "no random "
		    "bytes for a Report-ID");
	if (s->o->dry_run) {
		*found = 1;
		return VOUCH_OK;
	}
	snprintf(c.a, sizeof(c.a), "%lld", lo + 1);
	snprintf(c.c, sizeof(c.c), "%lld", (long long)s->now);
	c.p[5] = r->report_id;
	c.p[6] = c.c;
	e = vouch__rs_exec(s->st, "INSERT INTO vouch_sent (policy_domain, "
	    "period_begin, address, first_id, last_id, report_id, state, at) "
	    "VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) ON CONFLICT DO "
	    "NOTHING", 7, c.p, &n, s->err);
	*found = e == VOUCH_OK && n == 1;
	return e;
}

/* The claim's end: sent, or dropped so its rows go in the next run. */
static enum vouch_status
settle(struct rs_send *s, const struct rs_report *r, const char *key,
    int ok)
{
	struct cp c;

	cp_init(&c, r, key);
	snprintf(c.a, sizeof(c.a), "%lld", r->lo + 1);
	if (ok)
		return vouch__rs_exec(s->st, "UPDATE vouch_sent SET state = "
		    "'sent' WHERE policy_domain = $1 AND period_begin = $2 AND "
		    "address = $3 AND first_id = $4", 4, c.p, NULL, s->err);
	return vouch__rs_exec(s->st, "DELETE FROM vouch_sent WHERE "
	    "policy_domain = $1 AND period_begin = $2 AND address = $3 AND "
	    "first_id = $4", 4, c.p, NULL, s->err);
}

/* Write the report into DIR under a temporary name, then rename it. */
static enum vouch_status
to_dir(struct rs_send *s, struct rs_report *r, const char *name)
{
	char *tmp = NULL, *path = NULL;
	enum vouch_status e = VOUCH_E_IO;
	FILE *fp = NULL;
	int fd = -1, bad;

	if (asprintf(&tmp, "%s/.%s.XXXXXX", s->o->dir, name) < 0 ||
	    asprintf(&path, "%s/%s", s->o->dir, name) < 0) {
		e = vouch__err(s->err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
		goto out;
	}
	if ((fd = mkstemp(tmp)) < 0 || (fp = fdopen(fd, "w+")) == NULL) {
		e = vouch__err(s->err, VOUCH_E_IO, NULL, -1, "%s: %s", s->o->dir,
		    strerror(errno));
		goto out;
	}
	fd = -1;
	if ((e = vouch__rs_xml_write(s->st, s->o, r, fp, s->err)) != VOUCH_OK)
		goto out;
	bad = fflush(fp) != 0 || fsync(fileno(fp)) != 0;
	bad |= fclose(fp) != 0;
	fp = NULL;
	if (bad || rename(tmp, path) != 0)
		e = vouch__err(s->err, VOUCH_E_IO, NULL, -1, "%s: %s", path,
		    strerror(errno));
out:
	if (fp != NULL)
		fclose(fp);
	if (fd >= 0)
		close(fd);
	if (e != VOUCH_OK && tmp != NULL)
		unlink(tmp);
	free(tmp);
	free(path);
	return e;
}

/* Mail it (or, dry, only say so): the report in a temporary file first,
 * to know its size against the destination's limit. */
static enum vouch_status
to_mail(struct rs_send *s, struct rs_report *r, const char *name,
    const char *addr, uint64_t limit)
{
	enum vouch_status e;
	FILE *fp = tmpfile();
	long size;

	if (fp == NULL)
		return vouch__err(s->err, VOUCH_E_IO, NULL, -1, "temporary file: "
		    "%s", strerror(errno));
	if ((e = vouch__rs_xml_write(s->st, s->o, r, fp, s->err)) != VOUCH_OK)
		goto out;
	if (fflush(fp) != 0 || (size = ftell(fp)) < 0) {
		e = vouch__err(s->err, VOUCH_E_IO, NULL, -1, "temporary file: "
		    "%s", strerror(errno));
		goto out;
	}
	if (limit > 0 && (uint64_t)size > limit) {
		e = vouch__err(s->err, VOUCH_E_LIMIT, NULL, -1, "%ld bytes, over "
		    "%s's limit of %llu", size, addr, (unsigned long long)limit);
		goto out;
	}
	if (s->o->dry_run)
		goto out;
	e = vouch__rs_mail(s->o, r, addr, fp, name, s->err);
out:
	fclose(fp);
	return e;
}

/* One report: written and delivered (1), or failed and said (0). */
static int
job(struct rs_send *s, struct rs_report *r, const char *key,
    const char *addr, uint64_t limit)
{
	char *name = vouch__rs_file_name(s->o->receiver, r);
	const char *to = addr != NULL ? addr : s->o->dir;
	enum vouch_status e;

	if (name == NULL)
		return 0;
	e = addr == NULL && !s->o->dry_run ? to_dir(s, r, name) :
	    to_mail(s, r, name, addr != NULL ? addr : key, limit);
	if (e == VOUCH_OK) {
		s->stats->reports++;
		s->stats->records += r->records;
		s->stats->messages += r->messages;
		vouch__rs_say(s, "%s %s: %s, %lu record(s), %lu message(s) "
		    "to %s", s->o->dry_run ? "would send" : "sent",
		    r->policy_domain, name, r->records, r->messages, to);
	} else {
		s->stats->failed++;
		vouch__rs_say(s, "%s: %s: not delivered to %s: %s",
		    r->policy_domain, name, to, s->err != NULL ?
		    s->err->message : vouch_strerror(e));
	}
	free(name);
	return e == VOUCH_OK;
}

enum vouch_status
vouch__rs_deliver(struct rs_send *s, struct rs_report *r, const char *key,
    const char *addr, uint64_t limit, int *done)
{
	enum vouch_status e;
	int pass, found, ok;

	*done = 0;
	for (pass = 0; pass < 2; pass++) {
		e = pass == 0 ? take_stale(s, r, key, &found) :
		    claim_new(s, r, key, &found);
		if (e != VOUCH_OK)
			return e;
		if (!found)
			continue;
		ok = job(s, r, key, addr, limit);
		if (!s->o->dry_run && (e = settle(s, r, key, ok)) != VOUCH_OK)
			return e;
		if (!ok)
			return VOUCH_OK;
	}
	*done = !s->o->dry_run;
	return VOUCH_OK;
}

/* Does the TXT answer hold a record starting with v=DMARC1? */
static int
has_dmarc1(const struct vouch_dns_answer *a)
{
	size_t i, len;

	for (i = 0; i < vouch_dns_answer_count(a); i++) {
		const char *t = (const char *)vouch_dns_answer_data(a, i, &len,
		    NULL);

		while (len > 0 && (*t == ' ' || *t == '\t')) {
			t++;
			len--;
		}
		if (len >= 8 && strncmp(t, "v=DMARC1", 8) == 0 &&
		    (len == 8 || t[8] == ';' || t[8] == ' ' || t[8] == '\t'))
			return 1;
	}
	return 0;
}

int
vouch__rs_dest_ok(struct rs_send *s, const char *policy_domain,
    const char *addr)
{
	const char *dest = strrchr(addr, '@') + 1;
	struct vouch_dns_answer *a = NULL;
	char *name = NULL;
	int ok = 0;

	if (vouch_dmarc_relaxed_aligned(dest, policy_domain))
		return 1;
	if (s->o->dns == NULL) {
		vouch__rs_say(s, "%s: %s is outside the domain and there is no "
		    "DNS to verify it: not sent", policy_domain, addr);
		return 0;
	}
	if (asprintf(&name, "%s._report._dmarc.%s", policy_domain, dest) >= 0 &&
	    vouch_dns_query(s->o->dns, name, VOUCH_DNS_TXT, &a, NULL) ==
	    VOUCH_OK)
		ok = vouch_dns_answer_rcode(a) == VOUCH_DNS_ANSWER &&
		    has_dmarc1(a);
	if (!ok)
		vouch__rs_say(s, "%s: %s refused: %s has no v=DMARC1 record "
		    "(RFC 9990 external destination verification)",
		    policy_domain, addr, name != NULL ? name : "the name");
	vouch_dns_answer_free(a);
	free(name);
	return ok;
}
