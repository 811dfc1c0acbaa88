/*
 * engine.c -- the sampling engine: workers, ticks, scrapes, events.
 */
#include "engine.h"

#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actions.h"
#include "analysis.h"
#include "discover.h"
#include "expo.h"
#include "footprint.h"
#include "nvml.h"
#include "scrape.h"
#include "store.h"
#include "util.h"

#define EVENT_RING		1024
#define RETIRE_AFTER_MS		(5 * 60 * 1000)
#define RETENTION_EVERY_MS	(60 * 1000)
#define CLOCK_TOLERANCE_MS	1000
/* a tick within this of its place on the grid is stamped with it */
#define TICK_SNAP_MS		20
/* significant bits kept of a figure the engine computes */
#define FIGURE_BITS		16
#define CGROUP_LIMIT_EVERY_MS	(30 * 1000)
#define PIDFILE_EVERY		5	/* ticks between looks at a pid file */
/* Unused library pages are unmapped (footprint_trim) once start-up is
 * over, and again now and then for what one-off paths mapped since. */
#define FOOTPRINT_FIRST_TICK	3
#define FOOTPRINT_EVERY_MS	(10 * 60 * 1000)
/* The heap's free pages (history chunks expire every tick, in the middle
 * of the heap, where free() never returns them) go back every minute. */
#define HEAP_TRIM_EVERY_MS	(60 * 1000)
#define SCRAPE_HOLD_MS		10	/* batch scrape answers (see engine_pollfds) */
#define SCRAPE_HOLD_MIN		8	/* ... while at least this many are in flight */
#define ROLLUP_TICK_BUDGET_NS	(2 * 1000 * 1000)	/* smaps_rollup time a tick (see engine_tick) */
#define REDRAW_PARTIAL_MS	250	/* a tick with scrapes still out shows what is in */

struct engine {
	const struct config *cfg;
	struct engine_opts opts;
	int64_t		 interval_ms;

	struct worker	**workers;
	size_t		 nworkers, cap;

	struct series_reg *series;
	struct store	*store;
	char		 store_error[256];
	int		 store_failed;
	int		 tick_open;	/* a batch awaits its commit */

	struct scraper	*scraper;
	struct nvml	*nvml;
	struct discover_cache *discover;
	struct analysis	*an;
	struct actions	*acts;		/* recovery actions in flight */
	int		 has_match;	/* some worker is found by match */

	struct engine_event events[EVENT_RING];
	size_t		 ev_first, ev_count;

	uint64_t	 ticks;
	int64_t		 footprint_mono;	/* last footprint_trim */
	int64_t		 heap_trim_mono;	/* last malloc_trim */
	int64_t		 tick_ms;	/* timestamp of the latest tick */
	int64_t		 tick_mono_ms;
	int64_t		 next_tick_mono;
	int64_t		 scrape_hold_until;	/* mono ms: scrape sockets left out of poll() until then */
	int		 scrape_fds;		/* how many of the last pollfds were the scraper's */
	int64_t		 redraw_due;		/* mono ms: say ENGINE_CHANGED then (0: not pending) */
	int64_t		 last_retention_mono;
	int		 clock_behind;
	int64_t		 floor_ms;	/* the recording's last point at open */
};

/* ------------------------------------------------------------------ */
/* events */

void
engine_event(struct engine *eng, const char *worker, const char *kind,
    const char *fmt, ...)
{
	struct engine_event *ev;
	struct buf b = {0};
	va_list ap;
	size_t slot;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);

	if (eng->ev_count == EVENT_RING) {
		ev = &eng->events[eng->ev_first];
		free(ev->worker);
		free(ev->kind);
		free(ev->text);
		eng->ev_first = (eng->ev_first + 1) % EVENT_RING;
		eng->ev_count--;
	}
	slot = (eng->ev_first + eng->ev_count) % EVENT_RING;
	ev = &eng->events[slot];
	ev->ts_ms = eng->tick_ms != 0 ? eng->tick_ms : util_now_ms();
	ev->worker = worker != NULL ? xstrdup(worker) : NULL;
	ev->kind = xstrdup(kind);
	ev->text = buf_detach(&b);
	eng->ev_count++;

	if (eng->store != NULL)
		store_event(eng->store, ev->ts_ms, ev->worker, ev->kind, ev->text);
	if (eng->opts.on_event != NULL)
		eng->opts.on_event(eng->opts.on_event_ctx, ev);
}

size_t
engine_event_count(const struct engine *eng)
{
	return eng->ev_count;
}

const struct engine_event *
engine_event_at(const struct engine *eng, size_t i)
{
	if (i >= eng->ev_count)
		return NULL;
	return &eng->events[(eng->ev_first + i) % EVENT_RING];
}

/* ------------------------------------------------------------------ */
/* points */

/* Whether s is the series (metric, labels) of its worker. */
static int
series_is(const struct series *s, const char *metric, const char *labels,
    size_t labels_len)
{
	return s->labels_len == labels_len &&
	    strcmp(s->metric, metric) == 0 &&
	    memcmp(s->labels, labels, labels_len) == 0;
}

/*
 * Append a point to w's series (metric, labels).  A scraped page lists
 * its samples in the same order every time, so the k-th sample's series
 * is looked up by position first (k = SIZE_MAX: no position).
 */
