/*
 * panel-errors.c -- what went wrong, in three views ("view" cycles them):
 *
 *   incidents  the error sessions, newest first, coloured by severity:
 *		id, class, worker, state (open, acked, resolved and by
 *		whom), when opened and for how long, triggers joined,
 *		recovery attempts, and the exception or trigger.  Enter shows
 *		one in full: the trigger text, the exception, the strategy,
 *		its error pattern and its timeline (triggers, joins, cleared,
 *		ack, notes, resolve, attempts).
 *   events	the engine's events, newest first; Enter shows one with the
 *		worker's events around it.
 *   patterns	per worker and class: incidents in all, in the last hour
 *		and day, mean time between failures and to resolve, and how
 *		often one error signature came back.
 *
 * Every view shows every worker or only the selected one ("scope") and
 * can be narrowed with "find TEXT".  The incident selected (listed or
 * shown) is ui->incident, which "%i" in a command line expands to: the
 * keys that acknowledge, annotate and resolve it run the engine's "ack",
 * "note" and "resolve" commands through the console like any other.
 *
 * The view's arrays are replaced by every call, so selections are kept
 * as identities (an incident's id; an event's time, worker, kind and a
 * hash of its text) and found again.
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

enum mode { M_INCIDENTS, M_EVENTS, M_PATTERNS, M_COUNT };

static const char *const mode_names[M_COUNT] = {
	"incidents", "events", "patterns"
};

enum icol {
	I_ID, I_SEV, I_CLASS, I_WORKER, I_STATE, I_OPENED, I_FOR, I_TRIG,
	I_ATT, I_WHAT, I_COUNT
};

static const struct table_col inc_cols[I_COUNT] = {
	[I_ID] =	{ "#", 3, 4, 1, 0, 0 },
	[I_SEV] =	{ "SEV", 4, 4, 0, 0, 4 },
	[I_CLASS] =	{ "CLASS", 9, 10, 0, 0, 0 },
	[I_WORKER] =	{ "WORKER", 9, 11, 0, 0, 0 },
	[I_STATE] =	{ "STATE", 13, 14, 0, 0, 0 },
	[I_OPENED] =	{ "OPENED", 8, 8, 0, 0, 7 },
	[I_FOR] =	{ "FOR", 5, 6, 1, 0, 3 },
	[I_TRIG] =	{ "TRIG", 4, 4, 1, 0, 5 },
	[I_ATT] =	{ "ATT", 3, 3, 1, 0, 6 },
	[I_WHAT] =	{ "EXCEPTION OR TRIGGER", 28, 40, 0, 1, 1 },
};

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
	[T_KIND] =	{ "KIND", 7, 16, 0, 0, 1 },
	[T_TEXT] =	{ "MESSAGE", 8, 30, 0, 1, 0 },
};

/* An incident's timeline. */
static const struct table_col itl_cols[T_COUNT] = {
	[T_TIME] =	{ "TIME", 8, 8, 0, 0, 0 },
	[T_KIND] =	{ "KIND", 7, 8, 0, 0, 1 },
	[T_TEXT] =	{ "TEXT", 8, 30, 0, 1, 0 },
};

enum pcol {
	P_WORKER, P_CLASS, P_COUNT_ALL, P_HOUR, P_DAY, P_MTBF, P_MTTR,
	P_RECUR, P_LAST, P_COUNT
};

static const struct table_col pat_cols[P_COUNT] = {
	[P_WORKER] =	{ "WORKER", 6, 14, 0, 1, 0 },
	[P_CLASS] =	{ "CLASS", 6, 11, 0, 1, 0 },
	[P_COUNT_ALL] =	{ "COUNT", 5, 5, 1, 0, 0 },
	[P_HOUR] =	{ "1H", 4, 4, 1, 0, 4 },
	[P_DAY] =	{ "24H", 4, 4, 1, 0, 5 },
	[P_MTBF] =	{ "MTBF", 6, 6, 1, 0, 1 },
	[P_MTTR] =	{ "MTTR", 6, 6, 1, 0, 2 },
	[P_RECUR] =	{ "RECUR", 5, 5, 1, 0, 3 },
	[P_LAST] =	{ "LAST", 8, 8, 0, 0, 6 },
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
	enum mode	 mode;
	int		 scope_worker;	/* 0: all workers */
	char		 find[128];

	/* incidents */
	const struct view_incident *inc;	/* the view's array, this turn */
	size_t		 ninc;
	size_t		*irows;		/* indexes into inc that pass */
	size_t		 nirows, ircap;
	int		 nopen;		/* open among them */
	int		 isel, itop, ipage;
	int64_t		 isel_id;
	int		 idetail;	/* showing one incident */
	int64_t		 idet_id;
	int		 idet_top, idet_page;	/* its timeline's scroll */

	/* events */
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

	/* patterns */
	const struct view_pattern *pat;
	size_t		 npat;
	size_t		*prows;
	size_t		 nprows, prcap;
	int		 ptop, ppage;

	int		 list_y, list_rows;	/* for clicks */
};

