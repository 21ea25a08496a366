/* vouch keygen: a DKIM key pair and the TXT record to publish. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

enum { OPT_TESTING = OPT_FIRST_LOCAL, OPT_PRINT, OPT_UNSAFE };

static const struct cli_opt keygen_options[] = {
	{ "domain", required_argument, 'd', "DOMAIN",
	    "the signing domain (d=)" },
	{ "selector", required_argument, 's', "SEL",
	    "the selector (s=)" },
	{ "type", required_argument, 't', "T",
	    "rsa (default) or ed25519 (RFC 8463)" },
	{ "bits", required_argument, 'b', "BITS",
	    "RSA key size (default 2048; under 2048 warns)" },
	{ "output", required_argument, 'o', "DIR",
	    "where the two files go (default .)" },
	{ "key", required_argument, 'k', "FILE",
	    "with --print-record: the private key to publish" },
	{ "testing", no_argument, OPT_TESTING, NULL,
	    "t=y in the record" },
	{ "print-record", no_argument, OPT_PRINT, NULL,
	    "print the record line of -k's key and exit" },
	{ "allow-unsafe-key", no_argument, OPT_UNSAFE, NULL,
	    "accept a -k file readable by group or others" },
	{ NULL, 0, 0, NULL, NULL }
};

const struct cli_help usage_keygen = {
	"usage: vouch keygen -d DOMAIN -s SELECTOR [-t rsa|ed25519] [-b BITS]\n"
	"                    [--testing] [-o DIR]\n"
	"       vouch keygen --print-record -k KEYFILE -s SELECTOR -d DOMAIN\n"
	"\n"
	"Write DIR/SELECTOR.private (PKCS#8 PEM, mode 0600, never overwritten) and\n"
	"DIR/SELECTOR.txt, the zone-file line to publish:\n"
	"  SELECTOR._domainkey.DOMAIN. IN TXT ( \"...\" \"...\" )\n"
	"with every string at most 255 bytes.  Defaults: rsa, 2048 bits, DIR '.'.\n"
	"--testing adds t=y.  --print-record prints the line for an existing key.\n",
	keygen_options,
	"Exit: 0 written; 64 usage; 73 an output file cannot be created (it\n"
	"exists, or its folder is missing or not writable); 74 I/O error;\n"
	"78 unreadable key (--print-record).\n",
	0
};

/* A selector or domain as RFC 6376 3.1 has them (A-labels only). */
static int
name_ok(const char *n)
{
	size_t lab = 0;

	if (*n == '\0' || strlen(n) > 253)
		return 0;
	for (; *n != '\0'; n++) {
		if (*n == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
		} else if (!isalnum((unsigned char)*n) && *n != '-' &&
		    *n != '_') {
			return 0;
		} else if (++lab > 63) {
			return 0;
		}
	}
	return lab > 0;
}

/* The zone line, strings of at most 250 bytes (RFC 1035 limit 255),
 * written by the library's one zone-file writer. */
static char *
zone_line(const char *sel, const char *dom, const char *rec)
{
	size_t n = strlen(sel) + strlen(dom) + 16;
	char *owner = malloc(n), *line;

	if (owner == NULL)
		return NULL;
	snprintf(owner, n, "%s._domainkey.%s", sel, dom);
	line = vouch_dns_txt_record(owner, rec);
	free(owner);
	return line;
}

static int
write_new(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	if (fd == -1) {
		/* one rule for every command: output that cannot be
		 * created is 73 (EX_CANTCREAT) */
		cli_err(path, "cannot create: %s%s", strerror(errno), errno ==
		    EEXIST ? " (never overwritten; move it away first)" : "");
		return EX_CANTCREAT;
	}
	if (cli_write_all(fd, text, strlen(text)) != 0 || fsync(fd) != 0 ||
	    close(fd) != 0) {
		cli_err(path, "%s", strerror(errno));
		unlink(path);
		return EX_IOERR;
	}
	return EX_OK;
}


struct kopts {
	const char *dom, *sel, *type, *dir, *keyfile;
	unsigned long bits;
	int testing, print, unsafe, help;
};

