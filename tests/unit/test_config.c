/*
 * test_config.c -- the configuration loader, and the sizes, durations,
 * signal names and argv splitting it is built on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "units.h"
#include "util.h"

static char tmpdir[64];
static char home[PATH_MAX];

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_config.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(home, sizeof home, "%s/home", tmpdir);
	setenv("HOME", home, 1);
	return 0;
}

static int
teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int rc = system(cmd);

	free(cmd);
	return rc == 0 ? 0 : -1;
}

/* Write text to tmpdir/name; returns the path (caller frees). */
static char *
write_file(const char *name, const char *text, size_t len)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	return path;
}

static void
dump_errors(const struct cfg_errors *errs)
{
	cfg_errors_print(errs, stderr);
}

/* Load text as a file; returns config_load's result. */
static int
load_text(const char *text, struct config *cfg, struct cfg_errors *errs)
{
	char *path = write_file("t.ini", text, strlen(text));
	int rc = config_load(path, cfg, errs);

	free(path);
	return rc;
}

/* Load text that must have no errors. */
static void
load_ok(const char *text, struct config *cfg)
{
	struct cfg_errors errs = {0};

	if (load_text(text, cfg, &errs) != 0)
		dump_errors(&errs);
	assert_int_equal(errs.n, 0);
	cfg_errors_free(&errs);
}

/* Load text that must give exactly one error, at line, containing msg. */
static void
load_one_error(const char *text, int line, const char *msg)
{
	struct cfg_errors errs = {0};
	struct config cfg;

	assert_int_equal(load_text(text, &cfg, &errs), -1);
	if (errs.n != 1 || errs.v[0].line != line ||
	    strstr(errs.v[0].msg, msg) == NULL) {
		print_error("want one error at line %d with \"%s\", got:\n",
		    line, msg);
		dump_errors(&errs);
	}
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].line, line);
	assert_non_null(strstr(errs.v[0].msg, msg));
	config_free(&cfg);
	cfg_errors_free(&errs);
}


static int
fake_key_check(const char *spec, char *err, size_t errlen)
{
	if (strcmp(spec, "Bogus") == 0) {
		snprintf(err, errlen, "unknown key name");
		return -1;
	}
	return 0;
}

static void
test_keys_section(void **state)
{
	struct config cfg;

	(void)state;
	load_ok("[keys]\nF5 = trim\nx = act %w restart\nq =\n", &cfg);
	assert_int_equal(cfg.nkeys, 3);
	assert_string_equal(cfg.keys[0].spec, "F5");
	assert_string_equal(cfg.keys[0].command, "trim");
	assert_string_equal(cfg.keys[1].command, "act %w restart");
	assert_int_equal(cfg.keys[1].line, 3);
	assert_string_equal(cfg.keys[2].command, "");
	config_free(&cfg);
	load_one_error("[keys]\nF5 = trim\nF5 = help\n", 3,
	    "[keys] F5: bound twice (first at line 2)");
	load_one_error("[keys fleet]\n", 1, "[keys] takes no name");
	config_set_key_check(fake_key_check);
	load_one_error("[keys]\nF5 = trim\nBogus = help\n", 3,
	    "[keys] Bogus: unknown key name");
	config_set_key_check(NULL);
}

/* ------------------------------------------------------------------ */

static void
test_units_size(void **state)
{
	static const struct {
		const char *s;
		uint64_t v;
	} good[] = {
		{ "0", 0 }, { "512", 512 }, { "512B", 512 }, { "512 b", 512 },
		{ "1K", 1024 }, { "1k", 1024 }, { "1KB", 1024 },
		{ "1 KiB", 1024 }, { "64K", 65536 }, { "300M", 314572800 },
		{ "2G", 2147483648ULL }, { "2g", 2147483648ULL },
		{ "1.5G", 1610612736ULL }, { "0.5K", 512 }, { ".5K", 512 },
		{ "1T", 1099511627776ULL }, { " 8M ", 8388608 },
		{ "16777215T", 16777215ULL << 40 },
		{ "18446744073709551615", UINT64_MAX },
		{ "1.0001K", 1024 },	/* rounded to the nearest byte */
	};
	static const char *const bad[] = {
		"", " ", "-1", "-1K", "+1K", "K", "1X", "1KK", "1.K", "1..5K",
		"1e3", "0x10", "nan", "inf", "1 2", "1,5G", "16777216T",
		"18446744073709551616", "99999999999999999999K", "1Bi", "1iB",
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < ARRAY_LEN(good); i++) {
		v = 7;
		if (units_parse_size(good[i].s, &v) != 0)
			print_error("size \"%s\" refused\n", good[i].s);
		assert_int_equal(units_parse_size(good[i].s, &v), 0);
		assert_int_equal(v, good[i].v);
	}
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		v = 7;
		if (units_parse_size(bad[i], &v) != -1)
			print_error("size \"%s\" accepted\n", bad[i]);
		assert_int_equal(units_parse_size(bad[i], &v), -1);
		assert_int_equal(v, 7);
	}
}

static void
test_units_duration(void **state)
{
	static const struct {
		const char *s;
		int64_t ms;
	} good[] = {
		{ "0", 0 }, { "5", 5000 }, { "1.5", 1500 }, { "500ms", 500 },
		{ "1s", 1000 }, { "0.5s", 500 }, { "2m", 120000 },
		{ "1h", 3600000 }, { "7d", 604800000 }, { "1h30m", 5400000 },
		{ "1h 30m", 5400000 }, { "2m30s", 150000 },
		{ "1d2h3m4s5ms", 93784005 }, { "1.5h", 5400000 },
		{ "3m05s", 185000 }, { "10 s", 10000 }, { "1S", 1000 },
		{ "2H", 7200000 }, { "250MS", 250 }, { " 1s ", 1000 },
		{ "0.0004s", 0 }, { "0.0006s", 1 },
		{ "106751991167d", INT64_C(106751991167) * 86400000 },
	};
	static const char *const bad[] = {
		"", " ", "-1s", "+1s", "s", "1x", "fast", "1h30", "1sec",
		"1 2", "1..5s", "1.s", "1,5s", "1e3s", "1h-30m", "5m s",
		"106751991168d", "9223372036854775808ms",
		"99999999999999999999s", "nan", "inf",
	};
	int64_t v;
	size_t i;

	for (i = 0; i < ARRAY_LEN(good); i++) {
		v = 7;
		if (units_parse_duration(good[i].s, &v) != 0)
			print_error("duration \"%s\" refused\n", good[i].s);
		assert_int_equal(units_parse_duration(good[i].s, &v), 0);
		assert_int_equal(v, good[i].ms);
	}
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		v = 7;
		if (units_parse_duration(bad[i], &v) != -1)
			print_error("duration \"%s\" accepted\n", bad[i]);
		assert_int_equal(units_parse_duration(bad[i], &v), -1);
		assert_int_equal(v, 7);
	}
}

