/* Unit tests: memory health (growth, leak verdict, time to the limit,
 * fragmentation, risk, mitigation). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "memhealth.h"

#define MB	(1024.0 * 1024)
#define T0	1700000000000LL

static uint64_t lcg_state;

static void
lcg_seed(uint64_t seed)
{
	lcg_state = seed;
}

static double
lcg_unif(void)
{
	lcg_state = lcg_state * 6364136223846793005ULL +
	    1442695040888963407ULL;
	return ((double)(lcg_state >> 11) + 0.5) / 9007199254740992.0;
}

static double
lcg_gauss(void)
{
	double u = lcg_unif(), v = lcg_unif();

	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

#define assert_near(a, b, tol) do {					\
	double a_ = (a), b_ = (b);					\
	if (!(fabs(a_ - b_) <= (tol)))					\
		fail_msg("%s = %.17g, expected %.17g (+- %g)", #a, a_, b_, \
		    (double)(tol));					\
} while (0)

#define assert_contains(s, sub) do {					\
	if (strstr((s), (sub)) == NULL)					\
		fail_msg("\"%s\" does not contain \"%s\"", (s), (sub));	\
} while (0)

static struct memhealth_input
input(int64_t ts, double rss, double limit)
{
	struct memhealth_input in = {
		.ts_ms = ts, .rss = rss, .pss = rss, .swap = 0,
		.limit = limit, .allocated = NAN, .restarts = 0,
	};

	return in;
}

/* 1 MB/s with noise: a leak verdict within 60 s of data, and the time
 * to the limit within 10% of the truth, the truth inside [lo, hi]. */
static void
test_leak(void **state)
{
	static struct memhealth m;
	struct memhealth_result r;
	struct memhealth_input in;
	double limit = 2048 * MB, truth;
	int i, first = -1, checked = 0, slope_in = 0;

	(void)state;
	lcg_seed(1);
	memhealth_init(&m, 0);
	assert_int_equal(m.window_ms, MEMHEALTH_WINDOW_DEFAULT_MS);
	for (i = 0; i <= 1200; i++) {
		in = input(T0 + i * 1000LL, 200 * MB + 1 * MB * i +
		    2 * MB * lcg_gauss(), limit);
		memhealth_update(&m, &in, &r);
		if (r.leak && first < 0)
			first = i;
		if (i < 20)
			assert_false(r.leak);
		if (i >= 60) {
			assert_true(r.leak);
			assert_true(r.growing);
		}
		if (i == 60 || i == 120 || i == 300 || i == 600 ||
		    i == 900 || i == 1200) {
			truth = (limit - (200 * MB + 1 * MB * i)) / MB;
			assert_near(r.slope, MB, 0.05 * MB);
			/* a 95% interval: it may miss now and then */
			slope_in += r.slope_lo < MB && MB < r.slope_hi;
			assert_true(r.r2 > 0.9);
			assert_near(r.ttl_s, truth, 0.1 * truth);
			if (!(r.ttl_lo_s <= truth && truth <= r.ttl_hi_s))
				fail_msg("at %d s: truth %.1f s outside "
				    "[%.1f, %.1f]", i, truth, r.ttl_lo_s,
				    r.ttl_hi_s);
			checked++;
		}
		if (i == 60) {
			/* 260M of 2G, 30 min away: high */
			assert_int_equal(r.risk, RISK_HIGH);
			assert_int_equal(r.mitigation, MITIGATE_RESTART);
			assert_contains(r.reason, "leak: RSS 2");
			assert_contains(r.reason, "of the 2.0G limit and "
			    "growing 1.0M/s: limit in ~29m");
			assert_contains(r.mitigation_text, "restart");
			assert_string_equal(memhealth_risk_name(r.risk),
			    "high");
		}
	}
	assert_int_equal(checked, 6);
	assert_true(slope_in >= 5);
	/* the first tick where the data span 60 s */
	assert_int_equal(first, 60);
	/* the window holds 10 minutes: a sample every 2 s of them (closer
	 * than 600 s / MEMHEALTH_POINTS, every other one is not kept) */
	assert_int_equal(r.points, 301);
	assert_near(r.span_s, 600, 0);
	/* 1400M of 2G, 11 min away at the end */
	assert_int_equal(r.risk, RISK_HIGH);
}

