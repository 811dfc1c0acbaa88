/*
 * codec.c -- Gorilla-style compression of (timestamp, value) chunks.
 *
 * Layout (docs/storage.md has the full description):
 *
 *   byte 0      format (high nibble, 1) | flags (low nibble)
 *   bytes 1-4   point count, little-endian
 *   varint      zigzag(first timestamp)
 *   varint      zigzag(first value)          integer chunks
 *   64 bits     IEEE bits of the first value float chunks
 *   bit stream  for every later point: timestamp code, value code
 *
 * Bits are written most significant first; the last byte is padded
 * with zeros.
 */
#include "codec.h"
#include "util.h"

#include <endian.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define INT_LIMIT	9007199254740992.0	/* 2^53 */
#define INT_LIMIT_I	((int64_t)1 << 53)

static inline uint64_t
load_be64(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof w);
	return be64toh(w);
}

static inline void
store_be64(uint8_t *p, uint64_t w)
{
	w = htobe64(w);
	memcpy(p, &w, sizeof w);
}

static inline uint64_t
zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t
unzigzag(uint64_t u)
{
	return (int64_t)((u >> 1) ^ (0 - (u & 1)));
}

static inline uint64_t
magnitude(int64_t v)
{
	return v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
}

static inline unsigned
bitlen(uint64_t v)
{
	return v == 0 ? 0 : 64 - (unsigned)__builtin_clzll(v);
}

/* An integer-valued double that integer chunks can hold exactly.  -0.0
 * is not one: its sign would be lost. */
static inline int
as_int(double v, int64_t *out)
{
	int64_t i;

	if (!(v >= -INT_LIMIT && v <= INT_LIMIT))
		return 0;
	i = (int64_t)v;
	if ((double)i != v || (i == 0 && signbit(v)))
		return 0;
	*out = i;
	return 1;
}

/* Both sides update the delta / delta-of-delta choice the same way: the
 * predictor whose residuals were shorter lately wins. */
static inline int
state_use_dod(const struct chunk_state *s)
{
	return s->cost_dod < s->cost_delta;
}

static inline void
state_int_update(struct chunk_state *s, int64_t iv)
{
	int64_t delta = iv - s->i_last;	/* both within 2^53: no overflow */

	s->cost_delta = s->cost_delta - (s->cost_delta >> 3) +
	    bitlen(magnitude(delta));
	s->cost_dod = s->cost_dod - (s->cost_dod >> 3) +
	    bitlen(magnitude(delta - s->i_delta));
	s->i_delta = delta;
	s->i_last = iv;
}

static void
state_start(struct chunk_state *s, int64_t ts, uint64_t vbits, int64_t iv)
{
	memset(s, 0, sizeof *s);
	s->t_last = ts;
	s->v_bits = vbits;
	s->i_last = iv;
}

/* ---- encoder ---- */

static void
enc_grow(struct chunk_enc *e, size_t need)
{
	size_t old = e->cap, ncap = old < 64 ? 64 : old;

	/* by a quarter, not double: an encoder's buffer is kept for as
	 * long as its chunk is open, and thousands are open at once */
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			fatal("chunk too large");
		ncap = (ncap + ncap / 4 + 15) & ~(size_t)15;
	}
	e->buf = xrealloc(e->buf, ncap);
	memset(e->buf + old, 0, ncap - old);
	e->cap = ncap;
}

/* Append the low n bits of v, n <= 32.  The buffer always keeps 8 bytes
 * of zeros past the current byte so a word store is safe. */
static inline void
put32(struct chunk_enc *e, uint64_t v, unsigned n)
{
	size_t byte = e->bits >> 3;
	unsigned off = e->bits & 7;
	uint64_t w;

	if (n == 0)
		return;
	if (byte + 8 > e->cap)
		enc_grow(e, byte + 8);
	v &= ((uint64_t)1 << n) - 1;
	w = load_be64(e->buf + byte);
	w |= v << (64 - off - n);
	store_be64(e->buf + byte, w);
	e->bits += n;
}

static inline void
put_bits(struct chunk_enc *e, uint64_t v, unsigned n)
{
	if (n > 32) {
		put32(e, v >> 32, n - 32);
		put32(e, v, 32);
	} else
		put32(e, v, n);
}

