#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
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

/* ISO 8601: YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM|-HH:MM], or @EPOCH. */
int
cli_parse_time(const char *s, int64_t *t)
{
	int y, mo, d, h = 0, mi = 0, se = 0, oh = 0, om = 0, used = 0, n;
	char sign = 0;
	struct tm tm;

	if (s[0] == '@') {
		char *end;
		long long v = strtoll(s + 1, &end, 10);

		if (end == s + 1 || *end != '\0' || v < 0)
			return -1;
		*t = v;
		return 0;
	}
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3)
		return -1;
	s += used;
	if ((*s == 'T' || *s == ' ') && (n = sscanf(s + 1, "%2d:%2d%n", &h, &mi,
	    &used)) == 2) {
		s += 1 + used;
		if (*s == ':' && sscanf(s + 1, "%2d%n", &se, &used) == 1)
			s += 1 + used;
	}
	if (*s == 'Z')
		s++;
	else if ((*s == '+' || *s == '-') && sscanf(s + 1, "%2d:%2d%n", &oh,
	    &om, &used) == 2) {
		sign = *s;
		s += 1 + used;
	}
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || se > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
	tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = se;
	*t = (int64_t)timegm(&tm) - (sign == '+' ? 1 : sign == '-' ? -1 : 0) *
	    (oh * 3600 + om * 60);
	return 0;
}
