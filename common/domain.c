/* Domains as A-labels (RFC 8616): the one conversion, with libidn2. */
#include "config.h"

#include <idn2.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "util.h"

int
vouch__domain_is_ascii(const char *in)
{
	for (; *in != '\0'; in++)
		if ((unsigned char)*in >= 0x80)
			return 0;
	return 1;
}

enum vouch_status
vouch__domain_alabel(const char *in, char **out)
{
	char *a = NULL, *r;
	size_t n;
	int rc;

	if (in == NULL)
		return VOUCH_E_INVAL;
	if (vouch__domain_is_ascii(in))
		return (*out = vouch__name_norm(in)) != NULL ? VOUCH_OK :
		    VOUCH_E_NOMEM;
	/* a U-label (RFC 6532 UTF-8): IDNA2008 lookup, input normalised to
	 * NFC; anything libidn2 refuses is no domain at all */
	rc = idn2_lookup_u8((const uint8_t *)in, (uint8_t **)&a,
	    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc == IDN2_MALLOC)
		return VOUCH_E_NOMEM;
	if (rc != IDN2_OK)
		return VOUCH_E_SYNTAX;
	r = vouch__name_norm(a);
	idn2_free(a);
	if (r == NULL)
		return VOUCH_E_NOMEM;
	n = strlen(r);
	if (n == 0) {
		free(r);
		return VOUCH_E_SYNTAX;
	}
	*out = r;
	return VOUCH_OK;
}

int
vouch__domain_eq(const char *a, const char *b)
{
	char *x = NULL, *y = NULL;
	int eq = 0;

	if (a == NULL || b == NULL)
		return 0;
	if (vouch__domain_is_ascii(a) && vouch__domain_is_ascii(b)) {
		size_t na = strlen(a), nb = strlen(b);

		if (na > 0 && a[na - 1] == '.')
			na--;
		if (nb > 0 && b[nb - 1] == '.')
			nb--;
		return na == nb && vouch__memcaseeq(a, b, na);
	}
	if (vouch__domain_alabel(a, &x) == VOUCH_OK &&
	    vouch__domain_alabel(b, &y) == VOUCH_OK)
		eq = strcmp(x, y) == 0;
	free(x);
	free(y);
	return eq;
}
