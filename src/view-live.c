/*
 * view-live.c -- the view answered from the running engine's memory.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"
#include "engine.h"
#include "incident.h"
#include "patterns.h"
#include "store.h"
#include "util.h"
#include "view.h"
#include "view-incidents.h"

/* A restart within this many intervals shows as "restarting". */
#define RESTARTING_TICKS 3
/* How long the status line says that recording works again (as long as
 * the console shows an error message). */
#define RESUMED_SHOW_MS	10000

struct view_live {
	struct view		 v;
	struct engine		*eng;
	char			 host[256];

	struct view_worker	*workers;
	size_t			 nworkers, wcap;
	uint64_t		 workers_tick;	/* tick the array is for */
	int			 workers_valid;

	struct view_series	*series;
	size_t			 nseries, scap;

	struct view_event	*events;
	size_t			 ecap;

	struct view_inc_cache	 ic;
	struct view_log_line	*lines;
	size_t			 lcap;
	struct buf		 ltext;		/* their texts, back to back */
	size_t			 nlines;
	uint64_t		 lgen;		/* analysis_log_gen they are of */

	/* the recording's health, followed after each dispatch */
	int			 rec_failing;
	int64_t			 rec_since_ms;	/* first failed commit (wall) */
	uint64_t		 rec_lost;	/* points dropped from the hold */
	int64_t			 rec_resumed_mono_ms; /* 0: nothing to say */
	char			 rec_status[768];
};

static struct view_live *
live(struct view *v)
{
	return (struct view_live *)v;
}

static const char *
live_mode(struct view *v)
{
	(void)v;
	return "live";
}

static const char *
live_source(struct view *v)
{
	return live(v)->host;
}

static int64_t
live_time(struct view *v)
{
	int64_t t = engine_last_tick_ms(live(v)->eng);

	return t != 0 ? t : util_now_ms();
}

static int64_t
live_interval(struct view *v)
{
	return engine_interval_ms(live(v)->eng);
}

static void
fill_worker(struct view_live *vl, const struct worker *w,
    struct view_worker *vw)
{
	int64_t now = engine_last_tick_ms(vl->eng);
	int64_t iv = engine_interval_ms(vl->eng);
	int have = w->alive && w->has_cur;
	const struct worker_health *h;

	memset(vw, 0, sizeof *vw);
	vw->name = w->name;
	if (!w->seen)
		vw->state = VIEW_UNKNOWN;
	else if (!w->up)
		vw->state = VIEW_DOWN;
	else if (w->restart_ms != 0 &&
	    now - w->restart_ms <= RESTARTING_TICKS * iv)
		vw->state = VIEW_RESTARTING;
	else
		vw->state = VIEW_UP;
	if (w->seen && !w->alive && w->primary == 0)
		vw->state = VIEW_DOWN;
	vw->pid = w->alive ? w->pid : 0;
	vw->cpu_percent = have && w->nsamples >= 2 ? w->cpu_percent : NAN;
	vw->rss_bytes = have ? (double)w->cur.rss_bytes : NAN;
	vw->pss_bytes = have && w->cur.has_rollup ?
	    (double)w->cur.pss_bytes : NAN;
	vw->swap_bytes = have && w->cur.has_rollup ?
	    (double)w->cur.swap_bytes : NAN;
	vw->limit_bytes = w->memory_limit != 0 ? (double)w->memory_limit : NAN;
	vw->gpu_bytes = w->has_gpu ? (double)w->gpu_bytes : NAN;
	vw->threads = have ? w->cur.threads : NAN;
	vw->fds = have && w->cur.fds >= 0 ? w->cur.fds : NAN;
	vw->req_rate = w->up ? w->fig.req_rate : NAN;
	vw->err_rate = w->up ? w->fig.err_rate : NAN;
	vw->p50_s = w->up ? w->fig.p50_s : NAN;
	vw->p99_s = w->up ? w->fig.p99_s : NAN;
	vw->restarts = (double)w->restarts;
	vw->rss_slope = NAN;
	vw->slope_lo = vw->slope_hi = NAN;
	vw->ttl_s = vw->ttl_lo_s = vw->ttl_hi_s = NAN;
	vw->fragmentation = vw->efficiency = NAN;
	vw->risk_reason = vw->mitigation = "";
	vw->anomaly_score = NAN;
	if (have && (h = analysis_health(w)) != NULL) {
		vw->rss_slope = h->mem.slope;
		vw->slope_lo = h->mem.slope_lo;
		vw->slope_hi = h->mem.slope_hi;
		vw->leak = h->mem.leak;
		vw->ttl_s = h->mem.ttl_s;
		vw->ttl_lo_s = h->mem.ttl_lo_s;
		vw->ttl_hi_s = h->mem.ttl_hi_s;
		vw->fragmentation = h->mem.fragmentation;
		vw->efficiency = h->mem.efficiency;
		vw->risk = (int)h->mem.risk;
		vw->risk_reason = h->mem.reason;
		vw->mitigation = h->mitigation;
		vw->anomalies = h->anomalies;
		vw->anomaly_score = h->anomaly_score;
		vw->rules_firing = h->rules_firing;
	}
	vw->incidents = (int)incidents_open_count(engine_incidents(vl->eng),
	    w->name);
	vw->scrape_errors = w->scrape_errors;
	if (!w->alive)
		vw->note = w->find_error[0] != '\0' ? w->find_error :
		    "process exited";
	else if (w->scrape_state == -1)
		vw->note = w->scrape_error;
	else
		vw->note = "";
}

