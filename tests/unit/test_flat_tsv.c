/* test_flat_tsv.c — the flat usage TSV format: fields, errors, the fast path. */
#include "testutil.h"

#include "fairtrack/ingest.h"
#include "ingest/aggregate.h"
#include "ingest/fmt_flat_tsv.h"

#define HEADER FLAT_TSV_HEADER "\n"

struct got {
	struct ft_usage_line line;
	char isrc[64], upc[64], territory[8], currency[8], model[64];
	int n;
};

static int keep(void *p, const struct ft_usage_line *l, struct ft_error *err)
{
	struct got *g = p;

	g->line = *l;
	snprintf(g->isrc, sizeof(g->isrc), "%.*s", (int)l->isrc.len, l->isrc.ptr);
	snprintf(g->upc, sizeof(g->upc), "%.*s", (int)l->upc.len, l->upc.ptr);
	snprintf(g->territory, sizeof(g->territory), "%.*s", (int)l->territory.len,
		 l->territory.ptr);
	snprintf(g->currency, sizeof(g->currency), "%.*s", (int)l->currency.len, l->currency.ptr);
	snprintf(g->model, sizeof(g->model), "%.*s", (int)l->commercial_model.len,
		 l->commercial_model.ptr);
	g->n++;
	return 0;
}

/* Feed the header and one line through the generic ops. */
static int one_line(const char *line, struct got *g, struct ft_error *err)
{
	const struct ft_format_ctx ctx = {"report.tsv", 0, NULL};
	const char *h = FLAT_TSV_HEADER;
	int rc;

	memset(g, 0, sizeof(*g));
	ft_error_clear(err);
	rc = ft_format_flat_tsv.line(NULL, &ctx, h, strlen(h), 1, keep, g, err);
	assert_int_equal(rc, 0);
	return ft_format_flat_tsv.line(NULL, &ctx, line, strlen(line), 1204, keep, g, err);
}

static void test_good_line_is_parsed_exactly(void **state)
{
	struct got g;
	struct ft_error err;

	assert_int_equal(one_line("T1\tGBABC2600001\t\tGB\tSubscriptionModel\tOnDemandStream\t"
				  "12\tGBP\t0.123456789012",
				  &g, &err),
			 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.isrc, "GBABC2600001");
	assert_string_equal(g.territory, "GB");
	assert_string_equal(g.currency, "GBP");
	assert_string_equal(g.model, "SubscriptionModel");
	assert_int_equal(g.line.usages, 12);
	assert_true(g.line.revenue == (ft_amount)123456789012LL);
	assert_true(g.line.gross == g.line.revenue);
	assert_int_equal(g.line.line_no, 1204);
}

static void test_negative_lines_stay_negative(void **state)
{
	struct got g;
	struct ft_error err;

	assert_int_equal(one_line("T2\tGBABC2600001\t\tGB\tPayAsYouGoModel\tPermanentDownload\t"
				  "-1\tEUR\t-0.99",
				  &g, &err),
			 0);
	assert_int_equal(g.line.usages, -1);
	assert_true(g.line.revenue == -(ft_amount)990000000000LL);
}

static void test_release_level_line_has_upc_only(void **state)
{
	struct got g;
	struct ft_error err;

	assert_int_equal(one_line("T3\t\t0123456789012\tDE\tPayAsYouGoModel\tPermanentDownload\t"
				  "1\tEUR\t9.99",
				  &g, &err),
			 0);
	assert_string_equal(g.isrc, "");
	assert_string_equal(g.upc, "0123456789012");
}

static void test_twelve_fraction_digits_accepted_thirteen_refused(void **state)
{
	struct got g;
	struct ft_error err;

	assert_int_equal(one_line("T\tGBABC2600001\t\tGB\tM\tU\t1\tEUR\t-0.000000000001", &g, &err),
			 0);
	assert_true(g.line.revenue == -1);
	assert_int_equal(one_line("T\tGBABC2600001\t\tGB\tM\tU\t1\tEUR\t1.0000000000000", &g, &err),
			 0);
	assert_true(g.line.revenue == FT_AMOUNT_ONE);
	assert_int_equal(one_line("T\tGBABC2600001\t\tGB\tM\tU\t1\tEUR\t0.0000000000001", &g, &err),
			 FT_EINVAL);
	assert_string_equal(
	    err.message, "report.tsv:1204: field 9 'Revenue': '0.0000000000001' has more than 12 "
			 "decimal places (fairtrack keeps 12 exactly and never rounds; shorten it "
			 "at the source)");
	assert_string_equal(err.field, "Revenue");
	assert_int_equal(err.line, 1204);
}

