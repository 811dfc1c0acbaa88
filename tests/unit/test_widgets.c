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

struct fake_view {
	struct view		 v;
	struct view_worker	 w[3];
	struct view_series	 s[4];
	struct view_event	 ev[6];
	struct view_event	 out[6];
	int			 nworkers;
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
};

static struct fake_view fake;
static struct ui fake_ui;

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
	w = &fake.w[1];
	w->name = "llm-1";
	w->state = VIEW_DOWN;
	w->cpu_percent = w->rss_bytes = w->pss_bytes = w->swap_bytes = NAN;
	w->limit_bytes = w->gpu_bytes = w->req_rate = w->err_rate = NAN;
	w->p50_s = w->p99_s = w->rss_slope = w->threads = w->fds = NAN;
	w->restarts = 2;
	w->note = "process exited";
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
	draw(ops, p, win);
	assert_non_null(strstr(row(win, 0, 0, 100, b, sizeof b),
	    "Events of all workers: 6"));
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
	    "Events of llm-1: 3"));
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
	assert_true(find_row(win, "Events of llm-1") == 0);

	/* Find, across all workers again. */
	assert_int_equal(run(ops, p, "scope all"), 1);
	assert_int_equal(run(ops, p, "find disk"), 1);
	draw(ops, p, win);
	assert_non_null(strstr(row(win, 0, 0, 100, b, sizeof b),
	    "matching \"disk\" (of 6)"));
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
	row(win, 0, 0, 120, b, sizeof b);
	assert_non_null(strstr(b, "NAME"));
	assert_non_null(strstr(b, "GROWTH"));
	assert_non_null(strstr(b, "LEAK"));
	assert_non_null(strstr(b, "TO LIMIT"));
	y = find_row(win, "llm-0");
	assert_int_equal(y, 1);
	row(win, 1, 0, 120, b, sizeof b);
	assert_non_null(strstr(b, "1.25G"));
	assert_non_null(strstr(b, "16%"));
	assert_non_null(strstr(b, "+12.0M/h"));
	assert_non_null(strstr(b, "8.00G"));
	/* Unknown figures are "-", never invented. */
	row(win, 2, 0, 120, b, sizeof b);
	assert_non_null(strstr(b, "llm-1"));
	assert_non_null(strstr(b, "no limit"));
	row(win, 3, 0, 120, b, sizeof b);
	assert_non_null(strstr(b, "94%"));		/* 7.5G of 8G */
	assert_non_null(strstr(b, "2.00G"));		/* GPU */
	assert_non_null(strstr(b, "-3.43M/h"));
	/* Details of the selected worker; room for the analysis. */
	assert_true(find_row(win, "RSS 1.25G of 8.00G (15.6%)") > 0);
	assert_true(find_row(win, "leak verdict -") > 0);
	/* Memory events only. */
	assert_true(find_row(win, "with RSS 7.9G") > 0);
	assert_true(find_row(win, "pid 98 -> 99") > 0);
	assert_int_equal(find_row(win, "connection refused"), -1);
	/* The selection is the console's. */
	assert_int_equal(run(ops, p, "down"), 1);
	assert_string_equal(fake_ui.selected, "llm-1");
	assert_int_equal(run(ops, p, "bottom"), 1);
	assert_string_equal(fake_ui.selected, "embed-0");
	assert_int_equal(ops->click(p, &fake_ui, 1, 3), 1);
	assert_string_equal(fake_ui.selected, "llm-0");
	shown_panel[0] = '\0';
	assert_int_equal(run(ops, p, "enter"), 1);
	assert_string_equal(shown_panel, "metrics");
	assert_int_equal(run(ops, p, "back"), 0);
	ops->destroy(p);
	delwin(win);
}

/* Every panel at every size draws inside its window only, and in ASCII
 * mode draws only ASCII. */
static void
test_panels_sizes(void **state)
{
	static const struct panel_ops *const panels[] = {
		&panel_metrics_ops, &panel_errors_ops, &panel_memory_ops };
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
		cmocka_unit_test(test_panel_memory),
		cmocka_unit_test(test_panels_sizes),
	};

	return cmocka_run_group_tests(tests, screen_setup, screen_teardown);
}
