/*
 * panel-fleet.c -- one row per worker: status, CPU, RSS with a usage bar
 * against its limit, request rate, latency quantiles, error rate, open
 * incidents, restarts, and a sparkline of the chosen column.
 *
 * What needs a look is marked: a figure the analysis flags as anomalous
 * now ends in '!' and is coloured; a worker with threshold rules firing
 * shows "firing" as its status; RSS at high or critical memory risk is
 * coloured by the risk.  The line below the rows says why, for the
 * selected worker.
 *
 * Worst first by default; sortable by any column, filtered by name.  The
 * selection is a worker name (ui->selected), so it follows the worker
 * across re-sorts and ticks.  A frame allocates nothing once the arrays
 * have grown to the fleet's size, and reads history only for the rows on
 * the screen.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"
#include "widgets.h"

#define SPARK_WINDOW_MS	(5 * 60 * 1000)	/* the sparkline's last minutes */
#define SPARK_MAX	32		/* widest sparkline, in cells */

enum fcol {
	F_NAME, F_STATUS, F_CPU, F_RSS, F_BAR, F_REQ, F_P50, F_P99, F_ERR,
	F_INC, F_RST, F_SPARK, F_COUNT
};

static const struct table_col default_cols[F_COUNT] = {
	[F_NAME] =	{ "NAME", 8, 16, 0, 2, 0 },
	[F_STATUS] =	{ "STATUS", 7, 7, 0, 0, 0 },
	[F_CPU] =	{ "CPU%", 5, 6, 1, 0, 1 },
	[F_RSS] =	{ "RSS", 6, 6, 1, 0, 0 },
	[F_BAR] =	{ "USE", 6, 12, 0, 1, 3 },
	[F_REQ] =	{ "REQ/S", 5, 6, 1, 0, 1 },
	[F_P50] =	{ "P50", 5, 6, 1, 0, 2 },
	[F_P99] =	{ "P99", 5, 6, 1, 0, 0 },
	[F_ERR] =	{ "ERR/S", 5, 6, 1, 0, 0 },
	[F_INC] =	{ "INC", 3, 3, 1, 0, 4 },
	[F_RST] =	{ "RST", 3, 3, 1, 0, 5 },
	[F_SPARK] =	{ "", 8, 20, 0, 0, 6 },
};

/* The table column that shows each sort column. */
static const int sort_fcol[COL_COUNT] = {
	[COL_NAME] = F_NAME, [COL_STATUS] = F_STATUS, [COL_CPU] = F_CPU,
	[COL_RSS] = F_RSS, [COL_REQ] = F_REQ, [COL_P50] = F_P50,
	[COL_P99] = F_P99, [COL_ERR] = F_ERR, [COL_INCIDENTS] = F_INC,
	[COL_RESTARTS] = F_RST,
};

/* The series behind each sparkline column (NULL: none). */
static const char *const spark_metric[COL_COUNT] = {
	[COL_STATUS] = "up",
	[COL_CPU] = "proc_cpu_percent",
	[COL_RSS] = "proc_rss_bytes",
	[COL_REQ] = "requests_per_second",
	[COL_P50] = "latency_p50_seconds",
	[COL_P99] = "latency_p99_seconds",
	[COL_ERR] = "errors_per_second",
	[COL_RESTARTS] = "proc_restarts",
};

struct fleet {
	struct table_col cols[F_COUNT];
	char		 spark_title[32];
	size_t		*rows;		/* indexes into the view's workers */
	size_t		 nrows, rcap;
	struct worst	*keys;		/* by worker index */
	size_t		 kcap;
	const struct view_worker *w;	/* the view's array, this turn */
	size_t		 nw;
	int		 sel;		/* row of ui->selected */
	int		 top;		/* first row shown */
	int		 page;		/* rows shown last time */
	int		 header_y;	/* where the titles were drawn */
	struct table_layout layout;
	struct spark	*spark;		/* by worker index */
	size_t		 nspark, sparkcap;
};

static int
state_rank(enum view_state s)
{
	switch (s) {
	case VIEW_DOWN:
		return 0;
	case VIEW_UNKNOWN:
		return 1;
	case VIEW_RESTARTING:
		return 2;
	default:
		return 3;
	}
}

/* Larger first; NAN (unknown) last. */
static int
cmp_desc(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) - isnan(b);
	return a > b ? -1 : a < b ? 1 : 0;
}

/* A coarse step of v: log(v / unit) to the given base, NAN and below
 * unit lowest; so that noise between samples does not reorder workers. */
