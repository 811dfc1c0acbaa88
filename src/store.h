/*
 * store.h -- the SQLite history store: series, compressed chunks, the
 * per-tick tail, events.
 *
 * One writer per file (the recorder or the live console) appends one
 * batch per tick and commits it in one transaction; any number of
 * readers (replay, export) read it, also while it is being written.
 * Points are buffered in memory per series as open chunks (src/codec.h)
 * and made durable every commit as one compact "tail" row; when a chunk
 * is full, every open chunk is sealed into the chunks table together and
 * the tail starts over.  docs/storage.md describes the file format.
 *
 * Errors: functions that can fail return -1 (or NULL) and leave a
 * message naming the file in err (when given) and in store_errmsg().
 * Bad input (a damaged file, corrupt chunks) never crashes.
 */
#ifndef MODELTOP_STORE_H
#define MODELTOP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/* PRAGMA application_id of a modeltop recording ("MTOP"). */
#define STORE_APPLICATION_ID	0x4d544f50
/* PRAGMA user_version written by this build (= the number of
 * migrations in store.c). */
#define STORE_SCHEMA_VERSION	3
/* Default sealing: every open chunk is sealed when one of them holds
 * this many points, or before a point would make the open chunks span
 * more than this much time. */
#define STORE_CHUNK_POINTS	120
#define STORE_CHUNK_SPAN_MS	(3600 * 1000)

struct store;

enum { STORE_READ = 0, STORE_WRITE = 1 };

/*
 * Open a recording.  STORE_WRITE creates the file and its parent
 * directories if needed, upgrades an older schema in one transaction,
 * recovers the tail a crash left, and takes an exclusive flock() on the
 * file so a second writer is refused ("PATH is being recorded by another
 * modeltop (pid N)").  STORE_READ opens read-only, works while a writer
 * is active and never modifies the file (if the directory is not
 * writable and the WAL index cannot be created, it falls back to an
 * immutable open that sees only checkpointed data).
 * Returns the handle (free with store_close) or NULL with a message in
 * err naming the file: "not a modeltop recording", "empty file, not a
 * modeltop recording", "was written by a newer modeltop (schema N, this
 * build reads up to M)", or strerror for an unreadable/unwritable path.
 */
struct store *store_open(const char *path, int mode, char *err, size_t errlen);
/* Writer: commit what is pending (the open chunks stay in the tail),
 * checkpoint, release the lock.  Reader: just close.  NULL is ok. */
void store_close(struct store *st);

/* The id of series (worker, metric, labels): the writer creates it when
 * new (labels may hold NUL bytes: labels_len counts them; labels may be
 * NULL when labels_len is 0); a reader only looks it up.  The strings
 * are copied.  -1 on error or, for a reader, when unknown. */
int64_t store_series(struct store *st, const char *worker, const char *metric,
    const char *labels, size_t labels_len);
/* Buffer one point of a series (writer).  Cheap: written at the next
 * store_commit.  Unknown series ids are dropped (and counted). */
void store_append(struct store *st, int64_t series_id, int64_t ts_ms, double v);
/* Buffer one event (writer); worker may be NULL, strings are copied. */
void store_event(struct store *st, int64_t ts_ms, const char *worker,
    const char *kind, const char *text);
/* Write everything buffered in one transaction: the tick's tail row,
 * chunks sealed on the way, events.  Returns 0, or -1 with a message
 * ("disk full writing PATH", "PATH: read-only, cannot write (...)", an
 * I/O error, "PATH was deleted or replaced while being recorded: ..."):
 * the database is rolled back and the batch stays buffered, so the next
 * commit retries it with the next batch.  On disk full it first
 * checkpoints (truncating the WAL may make room) and tries once more.
 * While commits fail the held points are bounded (store_set_hold_limit;
 * the oldest are dropped and counted); the first commit that succeeds
 * again adds a "store" event saying how long writing failed and what,
 * if anything, was dropped. */
int store_commit(struct store *st, char *err, size_t errlen);
/* Writer: whether statements may touch the file now; store_commit
 * checks it first, and whoever writes its own tables through store_db()
 * in the tick (incidents, audit) should too.  0 when fine; -1 with the
 * message when the file was deleted or replaced under the writer, or a
 * file of the recording is immutable or append-only (chattr +i/+a: a
 * store into the mapped WAL index would be killed by SIGBUS).  A
 * failure counts as a failed commit: the batch is held (bounded). */
int store_check(struct store *st, char *err, size_t errlen);
/* Writer: 1 when the file at the path is no longer the one open (it was
 * deleted or replaced under the writer): a permanent failure, every
 * commit fails from then on.  0 otherwise. */
int store_gone(const struct store *st);
/* Writer: the points buffered and not yet committed (held after failed
 * commits).  *since_ms (may be NULL): when commits began to fail, 0 when
 * the last one succeeded; *lost (may be NULL): points dropped from the
 * hold since then. */
