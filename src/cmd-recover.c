/*
 * cmd-recover.c -- `:recover WORKER` and `modeltop recover`: run a
 * worker's escalation ladder (its `actions = trim, reload, restart`):
 * each step, settle, verify; retry a step up to its retries with a
 * backoff; stop at the first step that verifies, or give up with a clear
 * outcome.  The work is cmd-act.c's (cmd_act_run) and actions.c's.
 */
#include "cmd.h"

static int
recover_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	return cmd_act_run(ctx, &cmd_recover_entry, argc, argv, 1);
}

const struct cmd_entry cmd_recover_entry = {
	"recover", NULL,
	"-c FILE WORKER [--yes] [--db FILE]",
	"run a worker's actions ladder until a step verifies (exit codes as "
	"act)",
	CMD_CLI | CMD_PROMPT,
	recover_exec
};
