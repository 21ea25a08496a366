/* Internals of the DNS layer; nothing outside dns/ includes this. */
#ifndef VOUCH_DNS_INT_H
#define VOUCH_DNS_INT_H

#include <pthread.h>
#include <stdint.h>
#include <vouch/dns.h>

#define VOUCH_DNS_MAX_CNAME 8	/* chain length before we call it a loop */
#define VOUCH_DNS_MAX_RR 4096	/* records kept from one answer */

struct dns_rr {
	uint32_t ttl;
	unsigned int pref;	/* MX preference */
	size_t len;
	unsigned char *data;	/* NUL appended */
	size_t nstr;		/* TXT: character-strings */
	size_t longest;		/* TXT: longest character-string */
};

struct vouch_dns_answer {
	int refs;		/* atomic */
	enum vouch_dns_rcode rcode;
	uint16_t type;
	uint32_t ttl;
	size_t n, size;
	struct dns_rr *rr;
	char *cname;		/* set by a backend: "follow this alias" */
};

struct vouch_dns_answer *dns_answer_new(uint16_t type,
    enum vouch_dns_rcode rcode, uint32_t ttl);
enum vouch_status dns_answer_add(struct vouch_dns_answer *a,
    const void *data, size_t len, unsigned int pref, uint32_t ttl,
    size_t nstr, size_t longest);
struct vouch_dns_answer *dns_answer_ref(struct vouch_dns_answer *a);

/* Record store, filled from zone files; read-only once queries start. */
struct dns_store;
struct dns_store *dns_store_new(void);
void dns_store_free(struct dns_store *s);
enum vouch_status dns_store_add(struct dns_store *s, const char *name,
    uint16_t type, const void *data, size_t len, unsigned int pref,
    uint32_t ttl, size_t nstr, size_t longest);
/* NULL when the name is absent; else an answer (ANSWER, NODATA, or a
 * CNAME alias to follow). */
enum vouch_status dns_store_lookup(struct dns_store *s, const char *name,
    uint16_t type, struct vouch_dns_answer **out);
/* replace: names in the file drop what earlier loads gave them. */
enum vouch_status dns_store_load_file(struct dns_store *s, const char *path,
    const char *origin, int replace, struct vouch_error *err);
enum vouch_status dns_store_add_line(struct dns_store *s, const char *line,
    struct vouch_error *err);

/* Where a converted record goes. */
typedef enum vouch_status (*dns_rr_sink)(void *arg, const char *owner,
    uint16_t type, const void *data, size_t len, unsigned int pref,
    uint32_t ttl, size_t nstr, size_t longest);
/* Convert one ldns_rr (passed as void so this header needs no ldns). */
enum vouch_status dns_rr_convert(const void *ldnsrr, dns_rr_sink sink,
    void *arg);

/* Live resolver on ldns. */
struct dns_live;
enum vouch_status dns_live_new(struct dns_live **out, const char *server,
    struct vouch_error *err);
void dns_live_free(struct dns_live *l);
enum vouch_status dns_live_query(struct dns_live *l, const char *name,
    uint16_t type, unsigned int timeout_ms, unsigned int tries,
    struct vouch_dns_answer **out);
/* Read a response (ldns_pkt) to a query (ldns_pkt) into a. */
enum vouch_status dns_pkt_answer(const void *query, const void *response,
    const char *name, uint16_t type, struct vouch_dns_answer *a);

/* TTL cache. */
struct dns_cache;
struct dns_cache *dns_cache_new(size_t max);
void dns_cache_free(struct dns_cache *c);
void dns_cache_set_max(struct dns_cache *c, size_t max);
struct vouch_dns_answer *dns_cache_get(struct dns_cache *c, const char *name,
    uint16_t type, int64_t now);
void dns_cache_put(struct dns_cache *c, const char *name, uint16_t type,
    struct vouch_dns_answer *a, int64_t expires);

uint64_t dns_hash(const char *name, uint16_t type);

/* Names and strings in master-file form (dns_name.c): the one parser of
 * asked names and the one zone-file writer. */
#define DNS_NAME_WIRE_MAX 255	/* RFC 1035 2.3.4 */
#define DNS_ZONE_NAME_TEXT_MAX 253	/* escaped, + final dot: ldns's
					 * LDNS_MAX_DOMAINLEN token */
struct vbuf;
int dns_name_wire(const char *name, unsigned char *wire, size_t *wlen);
int dns_name_valid(const char *name);
/* VOUCH_E_LIMIT (nothing written) when the escaped form is too long for
 * a master-file reader: such an answer is not recorded. */
enum vouch_status dns_zone_put_name(struct vbuf *b, const char *name);
/* For comments: the name, or as much as is safe, never failing on it. */
enum vouch_status dns_zone_put_name_any(struct vbuf *b, const char *name);
enum vouch_status dns_zone_put_string(struct vbuf *b, const unsigned char *p,
    size_t n);
enum vouch_status dns_zone_put_txt(struct vbuf *b, const unsigned char *p,
    size_t n, size_t split);

/* --dns-record: answers written as they are used (dns_record.c). */
struct dns_recorder;
struct dns_recorder *dns_recorder_open(const char *path,
    struct vouch_error *err);
void dns_recorder_close(struct dns_recorder *r);
void dns_recorder_add(struct dns_recorder *r, const char *name,
    unsigned int type, const struct vouch_dns_answer *a);

/* Do this handle's queries go to the network (and may wait)?  Not for
 * zone files and records only. */
int vouch__dns_waits(const struct vouch_dns *d);
/* Ask name on a thread of its own and let the answer land in the cache:
 * a later query of it joins the one on the wire (in-flight sharing) or
 * finds the answer.  Nothing for handles that do not wait.
 * vouch_dns_free() waits for those still running. */
void vouch__dns_prefetch(struct vouch_dns *d, const char *name,
    enum vouch_dns_type type);

#endif
