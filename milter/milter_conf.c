/*
 * vouch-milter.conf(5): one "key = value" per line, '#' comments.  Every
 * problem is reported with the file and line, and the whole file is
 * refused: a daemon never runs on half a configuration.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "milter/milter.h"

static void list_clear(struct vm_list *l);

void
vm_conf_free(struct vm_conf *c)
{
	struct vouch_error err = { 0 };
	int i;

	if (c == NULL)
		return;
	if (vouch_report_store_close(c->store, &err) != VOUCH_OK)
		cli_err(c->report_store, "%s", err.message);
	vouch_auth_ctx_free(c->actx);
	vouch_dns_free(c->dns);
	cli_keys_clear(&c->ks);
	free(c->path);
	free(c->socket);
	free(c->authserv);
	free(c->report_store);
	free(c->q_name);
	free(c->q_value);
	free(c->metrics);
	list_clear(&c->internal);
	list_clear(&c->peers);
	list_clear(&c->exempt);
	list_clear(&c->trusted_ids);
	list_clear(&c->arc_trust);
	free(c->arc_domain);
	free(c->arc_selector);
	free(c->arc_keyfile);
	free(c->psl_file);
	vouch_dmarc_psl_free(c->psl);
	free(c->user);
	free(c->log);
	free(c->facility);
	free(c->pidfile);
	free(c->key_table);
	free(c->odkim_keys);
	free(c->odkim_signing);
	free(c->sign_headers);
	free(c->dns_server);
	for (i = 0; i < c->ndns_zones; i++)
		free(c->dns_zones[i]);
	free(c);
}

/* "ADDR[/PREFIX]" into n; 0 or -1. */
static int
net_parse(const char *s, struct vm_net *n)
{
	char a[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long p;

	if (strlen(s) >= sizeof(a))
		return -1;
	snprintf(a, sizeof(a), "%s", s);
	if ((slash = strchr(a, '/')) != NULL)
		*slash++ = '\0';
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, a, n->addr) == 1) {
		n->family = AF_INET;
		n->prefix = 32;
	} else if (inet_pton(AF_INET6, a, n->addr) == 1) {
		n->family = AF_INET6;
		n->prefix = 128;
	} else {
		return -1;
	}
	if (slash != NULL) {
		errno = 0;
		p = strtoul(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || p > n->prefix)
			return -1;
		n->prefix = (unsigned int)p;
	}
	return 0;
}

/* Order of masked networks: family, prefix, address. */
static int
net_cmp(const void *x, const void *y)
{
	const struct vm_net *a = x, *b = y;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	return memcmp(a->addr, b->addr, 16);
}

static void
net_mask(struct vm_net *n)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		if (i * 8 >= n->prefix)
			n->addr[i] = 0;
		else if (i * 8 + 8 > n->prefix)
			n->addr[i] &= (unsigned char)(0xff << (8 - n->prefix % 8));
}

