/*
 * fuzz_ids.c — every identifier parser on arbitrary bytes.
 *
 * Each input goes to every parser whole.  Whatever a parser accepts must be
 * in its normal form and be accepted again, unchanged, when parsed a second
 * time; a refusal must leave out empty and a message set.  A territory set
 * that parses must print and parse back to the same bits.  Violations abort.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fairtrack/ids.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_refusal(int rc, const char *out, const struct ft_error *err)
{
	if (rc != FT_EINVAL || out[0] != '\0' || err->message[0] == '\0')
		abort();
}

static void check_reparse(const char *out, size_t want_len,
			  int (*parse)(char *, const char *, size_t, struct ft_error *))
{
	char again[32];

	if (strlen(out) != want_len)
		abort();
	if (parse(again, out, want_len, NULL) != 0 || strcmp(again, out) != 0)
		abort();
}

static int parse_gtin(char *out, const char *text, size_t len, struct ft_error *err)
{
	return ft_gtin_parse(out, NULL, text, len, err);
}

static int parse_currency(char *out, const char *text, size_t len, struct ft_error *err)
{
	return ft_currency_parse(out, NULL, text, len, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	char out[32], buf[FT_TERRITORY_SET_STR_MAX], buf2[FT_TERRITORY_SET_STR_MAX];
	struct ft_territory_set set, back;
	struct ft_error err;
	int rc, kind, minor;
	size_t n;

	ft_error_clear(&err);
	rc = ft_isrc_parse(out, text, size, &err);
	if (rc == 0)
		check_reparse(out, FT_ISRC_LEN, ft_isrc_parse);
	else
		check_refusal(rc, out, &err);

	ft_error_clear(&err);
	rc = ft_gtin_parse(out, &kind, text, size, &err);
	if (rc == 0) {
		if (kind < 12 || kind > 14)
			abort();
		check_reparse(out, (size_t)kind, parse_gtin);
		ft_gtin_to14(buf, out);
		if (strlen(buf) != FT_GTIN_LEN || parse_gtin(buf2, buf, FT_GTIN_LEN, NULL) != 0)
			abort();
	} else {
		check_refusal(rc, out, &err);
	}

	ft_error_clear(&err);
	rc = ft_iswc_parse(out, text, size, &err);
	if (rc == 0)
		check_reparse(out, FT_ISWC_LEN, ft_iswc_parse);
	else
		check_refusal(rc, out, &err);

	ft_error_clear(&err);
	rc = ft_territory_parse(out, text, size, &err);
	if (rc == 0) {
		check_reparse(out, 2, ft_territory_parse);
		if (!ft_territory_is_valid(out))
			abort();
	} else {
		check_refusal(rc, out, &err);
	}
	if (size == 2 && ft_territory_is_valid(text) != (rc == 0))
		abort();

	ft_error_clear(&err);
	rc = ft_territory_from_alpha3(out, text, size, &err);
	if (rc == 0) {
		if (!ft_territory_is_valid(out))
			abort();
	} else {
		check_refusal(rc, out, &err);
	}

	ft_error_clear(&err);
	rc = ft_currency_parse(out, &minor, text, size, &err);
	if (rc == 0) {
		check_reparse(out, 3, parse_currency);
		if (minor < 0 || minor > 4 || ft_currency_minor_units(out) != minor)
			abort();
	} else {
		check_refusal(rc, out, &err);
	}

	ft_error_clear(&err);
	rc = ft_territory_set_parse(&set, text, size, &err);
	if (rc == 0) {
		n = ft_territory_set_format(buf, sizeof(buf), &set);
		if (n == 0 || n >= sizeof(buf))
			abort();
		if (ft_territory_set_parse(&back, buf, n, NULL) != 0 ||
		    memcmp(&back, &set, sizeof(set)) != 0)
			abort();
		if (ft_territory_set_format(buf2, sizeof(buf2), &back) != n || strcmp(buf, buf2))
			abort();
	} else if (rc != FT_EINVAL || err.message[0] == '\0') {
		abort();
	}
	return 0;
}
