/* Unit tests: statistics (EWMA, rates, least squares, t quantiles,
 * median/MAD, robust z, Holt) and the per-series anomaly detector. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "anomaly.h"
#include "stats.h"

/* Deterministic pseudo-noise: a 64-bit LCG (Knuth's MMIX constants). */
static uint64_t lcg_state;

static void
lcg_seed(uint64_t seed)
{
	lcg_state = seed;
}

/* Uniform in (0, 1). */
static double
lcg_unif(void)
{
	lcg_state = lcg_state * 6364136223846793005ULL +
	    1442695040888963407ULL;
	return ((double)(lcg_state >> 11) + 0.5) / 9007199254740992.0;
}

/* Standard normal (Box-Muller). */
static double
lcg_gauss(void)
{
	double u = lcg_unif(), v = lcg_unif();

	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static int
lcg_poisson(double lambda)
{
	double l = exp(-lambda), p = 1;
	int k = 0;

	do {
		k++;
		p *= lcg_unif();
	} while (p > l);
	return k - 1;
}

#define assert_near(a, b, tol) do {					\
	double a_ = (a), b_ = (b);					\
	if (!(fabs(a_ - b_) <= (tol)))					\
		fail_msg("%s = %.17g, expected %.17g (+- %g)", #a, a_, b_, \
		    (double)(tol));					\
} while (0)

/* ------------------------------------------------------------ EWMA, rates */

static void
test_ewma_halflife(void **state)
{
	struct stats_ewma e;
	int i;

	(void)state;
	/* after h samples of a unit step the average is half way */
	assert_near(stats_alpha_halflife(10), 1 - pow(0.5, 0.1), 1e-15);
	stats_ewma_init(&e, stats_alpha_halflife(10));
	assert_true(isnan(e.value));
	stats_ewma_update(&e, 0, 0);
	for (i = 0; i < 10; i++)
		stats_ewma_update(&e, 0, 1);
	assert_near(e.value, 0.5, 1e-12);
	for (i = 0; i < 10; i++)
		stats_ewma_update(&e, 0, 1);
	assert_near(e.value, 0.75, 1e-12);
	/* NAN and Inf are skipped */
	assert_near(stats_ewma_update(&e, 0, NAN), 0.75, 1e-12);
	assert_near(stats_ewma_update(&e, 0, INFINITY), 0.75, 1e-12);
	assert_int_equal(e.n, 21);
	/* no smoothing for a half-life of 0 */
	assert_near(stats_alpha_halflife(0), 1, 0);

	/* per time: the weight follows the gap */
	stats_ewma_init_time(&e, 5);
	assert_near(stats_ewma_update(&e, 1000, 0), 0, 0);
	assert_near(stats_ewma_update(&e, 6000, 1), 0.5, 1e-12);
	assert_near(stats_ewma_update(&e, 16000, 1), 0.875, 1e-12);
	/* a sample no later than the previous one has no weight */
	assert_near(stats_ewma_update(&e, 16000, 100), 0.875, 1e-12);
	assert_near(stats_ewma_update(&e, 15000, 100), 0.875, 1e-12);
}

static void
test_rates(void **state)
{
	(void)state;
	assert_near(stats_rate(1000, 10, 3000, 16), 3, 1e-12);
	assert_near(stats_rate(1000, 10, 1500, 9), -2, 1e-12);
	assert_true(isnan(stats_rate(1000, 10, 1000, 16)));
	assert_true(isnan(stats_rate(2000, 10, 1000, 16)));
	assert_true(isnan(stats_rate(0, NAN, 1000, 16)));
	/* a counter: a decrease is a reset to 0 */
	assert_near(stats_counter_rate(0, 100, 2000, 160), 30, 1e-12);
	assert_near(stats_counter_rate(0, 100, 2000, 8), 4, 1e-12);
	assert_true(isnan(stats_counter_rate(0, 100, 2000, -1)));
	assert_true(isnan(stats_counter_rate(0, 100, 0, 120)));
}

/* -------------------------------------------------------- least squares */