static void
put(struct engine *eng, struct worker *w, const char *metric,
    const char *labels, size_t labels_len, enum series_kind kind,
    int64_t ts_ms, double v, size_t k, struct series **slot)
{
	struct series *s = slot != NULL ? *slot : NULL;
	size_t before = series_count(eng->series);

	size_t i;

	if (s == NULL && k < w->npage_cache && w->page_cache[k] != NULL &&
	    series_is(w->page_cache[k], metric, labels, labels_len))
		s = w->page_cache[k];
	/* the engine's own unlabelled figures are named by string literals:
	 * their address is a key that needs no hashing */
	if (s == NULL && labels_len == 0 && k == SIZE_MAX) {
		for (i = 0; i < ARRAY_LEN(w->lit_cache) &&
		    w->lit_cache[i].name != NULL; i++) {
			if (w->lit_cache[i].name == metric) {
				s = w->lit_cache[i].s;
				break;
			}
		}
		if (s == NULL) {
			s = series_get(eng->series, w->idx, w->name, metric,
			    "", 0, kind);
			if (i < ARRAY_LEN(w->lit_cache)) {
				w->lit_cache[i].name = metric;
				w->lit_cache[i].s = s;
			}
		}
	}
	if (s == NULL) {
		s = series_get(eng->series, w->idx, w->name, metric, labels,
		    labels_len, kind);
		if (k != SIZE_MAX && k < 65536) {
			if (k >= w->npage_cache) {
				size_t cap = w->npage_cache;

				w->page_cache = xgrow(w->page_cache, &cap,
				    k + 1, sizeof *w->page_cache);
				memset(w->page_cache + w->npage_cache, 0,
				    (cap - w->npage_cache) *
				    sizeof *w->page_cache);
				w->npage_cache = cap;
			}
			w->page_cache[k] = s;
		}
		if (slot != NULL)
			*slot = s;
	}
	/* scraped values are kept exactly; the engine's own figures (a
	 * rate, a quantile, a score, a forecast) to FIGURE_BITS significant
	 * bits, a relative step of 1.5e-5 (about 5 decimal digits, where the
	 * console shows 3 or 4): the rest of a computed double's mantissa is
	 * noise that costs 5-7 bytes a point to store, in memory and on
	 * disk (24 bits cost 2-4, 16 bits 0.6-0.9 a point less again) */
	if (k == SIZE_MAX)
		v = util_round_bits(v, FIGURE_BITS);
	if (series_count(eng->series) != before) {
		w->series_idx = xgrow(w->series_idx, &w->series_cap,
		    w->nseries + 1, sizeof *w->series_idx);
		w->series_idx[w->nseries++] = s->idx;
	}
	series_append(eng->series, s, ts_ms, v);
	if (eng->store == NULL)
		return;
	if (s->store_id < 0) {
		s->store_id = store_series(eng->store, w->name, metric,
		    labels, labels_len);
		if (s->store_id < 0)
			return;
	}
	store_append(eng->store, s->store_id, ts_ms, v);
	eng->tick_open = 1;
}

static void
put_gauge(struct engine *eng, struct worker *w, const char *metric,
    int64_t ts_ms, double v)
{
	put(eng, w, metric, "", 0, SERIES_GAUGE, ts_ms, v, SIZE_MAX, NULL);
}

void
engine_put(struct engine *eng, struct worker *w, const char *metric,
    int64_t ts_ms, double v)
{
	put(eng, w, metric, "", 0, SERIES_GAUGE, ts_ms, v, SIZE_MAX, NULL);
}

void
engine_put_labels(struct engine *eng, struct worker *w, struct series **slot,
    const char *metric, const char *labels, size_t labels_len, int64_t ts_ms,
    double v)
{
	put(eng, w, metric, labels, labels_len, SERIES_GAUGE, ts_ms, v,
	    SIZE_MAX, slot);
}

static void
put_counter(struct engine *eng, struct worker *w, const char *metric,
    int64_t ts_ms, double v)
{
	put(eng, w, metric, "", 0, SERIES_COUNTER, ts_ms, v, SIZE_MAX, NULL);
}

/* ------------------------------------------------------------------ */
/* workers */

static struct worker *
worker_add(struct engine *eng, const struct cfg_worker *cfg,
    const char *name, int primary)
{
	struct worker *w = xcalloc(1, sizeof *w);

	w->idx = (uint32_t)eng->nworkers;
	w->name = xstrdup(name);
	w->cfg = cfg;
	w->primary = primary;
	eng->workers = xgrow(eng->workers, &eng->cap, eng->nworkers + 1,
	    sizeof *eng->workers);
	eng->workers[eng->nworkers++] = w;
	return w;
}

static void
worker_free(struct worker *w)
{
	if (w->ph_open)
		proc_handle_close(&w->ph);
	analysis_worker_free(w);
	free(w->page_cache);
	free(w->series_idx);
	free(w->name);
	free(w);
}

size_t
engine_worker_count(const struct engine *eng)
{
	return eng->nworkers;
}

struct worker *
engine_worker(const struct engine *eng, size_t i)
{
	return i < eng->nworkers ? eng->workers[i] : NULL;
}

struct worker *
engine_worker_by_name(const struct engine *eng, const char *name)
{
	size_t i;

	for (i = 0; i < eng->nworkers; i++) {
		if (strcmp(eng->workers[i]->name, name) == 0)
			return eng->workers[i];
	}
	return NULL;
}

/*
 * Whether pid is a zombie (exited, not yet reaped by its parent) or dying.
 * Its /proc entry stays until it is reaped, so a pid file or a command
 * line match still finds it: it must not be taken for a live worker.
 */
