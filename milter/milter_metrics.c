/*
 * metrics = ADDR:PORT: the milter's counters in the Prometheus text
 * format (version 0.0.4) at /metrics, served by libmicrohttpd on its own
 * thread.  Counters are atomics bumped where the milter decides; they
 * live for the process (a reload keeps them), except the DNS layer's,
 * which belong to the configuration that is running.
 */
#include "config.h"

#ifdef HAVE_LIBMICROHTTPD
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "milter/milter.h"

static const double buckets[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
    0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

static const char *const actions[VM_A_MAX] = { "sign", "verify", "none",
    "reject", "hold", "quarantine-header", "tempfail" };
static const char *const kinds[VM_R_MAX] = { "dkim", "spf", "dmarc", "arc" };
static const char *const words[VM_W_MAX] = { "pass", "fail", "softfail",
    "neutral", "none", "temperror", "permerror", "policy" };

static atomic_ulong messages[VM_A_MAX];
static atomic_ulong results[VM_R_MAX][VM_W_MAX];
static atomic_ulong signatures;
static atomic_ulong seals[2];	/* ARC sets added: inbound, outbound */
static atomic_ulong lat_count, lat_us, lat_bucket[NBUCKETS];

static struct MHD_Daemon *daemon_h;
static void (*dns_stats_of)(struct vouch_dns_stats *);

void
vm_metrics_action(enum vm_action a)
{
	if (a < VM_A_MAX)
		atomic_fetch_add(&messages[a], 1);
}

void
vm_metrics_signed(unsigned int n)
{
	atomic_fetch_add(&signatures, n);
}

void
vm_metrics_sealed(int outbound)
{
	atomic_fetch_add(&seals[outbound != 0], 1);
}

void
vm_metrics_result(enum vm_result_kind k, const char *word)
{
	int w;

	for (w = 0; w < VM_W_MAX && word != NULL; w++)
		if (strcmp(words[w], word) == 0) {
			atomic_fetch_add(&results[k][w], 1);
			return;
		}
}

void
vm_metrics_latency(double seconds)
{
	size_t i;

	atomic_fetch_add(&lat_count, 1);
	atomic_fetch_add(&lat_us, (unsigned long)(seconds * 1e6));
	for (i = 0; i < NBUCKETS; i++)
		if (seconds <= buckets[i])
			atomic_fetch_add(&lat_bucket[i], 1);
}

/* The DNS layer's counters (the running configuration's). */
static void
dns_families(FILE *f)
{
	struct vouch_dns_stats ds = { 0 };

	if (dns_stats_of != NULL)
		dns_stats_of(&ds);
	fprintf(f, "# HELP vouch_dns_queries_total DNS queries asked of the "
	    "DNS layer (this configuration).\n# TYPE vouch_dns_queries_total "
	    "counter\nvouch_dns_queries_total %lu\n"
	    "# HELP vouch_dns_cache_hits_total Queries answered from the "
	    "cache.\n# TYPE vouch_dns_cache_hits_total counter\n"
	    "vouch_dns_cache_hits_total %lu\n"
	    "# HELP vouch_dns_upstream_total Queries sent to the resolver.\n"
	    "# TYPE vouch_dns_upstream_total counter\n"
	    "vouch_dns_upstream_total %lu\n"
	    "# HELP vouch_dns_failures_total Queries that ended in a "
	    "temporary failure (timeouts included).\n"
	    "# TYPE vouch_dns_failures_total counter\n"
	    "vouch_dns_failures_total %lu\n", ds.queries, ds.cache_hits,
	    ds.upstream, ds.tempfail);
}

/* The page: every family with HELP and TYPE, then its samples. */
static char *
page(size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	size_t i, k;

	if (f == NULL)
		return NULL;
	fprintf(f, "# HELP vouch_messages_total Messages by what the milter "
	    "did with them.\n# TYPE vouch_messages_total counter\n");
	for (i = 0; i < VM_A_MAX; i++)
		fprintf(f, "vouch_messages_total{action=\"%s\"} %lu\n",
		    actions[i], atomic_load(&messages[i]));
	fprintf(f, "# HELP vouch_signatures_total DKIM signatures added.\n"
	    "# TYPE vouch_signatures_total counter\n"
	    "vouch_signatures_total %lu\n", atomic_load(&signatures));
	fprintf(f, "# HELP vouch_arc_seals_total ARC sets added (arc-seal), "
	    "by where.\n# TYPE vouch_arc_seals_total counter\n"
	    "vouch_arc_seals_total{where=\"inbound\"} %lu\n"
	    "vouch_arc_seals_total{where=\"outbound\"} %lu\n",
	    atomic_load(&seals[0]), atomic_load(&seals[1]));
	fprintf(f, "# HELP vouch_results_total Verification results (DKIM "
	    "per signature).\n# TYPE vouch_results_total counter\n");
	for (i = 0; i < VM_R_MAX; i++)
		for (k = 0; k < VM_W_MAX; k++)
			if (atomic_load(&results[i][k]) > 0)
				fprintf(f, "vouch_results_total{method=\"%s\","
				    "result=\"%s\"} %lu\n", kinds[i], words[k],
				    atomic_load(&results[i][k]));
	dns_families(f);
	fprintf(f, "# HELP vouch_message_seconds Time from MAIL FROM to the "
	    "milter's answer at the end of the message.\n"
	    "# TYPE vouch_message_seconds histogram\n");
	for (i = 0; i < NBUCKETS; i++)
		fprintf(f, "vouch_message_seconds_bucket{le=\"%g\"} %lu\n",
		    buckets[i], atomic_load(&lat_bucket[i]));
	fprintf(f, "vouch_message_seconds_bucket{le=\"+Inf\"} %lu\n"
	    "vouch_message_seconds_sum %.6f\nvouch_message_seconds_count %lu\n",
	    atomic_load(&lat_count), (double)atomic_load(&lat_us) / 1e6,
	    atomic_load(&lat_count));
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static enum MHD_Result
answer(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **state)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *body = NULL;
	size_t len = 0;
	int ok;

	(void)cls;
	(void)version;
	(void)upload;
	(void)upload_size;
	(void)state;
	ok = strcmp(method, "GET") == 0 && strcmp(url, "/metrics") == 0 &&
	    (body = page(&len)) != NULL;
	if (ok)
		r = MHD_create_response_from_buffer(len, body,
		    MHD_RESPMEM_MUST_FREE);
	else
		r = MHD_create_response_from_buffer(10, (void *)"not found\n",
		    MHD_RESPMEM_PERSISTENT);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", ok ?
	    "text/plain; version=0.0.4; charset=utf-8" : "text/plain");
	ret = MHD_queue_response(conn, ok ? MHD_HTTP_OK : MHD_HTTP_NOT_FOUND,
	    r);
	MHD_destroy_response(r);
	return ret;
}

