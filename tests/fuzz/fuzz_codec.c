/*
 * fuzz_codec.c -- libFuzzer entry point for the chunk codec (src/codec.c).
 *
 *   make fuzz SECS=60 FUZZ=codec
 * or by hand:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *       tests/fuzz/fuzz_codec.c src/codec.c src/util.c -lm -o fuzz_codec
 *   ./fuzz_codec -dict=tests/fuzz/codec.dict tests/fuzz/corpus/codec
 *
 * The first byte picks what the rest is:
 *
 *   even: a chunk as stored, decoded to the end.  Invariants: never more
 *         points than the header announces, never a read past the end
 *         (ASan), an error is sticky, and a chunk that says it is ordered
 *         gives non-decreasing timestamps.
 *   odd:  a series to encode: 10 bytes a point, a signed 16-bit timestamp
 *         step in ms (so that clocks stepping back are tried too) and
 *         the value's 8 bytes as they are (NaN payloads, -0.0, Inf,
 *         integers and not), with the second byte choosing between raw
 *         doubles and small integers.  Invariants: decoding the encoding
 *         gives back every point bit for bit, in order, and nothing more;
 *         the encoder's first, last, min and max timestamps and last
 *         value agree with what was appended; a chunk of non-decreasing
 *         timestamps says it is ordered.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_POINTS	4096

static void
decode_blob(const uint8_t *p, size_t len)
{
	struct chunk_dec d;
	int64_t ts, prev = INT64_MIN;
	double v;
	size_t n = 0;
	int rc;

	if (chunk_dec_init(&d, p, len) != 0)
		return;
	while ((rc = chunk_dec_next(&d, &ts, &v)) == 1) {
		if (++n > chunk_dec_count(&d))
			abort();
		if (chunk_dec_ordered(&d) && ts < prev)
			abort();
		prev = ts;
	}
	if (rc != 0 && rc != -1)
		abort();
	if (rc == -1 && chunk_dec_next(&d, &ts, &v) != -1)
		abort();
	if (rc == 0 && n != chunk_dec_count(&d))
		abort();
}

static uint64_t
bits_of(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof u);
	return u;
}

static void
round_trip(const uint8_t *p, size_t len)
{
	static int64_t ts[MAX_POINTS];
	static double vs[MAX_POINTS];
	struct chunk_enc e;
	struct chunk_dec d;
	const uint8_t *bytes;
	size_t n = 0, i, blen;
	int64_t t = INT64_C(1795749120000), got_t, tmin, tmax;
	int ints, ordered = 1, rc;
	double got_v;

	if (len < 1)
		return;
	ints = p[0] & 1;
	p++;
	len--;
	for (; len >= 10 && n < MAX_POINTS; p += 10, len -= 10, n++) {
		int16_t step;
		uint64_t u;

		memcpy(&step, p, 2);
		memcpy(&u, p + 2, 8);
		t += step;
		ts[n] = t;
		if (ints)
			vs[n] = (double)(int32_t)u;
		else
			memcpy(&vs[n], &u, 8);
		if (n > 0 && ts[n] < ts[n - 1])
			ordered = 0;
	}
	chunk_enc_init(&e);
	tmin = tmax = n > 0 ? ts[0] : 0;
	for (i = 0; i < n; i++) {
		chunk_enc_append(&e, ts[i], vs[i]);
		if (ts[i] < tmin)
			tmin = ts[i];
		if (ts[i] > tmax)
			tmax = ts[i];
	}
	if (chunk_enc_count(&e) != n)
		abort();
	if (n > 0 && (chunk_enc_first_ts(&e) != ts[0] ||
	    chunk_enc_last_ts(&e) != ts[n - 1] ||
	    chunk_enc_min_ts(&e) != tmin || chunk_enc_max_ts(&e) != tmax ||
	    bits_of(chunk_enc_last_value(&e)) != bits_of(vs[n - 1])))
		abort();
	bytes = chunk_enc_bytes(&e, &blen);
	if (chunk_dec_init(&d, bytes, blen) != 0 || chunk_dec_count(&d) != n)
		abort();
	if (ordered && !chunk_dec_ordered(&d))
		abort();
	for (i = 0; i < n; i++) {
		if (chunk_dec_next(&d, &got_t, &got_v) != 1 ||
		    got_t != ts[i] || bits_of(got_v) != bits_of(vs[i]))
			abort();
	}
	if ((rc = chunk_dec_next(&d, &got_t, &got_v)) != 0)
		abort();
	/* A prefix of the bytes is a damaged chunk: no crash, no more. */
	if (blen > CHUNK_HEADER_LEN)
		decode_blob(bytes, blen - 1);
	chunk_enc_reset(&e);
	if (chunk_enc_count(&e) != 0)
		abort();
	chunk_enc_free(&e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		round_trip(data + 1, size - 1);
	else
		decode_blob(data + 1, size - 1);
	return 0;
}
