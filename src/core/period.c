/*
 * period.c — accounting periods and sales months (see fairtrack/period.h).
 *
 * Parsing is strict: a period string has exactly one spelling, so two people
 * naming the same period always produce the same ledger key.  Sales months
 * are more forgiving because reports spell them in many ways; each accepted
 * spelling is listed in the header and tested.
 */
#include "fairtrack/period.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static int digits(const char *s, size_t n, int *out)
{
	int v = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int year_ok(int year) { return year >= 1900 && year <= 9999; }

int ft_period_parse(struct ft_period *out, const char *text, size_t len, struct ft_error *err)
{
	int year, n;

	if (len < 4 || digits(text, 4, &year) != 0 || !year_ok(year))
		goto bad;
	if (len == 4) {
		out->first = year * 12;
		out->months = 12;
		return 0;
	}
	if (text[4] != '-' || len != 7)
		goto bad;
	if (text[5] == 'Q' || text[5] == 'q') {
		if (digits(text + 6, 1, &n) != 0 || n < 1 || n > 4)
			goto bad;
		out->first = year * 12 + (n - 1) * 3;
		out->months = 3;
		return 0;
	}
	if (text[5] == 'H' || text[5] == 'h') {
		if (digits(text + 6, 1, &n) != 0 || n < 1 || n > 2)
			goto bad;
		out->first = year * 12 + (n - 1) * 6;
		out->months = 6;
		return 0;
	}
	if (digits(text + 5, 2, &n) != 0 || n < 1 || n > 12)
		goto bad;
	out->first = year * 12 + n - 1;
	out->months = 1;
	return 0;
bad:
	return ft_error_set(err, FT_EINVAL,
			    "period '%.*s': expected a month (2026-10), quarter (2026-Q4), "
			    "half year (2026-H2) or year (2026)",
			    (int)(len > 40 ? 40 : len), text);
}

size_t ft_period_format(char *buf, size_t cap, const struct ft_period *p)
{
	int year = p->first / 12, month = p->first % 12;
	int n;

	switch (p->months) {
	case 12: n = snprintf(buf, cap, "%04d", year); break;
	case 6: n = snprintf(buf, cap, "%04d-H%d", year, month / 6 + 1); break;
	case 3: n = snprintf(buf, cap, "%04d-Q%d", year, month / 3 + 1); break;
	default: n = snprintf(buf, cap, "%04d-%02d", year, month + 1); break;
	}
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

static const char *const month_names[12] = {"january", "february", "march",     "april",
					    "may",     "june",     "july",      "august",
					    "september", "october", "november", "december"};

/* "Oct" or "October" (any case) → 1..12, else 0. */
static int month_by_name(const char *s, size_t n)
{
	int m;

	for (m = 0; m < 12; m++) {
		size_t full = strlen(month_names[m]);

		if ((n == 3 || n == full) && n <= full && strncasecmp(s, month_names[m], n) == 0)
			return m + 1;
	}
	return 0;
}

int ft_month_parse(int *month_out, const char *text, size_t len, struct ft_error *err)
{
	int year, month, day;
	const char *space;

	/* YYYY-MM and YYYY-MM-DD */
	if ((len == 7 || len == 10) && text[4] == '-' && digits(text, 4, &year) == 0 &&
	    digits(text + 5, 2, &month) == 0 &&
	    (len == 7 || (text[7] == '-' && digits(text + 8, 2, &day) == 0 && day >= 1 &&
			  day <= 31)))
		goto check;
	/* YYYYMM */
	if (len == 6 && digits(text, 4, &year) == 0 && digits(text + 4, 2, &month) == 0)
		goto check;
	/* MM/YYYY and M/YYYY */
	if ((len == 7 && text[2] == '/' && digits(text, 2, &month) == 0 &&
	     digits(text + 3, 4, &year) == 0) ||
	    (len == 6 && text[1] == '/' && digits(text, 1, &month) == 0 &&
	     digits(text + 2, 4, &year) == 0))
		goto check;
	/* "Oct 2019", "October 2019" */
	space = memchr(text, ' ', len);
	if (space && (size_t)(text + len - space) == 5 && digits(space + 1, 4, &year) == 0) {
		month = month_by_name(text, (size_t)(space - text));
		if (month)
			goto check;
	}
	goto bad;
check:
	if (year_ok(year) && month >= 1 && month <= 12) {
		*month_out = year * 12 + month - 1;
		return 0;
	}
bad:
	return ft_error_set(err, FT_EINVAL,
			    "month '%.*s': expected 2026-10, 2026-10-31, 202610, 10/2026 or Oct 2026",
			    (int)(len > 40 ? 40 : len), text);
}

void ft_month_format(char buf[8], int month)
{
	unsigned year = (unsigned)(month / 12) % 10000u, m = (unsigned)(month % 12) + 1u;

	if (month < 0)
		year = 0, m = 1;
	buf[0] = (char)('0' + year / 1000);
	buf[1] = (char)('0' + year / 100 % 10);
	buf[2] = (char)('0' + year / 10 % 10);
	buf[3] = (char)('0' + year % 10);
	buf[4] = '-';
	buf[5] = (char)('0' + m / 10);
	buf[6] = (char)('0' + m % 10);
	buf[7] = '\0';
}

bool ft_period_contains(const struct ft_period *p, int month)
{
	return month >= p->first && month < p->first + p->months;
}

struct ft_period ft_period_next(const struct ft_period *p)
{
	struct ft_period n = {p->first + p->months, p->months};
	return n;
}

struct ft_period ft_period_prev(const struct ft_period *p)
{
	struct ft_period n = {p->first - p->months, p->months};
	return n;
}

void ft_timestamp_utc(char buf[FT_TIMESTAMP_MAX], int64_t unix_seconds)
{
	time_t t = (time_t)unix_seconds;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, FT_TIMESTAMP_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, FT_TIMESTAMP_MAX, "@%lld", (long long)unix_seconds);
}
