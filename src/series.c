/*
 * series.c -- in-memory recent history per series, compressed.
 */
#include "series.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Points per in-memory chunk: small enough that a window read decodes
 * little it does not need, large enough that the codec compresses well. */
#define SERIES_CHUNK_POINTS 120

/*
 * A sealed chunk in series->hist: a 14-byte header (the newest point's
 * time, 8 bytes; the span back to the oldest, 4; the byte length, 2; read
 * with memcpy) and the codec's bytes.  Packed, a chunk costs 14 bytes
 * beside its points, where a list node of its own cost about 56 with
 * malloc's.  A span past 32 bits (the wall clock stepped by weeks inside a
 * chunk) is kept as SPAN_UNKNOWN: such a chunk expires by its newest time
 * as any other, but is never skipped for being newer than a window.
 */
struct chunk_head {
	int64_t		 min_ms, max_ms;	/* oldest and newest point times;
						   min_ms INT64_MIN: not kept */
	uint16_t	 len;
};
#define CHUNK_HEAD_LEN	14
#define SPAN_UNKNOWN	UINT32_MAX

/* A chunk's bytes fit the header's 16-bit length with room to spare (a
 * point costs at most 17 bytes; the codec's header and first point 30). */
_Static_assert(SERIES_CHUNK_POINTS * 17 + 64 <= UINT16_MAX,
    "a chunk's length must fit 16 bits");

/* Interned strings (worker names, metric names): one copy each however
 * many series share it. */
struct intern {
	struct intern	*next;
	uint32_t	 hash;
	char		 s[];
};
#define INTERN_BUCKETS	512

/*
 * The newest points of a series as appended, for windows read every
 * tick (figures, rules).  evicted_max is the newest time of any point not
 * in the ring (appended before the ring was made, or pushed out of it):
 * while it is below a window's start, the ring holds every point of the
 * window, in append order, whatever the clock did.
 */
#define RECENT_MIN	16
#define RECENT_MAX	1024

struct recent_point {
	int64_t		 ts;
	double		 v;
};

struct series_recent {
	uint32_t	 cap, n, head;	/* head: where the next point goes */
	uint32_t	 unsorted;	/* a point was older than the one before */
	int64_t		 evicted_max;
	/* The newest time of a point after which a window's increase is not
	 * simply its last value less its first: a NaN, a value that is not
	 * a whole number below 2^53 (whose differences may round), or one
	 * below the value before it (a reset); prev_v is that value (NaN
	 * none yet). */
	int64_t		 bad_max;
	double		 prev_v;
	struct recent_point pt[];
};

struct series_reg {
	int64_t		  window_ms;
	struct series	**all;
	size_t		  n, cap;
	struct series	**buckets;
	size_t		  nbuckets;	/* power of two */
	size_t		  chunk_bytes;
	struct intern	 *strings[INTERN_BUCKETS];
};

static uint32_t
hash_key(uint32_t worker, const char *metric, const char *labels, size_t len)
{
	uint32_t h = 2166136261u;
	const unsigned char *p;
	size_t i;

	h = (h ^ worker) * 16777619u;
	for (p = (const unsigned char *)metric; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	h = (h ^ 0xff) * 16777619u;
	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)labels[i]) * 16777619u;
	return h;
}

struct series_reg *
series_reg_new(int64_t window_ms)
{
	struct series_reg *reg = xcalloc(1, sizeof *reg);

	reg->window_ms = window_ms;
	reg->nbuckets = 256;
	reg->buckets = xcalloc(reg->nbuckets, sizeof *reg->buckets);
	return reg;
}

static void
series_free(struct series *s)
{
	free(s->hist);
	chunk_enc_free(&s->open);
	free(s->recent);
	free(s);
}

/* The registry's copy of str, made on first use. */
static const char *
intern(struct series_reg *reg, const char *str)
{
	uint32_t h = util_hash_str(str);
	struct intern **b = &reg->strings[h % INTERN_BUCKETS], *i;
	size_t len;

	for (i = *b; i != NULL; i = i->next)
		if (i->hash == h && strcmp(i->s, str) == 0)
			return i->s;
	len = strlen(str);
	i = xmalloc(sizeof *i + len + 1);
	memcpy(i->s, str, len + 1);
	i->hash = h;
	i->next = *b;
	*b = i;
	return i->s;
}

