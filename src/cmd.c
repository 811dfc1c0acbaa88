/*
 * cmd.c -- the command table and lookup.
 */
#include "cmd.h"

#include <stdarg.h>
#include <string.h>

#include "config.h"
#include "units.h"

const struct cmd_entry *const cmd_table[] = {
	&cmd_record_entry,
	&cmd_export_entry,
	&cmd_check_entry,
	&cmd_incidents_entry,
	&cmd_ack_entry,
	&cmd_note_entry,
	&cmd_resolve_entry,
	&cmd_act_entry,
	&cmd_recover_entry,
	&cmd_trim_entry,
	&cmd_replay_entry,
	&cmd_goto_entry,
	&cmd_seek_entry,
	&cmd_play_entry,
	NULL
};

const struct cmd_entry *
cmd_find(const char *name, int flags, int *ambiguous)
{
	const struct cmd_entry *const *cp, *found = NULL;
	size_t len = strlen(name);

	if (ambiguous != NULL)
		*ambiguous = 0;
	if (len == 0)
		return NULL;
	for (cp = cmd_table; *cp != NULL; cp++) {
		if (((*cp)->flags & flags) == 0)
			continue;
		if (strcmp((*cp)->name, name) == 0 ||
		    ((*cp)->alias != NULL && strcmp((*cp)->alias, name) == 0))
			return *cp;
	}
	for (cp = cmd_table; *cp != NULL; cp++) {
		if (((*cp)->flags & flags) == 0)
			continue;
		if (strncmp((*cp)->name, name, len) != 0)
			continue;
		if (found != NULL) {
			if (ambiguous != NULL)
				*ambiguous = 1;
			return NULL;
		}
		found = *cp;
	}
	return found;
}

void
cmd_usage(const struct cmd_entry *ce, FILE *fp)
{
	fprintf(fp, "usage: modeltop %s %s\n", ce->name, ce->usage);
}

int
cmd_usage_error(struct cmd_ctx *ctx, const struct cmd_entry *ce,
    const char *fmt, ...)
{
	va_list ap;

	fprintf(ctx->err, "modeltop %s: ", ce->name);
	va_start(ap, fmt);
	vfprintf(ctx->err, fmt, ap);
	va_end(ap);
	fputc('\n', ctx->err);
	cmd_usage(ce, ctx->err);
	return 2;
}

int
cmd_load_config(struct cmd_ctx *ctx, const char *path, struct config *cfg)
{
	struct cfg_errors errs = {0};

	if (path == NULL) {
		config_default(cfg);
		return 0;
	}
	if (config_load(path, cfg, &errs) != 0) {
		cfg_errors_print(&errs, ctx->err);
		cfg_errors_free(&errs);
		config_free(cfg);
		return -1;
	}
	cfg_errors_free(&errs);
	return 0;
}

int
cmd_parse_seconds(const char *s, int64_t *ms)
{
	return units_parse_duration(s, ms);
}
