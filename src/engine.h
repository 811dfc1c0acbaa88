/*
 * engine.h -- the sampling engine: finds the workers of a configuration,
 * samples /proc and scrapes /metrics every tick, keeps recent history in
 * memory (series.h), logs events, and hands one batch per tick to the
 * store when it records.
 *
 * The engine never blocks: the caller runs one poll() loop, adding the
 * engine's descriptors (engine_pollfds) to its own, and calls
 * engine_dispatch after every poll().
 */
#ifndef MODELTOP_ENGINE_H
#define MODELTOP_ENGINE_H

#include <poll.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"
#include "figures.h"
#include "proc.h"
#include "series.h"

struct store;

/* Events the engine logs (the kind column of the events table). */
#define EV_STARTED		"started"
#define EV_EXITED		"exited"
#define EV_RESTARTED		"restarted"
#define EV_NOT_FOUND		"not_found"
#define EV_SCRAPE_FAILED	"scrape_failed"
#define EV_SCRAPE_RECOVERED	"scrape_recovered"
#define EV_SCRAPE_SKIPPED	"scrape_skipped"
#define EV_PARSE_ERROR		"parse_error"
#define EV_CLOCK		"clock"
#define EV_STORE		"store"
#define EV_INCIDENT		"incident"
#define EV_LOG			"log"
#define EV_RULE			"rule"
#define EV_ANOMALY		"anomaly"
#define EV_MEMORY		"memory"

/* Window over which rates and latency quantiles are computed. */
#define ENGINE_RATE_WINDOW_MS	(30 * 1000)

struct worker {
	uint32_t	 idx;
	char		*name;		/* NAME, or NAME/PID for extra matches */
	const struct cfg_worker *cfg;
	int		 primary;	/* named NAME (not NAME/PID) */
	int		 retired;	/* NAME/PID whose process is gone */
	int64_t		 gone_ms;

	pid_t		 pid;		/* 0 when no process */
	uint64_t	 starttime;
	int		 alive;		/* the process exists */
	int		 seen;		/* had a process at least once */
	int		 up;		/* alive and the last scrape, if any, ok */
	uint64_t	 restarts;
	char		 find_error[160]; /* why no process (pid file...) */
	struct timespec	 pidfile_mtime;	/* the pid file as last read */
	ino_t		 pidfile_ino;
	off_t		 pidfile_size;
	struct series	**page_cache;	/* series of the k-th sample of the
					   last page: pages keep their order */
	size_t		 npage_cache;
	struct {				/* the engine's own figures, keyed */
		const char	*name;		/* by the address of their name */
		struct series	*s;
	}		 lit_cache[48];

	uint64_t	 memory_limit;	/* config, else cgroup, 0 = none */
	int		 limit_from_cgroup;

	struct proc_handle ph;		/* open while the process is tracked */
	int		 ph_open;
	int		 nsamples;	/* samples of this process so far */
	struct proc_sample cur;
	int		 has_cur;
	double		 cpu_percent;
	int64_t		 limit_mono_ms;	/* when the cgroup limit was read */
	int		 has_gpu;
	uint64_t	 gpu_bytes;

	int64_t		 restart_ms;	/* time of the last restart */
	uint32_t	*series_idx;	/* this worker's series in the registry */
	size_t		 nseries, series_cap;
	struct worker_figures fig;	/* derived each tick (figures.h) */
	struct worker_analysis *an;	/* analysis.c's state */

	int		 scrape_state;	/* 0 never, 1 ok, -1 failing */
	int		 scrape_pending;
	int64_t		 scrape_tick_ms;
	uint64_t	 scrape_errors;	/* malformed lines, total */
	uint64_t	 scrape_skips;
	int		 parse_error_line; /* of the last page, 0 none */
	int64_t		 scrape_duration_ms;
	char		 scrape_error[256];
	size_t		 scrape_samples;
};

struct engine_event {
	int64_t		 ts_ms;
	char		*worker;	/* NULL for the fleet */
	char		*kind;
	char		*text;
};

/* Called for every event the engine logs, after it is stored. */
typedef void (*engine_event_fn)(void *ctx, const struct engine_event *ev);

/* engine_opts.history_ms for an engine that draws nothing (record):
 * series keep no chunks in memory, only their last values and the small
 * rings that the 30 s figure and rule windows are read from. */
#define ENGINE_HISTORY_NONE	(-1)