static int
is_zombie(pid_t pid)
{
	struct proc_sample s;

	if (proc_sample_flags(pid, PROC_SAMPLE_NO_ROLLUP | PROC_SAMPLE_NO_FDS |
	    PROC_SAMPLE_NO_IO, &s, NULL, 0) != 0)
		return 0;
	return s.state == 'Z' || s.state == 'X';
}

/*
 * Point w at process (pid, starttime), or at no process (pid 0).  Logs
 * started / restarted / exited as the identity changes.
 */
static void
worker_track(struct engine *eng, struct worker *w, pid_t pid,
    uint64_t starttime)
{
	char err[256];

	if (pid == w->pid && starttime == w->starttime && w->alive)
		return;
	if (w->ph_open) {
		proc_handle_close(&w->ph);
		w->ph_open = 0;
	}
	w->has_cur = 0;
	w->nsamples = 0;
	w->limit_mono_ms = 0;
	if (pid == 0) {
		if (w->alive) {
			engine_event(eng, w->name, EV_EXITED,
			    "process %d exited", (int)w->pid);
			w->alive = 0;
		}
		return;
	}
	if (w->seen && (pid != w->pid || starttime != w->starttime)) {
		w->restarts++;
		w->restart_ms = eng->tick_ms;
		engine_event(eng, w->name, EV_RESTARTED,
		    "restarted: process %d replaced by %d (restart %llu)",
		    (int)w->pid, (int)pid, (unsigned long long)w->restarts);
		if (eng->an != NULL)
			analysis_exited(eng->an, w, 1, eng->tick_ms);
	} else if (!w->seen) {
		engine_event(eng, w->name, EV_STARTED,
		    "found process %d", (int)pid);
	} else {
		/* the same process reappearing (pid file briefly missing) */
		engine_event(eng, w->name, EV_STARTED,
		    "process %d is back", (int)pid);
	}
	w->pid = pid;
	w->starttime = starttime;
	w->alive = 1;
	w->seen = 1;
	w->find_error[0] = '\0';
	/* the handle is tied to this (pid, start time): a reused pid fails
	 * its next sample instead of being read as this worker */
	if (proc_handle_open(&w->ph, pid, starttime, err, sizeof err) == 0) {
		w->ph_open = 1;
		/* PSS walks the page tables: every 30 s is plenty for a
		 * figure that moves slowly (RSS, every tick, is what the
		 * leak and limit figures use); larger workers are read less
		 * often, so that the whole fleet's smaps_rollup stays under
		 * about 0.05% of a core (a 54 MB Python worker's takes
		 * 0.5 ms here: a fleet of 50 is read every minute) */
		w->ph.rollup_every_ms = 30000;
	}
}

static void
worker_not_found(struct engine *eng, struct worker *w, const char *why)
{
	if (strcmp(w->find_error, why) != 0) {
		util_strlcpy(w->find_error, why, sizeof w->find_error);
		engine_event(eng, w->name, EV_NOT_FOUND, "%s", why);
	}
	worker_track(eng, w, 0, 0);
}

static void
find_single(struct engine *eng, const struct cfg_worker *cw)
{
	struct worker *w = engine_worker_by_name(eng, cw->name);
	uint64_t st;
	pid_t pid;
	char err[256];

	if (w == NULL)
		w = worker_add(eng, cw, cw->name, 1);
	if (cw->find == WORKER_FIND_PID) {
		pid = cw->pid;
		if (w->alive && w->ph_open && pid == w->pid)
			return;	/* sampling notices the process going */
	} else {
		struct stat sb;

		/* while the process we follow lives, sampling notices it
		 * going; the pid file is looked at every few ticks for a
		 * replacement started beside it, and read only when changed */
		if (w->alive && w->ph_open && eng->ticks % PIDFILE_EVERY != 0)
			return;
		if (w->alive && w->ph_open &&
		    stat(cw->pid_file, &sb) == 0 &&
		    sb.st_ino == w->pidfile_ino &&
		    sb.st_size == w->pidfile_size &&
		    sb.st_mtim.tv_sec == w->pidfile_mtime.tv_sec &&
		    sb.st_mtim.tv_nsec == w->pidfile_mtime.tv_nsec)
			return;
		if (discover_pid_file(cw->pid_file, &pid, err,
		    sizeof err) != 0) {
			w->pidfile_ino = 0;
			worker_not_found(eng, w, err);
			return;
		}
		if (stat(cw->pid_file, &sb) == 0) {
			w->pidfile_ino = sb.st_ino;
			w->pidfile_size = sb.st_size;
			w->pidfile_mtime = sb.st_mtim;
		}
	}
	if (proc_identity(pid, &st) != 0 || (!w->alive && is_zombie(pid))) {
		char why[160];

		if (proc_identity(pid, &st) == 0)
			snprintf(why, sizeof why, "process %d has exited (a "
			    "zombie, not reaped by its parent)", (int)pid);
		else
			snprintf(why, sizeof why, "process %d does not exist",
			    (int)pid);
		if (w->alive)
			worker_track(eng, w, 0, 0);
		else
			worker_not_found(eng, w, why);
		return;
	}
	worker_track(eng, w, pid, st);
}

/*
 * A match group: the first process is the worker NAME; further processes
 * matched at the same time are NAME/PID.  When NAME's process is gone and
 * exactly one untracked process matches, NAME adopts it (a restart), so a
 * supervised single worker keeps one name across restarts.
 */