void
series_reg_free(struct series_reg *reg)
{
	size_t i;

	if (reg == NULL)
		return;
	for (i = 0; i < reg->n; i++)
		series_free(reg->all[i]);
	for (i = 0; i < INTERN_BUCKETS; i++) {
		struct intern *in, *next;

		for (in = reg->strings[i]; in != NULL; in = next) {
			next = in->next;
			free(in);
		}
	}
	free(reg->all);
	free(reg->buckets);
	free(reg);
}

static int
key_equal(const struct series *s, uint32_t worker, const char *metric,
    const char *labels, size_t len)
{
	return s->worker == worker && s->labels_len == len &&
	    strcmp(s->metric, metric) == 0 &&
	    (len == 0 || memcmp(s->labels, labels, len) == 0);
}

struct series *
series_find(struct series_reg *reg, uint32_t worker, const char *metric,
    const char *labels, size_t labels_len)
{
	uint32_t h = hash_key(worker, metric, labels, labels_len);
	struct series *s;

	for (s = reg->buckets[h & (reg->nbuckets - 1)]; s != NULL; s = s->hnext) {
		if (s->hash == h &&
		    key_equal(s, worker, metric, labels, labels_len))
			return s;
	}
	return NULL;
}

static void
rehash(struct series_reg *reg)
{
	size_t i, nb = reg->nbuckets * 2;
	struct series **b = xcalloc(nb, sizeof *b);

	for (i = 0; i < reg->n; i++) {
		struct series *s = reg->all[i];
		s->hnext = b[s->hash & (nb - 1)];
		b[s->hash & (nb - 1)] = s;
	}
	free(reg->buckets);
	reg->buckets = b;
	reg->nbuckets = nb;
}

struct series *
series_get(struct series_reg *reg, uint32_t worker, const char *worker_name,
    const char *metric, const char *labels, size_t labels_len,
    enum series_kind kind)
{
	struct series *s;
	uint32_t h;

	s = series_find(reg, worker, metric, labels, labels_len);
	if (s != NULL)
		return s;

	h = hash_key(worker, metric, labels, labels_len);
	/* the labels live after the struct, in the same allocation */
	s = xcalloc(1, sizeof *s + labels_len + 1);
	s->idx = (uint32_t)reg->n;
	s->worker = worker;
	s->worker_name = intern(reg, worker_name);
	s->metric = intern(reg, metric);
	if (labels_len > 0)
		memcpy((char *)(s + 1), labels, labels_len);
	s->labels = (const char *)(s + 1);
	s->labels_len = labels_len;
	s->kind = kind;
	s->store_id = -1;
	s->hash = h;
	s->no_history = reg->window_ms == 0;
	chunk_enc_init(&s->open);

	reg->all = xgrow(reg->all, &reg->cap, reg->n + 1, sizeof *reg->all);
	reg->all[reg->n++] = s;
	s->hnext = reg->buckets[h & (reg->nbuckets - 1)];
	reg->buckets[h & (reg->nbuckets - 1)] = s;
	if (reg->n > reg->nbuckets)
		rehash(reg);
	return s;
}

size_t
series_count(const struct series_reg *reg)
{
	return reg->n;
}

struct series *
series_at(const struct series_reg *reg, size_t i)
{
	return i < reg->n ? reg->all[i] : NULL;
}

size_t
series_reg_bytes(const struct series_reg *reg)
{
	return reg->chunk_bytes;
}

/* The ring's i-th point, oldest first (i < r->n). */
static const struct recent_point *
recent_at(const struct series_recent *r, uint32_t i)
{
	return &r->pt[(r->head + r->cap - r->n + i) % r->cap];
}

