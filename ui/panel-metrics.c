/*
 * panel-metrics.c -- the selected worker in detail: a KPI line, a chart of
 * one series over a chosen window, and every series of the worker with its
 * labels and current value, browsable and filterable.
 *
 *	llm-0  up  pid 4242  cpu 12.3%  rss 1.25G/8.00G  req 12/s  p50 ...
 *	proc_rss_bytes  1.25G                     1m [5m] 15m 1h 6h 24h
 *	1.30G┤      ⣀⣀⡠⠤⠒⠊⠉⠉⠉⠉⠑⠒⠤⣀
 *	...
 *	SERIES                                   KIND       VALUE  AGE
 *	proc_cpu_percent                         gauge       12.3   1s
 *
 * Panel commands (besides the navigation ones): "window 1m|5m|15m|1h|6h|
 * 24h|next|prev" (or any duration from 10s to 7d), "find [TEXT]" (filter
 * the series list by substring; no TEXT clears), "chart METRIC[{LABELS}]"
 * (or "chart default"), "style braille|blocks".  Enter charts the selected
 * series; left/right step the window; back clears the filter.
 *
 * Counters are charted as their per-second rate (a counter reset leaves a
 * gap).  The chart's points are read with view_points into a buffer that
 * grows to the largest window shown and is reused; the series list into an
 * index array as long as the worker's series.  Nothing else is allocated
 * per frame.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ui.h"
#include "units.h"
#include "util.h"
#include "widgets.h"

#define DEFAULT_METRIC	"proc_rss_bytes"
#define DEFAULT_WINDOW	(5 * 60 * 1000)
#define MIN_WINDOW	(10 * 1000)
#define MAX_WINDOW	(7 * 24 * 3600 * 1000LL)
#define CHART_MAX_ROWS	20

static const int64_t windows[] = {
	60 * 1000, 5 * 60 * 1000, 15 * 60 * 1000, 3600 * 1000,
	6 * 3600 * 1000, 24 * 3600 * 1000
};

enum mcol { M_SERIES, M_KIND, M_VALUE, M_AGE, M_COUNT };

static const struct table_col list_cols[M_COUNT] = {
	[M_SERIES] =	{ "SERIES", 12, 40, 0, 1, 0 },
	[M_KIND] =	{ "KIND", 7, 7, 0, 0, 2 },
	[M_VALUE] =	{ "VALUE", 7, 9, 1, 0, 0 },
	[M_AGE] =	{ "AGE", 4, 4, 1, 0, 1 },
};

/* A series named by metric and labels (labels may hold NULs). */
struct key {
	char		*metric;	/* NULL: none */
	char		*labels;
	size_t		 labels_len;
};

struct metrics {
	char		 worker[256];	/* whose list sel/top/find are for */

	/* The list. */
	const struct view_series *s;	/* the view's array, this turn */
	size_t		 ns;
	size_t		*rows;		/* indexes into s that pass find */
	size_t		 nrows, rowcap;
	int		 sel, top, page;
	struct key	 sel_key;	/* follows the selected series */
	char		 find[128];

	/* The chart. */
	struct key	 chart;		/* metric NULL: DEFAULT_METRIC */
	int		 blocks;
	struct chart_point *pts;
	size_t		 npts, ptscap;

	/* Where things were drawn, for clicks. */
	int		 list_y, list_rows;
	int		 win_y, win_x[ARRAY_LEN(windows) + 1];
};

/* ------------------------------------------------------------------ */
/* Keys */

static void
key_set(struct key *k, const char *metric, const char *labels,
    size_t labels_len)
{
	free(k->metric);
	free(k->labels);
	k->metric = metric != NULL ? xstrdup(metric) : NULL;
	k->labels = NULL;
	k->labels_len = 0;
	if (labels != NULL) {
		/* Every byte: labels may hold NULs. */
		k->labels = xmalloc(labels_len + 1);
		memcpy(k->labels, labels, labels_len);
		k->labels[labels_len] = '\0';
		k->labels_len = labels_len;
	}
}

static void
key_clear(struct key *k)
{
	key_set(k, NULL, NULL, 0);
}

