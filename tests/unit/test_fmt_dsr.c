/*
 * test_fmt_dsr.c — the DDEX DSR Basic Audio flat-file parser.
 *
 * The data files in tests/data/formats/dsr/ are built from the cell lists of
 * the ddexnet/dsrf BasicAudioProfile 1.2 XSD (docs/FORMATS.md); the error
 * cases edit one record of the same structure inline.
 */
#include "test_fmt_harness.h"

#include "ingest/formats.h"

#define MRB "tests/data/formats/dsr/basic_audio_mrb.tsv"
#define SRB "tests/data/formats/dsr/basic_audio_srb.tsv"

static void assert_line(const struct got_line *l, const char *isrc, const char *upc,
			const char *territory, const char *currency, long long usages,
			const char *revenue, const char *txid)
{
	assert_string_equal(l->isrc, isrc);
	assert_string_equal(l->upc, upc);
	assert_string_equal(l->territory, territory);
	assert_string_equal(l->currency, currency);
	assert_int_equal(l->usages, usages);
	assert_string_equal(l->revenue, revenue);
	assert_string_equal(l->gross, revenue);
	assert_string_equal(l->txid, txid);
}

static void test_dsr_shares_summary_money_pro_rata_exactly(void **unused)
{
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(harness_run_file(&ft_format_dsr, MRB, 0, NULL, &g, &err), 0);
	assert_int_equal(g.n, 8);
	/* SY02.02 '1' (GB): AllocatedRevenue 3.00 over 600/300/100 streams */
	assert_line(&g.lines[0], "GBAAA2600001", "", "GB", "GBP", 600, "1.8", "T1");
	/* a multi-valued ISRC cell: the resource's first ISRC */
	assert_line(&g.lines[1], "GBAAA2600002", "", "GB", "GBP", 300, "0.9", "T2");
	/* SY02.02 '2' (US): only AllocatedNetRevenue 10.00, over 1/1/1 streams:
	 * the unit left by the largest-remainder split goes to the first line */
	assert_line(&g.lines[2], "GBAAA2600001", "", "US", "USD", 1, "3.333333333334", "T3");
	assert_line(&g.lines[3], "GBAAA2600002", "", "US", "USD", 1, "3.333333333333", "T4");
	/* block 2 reuses the reference 'A1' for another recording */
	assert_line(&g.lines[4], "GBAAA2600003", "", "GB", "GBP", 100, "0.3", "T5");
	assert_line(&g.lines[5], "GBAAA2600003", "", "US", "USD", 1, "3.333333333333", "T6");
	/* SY01.01 '3' (DE): NetRevenue 7.00 over 2 release downloads and 5-1 track downloads */
	assert_line(&g.lines[6], "", "5012345678917", "DE", "EUR", 2, "2.333333333333", "T7");
	assert_line(&g.lines[7], "GBAAA2600003", "", "DE", "EUR", 4, "4.666666666667", "T8");
	assert_string_equal(g.lines[0].model, "SubscriptionModel");
	assert_string_equal(g.lines[0].use_type, "OnDemandStream");
	assert_string_equal(g.lines[0].store, "StreamCo");
	assert_string_equal(g.lines[0].period, "2026-10");
	assert_string_equal(g.lines[6].model, "PayAsYouGoModel");
	assert_int_equal(g.lines[0].line_no, 10);
}

static void test_dsr_split_never_loses_a_unit(void **unused)
{
	struct got g;
	struct ft_error err;
	char total[FT_AMOUNT_STR_MAX];

	(void)unused;
	assert_int_equal(harness_run_file(&ft_format_dsr, MRB, 0, NULL, &g, &err), 0);
	/* 3.00 GBP + 10.00 USD + 7.00 EUR: every summary is paid out in full */
	ft_amount_format(total, sizeof(total), g.total, 0);
	assert_string_equal(total, "20");
}

static void test_dsr_single_record_block_variant(void **unused)
{
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(harness_run_file(&ft_format_dsr, SRB, 0, NULL, &g, &err), 0);
	assert_int_equal(g.n, 2);
	assert_line(&g.lines[0], "GBAAA2600001", "5012345678900", "FR", "EUR", 10, "0.3", "X1");
	assert_line(&g.lines[1], "GBAAA2600002", "5012345678900", "FR", "EUR", 20, "0.6", "X2");
}

