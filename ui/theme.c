/*
 * theme.c -- load themes/NAME.ini, map its colours to what the terminal
 * has, and answer ui_attr().
 *
 * The file is read through inireader (inih underneath), so that we know
 * the line of every key and report every syntax error, not only the
 * first.  Every bad line is reported and skipped; the rest applies.
 */
#include "theme.h"
#include "inireader.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define ERR_MAX		512
#define D		THEME_DEFAULT_COLOR

static const char *const role_names[UC_COUNT] = {
	"normal", "header", "title", "border", "selected", "dim", "up",
	"down", "restarting", "info", "warning", "critical", "gauge_low",
	"gauge_mid", "gauge_high", "chart", "chart_alt", "key", "key_label",
	"prompt", "status", "error", "match"
};

/* The built-in default theme: the same as themes/default.ini. */
static const struct theme_style default_styles[UC_COUNT] = {
	[UC_NORMAL]	= { D, D, 0 },
	[UC_HEADER]	= { COLOR_WHITE, COLOR_BLUE, A_BOLD },
	[UC_TITLE]	= { COLOR_CYAN, D, A_BOLD },
	[UC_BORDER]	= { COLOR_BLUE, D, 0 },
	[UC_SELECTED]	= { COLOR_BLACK, COLOR_CYAN, 0 },
	[UC_DIM]	= { 244, D, 0 },
	[UC_UP]		= { COLOR_GREEN, D, 0 },
	[UC_DOWN]	= { COLOR_RED, D, A_BOLD },
	[UC_RESTARTING]	= { COLOR_YELLOW, D, A_BOLD },
	[UC_INFO]	= { COLOR_CYAN, D, 0 },
	[UC_WARNING]	= { COLOR_YELLOW, D, 0 },
	[UC_CRITICAL]	= { 8 + COLOR_RED, D, A_BOLD },
	[UC_GAUGE_LOW]	= { COLOR_GREEN, D, 0 },
	[UC_GAUGE_MID]	= { COLOR_YELLOW, D, 0 },
	[UC_GAUGE_HIGH]	= { 8 + COLOR_RED, D, A_BOLD },
	[UC_CHART]	= { COLOR_CYAN, D, 0 },
	[UC_CHART_ALT]	= { COLOR_MAGENTA, D, 0 },
	[UC_KEY]	= { COLOR_WHITE, D, A_BOLD },
	[UC_KEY_LABEL]	= { COLOR_BLACK, COLOR_CYAN, 0 },
	[UC_PROMPT]	= { D, D, A_BOLD },
	[UC_STATUS]	= { COLOR_CYAN, D, 0 },
	[UC_ERROR]	= { COLOR_WHITE, COLOR_RED, A_BOLD },
	[UC_MATCH]	= { COLOR_BLACK, COLOR_YELLOW, 0 },
};

/* Attributes for a terminal without colour: themes/monochrome.ini. */
static const attr_t mono_attrs[UC_COUNT] = {
	[UC_NORMAL]	= 0,
	[UC_HEADER]	= A_REVERSE | A_BOLD,
	[UC_TITLE]	= A_BOLD,
	[UC_BORDER]	= 0,
	[UC_SELECTED]	= A_REVERSE,
	[UC_DIM]	= A_DIM,
	[UC_UP]		= 0,
	[UC_DOWN]	= A_BOLD,
	[UC_RESTARTING]	= A_BOLD | A_UNDERLINE,
	[UC_INFO]	= 0,
	[UC_WARNING]	= A_UNDERLINE,
	[UC_CRITICAL]	= A_BOLD,
	[UC_GAUGE_LOW]	= 0,
	[UC_GAUGE_MID]	= A_BOLD,
	[UC_GAUGE_HIGH]	= A_BOLD,
	[UC_CHART]	= 0,
	[UC_CHART_ALT]	= A_BOLD,
	[UC_KEY]	= A_BOLD,
	[UC_KEY_LABEL]	= A_REVERSE,
	[UC_PROMPT]	= A_BOLD,
	[UC_STATUS]	= 0,
	[UC_ERROR]	= A_BOLD | A_REVERSE,
	[UC_MATCH]	= A_UNDERLINE,
};

static const char *const color_names[8] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"
};

static const struct {
	const char	*name;
	attr_t		 attr;
} attr_names[] = {
	{ "bold", A_BOLD },
	{ "reverse", A_REVERSE },
	{ "underline", A_UNDERLINE },
	{ "dim", A_DIM },
};