static int
key_is(const struct key *k, const struct view_series *s)
{
	return k->metric != NULL && strcmp(k->metric, s->metric) == 0 &&
	    k->labels_len == s->labels_len &&
	    memcmp(k->labels != NULL ? k->labels : "", s->labels,
	    s->labels_len) == 0;
}

/* ------------------------------------------------------------------ */
/* The worker and its series */

static const struct view_worker *
current_worker(struct ui *ui)
{
	const struct view_worker *w;
	size_t n, i;

	n = view_workers(ui->view, &w);
	if (n == 0)
		return NULL;
	for (i = 0; i < n; i++)
		if (strcmp(w[i].name, ui->selected) == 0)
			return &w[i];
	/* Nothing (or a worker gone) selected: the first one. */
	util_strlcpy(ui->selected, w[0].name, sizeof ui->selected);
	return &w[0];
}

/* Case-insensitive substring in len bytes that may hold NULs. */
static int
contains(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	if (n == 0)
		return 1;
	for (i = 0; i + n <= len; i++)
		if (strncasecmp(hay + i, needle, n) == 0 &&
		    memchr(hay + i, '\0', n) == NULL)
			return 1;
	return 0;
}

/* Read the worker's series and the rows that pass the filter; keep the
 * selection on the same series. */
static void
rebuild(struct metrics *m, struct ui *ui, const struct view_worker *vw)
{
	size_t i;
	int sel = -1;

	if (vw == NULL) {
		m->ns = m->nrows = 0;
		return;
	}
	if (strcmp(m->worker, vw->name) != 0) {
		util_strlcpy(m->worker, vw->name, sizeof m->worker);
		m->sel = m->top = 0;
		key_clear(&m->sel_key);
	}
	m->ns = view_series(ui->view, vw->name, &m->s);
	m->rows = xgrow(m->rows, &m->rowcap, m->ns > 0 ? m->ns : 1,
	    sizeof *m->rows);
	m->nrows = 0;
	for (i = 0; i < m->ns; i++) {
		if (m->find[0] != '\0' && !contains(m->s[i].metric,
		    strlen(m->s[i].metric), m->find) &&
		    !contains(m->s[i].labels, m->s[i].labels_len, m->find))
			continue;
		if (sel == -1 && key_is(&m->sel_key, &m->s[i]))
			sel = (int)m->nrows;
		m->rows[m->nrows++] = i;
	}
	if (sel == -1)
		sel = m->sel < (int)m->nrows ? m->sel : (int)m->nrows - 1;
	m->sel = sel < 0 ? 0 : sel;
}

static void
select_row(struct metrics *m, int row)
{
	const struct view_series *s;

	if (m->nrows == 0)
		return;
	if (row < 0)
		row = 0;
	if (row >= (int)m->nrows)
		row = (int)m->nrows - 1;
	m->sel = row;
	s = &m->s[m->rows[row]];
	key_set(&m->sel_key, s->metric, s->labels, s->labels_len);
}

/* ------------------------------------------------------------------ */
/* Formatting by metric name */

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* How to print a series' values; rate: charted as per-second rate. */
static fmt_fn
value_fmt(const char *metric, int rate)
{
	if (ends_with(metric, "_bytes") || ends_with(metric, "_bytes_total"))
		return fmt_bytes;
	if (!rate && ends_with(metric, "_seconds"))
		return fmt_seconds;
	if (strstr(metric, "percent") != NULL)
		return fmt_percent;
	if (rate)
		return fmt_rate;
	return fmt_number;
}

static void
window_name(int64_t ms, char *buf, size_t len)
{
	fmt_window(ms, buf, len);
}

static int64_t
window_of(struct ui *ui)
{
	if (ui->window_ms < MIN_WINDOW || ui->window_ms > MAX_WINDOW)
		ui->window_ms = DEFAULT_WINDOW;
	return ui->window_ms;
}

/* ------------------------------------------------------------------ */
/* Drawing */

struct collect {
	struct metrics	*m;
	int		 rate;
	int		 have_prev;
	int64_t		 prev_ts;
	double		 prev_v;
};

