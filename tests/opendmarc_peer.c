/*
 * OpenDMARC (libopendmarc, Debian libopendmarc-dev) as a differential
 * peer for vouch's RFC 7489 mode.  Given a From domain, the d= of the
 * DKIM signatures that passed and the domain SPF passed, it asks
 * OpenDMARC for the verdict, with OpenDMARC's own Public Suffix List
 * code choosing the organizational domain.  The DMARC record is read from
 * the same master files vouch reads, by RFC 7489 6.6.3 (the From domain,
 * then the organizational domain; several records are none), through
 * vouch's DNS layer used as a plain resolver: only OpenDMARC decides.
 *
 * usage: opendmarc_peer ZONE FROM_DOMAIN DKIM_PASS_D[,D...]|- SPF_DOMAIN|-
 * prints: RESULT DISPOSITION   (pass|fail|none, none|quarantine|reject)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <opendmarc/dmarc.h>
#include <vouch/vouch.h>

int opendmarc_get_tld(u_char *domain, u_char *tld, size_t tlen);

/* The one v=DMARC1 record at _dmarc.d, or NULL. */
static char *
record_at(struct vouch_dns *dns, const char *d)
{
	struct vouch_dns_answer *a = NULL;
	char name[600], *rec = NULL;
	size_t i, n, found = 0;

	snprintf(name, sizeof(name), "_dmarc.%s", d);
	if (vouch_dns_query(dns, name, VOUCH_DNS_TXT, &a, NULL) != VOUCH_OK)
		return NULL;
	for (i = 0; i < vouch_dns_answer_count(a); i++) {
		const char *p = (const char *)vouch_dns_answer_data(a, i, &n,
		    NULL);

		if (n >= 8 && memcmp(p, "v=DMARC1", 8) == 0) {
			found++;
			free(rec);
			rec = strndup(p, n);
		}
	}
	vouch_dns_answer_free(a);
	if (found != 1) {
		free(rec);
		return NULL;
	}
	return rec;
}

int
main(int argc, char **argv)
{
	OPENDMARC_LIB_T lib;
	DMARC_POLICY_T *pctx;
	struct vouch_dns *dns;
	u_char org[512];
	char *rec, *list, *d, *save = NULL;
	const char *dom = argv[2];
	int pol;

	if (argc != 5) {
		fprintf(stderr, "usage: opendmarc_peer ZONE FROM DKIM SPF\n");
		return 64;
	}
	dns = vouch_dns_new();
	if (vouch_dns_load_zone(dns, argv[1], NULL, 0, NULL) != VOUCH_OK)
		return 66;
	memset(&lib, 0, sizeof(lib));
	lib.tld_type = OPENDMARC_TLD_TYPE_MOZILLA;
	snprintf((char *)lib.tld_source_file, sizeof(lib.tld_source_file),
	    "%s", getenv("PSL_FILE") != NULL ? getenv("PSL_FILE") :
	    "/usr/share/publicsuffix/public_suffix_list.dat");
	if (opendmarc_policy_library_init(&lib) != DMARC_PARSE_OKAY)
		return 70;
	pctx = opendmarc_policy_connect_init((u_char *)"192.0.2.1", 0);
	opendmarc_policy_store_from_domain(pctx, (u_char *)dom);
	if (opendmarc_get_tld((u_char *)dom, org, sizeof(org)) != 0)
		snprintf((char *)org, sizeof(org), "%s", dom);
	/* the organizational domain is handed over only when the record
	 * came from it: OpenDMARC then applies sp= */
	if ((rec = record_at(dns, dom)) != NULL)
		opendmarc_policy_store_dmarc(pctx, (u_char *)rec, (u_char *)dom,
		    NULL);
	else if (strcmp((char *)org, dom) != 0 &&
	    (rec = record_at(dns, (char *)org)) != NULL)
		opendmarc_policy_store_dmarc(pctx, (u_char *)rec, (u_char *)dom,
		    org);
	if (strcmp(argv[3], "-") != 0) {
		list = strdup(argv[3]);
		for (d = strtok_r(list, ",", &save); d != NULL;
		    d = strtok_r(NULL, ",", &save))
			opendmarc_policy_store_dkim(pctx, (u_char *)d,
			    (u_char *)"s", DMARC_POLICY_DKIM_OUTCOME_PASS, NULL);
		free(list);
	}
	if (strcmp(argv[4], "-") != 0)
		opendmarc_policy_store_spf(pctx, (u_char *)argv[4],
		    DMARC_POLICY_SPF_OUTCOME_PASS,
		    DMARC_POLICY_SPF_ORIGIN_MAILFROM, NULL);
	pol = opendmarc_get_policy_to_enforce(pctx);
	printf("%s %s\n", pol == DMARC_POLICY_PASS ? "pass" :
	    pol == DMARC_POLICY_ABSENT ? "none" : "fail",
	    pol == DMARC_POLICY_REJECT ? "reject" :
	    pol == DMARC_POLICY_QUARANTINE ? "quarantine" : "none");
	free(rec);
	opendmarc_policy_connect_shutdown(pctx);
	opendmarc_policy_library_shutdown(&lib);
	vouch_dns_free(dns);
	return 0;
}