static void
test_units_format(void **state)
{
	static const struct {
		uint64_t v;
		const char *s;
	} sizes[] = {
		{ 0, "0B" }, { 512, "512B" }, { 1023, "1023B" },
		{ 1024, "1.0K" }, { 1536, "1.5K" }, { 10240, "10K" },
		{ 10189, "10K" }, { 314572800, "300M" },
		{ 2147483648ULL, "2.0G" }, { 1048575, "1.0M" },
		{ 1099511627776ULL, "1.0T" }, { UINT64_MAX, "16777215T" },
		{ 10ULL << 40, "10T" }, { 3ULL << 20, "3.0M" },
	};
	static const struct {
		int64_t ms;
		const char *s;
	} durs[] = {
		{ 0, "0ms" }, { 850, "850ms" }, { 1000, "1s" },
		{ 1500, "1.5s" }, { 1050, "1s" }, { 12000, "12s" },
		{ 12999, "12s" }, { 200000, "3m20s" }, { 185000, "3m05s" },
		{ 7500000, "2h05m" }, { 273600000, "3d04h" },
		{ -850, "-850ms" }, { -200000, "-3m20s" },
		{ INT64_MIN, "-106751991167d07h" }, { 3600000, "1h" },
		{ 120000, "2m" }, { 86400000, "1d" }, { 90061000, "1d01h" },
		{ 3660000, "1h01m" }, { 60000, "1m" },
	};
	char buf[UNITS_FMT_MAX];
	uint64_t v;
	int64_t ms;
	size_t i;

	for (i = 0; i < ARRAY_LEN(sizes); i++) {
		units_format_size(sizes[i].v, buf, sizeof buf);
		assert_string_equal(buf, sizes[i].s);
		/* Reads back within the rounding of the printed digit. */
		assert_int_equal(units_parse_size(buf, &v), 0);
		assert_true((double)v >= (double)sizes[i].v * 0.95 &&
		    (double)v <= (double)sizes[i].v * 1.05);
	}
	for (i = 0; i < ARRAY_LEN(durs); i++) {
		units_format_duration(durs[i].ms, buf, sizeof buf);
		assert_string_equal(buf, durs[i].s);
		if (durs[i].ms >= 0) {
			assert_int_equal(units_parse_duration(buf, &ms), 0);
			/* Within what the last printed unit truncates. */
			int64_t slack = durs[i].ms / 20 > 1000 ?
			    durs[i].ms / 20 : 1000;
			assert_true(ms <= durs[i].ms &&
			    ms > durs[i].ms - slack);
		}
	}
	/* Exact round trips where the unit divides evenly. */
	for (ms = 0; ms < INT64_C(200) * 86400000; ms = ms * 3 + 1000) {
		int64_t back;

		if (ms % 1000 != 0)
			continue;
		units_format_duration(ms, buf, sizeof buf);
		assert_int_equal(units_parse_duration(buf, &back), 0);
		if (ms < 3600000)
			assert_int_equal(back, ms);
	}
	units_format_size(1536, buf, 3);	/* truncated, terminated */
	assert_string_equal(buf, "1.");
}

static void
test_units_number(void **state)
{
	static const char *const locales[] = { "de_DE.UTF-8", "de_DE.utf8",
	    "fr_FR.UTF-8", "nl_NL.UTF-8", "ru_RU.UTF-8" };
	const char *used = NULL;
	double d;
	size_t i;

	assert_int_equal(units_parse_number("0.95", &d), 0);
	assert_true(d == 0.95);
	assert_int_equal(units_parse_number("-3", &d), 0);
	assert_true(d == -3);
	assert_int_equal(units_parse_number("+1e9", &d), 0);
	assert_true(d == 1e9);
	assert_int_equal(units_parse_number(".5", &d), 0);
	assert_true(d == 0.5);
	assert_int_equal(units_parse_number("1.5E-3", &d), 0);
	assert_true(d == 1.5e-3);
	assert_int_equal(units_parse_number("0x10", &d), -1);
	assert_int_equal(units_parse_number("inf", &d), -1);
	assert_int_equal(units_parse_number("nan", &d), -1);
	assert_int_equal(units_parse_number("1e999", &d), -1);
	assert_int_equal(units_parse_number("1,5", &d), -1);
	assert_int_equal(units_parse_number("1e", &d), -1);
	assert_int_equal(units_parse_number("", &d), -1);
	assert_int_equal(units_parse_number("-", &d), -1);
	assert_int_equal(units_parse_number("5.", &d), -1);

	/* A decimal-comma locale must change nothing, where one exists. */
	for (i = 0; i < ARRAY_LEN(locales) && used == NULL; i++) {
		if (setlocale(LC_ALL, locales[i]) != NULL)
			used = locales[i];
	}
	if (used == NULL)
		return;
	assert_int_equal(units_parse_number("1.5", &d), 0);
	assert_true(d == 1.5);
	assert_int_equal(units_parse_number("1,5", &d), -1);
	{
		uint64_t v;
		int64_t ms;

		assert_int_equal(units_parse_size("1.5K", &v), 0);
		assert_int_equal(v, 1536);
		assert_int_equal(units_parse_duration("0.5s", &ms), 0);
		assert_int_equal(ms, 500);
	}
	setlocale(LC_ALL, "C");
}

static void
test_signals(void **state)
{
	assert_int_equal(config_signal_number("USR1"), SIGUSR1);
	assert_int_equal(config_signal_number("SIGUSR1"), SIGUSR1);
	assert_int_equal(config_signal_number("usr1"), SIGUSR1);
	assert_int_equal(config_signal_number("sigusr2"), SIGUSR2);
	assert_int_equal(config_signal_number("15"), SIGTERM);
	assert_int_equal(config_signal_number("TERM"), SIGTERM);
	assert_int_equal(config_signal_number("HUP"), SIGHUP);
	assert_int_equal(config_signal_number("KILL"), SIGKILL);
	assert_int_equal(config_signal_number("INT"), SIGINT);
	assert_int_equal(config_signal_number("CHLD"), SIGCHLD);
	assert_int_equal(config_signal_number("IOT"), SIGABRT);
	assert_int_equal(config_signal_number("RTMIN"), SIGRTMIN);
	assert_int_equal(config_signal_number("RTMIN+2"), SIGRTMIN + 2);
	assert_int_equal(config_signal_number("RTMAX-1"), SIGRTMAX - 1);
	assert_int_equal(config_signal_number("9"), 9);
	assert_int_equal(config_signal_number("0"), -1);
	assert_int_equal(config_signal_number("65"), -1);
	assert_int_equal(config_signal_number("-9"), -1);
	assert_int_equal(config_signal_number("15x"), -1);
	assert_int_equal(config_signal_number("USR3"), -1);
	assert_int_equal(config_signal_number(""), -1);
	assert_int_equal(config_signal_number("SIG"), -1);
	assert_int_equal(config_signal_number("RTMIN+99"), -1);
	assert_string_equal(config_signal_name(SIGUSR1), "USR1");
	assert_string_equal(config_signal_name(SIGTERM), "TERM");
	assert_string_equal(config_signal_name(SIGABRT), "ABRT");
	assert_string_equal(config_signal_name(SIGCHLD), "CHLD");
	assert_null(config_signal_name(0));
	assert_null(config_signal_name(SIGRTMIN));
}

/* Split s and compare with the NULL-terminated want. */
static void
split_is(const char *s, const char *const *want)
{
	char **argv, err[128];
	size_t argc, n;

	if (config_split_argv(s, &argv, &argc, err, sizeof err) != 0) {
		print_error("split \"%s\": %s\n", s, err);
		fail();
	}
	for (n = 0; want[n] != NULL; n++) {
		assert_non_null(argv[n]);
		assert_string_equal(argv[n], want[n]);
	}
	assert_int_equal(argc, n);
	assert_null(argv[n]);
	config_argv_free(argv);
}

static void
split_bad(const char *s, const char *msg)
{
	char **argv = (char **)&argv, err[128] = "";
	size_t argc = 99;

	assert_int_equal(config_split_argv(s, &argv, &argc, err, sizeof err),
	    -1);
	assert_ptr_equal(argv, (char **)&argv);
	assert_int_equal(argc, 99);
	assert_string_equal(err, msg);
}

