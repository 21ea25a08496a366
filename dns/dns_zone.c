/*
 * Zone-file backend: an in-memory record store filled from RFC 1035 master
 * files (parsed by ldns) or from raw records.  Lookups never touch the
 * network.  The store is filled before queries start and is then only read,
 * so it needs no lock.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "dns_int.h"
#include "common/util.h"
#include "common/buf.h"

struct zrr {
	uint16_t type;
	unsigned int pref;
	uint32_t ttl;
	size_t len, nstr, longest;
	unsigned char *data;
	struct zrr *next;
};

#define ZCACHE_TYPES 6	/* A, CNAME, PTR, MX, TXT, AAAA */

struct znode {
	char *name;
	size_t namelen;
	uint64_t hash;
	struct zrr *rrs, **tail;
	struct znode *next;
	unsigned int load;	/* the replacing load that last filled it */
	/* answers built on first use and shared (reference counted) */
	struct vouch_dns_answer *ans[ZCACHE_TYPES];
};

static int
type_slot(uint16_t type)
{
	switch (type) {
	case VOUCH_DNS_A: return 0;
	case VOUCH_DNS_CNAME: return 1;
	case VOUCH_DNS_PTR: return 2;
	case VOUCH_DNS_MX: return 3;
	case VOUCH_DNS_TXT: return 4;
	case VOUCH_DNS_AAAA: return 5;
	default: return -1;
	}
}

static void
drop_answers(struct znode *n)
{
	int i;

	for (i = 0; i < ZCACHE_TYPES; i++) {
		vouch_dns_answer_free(n->ans[i]);
		n->ans[i] = NULL;
	}
}

struct dns_store {
	struct znode **tab;
	size_t nbuckets, nnodes;
	unsigned int load;	/* current replacing load, 0 when none */
};

static void
free_rrs(struct znode *n)
{
	struct zrr *r, *rn;

	for (r = n->rrs; r != NULL; r = rn) {
		rn = r->next;
		free(r->data);
		free(r);
	}
	n->rrs = NULL;
	n->tail = &n->rrs;
}

/*
 * The form names are compared in, equal exactly when the wire forms are
 * equal (RFC 1035 3.1, 4.1.4 without the compression): master-file escapes
 * undone (\DDD and \X; an escaped '.' or '\\' stays escaped so label
 * boundaries keep their meaning), ASCII lower case, no final dot.  Both
 * the names a zone holds and the names asked for go through it, so
 * "macro\037x" in a file answers a query for "macro%x".
 */
static char *
name_key_into(const char *name, char *k)
{
	size_t n = strlen(name), i, j = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		int esc = 0;

		if (c == '\\' && i + 3 < n &&
		    name[i + 1] >= '0' && name[i + 1] <= '2' &&
		    name[i + 2] >= '0' && name[i + 2] <= '9' &&
		    name[i + 3] >= '0' && name[i + 3] <= '9') {
			c = (unsigned char)((name[i + 1] - '0') * 100 +
			    (name[i + 2] - '0') * 10 + (name[i + 3] - '0'));
			i += 3;
			esc = 1;
		} else if (c == '\\' && i + 1 < n) {
			c = (unsigned char)name[++i];
			esc = 1;
		}
		if (esc && (c == '.' || c == '\\'))
			k[j++] = '\\';
		else if (c >= 'A' && c <= 'Z')
			c += 32;
		k[j++] = (char)c;
	}
	if (j > 1 && k[j - 1] == '.') {
		/* a final dot, unless escaped: an odd run of backslashes
		 * before it ("\\\\." is an escaped backslash, then the dot) */
		size_t b = 0;

		while (b + 1 < j && k[j - 2 - b] == '\\')
			b++;
		if (b % 2 == 0)
			j--;
	}
	k[j] = '\0';
	return k;
}

/* The key in malloc'd memory (2n + 1 bytes suffice: an escape at most
 * doubles a byte). */
