/*
 * test_actions.c -- recovery actions: placeholder substitution, the
 * expect judgement, the ladder state machine, the hourly limit of
 * policies, the config permission check, signals that refuse a reused
 * pid, the audit trail, and the runner on real processes (exec output,
 * timeouts, ladders, refusals).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actions.h"
#include "audit.h"
#include "cmd.h"
#include "console.h"
#include "config.h"
#include "engine.h"
#include "incident.h"
#include "proc.h"
#include "recover.h"
#include "store.h"
#include "util.h"

static char tmpdir[] = "/tmp/test_actions.XXXXXX";

/* The command table names every command, the console's replay among
 * them: this brings the console's code in while the UI library is
 * searched (the Makefile lists it before the engine library). */
void *const test_actions_links_console = (void *)console_run;

static char *
path_in(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

static char *
write_file(const char *name, const char *text, mode_t mode)
{
	char *path = path_in(name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static int
setup(void **state)
{
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int rc = system(cmd);

	free(cmd);
	return rc == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* placeholders */

static void
test_argv_expand(void **state)
{
	char *argv[] = { "/bin/x", "%n", "%p", "--name=%n", "%n%p", "%%n",
	    "a b", "", "%N", NULL };
	char **out, err[128];

	assert_int_equal(actions_argv_expand(argv, 9, "llm-0", 1234, &out,
	    err, sizeof err), 0);
	assert_string_equal(out[0], "/bin/x");
	assert_string_equal(out[1], "llm-0");
	assert_string_equal(out[2], "1234");
	/* only whole arguments are replaced */
	assert_string_equal(out[3], "--name=%n");
	assert_string_equal(out[4], "%n%p");
	assert_string_equal(out[5], "%%n");
	assert_string_equal(out[6], "a b");
	assert_string_equal(out[7], "");
	assert_string_equal(out[8], "%N");
	assert_null(out[9]);
	config_argv_free(out);

	/* a name that looks like a placeholder or holds quotes stays one
	 * argument, as it is */
	assert_int_equal(actions_argv_expand(argv, 3, "%p 'x' $(y)", 7, &out,
	    err, sizeof err), 0);
	assert_string_equal(out[1], "%p 'x' $(y)");
	assert_string_equal(out[2], "7");
	config_argv_free(out);

	/* %p without a process */
	out = NULL;
	assert_int_equal(actions_argv_expand(argv, 3, "w", 0, &out, err,
	    sizeof err), -1);
	assert_null(out);
	assert_string_equal(err, "%p: worker w has no process");
	/* ... but %n alone is fine */
	assert_int_equal(actions_argv_expand(argv, 2, "w", 0, &out, err,
	    sizeof err), 0);
	assert_string_equal(out[1], "w");
	config_argv_free(out);
}

/* ------------------------------------------------------------------ */
/* judgement */

static void
test_judge_table(void **state)
{
	static const struct {
		enum expect_kind kind;
		double		 value, before, after;
		enum verdict	 want;
		double		 pct;
	} t[] = {
		/* drop: by the noise floor (1%) or more */
		{ EXPECT_DROP, 0, 100, 98, VERDICT_EFFECTIVE, -2 },
		{ EXPECT_DROP, 0, 100, 99, VERDICT_EFFECTIVE, -1 },
		{ EXPECT_DROP, 0, 100, 99.5, VERDICT_NO_EFFECT, -0.5 },
		{ EXPECT_DROP, 0, 100, 100, VERDICT_NO_EFFECT, 0 },
		{ EXPECT_DROP, 0, 100, 130, VERDICT_NO_EFFECT, 30 },
		/* drop 10%: partly from 5% */
		{ EXPECT_DROP_PERCENT, 10, 338, 79, VERDICT_EFFECTIVE,
		    (79.0 - 338) / 338 * 100 },
		{ EXPECT_DROP_PERCENT, 10, 100, 90, VERDICT_EFFECTIVE, -10 },
		{ EXPECT_DROP_PERCENT, 10, 100, 93, VERDICT_PARTLY, -7 },
		{ EXPECT_DROP_PERCENT, 10, 100, 95, VERDICT_PARTLY, -5 },
		{ EXPECT_DROP_PERCENT, 10, 100, 96, VERDICT_NO_EFFECT, -4 },
		{ EXPECT_DROP_PERCENT, 10, 100, 101, VERDICT_NO_EFFECT, 1 },
		{ EXPECT_DROP_PERCENT, 40, 300, 180, VERDICT_EFFECTIVE, -40 },
		/* below X */
		{ EXPECT_BELOW, 50, 80, 49, VERDICT_EFFECTIVE, -38.75 },
		{ EXPECT_BELOW, 50, 80, 60, VERDICT_PARTLY, -25 },
		{ EXPECT_BELOW, 50, 80, 80, VERDICT_NO_EFFECT, 0 },
		{ EXPECT_BELOW, 50, 40, 45, VERDICT_EFFECTIVE, 12.5 },
		/* up: any increase */
		{ EXPECT_UP, 0, 0, 1, VERDICT_EFFECTIVE, 100 },
		{ EXPECT_UP, 0, 10, 11, VERDICT_EFFECTIVE, 10 },
		{ EXPECT_UP, 0, 10, 10, VERDICT_NO_EFFECT, 0 },
		/* before zero */
		{ EXPECT_DROP, 0, 0, 0, VERDICT_NO_EFFECT, 0 },
		{ EXPECT_DROP, 0, 0, 5, VERDICT_NO_EFFECT, 100 },
	};
	double pct;
	size_t i;

	for (i = 0; i < ARRAY_LEN(t); i++) {
		enum verdict v = actions_judge(t[i].kind, t[i].value,
		    t[i].before, t[i].after, &pct);

		if (v != t[i].want || fabs(pct - t[i].pct) > 1e-9)
			print_error("row %zu: %s (%g%%), want %s (%g%%)\n", i,
			    audit_verdict_name(v), pct,
			    audit_verdict_name(t[i].want), t[i].pct);
		assert_int_equal(v, t[i].want);
		assert_true(fabs(pct - t[i].pct) < 1e-9);
	}
	/* a value that could not be read */
	assert_int_equal(actions_judge(EXPECT_DROP, 0, NAN, 5, &pct),
	    VERDICT_UNVERIFIED);
	assert_true(isnan(pct));
	assert_int_equal(actions_judge(EXPECT_DROP, 0, 5, NAN, &pct),
	    VERDICT_UNVERIFIED);
	assert_int_equal(actions_judge(EXPECT_DROP, 0, 5, INFINITY, &pct),
	    VERDICT_UNVERIFIED);

	/* up after a restart: a new process, and up */
	assert_int_equal(actions_judge_up(1, 1, 1), VERDICT_EFFECTIVE);
	assert_int_equal(actions_judge_up(0, 1, 0), VERDICT_EFFECTIVE);
	assert_int_equal(actions_judge_up(NAN, 1, 0), VERDICT_EFFECTIVE);
	assert_int_equal(actions_judge_up(1, 0, 1), VERDICT_PARTLY);
	assert_int_equal(actions_judge_up(1, 1, 0), VERDICT_NO_EFFECT);
	assert_int_equal(actions_judge_up(1, 0, 0), VERDICT_NO_EFFECT);
	assert_int_equal(actions_judge_up(1, NAN, 1), VERDICT_UNVERIFIED);

	assert_string_equal(audit_verdict_name(VERDICT_EFFECTIVE), "effective");
	assert_string_equal(audit_verdict_name(VERDICT_PARTLY), "partly");
	assert_string_equal(audit_verdict_name(VERDICT_NO_EFFECT), "no effect");
	assert_string_equal(audit_verdict_name(VERDICT_FAILED), "failed");
	assert_string_equal(audit_verdict_name(VERDICT_UNVERIFIED),
	    "unverified");
	assert_string_equal(audit_verdict_name(VERDICT_DONE), "done");
}

static void
test_verify_metric(void **state)
{
	struct cfg_action ac;

	memset(&ac, 0, sizeof ac);
	ac.kind = ACTION_SIGNAL;
	ac.signo = SIGTERM;
	assert_true(actions_stops_worker(&ac));
	assert_string_equal(actions_verify_metric(&ac), "up");
	ac.verify = "proc_rss_bytes";
	assert_string_equal(actions_verify_metric(&ac), "proc_rss_bytes");
	ac.verify = NULL;
	ac.signo = SIGUSR1;
	assert_false(actions_stops_worker(&ac));
	assert_null(actions_verify_metric(&ac));
	ac.kind = ACTION_EXEC;
	ac.signo = SIGTERM;
	assert_false(actions_stops_worker(&ac));
	assert_null(actions_verify_metric(NULL));
}

/* ------------------------------------------------------------------ */
/* the ladder with made-up verdicts */

static void
test_ladder(void **state)
{
	struct ladder l;
	int retries[3] = { 2, 0, 1 };
	int64_t delay;

	/* trim (2 retries), reload, restart (1 retry) */
	ladder_init(&l, 3, retries);
	assert_int_equal(l.step, 0);
	assert_int_equal(l.attempt, 0);
	assert_false(l.done);

	/* trim no effect: retried after 1 s, then 2 s */
	assert_int_equal(ladder_result(&l, VERDICT_NO_EFFECT, &delay),
	    LADDER_RUN);
	assert_int_equal(l.step, 0);
	assert_int_equal(l.attempt, 1);
	assert_int_equal(delay, 1000);
	assert_int_equal(ladder_result(&l, VERDICT_PARTLY, &delay), LADDER_RUN);
	assert_int_equal(l.step, 0);
	assert_int_equal(l.attempt, 2);
	assert_int_equal(delay, 2000);
	/* retries used up: on to reload at once */
	assert_int_equal(ladder_result(&l, VERDICT_NO_EFFECT, &delay),
	    LADDER_RUN);
	assert_int_equal(l.step, 1);
	assert_int_equal(l.attempt, 0);
	assert_int_equal(delay, 0);
	/* reload failed (no retries): restart */
	assert_int_equal(ladder_result(&l, VERDICT_FAILED, &delay), LADDER_RUN);
	assert_int_equal(l.step, 2);
	assert_int_equal(delay, 0);
	/* restart effective: stop there */
	assert_int_equal(ladder_result(&l, VERDICT_EFFECTIVE, &delay),
	    LADDER_DONE);
	assert_true(l.done);
	assert_true(l.succeeded);
	assert_int_equal(l.step, 2);
	assert_int_equal(l.attempts, 5);
	assert_int_equal(l.last, VERDICT_EFFECTIVE);
	assert_int_equal(l.best, VERDICT_EFFECTIVE);
	/* a finished ladder stays finished */
	assert_int_equal(ladder_result(&l, VERDICT_FAILED, &delay),
	    LADDER_DONE);
	assert_int_equal(l.attempts, 5);

	/* the first effective step stops the ladder */
	ladder_init(&l, 3, retries);
	assert_int_equal(ladder_result(&l, VERDICT_EFFECTIVE, &delay),
	    LADDER_DONE);
	assert_true(l.succeeded);
	assert_int_equal(l.step, 0);
	assert_int_equal(l.attempts, 1);

	/* a step without verify that ran counts as done */
	ladder_init(&l, 2, NULL);
	assert_int_equal(ladder_result(&l, VERDICT_DONE, &delay), LADDER_DONE);
	assert_true(l.succeeded);

	/* unverified stops: no escalation blind */
	ladder_init(&l, 3, retries);
	assert_int_equal(ladder_result(&l, VERDICT_UNVERIFIED, &delay),
	    LADDER_DONE);
	assert_false(l.succeeded);
	assert_int_equal(l.step, 0);

	/* everything fails: give up after the last step, the best verdict
	 * kept */
	ladder_init(&l, 2, NULL);
	assert_int_equal(ladder_result(&l, VERDICT_PARTLY, &delay), LADDER_RUN);
	assert_int_equal(ladder_result(&l, VERDICT_FAILED, &delay),
	    LADDER_DONE);
	assert_true(l.done);
	assert_false(l.succeeded);
	assert_int_equal(l.best, VERDICT_PARTLY);
	assert_int_equal(l.last, VERDICT_FAILED);

	/* backoff doubles up to the cap */
	assert_int_equal(ladder_backoff_ms(1), 1000);
	assert_int_equal(ladder_backoff_ms(2), 2000);
	assert_int_equal(ladder_backoff_ms(3), 4000);
	assert_int_equal(ladder_backoff_ms(7), 60000);
	assert_int_equal(ladder_backoff_ms(10), 60000);

	/* too many steps are cut; an empty ladder is done */
	ladder_init(&l, LADDER_MAX_STEPS + 5, NULL);
	assert_int_equal(l.nsteps, LADDER_MAX_STEPS);
	ladder_init(&l, 0, NULL);
	assert_true(l.done);
	assert_int_equal(ladder_result(&l, VERDICT_EFFECTIVE, &delay),
	    LADDER_DONE);
	assert_false(l.succeeded);
}

/* ------------------------------------------------------------------ */
/* max_per_hour */

static void
test_rate_window(void **state)
{
	struct rate_window w = {0};
	struct policies *p;
	int64_t t0 = 1700000000000, next = 0, hour = 3600 * 1000;

	/* 3 per hour: at 0, 10 min, 20 min */
	assert_true(rate_window_allow(&w, 3, t0, &next));
	assert_true(rate_window_allow(&w, 3, t0 + 600000, &next));
	assert_true(rate_window_allow(&w, 3, t0 + 1200000, &next));
	assert_int_equal(rate_window_count(&w, t0 + 1200000), 3);
	/* the fourth within the hour is refused, and says when */
	assert_false(rate_window_allow(&w, 3, t0 + 1800000, &next));
	assert_int_equal(next, t0 + hour);
	assert_int_equal(rate_window_count(&w, t0 + 1800000), 3);
	/* a refusal is not counted */
	assert_false(rate_window_allow(&w, 3, t0 + hour - 1, &next));
	assert_int_equal(next, t0 + hour);
	/* an hour after the first, one slot frees (sliding, not by clock
	 * hour) */
	assert_true(rate_window_allow(&w, 3, t0 + hour, &next));
	assert_false(rate_window_allow(&w, 3, t0 + hour + 1, &next));
	assert_int_equal(next, t0 + 600000 + hour);
	assert_int_equal(rate_window_count(&w, t0 + hour + 1), 3);
	/* long after, all free again */
	assert_int_equal(rate_window_count(&w, t0 + 10 * hour), 0);
	assert_true(rate_window_allow(&w, 3, t0 + 10 * hour, &next));
	assert_int_equal(w.n, 1);
	rate_window_free(&w);

	/* max 1 */
	assert_true(rate_window_allow(&w, 1, t0, NULL));
	assert_false(rate_window_allow(&w, 1, t0 + 1, NULL));
	rate_window_free(&w);

	/* windows are per (rule, worker) */
	p = policies_new();
	assert_ptr_equal(policies_window(p, "r", "a"),
	    policies_window(p, "r", "a"));
	assert_ptr_not_equal(policies_window(p, "r", "a"),
	    policies_window(p, "r", "b"));
	assert_ptr_not_equal(policies_window(p, "r", "a"),
	    policies_window(p, "s", "a"));
	assert_true(rate_window_allow(policies_window(p, "r", "a"), 1, t0,
	    NULL));
	assert_false(rate_window_allow(policies_window(p, "r", "a"), 1, t0,
	    NULL));
	assert_true(rate_window_allow(policies_window(p, "r", "b"), 1, t0,
	    NULL));
	policies_free(p);
}

/* ------------------------------------------------------------------ */
/* the config permission check */

static void
test_config_safe(void **state)
{
	char *dir = path_in("cfgdir"), *path, *sub, why[512], *want;
	struct cfg_errors errs = {0};
	struct config cfg;

	assert_int_equal(mkdir(dir, 0700), 0);
	sub = xasprintf("%s/x.ini", dir);
	path = write_file("cfgdir/x.ini", "[action a]\nexec = /bin/true\n",
	    0600);
	assert_int_equal(strcmp(path, sub), 0);
	assert_int_equal(config_file_safe(path, why, sizeof why), 0);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(config_file_safe(path, why, sizeof why), 0);

	assert_int_equal(chmod(path, 0664), 0);
	assert_int_equal(config_file_safe(path, why, sizeof why), -1);
	want = xasprintf("%s is writable by group (mode 0664)", path);
	assert_string_equal(why, want);
	free(want);
	assert_int_equal(chmod(path, 0646), 0);
	assert_int_equal(config_file_safe(path, why, sizeof why), -1);
	want = xasprintf("%s is writable by others (mode 0646)", path);
	assert_string_equal(why, want);
	free(want);
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(config_file_safe(path, why, sizeof why), -1);
	want = xasprintf("%s is writable by group and others (mode 0666)",
	    path);
	assert_string_equal(why, want);
	free(want);

	/* config_load notes it when the file has exec actions */
	assert_int_equal(config_load(path, &cfg, &errs), 0);
	assert_non_null(cfg.exec_unsafe);
	assert_non_null(strstr(cfg.exec_unsafe, "writable by group and "
	    "others"));
	config_free(&cfg);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(config_load(path, &cfg, &errs), 0);
	assert_null(cfg.exec_unsafe);
	config_free(&cfg);

	/* the directory: writable by others lets them replace the file */
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(config_file_safe(path, why, sizeof why), -1);
	want = xasprintf("%s, the directory of %s, is writable by group and "
	    "others (mode 0777)", dir, path);
	assert_string_equal(why, want);
	free(want);
	/* ... unless it is sticky, like /tmp */
	assert_int_equal(chmod(dir, 01777), 0);
	assert_int_equal(config_file_safe(path, why, sizeof why), 0);
	assert_int_equal(chmod(dir, 0700), 0);

	/* owned by another user (the tests run as root here, or as a user
	 * who cannot chown: then only the check of our own file runs) */
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 4321, 4321), 0);
		assert_int_equal(config_file_safe(path, why, sizeof why), -1);
		want = xasprintf("%s is owned by uid 4321, not by root or you "
		    "(uid 0)", path);
		assert_string_equal(why, want);
		free(want);
		assert_int_equal(chown(path, 0, 0), 0);
		assert_int_equal(chown(dir, 4321, 4321), 0);
		assert_int_equal(config_file_safe(path, why, sizeof why), -1);
		assert_non_null(strstr(why, "the directory of"));
		assert_non_null(strstr(why, "owned by uid 4321"));
		assert_int_equal(chown(dir, 0, 0), 0);
	}
	assert_int_equal(config_file_safe(path, why, sizeof why), 0);

	/* a file that is not there */
	want = path_in("nope.ini");
	assert_int_equal(config_file_safe(want, why, sizeof why), -1);
	assert_non_null(strstr(why, "No such file"));
	free(want);

	cfg_errors_free(&errs);
	free(path);
	free(sub);
	free(dir);
}

/* ------------------------------------------------------------------ */
/* signals */

static pid_t
spawn_pause(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		/* gone with the test, even when an assertion ends it early */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	return pid;
}

static int
wait_signal(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) ? WTERMSIG(st) : -1;
}

