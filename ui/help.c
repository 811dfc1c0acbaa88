/*
 * help.c -- the help screen: every key binding with its note and every
 * prompt command with its usage, from the tables themselves; shown in the
 * console's pager, which also shows long command output.
 */
#define CONSOLE_INTERNAL
#include "console.h"

#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ucmd.h"
#include "widgets.h"

#ifndef MODELTOP_VERSION
#define MODELTOP_VERSION "?"
#endif

static void
command_line(struct buf *b, const struct cmd_entry *ce)
{
	char what[128];

	snprintf(what, sizeof what, "%s%s%s", ce->name,
	    ce->usage[0] != '\0' ? " " : "", ce->usage);
	buf_printf(b, "  %-40s %s", what, ce->help);
	if (ce->alias != NULL)
		buf_printf(b, " (also: %s)", ce->alias);
	buf_addc(b, '\n');
}

char *
help_text(const struct keymap *km)
{
	const struct cmd_entry *const *cp;
	struct buf b = {0}, keys = {0};
	char *done;
	size_t i, j;

	buf_printf(&b, "modeltop %s -- keys and commands\n\n", MODELTOP_VERSION);
	buf_adds(&b, "Keys (change them in the [keys] section of the "
	    "configuration)\n");
	done = xcalloc(km->n > 0 ? km->n : 1, 1);
	for (i = 0; i < km->n; i++) {
		if (done[i])
			continue;
		/* One line per command and note, with all its keys. */
		buf_clear(&keys);
		for (j = i; j < km->n; j++) {
			if (strcmp(km->v[j].command, km->v[i].command) != 0 ||
			    strcmp(km->v[j].note, km->v[i].note) != 0)
				continue;
			buf_printf(&keys, "%s%s", keys.len > 0 ? " " : "",
			    km->v[j].spec);
			done[j] = 1;
		}
		buf_printf(&b, "  %-20s %-20s %s\n", keys.data,
		    km->v[i].command, km->v[i].note);
	}
	free(done);
	buf_free(&keys);

	buf_adds(&b, "\nCommands (press : and type one; a unique prefix "
	    "runs it, Tab completes,\nUp and Down recall earlier ones)\n");
	for (cp = ucmd_table; *cp != NULL; cp++)
		command_line(&b, *cp);
	for (cp = cmd_table; *cp != NULL; cp++) {
		if ((*cp)->flags & CMD_PROMPT)
			command_line(&b, *cp);
	}
	buf_adds(&b, "\nIn a key's command line, %w is the selected worker.\n"
	    "\nThe ':' and filter prompts edit with Left Right Home End "
	    "Backspace Delete,\nC-a C-e C-u C-k C-w; Enter runs, Escape "
	    "cancels (and clears the filter).\n"
	    "\nMouse: click a row to select it, a panel's tab to show it, "
	    "an F-key label\nto press it, a column title to sort by it; the "
	    "wheel scrolls.  No mouse needed.\n"
	    "\nLayout: one panel at a time below 100x40; fleet above the "
	    "detail panel from\n100x40; side by side from 160x40.\n");
	return buf_detach(&b);
}

void
help_show(struct console *c)
{
	char *t = help_text(c->keymap);

	console_pager_open(c, "Help", t);
	free(t);
}

void
help_draw(struct console *c, WINDOW *win, int h, int w)
{
	struct console_pager *pg = &c->pager;
	char title[256];
	size_t i, start, end;
	int y;

	if (h < 1 || w < 1)
		return;
	/* The window may have grown since the last scroll. */
	pg->rows = h - 1;
	if (pg->top > (int)pg->nlines - pg->rows)
		pg->top = (int)pg->nlines - pg->rows;
	if (pg->top < 0)
		pg->top = 0;
	snprintf(title, sizeof title, " %s  (lines %d-%d of %zu) ", pg->title,
	    pg->nlines > 0 ? pg->top + 1 : 0,
	    (int)((size_t)pg->top + (size_t)(h - 1) < pg->nlines ?
	    pg->top + h - 1 : (int)pg->nlines), pg->nlines);
	widget_fill(win, 0, 0, w, ui_attr(UC_TITLE));
	widget_text(win, 0, 0, w, title, WIDGET_NUL, ui_attr(UC_TITLE),
	    c->ui.glyphs);
	for (y = 1; y < h; y++) {
		i = (size_t)pg->top + (size_t)(y - 1);
		if (i >= pg->nlines)
			break;
		start = pg->lines[i];
		end = i + 1 < pg->nlines ? pg->lines[i + 1] - 1 : pg->text.len;
		widget_text(win, y, 0, w, pg->text.data + start, end - start,
		    ui_attr(UC_NORMAL), c->ui.glyphs);
	}
}