static int
step_log(double v, double unit, double base)
{
	if (isnan(v))
		return -2000;
	if (v < unit)
		return -1000;	/* too little to tell from none */
	return (int)floor(log(v / unit) / log(base));
}

/* The worst-first order of a worker, computed once per rebuild. */
struct worst {
	int		 rank, incidents, err, p99, cpu;
};

static void
worst_key(const struct view_worker *w, struct worst *k)
{
	k->rank = state_rank(w->state);
	k->incidents = w->incidents;
	k->err = step_log(w->err_rate, 0.01, 10);
	k->p99 = step_log(w->p99_s, 0.001, 2);
	k->cpu = isnan(w->cpu_percent) ? -1 : (int)(w->cpu_percent / 10);
}

/* Worst first: down, unknown, restarting, up; then open incidents, error
 * rate (in steps of 10x), p99 (steps of 2x) and CPU (steps of 10%);
 * then the name. */
static int
cmp_worst(const struct worst *a, const struct worst *b)
{
	if (a->rank != b->rank)
		return a->rank - b->rank;
	if (a->incidents != b->incidents)
		return a->incidents > b->incidents ? -1 : 1;
	if (a->err != b->err)
		return b->err - a->err;
	if (a->p99 != b->p99)
		return b->p99 - a->p99;
	return b->cpu - a->cpu;
}

static int
cmp_column(const struct view_worker *a, const struct view_worker *b,
    enum ui_column col)
{
	switch (col) {
	case COL_NAME:
		return strcmp(a->name, b->name);
	case COL_STATUS:
		return state_rank(a->state) - state_rank(b->state);
	case COL_CPU:
		return cmp_desc(a->cpu_percent, b->cpu_percent);
	case COL_RSS:
		return cmp_desc(a->rss_bytes, b->rss_bytes);
	case COL_REQ:
		return cmp_desc(a->req_rate, b->req_rate);
	case COL_P50:
		return cmp_desc(a->p50_s, b->p50_s);
	case COL_P99:
		return cmp_desc(a->p99_s, b->p99_s);
	case COL_ERR:
		return cmp_desc(a->err_rate, b->err_rate);
	case COL_INCIDENTS:
		return a->incidents == b->incidents ? 0 :
		    a->incidents > b->incidents ? -1 : 1;
	case COL_RESTARTS:
		return cmp_desc(a->restarts, b->restarts);
	default:
		return 0;
	}
}

struct sort_ctx {
	const struct view_worker *w;
	const struct worst *keys;
	const struct ui	*ui;
};

static int
row_cmp(const void *pa, const void *pb, void *arg)
{
	const struct sort_ctx *s = arg;
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
	const struct view_worker *a = &s->w[ia], *b = &s->w[ib];
	int r;

	r = s->ui->sort_set ? cmp_column(a, b, s->ui->sort) :
	    cmp_worst(&s->keys[ia], &s->keys[ib]);
	if (s->ui->sort_reverse)
		r = -r;
	if (r == 0)
		r = strcmp(a->name, b->name);
	return r;
}

/* The rows as the view has them now: filtered, sorted, selection found. */
static void
rebuild(struct fleet *f, struct ui *ui)
{
	struct sort_ctx sc;
	size_t i;
	int sel = -1;

	f->nw = view_workers(ui->view, &f->w);
	/* At least one: no NULL arrays before the first worker. */
	f->rows = xgrow(f->rows, &f->rcap, f->nw > 0 ? f->nw : 1,
	    sizeof *f->rows);
	f->keys = xgrow(f->keys, &f->kcap, f->nw > 0 ? f->nw : 1,
	    sizeof *f->keys);
	f->nrows = 0;
	for (i = 0; i < f->nw; i++) {
		if (ui->filter[0] != '\0' &&
		    strcasestr(f->w[i].name, ui->filter) == NULL)
			continue;
		f->rows[f->nrows++] = i;
		if (!ui->sort_set)
			worst_key(&f->w[i], &f->keys[i]);
	}
	sc.w = f->w;
	sc.keys = f->keys;
	sc.ui = ui;
	if (f->nrows > 1)
		qsort_r(f->rows, f->nrows, sizeof *f->rows, row_cmp, &sc);
	for (i = 0; i < f->nrows; i++) {
		if (strcmp(f->w[f->rows[i]].name, ui->selected) == 0) {
			sel = (int)i;
			break;
		}
	}
	if (sel == -1) {
		/* Gone or filtered out: keep the place in the list. */
		sel = f->sel < (int)f->nrows ? f->sel : (int)f->nrows - 1;
		if (sel < 0)
			sel = 0;
		if (f->nrows > 0)
			util_strlcpy(ui->selected, f->w[f->rows[sel]].name,
			    sizeof ui->selected);
	}
	f->sel = sel;
}

