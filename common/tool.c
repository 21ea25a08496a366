/*
 * What cli/ and milter/ share (common/tool.h): error lines, DNS settings
 * into a resolver, library status as sysexits, the host name.
 */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

void (*cli_err_hook)(const char *line);

void
cli_err(const char *where, const char *fmt, ...)
{
	va_list ap;
	char line[2048];
	int n;

	n = snprintf(line, sizeof(line), "%s: ", where);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < sizeof(line))
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (cli_err_hook != NULL)
		cli_err_hook(line);
	else
		fprintf(stderr, "vouch: %s\n", line);
}

int
cli_exit_for(enum vouch_status st)
{
	switch (st) {
	case VOUCH_OK:			return EX_OK;
	case VOUCH_E_INVAL:		return EX_USAGE;
	case VOUCH_E_SYNTAX:		return EX_DATAERR;
	case VOUCH_E_NOTFOUND:		return EX_NOINPUT;
	case VOUCH_E_IO:		return EX_IOERR;
	case VOUCH_E_DNS_TEMP:
	case VOUCH_E_DNS_MALFORMED:	return EX_TEMPFAIL;
	case VOUCH_E_KEY:		return EX_CONFIG;
	case VOUCH_E_LIMIT:		return EX_DATAERR;
	default:			return EX_SOFTWARE;
	}
}

struct vouch_dns *
cli_dns_setup(struct cli_dns *o, const char *origin, int *ex)
{
	struct vouch_error err = { 0 };
	struct vouch_dns *dns;
	int i;

	if ((dns = vouch_dns_new()) == NULL) {
		cli_err("dns", "out of memory");
		*ex = EX_OSERR;
		return NULL;
	}
	if (o->timeout > 0 || o->tries > 0)
		vouch_dns_set_timeout(dns, o->timeout > 0 ?
		    (unsigned int)(o->timeout * 1000) : 5000,
		    o->tries > 0 ? o->tries : 2);
	if (o->origin != NULL)
		origin = o->origin;
	for (i = 0; i < o->nzones + o->noverlays; i++) {
		const char *f = i < o->nzones ? o->zones[i] :
		    o->overlays[i - o->nzones];

		/* relative names and nothing to make them absolute: they
		 * would sit under the root and never answer */
		if (origin == NULL && vouch_dns_zone_relative(f) == 1)
			cli_err(f, "warning: relative owner names and no "
			    "$ORIGIN: they are read as under the root; give "
			    "--dns-origin DOMAIN");
		if (vouch_dns_load_zone(dns, f, origin, i < o->nzones ? 0 :
		    VOUCH_DNS_LOAD_OVERLAY, &err))
			goto fail;
	}
	for (i = 0; i < o->nfails; i++)
		if (vouch_dns_add_fault_spec(dns, o->fails[i], &err))
			goto fail;
	if (o->record != NULL && vouch_dns_record_to(dns, o->record, &err) !=
	    VOUCH_OK) {
		cli_err("--dns-record", "%s", err.message);
		*ex = EX_CANTCREAT;
		vouch_dns_free(dns);
		return NULL;
	}
	if ((o->nzones == 0 || o->server != NULL) &&
	    vouch_dns_set_live(dns, o->server, &err) != VOUCH_OK) {
		/* Without resolv.conf only zone answers work; say so later. */
		if (o->server != NULL || o->noverlays == 0)
			goto fail;
	}
	return dns;
fail:
	cli_err("dns", "%s", err.message);
	*ex = err.status == VOUCH_E_SYNTAX ? EX_DATAERR :
	    err.status == VOUCH_E_NOTFOUND ? EX_NOINPUT :
	    err.status == VOUCH_E_INVAL ? EX_USAGE : cli_exit_for(err.status);
	vouch_dns_free(dns);
	return NULL;
}

const char *
cli_host_name(void)
{
	static char buf[256];

	if (gethostname(buf, sizeof(buf) - 1) != 0 || buf[0] == '\0')
		return "localhost";
	buf[sizeof(buf) - 1] = '\0';
	return buf;
}

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



