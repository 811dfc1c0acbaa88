/*
 * panel-errors.c -- what went wrong: the engine's events (and, once the
 * incidents issue adds them to the view, error sessions), newest first,
 * coloured by severity, for every worker or only the selected one.
 *
 * Enter on an event shows its details: the full text, the worker, the
 * time, and the events of the same worker around it as a timeline, in
 * which up/down move; back (Esc) returns to the list.
 *
 * Panel commands: "scope all|worker" (no argument toggles), "find [TEXT]"
 * (filter by substring of worker, kind or text; no TEXT clears).
 *
 * The view's event array is replaced by every view_events call, so the
 * event shown in details is copied (on Enter, not per frame) and found
 * again by time, worker, kind and a hash of its text.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ui.h"
#include "util.h"
#include "widgets.h"

#define EVENTS_MAX	2000	/* newest events listed */
#define TIMELINE_MAX	1000	/* events of one worker searched */

enum sev { SEV_INFO, SEV_WARNING, SEV_CRITICAL };

enum ecol { E_TIME, E_SEV, E_WORKER, E_KIND, E_TEXT, E_COUNT };

static const struct table_col list_cols[E_COUNT] = {
	[E_TIME] =	{ "TIME", 8, 8, 0, 0, 0 },
	[E_SEV] =	{ "SEV", 4, 4, 0, 0, 3 },
	[E_WORKER] =	{ "WORKER", 6, 14, 0, 0, 2 },
	[E_KIND] =	{ "KIND", 8, 16, 0, 0, 1 },
	[E_TEXT] =	{ "MESSAGE", 8, 30, 0, 1, 0 },
};

enum tcol { T_TIME, T_KIND, T_TEXT, T_COUNT };

static const struct table_col timeline_cols[T_COUNT] = {
	[T_TIME] =	{ "TIME", 8, 8, 0, 0, 0 },
	[T_KIND] =	{ "KIND", 8, 16, 0, 0, 1 },
	[T_TEXT] =	{ "MESSAGE", 8, 30, 0, 1, 0 },
};

/* An event found again across view calls. */
struct ident {
	int		 valid;
	int64_t		 ts_ms;
	int		 fleet;		/* worker NULL */
	char		 worker[256];
	char		 kind[64];
	uint64_t	 hash;		/* of the text */
};

struct errors {
	int		 scope_worker;	/* 0: all workers */
	char		 find[128];

	const struct view_event *ev;	/* the view's array, this turn */
	size_t		 nev;
	size_t		*rows;		/* indexes into ev that pass find */
	size_t		 nrows, rowcap;
	int		 sel, top, page;
	struct ident	 sel_id;

	int		 detail;	/* showing one event */
	struct ident	 det;
	char		*det_text;	/* its full text, copied */
	int		 det_top, det_page;
	size_t		*trows;		/* the timeline: indexes into ev */
	size_t		 tcap;

	int		 list_y, list_rows;	/* for clicks */
};

/* ------------------------------------------------------------------ */
/* Severity */

static enum sev
kind_sev(const char *kind)
{
	static const char *const critical[] = { "exited", "store", NULL };
	static const char *const warning[] = { "restarted", "scrape_failed",
	    "parse_error", "not_found", "clock", "scrape_skipped", NULL };
	int i;

	if (kind == NULL)
		return SEV_INFO;
	for (i = 0; critical[i] != NULL; i++)
		if (strcmp(kind, critical[i]) == 0)
			return SEV_CRITICAL;
	if (strstr(kind, "oom") != NULL)
		return SEV_CRITICAL;
	for (i = 0; warning[i] != NULL; i++)
		if (strcmp(kind, warning[i]) == 0)
			return SEV_WARNING;
	if (strstr(kind, "fail") != NULL || strstr(kind, "error") != NULL)
		return SEV_WARNING;
	return SEV_INFO;	/* started, recovered, scrape_recovered, ... */
}

static enum ui_color
sev_color(enum sev s)
{
	return s == SEV_CRITICAL ? UC_CRITICAL : s == SEV_WARNING ?
	    UC_WARNING : UC_INFO;
}

static const char *
sev_name(enum sev s)
{
	return s == SEV_CRITICAL ? "crit" : s == SEV_WARNING ? "warn" :
	    "info";
}