/* Over many noise draws, the time-to-limit interval holds the truth at
 * least 95% of the time (it joins the slope's and the level's 95%
 * bounds, so it is conservative). */
static void
test_leak_ttl_coverage(void **state)
{
	static struct memhealth m;
	struct memhealth_result r;
	struct memhealth_input in;
	double limit = 1024 * MB, truth;
	int seed, i, inside = 0, total = 0;

	(void)state;
	for (seed = 100; seed < 140; seed++) {
		lcg_seed(seed);
		memhealth_init(&m, 0);
		for (i = 0; i <= 400; i++) {
			in = input(T0 + i * 1000LL, 100 * MB + 0.5 * MB * i +
			    4 * MB * lcg_gauss(), limit);
			memhealth_update(&m, &in, &r);
			if (i == 60 || i == 200 || i == 400) {
				truth = (limit - (100 * MB + 0.5 * MB * i)) /
				    (0.5 * MB);
				assert_true(r.leak);
				if (i >= 200)
					assert_near(r.ttl_s, truth,
					    0.1 * truth);
				inside += r.ttl_lo_s <= truth &&
				    truth <= r.ttl_hi_s;
				total++;
			}
		}
	}
	print_message("time to the limit: truth inside [lo, hi] %d of %d\n",
	    inside, total);
	assert_int_equal(total, 120);
	assert_true(inside >= 114);
}

/* A fast leak close to the limit: critical, with the figures spelled. */
static void
test_leak_near_limit(void **state)
{
	static struct memhealth m;
	struct memhealth_result r;
	struct memhealth_input in;
	int i;

	(void)state;
	lcg_seed(2);
	memhealth_init(&m, 0);
	for (i = 0; i <= 90; i++) {
		in = input(T0 + i * 1000LL, 320 * MB + 1 * MB * i +
		    0.5 * MB * lcg_gauss(), 450 * MB);
		memhealth_update(&m, &in, &r);
	}
	/* 410M of 450M, 40 s away */
	assert_true(r.leak);
	assert_int_equal(r.risk, RISK_CRITICAL);
	assert_near(r.ttl_s, 40, 4);
	assert_true(r.ttl_hi_s < 300);
	assert_contains(r.reason, "leak: RSS 4");
	assert_contains(r.reason, "M is 91% of the 450M limit and growing "
	    "1.0M/s: limit in ~");
	assert_int_equal(r.mitigation, MITIGATE_RESTART);
	/* and at the limit: 0 s */
	in = input(T0 + 91 * 1000LL, 450 * MB, 450 * MB);
	memhealth_update(&m, &in, &r);
	assert_near(r.ttl_s, 0, 0);
	assert_near(r.ttl_hi_s, 0, 0);
	assert_int_equal(r.risk, RISK_CRITICAL);
}

/* Flat with noise over 10 minutes and more: never a leak. */
static void
test_flat_no_leak(void **state)
{
	static struct memhealth m;
	struct memhealth_result r;
	struct memhealth_input in;
	int i, seed;

	(void)state;
	for (seed = 1; seed <= 5; seed++) {
		lcg_seed(seed);
		memhealth_init(&m, 0);
		for (i = 0; i < 1800; i++) {
			in = input(T0 + i * 1000LL, 300 * MB +
			    3 * MB * lcg_gauss(), 512 * MB);
			memhealth_update(&m, &in, &r);
			assert_false(r.leak);
			assert_true(isnan(r.ttl_s));
			assert_int_equal(r.risk, RISK_LOW);
			assert_int_equal(r.mitigation, MITIGATE_NONE);
		}
		assert_true(r.slope_lo < 0 || r.slope_lo < MEMHEALTH_LEAK_FLOOR);
		assert_contains(r.reason, "of the 512M limit, not growing");
		assert_string_equal(r.mitigation_text, "");
	}
}

