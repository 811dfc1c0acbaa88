/*
 * stats.h -- small statistics on plain arrays, with no knowledge of the
 * rest of the program.
 */
#ifndef MODELTOP_STATS_H
#define MODELTOP_STATS_H

#include <stddef.h>

/* One histogram bucket: upper bound (le) and cumulative count. */
struct stats_bucket {
	double	le;
	double	count;
};

/* Sort buckets by le, ascending (le = +Inf last). */
void stats_buckets_sort(struct stats_bucket *b, size_t n);

/* The q-quantile (0 <= q <= 1) of a histogram given by cumulative buckets
 * sorted by le, the last being +Inf, with Prometheus's
 * histogram_quantile semantics: linear interpolation inside the bucket
 * where the rank falls, the lower bound of the first bucket taken as 0
 * (when its le is positive), and the upper bound of the last finite
 * bucket when the rank falls in +Inf.  NAN when there are no
 * observations, fewer than two buckets, or no +Inf bucket. */
double stats_histogram_quantile(double q, const struct stats_bucket *b,
    size_t n);

#endif