static void
find_match(struct engine *eng, const struct cfg_worker *cw, int64_t now_ms)
{
	struct discover_proc *procs = NULL;
	size_t n = 0, i, j, untracked;
	struct worker *primary;
	char *used;

	if (discover_cache_match(eng->discover, &cw->match_re,
	    eng->opts.only_uid, getpid(), &procs, &n) != 0) {
		free(procs);
		return;
	}
	used = xcalloc(n + 1, 1);
	primary = engine_worker_by_name(eng, cw->name);

	/* keep the workers whose process still matches */
	for (i = 0; i < eng->nworkers; i++) {
		struct worker *w = eng->workers[i];
		int found = 0;

		if (w->cfg != cw || w->retired || !w->alive)
			continue;
		for (j = 0; j < n; j++) {
			if (!used[j] && procs[j].pid == w->pid &&
			    procs[j].starttime == w->starttime) {
				used[j] = 1;
				found = 1;
				break;
			}
		}
		if (!found) {
			worker_track(eng, w, 0, 0);
			if (!w->primary)
				w->gone_ms = now_ms;
		}
	}
	for (untracked = 0, j = 0; j < n; j++)
		untracked += !used[j];

	for (j = 0; j < n; j++) {
		char name[256];
		struct worker *w;

		if (used[j])
			continue;
		/* the cache lists a process as of its last read: one that
		 * has since died unreaped is not adopted */
		if (is_zombie(procs[j].pid)) {
			used[j] = 1;
			continue;
		}
		if (primary == NULL || (!primary->alive && untracked == 1)) {
			if (primary == NULL)
				primary = worker_add(eng, cw, cw->name, 1);
			worker_track(eng, primary, procs[j].pid,
			    procs[j].starttime);
		} else {
			snprintf(name, sizeof name, "%s/%d", cw->name,
			    (int)procs[j].pid);
			w = engine_worker_by_name(eng, name);
			if (w == NULL)
				w = worker_add(eng, cw, name, 0);
			w->retired = 0;
			worker_track(eng, w, procs[j].pid, procs[j].starttime);
		}
		used[j] = 1;
	}
	if (primary == NULL) {
		primary = worker_add(eng, cw, cw->name, 1);
		worker_not_found(eng, primary, "no process matches");
	} else if (!primary->alive && primary->find_error[0] == '\0') {
		util_strlcpy(primary->find_error, "no process matches",
		    sizeof primary->find_error);
	}

	/* extra workers whose process left long ago leave the fleet view */
	for (i = 0; i < eng->nworkers; i++) {
		struct worker *w = eng->workers[i];

		if (w->cfg == cw && !w->primary && !w->alive && !w->retired &&
		    now_ms - w->gone_ms > RETIRE_AFTER_MS)
			w->retired = 1;
	}
	free(used);
	free(procs);
}

/* ------------------------------------------------------------------ */
/* sampling */

static void
sample_proc(struct engine *eng, struct worker *w, int64_t ts, int64_t mono)
{
	struct proc_sample s;
	char err[256];
	uint64_t limit;
	int r;

	if (!w->alive)
		return;
	if (w->ph_open)
		r = proc_handle_sample(&w->ph, &s, err, sizeof err);
	else
		r = proc_sample(w->pid, &s, err, sizeof err);
	/* a zombie has exited: its parent just has not reaped it yet (its
	 * figures read 0, and up must not stay 1) */
	if (r != 0 || s.starttime != w->starttime || s.state == 'Z' ||
	    s.state == 'X') {
		/* gone between discovery and now: next tick says why */
		worker_track(eng, w, 0, 0);
		return;
	}
	w->cur = s;
	w->has_cur = 1;
	w->nsamples++;
	w->cpu_percent = w->ph_open ? w->ph.cpu_percent : 0;

	if (w->cfg->memory_limit != 0) {
		w->memory_limit = w->cfg->memory_limit;
		w->limit_from_cgroup = 0;
	} else if (w->limit_mono_ms == 0 ||
	    mono - w->limit_mono_ms >= CGROUP_LIMIT_EVERY_MS) {
		/* limits change rarely; reading them walks the cgroup tree */
		w->limit_mono_ms = mono;
		if (proc_cgroup_memory_max(w->pid, &limit) == 1) {
			w->memory_limit = limit;
			w->limit_from_cgroup = 1;
		} else
			w->memory_limit = 0;
	}

	if (w->nsamples >= 2 && w->ph_open)
		put_gauge(eng, w, "proc_cpu_percent", ts, w->cpu_percent);
	put_gauge(eng, w, "proc_rss_bytes", ts, (double)s.rss_bytes);
	if (s.has_rollup)
		put_gauge(eng, w, "proc_pss_bytes", ts, (double)s.pss_bytes);
	put_gauge(eng, w, "proc_swap_bytes", ts, (double)s.swap_bytes);
	put_gauge(eng, w, "proc_threads", ts, (double)s.threads);
	if (s.fds >= 0)
		put_gauge(eng, w, "proc_fds", ts, (double)s.fds);
	if (s.has_io) {
		put_counter(eng, w, "proc_read_bytes", ts, (double)s.read_bytes);
		put_counter(eng, w, "proc_write_bytes", ts,
		    (double)s.write_bytes);
	}
	if (w->memory_limit != 0)
		put_gauge(eng, w, "memory_limit_bytes", ts,
		    (double)w->memory_limit);
	if (eng->nvml != NULL) {
		uint64_t bytes = 0;
		int64_t age;

		w->has_gpu = nvml_process_memory(eng->nvml, w->pid, &bytes,
		    &age) == 1;
		w->gpu_bytes = w->has_gpu ? bytes : 0;
		put_gauge(eng, w, "gpu_memory_bytes", ts, (double)w->gpu_bytes);
	}
}

