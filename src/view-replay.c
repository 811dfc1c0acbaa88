/*
 * view-replay.c -- the view answered from a recording: the fleet as it
 * was at the cursor, read from the store.
 *
 * What the panels see at time t:
 *  - a worker's figures are the points written at its newest tick at or
 *    before t (one window read over every series); a tick older than
 *    2.5 intervals is missing, and so is a figure that tick did not
 *    write, so a gap in the recording shows as a gap and is never
 *    interpolated;
 *  - memory health, forecasts and anomaly scores are the series the
 *    analysis recorded then, never recomputed with hindsight;
 *  - incidents are incidents_load(t): the tracker as it was at t, kept
 *    until the cursor crosses a time at which some incident changed;
 *  - events are all read once (and as a recorder adds them) and cut at t.
 *
 * The interval is the median spacing of the first `up` series' samples;
 * a gap is more than 2.5 intervals between two of them (checked
 * against every series, so a worker missing from the configuration is
 * not taken for a stopped recorder).  The store is refreshed every
 * interval: a recording still being written grows, and in follow mode
 * the cursor stays on its newest tick.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anomaly.h"
#include "engine.h"
#include "incident.h"
#include "patterns.h"
#include "store.h"
#include "util.h"
#include "view.h"
#include "view-incidents.h"

#define GAP_TICKS_X2	5	/* a gap: more than 2.5 intervals */
#define STALE_TICKS_X2	5	/* a value older than 2.5 intervals is
				   missing */
#define WINDOW_TICKS	3	/* read window before t, in intervals: a
				   restart within it shows as restarting */
#define IV_SAMPLE	1001	/* points of `up` the interval comes from */
#define SCAN_SLICE_MS	(3600 * 1000)	/* gap scan: a slice of time */
#define SCAN_OPEN_MS	50	/* ... and what opening may spend on it */
#define SCAN_STEP_MS	20	/* ... and each turn of the loop after */
#define REFRESH_MIN_MS	250
#define REFRESH_MAX_MS	5000
#define FRAME_MIN_MS	100	/* playback: at most 10 frames a second */
#define LOG_KEEP	300
#define SCAN_EVENTS_MAX	20000	/* events searched back for a note */
#define MAX_SID		(1 << 22)

enum fig {
	F_NONE, F_UP, F_CPU, F_RSS, F_PSS, F_SWAP, F_LIMIT, F_GPU, F_REQ,
	F_ERR, F_P50, F_P99, F_RESTARTS, F_SLOPE, F_THREADS, F_FDS, F_LEAK,
	F_TTL, F_FRAG, F_EFF, F_RISK, F_ANOM, F_COUNT
};

static const char *const fig_metric[F_COUNT] = {
	[F_UP] = "up",
	[F_CPU] = "proc_cpu_percent",
	[F_RSS] = "proc_rss_bytes",
	[F_PSS] = "proc_pss_bytes",
	[F_SWAP] = "proc_swap_bytes",
	[F_LIMIT] = "memory_limit_bytes",
	[F_GPU] = "gpu_memory_bytes",
	[F_REQ] = "requests_per_second",
	[F_ERR] = "errors_per_second",
	[F_P50] = "latency_p50_seconds",
	[F_P99] = "latency_p99_seconds",
	[F_RESTARTS] = "proc_restarts",
	[F_SLOPE] = "memory_growth_bytes_per_second",
	[F_THREADS] = "proc_threads",
	[F_FDS] = "proc_fds",
	[F_LEAK] = "memory_leak",
	[F_TTL] = "memory_time_to_limit_seconds",
	[F_FRAG] = "memory_fragmentation_ratio",
	[F_EFF] = "memory_efficiency_percent",
	[F_RISK] = "memory_risk_level",
	[F_ANOM] = "anomaly_score",
};

/* anomaly_score{figure="..."}: the analysis' figures, their view bit,
 * and which side is bad (1 high, 0 both) */
static const struct {
	const char	*labels;
	unsigned	 bit;
	int		 high;
} anom_figs[] = {
	{ "{figure=\"latency_p99_seconds\"}", VIEW_ANOM_LATENCY, 1 },
	{ "{figure=\"errors_per_second\"}", VIEW_ANOM_ERRORS, 1 },
	{ "{figure=\"requests_per_second\"}", VIEW_ANOM_REQUESTS, 0 },
	{ "{figure=\"proc_cpu_percent\"}", VIEW_ANOM_CPU, 0 },
	{ "{figure=\"proc_rss_bytes\"}", VIEW_ANOM_RSS, 1 },
};

struct rseries {
	int64_t		 id;
	char		*metric;
	char		*labels;
	size_t		 labels_len;
	uint32_t	 worker;
	uint8_t		 fig;
	int8_t		 anom;		/* index in anom_figs, -1 none */
	uint8_t		 counter;
	/* the window read at the cursor (valid when gen is the view's) */
	uint32_t	 gen;
	double		 v, first_v;
	int64_t		 ts, first_ts;
};

struct rworker {
	char		*name;
	uint32_t	 up;		/* its `up` series + 1, 0 none */
	uint32_t	*ser;		/* its series, by metric and labels */
	size_t		 nser, sercap;
	int		 sorted;
};

struct revent {
	int64_t		 ts_ms, id;
	char		*worker, *kind, *text;
};

struct view_replay {
	struct view		 v;
	struct store		*st;
	char			*path;
	char			 status[512];
	int			 store_error;

	int64_t			 t;		/* the cursor */
	int64_t			 first, last;	/* the span */
	int			 empty;		/* no sample yet */
	int64_t			 iv;
	size_t			 iv_n;		/* spacings it comes from */
	struct view_play	 play;
	int64_t			 step_mono;	/* playback: last step */
	int64_t			 refresh_mono;	/* next store_refresh */

	/* series, by store id through slot[] (0: unknown) */
	struct rseries		*ser;
	size_t			 nser, sercap;
	uint32_t		*slot;
	size_t			 slotcap;
	int64_t			 ref_sid;	/* gaps and interval */
	struct rworker		*workers;
	size_t			 nworkers, wcap;

	/* the window read at t */
	uint32_t		 gen;
	int			 have_window;

