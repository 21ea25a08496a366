/*
 * DNS snapshots (--dns-record FILE): every answer a run used, positive or
 * negative, written as it is used into an RFC 1035 master file that
 * --dns-zone FILE reads back, so the run can be repeated offline with the
 * same results (an archive keeps the keys that verified it).  A name that
 * exists without the asked type gets an RFC 3597 TYPE65280 record, which
 * makes it exist and answer nothing; NXDOMAIN is the absence of the name.
 * Temporary failures are comments: nothing to replay.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns_int.h"
#include "common/util.h"
#include "common/buf.h"

struct dns_recorder {
	FILE *fp;
	pthread_mutex_t mu;
	char **seen;		/* "type name" already written */
	size_t nseen, size;
};

static const char *
type_name(unsigned int t)
{
	switch (t) {
	case VOUCH_DNS_A: return "A";
	case VOUCH_DNS_AAAA: return "AAAA";
	case VOUCH_DNS_MX: return "MX";
	case VOUCH_DNS_TXT: return "TXT";
	case VOUCH_DNS_PTR: return "PTR";
	case VOUCH_DNS_CNAME: return "CNAME";
	default: return "TYPE0";
	}
}

struct dns_recorder *
dns_recorder_open(const char *path, struct vouch_error *err)
{
	struct dns_recorder *r = calloc(1, sizeof(*r));
	char when[64];
	time_t now = time(NULL);

	if (r == NULL)
		return NULL;
	if ((r->fp = fopen(path, "w")) == NULL) {
		vouch__err(err, errno == ENOENT ? VOUCH_E_NOTFOUND : VOUCH_E_IO,
		    NULL, -1, "%s: %s", path, strerror(errno));
		free(r);
		return NULL;
	}
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	fprintf(r->fp, "; vouch DNS snapshot, recorded %s: every answer the "
	    "run used.\n; Replay with --dns-zone %s (offline).\n", when, path);
	fflush(r->fp);
	pthread_mutex_init(&r->mu, NULL);
	return r;
}