static char *
name_key(const char *name)
{
	char *k = malloc(2 * strlen(name) + 1);

	return k != NULL ? name_key_into(name, k) : NULL;
}

struct dns_store *
dns_store_new(void)
{
	struct dns_store *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->nbuckets = 256;
	if ((s->tab = calloc(s->nbuckets, sizeof(*s->tab))) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

void
dns_store_free(struct dns_store *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nbuckets; i++) {
		struct znode *n = s->tab[i], *nn;

		for (; n != NULL; n = nn) {
			struct zrr *r = n->rrs, *rn;

			for (; r != NULL; r = rn) {
				rn = r->next;
				free(r->data);
				free(r);
			}
			nn = n->next;
			drop_answers(n);
			free(n->name);
			free(n);
		}
	}
	free(s->tab);
	free(s);
}

/* Look a key (name_key_into: no final dot already; one that is left is
 * an escaped dot, part of the last label) up, any case. */
enum vouch_status dns_store_lookup(struct dns_store *s, const char *name,
    uint16_t type, struct vouch_dns_answer **out);
static uint64_t name_hash(const char *name);

static struct znode *
find(const struct dns_store *s, const char *name, uint64_t h)
{
	size_t len = strlen(name);
	struct znode *n;

	for (n = s->tab[h % s->nbuckets]; n != NULL; n = n->next)
		if (n->hash == h && n->namelen == len &&
		    vouch__memcaseeq(n->name, name, len))
			return n;
	return NULL;
}

/* dns_hash of a key, any case. */
static uint64_t
name_hash(const char *name)
{
	uint64_t h = 1469598103934665603ULL;	/* as dns_hash(name, 0) */
	size_t len = strlen(name), i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c >= 'A' && c <= 'Z')
			c += 32;
		h = (h ^ c) * 1099511628211ULL;
	}
	return h;
}

static void
rehash(struct dns_store *s)
{
	size_t nb = s->nbuckets * 4, i;
	struct znode **tab;

	if ((tab = calloc(nb, sizeof(*tab))) == NULL)
		return;		/* keep the smaller table: still correct */
	for (i = 0; i < s->nbuckets; i++) {
		struct znode *n = s->tab[i], *nn;

		for (; n != NULL; n = nn) {
			nn = n->next;
			n->next = tab[n->hash % nb];
			tab[n->hash % nb] = n;
		}
	}
	free(s->tab);
	s->tab = tab;
	s->nbuckets = nb;
}

enum vouch_status
dns_store_add(struct dns_store *s, const char *name, uint16_t type,
    const void *data, size_t len, unsigned int pref, uint32_t ttl,
    size_t nstr, size_t longest)
{
	struct znode *n;
	struct zrr *r;
	char *norm;
	uint64_t h;

	if ((norm = name_key(name)) == NULL)
		return VOUCH_E_NOMEM;
	h = name_hash(norm);
	if ((n = find(s, norm, h)) == NULL) {
		if ((n = calloc(1, sizeof(*n))) == NULL)
			goto nomem;
		n->name = norm;
		n->namelen = strlen(norm);
		norm = NULL;
		n->hash = h;
		n->tail = &n->rrs;
		n->next = s->tab[h % s->nbuckets];
		s->tab[h % s->nbuckets] = n;
		if (++s->nnodes > s->nbuckets * 2)
			rehash(s);
	}
	free(norm);
	drop_answers(n);	/* built before this record: rebuild */
	if (s->load != 0 && n->load != s->load) {
		/* a replacing load: its names lose what earlier files said */
		free_rrs(n);
		n->load = s->load;
	}
	if (type == 0)
		return VOUCH_OK;	/* the name exists, no data */
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->data = malloc(len + 1)) == NULL) {
		free(r);
		return VOUCH_E_NOMEM;
	}
	if (len > 0)
		memcpy(r->data, data, len);
	r->data[len] = '\0';
	r->len = len;
	r->type = type;
	r->pref = pref;
	r->ttl = ttl;
	r->nstr = nstr;
	r->longest = longest;
	*n->tail = r;
	n->tail = &r->next;
	return VOUCH_OK;
