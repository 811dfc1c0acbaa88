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

struct series_chunk {
	struct series_chunk *next;
	int64_t		 first_ms, last_ms;
	size_t		 len;
	uint8_t		 data[];
};

struct series_reg {
	int64_t		  window_ms;
	struct series	**all;
	size_t		  n, cap;
	struct series	**buckets;
	size_t		  nbuckets;	/* power of two */
	size_t		  chunk_bytes;
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
	struct series_chunk *c, *next;

	for (c = s->sealed; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	chunk_enc_free(&s->open);
	free(s->worker_name);
	free(s->metric);
	free(s->labels);
	free(s);
}

void
series_reg_free(struct series_reg *reg)
{
	size_t i;

	if (reg == NULL)
		return;
	for (i = 0; i < reg->n; i++)
		series_free(reg->all[i]);
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
	s = xcalloc(1, sizeof *s);
	s->idx = (uint32_t)reg->n;
	s->worker = worker;
	s->worker_name = xstrdup(worker_name);
	s->metric = xstrdup(metric);
	s->labels = xstrndup(labels != NULL ? labels : "", labels_len);
	s->labels_len = labels_len;
	s->kind = kind;
	s->store_id = -1;
	s->hash = h;
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

static void
seal(struct series_reg *reg, struct series *s)
{
	struct series_chunk *c;
	const uint8_t *p;
	size_t len;

	p = chunk_enc_bytes(&s->open, &len);
	c = xmalloc(sizeof *c + len);
	c->next = NULL;
	c->first_ms = chunk_enc_first_ts(&s->open);
	c->last_ms = chunk_enc_last_ts(&s->open);
	c->len = len;
	memcpy(c->data, p, len);
	if (s->sealed_tail != NULL)
		s->sealed_tail->next = c;
	else
		s->sealed = c;
	s->sealed_tail = c;
	reg->chunk_bytes += len;
	chunk_enc_reset(&s->open);
}

static void
expire(struct series_reg *reg, struct series *s, int64_t now_ms)
{
	struct series_chunk *c;

	/* A chunk goes once its newest point has left the window.  The
	 * wall clock may step backwards, so compare with the newest point
	 * appended rather than trusting chunk order alone. */
	while ((c = s->sealed) != NULL && c->last_ms < now_ms - reg->window_ms) {
		s->sealed = c->next;
		if (s->sealed == NULL)
			s->sealed_tail = NULL;
		reg->chunk_bytes -= c->len;
		free(c);
	}
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

struct rate_walk {
	int		n;
	int64_t		first_ms, last_ms;
	double		prev, increase;
};

static int
rate_step(void *ctx, int64_t ts_ms, double v)
{
	struct rate_walk *w = ctx;

	if (isnan(v))
		return 0;
	if (w->n == 0)
		w->first_ms = ts_ms;
	else
		w->increase += v >= w->prev ? v - w->prev : v;
	w->prev = v;
	w->last_ms = ts_ms;
	w->n++;
	return 0;
}

int
series_rate_window(const struct series *s, int64_t now_ms, int64_t window_ms,
    double *rate)
{
	struct rate_walk w = {0};

	series_each(s, now_ms - window_ms, now_ms, rate_step, &w);
	if (w.n < 2 || w.last_ms <= w.first_ms)
		return -1;
	*rate = w.increase * 1000.0 / (double)(w.last_ms - w.first_ms);
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
	const struct series_chunk *c;
	const uint8_t *p;
	size_t len;
	int r;

	for (c = s->sealed; c != NULL; c = c->next) {
		/* min/max would be exact; first/last is right unless the
		 * clock stepped back inside the chunk, so only skip chunks
		 * that lie wholly outside by both ends. */
		if (c->last_ms < from_ms && c->first_ms < from_ms)
			continue;
		if (c->first_ms > to_ms && c->last_ms > to_ms)
			continue;
		if ((r = walk_bytes(c->data, c->len, from_ms, to_ms, fn, ctx)) != 0)
			return r;
	}
	if (chunk_enc_count(&s->open) == 0)
		return 0;
	p = chunk_enc_bytes(&s->open, &len);
	return walk_bytes(p, len, from_ms, to_ms, fn, ctx);
}

int64_t
series_oldest_ms(const struct series *s)
{
	if (s->sealed != NULL)
		return s->sealed->first_ms;
	if (chunk_enc_count(&s->open) > 0)
		return chunk_enc_first_ts(&s->open);
	return INT64_MAX;
}
