/*
 * bench_proc.c -- CPU cost of sampling workers from /proc and of finding
 * them by command line, with 100 real idle child processes.
 *
 * Figures are CPU time of this process (user + system: the kernel's work
 * of generating /proc files counts) per worker per tick, and the share of
 * one core that 100 workers sampled every second would take.  Each is the
 * best of three rounds, to keep out the noise of other load on the host.
 *
 * stdout: markdown table rows only; details go to stderr.
 */
#include <errno.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "discover.h"
#include "proc.h"
#include "util.h"

#define WORKERS		100
#define WORKER_MB	4
#define TICKS		50
#define SCANS		50
#define BIG_MB		1024
#define BIG_SAMPLES	20
#define TARGET_SHARE	0.5	/* percent of one core */
#define TARGET		"< 0.5% of a core"
#define ROUNDS		3

static double
min2(double a, double b)
{
	return a < b ? a : b;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* A child that touches mb MB of its own memory and sleeps until killed. */
static pid_t
start_worker(size_t mb)
{
	volatile char *p;
	size_t i;
	pid_t pid;

	pid = fork();
	if (pid == -1)
		fatal("fork: %s", strerror(errno));
	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	p = mmap(NULL, mb << 20, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(1);
	for (i = 0; i < mb << 20; i += 4096)
		p[i] = (char)i;
	for (;;)
		pause();
}

/* Wait until every pid sleeps with at least mb MB resident. */
static void
wait_settled(const pid_t *pids, int n, size_t mb)
{
	struct proc_sample s;
	char err[256];
	int i, tries;

	for (i = 0; i < n; i++) {
		for (tries = 0; tries < 3000; tries++) {
			if (proc_sample(pids[i], &s, err, sizeof err) == -1)
				fatal("%s", err);
			if (s.state == 'S' && s.rss_bytes >= (mb << 20))
				break;
			sleep_ms(2);
		}
	}
}

static void
row(const char *name, const char *value, const char *target, const char *verdict)
{
	printf("| %s | %s | %s | %s |\n", name, value, target, verdict);
	fflush(stdout);
}

static void
row_us(const char *name, double us)
{
	char value[64];

	snprintf(value, sizeof value, "%.1f us", us);
	row(name, value, "-", "-");
}

static void
row_share(const char *name, double share, int judged)
{
	char value[64];

	snprintf(value, sizeof value, "%.3f%% of a core", share);
	row(name, value, judged ? TARGET : "-",
	    !judged ? "-" : share < TARGET_SHARE ? "ok" : "FAIL");
}

/* CPU microseconds per one-shot proc_sample_flags call, ticks rounds. */
static double
oneshot_cost(const pid_t *pids, int n, int ticks, int flags)
{
	struct proc_sample s;
	char err[256];
	int64_t t0;
	int t, i;

	t0 = util_cpu_ns();
	for (t = 0; t < ticks; t++) {
		for (i = 0; i < n; i++) {
			if (proc_sample_flags(pids[i], flags, &s, err, sizeof err) == -1)
				fatal("%s", err);
		}
	}
	return (double)(util_cpu_ns() - t0) / 1000.0 / ((double)ticks * n);
}

/* CPU microseconds per proc_handle_sample call, ticks rounds; rollup
 * says whether smaps_rollup is read on every call or on none. */
static double
handle_cost(struct proc_handle *h, int n, int ticks, int rollup)
{
	struct proc_sample s;
	char err[256];
	int64_t t0;
	int t, i;

	for (i = 0; i < n; i++) {
		h[i].rollup_every_ms = rollup ? 0 : 1 << 30;
		h[i].rollup_cost_ns = 0;
	}
	t0 = util_cpu_ns();
	for (t = 0; t < ticks; t++) {
		for (i = 0; i < n; i++) {
			if (rollup)
				h[i].rollup_cost_ns = 0;
			if (proc_handle_sample(&h[i], &s, err, sizeof err) == -1)
				fatal("%s", err);
		}
	}
	return (double)(util_cpu_ns() - t0) / 1000.0 / ((double)ticks * n);
}

int
main(int argc, char **argv)
{
	static struct proc_handle handles[WORKERS];
	pid_t pids[WORKERS], big;
	struct discover_proc *found;
	struct discover_cache *cache;
	char name[200], err[256];
	double full, lean, hlean, hfull, rollup_us, every_s, handle_us;
	double scan_us, cache_us, big_full, big_lean, wall;
	size_t nfound = 0, nproc = 0, reads;
	struct rlimit rl;
	regex_t re, any;
	int64_t t0, spawned_ms;
	int i, r;

	/* 100 handles hold 400 descriptors. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	fprintf(stderr, "bench_proc: starting %d workers of %d MB\n", WORKERS, WORKER_MB);
	spawned_ms = util_mono_ms();
	for (i = 0; i < WORKERS; i++)
		pids[i] = start_worker(WORKER_MB);
	wait_settled(pids, WORKERS, WORKER_MB);

	/* One-shot proc_sample, the full set every call: stat, status,
	 * smaps_rollup, fd count, io. */
	oneshot_cost(pids, WORKERS, 2, 0);	/* warm up */
	t0 = util_mono_ns();
	full = lean = 1e18;
	for (i = 0; i < ROUNDS; i++) {
		full = min2(full, oneshot_cost(pids, WORKERS, TICKS, 0));
		lean = min2(lean, oneshot_cost(pids, WORKERS, TICKS, PROC_SAMPLE_NO_ROLLUP));
	}
	wall = (double)(util_mono_ns() - t0) / 1e6 / TICKS / ROUNDS;
	fprintf(stderr, "bench_proc: one-shot %.1f ms wall per tick of %d (with and without smaps_rollup)\n",
	    wall, WORKERS);
	snprintf(name, sizeof name, "proc_sample per worker per tick, full set every call (%d MB workers)", WORKER_MB);
	row_us(name, full);
	/* the one-shot path, for comparison: the engine samples through handles */
	row_share("proc_sample one-shot, full set every call, 100 workers at 1 s (not the engine's path)", full * WORKERS / 1e4, 0);
	row_us("proc_sample per worker per tick without smaps_rollup", lean);

	/* Handles: descriptors kept open, smaps_rollup at its cadence. */
	for (i = 0; i < WORKERS; i++) {
		if (proc_handle_open(&handles[i], pids[i], 0, err, sizeof err) == -1)
			fatal("%s", err);
	}
	handle_cost(handles, WORKERS, 2, 1);	/* warm up */
	hfull = hlean = 1e18;
	for (i = 0; i < ROUNDS; i++) {
		hfull = min2(hfull, handle_cost(handles, WORKERS, TICKS, 1));
		hlean = min2(hlean, handle_cost(handles, WORKERS, TICKS, 0));
	}
	rollup_us = hfull - hlean;
	if (rollup_us < 0)
		rollup_us = 0;
	/* At 1 s ticks smaps_rollup is read every PROC_ROLLUP_EVERY_MS, or
	 * every 1000 x its cost when that is longer. */
	every_s = PROC_ROLLUP_EVERY_MS / 1000.0;
	if (rollup_us / 1000.0 > every_s)
		every_s = rollup_us / 1000.0;
	handle_us = hlean + rollup_us / every_s;
	fprintf(stderr, "bench_proc: handle %.1f us without smaps_rollup, %.1f us with it"
	    " (%.1f us for smaps_rollup, read every %.1f s)\n", hlean, hfull, rollup_us, every_s);
	row_us("proc_handle_sample per worker per tick, smaps_rollup read every time", hfull);
	row_us("proc_handle_sample per worker per tick, between smaps_rollup reads", hlean);
	row_us("proc_handle_sample per worker per tick at 1 s ticks (smaps_rollup every 5 s)", handle_us);
	row_share("proc_handle_sample, 100 workers at 1 s (smaps_rollup every 5 s)", handle_us * WORKERS / 1e4, 1);

	/* Discovery: a pattern matching the 100 workers (forked from us,
	 * they share our command line; we exclude ourselves). */
	if (regcomp(&re, "bench_proc", REG_EXTENDED | REG_NOSUB) != 0 ||
	    regcomp(&any, ".", REG_NOSUB) != 0)
		fatal("regcomp");
	if (discover_match(&any, (uid_t)-1, 0, &found, &nproc) == 0)
		free(found);
	scan_us = 1e18;
	for (r = 0; r < ROUNDS; r++) {
		t0 = util_cpu_ns();
		for (i = 0; i < SCANS; i++) {
			if (discover_match(&re, getuid(), getpid(), &found, &nfound) == -1)
				fatal("discover_match: %s", strerror(errno));
			free(found);
		}
		scan_us = min2(scan_us, (double)(util_cpu_ns() - t0) / 1000.0 / SCANS);
	}
	if (nfound != WORKERS)
		fprintf(stderr, "bench_proc: discover_match found %zu, expected %d\n", nfound, WORKERS);
	snprintf(name, sizeof name, "discover_match over /proc per tick (%zu processes, %zu matches)",
	    nproc, nfound);
	row_us(name, scan_us);
	row_share("discover_match every 1 s", scan_us / 1e4, 0);

	/* The cache, in its steady state: the workers are past
	 * DISCOVER_YOUNG_MS, so only due rechecks read anything. */
	while (util_mono_ms() - spawned_ms < DISCOVER_YOUNG_MS + 500)
		sleep_ms(50);
	cache = discover_cache_new();
	if (discover_cache_refresh(cache) == -1)
		fatal("discover_cache_refresh: %s", strerror(errno));
	reads = discover_cache_reads(cache);
	cache_us = 1e18;
	for (r = 0; r < ROUNDS; r++) {
		t0 = util_cpu_ns();
		for (i = 0; i < SCANS; i++) {
			if (discover_cache_refresh(cache) == -1)
				fatal("discover_cache_refresh: %s", strerror(errno));
			if (discover_cache_match(cache, &re, getuid(), getpid(), &found, &nfound) == -1)
				fatal("discover_cache_match");
			free(found);
		}
		cache_us = min2(cache_us, (double)(util_cpu_ns() - t0) / 1000.0 / SCANS);
	}
	reads = discover_cache_reads(cache) - reads;
	/* Each process is read again every DISCOVER_RECHECK_MS: add that
	 * share of a full scan. */
	cache_us += scan_us * 1000.0 / DISCOVER_RECHECK_MS;
	fprintf(stderr, "bench_proc: cache: %zu process reads in %d refreshes, %zu matches\n",
	    reads, SCANS * ROUNDS, nfound);
	discover_cache_free(cache);
	regfree(&re);
	regfree(&any);
	row_us("discover_cache_refresh + match per tick (rechecks every 30 s included)", cache_us);
	row_share("discover_cache every 1 s", cache_us / 1e4, 0);
	row_share("proc_handle_sample + discover_cache, 100 workers at 1 s",
	    (handle_us * WORKERS + cache_us) / 1e4, 1);

	/* The cgroup limit: worth caching per worker, not reading per tick. */
	{
		uint64_t limit;
		double cg_us = 1e18;

		for (r = 0; r < ROUNDS; r++) {
			t0 = util_cpu_ns();
			for (i = 0; i < WORKERS; i++)
				proc_cgroup_memory_max(pids[i], &limit);
			cg_us = min2(cg_us, (double)(util_cpu_ns() - t0) / 1000.0 / WORKERS);
		}
		row_us("proc_cgroup_memory_max per call", cg_us);
	}

	for (i = 0; i < WORKERS; i++) {
		proc_handle_close(&handles[i]);
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}

	/* smaps_rollup walks the page tables: its cost grows with RSS. */
	fprintf(stderr, "bench_proc: one worker of %d MB\n", BIG_MB);
	big = start_worker(BIG_MB);
	wait_settled(&big, 1, BIG_MB);
	big_full = big_lean = 1e18;
	for (i = 0; i < ROUNDS; i++) {
		big_full = min2(big_full, oneshot_cost(&big, 1, BIG_SAMPLES, 0));
		big_lean = min2(big_lean, oneshot_cost(&big, 1, BIG_SAMPLES, PROC_SAMPLE_NO_ROLLUP));
	}
	kill(big, SIGKILL);
	waitpid(big, NULL, 0);
	row_us("proc_sample of one 1 GiB-resident worker, full set", big_full);
	row_us("proc_sample of one 1 GiB-resident worker without smaps_rollup", big_lean);
	return 0;
}