static void
push(struct metrics *m, int64_t ts, double v)
{
	m->pts = xgrow(m->pts, &m->ptscap, m->npts + 1, sizeof *m->pts);
	m->pts[m->npts].ts_ms = ts;
	m->pts[m->npts].v = v;
	m->npts++;
}

static int
collect_point(void *ctx, int64_t ts, double v)
{
	struct collect *c = ctx;
	double r;

	if (!c->rate) {
		push(c->m, ts, v);
		return 0;
	}
	if (c->have_prev && ts > c->prev_ts) {
		if (isfinite(v) && isfinite(c->prev_v) && v >= c->prev_v)
			r = (v - c->prev_v) * 1000.0 / (double)(ts - c->prev_ts);
		else
			r = NAN;	/* a reset or a gap: no rate */
		push(c->m, ts, r);
	}
	c->have_prev = 1;
	c->prev_ts = ts;
	c->prev_v = v;
	return 0;
}

/* Append "label value" to the KPI line if it fits; returns the new x. */
static int
kpi(WINDOW *win, int y, int x, int w, const char *label, const char *value,
    attr_t vattr, enum ui_glyphs g)
{
	int need = (label[0] != '\0' ? (int)strlen(label) + 1 : 0) +
	    widget_text_width(value, WIDGET_NUL, g);

	if (x >= w || (x > 0 && x + 2 + need > w))
		return w;
	if (x > 0)
		x += 2;
	if (label[0] != '\0')
		x += widget_text(win, y, x, w - x, label, WIDGET_NUL,
		    ui_attr(UC_DIM), g) + 1;
	x += widget_text(win, y, x, w - x, value, WIDGET_NUL, vattr, g);
	return x;
}

static void
draw_kpi(struct ui *ui, WINDOW *win, int y, int w,
    const struct view_worker *vw)
{
	char a[FMT_MAX], b[FMT_MAX], v[2 * FMT_MAX + 2];
	enum ui_color role;
	const char *st;
	attr_t n = ui_attr(UC_NORMAL);
	int x = 0;

	switch (vw->state) {
	case VIEW_UP:
		st = "up";
		role = UC_UP;
		break;
	case VIEW_DOWN:
		st = "down";
		role = UC_DOWN;
		break;
	case VIEW_RESTARTING:
		st = "restarting";
		role = UC_RESTARTING;
		break;
	default:
		st = "unknown";
		role = UC_DIM;
		break;
	}
	x = kpi(win, y, x, w, "", vw->name, ui_attr(UC_TITLE), ui->glyphs);
	x = kpi(win, y, x, w, "", st, ui_attr(role), ui->glyphs);
	/* Why it is not up matters more than its figures. */
	if (vw->state != VIEW_UP && vw->note != NULL && vw->note[0] != '\0')
		x = kpi(win, y, x, w, "", vw->note, ui_attr(role), ui->glyphs);
	if (vw->pid > 0) {
		snprintf(v, sizeof v, "%ld", (long)vw->pid);
		x = kpi(win, y, x, w, "pid", v, n, ui->glyphs);
	}
	fmt_percent(vw->cpu_percent, a, sizeof a);
	x = kpi(win, y, x, w, "cpu", a, n, ui->glyphs);
	fmt_bytes(vw->rss_bytes, a, sizeof a);
	if (!isnan(vw->limit_bytes)) {
		fmt_bytes(vw->limit_bytes, b, sizeof b);
		snprintf(v, sizeof v, "%s/%s", a, b);
	} else
		snprintf(v, sizeof v, "%s", a);
	x = kpi(win, y, x, w, "rss", v, !isnan(vw->limit_bytes) &&
	    vw->limit_bytes > 0 ? ui_attr(gauge_color(vw->rss_bytes /
	    vw->limit_bytes)) : n, ui->glyphs);
	fmt_rate(vw->req_rate, a, sizeof a);
	snprintf(v, sizeof v, "%s/s", a);
	x = kpi(win, y, x, w, "req", isnan(vw->req_rate) ? "-" : v, n,
	    ui->glyphs);
	fmt_seconds(vw->p50_s, a, sizeof a);
	x = kpi(win, y, x, w, "p50", a, n, ui->glyphs);
	fmt_seconds(vw->p99_s, a, sizeof a);
	x = kpi(win, y, x, w, "p99", a, n, ui->glyphs);
	fmt_rate(vw->err_rate, a, sizeof a);
	snprintf(v, sizeof v, "%s/s", a);
	x = kpi(win, y, x, w, "err", isnan(vw->err_rate) ? "-" : v,
	    vw->err_rate > 0 ? ui_attr(UC_WARNING) : n, ui->glyphs);
	fmt_count(vw->restarts, a, sizeof a);
	x = kpi(win, y, x, w, "restarts", a, vw->restarts > 0 ?
	    ui_attr(UC_WARNING) : n, ui->glyphs);
	if (vw->incidents > 0) {
		snprintf(v, sizeof v, "%d", vw->incidents);
		x = kpi(win, y, x, w, "incidents", v, ui_attr(UC_CRITICAL),
		    ui->glyphs);
	}
	if (vw->state == VIEW_UP && vw->note != NULL && vw->note[0] != '\0' &&
	    x + 4 < w)
		widget_text(win, y, x + 2, w - x - 2, vw->note, WIDGET_NUL,
		    ui_attr(vw->state == VIEW_DOWN ? UC_DOWN : UC_DIM),
		    ui->glyphs);
}