/* ADDR:PORT or [V6ADDR]:PORT into sa: 0, or -1. */
int
vm_metrics_addr(const char *spec, struct sockaddr_storage *sa)
{
	char host[64];
	const char *colon;
	char *end;
	unsigned long port;
	size_t hl;

	memset(sa, 0, sizeof(*sa));
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (close == NULL || close[1] != ':')
			return -1;
		hl = (size_t)(close - spec - 1);
		spec++;
		colon = close + 1;
	} else {
		if ((colon = strrchr(spec, ':')) == NULL)
			return -1;
		hl = (size_t)(colon - spec);
	}
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, spec, hl);
	host[hl] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port == 0 || port > 65535)
		return -1;
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)sa)->sin_addr) ==
	    1) {
		((struct sockaddr_in *)sa)->sin_family = AF_INET;
		((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)sa)->sin6_addr)
	    == 1) {
		((struct sockaddr_in6 *)sa)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)port);
		return 0;
	}
	return -1;
}

int
vm_metrics_start(const char *spec,
    void (*dns_stats)(struct vouch_dns_stats *))
{
	struct sockaddr_storage sa;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD;

	if (spec == NULL || daemon_h != NULL)
		return 0;
	if (vm_metrics_addr(spec, &sa) != 0)
		return -1;
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	dns_stats_of = dns_stats;
	daemon_h = MHD_start_daemon(flags, 0, NULL, NULL, answer, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)16,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10, MHD_OPTION_END);
	return daemon_h != NULL ? 0 : -1;
}

void
vm_metrics_stop(void)
{
	if (daemon_h != NULL)
		MHD_stop_daemon(daemon_h);
	daemon_h = NULL;
}
#endif
