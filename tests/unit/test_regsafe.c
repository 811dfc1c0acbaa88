/*
 * test_regsafe.c -- the regex size guard: ordinary patterns compile,
 * patterns whose repetitions would expand to gigabytes in regcomp are
 * refused with a message (found by fuzz_logs: "[Ss]" and fifty '+').
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "regsafe.h"
#include "util.h"

static void
test_ordinary(void **state)
{
	const char *ok[] = {
		"python",
		"(^|[[:space:]])Killed([[:space:]]|$)",
		"CUDA out of memory|OutOfMemoryError|CUBLAS_STATUS_ALLOC_FAILED",
		"[0-9]{1,5}",
		"x{1000}",
		"(ab+)+",
		"[]{}+]+",	/* inside a bracket nothing repeats */
		"\\+\\+\\+\\+",
		"a+b*c?d{2}",
		"[a+]+",
	};
	regex_t re;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof ok / sizeof *ok; i++) {
		assert_true(regsafe_cost(ok[i]) <= REGSAFE_MAX_COST);
		assert_int_equal(regsafe_compile(&re, ok[i], REG_EXTENDED |
		    REG_NOSUB, err, sizeof err), 0);
		assert_int_equal(regexec(&re, "xx python yy", 0, NULL, 0) == 0,
		    i == 0);
		regfree(&re);
	}
	/* exact estimates */
	assert_true(regsafe_cost("abc") == 3);
	assert_true(regsafe_cost("a+") == 2);
	assert_true(regsafe_cost("a{10}") == 10);
	assert_true(regsafe_cost("(ab){10}") == 20);
}

static void
test_too_costly(void **state)
{
	char pat[256], err[256];
	regex_t re;
	int i;

	/* the fuzzer's pattern: each '+' doubles the tree */
	strcpy(pat, "[Ss]");
	for (i = 0; i < 50; i++)
		strcat(pat, "+");
	strcat(pat, "igna9");
	assert_true(regsafe_cost(pat) > REGSAFE_MAX_COST);
	assert_int_equal(regsafe_compile(&re, pat, REG_EXTENDED, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "too complex"));
	/* adjacent repetition operators (the fuzzer's hang: a group that
	 * can match empty under six '+') */
	assert_int_equal(regsafe_compile(&re, "Killed([[:space:]]|$)++++++y",
	    REG_EXTENDED, err, sizeof err), -1);
	assert_non_null(strstr(err, "in a row"));
	assert_true(regsafe_cost("a+*") > REGSAFE_MAX_COST);
	assert_true(regsafe_cost("a{2}{3}") > REGSAFE_MAX_COST);
	assert_true(regsafe_cost("a?+") > REGSAFE_MAX_COST);
	/* nested bounds multiply */
	assert_int_equal(regsafe_compile(&re, "((a{100}){100}){100}",
	    REG_EXTENDED, err, sizeof err), -1);
	assert_int_equal(regsafe_compile(&re, "x{1,32767}{1,32767}",
	    REG_EXTENDED, err, sizeof err), -1);
	/* deep nesting */
	memset(pat, '(', 200);
	pat[200] = 'a';
	memset(pat + 201, ')', 50);
	pat[251] = '\0';
	assert_true(regsafe_cost(pat) > REGSAFE_MAX_COST);
	/* '{' that is not a bound costs one atom; regcomp refuses it */
	assert_true(regsafe_cost("a{b") == 3);
	assert_int_equal(regsafe_compile(&re, "a{b", REG_EXTENDED, err,
	    sizeof err), -1);
	assert_null(strstr(err, "too complex"));
	/* a bad pattern still gets regcomp's message */
	assert_int_equal(regsafe_compile(&re, "a(", REG_EXTENDED, err,
	    sizeof err), -1);
	assert_true(strlen(err) > 0);
	assert_null(strstr(err, "too complex"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ordinary),
		cmocka_unit_test(test_too_costly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
