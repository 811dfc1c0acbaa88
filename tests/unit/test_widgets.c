/*
 * test_widgets.c -- format_*, the widgets and the three panels, drawn
 * into a real curses screen (xterm-256color writing to /dev/null) and
 * read back cell by cell.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "format.h"
#include "theme.h"
#include "ui.h"
#include "util.h"
#include "widgets.h"

static SCREEN *scr;
static FILE *scr_out, *scr_in;
static char last_message[512];
static int last_message_error;

/* The console's; panels report through it. */
void
ui_message(int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_message, sizeof last_message, fmt, ap);
	va_end(ap);
	last_message_error = error;
}

static int
screen_setup(void **state)
{
	setlocale(LC_ALL, "C.UTF-8");
	setenv("LINES", "60", 1);
	setenv("COLUMNS", "220", 1);
	scr_out = fopen("/dev/null", "w");
	scr_in = fopen("/dev/null", "r");
	scr = newterm("xterm-256color", scr_out, scr_in);
	if (scr == NULL)
		return -1;
	set_term(scr);
	start_color();
	theme_load_default(256);
	return 0;
}

static int
screen_teardown(void **state)
{
	endwin();
	delscreen(scr);
	fclose(scr_out);
	fclose(scr_in);
	return 0;
}

/* The character at (y, x) and its attributes. */
static wchar_t
cell(WINDOW *win, int y, int x, attr_t *attr)
{
	cchar_t cc;
	wchar_t wc[CCHARW_MAX + 1];
	attr_t a;
	short pair;

	if (mvwin_wch(win, y, x, &cc) == ERR)
		return 0;
	getcchar(&cc, wc, &a, &pair, NULL);
	if (attr != NULL)
		*attr = (a & ~A_COLOR) | COLOR_PAIR(pair);
	return wc[0];
}

/* Row y from x, n cells, as UTF-8 into buf. */
static const char *
row(WINDOW *win, int y, int x, int n, char *buf, size_t len)
{
	mbstate_t mb;
	size_t off = 0, k;
	char tmp[MB_LEN_MAX];
	int i;

	memset(&mb, 0, sizeof mb);
	for (i = 0; i < n; i++) {
		k = wcrtomb(tmp, cell(win, y, x + i, NULL), &mb);
		if (k == (size_t)-1 || off + k + 1 > len)
			break;
		memcpy(buf + off, tmp, k);
		off += k;
	}
	buf[off] = '\0';
	return buf;
}

static WINDOW *
fresh(int h, int w)
{
	WINDOW *win = newwin(h, w, 0, 0);

	assert_non_null(win);
	werase(win);
	return win;
}

/* ------------------------------------------------------------------ */
/* format */

static void
test_format_bytes(void **state)
{
	char b[FMT_MAX];

	fmt_bytes(0, b, sizeof b);		assert_string_equal(b, "0B");
	fmt_bytes(512, b, sizeof b);		assert_string_equal(b, "512B");
	fmt_bytes(999, b, sizeof b);		assert_string_equal(b, "999B");
	fmt_bytes(1000, b, sizeof b);		assert_string_equal(b, "0.98K");
	fmt_bytes(1024, b, sizeof b);		assert_string_equal(b, "1.00K");
	fmt_bytes(12.3 * 1024, b, sizeof b);	assert_string_equal(b, "12.3K");
	fmt_bytes(300.0 * 1048576, b, sizeof b); assert_string_equal(b, "300M");
	fmt_bytes(1.25 * 1073741824, b, sizeof b);
	assert_string_equal(b, "1.25G");
	fmt_bytes(8.0 * 1073741824, b, sizeof b); assert_string_equal(b, "8.00G");
	fmt_bytes(2.0 * 1099511627776.0, b, sizeof b);
	assert_string_equal(b, "2.00T");
	fmt_bytes(-1.5 * 1048576, b, sizeof b);	assert_string_equal(b, "-1.50M");
	fmt_bytes(NAN, b, sizeof b);		assert_string_equal(b, "-");
	fmt_bytes(INFINITY, b, sizeof b);	assert_string_equal(b, "inf");
	fmt_bytes(1e300, b, sizeof b);		/* no crash, no overflow */
	assert_true(strlen(b) > 0);
	/* A short buffer truncates. */
	fmt_bytes(1.25 * 1073741824, b, 3);	assert_string_equal(b, "1.");
}

