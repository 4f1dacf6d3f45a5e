/*
 * test_money.c — exact money: parsing, formatting, checked arithmetic,
 * products with remainders, rounding to minor units and splits.
 *
 * Property tests check invariants against an oracle that shares no code with
 * money.c: a two's-complement big integer on 32-bit limbs (mod 2^288), wide
 * enough for any product of two ft_amounts.
 */
#include "testutil.h"

#include <stdbool.h>

#include "fairtrack/money.h"

typedef unsigned __int128 u128;

#define AMOUNT_MAX FT_AMOUNT_MAX
#define AMOUNT_MIN FT_AMOUNT_MIN

/* ---- helpers ------------------------------------------------------------- */

static ft_amount parse_ok(const char *s)
{
	struct ft_error err;
	ft_amount a = 0;

	ft_error_clear(&err);
	if (ft_amount_parse(&a, s, strlen(s), &err) != 0)
		fail_msg("'%s' rejected: %s", s, err.message);
	return a;
}

static const char *fmt(ft_amount a, int min_frac)
{
	static char bufs[4][FT_AMOUNT_STR_MAX];
	static int k;
	char *b = bufs[k++ & 3];

	assert_true(ft_amount_format(b, FT_AMOUNT_STR_MAX, a, min_frac) > 0);
	return b;
}

static void assert_amount_equal(ft_amount got, ft_amount want)
{
	if (got != want)
		fail_msg("got %s, want %s", fmt(got, 0), fmt(want, 0));
}

static void assert_rejected(const char *s, int code, const char *message)
{
	struct ft_error err;
	ft_amount a = 12345;

	ft_error_clear(&err);
	assert_int_equal(ft_amount_parse(&a, s, strlen(s), &err), code);
	assert_int_equal(err.code, code);
	assert_string_equal(err.message, message);
	assert_true(a == 12345); /* *out untouched on failure */
}

static void assert_rejected_code(const char *s, size_t len, int code)
{
	struct ft_error err;
	ft_amount a = 0;

	ft_error_clear(&err);
	assert_int_equal(ft_amount_parse(&a, s, len, &err), code);
	assert_true(strlen(err.message) > 0);
}

/* Random amounts of every size: full range, and shifted down to a random
 * bit length so small, medium and huge values all come up often. */
static ft_amount rand_amount(uint64_t *st)
{
	u128 bits = ((u128)testutil_rand(st) << 64) | testutil_rand(st);
	unsigned shift = (unsigned)(testutil_rand(st) % 128);
	ft_amount a = (ft_amount)(bits >> shift);

	/* Occasionally the extremes themselves. */
	switch (testutil_rand(st) % 64) {
	case 0:
		return AMOUNT_MAX;
	case 1:
		return AMOUNT_MIN;
	case 2:
		return 0;
	}
	return a;
}

/* ---- oracle: two's-complement integers mod 2^288 ------------------------ */

#define BIG_LIMBS 9

struct big {
	uint32_t l[BIG_LIMBS];
};

static struct big big_of(ft_amount a)
{
	struct big b;
	u128 u = (u128)a;
	uint32_t ext = a < 0 ? 0xffffffffu : 0;

	for (int i = 0; i < BIG_LIMBS; i++) {
		b.l[i] = i < 4 ? (uint32_t)(u >> (32 * i)) : ext;
	}
	return b;
}

static struct big big_mul(struct big a, struct big b)
{
	struct big r;
	uint64_t acc[BIG_LIMBS] = {0};

	memset(&r, 0, sizeof(r));
	for (int i = 0; i < BIG_LIMBS; i++) {
		uint64_t carry = 0;

		for (int j = 0; i + j < BIG_LIMBS; j++) {
			uint64_t t = (uint64_t)a.l[i] * b.l[j] + acc[i + j] + carry;

			acc[i + j] = (uint32_t)t;
			carry = t >> 32;
		}
	}
	for (int i = 0; i < BIG_LIMBS; i++)
		r.l[i] = (uint32_t)acc[i];
	return r;
}

static struct big big_add(struct big a, struct big b)
{
	struct big r;
	uint64_t carry = 0;

	for (int i = 0; i < BIG_LIMBS; i++) {
		uint64_t t = (uint64_t)a.l[i] + b.l[i] + carry;

		r.l[i] = (uint32_t)t;
		carry = t >> 32;
	}
	return r;
}

static struct big big_neg(struct big a)
{
	struct big one = big_of(1);

	for (int i = 0; i < BIG_LIMBS; i++)
		a.l[i] = ~a.l[i];
	return big_add(a, one);
}

static int big_sign(struct big a)
{
	if (a.l[BIG_LIMBS - 1] & 0x80000000u)
		return -1;
	for (int i = 0; i < BIG_LIMBS; i++)
		if (a.l[i])
			return 1;
	return 0;
}

static int big_cmp(struct big a, struct big b)
{
	return big_sign(big_add(a, big_neg(b)));
}

/* ---- parse --------------------------------------------------------------- */

