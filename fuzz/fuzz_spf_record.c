/*
 * SPF parsing and evaluation with DNS answers from the input.  Line 1 is
 * the SPF record of fuzz.example; every further line "NAME DATA" becomes a
 * TXT record of NAME (or an A record when DATA is an IPv4 address, MX when
 * it starts with "MX ", PTR with "PTR ").
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/vouch.h>
#include "fuzz_common.h"

static void
add_line(struct vouch_dns *d, const char *line, size_t n)
{
	const char *sp = memchr(line, ' ', n);
	char name[256];
	unsigned char a[4];
	char ip[64];
	size_t nl, dl;
	const char *data;

	if (sp == NULL || (nl = (size_t)(sp - line)) == 0 || nl >= sizeof(name))
		return;
	memcpy(name, line, nl);
	name[nl] = '\0';
	data = sp + 1;
	dl = n - nl - 1;
	if (dl < sizeof(ip)) {
		memcpy(ip, data, dl);
		ip[dl] = '\0';
		if (inet_pton(AF_INET, ip, a) == 1) {
			vouch_dns_add_raw(d, name, VOUCH_DNS_A, a, 4, 60);
			return;
		}
	}
	if (dl > 3 && memcmp(data, "MX ", 3) == 0)
		vouch_dns_add_raw(d, name, VOUCH_DNS_MX, data + 3, dl - 3, 60);
	else if (dl > 4 && memcmp(data, "PTR ", 4) == 0)
		vouch_dns_add_raw(d, name, VOUCH_DNS_PTR, data + 4, dl - 4, 60);
	else
		vouch_dns_add_raw(d, name, VOUCH_DNS_TXT, data, dl, 60);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *ips[] = { "192.0.2.1", "2001:db8::1", "127.0.0.1" };
	const char *p = (const char *)data, *end = p + size, *nl;
	struct vouch_dns *d = vouch_dns_new();
	size_t k;

	if (d == NULL)
		return 0;
	nl = memchr(p, '\n', size);
	vouch_dns_add_raw(d, "fuzz.example", VOUCH_DNS_TXT, p,
	    nl ? (size_t)(nl - p) : size, 60);
	while (nl != NULL && nl + 1 < end) {
		const char *s = nl + 1;

		nl = memchr(s, '\n', (size_t)(end - s));
		add_line(d, s, nl ? (size_t)(nl - s) : (size_t)(end - s));
	}
	vouch_dns_add_fault(d, "timeout.example", 0, VOUCH_DNS_FAULT_TIMEOUT);
	for (k = 0; k < 3; k++) {
		struct vouch_spf_request r = { 0 };
		struct vouch_spf_verdict v;

		r.ip = ips[k];
		r.mail_from = "user@fuzz.example";
		r.helo = "helo.fuzz.example";
		r.timeout_ms = 2000;
		r.now = 1;
		if (vouch_spf_check(d, &r, &v, NULL) == VOUCH_OK) {
			char *a = vouch_spf_received_spf(&r, &v);
			char *j = vouch_spf_verdict_json(&v);

			vouch_free(a);
			vouch_free(j);
			vouch_spf_verdict_clear(&v);
		}
	}
	vouch_dns_free(d);
	return 0;
}