void
dns_recorder_close(struct dns_recorder *r)
{
	size_t i;

	if (r == NULL)
		return;
	fclose(r->fp);
	for (i = 0; i < r->nseen; i++)
		free(r->seen[i]);
	free(r->seen);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

/* One record line into b, every name and string through the one
 * escaping writer (dns_name.c).  Names as the DNS layer gives them carry
 * no final dot; in the file they are absolute. */
static enum vouch_status
put_rr(struct vbuf *b, const char *name, unsigned int type,
    const struct dns_rr *rr)
{
	char buf[INET6_ADDRSTRLEN];
	enum vouch_status st;

	if ((st = dns_zone_put_name(b, name)) != VOUCH_OK ||
	    (st = vbuf_printf(b, " %u IN %s ", rr->ttl, type_name(type))) !=
	    VOUCH_OK)
		return st;
	switch (type) {
	case VOUCH_DNS_A:
	case VOUCH_DNS_AAAA:
		if (inet_ntop(type == VOUCH_DNS_A ? AF_INET : AF_INET6,
		    rr->data, buf, sizeof(buf)) == NULL)
			return VOUCH_E_SYNTAX;
		st = vbuf_adds(b, buf);
		break;
	case VOUCH_DNS_MX:
		if ((st = vbuf_printf(b, "%u ", rr->pref)) == VOUCH_OK)
			st = dns_zone_put_name(b, (const char *)rr->data);
		break;
	case VOUCH_DNS_TXT:
		st = dns_zone_put_txt(b, rr->data, rr->len, 255);
		break;
	default:
		st = dns_zone_put_name(b, (const char *)rr->data);
	}
	return st == VOUCH_OK ? vbuf_addc(b, '\n') : st;
}

/* A comment line naming what was asked: the name escaped like an owner,
 * so a line break in it cannot end the comment. */
static enum vouch_status
put_comment(struct vbuf *b, const char *name, unsigned int type,
    const char *what)
{
	enum vouch_status st = vbuf_adds(b, "; ");

	if (st == VOUCH_OK)
		st = dns_zone_put_name_any(b, name);
	if (st == VOUCH_OK && b->len > 0 && b->data[b->len - 1] == '.')
		b->len--;	/* a comment names it as asked, no final dot */
	if (st == VOUCH_OK)
		st = vbuf_printf(b, " %s%s\n", type_name(type), what);
	return st;
}

/* The lines for one answer into b. */
static enum vouch_status
put_answer(struct vbuf *b, const char *name, unsigned int type,
    const struct vouch_dns_answer *a)
{
	enum vouch_status st = VOUCH_OK;
	char when[64], what[128];
	time_t now = time(NULL);
	size_t i;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	snprintf(what, sizeof(what), " asked at %s, TTL %u", when, a->ttl);
	st = put_comment(b, name, type, what);
	switch (a->rcode) {
	case VOUCH_DNS_ANSWER:
		for (i = 0; i < a->n && st == VOUCH_OK; i++)
			st = put_rr(b, name, type, &a->rr[i]);
		break;
	case VOUCH_DNS_NODATA:
		if (st == VOUCH_OK)
			st = put_comment(b, name, type, ": no data (the name "
			    "exists)");
		if (st == VOUCH_OK)
			st = dns_zone_put_name(b, name);
		if (st == VOUCH_OK)
			st = vbuf_printf(b, " %u IN TYPE65280 \\# 0\n", a->ttl);
		break;
	case VOUCH_DNS_NXDOMAIN:
		if (st == VOUCH_OK)
			st = put_comment(b, name, type, ": NXDOMAIN (absent "
			    "here, so absent on replay)");
		break;
	default:
		if (st == VOUCH_OK)
			st = put_comment(b, name, type, ": temporary failure, "
			    "not recorded: repeat the run");
	}
	return st;
}

void
dns_recorder_add(struct dns_recorder *r, const char *name, unsigned int type,
    const struct vouch_dns_answer *a)
{
	struct vbuf b, key;
	enum vouch_status st;
	char **ns, *k;
	size_t i;

	if (r == NULL || a == NULL || !dns_name_valid(name))
		return;	/* a name that is no name is never recorded */
	vbuf_init(&key, 4096);
	if (vbuf_printf(&key, "%u ", type) != VOUCH_OK ||
	    dns_zone_put_name_any(&key, name) != VOUCH_OK ||
	    (k = vbuf_take(&key, NULL)) == NULL) {
		vbuf_clear(&key);
		return;
	}
	vbuf_init(&b, 1u << 24);
	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->nseen; i++)
		if (strcasecmp(r->seen[i], k) == 0)
			goto out;
	/* the whole answer or nothing: a line is never half written */
	if ((st = put_answer(&b, name, type, a)) == VOUCH_E_LIMIT) {
		/* a name whose master-file form no reader takes (over 253
		 * characters once escaped): said, not recorded */
		vbuf_reset(&b);
		st = put_comment(&b, name, type, ": not recorded: a name in "
		    "it is too long for a master file once escaped");
	}
	if (st != VOUCH_OK)
		goto out;
	fwrite(b.data, 1, b.len, r->fp);
	fflush(r->fp);
	if (a->rcode != VOUCH_DNS_ANSWER && a->rcode != VOUCH_DNS_NODATA &&
	    a->rcode != VOUCH_DNS_NXDOMAIN)
		goto out;	/* may succeed later: not "seen" */
	if (r->nseen == r->size) {
		size_t sz = r->size ? r->size * 2 : 64;

		if ((ns = realloc(r->seen, sz * sizeof(*ns))) == NULL)
			goto out;
		r->seen = ns;
		r->size = sz;
	}
	r->seen[r->nseen++] = k;
	k = NULL;
out:
	pthread_mutex_unlock(&r->mu);
	free(k);
	vbuf_clear(&b);
}
