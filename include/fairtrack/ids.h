/*
 * fairtrack — industry identifiers.
 *
 * Parsers for the codes that tie money to music: ISRC (recordings), UPC-A /
 * EAN-13 / GTIN-14 (releases), ISWC (works), ISO 3166-1 alpha-2 territories
 * (plus "WW" for worldwide, and sets with exclusions), ISO 4217 currencies.
 *
 * Every parser takes (text, len), normalises what the standard allows to be
 * written differently (case, hyphens, spaces) and refuses anything else with
 * a message that quotes the input and names the broken rule, e.g.
 *   ISRC 'GB-AB1-26-0001': designation must be 5 digits
 * Output buffers are fixed-size and NUL-terminated.  No allocation.
 */
#ifndef FAIRTRACK_IDS_H
#define FAIRTRACK_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fairtrack/error.h"

#define FT_ISRC_LEN 12
#define FT_GTIN_LEN 14
#define FT_ISWC_LEN 11

/* ISRC: CC-XXX-YY-NNNNN; country 2 letters, registrant 3 alphanumerics, year
 * 2 digits, designation 5 digits.  Hyphens and spaces between parts, lower
 * case accepted; out gets the 12-char upper-case compact form. */
int ft_isrc_parse(char out[FT_ISRC_LEN + 1], const char *text, size_t len, struct ft_error *err);

/* UPC-A (12 digits), EAN-13 (13) or GTIN-14 (14), check digit verified
 * (GS1 mod-10).  Spaces and hyphens ignored.  out gets the digits as written
 * (12, 13 or 14 of them); *kind_out (may be NULL) gets 12, 13 or 14. */
int ft_gtin_parse(char out[FT_GTIN_LEN + 1], int *kind_out, const char *text, size_t len,
		  struct ft_error *err);
/* The same GTIN zero-padded to 14 digits, the form used for matching: a UPC
 * and the EAN-13 "0"+UPC name the same release. */
void ft_gtin_to14(char out[FT_GTIN_LEN + 1], const char *gtin);

/* ISWC: 'T', 9 digits, a check digit; "T-123.456.789-0" or "T1234567890".
 * out gets the compact form "T1234567890". */
int ft_iswc_parse(char out[FT_ISWC_LEN + 1], const char *text, size_t len, struct ft_error *err);

/* ISO 3166-1 alpha-2 code currently assigned, or "WW" (worldwide).  Case
 * folded, surrounding spaces ignored.  Exceptionally reserved "UK" is refused
 * with a hint to use "GB"; an alpha-3 code ("GBR") with a hint naming its
 * alpha-2 twin.  "XK" (Kosovo) is accepted too: not assigned by ISO, but the
 * code DDEX and the DSPs report Kosovo under (docs/internals/IDS.md). */
int ft_territory_parse(char out[3], const char *text, size_t len, struct ft_error *err);
/* The same rule for exactly two bytes (any case): true for what
 * ft_territory_parse accepts, "WW" included. */
bool ft_territory_is_valid(const char code[2]);
/* An ISO 3166-1 alpha-3 code ("GBR", any case; "XKX" for Kosovo) to its
 * alpha-2 twin, for reports that use alpha-3. */
int ft_territory_from_alpha3(char out[3], const char *text, size_t len, struct ft_error *err);

/*
 * A set of territories: "WW", "GB IE", "WW -US -CA", "GB,IE,FR" (space or
 * comma separated; a leading '-' excludes).  Stored as a 26×26 bitmap.
 * The set is the codes included minus the codes excluded, in any order; an
 * exclusion must name an included code, and a set cannot be empty.
 * Contains "WW" only when it holds every territory (a worldwide usage line
 * may include sales in an excluded country).
 */
struct ft_territory_set {
	uint64_t bits[11]; /* 676 bits, index (c0-'A')*26 + (c1-'A') */
};
int ft_territory_set_parse(struct ft_territory_set *out, const char *text, size_t len,
			   struct ft_error *err);
bool ft_territory_set_contains(const struct ft_territory_set *set, const char code[2]);
/* Canonical text: "WW", "WW -CA -US" or "GB IE" (sorted; "WW -…" when the
 * set holds more than half the territories, so equal sets print equal).
 * Writes at most cap - 1 bytes and a NUL; returns the full length as
 * snprintf does.  FT_TERRITORY_SET_STR_MAX always suffices. */
#define FT_TERRITORY_SET_STR_MAX 512
size_t ft_territory_set_format(char *buf, size_t cap, const struct ft_territory_set *set);

/* ISO 4217 active code, upper-cased into out; *minor_units_out (may be NULL)
 * gets its minor unit digits (EUR 2, JPY 0, BHD 3).  A withdrawn code (HRK,
 * BGN, ...) is refused with its replacement named; codes without a minor unit
 * (XAU, XDR, ...) are not accepted. */
int ft_currency_parse(char out[4], int *minor_units_out, const char *text, size_t len,
		      struct ft_error *err);
/* Minor unit digits of a valid upper-case code, or -1 when unknown. */
int ft_currency_minor_units(const char *code);

#endif
