/*
 * view.h -- what the console draws from: the state of the fleet at a time
 * t.  Live mode answers from the engine's memory (view_live_new), replay
 * from a recording (view_replay_new, a later module).  Panels cannot tell
 * the difference, and never sample, parse or query anything themselves.
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
#define VIEW_ERROR	0x2	/* view_status has a message */
int view_dispatch(struct view *v, const struct pollfd *fds, int n);
/* A message for the status line (store trouble, ...), or NULL. */
const char *view_status(struct view *v);
/* Free the view.  NULL is fine. */
void view_free(struct view *v);

struct engine;
/* The live view over eng (borrowed; it must outlive the view). */
struct view *view_live_new(struct engine *eng);
/* The engine behind a live view, or NULL for other views. */
struct engine *view_live_engine(struct view *v);

#endif