int
vm_conf_in_nets(const struct vm_list *l, const char *ip)
{
	struct vm_net k;
	size_t i;

	if (ip == NULL || l->n == 0)
		return 0;
	memset(&k, 0, sizeof(k));
	if (inet_pton(AF_INET, ip, k.addr) == 1)
		k.family = AF_INET;
	else if (inet_pton(AF_INET6, ip, k.addr) == 1)
		k.family = AF_INET6;
	else
		return 0;
	/* ::ffff:192.0.2.1 is 192.0.2.1 */
	if (k.family == AF_INET6 && memcmp(k.addr,
	    "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		memmove(k.addr, k.addr + 12, 4);
		memset(k.addr + 4, 0, 12);
		k.family = AF_INET;
	}
	/* one binary search for each network size the list has */
	for (i = 0; i < l->nshapes; i++) {
		struct vm_net m = k;

		if (l->shapes[i].family != k.family)
			continue;
		m.prefix = l->shapes[i].prefix;
		net_mask(&m);
		if (bsearch(&m, l->snets, l->n, sizeof(m), net_cmp) != NULL)
			return 1;
	}
	return 0;
}

static int
word_cmp(const void *x, const void *y)
{
	/* the list is lower case: strcasecmp orders as strcmp does there */
	return strcasecmp(*(const char *const *)x, *(const char *const *)y);
}

int
vm_conf_in_words(const struct vm_list *l, const char *w)
{
	return w != NULL && l->n > 0 && bsearch(&w, l->sorted, l->n,
	    sizeof(char *), word_cmp) != NULL;
}

int
vm_conf_in_domains(const struct vm_list *l, const char *d)
{
	/* the domain, then each domain it is under */
	while (d != NULL && *d != '\0') {
		if (vm_conf_in_words(l, d))
			return 1;
		if ((d = strchr(d, '.')) != NULL)
			d++;
	}
	return 0;
}

/* The sorted copies lookups use: 0, or -1 out of memory. */
static int
list_index(struct vm_list *l)
{
	size_t i;

	if (l->n == 0)
		return 0;
	if (l->words != NULL) {
		if ((l->sorted = malloc(l->n * sizeof(char *))) == NULL)
			return -1;
		memcpy(l->sorted, l->words, l->n * sizeof(char *));
		qsort(l->sorted, l->n, sizeof(char *), word_cmp);
		return 0;
	}
	if ((l->snets = malloc(l->n * sizeof(*l->snets))) == NULL ||
	    (l->shapes = calloc(l->n, sizeof(*l->shapes))) == NULL)
		return -1;
	for (i = 0; i < l->n; i++) {
		l->snets[i] = l->nets[i];
		net_mask(&l->snets[i]);
	}
	qsort(l->snets, l->n, sizeof(*l->snets), net_cmp);
	for (i = 0; i < l->n; i++)
		if (l->nshapes == 0 ||
		    l->shapes[l->nshapes - 1].family != l->snets[i].family ||
		    l->shapes[l->nshapes - 1].prefix != l->snets[i].prefix) {
			l->shapes[l->nshapes].family = l->snets[i].family;
			l->shapes[l->nshapes++].prefix = l->snets[i].prefix;
		}
	return 0;
}

static int
list_grow(struct vm_list *l, int nets)
{
	size_t cap = l->cap ? l->cap * 2 : 16;

	if (l->n < l->cap)
		return 0;
	if (nets) {
		struct vm_net *v = realloc(l->nets, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		l->nets = v;
	} else {
		char **v = realloc(l->words, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		l->words = v;
	}
	l->cap = cap;
	return 0;
}

static void
list_clear(struct vm_list *l)
{
	size_t i;

	for (i = 0; l->words != NULL && i < l->n; i++)
		free(l->words[i]);
	free(l->words);
	free(l->nets);
	free(l->sorted);
	free(l->snets);
	free(l->shapes);
	memset(l, 0, sizeof(*l));
}

/* One entry into the list: NULL, or why it is refused. */
static const char *
list_add(struct vm_list *l, const char *tok, int nets, int domains)
{
	const char *p;

	if (list_grow(l, nets) != 0)
		return "out of memory";
	if (nets) {
		if (net_parse(tok, &l->nets[l->n]) != 0)
			return "expected addresses or CIDR networks "
			    "(192.0.2.0/24, 2001:db8::/32)";
		l->n++;
		return NULL;
	}
	for (p = tok; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr(".-_", *p) == NULL)
			return domains ? "expected domain names (A-labels: "
			    "xn--... for a name that is not ASCII)" :
			    "expected authserv-ids (host names)";
	if ((l->words[l->n] = strdup(tok)) == NULL)
		return "out of memory";
	for (p = l->words[l->n]; *p != '\0'; p++)
		l->words[l->n][p - l->words[l->n]] = (char)tolower(
		    (unsigned char)*p);
	l->n++;
	return NULL;
}

/* Entries from text (comma or space separated), #-comments dropped. */
static const char *
list_text(struct vm_list *l, char *text, int nets, int domains)
{
	char *line, *tok, *save = NULL, *lsave = NULL;
	const char *why;

	for (line = strtok_r(text, "\n", &lsave); line != NULL;
	    line = strtok_r(NULL, "\n", &lsave)) {
		char *hash = strchr(line, '#');

		if (hash != NULL)
			*hash = '\0';
		for (tok = strtok_r(line, ", \t\r", &save); tok != NULL;
		    tok = strtok_r(NULL, ", \t\r", &save))
			if ((why = list_add(l, tok, nets, domains)) != NULL)
				return why;
	}
	return NULL;
}

/* A list setting: inline, or file:PATH read now (and again on reload). */
static const char *
list_set(struct vm_list *l, const char *v, int nets, int domains)
{
	static char why[512];
	const char *w;
	char *text, *grown;
	FILE *fp;
	size_t len = 0, cap = 0, k;

	list_clear(l);
	if (strncmp(v, "file:", 5) != 0) {
		if ((text = strdup(v)) == NULL)
			return "out of memory";
		w = list_text(l, text, nets, domains);
		free(text);
		return w != NULL ? w : list_index(l) != 0 ? "out of memory" :
		    NULL;
	}
	if ((fp = fopen(v + 5, "r")) == NULL) {
		snprintf(why, sizeof(why), "%s: %s", v + 5, strerror(errno));
		return why;
	}
	text = NULL;
	for (;;) {
		if (len + 4097 > cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > VM_LIST_FILE_MAX + 8192 ||
			    (grown = realloc(text, cap)) == NULL) {
				fclose(fp);
				free(text);
				snprintf(why, sizeof(why), "%s: larger than %d "
				    "MB", v + 5, VM_LIST_FILE_MAX >> 20);
				return why;
			}
			text = grown;
		}
		if ((k = fread(text + len, 1, 4096, fp)) == 0)
			break;
		len += k;
	}
	fclose(fp);
	text[len] = '\0';
	w = list_text(l, text, nets, domains);
	free(text);
	if (w != NULL) {
		snprintf(why, sizeof(why), "%s: %s", v + 5, w);
		return why;
	}
	return list_index(l) != 0 ? "out of memory" : NULL;
}

static int
yesno(const char *v, int *out)
{
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 ||
	    strcmp(v, "1") == 0)
		*out = 1;
	else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 ||
	    strcmp(v, "0") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static int
set_str(char **dst, const char *v)
{
	free(*dst);
	return (*dst = strdup(v)) == NULL ? -1 : 0;
}

static int
socket_ok(const char *s)
{
	const char *at;
	char *end;
	unsigned long port;

	if (strncmp(s, "unix:", 5) == 0 || strncmp(s, "local:", 6) == 0)
		return strchr(s, ':')[1] == '/';
	if (strncmp(s, "inet:", 5) != 0 && strncmp(s, "inet6:", 6) != 0)
		return 0;
	s = strchr(s, ':') + 1;
	port = strtoul(s, &end, 10);
	if (end == s || port == 0 || port > 65535)
		return 0;
	at = end;
	return *at == '\0' || (*at == '@' && at[1] != '\0');
}

/* One setting; NULL when fine, else the problem. */
/* ---- settings: one small function each, found through the table ---- */

typedef const char *(*set_fn)(struct vm_conf *c, const char *v, size_t off);

/* a string field of struct vm_conf, at offset off */
static const char *
s_string(struct vm_conf *c, const char *v, size_t off)
{
	return set_str((char **)((char *)c + off), v) ? "out of memory" : NULL;
}

/* an int field set by yes or no */
static const char *
s_yesno(struct vm_conf *c, const char *v, size_t off)
{
	return yesno(v, (int *)((char *)c + off)) ? "expected yes or no" : NULL;
}

static const char *
s_socket(struct vm_conf *c, const char *v, size_t off)
{
	if (!socket_ok(v))
		return "expected inet:PORT@ADDR, inet6:PORT@ADDR or unix:/PATH";
	return s_string(c, v, off);
}

static const char *
s_authserv(struct vm_conf *c, const char *v, size_t off)
{
	const char *p;

	/* a token of RFC 8601 2.2: it is written into headers */
	for (p = v; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr(".-_", *p) == NULL)
			return "expected a host name (letters, digits, '.', "
			    "'-', '_')";
	return s_string(c, v, off);
}

static const char *
s_networks(struct vm_conf *c, const char *v, size_t off)
{
	return list_set((struct vm_list *)((char *)c + off), v, 1, 0);
}

static const char *
s_domains(struct vm_conf *c, const char *v, size_t off)
{
	return list_set((struct vm_list *)((char *)c + off), v, 0, 1);
}

static const char *
s_words(struct vm_conf *c, const char *v, size_t off)
{
	return list_set((struct vm_list *)((char *)c + off), v, 0, 0);
}

static const char *
s_min_bits(struct vm_conf *c, const char *v, size_t off)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);

	(void)off;
	if (*v < '0' || *v > '9' || *end != '\0' || n < 512 || n > 4096)
		return "expected a number of bits, 512 to 4096 (RFC 8301: "
		    "1024)";
	c->min_key_bits = (unsigned int)n;
	return NULL;
}

