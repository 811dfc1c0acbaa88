/*
 * console.c -- the console: the poll loop, the screen layout, the header,
 * tabs, status line and F-key bar, and the one command path that keys and
 * the ':' prompt share.
 *
 * Redraw discipline: handlers only mark the console dirty; the loop draws
 * once per turn when something changed (a tick, a key, a resize, a
 * message expiring), erasing and redrawing windows in memory and sending
 * only what changed with one doupdate().  Only Ctrl-L, a resize and a
 * resume repaint the whole terminal.
 */
#define CONSOLE_INTERNAL
#include "console.h"

#include <errno.h>
#include <langinfo.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "actions.h"
#include "cmd.h"
#include "config.h"
#include "engine.h"
#include "theme.h"
#include "ucmd.h"
#include "units.h"
#include "timebar.h"
#include "widgets.h"

static const struct panel_ops *const panel_list[CONSOLE_PANELS] = {
	&panel_fleet_ops,
	&panel_metrics_ops,
	&panel_errors_ops,
	&panel_memory_ops,
	&panel_logs_ops,
};

/* The bottom bar, htop style: each label runs the key's binding. */
static const struct {
	const char	*key;
	const char	*label;
} bar_items[] = {
	{ "F1", "Help" },
	{ "F2", "Panel" },
	{ "F3", "Find" },
	{ "F4", "Filter" },
	{ "F5", "Act" },
	{ "F6", "Sort" },
	{ "F9", "Trim" },
	{ "F10", "Quit" },
};

/* Bytes the terminal may still have to take before the next frame. */
#define OUTPUT_BACKLOG	4096

/* ui_message, ui_panel_show and the fatal hook act on this console. */
static struct console *current_console;

/* ------------------------------------------------------------------ */
/* Messages */

void
console_vmessage(struct console *c, int error, const char *fmt, va_list ap)
{
	char *nl;

	vsnprintf(c->msg, sizeof c->msg, fmt, ap);
	/* One line: the status line has one. */
	while ((nl = strpbrk(c->msg, "\r\n\t")) != NULL)
		*nl = ' ';
	c->msg_error = error;
	c->msg_until = util_mono_ms() + (error ? CONSOLE_ERROR_MS :
	    CONSOLE_MSG_MS);
	c->dirty = 1;
}

static void
message(struct console *c, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
message(struct console *c, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	console_vmessage(c, error, fmt, ap);
	va_end(ap);
}

void
ui_message(int error, const char *fmt, ...)
{
	va_list ap;

	if (current_console == NULL)
		return;
	va_start(ap, fmt);
	console_vmessage(current_console, error, fmt, ap);
	va_end(ap);
}

const char *
console_message(const struct console *c)
{
	return c->msg;
}

void
ui_panel_show(const char *name)
{
	int i;

	if (current_console == NULL || (i = console_panel_index(name)) == -1)
		return;
	console_panel_show(current_console, i);
}

struct view *
console_view(struct console *c)
{
	return c->ui.view;
}

const char *
console_selected(struct console *c)
{
	return c->ui.selected;
}

/* ------------------------------------------------------------------ */
/* Confirmation */

static void
confirm_clear(struct console *c, int yes)
{
	void (*fn)(void *) = c->confirm_yes;
	void (*done)(void *) = c->confirm_done;
	void *ctx = c->confirm_ctx;

	if (c->confirm_q == NULL)
		return;
	free(c->confirm_q);
	c->confirm_q = NULL;
	c->confirm_yes = NULL;
	c->confirm_done = NULL;
	c->confirm_ctx = NULL;
	c->dirty = 1;
	if (yes && fn != NULL)
		fn(ctx);
	if (done != NULL)
		done(ctx);
}

void
console_confirm_full(struct console *c, const char *question,
    void (*yes)(void *), void (*done)(void *), void *ctx)
{
	confirm_clear(c, 0);
	c->confirm_q = xstrdup(question);
	c->confirm_yes = yes;
	c->confirm_done = done;
	c->confirm_ctx = ctx;
	c->dirty = 1;
}

void
console_confirm(struct console *c, const char *question,
    void (*yes)(void *), void *ctx)
{
	console_confirm_full(c, question, yes, NULL, ctx);
}

/* ------------------------------------------------------------------ */
/* Panels */

int
console_panel_index(const char *name)
{
	size_t len = strlen(name);
	int i, found = -1;

	if (len == 1 && name[0] >= '1' && name[0] <= '0' + CONSOLE_PANELS)
		return name[0] - '1';
	if (len == 0)
		return -1;
	for (i = 0; i < CONSOLE_PANELS; i++) {
		if (strcasecmp(panel_list[i]->name, name) == 0)
			return i;
	}
	for (i = 0; i < CONSOLE_PANELS; i++) {
		if (strncasecmp(panel_list[i]->name, name, len) != 0)
			continue;
		if (found != -1)
			return -1;
		found = i;
	}
	return found;
}

/* Which panel each slot window shows for the layout. */
static void
assign_slots(struct console *c)
{
	struct console_panel *p;
	int i, s, slot[2] = { -1, -1 };

	for (i = 0; i < CONSOLE_PANELS; i++)
		c->panels[i].win = NULL;
	switch (c->layout) {
	case LAYOUT_SINGLE:
		slot[0] = c->current;
		break;
	case LAYOUT_SIDE:
	case LAYOUT_STACKED:
		slot[0] = 0;
		slot[1] = c->detail;
		break;
	case LAYOUT_TOO_SMALL:
		break;
	}
	for (s = 0; s < 2; s++) {
		if (slot[s] == -1 || c->w_slot[s] == NULL)
			continue;
		p = &c->panels[slot[s]];
		p->win = c->w_slot[s];
		getbegyx(p->win, p->y, p->x);
		getmaxyx(p->win, p->h, p->w);
	}
}

void
console_panel_show(struct console *c, int i)
{
	if (i < 0 || i >= CONSOLE_PANELS)
		return;
	if (i != c->current) {
		c->previous = c->current;
		c->current = i;
	}
	if (i != 0)
		c->detail = i;
	assign_slots(c);
	c->dirty = 1;
}

/* ------------------------------------------------------------------ */
/* Creation */

static int
locale_is_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs != NULL && (strcasecmp(cs, "UTF-8") == 0 ||
	    strcasecmp(cs, "utf8") == 0);
}

/* Who runs the console, for the audit of what its commands do: "user on
 * /dev/pts/3". */
