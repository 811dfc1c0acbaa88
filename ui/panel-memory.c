/*
 * panel-memory.c -- memory health per worker: RSS, PSS and swap against
 * the limit, the growth rate, GPU memory, and the memory events (exits,
 * restarts, OOM kills); a details box for the selected worker.
 *
 *	NAME        RSS  USE            PSS   SWAP  LIMIT   GROWTH  GPU  LEAK  TO LIMIT
 *	llm-0     1.25G  ███▍   16%   1.10G     0B  8.00G  +12.3M/h    -     -         -
 *
 * The growth rate is the view's rss_slope; this panel computes nothing.
 * The leak verdict, time to limit and forecast come with the analysis
 * issue: until the view has them their columns and lines show "-".
 *
 * The selection is ui->selected, shared with the fleet panel; Enter opens
 * the metrics panel on it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"
#include "widgets.h"

#define EVENTS_MAX	500	/* newest events searched for memory ones */

enum mcol {
	C_NAME, C_RSS, C_USE, C_PSS, C_SWAP, C_LIMIT, C_GROWTH, C_GPU,
	C_LEAK, C_TTL, C_COUNT
};

static const struct table_col cols[C_COUNT] = {
	[C_NAME] =	{ "NAME", 8, 16, 0, 1, 0 },
	[C_RSS] =	{ "RSS", 6, 6, 1, 0, 0 },
	[C_USE] =	{ "USE", 6, 20, 0, 0, 1 },
	[C_PSS] =	{ "PSS", 6, 6, 1, 0, 5 },
	[C_SWAP] =	{ "SWAP", 6, 6, 1, 0, 4 },
	[C_LIMIT] =	{ "LIMIT", 6, 6, 1, 0, 3 },
	[C_GROWTH] =	{ "GROWTH", 9, 9, 1, 0, 2 },
	[C_GPU] =	{ "GPU", 6, 6, 1, 0, 6 },
	[C_LEAK] =	{ "LEAK", 5, 7, 0, 0, 8 },
	[C_TTL] =	{ "TO LIMIT", 8, 8, 1, 0, 7 },
};

enum ecol { V_TIME, V_WORKER, V_KIND, V_TEXT, V_COUNT };

static const struct table_col ev_cols[V_COUNT] = {
	[V_TIME] =	{ "TIME", 8, 8, 0, 0, 0 },
	[V_WORKER] =	{ "WORKER", 6, 14, 0, 0, 2 },
	[V_KIND] =	{ "KIND", 8, 12, 0, 0, 1 },
	[V_TEXT] =	{ "MEMORY EVENT", 8, 30, 0, 1, 0 },
};

struct memory {
	const struct view_worker *w;	/* the view's array, this turn */
	size_t		 nw;
	int		 sel, top, page;
	int		 list_y, list_rows;
};

/* Kinds of event that say something about memory. */
static int
memory_event(const char *kind)
{
	return kind != NULL && (strcmp(kind, "exited") == 0 ||
	    strcmp(kind, "restarted") == 0 || strstr(kind, "oom") != NULL ||
	    strstr(kind, "memory") != NULL || strstr(kind, "leak") != NULL ||
	    strstr(kind, "trim") != NULL);
}

/* "+12.3M/h" from bytes per second; "-" when unknown. */
static void
fmt_growth(double bps, char *buf, size_t len)
{
	char b[FMT_MAX];

	if (!isfinite(bps)) {
		snprintf(buf, len, "-");
		return;
	}
	fmt_bytes(fabs(bps) * 3600, b, sizeof b);
	snprintf(buf, len, "%s%s/h", bps > 0 && strcmp(b, "0B") != 0 ? "+" :
	    bps < 0 && strcmp(b, "0B") != 0 ? "-" : "", b);
}

static void
rebuild(struct memory *m, struct ui *ui)
{
	size_t i;
	int sel = -1;

	m->nw = view_workers(ui->view, &m->w);
	for (i = 0; i < m->nw; i++)
		if (strcmp(m->w[i].name, ui->selected) == 0) {
			sel = (int)i;
			break;
		}
	if (sel == -1) {
		sel = m->sel < (int)m->nw ? m->sel : (int)m->nw - 1;
		if (sel < 0)
			sel = 0;
		if (m->nw > 0)
			util_strlcpy(ui->selected, m->w[sel].name,
			    sizeof ui->selected);
	}
	m->sel = sel;
}

static void
select_row(struct memory *m, struct ui *ui, int row)
{
	if (m->nw == 0)
		return;
	if (row < 0)
		row = 0;
	if (row >= (int)m->nw)
		row = (int)m->nw - 1;
	m->sel = row;
	util_strlcpy(ui->selected, m->w[row].name, sizeof ui->selected);
}