/* ------------------------------------------------------------------ */
/* Identities */

static uint64_t
hash_text(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; s != NULL && *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static void
ident_set(struct ident *id, const struct view_event *e)
{
	id->valid = 1;
	id->ts_ms = e->ts_ms;
	id->fleet = e->worker == NULL;
	util_strlcpy(id->worker, e->worker != NULL ? e->worker : "",
	    sizeof id->worker);
	util_strlcpy(id->kind, e->kind != NULL ? e->kind : "",
	    sizeof id->kind);
	id->hash = hash_text(e->text);
}

static int
ident_is(const struct ident *id, const struct view_event *e)
{
	return id->valid && id->ts_ms == e->ts_ms &&
	    id->fleet == (e->worker == NULL) &&
	    (e->worker == NULL || strcmp(id->worker, e->worker) == 0) &&
	    strcmp(id->kind, e->kind != NULL ? e->kind : "") == 0 &&
	    id->hash == hash_text(e->text);
}

/* ------------------------------------------------------------------ */
/* The list */

static const char *
scope_worker(struct errors *e, struct ui *ui)
{
	return e->scope_worker && ui->selected[0] != '\0' ? ui->selected :
	    NULL;
}

static int
matches(const struct view_event *ev, const char *find)
{
	if (find[0] == '\0')
		return 1;
	return (ev->worker != NULL && strcasestr(ev->worker, find) != NULL) ||
	    (ev->kind != NULL && strcasestr(ev->kind, find) != NULL) ||
	    (ev->text != NULL && strcasestr(ev->text, find) != NULL);
}

static void
rebuild(struct errors *e, struct ui *ui)
{
	size_t i;
	int sel = -1;

	e->nev = view_events(ui->view, scope_worker(e, ui), EVENTS_MAX,
	    &e->ev);
	e->rows = xgrow(e->rows, &e->rowcap, e->nev > 0 ? e->nev : 1,
	    sizeof *e->rows);
	e->nrows = 0;
	for (i = 0; i < e->nev; i++) {
		if (!matches(&e->ev[i], e->find))
			continue;
		if (sel == -1 && ident_is(&e->sel_id, &e->ev[i]))
			sel = (int)e->nrows;
		e->rows[e->nrows++] = i;
	}
	if (sel == -1) {
		/* New events push the list down; without the old one keep
		 * the place. */
		sel = e->sel < (int)e->nrows ? e->sel : (int)e->nrows - 1;
		if (sel < 0)
			sel = 0;
		if (e->nrows > 0)
			ident_set(&e->sel_id, &e->ev[e->rows[sel]]);
	}
	e->sel = sel;
}

static void
select_row(struct errors *e, int row)
{
	if (e->nrows == 0)
		return;
	if (row < 0)
		row = 0;
	if (row >= (int)e->nrows)
		row = (int)e->nrows - 1;
	e->sel = row;
	ident_set(&e->sel_id, &e->ev[e->rows[row]]);
}

static void
event_row(struct ui *ui, WINDOW *win, int y, const struct table_col *cols,
    const struct table_layout *l, const struct view_event *ev, int selected,
    int worker_col)
{
	char t[FMT_MAX];
	const char *cells[E_COUNT];
	enum sev s = kind_sev(ev->kind);
	attr_t base = ui_attr(selected ? UC_SELECTED : UC_NORMAL);
	attr_t sa = selected ? base : ui_attr(sev_color(s));

	fmt_time_hms(ev->ts_ms, t, sizeof t);
	memset(cells, 0, sizeof cells);
	if (worker_col) {
		cells[E_TIME] = t;
		cells[E_SEV] = sev_name(s);
		cells[E_WORKER] = ev->worker != NULL ? ev->worker : "(fleet)";
		cells[E_KIND] = ev->kind;
		cells[E_TEXT] = ev->text;
		table_draw_row(win, y, 0, cols, l, cells, base, ui->glyphs);
		table_draw_cell(win, y, 0, cols, l, E_SEV, cells[E_SEV], sa,
		    ui->glyphs);
		table_draw_cell(win, y, 0, cols, l, E_KIND, cells[E_KIND], sa,
		    ui->glyphs);
	} else {
		cells[T_TIME] = t;
		cells[T_KIND] = ev->kind;
		cells[T_TEXT] = ev->text;
		table_draw_row(win, y, 0, cols, l, cells, base, ui->glyphs);
		table_draw_cell(win, y, 0, cols, l, T_KIND, cells[T_KIND], sa,
		    ui->glyphs);
	}
}

static void
draw_list(struct errors *e, struct ui *ui, WINDOW *win, int h, int w)
{
	struct table_layout l;
	char line[512];
	const char *who = scope_worker(e, ui);
	int r, row, x;

	rebuild(e, ui);
	x = snprintf(line, sizeof line, "Events of %s: %zu",
	    who != NULL ? who : "all workers", e->nrows);
	if (e->find[0] != '\0' && x > 0 && (size_t)x < sizeof line)
		snprintf(line + x, sizeof line - (size_t)x,
		    " matching \"%s\" (of %zu)", e->find, e->nev);
	x = widget_text(win, 0, 0, w, line, WIDGET_NUL, ui_attr(UC_TITLE),
	    ui->glyphs);
	if (w - x > 38)
		widget_text_right(win, 0, x, w - x, "a all  w worker  "
		    "Enter details", ui_attr(UC_DIM), ui->glyphs);
	if (h < 3) {
		e->list_rows = 0;
		return;
	}
	table_layout(list_cols, E_COUNT, w, &l);
	table_draw_header(win, 1, 0, list_cols, &l, -1, 0, ui_attr(UC_TITLE),
	    ui->glyphs);
	e->list_y = 2;
	e->list_rows = h - 2;
	e->page = h - 2;
	if (e->nrows == 0) {
		widget_text(win, 2, 1, w - 1, e->nev == 0 ? "no events yet" :
		    "no event matches (Esc clears the filter)", WIDGET_NUL,
		    ui_attr(UC_DIM), ui->glyphs);
		return;
	}
	e->top = table_scroll(e->sel, (int)e->nrows, h - 2, e->top);
	for (r = 2, row = e->top; r < h && row < (int)e->nrows; r++, row++)
		event_row(ui, win, r, list_cols, &l, &e->ev[e->rows[row]],
		    row == e->sel, 1);
}

/* ------------------------------------------------------------------ */
/* Details */

/* The events of the detailed event's worker (or, for a fleet event, the
 * fleet's own) as indexes into *out, in e->trows, and the index among
 * them of the detailed event (-1: no longer in the view). */
static size_t
timeline(struct errors *e, struct ui *ui, const struct view_event **out,
    int *idx)
{
	const struct view_event *ev;
	size_t n, i, k = 0;

	n = view_events(ui->view, e->det.fleet ? NULL : e->det.worker,
	    TIMELINE_MAX, &ev);
	*out = ev;
	*idx = -1;
	e->trows = xgrow(e->trows, &e->tcap, n > 0 ? n : 1,
	    sizeof *e->trows);
	for (i = 0; i < n; i++) {
		if (e->det.fleet && ev[i].worker != NULL)
			continue;
		if (*idx == -1 && ident_is(&e->det, &ev[i]))
			*idx = (int)k;
		e->trows[k++] = i;
	}
	return k;
}

static void
detail_set(struct errors *e, const struct view_event *ev)
{
	ident_set(&e->det, ev);
	free(e->det_text);
	e->det_text = xstrdup(ev->text != NULL ? ev->text : "");
}

static void
fmt_datetime(int64_t ms, char *buf, size_t len)
{
	struct tm tm;
	time_t t = (time_t)(ms / 1000);

	if (ms <= 0 || localtime_r(&t, &tm) == NULL)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
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

/* Word-wrap text into at most rows rows from (y, x), w columns wide,
 * breaking at spaces where one is in the second half of the row and at
 * newlines.  Returns the rows used. */
static int
wrap(WINDOW *win, int y, int x, int w, int rows, const char *text,
    attr_t attr, enum ui_glyphs g)
{
	size_t len = strlen(text), pos = 0, cut, i, k, space;
	int used = 0, cw, c;

	if (w <= 0)
		return 0;
	while (pos < len && used < rows) {
		cut = pos;
		space = 0;
		cw = 0;
		for (i = pos; i < len && text[i] != '\n'; i += k) {
			k = seq_len(text + i, len - i);
			c = widget_text_width(text + i, k, g);
			if (cw + c > w)
				break;
			cw += c;
			if (text[i] == ' ' && cw > w / 2)
				space = i + 1;
			cut = i + k;
		}
		if (cut < len && text[cut] != '\n' && text[cut] != ' ' &&
		    space > pos)
			cut = space;
		if (cut == pos)
			cut = pos + seq_len(text + pos, len - pos);
		widget_text(win, y + used, x, w, text + pos, cut - pos, attr,
		    g);
		used++;
		pos = cut;
		while (pos < len && (text[pos] == ' ' || text[pos] == '\n'))
			pos++;
	}
	return used;
}

static void
draw_detail(struct errors *e, struct ui *ui, WINDOW *win, int h, int w)
{
	const struct view_event *ev;
	struct table_layout l;
	enum sev s = kind_sev(e->det.kind);
	char line[600], when[64], age[FMT_MAX];
	size_t n;
	int idx, y = 0, text_rows, r, row, rows;

	snprintf(line, sizeof line, "Event  (Esc: back to the list)");
	widget_text(win, y++, 0, w, line, WIDGET_NUL, ui_attr(UC_TITLE),
	    ui->glyphs);
	fmt_datetime(e->det.ts_ms, when, sizeof when);
	fmt_age(view_time(ui->view) - e->det.ts_ms, age, sizeof age);
	snprintf(line, sizeof line, "%s (%s ago)", when, age);
	if (y < h) {
		widget_text(win, y, 0, w, "time    ", WIDGET_NUL,
		    ui_attr(UC_DIM), ui->glyphs);
		widget_text(win, y++, 8, w - 8, line, WIDGET_NUL,
		    ui_attr(UC_NORMAL), ui->glyphs);
	}
	if (y < h) {
		widget_text(win, y, 0, w, "worker  ", WIDGET_NUL,
		    ui_attr(UC_DIM), ui->glyphs);
		widget_text(win, y++, 8, w - 8, e->det.fleet ? "(the fleet)" :
		    e->det.worker, WIDGET_NUL, ui_attr(UC_NORMAL), ui->glyphs);
	}
	if (y < h) {
		snprintf(line, sizeof line, "%s (%s)", e->det.kind,
		    s == SEV_CRITICAL ? "critical" : s == SEV_WARNING ?
		    "warning" : "info");
		widget_text(win, y, 0, w, "kind    ", WIDGET_NUL,
		    ui_attr(UC_DIM), ui->glyphs);
		widget_text(win, y++, 8, w - 8, line, WIDGET_NUL,
		    ui_attr(sev_color(s)), ui->glyphs);
	}
	/* The text gets what it needs, up to half of what is left. */
	text_rows = (h - y) / 2;
	if (text_rows < 1)
		text_rows = 1;
	if (y < h) {
		widget_text(win, y, 0, w, "text    ", WIDGET_NUL,
		    ui_attr(UC_DIM), ui->glyphs);
		y += wrap(win, y, 8, w - 8, text_rows < h - y ? text_rows :
		    h - y, e->det_text != NULL ? e->det_text : "",
		    ui_attr(UC_NORMAL), ui->glyphs);
	}
	y++;
	if (y + 2 >= h) {
		e->list_rows = 0;
		return;
	}

	n = timeline(e, ui, &ev, &idx);
	snprintf(line, sizeof line, "Timeline of %s, newest first "
	    "(%zu events)", e->det.fleet ? "the fleet" : e->det.worker, n);
	widget_text(win, y++, 0, w, line, WIDGET_NUL, ui_attr(UC_TITLE),
	    ui->glyphs);
	table_layout(timeline_cols, T_COUNT, w, &l);
	table_draw_header(win, y++, 0, timeline_cols, &l, -1, 0,
	    ui_attr(UC_TITLE), ui->glyphs);
	rows = h - y;
	e->list_y = y;
	e->list_rows = rows;
	e->det_page = rows > 0 ? rows : 1;
	if (idx == -1) {
		widget_text(win, y, 1, w - 1, "(this event is no longer in "
		    "the view's history)", WIDGET_NUL, ui_attr(UC_DIM),
		    ui->glyphs);
		y++;
		rows--;
		e->list_y++;
		e->list_rows--;
	}
	e->det_top = table_scroll(idx >= 0 ? idx : 0, (int)n, rows,
	    e->det_top);
	for (r = 0, row = e->det_top; r < rows && row < (int)n; r++, row++) {
		event_row(ui, win, y + r, timeline_cols, &l,
		    &ev[e->trows[row]], row == idx, 0);
	}
}

static void
errors_draw(void *p, struct ui *ui, WINDOW *win, int h, int w)
{
	struct errors *e = p;

	if (h < 1 || w < 1)
		return;
	if (e->detail)
		draw_detail(e, ui, win, h, w);
	else
		draw_list(e, ui, win, h, w);
}

/* ------------------------------------------------------------------ */
/* Commands */

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
detail_command(struct errors *e, struct ui *ui, const char *cmd)
{
	const struct view_event *ev;
	size_t n;
	int idx, to;

	if (strcmp(cmd, "back") == 0) {
		e->detail = 0;
		return 1;
	}
	if (strcmp(cmd, "enter") == 0)
		return 1;
	n = timeline(e, ui, &ev, &idx);
	if ((to = table_select(idx >= 0 ? idx : 0, (int)n, e->det_page,
	    cmd)) == -1)
		return 0;
	if (n > 0)
		detail_set(e, &ev[e->trows[to]]);
	return 1;
}

static int
errors_command(void *p, struct ui *ui, int argc, char **argv)
{
	struct errors *e = p;
	int sel;

	if (argc < 1)
		return 0;
	if (strcmp(argv[0], "scope") == 0) {
		if (argc == 1)
			e->scope_worker = !e->scope_worker;
		else if (strcmp(argv[1], "all") == 0)
			e->scope_worker = 0;
		else if (strcmp(argv[1], "worker") == 0)
			e->scope_worker = 1;
		else {
			ui_message(1, "usage: scope all|worker");
			return 1;
		}
		e->sel = e->top = 0;
		e->sel_id.valid = 0;
		if (e->scope_worker && ui->selected[0] == '\0')
			ui_message(0, "events: no worker selected, showing "
			    "all");
		else
			ui_message(0, "events of %s", e->scope_worker ?
			    ui->selected : "all workers");
		return 1;
	}
	if (strcmp(argv[0], "find") == 0) {
		join_args(argc, argv, e->find, sizeof e->find);
		e->sel = e->top = 0;
		e->sel_id.valid = 0;
		e->detail = 0;
		return 1;
	}
	if (e->detail)
		return detail_command(e, ui, argv[0]);
	rebuild(e, ui);
	if ((sel = table_select(e->sel, (int)e->nrows, e->page,
	    argv[0])) != -1) {
		select_row(e, sel);
		return 1;
	}
	if (strcmp(argv[0], "enter") == 0) {
		if (e->nrows > 0) {
			detail_set(e, &e->ev[e->rows[e->sel]]);
			e->detail = 1;
			e->det_top = 0;
		}
		return 1;
	}
	if (strcmp(argv[0], "back") == 0 && e->find[0] != '\0') {
		e->find[0] = '\0';
		return 1;
	}
	return 0;
}

static int
errors_click(void *p, struct ui *ui, int y, int x)
{
	struct errors *e = p;
	const struct view_event *ev;
	size_t n;
	int idx, row;

	if (e->list_rows <= 0 || y < e->list_y ||
	    y >= e->list_y + e->list_rows)
		return 0;
	if (e->detail) {
		n = timeline(e, ui, &ev, &idx);
		row = e->det_top + (y - e->list_y);
		if (row >= (int)n)
			return 0;
		detail_set(e, &ev[e->trows[row]]);
		return 1;
	}
	rebuild(e, ui);
	row = e->top + (y - e->list_y);
	if (row >= (int)e->nrows)
		return 0;
	select_row(e, row);
	return 1;
}

static void *
errors_create(struct ui *ui)
{
	struct errors *e = xcalloc(1, sizeof *e);

	e->page = e->det_page = 1;
	return e;
}

static void
errors_destroy(void *p)
{
	struct errors *e = p;

	if (e == NULL)
		return;
	free(e->rows);
	free(e->trows);
	free(e->det_text);
	free(e);
}

const struct panel_ops panel_errors_ops = {
	"errors",
	"Errors",
	errors_create,
	errors_destroy,
	errors_draw,
	errors_command,
	errors_click,
};
