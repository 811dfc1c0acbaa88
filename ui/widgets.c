/*
 * widgets.c -- text, tables, sparklines, gauges and charts drawn straight
 * into a curses window.  Nothing here allocates: every row is assembled
 * in a stack buffer and written with one call, which keeps a full fleet
 * frame cheap.
 */
#include "widgets.h"

#include <limits.h>
#include <stdio.h>
#include <math.h>
#include <string.h>
#include <wchar.h>

#define CHUNK		256	/* wide characters per waddnwstr call */

/* ------------------------------------------------------------------ */
/* Characters */

static void
pen_set(WINDOW *win, attr_t attr)
{
	wattr_set(win, attr & ~A_COLOR, (short)PAIR_NUMBER(attr), NULL);
}

static void
pen_reset(WINDOW *win)
{
	wattr_set(win, A_NORMAL, 0, NULL);
}

/* Put one character at (y, x); the caller has clipped. */
static void
put_wc(WINDOW *win, int y, int x, wchar_t c, attr_t attr)
{
	cchar_t cc;
	wchar_t s[2];

	s[0] = c;
	s[1] = L'\0';
	setcchar(&cc, s, attr & ~A_COLOR, (short)PAIR_NUMBER(attr), NULL);
	mvwadd_wch(win, y, x, &cc);
}

/* Clip a run of w columns at (y, x) to win.  Returns the columns left
 * (0 when nothing is visible). */
static int
clip(WINDOW *win, int y, int x, int w)
{
	int wh, ww;

	if (win == NULL)
		return 0;
	getmaxyx(win, wh, ww);
	if (y < 0 || y >= wh || x < 0 || x >= ww || w <= 0)
		return 0;
	return w < ww - x ? w : ww - x;
}

/*
 * Decode the glyph at s[*i] (len bytes) as drawn: *wc the character,
 * return its width in columns (0 for a combining mark).  Bad bytes,
 * controls and, in ASCII mode, anything not ASCII become '?'.
 */
