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
	/* Wider than a row buffer: the newest values stay at the right. */
	{
		WINDOW *pad = newpad(1, 400);
		double wide[300];

		for (i = 0; i < 300; i++)
			wide[i] = i;
		spark_draw(pad, 0, 0, 300, wide, 300, NAN, NAN, A_NORMAL,
		    UG_UNICODE);
		assert_int_equal(cell(pad, 0, 0, NULL), L' ');
		assert_int_equal(cell(pad, 0, 43, NULL), L' ');
		assert_int_equal(cell(pad, 0, 44, NULL), 0x2581);
		assert_int_equal(cell(pad, 0, 299, NULL), 0x2588);
		assert_int_equal(cell(pad, 0, 300, NULL), L' ');
		delwin(pad);
	}
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


/* ------------------------------------------------------------------ */
/* Panels, drawn from a fake view */

static char shown_panel[32];

/* The console's; the memory panel's Enter opens the metrics panel. */
void
ui_panel_show(const char *name)
{
	util_strlcpy(shown_panel, name, sizeof shown_panel);
}

#define FAKE_T0		((int64_t)1700000000 * 1000)
#define FAKE_NOW	(FAKE_T0 + 600 * 1000)

#define FAKE_LOG	40	/* lines of llm-0's log */

struct fake_view {
	struct view		 v;
	struct view_worker	 w[3];
	struct view_series	 s[4];
	struct view_event	 ev[6];
	struct view_event	 out[6];
	int			 nworkers;
	/* incidents, newest first, with their timelines */
	struct view_incident	 inc[3];
	struct view_incident	 inc_out[3];
	int			 ninc;
	struct view_entry	 tl[5];		/* incident 3's */
	struct view_entry	 tl1[2];	/* incident 1's */
	struct view_log_line	 log[FAKE_LOG];
	char			 logtext[FAKE_LOG][160];
	int			 nlog;
	struct view_pattern	 pat[2];
	double			 psi_some, psi_full;
};

static const char *fk_mode(struct view *v) { return "live"; }
static const char *fk_source(struct view *v) { return "testhost"; }
static int64_t fk_time(struct view *v) { return FAKE_NOW; }
static int64_t fk_interval(struct view *v) { return 1000; }

static size_t
fk_workers(struct view *v, const struct view_worker **out)
{
	struct fake_view *f = (struct fake_view *)v;

	*out = f->w;
	return (size_t)f->nworkers;
}

static size_t
fk_series(struct view *v, const char *worker,
    const struct view_series **out)
{
	struct fake_view *f = (struct fake_view *)v;

	*out = f->s;
	return strcmp(worker, "llm-0") == 0 ? 4 : 0;
}

/* proc_rss_bytes climbs 1 MiB a second from 100 MiB; requests_total
 * counts 10 a second; up is 1; the labelled gauge is 3. */
static int
fk_points(struct view *v, const char *worker, const char *metric,
    const char *labels, size_t labels_len, int64_t from, int64_t to,
    view_point_fn fn, void *ctx)
{
	int64_t t;
	double x;

	if (strcmp(worker, "llm-0") != 0)
		return -1;
	for (t = FAKE_T0; t <= FAKE_NOW; t += 1000) {
		if (t < from || t > to)
			continue;
		x = (double)(t - FAKE_T0) / 1000;
		if (strcmp(metric, "proc_rss_bytes") == 0)
			x = 1048576.0 * (100 + x);
		else if (strcmp(metric, "requests_total") == 0)
			x = 10 * x;
		else if (strcmp(metric, "up") == 0)
			x = 1;
		else if (strcmp(metric, "queue_depth") == 0)
			x = 3;
		else
			return -1;
		if (fn(ctx, t, x))
			break;
	}
	return 0;
}

static size_t
fk_events(struct view *v, const char *worker, size_t max,
    const struct view_event **out)
{
	struct fake_view *f = (struct fake_view *)v;
	size_t i, n = 0;

	/* ev[] is newest first already. */
	for (i = 0; i < ARRAY_LEN(f->ev) && n < max; i++) {
		if (worker != NULL && (f->ev[i].worker == NULL ||
		    strcmp(f->ev[i].worker, worker) != 0))
			continue;
		f->out[n++] = f->ev[i];
	}
	*out = f->out;
	return n;
}

static size_t
fk_incidents(struct view *v, const char *worker, int open_only,
    const struct view_incident **out)
{
	struct fake_view *f = (struct fake_view *)v;
	size_t n = 0;
	int i;

	for (i = 0; i < f->ninc; i++) {
		if (worker != NULL && strcmp(f->inc[i].worker, worker) != 0)
			continue;
		if (open_only && !f->inc[i].open)
			continue;
		f->inc_out[n++] = f->inc[i];
	}
	*out = f->inc_out;
	return n;
}

static size_t
fk_timeline(struct view *v, int64_t id, const struct view_entry **out)
{
	struct fake_view *f = (struct fake_view *)v;

	if (id == 3) {
		*out = f->tl;
		return ARRAY_LEN(f->tl);
	}
	if (id == 1) {
		*out = f->tl1;
		return ARRAY_LEN(f->tl1);
	}
	return 0;
}

static size_t
fk_log(struct view *v, const char *worker, const struct view_log_line **out)
{
	struct fake_view *f = (struct fake_view *)v;

	*out = f->log;
	return strcmp(worker, "llm-0") == 0 ? (size_t)f->nlog : 0;
}

static size_t
fk_patterns(struct view *v, const struct view_pattern **out)
{
	struct fake_view *f = (struct fake_view *)v;

	*out = f->pat;
	return ARRAY_LEN(f->pat);
}

static void
fk_host(struct view *v, struct view_host *out)
{
	struct fake_view *f = (struct fake_view *)v;

	out->psi_some_avg10 = f->psi_some;
	out->psi_full_avg10 = f->psi_full;
}

static int fk_pollfds(struct view *v, struct pollfd *fds, int max,
    int *t) { return 0; }
static int fk_dispatch(struct view *v, const struct pollfd *fds, int n)
    { return 0; }
static const char *fk_status(struct view *v) { return NULL; }
static void fk_free(struct view *v) { }

static const struct view_ops fake_ops = {
	.mode = fk_mode,
	.source = fk_source,
	.time = fk_time,
	.interval = fk_interval,
	.workers = fk_workers,
	.series = fk_series,
	.points = fk_points,
	.events = fk_events,
	.pollfds = fk_pollfds,
	.dispatch = fk_dispatch,
	.status = fk_status,
	.free = fk_free,
	.incidents = fk_incidents,
	.timeline = fk_timeline,
	.log = fk_log,
	.patterns = fk_patterns,
	.host = fk_host,
};

static struct fake_view fake;
static struct ui fake_ui;

/* Line i of llm-0's log: access lines, and a traceback at 30..33 that a
 * rule matched (its first line) and an OOM line at 20. */
