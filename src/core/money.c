/*
 * money.c — exact decimal amounts (see include/fairtrack/money.h).
 *
 * An ft_amount counts units of 10^-12 in a signed 128-bit integer.  This file
 * guarantees:
 *   - text is converted exactly or refused, with a message that quotes the
 *     input and names the rule it broke; parse(format(x)) == x for every x;
 *   - no operation wraps: a result that does not fit is FT_EOVERFLOW;
 *   - nothing is lost when a result needs more digits than we keep: rounding
 *     is always toward negative infinity and the cut part is handed back as a
 *     remainder, and splits distribute every last unit (Σ parts == total).
 *
 * There is no floating point here.  Products of two 128-bit magnitudes (an
 * amount times a rate, a total times a weight) need 256 bits; a small
 * unsigned 256-bit type below provides exactly the multiply, add, compare and
 * divide that those need, with fast paths for the common case where the
 * values fit in 128 bits.  docs/internals/MONEY.md explains the design.
 */
#include "fairtrack/money.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

#define ONE_U ((u128)1000000000000ULL) /* 10^12 as an unsigned magnitude */
#define U128_TOP ((u128)1 << 127)      /* 2^127: |FT_AMOUNT_MIN| */

/* The largest integer part: floor(2^127 / 10^12).  Any longer integer part
 * overflows whatever its fraction, so parsing can stop early. */
#define MAX_INT_PART ((u128)170141183460469231ULL * 1000000000ULL + 731687303ULL)

/* clang-format off */
static const uint64_t pow10_u64[] = {
	1ULL,
	10ULL,
	100ULL,
	1000ULL,
	10000ULL,
	100000ULL,
	1000000ULL,
	10000000ULL,
	100000000ULL,
	1000000000ULL,
	10000000000ULL,
	100000000000ULL,
	1000000000000ULL,
};
/* clang-format on */

/* Magnitude of a signed amount; correct for FT_AMOUNT_MIN too (2^127). */
static u128 magnitude(ft_amount a)
{
	return a < 0 ? (u128)0 - (u128)a : (u128)a;
}

/* -m as an amount, for 0 <= m <= 2^127 (the caller checks the bound).  The
 * unsigned negation wraps to the two's-complement pattern, which gcc and clang
 * convert to the signed value by modulo (C11 6.3.1.3p3, GCC documents it). */
static ft_amount negated(u128 m)
{
	return (ft_amount)((u128)0 - m);
}

/* ---- 256-bit unsigned arithmetic ---------------------------------------- */

struct u256 {
	u128 hi;
	u128 lo;
};

static struct u256 u256_from(u128 lo)
{
	struct u256 r = {0, lo};
	return r;
}

/* Full 128×128 → 256 product by four 64×64 → 128 partial products. */
static struct u256 u256_mul(u128 a, u128 b)
{
	uint64_t a0 = (uint64_t)a, a1 = (uint64_t)(a >> 64);
	uint64_t b0 = (uint64_t)b, b1 = (uint64_t)(b >> 64);
	u128 p00 = (u128)a0 * b0;
	u128 p01 = (u128)a0 * b1;
	u128 p10 = (u128)a1 * b0;
	u128 p11 = (u128)a1 * b1;
	/* Three terms below 2^64 each: the sum cannot overflow 128 bits. */
	u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10;
	struct u256 r;

	r.lo = (mid << 64) | (uint64_t)p00;
	r.hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
	return r;
}

static struct u256 u256_add(struct u256 a, struct u256 b)
{
	struct u256 r;

	r.lo = a.lo + b.lo;
	r.hi = a.hi + b.hi + (r.lo < a.lo);
	return r;
}

static struct u256 u256_sub(struct u256 a, struct u256 b)
{
	struct u256 r;

	r.lo = a.lo - b.lo;
	r.hi = a.hi - b.hi - (a.lo < b.lo);
	return r;
}