/*
 * A worker's tick is complete (its scrape, if any, is in): write up, and
 * the figures derived from what it exposes.
 */
static void
put_up(struct engine *eng, struct worker *w, int64_t ts)
{
	struct worker_figures *f = &w->fig;

	w->up = w->alive && (w->cfg->metrics_url == NULL ||
	    w->scrape_state == 1);
	if (w->seen || w->primary)
		put_gauge(eng, w, "up", ts, w->up ? 1 : 0);
	put_counter(eng, w, "proc_restarts", ts, (double)w->restarts);

	figures_compute(eng->series, w->series_idx, w->nseries, ts,
	    ENGINE_RATE_WINDOW_MS, f);
	if (w->up) {
		if (!isnan(f->req_rate))
			put_gauge(eng, w, "requests_per_second", ts,
			    f->req_rate);
		if (!isnan(f->err_rate))
			put_gauge(eng, w, "errors_per_second", ts, f->err_rate);
		if (!isnan(f->p50_s))
			put_gauge(eng, w, "latency_p50_seconds", ts, f->p50_s);
		if (!isnan(f->p99_s))
			put_gauge(eng, w, "latency_p99_seconds", ts, f->p99_s);
	}
	analysis_worker(eng->an, w, ts);
}

static int64_t
scrape_timeout(const struct engine *eng, const struct worker *w)
{
	if (w->cfg->scrape_timeout_ms > 0)
		return w->cfg->scrape_timeout_ms;
	if (eng->cfg->scrape_timeout_ms > 0)
		return eng->cfg->scrape_timeout_ms;
	return eng->interval_ms * 8 / 10;
}

static void
start_scrape(struct engine *eng, struct worker *w, int64_t ts)
{
	int r;

	if (!w->alive) {
		put_up(eng, w, ts);
		return;
	}
	if (w->cfg->metrics_url == NULL) {
		put_up(eng, w, ts);
		return;
	}
	if (w->scrape_pending) {
		w->scrape_skips++;
		if (w->scrape_skips == 1 || w->scrape_skips % 60 == 0)
			engine_event(eng, w->name, EV_SCRAPE_SKIPPED,
			    "previous scrape of %s still running: tick skipped "
			    "(%llu so far)", w->cfg->metrics_url,
			    (unsigned long long)w->scrape_skips);
		return;
	}
	r = scraper_start(eng->scraper, (int)w->idx, w->cfg->metrics_url,
	    scrape_timeout(eng, w), eng->cfg->scrape_max_size);
	/* on -1 (a URL curl refuses) the failure comes back as a result */
	if (r == 0 || r == -1) {
		w->scrape_pending = 1;
		w->scrape_tick_ms = ts;
	} else
		put_up(eng, w, ts);
}

struct page_ctx {
	struct engine	*eng;
	struct worker	*w;
	int64_t		 ts;
	size_t		 k;		/* ordinal of the sample in the page */
	char		 name[256];
};

static enum series_kind
sample_kind(const struct expo_sample *s)
{
	/* OpenMetrics _created samples carry their family's type but are
	 * creation timestamps, not cumulative values */
	if (s->name_len > 8 &&
	    memcmp(s->name + s->name_len - 8, "_created", 8) == 0)
		return SERIES_GAUGE;
	switch (s->type) {
	case EXPO_COUNTER:
	case EXPO_HISTOGRAM:
	case EXPO_SUMMARY:
		/* _bucket, _count, _sum are cumulative; quantiles are not */
		if (s->type == EXPO_SUMMARY && s->name_len == s->family_len)
			return SERIES_GAUGE;
		return SERIES_COUNTER;
	default:
		return SERIES_GAUGE;
	}
}

static void
on_sample(void *arg, const struct expo_sample *s)
{
	struct page_ctx *pc = arg;

	if (s->name_len >= sizeof pc->name)
		return;
	memcpy(pc->name, s->name, s->name_len);
	pc->name[s->name_len] = '\0';
	put(pc->eng, pc->w, pc->name, s->labels, s->labels_len,
	    sample_kind(s), pc->ts, s->value, pc->k++, NULL);
}

/*
 * Whether two scrape errors are the same fault: the part in parentheses
 * varies from one try to the next ("timed out after 800 ms (3.1M of body
 * received)", then "(7.9M ...)"), and made a new event on every tick.
 */
static int
same_fault(const char *a, const char *b)
{
	size_t na = strcspn(a, "("), nb = strcspn(b, "(");

	return na == nb && memcmp(a, b, na) == 0;
}

