/*
 * stats.c -- small statistics on plain arrays.
 */
#include "stats.h"

#include <math.h>
#include <stdlib.h>

static int
bucket_cmp(const void *a, const void *b)
{
	const struct stats_bucket *x = a, *y = b;

	if (x->le < y->le)
		return -1;
	return x->le > y->le;
}

void
stats_buckets_sort(struct stats_bucket *b, size_t n)
{
	qsort(b, n, sizeof *b, bucket_cmp);
}

double
stats_histogram_quantile(double q, const struct stats_bucket *b, size_t n)
{
	double total, rank, lo, lo_count;
	size_t i;

	if (n < 2 || !isinf(b[n - 1].le) || b[n - 1].le < 0 || isnan(q))
		return NAN;
	if (q < 0)
		return -INFINITY;
	if (q > 1)
		return INFINITY;
	total = b[n - 1].count;
	if (!(total > 0))
		return NAN;
	rank = q * total;
	for (i = 0; i < n - 1; i++) {
		/* counts are cumulative; a bucket below its predecessor
		 * (scrape racing an observation) is treated as equal */
		if (b[i].count >= rank)
			break;
	}
	if (i == n - 1)
		return b[n - 2].le;
	if (i == 0) {
		if (b[0].le <= 0)
			return b[0].le;
		lo = 0;
		lo_count = 0;
	} else {
		lo = b[i - 1].le;
		lo_count = b[i - 1].count;
	}
	if (b[i].count - lo_count <= 0)
		return b[i].le;
	return lo + (b[i].le - lo) * (rank - lo_count) /
	    (b[i].count - lo_count);
}