static void
recent_push(struct series_recent *r, int64_t ts_ms, double v)
{
	if (r->n > 0 && ts_ms < r->pt[r->head == 0 ? r->cap - 1 :
	    r->head - 1].ts)
		r->unsorted = 1;
	if (isnan(v) || !(fabs(v) < 9007199254740992.0) || v != trunc(v) ||
	    v < r->prev_v) {
		if (ts_ms > r->bad_max)
			r->bad_max = ts_ms;
	}
	if (!isnan(v))
		r->prev_v = v;
	if (r->n == r->cap) {
		if (r->pt[r->head].ts > r->evicted_max)
			r->evicted_max = r->pt[r->head].ts;
	} else
		r->n++;
	r->pt[r->head].ts = ts_ms;
	r->pt[r->head].v = v;
	r->head = r->head + 1 == r->cap ? 0 : r->head + 1;
}

static void
head_at(const struct series *s, size_t off, struct chunk_head *h)
{
	uint32_t span;

	memcpy(&h->max_ms, s->hist + off, 8);
	memcpy(&span, s->hist + off + 8, 4);
	memcpy(&h->len, s->hist + off + 12, 2);
	h->min_ms = span == SPAN_UNKNOWN ? INT64_MIN : h->max_ms - span;
}

static void
seal(struct series_reg *reg, struct series *s)
{
	const uint8_t *p;
	int64_t min_ms, max_ms;
	uint32_t span;
	uint16_t len16;
	size_t len, off = s->hist_len;

	p = chunk_enc_bytes(&s->open, &len);
	if (len > UINT16_MAX || off > UINT32_MAX - CHUNK_HEAD_LEN - len)
		fatal("series history too large");
	/* grown to the byte: this buffer lives for the whole window */
	s->hist = xrealloc(s->hist, off + CHUNK_HEAD_LEN + len);
	min_ms = chunk_enc_min_ts(&s->open);
	max_ms = chunk_enc_max_ts(&s->open);
	span = max_ms - min_ms >= 0 && (uint64_t)(max_ms - min_ms) <
	    SPAN_UNKNOWN ? (uint32_t)(max_ms - min_ms) : SPAN_UNKNOWN;
	len16 = (uint16_t)len;
	memcpy(s->hist + off, &max_ms, 8);
	memcpy(s->hist + off + 8, &span, 4);
	memcpy(s->hist + off + 12, &len16, 2);
	memcpy(s->hist + off + CHUNK_HEAD_LEN, p, len);
	s->hist_len = (uint32_t)(off + CHUNK_HEAD_LEN + len);
	reg->chunk_bytes += len;
	/* The next chunk starts from a small buffer: a buffer kept at the
	 * largest chunk's size, for every series, was a quarter of the
	 * history's memory. */
	chunk_enc_free(&s->open);
}

static void
expire(struct series_reg *reg, struct series *s, int64_t now_ms)
{
	struct chunk_head h;
	size_t off = 0;

	/* A chunk goes once its newest point has left the window.  The
	 * wall clock may step backwards, so compare with the newest point
	 * appended rather than trusting chunk order alone. */
	while (off < s->hist_len) {
		head_at(s, off, &h);
		if (h.max_ms >= now_ms - reg->window_ms)
			break;
		reg->chunk_bytes -= h.len;
		off += CHUNK_HEAD_LEN + h.len;
	}
	if (off == 0)
		return;
	if (off == s->hist_len) {
		free(s->hist);
		s->hist = NULL;
		s->hist_len = 0;
		return;
	}
	memmove(s->hist, s->hist + off, s->hist_len - off);
	s->hist_len -= (uint32_t)off;
	s->hist = xrealloc(s->hist, s->hist_len);
}

void
series_append(struct series_reg *reg, struct series *s, int64_t ts_ms,
    double v)
{
	if (s->npoints > 0) {
		if (s->kind == SERIES_COUNTER && v < s->last)
			s->resets++;
		s->prev = s->last;
		s->prev_ms = s->last_ms;
	}
	s->last = v;
	s->last_ms = ts_ms;
	if (s->npoints < 2)
		s->npoints++;

	if (s->recent != NULL)
		recent_push(s->recent, ts_ms, v);
	if (s->no_history)
		return;
	chunk_enc_append(&s->open, ts_ms, v);
	if (chunk_enc_count(&s->open) >= SERIES_CHUNK_POINTS) {
		seal(reg, s);
		expire(reg, s, ts_ms);
	}
}