static const char *
s_metrics(struct vm_conf *c, const char *v, size_t off)
{
#ifdef HAVE_LIBMICROHTTPD
	struct sockaddr_storage sa;

	if (vm_metrics_addr(v, &sa) != 0)
		return "expected ADDR:PORT (127.0.0.1:9101, [::1]:9101)";
	return s_string(c, v, off);
#else
	(void)c;
	(void)v;
	(void)off;
	return "vouch was built without libmicrohttpd";
#endif
}

static const char *
s_quarantine(struct vm_conf *c, const char *v, size_t off)
{
	(void)off;
	if (strcmp(v, "hold") == 0)
		c->dmarc_quarantine = VM_Q_HOLD;
	else if (strcmp(v, "header") == 0)
		c->dmarc_quarantine = VM_Q_HEADER;
	else if (strcmp(v, "no") == 0)
		c->dmarc_quarantine = VM_Q_NO;
	else
		return "expected hold, header or no";
	return NULL;
}

/* arc-sealer = DOMAIN SELECTOR KEYFILE (the key is loaded with the
 * others) */
static const char *
s_arc_sealer(struct vm_conf *c, const char *v, size_t off)
{
	char *copy = strdup(v), *w[4], *save = NULL;
	int n = 0;

	(void)off;
	if (copy == NULL)
		return "out of memory";
	for (w[n] = strtok_r(copy, " \t", &save); w[n] != NULL && n < 3;
	    w[n] = strtok_r(NULL, " \t", &save))
		n++;
	if (n != 3 || w[3] != NULL || strchr(w[0], '.') == NULL ||
	    strpbrk(w[0], ";=") != NULL || strpbrk(w[1], ";=") != NULL) {
		free(copy);
		return "expected DOMAIN SELECTOR KEYFILE (a domain with a dot, "
		    "a selector without ';' or '=')";
	}
	free(c->arc_domain);
	free(c->arc_selector);
	free(c->arc_keyfile);
	c->arc_domain = strdup(w[0]);
	c->arc_selector = strdup(w[1]);
	c->arc_keyfile = strdup(w[2]);
	free(copy);
	return c->arc_domain != NULL && c->arc_selector != NULL &&
	    c->arc_keyfile != NULL ? NULL : "out of memory";
}

