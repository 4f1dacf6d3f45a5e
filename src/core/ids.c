/*
 * ids.c — industry identifiers (include/fairtrack/ids.h).
 *
 * Each parser reads (text, len) once, drops the separators its standard lets
 * people write (hyphens and spaces; dots too in an ISWC), folds case, and
 * checks the rules in the order a person would fix them, so the first
 * message names the first broken part.  The rules and their sources are in
 * docs/internals/IDS.md.
 *
 * Guarantees: no allocation, no read past len, out always NUL-terminated
 * (empty on error), and every refusal is FT_EINVAL with a message of the form
 *   <kind> '<input as written>': <rule broken>
 * where the input is cut to SHOWN_MAX bytes and control bytes show as '?', so
 * a hostile cell cannot flood or garble a log.
 *
 * What is deliberately not checked: that an ISRC's country code is an ISO
 * 3166-1 country (the ISRC agency hands out prefixes that are not, e.g. QM
 * and QZ for the US, ZZ for itself), that its year is plausible, or that a
 * GTIN's GS1 prefix is assigned.  Those are syntax-valid codes in real
 * catalogues, and refusing them would lose money.
 */
#include "fairtrack/ids.h"

#include <stdio.h>
#include <string.h>

#include "core/iso_codes.h"

#define SHOWN_MAX 40

/* The input as it goes into a message: at most SHOWN_MAX bytes, control
 * bytes replaced, "..." when cut. */
struct shown {
	char text[SHOWN_MAX + 4];
};

static const char *show(struct shown *s, const char *text, size_t len)
{
	size_t i, n = len > SHOWN_MAX ? SHOWN_MAX : len;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];

		s->text[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (len > SHOWN_MAX) {
		memcpy(s->text + n, "...", 3);
		n += 3;
	}
	s->text[n] = '\0';
	return s->text;
}

/* One offending byte, printable or as hex, for "unexpected ..." messages. */
struct shown_byte {
	char text[12];
};

