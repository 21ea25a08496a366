/*
 * DNS responses off the wire: ldns parses the packet, then vouch reads it
 * as the resolver does (question and ID check, CNAME chains inside the
 * answer, negative TTL from the SOA, record conversion).  The query is
 * built from the packet's own question so that the fuzzer does not have
 * to guess an ID; a packet without one question is checked against a
 * fixed TXT query and must come out MALFORMED.
 */
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>
#include <vouch/vouch.h>
#include "dns/dns_int.h"
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ldns_pkt *p = NULL, *q = NULL;
	ldns_rr_list *qd;
	ldns_rdf *owner = NULL;
	struct vouch_dns_answer *a = NULL;
	uint16_t type = LDNS_RR_TYPE_TXT;
	char *name = NULL;
	size_t i, n, len;
	int asked = 0;

	if (ldns_wire2pkt(&p, data, size) != LDNS_STATUS_OK)
		goto out;
	qd = ldns_pkt_question(p);
	if (ldns_rr_list_rr_count(qd) == 1) {
		ldns_rr *rr = ldns_rr_list_rr(qd, 0);

		owner = ldns_rdf_clone(ldns_rr_owner(rr));
		type = ldns_rr_get_type(rr);
		asked = 1;
	} else
		owner = ldns_dname_new_frm_str("fuzz.example.");
	if (owner == NULL || (name = ldns_rdf2str(owner)) == NULL)
		goto out;
	if ((len = strlen(name)) > 1 && name[len - 1] == '.')
		name[len - 1] = '\0';
	if ((q = ldns_pkt_query_new(owner, type, LDNS_RR_CLASS_IN,
	    LDNS_RD)) == NULL)
		goto out;
	owner = NULL;	/* q owns it now */
	ldns_pkt_set_id(q, ldns_pkt_id(p));
	if ((a = dns_answer_new(type, VOUCH_DNS_TEMPFAIL, 0)) == NULL)
		goto out;
	if (dns_pkt_answer(q, p, name, type, a) != VOUCH_OK)
		goto out;
	if (!asked && vouch_dns_answer_rcode(a) != VOUCH_DNS_MALFORMED)
		abort();	/* a reply to no question was taken */
	n = vouch_dns_answer_count(a);
	if ((n > 0) != (vouch_dns_answer_rcode(a) == VOUCH_DNS_ANSWER))
		abort();	/* records and rcode disagree */
	for (i = 0; i < n; i++) {
		unsigned int pref;
		const unsigned char *d = vouch_dns_answer_data(a, i, &len,
		    &pref);

		if (d == NULL || d[len] != '\0')
			abort();	/* data must be NUL-terminated */
		if (type == LDNS_RR_TYPE_TXT &&
		    vouch_dns_answer_longest_string(a, i) > len)
			abort();
	}
out:
	vouch_dns_answer_free(a);
	ldns_rdf_deep_free(owner);
	ldns_pkt_free(q);
	ldns_pkt_free(p);
	free(name);
	return 0;
}