/* xterm's RGB for the 16 base colours. */
static const unsigned char base_rgb[16][3] = {
	{ 0, 0, 0 }, { 205, 0, 0 }, { 0, 205, 0 }, { 205, 205, 0 },
	{ 0, 0, 238 }, { 205, 0, 205 }, { 0, 205, 205 }, { 229, 229, 229 },
	{ 127, 127, 127 }, { 255, 0, 0 }, { 0, 255, 0 }, { 255, 255, 0 },
	{ 92, 92, 255 }, { 255, 0, 255 }, { 0, 255, 255 }, { 255, 255, 255 },
};

struct theme {
	int		 ready;
	int		 colors;
	int		 mono_only;	/* the theme uses no colour at all */
	struct theme_style style[UC_COUNT];
	attr_t		 attr[UC_COUNT];
	short		 pair_fg[UC_COUNT], pair_bg[UC_COUNT];
	int		 has_pair[UC_COUNT];
	char		 name[256];
	char		**errors;
	size_t		 nerrors, caperrors;
};

static struct theme cur;

/* ------------------------------------------------------------------ */
/* Colours */

static void
color_rgb(int c, int rgb[3])
{
	static const int cube[6] = { 0, 95, 135, 175, 215, 255 };
	int k;

	if (c < 16) {
		for (k = 0; k < 3; k++)
			rgb[k] = base_rgb[c][k];
	} else if (c < 232) {
		c -= 16;
		rgb[0] = cube[c / 36];
		rgb[1] = cube[(c / 6) % 6];
		rgb[2] = cube[c % 6];
	} else
		rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (c - 232);
}

short
theme_map_color(short c, int colors, int *bright)
{
	int rgb[3], ref[3], best = 0, n, i, k, lo, hi;
	long d, bestd = LONG_MAX;

	if (bright != NULL)
		*bright = 0;
	if (c < 0 || c > 255 || colors <= 0)
		return c < 0 || c > 255 ? D : c;
	if (c < colors)
		return c;
	if (colors < 16 && c >= 8 && c < 16) {
		/* Bright colours on 8-colour terminals: bold is the bright. */
		if (bright != NULL)
			*bright = c != 8;
		if (c != 8)
			return (short)(c - 8);
	}
	n = colors >= 16 ? 16 : 8;
	color_rgb(c, rgb);
	lo = hi = rgb[0];
	for (k = 1; k < 3; k++) {
		lo = rgb[k] < lo ? rgb[k] : lo;
		hi = rgb[k] > hi ? rgb[k] : hi;
	}
	if (hi - lo < 48 && n == 8)
		/* A grey is black or white, never the nearest hue: plain
		 * distance would make a mid grey yellow. */
		return (rgb[0] + rgb[1] + rgb[2]) / 3 > 114 ? COLOR_WHITE :
		    COLOR_BLACK;
	for (i = 0; i < n; i++) {
		color_rgb(i, ref);
		d = 0;
		for (k = 0; k < 3; k++)
			d += (long)(rgb[k] - ref[k]) * (rgb[k] - ref[k]);
		if (d < bestd) {
			bestd = d;
			best = i;
		}
	}
	return (short)best;
}

/* "red", "brightred", "default", "0".."255"; -2 when none of those. */
static int
color_parse(const char *s, char *err, size_t errlen)
{
	const char *name = s;
	char *end;
	long v;
	int i, bright = 0;

	if (strcasecmp(s, "default") == 0)
		return D;
	if (isdigit((unsigned char)*s)) {
		errno = 0;
		v = strtol(s, &end, 10);
		if (*end != '\0')
			goto bad;
		if (errno != 0 || v > 255) {
			snprintf(err, errlen, "colour %s out of range 0-255", s);
			return -2;
		}
		return (int)v;
	}
	if (strncasecmp(name, "bright", 6) == 0) {
		bright = 1;
		name += 6;
		if (*name == '-' || *name == '_')
			name++;
	}
	for (i = 0; i < 8; i++)
		if (strcasecmp(name, color_names[i]) == 0)
			return i + (bright ? 8 : 0);
bad:
	snprintf(err, errlen, "unknown colour or attribute \"%s\": expected "
	    "a colour (default, black, red, green, yellow, blue, magenta, "
	    "cyan, white, brightred..., 0-255) or bold, reverse, underline, "
	    "dim", s);
	return -2;
}