static int u256_cmp(struct u256 a, struct u256 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

static bool u256_is_zero(struct u256 a)
{
	return a.hi == 0 && a.lo == 0;
}

static int clz128(u128 x)
{
	uint64_t h = (uint64_t)(x >> 64);

	if (h)
		return __builtin_clzll(h);
	if ((uint64_t)x)
		return 64 + __builtin_clzll((uint64_t)x);
	return 128;
}

static int u256_bits(struct u256 a)
{
	return a.hi ? 256 - clz128(a.hi) : 128 - clz128(a.lo);
}

static unsigned u256_bit(struct u256 a, int i)
{
	return i >= 128 ? (unsigned)(a.hi >> (i - 128)) & 1 : (unsigned)(a.lo >> i) & 1;
}

/*
 * q = n / d, r = n % d (d != 0).  Three paths, cheapest first: both fit in
 * 128 bits (the usual split of an ordinary total); the divisor fits in 64
 * bits (every division by 10^12), done as schoolbook division on 64-bit
 * limbs, each step a 128/64 division whose quotient fits a limb because the
 * running remainder stays below d; otherwise binary long division, rare
 * (weights or totals near the top of the range) and still exact.
 */
static void u256_divmod(struct u256 *q, struct u256 *r, struct u256 n, struct u256 d)
{
	if (n.hi == 0 && d.hi == 0) {
		*q = u256_from(n.lo / d.lo);
		*r = u256_from(n.lo % d.lo);
		return;
	}
	if (d.hi == 0 && (d.lo >> 64) == 0) {
		uint64_t limbs[4] = {(uint64_t)(n.hi >> 64), (uint64_t)n.hi, (uint64_t)(n.lo >> 64),
				     (uint64_t)n.lo};
		uint64_t ql[4];
		u128 rem = 0;

		for (int i = 0; i < 4; i++) {
			u128 cur = (rem << 64) | limbs[i];
			ql[i] = (uint64_t)(cur / d.lo);
			rem = cur % d.lo;
		}
		q->hi = ((u128)ql[0] << 64) | ql[1];
		q->lo = ((u128)ql[2] << 64) | ql[3];
		*r = u256_from(rem);
		return;
	}

	struct u256 quot = {0, 0}, rem = {0, 0};

	for (int i = u256_bits(n) - 1; i >= 0; i--) {
		/* rem < d before the shift; a bit carried out of the top still
		 * means rem >= d, and the wrapping subtraction is then exact. */
		unsigned carry = (unsigned)(rem.hi >> 127);

		rem.hi = (rem.hi << 1) | (rem.lo >> 127);
		rem.lo = (rem.lo << 1) | u256_bit(n, i);
		if (carry || u256_cmp(rem, d) >= 0) {
			rem = u256_sub(rem, d);
			if (i >= 128)
				quot.hi |= (u128)1 << (i - 128);
			else
				quot.lo |= (u128)1 << i;
		}
	}
	*q = quot;
	*r = rem;
}

/* ---- text ---------------------------------------------------------------- */

/* The input, quoted for a message: at most 40 bytes, with bytes that are
 * not printable ASCII written as \xNN so the reader sees what was there. */
static const char *quote(char *buf, size_t cap, const char *text, size_t len)
{
	size_t shown = len > 40 ? 40 : len, o = 0;

	for (size_t i = 0; i < shown && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c >= 0x20 && c < 0x7f)
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
	}
	if (shown < len && o + 4 < cap) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/* One character of the input for a message, printable or as \xNN. */
static const char *quote_char(char *buf, size_t cap, char ch)
{
	unsigned char c = (unsigned char)ch;

	if (c >= 0x20 && c < 0x7f)
		snprintf(buf, cap, "%c", c);
	else
		snprintf(buf, cap, "\\x%02x", c);
	return buf;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Why the byte at text[i] cannot be part of an amount, as an error. */
static int reject_char(const char *text, size_t len, size_t i, bool seen_digit, bool seen_point,
		       struct ft_error *err)
{
	char q[200], c[8];
	const char *shown = quote(q, sizeof(q), text, len);

	if (is_space(text[i]))
		return ft_error_set(
		    err, FT_EINVAL,
		    "amount '%s': whitespace at position %zu (trim the field before "
		    "parsing)",
		    shown, i + 1);
	if (text[i] == ',') {
		/* "1,234.50": the comma groups thousands; "12,50": it is a
		 * decimal comma.  Both are refused, each with its own fix. */
		if (memchr(text + i, '.', len - i))
			return ft_error_set(err, FT_EINVAL,
					    "amount '%s': ',' used as a thousands separator (write "
					    "the digits without separators)",
					    shown);
		return ft_error_set(err, FT_EINVAL,
				    "amount '%s': ',' is not a decimal point (use '.' as the "
				    "decimal point)",
				    shown);
	}
	if ((text[i] == 'e' || text[i] == 'E') && seen_digit)
		return ft_error_set(err, FT_EINVAL,
				    "amount '%s': exponents are not accepted (write the number out "
				    "in full)",
				    shown);
	if (text[i] == '.' && seen_point)
		return ft_error_set(err, FT_EINVAL, "amount '%s': more than one '.'", shown);
	return ft_error_set(err, FT_EINVAL,
			    "amount '%s': unexpected '%s' at position %zu (expected an optional "
			    "sign, digits and at most one '.')",
			    shown, quote_char(c, sizeof(c), text[i]), i + 1);
}

int ft_amount_parse(ft_amount *out, const char *text, size_t len, struct ft_error *err)
{
	char q[200];
	size_t i = 0;
	bool negative = false, seen_point = false, seen_digit = false;
	u128 int_part = 0;
	uint64_t frac = 0; /* the first 12 fractional digits, as an integer */
	int frac_digits = 0;
	u128 mag;

	if (len == 0)
		return ft_error_set(err, FT_EINVAL,
				    "amount '': empty (expected a decimal such as 12.50)");
	if (text[0] == '+' || text[0] == '-') {
		negative = text[0] == '-';
		i = 1;
	}
	for (; i < len; i++) {
		char ch = text[i];

		if (ch >= '0' && ch <= '9') {
			unsigned d = (unsigned)(ch - '0');

			seen_digit = true;
			if (!seen_point) {
				int_part = int_part * 10 + d;
				/* Checked per digit, so the u128 itself never wraps. */
				if (int_part > MAX_INT_PART)
					goto out_of_range;
			} else if (frac_digits < FT_AMOUNT_SCALE) {
				frac = frac * 10 + d;
				frac_digits++;
			} else if (d != 0) {
				return ft_error_set(err, FT_EINVAL,
						    "amount '%s': more than 12 fractional digits "
						    "(the precision limit is 0.000000000001; "
						    "fairtrack never rounds silently)",
						    quote(q, sizeof(q), text, len));
			}
		} else if (ch == '.' && !seen_point) {
			seen_point = true;
		} else {
			return reject_char(text, len, i, seen_digit, seen_point, err);
		}
	}
	if (!seen_digit) {
		if (len == 1 && !seen_point)
			return ft_error_set(err, FT_EINVAL,
					    "amount '%s': a sign alone is not a number",
					    quote(q, sizeof(q), text, len));
		return ft_error_set(err, FT_EINVAL, "amount '%s': no digits",
				    quote(q, sizeof(q), text, len));
	}
	/* int_part <= MAX_INT_PART, so this product stays below 2^127. */
	mag = int_part * ONE_U + (u128)frac * pow10_u64[FT_AMOUNT_SCALE - frac_digits];
	if (mag > (negative ? U128_TOP : U128_TOP - 1))
		goto out_of_range;
	*out = negative ? negated(mag) : (ft_amount)mag;
	return 0;

out_of_range:
	return ft_error_set(err, FT_EOVERFLOW,
			    "amount '%s': out of range (the largest magnitude is "
			    "170141183460469231731687303.715884105727)",
			    quote(q, sizeof(q), text, len));
}

/* Decimal digits of v, most significant first, zero-padded to width. */
static size_t put_u64(char *p, uint64_t v, int width)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width)
		tmp[n++] = '0';
	for (int k = 0; k < n; k++)
		p[k] = tmp[n - 1 - k];
	return (size_t)n;
}

