/* test_aggregate.c — exact sums per key, matching, order, threads, the text. */
#include "testutil.h"

#include <zlib.h>

#include "fairtrack/ingest.h"
#include "ingest/fmt_flat_tsv.h"

#define HEADER FLAT_TSV_HEADER "\n"

static const char *tmp_path(const char *name)
{
	static char path[4][600];
	static int k;

	k = (k + 1) % 4;
	snprintf(path[k], sizeof(path[k]), "%s/agg_%s", testutil_tmpdir(), name);
	return path[k];
}

static const char *write_text(const char *name, const char *text)
{
	const char *path = tmp_path(name);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static const char *write_gz(const char *name, const char *text)
{
	const char *path = tmp_path(name);
	gzFile gz = gzopen(path, "wb");

	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, text, (unsigned)strlen(text)), (int)strlen(text));
	gzclose(gz);
	return path;
}

static struct ft_matcher *matcher_from(const char *catalog_text)
{
	struct ft_matcher *m;
	struct ft_error err;

	assert_int_equal(ft_matcher_new(&m, &err), 0);
	if (ft_matcher_load(m, write_text("catalog.csv", catalog_text), &err))
		fail_msg("%s", err.message);
	return m;
}

/* Aggregate the files and return the `aggregate` text (caller frees). */
static char *aggregate_text(struct ft_matcher *m, int threads, const char *const *files,
			    int n_files)
{
	struct ft_aggregate_opts opts = {.matcher = m, .threads = threads};
	struct ft_aggregate *agg;
	struct ft_error err;
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	int i;

	assert_int_equal(ft_aggregate_new(&agg, &opts, &err), 0);
	for (i = 0; i < n_files; i++)
		if (ft_aggregate_file(agg, files[i], &err))
			fail_msg("%s", err.message);
	out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(ft_aggregate_write_tsv(agg, out, &err), 0);
	fclose(out);
	ft_aggregate_free(agg);
	return text;
}

static void test_matcher_normalises_catalogue_isrcs(void **state)
{
	struct ft_matcher *m = matcher_from("Title;isrc;UPC\n"
					    "One;gb-abc-26-00001;\n"
					    "Two;GB ABC 26 00002;0123456789012\n"
					    "Release only;;\n");

	assert_int_equal(ft_matcher_track_count(m), 2);
	assert_int_equal(ft_matcher_release_count(m), 1);
	assert_int_equal(ft_matcher_find_isrc(m, "GBABC2600001"), 1);
	assert_int_equal(ft_matcher_find_isrc(m, "GBABC2600002"), 2);
	assert_int_equal(ft_matcher_find_isrc(m, "GBABC2600003"), 0);
	/* A UPC-A and its EAN-13 form are the same release. */
	assert_int_equal(ft_matcher_find_gtin(m, "00123456789012"), 1);
	ft_matcher_free(m);
}

static void test_matcher_refuses_a_catalogue_without_isrc_column(void **state)
{
	struct ft_matcher *m;
	struct ft_error err;

	assert_int_equal(ft_matcher_new(&m, &err), 0);
	assert_int_equal(ft_matcher_load(m, write_text("nocol.csv", "Title,Artist\nA,B\n"), &err),
			 FT_EINVAL);
	assert_non_null(strstr(err.message, "nocol.csv:1: the catalogue's header has no ISRC"));
	ft_matcher_free(m);
}

static void test_matcher_names_the_bad_catalogue_line(void **state)
{
	struct ft_matcher *m;
	struct ft_error err;

	assert_int_equal(ft_matcher_new(&m, &err), 0);
	assert_int_equal(ft_matcher_load(m,
					 write_text("bad.tsv", "ISRC\tTitle\nGBABC2600001\tA\n"
							       "GBAB\tB\n"),
					 &err),
			 FT_EINVAL);
	assert_non_null(strstr(err.message, "bad.tsv:3:"));
	ft_matcher_free(m);
}

