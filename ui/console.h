/*
 * console.h -- the operator console: one poll() loop over the terminal,
 * signals and the view; the screen layout (header, panel tabs, panels,
 * status line, F-key bar); keys and prompt commands dispatched through
 * one command parser.
 *
 * The first part is the public interface, free of curses so that src/
 * (main.c, the prompt commands of cmd.h) may include it.  The second part,
 * compiled only where CONSOLE_INTERNAL is defined before the #include, is
 * shared by the console's own files in ui/ (ucmd.c, help.c,
 * panel-fleet.c) and by tests; panels see only ui.h.
 */
#ifndef MODELTOP_CONSOLE_H
#define MODELTOP_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

struct view;

struct console_opts {
	const char	*config_path;	/* NULL: config_default() */
	const char	*db;		/* --db: record the live console */
	const char	*theme;		/* --theme; NULL: the config's */
	int		 ascii;		/* --ascii */
	int		 no_color;	/* --no-color (NO_COLOR is read too) */
	/* The user's key bindings ([keys]: SPEC = COMMAND LINE), bound
	 * over the defaults in this order by console_run; an empty command
	 * unbinds.  A bad spec is reported on the status line and skipped.
	 * NULL/0: none. */
	const char *const *key_specs;
	const char *const *key_commands;
	size_t		 nkeys;
};

/*
 * The live console.  Loads the configuration (o->config_path, or the
 * built-in default when NULL), builds the engine (recording into o->db
 * only when it is given; otherwise memory only) and its live view, and
 * runs console_run.  Configuration errors are printed to stderr as
 * FILE:LINE: message and return 1 without touching the terminal; so is
 * an engine that cannot start.  Returns the exit status.
 */
int console_main(const struct console_opts *o);

/*
 * Run the console on view (borrowed; live or replay) until the user
 * quits or SIGINT/SIGTERM/SIGHUP arrives; the terminal is restored in
 * every case, including a fatal error.  When stdin or stdout is not a
 * terminal, prints "modeltop: the console needs a terminal (use modeltop
 * record for headless)" and returns 1.  Returns 0 otherwise.
 */
int console_run(struct view *view, const struct console_opts *o);

struct console;

/*
 * Ask the operator a y/n question on the status line (destructive
 * actions).  The next key answers: 'y' or 'Y' runs yes(ctx); any other
 * key cancels ("cancelled" on the status line).  The console copies
 * question and never frees ctx; a command that allocates ctx should use
 * console_confirm_full with a done function.  A second question while
 * one is pending cancels the first.
 */
void console_confirm(struct console *c, const char *question,
    void (*yes)(void *ctx), void *ctx);
/* console_confirm, and done(ctx) (may be NULL) runs after the answer,
 * yes or no, or when the console closes with the question pending. */
void console_confirm_full(struct console *c, const char *question,
    void (*yes)(void *ctx), void (*done)(void *ctx), void *ctx);

/* The view the console shows (live or replay): for prompt commands,
 * whose struct cmd_ctx's console member points at the console. */
struct view *console_view(struct console *c);

/* The selected worker's name ("" when none), owned by the console. */
const char *console_selected(struct console *c);

#endif /* MODELTOP_CONSOLE_H */

/* ------------------------------------------------------------------ */
/* Inside ui/: the console's state and the functions its parts share. */
#if defined(CONSOLE_INTERNAL) && !defined(MODELTOP_CONSOLE_INTERNAL_H)
#define MODELTOP_CONSOLE_INTERNAL_H

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>

#include "input.h"
#include "keymap.h"
#include "prompt.h"
#include "ui.h"
#include "util.h"

enum console_layout {
	LAYOUT_SINGLE,		/* one panel at a time (80x24) */
	LAYOUT_SIDE,		/* fleet | detail, >= 160x40 */
	LAYOUT_STACKED,		/* fleet over detail, >= 100x40 */
	LAYOUT_TOO_SMALL,	/* < 40x12: a message only */
};

#define CONSOLE_MIN_COLS	40
#define CONSOLE_MIN_ROWS	12
#define CONSOLE_PANELS		5
#define CONSOLE_MSG_MS		5000	/* how long a message shows */
#define CONSOLE_ERROR_MS	10000	/* ... and an error */

struct console_panel {
	const struct panel_ops *ops;
	void		*state;
	WINDOW		*win;		/* the slot it shows in; NULL hidden */
	int		 y, x, h, w;	/* where that is on the screen */
};

/* A scrollable text screen: the help, or a command's long output. */
struct console_pager {
	int		 open;
	char		 title[128];
	struct buf	 text;
	size_t		*lines;		/* offsets of line starts in text */
	size_t		 nlines, lcap;
	int		 top;		/* first line shown */
	int		 rows;		/* lines shown last time (a page) */
};

struct console {
	struct ui	 ui;
	struct console_opts opts;
	struct keymap	*keymap;
	struct input	*input;		/* NULL until the terminal is set up */
	struct prompt	 cmdline;	/* ':' */
	struct prompt	 filterline;	/* '/' */