int
series_rate(const struct series *s, double *rate)
{
	double d;

	if (s->npoints < 2 || s->last_ms <= s->prev_ms)
		return -1;
	d = s->last - s->prev;
	if (s->kind == SERIES_COUNTER && d < 0)
		d = s->last;
	*rate = d * 1000.0 / (double)(s->last_ms - s->prev_ms);
	return 0;
}

static void
increase_add(struct series_increase *in, int64_t ts_ms, double v,
    double *prev)
{
	if (isnan(v))
		return;
	if (in->n == 0)
		in->first_ms = ts_ms;
	else
		in->increase += v >= *prev ? v - *prev : v;
	in->last_ms = ts_ms;
	*prev = v;
	in->n++;
}

struct increase_walk {
	struct series_increase *in;
	double		 prev;
};

static int
increase_step(void *ctx, int64_t ts_ms, double v)
{
	struct increase_walk *w = ctx;

	increase_add(w->in, ts_ms, v, &w->prev);
	return 0;
}

static int
push_step(void *ctx, int64_t ts_ms, double v)
{
	recent_push(ctx, ts_ms, v);
	return 0;
}

/*
 * A ring of cap points, filled with the newest points in memory as if
 * they had been appended to it (a one-off walk of the chunks).  Without
 * a history (a registry made with window 0) the chunks are empty: the
 * ring takes the points of old (the ring it replaces), or when there is
 * none the last two points the series holds for its rates.
 */
static struct series_recent *
recent_new(const struct series *s, uint32_t cap,
    const struct series_recent *old)
{
	struct series_recent *r;
	uint32_t i;

	r = xcalloc(1, sizeof *r + cap * sizeof r->pt[0]);
	r->cap = cap;
	r->evicted_max = INT64_MIN;
	r->bad_max = INT64_MIN;
	r->prev_v = NAN;
	if (!s->no_history) {
		series_each(s, INT64_MIN, INT64_MAX, push_step, r);
		return r;
	}
	if (old != NULL) {
		for (i = 0; i < old->n; i++)
			recent_push(r, recent_at(old, i)->ts, recent_at(old, i)->v);
		if (old->evicted_max > r->evicted_max)
			r->evicted_max = old->evicted_max;
		return r;
	}
	if (s->npoints == 2)
		recent_push(r, s->prev_ms, s->prev);
	if (s->npoints >= 1)
		recent_push(r, s->last_ms, s->last);
	return r;
}

/* The first of the ring's points (in time order) past t, or at t too
 * when at is set: by bisection. */