static void
set_who(struct console *c)
{
	struct passwd *pw = getpwuid(getuid());
	const char *tty = isatty(STDIN_FILENO) ? ttyname(STDIN_FILENO) : NULL;
	char uid[32];

	snprintf(uid, sizeof uid, "uid %u", (unsigned)getuid());
	snprintf(c->who, sizeof c->who, "%s%s%s",
	    pw != NULL ? pw->pw_name : uid, tty != NULL ? " on " : "",
	    tty != NULL ? tty : "");
}

/* The user's [keys] over the defaults; the first bad one is reported. */
static void
bind_user_keys(struct console *c, const struct console_opts *o)
{
	char err[256], first[256] = "";
	size_t i;
	int bad = 0;

	for (i = 0; i < o->nkeys; i++) {
		if (keymap_bind(c->keymap, o->key_specs[i],
		    o->key_commands[i], err, sizeof err) == 0)
			continue;
		if (bad++ == 0)
			util_strlcpy(first, err, sizeof first);
	}
	if (bad == 1)
		message(c, 1, "keys: %s", first);
	else if (bad > 1)
		message(c, 1, "keys: %s (and %d more)", first, bad - 1);
}

struct console *
console_new(struct view *view, const struct console_opts *o)
{
	struct console *c = xcalloc(1, sizeof *c);
	struct view_play play;
	int i;

	c->opts = *o;
	c->ui.view = view;
	/* a recording: the time bar under the panels */
	if (view_play(view, &play) == 0)
		c->ui.timebar = timebar_new();
	c->ui.glyphs = o->ascii || !locale_is_utf8() ? UG_ASCII : UG_UNICODE;
	c->ui.colors = 0;
	c->ui.spark_column = COL_CPU;
	c->ui.window_ms = 5 * 60 * 1000;
	c->keymap = keymap_new();
	prompt_init(&c->cmdline, ucmd_complete, c);
	prompt_init(&c->filterline, ucmd_complete_worker, c);
	c->sigfd = -1;
	c->tty_fd = -1;
	set_who(c);
	c->detail = 1;
	c->layout = LAYOUT_SINGLE;
	current_console = c;
	bind_user_keys(c, o);
	for (i = 0; i < CONSOLE_PANELS; i++) {
		c->panels[i].ops = panel_list[i];
		c->panels[i].state = panel_list[i]->create(&c->ui);
	}
	c->dirty = 1;
	return c;
}

void
console_free(struct console *c)
{
	int i;

	if (c == NULL)
		return;
	confirm_clear(c, 0);
	for (i = 0; i < CONSOLE_PANELS; i++)
		c->panels[i].ops->destroy(c->panels[i].state);
	keymap_free(c->keymap);
	timebar_free(c->ui.timebar);
	prompt_free(&c->cmdline);
	prompt_free(&c->filterline);
	buf_free(&c->pager.text);
	free(c->pager.lines);
	free(c->fds);
	if (current_console == c)
		current_console = NULL;
	free(c);
}

/* ------------------------------------------------------------------ */
/* Commands */

/* Append s to b so that config_split_argv reads it back as one word. */
static void
add_word(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (strchr(" \t\"'\\", *s) != NULL)
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
}

/* The incident selected in the errors panel when that panel is on the
 * screen or has the keys; 0 otherwise. */
static int64_t
selected_incident(struct console *c)
{
	int i = console_panel_index("errors");

	if (i == -1 || (c->current != i && c->panels[i].win == NULL))
		return 0;
	return c->ui.incident;
}

/* Expand %w (the selected worker), %i (the selected incident's id) and
 * %% in a command line.  Returns a new string, or NULL with *why set
 * when there is no such selection. */
static char *
expand(struct console *c, const char *line, const char **why)
{
	struct buf b = {0};
	const char *p;
	int64_t id;

	for (p = line; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 'w') {
			if (c->ui.selected[0] == '\0') {
				buf_free(&b);
				*why = "no worker selected";
				return NULL;
			}
			add_word(&b, c->ui.selected);
			p++;
		} else if (p[0] == '%' && p[1] == 'i') {
			if ((id = selected_incident(c)) <= 0) {
				buf_free(&b);
				*why = "no incident selected (select one in "
				    "the errors panel)";
				return NULL;
			}
			buf_printf(&b, "%lld", (long long)id);
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			buf_addc(&b, '%');
			p++;
		} else
			buf_addc(&b, *p);
	}
	if (b.data == NULL)
		buf_adds(&b, "");
	return buf_detach(&b);
}

static void
trim_end(char *s, size_t *len)
{
	while (*len > 0 && (s[*len - 1] == '\n' || s[*len - 1] == ' '))
		s[--*len] = '\0';
}

/* What a command printed goes to the status line; several lines open the
 * pager instead. */
static void
report(struct console *c, const char *name, int rc, char *out,
    size_t outlen, char *err, size_t errlen)
{
	struct buf b = {0};

	trim_end(out, &outlen);
	trim_end(err, &errlen);
	if (strchr(out, '\n') != NULL || strchr(err, '\n') != NULL) {
		buf_adds(&b, err);
		if (errlen > 0 && outlen > 0)
			buf_addc(&b, '\n');
		buf_adds(&b, out);
		console_pager_open(c, name, b.data);
		buf_free(&b);
		if (errlen > 0 || rc != 0)
			message(c, 1, "%s: failed; see the text above", name);
		return;
	}
	if (errlen > 0)
		message(c, 1, "%s", err);
	else if (rc != 0)
		message(c, 1, "%s failed (status %d)", name, rc);
	else if (outlen > 0)
		message(c, 0, "%s", out);
}

static int
run_entry(struct console *c, const struct cmd_entry *ce, int argc,
    char **argv)
{
	char *out = NULL, *err = NULL;
	size_t outlen = 0, errlen = 0;
	struct cmd_ctx ctx;
	int rc;

	memset(&ctx, 0, sizeof ctx);
	ctx.out = open_memstream(&out, &outlen);
	ctx.err = open_memstream(&err, &errlen);
	if (ctx.out == NULL || ctx.err == NULL)
		fatal("open_memstream: %s", strerror(errno));
	ctx.console = c;
	ctx.engine = view_live_engine(c->ui.view);
	ctx.who = c->who;
	rc = ce->exec(&ctx, argc, argv);
	fclose(ctx.out);
	fclose(ctx.err);
	report(c, ce->name, rc, out, outlen, err, errlen);
	free(out);
	free(err);
	c->dirty = 1;
	return rc == 0 ? 0 : -1;
}