static void test_parse_accepts_plain_decimals(void **state)
{
	assert_amount_equal(parse_ok("0"), 0);
	assert_amount_equal(parse_ok("12.50"), 12 * FT_AMOUNT_ONE + FT_AMOUNT_ONE / 2);
	assert_amount_equal(parse_ok("-0.5"), -FT_AMOUNT_ONE / 2);
	assert_amount_equal(parse_ok("+3"), 3 * FT_AMOUNT_ONE);
	assert_amount_equal(parse_ok(".5"), FT_AMOUNT_ONE / 2);
	assert_amount_equal(parse_ok("5."), 5 * FT_AMOUNT_ONE);
	assert_amount_equal(parse_ok("-.25"), -FT_AMOUNT_ONE / 4);
	assert_amount_equal(parse_ok("0.000000000001"), 1);
	assert_amount_equal(parse_ok("-0.000000000001"), -1);
	assert_amount_equal(parse_ok("-0"), 0);
	assert_amount_equal(parse_ok("000123.4500"), 123450000000000);
	assert_amount_equal(parse_ok("0.003456789012"), 3456789012);
}

static void test_parse_allows_extra_zero_digits_beyond_twelve(void **state)
{
	assert_amount_equal(parse_ok("1.500000000000000000"), FT_AMOUNT_ONE * 3 / 2);
	assert_amount_equal(parse_ok("0.0000000000010000"), 1);
}

static void test_parse_reaches_both_ends_of_the_range(void **state)
{
	assert_amount_equal(parse_ok("170141183460469231731687303.715884105727"), AMOUNT_MAX);
	assert_amount_equal(parse_ok("-170141183460469231731687303.715884105728"), AMOUNT_MIN);
}

static void test_parse_reads_exactly_len_bytes(void **state)
{
	ft_amount a = 0;

	assert_int_equal(ft_amount_parse(&a, "12.5xyz", 4, NULL), 0);
	assert_amount_equal(a, 12 * FT_AMOUNT_ONE + FT_AMOUNT_ONE / 2);
	/* An embedded NUL is a byte like any other: refused. */
	assert_rejected_code("1\0002", 3, FT_EINVAL);
}

static void test_parse_rejects_decimal_comma_with_hint(void **state)
{
	assert_rejected(
	    "12,50", FT_EINVAL,
	    "amount '12,50': ',' is not a decimal point (use '.' as the decimal point)");
	assert_rejected("1,234.50", FT_EINVAL,
			"amount '1,234.50': ',' used as a thousands separator (write the digits "
			"without separators)");
}

static void test_parse_rejects_exponents(void **state)
{
	assert_rejected("1e5", FT_EINVAL,
			"amount '1e5': exponents are not accepted (write the number out in full)");
	assert_rejected("1E-3", FT_EINVAL,
			"amount '1E-3': exponents are not accepted (write the number out in full)");
	assert_rejected_code("2.5e+10", 7, FT_EINVAL);
}

static void test_parse_rejects_excess_precision(void **state)
{
	assert_rejected("0.1234567890123", FT_EINVAL,
			"amount '0.1234567890123': more than 12 fractional digits (the precision "
			"limit is 0.000000000001; fairtrack never rounds silently)");
	assert_rejected_code("1.0000000000000001", 18, FT_EINVAL);
}

static void test_parse_rejects_empty_and_signs_and_points(void **state)
{
	assert_rejected("", FT_EINVAL, "amount '': empty (expected a decimal such as 12.50)");
	assert_rejected("-", FT_EINVAL, "amount '-': a sign alone is not a number");
	assert_rejected("+", FT_EINVAL, "amount '+': a sign alone is not a number");
	assert_rejected(".", FT_EINVAL, "amount '.': no digits");
	assert_rejected("-.", FT_EINVAL, "amount '-.': no digits");
	assert_rejected("1.2.3", FT_EINVAL, "amount '1.2.3': more than one '.'");
	assert_rejected("--1", FT_EINVAL,
			"amount '--1': unexpected '-' at position 2 (expected an optional sign, "
			"digits and at most one '.')");
	assert_rejected_code("1-", 2, FT_EINVAL);
	assert_rejected_code("+-1", 3, FT_EINVAL);
}

static void test_parse_rejects_whitespace_and_other_characters(void **state)
{
	assert_rejected(" 1", FT_EINVAL,
			"amount ' 1': whitespace at position 1 (trim the field before parsing)");
	assert_rejected("1 ", FT_EINVAL,
			"amount '1 ': whitespace at position 2 (trim the field before parsing)");
	assert_rejected(
	    "1\t", FT_EINVAL,
	    "amount '1\\x09': whitespace at position 2 (trim the field before parsing)");
	assert_rejected("0x10", FT_EINVAL,
			"amount '0x10': unexpected 'x' at position 2 (expected an optional sign, "
			"digits and at most one '.')");
	assert_rejected("\xe2\x82\xac"
			"5",
			FT_EINVAL,
			"amount '\\xe2\\x82\\xac5': unexpected '\\xe2' at position 1 (expected an "
			"optional sign, digits and at most one '.')");
	assert_rejected_code("inf", 3, FT_EINVAL);
	assert_rejected_code("nan", 3, FT_EINVAL);
	assert_rejected_code("e5", 2, FT_EINVAL);
}