static void
test_split_argv(void **state)
{
	split_is("kill -USR1 42", (const char *[]){ "kill", "-USR1", "42",
	    NULL });
	split_is("  a\tb  ", (const char *[]){ "a", "b", NULL });
	split_is("echo 'a b' \"c d\"", (const char *[]){ "echo", "a b",
	    "c d", NULL });
	split_is("'$HOME' \"$HOME\" $HOME *", (const char *[]){ "$HOME",
	    "$HOME", "$HOME", "*", NULL });
	split_is("a'b'\"c\"d", (const char *[]){ "abcd", NULL });
	split_is("x '' \"\"", (const char *[]){ "x", "", "", NULL });
	split_is("\"say \\\"hi\\\" \\\\ \\n\"", (const char *[]){
	    "say \"hi\" \\ \\n", NULL });
	split_is("'a\\b' 'it'\\''s'", (const char *[]){ "a\\b", "it's",
	    NULL });
	split_is("a\\ b c\\\\d \\'e\\\"", (const char *[]){ "a b", "c\\d",
	    "'e\"", NULL });
	split_is("'a\"b' \"c'd\"", (const char *[]){ "a\"b", "c'd", NULL });
	split_is("sh -c 'x; y'", (const char *[]){ "sh", "-c", "x; y",
	    NULL });
	split_bad("echo 'oops", "unterminated single quote");
	split_bad("echo \"oops", "unterminated double quote");
	split_bad("echo \"oops\\\"", "unterminated double quote");
	split_bad("echo oops\\", "trailing backslash");
	split_bad("", "empty command");
	split_bad("   \t ", "empty command");
}

static void
test_severity_metric_expect(void **state)
{
	enum severity sv;
	enum expect_kind k;
	double v;
	char err[128];

	assert_string_equal(config_severity_name(SEVERITY_INFO), "info");
	assert_string_equal(config_severity_name(SEVERITY_WARNING),
	    "warning");
	assert_string_equal(config_severity_name(SEVERITY_CRITICAL),
	    "critical");
	assert_string_equal(config_severity_name((enum severity)9), "?");
	assert_int_equal(config_severity_parse("Critical", &sv), 0);
	assert_int_equal(sv, SEVERITY_CRITICAL);
	assert_int_equal(config_severity_parse("error", &sv), -1);

	assert_true(config_metric_name_ok("proc_rss_bytes"));
	assert_true(config_metric_name_ok("vllm:num_requests_running"));
	assert_true(config_metric_name_ok("_x9"));
	assert_true(config_metric_name_ok(":a"));
	assert_false(config_metric_name_ok(""));
	assert_false(config_metric_name_ok("9a"));
	assert_false(config_metric_name_ok("a-b"));
	assert_false(config_metric_name_ok("a b"));
	assert_false(config_metric_name_ok("a{b=\"c\"}"));

	assert_int_equal(config_expect_parse("drop", &k, &v, err, sizeof err),
	    0);
	assert_int_equal(k, EXPECT_DROP);
	assert_int_equal(config_expect_parse("up", &k, &v, err, sizeof err),
	    0);
	assert_int_equal(k, EXPECT_UP);
	assert_int_equal(config_expect_parse("drop 10%", &k, &v, err,
	    sizeof err), 0);
	assert_int_equal(k, EXPECT_DROP_PERCENT);
	assert_true(v == 10);
	assert_int_equal(config_expect_parse("DROP  2.5 %", &k, &v, err,
	    sizeof err), 0);
	assert_true(v == 2.5);
	assert_int_equal(config_expect_parse("below 4G", &k, &v, err,
	    sizeof err), 0);
	assert_int_equal(k, EXPECT_BELOW);
	assert_true(v == 4294967296.0);
	assert_int_equal(config_expect_parse("below 0.5", &k, &v, err,
	    sizeof err), 0);
	assert_true(v == 0.5);
	assert_int_equal(config_expect_parse("drop 10", &k, &v, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "drop 10%"));
	assert_int_equal(config_expect_parse("drop 0%", &k, &v, err,
	    sizeof err), -1);
	assert_int_equal(config_expect_parse("drop 101%", &k, &v, err,
	    sizeof err), -1);
	assert_int_equal(config_expect_parse("below", &k, &v, err,
	    sizeof err), -1);
	assert_int_equal(config_expect_parse("below lots", &k, &v, err,
	    sizeof err), -1);
	assert_int_equal(config_expect_parse("dropped", &k, &v, err,
	    sizeof err), -1);
	assert_int_equal(config_expect_parse("", &k, &v, err, sizeof err),
	    -1);
	assert_string_equal(err, "expected drop, drop N%, below VALUE or up");
}

static void
check_defaults(const struct config *cfg)
{
	char *db = xasprintf("%s/.local/state/modeltop/history.db", home);

	assert_int_equal(cfg->interval_ms, 1000);
	assert_string_equal(cfg->db, db);
	assert_int_equal(cfg->retention_ms, INT64_C(7) * 86400000);
	assert_int_equal(cfg->max_size, UINT64_C(2) << 30);
	assert_int_equal(cfg->scrape_timeout_ms, 0);
	assert_int_equal(cfg->scrape_max_size, UINT64_C(8) << 20);
	assert_string_equal(cfg->theme, "default");
	free(db);
}

static void
check_python_worker(const struct config *cfg)
{
	const struct cfg_worker *w;

	assert_int_equal(cfg->nworkers, 1);
	w = config_worker(cfg, "python");
	assert_ptr_equal(w, &cfg->workers[0]);
	assert_int_equal(w->find, WORKER_FIND_MATCH);
	assert_string_equal(w->match, "python");
	assert_int_equal(regexec(&w->match_re,
	    "/usr/bin/python3 -m vllm.entrypoints", 0, NULL, 0), 0);
	assert_int_equal(regexec(&w->match_re, "/usr/bin/perl x", 0, NULL, 0),
	    REG_NOMATCH);
	assert_null(w->metrics_url);
	assert_null(w->log);
	assert_int_equal(w->nactions, 0);
}

static void
test_default(void **state)
{
	struct config cfg;

	config_default(&cfg);
	assert_null(cfg.path);
	check_defaults(&cfg);
	check_python_worker(&cfg);
	assert_int_equal(cfg.nactions, 0);
	assert_int_equal(cfg.nrules, 0);
	assert_null(config_worker(&cfg, "nope"));
	assert_null(config_action(&cfg, "trim"));
	assert_null(config_rule(&cfg, "x"));
	config_free(&cfg);
	assert_int_equal(cfg.nworkers, 0);
	config_free(&cfg);	/* twice is harmless */
}

static void
test_empty_file(void **state)
{
	struct config cfg;

	load_ok("", &cfg);
	assert_non_null(cfg.path);
	check_defaults(&cfg);
	check_python_worker(&cfg);
	config_free(&cfg);

	load_ok("; only a comment\n\n# and another\n[modeltop]\n", &cfg);
	check_python_worker(&cfg);
	config_free(&cfg);
}

