/* test_csv.c — the CSV/TSV line splitter and the line iterator. */
#include "testutil.h"

#include "fairtrack/csv.h"

#define MAXF 16

static struct ft_csv_field fields[MAXF];
static size_t nf;

static int split(const char *line, char delim, struct ft_error *err)
{
	return ft_csv_split(fields, MAXF, &nf, line, strlen(line), delim, err);
}

static void assert_field(size_t i, const char *text, int quoted)
{
	assert_true(i < nf);
	assert_int_equal(fields[i].len, strlen(text));
	assert_memory_equal(fields[i].ptr, text, fields[i].len);
	assert_int_equal(fields[i].quoted, quoted);
}

static void test_split_plain_fields(void **state)
{
	assert_int_equal(split("GBAYE2600001,GB,12.50", ',', NULL), 0);
	assert_int_equal(nf, 3);
	assert_field(0, "GBAYE2600001", 0);
	assert_field(1, "GB", 0);
	assert_field(2, "12.50", 0);
}

static void test_split_keeps_empty_fields(void **state)
{
	assert_int_equal(split(",a,,", ',', NULL), 0);
	assert_int_equal(nf, 4);
	assert_field(0, "", 0);
	assert_field(1, "a", 0);
	assert_field(2, "", 0);
	assert_field(3, "", 0);
}

static void test_empty_line_is_one_empty_field(void **state)
{
	assert_int_equal(ft_csv_split(fields, MAXF, &nf, NULL, 0, '\t', NULL), 0);
	assert_int_equal(nf, 1);
	assert_int_equal(fields[0].len, 0);
}

static void test_quoted_field_spans_delimiters_and_doubled_quotes(void **state)
{
	char clean[64];

	assert_int_equal(split("x,\"a, \"\"b\"\"\",y", ',', NULL), 0);
	assert_int_equal(nf, 3);
	assert_field(0, "x", 0);
	assert_field(1, "a, \"\"b\"\"", 1);
	assert_field(2, "y", 0);
	assert_int_equal(ft_csv_unquote(clean, sizeof(clean), &fields[1]), 6);
	assert_string_equal(clean, "a, \"b\"");
}

static void test_quotes_work_for_tab_and_semicolon(void **state)
{
	assert_int_equal(split("\"a\tb\"\tc", '\t', NULL), 0);
	assert_int_equal(nf, 2);
	assert_field(0, "a\tb", 1);
	assert_field(1, "c", 0);
	assert_int_equal(split("\"1;5\";EUR", ';', NULL), 0);
	assert_int_equal(nf, 2);
	assert_field(0, "1;5", 1);
	assert_field(1, "EUR", 0);
}

static void test_quote_inside_unquoted_field_is_literal(void **state)
{
	assert_int_equal(split("12\" Vinyl\tLP", '\t', NULL), 0);
	assert_int_equal(nf, 2);
	assert_field(0, "12\" Vinyl", 0);
}

static void test_empty_quoted_field_and_quoted_last_field(void **state)
{
	assert_int_equal(split("\"\",\"z\"", ',', NULL), 0);
	assert_int_equal(nf, 2);
	assert_field(0, "", 1);
	assert_field(1, "z", 1);
}

static void test_unterminated_quote_names_column(void **state)
{
	struct ft_error err;

	ft_error_clear(&err);
	assert_int_equal(split("a,b,\"c,d", ',', &err), FT_EINVAL);
	assert_int_equal(nf, 0);
	assert_string_equal(err.message,
			    "column 3: unterminated quoted field '\"c,d' (close it with '\"' on the "
			    "same line; write a '\"' inside it as '\"\"')");
	/* A lone quote at the end of a "" run is still unterminated. */
	assert_int_equal(split("\"ab\"\"", ',', &err), FT_EINVAL);
}

static void test_text_after_closing_quote_is_refused(void **state)
{
	struct ft_error err;

	ft_error_clear(&err);
	assert_int_equal(split("a,\"b\"c,d", ',', &err), FT_EINVAL);
	assert_string_equal(err.message,
			    "column 2: text after the closing quote in '\"b\"c' (write a '\"' "
			    "inside a quoted field as '\"\"')");
}

