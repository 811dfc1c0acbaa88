/*
 * footprint.c -- drop mapped but unused file pages (see footprint.h).
 */
#include "footprint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

struct cand {
	unsigned long	 start, end;
	int		 ok;	/* still a candidate */
};

/* A mapping's header line: "START-END PERMS OFFSET DEV INODE [PATH]".
 * Returns 1 and fills c when line is one, 0 otherwise (a field line). */
static int
header(const char *line, const char *eol, struct cand *c)
{
	unsigned long start, end, ino;
	char perms[5];
	const char *p = line;
	char *q;
	int f;

	if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
		return 0;
	start = strtoul(p, &q, 16);
	if (*q != '-')
		return 0;
	end = strtoul(q + 1, &q, 16);
	if (*q != ' ' || q + 5 >= eol)
		return 0;
	memcpy(perms, q + 1, 4);
	perms[4] = '\0';
	p = q + 5;
	/* offset, device, inode */
	for (f = 0; f < 2; f++) {
		while (p < eol && *p == ' ')
			p++;
		while (p < eol && *p != ' ')
			p++;
	}
	ino = strtoul(p, &q, 10);
	c->start = start;
	c->end = end;
	/* private, not writable, backed by a file */
	c->ok = perms[1] != 'w' && perms[3] == 'p' && ino != 0 && end > start;
	return 1;
}

/* "Anonymous:" above zero: the mapping holds pages of its own (copied
 * on write), which unmapping would lose.  (Private_Dirty is no sign of
 * that: it counts the file's own pages too while they wait to be
 * written back.) */
static int
own_pages(const char *line, const char *eol)
{
	static const char key[] = "Anonymous:";
	const char *p;

	if ((size_t)(eol - line) <= sizeof key - 1 ||
	    memcmp(line, key, sizeof key - 1) != 0)
		return 0;
	for (p = line + sizeof key - 1; p < eol && *p == ' '; p++)
		;
	return p < eol && *p != '0';
}

size_t
footprint_ranges(const char *smaps, size_t len, unsigned long (*ranges)[2],
    size_t max)
{
	const char *p = smaps, *end = smaps + len, *eol;
	struct cand cur = { 0, 0, 0 };
	size_t n = 0;
	int have = 0;

	for (; p < end; p = eol + 1) {
		struct cand next;

		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if (header(p, eol, &next)) {
			if (have && cur.ok && n < max) {
				ranges[n][0] = cur.start;
				ranges[n][1] = cur.end;
				n++;
			}
			cur = next;
			have = 1;
		} else if (have && own_pages(p, eol))
			cur.ok = 0;
	}
	if (have && cur.ok && n < max) {
		ranges[n][0] = cur.start;
		ranges[n][1] = cur.end;
		n++;
	}
	return n;
}

long
footprint_trim(void)
{
	unsigned long (*ranges)[2];
	struct buf b = { 0 };
	ssize_t r;
	size_t n, i;
	long total = 0;
	int fd;

	if ((fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	for (;;) {
		buf_reserve(&b, 16384);
		r = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		b.len += (size_t)r;
		b.data[b.len] = '\0';
	}
	close(fd);
	if (r == -1) {
		buf_free(&b);
		return -1;
	}
	/* on the heap for the call: a static table would stay resident */
	ranges = xcalloc(FOOTPRINT_MAX_RANGES, sizeof *ranges);
	n = footprint_ranges(b.data != NULL ? b.data : "", b.len, ranges,
	    FOOTPRINT_MAX_RANGES);
	buf_free(&b);
	/* The list was taken before any advice: advising changes no
	 * mapping's bounds, so it stays true while it is walked. */
	for (i = 0; i < n; i++)
		if (madvise((void *)ranges[i][0], ranges[i][1] - ranges[i][0],
		    MADV_DONTNEED) == 0)
			total += (long)(ranges[i][1] - ranges[i][0]);
	free(ranges);
	return total;
}