/* The MRB file with one substring replaced. */
static char *edited(const char *from, const char *to)
{
	size_t len;
	char *buf = harness_slurp(MRB, &len);
	char *at = strstr(buf, from);
	char *out;

	assert_non_null(at);
	out = malloc(len + strlen(to) + 1);
	assert_non_null(out);
	memcpy(out, buf, (size_t)(at - buf));
	strcpy(out + (at - buf), to);
	strcat(out, at + strlen(from));
	free(buf);
	return out;
}

static void test_dsr_rejects_summary_mismatch(void **unused)
{
	char *text = edited("\t1000\t3.00\t", "\t1001\t3.00\t");
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(harness_run_str(&ft_format_dsr, text, 0, NULL, &g, &err), FT_EINVAL);
	assert_int_equal(g.n, 0);
	assert_string_equal(err.field, "AllocatedUsages");
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.message, "summary record '1'"));
	assert_non_null(strstr(err.message, "1001"));
	assert_non_null(strstr(err.message, "add up to 1000"));
	/* --force accepts it, and the money is still shared in full */
	assert_int_equal(harness_run_str(&ft_format_dsr, text, 1, NULL, &g, &err), 0);
	assert_int_equal(g.n, 8);
	assert_string_equal(g.lines[0].revenue, "1.8");
	free(text);
}

static void test_dsr_rejects_footer_line_count_mismatch(void **unused)
{
	char *text = edited("FOOT\t21\t21", "FOOT\t25\t25");
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(harness_run_str(&ft_format_dsr, text, 0, NULL, &g, &err), FT_EINVAL);
	assert_string_equal(err.field, "NumberOfLinesInFile");
	assert_non_null(strstr(err.message, "25 lines but the file has 21"));
	assert_int_equal(harness_run_str(&ft_format_dsr, text, 1, NULL, &g, &err), 0);
	free(text);
}

static void test_dsr_rejects_truncated_file(void **unused)
{
	char *text = edited("FOOT\t21", "#OOT\t21");
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(harness_run_str(&ft_format_dsr, text, 1, NULL, &g, &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "no FOOT record"));
	assert_int_equal(g.n, 0);
	free(text);
}

static void test_dsr_rejects_duplicate_transaction(void **unused)
{
	char *text = edited("\tT4\t", "\tT2\t");
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(harness_run_str(&ft_format_dsr, text, 0, NULL, &g, &err), FT_EINVAL);
	assert_string_equal(err.field, "SalesTransactionId");
	assert_int_equal(err.line, 13);
	assert_non_null(strstr(err.message, "'T2' of message 'MSG-2026-10-0001'"));
	assert_non_null(strstr(err.message, "line 11"));
	free(text);
}

static void test_dsr_rejects_unknown_references(void **unused)
{
	char *text = edited("\tT5\t\tA1\t", "\tT5\t\tA2\t");
	struct got g;
	struct ft_error err;

	(void)unused;
	/* A2 exists in block 1 only: references do not leak across blocks */
	assert_int_equal(harness_run_str(&ft_format_dsr, text, 0, NULL, &g, &err), FT_EINVAL);
	assert_string_equal(err.field, "TransactedResource");
	assert_int_equal(err.line, 17);
	assert_non_null(strstr(err.message, "report.txt:17: SU02 cell 6 TransactedResource: 'A2'"));
	free(text);

	text = edited("SU02\t1\t1\tT1", "SU02\t1\t9\tT1");
	assert_int_equal(harness_run_str(&ft_format_dsr, text, 0, NULL, &g, &err), FT_EINVAL);
	assert_string_equal(err.field, "SummaryRecordId");
	assert_non_null(strstr(err.message, "'9' names no summary record"));
	free(text);
}

