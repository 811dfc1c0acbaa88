/*
 * stats.h -- small statistics on plain numbers, with no knowledge of the
 * rest of the program: histogram quantiles, EWMA and rates, least
 * squares, t quantiles, median/MAD and robust z-scores, Holt forecasts.
 * Nothing here allocates.
 */
#ifndef MODELTOP_STATS_H
#define MODELTOP_STATS_H

#include <stddef.h>
#include <stdint.h>

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

/*
 * Exponentially weighted moving average.  Either per sample (a fixed
 * alpha, the weight of each new value) or per time (the weight of a new
 * value grows with the time since the previous one, so that a gap in the
 * samples counts as the time it lasted).  Zero-initialising is not
 * enough: use stats_ewma_init or stats_ewma_init_time.
 */
struct stats_ewma {
	double	 alpha;		/* weight of a new value (per sample) */
	double	 halflife_ms;	/* > 0: per time, with this half-life */
	double	 value;		/* NAN until the first value */
	int64_t	 last_ms;	/* time of the last value (per time) */
	uint64_t n;		/* values taken */
};

/* The per-sample alpha whose weights halve every halflife samples:
 * 1 - 2^(-1/halflife).  1 (no smoothing) when halflife <= 0 or NAN. */
double stats_alpha_halflife(double halflife);

/* Start a per-sample EWMA with weight alpha (clamped to (0, 1]; an
 * invalid alpha means 1). */
void stats_ewma_init(struct stats_ewma *e, double alpha);

/* Start a per-time EWMA with a half-life of halflife_s seconds: a value
 * dt seconds after the previous one gets weight 1 - 2^(-dt/halflife_s).
 * An invalid half-life (<= 0, NAN) means no smoothing. */
void stats_ewma_init_time(struct stats_ewma *e, double halflife_s);

/* Take value v at ts_ms (the time matters only per time) and return the
 * new average.  A non-finite v is skipped (the average is returned
 * unchanged, NAN before the first value).  The first value is taken as
 * it is.  Per time, a value no later than the previous one gets no
 * weight. */
double stats_ewma_update(struct stats_ewma *e, int64_t ts_ms, double v);

/* Per-second rate of change of a gauge between two samples:
 * (v1 - v0) / (t1 - t0) in seconds.  NAN when t1 <= t0 or a value is not
 * finite. */
double stats_rate(int64_t t0_ms, double v0, int64_t t1_ms, double v1);

/* Per-second rate of a counter between two samples, like stats_rate but
 * a decrease is a reset: the counter restarted from 0, so the increase is
 * v1.  NAN when t1 <= t0, a value is not finite or negative. */
double stats_counter_rate(int64_t t0_ms, double v0, int64_t t1_ms,
    double v1);

/*
 * Ordinary least squares of v on t.  The sums are taken about the means
 * (two passes), so absolute epoch seconds fit as well as small ones.
 */
struct stats_linreg {
	size_t	n;		/* points used (both coordinates finite) */
	double	slope;		/* units of v per unit of t */
	double	intercept;	/* the fitted value at the first used t */
	double	slope_se;	/* standard error of the slope; NAN n < 3 */
	double	r2;		/* coefficient of determination; NAN when
				   v does not vary */
	double	resid_sd;	/* residual standard deviation (n - 2
				   degrees of freedom); NAN when n < 3 */
	double	t_first;	/* the first used t */
	double	t_mean, v_mean;	/* means of the used points */
	double	sxx;		/* sum of (t - t_mean)^2 */
};

/* Fit v = intercept + slope * (t - t_first) over the n points (t[i],
 * v[i]), skipping points with a non-finite coordinate; t need not be
 * sorted.  Returns 0 with *out filled, or -1 when fewer than two points
 * are usable or every t is the same (*out then holds n and NANs). */
int stats_linreg(const double *t, const double *v, size_t n,
    struct stats_linreg *out);

/* The two-sided 95% confidence interval of the slope, slope +- t(0.975,
 * n - 2) * slope_se, into *lo and *hi (NAN when n < 3). */
void stats_linreg_slope_ci95(const struct stats_linreg *r, double *lo,
    double *hi);

/*
 * The same fit from running sums, for a sliding window: points are added
 * and removed in O(1).  The sums are taken about a reference point
 * (t_ref, v_ref) chosen near the data, which keeps the cancellation in
 * sum(t^2) - sum(t)^2 / n small; re-centre (stats_linsum_init at the
 * window's mean, then add the points again) now and then to shed the
 * rounding that removals leave behind.
 */
struct stats_linsum {
	double	n;
	double	t_ref, v_ref;
	double	st, sv, stt, stv, svv;	/* about the reference */
};

/* Empty sums about (t_ref, v_ref). */
void stats_linsum_init(struct stats_linsum *s, double t_ref, double v_ref);

/* Add or remove the point (t, v); both must be finite (others are
 * ignored).  Removing a point that was not added leaves nonsense. */
