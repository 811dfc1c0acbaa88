/*
 * view.h -- what the console draws from: the state of the fleet at a time
 * t.  Live mode answers from the engine's memory (view_live_new), replay
 * from a recording (view_replay_new, view-replay.c).  Panels cannot tell
 * the difference, and never sample, parse or query anything themselves;
 * only the time bar and the replay commands use the replay operations.
 *
 * Everything a view returns is owned by the view and stays valid until
 * the next call of view_dispatch (or view_seek) on it.
 */
#ifndef MODELTOP_VIEW_H
#define MODELTOP_VIEW_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum view_state {
	VIEW_UNKNOWN,		/* never seen a process */
	VIEW_UP,
	VIEW_DOWN,		/* process gone, or its scrape failing */
	VIEW_RESTARTING,	/* restarted within the last few intervals */
};

/* One worker at time t.  Figures not known are NAN. */
struct view_worker {
	const char	*name;
	enum view_state	 state;
	pid_t		 pid;		/* 0 when none */
	double		 cpu_percent;
	double		 rss_bytes, pss_bytes, swap_bytes;
	double		 limit_bytes;	/* NAN when no limit */
	double		 gpu_bytes;	/* NAN without NVML */
	double		 req_rate;	/* requests per second */
	double		 err_rate;	/* errors per second */
	double		 p50_s, p99_s;	/* latency quantiles, seconds */
	double		 restarts;
	double		 rss_slope;	/* bytes per second over the trend window */
	double		 threads, fds;
	int		 incidents;	/* open incidents */
	uint64_t	 scrape_errors;	/* malformed exposition lines, total */
	const char	*note;		/* why down, last scrape error; "" none */

	/* memory health, as the analysis computed it at t */
	int		 leak;		/* leak verdict: growth with confidence */
	double		 slope_lo, slope_hi;	/* 95% interval of rss_slope */
	double		 ttl_s, ttl_lo_s, ttl_hi_s; /* time to the limit */
	double		 fragmentation;	/* RSS / allocated bytes */
	double		 efficiency;	/* 0..100 */
	int		 risk;		/* VIEW_RISK_* */
	const char	*risk_reason;	/* "" when low */
	const char	*mitigation;	/* recommended, among the worker's
					   configured actions; "" none */
	/* anomalies flagged at t: VIEW_ANOM_* bits, and the highest score */
	unsigned	 anomalies;
	double		 anomaly_score;
	int		 rules_firing;	/* threshold rules firing now */
};

#define VIEW_RISK_LOW		0
#define VIEW_RISK_MEDIUM	1
#define VIEW_RISK_HIGH		2
#define VIEW_RISK_CRITICAL	3

#define VIEW_ANOM_LATENCY	0x1
#define VIEW_ANOM_ERRORS	0x2
#define VIEW_ANOM_REQUESTS	0x4
#define VIEW_ANOM_CPU		0x8
#define VIEW_ANOM_RSS		0x10

/* An error session.  severity: 0 info, 1 warning, 2 critical. */
struct view_incident {
	int64_t		 id;
	const char	*worker, *cls, *strategy, *trigger;
	const char	*exc_type, *exc_message;	/* "" when none */
	const char	*acked_by, *resolved_by;	/* "" when none */
	int		 severity;
	int		 open;
	int64_t		 opened_ms, last_ms, resolved_ms, acked_ms;
	int		 count;		/* triggers joined */
	int		 attempts;	/* recovery attempts */
};

struct view_entry {
	int64_t		 ts_ms;
	const char	*kind;		/* trigger, join, cleared, ack, note,
					   resolve, attempt */
	const char	*text;
};

/* A line of a worker's log as the engine saw it. */
struct view_log_line {
	int64_t		 ts_ms;		/* when it was read */
	uint64_t	 seq;		/* a number naming the line across
					   calls; larger for newer lines
					   (in replay: lines recorded
					   later) */
	const char	*text;
	size_t		 len;
	int		 matched;	/* a classification rule matched */
	const char	*cls;		/* its class, "" when none */
	int		 severity;
};

/* Error patterns per worker and class. */
struct view_pattern {
	const char	*worker, *cls;
	int		 count, count_hour, count_day;
	double		 mtbf_s, mttr_s;	/* NAN when unknown */
	int		 recurring;	/* recurrences of one signature */
	int64_t		 last_ms;
};

