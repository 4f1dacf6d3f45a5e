/*
 * fmt_distrokid.c — DistroKid exports (format "distrokid").
 *
 * Three header layouts are in use (docs/FORMATS.md cites where each was
 * seen); one column map covers them, since they differ only in which
 * columns exist:
 *   stats:        REPORTING MONTH, SALE MONTH, STORE, ARTIST, TITLE, QUANTITY,
 *                 SONG/ALBUM, CUSTOMER PAID, COUNTRY OF SALE, EARNINGS (USD)
 *   bank (older): Reporting Date, Sale Month, Store, Artist, Title, ISRC, UPC,
 *                 Quantity, Team Percentage, Song/Album, Country of Sale,
 *                 Songwriter Royalties Withheld, Earnings (USD)
 *   bank (newer): Date Inserted, Reporting Date, Sale Month, Store, Artist,
 *                 Title, ISRC, UPC, Quantity, Team Percentage, Source Type,
 *                 Country of Sale, Songwriter Royalties Withheld (USD),
 *                 Earnings (USD), Recoup (USD)
 * Tab-separated (the delimiter is sniffed, so a CSV re-save reads too).
 *
 * Quirks: money is "$0.009350790340" (a '$' prefix, 12 fractional digits,
 * exact in ft_amount); "n/a" marks a missing value; months are "Oct 2019" or
 * "2019-10"; ISRCs come bare and hyphenated in one file (passed as written,
 * the matcher normalises); older files are ISO-8859-1, newer UTF-8 — decided
 * per cell by the table driver, so names arrive as UTF-8 either way.
 *
 * Earnings (USD) is what DistroKid credited to this account for the row,
 * after any team split: the export is the account's own bank ledger, so the
 * Team Percentage is reported for information and is NOT applied again (it
 * is checked to be a percentage, 0 to 100).  The stats layout has no ISRC
 * or UPC: its lines reach the matcher without an identifier and stay in
 * suspense (docs/FORMATS.md).
 */
#include <string.h>

#include "fairtrack/format.h"
#include "ingest/formats.h"
#include "ingest/fmt_util.h"

enum { EXTRA_TEAM_PCT };

static int distrokid_row(const struct fmt_row *row, struct ft_usage_line *line,
			 struct ft_error *err)
{
	return fmt_check_percent(row, EXTRA_TEAM_PCT, "Team Percentage", err);
}

static const struct fmt_dialect distrokid = {
    .name = "DistroKid",
    .columns =
	{
	    [FMT_ISRC] = {"ISRC"},
	    [FMT_UPC] = {"UPC"},
	    [FMT_TERRITORY] = {"Country of Sale"},
	    [FMT_STORE] = {"Store"},
	    [FMT_PERIOD] = {"Sale Month"},
	    [FMT_USAGES] = {"Quantity"},
	    [FMT_REVENUE] = {"Earnings (USD)"},
	},
    .constants = {[FMT_CURRENCY] = "USD"},
    .required = 1u << FMT_STORE | 1u << FMT_PERIOD | 1u << FMT_USAGES | 1u << FMT_REVENUE,
    .money_flags = FMT_MONEY_DOLLAR,
    .max_preamble = 0,
    .row_hook = distrokid_row,
    .extra = {[EXTRA_TEAM_PCT] = {"Team Percentage"}},
};

static int distrokid_detect(const char *head, size_t len)
{
	return fmt_table_detect(&distrokid, head, len);
}

FMT_TABLE_FORMAT(ft_format_distrokid, "distrokid",
		 "DistroKid stats and bank-details exports (3 header layouts)", distrokid,
		 distrokid_detect);