static void test_parse_rejects_out_of_range(void **state)
{
	assert_rejected("170141183460469231731687303.715884105728", FT_EOVERFLOW,
			"amount '170141183460469231731687303.715884105728': out of range (the "
			"largest magnitude is 170141183460469231731687303.715884105727)");
	assert_rejected_code("-170141183460469231731687303.715884105729", 41, FT_EOVERFLOW);
	assert_rejected_code("170141183460469231731687304", 27, FT_EOVERFLOW);
	/* A very long integer part must not wrap around into a small value. */
	assert_rejected_code("340282366920938463463374607431768211456000000000000", 51,
			     FT_EOVERFLOW);
}

static void test_parse_error_quotes_long_input_truncated(void **state)
{
	char text[100];
	struct ft_error err;
	ft_amount a;

	memset(text, '1', sizeof(text));
	text[50] = ',';
	ft_error_clear(&err);
	assert_int_equal(ft_amount_parse(&a, text, sizeof(text), &err), FT_EOVERFLOW);
	assert_non_null(
	    strstr(err.message, "amount '1111111111111111111111111111111111111111...'"));
}

/* ---- format -------------------------------------------------------------- */

static void test_format_is_canonical(void **state)
{
	assert_string_equal(fmt(parse_ok("1.5"), 2), "1.50");
	assert_string_equal(fmt(parse_ok("2"), 0), "2");
	assert_string_equal(fmt(parse_ok("-0.25"), 0), "-0.25");
	assert_string_equal(fmt(0, 0), "0");
	assert_string_equal(fmt(0, 2), "0.00");
	assert_string_equal(fmt(1, 0), "0.000000000001");
	assert_string_equal(fmt(-1, 0), "-0.000000000001");
	assert_string_equal(fmt(parse_ok("12.340"), 0), "12.34");
	assert_string_equal(fmt(parse_ok("12.345"), 2), "12.345");
	assert_string_equal(fmt(parse_ok("7"), 12), "7.000000000000");
	assert_string_equal(fmt(parse_ok("1000000000000000000"), 0), "1000000000000000000");
	assert_string_equal(fmt(parse_ok("1000000000000000000.05"), 0), "1000000000000000000.05");
	assert_string_equal(fmt(AMOUNT_MAX, 0), "170141183460469231731687303.715884105727");
	assert_string_equal(fmt(AMOUNT_MIN, 0), "-170141183460469231731687303.715884105728");
}

static void test_format_clamps_min_frac_digits(void **state)
{
	assert_string_equal(fmt(FT_AMOUNT_ONE, -3), "1");
	assert_string_equal(fmt(FT_AMOUNT_ONE, 40), "1.000000000000");
}

static void test_format_refuses_small_buffer(void **state)
{
	char buf[5];

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(ft_amount_format(buf, sizeof(buf), parse_ok("12.5"), 0), 4);
	assert_string_equal(buf, "12.5");
	assert_int_equal(ft_amount_format(buf, sizeof(buf), parse_ok("123.5"), 0), 0);
	assert_string_equal(buf, "");
	assert_int_equal(ft_amount_format(buf, 0, 1, 0), 0);
	/* The longest output fits FT_AMOUNT_STR_MAX. */
	assert_true(strlen(fmt(AMOUNT_MIN, 12)) < FT_AMOUNT_STR_MAX);
}

static void test_format_and_parse_round_trip(void **state)
{
	uint64_t st = testutil_seed();

	for (int i = 0; i < 20000; i++) {
		ft_amount a = rand_amount(&st), back = 0;
		int min_frac = (int)(testutil_rand(&st) % 13);
		char buf[FT_AMOUNT_STR_MAX];
		size_t n = ft_amount_format(buf, sizeof(buf), a, min_frac);
		struct ft_error err;

		assert_true(n > 0);
		assert_int_equal(n, strlen(buf));
		if (ft_amount_parse(&back, buf, n, &err) != 0)
			fail_msg("'%s' does not parse back: %s", buf, err.message);
		assert_amount_equal(back, a);
		/* Canonical: no trailing zero beyond min_frac, no '.' at the end. */
		const char *dot = strchr(buf, '.');
		if (dot) {
			assert_true(buf[n - 1] != '.');
			if ((int)(buf + n - dot - 1) > min_frac)
				assert_true(buf[n - 1] != '0');
		}
	}
}

/* ---- checked arithmetic -------------------------------------------------- */

static void test_add_sub_mul_int_detect_overflow(void **state)
{
	ft_amount out = 7;

	assert_int_equal(ft_amount_add(&out, parse_ok("1.25"), parse_ok("2.5")), 0);
	assert_amount_equal(out, parse_ok("3.75"));
	assert_int_equal(ft_amount_sub(&out, parse_ok("1.25"), parse_ok("2.5")), 0);
	assert_amount_equal(out, parse_ok("-1.25"));
	assert_int_equal(ft_amount_mul_int(&out, parse_ok("0.004"), 1000000), 0);
	assert_amount_equal(out, parse_ok("4000"));
	assert_int_equal(ft_amount_mul_int(&out, parse_ok("-0.5"), -3), 0);
	assert_amount_equal(out, parse_ok("1.5"));

	out = 7;
	assert_int_equal(ft_amount_add(&out, AMOUNT_MAX, 1), FT_EOVERFLOW);
	assert_int_equal(ft_amount_sub(&out, AMOUNT_MIN, 1), FT_EOVERFLOW);
	assert_int_equal(ft_amount_mul_int(&out, AMOUNT_MAX, 2), FT_EOVERFLOW);
	assert_int_equal(ft_amount_mul_int(&out, AMOUNT_MIN, -1), FT_EOVERFLOW);
	assert_int_equal(ft_amount_mul_int(&out, AMOUNT_MAX / 1000, INT64_MAX), FT_EOVERFLOW);
	assert_amount_equal(out, 7); /* untouched */
	assert_int_equal(ft_amount_add(&out, AMOUNT_MAX, AMOUNT_MIN), 0);
	assert_amount_equal(out, -1);
}