nomem:
	free(norm);
	return VOUCH_E_NOMEM;
}

/* More records than an answer keeps: none of them, a malformed answer
 * (never a partial one). */
static enum vouch_status
too_many_records(struct vouch_dns_answer *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->rr[i].data);
	a->n = 0;
	a->rcode = VOUCH_DNS_MALFORMED;
	free(a->cname);
	a->cname = NULL;
	return VOUCH_OK;
}

/*
 * A name the zone does not hold: the answer of the wildcard "*.S" of its
 * nearest ancestor S that has one (RFC 4592 4.3), unless an ancestor on
 * the way exists itself (the closest encloser, which has no wildcard).
 * Empty non-terminals are not tracked: an ancestor that exists only
 * through its descendants does not stop the walk.
 */
static enum vouch_status
wildcard(struct dns_store *s, const char *name, uint16_t type,
    struct vouch_dns_answer **out)
{
	const char *p = strchr(name, '.');
	char buf[1024];

	for (; p != NULL && p[1] != '\0'; p = strchr(p + 1, '.')) {
		char kb[1024], *k;

		if (strlen(p) >= sizeof(kb) / 2 - 1)
			continue;
		snprintf(buf, sizeof(buf), "*%s", p);
		if (dns_store_lookup(s, buf, type, out) != VOUCH_OK || *out)
			return *out != NULL ? VOUCH_OK : VOUCH_E_NOMEM;
		if ((k = name_key_into(p + 1, kb)) != NULL &&
		    find(s, k, name_hash(k)) != NULL)
			break;
	}
	return VOUCH_OK;
}

enum vouch_status
dns_store_lookup(struct dns_store *s, const char *name, uint16_t type,
    struct vouch_dns_answer **out)
{
	struct vouch_dns_answer *a, *prev = NULL;
	struct znode *n;
	struct zrr *r;
	enum vouch_status st = VOUCH_OK;
	int slot = type_slot(type);
	char *key, kbuf[1024];