static void *
fleet_create(struct ui *ui)
{
	struct fleet *f = xcalloc(1, sizeof *f);

	memcpy(f->cols, default_cols, sizeof f->cols);
	f->cols[F_SPARK].title = f->spark_title;
	f->page = 1;
	return f;
}

static void
fleet_destroy(void *p)
{
	struct fleet *f = p;

	if (f == NULL)
		return;
	free(f->rows);
	free(f->keys);
	free(f->spark);
	free(f);
}

/*
 * A worker's sparkline, kept between frames.  The buckets lie on
 * multiples of their length, so a finished bucket never changes: each
 * frame reads only the points of the bucket now filling (and of buckets
 * finished since the last frame), not the whole window again.
 */
struct spark {
	char		 name[128];	/* whose; "" unused */
	int		 col;		/* enum ui_column */
	int		 w;		/* buckets */
	int64_t		 bucket;	/* ms per bucket */
	int64_t		 last;		/* index (time / bucket) of vals[w-1] */
	double		 vals[SPARK_MAX];	/* means, NAN where no point */
};

struct spark_acc {
	double		 sum[SPARK_MAX];
	int		 cnt[SPARK_MAX];
	int64_t		 from, bucket;
	int		 n;
};

static int
spark_point(void *ctx, int64_t ts, double v)
{
	struct spark_acc *a = ctx;
	int64_t i = (ts - a->from) / a->bucket;

	if (i >= 0 && i < a->n && !isnan(v)) {
		a->sum[i] += v;
		a->cnt[i]++;
	}
	return 0;
}

/* Bring sp up to date for the bucket holding now. */
static void
spark_update(struct spark *sp, struct ui *ui, const char *worker,
    const char *metric, int w, int64_t now)
{
	int64_t bucket = SPARK_WINDOW_MS / w, cur, first;
	struct spark_acc a;
	int i, keep;

	if (bucket < 1)
		bucket = 1;
	cur = now / bucket;
	if (strcmp(sp->name, worker) != 0 ||
	    sp->col != (int)ui->spark_column || sp->w != w ||
	    sp->bucket != bucket || cur < sp->last || cur - sp->last >= w) {
		/* Someone else's, or too old: all of it again. */
		util_strlcpy(sp->name, worker, sizeof sp->name);
		sp->col = ui->spark_column;
		sp->w = w;
		sp->bucket = bucket;
		keep = 0;
	} else
		/* Finished buckets stay; the one that was filling is read
		 * again, with the ones after it. */
		keep = w - 1 - (int)(cur - sp->last);
	if (keep > 0)
		memmove(sp->vals, sp->vals + (cur - sp->last),
		    (size_t)keep * sizeof *sp->vals);
	sp->last = cur;
	first = cur - (w - 1 - keep);
	memset(&a, 0, sizeof a);
	a.from = first * bucket;
	a.bucket = bucket;
	a.n = w - keep;
	view_points(ui->view, worker, metric, "", 0, a.from, now, spark_point,
	    &a);
	for (i = 0; i < a.n; i++)
		sp->vals[keep + i] = a.cnt[i] > 0 ? a.sum[i] / a.cnt[i] : NAN;
}

static void
draw_spark(struct fleet *f, struct ui *ui, WINDOW *win, int y, int x,
    int w, size_t wi, attr_t attr)
{
	const char *metric = spark_metric[ui->spark_column];
	struct spark *sp;
	double lo, hi;
	int i;

	if (metric == NULL || w <= 0)
		return;
	if (w > SPARK_MAX)
		w = SPARK_MAX;
	if (wi >= f->nspark) {
		f->spark = xgrow(f->spark, &f->sparkcap, f->nw,
		    sizeof *f->spark);
		memset(f->spark + f->nspark, 0, (f->sparkcap - f->nspark) *
		    sizeof *f->spark);
		f->nspark = f->sparkcap;
	}
	sp = &f->spark[wi];
	spark_update(sp, ui, f->w[wi].name, metric, w, view_time(ui->view));
	/* Scaled to the finished buckets (the filling one is clamped), so
	 * that one changing value does not redraw the whole line each
	 * sample; the status line is 0 (down) to 1 (up). */
	lo = hi = NAN;
	for (i = 0; i < w - 1; i++) {
		if (isnan(sp->vals[i]))
			continue;
		if (isnan(lo) || sp->vals[i] < lo)
			lo = sp->vals[i];
		if (isnan(hi) || sp->vals[i] > hi)
			hi = sp->vals[i];
	}
	if (ui->spark_column == COL_STATUS) {
		lo = 0;
		hi = 1;
	}
	spark_draw(win, y, x, w, sp->vals, (size_t)w, lo, hi, attr,
	    ui->glyphs);
}

