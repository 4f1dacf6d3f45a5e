/* test_ids.c — ISRC, GTIN, ISWC, territories, territory sets, currencies. */
#include "testutil.h"

#include "fairtrack/ids.h"
#include "core/iso_codes.h"

static struct ft_error err;

static int isrc(char out[FT_ISRC_LEN + 1], const char *text)
{
	ft_error_clear(&err);
	return ft_isrc_parse(out, text, strlen(text), &err);
}

static void assert_isrc_ok(const char *text, const char *want)
{
	char out[FT_ISRC_LEN + 1];

	if (isrc(out, text) != 0)
		fail_msg("'%s' refused: %s", text, err.message);
	assert_string_equal(out, want);
}

static void assert_isrc_refused(const char *text, const char *message)
{
	char out[FT_ISRC_LEN + 1];

	assert_int_equal(isrc(out, text), FT_EINVAL);
	assert_int_equal(err.code, FT_EINVAL);
	assert_string_equal(err.message, message);
	assert_string_equal(out, "");
}

/* ---------------------------------------------------------------- ISRC */

static void test_isrc_normalises_case_hyphens_and_spaces(void **state)
{
	assert_isrc_ok("GB-AYE-26-00001", "GBAYE2600001");
	assert_isrc_ok("gbaye2600001", "GBAYE2600001");
	assert_isrc_ok("GB AYE 26 00001", "GBAYE2600001");
	assert_isrc_ok("  gb-aye-26-00001\t", "GBAYE2600001");
	assert_isrc_ok("ISRC GB-AYE-26-00001", "GBAYE2600001");
	assert_isrc_ok("isrcGBAYE2600001", "GBAYE2600001");
	assert_isrc_ok("US-S1Z-99-00001", "USS1Z9900001");
}

static void test_isrc_accepts_agency_prefixes_beyond_iso_3166(void **state)
{
	/* QM and QZ are US prefixes, ZZ the International ISRC Agency's own. */
	assert_isrc_ok("QM-6P4-26-00001", "QM6P42600001");
	assert_isrc_ok("QZES72600001", "QZES72600001");
	assert_isrc_ok("ZZ-OUT-26-00001", "ZZOUT2600001");
	/* Iceland's "IS" + registrant "RC1" is a code, not an "ISRC" label. */
	assert_isrc_ok("ISRC12600001", "ISRC12600001");
}

static void test_isrc_names_the_broken_part(void **state)
{
	assert_isrc_refused("GB-AB1-26-0001", "ISRC 'GB-AB1-26-0001': designation must be 5 digits");
	assert_isrc_refused("G1-AB1-26-00001",
			    "ISRC 'G1-AB1-26-00001': country code must be 2 letters");
	assert_isrc_refused("GBR-AB1-26-00001",
			    "ISRC 'GBR-AB1-26-00001': country code must be 2 letters");
	assert_isrc_refused("GB-AB-26-00001",
			    "ISRC 'GB-AB-26-00001': registrant code must be 3 letters or digits");
	assert_isrc_refused("GB-AB1-2-00001", "ISRC 'GB-AB1-2-00001': year must be 2 digits");
	assert_isrc_refused("GB-AB1-2X-00001", "ISRC 'GB-AB1-2X-00001': year must be 2 digits");
	assert_isrc_refused("GB-AB1-26-0000A",
			    "ISRC 'GB-AB1-26-0000A': designation must be 5 digits");
	/* Compact: positions tell the part. */
	assert_isrc_refused("1BAB12600001", "ISRC '1BAB12600001': country code must be 2 letters");
	assert_isrc_refused("GBAB1260000X",
			    "ISRC 'GBAB1260000X': designation must be 5 digits");
	assert_isrc_refused("GBAB12600X01",
			    "ISRC 'GBAB12600X01': designation must be 5 digits");
}

