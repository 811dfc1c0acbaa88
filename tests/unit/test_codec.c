/*
 * test_codec.c -- the chunk codec round-trips every double bit-exactly,
 * every timestamp sequence, and never crashes on bad bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "util.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static double
rnd_unit(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

static uint64_t
bits_of(double v)
{
	uint64_t b;

	memcpy(&b, &v, sizeof b);
	return b;
}

static double
double_of(uint64_t b)
{
	double v;

	memcpy(&v, &b, sizeof v);
	return v;
}

/* Encode n points, check the incremental accessors, decode and compare
 * bit for bit.  Returns the encoded size. */
static size_t
roundtrip(const int64_t *ts, const double *vs, size_t n)
{
	struct chunk_enc e;
	struct chunk_dec d;
	const uint8_t *p;
	size_t len, i;
	int64_t t, tmin = 0, tmax = 0;
	double v;

	chunk_enc_init(&e);
	for (i = 0; i < n; i++) {
		chunk_enc_append(&e, ts[i], vs[i]);
		if (i == 0 || ts[i] < tmin)
			tmin = ts[i];
		if (i == 0 || ts[i] > tmax)
			tmax = ts[i];
	}
	assert_int_equal(chunk_enc_count(&e), n);
	if (n > 0) {
		assert_int_equal(chunk_enc_first_ts(&e), ts[0]);
		assert_int_equal(chunk_enc_last_ts(&e), ts[n - 1]);
		assert_int_equal(chunk_enc_min_ts(&e), tmin);
		assert_int_equal(chunk_enc_max_ts(&e), tmax);
		assert_int_equal(bits_of(chunk_enc_last_value(&e)),
		    bits_of(vs[n - 1]));
	}
	p = chunk_enc_bytes(&e, &len);
	assert_int_equal(chunk_dec_init(&d, p, len), 0);
	assert_int_equal(chunk_dec_count(&d), n);
	for (i = 0; i < n; i++) {
		assert_int_equal(chunk_dec_next(&d, &t, &v), 1);
		assert_int_equal(t, ts[i]);
		assert_int_equal(bits_of(v), bits_of(vs[i]));
	}
	assert_int_equal(chunk_dec_next(&d, &t, &v), 0);
	assert_int_equal(chunk_dec_next(&d, &t, &v), 0);
	chunk_enc_free(&e);
	return len;
}

static void
test_empty(void **state)
{
	struct chunk_enc e;
	struct chunk_dec d;
	const uint8_t *p;
	size_t len;
	int64_t t;
	double v;

	chunk_enc_init(&e);
	p = chunk_enc_bytes(&e, &len);
	assert_int_equal(len, CHUNK_HEADER_LEN);
	assert_int_equal(chunk_dec_init(&d, p, len), 0);
	assert_int_equal(chunk_dec_next(&d, &t, &v), 0);
	assert_int_equal(chunk_enc_first_ts(&e), 0);
	chunk_enc_free(&e);
}

static void
test_single_point(void **state)
{
	int64_t ts[1] = { 1700000000123 };
	double vs[1] = { 42 };
	size_t len;

	len = roundtrip(ts, vs, 1);
	assert_true(len <= CHUNK_HEADER_LEN + 8);
	vs[0] = 0.0123;
	roundtrip(ts, vs, 1);
	ts[0] = INT64_MIN;
	roundtrip(ts, vs, 1);
	ts[0] = INT64_MAX;
	vs[0] = -INFINITY;
	roundtrip(ts, vs, 1);
}

static void
test_regular_gauge(void **state)
{
	enum { N = 240 };
	int64_t ts[N];
	double vs[N];
	size_t i, len;
	double rss = 1.5e9;

	for (i = 0; i < N; i++) {
		ts[i] = 1700000000000 + (int64_t)i * 1000;
		if (rnd() % 4 == 0)
			rss += 4096.0 * (double)((int)(rnd() % 64) - 32);
		vs[i] = rss;
	}
	len = roundtrip(ts, vs, N);
	/* a regular 1 s series costs ~1 bit per timestamp: far below 2 bytes
	 * per point including the value */
	assert_true(len < N * 2);

	/* constant value, regular time: about 2 bits a point */
	for (i = 0; i < N; i++)
		vs[i] = 7;
	len = roundtrip(ts, vs, N);
	assert_true(len <= CHUNK_HEADER_LEN + 14 + 2 + (N * 2) / 8 + 1);
}

static void
test_counter(void **state)
{
	enum { N = 1000 };
	int64_t ts[N];
	double vs[N];
	size_t i;
	double c = 0;

	for (i = 0; i < N; i++) {
		ts[i] = 1700000000000 + (int64_t)i * 1000;
		c += (double)(90 + rnd() % 20);
		if (i == 500)
			c = 0;	/* worker restart */
		vs[i] = c;
	}
	assert_true(roundtrip(ts, vs, N) < N * 2);
	/* the extremes integer chunks hold */
	vs[0] = 9007199254740992.0;
	vs[1] = -9007199254740992.0;
	vs[2] = 9007199254740992.0;
	vs[3] = 0;
	vs[4] = 9007199254740991.0;
	roundtrip(ts, vs, N);
	/* and just past them: a float chunk */
	vs[5] = 18014398509481984.0;
	roundtrip(ts, vs, N);
}