static uint32_t
ring_bound(const struct series_recent *r, int64_t t, int at)
{
	uint32_t lo = 0, hi = r->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int64_t ts = recent_at(r, mid)->ts;

		if (ts < t || (!at && ts == t))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The increase over the ring's points between from_ms and to_ms. */
static void
ring_increase(const struct series_recent *r, int64_t from_ms, int64_t to_ms,
    struct series_increase *out)
{
	uint32_t lo = 0, hi = r->n, i, k;
	double prev = 0;

	if (!r->unsorted) {
		/* in time order (as a rule): the window by bisection, not
		 * a walk over the whole ring */
		lo = ring_bound(r, from_ms, 1);
		hi = ring_bound(r, to_ms, 0);
		if (lo >= hi)
			return;
		if (r->bad_max < recent_at(r, lo)->ts) {
			/* whole numbers that only rise from the window's
			 * first point on (a histogram's buckets, request
			 * counts): the sum of the steps is the last less the
			 * first, exactly */
			const struct recent_point *p0 = recent_at(r, lo);
			const struct recent_point *p1 = recent_at(r, hi - 1);

			out->n = (int)(hi - lo);
			out->first_ms = p0->ts;
			out->last_ms = p1->ts;
			out->increase = p1->v - p0->v;
			return;
		}
	}
	/* stepping round the ring (recent_at's modulo for each point cost
	 * more than the sum) */
	k = lo == r->n ? 0 : (uint32_t)(recent_at(r, lo) - r->pt);
	for (i = lo; i < hi; i++) {
		const struct recent_point *p = &r->pt[k];

		if (++k == r->cap)
			k = 0;
		if (p->ts >= from_ms && p->ts <= to_ms)
			increase_add(out, p->ts, p->v, &prev);
	}
}

void
series_increase(struct series *s, int64_t from_ms, int64_t to_ms,
    struct series_increase *out)
{
	struct series_recent *r = s->recent;
	struct increase_walk w;

	memset(out, 0, sizeof *out);
	if (r == NULL)
		r = s->recent = recent_new(s, RECENT_MIN, NULL);
	if (r->evicted_max < from_ms || s->no_history) {
		/* Every point of the window is in the ring (or, without a
		 * history, the ring is all there is). */
		ring_increase(r, from_ms, to_ms, out);
	} else {
		/* Not all in the ring: from the chunks. */
		w.in = out;
		w.prev = 0;
		series_each(s, from_ms, to_ms, increase_step, &w);
	}
	/* When the ring is full, a point of the window was pushed out, its
	 * oldest point is in the window too and what it pushed out is older
	 * still, it is too small for the window: grow it.  (After the clock
	 * stepped back, what was pushed out can be newer than what is in:
	 * that passes with the window, and is no reason to grow.) */
	if (r->n == r->cap && r->cap < RECENT_MAX &&
	    r->evicted_max >= from_ms &&
	    recent_at(r, 0)->ts >= from_ms && recent_at(r, 0)->ts <= to_ms &&
	    r->evicted_max <= recent_at(r, 0)->ts) {
		s->recent = recent_new(s, r->cap * 2, r);
		free(r);
	}
}

size_t
series_recent_cap(const struct series *s)
{
	return s->recent != NULL ? s->recent->cap : 0;
}

int
series_rate_window(struct series *s, int64_t now_ms, int64_t window_ms,
    double *rate)
{
	struct series_increase in;

	series_increase(s, now_ms - window_ms, now_ms, &in);
	if (in.n < 2 || in.last_ms <= in.first_ms)
		return -1;
	*rate = in.increase * 1000.0 / (double)(in.last_ms - in.first_ms);
	return 0;
}

static int
walk_bytes(const uint8_t *data, size_t len, int64_t from_ms, int64_t to_ms,
    series_point_fn fn, void *ctx)
{
	struct chunk_dec d;
	int64_t ts;
	double v;
	int r;

	if (chunk_dec_init(&d, data, len) != 0)
		return 0;
	while (chunk_dec_next(&d, &ts, &v) == 1) {
		if (ts < from_ms || ts > to_ms)
			continue;
		if ((r = fn(ctx, ts, v)) != 0)
			return r;
	}
	return 0;
}

int
series_each(const struct series *s, int64_t from_ms, int64_t to_ms,
    series_point_fn fn, void *ctx)
{
	struct chunk_head h;
	const uint8_t *p;
	size_t len, off;
	int r;

	for (off = 0; off < s->hist_len; off += CHUNK_HEAD_LEN + h.len) {
		head_at(s, off, &h);
		/* by its oldest and newest times: exact, whatever order
		 * the clock gave the points */
		if (h.max_ms < from_ms || h.min_ms > to_ms)
			continue;
		if ((r = walk_bytes(s->hist + off + CHUNK_HEAD_LEN, h.len,
		    from_ms, to_ms, fn, ctx)) != 0)
			return r;
	}
	if (chunk_enc_count(&s->open) == 0)
		return 0;
	p = chunk_enc_bytes(&s->open, &len);
	return walk_bytes(p, len, from_ms, to_ms, fn, ctx);
}

static int
min_step(void *ctx, int64_t ts_ms, double v)
{
	int64_t *min = ctx;

	(void)v;
	if (ts_ms < *min)
		*min = ts_ms;
	return 0;
}

int64_t
series_oldest_ms(const struct series *s)
{
	struct chunk_head h;

	if (s->hist_len > 0) {
		head_at(s, 0, &h);
		if (h.min_ms == INT64_MIN) {
			/* its span was not kept: from its points */
			int64_t min = INT64_MAX;

			walk_bytes(s->hist + CHUNK_HEAD_LEN, h.len, INT64_MIN,
			    INT64_MAX, min_step, &min);
			return min;
		}
		return h.min_ms;
	}
	if (chunk_enc_count(&s->open) > 0)
		return chunk_enc_first_ts(&s->open);
	return INT64_MAX;
}
