/*
 * fuzz_expo.c -- libFuzzer entry point for the exposition parser.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *       tests/fuzz/fuzz_expo.c src/expo.c src/util.c -lm -o fuzz_expo
 *   ./fuzz_expo tests/fuzz/corpus/expo
 *
 * Every input is parsed as both formats.  For each sample the canonical
 * label set must be a fixed point (parsing "x" + labels + " 1" gives the
 * same labels back) and the label helpers must accept it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"

static void
on_reparsed(void *ctx, const struct expo_sample *s)
{
	const struct expo_sample *orig = ctx;

	if (s->labels_len != orig->labels_len ||
	    memcmp(s->labels, orig->labels, s->labels_len) != 0)
		abort();
}

static void
on_sample(void *ctx, const struct expo_sample *s)
{
	struct expo_result res;
	struct buf b = {0};
	char out[16];
	size_t vl;

	if (s->name_len == 0 || s->family_len == 0 || s->family_len > s->name_len)
		abort();
	if (s->labels_len == 0)
		return;
	expo_label_get(s->labels, s->labels_len, "le", out, sizeof out, &vl);
	expo_labels_without(s->labels, s->labels_len, "le", &b);

	buf_clear(&b);
	buf_adds(&b, "x");
	buf_add(&b, s->labels, s->labels_len);
	buf_adds(&b, " 1\n");
	expo_parse(b.data, b.len, EXPO_FORMAT_TEXT, on_reparsed, NULL,
	    (void *)s, &res);
	if (res.samples != 1 || res.errors != 0)
		abort();
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct expo_result res;
	double v;

	expo_parse((const char *)data, size, EXPO_FORMAT_TEXT, on_sample, NULL,
	    NULL, &res);
	expo_parse((const char *)data, size, EXPO_FORMAT_OPENMETRICS,
	    on_sample, NULL, NULL, &res);
	if (size < 64)
		expo_parse_value((const char *)data, size, &v);
	return 0;
}
