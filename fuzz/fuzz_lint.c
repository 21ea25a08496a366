/* Lint of SPF, DKIM and DMARC record text; the first byte picks which. */
#include <stdlib.h>
#include <string.h>

#include <vouch/vouch.h>
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vouch_dns *d;
	struct vouch_lint *l;
	char *rec;

	if (size < 1 || (rec = malloc(size)) == NULL)
		return 0;
	memcpy(rec, data + 1, size - 1);
	rec[size - 1] = '\0';	/* the API takes C strings */
	d = vouch_dns_new();
	vouch_dns_add_raw(d, "inc.fuzz.example", VOUCH_DNS_TXT, rec,
	    size - 1, 60);
	l = vouch_lint_new(d);
	switch (data[0] % 3) {
	case 0:
		vouch_lint_spf(l, "fuzz.example", rec, NULL);
		vouch_lint_spf(l, "inc.fuzz.example", NULL, NULL);
		break;
	case 1:
		vouch_lint_dkim(l, NULL, NULL, rec, NULL, NULL);
		break;
	default:
		vouch_lint_dmarc(l, "fuzz.example", rec, NULL);
		break;
	}
	vouch_lint_free(l);
	vouch_dns_free(d);
	free(rec);
	return 0;
}