/* GC cycles: a sawtooth flat on average is not a leak. */
static void
test_sawtooth_no_leak(void **state)
{
	static struct memhealth m;
	struct memhealth_result r;
	struct memhealth_input in;
	int i, leaks = 0;

	(void)state;
	lcg_seed(3);
	memhealth_init(&m, 0);
	for (i = 0; i < 1800; i++) {
		/* +40M over 30 s, then collected */
		double saw = 40 * MB * (i % 30) / 30.0;
		in = input(T0 + i * 1000LL, 250 * MB + saw +
		    MB * lcg_gauss(), 512 * MB);
		memhealth_update(&m, &in, &r);
		leaks += r.leak;
		assert_true(r.risk == RISK_LOW);
	}
	assert_int_equal(leaks, 0);
	assert_true(r.r2 < 0.1);
}

/* A fragmented worker: RSS 300M holding 13M. */
static void
test_fragmented(void **state)
{
	static struct memhealth m;
	struct memhealth_result r;
	struct memhealth_input in;
	int i;

	(void)state;
	memhealth_init(&m, 0);
	for (i = 0; i < 120; i++) {
		in = input(T0 + i * 1000LL, 300 * MB, 512 * MB);
		in.allocated = 13 * MB;
		memhealth_update(&m, &in, &r);
	}
	assert_near(r.fragmentation, 300.0 / 13, 1e-12);
	assert_near(r.efficiency, 100 * 13.0 / 300, 1e-12);
	assert_false(r.leak);
	assert_int_equal(r.risk, RISK_MEDIUM);
	assert_int_equal(r.mitigation, MITIGATE_TRIM);
	assert_string_equal(memhealth_mitigation_name(r.mitigation), "trim");
	assert_contains(r.reason, "fragmented heap: RSS 300M holds 13M of "
	    "live data (23.1x)");
	assert_contains(r.mitigation_text, "trim: 287M of the 300M RSS");
	/* small workers are not worth a trim */
	in = input(T0 + 200 * 1000LL, 50 * MB, 512 * MB);
	in.allocated = 5 * MB;
	memhealth_update(&m, &in, &r);
	assert_near(r.fragmentation, 10, 1e-12);
	assert_int_equal(r.risk, RISK_LOW);
	assert_int_equal(r.mitigation, MITIGATE_NONE);
	/* efficiency is capped at 100; unknown without allocated bytes */
	in.allocated = 80 * MB;
	memhealth_update(&m, &in, &r);
	assert_near(r.efficiency, 100, 0);
	in.allocated = NAN;
	memhealth_update(&m, &in, &r);
	assert_true(isnan(r.fragmentation) && isnan(r.efficiency));
	/* a leak that also fragments: restart, not trim */
	memhealth_init(&m, 0);
	for (i = 0; i < 120; i++) {
		in = input(T0 + i * 1000LL, 200 * MB + MB * i, NAN);
		in.allocated = 20 * MB;
		memhealth_update(&m, &in, &r);
	}
	assert_true(r.leak);
	assert_int_equal(r.mitigation, MITIGATE_RESTART);
}

