/* test_digest.c — SHA-256 of buffers and files (FIPS 180-2 test vectors). */
#include "testutil.h"

#include "fairtrack/digest.h"

static void test_sha256_known_vectors(void **state)
{
	char hex[FT_SHA256_HEX_LEN + 1];

	assert_int_equal(ft_sha256_buf(hex, "abc", 3, NULL), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(ft_sha256_buf(hex, "", 0, NULL), 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_sha256_file_matches_buffer_across_blocks(void **state)
{
	char path[600], a[FT_SHA256_HEX_LEN + 1], b[FT_SHA256_HEX_LEN + 1];
	size_t len = (3u << 20) + 12345; /* spans several 1 MiB read blocks */
	unsigned char *data = malloc(len);
	uint64_t size = 0, seed = 7;
	size_t i;
	FILE *f;

	assert_non_null(data);
	for (i = 0; i < len; i++)
		data[i] = (unsigned char)testutil_rand(&seed);
	snprintf(path, sizeof(path), "%s/digest.bin", testutil_tmpdir());
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	assert_int_equal(ft_sha256_file(a, &size, path, NULL), 0);
	assert_int_equal(ft_sha256_buf(b, data, len, NULL), 0);
	assert_string_equal(a, b);
	assert_int_equal(size, len);
	free(data);
}

static void test_sha256_missing_file_names_it(void **state)
{
	char hex[FT_SHA256_HEX_LEN + 1];
	struct ft_error err;

	assert_int_equal(ft_sha256_file(hex, NULL, "/nonexistent/report.tsv", &err), FT_EIO);
	assert_non_null(strstr(err.message, "/nonexistent/report.tsv: cannot open"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_known_vectors),
		cmocka_unit_test(test_sha256_file_matches_buffer_across_blocks),
		cmocka_unit_test(test_sha256_missing_file_names_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
