/* Unit tests: export formatting (CSV and JSON lines as DESIGN.md fixes). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "export.h"

static void
value_is(double v, const char *want)
{
	struct buf b = {0};

	export_format_value(&b, v);
	assert_string_equal(b.data, want);
	buf_free(&b);
}

static void
test_values(void **state)
{
	(void)state;
	value_is(NAN, "NaN");
	value_is(INFINITY, "+Inf");
	value_is(-INFINITY, "-Inf");
	value_is(0, "0");
	value_is(-0.0, "-0");
	value_is(1.5, "1.5");
	value_is(0.1, "0.1");
	value_is(123456789012.0, "123456789012");
	value_is(1e-300, "1e-300");
	/* shortest form that reads back exactly */
	value_is(0.1 + 0.2, "0.30000000000000004");
}

static void
test_ts(void **state)
{
	struct buf b = {0};

	(void)state;
	export_format_ts(&b, 1732680000123);
	assert_string_equal(b.data, "1732680000.123");
	buf_clear(&b);
	export_format_ts(&b, 5);
	assert_string_equal(b.data, "0.005");
	buf_free(&b);
}

static void
test_csv_record(void **state)
{
	struct buf b = {0};
	const char labels[] = "{path=\"C:\\\\dir \\\"x\\\"\\nnext\",a=\"1\"}";

	(void)state;
	export_record(&b, EXPORT_CSV, 1000, "w", "m", "", 0, 2);
	assert_string_equal(b.data, "1.000,w,m,,2\n");
	buf_clear(&b);
	export_record(&b, EXPORT_CSV, 1000, "w", "m", labels,
	    sizeof labels - 1, NAN);
	assert_string_equal(b.data, "1.000,w,m,\"{path=\"\"C:\\\\dir "
	    "\\\"\"x\\\"\"\\nnext\"\",a=\"\"1\"\"}\",NaN\n");
	buf_free(&b);
}

static void
test_jsonl_record(void **state)
{
	struct buf b = {0};
	const char labels[] = "{path=\"C:\\\\dir \\\"x\\\"\\nnext\",a=\"1\"}";
	const char nul[] = "{k=\"a\0b\"}";

	(void)state;
	export_record(&b, EXPORT_JSONL, 1500, "w\"1", "vllm:x", labels,
	    sizeof labels - 1, -INFINITY);
	assert_string_equal(b.data, "{\"ts\":1.500,\"worker\":\"w\\\"1\","
	    "\"metric\":\"vllm:x\",\"labels\":{\"path\":\"C:\\\\dir "
	    "\\\"x\\\"\\nnext\",\"a\":\"1\"},\"value\":\"-Inf\"}\n");
	buf_clear(&b);
	export_record(&b, EXPORT_JSONL, 0, "w", "m", "", 0, 3.25);
	assert_string_equal(b.data, "{\"ts\":0.000,\"worker\":\"w\",\"metric\":"
	    "\"m\",\"labels\":{},\"value\":3.25}\n");
	buf_clear(&b);
	assert_int_equal(export_json_labels(&b, nul, sizeof nul - 1), 0);
	assert_string_equal(b.data, "{\"k\":\"a\\u0000b\"}");
	buf_clear(&b);
	/* malformed label strings never crash and say so */
	assert_int_equal(export_json_labels(&b, "{k=\"unterminated", 15), -1);
	buf_clear(&b);
	assert_int_equal(export_json_labels(&b, "garbage", 7), -1);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_ts),
		cmocka_unit_test(test_csv_record),
		cmocka_unit_test(test_jsonl_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