/* At 96% of the limit, flat: critical, the figures named, raise it. */
static void
test_near_limit(void **state)
{
	static struct memhealth m;
	struct memhealth_result r;
	struct memhealth_input in;
	int i;

	(void)state;
	lcg_seed(4);
	memhealth_init(&m, 0);
	for (i = 0; i < 300; i++) {
		in = input(T0 + i * 1000LL, 432 * MB + 0.2 * MB * lcg_gauss(),
		    450 * MB);
		memhealth_update(&m, &in, &r);
	}
	assert_near(r.limit_pct, 96, 0.5);
	assert_false(r.leak);
	assert_int_equal(r.risk, RISK_CRITICAL);
	assert_string_equal(memhealth_risk_name(r.risk), "critical");
	assert_contains(r.reason, "RSS 432M is 96% of the 450M limit");
	assert_int_equal(r.mitigation, MITIGATE_RAISE_LIMIT);
	assert_contains(r.mitigation_text, "raise the limit: RSS 432M holds "
	    "at 96% of the 450M limit");
	/* 88%: high */
	in = input(T0 + 300 * 1000LL, 396 * MB, 450 * MB);
	memhealth_update(&m, &in, &r);
	assert_int_equal(r.risk, RISK_HIGH);
	assert_contains(r.reason, "RSS 396M is 88% of the 450M limit");
	/* no limit: nothing to be near */
	in = input(T0 + 301 * 1000LL, 432 * MB, NAN);
	memhealth_update(&m, &in, &r);
	assert_int_equal(r.risk, RISK_LOW);
	assert_true(isnan(r.limit_pct) && isnan(r.ttl_s));
	assert_contains(r.reason, "RSS 432M (no limit set)");
	/* swap in use: medium */
	in = input(T0 + 302 * 1000LL, 100 * MB, 450 * MB);
	in.swap = 12 * MB;
	memhealth_update(&m, &in, &r);
	assert_int_equal(r.risk, RISK_MEDIUM);
	assert_contains(r.reason, "12M in swap");
}

/* A leak with no limit is medium: it grows, but nothing to hit. */
static void
test_leak_no_limit(void **state)
{
	static struct memhealth m;
	struct memhealth_result r;
	struct memhealth_input in;
	int i;

	(void)state;
	memhealth_init(&m, 0);
	for (i = 0; i < 200; i++) {
		in = input(T0 + i * 1000LL, 200 * MB + 0.1 * MB * i, NAN);
		memhealth_update(&m, &in, &r);
	}
	assert_true(r.leak);
	assert_true(isnan(r.ttl_s));
	assert_int_equal(r.risk, RISK_MEDIUM);
	assert_contains(r.reason, "(no limit set) and growing 6.0M/min");
	/* slow growth under the floor (32K/min) is not a leak */
	memhealth_init(&m, 0);
	for (i = 0; i < 600; i++) {
		in = input(T0 + i * 1000LL, 200 * MB + 32768.0 / 60 * i,
		    NAN);
		memhealth_update(&m, &in, &r);
	}
	assert_near(r.slope, 32768.0 / 60, 1e-6);
	assert_near(r.r2, 1, 1e-9);
	assert_false(r.leak);
}

/* A restart clears the verdict, explicitly or by the restart count. */
static void
test_reset(void **state)
{
	static struct memhealth m;
	struct memhealth_result r;
	struct memhealth_input in;
	int i;

	(void)state;
	memhealth_init(&m, 0);
	for (i = 0; i < 120; i++) {
		in = input(T0 + i * 1000LL, 100 * MB + MB * i, 1024 * MB);
		memhealth_update(&m, &in, &r);
	}
	assert_true(r.leak);
	memhealth_reset(&m);
	in = input(T0 + 120 * 1000LL, 90 * MB, 1024 * MB);
	memhealth_update(&m, &in, &r);
	assert_false(r.leak);
	assert_int_equal(r.points, 1);
	assert_true(isnan(r.slope));
	assert_int_equal(r.risk, RISK_LOW);

	for (i = 121; i < 240; i++) {
		in = input(T0 + i * 1000LL, 100 * MB + MB * (i - 121),
		    1024 * MB);
		memhealth_update(&m, &in, &r);
	}
	assert_true(r.leak);
	/* the restart count moved: the history no longer applies */
	in = input(T0 + 240 * 1000LL, 90 * MB, 1024 * MB);
	in.restarts = 1;
	memhealth_update(&m, &in, &r);
	assert_false(r.leak);
	assert_int_equal(r.points, 1);
	/* a clock stepping back restarts the history too */
	for (i = 241; i < 300; i++) {
		in = input(T0 + i * 1000LL, 90 * MB, 1024 * MB);
		in.restarts = 1;
		memhealth_update(&m, &in, &r);
	}
	/* 59 samples a second apart: every other one is kept */
	assert_int_equal(r.points, 30);
	in = input(T0 + 100 * 1000LL, 90 * MB, 1024 * MB);
	in.restarts = 1;
	memhealth_update(&m, &in, &r);
	assert_int_equal(r.points, 1);
}