/* The command line into o: 0, or an exit status (usage said). */
static int
keygen_args(int argc, char **argv, struct kopts *o)
{
	char *end;
	int c;

	o->type = "rsa";
	o->dir = ".";
	optind = 1;
	while ((c = cli_getopt(argc, argv, &usage_keygen)) != -1) {
		switch (c) {
		case 'd': o->dom = optarg; break;
		case 's': o->sel = optarg; break;
		case 't': o->type = optarg; break;
		case 'o': o->dir = optarg; break;
		case 'k': o->keyfile = optarg; break;
		case 'b':
			o->bits = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0') {
				cli_err("-b", "%s: not a number", optarg);
				return EX_USAGE;
			}
			break;
		case OPT_TESTING: o->testing = 1; break;
		case OPT_PRINT: o->print = 1; break;
		case OPT_UNSAFE: o->unsafe = 1; break;
		case 'h':
		case OPT_HELP: o->help = 1; return EX_OK;
		default: return cli_usage("keygen", &usage_keygen, EX_USAGE);
		}
	}
	if (o->dom == NULL || o->sel == NULL || optind != argc) {
		cli_err("keygen", "-d DOMAIN and -s SELECTOR are required");
		return cli_usage("keygen", &usage_keygen, EX_USAGE);
	}
	if (!name_ok(o->sel) || !name_ok(o->dom) || !strchr(o->dom, '.')) {
		cli_err("keygen", "%s: not a %s (letters, digits, '-' and '_' "
		    "in dot-separated labels, RFC 6376 3.1)", name_ok(o->sel) ?
		    o->dom : o->sel, name_ok(o->sel) ? "domain" : "selector");
		return EX_USAGE;
	}
	if (o->print && o->keyfile == NULL) {
		cli_err("keygen", "--print-record needs -k KEYFILE");
		return EX_USAGE;
	}
	return EX_OK;
}

/* The key: loaded (--print-record) or made.  EX_OK, or the status. */
static int
keygen_key(struct kopts *o, struct vouch_dkim_key **key)
{
	struct vouch_error err = { 0 };
	enum vouch_dkim_keytype kt;

	if (o->print) {
		if (vouch_dkim_key_load(o->keyfile, o->unsafe, key, &err) ==
		    VOUCH_OK)
			return EX_OK;
		cli_err("key", "%s", err.message);
		return EX_CONFIG;
	}
	if (strcmp(o->type, "rsa") == 0) {
		kt = VOUCH_DKIM_RSA;
		o->bits = o->bits ? o->bits : 2048;
	} else if (strcmp(o->type, "ed25519") == 0) {
		kt = VOUCH_DKIM_ED25519;
		if (o->bits != 0 && o->bits != 256) {
			cli_err("-b", "Ed25519 keys have no size choice");
			return EX_USAGE;
		}
		o->bits = 0;
	} else {
		cli_err("-t", "%s: expected rsa or ed25519", o->type);
		return EX_USAGE;
	}
	if (vouch_dkim_key_generate(kt, (unsigned int)o->bits, key, &err) !=
	    VOUCH_OK) {
		cli_err("keygen", "%s", err.message);
		return err.status == VOUCH_E_INVAL ? EX_USAGE : EX_SOFTWARE;
	}
	if (kt == VOUCH_DKIM_RSA && o->bits < VOUCH_DKIM_WARN_RSA_BITS)
		cli_err("keygen", "warning: %lu-bit RSA; 2048 or more is "
		    "recommended (RFC 8301 3.2)", o->bits);
	return EX_OK;
}

/* DIR/SEL.private (0600) and DIR/SEL.txt, both or neither. */
static int
keygen_write(const struct kopts *o, const struct vouch_dkim_key *key,
    const char *line)
{
	char path[4096], *pem;
	int ex;

	if ((pem = vouch_dkim_key_private_pem(key)) == NULL)
		return EX_SOFTWARE;
	snprintf(path, sizeof(path), "%s/%s.private", o->dir, o->sel);
	ex = write_new(path, pem, 0600);
	explicit_bzero(pem, strlen(pem));
	vouch_free(pem);
	if (ex != EX_OK)
		return ex;
	snprintf(path, sizeof(path), "%s/%s.txt", o->dir, o->sel);
	if ((ex = write_new(path, line, 0644)) != EX_OK) {
		snprintf(path, sizeof(path), "%s/%s.private", o->dir, o->sel);
		unlink(path);
		return ex;
	}
	printf("wrote %s/%s.private and %s/%s.txt (%s, %u bits)\n", o->dir,
	    o->sel, o->dir, o->sel, vouch_dkim_key_type(key) ==
	    VOUCH_DKIM_RSA ? "rsa" : "ed25519", vouch_dkim_key_bits(key));
	return EX_OK;
}

int
cmd_keygen(int argc, char **argv)
{
	struct kopts o;
	struct vouch_dkim_key *key = NULL;
	char *rec = NULL, *line = NULL;
	int ex;

	memset(&o, 0, sizeof(o));
	if ((ex = keygen_args(argc, argv, &o)) != EX_OK || o.help) {
		if (o.help)
			cli_usage("keygen", &usage_keygen, EX_OK);
		return ex;
	}
	if ((ex = keygen_key(&o, &key)) != EX_OK)
		return ex;
	if ((rec = vouch_dkim_key_record(key, o.testing)) == NULL ||
	    (line = zone_line(o.sel, o.dom, rec)) == NULL)
		ex = EX_SOFTWARE;
	else if (o.print)
		fputs(line, stdout);
	else
		ex = keygen_write(&o, key, line);
	vouch_free(rec);
	free(line);
	vouch_dkim_key_free(key);
	if (fflush(stdout) != 0 && ex == EX_OK)
		ex = EX_IOERR;
	return ex;
}
