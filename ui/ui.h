/*
 * ui.h -- what every part of the console shares: colour roles, glyph
 * sets, the state panels may read (struct ui), and the panel interface.
 *
 * Panels draw only from the view (src/view.h) and this state; they never
 * sample, parse or query.  They draw into the WINDOW they are given and
 * never call refresh: the console does one doupdate() per turn.
 */
#ifndef MODELTOP_UI_H
#define MODELTOP_UI_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <stdint.h>

#include "view.h"

/* Colour roles; a theme maps each to a pair and attributes. */
enum ui_color {
	UC_NORMAL,
	UC_HEADER,		/* top line */
	UC_TITLE,		/* panel titles */
	UC_BORDER,
	UC_SELECTED,		/* selected row */
	UC_DIM,			/* secondary text, gaps */
	UC_UP,
	UC_DOWN,
	UC_RESTARTING,
	UC_INFO,
	UC_WARNING,
	UC_CRITICAL,
	UC_GAUGE_LOW,
	UC_GAUGE_MID,
	UC_GAUGE_HIGH,
	UC_CHART,
	UC_CHART_ALT,
	UC_KEY,			/* F-key number on the bottom bar */
	UC_KEY_LABEL,		/* its label */
	UC_PROMPT,
	UC_STATUS,		/* status line message */
	UC_ERROR,		/* status line error */
	UC_MATCH,		/* search/filter match, rule-matched log line */
	UC_COUNT
};

/* Which glyphs the terminal can show. */
enum ui_glyphs {
	UG_UNICODE,		/* box drawing, braille, blocks */
	UG_ASCII,		/* --ascii, or a non-UTF-8 locale */
};

/* Fleet columns, also the sort keys. */
enum ui_column {
	COL_NAME, COL_STATUS, COL_CPU, COL_RSS, COL_REQ, COL_P50, COL_P99,
	COL_ERR, COL_INCIDENTS, COL_RESTARTS, COL_COUNT
};

/* The console state panels may read (and, for the selection, set). */
struct ui {
	struct view	*view;
	enum ui_glyphs	 glyphs;
	int		 colors;	/* 0 none, 8, 256 */
	char		 selected[256];	/* selected worker's name, "" none */
	char		 filter[128];	/* fleet name filter, "" none */
	enum ui_column	 sort;		/* 0 = worst first (default) */
	int		 sort_set;	/* the user chose a sort column */
	int		 sort_reverse;
	enum ui_column	 spark_column;	/* fleet sparkline column */
	int64_t		 window_ms;	/* metrics chart window */
	int64_t		 incident;	/* the errors panel's selected incident
					   (%i in a command line); 0 none */
	struct timebar	*timebar;	/* replay: the time bar (timebar.h);
					   NULL live */
};

/* Attributes (colour pair and bold/reverse) of a role in the theme. */
attr_t ui_attr(enum ui_color c);

/* Set the status line message (printf-style); error picks UC_ERROR. */
void ui_message(int error, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Give the keys to the panel named name ("fleet", "metrics", "errors",
 * "memory", "logs"), as the "panel" command does (the fleet's Enter shows
 * "metrics"); the console remembers the panel shown before for "back"
 * (Esc) when the panel itself does not take "back".  Unknown names are
 * ignored. */
void ui_panel_show(const char *name);

struct panel_ops {
	const char	*name;		/* "fleet", "metrics", "errors", ... */
	const char	*title;		/* "Fleet" */
	/* Per-panel state, created once; destroy frees it. */
	void	       *(*create)(struct ui *ui);
	void		(*destroy)(void *p);
	/* Draw into win, which is h rows by w columns, from ui->view. */
	void		(*draw)(void *p, struct ui *ui, WINDOW *win, int h,
			    int w);
	/* A navigation or panel command bound to a key or typed at the
	 * prompt: "up", "down", "page-up", "page-down", "top", "bottom",
	 * "enter", "back", "left", "right", or a panel's own (the metrics
	 * panel's "window 5m", ...).  Returns 1 when handled, 0 when the
	 * panel does not know it. */
	int		(*command)(void *p, struct ui *ui, int argc,
			    char **argv);
	/* A mouse click at (y, x) inside the panel's window; 1 handled. */
	int		(*click)(void *p, struct ui *ui, int y, int x);
};

extern const struct panel_ops panel_fleet_ops;
extern const struct panel_ops panel_metrics_ops;
extern const struct panel_ops panel_errors_ops;
extern const struct panel_ops panel_memory_ops;
extern const struct panel_ops panel_logs_ops;

#endif