/* Bad input never crashes; a missing sample keeps the history. */
static void
test_bad_input(void **state)
{
	static struct memhealth m;
	struct memhealth_result r;
	struct memhealth_input in;
	int i;

	(void)state;
	memhealth_init(&m, 0);
	in = input(T0, NAN, 450 * MB);
	memhealth_update(&m, &in, &r);
	assert_string_equal(r.reason, "no RSS sample");
	assert_int_equal(r.risk, RISK_LOW);
	assert_int_equal(r.points, 0);
	for (i = 1; i < 100; i++) {
		in = input(T0 + i * 1000LL, 100 * MB + MB * i, 450 * MB);
		memhealth_update(&m, &in, &r);
	}
	in = input(T0 + 100 * 1000LL, -5, 450 * MB);
	memhealth_update(&m, &in, &r);
	assert_true(isnan(r.rss));
	/* 99 samples a second apart, a 10-minute window: every other one */
	assert_int_equal(r.points, 50);
	assert_true(r.leak);
	assert_contains(r.reason, "no RSS sample now");
	in = input(T0 + 101 * 1000LL, INFINITY, -1);
	in.allocated = 0;
	in.swap = NAN;
	memhealth_update(&m, &in, &r);
	assert_true(isnan(r.fragmentation));
	/* samples closer than window / MEMHEALTH_POINTS are not kept */
	memhealth_init(&m, 60 * 1000);
	for (i = 0; i < 1000; i++) {
		in = input(T0 + i * 10LL, 100 * MB, NAN);
		memhealth_update(&m, &in, &r);
	}
	/* 60 s / 360 is 166.7 ms: of samples 10 ms apart, one in 17 */
	assert_int_equal(r.points, 1 + 9990 / 170);
	/* a ring that wraps many times stays consistent */
	memhealth_init(&m, 3600 * 1000);
	for (i = 0; i < 20000; i++) {
		in = input(T0 + i * 1000LL, 100 * MB + 1000.0 * i, NAN);
		memhealth_update(&m, &in, &r);
	}
	assert_true(r.points <= MEMHEALTH_POINTS);
	assert_near(r.span_s, 3600, 10);	/* a point each 10 s */
	assert_near(r.slope, 1000, 1e-6);
	assert_string_equal(memhealth_risk_name(7), "?");
	assert_string_equal(memhealth_mitigation_name(-1), "?");
	assert_string_equal(memhealth_mitigation_name(MITIGATE_RAISE_LIMIT),
	    "raise-limit");
}

/* Times are kept as 32-bit milliseconds: a worker watched for longer
 * than 24 days (and a window as long as allowed) gives the same figures
 * as ever, across the moves of the time origin. */
