/*
 * TTL cache of live answers, shared by every thread of a process.  Bounded
 * in entries; the least recently used entry goes first.  Answers are
 * reference counted, so a hit hands out the cached object itself.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns_int.h"

struct centry {
	char *name;
	uint16_t type;
	uint64_t hash;
	int64_t expires;
	struct vouch_dns_answer *ans;
	struct centry *hnext;		/* bucket chain */
	struct centry *prev, *next;	/* LRU list, most recent first */
};

struct dns_cache {
	pthread_mutex_t mu;
	struct centry **tab;
	size_t nbuckets, n, max;
	struct centry *head, *tail;
};

struct dns_cache *
dns_cache_new(size_t max)
{
	struct dns_cache *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->nbuckets = 1024;
	if ((c->tab = calloc(c->nbuckets, sizeof(*c->tab))) == NULL) {
		free(c);
		return NULL;
	}
	c->max = max;
	pthread_mutex_init(&c->mu, NULL);
	return c;
}

static void
unlink_entry(struct dns_cache *c, struct centry *e)
{
	struct centry **pp = &c->tab[e->hash % c->nbuckets];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	c->n--;
	vouch_dns_answer_free(e->ans);
	free(e->name);
	free(e);
}

void
dns_cache_free(struct dns_cache *c)
{
	if (c == NULL)
		return;
	while (c->head != NULL)
		unlink_entry(c, c->head);
	pthread_mutex_destroy(&c->mu);
	free(c->tab);
	free(c);
}

void
dns_cache_set_max(struct dns_cache *c, size_t max)
{
	pthread_mutex_lock(&c->mu);
	c->max = max;
	while (c->n > c->max)
		unlink_entry(c, c->tail);
	pthread_mutex_unlock(&c->mu);
}

static struct centry *
lookup(struct dns_cache *c, const char *name, uint16_t type, uint64_t h)
{
	struct centry *e;

	for (e = c->tab[h % c->nbuckets]; e != NULL; e = e->hnext)
		if (e->hash == h && e->type == type &&
		    strcasecmp(e->name, name) == 0)
			return e;
	return NULL;
}

struct vouch_dns_answer *
dns_cache_get(struct dns_cache *c, const char *name, uint16_t type,
    int64_t now)
{
	struct vouch_dns_answer *a = NULL;
	uint64_t h = dns_hash(name, type);
	struct centry *e;

	pthread_mutex_lock(&c->mu);
	if ((e = lookup(c, name, type, h)) != NULL) {
		if (e->expires <= now) {
			unlink_entry(c, e);
		} else {
			a = dns_answer_ref(e->ans);
			if (e != c->head) {	/* move to front */
				e->prev->next = e->next;
				if (e->next != NULL)
					e->next->prev = e->prev;
				else
					c->tail = e->prev;
				e->prev = NULL;
				e->next = c->head;
				c->head->prev = e;
				c->head = e;
			}
		}
	}
	pthread_mutex_unlock(&c->mu);
	return a;
}

void
dns_cache_put(struct dns_cache *c, const char *name, uint16_t type,
    struct vouch_dns_answer *a, int64_t expires)
{
	uint64_t h = dns_hash(name, type);
	struct centry *e;

	pthread_mutex_lock(&c->mu);
	if (c->max == 0)
		goto out;
	if ((e = lookup(c, name, type, h)) != NULL)
		unlink_entry(c, e);
	while (c->n >= c->max)
		unlink_entry(c, c->tail);
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->name = strdup(name)) == NULL) {
		free(e);
		goto out;	/* a cache that cannot grow just misses */
	}
	e->type = type;
	e->hash = h;
	e->expires = expires;
	e->ans = dns_answer_ref(a);
	e->hnext = c->tab[h % c->nbuckets];
	c->tab[h % c->nbuckets] = e;
	e->next = c->head;
	if (c->head != NULL)
		c->head->prev = e;
	c->head = e;
	if (c->tail == NULL)
		c->tail = e;
	c->n++;
out:
	pthread_mutex_unlock(&c->mu);
}