static void test_semicolon_quoting_errors_too(void **state)
{
	struct ft_error err;

	ft_error_clear(&err);
	assert_int_equal(split("a;\"1;5\"x", ';', &err), FT_EINVAL);
	assert_string_equal(err.message,
			    "column 2: text after the closing quote in '\"1;5\"x' (write a '\"' "
			    "inside a quoted field as '\"\"')");
	assert_int_equal(split("\"a;b", ';', &err), FT_EINVAL);
}

static void test_tsv_keeps_malformed_quotes_as_written(void **state)
{
	/* DSP TSV exports write titles raw; one starting with a quote must not
	 * make the whole report unreadable. */
	assert_int_equal(split("\"Heroes\" (Remastered)\tDavid Bowie", '\t', NULL), 0);
	assert_int_equal(nf, 2);
	assert_field(0, "\"Heroes\" (Remastered)", 0);
	assert_field(1, "David Bowie", 0);
	assert_int_equal(split("x\t\"open\ty", '\t', NULL), 0);
	assert_int_equal(nf, 3);
	assert_field(1, "\"open", 0);
	assert_field(2, "y", 0);
	/* Well-formed quoting is still honoured. */
	assert_int_equal(split("\"Heroes\"\t\"say \"\"hi\"\"\"", '\t', NULL), 0);
	assert_field(0, "Heroes", 1);
	assert_field(1, "say \"\"hi\"\"", 1);
}

static void test_quote_cannot_be_the_delimiter(void **state)
{
	assert_int_equal(split("a\"b", '"', NULL), FT_EUSAGE);
	assert_int_equal(nf, 0);
}