/* A command that asked its y/n question and waits for the answer. */
struct pending {
	struct console	*c;
	const struct cmd_entry *ce;
	char		**argv;		/* with the confirmation appended */
	int		 argc;
};

static void
pending_yes(void *arg)
{
	struct pending *pd = arg;

	run_entry(pd->c, pd->ce, pd->argc, pd->argv);
}

static void
pending_done(void *arg)
{
	struct pending *pd = arg;
	int i;

	for (i = 0; i < pd->argc; i++)
		free(pd->argv[i]);
	free(pd->argv);
	free(pd);
}

/*
 * Recovery actions that can stop a worker ask first, naming exactly what
 * will happen (cmd_needs_confirm); y runs the command with the answer
 * appended, so it acts only on the process that was named.  Returns 1
 * when the question is up, 0 when the command runs as it is.
 */
static int
confirm_first(struct console *c, const struct cmd_entry *ce, int argc,
    char **argv)
{
	struct cmd_ctx ctx;
	struct pending *pd;
	char q[512], yes[128], *out = NULL, *err = NULL;
	size_t outlen = 0, errlen = 0;
	int r, i;

	if (ucmd_is_own(ce) || (ce->flags & CMD_PROMPT) == 0 ||
	    view_live_engine(c->ui.view) == NULL)
		return 0;
	memset(&ctx, 0, sizeof ctx);
	ctx.out = open_memstream(&out, &outlen);
	ctx.err = open_memstream(&err, &errlen);
	if (ctx.out == NULL || ctx.err == NULL)
		fatal("open_memstream: %s", strerror(errno));
	ctx.console = c;
	ctx.engine = view_live_engine(c->ui.view);
	ctx.who = c->who;
	/* the table's name, whatever prefix was typed */
	{
		char *name = argv[0];

		argv[0] = (char *)ce->name;
		r = cmd_needs_confirm(&ctx, argc, argv, q, sizeof q, yes,
		    sizeof yes);
		argv[0] = name;
	}
	fclose(ctx.out);
	fclose(ctx.err);
	free(out);
	free(err);
	if (r != 1)
		return 0;
	pd = xcalloc(1, sizeof *pd);
	pd->c = c;
	pd->ce = ce;
	pd->argc = argc + 1;
	pd->argv = xcalloc((size_t)argc + 2, sizeof *pd->argv);
	pd->argv[0] = xstrdup(ce->name);
	for (i = 1; i < argc; i++)
		pd->argv[i] = xstrdup(argv[i]);
	pd->argv[argc] = xstrdup(yes);
	console_confirm_full(c, q, pending_yes, pending_done, pd);
	return 1;
}

/* A command no table knows may be a panel's own ("find TEXT", "scope
 * all"): the panel with the keys first, then the others. */
static int
run_panels(struct console *c, int argc, char **argv)
{
	struct console_panel *p;
	int i, k;

	for (k = 0; k < CONSOLE_PANELS; k++) {
		i = k == 0 ? c->current : k - (k <= c->current);
		p = &c->panels[i];
		if (p->ops->command != NULL &&
		    p->ops->command(p->state, &c->ui, argc, argv)) {
			c->dirty = 1;
			return 1;
		}
	}
	return 0;
}

