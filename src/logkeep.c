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
 *
 * When the open block is full and still has kept lines, it is sealed:
 * deflated (raw, a window of the whole block, a small hash) into an
 * allocation of its 8-byte id and the compressed bytes, zlen[] saying
 * how many.  The id, unique in the process, keys the one decode buffer,
 * so that reading a block's lines in turn inflates it once, and a slot
 * freed and used again (or another logkeep) never hits a stale copy.
 * One deflate and one inflate stream serve every logkeep, reset between
 * uses: their state (18 and 7 KB) is not made again for each block.
 */
#include "logkeep.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "util.h"

#define OFF_BITS	11	/* an offset in a block of LOGKEEP_BLOCK */
#define OFF_MASK	((1u << OFF_BITS) - 1)
/* A text of more than this (with its NUL) has a block of its own. */
#define LONG_TEXT	(LOGKEEP_BLOCK / 4)
/* Lines kept at most: their slots must fit above OFF_BITS. */
#define MAX_LINES	(1u << 20)
#define NO_SLOT		((size_t)-1)
/* A sealed block: its id, then its deflate bytes. */
#define ZHEAD		sizeof(uint64_t)
/* deflate's settings for a 2 KB block of log text, measured on the demo
 * fleet's logs: a window of the whole block (a traceback repeats lines
 * further back than 512 bytes) and a literal buffer of 512 symbols (at
 * memLevel 1, 128: a new Huffman table every few lines) give 5.2x in
 * 24 us a block, where 9 and 1 give 4.1x in 40 us; 18 KB of state, and
 * more (memLevel 8: 140 KB) gains under 1% */
#define Z_LEVEL		6
#define Z_WBITS		OFF_BITS	/* a window of LOGKEEP_BLOCK */
#define Z_MEMLEVEL	3

_Static_assert(1u << OFF_BITS == LOGKEEP_BLOCK, "OFF_BITS");
_Static_assert(LOGKEEP_BLOCK <= UINT16_MAX, "zlen");

struct logkeep_rec {
	int64_t		 ts_ms;
	uint32_t	 pos;		/* slot << OFF_BITS | offset */
	uint16_t	 len;
	uint16_t	 tag;
};

/* The codec, for every logkeep: made on first use, kept for the
 * process. */
static z_stream	zdef, zinf;
static int	zdef_ready, zinf_ready;
static uint64_t	next_id = 1;	/* 0: none */
static uint64_t	next_gen = 1;	/* logkeep_gen's, for every logkeep */

/* The last sealed block inflated: its id (0 none) and bytes. */
static struct {
	uint64_t	 id;
	size_t		 len;
	char		 buf[LOGKEEP_BLOCK];
} cache;

static voidpf
z_alloc(voidpf opaque, uInt items, uInt size)
{
	(void)opaque;
	return xcalloc(items, size);
}

static void
z_free(voidpf opaque, voidpf p)
{
	(void)opaque;
	free(p);
}

/* The size of slot s's block, one of whose lines is len bytes. */
static size_t
block_size(const struct logkeep *lk, size_t s, size_t len)
{
	if (lk->zlen[s] != 0)
		return ZHEAD + lk->zlen[s];
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
	free(lk->zlen);
	free(lk->rec);
	logkeep_init(lk, max);
	lk->added = added;
	lk->gen = next_gen++;
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
		if (lk->slotcap != cap) {
			lk->live = xrealloc(lk->live, lk->slotcap *
			    sizeof *lk->live);
			lk->zlen = xrealloc(lk->zlen, lk->slotcap *
			    sizeof *lk->zlen);
		}
		lk->nslot++;
	}
	lk->blk[s] = xmalloc(size);
	lk->live[s] = 0;
	lk->zlen[s] = 0;
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
	if (k > 0)
		lk->gen = next_gen++;
	while (k-- > 0) {
		r = rec_at(lk, 0);
		s = r->pos >> OFF_BITS;
		if (--lk->live[s] == 0 && s != lk->open)
			slot_free(lk, s, block_size(lk, s, r->len));
		lk->head = (lk->head + 1) % lk->cap;
		lk->n--;
	}
	if (lk->n == 0 && lk->open != NO_SLOT) {
		slot_free(lk, lk->open, LOGKEEP_BLOCK);
		lk->open = NO_SLOT;
		lk->head = 0;
	}
}