size_t ft_amount_format(char *buf, size_t cap, ft_amount amount, int min_frac_digits)
{
	char tmp[FT_AMOUNT_STR_MAX];
	u128 mag = magnitude(amount);
	u128 int_part = mag / ONE_U;
	uint64_t frac = (uint64_t)(mag % ONE_U);
	uint64_t int_hi = (uint64_t)(int_part / 1000000000000000000ULL); /* < 2^64 */
	uint64_t int_lo = (uint64_t)(int_part % 1000000000000000000ULL);
	int frac_digits = FT_AMOUNT_SCALE;
	size_t n = 0;

	if (min_frac_digits < 0)
		min_frac_digits = 0;
	if (min_frac_digits > FT_AMOUNT_SCALE)
		min_frac_digits = FT_AMOUNT_SCALE;
	if (amount < 0)
		tmp[n++] = '-';
	if (int_hi) {
		n += put_u64(tmp + n, int_hi, 0);
		n += put_u64(tmp + n, int_lo, 18);
	} else {
		n += put_u64(tmp + n, int_lo, 0);
	}
	while (frac_digits > min_frac_digits && frac % 10 == 0) {
		frac /= 10;
		frac_digits--;
	}
	if (frac_digits > 0) {
		tmp[n++] = '.';
		n += put_u64(tmp + n, frac, frac_digits);
	}
	if (cap == 0)
		return 0;
	if (n + 1 > cap) {
		buf[0] = '\0';
		return 0;
	}
	memcpy(buf, tmp, n);
	buf[n] = '\0';
	return n;
}

/* ---- arithmetic ---------------------------------------------------------- */

