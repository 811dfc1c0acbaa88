/*
 * audit.h -- the audit trail of recovery actions: one row per attempt in
 * the store's actions table (schema 3, docs/storage.md), and the helpers
 * that say who asked and what exactly ran.
 *
 * The trail is written as soon as an attempt is judged, in its own
 * autocommit statement: never inside the tick's transaction, so a crash
 * of the recorder cannot lose an action that already happened.
 */
#ifndef MODELTOP_AUDIT_H
#define MODELTOP_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <sqlite3.h>

struct buf;
struct store;

/* How an attempt turned out. */
enum verdict {
	VERDICT_PENDING,	/* not judged yet */
	VERDICT_EFFECTIVE,	/* verify improved as expected */
	VERDICT_PARTLY,		/* improved, by less than expected */
	VERDICT_NO_EFFECT,	/* ran, but verify did not improve */
	VERDICT_FAILED,		/* the action itself failed or was refused */
	VERDICT_UNVERIFIED,	/* ran, but verify could not be read */
	VERDICT_DONE		/* ran; the action has no verify metric */
};

/* "effective", "partly", "no effect", "failed", "unverified", "done",
 * "pending".  A static string. */
const char *audit_verdict_name(enum verdict v);

/*
 * One attempt, as written to the actions table.  Strings are borrowed
 * (may be NULL where the column allows NULL); doubles are NAN when
 * unknown; pid 0 and incident_id -1 mean none; has_status says whether
 * status holds an exit status, an HTTP status or a signal number.
 */
struct audit_record {
	int64_t		 id;		/* set by audit_insert */
	int64_t		 ts_ms;		/* when the attempt started */
	const char	*worker;
	pid_t		 pid;
	const char	*action;
	const char	*kind;		/* "signal", "exec", "http_post", "none" */
	const char	*who;
	const char	*target;	/* "SIGUSR1", argv as JSON, the URL */
	const char	*result;	/* "SIGUSR1 delivered (pidfd)", ... */
	int		 has_status;
	int		 status;
	const char	*output;	/* first KB of output, NULL none */
	const char	*metric;	/* the verify metric, NULL none */
	double		 before, after;
	enum verdict	 verdict;
	const char	*summary;	/* the one line for people */
	int64_t		 incident_id;
	const char	*job;		/* "act", "trim", "recover step 1/2",
					   "policy RULE" */
	int64_t		 duration_ms;
};

/* Set r to "nothing known": zeroes, NAN before/after, incident_id -1. */
void audit_record_init(struct audit_record *r);

/*
 * Insert r into the actions table of db (a connection of a store opened
 * for writing, or any database with that table) and set r->id.  Returns
 * 0, or -1 with sqlite's message in err ("no such table: actions" on an
 * old read-only recording; "database is locked" ...).  NULL strings in
 * NOT NULL columns are written as "".
 */
int audit_insert(sqlite3 *db, struct audit_record *r, char *err,
    size_t errlen);

/* audit_insert into a store (store_db(st)), prefixing a failure's
 * message with the store's path. */
int audit_store(struct store *st, struct audit_record *r, char *err,
    size_t errlen);

/*
 * Append r as one line for a log or stderr to b: "audit: TIME WORKER
 * pid N ACTION (KIND) by WHO: TARGET -> RESULT; VERDICT: SUMMARY".  Used
 * when the trail cannot be written (the recorder holds the database).
 */
void audit_format(const struct audit_record *r, struct buf *b);

/* argv[0..argc) as a JSON array of strings (control characters and
 * non-UTF-8 bytes escaped as \uXXXX), in a new string the caller frees. */
char *audit_json_argv(char *const *argv, size_t argc);

/*
 * Who is asking, for a command run from a shell: "USER on /dev/pts/3"
 * when standard input is a terminal, "USER (no tty)" otherwise (USER is
 * the login name of the real uid, or "uid N").  Written into buf.
 */
void audit_who_cli(char *buf, size_t len);

#endif