static void
test_floats(void **state)
{
	enum { N = 500 };
	int64_t ts[N];
	double vs[N];
	size_t i;

	for (i = 0; i < N; i++) {
		ts[i] = 1700000000000 + (int64_t)i * 1000 + (int64_t)(rnd() % 7);
		vs[i] = 0.0123 + rnd_unit() * 0.001;
	}
	roundtrip(ts, vs, N);
	/* integers first, then a float half way: re-encoded as a float chunk */
	for (i = 0; i < N; i++)
		vs[i] = i < N / 2 ? (double)(i * 3) : (double)i + 0.5;
	roundtrip(ts, vs, N);
	/* random bit patterns: every double, including signalling NaNs */
	for (i = 0; i < N; i++)
		vs[i] = double_of(rnd());
	roundtrip(ts, vs, N);
}

static void
test_special_values(void **state)
{
	int64_t ts[12];
	double vs[12];
	size_t i;

	for (i = 0; i < 12; i++)
		ts[i] = 1000 * (int64_t)i;
	vs[0] = 1;
	vs[1] = NAN;
	vs[2] = double_of(0x7ff0000000000002ull);	/* Prometheus stale marker */
	vs[3] = INFINITY;
	vs[4] = -INFINITY;
	vs[5] = -0.0;
	vs[6] = 0.0;
	vs[7] = double_of(0xfff8000000000001ull);	/* negative NaN, payload */
	vs[8] = 5e-324;					/* denormal */
	vs[9] = -0.0;
	vs[10] = DBL_MAX;
	vs[11] = 3;
	roundtrip(ts, vs, 12);
	/* a chunk that starts with -0.0 must not become an integer chunk */
	roundtrip(ts + 5, vs + 5, 1);
	roundtrip(ts + 9, vs + 9, 3);
	/* stale marker alone, after integers */
	vs[0] = 5;
	vs[1] = 6;
	vs[2] = double_of(0x7ff0000000000002ull);
	roundtrip(ts, vs, 3);
}

static void
test_timestamps(void **state)
{
	enum { N = 400 };
	int64_t ts[N];
	double vs[N];
	size_t i;
	struct chunk_enc e;
	struct chunk_dec d;
	const uint8_t *p;
	size_t len;

	/* equal timestamps */
	for (i = 0; i < N; i++) {
		ts[i] = 1700000000000 + (int64_t)(i / 10) * 1000;
		vs[i] = (double)i;
	}
	roundtrip(ts, vs, N);
	/* irregular: every bucket of the delta-of-delta code */
	for (i = 0; i < N; i++) {
		static const int64_t steps[] = { 0, 1, 31, 33, 500, 600, 8000,
			9000, 5000000, 9000000, 86400000LL * 400 };
		ts[i] = (i == 0 ? 1700000000000 : ts[i - 1]) +
		    steps[rnd() % ARRAY_LEN(steps)];
	}
	roundtrip(ts, vs, N);
	/* decreasing: the wall clock stepped back */
	for (i = 0; i < N; i++)
		ts[i] = 1700000000000 + (int64_t)i * 1000 - (i > 200 ? 3600000 : 0);
	roundtrip(ts, vs, N);
	chunk_enc_init(&e);
	for (i = 0; i < N; i++)
		chunk_enc_append(&e, ts[i], vs[i]);
	p = chunk_enc_bytes(&e, &len);
	assert_int_equal(chunk_dec_init(&d, p, len), 0);
	assert_int_equal(chunk_dec_ordered(&d), 0);
	chunk_enc_free(&e);
	/* extremes wrap around without overflow trouble */
	ts[0] = INT64_MIN;
	ts[1] = INT64_MAX;
	ts[2] = INT64_MIN;
	ts[3] = 0;
	ts[4] = -1;
	ts[5] = INT64_MAX;
	ts[6] = INT64_MAX;
	roundtrip(ts, vs, 7);
	/* random timestamps */
	for (i = 0; i < N; i++)
		ts[i] = (int64_t)rnd();
	roundtrip(ts, vs, N);
}

static void
test_regular_costs_one_bit(void **state)
{
	struct chunk_enc e;
	size_t i, len0, len1;

	chunk_enc_init(&e);
	for (i = 0; i < 2; i++)
		chunk_enc_append(&e, 1700000000000 + (int64_t)i * 1000, 1);
	chunk_enc_bytes(&e, &len0);
	for (; i < 8002; i++)
		chunk_enc_append(&e, 1700000000000 + (int64_t)i * 1000, 1);
	chunk_enc_bytes(&e, &len1);
	/* 8000 points: 1 bit of timestamp and 1 bit of value each */
	assert_int_equal(len1 - len0, 2000);
	chunk_enc_free(&e);
}