int ft_amount_add(ft_amount *out, ft_amount a, ft_amount b)
{
	ft_amount r;

	if (__builtin_add_overflow(a, b, &r))
		return FT_EOVERFLOW;
	*out = r;
	return 0;
}

int ft_amount_sub(ft_amount *out, ft_amount a, ft_amount b)
{
	ft_amount r;

	if (__builtin_sub_overflow(a, b, &r))
		return FT_EOVERFLOW;
	*out = r;
	return 0;
}

int ft_amount_mul_int(ft_amount *out, ft_amount a, int64_t n)
{
	ft_amount r;

	if (__builtin_mul_overflow(a, (ft_amount)n, &r))
		return FT_EOVERFLOW;
	*out = r;
	return 0;
}

int ft_amount_mul_ratio(ft_amount *out, ft_amount *remainder, ft_amount a, ft_amount ratio)
{
	/* Work on magnitudes: |a|·|ratio| < 2^254 in units of 10^-24, then
	 * divide by 10^12 to get units of 10^-12. */
	struct u256 prod = u256_mul(magnitude(a), magnitude(ratio));
	struct u256 q, r;
	bool negative = (a < 0) != (ratio < 0);
	ft_amount result, rem;

	/* Nearly every product fits 128 bits (amounts below 10^13 units
	 * times rates below 10): one 128-bit division then, not the 256-bit
	 * long division — a run does this twice for each of millions of rows. */
	if (prod.hi == 0) {
		q = u256_from(prod.lo / ONE_U);
		r = u256_from(prod.lo % ONE_U);
	} else {
		u256_divmod(&q, &r, prod, u256_from(ONE_U));
	}
	if (q.hi != 0)
		return FT_EOVERFLOW;
	if (!negative || u256_is_zero(prod)) {
		if (q.lo > U128_TOP - 1)
			return FT_EOVERFLOW;
		result = (ft_amount)q.lo;
		rem = (ft_amount)r.lo;
	} else if (r.lo == 0) {
		if (q.lo > U128_TOP)
			return FT_EOVERFLOW;
		result = negated(q.lo);
		rem = 0;
	} else {
		/* -(q + r/10^12) = -(q + 1) + (10^12 - r)/10^12: flooring a
		 * negative product takes one more unit and leaves a positive
		 * remainder, so 0 <= remainder < 10^12 holds for every sign. */
		if (q.lo > U128_TOP - 1)
			return FT_EOVERFLOW;
		result = negated(q.lo + 1);
		rem = (ft_amount)(ONE_U - r.lo);
	}
	*out = result;
	if (remainder)
		*remainder = rem;
	return 0;
}

int ft_amount_round_minor(ft_amount *rounded, ft_amount *remainder, ft_amount amount,
			  int minor_units)
{
	ft_amount unit, q, r, result;

	if (minor_units < 0 || minor_units > FT_AMOUNT_SCALE)
		return FT_EINVAL;
	unit = (ft_amount)pow10_u64[FT_AMOUNT_SCALE - minor_units];
	/* C division truncates toward zero; step down once for a negative
	 * remainder to floor instead (payable money always rounds down). */
	q = amount / unit;
	r = amount % unit;
	if (r < 0) {
		r += unit;
		q -= 1;
	}
	/* Only amounts within one minor unit of FT_AMOUNT_MIN can fail here:
	 * their floor lies below the range. */
	if (__builtin_mul_overflow(q, unit, &result))
		return FT_EOVERFLOW;
	*rounded = result;
	if (remainder)
		*remainder = r;
	return 0;
}

/* ---- splitting ----------------------------------------------------------- */

/* A part's claim on the leftover units: its division remainder, and its
 * index so ties go to the lowest index and the order is total (qsort is not
 * stable, the comparison must not need it to be). */
struct claim {
	struct u256 rem;
	size_t index;
};

static int claim_cmp(const void *pa, const void *pb)
{
	const struct claim *a = pa, *b = pb;
	int c = u256_cmp(b->rem, a->rem); /* larger remainder first */

	if (c)
		return c;
	return (a->index > b->index) - (a->index < b->index);
}

/* Claims for up to this many parts live on the stack: the split of one
 * royalty among its payees never allocates. */
#define SPLIT_STACK_PARTS 32

/*
 * Split the magnitude `total` (>= 0, in some unit) into parts by weight, by
 * the largest-remainder method, writing part magnitudes (as u128) into
 * mags[].  sum_w = W = Σ weights, validated and non-zero (sum_weights).
 *
 * parts_i = floor(total·w_i / W).  Each cut is r_i / W of a unit with
 * 0 <= r_i < W, and Σ r_i = (total − Σ parts_i)·W, so the leftover L is a
 * whole number below the count of parts with r_i > 0: handing one unit to
 * each of the L largest r_i restores the total and never reaches a part whose
 * weight is zero (its r_i is 0).
 */
