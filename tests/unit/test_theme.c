/*
 * test_theme.c -- the theme loader: the four shipped themes, bad theme
 * files (FILE:LINE messages, defaults for the rest), colour mapping down
 * to 8 colours, and attributes only for NO_COLOR and colors 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "theme.h"
#include "ui.h"
#include "util.h"

static SCREEN *scr;
static FILE *scr_out, *scr_in;
static char tmpdir[64];
static char themes_dir[PATH_MAX];

static const char *const shipped[] = { "default", "light",
    "high-contrast", "monochrome" };

static int
setup(void **state)
{
	const char *root = getenv("MODELTOP_TEST_ROOT");

	setlocale(LC_ALL, "C.UTF-8");
	/* The repository's themes: from tests/run.sh, or the source tree
	 * this file was compiled from. */
	if (root != NULL)
		snprintf(themes_dir, sizeof themes_dir, "%s/themes", root);
	else
		snprintf(themes_dir, sizeof themes_dir, "%.*s../../themes",
		    (int)(strrchr(__FILE__, '/') + 1 - __FILE__), __FILE__);
	if (access(themes_dir, R_OK) != 0)
		snprintf(themes_dir, sizeof themes_dir, "themes");
	setenv("MODELTOP_THEMES", themes_dir, 1);
	unsetenv("NO_COLOR");

	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_theme.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	scr_out = fopen("/dev/null", "w");
	scr_in = fopen("/dev/null", "r");
	scr = newterm("xterm-256color", scr_out, scr_in);
	if (scr == NULL)
		return -1;
	set_term(scr);
	start_color();
	return 0;
}

static int
teardown(void **state)
{
	endwin();
	delscreen(scr);
	fclose(scr_out);
	fclose(scr_in);
	rmdir(tmpdir);
	return 0;
}

