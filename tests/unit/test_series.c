/* Unit tests: the in-memory series registry, rates, figures, quantiles. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "figures.h"
#include "series.h"
#include "stats.h"

static int
collect(void *ctx, int64_t ts, double v)
{
	double *sum = ctx;

	(void)ts;
	sum[0] += v;
	sum[1] += 1;
	return 0;
}

static void
test_registry_lookup(void **state)
{
	struct series_reg *reg = series_reg_new(60000);
	struct series *a, *b, *c;

	(void)state;
	a = series_get(reg, 0, "w0", "m", "{a=\"1\"}", 7, SERIES_GAUGE);
	b = series_get(reg, 0, "w0", "m", "{a=\"2\"}", 7, SERIES_GAUGE);
	c = series_get(reg, 1, "w1", "m", "{a=\"1\"}", 7, SERIES_GAUGE);
	assert_ptr_not_equal(a, b);
	assert_ptr_not_equal(a, c);
	assert_ptr_equal(series_get(reg, 0, "w0", "m", "{a=\"1\"}", 7,
	    SERIES_GAUGE), a);
	assert_ptr_equal(series_find(reg, 1, "m", "{a=\"1\"}", 7), c);
	assert_null(series_find(reg, 2, "m", "{a=\"1\"}", 7));
	/* labels with a NUL byte are kept with their length */
	b = series_get(reg, 0, "w0", "m", "{a=\"x\0y\"}", 9, SERIES_GAUGE);
	assert_ptr_not_equal(b, series_get(reg, 0, "w0", "m", "{a=\"x\0z\"}",
	    9, SERIES_GAUGE));
	assert_int_equal(series_count(reg), 5);
	for (int i = 0; i < 5000; i++) {
		char name[32];
		snprintf(name, sizeof name, "metric_%d", i);
		series_get(reg, 3, "w3", name, "", 0, SERIES_GAUGE);
	}
	assert_int_equal(series_count(reg), 5005);
	assert_non_null(series_find(reg, 3, "metric_4321", "", 0));
	series_reg_free(reg);
}

static void
test_window_and_expiry(void **state)
{
	struct series_reg *reg = series_reg_new(60000);
	struct series *s = series_get(reg, 0, "w", "m", "", 0, SERIES_GAUGE);
	double acc[2] = {0, 0};
	int64_t t;

	(void)state;
	for (t = 0; t < 600; t++)
		series_append(reg, s, 1000000 + t * 1000, (double)t);
	/* the window keeps at least 60 s, at most a chunk more */
	assert_true(series_oldest_ms(s) >= 1000000 + (600 - 60 - 240) * 1000);
	assert_true(series_oldest_ms(s) <= 1000000 + (600 - 60) * 1000);
	series_each(s, 1000000 + 590 * 1000, 1000000 + 599 * 1000, collect, acc);
	assert_int_equal((int)acc[1], 10);
	assert_true(acc[0] == 590 + 591 + 592 + 593 + 594 + 595 + 596 + 597 +
	    598 + 599);
	series_reg_free(reg);
}

/* A chunk whose points span more than 32 bits of milliseconds (the wall
 * clock stepped by months inside it): its points are all found, its
 * oldest time is exact, and it expires like any other. */
static void
test_chunk_long_span(void **state)
{
	struct series_reg *reg = series_reg_new(60000);
	struct series *s = series_get(reg, 0, "w", "m", "", 0, SERIES_GAUGE);
	const int64_t t0 = 1000000, step = INT64_C(90) * 86400 * 1000;
	double acc[2] = {0, 0};
	int64_t t;

	(void)state;
	/* 60 points, then the clock jumps 90 days, 60 more: one chunk */
	for (t = 0; t < 120; t++)
		series_append(reg, s, t0 + t * 1000 + (t >= 60 ? step : 0),
		    (double)t);
	assert_true(series_oldest_ms(s) == t0);
	series_each(s, t0, t0 + 59 * 1000, collect, acc);
	assert_int_equal((int)acc[1], 60);
	acc[0] = acc[1] = 0;
	series_each(s, t0 + step, INT64_MAX, collect, acc);
	assert_int_equal((int)acc[1], 60);
	acc[0] = acc[1] = 0;
	series_each(s, INT64_MIN, INT64_MAX, collect, acc);
	assert_int_equal((int)acc[1], 120);
	/* a window after both halves finds nothing */
	acc[0] = acc[1] = 0;
	series_each(s, t0 + step + 200 * 1000, INT64_MAX, collect, acc);
	assert_int_equal((int)acc[1], 0);
	/* two more chunks later it has left the 60 s window */
	for (t = 120; t < 360; t++)
		series_append(reg, s, t0 + t * 1000 + step, (double)t);
	assert_true(series_oldest_ms(s) > t0 + step);
	series_reg_free(reg);
}