static const char every_key[] =
	"[modeltop]\n"
	"interval = 250ms\n"
	"db = ~/state/h.db\n"
	"retention = 2d\n"
	"max_size = 1.5G\n"
	"scrape_timeout = 200ms\n"
	"scrape_max_size = 16M\n"
	"theme = dark\n"
	"\n"
	"[worker a]\n"				/* 10 */
	"pid = 1234\n"
	"metrics_url = https://h.example:8443/metrics\n"
	"log = ~/a.log\n"
	"memory_limit = 512M\n"
	"actions = t , r,h\n"
	"scrape_timeout = 100ms\n"
	"[worker b]\n"				/* 17 */
	"pid_file = ~/b.pid\n"
	"[worker c]\n"				/* 19 */
	"match = ^python[0-9.]* .*serve\n"
	"[action t]\n"				/* 21 */
	"signal = SIGUSR2\n"
	"verify = proc_rss_bytes\n"
	"expect = drop 12.5%\n"
	"settle = 2s\n"
	"timeout = 3s\n"
	"retries = 3\n"
	"[action r]\n"				/* 28 */
	"exec = /bin/echo 'a b' \"c\\\"d\" e\\ f\n"
	"confirm = off\n"
	"[action h]\n"				/* 31 */
	"http_post = http://127.0.0.1:9/x?y=1\n"
	"verify = up\n"
	"expect = below 4G\n"
	"[action k]\n"				/* 35 */
	"signal = 15\n"
	"[rule x]\n"				/* 37 */
	"metric = vllm:num_requests_waiting\n"
	"below = 1e3\n"
	"for = 1m30s\n"
	"severity = info\n"
	"action = t\n"
	"auto = true\n"
	"max_per_hour = 60\n"
	"[rule y]\n"				/* 45 */
	"metric = proc_rss_bytes\n"
	"above = 6G\n";

static void
test_every_key(void **state)
{
	const struct cfg_worker *w;
	const struct cfg_action *a;
	const struct cfg_rule *r;
	struct config cfg;
	char *s;

	load_ok(every_key, &cfg);
	assert_non_null(strstr(cfg.path, "/t.ini"));
	assert_int_equal(cfg.interval_ms, 250);
	s = xasprintf("%s/state/h.db", home);
	assert_string_equal(cfg.db, s);
	free(s);
	assert_int_equal(cfg.retention_ms, 2 * 86400000);
	assert_int_equal(cfg.max_size, UINT64_C(1610612736));
	assert_int_equal(cfg.scrape_timeout_ms, 200);
	assert_int_equal(cfg.scrape_max_size, 16 << 20);
	assert_string_equal(cfg.theme, "dark");

	assert_int_equal(cfg.nworkers, 3);
	w = config_worker(&cfg, "a");
	assert_non_null(w);
	assert_string_equal(w->name, "a");
	assert_int_equal(w->find, WORKER_FIND_PID);
	assert_int_equal(w->pid, 1234);
	assert_null(w->pid_file);
	assert_null(w->match);
	assert_string_equal(w->metrics_url, "https://h.example:8443/metrics");
	s = xasprintf("%s/a.log", home);
	assert_string_equal(w->log, s);
	free(s);
	assert_int_equal(w->memory_limit, 512 << 20);
	assert_int_equal(w->nactions, 3);
	assert_string_equal(w->actions[0], "t");
	assert_string_equal(w->actions[1], "r");
	assert_string_equal(w->actions[2], "h");
	assert_int_equal(w->scrape_timeout_ms, 100);
	assert_string_equal(w->file, cfg.path);
	assert_int_equal(w->line, 10);

	w = config_worker(&cfg, "b");
	assert_int_equal(w->find, WORKER_FIND_PID_FILE);
	s = xasprintf("%s/b.pid", home);
	assert_string_equal(w->pid_file, s);
	free(s);
	assert_null(w->metrics_url);
	assert_int_equal(w->memory_limit, 0);
	assert_int_equal(w->scrape_timeout_ms, 0);
	assert_int_equal(w->line, 17);

	w = config_worker(&cfg, "c");
	assert_int_equal(w->find, WORKER_FIND_MATCH);
	assert_string_equal(w->match, "^python[0-9.]* .*serve");
	assert_int_equal(regexec(&w->match_re, "python3.11 -m x serve", 0,
	    NULL, 0), 0);
	assert_int_equal(regexec(&w->match_re, "/usr/bin/python3 serve", 0,
	    NULL, 0), REG_NOMATCH);
	assert_int_equal(w->line, 19);

	assert_int_equal(cfg.nactions, 4);
	a = config_action(&cfg, "t");
	assert_non_null(a);
	assert_int_equal(a->kind, ACTION_SIGNAL);
	assert_int_equal(a->signo, SIGUSR2);
	assert_string_equal(a->verify, "proc_rss_bytes");
	assert_string_equal(a->expect, "drop 12.5%");
	assert_int_equal(a->expect_kind, EXPECT_DROP_PERCENT);
	assert_true(a->expect_value == 12.5);
	assert_int_equal(a->settle_ms, 2000);
	assert_int_equal(a->timeout_ms, 3000);
	assert_int_equal(a->confirm, 0);	/* USR2 needs no question */
	assert_int_equal(a->retries, 3);
	assert_int_equal(a->line, 21);

	a = config_action(&cfg, "r");
	assert_int_equal(a->kind, ACTION_EXEC);
	assert_int_equal(a->argc, 4);
	assert_string_equal(a->argv[0], "/bin/echo");
	assert_string_equal(a->argv[1], "a b");
	assert_string_equal(a->argv[2], "c\"d");
	assert_string_equal(a->argv[3], "e f");
	assert_null(a->argv[4]);
	assert_int_equal(a->confirm, 0);
	assert_null(a->verify);
	assert_null(a->expect);
	assert_int_equal(a->expect_kind, EXPECT_DROP);
	assert_int_equal(a->settle_ms, 5000);
	assert_int_equal(a->timeout_ms, 10000);
	assert_int_equal(a->retries, 0);

	a = config_action(&cfg, "h");
	assert_int_equal(a->kind, ACTION_HTTP_POST);
	assert_string_equal(a->url, "http://127.0.0.1:9/x?y=1");
	assert_string_equal(a->verify, "up");
	assert_int_equal(a->expect_kind, EXPECT_BELOW);
	assert_true(a->expect_value == 4294967296.0);
	assert_int_equal(a->confirm, 1);

	a = config_action(&cfg, "k");
	assert_int_equal(a->kind, ACTION_SIGNAL);
	assert_int_equal(a->signo, SIGTERM);
	assert_int_equal(a->confirm, 1);	/* TERM asks first */

	assert_int_equal(cfg.nrules, 2);
	r = config_rule(&cfg, "x");
	assert_non_null(r);
	assert_string_equal(r->metric, "vllm:num_requests_waiting");
	assert_false(r->has_above);
	assert_true(r->has_below);
	assert_true(r->below == 1000);
	assert_int_equal(r->for_ms, 90000);
	assert_int_equal(r->severity, SEVERITY_INFO);
	assert_string_equal(r->action, "t");
	assert_int_equal(r->autorun, 1);
	assert_int_equal(r->max_per_hour, 60);
	assert_int_equal(r->line, 37);

	r = config_rule(&cfg, "y");
	assert_true(r->has_above);
	assert_false(r->has_below);
	assert_true(r->above == 6442450944.0);
	assert_int_equal(r->for_ms, 0);
	assert_int_equal(r->severity, SEVERITY_WARNING);
	assert_null(r->action);
	assert_int_equal(r->autorun, 0);
	assert_int_equal(r->max_per_hour, 4);
	config_free(&cfg);
}

