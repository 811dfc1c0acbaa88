/*
 * logtail.h -- follow a log file like "tail -F", without ever blocking.
 *
 * A tailer is polled: each call reads what was appended since the last
 * one (a bounded number of bytes), splits it into lines and hands each
 * to a callback.  It survives the file not existing yet, rename rotation
 * (the old file is read to its end through the open descriptor before
 * the new one is taken), copytruncate (the file shrinks below our
 * offset: read again from the start), deletion (wait for a new file) and
 * a path that is a directory or cannot be read (a status, never a
 * crash).  Bytes are passed through as they are: lines need not be
 * UTF-8 and may contain NUL bytes (the length is what counts).
 *
 * Memory per tailer is bounded: a fixed read buffer plus one partial
 * line of at most LOGTAIL_LINE_MAX bytes.
 */
#ifndef MODELTOP_LOGTAIL_H
#define MODELTOP_LOGTAIL_H

#include <stddef.h>
#include <stdint.h>

/* A line longer than this is cut: each LOGTAIL_LINE_MAX bytes are
 * reported as one line. */
#define LOGTAIL_LINE_MAX	(64 * 1024)
/* How long an unterminated last line is held for its newline before it
 * is reported as it is (logtail_set_partial_wait changes it). */
#define LOGTAIL_PARTIAL_WAIT_MS	2000
/* The byte budget of one logtail_poll when max_bytes is 0. */
#define LOGTAIL_DEFAULT_MAX	(1024 * 1024)

struct logtail;

/*
 * Start following path (copied).  Never fails: a missing file is waited
 * for, an unreadable one retried at every poll.  A file that exists and
 * can be opened now is followed from its END (what it already holds is
 * not reported, like tail -F; a last line still being written when we
 * start is skipped up to its newline).  A file that appears later, or
 * that replaces the current one, is read from its beginning.  Free with
 * logtail_free.
 */
struct logtail *logtail_open(const char *path);

/* As logtail_open, but an existing file is read from its beginning. */
struct logtail *logtail_open_from_start(const char *path);

/* Close the file, give up t's inotify watches and free t (NULL is
 * fine).  A partial line still held is dropped. */
void logtail_free(struct logtail *t);

/*
 * The inotify descriptor every tailer of the process shares (one
 * instance: the kernel allows a user only 128): it becomes readable
 * (POLLIN) when a followed file or its directory changes, for a caller's
 * poll set; -1 when inotify is not available.  It stays the same while
 * any tailer lives.  It is only a wake-up: nothing depends on inotify
 * for correctness, and logtail_poll must be called every tick regardless.
 */
int logtail_fd(struct logtail *t);

/*
 * Read the shared inotify once for every tailer.  A caller that polls
 * many tailers each tick calls this first: the polls that follow then
 * use what it read instead of reading it once each.  A poll with no
 * logtail_drain since its tailer's last poll reads it itself, so a
 * caller that never drains loses nothing; an event that arrives after a
 * drain is seen at the next one.
 */
void logtail_drain(void);

/* Called once per line: line points at len bytes followed by a NUL (the
 * line may contain other NULs; its newline and a '\r' before it are not
 * included); offset is where the line starts in its file.  Valid only
 * during the call. */
typedef void (*logtail_line_fn)(void *ctx, const char *line, size_t len,
    int64_t offset);

/*
 * Read at most max_bytes (0 means LOGTAIL_DEFAULT_MAX) of what was
 * appended since the last call, and call fn for each complete line; the
 * rest comes on the next call, so one burst cannot stall a tick.  A
 * partial last line is held until its newline arrives, until it has
 * waited LOGTAIL_PARTIAL_WAIT_MS, or until it reaches LOGTAIL_LINE_MAX
 * bytes, and is then reported as a line.  Rotation, truncation,
 * deletion and reappearance are handled here (see the file comment) and
 * recorded as events (logtail_take_event).  Returns the number of lines
 * reported (0 while waiting for a missing file), or -1 when the path
 * cannot be read (a directory, permission denied, an I/O error), with
 * logtail_status() saying why.
 */
int logtail_poll(struct logtail *t, logtail_line_fn fn, void *ctx,
    size_t max_bytes);

/*
 * The tailer's condition after the last poll, a string owned by t valid
 * until the next call on t: "waiting for FILE", "FILE rotated", "FILE
 * truncated", "FILE: permission denied", "FILE: is a directory", "FILE:
 * not a regular file", "FILE: <error text>"; or NULL when all is well.
 * "rotated" and "truncated" last for the one poll that saw them.
 */
const char *logtail_status(const struct logtail *t);

/*
 * Take the oldest notable change not yet taken: copies a one-line
 * message ("FILE rotated", "FILE truncated, reading again from the
 * start", "FILE disappeared, waiting for it", "FILE appeared", "FILE:
 * permission denied", "FILE readable again") into buf (len bytes,
 * truncated to fit) and returns 1; returns 0 when there is none.  At
 * most 8 are kept; older ones are dropped first.
 */
int logtail_take_event(struct logtail *t, char *buf, size_t len);

/* The path being followed, owned by t. */
const char *logtail_path(const struct logtail *t);

/* Change how long a partial last line waits for its newline (ms, >= 0;
 * 0 reports it at the next poll).  For tests and the engine. */
void logtail_set_partial_wait(struct logtail *t, int64_t ms);

#endif