/* Host-wide figures. */
struct view_host {
	double		 psi_some_avg10, psi_full_avg10; /* memory pressure %, NAN */
};

/* One series of a worker with its value at t. */
struct view_series {
	const char	*metric;
	const char	*labels;	/* canonical {k="v",...}, "" none */
	size_t		 labels_len;
	double		 value;		/* NAN when no point at or before t */
	int64_t		 ts_ms;		/* time of that value */
	int		 counter;	/* cumulative: charts may show its rate */
};

struct view_event {
	int64_t		 ts_ms;
	const char	*worker;	/* NULL for the fleet */
	const char	*kind;		/* EV_* of engine.h */
	const char	*text;
};

typedef int (*view_point_fn)(void *ctx, int64_t ts_ms, double v);

/* Replay: how the cursor moves by itself. */
#define VIEW_SPEED_MAX	64
struct view_play {
	int		 playing;	/* the cursor moves by itself */
	int		 speed;		/* 1, 2, 4, ... VIEW_SPEED_MAX times
					   real time */
	int		 reverse;	/* backwards in time */
	int		 follow;	/* at the newest tick, staying there
					   as the recording grows */
	int		 scanning;	/* (get only) still scanning the
					   recording for gaps: view_gaps
					   may grow */
};

/* Replay: a stretch without samples (the recorder was not running),
 * from the last tick before it to the first tick after it. */
struct view_gap {
	int64_t		 from_ms, to_ms;
};

/* Replay: a mark on the time bar, an incident's opening. */
struct view_mark {
	int64_t		 ts_ms;
	int64_t		 id;		/* the incident */
	int		 severity;	/* 0 info, 1 warning, 2 critical */
};

/* What view_find looks for. */
enum view_find {
	VIEW_FIND_INCIDENT,	/* an incident's opening */
	VIEW_FIND_EVENT,	/* any event */
};

struct view;

struct view_ops {
	const char *(*mode)(struct view *);
	const char *(*source)(struct view *);
	int64_t	 (*time)(struct view *);
	int64_t	 (*interval)(struct view *);
	size_t	 (*workers)(struct view *, const struct view_worker **);
	size_t	 (*series)(struct view *, const char *,
		     const struct view_series **);
	int	 (*points)(struct view *, const char *, const char *,
		     const char *, size_t, int64_t, int64_t, view_point_fn,
		     void *);
	size_t	 (*events)(struct view *, const char *, size_t,
		     const struct view_event **);
	int	 (*pollfds)(struct view *, struct pollfd *, int, int *);
	int	 (*dispatch)(struct view *, const struct pollfd *, int);
	const char *(*status)(struct view *);
	void	 (*free)(struct view *);
	size_t	 (*incidents)(struct view *, const char *, int,
		     const struct view_incident **);
	size_t	 (*timeline)(struct view *, int64_t,
		     const struct view_entry **);
	size_t	 (*log)(struct view *, const char *,
		     const struct view_log_line **);
	size_t	 (*patterns)(struct view *, const struct view_pattern **);
	void	 (*host)(struct view *, struct view_host *);
	/* replay only (NULL live): move the cursor */
	int	 (*seek)(struct view *, int64_t);
	int	 (*span)(struct view *, int64_t *, int64_t *);
	size_t	 (*gaps)(struct view *, const struct view_gap **);
	size_t	 (*marks)(struct view *, const struct view_mark **);
	void	 (*play_get)(struct view *, struct view_play *);
	void	 (*play_set)(struct view *, const struct view_play *);
	int	 (*find)(struct view *, enum view_find, int, int64_t *);
};

struct view {
	const struct view_ops *ops;
};

/* "live" or "replay". */
const char *view_mode(struct view *v);
/* What is shown: the host name (live) or the recording's path (replay). */
const char *view_source(struct view *v);
/* The time t shown (the latest tick live; the cursor in replay), ms. */
int64_t view_time(struct view *v);
/* The sampling interval, ms. */
int64_t view_interval(struct view *v);
/* Every worker at t (retired ones left out), in configuration order.
 * *out points into the view. */