/* One error per line, each checked exactly: (line, message). */
static const char bad_file[] =
	"key = 1\n"				/* 1 */
	"[modeltop]\n"
	"interval = fast\n"
	"interval = 2s\n"
	"max_size = 512K\n"			/* 5 */
	"colour = red\n"
	"[bogus]\n"
	"whatever = 1\n"
	"[worker]\n"
	"pid = 1\n"				/* 10 */
	"[worker a/b]\n"
	"pid = 1\n"
	"[worker w1]\n"
	"match = (\n"
	"metrics_url = ftp://x\n"		/* 15 */
	"memory_limit = lots\n"
	"actions = nope, t\n"
	"scrape_timeout = soon\n"
	"[worker w1]\n"
	"pid = 5\n"				/* 20 */
	"pid_file = /x\n"
	"[worker w2]\n"
	"log = /tmp/l\n"
	"[action t]\n"
	"signal = NOPE\n"			/* 25 */
	"retries = 11\n"
	"confirm = maybe\n"
	"verify = 9bad\n"
	"expect = sideways\n"
	"settle = -1s\n"			/* 30 */
	"[action u]\n"
	"exec = \"unterminated\n"
	"http_post = http://x/\n"
	"expect = drop 10%\n"
	"[action v]\n"				/* 35 */
	"[rule r1]\n"
	"above = 6G\n"
	"below = 1\n"
	"for = ever\n"
	"severity = panic\n"			/* 40 */
	"action = missing\n"
	"max_per_hour = 0\n"
	"[rule r2]\n"
	"metric = ok_metric\n"
	"above = many\n"			/* 45 */
	"auto = yes\n"
	"this line has no equals\n"
	"[worker broken\n"
	"pid = 3\n"
	"[action bad name]\n"			/* 50 */
	"signal = TERM\n";

static const struct {
	int line;
	const char *msg;
} bad_errors[] = {
	{ 1, "key: key outside any section: put it under [modeltop], "
	    "[worker NAME], [action NAME] or [rule NAME]" },
	{ 3, "interval: expected a duration like 500ms, 1s, 2m "
	    "(got \"fast\")" },
	{ 4, "interval: repeated in this section (first at line 3)" },
	{ 5, "max_size: expected a size of at least 1.0M (got \"512K\")" },
	{ 6, "unknown key \"colour\" in [modeltop]: expected interval, db, "
	    "retention, max_size, scrape_timeout, scrape_max_size, theme, resolve_after, crashloop_restarts, "
	    "crashloop_window, memory_window or log_rules" },
	{ 7, "unknown section [bogus]: expected [modeltop], [worker NAME], "
	    "[action NAME], [rule NAME] or [keys]" },
	{ 9, "[worker] needs a name: [worker NAME]" },
	{ 11, "worker name \"a/b\" must not contain '/' or whitespace" },
	{ 14, "match: bad regular expression: Unmatched ( or \\( "
	    "(got \"(\")" },
	{ 15, "metrics_url: expected a URL starting with http:// or "
	    "https:// (got \"ftp://x\")" },
	{ 16, "memory_limit: expected a size like 512K, 300M, 2G "
	    "(got \"lots\")" },
	{ 17, "actions: no [action nope] is defined" },
	{ 18, "scrape_timeout: expected a duration like 500ms, 1s, 2m "
	    "(got \"soon\")" },
	{ 19, "[worker w1] repeated (first at line 13)" },
	{ 21, "pid_file: cannot be combined with pid (line 20): "
	    "[worker w1] takes exactly one of pid, pid_file or match" },
	{ 22, "[worker w2] needs one of pid, pid_file or match" },
	{ 25, "signal: expected a signal like TERM, USR1, HUP or a number "
	    "(got \"NOPE\")" },
	{ 26, "retries: expected a whole number from 0 to 10 (got \"11\")" },
	{ 27, "confirm: expected yes or no (or true/false, on/off, 1/0) "
	    "(got \"maybe\")" },
	{ 28, "verify: expected a metric name like proc_rss_bytes "
	    "([a-zA-Z_:][a-zA-Z0-9_:]*) (got \"9bad\")" },
	{ 29, "expect: expected drop, drop N%, below VALUE or up "
	    "(got \"sideways\")" },
	{ 30, "settle: expected a duration like 500ms, 1s, 2m "
	    "(got \"-1s\")" },
	{ 32, "exec: expected a command and its arguments: unterminated "
	    "double quote (got \"\"unterminated\")" },
	{ 33, "http_post: cannot be combined with exec (line 32): "
	    "[action u] takes exactly one of signal, exec or http_post" },
	{ 34, "expect: needs verify = METRIC, the metric expected to "
	    "improve" },
	{ 35, "[action v] needs one of signal, exec or http_post" },
	{ 36, "[rule r1] needs metric = NAME" },
	{ 38, "below: cannot be combined with above (line 37): [rule r1] "
	    "takes exactly one of above or below" },
	{ 39, "for: expected a duration like 500ms, 1s, 2m (got \"ever\")" },
	{ 40, "severity: expected info, warning or critical "
	    "(got \"panic\")" },
	{ 41, "action: no [action missing] is defined" },
	{ 42, "max_per_hour: expected a whole number from 1 to 3600 "
	    "(got \"0\")" },
	{ 45, "above: expected a number like 0.95 or a size like 6G "
	    "(got \"many\")" },
	{ 46, "auto: needs action = NAME, the action to run" },
	{ 47, "syntax error: expected KEY = VALUE, [SECTION] or a comment "
	    "(got \"this line has no equals\")" },
	{ 48, "syntax error: expected ']' to close the section header" },
	{ 50, "action name \"bad name\" must not contain whitespace, ',' "
	    "or '/'" },
};

static void
test_all_errors_reported(void **state)
{
	struct cfg_errors errs = {0};
	struct config cfg;
	char *path = write_file("bad.ini", bad_file, strlen(bad_file));
	size_t i;

	assert_int_equal(config_load(path, &cfg, &errs), -1);
	if (errs.n != ARRAY_LEN(bad_errors))
		dump_errors(&errs);
	for (i = 0; i < errs.n && i < ARRAY_LEN(bad_errors); i++) {
		if (errs.v[i].line != bad_errors[i].line ||
		    strcmp(errs.v[i].msg, bad_errors[i].msg) != 0)
			print_error("error %zu: want %d: %s\n got %d: %s\n",
			    i, bad_errors[i].line, bad_errors[i].msg,
			    errs.v[i].line, errs.v[i].msg);
		assert_string_equal(errs.v[i].file, path);
		assert_int_equal(errs.v[i].line, bad_errors[i].line);
		assert_string_equal(errs.v[i].msg, bad_errors[i].msg);
	}
	assert_int_equal(errs.n, ARRAY_LEN(bad_errors));
	config_free(&cfg);
	cfg_errors_free(&errs);
	assert_int_equal(errs.n, 0);
	free(path);
}

static void
test_error_format(void **state)
{
	static const char text[] =
		"; demo\n"
		"[modeltop]\n"
		"interval = fast\n"
		"[worker a]\n"
		"pid = 1\n";
	struct cfg_errors errs = {0};
	struct config cfg;
	char cwd[PATH_MAX], *out = NULL, *path;
	size_t len = 0;
	FILE *fp;

	path = write_file("demo.ini", text, strlen(text));
	free(path);
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(tmpdir), 0);
	assert_int_equal(config_load("demo.ini", &cfg, &errs), -1);
	config_free(&cfg);
	assert_int_equal(config_load("missing.ini", &cfg, &errs), -1);
	config_free(&cfg);
	assert_int_equal(chdir(cwd), 0);
	cfg_errors_add(&errs, NULL, 0, "plain %d", 7);

	fp = open_memstream(&out, &len);
	assert_non_null(fp);
	cfg_errors_print(&errs, fp);
	fclose(fp);
	assert_string_equal(out,
	    "demo.ini:3: interval: expected a duration like 500ms, 1s, 2m "
	    "(got \"fast\")\n"
	    "missing.ini: cannot open: No such file or directory\n"
	    "plain 7\n");
	free(out);
	cfg_errors_free(&errs);
}