static void test_output_is_sorted_exact_and_split_by_match(void **state)
{
	struct ft_matcher *m =
	    matcher_from("ISRC,UPC\ngb-abc-26-00001,\nGBABC2600002,0123456789012\n");
	const char *files[1];
	char *text;

	files[0] = write_text(
	    "small.tsv", HEADER
	    "1\tGBABC2600002\t\tUS\tSubscriptionModel\tOnDemandStream\t5\tUSD\t0.5\n"
	    "2\tgbabc2600001\t\tGB\tSubscriptionModel\tOnDemandStream\t1\tGBP\t0.1\n"
	    "3\tGB-ABC-26-00001\t\tGB\tSubscriptionModel\tOnDemandStream\t2\tGBP\t0.2\n"
	    "4\tGBABC2600001\t\tGB\tSubscriptionModel\tOnDemandStream\t-3\tGBP\t-0.3\n"
	    "5\tZZZZZ2600009\t\tFR\tPayAsYouGoModel\tPermanentDownload\t1\tEUR\t1.25\n"
	    "6\t\t0123456789012\tDE\tPayAsYouGoModel\tPermanentDownload\t1\tEUR\t9.99\n"
	    "7\tnot-an-isrc\t\tDE\tSubscriptionModel\tOnDemandStream\t1\tEUR\t0.000000000001\n"
	    "8\tGBABC2600002\t\tGB\tSubscriptionModel\tOnDemandStream\t5\tGBP\t12.5\n");
	text = aggregate_text(m, 1, files, 1);
	assert_string_equal(
	    text, "isrc\tterritory\tcommercial_model\tuse_type\tcurrency\tusages\trevenue\n"
		  "00123456789012\tDE\tPayAsYouGoModel\tPermanentDownload\tEUR\t1\t9.99\n"
		  "GBABC2600001\tGB\tSubscriptionModel\tOnDemandStream\tGBP\t0\t0\n"
		  "GBABC2600002\tGB\tSubscriptionModel\tOnDemandStream\tGBP\t5\t12.5\n"
		  "GBABC2600002\tUS\tSubscriptionModel\tOnDemandStream\tUSD\t5\t0.5\n"
		  "\n"
		  "unmatched_id\tterritory\tcommercial_model\tuse_type\tcurrency\tusages\trevenue\n"
		  "ZZZZZ2600009\tFR\tPayAsYouGoModel\tPermanentDownload\tEUR\t1\t1.25\n"
		  "not-an-isrc\tDE\tSubscriptionModel\tOnDemandStream\tEUR\t1\t0.000000000001\n");
	free(text);
	ft_matcher_free(m);
}

static void test_a_bad_file_leaves_the_totals_untouched(void **state)
{
	struct ft_matcher *m = matcher_from("ISRC\nGBABC2600001\n");
	struct ft_aggregate_opts opts = {.matcher = m, .threads = 1};
	struct ft_aggregate *agg;
	struct ft_error err;
	const char *good =
	    write_text("good.tsv", HEADER "1\tGBABC2600001\t\tGB\tM\tU\t1\tGBP\t1\n");
	const char *bad = write_text("bad.tsv", HEADER "1\tGBABC2600001\t\tGB\tM\tU\t1\tGBP\t1\n"
						       "2\tGBABC2600001\t\tGB\tM\tU\tx\tGBP\t1\n");

	assert_int_equal(ft_aggregate_new(&agg, &opts, &err), 0);
	assert_int_equal(ft_aggregate_file(agg, good, &err), 0);
	assert_int_equal(ft_aggregate_file(agg, bad, &err), FT_EINVAL);
	assert_int_equal(err.line, 3);
	assert_int_equal(ft_aggregate_count(agg), 1);
	ft_aggregate_free(agg);
	ft_matcher_free(m);
}

static void test_sums_beyond_64_bits_stay_exact(void **state)
{
	struct ft_matcher *m = matcher_from("ISRC\nGBABC2600001\n");
	const char *text =
	    HEADER "1\tGBABC2600001\t\tGB\tM\tU\t1\tGBP\t9000000.000000000001\n"
		   "2\tGBABC2600001\t\tGB\tM\tU\t1\tGBP\t9000000.000000000001\n"
		   "3\tGBABC2600001\t\tGB\tM\tU\t1\tGBP\t9000000.000000000001\n"
		   "4\tGBABC2600001\t\tGB\tM\tU\t1\tGBP\t100000000\n"
		   "5\tGBABC2600001\t\tGB\tM\tU\t-1\tGBP\t-5000000.5\n"
		   "6\tGBABC2600001\t\tUS\tM\tU\t1\tUSD\t-99999999999999.999999999999\n"
		   "7\tGBABC2600001\t\tUS\tM\tU\t1\tUSD\t-99999999999999.999999999999\n";
	const char *expect =
	    "isrc\tterritory\tcommercial_model\tuse_type\tcurrency\tusages\trevenue\n"
	    "GBABC2600001\tGB\tM\tU\tGBP\t3\t121999999.500000000003\n"
	    "GBABC2600001\tUS\tM\tU\tUSD\t2\t-199999999999999.999999999998\n"
	    "\n"
	    "unmatched_id\tterritory\tcommercial_model\tuse_type\tcurrency\tusages\trevenue\n";
	const char *files[1];
	char *out;
	int threads;

	flat_tsv_min_chunk = 1;
	for (threads = 1; threads <= 2; threads++) {
		files[0] = write_text("big.tsv", text);
		out = aggregate_text(m, threads, files, 1);
		assert_string_equal(out, expect);
		free(out);
		files[0] = write_gz("big.tsv.gz", text);
		out = aggregate_text(m, threads, files, 1);
		assert_string_equal(out, expect);
		free(out);
	}
	flat_tsv_min_chunk = 0;
	ft_matcher_free(m);
}

