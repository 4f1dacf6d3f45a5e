/*
 * iso_codes.h — the ISO 3166-1 and ISO 4217 tables behind ids.c (internal).
 *
 * Codes here are always exactly 2 or 3 upper-case ASCII letters; callers
 * normalise first.  Lookups are binary searches over sorted constant tables:
 * no allocation, no initialisation, safe from any thread.
 */
#ifndef FAIRTRACK_CORE_ISO_CODES_H
#define FAIRTRACK_CORE_ISO_CODES_H

#include <stdbool.h>
#include <stddef.h>

/* The number of assigned ISO 3166-1 alpha-2 codes (249) and the i-th of them
 * in alphabetical order (2 letters, not NUL-terminated). */
#define FT_ISO3166_COUNT 249
const char *ft_iso3166_alpha2_at(size_t i);

/* Whether code[0..2) is an assigned alpha-2 code ("WW" is not). */
bool ft_iso3166_alpha2_known(const char *code);

/* The alpha-2 code (2 letters, not NUL-terminated) of an assigned alpha-3
 * code, or NULL. */
const char *ft_iso3166_alpha2_of_alpha3(const char *code);

/* Minor unit digits of an active ISO 4217 code[0..3), or -1. */
int ft_iso4217_minor_units(const char *code);

/* For a withdrawn ISO 4217 code that reports still carry, the code that
 * replaced it and since when ("EUR", "2023-01"); NULL when not listed. */
const char *ft_iso4217_replacement(const char *code, const char **since);

#endif