/* The DNS options, in every subcommand's --help and parser. */
static const struct cli_opt dns_opts[] = {
	{ "dns-server", required_argument, OPT_DNS_SERVER, "ADDR[:PORT]",
	    "use this server instead of /etc/resolv.conf\n"
	    "(IPv6 as [ADDR]:PORT)" },
	{ "dns-timeout", required_argument, OPT_DNS_TIMEOUT, "SECONDS",
	    "timeout of one try (default 5)" },
	{ "dns-tries", required_argument, OPT_DNS_TRIES, "N",
	    "tries per query (default 2)" },
	{ "dns-zone", required_argument, OPT_DNS_ZONE, "FILE",
	    "answer only from this master file (repeatable,\n"
	    "offline: names absent from every file are\n"
	    "NXDOMAIN)" },
	{ "dns-overlay", required_argument, OPT_DNS_OVERLAY, "FILE",
	    "answer names in FILE from it, others live" },
	{ "dns-fail", required_argument, OPT_DNS_FAIL,
	    "NAME[/TYPE]=timeout|servfail", "inject a fault (repeatable)" },
	{ "dns-origin", required_argument, OPT_DNS_ORIGIN, "NAME",
	    "origin of --dns-zone/--dns-overlay files that\n"
	    "have no $ORIGIN (opendkim-genkey's .txt files)" },
	{ "dns-record", required_argument, OPT_DNS_RECORD, "FILE",
	    "write every answer used to FILE, a master file\n"
	    "that --dns-zone FILE replays offline" },
	{ NULL, 0, 0, NULL, NULL }
};

#define HELP_COL 24

static size_t
count_opts(const struct cli_opt *o)
{
	size_t n = 0;

	while (o != NULL && o[n].name != NULL)
		n++;
	return n;
}

/* getopt_long's tables for h, built once per command run. */
static int
build_tables(const struct cli_help *h, struct option **lo, char **so)
{
	size_t n = count_opts(h->opts), nd = h->dns ? count_opts(dns_opts) : 0;
	size_t i, k = 0, s = 0;
	struct option *l = calloc(n + nd + 2, sizeof(*l));
	char *sh = malloc(2 * n + 2);

	if (l == NULL || sh == NULL) {
		free(l);
		free(sh);
		return -1;
	}
	for (i = 0; i < n + nd; i++) {
		const struct cli_opt *o = i < n ? &h->opts[i] : &dns_opts[i - n];

		l[k].name = o->name;
		l[k].has_arg = o->has_arg;
		l[k++].val = o->id;
		if (o->id > 0 && o->id < 256) {
			sh[s++] = (char)o->id;
			if (o->has_arg == required_argument)
				sh[s++] = ':';
		}
	}
	l[k].name = "help";
	l[k].val = OPT_HELP;
	sh[s++] = 'h';
	sh[s] = '\0';
	*lo = l;
	*so = sh;
	return 0;
}

int
cli_getopt(int argc, char **argv, const struct cli_help *h)
{
	static const struct cli_help *built;
	static struct option *lo;
	static char *so;
	int c;

	if (built != h) {
		free(lo);
		free(so);
		lo = NULL;
		so = NULL;
		built = NULL;
		if (build_tables(h, &lo, &so) != 0) {
			cli_err("options", "out of memory");
			return '?';
		}
		built = h;
	}
	c = getopt_long(argc, argv, so, lo, NULL);
	return c == 'h' ? OPT_HELP : c;
}

/* "  -c, --name ARG" then the help lines, aligned at HELP_COL. */
static void
print_opts(const struct cli_opt *o)
{
	for (; o != NULL && o->name != NULL; o++) {
		const char *p = o->help, *nl;
		int w;

		if (o->id > 0 && o->id < 256)
			w = printf("  -%c, --%s", o->id, o->name);
		else
			w = printf("  --%s", o->name);
		if (o->arg != NULL)
			w += printf(" %s", o->arg);
		if (w > HELP_COL - 2) {
			putchar('\n');
			w = 0;
		}
		do {
			nl = strchr(p, '\n');
			printf("%*s%.*s\n", HELP_COL - w, "", nl != NULL ?
			    (int)(nl - p) : (int)strlen(p), p);
			w = 0;
			p = nl + 1;
		} while (nl != NULL);
	}
}

int
cli_usage(const char *cmd, const struct cli_help *h, int ex)
{
	if (ex == EX_OK) {
		fputs(h->head, stdout);
		if (h->opts != NULL && h->opts[0].name != NULL) {
			putchar('\n');
			print_opts(h->opts);
		}
		if (h->tail != NULL) {
			putchar('\n');
			fputs(h->tail, stdout);
		}
		if (h->dns) {
			fputs("\nDNS options (every subcommand):\n", stdout);
			print_opts(dns_opts);
		}
	} else {
		fprintf(stderr, "Try 'vouch %s --help' for more.\n", cmd);
	}
	return ex;
}