static int
next_glyph(const char *s, size_t len, size_t *i, enum ui_glyphs g,
    wchar_t *wc)
{
	const unsigned char *p = (const unsigned char *)s + *i;
	size_t left = len - *i, n, k;
	uint32_t c;
	int cw;

	if (p[0] < 0x80) {
		(*i)++;
		*wc = (p[0] < 0x20 || p[0] == 0x7f) ? L'?' : (wchar_t)p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		c = p[0] & 0x07;
	} else
		goto bad;
	if (left < n)
		goto bad;
	for (k = 1; k < n; k++) {
		if ((p[k] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (p[k] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 ||
	    c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
		goto bad;
	*i += n;
	if (g == UG_ASCII || c < 0xa0) {
		*wc = L'?';
		return 1;
	}
	cw = wcwidth((wchar_t)c);
	if (cw < 0) {
		*wc = L'?';
		return 1;
	}
	*wc = (wchar_t)c;
	return cw;
bad:
	(*i)++;
	*wc = L'?';
	return 1;
}

int
widget_text_width(const char *s, size_t len, enum ui_glyphs g)
{
	size_t i = 0;
	wchar_t wc;
	int w = 0;

	if (s == NULL)
		return 0;
	if (len == WIDGET_NUL)
		len = strlen(s);
	while (i < len)
		w += next_glyph(s, len, &i, g, &wc);
	return w;
}

/* Draw from byte skip of s, at most maxw columns (maxw already clipped). */
static int
text_draw(WINDOW *win, int y, int x, int maxw, const char *s, size_t len,
    attr_t attr, enum ui_glyphs g)
{
	wchar_t buf[CHUNK + 1], wc;
	size_t i = 0, n = 0;
	int cols = 0, cw, started = 0;

	pen_set(win, attr);
	wmove(win, y, x);
	while (i < len) {
		size_t save = i;

		cw = next_glyph(s, len, &i, g, &wc);
		if (cols + cw > maxw) {
			i = save;
			break;
		}
		if (cw == 0 && n == 0 && !started)
			continue;	/* a combining mark with no base */
		buf[n++] = wc;
		cols += cw;
		if (n == CHUNK) {
			buf[n] = L'\0';
			waddnwstr(win, buf, (int)n);
			n = 0;
			started = 1;
		}
	}
	if (n > 0) {
		buf[n] = L'\0';
		waddnwstr(win, buf, (int)n);
	}
	pen_reset(win);
	return cols;
}

int
widget_text(WINDOW *win, int y, int x, int maxw, const char *s, size_t len,
    attr_t attr, enum ui_glyphs g)
{
	if (s == NULL || (maxw = clip(win, y, x, maxw)) == 0)
		return 0;
	if (len == WIDGET_NUL)
		len = strlen(s);
	return text_draw(win, y, x, maxw, s, len, attr, g);
}

int
widget_text_right(WINDOW *win, int y, int x, int w, const char *s,
    attr_t attr, enum ui_glyphs g)
{
	size_t len, i = 0;
	wchar_t wc;
	int tw, cw;

	if (s == NULL || w <= 0)
		return 0;
	len = strlen(s);
	tw = widget_text_width(s, len, g);
	/* Cut on the left until what is left fits. */
	while (tw > w && i < len) {
		cw = next_glyph(s, len, &i, g, &wc);
		tw -= cw;
	}
	if (x + w - tw < 0)
		return 0;
	return widget_text(win, y, x + w - tw, tw, s + i, len - i, attr, g);
}

void
widget_fill(WINDOW *win, int y, int x, int w, attr_t attr)
{
	if ((w = clip(win, y, x, w)) == 0)
		return;
	mvwhline(win, y, x, ' ' | attr, w);
}

void
widget_hline(WINDOW *win, int y, int x, int w, attr_t attr,
    enum ui_glyphs g)
{
	cchar_t cc;
	wchar_t s[2] = { L'\x2500', L'\0' };

	if ((w = clip(win, y, x, w)) == 0)
		return;
	if (g == UG_ASCII) {
		mvwhline(win, y, x, '-' | attr, w);
		return;
	}
	setcchar(&cc, s, attr & ~A_COLOR, (short)PAIR_NUMBER(attr), NULL);
	mvwhline_set(win, y, x, &cc, w);
}

void
widget_box(WINDOW *win, int y, int x, int h, int w, const char *title,
    attr_t attr, enum ui_glyphs g)
{
	static const wchar_t uni[] = { L'\x250c', L'\x2510', L'\x2514',
	    L'\x2518', L'\x2502' };
	static const wchar_t asc[] = { L'+', L'+', L'+', L'+', L'|' };
	const wchar_t *k = g == UG_ASCII ? asc : uni;
	int r, tw;

	if (h < 2 || w < 2)
		return;
	for (r = 1; r < h - 1; r++) {
		if (clip(win, y + r, x, 1))
			put_wc(win, y + r, x, k[4], attr);
		widget_fill(win, y + r, x + 1, w - 2, A_NORMAL);
		if (clip(win, y + r, x + w - 1, 1))
			put_wc(win, y + r, x + w - 1, k[4], attr);
	}
	widget_hline(win, y, x + 1, w - 2, attr, g);
	widget_hline(win, y + h - 1, x + 1, w - 2, attr, g);
	if (clip(win, y, x, 1))
		put_wc(win, y, x, k[0], attr);
	if (clip(win, y, x + w - 1, 1))
		put_wc(win, y, x + w - 1, k[1], attr);
	if (clip(win, y + h - 1, x, 1))
		put_wc(win, y + h - 1, x, k[2], attr);
	if (clip(win, y + h - 1, x + w - 1, 1))
		put_wc(win, y + h - 1, x + w - 1, k[3], attr);
	if (title != NULL && *title != '\0' && w > 6) {
		widget_text(win, y, x + 1, 1, " ", WIDGET_NUL, attr, g);
		tw = widget_text(win, y, x + 2, w - 5, title, WIDGET_NUL,
		    attr | A_BOLD, g);
		widget_text(win, y, x + 2 + tw, 1, " ", WIDGET_NUL, attr, g);
	}
}

/* ------------------------------------------------------------------ */
/* Tables */

int
table_layout(const struct table_col *cols, int n, int width,
    struct table_layout *out)
{
	int shown[TABLE_MAX_COLS];
	int i, need, nshown, spare, add, flex, last_flex, pos, worst;

	memset(out, 0, sizeof *out);
	if (n > TABLE_MAX_COLS)
		n = TABLE_MAX_COLS;
	if (n < 0)
		n = 0;
	if (width < 0)
		width = 0;
	out->ncols = n;
	out->width = width;
	for (i = 0; i < n; i++)
		shown[i] = 1;

	for (;;) {
		need = 0;
		nshown = 0;
		for (i = 0; i < n; i++) {
			if (shown[i]) {
				need += cols[i].min;
				nshown++;
			}
		}
		if (nshown > 1)
			need += nshown - 1;
		if (need <= width)
			break;
		worst = -1;
		for (i = 0; i < n; i++) {
			if (shown[i] && cols[i].drop > 0 && (worst == -1 ||
			    cols[i].drop >= cols[worst].drop))
				worst = i;
		}
		if (worst == -1)
			break;
		shown[worst] = 0;
	}

	spare = width - need;
	flex = 0;
	last_flex = -1;
	for (i = 0; i < n; i++) {
		if (!shown[i])
			continue;
		out->w[i] = cols[i].min;
		if (spare > 0 && cols[i].pref > cols[i].min) {
			add = cols[i].pref - cols[i].min;
			if (add > spare)
				add = spare;
			out->w[i] += add;
			spare -= add;
		}
		if (cols[i].flex > 0) {
			flex += cols[i].flex;
			last_flex = i;
		}
	}
	if (spare > 0 && flex > 0) {
		int left = spare;

		for (i = 0; i < n; i++) {
			if (!shown[i] || cols[i].flex <= 0)
				continue;
			add = i == last_flex ? left :
			    (int)((long)spare * cols[i].flex / flex);
			out->w[i] += add;
			left -= add;
		}
	}

	pos = 0;
	nshown = 0;
	for (i = 0; i < n; i++) {
		if (!shown[i])
			continue;
		out->x[i] = pos;
		if (pos >= width)
			out->w[i] = 0;
		else if (pos + out->w[i] > width)
			out->w[i] = width - pos;
		if (out->w[i] > 0)
			nshown++;
		pos += out->w[i] + 1;
	}
	return nshown;
}

void
table_draw_header(WINDOW *win, int y, int x, const struct table_col *cols,
    const struct table_layout *l, int sort_col, int sort_reverse,
    attr_t attr, enum ui_glyphs g)
{
	char title[128];
	const char *arrow;
	int i;

	widget_fill(win, y, x, l->width, attr);
	for (i = 0; i < l->ncols; i++) {
		if (l->w[i] <= 0)
			continue;
		if (i == sort_col) {
			if (g == UG_ASCII)
				arrow = sort_reverse ? "^" : "v";
			else
				arrow = sort_reverse ? "\xe2\x96\xb2" :
				    "\xe2\x96\xbc";
			if (cols[i].right)
				snprintf(title, sizeof title, "%s%s", arrow,
				    cols[i].title);
			else
				snprintf(title, sizeof title, "%s%s",
				    cols[i].title, arrow);
		} else
			snprintf(title, sizeof title, "%s", cols[i].title);
		if (cols[i].right)
			widget_text_right(win, y, x + l->x[i], l->w[i], title,
			    attr, g);
		else
			widget_text(win, y, x + l->x[i], l->w[i], title,
			    WIDGET_NUL, attr, g);
	}
}

void
table_draw_cell(WINDOW *win, int y, int x, const struct table_col *cols,
    const struct table_layout *l, int col, const char *text, attr_t attr,
    enum ui_glyphs g)
{
	if (col < 0 || col >= l->ncols || l->w[col] <= 0 || text == NULL)
		return;
	if (cols[col].right)
		widget_text_right(win, y, x + l->x[col], l->w[col], text, attr,
		    g);
	else
		widget_text(win, y, x + l->x[col], l->w[col], text,
		    WIDGET_NUL, attr, g);
}

void
table_draw_row(WINDOW *win, int y, int x, const struct table_col *cols,
    const struct table_layout *l, const char *const *cells, attr_t attr,
    enum ui_glyphs g)
{
	int i;

	widget_fill(win, y, x, l->width, attr);
	for (i = 0; i < l->ncols; i++)
		table_draw_cell(win, y, x, cols, l, i, cells[i], attr, g);
}

int
table_scroll(int sel, int n, int rows, int top)
{
	int maxtop;

	if (rows <= 0 || n <= 0)
		return 0;
	maxtop = n > rows ? n - rows : 0;
	if (sel >= n)
		sel = n - 1;
	if (sel < 0)
		sel = 0;
	if (top > maxtop)
		top = maxtop;
	if (top < 0)
		top = 0;
	if (sel < top)
		top = sel;
	else if (sel >= top + rows)
		top = sel - rows + 1;
	return top;
}

int
table_select(int sel, int n, int page, const char *cmd)
{
	if (page < 1)
		page = 1;
	if (strcmp(cmd, "up") == 0)
		sel--;
	else if (strcmp(cmd, "down") == 0)
		sel++;
	else if (strcmp(cmd, "page-up") == 0)
		sel -= page;
	else if (strcmp(cmd, "page-down") == 0)
		sel += page;
	else if (strcmp(cmd, "top") == 0)
		sel = 0;
	else if (strcmp(cmd, "bottom") == 0)
		sel = n - 1;
	else
		return -1;
	if (sel >= n)
		sel = n - 1;
	if (sel < 0)
		sel = 0;
	return sel;
}

/* ------------------------------------------------------------------ */
/* Sparklines and gauges */

int
spark_level(double v, double lo, double hi, int levels)
{
	double f;

	if (isnan(v) || levels < 1)
		return -1;
	if (!(hi > lo))
		return v == 0 ? 0 : levels / 2;
	f = (v - lo) / (hi - lo);
	if (f < 0)
		f = 0;
	if (f > 1)
		f = 1;
	return (int)lround(f * (levels - 1));
}

void
spark_draw(WINDOW *win, int y, int x, int w, const double *v, size_t n,
    double lo, double hi, attr_t attr, enum ui_glyphs g)
{
	static const char ascii[] = "_.-=#";
	wchar_t buf[CHUNK + 1];
	size_t start, i;
	int cw, pad, k, lev, levels;
	double mn = INFINITY, mx = -INFINITY;

	if (w > CHUNK) {
		/* Wider than one row buffer: blank the left, keep the
		 * newest values at the right. */
		widget_fill(win, y, x, w - CHUNK, attr);
		x += w - CHUNK;
		w = CHUNK;
	}
	if ((cw = clip(win, y, x, w)) == 0)
		return;
	/* The columns of the last w values, right-aligned. */
	start = n > (size_t)w ? n - (size_t)w : 0;
	pad = w - (int)(n - start);
	if (isnan(lo) || isnan(hi)) {
		for (i = start; i < n; i++) {
			if (!isfinite(v[i]))
				continue;
			if (v[i] < mn)
				mn = v[i];
			if (v[i] > mx)
				mx = v[i];
		}
		if (isnan(lo))
			lo = mn;
		if (isnan(hi))
			hi = mx;
	}
	levels = g == UG_ASCII ? (int)sizeof ascii - 1 : 8;
	for (k = 0; k < cw; k++) {
		if (k < pad) {
			buf[k] = L' ';
			continue;
		}
		i = start + (size_t)(k - pad);
		lev = isfinite(v[i]) ? spark_level(v[i], lo, hi, levels) : -1;
		if (lev < 0)
			buf[k] = L' ';
		else if (g == UG_ASCII)
			buf[k] = (wchar_t)ascii[lev];
		else
			buf[k] = (wchar_t)(0x2581 + lev);
	}
	buf[cw] = L'\0';
	pen_set(win, attr);
	mvwaddnwstr(win, y, x, buf, cw);
	pen_reset(win);
}

enum ui_color
gauge_color(double frac)
{
	if (!(frac >= GAUGE_MID))
		return UC_GAUGE_LOW;
	if (frac < GAUGE_HIGH)
		return UC_GAUGE_MID;
	return UC_GAUGE_HIGH;
}

void
gauge_draw(WINDOW *win, int y, int x, int w, double frac, const char *label,
    enum ui_glyphs g)
{
	attr_t color = ui_attr(gauge_color(frac));
	int cw, inner, x0, i, full, part, lx = 0, lw = 0, filled;
	long units;
	double f;

	if ((cw = clip(win, y, x, w)) == 0)
		return;
	w = cw;
	f = isnan(frac) ? 0 : frac < 0 ? 0 : frac > 1 ? 1 : frac;
	x0 = x;
	inner = w;
	if (g == UG_ASCII && w >= 3) {
		put_wc(win, y, x, L'[', A_NORMAL);
		put_wc(win, y, x + w - 1, L']', A_NORMAL);
		x0 = x + 1;
		inner = w - 2;
	}
	/* Unicode: eighths of a cell; ASCII: whole cells. */
	units = lround(f * inner * (g == UG_ASCII ? 1 : 8));
	full = (int)(g == UG_ASCII ? units : units / 8);
	part = (int)(g == UG_ASCII ? 0 : units % 8);
	if (label != NULL) {
		lw = (int)strlen(label);
		if (lw > inner)
			lw = 0;
		else
			lx = (inner - lw) / 2;
	}
	for (i = 0; i < inner; i++) {
		filled = i < full;
		if (lw > 0 && i >= lx && i < lx + lw) {
			unsigned char c = (unsigned char)label[i - lx];

			put_wc(win, y, x0 + i, c >= 0x20 && c < 0x7f ?
			    (wchar_t)c : L'?', filled ? color | A_REVERSE :
			    color);
		} else if (filled)
			put_wc(win, y, x0 + i, g == UG_ASCII ? L'#' :
			    L'\x2588', color);
		else if (i == full && part > 0)
			put_wc(win, y, x0 + i, (wchar_t)(0x2590 - part),
			    color);
		else
			put_wc(win, y, x0 + i, L' ', color);
	}
}

/* ------------------------------------------------------------------ */
/* Charts */

enum chart_style
chart_style_for(enum ui_glyphs g, int blocks)
{
	if (g == UG_ASCII)
		return CHART_ASCII;
	return blocks ? CHART_BLOCKS : CHART_BRAILLE;
}

/* The plot's grid: nx columns of dots, each with a vertical span of dot
 * rows lo..hi (hi < 0: empty) and the dot row of its last sample (-1:
 * none, only a join passes through). */
struct grid {
	int64_t		 from, span;
	int		 nx, ny;
	double		 ymin, ymax;
	short		 lo[CHART_MAX_W * 2];
	short		 hi[CHART_MAX_W * 2];
	short		 pt[CHART_MAX_W * 2];
};

static int
grid_col(const struct grid *gr, int64_t ts)
{
	int64_t d = (ts - gr->from) * gr->nx / gr->span;

	return d < 0 ? 0 : d >= gr->nx ? gr->nx - 1 : (int)d;
}

static int
grid_row(const struct grid *gr, double v)
{
	double f = (v - gr->ymin) / (gr->ymax - gr->ymin);
	long r;

	if (!(f > 0))
		return 0;
	if (f > 1)
		f = 1;
	r = lround(f * (gr->ny - 1));
	return (int)r;
}

static void
grid_mark(struct grid *gr, int d, int r)
{
	if (gr->hi[d] < 0) {
		gr->lo[d] = gr->hi[d] = (short)r;
		return;
	}
	if (r < gr->lo[d])
		gr->lo[d] = (short)r;
	if (r > gr->hi[d])
		gr->hi[d] = (short)r;
}

/* The straight line from p to q over every column it crosses. */
static void
grid_join(struct grid *gr, const struct chart_point *p,
    const struct chart_point *q)
{
	int dp = grid_col(gr, p->ts_ms), dq = grid_col(gr, q->ts_ms), d;
	int64_t t0, t1, cs, ce, dt = q->ts_ms - p->ts_ms;
	double v0, v1;

	for (d = dp; d <= dq; d++) {
		cs = gr->from + (int64_t)d * gr->span / gr->nx;
		ce = gr->from + (int64_t)(d + 1) * gr->span / gr->nx;
		t0 = cs > p->ts_ms ? cs : p->ts_ms;
		t1 = ce < q->ts_ms ? ce : q->ts_ms;
		if (dt <= 0) {
			v0 = p->v;
			v1 = q->v;
		} else {
			v0 = p->v + (q->v - p->v) * (double)(t0 - p->ts_ms) /
			    (double)dt;
			v1 = p->v + (q->v - p->v) * (double)(t1 - p->ts_ms) /
			    (double)dt;
		}
		grid_mark(gr, d, grid_row(gr, v0));
		grid_mark(gr, d, grid_row(gr, v1));
	}
}

static void
grid_fill(struct grid *gr, const struct chart *c)
{
	const struct chart_point *p, *prev = NULL;
	size_t i;
	int d;

	for (d = 0; d < gr->nx; d++) {
		gr->lo[d] = SHRT_MAX;
		gr->hi[d] = -1;
		gr->pt[d] = -1;
	}
	for (i = 0; i < c->npts; i++) {
		p = &c->pts[i];
		if (p->ts_ms < c->from_ms || p->ts_ms > c->to_ms ||
		    !isfinite(p->v)) {
			prev = NULL;
			continue;
		}
		d = grid_col(gr, p->ts_ms);
		gr->pt[d] = (short)grid_row(gr, p->v);
		grid_mark(gr, d, gr->pt[d]);
		if (prev != NULL && (c->interval_ms <= 0 ||
		    p->ts_ms - prev->ts_ms <= 2 * c->interval_ms))
			grid_join(gr, prev, p);
		prev = p;
	}
}

static int
in_span(const struct grid *gr, int d, int r)
{
	return gr->hi[d] >= 0 && r >= gr->lo[d] && r <= gr->hi[d];
}

static void
plot_braille(WINDOW *win, const struct grid *gr, int py, int px, int ph,
    int pw, attr_t attr)
{
	static const unsigned char bits[2][4] = {
		{ 0x01, 0x02, 0x04, 0x40 }, { 0x08, 0x10, 0x20, 0x80 } };
	wchar_t buf[CHART_MAX_W + 1];
	int r, cx, sub, k, base, mask;

	for (r = 0; r < ph; r++) {
		base = (ph - 1 - r) * 4;
		for (cx = 0; cx < pw; cx++) {
			mask = 0;
			for (k = 0; k < 2; k++)
				for (sub = 0; sub < 4; sub++)
					if (in_span(gr, 2 * cx + k,
					    base + 3 - sub))
						mask |= bits[k][sub];
			buf[cx] = mask ? (wchar_t)(0x2800 + mask) : L' ';
		}
		buf[pw] = L'\0';
		pen_set(win, attr);
		mvwaddnwstr(win, py + r, px, buf, pw);
	}
	pen_reset(win);
}

static void
plot_blocks(WINDOW *win, const struct grid *gr, int py, int px, int ph,
    int pw, attr_t attr)
{
	wchar_t buf[CHART_MAX_W + 1];
	int r, cx, k;

	for (r = 0; r < ph; r++) {
		for (cx = 0; cx < pw; cx++) {
			k = gr->hi[cx] < 0 ? 0 :
			    gr->hi[cx] + 1 - (ph - 1 - r) * 8;
			if (k <= 0)
				buf[cx] = L' ';
			else if (k >= 8)
				buf[cx] = L'\x2588';
			else
				buf[cx] = (wchar_t)(0x2580 + k);
		}
		buf[pw] = L'\0';
		pen_set(win, attr);
		mvwaddnwstr(win, py + r, px, buf, pw);
	}
	pen_reset(win);
}

static void
plot_ascii(WINDOW *win, const struct grid *gr, int py, int px, int ph,
    int pw, attr_t attr)
{
	char buf[CHART_MAX_W + 1];
	int r, cx, row;

	for (r = 0; r < ph; r++) {
		row = ph - 1 - r;
		for (cx = 0; cx < pw; cx++) {
			if (!in_span(gr, cx, row))
				buf[cx] = ' ';
			else if (gr->pt[cx] == row)
				buf[cx] = '*';
			else if (gr->pt[cx] < 0 && gr->lo[cx] == gr->hi[cx])
				buf[cx] = '.';
			else
				buf[cx] = '|';
		}
		buf[pw] = '\0';
		pen_set(win, attr);
		mvwaddnstr(win, py + r, px, buf, pw);
	}
	pen_reset(win);
}

static void
chart_range(const struct chart *c, double *ymin, double *ymax, int *any)
{
	double mn = INFINITY, mx = -INFINITY, d;
	size_t i;

	*any = 0;
	for (i = 0; i < c->npts; i++) {
		if (c->pts[i].ts_ms < c->from_ms ||
		    c->pts[i].ts_ms > c->to_ms || !isfinite(c->pts[i].v))
			continue;
		*any = 1;
		if (c->pts[i].v < mn)
			mn = c->pts[i].v;
		if (c->pts[i].v > mx)
			mx = c->pts[i].v;
	}
	*ymin = isfinite(c->ymin) ? c->ymin : *any ? mn : 0;
	*ymax = isfinite(c->ymax) ? c->ymax : *any ? mx : 1;
	if (!(*ymax > *ymin)) {
		/* A flat line sits in the middle. */
		d = *ymin == 0 ? 1 : fabs(*ymin) * 0.05;
		if (*ymin == 0 && *ymax == 0)
			*ymax = 1;
		else {
			*ymin -= d;
			*ymax += d;
		}
	}
}

void
chart_draw(WINDOW *win, int y, int x, int h, int w, const struct chart *c,
    struct chart_area *plot)
{
	struct grid grid;	/* 6 KB on the stack; nothing allocated */
	struct grid *gr = &grid;
	char lab[3][FMT_MAX], tl[FMT_MAX];
	fmt_fn yfmt = c->yfmt != NULL ? c->yfmt : fmt_number;
	void (*tfmt)(int64_t, char *, size_t);
	int wh, ww, px, py, pw, ph, lw = 0, r, any, mid, n, tw, axes;
	double ymin, ymax;

	if (plot != NULL)
		memset(plot, 0, sizeof *plot);
	if (win == NULL)
		return;
	getmaxyx(win, wh, ww);
	if (y < 0 || x < 0 || y >= wh || x >= ww)
		return;
	if (h > wh - y)
		h = wh - y;
	if (w > ww - x)
		w = ww - x;
	if (h < 1 || w < 1)
		return;
	chart_range(c, &ymin, &ymax, &any);

	px = x;
	py = y;
	pw = w;
	ph = h;
	axes = c->axes && h >= 3 && w >= 16;
	if (axes) {
		yfmt(ymax, lab[0], sizeof lab[0]);
		yfmt(ymin, lab[2], sizeof lab[2]);
		mid = h - 1 >= 5;
		if (mid)
			yfmt(ymin + (ymax - ymin) / 2, lab[1], sizeof lab[1]);
		else
			lab[1][0] = '\0';
		for (r = 0; r < 3; r++) {
			n = (int)strlen(lab[r]);
			if (n > lw)
				lw = n;
		}
		if (lw > w / 3)
			lw = w / 3;
		px = x + lw + 1;
		pw = w - lw - 1;
		ph = h - 1;
	}
	if (pw > CHART_MAX_W) {
		for (r = 0; r < ph; r++)
			widget_fill(win, py + r, px + CHART_MAX_W,
			    pw - CHART_MAX_W, A_NORMAL);
		pw = CHART_MAX_W;
	}

	gr->from = c->from_ms;
	gr->span = c->to_ms - c->from_ms;
	gr->ymin = ymin;
	gr->ymax = ymax;
	switch (c->style) {
	case CHART_BRAILLE:
		gr->nx = pw * 2;
		gr->ny = ph * 4;
		break;
	case CHART_BLOCKS:
		gr->nx = pw;
		gr->ny = ph * 8;
		break;
	default:
		gr->nx = pw;
		gr->ny = ph;
		break;
	}
	if (gr->span > 0 && any)
		grid_fill(gr, c);
	else
		for (r = 0; r < gr->nx; r++)
			gr->hi[r] = gr->pt[r] = -1;

	switch (c->style) {
	case CHART_BRAILLE:
		plot_braille(win, gr, py, px, ph, pw, c->attr);
		break;
	case CHART_BLOCKS:
		plot_blocks(win, gr, py, px, ph, pw, c->attr);
		break;
	default:
		plot_ascii(win, gr, py, px, ph, pw, c->attr);
		break;
	}
	if (!any && pw >= 7)
		widget_text(win, py + (ph - 1) / 2, px + (pw - 7) / 2, 7,
		    "no data", WIDGET_NUL, c->axis_attr, UG_ASCII);

	if (axes) {
		enum ui_glyphs ag = c->style == CHART_ASCII ? UG_ASCII :
		    UG_UNICODE;

		for (r = 0; r < ph; r++) {
			int labelled = r == 0 || r == ph - 1 ||
			    (lab[1][0] != '\0' && r == (ph - 1) / 2);

			widget_fill(win, py + r, x, lw, A_NORMAL);
			if (any && labelled)
				widget_text_right(win, py + r, x, lw,
				    r == 0 ? lab[0] : r == ph - 1 ? lab[2] :
				    lab[1], c->axis_attr, ag);
			put_wc(win, py + r, px - 1, ag == UG_ASCII ?
			    (labelled ? L'+' : L'|') :
			    (labelled ? L'\x2524' : L'\x2502'), c->axis_attr);
		}
		/* Time labels: the window's start, middle and end. */
		widget_fill(win, y + h - 1, x, w, A_NORMAL);
		tfmt = gr->span <= 2 * 3600 * 1000 ? fmt_time_hms :
		    fmt_time_hm;
		tfmt(c->from_ms, tl, sizeof tl);
		tw = (int)strlen(tl);
		widget_text(win, y + h - 1, px, pw, tl, WIDGET_NUL,
		    c->axis_attr, UG_ASCII);
		if (pw >= 2 * tw + 2) {
			tfmt(c->to_ms, tl, sizeof tl);
			widget_text_right(win, y + h - 1, px, pw, tl,
			    c->axis_attr, UG_ASCII);
		}
		if (pw >= 3 * tw + 4) {
			tfmt(c->from_ms + gr->span / 2, tl, sizeof tl);
			widget_text(win, y + h - 1, px + (pw - tw) / 2, tw, tl,
			    WIDGET_NUL, c->axis_attr, UG_ASCII);
		}
	}
	if (plot != NULL) {
		plot->y = py;
		plot->x = px;
		plot->h = ph;
		plot->w = pw;
		plot->ymin = ymin;
		plot->ymax = ymax;
	}
}
