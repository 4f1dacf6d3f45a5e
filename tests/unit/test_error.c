/* test_error.c — the caller-owned error detail. */
#include "testutil.h"

#include "fairtrack/error.h"

static void test_setloc_prefixes_file_and_line(void **state)
{
	struct ft_error err;

	ft_error_clear(&err);
	assert_int_equal(ft_error_setloc(&err, FT_EINVAL, "report.tsv", 1204, "Revenue",
					 "field 9 'Revenue': '%s' is not a decimal", "12,50"),
			 FT_EINVAL);
	assert_string_equal(err.message,
			    "report.tsv:1204: field 9 'Revenue': '12,50' is not a decimal");
	assert_string_equal(err.file, "report.tsv");
	assert_string_equal(err.field, "Revenue");
	assert_int_equal(err.line, 1204);
}

static void test_long_message_is_marked_truncated(void **state)
{
	struct ft_error err;
	char big[2000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ft_error_set(&err, FT_EINVAL, "%s", big);
	assert_int_equal(strlen(err.message), FT_ERROR_MESSAGE_MAX - 1);
	assert_string_equal(err.message + FT_ERROR_MESSAGE_MAX - 4, "...");
}

static void test_locate_adds_place_to_callee_message(void **state)
{
	struct ft_error err;

	ft_error_set(&err, FT_EINVAL, "ISRC 'XX': too short");
	ft_error_locate(&err, "cat.csv", 7, "isrc");
	assert_string_equal(err.message, "cat.csv:7: ISRC 'XX': too short");
	assert_int_equal(err.code, FT_EINVAL);
}

static void test_wrap_puts_context_in_front(void **unused)
{
	struct ft_error err;

	(void)unused;
	ft_error_setloc(&err, FT_EINVAL, "f.csv", 3, "rate", "rate '0' must be greater than 0");
	assert_int_equal(ft_error_wrap(&err, FT_ECONFLICT, "migration %d failed", 12),
			 FT_ECONFLICT);
	assert_string_equal(err.message,
			    "migration 12 failed: f.csv:3: rate '0' must be greater than 0");
	assert_int_equal(err.code, FT_ECONFLICT);
	assert_int_equal(err.line, 0);
	assert_string_equal(err.field, "");
	assert_int_equal(ft_error_wrap(NULL, FT_EIO, "x"), FT_EIO);
}

static void test_null_error_is_allowed(void **state)
{
	assert_int_equal(ft_error_set(NULL, FT_ENOMEM, "x"), FT_ENOMEM);
	ft_error_clear(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setloc_prefixes_file_and_line),
		cmocka_unit_test(test_long_message_is_marked_truncated),
		cmocka_unit_test(test_locate_adds_place_to_callee_message),
		cmocka_unit_test(test_wrap_puts_context_in_front),
		cmocka_unit_test(test_null_error_is_allowed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