int
theme_parse_style(const char *value, struct theme_style *out, char *err,
    size_t errlen)
{
	char buf[256], *tok, *save = NULL, dummy[ERR_MAX];
	struct theme_style st = { D, D, 0 };
	int fg_set = 0, bg_set = 0, want_bg = 0, ntok = 0, c;
	size_t i;

	if (err == NULL) {
		err = dummy;
		errlen = sizeof dummy;
	}
	if (util_strlcpy(buf, value, sizeof buf) >= sizeof buf) {
		snprintf(err, errlen, "value too long");
		return -1;
	}
	for (tok = strtok_r(buf, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		ntok++;
		if (want_bg) {
			if ((c = color_parse(tok, err, errlen)) == -2) {
				if (strncmp(err, "unknown", 7) == 0)
					snprintf(err, errlen, "expected a "
					    "background colour after \"on\", "
					    "got \"%s\"", tok);
				return -1;
			}
			st.bg = (short)c;
			want_bg = 0;
			continue;
		}
		if (strcasecmp(tok, "on") == 0) {
			if (bg_set) {
				snprintf(err, errlen, "two backgrounds "
				    "(a second \"on\")");
				return -1;
			}
			bg_set = want_bg = 1;
			continue;
		}
		for (i = 0; i < ARRAY_LEN(attr_names); i++)
			if (strcasecmp(tok, attr_names[i].name) == 0)
				break;
		if (i < ARRAY_LEN(attr_names)) {
			st.attrs |= attr_names[i].attr;
			continue;
		}
		if ((c = color_parse(tok, err, errlen)) == -2)
			return -1;
		if (fg_set || bg_set) {
			snprintf(err, errlen, "unexpected colour \"%s\": "
			    "expected FG [on BG] [bold] [reverse] [underline] "
			    "[dim]", tok);
			return -1;
		}
		st.fg = (short)c;
		fg_set = 1;
	}
	if (want_bg) {
		snprintf(err, errlen, "\"on\" without a background colour");
		return -1;
	}
	if (ntok == 0) {
		snprintf(err, errlen, "empty value: expected FG [on BG] "
		    "[bold] [reverse] [underline] [dim]");
		return -1;
	}
	*out = st;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Resolving and colour pairs */

static int
screen_up(void)
{
	return stdscr != NULL;
}

static void
resolve(struct theme *t)
{
	int i, bright, any = 0;
	short fg, bg;

	for (i = 0; i < UC_COUNT; i++)
		if (t->style[i].fg != D || t->style[i].bg != D)
			any = 1;
	t->mono_only = !any;
	for (i = 0; i < UC_COUNT; i++) {
		t->has_pair[i] = 0;
		if (t->colors <= 0) {
			t->attr[i] = t->mono_only ? t->style[i].attrs :
			    mono_attrs[i];
			continue;
		}
		fg = theme_map_color(t->style[i].fg, t->colors, &bright);
		bg = theme_map_color(t->style[i].bg, t->colors, NULL);
		t->attr[i] = t->style[i].attrs | (bright ? A_BOLD : 0);
		if (fg == D && bg == D)
			continue;
		/* Colours that mapped onto each other would hide the text. */
		if (fg == bg)
			fg = bg == COLOR_BLACK ? COLOR_WHITE : COLOR_BLACK;
		t->pair_fg[i] = fg;
		t->pair_bg[i] = bg;
		t->has_pair[i] = 1;
		t->attr[i] |= COLOR_PAIR(i + 1);
	}
}

int
theme_apply(void)
{
	int i, defaults;
	short fg, bg;

	if (!cur.ready)
		theme_load_default(0);
	if (cur.colors <= 0 || !screen_up() || !has_colors())
		return 0;
	start_color();
	if (COLOR_PAIRS <= UC_COUNT) {
		cur.colors = 0;
		resolve(&cur);
		return -1;
	}
	defaults = use_default_colors() == OK;
	for (i = 0; i < UC_COUNT; i++) {
		if (!cur.has_pair[i])
			continue;
		fg = cur.pair_fg[i];
		bg = cur.pair_bg[i];
		if (!defaults) {
			if (fg == D)
				fg = bg == COLOR_WHITE ? COLOR_BLACK :
				    COLOR_WHITE;
			if (bg == D)
				bg = fg == COLOR_BLACK ? COLOR_WHITE :
				    COLOR_BLACK;
		}
		if (fg >= COLORS)
			fg = theme_map_color(fg, COLORS >= 16 ? 16 : 8, NULL);
		if (bg >= COLORS)
			bg = theme_map_color(bg, COLORS >= 16 ? 16 : 8, NULL);
		init_pair((short)(i + 1), fg, bg);
	}
	return 0;
}

int
theme_terminal_colors(void)
{
	const char *nc = getenv("NO_COLOR");
	int n;

	if (nc != NULL && *nc != '\0')
		return 0;
	if (!screen_up() || !has_colors())
		return 0;
	n = tigetnum("colors");
	if (n >= 256)
		return 256;
	if (n >= 16)
		return 16;
	if (n >= 8)
		return 8;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Errors */

static void
errors_clear(struct theme *t)
{
	size_t i;

	for (i = 0; i < t->nerrors; i++)
		free(t->errors[i]);
	free(t->errors);
	t->errors = NULL;
	t->nerrors = t->caperrors = 0;
}

static void
error_add(struct theme *t, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
error_add(struct theme *t, const char *file, int line, const char *fmt, ...)
{
	struct buf b = {0};
	va_list ap;

	if (line > 0)
		buf_printf(&b, "%s:%d: ", file, line);
	else
		buf_printf(&b, "%s: ", file);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	t->errors = xgrow(t->errors, &t->caperrors, t->nerrors + 1,
	    sizeof *t->errors);
	t->errors[t->nerrors++] = buf_detach(&b);
}

size_t
theme_error_count(void)
{
	return cur.nerrors;
}

const char *
theme_error(size_t i)
{
	return i < cur.nerrors ? cur.errors[i] : NULL;
}

/* ------------------------------------------------------------------ */
/* Reading a theme file */

struct parse {
	struct theme	*t;
	const char	*file;
	int		 lineno;	/* of the line being read */
	int		 in_colors;	/* inside [colors] */
	int		 in_section;	/* after any section header */
	int		 seen[UC_COUNT];	/* line of each role, 0 none */
	struct theme_style style[UC_COUNT];
};


static void
read_section(void *ctx, const char *header, int line)
{
	struct parse *p = ctx;
	char name[128];

	p->lineno = line;
	p->in_section = 1;
	if (header == NULL) {
		/* A bad header (reported): its keys are not ours. */
		p->in_colors = 0;
		return;
	}
	snprintf(name, sizeof name, "%s", header);
	p->in_colors = strcmp(util_trim(name), "colors") == 0;
	if (!p->in_colors)
		error_add(p->t, p->file, p->lineno, "unknown section [%s]: "
		    "expected [colors]", name);
}

static void
read_error(void *ctx, int line, const char *msg)
{
	struct parse *p = ctx;

	error_add(p->t, p->file, line, "%s", msg);
}

static void
read_key(void *ctx, const char *name, const char *value, int line)
{
	struct parse *p = ctx;
	char err[ERR_MAX];
	int role;

	p->lineno = line;
	if (!p->in_section) {
		error_add(p->t, p->file, p->lineno, "%s: outside any section: "
		    "put roles under [colors]", name);
		return;
	}
	if (!p->in_colors)
		return;	/* the section header was reported */
	if ((role = theme_role_lookup(name)) == -1) {
		error_add(p->t, p->file, p->lineno, "unknown role \"%s\": "
		    "expected one of normal, header, title, border, selected, "
		    "dim, up, down, restarting, info, warning, critical, "
		    "gauge_low, gauge_mid, gauge_high, chart, chart_alt, key, "
		    "key_label, prompt, status, error, match", name);
		return;
	}
	if (p->seen[role] != 0) {
		error_add(p->t, p->file, p->lineno, "%s: repeated (first at "
		    "line %d)", name, p->seen[role]);
		return;
	}
	p->seen[role] = p->lineno;
	if (theme_parse_style(value, &p->style[role], err, sizeof err) == -1)
		error_add(p->t, p->file, p->lineno, "%s: %s", name, err);
}

/* Read path into p->style (which starts as the default theme).  Returns
 * 0, or -1 when the file cannot be opened or read. */
static int
theme_read(struct parse *p, const char *path)
{
	static const struct inireader_ops ops = {
		.section = read_section,
		.key = read_key,
		.error = read_error,
		.expected = "ROLE = FG [on BG] [ATTRIBUTES]",
		.max_line = 199,	/* a style is short */
	};
	char err[ERR_MAX];

	p->file = path;
	if (inireader_parse(path, &ops, p, err, sizeof err) != 0) {
		error_add(p->t, path, 0, "%s", err);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Finding a theme */

static int
valid_name(const char *s)
{
	const char *c;

	if (*s == '\0' || *s == '.')
		return 0;
	for (c = s; *c != '\0'; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' &&
		    *c != '.')
			return 0;
	return 1;
}

static int
try_dir(const char *dir, const char *name, char *path, size_t len,
    struct buf *looked)
{
	if (dir == NULL || *dir == '\0')
		return 0;
	snprintf(path, len, "%s/%s.ini", dir, name);
	if (access(path, R_OK) == 0)
		return 1;
	buf_printf(looked, "%s%s", looked->len > 0 ? ", " : "", dir);
	return 0;
}

/* The file of theme name, into path.  Returns 0, or -1 with the
 * directories tried in looked. */
static int
theme_find(const char *name, char *path, size_t len, struct buf *looked)
{
	char exe[PATH_MAX], dir[PATH_MAX + 64], *env, *d, *save = NULL, *slash;
	ssize_t n;

	if ((env = getenv("MODELTOP_THEMES")) != NULL && *env != '\0') {
		env = xstrdup(env);
		for (d = strtok_r(env, ":", &save); d != NULL;
		    d = strtok_r(NULL, ":", &save)) {
			if (try_dir(d, name, path, len, looked)) {
				free(env);
				return 0;
			}
		}
		free(env);
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		snprintf(dir, sizeof dir, "%s/../share/modeltop/themes", exe);
		if (try_dir(dir, name, path, len, looked))
			return 0;
		snprintf(dir, sizeof dir, "%s/themes", exe);
		if (try_dir(dir, name, path, len, looked))
			return 0;
	}
	if (try_dir("./themes", name, path, len, looked))
		return 0;
#ifdef MODELTOP_DATADIR
	if (try_dir(MODELTOP_DATADIR "/themes", name, path, len, looked))
		return 0;
#endif
	return -1;
}

/* ------------------------------------------------------------------ */
/* Loading */

static void
set_current(const struct theme_style *styles, int colors, const char *name)
{
	memcpy(cur.style, styles, sizeof cur.style);
	cur.colors = colors < 0 ? 0 : colors;
	util_strlcpy(cur.name, name, sizeof cur.name);
	cur.ready = 1;
	resolve(&cur);
	if (screen_up())
		theme_apply();
}

void
theme_load_default(int colors)
{
	set_current(default_styles, colors, "default");
}

int
theme_load(const char *name_or_path, int colors, char *err, size_t errlen)
{
	struct parse p;
	struct buf looked = {0};
	char path[PATH_MAX + 128];
	const char *file;
	size_t n;

	errors_clear(&cur);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (name_or_path == NULL || *name_or_path == '\0')
		name_or_path = "default";

	memset(&p, 0, sizeof p);
	p.t = &cur;
	memcpy(p.style, default_styles, sizeof p.style);
	if (strchr(name_or_path, '/') != NULL ||
	    (strlen(name_or_path) > 4 && strcmp(name_or_path +
	    strlen(name_or_path) - 4, ".ini") == 0))
		file = name_or_path;
	else if (!valid_name(name_or_path)) {
		error_add(&cur, "theme", 0, "bad theme name \"%s\": use a "
		    "name (letters, digits, '-', '_') or a path",
		    name_or_path);
		file = NULL;
	} else if (theme_find(name_or_path, path, sizeof path, &looked) == 0)
		file = path;
	else {
		if (strcmp(name_or_path, "default") != 0)
			error_add(&cur, "theme", 0, "no theme \"%s\" (looked "
			    "for %s.ini in %s)", name_or_path, name_or_path,
			    looked.data != NULL ? looked.data : "nowhere");
		file = NULL;
	}
	buf_free(&looked);

	if (file != NULL && theme_read(&p, file) == -1)
		file = NULL;
	if (file != NULL)
		/* What parsed applies, bad lines and all; the rest stays
		 * default. */
		set_current(p.style, colors, name_or_path);
	else
		set_current(default_styles, colors, "default");

	if (cur.nerrors == 0)
		return 0;
	if (err != NULL && errlen > 0) {
		n = cur.nerrors - 1;
		if (n > 0)
			snprintf(err, errlen, "%s (and %zu more)", cur.errors[0],
			    n);
		else
			snprintf(err, errlen, "%s", cur.errors[0]);
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* Lookups */

attr_t
ui_attr(enum ui_color c)
{
	if (!cur.ready)
		theme_load_default(0);
	if ((int)c < 0 || c >= UC_COUNT)
		return cur.attr[UC_NORMAL];
	return cur.attr[c];
}

const char *
theme_current(void)
{
	return cur.ready ? cur.name : "default";
}

int
theme_colors(void)
{
	return cur.colors;
}

const char *
theme_role_name(enum ui_color c)
{
	if ((int)c < 0 || c >= UC_COUNT)
		return NULL;
	return role_names[c];
}

int
theme_role_lookup(const char *name)
{
	int i;

	for (i = 0; i < UC_COUNT; i++)
		if (strcasecmp(name, role_names[i]) == 0)
			return i;
	return -1;
}

struct theme_style
theme_style(enum ui_color c)
{
	if (!cur.ready)
		theme_load_default(0);
	if ((int)c < 0 || c >= UC_COUNT)
		c = UC_NORMAL;
	return cur.style[c];
}