struct engine_opts {
	const char	*db;		/* record into this file; NULL: memory only */
	uid_t		 only_uid;	/* match workers of this uid; -1 any */
	int64_t		 history_ms;	/* in-memory window; 0 = 15 minutes;
					   ENGINE_HISTORY_NONE: none */
	engine_event_fn	 on_event;
	void		*on_event_ctx;
};

struct engine;

/* Build an engine over cfg (borrowed: it must outlive the engine).  When
 * opts->db is set, opens it for writing; on failure returns NULL with a
 * message in err.  Never samples here: the first tick does. */
struct engine *engine_new(const struct config *cfg,
    const struct engine_opts *opts, char *err, size_t errlen);
/* Commit what is pending, close the store, free everything.  Returns 0,
 * or -1 with a message when the last commit failed.  NULL is fine. */
int engine_free(struct engine *eng, char *err, size_t errlen);

/* Add the engine's descriptors to fds (at most max) and lower *timeout_ms
 * to the time until the next tick or scrape timer.  Returns the count. */
int engine_pollfds(struct engine *eng, struct pollfd *fds, int max,
    int *timeout_ms);

/* Result bits of engine_dispatch. */
#define ENGINE_TICKED		0x1	/* a tick's figures are complete (for a
					   tick that scrapes, once the last
					   scrape is in) */
#define ENGINE_CHANGED		0x2	/* new data: the screen may redraw (once
					   a tick, and 250 ms into a
					   tick whose scrapes are still out) */
#define ENGINE_STORE_ERROR	0x4	/* a commit failed; engine_store_error */

/* Drive the engine after poll(): finish scrapes whose sockets are ready,
 * and run a tick when one is due.  fds/n are what poll() returned for the
 * descriptors engine_pollfds added (the caller may pass its whole array).
 * Returns ENGINE_* bits. */
int engine_dispatch(struct engine *eng, const struct pollfd *fds, int n);

/* Run a tick now (tests and benchmarks).  Returns ENGINE_* bits. */
int engine_tick(struct engine *eng);

/* Commit the batch of the current tick now.  0, or -1 and a message. */
int engine_commit(struct engine *eng, char *err, size_t errlen);

/* The message of the last failed commit, or NULL when the store is fine. */
const char *engine_store_error(const struct engine *eng);

/* Workers known so far (including retired ones).  Borrowed pointers. */
size_t engine_worker_count(const struct engine *eng);
struct worker *engine_worker(const struct engine *eng, size_t i);
struct worker *engine_worker_by_name(const struct engine *eng,
    const char *name);

/* The in-memory history. */
struct series_reg *engine_series(const struct engine *eng);

/* Recent events, oldest first (a bounded ring).  i < engine_event_count. */
size_t engine_event_count(const struct engine *eng);
const struct engine_event *engine_event_at(const struct engine *eng,
    size_t i);

/* Log an event (stored with the next commit when recording). */
void engine_event(struct engine *eng, const char *worker, const char *kind,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Record a derived figure of w (a gauge without labels, or with the
 * canonical label string labels of labels_len bytes): in memory, and in
 * the store when recording.  metric must be a string constant: the
 * engine keys its per-worker cache of unlabelled figures by its address. */
void engine_put(struct engine *eng, struct worker *w, const char *metric,
    int64_t ts_ms, double v);
/* *slot, when not NULL, is w's series (metric, labels) found by an
 * earlier call: the lookup is skipped (a worker's series live as long as
 * the worker).  When NULL it is looked up and set. */
void engine_put_labels(struct engine *eng, struct worker *w,
    struct series **slot, const char *metric, const char *labels,
    size_t labels_len, int64_t ts_ms, double v);

struct incidents;
struct analysis;
/* The live incident tracker. */
struct incidents *engine_incidents(struct engine *eng);
/* The analysis (anomalies, memory health, rules, logs). */
struct analysis *engine_analysis(const struct engine *eng);

/* Timestamp of the latest tick, ms; 0 before the first. */
int64_t engine_last_tick_ms(const struct engine *eng);
uint64_t engine_ticks(const struct engine *eng);
int64_t engine_interval_ms(const struct engine *eng);
const struct config *engine_config(const struct engine *eng);
/* The store the engine records into, or NULL. */
struct store *engine_store(const struct engine *eng);
/* Scrapes still in flight. */
int engine_scrapes_in_flight(const struct engine *eng);
/* 1 when GPU memory is sampled (NVML present). */
int engine_has_gpu(const struct engine *eng);

#endif
