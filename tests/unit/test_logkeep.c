/*
 * test_logkeep.c -- kept log lines: order, cut, tags, texts that stay in
 * place until dropped, long texts in blocks of their own, blocks freed as
 * lines go, and a long random run checked line by line against a plain
 * array of copies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logkeep.h"
#include "util.h"

static uint64_t lcg_state;

static unsigned
lcg(void)
{
	lcg_state = lcg_state * 6364136223846793005ULL +
	    1442695040888963407ULL;
	return (unsigned)(lcg_state >> 33);
}

/* A line of len bytes that says which one it is. */
static void
make_line(char *buf, size_t len, unsigned k)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (char)('a' + (k + i * 7) % 26);
	if (len >= 8)
		snprintf(buf, 8, "%07u", k % 10000000);
	if (len >= 8)
		buf[7] = ' ';
}

static void
test_order_and_tags(void **state)
{
	struct logkeep lk;
	struct logkeep_line l;
	char buf[64];
	size_t i;

	(void)state;
	/* freeing one never used */
	logkeep_init(&lk, 5);
	logkeep_free(&lk);
	logkeep_drop(&lk, 3);
	assert_int_equal(logkeep_count(&lk), 0);
	assert_int_equal(logkeep_bytes(&lk), 0);
	for (i = 0; i < 8; i++) {
		snprintf(buf, sizeof buf, "line %zu", i);
		logkeep_add(&lk, buf, strlen(buf), 1000 + (int64_t)i, i);
	}
	/* the newest 5, oldest first */
	assert_int_equal(logkeep_count(&lk), 5);
	for (i = 0; i < 5; i++) {
		snprintf(buf, sizeof buf, "line %zu", i + 3);
		logkeep_get(&lk, i, &l);
		assert_int_equal(l.len, strlen(buf));
		assert_memory_equal(l.text, buf, l.len);
		assert_int_equal(l.text[l.len], '\0');
		assert_int_equal(l.ts_ms, 1003 + (int64_t)i);
		assert_int_equal(l.tag, i + 3);
	}
	logkeep_set_tag(&lk, 4, 0xffff);
	logkeep_get(&lk, 4, &l);
	assert_int_equal(l.tag, 0xffff);
	logkeep_drop(&lk, 2);
	assert_int_equal(logkeep_count(&lk), 3);
	logkeep_get(&lk, 0, &l);
	assert_string_equal(l.text, "line 5");
	/* an empty line, and one with a NUL in it */
	logkeep_add(&lk, "", 0, 1, 0);
	logkeep_add(&lk, "a\0b", 3, 2, 0);
	logkeep_get(&lk, 3, &l);
	assert_int_equal(l.len, 0);
	logkeep_get(&lk, 4, &l);
	assert_int_equal(l.len, 3);
	assert_memory_equal(l.text, "a\0b", 3);
	logkeep_drop(&lk, 100);
	assert_int_equal(logkeep_count(&lk), 0);
	logkeep_free(&lk);
	assert_int_equal(logkeep_bytes(&lk), 0);
	/* still usable after free */
	logkeep_add(&lk, "x", 1, 1, 1);
	assert_int_equal(logkeep_count(&lk), 1);
	logkeep_free(&lk);
}

/* Long texts: cut at LOGKEEP_TEXT_MAX, each in a block of its size,
 * between short ones that go on filling the open block. */
static void
test_long_lines(void **state)
{
	enum { BIG = LOGKEEP_TEXT_MAX + 100, MID = LOGKEEP_BLOCK / 2 };
	struct logkeep lk;
	struct logkeep_line l;
	char *big = xmalloc(BIG), small[40];
	size_t i, bytes;

	(void)state;
	make_line(big, BIG, 1);
	make_line(small, sizeof small, 2);
	logkeep_init(&lk, 20);
	for (i = 0; i < 20; i++)
		if (i % 2 == 0)
			logkeep_add(&lk, big, i % 4 == 0 ? BIG : MID,
			    (int64_t)i, 0);
		else
			logkeep_add(&lk, small, sizeof small, (int64_t)i, 0);
	for (i = 0; i < 20; i++) {
		logkeep_get(&lk, i, &l);
		if (i % 2 == 1) {
			assert_int_equal(l.len, sizeof small);
			assert_memory_equal(l.text, small, l.len);
		} else {
			assert_int_equal(l.len, i % 4 == 0 ?
			    LOGKEEP_TEXT_MAX : MID);
			assert_memory_equal(l.text, big, l.len);
		}
		assert_int_equal(l.text[l.len], '\0');
	}
	/* the long texts at their size, the ten short ones in one block */
	bytes = 5 * (LOGKEEP_TEXT_MAX + 1) + 5 * (MID + 1) + LOGKEEP_BLOCK;
	assert_true(logkeep_bytes(&lk) >= bytes);
	assert_true(logkeep_bytes(&lk) <= bytes + 20 * 16 + 64 * 12);
	/* and they go with their lines */
	logkeep_drop(&lk, 19);
	assert_true(logkeep_bytes(&lk) <= LOGKEEP_BLOCK + 20 * 16 + 64 * 12);
	logkeep_get(&lk, 0, &l);
	assert_memory_equal(l.text, small, sizeof small);
	logkeep_free(&lk);
	free(big);
}

