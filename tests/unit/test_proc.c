/*
 * test_proc.c -- proc and discover against real child processes, plus
 * proc_parse_stat on crafted lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "discover.h"
#include "proc.h"
#include "util.h"

#define MB	(1024 * 1024)

static char *argv0;

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Wait until pid sleeps (in pause()), at most 5 s. */
static void
wait_sleeping(pid_t pid)
{
	struct proc_sample s;
	int i;

	for (i = 0; i < 500; i++) {
		assert_int_equal(proc_sample_flags(pid, PROC_SAMPLE_NO_ROLLUP |
		    PROC_SAMPLE_NO_FDS | PROC_SAMPLE_NO_IO, &s, NULL, 0), 0);
		if (s.state == 'S')
			return;
		sleep_ms(10);
	}
	fail_msg("pid %d never went to sleep", (int)pid);
}

/*
 * Fork a child that runs fn(arg), reports ready by closing its end of a
 * pipe and then waits for signals forever (it dies with the test).
 * Returns once it is ready, so that its descriptors are settled.
 */
static pid_t
spawn(void (*fn)(void *), void *arg)
{
	int p[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[0]);
		if (fn != NULL)
			fn(arg);
		close(p[1]);
		for (;;)
			pause();
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 0);
	close(p[0]);
	wait_sleeping(pid);
	return pid;
}

static void
reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* ---- proc_parse_stat on crafted lines ---- */

#define TAIL	" 1 1234 1234 0 -1 4194560 100 0 0 0 250 30 0 0 20 0 7 0 98765 1000000 2560 18446744073709551615 1 2 3\n"

static int
parse(const char *line, struct proc_sample *s)
{
	memset(s, 0, sizeof *s);
	return proc_parse_stat(line, strlen(line), s);
}

static void
test_parse_stat_good(void **state)
{
	struct proc_sample s;

	assert_int_equal(parse("1234 (python3) S" TAIL, &s), 0);
	assert_int_equal(s.pid, 1234);
	assert_string_equal(s.comm, "python3");
	assert_int_equal(s.state, 'S');
	assert_int_equal(s.ppid, 1);
	assert_int_equal(s.utime, 250);
	assert_int_equal(s.stime, 30);
	assert_int_equal(s.threads, 7);
	assert_int_equal(s.starttime, 98765);
	assert_int_equal(s.rss_bytes, 2560 * (uint64_t)sysconf(_SC_PAGESIZE));

	/* The real kernel's line for this process parses too. */
	{
		char buf[1024];
		int fd = open("/proc/self/stat", O_RDONLY);
		ssize_t n = read(fd, buf, sizeof buf);

		close(fd);
		assert_true(n > 0);
		assert_int_equal(proc_parse_stat(buf, (size_t)n, &s), 0);
		assert_int_equal(s.pid, getpid());
		assert_int_equal(s.ppid, getppid());
		assert_int_equal(s.state, 'R');
	}
}

static void
test_parse_stat_odd_comm(void **state)
{
	struct proc_sample s;
	char line[512], name[101];

	assert_int_equal(parse("42 (a) b (c) R" TAIL, &s), 0);
	assert_string_equal(s.comm, "a) b (c");
	assert_int_equal(s.state, 'R');
	assert_int_equal(s.ppid, 1);

	assert_int_equal(parse("42 ()) ) Z" TAIL, &s), 0);
	assert_string_equal(s.comm, ")) ");
	assert_int_equal(s.state, 'Z');

	assert_int_equal(parse("7 () S" TAIL, &s), 0);
	assert_string_equal(s.comm, "");

	assert_int_equal(parse("7 (x 1 2 3 4 5 6 7 8 9 10) D" TAIL, &s), 0);
	assert_string_equal(s.comm, "x 1 2 3 4 5 6 7 8 9 10");
	assert_int_equal(s.state, 'D');
	assert_int_equal(s.utime, 250);

	/* Control characters do not reach the screen or the store. */
	assert_int_equal(parse("7 (a\nb\tc\x1b) S" TAIL, &s), 0);
	assert_string_equal(s.comm, "a?b?c?");

	/* UTF-8 passes through. */
	assert_int_equal(parse("7 (w\xc3\xa9rker) S" TAIL, &s), 0);
	assert_string_equal(s.comm, "w\xc3\xa9rker");

	/* Longer than the field: truncated to 63 bytes. */
	memset(name, 'n', 100);
	name[100] = '\0';
	snprintf(line, sizeof line, "9 (%s) S" TAIL, name);
	assert_int_equal(parse(line, &s), 0);
	assert_int_equal(strlen(s.comm), 63);
	assert_int_equal(s.threads, 7);

	/* Largest 64-bit value is a number. */
	assert_int_equal(parse("1 (x) S 1 1 1 0 -1 0 0 0 0 0 18446744073709551615 0 0 0 20 0 1 0 18446744073709551615 0 0\n", &s), 0);
	assert_true(s.utime == UINT64_MAX);
	assert_true(s.starttime == UINT64_MAX);

	/* No newline at the end, negative values in skipped fields. */
	assert_int_equal(parse("5 (x) S 1 1 1 0 -1 0 0 0 0 0 1 2 -3 -4 -100 -20 3 0 77 0 9", &s), 0);
	assert_int_equal(s.starttime, 77);
	assert_int_equal(s.threads, 3);
}