static void
test_large(void **state)
{
	enum { N = 100000 };
	int64_t *ts = xmalloc(N * sizeof *ts);
	double *vs = xmalloc(N * sizeof *vs);
	size_t i, len;
	double c = 1e6;

	for (i = 0; i < N; i++) {
		ts[i] = 1700000000000 + (int64_t)i * 1000;
		c += (double)(rnd() % 100);
		vs[i] = c;
	}
	len = roundtrip(ts, vs, N);
	assert_true(len < N * 2);
	for (i = 0; i < N; i++)
		vs[i] = rnd_unit();
	roundtrip(ts, vs, N);
	free(ts);
	free(vs);
}

static void
test_reset_reuse(void **state)
{
	struct chunk_enc e;
	struct chunk_dec d;
	const uint8_t *p;
	size_t len, i;
	int64_t t;
	double v;

	chunk_enc_init(&e);
	for (i = 0; i < 100; i++)
		chunk_enc_append(&e, (int64_t)i, 0.5 * (double)i);
	chunk_enc_reset(&e);
	assert_int_equal(chunk_enc_count(&e), 0);
	for (i = 0; i < 3; i++)
		chunk_enc_append(&e, 10 + (int64_t)i, (double)i);
	p = chunk_enc_bytes(&e, &len);
	assert_int_equal(chunk_dec_init(&d, p, len), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(chunk_dec_next(&d, &t, &v), 1);
		assert_int_equal(t, 10 + (int64_t)i);
		assert_true(v == (double)i);
	}
	assert_int_equal(chunk_dec_next(&d, &t, &v), 0);
	chunk_enc_free(&e);
}

/* Decode untrusted bytes to the end; never more points than announced. */
static int
decode_all(const uint8_t *p, size_t len)
{
	struct chunk_dec d;
	int64_t t;
	double v;
	size_t n = 0;
	int r;

	if (chunk_dec_init(&d, p, len) != 0)
		return -1;
	while ((r = chunk_dec_next(&d, &t, &v)) == 1)
		n++;
	assert_true(n <= chunk_dec_count(&d));
	if (r == 0)
		assert_int_equal(n, chunk_dec_count(&d));
	assert_int_equal(chunk_dec_next(&d, &t, &v), r);
	return r;
}

static void
test_bad_header(void **state)
{
	struct chunk_dec d;
	uint8_t b[8] = { 0x10, 1, 0, 0, 0, 0, 0, 0 };

	assert_int_equal(chunk_dec_init(&d, NULL, 0), -1);
	assert_int_equal(chunk_dec_init(&d, b, 4), -1);
	b[0] = 0x20;
	assert_int_equal(chunk_dec_init(&d, b, 8), -1);
	b[0] = 0x14;
	assert_int_equal(chunk_dec_init(&d, b, 8), -1);
	b[0] = 0x10;
	assert_int_equal(chunk_dec_init(&d, b, 8), 0);
	/* count 1 but a varint that never ends */
	memset(b + 5, 0xff, 3);
	assert_int_equal(decode_all(b, 8), -1);
	/* huge count, no data */
	memset(b + 1, 0xff, 4);
	assert_int_equal(decode_all(b, 5), -1);
}

static void
test_random_and_truncated(void **state)
{
	enum { N = 300 };
	int64_t ts[N];
	double vs[N];
	struct chunk_enc e;
	const uint8_t *p;
	uint8_t *copy, junk[512];
	size_t len, i, cut, k;
	int round;

	/* a valid chunk of each kind, truncated at every length and with
	 * random bit flips: the decoder must stop cleanly */
	for (round = 0; round < 2; round++) {
		chunk_enc_init(&e);
		for (i = 0; i < N; i++) {
			ts[i] = 1700000000000 + (int64_t)i * 1000 +
			    (int64_t)(rnd() % 50);
			vs[i] = round == 0 ? (double)(rnd() % 1000) :
			    rnd_unit();
			chunk_enc_append(&e, ts[i], vs[i]);
		}
		p = chunk_enc_bytes(&e, &len);
		copy = xmalloc(len);
		for (cut = 0; cut < len; cut++) {
			memcpy(copy, p, cut);
			/* a truncated chunk never decodes all its points */
			if (cut >= CHUNK_HEADER_LEN)
				assert_int_equal(decode_all(copy, cut), -1);
		}
		for (k = 0; k < 2000; k++) {
			memcpy(copy, p, len);
			for (i = 0; i < 1 + rnd() % 4; i++)
				copy[rnd() % len] ^= (uint8_t)(1u << (rnd() % 8));
			decode_all(copy, len);
			decode_all(copy, rnd() % (len + 1));
		}
		free(copy);
		chunk_enc_free(&e);
	}
	/* pure noise with a valid-looking header */
	for (k = 0; k < 3000; k++) {
		len = rnd() % sizeof junk;
		for (i = 0; i < len; i++)
			junk[i] = (uint8_t)rnd();
		if (len > 0 && k % 2 == 0)
			junk[0] = (uint8_t)(0x10 | (rnd() & 3));
		decode_all(junk, len);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_single_point),
		cmocka_unit_test(test_regular_gauge),
		cmocka_unit_test(test_counter),
		cmocka_unit_test(test_floats),
		cmocka_unit_test(test_special_values),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_regular_costs_one_bit),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_reset_reuse),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_random_and_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
