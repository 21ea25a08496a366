/*
 * The --dns-record snapshot writer under attacker names and data.  The
 * input is a list of answers: [kind][name length][name][data length, 2
 * bytes][data]; kind picks A, AAAA, MX, TXT, PTR, no data or NXDOMAIN.
 * Every answer goes to the recorder; the oracle: the snapshot written,
 * read back with the zone reader, holds exactly the answers recorded for
 * valid names (the same records, the same no-data and NXDOMAIN), and
 * nothing for a name that is no name.  A failure aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <vouch/vouch.h>
#include "dns/dns_int.h"
#include "common/buf.h"
#include "fuzz_common.h"

#define MAX_ENT 64

struct ent {
	char *name;
	unsigned char wire[DNS_NAME_WIRE_MAX];
	size_t wlen;
	int kind;
	unsigned char *data;
	size_t len;
	unsigned int pref;
	int valid, check;
};

static const int kinds[] = { VOUCH_DNS_A, VOUCH_DNS_AAAA, VOUCH_DNS_MX,
    VOUCH_DNS_TXT, VOUCH_DNS_PTR, -1 /* no data */, -2 /* NXDOMAIN */ };

static void
fail(const char *why, const struct ent *e, const char *path)
{
	char cmd[300];

	fprintf(stderr, "oracle: %s: name \"%s\" kind %d\n", why, e->name,
	    e->kind);
	snprintf(cmd, sizeof(cmd), "cat %s >&2", path);
	if (system(cmd) != 0)
		fprintf(stderr, "(snapshot unreadable)\n");
	abort();
}

/* Same wire name, any ASCII case. */
static int
wire_eq(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	size_t i;

	if (an != bn)
		return 0;
	for (i = 0; i < an; i++) {
		unsigned char x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x += 32;
		if (y >= 'A' && y <= 'Z')
			y += 32;
		if (x != y)
			return 0;
	}
	return 1;
}

/* Is a (wire) a proper ancestor of b, or b of a? */
static int
related(const struct ent *a, const struct ent *b)
{
	const struct ent *s = a->wlen < b->wlen ? a : b, *l = s == a ? b : a;
	size_t i = 0;

	while (l->wlen - i > s->wlen && l->wire[i] != 0)
		i += (size_t)l->wire[i] + 1;
	return l->wlen - i == s->wlen && wire_eq(l->wire + i, s->wlen,
	    s->wire, s->wlen);
}

static int
name_same(const char *a, const char *b)
{
	unsigned char wa[DNS_NAME_WIRE_MAX], wb[DNS_NAME_WIRE_MAX];
	size_t na, nb;

	return dns_name_wire(a, wa, &na) == 0 &&
	    dns_name_wire(b, wb, &nb) == 0 && wire_eq(wa, na, wb, nb);
}

/* Does the name's master-file form fit a reader's token?  (A longer one
 * is said in a comment and not recorded.) */
static int
fits(const char *name)
{
	struct vbuf b;
	int ok;

	vbuf_init(&b, 1u << 16);
	ok = dns_zone_put_name(&b, name) == VOUCH_OK;
	vbuf_clear(&b);
	return ok;
}

static size_t
parse(const uint8_t *d, size_t n, struct ent *e)
{
	size_t i = 0, k = 0;

	while (k < MAX_ENT && i + 4 <= n) {
		size_t nl = d[i + 1], dl;

		e[k].kind = kinds[d[i] % 7];
		i += 2;
		if (i + nl + 2 > n)
			break;
		e[k].name = strndup((const char *)d + i, nl);
		i += nl;
		dl = (size_t)d[i] << 8 | d[i + 1];
		i += 2;
		if (dl > n - i)
			dl = n - i;
		e[k].data = malloc(dl + 17);
		memset(e[k].data, 0, dl + 17);
		memcpy(e[k].data, d + i, dl);
		e[k].len = dl;
		i += dl;
		k++;
	}
	return k;
}

/* Build the answer the recorder is given; NULL when this entry can't be
 * one (a target that is no name: ldns never hands us such a thing). */
static struct vouch_dns_answer *
answer_of(struct ent *e)
{
	struct vouch_dns_answer *a;
	const char *target = (const char *)e->data;

	switch (e->kind) {
	case -1:
		return dns_answer_new(VOUCH_DNS_TXT, VOUCH_DNS_NODATA, 60);
	case -2:
		return dns_answer_new(VOUCH_DNS_TXT, VOUCH_DNS_NXDOMAIN, 60);
	case VOUCH_DNS_A:
		e->len = 4;
		break;
	case VOUCH_DNS_AAAA:
		e->len = 16;
		break;
	case VOUCH_DNS_MX:
		if (e->len == 0)
			return NULL;
		e->pref = e->data[0];
		target = (const char *)e->data + 1;
		/* FALLTHROUGH */
	case VOUCH_DNS_PTR:
		if (strlen(target) == 0 || !dns_name_valid(target))
			return NULL;
		e->len = strlen(target);
		memmove(e->data, target, e->len + 1);
		break;
	default:
		if (e->len > 4000)
			e->len = 4000;
	}
	if ((a = dns_answer_new((uint16_t)e->kind, VOUCH_DNS_ANSWER, 60)) ==
	    NULL)
		return NULL;
	if (dns_answer_add(a, e->data, e->len, e->pref, 60,
	    e->kind == VOUCH_DNS_TXT ? (e->len + 254) / 255 : 0,
	    e->kind == VOUCH_DNS_TXT ? (e->len < 255 ? e->len : 255) : 0) !=
	    VOUCH_OK) {
		vouch_dns_answer_free(a);
		return NULL;
	}
	return a;
}