static const char *
s_arc_seal(struct vm_conf *c, const char *v, size_t off)
{
	(void)off;
	if (strcmp(v, "inbound") == 0)
		c->arc_seal = VM_SEAL_IN;
	else if (strcmp(v, "outbound") == 0)
		c->arc_seal = VM_SEAL_OUT;
	else if (strcmp(v, "both") == 0)
		c->arc_seal = VM_SEAL_IN | VM_SEAL_OUT;
	else if (strcmp(v, "no") == 0)
		c->arc_seal = 0;
	else
		return "expected inbound, outbound, both or no";
	return NULL;
}

static const char *
s_org_domain(struct vm_conf *c, const char *v, size_t off)
{
	(void)off;
	if (strcmp(v, "treewalk") == 0)
		c->org_psl = 0;
	else if (strcmp(v, "psl") == 0)
		c->org_psl = 1;
	else
		return "expected treewalk (RFC 9989) or psl (RFC 7489)";
	return NULL;
}

static const char *
s_sign_by(struct vm_conf *c, const char *v, size_t off)
{
	(void)off;
	if (strcmp(v, "from") == 0)
		c->sign_by = VM_BY_FROM;
	else if (strcmp(v, "sender") == 0)
		c->sign_by = VM_BY_SENDER;
	else if (strcmp(v, "envelope") == 0)
		c->sign_by = VM_BY_ENVELOPE;
	else
		return "expected from, sender or envelope";
	return NULL;
}

/* "Name: value": a field name of RFC 5322 printable characters, a value
 * of printable ASCII (it goes into every quarantined message as is). */
static const char *
s_qheader(struct vm_conf *c, const char *v, size_t off)
{
	const char *colon = strchr(v, ':'), *p, *val;

	(void)off;
	if (colon == NULL || colon == v)
		return "expected Name: value (X-Spam-Flag: YES)";
	for (p = v; p < colon; p++)
		if (*p <= 32 || *p >= 127)
			return "the field name has a space or a character "
			    "that is not printable ASCII";
	for (val = colon + 1; *val == ' ' || *val == '\t'; val++)
		;
	for (p = val; *p != '\0'; p++)
		if ((*p < 32 && *p != '\t') || *p >= 127)
			return "the value must be printable ASCII";
	if (*val == '\0')
		return "expected a value after the colon";
	if (strlen(v) > 900)
		return "longer than 900 characters";
	free(c->q_name);
	free(c->q_value);
	c->q_name = strndup(v, (size_t)(colon - v));
	c->q_value = strdup(val);
	return c->q_name != NULL && c->q_value != NULL ? NULL :
	    "out of memory";
}

