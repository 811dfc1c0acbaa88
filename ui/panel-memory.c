/*
 * panel-memory.c -- memory health per worker: RSS, PSS and swap against
 * the limit, the growth rate, the leak verdict, the time until the limit,
 * the risk level, GPU memory, and the memory events (exits, restarts, OOM
 * kills); a details box for the selected worker with the growth's
 * interval, fragmentation, efficiency, the reason for its risk and the
 * recommended mitigation; the host's memory pressure on the title line.
 *
 *	Memory: 6 workers, 1 leaking, 1 at high risk     host pressure 0.2%
 *	NAME       RSS USE      PSS  SWAP LIMIT   GROWTH LEAK TO LIMIT RISK
 *	leaking   310M ████▌  302M    0B  450M +57.2M/m leak     2m27s high
 *
 * Everything is the analysis's, as the view has it; this panel computes
 * nothing, and a figure the view does not know is "-".
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
	C_NAME, C_RSS, C_USE, C_PSS, C_SWAP, C_LIMIT, C_GROWTH, C_LEAK,
	C_TTL, C_RISK, C_GPU, C_COUNT
};

static const struct table_col cols[C_COUNT] = {
	[C_NAME] =	{ "NAME", 8, 16, 0, 1, 0 },
	[C_RSS] =	{ "RSS", 6, 6, 1, 0, 0 },
	[C_USE] =	{ "USE", 6, 20, 0, 0, 3 },
	[C_PSS] =	{ "PSS", 6, 6, 1, 0, 7 },
	[C_SWAP] =	{ "SWAP", 6, 6, 1, 0, 6 },
	[C_LIMIT] =	{ "LIMIT", 6, 6, 1, 0, 4 },
	[C_GROWTH] =	{ "GROWTH", 9, 9, 1, 0, 2 },
	[C_LEAK] =	{ "LEAK", 4, 4, 0, 0, 0 },
	[C_TTL] =	{ "TO LIMIT", 8, 8, 1, 0, 1 },
	[C_RISK] =	{ "RISK", 4, 8, 0, 0, 0 },
	/* where it is there at all, GPU memory outranks swap */
	[C_GPU] =	{ "GPU", 6, 6, 1, 0, 5 },
};