static size_t
live_workers(struct view *v, const struct view_worker **out)
{
	struct view_live *vl = live(v);
	size_t i, n = engine_worker_count(vl->eng);

	if (!vl->workers_valid) {
		vl->nworkers = 0;
		vl->workers = xgrow(vl->workers, &vl->wcap, n,
		    sizeof *vl->workers);
		for (i = 0; i < n; i++) {
			const struct worker *w = engine_worker(vl->eng, i);

			if (w->retired)
				continue;
			fill_worker(vl, w, &vl->workers[vl->nworkers++]);
		}
		vl->workers_valid = 1;
	}
	*out = vl->workers;
	return vl->nworkers;
}

static int
series_cmp(const void *a, const void *b)
{
	const struct view_series *x = a, *y = b;
	size_t n;
	int c;

	if ((c = strcmp(x->metric, y->metric)) != 0)
		return c;
	n = x->labels_len < y->labels_len ? x->labels_len : y->labels_len;
	if ((c = memcmp(x->labels, y->labels, n)) != 0)
		return c;
	return (x->labels_len > y->labels_len) - (x->labels_len < y->labels_len);
}

static size_t
live_series(struct view *v, const char *worker,
    const struct view_series **out)
{
	struct view_live *vl = live(v);
	const struct worker *w = engine_worker_by_name(vl->eng, worker);
	struct series_reg *reg = engine_series(vl->eng);
	size_t i;

	vl->nseries = 0;
	*out = NULL;
	if (w == NULL)
		return 0;
	vl->series = xgrow(vl->series, &vl->scap, w->nseries,
	    sizeof *vl->series);
	for (i = 0; i < w->nseries; i++) {
		const struct series *s = series_at(reg, w->series_idx[i]);
		struct view_series *vs = &vl->series[vl->nseries++];

		vs->metric = s->metric;
		vs->labels = s->labels;
		vs->labels_len = s->labels_len;
		vs->value = s->npoints > 0 ? s->last : NAN;
		vs->ts_ms = s->last_ms;
		vs->counter = s->kind == SERIES_COUNTER;
	}
	qsort(vl->series, vl->nseries, sizeof *vl->series, series_cmp);
	*out = vl->series;
	return vl->nseries;
}

struct store_walk {
	view_point_fn	 fn;
	void		*ctx;
};

static int
store_point(void *arg, int64_t id, int64_t ts_ms, double v)
{
	struct store_walk *sw = arg;

	(void)id;
	return sw->fn(sw->ctx, ts_ms, v);
}

static int
live_points(struct view *v, const char *worker, const char *metric,
    const char *labels, size_t labels_len, int64_t from_ms, int64_t to_ms,
    view_point_fn fn, void *ctx)
{
	struct view_live *vl = live(v);
	const struct worker *w = engine_worker_by_name(vl->eng, worker);
	struct series *s;
	struct store *st = engine_store(vl->eng);
	int64_t oldest = INT64_MAX;

	if (w == NULL)
		return -1;
	s = series_find(engine_series(vl->eng), w->idx, metric, labels,
	    labels_len);
	if (s == NULL)
		return -1;
	/* memory holds the recent window; the store (when recording)
	 * everything, so a window reaching further back reads the store */
	if (st != NULL && s->store_id >= 0) {
		oldest = series_oldest_ms(s);
		if (from_ms < oldest) {
			struct store_walk sw = { fn, ctx };

			return store_read(st, s->store_id, from_ms, to_ms,
			    store_point, &sw) < 0 ? -1 : 0;
		}
	}
	series_each(s, from_ms, to_ms, fn, ctx);
	return 0;
}

