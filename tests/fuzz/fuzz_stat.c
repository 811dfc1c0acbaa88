/*
 * fuzz_stat.c -- libFuzzer entry point for the /proc/PID/stat parser
 * (src/proc.c proc_parse_stat).
 *
 *   make fuzz SECS=60 FUZZ=stat
 * or by hand:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *       tests/fuzz/fuzz_stat.c build-fuzz/libmodeltop.a -lm -o fuzz_stat
 *   ./fuzz_stat tests/fuzz/corpus/stat
 *
 * The input is one stat line, not NUL-terminated (the parser gets the
 * exact length, as read(2) gives it).  Invariants: the comm is
 * NUL-terminated, at most 63 bytes and free of control characters; an
 * accepted line has a state character and a comm that is what lies
 * between the first '(' and the last ')' (cut, controls as '?'); fields
 * the parser does not own are left untouched.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *open, *close = NULL, *p;
	struct proc_sample out;
	size_t n, i;

	memset(&out, 0x5a, sizeof out);
	out.comm[0] = '\0';
	if (proc_parse_stat(s, size, &out) != 0)
		return 0;
	n = strnlen(out.comm, sizeof out.comm);
	if (n >= sizeof out.comm)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)out.comm[i] < 0x20 || out.comm[i] == 0x7f)
			abort();
	if (out.fds != 0x5a5a5a5a || out.has_io != 0x5a5a5a5a)
		abort();
	if ((open = memchr(s, '(', size)) == NULL)
		abort();
	for (p = s; p < s + size; p++)
		if (*p == ')')
			close = p;
	if (close == NULL || close < open)
		abort();
	if ((size_t)(close - open - 1) < sizeof out.comm &&
	    n != (size_t)(close - open - 1) &&
	    memchr(open + 1, '\0', (size_t)(close - open - 1)) == NULL)
		abort();
	return 0;
}