static void
draw_row(struct ui *ui, WINDOW *win, int y, const struct table_layout *l,
    const struct view_worker *vw, int selected)
{
	char rss[FMT_MAX], pss[FMT_MAX], swap[FMT_MAX], limit[FMT_MAX],
	    growth[FMT_MAX + 8], gpu[FMT_MAX], pct[FMT_MAX];
	const char *cells[C_COUNT];
	attr_t base = ui_attr(selected ? UC_SELECTED : UC_NORMAL);
	double frac = NAN;

	fmt_bytes(vw->rss_bytes, rss, sizeof rss);
	fmt_bytes(vw->pss_bytes, pss, sizeof pss);
	fmt_bytes(vw->swap_bytes, swap, sizeof swap);
	fmt_bytes(vw->limit_bytes, limit, sizeof limit);
	fmt_growth(vw->rss_slope, growth, sizeof growth);
	fmt_bytes(vw->gpu_bytes, gpu, sizeof gpu);
	cells[C_NAME] = vw->name;
	cells[C_RSS] = rss;
	cells[C_USE] = NULL;
	cells[C_PSS] = pss;
	cells[C_SWAP] = swap;
	cells[C_LIMIT] = isnan(vw->limit_bytes) ? "none" : limit;
	cells[C_GROWTH] = growth;
	cells[C_GPU] = gpu;
	/* Filled in by the analysis issue; never guessed here. */
	cells[C_LEAK] = "-";
	cells[C_TTL] = "-";
	table_draw_row(win, y, 0, cols, l, cells, base, ui->glyphs);
	if (!selected && vw->swap_bytes > 0)
		table_draw_cell(win, y, 0, cols, l, C_SWAP, swap,
		    ui_attr(UC_WARNING), ui->glyphs);
	if (!selected && vw->rss_slope > 0 && !isnan(vw->limit_bytes) &&
	    vw->limit_bytes > 0 && vw->rss_slope * 3600 > 0.1 *
	    vw->limit_bytes)
		/* Growing by a tenth of the limit an hour or more. */
		table_draw_cell(win, y, 0, cols, l, C_GROWTH, growth,
		    ui_attr(UC_WARNING), ui->glyphs);
	if (l->w[C_USE] <= 0)
		return;
	if (!isnan(vw->limit_bytes) && vw->limit_bytes > 0 &&
	    !isnan(vw->rss_bytes)) {
		frac = vw->rss_bytes / vw->limit_bytes;
		snprintf(pct, sizeof pct, "%ld%%", lround(frac * 100));
		gauge_draw(win, y, l->x[C_USE], l->w[C_USE], frac,
		    l->w[C_USE] >= 8 ? pct : NULL, ui->glyphs);
	} else
		table_draw_cell(win, y, 0, cols, l, C_USE, "no limit",
		    selected ? base : ui_attr(UC_DIM), ui->glyphs);
}

/* The selected worker in words, over rows lines from y (boxed when there
 * is room). */
static void
draw_details(struct ui *ui, WINDOW *win, int y, int rows, int w,
    const struct view_worker *vw)
{
	char a[FMT_MAX + 8], b[FMT_MAX], c[FMT_MAX], d[FMT_MAX], line[512];
	attr_t dim = ui_attr(UC_DIM), n = ui_attr(UC_NORMAL);
	int x = 0, r = 0, boxed = rows >= 5 && w >= 30, iw = w;

	if (boxed) {
		snprintf(line, sizeof line, "%s memory", vw->name);
		widget_box(win, y, 0, rows, w, line, ui_attr(UC_BORDER),
		    ui->glyphs);
		y++;
		x = 2;
		iw = w - 4;
		rows -= 2;
	}
	fmt_bytes(vw->rss_bytes, a, sizeof a);
	fmt_bytes(vw->pss_bytes, b, sizeof b);
	fmt_bytes(vw->swap_bytes, c, sizeof c);
	fmt_bytes(vw->gpu_bytes, d, sizeof d);
	if (!isnan(vw->limit_bytes) && vw->limit_bytes > 0 &&
	    !isnan(vw->rss_bytes)) {
		char lim[FMT_MAX], pct[FMT_MAX];

		fmt_bytes(vw->limit_bytes, lim, sizeof lim);
		fmt_percent(100 * vw->rss_bytes / vw->limit_bytes, pct,
		    sizeof pct);
		snprintf(line, sizeof line, "%s%sRSS %s of %s (%s)  PSS %s  "
		    "swap %s  GPU %s", boxed ? "" : vw->name, boxed ? "" :
		    ": ", a, lim, pct, b, c, d);
	} else
		snprintf(line, sizeof line, "%s%sRSS %s (no limit)  PSS %s  "
		    "swap %s  GPU %s", boxed ? "" : vw->name, boxed ? "" :
		    ": ", a, b, c, d);
	if (r < rows)
		widget_text(win, y + r++, x, iw, line, WIDGET_NUL, n,
		    ui->glyphs);
	fmt_growth(vw->rss_slope, a, sizeof a);
	fmt_count(vw->threads, b, sizeof b);
	fmt_count(vw->fds, c, sizeof c);
	fmt_count(vw->restarts, d, sizeof d);
	snprintf(line, sizeof line, "growth %s  threads %s  fds %s  "
	    "restarts %s", a, b, c, d);
	if (r < rows)
		widget_text(win, y + r++, x, iw, line, WIDGET_NUL, n,
		    ui->glyphs);
	/* Room for the analysis: shown as unknown until the view has it. */
	if (r < rows)
		widget_text(win, y + r++, x, iw, "leak verdict -  time to "
		    "limit -  forecast 1h -  (no memory analysis yet)",
		    WIDGET_NUL, dim, ui->glyphs);
}