/* ---- mul_ratio ----------------------------------------------------------- */

static void test_mul_ratio_worked_examples(void **state)
{
	ft_amount out, rem;

	/* 100.00 × 15 % = 15 exactly. */
	assert_int_equal(ft_amount_mul_ratio(&out, &rem, parse_ok("100"), parse_ok("0.15")), 0);
	assert_amount_equal(out, parse_ok("15"));
	assert_amount_equal(rem, 0);
	/* 0.000000000001 × 0.5: half a unit is cut and handed back. */
	assert_int_equal(ft_amount_mul_ratio(&out, &rem, 1, parse_ok("0.5")), 0);
	assert_amount_equal(out, 0);
	assert_amount_equal(rem, FT_AMOUNT_ONE / 2);
	/* Negative products floor toward −∞ and keep a positive remainder. */
	assert_int_equal(ft_amount_mul_ratio(&out, &rem, -1, parse_ok("0.5")), 0);
	assert_amount_equal(out, -1);
	assert_amount_equal(rem, FT_AMOUNT_ONE / 2);
	/* 12.34 EUR at 1.0834 USD/EUR = 13.369156 exactly. */
	assert_int_equal(ft_amount_mul_ratio(&out, &rem, parse_ok("12.34"), parse_ok("1.0834")), 0);
	assert_amount_equal(out, parse_ok("13.369156"));
	assert_amount_equal(rem, 0);
	/* 1/3 × 1/3: 0.111111111110888888888889 → out + 888888888889e-24. */
	assert_int_equal(
	    ft_amount_mul_ratio(&out, &rem, parse_ok("0.333333333333"), parse_ok("0.333333333333")),
	    0);
	assert_amount_equal(out, parse_ok("0.111111111110"));
	assert_amount_equal(rem, 888888888889);
	assert_int_equal(ft_amount_mul_ratio(&out, NULL, parse_ok("-2"), parse_ok("-3")), 0);
	assert_amount_equal(out, parse_ok("6"));
}

/* Checks a × ratio == out × 10^12 + rem exactly (units of 10^-24), or that
 * the floor truly lies outside the range when overflow is reported. */
static void check_mul_ratio(ft_amount a, ft_amount ratio)
{
	ft_amount out = 0, rem = -1;
	int rc = ft_amount_mul_ratio(&out, &rem, a, ratio);
	struct big prod = big_mul(big_of(a), big_of(ratio));
	struct big one = big_of(FT_AMOUNT_ONE);

	if (rc == FT_EOVERFLOW) {
		/* floor(p / 10^12) outside [MIN, MAX] ⇔ p < MIN·10^12 or
		 * p >= (MAX + 1)·10^12. */
		struct big lo = big_mul(big_of(AMOUNT_MIN), one);
		struct big hi = big_add(big_mul(big_of(AMOUNT_MAX), one), one);

		if (!(big_cmp(prod, lo) < 0 || big_cmp(prod, hi) >= 0))
			fail_msg("overflow reported for %s × %s, which fits", fmt(a, 0),
				 fmt(ratio, 0));
		return;
	}
	assert_int_equal(rc, 0);
	if (rem < 0 || rem >= FT_AMOUNT_ONE)
		fail_msg("remainder %s out of [0, 1e12) for %s × %s", fmt(rem, 0), fmt(a, 0),
			 fmt(ratio, 0));
	if (big_cmp(prod, big_add(big_mul(big_of(out), one), big_of(rem))) != 0)
		fail_msg("%s × %s != %s + %s e-24", fmt(a, 0), fmt(ratio, 0), fmt(out, 0),
			 fmt(rem, 0));
}

