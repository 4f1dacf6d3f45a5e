/*
 * test_fmt_distrokid.c — DistroKid's three export layouts.
 *
 * tests/data/formats/distrokid/ holds one file per header layout listed in
 * docs/FORMATS.md: the newer bank-details export (UTF-8, CRLF), the older
 * one (ISO-8859-1), and the stats export (no identifiers).
 */
#include "test_fmt_harness.h"

#include "ingest/formats.h"

#define DIR "tests/data/formats/distrokid/"

static void test_distrokid_new_bank_layout_exact_dollars(void **unused)
{
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(
	    harness_run_file(&ft_format_distrokid, DIR "bank_new.tsv", 0, NULL, &g, &err), 0);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.lines[0].isrc, "GBAAA2600001");
	assert_string_equal(g.lines[0].upc, "5012345678900");
	assert_string_equal(g.lines[0].territory, "GB");
	assert_string_equal(g.lines[0].store, "Spotify");
	assert_string_equal(g.lines[0].period, "2026-09");
	assert_string_equal(g.lines[0].currency, "USD");
	assert_int_equal(g.lines[0].usages, 1203);
	assert_string_equal(g.lines[0].revenue, "4.2105");
	assert_int_equal(g.lines[0].line_no, 2);
	/* hyphenated ISRC passed as written; 12 fractional digits kept exactly;
	 * Team Percentage 50 is not applied again */
	assert_string_equal(g.lines[1].isrc, "GB-AAA-26-00002");
	assert_string_equal(g.lines[1].revenue, "0.00935079034");
	assert_string_equal(g.lines[1].gross, "0.00935079034");
	/* album row: "n/a" ISRC is empty, "Aug 2026" is 2026-08 */
	assert_string_equal(g.lines[2].isrc, "");
	assert_string_equal(g.lines[2].upc, "5012345678900");
	assert_string_equal(g.lines[2].period, "2026-08");
	/* a refund: negative units, "-$0.693" */
	assert_int_equal(g.lines[3].usages, -1);
	assert_string_equal(g.lines[3].revenue, "-0.693");
	assert_string_equal(g.lines[3].upc, "");
}

static void test_distrokid_old_layout_in_latin1_arrives_as_utf8(void **unused)
{
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(
	    harness_run_file(&ft_format_distrokid, DIR "bank_old_latin1.tsv", 0, NULL, &g, &err),
	    0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.lines[0].store, "M\xc3\xbasica Store");
	assert_string_equal(g.lines[0].territory, "IS");
	assert_string_equal(g.lines[0].period, "2019-10");
	assert_string_equal(g.lines[0].revenue, "0.012");
	assert_string_equal(g.lines[1].isrc, "gbaaa1900002");
	assert_string_equal(g.lines[1].revenue, "0.001234567891");
}

static void test_distrokid_stats_layout_has_no_identifiers(void **unused)
{
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(harness_run_file(&ft_format_distrokid, DIR "stats.tsv", 0, NULL, &g, &err),
			 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.lines[0].isrc, "");
	assert_string_equal(g.lines[0].upc, "");
	assert_string_equal(g.lines[0].territory, "US");
	assert_string_equal(g.lines[0].revenue, "5.123456789012");
	assert_string_equal(g.lines[1].revenue, "13.98");
	assert_int_equal(g.lines[1].usages, 2);
}

static const char *hdr = "Reporting Date\tSale Month\tStore\tArtist\tTitle\tISRC\tUPC\tQuantity\t"
			 "Team Percentage\tSong/Album\tCountry of Sale\t"
			 "Songwriter Royalties Withheld\tEarnings (USD)\n";

static int run_row(const char *row, struct got *g, struct ft_error *err)
{
	char text[1024];

	snprintf(text, sizeof(text), "%s%s\n", hdr, row);
	return harness_run_str(&ft_format_distrokid, text, 0, NULL, g, err);
}

static void test_distrokid_refuses_decimal_comma(void **unused)
{
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(run_row("2019-11-05\tOct 2019\tDeezer\tA\tT\tGBAAA1900001\tn/a\t1\t100\t"
				 "Song\tFR\t$0\t$12,50",
				 &g, &err),
			 FT_EINVAL);
	assert_string_equal(err.file, "report.txt");
	assert_int_equal(err.line, 2);
	assert_string_equal(err.field, "Earnings (USD)");
	assert_non_null(strstr(
	    err.message, "report.txt:2: field 13 'Earnings (USD)': '12,50' is not a decimal"));
}

static void test_distrokid_refuses_missing_earnings_and_bad_percentage(void **unused)
{
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(run_row("2019-11-05\tOct 2019\tDeezer\tA\tT\tGBAAA1900001\tn/a\t1\t100\t"
				 "Song\tFR\t$0\tn/a",
				 &g, &err),
			 FT_EINVAL);
	assert_non_null(strstr(err.message, "amount is missing"));
	assert_int_equal(run_row("2019-11-05\tOct 2019\tDeezer\tA\tT\tGBAAA1900001\tn/a\t1\t150\t"
				 "Song\tFR\t$0\t$1.00",
				 &g, &err),
			 FT_EINVAL);
	assert_string_equal(err.field, "Team Percentage");
	assert_int_equal(run_row("2019-11-05\tOctober\tDeezer\tA\tT\tGBAAA1900001\tn/a\t1\t100\t"
				 "Song\tFR\t$0\t$1.00",
				 &g, &err),
			 FT_EINVAL);
	assert_string_equal(err.field, "Sale Month");
	assert_int_equal(run_row("2019-11-05\tOct 2019\tDeezer\tA\tT\tGBAAA1900001\tn/a\t1.5\t100\t"
				 "Song\tFR\t$0\t$1.00",
				 &g, &err),
			 FT_EINVAL);
	assert_string_equal(err.field, "Quantity");
}

static void test_distrokid_wrong_file_names_the_missing_header(void **unused)
{
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(
	    harness_run_str(&ft_format_distrokid, "ISRC\tRevenue\nX\t1\n", 0, NULL, &g, &err),
	    FT_EINVAL);
	assert_non_null(strstr(err.message, "no DistroKid header"));
	assert_non_null(strstr(err.message, "'Earnings (USD)'"));
}

static void test_distrokid_detects_all_three_layouts(void **unused)
{
	const char *files[] = {DIR "bank_new.tsv", DIR "bank_old_latin1.tsv", DIR "stats.tsv"};

	(void)unused;
	for (size_t i = 0; i < 3; i++) {
		size_t len;
		char *buf = harness_slurp(files[i], &len);

		assert_true(ft_format_distrokid.detect(buf, len) > 50);
		assert_int_equal(ft_format_dsr.detect(buf, len), 0);
		assert_int_equal(ft_format_youtube.detect(buf, len), 0);
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_distrokid_new_bank_layout_exact_dollars),
	    cmocka_unit_test(test_distrokid_old_layout_in_latin1_arrives_as_utf8),
	    cmocka_unit_test(test_distrokid_stats_layout_has_no_identifiers),
	    cmocka_unit_test(test_distrokid_refuses_decimal_comma),
	    cmocka_unit_test(test_distrokid_refuses_missing_earnings_and_bad_percentage),
	    cmocka_unit_test(test_distrokid_wrong_file_names_the_missing_header),
	    cmocka_unit_test(test_distrokid_detects_all_three_layouts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
