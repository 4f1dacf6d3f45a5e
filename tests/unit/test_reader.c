/* test_reader.c — report files to lines: plain, gzip, zip, BOM, CRLF. */
#include "testutil.h"

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include "fairtrack/ingest.h"

struct collected {
	char text[4096]; /* lines joined with '|', each prefixed by its number */
	size_t len;
	char names[1024];
	char heads[1024];
	int reports;
	int mapped;
};

static int collect_line(void *p, const char *line, size_t len, long line_no, struct ft_error *err)
{
	struct collected *c = p;

	int n = snprintf(c->text + c->len, sizeof(c->text) - c->len, "%ld:%.*s|", line_no, (int)len,
			 line);

	assert_true(n > 0 && (size_t)n < sizeof(c->text) - c->len);
	c->len += (size_t)n;
	return 0;
}

static int collect_report(void *p, struct ft_report *r, struct ft_error *err)
{
	struct collected *c = p;
	const char *head, *data;
	size_t head_len, len;
	int rc;

	c->reports++;
	strcat(c->names, ft_report_name(r));
	strcat(c->names, ";");
	rc = ft_report_head(r, &head, &head_len, err);
	if (rc)
		return rc;
	strncat(c->heads, head, head_len < 8 ? head_len : 8);
	strcat(c->heads, ";");
	if (ft_report_map(r, &data, &len)) {
		c->mapped++;
		ft_report_release(r, 0, len); /* harmless: pages come back on demand */
	}
	return ft_report_each_line(r, collect_line, c, err);
}

static const char *path_of(const char *name)
{
	static char path[4][600];
	static int k;

	k = (k + 1) % 4;
	snprintf(path[k], sizeof(path[k]), "%s/reader_%s", testutil_tmpdir(), name);
	return path[k];
}

static const char *write_file(const char *name, const char *bytes, size_t len)
{
	const char *path = path_of(name);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	fclose(f);
	return path;
}

static void read_all(const char *path, struct collected *c)
{
	struct ft_error err;

	memset(c, 0, sizeof(*c));
	ft_error_clear(&err);
	if (ft_reader_each_report(path, collect_report, c, &err) != 0)
		fail_msg("%s", err.message);
}

static void test_plain_file_gives_numbered_lines(void **state)
{
	struct collected c;

	read_all(write_file("plain.tsv", "a\tb\nc\n\nd\n", 9), &c);
	assert_string_equal(c.text, "1:a\tb|2:c|3:|4:d|");
	assert_int_equal(c.reports, 1);
	assert_int_equal(c.mapped, 1);
}

static void test_bom_and_crlf_never_reach_the_parser(void **state)
{
	struct collected c;

	read_all(write_file("bom.tsv", "\xEF\xBB\xBFh1\th2\r\nx\ty\r\n", 15), &c);
	assert_string_equal(c.text, "1:h1\th2|2:x\ty|");
	assert_string_equal(c.heads, "h1\th2\r\nx;");
}

static void test_last_line_without_newline_is_a_line(void **state)
{
	struct collected c;

	read_all(write_file("tail.tsv", "a\nlast", 6), &c);
	assert_string_equal(c.text, "1:a|2:last|");
}

static void test_empty_file_has_no_lines(void **state)
{
	struct collected c;

	read_all(write_file("empty.tsv", "", 0), &c);
	assert_string_equal(c.text, "");
	assert_int_equal(c.reports, 1);
}

static void gz_member(FILE *f, const char *text)
{
	unsigned char out[4096];
	z_stream zs;

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)text;
	zs.avail_in = (uInt)strlen(text);
	zs.next_out = out;
	zs.avail_out = sizeof(out);
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	fwrite(out, 1, sizeof(out) - zs.avail_out, f);
	deflateEnd(&zs);
}

static void gz_member_big(FILE *f, const char *text)
{
	size_t cap = strlen(text) + 1024;
	unsigned char *out = malloc(cap);
	z_stream zs;

	assert_non_null(out);
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)text;
	zs.avail_in = (uInt)strlen(text);
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	fwrite(out, 1, cap - zs.avail_out, f);
	deflateEnd(&zs);
	free(out);
}

