/*
 * fairtrack — accounting periods.
 *
 * A period is a run of whole calendar months: a month ("2026-10"), a quarter
 * ("2026-Q4"), a half year ("2026-H2") or a year ("2026").  Usage is dated by
 * month (reports state the sales month); a period contains a month when the
 * month falls inside it.  Months are counted as year × 12 + (month − 1), so
 * comparing and stepping periods is integer arithmetic.
 */
#ifndef FAIRTRACK_PERIOD_H
#define FAIRTRACK_PERIOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fairtrack/error.h"

struct ft_period {
	int first; /* first month, as year*12 + month-1 */
	int months; /* 1, 3, 6 or 12 */
};

#define FT_PERIOD_STR_MAX 16

/* "2026-10", "2026-Q4", "2026-H2", "2026" (years 1900..9999). */
int ft_period_parse(struct ft_period *out, const char *text, size_t len, struct ft_error *err);
/* Canonical text of the forms above; returns the length. */
size_t ft_period_format(char *buf, size_t cap, const struct ft_period *period);

/*
 * A sales month as reports write it, to a month index: "2026-10",
 * "2026-10-31" (day ignored), "202610", "Oct 2026", "October 2026", "10/2026".
 */
int ft_month_parse(int *month_out, const char *text, size_t len, struct ft_error *err);
/* "YYYY-MM" for a month index; buf needs 8 bytes. */
void ft_month_format(char buf[8], int month);

bool ft_period_contains(const struct ft_period *period, int month);
/* The period of the same length right after / before this one. */
struct ft_period ft_period_next(const struct ft_period *period);
struct ft_period ft_period_prev(const struct ft_period *period);

/* An ISO 8601 UTC timestamp "2026-11-25T22:54:40Z" of a Unix time, as the
 * ledger records when things happened; buf holds FT_TIMESTAMP_MAX bytes. */
#define FT_TIMESTAMP_MAX 32
void ft_timestamp_utc(char buf[FT_TIMESTAMP_MAX], int64_t unix_seconds);

#endif