static void
put_varint(struct chunk_enc *e, uint64_t u)
{
	while (u >= 0x80) {
		put32(e, (u & 0x7f) | 0x80, 8);
		u >>= 7;
	}
	put32(e, u, 8);
}

/* Timestamp delta-of-delta: 0 | 10+6 | 110+10 | 1110+14 | 11110+24 |
 * 11111+64, payloads two's complement. */
static inline void
put_dod(struct chunk_enc *e, int64_t dod)
{
	if (dod == 0)
		put32(e, 0, 1);
	else if (dod >= -32 && dod < 32)
		put32(e, (0x2u << 6) | ((uint64_t)dod & 0x3f), 8);
	else if (dod >= -512 && dod < 512)
		put32(e, (0x6u << 10) | ((uint64_t)dod & 0x3ff), 13);
	else if (dod >= -8192 && dod < 8192)
		put32(e, (0xeu << 14) | ((uint64_t)dod & 0x3fff), 18);
	else if (dod >= -(1 << 23) && dod < (1 << 23))
		put32(e, (0x1eu << 24) | ((uint64_t)dod & 0xffffff), 29);
	else {
		put32(e, 0x1f, 5);
		put_bits(e, (uint64_t)dod, 64);
	}
}

/* A nonzero magnitude inside a window of leading/trailing zeros: reuse
 * the last window ('0' + bits) when it fits and is not much wider than
 * a fresh one, else '1' + 6 bits leading zeros + 6 bits (width - 1) +
 * the significant bits. */
static inline void
put_window(struct chunk_enc *e, struct chunk_state *s, uint64_t mag)
{
	unsigned lz = (unsigned)__builtin_clzll(mag);
	unsigned tz = (unsigned)__builtin_ctzll(mag);
	unsigned width = 64 - lz - tz, ww;

	if (s->have_win && lz >= s->win_lz && tz >= s->win_tz) {
		ww = 64 - s->win_lz - s->win_tz;
		if (ww <= width + 12) {
			put32(e, 0, 1);
			put_bits(e, mag >> s->win_tz, ww);
			return;
		}
	}
	put32(e, (1u << 12) | (lz << 6) | (width - 1), 13);
	put_bits(e, mag >> tz, width);
	s->win_lz = lz;
	s->win_tz = tz;
	s->have_win = 1;
}

static void
enc_header(struct chunk_enc *e)
{
	e->buf[0] = (uint8_t)(CHUNK_FORMAT << 4 | e->flags);
	e->buf[1] = (uint8_t)e->n;
	e->buf[2] = (uint8_t)(e->n >> 8);
	e->buf[3] = (uint8_t)(e->n >> 16);
	e->buf[4] = (uint8_t)(e->n >> 24);
}

void
chunk_enc_init(struct chunk_enc *e)
{
	memset(e, 0, sizeof *e);
	e->empty[0] = CHUNK_FORMAT << 4;
}

void
chunk_enc_reset(struct chunk_enc *e)
{
	if (e->buf != NULL)
		memset(e->buf, 0, (e->bits + 7) / 8);
	e->bits = 0;
	e->n = 0;
	e->flags = 0;
	e->t_first = e->t_min = e->t_max = 0;
	memset(&e->s, 0, sizeof e->s);
}

void
chunk_enc_free(struct chunk_enc *e)
{
	free(e->buf);
	chunk_enc_init(e);
}

/* The first value that is not an integer turns the chunk into a float
 * chunk: decode what is there and append it again. */
static void
enc_to_float(struct chunk_enc *e)
{
	struct chunk_dec d;
	size_t n = e->n, i, len;
	int64_t *ts = xmalloc(n * sizeof *ts);
	double *vs = xmalloc(n * sizeof *vs);
	const uint8_t *p = chunk_enc_bytes(e, &len);

	if (chunk_dec_init(&d, p, len) != 0)
		fatal("chunk re-encode: bad header");
	for (i = 0; i < n; i++) {
		if (chunk_dec_next(&d, &ts[i], &vs[i]) != 1)
			fatal("chunk re-encode: cannot decode point %zu", i);
	}
	chunk_enc_reset(e);
	e->flags = CHUNK_FLAG_FLOAT;
	for (i = 0; i < n; i++)
		chunk_enc_append(e, ts[i], vs[i]);
	free(ts);
	free(vs);
}