static size_t
live_events(struct view *v, const char *worker, size_t max,
    const struct view_event **out)
{
	struct view_live *vl = live(v);
	size_t n = engine_event_count(vl->eng), i, k = 0;

	vl->events = xgrow(vl->events, &vl->ecap, max > 0 ? max : 1,
	    sizeof *vl->events);
	for (i = n; i > 0 && k < max; i--) {
		const struct engine_event *ev = engine_event_at(vl->eng, i - 1);

		if (worker != NULL && (ev->worker == NULL ||
		    strcmp(ev->worker, worker) != 0))
			continue;
		vl->events[k].ts_ms = ev->ts_ms;
		vl->events[k].worker = ev->worker;
		vl->events[k].kind = ev->kind;
		vl->events[k].text = ev->text;
		k++;
	}
	*out = vl->events;
	return k;
}

static int
live_pollfds(struct view *v, struct pollfd *fds, int max, int *timeout_ms)
{
	return engine_pollfds(live(v)->eng, fds, max, timeout_ms);
}

/*
 * Follow the recording's health: note when writing began to fail and
 * what the hold dropped, and, on the first dispatch after writing works
 * again, compose the line saying so.  Returns 1 when that line is new
 * (the console should show it now, over the last failure's message).
 */
static int
recording_watch(struct view_live *vl)
{
	struct store *st = engine_store(vl->eng);
	int64_t since, secs;
	uint64_t lost;

	if (st == NULL)
		return 0;
	store_held(st, &since, &lost);
	if (engine_store_error(vl->eng) != NULL) {
		if (!vl->rec_failing) {
			vl->rec_failing = 1;
			vl->rec_since_ms = since != 0 ? since : util_now_ms();
		}
		vl->rec_lost = lost;
		vl->rec_resumed_mono_ms = 0;
		return 0;
	}
	if (!vl->rec_failing)
		return 0;
	secs = (util_now_ms() - vl->rec_since_ms + 500) / 1000;
	if (vl->rec_lost > 0)
		snprintf(vl->rec_status, sizeof vl->rec_status, "recording "
		    "resumed: writing %s works again (failed for %lld s); "
		    "%llu samples were dropped while the hold was full",
		    store_path(st), (long long)secs,
		    (unsigned long long)vl->rec_lost);
	else
		snprintf(vl->rec_status, sizeof vl->rec_status, "recording "
		    "resumed: writing %s works again (failed for %lld s); "
		    "nothing was lost", store_path(st), (long long)secs);
	vl->rec_failing = 0;
	vl->rec_lost = 0;
	vl->rec_resumed_mono_ms = util_mono_ms();
	return 1;
}

static int
live_dispatch(struct view *v, const struct pollfd *fds, int n)
{
	struct view_live *vl = live(v);
	int bits = engine_dispatch(vl->eng, fds, n), r = 0;

	if (bits & (ENGINE_CHANGED | ENGINE_TICKED)) {
		vl->workers_valid = 0;
		r |= VIEW_CHANGED;
	}
	if (bits & ENGINE_STORE_ERROR)
		r |= VIEW_ERROR;
	if (recording_watch(vl))
		r |= VIEW_NOTICE;	/* recording resumed */
	return r;
}

/* While commits fail: what failed, what happens to the samples.  For a
 * while after they work again: that they do.  Else NULL. */
static const char *
live_status(struct view *v)
{
	struct view_live *vl = live(v);
	const char *msg = engine_store_error(vl->eng);
	struct store *st = engine_store(vl->eng);
	uint64_t lost;
	size_t held;

	if (msg != NULL && st != NULL) {
		held = store_held(st, NULL, &lost);
		if (store_gone(st))
			snprintf(vl->rec_status, sizeof vl->rec_status,
			    "recording stopped: %s (%zu samples not written; "
			    "restart with another --db to record)", msg, held);
		else if (lost > 0)
			snprintf(vl->rec_status, sizeof vl->rec_status,
			    "recording paused: %s (%zu samples held, %llu "
			    "oldest dropped: the hold is full; retried every "
			    "tick)", msg, held, (unsigned long long)lost);
		else
			snprintf(vl->rec_status, sizeof vl->rec_status,
			    "recording paused: %s (%zu samples held, retried "
			    "every tick)", msg, held);
		return vl->rec_status;
	}
	if (msg != NULL)
		return msg;
	if (vl->rec_resumed_mono_ms != 0 &&
	    util_mono_ms() - vl->rec_resumed_mono_ms < RESUMED_SHOW_MS)
		return vl->rec_status;
	vl->rec_resumed_mono_ms = 0;
	return NULL;
}