static void
test_parse_stat_malformed(void **state)
{
	struct proc_sample s;
	const char *line = "1234 (python3) S" TAIL;
	size_t i;
	static const char *bad[] = {
		"",
		"1234",
		"1234 python3 S" TAIL,			/* no parentheses */
		"1234 (python3 S" TAIL,			/* no ')' */
		"1234 python3) S" TAIL,			/* no '(' */
		"1234 )python3( S 1 2 3",		/* reversed */
		"1234 (python3)",			/* nothing after */
		"1234 (python3) ",
		"1234 (python3) S",
		"1234 (python3) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 30",	/* truncated */
		"1234 (python3) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 30 0 0 20 0 7 0 98765",
		"abc (python3) S" TAIL,			/* pid not a number */
		"0 (python3) S" TAIL,			/* pid 0 */
		"-5 (python3) S" TAIL,
		"99999999999 (python3) S" TAIL,		/* pid too large */
		"12x (python3) S" TAIL,
		"1 (x) S 1 1 1 0 -1 0 0 0 0 0 99999999999999999999999 0 0 0 20 0 1 0 5 0 0\n",	/* overflow */
		"1 (x) S 1 1 1 0 -1 0 0 0 0 0 18446744073709551616 0 0 0 20 0 1 0 5 0 0\n",	/* 2^64 */
		"1 (x) S 1 1 1 0 -1 0 0 0 0 0 -5 0 0 0 20 0 1 0 5 0 0\n",	/* negative utime */
		"1 (x) S 1 1 1 0 -1 0 0 0 0 0 5x 0 0 0 20 0 1 0 5 0 0\n",	/* junk in a number */
		"1 (x) S 1 1 1 0 -1 0 0 0 0 0 5 0 0 0 20 0 99999999999 0 5 0 0\n",	/* threads > INT_MAX */
		"1 (x) S  1 1 1 0 -1 0 0 0 0 0 5 0 0 0 20 0 1 0 5 0 0\n",	/* empty field */
		"1 (x)S 1 1 1 0 -1 0 0 0 0 0 5 0 0 0 20 0 1 0 5 0 0\n",
		"1 (x) \x01 1 1 1 0 -1 0 0 0 0 0 5 0 0 0 20 0 1 0 5 0 0\n",	/* state not printable */
	};

	for (i = 0; i < ARRAY_LEN(bad); i++) {
		if (parse(bad[i], &s) != -1)
			fail_msg("accepted bad line %zu: %s", i, bad[i]);
	}

	/* Every prefix of a good line short of field 24 is rejected, and
	 * the parser never reads past len (ASan would catch it). */
	for (i = 0; i < strlen(line); i++) {
		char *copy = xmalloc(i == 0 ? 1 : i);

		memcpy(copy, line, i);
		memset(&s, 0, sizeof s);
		if (proc_parse_stat(copy, i, &s) == 0 && i < strlen("1234 (python3) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 30 0 0 20 0 7 0 98765 1000000 2"))
			fail_msg("accepted prefix of %zu bytes", i);
		free(copy);
	}
}

/* ---- real processes ---- */

static void
test_sample_self(void **state)
{
	struct proc_sample s;
	char err[256], comm[64] = "";
	int fd;
	ssize_t n;

	assert_int_equal(proc_sample(getpid(), &s, err, sizeof err), 0);
	assert_int_equal(s.pid, getpid());
	assert_int_equal(s.ppid, getppid());
	assert_int_equal(s.uid, getuid());
	assert_int_equal(s.state, 'R');
	assert_true(s.threads >= 1);
	assert_true(s.rss_bytes > 1 * MB);
	assert_true(s.fds >= 3);
	assert_true(s.starttime > 0);
	assert_true(s.taken_ms > 0);
	/* Our own smaps_rollup and io are readable (io only if the kernel
	 * accounts it). */
	assert_int_equal(s.has_rollup, 1);
	assert_true(s.pss_bytes > 0);
	if (access("/proc/self/io", R_OK) == 0)
		assert_int_equal(s.has_io, 1);

	fd = open("/proc/self/comm", O_RDONLY);
	n = read(fd, comm, sizeof comm - 1);
	close(fd);
	assert_true(n > 1);
	comm[n - 1] = '\0';
	assert_string_equal(s.comm, comm);

	/* Leaving out the costly parts. */
	assert_int_equal(proc_sample_flags(getpid(), PROC_SAMPLE_NO_ROLLUP |
	    PROC_SAMPLE_NO_FDS | PROC_SAMPLE_NO_IO, &s, err, sizeof err), 0);
	assert_int_equal(s.has_rollup, 0);
	assert_int_equal(s.has_io, 0);
	assert_int_equal(s.fds, -1);
	assert_true(s.rss_bytes > 1 * MB);

	assert_int_equal(proc_sample(0, &s, err, sizeof err), -1);
	assert_string_equal(err, "pid 0: not a valid pid");
	assert_int_equal(proc_sample(-3, &s, NULL, 0), -1);
}

/* Not instrumented: under ASan a memset would also touch 6 MB of
 * shadow memory. */
