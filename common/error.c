#include "config.h"

#include <vouch/error.h>

const char *
vouch_strerror(enum vouch_status status)
{
	switch (status) {
	case VOUCH_OK:			return "success";
	case VOUCH_E_NOMEM:		return "out of memory";
	case VOUCH_E_INVAL:		return "invalid argument";
	case VOUCH_E_SYNTAX:		return "syntax error";
	case VOUCH_E_DNS_TEMP:		return "temporary DNS failure";
	case VOUCH_E_DNS_MALFORMED:	return "malformed DNS answer";
	case VOUCH_E_IO:		return "input/output error";
	case VOUCH_E_NOTFOUND:		return "not found";
	case VOUCH_E_KEY:		return "unusable key";
	case VOUCH_E_LIMIT:		return "limit reached";
	case VOUCH_E_CRYPTO:		return "cryptographic library failure";
	case VOUCH_E_INTERNAL:		return "internal error";
	case VOUCH_E_STORE:		return "report store failure";
	}
	return "unknown status";
}

const char *
vouch_version(void)
{
	return PACKAGE_VERSION;
}