static void
test_signal_identity(void **state)
{
	char res[512];
	uint64_t st;
	pid_t pid;
	int flags;

	for (flags = 0; flags <= ACTIONS_SIG_NO_PIDFD; flags +=
	    ACTIONS_SIG_NO_PIDFD) {
		/* the right process gets it */
		pid = spawn_pause();
		assert_int_equal(proc_identity(pid, &st), 0);
		assert_int_equal(actions_signal_send(pid, st, SIGUSR1, flags,
		    res, sizeof res), 0);
		if (flags == 0)
			assert_string_equal(res, "SIGUSR1 delivered (pidfd)");
		else
			assert_string_equal(res, "SIGUSR1 delivered (no pidfd: "
			    "start time re-checked just before kill)");
		assert_int_equal(wait_signal(pid), SIGUSR1);

		/* another process under the same pid (simulated with a
		 * changed start time): refused, never signalled */
		pid = spawn_pause();
		assert_int_equal(proc_identity(pid, &st), 0);
		assert_int_equal(actions_signal_send(pid, st + 1, SIGTERM,
		    flags, res, sizeof res), -1);
		assert_non_null(strstr(res, "refused: "));
		assert_non_null(strstr(res, "is no longer the worker's process "
		    "(pid reused"));
		/* still alive: signal 0 finds it */
		assert_int_equal(kill(pid, 0), 0);
		usleep(20000);
		assert_int_equal(waitpid(pid, NULL, WNOHANG), 0);
		kill(pid, SIGKILL);
		assert_int_equal(wait_signal(pid), SIGKILL);

		/* a process that is gone (reaped) */
		assert_int_equal(actions_signal_send(pid, st, SIGTERM, flags,
		    res, sizeof res), -1);
		assert_non_null(strstr(res, "has exited"));
	}
	assert_int_equal(actions_signal_send(0, 0, SIGTERM, 0, res,
	    sizeof res), -1);
	assert_string_equal(res, "refused: no process to signal");
}