static void test_large_output_is_written_whole_and_in_order(void **state)
{
	/* More rows than one formatting block per thread (2 x 65536). */
	struct ft_matcher *m = matcher_from("ISRC\nGBABC0000007\n");
	size_t n = 150000, i, cap = n * 64 + 256, len = 0, lines = 0;
	char *text = malloc(cap), *out, *p, prev[64] = "";
	const char *files[1];

	assert_non_null(text);
	len += (size_t)snprintf(text, cap, "%s", HEADER);
	for (i = n; i > 0; i--) /* written in reverse key order */
		len += (size_t)snprintf(text + len, cap - len,
					"%zu\tGBABC%07zu\t\tGB\tM\tU\t1\tEUR\t0.%zu\n", i, i, i);
	files[0] = write_text("many.tsv", text);
	out = aggregate_text(m, 2, files, 1);
	for (p = strchr(out, '\n') + 1; *p && *p != '\n'; p = strchr(p, '\n') + 1) {
		char key[64];

		snprintf(key, sizeof(key), "%.*s", (int)(strchr(p, '\t') - p), p);
		assert_true(strcmp(prev, key) < 0);
		snprintf(prev, sizeof(prev), "%s", key);
		lines++;
	}
	assert_int_equal(lines, 1); /* GBABC0000007: matched */
	assert_non_null(strstr(out, "GBABC0000001\tGB\tM\tU\tEUR\t1\t0.1\n"));
	p = strstr(out, "\nunmatched_id");
	assert_non_null(p);
	for (lines = 0, prev[0] = '\0', p = strchr(p + 1, '\n') + 1; *p; p = strchr(p, '\n') + 1) {
		char key[64];

		snprintf(key, sizeof(key), "%.*s", (int)(strchr(p, '\t') - p), p);
		assert_true(strcmp(prev, key) < 0);
		snprintf(prev, sizeof(prev), "%s", key);
		lines++;
	}
	assert_int_equal(lines, n - 1);
	free(out);
	free(text);
	ft_matcher_free(m);
}

/* ------------------------------------------------- the property test */

#define N_TRACKS 24
#define N_LINES 4000

struct ref_row {
	char key[128]; /* id \t territory \t model \t use \t currency */
	int matched;
	int64_t usages;
	ft_amount revenue;
};

static int cmp_ref(const void *a, const void *b)
{
	return strcmp(((const struct ref_row *)a)->key, ((const struct ref_row *)b)->key);
}

static void ref_add(struct ref_row *rows, size_t *n, const char *key, int matched, int64_t usages,
		    ft_amount revenue)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp(rows[i].key, key) == 0)
			break;
	if (i == *n) {
		snprintf(rows[i].key, sizeof(rows[i].key), "%s", key);
		rows[i].matched = matched;
		rows[i].usages = 0;
		rows[i].revenue = 0;
		(*n)++;
	}
	rows[i].usages += usages;
	rows[i].revenue += revenue;
}

/* The expected text, by the simplest means: linear search, qsort, printf. */
static char *reference_text(struct ref_row *rows, size_t n)
{
	char *text = NULL;
	size_t len = 0, i;
	FILE *out = open_memstream(&text, &len);
	int block;

	qsort(rows, n, sizeof(*rows), cmp_ref);
	for (block = 1; block >= 0; block--) {
		fputs(block ? "isrc" : "\nunmatched_id", out);
		fputs("\tterritory\tcommercial_model\tuse_type\tcurrency\tusages\trevenue\n", out);
		for (i = 0; i < n; i++) {
			char amount[FT_AMOUNT_STR_MAX];

			if (rows[i].matched != block)
				continue;
			ft_amount_format(amount, sizeof(amount), rows[i].revenue, 0);
			fprintf(out, "%s\t%lld\t%s\n", rows[i].key, (long long)rows[i].usages,
				amount);
		}
	}
	fclose(out);
	return text;
}