static void
finish_scrape(struct engine *eng, struct scrape_result *r)
{
	struct worker *w;
	struct page_ctx pc;
	struct expo_result er;
	int64_t ts;

	if (r->id < 0 || (size_t)r->id >= eng->nworkers)
		return;
	w = eng->workers[r->id];
	w->scrape_pending = 0;
	ts = w->scrape_tick_ms;
	w->scrape_duration_ms = r->duration_ms;

	if (r->ok) {
		memset(&er, 0, sizeof er);
		pc.eng = eng;
		pc.w = w;
		pc.ts = ts;
		pc.k = 0;
		expo_parse(r->body, r->len,
		    expo_format_from_content_type(r->content_type),
		    on_sample, NULL, &pc, &er);
		w->scrape_samples = er.samples;
		w->scrape_errors += er.errors;
		if (er.errors > 0 && er.first_error_line != w->parse_error_line)
			engine_event(eng, w->name, EV_PARSE_ERROR,
			    "%s: %zu malformed line%s skipped; line %d: %s",
			    w->cfg->metrics_url, er.errors,
			    er.errors == 1 ? "" : "s", er.first_error_line,
			    er.first_error);
		w->parse_error_line = er.errors > 0 ? er.first_error_line : 0;
		if (w->scrape_state == -1)
			engine_event(eng, w->name, EV_SCRAPE_RECOVERED,
			    "scrape of %s works again", w->cfg->metrics_url);
		w->scrape_state = 1;
		w->scrape_error[0] = '\0';
		put_gauge(eng, w, "scrape_duration_seconds", ts,
		    (double)r->duration_ms / 1000.0);
	} else {
		if (w->scrape_state != -1 || !same_fault(w->scrape_error, r->error))
			engine_event(eng, w->name, EV_SCRAPE_FAILED,
			    "scrape failed: %s", r->error);
		w->scrape_state = -1;
		util_strlcpy(w->scrape_error, r->error, sizeof w->scrape_error);
	}
	put_counter(eng, w, "scrape_errors", ts, (double)w->scrape_errors);
	put_up(eng, w, ts);
}

static void
collect_scrapes(struct engine *eng)
{
	struct scrape_result r;

	while (scraper_next(eng->scraper, &r) == 1) {
		finish_scrape(eng, &r);
		scrape_result_free(&r);
	}
}

/* ------------------------------------------------------------------ */
/* ticks */

/*
 * The timestamp of a tick.  Wall time, unless the wall clock stepped
 * backwards: then time goes on from the last tick by the monotonic clock,
 * so history is never reordered or overwritten.
 */
static int64_t
tick_time(struct engine *eng, int64_t mono)
{
	int64_t wall = util_now_ms(), expect;

	if (eng->ticks == 0) {
		/* a recording reopened while the wall clock is behind its
		 * last point: go on after that point, never before it */
		if (wall > eng->floor_ms)
			return wall;
		eng->tick_ms = eng->floor_ms + 1;	/* the event's time */
		engine_event(eng, NULL, EV_CLOCK, "wall clock is %lld ms "
		    "behind the end of the recording; timestamps follow the "
		    "monotonic clock from there until it catches up",
		    (long long)(eng->floor_ms - wall));
		eng->clock_behind = 1;
		return eng->floor_ms + 1;
	}
	expect = eng->tick_ms + (mono - eng->tick_mono_ms);
	if (wall + CLOCK_TOLERANCE_MS < expect) {
		if (!eng->clock_behind)
			engine_event(eng, NULL, EV_CLOCK,
			    "wall clock stepped back by %lld ms; timestamps "
			    "follow the monotonic clock until it catches up",
			    (long long)(expect - wall));
		eng->clock_behind = 1;
		return expect;
	}
	if (wall > expect + CLOCK_TOLERANCE_MS)
		/* the gap in the recording is the step, not lost ticks */
		engine_event(eng, NULL, EV_CLOCK, "wall clock stepped forward "
		    "by %lld ms: a gap in the timeline, no ticks were missed",
		    (long long)(wall - expect));
	else if (eng->clock_behind)
		engine_event(eng, NULL, EV_CLOCK, "wall clock caught up");
	else {
		/* on time: the tick's place on the interval grid, not the
		 * millisecond or two of wake-up jitter, which would cost
		 * every series about 6 bits a point to store (a timestamp
		 * is a delta of deltas: on the grid it is one bit) */
		int64_t grid = eng->tick_ms + eng->interval_ms;
		int64_t snap = eng->interval_ms / 10 < TICK_SNAP_MS ?
		    eng->interval_ms / 10 : TICK_SNAP_MS;

		if (wall >= grid - snap && wall <= grid + snap) {
			eng->clock_behind = 0;
			return grid;
		}
	}
	eng->clock_behind = 0;
	return wall > eng->tick_ms ? wall : eng->tick_ms + 1;
}

int
engine_commit(struct engine *eng, char *err, size_t errlen)
{
	if (eng->store == NULL || !eng->tick_open)
		return 0;
	/* nothing may touch a file deleted or made immutable under us
	 * (the mapped WAL index of an immutable file faults: SIGBUS) */
	if (store_check(eng->store, eng->store_error,
	    sizeof eng->store_error) != 0 ||
	    analysis_flush(eng->an, eng->store_error,
	    sizeof eng->store_error) != 0) {
		eng->store_failed = 1;
		if (err != NULL)
			util_strlcpy(err, eng->store_error, errlen);
		return -1;
	}
	if (store_commit(eng->store, eng->store_error,
	    sizeof eng->store_error) != 0) {
		eng->store_failed = 1;
		if (err != NULL)
			util_strlcpy(err, eng->store_error, errlen);
		return -1;
	}
	eng->store_failed = 0;
	eng->store_error[0] = '\0';
	eng->tick_open = 0;
	return 0;
}

const char *
engine_store_error(const struct engine *eng)
{
	return eng->store_failed ? eng->store_error : NULL;
}

static int
commit_bits(struct engine *eng)
{
	return engine_commit(eng, NULL, 0) == 0 ? 0 : ENGINE_STORE_ERROR;
}