static void test_dsr_bad_cell_names_file_line_and_field(void **unused)
{
	char *text = edited("\tT2\t\tA2\ttrue\t300\t", "\tT2\t\tA2\ttrue\t3x0\t");
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(harness_run_str(&ft_format_dsr, text, 0, NULL, &g, &err), FT_EINVAL);
	assert_string_equal(err.file, "report.txt");
	assert_int_equal(err.line, 11);
	assert_string_equal(err.field, "NumberOfStreams");
	assert_non_null(strstr(err.message, "SU02 cell 8 NumberOfStreams: '3x0' is not a whole"));
	free(text);
}

static void test_dsr_empty_records_count_as_lines_only(void **unused)
{
	char *text = edited("\n\nRE01\t2", "\n\t\t\t\nRE01\t2");
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(harness_run_str(&ft_format_dsr, text, 0, NULL, &g, &err), 0);
	assert_int_equal(g.n, 8);
	free(text);
}

static void test_dsr_refuses_multi_file_reports(void **unused)
{
	char *text = edited("\t1\t1\t2026-10-01", "\t1\t2\t2026-10-01");
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(harness_run_str(&ft_format_dsr, text, 1, NULL, &g, &err), FT_EINVAL);
	assert_string_equal(err.field, "NumberOfFiles");
	free(text);
}

static void test_dsr_refuses_unknown_record_versions(void **unused)
{
	char *text = edited("SY01.01\t3", "SY01.09\t3");
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(harness_run_str(&ft_format_dsr, text, 0, NULL, &g, &err), FT_EINVAL);
	assert_int_equal(err.line, 5);
	assert_non_null(strstr(err.message, "SY01.09"));
	free(text);
}

/* A small report built inline: one SY02.02 summary, one block with a head
 * release, two resources and two RE02 sub-releases. */
static const char *small_head =
    "HEAD\tdsrf/13/16/13\tBasicAudioProfile\t1.2\tMSG-S\t2026-11-05T10:00:00Z\t1\t1\t2026-09-01\t"
    "2026-10-31\tPADPIDA1\tStreamCo\t\tPADPIDA2\tFair Label\t\n";

static char *small_report(const char *alloc_cells, const char *royalty3, const char *usages1,
			  const char *usages2)
{
	char *buf = malloc(4096);

	assert_non_null(buf);
	snprintf(
	    buf, 4096,
	    "%s"
	    "SY02.02\tS\tDistroX\t\tSubscriptionModel\tOnDemandStream\tNO\tP\t99\t\tNOK\t1\t\t\t%"
	    "s\t"
	    "\tMusic\t\t\t\n"
	    "RE01\tB\tR0\tD\t\t\t5012345678900\tA\t\tT\t\t\t\t\t\n"
	    "AS02.02\tB\tA1\tD\tNOAAA2600001\tT\t\tA\t\t\tSoundRecording\n"
	    "AS02.02\tB\tA2\tD\tNOAAA2600002\tT\t\tA\t\t\tSoundRecording\n"
	    "RE02\tB\tR1\tDS1\t\tA2\n"
	    "RE02\tB\tR2\tDS2\t\tA1|A2\n"
	    "SU02\tB\tS\tX1\tR1\t\ttrue\t%s\t\t\n"
	    "SU02\tB\tS\tX2\tR2\t\ttrue\t%s\t\t\n"
	    "SU02\tB\tS\tX3\t\tA1\t%s\t1\t\t\n"
	    "FOOT\t11\t11\t1\t1\t1\n",
	    small_head, alloc_cells, usages1, usages2, royalty3);
	return buf;
}

static void test_dsr_sub_releases_and_non_royalty_lines(void **unused)
{
	char *text = small_report("3\t6.00\t", "false", "1", "1");
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(harness_run_str(&ft_format_dsr, text, 0, NULL, &g, &err), 0);
	assert_int_equal(g.n, 3);
	/* a track sub-release is its one recording */
	assert_string_equal(g.lines[0].isrc, "NOAAA2600002");
	assert_string_equal(g.lines[0].upc, "");
	/* a bigger sub-release is accounted to the head release */
	assert_string_equal(g.lines[1].isrc, "");
	assert_string_equal(g.lines[1].upc, "5012345678900");
	/* not royalty bearing: counted, unpaid; the others share all 6.00 */
	assert_int_equal(g.lines[2].usages, 1);
	assert_string_equal(g.lines[2].revenue, "0");
	assert_string_equal(g.lines[0].revenue, "3");
	assert_string_equal(g.lines[1].revenue, "3");
	/* DistributionChannel names the store; the period spans two months */
	assert_string_equal(g.lines[0].store, "DistroX");
	assert_string_equal(g.lines[0].period, "2026-09-01..2026-10-31");
	free(text);
}

