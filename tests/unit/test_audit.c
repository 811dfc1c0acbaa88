/*
 * test_audit.c -- the audit trail while the recording cannot be written:
 * audit_store() checks the file first (store_check), so an immutable
 * recording (chattr +i) is an error, not SIGBUS, and a deleted one is an
 * error, not a row lost with the file; the action runner then reports
 * the row as an engine event, which the store holds and writes with the
 * first commit that succeeds.  The chattr cases need root (CI) and a
 * file system with the flag (ext4 /tmp); they are skipped otherwise.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

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
#include "config.h"
#include "console.h"
#include "engine.h"
#include "store.h"
#include "util.h"

static char tmpdir[] = "/tmp/test_audit.XXXXXX";

/* The command table names the console's replay: this brings the
 * console's code in while the UI library is searched (as test_actions). */
void *const test_audit_links_console = (void *)console_run;

static char *
path_in(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

/* chattr +i / -i on the recording's three files; 0 when it worked. */
static int
immutable(const char *db, int on)
{
	char *cmd = xasprintf("chattr %ci '%s' '%s-wal' '%s-shm' 2>/dev/null",
	    on ? '+' : '-', db, db, db);
	int rc = system(cmd);

	free(cmd);
	return rc == 0 ? 0 : -1;
}

static int
setup(void **state)
{
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	/* an assertion may have ended a test with the flag still set */
	char *cmd = xasprintf("chattr -R -i '%s' 2>/dev/null; rm -rf '%s'",
	    tmpdir, tmpdir);
	int rc = system(cmd);

	free(cmd);
	return rc == 0 ? 0 : -1;
}

static void
record_fill(struct audit_record *r, const char *summary)
{
	audit_record_init(r);
	r->ts_ms = 1700000000000;
	r->worker = "w";
	r->pid = 42;
	r->action = "trim";
	r->kind = "signal";
	r->who = "tester";
	r->target = "SIGUSR1";
	r->result = "SIGUSR1 delivered (pidfd)";
	r->verdict = VERDICT_DONE;
	r->summary = summary;
	r->job = "trim";
}

static int
count(struct store *st, const char *sql)
{
	sqlite3_stmt *q;
	int n;

	assert_int_equal(sqlite3_prepare_v2(store_db(st), sql, -1, &q, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	n = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return n;
}

/* A writer with its -wal and -shm in place (a tick committed). */
static struct store *
writer(const char *db)
{
	char err[512];
	struct store *st;
	int64_t id;

	unlink(db);
	st = store_open(db, STORE_WRITE, err, sizeof err);
	assert_non_null(st);
	id = store_series(st, "w", "up", NULL, 0);
	assert_true(id >= 0);
	store_append(st, id, 1700000000000, 1);
	assert_int_equal(store_commit(st, err, sizeof err), 0);
	return st;
}

static void
test_audit_store_deleted(void **state)
{
	char *db = path_in("deleted.db"), err[1024], *want;
	struct audit_record r;
	struct store *st = writer(db);

	record_fill(&r, "first");
	assert_int_equal(audit_store(st, &r, err, sizeof err), 0);
	assert_int_equal(r.id, 1);

	assert_int_equal(unlink(db), 0);
	record_fill(&r, "second");
	r.id = 0;
	assert_int_equal(audit_store(st, &r, err, sizeof err), -1);
	want = xasprintf("%s: audit row not written: %s was deleted or "
	    "replaced while being recorded", db, db);
	assert_memory_equal(err, want, strlen(want));
	free(want);
	assert_int_equal(r.id, 0);
	/* nothing went into the deleted file either */
	assert_int_equal(count(st, "SELECT count(*) FROM actions"), 1);
	store_close(st);
	free(db);
}

static void
test_audit_store_immutable(void **state)
{
	char *db = path_in("immutable.db"), err[1024], *want;
	struct audit_record r;
	struct store *st = writer(db);

	record_fill(&r, "before");
	assert_int_equal(audit_store(st, &r, err, sizeof err), 0);
	if (immutable(db, 1) != 0) {
		store_close(st);
		free(db);
		skip();	/* not root, or no chattr on this file system */
	}
	/* before the fix this insert stored into the mapped -shm: SIGBUS */
	record_fill(&r, "while immutable");
	r.id = 0;
	assert_int_equal(audit_store(st, &r, err, sizeof err), -1);
	want = xasprintf("%s: audit row not written: read-only, cannot write "
	    "(the file is immutable: chattr +i)", db);
	assert_string_equal(err, want);
	free(want);
	assert_int_equal(r.id, 0);

	assert_int_equal(immutable(db, 0), 0);
	record_fill(&r, "after");
	assert_int_equal(audit_store(st, &r, err, sizeof err), 0);
	assert_int_equal(r.id, 2);
	assert_int_equal(count(st, "SELECT count(*) FROM actions WHERE "
	    "summary IN ('before', 'after')"), 2);
	store_close(st);

	st = store_open(db, STORE_READ, err, sizeof err);
	assert_non_null(st);
	assert_int_equal(store_integrity_check(st, err, sizeof err), 0);
	store_close(st);
	free(db);
}

/* ------------------------------------------------------------------ */
/* through the action runner: the row that cannot be written is reported */

struct fixture {
	struct config	 cfg;
	struct engine	*eng;
	struct actions	*acts;
	pid_t		 worker;
	char		*db, *cfgpath;
	int		 records, stored;
	char		 summary[600];
};

static void
on_record(void *arg, const struct audit_record *r, int stored)
{
	struct fixture *fx = arg;

	fx->records++;
	fx->stored = stored;
	util_strlcpy(fx->summary, r->summary, sizeof fx->summary);
}

static pid_t
spawn_pause(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	return pid;
}

static void
fixture_open(struct fixture *fx, const char *name)
{
	struct cfg_errors errs = {0};
	struct engine_opts eo;
	char *text, err[512];
	FILE *f;
	int i;

	memset(fx, 0, sizeof *fx);
	fx->worker = spawn_pause();
	fx->db = path_in(name);
	unlink(fx->db);
	fx->cfgpath = path_in("fleet.ini");
	text = xasprintf("[modeltop]\ninterval = 100ms\n"
	    "[worker w]\npid = %d\n"
	    "[action cont]\nsignal = CONT\n", (int)fx->worker);
	f = fopen(fx->cfgpath, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(text);
	assert_int_equal(chmod(fx->cfgpath, 0600), 0);
	if (config_load(fx->cfgpath, &fx->cfg, &errs) != 0)
		cfg_errors_print(&errs, stderr);
	assert_int_equal(errs.n, 0);
	cfg_errors_free(&errs);
	memset(&eo, 0, sizeof eo);
	eo.only_uid = (uid_t)-1;
	eo.db = fx->db;
	fx->eng = engine_new(&fx->cfg, &eo, err, sizeof err);
	if (fx->eng == NULL)
		print_error("engine_new: %s\n", err);
	assert_non_null(fx->eng);
	fx->acts = actions_of(fx->eng);
	assert_non_null(fx->acts);
	actions_set_record_hook(fx->acts, on_record, fx);
	for (i = 0; i < 3; i++)
		engine_tick(fx->eng);
	assert_int_equal(engine_commit(fx->eng, err, sizeof err), 0);
}

static void
fixture_close(struct fixture *fx)
{
	engine_free(fx->eng, NULL, 0);
	config_free(&fx->cfg);
	kill(fx->worker, SIGKILL);
	waitpid(fx->worker, NULL, 0);
	free(fx->db);
	free(fx->cfgpath);
}

/* Run action cont on w to its end; the job's status line in line. */
static void
run_cont(struct fixture *fx, char *line, size_t len)
{
	struct action_request rq;
	struct action_job_status js;
	struct pollfd fds[64];
	int64_t id, end = util_mono_ms() + 5000;
	char err[512];
	int n, timeout;

	memset(&rq, 0, sizeof rq);
	rq.worker = "w";
	rq.action = "cont";
	rq.who = "tester";
	id = actions_start(fx->acts, &rq, err, sizeof err);
	if (id < 0)
		print_error("actions_start: %s\n", err);
	assert_true(id > 0);
	for (;;) {
		assert_int_equal(actions_job(fx->acts, id, &js), 0);
		if (js.done)
			break;
		assert_true(util_mono_ms() < end);
		timeout = 100;
		n = engine_pollfds(fx->eng, fds, 64, &timeout);
		poll(fds, (nfds_t)n, timeout);
		engine_dispatch(fx->eng, fds, n);
	}
	util_strlcpy(line, js.line, len);
}

/* The newest engine event of kind whose text has needle, or NULL. */
static const char *
find_event(struct engine *eng, const char *kind, const char *needle)
{
	size_t i;

	for (i = engine_event_count(eng); i > 0; i--) {
		const struct engine_event *ev = engine_event_at(eng, i - 1);

		if (strcmp(ev->kind, kind) == 0 &&
		    strstr(ev->text, needle) != NULL)
			return ev->text;
	}
	return NULL;
}

static void
test_audit_reported_deleted(void **state)
{
	struct fixture fx;
	const char *ev;
	char line[600];

	fixture_open(&fx, "act-deleted.db");
	assert_int_equal(unlink(fx.db), 0);
	run_cont(&fx, line, sizeof line);

	/* the outcome still reaches the status line ... */
	assert_string_equal(line, "cont: SIGCONT delivered (pidfd), done");
	assert_int_equal(fx.records, 1);
	assert_int_equal(fx.stored, 0);
	/* ... and the event log, with the outcome and saying the row was
	 * not written */
	assert_non_null(find_event(fx.eng, ACTIONS_EVENT,
	    "cont: SIGCONT delivered (pidfd), done (by tester)"));
	ev = find_event(fx.eng, ACTIONS_EVENT, ": audit row not written: ");
	assert_non_null(ev);
	assert_non_null(strstr(ev, "was deleted or replaced"));
	assert_non_null(strstr(ev, "audit: "));
	assert_non_null(strstr(ev, " w pid "));
	assert_non_null(strstr(ev, " cont (signal) by tester: SIGCONT -> "));
	fixture_close(&fx);
}

static void
test_audit_reported_immutable(void **state)
{
	struct fixture fx;
	struct store *st;
	const char *ev;
	char line[600], err[512], *sql;
	int n;

	fixture_open(&fx, "act-immutable.db");
	if (immutable(fx.db, 1) != 0) {
		fixture_close(&fx);
		skip();
	}
	run_cont(&fx, line, sizeof line);
	assert_string_equal(line, "cont: SIGCONT delivered (pidfd), done");
	assert_int_equal(fx.records, 1);
	assert_int_equal(fx.stored, 0);
	ev = find_event(fx.eng, ACTIONS_EVENT, ": audit row not written: ");
	assert_non_null(ev);
	assert_non_null(strstr(ev, "audit row not written: read-only, cannot "
	    "write (the file is immutable: chattr +i)"));
	assert_non_null(strstr(ev, " cont (signal) by tester: SIGCONT -> "));
	/* the tick's commit fails too; the event is held with the samples */
	engine_tick(fx.eng);
	assert_int_equal(engine_commit(fx.eng, err, sizeof err), -1);
	assert_true(store_held(engine_store(fx.eng), NULL, NULL) > 0);

	/* writable again: the held event is written with the next commit */
	assert_int_equal(immutable(fx.db, 0), 0);
	engine_tick(fx.eng);
	assert_int_equal(engine_commit(fx.eng, err, sizeof err), 0);
	st = engine_store(fx.eng);
	assert_int_equal(count(st, "SELECT count(*) FROM actions"), 0);
	sql = xasprintf("SELECT count(*) FROM events WHERE kind = '%s' AND "
	    "text LIKE '%%audit row not written%%' AND text LIKE "
	    "'%%audit: %% w pid %% cont (signal) by tester: SIGCONT -> %%'",
	    ACTIONS_EVENT);
	n = count(st, sql);
	free(sql);
	assert_int_equal(n, 1);
	fixture_close(&fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_audit_store_deleted),
		cmocka_unit_test(test_audit_store_immutable),
		cmocka_unit_test(test_audit_reported_deleted),
		cmocka_unit_test(test_audit_reported_immutable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