int
engine_tick(struct engine *eng)
{
	int64_t mono = util_mono_ms(), ts, rollup_ns = 0;
	size_t i, nw;
	int bits = ENGINE_TICKED | ENGINE_CHANGED;

	/* the previous tick's batch, whatever scrapes are still out */
	bits |= commit_bits(eng);

	ts = tick_time(eng, mono);
	eng->tick_ms = ts;
	eng->tick_mono_ms = mono;
	eng->ticks++;

	if (eng->has_match)
		discover_cache_refresh(eng->discover);
	for (i = 0; i < eng->cfg->nworkers; i++) {
		const struct cfg_worker *cw = &eng->cfg->workers[i];

		if (cw->find == WORKER_FIND_MATCH)
			find_match(eng, cw, ts);
		else
			find_single(eng, cw);
	}
	if (eng->nvml != NULL)
		nvml_refresh_async(eng->nvml);
	nw = eng->nworkers;
	for (i = 0; i < nw; i++) {
		struct worker *w = eng->workers[i];
		int64_t read_ms;

		if (w->retired)
			continue;
		/* smaps_rollup reads that fall due together (every worker
		 * at start, and every 30 s after) are spread over ticks: past
		 * ROLLUP_TICK_BUDGET_NS in this tick they wait for the next,
		 * so that one tick never spends tens of milliseconds in them
		 * (a key pressed then waited for it) */
		w->ph.rollup_hold = rollup_ns >= ROLLUP_TICK_BUDGET_NS;
		/* the fleet's size now, not when this worker was found (the
		 * first of fifty was read fifty times as often as the last) */
		w->ph.rollup_cost_factor = 2000 * (int)(nw + 1);
		read_ms = w->ph.rollup_ms;
		sample_proc(eng, w, ts, mono);
		if (w->ph_open && w->ph.rollup_ms != read_ms)
			rollup_ns += w->ph.rollup_cost_ns;
		start_scrape(eng, w, ts);
	}
	eng->tick_open = eng->store != NULL;
	analysis_tick(eng->an, ts);

	if (eng->store != NULL &&
	    mono - eng->last_retention_mono >= RETENTION_EVERY_MS) {
		char err[256];

		eng->last_retention_mono = mono;
		if (store_retention(eng->store, ts, eng->cfg->retention_ms,
		    eng->cfg->max_size, err, sizeof err) != 0)
			engine_event(eng, NULL, EV_STORE,
			    "retention failed: %s", err);
	}
	if (eng->ticks == FOOTPRINT_FIRST_TICK || (eng->footprint_mono != 0 &&
	    mono - eng->footprint_mono >= FOOTPRINT_EVERY_MS)) {
		eng->footprint_mono = mono;
		footprint_trim();
	}
	if (mono - eng->heap_trim_mono >= HEAP_TRIM_EVERY_MS) {
		eng->heap_trim_mono = mono;
		malloc_trim(0);
	}
	if (scraper_in_flight(eng->scraper) == 0)
		bits |= commit_bits(eng);
	return bits;
}

int
engine_pollfds(struct engine *eng, struct pollfd *fds, int max,
    int *timeout_ms)
{
	int64_t now = util_mono_ms(), wait;
	int n;

	wait = eng->next_tick_mono - now;
	if (eng->redraw_due != 0 && eng->redraw_due - now < wait)
		wait = eng->redraw_due - now;
	if (wait < 0)
		wait = 0;
	if (*timeout_ms < 0 || wait < *timeout_ms)
		*timeout_ms = (int)(wait > INT_MAX ? INT_MAX : wait);
	/*
	 * While many scrapes are in flight, their answers are gathered in
	 * batches: after serving ready sockets, the next SCRAPE_HOLD_MS do
	 * not wait on them, so that a fleet's answers wake us a few times a
	 * tick instead of once each (wakeups and poll() over every socket
	 * were the recorder's largest cost).  Other descriptors, the
	 * console's keys among them, are waited on as always.
	 */
	if (now < eng->scrape_hold_until &&
	    scraper_in_flight(eng->scraper) >= SCRAPE_HOLD_MIN) {
		wait = eng->scrape_hold_until - now;
		if (*timeout_ms < 0 || wait < *timeout_ms)
			*timeout_ms = (int)wait;
		n = 0;
	} else
		n = scraper_pollfds(eng->scraper, fds, max, timeout_ms);
	eng->scrape_fds = n;
	if (eng->acts != NULL)
		n += actions_pollfds(eng->acts, fds + n, max - n, timeout_ms);
	return n;
}

