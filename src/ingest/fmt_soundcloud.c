/*
 * fmt_soundcloud.c — SoundCloud for Artists revenue export (format
 * "soundcloud").
 *
 * The CSV opens with two preamble rows (the account id, then a UUID) and has
 * its header on row 3; money is in "Revenue (USD)", next to "Revenue Share
 * (%)" and "Split Pay Share (%)".  That much is documented in the project's
 * format notes (/work/shared/FORMATS.md, from public code); the names of the
 * identifier, territory, count and month columns are not, so the map below
 * accepts the usual spellings and docs/FORMATS.md says so.  A file whose
 * columns differ loads with the generic mapping.
 *
 * Revenue (USD) is taken as the amount paid to this account; the two share
 * columns are checked to be percentages but not applied, because nothing
 * public says the revenue is before them.  Detection needs both "Revenue
 * (USD)" and "Revenue Share (%)" in the head.
 */
#include <string.h>

#include "fairtrack/format.h"
#include "ingest/formats.h"
#include "ingest/fmt_util.h"

enum { EXTRA_REVENUE_SHARE, EXTRA_SPLIT_PAY_SHARE };

static int soundcloud_row(const struct fmt_row *row, struct ft_usage_line *line,
			  struct ft_error *err)
{
	int rc = fmt_check_percent(row, EXTRA_REVENUE_SHARE, "Revenue Share (%)", err);

	return rc ? rc : fmt_check_percent(row, EXTRA_SPLIT_PAY_SHARE, "Split Pay Share (%)", err);
}

static const struct fmt_dialect soundcloud = {
    .name = "SoundCloud",
    .columns =
	{
	    [FMT_ISRC] = {"ISRC"},
	    [FMT_UPC] = {"UPC"},
	    [FMT_TERRITORY] = {"Country", "Territory", "Country Code"},
	    [FMT_PERIOD] = {"Reporting Period", "Month", "Period"},
	    [FMT_USAGES] = {"Plays", "Streams", "Quantity"},
	    [FMT_REVENUE] = {"Revenue (USD)"},
	},
    .constants = {[FMT_CURRENCY] = "USD", [FMT_STORE] = "SoundCloud"},
    .required = 1u << FMT_REVENUE,
    .max_preamble = 2,
    .row_hook = soundcloud_row,
    .extra =
	{
	    [EXTRA_REVENUE_SHARE] = {"Revenue Share (%)"},
	    [EXTRA_SPLIT_PAY_SHARE] = {"Split Pay Share (%)"},
	},
};

static int soundcloud_detect(const char *head, size_t len)
{
	if (!memmem(head, len, "Revenue Share (%)", 17))
		return 0;
	return fmt_table_detect(&soundcloud, head, len);
}

FMT_TABLE_FORMAT(ft_format_soundcloud, "soundcloud",
		 "SoundCloud for Artists revenue CSV (two preamble rows)", soundcloud,
		 soundcloud_detect);
