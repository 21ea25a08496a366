/*
 * Names and character-strings in RFC 1035 master-file form: the one parser
 * of the names vouch asks about, and the one writer of every byte that
 * goes into a zone file (the --dns-record snapshot, vouch keygen's record).
 * Whatever the bytes, the writer gives one token: a name keeps letters,
 * digits, '-' and '_' and writes any other byte as \DDD (RFC 1035 5.1); a
 * character-string is quoted, with '"' and '\' escaped and anything
 * outside printable ASCII as \DDD.  So text from a message (a selector, a
 * local part in an SPF macro) can never end a record or start another.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_int.h"
#include "common/buf.h"

/* Parse name (master-file form: \DDD and \X escapes, a final dot allowed)
 * into wire form (RFC 1035 3.1: length-prefixed labels, a zero at the
 * end) in wire[DNS_NAME_WIRE_MAX]; 0, or -1 when it is no valid name:
 * an empty label, a label over 63 or a name over 255 octets, a bad
 * escape, or an unescaped control or non-ASCII byte (a U-label must be
 * converted to its A-label before it gets here). */
int
dns_name_wire(const char *name, unsigned char *wire, size_t *wlen)
{
	size_t w = 1, lab = 0;	/* wire[lab] is the current length byte */
	const unsigned char *p = (const unsigned char *)name;

	if (*p == '\0' || (p[0] == '.' && p[1] == '\0'))
		return -1;	/* the root is never asked about */
	wire[0] = 0;
	for (; *p != '\0'; p++) {
		unsigned int c = *p;

		if (c == '.') {
			if (w == lab + 1)
				return -1;	/* empty label */
			if (p[1] == '\0')
				break;		/* the final dot */
			lab = w;
			if (++w > DNS_NAME_WIRE_MAX - 1)
				return -1;
			wire[lab] = 0;
			continue;
		}
		if (c == '\\') {
			if (p[1] >= '0' && p[1] <= '9') {
				if (!(p[2] >= '0' && p[2] <= '9' && p[3] >= '0' &&
				    p[3] <= '9'))
					return -1;
				c = (unsigned int)((p[1] - '0') * 100 +
				    (p[2] - '0') * 10 + (p[3] - '0'));
				if (c > 255)
					return -1;
				p += 3;
			} else if (p[1] >= ' ' && p[1] < 0x7f) {
				c = *++p;
			} else {
				return -1;
			}
		} else if (c < ' ' || c >= 0x7f) {
			return -1;
		}
		if (wire[lab] == 63 || w + 1 > DNS_NAME_WIRE_MAX - 1)
			return -1;
		wire[lab]++;
		wire[w++] = (unsigned char)c;
	}
	if (wire[lab] == 0)
		return -1;
	wire[w++] = 0;		/* the root label */
	*wlen = w;
	return 0;
}

int
dns_name_valid(const char *name)
{
	unsigned char wire[DNS_NAME_WIRE_MAX];
	size_t n;

	return dns_name_wire(name, wire, &n) == 0;
}

static int
ldh_(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

enum vouch_status
dns_zone_put_name(struct vbuf *b, const char *name)
{
	unsigned char wire[DNS_NAME_WIRE_MAX];
	size_t n, i = 0, k, start = b->len;
	enum vouch_status st = VOUCH_OK;

	if (dns_name_wire(name, wire, &n) != 0)
		return VOUCH_E_SYNTAX;
	/* ldns reads a name whose first label is "@", however escaped
	 * (\064, \@), as the origin and drops the rest: such a name has no
	 * master-file form it would read back */
	if (wire[0] == 1 && wire[1] == '@')
		return VOUCH_E_LIMIT;
	while (st == VOUCH_OK && wire[i] != 0) {
		for (k = 1; st == VOUCH_OK && k <= wire[i]; k++)
			st = ldh_(wire[i + k]) ? vbuf_addc(b, wire[i + k]) :
			    vbuf_printf(b, "\\%03u", wire[i + k]);
		i += (size_t)wire[i] + 1;
		if (st == VOUCH_OK)
			st = vbuf_addc(b, '.');
	}
	if (st == VOUCH_OK && b->len - start > DNS_ZONE_NAME_TEXT_MAX) {
		b->len = start;	/* ldns reads no longer name token */
		return VOUCH_E_LIMIT;
	}
	return st;
}

enum vouch_status
dns_zone_put_name_any(struct vbuf *b, const char *name)
{
	size_t start = b->len;
	enum vouch_status st = dns_zone_put_name(b, name);

	if (st == VOUCH_E_LIMIT || st == VOUCH_E_SYNTAX) {
		/* a comment: the name as far as it goes, escaped */
		unsigned char wire[DNS_NAME_WIRE_MAX];
		size_t n;

		b->len = start;
		st = VOUCH_OK;
		if (dns_name_wire(name, wire, &n) != 0)
			return vbuf_adds(b, "(not a domain name)");
		for (n = 0; st == VOUCH_OK && name[n] != '\0' && n < 80; n++)
			st = ldh_((unsigned char)name[n]) || name[n] == '.' ?
			    vbuf_addc(b, (unsigned char)name[n]) :
			    vbuf_printf(b, "\\%03u", (unsigned char)name[n]);
		if (st == VOUCH_OK)
			st = vbuf_adds(b, "...");
	}
	return st;
}

enum vouch_status
dns_zone_put_string(struct vbuf *b, const unsigned char *p, size_t n)
{
	enum vouch_status st = vbuf_addc(b, '"');
	size_t i;

	for (i = 0; i < n && st == VOUCH_OK; i++) {
		if (p[i] == '"' || p[i] == '\\')
			st = vbuf_printf(b, "\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			st = vbuf_printf(b, "\\%03u", p[i]);
		else
			st = vbuf_addc(b, p[i]);
	}
	return st == VOUCH_OK ? vbuf_addc(b, '"') : st;
}

enum vouch_status
dns_zone_put_txt(struct vbuf *b, const unsigned char *p, size_t n,
    size_t split)
{
	enum vouch_status st = VOUCH_OK;
	size_t i;

	/* one logical string, split (RFC 1035 3.3: at most 255 each); more
	 * than one string goes in parentheses, one a line, since ldns reads
	 * lines of at most 10230 characters */
	if (n > split)
		st = vbuf_adds(b, "(");
	for (i = 0; st == VOUCH_OK && (i < n || i == 0); i += split) {
		if (i > 0 || n > split)
			st = vbuf_adds(b, "\n\t");
		if (st == VOUCH_OK)
			st = dns_zone_put_string(b, p + i, n - i < split ? n - i :
			    split);
		if (n == 0)
			break;
	}
	if (st == VOUCH_OK && n > split)
		st = vbuf_adds(b, " )");
	return st;
}

char *
vouch_dns_txt_record(const char *owner, const char *text)
{
	struct vbuf b;
	enum vouch_status st;
	size_t i, n = strlen(text);

	vbuf_init(&b, 1u << 20);
	st = dns_zone_put_name(&b, owner);
	if (st == VOUCH_OK)
		st = vbuf_adds(&b, " IN TXT (");
	/* one line, as vouch keygen has always written it */
	for (i = 0; st == VOUCH_OK && (i < n || i == 0); i += 250) {
		st = vbuf_addc(&b, ' ');
		if (st == VOUCH_OK)
			st = dns_zone_put_string(&b, (const unsigned char *)text +
			    i, n - i < 250 ? n - i : 250);
		if (n == 0)
			break;
	}
	if (st == VOUCH_OK)
		st = vbuf_adds(&b, " )\n");
	return vbuf_done(&b, st);
}