static void
test_linreg_hand(void **state)
{
	/* worked by hand: tbar 2, vbar 3, Sxx 10, Sxy 8, Syy 10 */
	double t[] = { 0, 1, 2, 3, 4 }, v[] = { 1, 3, 2, 5, 4 };
	double ta[5], lo, hi;
	struct stats_linreg r;
	int i;

	(void)state;
	assert_int_equal(stats_linreg(t, v, 5, &r), 0);
	assert_int_equal(r.n, 5);
	assert_near(r.slope, 0.8, 1e-15);
	assert_near(r.intercept, 1.4, 1e-15);
	assert_near(r.r2, 0.64, 1e-15);
	assert_near(r.resid_sd, sqrt(1.2), 1e-15);
	assert_near(r.slope_se, sqrt(0.12), 1e-15);
	stats_linreg_slope_ci95(&r, &lo, &hi);
	assert_near(lo, 0.8 - 3.182446305284263 * sqrt(0.12), 1e-12);
	assert_near(hi, 0.8 + 3.182446305284263 * sqrt(0.12), 1e-12);

	/* the same points at epoch seconds: same fit (the sums are centred)
	 * and the intercept is at the first t */
	for (i = 0; i < 5; i++)
		ta[i] = 1.7e9 + t[i];
	assert_int_equal(stats_linreg(ta, v, 5, &r), 0);
	assert_near(r.slope, 0.8, 1e-9);
	assert_near(r.intercept, 1.4, 1e-9);
	assert_near(r.slope_se, sqrt(0.12), 1e-9);
	assert_near(r.t_first, 1.7e9, 0);

	/* points with a NAN are skipped; order does not matter */
	{
		double t2[] = { 4, NAN, 0, 2, 1, 3, 7 };
		double v2[] = { 4, 9, 1, 2, 3, 5, NAN };
		assert_int_equal(stats_linreg(t2, v2, 7, &r), 0);
		assert_int_equal(r.n, 5);
		assert_near(r.slope, 0.8, 1e-15);
		/* intercept at the first used t (4): 1.4 + 0.8 * 4 */
		assert_near(r.intercept, 4.6, 1e-14);
	}
	/* too few points, or no spread in t */
	assert_int_equal(stats_linreg(t, v, 1, &r), -1);
	assert_true(isnan(r.slope));
	{
		double tc[] = { 3, 3, 3 }, vc[] = { 1, 2, 3 };
		assert_int_equal(stats_linreg(tc, vc, 3, &r), -1);
	}
	/* two points: a slope, no standard error */
	assert_int_equal(stats_linreg(t, v, 2, &r), 0);
	assert_near(r.slope, 2, 0);
	assert_true(isnan(r.slope_se));
	stats_linreg_slope_ci95(&r, &lo, &hi);
	assert_true(isnan(lo) && isnan(hi));
}

static void
test_linreg_perfect_line(void **state)
{
	double t[50], v[50];
	struct stats_linreg r;
	int i;

	(void)state;
	for (i = 0; i < 50; i++) {
		t[i] = 1.7e9 + i * 0.5;
		v[i] = 3e8 + 1048576.0 * i * 0.5;
	}
	assert_int_equal(stats_linreg(t, v, 50, &r), 0);
	assert_near(r.slope, 1048576, 1e-6);
	assert_near(r.r2, 1, 1e-12);
	assert_near(r.slope_se, 0, 1e-6);
	/* a constant: slope 0, R^2 undefined */
	for (i = 0; i < 50; i++)
		v[i] = 42;
	assert_int_equal(stats_linreg(t, v, 50, &r), 0);
	assert_near(r.slope, 0, 0);
	assert_true(isnan(r.r2));
}

/* The slope and its interval of a known line plus pseudo-noise, against
 * the textbook formulas computed here independently (plain sums). */