static void
test_counter_rate_reset(void **state)
{
	struct series_reg *reg = series_reg_new(600000);
	struct series *s = series_get(reg, 0, "w", "c", "", 0, SERIES_COUNTER);
	double r;

	(void)state;
	series_append(reg, s, 1000, 100);
	assert_int_equal(series_rate(s, &r), -1);
	series_append(reg, s, 2000, 110);
	assert_int_equal(series_rate(s, &r), 0);
	assert_true(r == 10);
	/* a counter going backwards is a reset: rate is the new value */
	series_append(reg, s, 3000, 4);
	assert_int_equal(series_rate(s, &r), 0);
	assert_true(r == 4);
	assert_int_equal((int)s->resets, 1);
	/* over the window: 10 + 4 over 2 s */
	assert_int_equal(series_rate_window(s, 3000, 10000, &r), 0);
	assert_true(r == 7);
	series_reg_free(reg);
}

static void
test_histogram_quantile(void **state)
{
	/* hand calculation: 100 observations; le=0.1: 50, le=0.5: 90,
	 * le=1: 99, +Inf: 100.  p50: rank 50 falls at the top of the
	 * first bucket -> 0.1.  p90 -> 0.5.  p99: rank 99 -> 1.0.
	 * p75: rank 75 in (0.1, 0.5]: 0.1 + 0.4 * (75-50)/(90-50) = 0.35. */
	struct stats_bucket b[] = {
		{ INFINITY, 100 }, { 0.5, 90 }, { 0.1, 50 }, { 1, 99 },
	};

	(void)state;
	stats_buckets_sort(b, 4);
	assert_true(b[0].le == 0.1 && isinf(b[3].le));
	assert_true(fabs(stats_histogram_quantile(0.5, b, 4) - 0.1) < 1e-12);
	assert_true(fabs(stats_histogram_quantile(0.75, b, 4) - 0.35) < 1e-12);
	assert_true(fabs(stats_histogram_quantile(0.9, b, 4) - 0.5) < 1e-12);
	assert_true(fabs(stats_histogram_quantile(0.99, b, 4) - 1.0) < 1e-12);
	/* rank in the +Inf bucket: the highest finite bound */
	assert_true(stats_histogram_quantile(0.999, b, 4) == 1.0);
	/* first bucket interpolates from 0: p25 = 0.1 * 25/50 */
	assert_true(fabs(stats_histogram_quantile(0.25, b, 4) - 0.05) < 1e-12);
	/* no observations, no +Inf bucket */
	b[3].count = 0;
	assert_true(isnan(stats_histogram_quantile(0.5, b, 4)));
	assert_true(isnan(stats_histogram_quantile(0.5, b, 3)));
}

static void
feed(struct series_reg *reg, struct series *s, int64_t t, double v)
{
	series_append(reg, s, t, v);
}

static void
test_figures_agent_like(void **state)
{
	struct series_reg *reg = series_reg_new(600000);
	struct series *ok, *err, *b1, *b2, *binf, *rss;
	struct worker_figures f;
	uint32_t idx[8];
	int64_t t;

	(void)state;
	ok = series_get(reg, 0, "w", "requests_total", "{status=\"ok\"}", 13,
	    SERIES_COUNTER);
	err = series_get(reg, 0, "w", "requests_total", "{status=\"error\"}",
	    16, SERIES_COUNTER);
	b1 = series_get(reg, 0, "w", "request_latency_seconds_bucket",
	    "{le=\"0.1\"}", 10, SERIES_COUNTER);
	b2 = series_get(reg, 0, "w", "request_latency_seconds_bucket",
	    "{le=\"0.5\"}", 10, SERIES_COUNTER);
	binf = series_get(reg, 0, "w", "request_latency_seconds_bucket",
	    "{le=\"+Inf\"}", 11, SERIES_COUNTER);
	rss = series_get(reg, 0, "w", "proc_rss_bytes", "", 0, SERIES_GAUGE);
	idx[0] = ok->idx; idx[1] = err->idx; idx[2] = b1->idx;
	idx[3] = b2->idx; idx[4] = binf->idx; idx[5] = rss->idx;
	/* 10 s: 9 ok/s and 1 error/s; each second 6 fast (<=0.1), 3 medium
	 * (<=0.5), 1 slow; a counter reset at t=5 on ok */
	for (t = 0; t <= 10; t++) {
		double okv = t < 5 ? 1000 + 9 * t : 9 * (t - 5);
		feed(reg, ok, t * 1000, okv);
		feed(reg, err, t * 1000, 50 + t);
		feed(reg, b1, t * 1000, 6 * t);
		feed(reg, b2, t * 1000, 9 * t);
		feed(reg, binf, t * 1000, 10 * t);
		feed(reg, rss, t * 1000, 1e8);
	}
	figures_compute(reg, idx, 6, 10000, 30000, &f);
	/* ok: increases 9*4 before the reset, 0 at the reset (value 0),
	 * 9*5 after: 8.1/s, plus 1 failed request/s = 9.1 requests/s */
	assert_true(fabs(f.req_rate - 9.1) < 1e-9);
	assert_true(fabs(f.err_rate - 1.0) < 1e-9);
	/* p50: rank 50 of 100 in the first bucket: 0.1 * 50/60 */
	assert_true(fabs(f.p50_s - 0.1 * 50.0 / 60.0) < 1e-9);
	/* p99: rank 99 in +Inf: 0.5 */
	assert_true(fabs(f.p99_s - 0.5) < 1e-9);
	series_reg_free(reg);
}

