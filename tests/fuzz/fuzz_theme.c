/*
 * fuzz_theme.c -- libFuzzer entry point for theme files (ui/theme.c).
 *
 *   make fuzz SECS=60 FUZZ=theme
 * or by hand (from the repository root, after 'make fuzz' built the
 * libraries):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *       -Iui tests/fuzz/fuzz_theme.c -Wl,--start-group \
 *       build-fuzz/libmodeltop-ui.a build-fuzz/libmodeltop.a \
 *       -Wl,--end-group $(pkg-config --libs ncursesw termkey sqlite3 \
 *       inih libcurl) -lm -ldl -lpthread -o fuzz_theme
 *   ./fuzz_theme -dict=tests/fuzz/theme.dict tests/fuzz/corpus/theme
 *
 * The input is a theme file, held in a memfd (no disk) and loaded with
 * theme_load for a colour count taken from the first byte (0, 8, 16,
 * 256), without a curses screen.  Invariants: theme_load returns -1
 * exactly when it reports errors, each "FILE:LINE: message" names the
 * file; every role's style has colours in -1..255 and only the four
 * attributes; the combined message fits and is terminated.  Each value
 * line also goes through theme_parse_style, and every colour through
 * theme_map_color, which must give a colour the terminal has.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memfile.h"
#include "theme.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct memfile mf;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	memfile_init(&mf, "fuzz_theme");
	return 0;
}

static void
check_style(const struct theme_style *st, int colors)
{
	const attr_t ok = A_BOLD | A_REVERSE | A_UNDERLINE | A_DIM;
	int bright, n = colors > 0 ? colors : 256;
	short c;

	if (st->fg < -1 || st->fg > 255 || st->bg < -1 || st->bg > 255 ||
	    (st->attrs & ~ok) != 0)
		abort();
	c = theme_map_color(st->fg, n, &bright);
	if (c < -1 || c >= n)
		abort();
	c = theme_map_color(st->bg, n, NULL);
	if (c < -1 || c >= n)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int counts[] = { 0, 8, 16, 256 };
	char err[160], *text, *line, *save = NULL, *eq;
	struct theme_style st;
	size_t i, n;
	int colors, rc, role;

	if (size == 0)
		return 0;
	colors = counts[data[0] & 3];
	memfile_set(&mf, data + 1, size - 1);
	memset(err, 'x', sizeof err);
	rc = theme_load(mf.path, colors, err, sizeof err);
	n = theme_error_count();
	if ((rc == 0) != (n == 0))
		abort();
	if (rc != 0 && strnlen(err, sizeof err) >= sizeof err)
		abort();
	for (i = 0; i < n; i++)
		if (theme_error(i) == NULL ||
		    strncmp(theme_error(i), mf.path, strlen(mf.path)) != 0)
			abort();
	if (theme_error(n) != NULL)
		abort();
	for (role = 0; role < UC_COUNT; role++) {
		st = theme_style((enum ui_color)role);
		check_style(&st, colors);
		if (theme_role_lookup(theme_role_name((enum ui_color)role)) !=
		    role)
			abort();
	}

	text = xstrndup((const char *)data + 1, size - 1);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		memset(&st, 0, sizeof st);
		if (theme_parse_style(util_trim(eq + 1), &st, err, 64) == 0)
			check_style(&st, colors);
		else if (strnlen(err, 64) >= 64)
			abort();
	}
	free(text);
	return 0;
}
