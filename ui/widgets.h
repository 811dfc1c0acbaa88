/*
 * widgets.h -- drawing helpers: text, tables, sparklines, gauges and
 * time-series charts.
 *
 * Each helper draws into the WINDOW it is given, at the position given,
 * and never outside [x, x + w) of that window (nor outside the window);
 * it knows nothing of the console, keeps no state, never refreshes and
 * never allocates (stack buffers only).  enum ui_glyphs picks Unicode
 * glyphs (wide-char ncurses) or plain ASCII; in ASCII mode nothing but
 * printable ASCII is written, and text that is not ASCII shows as '?'.
 * Colours come from the caller (attr) or from the theme (ui_attr).
 */
#ifndef MODELTOP_WIDGETS_H
#define MODELTOP_WIDGETS_H

#include <stddef.h>
#include <stdint.h>

#include "format.h"
#include "ui.h"

/* ------------------------------------------------------------------ */
/* Text */

/* Length argument meaning "up to the NUL". */
#define WIDGET_NUL	((size_t)-1)

/* Draw s (len bytes, or WIDGET_NUL) at (y, x), at most maxw columns, with
 * attr.  UTF-8 is decoded (wide characters count two columns); control
 * characters, NUL bytes, invalid UTF-8 and, in ASCII mode, anything not
 * ASCII show as '?'.  Text past maxw is cut.  Returns the columns drawn. */
int widget_text(WINDOW *win, int y, int x, int maxw, const char *s,
    size_t len, attr_t attr, enum ui_glyphs g);

/* Draw s right-aligned in the w columns starting at x (cut on the left
 * when it does not fit: the end of a number matters more).  Returns the
 * columns drawn. */
int widget_text_right(WINDOW *win, int y, int x, int w, const char *s,
    attr_t attr, enum ui_glyphs g);

/* The display width of s (len bytes or WIDGET_NUL) as widget_text draws
 * it. */
int widget_text_width(const char *s, size_t len, enum ui_glyphs g);

/* Blank w columns from (y, x) with attr. */
void widget_fill(WINDOW *win, int y, int x, int w, attr_t attr);

/* A horizontal rule of w columns ('─' or '-'). */
void widget_hline(WINDOW *win, int y, int x, int w, attr_t attr,
    enum ui_glyphs g);

/* A box with corners at (y, x) and (y + h - 1, x + w - 1), with title
 * (may be NULL) on its top edge.  Needs h >= 2 and w >= 2; the inside is
 * blanked. */
void widget_box(WINDOW *win, int y, int x, int h, int w, const char *title,
    attr_t attr, enum ui_glyphs g);

/* ------------------------------------------------------------------ */
/* Tables */

#define TABLE_MAX_COLS	32

/* One column.  A panel keeps a static const array of these. */
struct table_col {
	const char	*title;
	int		 min;		/* narrowest usable width */
	int		 pref;		/* preferred width (>= min) */
	int		 right;		/* right-aligned (numbers) */
	int		 flex;		/* weight in the share of spare width */
	int		 drop;		/* 0: always shown; otherwise dropped
					   when the width is short, highest
					   drop first */
};

/* Where the columns went.  w[i] == 0: column i is not shown. */
struct table_layout {
	int		 ncols;
	int		 x[TABLE_MAX_COLS];	/* offset from the table's x */
	int		 w[TABLE_MAX_COLS];
	int		 width;			/* the width laid out into */
};

/*
 * Fit n (at most TABLE_MAX_COLS) columns into width columns with one
 * space between shown columns: drop optional columns (highest drop first)
 * until the minimum widths fit, then grow each toward its preferred width
 * (left to right), then share what is left among flex columns by weight.
 * When even the columns that are never dropped do not fit, the last ones
 * are cut at the right edge.  Returns the number of columns shown.
 */
int table_layout(const struct table_col *cols, int n, int width,
    struct table_layout *out);

/* Draw the column titles on row y from x, filling the table's width with
 * attr; the title of column sort_col (-1: none) gets an arrow, '▲'/'▼'
 * (ASCII '^'/'v'), pointing down for sort_reverse == 0 ("largest
 * first"). */
void table_draw_header(WINDOW *win, int y, int x,
    const struct table_col *cols, const struct table_layout *l,
    int sort_col, int sort_reverse, attr_t attr, enum ui_glyphs g);

/* Draw text in column col of row y (aligned, cut to the column width).
 * A hidden column draws nothing. */
void table_draw_cell(WINDOW *win, int y, int x,
    const struct table_col *cols, const struct table_layout *l, int col,
    const char *text, attr_t attr, enum ui_glyphs g);

