/*
 * cmd-note.c -- :note ID TEXT...: add a note to an incident's timeline
 * (open or resolved), signed with who wrote it.
 */
#include <stdio.h>

#include "cmd.h"
#include "engine.h"
#include "incident.h"
#include "util.h"

static int
note_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct incident *p;
	struct incidents *in;
	struct buf text = {0};
	char err[256];
	int64_t id;
	int i, rc;

	if (argc < 3) {
		fprintf(ctx->err, "usage: note ID|WORKER TEXT...\n");
		return 2;
	}
	if (ctx->engine == NULL) {
		fprintf(ctx->err, "note: only in the live console\n");
		return 1;
	}
	if ((in = engine_incidents(ctx->engine)) == NULL) {
		fprintf(ctx->err, "note: this engine tracks no incidents\n");
		return 1;
	}
	if ((id = incidents_find_ref(in, argv[1], err, sizeof err)) < 0) {
		fprintf(ctx->err, "note: %s\n", err);
		return 1;
	}
	for (i = 2; i < argc; i++) {
		if (i > 2)
			buf_addc(&text, ' ');
		buf_adds(&text, argv[i]);
	}
	rc = incidents_note(in, id, ctx->who, text.data, util_now_ms(), err,
	    sizeof err);
	buf_free(&text);
	if (rc != 0) {
		fprintf(ctx->err, "note: %s\n", err);
		return 1;
	}
	p = incidents_get(in, id);
	fprintf(ctx->out, "note added to incident #%lld (%s %s)\n",
	    (long long)id, p->worker, p->cls);
	return 0;
}

const struct cmd_entry cmd_note_entry = {
	"note", NULL,
	"ID|WORKER TEXT...",
	"add a note to an incident's timeline; live console only",
	CMD_CLI | CMD_PROMPT,
	note_exec
};