static const char *show_byte(struct shown_byte *s, char c)
{
	unsigned char u = (unsigned char)c;

	if (u > 0x20 && u < 0x7f)
		snprintf(s->text, sizeof(s->text), "'%c'", c);
	else if (u == ' ')
		snprintf(s->text, sizeof(s->text), "a space");
	else
		snprintf(s->text, sizeof(s->text), "byte 0x%02X", u);
	return s->text;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static char to_upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void trim(const char **text, size_t *len)
{
	while (*len > 0 && is_blank(**text))
		(*text)++, (*len)--;
	while (*len > 0 && is_blank((*text)[*len - 1]))
		(*len)--;
}

/* ---------------------------------------------------------------- ISRC */

/*
 * ISO 3901 and ISRC Agency Bulletin 2015/01: 12 characters, country code
 * A-Z A-Z, registrant A-Z/0-9 ×3, year 0-9 ×2, designation 0-9 ×5; lower case
 * read as upper case; hyphens, spaces and a leading "ISRC" are presentation,
 * not part of the code.
 */
#define ISRC_GROUPS_MAX 8

static const struct isrc_part {
	const char *rule;
	size_t start, len;
} isrc_parts[4] = {
    {"country code must be 2 letters", 0, 2},
    {"registrant code must be 3 letters or digits", 2, 3},
    {"year must be 2 digits", 5, 2},
    {"designation must be 5 digits", 7, 5},
};

int ft_isrc_parse(char out[FT_ISRC_LEN + 1], const char *text, size_t len, struct ft_error *err)
{
	char code[16];
	size_t group_len[ISRC_GROUPS_MAX];
	size_t n = 0, groups = 0, cur = 0, i;
	struct shown s;
	struct shown_byte b;

	out[0] = '\0';
	for (i = 0; i < len; i++) {
		char c = to_upper(text[i]);

		if (c == '-' || is_blank(c)) {
			if (cur > 0 && groups < ISRC_GROUPS_MAX)
				group_len[groups] = cur;
			groups += cur > 0;
			cur = 0;
			continue;
		}
		if (!is_upper(c) && !is_digit(c))
			return ft_error_set(err, FT_EINVAL,
					    "ISRC '%s': unexpected %s (an ISRC is letters and "
					    "digits, optionally hyphenated: CC-XXX-YY-NNNNN)",
					    show(&s, text, len), show_byte(&b, text[i]));
		if (n < sizeof(code))
			code[n] = c;
		n++;
		cur++;
	}
	if (cur > 0 && groups < ISRC_GROUPS_MAX)
		group_len[groups] = cur;
	groups += cur > 0;

	if (n == 0)
		return ft_error_set(err, FT_EINVAL, "ISRC '%s': empty", show(&s, text, len));
	/* "ISRC GB-AYE-26-00001": the label, not the code.  Only when exactly
	 * 12 characters remain, since "IS" + "RC1" is a valid start of a code. */
	if (n == 16 && memcmp(code, "ISRC", 4) == 0) {
		memmove(code, code + 4, 12);
		n = 12;
		if (group_len[0] == 4) {
			memmove(group_len, group_len + 1, (ISRC_GROUPS_MAX - 1) * sizeof(size_t));
			groups--;
		} else {
			group_len[0] -= 4;
		}
	}
	/* Written in its four parts: name the part whose length is wrong. */
	if (groups == 4)
		for (i = 0; i < 4; i++)
			if (group_len[i] != isrc_parts[i].len)
				return ft_error_set(err, FT_EINVAL, "ISRC '%s': %s",
						    show(&s, text, len), isrc_parts[i].rule);
	if (n != FT_ISRC_LEN)
		return ft_error_set(err, FT_EINVAL,
				    "ISRC '%s': must be 12 letters and digits (CC-XXX-YY-NNNNN), "
				    "not %zu",
				    show(&s, text, len), n);
	/* Registrant characters are all letters or digits by now. */
	for (i = 0; i < 4; i++) {
		const struct isrc_part *part = &isrc_parts[i];
		size_t j;

		for (j = part->start; j < part->start + part->len; j++)
			if (i == 0 ? !is_upper(code[j]) : i >= 2 && !is_digit(code[j]))
				return ft_error_set(err, FT_EINVAL, "ISRC '%s': %s",
						    show(&s, text, len), part->rule);
	}
	memcpy(out, code, FT_ISRC_LEN);
	out[FT_ISRC_LEN] = '\0';
	return 0;
}

/* ---------------------------------------------------------------- GTIN */

/* GS1 General Specifications §7.9: weights 3,1,3,… from the digit left of
 * the check digit; the check digit tops the sum up to a multiple of 10. */
static int gs1_check_digit(const char *digits, size_t n)
{
	unsigned sum = 0;
	size_t i;

	for (i = 0; i + 1 < n; i++) {
		unsigned d = (unsigned)(digits[n - 2 - i] - '0');

		sum += (i % 2 == 0) ? 3 * d : d;
	}
	return (int)((10 - sum % 10) % 10);
}

static const char *gtin_kind(size_t n)
{
	return n == 12 ? "UPC-A" : n == 13 ? "EAN-13" : "GTIN-14";
}

int ft_gtin_parse(char out[FT_GTIN_LEN + 1], int *kind_out, const char *text, size_t len,
		  struct ft_error *err)
{
	char digits[FT_GTIN_LEN];
	size_t n = 0, i;
	struct shown s;
	struct shown_byte b;
	int want;

	out[0] = '\0';
	if (kind_out)
		*kind_out = 0;
	for (i = 0; i < len; i++) {
		char c = text[i];

		if (c == '-' || is_blank(c))
			continue;
		if (!is_digit(c)) {
			int sci = c == '.' || c == ',' || c == 'E' || c == 'e' || c == '+';

			return ft_error_set(err, FT_EINVAL, "GTIN '%s': unexpected %s (%s)",
					    show(&s, text, len), show_byte(&b, c),
					    sci ? "a spreadsheet may have written it as a number; "
						  "format the column as text"
						: "a UPC/EAN is digits only");
		}
		if (n < FT_GTIN_LEN)
			digits[n] = c;
		n++;
	}
	if (n == 0)
		return ft_error_set(err, FT_EINVAL, "GTIN '%s': empty", show(&s, text, len));
	if (n < 12 || n > 14)
		return ft_error_set(err, FT_EINVAL,
				    "GTIN '%s': must be 12 (UPC-A), 13 (EAN-13) or 14 (GTIN-14) "
				    "digits, not %zu%s",
				    show(&s, text, len), n,
				    n < 12 ? " (a spreadsheet may have dropped leading zeros)"
					   : "");
	want = gs1_check_digit(digits, n);
	if (digits[n - 1] - '0' != want)
		return ft_error_set(err, FT_EINVAL, "%s '%s': check digit should be %d, not %c",
				    gtin_kind(n), show(&s, text, len), want, digits[n - 1]);
	memcpy(out, digits, n);
	out[n] = '\0';
	if (kind_out)
		*kind_out = (int)n;
	return 0;
}

void ft_gtin_to14(char out[FT_GTIN_LEN + 1], const char *gtin)
{
	size_t n = strnlen(gtin, FT_GTIN_LEN);
	size_t pad = FT_GTIN_LEN - n;

	memset(out, '0', pad);
	memcpy(out + pad, gtin, n);
	out[FT_GTIN_LEN] = '\0';
}

/* ---------------------------------------------------------------- ISWC */

/* ISO 15707 / CISAC: check = (10 - (1 + Σ i·d_i, i = 1..9) mod 10) mod 10,
 * where the 1 stands for the prefix 'T'. */
static int iswc_check_digit(const char *digits)
{
	unsigned sum = 1;
	unsigned i;

	for (i = 1; i <= 9; i++)
		sum += i * (unsigned)(digits[i - 1] - '0');
	return (int)((10 - sum % 10) % 10);
}

int ft_iswc_parse(char out[FT_ISWC_LEN + 1], const char *text, size_t len, struct ft_error *err)
{
	char digits[10];
	size_t n = 0, i;
	int seen_t = 0, want;
	struct shown s;
	struct shown_byte b;

	out[0] = '\0';
	for (i = 0; i < len; i++) {
		char c = text[i];

		if (c == '-' || c == '.' || is_blank(c))
			continue;
		if (!seen_t) {
			if (to_upper(c) != 'T')
				return ft_error_set(
				    err, FT_EINVAL,
				    "ISWC '%s': must start with 'T' (T-123.456.789-0)",
				    show(&s, text, len));
			seen_t = 1;
			continue;
		}
		if (!is_digit(c))
			return ft_error_set(err, FT_EINVAL,
					    "ISWC '%s': unexpected %s (after 'T' come 10 digits)",
					    show(&s, text, len), show_byte(&b, c));
		if (n < sizeof(digits))
			digits[n] = c;
		n++;
	}
	if (!seen_t)
		return ft_error_set(err, FT_EINVAL, "ISWC '%s': empty", show(&s, text, len));
	if (n != 10)
		return ft_error_set(err, FT_EINVAL,
				    "ISWC '%s': must be 'T' and 10 digits (T-123.456.789-0), not "
				    "%zu digits",
				    show(&s, text, len), n);
	want = iswc_check_digit(digits);
	if (digits[9] - '0' != want)
		return ft_error_set(err, FT_EINVAL, "ISWC '%s': check digit should be %d, not %c",
				    show(&s, text, len), want, digits[9]);
	out[0] = 'T';
	memcpy(out + 1, digits, 10);
	out[FT_ISWC_LEN] = '\0';
	return 0;
}

/* ---------------------------------------------------------- territories */

/*
 * Valid territories: the 249 assigned ISO 3166-1 alpha-2 codes, plus XK.
 * XK (Kosovo) is a user-assigned code, not ISO's, but the European
 * Commission, DDEX and the major DSPs report Kosovo under it; refusing it
 * would reject whole Spotify and Apple reports.  "WW" is not a territory of
 * its own: it means all of them.
 */
static int territory_known(const char *code)
{
	return (code[0] == 'X' && code[1] == 'K') || ft_iso3166_alpha2_known(code);
}

/* Why code[0..len) (trimmed) is not a territory; NULL when it is, with the
 * upper-cased code in out.  ww_ok: "WW" accepted. */
static const char *territory_problem(char out[3], const char *code, size_t len, int ww_ok,
				     char *hint, size_t hint_cap)
{
	char up[3];
	size_t i;

	if (len == 0)
		return "empty";
	for (i = 0; i < len; i++)
		if (!is_upper(to_upper(code[i])))
			return "must be 2 letters (ISO 3166-1 alpha-2)";
	if (len == 3) {
		char a3[3] = {to_upper(code[0]), to_upper(code[1]), to_upper(code[2])};
		const char *a2 = ft_iso3166_alpha2_of_alpha3(a3);

		if (a2) {
			snprintf(hint, hint_cap,
				 "must be 2 letters (ISO 3166-1 alpha-2): use '%.2s' for '%.3s'",
				 a2, a3);
			return hint;
		}
	}
	if (len != 2)
		return "must be 2 letters (ISO 3166-1 alpha-2)";
	up[0] = to_upper(code[0]);
	up[1] = to_upper(code[1]);
	up[2] = '\0';
	if (up[0] == 'W' && up[1] == 'W') {
		if (!ww_ok)
			return "'WW' (worldwide) is not a single territory here";
	} else if (up[0] == 'U' && up[1] == 'K') {
		return "not an ISO 3166-1 code; use 'GB' for the United Kingdom";
	} else if (up[0] == 'E' && up[1] == 'U') {
		return "not a country code; list the member states";
	} else if (!territory_known(up)) {
		return "not an assigned ISO 3166-1 alpha-2 code (or 'WW' for worldwide)";
	}
	memcpy(out, up, 3);
	return NULL;
}

int ft_territory_parse(char out[3], const char *text, size_t len, struct ft_error *err)
{
	const char *code = text;
	size_t code_len = len;
	const char *problem;
	char hint[96];
	struct shown s;

	out[0] = '\0';
	trim(&code, &code_len);
	problem = territory_problem(out, code, code_len, 1, hint, sizeof(hint));
	if (problem)
		return ft_error_set(err, FT_EINVAL, "territory '%s': %s", show(&s, text, len),
				    problem);
	return 0;
}

bool ft_territory_is_valid(const char code[2])
{
	char up[2];

	up[0] = to_upper(code[0]);
	up[1] = to_upper(code[1]);
	if (!is_upper(up[0]) || !is_upper(up[1]))
		return false;
	return (up[0] == 'W' && up[1] == 'W') || territory_known(up);
}

int ft_territory_from_alpha3(char out[3], const char *text, size_t len, struct ft_error *err)
{
	const char *code = text;
	size_t code_len = len;
	char up[3];
	const char *a2;
	struct shown s;
	size_t i;

	out[0] = '\0';
	trim(&code, &code_len);
	if (code_len != 3)
		return ft_error_set(err, FT_EINVAL,
				    "territory '%s': must be 3 letters (ISO 3166-1 alpha-3)",
				    show(&s, text, len));
	for (i = 0; i < 3; i++)
		up[i] = to_upper(code[i]);
	if (up[0] == 'X' && up[1] == 'K' && up[2] == 'X') {
		a2 = "XK"; /* Kosovo's user-assigned alpha-3 twin */
	} else {
		a2 = ft_iso3166_alpha2_of_alpha3(up);
		if (!a2)
			return ft_error_set(
			    err, FT_EINVAL,
			    "territory '%s': not an assigned ISO 3166-1 alpha-3 code",
			    show(&s, text, len));
	}
	out[0] = a2[0];
	out[1] = a2[1];
	out[2] = '\0';
	return 0;
}

/* ------------------------------------------------------ territory sets */

static size_t bit_index(const char *code)
{
	return (size_t)(code[0] - 'A') * 26 + (size_t)(code[1] - 'A');
}

static void set_bit(struct ft_territory_set *set, const char *code)
{
	size_t i = bit_index(code);

	set->bits[i / 64] |= (uint64_t)1 << (i % 64);
}

static bool has_bit(const struct ft_territory_set *set, const char *code)
{
	size_t i = bit_index(code);

	return (set->bits[i / 64] >> (i % 64)) & 1;
}

/* Every valid territory in alphabetical order: the ISO list with XK merged
 * in.  i runs 0..N_TERRITORIES-1. */
#define N_TERRITORIES (FT_ISO3166_COUNT + 1)
#define XK_POSITION 244 /* after WS, before YE (checked by test_ids.c) */

static const char *territory_at(size_t i)
{
	if (i < XK_POSITION)
		return ft_iso3166_alpha2_at(i);
	if (i == XK_POSITION)
		return "XK";
	return ft_iso3166_alpha2_at(i - 1);
}

static void set_all(struct ft_territory_set *set)
{
	size_t i;

	for (i = 0; i < N_TERRITORIES; i++)
		set_bit(set, territory_at(i));
}

static size_t set_count(const struct ft_territory_set *set)
{
	size_t i, n = 0;

	for (i = 0; i < N_TERRITORIES; i++)
		n += has_bit(set, territory_at(i));
	return n;
}

static int is_set_separator(char c)
{
	return c == ',' || is_blank(c);
}

/*
 * The set is (the union of the codes included) minus (the union of those
 * excluded), whatever their order: "-US WW" is "WW -US".  An exclusion must
 * name something included, so a typo cannot silently widen a contract.
 */
int ft_territory_set_parse(struct ft_territory_set *out, const char *text, size_t len,
			   struct ft_error *err)
{
	struct ft_territory_set include, exclude;
	size_t pos = 0, i, n_include = 0, n_exclude = 0;
	struct shown s, tok;
	char hint[96];

	memset(out, 0, sizeof(*out));
	memset(&include, 0, sizeof(include));
	memset(&exclude, 0, sizeof(exclude));
	for (;;) {
		size_t start, tok_len;
		int minus = 0;
		char code[3];
		const char *problem;

		while (pos < len && is_set_separator(text[pos]))
			pos++;
		if (pos >= len)
			break;
		start = pos;
		while (pos < len && !is_set_separator(text[pos]))
			pos++;
		tok_len = pos - start;
		if (text[start] == '-' || text[start] == '+') {
			minus = text[start] == '-';
			start++;
			tok_len--;
		}
		problem =
		    territory_problem(code, text + start, tok_len, !minus, hint, sizeof(hint));
		if (problem) {
			if (minus && tok_len == 2 && to_upper(text[start]) == 'W' &&
			    to_upper(text[start + 1]) == 'W')
				problem = "cannot exclude 'WW'";
			return ft_error_set(err, FT_EINVAL, "territory set '%s': '%s': %s",
					    show(&s, text, len), show(&tok, text + start, tok_len),
					    problem);
		}
		if (minus) {
			set_bit(&exclude, code);
			n_exclude++;
		} else {
			if (code[0] == 'W' && code[1] == 'W')
				set_all(&include);
			else
				set_bit(&include, code);
			n_include++;
		}
	}
	if (n_include == 0)
		return ft_error_set(err, FT_EINVAL, "territory set '%s': %s", show(&s, text, len),
				    n_exclude ? "only exclusions (write 'WW -US' for the world "
						"but the US)"
					      : "empty (write 'WW' for worldwide)");
	for (i = 0; i < N_TERRITORIES; i++) {
		const char *code = territory_at(i);

		if (has_bit(&exclude, code) && !has_bit(&include, code))
			return ft_error_set(err, FT_EINVAL,
					    "territory set '%s': excludes '%.2s', which it does "
					    "not include",
					    show(&s, text, len), code);
	}
	for (i = 0; i < sizeof(out->bits) / sizeof(out->bits[0]); i++)
		out->bits[i] = include.bits[i] & ~exclude.bits[i];
	if (set_count(out) == 0) {
		memset(out, 0, sizeof(*out));
		return ft_error_set(err, FT_EINVAL,
				    "territory set '%s': excludes everything it includes",
				    show(&s, text, len));
	}
	return 0;
}

bool ft_territory_set_contains(const struct ft_territory_set *set, const char code[2])
{
	char up[2];

	up[0] = to_upper(code[0]);
	up[1] = to_upper(code[1]);
	if (!is_upper(up[0]) || !is_upper(up[1]))
		return false;
	/* A worldwide usage line belongs to a set only if the set is the world:
	 * it may include sales in any excluded country. */
	if (up[0] == 'W' && up[1] == 'W')
		return set_count(set) == N_TERRITORIES;
	/* A set holds only known territories (ft_territory_set_parse sets no
	 * other bit), so an unknown code has no bit: no need to look it up in
	 * the ISO list, on the engine's hot path. */
	return has_bit(set, up);
}

/* Append to buf like snprintf does: count everything, write what fits. */
static void append(char *buf, size_t cap, size_t *len, const char *text, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++, (*len)++)
		if (*len + 1 < cap)
			buf[*len] = text[i];
}