static void
fake_log_init(void)
{
	struct view_log_line *l;
	int i;

	fake.nlog = FAKE_LOG;
	for (i = 0; i < FAKE_LOG; i++) {
		l = &fake.log[i];
		snprintf(fake.logtext[i], sizeof fake.logtext[i],
		    "INFO 200 POST /v1/generate request %d took 31ms", i);
		l->cls = "";
		l->severity = 0;
		l->matched = 0;
		l->ts_ms = FAKE_NOW - (FAKE_LOG - i) * 1000;
		l->seq = (uint64_t)i;
	}
	snprintf(fake.logtext[20], sizeof fake.logtext[20],
	    "ERROR torch.cuda.OutOfMemoryError: CUDA out of memory");
	fake.log[20].matched = 1;
	fake.log[20].cls = "oom";
	fake.log[20].severity = 2;
	snprintf(fake.logtext[30], sizeof fake.logtext[30],
	    "Traceback (most recent call last):");
	fake.log[30].matched = 1;
	fake.log[30].cls = "exception";
	fake.log[30].severity = 1;
	snprintf(fake.logtext[31], sizeof fake.logtext[31],
	    "  File \"worker.py\", line 88, in handle");
	snprintf(fake.logtext[32], sizeof fake.logtext[32],
	    "    raise ValueError(\"NaN in model output\")");
	snprintf(fake.logtext[33], sizeof fake.logtext[33],
	    "ValueError: NaN in model output");
	/* a long line, cut with a marker */
	snprintf(fake.logtext[35], sizeof fake.logtext[35],
	    "WARNING a very long line: %s", "0123456789abcdefghij"
	    "0123456789ABCDEFGHIJ0123456789abcdefghij0123456789ABCDEFGHIJ"
	    "<end>");
	for (i = 0; i < FAKE_LOG; i++) {
		fake.log[i].text = fake.logtext[i];
		fake.log[i].len = strlen(fake.logtext[i]);
	}
}

static void
fake_analysis_init(void)
{
	struct view_incident *in;

	fake.ninc = 3;
	in = &fake.inc[0];
	in->id = 3;
	in->worker = "llm-0";
	in->cls = "exception";
	in->strategy = "investigate";
	in->trigger = "Traceback (most recent call last): ValueError";
	in->exc_type = "ValueError";
	in->exc_message = "NaN in model output";
	in->acked_by = "";
	in->resolved_by = "";
	in->severity = 1;
	in->open = 1;
	in->opened_ms = FAKE_NOW - 95 * 1000;
	in->last_ms = FAKE_NOW - 10 * 1000;
	in->count = 4;
	in->attempts = 1;
	in = &fake.inc[1];
	in->id = 2;
	in->worker = "llm-1";
	in->cls = "crash";
	in->strategy = "restart";
	in->trigger = "process 4243 exited (signal 9)";
	in->exc_type = "";
	in->exc_message = "";
	in->acked_by = "alice on /dev/pts/3";
	in->resolved_by = "";
	in->severity = 2;
	in->open = 1;
	in->opened_ms = FAKE_NOW - 60 * 1000;
	in->last_ms = FAKE_NOW - 1000;
	in->acked_ms = FAKE_NOW - 30 * 1000;
	in->count = 2;
	in = &fake.inc[2];
	in->id = 1;
	in->worker = "embed-0";
	in->cls = "leak";
	in->strategy = "restart";
	in->trigger = "RSS grows 5.00M/s";
	in->exc_type = "";
	in->exc_message = "";
	in->acked_by = "";
	in->resolved_by = "auto";
	in->severity = 1;
	in->open = 0;
	in->opened_ms = FAKE_NOW - 300 * 1000;
	in->last_ms = FAKE_NOW - 290 * 1000;
	in->resolved_ms = FAKE_NOW - 120 * 1000;
	in->count = 1;

	fake.tl[0] = (struct view_entry){ FAKE_NOW - 95000, "trigger",
	    "Traceback (most recent call last): ValueError" };
	fake.tl[1] = (struct view_entry){ FAKE_NOW - 80000, "join",
	    "the same again" };
	fake.tl[2] = (struct view_entry){ FAKE_NOW - 60000, "ack",
	    "bob on /dev/pts/1" };
	fake.tl[3] = (struct view_entry){ FAKE_NOW - 50000, "note",
	    "bob: bad batch from the tokenizer" };
	fake.tl[4] = (struct view_entry){ FAKE_NOW - 40000, "attempt",
	    "restart: ok" };
	fake.tl1[0] = (struct view_entry){ FAKE_NOW - 300000, "trigger",
	    "RSS grows 5.00M/s" };
	fake.tl1[1] = (struct view_entry){ FAKE_NOW - 120000, "resolve",
	    "auto" };

	fake.pat[0] = (struct view_pattern){ "llm-0", "exception", 7, 3, 7,
	    35, 80, 2, FAKE_NOW - 95000 };
	fake.pat[1] = (struct view_pattern){ "llm-1", "crash", 1, 1, 1, NAN,
	    NAN, 0, FAKE_NOW - 60000 };
	fake.psi_some = 2.5;
	fake.psi_full = 0.5;
	fake_log_init();
}