static void
test_format_rate_seconds(void **state)
{
	char b[FMT_MAX];

	fmt_rate(0, b, sizeof b);		assert_string_equal(b, "0");
	fmt_rate(0.3, b, sizeof b);		assert_string_equal(b, "0.3");
	fmt_rate(0.01, b, sizeof b);		assert_string_equal(b, "0.0");
	fmt_rate(9.9, b, sizeof b);		assert_string_equal(b, "9.9");
	fmt_rate(12, b, sizeof b);		assert_string_equal(b, "12");
	fmt_rate(999, b, sizeof b);		assert_string_equal(b, "999");
	fmt_rate(1234, b, sizeof b);		assert_string_equal(b, "1.2k");
	fmt_rate(12345, b, sizeof b);		assert_string_equal(b, "12k");
	fmt_rate(1.5e6, b, sizeof b);		assert_string_equal(b, "1.5M");
	fmt_rate(NAN, b, sizeof b);		assert_string_equal(b, "-");

	fmt_seconds(0, b, sizeof b);		assert_string_equal(b, "0s");
	fmt_seconds(0.00085, b, sizeof b);	assert_string_equal(b, "850us");
	fmt_seconds(0.0025, b, sizeof b);	assert_string_equal(b, "2.5ms");
	fmt_seconds(0.012, b, sizeof b);	assert_string_equal(b, "12ms");
	fmt_seconds(1.2, b, sizeof b);		assert_string_equal(b, "1.20s");
	fmt_seconds(12.34, b, sizeof b);	assert_string_equal(b, "12.3s");
	fmt_seconds(185, b, sizeof b);		assert_string_equal(b, "3m05s");
	fmt_seconds(7500, b, sizeof b);		assert_string_equal(b, "2h05m");
	fmt_seconds(3 * 86400 + 4 * 3600, b, sizeof b);
	assert_string_equal(b, "3d04h");
	fmt_seconds(NAN, b, sizeof b);		assert_string_equal(b, "-");
}

static void
test_format_other(void **state)
{
	char b[FMT_MAX];
	struct tm tm;
	time_t t;

	fmt_percent(0, b, sizeof b);		assert_string_equal(b, "0%");
	fmt_percent(5.23, b, sizeof b);		assert_string_equal(b, "5.2%");
	fmt_percent(45.26, b, sizeof b);	assert_string_equal(b, "45.3%");
	fmt_percent(350.4, b, sizeof b);	assert_string_equal(b, "350%");
	fmt_percent(NAN, b, sizeof b);		assert_string_equal(b, "-");

	fmt_count(0, b, sizeof b);		assert_string_equal(b, "0");
	fmt_count(7, b, sizeof b);		assert_string_equal(b, "7");
	fmt_count(999, b, sizeof b);		assert_string_equal(b, "999");
	fmt_count(1234, b, sizeof b);		assert_string_equal(b, "1.2k");
	fmt_count(120000, b, sizeof b);		assert_string_equal(b, "120k");
	fmt_count(3.4e9, b, sizeof b);		assert_string_equal(b, "3.4G");
	fmt_count(-0.2, b, sizeof b);		assert_string_equal(b, "0");

	fmt_number(0, b, sizeof b);		assert_string_equal(b, "0");
	fmt_number(1, b, sizeof b);		assert_string_equal(b, "1");
	fmt_number(0.125, b, sizeof b);		assert_string_equal(b, "0.125");
	fmt_number(12.34, b, sizeof b);		assert_string_equal(b, "12.3");
	fmt_number(-4.5, b, sizeof b);		assert_string_equal(b, "-4.5");
	fmt_number(2500, b, sizeof b);		assert_string_equal(b, "2.5k");
	fmt_number(0.000012, b, sizeof b);	assert_string_equal(b, "1.2e-05");

	fmt_age(-5, b, sizeof b);		assert_string_equal(b, "0s");
	fmt_age(5400, b, sizeof b);		assert_string_equal(b, "5s");
	fmt_age(3 * 60000 + 5, b, sizeof b);	assert_string_equal(b, "3m");
	fmt_age(2 * 3600000 + 7, b, sizeof b);	assert_string_equal(b, "2h");
	fmt_age(4 * 86400000LL, b, sizeof b);	assert_string_equal(b, "4d");

	fmt_window(60000, b, sizeof b);		assert_string_equal(b, "1m");
	fmt_window(3600000, b, sizeof b);	assert_string_equal(b, "1h");
	fmt_window(86400000, b, sizeof b);	assert_string_equal(b, "24h");
	fmt_window(90000, b, sizeof b);		assert_string_equal(b, "90s");

	fmt_time_hms(0, b, sizeof b);		assert_string_equal(b, "-");
	memset(&tm, 0, sizeof tm);
	tm.tm_year = 124;
	tm.tm_mon = 5;
	tm.tm_mday = 3;
	tm.tm_hour = 7;
	tm.tm_min = 8;
	tm.tm_sec = 9;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	fmt_time_hms((int64_t)t * 1000 + 999, b, sizeof b);
	assert_string_equal(b, "07:08:09");
	fmt_time_hm((int64_t)t * 1000, b, sizeof b);
	assert_string_equal(b, "07:08");
}

