/*
 * test_nvml.c -- nvml against the fake libnvidia-ml.so.1 in
 * $BUILD/tests (tests/support/fake_nvml.c), driven by FAKE_NVML_*
 * environment variables.  The environment is only changed while no
 * collector thread is inside the library.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nvml.h"
#include "util.h"

static char libpath[4096];

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void
clear_env(void)
{
	static const char *vars[] = {
		"FAKE_NVML_PROCS", "FAKE_NVML_GRAPHICS", "FAKE_NVML_DEVICES",
		"FAKE_NVML_DELAY_MS", "FAKE_NVML_V1", "FAKE_NVML_INIT_FAIL",
		"FAKE_NVML_FAIL", "FAKE_NVML_GRAPHICS_FAIL",
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(vars); i++)
		unsetenv(vars[i]);
	setenv("MODELTOP_NVML_LIB", libpath, 1);
}

static int
setup(void **state)
{
	clear_env();
	return 0;
}

/* Skip when the fake has not been built (make check builds it). */
static void
need_fake(void)
{
	if (access(libpath, R_OK) != 0) {
		print_message("%s not built: skipped\n", libpath);
		skip();
	}
}

static struct nvml *
open_fake(void)
{
	struct nvml *n;
	char err[256] = "";

	need_fake();
	n = nvml_open(err, sizeof err);
	if (n == NULL)
		fail_msg("nvml_open: %s", err);
	return n;
}

/* Wait (at most 5 s) for the collection after gen to complete. */
static void
wait_gen(struct nvml *n, uint64_t gen)
{
	int i;

	for (i = 0; i < 1000 && nvml_generation(n) <= gen; i++)
		sleep_ms(5);
	assert_true(nvml_generation(n) > gen);
}

static void
collect_once(struct nvml *n)
{
	uint64_t gen = nvml_generation(n);

	assert_int_equal(nvml_refresh_async(n), 1);
	wait_gen(n, gen);
}

static uint64_t
mem(struct nvml *n, pid_t pid)
{
	uint64_t bytes = 0;

	if (nvml_process_memory(n, pid, &bytes, NULL) != 1)
		return 0;
	return bytes;
}

/* The fake's call counter; our own dlopen keeps it loaded meanwhile. */
static unsigned long
calls(void *lib, const char *name)
{
	unsigned long (*fn)(const char *);

	*(void **)&fn = dlsym(lib, "fake_nvml_calls");
	assert_non_null(fn);
	return fn(name);
}

static void
test_no_library(void **state)
{
	char err[256] = "", buf[64];
	uint64_t bytes = 42;
	int64_t age = 0;

	setenv("MODELTOP_NVML_LIB", "/nonexistent/libnvidia-ml.so.1", 1);
	assert_null(nvml_open(err, sizeof err));
	assert_non_null(strstr(err, "/nonexistent/libnvidia-ml.so.1"));
	assert_null(nvml_open(NULL, 0));

	/* A library that is not NVML. */
	setenv("MODELTOP_NVML_LIB", "libc.so.6", 1);
	assert_null(nvml_open(err, sizeof err));
	assert_string_equal(err, "libc.so.6: not NVML (entry points missing)");

	/* Everything takes the NULL a host without a GPU gets. */
	assert_int_equal(nvml_refresh_async(NULL), -1);
	assert_int_equal(nvml_process_memory(NULL, 1, &bytes, &age), 0);
	assert_int_equal(bytes, 42);
	assert_int_equal(age, -1);
	assert_int_equal(nvml_device_count(NULL), 0);
	assert_int_equal(nvml_generation(NULL), 0);
	assert_int_equal(nvml_last_error(NULL, buf, sizeof buf), 0);
	nvml_close(NULL);
}

static void
test_init_fail(void **state)
{
	char err[256] = "";

	need_fake();
	setenv("FAKE_NVML_INIT_FAIL", "1", 1);
	assert_null(nvml_open(err, sizeof err));
	assert_string_equal(err, "nvmlInit: Driver Not Loaded");
	unsetenv("FAKE_NVML_INIT_FAIL");

	setenv("FAKE_NVML_DEVICES", "0", 1);
	assert_null(nvml_open(err, sizeof err));
	assert_string_equal(err, "no usable GPU (0 devices)");
}