static const char *
str(const char *s)
{
	return s != NULL ? s : "";
}

static size_t
live_incidents(struct view *v, const char *worker, int open_only,
    const struct view_incident **out)
{
	struct view_live *vl = live(v);

	return view_inc_incidents(&vl->ic, engine_incidents(vl->eng), worker,
	    open_only, out);
}

static size_t
live_timeline(struct view *v, int64_t id, const struct view_entry **out)
{
	struct view_live *vl = live(v);

	return view_inc_timeline(&vl->ic, engine_incidents(vl->eng), id, out);
}

static size_t
live_log(struct view *v, const char *worker, const struct view_log_line **out)
{
	struct view_live *vl = live(v);
	const struct worker *w = engine_worker_by_name(vl->eng, worker);
	struct analysis_line l;
	size_t n, i, off;
	uint64_t gen = w != NULL ? analysis_log_gen(w) : 0;

	/* the lines as read last, while they have not changed (a frame of
	 * the logs panel would inflate them all again) */
	if (gen != 0 && gen == vl->lgen) {
		*out = vl->lines;
		return vl->nlines;
	}
	/* a text the analysis gives is valid only until it gives the next
	 * (it keeps them compressed): each is copied, and pointed to once
	 * the copies have stopped moving */
	n = w != NULL ? analysis_log_count(w) : 0;
	vl->lines = xgrow(vl->lines, &vl->lcap, n + 1, sizeof *vl->lines);
	buf_clear(&vl->ltext);
	for (i = 0; i < n; i++) {
		analysis_log_line(w, i, &l);
		vl->lines[i].ts_ms = l.ts_ms;
		vl->lines[i].seq = l.seq;
		vl->lines[i].len = l.len;
		vl->lines[i].matched = l.matched;
		vl->lines[i].cls = str(l.cls);
		vl->lines[i].severity = l.severity;
		buf_add(&vl->ltext, l.text, l.len);
		buf_addc(&vl->ltext, '\0');
	}
	for (i = 0, off = 0; i < n; i++) {
		vl->lines[i].text = vl->ltext.data + off;
		off += vl->lines[i].len + 1;
	}
	vl->nlines = n;
	vl->lgen = gen;
	*out = vl->lines;
	return n;
}

static size_t
live_patterns(struct view *v, const struct view_pattern **out)
{
	struct view_live *vl = live(v);

	return view_inc_patterns(&vl->ic, engine_incidents(vl->eng),
	    live_time(v), out);
}

static void
live_host(struct view *v, struct view_host *out)
{
	struct analysis *a = engine_analysis(live(v)->eng);

	if (a != NULL)
		analysis_pressure(a, &out->psi_some_avg10,
		    &out->psi_full_avg10);
}

static void
live_free(struct view *v)
{
	struct view_live *vl = live(v);

	view_inc_cache_free(&vl->ic);
	free(vl->lines);
	buf_free(&vl->ltext);
	free(vl->workers);
	free(vl->series);
	free(vl->events);
	free(vl);
}

static const struct view_ops live_ops = {
	.mode = live_mode,
	.source = live_source,
	.time = live_time,
	.interval = live_interval,
	.workers = live_workers,
	.series = live_series,
	.points = live_points,
	.events = live_events,
	.pollfds = live_pollfds,
	.dispatch = live_dispatch,
	.status = live_status,
	.free = live_free,
	.incidents = live_incidents,
	.timeline = live_timeline,
	.log = live_log,
	.patterns = live_patterns,
	.host = live_host,
};

struct view *
view_live_new(struct engine *eng)
{
	struct view_live *vl = xcalloc(1, sizeof *vl);

	vl->v.ops = &live_ops;
	vl->eng = eng;
	if (gethostname(vl->host, sizeof vl->host) != 0)
		util_strlcpy(vl->host, "localhost", sizeof vl->host);
	vl->host[sizeof vl->host - 1] = '\0';
	return &vl->v;
}

struct engine *
view_live_engine(struct view *v)
{
	return v != NULL && v->ops == &live_ops ? live(v)->eng : NULL;
}