void
chunk_enc_append(struct chunk_enc *e, int64_t ts, double v)
{
	struct chunk_state *s = &e->s;
	uint64_t vbits, d;
	int64_t iv = 0, r;

	memcpy(&vbits, &v, sizeof vbits);
	if (!(e->flags & CHUNK_FLAG_FLOAT) && !as_int(v, &iv)) {
		if (e->n > 0)
			enc_to_float(e);
		else
			e->flags |= CHUNK_FLAG_FLOAT;
	}
	if (e->n == UINT32_MAX)
		fatal("chunk holds too many points");

	if (e->n == 0) {
		if (e->cap < 64)
			enc_grow(e, 64);
		e->bits = CHUNK_HEADER_LEN * 8;
		put_varint(e, zigzag(ts));
		if (e->flags & CHUNK_FLAG_FLOAT)
			put_bits(e, vbits, 64);
		else
			put_varint(e, zigzag(iv));
		state_start(s, ts, vbits, iv);
		e->t_first = e->t_min = e->t_max = ts;
		e->n = 1;
		enc_header(e);
		return;
	}

	d = (uint64_t)ts - (uint64_t)s->t_last;
	put_dod(e, (int64_t)(d - s->t_delta));
	if (ts < s->t_last)
		e->flags |= CHUNK_FLAG_UNORDERED;
	s->t_delta = d;
	s->t_last = ts;
	if (ts < e->t_min)
		e->t_min = ts;
	if (ts > e->t_max)
		e->t_max = ts;

	if (e->flags & CHUNK_FLAG_FLOAT) {
		uint64_t x = vbits ^ s->v_bits;

		if (x == 0)
			put32(e, 0, 1);
		else {
			put32(e, 1, 1);
			put_window(e, s, x);
		}
	} else {
		r = iv - s->i_last;
		if (state_use_dod(s))
			r -= s->i_delta;
		if (r == 0)
			put32(e, 0, 1);
		else {
			put32(e, r < 0 ? 3 : 2, 2);
			put_window(e, s, magnitude(r));
		}
		state_int_update(s, iv);
	}
	s->v_bits = vbits;
	e->n++;
	enc_header(e);
}

size_t
chunk_enc_count(const struct chunk_enc *e)
{
	return e->n;
}

const uint8_t *
chunk_enc_bytes(const struct chunk_enc *e, size_t *len)
{
	if (e->n == 0) {
		*len = CHUNK_HEADER_LEN;
		return e->empty;
	}
	*len = (size_t)((e->bits + 7) / 8);
	return e->buf;
}

int64_t
chunk_enc_first_ts(const struct chunk_enc *e)
{
	return e->n == 0 ? 0 : e->t_first;
}

int64_t
chunk_enc_last_ts(const struct chunk_enc *e)
{
	return e->n == 0 ? 0 : e->s.t_last;
}

int64_t
chunk_enc_min_ts(const struct chunk_enc *e)
{
	return e->n == 0 ? 0 : e->t_min;
}

int64_t
chunk_enc_max_ts(const struct chunk_enc *e)
{
	return e->n == 0 ? 0 : e->t_max;
}

double
chunk_enc_last_value(const struct chunk_enc *e)
{
	double v = 0.0;

	if (e->n > 0)
		memcpy(&v, &e->s.v_bits, sizeof v);
	return v;
}

/* ---- decoder ---- */

int
chunk_dec_init(struct chunk_dec *d, const uint8_t *data, size_t len)
{
	memset(d, 0, sizeof *d);
	d->err = 1;
	if (data == NULL || len < CHUNK_HEADER_LEN || len > (SIZE_MAX >> 4))
		return -1;
	if ((data[0] >> 4) != CHUNK_FORMAT ||
	    (data[0] & ~(CHUNK_FLAG_FLOAT | CHUNK_FLAG_UNORDERED) & 0x0f) != 0)
		return -1;
	d->p = data;
	d->len = len;
	d->flags = data[0] & 0x0f;
	d->n = (uint32_t)data[1] | (uint32_t)data[2] << 8 |
	    (uint32_t)data[3] << 16 | (uint32_t)data[4] << 24;
	d->bit = CHUNK_HEADER_LEN * 8;
	d->err = 0;
	return 0;
}

