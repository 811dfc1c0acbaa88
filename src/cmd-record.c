/*
 * cmd-record.c -- modeltop record: the engine without a screen.
 *
 * Samples the fleet every tick and commits one transaction per tick into
 * the database.  SIGINT and SIGTERM stop it cleanly (exit 0).
 *
 * A failed commit (disk full, the file made read-only or immutable, an
 * I/O error) does not stop it: recording is most needed while the
 * machine is in trouble.  It says so on stderr, keeps sampling, and the
 * store holds the samples in memory (bounded) and retries them with
 * every tick; when writing works again they are written and the
 * recording gets a "store" event saying how long writing failed and what,
 * if anything, had to be dropped.  Stopping while writes still fail exits
 * 1 naming what was not written.  A recording deleted or replaced under
 * the recorder stops it at once with exit 1: writing on would write into
 * a file nobody can open again.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "engine.h"
#include "store.h"
#include "util.h"

#define MAX_FDS 512

static void
print_event(void *ctx, const struct engine_event *ev)
{
	FILE *fp = ctx;
	time_t t = (time_t)(ev->ts_ms / 1000);
	struct tm tm;
	char when[32];

	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(fp, "%s %s %s: %s\n", when, ev->worker != NULL ? ev->worker :
	    "-", ev->kind, ev->text);
	fflush(fp);
}

/*
 * Follow the store's health after a dispatch: say when writing fails,
 * when the memory hold starts dropping, and when writing works again.
 * Returns -1 when recording cannot go on (the file was deleted).
 */
static int
store_watch(FILE *fp, struct engine *eng, int *failing, uint64_t *lost)
{
	const char *msg = engine_store_error(eng);
	struct store *st = engine_store(eng);
	int64_t since;
	uint64_t now_lost;
	size_t held;

	if (st == NULL)
		return 0;
	held = store_held(st, &since, &now_lost);
	if (msg != NULL && store_gone(st)) {
		fprintf(fp, "modeltop record: %s; stopping (exit 1)\n", msg);
		return -1;
	}
	if (msg != NULL && !*failing) {
		fprintf(fp, "modeltop record: %s; recording paused: sampling "
		    "goes on, the samples are held in memory and retried every "
		    "tick\n", msg);
		*failing = 1;
		*lost = 0;
	}
	if (msg != NULL && now_lost > 0 && *lost == 0)
		fprintf(fp, "modeltop record: the memory hold is full (%zu "
		    "points): the oldest samples are being dropped\n", held);
	if (msg != NULL)
		*lost = now_lost;
	if (msg == NULL && *failing) {
		fprintf(fp, "modeltop record: writing %s works again: the "
		    "samples held meanwhile are written%s\n", store_path(st),
		    *lost > 0 ? ", except the dropped ones (see the store "
		    "event)" : "; nothing was lost");
		*failing = 0;
		*lost = 0;
	}
	return 0;
}

static int
record_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "duration", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = NULL, *db = NULL;
	int64_t duration_ms = 0, start;
	int quiet = 0, c, sfd, rc = 0, stop = 0, failing = 0;
	uint64_t lost = 0;
	struct config cfg;
	size_t held = 0;
	struct engine_opts eo;
	struct engine *eng;
	char err[512], *dbpath;
	sigset_t mask, old;

	optind = 0;
	while ((c = getopt_long(argc, argv, "c:d:t:q", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			db = optarg;
			break;
		case 't':
			if (cmd_parse_seconds(optarg, &duration_ms) != 0 ||
			    duration_ms <= 0)
				return cmd_usage_error(ctx, &cmd_record_entry,
				    "--duration: expected seconds or a "
				    "duration like 30s, 5m (got \"%s\")", optarg);
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			cmd_usage(&cmd_record_entry, ctx->err);
			return 2;
		}
	}
	if (optind != argc)
		return cmd_usage_error(ctx, &cmd_record_entry,
		    "unexpected argument \"%s\"", argv[optind]);
	if (path == NULL)
		return cmd_usage_error(ctx, &cmd_record_entry,
		    "-c FILE is required");
	if (cmd_load_config(ctx, path, &cfg) != 0)
		return 1;
	dbpath = util_expand_home(db != NULL ? db : cfg.db);

	memset(&eo, 0, sizeof eo);
	eo.db = dbpath;
	eo.only_uid = (uid_t)-1;
	/* no charts to draw: no history in memory (the recording has it);
	 * the analysis's 30 s windows are read from each series' ring */
	eo.history_ms = ENGINE_HISTORY_NONE;
	if (!quiet) {
		eo.on_event = print_event;
		eo.on_event_ctx = ctx->err;
	}

	/* SIGINT/SIGTERM arrive through a signalfd in the poll set, so a
	 * stop request is handled between ticks, never inside a commit. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd == -1)
		fatal("signalfd: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);

	eng = engine_new(&cfg, &eo, err, sizeof err);
	if (eng == NULL) {
		fprintf(ctx->err, "modeltop record: %s\n", err);
		rc = 1;
		goto out;
	}
	if (!quiet)
		fprintf(ctx->err, "modeltop record: %zu worker section%s from "
		    "%s into %s every %lldms%s\n", cfg.nworkers,
		    cfg.nworkers == 1 ? "" : "s", path, dbpath,
		    (long long)cfg.interval_ms,
		    duration_ms > 0 ? " (for a fixed duration)" : "");

	start = util_mono_ms();
	while (!stop) {
		struct pollfd fds[MAX_FDS];
		int n, timeout = -1;

		fds[0].fd = sfd;
		fds[0].events = POLLIN;
		fds[0].revents = 0;
		if (duration_ms > 0) {
			int64_t left = start + duration_ms - util_mono_ms();
			timeout = left > 0 ? (int)left : 0;
		}
		n = 1 + engine_pollfds(eng, fds + 1, MAX_FDS - 1, &timeout);
		if (poll(fds, (nfds_t)n, timeout) == -1 && errno != EINTR)
			fatal("poll: %s", strerror(errno));
		if (fds[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof si) == sizeof si) {
				if (si.ssi_signo != SIGHUP)
					stop = 1;
			}
		}
		engine_dispatch(eng, fds + 1, n - 1);
		if (store_watch(ctx->err, eng, &failing, &lost) != 0) {
			rc = 1;
			break;
		}
		if (duration_ms > 0 && util_mono_ms() - start >= duration_ms)
			break;
	}
	if (engine_store(eng) != NULL)
		held = store_held(engine_store(eng), NULL, NULL);
	if (engine_free(eng, err, sizeof err) != 0) {
		if (rc == 0)
			fprintf(ctx->err, "modeltop record: %s; stopping with "
			    "%zu points not written (what was written before "
			    "is intact)\n", err, held);
		rc = 1;
	}
out:
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	config_free(&cfg);
	free(dbpath);
	return rc;
}

const struct cmd_entry cmd_record_entry = {
	"record", NULL,
	"-c FILE [--db FILE] [--duration SECS] [--quiet]",
	"sample the fleet headless into a recording until SIGINT/SIGTERM",
	CMD_CLI,
	record_exec
};
