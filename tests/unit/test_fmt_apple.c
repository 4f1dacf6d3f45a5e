/*
 * test_fmt_apple.c — Apple financial reports: sections per currency with
 * Total_ trailers and a repeated header, US dates, returns, rows without
 * proceeds, and the per-country summary table that ends the file.
 */
#include "test_fmt_harness.h"

#include "ingest/formats.h"

#define FILE_ "tests/data/formats/apple/financial_report.txt"

static void test_apple_reads_every_section_and_ignores_trailers(void **unused)
{
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(harness_run_file(&ft_format_apple, FILE_, 0, NULL, &g, &err), 0);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.lines[0].isrc, "GBAAA2600001");
	assert_string_equal(g.lines[0].territory, "US");
	assert_string_equal(g.lines[0].currency, "USD");
	assert_string_equal(g.lines[0].store, "Apple");
	/* 09/28/2026 is September (MM/DD/YYYY) */
	assert_string_equal(g.lines[0].period, "2026-09");
	assert_int_equal(g.lines[0].usages, 12);
	assert_string_equal(g.lines[0].revenue, "8.4");
	/* a return */
	assert_int_equal(g.lines[1].usages, -1);
	assert_string_equal(g.lines[1].revenue, "-0.7");
	/* usage without proceeds */
	assert_int_equal(g.lines[2].usages, 3);
	assert_string_equal(g.lines[2].revenue, "0");
	/* second section, after the Total_ rows and the repeated header */
	assert_string_equal(g.lines[3].upc, "5012345678900");
	assert_string_equal(g.lines[3].isrc, "");
	assert_string_equal(g.lines[3].currency, "EUR");
	assert_string_equal(g.lines[3].revenue, "13.86");
	assert_int_equal(g.lines[3].line_no, 10);
}

static void test_apple_bad_amount_names_the_column(void **unused)
{
	size_t len;
	char *buf = harness_slurp(FILE_, &len);
	char *at = strstr(buf, "\t8.40\t");
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_non_null(at);
	memcpy(at, "\t8,40\t", 6);
	assert_int_equal(
	    harness_run_buf(&ft_format_apple, "apple.txt", buf, len, 0, NULL, &g, &err), FT_EINVAL);
	assert_int_equal(err.line, 2);
	assert_string_equal(err.field, "Extended Partner Share");
	assert_non_null(strstr(err.message, "apple.txt:2: field 8 'Extended Partner Share'"));
	free(buf);
}

static void test_apple_detects_and_others_do_not(void **unused)
{
	size_t len;
	char *buf = harness_slurp(FILE_, &len);

	(void)unused;
	assert_true(ft_format_apple.detect(buf, len) > 50);
	assert_int_equal(ft_format_distrokid.detect(buf, len), 0);
	assert_int_equal(ft_format_youtube.detect(buf, len), 0);
	assert_int_equal(ft_format_dsr.detect(buf, len), 0);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_apple_reads_every_section_and_ignores_trailers),
	    cmocka_unit_test(test_apple_bad_amount_names_the_column),
	    cmocka_unit_test(test_apple_detects_and_others_do_not),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