/* on-temperror (accept, tempfail) and on-sign-error (and reject) */
static const char *
s_on(struct vm_conf *c, const char *v, size_t off)
{
	enum vm_on *f = (enum vm_on *)((char *)c + off);
	int sign = off == offsetof(struct vm_conf, on_sign_error);

	if (strcmp(v, "accept") == 0)
		*f = VM_ACCEPT;
	else if (strcmp(v, "tempfail") == 0)
		*f = VM_TEMPFAIL;
	else if (sign && strcmp(v, "reject") == 0)
		*f = VM_REJECT;
	else
		return sign ? "expected accept, tempfail or reject" :
		    "expected accept or tempfail";
	return NULL;
}

static const char *
s_canon(struct vm_conf *c, const char *v, size_t off)
{
	const char *sl = strchr(v, '/');
	size_t hl = sl != NULL ? (size_t)(sl - v) : strlen(v);
	const char *b = sl != NULL ? sl + 1 : "simple";

	(void)off;
	if (hl == 7 && strncmp(v, "relaxed", 7) == 0)
		c->hcanon = VOUCH_DKIM_RELAXED;
	else if (hl == 6 && strncmp(v, "simple", 6) == 0)
		c->hcanon = VOUCH_DKIM_SIMPLE;
	else
		b = "";
	if (strcmp(b, "relaxed") == 0)
		c->bcanon = VOUCH_DKIM_RELAXED;
	else if (strcmp(b, "simple") == 0)
		c->bcanon = VOUCH_DKIM_SIMPLE;
	else
		return "expected relaxed/relaxed, relaxed/simple, "
		    "simple/relaxed or simple/simple";
	return NULL;
}

static const char *
s_log(struct vm_conf *c, const char *v, size_t off)
{
	if (strcmp(v, "syslog") != 0 && strcmp(v, "stderr") != 0)
		return "expected syslog or stderr";
	return s_string(c, v, off);
}

static const char *
s_dns_timeout(struct vm_conf *c, const char *v, size_t off)
{
	char *end;
	double t = strtod(v, &end);

	(void)off;
	if (*end != '\0' || !(t > 0) || t > 3600)
		return "expected seconds (0 < N <= 3600)";
	c->dnsopt.timeout = t;
	return NULL;
}

static const char *
s_dns_zone(struct vm_conf *c, const char *v, size_t off)
{
	(void)off;
	if (c->ndns_zones == 64)
		return "more than 64 zone files";
	if ((c->dns_zones[c->ndns_zones] = strdup(v)) == NULL)
		return "out of memory";
	c->ndns_zones++;
	return NULL;
}

#define OFF(f) offsetof(struct vm_conf, f)

/* Every setting of vouch-milter.conf(5); alt is the OpenDKIM name. */
static const struct {
	const char *key, *alt;
	set_fn fn;
	size_t off;
} settings[] = {
	{ "socket", NULL, s_socket, OFF(socket) },
	{ "authserv-id", NULL, s_authserv, OFF(authserv) },
	{ "key-table", NULL, s_string, OFF(key_table) },
	{ "opendkim-key-table", "KeyTable", s_string, OFF(odkim_keys) },
	{ "opendkim-signing-table", "SigningTable", s_string,
	    OFF(odkim_signing) },
	{ "internal-networks", NULL, s_networks, OFF(internal) },
	{ "peer-networks", "PeerList", s_networks, OFF(peers) },
	{ "exempt-domains", NULL, s_domains, OFF(exempt) },
	{ "trusted-authserv-ids", NULL, s_words, OFF(trusted_ids) },
	{ "sign-authenticated", NULL, s_yesno, OFF(sign_auth) },
	{ "dmarc-reject", NULL, s_yesno, OFF(dmarc_reject) },
	{ "dmarc-quarantine", NULL, s_quarantine, 0 },
	{ "allow-sha1", NULL, s_yesno, OFF(allow_sha1) },
	{ "min-key-bits", NULL, s_min_bits, 0 },
	{ "dmarc-quarantine-header", NULL, s_qheader, 0 },
	{ "on-temperror", NULL, s_on, OFF(on_temperror) },
	{ "on-sign-error", NULL, s_on, OFF(on_sign_error) },
	{ "canonicalization", NULL, s_canon, 0 },
	{ "sign-headers", NULL, s_string, OFF(sign_headers) },
	{ "user", NULL, s_string, OFF(user) },
	{ "log", NULL, s_log, OFF(log) },
	{ "syslog-facility", NULL, s_string, OFF(facility) },
	{ "pid-file", NULL, s_string, OFF(pidfile) },
	{ "dns-server", NULL, s_string, OFF(dns_server) },
	{ "dns-timeout", NULL, s_dns_timeout, 0 },
	{ "dns-zone", NULL, s_dns_zone, 0 },
	{ "report-store", NULL, s_string, OFF(report_store) },
	{ "metrics", NULL, s_metrics, OFF(metrics) },
	{ "sign-by", NULL, s_sign_by, 0 },
	{ "arc-sealer", NULL, s_arc_sealer, 0 },
	{ "arc-seal", NULL, s_arc_seal, 0 },
	{ "arc-trust", NULL, s_domains, OFF(arc_trust) },
	{ "org-domain", NULL, s_org_domain, 0 },
	{ "psl", NULL, s_string, OFF(psl_file) },
};