static void
test_missing_file(void **state)
{
	struct cfg_errors errs = {0};
	struct config cfg;
	char *path = xasprintf("%s/nope.ini", tmpdir);

	assert_int_equal(config_load(path, &cfg, &errs), -1);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].line, 0);
	assert_string_equal(errs.v[0].file, path);
	assert_string_equal(errs.v[0].msg,
	    "cannot open: No such file or directory");
	config_free(&cfg);
	cfg_errors_free(&errs);

	/* A directory opens but cannot be read. */
	assert_int_equal(config_load(tmpdir, &cfg, &errs), -1);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].line, 0);
	assert_string_equal(errs.v[0].msg, "cannot read: Is a directory");
	config_free(&cfg);
	cfg_errors_free(&errs);
	free(path);
}

static void
test_inline_comments(void **state)
{
	struct config cfg;
	const struct cfg_action *a;

	load_ok("[modeltop] ; the main section\n"
	    "theme = dark ; a comment\n"
	    "db = /x;y\n"
	    "  # an indented comment\n"
	    "; theme = light\n"
	    "# theme = light\n"
	    "[worker w]  ; trailing comment\n"
	    "match = a|b\t; tab before the comment\n"
	    "[action e]\n"
	    "exec = sh -c 'a;b'\n", &cfg);
	assert_string_equal(cfg.theme, "dark");
	assert_string_equal(cfg.db, "/x;y");
	assert_string_equal(config_worker(&cfg, "w")->match, "a|b");
	a = config_action(&cfg, "e");
	assert_int_equal(a->argc, 3);
	assert_string_equal(a->argv[2], "a;b");
	config_free(&cfg);
}

static void
test_layout_variants(void **state)
{
	struct config cfg;
	const struct cfg_worker *w;

	/* Indented keys are keys, not continuations; ':' works like '='. */
	load_ok("[worker a]\n"
	    "    pid = 1\n"
	    "    metrics_url = http://x/metrics\n"
	    "\tlog: /l\n"
	    "  [worker b]\n"
	    "  pid=2\n", &cfg);
	w = config_worker(&cfg, "a");
	assert_int_equal(w->pid, 1);
	assert_string_equal(w->metrics_url, "http://x/metrics");
	assert_string_equal(w->log, "/l");
	assert_int_equal(config_worker(&cfg, "b")->pid, 2);
	assert_int_equal(config_worker(&cfg, "b")->line, 5);
	config_free(&cfg);

	/* A byte-order mark and CRLF line ends. */
	load_ok("\xef\xbb\xbf[modeltop]\r\ninterval = 2s\r\n"
	    "[worker a]\r\npid = 3\r\n", &cfg);
	assert_int_equal(cfg.interval_ms, 2000);
	assert_int_equal(config_worker(&cfg, "a")->pid, 3);
	assert_int_equal(config_worker(&cfg, "a")->line, 3);
	config_free(&cfg);

	/* No newline at the end. */
	load_ok("[worker a]\npid = 4", &cfg);
	assert_int_equal(config_worker(&cfg, "a")->pid, 4);
	config_free(&cfg);
}

static void
test_long_lines(void **state)
{
	struct config cfg;
	struct cfg_errors errs = {0};
	const struct cfg_action *a;
	struct buf b = {0};
	char arg[301];
	char name[81];

	/* Longer than inih's 200-byte line buffer. */
	memset(arg, 'x', 300);
	arg[300] = '\0';
	memset(name, 'n', 80);
	name[80] = '\0';
	buf_printf(&b, "[action %s]\n", name);
	buf_printf(&b, "exec = /bin/echo %s 'two words' ; comment %s\n", arg,
	    arg);
	buf_printf(&b, "; %s\n", arg);
	buf_printf(&b, "[worker w]\npid = 1\nactions = %s\n", name);
	load_ok(b.data, &cfg);
	a = config_action(&cfg, name);
	assert_non_null(a);
	assert_int_equal(a->argc, 3);
	assert_string_equal(a->argv[1], arg);
	assert_string_equal(a->argv[2], "two words");
	assert_string_equal(config_worker(&cfg, "w")->actions[0], name);
	config_free(&cfg);

	/* Errors on long lines keep their line numbers. */
	buf_clear(&b);
	buf_printf(&b, "[worker w]\npid = 1\nlog = %s\nnonsense%s\n"
	    "metrics_url = %s\n", arg, arg, arg);
	assert_int_equal(load_text(b.data, &cfg, &errs), -1);
	assert_int_equal(errs.n, 2);
	assert_int_equal(errs.v[0].line, 4);
	assert_non_null(strstr(errs.v[0].msg, "syntax error"));
	assert_int_equal(errs.v[1].line, 5);
	assert_non_null(strstr(errs.v[1].msg, "metrics_url: expected a URL"));
	assert_string_equal(config_worker(&cfg, "w")->log, arg);
	config_free(&cfg);
	cfg_errors_free(&errs);
	buf_free(&b);
}

static void
test_single_errors(void **state)
{
	load_one_error("[worker a]\npid = 0\n", 2, "pid: expected a process id");
	load_one_error("[worker a]\npid = 12x\n", 2, "pid: expected a process");
	load_one_error("[worker a]\npid = 99999999999\n", 2, "pid: expected");
	load_one_error("[worker a]\n", 1,
	    "[worker a] needs one of pid, pid_file or match");
	load_one_error("[worker a b]\npid = 1\n", 1,
	    "worker name \"a b\" must not contain '/' or whitespace");
	load_one_error("[worker a]\npid = 1\nmatch = x\n", 3,
	    "match: cannot be combined with pid (line 2)");
	load_one_error("[worker a]\nmatch = x\npid = 1\n", 3,
	    "pid: cannot be combined with match (line 2)");
	load_one_error("[worker a]\npid = 1\nactions = t,,r\n", 3,
	    "actions: expected a comma-separated list of action names");
	load_one_error("[worker a]\npid = 1\nactions = t, t\n[action t]\n"
	    "signal = TERM\n", 3, "actions: action t is listed twice");
	load_one_error("[worker a]\npid = 1\nmetrics_url = http://\n", 3,
	    "metrics_url: expected a URL like");
	load_one_error("[worker a]\npid = 1\n[worker a]\npid = 2\n", 3,
	    "[worker a] repeated (first at line 1)");
	load_one_error("[modeltop]\n[modeltop]\n", 2,
	    "[modeltop] repeated (first at line 1)");
	load_one_error("[modeltop x]\n", 1, "[modeltop] takes no name");
	load_one_error("[]\n", 1, "empty section header []");
	load_one_error("[ ]\n", 1, "empty section header []");
	load_one_error("[action a,b]\nsignal = HUP\n", 1,
	    "action name \"a,b\" must not contain");
	load_one_error("[worker a] junk\npid = 1\n", 1,
	    "syntax error: unexpected text \"junk\" after ']'");
	load_one_error("[worker a]\npid = 1\n= 5\n", 3,
	    "missing key name before '='");
	load_one_error("[worker a]\npid = 1\nPID = 2\n", 3,
	    "unknown key \"PID\" in [worker]: expected pid, pid_file, match, "
	    "metrics_url, log, memory_limit, actions or scrape_timeout");
	load_one_error("[action a]\nsignal = HUP\nbogus = 1\n", 3,
	    "expected signal, exec, http_post, verify, expect, settle, "
	    "timeout, confirm or retries");
	load_one_error("[rule r]\nmetric = up\nbelow = 1\nwhen = 1\n", 4,
	    "expected metric, above, below, for, severity, action, auto or "
	    "max_per_hour");
	load_one_error("[modeltop]\ninterval = 50ms\n", 2,
	    "interval: expected a duration from 100ms to 1h (got \"50ms\")");
	load_one_error("[modeltop]\ninterval = 2h\n", 2,
	    "interval: expected a duration from 100ms to 1h");
	load_one_error("[modeltop]\nmemory_window = 8d\n", 2,
	    "memory_window: expected a duration from 1m to 7d (got \"8d\")");
	load_one_error("[modeltop]\nretention = forever\n", 2,
	    "retention: expected a duration like");
	load_one_error("[modeltop]\nscrape_max_size = 100\n", 2,
	    "scrape_max_size: expected a size of at least 1.0K");
	load_one_error("[modeltop]\ntheme =\n", 2,
	    "theme: expected a value (got \"\")");
	load_one_error("[modeltop]\ndb =\n", 2, "db: expected a file path");
	load_one_error("[modeltop]\ninterval = 1s\nscrape_timeout = 2s\n", 3,
	    "scrape_timeout: 2s is longer than the interval (1s)");
	load_one_error("[worker a]\npid = 1\nscrape_timeout = 2s\n"
	    "[modeltop]\ninterval = 1.5s\n", 3,
	    "scrape_timeout: 2s is longer than the interval (1.5s)");
	load_one_error("[action a]\nsignal = TERM\nexec = x\n", 3,
	    "exec: cannot be combined with signal (line 2): [action a] takes "
	    "exactly one of signal, exec or http_post");
	load_one_error("[action a]\nexec = '' x\n", 2,
	    "exec: expected a command and its arguments: the command name "
	    "is empty");
}

