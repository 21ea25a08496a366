/*
 * Parsed SPF records, kept by their text: the same few records (a
 * provider's include, the sender's own) are checked message after
 * message, and parsing was a quarter of a check.  The key is the whole
 * record text, so a record that changed in DNS is parsed again; only
 * records that parse are kept (errors are reported every time).  Bounded:
 * SPF_CACHE_SLOTS entries of at most SPF_CACHE_MAX_TEXT bytes each
 * (longer records are parsed every time); an entry is referenced while in
 * use, so a thread may replace it while another still reads it.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spf_int.h"
#include "common/util.h"

#define SPF_CACHE_SLOTS 1024		/* a power of two */
#define SPF_CACHE_MAX_TEXT 2048

struct spf_cached {
	struct spf_record rec;	/* its terms point into text */
	char *text;
	size_t len;
	unsigned int refs;	/* the slot's and each user's */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct spf_cached *slots[SPF_CACHE_SLOTS];

static uint32_t
hash(const char *p, size_t n)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	while (n-- > 0)
		h = (h ^ (unsigned char)*p++) * 16777619u;
	return h;
}

static void
unref(struct spf_cached *e)
{
	/* under mu */
	if (e != NULL && --e->refs == 0) {
		spf_record_clear(&e->rec);
		free(e->text);
		free(e);
	}
}

enum vouch_status
spf_cache_get(const char *txt, size_t len, const struct spf_record **rec,
    struct spf_cached **ref, struct vouch_error *err)
{
	size_t i = hash(txt, len) & (SPF_CACHE_SLOTS - 1);
	struct spf_cached *e;
	enum vouch_status st;

	pthread_mutex_lock(&mu);
	e = slots[i];
	if (e != NULL && e->len == len && memcmp(e->text, txt, len) == 0) {
		e->refs++;
		pthread_mutex_unlock(&mu);
		*rec = &e->rec;
		*ref = e;
		return VOUCH_OK;
	}
	pthread_mutex_unlock(&mu);
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->text = malloc(len + 1)) == NULL) {
		free(e);
		return vouch__err(err, VOUCH_E_NOMEM, NULL, -1, "out of memory");
	}
	memcpy(e->text, txt, len);
	e->text[len] = '\0';
	e->len = len;
	if ((st = spf_record_parse(e->text, len, &e->rec, err)) != VOUCH_OK) {
		free(e->text);
		free(e);
		return st;
	}
	e->refs = 1;		/* the caller's */
	if (len <= SPF_CACHE_MAX_TEXT) {
		pthread_mutex_lock(&mu);
		unref(slots[i]);
		slots[i] = e;
		e->refs++;	/* the slot's */
		pthread_mutex_unlock(&mu);
	}
	*rec = &e->rec;
	*ref = e;
	return VOUCH_OK;
}

void
spf_cache_put(struct spf_cached *ref)
{
	pthread_mutex_lock(&mu);
	unref(ref);
	pthread_mutex_unlock(&mu);
}