static void
test_figures_summary_and_units(void **state)
{
	struct series_reg *reg = series_reg_new(600000);
	struct series *q50, *q99, *b;
	struct worker_figures f;
	uint32_t idx[4];

	(void)state;
	q50 = series_get(reg, 0, "w", "ray_serve_http_request_latency_ms",
	    "{quantile=\"0.5\"}", 16, SERIES_GAUGE);
	q99 = series_get(reg, 0, "w", "ray_serve_http_request_latency_ms",
	    "{quantile=\"0.99\"}", 17, SERIES_GAUGE);
	feed(reg, q50, 1000, 20);
	feed(reg, q99, 1000, 250);
	idx[0] = q50->idx;
	idx[1] = q99->idx;
	figures_compute(reg, idx, 2, 1000, 30000, &f);
	assert_true(fabs(f.p50_s - 0.020) < 1e-12);
	assert_true(fabs(f.p99_s - 0.250) < 1e-12);
	assert_true(isnan(f.req_rate));
	assert_true(isnan(f.err_rate));
	/* vLLM names */
	b = series_get(reg, 1, "v", "vllm:e2e_request_latency_seconds_bucket",
	    "{le=\"1.0\",model_name=\"m\"}", 26, SERIES_COUNTER);
	assert_int_equal(figures_role(b), ROLE_LAT_BUCKET);
	assert_true(b->role_arg == 1.0);
	b = series_get(reg, 1, "v", "vllm:request_success_total",
	    "{finished_reason=\"stop\"}", 24, SERIES_COUNTER);
	assert_int_equal(figures_role(b), ROLE_REQUESTS);
	b = series_get(reg, 1, "v", "nv_inference_request_failure", "", 0,
	    SERIES_COUNTER);
	assert_int_equal(figures_role(b), ROLE_REQUESTS_ERR);
	b = series_get(reg, 1, "v", "http_requests_total", "{code=\"503\"}", 12,
	    SERIES_COUNTER);
	assert_int_equal(figures_role(b), ROLE_REQUESTS_ERR);
	b = series_get(reg, 1, "v", "python_gc_objects_collected_total", "", 0,
	    SERIES_COUNTER);
	assert_int_equal(figures_role(b), ROLE_NONE);
	series_reg_free(reg);
}

/* What series_increase must equal: the same sum over a series_each walk. */
struct ref_walk {
	struct series_increase in;
	int64_t	from, to;
	double	prev;
};

static int
ref_step(void *ctx, int64_t ts, double v)
{
	struct ref_walk *w = ctx;

	if (isnan(v) || ts < w->from || ts > w->to)
		return 0;
	if (w->in.n == 0)
		w->in.first_ms = ts;
	else
		w->in.increase += v >= w->prev ? v - w->prev : v;
	w->in.last_ms = ts;
	w->prev = v;
	w->in.n++;
	return 0;
}

static void
check_window(struct series *s, int64_t from, int64_t to)
{
	struct series_increase got;
	struct ref_walk want;

	/* every point in memory, in order, filtered here */
	memset(&want, 0, sizeof want);
	want.from = from;
	want.to = to;
	series_each(s, INT64_MIN, INT64_MAX, ref_step, &want);
	series_increase(s, from, to, &got);
	assert_int_equal(got.n, want.in.n);
	if (want.in.n > 0) {
		assert_true(got.first_ms == want.in.first_ms);
		assert_true(got.last_ms == want.in.last_ms);
	}
	/* the same additions in the same order: bit for bit */
	assert_memory_equal(&got.increase, &want.in.increase, sizeof(double));
}

/*
 * The ring behind series_increase against a walk of the chunks, over a
 * counter with resets, NaNs, jittered ticks, a pause, and the clock
 * stepping back and forward, at window sizes the ring must grow to fit.
 */
