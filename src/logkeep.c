/*
 * logkeep.c -- kept log lines: texts in blocks, records in a ring.
 *
 * A block sits in a slot of blk[] and counts the kept lines whose text
 * it holds (live[]); a record names its text in 32 bits, the slot above
 * the offset in the block.  Short texts fill the open block in turn; a
 * long one gets a block of its own, so it neither leaves the rest of a
 * block unused nor cuts the open one short.  Dropping a line decrements
 * its block's count, and a block that no kept line uses any more (and is
 * not the open one) is freed then: blocks go in the order their lines
 * do, give or take a long line.
 */
#include "logkeep.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define OFF_BITS	11	/* an offset in a block of LOGKEEP_BLOCK */
#define OFF_MASK	((1u << OFF_BITS) - 1)
/* A text of more than this (with its NUL) has a block of its own. */
#define LONG_TEXT	(LOGKEEP_BLOCK / 4)
/* Lines kept at most: their slots must fit above OFF_BITS. */
#define MAX_LINES	(1u << 20)
#define NO_SLOT		((size_t)-1)

_Static_assert(1u << OFF_BITS == LOGKEEP_BLOCK, "OFF_BITS");

struct logkeep_rec {
	int64_t		 ts_ms;
	uint32_t	 pos;		/* slot << OFF_BITS | offset */
	uint16_t	 len;
	uint16_t	 tag;
};

/* The size of the block a text of len bytes went to. */
static size_t
block_size(size_t len)
{
	return len + 1 > LONG_TEXT ? len + 1 : LOGKEEP_BLOCK;
}

void
logkeep_init(struct logkeep *lk, size_t max)
{
	memset(lk, 0, sizeof *lk);
	if (max < 1)
		max = 1;
	if (max > MAX_LINES)
		max = MAX_LINES;
	lk->max = max;
	lk->open = NO_SLOT;
}

void
logkeep_free(struct logkeep *lk)
{
	size_t max = lk->max, s;
	uint64_t added = lk->added;

	for (s = 0; s < lk->nslot; s++)
		free(lk->blk[s]);
	free(lk->blk);
	free(lk->live);
	free(lk->rec);
	logkeep_init(lk, max);
	lk->added = added;
}

static struct logkeep_rec *
rec_at(const struct logkeep *lk, size_t i)
{
	return &lk->rec[(lk->head + i) % lk->cap];
}

/* A new block of size bytes, in the first free slot. */
static size_t
slot_new(struct logkeep *lk, size_t size)
{
	size_t s, cap;

	for (s = 0; s < lk->nslot && lk->blk[s] != NULL; s++)
		;
	if (s == lk->nslot) {
		cap = lk->slotcap;
		lk->blk = xgrow(lk->blk, &lk->slotcap, s + 1, sizeof *lk->blk);
		if (lk->slotcap != cap)
			lk->live = xrealloc(lk->live, lk->slotcap *
			    sizeof *lk->live);
		lk->nslot++;
	}
	lk->blk[s] = xmalloc(size);
	lk->live[s] = 0;
	lk->blkbytes += size;
	return s;
}

static void
slot_free(struct logkeep *lk, size_t s, size_t size)
{
	free(lk->blk[s]);
	lk->blk[s] = NULL;
	lk->blkbytes -= size;
	while (lk->nslot > 0 && lk->blk[lk->nslot - 1] == NULL)
		lk->nslot--;
}

void
logkeep_drop(struct logkeep *lk, size_t k)
{
	const struct logkeep_rec *r;
	size_t s;

	if (k > lk->n)
		k = lk->n;
	while (k-- > 0) {
		r = rec_at(lk, 0);
		s = r->pos >> OFF_BITS;
		if (--lk->live[s] == 0 && s != lk->open)
			slot_free(lk, s, block_size(r->len));
		lk->head = (lk->head + 1) % lk->cap;
		lk->n--;
	}
	if (lk->n == 0 && lk->open != NO_SLOT) {
		slot_free(lk, lk->open, LOGKEEP_BLOCK);
		lk->open = NO_SLOT;
		lk->head = 0;
	}
}

/* Room for one more record: the ring doubles up to max, oldest first. */
static void
grow_records(struct logkeep *lk)
{
	struct logkeep_rec *rec;
	size_t cap, i;

	cap = lk->cap == 0 ? 16 : lk->cap * 2;
	if (cap > lk->max)
		cap = lk->max;
	rec = xcalloc(cap, sizeof *rec);
	for (i = 0; i < lk->n; i++)
		rec[i] = *rec_at(lk, i);
	free(lk->rec);
	lk->rec = rec;
	lk->cap = cap;
	lk->head = 0;
}

void
logkeep_add(struct logkeep *lk, const char *text, size_t len,
    int64_t ts_ms, unsigned tag)
{
	struct logkeep_rec *r;
	size_t s, off = 0;
	char *dst;

	if (len > LOGKEEP_TEXT_MAX)
		len = LOGKEEP_TEXT_MAX;
	if (lk->n == lk->max)
		logkeep_drop(lk, 1);
	if (len + 1 > LONG_TEXT)
		s = slot_new(lk, len + 1);
	else {
		if (lk->open != NO_SLOT && lk->used + len + 1 > LOGKEEP_BLOCK) {
			/* full: it goes with its last line */
			if (lk->live[lk->open] == 0)
				slot_free(lk, lk->open, LOGKEEP_BLOCK);
			lk->open = NO_SLOT;
		}
		if (lk->open == NO_SLOT) {
			lk->open = slot_new(lk, LOGKEEP_BLOCK);
			lk->used = 0;
		}
		s = lk->open;
		off = lk->used;
		lk->used += len + 1;
	}
	if (lk->n == lk->cap)
		grow_records(lk);
	r = &lk->rec[(lk->head + lk->n) % lk->cap];
	r->ts_ms = ts_ms;
	r->pos = (uint32_t)(s << OFF_BITS | off);
	r->len = (uint16_t)len;
	r->tag = (uint16_t)tag;
	dst = lk->blk[s] + off;
	memcpy(dst, text, len);
	dst[len] = '\0';
	lk->live[s]++;
	lk->n++;
	lk->added++;
}

size_t
logkeep_count(const struct logkeep *lk)
{
	return lk->n;
}

void
logkeep_get(const struct logkeep *lk, size_t i, struct logkeep_line *out)
{
	const struct logkeep_rec *r = rec_at(lk, i);

	out->ts_ms = r->ts_ms;
	out->text = lk->blk[r->pos >> OFF_BITS] + (r->pos & OFF_MASK);
	out->len = r->len;
	out->tag = r->tag;
	out->seq = lk->added - lk->n + i;
}

void
logkeep_set_tag(struct logkeep *lk, size_t i, unsigned tag)
{
	rec_at(lk, i)->tag = (uint16_t)tag;
}

size_t
logkeep_bytes(const struct logkeep *lk)
{
	return lk->cap * sizeof *lk->rec + lk->blkbytes +
	    lk->slotcap * (sizeof *lk->blk + sizeof *lk->live);
}
