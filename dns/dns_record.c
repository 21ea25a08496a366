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

/* A character-string in master-file form: quoted, escaped (RFC 1035 5.1). */
static void
put_string(FILE *fp, const unsigned char *p, size_t n)
{
	size_t i;

	fputc('"', fp);
	for (i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\')
			fprintf(fp, "\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			fprintf(fp, "\\%03u", p[i]);
		else
			fputc(p[i], fp);
	}
	fputc('"', fp);
}

/* Names as the DNS layer gives them carry no final dot; in the file they
 * are absolute.  Escapes in them are already master-file form. */
static void
put_rr(FILE *fp, const char *name, unsigned int type, const struct dns_rr *rr)
{
	char buf[INET6_ADDRSTRLEN];
	size_t i;

	fprintf(fp, "%s. %u IN %s ", name, rr->ttl, type_name(type));
	switch (type) {
	case VOUCH_DNS_A:
	case VOUCH_DNS_AAAA:
		fputs(inet_ntop(type == VOUCH_DNS_A ? AF_INET : AF_INET6,
		    rr->data, buf, sizeof(buf)) ? buf : "0.0.0.0", fp);
		break;
	case VOUCH_DNS_MX:
		fprintf(fp, "%u %s.", rr->pref, (const char *)rr->data);
		break;
	case VOUCH_DNS_TXT:
		/* one logical string, split at 255 (RFC 1035 3.3) */
		for (i = 0; i < rr->len || i == 0; i += 255) {
			if (i > 0)
				fputc(' ', fp);
			put_string(fp, rr->data + i, rr->len - i < 255 ?
			    rr->len - i : 255);
			if (rr->len == 0)
				break;
		}
		break;
	default:
		fprintf(fp, "%s.", (const char *)rr->data);
	}
	fputc('\n', fp);
}

void
dns_recorder_add(struct dns_recorder *r, const char *name, unsigned int type,
    const struct vouch_dns_answer *a)
{
	char key[600], **ns;
	size_t i;

	if (r == NULL || a == NULL)
		return;
	snprintf(key, sizeof(key), "%u %s", type, name);
	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->nseen; i++)
		if (strcasecmp(r->seen[i], key) == 0)
			goto out;
	{
		char when[32];
		time_t now = time(NULL);

		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
		    gmtime(&now));
		fprintf(r->fp, "; %s %s asked at %s, TTL %u\n", name,
		    type_name(type), when, a->ttl);
	}
	switch (a->rcode) {
	case VOUCH_DNS_ANSWER:
		for (i = 0; i < a->n; i++)
			put_rr(r->fp, name, type, &a->rr[i]);
		break;
	case VOUCH_DNS_NODATA:
		fprintf(r->fp, "; %s %s: no data (the name exists)\n%s. %u IN "
		    "TYPE65280 \\# 0\n", name, type_name(type), name, a->ttl);
		break;
	case VOUCH_DNS_NXDOMAIN:
		fprintf(r->fp, "; %s %s: NXDOMAIN (absent here, so absent on "
		    "replay)\n", name, type_name(type));
		break;
	default:
		fprintf(r->fp, "; %s %s: temporary failure, not recorded: "
		    "repeat the run\n", name, type_name(type));
		goto flush;	/* may succeed later: not "seen" */
	}
	if (r->nseen == r->size) {
		size_t s = r->size ? r->size * 2 : 64;

		if ((ns = realloc(r->seen, s * sizeof(*ns))) == NULL)
			goto flush;
		r->seen = ns;
		r->size = s;
	}
	if ((r->seen[r->nseen] = strdup(key)) != NULL)
		r->nseen++;
flush:
	fflush(r->fp);
out:
	pthread_mutex_unlock(&r->mu);
}
