/*
 * Live backend: queries a recursive resolver (resolv.conf) or an explicit
 * server with ldns.  EDNS0 with a 4096-byte buffer, TCP when the answer is
 * truncated.  ldns resolvers keep state, so each query takes one from a
 * small pool and many queries can be in flight from several threads.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "dns_int.h"
#include "common/util.h"

#define POOL_MAX 64

struct dns_live {
	ldns_resolver *tmpl;
	pthread_mutex_t mu;
	ldns_resolver *pool[POOL_MAX];
	int npool;
};

static enum vouch_status
parse_server(ldns_resolver *r, const char *server, struct vouch_error *err)
{
	char host[128];
	const char *port = NULL, *p;
	ldns_rdf *addr;
	size_t n;

	if (server[0] == '[') {
		if ((p = strchr(server, ']')) == NULL)
			goto bad;
		n = (size_t)(p - server - 1);
		memcpy(host, server + 1, n < sizeof(host) ? n : 0);
		if (n >= sizeof(host))
			goto bad;
		host[n] = '\0';
		if (p[1] == ':')
			port = p + 2;
		else if (p[1] != '\0')
			goto bad;
	} else {
		p = strchr(server, ':');
		if (p != NULL && strchr(p + 1, ':') != NULL)
			p = NULL;	/* a bare IPv6 address */
		n = p != NULL ? (size_t)(p - server) : strlen(server);
		if (n >= sizeof(host))
			goto bad;
		memcpy(host, server, n);
		host[n] = '\0';
		if (p != NULL)
			port = p + 1;
	}
	if (strchr(host, ':') != NULL)
		addr = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_AAAA, host);
	else
		addr = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, host);
	if (addr == NULL)
		goto bad;
	ldns_resolver_push_nameserver(r, addr);
	ldns_rdf_deep_free(addr);
	if (port != NULL) {
		uint64_t v;

		if (vouch__parse_u64(port, strlen(port), 65535, &v) != 0 ||
		    v == 0)
			goto bad;
		ldns_resolver_set_port(r, (uint16_t)v);
	}
	return VOUCH_OK;
bad:
	return vouch__err(err, VOUCH_E_INVAL, NULL, -1,
	    "%s: not an address (ADDR, ADDR:PORT or [ADDR]:PORT)", server);
}

enum vouch_status
dns_live_new(struct dns_live **out, const char *server,
    struct vouch_error *err)
{
	struct dns_live *l;
	ldns_resolver *r = NULL;
	enum vouch_status st;

	if (server == NULL) {
		if (ldns_resolver_new_frm_file(&r, NULL) != LDNS_STATUS_OK ||
		    r == NULL)
			return vouch__err(err, VOUCH_E_DNS_TEMP, NULL, -1,
			    "/etc/resolv.conf: no usable name server");
	} else {
		if ((r = ldns_resolver_new()) == NULL)
			return VOUCH_E_NOMEM;
		if ((st = parse_server(r, server, err)) != VOUCH_OK) {
			ldns_resolver_deep_free(r);
			return st;
		}
	}
	ldns_resolver_set_recursive(r, true);
	ldns_resolver_set_dnssec(r, false);
	ldns_resolver_set_edns_udp_size(r, 4096);
	ldns_resolver_set_fallback(r, true);
	ldns_resolver_set_defnames(r, false);
	ldns_resolver_set_dnsrch(r, false);
	ldns_resolver_set_random(r, false);
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		ldns_resolver_deep_free(r);
		return VOUCH_E_NOMEM;
	}
	l->tmpl = r;
	pthread_mutex_init(&l->mu, NULL);
	*out = l;
	return VOUCH_OK;
}

