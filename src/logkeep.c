/*
 * logkeep.c -- kept log lines: texts in blocks, records in a ring.
 *
 * A text has a 32-bit position: block k of blk[] holds the positions
 * first + k * LOGKEEP_BLOCK onwards, so a record names its block and the
 * offset in it in 4 bytes, and the arithmetic wraps cleanly at 2^32 (a
 * block size that divides 2^32, far fewer live bytes than that).  Lines
 * come and go in order, so the blocks do too: a new block when the
 * newest is too full for the next text, the oldest freed once no kept
 * line is in it.
 */
#include "logkeep.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Lines kept at most: their texts must span well under 2^32 bytes. */
#define LOGKEEP_MAX_LINES	(1u << 19)

struct logkeep_rec {
	int64_t		 ts_ms;
	uint32_t	 pos;		/* of the text */
	uint16_t	 len;
	uint16_t	 tag;
};

void
logkeep_init(struct logkeep *lk, size_t max)
{
	memset(lk, 0, sizeof *lk);
	if (max < 1)
		max = 1;
	if (max > LOGKEEP_MAX_LINES)
		max = LOGKEEP_MAX_LINES;
	lk->max = max;
}

static void
free_blocks(struct logkeep *lk, size_t k)
{
	size_t i;

	if (k == 0)
		return;
	for (i = 0; i < k; i++)
		free(lk->blk[i]);
	memmove(lk->blk, lk->blk + k, (lk->nblk - k) * sizeof *lk->blk);
	lk->nblk -= k;
	lk->first += (uint32_t)(k * LOGKEEP_BLOCK);
}

void
logkeep_free(struct logkeep *lk)
{
	size_t max = lk->max;

	free_blocks(lk, lk->nblk);
	free(lk->blk);
	free(lk->rec);
	logkeep_init(lk, max);
}

static struct logkeep_rec *
rec_at(const struct logkeep *lk, size_t i)
{
	return &lk->rec[(lk->head + i) % lk->cap];
}

void
logkeep_drop(struct logkeep *lk, size_t k)
{
	uint32_t oldest;

	if (k > lk->n)
		k = lk->n;
	if (k == 0)
		return;
	lk->head = (lk->head + k) % lk->cap;
	lk->n -= k;
	if (lk->n == 0) {
		free_blocks(lk, lk->nblk);
		lk->head = 0;
		lk->first = 0;
		lk->used = 0;
		return;
	}
	/* the blocks before the oldest kept text */
	oldest = rec_at(lk, 0)->pos;
	free_blocks(lk, (uint32_t)(oldest - lk->first) / LOGKEEP_BLOCK);
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
	char *dst;

	if (len > LOGKEEP_TEXT_MAX)
		len = LOGKEEP_TEXT_MAX;
	if (lk->n == lk->max)
		logkeep_drop(lk, 1);
	if (lk->nblk == 0 || lk->used + len + 1 > LOGKEEP_BLOCK) {
		lk->blk = xgrow(lk->blk, &lk->blkcap, lk->nblk + 1,
		    sizeof *lk->blk);
		lk->blk[lk->nblk++] = xmalloc(LOGKEEP_BLOCK);
		lk->used = 0;
	}
	if (lk->n == lk->cap)
		grow_records(lk);
	r = &lk->rec[(lk->head + lk->n) % lk->cap];
	r->ts_ms = ts_ms;
	r->pos = lk->first + (uint32_t)((lk->nblk - 1) * LOGKEEP_BLOCK +
	    lk->used);
	r->len = (uint16_t)len;
	r->tag = (uint16_t)tag;
	dst = lk->blk[lk->nblk - 1] + lk->used;
	memcpy(dst, text, len);
	dst[len] = '\0';
	lk->used += len + 1;
	lk->n++;
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
	uint32_t off = r->pos - lk->first;

	out->ts_ms = r->ts_ms;
	out->text = lk->blk[off / LOGKEEP_BLOCK] + off % LOGKEEP_BLOCK;
	out->len = r->len;
	out->tag = r->tag;
}

void
logkeep_set_tag(struct logkeep *lk, size_t i, unsigned tag)
{
	rec_at(lk, i)->tag = (uint16_t)tag;
}

size_t
logkeep_bytes(const struct logkeep *lk)
{
	return lk->cap * sizeof *lk->rec + lk->nblk * LOGKEEP_BLOCK +
	    lk->blkcap * sizeof *lk->blk;
}
