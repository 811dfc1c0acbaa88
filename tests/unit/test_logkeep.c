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

/* A text does not move while its line is kept, however many lines come
 * after it; the blocks of dropped lines are freed. */
static void
test_texts_stay(void **state)
{
	struct logkeep lk;
	struct logkeep_line l;
	const char *p[300];
	char buf[128];
	size_t i, k, max_bytes = 0;

	(void)state;
	logkeep_init(&lk, 300);
	for (k = 0; k < 300; k++) {
		make_line(buf, 80, (unsigned)k);
		logkeep_add(&lk, buf, 80, (int64_t)k, 0);
		logkeep_get(&lk, k, &l);
		p[k] = l.text;
		assert_int_equal(l.seq, k);
	}
	for (k = 0; k < 300; k++) {
		logkeep_get(&lk, k, &l);
		assert_ptr_equal(l.text, p[k]);
	}
	print_message("300 lines of 80 bytes: %zu bytes\n",
	    logkeep_bytes(&lk));
	/* records, then 81 bytes of text a line: 25 to a block */
	assert_true(logkeep_bytes(&lk) <= 300 * 16 + 12 * LOGKEEP_BLOCK +
	    16 * 12);
	/* a third dropped each time it is full, for a long time */
	for (; k < 30000; k++) {
		if (logkeep_count(&lk) == 300)
			logkeep_drop(&lk, 100);
		make_line(buf, 80, (unsigned)k);
		logkeep_add(&lk, buf, 80, (int64_t)k, 0);
		if (logkeep_bytes(&lk) > max_bytes)
			max_bytes = logkeep_bytes(&lk);
	}
	assert_true(max_bytes <= 300 * 16 + 13 * LOGKEEP_BLOCK + 16 * 12);
	/* the oldest kept stays where it was until it goes */
	logkeep_drop(&lk, logkeep_count(&lk) - 200);
	logkeep_get(&lk, 0, &l);
	p[0] = l.text;
	for (i = 0; i < 50; i++) {
		make_line(buf, 80, (unsigned)i);
		logkeep_add(&lk, buf, 80, 0, 0);
	}
	logkeep_get(&lk, 0, &l);
	assert_ptr_equal(l.text, p[0]);
	/* and goes when the ring is full */
	for (i = 0; i < 50; i++)
		logkeep_add(&lk, buf, 80, 0, 0);
	assert_int_equal(logkeep_count(&lk), 300);
	logkeep_add(&lk, buf, 80, 0, 0);
	logkeep_get(&lk, 0, &l);
	assert_true(l.text != p[0]);
	logkeep_get(&lk, 299, &l);
	assert_int_equal(l.seq, 30000 + 100);
	/* numbers go on after a free */
	logkeep_free(&lk);
	logkeep_add(&lk, "x", 1, 0, 0);
	logkeep_get(&lk, 0, &l);
	assert_int_equal(l.seq, 30000 + 101);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_tags),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_texts_stay),
		cmocka_unit_test(test_random_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
