/*
 * test_fmt_registry.c — ft_formats(), ft_format_find() and
 * ft_format_detect() over the test files of every format.
 */
#include "test_fmt_harness.h"

#include "ingest/formats.h"

static void test_registry_lists_every_format_once(void **unused)
{
	const struct ft_format *const *all = ft_formats();
	const char *want[] = {"flat-tsv", "dsr",   "distrokid", "soundcloud",
			      "youtube",  "apple", "cdbaby",	"generic"};
	size_t n = 0;

	(void)unused;
	while (all[n])
		n++;
	assert_int_equal(n, 8);
	for (size_t i = 0; i < 8; i++) {
		const struct ft_format *f = ft_format_find(all[i]->name);

		assert_ptr_equal(f, all[i]);
		assert_non_null(f->description);
		assert_non_null(f->detect);
		assert_non_null(f->line);
	}
	for (size_t i = 1; i < 8; i++)
		assert_non_null(ft_format_find(want[i]));
	assert_null(ft_format_find("nope"));
	assert_null(ft_format_find(NULL));
}

static void test_detect_picks_the_right_format_for_each_file(void **unused)
{
	const struct {
		const char *path, *format;
	} cases[] = {
	    {"tests/data/formats/dsr/basic_audio_mrb.tsv", "dsr"},
	    {"tests/data/formats/dsr/basic_audio_srb.tsv", "dsr"},
	    {"tests/data/formats/distrokid/bank_new.tsv", "distrokid"},
	    {"tests/data/formats/distrokid/bank_old_latin1.tsv", "distrokid"},
	    {"tests/data/formats/distrokid/stats.tsv", "distrokid"},
	    {"tests/data/formats/soundcloud/revenue.csv", "soundcloud"},
	    {"tests/data/formats/youtube/ads_revenue_video_summary.csv", "youtube"},
	    {"tests/data/formats/apple/financial_report.txt", "apple"},
	    {"tests/data/formats/cdbaby/sales.txt", "cdbaby"},
	};

	(void)unused;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		char *buf = harness_slurp(cases[i].path, &len);
		const struct ft_format *f = ft_format_detect(buf, len);

		assert_non_null(f);
		assert_string_equal(f->name, cases[i].format);
		free(buf);
	}
	/* a partner nobody wrote a parser for is not guessed */
	assert_null(ft_format_detect("Sales Month;Track ISRC;Net (EUR)\n", 32));
	assert_null(ft_format_detect("", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_registry_lists_every_format_once),
	    cmocka_unit_test(test_detect_picks_the_right_format_for_each_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