size_t
chunk_dec_count(const struct chunk_dec *d)
{
	return d->n;
}

int
chunk_dec_ordered(const struct chunk_dec *d)
{
	return !(d->flags & CHUNK_FLAG_UNORDERED);
}

/*
 * Bit reading.  Every reader takes a constant 'fast': with fast set, the
 * caller has made sure at least FAST_MARGIN bytes remain, more than one
 * point can use, so the bounds checks compile away; without it every
 * read is checked against the end.
 */
#define FAST_MARGIN	32
#define ALWAYS_INLINE	inline __attribute__((always_inline))

static ALWAYS_INLINE uint64_t
avail(const struct chunk_dec *d)
{
	return (uint64_t)d->len * 8 - d->bit;
}

/* The next 57 or more bits, zero past the end, without consuming them. */
static ALWAYS_INLINE uint64_t
peek64(const struct chunk_dec *d, const int fast)
{
	size_t byte = d->bit >> 3, i;
	uint64_t w = 0;

	if (fast || byte + 8 <= d->len)
		w = load_be64(d->p + byte);
	else {
		for (i = 0; byte + i < d->len; i++)
			w |= (uint64_t)d->p[byte + i] << (56 - 8 * i);
	}
	return w << (d->bit & 7);
}

/* Read n <= 56 bits. */
static ALWAYS_INLINE int
get_short(struct chunk_dec *d, unsigned n, uint64_t *out, const int fast)
{
	if (n == 0) {
		*out = 0;
		return 0;
	}
	if (!fast && n > avail(d))
		return -1;
	*out = peek64(d, fast) >> (64 - n);
	d->bit += n;
	return 0;
}

static ALWAYS_INLINE int
get_bits(struct chunk_dec *d, unsigned n, uint64_t *out, const int fast)
{
	uint64_t hi, lo;

	if (n <= 56)
		return get_short(d, n, out, fast);
	if (get_short(d, n - 32, &hi, fast) != 0 ||
	    get_short(d, 32, &lo, fast) != 0)
		return -1;
	*out = hi << 32 | lo;
	return 0;
}

static int
get_varint(struct chunk_dec *d, uint64_t *out)
{
	uint64_t u = 0, b;
	unsigned shift;

	for (shift = 0; shift < 64; shift += 7) {
		if (get_short(d, 8, &b, 0) != 0)
			return -1;
		if (shift == 63 && b > 1)
			return -1;
		u |= (b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = u;
			return 0;
		}
	}
	return -1;
}

static inline int64_t
sign_extend(uint64_t v, unsigned n)
{
	uint64_t m = (uint64_t)1 << (n - 1);

	return (int64_t)((v ^ m) - m);
}

static ALWAYS_INLINE int
get_dod(struct chunk_dec *d, int64_t *dod, const int fast)
{
	static const unsigned payload[] = { 0, 6, 10, 14, 24 };
	uint64_t w, v, a = fast ? 128 : avail(d);
	unsigned ones, plen;

	if (a == 0)
		return -1;
	w = peek64(d, fast);
	if (!(w >> 63)) {
		d->bit++;
		*dod = 0;
		return 0;
	}
	ones = (unsigned)__builtin_clzll(~w | 1);	/* |1: never all ones */
	if (ones >= 5) {
		if (a < 5)
			return -1;
		d->bit += 5;
		if (get_bits(d, 64, &v, fast) != 0)
			return -1;
		*dod = (int64_t)v;
		return 0;
	}
	plen = payload[ones];
	if (a < ones + 1 + plen)
		return -1;
	v = (w << (ones + 1)) >> (64 - plen);
	d->bit += ones + 1 + plen;
	*dod = sign_extend(v, plen);
	return 0;
}