/* Seal the full block in slot s, used bytes of texts: deflated into an
 * allocation of its compressed size, or left as it is when deflate
 * fails or would not make it smaller. */
static void
seal(struct logkeep *lk, size_t s, size_t used)
{
	unsigned char out[LOGKEEP_BLOCK];
	uint64_t id;
	size_t n;
	char *z;

	if (!zdef_ready) {
		zdef.zalloc = z_alloc;
		zdef.zfree = z_free;
		if (deflateInit2(&zdef, Z_LEVEL, Z_DEFLATED, -Z_WBITS,
		    Z_MEMLEVEL, Z_DEFAULT_STRATEGY) != Z_OK)
			return;
		zdef_ready = 1;
	} else if (deflateReset(&zdef) != Z_OK)
		return;
	zdef.next_in = (unsigned char *)lk->blk[s];
	zdef.avail_in = (uInt)used;
	zdef.next_out = out;
	/* worth an inflate only if it saves something */
	zdef.avail_out = (uInt)(used - ZHEAD - 1);
	if (deflate(&zdef, Z_FINISH) != Z_STREAM_END)
		return;
	n = zdef.total_out;
	id = next_id++;
	z = xmalloc(ZHEAD + n);
	memcpy(z, &id, ZHEAD);
	memcpy(z + ZHEAD, out, n);
	free(lk->blk[s]);
	lk->blk[s] = z;
	lk->zlen[s] = (uint16_t)n;
	lk->blkbytes += ZHEAD + n;
	lk->blkbytes -= LOGKEEP_BLOCK;
}

/* Inflate the sealed block in slot s into the decode buffer, unless it
 * is there already.  0, or -1 when it does not inflate (the buffer then
 * holds none). */
static int
unseal(const struct logkeep *lk, size_t s)
{
	const char *z = lk->blk[s];
	uint64_t id;
	int r;

	memcpy(&id, z, ZHEAD);
	if (cache.id == id && id != 0)
		return 0;
	cache.id = 0;
	if (!zinf_ready) {
		zinf.zalloc = z_alloc;
		zinf.zfree = z_free;
		if (inflateInit2(&zinf, -Z_WBITS) != Z_OK)
			return -1;
		zinf_ready = 1;
	} else if (inflateReset(&zinf) != Z_OK)
		return -1;
	zinf.next_in = (unsigned char *)z + ZHEAD;
	zinf.avail_in = lk->zlen[s];
	zinf.next_out = (unsigned char *)cache.buf;
	zinf.avail_out = sizeof cache.buf;
	r = inflate(&zinf, Z_FINISH);
	if (r != Z_STREAM_END)
		return -1;
	cache.len = zinf.total_out;
	cache.id = id;
	return 0;
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
			/* full: sealed, or gone with its last line */
			if (lk->live[lk->open] == 0)
				slot_free(lk, lk->open, LOGKEEP_BLOCK);
			else
				seal(lk, lk->open, lk->used);
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
	lk->gen = next_gen++;
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
	size_t s = r->pos >> OFF_BITS, off = r->pos & OFF_MASK;

	out->ts_ms = r->ts_ms;
	out->tag = r->tag;
	out->seq = lk->added - lk->n + i;
	out->len = r->len;
	if (lk->zlen[s] == 0) {
		out->text = lk->blk[s] + off;
		return;
	}
	/* the text and its NUL must be there, or it is corrupt */
	if (unseal(lk, s) == 0 && off + r->len < cache.len &&
	    cache.buf[off + r->len] == '\0') {
		out->text = cache.buf + off;
		return;
	}
	out->text = "";
	out->len = 0;
}

void
logkeep_set_tag(struct logkeep *lk, size_t i, unsigned tag)
{
	struct logkeep_rec *r = rec_at(lk, i);

	if (r->tag != (uint16_t)tag) {
		r->tag = (uint16_t)tag;
		lk->gen = next_gen++;
	}
}

uint64_t
logkeep_gen(const struct logkeep *lk)
{
	return lk->gen;
}

size_t
logkeep_bytes(const struct logkeep *lk)
{
	return lk->cap * sizeof *lk->rec + lk->blkbytes +
	    lk->slotcap * (sizeof *lk->blk + sizeof *lk->live +
	    sizeof *lk->zlen);
}
