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
 * Read the pid file path: a decimal pid with optional whitespace around it.
 * Returns 0 and *pid, or -1 with a message in err such as
 * "PATH: no such file", "PATH: empty", "PATH: not a pid (got "abc")".
 * Whether the process exists is not checked.
 */
int discover_pid_file(const char *path, pid_t *pid, char *err, size_t errlen);

#endif