void stats_linsum_add(struct stats_linsum *s, double t, double v);
void stats_linsum_remove(struct stats_linsum *s, double t, double v);

/* Fit the points in the sums, as stats_linreg, except that the
 * intercept is the fitted value at t_first (the caller's first t, which
 * the sums do not know).  Returns 0, or -1 with fewer than two points or
 * no spread in t. */
int stats_linsum_fit(const struct stats_linsum *s, double t_first,
    struct stats_linreg *out);

/* The p-quantile of the standard normal distribution (0 < p < 1), to
 * full double precision.  -Inf at 0, +Inf at 1, NAN outside [0, 1]. */
double stats_normal_quantile(double p);

/* The p-quantile of Student's t distribution with df > 0 degrees of
 * freedom (0 < p < 1), by inverting the regularised incomplete beta
 * function; accurate to about 1e-10.  Costs some microseconds: in loops
 * use stats_t975.  NAN on invalid arguments. */
double stats_t_quantile(double p, double df);

/* t(0.975, df), the factor of a two-sided 95% interval, in constant time:
 * a table up to 30 degrees of freedom, then the Cornish-Fisher expansion
 * (error below 1e-7).  NAN when df < 1. */
double stats_t975(int df);

/* Median of the n values of x, ignoring NANs; NAN when none is left.
 * scratch holds at least n doubles and is overwritten; it may be x
 * itself (x is then reordered).  No allocation. */
double stats_median(const double *x, size_t n, double *scratch);

/* Median absolute deviation about median: the median of |x[i] - median|,
 * ignoring NANs, unscaled (for normal data it is 0.6745 sigma).  scratch
 * as for stats_median (it may be x: x is then overwritten). */
double stats_mad(const double *x, size_t n, double median, double *scratch);

/* The median of n values sorted ascending (no NANs), in constant time;
 * NAN when n is 0. */
double stats_sorted_median(const double *s, size_t n);

/* The MAD of n values sorted ascending (no NANs) about median, in
 * O(log n) without scratch: the deviations on either side of the median
 * are already sorted, and the median of the two runs is found by
 * bisection.  NAN when n is 0. */
double stats_sorted_mad(const double *s, size_t n, double median);

/* Below this the MAD counts as zero in stats_robust_z. */
#define STATS_MAD_EPSILON 1e-12

/* Robust z-score 0.6745 * (x - median) / max(mad, floor,
 * STATS_MAD_EPSILON): about the number of standard deviations x lies
 * from the median for normal data, but unmoved by outliers.  A value
 * equal to the median scores 0 even when the MAD is 0; any other value
 * then scores high (scaled by the floor).  NAN when x or median is. */
double stats_robust_z(double x, double median, double mad, double floor);

/*
 * Holt's linear method (double exponential smoothing): a level and a
 * trend per sample, updated with weights alpha and beta, for evenly
 * spaced samples.  The level starts at the first value and the trend at
 * the difference of the first two, so an exact line is forecast exactly
 * from the third value on.  One-step errors feed a running mean square
 * (mse) from which stats_holt_interval95 derives prediction intervals.
 */
struct stats_holt {
	double	 alpha, beta;	/* level and trend weights, in (0, 1] */
	double	 level, trend;	/* trend per sample */
	double	 mse;		/* mean square of one-step errors */
	double	 mse_weight;	/* weight of a new error in mse once 1/nerr
				   falls below it (an EWMA after a plain
				   mean); set by init, may be changed */
	uint64_t n;		/* values taken */
	uint64_t nerr;		/* one-step errors taken into mse */
};

/* Start a Holt smoother; alpha and beta are clamped to (0, 1] (invalid:
 * 0.5 and 0.1).  mse_weight starts at 0.02 (errors of about the last 50
 * samples count). */
void stats_holt_init(struct stats_holt *h, double alpha, double beta);

/* Take the next value.  Returns its one-step forecast error (v minus
 * the forecast made before it), or NAN when there was no forecast yet
 * (the first two values) or v is not finite (it is then skipped). */
double stats_holt_update(struct stats_holt *h, double v);

/* Point forecast steps samples ahead: level + steps * trend (steps may
 * be fractional).  NAN before the first value. */
double stats_holt_forecast(const struct stats_holt *h, double steps);

/* Standard deviation of the steps-ahead forecast error from the one-step
 * one, sigma_1 = sqrt(mse):  sigma_h = sigma_1 * sqrt(1 + sum_{j=1}^{h-1}
 * (alpha * (1 + j * beta))^2)  (Hyndman et al., Holt's method as
 * ETS(A,A,N)), in closed form, h = steps (fractional h interpolates).
 * NAN before the first one-step error. */
double stats_holt_sigma(const struct stats_holt *h, double steps);

/* Forecast steps ahead with its 95% prediction interval (forecast +-
 * 1.96 sigma_h) in *lo and *hi (either may be NULL; NAN when the sigma
 * is not known yet).  Returns the forecast. */
double stats_holt_interval95(const struct stats_holt *h, double steps,
    double *lo, double *hi);

#endif