static const char *
setting(struct vm_conf *c, const char *k, const char *v)
{
	size_t i;

	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (strcmp(k, settings[i].key) == 0 || (settings[i].alt != NULL &&
		    strcasecmp(k, settings[i].alt) == 0))
			return settings[i].fn(c, v, settings[i].off);
	return "unknown setting (see vouch-milter.conf(5))";
}

static int
parse_file(struct vm_conf *c, const char *path)
{
	FILE *fp = fopen(path, "r");
	char line[8192];
	int lineno = 0, bad = 0;

	if (fp == NULL) {
		cli_err(path, "%s", strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *k, *v, *eq, *e;
		const char *why;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			cli_err(path, "line %d: longer than %zu bytes", lineno,
			    sizeof(line) - 1);
			bad = 1;
			break;
		}
		if ((e = strchr(line, '#')) != NULL)
			*e = '\0';
		k = line + strspn(line, " \t");
		e = k + strlen(k);
		while (e > k && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*k == '\0')
			continue;
		if ((eq = strchr(k, '=')) == NULL) {
			cli_err(path, "line %d: expected KEY = VALUE", lineno);
			bad = 1;
			continue;
		}
		v = eq + 1 + strspn(eq + 1, " \t");
		for (e = eq; e > k && isspace((unsigned char)e[-1]); e--)
			;
		*e = '\0';
		if (*k == '\0' || *v == '\0') {
			cli_err(path, "line %d: expected KEY = VALUE", lineno);
			bad = 1;
			continue;
		}
		if ((why = setting(c, k, v)) != NULL) {
			cli_err(path, "line %d: %s: %s", lineno, k, why);
			bad = 1;
		}
	}
	fclose(fp);
	return bad ? -1 : 0;
}

/* The key table (vouch's or OpenDKIM's), and sign-headers judged once
 * by the signer: 0, or -1 said. */
static int
load_keys(struct vm_conf *c, const char *path)
{
	struct vouch_dkim_sign_params p = { 0 };
	struct vouch_dkim_signer *sg;
	struct vouch_error err = { 0 };
	const struct vouch_keytab_entry *e0;
	int ex = EX_OK;

	if (c->key_table != NULL && (c->odkim_keys || c->odkim_signing)) {
		cli_err(path, "key-table and the OpenDKIM tables: give one");
		return -1;
	}
	if ((c->odkim_keys != NULL) != (c->odkim_signing != NULL)) {
		cli_err(path, "opendkim-key-table and opendkim-signing-table "
		    "go together");
		return -1;
	}
	if (c->key_table != NULL || c->odkim_keys != NULL) {
		if (cli_keys_table(&c->ks, c->key_table != NULL ? c->key_table :
		    c->odkim_keys, c->key_table != NULL ? NULL :
		    c->odkim_signing, &ex) != 0)
			return -1;
		c->have_kt = 1;
		if (vouch_keytab_count(c->ks.t) == 0)
			cli_err(path, "warning: the key table is empty: nothing "
			    "will be signed");
	}
	if (c->arc_keyfile != NULL) {
		if ((c->arc_key = cli_keys_load(&c->ks, c->arc_keyfile, &ex)) ==
		    NULL)
			return -1;
		if (vouch_dkim_key_type(c->arc_key) != VOUCH_DKIM_RSA)
			cli_err(path, "warning: arc-sealer: an Ed25519 key; "
			    "RFC 8617 sealers use rsa-sha256, which every "
			    "verifier knows");
	}
	if (c->arc_seal == -1)
		c->arc_seal = c->arc_keyfile != NULL ? VM_SEAL_IN | VM_SEAL_OUT :
		    0;
	else if (c->arc_seal != 0 && c->arc_keyfile == NULL) {
		cli_err(path, "arc-seal needs arc-sealer = DOMAIN SELECTOR "
		    "KEYFILE");
		return -1;
	}
	if (c->sign_headers == NULL || !c->have_kt ||
	    (e0 = vouch_keytab_entry(c->ks.t, 0)) == NULL)
		return 0;
	p.domain = e0->domain;
	p.selector = e0->selector;
	p.key = e0->key;
	p.headers = c->sign_headers;
	if (vouch_dkim_signer_new(&p, 1, &sg, &err) != VOUCH_OK) {
		cli_err(path, "sign-headers: %s", err.message);
		return -1;
	}
	vouch_dkim_signer_free(sg);
	return 0;
}

