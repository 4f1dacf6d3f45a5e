/*
 * test_fmt_platforms.c — the SoundCloud and YouTube report dialects.
 *
 * The data files follow the layouts documented in docs/FORMATS.md: the
 * SoundCloud CSV with its two preamble rows and the revenue/share columns,
 * a YouTube "Ads Revenue Video Summary" with a title line before the header
 * and a total row at the end.
 */
#include "test_fmt_harness.h"

#include "ingest/formats.h"

static void test_soundcloud_skips_preamble_and_keeps_quoted_titles_apart(void **unused)
{
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(harness_run_file(&ft_format_soundcloud,
					  "tests/data/formats/soundcloud/revenue.csv", 0, NULL, &g,
					  &err),
			 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.lines[0].isrc, "GBAAA2600001");
	assert_string_equal(g.lines[0].territory, "GB");
	assert_string_equal(g.lines[0].store, "SoundCloud");
	assert_string_equal(g.lines[0].currency, "USD");
	assert_string_equal(g.lines[0].period, "2026-10");
	assert_int_equal(g.lines[0].usages, 1500);
	assert_string_equal(g.lines[0].revenue, "3.25");
	assert_int_equal(g.lines[0].line_no, 4);
	/* "Song Two, Live" is quoted: the comma does not shift the columns */
	assert_string_equal(g.lines[1].isrc, "GBAAA2600002");
	assert_string_equal(g.lines[1].revenue, "0.04");
}

static void test_soundcloud_refuses_share_over_100(void **unused)
{
	struct got g;
	struct ft_error err;
	const char *text =
	    "Account ID,1\nReport ID,x\n"
	    "ISRC,Country,Plays,Revenue Share (%),Split Pay Share (%),Revenue (USD)\n"
	    "GBAAA2600001,GB,1,55,101,0.01\n";

	(void)unused;
	assert_int_equal(harness_run_str(&ft_format_soundcloud, text, 0, NULL, &g, &err),
			 FT_EINVAL);
	assert_int_equal(err.line, 4);
	assert_string_equal(err.field, "Split Pay Share (%)");
}

static void test_youtube_prefers_net_revenue_and_skips_totals(void **unused)
{
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(
	    harness_run_file(&ft_format_youtube,
			     "tests/data/formats/youtube/ads_revenue_video_summary.csv", 0, NULL,
			     &g, &err),
	    0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.lines[0].isrc, "GBAAA2600001");
	assert_string_equal(g.lines[0].territory, "GB");
	assert_string_equal(g.lines[0].store, "YouTube");
	assert_int_equal(g.lines[0].usages, 10000);
	assert_string_equal(g.lines[0].revenue, "6.875");
	assert_string_equal(g.lines[0].gross, "12.5");
	assert_string_equal(g.lines[1].revenue, "1.705");
	assert_string_equal(g.lines[1].gross, "3.1");
}

static void test_youtube_partner_revenue_alone_is_the_revenue(void **unused)
{
	struct got g;
	struct ft_error err;
	const char *text = "Country,ISRC,Views,Partner Revenue\nFR,GBAAA2600001,12,0.5\n"
			   "FR,GBAAA2600002,3,zero\n";

	(void)unused;
	assert_int_equal(harness_run_str(&ft_format_youtube, text, 0, NULL, &g, &err), FT_EINVAL);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.lines[0].revenue, "0.5");
	assert_string_equal(g.lines[0].gross, "0.5");
	assert_int_equal(err.line, 3);
	assert_string_equal(err.field, "Partner Revenue");
	assert_non_null(strstr(err.message, "report.txt:3: field 4 'Partner Revenue'"));
}

static void test_platform_detection_needs_their_columns(void **unused)
{
	size_t len;
	char *sc = harness_slurp("tests/data/formats/soundcloud/revenue.csv", &len);

	(void)unused;
	assert_true(ft_format_soundcloud.detect(sc, len) > 50);
	assert_int_equal(ft_format_youtube.detect(sc, len), 0);
	assert_int_equal(ft_format_distrokid.detect(sc, len), 0);
	free(sc);
	sc = harness_slurp("tests/data/formats/youtube/ads_revenue_video_summary.csv", &len);
	assert_true(ft_format_youtube.detect(sc, len) > 50);
	assert_int_equal(ft_format_soundcloud.detect(sc, len), 0);
	free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_soundcloud_skips_preamble_and_keeps_quoted_titles_apart),
	    cmocka_unit_test(test_soundcloud_refuses_share_over_100),
	    cmocka_unit_test(test_youtube_prefers_net_revenue_and_skips_totals),
	    cmocka_unit_test(test_youtube_partner_revenue_alone_is_the_revenue),
	    cmocka_unit_test(test_platform_detection_needs_their_columns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
