#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "cli.h"


static int
push(const char **arr, int *n, const char *v, const char *opt,
    struct cli_dns *o)
{
	if (*n >= 64) {
		cli_err(opt, "given more than 64 times");
		o->error = EX_USAGE;
		return 1;
	}
	arr[(*n)++] = v;
	return 1;
}

int
cli_dns_option(struct cli_dns *o, int c, const char *arg)
{
	char *end;

	switch (c) {
	case OPT_DNS_SERVER:
		o->server = arg;
		return 1;
	case OPT_DNS_TIMEOUT:
		o->timeout = strtod(arg, &end);
		if (*arg == '\0' || *end != '\0' || !(o->timeout > 0) ||
		    o->timeout > 3600) {
			cli_err("--dns-timeout", "%s: expected seconds "
			    "(0 < N <= 3600)", arg);
			o->error = EX_USAGE;
		}
		return 1;
	case OPT_DNS_TRIES:
		o->tries = (unsigned int)strtoul(arg, &end, 10);
		if (*arg == '\0' || *end != '\0' || o->tries < 1 ||
		    o->tries > 10) {
			cli_err("--dns-tries", "%s: expected 1 to 10", arg);
			o->error = EX_USAGE;
		}
		return 1;
	case OPT_DNS_ZONE:
		return push(o->zones, &o->nzones, arg, "--dns-zone", o);
	case OPT_DNS_OVERLAY:
		return push(o->overlays, &o->noverlays, arg, "--dns-overlay", o);
	case OPT_DNS_FAIL:
		return push(o->fails, &o->nfails, arg, "--dns-fail", o);
	case OPT_DNS_ORIGIN:
		o->origin = arg;
		return 1;
	case OPT_DNS_RECORD:
		o->record = arg;
		return 1;
	}
	return 0;
}



int
cli_usage(const char *cmd, const char *text, int ex)
{
	if (ex == EX_OK) {
		fputs(text, stdout);
		fputs("\n" CLI_DNS_HELP, stdout);
	} else {
		fprintf(stderr, "Try 'vouch %s --help' for more.\n", cmd);
	}
	return ex;
}


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
