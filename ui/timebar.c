/*
 * timebar.c -- the replay time bar.
 */
#include "timebar.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "widgets.h"

#define TRACK_MIN	10	/* columns; a narrower track is left out */

struct timebar {
	WINDOW			*win;
	int			 y, cols;
	int			 track_x, track_w;	/* as last drawn */
	struct timebar_input	 in;
	char			*cells;
	size_t			 ccap;
};

/* ------------------------------------------------------------------ */
/* Times and columns */

static int64_t
col_start(const struct timebar_input *in, int w, int c)
{
	int64_t span = in->last_ms - in->first_ms;

	return in->first_ms + (int64_t)((double)span * c / w);
}

int
timebar_column(const struct timebar_input *in, int w, int64_t t)
{
	int64_t span = in->last_ms - in->first_ms;
	double c;

	if (w <= 1 || span <= 0)
		return w > 0 ? w - 1 : 0;
	if (t <= in->first_ms)
		return 0;
	c = (double)(t - in->first_ms) * w / (double)span;
	return c >= w ? w - 1 : (int)c;
}

int64_t
timebar_time(const struct timebar_input *in, int w, int col)
{
	if (col <= 0 || w <= 1)
		return col >= w - 1 && w > 1 ? in->last_ms : in->first_ms;
	if (col >= w - 1)
		return in->last_ms;
	return (col_start(in, w, col) + col_start(in, w, col + 1)) / 2;
}

void
timebar_cells(const struct timebar_input *in, int w, char *cells)
{
	static const char sev[] = { 'I', 'W', 'C' };
	int64_t lo, hi, a, b;
	size_t i;
	int c, s, k;

	if (w <= 0)
		return;
	memset(cells, '=', (size_t)w);
	if (in->last_ms > in->first_ms) {
		for (c = 0; c < w; c++) {
			lo = col_start(in, w, c);
			hi = col_start(in, w, c + 1);
			for (i = 0; i < in->ngaps; i++) {
				/* the gap is the time strictly between its
				 * two ticks */
				a = in->gaps[i].from_ms > lo ?
				    in->gaps[i].from_ms : lo;
				b = in->gaps[i].to_ms < hi ?
				    in->gaps[i].to_ms : hi;
				if (b <= a)
					continue;
				if (b - a >= hi - lo) {
					cells[c] = ' ';
					break;
				}
				cells[c] = '-';
			}
		}
	}
	for (i = 0; i < in->nmarks; i++) {
		c = timebar_column(in, w, in->marks[i].ts_ms);
		s = in->marks[i].severity;
		s = s < 0 ? 0 : s > 2 ? 2 : s;
		for (k = 0; k < 3 && cells[c] != sev[k]; k++)
			;
		if (k == 3 || k < s)
			cells[c] = sev[s];
	}
	cells[timebar_column(in, w, in->t_ms)] = '|';
}

/* ------------------------------------------------------------------ */
/* The window */

struct timebar *
timebar_new(void)
{
	struct timebar *tb = xcalloc(1, sizeof *tb);

	tb->y = -1;
	return tb;
}

void
timebar_place(struct timebar *tb, int y, int cols)
{
	if (tb->win != NULL)
		delwin(tb->win);
	tb->win = NULL;
	tb->y = -1;
	tb->track_w = 0;
	if (y < 0 || cols <= 0)
		return;
	if ((tb->win = newwin(1, cols, y, 0)) == NULL)
		fatal("newwin %dx1 at 0,%d failed", cols, y);
	leaveok(tb->win, TRUE);
	tb->y = y;
	tb->cols = cols;
}

void
timebar_free(struct timebar *tb)
{
	if (tb == NULL)
		return;
	if (tb->win != NULL)
		delwin(tb->win);
	free(tb->cells);
	free(tb);
}

int
timebar_row(const struct timebar *tb)
{
	return tb->y;
}

static void
fmt_local(int64_t ms, const char *fmt, char *buf, size_t len)
{
	time_t s = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;

	if (localtime_r(&s, &tm) == NULL || strftime(buf, len, fmt, &tm) == 0)
		snprintf(buf, len, "-");
}

static int
same_day(int64_t a, int64_t b)
{
	char x[16], y[16];

	fmt_local(a, "%Y-%m-%d", x, sizeof x);
	fmt_local(b, "%Y-%m-%d", y, sizeof y);
	return strcmp(x, y) == 0;
}

static int
in_gap(const struct timebar_input *in)
{
	size_t i;

	for (i = 0; i < in->ngaps; i++) {
		if (in->t_ms > in->gaps[i].from_ms &&
		    in->t_ms < in->gaps[i].to_ms)
			return 1;
	}
	return 0;
}

