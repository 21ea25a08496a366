/*
 * The summary of an archive run (include/vouch/archive.h): counts by key
 * ("dkim pass", "reason dkim body hash mismatch", "domain example.com")
 * in a small open-addressing table, and the text a person reads.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vouch/archive.h>
#include "common/buf.h"

struct tent {
	char *key;
	unsigned long n, pass, fail;
};

struct vouch_summary {
	pthread_mutex_t mu;
	struct tent *t;
	size_t size, used;
	unsigned long messages, signatures, legacy;
};

enum vouch_status
vouch_summary_new(struct vouch_summary **out)
{
	struct vouch_summary *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return VOUCH_E_NOMEM;
	pthread_mutex_init(&s->mu, NULL);
	*out = s;
	return VOUCH_OK;
}

void
vouch_summary_free(struct vouch_summary *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->size; i++)
		free(s->t[i].key);
	free(s->t);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static uint64_t
hash(const char *p)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

static int
grow(struct vouch_summary *y)
{
	size_t nsize = y->size ? y->size * 2 : 256, i, k;
	struct tent *nt = calloc(nsize, sizeof(*nt));

	if (nt == NULL)
		return -1;
	for (k = 0; k < y->size; k++) {
		if (y->t[k].key == NULL)
			continue;
		for (i = hash(y->t[k].key) & (nsize - 1); nt[i].key != NULL;
		    i = (i + 1) & (nsize - 1))
			;
		nt[i] = y->t[k];
	}
	free(y->t);
	y->t = nt;
	y->size = nsize;
	return 0;
}

static struct tent *
get(struct vouch_summary *y, const char *key)
{
	size_t i;

	if (y->used * 2 >= y->size && grow(y) != 0)
		return NULL;
	for (i = hash(key) & (y->size - 1); y->t[i].key != NULL; i = (i + 1) &
	    (y->size - 1))
		if (strcmp(y->t[i].key, key) == 0)
			return &y->t[i];
	if ((y->t[i].key = strdup(key)) == NULL)
		return NULL;
	y->used++;
	return &y->t[i];
}

/* Count the key prefix + value; pass: 1 a pass, 0 a failure, -1 neither.
 * Text from the message is cut and kept on one line. */
static void
count(struct vouch_summary *y, int pass, const char *prefix, const char *value)
{
	char key[512];
	struct tent *e;
	size_t i;

	snprintf(key, sizeof(key), "%s%.300s", prefix, value);
	for (i = 0; key[i] != '\0'; i++)
		if (key[i] == '\r' || key[i] == '\n' || key[i] == '\t')
			key[i] = ' ';
	if ((e = get(y, key)) == NULL)
		return;
	e->n++;
	if (pass == 1)
		e->pass++;
	else if (pass == 0)
		e->fail++;
}

void
vouch_summary_add(struct vouch_summary *y, const struct vouch_auth *a)
{
	size_t i, n = vouch_auth_dkim_count(a);

	pthread_mutex_lock(&y->mu);
	y->messages++;
	y->signatures += n;
	if (n == 0)
		count(y, -1, "dkim none", "");
	for (i = 0; i < n; i++) {
		const struct vouch_dkim_sig *g = vouch_auth_dkim_sig(a, i);
		int pass = g->result == VOUCH_DKIM_PASS;

		count(y, -1, "dkim ", vouch_dkim_result_name(g->result));
		if (pass && g->legacy)
			y->legacy++;
		count(y, pass, "domain ", g->domain[0] ? g->domain : "(none)");
		if (!pass)
			count(y, -1, "reason dkim ", g->reason);
	}
	if (vouch_auth_spf(a) != NULL)
		count(y, -1, "spf ", vouch_spf_result_name(
		    vouch_auth_spf(a)->result));
	count(y, -1, "dmarc ", vouch_dmarc_result_name(
	    vouch_auth_dmarc(a)->result));
	if (vouch_auth_arc(a)->result != VOUCH_ARC_NONE)
		count(y, -1, "arc ", vouch_arc_result_name(
		    vouch_auth_arc(a)->result));
	pthread_mutex_unlock(&y->mu);
}

static int
tent_cmp(const void *a, const void *b)
{
	const struct tent *x = a, *y = b;

	if (x->key == NULL || y->key == NULL)
		return (x->key == NULL) - (y->key == NULL);
	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->key, y->key);
}

/* Entries (sorted, t[0..n)) whose key starts with prefix, up to max. */
static void
section(struct vbuf *b, const struct tent *t, size_t n, const char *prefix,
    size_t max, int domains)
{
	size_t i, shown = 0, k = strlen(prefix);

	for (i = 0; i < n && shown < max; i++) {
		if (strncmp(t[i].key, prefix, k) != 0)
			continue;
		if (domains)
			vbuf_printf(b, "  %8lu / %-8lu  %s\n", t[i].pass,
			    t[i].fail, t[i].key + k);
		else
			vbuf_printf(b, "  %8lu  %s\n", t[i].n, t[i].key + k);
		shown++;
	}
	if (shown == 0 && !domains)
		vbuf_adds(b, "  (none)\n");
}

char *
vouch_summary_text(struct vouch_summary *y)
{
	static const char *sect[] = { "dkim ", "spf ", "dmarc ", "arc " };
	struct tent *t = NULL;
	struct vbuf b;
	size_t i, k, n = 0;

	vbuf_init(&b, 1u << 24);
	pthread_mutex_lock(&y->mu);
	/* a sorted copy: the table itself stays as it is */
	if (y->used > 0 && (t = malloc(y->used * sizeof(*t))) != NULL)
		for (i = 0; i < y->size; i++)
			if (y->t[i].key != NULL)
				t[n++] = y->t[i];
	if (t != NULL)
		qsort(t, n, sizeof(*t), tent_cmp);
	vbuf_printf(&b, "messages: %lu\nsignatures: %lu (legacy pass %lu)\n",
	    y->messages, y->signatures, y->legacy);
	for (k = 0; k < 4; k++) {
		int first = 1;

		for (i = 0; i < n; i++)
			if (strncmp(t[i].key, sect[k], strlen(sect[k])) == 0) {
				vbuf_printf(&b, "%s%s %lu", first ? "" : ", ",
				    t[i].key, t[i].n);
				first = 0;
			}
		if (!first)
			vbuf_addc(&b, '\n');
	}
	vbuf_adds(&b, "top failure reasons:\n");
	section(&b, t, n, "reason ", 10, 0);
	vbuf_adds(&b, "signing domains (pass / fail):\n");
	section(&b, t, n, "domain ", 20, 1);
	pthread_mutex_unlock(&y->mu);
	free(t);
	return vbuf_take(&b, NULL);
}
