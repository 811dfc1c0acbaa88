/*
 * ucmd.h -- the console's own commands (quit, help, panel, filter, sort,
 * spark, select, redraw, theme, window, prompt, suspend and navigation),
 * as a command table of the same shape as the engine's (cmd.h), and the
 * lookup across both tables that the ':' prompt and the keys use.
 */
#ifndef MODELTOP_UCMD_H
#define MODELTOP_UCMD_H

#include "cmd.h"
#include "prompt.h"
#include "ui.h"

/* The console's commands, NULL-terminated.  Each runs with ctx->console
 * pointing at the console; flags are CMD_PROMPT | CMD_REPLAY. */
extern const struct cmd_entry *const ucmd_table[];

/* 1 when ce is one of the console's own commands. */
int ucmd_is_own(const struct cmd_entry *ce);

/*
 * Find a prompt command by name: an exact name or alias in the console's
 * table or among the engine's CMD_PROMPT commands first, then a unique
 * prefix across both.  Returns the entry, or NULL: *ambiguous is then 1
 * when several commands start with name, and their names (space-
 * separated) are appended to cands when it is not NULL.
 */
const struct cmd_entry *ucmd_find(const char *name, int *ambiguous,
    struct buf *cands);

/* The ':' prompt's Tab completion (prompt_complete_fn); ctx is the
 * console: command names first, then each command's arguments (panel
 * names, columns, worker names). */
void ucmd_complete(void *ctx, struct prompt *p, int nwords, char **words);

/* Completion of worker names only, for the filter prompt. */
void ucmd_complete_worker(void *ctx, struct prompt *p, int nwords,
    char **words);

/* A fleet column's name as commands take it ("cpu", "p99", ...). */
const char *ucmd_column_name(enum ui_column col);
/* The column named s (a name or unique prefix; "req/s", "err/s" too), or
 * -1. */
int ucmd_column_parse(const char *s);

#endif