/* A line keeps its text and number however many lines come after it;
 * the blocks of dropped lines are freed. */
static void
test_lines_stay(void **state)
{
	struct logkeep lk;
	struct logkeep_line l;
	char buf[128];
	size_t i, k, max_bytes = 0;
	uint64_t seq;

	(void)state;
	logkeep_init(&lk, 300);
	for (k = 0; k < 300; k++) {
		make_line(buf, 80, (unsigned)k);
		logkeep_add(&lk, buf, 80, (int64_t)k, 0);
		logkeep_get(&lk, k, &l);
		assert_int_equal(l.seq, k);
	}
	for (k = 0; k < 300; k++) {
		make_line(buf, 80, (unsigned)k);
		logkeep_get(&lk, k, &l);
		assert_int_equal(l.seq, k);
		assert_int_equal(l.len, 80);
		assert_memory_equal(l.text, buf, 80);
		assert_int_equal(l.text[80], '\0');
	}
	print_message("300 lines of 80 bytes: %zu bytes\n",
	    logkeep_bytes(&lk));
	/* records, then 81 bytes of text a line: 25 to a block, at most */
	assert_true(logkeep_bytes(&lk) <= 300 * 16 + 12 * LOGKEEP_BLOCK +
	    16 * 14);
	/* a third dropped each time it is full, for a long time */
	for (; k < 30000; k++) {
		if (logkeep_count(&lk) == 300)
			logkeep_drop(&lk, 100);
		make_line(buf, 80, (unsigned)k);
		logkeep_add(&lk, buf, 80, (int64_t)k, 0);
		if (logkeep_bytes(&lk) > max_bytes)
			max_bytes = logkeep_bytes(&lk);
	}
	assert_true(max_bytes <= 300 * 16 + 13 * LOGKEEP_BLOCK + 16 * 14);
	/* the oldest kept keeps its number and text until it goes */
	logkeep_drop(&lk, logkeep_count(&lk) - 200);
	logkeep_get(&lk, 0, &l);
	seq = l.seq;
	assert_int_equal(seq, 30000 - 200);
	for (i = 0; i < 50; i++) {
		make_line(buf, 80, (unsigned)i);
		logkeep_add(&lk, buf, 80, 0, 0);
	}
	logkeep_get(&lk, 0, &l);
	assert_int_equal(l.seq, seq);
	make_line(buf, 80, (unsigned)seq);
	assert_memory_equal(l.text, buf, 80);
	/* and goes when the ring is full */
	for (i = 0; i < 50; i++)
		logkeep_add(&lk, buf, 80, 0, 0);
	assert_int_equal(logkeep_count(&lk), 300);
	logkeep_add(&lk, buf, 80, 0, 0);
	logkeep_get(&lk, 0, &l);
	assert_int_equal(l.seq, seq + 1);
	logkeep_get(&lk, 299, &l);
	assert_int_equal(l.seq, 30000 + 100);
	/* numbers go on after a free */
	logkeep_free(&lk);
	logkeep_add(&lk, "x", 1, 0, 0);
	logkeep_get(&lk, 0, &l);
	assert_int_equal(l.seq, 30000 + 101);
	logkeep_free(&lk);
}

/* An access line of the demo fleet's, numbered k: the text that line k
 * has, whatever its neighbours. */
static size_t
access_line(char *buf, size_t size, uint64_t k)
{
	unsigned ms = (unsigned)(k * 37 % 1000), s = (unsigned)(k / 7 % 60);
	unsigned lat = (unsigned)(k * 2654435761u % 900);
	int n;

	n = snprintf(buf, size, "2026-11-27T18:%02u:%02u.%03u+00:00 INFO "
	    "127.0.0.1 \"POST /v1/completions HTTP/1.1\" %d %u.%ums "
	    "request=%llu", (unsigned)(k / 420 % 60), s, ms,
	    k % 50 == 0 ? 500 : 200, 10 + lat / 10, lat % 10,
	    (unsigned long long)k);
	return (size_t)n;
}