static void
test_single_errors_more(void **state)
{
	load_one_error("[action a]\nsignal = HUP\nretries = -1\n", 3,
	    "retries: expected a whole number from 0 to 10");
	load_one_error("[action a]\nsignal = HUP\nretries = 1.5\n", 3,
	    "retries: expected a whole number");
	load_one_error("[action a]\nsignal = HUP\ntimeout = 0\n", 3,
	    "timeout: expected a duration of at least 1ms");
	load_one_error("[action a]\nexec =\n", 2,
	    "exec: expected a command and its arguments: empty command");
	load_one_error("[action a]\nhttp_post = /x\n", 2,
	    "http_post: expected a URL starting with http:// or https://");
	load_one_error("[action a]\nsignal = USR1\nverify = m\nexpect = drop 10\n", 4,
	    "expect: expected drop, drop N%, below VALUE or up (a drop needs "
	    "a percent like drop 10%)");
	load_one_error("[action a]\nsignal = USR1\nexpect = drop 10%\n", 3,
	    "expect: needs verify = METRIC, the metric expected to improve");
	load_one_error("[rule r]\nmetric = a-b\nabove = 1\n", 2,
	    "metric: expected a metric name");
	load_one_error("[rule r]\nmetric = up\n", 1,
	    "[rule r] needs one of above or below");
	load_one_error("[rule r]\nmetric = up\nbelow = 1\nmax_per_hour = "
	    "3601\n", 4, "max_per_hour: expected a whole number from 1 to "
	    "3600");
	load_one_error("[rule r]\nmetric = up\nbelow = 1\naction = a b\n", 4,
	    "action: expected the name of an [action] section");
	load_one_error("[rule r]\nmetric = up\nbelow = 1\nauto = 2\n", 4,
	    "auto: expected yes or no");
	load_one_error("[rule r]\nmetric = up\nbelow = 1\nfor = 5x\n", 4,
	    "for: expected a duration");
	load_one_error("[worker w]\npid = 1\nlog = a\nlog = b\n", 4,
	    "log: repeated in this section (first at line 3)");
	load_one_error("[worker w]\npid = 1\n[worker v\npid = 1\n", 3,
	    "syntax error: expected ']'");
}

static void
test_nul_byte(void **state)
{
	static const char text[] = "[worker w]\npid = 1\nlog = a\0b\n";
	struct cfg_errors errs = {0};
	struct config cfg;
	char *path = write_file("nul.ini", text, sizeof text - 1);

	assert_int_equal(config_load(path, &cfg, &errs), -1);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].line, 3);
	assert_string_equal(errs.v[0].msg, "line contains a NUL byte");
	assert_null(config_worker(&cfg, "w")->log);
	config_free(&cfg);
	cfg_errors_free(&errs);
	free(path);
}

static void
test_confirm_defaults(void **state)
{
	struct config cfg;

	load_ok("[action a]\nsignal = USR1\n"
	    "[action b]\nsignal = HUP\n"
	    "[action c]\nsignal = USR1\nconfirm = yes\n"
	    "[action d]\nsignal = KILL\n"
	    "[action e]\nexec = /bin/true\n"
	    "[action f]\nsignal = TERM\nconfirm = 0\n"
	    "[worker w]\npid = 1\n", &cfg);
	assert_int_equal(config_action(&cfg, "a")->confirm, 0);
	assert_int_equal(config_action(&cfg, "b")->confirm, 0);
	assert_int_equal(config_action(&cfg, "c")->confirm, 1);
	assert_int_equal(config_action(&cfg, "d")->confirm, 1);
	assert_int_equal(config_action(&cfg, "e")->confirm, 1);
	assert_int_equal(config_action(&cfg, "f")->confirm, 0);
	config_free(&cfg);
}

static void
test_example_ini(void **state)
{
	struct cfg_errors errs = {0};
	struct config cfg;
	const struct cfg_worker *w;
	const struct cfg_action *a;

	if (config_load("data/example.ini", &cfg, &errs) != 0)
		dump_errors(&errs);
	assert_int_equal(errs.n, 0);
	assert_int_equal(cfg.nworkers, 3);
	assert_int_equal(cfg.nactions, 3);
	assert_int_equal(cfg.nrules, 3);
	w = config_worker(&cfg, "llm-0");
	assert_non_null(w);
	assert_int_equal(w->find, WORKER_FIND_PID_FILE);
	assert_string_equal(w->pid_file, "/run/llm-0.pid");
	assert_int_equal(w->memory_limit, UINT64_C(8) << 30);
	assert_int_equal(w->nactions, 2);
	a = config_action(&cfg, "restart");
	assert_int_equal(a->kind, ACTION_EXEC);
	assert_string_equal(a->argv[2], "llm@0.service");
	a = config_action(&cfg, "trim");
	assert_int_equal(a->signo, SIGUSR1);
	assert_int_equal(a->confirm, 0);
	assert_int_equal(config_rule(&cfg, "rss-high")->autorun, 1);
	config_free(&cfg);
}

/* The sample in DESIGN.md, verbatim. */
static const char design_sample[] =
	"[modeltop]\n"
	"interval = 1s\n"
	"db = ~/.local/state/modeltop/history.db\n"
	"\n"
	"[worker llm-0]            ; one worker\n"
	"pid_file = /run/llm-0.pid ; or: pid = 1234, or: match = REGEX on "
	"the command line\n"
	"metrics_url = http://127.0.0.1:8001/metrics\n"
	"log = /var/log/llm-0.log\n"
	"memory_limit = 8G\n"
	"actions = trim, restart\n"
	"\n"
	"[action trim]\n"
	"signal = USR1             ; or: exec = ARGV..., or: http_post = URL\n"
	"verify = proc_rss_bytes   ; the metric expected to improve\n"
	"\n"
	"[rule rss-high]\n"
	"metric = proc_rss_bytes\n"
	"above = 6G                ; or: below =\n"
	"for = 30s\n"
	"severity = critical       ; info | warning | critical\n"
	"action = trim             ; suggested (or, with auto = yes, run) on "
	"firing\n";

