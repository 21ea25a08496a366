/* vouch dns TYPE NAME: the answer exactly as SPF and DKIM see it. */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const struct cli_help usage_dns = {
	"usage: vouch dns [DNS OPTIONS] TYPE NAME\n"
	"\n"
	"Look NAME up through vouch's DNS layer and print what SPF and DKIM would\n"
	"see: TXT records joined into one string each, addresses, MX and PTR names.\n"
	"TYPE is TXT, A, AAAA, MX, PTR or CNAME.\n"
	"\n"
	"Exit: 0 answer; 1 NXDOMAIN or no data; 75 temporary failure;\n"
	"64 usage; 65 bad zone file; 66 zone file missing.\n",
	NULL,
	NULL,
	1
};

static void
print_txt(const unsigned char *p, size_t n)
{
	size_t i;

	putchar('"');
	for (i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\')
			printf("\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			printf("\\%03u", p[i]);
		else
			putchar(p[i]);
	}
	putchar('"');
}

/* The answer, one record a line; the exit status. */
static int
print_answer(const struct vouch_dns_answer *a, int type, const char *name)
{
	size_t i;

	switch (vouch_dns_answer_rcode(a)) {
	case VOUCH_DNS_ANSWER:
		for (i = 0; i < vouch_dns_answer_count(a); i++) {
			size_t n;
			unsigned int pref;
			const unsigned char *p = vouch_dns_answer_data(a, i, &n,
			    &pref);
			char buf[INET6_ADDRSTRLEN];

			if (type == VOUCH_DNS_TXT)
				print_txt(p, n);
			else if (type == VOUCH_DNS_A || type == VOUCH_DNS_AAAA)
				fputs(inet_ntop(type == VOUCH_DNS_A ? AF_INET :
				    AF_INET6, p, buf, sizeof(buf)), stdout);
			else if (type == VOUCH_DNS_MX)
				printf("%u %s", pref, (const char *)p);
			else
				fputs((const char *)p, stdout);
			putchar('\n');
		}
		return EX_OK;
	case VOUCH_DNS_NXDOMAIN:
	case VOUCH_DNS_NODATA:
		cli_err(name, "%s", vouch_dns_answer_rcode(a) ==
		    VOUCH_DNS_NXDOMAIN ? "no such name (NXDOMAIN)" :
		    "no record of this type");
		return 1;
	default:
		cli_err(name, "temporary DNS failure (%s)",
		    vouch_dns_rcode_name(vouch_dns_answer_rcode(a)));
		return EX_TEMPFAIL;
	}
}

int
cmd_dns(int argc, char **argv)
{
	struct cli_dns o = { 0 };
	struct vouch_dns *dns;
	struct vouch_dns_answer *a = NULL;
	struct vouch_error err = { 0 };
	int c, type, ex = EX_OK;
	char *rev = NULL;
	const char *name;

	optind = 1;
	while ((c = cli_getopt(argc, argv, &usage_dns)) != -1) {
		if (c == 'h' || c == OPT_HELP)
			return cli_usage("dns", &usage_dns, EX_OK);
		if (!cli_dns_option(&o, c, optarg))
			return cli_usage("dns", &usage_dns, EX_USAGE);
		if (o.error)
			return o.error;
	}
	if (argc - optind != 2) {
		cli_err("dns", "expected TYPE and NAME");
		return cli_usage("dns", &usage_dns, EX_USAGE);
	}
	if ((type = vouch_dns_type_parse(argv[optind])) == 0) {
		cli_err("dns", "%s: unsupported type (TXT, A, AAAA, MX, PTR, "
		    "CNAME)", argv[optind]);
		return EX_USAGE;
	}
	if ((dns = cli_dns_setup(&o, NULL, &ex)) == NULL)
		return ex;
	/* PTR of an address: build the reverse name, as dig -x does */
	name = argv[optind + 1];
	if (type == VOUCH_DNS_PTR && (rev = vouch_dns_ptr_name(name)) != NULL)
		name = rev;
	if (vouch_dns_query(dns, name, type, &a, &err) != VOUCH_OK) {
		cli_err(name, "%s", err.message);
		ex = cli_exit_for(err.status);
	} else {
		ex = print_answer(a, type, name);
	}
	vouch_dns_answer_free(a);
	vouch_dns_free(dns);
	vouch_free(rev);
	if (cli_stdout_done() != EX_OK)
		return EX_IOERR;
	return ex;
}
