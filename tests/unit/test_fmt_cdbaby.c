/*
 * test_fmt_cdbaby.c — the CD Baby export: "-----" identifiers, Subtotal as
 * revenue, Transaction Type as use type.
 */
#include "test_fmt_harness.h"

#include "ingest/formats.h"

#define FILE_ "tests/data/formats/cdbaby/sales.txt"

static void test_cdbaby_maps_rows_exactly(void **unused)
{
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(harness_run_file(&ft_format_cdbaby, FILE_, 0, NULL, &g, &err), 0);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.lines[0].isrc, "GBAAA2600001");
	assert_string_equal(g.lines[0].upc, "");
	assert_string_equal(g.lines[0].store, "YouTube Music");
	assert_string_equal(g.lines[0].use_type, "OnDemandStream");
	assert_string_equal(g.lines[0].territory, "RO");
	assert_string_equal(g.lines[0].period, "2026-10");
	assert_string_equal(g.lines[0].currency, "USD");
	assert_int_equal(g.lines[0].usages, 2);
	/* Subtotal, not Quantity × Price: 0.103, not 0.104 */
	assert_string_equal(g.lines[0].revenue, "0.103");
	assert_string_equal(g.lines[1].isrc, "");
	assert_string_equal(g.lines[1].upc, "5012345678900");
	assert_string_equal(g.lines[1].use_type, "PermanentDownload");
	assert_string_equal(g.lines[2].use_type, "YouTube Audio Tier");
	assert_string_equal(g.lines[2].revenue, "0.0031");
}

static void test_cdbaby_refuses_a_bad_subtotal(void **unused)
{
	size_t len;
	char *buf = harness_slurp(FILE_, &len);
	char *at = strstr(buf, "\t0.99\t0.99\t");
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_non_null(at);
	memcpy(at, "\t0.99\t$.99\t", 11);
	assert_int_equal(
	    harness_run_buf(&ft_format_cdbaby, "cdbaby.txt", buf, len, 0, NULL, &g, &err),
	    FT_EINVAL);
	assert_int_equal(err.line, 3);
	assert_string_equal(err.field, "Subtotal");
	assert_int_equal(g.n, 1);
	free(buf);
}

static void test_cdbaby_detection(void **unused)
{
	size_t len;
	char *buf = harness_slurp(FILE_, &len);

	(void)unused;
	assert_true(ft_format_cdbaby.detect(buf, len) > 50);
	assert_int_equal(ft_format_distrokid.detect(buf, len), 0);
	assert_int_equal(ft_format_apple.detect(buf, len), 0);
	assert_string_equal(ft_format_detect(buf, len)->name, "cdbaby");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cdbaby_maps_rows_exactly),
	    cmocka_unit_test(test_cdbaby_refuses_a_bad_subtotal),
	    cmocka_unit_test(test_cdbaby_detection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