size_t store_held(const struct store *st, int64_t *since_ms, uint64_t *lost);
/* Writer: hold at most this many points while commits fail (default
 * 2097152, about 48 MB).  Tests use small limits. */
void store_set_hold_limit(struct store *st, size_t points);
/* Writer: delete sealed chunks and events older than max_age_ms before
 * now_ms (0 = no age limit) and then, while the file is larger than
 * max_bytes (0 = no limit), the oldest chunks; give the space back with
 * incremental_vacuum and a checkpoint.  Cheap when nothing is due.
 * Returns the number of chunks deleted, or -1 with a message. */
int store_retention(struct store *st, int64_t now_ms, int64_t max_age_ms,
    uint64_t max_bytes, char *err, size_t errlen);
/* Writer: PRAGMA wal_checkpoint(TRUNCATE).  0 ok, -1 (busy, error). */
int store_checkpoint(struct store *st);

/* Reading (reader or writer).  Reads see what was committed up to the
 * last store_open/store_refresh (a writer: everything it committed),
 * sealed chunks and the open tail alike, each point once.  Callbacks
 * get strings valid only during the call and return nonzero to stop;
 * the functions return 0 when done, 1 when a callback stopped them, -1
 * on a database error (store_errmsg says which).  Corrupt chunks are
 * skipped and counted (store_bad_chunks). */
struct store_series_info {
	int64_t		 id;
	const char	*worker, *metric, *labels;
	size_t		 labels_len;
};
typedef int (*store_series_fn)(void *ctx, const struct store_series_info *s);
typedef int (*store_point_fn)(void *ctx, int64_t series_id, int64_t ts_ms, double v);
struct store_event_info {
	int64_t		 id, ts_ms;
	const char	*worker, *kind, *text;	/* worker may be NULL */
};
typedef int (*store_event_fn)(void *ctx, const struct store_event_info *e);

/* Every series, optionally only one worker's and/or one metric's, by id. */
int store_series_each(struct store *st, const char *worker_or_null,
    const char *metric_or_null, store_series_fn fn, void *ctx);
/* Points of one series with from_ms <= ts <= to_ms, in the order they
 * were appended (ascending time unless the wall clock stepped back). */
int store_read(struct store *st, int64_t series_id, int64_t from_ms,
    int64_t to_ms, store_point_fn fn, void *ctx);
/* Points of every series in [from_ms, to_ms]; each series' points in
 * append order, series interleaved. */
int store_read_window(struct store *st, int64_t from_ms, int64_t to_ms,
    store_point_fn fn, void *ctx);
/* Events with from_ms <= ts <= to_ms by time. */
int store_events_each(struct store *st, int64_t from_ms, int64_t to_ms,
    store_event_fn fn, void *ctx);
/* Time of the first and last point: 0, or 1 when there is none. */
int store_span(struct store *st, int64_t *first_ms, int64_t *last_ms);
/* Where the next point of a series after after_ms may lie: a lower bound
 * in *next_ms, no point of the series lies in (after_ms, *next_ms).  It
 * is after_ms + 1 when a seal (they hold every series) reaches past
 * after_ms from at or before it.  0, 1 when nothing lies after after_ms,
 * -1 on a read error.  Lets a reader step over hours with nothing in
 * them at once. */
int store_next_time(struct store *st, int64_t series_id, int64_t after_ms,
    int64_t *next_ms);
/* Reader: pick up what a live writer committed since open or the last
 * refresh (new series, new tail rows, newly sealed chunks).  0 or -1.
 * A writer has nothing to do. */
int store_refresh(struct store *st);

/* The path given to store_open. */
const char *store_path(const struct store *st);
/* The connection, for modules that keep their own tables (added as
 * migrations in store.c).  Owned by the store. */
sqlite3 *store_db(struct store *st);
/* 1 when the table exists in this file (a reader of an older file may
 * lack newer tables), else 0. */
int store_has_table(struct store *st, const char *name);
/* PRAGMA integrity_check: 0 when "ok", else -1 with its first line. */
int store_integrity_check(struct store *st, char *err, size_t errlen);
/* The message of the last failure. */
const char *store_errmsg(const struct store *st);
/* Chunks (and tail rows) skipped as corrupt so far. */
uint64_t store_bad_chunks(const struct store *st);
/* Override the sealing thresholds (tests, benchmarks): points per chunk
 * (>= 2) and the time span of the open chunks (>= 1000 ms). */
void store_set_chunk_limits(struct store *st, unsigned points, int64_t span_ms);
/* The SQL of migration step v (1..STORE_SCHEMA_VERSION), which turns a
 * schema v-1 file into a schema v one; NULL out of range. */
const char *store_migration_sql(int v);

#endif
