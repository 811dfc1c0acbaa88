/*
 * theme.h -- colour themes: themes/NAME.ini files mapping each colour role
 * of ui.h (enum ui_color) to a foreground, a background and attributes.
 *
 *	[colors]
 *	header   = white on blue bold
 *	selected = black on cyan
 *	dim      = 244
 *
 * The theme is process-wide, as ui_attr() (ui.h) reads it without a
 * handle: there is one screen.  Until theme_load succeeds, or after it
 * fails, every role has the built-in default theme's attributes (the same
 * as themes/default.ini) and no colour.  See docs/themes.md.
 */
#ifndef MODELTOP_THEME_H
#define MODELTOP_THEME_H

#include <stddef.h>

#include "ui.h"

/* Colour value for the terminal's own foreground or background. */
#define THEME_DEFAULT_COLOR	(-1)

/* One role as a theme file writes it, before any mapping. */
struct theme_style {
	short	fg, bg;		/* 0-255, or THEME_DEFAULT_COLOR */
	attr_t	attrs;		/* A_BOLD | A_REVERSE | A_UNDERLINE | A_DIM */
};

/*
 * Load a theme and make it current.  name_or_path is either a name
 * ("light": letters, digits, '-', '_', '.') looked up as NAME.ini in, in
 * order, $MODELTOP_THEMES (a directory, or several separated by ':'),
 * <binary's directory>/../share/modeltop/themes, <binary's
 * directory>/themes, ./themes, and MODELTOP_DATADIR/themes -- or a path
 * (anything with a '/' or ending in ".ini"), read directly.  The name
 * "default" falls back to the built-in default when no file is found.
 *
 * colors is how many colours to use: 0 (attributes only, as for NO_COLOR
 * or a terminal without colour; the monochrome theme's attributes are
 * used unless the theme itself uses no colour), 8, 16 or 256.  Colours
 * above the count map to the nearest one the terminal has; a bright
 * foreground mapped down to 8 colours gains A_BOLD.  When a curses screen
 * exists and colors > 0, theme_load calls start_color() and
 * use_default_colors() and sets one colour pair per role (pairs 1 to
 * UC_COUNT); otherwise call theme_apply() once the screen is up.
 *
 * Every bad line (unknown section or role, bad colour or attribute, a
 * repeated role, a syntax error) is reported as "FILE:LINE: message" and
 * ignored; the rest of the file is applied and each role it does not set
 * keeps the default theme's value.  Returns 0, or -1 when there was any
 * error: err (errlen bytes, may be NULL) then holds the first message
 * followed by " (and N more)" when there were several; all of them are
 * available through theme_error().  A theme that cannot be found or read
 * leaves the default theme in place and returns -1.
 */
int theme_load(const char *name_or_path, int colors, char *err,
    size_t errlen);

/* Set the built-in default theme for colors (0, 8, 16, 256) without
 * reading any file.  Never fails. */
void theme_load_default(int colors);

/* (Re)initialise the colour pairs of the current theme on the current
 * curses screen (after initscr/newterm, or after a terminal reset).
 * Without a screen, or with colors 0, does nothing.  Returns 0, or -1
 * when the terminal has too few colour pairs (the theme then falls back
 * to attributes only). */
int theme_apply(void);

/* How many colours the console should ask for on the current screen: 0
 * when NO_COLOR is set to a non-empty value or the terminal has no colour,
 * else 256, 16 or 8 from the terminal's COLORS.  Call after initscr. */
int theme_terminal_colors(void);

/* The messages of the last theme_load, "FILE:LINE: message", i below
 * theme_error_count(); NULL past the end.  Owned by the theme module,
 * valid until the next theme_load. */
size_t theme_error_count(void);
const char *theme_error(size_t i);

/* Name of the current theme: the name or path given to theme_load, or
 * "default".  Owned by the theme module. */
const char *theme_current(void);
/* Colours the current theme was loaded for (0, 8, 16, 256). */
int theme_colors(void);

/* The role's name in theme files ("gauge_low"), or NULL when out of
 * range. */
const char *theme_role_name(enum ui_color c);
/* The role named name, or -1 when there is none. */
int theme_role_lookup(const char *name);

/* The current theme's style of role c as written (colours unmapped);
 * out-of-range roles get UC_NORMAL's. */
struct theme_style theme_style(enum ui_color c);

/* Parse one role value "FG [on BG] [bold] [reverse] [underline] [dim]"
 * into *out.  Returns 0, or -1 with a message in err naming the bad
 * word.  For tests and `modeltop check`. */
int theme_parse_style(const char *value, struct theme_style *out,
    char *err, size_t errlen);

/* Map colour c (0-255, or THEME_DEFAULT_COLOR) to what a terminal with
 * colors colours shows: unchanged when c < colors, else the nearest by RGB
 * among the first 8 (or 16 when colors >= 16).  *bright (may be NULL) is
 * set when c was a bright colour 9-15 reduced to 8 colours. */
short theme_map_color(short c, int colors, int *bright);

#endif
