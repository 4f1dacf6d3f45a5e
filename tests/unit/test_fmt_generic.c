/*
 * test_fmt_generic.c — mapping files and the generic CSV/TSV format.
 */
#include "test_fmt_harness.h"

#include "fairtrack/mapping.h"
#include "ingest/formats.h"

#define DIR "tests/data/formats/generic/"

static void test_generic_reads_a_partner_with_decimal_comma(void **unused)
{
	struct ft_mapping *m = NULL;
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(ft_mapping_load(&m, DIR "partner_x.map", &err), 0);
	assert_string_equal(ft_mapping_name(m), "Partner X");
	assert_int_equal(harness_run_file(&ft_format_generic, DIR "partner_x.csv", 0, m, &g, &err),
			 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.lines[0].isrc, "GBAAA2600001");
	assert_string_equal(g.lines[0].territory, "DE");
	assert_string_equal(g.lines[0].period, "2026-07");
	assert_string_equal(g.lines[0].store, "Shop A");
	assert_string_equal(g.lines[0].currency, "EUR");
	assert_string_equal(g.lines[0].model, "PayAsYouGoModel");
	assert_int_equal(g.lines[0].usages, 120);
	assert_string_equal(g.lines[0].revenue, "1.25");
	assert_int_equal(g.lines[0].line_no, 4);
	assert_string_equal(g.lines[1].revenue, "0.000000000003");
	ft_mapping_free(m);
}

static void test_generic_refuses_a_dot_when_decimal_is_comma(void **unused)
{
	struct ft_mapping *m = NULL;
	struct got g;
	struct ft_error err;
	const char *map = "isrc = ISRC\nrevenue = Net\nconst currency = EUR\ndecimal = ,\n";

	(void)unused;
	assert_int_equal(ft_mapping_parse(&m, map, strlen(map), "x.map", &err), 0);
	assert_int_equal(
	    harness_run_str(&ft_format_generic, "ISRC,Net\nGBAAA2600001,1.5\n", 0, m, &g, &err),
	    FT_EINVAL);
	/* sniffed delimiter ',' here; the cell '1.5' breaks the decimal-comma rule */
	assert_int_equal(err.line, 2);
	assert_string_equal(err.field, "Net");
	ft_mapping_free(m);
}

static void test_generic_missing_column_is_named(void **unused)
{
	struct ft_mapping *m = NULL;
	struct got g;
	struct ft_error err;
	const char *map = "isrc = ISRC\nrevenue = Net | Amount\nconst currency = EUR\n";

	(void)unused;
	assert_int_equal(ft_mapping_parse(&m, map, strlen(map), "x.map", &err), 0);
	assert_int_equal(harness_run_str(&ft_format_generic, "ISRC;Revenue\nX;1\n", 0, m, &g, &err),
			 FT_EINVAL);
	assert_non_null(strstr(err.message, "'Net'"));
	/* alternatives: the second name matches */
	assert_int_equal(harness_run_str(&ft_format_generic, "ISRC;Amount\nX;1\n", 0, m, &g, &err),
			 0);
	assert_string_equal(g.lines[0].revenue, "1");
	ft_mapping_free(m);
}

static void test_mapping_errors_name_the_line(void **unused)
{
	struct ft_mapping *m = (struct ft_mapping *)1;
	struct ft_error err;
	const char *bad_key = "isrc = ISRC\nrevenu = Net\n";
	const char *no_currency = "isrc = ISRC\nrevenue = Net\n";
	const char *const_money = "isrc = ISRC\nconst revenue = 1\n";
	const char *no_eq = "isrc ISRC\n";
	const char *twice = "isrc = A\nisrc = B\n";

	(void)unused;
	assert_int_equal(ft_mapping_parse(&m, bad_key, strlen(bad_key), "p.map", &err), FT_EINVAL);
	assert_null(m);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.message, "p.map:2: unknown key 'revenu'"));
	assert_int_equal(ft_mapping_parse(&m, no_currency, strlen(no_currency), "p.map", &err),
			 FT_EINVAL);
	assert_string_equal(err.field, "currency");
	assert_int_equal(ft_mapping_parse(&m, const_money, strlen(const_money), "p.map", &err),
			 FT_EINVAL);
	assert_int_equal(ft_mapping_parse(&m, no_eq, strlen(no_eq), "p.map", &err), FT_EINVAL);
	assert_int_equal(ft_mapping_parse(&m, twice, strlen(twice), "p.map", &err), FT_EINVAL);
	assert_int_equal(err.line, 2);
	assert_int_equal(ft_mapping_load(&m, "tests/data/formats/generic/nope.map", &err), FT_EIO);
	ft_mapping_free(NULL);
}

static void test_mapping_hash_inside_a_value_is_part_of_it(void **unused)
{
	struct ft_mapping *m = NULL;
	struct got g;
	struct ft_error err;
	const char *map = "# comment\nisrc = ISRC\nusages = Track #\nrevenue = Net\n"
			  "const currency = EUR\n";

	(void)unused;
	assert_int_equal(ft_mapping_parse(&m, map, strlen(map), "x.map", &err), 0);
	assert_int_equal(
	    harness_run_str(&ft_format_generic, "ISRC,Track #,Net\nX,7,0.5\n", 0, m, &g, &err), 0);
	assert_int_equal(g.lines[0].usages, 7);
	ft_mapping_free(m);
}

static void test_generic_without_mapping_is_a_usage_error(void **unused)
{
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(harness_run_str(&ft_format_generic, "a\n", 0, NULL, &g, &err), FT_EUSAGE);
	assert_non_null(strstr(err.message, "--mapping"));
	assert_int_equal(ft_format_generic.detect("ISRC,Revenue\n", 13), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_generic_reads_a_partner_with_decimal_comma),
	    cmocka_unit_test(test_generic_refuses_a_dot_when_decimal_is_comma),
	    cmocka_unit_test(test_generic_missing_column_is_named),
	    cmocka_unit_test(test_mapping_errors_name_the_line),
	    cmocka_unit_test(test_mapping_hash_inside_a_value_is_part_of_it),
	    cmocka_unit_test(test_generic_without_mapping_is_a_usage_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