static const char *
state_text(const struct view_worker *vw, enum ui_color *role)
{
	switch (vw->state) {
	case VIEW_UP:
		if (vw->rules_firing > 0) {
			*role = UC_WARNING;
			return "firing";
		}
		*role = UC_UP;
		return "up";
	case VIEW_DOWN:
		*role = UC_DOWN;
		return "down";
	case VIEW_RESTARTING:
		*role = UC_RESTARTING;
		return "restart";
	default:
		*role = UC_DIM;
		return "?";
	}
}

/* Mark the figure text (in a buffer of len) of column col as anomalous
 * when flagged: a '!' after it where the column has room, and the
 * warning colour (bold on the selected row). */
static void
mark(struct fleet *f, struct ui *ui, WINDOW *win, int y, int col,
    char *text, size_t len, unsigned flagged, int selected)
{
	size_t n = strlen(text);

	if (!flagged || f->layout.w[col] <= 0)
		return;
	if ((int)n + 1 <= f->layout.w[col] && n + 2 <= len) {
		text[n] = '!';
		text[n + 1] = '\0';
	}
	table_draw_cell(win, y, 0, f->cols, &f->layout, col, text,
	    selected ? ui_attr(UC_SELECTED) | A_BOLD : ui_attr(UC_WARNING) |
	    A_BOLD, ui->glyphs);
}

/* Append to buf (len bytes) at *off, printf-style, without allocating;
 * what does not fit is cut. */
