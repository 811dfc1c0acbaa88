/*
 * anomaly.h -- online anomaly detection for one series of plain numbers
 * (a worker's latency, error rate, request rate, CPU, RSS...): each new
 * value is scored against the window of values before it with a robust
 * z-score (rolling median and MAD, so noise and past outliers do not move
 * the yardstick), smoothed (EWMA), and forecast (Holt's linear method with
 * a 95% prediction interval).
 *
 * The state is a struct owned by the caller with the window allocated at
 * its configured size (anomaly_init; anomaly_free returns it), and an
 * update costs O(window) memory moves (a window kept sorted) plus O(1)
 * arithmetic.  See docs/analysis.md.
 */
#ifndef MODELTOP_ANOMALY_H
#define MODELTOP_ANOMALY_H

#include <stdint.h>

#include "stats.h"

#define ANOMALY_WINDOW_DEFAULT	60	/* values */
#define ANOMALY_WINDOW_MAX	120
#define ANOMALY_MIN_HISTORY	10	/* values before anything is scored */
#define ANOMALY_THRESHOLD_DEFAULT 6.0	/* robust z */
#define ANOMALY_REL_FLOOR	0.05	/* MAD floor: 5% of |median| ... */
#define ANOMALY_ABS_FLOOR	1e-6	/* ... or this, in the series' unit */
#define ANOMALY_HORIZON_S	60.0	/* forecast horizon */
#define ANOMALY_EWMA_HALFLIFE_S	10.0
#define ANOMALY_HOLT_ALPHA	0.3
#define ANOMALY_HOLT_BETA	0.05
#define ANOMALY_SPIKE_RUN	3	/* outliers from the 3rd in a row on
					   are a level shift, not a spike */

/* Which side of the median is bad. */
#define ANOMALY_BOTH	0
#define ANOMALY_HIGH	1	/* latency, errors */
#define ANOMALY_LOW	(-1)	/* throughput that collapses */

struct anomaly {
	int		 window;	/* values kept for the median */
	int		 direction;	/* ANOMALY_HIGH, _LOW or _BOTH */
	double		 threshold;	/* robust z beyond which v is flagged */
	double		 abs_floor;	/* MAD floor in the series' unit */
	double		 rel_floor;	/* MAD floor, fraction of |median| */
	double		 horizon_s;	/* forecast horizon, seconds */

	int		 n;		/* values in the window */
	int		 head;		/* ring slot of the next value */
	int		 run;		/* consecutive outliers so far */
	int64_t		 last_ms;	/* time of the last value taken */
	double		 step_s;	/* smoothed time between values */
	struct stats_ewma ewma;
	struct stats_holt holt;
	double		*ring;		/* window values, arrival order */
	double		*sorted;	/* same, ascending */
};

struct anomaly_result {
	double	score;		/* robust z of v against the window before
				   it, signed (+: above the median); NAN
				   before ANOMALY_MIN_HISTORY values and
				   for a skipped value */
	int	flagged;	/* |score| > threshold on the bad side */
	double	median;		/* of the window before v (NAN early) */
	double	scale;		/* the MAD used, after fallback and floor */
	double	ewma;		/* smoothed value */
	double	rate;		/* trend: change per second (Holt's trend
				   over the sample spacing); NAN early */
	double	next;		/* Holt forecast of the next value */
	double	forecast, lo, hi; /* horizon_s ahead, 95% interval (lo,
				   hi NAN until a one-step error is known) */
	double	horizon_s;
};

/* Set up a for a new series: window values (<= 0: the default, clamped
 * to [ANOMALY_MIN_HISTORY, ANOMALY_WINDOW_MAX]), a robust-z threshold
 * (<= 0 or NAN: the default 6) and the bad direction (+1 only high values
 * are flagged, -1 only low ones, 0 both).  Floors and horizon take the
 * defaults above.  The window (2 * window doubles) is allocated here and
 * owned by a until anomaly_free: an a set up before must be freed first.
 * Out of memory is fatal. */
void anomaly_init(struct anomaly *a, int window, double threshold,
    int direction);

/* Free a's window; a must be set up again before its next use.  An a
 * zeroed (or freed) already is fine. */
void anomaly_free(struct anomaly *a);

/* Set the MAD floor: max(abs_floor, rel_floor * |median|).  Choose
 * abs_floor as the smallest change that matters in the series' unit (1%
 * CPU, 1 MB of RSS, 1 ms of latency...) so that an idle series does not
 * flag its first wiggle.  Negative or NAN values are taken as 0. */
void anomaly_set_floor(struct anomaly *a, double abs_floor,
    double rel_floor);

/* Set the forecast horizon in seconds (<= 0 or NAN: the default). */
void anomaly_set_horizon(struct anomaly *a, double horizon_s);

/* Forget the history (the worker restarted); the settings stay. */
void anomaly_reset(struct anomaly *a);

/* Take value v sampled at ts_ms and fill *out.  v is scored against the
 * window before it is added.  A non-finite v is skipped: not added, score
 * NAN, not flagged, the other figures as they were.  Never fails. */
void anomaly_update(struct anomaly *a, int64_t ts_ms, double v,
    struct anomaly_result *out);

#endif