static int split_magnitude(u128 *mags, u128 total, const ft_amount *weights, size_t n,
			   struct u256 sum_w, struct ft_error *err)
{
	struct claim stack_claims[SPLIT_STACK_PARTS];
	struct claim *claims = stack_claims;
	u128 given = 0, leftover;

	if (n > SPLIT_STACK_PARTS) {
		if (n > SIZE_MAX / sizeof(*claims))
			return ft_error_set(err, FT_ENOMEM, "split: %zu parts is too many", n);
		claims = malloc(n * sizeof(*claims));
		if (!claims)
			return ft_error_set(err, FT_ENOMEM, "split: out of memory for %zu parts",
					    n);
	}
	for (size_t i = 0; i < n; i++) {
		struct u256 q;

		u256_divmod(&q, &claims[i].rem, u256_mul(total, (u128)weights[i]), sum_w);
		claims[i].index = i;
		/* q <= total because w_i <= W. */
		mags[i] = q.lo;
		given += q.lo;
	}
	leftover = total - given;
	if (leftover) {
		/* leftover < n, so it fits a size_t. */
		qsort(claims, n, sizeof(*claims), claim_cmp);
		for (size_t k = 0; k < (size_t)leftover; k++)
			mags[claims[k].index] += 1;
	}
	if (claims != stack_claims)
		free(claims);
	return 0;
}

/* W = Σ weights in 256 bits (n huge weights cannot overflow it), after
 * checking that every weight is >= 0 and W > 0. */
static int sum_weights(struct u256 *sum_w, const ft_amount *weights, size_t n, struct ft_error *err)
{
	struct u256 sum = {0, 0};

	if (n == 0)
		return ft_error_set(err, FT_EINVAL, "split: no parts (n is 0)");
	for (size_t i = 0; i < n; i++) {
		if (weights[i] < 0) {
			char w[FT_AMOUNT_STR_MAX];

			ft_amount_format(w, sizeof(w), weights[i], 0);
			return ft_error_set(err, FT_EINVAL,
					    "split: weight %zu is negative (%s); weights must be "
					    "0 or more",
					    i + 1, w);
		}
		sum = u256_add(sum, u256_from((u128)weights[i]));
	}
	if (u256_is_zero(sum))
		return ft_error_set(
		    err, FT_EINVAL,
		    "split: all %zu weights are zero; at least one must be positive", n);
	*sum_w = sum;
	return 0;
}

/* Split total (a whole number of `unit`s) in steps of `unit`. */
static int split_in_units(ft_amount *parts, ft_amount total, const ft_amount *weights, size_t n,
			  u128 unit, struct ft_error *err)
{
	u128 *mags = (u128 *)parts; /* same size; each slot is rewritten in place */
	u128 units = magnitude(total) / unit;
	struct u256 sum_w;
	int rc;

	_Static_assert(sizeof(u128) == sizeof(ft_amount), "parts reused as magnitudes");
	rc = sum_weights(&sum_w, weights, n, err);
	if (rc)
		return rc;
	rc = split_magnitude(mags, units, weights, n, sum_w, err);
	if (rc)
		return rc;
	/* Each part is at most |total|, so scaling back and negating fit. */
	for (size_t i = 0; i < n; i++) {
		u128 m = mags[i] * unit;

		parts[i] = total < 0 ? negated(m) : (ft_amount)m;
	}
	return 0;
}

int ft_amount_split(ft_amount *parts, ft_amount total, const ft_amount *weights, size_t n,
		    struct ft_error *err)
{
	return split_in_units(parts, total, weights, n, 1, err);
}

int ft_amount_split_minor(ft_amount *parts, ft_amount total, const ft_amount *weights, size_t n,
			  int minor_units, struct ft_error *err)
{
	u128 unit;

	if (minor_units < 0 || minor_units > FT_AMOUNT_SCALE)
		return ft_error_set(err, FT_EINVAL, "split: minor_units %d is outside 0..12",
				    minor_units);
	unit = pow10_u64[FT_AMOUNT_SCALE - minor_units];
	if (magnitude(total) % unit != 0) {
		char t[FT_AMOUNT_STR_MAX];

		ft_amount_format(t, sizeof(t), total, 0);
		return ft_error_set(err, FT_EINVAL,
				    "split: total %s is not a whole number of minor units (%d "
				    "digits); round it with ft_amount_round_minor first",
				    t, minor_units);
	}
	return split_in_units(parts, total, weights, n, unit, err);
}