/* A decimal-comma locale changes nothing (skipped where no such locale
 * is installed). */
static void
test_format_locale(void **state)
{
	static const char *const commas[] = { "de_DE.UTF-8", "de_DE.utf8",
	    "fr_FR.UTF-8", "ru_RU.UTF-8" };
	char b[FMT_MAX];
	size_t i;

	for (i = 0; i < ARRAY_LEN(commas); i++)
		if (setlocale(LC_NUMERIC, commas[i]) != NULL)
			break;
	if (i == ARRAY_LEN(commas))
		skip();
	snprintf(b, sizeof b, "%.1f", 1.5);
	assert_string_equal(b, "1,5");		/* the locale took */
	fmt_bytes(1.25 * 1073741824, b, sizeof b);
	assert_string_equal(b, "1.25G");
	fmt_seconds(1.2, b, sizeof b);
	assert_string_equal(b, "1.20s");
	fmt_number(-4.5, b, sizeof b);
	assert_string_equal(b, "-4.5");
	setlocale(LC_NUMERIC, "C");
}

/* ------------------------------------------------------------------ */
/* text and tables */

static void
test_text(void **state)
{
	WINDOW *win = fresh(3, 20);
	char b[128];
	int n;

	n = widget_text(win, 0, 0, 5, "abcdefgh", WIDGET_NUL, A_NORMAL,
	    UG_UNICODE);
	assert_int_equal(n, 5);
	assert_string_equal(row(win, 0, 0, 6, b, sizeof b), "abcde ");
	/* Controls and bad UTF-8 are '?'; a wide character takes two. */
	n = widget_text(win, 1, 0, 20, "a\tb\xff" "c\xe6\x97\xa5" "d",
	    WIDGET_NUL, A_NORMAL, UG_UNICODE);
	assert_int_equal(n, 8);
	assert_int_equal(cell(win, 1, 1, NULL), L'?');
	assert_int_equal(cell(win, 1, 3, NULL), L'?');
	assert_int_equal(cell(win, 1, 5, NULL), 0x65e5);
	assert_int_equal(widget_text_width("a\xe6\x97\xa5", WIDGET_NUL,
	    UG_UNICODE), 3);
	assert_int_equal(widget_text_width("a\xe6\x97\xa5", WIDGET_NUL,
	    UG_ASCII), 2);
	/* Explicit lengths keep a NUL inside. */
	n = widget_text(win, 2, 0, 20, "x\0y", 3, A_NORMAL, UG_UNICODE);
	assert_int_equal(n, 3);
	assert_string_equal(row(win, 2, 0, 3, b, sizeof b), "x?y");
	/* Right-aligned text is cut on the left; never past the window. */
	werase(win);
	widget_text_right(win, 0, 0, 4, "123456", A_NORMAL, UG_UNICODE);
	assert_string_equal(row(win, 0, 0, 4, b, sizeof b), "3456");
	widget_text_right(win, 0, 10, 6, "ab", A_NORMAL, UG_UNICODE);
	assert_string_equal(row(win, 0, 10, 6, b, sizeof b), "    ab");
	n = widget_text(win, 2, 18, 10, "abcdef", WIDGET_NUL, A_NORMAL,
	    UG_UNICODE);
	assert_int_equal(n, 2);
	assert_int_equal(widget_text(win, 5, 0, 10, "x", WIDGET_NUL, A_NORMAL,
	    UG_UNICODE), 0);
	delwin(win);
}