static void
test_linreg_noise_interval(void **state)
{
	enum { N = 120 };
	double t[N], v[N], sx = 0, sy = 0, sxx = 0, sxy = 0, b, a, s2, se;
	double lo, hi, xbar, ss = 0;
	struct stats_linreg r;
	int i, seed, inside = 0;

	(void)state;
	for (seed = 1; seed <= 40; seed++) {
		lcg_seed(seed);
		for (i = 0; i < N; i++) {
			t[i] = i * 2.0;
			v[i] = 5 + 0.25 * t[i] + 3 * lcg_gauss();
		}
		sx = sy = sxx = sxy = ss = 0;
		for (i = 0; i < N; i++) {
			sx += t[i];
			sy += v[i];
			sxx += t[i] * t[i];
			sxy += t[i] * v[i];
		}
		b = (N * sxy - sx * sy) / (N * sxx - sx * sx);
		a = (sy - b * sx) / N;
		for (i = 0; i < N; i++)
			ss += (v[i] - a - b * t[i]) * (v[i] - a - b * t[i]);
		s2 = ss / (N - 2);
		xbar = sx / N;
		sxx = 0;
		for (i = 0; i < N; i++)
			sxx += (t[i] - xbar) * (t[i] - xbar);
		se = sqrt(s2 / sxx);

		assert_int_equal(stats_linreg(t, v, N, &r), 0);
		assert_near(r.slope, b, 1e-12);
		assert_near(r.intercept, a, 1e-10);
		assert_near(r.slope_se, se, 1e-12 * se);
		assert_true(r.r2 > 0.9 && r.r2 < 1);
		stats_linreg_slope_ci95(&r, &lo, &hi);
		assert_near(hi - lo, 2 * stats_t975(N - 2) * se, 1e-12);
		inside += lo <= 0.25 && 0.25 <= hi;
		if (seed == 1) {
			/* this seed's interval holds the true slope */
			assert_true(lo < 0.25 && 0.25 < hi);
		}
	}
	/* about 95% of 95% intervals hold the truth: 38 expected */
	assert_true(inside >= 34);
}

/* Running sums over a sliding window agree with the two-pass fit. */
static void
test_linsum_sliding(void **state)
{
	enum { N = 5000, W = 300 };
	static double t[N], v[N];
	struct stats_linsum s;
	struct stats_linreg a, b;
	int i, start = 0;

	(void)state;
	lcg_seed(23);
	for (i = 0; i < N; i++) {
		t[i] = 1.7e9 + i * 1.5;
		v[i] = 3e8 + 2e4 * i + 1e6 * lcg_gauss() +
		    (i > 2500 ? 5e7 : 0);
	}
	stats_linsum_init(&s, t[0], v[0]);
	for (i = 0; i < N; i++) {
		stats_linsum_add(&s, t[i], v[i]);
		if (i - start + 1 > W)
			stats_linsum_remove(&s, t[start], v[start]), start++;
		if (i % 97 == 0 && i > 2) {
			assert_int_equal(stats_linreg(&t[start], &v[start],
			    i - start + 1, &a), 0);
			assert_int_equal(stats_linsum_fit(&s, t[start], &b), 0);
			assert_int_equal(a.n, b.n);
			assert_near(b.slope, a.slope, 1e-6 * fabs(a.slope));
			assert_near(b.intercept, a.intercept, 1e-6 *
			    fabs(a.intercept));
			assert_near(b.slope_se, a.slope_se, 1e-4 * a.slope_se);
			assert_near(b.r2, a.r2, 1e-6);
		}
	}
	/* empty again, and the degenerate cases */
	while (start < N)
		stats_linsum_remove(&s, t[start], v[start]), start++;
	assert_near(s.n, 0, 0);
	assert_near(s.stt, 0, 0);
	assert_int_equal(stats_linsum_fit(&s, 0, &b), -1);
	stats_linsum_add(&s, 5, 1);
	stats_linsum_add(&s, 5, 2);
	assert_int_equal(stats_linsum_fit(&s, 5, &b), -1);
	stats_linsum_add(&s, NAN, 2);
	assert_near(s.n, 2, 0);
}

/* ------------------------------------------------------------ quantiles */

static void
test_t_quantiles(void **state)
{
	int df;

	(void)state;
	assert_near(stats_t975(5), 2.571, 5e-4);
	assert_near(stats_t975(30), 2.042, 5e-4);
	assert_near(stats_t975(1), 12.706, 5e-4);
	assert_near(stats_t975(1000), 1.962, 5e-4);
	assert_near(stats_t975(1000000), 1.96, 5e-4);
	assert_true(isnan(stats_t975(0)));
	assert_near(stats_t_quantile(0.975, 5), 2.570581835636314, 1e-9);
	assert_near(stats_t_quantile(0.995, 10), 3.169272672616954, 1e-9);
	assert_near(stats_t_quantile(0.05, 3), -2.353363434801823, 1e-9);
	assert_near(stats_t_quantile(0.5, 7), 0, 0);
	assert_true(isnan(stats_t_quantile(0.975, 0)));
	assert_true(isnan(stats_t_quantile(1.5, 3)));
	/* the table and the expansion agree with the exact inversion */
	for (df = 1; df <= 30; df++)
		assert_near(stats_t975(df), stats_t_quantile(0.975, df), 1e-9);
	for (df = 31; df <= 400; df += 3)
		assert_near(stats_t975(df), stats_t_quantile(0.975, df), 1e-7);
	/* the normal quantile, to full precision */
	assert_near(stats_normal_quantile(0.975), 1.959963984540054, 1e-14);
	assert_near(stats_normal_quantile(0.5), 0, 1e-15);
	assert_near(stats_normal_quantile(0.001), -3.090232306167813, 1e-12);
	assert_near(stats_normal_quantile(1e-10), -6.361340902404056, 1e-9);
	assert_true(isinf(stats_normal_quantile(1)));
	assert_true(isnan(stats_normal_quantile(-0.1)));
}