void
dns_live_free(struct dns_live *l)
{
	int i;

	if (l == NULL)
		return;
	for (i = 0; i < l->npool; i++)
		ldns_resolver_deep_free(l->pool[i]);
	ldns_resolver_deep_free(l->tmpl);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

static ldns_resolver *
take(struct dns_live *l)
{
	ldns_resolver *r;

	pthread_mutex_lock(&l->mu);
	r = l->npool > 0 ? l->pool[--l->npool] : ldns_resolver_clone(l->tmpl);
	pthread_mutex_unlock(&l->mu);
	return r;
}

static void
give(struct dns_live *l, ldns_resolver *r)
{
	pthread_mutex_lock(&l->mu);
	if (l->npool < POOL_MAX) {
		l->pool[l->npool++] = r;
		r = NULL;
	}
	pthread_mutex_unlock(&l->mu);
	if (r != NULL)
		ldns_resolver_deep_free(r);
}

static char *
owner_str(const ldns_rdf *rdf)
{
	char *p = ldns_rdf2str(rdf);
	size_t n;

	if (p != NULL && (n = strlen(p)) > 1 && p[n - 1] == '.')
		p[n - 1] = '\0';
	return p;
}

static int
owner_is(const ldns_rr *rr, const char *name)
{
	char *o = owner_str(ldns_rr_owner(rr));
	int eq = o != NULL && strcasecmp(o, name) == 0;

	free(o);
	return eq;
}

static enum vouch_status
answer_sink(void *arg, const char *owner, uint16_t type, const void *data,
    size_t len, unsigned int pref, uint32_t ttl, size_t nstr,
    size_t longest)
{
	(void)owner;
	(void)type;
	return dns_answer_add(arg, data, len, pref, ttl, nstr, longest);
}

/* Turn one record into answer data, exactly as the zone backend does. */
static enum vouch_status
add_rr(struct vouch_dns_answer *a, const ldns_rr *rr)
{
	return dns_rr_convert(rr, answer_sink, a);
}

/* RFC 2308 5: the negative TTL is min(SOA TTL, SOA MINIMUM). */
static uint32_t
negative_ttl(const ldns_pkt *p)
{
	ldns_rr_list *auth = ldns_pkt_authority(p);
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(auth); i++) {
		ldns_rr *rr = ldns_rr_list_rr(auth, i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
		    ldns_rr_rd_count(rr) == 7) {
			uint32_t m = ldns_rdf2native_int32(ldns_rr_rdf(rr, 6));

			return m < ldns_rr_ttl(rr) ? m : ldns_rr_ttl(rr);
		}
	}
	return 0;	/* no SOA: do not cache (RFC 2308 5) */
}

/* Walk the answer section from the query name along CNAMEs. */
static enum vouch_status
collect(const ldns_pkt *p, const char *name, uint16_t type,
    struct vouch_dns_answer *a)
{
	ldns_rr_list *ans = ldns_pkt_answer(p);
	char *cur = strdup(name), *next = NULL;
	enum vouch_status st = VOUCH_OK;
	size_t i, hops;

	if (cur == NULL)
		return VOUCH_E_NOMEM;
	for (hops = 0; hops <= VOUCH_DNS_MAX_CNAME; hops++) {
		for (i = 0; i < ldns_rr_list_rr_count(ans); i++) {
			ldns_rr *rr = ldns_rr_list_rr(ans, i);

			if (!owner_is(rr, cur))
				continue;
			if (ldns_rr_get_type(rr) == type) {
				st = add_rr(a, rr);
				/* more records than are kept: no partial
				 * answer (a dropped record could turn "two
				 * SPF records" into one), a malformed one */
				if (st == VOUCH_E_LIMIT)
					st = VOUCH_E_DNS_MALFORMED;
				if (st != VOUCH_OK)
					goto out;
			} else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
			    next == NULL) {
				next = owner_str(ldns_rr_rdf(rr, 0));
			}
		}
		if (a->n > 0 || next == NULL)
			break;
		free(cur);
		cur = next;
		next = NULL;
	}
	if (hops > VOUCH_DNS_MAX_CNAME) {
		/* a CNAME loop (or an absurd chain) inside the answer */
		st = VOUCH_E_LIMIT;
		goto out;
	}
	if (a->n == 0 && strcasecmp(cur, name) != 0 &&
	    type != VOUCH_DNS_CNAME) {
		/* The chain left this answer: let the front end follow it. */
		a->cname = cur;
		cur = NULL;
	}
out:
	free(next);	/* an alias seen before a record failed to convert */
	free(cur);
	return st;
}

static enum vouch_dns_rcode
map_status(ldns_status ls)
{
	switch (ls) {
	case LDNS_STATUS_WIRE_INCOMPLETE_HEADER:
	case LDNS_STATUS_WIRE_INCOMPLETE_QUESTION:
	case LDNS_STATUS_WIRE_INCOMPLETE_ANSWER:
	case LDNS_STATUS_WIRE_INCOMPLETE_AUTHORITY:
	case LDNS_STATUS_WIRE_INCOMPLETE_ADDITIONAL:
	case LDNS_STATUS_PACKET_OVERFLOW:
	case LDNS_STATUS_DOMAINNAME_OVERFLOW:
	case LDNS_STATUS_DOMAINNAME_UNDERFLOW:
	case LDNS_STATUS_LABEL_OVERFLOW:
	case LDNS_STATUS_INVALID_POINTER:
		return VOUCH_DNS_MALFORMED;
	default:
		return VOUCH_DNS_TEMPFAIL;
	}
}