static void
test_sums(void **state)
{
	struct nvml *n;
	uint64_t bytes = 0;
	int64_t age = 0;
	char buf[256];
	void *lib;

	setenv("FAKE_NVML_PROCS", "100:1000,200:5000:1,100:2000:1,300:7,600:na", 1);
	setenv("FAKE_NVML_GRAPHICS", "300:7,400:9:1,100:500", 1);
	n = open_fake();
	lib = dlopen(libpath, RTLD_NOW | RTLD_NOLOAD);
	assert_non_null(lib);
	assert_int_equal(nvml_device_count(n), 2);

	/* Nothing before the first collection. */
	assert_int_equal(nvml_process_memory(n, 100, &bytes, &age), 0);
	assert_int_equal(age, -1);
	assert_int_equal(nvml_generation(n), 0);

	collect_once(n);
	assert_int_equal(nvml_process_memory(n, 100, &bytes, &age), 1);
	assert_true(age >= 0 && age < 2000);
	/* dev 0: compute 1000 and graphics 500 of one process count once,
	 * as the larger; dev 1: 2000. */
	assert_int_equal(bytes, 3000);
	assert_int_equal(mem(n, 200), 5000);
	assert_int_equal(mem(n, 300), 7);
	assert_int_equal(mem(n, 400), 9);
	assert_int_equal(nvml_process_memory(n, 500, &bytes, NULL), 0);
	assert_int_equal(nvml_process_memory(n, 600, &bytes, NULL), 0);	/* not available */
	assert_int_equal(nvml_process_memory(n, 0, &bytes, NULL), 0);
	assert_int_equal(nvml_last_error(n, buf, sizeof buf), 0);
	assert_string_equal(buf, "");

	/* The newest symbols were used. */
	assert_true(calls(lib, "v3") >= 4);
	assert_int_equal(calls(lib, "v2"), 0);
	assert_int_equal(calls(lib, "v1"), 0);

	/* A new collection replaces the table. */
	setenv("FAKE_NVML_PROCS", "200:6000", 1);
	unsetenv("FAKE_NVML_GRAPHICS");
	collect_once(n);
	assert_int_equal(nvml_generation(n), 2);
	assert_int_equal(mem(n, 100), 0);
	assert_int_equal(mem(n, 200), 6000);

	nvml_close(n);
	assert_int_equal(calls(lib, "shutdown"), 1);
	dlclose(lib);
}

static void
test_v1_fallback(void **state)
{
	struct nvml *n;
	unsigned long v3;
	void *lib;

	setenv("FAKE_NVML_V1", "1", 1);
	setenv("FAKE_NVML_PROCS", "100:1000,200:5000:1,100:2000:1,"
	    "4294967295:1099511627776", 1);
	setenv("FAKE_NVML_GRAPHICS", "300:7", 1);
	n = open_fake();
	lib = dlopen(libpath, RTLD_NOW | RTLD_NOLOAD);
	assert_non_null(lib);

	collect_once(n);
	/* The 16-byte v1 layout is read as such. */
	assert_int_equal(mem(n, 100), 3000);
	assert_int_equal(mem(n, 200), 5000);
	assert_int_equal(mem(n, 300), 7);
	assert_true(mem(n, (pid_t)-1) == 1099511627776ULL);
	assert_true(calls(lib, "v1") >= 4);

	/* Once dropped, the newer versions are not asked again. */
	v3 = calls(lib, "v3");
	collect_once(n);
	assert_int_equal(calls(lib, "v3"), v3);
	assert_int_equal(mem(n, 100), 3000);

	nvml_close(n);
	dlclose(lib);
}

static void
test_many_processes(void **state)
{
	struct buf b = {0};
	struct nvml *n;
	int i;

	/* More than the first buffer holds: INSUFFICIENT_SIZE, then again. */
	for (i = 1; i <= 300; i++)
		buf_printf(&b, "%s%d:%d:%d", i > 1 ? "," : "", 1000 + i, i * 10, i % 2);
	setenv("FAKE_NVML_PROCS", b.data, 1);
	buf_free(&b);
	n = open_fake();
	collect_once(n);
	for (i = 1; i <= 300; i++)
		assert_int_equal(mem(n, 1000 + i), (uint64_t)i * 10);
	assert_int_equal(mem(n, 1000), 0);
	assert_int_equal(mem(n, 1301), 0);
	nvml_close(n);
}

