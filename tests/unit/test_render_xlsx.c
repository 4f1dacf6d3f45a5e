/* test_render_xlsx.c — the workbook: sheets, money cells, frozen headers,
 * filters, and the same bytes twice.  Unzipped in memory with libarchive. */
#include "testutil.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include "fairtrack/digest.h"
#include "fairtrack/statement.h"

/* The text of one member of the zip, or NULL. */
static char *member(const char *zip, const char *name)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *text = NULL;

	assert_non_null(a);
	archive_read_support_format_zip(a);
	assert_int_equal(archive_read_open_filename(a, zip, 65536), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		if (strcmp(archive_entry_pathname(e), name) == 0) {
			size_t size = (size_t)archive_entry_size(e);
			text = malloc(size + 1);
			assert_non_null(text);
			assert_int_equal(archive_read_data(a, text, size), (la_ssize_t)size);
			text[size] = '\0';
			break;
		}
		archive_read_data_skip(a);
	}
	archive_read_free(a);
	return text;
}

/* Does some <v> number in the sheet, shown to 2 decimals, read `want`?  A
 * cell holds the IEEE double of the printed figure (render_xlsx.c). */
static bool has_money_cell(const char *xml, const char *want)
{
	const char *p = xml;
	char shown[64];

	while ((p = strstr(p, "<v>")) != NULL) {
		p += 3;
		snprintf(shown, sizeof(shown), "%.2f", strtod(p, NULL));
		if (strcmp(shown, want) == 0)
			return true;
	}
	return false;
}

static void plain(char *buf, size_t cap, ft_amount a)
{
	ft_amount_format(buf, cap, a, 2);
}

static void test_xlsx_has_sheets_money_frozen_headers_and_filters(void **state)
{
	struct ft_statement *st;
	struct ft_statement_summary s;
	char path[600], want[64], ref[64];
	char *wb, *summary, *detail, *stores, *strings, *core;

	assert_int_equal(ft_statement_sample(&st, 0, 30, NULL), 0);
	assert_int_equal(ft_statement_summarize(st, &s, NULL), 0);
	snprintf(path, sizeof(path), "%s/stmt.xlsx", testutil_tmpdir());
	assert_int_equal(ft_render_xlsx(st, path, NULL), 0);

	wb = member(path, "xl/workbook.xml");
	assert_non_null(wb);
	assert_non_null(strstr(wb, "<sheet name=\"Summary\""));
	assert_non_null(strstr(wb, "<sheet name=\"Detail\""));
	assert_non_null(strstr(wb, "<sheet name=\"By store\""));
	assert_non_null(strstr(wb, "<sheet name=\"By territory\""));
	assert_non_null(strstr(wb, "<sheet name=\"By track\""));

	summary = member(path, "xl/worksheets/sheet1.xml");
	detail = member(path, "xl/worksheets/sheet2.xml");
	stores = member(path, "xl/worksheets/sheet3.xml");
	assert_non_null(summary);
	assert_non_null(detail);
	assert_non_null(stores);
	plain(want, sizeof(want), s.p_payable);
	assert_true(has_money_cell(summary, want));
	plain(want, sizeof(want), s.p_balance);
	assert_true(has_money_cell(summary, want));
	plain(want, sizeof(want), s.p_royalties);
	assert_true(has_money_cell(summary, want));
	assert_true(has_money_cell(detail, want)); /* the total row */
	assert_true(has_money_cell(stores, want));
	/* Money cells carry the currency format. */
	{
		char *styles = member(path, "xl/styles.xml");
		assert_non_null(styles);
		assert_non_null(strstr(styles, "formatCode=\"#,##0.00 &quot;EUR&quot;"));
		free(styles);
	}
	assert_non_null(strstr(detail, "state=\"frozen\""));
	assert_non_null(strstr(stores, "state=\"frozen\""));
	snprintf(ref, sizeof(ref), "<autoFilter ref=\"A1:N%zu\"/>", st->n_lines + 1);
	assert_non_null(strstr(detail, ref));
	assert_non_null(strstr(stores, "<autoFilter ref=\"A1:E"));
	/* The exact royalty of the first line, as text, for reconciliation. */
	strings = member(path, "xl/sharedStrings.xml");
	assert_non_null(strings);
	ft_amount_format(want, sizeof(want), st->lines[0].royalty, 2);
	assert_non_null(strstr(strings, want));
	assert_non_null(strstr(strings, st->payee_name));
	assert_non_null(strstr(strings, "حبيبي يا نور العين"));
	assert_non_null(strstr(strings, "東京の雨"));
	core = member(path, "docProps/core.xml");
	assert_non_null(core);
	assert_non_null(strstr(core, "2026-10-15T00:00:00Z"));
	free(wb);
	free(summary);
	free(detail);
	free(stores);
	free(strings);
	free(core);
	ft_statement_free(st);
}