/* ------------------------------------------------------ median, MAD, z */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
test_median_mad(void **state)
{
	double odd[] = { 5, 1, 4, 2, 3 }, even[] = { 7, 1, 3, 5 };
	double withnan[] = { NAN, 10, 2, NAN, 6 };
	double scratch[300], x[300], s[300], m;
	int n, i, trial;

	(void)state;
	assert_near(stats_median(odd, 5, scratch), 3, 0);
	assert_near(stats_mad(odd, 5, 3, scratch), 1, 0);
	assert_near(stats_median(even, 4, scratch), 4, 0);
	/* deviations 3 3 1 1: the MAD is 2 */
	assert_near(stats_mad(even, 4, 4, scratch), 2, 0);
	assert_near(stats_median(withnan, 5, scratch), 6, 0);
	assert_near(stats_mad(withnan, 5, 6, scratch), 4, 0);
	assert_true(isnan(stats_median(withnan, 1, scratch)));
	assert_true(isnan(stats_median(odd, 0, scratch)));
	/* the input is left alone; scratch may be the input itself */
	assert_near(odd[0], 5, 0);
	memcpy(x, odd, sizeof odd);
	assert_near(stats_median(x, 5, x), 3, 0);

	/* the sorted versions agree with the general ones, with ties */
	assert_near(stats_sorted_median((double[]){ 1, 2, 3, 4 }, 4), 2.5, 0);
	assert_near(stats_sorted_mad((double[]){ 1, 2, 3, 4 }, 4, 2.5), 1, 0);
	assert_near(stats_sorted_mad((double[]){ 0, 0, 0, 9 }, 4, 0), 0, 0);
	assert_true(isnan(stats_sorted_median(s, 0)));
	lcg_seed(7);
	for (trial = 0; trial < 300; trial++) {
		n = 1 + (int)(lcg_unif() * 150);
		for (i = 0; i < n; i++)
			x[i] = trial % 3 ? floor(lcg_unif() * 6) :
			    lcg_gauss();
		memcpy(s, x, n * sizeof x[0]);
		qsort(s, n, sizeof s[0], cmp_double);
		m = stats_median(x, n, scratch);
		assert_near(stats_sorted_median(s, n), m, 0);
		assert_near(n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2,
		    m, 1e-15);
		assert_near(stats_sorted_mad(s, n, m),
		    stats_mad(x, n, m, scratch), 0);
	}
}

static void
test_robust_z(void **state)
{
	(void)state;
	assert_near(stats_robust_z(16, 10, 2, 0), 0.6745 * 3, 1e-15);
	assert_near(stats_robust_z(4, 10, 2, 0), -0.6745 * 3, 1e-15);
	/* the floor replaces a smaller MAD */
	assert_near(stats_robust_z(16, 10, 2, 4), 0.6745 * 1.5, 1e-15);
	/* a steady series (MAD 0) that stays scores exactly 0... */
	assert_near(stats_robust_z(10, 10, 0, 0), 0, 0);
	/* ...and one that jumps scores high */
	assert_near(stats_robust_z(11, 10, 0, 0.01), 67.45, 1e-12);
	assert_true(stats_robust_z(10.001, 10, 0, 0) > 1e6);
	assert_true(isnan(stats_robust_z(NAN, 10, 1, 0)));
}

/* ------------------------------------------------------------------ Holt */

