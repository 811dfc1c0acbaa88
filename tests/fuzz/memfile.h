/*
 * memfile.h -- an input as a file path without touching a disk, for the
 * fuzz targets whose code under test takes a path (config, themes, rule
 * files).  A memfd holds the bytes; "/proc/self/fd/N" names it.
 */
#ifndef FUZZ_MEMFILE_H
#define FUZZ_MEMFILE_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

struct memfile {
	int	 fd;
	char	 path[64];
};

/* Create the memfd once; exits on failure (the machine, not the input). */
static inline void
memfile_init(struct memfile *m, const char *name)
{
	if ((m->fd = memfd_create(name, MFD_CLOEXEC)) == -1) {
		perror("memfd_create");
		exit(1);
	}
	snprintf(m->path, sizeof m->path, "/proc/self/fd/%d", m->fd);
}

/* Replace the file's contents with size bytes of data. */
static inline void
memfile_set(struct memfile *m, const void *data, size_t size)
{
	const char *p = data;
	ssize_t n;

	if (ftruncate(m->fd, 0) == -1) {
		perror("ftruncate");
		exit(1);
	}
	while (size > 0) {
		n = pwrite(m->fd, p, size, (off_t)(p - (const char *)data));
		if (n <= 0) {
			perror("pwrite");
			exit(1);
		}
		p += n;
		size -= (size_t)n;
	}
}

#endif