static void test_gzip_with_two_members_is_one_report(void **state)
{
	const char *path = path_of("multi.tsv.gz");
	FILE *f = fopen(path, "wb");
	struct collected c;

	assert_non_null(f);
	gz_member(f, "\xEF\xBB\xBFone\r\ntw");
	gz_member(f, "o\nthree");
	fclose(f);
	read_all(path, &c);
	assert_string_equal(c.text, "1:one|2:two|3:three|");
	assert_int_equal(c.reports, 1);
	assert_int_equal(c.mapped, 0);
	assert_string_equal(c.heads, "one\r\ntwo;");
}

static void test_truncated_gzip_is_an_error(void **state)
{
	const char *path = path_of("cut.tsv.gz");
	FILE *f = fopen(path, "wb");
	struct collected c;
	struct ft_error err;
	char buf[4096];
	size_t n;

	assert_non_null(f);
	gz_member(f, "a line that will be cut short because the file ends early\n");
	fclose(f);
	f = fopen(path, "rb");
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	write_file("cut.tsv.gz", buf, n - 10);
	memset(&c, 0, sizeof(c));
	assert_int_equal(ft_reader_each_report(path, collect_report, &c, &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "cut.tsv.gz"));
}

static void zip_entry(struct archive *a, const char *name, const char *text)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, (la_int64_t)strlen(text));
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, text, strlen(text)), (la_ssize_t)strlen(text));
	archive_entry_free(e);
}

static void test_zip_entries_are_separate_reports(void **state)
{
	const char *path = path_of("two.zip");
	struct archive *a = archive_write_new();
	struct collected c;
	char expect[2048];

	archive_write_set_format_zip(a);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	zip_entry(a, "jan.tsv", "h\nx1\n");
	zip_entry(a, "feb.tsv", "\xEF\xBB\xBFh\r\ny1\r\ny2");
	archive_write_close(a);
	archive_write_free(a);
	read_all(path, &c);
	assert_int_equal(c.reports, 2);
	snprintf(expect, sizeof(expect), "%s:jan.tsv;%s:feb.tsv;", path, path);
	assert_string_equal(c.names, expect);
	/* Line numbers restart with each entry: each is its own report. */
	assert_string_equal(c.text, "1:h|2:x1|1:h|2:y1|3:y2|");
}

static void test_missing_file_names_the_path(void **state)
{
	struct collected c;
	struct ft_error err;

	memset(&c, 0, sizeof(c));
	assert_int_equal(ft_reader_each_report("/nonexistent/r.tsv", collect_report, &c, &err),
			 FT_ENOTFOUND);
	assert_non_null(strstr(err.message, "/nonexistent/r.tsv"));
}

struct line_stats {
	long lines;
	size_t longest;
	char last[16];
};

static int count_line(void *p, const char *line, size_t len, long line_no, struct ft_error *err)
{
	struct line_stats *st = p;

	st->lines = line_no;
	if (len > st->longest)
		st->longest = len;
	snprintf(st->last, sizeof(st->last), "%.*s", (int)len, line);
	return 0;
}

static int count_report(void *p, struct ft_report *r, struct ft_error *err)
{
	return ft_report_each_line(r, count_line, p, err);
}

static void test_long_lines_across_stream_buffers_stay_whole(void **state)
{
	const char *path = path_of("long.tsv.gz");
	size_t n = 700 * 1024;
	char *text = malloc(n + 16);
	FILE *f = fopen(path, "wb");
	struct line_stats st = {0, 0, ""};
	struct ft_error err;

	assert_non_null(text);
	assert_non_null(f);
	memset(text, 'x', n);
	strcpy(text + n, "\nend");
	gz_member_big(f, text);
	fclose(f);
	free(text);
	assert_int_equal(ft_reader_each_report(path, count_report, &st, &err), 0);
	assert_int_equal(st.lines, 2);
	assert_int_equal(st.longest, n);
	assert_string_equal(st.last, "end");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_file_gives_numbered_lines),
	    cmocka_unit_test(test_bom_and_crlf_never_reach_the_parser),
	    cmocka_unit_test(test_last_line_without_newline_is_a_line),
	    cmocka_unit_test(test_empty_file_has_no_lines),
	    cmocka_unit_test(test_gzip_with_two_members_is_one_report),
	    cmocka_unit_test(test_truncated_gzip_is_an_error),
	    cmocka_unit_test(test_zip_entries_are_separate_reports),
	    cmocka_unit_test(test_missing_file_names_the_path),
	    cmocka_unit_test(test_long_lines_across_stream_buffers_stay_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