/* The answer must be for our question (RFC 5452 9.1). */
static int
matches_query(const ldns_pkt *q, const ldns_pkt *p)
{
	ldns_rr_list *qq = ldns_pkt_question(q), *pq = ldns_pkt_question(p);
	ldns_rr *a, *b;

	if (ldns_pkt_id(q) != ldns_pkt_id(p) || !ldns_pkt_qr(p) ||
	    ldns_rr_list_rr_count(pq) != 1)
		return 0;
	a = ldns_rr_list_rr(qq, 0);
	b = ldns_rr_list_rr(pq, 0);
	return ldns_rr_get_type(a) == ldns_rr_get_type(b) &&
	    ldns_dname_compare(ldns_rr_owner(a), ldns_rr_owner(b)) == 0;
}

/*
 * What a response p to our query q says about name/type, into a: the
 * answer records along CNAMEs, NXDOMAIN or no data with the RFC 2308
 * negative TTL, MALFORMED for a reply to another question or a truncated
 * one, TEMPFAIL for an error rcode or a CNAME loop.  Shared by the
 * resolver and fuzz/fuzz_dns_answer.c (ldns packets passed as void so
 * dns_int.h needs no ldns).
 */
enum vouch_status
dns_pkt_answer(const void *query, const void *response, const char *name,
    uint16_t type, struct vouch_dns_answer *a)
{
	const ldns_pkt *q = query, *p = response;
	enum vouch_status st = VOUCH_OK;

	if (!matches_query(q, p) || ldns_pkt_tc(p)) {
		a->rcode = VOUCH_DNS_MALFORMED;
		return VOUCH_OK;
	}
	switch (ldns_pkt_get_rcode(p)) {
	case LDNS_RCODE_NOERROR:
		st = collect(p, name, type, a);
		if (st == VOUCH_E_DNS_MALFORMED) {
			a->rcode = VOUCH_DNS_MALFORMED;
			st = VOUCH_OK;
		} else if (st == VOUCH_E_LIMIT) {
			a->rcode = VOUCH_DNS_TEMPFAIL;	/* a CNAME loop */
			st = VOUCH_OK;
		} else if (a->n == 0) {
			a->rcode = VOUCH_DNS_NODATA;
			a->ttl = negative_ttl(p);
		}
		break;
	case LDNS_RCODE_NXDOMAIN:
		a->rcode = VOUCH_DNS_NXDOMAIN;
		a->ttl = negative_ttl(p);
		break;
	default:	/* SERVFAIL, REFUSED, NOTIMP, FORMERR ... */
		a->rcode = VOUCH_DNS_TEMPFAIL;
		break;
	}
	return st;
}

/*
 * One UDP exchange with one server.  Packets that do not parse or do not
 * answer our question with our ID are dropped and we keep waiting until
 * the timeout (RFC 5452 9.1), so a spoofer or a broken middlebox cannot
 * end the query early.  The socket is connected: datagrams from other
 * addresses never arrive.  Returns 1 with *out, 0 on timeout or error.
 */