/* ------------------------------------------------------------------ */
/* the audit trail */

static void
test_audit(void **state)
{
	char *argv[] = { "/bin/x", "a b", "q\"uote", "back\\slash", "tab\t",
	    "\x01", "h\xc3\xa9", "bad\xff" };
	char *json, *db = path_in("audit.db"), err[512], who[300];
	struct audit_record r;
	struct store *st;
	sqlite3_stmt *q;
	struct buf b = {0};

	json = audit_json_argv(argv, ARRAY_LEN(argv));
	assert_string_equal(json, "[\"/bin/x\",\"a b\",\"q\\\"uote\","
	    "\"back\\\\slash\",\"tab\\t\",\"\\u0001\",\"h\xc3\xa9\","
	    "\"bad\\u00ff\"]");
	free(json);
	json = audit_json_argv(argv, 0);
	assert_string_equal(json, "[]");
	free(json);

	st = store_open(db, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	assert_true(store_has_table(st, "actions"));
	audit_record_init(&r);
	assert_true(isnan(r.before));
	assert_int_equal(r.incident_id, -1);
	r.ts_ms = 1700000000123;
	r.worker = "fragmenting";
	r.pid = 4242;
	r.action = "trim";
	r.kind = "signal";
	r.who = "root on /dev/pts/3";
	r.target = "SIGUSR1";
	r.result = "SIGUSR1 delivered (pidfd)";
	r.has_status = 1;
	r.status = SIGUSR1;
	r.metric = "proc_rss_bytes";
	r.before = 354418688;
	r.after = 83886080;
	r.verdict = VERDICT_EFFECTIVE;
	r.summary = "trim: proc_rss_bytes 338M -> 80M (-76%), effective";
	r.incident_id = 7;
	r.job = "trim";
	r.duration_ms = 3012;
	assert_int_equal(audit_store(st, &r, err, sizeof err), 0);
	assert_int_equal(r.id, 1);
	/* a refusal: most columns empty */
	audit_record_init(&r);
	r.ts_ms = 1700000000999;
	r.worker = "nope";
	r.action = "trim";
	r.who = "root (no tty)";
	r.result = "refused: no worker nope";
	r.verdict = VERDICT_FAILED;
	r.summary = "trim on nope: refused: no worker nope";
	assert_int_equal(audit_store(st, &r, err, sizeof err), 0);
	assert_int_equal(r.id, 2);

	assert_int_equal(sqlite3_prepare_v2(store_db(st), "SELECT ts, worker, "
	    "pid, action, kind, who, target, result, status, output, metric, "
	    "before, after, verdict, summary, incident_id, job, duration_ms "
	    "FROM actions ORDER BY id", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(q, 0), 1700000000123);
	assert_string_equal(sqlite3_column_text(q, 1), "fragmenting");
	assert_int_equal(sqlite3_column_int(q, 2), 4242);
	assert_string_equal(sqlite3_column_text(q, 3), "trim");
	assert_string_equal(sqlite3_column_text(q, 4), "signal");
	assert_string_equal(sqlite3_column_text(q, 5), "root on /dev/pts/3");
	assert_string_equal(sqlite3_column_text(q, 6), "SIGUSR1");
	assert_string_equal(sqlite3_column_text(q, 7),
	    "SIGUSR1 delivered (pidfd)");
	assert_int_equal(sqlite3_column_int(q, 8), SIGUSR1);
	assert_int_equal(sqlite3_column_type(q, 9), SQLITE_NULL);
	assert_string_equal(sqlite3_column_text(q, 10), "proc_rss_bytes");
	assert_true(sqlite3_column_double(q, 11) == 354418688);
	assert_true(sqlite3_column_double(q, 12) == 83886080);
	assert_string_equal(sqlite3_column_text(q, 13), "effective");
	assert_string_equal(sqlite3_column_text(q, 14),
	    "trim: proc_rss_bytes 338M -> 80M (-76%), effective");
	assert_int_equal(sqlite3_column_int(q, 15), 7);
	assert_string_equal(sqlite3_column_text(q, 16), "trim");
	assert_int_equal(sqlite3_column_int(q, 17), 3012);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal(sqlite3_column_text(q, 1), "nope");
	assert_int_equal(sqlite3_column_type(q, 2), SQLITE_NULL);
	assert_string_equal(sqlite3_column_text(q, 4), "none");
	assert_string_equal(sqlite3_column_text(q, 6), "");
	assert_int_equal(sqlite3_column_type(q, 8), SQLITE_NULL);
	assert_int_equal(sqlite3_column_type(q, 11), SQLITE_NULL);
	assert_string_equal(sqlite3_column_text(q, 13), "failed");
	assert_int_equal(sqlite3_column_type(q, 15), SQLITE_NULL);
	assert_int_equal(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);

	audit_format(&r, &b);
	assert_non_null(strstr(b.data, "audit: "));
	assert_non_null(strstr(b.data, " nope trim (none) by root (no tty): - "
	    "-> refused: no worker nope; failed: trim on nope: refused: no "
	    "worker nope"));
	buf_free(&b);
	store_close(st);

	/* an old recording read-only has no table: an error, not a crash */
	st = store_open(db, STORE_READ, err, sizeof err);
	assert_non_null(st);
	assert_int_equal(audit_insert(store_db(st), &r, err, sizeof err), -1);
	store_close(st);

	audit_who_cli(who, sizeof who);
	assert_true(strstr(who, " on ") != NULL ||
	    strstr(who, " (no tty)") != NULL);
	free(db);
}

/* ------------------------------------------------------------------ */
/* the runner, on real processes */

struct fixture {
	struct config	 cfg;
	struct engine	*eng;
	struct actions	*acts;
	struct store	*st;
	struct incidents *in;
	pid_t		 worker;
	char		*cfgpath;
	int		 records;
	char		 last_summary[600];
	char		 last_output[1100];
	char		 last_target[600];
};

static void
on_record(void *arg, const struct audit_record *r, int stored)
{
	struct fixture *fx = arg;

	fx->records++;
	util_strlcpy(fx->last_summary, r->summary, sizeof fx->last_summary);
	util_strlcpy(fx->last_output, r->output != NULL ? r->output : "",
	    sizeof fx->last_output);
	util_strlcpy(fx->last_target, r->target != NULL ? r->target : "",
	    sizeof fx->last_target);
}

static void
fixture_open(struct fixture *fx, const char *extra)
{
	char *text, err[512], *db = path_in("runner.db");
	struct cfg_errors errs = {0};
	struct engine_opts eo;
	int i;

	memset(fx, 0, sizeof *fx);
	fx->worker = spawn_pause();
	text = xasprintf("[modeltop]\ninterval = 100ms\n"
	    "[worker w]\npid = %d\nactions = bad, good, never\n%s",
	    (int)fx->worker, extra);
	fx->cfgpath = write_file("runner.ini", text, 0600);
	free(text);
	if (config_load(fx->cfgpath, &fx->cfg, &errs) != 0)
		cfg_errors_print(&errs, stderr);
	assert_int_equal(errs.n, 0);
	cfg_errors_free(&errs);
	memset(&eo, 0, sizeof eo);
	eo.only_uid = (uid_t)-1;
	fx->eng = engine_new(&fx->cfg, &eo, err, sizeof err);
	assert_non_null(fx->eng);
	/* the engine owns its runner */
	fx->acts = actions_of(fx->eng);
	assert_non_null(fx->acts);
	unlink(db);
	fx->st = store_open(db, STORE_WRITE, err, sizeof err);
	assert_non_null(fx->st);
	fx->in = incidents_new(fx->st, 60000);
	actions_set_sinks(fx->acts, fx->st, fx->in);
	actions_set_record_hook(fx->acts, on_record, fx);
	free(db);
	for (i = 0; i < 3; i++)
		engine_tick(fx->eng);
}

static void
fixture_close(struct fixture *fx)
{
	char err[256];

	/* the engine frees its runner first: it records into our sinks */
	engine_free(fx->eng, NULL, 0);
	assert_int_equal(incidents_flush(fx->in, err, sizeof err), 0);
	incidents_free(fx->in);
	store_close(fx->st);
	config_free(&fx->cfg);
	if (fx->worker > 0) {
		kill(fx->worker, SIGKILL);
		waitpid(fx->worker, NULL, 0);
	}
	free(fx->cfgpath);
}

/* Drive engine and actions until job id is done or limit_ms passed. */
static void
run_until_done(struct fixture *fx, int64_t id, int64_t limit_ms,
    struct action_job_status *js)
{
	struct pollfd fds[64];
	int64_t end = util_mono_ms() + limit_ms;
	int n, timeout;

	for (;;) {
		assert_int_equal(actions_job(fx->acts, id, js), 0);
		if (js->done)
			return;
		assert_true(util_mono_ms() < end);
		timeout = -1;
		n = engine_pollfds(fx->eng, fds, 64, &timeout);
		poll(fds, (nfds_t)n, timeout);
		engine_dispatch(fx->eng, fds, n);
	}
}

static int64_t
start(struct fixture *fx, const char *action, int ladder)
{
	struct action_request rq;
	char err[512];
	int64_t id;

	memset(&rq, 0, sizeof rq);
	rq.worker = "w";
	rq.action = action;
	rq.ladder = ladder;
	rq.who = "tester";
	id = actions_start(fx->acts, &rq, err, sizeof err);
	if (id < 0)
		print_error("actions_start: %s\n", err);
	assert_true(id > 0);
	return id;
}

static int
count_rows(struct fixture *fx, const char *where)
{
	char *sql = xasprintf("SELECT count(*) FROM actions WHERE %s", where);
	sqlite3_stmt *q;
	int n;

	assert_int_equal(sqlite3_prepare_v2(store_db(fx->st), sql, -1, &q,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	n = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	free(sql);
	return n;
}

static void
test_runner_exec(void **state)
{
	struct fixture fx;
	struct action_job_status js;
	const char *const *sums;
	char *want;
	int64_t id, t0;

	fixture_open(&fx,
	    "[action echo]\n"
	    "exec = /bin/sh -c 'printf \"%s|\" \"$@\"; echo; echo err >&2' "
	    "sh \"a b\" 'c\"d' %n %p '$HOME' ';' ''\n"
	    "[action hang]\n"
	    "exec = /bin/sleep 30\n"
	    "timeout = 300ms\n"
	    "[action bad]\nexec = /bin/false\n"
	    "[action good]\nexec = /bin/true\n"
	    "[action never]\nexec = /bin/echo never\n"
	    "[action missing]\nexec = /nonexistent/prog\n"
	    "[action big]\nexec = /usr/bin/seq 1 100000\n");

	/* arguments arrive exactly, without a shell of ours */
	id = start(&fx, "echo", 0);
	run_until_done(&fx, id, 5000, &js);
	assert_true(js.succeeded);
	assert_int_equal(js.verdict, VERDICT_DONE);
	want = xasprintf("a b|c\"d|w|%d|$HOME|;||\nerr\n", (int)fx.worker);
	assert_string_equal(fx.last_output, want);
	free(want);
	want = xasprintf("[\"/bin/sh\",\"-c\",\"printf \\\"%%s|\\\" "
	    "\\\"$@\\\"; echo; echo err >&2\",\"sh\",\"a b\",\"c\\\"d\",\"w\","
	    "\"%d\",\"$HOME\",\";\",\"\"]", (int)fx.worker);
	assert_string_equal(fx.last_target, want);
	free(want);
	assert_string_equal(fx.last_summary, "echo: exit status 0, done");

	/* a hung action is killed at its timeout */
	t0 = util_mono_ms();
	id = start(&fx, "hang", 0);
	assert_true(actions_busy(fx.acts, "w"));
	run_until_done(&fx, id, 5000, &js);
	assert_true(util_mono_ms() - t0 < 2000);
	assert_false(js.succeeded);
	assert_int_equal(js.verdict, VERDICT_FAILED);
	assert_string_equal(fx.last_summary, "hang: killed at the 300ms "
	    "timeout (SIGTERM), failed");
	assert_false(actions_busy(fx.acts, "w"));

	/* a program that does not exist */
	id = start(&fx, "missing", 0);
	run_until_done(&fx, id, 5000, &js);
	assert_int_equal(js.verdict, VERDICT_FAILED);
	assert_string_equal(fx.last_summary, "missing: cannot run "
	    "/nonexistent/prog: No such file or directory, failed");

	/* much output: the first KB is kept */
	id = start(&fx, "big", 0);
	run_until_done(&fx, id, 5000, &js);
	assert_int_equal(js.verdict, VERDICT_DONE);
	assert_int_equal(strlen(fx.last_output), ACTIONS_OUTPUT_MAX);
	assert_memory_equal(fx.last_output, "1\n2\n3\n", 6);

	/* the ladder bad, good, never stops at good */
	id = start(&fx, NULL, 1);
	run_until_done(&fx, id, 5000, &js);
	assert_true(js.succeeded);
	assert_int_equal(actions_job_summaries(fx.acts, id, &sums), 2);
	assert_string_equal(sums[0], "bad: exit status 1, failed");
	assert_string_equal(sums[1], "good: exit status 0, done");
	assert_string_equal(js.line, "recover w: recovered by good (bad: exit "
	    "status 1, failed; good: exit status 0, done)");
	assert_int_equal(count_rows(&fx, "action = 'never'"), 0);
	assert_int_equal(count_rows(&fx, "job = 'recover step 1/3' AND "
	    "verdict = 'failed'"), 1);
	assert_int_equal(count_rows(&fx, "job = 'recover step 2/3' AND "
	    "verdict = 'done'"), 1);
	/* every attempt is attached to an incident */
	assert_int_equal(count_rows(&fx, "incident_id IS NULL"), 0);
	fixture_close(&fx);
}

static void
test_runner_refusals(void **state)
{
	struct fixture fx;
	struct action_request rq;
	struct action_job_status js;
	char err[512], q[512], *path;
	int64_t id;
	pid_t pid;
	uint64_t st;

	fixture_open(&fx,
	    "[action slow]\nexec = /bin/sleep 1\n"
	    "[action bad]\nexec = /bin/false\n"
	    "[action good]\nexec = /bin/true\n"
	    "[action never]\nsignal = TERM\n"
	    "[action post]\nhttp_post = http://127.0.0.1:1/x\ntimeout = 2s\n");
	memset(&rq, 0, sizeof rq);
	rq.who = "tester";

	rq.worker = "nobody";
	rq.action = "good";
	assert_int_equal(actions_start(fx.acts, &rq, err, sizeof err), -1);
	assert_string_equal(err, "no worker nobody (workers: w)");
	rq.worker = "w";
	rq.action = "nothing";
	assert_int_equal(actions_start(fx.acts, &rq, err, sizeof err), -1);
	assert_string_equal(err, "no action nothing (actions: slow, bad, good, "
	    "never, post)");
	/* both recorded */
	assert_int_equal(count_rows(&fx, "worker = 'nobody' AND result = "
	    "'refused: no worker nobody (workers: w)'"), 1);
	assert_int_equal(count_rows(&fx, "action = 'nothing' AND verdict = "
	    "'failed'"), 1);

	/* one job per worker at a time */
	id = start(&fx, "slow", 0);
	rq.action = "good";
	assert_int_equal(actions_start(fx.acts, &rq, err, sizeof err), -1);
	assert_string_equal(err, "worker w is already being acted on (slow, "
	    "started by tester); wait for it to finish");
	/* ... also between modeltop processes: a second engine (as a
	 * recorder or modeltop act would be) finds the worker's lock */
	{
		struct engine_opts eo;
		struct engine *other;
		char *want;

		memset(&eo, 0, sizeof eo);
		eo.only_uid = (uid_t)-1;
		other = engine_new(&fx.cfg, &eo, err, sizeof err);
		assert_non_null(other);
		engine_tick(other);
		assert_int_equal(actions_start(actions_of(other), &rq, err,
		    sizeof err), -1);
		want = xasprintf("worker w is being acted on by another "
		    "modeltop (pid %d); wait for it to finish", (int)getpid());
		assert_string_equal(err, want);
		free(want);
		engine_free(other, NULL, 0);
	}
	run_until_done(&fx, id, 5000, &js);
	assert_int_equal(js.verdict, VERDICT_DONE);
	/* the lock goes with the job */
	id = start(&fx, "good", 0);
	run_until_done(&fx, id, 5000, &js);
	assert_int_equal(js.verdict, VERDICT_DONE);

	/* the process the operator confirmed must still be the worker's */
	rq.action = "never";
	assert_int_equal(actions_question(fx.eng, &rq, q, sizeof q, &pid, &st),
	    1);
	path = xasprintf("never: send SIGTERM to worker w (pid %d)?",
	    (int)fx.worker);
	assert_string_equal(q, path);
	free(path);
	assert_int_equal(pid, fx.worker);
	rq.pid = pid;
	rq.starttime = st + 1;
	assert_int_equal(actions_start(fx.acts, &rq, err, sizeof err), -1);
	assert_non_null(strstr(err, "not the pid"));
	assert_int_equal(kill(fx.worker, 0), 0);
	rq.pid = 0;
	rq.starttime = 0;

	/* the ladder's question names every step */
	rq.action = NULL;
	rq.ladder = 1;
	assert_int_equal(actions_question(fx.eng, &rq, q, sizeof q, &pid, &st),
	    1);
	assert_non_null(strstr(q, "bad (runs a program), then good (runs a "
	    "program), then never (SIGTERM), stopping at the first that "
	    "works?"));
	rq.ladder = 0;

	/* a URL that refuses connections: failed, with curl's reason */
	id = start(&fx, "post", 0);
	run_until_done(&fx, id, 5000, &js);
	assert_int_equal(js.verdict, VERDICT_FAILED);
	assert_non_null(strstr(fx.last_summary, "post: POST "
	    "http://127.0.0.1:1/x: "));
	assert_non_null(strstr(fx.last_summary, ", failed"));
	fixture_close(&fx);
}

static void
test_runner_unsafe(void **state)
{
	struct fixture fx;
	struct action_job_status js;
	int64_t id;

	fixture_open(&fx, "[action good]\nexec = /bin/true\n"
	    "[action bad]\nexec = /bin/false\n[action never]\nexec = /bin/true\n");
	assert_int_equal(chmod(fx.cfgpath, 0666), 0);
	id = start(&fx, "good", 0);
	run_until_done(&fx, id, 5000, &js);
	assert_int_equal(js.verdict, VERDICT_FAILED);
	assert_non_null(strstr(fx.last_summary, "good: refused: exec actions "
	    "need a safe configuration file: "));
	assert_non_null(strstr(fx.last_summary, "runner.ini is writable by "
	    "group and others (mode 0666), failed"));
	assert_int_equal(chmod(fx.cfgpath, 0600), 0);
	fixture_close(&fx);
}

/* A rule with auto = yes runs its action when it fires, as "policy
 * RULE", at most max_per_hour times per worker. */
static void
test_policy(void **state)
{
	struct fixture fx;
	const struct cfg_rule *rule;
	const struct engine_event *ev;
	struct worker *w;
	int64_t end;
	size_t i;
	int said = 0;

	fixture_open(&fx,
	    "[action bad]\nexec = /bin/false\n"
	    "[action good]\nexec = /bin/true\n"
	    "[action never]\nexec = /bin/true\n"
	    "[rule busy]\nmetric = proc_threads\nabove = 0\n"
	    "action = good\nauto = yes\nmax_per_hour = 1\n");
	/* fixture_open ticked: the rule fired and the policy started */
	end = util_mono_ms() + 5000;
	while ((actions_running(fx.acts) > 0 ||
	    count_rows(&fx, "action = 'good'") == 0) && util_mono_ms() < end) {
		struct pollfd fds[64];
		int timeout = 100, n = engine_pollfds(fx.eng, fds, 64, &timeout);

		poll(fds, (nfds_t)n, timeout);
		engine_dispatch(fx.eng, fds, n);
	}
	assert_int_equal(count_rows(&fx, "who = 'policy busy' AND "
	    "job = 'policy busy' AND action = 'good' AND verdict = 'done'"), 1);

	/* it fires again within the hour: nothing runs, and it says why */
	rule = config_rule(&fx.cfg, "busy");
	w = engine_worker_by_name(fx.eng, "w");
	assert_int_equal(recover_on_rule_firing(fx.eng, w, rule,
	    util_now_ms()), 0);
	assert_int_equal(actions_running(fx.acts), 0);
	for (i = 0; i < engine_event_count(fx.eng); i++) {
		ev = engine_event_at(fx.eng, i);
		if (strcmp(ev->kind, ACTIONS_EVENT) == 0 && strstr(ev->text,
		    "policy busy: good not run: already 1 time in the last "
		    "hour (max_per_hour = 1); next allowed in ") != NULL)
			said = 1;
	}
	assert_true(said);
	assert_int_equal(count_rows(&fx, "action = 'good'"), 1);

	/* policies switched off (modeltop act): nothing at all */
	actions_set_policies(fx.acts, 0);
	assert_int_equal(recover_on_rule_firing(fx.eng, w, rule,
	    util_now_ms() + 2 * RATE_WINDOW_MS), 0);
	assert_int_equal(actions_running(fx.acts), 0);
	actions_set_policies(fx.acts, 1);
	/* an hour later it may run again */
	assert_true(recover_on_rule_firing(fx.eng, w, rule,
	    util_now_ms() + 2 * RATE_WINDOW_MS) > 0);
	fixture_close(&fx);
}

/* Run a prompt command line; returns its status, output in out/err. */
static int
prompt(struct engine *eng, void *console, char *out, size_t outlen,
    char *err, size_t errlen, int argc, char **argv)
{
	const struct cmd_entry *ce = strcmp(argv[0], "act") == 0 ?
	    &cmd_act_entry : strcmp(argv[0], "trim") == 0 ? &cmd_trim_entry :
	    &cmd_recover_entry;
	struct cmd_ctx ctx;
	int rc;

	memset(&ctx, 0, sizeof ctx);
	memset(out, 0, outlen);
	memset(err, 0, errlen);
	ctx.out = fmemopen(out, outlen, "w");
	ctx.err = fmemopen(err, errlen, "w");
	ctx.engine = eng;
	ctx.console = console;
	ctx.who = "ann on /dev/pts/3";
	rc = ce->exec(&ctx, argc, argv);
	fclose(ctx.out);
	fclose(ctx.err);
	return rc;
}

/* :act, :recover and :trim as the console runs them, with the question
 * it asks first. */
static void
test_commands(void **state)
{
	struct fixture fx;
	struct action_job_status js;
	char out[1024], err[1024], q[512], yes[64], *want;
	char *act[] = { "act", "w", "stop", NULL, NULL };
	char *trim[] = { "trim", "all", NULL };
	char *rec[] = { "recover", "w", NULL };
	char *bad[] = { "act", "w", NULL };
	struct cmd_ctx ctx;
	int dummy_console;

	fixture_open(&fx,
	    "[action bad]\nexec = /bin/false\n"
	    "[action good]\nexec = /bin/true\n"
	    "[action never]\nexec = /bin/true\n"
	    "[action stop]\nsignal = TERM\nsettle = 100ms\n"
	    "[action trim]\nsignal = USR2\nsettle = 100ms\n");
	memset(&ctx, 0, sizeof ctx);
	ctx.engine = fx.eng;

	/* trim all: only live workers with a trim action; USR2 asks
	 * nothing */
	assert_int_equal(cmd_needs_confirm(&ctx, 2, trim, q, sizeof q, yes,
	    sizeof yes), 0);
	assert_int_equal(prompt(fx.eng, &dummy_console, out, sizeof out, err,
	    sizeof err, 2, trim), 0);
	assert_string_equal(out, "trim started on 1 worker: w\n");
	assert_int_equal(actions_status(fx.acts, &js, 1), 1);
	run_until_done(&fx, js.id, 5000, &js);

	/* the question names the signal, the worker and its pid */
	assert_int_equal(cmd_needs_confirm(&ctx, 3, act, q, sizeof q, yes,
	    sizeof yes), 1);
	want = xasprintf("stop: send SIGTERM to worker w (pid %d)?",
	    (int)fx.worker);
	assert_string_equal(q, want);
	free(want);
	assert_true(strncmp(yes, "--yes=", 6) == 0);
	/* without the answer the command refuses */
	assert_int_equal(prompt(fx.eng, &dummy_console, out, sizeof out, err,
	    sizeof err, 3, act), 1);
	assert_non_null(strstr(err, "act: needs confirmation: stop: send "
	    "SIGTERM to worker w (pid "));
	/* with it, it starts and returns at once */
	act[3] = yes;
	assert_int_equal(cmd_needs_confirm(&ctx, 4, act, q, sizeof q, yes,
	    sizeof yes), 0);
	assert_int_equal(prompt(fx.eng, &dummy_console, out, sizeof out, err,
	    sizeof err, 4, act), 0);
	assert_string_equal(err, "");
	assert_non_null(strstr(out, "stop on w: SIGTERM delivered (pidfd); "
	    "settling "));
	assert_int_equal(actions_status(fx.acts, &js, 1), 1);
	assert_false(js.done);
	assert_string_equal(js.who, "ann on /dev/pts/3");
	/* busy */
	assert_int_equal(prompt(fx.eng, &dummy_console, out, sizeof out, err,
	    sizeof err, 2, rec), 1);
	assert_non_null(strstr(err, "recover: worker w is already being acted "
	    "on (stop, started by ann on /dev/pts/3)"));
	run_until_done(&fx, js.id, 5000, &js);
	/* nothing restarts the worker here: no effect */
	assert_int_equal(js.verdict, VERDICT_NO_EFFECT);
	/* the child dies of the SIGTERM, unless a loaded machine (ASan)
	 * has not let it run yet when the settle time is over: either way
	 * the worker is not back up, and that is what is judged */
	if (strstr(js.line, "stop: up 1 -> 0 (the worker did not come back), "
	    "no effect") == NULL && strstr(js.line, "stop: up 1 -> 1 (process "
	    "") == NULL)
		print_error("line: %s\n", js.line);
	assert_true(strstr(js.line, "stop: up 1 -> 0 (the worker did not "
	    "come back), no effect") != NULL ||
	    (strstr(js.line, "stop: up 1 -> 1 (process ") != NULL &&
	    strstr(js.line, "still running), no effect") != NULL));

	/* the stopped worker is gone (a zombie until reaped, then no
	 * process at all): nobody left to trim */
	{
		siginfo_t si;

		/* wait for it to die, without reaping it */
		assert_int_equal(waitid(P_PID, (id_t)fx.worker, &si,
		    WEXITED | WNOWAIT), 0);
	}
	engine_tick(fx.eng);
	assert_int_equal(prompt(fx.eng, &dummy_console, out, sizeof out, err,
	    sizeof err, 2, trim), 1);
	assert_string_equal(err, "trim: no live worker has a trim action\n");
	assert_int_equal(waitpid(fx.worker, NULL, 0), fx.worker);
	fx.worker = 0;
	engine_tick(fx.eng);
	assert_int_equal(prompt(fx.eng, &dummy_console, out, sizeof out, err,
	    sizeof err, 2, trim), 1);
	assert_string_equal(err, "trim: no live worker has a trim action\n");

	/* usage and replay */
	assert_int_equal(prompt(fx.eng, &dummy_console, out, sizeof out, err,
	    sizeof err, 2, bad), 2);
	assert_non_null(strstr(err, "expected WORKER ACTION"));
	/* (getopt reordered act[]: options first) */
	act[0] = "act";
	act[1] = "w";
	act[2] = "stop";
	act[3] = NULL;
	assert_int_equal(prompt(NULL, &dummy_console, out, sizeof out, err,
	    sizeof err, 3, act), 1);
	assert_string_equal(err, "act: not on a recording (history is "
	    "read-only)\n");
	assert_int_equal(prompt(NULL, &dummy_console, out, sizeof out, err,
	    sizeof err, 2, rec), 1);
	assert_string_equal(err, "recover: not on a recording (history is "
	    "read-only)\n");
	assert_int_equal(prompt(NULL, &dummy_console, out, sizeof out, err,
	    sizeof err, 2, trim), 1);
	assert_string_equal(err, "trim: not on a recording (history is "
	    "read-only)\n");
	fixture_close(&fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argv_expand),
		cmocka_unit_test(test_judge_table),
		cmocka_unit_test(test_verify_metric),
		cmocka_unit_test(test_ladder),
		cmocka_unit_test(test_rate_window),
		cmocka_unit_test(test_config_safe),
		cmocka_unit_test(test_signal_identity),
		cmocka_unit_test(test_audit),
		cmocka_unit_test(test_runner_exec),
		cmocka_unit_test(test_runner_refusals),
		cmocka_unit_test(test_runner_unsafe),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_commands),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