static void
fake_init(void)
{
	struct view_worker *w;

	memset(&fake, 0, sizeof fake);
	fake.v.ops = &fake_ops;
	fake.nworkers = 3;
	w = &fake.w[0];
	w->name = "llm-0";
	w->state = VIEW_UP;
	w->pid = 4242;
	w->cpu_percent = 12.3;
	w->rss_bytes = 1.25 * 1073741824;
	w->pss_bytes = 1.0 * 1073741824;
	w->swap_bytes = 0;
	w->limit_bytes = 8.0 * 1073741824;
	w->gpu_bytes = NAN;
	w->req_rate = 12;
	w->err_rate = 0;
	w->p50_s = 0.012;
	w->p99_s = 1.2;
	w->restarts = 0;
	w->rss_slope = 12.0 * 1048576 / 3600;	/* 12 MiB an hour */
	w->threads = 12;
	w->fds = 40;
	w->note = "";
	w->incidents = 1;
	w->leak = 1;
	w->slope_lo = 10.0 * 1048576 / 3600;
	w->slope_hi = 14.0 * 1048576 / 3600;
	w->ttl_s = 290;			/* 4m50s */
	w->ttl_lo_s = 180;
	w->ttl_hi_s = 420;
	w->fragmentation = 1.35;
	w->efficiency = 74;
	w->risk = VIEW_RISK_HIGH;
	w->risk_reason = "leaking: the limit in 4m50s";
	w->mitigation = "restart (a leak is freed only by a restart)";
	w->anomalies = VIEW_ANOM_LATENCY;
	w->anomaly_score = 7.5;
	w->rules_firing = 1;
	w = &fake.w[1];
	w->name = "llm-1";
	w->state = VIEW_DOWN;
	w->cpu_percent = w->rss_bytes = w->pss_bytes = w->swap_bytes = NAN;
	w->limit_bytes = w->gpu_bytes = w->req_rate = w->err_rate = NAN;
	w->p50_s = w->p99_s = w->rss_slope = w->threads = w->fds = NAN;
	w->restarts = 2;
	w->note = "process exited";
	w->incidents = 1;
	w->slope_lo = w->slope_hi = w->ttl_s = w->ttl_lo_s = NAN;
	w->ttl_hi_s = w->fragmentation = w->efficiency = NAN;
	w->anomaly_score = NAN;
	w->risk_reason = w->mitigation = "";
	w = &fake.w[2];
	w->name = "embed-0";
	w->state = VIEW_RESTARTING;
	w->pid = 99;
	w->cpu_percent = 1;
	w->rss_bytes = 7.5 * 1073741824;
	w->pss_bytes = NAN;
	w->swap_bytes = 1048576;
	w->limit_bytes = 8.0 * 1073741824;
	w->gpu_bytes = 2.0 * 1073741824;
	w->req_rate = w->err_rate = w->p50_s = w->p99_s = NAN;
	w->rss_slope = -1000;
	w->threads = w->fds = NAN;
	w->restarts = 1;
	w->note = "";
	w->slope_lo = w->slope_hi = NAN;
	w->ttl_s = w->ttl_lo_s = w->ttl_hi_s = NAN;
	w->fragmentation = 3.1;
	w->efficiency = 32;
	w->risk = VIEW_RISK_CRITICAL;
	w->risk_reason = "RSS 7.50G is 94% of the 8.00G limit";
	w->mitigation = "trim (fragmented heap)";
	w->anomaly_score = NAN;

	fake.s[0] = (struct view_series){ "proc_rss_bytes", "", 0,
	    1.25 * 1073741824, FAKE_NOW, 0 };
	fake.s[1] = (struct view_series){ "queue_depth",
	    "{model=\"llama\"}", 15, 3, FAKE_NOW - 5000, 0 };
	fake.s[2] = (struct view_series){ "requests_total", "", 0, 6000,
	    FAKE_NOW, 1 };
	fake.s[3] = (struct view_series){ "up", "", 0, 1, FAKE_NOW, 0 };

	fake.ev[0] = (struct view_event){ FAKE_NOW - 1000, "llm-1", "exited",
	    "process 4243 exited (signal 9) with RSS 7.9G" };
	fake.ev[1] = (struct view_event){ FAKE_NOW - 2000, "embed-0",
	    "restarted", "pid 98 -> 99" };
	fake.ev[2] = (struct view_event){ FAKE_NOW - 3000, "llm-0",
	    "scrape_failed", "http://127.0.0.1:8001/metrics: connection "
	    "refused" };
	fake.ev[3] = (struct view_event){ FAKE_NOW - 60000, "llm-1",
	    "started", "pid 4243" };
	fake.ev[4] = (struct view_event){ FAKE_NOW - 70000, NULL, "store",
	    "recording: disk full" };
	fake.ev[5] = (struct view_event){ FAKE_NOW - 90000, "llm-1",
	    "started", "pid 4200" };

	memset(&fake_ui, 0, sizeof fake_ui);
	fake_ui.view = &fake.v;
	fake_ui.glyphs = UG_UNICODE;
	fake_ui.colors = 256;
	util_strlcpy(fake_ui.selected, "llm-0", sizeof fake_ui.selected);
	fake_ui.window_ms = 5 * 60 * 1000;
	fake_analysis_init();
	last_message[0] = '\0';
	theme_load_default(256);
}