/* ------------------------------------------------------------------ */
/* Severity, times, text */

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

/* An incident's severity (0 info, 1 warning, 2 critical) as ours. */
static enum sev
int_sev(int severity)
{
	return severity >= 2 ? SEV_CRITICAL : severity == 1 ? SEV_WARNING :
	    SEV_INFO;
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

static const char *
sev_word(enum sev s)
{
	return s == SEV_CRITICAL ? "critical" : s == SEV_WARNING ?
	    "warning" : "info";
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

/* A duration in ms in whole seconds: "0s", "42s", then as fmt_seconds
 * writes it ("3m05s", "2h05m"). */
static void
fmt_ms(int64_t ms, char *buf, size_t len)
{
	int64_t s = ms < 0 ? 0 : (ms + 500) / 1000;

	if (s < 60)
		snprintf(buf, len, "%llds", (long long)s);
	else
		fmt_seconds((double)s, buf, len);
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

/* A labelled line of a detail view: "label     text".  Returns the rows
 * used (0 when y is past h). */
static int
field(struct ui *ui, WINDOW *win, int y, int h, int w, const char *label,
    const char *text, enum ui_color role, int maxrows)
{
	if (y >= h || w <= 10)
		return 0;
	widget_text(win, y, 0, 10, label, WIDGET_NUL, ui_attr(UC_DIM),
	    ui->glyphs);
	if (maxrows > h - y)
		maxrows = h - y;
	return wrap(win, y, 10, w - 10, maxrows > 0 ? maxrows : 1, text,
	    ui_attr(role), ui->glyphs);
}

static const char *
scope_worker(struct errors *e, struct ui *ui)
{
	return e->scope_worker && ui->selected[0] != '\0' ? ui->selected :
	    NULL;
}

/* The view line: the three views with the current one marked, what is
 * shown in it, and a hint at the right. */
static void
draw_tabs(struct errors *e, struct ui *ui, WINDOW *win, int w,
    const char *what, const char *hint)
{
	char buf[64];
	int i, x = 0;

	for (i = 0; i < M_COUNT && x < w; i++) {
		snprintf(buf, sizeof buf, "%c%s", mode_names[i][0] - 'a' + 'A',
		    mode_names[i] + 1);
		x += widget_text(win, 0, x, w - x, buf, WIDGET_NUL,
		    ui_attr(i == (int)e->mode ? UC_SELECTED : UC_DIM),
		    ui->glyphs);
		if (x < w)
			x++;
	}
	if (x < w - 1)
		x += 1 + widget_text(win, 0, x + 1, w - x - 1, what, WIDGET_NUL,
		    ui_attr(UC_TITLE), ui->glyphs);
	if (hint != NULL && w - x > widget_text_width(hint, WIDGET_NUL,
	    ui->glyphs) + 2)
		widget_text_right(win, 0, x, w - x, hint, ui_attr(UC_DIM),
		    ui->glyphs);
}

/* ------------------------------------------------------------------ */
/* Incidents */

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

/* A copy of an incident with "" for any string the view left NULL. */
static struct view_incident
inc_norm(const struct view_incident *in)
{
	struct view_incident c = *in;

	c.worker = nz(c.worker);
	c.cls = nz(c.cls);
	c.strategy = nz(c.strategy);
	c.trigger = nz(c.trigger);
	c.exc_type = nz(c.exc_type);
	c.exc_message = nz(c.exc_message);
	c.acked_by = nz(c.acked_by);
	c.resolved_by = nz(c.resolved_by);
	return c;
}

static int
inc_matches(const struct view_incident *vi, const char *find)
{
	struct view_incident c = inc_norm(vi), *in = &c;
	char id[32];

	if (find[0] == '\0')
		return 1;
	snprintf(id, sizeof id, "#%lld", (long long)in->id);
	return strcasestr(in->worker, find) != NULL ||
	    strcasestr(in->cls, find) != NULL ||
	    strcasestr(in->trigger, find) != NULL ||
	    strcasestr(in->exc_type, find) != NULL ||
	    strcasestr(in->exc_message, find) != NULL ||
	    strcasestr(in->strategy, find) != NULL ||
	    strcmp(id, find) == 0;
}

static void
inc_rebuild(struct errors *e, struct ui *ui)
{
	size_t i;
	int sel = -1;

	e->ninc = view_incidents(ui->view, scope_worker(e, ui), 0, &e->inc);
	e->irows = xgrow(e->irows, &e->ircap, e->ninc > 0 ? e->ninc : 1,
	    sizeof *e->irows);
	e->nirows = 0;
	e->nopen = 0;
	for (i = 0; i < e->ninc; i++) {
		if (!inc_matches(&e->inc[i], e->find))
			continue;
		if (sel == -1 && e->inc[i].id == e->isel_id)
			sel = (int)e->nirows;
		e->nopen += e->inc[i].open != 0;
		e->irows[e->nirows++] = i;
	}
	if (sel == -1) {
		sel = e->isel < (int)e->nirows ? e->isel :
		    (int)e->nirows - 1;
		if (sel < 0)
			sel = 0;
	}
	e->isel = sel;
	e->isel_id = e->nirows > 0 ? e->inc[e->irows[sel]].id : 0;
}

/* The incident shown in details, or NULL when the view lost it. */
static const struct view_incident *
inc_shown(struct errors *e, struct ui *ui)
{
	size_t i;

	e->ninc = view_incidents(ui->view, NULL, 0, &e->inc);
	for (i = 0; i < e->ninc; i++)
		if (e->inc[i].id == e->idet_id)
			return &e->inc[i];
	return NULL;
}

/* "open", "acked by W", "resolved by W", "auto-resolved" (W as the
 * view has it: "alice on /dev/pts/3"). */
static void
inc_state(const struct view_incident *in, char *buf, size_t len,
    enum ui_color *role)
{
	if (!in->open) {
		if (strcmp(in->resolved_by, "auto") == 0 ||
		    in->resolved_by[0] == '\0')
			snprintf(buf, len, "auto-resolved");
		else
			snprintf(buf, len, "resolved by %s", in->resolved_by);
		*role = UC_DIM;
	} else if (in->acked_by[0] != '\0') {
		snprintf(buf, len, "acked by %s", in->acked_by);
		*role = UC_INFO;
	} else {
		snprintf(buf, len, "open");
		*role = sev_color(int_sev(in->severity));
	}
}

static void
inc_what(const struct view_incident *in, char *buf, size_t len)
{
	if (in->exc_type[0] != '\0')
		snprintf(buf, len, "%s%s%s", in->exc_type,
		    in->exc_message[0] != '\0' ? ": " : "", in->exc_message);
	else
		snprintf(buf, len, "%s", in->trigger);
}

/* How long: open ones up to now, resolved ones until resolved. */
static int64_t
inc_duration(struct ui *ui, const struct view_incident *in)
{
	return (in->open || in->resolved_ms <= 0 ? view_time(ui->view) :
	    in->resolved_ms) - in->opened_ms;
}

static void
inc_row(struct ui *ui, WINDOW *win, int y, const struct table_layout *l,
    const struct view_incident *vi, int selected)
{
	struct view_incident c = inc_norm(vi), *in = &c;
	char id[32], state[300], opened[FMT_MAX], dur[FMT_MAX], trig[FMT_MAX],
	    att[FMT_MAX], what[600], *on;
	const char *cells[I_COUNT];
	enum sev s = int_sev(in->severity);
	enum ui_color srole;
	attr_t base = ui_attr(selected ? UC_SELECTED : in->open ? UC_NORMAL :
	    UC_DIM);

	snprintf(id, sizeof id, "%lld", (long long)in->id);
	inc_state(in, state, sizeof state, &srole);
	/* The table names who without where ("acked by alice"); the
	 * details say it all. */
	if ((on = strstr(state, " on ")) != NULL)
		*on = '\0';
	fmt_time_hms(in->opened_ms, opened, sizeof opened);
	fmt_ms(inc_duration(ui, in), dur, sizeof dur);
	fmt_count(in->count, trig, sizeof trig);
	fmt_count(in->attempts, att, sizeof att);
	inc_what(in, what, sizeof what);
	cells[I_ID] = id;
	cells[I_SEV] = sev_name(s);
	cells[I_CLASS] = in->cls;
	cells[I_WORKER] = in->worker;
	cells[I_STATE] = state;
	cells[I_OPENED] = opened;
	cells[I_FOR] = dur;
	cells[I_TRIG] = trig;
	cells[I_ATT] = att;
	cells[I_WHAT] = what;
	table_draw_row(win, y, 0, inc_cols, l, cells, base, ui->glyphs);
	if (selected || !in->open)
		return;
	table_draw_cell(win, y, 0, inc_cols, l, I_SEV, cells[I_SEV],
	    ui_attr(sev_color(s)), ui->glyphs);
	table_draw_cell(win, y, 0, inc_cols, l, I_CLASS, cells[I_CLASS],
	    ui_attr(sev_color(s)), ui->glyphs);
	table_draw_cell(win, y, 0, inc_cols, l, I_STATE, state,
	    ui_attr(srole), ui->glyphs);
}

static void
inc_draw_list(struct errors *e, struct ui *ui, WINDOW *win, int h, int w)
{
	struct table_layout l;
	char what[640];
	const char *who = scope_worker(e, ui);
	int r, row;

	inc_rebuild(e, ui);
	ui->incident = e->isel_id;
	snprintf(what, sizeof what, "%d open of %zu%s%s%s%s%s", e->nopen,
	    e->nirows, who != NULL ? " on " : "", who != NULL ? who : "",
	    e->find[0] != '\0' ? " matching \"" : "", e->find,
	    e->find[0] != '\0' ? "\"" : "");
	draw_tabs(e, ui, win, w, what, "Enter details  A ack  E note  "
	    "R resolve  v view");
	if (h < 3) {
		e->list_rows = 0;
		return;
	}
	table_layout(inc_cols, I_COUNT, w, &l);
	table_draw_header(win, 1, 0, inc_cols, &l, -1, 0, ui_attr(UC_TITLE),
	    ui->glyphs);
	e->list_y = 2;
	e->list_rows = h - 2;
	e->ipage = h - 2;
	if (e->nirows == 0) {
		widget_text(win, 2, 1, w - 1, e->ninc == 0 ? (who != NULL ?
		    "no incidents on this worker" : "no incidents (v: the "
		    "events)") : "no incident matches (Esc clears the find)",
		    WIDGET_NUL, ui_attr(UC_DIM), ui->glyphs);
		return;
	}
	e->itop = table_scroll(e->isel, (int)e->nirows, h - 2, e->itop);
	for (r = 2, row = e->itop; r < h && row < (int)e->nirows; r++, row++)
		inc_row(ui, win, r, &l, &e->inc[e->irows[row]], row == e->isel);
}

/* The error pattern of the incident's worker and class, in words, into
 * buf; 0 when the view has none. */
static int
inc_pattern(struct ui *ui, const struct view_incident *in, char *buf,
    size_t len)
{
	const struct view_pattern *p;
	char mtbf[FMT_MAX], mttr[FMT_MAX];
	size_t n, i;

	n = view_patterns(ui->view, &p);
	for (i = 0; i < n; i++) {
		if (strcmp(nz(p[i].worker), in->worker) != 0 ||
		    strcmp(nz(p[i].cls), in->cls) != 0)
			continue;
		fmt_seconds(p[i].mtbf_s, mtbf, sizeof mtbf);
		fmt_seconds(p[i].mttr_s, mttr, sizeof mttr);
		snprintf(buf, len, "%d %s incident%s on %s (%d in the last "
		    "hour), MTBF %s, MTTR %s%s%.0d%s", p[i].count, in->cls,
		    p[i].count == 1 ? "" : "s", in->worker, p[i].count_hour,
		    mtbf, mttr, p[i].recurring > 0 ? ", the same error came "
		    "back " : "", p[i].recurring, p[i].recurring > 0 ?
		    " times" : "");
		return 1;
	}
	return 0;
}

static void
inc_draw_detail(struct errors *e, struct ui *ui, WINDOW *win, int h, int w)
{
	const struct view_incident *vi = inc_shown(e, ui);
	struct view_incident copy, *in = &copy;
	const struct view_entry *te;
	struct table_layout l;
	const char *cells[T_COUNT];
	char line[1200], a[64], b[FMT_MAX], c[FMT_MAX], d[FMT_MAX];
	enum ui_color role;
	enum sev s;
	size_t n;
	int y = 0, r, rows, k, x;

	ui->incident = e->idet_id;
	if (vi == NULL) {
		snprintf(line, sizeof line, "Incident #%lld is no longer in "
		    "the view  (Esc: back)", (long long)e->idet_id);
		widget_text(win, 0, 0, w, line, WIDGET_NUL, ui_attr(UC_DIM),
		    ui->glyphs);
		e->list_rows = 0;
		return;
	}
	copy = inc_norm(vi);
	s = int_sev(in->severity);
	snprintf(line, sizeof line, "Incident #%lld ", (long long)in->id);
	x = widget_text(win, y, 0, w, line, WIDGET_NUL, ui_attr(UC_TITLE),
	    ui->glyphs);
	snprintf(line, sizeof line, "%s (%s) ", in->cls, sev_word(s));
	x += widget_text(win, y, x, w - x, line, WIDGET_NUL,
	    ui_attr(sev_color(s)), ui->glyphs);
	inc_state(in, line, sizeof line, &role);
	x += widget_text(win, y, x, w - x, line, WIDGET_NUL, ui_attr(role),
	    ui->glyphs);
	if (w - x > 40)
		widget_text_right(win, y, x, w - x, "Esc back  A ack  E note  "
		    "R resolve", ui_attr(UC_DIM), ui->glyphs);
	y++;
	y += field(ui, win, y, h, w, "worker", in->worker, UC_NORMAL, 1);
	fmt_datetime(in->opened_ms, a, sizeof a);
	fmt_age(view_time(ui->view) - in->opened_ms, b, sizeof b);
	fmt_time_hms(in->last_ms, c, sizeof c);
	fmt_ms(inc_duration(ui, in), d, sizeof d);
	snprintf(line, sizeof line, "%s (%s ago), last trigger %s, %s %s",
	    a, b, c, in->open ? "open for" : "lasted", d);
	y += field(ui, win, y, h, w, "opened", line, UC_NORMAL, 2);
	if (!in->open) {
		fmt_datetime(in->resolved_ms, a, sizeof a);
		if (in->resolved_by[0] == '\0' ||
		    strcmp(in->resolved_by, "auto") == 0)
			snprintf(line, sizeof line, "%s automatically (its "
			    "condition cleared)", a);
		else
			snprintf(line, sizeof line, "%s by %s", a,
			    in->resolved_by);
		y += field(ui, win, y, h, w, "resolved", line, UC_NORMAL, 1);
	}
	if (in->acked_by[0] != '\0') {
		fmt_datetime(in->acked_ms, a, sizeof a);
		snprintf(line, sizeof line, "%s by %s", a, in->acked_by);
		y += field(ui, win, y, h, w, "acked", line, UC_NORMAL, 1);
	}
	snprintf(line, sizeof line, "%d trigger%s, %d recovery attempt%s, "
	    "strategy %s", in->count, in->count == 1 ? "" : "s", in->attempts,
	    in->attempts == 1 ? "" : "s", in->strategy[0] != '\0' ?
	    in->strategy : "none");
	y += field(ui, win, y, h, w, "counts", line, UC_NORMAL, 1);
	if (in->exc_type[0] != '\0') {
		snprintf(line, sizeof line, "%s%s%s", in->exc_type,
		    in->exc_message[0] != '\0' ? ": " : "", in->exc_message);
		y += field(ui, win, y, h, w, "exception", line,
		    sev_color(s), 3);
	}
	/* The trigger gets what it needs, up to a third of what is left. */
	k = (h - y) / 3;
	y += field(ui, win, y, h, w, "trigger", in->trigger[0] != '\0' ?
	    in->trigger : "-", UC_NORMAL, k > 1 ? k : 1);
	if (inc_pattern(ui, in, line, sizeof line))
		y += field(ui, win, y, h, w, "pattern", line, UC_NORMAL, 2);

	n = view_timeline(ui->view, in->id, &te);
	e->list_rows = 0;
	if (y + 1 >= h) {
		e->idet_page = 1;
		return;
	}
	snprintf(line, sizeof line, "Timeline, oldest first (%zu entr%s)", n,
	    n == 1 ? "y" : "ies");
	widget_text(win, y++, 0, w, line, WIDGET_NUL, ui_attr(UC_TITLE),
	    ui->glyphs);
	if (y + 1 >= h) {
		e->idet_page = 1;
		return;
	}
	table_layout(itl_cols, T_COUNT, w, &l);
	table_draw_header(win, y++, 0, itl_cols, &l, -1, 0,
	    ui_attr(UC_TITLE), ui->glyphs);
	rows = h - y;
	e->idet_page = rows > 0 ? rows : 1;
	if (e->idet_top > (int)n - rows)
		e->idet_top = (int)n - rows;
	if (e->idet_top < 0)
		e->idet_top = 0;
	for (r = 0; r < rows && e->idet_top + r < (int)n; r++) {
		const struct view_entry *en = &te[e->idet_top + r];

		const char *kind = nz(en->kind);

		fmt_time_hms(en->ts_ms, b, sizeof b);
		cells[T_TIME] = b;
		cells[T_KIND] = kind;
		cells[T_TEXT] = nz(en->text);
		table_draw_row(win, y + r, 0, itl_cols, &l, cells,
		    ui_attr(UC_NORMAL), ui->glyphs);
		role = strcmp(kind, "trigger") == 0 ||
		    strcmp(kind, "join") == 0 ? sev_color(s) :
		    strcmp(kind, "resolve") == 0 ||
		    strcmp(kind, "cleared") == 0 ? UC_UP : UC_INFO;
		table_draw_cell(win, y + r, 0, itl_cols, &l, T_KIND, kind,
		    ui_attr(role), ui->glyphs);
	}
}

static int
inc_command(struct errors *e, struct ui *ui, const char *cmd)
{
	const struct view_entry *te;
	int sel, n, page;

	if (e->idetail) {
		if (strcmp(cmd, "back") == 0) {
			e->idetail = 0;
			return 1;
		}
		if (strcmp(cmd, "enter") == 0)
			return 1;
		n = (int)view_timeline(ui->view, e->idet_id, &te);
		page = e->idet_page > 1 ? e->idet_page - 1 : 1;
		if (strcmp(cmd, "up") == 0)
			e->idet_top--;
		else if (strcmp(cmd, "down") == 0)
			e->idet_top++;
		else if (strcmp(cmd, "page-up") == 0)
			e->idet_top -= page;
		else if (strcmp(cmd, "page-down") == 0)
			e->idet_top += page;
		else if (strcmp(cmd, "top") == 0)
			e->idet_top = 0;
		else if (strcmp(cmd, "bottom") == 0)
			e->idet_top = n;
		else
			return 0;
		if (e->idet_top > n - e->idet_page)
			e->idet_top = n - e->idet_page;
		if (e->idet_top < 0)
			e->idet_top = 0;
		return 1;
	}
	inc_rebuild(e, ui);
	if ((sel = table_select(e->isel, (int)e->nirows, e->ipage,
	    cmd)) != -1) {
		e->isel = sel;
		e->isel_id = e->nirows > 0 ? e->inc[e->irows[sel]].id : 0;
		ui->incident = e->isel_id;
		return 1;
	}
	if (strcmp(cmd, "enter") == 0) {
		if (e->nirows > 0) {
			e->idetail = 1;
			e->idet_id = e->isel_id;
			e->idet_top = 0;
			ui->incident = e->idet_id;
		}
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Events: identities */

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
/* Events: the list */

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
	char what[640];
	const char *who = scope_worker(e, ui);
	int r, row;

	rebuild(e, ui);
	ui->incident = 0;
	snprintf(what, sizeof what, "%zu of %s", e->nrows,
	    who != NULL ? who : "all workers");
	if (e->find[0] != '\0')
		snprintf(what, sizeof what, "%zu of %s matching \"%s\" (of "
		    "%zu)", e->nrows, who != NULL ? who : "all workers",
		    e->find, e->nev);
	draw_tabs(e, ui, win, w, what, "a all  w worker  Enter details");
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
		    "no event matches (Esc clears the find)", WIDGET_NUL,
		    ui_attr(UC_DIM), ui->glyphs);
		return;
	}
	e->top = table_scroll(e->sel, (int)e->nrows, h - 2, e->top);
	for (r = 2, row = e->top; r < h && row < (int)e->nrows; r++, row++)
		event_row(ui, win, r, list_cols, &l, &e->ev[e->rows[row]],
		    row == e->sel, 1);
}

/* ------------------------------------------------------------------ */
/* Events: details */

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
draw_detail(struct errors *e, struct ui *ui, WINDOW *win, int h, int w)
{
	const struct view_event *ev;
	struct table_layout l;
	enum sev s = kind_sev(e->det.kind);
	char line[600], when[64], age[FMT_MAX];
	size_t n;
	int idx, y = 0, text_rows, r, row, rows;

	ui->incident = 0;
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
		    sev_word(s));
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
ev_command(struct errors *e, struct ui *ui, const char *cmd)
{
	int sel;

	if (e->detail)
		return detail_command(e, ui, cmd);
	rebuild(e, ui);
	if ((sel = table_select(e->sel, (int)e->nrows, e->page,
	    cmd)) != -1) {
		select_row(e, sel);
		return 1;
	}
	if (strcmp(cmd, "enter") == 0) {
		if (e->nrows > 0) {
			detail_set(e, &e->ev[e->rows[e->sel]]);
			e->detail = 1;
			e->det_top = 0;
		}
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Patterns */

static void
pat_rebuild(struct errors *e, struct ui *ui)
{
	const char *who = scope_worker(e, ui);
	const struct view_pattern *p;
	size_t i;

	e->npat = view_patterns(ui->view, &e->pat);
	e->prows = xgrow(e->prows, &e->prcap, e->npat > 0 ? e->npat : 1,
	    sizeof *e->prows);
	e->nprows = 0;
	for (i = 0; i < e->npat; i++) {
		p = &e->pat[i];
		if (who != NULL && strcmp(nz(p->worker), who) != 0)
			continue;
		if (e->find[0] != '\0' && strcasestr(nz(p->worker),
		    e->find) == NULL && strcasestr(nz(p->cls), e->find) == NULL)
			continue;
		e->prows[e->nprows++] = i;
	}
}

static void
pat_draw(struct errors *e, struct ui *ui, WINDOW *win, int h, int w)
{
	struct table_layout l;
	const struct view_pattern *p;
	const char *cells[P_COUNT];
	char what[640], cnt[FMT_MAX], hr[FMT_MAX], day[FMT_MAX],
	    mtbf[FMT_MAX], mttr[FMT_MAX], rec[FMT_MAX], last[FMT_MAX];
	const char *who = scope_worker(e, ui);
	int r, row, recurring = 0;
	size_t i;

	pat_rebuild(e, ui);
	ui->incident = 0;
	for (i = 0; i < e->nprows; i++)
		recurring += e->pat[e->prows[i]].recurring > 0;
	snprintf(what, sizeof what, "%zu worker/class pair%s%s%s, %d "
	    "recurring", e->nprows, e->nprows == 1 ? "" : "s",
	    who != NULL ? " of " : "", who != NULL ? who : "", recurring);
	draw_tabs(e, ui, win, w, what, "MTBF between, MTTR to resolve");
	e->list_rows = 0;
	if (h < 3)
		return;
	table_layout(pat_cols, P_COUNT, w, &l);
	table_draw_header(win, 1, 0, pat_cols, &l, -1, 0, ui_attr(UC_TITLE),
	    ui->glyphs);
	e->ppage = h - 2;
	if (e->nprows == 0) {
		widget_text(win, 2, 1, w - 1, "no error patterns (no "
		    "incidents yet)", WIDGET_NUL, ui_attr(UC_DIM), ui->glyphs);
		return;
	}
	if (e->ptop > (int)e->nprows - (h - 2))
		e->ptop = (int)e->nprows - (h - 2);
	if (e->ptop < 0)
		e->ptop = 0;
	for (r = 2, row = e->ptop; r < h && row < (int)e->nprows; r++, row++) {
		p = &e->pat[e->prows[row]];
		fmt_count(p->count, cnt, sizeof cnt);
		fmt_count(p->count_hour, hr, sizeof hr);
		fmt_count(p->count_day, day, sizeof day);
		fmt_seconds(p->mtbf_s, mtbf, sizeof mtbf);
		fmt_seconds(p->mttr_s, mttr, sizeof mttr);
		fmt_count(p->recurring, rec, sizeof rec);
		fmt_time_hms(p->last_ms, last, sizeof last);
		cells[P_WORKER] = nz(p->worker);
		cells[P_CLASS] = nz(p->cls);
		cells[P_COUNT_ALL] = cnt;
		cells[P_HOUR] = hr;
		cells[P_DAY] = day;
		cells[P_MTBF] = mtbf;
		cells[P_MTTR] = mttr;
		cells[P_RECUR] = rec;
		cells[P_LAST] = last;
		table_draw_row(win, r, 0, pat_cols, &l, cells,
		    ui_attr(UC_NORMAL), ui->glyphs);
		if (p->recurring > 0)
			table_draw_cell(win, r, 0, pat_cols, &l, P_RECUR, rec,
			    ui_attr(UC_WARNING), ui->glyphs);
	}
}

static int
pat_command(struct errors *e, struct ui *ui, const char *cmd)
{
	int page = e->ppage > 1 ? e->ppage - 1 : 1;

	if (strcmp(cmd, "up") == 0)
		e->ptop--;
	else if (strcmp(cmd, "down") == 0)
		e->ptop++;
	else if (strcmp(cmd, "page-up") == 0)
		e->ptop -= page;
	else if (strcmp(cmd, "page-down") == 0)
		e->ptop += page;
	else if (strcmp(cmd, "top") == 0)
		e->ptop = 0;
	else if (strcmp(cmd, "bottom") == 0)
		e->ptop = 1 << 20;	/* clamped when drawn */
	else if (strcmp(cmd, "enter") == 0)
		return 1;
	else
		return 0;
	if (e->ptop < 0)
		e->ptop = 0;
	return 1;
}

/* ------------------------------------------------------------------ */
/* The panel */

static void
errors_draw(void *p, struct ui *ui, WINDOW *win, int h, int w)
{
	struct errors *e = p;

	if (h < 1 || w < 1)
		return;
	switch (e->mode) {
	case M_INCIDENTS:
		if (e->idetail)
			inc_draw_detail(e, ui, win, h, w);
		else
			inc_draw_list(e, ui, win, h, w);
		break;
	case M_EVENTS:
		if (e->detail)
			draw_detail(e, ui, win, h, w);
		else
			draw_list(e, ui, win, h, w);
		break;
	default:
		pat_draw(e, ui, win, h, w);
		break;
	}
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

/* Selections start again at the top (the list changed under them). */
static void
reset_lists(struct errors *e)
{
	e->sel = e->top = 0;
	e->sel_id.valid = 0;
	e->isel = e->itop = 0;
	e->isel_id = 0;
	e->ptop = 0;
	e->detail = e->idetail = 0;
}

static int
view_command(struct errors *e, struct ui *ui, int argc, char **argv)
{
	int i;

	if (argc == 1 || strcmp(argv[1], "next") == 0)
		e->mode = (e->mode + 1) % M_COUNT;
	else if (strcmp(argv[1], "prev") == 0)
		e->mode = (e->mode + M_COUNT - 1) % M_COUNT;
	else {
		for (i = 0; i < M_COUNT; i++)
			if (strcmp(argv[1], mode_names[i]) == 0)
				break;
		if (i == M_COUNT) {
			ui_message(1, "usage: view incidents|events|patterns|"
			    "next|prev");
			return 1;
		}
		e->mode = i;
	}
	ui_panel_show("errors");
	return 1;
}

static int
errors_command(void *p, struct ui *ui, int argc, char **argv)
{
	struct errors *e = p;
	int r;

	if (argc < 1)
		return 0;
	if (strcmp(argv[0], "view") == 0)
		return view_command(e, ui, argc, argv);
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
		reset_lists(e);
		if (e->scope_worker && ui->selected[0] == '\0')
			ui_message(0, "errors: no worker selected, showing "
			    "all");
		else
			ui_message(0, "errors of %s", e->scope_worker ?
			    ui->selected : "all workers");
		return 1;
	}
	if (strcmp(argv[0], "find") == 0) {
		join_args(argc, argv, e->find, sizeof e->find);
		reset_lists(e);
		return 1;
	}
	switch (e->mode) {
	case M_INCIDENTS:
		r = inc_command(e, ui, argv[0]);
		break;
	case M_EVENTS:
		r = ev_command(e, ui, argv[0]);
		break;
	default:
		r = pat_command(e, ui, argv[0]);
		break;
	}
	if (r)
		return 1;
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
	if (e->mode == M_INCIDENTS) {
		if (e->idetail)
			return 0;
		inc_rebuild(e, ui);
		row = e->itop + (y - e->list_y);
		if (row >= (int)e->nirows)
			return 0;
		e->isel = row;
		e->isel_id = e->inc[e->irows[row]].id;
		ui->incident = e->isel_id;
		return 1;
	}
	if (e->mode != M_EVENTS)
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

	e->page = e->det_page = e->ipage = e->idet_page = e->ppage = 1;
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
	free(e->irows);
	free(e->prows);
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