static void
test_increase_ring(void **state)
{
	static const int64_t windows[] = { 1000, 5000, 30000, 60000, 300000 };
	struct series_reg *reg = series_reg_new(600000);
	struct series *s[5], *frac;
	uint32_t seed = 12345;
	int64_t t = 1700000000000LL;
	double v = 0;
	size_t i, k;

	(void)state;
	for (k = 0; k < 5; k++)
		s[k] = series_get(reg, 0, "w", "reqs_total", (const char *)&k,
		    sizeof k, SERIES_COUNTER);
	frac = series_get(reg, 0, "w", "latency_sum", "", 0, SERIES_COUNTER);
	for (i = 0; i < 3000; i++) {
		seed = seed * 1103515245u + 12345u;
		t += 1000 + (int64_t)(seed >> 16) % 50 - 25;
		if (i == 700)
			t -= 45000;		/* clock steps back */
		if (i == 1500)
			t += 120000;		/* ... and forward */
		if (i == 2000)
			t += 7000;		/* a pause */
		v += (double)((seed >> 8) % 17);
		if (i % 400 == 399)
			v = (double)((seed >> 4) % 5);	/* a reset */
		for (k = 0; k < 5; k++) {
			series_append(reg, s[k], t,
			    i % 97 == 13 && k == 1 ? NAN : v);
			/* the first window asked late (ring made with history
			 * behind it), the others from the start */
			if (k == 4 && i < 1200)
				continue;
			check_window(s[k], t - windows[k], t);
		}
		/* a window that ends before the newest point */
		check_window(s[2], t - 20000, t - 3000);
		/* fractions (a latency sum): not the last less the first, but
		 * the steps summed in order, as the walk does */
		series_append(reg, frac, t, v * 0.37 + 1e-3 * (double)i);
		check_window(frac, t - 30000, t);
	}
	/* the rings grew to hold their windows (the step back puts twice
	 * the points in some), and no further */
	assert_int_equal(series_recent_cap(s[0]), 16);
	assert_in_range(series_recent_cap(s[3]), 64, 128);
	assert_in_range(series_recent_cap(s[4]), 512, 1024);
	series_reg_free(reg);
}

/* Without a history (record): the rings are all there is.  Once a ring
 * has grown to its window, its sums are exact; the chunks hold nothing. */
static void
test_increase_no_history(void **state)
{
	struct series_reg *reg = series_reg_new(0);
	struct series *a, *b;
	struct series_increase got;
	struct ref_walk want;
	int64_t ts[400];
	double vs[400], sum[2] = { 0, 0 };
	int64_t t = 1700000000000LL;
	double v = 100;
	int i, k, which;

	(void)state;
	a = series_get(reg, 0, "w", "reqs_total", "", 0, SERIES_COUNTER);
	b = series_get(reg, 0, "w", "errs_total", "", 0, SERIES_COUNTER);
	for (i = 0; i < 400; i++) {
		t += 1000;
		v += (double)(i % 7);
		if (i == 250)
			v = 3;		/* a reset */
		ts[i] = t;
		vs[i] = v;
		series_append(reg, a, t, v);
		series_append(reg, b, t, v);
		for (which = 0; which < 2; which++) {
			struct series *s = which == 0 ? a : b;

			/* b is asked for the first time late */
			if (which == 1 && i < 100)
				continue;
			series_increase(s, t - 30000, t, &got);
			memset(&want, 0, sizeof want);
			want.from = t - 30000;
			want.to = t;
			for (k = 0; k <= i; k++)
				ref_step(&want, ts[k], vs[k]);
			if (i >= (which == 0 ? 64 : 200)) {
				assert_int_equal(got.n, want.in.n);
				assert_true(got.first_ms == want.in.first_ms);
				assert_memory_equal(&got.increase,
				    &want.in.increase, sizeof(double));
			} else
				assert_true(got.n <= want.in.n);
		}
	}
	assert_int_equal(series_recent_cap(a), 32);
	/* no chunks: a walk finds nothing */
	series_each(a, INT64_MIN, INT64_MAX, collect, sum);
	assert_true(sum[1] == 0);
	assert_true(series_oldest_ms(a) == INT64_MAX);
	series_reg_free(reg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_lookup),
		cmocka_unit_test(test_window_and_expiry),
		cmocka_unit_test(test_chunk_long_span),
		cmocka_unit_test(test_counter_rate_reset),
		cmocka_unit_test(test_histogram_quantile),
		cmocka_unit_test(test_figures_agent_like),
		cmocka_unit_test(test_figures_summary_and_units),
		cmocka_unit_test(test_increase_ring),
		cmocka_unit_test(test_increase_no_history),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