int
console_exec(struct console *c, const char *line)
{
	const struct cmd_entry *ce;
	struct buf cands = {0};
	char **argv = NULL, *text, err[256];
	size_t argc = 0;
	const char *s, *why = "";
	int amb, rc = -1;

	for (s = line; *s == ' ' || *s == '\t'; s++)
		;
	if (*s == '\0')
		return 0;
	if ((text = expand(c, s, &why)) == NULL) {
		message(c, 1, "%s: %s", s, why);
		return -1;
	}
	if (config_split_argv(text, &argv, &argc, err, sizeof err) != 0) {
		message(c, 1, "%s", err);
		free(text);
		return -1;
	}
	free(text);
	ce = ucmd_find(argv[0], &amb, &cands);
	if (ce != NULL) {
		if (!ucmd_is_own(ce) && (ce->flags & CMD_REPLAY) == 0 &&
		    strcmp(view_mode(c->ui.view), "live") != 0)
			message(c, 1, "%s: not on a recording (history is "
			    "read-only)", ce->name);
		else if (confirm_first(c, ce, (int)argc, argv))
			rc = 0;		/* the question is up */
		else
			rc = run_entry(c, ce, (int)argc, argv);
	} else if (amb)
		message(c, 1, "ambiguous command: %s (%s)", argv[0],
		    cands.data);
	else if (run_panels(c, (int)argc, argv))
		rc = 0;
	else
		message(c, 1, "unknown command: %s (F1 or ? for help)",
		    argv[0]);
	buf_free(&cands);
	config_argv_free(argv);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The pager */

void
console_pager_open(struct console *c, const char *title, const char *text)
{
	struct console_pager *pg = &c->pager;
	size_t i;

	buf_clear(&pg->text);
	buf_adds(&pg->text, text);
	/* A final newline ends the last line; it does not start one. */
	if (pg->text.len > 0 && pg->text.data[pg->text.len - 1] == '\n')
		pg->text.data[--pg->text.len] = '\0';
	pg->nlines = 0;
	for (i = 0; i < pg->text.len || i == 0; i++) {
		if (i == 0 || pg->text.data[i - 1] == '\n') {
			pg->lines = xgrow(pg->lines, &pg->lcap, pg->nlines + 1,
			    sizeof *pg->lines);
			pg->lines[pg->nlines++] = i;
		}
		if (pg->text.len == 0)
			break;
	}
	util_strlcpy(pg->title, title, sizeof pg->title);
	pg->top = 0;
	pg->open = 1;
	c->dirty = 1;
}

void
console_pager_close(struct console *c)
{
	c->pager.open = 0;
	c->dirty = 1;
}

int
console_pager_scroll(struct console *c, const char *cmd)
{
	struct console_pager *pg = &c->pager;
	int page = pg->rows > 1 ? pg->rows - 1 : 1;
	int max = (int)pg->nlines - pg->rows;

	if (strcmp(cmd, "up") == 0)
		pg->top--;
	else if (strcmp(cmd, "down") == 0)
		pg->top++;
	else if (strcmp(cmd, "page-up") == 0)
		pg->top -= page;
	else if (strcmp(cmd, "page-down") == 0)
		pg->top += page;
	else if (strcmp(cmd, "top") == 0)
		pg->top = 0;
	else if (strcmp(cmd, "bottom") == 0)
		pg->top = max;
	else
		return 0;
	if (pg->top > max)
		pg->top = max;
	if (pg->top < 0)
		pg->top = 0;
	c->dirty = 1;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Keys and the mouse */

static void
click_bar(struct console *c, int x)
{
	const struct keybinding *b;
	TermKeyKey key;
	char err[128];
	int i;

	for (i = 0; i < c->nbar; i++) {
		if (x < c->bar_x[i] || x >= c->bar_x[i + 1])
			continue;
		if (keymap_parse_spec(bar_items[i].key, &key, err,
		    sizeof err) == 0 &&
		    (b = keymap_lookup(c->keymap, &key)) != NULL)
			console_exec(c, b->command);
		return;
	}
}

static struct console_panel *
panel_at(struct console *c, int y, int x, int *idx)
{
	struct console_panel *p;
	int i;

	for (i = 0; i < CONSOLE_PANELS; i++) {
		p = &c->panels[i];
		if (p->win != NULL && y >= p->y && y < p->y + p->h &&
		    x >= p->x && x < p->x + p->w) {
			*idx = i;
			return p;
		}
	}
	return NULL;
}

static void
mouse(struct console *c, TermKeyKey *key)
{
	struct input_mouse m;
	struct console_panel *p;
	int i, n;

	if (c->input == NULL || input_mouse_decode(c->input, key, &m) != 0)
		return;
	if (c->layout == LAYOUT_TOO_SMALL)
		return;
	if (c->pager.open) {
		if (m.event == INPUT_MOUSE_WHEEL_UP)
			for (n = 0; n < 3; n++)
				console_pager_scroll(c, "up");
		else if (m.event == INPUT_MOUSE_WHEEL_DOWN)
			for (n = 0; n < 3; n++)
				console_pager_scroll(c, "down");
		else if (m.event == INPUT_MOUSE_PRESS && m.y == c->rows - 1)
			click_bar(c, m.x);
		return;
	}
	if (m.event == INPUT_MOUSE_PRESS && m.button == 1 && m.y == 1) {
		for (i = 0; i < CONSOLE_PANELS; i++) {
			if (m.x >= c->tab_x[i] && m.x < c->tab_x[i + 1])
				console_panel_show(c, i);
		}
		return;
	}
	if (m.event == INPUT_MOUSE_PRESS && m.y == c->rows - 1) {
		click_bar(c, m.x);
		return;
	}
	if (m.event == INPUT_MOUSE_PRESS && m.button == 1 &&
	    c->ui.timebar != NULL && m.y == timebar_row(c->ui.timebar)) {
		timebar_click(c->ui.timebar, &c->ui, m.x);
		c->dirty = 1;
		return;
	}
	if ((p = panel_at(c, m.y, m.x, &i)) == NULL)
		return;
	if (m.event == INPUT_MOUSE_WHEEL_UP ||
	    m.event == INPUT_MOUSE_WHEEL_DOWN) {
		char *argv[] = { m.event == INPUT_MOUSE_WHEEL_UP ? "up" :
		    "down", NULL };

		console_panel_show(c, i);
		for (n = 0; n < 3 && p->ops->command != NULL; n++)
			p->ops->command(p->state, &c->ui, 1, argv);
		c->dirty = 1;
		return;
	}
	if (m.event != INPUT_MOUSE_PRESS || m.button != 1)
		return;
	console_panel_show(c, i);
	if (p->ops->click != NULL)
		p->ops->click(p->state, &c->ui, m.y - p->y, m.x - p->x);
	c->dirty = 1;
}

static void
prompt_result(struct console *c, struct prompt *p, int r)
{
	char line[PROMPT_MAX];

	switch (r) {
	case PROMPT_RUN:
		util_strlcpy(line, prompt_text(p), sizeof line);
		if (p == &c->cmdline)
			console_exec(c, line);
		break;
	case PROMPT_CANCEL:
		if (p == &c->filterline)
			c->ui.filter[0] = '\0';
		break;
	case PROMPT_EDITED:
	case PROMPT_LISTED:
		/* Tab: the candidates when there were several. */
		if (prompt_message(p)[0] != '\0')
			message(c, 0, "%s", prompt_message(p));
		break;
	}
	/* The filter narrows as it is typed. */
	if (p == &c->filterline && r != PROMPT_CANCEL)
		util_strlcpy(c->ui.filter, prompt_text(p), sizeof c->ui.filter);
}

void
console_key(struct console *c, TermKeyKey *key)
{
	const struct keybinding *b;
	char name[64];
	int r;

	c->dirty = 1;
	/* ESC and a key typed fast (or sent together by tmux or a paste)
	 * arrive as one Meta key: unless Meta-key is bound, take it as the
	 * two keys they were. */
	if (key->type == TERMKEY_TYPE_UNICODE &&
	    key->modifiers == TERMKEY_KEYMOD_ALT &&
	    keymap_lookup(c->keymap, key) == NULL) {
		TermKeyKey esc, plain = *key;

		memset(&esc, 0, sizeof esc);
		esc.type = TERMKEY_TYPE_KEYSYM;
		esc.code.sym = TERMKEY_SYM_ESCAPE;
		plain.modifiers = 0;
		console_key(c, &esc);
		console_key(c, &plain);
		return;
	}
	if (c->confirm_q != NULL) {
		if (key->type == TERMKEY_TYPE_MOUSE)
			return;
		r = key->type == TERMKEY_TYPE_UNICODE &&
		    key->modifiers == 0 && (key->code.codepoint == 'y' ||
		    key->code.codepoint == 'Y');
		if (!r)
			message(c, 0, "cancelled");
		confirm_clear(c, r);
		return;
	}
	if (key->type == TERMKEY_TYPE_MOUSE) {
		mouse(c, key);
		return;
	}
	if (c->cmdline.active) {
		prompt_result(c, &c->cmdline, prompt_key(&c->cmdline, key));
		return;
	}
	if (c->filterline.active) {
		prompt_result(c, &c->filterline,
		    prompt_key(&c->filterline, key));
		return;
	}
	b = keymap_lookup(c->keymap, key);
	if (c->pager.open) {
		/* Scroll keys scroll; any other key closes it. */
		if (b == NULL || !console_pager_scroll(c, b->command))
			console_pager_close(c);
		return;
	}
	if (b == NULL) {
		if (key->type == TERMKEY_TYPE_UNICODE ||
		    key->type == TERMKEY_TYPE_FUNCTION ||
		    key->type == TERMKEY_TYPE_KEYSYM)
			message(c, 0, "%s is not bound to anything (F1 or ? "
			    "for help)", keymap_key_name(key, name,
			    sizeof name));
		return;
	}
	console_exec(c, b->command);
}

/* ------------------------------------------------------------------ */
/* Layout */

static void
free_windows(struct console *c)
{
	WINDOW **all[] = { &c->w_header, &c->w_tabs, &c->w_status, &c->w_bar,
	    &c->w_body, &c->w_slot[0], &c->w_slot[1], &c->w_sep };
	size_t i;

	for (i = 0; i < ARRAY_LEN(all); i++) {
		if (*all[i] != NULL)
			delwin(*all[i]);
		*all[i] = NULL;
	}
	if (c->ui.timebar != NULL)
		timebar_place(c->ui.timebar, -1, 0);
	assign_slots(c);
}

/* A part of the screen: a window sharing stdscr's cells (derwin), so the
 * layout costs no memory per cell beyond ncurses' own screens. */
static WINDOW *
window(int h, int w, int y, int x)
{
	WINDOW *win = derwin(stdscr, h, w, y, x);

	if (win == NULL)
		fatal("newwin %dx%d at %d,%d failed", w, h, x, y);
	/* Where the cursor is left does not matter: less to send. */
	leaveok(win, TRUE);
	return win;
}

void
console_resize(struct console *c, int rows, int cols)
{
	int body, fw, fh;

	c->rows = rows;
	c->cols = cols;
	c->full_redraw = 1;
	c->dirty = 1;
	if (!c->screen)
		return;
	free_windows(c);
	/* the panels are parts of stdscr: it must have the size laid out */
	if (getmaxy(stdscr) != rows || getmaxx(stdscr) != cols)
		resizeterm(rows, cols);
	if (cols < CONSOLE_MIN_COLS || rows < CONSOLE_MIN_ROWS) {
		c->layout = LAYOUT_TOO_SMALL;
		return;
	}
	if (cols >= 160 && rows >= 40)
		c->layout = LAYOUT_SIDE;
	else if (cols >= 100 && rows >= 40)
		c->layout = LAYOUT_STACKED;
	else
		c->layout = LAYOUT_SINGLE;
	/* replay: the time bar takes a row above the status line */
	body = rows - 4 - (c->ui.timebar != NULL);
	c->w_header = window(1, cols, 0, 0);
	c->w_tabs = window(1, cols, 1, 0);
	c->w_body = window(body, cols, 2, 0);
	c->w_status = window(1, cols, rows - 2, 0);
	c->w_bar = window(1, cols, rows - 1, 0);
	if (c->ui.timebar != NULL)
		timebar_place(c->ui.timebar, rows - 3, cols);
	switch (c->layout) {
	case LAYOUT_SINGLE:
		c->w_slot[0] = window(body, cols, 2, 0);
		break;
	case LAYOUT_SIDE:
		fw = cols * 11 / 20;
		c->w_slot[0] = window(body, fw, 2, 0);
		c->w_sep = window(body, 1, 2, fw);
		c->w_slot[1] = window(body, cols - fw - 1, 2, fw + 1);
		break;
	case LAYOUT_STACKED:
		fh = (body - 1) / 2;
		c->w_slot[0] = window(fh, cols, 2, 0);
		c->w_sep = window(1, cols, 2 + fh, 0);
		c->w_slot[1] = window(body - fh - 1, cols, 3 + fh, 0);
		break;
	case LAYOUT_TOO_SMALL:
		break;
	}
	/* Rows that move up or down together (a worker changing places in
	 * the fleet) go out as one insert/delete line, not a rewrite. */
	idlok(c->w_slot[0], TRUE);
	assign_slots(c);
}

/* Read the terminal's size and lay out again when it changed. */
static void
check_size(struct console *c)
{
	struct winsize ws;

	if (c->tty_fd < 0 || ioctl(c->tty_fd, TIOCGWINSZ, &ws) != 0 ||
	    ws.ws_row == 0 || ws.ws_col == 0)
		return;
	if (ws.ws_row == c->rows && ws.ws_col == c->cols)
		return;
	resizeterm(ws.ws_row, ws.ws_col);
	console_resize(c, ws.ws_row, ws.ws_col);
}

/* ------------------------------------------------------------------ */
/* Drawing */

static int
text(WINDOW *w, int y, int x, int maxw, const char *s, enum ui_color role,
    struct console *c)
{
	if (maxw <= 0)
		return 0;
	return widget_text(w, y, x, maxw, s, WIDGET_NUL, ui_attr(role),
	    c->ui.glyphs);
}

static void
draw_header(struct console *c)
{
	WINDOW *w = c->w_header;
	const struct view_worker *vw;
	struct view_host host;
	char buf[512], t[FMT_MAX], iv[UNITS_FMT_MAX], rss[FMT_MAX],
	    req[FMT_MAX], err[FMT_MAX], psi[FMT_MAX];
	double rss_sum = 0, req_sum = 0, err_sum = 0;
	int up = 0, incidents = 0, x, live;
	size_t n, i;

	n = view_workers(c->ui.view, &vw);
	for (i = 0; i < n; i++) {
		if (vw[i].state == VIEW_UP || vw[i].state == VIEW_RESTARTING)
			up++;
		if (vw[i].rss_bytes == vw[i].rss_bytes)
			rss_sum += vw[i].rss_bytes;
		if (vw[i].req_rate == vw[i].req_rate)
			req_sum += vw[i].req_rate;
		if (vw[i].err_rate == vw[i].err_rate)
			err_sum += vw[i].err_rate;
		incidents += vw[i].incidents;
	}
	live = strcmp(view_mode(c->ui.view), "live") == 0;
	fmt_time_hms(view_time(c->ui.view), t, sizeof t);
	units_format_duration(view_interval(c->ui.view), iv, sizeof iv);
	fmt_bytes(rss_sum, rss, sizeof rss);
	fmt_rate(req_sum, req, sizeof req);
	fmt_rate(err_sum, err, sizeof err);

	widget_fill(w, 0, 0, c->cols, ui_attr(UC_HEADER));
	x = 0;
	if (c->cols >= 100)
		x = text(w, 0, 0, c->cols, " modeltop ", UC_HEADER, c);
	snprintf(buf, sizeof buf, " %s%s ", live ? "" : "REPLAY ",
	    view_source(c->ui.view));
	x += text(w, 0, x, c->cols - x, buf, live ? UC_HEADER : UC_WARNING,
	    c);
	snprintf(buf, sizeof buf, " %s  every %s  up %d/%zu  RSS %s  "
	    "req/s %s  err/s %s  ", t, iv, up, n, rss, req, err);
	x += text(w, 0, x, c->cols - x, buf, UC_HEADER, c);
	/* Open incidents stand out; then the host's memory pressure (the
	 * share of time some task stalled on memory, last 10 s). */
	snprintf(buf, sizeof buf, "incidents %d", incidents);
	x += text(w, 0, x, c->cols - x, buf, incidents > 0 ? UC_CRITICAL :
	    UC_HEADER, c);
	view_host(c->ui.view, &host);
	if (host.psi_some_avg10 == host.psi_some_avg10) {
		fmt_percent(host.psi_some_avg10, psi, sizeof psi);
		snprintf(buf, sizeof buf, "  mem psi %s", psi);
		text(w, 0, x, c->cols - x, buf, host.psi_some_avg10 >= 10 ?
		    UC_WARNING : UC_HEADER, c);
	}
	wnoutrefresh(w);
}

static void
draw_tabs(struct console *c)
{
	WINDOW *w = c->w_tabs;
	char buf[320];
	enum ui_color role;
	int i, x = 0, shown, right;

	widget_fill(w, 0, 0, c->cols, ui_attr(UC_NORMAL));
	for (i = 0; i < CONSOLE_PANELS; i++) {
		c->tab_x[i] = x;
		shown = c->panels[i].win != NULL;
		role = i == c->current && !c->pager.open ? UC_SELECTED :
		    shown ? UC_TITLE : UC_DIM;
		snprintf(buf, sizeof buf, " %d %s ", i + 1,
		    c->panels[i].ops->title);
		x += text(w, 0, x, c->cols - x, buf, role, c);
		if (x < c->cols)
			x++;
	}
	c->tab_x[i] = x;

	/* How the fleet is shown: filter, sort, sparkline, as fits. */
	for (i = 0; i < 3; i++) {
		snprintf(buf, sizeof buf, "%s%s%s%s%s%s%s%s ",
		    c->ui.filter[0] != '\0' ? " filter \"" : "",
		    c->ui.filter, c->ui.filter[0] != '\0' ? "\"" : "",
		    i < 2 ? "  sort " : "",
		    i < 2 ? (c->ui.sort_set ?
		    ucmd_column_name(c->ui.sort) : "worst") : "",
		    i < 2 && c->ui.sort_reverse ?
		    (c->ui.glyphs == UG_ASCII ? " ^" : " \u25b2") : "",
		    i < 1 ? "  spark " : "",
		    i < 1 ? ucmd_column_name(c->ui.spark_column) : "");
		right = widget_text_width(buf, WIDGET_NUL, c->ui.glyphs);
		if (c->cols - right > x) {
			text(w, 0, c->cols - right, right, buf,
			    c->ui.filter[0] != '\0' ? UC_MATCH : UC_DIM, c);
			break;
		}
	}
	wnoutrefresh(w);
}

/* The line of the oldest recovery action still running, or of the one
 * that finished last (for a while), so that progress is visible. */
static const char *
action_progress(struct console *c)
{
	struct engine *eng = view_live_engine(c->ui.view);
	struct actions *a = eng != NULL ? actions_of(eng) : NULL;
	struct action_job_status st[1];

	if (a == NULL || actions_status(a, st, 1) == 0 || st[0].line == NULL)
		return NULL;
	return st[0].line;
}

static void
draw_status(struct console *c)
{
	WINDOW *w = c->w_status;
	struct prompt *p = c->cmdline.active ? &c->cmdline :
	    c->filterline.active ? &c->filterline : NULL;
	const char *vs;
	size_t start;
	int x, col, want;

	widget_fill(w, 0, 0, c->cols, ui_attr(UC_NORMAL));
	want = 0;
	if (c->confirm_q != NULL) {
		x = text(w, 0, 0, c->cols, c->confirm_q, UC_PROMPT, c);
		text(w, 0, x, c->cols - x, " (y/n)", UC_PROMPT, c);
	} else if (p != NULL) {
		x = text(w, 0, 0, c->cols, p->label, UC_PROMPT, c);
		col = prompt_view(p, c->cols - x, &start);
		widget_text(w, 0, x, c->cols - x, p->text + start,
		    p->len - start, ui_attr(UC_NORMAL), c->ui.glyphs);
		wmove(w, 0, x + col < c->cols ? x + col : c->cols - 1);
		want = 1;
	} else if (c->msg[0] != '\0')
		text(w, 0, 0, c->cols, c->msg, c->msg_error ? UC_ERROR :
		    UC_STATUS, c);
	else if ((vs = action_progress(c)) != NULL)
		text(w, 0, 0, c->cols, vs, UC_INFO, c);
	else if ((vs = view_status(c->ui.view)) != NULL && *vs != '\0')
		text(w, 0, 0, c->cols, vs, UC_ERROR, c);
	else if (c->pager.open)
		text(w, 0, 0, c->cols, "Up/Down/PgUp/PgDn scroll; any other "
		    "key closes", UC_DIM, c);
	else if (c->ui.timebar != NULL)
		text(w, 0, 0, c->cols, "F1 or ? help   Space play   , . step"
		    "   [ ] minute   C-p C-n incident   t go to   $ follow   q quit",
		    UC_DIM, c);
	else
		text(w, 0, 0, c->cols, "F1 or ? help   : command   / filter"
		    "   Tab panels   q quit", UC_DIM, c);
	leaveok(w, want ? FALSE : TRUE);
	if (want != c->cursor) {
		curs_set(want);
		c->cursor = want;
	}
	/* Last, so that the cursor ends up in the prompt. */
	wnoutrefresh(w);
}

static void
draw_bar(struct console *c)
{
	WINDOW *w = c->w_bar;
	char label[16];
	size_t i;
	int x = 0;

	widget_fill(w, 0, 0, c->cols, ui_attr(UC_KEY_LABEL));
	c->nbar = 0;
	for (i = 0; i < ARRAY_LEN(bar_items) && x < c->cols; i++) {
		c->bar_x[c->nbar++] = x;
		x += text(w, 0, x, c->cols - x, bar_items[i].key, UC_KEY, c);
		snprintf(label, sizeof label, "%-6s", bar_items[i].label);
		x += text(w, 0, x, c->cols - x, label, UC_KEY_LABEL, c);
	}
	c->bar_x[c->nbar] = x;
	wnoutrefresh(w);
}

static void
draw_sep(struct console *c)
{
	WINDOW *w = c->w_sep;
	attr_t a = ui_attr(UC_BORDER);
	char buf[160];
	int h, wd, y;

	if (w == NULL)
		return;
	werase(w);
	getmaxyx(w, h, wd);
	if (c->layout == LAYOUT_SIDE) {
		/* Characters, not the alternate character set: the same
		 * bytes on every TERM. */
		for (y = 0; y < h; y++)
			widget_text(w, y, 0, 1, c->ui.glyphs == UG_ASCII ?
			    "|" : "\u2502", WIDGET_NUL, a, c->ui.glyphs);
	} else {
		widget_hline(w, 0, 0, wd, a, c->ui.glyphs);
		snprintf(buf, sizeof buf, " %s ",
		    c->panels[c->detail].ops->title);
		text(w, 0, 2, wd - 2, buf, c->current == c->detail ?
		    UC_SELECTED : UC_TITLE, c);
	}
	wnoutrefresh(w);
}

static void
draw_too_small(struct console *c)
{
	char l1[64], l2[64];
	int y = c->rows / 2 - 1;

	werase(stdscr);
	snprintf(l1, sizeof l1, "terminal too small (%dx%d);", c->cols,
	    c->rows);
	snprintf(l2, sizeof l2, "need at least %dx%d", CONSOLE_MIN_COLS,
	    CONSOLE_MIN_ROWS);
	if (y < 0)
		y = 0;
	mvwaddnstr(stdscr, y, 0, l1, c->cols);
	if (y + 1 < c->rows)
		mvwaddnstr(stdscr, y + 1, 0, l2, c->cols);
	wnoutrefresh(stdscr);
}

void
console_draw(struct console *c, int full)
{
	struct console_panel *p;
	int64_t t0 = util_mono_ns();
	int s, i;

	if (!c->screen)
		return;
	if (full)
		clearok(curscr, TRUE);
	if (c->layout == LAYOUT_TOO_SMALL) {
		draw_too_small(c);
	} else {
		draw_header(c);
		draw_tabs(c);
		if (c->pager.open) {
			werase(c->w_body);
			help_draw(c, c->w_body, c->rows - 4, c->cols);
			wnoutrefresh(c->w_body);
		} else {
			for (s = 0; s < 2; s++) {
				if (c->w_slot[s] == NULL)
					continue;
				for (i = 0; i < CONSOLE_PANELS; i++) {
					p = &c->panels[i];
					if (p->win != c->w_slot[s])
						continue;
					werase(p->win);
					p->ops->draw(p->state, &c->ui, p->win,
					    p->h, p->w);
					wnoutrefresh(p->win);
				}
			}
			draw_sep(c);
		}
		draw_bar(c);
		if (c->ui.timebar != NULL)
			timebar_draw(c->ui.timebar, &c->ui);
		draw_status(c);
	}
	doupdate();
	c->dirty = 0;
	c->full_redraw = 0;
	c->frames++;
	c->draw_ns += util_mono_ns() - t0;
}

/* ------------------------------------------------------------------ */
/* The screen */

int
console_screen_open(struct console *c, const char *term, FILE *out,
    FILE *in, char *err, size_t errlen)
{
	char terr[512];
	int rows, cols;

	c->scr = newterm(term, out, in);
	if (c->scr == NULL) {
		snprintf(err, errlen, "cannot use the terminal (TERM=%s)",
		    term != NULL ? term : getenv("TERM") != NULL ?
		    getenv("TERM") : "unset");
		return -1;
	}
	set_term(c->scr);
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	/* libtermkey reads the keys: curses must not touch the keypad. */
	keypad(stdscr, FALSE);
	leaveok(stdscr, TRUE);
	curs_set(0);
	c->cursor = 0;
	c->screen = 1;
	/*
	 * ncurses (6.4 at least) flushes its output after every cursor
	 * move of doupdate until the screen has once been suspended and
	 * resumed: a write() per move, ~170 a frame at 200x50, each a pty
	 * wake-up for the terminal, where one write a frame does.  An
	 * endwin() here makes the first doupdate() resume the screen, and
	 * from then on a frame is written at once.
	 */
	endwin();

	c->ui.colors = c->opts.no_color ? 0 : theme_terminal_colors();
	if (theme_load(c->opts.theme != NULL ? c->opts.theme : "default",
	    c->ui.colors, terr, sizeof terr) != 0)
		message(c, 1, "%s", terr);
	getmaxyx(stdscr, rows, cols);
	console_resize(c, rows, cols);
	return 0;
}

void
console_screen_close(struct console *c)
{
	if (!c->screen)
		return;
	free_windows(c);
	curs_set(1);
	endwin();
	delscreen(c->scr);
	c->scr = NULL;
	c->screen = 0;
}

/* The fatal hook: give the terminal back before the message. */
static void
restore_terminal(void)
{
	struct console *c = current_console;

	if (c == NULL || !c->screen)
		return;
	if (c->input != NULL)
		input_stop(c->input);
	endwin();
}

void
console_suspend(struct console *c)
{
	if (!c->screen)
		return;
	if (c->input != NULL)
		input_stop(c->input);
	endwin();
	fflush(stdout);
	/* Stop as a shell's Ctrl-Z would; SIGCONT resumes here. */
	raise(SIGSTOP);
	reset_prog_mode();
	if (c->input != NULL)
		input_start(c->input);
	check_size(c);
	c->full_redraw = 1;
	c->dirty = 1;
}

/* ------------------------------------------------------------------ */
/* The loop */

static void
key_cb(void *ctx, TermKeyKey *key)
{
	console_key(ctx, key);
}

static void
handle_signals(struct console *c)
{
	struct signalfd_siginfo si;

	while (read(c->sigfd, &si, sizeof si) == sizeof si) {
		switch (si.ssi_signo) {
		case SIGWINCH:
			check_size(c);
			break;
		case SIGTSTP:
			console_suspend(c);
			break;
		case SIGCONT:
			check_size(c);
			c->full_redraw = 1;
			c->dirty = 1;
			break;
		default:	/* SIGINT, SIGTERM, SIGHUP */
			c->quit = 1;
			break;
		}
	}
}

/* Bytes written to the terminal that it has not taken yet. */
static int
output_pending(struct console *c)
{
	int n = 0;

	if (c->tty_fd < 0 || ioctl(c->tty_fd, TIOCOUTQ, &n) != 0)
		return 0;
	return n;
}

static int
min_timeout(int a, int64_t b)
{
	if (b < 0)
		return a;
	if (b > 60000)
		b = 60000;
	return a < 0 || b < a ? (int)b : a;
}

static void
loop(struct console *c)
{
	struct view *v = c->ui.view;
	int64_t now;
	int n, nv, timeout, r, bits, defer;

	while (!c->quit) {
		/* On a slow link, a frame waits until the terminal has taken
		 * most of the last one: the newest state is drawn, once. */
		defer = (c->dirty || c->full_redraw) &&
		    output_pending(c) > OUTPUT_BACKLOG;
		if ((c->dirty || c->full_redraw) && !defer)
			console_draw(c, c->full_redraw);

		if (c->fdcap < 64) {
			c->fdcap = 64;
			c->fds = xrealloc(c->fds, c->fdcap * sizeof *c->fds);
		}
		for (;;) {
			timeout = -1;
			nv = view_pollfds(v, c->fds + 2, (int)c->fdcap - 2,
			    &timeout);
			if (nv < (int)c->fdcap - 2)
				break;
			/* Maybe more than fit: grow and ask again. */
			c->fdcap *= 2;
			c->fds = xrealloc(c->fds, c->fdcap * sizeof *c->fds);
		}
		c->fds[0].fd = input_fd(c->input);
		c->fds[0].events = POLLIN;
		c->fds[1].fd = c->sigfd;
		c->fds[1].events = POLLIN;
		c->fds[0].revents = c->fds[1].revents = 0;
		now = util_mono_ms();
		timeout = min_timeout(timeout, input_timeout(c->input, now));
		if (defer)
			timeout = min_timeout(timeout, 20);
		if (c->msg_until != 0)
			timeout = min_timeout(timeout, c->msg_until > now ?
			    c->msg_until - now : 0);
		n = 2 + nv;
		if (poll(c->fds, (nfds_t)n, timeout) == -1 && errno != EINTR)
			fatal("poll: %s", strerror(errno));

		if (c->fds[1].revents & POLLIN)
			handle_signals(c);
		bits = view_dispatch(v, c->fds + 2, nv);
		if (bits & VIEW_CHANGED)
			c->dirty = 1;
		if ((bits & (VIEW_ERROR | VIEW_NOTICE)) &&
		    view_status(v) != NULL)
			message(c, (bits & VIEW_ERROR) != 0, "%s",
			    view_status(v));
		now = util_mono_ms();
		r = input_read(c->input, (c->fds[0].revents &
		    (POLLIN | POLLHUP | POLLERR)) != 0, now, key_cb, c);
		if (r < 0)
			c->quit = 1;	/* the terminal went away */
		if (c->msg_until != 0 && util_mono_ms() >= c->msg_until) {
			c->msg[0] = '\0';
			c->msg_until = 0;
			c->dirty = 1;
		}
	}
}

int
console_run(struct view *view, const struct console_opts *o)
{
	struct console *c;
	sigset_t mask, old;
	char err[512];

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "modeltop: the console needs a terminal (use "
		    "modeltop record for headless)\n");
		return 1;
	}
	c = console_new(view, o);

	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTSTP);
	sigaddset(&mask, SIGCONT);
	sigprocmask(SIG_BLOCK, &mask, &old);
	c->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (c->sigfd == -1)
		fatal("signalfd: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);

	util_set_fatal_hook(restore_terminal);
	if (console_screen_open(c, NULL, stdout, stdin, err,
	    sizeof err) != 0) {
		fprintf(stderr, "modeltop: %s\n", err);
		goto fail;
	}
	c->input = input_new(STDIN_FILENO, NULL, err, sizeof err);
	if (c->input == NULL) {
		console_screen_close(c);
		fprintf(stderr, "modeltop: %s\n", err);
		goto fail;
	}
	c->tty_fd = STDOUT_FILENO;
	fflush(stdout);
	input_mouse(c->input, 1);
	check_size(c);

	loop(c);

	input_free(c->input);
	c->input = NULL;
	console_screen_close(c);
	util_set_fatal_hook(NULL);
	close(c->sigfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	console_free(c);
	return 0;

fail:
	util_set_fatal_hook(NULL);
	close(c->sigfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	console_free(c);
	return 1;
}

int
console_main(const struct console_opts *o)
{
	struct cmd_ctx ctx = { stdout, stderr, NULL, NULL, NULL };
	struct console_opts opts = *o;
	struct engine_opts eo;
	struct config cfg;
	struct engine *eng;
	struct view *view;
	char err[512], *db = NULL;
	const char **specs = NULL, **commands = NULL;
	int rc;

	if (cmd_load_config(&ctx, o->config_path, &cfg) != 0)
		return 1;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "modeltop: the console needs a terminal (use "
		    "modeltop record for headless)\n");
		config_free(&cfg);
		return 1;
	}
	memset(&eo, 0, sizeof eo);
	/* The live console records only when asked to with --db. */
	if (o->db != NULL)
		db = util_expand_home(o->db);
	eo.db = db;
	/* Without a configuration: this user's python processes. */
	eo.only_uid = o->config_path == NULL ? getuid() : (uid_t)-1;
	eng = engine_new(&cfg, &eo, err, sizeof err);
	if (eng == NULL) {
		fprintf(stderr, "modeltop: %s\n", err);
		config_free(&cfg);
		free(db);
		return 1;
	}
	if (opts.theme == NULL)
		opts.theme = cfg.theme;
	/* the [keys] section of the configuration */
	if (opts.nkeys == 0 && cfg.nkeys > 0) {
		size_t i;

		specs = xcalloc(cfg.nkeys, sizeof *specs);
		commands = xcalloc(cfg.nkeys, sizeof *commands);
		for (i = 0; i < cfg.nkeys; i++) {
			specs[i] = cfg.keys[i].spec;
			commands[i] = cfg.keys[i].command;
		}
		opts.key_specs = specs;
		opts.key_commands = commands;
		opts.nkeys = cfg.nkeys;
	}
	view = view_live_new(eng);
	rc = console_run(view, &opts);
	view_free(view);
	if (engine_free(eng, err, sizeof err) != 0) {
		fprintf(stderr, "modeltop: %s\n", err);
		rc = 1;
	}
	free(specs);
	free(commands);
	config_free(&cfg);
	free(db);
	return rc;
}
