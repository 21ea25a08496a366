/* Timing shared by the in-process benchmarks: medians of ROUNDS runs. */
#ifndef VOUCH_BENCH_UTIL_H
#define VOUCH_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ROUNDS 7

static inline double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Microseconds per call of f(arg), the median of ROUNDS runs of n calls. */
static inline double
time_us(void (*f)(void *), void *arg, int n)
{
	double r[ROUNDS];
	int k, i;

	for (k = 0; k < ROUNDS; k++) {
		double t = now();

		for (i = 0; i < n; i++)
			f(arg);
		r[k] = (now() - t) / n * 1e6;
	}
	qsort(r, ROUNDS, sizeof(r[0]), cmp);
	return r[ROUNDS / 2];
}

/* The message every benchmark signs and verifies: a plain 4 KB mail from
 * bench@example.com to `to` with Message-ID `id`, written into buf (at
 * least 4 KB); its length. */
static inline size_t
bench_message(char *buf, size_t size, const char *to, const char *id)
{
	size_t n;

	n = (size_t)snprintf(buf, size, "From: Bench <bench@example.com>\r\n"
	    "To: %s\r\nSubject: benchmark message\r\n"
	    "Date: Mon, 2 Nov 2026 10:00:00 +0000\r\n"
	    "Message-ID: <%s>\r\n\r\n", to, id);
	while (n < 4096 - 80 && n < size)
		n += (size_t)snprintf(buf + n, size - n, "%s", "The quick "
		    "brown fox jumps over the lazy dog, again and again.\r\n");
	return n < size ? n : size - 1;
}

#endif