static int
udp_exchange(const struct sockaddr_storage *ss, socklen_t sslen,
    const uint8_t *wire, size_t wlen, const ldns_pkt *q,
    unsigned int timeout_ms, ldns_pkt **out)
{
	unsigned char *buf;
	int64_t deadline = vouch__mono_ms() + timeout_ms;
	int fd, got = 0;

	if ((fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	if ((buf = malloc(65536)) == NULL ||
	    connect(fd, (const struct sockaddr *)ss, sslen) != 0 ||
	    send(fd, wire, wlen, 0) != (ssize_t)wlen)
		goto out;
	while (!got) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int64_t left = deadline - vouch__mono_ms();
		ldns_pkt *p = NULL;
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		if ((n = recv(fd, buf, 65536, 0)) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			break;	/* ICMP unreachable and the like */
		}
		if (ldns_wire2pkt(&p, buf, (size_t)n) != LDNS_STATUS_OK) {
			ldns_pkt_free(p);
			continue;	/* not a DNS message: keep waiting */
		}
		if (!matches_query(q, p)) {
			ldns_pkt_free(p);
			continue;	/* not our answer: keep waiting */
		}
		*out = p;
		got = 1;
	}
out:
	free(buf);
	close(fd);
	return got;
}

/* UDP to each server in turn, tries times; TCP is left to ldns. */
static ldns_status
udp_query(ldns_resolver *r, const ldns_pkt *q, ldns_pkt **out)
{
	ldns_rdf **ns = ldns_resolver_nameservers(r);
	size_t nns = ldns_resolver_nameserver_count(r), i;
	unsigned int try, tries = ldns_resolver_retry(r);
	struct timeval tv = ldns_resolver_timeout(r);
	unsigned int tmo = (unsigned int)(tv.tv_sec * 1000 + tv.tv_usec / 1000);
	uint8_t *wire = NULL;
	size_t wlen = 0;
	ldns_status st = LDNS_STATUS_NETWORK_ERR;

	if (ldns_pkt2wire(&wire, q, &wlen) != LDNS_STATUS_OK)
		return LDNS_STATUS_ERR;
	for (try = 0; try < (tries ? tries : 1) && st != LDNS_STATUS_OK; try++)
		for (i = 0; i < nns && st != LDNS_STATUS_OK; i++) {
			size_t sl = 0;
			struct sockaddr_storage *ss =
			    ldns_rdf2native_sockaddr_storage(ns[i],
			    ldns_resolver_port(r), &sl);

			if (ss == NULL)
				continue;
			if (udp_exchange(ss, (socklen_t)sl, wire, wlen, q,
			    tmo ? tmo : 1, out))
				st = LDNS_STATUS_OK;
			LDNS_FREE(ss);
		}
	LDNS_FREE(wire);
	return st;
}

static enum vouch_status
send_query(ldns_resolver *r, const char *name, uint16_t type,
    struct vouch_dns_answer *a)
{
	ldns_rdf *dname = NULL;
	ldns_pkt *q = NULL, *p = NULL;
	ldns_status ls;
	enum vouch_status st = VOUCH_OK;

	if ((dname = ldns_dname_new_frm_str(name)) == NULL) {
		a->rcode = VOUCH_DNS_NXDOMAIN;	/* not a valid name */
		return VOUCH_OK;
	}
	ls = ldns_resolver_prepare_query_pkt(&q, r, dname, type,
	    LDNS_RR_CLASS_IN, LDNS_RD);
	if (ls != LDNS_STATUS_OK) {
		a->rcode = VOUCH_DNS_TEMPFAIL;
		goto out;
	}
	ls = udp_query(r, q, &p);
	if (ls == LDNS_STATUS_OK && p != NULL && ldns_pkt_tc(p) &&
	    !ldns_resolver_usevc(r)) {
		/* Truncated and ldns did not retry: ask again over TCP. */
		ldns_pkt_free(p);
		p = NULL;
		ldns_resolver_set_usevc(r, true);
		ls = ldns_resolver_send_pkt(&p, r, q);
		ldns_resolver_set_usevc(r, false);
	}
	if (ls != LDNS_STATUS_OK || p == NULL) {
		a->rcode = map_status(ls);
		goto out;
	}
	st = dns_pkt_answer(q, p, name, type, a);
out:
	ldns_pkt_free(q);
	ldns_pkt_free(p);
	ldns_rdf_deep_free(dname);
	return st;
}

enum vouch_status
dns_live_query(struct dns_live *l, const char *name, uint16_t type,
    unsigned int timeout_ms, unsigned int tries,
    struct vouch_dns_answer **out)
{
	struct vouch_dns_answer *a;
	struct timeval tv;
	ldns_resolver *r;
	enum vouch_status st;

	if ((a = dns_answer_new(type, VOUCH_DNS_TEMPFAIL, 0)) == NULL)
		return VOUCH_E_NOMEM;
	if ((r = take(l)) == NULL) {
		vouch_dns_answer_free(a);
		return VOUCH_E_NOMEM;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000;
	ldns_resolver_set_timeout(r, tv);
	ldns_resolver_set_retry(r, (uint8_t)(tries > 0 ? tries : 1));
	ldns_resolver_set_retrans(r, 0);
	st = send_query(r, name, type, a);
	give(l, r);
	if (st != VOUCH_OK) {
		vouch_dns_answer_free(a);
		return st;
	}
	*out = a;
	return VOUCH_OK;
}