__attribute__((no_sanitize("address")))
static void
touch_50mb(void *arg)
{
	volatile char *p = mmap(NULL, 50 * MB, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (p == MAP_FAILED)
		_exit(1);
	for (i = 0; i < 50 * MB; i += 4096)
		p[i] = 0x5a;
}

static void
test_memory(void **state)
{
	struct proc_sample base, mem;
	char err[256];
	pid_t b, m;
	double diff;

	b = spawn(NULL, NULL);
	m = spawn(touch_50mb, NULL);
	assert_int_equal(proc_sample(b, &base, err, sizeof err), 0);
	assert_int_equal(proc_sample(m, &mem, err, sizeof err), 0);

	diff = (double)mem.rss_bytes - (double)base.rss_bytes;
	print_message("rss base %.1f MB, 50 MB child %.1f MB, pss %.1f / %.1f MB\n",
	    base.rss_bytes / (double)MB, mem.rss_bytes / (double)MB,
	    base.pss_bytes / (double)MB, mem.pss_bytes / (double)MB);
	assert_true(diff > 45.0 * MB && diff < 55.0 * MB);

	assert_int_equal(mem.has_rollup, 1);
	assert_int_equal(base.has_rollup, 1);
	assert_true(mem.pss_bytes >= 45 * (uint64_t)MB);
	diff = (double)mem.pss_bytes - (double)base.pss_bytes;
	assert_true(diff > 45.0 * MB && diff < 55.0 * MB);
	assert_true(mem.pss_bytes <= mem.rss_bytes);
	assert_int_equal(mem.swap_bytes, 0);
	assert_int_equal(mem.ppid, getpid());
	assert_int_equal(mem.state, 'S');

	reap(b);
	reap(m);
}

static void
open_20(void *arg)
{
	int i;

	for (i = 0; i < 20; i++) {
		if (open("/dev/null", O_RDONLY) == -1)
			_exit(1);
	}
}

static void
test_fds(void **state)
{
	struct proc_sample base, s;
	pid_t b, f;

	b = spawn(NULL, NULL);
	f = spawn(open_20, NULL);
	assert_int_equal(proc_sample(b, &base, NULL, 0), 0);
	assert_int_equal(proc_sample(f, &s, NULL, 0), 0);
	assert_true(base.fds >= 0);
	assert_int_equal(s.fds, base.fds + 20);
	reap(b);
	reap(f);
}

static void *
idle_thread(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

static void
start_4_threads(void *arg)
{
	pthread_t t;
	int i;

	for (i = 0; i < 4; i++) {
		if (pthread_create(&t, NULL, idle_thread, NULL) != 0)
			_exit(1);
	}
}

static void
test_threads(void **state)
{
	struct proc_sample s;
	pid_t t;

	t = spawn(start_4_threads, NULL);
	assert_int_equal(proc_sample(t, &s, NULL, 0), 0);
	assert_int_equal(s.threads, 5);
	reap(t);
}

static void
test_cpu(void **state)
{
	struct proc_sample prev, cur, other;
	int go[2], done[2];
	int64_t elapsed;
	double pct, secs, expect;
	pid_t pid;
	char c;

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		int64_t start;
		volatile uint64_t x = 0;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		start = util_cpu_ns();
		while (util_cpu_ns() - start < 300 * 1000000LL)
			x++;
		if (write(done[1], "d", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(go[0]);
	close(done[1]);
	assert_int_equal(proc_sample(pid, &prev, NULL, 0), 0);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(read(done[0], &c, 1), 1);
	assert_int_equal(proc_sample(pid, &cur, NULL, 0), 0);
	close(go[1]);
	close(done[0]);

	elapsed = cur.taken_ms - prev.taken_ms;
	secs = (double)(cur.utime + cur.stime - prev.utime - prev.stime) / proc_clk_tck();
	pct = proc_cpu_percent(&prev, &cur, elapsed);
	expect = 100.0 * secs / (elapsed / 1000.0);
	print_message("burned %.3f s of CPU in %lld ms: %.1f%%\n", secs,
	    (long long)elapsed, pct);
	assert_true(elapsed >= 290);
	assert_true(secs >= 0.25 && secs <= 0.45);
	assert_true(pct > 10.0 && pct <= 115.0);
	assert_true(pct > expect - 1e-9 && pct < expect + 1e-9);

	/* Known answers. */
	assert_true(proc_cpu_percent(NULL, &cur, 1000) == 0.0);
	assert_true(proc_cpu_percent(&prev, &cur, 0) == 0.0);
	assert_true(proc_cpu_percent(&cur, &prev, 1000) == 0.0);	/* backwards */
	other = prev;
	other.starttime++;
	assert_true(proc_cpu_percent(&other, &cur, 1000) == 0.0);
	other = prev;
	other.utime = 0;
	other.stime = 0;
	cur.utime = proc_clk_tck();	/* one second of CPU over two */
	cur.stime = 0;
	assert_true(proc_cpu_percent(&other, &cur, 2000) == 50.0);
	reap(pid);
}

static void
set_odd_name(void *arg)
{
	prctl(PR_SET_NAME, "a) b (c");
}

static void
test_odd_comm(void **state)
{
	struct proc_sample s;
	pid_t pid;

	pid = spawn(set_odd_name, NULL);
	assert_int_equal(proc_sample(pid, &s, NULL, 0), 0);
	assert_string_equal(s.comm, "a) b (c");
	assert_int_equal(s.state, 'S');
	assert_int_equal(s.ppid, getpid());
	reap(pid);
}

static void
test_exited(void **state)
{
	struct proc_sample s;
	char err[256], want[64], cmd[64];
	uint64_t st;
	pid_t pid;
	int i;

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0)
		_exit(0);

	/* Until reaped it is a zombie: it samples, with state Z. */
	for (i = 0; i < 200; i++) {
		assert_int_equal(proc_sample(pid, &s, err, sizeof err), 0);
		if (s.state == 'Z')
			break;
		sleep_ms(10);
	}
	assert_int_equal(s.state, 'Z');
	assert_int_equal(proc_cmdline(pid, cmd, sizeof cmd), 0);
	assert_string_equal(cmd, "");

	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(proc_sample(pid, &s, err, sizeof err), -1);
	snprintf(want, sizeof want, "pid %d: no such process", (int)pid);
	assert_string_equal(err, want);
	assert_int_equal(proc_identity(pid, &st), -1);
	assert_int_equal(proc_cmdline(pid, cmd, sizeof cmd), -1);
}

static void
test_identity(void **state)
{
	struct proc_sample a, b;
	uint64_t sa, sb;
	pid_t pa, pb;

	pa = spawn(NULL, NULL);
	assert_int_equal(proc_identity(pa, &sa), 0);
	assert_int_equal(proc_sample(pa, &a, NULL, 0), 0);
	assert_true(a.starttime == sa);
	assert_true(proc_sample_same(&a, &a));
	reap(pa);
	assert_int_equal(proc_identity(pa, &sa), -1);

	sleep_ms(40);	/* start times count in clock ticks */
	pb = spawn(NULL, NULL);
	assert_int_equal(proc_identity(pb, &sb), 0);
	assert_int_equal(proc_sample(pb, &b, NULL, 0), 0);
	assert_true(b.starttime > a.starttime);
	assert_false(proc_sample_same(&a, &b));
	/* The same pid with another start time is another process. */
	b.pid = a.pid;
	assert_false(proc_sample_same(&a, &b));
	assert_false(proc_sample_same(NULL, &b));
	reap(pb);
}

static void
test_cmdline(void **state)
{
	char buf[4096], small[5];
	struct proc_sample s;
	int n;

	n = proc_cmdline(getpid(), buf, sizeof buf);
	assert_int_equal(n, (int)strlen(argv0));
	assert_string_equal(buf, argv0);
	assert_int_equal(proc_cmdline(getpid(), small, sizeof small), 4);
	assert_int_equal(strlen(small), 4);
	assert_memory_equal(small, argv0, 4);
	assert_int_equal(proc_cmdline(getpid(), buf, 0), -1);

	/* A kernel thread has an empty command line (when this pid
	 * namespace shows kthreadd at all). */
	if (proc_sample(2, &s, NULL, 0) == 0 && strcmp(s.comm, "kthreadd") == 0) {
		assert_int_equal(proc_cmdline(2, buf, sizeof buf), 0);
		assert_string_equal(buf, "");
	}
}

static void
test_handle(void **state)
{
	struct proc_handle h, z;
	struct proc_sample a, b, one;
	char err[256], want[128];
	uint64_t st;
	int64_t first;
	pid_t pid;

	memset(&z, 0, sizeof z);
	proc_handle_close(&z);	/* a zeroed handle closes nothing */

	pid = spawn(touch_50mb, NULL);
	assert_int_equal(proc_identity(pid, &st), 0);

	/* Another start time is another process. */
	assert_int_equal(proc_handle_open(&h, pid, st + 1, err, sizeof err), -1);
	snprintf(want, sizeof want, "pid %d: another process (start time %llu, not %llu)",
	    (int)pid, (unsigned long long)st, (unsigned long long)(st + 1));
	assert_string_equal(err, want);
	assert_int_equal(h.dirfd, -1);
	proc_handle_close(&h);

	assert_int_equal(proc_handle_open(&h, pid, st, err, sizeof err), 0);
	assert_int_equal(h.pid, pid);
	assert_true(h.starttime == st);
	assert_true(h.dirfd >= 0 && h.statfd >= 0 && h.statusfd >= 0);
	assert_int_equal(h.rollup_every_ms, PROC_ROLLUP_EVERY_MS);
	assert_int_equal(h.rollup_cost_factor, PROC_ROLLUP_COST_FACTOR);

	/* The same figures as a one-shot sample. */
	assert_int_equal(proc_handle_sample(&h, &a, err, sizeof err), 0);
	assert_int_equal(proc_sample(pid, &one, err, sizeof err), 0);
	assert_int_equal(a.pid, one.pid);
	assert_int_equal(a.ppid, one.ppid);
	assert_string_equal(a.comm, one.comm);
	assert_true(a.starttime == one.starttime);
	assert_int_equal(a.threads, one.threads);
	assert_int_equal(a.fds, one.fds);
	assert_int_equal(a.uid, one.uid);
	assert_int_equal(a.has_io, one.has_io);
	assert_true(a.rss_bytes == one.rss_bytes);
	assert_int_equal(a.has_rollup, 1);
	assert_true(a.pss_bytes >= 45 * (uint64_t)MB);
	assert_true(a.rollup_ms == a.taken_ms);
	assert_true(h.rollup_cost_ns > 0);
	assert_true(h.cpu_percent == 0.0);	/* no previous sample */
	assert_int_equal(h.prev.pid, pid);
	first = a.rollup_ms;

	/* Within the interval the last PSS stands.  (A 50 MB read costs
	 * about a millisecond, which alone would stretch the interval to a
	 * second: pretend it was cheap.) */
	h.rollup_every_ms = 200;
	h.rollup_cost_ns = 1000;
	sleep_ms(20);
	assert_int_equal(proc_handle_sample(&h, &b, err, sizeof err), 0);
	assert_int_equal(b.has_rollup, 1);
	assert_true(b.rollup_ms == first);
	assert_true(b.pss_bytes == a.pss_bytes);
	assert_true(b.taken_ms > a.taken_ms);
	assert_true(h.cpu_percent >= 0.0);
	sleep_ms(220);
	assert_int_equal(proc_handle_sample(&h, &b, err, sizeof err), 0);
	assert_true(b.rollup_ms > first);
	assert_true(b.rollup_ms == b.taken_ms);

	/* 0 reads it every time, unless it is costly: at most ~0.1% of a
	 * core (a 1 s read waits 1000 s). */
	h.rollup_every_ms = 0;
	h.rollup_cost_ns = 1000;
	assert_int_equal(proc_handle_sample(&h, &b, err, sizeof err), 0);
	assert_true(b.rollup_ms == b.taken_ms);
	first = b.rollup_ms;
	h.rollup_cost_ns = 1000000000;
	sleep_ms(20);
	assert_int_equal(proc_handle_sample(&h, &b, err, sizeof err), 0);
	assert_true(b.rollup_ms == first);
	assert_true(b.taken_ms > first);
	/* Factor 0: no stretching. */
	h.rollup_cost_factor = 0;
	assert_int_equal(proc_handle_sample(&h, &b, err, sizeof err), 0);
	assert_true(b.rollup_ms == b.taken_ms);
	/* Held (the tick's budget is spent): not read although due, the
	 * last PSS stands; read at the next sample that is not held. */
	first = b.rollup_ms;
	sleep_ms(20);
	h.rollup_hold = 1;
	assert_int_equal(proc_handle_sample(&h, &b, err, sizeof err), 0);
	assert_int_equal(b.has_rollup, 1);
	assert_true(b.rollup_ms == first);
	h.rollup_hold = 0;
	assert_int_equal(proc_handle_sample(&h, &b, err, sizeof err), 0);
	assert_true(b.rollup_ms > first);
	h.rollup_cost_factor = PROC_ROLLUP_COST_FACTOR;

	/* Gone: -1 for good, even though a zombie first still samples. */
	kill(pid, SIGKILL);
	for (;;) {
		assert_int_equal(proc_handle_sample(&h, &b, err, sizeof err), 0);
		if (b.state == 'Z')
			break;
		sleep_ms(5);
	}
	assert_int_equal(b.has_rollup, 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(proc_handle_sample(&h, &b, err, sizeof err), -1);
	snprintf(want, sizeof want, "pid %d: no such process", (int)pid);
	assert_string_equal(err, want);
	proc_handle_close(&h);
	proc_handle_close(&h);
	assert_int_equal(proc_handle_open(&h, pid, 0, err, sizeof err), -1);
	assert_string_equal(err, want);
}

static void
test_handle_cpu(void **state)
{
	struct proc_handle h;
	struct proc_sample s;
	int go[2], done[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		int64_t start;
		volatile uint64_t x = 0;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		start = util_cpu_ns();
		while (util_cpu_ns() - start < 200 * 1000000LL)
			x++;
		if (write(done[1], "d", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(go[0]);
	close(done[1]);
	assert_int_equal(proc_handle_open(&h, pid, 0, NULL, 0), 0);
	assert_int_equal(proc_handle_sample(&h, &s, NULL, 0), 0);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(read(done[0], &c, 1), 1);
	assert_int_equal(proc_handle_sample(&h, &s, NULL, 0), 0);
	print_message("handle: %.1f%% over 200 ms of CPU\n", h.cpu_percent);
	assert_true(h.cpu_percent > 10.0 && h.cpu_percent <= 115.0);
	close(go[1]);
	close(done[0]);
	reap(pid);
	proc_handle_close(&h);
}

/* Files of a process we may not read are not errors. */
static void
test_unreadable(void **state)
{
	struct proc_sample s;
	char err[256];
	pid_t pid, parent = getpid();
	int status, fd;

	fd = open("/proc/1/io", O_RDONLY);
	if (fd == -1 && errno == EACCES) {
		assert_int_equal(proc_sample(1, &s, err, sizeof err), 0);
		assert_int_equal(s.has_io, 0);
	}
	if (fd != -1)
		close(fd);

	if (getuid() != 0)
		return;
	/* As root: a child that becomes nobody looks at us. */
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		if (setgid(65534) == -1 || setuid(65534) == -1)
			_exit(77);	/* no such user here: nothing to test */
		if (proc_sample(parent, &s, err, sizeof err) != 0)
			_exit(11);
		if (s.has_io != 0 || s.has_rollup != 0)
			_exit(12);
		if (s.uid != 0 || s.pid != parent || s.rss_bytes == 0)
			_exit(13);
		/* Linux >= 6.2 gives the count through stat() even so. */
		if (s.fds != -1 && s.fds < 3)
			_exit(14);
		/* A handle stops trying what it may not read. */
		{
			struct proc_handle h;

			if (proc_handle_open(&h, parent, 0, err, sizeof err) != 0)
				_exit(15);
			if (proc_handle_sample(&h, &s, err, sizeof err) != 0)
				_exit(16);
			if (s.has_io || s.has_rollup || s.rss_bytes == 0)
				_exit(17);
			if (h.denied != (PROC_SAMPLE_NO_IO | PROC_SAMPLE_NO_ROLLUP))
				_exit(18);
			if (proc_handle_sample(&h, &s, err, sizeof err) != 0 || s.has_rollup)
				_exit(19);
			proc_handle_close(&h);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		print_message("cannot become uid 65534: skipped\n");
	else
		assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_cgroup(void **state)
{
	char path[4096], dir[256], file[512];
	struct stat st;
	uint64_t lim = 12345;
	int r;
	FILE *f;

	r = proc_cgroup_path(getpid(), path, sizeof path);
	assert_true(r == 0 || r == -1);
	print_message("cgroup v2 directory: %s\n", r == 0 ? path : "(none)");
	if (r == 0) {
		assert_true(path[0] == '/');
		assert_int_equal(stat(path, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		assert_int_equal(proc_cgroup_path(getpid(), dir, 4), -1);
	}
	r = proc_cgroup_memory_max(getpid(), &lim);
	assert_true(r == 0 || r == 1);
	if (r == 1)
		assert_true(lim > 0);
	assert_int_equal(proc_cgroup_path(-1, path, sizeof path), -1);
	assert_int_equal(proc_cgroup_memory_max(-1, &lim), 0);

	/* The walk up, on a tree of our own. */
	snprintf(dir, sizeof dir, "/tmp/test_proc.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof file, "%s/a/b/c", dir);
	assert_int_equal(util_mkdir_parents(file), 0);
	assert_int_equal(mkdir(file, 0755), 0);

#define PUT(rel, text) do {						\
	snprintf(file, sizeof file, "%s/%s", dir, rel);			\
	f = fopen(file, "w");						\
	assert_non_null(f);						\
	fputs(text, f);							\
	fclose(f);							\
} while (0)

	assert_int_equal(proc_cgroup_limit_under(dir, "/a/b/c", &lim), 0);
	PUT("a/b/c/memory.max", "max\n");
	PUT("a/b/memory.max", "max\n");
	assert_int_equal(proc_cgroup_limit_under(dir, "/a/b/c", &lim), 0);
	PUT("a/memory.max", "1073741824\n");
	assert_int_equal(proc_cgroup_limit_under(dir, "/a/b/c", &lim), 1);
	assert_true(lim == 1073741824ULL);
	PUT("a/b/c/memory.max", "536870912\n");
	assert_int_equal(proc_cgroup_limit_under(dir, "/a/b/c", &lim), 1);
	assert_true(lim == 536870912ULL);
	assert_int_equal(proc_cgroup_limit_under(dir, "/a/b", &lim), 1);
	assert_true(lim == 1073741824ULL);
	/* The mount point's own file counts; nothing above it does. */
	PUT("memory.max", "4096\n");
	assert_int_equal(proc_cgroup_limit_under(dir, "/a/b/c", &lim), 1);
	assert_true(lim == 4096);
	snprintf(file, sizeof file, "%s/a", dir);
	assert_int_equal(proc_cgroup_limit_under(file, "b/c", &lim), 1);
	assert_true(lim == 536870912ULL);
	assert_int_equal(proc_cgroup_limit_under(file, "/", &lim), 1);
	assert_true(lim == 1073741824ULL);
	/* Junk is ignored, not trusted. */
	PUT("a/memory.max", "12abc\n");
	PUT("a/b/c/memory.max", "\n");
	PUT("memory.max", "-5\n");
	assert_int_equal(proc_cgroup_limit_under(dir, "/a/b/c", &lim), 0);

	snprintf(file, sizeof file, "rm -rf '%s'", dir);
	assert_int_equal(system(file), 0);
#undef PUT
}

/* ---- discover ---- */

static pid_t
spawn_sleep(const char *arg)
{
	pid_t pid = fork();

	assert_true(pid != -1);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl("/bin/sleep", "sleep", arg, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static size_t
find(const regex_t *re, uid_t uid, pid_t exclude, pid_t want, uint64_t *starttime)
{
	struct discover_proc *list;
	size_t n, i, hits = 0;

	assert_int_equal(discover_match(re, uid, exclude, &list, &n), 0);
	for (i = 0; i < n; i++) {
		if (i > 0)
			assert_true(list[i - 1].pid < list[i].pid);
		if (list[i].pid == want) {
			hits++;
			if (starttime != NULL)
				*starttime = list[i].starttime;
		}
	}
	free(list);
	return hits;
}

static void
test_discover_match(void **state)
{
	struct discover_proc *list;
	char arg[64], pattern[128];
	uint64_t st = 0, want;
	regex_t re;
	size_t n;
	pid_t pid, zombie;
	int i;

	snprintf(arg, sizeof arg, "3600.0%d", (int)getpid());
	snprintf(pattern, sizeof pattern, "^sleep 3600\\.0%d$", (int)getpid());
	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);

	pid = spawn_sleep(arg);
	for (i = 0; i < 300 && find(&re, (uid_t)-1, 0, pid, NULL) == 0; i++)
		sleep_ms(10);	/* until it has exec'd */
	assert_int_equal(find(&re, (uid_t)-1, 0, pid, &st), 1);
	assert_int_equal(proc_identity(pid, &want), 0);
	assert_true(st == want);

	/* Exactly the one process matches. */
	assert_int_equal(discover_match(&re, (uid_t)-1, 0, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].pid, pid);
	free(list);

	assert_int_equal(find(&re, getuid(), 0, pid, NULL), 1);
	assert_int_equal(find(&re, getuid() + 4242, 0, pid, NULL), 0);
	assert_int_equal(find(&re, (uid_t)-1, pid, pid, NULL), 0);

	/* A zombie matches no more. */
	zombie = spawn_sleep(arg);
	for (i = 0; i < 300 && find(&re, (uid_t)-1, 0, zombie, NULL) == 0; i++)
		sleep_ms(10);
	assert_int_equal(find(&re, (uid_t)-1, 0, zombie, NULL), 1);
	kill(zombie, SIGKILL);
	for (i = 0; i < 300 && find(&re, (uid_t)-1, 0, zombie, NULL) == 1; i++)
		sleep_ms(10);
	assert_int_equal(find(&re, (uid_t)-1, 0, zombie, NULL), 0);
	assert_int_equal(find(&re, (uid_t)-1, 0, pid, NULL), 1);
	waitpid(zombie, NULL, 0);

	reap(pid);
	assert_int_equal(find(&re, (uid_t)-1, 0, pid, NULL), 0);
	assert_int_equal(discover_match(&re, (uid_t)-1, 0, &list, &n), 0);
	assert_int_equal(n, 0);
	assert_null(list);
	regfree(&re);

	/* Never ourselves when excluded, found when not. */
	assert_int_equal(regcomp(&re, "test_proc", REG_NOSUB), 0);
	assert_int_equal(find(&re, (uid_t)-1, getpid(), getpid(), NULL), 0);
	assert_int_equal(find(&re, (uid_t)-1, 0, getpid(), NULL), 1);
	regfree(&re);
}

static size_t
cache_find(struct discover_cache *c, const regex_t *re, uid_t uid, pid_t exclude,
    pid_t want, uint64_t *starttime)
{
	struct discover_proc *list;
	size_t n, i, hits = 0;

	assert_int_equal(discover_cache_refresh(c), 0);
	assert_int_equal(discover_cache_match(c, re, uid, exclude, &list, &n), 0);
	for (i = 0; i < n; i++) {
		if (i > 0)
			assert_true(list[i - 1].pid < list[i].pid);
		if (list[i].pid == want) {
			hits++;
			if (starttime != NULL)
				*starttime = list[i].starttime;
		}
	}
	free(list);
	return hits;
}

static void
test_discover_cache(void **state)
{
	struct discover_cache *c;
	struct discover_proc *list;
	char arg[64], pattern[128];
	uint64_t st = 0, want;
	size_t n, r1, r2, r3, all;
	regex_t re, any;
	pid_t pid, zombie;
	int i;

	discover_cache_free(NULL);
	c = discover_cache_new();
	snprintf(arg, sizeof arg, "3600.1%d", (int)getpid());
	snprintf(pattern, sizeof pattern, "^sleep 3600\\.1%d$", (int)getpid());
	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regcomp(&any, ".", REG_NOSUB), 0);

	/* Before any refresh nothing is known. */
	assert_int_equal(discover_cache_match(c, &re, (uid_t)-1, 0, &list, &n), 0);
	assert_int_equal(n, 0);
	assert_null(list);

	pid = spawn_sleep(arg);
	for (i = 0; i < 300 && cache_find(c, &re, (uid_t)-1, 0, pid, NULL) == 0; i++)
		sleep_ms(10);	/* young: re-read until it has exec'd */
	assert_int_equal(cache_find(c, &re, (uid_t)-1, 0, pid, &st), 1);
	assert_int_equal(proc_identity(pid, &want), 0);
	assert_true(st == want);
	assert_int_equal(cache_find(c, &re, getuid(), 0, pid, NULL), 1);
	assert_int_equal(cache_find(c, &re, getuid() + 4242, 0, pid, NULL), 0);
	assert_int_equal(cache_find(c, &re, (uid_t)-1, pid, pid, NULL), 0);

	/* Several patterns on one refresh. */
	assert_int_equal(discover_cache_match(c, &any, (uid_t)-1, 0, &list, &all), 0);
	free(list);
	assert_true(all >= 2);
	assert_int_equal(discover_cache_match(c, &re, (uid_t)-1, 0, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].pid, pid);
	free(list);

	/* Old processes are not read again until their recheck; young
	 * ones (ours) are. */
	r1 = discover_cache_reads(c);
	assert_int_equal(discover_cache_refresh(c), 0);
	r2 = discover_cache_reads(c);
	print_message("cache refresh: %zu reads for %zu processes with a command line\n",
	    r2 - r1, all);
	assert_true(r2 - r1 >= 2);	/* this test and the sleep at least */
	discover_cache_set_recheck(c, 0);
	assert_int_equal(discover_cache_refresh(c), 0);
	r3 = discover_cache_reads(c);
	assert_true(r3 - r2 >= all);
	assert_true(r3 - r2 >= r2 - r1);
	discover_cache_set_recheck(c, DISCOVER_RECHECK_MS);

	/* A (young) zombie is dropped at the next refresh. */
	zombie = spawn_sleep(arg);
	for (i = 0; i < 300 && cache_find(c, &re, (uid_t)-1, 0, zombie, NULL) == 0; i++)
		sleep_ms(10);
	assert_int_equal(cache_find(c, &re, (uid_t)-1, 0, zombie, NULL), 1);
	kill(zombie, SIGKILL);
	for (i = 0; i < 300 && cache_find(c, &re, (uid_t)-1, 0, zombie, NULL) == 1; i++)
		sleep_ms(10);
	assert_int_equal(cache_find(c, &re, (uid_t)-1, 0, zombie, NULL), 0);
	waitpid(zombie, NULL, 0);

	/* A reaped process is gone. */
	reap(pid);
	assert_int_equal(cache_find(c, &re, (uid_t)-1, 0, pid, NULL), 0);

	/* Never ourselves when excluded. */
	regfree(&re);
	assert_int_equal(regcomp(&re, "test_proc", REG_NOSUB), 0);
	assert_int_equal(cache_find(c, &re, (uid_t)-1, getpid(), getpid(), NULL), 0);
	assert_int_equal(cache_find(c, &re, (uid_t)-1, 0, getpid(), NULL), 1);
	regfree(&re);
	regfree(&any);
	discover_cache_free(c);
}

static void
test_pid_file(void **state)
{
	char dir[64], path[128], err[256], want[256];
	pid_t pid = 0;
	FILE *f;
	size_t i;
	static const struct {
		const char *text;
		int	    pid;		/* 0: bad */
		const char *got;		/* the message's tail */
	} cases[] = {
		{ "1234\n", 1234, NULL },
		{ "  42 \n\n", 42, NULL },
		{ "7", 7, NULL },
		{ "2147483647\n", 2147483647, NULL },
		{ "", 0, ": empty" },
		{ " \n\t\n", 0, ": empty" },
		{ "abc\n", 0, ": not a pid (got \"abc\")" },
		{ "12abc\n", 0, ": not a pid (got \"12abc\")" },
		{ "12 13\n", 0, ": not a pid (got \"12 13\")" },
		{ "-5\n", 0, ": not a pid (got \"-5\")" },
		{ "0\n", 0, ": not a pid (got \"0\")" },
		{ "2147483648\n", 0, ": not a pid (got \"2147483648\")" },
		{ "99999999999999999999999\n", 0, ": not a pid (got \"99999999999999999999999\")" },
		{ "1\x01\n", 0, ": not a pid (got \"1?\")" },
	};

	snprintf(dir, sizeof dir, "/tmp/test_proc.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/w.pid", dir);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(cases[i].text, f);
		fclose(f);
		err[0] = '\0';
		pid = 0;
		if (cases[i].pid != 0) {
			assert_int_equal(discover_pid_file(path, &pid, err, sizeof err), 0);
			assert_int_equal(pid, cases[i].pid);
		} else {
			assert_int_equal(discover_pid_file(path, &pid, err, sizeof err), -1);
			snprintf(want, sizeof want, "%s%s", path, cases[i].got);
			assert_string_equal(err, want);
		}
	}

	/* Long junk is cut in the message. */
	f = fopen(path, "w");
	for (i = 0; i < 500; i++)
		fputc('x', f);
	fclose(f);
	assert_int_equal(discover_pid_file(path, &pid, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: not a pid (got \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\")", path);
	assert_string_equal(err, want);

	unlink(path);
	assert_int_equal(discover_pid_file(path, &pid, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: no such file", path);
	assert_string_equal(err, want);

	assert_int_equal(discover_pid_file(dir, &pid, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: Is a directory", dir);
	assert_string_equal(err, want);
	assert_int_equal(rmdir(dir), 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_stat_good),
		cmocka_unit_test(test_parse_stat_odd_comm),
		cmocka_unit_test(test_parse_stat_malformed),
		cmocka_unit_test(test_sample_self),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_fds),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_cpu),
		cmocka_unit_test(test_odd_comm),
		cmocka_unit_test(test_exited),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_handle),
		cmocka_unit_test(test_handle_cpu),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_cgroup),
		cmocka_unit_test(test_discover_match),
		cmocka_unit_test(test_discover_cache),
		cmocka_unit_test(test_pid_file),
	};

	argv0 = argv[0];
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