static size_t
sealed_blocks(const struct logkeep *lk)
{
	size_t s, k = 0;

	for (s = 0; s < lk->nslot; s++)
		k += lk->blk[s] != NULL && lk->zlen[s] != 0;
	return k;
}

/* A full block is deflated when the next one opens: log text takes a
 * fraction of its size. */
static void
test_sealed(void **state)
{
	struct logkeep lk;
	struct logkeep_line l;
	char buf[256];
	size_t k, len, raw = 0, text;

	(void)state;
	logkeep_init(&lk, 300);
	for (k = 0; k < 300; k++) {
		len = access_line(buf, sizeof buf, k);
		logkeep_add(&lk, buf, len, (int64_t)k, 0);
		raw += len + 1;
		/* the first block: open, raw, until the next one opens */
		if (raw <= LOGKEEP_BLOCK)
			assert_int_equal(sealed_blocks(&lk), 0);
		else if (raw > LOGKEEP_BLOCK + 200)
			assert_true(sealed_blocks(&lk) >= 1);
	}
	text = lk.blkbytes;
	print_message("300 access lines: %zu bytes of text kept in %zu, "
	    "%zu in all (%.1fx)\n", raw, text, logkeep_bytes(&lk),
	    (double)raw / (double)text);
	assert_true(sealed_blocks(&lk) >= 10);
	/* the texts, the open block's 2 KB with them, in less than a
	 * quarter of their bytes; with the records (16 bytes a line, now
	 * the larger part) under 40% */
	assert_true(text * 4 < raw);
	assert_true(logkeep_bytes(&lk) * 5 < raw * 2);
	for (k = 0; k < 300; k++) {
		len = access_line(buf, sizeof buf, k);
		logkeep_get(&lk, k, &l);
		assert_int_equal(l.seq, k);
		assert_int_equal(l.ts_ms, (int64_t)k);
		assert_int_equal(l.len, len);
		assert_memory_equal(l.text, buf, len + 1);
	}
	logkeep_free(&lk);
	assert_int_equal(logkeep_bytes(&lk), 0);
}

/* Every line reads back byte for byte across many blocks, in any order,
 * after drops, with slots freed and used again and two logkeeps read in
 * turn (one decode buffer for both). */
static void
test_read_back(void **state)
{
	enum { MAX = 300, LINES = 20000 };
	struct logkeep a, b;
	struct logkeep_line l;
	char buf[256];
	size_t i, len;
	uint64_t k;

	(void)state;
	lcg_state = 11;
	logkeep_init(&a, MAX);
	logkeep_init(&b, 50);
	for (k = 0; k < LINES; k++) {
		/* a third dropped when full, as the analysis does */
		if (logkeep_count(&a) == MAX)
			logkeep_drop(&a, MAX / 3);
		len = access_line(buf, sizeof buf, k);
		logkeep_add(&a, buf, len, (int64_t)k, (unsigned)k & 0xffff);
		len = access_line(buf, sizeof buf, k * 3 + 1);
		logkeep_add(&b, buf, len, (int64_t)k, 0);
		if (k % 53 != 0)
			continue;
		/* now and then every line, the other logkeep between */
		for (i = 0; i < logkeep_count(&a); i++) {
			logkeep_get(&a, i, &l);
			assert_int_equal(l.seq, k + 1 - logkeep_count(&a) + i);
			len = access_line(buf, sizeof buf, l.seq);
			assert_int_equal(l.len, len);
			assert_memory_equal(l.text, buf, len + 1);
			assert_int_equal(l.tag, l.seq & 0xffff);
			if (i % 17 != 0)
				continue;
			logkeep_get(&b, lcg() % logkeep_count(&b), &l);
			len = access_line(buf, sizeof buf, l.seq * 3 + 1);
			assert_int_equal(l.len, len);
			assert_memory_equal(l.text, buf, len + 1);
		}
		/* and a few at random */
		for (i = 0; i < 20; i++) {
			logkeep_get(&a, lcg() % logkeep_count(&a), &l);
			len = access_line(buf, sizeof buf, l.seq);
			assert_memory_equal(l.text, buf, len + 1);
		}
	}
	assert_true(sealed_blocks(&a) > 0 && sealed_blocks(&b) > 0);
	logkeep_free(&a);
	logkeep_free(&b);
}