static void test_fast_generic_and_reference_sums_agree(void **state)
{
	static const char *territories[] = {"GB", "US", "DE", "FR", "JP", "WW"};
	static const char *models[][2] = {{"SubscriptionModel", "OnDemandStream"},
					  {"AdvertisementSupportedModel", "OnDemandStream"},
					  {"PayAsYouGoModel", "PermanentDownload"}};
	static const char *currencies[] = {"EUR", "USD", "GBP"};
	static const char *upcs[] = {"0123456789012", "4006381333931", "9780201379624"};
	uint64_t seed = testutil_seed(), rng = seed | 1;
	struct ref_row *rows = calloc(N_LINES, sizeof(*rows));
	size_t n_rows = 0, cat_len = 0, rep_len = 0;
	char *catalog = malloc(64 * 1024), *report = malloc(N_LINES * 160 + 1024);
	struct ft_matcher *m;
	const char *files[2];
	char *expect, *one, *two, *gz, *split;
	int i;

	assert_non_null(rows);
	cat_len += (size_t)sprintf(catalog + cat_len, "Title\tISRC\tUPC\n");
	for (i = 0; i < N_TRACKS; i++) /* two thirds known, written in varied forms */
		if (i % 3 != 2)
			cat_len += (size_t)sprintf(
			    catalog + cat_len,
			    i % 2 ? "T%d\tgb-xyz-26-%05d\t\n" : "T%d\tGBXYZ26%05d\t\n", i, i);
	cat_len += (size_t)sprintf(catalog + cat_len, "R\t\t%s\nR\t\t%s\n", upcs[0], upcs[1]);
	m = matcher_from(catalog);

	rep_len += (size_t)sprintf(report + rep_len, "%s", HEADER);
	for (i = 0; i < N_LINES; i++) {
		uint64_t r = testutil_rand(&rng);
		int track = (int)(r % N_TRACKS), t = (int)((r >> 8) % 6), mo = (int)((r >> 16) % 3);
		int c = (int)((r >> 24) % 3), form = (int)((r >> 32) % 8), release = form == 7;
		int64_t usages = (int64_t)((r >> 36) % 1000) - ((r >> 50) % 10 == 0 ? 1000 : 0);
		uint64_t units = testutil_rand(&rng) % 100000000000000ull;
		int neg = (r >> 60) % 8 == 0;
		ft_amount revenue = neg ? -(ft_amount)units : (ft_amount)units;
		char id[40], key[128], written[40];
		int matched;

		if (release) {
			snprintf(id, sizeof(id), "00%s", upcs[track % 3]);
			if (upcs[track % 3][0] != '0' || strlen(upcs[track % 3]) == 13)
				snprintf(id, sizeof(id), "0%s", upcs[track % 3]);
			snprintf(written, sizeof(written), "%s", upcs[track % 3]);
			matched = track % 3 != 2;
		} else {
			snprintf(id, sizeof(id), "GBXYZ26%05d", track);
			snprintf(written, sizeof(written),
				 form == 0   ? "gbxyz26%05d"
				 : form == 1 ? "GB-XYZ-26-%05d"
					     : "GBXYZ26%05d",
				 track);
			matched = track % 3 != 2;
		}
		snprintf(key, sizeof(key), "%s\t%s\t%s\t%s\t%s", id, territories[t], models[mo][0],
			 models[mo][1], currencies[c]);
		ref_add(rows, &n_rows, key, matched, usages, revenue);
		{
			char amount[FT_AMOUNT_STR_MAX];

			ft_amount_format(amount, sizeof(amount), revenue, (int)((r >> 40) % 13));
			rep_len += (size_t)sprintf(
			    report + rep_len, "tx%d\t%s\t%s\t%s\t%s\t%s\t%lld\t%s\t%s%s", i,
			    release ? "" : written, release ? written : "", territories[t],
			    models[mo][0], models[mo][1], (long long)usages, currencies[c], amount,
			    (r >> 44) % 5 == 0 ? "\r\n" : "\n");
		}
	}
	expect = reference_text(rows, n_rows);

	flat_tsv_min_chunk = 1; /* so 2 threads really split this small file */
	files[0] = write_text("prop.tsv", report);
	one = aggregate_text(m, 1, files, 1);
	two = aggregate_text(m, 2, files, 1);
	files[0] = write_gz("prop.tsv.gz", report); /* the generic, line-at-a-time path */
	gz = aggregate_text(m, 2, files, 1);
	{
		/* Two files (the first half and the rest) sum to the same. */
		char *cut = strchr(report + rep_len / 2, '\n') + 1;
		char *rest = malloc(rep_len + sizeof(HEADER));

		sprintf(rest, "%s%s", HEADER, cut);
		*cut = '\0';
		files[0] = write_text("half1.tsv", report);
		files[1] = write_text("half2.tsv", rest);
		split = aggregate_text(m, 2, files, 2);
		free(rest);
	}
	flat_tsv_min_chunk = 0;
	if (strcmp(expect, one) != 0)
		fail_msg("1 thread differs from the reference (seed %llu)",
			 (unsigned long long)seed);
	assert_string_equal(one, two);
	assert_string_equal(one, gz);
	assert_string_equal(one, split);
	free(expect);
	free(one);
	free(two);
	free(gz);
	free(split);
	free(rows);
	free(catalog);
	free(report);
	ft_matcher_free(m);
}