static void
test_long_run(void **state)
{
	static struct memhealth m;
	struct memhealth_result r;
	struct memhealth_input in;
	int64_t day = 24LL * 3600 * 1000, ts;
	int i, checked = 0;

	(void)state;
	/* an hour's window, a sample every 30 s, for 60 days */
	memhealth_init(&m, 3600 * 1000);
	for (i = 0; i <= 60 * 2880; i++) {
		ts = T0 + i * 30000LL;
		in = input(ts, 100 * MB + 1000.0 * (ts - T0) / 1000, NAN);
		memhealth_update(&m, &in, &r);
		if (i >= 120 && i % 997 == 0) {
			assert_int_equal(r.points, 121);
			assert_near(r.span_s, 3600, 0);
			assert_near(r.slope, 1000, 1e-6);
			assert_near(r.r2, 1, 1e-9);
			checked++;
		}
	}
	assert_true(checked > 100);
	assert_true(m.origin_ms > T0 + 24 * day);
	/* a longer window than a week is a week */
	memhealth_init(&m, 30 * day);
	assert_true(m.window_ms == MEMHEALTH_WINDOW_MAX_MS);
	for (i = 0; i < 30 * 24 * 6; i++) {
		ts = T0 + i * 600000LL;
		in = input(ts, 100 * MB + 10.0 * (ts - T0) / 1000, NAN);
		memhealth_update(&m, &in, &r);
	}
	assert_true(r.points <= MEMHEALTH_POINTS);
	/* a point each 1680 s kept at most: every third one, 1800 s apart */
	assert_near(r.span_s, 7 * 86400, 1800);
	assert_near(r.slope, 10, 1e-6);
}

/* The texts are rebuilt only when a figure they show changes: they are
 * always the texts a fresh build would give. */
static void
test_text_cache(void **state)
{
	static struct memhealth a, b;
	struct memhealth_result ra, rb;
	struct memhealth_input in;
	double rss = 300 * MB;
	int64_t prev[sizeof a.text_key / sizeof a.text_key[0]];
	int i, kept = 0, rebuilt = 0;

	(void)state;
	lcg_seed(21);
	memhealth_init(&a, 120 * 1000);
	memhealth_init(&b, 120 * 1000);
	for (i = 0; i < 20000; i++) {
		int phase = i / 500 % 6;
		/* flat, leaking, fragmented, swapping, near the limit, and
		 * small noisy steps, in turn */
		if (phase == 1)
			rss += 0.7 * MB;
		else if (phase == 5)
			rss += 4096 * floor(lcg_unif() * 5 - 2);
		else if (phase == 0 && rss > 320 * MB)
			rss = 300 * MB;
		in = input(T0 + i * 1000LL, rss + 0.05 * MB * lcg_gauss(),
		    phase == 4 ? rss * 1.08 : 1024 * MB);
		in.allocated = phase == 2 ? rss / (2 + lcg_unif() * 30) :
		    rss * 0.9;
		in.swap = phase == 3 ? MB * (1 + 40 * lcg_unif()) : 0;
		if (i % 997 == 0)
			in.rss = NAN;
		memcpy(prev, a.text_key, sizeof prev);
		memhealth_update(&a, &in, &ra);
		if (memcmp(prev, a.text_key, sizeof prev) == 0)
			kept++;
		else
			rebuilt++;
		b.text_valid = 0;
		memhealth_update(&b, &in, &rb);
		assert_string_equal(ra.reason, rb.reason);
		assert_string_equal(ra.mitigation_text, rb.mitigation_text);
		assert_int_equal(ra.risk, rb.risk);
		if (rss > 900 * MB)
			rss = 300 * MB;
	}
	/* both ways were taken, many times */
	print_message("texts kept %d times, rebuilt %d times\n", kept,
	    rebuilt);
	assert_true(kept > 5000 && rebuilt > 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leak),
		cmocka_unit_test(test_leak_ttl_coverage),
		cmocka_unit_test(test_leak_near_limit),
		cmocka_unit_test(test_flat_no_leak),
		cmocka_unit_test(test_sawtooth_no_leak),
		cmocka_unit_test(test_fragmented),
		cmocka_unit_test(test_near_limit),
		cmocka_unit_test(test_leak_no_limit),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_long_run),
		cmocka_unit_test(test_text_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