/* Random bytes do not deflate: their blocks stay raw and read back. */
static void
test_incompressible(void **state)
{
	enum { N = 200, LEN = 100 };
	struct logkeep lk;
	struct logkeep_line l;
	static char lines[N][LEN];
	size_t i, k;

	(void)state;
	lcg_state = 3;
	for (i = 0; i < N; i++)
		for (k = 0; k < LEN; k++)
			lines[i][k] = (char)(lcg() >> 7);
	logkeep_init(&lk, N);
	for (i = 0; i < N; i++)
		logkeep_add(&lk, lines[i], LEN, (int64_t)i, 0);
	assert_int_equal(sealed_blocks(&lk), 0);
	/* every block raw, full size: 20 texts of 101 bytes to a block */
	assert_int_equal(lk.blkbytes, (N + 19) / 20 * LOGKEEP_BLOCK);
	for (i = 0; i < N; i++) {
		logkeep_get(&lk, i, &l);
		assert_int_equal(l.len, LEN);
		assert_memory_equal(l.text, lines[i], LEN);
		assert_int_equal(l.text[LEN], '\0');
	}
	logkeep_free(&lk);
}

/* A sealed block that does not inflate reads as empty texts; one that
 * inflates to something else gives texts of their length or empty ones;
 * never a read outside the decode buffer. */
static void
test_corrupt(void **state)
{
	struct logkeep lk;
	struct logkeep_line l;
	char buf[256];
	size_t k, s, len, empty = 0, right = 0;

	(void)state;
	logkeep_init(&lk, 300);
	for (k = 0; k < 300; k++) {
		len = access_line(buf, sizeof buf, k);
		logkeep_add(&lk, buf, len, (int64_t)k, 0);
	}
	for (k = 0; k < 300; k++)
		logkeep_get(&lk, k, &l);
	assert_true(sealed_blocks(&lk) >= 10);
	/* every other sealed block: its id and bytes all ones (an invalid
	 * block type) */
	for (s = 0, k = 0; s < lk.nslot; s++)
		if (lk.blk[s] != NULL && lk.zlen[s] != 0 && k++ % 2 == 0)
			memset(lk.blk[s], 0xff, 8 + lk.zlen[s]);
	for (k = 0; k < 300; k++) {
		logkeep_get(&lk, k, &l);
		len = access_line(buf, sizeof buf, k);
		if (l.len == 0) {
			assert_string_equal(l.text, "");
			empty++;
			continue;
		}
		assert_int_equal(l.len, len);
		assert_memory_equal(l.text, buf, len + 1);
		right++;
	}
	print_message("%zu lines empty, %zu right\n", empty, right);
	assert_true(empty >= 5 * 12 && right >= 5 * 12);
	/* the newest, in the open block, always right */
	logkeep_get(&lk, 299, &l);
	assert_int_equal(l.len, access_line(buf, sizeof buf, 299));
	/* a byte flipped inside, a stream cut short */
	for (s = 0; s < lk.nslot; s++) {
		if (lk.blk[s] == NULL || lk.zlen[s] == 0)
			continue;
		lk.blk[s][8 + lk.zlen[s] / 2] ^= 0x5a;
		if (s % 3 == 0)
			lk.zlen[s] /= 2;
	}
	for (k = 0; k < 300; k++) {
		logkeep_get(&lk, k, &l);
		len = access_line(buf, sizeof buf, k);
		assert_true(l.len == 0 || l.len == len);
		assert_int_equal(l.text[l.len], '\0');
	}
	/* still in use: dropped and added to */
	logkeep_drop(&lk, 150);
	for (k = 300; k < 600; k++) {
		len = access_line(buf, sizeof buf, k);
		logkeep_add(&lk, buf, len, (int64_t)k, 0);
	}
	logkeep_get(&lk, 299, &l);
	assert_int_equal(l.seq, 599);
	assert_int_equal(l.len, access_line(buf, sizeof buf, 599));
	/* sizes were changed under it: no check of logkeep_bytes */
	logkeep_free(&lk);
}

