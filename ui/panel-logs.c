/*
 * panel-logs.c -- the selected worker's log, as the engine read it:
 *
 *	Log of errors: 212 lines  following                find "Value": 3
 *	07:52:01 exception  Traceback (most recent call last):
 *	07:52:01 exception    File "worker.py", line 88, in handle
 *	07:52:01            INFO 200 POST /v1/generate 31ms
 *
 * Followed live: the newest line stays at the bottom until the user
 * scrolls up ("up", "page-up", "top"); "bottom" (End) follows again.
 * Lines a classification rule matched are highlighted (UC_MATCH) with
 * their class in the gutter, coloured by severity.  "find TEXT" jumps to
 * the newest line holding TEXT (any case) and highlights every hit;
 * "find-next" and "find-prev" step to the next match below and above,
 * wrapping.  Long lines end in a marker; "left" and "right" scroll them.
 *
 * The view keeps a bounded window of lines (it drops the oldest in
 * blocks), so the place the user scrolled to is kept as the identity of
 * its top line, found again each frame.  Nothing is allocated per frame.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"
#include "widgets.h"

#define HSTEP		8	/* columns per left/right */

/* A line found again across view calls by its number (a text may be at
 * another place in each call); its time and length as a check. */
struct lineid {
	int		 set;		/* 0: none */
	uint64_t	 seq;
	int64_t		 ts_ms;
	size_t		 len;
};

struct logs {
	char		 worker[256];	/* whose log was shown last */
	int		 follow;	/* stick to the newest line */
	struct lineid	 top;		/* first line shown, when not following */
	int		 topi;		/* its index last time */
	int		 hscroll;	/* columns scrolled right */
	char		 find[128];
	struct lineid	 cur;		/* the current match, if set */
	int		 rows;		/* lines shown last time (a page) */
};

/* ------------------------------------------------------------------ */
/* Helpers */

/* The first case-insensitive occurrence of needle (nlen > 0) in s (len
 * bytes, not NUL-terminated), or -1. */
static long
ci_find(const char *s, size_t len, const char *needle, size_t nlen)
{
	size_t i, k;

	if (nlen == 0 || nlen > len)
		return -1;
	for (i = 0; i + nlen <= len; i++) {
		for (k = 0; k < nlen; k++)
			if (tolower((unsigned char)s[i + k]) !=
			    tolower((unsigned char)needle[k]))
				break;
		if (k == nlen)
			return (long)i;
	}
	return -1;
}

static int
has_find(const struct logs *g, const struct view_log_line *l)
{
	return g->find[0] != '\0' && ci_find(l->text, l->len, g->find,
	    strlen(g->find)) >= 0;
}

static void
lineid_set(struct lineid *id, const struct view_log_line *l)
{
	id->set = 1;
	id->seq = l->seq;
	id->ts_ms = l->ts_ms;
	id->len = l->len;
}

static int
lineid_is(const struct lineid *id, const struct view_log_line *l)
{
	return id->set && id->seq == l->seq && id->ts_ms == l->ts_ms &&
	    id->len == l->len;
}

/* The index of id among the n lines, or -1.  Looked for near hint
 * first: it moves only when the view drops old lines. */