	*out = NULL;
	/* names are short: no allocation on the lookup path */
	if (strlen(name) < sizeof(kbuf) / 2)
		key = name_key_into(name, kbuf);
	else if ((key = name_key(name)) == NULL)
		return VOUCH_E_NOMEM;
	n = find(s, key, name_hash(key));
	if (key != kbuf)
		free(key);
	if (n == NULL)
		return name[0] == '*' ? VOUCH_OK : wildcard(s, name, type, out);
	if (slot >= 0 && (a = __atomic_load_n(&n->ans[slot],
	    __ATOMIC_ACQUIRE)) != NULL) {
		*out = dns_answer_ref(a);
		return VOUCH_OK;
	}
	if ((a = dns_answer_new(type, VOUCH_DNS_NODATA, 3600)) == NULL)
		return VOUCH_E_NOMEM;
	for (r = n->rrs; r != NULL && st == VOUCH_OK; r = r->next) {
		if (r->type == type)
			st = dns_answer_add(a, r->data, r->len, r->pref, r->ttl,
			    r->nstr, r->longest);
		else if (r->type == VOUCH_DNS_CNAME && a->cname == NULL &&
		    (a->cname = strdup((char *)r->data)) == NULL)
			st = VOUCH_E_NOMEM;
	}
	if (st == VOUCH_E_LIMIT)
		st = too_many_records(a);
	if (st != VOUCH_OK) {
		vouch_dns_answer_free(a);
		return st;
	}
	if (a->n > 0) {
		free(a->cname);
		a->cname = NULL;
	}
	/* keep it for the next query; another thread may have won */
	if (slot >= 0) {
		dns_answer_ref(a);
		if (!__atomic_compare_exchange_n(&n->ans[slot], &prev, a, 0,
		    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			vouch_dns_answer_free(a);
	}
	*out = a;
	return VOUCH_OK;
}

/* Name text of a dname rdf without the final dot. */
static char *
dname_str(const ldns_rdf *rdf)
{
	char *p = ldns_rdf2str(rdf);
	size_t n;

	if (p != NULL && (n = strlen(p)) > 1 && p[n - 1] == '.')
		p[n - 1] = '\0';
	return p;
}

/* One ldns record in the form answers carry (TXT joined, names without
 * the final dot), shared by the zone and live backends. */
/* A TXT record's character-strings joined with nothing (RFC 7208 3.3,
 * RFC 6376 3.6.2.2), their count and the longest kept. */
static enum vouch_status
convert_txt(const ldns_rr *rr, const char *owner, dns_rr_sink sink,
    void *arg)
{
	struct vbuf j;
	size_t longest = 0, cnt = ldns_rr_rd_count(rr), i, sl;
	enum vouch_status st = VOUCH_OK;
	const ldns_rdf *rdf;

	vbuf_init(&j, 1 << 20);
	for (i = 0; i < cnt && st == VOUCH_OK; i++) {
		rdf = ldns_rr_rdf(rr, i);
		if (ldns_rdf_size(rdf) < 1)
			continue;
		sl = ldns_rdf_data(rdf)[0];
		if (sl + 1 > ldns_rdf_size(rdf)) {
			st = VOUCH_E_DNS_MALFORMED;
			break;
		}
		st = vbuf_add(&j, ldns_rdf_data(rdf) + 1, sl);
		if (sl > longest)
			longest = sl;
	}
	if (st == VOUCH_OK)
		st = sink(arg, owner, VOUCH_DNS_TXT, j.data ? (void *)j.data :
		    (void *)"", j.len, 0, ldns_rr_ttl(rr), cnt, longest);
	vbuf_clear(&j);
	return st;
}

/* MX, PTR and CNAME: the name they point at (MX with its preference). */
static enum vouch_status
convert_target(const ldns_rr *rr, uint16_t type, const char *owner,
    dns_rr_sink sink, void *arg)
{
	const ldns_rdf *rdf = ldns_rr_rdf(rr, type == VOUCH_DNS_MX ? 1 : 0);
	enum vouch_status st;
	char *target;

	if (rdf == NULL)
		return VOUCH_E_DNS_MALFORMED;
	if ((target = dname_str(rdf)) == NULL)
		return VOUCH_E_NOMEM;
	st = sink(arg, owner, type, target, strlen(target), type ==
	    VOUCH_DNS_MX ? ldns_rdf2native_int16(ldns_rr_rdf(rr, 0)) : 0,
	    ldns_rr_ttl(rr), 0, 0);
	free(target);
	return st;
}

enum vouch_status
dns_rr_convert(const void *ldnsrr, dns_rr_sink sink, void *arg)
{
	const ldns_rr *rr = ldnsrr;
	const ldns_rdf *rdf;
	uint16_t type = (uint16_t)ldns_rr_get_type(rr);
	uint32_t ttl = ldns_rr_ttl(rr);
	enum vouch_status st;
	char *owner;

	if ((owner = dname_str(ldns_rr_owner(rr))) == NULL)
		return VOUCH_E_NOMEM;
	switch (type) {
	case VOUCH_DNS_TXT:
		st = convert_txt(rr, owner, sink, arg);
		break;
	case VOUCH_DNS_A:
	case VOUCH_DNS_AAAA:
		rdf = ldns_rr_rdf(rr, 0);
		st = rdf == NULL || ldns_rdf_size(rdf) != (type == VOUCH_DNS_A ?
		    4u : 16u) ? VOUCH_E_DNS_MALFORMED : sink(arg, owner, type,
		    ldns_rdf_data(rdf), ldns_rdf_size(rdf), 0, ttl, 0, 0);
		break;
	case VOUCH_DNS_MX:
	case VOUCH_DNS_PTR:
	case VOUCH_DNS_CNAME:
		st = convert_target(rr, type, owner, sink, arg);
		break;
	default:
		/* Other types make the name exist: queries get "no data". */
		st = sink(arg, owner, 0, NULL, 0, 0, ttl, 0, 0);
		break;
	}
	free(owner);
	return st;
}

static enum vouch_status
store_sink(void *arg, const char *owner, uint16_t type, const void *data,
    size_t len, unsigned int pref, uint32_t ttl, size_t nstr,
    size_t longest)
{
	return dns_store_add(arg, owner, type, data, len, pref, ttl, nstr,
	    longest);
}

static enum vouch_status
add_ldns_rr(struct dns_store *s, const ldns_rr *rr)
{
	return dns_rr_convert(rr, store_sink, s);
}

/* Parse a master file with ldns. */
/* The line of the first quoted string over 255 bytes (RFC 1035 3.3
 * character-string), escapes counted as one byte; 0 when none. */
static int
long_string_line(const char *path)
{
	FILE *fp = fopen(path, "r");
	int c, inq = 0, lineno = 1, at = 0, startline = 0;
	size_t n = 0;

	if (fp == NULL)
		return 0;
	while (at == 0 && (c = getc(fp)) != EOF) {
		if (!inq && c == ';')	/* a comment: skip to its line end */
			while ((c = getc(fp)) != EOF && c != '\n')
				;
		if (c == '\n') {
			lineno++;
			continue;
		}
		if (!inq) {
			if (c == '"') {
				inq = 1;
				n = 0;
				startline = lineno;
			}
			continue;
		}
		if (c == '"') {
			inq = 0;
			continue;
		}
		if (c == '\\' && (c = getc(fp)) >= '0' && c <= '9') {
			getc(fp);	/* \DDD is one byte */
			getc(fp);
		}
		if (++n > 255)
			at = startline;
	}
	fclose(fp);
	return at;
}

static enum vouch_status
read_zone(const char *path, const char *origin, ldns_zone **z,
    struct vouch_error *err)
{
	ldns_rdf *org = NULL;
	ldns_status ls;
	FILE *fp;
	int line = 0;

	if ((fp = fopen(path, "r")) == NULL)
		return vouch__err(err, errno == ENOENT ? VOUCH_E_NOTFOUND :
		    VOUCH_E_IO, NULL, -1, "%s: %s", path, strerror(errno));
	if (origin != NULL && (org = ldns_dname_new_frm_str(origin)) == NULL) {
		fclose(fp);
		return vouch__err(err, VOUCH_E_INVAL, NULL, -1,
		    "%s: invalid origin", origin);
	}
	ls = ldns_zone_new_frm_fp_l(z, fp, org, 3600, LDNS_RR_CLASS_IN, &line);
	fclose(fp);
	ldns_rdf_deep_free(org);
	if (ls != LDNS_STATUS_OK) {
		int at = long_string_line(path);

		if (at > 0)
			return vouch__err(err, VOUCH_E_SYNTAX, "RFC 1035 3.3",
			    -1, "%s: line %d: a TXT string is longer than 255 "
			    "bytes; split it into several quoted strings "
			    "(\"...\" \"...\")", path, at);
		return vouch__err(err, VOUCH_E_SYNTAX, "RFC 1035 5", -1,
		    "%s: line %d: %s", path, line, ldns_get_errorstr_by_id(ls));
	}
	return VOUCH_OK;
}

struct foreach_arg {
	int (*fn)(void *, const char *, int, const unsigned char *, size_t,
	    size_t, size_t);
	void *arg;
};

static enum vouch_status
foreach_sink(void *arg, const char *owner, uint16_t type, const void *data,
    size_t len, unsigned int pref, uint32_t ttl, size_t nstr,
    size_t longest)
{
	struct foreach_arg *fa = arg;

	(void)pref;
	(void)ttl;
	return fa->fn(fa->arg, owner, type, data, len, nstr, longest) ?
	    VOUCH_E_LIMIT : VOUCH_OK;
}

enum vouch_status
vouch_dns_zone_foreach(const char *path, const char *origin,
    int (*fn)(void *, const char *, int, const unsigned char *, size_t,
    size_t, size_t), void *arg, struct vouch_error *err)
{
	struct foreach_arg fa = { fn, arg };
	ldns_zone *z = NULL;
	enum vouch_status st;
	size_t i;

	if ((st = read_zone(path, origin, &z, err)) != VOUCH_OK)
		return st;
	for (i = 0; st == VOUCH_OK && i < ldns_rr_list_rr_count(
	    ldns_zone_rrs(z)); i++)
		st = dns_rr_convert(ldns_rr_list_rr(ldns_zone_rrs(z), i),
		    foreach_sink, &fa);
	ldns_zone_deep_free(z);
	return st == VOUCH_E_LIMIT ? VOUCH_OK : st;
}

char *
vouch_dns_zone_origin(const char *path, const char *origin)
{
	ldns_zone *z = NULL;
	char *o = NULL;

	if (read_zone(path, origin, &z, NULL) != VOUCH_OK)
		return NULL;
	if (ldns_zone_soa(z) != NULL)
		o = dname_str(ldns_rr_owner(ldns_zone_soa(z)));
	ldns_zone_deep_free(z);
	return o;
}

enum vouch_status
dns_store_load_file(struct dns_store *s, const char *path,
    const char *origin, int replace, struct vouch_error *err)
{
	static unsigned int loads;
	ldns_zone *z = NULL;
	enum vouch_status st;
	size_t i;

	if ((st = read_zone(path, origin, &z, err)) != VOUCH_OK)
		return st;
	s->load = replace ? __atomic_add_fetch(&loads, 1, __ATOMIC_RELAXED) :
	    0;
	if (ldns_zone_soa(z) != NULL)
		st = add_ldns_rr(s, ldns_zone_soa(z));
	for (i = 0; st == VOUCH_OK && i < ldns_rr_list_rr_count(
	    ldns_zone_rrs(z)); i++)
		st = add_ldns_rr(s, ldns_rr_list_rr(ldns_zone_rrs(z), i));
	ldns_zone_deep_free(z);
	s->load = 0;
	if (st != VOUCH_OK)
		return vouch__err(err, st, NULL, -1, "%s: %s", path,
		    vouch_strerror(st));
	return VOUCH_OK;
}

enum vouch_status
dns_store_add_line(struct dns_store *s, const char *line,
    struct vouch_error *err)
{
	ldns_rr *rr = NULL;
	ldns_status ls;
	enum vouch_status st;

	ls = ldns_rr_new_frm_str(&rr, line, 3600, NULL, NULL);
	if (ls != LDNS_STATUS_OK)
		return vouch__err(err, VOUCH_E_SYNTAX, "RFC 1035 5", -1,
		    "%s: %s", line, ldns_get_errorstr_by_id(ls));
	st = add_ldns_rr(s, rr);
	ldns_rr_free(rr);
	return st;
}

/* A text look at a master file: relative owner names (RFC 1035 5.1) with
 * no $ORIGIN before them. */
int
vouch_dns_zone_relative(const char *path)
{
	FILE *fp = fopen(path, "r");
	char line[4096];
	int rel = 0, depth = 0;

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *p = line, *e;
		int cont = depth > 0;

		for (e = p; *e; e++)	/* parentheses span lines */
			if (*e == '(')
				depth++;
			else if (*e == ')' && depth > 0)
				depth--;
			else if (*e == ';' || *e == '"')
				break;
		if (cont || *p == ' ' || *p == '\t' || *p == ';' ||
		    *p == '\n' || *p == '\r')
			continue;
		if (strncasecmp(p, "$ORIGIN", 7) == 0)
			break;		/* from here on names are absolute */
		if (*p == '$')
			continue;
		for (e = p; *e && !strchr(" \t\r\n", *e); e++)
			;
		if (e > p && e[-1] != '.') {
			rel = 1;
			break;
		}
	}
	fclose(fp);
	return rel;
}
