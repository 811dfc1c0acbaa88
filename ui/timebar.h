/*
 * timebar.h -- the replay time bar: one line under the panels with the
 * playback state, the time at the cursor, and a track over the whole
 * recording that shows where samples are, the gaps where the recorder
 * was not running, incident marks and the cursor.
 *
 * The mapping of times to columns (timebar_cells, timebar_column,
 * timebar_time) is pure and free of curses state, so tests check it
 * without a terminal.
 */
#ifndef MODELTOP_TIMEBAR_H
#define MODELTOP_TIMEBAR_H

#include <stddef.h>
#include <stdint.h>

#include "ui.h"

/* What the track shows. */
struct timebar_input {
	int64_t			 first_ms, last_ms;	/* the span */
	int64_t			 t_ms;			/* the cursor */
	const struct view_gap	*gaps;			/* oldest first */
	size_t			 ngaps;
	const struct view_mark	*marks;
	size_t			 nmarks;
};

/*
 * Fill cells[0..w) (w >= 1; not terminated) with one character per
 * column of the track, column c covering [first + c*span/w, first +
 * (c+1)*span/w): '=' recorded, ' ' entirely in a gap, '-' partly in
 * one, 'I' 'W' 'C' an incident opened there (info, warning, critical:
 * the highest), '|' the cursor.  The cursor wins over a mark, a mark
 * over a gap.
 */
void timebar_cells(const struct timebar_input *in, int w, char *cells);
/* The column of t (clamped to 0..w-1; w-1 for an empty span). */
int timebar_column(const struct timebar_input *in, int w, int64_t t);
/* The time a click on column col means: the first and last column are
 * the ends of the span, the others their middle. */
int64_t timebar_time(const struct timebar_input *in, int w, int col);

struct timebar;

/* A time bar without a place on the screen.  Never fails. */
struct timebar *timebar_new(void);
/* Free it and its window.  NULL is fine. */
void timebar_free(struct timebar *tb);
/* Put it on screen row y, cols wide (its own window); y < 0 takes it
 * off the screen (before endwin or a new layout). */
void timebar_place(struct timebar *tb, int y, int cols);
/* The screen row it is on, -1 when none. */
int timebar_row(const struct timebar *tb);
/* Draw it from ui->view (wnoutrefresh; the console does doupdate). */
void timebar_draw(struct timebar *tb, struct ui *ui);
/* A click at column x of its row: on the track, seek the view there and
 * return 1; elsewhere 0. */
int timebar_click(struct timebar *tb, struct ui *ui, int x);

#endif
