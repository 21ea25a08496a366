#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "util.h"

enum vouch_status
vouch__err(struct vouch_error *err, enum vouch_status st, const char *spec,
    long offset, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return st;
	err->status = st;
	err->spec = spec;
	err->offset = offset;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return st;
}

static unsigned char
lc(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

int
vouch__memcaseeq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lc((unsigned char)a[i]) != lc((unsigned char)b[i]))
			return 0;
	return 1;
}

int
vouch__strcaseeq(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == strlen(b) && vouch__memcaseeq(a, b, n);
}

char *
vouch__name_norm(const char *name)
{
	size_t n = strlen(name), i;
	char *p;

	if (n > 0 && name[n - 1] == '.')
		n--;
	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		p[i] = (char)lc((unsigned char)name[i]);
	p[n] = '\0';
	return p;
}

int
vouch__parse_u64(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* RFC 4648 alphabet: value + 1, so 0 means "not base64". */
static const unsigned char b64tab[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
	['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
	['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18,
	['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
	['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
	['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
	['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
	['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
	['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54,
	['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
	['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

static int
b64val(unsigned char c)
{
	return (int)b64tab[c] - 1;
}

/* Four alphabet characters into three bytes; 0 when one is not. */
static int
b64_quad(const char *s, unsigned char *out)
{
	unsigned a = b64tab[(unsigned char)s[0]], b = b64tab[(unsigned char)s[1]],
	    c = b64tab[(unsigned char)s[2]], d = b64tab[(unsigned char)s[3]];
	uint32_t w;

	if (!a || !b || !c || !d)
		return 0;
	w = (a - 1) << 18 | (b - 1) << 12 | (c - 1) << 6 | (d - 1);
	out[0] = (unsigned char)(w >> 16);
	out[1] = (unsigned char)(w >> 8);
	out[2] = (unsigned char)w;
	return 1;
}

unsigned char *
vouch__b64_decode(const char *s, size_t n, size_t *outlen,
    enum vouch_status *st)
{
	unsigned char *out;
	size_t i, o = 0, pad = 0;
	uint32_t acc = 0;
	int bits = 0;

	if ((out = malloc(n / 4 * 3 + 4)) == NULL) {
		*st = VOUCH_E_NOMEM;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int v;

		/* fast path: four alphabet characters at a byte boundary */
		if (bits == 0 && pad == 0 && i + 4 <= n &&
		    b64_quad(s + i, out + o)) {
			o += 3;
			i += 3;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (v = b64val(c)) < 0)
			goto bad;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Leftover bits must be zero padding, and '=' must fit the length. */
	if (pad > 2 || bits >= 6 || acc != 0 ||
	    (pad > 0 && (size_t)(bits / 2) != pad))
		goto bad;
	*outlen = o;
	*st = VOUCH_OK;
	return out;
bad:
	free(out);
	*st = VOUCH_E_SYNTAX;
	return NULL;
}

char *
vouch__b64_encode(const unsigned char *p, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out, *o;
	size_t i;

	if ((out = malloc((n + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	o = out;
	for (i = 0; i + 2 < n; i += 3) {
		*o++ = tab[p[i] >> 2];
		*o++ = tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = tab[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*o++ = tab[p[i + 2] & 63];
	}
	if (i < n) {
		*o++ = tab[p[i] >> 2];
		if (i + 1 < n) {
			*o++ = tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
			*o++ = tab[(p[i + 1] & 15) << 2];
		} else {
			*o++ = tab[(p[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

void
vouch__wipe(void *p, size_t n)
{
	if (p != NULL)
		OPENSSL_cleanse(p, n);
}

int64_t
vouch__mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
vouch__mono_ms(void)
{
	return vouch__mono_us() / 1000;
}

void
vouch__dns_reverse(const unsigned char *ip, int v6, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	int i;

	if (!v6) {
		snprintf(buf, size, "%u.%u.%u.%u.in-addr.arpa", ip[3], ip[2],
		    ip[1], ip[0]);
		return;
	}
	for (i = 15; i >= 0 && o + 4 < size; i--) {
		buf[o++] = hex[ip[i] & 15];
		buf[o++] = '.';
		buf[o++] = hex[ip[i] >> 4];
		buf[o++] = '.';
	}
	snprintf(buf + o, size - o, "ip6.arpa");
}

/* RFC 5322 3.3 date-time (obs forms too) to Unix time; -1 when it does
 * not parse. */
/* A zone of RFC 5322 3.3 ("+hhmm", "-hhmm") or 4.3 (obs-zone: EDT ...) as
 * seconds east of UTC; 0 for anything else (military zones mean nothing
 * sure, RFC 5322 4.3). */
static int
zone_offset(const char *z)
{
	static const struct { const char *name; int hours; } obs[] = {
		{ "EDT", -4 }, { "EST", -5 }, { "CDT", -5 }, { "CST", -6 },
		{ "MDT", -6 }, { "MST", -7 }, { "PDT", -7 }, { "PST", -8 } };
	size_t k;
	int off;

	if ((z[0] == '+' || z[0] == '-') && strlen(z) == 5) {
		off = ((z[1] - '0') * 10 + (z[2] - '0')) * 3600 +
		    ((z[3] - '0') * 10 + (z[4] - '0')) * 60;
		return z[0] == '-' ? -off : off;
	}
	for (k = 0; k < sizeof(obs) / sizeof(obs[0]); k++)
		if (vouch__strcaseeq(z, obs[k].name))
			return obs[k].hours * 3600;
	return 0;
}

/* Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm). */
static int64_t
civil_days(int year, int month, int day)
{
	int y = year - (month <= 2), era = y / 400;
	int yoe = y - era * 400, mp = (month + 9) % 12;
	int doy = (153 * mp + 2) / 5 + day - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return (int64_t)era * 146097 + doe - 719468;
}

int64_t
vouch__rfc5322_date(const char *s, size_t n)
{
	static const char *mon[] = { "jan", "feb", "mar", "apr", "may", "jun",
	    "jul", "aug", "sep", "oct", "nov", "dec" };
	char b[128], m[4] = { 0 }, z[8] = { 0 };
	int day, year, hh, mm, ss = 0, k, mi = -1, off = 0, used = 0;
	const char *p;
	int64_t days;

	if (n >= sizeof(b))
		n = sizeof(b) - 1;
	memcpy(b, s, n);
	b[n] = '\0';
	for (k = 0; b[k]; k++)
		if (b[k] == '\r' || b[k] == '\n' || b[k] == '\t')
			b[k] = ' ';
	p = b;
	while (*p == ' ')
		p++;
	if (strchr(p, ',') != NULL)
		p = strchr(p, ',') + 1;
	if (sscanf(p, "%d %3s %d %d:%d%n", &day, m, &year, &hh, &mm, &used) < 5)
		return -1;
	p += used;
	if (*p == ':' && sscanf(p + 1, "%d%n", &ss, &used) >= 1)
		p += 1 + used;
	if (sscanf(p, " %7s", z) == 1)
		off = zone_offset(z);
	for (k = 0; k < 12; k++)
		if (vouch__strcaseeq(m, mon[k]))
			mi = k;
	if (year < 50)
		year += 2000;	/* obs-year (RFC 5322 4.3) */
	else if (year < 1000)
		year += 1900;
	if (mi < 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 ||
	    year < 1970 || year > 9999)
		return -1;
	days = civil_days(year, mi + 1, day);
	return days * 86400 + hh * 3600 + mm * 60 + ss - off;
}