static int
put(struct timebar *tb, struct ui *ui, int x, const char *s,
    enum ui_color role)
{
	if (x >= tb->cols)
		return 0;
	return widget_text(tb->win, 0, x, tb->cols - x, s, WIDGET_NUL,
	    ui_attr(role), ui->glyphs);
}

static void
draw_track(struct timebar *tb, struct ui *ui, int x, int w)
{
	int ascii = ui->glyphs == UG_ASCII, c;
	const char *g;
	enum ui_color role;

	tb->cells = xgrow(tb->cells, &tb->ccap, (size_t)w, 1);
	timebar_cells(&tb->in, w, tb->cells);
	for (c = 0; c < w; c++) {
		switch (tb->cells[c]) {
		case ' ':
			g = ascii ? "." : "\u00b7";
			role = UC_DIM;
			break;
		case '-':
			g = ascii ? ":" : "\u254c";
			role = UC_DIM;
			break;
		case 'I':
		case 'W':
		case 'C':
			g = ascii ? "!" : "\u25bc";
			role = tb->cells[c] == 'C' ? UC_CRITICAL :
			    tb->cells[c] == 'W' ? UC_WARNING : UC_INFO;
			break;
		case '|':
			g = ascii ? "|" : "\u2503";
			role = UC_SELECTED;
			break;
		default:
			g = ascii ? "=" : "\u2501";
			role = UC_CHART;
			break;
		}
		widget_text(tb->win, 0, x + c, 1, g, WIDGET_NUL, ui_attr(role),
		    ui->glyphs);
	}
	tb->track_x = x;
	tb->track_w = w;
}

void
timebar_draw(struct timebar *tb, struct ui *ui)
{
	struct view_play p;
	char state[32], now[40], a[24], b[24];
	const char *dfmt;
	int x = 0, rc, lw, rw, gap;

	if (tb->win == NULL)
		return;
	widget_fill(tb->win, 0, 0, tb->cols, ui_attr(UC_NORMAL));
	tb->track_w = 0;
	view_play(ui->view, &p);
	if (p.follow)
		snprintf(state, sizeof state, " FOLLOW ");
	else if (p.playing)
		snprintf(state, sizeof state, " %s x%d ", p.reverse ?
		    (ui->glyphs == UG_ASCII ? "<<" : "\u25c0") :
		    (ui->glyphs == UG_ASCII ? ">>" : "\u25b6"), p.speed);
	else
		snprintf(state, sizeof state, " PAUSED ");
	x += put(tb, ui, x, state, p.follow ? UC_UP : p.playing ? UC_WARNING :
	    UC_TITLE);
	memset(&tb->in, 0, sizeof tb->in);
	tb->in.t_ms = view_time(ui->view);
	rc = view_span(ui->view, &tb->in.first_ms, &tb->in.last_ms);
	fmt_local(tb->in.t_ms, " %Y-%m-%d %H:%M:%S ", now, sizeof now);
	x += put(tb, ui, x, now, UC_HEADER);
	if (rc != 0) {
		put(tb, ui, x + 1, rc > 0 ? "no samples yet" : "", UC_DIM);
		wnoutrefresh(tb->win);
		return;
	}
	tb->in.ngaps = view_gaps(ui->view, &tb->in.gaps);
	tb->in.nmarks = view_marks(ui->view, &tb->in.marks);
	gap = in_gap(&tb->in);
	if (gap)
		x += put(tb, ui, x, " GAP ", UC_WARNING);
	x++;
	dfmt = same_day(tb->in.first_ms, tb->in.last_ms) ? "%H:%M" :
	    "%m-%d %H:%M";
	fmt_local(tb->in.first_ms, dfmt, a, sizeof a);
	fmt_local(tb->in.last_ms, dfmt, b, sizeof b);
	lw = (int)strlen(a) + 1;
	rw = (int)strlen(b) + 2;
	if (tb->cols - x - lw - rw < TRACK_MIN)
		lw = rw = 1;	/* no room for the ends' times */
	if (tb->cols - x - lw - rw < TRACK_MIN) {
		wnoutrefresh(tb->win);
		return;
	}
	if (lw > 1)
		put(tb, ui, x, a, UC_DIM);
	draw_track(tb, ui, x + lw, tb->cols - x - lw - rw);
	if (rw > 1)
		put(tb, ui, tb->cols - rw + 1, b, UC_DIM);
	wnoutrefresh(tb->win);
}

int
timebar_click(struct timebar *tb, struct ui *ui, int x)
{
	if (tb->track_w <= 0 || x < tb->track_x ||
	    x >= tb->track_x + tb->track_w)
		return 0;
	view_seek(ui->view, timebar_time(&tb->in, tb->track_w,
	    x - tb->track_x));
	return 1;
}
