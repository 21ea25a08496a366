/* Timing shared by the in-process benchmarks: medians of ROUNDS runs. */
#ifndef VOUCH_BENCH_UTIL_H
#define VOUCH_BENCH_UTIL_H

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

/* Microseconds per call of fn, the median of ROUNDS runs of n calls. */
static inline double
median_us(void (*fn)(void), int n)
{
	double r[ROUNDS];
	int k, i;

	for (k = 0; k < ROUNDS; k++) {
		double t = now();

		for (i = 0; i < n; i++)
			fn();
		r[k] = (now() - t) / n * 1e6;
	}
	qsort(r, ROUNDS, sizeof(r[0]), cmp);
	return r[ROUNDS / 2];
}

#endif