size_t view_workers(struct view *v, const struct view_worker **out);
/* Every series of worker at t, sorted by metric then labels. */
size_t view_series(struct view *v, const char *worker,
    const struct view_series **out);
/* Points of one series in [from_ms, to_ms], oldest first; fn returning
 * nonzero stops the walk.  Reads the store for what memory no longer has.
 * Returns 0, or -1 when the series is unknown. */
int view_points(struct view *v, const char *worker, const char *metric,
    const char *labels, size_t labels_len, int64_t from_ms, int64_t to_ms,
    view_point_fn fn, void *ctx);
/* Up to max events at or before t, newest first; worker NULL for all. */
size_t view_events(struct view *v, const char *worker, size_t max,
    const struct view_event **out);
/* Add the view's descriptors for poll() and lower *timeout_ms to its next
 * timer.  Returns how many were added. */
int view_pollfds(struct view *v, struct pollfd *fds, int max,
    int *timeout_ms);
/* After poll(): let the view do its work (a tick, a scrape, replay
 * playback).  Returns VIEW_CHANGED when what it shows changed. */
#define VIEW_CHANGED	0x1
#define VIEW_ERROR	0x2	/* view_status has a message: an error */
#define VIEW_NOTICE	0x4	/* view_status has a message: news, not an error */
int view_dispatch(struct view *v, const struct pollfd *fds, int n);
/* A message for the status line (store trouble, ...), or NULL. */
const char *view_status(struct view *v);
/* Free the view.  NULL is fine. */
void view_free(struct view *v);

/* Incidents at t, newest first: of worker (NULL all), only the open ones
 * when open_only. */
size_t view_incidents(struct view *v, const char *worker, int open_only,
    const struct view_incident **out);
/* The timeline of incident id, oldest first; 0 when unknown. */
size_t view_timeline(struct view *v, int64_t id,
    const struct view_entry **out);
/* The recent lines of worker's log, oldest first (a bounded window). */
size_t view_log(struct view *v, const char *worker,
    const struct view_log_line **out);
/* Error patterns per worker and class. */
size_t view_patterns(struct view *v, const struct view_pattern **out);
/* Host-wide figures at t. */
void view_host(struct view *v, struct view_host *out);

/*
 * Replay only: on a live view these return -1 (or 0 items) and change
 * nothing.
 */
/* Move the cursor to t_ms, clamped to the recording's span, and leave
 * follow mode.  Returns 0, or -1 on a live view. */
int view_seek(struct view *v, int64_t t_ms);
/* The times of the first and last sample of the recording: 0, 1 when
 * it has none (yet), -1 on a live view. */
int view_span(struct view *v, int64_t *first_ms, int64_t *last_ms);
/* The gaps of the recording found so far, oldest first (a long
 * recording is scanned in the background, a slice per view_dispatch,
 * while view_play says scanning); *out points into the view. */
size_t view_gaps(struct view *v, const struct view_gap **out);
/* Every incident's opening, oldest first; *out points into the view. */
size_t view_marks(struct view *v, const struct view_mark **out);
/* The playback state into *out: 0, or -1 (and *out zeroed) live. */
int view_play(struct view *v, struct view_play *out);
/* Set the playback state: speed is clamped to 1..VIEW_SPEED_MAX; follow
 * moves the cursor to the newest tick (and stops playing).  0, or -1
 * on a live view. */
int view_play_set(struct view *v, const struct view_play *p);
/* The time of the previous (dir < 0) or next (dir > 0) incident opening
 * or event strictly before or after the cursor, into *out_ms: 0, or -1
 * when there is none (or live). */
int view_find(struct view *v, enum view_find what, int dir,
    int64_t *out_ms);

struct engine;
/* The live view over eng (borrowed; it must outlive the view). */
struct view *view_live_new(struct engine *eng);
/* The engine behind a live view, or NULL for other views. */
struct engine *view_live_engine(struct view *v);

struct store;
/* The replay view over st (a reader; the view owns it from now on and
 * closes it in view_free), with the cursor at at_ms (clamped to the
 * span; INT64_MAX: the newest tick, following).  Reads what it needs
 * to answer at once (series, events, incidents, gaps); returns NULL
 * with a message in err on a database error (st is then closed). */
struct view *view_replay_new(struct store *st, int64_t at_ms, char *err,
    size_t errlen);

#endif