static void
add(char *buf, size_t len, size_t *off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
add(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off = *off + (size_t)n < len ? *off + (size_t)n : len - 1;
}

/* Why the worker needs a look, in words, into buf ("" when it does not):
 * why it is down, the rules firing, the figures flagged now. */
static void
trouble(const struct view_worker *vw, char *buf, size_t len)
{
	static const struct {
		unsigned	 bit;
		const char	*name;
	} anom[] = {
		{ VIEW_ANOM_LATENCY, "latency" },
		{ VIEW_ANOM_ERRORS, "errors" },
		{ VIEW_ANOM_REQUESTS, "requests" },
		{ VIEW_ANOM_CPU, "cpu" },
		{ VIEW_ANOM_RSS, "rss" },
	};
	char score[FMT_MAX];
	size_t i, off = 0;
	int first = 1;

	buf[0] = '\0';
	if (vw->note != NULL && vw->note[0] != '\0')
		add(buf, len, &off, "%s", vw->note);
	if (vw->rules_firing > 0)
		add(buf, len, &off, "%s%d rule%s firing", off > 0 ? "; " : "",
		    vw->rules_firing, vw->rules_firing == 1 ? "" : "s");
	if (vw->anomalies == 0)
		return;
	add(buf, len, &off, "%sanomalous now:", off > 0 ? "; " : "");
	for (i = 0; i < ARRAY_LEN(anom); i++) {
		if ((vw->anomalies & anom[i].bit) == 0)
			continue;
		add(buf, len, &off, "%s%s", first ? " " : ", ", anom[i].name);
		first = 0;
	}
	if (!isnan(vw->anomaly_score)) {
		fmt_number(vw->anomaly_score, score, sizeof score);
		add(buf, len, &off, " (score %s)", score);
	}
}

static void
draw_row(struct fleet *f, struct ui *ui, WINDOW *win, int y, size_t wi,
    int selected)
{
	char cpu[FMT_MAX], rss[FMT_MAX], req[FMT_MAX], p50[FMT_MAX],
	    p99[FMT_MAX], err[FMT_MAX], inc[FMT_MAX], rst[FMT_MAX];
	const char *cells[F_COUNT];
	const struct table_layout *l = &f->layout;
	const struct view_worker *vw = &f->w[wi];
	attr_t base = ui_attr(selected ? UC_SELECTED : UC_NORMAL);
	enum ui_color role;
	const char *st;

	fmt_percent(vw->cpu_percent, cpu, sizeof cpu);
	fmt_bytes(vw->rss_bytes, rss, sizeof rss);
	fmt_rate(vw->req_rate, req, sizeof req);
	fmt_seconds(vw->p50_s, p50, sizeof p50);
	fmt_seconds(vw->p99_s, p99, sizeof p99);
	fmt_rate(vw->err_rate, err, sizeof err);
	fmt_count(vw->incidents, inc, sizeof inc);
	fmt_count(vw->restarts, rst, sizeof rst);
	st = state_text(vw, &role);

	cells[F_NAME] = vw->name;
	cells[F_STATUS] = st;
	cells[F_CPU] = cpu;
	cells[F_RSS] = rss;
	cells[F_BAR] = NULL;
	cells[F_REQ] = req;
	cells[F_P50] = p50;
	cells[F_P99] = p99;
	cells[F_ERR] = err;
	cells[F_INC] = inc;
	cells[F_RST] = rst;
	cells[F_SPARK] = NULL;
	table_draw_row(win, y, 0, f->cols, l, cells, base, ui->glyphs);

	/* Colour what needs attention, except on the selected row, where
	 * the selection's own colours keep it readable. */
	if (!selected) {
		table_draw_cell(win, y, 0, f->cols, l, F_STATUS, st,
		    ui_attr(role), ui->glyphs);
		if (vw->err_rate > 0)
			table_draw_cell(win, y, 0, f->cols, l, F_ERR, err,
			    ui_attr(UC_WARNING), ui->glyphs);
		if (vw->incidents > 0)
			table_draw_cell(win, y, 0, f->cols, l, F_INC, inc,
			    ui_attr(UC_CRITICAL), ui->glyphs);
		if (vw->risk >= VIEW_RISK_HIGH && !isnan(vw->rss_bytes))
			table_draw_cell(win, y, 0, f->cols, l, F_RSS, rss,
			    ui_attr(vw->risk >= VIEW_RISK_CRITICAL ?
			    UC_CRITICAL : UC_WARNING), ui->glyphs);
	}
	if (vw->anomalies != 0) {
		mark(f, ui, win, y, F_CPU, cpu, sizeof cpu, vw->anomalies &
		    VIEW_ANOM_CPU, selected);
		mark(f, ui, win, y, F_RSS, rss, sizeof rss, vw->anomalies &
		    VIEW_ANOM_RSS, selected);
		mark(f, ui, win, y, F_REQ, req, sizeof req, vw->anomalies &
		    VIEW_ANOM_REQUESTS, selected);
		mark(f, ui, win, y, F_P99, p99, sizeof p99, vw->anomalies &
		    VIEW_ANOM_LATENCY, selected);
		mark(f, ui, win, y, F_ERR, err, sizeof err, vw->anomalies &
		    VIEW_ANOM_ERRORS, selected);
	}
	if (l->w[F_BAR] > 0) {
		if (!isnan(vw->limit_bytes) && vw->limit_bytes > 0 &&
		    !isnan(vw->rss_bytes))
			gauge_draw(win, y, l->x[F_BAR], l->w[F_BAR],
			    vw->rss_bytes / vw->limit_bytes, NULL, ui->glyphs);
		else
			table_draw_cell(win, y, 0, f->cols, l, F_BAR,
			    "no limit", selected ? base : ui_attr(UC_DIM),
			    ui->glyphs);
	}
	if (l->w[F_SPARK] > 0)
		draw_spark(f, ui, win, y, l->x[F_SPARK], l->w[F_SPARK], wi,
		    selected ? base : ui_attr(UC_CHART));
}

static void
fleet_draw(void *p, struct ui *ui, WINDOW *win, int h, int w)
{
	struct fleet *f = p;
	const struct view_worker *sel;
	char line[512], why[400];
	int r, y, body, footer, sort_col;

	rebuild(f, ui);
	if (h < 1 || w < 1)
		return;
	snprintf(f->spark_title, sizeof f->spark_title, "%s 5m",
	    spark_metric[ui->spark_column] != NULL ?
	    ui->spark_column == COL_STATUS ? "UP" :
	    ui->spark_column == COL_CPU ? "CPU%" :
	    ui->spark_column == COL_RSS ? "RSS" :
	    ui->spark_column == COL_REQ ? "REQ/S" :
	    ui->spark_column == COL_P50 ? "P50" :
	    ui->spark_column == COL_P99 ? "P99" :
	    ui->spark_column == COL_ERR ? "ERR/S" : "RESTARTS" : "-");
	table_layout(f->cols, F_COUNT, w, &f->layout);
	sort_col = ui->sort_set ? sort_fcol[ui->sort] : -1;
	table_draw_header(win, 0, 0, f->cols, &f->layout, sort_col,
	    ui->sort_reverse, ui_attr(UC_TITLE), ui->glyphs);
	f->header_y = 0;

	if (f->nrows == 0) {
		if (h > 1) {
			if (ui->filter[0] != '\0')
				snprintf(line, sizeof line, " no worker name "
				    "contains \"%s\" (%zu workers; Esc clears "
				    "the filter)", ui->filter, f->nw);
			else
				snprintf(line, sizeof line, " no workers yet "
				    "(waiting for the first sample)");
			widget_text(win, 1, 0, w, line, WIDGET_NUL,
			    ui_attr(UC_DIM), ui->glyphs);
		}
		f->page = h > 1 ? h - 1 : 1;
		return;
	}

	/* A line about the selected worker when it has something to say
	 * (why it is down) and there is room. */
	sel = &f->w[f->rows[f->sel]];
	trouble(sel, why, sizeof why);
	footer = h >= 6 && why[0] != '\0';
	body = h - 1 - footer;
	if (body < 1)
		body = 1;
	f->page = body;
	f->top = table_scroll(f->sel, (int)f->nrows, body, f->top);
	for (r = f->top, y = 1; r < (int)f->nrows && y <= body && y < h;
	    r++, y++)
		draw_row(f, ui, win, y, f->rows[r], r == f->sel);
	if (footer) {
		snprintf(line, sizeof line, " %s: %s", sel->name, why);
		widget_text(win, h - 1, 0, w, line, WIDGET_NUL,
		    ui_attr(sel->state == VIEW_DOWN ? UC_DOWN :
		    sel->anomalies != 0 || sel->rules_firing > 0 ? UC_WARNING :
		    UC_DIM), ui->glyphs);
	}
}

static void
select_row(struct fleet *f, struct ui *ui, int row)
{
	if (f->nrows == 0)
		return;
	if (row < 0)
		row = 0;
	if (row >= (int)f->nrows)
		row = (int)f->nrows - 1;
	f->sel = row;
	util_strlcpy(ui->selected, f->w[f->rows[row]].name,
	    sizeof ui->selected);
}

static int
fleet_command(void *p, struct ui *ui, int argc, char **argv)
{
	struct fleet *f = p;
	int sel;

	if (argc < 1)
		return 0;
	rebuild(f, ui);
	if ((sel = table_select(f->sel, (int)f->nrows, f->page,
	    argv[0])) != -1) {
		select_row(f, ui, sel);
		return 1;
	}
	if (strcmp(argv[0], "enter") == 0) {
		if (f->nrows > 0)
			ui_panel_show("metrics");
		return 1;
	}
	if (strcmp(argv[0], "back") == 0 && ui->filter[0] != '\0') {
		ui->filter[0] = '\0';
		return 1;
	}
	if (strcmp(argv[0], "left") == 0 || strcmp(argv[0], "right") == 0)
		return 1;
	return 0;
}

static int
fleet_click(void *p, struct ui *ui, int y, int x)
{
	struct fleet *f = p;
	int i;

	rebuild(f, ui);
	if (y == f->header_y) {
		/* A column title sorts by it; again reverses. */
		for (i = 0; i < COL_COUNT; i++) {
			int c = sort_fcol[i];

			if (f->layout.w[c] == 0 || x < f->layout.x[c] ||
			    x >= f->layout.x[c] + f->layout.w[c])
				continue;
			if (ui->sort_set && ui->sort == (enum ui_column)i)
				ui->sort_reverse = !ui->sort_reverse;
			else {
				ui->sort_set = 1;
				ui->sort = i;
				ui->sort_reverse = 0;
			}
			return 1;
		}
		return 0;
	}
	if (y - 1 + f->top < (int)f->nrows && y >= 1 && y <= f->page) {
		select_row(f, ui, f->top + y - 1);
		return 1;
	}
	return 0;
}

const struct panel_ops panel_fleet_ops = {
	"fleet",
	"Fleet",
	fleet_create,
	fleet_destroy,
	fleet_draw,
	fleet_command,
	fleet_click,
};