static const struct table_col cols[] = {
	{ "NAME", 6, 12, 0, 1, 0 },
	{ "STATUS", 4, 6, 0, 0, 2 },
	{ "CPU", 5, 5, 1, 0, 0 },
	{ "RSS", 6, 6, 1, 0, 0 },
	{ "P99", 6, 6, 1, 0, 1 },
	{ "SPARK", 8, 20, 0, 2, 3 },
};

static void
test_table_layout(void **state)
{
	struct table_layout l;
	int n;

	/* Wide: everything, flex columns share the spare by weight. */
	n = table_layout(cols, 6, 100, &l);
	assert_int_equal(n, 6);
	/* prefs 12+6+5+6+6+20 = 55, gaps 5: spare 40 -> 13 to NAME, 27 to
	 * SPARK. */
	assert_int_equal(l.w[0], 25);
	assert_int_equal(l.w[1], 6);
	assert_int_equal(l.w[5], 47);
	assert_int_equal(l.x[0], 0);
	assert_int_equal(l.x[1], 26);
	assert_int_equal(l.x[2], 33);
	assert_int_equal(l.x[5] + l.w[5], 100);

	/* 40: mins 6+4+5+6+6+8 = 35 + 5 gaps = 40: all fit at minimum plus
	 * nothing spare. */
	n = table_layout(cols, 6, 40, &l);
	assert_int_equal(n, 6);
	assert_int_equal(l.w[0], 6);
	assert_int_equal(l.w[5], 8);

	/* 30: SPARK (drop 3) goes, then the rest fit: 6+4+5+6+6+4 = 31 > 30
	 * so STATUS (drop 2) goes too; NAME takes the spare. */
	n = table_layout(cols, 6, 30, &l);
	assert_int_equal(n, 4);
	assert_int_equal(l.w[5], 0);
	assert_int_equal(l.w[1], 0);
	assert_int_equal(l.w[4], 6);
	assert_int_equal(l.w[0] + l.w[2] + l.w[3] + l.w[4] + 3, 30);

	/* 10: only never-dropped columns; cut at the edge. */
	n = table_layout(cols, 6, 10, &l);
	assert_int_equal(l.w[0], 6);
	assert_int_equal(l.w[2], 3);
	assert_int_equal(l.w[3], 0);
	assert_int_equal(n, 2);
}

static void
test_table_draw(void **state)
{
	WINDOW *win = fresh(3, 40);
	struct table_layout l;
	const char *cells[6] = { "llm-0", "up", "12.3%", "1.25G", "12ms",
	    NULL };
	char b[128];

	table_layout(cols, 6, 40, &l);
	table_draw_header(win, 0, 0, cols, &l, 3, 0, A_BOLD, UG_UNICODE);
	assert_string_equal(row(win, 0, 0, 40, b, sizeof b),
	    "NAME   STAT   CPU   \xe2\x96\xbcRSS    P99 SPARK   ");
	table_draw_header(win, 0, 0, cols, &l, 0, 1, A_BOLD, UG_ASCII);
	assert_string_equal(row(win, 0, 0, 12, b, sizeof b), "NAME^  STAT ");
	table_draw_row(win, 1, 0, cols, &l, cells, A_REVERSE, UG_UNICODE);
	assert_string_equal(row(win, 1, 0, 40, b, sizeof b),
	    "llm-0  up   12.3%  1.25G   12ms         ");
	delwin(win);
}

