/*
 * cmd-ack.c -- :ack ID|WORKER: acknowledge an open incident of the live
 * engine ("someone is on it"), recording who did.
 */
#include <stdio.h>

#include "cmd.h"
#include "engine.h"
#include "incident.h"
#include "util.h"

static int
ack_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct incident *p;
	struct incidents *in;
	char err[256];
	int64_t id;

	if (argc != 2) {
		fprintf(ctx->err, "usage: ack ID|WORKER\n");
		return 2;
	}
	if (ctx->engine == NULL) {
		fprintf(ctx->err, "ack: only in the live console\n");
		return 1;
	}
	if ((in = engine_incidents(ctx->engine)) == NULL) {
		fprintf(ctx->err, "ack: this engine tracks no incidents\n");
		return 1;
	}
	if ((id = incidents_find_ref(in, argv[1], err, sizeof err)) < 0 ||
	    incidents_ack(in, id, ctx->who, util_now_ms(), err,
	    sizeof err) != 0) {
		fprintf(ctx->err, "ack: %s\n", err);
		return 1;
	}
	p = incidents_get(in, id);
	fprintf(ctx->out, "incident #%lld (%s %s) acknowledged\n",
	    (long long)id, p->worker, p->cls);
	return 0;
}

const struct cmd_entry cmd_ack_entry = {
	"ack", NULL,
	"ID|WORKER",
	"acknowledge an incident (or a worker's newest open one); live "
	"console only",
	CMD_CLI | CMD_PROMPT,
	ack_exec
};