static void test_long_integer_parts_take_the_general_parser(void **state)
{
	struct got g;
	struct ft_error err;

	assert_int_equal(
	    one_line("T\tGBABC2600001\t\tGB\tM\tU\t1\tEUR\t1234567890123456789012.5", &g, &err), 0);
	assert_true(g.line.revenue ==
		    ((ft_amount)1234 * 1000000000000000000LL + 567890123456789012LL) *
			    1000000000000LL +
			500000000000LL);
}

static void expect_error(const char *line, const char *message)
{
	struct got g;
	struct ft_error err;

	assert_int_equal(one_line(line, &g, &err), FT_EINVAL);
	assert_string_equal(err.message, message);
	assert_int_equal(g.n, 0);
}

static void test_each_bad_field_is_named_with_the_fix(void **state)
{
	expect_error("T\tGBABC2600001\t\tGB\tM\tU\t1\tEUR\t12,50",
		     "report.tsv:1204: field 9 'Revenue': '12,50' is not a decimal (use '.' as the "
		     "decimal point)");
	expect_error("T\tGBABC2600001\t\tGB\tM\tU\t1\tEUR\t1e5",
		     "report.tsv:1204: field 9 'Revenue': '1e5' is not a decimal (write digits "
		     "with an optional '-' and '.', e.g. -12.5)");
	expect_error("T\tGBABC2600001\t\tGB\tM\tU\t1\tEUR\t",
		     "report.tsv:1204: field 9 'Revenue': '' is empty (write 0 for a line without "
		     "revenue)");
	expect_error("T\tGBABC2600001\t\tGB\tM\tU\t1.5\tEUR\t1",
		     "report.tsv:1204: field 7 'Usages': '1.5' is not a whole number (usages count "
		     "streams or units, e.g. 12 or -1 for a return)");
	expect_error("T\tGBABC2600001\t\tGB\tM\tU\t99999999999999999999\tEUR\t1",
		     "report.tsv:1204: field 7 'Usages': '99999999999999999999' is out of range");
	expect_error("T\tGBABC2600001\t\tgb\tM\tU\t1\tEUR\t1",
		     "report.tsv:1204: field 4 'Territory': 'gb' is not a territory code (two "
		     "upper-case letters of ISO 3166-1 such as GB, or WW for worldwide)");
	expect_error("T\tGBABC2600001\t\tGB\tM\tU\t1\tEURO\t1",
		     "report.tsv:1204: field 8 'Currency': 'EURO' is not a currency code (three "
		     "upper-case letters of ISO 4217 such as EUR)");
	expect_error("T\tGBABC2600001\t\tGB\t\tU\t1\tEUR\t1",
		     "report.tsv:1204: field 5 'CommercialModel': '' is empty (e.g. "
		     "SubscriptionModel, AdvertisementSupportedModel, PayAsYouGoModel)");
	expect_error("T\tGBABC2600001\t\tGB\tM\t\t1\tEUR\t1",
		     "report.tsv:1204: field 6 'UseType': '' is empty (e.g. OnDemandStream, "
		     "PermanentDownload)");
	expect_error("T\t\t\tGB\tM\tU\t1\tEUR\t1",
		     "report.tsv:1204: field 2 'ISRC' and field 3 'UPC' are both empty (a line "
		     "names a track by ISRC, or a release by UPC)");
	expect_error(
	    "T\tGBABC2600001\tGB\tM\tU\t1\tEUR\t1",
	    "report.tsv:1204: expected 9 tab-separated fields, found 8 (the columns are "
	    "SalesTransactionId ISRC UPC Territory CommercialModel UseType Usages Currency "
	    "Revenue)");
}

static void test_wrong_header_is_refused(void **state)
{
	const struct ft_format_ctx ctx = {"r.csv", 0, NULL};
	struct ft_error err;
	const char *h = "SalesTransactionId,ISRC,UPC";

	assert_int_equal(ft_format_flat_tsv.line(NULL, &ctx, h, strlen(h), 1, keep, NULL, &err),
			 FT_EINVAL);
	assert_non_null(strstr(err.message, "r.csv:1: not a flat usage TSV header"));
}

static void test_detect_wants_the_exact_header(void **state)
{
	assert_int_equal(ft_format_flat_tsv.detect(HEADER "1\t", strlen(HEADER) + 2), 100);
	assert_int_equal(ft_format_flat_tsv.detect(FLAT_TSV_HEADER "\r\n", strlen(HEADER) + 1),
			 100);
	assert_int_equal(ft_format_flat_tsv.detect("ISRC\tTerritory\n", 15), 0);
	assert_int_equal(ft_format_flat_tsv.detect(FLAT_TSV_HEADER "\tExtra\n", strlen(HEADER) + 6),
			 0);
}

/* ------------------------------------------------------------ fast path */

struct fast_run {
	int threads;
	size_t min_chunk;
	int used;
	struct agg_part parts[4];
	int rc;
};