static void test_mul_ratio_extremes(void **state)
{
	ft_amount out = 9, rem = 9;

	assert_int_equal(ft_amount_mul_ratio(&out, &rem, AMOUNT_MAX, FT_AMOUNT_ONE), 0);
	assert_amount_equal(out, AMOUNT_MAX);
	assert_int_equal(ft_amount_mul_ratio(&out, &rem, AMOUNT_MIN, FT_AMOUNT_ONE), 0);
	assert_amount_equal(out, AMOUNT_MIN);
	assert_amount_equal(rem, 0);
	assert_int_equal(ft_amount_mul_ratio(&out, &rem, AMOUNT_MAX, -FT_AMOUNT_ONE), 0);
	assert_amount_equal(out, -AMOUNT_MAX);
	/* MIN × −1 is MAX + 1 unit: one past the range. */
	out = 9;
	assert_int_equal(ft_amount_mul_ratio(&out, &rem, AMOUNT_MIN, -FT_AMOUNT_ONE), FT_EOVERFLOW);
	assert_int_equal(ft_amount_mul_ratio(&out, &rem, AMOUNT_MIN, AMOUNT_MIN), FT_EOVERFLOW);
	assert_int_equal(ft_amount_mul_ratio(&out, &rem, AMOUNT_MAX, 2 * FT_AMOUNT_ONE),
			 FT_EOVERFLOW);
	assert_amount_equal(out, 9);
	/* Exact negative products at the lower edge, no remainder: 2^127 units
	 * fit (= MIN), 2^127 + 1 do not.  2^127 + 1 = 3 × k. */
	ft_amount k = (ft_amount)((((u128)1 << 127) + 1) / 3);
	out = 9;
	assert_int_equal(ft_amount_mul_ratio(&out, &rem, -k, 3 * FT_AMOUNT_ONE), FT_EOVERFLOW);
	assert_int_equal(ft_amount_mul_ratio(&out, &rem, k, -3 * FT_AMOUNT_ONE), FT_EOVERFLOW);
	assert_amount_equal(out, 9);
	assert_int_equal(ft_amount_mul_ratio(&out, &rem, -(k - 1), 3 * FT_AMOUNT_ONE), 0);
	check_mul_ratio(-(k - 1), 3 * FT_AMOUNT_ONE);
	/* With a remainder: |product| = 2^127·10^12 + s, 0 < s < 10^12, floors
	 * to −2^127 − 1, one past the range.  m·r − 2^127·10^12 = 2^127 mod m. */
	ft_amount m = FT_AMOUNT_ONE + 1;
	ft_amount r_edge = (ft_amount)(((u128)1 << 127) - ((u128)1 << 127) / (u128)m);
	assert_int_equal(ft_amount_mul_ratio(&out, &rem, -m, r_edge), FT_EOVERFLOW);
	check_mul_ratio(-m, r_edge);
	check_mul_ratio(-m, r_edge - 1);
	check_mul_ratio(m, r_edge);
	assert_int_equal(ft_amount_mul_ratio(&out, &rem, AMOUNT_MIN / 2, 2 * FT_AMOUNT_ONE), 0);
	assert_amount_equal(out, AMOUNT_MIN);
	/* Huge × tiny comes back into range through the 256-bit product. */
	assert_int_equal(ft_amount_mul_ratio(&out, &rem, AMOUNT_MAX, 1), 0);
	assert_amount_equal(out, AMOUNT_MAX / FT_AMOUNT_ONE);
	assert_amount_equal(rem, AMOUNT_MAX % FT_AMOUNT_ONE);
	/* MIN × 1e-12 = −170141183460469231731687303.715884105728 units of
	 * 1e-12 exactly: floors to one unit lower with remainder 1 − 0.715884105728. */
	assert_int_equal(ft_amount_mul_ratio(&out, &rem, AMOUNT_MIN, 1), 0);
	assert_amount_equal(out, AMOUNT_MIN / FT_AMOUNT_ONE - 1);
	assert_amount_equal(rem, FT_AMOUNT_ONE + AMOUNT_MIN % FT_AMOUNT_ONE);
}

static void test_mul_ratio_identity_holds_for_random_values(void **state)
{
	uint64_t st = testutil_seed();
	int overflows = 0;

	for (int i = 0; i < 50000; i++) {
		ft_amount a = rand_amount(&st), ratio = rand_amount(&st);

		check_mul_ratio(a, ratio);
		check_mul_ratio(a, ratio % (1000 * FT_AMOUNT_ONE)); /* realistic rates */
		overflows += ft_amount_mul_ratio(&(ft_amount){0}, NULL, a, ratio) != 0;
	}
	/* The generator must exercise both outcomes. */
	assert_true(overflows > 1000);
	assert_true(overflows < 49000);
}

/* ---- round_minor --------------------------------------------------------- */

static void test_round_minor_floors_and_returns_the_rest(void **state)
{
	ft_amount r = 0, rem = 0;

	assert_int_equal(ft_amount_round_minor(&r, &rem, parse_ok("12.3456"), 2), 0);
	assert_amount_equal(r, parse_ok("12.34"));
	assert_amount_equal(rem, parse_ok("0.0056"));
	assert_int_equal(ft_amount_round_minor(&r, &rem, parse_ok("-12.3456"), 2), 0);
	assert_amount_equal(r, parse_ok("-12.35"));
	assert_amount_equal(rem, parse_ok("0.0044"));
	assert_int_equal(ft_amount_round_minor(&r, &rem, parse_ok("1999.9"), 0), 0); /* JPY */
	assert_amount_equal(r, parse_ok("1999"));
	assert_amount_equal(rem, parse_ok("0.9"));
	assert_int_equal(ft_amount_round_minor(&r, &rem, parse_ok("1.2345"), 3), 0); /* BHD */
	assert_amount_equal(r, parse_ok("1.234"));
	assert_amount_equal(rem, parse_ok("0.0005"));
	assert_int_equal(ft_amount_round_minor(&r, &rem, parse_ok("-5"), 2), 0);
	assert_amount_equal(r, parse_ok("-5"));
	assert_amount_equal(rem, 0);
	assert_int_equal(ft_amount_round_minor(&r, &rem, 123, 12), 0);
	assert_amount_equal(r, 123);
	assert_amount_equal(rem, 0);
	assert_int_equal(ft_amount_round_minor(&r, NULL, parse_ok("0.019"), 2), 0);
	assert_amount_equal(r, parse_ok("0.01"));
}