/* After the '1' that says a value changed: the window code. */
static ALWAYS_INLINE int
get_window(struct chunk_dec *d, struct chunk_state *s, uint64_t *mag,
    const int fast)
{
	uint64_t flag, hdr, v;
	unsigned lz, width;

	if (get_short(d, 1, &flag, fast) != 0)
		return -1;
	if (flag == 0) {
		if (!s->have_win)
			return -1;
		width = 64 - s->win_lz - s->win_tz;
		if (get_bits(d, width, &v, fast) != 0)
			return -1;
		*mag = v << s->win_tz;
		return 0;
	}
	if (get_short(d, 12, &hdr, fast) != 0)
		return -1;
	lz = (unsigned)(hdr >> 6);
	width = (unsigned)(hdr & 0x3f) + 1;
	if (lz + width > 64)
		return -1;
	if (get_bits(d, width, &v, fast) != 0)
		return -1;
	s->win_lz = (uint8_t)lz;
	s->win_tz = (uint8_t)(64 - lz - width);
	s->have_win = 1;
	*mag = v << s->win_tz;
	return 0;
}

static int
dec_first(struct chunk_dec *d, int64_t *ts, double *v)
{
	struct chunk_state *s = &d->s;
	uint64_t u, vbits;
	int64_t iv = 0;

	if (get_varint(d, &u) != 0)
		return -1;
	*ts = unzigzag(u);
	if (d->flags & CHUNK_FLAG_FLOAT) {
		if (get_bits(d, 64, &vbits, 0) != 0)
			return -1;
	} else {
		if (get_varint(d, &u) != 0)
			return -1;
		iv = unzigzag(u);
		if (iv < -INT_LIMIT_I || iv > INT_LIMIT_I)
			return -1;
		*v = (double)iv;
		memcpy(&vbits, v, sizeof vbits);
	}
	state_start(s, *ts, vbits, iv);
	memcpy(v, &vbits, sizeof vbits);
	return 0;
}

static ALWAYS_INLINE int
dec_point(struct chunk_dec *d, int64_t *ts, double *v, const int fast)
{
	struct chunk_state *s = &d->s;
	uint64_t u, mag, ctl;
	int64_t dod, iv;

	if (get_dod(d, &dod, fast) != 0)
		return -1;
	s->t_delta += (uint64_t)dod;
	s->t_last = (int64_t)((uint64_t)s->t_last + s->t_delta);
	*ts = s->t_last;

	if (get_short(d, 1, &ctl, fast) != 0)
		return -1;
	if (d->flags & CHUNK_FLAG_FLOAT) {
		if (ctl != 0) {
			if (get_window(d, s, &mag, fast) != 0)
				return -1;
			s->v_bits ^= mag;
		}
		memcpy(v, &s->v_bits, sizeof *v);
		return 0;
	}

	u = 0;
	if (ctl != 0) {
		uint64_t sign;

		if (get_short(d, 1, &sign, fast) != 0 ||
		    get_window(d, s, &mag, fast) != 0)
			return -1;
		u = sign ? 0 - mag : mag;
	}
	if (state_use_dod(s))
		u += (uint64_t)s->i_delta;
	iv = (int64_t)((uint64_t)s->i_last + u);
	if (iv < -INT_LIMIT_I || iv > INT_LIMIT_I)
		return -1;
	state_int_update(s, iv);
	*v = (double)iv;
	memcpy(&s->v_bits, v, sizeof s->v_bits);
	return 0;
}

int
chunk_dec_next(struct chunk_dec *d, int64_t *ts_ms, double *v)
{
	int64_t prev = d->s.t_last;
	int rc;

	if (d->err)
		return -1;
	if (d->i >= d->n)
		return 0;
	if (d->i == 0)
		rc = dec_first(d, ts_ms, v);
	else if ((d->bit >> 3) + FAST_MARGIN <= d->len)
		rc = dec_point(d, ts_ms, v, 1);
	else
		rc = dec_point(d, ts_ms, v, 0);
	/* A chunk that says it is ordered lets readers stop at the first
	 * point past their window: one that goes back is corrupt, not a
	 * reason to miss the points after it silently. */
	if (rc == 0 && d->i > 0 && !(d->flags & CHUNK_FLAG_UNORDERED) &&
	    *ts_ms < prev)
		rc = -1;
	if (rc != 0) {
		d->err = 1;
		return -1;
	}
	d->i++;
	return 1;
}