static void test_isrc_refuses_wrong_length_and_characters(void **state)
{
	assert_isrc_refused("GBAB1260001",
			    "ISRC 'GBAB1260001': must be 12 letters and digits (CC-XXX-YY-NNNNN), "
			    "not 11");
	assert_isrc_refused("GB-AB12600001X",
			    "ISRC 'GB-AB12600001X': must be 12 letters and digits "
			    "(CC-XXX-YY-NNNNN), not 13");
	assert_isrc_refused("GB_AB1_26_00001",
			    "ISRC 'GB_AB1_26_00001': unexpected '_' (an ISRC is letters and digits, "
			    "optionally hyphenated: CC-XXX-YY-NNNNN)");
	assert_isrc_refused("GB\xC3\x89" "B12600001",
			    "ISRC 'GB\xC3\x89" "B12600001': unexpected byte 0xC3 (an ISRC is "
			    "letters and digits, optionally hyphenated: CC-XXX-YY-NNNNN)");
	assert_isrc_refused("", "ISRC '': empty");
	assert_isrc_refused(" - ", "ISRC ' - ': empty");
}

static void test_messages_cut_long_and_hide_control_input(void **state)
{
	char out[FT_ISRC_LEN + 1];
	char longer[200];

	memset(longer, 'A', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_int_equal(isrc(out, longer), FT_EINVAL);
	assert_string_equal(err.message, "ISRC 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA...': must "
					 "be 12 letters and digits (CC-XXX-YY-NNNNN), not 199");
	assert_int_equal(ft_isrc_parse(out, "GB\nAB", 5, &err), FT_EINVAL);
	assert_string_equal(err.message, "ISRC 'GB?AB': unexpected byte 0x0A (an ISRC is letters "
					 "and digits, optionally hyphenated: CC-XXX-YY-NNNNN)");
}

static void test_isrc_reads_only_len_bytes(void **state)
{
	char out[FT_ISRC_LEN + 1];

	assert_int_equal(ft_isrc_parse(out, "GBAYE2600001XYZ", 12, NULL), 0);
	assert_string_equal(out, "GBAYE2600001");
}

/* ---------------------------------------------------------------- GTIN */

static void assert_gtin_ok(const char *text, const char *want, int kind)
{
	char out[FT_GTIN_LEN + 1];
	int got_kind = -1;

	ft_error_clear(&err);
	if (ft_gtin_parse(out, &got_kind, text, strlen(text), &err) != 0)
		fail_msg("'%s' refused: %s", text, err.message);
	assert_string_equal(out, want);
	assert_int_equal(got_kind, kind);
}

static void assert_gtin_refused(const char *text, const char *message)
{
	char out[FT_GTIN_LEN + 1];

	ft_error_clear(&err);
	assert_int_equal(ft_gtin_parse(out, NULL, text, strlen(text), &err), FT_EINVAL);
	assert_string_equal(err.message, message);
	assert_string_equal(out, "");
}

static void test_gtin_accepts_published_examples(void **state)
{
	/* Check digits published with these codes: a wrong GS1 weighting
	 * (1,3 instead of 3,1, or counted from the left) fails them. */
	assert_gtin_ok("036000291452", "036000291452", 12);   /* UPC-A, check 2 */
	assert_gtin_ok("4006381333931", "4006381333931", 13); /* EAN-13, check 1 */
	assert_gtin_ok("978-0-306-40615-7", "9780306406157", 13);
	assert_gtin_ok("10012345678902", "10012345678902", 14); /* GTIN-14, check 2 */
	assert_gtin_ok(" 0 36000 29145 2 ", "036000291452", 12);
}

static void test_gtin_says_the_expected_check_digit(void **state)
{
	assert_gtin_refused("4006381333932",
			    "EAN-13 '4006381333932': check digit should be 1, not 2");
	assert_gtin_refused("036000291453", "UPC-A '036000291453': check digit should be 2, not 3");
	assert_gtin_refused("10012345678900",
			    "GTIN-14 '10012345678900': check digit should be 2, not 0");
}

static void test_gtin_refuses_bad_length_and_spreadsheet_damage(void **state)
{
	assert_gtin_refused("36000291452",
			    "GTIN '36000291452': must be 12 (UPC-A), 13 (EAN-13) or 14 (GTIN-14) "
			    "digits, not 11 (a spreadsheet may have dropped leading zeros)");
	assert_gtin_refused("123456789012345",
			    "GTIN '123456789012345': must be 12 (UPC-A), 13 (EAN-13) or 14 "
			    "(GTIN-14) digits, not 15");
	assert_gtin_refused("4.00638E+12",
			    "GTIN '4.00638E+12': unexpected '.' (a spreadsheet may have written it "
			    "as a number; format the column as text)");
	assert_gtin_refused("UPC036000291452",
			    "GTIN 'UPC036000291452': unexpected 'U' (a UPC/EAN is digits only)");
	assert_gtin_refused("", "GTIN '': empty");
}

static void test_gtin_check_digit_catches_every_single_digit_error(void **state)
{
	uint64_t rng = testutil_seed();
	int iter;

	for (iter = 0; iter < 300; iter++) {
		char code[15], out[FT_GTIN_LEN + 1];
		size_t n = 12 + testutil_rand(&rng) % 3, i;
		int check;

		for (i = 0; i + 1 < n; i++)
			code[i] = (char)('0' + testutil_rand(&rng) % 10);
		/* Find the one check digit that is accepted. */
		for (check = 0; check < 10; check++) {
			code[n - 1] = (char)('0' + check);
			if (ft_gtin_parse(out, NULL, code, n, NULL) == 0)
				break;
		}
		assert_true(check < 10);
		for (i = 0; i < n; i++) {
			char keep = code[i];
			int d;

			for (d = 0; d < 10; d++) {
				code[i] = (char)('0' + d);
				if (code[i] != keep)
					assert_int_equal(ft_gtin_parse(out, NULL, code, n, NULL),
							 FT_EINVAL);
			}
			code[i] = keep;
		}
	}
}

static void test_gtin_to14_makes_upc_and_ean_match(void **state)
{
	char a[FT_GTIN_LEN + 1], b[FT_GTIN_LEN + 1], c[FT_GTIN_LEN + 1];

	ft_gtin_to14(a, "036000291452");
	ft_gtin_to14(b, "0036000291452");
	ft_gtin_to14(c, "00036000291452");
	assert_string_equal(a, "00036000291452");
	assert_string_equal(b, a);
	assert_string_equal(c, a);
	ft_gtin_to14(a, "4006381333931");
	assert_string_equal(a, "04006381333931");
}

/* ---------------------------------------------------------------- ISWC */

static void test_iswc_accepts_both_forms(void **state)
{
	char out[FT_ISWC_LEN + 1];

	assert_int_equal(ft_iswc_parse(out, "T-034.524.680-1", 15, &err), 0);
	assert_string_equal(out, "T0345246801");
	assert_int_equal(ft_iswc_parse(out, "T0345246801", 11, &err), 0);
	assert_string_equal(out, "T0345246801");
	assert_int_equal(ft_iswc_parse(out, "t 034 524 680 1", 15, &err), 0);
	assert_string_equal(out, "T0345246801");
	/* The first ISWC ever: sum 1 + 9·1 = 10, check 0. */
	assert_int_equal(ft_iswc_parse(out, "T-000.000.001-0", 15, &err), 0);
	assert_string_equal(out, "T0000000010");
}

static void test_iswc_check_digit_is_verified(void **state)
{
	char out[FT_ISWC_LEN + 1];

	ft_error_clear(&err);
	assert_int_equal(ft_iswc_parse(out, "T-034.524.680-2", 15, &err), FT_EINVAL);
	assert_string_equal(err.message, "ISWC 'T-034.524.680-2': check digit should be 1, not 2");
	assert_string_equal(out, "");
	/* Swapping two digits changes the weighted sum. */
	assert_int_equal(ft_iswc_parse(out, "T-034.524.608-1", 15, NULL), FT_EINVAL);
	assert_int_equal(ft_iswc_parse(out, "T-000.000.001-1", 15, NULL), FT_EINVAL);
}

static void test_iswc_refuses_malformed(void **state)
{
	char out[FT_ISWC_LEN + 1];

	assert_int_equal(ft_iswc_parse(out, "034.524.680-1", 13, &err), FT_EINVAL);
	assert_string_equal(err.message,
			    "ISWC '034.524.680-1': must start with 'T' (T-123.456.789-0)");
	assert_int_equal(ft_iswc_parse(out, "T-034.524.680", 13, &err), FT_EINVAL);
	assert_string_equal(err.message, "ISWC 'T-034.524.680': must be 'T' and 10 digits "
					 "(T-123.456.789-0), not 9 digits");
	assert_int_equal(ft_iswc_parse(out, "T-034.52X.680-1", 15, &err), FT_EINVAL);
	assert_string_equal(err.message,
			    "ISWC 'T-034.52X.680-1': unexpected 'X' (after 'T' come 10 digits)");
	assert_int_equal(ft_iswc_parse(out, "", 0, &err), FT_EINVAL);
	assert_string_equal(err.message, "ISWC '': empty");
}

/* ---------------------------------------------------------- territories */

static void assert_territory_refused(const char *text, const char *message)
{
	char out[3];

	ft_error_clear(&err);
	assert_int_equal(ft_territory_parse(out, text, strlen(text), &err), FT_EINVAL);
	assert_string_equal(err.message, message);
	assert_string_equal(out, "");
}

static void test_territory_folds_case_and_accepts_ww(void **state)
{
	char out[3];

	assert_int_equal(ft_territory_parse(out, "gb", 2, &err), 0);
	assert_string_equal(out, "GB");
	assert_int_equal(ft_territory_parse(out, " US ", 4, &err), 0);
	assert_string_equal(out, "US");
	assert_int_equal(ft_territory_parse(out, "ww", 2, &err), 0);
	assert_string_equal(out, "WW");
	assert_int_equal(ft_territory_parse(out, "XK", 2, &err), 0);
	assert_string_equal(out, "XK");
	assert_int_equal(ft_territory_parse(out, "SS", 2, &err), 0); /* newest code, 2011 */
}

static void test_territory_refusals_give_the_fix(void **state)
{
	assert_territory_refused("UK",
				 "territory 'UK': not an ISO 3166-1 code; use 'GB' for the United "
				 "Kingdom");
	assert_territory_refused("gbr", "territory 'gbr': must be 2 letters (ISO 3166-1 alpha-2): "
					"use 'GB' for 'GBR'");
	assert_territory_refused("XX", "territory 'XX': not an assigned ISO 3166-1 alpha-2 code "
				       "(or 'WW' for worldwide)");
	assert_territory_refused("EU", "territory 'EU': not a country code; list the member states");
	assert_territory_refused("G1", "territory 'G1': must be 2 letters (ISO 3166-1 alpha-2)");
	assert_territory_refused("", "territory '': empty");
	/* Withdrawn codes: Netherlands Antilles, Yugoslavia. */
	assert_territory_refused("AN", "territory 'AN': not an assigned ISO 3166-1 alpha-2 code "
				       "(or 'WW' for worldwide)");
	assert_territory_refused("YU", "territory 'YU': not an assigned ISO 3166-1 alpha-2 code "
				       "(or 'WW' for worldwide)");
}

static void test_territory_is_valid_matches_parse(void **state)
{
	char code[2], out[3];
	int a, b;

	for (a = 'A'; a <= 'Z'; a++) {
		for (b = 'A'; b <= 'Z'; b++) {
			code[0] = (char)a;
			code[1] = (char)b;
			assert_int_equal(ft_territory_is_valid(code),
					 ft_territory_parse(out, code, 2, NULL) == 0);
		}
	}
	assert_true(ft_territory_is_valid("fr"));
	assert_false(ft_territory_is_valid("1A"));
	assert_false(ft_territory_is_valid("UK"));
}

static void test_iso_3166_table_is_complete_and_sorted(void **state)
{
	size_t i;
	int valid = 0;
	char code[2];
	int a, b;

	for (i = 0; i + 1 < FT_ISO3166_COUNT; i++)
		assert_true(memcmp(ft_iso3166_alpha2_at(i), ft_iso3166_alpha2_at(i + 1), 2) < 0);
	assert_null(ft_iso3166_alpha2_at(FT_ISO3166_COUNT));
	for (a = 'A'; a <= 'Z'; a++)
		for (b = 'A'; b <= 'Z'; b++) {
			code[0] = (char)a;
			code[1] = (char)b;
			valid += ft_iso3166_alpha2_known(code);
		}
	assert_int_equal(valid, 249);
	/* ids.c merges XK in between these two. */
	assert_memory_equal(ft_iso3166_alpha2_at(243), "WS", 2);
	assert_memory_equal(ft_iso3166_alpha2_at(244), "YE", 2);
	assert_memory_equal(ft_iso3166_alpha2_of_alpha3("GBR"), "GB", 2);
	assert_memory_equal(ft_iso3166_alpha2_of_alpha3("DEU"), "DE", 2);
	assert_memory_equal(ft_iso3166_alpha2_of_alpha3("ABW"), "AW", 2);
	assert_memory_equal(ft_iso3166_alpha2_of_alpha3("ZWE"), "ZW", 2);
	assert_null(ft_iso3166_alpha2_of_alpha3("GBX"));
}

static void test_territory_from_alpha3(void **state)
{
	char out[3];

	assert_int_equal(ft_territory_from_alpha3(out, "usa", 3, &err), 0);
	assert_string_equal(out, "US");
	assert_int_equal(ft_territory_from_alpha3(out, "XKX", 3, &err), 0);
	assert_string_equal(out, "XK");
	assert_int_equal(ft_territory_from_alpha3(out, "GBX", 3, &err), FT_EINVAL);
	assert_string_equal(err.message,
			    "territory 'GBX': not an assigned ISO 3166-1 alpha-3 code");
	assert_int_equal(ft_territory_from_alpha3(out, "GB", 2, &err), FT_EINVAL);
	assert_string_equal(err.message, "territory 'GB': must be 3 letters (ISO 3166-1 alpha-3)");
}

/* ------------------------------------------------------ territory sets */

static struct ft_territory_set parse_set(const char *text)
{
	struct ft_territory_set set;

	ft_error_clear(&err);
	if (ft_territory_set_parse(&set, text, strlen(text), &err) != 0)
		fail_msg("'%s' refused: %s", text, err.message);
	return set;
}

static void assert_set_format(const char *text, const char *canonical)
{
	struct ft_territory_set set = parse_set(text);
	char buf[FT_TERRITORY_SET_STR_MAX];

	assert_int_equal(ft_territory_set_format(buf, sizeof(buf), &set), strlen(canonical));
	assert_string_equal(buf, canonical);
}

static void assert_set_refused(const char *text, const char *message)
{
	struct ft_territory_set set;

	ft_error_clear(&err);
	assert_int_equal(ft_territory_set_parse(&set, text, strlen(text), &err), FT_EINVAL);
	assert_string_equal(err.message, message);
}

static void test_set_world_with_exclusions(void **state)
{
	struct ft_territory_set set = parse_set("WW -US -CA");

	assert_true(ft_territory_set_contains(&set, "GB"));
	assert_true(ft_territory_set_contains(&set, "fr"));
	assert_true(ft_territory_set_contains(&set, "XK"));
	assert_false(ft_territory_set_contains(&set, "US"));
	assert_false(ft_territory_set_contains(&set, "CA"));
	/* A worldwide line may include US sales: not inside. */
	assert_false(ft_territory_set_contains(&set, "WW"));
	assert_false(ft_territory_set_contains(&set, "UK"));
	assert_false(ft_territory_set_contains(&set, "ZZ"));
	assert_false(ft_territory_set_contains(&set, "1A"));
}

static void test_set_list_and_world(void **state)
{
	struct ft_territory_set set = parse_set("GB,IE");

	assert_true(ft_territory_set_contains(&set, "GB"));
	assert_true(ft_territory_set_contains(&set, "IE"));
	assert_false(ft_territory_set_contains(&set, "FR"));
	assert_false(ft_territory_set_contains(&set, "WW"));
	set = parse_set("ww");
	assert_true(ft_territory_set_contains(&set, "WW"));
	assert_true(ft_territory_set_contains(&set, "ZW"));
	assert_true(ft_territory_set_contains(&set, "AD"));
}

static void test_set_canonical_format(void **state)
{
	assert_set_format("WW", "WW");
	assert_set_format("WW -US -CA", "WW -CA -US");
	assert_set_format("-us ww, -ca", "WW -CA -US");
	assert_set_format("GB,IE", "GB IE");
	assert_set_format(" ie  gb ,gb ", "GB IE");
	assert_set_format("+FR", "FR");
	assert_set_format("GB IE -IE", "GB");
	assert_set_format("GB WW", "WW");
}

static void test_set_refusals(void **state)
{
	assert_set_refused("GB -US", "territory set 'GB -US': excludes 'US', which it does not "
				     "include");
	assert_set_refused("", "territory set '': empty (write 'WW' for worldwide)");
	assert_set_refused("-US", "territory set '-US': only exclusions (write 'WW -US' for the "
				  "world but the US)");
	assert_set_refused("GB UK", "territory set 'GB UK': 'UK': not an ISO 3166-1 code; use 'GB' "
				    "for the United Kingdom");
	assert_set_refused("WW -WW", "territory set 'WW -WW': 'WW': cannot exclude 'WW'");
	assert_set_refused("GB;IE", "territory set 'GB;IE': 'GB;IE': must be 2 letters (ISO "
				    "3166-1 alpha-2)");
	assert_set_refused("WW -", "territory set 'WW -': '': empty");
	/* Found by fuzz_ids: a set that cancels out has no canonical text. */
	assert_set_refused(" -US, ,US", "territory set ' -US, ,US': excludes everything it "
					"includes");
}

static void test_set_format_truncates_like_snprintf(void **state)
{
	struct ft_territory_set set = parse_set("WW -US -CA");
	char small[5];

	assert_int_equal(ft_territory_set_format(small, sizeof(small), &set), 10);
	assert_string_equal(small, "WW -");
	assert_int_equal(ft_territory_set_format(NULL, 0, &set), 10);
}

/* Property: any set of valid territories prints, parses back to the same
 * bits, and prints the same again. */
static void test_set_format_round_trips(void **state)
{
	uint64_t rng = testutil_seed();
	char buf[FT_TERRITORY_SET_STR_MAX], again[FT_TERRITORY_SET_STR_MAX];
	int iter;

	for (iter = 0; iter < 500; iter++) {
		struct ft_territory_set set, back;
		/* Dense and sparse sets both, to exercise both notations. */
		unsigned density = (unsigned)(testutil_rand(&rng) % 101);
		size_t i, len;

		memset(&set, 0, sizeof(set));
		for (i = 0; i < FT_ISO3166_COUNT; i++) {
			const char *c = ft_iso3166_alpha2_at(i);
			size_t bit = (size_t)(c[0] - 'A') * 26 + (size_t)(c[1] - 'A');

			if (testutil_rand(&rng) % 100 < density)
				set.bits[bit / 64] |= (uint64_t)1 << (bit % 64);
		}
		if (testutil_rand(&rng) % 2) {
			size_t bit = (size_t)('X' - 'A') * 26 + (size_t)('K' - 'A');

			set.bits[bit / 64] |= (uint64_t)1 << (bit % 64);
		}
		len = ft_territory_set_format(buf, sizeof(buf), &set);
		assert_true(len < sizeof(buf));
		if (len == 0)
			continue; /* the empty set has no text */
		if (ft_territory_set_parse(&back, buf, len, &err) != 0)
			fail_msg("'%s' refused: %s", buf, err.message);
		assert_memory_equal(&back, &set, sizeof(set));
		ft_territory_set_format(again, sizeof(again), &back);
		assert_string_equal(again, buf);
	}
}

/* ----------------------------------------------------------- currencies */

static void test_currency_minor_units_table(void **state)
{
	static const struct {
		const char *code;
		int minor;
	} known[] = {
		{"EUR", 2}, {"USD", 2}, {"GBP", 2}, {"JPY", 0}, {"KRW", 0}, {"ISK", 0},
		{"CLP", 0}, {"VND", 0}, {"XOF", 0}, {"XAF", 0}, {"XPF", 0}, {"UGX", 0},
		{"PYG", 0}, {"BIF", 0}, {"DJF", 0}, {"GNF", 0}, {"KMF", 0}, {"RWF", 0},
		{"VUV", 0}, {"UYI", 0}, {"BHD", 3}, {"KWD", 3}, {"OMR", 3}, {"JOD", 3},
		{"IQD", 3}, {"LYD", 3}, {"TND", 3}, {"CLF", 4}, {"UYW", 4}, {"XCG", 2},
		{"ZWG", 2}, {"SLE", 2}, {"VES", 2}, {"MRU", 2}, {"STN", 2},
	};
	size_t i;
	int exceptions = 0;
	char code[4] = "AAA";

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (ft_currency_minor_units(known[i].code) != known[i].minor)
			fail_msg("%s: %d minor units, want %d", known[i].code,
				 ft_currency_minor_units(known[i].code), known[i].minor);
	/* Every code outside the list above with a minor unit other than 2
	 * would be a table error: count them over all 17576 codes. */
	for (code[0] = 'A'; code[0] <= 'Z'; code[0]++)
		for (code[1] = 'A'; code[1] <= 'Z'; code[1]++)
			for (code[2] = 'A'; code[2] <= 'Z'; code[2]++) {
				int m = ft_currency_minor_units(code);

				if (m >= 0 && m != 2)
					exceptions++;
			}
	assert_int_equal(exceptions, 26);
	assert_int_equal(ft_currency_minor_units("usd"), -1);
	assert_int_equal(ft_currency_minor_units("US"), -1);
	assert_int_equal(ft_currency_minor_units("USDX"), -1);
	assert_int_equal(ft_currency_minor_units("XAU"), -1);
}

static void test_currency_parse(void **state)
{
	char out[4];
	int minor = -5;

	assert_int_equal(ft_currency_parse(out, &minor, " eur ", 5, &err), 0);
	assert_string_equal(out, "EUR");
	assert_int_equal(minor, 2);
	assert_int_equal(ft_currency_parse(out, &minor, "JPY", 3, &err), 0);
	assert_int_equal(minor, 0);
	assert_int_equal(ft_currency_parse(out, NULL, "BHD", 3, &err), 0);
	assert_string_equal(out, "BHD");
}

static void test_currency_refusals(void **state)
{
	char out[4];
	int minor = 7;

	assert_int_equal(ft_currency_parse(out, &minor, "HRK", 3, &err), FT_EINVAL);
	assert_string_equal(err.message, "currency 'HRK': withdrawn in 2023-01; use EUR");
	assert_int_equal(minor, -1);
	assert_string_equal(out, "");
	assert_int_equal(ft_currency_parse(out, NULL, "XAU", 3, &err), FT_EINVAL);
	assert_string_equal(err.message, "currency 'XAU': not an active ISO 4217 code");
	assert_int_equal(ft_currency_parse(out, NULL, "EURO", 4, &err), FT_EINVAL);
	assert_string_equal(err.message,
			    "currency 'EURO': must be a 3-letter ISO 4217 code (EUR, USD, ...)");
	assert_int_equal(ft_currency_parse(out, NULL, "\xE2\x82\xAC", 3, &err), FT_EINVAL);
	assert_int_equal(ft_currency_parse(out, NULL, "", 0, &err), FT_EINVAL);
	assert_string_equal(err.message, "currency '': empty");
	assert_int_equal(ft_currency_parse(out, NULL, "ANG", 3, &err), FT_EINVAL);
	assert_string_equal(err.message, "currency 'ANG': withdrawn in 2025-03; use XCG");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_isrc_normalises_case_hyphens_and_spaces),
		cmocka_unit_test(test_isrc_accepts_agency_prefixes_beyond_iso_3166),
		cmocka_unit_test(test_isrc_names_the_broken_part),
		cmocka_unit_test(test_isrc_refuses_wrong_length_and_characters),
		cmocka_unit_test(test_messages_cut_long_and_hide_control_input),
		cmocka_unit_test(test_isrc_reads_only_len_bytes),
		cmocka_unit_test(test_gtin_accepts_published_examples),
		cmocka_unit_test(test_gtin_says_the_expected_check_digit),
		cmocka_unit_test(test_gtin_refuses_bad_length_and_spreadsheet_damage),
		cmocka_unit_test(test_gtin_check_digit_catches_every_single_digit_error),
		cmocka_unit_test(test_gtin_to14_makes_upc_and_ean_match),
		cmocka_unit_test(test_iswc_accepts_both_forms),
		cmocka_unit_test(test_iswc_check_digit_is_verified),
		cmocka_unit_test(test_iswc_refuses_malformed),
		cmocka_unit_test(test_territory_folds_case_and_accepts_ww),
		cmocka_unit_test(test_territory_refusals_give_the_fix),
		cmocka_unit_test(test_territory_is_valid_matches_parse),
		cmocka_unit_test(test_iso_3166_table_is_complete_and_sorted),
		cmocka_unit_test(test_territory_from_alpha3),
		cmocka_unit_test(test_set_world_with_exclusions),
		cmocka_unit_test(test_set_list_and_world),
		cmocka_unit_test(test_set_canonical_format),
		cmocka_unit_test(test_set_refusals),
		cmocka_unit_test(test_set_format_truncates_like_snprintf),
		cmocka_unit_test(test_set_format_round_trips),
		cmocka_unit_test(test_currency_minor_units_table),
		cmocka_unit_test(test_currency_parse),
		cmocka_unit_test(test_currency_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