/* The series charted: the chosen one if this worker has it. */
static const struct view_series *
chart_series(struct metrics *m)
{
	const char *metric = m->chart.metric != NULL ? m->chart.metric :
	    DEFAULT_METRIC;
	size_t i;

	for (i = 0; i < m->ns; i++) {
		if (m->chart.metric != NULL) {
			if (key_is(&m->chart, &m->s[i]))
				return &m->s[i];
		} else if (strcmp(m->s[i].metric, metric) == 0 &&
		    m->s[i].labels_len == 0)
			return &m->s[i];
	}
	return NULL;
}

static void
draw_chart(struct metrics *m, struct ui *ui, WINDOW *win, int y, int h,
    int w, const struct view_worker *vw)
{
	const struct view_series *cs = chart_series(m);
	const char *metric = m->chart.metric != NULL ? m->chart.metric :
	    DEFAULT_METRIC;
	const char *labels = m->chart.metric != NULL ? m->chart.labels : "";
	size_t labels_len = m->chart.metric != NULL ? m->chart.labels_len : 0;
	struct collect col;
	struct chart c;
	struct chart_area area;
	char val[FMT_MAX], name[FMT_MAX];
	int64_t win_ms = window_of(ui), to;
	int rate = cs != NULL && cs->counter, x, k, tx, rc, r;
	fmt_fn f = value_fmt(metric, rate);
	attr_t a;

	/* Title: the series, its value, the windows on the right. */
	widget_fill(win, y, 0, w, A_NORMAL);
	x = widget_text(win, y, 0, w, metric, WIDGET_NUL, ui_attr(UC_CHART),
	    ui->glyphs);
	x += widget_text(win, y, x, w - x, labels, labels_len,
	    ui_attr(UC_DIM), ui->glyphs);
	if (rate)
		x += widget_text(win, y, x, w - x, " rate/s", WIDGET_NUL,
		    ui_attr(UC_DIM), ui->glyphs);

	/* Windows, right-aligned: "1m [5m] 15m 1h 6h 24h". */
	tx = w;
	for (k = (int)ARRAY_LEN(windows) - 1; k >= 0; k--) {
		window_name(windows[k], name, sizeof name);
		tx -= (int)strlen(name) + 1;
		m->win_x[k] = tx;
	}
	m->win_y = y;
	m->win_x[ARRAY_LEN(windows)] = w;
	if (m->win_x[0] < x + 12) {
		m->win_y = -1;		/* no room: current window only */
		window_name(win_ms, name, sizeof name);
		widget_text_right(win, y, 0, w, name, ui_attr(UC_KEY_LABEL),
		    ui->glyphs);
		tx = w - (int)strlen(name);
	} else {
		for (k = 0; k < (int)ARRAY_LEN(windows); k++) {
			window_name(windows[k], name, sizeof name);
			a = windows[k] == win_ms ? ui_attr(UC_KEY_LABEL) :
			    ui_attr(UC_DIM);
			widget_text(win, y, m->win_x[k] + 1, (int)strlen(name),
			    name, WIDGET_NUL, a, ui->glyphs);
		}
		tx = m->win_x[0];
	}
	if (cs != NULL) {
		if (rate)
			snprintf(val, sizeof val, "%s", "");
		else
			f(cs->value, val, sizeof val);
		if (val[0] != '\0' && x + 2 + (int)strlen(val) < tx)
			widget_text(win, y, x + 2, tx - x - 2, val,
			    WIDGET_NUL, ui_attr(UC_NORMAL) | A_BOLD,
			    ui->glyphs);
	}
	if (h < 2)
		return;

	/* The points, into the reused buffer. */
	to = view_time(ui->view);
	m->npts = 0;
	memset(&col, 0, sizeof col);
	col.m = m;
	col.rate = rate;
	rc = view_points(ui->view, vw->name, metric, labels, labels_len,
	    to - win_ms, to, collect_point, &col);
	memset(&c, 0, sizeof c);
	c.from_ms = to - win_ms;
	c.to_ms = to;
	c.interval_ms = view_interval(ui->view);
	c.pts = m->pts;
	c.npts = m->npts;
	c.ymin = c.ymax = NAN;
	c.yfmt = f;
	c.style = chart_style_for(ui->glyphs, m->blocks);
	c.axes = 1;
	c.attr = ui_attr(UC_CHART);
	c.axis_attr = ui_attr(UC_DIM);
	chart_draw(win, y + 1, 0, h - 1, w, &c, &area);
	if (rc == -1 && area.w > 0) {
		char msg[300];

		/* In place of the chart's "no data". */
		snprintf(msg, sizeof msg, "%s has no series %s", vw->name,
		    metric);
		r = area.y + (area.h - 1) / 2;
		widget_fill(win, r, area.x, area.w, A_NORMAL);
		widget_text(win, r, area.x + 1, area.w - 1, msg, WIDGET_NUL,
		    ui_attr(UC_DIM), ui->glyphs);
	}
}

