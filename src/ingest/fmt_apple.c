/*
 * fmt_apple.c — Apple (iTunes Store / Apple Music) financial reports
 * (format "apple").
 *
 * A tab-separated file whose header is
 *   Start Date, End Date, UPC, ISRC/ISBN, Vendor Identifier, Quantity,
 *   Partner Share, Extended Partner Share, Partner Share Currency,
 *   Sales or Return, Apple Identifier, Artist/Show/Developer/Author, Title,
 *   Label/Studio/Network/Developer/Publisher, Grid, Product Type Identifier,
 *   ISAN/Other Identifier, Country Of Sale, Pre-order Flag, Promo Code,
 *   Customer Price, Customer Currency
 * (docs/FORMATS.md cites the public code this was read from).  Dates are
 * US-style MM/DD/YYYY; returns have a negative Quantity and "R" in Sales or
 * Return.  A file may hold several sections (one per currency), each
 * followed by trailer rows "Total_Rows", "Total_Amount", "Total_Units" and
 * repeating the header; some exports open with a few "Vendor Name" /
 * "Start Date" rows and end with a per-country summary table whose header
 * starts with "Country Of Sale".
 *
 * Revenue is Extended Partner Share — Quantity × Partner Share, the
 * proceeds Apple owes the provider — in Partner Share Currency.  A row with
 * no Extended Partner Share (usage Apple reports without proceeds) carries
 * zero revenue.  The period is the month of Start Date; the store is
 * "Apple".  Product Type Identifier is not mapped to a commercial model:
 * Apple does not publish its codes for music, so guessing would mislabel.
 */
#include <string.h>
#include <strings.h>

#include "fairtrack/format.h"
#include "ingest/fmt_util.h"
#include "ingest/formats.h"

static int first_cell_is(const struct fmt_row *row, const char *word, size_t n)
{
	const char *p;
	size_t len;

	if (row->n_cells == 0)
		return 0;
	p = row->cells[0].ptr;
	len = row->cells[0].len;
	fmt_trim(&p, &len);
	return len >= n && strncasecmp(p, word, n) == 0;
}

static int apple_skip(const struct fmt_row *row)
{
	if (first_cell_is(row, "Total_", 6) || first_cell_is(row, "Start Date", 10))
		return 1; /* section trailer, or the header repeated for the next section */
	if (first_cell_is(row, "Country Of Sale", 15))
		return 2; /* the per-country summary table that ends some exports */
	return 0;
}

static const struct fmt_dialect apple = {
    .name = "Apple financial report",
    .columns =
	{
	    [FMT_UPC] = {"UPC"},
	    [FMT_ISRC] = {"ISRC/ISBN"},
	    [FMT_USAGES] = {"Quantity"},
	    [FMT_REVENUE] = {"Extended Partner Share"},
	    [FMT_CURRENCY] = {"Partner Share Currency"},
	    [FMT_TERRITORY] = {"Country Of Sale"},
	    [FMT_PERIOD] = {"Start Date"},
	},
    .constants = {[FMT_STORE] = "Apple"},
    .required = 1u << FMT_USAGES | 1u << FMT_REVENUE | 1u << FMT_CURRENCY | 1u << FMT_TERRITORY |
		1u << FMT_ISRC,
    .options = FMT_OPT_DATE_US | FMT_OPT_EMPTY_REVENUE_ZERO,
    .delim = '\t',
    .max_preamble = 4,
    .skip_row = apple_skip,
};

static int apple_detect(const char *head, size_t len)
{
	return fmt_table_detect(&apple, head, len);
}

FMT_TABLE_FORMAT(ft_format_apple, "apple",
		 "Apple (iTunes / Apple Music) financial report: Extended Partner Share", apple,
		 apple_detect);