static const char *const risk_names[] = {
	"low", "medium", "high", "critical"
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

/* The GPU column shows only where GPU memory is sampled (NVML found a
 * driver, or a recording has the figure): 1 when any worker has it. */
static int
any_gpu(const struct memory *m)
{
	size_t i;

	for (i = 0; i < m->nw; i++)
		if (!isnan(m->w[i].gpu_bytes))
			return 1;
	return 0;
}

/* Kinds of event that say something about memory. */
static int
memory_event(const char *kind)
{
	return kind != NULL && (strcmp(kind, "exited") == 0 ||
	    strcmp(kind, "restarted") == 0 || strstr(kind, "oom") != NULL ||
	    strstr(kind, "memory") != NULL || strstr(kind, "leak") != NULL ||
	    strstr(kind, "trim") != NULL);
}

/* The time unit a growth of bps bytes per second reads best in: seconds
 * from 1M/s, minutes from 1M/min, hours below. */
static double
growth_unit(double bps, const char **suffix)
{
	double a = fabs(bps);

	if (a >= 1048576.0) {
		*suffix = "/s";
		return 1;
	}
	if (a * 60 >= 1048576.0) {
		*suffix = "/m";
		return 60;
	}
	*suffix = "/h";
	return 3600;
}

/* bps in the unit per (seconds) with its suffix: "+12.3M/h". */
static void
fmt_growth_in(double bps, double per, const char *suffix, char *buf,
    size_t len)
{
	char b[FMT_MAX];

	if (!isfinite(bps)) {
		snprintf(buf, len, "-");
		return;
	}
	fmt_bytes(fabs(bps) * per, b, sizeof b);
	snprintf(buf, len, "%s%s%s", bps > 0 && strcmp(b, "0B") != 0 ? "+" :
	    bps < 0 && strcmp(b, "0B") != 0 ? "-" : "", b, suffix);
}

/* "+12.3M/h", "+5.00M/s" from bytes per second; "-" when unknown. */
static void
fmt_growth(double bps, char *buf, size_t len)
{
	const char *suffix;
	double per = growth_unit(bps, &suffix);

	fmt_growth_in(bps, per, suffix, buf, len);
}

static const char *
risk_name(int risk)
{
	if (risk < VIEW_RISK_LOW || risk > VIEW_RISK_CRITICAL)
		return "-";
	return risk_names[risk];
}

/* The same in four letters at most, for a narrow column. */
static const char *
risk_short(int risk)
{
	static const char *const names[] = { "low", "med", "high", "crit" };

	if (risk < VIEW_RISK_LOW || risk > VIEW_RISK_CRITICAL)
		return "-";
	return names[risk];
}

static enum ui_color
risk_color(int risk)
{
	return risk >= VIEW_RISK_CRITICAL ? UC_CRITICAL :
	    risk == VIEW_RISK_HIGH ? UC_WARNING :
	    risk == VIEW_RISK_MEDIUM ? UC_INFO : UC_DIM;
}

/* The leak verdict in a word: "leak", "no", or "-" before the analysis
 * has enough points to fit a line. */
static const char *
leak_word(const struct view_worker *vw)
{
	if (vw->leak)
		return "leak";
	return isnan(vw->rss_slope) ? "-" : "no";
}

/* Time to the limit: "4m50s", "now" at the limit, "-" when not growing
 * toward one. */
static void
fmt_ttl(double s, char *buf, size_t len)
{
	if (isnan(s) || s < 0)
		snprintf(buf, len, "-");
	else if (s == 0)
		snprintf(buf, len, "now");
	else
		fmt_seconds(s, buf, len);
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
	    growth[FMT_MAX + 8], gpu[FMT_MAX], pct[FMT_MAX], ttl[FMT_MAX];
	const char *cells[C_COUNT];
	attr_t base = ui_attr(selected ? UC_SELECTED : UC_NORMAL);
	double frac = NAN;

	fmt_bytes(vw->rss_bytes, rss, sizeof rss);
	fmt_bytes(vw->pss_bytes, pss, sizeof pss);
	fmt_bytes(vw->swap_bytes, swap, sizeof swap);
	fmt_bytes(vw->limit_bytes, limit, sizeof limit);
	fmt_growth(vw->rss_slope, growth, sizeof growth);
	fmt_bytes(vw->gpu_bytes, gpu, sizeof gpu);
	fmt_ttl(vw->ttl_s, ttl, sizeof ttl);
	cells[C_NAME] = vw->name;
	cells[C_RSS] = rss;
	cells[C_USE] = NULL;
	cells[C_PSS] = pss;
	cells[C_SWAP] = swap;
	cells[C_LIMIT] = isnan(vw->limit_bytes) ? "none" : limit;
	cells[C_GROWTH] = growth;
	cells[C_GPU] = gpu;
	cells[C_LEAK] = leak_word(vw);
	cells[C_TTL] = ttl;
	cells[C_RISK] = isnan(vw->rss_bytes) ? "-" : l->w[C_RISK] >= 8 ?
	    risk_name(vw->risk) : risk_short(vw->risk);
	table_draw_row(win, y, 0, cols, l, cells, base, ui->glyphs);
	if (!selected) {
		if (vw->swap_bytes > 0)
			table_draw_cell(win, y, 0, cols, l, C_SWAP, swap,
			    ui_attr(UC_WARNING), ui->glyphs);
		if (vw->leak) {
			table_draw_cell(win, y, 0, cols, l, C_LEAK, "leak",
			    ui_attr(UC_CRITICAL), ui->glyphs);
			table_draw_cell(win, y, 0, cols, l, C_GROWTH, growth,
			    ui_attr(UC_WARNING), ui->glyphs);
		}
		if (!isnan(vw->ttl_s))
			table_draw_cell(win, y, 0, cols, l, C_TTL, ttl,
			    ui_attr(risk_color(vw->risk >= VIEW_RISK_HIGH ?
			    vw->risk : VIEW_RISK_HIGH)), ui->glyphs);
		if (!isnan(vw->rss_bytes)) {
			table_draw_cell(win, y, 0, cols, l, C_RISK,
			    cells[C_RISK], ui_attr(risk_color(vw->risk)),
			    ui->glyphs);
			if (vw->risk >= VIEW_RISK_HIGH)
				table_draw_cell(win, y, 0, cols, l, C_RSS, rss,
				    ui_attr(risk_color(vw->risk)), ui->glyphs);
		}
	}
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

/* The lines of the details, most important first: what fits of them is
 * shown. */
enum dline { D_RSS, D_GROWTH, D_TTL, D_RISK, D_MITIGATE, D_FRAG, D_COUNT };

/* The text of detail line i of vw into buf, and its colour. */
static void
detail_line(int i, const struct view_worker *vw, int named, char *buf,
    size_t len, enum ui_color *role)
{
	char a[FMT_MAX + 8], b[FMT_MAX + 8], c[FMT_MAX + 8], d[FMT_MAX];
	const char *suffix;
	const char *reason = vw->risk_reason != NULL ? vw->risk_reason : "";
	const char *mitigation = vw->mitigation != NULL ? vw->mitigation : "";
	const char *gpu;
	double per;

	*role = UC_NORMAL;
	switch (i) {
	case D_RSS:
		fmt_bytes(vw->rss_bytes, a, sizeof a);
		fmt_bytes(vw->pss_bytes, b, sizeof b);
		fmt_bytes(vw->swap_bytes, c, sizeof c);
		/* GPU memory where it is sampled */
		if (isnan(vw->gpu_bytes))
			d[0] = '\0';
		else
			fmt_bytes(vw->gpu_bytes, d, sizeof d);
		gpu = isnan(vw->gpu_bytes) ? "" : "  GPU ";
		if (!isnan(vw->limit_bytes) && vw->limit_bytes > 0 &&
		    !isnan(vw->rss_bytes)) {
			char lim[FMT_MAX], pct[FMT_MAX];

			fmt_bytes(vw->limit_bytes, lim, sizeof lim);
			fmt_percent(100 * vw->rss_bytes / vw->limit_bytes, pct,
			    sizeof pct);
			snprintf(buf, len, "%s%sRSS %s of %s (%s)  PSS %s  "
			    "swap %s%s%s", named ? vw->name : "",
			    named ? ": " : "", a, lim, pct, b, c, gpu, d);
		} else
			snprintf(buf, len, "%s%sRSS %s (no limit)  PSS %s  "
			    "swap %s%s%s", named ? vw->name : "",
			    named ? ": " : "", a, b, c, gpu, d);
		break;
	case D_GROWTH:
		if (isnan(vw->rss_slope)) {
			snprintf(buf, len, "growth -  (not enough samples "
			    "yet for a trend)");
			*role = UC_DIM;
			break;
		}
		per = growth_unit(vw->rss_slope, &suffix);
		fmt_growth_in(vw->rss_slope, per, suffix, a, sizeof a);
		fmt_growth_in(vw->slope_lo, per, suffix, b, sizeof b);
		fmt_growth_in(vw->slope_hi, per, suffix, c, sizeof c);
		snprintf(buf, len, "growth %s (95%%: %s..%s)  %s", a, b, c,
		    vw->leak ? "LEAK: growing steadily" :
		    "no leak verdict");
		if (vw->leak)
			*role = UC_CRITICAL;
		break;
	case D_TTL:
		if (isnan(vw->limit_bytes)) {
			snprintf(buf, len, "to the limit: no limit set");
			*role = UC_DIM;
		} else if (isnan(vw->ttl_s)) {
			snprintf(buf, len, "to the limit: not growing toward "
			    "it");
			*role = UC_DIM;
		} else if (vw->ttl_s <= 0) {
			snprintf(buf, len, "to the limit: at the limit now");
			*role = UC_CRITICAL;
		} else {
			fmt_seconds(vw->ttl_s, a, sizeof a);
			fmt_ttl(vw->ttl_lo_s, b, sizeof b);
			fmt_ttl(vw->ttl_hi_s, c, sizeof c);
			snprintf(buf, len, "to the limit: in %s (%s..%s)", a,
			    b, isnan(vw->ttl_hi_s) ? "?" : c);
			*role = risk_color(vw->risk >= VIEW_RISK_HIGH ?
			    vw->risk : VIEW_RISK_HIGH);
		}
		break;
	case D_RISK:
		snprintf(buf, len, "risk %s%s%s", risk_name(vw->risk),
		    reason[0] != '\0' ? ": " : "", reason);
		*role = vw->risk > VIEW_RISK_LOW ? risk_color(vw->risk) :
		    UC_NORMAL;
		break;
	case D_MITIGATE:
		snprintf(buf, len, "mitigation: %s", mitigation[0] != '\0' ?
		    mitigation : "none needed");
		if (mitigation[0] == '\0')
			*role = UC_DIM;
		break;
	default:
		fmt_number(vw->fragmentation, a, sizeof a);
		fmt_percent(vw->efficiency, b, sizeof b);
		fmt_count(vw->threads, c, sizeof c);
		fmt_count(vw->fds, d, sizeof d);
		snprintf(buf, len, "fragmentation %s%s  efficiency %s  "
		    "threads %s  fds %s", a, isnan(vw->fragmentation) ? "" :
		    "x", b, c, d);
		break;
	}
}

/* Bytes in the UTF-8 sequence at s (1 for a bad byte). */
static size_t
seq_len(const char *s, size_t left)
{
	size_t k = 1;

	if ((unsigned char)s[0] < 0xc0)
		return 1;
	while (k < left && k < 4 && ((unsigned char)s[k] & 0xc0) == 0x80)
		k++;
	return k;
}

/* Draw text in at most rows rows of w columns from (y, x), breaking at
 * the last space that fits; later rows are indented by two.  Returns the
 * rows used. */
static int
wrap(WINDOW *win, int y, int x, int w, int rows, const char *text,
    attr_t attr, enum ui_glyphs g)
{
	size_t len = strlen(text), pos = 0, i, k, cut, space;
	int used = 0, cw, c, ind;

	while (pos < len && used < rows) {
		ind = used > 0 ? 2 : 0;
		cut = pos;
		space = 0;
		cw = 0;
		for (i = pos; i < len; i += k) {
			k = seq_len(text + i, len - i);
			c = widget_text_width(text + i, k, g);
			if (cw + c > w - ind)
				break;
			cw += c;
			if (text[i] == ' ')
				space = i;
			cut = i + k;
		}
		/* the last row takes what fits; others break at a space */
		if (cut < len && space > pos && used + 1 < rows)
			cut = space;
		if (cut == pos)
			break;
		widget_text(win, y + used, x + ind, w - ind, text + pos,
		    cut - pos, attr, g);
		used++;
		pos = cut;
		while (pos < len && text[pos] == ' ')
			pos++;
	}
	return used;
}

/* The selected worker in words, over rows lines from y (boxed when there
 * is room); a row to spare goes to a long risk reason. */
static void
draw_details(struct ui *ui, WINDOW *win, int y, int rows, int w,
    const struct view_worker *vw)
{
	char line[512];
	enum ui_color role;
	int x = 0, r, i, spare, boxed = rows >= 5 && w >= 30, iw = w;

	if (boxed) {
		snprintf(line, sizeof line, "%s memory", vw->name);
		widget_box(win, y, 0, rows, w, line, ui_attr(UC_BORDER),
		    ui->glyphs);
		y++;
		x = 2;
		iw = w - 4;
		rows -= 2;
	}
	spare = rows - D_COUNT;
	for (r = i = 0; r < rows && i < D_COUNT; i++) {
		detail_line(i, vw, !boxed, line, sizeof line, &role);
		r += wrap(win, y + r, x, iw, i == D_RISK && spare > 0 ?
		    1 + spare : 1, line, ui_attr(role), ui->glyphs);
	}
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

/* The title line: how many workers leak or are at risk, and the host's
 * memory pressure when it is known. */
static void
draw_title(struct memory *m, struct ui *ui, WINDOW *win, int w)
{
	struct view_host host;
	char line[256], some[FMT_MAX], full[FMT_MAX];
	size_t i;
	int leaks = 0, risky = 0, x;

	for (i = 0; i < m->nw; i++) {
		leaks += m->w[i].leak != 0;
		risky += m->w[i].risk >= VIEW_RISK_HIGH &&
		    !isnan(m->w[i].rss_bytes);
	}
	snprintf(line, sizeof line, "Memory: %zu worker%s, %d leaking, %d at "
	    "high risk", m->nw, m->nw == 1 ? "" : "s", leaks, risky);
	x = widget_text(win, 0, 0, w, line, WIDGET_NUL,
	    ui_attr(leaks + risky > 0 ? UC_WARNING : UC_TITLE), ui->glyphs);
	view_host(ui->view, &host);
	if (isnan(host.psi_some_avg10) || w - x < 20)
		return;
	fmt_percent(host.psi_some_avg10, some, sizeof some);
	fmt_percent(host.psi_full_avg10, full, sizeof full);
	snprintf(line, sizeof line, "host pressure some %s full %s", some,
	    full);
	if (w - x < widget_text_width(line, WIDGET_NUL, ui->glyphs) + 2)
		snprintf(line, sizeof line, "host pressure %s", some);
	widget_text_right(win, 0, x, w - x, line, ui_attr(
	    host.psi_some_avg10 >= 10 ? UC_WARNING : UC_DIM), ui->glyphs);
}

static void
memory_draw(void *p, struct ui *ui, WINDOW *win, int h, int w)
{
	struct memory *m = p;
	struct table_layout l;
	int details, events, table, r, row, avail;

	rebuild(m, ui);
	m->list_rows = 0;
	if (h < 1 || w < 1)
		return;
	draw_title(m, ui, win, w);
	if (h < 2)
		return;
	/* C_GPU is the last column: without GPU figures it is left out */
	table_layout(cols, any_gpu(m) ? C_COUNT : C_GPU, w, &l);
	table_draw_header(win, 1, 0, cols, &l, -1, 0, ui_attr(UC_TITLE),
	    ui->glyphs);
	if (m->nw == 0) {
		if (h > 2)
			widget_text(win, 2, 1, w - 1, "no workers yet (waiting "
			    "for the first sample)", WIDGET_NUL,
			    ui_attr(UC_DIM), ui->glyphs);
		return;
	}
	/* Rows: the table, then the details, then the events. */
	avail = h - 2;
	details = avail >= 18 ? D_COUNT + 3 : avail >= 16 ? D_COUNT + 2 :
	    avail >= 7 ? (avail - 3 >= 5 ? avail - 3 : 3) : 0;
	if (details > D_COUNT + 3)
		details = D_COUNT + 3;
	events = avail >= 16 ? (avail - details) / 3 : 0;
	if (events < 3)
		events = avail >= 16 ? 3 : 0;
	table = avail - details - events;
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
	m->list_y = 2;
	m->list_rows = table;
	m->top = table_scroll(m->sel, (int)m->nw, table, m->top);
	for (r = 0, row = m->top; r < table && row < (int)m->nw; r++, row++)
		draw_row(ui, win, 2 + r, &l, &m->w[row], row == m->sel);
	if (details > 0 && 2 + table + details <= h)
		draw_details(ui, win, 2 + table, details, w, &m->w[m->sel]);
	if (events > 0 && 2 + table + details + events <= h)
		draw_events(ui, win, 2 + table + details, events, w);
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
