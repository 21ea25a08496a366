#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "cli.h"


int
cli_parse_uint(const char *opt, const char *arg, unsigned long max,
    unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(arg, &end, 10);
	if (*arg == '\0' || *arg == '-' || *end != '\0' || errno != 0 ||
	    *out < 1 || *out > max) {
		cli_err(opt, "%s: expected a number from 1 to %lu", arg, max);
		return -1;
	}
	return 0;
}

int
cli_parse_size(const char *opt, const char *arg, size_t *out)
{
	char *end;
	unsigned long long v, mul = 1;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (*end == 'K' || *end == 'k')
		mul = 1ull << 10;
	else if (*end == 'M' || *end == 'm')
		mul = 1ull << 20;
	else if (*end == 'G' || *end == 'g')
		mul = 1ull << 30;
	if (mul > 1)
		end++;
	if (*arg == '\0' || *arg == '-' || *end != '\0' || errno != 0 ||
	    v < 1 || v > (unsigned long long)SIZE_MAX / 4 / mul ||
	    v * mul < 1024) {
		cli_err(opt, "%s: expected a size of at least 1024 bytes (K, M "
		    "or G suffix allowed)", arg);
		return -1;
	}
	*out = (size_t)(v * mul);
	return 0;
}

int
cli_ip_ok(const char *ip)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, ip, buf) == 1 ||
	    inet_pton(AF_INET6, ip, buf) == 1;
}
