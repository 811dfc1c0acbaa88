/*
 * cmd-export.c -- modeltop export: samples of a recording as CSV or JSON
 * lines, filtered by worker, metric and time window.  Works on a file a
 * recorder is still writing.
 */
#include <fnmatch.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "export.h"
#include "store.h"
#include "timeexpr.h"
#include "util.h"

struct sel {
	int64_t		 id;
	char		*worker, *metric, *labels;
	size_t		 labels_len;
};

struct export_ctx {
	const char	*worker, *metric;	/* fnmatch patterns or NULL */
	struct sel	*v;
	size_t		 n, cap;
	struct buf	 out;
	FILE		*fp;
	enum export_format fmt;
	const struct sel *cur;
	int		 write_error;
};

static int
want(const char *pattern, const char *s)
{
	return pattern == NULL || strcmp(pattern, s) == 0 ||
	    fnmatch(pattern, s, 0) == 0;
}

static int
on_series(void *arg, const struct store_series_info *si)
{
	struct export_ctx *ec = arg;
	struct sel *s;

	if (!want(ec->worker, si->worker) || !want(ec->metric, si->metric))
		return 0;
	ec->v = xgrow(ec->v, &ec->cap, ec->n + 1, sizeof *ec->v);
	s = &ec->v[ec->n++];
	s->id = si->id;
	s->worker = xstrdup(si->worker);
	s->metric = xstrdup(si->metric);
	s->labels = xstrndup(si->labels != NULL ? si->labels : "",
	    si->labels_len);
	s->labels_len = si->labels_len;
	return 0;
}

static int
flush_out(struct export_ctx *ec)
{
	if (ec->out.len > 0 &&
	    fwrite(ec->out.data, 1, ec->out.len, ec->fp) != ec->out.len)
		ec->write_error = 1;
	buf_clear(&ec->out);
	return ec->write_error;
}

static int
on_point(void *arg, int64_t id, int64_t ts_ms, double v)
{
	struct export_ctx *ec = arg;
	const struct sel *s = ec->cur;

	(void)id;
	export_record(&ec->out, ec->fmt, ts_ms, s->worker, s->metric,
	    s->labels, s->labels_len, v);
	if (ec->out.len >= 65536)
		return flush_out(ec);
	return 0;
}

static int
export_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "worker", required_argument, NULL, 'w' },
		{ "metric", required_argument, NULL, 'm' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	struct export_ctx ec;
	const char *db = NULL;
	int64_t from = INT64_MIN, to = INT64_MAX, now = util_now_ms();
	struct store *st;
	char err[512];
	size_t i;
	int c, rc = 0;

	memset(&ec, 0, sizeof ec);
	ec.fp = ctx->out;
	ec.fmt = EXPORT_CSV;
	optind = 0;
	while ((c = getopt_long(argc, argv, "d:w:m:f:t:F:", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'w':
			ec.worker = optarg;
			break;
		case 'm':
			ec.metric = optarg;
			break;
		case 'f':
		case 't':
			if (timeexpr_parse(optarg, now, c == 'f' ? &from : &to,
			    err, sizeof err) != 0)
				return cmd_usage_error(ctx, &cmd_export_entry,
				    "--%s: %s", c == 'f' ? "from" : "to", err);
			break;
		case 'F':
			if (strcmp(optarg, "csv") == 0)
				ec.fmt = EXPORT_CSV;
			else if (strcmp(optarg, "jsonl") == 0 ||
			    strcmp(optarg, "json") == 0)
				ec.fmt = EXPORT_JSONL;
			else
				return cmd_usage_error(ctx, &cmd_export_entry,
				    "--format: expected csv or jsonl (got "
				    "\"%s\")", optarg);
			break;
		default:
			cmd_usage(&cmd_export_entry, ctx->err);
			return 2;
		}
	}
	if (db == NULL && optind < argc)
		db = argv[optind++];
	if (optind != argc)
		return cmd_usage_error(ctx, &cmd_export_entry,
		    "unexpected argument \"%s\"", argv[optind]);
	if (db == NULL)
		return cmd_usage_error(ctx, &cmd_export_entry,
		    "--db FILE is required");
	if (from > to)
		return cmd_usage_error(ctx, &cmd_export_entry,
		    "--from is after --to");

	st = store_open(db, STORE_READ, err, sizeof err);
	if (st == NULL) {
		fprintf(ctx->err, "modeltop export: %s\n", err);
		return 1;
	}
	store_series_each(st, NULL, NULL, on_series, &ec);
	if (ec.fmt == EXPORT_CSV)
		buf_adds(&ec.out, "ts,worker,metric,labels,value\n");
	for (i = 0; i < ec.n && !ec.write_error; i++) {
		ec.cur = &ec.v[i];
		if (store_read(st, ec.v[i].id, from, to, on_point, &ec) < 0) {
			fprintf(ctx->err, "modeltop export: %s: reading %s %s "
			    "failed; the rest is exported\n", db,
			    ec.v[i].worker, ec.v[i].metric);
			rc = 1;
		}
	}
	flush_out(&ec);
	if (fflush(ec.fp) != 0 || ec.write_error) {
		fprintf(ctx->err, "modeltop export: write error\n");
		rc = 1;
	}
	for (i = 0; i < ec.n; i++) {
		free(ec.v[i].worker);
		free(ec.v[i].metric);
		free(ec.v[i].labels);
	}
	free(ec.v);
	buf_free(&ec.out);
	store_close(st);
	return rc;
}

const struct cmd_entry cmd_export_entry = {
	"export", NULL,
	"--db FILE [--worker W] [--metric M] [--from TIME] [--to TIME] "
	"[--format csv|jsonl]",
	"print recorded samples as CSV or JSON lines",
	CMD_CLI | CMD_REPLAY,
	export_exec
};