size_t ft_territory_set_format(char *buf, size_t cap, const struct ft_territory_set *set)
{
	size_t count = set_count(set), len = 0, i;
	/* More than half the world is shorter written as exclusions; the
	 * threshold makes the canonical text unique for every set. */
	bool as_world = count * 2 > N_TERRITORIES;

	if (as_world)
		append(buf, cap, &len, "WW", 2);
	for (i = 0; i < N_TERRITORIES; i++) {
		const char *code = territory_at(i);

		if (has_bit(set, code) == as_world)
			continue;
		if (len > 0)
			append(buf, cap, &len, " ", 1);
		if (as_world)
			append(buf, cap, &len, "-", 1);
		append(buf, cap, &len, code, 2);
	}
	if (cap > 0)
		buf[len < cap ? len : cap - 1] = '\0';
	return len;
}

/* ----------------------------------------------------------- currencies */

int ft_currency_parse(char out[4], int *minor_units_out, const char *text, size_t len,
		      struct ft_error *err)
{
	const char *code = text;
	size_t code_len = len;
	char up[4];
	const char *replacement, *since = "";
	int minor;
	struct shown s;
	size_t i;

	out[0] = '\0';
	if (minor_units_out)
		*minor_units_out = -1;
	trim(&code, &code_len);
	if (code_len == 0)
		return ft_error_set(err, FT_EINVAL, "currency '%s': empty", show(&s, text, len));
	if (code_len != 3)
		return ft_error_set(
		    err, FT_EINVAL,
		    "currency '%s': must be a 3-letter ISO 4217 code (EUR, USD, ...)",
		    show(&s, text, len));
	for (i = 0; i < 3; i++) {
		up[i] = to_upper(code[i]);
		if (!is_upper(up[i]))
			return ft_error_set(err, FT_EINVAL,
					    "currency '%s': must be a 3-letter ISO 4217 code (EUR, "
					    "USD, ...)",
					    show(&s, text, len));
	}
	up[3] = '\0';
	minor = ft_iso4217_minor_units(up);
	if (minor < 0) {
		replacement = ft_iso4217_replacement(up, &since);
		if (replacement)
			return ft_error_set(err, FT_EINVAL,
					    "currency '%s': withdrawn in %s; use %s",
					    show(&s, text, len), since, replacement);
		return ft_error_set(err, FT_EINVAL, "currency '%s': not an active ISO 4217 code",
				    show(&s, text, len));
	}
	memcpy(out, up, 4);
	if (minor_units_out)
		*minor_units_out = minor;
	return 0;
}

int ft_currency_minor_units(const char *code)
{
	if (strnlen(code, 4) != 3)
		return -1;
	return ft_iso4217_minor_units(code);
}