static void
check_design(const struct config *cfg)
{
	const struct cfg_worker *w = config_worker(cfg, "llm-0");
	const struct cfg_action *a = config_action(cfg, "trim");
	const struct cfg_rule *r = config_rule(cfg, "rss-high");

	assert_int_equal(cfg->interval_ms, 1000);
	assert_non_null(w);
	assert_int_equal(w->find, WORKER_FIND_PID_FILE);
	assert_string_equal(w->pid_file, "/run/llm-0.pid");
	assert_string_equal(w->metrics_url, "http://127.0.0.1:8001/metrics");
	assert_string_equal(w->log, "/var/log/llm-0.log");
	assert_int_equal(w->memory_limit, UINT64_C(8) << 30);
	assert_int_equal(w->nactions, 2);
	assert_string_equal(w->actions[0], "trim");
	assert_string_equal(w->actions[1], "restart");
	assert_non_null(a);
	assert_int_equal(a->kind, ACTION_SIGNAL);
	assert_int_equal(a->signo, SIGUSR1);
	assert_string_equal(a->verify, "proc_rss_bytes");
	assert_non_null(r);
	assert_string_equal(r->metric, "proc_rss_bytes");
	assert_true(r->has_above);
	assert_true(r->above == 6442450944.0);
	assert_int_equal(r->for_ms, 30000);
	assert_int_equal(r->severity, SEVERITY_CRITICAL);
	assert_string_equal(r->action, "trim");
	assert_int_equal(r->autorun, 0);
}

static void
test_design_sample(void **state)
{
	struct cfg_errors errs = {0};
	struct config cfg;
	struct buf b = {0};

	/* Verbatim, every key lands; the ladder names "restart", which
	 * the sample leaves undefined, and that is the one error. */
	assert_int_equal(load_text(design_sample, &cfg, &errs), -1);
	check_design(&cfg);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].line, 10);
	assert_string_equal(errs.v[0].msg,
	    "actions: no [action restart] is defined");
	config_free(&cfg);
	cfg_errors_free(&errs);

	/* With the action defined it loads clean. */
	buf_adds(&b, design_sample);
	buf_adds(&b, "\n[action restart]\nexec = systemctl restart llm-0\n");
	load_ok(b.data, &cfg);
	check_design(&cfg);
	assert_int_equal(config_action(&cfg, "restart")->argc, 3);
	config_free(&cfg);
	buf_free(&b);
}

/* The [rule] keys for expressions, hysteresis and scope. */
static void
test_rule_keys(void **state)
{
	const struct cfg_rule *r;
	struct config cfg;

	load_ok("[worker llm-0]\npid = 1\n"
	    "[rule a]\nmetric = rate(requests_total{status=\"error\"})\n"
	    "above = 1\nfor = 20s\n"
	    "[rule b]\nmetric = quantile(0.99, lat_seconds)\nabove = 0.5\n"
	    "margin = 12.5%\nclear_after = 0\nworkers = llm-0, embed-*\n"
	    "[rule c]\nmetric = proc_rss_bytes\nbelow = 1G\n"
	    "margin = 64M\nclear_after = 2m\n", &cfg);
	r = config_rule(&cfg, "a");
	assert_string_equal(r->metric, "rate(requests_total{status=\"error\"})");
	assert_true(r->margin == 5);
	assert_int_equal(r->margin_percent, 1);
	assert_int_equal(r->clear_after_ms, 20000);	/* = for */
	assert_int_equal(r->nworkers, 0);
	assert_null(r->workers);
	r = config_rule(&cfg, "b");
	assert_true(r->margin == 12.5);
	assert_int_equal(r->margin_percent, 1);
	assert_int_equal(r->clear_after_ms, 0);
	assert_int_equal(r->nworkers, 2);
	assert_string_equal(r->workers[1], "embed-*");
	r = config_rule(&cfg, "c");
	assert_true(r->margin == 67108864.0);
	assert_int_equal(r->margin_percent, 0);
	assert_int_equal(r->clear_after_ms, 120000);
	config_free(&cfg);

	load_ok("[rule r]\nmetric = up\nbelow = 1\nworkers = python\n", &cfg);
	config_free(&cfg);
	load_one_error("[rule r]\nmetric = proc_rss\nabove = 6G\n", 2,
	    "rule r: unknown metric proc_rss (did you mean proc_rss_bytes?)");
	load_one_error("[rule r]\nmetric = up\nabove = 30s\n", 3,
	    "above: expected a number like 0.95 or a size like 6G, not a "
	    "duration");
	load_one_error("[rule r]\nmetric = up\nbelow = 1\nworkers = nope\n", 4,
	    "workers: no [worker nope] is defined");
}

/* data/example.ini shows the hysteresis and scope keys. */
static void
test_example_rule_keys(void **state)
{
	struct cfg_errors errs = {0};
	const struct cfg_rule *r;
	struct config cfg;

	assert_int_equal(config_load("data/example.ini", &cfg, &errs), 0);
	r = config_rule(&cfg, "rss-high");
	assert_true(r->margin == 5);
	assert_int_equal(r->margin_percent, 1);
	assert_int_equal(r->clear_after_ms, 60000);
	assert_int_equal(r->nworkers, 2);
	assert_string_equal(r->workers[0], "llm-*");
	assert_string_equal(r->workers[1], "embedder");
	r = config_rule(&cfg, "cache-full");
	assert_int_equal(r->clear_after_ms, 60000);	/* its for */
	config_free(&cfg);
	cfg_errors_free(&errs);
}

/* exec placeholders must be whole arguments; a file others may write
 * says why its exec actions will be refused */
static void
test_exec_safety(void **state)
{
	struct cfg_errors errs = {0};
	struct config cfg;
	const char *text;
	char *path, *want;

	load_one_error("[action a]\nexec = /bin/x --name=%n\n", 2,
	    "exec: %n and %p are replaced only as whole arguments, not "
	    "inside \"--name=%n\"; pass them as arguments of their own");
	load_one_error("[action a]\nexec = /bin/x '%p.log'\n", 2,
	    "not inside \"%p.log\"");
	load_ok("[action a]\nexec = /bin/x %n %p '%%n' %N\n", &cfg);
	assert_null(cfg.exec_unsafe);
	config_free(&cfg);

	text = "[action a]\nexec = /bin/true\n";
	path = write_file("open.ini", text, strlen(text));
	assert_int_equal(chmod(path, 0620), 0);
	assert_int_equal(config_load(path, &cfg, &errs), 0);
	want = xasprintf("%s is writable by group (mode 0620)", path);
	assert_non_null(cfg.exec_unsafe);
	assert_string_equal(cfg.exec_unsafe, want);
	free(want);
	config_free(&cfg);
	/* without exec actions there is nothing to refuse */
	free(path);
	text = "[action a]\nsignal = USR1\n";
	path = write_file("open.ini", text, strlen(text));
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(config_load(path, &cfg, &errs), 0);
	assert_null(cfg.exec_unsafe);
	config_free(&cfg);
	assert_int_equal(errs.n, 0);
	free(path);
	cfg_errors_free(&errs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_safety),
		cmocka_unit_test(test_units_size),
		cmocka_unit_test(test_units_duration),
		cmocka_unit_test(test_units_format),
		cmocka_unit_test(test_units_number),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_split_argv),
		cmocka_unit_test(test_severity_metric_expect),
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_keys_section),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_error_format),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_inline_comments),
		cmocka_unit_test(test_layout_variants),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_single_errors),
		cmocka_unit_test(test_single_errors_more),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_confirm_defaults),
		cmocka_unit_test(test_example_ini),
		cmocka_unit_test(test_design_sample),
		cmocka_unit_test(test_rule_keys),
		cmocka_unit_test(test_example_rule_keys),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
