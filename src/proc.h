/*
 * proc.h -- sample one process from /proc: CPU ticks, memory, threads,
 * file descriptors, I/O, plus its cgroup v2 memory limit.
 *
 * A process is identified by (pid, starttime): a pid alone may be reused.
 * Sampling runs for every worker on every tick, so proc_sample() uses
 * open/read into fixed stack buffers: no stdio and no malloc.
 *
 * Keeping state across ticks, two ways:
 *  - struct proc_handle (preferred for the per-tick loop): open it once per
 *    worker; it keeps /proc/PID and its stat, status and io files open
 *    (one pread each per tick instead of open/read/close), pins the
 *    process's identity, reads smaps_rollup at a cost-bounded cadence, and
 *    holds the previous sample and the CPU percent between the two;
 *  - or plain proc_sample(): the caller keeps one struct proc_sample prev
 *    per worker (zeroed to start: pid 0 means "no previous sample"), calls
 *    proc_cpu_percent(&prev, &cur, cur.taken_ms - prev.taken_ms) and then
 *    copies cur into prev.
 * proc_sample_same() tells whether two samples are of the same process (so
 * counters that went down mean a restart, not a reset).
 */
#ifndef MODELTOP_PROC_H
#define MODELTOP_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_sample {
	pid_t	 pid, ppid;
	uint64_t starttime;	/* field 22 of stat, clock ticks since boot: with pid, the process identity */
	char	 comm[64];	/* the name between the first '(' and the LAST ')' (may contain spaces and ')');
				   control characters are replaced by '?' */
	char	 state;		/* R S D Z T t X ... */
	uid_t	 uid;		/* real uid, from status */
	uint64_t utime, stime;	/* clock ticks */
	uint64_t vsize_bytes;	/* field 23: 0 once an exiting process has released its memory */
	int	 threads;
	uint64_t rss_bytes;	/* from status VmRSS (stat's rss when status has none) */
	int	 has_rollup;	/* smaps_rollup was readable: pss_bytes (and swap_bytes when read
				   in this sample) come from it */
	uint64_t pss_bytes, swap_bytes;	/* smaps_rollup Pss, Swap (swap falls back to status VmSwap) */
	int64_t	 rollup_ms;	/* util_mono_ms() when pss_bytes was read (a handle carries it
				   between smaps_rollup reads); 0 without one */
	int	 fds;		/* entries in /proc/PID/fd, -1 when not readable */
	int	 has_io;	/* /proc/PID/io was readable */
	uint64_t read_bytes, write_bytes;
	int64_t	 taken_ms;	/* util_mono_ms() when the sample was taken: use the difference of two
				   samples as elapsed_ms for proc_cpu_percent */
};

/* Flags for proc_sample_flags(). */
#define PROC_SAMPLE_NO_ROLLUP	0x1	/* skip smaps_rollup (it walks the page tables: its cost grows
					   with the resident size); has_rollup stays 0 */
#define PROC_SAMPLE_NO_FDS	0x2	/* skip the fd count; fds stays -1 */
#define PROC_SAMPLE_NO_IO	0x4	/* skip /proc/PID/io; has_io stays 0 */
#define PROC_SAMPLE_NO_STATUS	0x8	/* skip /proc/PID/status: rss from stat, uid and swap
					   stay 0 (a handle carries them between reads) */

/*
 * Sample process pid into *out (fully overwritten).  Returns 0, or -1 with a
 * message in err (may be NULL) when the process does not exist ("pid N: no
 * such process"), also when it vanishes between two reads: every file is
 * opened relative to one open /proc/PID directory, so a partial read or a
 * mix of two processes that shared a pid is never returned as ok.  Files
 * that are merely not readable (another user's smaps_rollup, fd, io) leave
 * has_rollup / has_io 0 and fds -1; that is not an error.  A zombie samples
 * fine with state 'Z'.
 */
int proc_sample(pid_t pid, struct proc_sample *out, char *err, size_t errlen);
/* proc_sample() with PROC_SAMPLE_* flags to leave out the costlier files
 * (for example PSS only every tenth tick on very large workers). */
int proc_sample_flags(pid_t pid, int flags, struct proc_sample *out, char *err, size_t errlen);

/* A handle reads smaps_rollup at most this often by default... */
#define PROC_ROLLUP_EVERY_MS	5000
/* A handle reads /proc/PID/status (uid, swap without smaps_rollup) at most
 * this often; rss, threads and state come from stat every sample. */
#define PROC_STATUS_EVERY_MS	5000
/* ... and counts its open descriptors at most this often. */
#define PROC_FDS_EVERY_MS	5000
/* ...and waits at least this many times what the last read cost. */
#define PROC_ROLLUP_COST_FACTOR	1000

/*
 * One worker followed across ticks.  Fields are read-only for the caller
 * except rollup_every_ms, rollup_cost_factor and rollup_hold.
 */