static void
draw_list(struct metrics *m, struct ui *ui, WINDOW *win, int y, int h,
    int w)
{
	const struct view_series *cs = chart_series(m);
	struct table_layout l;
	char title[200], val[FMT_MAX], age[FMT_MAX];
	const char *cells[M_COUNT];
	struct table_col cols[M_COUNT];
	int r, row, x, selected;
	int64_t now = view_time(ui->view);
	attr_t base;

	memcpy(cols, list_cols, sizeof cols);
	if (m->find[0] != '\0')
		snprintf(title, sizeof title, "SERIES  find \"%s\": %zu of %zu",
		    m->find, m->nrows, m->ns);
	else
		snprintf(title, sizeof title, "SERIES (%zu)", m->ns);
	cols[M_SERIES].title = title;
	table_layout(cols, M_COUNT, w, &l);
	table_draw_header(win, y, 0, cols, &l, -1, 0, ui_attr(UC_TITLE),
	    ui->glyphs);
	m->list_y = y + 1;
	m->list_rows = h - 1;
	m->page = h - 1 > 0 ? h - 1 : 1;
	if (m->nrows == 0) {
		if (h > 1)
			widget_text(win, y + 1, 1, w - 1, m->ns == 0 ?
			    "no series yet" : "no series matches (Esc "
			    "clears the filter)", WIDGET_NUL, ui_attr(UC_DIM),
			    ui->glyphs);
		return;
	}
	m->top = table_scroll(m->sel, (int)m->nrows, h - 1, m->top);
	for (r = 1, row = m->top; r < h && row < (int)m->nrows; r++, row++) {
		const struct view_series *s = &m->s[m->rows[row]];

		selected = row == m->sel;
		base = ui_attr(selected ? UC_SELECTED : UC_NORMAL);
		value_fmt(s->metric, 0)(s->value, val, sizeof val);
		if (isnan(s->value) || s->ts_ms <= 0)
			snprintf(age, sizeof age, "-");
		else
			fmt_age(now - s->ts_ms, age, sizeof age);
		cells[M_SERIES] = NULL;
		cells[M_KIND] = s->counter ? "counter" : "gauge";
		cells[M_VALUE] = val;
		cells[M_AGE] = age;
		table_draw_row(win, y + r, 0, cols, &l, cells, base,
		    ui->glyphs);
		/* The series name by hand: labels may hold NULs. */
		x = widget_text(win, y + r, 0, l.w[M_SERIES], s->metric,
		    WIDGET_NUL, s == cs && !selected ? ui_attr(UC_CHART) :
		    base, ui->glyphs);
		widget_text(win, y + r, x, l.w[M_SERIES] - x, s->labels,
		    s->labels_len, selected ? base : ui_attr(UC_DIM),
		    ui->glyphs);
	}
}

