/* test_render_pdf.c — the PDF statement: pages drawn (rasterised with
 * pdftoppm and looked at pixel by pixel), fonts embedded, the text a reader
 * extracts, page numbers, and the same bytes twice. */
#include "testutil.h"

#include <cairo.h>
#include <unistd.h>

#include "fairtrack/digest.h"
#include "fairtrack/statement.h"

/*
 * cairo 1.16's PDF surface loses ~768 bytes a document inside
 * cairo_surface_finish (font subsetting; others see the same: plutobook
 * issue #1, "Possible memory leak in the Cairo library").  Not ours to fix;
 * fontconfig keeps its parsed configuration for the life of the process
 * (only FcFini frees it, and fontconfig is not ours to link).  LeakSanitizer
 * is told so, for this test binary only.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libcairo.so.2\nleak:libfontconfig.so.1\n";
}

/* Run a shell command and return its whole stdout. */
static char *run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	size_t cap = 1 << 16, len = 0, n;
	char *out = malloc(cap);

	assert_non_null(p);
	assert_non_null(out);
	while ((n = fread(out + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (cap - len < 4096) {
			cap *= 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
	}
	out[len] = '\0';
	assert_int_equal(pclose(p), 0);
	return out;
}

/* A page that is a single colour is a blank page. */
static bool png_has_ink(const char *path)
{
	cairo_surface_t *img = cairo_image_surface_create_from_png(path);
	const unsigned char *data;
	int w, h, stride, x, y;
	uint32_t first;
	long differing = 0;

	assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
	data = cairo_image_surface_get_data(img);
	w = cairo_image_surface_get_width(img);
	h = cairo_image_surface_get_height(img);
	stride = cairo_image_surface_get_stride(img);
	memcpy(&first, data, 4);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			uint32_t px;
			memcpy(&px, data + (size_t)y * (size_t)stride + (size_t)x * 4, 4);
			differing += px != first;
		}
	cairo_surface_destroy(img);
	/* Header, footer and body: far more than a stray line of pixels. */
	return differing > (long)w * 4;
}

static void test_pdf_pages_fonts_text_and_page_numbers(void **state)
{
	struct ft_statement *st;
	struct ft_statement_summary s;
	char path[600], cmd[4096], want[128], money[FT_STATEMENT_MONEY_MAX], png[700];
	char *text, *fonts, *line, *pages_out;
	int pages = 0, i;

	assert_int_equal(ft_statement_sample(&st, 0, 30, NULL), 0);
	assert_int_equal(ft_statement_summarize(st, &s, NULL), 0);
	snprintf(path, sizeof(path), "%s/stmt.pdf", testutil_tmpdir());
	assert_int_equal(ft_render_pdf(st, path, NULL), 0);

	/* Rasterise at 50 dpi: every page has ink. */
	snprintf(cmd, sizeof(cmd),
		 "rm -f '%s'/page-*.png && pdftoppm -r 50 -png '%s' '%s/page' && ls '%s' | grep -c "
		 "'^page-'",
		 testutil_tmpdir(), path, testutil_tmpdir(), testutil_tmpdir());
	pages_out = run(cmd);
	pages = atoi(pages_out);
	free(pages_out);
	assert_true(pages > 2);
	for (i = 1; i <= pages; i++) {
		snprintf(png, sizeof(png), "%s/page-%0*d.png", testutil_tmpdir(),
			 pages >= 10 ? 2 : 1, i);
		assert_true(png_has_ink(png));
	}

	/* Every font embedded, CJK included. */
	snprintf(cmd, sizeof(cmd), "pdffonts '%s'", path);
	fonts = run(cmd);
	assert_non_null(strstr(fonts, "DejaVuSans"));
	assert_non_null(strstr(fonts, "NotoSansCJK"));
	line = strstr(fonts, "------");
	assert_non_null(line);
	for (line = strchr(line, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
		/* name, type (one or two words), encoding, then emb: "yes" */
		if (strlen(line + 1) < 10)
			continue;
		assert_true(strstr(line + 1, " yes ") != NULL);
	}
	free(fonts);

	/* The reader's text: payee, payable, CJK title, "Page 1 of N". */
	snprintf(cmd, sizeof(cmd), "pdftotext -enc UTF-8 '%s' -", path);
	text = run(cmd);
	assert_non_null(strstr(text, st->payee_name));
	ft_statement_money(money, sizeof(money), s.p_payable, 2);
	snprintf(want, sizeof(want), "€%s", money);
	assert_non_null(strstr(text, want));
	ft_statement_money(money, sizeof(money), s.p_royalties, 2);
	snprintf(want, sizeof(want), "€%s", money);
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(text, "東京の雨"));
	assert_non_null(strstr(text, "Ana Lúcia Ferreira"));
	snprintf(want, sizeof(want), "Page 1 of %d", pages);
	assert_non_null(strstr(text, want));
	snprintf(want, sizeof(want), "Page %d of %d", pages, pages);
	assert_non_null(strstr(text, want));
	free(text);
	ft_statement_free(st);
}

static void test_pdf_is_byte_identical_twice(void **state)
{
	struct ft_statement *st;
	char a[600], b[600], ha[FT_SHA256_HEX_LEN + 1], hb[FT_SHA256_HEX_LEN + 1];

	assert_int_equal(ft_statement_sample(&st, 2, 20, NULL), 0);
	snprintf(a, sizeof(a), "%s/twice-a.pdf", testutil_tmpdir());
	snprintf(b, sizeof(b), "%s/twice-b.pdf", testutil_tmpdir());
	assert_int_equal(ft_render_pdf(st, a, NULL), 0);
	sleep(1); /* a clock leaking into the file would show */
	assert_int_equal(ft_render_pdf(st, b, NULL), 0);
	assert_int_equal(ft_sha256_file(ha, NULL, a, NULL), 0);
	assert_int_equal(ft_sha256_file(hb, NULL, b, NULL), 0);
	assert_string_equal(ha, hb);
	ft_statement_free(st);
}

static void test_pdf_right_to_left_payee_and_nothing_payable(void **state)
{
	struct ft_statement *st;
	struct ft_statement_line l = {.track = "שיר לשלום",
				      .isrc = "ILA012600001",
				      .store = "Spotify",
				      .territory = "IL",
				      .commercial_model = "subscription",
				      .use_type = "stream",
				      .units = 1000,
				      .receipts = 4 * FT_AMOUNT_ONE,
				      .rate = FT_AMOUNT_ONE / 4,
				      .royalty = FT_AMOUNT_ONE};
	char path[600], cmd[700];
	char *text;

	assert_int_equal(ft_statement_new(&st, NULL), 0);
	assert_int_equal(ft_period_parse(&st->period, "2026-10", 7, NULL), 0);
	assert_int_equal(ft_statement_set_header(st, "ST-RTL-1", "תווית", "noa", "נועה כהן",
						 "noa-solo", "2026-11-10", "ILS", NULL),
			 0);
	assert_int_equal(ft_statement_add_line(st, &l, NULL), 0);
	st->opening = -500 * FT_AMOUNT_ONE;
	snprintf(path, sizeof(path), "%s/rtl.pdf", testutil_tmpdir());
	assert_int_equal(ft_render_pdf(st, path, NULL), 0);
	snprintf(cmd, sizeof(cmd), "pdftotext -enc UTF-8 '%s' -", path);
	text = run(cmd);
	assert_non_null(strstr(text, "Nothing to pay this period"));
	assert_non_null(strstr(text, "Still to recoup"));
	assert_non_null(strstr(text, "₪499.00")); /* −500 + 1 */
	free(text);
	ft_statement_free(st);
}

/* Text too wide for its column ends in an ellipsis, on both text paths
 * (the ASCII fast path and Pango), and never spills into the next column. */
static void test_pdf_long_texts_are_ellipsized(void **state)
{
	struct ft_statement *st;
	struct ft_statement_line l = {
	    .track = "Ünïcödé title that goes on and on and on and on and on and on and on and "
		     "on and on and on and on and on and on and on and on and on and on",
	    .isrc = "FRZ012600001",
	    .store = "A very long store name that cannot fit its column",
	    .territory = "FR",
	    .commercial_model = "subscription",
	    .use_type = "stream",
	    .units = 10,
	    .receipts = FT_AMOUNT_ONE,
	    .rate = FT_AMOUNT_ONE / 4,
	    .royalty = FT_AMOUNT_ONE / 4};
	char path[600], cmd[700];
	char *text;

	assert_int_equal(ft_statement_new(&st, NULL), 0);
	assert_int_equal(ft_statement_add_line(st, &l, NULL), 0);
	snprintf(path, sizeof(path), "%s/long.pdf", testutil_tmpdir());
	assert_int_equal(ft_render_pdf(st, path, NULL), 0);
	snprintf(cmd, sizeof(cmd), "pdftotext -enc UTF-8 '%s' -", path);
	text = run(cmd);
	assert_non_null(strstr(text, "A very long store"));
	assert_null(strstr(text, "cannot fit its column"));
	assert_non_null(strstr(text, "…"));
	assert_non_null(strstr(text, "Ünïcödé title"));
	free(text);
	ft_statement_free(st);
}

static void test_pdf_empty_statement_and_bad_path(void **state)
{
	struct ft_statement *st;
	struct ft_error err;
	char path[600];

	assert_int_equal(ft_statement_new(&st, NULL), 0);
	snprintf(path, sizeof(path), "%s/empty.pdf", testutil_tmpdir());
	assert_int_equal(ft_render_pdf(st, path, &err), 0);
	assert_int_equal(access(path, R_OK), 0);
	assert_int_equal(ft_render_pdf(st, "/nonexistent/dir/e.pdf", &err), FT_EIO);
	assert_non_null(strstr(err.message, "/nonexistent/dir/e.pdf"));
	ft_statement_free(st);
}

/* Give back the process-wide font caches so LeakSanitizer sees only leaks
 * of ours. */
static int release_caches(void **state)
{
	ft_render_release_thread_caches();
	cairo_debug_reset_static_data();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pdf_pages_fonts_text_and_page_numbers),
	    cmocka_unit_test(test_pdf_is_byte_identical_twice),
	    cmocka_unit_test(test_pdf_right_to_left_payee_and_nothing_payable),
	    cmocka_unit_test(test_pdf_long_texts_are_ellipsized),
	    cmocka_unit_test(test_pdf_empty_statement_and_bad_path),
	};
	return cmocka_run_group_tests(tests, NULL, release_caches);
}
