/* DKIM key records (RFC 6376 3.6.1) and private key files. */
#include <stdlib.h>

#include <vouch/vouch.h>
#include "dkim/dkim_int.h"
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dkim_pubkey pk;
	struct vouch_dkim_key *k = NULL;
	char why[160];

	if (dkim_pubkey_parse((const char *)data, size, &pk, why, sizeof(why))
	    == VOUCH_OK)
		dkim_pubkey_clear(&pk);
	if (vouch_dkim_key_parse(data, size, &k, NULL) == VOUCH_OK) {
		char *r = vouch_dkim_key_record(k, 0);

		vouch_free(r);
		vouch_dkim_key_free(k);
	}
	return 0;
}
