/*
 * memhealth.h -- memory health of one worker: RSS growth by least squares
 * over a sliding window, a leak verdict only when the growth is positive
 * with confidence, the time until the memory limit with its interval,
 * fragmentation (RSS over allocated bytes), an efficiency score, a risk
 * level with its reason spelled out, and the ideal mitigation.
 *
 * Plain numbers in, plain numbers out: the state is one fixed-size struct
 * owned by the caller, nothing is allocated, an update costs O(points in
 * the window).  Thresholds are the MEMHEALTH_* constants below and are
 * explained in docs/analysis.md.
 */
#ifndef MODELTOP_MEMHEALTH_H
#define MODELTOP_MEMHEALTH_H

#include <stdint.h>

#include "stats.h"

#define MEMHEALTH_WINDOW_DEFAULT_MS	(10 * 60 * 1000)
#define MEMHEALTH_WINDOW_MAX_MS		(7LL * 24 * 3600 * 1000)	/* a week */
#define MEMHEALTH_POINTS	360	/* kept at most; closer samples than
					   window / 360 are not kept */
/* regression shown (slope, its interval, R^2) */
#define MEMHEALTH_FIT_MIN_POINTS	10
#define MEMHEALTH_FIT_MIN_SPAN_MS	10000
/* growth (and the time to the limit) and the leak verdict */
#define MEMHEALTH_LEAK_MIN_POINTS	20
#define MEMHEALTH_LEAK_MIN_SPAN_MS	60000	/* or half the window */
#define MEMHEALTH_LEAK_FLOOR		(65536.0 / 60)	/* 64K/min, bytes/s */
#define MEMHEALTH_GROW_MIN_R2		0.3
#define MEMHEALTH_LEAK_MIN_R2		0.6
/* risk */
#define MEMHEALTH_CRIT_PCT		95.0	/* of the limit */
#define MEMHEALTH_CRIT_TTL_S		300.0	/* ttl_hi below: critical */
#define MEMHEALTH_HIGH_PCT		85.0
#define MEMHEALTH_HIGH_TTL_S		3600.0	/* leak, ttl below: high */
#define MEMHEALTH_FRAG_HIGH		2.0	/* rss / allocated above... */
#define MEMHEALTH_FRAG_MIN_RSS		(100.0 * 1024 * 1024)	/* ...and RSS */
#define MEMHEALTH_SWAP_MIN		(1024.0 * 1024)	/* swap in use */

struct memhealth {
	int64_t	 window_ms;
	int64_t	 spacing_ms;	/* least time between kept points */
	int64_t	 origin_ms;	/* time 0 of t[] */
	int64_t	 last_ms;	/* newest kept point */
	double	 restarts;	/* last seen restart count, NAN unknown */
	int	 start, n;	/* the window is t[start .. start + n) */
	int	 pushes;	/* since the sums were last re-centred */
	struct stats_linsum sums;	/* of the window's points */
	/* a ring: the window is t[start], t[(start + 1) % N], ...; whole
	 * milliseconds (the seconds the fit takes are t / 1000, as exact as
	 * a double of the time since origin_ms) in half a double's room */
	int32_t	 t[MEMHEALTH_POINTS];	/* ms since origin_ms */
	double	 v[MEMHEALTH_POINTS];	/* RSS bytes (exact: a float's 24
					   bits move a slope of bytes/s) */
	/* the texts of the last update, and what they were made from:
	 * rebuilt only when a figure they show has changed */
	int	 text_valid;
	int64_t	 text_key[16];
	char	 reason[200];
	char	 mitigation_text[160];
};

struct memhealth_input {
	int64_t	 ts_ms;
	double	 rss, pss, swap;	/* bytes; NAN unknown */
	double	 limit;			/* bytes; NAN (or <= 0) none */
	double	 allocated;		/* malloc_allocated_bytes or NAN */
	double	 restarts;		/* proc_restarts, NAN unknown */
};

enum memhealth_risk {
	RISK_LOW,
	RISK_MEDIUM,
	RISK_HIGH,
	RISK_CRITICAL
};

enum memhealth_mitigation {
	MITIGATE_NONE,
	MITIGATE_TRIM,		/* return free heap pages: malloc_trim */
	MITIGATE_RESTART,	/* a leak: only a restart returns it */
	MITIGATE_RAISE_LIMIT	/* a plateau just under the limit */
};

struct memhealth_result {
	double	rss;		/* bytes now (NAN when not sampled) */
	double	limit_pct;	/* rss as a percentage of the limit, NAN */
	int	points;		/* points in the window */
	double	span_s;		/* time they span */
	double	slope;		/* bytes/s, least squares over the window;
				   NAN below MEMHEALTH_FIT_MIN_* */
	double	slope_se, r2;	/* its standard error and R^2 */
	double	slope_lo, slope_hi;	/* 95% interval */
	int	growing;	/* slope_lo > MEMHEALTH_LEAK_FLOOR, R^2 >=
				   MEMHEALTH_GROW_MIN_R2, at least
				   MEMHEALTH_LEAK_MIN_POINTS points spanning
				   MEMHEALTH_LEAK_MIN_SPAN_MS (or half the
				   window when that is shorter) */
	int	leak;		/* growing and R^2 >= MEMHEALTH_LEAK_MIN_R2 */
	double	ttl_s, ttl_lo_s, ttl_hi_s;	/* seconds until the limit:
				   from the regression line's value now at
				   slope, and its 95% bounds (the line's
				   upper bound at slope_hi, its lower bound
				   at slope_lo); 0 at or above the limit;
				   NAN with no limit or when not growing */
	double	fragmentation;	/* rss / allocated, NAN unknown */
	double	efficiency;	/* 100 * allocated / rss, capped to 0..100;
				   NAN when allocated is unknown */
	enum memhealth_risk risk;
	char	reason[200];	/* why this risk, with the figures */
	enum memhealth_mitigation mitigation;
	char	mitigation_text[160];	/* why that one; "" for none */
};

/* Set up m for a worker with a regression window of window_ms (<= 0:
 * MEMHEALTH_WINDOW_DEFAULT_MS; at most MEMHEALTH_WINDOW_MAX_MS).  Never
 * fails, allocates nothing. */
void memhealth_init(struct memhealth *m, int64_t window_ms);

/* The process restarted: drop the history (the window setting stays). */
void memhealth_reset(struct memhealth *m);

/* Take one sample and fill *out.  A change of in->restarts from the
 * previous sample, or a time before the newest kept point (the clock
 * stepped back), resets the history first.  A non-finite or negative
 * RSS adds no point (out->rss is then NAN and the figures come from the
 * history).  Never fails. */
void memhealth_update(struct memhealth *m, const struct memhealth_input *in,
    struct memhealth_result *out);

/* "low", "medium", "high", "critical"; "?" out of range. */
const char *memhealth_risk_name(int risk);

/* "none", "trim", "restart", "raise-limit"; "?" out of range. */
const char *memhealth_mitigation_name(int mitigation);

#endif