int
engine_dispatch(struct engine *eng, const struct pollfd *fds, int n)
{
	int64_t now;
	int bits = 0, before = scraper_in_flight(eng->scraper), i, ready = 0;

	for (i = 0; i < eng->scrape_fds && i < n; i++)
		ready |= fds[i].revents != 0;
	scraper_dispatch(eng->scraper, fds, n);
	if (ready)
		eng->scrape_hold_until = util_mono_ms() + SCRAPE_HOLD_MS;
	collect_scrapes(eng);
	/*
	 * A tick's figures are complete once its last scrape is in: the
	 * screen is redrawn then, once, not for every batch of answers.
	 * When some scrape is still out REDRAW_PARTIAL_MS into the tick
	 * (a slow or hung endpoint), what is in is shown then.
	 */
	if (before > 0 && scraper_in_flight(eng->scraper) == 0) {
		bits |= ENGINE_TICKED | ENGINE_CHANGED | commit_bits(eng);
		eng->redraw_due = 0;
	}

	now = util_mono_ms();
	if (now >= eng->next_tick_mono) {
		/* keep the schedule; after a stall, skip the missed ticks
		 * rather than running them back to back */
		eng->next_tick_mono += eng->interval_ms;
		if (eng->next_tick_mono <= now)
			eng->next_tick_mono = now + eng->interval_ms;
		bits |= engine_tick(eng);
		if (scraper_in_flight(eng->scraper) > 0) {
			bits &= ~(ENGINE_CHANGED | ENGINE_TICKED);
			eng->redraw_due = now + REDRAW_PARTIAL_MS;
		}
	}
	if (eng->redraw_due != 0 && now >= eng->redraw_due) {
		bits |= ENGINE_CHANGED;
		eng->redraw_due = 0;
	}
	/* after the tick, so that verification sees its fresh samples */
	if (eng->acts != NULL &&
	    (actions_dispatch(eng->acts, fds, n) & ACTIONS_CHANGED))
		bits |= ENGINE_CHANGED;
	return bits;
}

/* ------------------------------------------------------------------ */
/* life */

/* Every worker holds a few /proc descriptors and a scrape socket: with a
 * large fleet the default soft limit of 1024 is too low. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

struct engine *
engine_new(const struct config *cfg, const struct engine_opts *opts,
    char *err, size_t errlen)
{
	struct engine *eng = xcalloc(1, sizeof *eng);
	char why[256];

	eng->cfg = cfg;
	if (opts != NULL)
		eng->opts = *opts;
	else
		eng->opts.only_uid = (uid_t)-1;
	eng->interval_ms = cfg->interval_ms > 0 ? cfg->interval_ms : 1000;
	eng->series = series_reg_new(eng->opts.history_ms > 0 ?
	    eng->opts.history_ms : eng->opts.history_ms < 0 ? 0 :
	    15 * 60 * 1000);
	if (eng->opts.db != NULL) {
		int64_t first;

		eng->store = store_open(eng->opts.db, STORE_WRITE, err, errlen);
		if (eng->store == NULL) {
			series_reg_free(eng->series);
			free(eng);
			return NULL;
		}
		if (store_span(eng->store, &first, &eng->floor_ms) != 0)
			eng->floor_ms = 0;
	}
	eng->scraper = scraper_new();
	eng->nvml = nvml_open(why, sizeof why);
	eng->discover = discover_cache_new();
	for (size_t i = 0; i < cfg->nworkers; i++)
		eng->has_match |= cfg->workers[i].find == WORKER_FIND_MATCH;
	raise_fd_limit();
	/* scrape bodies and batches come and go every tick: keep freed
	 * memory at the top of the heap instead of returning it with brk
	 * and asking for it again a moment later */
	mallopt(M_TOP_PAD, 4 << 20);
	mallopt(M_TRIM_THRESHOLD, 16 << 20);
	eng->an = analysis_new(eng, cfg, eng->store);
	eng->acts = actions_new(eng);
	eng->next_tick_mono = util_mono_ms();
	eng->last_retention_mono = util_mono_ms() - RETENTION_EVERY_MS;
	eng->heap_trim_mono = util_mono_ms();
	return eng;
}

int
engine_free(struct engine *eng, char *err, size_t errlen)
{
	size_t i;
	int rc = 0;

	if (eng == NULL)
		return 0;
	/* unfinished attempts are recorded as interrupted */
	actions_free(eng->acts);
	eng->acts = NULL;
	if (eng->store != NULL) {
		/* results that already arrived belong to the recording */
		collect_scrapes(eng);
		rc = engine_commit(eng, err, errlen);
	}
	/* the tracker reads and writes the store: free it first */
	analysis_free(eng->an);
	eng->an = NULL;
	for (i = 0; i < eng->nworkers; i++)
		analysis_worker_free(eng->workers[i]);
	store_close(eng->store);
	scraper_free(eng->scraper);
	nvml_close(eng->nvml);
	discover_cache_free(eng->discover);
	for (i = 0; i < eng->nworkers; i++)
		worker_free(eng->workers[i]);
	free(eng->workers);
	for (i = 0; i < eng->ev_count; i++) {
		struct engine_event *ev =
		    &eng->events[(eng->ev_first + i) % EVENT_RING];
		free(ev->worker);
		free(ev->kind);
		free(ev->text);
	}
	series_reg_free(eng->series);
	free(eng);
	return rc;
}

struct series_reg *
engine_series(const struct engine *eng)
{
	return eng->series;
}

int64_t
engine_last_tick_ms(const struct engine *eng)
{
	return eng->tick_ms;
}

uint64_t
engine_ticks(const struct engine *eng)
{
	return eng->ticks;
}

int64_t
engine_interval_ms(const struct engine *eng)
{
	return eng->interval_ms;
}

const struct config *
engine_config(const struct engine *eng)
{
	return eng->cfg;
}

struct store *
engine_store(const struct engine *eng)
{
	return eng->store;
}

int
engine_scrapes_in_flight(const struct engine *eng)
{
	return scraper_in_flight(eng->scraper);
}

int
engine_has_gpu(const struct engine *eng)
{
	return eng->nvml != NULL;
}

struct incidents *
engine_incidents(struct engine *eng)
{
	return eng != NULL && eng->an != NULL ? analysis_incidents(eng->an) :
	    NULL;
}

struct analysis *
engine_analysis(const struct engine *eng)
{
	return eng->an;
}