/* Fill row y across the table's width with attr and draw cells[i] (NULL:
 * leave blank, for a sparkline or gauge the caller draws at l->x[i]) in
 * every shown column. */
void table_draw_row(WINDOW *win, int y, int x, const struct table_col *cols,
    const struct table_layout *l, const char *const *cells, attr_t attr,
    enum ui_glyphs g);

/* The first row to show so that row sel of n stays visible in a list of
 * rows lines that showed from top last time; scrolls as little as
 * possible.  Returns a value in [0, max(0, n - rows)]. */
int table_scroll(int sel, int n, int rows, int top);

/* Move a selection sel in a list of n rows for a navigation command:
 * "up", "down", "page-up", "page-down" (by page rows), "top", "bottom".
 * Returns the new selection, clamped to [0, n - 1] (0 when n is 0), or -1
 * when cmd is none of those. */
int table_select(int sel, int n, int page, const char *cmd);

/* ------------------------------------------------------------------ */
/* Sparklines and gauges */

/* Which of levels (>= 2) steps v takes between lo and hi: 0 at lo (or
 * below), levels - 1 at hi (or above), rounded; when hi <= lo, 0 for
 * v == 0 and levels / 2 otherwise.  -1 for NAN. */
int spark_level(double v, double lo, double hi, int levels);

/* A sparkline of the last w of the n values v (oldest first) in w
 * columns from (y, x), right-aligned when n < w.  lo/hi NAN: scaled to
 * the minimum and maximum shown.  Unicode uses ▁▂▃▄▅▆▇█ (8 levels),
 * ASCII "_.-=#" (5 levels); NAN values are blank. */
void spark_draw(WINDOW *win, int y, int x, int w, const double *v,
    size_t n, double lo, double hi, attr_t attr, enum ui_glyphs g);

/* Gauge thresholds: below MID is low, below HIGH is mid, else high. */
#define GAUGE_MID	0.70
#define GAUGE_HIGH	0.90

/* The colour role of a gauge at frac: UC_GAUGE_LOW, _MID or _HIGH. */
enum ui_color gauge_color(double frac);

/* A usage bar for frac (clamped to [0, 1]; NAN: an empty bar) in w
 * columns from (y, x), coloured by gauge_color.  Unicode fills with full
 * and eighth blocks (w columns); ASCII draws "[###   ]" (w - 2 inside).
 * label (may be NULL) is drawn centred over the bar: reversed over the
 * filled part. */
void gauge_draw(WINDOW *win, int y, int x, int w, double frac,
    const char *label, enum ui_glyphs g);

/* ------------------------------------------------------------------ */
/* Charts */

struct chart_point {
	int64_t		 ts_ms;
	double		 v;		/* NAN: a gap */
};

enum chart_style {
	CHART_BRAILLE,		/* 2x4 dots per cell, U+2800 */
	CHART_BLOCKS,		/* area under the line, eighth blocks */
	CHART_ASCII,		/* '*' samples, '.' joins, '|' steep joins */
};

/* The chart style for a glyph set: ASCII always for UG_ASCII, else
 * blocks when blocks is set, braille otherwise. */
enum chart_style chart_style_for(enum ui_glyphs g, int blocks);

/* Widest plot a chart draws: wider rectangles are left blank at the
 * right. */
#define CHART_MAX_W	512

struct chart {
	int64_t		 from_ms, to_ms;	/* the time window shown */
	int64_t		 interval_ms;	/* sample spacing; points further
					   apart than 2 intervals are not
					   joined (0: always joined) */
	const struct chart_point *pts;	/* oldest first */
	size_t		 npts;
	double		 ymin, ymax;	/* NAN: the data's range */
	fmt_fn		 yfmt;		/* y labels; NULL: fmt_number */
	enum chart_style style;
	int		 axes;		/* y labels, axis, time labels */
	attr_t		 attr;		/* the line */
	attr_t		 axis_attr;	/* labels and axis */
};

/* Where the plot went inside the rectangle, and its y range. */
struct chart_area {
	int		 y, x, h, w;
	double		 ymin, ymax;
};

/*
 * Draw c in the h x w rectangle at (y, x).  With axes, the left columns
 * hold y labels (top: ymax, bottom: ymin, middle when there is room) and
 * the bottom row the times of the window's ends (and middle); the rest
 * is the plot.  Points outside [from_ms, to_ms] are ignored; between two
 * points at most 2 intervals apart the line is joined (interpolated);
 * a NAN or a longer gap leaves the columns between empty.  Several points
 * in one column show as a vertical span (min..max).  No points: the plot
 * stays blank.  plot (may be NULL) receives the plot rectangle.
 */
void chart_draw(WINDOW *win, int y, int x, int h, int w,
    const struct chart *c, struct chart_area *plot);

#endif