static void
metrics_draw(void *p, struct ui *ui, WINDOW *win, int h, int w)
{
	struct metrics *m = p;
	const struct view_worker *vw;
	int chart_h, list_h, y;

	if (h < 1 || w < 1)
		return;
	m->list_rows = 0;
	m->win_y = -1;
	vw = current_worker(ui);
	rebuild(m, ui, vw);
	if (vw == NULL) {
		widget_text(win, 0, 0, w, "no workers yet (waiting for the "
		    "first sample)", WIDGET_NUL, ui_attr(UC_DIM), ui->glyphs);
		return;
	}
	draw_kpi(ui, win, 0, w, vw);
	if (h < 3)
		return;
	/* Chart on top, list below; the list only when both get room. */
	if (h >= 9) {
		chart_h = (h - 1) / 2;
		if (chart_h > CHART_MAX_ROWS + 1)
			chart_h = CHART_MAX_ROWS + 1;
		list_h = h - 1 - chart_h;
	} else {
		chart_h = h - 1;
		list_h = 0;
	}
	y = 1;
	draw_chart(m, ui, win, y, chart_h, w, vw);
	if (list_h >= 2)
		draw_list(m, ui, win, y + chart_h, list_h, w);
}

/* ------------------------------------------------------------------ */
/* Commands */

static int
set_window(struct ui *ui, const char *arg)
{
	char name[FMT_MAX];
	int64_t cur = window_of(ui), ms;
	int k;

	if (strcmp(arg, "next") == 0 || strcmp(arg, "prev") == 0) {
		ms = cur;
		if (strcmp(arg, "next") == 0) {
			for (k = 0; k < (int)ARRAY_LEN(windows); k++)
				if (windows[k] > cur) {
					ms = windows[k];
					break;
				}
		} else {
			for (k = (int)ARRAY_LEN(windows) - 1; k >= 0; k--)
				if (windows[k] < cur) {
					ms = windows[k];
					break;
				}
		}
	} else if (units_parse_duration(arg, &ms) != 0 || ms < MIN_WINDOW ||
	    ms > MAX_WINDOW)
		return -1;
	ui->window_ms = ms;
	window_name(ms, name, sizeof name);
	ui_message(0, "chart window %s", name);
	return 0;
}

/* "chart METRIC" or "chart METRIC{k="v"}": the worker's series of that
 * name (with exactly those labels, when given). */
static void
set_chart(struct metrics *m, struct ui *ui, const char *arg)
{
	const char *brace = strchr(arg, '{');
	size_t mlen = brace != NULL ? (size_t)(brace - arg) : strlen(arg), i;
	const struct view_series *found = NULL;

	if (strcmp(arg, "default") == 0) {
		key_clear(&m->chart);
		return;
	}
	for (i = 0; i < m->ns; i++) {
		const struct view_series *s = &m->s[i];

		if (strlen(s->metric) != mlen ||
		    strncmp(s->metric, arg, mlen) != 0)
			continue;
		if (brace != NULL && (s->labels_len != strlen(brace) ||
		    memcmp(s->labels, brace, s->labels_len) != 0))
			continue;
		found = s;
		break;
	}
	if (found == NULL) {
		ui_message(1, "chart: %s has no series \"%s\"", m->worker,
		    arg);
		return;
	}
	key_set(&m->chart, found->metric, found->labels, found->labels_len);
}