static void test_rows_keep_period_and_store_apart_when_asked(void **state)
{
	struct ft_matcher *m = matcher_from("ISRC\nGBABC2600001\n");
	struct ft_aggregate_opts opts = {.matcher = m, .threads = 1};
	struct ft_aggregate *agg;
	struct ft_error err;
	struct ft_usage_line l;
	int k;

	assert_int_equal(ft_aggregate_new(&agg, &opts, &err), 0);
	for (k = 0; k < 3; k++) {
		memset(&l, 0, sizeof(l));
		l.isrc = (struct ft_strview){"GBABC2600001", 12};
		l.territory = (struct ft_strview){"GB", 2};
		l.commercial_model = (struct ft_strview){"SubscriptionModel", 17};
		l.use_type = (struct ft_strview){"OnDemandStream", 14};
		l.currency = (struct ft_strview){"GBP", 3};
		l.period = (struct ft_strview){k == 2 ? "2026-11" : "2026-10", 7};
		l.store = (struct ft_strview){"Spotify", 7};
		l.usages = 1;
		l.revenue = FT_AMOUNT_ONE;
		assert_int_equal(ft_aggregate_add(agg, &l, &err), 0);
	}
	assert_int_equal(ft_aggregate_count(agg), 2);
	ft_aggregate_free(agg);
	ft_matcher_free(m);
}

static void test_output_amounts_match_ft_amount_format(void **state)
{
	uint64_t rng = testutil_seed() | 1;
	static const ft_amount edge[] = {
	    0,
	    1,
	    -1,
	    999999999999LL,
	    1000000000000LL,
	    -1000000000000LL,
	    INT64_MAX,
	    -INT64_MAX,
	    (ft_amount)INT64_MAX + 1,
	    -(ft_amount)INT64_MAX - 1,
	};
	char a[FT_AMOUNT_STR_MAX], b[FT_AMOUNT_STR_MAX];
	size_t i;
	int k;

	for (i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
		assert_int_equal(ft_aggregate_format_amount(a, edge[i]),
				 ft_amount_format(b, sizeof(b), edge[i], 0));
		assert_string_equal(a, b);
	}
	for (k = 0; k < 100000; k++) {
		uint64_t r = testutil_rand(&rng);
		ft_amount x = (ft_amount)(r >> (r % 64));

		if (k % 3 == 0)
			x = -x;
		if (k % 7 == 0)
			x = (ft_amount)((unsigned __int128)x * testutil_rand(&rng));
		if (k % 5 == 0)
			x -= x % 1000000; /* trailing zeros */
		assert_int_equal(ft_aggregate_format_amount(a, x),
				 ft_amount_format(b, sizeof(b), x, 0));
		assert_string_equal(a, b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_matcher_normalises_catalogue_isrcs),
	    cmocka_unit_test(test_matcher_refuses_a_catalogue_without_isrc_column),
	    cmocka_unit_test(test_matcher_names_the_bad_catalogue_line),
	    cmocka_unit_test(test_output_is_sorted_exact_and_split_by_match),
	    cmocka_unit_test(test_a_bad_file_leaves_the_totals_untouched),
	    cmocka_unit_test(test_sums_beyond_64_bits_stay_exact),
	    cmocka_unit_test(test_large_output_is_written_whole_and_in_order),
	    cmocka_unit_test(test_fast_generic_and_reference_sums_agree),
	    cmocka_unit_test(test_rows_keep_period_and_store_apart_when_asked),
	    cmocka_unit_test(test_output_amounts_match_ft_amount_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