static void test_too_many_fields_is_refused(void **state)
{
	struct ft_csv_field two[2];
	struct ft_error err;
	size_t n = 99;

	ft_error_clear(&err);
	assert_int_equal(ft_csv_split(two, 2, &n, "a,b", 3, ',', &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ft_csv_split(two, 2, &n, "a,b,c", 5, ',', &err), FT_EINVAL);
	assert_int_equal(n, 0);
	assert_string_equal(err.message, "column 3: more than 2 fields on the line (is the "
					 "delimiter right, or does a field need quoting?)");
	/* A trailing delimiter is a third (empty) field. */
	assert_int_equal(ft_csv_split(two, 2, &n, "a,b,", 4, ',', &err), FT_EINVAL);
}

static void test_split_never_reads_past_len(void **state)
{
	/* The bytes after len would change the result if they were read. */
	const char *line = "\"ab\"\"\",c";

	assert_int_equal(ft_csv_split(fields, MAXF, &nf, line, 5, ',', NULL), FT_EINVAL);
	assert_int_equal(ft_csv_split(fields, MAXF, &nf, "a,b,c", 3, ',', NULL), 0);
	assert_int_equal(nf, 2);
	assert_field(1, "b", 0);
}

static void test_unquote_truncates_like_snprintf(void **state)
{
	char small[4];
	struct ft_csv_field f = {"ab\"\"cd", 6, 1};
	struct ft_csv_field plain = {"ab\"\"cd", 6, 0};

	assert_int_equal(ft_csv_unquote(small, sizeof(small), &f), 5);
	assert_string_equal(small, "ab\"");
	assert_int_equal(ft_csv_unquote(NULL, 0, &f), 5);
	assert_int_equal(ft_csv_unquote(small, sizeof(small), &plain), 6);
	assert_string_equal(small, "ab\"");
}

static void test_sniff_counts_outside_quotes(void **state)
{
	assert_int_equal(ft_csv_sniff_delim("isrc\tterritory\trevenue", 22), '\t');
	assert_int_equal(ft_csv_sniff_delim("isrc,territory,revenue", 22), ',');
	assert_int_equal(ft_csv_sniff_delim("isrc;territory;revenue", 22), ';');
	/* Three commas inside quotes lose to two semicolons outside. */
	const char *h = "\"a,b,c,d\";x;y";
	assert_int_equal(ft_csv_sniff_delim(h, strlen(h)), ';');
	assert_int_equal(ft_csv_sniff_delim("isrc", 4), ',');
	assert_int_equal(ft_csv_sniff_delim("a\tb,c", 5), '\t');
}

static void test_find_column_ignores_case_and_spaces(void **state)
{
	assert_int_equal(split(" ISRC ;Territory;\" Net Revenue \";\"Say \"\"hi\"\"\"", ';', NULL),
			 0);
	assert_int_equal(ft_csv_find_column(fields, nf, "isrc"), 0);
	assert_int_equal(ft_csv_find_column(fields, nf, "TERRITORY"), 1);
	assert_int_equal(ft_csv_find_column(fields, nf, "net revenue "), 2);
	assert_int_equal(ft_csv_find_column(fields, nf, "say \"HI\""), 3);
	assert_int_equal(ft_csv_find_column(fields, nf, "net"), -1);
	assert_int_equal(ft_csv_find_column(fields, nf, "isrcx"), -1);
	assert_int_equal(ft_csv_find_column(fields, nf, ""), -1);
}

static void test_find_column_first_match_wins(void **state)
{
	assert_int_equal(split("a,b,A", ',', NULL), 0);
	assert_int_equal(ft_csv_find_column(fields, nf, "a"), 0);
}

static void test_lines_handles_lf_crlf_bom_and_last_line(void **state)
{
	const char buf[] = "\xEF\xBB\xBFh1,h2\r\nx\n\r\nlast";
	struct ft_lines it;
	const char *line;
	size_t len;
	long no;

	ft_lines_init(&it, buf, sizeof(buf) - 1);
	assert_int_equal(ft_lines_next(&it, &line, &len, &no), 1);
	assert_int_equal(no, 1);
	assert_int_equal(len, 5);
	assert_memory_equal(line, "h1,h2", 5);
	assert_int_equal(ft_lines_next(&it, &line, &len, &no), 1);
	assert_int_equal(no, 2);
	assert_int_equal(len, 1);
	assert_memory_equal(line, "x", 1);
	assert_int_equal(ft_lines_next(&it, &line, &len, &no), 1);
	assert_int_equal(no, 3);
	assert_int_equal(len, 0);
	assert_int_equal(ft_lines_next(&it, &line, &len, NULL), 1);
	assert_int_equal(len, 4);
	assert_memory_equal(line, "last", 4);
	assert_int_equal(ft_lines_next(&it, &line, &len, &no), 0);
	assert_int_equal(ft_lines_next(&it, &line, &len, &no), 0);
}

static void test_lines_counts_and_empty_buffers(void **state)
{
	struct ft_lines it;
	const char *line;
	size_t len;
	long no = 0;

	ft_lines_init(&it, "", 0);
	assert_int_equal(ft_lines_next(&it, &line, &len, &no), 0);
	ft_lines_init(&it, "\xEF\xBB\xBF", 3);
	assert_int_equal(ft_lines_next(&it, &line, &len, &no), 0);
	/* A terminated last line does not make an extra empty line. */
	ft_lines_init(&it, "a\nb\n", 4);
	while (ft_lines_next(&it, &line, &len, &no))
		;
	assert_int_equal(no, 2);
	/* A BOM later in the file is data, not skipped. */
	ft_lines_init(&it, "a\n\xEF\xBB\xBF", 5);
	assert_int_equal(ft_lines_next(&it, &line, &len, &no), 1);
	assert_int_equal(ft_lines_next(&it, &line, &len, &no), 1);
	assert_int_equal(len, 3);
}

/* Pathological lines from the fuzz list: a million fields, and a 4 MB quoted
 * field made of "" pairs.  Both must split in one pass (memchr hops). */
static void test_split_handles_a_million_fields_and_huge_quoted_field(void **state)
{
	const size_t n_fields = 1000000;
	const size_t pairs = 2 * 1024 * 1024;
	struct ft_csv_field *many = malloc(n_fields * sizeof(*many));
	char *line = malloc(2 * pairs + 3);
	size_t n = 0;

	assert_non_null(many);
	assert_non_null(line);
	memset(line, ',', n_fields - 1);
	assert_int_equal(ft_csv_split(many, n_fields, &n, line, n_fields - 1, ',', NULL), 0);
	assert_int_equal(n, n_fields);
	assert_int_equal(many[n_fields - 1].len, 0);
	assert_ptr_equal(many[n_fields - 1].ptr, line + n_fields - 1);

	line[0] = '"';
	memset(line + 1, '"', 2 * pairs);
	line[2 * pairs + 1] = '"';
	line[2 * pairs + 2] = '\0';
	assert_int_equal(ft_csv_split(many, 2, &n, line, 2 * pairs + 2, ',', NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(many[0].len, 2 * pairs);
	assert_int_equal(ft_csv_unquote(NULL, 0, &many[0]), pairs);
	free(line);
	free(many);
}

/* Property: joining random fields (quoted when needed) and splitting the line
 * gives back the same fields, for each delimiter. */
static void test_split_round_trips_random_fields(void **state)
{
	static const char alphabet[] = "ab,;\t\" x";
	const char delims[] = {',', '\t', ';'};
	uint64_t rng = testutil_seed();
	int iter;

	for (iter = 0; iter < 2000; iter++) {
		char want[MAXF][16];
		size_t want_len[MAXF];
		char line[MAXF * 40];
		size_t pos = 0, k, n = 1 + testutil_rand(&rng) % MAXF;
		char delim = delims[testutil_rand(&rng) % 3];
		char clean[64];

		for (k = 0; k < n; k++) {
			size_t i, flen = testutil_rand(&rng) % 10;
			int needs_quotes = 0;

			for (i = 0; i < flen; i++) {
				want[k][i] = alphabet[testutil_rand(&rng) % (sizeof(alphabet) - 1)];
				if (want[k][i] == delim || want[k][i] == '"')
					needs_quotes = 1;
			}
			want_len[k] = flen;
			if (k > 0)
				line[pos++] = delim;
			if (needs_quotes || testutil_rand(&rng) % 4 == 0) {
				line[pos++] = '"';
				for (i = 0; i < flen; i++) {
					if (want[k][i] == '"')
						line[pos++] = '"';
					line[pos++] = want[k][i];
				}
				line[pos++] = '"';
			} else {
				memcpy(line + pos, want[k], flen);
				pos += flen;
			}
		}
		assert_int_equal(ft_csv_split(fields, MAXF, &nf, line, pos, delim, NULL), 0);
		assert_int_equal(nf, n);
		for (k = 0; k < n; k++) {
			assert_int_equal(ft_csv_unquote(clean, sizeof(clean), &fields[k]),
					 want_len[k]);
			assert_memory_equal(clean, want[k], want_len[k]);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_plain_fields),
		cmocka_unit_test(test_split_keeps_empty_fields),
		cmocka_unit_test(test_empty_line_is_one_empty_field),
		cmocka_unit_test(test_quoted_field_spans_delimiters_and_doubled_quotes),
		cmocka_unit_test(test_quotes_work_for_tab_and_semicolon),
		cmocka_unit_test(test_quote_inside_unquoted_field_is_literal),
		cmocka_unit_test(test_empty_quoted_field_and_quoted_last_field),
		cmocka_unit_test(test_unterminated_quote_names_column),
		cmocka_unit_test(test_text_after_closing_quote_is_refused),
		cmocka_unit_test(test_semicolon_quoting_errors_too),
		cmocka_unit_test(test_tsv_keeps_malformed_quotes_as_written),
		cmocka_unit_test(test_quote_cannot_be_the_delimiter),
		cmocka_unit_test(test_too_many_fields_is_refused),
		cmocka_unit_test(test_split_never_reads_past_len),
		cmocka_unit_test(test_unquote_truncates_like_snprintf),
		cmocka_unit_test(test_sniff_counts_outside_quotes),
		cmocka_unit_test(test_find_column_ignores_case_and_spaces),
		cmocka_unit_test(test_find_column_first_match_wins),
		cmocka_unit_test(test_lines_handles_lf_crlf_bom_and_last_line),
		cmocka_unit_test(test_lines_counts_and_empty_buffers),
		cmocka_unit_test(test_split_handles_a_million_fields_and_huge_quoted_field),
		cmocka_unit_test(test_split_round_trips_random_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
