/*
 * util.h -- allocation wrappers, fatal errors, clocks, growable buffers.
 *
 * Out of memory is fatal: the x* wrappers never return NULL.  Before the
 * process exits on a fatal error, the hook set with util_set_fatal_hook()
 * runs (the console uses it to restore the terminal).
 */
#ifndef MODELTOP_UTIL_H
#define MODELTOP_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocate or die.  Returned memory is owned by the caller. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grow an array of nmemb elements of size bytes each to hold at least
 * want elements; *cap is updated.  Returns the (possibly moved) array. */
void *xgrow(void *p, size_t *cap, size_t want, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string owned by the caller. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "modeltop: MESSAGE" to stderr after running the fatal hook, and
 * exit with status 2.  Used only for programming errors and OOM. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Set a function run once before a fatal exit; NULL clears it. */
void util_set_fatal_hook(void (*hook)(void));

/* Wall-clock time in milliseconds since the Unix epoch. */
int64_t util_now_ms(void);
/* Monotonic time in milliseconds (CLOCK_MONOTONIC), for timeouts. */
int64_t util_mono_ms(void);
/* Monotonic time in nanoseconds, for benchmarks. */
int64_t util_mono_ns(void);
/* CPU time used by this process (user+system) in nanoseconds. */
int64_t util_cpu_ns(void);

/* Copy at most size-1 bytes of src into dst and terminate it; returns
 * strlen(src) like BSD strlcpy, so truncation is ret >= size. */
size_t util_strlcpy(char *dst, const char *src, size_t size);

/* A hash of n bytes at p (eight bytes a step), and FNV-1a of a
 * NUL-terminated string: for hash tables and quick inequality tests
 * (equal hashes still need a compare).  The two differ for the same
 * bytes: a table uses one of them. */
uint32_t util_hash(const void *p, size_t n);
uint32_t util_hash_str(const char *s);
/* v to its bits most significant bits of mantissa (1 <= bits <= 52),
 * rounded to nearest; whole numbers, 0, NaN and infinities unchanged.  A
 * computed figure's noise bits cost bytes in every chunk it is kept in. */
double util_round_bits(double v, int bits);
/* Strip leading and trailing white space in place; returns the first
 * non-space character of s (inside s). */
char *util_trim(char *s);
/* Expand a leading "~/" with $HOME.  Returns a new string. */
char *util_expand_home(const char *path);
/* Create every missing directory above path (like mkdir -p on dirname).
 * Returns 0, or -1 with errno set. */
int util_mkdir_parents(const char *path);

/*
 * struct buf: a growable byte buffer, always NUL-terminated.  Zero-
 * initialise (struct buf b = {0}) before use; buf_free releases it.
 */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

void buf_reserve(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_addc(struct buf *b, char c);
void buf_adds(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_clear(struct buf *b);
void buf_free(struct buf *b);
/* Hand the contents to the caller (who frees them) and reset b. */
char *buf_detach(struct buf *b);

#endif
