/*
 * discover.h -- find worker processes: by a regular expression on the
 * command line, or from a pid file.
 */
#ifndef MODELTOP_DISCOVER_H
#define MODELTOP_DISCOVER_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A process found: pid and start time (clock ticks since boot) together
 * identify it across pid reuse. */
struct discover_proc {
	pid_t	 pid;
	uint64_t starttime;
};

/*
 * Scan /proc for processes whose full command line (as proc_cmdline gives
 * it: arguments joined by spaces, the first 32 KiB) matches re.  Only those
 * owned by uid count ((uid_t)-1 for any user): the owner is taken from
 * stat() of /proc/PID, which is the process's effective uid, and root for
 * processes that are not dumpable (setuid programs, prctl(PR_SET_DUMPABLE,
 * 0)); this is cheap and, for workers, the same as the real uid.  Never
 * returns the process exclude (modeltop itself; pass 0 for none) nor its
 * threads, kernel threads (empty command line) or zombies.  Processes that
 * vanish mid-scan are skipped.
 *
 * Returns 0 with *out (malloc'd, sorted by pid, the caller frees it; NULL
 * when *n is 0) and *n, or -1 with errno when /proc cannot be read.
 */
int discover_match(const regex_t *re, uid_t uid, pid_t exclude, struct discover_proc **out, size_t *n);

/*
 * A cache for discovering every tick.  discover_match() reads the command
 * line (and more) of every process on each call: about 7-25 us a process
 * on a small VM, milliseconds a tick on a busy host.  The cache lists /proc
 * once per refresh (the directory listing alone gives pid and inode) and
 * reads a process again only when it is new, its pid was reused (new
 * inode), it started less than DISCOVER_YOUNG_MS ago (it may still exec or
 * set its title) or its entry is older than the recheck interval.  Then
 * any number of patterns are matched against the cached command lines.
 *
 * Differences from discover_match(): a process that changes its command
 * line late in life, or becomes a zombie its parent does not reap, is seen
 * so only at its next recheck (the sampler sees state Z at once).
 */
#define DISCOVER_RECHECK_MS	30000
#define DISCOVER_YOUNG_MS	5000

struct discover_cache;

/* A new empty cache (recheck interval DISCOVER_RECHECK_MS); the caller
 * frees it with discover_cache_free (NULL accepted). */
struct discover_cache *discover_cache_new(void);
void discover_cache_free(struct discover_cache *c);
/* Re-read every known process at least every ms milliseconds (0: always,
 * which makes a refresh as costly as discover_match). */
void discover_cache_set_recheck(struct discover_cache *c, int64_t ms);

/* Rescan /proc.  Returns 0, or -1 with errno when /proc cannot be read
 * (the cache keeps the previous scan). */
int discover_cache_refresh(struct discover_cache *c);

/*
 * The processes of the latest refresh whose command line matches re, with
 * the same rules as discover_match (uid, exclude, no kernel threads nor
 * zombies as of their last read).  *out is malloc'd, sorted by pid, the
 * caller frees it (NULL when *n is 0).  Returns 0.
 */
int discover_cache_match(struct discover_cache *c, const regex_t *re, uid_t uid,
    pid_t exclude, struct discover_proc **out, size_t *n);

/* How many process reads the cache has done in all (for tests and the
 * benchmark). */
size_t discover_cache_reads(const struct discover_cache *c);

/*
 * Read the pid file path: a decimal pid with optional whitespace around it.
 * Returns 0 and *pid, or -1 with a message in err such as
 * "PATH: no such file", "PATH: empty", "PATH: not a pid (got "abc")".
 * Whether the process exists is not checked.
 */
int discover_pid_file(const char *path, pid_t *pid, char *err, size_t errlen);

#endif