static void test_round_minor_rejects_bad_digits_and_overflow(void **state)
{
	ft_amount r = 5, rem = 5;

	assert_int_equal(ft_amount_round_minor(&r, &rem, 1, -1), FT_EINVAL);
	assert_int_equal(ft_amount_round_minor(&r, &rem, 1, 13), FT_EINVAL);
	/* The floor of MIN to cents lies below the range. */
	assert_int_equal(ft_amount_round_minor(&r, &rem, AMOUNT_MIN, 2), FT_EOVERFLOW);
	assert_amount_equal(r, 5);
	assert_int_equal(ft_amount_round_minor(&r, &rem, AMOUNT_MAX, 2), 0);
	assert_amount_equal(r + rem, AMOUNT_MAX);
}

static void test_round_minor_rounded_plus_remainder_is_amount(void **state)
{
	uint64_t st = testutil_seed();

	for (int i = 0; i < 50000; i++) {
		ft_amount a = rand_amount(&st), r, rem;
		int minor = (int)(testutil_rand(&st) % 13);
		ft_amount unit = 1;

		for (int k = minor; k < FT_AMOUNT_SCALE; k++)
			unit *= 10;
		if (ft_amount_round_minor(&r, &rem, a, minor) != 0) {
			assert_true((u128)a - (u128)AMOUNT_MIN < (u128)unit); /* only next to MIN */
			continue;
		}
		assert_true(rem >= 0 && rem < unit);
		assert_true(r % unit == 0);
		assert_amount_equal(r + rem, a);
	}
}

/* ---- split --------------------------------------------------------------- */

static void test_split_worked_examples(void **state)
{
	ft_amount parts[3];
	ft_amount thirds[3] = {1, 1, 1};
	ft_amount shares[3] = {parse_ok("0.5"), parse_ok("0.3"), parse_ok("0.2")};
	struct ft_error err;

	/* 10 units in three: 4, 3, 3 — the extra unit to the lowest index. */
	assert_int_equal(ft_amount_split(parts, 10, thirds, 3, &err), 0);
	assert_amount_equal(parts[0], 4);
	assert_amount_equal(parts[1], 3);
	assert_amount_equal(parts[2], 3);
	/* A negative total is the negation of the positive split. */
	assert_int_equal(ft_amount_split(parts, -10, thirds, 3, &err), 0);
	assert_amount_equal(parts[0], -4);
	assert_amount_equal(parts[1], -3);
	assert_amount_equal(parts[2], -3);
	/* 100 EUR by 50/30/20. */
	assert_int_equal(ft_amount_split(parts, parse_ok("100"), shares, 3, &err), 0);
	assert_amount_equal(parts[0], parse_ok("50"));
	assert_amount_equal(parts[1], parse_ok("30"));
	assert_amount_equal(parts[2], parse_ok("20"));
	/* Largest remainder, not lowest index: 7 units by 1:2:4 → 1, 2, 4;
	 * 6 units by 1:2:4 → 6/7, 12/7, 24/7 = 0.86, 1.71, 3.43 → 1, 2, 3. */
	ft_amount w124[3] = {1, 2, 4};
	assert_int_equal(ft_amount_split(parts, 6, w124, 3, &err), 0);
	assert_amount_equal(parts[0], 1);
	assert_amount_equal(parts[1], 2);
	assert_amount_equal(parts[2], 3);
}

static void test_split_gives_nothing_to_zero_weights(void **state)
{
	ft_amount parts[4];
	ft_amount w[4] = {0, 1, 0, 1};

	assert_int_equal(ft_amount_split(parts, 3, w, 4, NULL), 0);
	assert_amount_equal(parts[0], 0);
	assert_amount_equal(parts[1], 2);
	assert_amount_equal(parts[2], 0);
	assert_amount_equal(parts[3], 1);
}

static void test_split_minor_distributes_whole_cents(void **state)
{
	ft_amount parts[3];
	ft_amount thirds[3] = {FT_AMOUNT_ONE, FT_AMOUNT_ONE, FT_AMOUNT_ONE};
	struct ft_error err;

	/* 100.00 EUR in thirds: 33.34, 33.33, 33.33. */
	assert_int_equal(ft_amount_split_minor(parts, parse_ok("100"), thirds, 3, 2, &err), 0);
	assert_amount_equal(parts[0], parse_ok("33.34"));
	assert_amount_equal(parts[1], parse_ok("33.33"));
	assert_amount_equal(parts[2], parse_ok("33.33"));
	assert_int_equal(ft_amount_split_minor(parts, parse_ok("-0.02"), thirds, 3, 2, &err), 0);
	assert_amount_equal(parts[0], parse_ok("-0.01"));
	assert_amount_equal(parts[1], parse_ok("-0.01"));
	assert_amount_equal(parts[2], 0);
	/* JPY has no minor unit. */
	assert_int_equal(ft_amount_split_minor(parts, parse_ok("1000"), thirds, 3, 0, &err), 0);
	assert_amount_equal(parts[0], parse_ok("334"));
	assert_amount_equal(parts[1], parse_ok("333"));

	ft_error_clear(&err);
	assert_int_equal(ft_amount_split_minor(parts, parse_ok("1.005"), thirds, 3, 2, &err),
			 FT_EINVAL);
	assert_string_equal(err.message, "split: total 1.005 is not a whole number of minor units "
					 "(2 digits); round it with ft_amount_round_minor first");
	assert_int_equal(ft_amount_split_minor(parts, parse_ok("1"), thirds, 3, 13, &err),
			 FT_EINVAL);
	assert_string_equal(err.message, "split: minor_units 13 is outside 0..12");
}