	/* gaps */
	struct view_gap		*gaps;
	size_t			 ngaps, gcap;
	int64_t			 ref_last;	/* newest ref tick, 0 none */
	int64_t			 scan_pos;	/* scanned up to here */

	/* events, by time */
	struct revent		*events;
	size_t			 nevents, evcap;
	int64_t			 ev_max_id;

	/* incidents: all of them, and as they were at inc_at_ms */
	struct incidents	*inc_all;
	struct incidents	*inc_at;
	size_t			 inc_at_k;	/* changes at or before it */
	int64_t			 inc_sig[2];	/* change detector */
	int64_t			*changes;
	size_t			 nchanges, chcap;
	struct view_mark	*marks;
	size_t			 nmarks, mcap;

	/* answers */
	struct view_worker	*vw;
	size_t			 nvw, vwcap;
	int			 vw_valid;
	struct view_series	*vs;
	size_t			 vscap;
	struct view_event	*ve;
	size_t			 vecap;
	struct view_inc_cache	 ic;
	struct view_log_line	*vl;
	size_t			 vlcap;
};

static struct view_replay *
rp(struct view *v)
{
	return (struct view_replay *)v;
}

static void
set_status(struct view_replay *vr, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_status(struct view_replay *vr, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vr->status, sizeof vr->status, fmt, ap);
	va_end(ap);
	vr->store_error = error;
}

/* ------------------------------------------------------------------ */
/* Series and workers */

static int
is_counter(const char *m)
{
	size_t n = strlen(m);
	static const char *const suffix[] = { "_total", "_count", "_sum",
	    "_bucket", "_created" };
	size_t i, k;

	if (strcmp(m, "proc_read_bytes") == 0 ||
	    strcmp(m, "proc_write_bytes") == 0 ||
	    strcmp(m, "proc_restarts") == 0)
		return 1;
	for (i = 0; i < ARRAY_LEN(suffix); i++) {
		k = strlen(suffix[i]);
		if (n > k && strcmp(m + n - k, suffix[i]) == 0)
			return 1;
	}
	return 0;
}

static uint32_t
worker_index(struct view_replay *vr, const char *name)
{
	size_t i;

	/* few workers, and series come grouped by worker: look back */
	for (i = vr->nworkers; i > 0; i--) {
		if (strcmp(vr->workers[i - 1].name, name) == 0)
			return (uint32_t)(i - 1);
	}
	vr->workers = xgrow(vr->workers, &vr->wcap, vr->nworkers + 1,
	    sizeof *vr->workers);
	memset(&vr->workers[vr->nworkers], 0, sizeof *vr->workers);
	vr->workers[vr->nworkers].name = xstrdup(name);
	return (uint32_t)vr->nworkers++;
}

static int
series_add(void *ctx, const struct store_series_info *si)
{
	struct view_replay *vr = ctx;
	struct rseries *s;
	struct rworker *w;
	size_t i;
	int f;

	if (si->id <= 0 || si->id >= MAX_SID)
		return 0;
	if ((size_t)si->id < vr->slotcap && vr->slot[si->id] != 0)
		return 0;	/* known */
	if ((size_t)si->id >= vr->slotcap) {
		size_t old = vr->slotcap;

		vr->slot = xgrow(vr->slot, &vr->slotcap, (size_t)si->id + 1,
		    sizeof *vr->slot);
		memset(vr->slot + old, 0, (vr->slotcap - old) *
		    sizeof *vr->slot);
	}
	vr->ser = xgrow(vr->ser, &vr->sercap, vr->nser + 1, sizeof *vr->ser);
	s = &vr->ser[vr->nser];
	memset(s, 0, sizeof *s);
	s->id = si->id;
	s->metric = xstrdup(si->metric);
	s->labels = xmalloc(si->labels_len + 1);
	memcpy(s->labels, si->labels, si->labels_len);
	s->labels[si->labels_len] = '\0';
	s->labels_len = si->labels_len;
	s->worker = worker_index(vr, si->worker);
	s->anom = -1;
	s->counter = (uint8_t)is_counter(s->metric);
	for (f = 1; f < F_COUNT; f++) {
		if (strcmp(fig_metric[f], s->metric) == 0)
			break;
	}
	if (f < F_COUNT && f != F_ANOM && si->labels_len != 0)
		f = F_COUNT;	/* a figure has no labels */
	s->fig = f < F_COUNT ? (uint8_t)f : F_NONE;
	if (s->fig == F_ANOM) {
		for (i = 0; i < ARRAY_LEN(anom_figs); i++) {
			if (strlen(anom_figs[i].labels) == s->labels_len &&
			    memcmp(anom_figs[i].labels, s->labels,
			    s->labels_len) == 0)
				s->anom = (int8_t)i;
		}
	}
	if (s->fig == F_UP && (vr->ref_sid == 0 || s->id < vr->ref_sid))
		vr->ref_sid = s->id;
	vr->slot[si->id] = (uint32_t)++vr->nser;
	w = &vr->workers[s->worker];
	if (s->fig == F_UP)
		w->up = (uint32_t)vr->nser;
	w->ser = xgrow(w->ser, &w->sercap, w->nser + 1, sizeof *w->ser);
	w->ser[w->nser++] = (uint32_t)(vr->nser - 1);
	w->sorted = 0;
	return 0;
}

static struct rseries *
series_of(struct view_replay *vr, int64_t sid)
{
	uint32_t k;

	if (sid <= 0 || (size_t)sid >= vr->slotcap ||
	    (k = vr->slot[sid]) == 0)
		return NULL;
	return &vr->ser[k - 1];
}

static int
load_series(struct view_replay *vr)
{
	size_t before = vr->nser;

	if (store_series_each(vr->st, NULL, NULL, series_add, vr) < 0)
		return -1;
	if (vr->nser != before)
		vr->vw_valid = vr->have_window = 0;
	return 0;
}