static int
lineid_find(const struct lineid *id, const struct view_log_line *lines,
    int n, int hint)
{
	int i;

	if (!id->set)
		return -1;
	if (hint >= 0 && hint < n && lineid_is(id, &lines[hint]))
		return hint;
	for (i = n - 1; i >= 0; i--)
		if (lineid_is(id, &lines[i]))
			return i;
	return -1;
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

/* The byte offset in s (len bytes) where display column col starts (a
 * wide character cut in two is skipped whole). */
static size_t
skip_cols(const char *s, size_t len, int col, enum ui_glyphs g)
{
	size_t i = 0, k;

	while (i < len && col > 0) {
		k = seq_len(s + i, len - i);
		col -= widget_text_width(s + i, k, g);
		i += k;
	}
	return i;
}

static enum ui_color
sev_color(int severity)
{
	return severity >= 2 ? UC_CRITICAL : severity == 1 ? UC_WARNING :
	    UC_INFO;
}

/* ------------------------------------------------------------------ */
/* Positions */

/* The lines of the selected worker; resets the panel when the worker
 * changed since the last call. */
static size_t
lines_of(struct logs *g, struct ui *ui, const struct view_log_line **out)
{
	if (strcmp(g->worker, ui->selected) != 0) {
		util_strlcpy(g->worker, ui->selected, sizeof g->worker);
		g->follow = 1;
		g->top.set = 0;
		g->cur.set = 0;
		g->hscroll = 0;
	}
	if (ui->selected[0] == '\0') {
		*out = NULL;
		return 0;
	}
	return view_log(ui->view, ui->selected, out);
}

/* The first line shown for n lines in rows rows. */
static int
top_index(struct logs *g, const struct view_log_line *lines, int n,
    int rows)
{
	int max = n > rows ? n - rows : 0, t;

	if (g->follow)
		return max;
	t = lineid_find(&g->top, lines, n, g->topi);
	if (t == -1)
		t = 0;	/* dropped by the view: the oldest left */
	if (t > max)
		t = max;
	return t;
}

/* Show from line t: following again when that is the end. */
static void
set_top(struct logs *g, const struct view_log_line *lines, int n, int t)
{
	int max = n > g->rows ? n - g->rows : 0;

	if (t < 0)
		t = 0;
	if (t >= max) {
		g->follow = 1;
		g->top.set = 0;
		return;
	}
	g->follow = 0;
	g->topi = t;
	lineid_set(&g->top, &lines[t]);
}

/* ------------------------------------------------------------------ */
/* Drawing */

/* Draw s (len bytes) from column x of win, w columns, with the hits of
 * find reversed, starting display column hscroll of the text; a marker
 * at either end where text is cut. */
static void
draw_text(struct logs *g, struct ui *ui, WINDOW *win, int y, int x, int w,
    const char *s, size_t len, attr_t attr)
{
	const char *more = ui->glyphs == UG_ASCII ? ">" : "\u2026";
	const char *less = ui->glyphs == UG_ASCII ? "<" : "\u2026";
	size_t start, pos, flen = strlen(g->find), end;
	long hit;
	int used = 0, cut;

	if (w <= 0)
		return;
	start = skip_cols(s, len, g->hscroll, ui->glyphs);
	if (g->hscroll > 0 && len > 0) {
		used = widget_text(win, y, x, 1, less, WIDGET_NUL,
		    ui_attr(UC_DIM), ui->glyphs);
		/* the character under the marker is not shown */
		if (start < len)
			start += seq_len(s + start, len - start);
	}
	cut = widget_text_width(s + start, len - start, ui->glyphs) >
	    w - used;
	/* Hits that began before the scroll position are not marked. */
	for (pos = start; pos < len && used < w - cut; pos = end + flen) {
		hit = flen > 0 ? ci_find(s + pos, len - pos, g->find, flen) :
		    -1;
		end = hit >= 0 ? pos + (size_t)hit : len;
		used += widget_text(win, y, x + used, w - cut - used, s + pos,
		    end - pos, attr, ui->glyphs);
		if (hit < 0 || used >= w - cut)
			break;
		used += widget_text(win, y, x + used, w - cut - used, s + end,
		    flen, attr | A_REVERSE, ui->glyphs);
	}
	if (cut)
		widget_text(win, y, x + w - 1, 1, more, WIDGET_NUL,
		    ui_attr(UC_DIM), ui->glyphs);
}

/* The gutter's widths for the lines from t, rows of them: the time the
 * line was read on wide screens, and the widest class of the matched
 * lines shown (a mark's width when only the current match needs one). */
static void
gutter(const struct view_log_line *lines, int n, int t, int rows, int cur,
    int w, int *tw, int *cw)
{
	int i, k, max = w >= 60 ? 12 : 8;

	*tw = w >= 120 ? 9 : 0;
	*cw = 0;
	for (i = t; i < n && i < t + rows; i++) {
		if (!lines[i].matched)
			continue;
		k = (int)strlen(lines[i].cls != NULL &&
		    lines[i].cls[0] != '\0' ? lines[i].cls : "match") + 1;
		if (k > *cw)
			*cw = k;
	}
	if (*cw > max)
		*cw = max;
	if (*cw == 0 && *tw == 0 && cur >= t && cur < t + rows)
		*cw = 2;
	if (*tw + *cw > w / 2)
		*tw = 0;
	if (*cw > w / 3)
		*cw = w >= 6 ? 2 : 0;
}

static void
draw_line(struct logs *g, struct ui *ui, WINDOW *win, int y, int w,
    int tw, int cw, const struct view_log_line *l, int current)
{
	char t[FMT_MAX];
	attr_t a = ui_attr(l->matched ? UC_MATCH : UC_NORMAL);
	int x = 0;

	if (tw > 0) {
		fmt_time_hms(l->ts_ms, t, sizeof t);
		widget_text(win, y, 0, tw - 1, t, WIDGET_NUL,
		    ui_attr(current ? UC_SELECTED : UC_DIM), ui->glyphs);
		x = tw;
	}
	if (cw > 0) {
		/* the current find match marked where the time does not
		 * show it; else the class of a matched line, coloured by its
		 * severity */
		if (current && tw == 0)
			widget_text(win, y, x, 1, ">", WIDGET_NUL,
			    ui_attr(UC_SELECTED), ui->glyphs);
		else if (l->matched && cw > 2)
			widget_text(win, y, x, cw - 1, l->cls != NULL &&
			    l->cls[0] != '\0' ? l->cls : "match", WIDGET_NUL,
			    ui_attr(sev_color(l->severity)), ui->glyphs);
		else if (l->matched)
			widget_text(win, y, x, 1, "!", WIDGET_NUL,
			    ui_attr(sev_color(l->severity)), ui->glyphs);
		x += cw;
	}
	draw_text(g, ui, win, y, x, w - x, l->text, l->len, a);
}

static void
logs_draw(void *p, struct ui *ui, WINDOW *win, int h, int w)
{
	struct logs *g = p;
	const struct view_log_line *lines;
	char title[512], right[200];
	int n, rows, t, r, cur, x, matches = 0, i, tw, cw;

	if (h < 1 || w < 1)
		return;
	n = (int)lines_of(g, ui, &lines);
	rows = h - 1;
	g->rows = rows > 0 ? rows : 1;
	if (ui->selected[0] == '\0') {
		widget_text(win, 0, 0, w, "Log: no worker selected (select "
		    "one in the fleet)", WIDGET_NUL, ui_attr(UC_TITLE),
		    ui->glyphs);
		return;
	}
	t = top_index(g, lines, n, rows);
	/* Scrolled back down to the newest line (or a taller window shows
	 * it): following again. */
	if (!g->follow && t >= (n > rows ? n - rows : 0)) {
		g->follow = 1;
		g->top.set = 0;
	}
	if (!g->follow)
		g->topi = t;
	cur = lineid_find(&g->cur, lines, n, -1);
	if (g->find[0] != '\0')
		for (i = 0; i < n; i++)
			matches += has_find(g, &lines[i]);

	snprintf(title, sizeof title, "Log of %s: %d line%s  %s", ui->selected,
	    n, n == 1 ? "" : "s", g->follow ? "following" :
	    "scrolled (End follows)");
	x = widget_text(win, 0, 0, w, title, WIDGET_NUL, ui_attr(UC_TITLE),
	    ui->glyphs);
	if (g->find[0] != '\0')
		snprintf(right, sizeof right, "find \"%s\": %d%s", g->find,
		    matches, g->hscroll > 0 ? "  <-" : "");
	else
		snprintf(right, sizeof right, "%s%s",
		    w - x > 50 ? ":find TEXT  n/N matches" : "",
		    g->hscroll > 0 ? "  <-" : "");
	if (w - x > 2)
		widget_text_right(win, 0, x + 1, w - x - 1, right,
		    ui_attr(g->find[0] != '\0' ? UC_MATCH : UC_DIM),
		    ui->glyphs);
	if (rows < 1)
		return;
	if (n == 0) {
		widget_text(win, 1, 1, w - 1, "no log lines (the worker needs "
		    "log = FILE in its [worker] section)", WIDGET_NUL,
		    ui_attr(UC_DIM), ui->glyphs);
		return;
	}
	gutter(lines, n, t, rows, cur, w, &tw, &cw);
	for (r = 0; r < rows && t + r < n; r++)
		draw_line(g, ui, win, 1 + r, w, tw, cw, &lines[t + r],
		    t + r == cur);
}

/* ------------------------------------------------------------------ */
/* Commands */

/* Make line i the current match and bring it into view. */
static void
goto_line(struct logs *g, const struct view_log_line *lines, int n, int i)
{
	int t, max = n > g->rows ? n - g->rows : 0;

	lineid_set(&g->cur, &lines[i]);
	t = top_index(g, lines, n, g->rows);
	if (i >= t && i < t + g->rows)
		return;
	t = i - g->rows / 2;
	if (t > max)
		t = max;
	set_top(g, lines, n, t);
}

/* The match after (dir 1) or before (dir -1) the current one, wrapping;
 * with no current match, the newest. */
static void
step_match(struct logs *g, struct ui *ui, int dir)
{
	const struct view_log_line *lines;
	int n, from, i, k;

	n = (int)lines_of(g, ui, &lines);
	if (g->find[0] == '\0') {
		ui_message(0, "no search yet: :find TEXT");
		return;
	}
	from = lineid_find(&g->cur, lines, n, -1);
	for (k = 1; k <= n; k++) {
		if (from == -1)
			i = n - k;
		else
			i = ((from + dir * k) % n + n) % n;
		if (!has_find(g, &lines[i]))
			continue;
		if (from != -1 && (dir > 0 ? i <= from : i >= from))
			ui_message(0, "find \"%s\": wrapped", g->find);
		goto_line(g, lines, n, i);
		return;
	}
	ui_message(0, "find \"%s\": not in %s's log", g->find,
	    ui->selected[0] != '\0' ? ui->selected : "the");
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
logs_command(void *p, struct ui *ui, int argc, char **argv)
{
	struct logs *g = p;
	const struct view_log_line *lines;
	int n, t, page;
	const char *cmd;

	if (argc < 1)
		return 0;
	cmd = argv[0];
	if (strcmp(cmd, "find") == 0) {
		join_args(argc, argv, g->find, sizeof g->find);
		g->cur.set = 0;
		if (g->find[0] != '\0')
			step_match(g, ui, -1);
		return 1;
	}
	if (strcmp(cmd, "find-next") == 0 || strcmp(cmd, "find-prev") == 0) {
		step_match(g, ui, cmd[5] == 'n' ? 1 : -1);
		return 1;
	}
	n = (int)lines_of(g, ui, &lines);
	t = top_index(g, lines, n, g->rows);
	page = g->rows > 1 ? g->rows - 1 : 1;
	if (strcmp(cmd, "up") == 0)
		set_top(g, lines, n, t - 1);
	else if (strcmp(cmd, "down") == 0)
		set_top(g, lines, n, t + 1);
	else if (strcmp(cmd, "page-up") == 0)
		set_top(g, lines, n, t - page);
	else if (strcmp(cmd, "page-down") == 0)
		set_top(g, lines, n, t + page);
	else if (strcmp(cmd, "top") == 0) {
		/* All of it fits: nothing to scroll, keep following. */
		if (n > g->rows)
			set_top(g, lines, n, 0);
	} else if (strcmp(cmd, "bottom") == 0 || strcmp(cmd, "follow") == 0) {
		g->follow = 1;
		g->top.set = 0;
	} else if (strcmp(cmd, "left") == 0) {
		g->hscroll = g->hscroll > HSTEP ? g->hscroll - HSTEP : 0;
	} else if (strcmp(cmd, "right") == 0) {
		if (g->hscroll < 1000)
			g->hscroll += HSTEP;
	} else if (strcmp(cmd, "enter") == 0) {
		;
	} else if (strcmp(cmd, "back") == 0) {
		/* Esc: the search first, then the scroll, then the console's
		 * back. */
		if (g->find[0] != '\0') {
			g->find[0] = '\0';
			g->cur.set = 0;
		} else if (g->hscroll > 0)
			g->hscroll = 0;
		else
			return 0;
	} else
		return 0;
	return 1;
}

static int
logs_click(void *p, struct ui *ui, int y, int x)
{
	return 0;
}

static void *
logs_create(struct ui *ui)
{
	struct logs *g = xcalloc(1, sizeof *g);

	g->follow = 1;
	g->rows = 1;
	return g;
}

static void
logs_destroy(void *p)
{
	free(p);
}

const struct panel_ops panel_logs_ops = {
	"logs",
	"Logs",
	logs_create,
	logs_destroy,
	logs_draw,
	logs_command,
	logs_click,
};