static void test_split_rejects_bad_weights(void **state)
{
	ft_amount parts[3];
	ft_amount zeros[3] = {0, 0, 0};
	ft_amount neg[3] = {FT_AMOUNT_ONE, -FT_AMOUNT_ONE / 4, 0};
	struct ft_error err;

	ft_error_clear(&err);
	assert_int_equal(ft_amount_split(parts, 10, zeros, 0, &err), FT_EINVAL);
	assert_string_equal(err.message, "split: no parts (n is 0)");
	assert_int_equal(ft_amount_split(parts, 10, zeros, 3, &err), FT_EINVAL);
	assert_string_equal(err.message,
			    "split: all 3 weights are zero; at least one must be positive");
	assert_int_equal(ft_amount_split(parts, 10, neg, 3, &err), FT_EINVAL);
	assert_string_equal(err.message,
			    "split: weight 2 is negative (-0.25); weights must be 0 or more");
	assert_int_equal(ft_amount_split_minor(parts, parse_ok("1"), neg, 3, 2, &err), FT_EINVAL);
}

static void test_split_handles_huge_weights_and_totals(void **state)
{
	ft_amount parts[3];
	ft_amount big_w[3] = {AMOUNT_MAX, AMOUNT_MAX, AMOUNT_MAX};
	ft_amount uneven[2] = {AMOUNT_MAX, 1};

	/* Σw = 3·(2^127 − 1) does not fit 128 bits; total × w needs 254. */
	assert_int_equal(ft_amount_split(parts, AMOUNT_MAX, big_w, 3, NULL), 0);
	assert_amount_equal(parts[0] + parts[1] + parts[2], AMOUNT_MAX);
	assert_amount_equal(parts[0], AMOUNT_MAX / 3 + 1); /* 2^127 − 1 ≡ 1 mod 3 */
	assert_amount_equal(parts[1], AMOUNT_MAX / 3);
	assert_int_equal(ft_amount_split(parts, AMOUNT_MIN, big_w, 3, NULL), 0);
	assert_amount_equal(parts[0] + parts[1] + parts[2], AMOUNT_MIN);
	assert_int_equal(ft_amount_split(parts, AMOUNT_MIN, uneven, 2, NULL), 0);
	assert_amount_equal(parts[0] + parts[1], AMOUNT_MIN);
	assert_amount_equal(parts[1], -1);
	ft_amount only[1] = {5};
	assert_int_equal(ft_amount_split(parts, AMOUNT_MIN, only, 1, NULL), 0);
	assert_amount_equal(parts[0], AMOUNT_MIN);
}

/* An oracle for the largest-remainder method on values small enough that
 * total × weight fits in __int128: independent of the 256-bit code. */
static void oracle_split(ft_amount *want, ft_amount total, const ft_amount *w, size_t n)
{
	ft_amount sum_w = 0, given = 0, mag = total < 0 ? -total : total;
	ft_amount rems[64];

	for (size_t i = 0; i < n; i++)
		sum_w += w[i];
	for (size_t i = 0; i < n; i++) {
		want[i] = mag * w[i] / sum_w;
		rems[i] = mag * w[i] % sum_w;
		given += want[i];
	}
	for (ft_amount left = mag - given; left > 0; left--) {
		size_t best = n;

		for (size_t i = 0; i < n; i++)
			if (rems[i] >= 0 && (best == n || rems[i] > rems[best]))
				best = i;
		want[best] += 1;
		rems[best] = -1; /* each part gets at most one extra unit */
	}
	if (total < 0)
		for (size_t i = 0; i < n; i++)
			want[i] = -want[i];
}

static void test_split_matches_largest_remainder_oracle(void **state)
{
	uint64_t st = testutil_seed();
	ft_amount parts[64], want[64], w[64];

	for (int iter = 0; iter < 20000; iter++) {
		size_t n = 1 + testutil_rand(&st) % 64;
		ft_amount total = (ft_amount)(testutil_rand(&st) >> 8) - ((ft_amount)1 << 55);
		bool positive = false;

		for (size_t i = 0; i < n; i++) {
			/* Small weights make ties common; zeros happen too. */
			uint64_t r = testutil_rand(&st);
			w[i] = (iter & 1) ? (ft_amount)(r % 4) : (ft_amount)(r >> 8);
			positive |= w[i] > 0;
		}
		if (!positive)
			w[0] = 1;
		assert_int_equal(ft_amount_split(parts, total, w, n, NULL), 0);
		oracle_split(want, total, w, n);
		for (size_t i = 0; i < n; i++)
			if (parts[i] != want[i])
				fail_msg("iteration %d part %zu: got %s want %s", iter, i,
					 fmt(parts[i], 0), fmt(want[i], 0));
	}
}