static void
join_args(int argc, char **argv, char *out, size_t len)
{
	struct buf b = {0};
	int i;

	for (i = 1; i < argc; i++)
		buf_printf(&b, "%s%s", i > 1 ? " " : "", argv[i]);
	util_strlcpy(out, b.data != NULL ? b.data : "", len);
	buf_free(&b);
}

static int
metrics_command(void *p, struct ui *ui, int argc, char **argv)
{
	struct metrics *m = p;
	int sel;

	if (argc < 1)
		return 0;
	if (strcmp(argv[0], "window") == 0) {
		if (argc != 2 || set_window(ui, argv[1]) != 0)
			return 0;	/* the console explains the usage */
		return 1;
	}
	if (strcmp(argv[0], "left") == 0 || strcmp(argv[0], "right") == 0) {
		set_window(ui, argv[0][0] == 'l' ? "prev" : "next");
		return 1;
	}
	if (strcmp(argv[0], "style") == 0) {
		if (argc == 2 && strcmp(argv[1], "blocks") == 0)
			m->blocks = 1;
		else if (argc == 2 && strcmp(argv[1], "braille") == 0)
			m->blocks = 0;
		else
			ui_message(1, "usage: style braille|blocks");
		return 1;
	}
	rebuild(m, ui, current_worker(ui));
	if ((sel = table_select(m->sel, (int)m->nrows, m->page,
	    argv[0])) != -1) {
		select_row(m, sel);
		return 1;
	}
	if (strcmp(argv[0], "enter") == 0) {
		if (m->nrows > 0) {
			const struct view_series *s = &m->s[m->rows[m->sel]];

			key_set(&m->chart, s->metric, s->labels,
			    s->labels_len);
		}
		return 1;
	}
	if (strcmp(argv[0], "find") == 0) {
		join_args(argc, argv, m->find, sizeof m->find);
		m->sel = m->top = 0;
		key_clear(&m->sel_key);
		return 1;
	}
	if (strcmp(argv[0], "chart") == 0) {
		if (argc != 2)
			ui_message(1, "usage: chart METRIC[{LABELS}]|default");
		else
			set_chart(m, ui, argv[1]);
		return 1;
	}
	if (strcmp(argv[0], "back") == 0 && m->find[0] != '\0') {
		m->find[0] = '\0';
		return 1;
	}
	return 0;
}

static int
metrics_click(void *p, struct ui *ui, int y, int x)
{
	struct metrics *m = p;
	int k;

	if (y == m->win_y) {
		for (k = 0; k < (int)ARRAY_LEN(windows); k++) {
			if (x > m->win_x[k] && x < m->win_x[k + 1]) {
				ui->window_ms = windows[k];
				return 1;
			}
		}
		return 0;
	}
	if (m->list_rows > 0 && y >= m->list_y &&
	    y < m->list_y + m->list_rows) {
		rebuild(m, ui, current_worker(ui));
		if (m->top + (y - m->list_y) >= (int)m->nrows)
			return 0;
		select_row(m, m->top + (y - m->list_y));
		return 1;
	}
	return 0;
}

static void *
metrics_create(struct ui *ui)
{
	struct metrics *m = xcalloc(1, sizeof *m);

	m->page = 1;
	m->win_y = -1;
	return m;
}

static void
metrics_destroy(void *p)
{
	struct metrics *m = p;

	if (m == NULL)
		return;
	key_clear(&m->sel_key);
	key_clear(&m->chart);
	free(m->rows);
	free(m->pts);
	free(m);
}

const struct panel_ops panel_metrics_ops = {
	"metrics",
	"Metrics",
	metrics_create,
	metrics_destroy,
	metrics_draw,
	metrics_command,
	metrics_click,
};
