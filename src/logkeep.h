/*
 * logkeep.h -- the newest lines of a log, kept compactly: short texts
 * back to back in blocks of LOGKEEP_BLOCK bytes, a long one (more than a
 * quarter of a block) in a block of its own size, and a ring of 16-byte
 * records (time, where the text is, its length, a 16-bit tag for the
 * caller).  A block of short texts is sealed when it is full: compressed
 * with raw deflate (log text shrinks about 5x), or kept as it is when
 * that does not make it smaller.  A block goes when its last line is
 * dropped.
 *
 * A text read from a sealed block is inflated into one decode buffer
 * shared by every logkeep, so a text given out is valid only until the
 * next logkeep_add, logkeep_drop, logkeep_get or logkeep_free on any
 * logkeep; a line is named across calls by its number (seq).  The codec
 * state is the process's own, made on first use: one thread only.
 */
#ifndef MODELTOP_LOGKEEP_H
#define MODELTOP_LOGKEEP_H

#include <stddef.h>
#include <stdint.h>

#define LOGKEEP_BLOCK		2048	/* bytes of short texts per block */
#define LOGKEEP_TEXT_MAX	UINT16_MAX	/* bytes kept of a line */

struct logkeep_rec;

struct logkeep {
	size_t		 max;		/* lines kept at most */
	struct logkeep_rec *rec;	/* a ring of cap records */
	size_t		 cap, head, n;	/* the oldest is rec[head] */
	char		**blk;		/* blocks by slot, NULL: a free slot */
	uint32_t	*live;		/* lines kept in each slot's block */
	uint16_t	*zlen;		/* a sealed block's deflate bytes,
					   after its 8-byte id; 0: raw */
	size_t		 nslot, slotcap;
	size_t		 blkbytes;	/* in blocks now */
	size_t		 open;		/* the slot short texts go to,
					   (size_t)-1 none */
	size_t		 used;		/* bytes used in it */
	uint64_t	 added;		/* lines ever added */
	uint64_t	 gen;		/* see logkeep_gen */
};

/* A kept line, as logkeep_get gives it. */
struct logkeep_line {
	int64_t		 ts_ms;
	const char	*text;		/* len bytes, then a NUL */
	size_t		 len;
	unsigned	 tag;
	uint64_t	 seq;		/* lines added before this one */
};

/* Set up lk to keep at most max lines (at least 1).  Allocates nothing
 * until the first line; never fails. */
void logkeep_init(struct logkeep *lk, size_t max);

/* Free everything lk holds; it is then empty, set up as before, and
 * numbers the lines it is given next after the last one it had. */
void logkeep_free(struct logkeep *lk);

/* Keep a copy of the len bytes at text (cut at LOGKEEP_TEXT_MAX) with
 * its time and tag (16 bits), numbered one above the line added before
 * it; when max lines are kept already the oldest goes first.  Seals the
 * open block when it is full.  Out of memory is fatal. */
void logkeep_add(struct logkeep *lk, const char *text, size_t len,
    int64_t ts_ms, unsigned tag);

/* Drop the k oldest lines (all of them when k >= the count). */
void logkeep_drop(struct logkeep *lk, size_t k);

/* The number of lines kept. */
size_t logkeep_count(const struct logkeep *lk);

/* Line i (0: the oldest) in *out, i below the count.  The text belongs
 * to lk or to the shared decode buffer and is valid until the next
 * logkeep_add, logkeep_drop, logkeep_get or logkeep_free on any logkeep.
 * A sealed block that does not inflate (corrupt) gives its lines as
 * empty texts (len 0), never a crash. */
void logkeep_get(const struct logkeep *lk, size_t i,
    struct logkeep_line *out);

/* Change line i's tag (16 bits).  i must be below the count. */
void logkeep_set_tag(struct logkeep *lk, size_t i, unsigned tag);

/* A number that changes whenever a line of lk is added, dropped or
 * retagged, and is never the same for two logkeeps (0: never changed):
 * what was read of lk holds while it stays the same. */
uint64_t logkeep_gen(const struct logkeep *lk);

/* Bytes lk asks of the heap now: records, blocks (the long texts' at
 * their size, the sealed ones' compressed), the slot tables.  Not the
 * codec state and decode buffer the process shares (~28 KB). */
size_t logkeep_bytes(const struct logkeep *lk);

#endif