/* DNS: the command line's options win over the file's. */
static int
load_dns(struct vm_conf *c, const struct cli_dns *cli)
{
	struct cli_dns d = *cli;
	int ex = EX_OK, i;

	if (d.server == NULL)
		d.server = c->dns_server;
	if (d.timeout == 0)
		d.timeout = c->dnsopt.timeout;
	if (d.nzones == 0)
		for (i = 0; i < c->ndns_zones; i++)
			d.zones[d.nzones++] = c->dns_zones[i];
	return (c->dns = cli_dns_setup(&d, NULL, &ex)) == NULL ? -1 : 0;
}

/* arc-trust, org-domain and psl into the verdict's context: 0, or -1
 * said. */
static int
load_dmarc(struct vm_conf *c, const char *path)
{
	struct vouch_error err = { 0 };
	size_t i;

	for (i = 0; i < c->arc_trust.n; i++)
		if (vouch_auth_ctx_trust_arc(c->actx, c->arc_trust.words[i]) !=
		    VOUCH_OK) {
			cli_err(path, "arc-trust: %s: out of memory",
			    c->arc_trust.words[i]);
			return -1;
		}
	if (c->psl_file != NULL && !c->org_psl) {
		cli_err(path, "psl is for org-domain = psl");
		return -1;
	}
	if (!c->org_psl)
		return 0;
	if (c->psl_file != NULL) {
		if (vouch_dmarc_psl_load(c->psl_file, &c->psl, &err) !=
		    VOUCH_OK) {
			cli_err(path, "psl: %s", err.message);
			return -1;
		}
		vouch_auth_ctx_set_psl(c->actx, c->psl);
	} else if (vouch_auth_ctx_set_org_mode(c->actx, VOUCH_DMARC_ORG_PSL) !=
	    VOUCH_OK) {
		cli_err(path, "org-domain = psl: no Public Suffix List (vouch "
		    "was built without libpsl, or the list is missing); give "
		    "psl = FILE");
		return -1;
	}
	return 0;
}

struct vm_conf *
vm_conf_load(const char *path, const struct cli_dns *cli)
{
	struct vm_conf *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		cli_err(path, "out of memory");
		return NULL;
	}
	c->refs = 1;
	c->sign_auth = 1;
	c->arc_seal = -1;
	c->hcanon = c->bcanon = VOUCH_DKIM_RELAXED;
	if (list_set(&c->internal, "127.0.0.0/8, ::1", 1, 0) != NULL)
		goto fail;
	if ((c->path = strdup(path)) == NULL || parse_file(c, path) != 0)
		goto fail;
	if (c->socket == NULL && (c->socket = strdup("inet:8893@127.0.0.1"))
	    == NULL)
		goto fail;
	if (c->authserv == NULL && (c->authserv = strdup(cli_host_name())) ==
	    NULL)
		goto fail;
	if (c->q_name == NULL && ((c->q_name = strdup("X-Spam-Flag")) == NULL
	    || (c->q_value = strdup("YES")) == NULL))
		goto fail;
	if (load_keys(c, path) != 0 || load_dns(c, cli) != 0)
		goto fail;
	if ((c->actx = vouch_auth_ctx_new(c->dns, c->authserv)) == NULL) {
		cli_err(path, "out of memory");
		goto fail;
	}
	/* old mail on request, as vouch verify --allow-sha1 --min-key-bits */
	vouch_dkim_ctx_set_legacy(vouch_auth_ctx_dkim(c->actx), c->allow_sha1,
	    c->min_key_bits);
	if (load_dmarc(c, path) != 0)
		goto fail;
	return c;
