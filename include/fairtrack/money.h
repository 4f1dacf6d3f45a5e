/*
 * fairtrack — exact money.
 *
 * An ft_amount is a signed fixed-point decimal: a 128-bit integer counting
 * units of 10^-12 (FT_AMOUNT_SCALE fractional digits).  Twelve digits hold
 * every revenue figure DSPs report (DistroKid's 12, DSR's up to 10-12) and the
 * integer part still reaches ±1.7e26, far beyond any catalogue's income, so
 * sums of hundreds of millions of lines never overflow in practice — and when
 * they would, every operation here says so (FT_EOVERFLOW) instead of wrapping.
 *
 * There is no floating point anywhere in this module.  Rates and percentages
 * are ft_amounts too (15 % is 0.15, an FX rate 1.0834 is 1.0834).
 *
 * Where an exact result needs more than 12 fractional digits (a product of
 * two amounts, a rounding to a currency's minor unit), the function returns
 * the part that fits and hands back the remainder, so callers can carry it
 * forward: nothing is lost quietly.
 */
#ifndef FAIRTRACK_MONEY_H
#define FAIRTRACK_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "fairtrack/error.h"

typedef __int128 ft_amount;

#define FT_AMOUNT_SCALE 12
#define FT_AMOUNT_ONE ((ft_amount)1000000000000LL) /* 1.000000000000 */
/* The range: 2^127 - 1 and -2^127 units, ±170141183460469231731687303.7158841057… */
#define FT_AMOUNT_MAX ((ft_amount)(((unsigned __int128)1 << 127) - 1))
#define FT_AMOUNT_MIN (-FT_AMOUNT_MAX - 1)
/* Longest text ft_amount_format can produce, with the sign and NUL. */
#define FT_AMOUNT_STR_MAX 48

/*
 * Parse a decimal string of exactly len bytes: optional sign ('+' or '-'),
 * digits, optional '.' and up to 12 fractional digits.  ".5", "5." and "-0.5"
 * are accepted; "", "-", ".", "1e5", "1,5", " 1", "0x10", more than 12
 * fractional digits (unless they are all trailing zeros) and values beyond
 * the range are rejected with a message that says which rule was broken,
 * quoting the input: "amount '12,50': ',' is not a decimal point (use '.' as
 * the decimal point)".  FT_EOVERFLOW for a value beyond the range, FT_EINVAL
 * for everything else; *out is untouched on failure.  No allocation.
 */
int ft_amount_parse(ft_amount *out, const char *text, size_t len, struct ft_error *err);

/*
 * Write `amount` as a decimal into buf (cap bytes, FT_AMOUNT_STR_MAX is always
 * enough).  Trailing fractional zeros are dropped, but at least
 * min_frac_digits (0..12) fractional digits are kept: format(1.5, 2) is
 * "1.50", format(2, 0) is "2", format(-0.25, 0) is "-0.25".  Returns the
 * length written (without NUL), or 0 if cap is too small (buf then holds ""
 * when cap > 0).  min_frac_digits outside 0..12 is clamped.  The output
 * parses back to the same amount.
 */
size_t ft_amount_format(char *buf, size_t cap, ft_amount amount, int min_frac_digits);

/* Checked arithmetic: 0, or FT_EOVERFLOW leaving *out untouched. */
int ft_amount_add(ft_amount *out, ft_amount a, ft_amount b);
int ft_amount_sub(ft_amount *out, ft_amount a, ft_amount b);
/* amount × an integer count (units, shares). */
int ft_amount_mul_int(ft_amount *out, ft_amount a, int64_t n);

/*
 * amount × ratio, where ratio is itself an ft_amount (a percentage as a
 * fraction, an exchange rate).  The exact product has 24 fractional digits;
 * *out gets it rounded toward negative infinity to 12, and *remainder (may be
 * NULL) gets what was cut, in units of 10^-24, always 0 <= remainder < 10^12.
 * So  a × ratio = out + remainder × 10^-24  exactly.  The intermediate product
 * is 256-bit; FT_EOVERFLOW only when *out itself would not fit.
 */
int ft_amount_mul_ratio(ft_amount *out, ft_amount *remainder, ft_amount a, ft_amount ratio);

/*
 * Split `total` into n parts proportional to non-negative weights (at least
 * one positive), by the largest-remainder method at the resolution of one
 * unit of 10^-12: parts[i] = floor(total × w_i / Σw) plus one unit for the
 * parts with the largest remainders (ties to the lowest index) until the sum
 * is exactly total.  Σ parts == total always, including negative totals
 * (a negative total is split as the negation of the positive split).
 * FT_EINVAL if n == 0 or all weights are zero or any is negative; FT_ENOMEM
 * if n > 32 and the scratch array (48 bytes a part) cannot be allocated.
 * Parts with weight 0 always get 0.
 */
int ft_amount_split(ft_amount *parts, ft_amount total, const ft_amount *weights, size_t n,
		    struct ft_error *err);

/*
 * Same, but distributing at the resolution of a currency's minor unit
 * (minor_units = 2 for EUR: cents): every part is a whole number of cents
 * and the total must be one too (FT_EINVAL otherwise, and for minor_units
 * outside 0..12).  100.00 in thirds is 33.34, 33.33, 33.33.
 */
int ft_amount_split_minor(ft_amount *parts, ft_amount total, const ft_amount *weights, size_t n,
			  int minor_units, struct ft_error *err);

/*
 * Round down (toward negative infinity) to a currency's minor unit
 * (0..12 digits: JPY 0, EUR 2, BHD 3).  *rounded + *remainder == amount and
 * 0 <= *remainder < one minor unit.  Used only when money is paid or stated;
 * the remainder is carried forward in the payee's balance.  remainder may be
 * NULL.  FT_EINVAL if minor_units is outside 0..12; FT_EOVERFLOW only for
 * amounts within one minor unit of FT_AMOUNT_MIN, whose floor is out of range.
 */
int ft_amount_round_minor(ft_amount *rounded, ft_amount *remainder, ft_amount amount,
			  int minor_units);

/* Convenience: integer part and sign helpers for display code. */
static inline int ft_amount_sign(ft_amount a)
{
	return (a > 0) - (a < 0);
}

#endif