/* Write text to a new file in tmpdir; the path goes into path. */
static void
write_file(const char *name, const char *text, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
pair_of(enum ui_color c, short *fg, short *bg)
{
	short pair = (short)PAIR_NUMBER(ui_attr(c));

	assert_int_not_equal(pair, 0);
	assert_int_equal(pair_content(pair, fg, bg), OK);
}

/* ------------------------------------------------------------------ */

static void
test_shipped_themes_load(void **state)
{
	static const int counts[] = { 256, 16, 8, 0 };
	char err[512];
	size_t i, k;

	for (i = 0; i < ARRAY_LEN(shipped); i++) {
		for (k = 0; k < ARRAY_LEN(counts); k++) {
			err[0] = 'x';
			assert_int_equal(theme_load(shipped[i], counts[k], err,
			    sizeof err), 0);
			assert_string_equal(err, "");
			assert_int_equal(theme_error_count(), 0);
			assert_string_equal(theme_current(), shipped[i]);
			assert_int_equal(theme_colors(), counts[k]);
		}
	}
	/* By path as well. */
	{
		char path[PATH_MAX + 16];

		snprintf(path, sizeof path, "%s/light.ini", themes_dir);
		assert_int_equal(theme_load(path, 256, NULL, 0), 0);
	}
	assert_int_equal(theme_style(UC_UP).fg, 28);
}

/* themes/default.ini and the built-in default are the same. */
static void
test_default_file_is_builtin(void **state)
{
	struct theme_style file[UC_COUNT], builtin;
	int i;

	assert_int_equal(theme_load("default", 256, NULL, 0), 0);
	for (i = 0; i < UC_COUNT; i++)
		file[i] = theme_style(i);
	theme_load_default(256);
	for (i = 0; i < UC_COUNT; i++) {
		builtin = theme_style(i);
		assert_int_equal(file[i].fg, builtin.fg);
		assert_int_equal(file[i].bg, builtin.bg);
		assert_int_equal(file[i].attrs, builtin.attrs);
	}
	/* Spot checks of what the file says. */
	assert_int_equal(theme_style(UC_HEADER).fg, COLOR_WHITE);
	assert_int_equal(theme_style(UC_HEADER).bg, COLOR_BLUE);
	assert_int_equal(theme_style(UC_HEADER).attrs, A_BOLD);
	assert_int_equal(theme_style(UC_DIM).fg, 244);
}

/* Without a file the name "default" is still fine: it is built in. */
static void
test_default_builtin_without_files(void **state)
{
	char err[256], cwd[PATH_MAX];
	int installed = 0;

#ifdef MODELTOP_DATADIR
	/* After `make install` the last place looked in has them. */
	installed = access(MODELTOP_DATADIR "/themes/light.ini", R_OK) == 0;
#endif
	assert_non_null(getcwd(cwd, sizeof cwd));
	setenv("MODELTOP_THEMES", tmpdir, 1);
	assert_int_equal(chdir(tmpdir), 0);
	assert_int_equal(theme_load("default", 8, err, sizeof err), 0);
	assert_string_equal(theme_current(), "default");
	assert_int_equal(theme_style(UC_SELECTED).bg, COLOR_CYAN);
	if (!installed) {
		assert_int_equal(theme_load("light", 8, err, sizeof err), -1);
		assert_non_null(strstr(err, "no theme \"light\""));
		assert_non_null(strstr(err, tmpdir));
		assert_string_equal(theme_current(), "default");
		assert_int_equal(theme_style(UC_SELECTED).bg, COLOR_CYAN);
	}
	setenv("MODELTOP_THEMES", themes_dir, 1);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(theme_load("light", 8, NULL, 0), 0);
}

static void
test_bad_theme_file(void **state)
{
	char path[PATH_MAX], err[1024], want[PATH_MAX + 64];
	short fg, bg;

	write_file("bad.ini",
	    "; a theme with mistakes\n"			/* 1 */
	    "[colors]\n"				/* 2 */
	    "header = purple on black\n"		/* 3 */
	    "nosuchrole = red\n"			/* 4 */
	    "title = red bold\n"			/* 5 */
	    "selected = black on\n"			/* 6 */
	    "warning = red blue\n"			/* 7 */
	    "up = 300\n"				/* 8 */
	    "title = green\n"				/* 9 */
	    "this line is garbage\n"			/* 10 */
	    "[extra]\n"					/* 11 */
	    "down = red\n",				/* 12 */
	    path, sizeof path);
	assert_int_equal(theme_load(path, 256, err, sizeof err), -1);
	assert_int_equal(theme_error_count(), 8);
	snprintf(want, sizeof want, "%s:3: header: unknown colour or "
	    "attribute \"purple\"", path);
	assert_memory_equal(theme_error(0), want, strlen(want));
	snprintf(want, sizeof want, "%s:4: unknown role \"nosuchrole\"", path);
	assert_memory_equal(theme_error(1), want, strlen(want));
	snprintf(want, sizeof want, "%s:6: selected: \"on\" without a "
	    "background colour", path);
	assert_string_equal(theme_error(2), want);
	snprintf(want, sizeof want, "%s:7: warning: unexpected colour "
	    "\"blue\"", path);
	assert_memory_equal(theme_error(3), want, strlen(want));
	snprintf(want, sizeof want, "%s:8: up: colour 300 out of range "
	    "0-255", path);
	assert_string_equal(theme_error(4), want);
	snprintf(want, sizeof want, "%s:9: title: repeated (first at line "
	    "5)", path);
	assert_string_equal(theme_error(5), want);
	snprintf(want, sizeof want, "%s:10: syntax error", path);
	assert_memory_equal(theme_error(6), want, strlen(want));
	snprintf(want, sizeof want, "%s:11: unknown section [extra]: "
	    "expected [colors]", path);
	assert_string_equal(theme_error(7), want);
	assert_null(theme_error(8));
	/* The status line gets the first message and a count. */
	assert_memory_equal(err, theme_error(0), strlen(theme_error(0)));
	assert_non_null(strstr(err, " (and 7 more)"));

	/* Good lines applied; bad ones fell back to the default. */
	assert_int_equal(theme_style(UC_TITLE).fg, COLOR_RED);
	assert_int_equal(theme_style(UC_TITLE).attrs, A_BOLD);
	assert_int_equal(theme_style(UC_HEADER).fg, COLOR_WHITE);
	assert_int_equal(theme_style(UC_HEADER).bg, COLOR_BLUE);
	assert_int_equal(theme_style(UC_SELECTED).bg, COLOR_CYAN);
	assert_int_equal(theme_style(UC_UP).fg, COLOR_GREEN);
	assert_int_equal(theme_style(UC_DOWN).fg, COLOR_RED);	/* default */
	pair_of(UC_TITLE, &fg, &bg);
	assert_int_equal(fg, COLOR_RED);
	assert_int_equal(bg, -1);
	unlink(path);

	/* A missing file: -1, a message naming it, the default theme. */
	snprintf(path, sizeof path, "%s/missing.ini", tmpdir);
	assert_int_equal(theme_load(path, 256, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: cannot open: ", path);
	assert_memory_equal(err, want, strlen(want));
	assert_string_equal(theme_current(), "default");
	/* A directory: cannot be read. */
	assert_int_equal(theme_load(tmpdir, 256, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot read"));
	assert_string_equal(theme_current(), "default");
	/* A bad name. */
	assert_int_equal(theme_load("bad name", 256, err, sizeof err), -1);
	assert_non_null(strstr(err, "bad theme name"));
}

static void
test_odd_but_valid_file(void **state)
{
	char path[PATH_MAX], err[512];

	/* BOM, CRLF, comments, indentation, case, a key outside. */
	write_file("odd.ini",
	    "\xef\xbb\xbf# comment\r\n"
	    "[colors]\r\n"
	    "  Header = Black ON BrightWhite Bold ; inline comment\r\n"
	    "up=2 underline\r\n"
	    "dim = bright-black dim\r\n",
	    path, sizeof path);
	assert_int_equal(theme_load(path, 256, err, sizeof err), 0);
	assert_int_equal(theme_style(UC_HEADER).fg, COLOR_BLACK);
	assert_int_equal(theme_style(UC_HEADER).bg, 15);
	assert_int_equal(theme_style(UC_HEADER).attrs, A_BOLD);
	assert_int_equal(theme_style(UC_UP).fg, COLOR_GREEN);
	assert_int_equal(theme_style(UC_UP).attrs, A_UNDERLINE);
	assert_int_equal(theme_style(UC_DIM).fg, 8);
	assert_int_equal(theme_style(UC_DIM).attrs, A_DIM);
	unlink(path);

	write_file("outside.ini", "normal = red\n[colors]\n", path,
	    sizeof path);
	assert_int_equal(theme_load(path, 256, err, sizeof err), -1);
	assert_non_null(strstr(err, ":1: normal: outside any section"));
	unlink(path);
}

static void
test_parse_style(void **state)
{
	struct theme_style st;
	char err[256];

	assert_int_equal(theme_parse_style("red on black bold underline", &st,
	    err, sizeof err), 0);
	assert_int_equal(st.fg, COLOR_RED);
	assert_int_equal(st.bg, COLOR_BLACK);
	assert_int_equal(st.attrs, A_BOLD | A_UNDERLINE);
	assert_int_equal(theme_parse_style("reverse", &st, err, sizeof err),
	    0);
	assert_int_equal(st.fg, THEME_DEFAULT_COLOR);
	assert_int_equal(st.bg, THEME_DEFAULT_COLOR);
	assert_int_equal(st.attrs, A_REVERSE);
	assert_int_equal(theme_parse_style("default on 236", &st, err,
	    sizeof err), 0);
	assert_int_equal(st.bg, 236);
	assert_int_equal(theme_parse_style("brightcyan", &st, err,
	    sizeof err), 0);
	assert_int_equal(st.fg, 14);
	assert_int_equal(theme_parse_style("", &st, err, sizeof err), -1);
	assert_non_null(strstr(err, "empty value"));
	assert_int_equal(theme_parse_style("on on red", &st, err, sizeof err),
	    -1);
	assert_int_equal(theme_parse_style("red on blue on green", &st, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "two backgrounds"));
	assert_int_equal(theme_parse_style("12x", &st, err, sizeof err), -1);
	assert_int_equal(theme_parse_style("-1", &st, err, sizeof err), -1);
	assert_int_equal(theme_parse_style("99999999999999999999", &st, err,
	    sizeof err), -1);
	assert_int_equal(theme_role_lookup("gauge_high"), UC_GAUGE_HIGH);
	assert_int_equal(theme_role_lookup("GAUGE_HIGH"), UC_GAUGE_HIGH);
	assert_int_equal(theme_role_lookup("gauge-high"), -1);
	assert_string_equal(theme_role_name(UC_KEY_LABEL), "key_label");
	assert_null(theme_role_name(UC_COUNT));
}

static void
test_map_256_to_8(void **state)
{
	int bright;

	/* Unchanged within the terminal's count. */
	assert_int_equal(theme_map_color(196, 256, NULL), 196);
	assert_int_equal(theme_map_color(5, 8, NULL), 5);
	assert_int_equal(theme_map_color(THEME_DEFAULT_COLOR, 8, NULL),
	    THEME_DEFAULT_COLOR);
	/* The cube and the greys to the nearest of 8. */
	assert_int_equal(theme_map_color(196, 8, NULL), COLOR_RED);
	assert_int_equal(theme_map_color(46, 8, NULL), COLOR_GREEN);
	assert_int_equal(theme_map_color(21, 8, NULL), COLOR_BLUE);
	assert_int_equal(theme_map_color(226, 8, NULL), COLOR_YELLOW);
	assert_int_equal(theme_map_color(201, 8, NULL), COLOR_MAGENTA);
	assert_int_equal(theme_map_color(51, 8, NULL), COLOR_CYAN);
	assert_int_equal(theme_map_color(16, 8, NULL), COLOR_BLACK);
	assert_int_equal(theme_map_color(231, 8, NULL), COLOR_WHITE);
	assert_int_equal(theme_map_color(244, 8, NULL), COLOR_WHITE);
	assert_int_equal(theme_map_color(242, 8, NULL), COLOR_BLACK);
	assert_int_equal(theme_map_color(25, 8, NULL), COLOR_BLUE);
	assert_int_equal(theme_map_color(28, 8, NULL), COLOR_GREEN);
	assert_int_equal(theme_map_color(130, 8, NULL), COLOR_RED);
	/* Bright colours: the base colour, and bold. */
	assert_int_equal(theme_map_color(9, 8, &bright), COLOR_RED);
	assert_int_equal(bright, 1);
	assert_int_equal(theme_map_color(15, 8, &bright), COLOR_WHITE);
	assert_int_equal(bright, 1);
	assert_int_equal(theme_map_color(8, 8, &bright), COLOR_WHITE);
	assert_int_equal(bright, 0);
	assert_int_equal(theme_map_color(3, 8, &bright), 3);
	assert_int_equal(bright, 0);
	/* 16 colours keep the bright ones. */
	assert_int_equal(theme_map_color(196, 16, NULL), 9);
	assert_int_equal(theme_map_color(9, 16, NULL), 9);
}

/* Loaded for 8 colours, the pairs hold only colours 0-7. */
static void
test_pairs_on_8_colors(void **state)
{
	short fg, bg;
	int i;

	assert_int_equal(theme_load("light", 8, NULL, 0), 0);
	pair_of(UC_UP, &fg, &bg);
	assert_int_equal(fg, COLOR_GREEN);
	assert_int_equal(bg, -1);
	pair_of(UC_HEADER, &fg, &bg);
	assert_int_equal(fg, COLOR_WHITE);
	assert_int_equal(bg, COLOR_BLUE);
	pair_of(UC_DIM, &fg, &bg);
	assert_int_equal(fg, COLOR_BLACK);

	assert_int_equal(theme_load("high-contrast", 8, NULL, 0), 0);
	pair_of(UC_NORMAL, &fg, &bg);
	assert_int_equal(fg, COLOR_WHITE);
	assert_int_equal(bg, COLOR_BLACK);
	assert_true(ui_attr(UC_NORMAL) & A_BOLD);	/* brightwhite */
	for (i = 0; i < UC_COUNT; i++) {
		if (PAIR_NUMBER(ui_attr(i)) == 0)
			continue;
		pair_of(i, &fg, &bg);
		assert_true(fg >= -1 && fg < 8);
		assert_true(bg >= -1 && bg < 8);
		assert_true(fg != bg || fg == -1);
	}
	/* The same theme on 256 colours keeps its own numbers. */
	assert_int_equal(theme_load("light", 256, NULL, 0), 0);
	pair_of(UC_UP, &fg, &bg);
	assert_int_equal(fg, 28);
}

/* Colours that collapse onto each other on 8 colours stay readable. */
static void
test_same_fg_bg_after_mapping(void **state)
{
	char path[PATH_MAX];
	short fg, bg;

	write_file("dark.ini", "[colors]\nnormal = 236 on black\n"
	    "selected = 231 on 255\n", path, sizeof path);
	assert_int_equal(theme_load(path, 8, NULL, 0), 0);
	pair_of(UC_NORMAL, &fg, &bg);
	assert_int_equal(bg, COLOR_BLACK);
	assert_int_equal(fg, COLOR_WHITE);
	pair_of(UC_SELECTED, &fg, &bg);
	assert_int_equal(bg, COLOR_WHITE);
	assert_int_equal(fg, COLOR_BLACK);
	unlink(path);
}

static void
test_no_color(void **state)
{
	size_t i;
	int c;

	for (i = 0; i < ARRAY_LEN(shipped); i++) {
		assert_int_equal(theme_load(shipped[i], 0, NULL, 0), 0);
		for (c = 0; c < UC_COUNT; c++)
			assert_int_equal(ui_attr(c) & A_COLOR, 0);
		assert_int_equal(ui_attr(UC_SELECTED), A_REVERSE);
		assert_true(ui_attr(UC_CRITICAL) & A_BOLD);
		assert_true(ui_attr(UC_HEADER) & A_REVERSE);
		assert_int_equal(ui_attr(UC_NORMAL), A_NORMAL);
		/* The roles that matter still differ from plain text. */
		assert_int_not_equal(ui_attr(UC_DOWN), A_NORMAL);
		assert_int_not_equal(ui_attr(UC_ERROR), A_NORMAL);
		assert_int_not_equal(ui_attr(UC_GAUGE_HIGH), A_NORMAL);
	}
	/* The monochrome theme on a colour terminal: no pairs either. */
	assert_int_equal(theme_load("monochrome", 256, NULL, 0), 0);
	for (c = 0; c < UC_COUNT; c++)
		assert_int_equal(ui_attr(c) & A_COLOR, 0);
	assert_int_equal(ui_attr(UC_SELECTED), A_REVERSE);
	/* A colour theme on 256 colours does use pairs. */
	assert_int_equal(theme_load("default", 256, NULL, 0), 0);
	assert_int_not_equal(ui_attr(UC_SELECTED) & A_COLOR, 0);

	/* NO_COLOR set and non-empty: no colour for the console. */
	assert_int_equal(theme_terminal_colors(), 256);
	setenv("NO_COLOR", "1", 1);
	assert_int_equal(theme_terminal_colors(), 0);
	setenv("NO_COLOR", "", 1);
	assert_int_equal(theme_terminal_colors(), 256);
	unsetenv("NO_COLOR");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_themes_load),
		cmocka_unit_test(test_default_file_is_builtin),
		cmocka_unit_test(test_default_builtin_without_files),
		cmocka_unit_test(test_bad_theme_file),
		cmocka_unit_test(test_odd_but_valid_file),
		cmocka_unit_test(test_parse_style),
		cmocka_unit_test(test_map_256_to_8),
		cmocka_unit_test(test_pairs_on_8_colors),
		cmocka_unit_test(test_same_fg_bg_after_mapping),
		cmocka_unit_test(test_no_color),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