static void
test_holt_exact_line(void **state)
{
	struct stats_holt h;
	double lo, hi, f;
	int i;

	(void)state;
	stats_holt_init(&h, 0.3, 0.1);
	assert_true(isnan(stats_holt_forecast(&h, 1)));
	assert_true(isnan(stats_holt_update(&h, 3)));
	assert_true(isnan(stats_holt_update(&h, 5)));
	/* from the third value on, an exact line is forecast exactly */
	for (i = 2; i < 40; i++) {
		assert_near(stats_holt_forecast(&h, 1), 3 + 2.0 * i, 1e-12);
		assert_near(stats_holt_update(&h, 3 + 2.0 * i), 0, 1e-12);
	}
	assert_near(stats_holt_forecast(&h, 10), 3 + 2.0 * 49, 1e-12);
	assert_near(stats_holt_forecast(&h, 0.5), 3 + 2.0 * 39.5, 1e-12);
	f = stats_holt_interval95(&h, 10, &lo, &hi);
	assert_near(f, 101, 1e-12);
	assert_near(lo, 101, 1e-9);
	assert_near(hi, 101, 1e-9);
	/* skipped values change nothing */
	assert_true(isnan(stats_holt_update(&h, NAN)));
	assert_int_equal(h.n, 40);
}

static void
test_holt_interval(void **state)
{
	struct stats_holt h;
	double s1, sh, prev = 0, sum, lo, hi, f;
	int i, j, steps;

	(void)state;
	lcg_seed(3);
	stats_holt_init(&h, 0.4, 0.2);
	assert_true(isnan(stats_holt_sigma(&h, 1)));
	for (i = 0; i < 500; i++)
		stats_holt_update(&h, 100 + 0.5 * i + lcg_gauss());
	s1 = stats_holt_sigma(&h, 1);
	assert_near(s1, sqrt(h.mse), 1e-12);
	/* a one-step error of unit noise: sigma_1 a little above 1 */
	assert_true(s1 > 0.9 && s1 < 1.6);
	for (steps = 1; steps <= 60; steps++) {
		sh = stats_holt_sigma(&h, steps);
		/* the closed form matches the sum */
		sum = 1;
		for (j = 1; j <= steps - 1; j++)
			sum += pow(0.4 * (1 + j * 0.2), 2);
		assert_near(sh, s1 * sqrt(sum), 1e-9 * sh);
		/* and widens with the horizon */
		if (steps > 1)
			assert_true(sh > prev);
		prev = sh;
		f = stats_holt_interval95(&h, steps, &lo, &hi);
		assert_near(hi - f, 1.959963984540054 * sh, 1e-9);
		assert_near(f - lo, 1.959963984540054 * sh, 1e-9);
	}
	/* the forecast follows the trend: 0.5 per step */
	assert_near(stats_holt_forecast(&h, 10) - stats_holt_forecast(&h, 0),
	    5, 0.5);
}

/* --------------------------------------------------------------- anomaly */

/* The window's sorted copy always matches the ring. */
static void
check_window(const struct anomaly *a)
{
	double s[ANOMALY_WINDOW_MAX];
	int i;

	memcpy(s, a->ring, a->n * sizeof s[0]);
	qsort(s, a->n, sizeof s[0], cmp_double);
	for (i = 0; i < a->n; i++)
		assert_near(a->sorted[i], s[i], 0);
}

static void
test_anomaly_latency_spike(void **state)
{
	struct anomaly a;
	struct anomaly_result r;
	int i, flags = 0, first = -1;

	(void)state;
	lcg_seed(11);
	anomaly_init(&a, 60, 6, ANOMALY_HIGH);
	/* 30 ms with 10% noise, then a spike to 1.5 s */
	for (i = 0; i < 300; i++) {
		double v = i >= 200 && i < 205 ? 1.5 :
		    0.030 * (1 + 0.1 * lcg_gauss());
		anomaly_update(&a, 1700000000000LL + i * 1000LL, v, &r);
		if (i < ANOMALY_MIN_HISTORY) {
			assert_true(isnan(r.score));
			assert_false(r.flagged);
		}
		if (r.flagged && i < 200)
			flags++;
		if (r.flagged && i >= 200 && first < 0)
			first = i;
		if (i >= 200 && i < 205)
			assert_true(r.flagged);
		if (i == 200) {
			assert_true(r.score > 100);
			assert_near(r.median, 0.030, 0.003);
			/* the forecaster takes the spike clipped */
			assert_true(r.next < 0.1);
		}
		if (i >= 215)
			assert_false(r.flagged);
	}
	assert_int_equal(flags, 0);
	assert_int_equal(first, 200);
	check_window(&a);
	anomaly_free(&a);
}

