/* test_period.c — accounting periods and sales months. */
#include "testutil.h"

#include "fairtrack/period.h"

static void roundtrip(const char *text, int first, int months)
{
	struct ft_period p;
	char buf[FT_PERIOD_STR_MAX];

	assert_int_equal(ft_period_parse(&p, text, strlen(text), NULL), 0);
	assert_int_equal(p.first, first);
	assert_int_equal(p.months, months);
	assert_int_equal(ft_period_format(buf, sizeof(buf), &p), strlen(text));
	assert_string_equal(buf, text);
}

static void test_period_forms_round_trip(void **state)
{
	roundtrip("2026-10", 2026 * 12 + 9, 1);
	roundtrip("2026-Q4", 2026 * 12 + 9, 3);
	roundtrip("2026-Q1", 2026 * 12, 3);
	roundtrip("2026-H2", 2026 * 12 + 6, 6);
	roundtrip("2026", 2026 * 12, 12);
}

static void test_period_rejects_bad_forms(void **state)
{
	const char *bad[] = {"", "26-10", "2026-13", "2026-00", "2026-Q5", "2026-H3", "2026-1",
			     "2026/10", "1899", "2026-Q4x", "2026-10-01"};
	struct ft_period p;
	struct ft_error err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ft_period_parse(&p, bad[i], strlen(bad[i]), &err), FT_EINVAL);
	ft_period_parse(&p, "2026-13", 7, &err);
	assert_string_equal(err.message, "period '2026-13': expected a month (2026-10), quarter "
					 "(2026-Q4), half year (2026-H2) or year (2026)");
}

static void test_quarter_contains_its_three_months_only(void **state)
{
	struct ft_period q;
	int m;

	ft_period_parse(&q, "2026-Q4", 7, NULL);
	ft_month_parse(&m, "2026-09", 7, NULL);
	assert_false(ft_period_contains(&q, m));
	ft_month_parse(&m, "Oct 2026", 8, NULL);
	assert_true(ft_period_contains(&q, m));
	ft_month_parse(&m, "2026-12-31", 10, NULL);
	assert_true(ft_period_contains(&q, m));
	ft_month_parse(&m, "202701", 6, NULL);
	assert_false(ft_period_contains(&q, m));
}

static void test_month_spellings(void **state)
{
	const char *same[] = {"2019-10", "2019-10-05", "201910", "10/2019", "Oct 2019",
			      "october 2019", "OCT 2019"};
	size_t i;
	int m;
	char buf[8];

	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		assert_int_equal(ft_month_parse(&m, same[i], strlen(same[i]), NULL), 0);
		ft_month_format(buf, m);
		assert_string_equal(buf, "2019-10");
	}
	ft_month_parse(&m, "1/2020", 6, NULL);
	ft_month_format(buf, m);
	assert_string_equal(buf, "2020-01");
}

static void test_month_rejects_nonsense(void **state)
{
	const char *bad[] = {"Octo 2019", "2019-13", "13/2019", "n/a", "", "2019-10-32", "Oct 19"};
	size_t i;
	int m;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ft_month_parse(&m, bad[i], strlen(bad[i]), NULL), FT_EINVAL);
}

static void test_next_and_prev_step_by_length(void **state)
{
	struct ft_period p, n;
	char buf[FT_PERIOD_STR_MAX];

	ft_period_parse(&p, "2026-Q4", 7, NULL);
	n = ft_period_next(&p);
	ft_period_format(buf, sizeof(buf), &n);
	assert_string_equal(buf, "2027-Q1");
	n = ft_period_prev(&p);
	ft_period_format(buf, sizeof(buf), &n);
	assert_string_equal(buf, "2026-Q3");
}

static void test_timestamp_is_iso8601_utc(void **state)
{
	char buf[FT_TIMESTAMP_MAX];

	ft_timestamp_utc(buf, 0);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	ft_timestamp_utc(buf, 1795647280);
	assert_string_equal(buf, "2026-11-25T22:54:40Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_period_forms_round_trip),
		cmocka_unit_test(test_period_rejects_bad_forms),
		cmocka_unit_test(test_quarter_contains_its_three_months_only),
		cmocka_unit_test(test_month_spellings),
		cmocka_unit_test(test_month_rejects_nonsense),
		cmocka_unit_test(test_next_and_prev_step_by_length),
		cmocka_unit_test(test_timestamp_is_iso8601_utc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
