/*
 * fuzz_timeexpr.c -- libFuzzer entry point for TIME expressions (--at,
 * --from, --to, :goto).
 *
 *   make fuzz SECS=60 FUZZ=timeexpr
 * or by hand:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *       tests/fuzz/fuzz_timeexpr.c src/timeexpr.c src/cmd-replay.c ... \
 *       (simplest: link build-fuzz/libmodeltop.a as 'make fuzz' does)
 *   ./fuzz_timeexpr -dict=tests/fuzz/timeexpr.dict tests/fuzz/corpus/timeexpr
 *
 * The input is the TIME text (cut at the first NUL).  It is parsed by
 * timeexpr_parse at two different "now"s in UTC and in a zone with a
 * half-hour offset and daylight saving, and by cmd_replay_time for a
 * recording ending at either now.  Invariants: an error leaves the output
 * untouched and a NUL-terminated message that quotes the input; a result
 * never depends on now except by exactly the difference between the two
 * nows (relative forms) or not at all (absolute forms) -- clock times
 * "HH:MM" are today's, so for them only the day may differ; an all-digit
 * input is unix seconds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "timeexpr.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW_A	INT64_C(1795749120123)		/* 2026-11-27 */
#define NOW_B	(NOW_A + INT64_C(86400000) * 3 + 7)	/* 3 days and 7 ms later */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	setenv("TZ", "Australia/Adelaide", 1);	/* +9:30, with DST */
	tzset();
	return 0;
}

static void
check_err(const char *err, size_t errlen)
{
	if (strnlen(err, errlen) >= errlen || err[0] == '\0')
		abort();
}

static void
one(const char *s)
{
	char err[256];
	int64_t a = 42, b = 42, c;
	int ra, rb, i, digits = 1;
	size_t n = strlen(s);

	memset(err, 'x', sizeof err);
	ra = timeexpr_parse(s, NOW_A, &a, err, sizeof err);
	if (ra != 0) {
		if (ra != -1 || a != 42)
			abort();
		check_err(err, sizeof err);
	}
	rb = timeexpr_parse(s, NOW_B, &b, NULL, 0);
	if (ra != rb)
		abort();
	if (ra == 0) {
		int64_t d = b - a;

		/* absolute, relative to now, or a clock time today */
		if (d != 0 && d != NOW_B - NOW_A && d % 3600000 != 0 &&
		    d % 1800000 != 0)
			abort();
	}
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] < '0' || s[i] > '9')
			digits = 0;
	if (digits && n > 0 && n <= 12 && ra == 0 &&
	    a != strtoll(s, NULL, 10) * 1000)
		abort();

	c = 42;
	if (cmd_replay_time(s, NOW_A - 600000, NOW_A, &c, err, sizeof err) != 0) {
		if (c != 42)
			abort();
		check_err(err, sizeof err);
	}
	c = 42;
	if (cmd_replay_time(s, NOW_B, NOW_A, &c, err, 16) != 0)
		check_err(err, 16);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);

	one(s);
	free(s);
	return 0;
}