static void
test_table_scroll_select(void **state)
{
	assert_int_equal(table_scroll(0, 100, 10, 0), 0);
	assert_int_equal(table_scroll(15, 100, 10, 0), 6);
	assert_int_equal(table_scroll(3, 100, 10, 6), 3);
	assert_int_equal(table_scroll(99, 100, 10, 0), 90);
	assert_int_equal(table_scroll(5, 3, 10, 7), 0);
	assert_int_equal(table_scroll(50, 100, 10, 95), 50);
	assert_int_equal(table_scroll(0, 0, 10, 5), 0);

	assert_int_equal(table_select(5, 10, 4, "down"), 6);
	assert_int_equal(table_select(9, 10, 4, "down"), 9);
	assert_int_equal(table_select(0, 10, 4, "up"), 0);
	assert_int_equal(table_select(5, 10, 4, "page-down"), 9);
	assert_int_equal(table_select(5, 10, 4, "page-up"), 1);
	assert_int_equal(table_select(5, 10, 4, "top"), 0);
	assert_int_equal(table_select(5, 10, 4, "bottom"), 9);
	assert_int_equal(table_select(0, 0, 4, "bottom"), 0);
	assert_int_equal(table_select(5, 10, 4, "enter"), -1);
}

/* ------------------------------------------------------------------ */
/* sparklines and gauges */

