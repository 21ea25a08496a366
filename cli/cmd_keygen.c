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

const char usage_keygen[] =
"usage: vouch keygen -d DOMAIN -s SELECTOR [-t rsa|ed25519] [-b BITS]\n"
"                    [--testing] [-o DIR]\n"
"       vouch keygen --print-record -k KEYFILE -s SELECTOR -d DOMAIN\n"
"\n"
"Write DIR/SELECTOR.private (PKCS#8 PEM, mode 0600, never overwritten) and\n"
"DIR/SELECTOR.txt, the zone-file line to publish:\n"
"  SELECTOR._domainkey.DOMAIN. IN TXT ( \"...\" \"...\" )\n"
"with every string at most 255 bytes.  Defaults: rsa, 2048 bits, DIR '.'.\n"
"--testing adds t=y.  --print-record prints the line for an existing key.\n"
"\n"
"Exit: 0 written; 64 usage; 73 an output file cannot be created (it\n"
"exists, or its folder is missing or not writable); 74 I/O error;\n"
"78 unreadable key (--print-record).\n";

enum { OPT_TESTING = OPT_FIRST_LOCAL, OPT_PRINT, OPT_UNSAFE };

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

int
cmd_keygen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "domain", required_argument, NULL, 'd' },
		{ "selector", required_argument, NULL, 's' },
		{ "type", required_argument, NULL, 't' },
		{ "bits", required_argument, NULL, 'b' },
		{ "output", required_argument, NULL, 'o' },
		{ "key", required_argument, NULL, 'k' },
		{ "testing", no_argument, NULL, OPT_TESTING },
		{ "print-record", no_argument, NULL, OPT_PRINT },
		{ "allow-unsafe-key", no_argument, NULL, OPT_UNSAFE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 }
	};
	const char *dom = NULL, *sel = NULL, *type = "rsa", *dir = ".";
	const char *keyfile = NULL;
	struct vouch_dkim_key *key = NULL;
	struct vouch_error err = { 0 };
	unsigned long bits = 0;
	char *rec = NULL, *line = NULL, *pem = NULL, path[4096], *end;
	int c, testing = 0, print = 0, unsafe = 0, ex = EX_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:s:t:b:o:k:h", longopts, NULL))
	    != -1) {
		switch (c) {
		case 'd': dom = optarg; break;
		case 's': sel = optarg; break;
		case 't': type = optarg; break;
		case 'o': dir = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'b':
			bits = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0') {
				cli_err("-b", "%s: not a number", optarg);
				return EX_USAGE;
			}
			break;
		case OPT_TESTING: testing = 1; break;
		case OPT_PRINT: print = 1; break;
		case OPT_UNSAFE: unsafe = 1; break;
		case 'h':
		case OPT_HELP:
			fputs(usage_keygen, stdout);
			return EX_OK;
		default:
			fprintf(stderr, "Try 'vouch keygen --help' for more.\n");
			return EX_USAGE;
		}
	}
	if (dom == NULL || sel == NULL || optind != argc) {
		cli_err("keygen", "-d DOMAIN and -s SELECTOR are required");
		fprintf(stderr, "Try 'vouch keygen --help' for more.\n");
		return EX_USAGE;
	}
	if (!name_ok(sel) || !name_ok(dom) || strchr(dom, '.') == NULL) {
		cli_err("keygen", "%s: not a %s (letters, digits, '-' and '_' "
		    "in dot-separated labels, RFC 6376 3.1)", name_ok(sel) ?
		    dom : sel, name_ok(sel) ? "domain" : "selector");
		return EX_USAGE;
	}
	if (print) {
		if (keyfile == NULL) {
			cli_err("keygen", "--print-record needs -k KEYFILE");
			return EX_USAGE;
		}
		if (vouch_dkim_key_load(keyfile, unsafe, &key, &err) !=
		    VOUCH_OK) {
			cli_err("key", "%s", err.message);
			return EX_CONFIG;
		}
	} else {
		enum vouch_dkim_keytype kt;

		if (strcmp(type, "rsa") == 0) {
			kt = VOUCH_DKIM_RSA;
			bits = bits ? bits : 2048;
		} else if (strcmp(type, "ed25519") == 0) {
			kt = VOUCH_DKIM_ED25519;
			if (bits != 0 && bits != 256) {
				cli_err("-b", "Ed25519 keys have no size choice");
				return EX_USAGE;
			}
			bits = 0;
		} else {
			cli_err("-t", "%s: expected rsa or ed25519", type);
			return EX_USAGE;
		}
		if (vouch_dkim_key_generate(kt, (unsigned int)bits, &key, &err)
		    != VOUCH_OK) {
			cli_err("keygen", "%s", err.message);
			return err.status == VOUCH_E_INVAL ? EX_USAGE :
			    EX_SOFTWARE;
		}
		if (kt == VOUCH_DKIM_RSA && bits < VOUCH_DKIM_WARN_RSA_BITS)
			cli_err("keygen", "warning: %lu-bit RSA; 2048 or more is "
			    "recommended (RFC 8301 3.2)", bits);
	}
	if ((rec = vouch_dkim_key_record(key, testing)) == NULL ||
	    (line = zone_line(sel, dom, rec)) == NULL) {
		ex = EX_SOFTWARE;
		goto out;
	}
	if (print) {
		fputs(line, stdout);
		goto out;
	}
	if ((pem = vouch_dkim_key_private_pem(key)) == NULL) {
		ex = EX_SOFTWARE;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s.private", dir, sel);
	if ((ex = write_new(path, pem, 0600)) != EX_OK)
		goto out;
	snprintf(path, sizeof(path), "%s/%s.txt", dir, sel);
	if ((ex = write_new(path, line, 0644)) != EX_OK) {
		snprintf(path, sizeof(path), "%s/%s.private", dir, sel);
		unlink(path);
		goto out;
	}
	printf("wrote %s/%s.private and %s/%s.txt (%s, %u bits)\n", dir, sel,
	    dir, sel, vouch_dkim_key_type(key) == VOUCH_DKIM_RSA ? "rsa" :
	    "ed25519", vouch_dkim_key_bits(key));
out:
	if (pem != NULL) {
		explicit_bzero(pem, strlen(pem));
		vouch_free(pem);
	}
	vouch_free(rec);
	free(line);
	vouch_dkim_key_free(key);
	if (fflush(stdout) != 0 && ex == EX_OK)
		ex = EX_IOERR;
	return ex;
}