/* A name recorded as NXDOMAIN below a wildcard that was recorded too: a
 * zone with "*.S" answers for it, as an authoritative server does (RFC
 * 4592), so its replay is no longer NXDOMAIN. */
static int
under_wildcard(const struct ent *e, size_t n, size_t k)
{
	size_t i, ln = strlen(e[k].name);

	for (i = 0; i < n; i++) {
		size_t lw = strlen(e[i].name);

		if (lw > 2 && e[i].name[0] == '*' && e[i].name[1] == '.' &&
		    ln > lw - 1 && strcasecmp(e[k].name + ln - (lw - 1),
		    e[i].name + 1) == 0)
			return 1;
	}
	return 0;
}

static void
check(struct vouch_dns *d, const struct ent *e, const char *path)
{
	struct vouch_dns_answer *a;
	int type = e->kind > 0 ? e->kind : VOUCH_DNS_TXT;
	enum vouch_dns_rcode want = e->kind == -1 ? VOUCH_DNS_NODATA :
	    e->kind == -2 ? VOUCH_DNS_NXDOMAIN : VOUCH_DNS_ANSWER;
	const unsigned char *p;
	unsigned int pref = 0;
	size_t n;

	if (vouch_dns_query(d, e->name, type, &a, NULL) != VOUCH_OK)
		fail("replay query failed", e, path);
	if (vouch_dns_answer_rcode(a) != want)
		fail("replay rcode differs", e, path);
	if (want == VOUCH_DNS_ANSWER) {
		if (vouch_dns_answer_count(a) != 1)
			fail("replay count differs", e, path);
		p = vouch_dns_answer_data(a, 0, &n, &pref);
		if (e->kind == VOUCH_DNS_MX || e->kind == VOUCH_DNS_PTR) {
			if (!name_same((const char *)p, (const char *)e->data) ||
			    pref != e->pref)
				fail("replay target differs", e, path);
		} else if (n != e->len || memcmp(p, e->data, n) != 0) {
			fail("replay data differs", e, path);
		}
	}
	vouch_dns_answer_free(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/vouch-fuzz-rec-XXXXXX";
	struct ent e[MAX_ENT];
	struct dns_recorder *r;
	struct vouch_dns *d;
	size_t n, i, j;
	int fd = mkstemp(path);

	if (fd < 0)
		return 0;
	close(fd);
	memset(e, 0, sizeof(e));
	n = parse(data, size, e);
	if ((r = dns_recorder_open(path, NULL)) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		struct vouch_dns_answer *a;

		if (e[i].name == NULL || strlen(e[i].name) == 0)
			continue;
		if ((a = answer_of(&e[i])) == NULL)
			continue;
		dns_recorder_add(r, e[i].name, (unsigned int)(e[i].kind > 0 ?
		    e[i].kind : VOUCH_DNS_TXT), a);
		vouch_dns_answer_free(a);
		e[i].valid = e[i].check = dns_name_wire(e[i].name, e[i].wire,
		    &e[i].wlen) == 0 && fits(e[i].name) &&
		    ((e[i].kind != VOUCH_DNS_MX && e[i].kind != VOUCH_DNS_PTR) ||
		    fits((const char *)e[i].data));
		/* the first answer for a name is the one kept; a name that
		 * another answer shows to exist (itself, or one below or
		 * above it) cannot replay as NXDOMAIN */
		for (j = 0; j < i && e[i].valid; j++) {
			if (!e[j].valid)
				continue;
			if (wire_eq(e[i].wire, e[i].wlen, e[j].wire,
			    e[j].wlen)) {
				e[i].check = 0;
				if (e[j].kind == -2)
					e[j].check = 0;
			} else if (related(&e[i], &e[j])) {
				if (e[i].kind == -2)
					e[i].check = 0;
				if (e[j].kind == -2)
					e[j].check = 0;
			}
		}
	}
	dns_recorder_close(r);
	d = vouch_dns_new();
	if (vouch_dns_load_zone(d, path, NULL, 0, NULL) != VOUCH_OK) {
		struct ent none = { .name = (char *)"(load)" };

		fail("the snapshot does not load", &none, path);
	}
	for (i = 0; i < n; i++)
		if (e[i].check && !(e[i].kind == -2 && under_wildcard(e, n, i)))
			check(d, &e[i], path);
	vouch_dns_free(d);
out:
	for (i = 0; i < n; i++) {
		free(e[i].name);
		free(e[i].data);
	}
	unlink(path);
	return 0;
}
