#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns_int.h"

struct vouch_dns_answer *
dns_answer_new(uint16_t type, enum vouch_dns_rcode rcode, uint32_t ttl)
{
	struct vouch_dns_answer *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->refs = 1;
	a->type = type;
	a->rcode = rcode;
	a->ttl = ttl;
	return a;
}

enum vouch_status
dns_answer_add(struct vouch_dns_answer *a, const void *data, size_t len,
    unsigned int pref, uint32_t ttl, size_t nstr, size_t longest)
{
	struct dns_rr *rr;

	if (a->n >= VOUCH_DNS_MAX_RR)
		return VOUCH_E_LIMIT;
	if (a->n == a->size) {
		size_t ns = a->size ? a->size * 2 : 4;

		if ((rr = realloc(a->rr, ns * sizeof(*rr))) == NULL)
			return VOUCH_E_NOMEM;
		a->rr = rr;
		a->size = ns;
	}
	rr = &a->rr[a->n];
	if ((rr->data = malloc(len + 1)) == NULL)
		return VOUCH_E_NOMEM;
	if (len > 0)
		memcpy(rr->data, data, len);
	rr->data[len] = '\0';
	rr->len = len;
	rr->pref = pref;
	rr->ttl = ttl;
	rr->nstr = nstr;
	rr->longest = longest;
	if (a->n == 0 || ttl < a->ttl)
		a->ttl = ttl;
	a->n++;
	a->rcode = VOUCH_DNS_ANSWER;
	return VOUCH_OK;
}

struct vouch_dns_answer *
dns_answer_ref(struct vouch_dns_answer *a)
{
	__atomic_add_fetch(&a->refs, 1, __ATOMIC_RELAXED);
	return a;
}

void
vouch_dns_answer_free(struct vouch_dns_answer *a)
{
	size_t i;

	if (a == NULL || __atomic_sub_fetch(&a->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (i = 0; i < a->n; i++)
		free(a->rr[i].data);
	free(a->rr);
	free(a->cname);
	free(a);
}

enum vouch_dns_rcode
vouch_dns_answer_rcode(const struct vouch_dns_answer *a)
{
	return a->rcode;
}

size_t
vouch_dns_answer_count(const struct vouch_dns_answer *a)
{
	return a->rcode == VOUCH_DNS_ANSWER ? a->n : 0;
}

uint32_t
vouch_dns_answer_ttl(const struct vouch_dns_answer *a)
{
	return a->ttl;
}

const unsigned char *
vouch_dns_answer_data(const struct vouch_dns_answer *a, size_t i,
    size_t *len, unsigned int *pref)
{
	if (i >= vouch_dns_answer_count(a))
		return NULL;
	if (len != NULL)
		*len = a->rr[i].len;
	if (pref != NULL)
		*pref = a->rr[i].pref;
	return a->rr[i].data;
}

size_t
vouch_dns_answer_strings(const struct vouch_dns_answer *a, size_t i)
{
	return i < vouch_dns_answer_count(a) ? a->rr[i].nstr : 0;
}

size_t
vouch_dns_answer_longest_string(const struct vouch_dns_answer *a, size_t i)
{
	return i < vouch_dns_answer_count(a) ? a->rr[i].longest : 0;
}

const char *
vouch_dns_rcode_name(enum vouch_dns_rcode rcode)
{
	switch (rcode) {
	case VOUCH_DNS_ANSWER:		return "answer";
	case VOUCH_DNS_NXDOMAIN:	return "nxdomain";
	case VOUCH_DNS_NODATA:		return "nodata";
	case VOUCH_DNS_TEMPFAIL:	return "tempfail";
	case VOUCH_DNS_MALFORMED:	return "malformed";
	}
	return "unknown";
}

int
vouch_dns_type_parse(const char *name)
{
	static const struct { const char *n; int t; } tab[] = {
		{ "A", VOUCH_DNS_A }, { "AAAA", VOUCH_DNS_AAAA },
		{ "MX", VOUCH_DNS_MX }, { "PTR", VOUCH_DNS_PTR },
		{ "TXT", VOUCH_DNS_TXT }, { "CNAME", VOUCH_DNS_CNAME },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcasecmp(name, tab[i].n) == 0)
			return tab[i].t;
	return 0;
}

uint64_t
dns_hash(const char *name, uint16_t type)
{
	uint64_t h = 1469598103934665603ULL ^ type;	/* FNV-1a */

	for (; *name != '\0'; name++) {
		unsigned char c = (unsigned char)*name;

		if (c >= 'A' && c <= 'Z')
			c += 32;
		h = (h ^ c) * 1099511628211ULL;
	}
	return h;
}