static void
test_anomaly_error_burst(void **state)
{
	struct anomaly a;
	struct anomaly_result r;
	int i;

	(void)state;
	anomaly_init(&a, 60, 6, ANOMALY_HIGH);
	for (i = 0; i < 100; i++) {
		anomaly_update(&a, i * 1000LL, 0, &r);
		assert_false(r.flagged);
		if (i >= ANOMALY_MIN_HISTORY)
			assert_near(r.score, 0, 0);
	}
	anomaly_update(&a, 100 * 1000LL, 5, &r);
	assert_true(r.flagged);
	assert_true(r.score > 1e5);
	anomaly_update(&a, 101 * 1000LL, 5, &r);
	assert_true(r.flagged);
	anomaly_update(&a, 102 * 1000LL, 5, &r);
	assert_true(r.flagged);
	/* the other way round is not bad for errors... */
	anomaly_free(&a);
	anomaly_init(&a, 60, 6, ANOMALY_HIGH);
	for (i = 0; i < 60; i++)
		anomaly_update(&a, i * 1000LL, 5, &r);
	anomaly_update(&a, 60 * 1000LL, 0, &r);
	assert_true(r.score < -6);
	assert_false(r.flagged);
	/* ...but it is when both sides are */
	anomaly_free(&a);
	anomaly_init(&a, 60, 6, ANOMALY_BOTH);
	for (i = 0; i < 60; i++)
		anomaly_update(&a, i * 1000LL, 5, &r);
	anomaly_update(&a, 60 * 1000LL, 0, &r);
	assert_true(r.flagged);
	anomaly_free(&a);
	anomaly_init(&a, 60, 6, ANOMALY_LOW);
	for (i = 0; i < 60; i++)
		anomaly_update(&a, i * 1000LL, 5, &r);
	anomaly_update(&a, 60 * 1000LL, 0, &r);
	assert_true(r.flagged);
	anomaly_update(&a, 61 * 1000LL, 9, &r);
	assert_false(r.flagged);
	anomaly_free(&a);
}

/* Steady series with noise never flag: zero false positives. */
static void
test_anomaly_steady_no_false_positive(void **state)
{
	struct anomaly rss, lat, req;
	struct anomaly_result r;
	int i, fp_rss = 0, fp_lat = 0, fp_req = 0;

	(void)state;
	lcg_seed(5);
	anomaly_init(&rss, 60, 6, ANOMALY_BOTH);
	anomaly_init(&lat, 60, 6, ANOMALY_BOTH);
	anomaly_init(&req, 60, 6, ANOMALY_BOTH);
	for (i = 0; i < 10000; i++) {
		int64_t ts = 1700000000000LL + i * 1000LL;
		/* RSS 400M, +-2M of noise and page-sized wiggles */
		anomaly_update(&rss, ts, 400e6 + 2e6 * lcg_gauss() +
		    4096 * floor(lcg_unif() * 4), &r);
		fp_rss += r.flagged;
		anomaly_update(&lat, ts, 0.030 * (1 + 0.1 * lcg_gauss()), &r);
		fp_lat += r.flagged;
		anomaly_update(&req, ts, lcg_poisson(100), &r);
		fp_req += r.flagged;
	}
	assert_int_equal(fp_rss, 0);
	assert_int_equal(fp_lat, 0);
	assert_int_equal(fp_req, 0);
	check_window(&rss);
	check_window(&req);
	anomaly_free(&rss);
	anomaly_free(&lat);
	anomaly_free(&req);
}

/* A leak-like trend is not an anomaly; its rate is the slope. */
static void
test_anomaly_trend(void **state)
{
	struct anomaly a;
	struct anomaly_result r;
	double alpha;
	int i, fp = 0;

	(void)state;
	lcg_seed(9);
	anomaly_init(&a, 60, 6, ANOMALY_BOTH);
	for (i = 0; i < 3000; i++) {
		anomaly_update(&a, i * 1000LL, 300e6 + 1e6 * i +
		    2e6 * lcg_gauss(), &r);
		fp += r.flagged;
	}
	assert_int_equal(fp, 0);
	assert_near(r.rate, 1e6, 1e5);
	assert_near(r.forecast, 300e6 + 1e6 * 3059, 20e6);
	assert_true(r.lo < 300e6 + 1e6 * 3059 && r.hi > 300e6 + 1e6 * 3059);
	assert_near(r.horizon_s, 60, 0);

	/* an exact line: the forecast and rate are exact */
	anomaly_free(&a);
	anomaly_init(&a, 60, 6, ANOMALY_BOTH);
	for (i = 0; i < 100; i++)
		anomaly_update(&a, i * 2000LL, 10 + 0.5 * i, &r);
	assert_near(r.rate, 0.25, 1e-9);
	assert_near(r.next, 10 + 0.5 * 100, 1e-9);
	assert_near(r.forecast, 10 + 0.5 * 99 + 0.25 * 60, 1e-9);
	assert_near(r.lo, r.forecast, 1e-6);
	/* an EWMA lags a ramp by slope * (1 - alpha) / alpha samples: the
	 * half-life of 10 s is 5 samples of 2 s */
	alpha = 1 - pow(0.5, 2.0 / ANOMALY_EWMA_HALFLIFE_S);
	assert_near(r.ewma, 10 + 0.5 * 99 - 0.5 * (1 - alpha) / alpha, 1e-5);
	anomaly_free(&a);
}