static int
draw_events(struct ui *ui, WINDOW *win, int y, int rows, int w)
{
	const struct view_event *ev;
	struct table_layout l;
	const char *cells[V_COUNT];
	char t[FMT_MAX];
	size_t n, i;
	int r = 0;

	if (rows < 2)
		return 0;
	table_layout(ev_cols, V_COUNT, w, &l);
	table_draw_header(win, y, 0, ev_cols, &l, -1, 0, ui_attr(UC_TITLE),
	    ui->glyphs);
	n = view_events(ui->view, NULL, EVENTS_MAX, &ev);
	for (i = 0; i < n && r < rows - 1; i++) {
		if (!memory_event(ev[i].kind))
			continue;
		fmt_time_hms(ev[i].ts_ms, t, sizeof t);
		cells[V_TIME] = t;
		cells[V_WORKER] = ev[i].worker != NULL ? ev[i].worker :
		    "(fleet)";
		cells[V_KIND] = ev[i].kind;
		cells[V_TEXT] = ev[i].text;
		table_draw_row(win, y + 1 + r, 0, ev_cols, &l, cells,
		    ui_attr(UC_NORMAL), ui->glyphs);
		table_draw_cell(win, y + 1 + r, 0, ev_cols, &l, V_KIND,
		    ev[i].kind, ui_attr(strcmp(ev[i].kind, "restarted") == 0 ?
		    UC_WARNING : UC_CRITICAL), ui->glyphs);
		r++;
	}
	if (r == 0)
		widget_text(win, y + 1, 1, w - 1, "no memory events (exits, "
		    "restarts, OOM kills) yet", WIDGET_NUL, ui_attr(UC_DIM),
		    ui->glyphs);
	return r;
}

static void
memory_draw(void *p, struct ui *ui, WINDOW *win, int h, int w)
{
	struct memory *m = p;
	struct table_layout l;
	int details, events, table, r, row;

	rebuild(m, ui);
	m->list_rows = 0;
	if (h < 1 || w < 1)
		return;
	table_layout(cols, C_COUNT, w, &l);
	table_draw_header(win, 0, 0, cols, &l, -1, 0, ui_attr(UC_TITLE),
	    ui->glyphs);
	if (m->nw == 0) {
		if (h > 1)
			widget_text(win, 1, 1, w - 1, "no workers yet (waiting "
			    "for the first sample)", WIDGET_NUL,
			    ui_attr(UC_DIM), ui->glyphs);
		return;
	}
	/* Rows: the table, then the details, then the events. */
	details = h >= 16 ? 5 : h >= 9 ? 3 : 0;
	events = h >= 16 ? (h - 1 - details) / 3 : 0;
	if (events < 3)
		events = h >= 16 ? 3 : 0;
	table = h - 1 - details - events;
	if (table > (int)m->nw) {
		/* Fewer workers than rows: the events get the rest. */
		if (events > 0)
			events += table - (int)m->nw;
		table = (int)m->nw;
	}
	if (table < 1) {
		table = 1;
		details = events = 0;
	}
	m->page = table;
	m->list_y = 1;
	m->list_rows = table;
	m->top = table_scroll(m->sel, (int)m->nw, table, m->top);
	for (r = 0, row = m->top; r < table && row < (int)m->nw; r++, row++)
		draw_row(ui, win, 1 + r, &l, &m->w[row], row == m->sel);
	if (details > 0 && 1 + table + details <= h)
		draw_details(ui, win, 1 + table, details, w, &m->w[m->sel]);
	if (events > 0 && 1 + table + details + events <= h)
		draw_events(ui, win, 1 + table + details, events, w);
}

static int
memory_command(void *p, struct ui *ui, int argc, char **argv)
{
	struct memory *m = p;
	int sel;

	if (argc < 1)
		return 0;
	rebuild(m, ui);
	if ((sel = table_select(m->sel, (int)m->nw, m->page, argv[0])) !=
	    -1) {
		select_row(m, ui, sel);
		return 1;
	}
	if (strcmp(argv[0], "enter") == 0) {
		if (m->nw > 0)
			ui_panel_show("metrics");
		return 1;
	}
	return 0;
}

static int
memory_click(void *p, struct ui *ui, int y, int x)
{
	struct memory *m = p;

	if (m->list_rows <= 0 || y < m->list_y ||
	    y >= m->list_y + m->list_rows)
		return 0;
	rebuild(m, ui);
	if (m->top + (y - m->list_y) >= (int)m->nw)
		return 0;
	select_row(m, ui, m->top + (y - m->list_y));
	return 1;
}

static void *
memory_create(struct ui *ui)
{
	struct memory *m = xcalloc(1, sizeof *m);

	m->page = 1;
	return m;
}

static void
memory_destroy(void *p)
{
	free(p);
}

const struct panel_ops panel_memory_ops = {
	"memory",
	"Memory",
	memory_create,
	memory_destroy,
	memory_draw,
	memory_command,
	memory_click,
};
