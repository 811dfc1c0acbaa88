/*
 * footprint.h -- keep the process's resident set to what it uses.
 *
 * A long-running console or recorder maps far more library pages than
 * it runs: start-up code (OpenSSL's initialisation, reached through
 * libcurl, walks some 3 MB of libcrypto) and the kernel's fault-around,
 * which maps the neighbours of every page faulted in, leave megabytes of
 * library text resident that are never touched again.  Unmapping the
 * pages of files that this process has never written costs nothing: a
 * page still in use is mapped again from the page cache at its next
 * touch, a minor fault.
 */
#ifndef MODELTOP_FOOTPRINT_H
#define MODELTOP_FOOTPRINT_H

#include <stddef.h>

/* The most mappings one call looks at; the rest are left alone. */
#define FOOTPRINT_MAX_RANGES	1024

/*
 * Drop this process's mappings of file pages it has not written: every
 * private, non-writable, file-backed mapping (program and library text,
 * read-only data, locale files) in which no page is anonymous (copied on
 * write, such as relocated data).  Nothing else is touched: the heap,
 * stacks, writable or shared mappings, and any mapping a debugger has
 * patched keep their pages.  Returns the bytes of address space advised,
 * or -1 with errno set when /proc/self/smaps cannot be read.
 */
long footprint_trim(void);

/* The same decision, on the text of a smaps file: fills ranges (pairs
 * of start and end addresses, at most max pairs) with the mappings that
 * footprint_trim would drop and returns how many.  For tests. */
size_t footprint_ranges(const char *smaps, size_t len,
    unsigned long (*ranges)[2], size_t max);

#endif