/* Random lengths, drops and tags against a plain array of copies. */
static void
test_random_model(void **state)
{
	enum { MAX = 37, STEPS = 200000 };
	struct logkeep lk;
	struct logkeep_line l;
	char *model[MAX], buf[LOGKEEP_TEXT_MAX + 200];
	size_t mlen[MAX], n = 0, i, k, len;
	unsigned mtag[MAX], tag;
	int64_t mts[MAX];
	uint64_t mseq[MAX], seq = 0;
	int step;

	(void)state;
	lcg_state = 7;
	logkeep_init(&lk, MAX);
	for (step = 0; step < STEPS; step++) {
		unsigned op = lcg() % 100;

		if (op < 80) {
			/* mostly short lines, now and then a long one */
			len = lcg() % 10 == 0 ? lcg() % sizeof buf :
			    lcg() % 120;
			make_line(buf, len, (unsigned)step);
			tag = lcg() & 0xffff;
			logkeep_add(&lk, buf, len, step, tag);
			if (len > LOGKEEP_TEXT_MAX)
				len = LOGKEEP_TEXT_MAX;
			if (n == MAX) {
				free(model[0]);
				memmove(model, model + 1, (MAX - 1) *
				    sizeof model[0]);
				memmove(mlen, mlen + 1, (MAX - 1) *
				    sizeof mlen[0]);
				memmove(mtag, mtag + 1, (MAX - 1) *
				    sizeof mtag[0]);
				memmove(mts, mts + 1, (MAX - 1) *
				    sizeof mts[0]);
				memmove(mseq, mseq + 1, (MAX - 1) *
				    sizeof mseq[0]);
				n--;
			}
			model[n] = xmalloc(len + 1);
			memcpy(model[n], buf, len);
			mlen[n] = len;
			mtag[n] = tag;
			mts[n] = step;
			mseq[n] = seq++;
			n++;
		} else if (op < 90 && n > 0) {
			k = lcg() % (n + 2);

			logkeep_drop(&lk, k);
			if (k > n)
				k = n;
			for (i = 0; i < k; i++)
				free(model[i]);
			memmove(model, model + k, (n - k) * sizeof model[0]);
			memmove(mlen, mlen + k, (n - k) * sizeof mlen[0]);
			memmove(mtag, mtag + k, (n - k) * sizeof mtag[0]);
			memmove(mts, mts + k, (n - k) * sizeof mts[0]);
			memmove(mseq, mseq + k, (n - k) * sizeof mseq[0]);
			n -= k;
		} else if (n > 0) {
			i = lcg() % n;
			mtag[i] = lcg() & 0xffff;
			logkeep_set_tag(&lk, i, mtag[i]);
		}
		assert_int_equal(logkeep_count(&lk), n);
		if (step % 97 != 0 && step < STEPS - 1)
			continue;
		for (i = 0; i < n; i++) {
			logkeep_get(&lk, i, &l);
			assert_int_equal(l.len, mlen[i]);
			assert_memory_equal(l.text, model[i], mlen[i]);
			assert_int_equal(l.text[l.len], '\0');
			assert_int_equal(l.tag, mtag[i]);
			assert_int_equal(l.ts_ms, mts[i]);
			assert_int_equal(l.seq, mseq[i]);
		}
		/* no more blocks than lines, plus the open one */
		for (i = 0, k = 0; i < lk.nslot; i++)
			k += lk.blk[i] != NULL;
		assert_true(k <= n + 1);
	}
	for (i = 0; i < n; i++)
		free(model[i]);
	logkeep_free(&lk);
}

/* The generation changes with every add, drop and change of tag, never
 * with a read, and no two logkeeps share one. */
static void
test_gen(void **state)
{
	struct logkeep a, b;
	struct logkeep_line l;
	uint64_t g, g2;

	(void)state;
	logkeep_init(&a, 10);
	logkeep_init(&b, 10);
	assert_true(logkeep_gen(&a) == 0);
	logkeep_add(&a, "one", 3, 1, 0);
	g = logkeep_gen(&a);
	assert_true(g != 0);
	logkeep_add(&b, "one", 3, 1, 0);
	assert_true(logkeep_gen(&b) != g);
	logkeep_get(&a, 0, &l);
	assert_true(logkeep_gen(&a) == g);
	logkeep_set_tag(&a, 0, 0);		/* the same tag */
	assert_true(logkeep_gen(&a) == g);
	logkeep_set_tag(&a, 0, 7);
	g2 = logkeep_gen(&a);
	assert_true(g2 != g);
	logkeep_add(&a, "two", 3, 2, 0);
	g = logkeep_gen(&a);
	assert_true(g != g2);
	logkeep_drop(&a, 0);
	assert_true(logkeep_gen(&a) == g);
	logkeep_drop(&a, 1);
	assert_true(logkeep_gen(&a) != g);
	g = logkeep_gen(&a);
	logkeep_free(&a);
	assert_true(logkeep_gen(&a) != g);
	logkeep_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_tags),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_lines_stay),
		cmocka_unit_test(test_sealed),
		cmocka_unit_test(test_read_back),
		cmocka_unit_test(test_incompressible),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_random_model),
		cmocka_unit_test(test_gen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