/* For any sizes: Σ parts == total, every part has the total's sign, and each
 * part is within one unit of its exact share: |part·W − |total|·w| < W. */
static void test_split_never_loses_a_unit(void **state)
{
	uint64_t st = testutil_seed();
	ft_amount parts[50], w[50];

	for (int iter = 0; iter < 5000; iter++) {
		size_t n = 1 + testutil_rand(&st) % 50;
		ft_amount total = rand_amount(&st), sum = 0;
		struct big sum_w = big_of(0);
		bool positive = false;

		for (size_t i = 0; i < n; i++) {
			w[i] = rand_amount(&st);
			if (w[i] < 0)
				w[i] = w[i] == AMOUNT_MIN ? AMOUNT_MAX : -w[i];
			if (testutil_rand(&st) % 5 == 0)
				w[i] = 0;
			positive |= w[i] > 0;
		}
		if (!positive)
			w[n - 1] = 1;
		for (size_t i = 0; i < n; i++)
			sum_w = big_add(sum_w, big_of(w[i]));
		assert_int_equal(ft_amount_split(parts, total, w, n, NULL), 0);
		for (size_t i = 0; i < n; i++) {
			struct big diff;

			assert_true(total >= 0 ? parts[i] >= 0 : parts[i] <= 0);
			sum += parts[i];
			/* |part|·W − |total|·w_i, computed with signs folded in:
			 * part and total share a sign, so part·W − total·w_i. */
			diff = big_add(big_mul(big_of(parts[i]), sum_w),
				       big_neg(big_mul(big_of(total), big_of(w[i]))));
			if (big_sign(diff) < 0)
				diff = big_neg(diff);
			if (big_cmp(diff, sum_w) >= 0)
				fail_msg(
				    "iteration %d part %zu is not within one unit of its share",
				    iter, i);
			if (w[i] == 0)
				assert_amount_equal(parts[i], 0);
		}
		assert_amount_equal(sum, total);
	}
}

static void test_split_many_parts_uses_heap_and_stays_exact(void **state)
{
	enum { N = 10000 };
	ft_amount *parts = calloc(N, sizeof(*parts));
	ft_amount *w = calloc(N, sizeof(*w));
	ft_amount sum = 0;

	assert_non_null(parts);
	assert_non_null(w);
	for (size_t i = 0; i < N; i++)
		w[i] = (ft_amount)(i % 7 + 1);
	assert_int_equal(ft_amount_split_minor(parts, parse_ok("12345.67"), w, N, 2, NULL), 0);
	for (size_t i = 0; i < N; i++) {
		assert_true(parts[i] % 10000000000 == 0);
		sum += parts[i];
	}
	assert_amount_equal(sum, parse_ok("12345.67"));
	free(parts);
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_accepts_plain_decimals),
	    cmocka_unit_test(test_parse_allows_extra_zero_digits_beyond_twelve),
	    cmocka_unit_test(test_parse_reaches_both_ends_of_the_range),
	    cmocka_unit_test(test_parse_reads_exactly_len_bytes),
	    cmocka_unit_test(test_parse_rejects_decimal_comma_with_hint),
	    cmocka_unit_test(test_parse_rejects_exponents),
	    cmocka_unit_test(test_parse_rejects_excess_precision),
	    cmocka_unit_test(test_parse_rejects_empty_and_signs_and_points),
	    cmocka_unit_test(test_parse_rejects_whitespace_and_other_characters),
	    cmocka_unit_test(test_parse_rejects_out_of_range),
	    cmocka_unit_test(test_parse_error_quotes_long_input_truncated),
	    cmocka_unit_test(test_format_is_canonical),
	    cmocka_unit_test(test_format_clamps_min_frac_digits),
	    cmocka_unit_test(test_format_refuses_small_buffer),
	    cmocka_unit_test(test_format_and_parse_round_trip),
	    cmocka_unit_test(test_add_sub_mul_int_detect_overflow),
	    cmocka_unit_test(test_mul_ratio_worked_examples),
	    cmocka_unit_test(test_mul_ratio_extremes),
	    cmocka_unit_test(test_mul_ratio_identity_holds_for_random_values),
	    cmocka_unit_test(test_round_minor_floors_and_returns_the_rest),
	    cmocka_unit_test(test_round_minor_rejects_bad_digits_and_overflow),
	    cmocka_unit_test(test_round_minor_rounded_plus_remainder_is_amount),
	    cmocka_unit_test(test_split_worked_examples),
	    cmocka_unit_test(test_split_gives_nothing_to_zero_weights),
	    cmocka_unit_test(test_split_minor_distributes_whole_cents),
	    cmocka_unit_test(test_split_rejects_bad_weights),
	    cmocka_unit_test(test_split_handles_huge_weights_and_totals),
	    cmocka_unit_test(test_split_matches_largest_remainder_oracle),
	    cmocka_unit_test(test_split_never_loses_a_unit),
	    cmocka_unit_test(test_split_many_parts_uses_heap_and_stays_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
