/* Zone-file loading (ldns underneath) and lookups on what loaded. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <vouch/vouch.h>
#include "fuzz_common.h"

static int
count(void *arg, const char *name, int type, const unsigned char *data,
    size_t len, size_t nstr, size_t longest)
{
	(void)name; (void)type; (void)data; (void)len; (void)nstr;
	(void)longest;
	(*(int *)arg)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/vouch-fuzz-zone-XXXXXX";
	int fd = mkstemp(path), n = 0;
	struct vouch_dns *d;
	struct vouch_dns_answer *a;
	FILE *fp;

	if (fd < 0)
		return 0;
	if ((fp = fdopen(fd, "wb")) == NULL) {
		close(fd);
		unlink(path);
		return 0;
	}
	fwrite(data, 1, size, fp);
	fclose(fp);
	d = vouch_dns_new();
	if (vouch_dns_load_zone(d, path, "fuzz.example.", 0, NULL) == VOUCH_OK) {
		static const int types[] = { VOUCH_DNS_TXT, VOUCH_DNS_A,
		    VOUCH_DNS_MX, VOUCH_DNS_AAAA, VOUCH_DNS_PTR };
		size_t i;

		for (i = 0; i < 5; i++)
			if (vouch_dns_query(d, "fuzz.example", types[i], &a,
			    NULL) == VOUCH_OK)
				vouch_dns_answer_free(a);
	}
	vouch_dns_zone_foreach(path, "fuzz.example.", count, &n, NULL);
	vouch_dns_free(d);
	unlink(path);
	return 0;
}