/* Request rate doubling and staying: flagged at the step, adapted after
 * about half a window. */
static void
test_anomaly_step(void **state)
{
	struct anomaly a;
	struct anomaly_result r;
	int i, last_flag = -1;

	(void)state;
	lcg_seed(13);
	anomaly_init(&a, 60, 6, ANOMALY_BOTH);
	for (i = 0; i < 300; i++) {
		double v = lcg_poisson(i < 200 ? 100 : 200);
		anomaly_update(&a, i * 1000LL, v, &r);
		if (i < 200)
			assert_false(r.flagged);
		if (i == 200 || i == 201)
			assert_true(r.flagged);
		if (r.flagged)
			last_flag = i;
		if (i == 200 + 31)
			assert_near(r.median, 200, 20);
	}
	/* no longer flagged by half a window after the step */
	assert_true(last_flag >= 201 && last_flag < 200 + 30);
	/* and the forecast has settled on the new level */
	assert_near(r.forecast, 200, 40);

	/* a noise-free step: the MAD stays 0 until half the window is new,
	 * but the mean absolute deviation grows with each new point (k of
	 * them): z = 0.6745 * 100 / (0.8453 * 100 k / 60) = 47.9 / k, so
	 * the step is flagged while k < 8, then the window has adapted */
	anomaly_free(&a);
	anomaly_init(&a, 60, 6, ANOMALY_BOTH);
	last_flag = -1;
	for (i = 0; i < 200; i++) {
		anomaly_update(&a, i * 1000LL, i < 100 ? 100 : 200, &r);
		if (i >= 100 && i < 108)
			assert_true(r.flagged);
		if (r.flagged)
			last_flag = i;
		if (i == 107)
			assert_near(r.score, 0.6745 * 100 / (0.8453 * 700 / 60),
			    1e-9);
		if (i == 130)	/* 30 old, 30 new */
			assert_near(r.median, 150, 0);
		if (i == 131)
			assert_near(r.median, 200, 0);
	}
	assert_int_equal(last_flag, 107);
	anomaly_free(&a);
}

static void
test_anomaly_skip_and_reset(void **state)
{
	struct anomaly a;
	struct anomaly_result r;
	int i;

	(void)state;
	anomaly_init(&a, 0, 0, 5);
	assert_int_equal(a.window, ANOMALY_WINDOW_DEFAULT);
	assert_near(a.threshold, ANOMALY_THRESHOLD_DEFAULT, 0);
	assert_int_equal(a.direction, ANOMALY_HIGH);
	anomaly_free(&a);
	anomaly_init(&a, 100000, -1, -3);
	assert_int_equal(a.window, ANOMALY_WINDOW_MAX);
	assert_int_equal(a.direction, ANOMALY_LOW);
	anomaly_free(&a);
	anomaly_init(&a, 3, NAN, 0);
	assert_int_equal(a.window, ANOMALY_MIN_HISTORY);

	anomaly_free(&a);
	anomaly_init(&a, 20, 6, ANOMALY_BOTH);
	for (i = 0; i < 30; i++)
		anomaly_update(&a, i * 1000LL, 7, &r);
	assert_int_equal(a.n, 20);
	anomaly_update(&a, 30000, NAN, &r);
	assert_true(isnan(r.score));
	assert_false(r.flagged);
	assert_near(r.ewma, 7, 0);
	assert_near(r.next, 7, 0);
	anomaly_update(&a, 31000, INFINITY, &r);
	anomaly_update(&a, 32000, -INFINITY, &r);
	assert_int_equal(a.n, 20);
	assert_int_equal(a.holt.n, 30);
	/* a time going backwards is taken, without breaking the spacing */
	anomaly_update(&a, 10000, 7, &r);
	assert_near(r.score, 0, 0);
	assert_near(a.step_s, 1, 1e-12);
	/* the floors are settable */
	anomaly_set_floor(&a, 0.5, 0);
	anomaly_update(&a, 33000, 8, &r);
	assert_near(r.score, 0.6745 * 1 / 0.5, 1e-12);
	assert_near(r.scale, 0.5, 0);
	anomaly_set_floor(&a, NAN, -1);
	assert_near(a.abs_floor, 0, 0);
	anomaly_set_horizon(&a, 30);
	anomaly_update(&a, 34000, 7, &r);
	assert_near(r.horizon_s, 30, 0);
	anomaly_set_horizon(&a, -1);
	assert_near(a.horizon_s, ANOMALY_HORIZON_S, 0);
	/* reset forgets the history, keeps the settings */
	anomaly_reset(&a);
	assert_int_equal(a.n, 0);
	assert_int_equal(a.window, 20);
	anomaly_update(&a, 40000, 100, &r);
	assert_true(isnan(r.score));
	assert_near(r.ewma, 100, 0);
	assert_true(isnan(r.rate));
	anomaly_free(&a);
}

