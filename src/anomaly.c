/*
 * anomaly.c -- robust online anomaly scores, EWMA and Holt forecasts.
 *
 * The window is kept twice: as a ring in arrival order (to know which
 * value leaves) and sorted (so the median is read in constant time and
 * the MAD in O(log W) from the deviations on either side of the
 * median).  An update moves at most two runs of the sorted array.
 */
#include "anomaly.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* MAD of normal data over its mean absolute deviation: 0.6745 / 0.7979,
 * to stand in for a MAD of 0 when most of the window is one value. */
#define MEANAD_TO_MAD	0.8453
/* A spacing longer than this many steps is a gap in the timeline (a
 * clock step, a pause), not the sampling interval: it moves the smoothed
 * step as if it were this long.  A sampling that really slows down is
 * still followed, by 10% of the step per value. */
#define GAP_STEPS	2.0

void
anomaly_init(struct anomaly *a, int window, double threshold, int direction)
{
	memset(a, 0, sizeof *a);
	if (window <= 0)
		window = ANOMALY_WINDOW_DEFAULT;
	if (window < ANOMALY_MIN_HISTORY)
		window = ANOMALY_MIN_HISTORY;
	if (window > ANOMALY_WINDOW_MAX)
		window = ANOMALY_WINDOW_MAX;
	a->window = window;
	/* one block: the ring, then the sorted copy */
	a->ring = xcalloc(2 * (size_t)window, sizeof *a->ring);
	a->sorted = a->ring + window;
	a->threshold = threshold > 0 && isfinite(threshold) ? threshold :
	    ANOMALY_THRESHOLD_DEFAULT;
	a->direction = direction > 0 ? ANOMALY_HIGH :
	    direction < 0 ? ANOMALY_LOW : ANOMALY_BOTH;
	a->abs_floor = ANOMALY_ABS_FLOOR;
	a->rel_floor = ANOMALY_REL_FLOOR;
	a->horizon_s = ANOMALY_HORIZON_S;
	anomaly_reset(a);
}

void
anomaly_free(struct anomaly *a)
{
	free(a->ring);
	a->ring = a->sorted = NULL;
}

void
anomaly_set_floor(struct anomaly *a, double abs_floor, double rel_floor)
{
	a->abs_floor = abs_floor > 0 && isfinite(abs_floor) ? abs_floor : 0;
	a->rel_floor = rel_floor > 0 && isfinite(rel_floor) ? rel_floor : 0;
}

void
anomaly_set_horizon(struct anomaly *a, double horizon_s)
{
	a->horizon_s = horizon_s > 0 && isfinite(horizon_s) ? horizon_s :
	    ANOMALY_HORIZON_S;
}

void
anomaly_reset(struct anomaly *a)
{
	a->n = 0;
	a->head = 0;
	a->run = 0;
	a->last_ms = 0;
	a->step_s = NAN;
	stats_ewma_init_time(&a->ewma, ANOMALY_EWMA_HALFLIFE_S);
	stats_holt_init(&a->holt, ANOMALY_HOLT_ALPHA, ANOMALY_HOLT_BETA);
}

/* First index in s[0..n) whose value is >= v (upper: > v). */
static int
bound(const double *s, int n, double v, int upper)
{
	int lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s[mid] < v || (upper && s[mid] == v))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
window_push(struct anomaly *a, double v)
{
	int i;

	if (a->n == a->window) {
		/* the ring is full: a->head holds the oldest value */
		i = bound(a->sorted, a->n, a->ring[a->head], 0);
		if (i >= a->n)
			i = a->n - 1;	/* cannot happen: it is there */
		memmove(&a->sorted[i], &a->sorted[i + 1],
		    (a->n - i - 1) * sizeof a->sorted[0]);
		a->n--;
	}
	i = bound(a->sorted, a->n, v, 1);
	memmove(&a->sorted[i + 1], &a->sorted[i],
	    (a->n - i) * sizeof a->sorted[0]);
	a->sorted[i] = v;
	a->n++;
	a->ring[a->head] = v;
	a->head = (a->head + 1) % a->window;
}

static double
mean_abs_dev(const double *s, int n, double median)
{
	double sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += fabs(s[i] - median);
	return sum / n;
}

/* The forecast figures from the current state. */
static void
fill_forecast(const struct anomaly *a, struct anomaly_result *out)
{
	double steps;

	out->ewma = a->ewma.value;
	out->horizon_s = a->horizon_s;
	out->rate = out->next = out->forecast = out->lo = out->hi = NAN;
	if (a->holt.n == 0)
		return;
	out->next = stats_holt_forecast(&a->holt, 1);
	if (!(a->step_s > 0))
		return;
	out->rate = a->holt.trend / a->step_s;
	steps = a->horizon_s / a->step_s;
	out->forecast = stats_holt_interval95(&a->holt, steps, &out->lo,
	    &out->hi);
}

void
anomaly_update(struct anomaly *a, int64_t ts_ms, double v,
    struct anomaly_result *out)
{
	double med, mad, scale, floor, z = NAN, fed = v, dt;
	int outlier = 0;

	out->score = NAN;
	out->flagged = 0;
	out->median = out->scale = NAN;
	if (!isfinite(v)) {
		fill_forecast(a, out);
		return;
	}

	if (a->n >= ANOMALY_MIN_HISTORY) {
		med = stats_sorted_median(a->sorted, a->n);
		mad = stats_sorted_mad(a->sorted, a->n, med);
		/* most of the window one value (a count that is mostly 0):
		 * the mean absolute deviation still sees the rest */
		scale = mad > 0 ? mad :
		    MEANAD_TO_MAD * mean_abs_dev(a->sorted, a->n, med);
		floor = a->rel_floor * fabs(med);
		if (floor < a->abs_floor)
			floor = a->abs_floor;
		if (scale < floor)
			scale = floor;
		z = stats_robust_z(v, med, scale, 0);
		outlier = fabs(z) > a->threshold;
		if (a->direction > 0)
			out->flagged = z > a->threshold;
		else if (a->direction < 0)
			out->flagged = z < -a->threshold;
		else
			out->flagged = outlier;
		out->score = z;
		out->median = med;
		out->scale = scale > STATS_MAD_EPSILON ? scale :
		    STATS_MAD_EPSILON;
		/* a spike (fewer than ANOMALY_SPIKE_RUN outliers in a row)
		 * reaches the forecaster clipped to the threshold, so one
		 * bad sample does not throw the trend; a run that goes on
		 * is a new level and passes as it is */
		if (outlier && a->run + 1 < ANOMALY_SPIKE_RUN)
			fed = med + (z > 0 ? 1 : -1) * a->threshold *
			    out->scale / 0.6745;
	}
	a->run = outlier ? a->run + 1 : 0;

	if (a->holt.n > 0 && ts_ms > a->last_ms) {
		dt = (double)(ts_ms - a->last_ms) / 1000;
		if (isnan(a->step_s))
			a->step_s = dt;
		else {
			if (dt > GAP_STEPS * a->step_s)
				dt = GAP_STEPS * a->step_s;
			a->step_s += 0.1 * (dt - a->step_s);
		}
	}
	if (a->holt.n == 0 || ts_ms > a->last_ms)
		a->last_ms = ts_ms;
	stats_holt_update(&a->holt, fed);
	stats_ewma_update(&a->ewma, ts_ms, v);
	window_push(a, v);
	fill_forecast(a, out);
}