static void test_xlsx_is_byte_identical_twice(void **state)
{
	struct ft_statement *st;
	char a[600], b[600], ha[FT_SHA256_HEX_LEN + 1], hb[FT_SHA256_HEX_LEN + 1];

	assert_int_equal(ft_statement_sample(&st, 4, 12, NULL), 0);
	snprintf(a, sizeof(a), "%s/twice-a.xlsx", testutil_tmpdir());
	snprintf(b, sizeof(b), "%s/twice-b.xlsx", testutil_tmpdir());
	assert_int_equal(ft_render_xlsx(st, a, NULL), 0);
	sleep(1); /* a clock leaking into the file would show */
	assert_int_equal(ft_render_xlsx(st, b, NULL), 0);
	assert_int_equal(ft_sha256_file(ha, NULL, a, NULL), 0);
	assert_int_equal(ft_sha256_file(hb, NULL, b, NULL), 0);
	assert_string_equal(ha, hb);
	ft_statement_free(st);
}

static void test_xlsx_currency_format_follows_minor_units(void **state)
{
	struct ft_statement *st;
	struct ft_statement_line l = {.track = "t",
				      .store = "s",
				      .territory = "JP",
				      .royalty = 1234 * FT_AMOUNT_ONE + FT_AMOUNT_ONE / 2};
	char path[600];
	char *styles, *detail;

	assert_int_equal(ft_statement_new(&st, NULL), 0);
	assert_int_equal(
	    ft_statement_set_header(st, "ST-JP", "L", "p", "P", "a", "2026-10-15", "JPY", NULL), 0);
	assert_int_equal(ft_statement_add_line(st, &l, NULL), 0);
	snprintf(path, sizeof(path), "%s/jpy.xlsx", testutil_tmpdir());
	assert_int_equal(ft_render_xlsx(st, path, NULL), 0);
	styles = member(path, "xl/styles.xml");
	detail = member(path, "xl/worksheets/sheet2.xml");
	assert_non_null(styles);
	assert_non_null(detail);
	assert_non_null(strstr(styles, "formatCode=\"#,##0 &quot;JPY&quot;"));
	/* ¥1,234.5 is printed as ¥1,234: rounded down to the yen. */
	assert_non_null(strstr(detail, "<v>1234</v>"));
	assert_null(strstr(detail, "<v>1234.5</v>"));
	free(styles);
	free(detail);
	ft_statement_free(st);
}

/* A text that looks like a formula is a string cell, never a formula:
 * the workbook has no <f> anywhere and keeps the text as it is. */
static void test_xlsx_text_that_looks_like_a_formula_stays_text(void **state)
{
	struct ft_statement *st;
	struct ft_statement_line l;
	char path[600], name[64];
	char *strings, *sheet;
	int i;

	(void)state;
	assert_int_equal(ft_statement_new(&st, NULL), 0);
	assert_int_equal(ft_statement_set_header(st, "ST-1", "=label()", "p1", "@Payee", "-acct",
						 "2026-10-15", "EUR", NULL),
			 0);
	memset(&l, 0, sizeof(l));
	l.track = "=HYPERLINK(\"http://evil.example\",\"x\")";
	l.store = "+cmd";
	l.release = "-2+3";
	memcpy(l.territory, "GB", 3);
	l.royalty = -FT_AMOUNT_ONE;
	assert_int_equal(ft_statement_add_line(st, &l, NULL), 0);
	snprintf(path, sizeof(path), "%s/formula.xlsx", testutil_tmpdir());
	assert_int_equal(ft_render_xlsx(st, path, NULL), 0);
	strings = member(path, "xl/sharedStrings.xml");
	assert_non_null(strings);
	assert_non_null(strstr(strings, "<t>=HYPERLINK(\"http://evil.example\",\"x\")</t>"));
	assert_non_null(strstr(strings, "<t>+cmd</t>"));
	assert_non_null(strstr(strings, "<t>@Payee</t>"));
	for (i = 1; i <= 7; i++) {
		snprintf(name, sizeof(name), "xl/worksheets/sheet%d.xml", i);
		sheet = member(path, name);
		if (!sheet)
			break;
		assert_null(strstr(sheet, "<f>"));
		free(sheet);
	}
	assert_true(i > 2);
	free(strings);
	ft_statement_free(st);
}

static void test_xlsx_empty_statement_and_bad_path(void **state)
{
	struct ft_statement *st;
	struct ft_error err;
	char path[600];

	assert_int_equal(ft_statement_new(&st, NULL), 0);
	snprintf(path, sizeof(path), "%s/empty.xlsx", testutil_tmpdir());
	assert_int_equal(ft_render_xlsx(st, path, &err), 0);
	assert_int_equal(ft_render_xlsx(st, "/nonexistent/dir/e.xlsx", &err), FT_EIO);
	assert_non_null(strstr(err.message, "/nonexistent/dir/e.xlsx"));
	ft_statement_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_xlsx_has_sheets_money_frozen_headers_and_filters),
	    cmocka_unit_test(test_xlsx_is_byte_identical_twice),
	    cmocka_unit_test(test_xlsx_currency_format_follows_minor_units),
	    cmocka_unit_test(test_xlsx_text_that_looks_like_a_formula_stays_text),
	    cmocka_unit_test(test_xlsx_empty_statement_and_bad_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