fail:
	vm_conf_free(c);
	return NULL;
}

int
vm_conf_open_store(struct vm_conf *c)
{
	struct vouch_error err = { 0 };

	if (c->report_store == NULL || c->store != NULL)
		return 0;
	/* in the background: a message never waits for the disk */
	if (vouch_report_store_open(c->report_store, &c->store, &err) ==
	    VOUCH_OK && vouch_report_store_background(c->store, &err) ==
	    VOUCH_OK)
		return 0;
	cli_err(c->path, "report-store %s: %s", c->report_store, err.message);
	return -1;
}

static void
print_list(const char *name, const struct vm_list *l)
{
	size_t i;

	printf("%s", name);
	for (i = 0; i < l->n; i++) {
		char a[INET6_ADDRSTRLEN];

		if (l->nets != NULL) {
			inet_ntop(l->nets[i].family, l->nets[i].addr, a,
			    sizeof(a));
			printf("%s %s/%u", i ? "," : "", a, l->nets[i].prefix);
		} else {
			printf("%s %s", i ? "," : "", l->words[i]);
		}
	}
	printf("%s\n", l->n == 0 ? " (none)" : "");
}

void
vm_conf_explain(const struct vm_conf *c, const char *sender)
{
	printf("configuration %s: ok\n", c->path);
	printf("socket %s\nauthserv-id %s\n", c->socket, c->authserv);
	print_list("internal-networks", &c->internal);
	print_list("peer-networks", &c->peers);
	print_list("exempt-domains", &c->exempt);
	print_list("trusted-authserv-ids", &c->trusted_ids);
	printf("sign-authenticated %s\ndmarc-reject %s\non-temperror %s\n",
	    c->sign_auth ? "yes" : "no", c->dmarc_reject ? "yes" : "no",
	    c->on_temperror == VM_TEMPFAIL ? "tempfail" : "accept");
	if (c->report_store != NULL)
		printf("report-store %s (%s)\n", c->report_store,
		    c->store != NULL ? vouch_report_store_engine(c->store) :
		    "opened when the milter starts");
	if (c->arc_keyfile != NULL)
		printf("arc-sealer d=%s s=%s, a %s %u-bit key; arc-seal %s\n",
		    c->arc_domain, c->arc_selector, vouch_dkim_key_type(
		    c->arc_key) == VOUCH_DKIM_RSA ? "rsa" : "ed25519",
		    vouch_dkim_key_bits(c->arc_key), c->arc_seal ==
		    (VM_SEAL_IN | VM_SEAL_OUT) ? "both" : c->arc_seal ==
		    VM_SEAL_IN ? "inbound" : c->arc_seal == VM_SEAL_OUT ?
		    "outbound" : "no");
	print_list("arc-trust", &c->arc_trust);
	printf("org-domain %s\nsign-by %s\n", c->org_psl ? "psl" :
	    "treewalk", c->sign_by == VM_BY_SENDER ? "sender" :
	    c->sign_by == VM_BY_ENVELOPE ? "envelope" : "from");
	printf("keys %zu loaded, %zu key table entries\n",
	    vouch_keytab_nkeys(c->ks.t), vouch_keytab_count(c->ks.t));
	if (sender != NULL) {
		const struct vouch_keytab_entry *e[16];
		size_t n = vouch_keytab_lookup(c->ks.t, sender, e, 16), j;

		if (n == 0)
			printf("sender %s: no key matches: mail from it is not "
			    "signed\n", sender);
		for (j = 0; j < n; j++) {
			char *d = vouch_keytab_domain(e[j], sender);

			printf("sender %s: sign d=%s s=%s with a %s %u-bit key "
			    "(pattern %s)\n", sender, d != NULL ? d :
			    "(none: the sender has no domain)", e[j]->selector,
			    vouch_dkim_key_type(e[j]->key) == VOUCH_DKIM_RSA ?
			    "rsa" : "ed25519", vouch_dkim_key_bits(e[j]->key),
			    e[j]->pattern);
			vouch_free(d);
		}
	}
}