static void test_dsr_summary_without_allocation_needs_force(void **unused)
{
	char *text = small_report("3\t\t", "true", "1", "1");
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(harness_run_str(&ft_format_dsr, text, 0, NULL, &g, &err), FT_EINVAL);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.message, "no AllocatedRevenue or AllocatedNetRevenue"));
	assert_int_equal(harness_run_str(&ft_format_dsr, text, 1, NULL, &g, &err), 0);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.lines[0].revenue, "0");
	free(text);
}

static void test_dsr_refuses_several_allocations_in_one_cell(void **unused)
{
	char *text = small_report("3\t1.00|5.00\t", "true", "1", "1");
	struct got g;
	struct ft_error err;

	(void)unused;
	assert_int_equal(harness_run_str(&ft_format_dsr, text, 1, NULL, &g, &err), FT_EINVAL);
	assert_string_equal(err.field, "AllocatedRevenue");
	assert_non_null(strstr(err.message, "several values"));
	free(text);
}

static void test_dsr_revenue_without_usages_cannot_be_shared(void **unused)
{
	char *text = small_report("1\t6.00\t", "false", "0", "1");
	struct got g;
	struct ft_error err;

	(void)unused;
	/* usages 0 + 1 + 1 not royalty bearing: the one paying line takes all */
	assert_int_equal(harness_run_str(&ft_format_dsr, text, 1, NULL, &g, &err), 0);
	assert_string_equal(g.lines[0].revenue, "0");
	assert_string_equal(g.lines[1].revenue, "6");
	free(text);
	/* no royalty-bearing usage at all: nothing to share 6.00 over */
	text = small_report("0\t6.00\t", "false", "0", "0");
	assert_int_equal(harness_run_str(&ft_format_dsr, text, 1, NULL, &g, &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "no usages to share it over"));
	free(text);
}

static void test_dsr_detects_its_head(void **unused)
{
	size_t len;
	char *buf = harness_slurp(MRB, &len);

	(void)unused;
	assert_true(ft_format_dsr.detect(buf, len) > 90);
	assert_int_equal(ft_format_dsr.detect("ISRC\tRevenue\n", 13), 0);
	assert_int_equal(ft_format_dsr.detect("", 0), 0);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dsr_shares_summary_money_pro_rata_exactly),
	    cmocka_unit_test(test_dsr_split_never_loses_a_unit),
	    cmocka_unit_test(test_dsr_single_record_block_variant),
	    cmocka_unit_test(test_dsr_rejects_summary_mismatch),
	    cmocka_unit_test(test_dsr_rejects_footer_line_count_mismatch),
	    cmocka_unit_test(test_dsr_rejects_truncated_file),
	    cmocka_unit_test(test_dsr_rejects_duplicate_transaction),
	    cmocka_unit_test(test_dsr_rejects_unknown_references),
	    cmocka_unit_test(test_dsr_bad_cell_names_file_line_and_field),
	    cmocka_unit_test(test_dsr_empty_records_count_as_lines_only),
	    cmocka_unit_test(test_dsr_refuses_multi_file_reports),
	    cmocka_unit_test(test_dsr_refuses_unknown_record_versions),
	    cmocka_unit_test(test_dsr_sub_releases_and_non_royalty_lines),
	    cmocka_unit_test(test_dsr_summary_without_allocation_needs_force),
	    cmocka_unit_test(test_dsr_refuses_several_allocations_in_one_cell),
	    cmocka_unit_test(test_dsr_revenue_without_usages_cannot_be_shared),
	    cmocka_unit_test(test_dsr_detects_its_head),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