/* A window of mostly one value (a count that is mostly 0) still sees the
 * rest: a blip of the usual size is not flagged. */
static void
test_anomaly_mostly_constant(void **state)
{
	struct anomaly a;
	struct anomaly_result r;
	int i;

	(void)state;
	anomaly_init(&a, 60, 6, ANOMALY_HIGH);
	for (i = 0; i < 60; i++)
		anomaly_update(&a, i * 1000LL, i % 6 == 0 ? 1 : 0, &r);
	/* MAD 0; mean absolute deviation 10/60 */
	anomaly_update(&a, 60000, 1, &r);
	assert_near(r.median, 0, 0);
	assert_near(r.scale, 0.8453 * 10 / 60, 1e-12);
	assert_false(r.flagged);
	anomaly_update(&a, 61000, 20, &r);
	assert_true(r.flagged);
	anomaly_free(&a);
}

/* The cost budget: 1000 series (10 figures x 100 workers) per tick, with
 * full windows (the first minute is not timed). */
static void
test_anomaly_cost(void **state)
{
	enum { SERIES = 1000, WARM = 60, TICKS = 120, NOISE = 4096 };
	static struct anomaly a[SERIES];
	static double noise[NOISE];
	struct anomaly_result r;
	struct timespec t0, t1;
	double ns;
	int i, k;

	(void)state;
	lcg_seed(17);
	for (i = 0; i < NOISE; i++)
		noise[i] = lcg_gauss();
	for (k = 0; k < SERIES; k++)
		anomaly_init(&a[k], 60, 6, ANOMALY_BOTH);
	for (i = 0; i < WARM + TICKS; i++) {
		if (i == WARM)
			clock_gettime(CLOCK_MONOTONIC, &t0);
		for (k = 0; k < SERIES; k++)
			anomaly_update(&a[k], i * 1000LL,
			    k + noise[(i * 7 + k) % NOISE], &r);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
	print_message("anomaly_update: %.0f ns per update, %.3f ms per tick "
	    "of %d series\n", ns / (SERIES * TICKS), ns / TICKS / 1e6,
	    SERIES);
	/* generous (sanitizers, a busy machine): the target is < 1 ms */
	assert_true(ns / TICKS < 20e6);
	for (k = 0; k < SERIES; k++)
		anomaly_free(&a[k]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ewma_halflife),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_linreg_hand),
		cmocka_unit_test(test_linreg_perfect_line),
		cmocka_unit_test(test_linreg_noise_interval),
		cmocka_unit_test(test_linsum_sliding),
		cmocka_unit_test(test_t_quantiles),
		cmocka_unit_test(test_median_mad),
		cmocka_unit_test(test_robust_z),
		cmocka_unit_test(test_holt_exact_line),
		cmocka_unit_test(test_holt_interval),
		cmocka_unit_test(test_anomaly_latency_spike),
		cmocka_unit_test(test_anomaly_error_burst),
		cmocka_unit_test(test_anomaly_steady_no_false_positive),
		cmocka_unit_test(test_anomaly_trend),
		cmocka_unit_test(test_anomaly_step),
		cmocka_unit_test(test_anomaly_skip_and_reset),
		cmocka_unit_test(test_anomaly_mostly_constant),
		cmocka_unit_test(test_anomaly_cost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
