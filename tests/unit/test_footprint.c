/*
 * test_footprint.c -- which mappings footprint_trim drops, on smaps
 * text, and on real mappings of a real file: read-only pages leave the
 * resident set, pages written (copied on write) keep their contents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "footprint.h"

#define NPAGES	16

static const char smaps[] =
    "55d0a0000000-55d0a0010000 r--p 00000000 fd:01 1001   /usr/bin/x\n"
    "Size:                 64 kB\n"
    "Rss:                  64 kB\n"
    "Private_Dirty:        64 kB\n"
    "Anonymous:             0 kB\n"
    "VmFlags: rd mr mw me\n"
    "55d0a0010000-55d0a0020000 r-xp 00010000 fd:01 1001   /usr/bin/x\n"
    "Rss:                  16 kB\n"
    "Anonymous:             0 kB\n"
    /* relocated then made read-only (RELRO): copied pages */
    "55d0a0020000-55d0a0021000 r--p 00020000 fd:01 1001   /usr/bin/x\n"
    "Rss:                   4 kB\n"
    "Anonymous:             4 kB\n"
    "55d0a0021000-55d0a0022000 rw-p 00021000 fd:01 1001   /usr/bin/x\n"
    "Anonymous:             0 kB\n"
    /* the heap and an anonymous mapping: no inode */
    "55d0a1000000-55d0a2000000 rw-p 00000000 00:00 0      [heap]\n"
    "Anonymous:          1024 kB\n"
    "7f0000000000-7f0000001000 r--p 00000000 00:00 0 \n"
    "Anonymous:             0 kB\n"
    /* a shared read-only mapping: left alone */
    "7f0000010000-7f0000020000 r--s 00000000 fd:01 2002   /tmp/shm\n"
    "Anonymous:             0 kB\n"
    /* a patched text page (a debugger's breakpoint) */
    "7f0000100000-7f0000200000 r-xp 00000000 fd:01 3003   /usr/lib/libz.so\n"
    "Anonymous:             4 kB\n"
    "7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0      [vdso]\n"
    "7f0000300000-7f0000301000 r--p 00000000 fd:01 4004   /usr/lib/locale/C\n"
    "Rss:                   4 kB\n";

static void
test_ranges(void **state)
{
	unsigned long r[8][2];
	size_t n;

	(void)state;
	n = footprint_ranges(smaps, sizeof smaps - 1, r, 8);
	assert_int_equal(n, 3);
	assert_true(r[0][0] == 0x55d0a0000000UL && r[0][1] == 0x55d0a0010000UL);
	assert_true(r[1][0] == 0x55d0a0010000UL && r[1][1] == 0x55d0a0020000UL);
	/* the last mapping, with no line after its fields */
	assert_true(r[2][0] == 0x7f0000300000UL && r[2][1] == 0x7f0000301000UL);
	/* the limit is kept */
	assert_int_equal(footprint_ranges(smaps, sizeof smaps - 1, r, 2), 2);
	/* nothing, and junk, give nothing */
	assert_int_equal(footprint_ranges("", 0, r, 8), 0);
	assert_int_equal(footprint_ranges("Rss: 4 kB\nzz-\n\n", 15, r, 8), 0);
}

/* Rss of the mapping that starts at addr, in kB; -1 when not found. */
static long
rss_of(void *addr)
{
	char line[512], want[32];
	FILE *f = fopen("/proc/self/smaps", "re");
	long kb = -1;
	int in = 0;

	assert_non_null(f);
	snprintf(want, sizeof want, "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof line, f) != NULL) {
		if (strchr(line, '-') != NULL && strchr(line, ' ') != NULL &&
		    strchr(line, '-') < strchr(line, ' ')) {
			if (in)
				break;
			in = strncmp(line, want, strlen(want)) == 0;
		} else if (in && strncmp(line, "Rss:", 4) == 0)
			kb = strtol(line + 4, NULL, 10);
	}
	fclose(f);
	return kb;
}

static void
test_trim_real(void **state)
{
	char path[] = "/tmp/modeltop-footprint.XXXXXX";
	long page = sysconf(_SC_PAGESIZE);
	size_t len = (size_t)page * NPAGES, i;
	unsigned char *ro, *cow, *buf;
	volatile unsigned sum = 0;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	buf = malloc(len);
	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 7);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);

	ro = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	cow = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	assert_true(ro != MAP_FAILED && cow != MAP_FAILED);
	for (i = 0; i < len; i += (size_t)page)
		sum += ro[i];
	/* written, then made read-only, as the dynamic linker does */
	memset(cow, 0xab, (size_t)page);
	for (i = (size_t)page; i < len; i += (size_t)page)
		sum += cow[i];
	assert_int_equal(mprotect(cow, len, PROT_READ), 0);
	assert_true(rss_of(ro) >= (long)(len / 1024));

	assert_true(footprint_trim() >= (long)len);
	/* the read-only file pages left the resident set ... */
	assert_int_equal(rss_of(ro), 0);
	/* ... and read the same when touched again */
	assert_memory_equal(ro, buf, len);
	/* the copied mapping was left alone: its written page is ours */
	assert_true(rss_of(cow) > 0);
	for (i = 0; i < (size_t)page; i++)
		assert_int_equal(cow[i], 0xab);
	assert_memory_equal(cow + page, buf + page, len - (size_t)page);

	munmap(ro, len);
	munmap(cow, len);
	close(fd);
	free(buf);
	(void)sum;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_trim_real),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
