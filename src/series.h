/*
 * series.h -- the engine's in-memory history: one entry per series
 * (worker, metric, labels), holding the latest points compressed with the
 * chunk codec for a bounded window, and the last two values for rates.
 *
 * The registry owns every series and every string in it.  Series are
 * addressed by a small dense index (series->idx) that never changes while
 * the registry lives, so other modules may keep indexes.
 */
#ifndef MODELTOP_SERIES_H
#define MODELTOP_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"

/* What kind of figure a series holds: decides how rates are computed. */
enum series_kind {
	SERIES_GAUGE,
	SERIES_COUNTER,		/* monotonic; a decrease is a reset */
};

struct series_recent;

struct series {
	uint32_t	 idx;		/* index in the registry */
	uint32_t	 worker;	/* caller's worker index */
	const char	*worker_name;	/* interned: one copy per name */
	const char	*metric;	/* interned */
	const char	*labels;	/* canonical {k="v",...}, may hold NULs;
					   in the series' own allocation */
	size_t		 labels_len;
	int64_t		 store_id;	/* id in the store, -1 when none yet */
	/* What figures.c made of the name, worked out once (role_known). */
	double		 role_arg;	/* le or quantile */
	double		 role_scale;	/* to seconds */

	int64_t		 last_ms, prev_ms;
	double		 last, prev;
	uint64_t	 resets;	/* counter resets seen */

	struct chunk_enc open;		/* newest points */
	/* the sealed chunks, oldest first, packed back to back in one
	 * allocation of exactly hist_len bytes: each a header (newest point
	 * time, span back to the oldest, byte length) and the codec's bytes */
	uint8_t		*hist;
	struct series_recent *recent;	/* newest raw points, for windows */
	struct series	*hnext;		/* hash chain */

	/* the four-byte and one-byte fields together: no holes */
	enum series_kind kind;
	int		 npoints;	/* 0, 1 or 2 of last/prev above */
	uint32_t	 hist_len;
	uint32_t	 hash;
	uint8_t		 no_history;	/* the registry keeps no chunks */
	uint8_t		 role_known;
	uint8_t		 role;
	int8_t		 family_score;
};

struct series_reg;

/* A new, empty registry keeping about window_ms of history per series;
 * with window_ms 0 it keeps none: only each series' last two points and,
 * for the series asked, series_increase's ring (series_each then finds
 * nothing).  Never fails (OOM is fatal). */
struct series_reg *series_reg_new(int64_t window_ms);
/* Free the registry and every series in it.  NULL is fine. */
void series_reg_free(struct series_reg *reg);

/* Find the series (worker, metric, labels), creating it with kind when it
 * does not exist.  worker_name is copied on creation.  Returns a pointer
 * owned by the registry, valid until series_reg_free. */
struct series *series_get(struct series_reg *reg, uint32_t worker,
    const char *worker_name, const char *metric, const char *labels,
    size_t labels_len, enum series_kind kind);
/* Find without creating; NULL when absent. */
struct series *series_find(struct series_reg *reg, uint32_t worker,
    const char *metric, const char *labels, size_t labels_len);

/* Number of series; series_at(reg, i) for i below it. */
size_t series_count(const struct series_reg *reg);
struct series *series_at(const struct series_reg *reg, size_t i);

/* Append a point.  Old chunks beyond the window are dropped. */
void series_append(struct series_reg *reg, struct series *s, int64_t ts_ms,
    double v);

/* Per-second rate between the last two points: the difference for a gauge,
 * and for a counter the increase, where a decrease counts as a reset (the
 * increase is then the new value).  Returns 0 and the rate, or -1 when
 * there are fewer than two points or no time passed between them. */
int series_rate(const struct series *s, double *rate);

/* What series_increase makes of a window. */
struct series_increase {
	int		n;		/* points in the window (NaN not counted) */
	int64_t		first_ms;	/* time of the first of them */
	int64_t		last_ms;	/* ... and of the last */
	double		increase;	/* a counter's rise over them */
};

/* The points of s with from_ms <= time <= to_ms, NaN skipped, taken in
 * the order they were appended, summed as a counter's increase: each
 * adds its rise over the one before, and a fall is a reset (the new
 * value is the rise).  Exactly what a series_each walk would sum (with a
 * history; without one, what the ring holds), but
 * answered from a small ring of the newest raw points whenever that ring
 * holds every point of the window: the ring is made on the first call
 * and grown (to a bound) until a window fits, so a window asked every
 * tick costs the points in it, not the decoding of whole chunks. */
void series_increase(struct series *s, int64_t from_ms, int64_t to_ms,
    struct series_increase *out);

/* Points series_increase's ring holds room for; 0 before the first call. */
size_t series_recent_cap(const struct series *s);

/* Rate of a counter over [now_ms - window_ms, now_ms] from the history
 * (series_increase's rise over the time between the window's first and
 * last points).  -1 when there are fewer than two points in the window
 * or no time between them. */
int series_rate_window(struct series *s, int64_t now_ms,
    int64_t window_ms, double *rate);

typedef int (*series_point_fn)(void *ctx, int64_t ts_ms, double v);
/* Call fn for every point in [from_ms, to_ms], oldest first; a nonzero
 * return from fn stops the walk and is returned. */
int series_each(const struct series *s, int64_t from_ms, int64_t to_ms,
    series_point_fn fn, void *ctx);

/* Time of the oldest point still in memory; INT64_MAX when none. */
int64_t series_oldest_ms(const struct series *s);

/* Bytes of memory the registry holds in chunks (for the footprint). */
size_t series_reg_bytes(const struct series_reg *reg);

#endif
