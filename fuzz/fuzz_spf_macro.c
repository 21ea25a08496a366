/* SPF macro expansion (RFC 7208 7) and domain-spec syntax. */
#include <stdlib.h>
#include <string.h>

#include "spf/spf_int.h"
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct spf_macro_env env = {
		.sender = "strong-bad@email.example.com", .local = "strong-bad",
		.odomain = "email.example.com", .domain = "email.example.com",
		.helo = "mx.example.org", .receiver = "rcv.example.net",
		.ip_dotted = "192.0.2.3", .ip_readable = "192.0.2.3",
		.now = 1790000000,
	};
	struct vbuf b;
	int exp;

	for (exp = 0; exp < 2; exp++) {
		vbuf_init(&b, VOUCH_SPF_MAX_EXPANSION);
		if (spf_macro_expand((const char *)data, size, exp, NULL, NULL) ==
		    VOUCH_OK)
			spf_macro_expand((const char *)data, size, exp, &env, &b);
		spf_domain_truncate(&b);
		vbuf_clear(&b);
	}
	spf_domain_spec_ok((const char *)data, size);
	return 0;
}
