/*
 * cmd.h -- the command table.  Every command exists once, as an entry
 * naming it, its usage and help, and the function that runs it; the
 * command line (modeltop NAME ...), the console's ':' prompt and its keys
 * all dispatch through cmd_find / cmd_run.
 */
#ifndef MODELTOP_CMD_H
#define MODELTOP_CMD_H

#include <stdint.h>
#include <stdio.h>

/* Where a command may be used. */
#define CMD_CLI		0x1	/* modeltop NAME ... */
#define CMD_PROMPT	0x2	/* ':' prompt in the console */
#define CMD_REPLAY	0x4	/* allowed on a recording (read-only) */

struct cmd_ctx;
struct engine;

struct cmd_entry {
	const char	*name;
	const char	*alias;		/* NULL when none */
	const char	*usage;		/* arguments, e.g. "-c FILE --db FILE" */
	const char	*help;		/* one line */
	int		 flags;
	/* Run with argv[0] = the command name.  Returns the exit status
	 * (0 ok, 1 failure, 2 usage error), having printed any message. */
	int		(*exec)(struct cmd_ctx *ctx, int argc, char **argv);
};

/* What a command runs in: where to print, and the console's state when it
 * is run from the prompt (NULL on the command line). */
struct cmd_ctx {
	FILE		*out;
	FILE		*err;
	void		*console;
	struct engine	*engine;	/* the live engine; NULL on the command
					   line and in replay */
	const char	*who;		/* who asked, for the audit: "user on
					   /dev/pts/3", or a policy's name */
};

/* Commands defined in their own files (cmd-NAME.c). */
extern const struct cmd_entry cmd_record_entry;
extern const struct cmd_entry cmd_export_entry;
extern const struct cmd_entry cmd_check_entry;
extern const struct cmd_entry cmd_incidents_entry;
extern const struct cmd_entry cmd_ack_entry;
extern const struct cmd_entry cmd_note_entry;
extern const struct cmd_entry cmd_resolve_entry;
extern const struct cmd_entry cmd_act_entry;
extern const struct cmd_entry cmd_recover_entry;
extern const struct cmd_entry cmd_trim_entry;
extern const struct cmd_entry cmd_replay_entry;
/* Time travel in a replay (cmd-goto.c): goto, seek, play. */
extern const struct cmd_entry cmd_goto_entry;
extern const struct cmd_entry cmd_seek_entry;
extern const struct cmd_entry cmd_play_entry;

/* A TIME typed for a recording spanning [first_ms, last_ms]
 * (cmd-replay.c): the forms of timeexpr_parse with "now" the end of the
 * recording, and a clock time (03:12) on its last day or, when that is
 * after the end, the day before.  0, or -1 with a message in err. */
int cmd_replay_time(const char *s, int64_t first_ms, int64_t last_ms,
    int64_t *out_ms, char *err, size_t errlen);

/*
 * Recovery actions (cmd-act.c, docs/actions.md).  Before running act,
 * recover or trim from the prompt, the console asks cmd_needs_confirm:
 * when it returns 1, q holds the y/n question naming exactly what will
 * happen ("restart: send SIGTERM to worker llm-0 (pid 1234)?") and yes
 * an argument ("--yes=1234:5678", or "--yes") to append to argv when
 * the operator answers y; the command then acts only on the process that
 * was named (a restarted worker makes it refuse: ask again).  0: run the
 * command as it is (no question, or it will report its own error).
 * argv is the command as typed, argv[0] its name.
 */
int cmd_needs_confirm(struct cmd_ctx *ctx, int argc, char **argv, char *q,
    size_t qlen, char *yes, size_t yeslen);
/* The runner behind act (ladder 0) and recover (ladder 1) for ce, on the
 * command line and at the prompt; returns the exit status. */
int cmd_act_run(struct cmd_ctx *ctx, const struct cmd_entry *ce, int argc,
    char **argv, int ladder);
/* The exit status of act and recover for a job's verdict (an enum verdict
 * of audit.h): 0 effective or done, 3 partly, 1 otherwise. */
int cmd_act_status(int verdict);
/* cmd_needs_confirm for `trim TARGET` (a worker or all): 1 and the
 * question in q, or 0. */
int cmd_trim_question(struct engine *eng, const char *target, char *q,
    size_t qlen);

/* The table, NULL-terminated. */
extern const struct cmd_entry *const cmd_table[];

/* Find a command by name, alias or unambiguous prefix among those with
 * any of the given flags.  Returns NULL and sets *ambiguous when several
 * match a prefix. */
const struct cmd_entry *cmd_find(const char *name, int flags,
    int *ambiguous);

/* Print "usage: modeltop NAME USAGE" to fp. */
void cmd_usage(const struct cmd_entry *ce, FILE *fp);

/* Report a usage problem for ce: "modeltop NAME: MESSAGE" and the usage
 * line on ctx->err.  Returns 2, the exit status for usage errors. */
int cmd_usage_error(struct cmd_ctx *ctx, const struct cmd_entry *ce,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

struct config;
/* Load path (or the built-in default when path is NULL) into cfg,
 * printing every error as FILE:LINE: message on ctx->err.  Returns 0, or
 * -1 after printing (cfg is then freed). */
int cmd_load_config(struct cmd_ctx *ctx, const char *path,
    struct config *cfg);
/* Parse a duration argument ("30", "30s", "5m"); -1 when bad. */
int cmd_parse_seconds(const char *s, int64_t *ms);

#endif