	struct console_panel panels[CONSOLE_PANELS];
	int		 current;	/* the panel with the keys */
	int		 detail;	/* detail panel of the split layouts */
	int		 previous;	/* for "back" */
	struct console_pager pager;

	enum console_layout layout;
	int		 rows, cols;
	int		 screen;	/* curses is up */
	SCREEN		*scr;
	WINDOW		*w_header, *w_tabs, *w_status, *w_bar;
	WINDOW		*w_body;	/* the whole panel area (pager) */
	WINDOW		*w_slot[2];	/* panel slots: main, detail */
	WINDOW		*w_sep;		/* between the slots; NULL single */
	int		 cursor;	/* curs_set state we asked for */
	int		 tty_fd;	/* the terminal, for TIOCGWINSZ */
	int		 tab_x[CONSOLE_PANELS + 1];	/* tab starts, end */
	int		 bar_x[16 + 1];			/* F-key label starts */
	int		 nbar;

	char		 who[160];	/* "user on /dev/pts/3" (cmd_ctx) */
	char		 msg[512];
	int		 msg_error;
	int64_t		 msg_until;	/* mono ms; 0 none */

	char		*confirm_q;	/* pending question, NULL none */
	void		(*confirm_yes)(void *);
	void		(*confirm_done)(void *);
	void		*confirm_ctx;

	int		 dirty;		/* something changed: redraw */
	int		 full_redraw;	/* Ctrl-L, resize, resume */
	int		 quit;
	int		 sigfd;
	struct pollfd	*fds;
	size_t		 fdcap;
	uint64_t	 frames;	/* frames drawn */
	int64_t		 draw_ns;	/* time spent drawing, total */
};

/*
 * A console over view (borrowed) with options o (copied; the strings are
 * borrowed), without a terminal: tests run commands and keys on it.
 * The panels are created here; ui_message and ui_panel_show act on the
 * newest console.  Never fails (OOM is fatal).
 */
struct console *console_new(struct view *view, const struct console_opts *o);
/* Free c (the terminal must be closed already).  NULL is fine. */
void console_free(struct console *c);

/* Set up curses on the given streams and terminal type (NULL, stdout,
 * stdin for the real terminal), the theme and the windows.  Returns 0, or
 * -1 with a message in err.  Benchmarks use it on /dev/null. */
int console_screen_open(struct console *c, const char *term, FILE *out,
    FILE *in, char *err, size_t errlen);
/* Tear the screen down (endwin, free the windows). */
void console_screen_close(struct console *c);
/* Lay the screen out again for rows x cols (after a resize); curses'
 * screen is resized to match first when it is not that size. */
void console_resize(struct console *c, int rows, int cols);
/* Draw a frame when something changed (c->dirty) and send it with one
 * doupdate(); draws everything when full is set. */
void console_draw(struct console *c, int full);

/*
 * Run a command line, as typed at the ':' prompt or bound to a key: the
 * console's own commands (ucmd.h), the engine's CMD_PROMPT commands
 * (cmd.h), unique prefixes of either, then the panels' own commands
 * (focused panel first).  Messages go to the status line.  Returns 0 when
 * the command ran and succeeded, -1 otherwise (with a message).
 */
int console_exec(struct console *c, const char *line);

/* Handle one key (from libtermkey): a pending y/n question, an open
 * prompt or pager, a mouse report, or a binding. */
void console_key(struct console *c, TermKeyKey *key);

/* The panel index of name ("fleet", "metrics", "errors", "memory",
 * "logs", a unique prefix, or "1".."5"), or -1. */
int console_panel_index(const char *name);
/* Give the keys to panel i (and show it as the detail panel when it is
 * one); remembers the panel before for "back". */
void console_panel_show(struct console *c, int i);

/* Give the terminal back and stop (SIGSTOP) like Ctrl-Z in a shell; on
 * SIGCONT take it again and redraw everything. */
void console_suspend(struct console *c);

/* The status line message now ("" none). */
const char *console_message(const struct console *c);
/* Set the status line message (what ui_message does for c). */
void console_vmessage(struct console *c, int error, const char *fmt,
    va_list ap) __attribute__((format(printf, 3, 0)));

/* The pager: open it on text (copied) with a title; close; scroll with a
 * navigation command ("up", "page-down", ...; 0 when cmd is not one). */
void console_pager_open(struct console *c, const char *title,
    const char *text);
void console_pager_close(struct console *c);
int console_pager_scroll(struct console *c, const char *cmd);

/* help.c: the help text (every binding of km with its note, every
 * command of both tables with its usage and help, the mouse); a new
 * string owned by the caller. */
char *help_text(const struct keymap *km);
/* Open the help in the pager. */
void help_show(struct console *c);
/* Draw the pager into win (h x w). */
void help_draw(struct console *c, WINDOW *win, int h, int w);

#endif /* CONSOLE_INTERNAL */