static struct rworker *
worker_by_name(struct view_replay *vr, const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < vr->nworkers; i++) {
		if (strcmp(vr->workers[i].name, name) == 0)
			return &vr->workers[i];
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The interval and the gaps */

struct ivscan {
	int64_t		*ts;
	size_t		 n, cap, max;
};

static int
iv_point(void *ctx, int64_t sid, int64_t ts, double v)
{
	struct ivscan *s = ctx;

	s->ts = xgrow(s->ts, &s->cap, s->n + 1, sizeof *s->ts);
	s->ts[s->n++] = ts;
	return s->n >= s->max;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The median spacing of the first samples of the reference series. */
static void
find_interval(struct view_replay *vr)
{
	struct ivscan s = { NULL, 0, 0, IV_SAMPLE };
	size_t i, k = 0;

	/* settled once it comes from enough spacings */
	if (vr->iv_n >= IV_SAMPLE - 1 || vr->ref_sid == 0)
		return;
	store_read(vr->st, vr->ref_sid, INT64_MIN, INT64_MAX, iv_point, &s);
	for (i = 1; i < s.n; i++) {
		if (s.ts[i] > s.ts[i - 1])
			s.ts[k++] = s.ts[i] - s.ts[i - 1];
	}
	if (k > 0) {
		qsort(s.ts, k, sizeof *s.ts, cmp_i64);
		vr->iv = s.ts[k / 2];
	}
	vr->iv_n = k;
	free(s.ts);
}

static int64_t
interval(const struct view_replay *vr)
{
	return vr->iv > 0 ? vr->iv : 1000;
}

static int
any_point(void *ctx, int64_t sid, int64_t ts, double v)
{
	*(int *)ctx = 1;
	return 1;
}

/* A stretch without reference ticks is a gap when no series has a
 * point in it either (the recorder was not running). */
static void
gap_check(struct view_replay *vr, int64_t from, int64_t to)
{
	int seen = 0;

	if (to - from <= interval(vr) * GAP_TICKS_X2 / 2)
		return;
	if (store_read_window(vr->st, from + 1, to - 1, any_point, &seen) < 0 ||
	    seen)
		return;
	vr->gaps = xgrow(vr->gaps, &vr->gcap, vr->ngaps + 1,
	    sizeof *vr->gaps);
	vr->gaps[vr->ngaps].from_ms = from;
	vr->gaps[vr->ngaps].to_ms = to;
	vr->ngaps++;
}

struct gapscan {
	struct view_replay *vr;
	int64_t		 first;		/* the first tick read, 0 none */
	int64_t		 prev;		/* 0 before the first */
	int64_t		*cand;		/* candidate gaps, pairs */
	size_t		 n, cap;
};

static int
gap_point(void *ctx, int64_t sid, int64_t ts, double v)
{
	struct gapscan *g = ctx;

	if (g->prev != 0 && ts - g->prev > interval(g->vr) * GAP_TICKS_X2 / 2) {
		g->cand = xgrow(g->cand, &g->cap, g->n + 2, sizeof *g->cand);
		g->cand[g->n++] = g->prev;
		g->cand[g->n++] = ts;
	}
	if (g->first == 0)
		g->first = ts;
	if (ts > g->prev)
		g->prev = ts;
	return 0;
}

/* 1 while part of the recording is not scanned for gaps yet. */
static int
scanning(const struct view_replay *vr)
{
	return vr->ref_sid != 0 && !vr->empty && vr->scan_pos < vr->last;
}

/* Scan the reference ticks in (scan_pos, until] for gaps. */
static void
scan_slice(struct view_replay *vr, int64_t until)
{
	struct gapscan g = { vr, 0, vr->ref_last, NULL, 0, 0 };
	size_t i;

	if (store_read(vr->st, vr->ref_sid, vr->scan_pos == INT64_MIN ?
	    INT64_MIN : vr->scan_pos + 1, until, gap_point, &g) < 0)
		until = vr->last;	/* a damaged file: the scan ends */
	if (vr->ref_last == 0 && g.first != 0)
		/* the reference worker may have come later */
		gap_check(vr, vr->first, g.first);
	for (i = 0; i + 1 < g.n; i += 2)
		gap_check(vr, g.cand[i], g.cand[i + 1]);
	free(g.cand);
	vr->ref_last = g.prev;
	vr->scan_pos = until;
}

/* Scan for gaps, a slice at a time, for at most budget_ms: the rest is
 * left for the next calls (a long recording read cold from the disk
 * would otherwise delay the first frame).  Returns 1 when gaps were
 * found or the scan finished. */
static int
scan_gaps(struct view_replay *vr, int64_t budget_ms)
{
	int64_t end = util_mono_ms() + budget_ms, until;
	size_t before = vr->ngaps;

	if (!scanning(vr))
		return 0;
	do {
		int64_t from = vr->scan_pos == INT64_MIN ? vr->first :
		    vr->scan_pos, next;

		/* hours with nothing in them (a recorder stopped for the
		 * weekend, a damaged time) are stepped over in one go: the
		 * gap they make shows when the next point comes */
		if (vr->scan_pos != INT64_MIN) {
			int rc = store_next_time(vr->st, vr->ref_sid, from, &next);

			/* nothing more, or a damaged file: the scan ends */
			if (rc != 0 || next - 1 >= vr->last)
				vr->scan_pos = from = vr->last;
			else if (next - 1 > from)
				vr->scan_pos = from = next - 1;
			if (!scanning(vr))
				break;
		}
		until = from > vr->last - SCAN_SLICE_MS ? vr->last :
		    from + SCAN_SLICE_MS;
		scan_slice(vr, until);
	} while (scanning(vr) && util_mono_ms() < end);
	return vr->ngaps != before || !scanning(vr);
}

/* 1 when t falls inside a gap. */
static int
in_gap(const struct view_replay *vr, int64_t t)
{
	size_t lo = 0, hi = vr->ngaps, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (vr->gaps[mid].to_ms <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < vr->ngaps && vr->gaps[lo].from_ms < t;
}

/* ------------------------------------------------------------------ */
/* Events */

static int
event_add(void *ctx, const struct store_event_info *e)
{
	struct view_replay *vr = ctx;
	struct revent *ev;
	size_t at;

	if (e->id <= vr->ev_max_id)
		return 0;
	vr->ev_max_id = e->id;
	vr->events = xgrow(vr->events, &vr->evcap, vr->nevents + 1,
	    sizeof *vr->events);
	/* in time order (a clock that stepped back writes older times) */
	at = vr->nevents;
	while (at > 0 && vr->events[at - 1].ts_ms > e->ts_ms)
		at--;
	memmove(&vr->events[at + 1], &vr->events[at], (vr->nevents - at) *
	    sizeof *vr->events);
	ev = &vr->events[at];
	ev->ts_ms = e->ts_ms;
	ev->id = e->id;
	ev->worker = e->worker != NULL ? xstrdup(e->worker) : NULL;
	ev->kind = xstrdup(e->kind);
	ev->text = xstrdup(e->text);
	vr->nevents++;
	return 0;
}

static int
load_events(struct view_replay *vr)
{
	int64_t from = vr->nevents > 0 ? vr->events[vr->nevents - 1].ts_ms :
	    INT64_MIN;

	return store_events_each(vr->st, from, INT64_MAX, event_add, vr) < 0 ?
	    -1 : 0;
}

/* The number of events at or before t. */
static size_t
events_upto(const struct view_replay *vr, int64_t t)
{
	size_t lo = 0, hi = vr->nevents, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (vr->events[mid].ts_ms <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The newest event of worker at or before t whose kind is one of
 * kinds (NULL-terminated), or NULL. */
static const struct revent *
last_event(const struct view_replay *vr, const char *worker,
    const char *const *kinds, int64_t t)
{
	size_t i = events_upto(vr, t), seen = 0;
	const char *const *k;

	for (; i > 0 && seen < SCAN_EVENTS_MAX; i--, seen++) {
		const struct revent *e = &vr->events[i - 1];

		if (e->worker == NULL || strcmp(e->worker, worker) != 0)
			continue;
		for (k = kinds; *k != NULL; k++) {
			if (strcmp(e->kind, *k) == 0)
				return e;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Incidents */

static size_t
upper_bound(const int64_t *v, size_t n, int64_t t)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
change_add(struct view_replay *vr, int64_t t)
{
	vr->changes = xgrow(vr->changes, &vr->chcap, vr->nchanges + 1,
	    sizeof *vr->changes);
	vr->changes[vr->nchanges++] = t;
}

static int
cmp_mark(const void *a, const void *b)
{
	const struct view_mark *x = a, *y = b;

	if (x->ts_ms != y->ts_ms)
		return (x->ts_ms > y->ts_ms) - (x->ts_ms < y->ts_ms);
	return (x->id > y->id) - (x->id < y->id);
}

/* What tells that the incident tables changed: the newest timeline
 * entry and incident (every change adds an entry). */
static void
incident_signature(struct view_replay *vr, int64_t sig[2])
{
	sqlite3_stmt *q;

	sig[0] = sig[1] = -1;
	if (!store_has_table(vr->st, "incidents") ||
	    sqlite3_prepare_v2(store_db(vr->st), "SELECT (SELECT max(id) "
	    "FROM incident_timeline), (SELECT max(id) FROM incidents)", -1,
	    &q, NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(q) == SQLITE_ROW) {
		sig[0] = sqlite3_column_int64(q, 0);
		sig[1] = sqlite3_column_int64(q, 1);
	}
	sqlite3_finalize(q);
}

/* (Re)load every incident, the times at which any changed, and the
 * marks.  A damaged table leaves them empty, with a message. */
static void
load_incidents(struct view_replay *vr)
{
	const struct incident *list;
	const struct incident_entry *e;
	size_t n, i, k, ne;

	incident_signature(vr, vr->inc_sig);
	incidents_free(vr->inc_all);
	incidents_free(vr->inc_at);
	vr->inc_at = NULL;
	vr->nchanges = vr->nmarks = 0;
	vr->vw_valid = 0;
	if ((vr->inc_all = incidents_load(vr->st, INT64_MAX)) == NULL) {
		set_status(vr, 1, "%s: incidents: %s", vr->path,
		    sqlite3_errmsg(store_db(vr->st)));
		vr->inc_all = incidents_new(NULL, 0);
		return;
	}
	n = incidents_list(vr->inc_all, NULL, 0, &list);
	vr->marks = xgrow(vr->marks, &vr->mcap, n + 1, sizeof *vr->marks);
	for (i = 0; i < n; i++) {
		vr->marks[vr->nmarks].ts_ms = list[i].opened_ms;
		vr->marks[vr->nmarks].id = list[i].id;
		vr->marks[vr->nmarks].severity = (int)list[i].severity;
		vr->nmarks++;
		change_add(vr, list[i].opened_ms);
		if (list[i].resolved_ms != 0)
			change_add(vr, list[i].resolved_ms);
		if (list[i].acked_ms != 0)
			change_add(vr, list[i].acked_ms);
		ne = incidents_timeline(vr->inc_all, list[i].id, &e);
		for (k = 0; k < ne; k++)
			change_add(vr, e[k].ts_ms);
	}
	if (vr->nmarks > 1)
		qsort(vr->marks, vr->nmarks, sizeof *vr->marks, cmp_mark);
	if (vr->nchanges > 1)
		qsort(vr->changes, vr->nchanges, sizeof *vr->changes,
		    cmp_i64);
	for (i = k = 0; i < vr->nchanges; i++) {
		if (k == 0 || vr->changes[k - 1] != vr->changes[i])
			vr->changes[k++] = vr->changes[i];
	}
	vr->nchanges = k;
}

/* The incidents as they were at the cursor: loaded again only when the
 * cursor crossed a change. */
static void
sync_incidents(struct view_replay *vr)
{
	size_t k = upper_bound(vr->changes, vr->nchanges, vr->t);

	if (vr->inc_at != NULL && k == vr->inc_at_k)
		return;
	incidents_free(vr->inc_at);
	vr->inc_at = NULL;
	if (k > 0)
		vr->inc_at = incidents_load(vr->st, vr->t);
	if (vr->inc_at == NULL)
		vr->inc_at = incidents_new(NULL, 0);
	vr->inc_at_k = k;
	vr->vw_valid = 0;
}

/* ------------------------------------------------------------------ */
/* The cursor */

static int64_t
clamp_t(const struct view_replay *vr, int64_t t)
{
	if (vr->empty)
		return t;
	if (t < vr->first)
		return vr->first;
	if (t > vr->last)
		return vr->last;
	return t;
}

static void
set_time(struct view_replay *vr, int64_t t)
{
	t = clamp_t(vr, t);
	if (t != vr->t) {
		vr->t = t;
		vr->vw_valid = vr->have_window = 0;
	}
	sync_incidents(vr);
}

static void
read_span(struct view_replay *vr)
{
	int64_t a, b;

	if (store_span(vr->st, &a, &b) == 0) {
		vr->first = a;
		vr->last = b;
		vr->empty = 0;
	}
}

/* ------------------------------------------------------------------ */
/* The window read at t */

static int
window_point(void *ctx, int64_t sid, int64_t ts, double v)
{
	struct view_replay *vr = ctx;
	struct rseries *s = series_of(vr, sid);

	if (s == NULL)
		return 0;
	if (s->gen != vr->gen) {
		s->gen = vr->gen;
		s->first_v = s->v = v;
		s->first_ts = s->ts = ts;
	} else if (ts >= s->ts) {
		s->v = v;
		s->ts = ts;
	} else if (ts < s->first_ts) {
		s->first_v = v;
		s->first_ts = ts;
	}
	return 0;
}

static void
read_window(struct view_replay *vr)
{
	int64_t iv = interval(vr);

	if (vr->have_window)
		return;
	if (++vr->gen == 0)
		vr->gen = 1;
	if (!vr->empty && store_read_window(vr->st, vr->t - WINDOW_TICKS * iv,
	    vr->t, window_point, vr) < 0)
		set_status(vr, 1, "%s", store_errmsg(vr->st));
	vr->have_window = 1;
}

/* The value of s at the cursor, NAN when it has none in the last 2.5
 * intervals. */
static double
value_at(const struct view_replay *vr, const struct rseries *s)
{
	if (s == NULL || s->gen != vr->gen ||
	    vr->t - s->ts > interval(vr) * STALE_TICKS_X2 / 2)
		return NAN;
	return s->v;
}

/* The time of w's newest tick at the cursor (its `up` sample), 0 when
 * it has none. */
static int64_t
tick_of(const struct view_replay *vr, const struct rworker *w)
{
	const struct rseries *up = w->up != 0 ? &vr->ser[w->up - 1] : NULL;

	return up != NULL && !isnan(value_at(vr, up)) ? up->ts : 0;
}

/* The value of w's series s at the cursor: a worker with an `up` series
 * writes all of a tick's points with the tick's time, so only a point
 * of its newest tick counts (a process that is gone has no RSS, not the
 * RSS of a tick before). */
static double
worker_value(const struct view_replay *vr, const struct rworker *w,
    int64_t tick, const struct rseries *s)
{
	if (w->up == 0)
		return value_at(vr, s);
	if (tick == 0 || s->gen != vr->gen || s->ts != tick)
		return NAN;
	return s->v;
}

/* ------------------------------------------------------------------ */
/* Workers */

static const char *
risk_reason(struct view_replay *vr, const char *worker)
{
	static const char *const kinds[] = { EV_MEMORY, NULL };
	const struct revent *e = last_event(vr, worker, kinds, vr->t);
	const char *p;

	if (e == NULL)
		return "";
	/* "memory risk high: REASON" */
	if (strncmp(e->text, "memory risk ", 12) == 0 &&
	    (p = strstr(e->text, ": ")) != NULL)
		return p + 2;
	return e->text;
}

static const char *
mitigation(struct view_replay *vr, const char *worker)
{
	const struct incident *list;
	size_t n, i;

	n = incidents_list(vr->inc_at, worker, 1, &list);
	for (i = 0; i < n; i++) {
		if (strcmp(list[i].cls, INCIDENT_MEMORY) == 0 ||
		    strcmp(list[i].cls, INCIDENT_LEAK) == 0)
			return list[i].strategy;
	}
	return "";
}

static void
fill_worker(struct view_replay *vr, struct rworker *w, struct view_worker *vw)
{
	static const char *const down_kinds[] = { EV_EXITED, EV_NOT_FOUND,
	    EV_SCRAPE_FAILED, NULL };
	const struct rseries *fig[F_COUNT];
	double val[F_COUNT], up, a, top = NAN;
	const struct revent *e;
	int64_t tick = tick_of(vr, w);
	size_t i;
	int f;

	for (f = 0; f < F_COUNT; f++) {
		fig[f] = NULL;
		val[f] = NAN;
	}
	memset(vw, 0, sizeof *vw);
	vw->name = w->name;
	vw->note = vw->risk_reason = vw->mitigation = "";
	for (i = 0; i < w->nser; i++) {
		const struct rseries *s = &vr->ser[w->ser[i]];

		if (s->fig == F_NONE)
			continue;
		if (s->fig == F_ANOM) {
			if (s->anom < 0 ||
			    isnan(a = worker_value(vr, w, tick, s)))
				continue;
			/* the detector's default threshold, on the figure's
			 * bad side */
			if (anom_figs[(int)s->anom].high ?
			    a > ANOMALY_THRESHOLD_DEFAULT :
			    fabs(a) > ANOMALY_THRESHOLD_DEFAULT)
				vw->anomalies |= anom_figs[(int)s->anom].bit;
			if (isnan(top) || fabs(a) > top)
				top = fabs(a);
			continue;
		}
		fig[s->fig] = s;
		val[s->fig] = worker_value(vr, w, tick, s);
	}
	up = val[F_UP];
	if (isnan(up)) {
		vw->state = VIEW_UNKNOWN;
		if (in_gap(vr, vr->t))
			vw->note = "no samples: the recorder was not running";
		else if (!vr->empty)
			vw->note = "no sample at this time";
	} else if (up == 0) {
		vw->state = VIEW_DOWN;
		e = last_event(vr, w->name, down_kinds, vr->t);
		vw->note = e != NULL ? e->text : "down";
	} else {
		vw->state = VIEW_UP;
		/* restarted within the window */
		if (fig[F_RESTARTS] != NULL && !isnan(val[F_RESTARTS]) &&
		    val[F_RESTARTS] > fig[F_RESTARTS]->first_v)
			vw->state = VIEW_RESTARTING;
	}
	vw->pid = 0;
	vw->cpu_percent = val[F_CPU];
	vw->rss_bytes = val[F_RSS];
	vw->pss_bytes = val[F_PSS];
	vw->swap_bytes = val[F_SWAP];
	vw->limit_bytes = val[F_LIMIT];
	vw->gpu_bytes = val[F_GPU];
	vw->req_rate = val[F_REQ];
	vw->err_rate = val[F_ERR];
	vw->p50_s = val[F_P50];
	vw->p99_s = val[F_P99];
	vw->restarts = val[F_RESTARTS];
	vw->rss_slope = val[F_SLOPE];
	vw->threads = val[F_THREADS];
	vw->fds = val[F_FDS];
	vw->leak = !isnan(val[F_LEAK]) && val[F_LEAK] != 0;
	vw->slope_lo = vw->slope_hi = NAN;
	vw->ttl_s = val[F_TTL];
	vw->ttl_lo_s = vw->ttl_hi_s = NAN;
	vw->fragmentation = val[F_FRAG];
	vw->efficiency = val[F_EFF];
	vw->risk = VIEW_RISK_LOW;
	if (!isnan(val[F_RISK]) && val[F_RISK] >= VIEW_RISK_LOW)
		vw->risk = val[F_RISK] >= VIEW_RISK_CRITICAL ?
		    VIEW_RISK_CRITICAL : (int)val[F_RISK];
	if (vw->risk >= VIEW_RISK_HIGH) {
		vw->risk_reason = risk_reason(vr, w->name);
		vw->mitigation = mitigation(vr, w->name);
	}
	vw->anomaly_score = top;
	vw->incidents = (int)incidents_open_count(vr->inc_at, w->name);
}

/* Shown at t: every worker, but an extra match (NAME/PID) only while
 * it has samples. */
static int
worker_shown(const struct view_replay *vr, const struct view_worker *vw)
{
	return vw->state != VIEW_UNKNOWN || strchr(vw->name, '/') == NULL;
}

static size_t
replay_workers(struct view *v, const struct view_worker **out)
{
	struct view_replay *vr = rp(v);
	size_t i;

	if (!vr->vw_valid) {
		read_window(vr);
		vr->vw = xgrow(vr->vw, &vr->vwcap, vr->nworkers + 1,
		    sizeof *vr->vw);
		vr->nvw = 0;
		for (i = 0; i < vr->nworkers; i++) {
			fill_worker(vr, &vr->workers[i], &vr->vw[vr->nvw]);
			if (worker_shown(vr, &vr->vw[vr->nvw]))
				vr->nvw++;
		}
		vr->vw_valid = 1;
	}
	*out = vr->vw;
	return vr->nvw;
}

/* ------------------------------------------------------------------ */
/* Series */

static int
ser_cmp(const void *a, const void *b, void *arg)
{
	const struct view_replay *vr = arg;
	const struct rseries *x = &vr->ser[*(const uint32_t *)a];
	const struct rseries *y = &vr->ser[*(const uint32_t *)b];
	size_t n;
	int c;

	if ((c = strcmp(x->metric, y->metric)) != 0)
		return c;
	n = x->labels_len < y->labels_len ? x->labels_len : y->labels_len;
	if ((c = memcmp(x->labels, y->labels, n)) != 0)
		return c;
	return (x->labels_len > y->labels_len) -
	    (x->labels_len < y->labels_len);
}

static void
sort_worker(struct view_replay *vr, struct rworker *w)
{
	if (w->sorted)
		return;
	qsort_r(w->ser, w->nser, sizeof *w->ser, ser_cmp, vr);
	w->sorted = 1;
}

static size_t
replay_series(struct view *v, const char *worker,
    const struct view_series **out)
{
	struct view_replay *vr = rp(v);
	struct rworker *w = worker_by_name(vr, worker);
	int64_t tick;
	size_t i;

	*out = NULL;
	if (w == NULL)
		return 0;
	read_window(vr);
	tick = tick_of(vr, w);
	sort_worker(vr, w);
	vr->vs = xgrow(vr->vs, &vr->vscap, w->nser + 1, sizeof *vr->vs);
	for (i = 0; i < w->nser; i++) {
		const struct rseries *s = &vr->ser[w->ser[i]];
		struct view_series *vs = &vr->vs[i];

		vs->metric = s->metric;
		vs->labels = s->labels;
		vs->labels_len = s->labels_len;
		vs->value = worker_value(vr, w, tick, s);
		vs->ts_ms = isnan(vs->value) ? 0 : s->ts;
		vs->counter = s->counter;
	}
	*out = vr->vs;
	return w->nser;
}

struct point_walk {
	view_point_fn	 fn;
	void		*ctx;
};

static int
point_cb(void *arg, int64_t sid, int64_t ts, double v)
{
	struct point_walk *pw = arg;

	return pw->fn(pw->ctx, ts, v);
}

static int
replay_points(struct view *v, const char *worker, const char *metric,
    const char *labels, size_t labels_len, int64_t from_ms, int64_t to_ms,
    view_point_fn fn, void *ctx)
{
	struct view_replay *vr = rp(v);
	struct rworker *w = worker_by_name(vr, worker);
	struct point_walk pw = { fn, ctx };
	size_t i;

	if (w == NULL)
		return -1;
	if (labels == NULL)
		labels_len = 0;
	for (i = 0; i < w->nser; i++) {
		const struct rseries *s = &vr->ser[w->ser[i]];

		if (strcmp(s->metric, metric) != 0 ||
		    s->labels_len != labels_len ||
		    (labels_len > 0 && memcmp(s->labels, labels,
		    labels_len) != 0))
			continue;
		/* nothing after the cursor: it is the present */
		if (to_ms > vr->t)
			to_ms = vr->t;
		if (store_read(vr->st, s->id, from_ms, to_ms, point_cb,
		    &pw) < 0) {
			set_status(vr, 1, "%s", store_errmsg(vr->st));
			return -1;
		}
		return 0;
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* Events, incidents, logs, patterns */

static size_t
replay_events(struct view *v, const char *worker, size_t max,
    const struct view_event **out)
{
	struct view_replay *vr = rp(v);
	size_t i = events_upto(vr, vr->t), k = 0;

	vr->ve = xgrow(vr->ve, &vr->vecap, max > 0 ? max : 1, sizeof *vr->ve);
	for (; i > 0 && k < max; i--) {
		const struct revent *e = &vr->events[i - 1];

		if (worker != NULL && (e->worker == NULL ||
		    strcmp(e->worker, worker) != 0))
			continue;
		vr->ve[k].ts_ms = e->ts_ms;
		vr->ve[k].worker = e->worker;
		vr->ve[k].kind = e->kind;
		vr->ve[k].text = e->text;
		k++;
	}
	*out = vr->ve;
	return k;
}

static size_t
replay_incidents(struct view *v, const char *worker, int open_only,
    const struct view_incident **out)
{
	struct view_replay *vr = rp(v);

	return view_inc_incidents(&vr->ic, vr->inc_at, worker, open_only,
	    out);
}

static size_t
replay_timeline(struct view *v, int64_t id, const struct view_entry **out)
{
	struct view_replay *vr = rp(v);

	return view_inc_timeline(&vr->ic, vr->inc_at, id, out);
}

/* The worker's classified log lines up to t, from its "log" events
 * ("CLASS (RULE): TEXT"): the recording keeps no other lines. */
static size_t
replay_log(struct view *v, const char *worker,
    const struct view_log_line **out)
{
	struct view_replay *vr = rp(v);
	size_t i = events_upto(vr, vr->t), k = 0, n;

	vr->vl = xgrow(vr->vl, &vr->vlcap, LOG_KEEP, sizeof *vr->vl);
	for (; i > 0 && k < LOG_KEEP; i--) {
		const struct revent *e = &vr->events[i - 1];

		if (e->worker == NULL || worker == NULL ||
		    strcmp(e->worker, worker) != 0 ||
		    strcmp(e->kind, EV_LOG) != 0)
			continue;
		vr->vl[k].ts_ms = e->ts_ms;
		/* its id in the recording, not its index in events[]: an
		 * event read later with an older time (a clock that stepped
		 * back) is put before the newest and moves them up one */
		vr->vl[k].seq = (uint64_t)e->id;
		vr->vl[k].text = e->text;
		vr->vl[k].len = strlen(e->text);
		vr->vl[k].matched = 1;
		vr->vl[k].cls = "";
		vr->vl[k].severity = 1;
		k++;
	}
	/* oldest first */
	for (i = 0, n = k; i < n / 2; i++) {
		struct view_log_line tmp = vr->vl[i];

		vr->vl[i] = vr->vl[n - 1 - i];
		vr->vl[n - 1 - i] = tmp;
	}
	*out = vr->vl;
	return k;
}

static size_t
replay_patterns(struct view *v, const struct view_pattern **out)
{
	struct view_replay *vr = rp(v);

	return view_inc_patterns(&vr->ic, vr->inc_at, vr->t, out);
}

/* ------------------------------------------------------------------ */
/* The loop: playback and following */

static int64_t
frame_ms(const struct view_replay *vr)
{
	int64_t f = interval(vr) / (vr->play.speed > 0 ? vr->play.speed : 1);

	return f < FRAME_MIN_MS ? FRAME_MIN_MS : f;
}

static int64_t
refresh_ms(const struct view_replay *vr)
{
	int64_t r = interval(vr);

	if (r < REFRESH_MIN_MS)
		r = REFRESH_MIN_MS;
	if (r > REFRESH_MAX_MS)
		r = REFRESH_MAX_MS;
	return r;
}

static int
replay_pollfds(struct view *v, struct pollfd *fds, int max, int *timeout_ms)
{
	struct view_replay *vr = rp(v);
	int64_t now = util_mono_ms(), due;

	due = vr->refresh_mono;
	if (scanning(vr))
		due = now;
	if (vr->play.playing && vr->step_mono + frame_ms(vr) < due)
		due = vr->step_mono + frame_ms(vr);
	due = due > now ? due - now : 0;
	if (*timeout_ms < 0 || due < *timeout_ms)
		*timeout_ms = (int)due;
	return 0;
}

/* Pick up what a recorder wrote since the last refresh.  Returns 1 when
 * the recording grew. */
static int
refresh(struct view_replay *vr)
{
	int64_t last = vr->last, sig[2];
	int was_empty = vr->empty;

	if (store_refresh(vr->st) != 0) {
		set_status(vr, 1, "%s", store_errmsg(vr->st));
		return 0;
	}
	if (vr->store_error) {
		vr->status[0] = '\0';
		vr->store_error = 0;
	}
	read_span(vr);
	if (vr->empty || (!was_empty && vr->last == last))
		return 0;
	if (load_series(vr) != 0 || load_events(vr) != 0)
		set_status(vr, 1, "%s", store_errmsg(vr->st));
	find_interval(vr);
	scan_gaps(vr, SCAN_STEP_MS);
	incident_signature(vr, sig);
	if (sig[0] != vr->inc_sig[0] || sig[1] != vr->inc_sig[1])
		load_incidents(vr);
	sync_incidents(vr);
	/* points at or before the cursor may have come in the commit */
	vr->vw_valid = vr->have_window = 0;
	return 1;
}

static int
replay_dispatch(struct view *v, const struct pollfd *fds, int n)
{
	struct view_replay *vr = rp(v);
	int64_t now = util_mono_ms(), dt, t;
	int r = 0, grew = 0;

	if (scanning(vr) && scan_gaps(vr, SCAN_STEP_MS))
		r |= VIEW_CHANGED;	/* the time bar has more gaps */

	if (now >= vr->refresh_mono) {
		vr->refresh_mono = now + refresh_ms(vr);
		grew = refresh(vr);
		if (vr->store_error)
			r |= VIEW_ERROR;
		if (grew)
			r |= VIEW_CHANGED;	/* the time bar grew */
		if (grew && vr->play.follow) {
			set_time(vr, vr->last);
			vr->vw_valid = vr->have_window = 0;
		}
	}
	if (vr->play.playing && now >= vr->step_mono + frame_ms(vr)) {
		dt = (now - vr->step_mono) * vr->play.speed;
		vr->step_mono = now;
		t = vr->play.reverse ? vr->t - dt : vr->t + dt;
		if (!vr->play.reverse && t >= vr->last) {
			/* caught up: stay on the newest tick as it comes */
			vr->play.playing = 0;
			vr->play.follow = 1;
			t = vr->last;
		} else if (vr->play.reverse && t <= vr->first) {
			vr->play.playing = 0;
			t = vr->first;
		}
		set_time(vr, t);
		r |= VIEW_CHANGED;
	}
	return r;
}

/* ------------------------------------------------------------------ */
/* Replay operations */

static int
replay_seek(struct view *v, int64_t t)
{
	struct view_replay *vr = rp(v);

	vr->play.follow = 0;
	if (!vr->store_error)
		vr->status[0] = '\0';
	set_time(vr, t);
	vr->step_mono = util_mono_ms();
	return 0;
}

static int
replay_span(struct view *v, int64_t *first, int64_t *last)
{
	struct view_replay *vr = rp(v);

	if (vr->empty)
		return 1;
	*first = vr->first;
	*last = vr->last;
	return 0;
}

static size_t
replay_gaps(struct view *v, const struct view_gap **out)
{
	*out = rp(v)->gaps;
	return rp(v)->ngaps;
}

static size_t
replay_marks(struct view *v, const struct view_mark **out)
{
	*out = rp(v)->marks;
	return rp(v)->nmarks;
}

static void
replay_play_get(struct view *v, struct view_play *out)
{
	*out = rp(v)->play;
	out->scanning = scanning(rp(v));
}

static void
replay_play_set(struct view *v, const struct view_play *p)
{
	struct view_replay *vr = rp(v);
	int speed = p->speed;

	if (speed < 1)
		speed = 1;
	if (speed > VIEW_SPEED_MAX)
		speed = VIEW_SPEED_MAX;
	vr->play.speed = speed;
	vr->play.reverse = p->reverse != 0;
	if (p->follow) {
		vr->play.follow = 1;
		vr->play.playing = 0;
		set_time(vr, vr->last);
		return;
	}
	vr->play.follow = 0;
	if (p->playing && !vr->play.playing)
		vr->step_mono = util_mono_ms();
	vr->play.playing = p->playing != 0;
}

static int
replay_find(struct view *v, enum view_find what, int dir, int64_t *out)
{
	struct view_replay *vr = rp(v);
	size_t i, n;

	if (what == VIEW_FIND_INCIDENT) {
		n = vr->nmarks;
		if (dir > 0) {
			for (i = 0; i < n; i++) {
				if (vr->marks[i].ts_ms > vr->t) {
					*out = vr->marks[i].ts_ms;
					return 0;
				}
			}
		} else {
			for (i = n; i > 0; i--) {
				if (vr->marks[i - 1].ts_ms < vr->t) {
					*out = vr->marks[i - 1].ts_ms;
					return 0;
				}
			}
		}
		return -1;
	}
	if (dir > 0) {
		i = events_upto(vr, vr->t);
		if (i >= vr->nevents)
			return -1;
		*out = vr->events[i].ts_ms;
		return 0;
	}
	i = events_upto(vr, vr->t - 1);
	if (i == 0)
		return -1;
	*out = vr->events[i - 1].ts_ms;
	return 0;
}

/* ------------------------------------------------------------------ */

static const char *
replay_mode(struct view *v)
{
	return "replay";
}

static const char *
replay_source(struct view *v)
{
	return rp(v)->path;
}

static int64_t
replay_time(struct view *v)
{
	return rp(v)->t;
}

static int64_t
replay_interval(struct view *v)
{
	return interval(rp(v));
}

static const char *
replay_status(struct view *v)
{
	struct view_replay *vr = rp(v);

	if (vr->status[0] != '\0')
		return vr->status;
	if (vr->empty)
		return "the recording has no samples yet; waiting for them";
	return NULL;
}

static void
replay_free(struct view *v)
{
	struct view_replay *vr = rp(v);
	size_t i;

	if (vr == NULL)
		return;
	for (i = 0; i < vr->nser; i++) {
		free(vr->ser[i].metric);
		free(vr->ser[i].labels);
	}
	for (i = 0; i < vr->nworkers; i++) {
		free(vr->workers[i].name);
		free(vr->workers[i].ser);
	}
	for (i = 0; i < vr->nevents; i++) {
		free(vr->events[i].worker);
		free(vr->events[i].kind);
		free(vr->events[i].text);
	}
	incidents_free(vr->inc_all);
	incidents_free(vr->inc_at);
	store_close(vr->st);
	free(vr->ser);
	free(vr->slot);
	free(vr->workers);
	free(vr->gaps);
	free(vr->events);
	free(vr->changes);
	free(vr->marks);
	free(vr->vw);
	free(vr->vs);
	free(vr->ve);
	view_inc_cache_free(&vr->ic);
	free(vr->vl);
	free(vr->path);
	free(vr);
}

static const struct view_ops replay_ops = {
	.mode = replay_mode,
	.source = replay_source,
	.time = replay_time,
	.interval = replay_interval,
	.workers = replay_workers,
	.series = replay_series,
	.points = replay_points,
	.events = replay_events,
	.pollfds = replay_pollfds,
	.dispatch = replay_dispatch,
	.status = replay_status,
	.free = replay_free,
	.incidents = replay_incidents,
	.timeline = replay_timeline,
	.log = replay_log,
	.patterns = replay_patterns,
	.host = NULL,
	.seek = replay_seek,
	.span = replay_span,
	.gaps = replay_gaps,
	.marks = replay_marks,
	.play_get = replay_play_get,
	.play_set = replay_play_set,
	.find = replay_find,
};

struct view *
view_replay_new(struct store *st, int64_t at_ms, char *err, size_t errlen)
{
	struct view_replay *vr = xcalloc(1, sizeof *vr);

	vr->v.ops = &replay_ops;
	vr->st = st;
	vr->path = xstrdup(store_path(st));
	vr->play.speed = 1;
	vr->empty = 1;
	read_span(vr);
	if (load_series(vr) != 0 || load_events(vr) != 0) {
		snprintf(err, errlen, "%s", store_errmsg(st));
		replay_free(&vr->v);
		return NULL;
	}
	find_interval(vr);
	vr->scan_pos = INT64_MIN;
	scan_gaps(vr, SCAN_OPEN_MS);
	load_incidents(vr);
	if (at_ms == INT64_MAX) {
		vr->play.follow = 1;
		vr->t = vr->empty ? util_now_ms() : vr->last;
	} else
		vr->t = clamp_t(vr, at_ms);
	sync_incidents(vr);
	vr->refresh_mono = util_mono_ms() + refresh_ms(vr);
	vr->step_mono = util_mono_ms();
	return &vr->v;
}