static int
run(const struct panel_ops *ops, void *p, const char *line)
{
	char buf[256], *argv[8], *save = NULL, *tok;
	int argc = 0;

	util_strlcpy(buf, line, sizeof buf);
	for (tok = strtok_r(buf, " ", &save); tok != NULL && argc < 8;
	    tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	return ops->command(p, &fake_ui, argc, argv);
}

/* The whole window as text, rows separated by '\n'. */
static const char *
screen_text(WINDOW *win, char *buf, size_t len)
{
	int h, w, y;
	size_t off = 0;

	getmaxyx(win, h, w);
	buf[0] = '\0';
	for (y = 0; y < h && off + 4 < len; y++) {
		row(win, y, 0, w, buf + off, len - off - 2);
		off += strlen(buf + off);
		buf[off++] = '\n';
		buf[off] = '\0';
	}
	return buf;
}

/* DUMP_PANELS=1 prints every panel frame to stderr, to look at. */
static void
draw(const struct panel_ops *ops, void *p, WINDOW *win)
{
	static char b[32768];
	int h, w;

	getmaxyx(win, h, w);
	werase(win);
	ops->draw(p, &fake_ui, win, h, w);
	if (getenv("DUMP_PANELS") != NULL)
		fprintf(stderr, "--- %s %dx%d\n%s", ops->name, w, h,
		    screen_text(win, b, sizeof b));
}

/* Find the row holding needle; -1 when none does. */
static int
find_row(WINDOW *win, const char *needle)
{
	char b[1024];
	int h, w, y;

	getmaxyx(win, h, w);
	for (y = 0; y < h; y++)
		if (strstr(row(win, y, 0, w, b, sizeof b), needle) != NULL)
			return y;
	return -1;
}

static void
test_panel_metrics(void **state)
{
	const struct panel_ops *ops = &panel_metrics_ops;
	WINDOW *win = fresh(24, 80);
	char b[4096];
	void *p;
	int y;

	fake_init();
	p = ops->create(&fake_ui);
	draw(ops, p, win);
	row(win, 0, 0, 80, b, sizeof b);
	assert_non_null(strstr(b, "llm-0  up  pid 4242  cpu 12.3%  "
	    "rss 1.25G/8.00G  req 12/s  p50 12ms  p99 1.20s"));
	row(win, 1, 0, 80, b, sizeof b);
	assert_non_null(strstr(b, "proc_rss_bytes  1.25G"));
	assert_non_null(strstr(b, "1m 5m 15m 1h 6h 24h"));
	/* The chart climbs: the last 5 minutes span 400M..700M. */
	assert_non_null(strstr(row(win, 2, 0, 80, b, sizeof b), "700M"));
	assert_true(find_row(win, "SERIES (4)") > 2);
	assert_true(find_row(win, "queue_depth{model=\"llama\"}") > 0);
	assert_true(find_row(win, "counter") > 0);

	/* Windows: set, step, refuse. */
	assert_int_equal(run(ops, p, "window 1h"), 1);
	assert_int_equal(fake_ui.window_ms, 3600 * 1000);
	assert_int_equal(run(ops, p, "window next"), 1);
	assert_int_equal(fake_ui.window_ms, 6 * 3600 * 1000);
	assert_int_equal(run(ops, p, "window prev"), 1);
	assert_int_equal(run(ops, p, "window prev"), 1);
	assert_int_equal(fake_ui.window_ms, 15 * 60 * 1000);
	assert_int_equal(run(ops, p, "left"), 1);
	assert_int_equal(fake_ui.window_ms, 5 * 60 * 1000);
	assert_int_equal(run(ops, p, "window bogus"), 0);
	assert_int_equal(run(ops, p, "window 1s"), 0);
	assert_int_equal(run(ops, p, "window 2h"), 1);
	assert_int_equal(fake_ui.window_ms, 2 * 3600 * 1000);
	assert_int_equal(run(ops, p, "window 1m"), 1);

	/* Find narrows the list; Enter charts the selection; a counter
	 * is charted as its rate. */
	assert_int_equal(run(ops, p, "find req"), 1);
	draw(ops, p, win);
	assert_true(find_row(win, "find \"req\": 1 of 4") > 0);
	assert_int_equal(find_row(win, "queue_depth"), -1);
	assert_int_equal(run(ops, p, "enter"), 1);
	draw(ops, p, win);
	row(win, 1, 0, 80, b, sizeof b);
	assert_non_null(strstr(b, "requests_total rate/s"));
	/* 10 a second, flat: the labels sit around 10. */
	assert_non_null(strstr(screen_text(win, b, sizeof b), "10"));
	assert_int_equal(run(ops, p, "back"), 1);	/* clears find */
	assert_int_equal(run(ops, p, "back"), 0);	/* console's */
	draw(ops, p, win);
	assert_true(find_row(win, "SERIES (4)") > 0);

	/* The selection follows the series; Enter on a labelled one. */
	assert_int_equal(run(ops, p, "top"), 1);
	assert_int_equal(run(ops, p, "down"), 1);
	assert_int_equal(run(ops, p, "enter"), 1);
	draw(ops, p, win);
	row(win, 1, 0, 80, b, sizeof b);
	assert_non_null(strstr(b, "queue_depth{model=\"llama\"}"));
	/* chart by name; unknown names are reported, not charted. */
	assert_int_equal(run(ops, p, "chart up"), 1);
	draw(ops, p, win);
	assert_non_null(strstr(row(win, 1, 0, 80, b, sizeof b), "up  1"));
	assert_int_equal(run(ops, p, "chart nosuch"), 1);
	assert_non_null(strstr(last_message, "no series \"nosuch\""));
	assert_int_equal(run(ops, p, "chart default"), 1);
	assert_int_equal(run(ops, p, "style blocks"), 1);
	draw(ops, p, win);
	assert_non_null(strstr(row(win, 1, 0, 80, b, sizeof b),
	    "proc_rss_bytes"));
	/* Blocks: the chart's bottom row is full blocks somewhere. */
	for (y = 2; y < 12; y++)
		if (strstr(row(win, y, 0, 80, b, sizeof b), "\xe2\x96\x88"))
			break;
	assert_true(y < 12);
	/* A click on a window label picks it. */
	assert_int_equal(ops->click(p, &fake_ui, 1, 79), 1);
	assert_int_equal(fake_ui.window_ms, 24 * 3600 * 1000);
	/* Another worker, with no series: says so, keeps going. */
	util_strlcpy(fake_ui.selected, "llm-1", sizeof fake_ui.selected);
	draw(ops, p, win);
	assert_non_null(strstr(row(win, 0, 0, 80, b, sizeof b),
	    "llm-1  down"));
	assert_non_null(strstr(row(win, 0, 0, 80, b, sizeof b),
	    "process exited"));
	assert_true(find_row(win, "no series yet") > 0);
	assert_true(find_row(win, "llm-1 has no series proc_rss_bytes") > 0);
	/* A worker that is gone: the first one instead. */
	util_strlcpy(fake_ui.selected, "gone", sizeof fake_ui.selected);
	draw(ops, p, win);
	assert_string_equal(fake_ui.selected, "llm-0");
	ops->destroy(p);
	delwin(win);
}

static void
test_panel_errors(void **state)
{
	const struct panel_ops *ops = &panel_errors_ops;
	WINDOW *win = fresh(24, 100);
	char b[4096];
	attr_t a;
	void *p;
	int y;

	fake_init();
	p = ops->create(&fake_ui);
	/* The events are the second view. */
	assert_int_equal(run(ops, p, "view events"), 1);
	assert_string_equal(shown_panel, "errors");
	draw(ops, p, win);
	assert_non_null(strstr(row(win, 0, 0, 100, b, sizeof b),
	    "Events Patterns  6 of all workers"));
	assert_int_equal(fake_ui.incident, 0);
	/* Newest first, coloured by severity. */
	y = find_row(win, "signal 9");
	assert_int_equal(y, 2);
	assert_non_null(strstr(row(win, 2, 0, 100, b, sizeof b), "crit"));
	y = find_row(win, "connection refused");
	assert_int_equal(y, 4);
	assert_non_null(strstr(row(win, 4, 0, 100, b, sizeof b), "warn"));
	assert_true(find_row(win, "(fleet)") == 6);
	/* Kind cells: exited is critical, started is info (row 3 is the
	 * selection, row 2 is not selected once we move). */
	assert_int_equal(run(ops, p, "down"), 1);
	draw(ops, p, win);
	row(win, 2, 0, 100, b, sizeof b);
	cell(win, 2, (int)(strstr(b, "exited") - b), &a);
	assert_int_equal(a, ui_attr(UC_CRITICAL));
	y = find_row(win, "pid 4243");
	row(win, y, 0, 100, b, sizeof b);
	cell(win, y, (int)(strstr(b, "started") - b), &a);
	assert_int_equal(a, ui_attr(UC_INFO));
	cell(win, 3, 0, &a);
	assert_int_equal(a, ui_attr(UC_SELECTED));

	/* Scope: the selected worker only. */
	util_strlcpy(fake_ui.selected, "llm-1", sizeof fake_ui.selected);
	assert_int_equal(run(ops, p, "scope worker"), 1);
	draw(ops, p, win);
	assert_non_null(strstr(row(win, 0, 0, 100, b, sizeof b),
	    "3 of llm-1"));
	assert_int_equal(find_row(win, "connection refused"), -1);
	assert_int_equal(run(ops, p, "scope bogus"), 1);
	assert_true(last_message_error);

	/* Details and the worker's timeline; up/down move in it. */
	assert_int_equal(run(ops, p, "down"), 1);	/* "started pid 4243" */
	assert_int_equal(run(ops, p, "enter"), 1);
	draw(ops, p, win);
	assert_true(find_row(win, "Timeline of llm-1") > 0);
	assert_true(find_row(win, "worker  llm-1") > 0);
	assert_true(find_row(win, "kind    started (info)") > 0);
	assert_true(find_row(win, "text    pid 4243") > 0);
	assert_int_equal(run(ops, p, "down"), 1);
	draw(ops, p, win);
	assert_true(find_row(win, "text    pid 4200") > 0);
	assert_int_equal(run(ops, p, "top"), 1);
	draw(ops, p, win);
	assert_true(find_row(win, "text    process 4243 exited") > 0);
	assert_int_equal(run(ops, p, "back"), 1);
	draw(ops, p, win);
	assert_true(find_row(win, "3 of llm-1") == 0);

	/* Find, across all workers again. */
	assert_int_equal(run(ops, p, "scope all"), 1);
	assert_int_equal(run(ops, p, "find disk"), 1);
	draw(ops, p, win);
	assert_non_null(strstr(row(win, 0, 0, 100, b, sizeof b),
	    "1 of all workers matching \"disk\" (of 6)"));
	assert_int_equal(find_row(win, "signal 9"), -1);
	/* A fleet event's details: the fleet's own timeline. */
	assert_int_equal(run(ops, p, "enter"), 1);
	draw(ops, p, win);
	assert_true(find_row(win, "Timeline of the fleet") > 0);
	assert_true(find_row(win, "(the fleet)") > 0);
	assert_int_equal(find_row(win, "pid 4200"), -1);
	assert_int_equal(run(ops, p, "back"), 1);
	assert_int_equal(run(ops, p, "back"), 1);	/* clears find */
	assert_int_equal(run(ops, p, "back"), 0);
	ops->destroy(p);
	delwin(win);
}

/* The attribute of the first cell of needle on row y. */
static attr_t
attr_at(WINDOW *win, int y, const char *needle)
{
	char b[1024];
	const char *at;
	attr_t a = 0;
	int w, h;

	getmaxyx(win, h, w);
	(void)h;
	row(win, y, 0, w, b, sizeof b);
	at = strstr(b, needle);
	assert_non_null(at);
	/* characters before it are columns (no wide ones here) */
	cell(win, y, (int)mbsnrtowcs(NULL, &(const char *){ b },
	    (size_t)(at - b), 0, NULL), &a);
	return a;
}

static void
test_panel_incidents(void **state)
{
	const struct panel_ops *ops = &panel_errors_ops;
	WINDOW *win = fresh(24, 100);
	char b[4096];
	void *p;
	int y;

	fake_init();
	p = ops->create(&fake_ui);
	draw(ops, p, win);
	row(win, 0, 0, 100, b, sizeof b);
	assert_non_null(strstr(b, "Incidents Events Patterns  2 open of 3"));
	assert_non_null(strstr(b, "A ack"));
	row(win, 1, 0, 100, b, sizeof b);
	assert_non_null(strstr(b, "CLASS"));
	assert_non_null(strstr(b, "STATE"));
	assert_non_null(strstr(b, "EXCEPTION OR TRIGGER"));
	/* Newest first: id, severity, class, worker, state, opened, for how
	 * long, triggers, attempts, the exception. */
	row(win, 2, 0, 100, b, sizeof b);
	assert_non_null(strstr(b, "   3 warn exception"));
	assert_non_null(strstr(b, "llm-0"));
	assert_non_null(strstr(b, " open "));
	assert_non_null(strstr(b, "1m35s    4   1 ValueError: NaN in model"));
	row(win, 3, 0, 100, b, sizeof b);
	assert_non_null(strstr(b, "   2 crit crash"));
	assert_non_null(strstr(b, "acked by alice "));
	assert_non_null(strstr(b, "process 4243 exited"));
	row(win, 4, 0, 100, b, sizeof b);
	assert_non_null(strstr(b, "   1 warn leak"));
	assert_non_null(strstr(b, "auto-resolved"));
	assert_non_null(strstr(b, " 3m00s "));	/* opened to resolved */
	/* Severity colours; the selected row in the selection's. */
	assert_int_equal(attr_at(win, 3, "crit"), ui_attr(UC_CRITICAL));
	assert_int_equal(attr_at(win, 3, "acked"), ui_attr(UC_INFO));
	assert_int_equal(attr_at(win, 2, "warn"), ui_attr(UC_SELECTED));
	assert_int_equal(attr_at(win, 4, "leak"), ui_attr(UC_DIM));
	/* The selection is the console's %i. */
	assert_int_equal(fake_ui.incident, 3);
	assert_int_equal(run(ops, p, "down"), 1);
	assert_int_equal(fake_ui.incident, 2);
	draw(ops, p, win);
	assert_int_equal(attr_at(win, 2, "warn"), ui_attr(UC_WARNING));
	assert_int_equal(run(ops, p, "bottom"), 1);
	assert_int_equal(fake_ui.incident, 1);
	assert_int_equal(ops->click(p, &fake_ui, 2, 5), 1);
	assert_int_equal(fake_ui.incident, 3);

	/* Details: the exception, the trigger, the strategy, the pattern,
	 * the timeline in order. */
	assert_int_equal(run(ops, p, "enter"), 1);
	draw(ops, p, win);
	row(win, 0, 0, 100, b, sizeof b);
	assert_non_null(strstr(b, "Incident #3 exception (warning) open"));
	assert_true(find_row(win, "worker    llm-0") == 1);
	assert_true(find_row(win, "open for 1m35s") > 0);
	assert_true(find_row(win, "4 triggers, 1 recovery attempt, strategy "
	    "investigate") > 0);
	assert_true(find_row(win, "exception ValueError: NaN in model output")
	    > 0);
	assert_true(find_row(win, "trigger   Traceback (most recent call "
	    "last): ValueError") > 0);
	y = find_row(win, "pattern   7 exception incidents on llm-0 (3 in "
	    "the last hour), MTBF 35.0s, MTTR 1m20s,");
	assert_true(y > 0);
	assert_true(find_row(win, "          error came back 2 times") ==
	    y + 1);
	assert_true(find_row(win, "Timeline, oldest first (5 entries)") > 0);
	y = find_row(win, "trigger  Traceback");
	assert_true(y > 0);
	assert_true(find_row(win, "join     the same again") == y + 1);
	assert_true(find_row(win, "ack      bob on /dev/pts/1") == y + 2);
	assert_true(find_row(win, "note     bob: bad batch") == y + 3);
	assert_true(find_row(win, "attempt  restart: ok") == y + 4);
	assert_int_equal(fake_ui.incident, 3);
	/* The timeline scrolls when it does not fit. */
	{
		WINDOW *small = fresh(14, 80);

		draw(ops, p, small);
		assert_true(find_row(small, "trigger  Traceback") > 0);
		assert_int_equal(find_row(small, "attempt  restart"), -1);
		assert_int_equal(run(ops, p, "bottom"), 1);
		draw(ops, p, small);
		assert_int_equal(find_row(small, "trigger  Traceback"), -1);
		assert_true(find_row(small, "attempt  restart: ok") > 0);
		assert_int_equal(run(ops, p, "top"), 1);
		delwin(small);
	}
	assert_int_equal(run(ops, p, "back"), 1);

	/* An acknowledged one says by whom and when; a resolved one too. */
	assert_int_equal(run(ops, p, "down"), 1);
	assert_int_equal(run(ops, p, "enter"), 1);
	draw(ops, p, win);
	assert_non_null(strstr(row(win, 0, 0, 100, b, sizeof b),
	    "Incident #2 crash (critical) acked by alice on /dev/pts/3"));
	y = find_row(win, "acked     ");
	assert_int_equal(y, 3);
	assert_non_null(strstr(row(win, y, 0, 100, b, sizeof b),
	    " by alice on /dev/pts/3"));
	assert_int_equal(find_row(win, "exception "), -1);
	assert_int_equal(find_row(win, "pattern   1 crash incident on llm-1"
	    " (1 in the last hour), MTBF -, MTTR -") > 0, 1);
	assert_true(find_row(win, "Timeline, oldest first (0 entries)") > 0);
	assert_int_equal(run(ops, p, "back"), 1);
	assert_int_equal(run(ops, p, "down"), 1);
	assert_int_equal(run(ops, p, "enter"), 1);
	draw(ops, p, win);
	assert_non_null(strstr(row(win, 0, 0, 100, b, sizeof b),
	    "Incident #1 leak (warning) auto-resolved"));
	row(win, 3, 0, 100, b, sizeof b);
	assert_int_equal(strncmp(b, "resolved  ", 10), 0);
	assert_non_null(strstr(b, " automatically (its condition cleared)"));
	assert_true(find_row(win, "lasted 3m00s") > 0);
	assert_true(find_row(win, "resolve  auto") > 0);
	/* Gone from the view: says so, no crash. */
	fake.ninc = 2;
	draw(ops, p, win);
	assert_true(find_row(win, "Incident #1 is no longer in the view") ==
	    0);
	assert_int_equal(run(ops, p, "back"), 1);
	fake.ninc = 3;

	/* Scope and find narrow the incidents. */
	util_strlcpy(fake_ui.selected, "llm-1", sizeof fake_ui.selected);
	assert_int_equal(run(ops, p, "scope worker"), 1);
	draw(ops, p, win);
	assert_non_null(strstr(row(win, 0, 0, 100, b, sizeof b),
	    "1 open of 1 on llm-1"));
	assert_int_equal(find_row(win, "ValueError"), -1);
	assert_int_equal(fake_ui.incident, 2);
	assert_int_equal(run(ops, p, "scope all"), 1);
	assert_int_equal(run(ops, p, "find nan in"), 1);
	draw(ops, p, win);
	assert_non_null(strstr(row(win, 0, 0, 100, b, sizeof b),
	    "1 open of 1 matching \"nan in\""));
	assert_true(find_row(win, "ValueError") == 2);
	assert_int_equal(run(ops, p, "find zzz"), 1);
	draw(ops, p, win);
	assert_true(find_row(win, "no incident matches") == 2);
	assert_int_equal(fake_ui.incident, 0);
	assert_int_equal(run(ops, p, "back"), 1);	/* clears find */
	draw(ops, p, win);
	assert_non_null(strstr(row(win, 0, 0, 100, b, sizeof b),
	    "2 open of 3"));

	/* Patterns: per worker and class. */
	assert_int_equal(run(ops, p, "view patterns"), 1);
	draw(ops, p, win);
	row(win, 0, 0, 100, b, sizeof b);
	assert_non_null(strstr(b, "2 worker/class pairs, 1 recurring"));
	row(win, 1, 0, 100, b, sizeof b);
	assert_non_null(strstr(b, "MTBF"));
	assert_non_null(strstr(b, "MTTR"));
	assert_non_null(strstr(b, "RECUR"));
	y = find_row(win, "exception");
	assert_int_equal(y, 2);
	row(win, y, 0, 100, b, sizeof b);
	assert_non_null(strstr(b, "llm-0"));
	assert_non_null(strstr(b, "35.0s"));
	assert_non_null(strstr(b, "1m20s"));
	assert_int_equal(attr_at(win, y, "2 "), ui_attr(UC_WARNING));
	assert_int_equal(fake_ui.incident, 0);
	/* view cycles; a bad name is refused. */
	assert_int_equal(run(ops, p, "view"), 1);
	draw(ops, p, win);
	assert_non_null(strstr(row(win, 0, 0, 100, b, sizeof b),
	    "2 open of 3"));
	assert_int_equal(run(ops, p, "view prev"), 1);
	draw(ops, p, win);
	assert_true(find_row(win, "RECUR") == 1);
	last_message[0] = '\0';
	assert_int_equal(run(ops, p, "view bogus"), 1);
	assert_non_null(strstr(last_message, "usage: view"));

	/* A view without incidents (an older recording): says so. */
	fake.ninc = 0;
	assert_int_equal(run(ops, p, "view incidents"), 1);
	draw(ops, p, win);
	assert_true(find_row(win, "no incidents") == 2);
	assert_int_equal(fake_ui.incident, 0);
	assert_int_equal(run(ops, p, "enter"), 1);
	draw(ops, p, win);
	assert_true(find_row(win, "no incidents") == 2);
	ops->destroy(p);
	delwin(win);
}

static void
test_panel_memory(void **state)
{
	const struct panel_ops *ops = &panel_memory_ops;
	WINDOW *win = fresh(24, 120);
	char b[4096];
	void *p;
	int y;

	fake_init();
	p = ops->create(&fake_ui);
	draw(ops, p, win);
	/* The title: leaks and risk counted, the host's pressure. */
	row(win, 0, 0, 120, b, sizeof b);
	assert_non_null(strstr(b, "Memory: 3 workers, 1 leaking, 2 at high "
	    "risk"));
	assert_non_null(strstr(b, "host pressure some 2.5% full 0.5%"));
	row(win, 1, 0, 120, b, sizeof b);
	assert_non_null(strstr(b, "NAME"));
	assert_non_null(strstr(b, "GROWTH"));
	assert_non_null(strstr(b, "LEAK"));
	assert_non_null(strstr(b, "TO LIMIT"));
	assert_non_null(strstr(b, "RISK"));
	y = find_row(win, "llm-0");
	assert_int_equal(y, 2);
	row(win, 2, 0, 120, b, sizeof b);
	assert_non_null(strstr(b, "1.25G"));
	assert_non_null(strstr(b, "16%"));
	assert_non_null(strstr(b, "+12.0M/h leak    4m50s high"));
	assert_non_null(strstr(b, "8.00G"));
	/* Unknown figures are "-", never invented. */
	row(win, 3, 0, 120, b, sizeof b);
	assert_non_null(strstr(b, "llm-1"));
	assert_non_null(strstr(b, "no limit"));
	assert_non_null(strstr(b, "- -           - -"));
	row(win, 4, 0, 120, b, sizeof b);
	assert_non_null(strstr(b, "94%"));		/* 7.5G of 8G */
	assert_non_null(strstr(b, "2.00G"));		/* GPU */
	assert_non_null(strstr(b, "-3.43M/h no          - critical"));
	/* Colours: the verdict, the risk, RSS at risk. */
	assert_int_equal(attr_at(win, 4, "critical"), ui_attr(UC_CRITICAL));
	assert_int_equal(attr_at(win, 4, "7.50G"), ui_attr(UC_CRITICAL));
	util_strlcpy(fake_ui.selected, "embed-0", sizeof fake_ui.selected);
	draw(ops, p, win);
	assert_int_equal(attr_at(win, 2, "leak"), ui_attr(UC_CRITICAL));
	assert_int_equal(attr_at(win, 2, "high"), ui_attr(UC_WARNING));
	assert_int_equal(attr_at(win, 2, "4m50s"), ui_attr(UC_WARNING));
	util_strlcpy(fake_ui.selected, "llm-0", sizeof fake_ui.selected);
	draw(ops, p, win);
	/* Details of the selected worker: the growth with its interval, the
	 * verdict, the time to the limit with its interval, the risk with
	 * its reason, the mitigation, fragmentation and efficiency. */
	assert_true(find_row(win, "RSS 1.25G of 8.00G (15.6%)") > 0);
	assert_true(find_row(win, "growth +12.0M/h (95%: +10.0M/h..+14.0M/h)"
	    "  LEAK: growing steadily") > 0);
	assert_true(find_row(win, "to the limit: in 4m50s (3m00s..7m00s)") >
	    0);
	assert_true(find_row(win, "risk high: leaking: the limit in 4m50s") >
	    0);
	assert_true(find_row(win, "mitigation: restart (a leak is freed only "
	    "by a restart)") > 0);
	assert_true(find_row(win, "fragmentation 1.35x  efficiency 74.0%") >
	    0);
	assert_int_equal(find_row(win, "(no memory analysis yet)"), -1);
	assert_int_equal(attr_at(win, find_row(win, "risk high"), "risk"),
	    ui_attr(UC_WARNING));
	/* Memory events only. */
	assert_true(find_row(win, "with RSS 7.9G") > 0);
	assert_true(find_row(win, "pid 98 -> 99") > 0);
	assert_int_equal(find_row(win, "connection refused"), -1);
	/* A worker with no figures says so in words. */
	assert_int_equal(run(ops, p, "down"), 1);
	assert_string_equal(fake_ui.selected, "llm-1");
	draw(ops, p, win);
	assert_true(find_row(win, "growth -  (not enough samples yet") > 0);
	assert_true(find_row(win, "to the limit: no limit set") > 0);
	assert_true(find_row(win, "mitigation: none needed") > 0);
	/* At the limit; growing fast (per second); unknown pressure. */
	fake.w[2].ttl_s = 0;
	fake.w[2].rss_slope = 5.0 * 1048576;
	fake.w[2].slope_lo = 4.5 * 1048576;
	fake.w[2].slope_hi = 5.5 * 1048576;
	fake.psi_some = fake.psi_full = NAN;
	assert_int_equal(run(ops, p, "bottom"), 1);
	assert_string_equal(fake_ui.selected, "embed-0");
	draw(ops, p, win);
	assert_true(find_row(win, "to the limit: at the limit now") > 0);
	assert_true(find_row(win, "growth +5.00M/s (95%: +4.50M/s..+5.50M/s)")
	    > 0);
	assert_true(find_row(win, "+5.00M/s no        now critical") > 0);
	assert_int_equal(find_row(win, "host pressure"), -1);
	/* The selection is the console's. */
	assert_int_equal(ops->click(p, &fake_ui, 2, 3), 1);
	assert_string_equal(fake_ui.selected, "llm-0");
	shown_panel[0] = '\0';
	assert_int_equal(run(ops, p, "enter"), 1);
	assert_string_equal(shown_panel, "metrics");
	assert_int_equal(run(ops, p, "back"), 0);
	/* 80x24 and 40x12: the verdict and the time to the limit stay. */
	{
		WINDOW *w80 = fresh(20, 80), *w40 = fresh(8, 40);

		draw(ops, p, w80);
		assert_non_null(strstr(row(w80, 2, 0, 80, b, sizeof b),
		    "leak    4m50s high"));
		assert_true(find_row(w80, "to the limit: in 4m50s") > 0);
		/* A long reason wraps onto the spare row. */
		fake.w[0].risk_reason = "leak: RSS 1.25G is 16% of the 8.0G "
		    "limit and growing 12M/h: the limit in 4m50s (3m00s to "
		    "7m00s)";
		draw(ops, p, w80);
		y = find_row(w80, "risk high: leak: RSS 1.25G is 16% of the");
		assert_true(y > 0);
		assert_non_null(strstr(row(w80, y + 1, 0, 80, b, sizeof b),
		    "   limit in 4m50s (3m00s to 7m00s)"));
		assert_true(find_row(w80, "mitigation: restart") == y + 2);
		draw(ops, p, w40);
		row(w40, 2, 0, 40, b, sizeof b);
		assert_non_null(strstr(b, "llm-0"));
		assert_non_null(strstr(b, "leak    4m50s high"));
		delwin(w80);
		delwin(w40);
	}
	ops->destroy(p);
	delwin(win);
}

static void
test_panel_fleet_marks(void **state)
{
	const struct panel_ops *ops = &panel_fleet_ops;
	WINDOW *win = fresh(12, 100);
	char b[1024];
	void *p;
	int y;

	fake_init();
	p = ops->create(&fake_ui);
	util_strlcpy(fake_ui.selected, "llm-1", sizeof fake_ui.selected);
	draw(ops, p, win);
	/* llm-0: a rule firing, p99 anomalous, RSS at high risk, one open
	 * incident. */
	y = find_row(win, "llm-0");
	assert_true(y > 0);
	row(win, y, 0, 100, b, sizeof b);
	assert_non_null(strstr(b, "firing"));
	assert_non_null(strstr(b, "1.20s!"));
	assert_int_equal(attr_at(win, y, "firing"), ui_attr(UC_WARNING));
	assert_int_equal(attr_at(win, y, "1.20s!"), ui_attr(UC_WARNING) |
	    A_BOLD);
	assert_int_equal(attr_at(win, y, "1.25G"), ui_attr(UC_WARNING));
	/* embed-0: critical memory risk. */
	y = find_row(win, "embed-0");
	assert_int_equal(attr_at(win, y, "7.50G"), ui_attr(UC_CRITICAL));
	/* The INC column has the open incidents. */
	assert_true(find_row(win, "INC") == 0);
	/* The selected worker's trouble in words. */
	util_strlcpy(fake_ui.selected, "llm-0", sizeof fake_ui.selected);
	draw(ops, p, win);
	assert_true(find_row(win, " llm-0: 1 rule firing; anomalous now: "
	    "latency (score 7.5)") == 11);
	/* Nothing flagged: plain figures. */
	fake.w[0].anomalies = 0;
	fake.w[0].rules_firing = 0;
	draw(ops, p, win);
	y = find_row(win, "llm-0");
	row(win, y, 0, 100, b, sizeof b);
	assert_null(strstr(b, "1.20s!"));
	assert_non_null(strstr(b, " up "));
	assert_int_equal(find_row(win, "anomalous"), -1);
	ops->destroy(p);
	delwin(win);
}

static void
test_panel_logs(void **state)
{
	const struct panel_ops *ops = &panel_logs_ops;
	WINDOW *win = fresh(12, 80);
	char b[1024];
	attr_t a;
	void *p;
	int y;

	fake_init();
	p = ops->create(&fake_ui);
	draw(ops, p, win);
	/* Followed: the newest lines at the bottom. */
	row(win, 0, 0, 80, b, sizeof b);
	assert_non_null(strstr(b, "Log of llm-0: 40 lines  following"));
	assert_non_null(strstr(row(win, 11, 0, 80, b, sizeof b),
	    "request 39 took 31ms"));
	assert_non_null(strstr(row(win, 1, 0, 80, b, sizeof b),
	    "request 29 took"));
	/* The traceback's first line: matched, its class in the gutter in
	 * the severity's colour, the text in UC_MATCH. */
	y = find_row(win, "Traceback (most recent call last):");
	assert_int_equal(y, 2);
	row(win, y, 0, 80, b, sizeof b);
	assert_non_null(strstr(b, "exception Traceback"));
	assert_int_equal(attr_at(win, y, "exception"), ui_attr(UC_WARNING));
	assert_int_equal(attr_at(win, y, "Traceback"), ui_attr(UC_MATCH));
	assert_int_equal(attr_at(win, y + 3, "ValueError"),
	    ui_attr(UC_NORMAL));
	/* A long line ends in a marker. */
	y = find_row(win, "a very long line");
	cell(win, y, 79, &a);
	assert_int_equal(cell(win, y, 79, NULL), L'\x2026');
	assert_int_equal(a, ui_attr(UC_DIM));
	/* New lines while following: still at the bottom. */
	fake.nlog = 30;
	draw(ops, p, win);
	assert_non_null(strstr(row(win, 11, 0, 80, b, sizeof b),
	    "request 29 took"));
	fake.nlog = 40;

	/* Scrolled up, it stays where it is when lines come. */
	assert_int_equal(run(ops, p, "page-up"), 1);
	draw(ops, p, win);
	row(win, 0, 0, 80, b, sizeof b);
	assert_non_null(strstr(b, "scrolled (End follows)"));
	assert_non_null(strstr(row(win, 1, 0, 80, b, sizeof b),
	    "request 19 took"));
	/* The oom line: class oom in the critical colour. */
	y = find_row(win, "OutOfMemoryError");
	assert_int_equal(attr_at(win, y, "oom"), ui_attr(UC_CRITICAL));
	/* The view drops the ten oldest lines: the same lines stay shown. */
	memmove(fake.log, fake.log + 10, 30 * sizeof *fake.log);
	fake.nlog = 30;
	draw(ops, p, win);
	assert_non_null(strstr(row(win, 1, 0, 80, b, sizeof b),
	    "request 19 took"));
	fake_log_init();
	/* Up, top, down, bottom. */
	assert_int_equal(run(ops, p, "top"), 1);
	draw(ops, p, win);
	assert_non_null(strstr(row(win, 1, 0, 80, b, sizeof b),
	    "request 0 took"));
	assert_int_equal(run(ops, p, "down"), 1);
	draw(ops, p, win);
	assert_non_null(strstr(row(win, 1, 0, 80, b, sizeof b),
	    "request 1 took"));
	assert_int_equal(run(ops, p, "bottom"), 1);
	draw(ops, p, win);
	assert_non_null(strstr(row(win, 0, 0, 80, b, sizeof b),
	    "following"));
	assert_non_null(strstr(row(win, 11, 0, 80, b, sizeof b),
	    "request 39"));

	/* Find: the newest match, every hit reversed, n/N step. */
	assert_int_equal(run(ops, p, "find REQUEST 1"), 1);
	draw(ops, p, win);
	row(win, 0, 0, 80, b, sizeof b);
	assert_non_null(strstr(b, "find \"REQUEST 1\": 11"));
	/* The newest match is "request 19": brought into view. */
	y = find_row(win, "request 19 took");
	assert_true(y >= 1);
	row(win, y, 0, 80, b, sizeof b);
	assert_int_equal(cell(win, y, 0, NULL), L'>');
	assert_int_equal(attr_at(win, y, "request 19") & A_REVERSE,
	    A_REVERSE);
	assert_int_equal(attr_at(win, y, "took") & A_REVERSE, 0);
	assert_int_equal(run(ops, p, "find-prev"), 1);
	draw(ops, p, win);
	y = find_row(win, "request 18 took");
	assert_int_equal(cell(win, y, 0, NULL), L'>');
	assert_int_equal(run(ops, p, "find-next"), 1);
	assert_int_equal(run(ops, p, "find-next"), 1);	/* wraps to 1 */
	assert_non_null(strstr(last_message, "wrapped"));
	draw(ops, p, win);
	y = find_row(win, "request 1 took");
	assert_true(y >= 1);
	assert_int_equal(cell(win, y, 0, NULL), L'>');
	assert_int_equal(run(ops, p, "find nosuchthing"), 1);
	assert_non_null(strstr(last_message, "not in llm-0's log"));
	assert_int_equal(run(ops, p, "back"), 1);	/* clears the find */
	draw(ops, p, win);
	assert_null(strstr(row(win, 0, 0, 80, b, sizeof b), "find \""));

	/* Right scrolls long lines; Esc scrolls back, then is the
	 * console's. */
	assert_int_equal(run(ops, p, "bottom"), 1);
	assert_int_equal(run(ops, p, "right"), 1);
	draw(ops, p, win);
	y = find_row(win, "very long line");
	assert_true(y > 0);
	assert_non_null(strstr(row(win, y, 0, 80, b, sizeof b),
	    "\xe2\x80\xa6" " very long line"));
	assert_int_equal(run(ops, p, "right"), 1);
	assert_int_equal(run(ops, p, "right"), 1);
	assert_int_equal(run(ops, p, "right"), 1);
	assert_int_equal(run(ops, p, "right"), 1);
	draw(ops, p, win);
	assert_int_equal(find_row(win, "<end>"), -1);
	assert_int_equal(run(ops, p, "right"), 1);
	draw(ops, p, win);
	assert_true(find_row(win, "<end>") > 0);
	assert_int_equal(run(ops, p, "back"), 1);
	assert_int_equal(run(ops, p, "back"), 0);
	assert_int_equal(run(ops, p, "left"), 1);

	/* Another worker: its (empty) log, following again; none. */
	util_strlcpy(fake_ui.selected, "llm-1", sizeof fake_ui.selected);
	draw(ops, p, win);
	assert_non_null(strstr(row(win, 0, 0, 80, b, sizeof b),
	    "Log of llm-1: 0 lines  following"));
	assert_true(find_row(win, "no log lines") == 1);
	fake_ui.selected[0] = '\0';
	draw(ops, p, win);
	assert_true(find_row(win, "no worker selected") == 0);
	assert_int_equal(run(ops, p, "find x"), 1);
	ops->destroy(p);
	delwin(win);
}

/* Every panel at every size draws inside its window only, and in ASCII
 * mode draws only ASCII. */
static void
test_panels_sizes(void **state)
{
	static const struct panel_ops *const panels[] = {
		&panel_metrics_ops, &panel_errors_ops, &panel_memory_ops,
		&panel_fleet_ops, &panel_logs_ops };
	static const int sizes[][2] = { { 12, 40 }, { 24, 80 }, { 50, 200 },
	    { 3, 10 }, { 1, 1 }, { 2, 40 }, { 12, 15 } };
	WINDOW *outer = fresh(54, 204), *win;
	size_t i, k;
	int y, x, h, w, g;
	wchar_t c;
	void *p;

	for (g = 0; g < 2; g++) {
		for (i = 0; i < ARRAY_LEN(panels); i++) {
			for (k = 0; k < ARRAY_LEN(sizes); k++) {
				fake_init();
				fake_ui.glyphs = g ? UG_ASCII : UG_UNICODE;
				h = sizes[k][0];
				w = sizes[k][1];
				for (y = 0; y < 54; y++)
					mvwhline(outer, y, 0, 'X', 204);
				win = derwin(outer, h, w, 2, 2);
				assert_non_null(win);
				werase(win);
				p = panels[i]->create(&fake_ui);
				panels[i]->draw(p, &fake_ui, win, h, w);
				run(panels[i], p, "enter");
				run(panels[i], p, "down");
				werase(win);	/* as the console does */
				panels[i]->draw(p, &fake_ui, win, h, w);
				if (getenv("DUMP_PANELS") != NULL && h >= 12) {
					static char b[32768];

					fprintf(stderr, "--- %s %dx%d\n%s",
					    panels[i]->name, w, h,
					    screen_text(win, b, sizeof b));
				}
				panels[i]->destroy(p);
				for (y = 0; y < 54; y++)
					for (x = 0; x < 204; x++) {
						c = cell(outer, y, x, NULL);
						if (y >= 2 && y < 2 + h &&
						    x >= 2 && x < 2 + w) {
							if (g)
								assert_true(
								    c >= 0x20 &&
								    c < 0x7f);
							continue;
						}
						assert_int_equal(c, L'X');
					}
				delwin(win);
			}
		}
	}
	delwin(outer);
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
		cmocka_unit_test(test_panel_metrics),
		cmocka_unit_test(test_panel_errors),
		cmocka_unit_test(test_panel_incidents),
		cmocka_unit_test(test_panel_memory),
		cmocka_unit_test(test_panel_fleet_marks),
		cmocka_unit_test(test_panel_logs),
		cmocka_unit_test(test_panels_sizes),
	};

	return cmocka_run_group_tests(tests, screen_setup, screen_teardown);
}