static void
test_errors(void **state)
{
	struct nvml *n;
	char buf[256];

	/* Graphics not supported (a compute-only card): no error. */
	setenv("FAKE_NVML_PROCS", "100:1000", 1);
	setenv("FAKE_NVML_GRAPHICS_FAIL", "3", 1);
	n = open_fake();
	collect_once(n);
	assert_int_equal(mem(n, 100), 1000);
	assert_int_equal(nvml_last_error(n, buf, sizeof buf), 0);

	/* A failing device is reported and the collection still ends. */
	setenv("FAKE_NVML_FAIL", "15", 1);
	collect_once(n);
	assert_int_equal(mem(n, 100), 0);
	assert_int_equal(nvml_last_error(n, buf, sizeof buf), 1);
	assert_string_equal(buf, "device 1: compute processes (v3): GPU is lost");
	nvml_close(n);
}

static void
test_slow_never_stalls(void **state)
{
	struct nvml *n;
	uint64_t bytes = 0;
	int64_t t0, t1, age = 0;

	setenv("FAKE_NVML_PROCS", "100:1000", 1);
	n = open_fake();
	collect_once(n);
	assert_int_equal(mem(n, 100), 1000);

	/* The next collection takes 700 ms inside NVML. */
	setenv("FAKE_NVML_PROCS", "100:2000", 1);
	setenv("FAKE_NVML_DELAY_MS", "700", 1);
	t0 = util_mono_ms();
	assert_int_equal(nvml_refresh_async(n), 1);
	t1 = util_mono_ms();
	assert_true(t1 - t0 < 50);
	sleep_ms(20);
	/* Asked again while it runs: skipped, at once. */
	assert_int_equal(nvml_refresh_async(n), 0);
	/* Answers come from the previous collection, at once. */
	t0 = util_mono_ms();
	assert_int_equal(nvml_process_memory(n, 100, &bytes, &age), 1);
	t1 = util_mono_ms();
	assert_true(t1 - t0 < 50);
	assert_int_equal(bytes, 1000);
	assert_true(age >= 20);
	assert_int_equal(nvml_generation(n), 1);

	wait_gen(n, 1);
	assert_int_equal(nvml_generation(n), 2);
	assert_int_equal(nvml_process_memory(n, 100, &bytes, &age), 1);
	assert_int_equal(bytes, 2000);
	assert_true(age >= 0 && age < 1000);
	unsetenv("FAKE_NVML_DELAY_MS");
	nvml_close(n);
}

/* Last: it leaves the collector thread to finish on its own. */
static void
test_close_while_stuck(void **state)
{
	unsigned long down;
	struct nvml *n;
	int64_t t0, t1;
	void *lib;

	setenv("FAKE_NVML_PROCS", "100:1000", 1);
	setenv("FAKE_NVML_DELAY_MS", "1500", 1);
	n = open_fake();
	lib = dlopen(libpath, RTLD_NOW | RTLD_NOLOAD);
	assert_non_null(lib);
	down = calls(lib, "shutdown");
	assert_int_equal(nvml_refresh_async(n), 1);
	sleep_ms(50);
	t0 = util_mono_ms();
	nvml_close(n);
	t1 = util_mono_ms();
	print_message("nvml_close with NVML stuck returned in %lld ms\n", (long long)(t1 - t0));
	assert_true(t1 - t0 >= 900 && t1 - t0 < 1400);
	assert_int_equal(calls(lib, "shutdown"), down);
	/* The thread cleans up once NVML returns. */
	sleep_ms(1000);
	assert_int_equal(calls(lib, "shutdown"), down + 1);
	dlclose(lib);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_no_library, setup),
		cmocka_unit_test_setup(test_init_fail, setup),
		cmocka_unit_test_setup(test_sums, setup),
		cmocka_unit_test_setup(test_v1_fallback, setup),
		cmocka_unit_test_setup(test_many_processes, setup),
		cmocka_unit_test_setup(test_errors, setup),
		cmocka_unit_test_setup(test_slow_never_stalls, setup),
		cmocka_unit_test_setup(test_close_while_stuck, setup),
	};
	const char *build = getenv("BUILD");

	snprintf(libpath, sizeof libpath, "%s/tests/libnvidia-ml.so.1",
	    build != NULL && *build != '\0' ? build : "build");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