struct proc_handle {
	pid_t	 pid;
	uint64_t starttime;		/* of the process opened */
	int	 dirfd, statfd, statusfd, iofd;	/* -1 when not held */
	int	 denied;		/* PROC_SAMPLE_NO_* for files we may not read */
	int	 rollup_every_ms;	/* least interval between smaps_rollup reads (0: every
					   sample) ... */
	int	 rollup_cost_factor;	/* ... stretched to this many times the last read's
					   cost: the default 1000 keeps one worker's smaps_rollup
					   under 0.1% of a core; with N workers, N x 500 keeps
					   the whole fleet's under 0.2% */
	int	 rollup_hold;		/* set by the caller: no smaps_rollup in this
					   sample even when due (a budget per tick) */
	int64_t	 rollup_ms;		/* util_mono_ms() of the last read, 0 before the first */
	int64_t	 rollup_cost_ns;	/* how long that read took */
	int	 has_rollup;
	uint64_t pss_bytes;		/* from that read */
	int64_t	 status_ms;		/* util_mono_ms() of the last status read */
	uid_t	 uid;			/* from it */
	uint64_t swap_bytes;		/* the latest swap figure (status or smaps_rollup) */
	int64_t	 fds_ms;		/* util_mono_ms() of the last fd count */
	int	 fds;			/* that count */
	struct proc_sample prev;	/* the latest sample (pid 0 before the first) */
	double	 cpu_percent;		/* CPU use between the two latest samples */
};

/*
 * Open a handle on pid.  When starttime is not 0 the process must have that
 * start time (as discover_match gives it), else it is another process that
 * reused the pid.  Holds up to four descriptors; without free descriptors
 * it still works, opening files for each read.  Returns 0 (close it with
 * proc_handle_close), or -1 with a message ("pid N: no such process",
 * "pid N: another process (...)") and nothing to close.
 */
int proc_handle_open(struct proc_handle *h, pid_t pid, uint64_t starttime, char *err, size_t errlen);

/*
 * Sample the handle's process into *out, as proc_sample() does, except that
 * smaps_rollup is read only every rollup_every_ms (in between, has_rollup
 * stays 1 and pss_bytes and rollup_ms repeat the last reading) and that
 * files found unreadable once are not tried again.  Updates h->prev and
 * h->cpu_percent.  Returns 0, or -1 with a message once the process is
 * gone (for good: close the handle; a new process with the same pid needs
 * a new handle).
 */
int proc_handle_sample(struct proc_handle *h, struct proc_sample *out, char *err, size_t errlen);

/* Close the handle's descriptors.  Safe to call twice, and on a zeroed or
 * failed-to-open handle (it does nothing then). */
void proc_handle_close(struct proc_handle *h);

/*
 * Parse one /proc/PID/stat line of len bytes (need not be NUL-terminated)
 * into the pid, comm, state, ppid, utime, stime, threads and starttime
 * fields of *out (other fields untouched; rss_bytes gets stat's rss in
 * pages times the page size).  The comm is what lies between the first '('
 * and the last ')', truncated to 63 bytes.  Returns 0, or -1 when the line
 * is malformed (no parentheses, too few fields, a needed field that is not
 * a number or overflows 64 bits).  Exposed for tests and fuzzing.
 */
int proc_parse_stat(const char *buf, size_t len, struct proc_sample *out);

/* The start time of pid (clock ticks since boot) in *starttime: 0, or -1
 * when the process is gone. */
int proc_identity(pid_t pid, uint64_t *starttime);

/*
 * The full command line of pid in buf (len bytes, len > 0): the NUL
 * separators become spaces, trailing NULs are dropped, the result is
 * NUL-terminated and truncated to len - 1 bytes.  Returns its length (0 for
 * kernel threads and zombies, whose command line is empty), or -1 when the
 * process is gone or unreadable.
 */
int proc_cmdline(pid_t pid, char *buf, size_t len);

/* Same two-sample test as proc_cpu_percent: 1 when a and b are samples of
 * the same process (pid and starttime equal), else 0.  NULL is no process. */
int proc_sample_same(const struct proc_sample *a, const struct proc_sample *b);

/* CPU use between two samples in percent of one core:
 * 100 * delta(utime + stime) / clk_tck / (elapsed_ms / 1000).  0 when prev
 * is NULL, when prev and cur are different processes, when elapsed_ms <= 0
 * or when the tick count went backwards. */
double proc_cpu_percent(const struct proc_sample *prev, const struct proc_sample *cur, int64_t elapsed_ms);

/* sysconf(_SC_CLK_TCK), read once (100 when unknown). */
long proc_clk_tck(void);

/*
 * The cgroup v2 directory of pid, for example
 * "/sys/fs/cgroup/system.slice/llm.service" (or under
 * /sys/fs/cgroup/unified on hybrid hosts: the cgroup2 mount point is read
 * once from /proc/self/mountinfo), in buf.  Returns 0, or -1 when the
 * process is gone, has no v2 line ("0::/path") in /proc/PID/cgroup, no
 * cgroup2 file system is mounted, or buf is too small.
 */
int proc_cgroup_path(pid_t pid, char *buf, size_t len);

/*
 * The memory limit of pid's cgroup v2 in *limit_bytes: the smallest numeric
 * memory.max of its cgroup and every ancestor below the mount point (a
 * parent's limit binds its children).  Returns 1 and the limit, or 0 when
 * every level says "max", the limit is unknown (process gone, no cgroup2,
 * no memory controller there) or the host uses cgroup v1 for memory.
 */
int proc_cgroup_memory_max(pid_t pid, uint64_t *limit_bytes);

/* The walk behind proc_cgroup_memory_max, on any directory tree (for
 * tests): reads memory.max in mount/relpath and each parent up to and
 * including mount.  Returns 1 and the smallest number, 0 when none. */
int proc_cgroup_limit_under(const char *mount, const char *relpath, uint64_t *limit_bytes);

/* Read the small file name under dirfd (AT_FDCWD for a path) into buf
 * (size bytes, size > 0), NUL-terminated and truncated to size - 1 bytes;
 * EINTR is retried.  Returns the length, or -1 with errno set. */
ssize_t proc_read_at(int dirfd, const char *name, char *buf, size_t size);

#endif