static int run_fast(void *p, struct ft_report *r, struct ft_error *err)
{
	struct fast_run *run = p;
	const char *data;
	size_t len;

	assert_true(ft_report_map(r, &data, &len));
	run->rc = flat_tsv_fast_path_ex(r, data, len, run->threads, run->min_chunk, run->parts,
					&run->used, err);
	return run->rc;
}

static const char *write_report(const char *name, const char *text)
{
	static char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/flat_%s", testutil_tmpdir(), name);
	f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static int fast(const char *path, int threads, struct fast_run *run, struct ft_error *err)
{
	int rc, k;

	memset(run, 0, sizeof(*run));
	run->threads = threads;
	run->min_chunk = 1;
	ft_error_clear(err);
	rc = ft_reader_each_report(path, run_fast, run, err);
	for (k = 0; k < run->used; k++)
		agg_part_fini(&run->parts[k]);
	return rc;
}

static void test_fast_path_error_in_second_chunk_has_the_right_line(void **state)
{
	char text[8192];
	size_t n = 0;
	struct fast_run run;
	struct ft_error err;
	int i;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", HEADER);
	for (i = 2; i <= 60; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "T%d\tGBABC26%05d\t\tGB\tM\tU\t1\tEUR\t%s\n", i, i,
				      i == 50 ? "12,50" : "1.5");
	assert_int_equal(fast(write_report("err2.tsv", text), 2, &run, &err), FT_EINVAL);
	assert_int_equal(run.used, 2);
	assert_int_equal(err.line, 50);
	assert_non_null(strstr(err.message, "flat_err2.tsv:50: field 9 'Revenue': '12,50' is not "
					    "a decimal (use '.' as the decimal point)"));
}

static void test_fast_path_first_error_wins_over_later_chunks(void **state)
{
	char text[8192];
	size_t n = 0;
	struct fast_run run;
	struct ft_error err;
	int i;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", HEADER);
	for (i = 2; i <= 80; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "T%d\tGBABC26%05d\t\t%s\tM\tU\t1\tEUR\t1\n", i, i,
				      i == 7 || i == 70 ? "g" : "GB");
	assert_int_equal(fast(write_report("err1.tsv", text), 3, &run, &err), FT_EINVAL);
	assert_int_equal(err.line, 7);
	assert_string_equal(err.field, "Territory");
}

static void test_fast_path_handles_crlf_bom_and_missing_final_newline(void **state)
{
	struct fast_run run;
	struct ft_error err;
	const char *path = write_report("crlf.tsv", "\xEF\xBB\xBF" FLAT_TSV_HEADER "\r\n"
						    "a\tGBABC2600001\t\tGB\tM\tU\t1\tEUR\t1.5\r\n"
						    "\r\n"
						    "b\tGBABC2600001\t\tGB\tM\tU\t2\tEUR\t-0.5");
	int k;
	ft_amount sum = 0;
	int64_t usages = 0;
	size_t keys = 0;

	memset(&run, 0, sizeof(run));
	run.threads = 1;
	run.min_chunk = 1;
	assert_int_equal(ft_reader_each_report(path, run_fast, &run, &err), 0);
	assert_int_equal(run.used, 1);
	for (size_t s = 0; s <= run.parts[0].mask; s++) {
		const struct agg_entry *e = &run.parts[0].slots[s];
		ft_amount r;

		if (!e->dim)
			continue;
		keys++;
		r = e->revenue;
		sum += r;
		usages += e->usages;
	}
	for (k = 0; k < run.used; k++)
		agg_part_fini(&run.parts[k]);
	assert_int_equal(keys, 1);
	assert_int_equal(usages, 3);
	assert_true(sum == FT_AMOUNT_ONE);
}

static void test_fast_path_refuses_a_wrong_header(void **state)
{
	struct fast_run run;
	struct ft_error err;

	assert_int_equal(fast(write_report("hdr.tsv", "ISRC\tRevenue\nX\t1\n"), 2, &run, &err),
			 FT_EINVAL);
	assert_non_null(strstr(err.message, ":1: not a flat usage TSV header"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_line_is_parsed_exactly),
	    cmocka_unit_test(test_negative_lines_stay_negative),
	    cmocka_unit_test(test_release_level_line_has_upc_only),
	    cmocka_unit_test(test_twelve_fraction_digits_accepted_thirteen_refused),
	    cmocka_unit_test(test_long_integer_parts_take_the_general_parser),
	    cmocka_unit_test(test_each_bad_field_is_named_with_the_fix),
	    cmocka_unit_test(test_wrong_header_is_refused),
	    cmocka_unit_test(test_detect_wants_the_exact_header),
	    cmocka_unit_test(test_fast_path_error_in_second_chunk_has_the_right_line),
	    cmocka_unit_test(test_fast_path_first_error_wins_over_later_chunks),
	    cmocka_unit_test(test_fast_path_handles_crlf_bom_and_missing_final_newline),
	    cmocka_unit_test(test_fast_path_refuses_a_wrong_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