static void
test_sparkline(void **state)
{
	WINDOW *win = fresh(4, 20);
	double v[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	double g[] = { 1, NAN, 3, 5 };
	double flat[] = { 4, 4, 4 };
	char b[128];
	int i;

	spark_draw(win, 0, 0, 8, v, 8, NAN, NAN, A_NORMAL, UG_UNICODE);
	for (i = 0; i < 8; i++)
		assert_int_equal(cell(win, 0, i, NULL), 0x2581 + i);
	/* Fewer values than columns: right-aligned; NAN is a gap. */
	spark_draw(win, 1, 0, 6, g, 4, NAN, NAN, A_NORMAL, UG_UNICODE);
	assert_string_equal(row(win, 1, 0, 6, b, sizeof b),
	    "  \xe2\x96\x81 \xe2\x96\x85\xe2\x96\x88");
	/* More values than columns: the last w. */
	spark_draw(win, 2, 0, 3, v, 8, NAN, NAN, A_NORMAL, UG_UNICODE);
	assert_int_equal(cell(win, 2, 0, NULL), 0x2581);
	assert_int_equal(cell(win, 2, 2, NULL), 0x2588);
	/* ASCII ramp; a fixed scale; a flat series sits in the middle. */
	spark_draw(win, 3, 0, 5, v, 5, 0, 4, A_NORMAL, UG_ASCII);
	assert_string_equal(row(win, 3, 0, 5, b, sizeof b), "_.-=#");
	spark_draw(win, 3, 10, 3, flat, 3, NAN, NAN, A_NORMAL, UG_ASCII);
	assert_string_equal(row(win, 3, 10, 3, b, sizeof b), "---");
	assert_int_equal(spark_level(NAN, 0, 1, 8), -1);
	assert_int_equal(spark_level(0, 0, 0, 8), 0);
	assert_int_equal(spark_level(9, 0, 7, 8), 7);
	delwin(win);
}

static int
count_cells(WINDOW *win, int y, int x, int w, wchar_t c)
{
	int i, n = 0;

	for (i = 0; i < w; i++)
		if (cell(win, y, x + i, NULL) == c)
			n++;
	return n;
}

static void
test_gauge(void **state)
{
	WINDOW *win = fresh(8, 30);
	attr_t a;
	char b[128];

	theme_load_default(256);
	gauge_draw(win, 0, 0, 10, 0.5, NULL, UG_UNICODE);
	assert_int_equal(count_cells(win, 0, 0, 10, 0x2588), 5);
	assert_int_equal(count_cells(win, 0, 0, 10, L' '), 5);
	cell(win, 0, 0, &a);
	assert_int_equal(a, ui_attr(UC_GAUGE_LOW));

	gauge_draw(win, 1, 0, 10, 0.55, NULL, UG_UNICODE);
	assert_int_equal(count_cells(win, 1, 0, 10, 0x2588), 5);
	assert_int_equal(cell(win, 1, 5, NULL), 0x258c);	/* half */
	assert_int_equal(count_cells(win, 1, 0, 10, L' '), 4);

	gauge_draw(win, 2, 0, 10, 1.7, NULL, UG_UNICODE);
	assert_int_equal(count_cells(win, 2, 0, 10, 0x2588), 10);
	cell(win, 2, 0, &a);
	assert_int_equal(a, ui_attr(UC_GAUGE_HIGH));
	assert_int_not_equal(ui_attr(UC_GAUGE_HIGH), ui_attr(UC_GAUGE_LOW));

	gauge_draw(win, 3, 0, 10, NAN, NULL, UG_UNICODE);
	assert_int_equal(count_cells(win, 3, 0, 10, L' '), 10);

	gauge_draw(win, 4, 0, 12, 0.5, NULL, UG_ASCII);
	assert_string_equal(row(win, 4, 0, 12, b, sizeof b), "[#####     ]");
	gauge_draw(win, 5, 0, 12, 0.8, "80%", UG_ASCII);
	assert_string_equal(row(win, 5, 0, 12, b, sizeof b), "[###80%##  ]");
	cell(win, 5, 4, &a);
	assert_true(a & A_REVERSE);			/* over the fill */
	cell(win, 5, 0, NULL);
	assert_int_equal(gauge_color(0.75), UC_GAUGE_MID);
	gauge_draw(win, 6, 0, 10, 0.2, "20%", UG_UNICODE);
	assert_int_equal(cell(win, 6, 3, NULL), L'2');
	cell(win, 6, 3, &a);
	assert_false(a & A_REVERSE);			/* past the fill */
	/* Clipped at the window's edge. */
	gauge_draw(win, 7, 25, 10, 1, NULL, UG_UNICODE);
	assert_int_equal(count_cells(win, 7, 25, 5, 0x2588), 5);
	delwin(win);
}

/* ------------------------------------------------------------------ */
/* charts */

static void
test_chart_braille_line(void **state)
{
	WINDOW *win = fresh(4, 10);
	struct chart_point p[8];
	struct chart c;
	struct chart_area area;
	static const wchar_t want[2][4] = {
		{ L' ', 0x2880, 0x2874, 0x280b },	/* no dots: blank */
		{ 0x2874, 0x280b, L' ', L' ' },
	};
	int i, r;

	/* A ramp 0..7 over 8 dot columns and 8 dot rows. */
	for (i = 0; i < 8; i++) {
		p[i].ts_ms = 500 + 1000 * i;
		p[i].v = i;
	}
	memset(&c, 0, sizeof c);
	c.from_ms = 0;
	c.to_ms = 8000;
	c.interval_ms = 1000;
	c.pts = p;
	c.npts = 8;
	c.ymin = 0;
	c.ymax = 7;
	c.style = CHART_BRAILLE;
	chart_draw(win, 0, 0, 2, 4, &c, &area);
	assert_int_equal(area.w, 4);
	assert_int_equal(area.h, 2);
	for (r = 0; r < 2; r++)
		for (i = 0; i < 4; i++)
			assert_int_equal(cell(win, r, i, NULL), want[r][i]);

	/* A flat line at 5 of 0..7: dot row 5 in every column. */
	for (i = 0; i < 8; i++)
		p[i].v = 5;
	chart_draw(win, 0, 0, 2, 4, &c, NULL);
	for (i = 0; i < 4; i++) {
		assert_int_equal(cell(win, 0, i, NULL), 0x2824);
		assert_int_equal(cell(win, 1, i, NULL), L' ');
	}
	delwin(win);
}

static void
test_chart_gaps(void **state)
{
	WINDOW *win = fresh(4, 10);
	struct chart_point p[5] = {
		{ 500, 1 }, { 1500, 1 }, { 6500, 1 }, { 7500, 1 }, { 0, 0 } };
	struct chart c;

	memset(&c, 0, sizeof c);
	c.from_ms = 0;
	c.to_ms = 8000;
	c.interval_ms = 1000;
	c.pts = p;
	c.npts = 4;
	c.ymin = 0;
	c.ymax = 7;
	c.style = CHART_BRAILLE;
	/* 5 s missing: more than 2 intervals, so never joined. */
	chart_draw(win, 0, 0, 2, 4, &c, NULL);
	assert_int_not_equal(cell(win, 1, 0, NULL), L' ');
	assert_int_equal(cell(win, 1, 1, NULL), L' ');
	assert_int_equal(cell(win, 1, 2, NULL), L' ');
	assert_int_not_equal(cell(win, 1, 3, NULL), L' ');
	/* The same gap joined when the interval says it is no gap. */
	c.interval_ms = 5000;
	chart_draw(win, 0, 0, 2, 4, &c, NULL);
	assert_int_not_equal(cell(win, 1, 1, NULL), L' ');
	assert_int_not_equal(cell(win, 1, 2, NULL), L' ');

	/* A NAN breaks the line: dot column 2 stays empty. */
	p[0] = (struct chart_point){ 500, 1 };
	p[1] = (struct chart_point){ 1500, 1 };
	p[2] = (struct chart_point){ 2500, NAN };
	p[3] = (struct chart_point){ 3500, 1 };
	p[4] = (struct chart_point){ 4500, 1 };
	c.npts = 5;
	c.interval_ms = 1000;
	chart_draw(win, 0, 0, 2, 4, &c, NULL);
	/* Dot row 1 is sub-row 2 of the bottom cell: bits 0x04 / 0x20. */
	assert_int_equal(cell(win, 1, 0, NULL), 0x2800 + 0x04 + 0x20);
	assert_int_equal(cell(win, 1, 1, NULL), 0x2800 + 0x20);
	assert_int_equal(cell(win, 1, 2, NULL), 0x2800 + 0x04);
	delwin(win);
}

static void
test_chart_blocks_ascii(void **state)
{
	WINDOW *win = fresh(6, 40);
	struct chart_point p[4] = {
		{ 500, 0 }, { 1500, 1 }, { 2500, 2 }, { 3500, 3 } };
	struct chart c;
	char b[128];

	memset(&c, 0, sizeof c);
	c.from_ms = 0;
	c.to_ms = 4000;
	c.interval_ms = 1000;
	c.pts = p;
	c.npts = 4;
	c.ymin = 0;
	c.ymax = 15;
	c.style = CHART_BLOCKS;
	/* 2 rows = 16 eighths: v -> level v, filled v + 1 eighths. */
	chart_draw(win, 0, 0, 2, 4, &c, NULL);
	/* Column 0 holds the line from 0 up to 0.5 on its way to 1. */
	assert_int_equal(cell(win, 1, 0, NULL), 0x2582);
	assert_int_equal(cell(win, 1, 3, NULL), 0x2584);
	assert_int_equal(cell(win, 0, 3, NULL), L' ');

	c.ymax = 3;
	c.style = CHART_ASCII;
	chart_draw(win, 2, 0, 4, 4, &c, NULL);
	/* '*' at each sample, '|' where the join climbs in a column. */
	assert_string_equal(row(win, 2, 0, 4, b, sizeof b), "  |*");
	assert_string_equal(row(win, 3, 0, 4, b, sizeof b), " |* ");
	assert_string_equal(row(win, 4, 0, 4, b, sizeof b), "|*  ");
	assert_string_equal(row(win, 5, 0, 4, b, sizeof b), "*   ");
	delwin(win);
}

static void
test_chart_axes(void **state)
{
	WINDOW *win = fresh(10, 60);
	struct chart_point p[60];
	struct chart c;
	struct chart_area area;
	char b[128], t[FMT_MAX];
	int64_t base = (int64_t)1700000000 * 1000;
	int i;

	for (i = 0; i < 60; i++) {
		p[i].ts_ms = base + 1000 * i;
		p[i].v = 1048576.0 * (100 + i);
	}
	memset(&c, 0, sizeof c);
	c.from_ms = base;
	c.to_ms = base + 59000;
	c.interval_ms = 1000;
	c.pts = p;
	c.npts = 60;
	c.ymin = c.ymax = NAN;
	c.yfmt = fmt_bytes;
	c.style = CHART_BRAILLE;
	c.axes = 1;
	chart_draw(win, 0, 0, 10, 60, &c, &area);
	assert_int_equal(area.h, 9);
	assert_int_equal(area.x, 5);		/* "159M" and the axis */
	assert_int_equal(area.w, 55);
	assert_true(area.ymin == 1048576.0 * 100);
	assert_string_equal(row(win, 0, 0, 5, b, sizeof b),
	    "159M\xe2\x94\xa4");
	assert_string_equal(row(win, 4, 0, 5, b, sizeof b),
	    "130M\xe2\x94\xa4");
	assert_string_equal(row(win, 8, 0, 5, b, sizeof b),
	    "100M\xe2\x94\xa4");
	assert_string_equal(row(win, 1, 0, 5, b, sizeof b),
	    "    \xe2\x94\x82");
	fmt_time_hms(base, t, sizeof t);
	assert_string_equal(row(win, 9, 5, 8, b, sizeof b), t);
	fmt_time_hms(base + 29500, t, sizeof t);
	assert_string_equal(row(win, 9, 28, 8, b, sizeof b), t);
	fmt_time_hms(base + 59000, t, sizeof t);
	assert_string_equal(row(win, 9, 52, 8, b, sizeof b), t);
	/* The line rises left to right: top right and bottom left set. */
	assert_int_not_equal(cell(win, 0, 59, NULL), L' ');
	assert_int_not_equal(cell(win, 8, area.x, NULL), L' ');

	/* No points: "no data", and no labels. */
	c.npts = 0;
	chart_draw(win, 0, 0, 10, 60, &c, &area);
	assert_int_equal(area.x, 3);		/* "0B".."1B" */
	assert_string_equal(row(win, 0, 0, 3, b, sizeof b),
	    "  \xe2\x94\xa4");
	assert_non_null(strstr(row(win, 4, 0, 60, b, sizeof b), "no data"));
	delwin(win);
}

/* Everything drawn in ASCII mode is printable ASCII. */
static void
test_ascii_only(void **state)
{
	WINDOW *win = fresh(20, 60);
	struct chart_point p[30];
	struct chart c;
	struct table_layout l;
	double v[10];
	int i, y, x;
	wchar_t ch;

	for (i = 0; i < 30; i++) {
		p[i].ts_ms = 1700000000000LL + 1000 * i;
		p[i].v = i % 7 == 3 ? NAN : sin(i / 3.0);
	}
	for (i = 0; i < 10; i++)
		v[i] = i * i;
	widget_text(win, 0, 0, 40, "na\xc3\xafve \xe6\x97\xa5 worker",
	    WIDGET_NUL, A_NORMAL, UG_ASCII);
	widget_box(win, 1, 0, 4, 30, "box", A_NORMAL, UG_ASCII);
	widget_hline(win, 5, 0, 30, A_NORMAL, UG_ASCII);
	spark_draw(win, 6, 0, 10, v, 10, NAN, NAN, A_NORMAL, UG_ASCII);
	gauge_draw(win, 7, 0, 20, 0.66, "66%", UG_ASCII);
	table_layout(cols, 6, 60, &l);
	table_draw_header(win, 8, 0, cols, &l, 2, 0, A_NORMAL, UG_ASCII);
	memset(&c, 0, sizeof c);
	c.from_ms = p[0].ts_ms;
	c.to_ms = p[29].ts_ms;
	c.interval_ms = 1000;
	c.pts = p;
	c.npts = 30;
	c.ymin = c.ymax = NAN;
	c.style = chart_style_for(UG_ASCII, 1);
	assert_int_equal(c.style, CHART_ASCII);
	c.axes = 1;
	chart_draw(win, 9, 0, 11, 60, &c, NULL);
	for (y = 0; y < 20; y++)
		for (x = 0; x < 60; x++) {
			ch = cell(win, y, x, NULL);
			assert_true(ch >= 0x20 && ch < 0x7f);
		}
	/* The chart used its ASCII marks. */
	for (i = 0, y = 9; y < 19; y++)
		for (x = 0; x < 60; x++)
			if (cell(win, y, x, NULL) == L'*')
				i++;
	assert_true(i >= 20);
	delwin(win);
}


int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_bytes),
		cmocka_unit_test(test_format_rate_seconds),
		cmocka_unit_test(test_format_other),
		cmocka_unit_test(test_format_locale),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_table_layout),
		cmocka_unit_test(test_table_draw),
		cmocka_unit_test(test_table_scroll_select),
		cmocka_unit_test(test_sparkline),
		cmocka_unit_test(test_gauge),
		cmocka_unit_test(test_chart_braille_line),
		cmocka_unit_test(test_chart_gaps),
		cmocka_unit_test(test_chart_blocks_ascii),
		cmocka_unit_test(test_chart_axes),
		cmocka_unit_test(test_ascii_only),
	};

	return cmocka_run_group_tests(tests, screen_setup, screen_teardown);
}
