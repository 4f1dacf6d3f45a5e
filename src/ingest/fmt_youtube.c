/*
 * fmt_youtube.c — YouTube music revenue reports (format "youtube").
 *
 * YouTube delivers several CSVs a month ("Ads Revenue Video Summary",
 * "Subscription Revenue Video Report", "Shorts Ads Revenue", …); what they
 * share, per the project's format notes (/work/shared/FORMATS.md, from public
 * code), is the money column — "Net Partner Revenue (Post revshare)" or
 * "Partner Revenue" — and that some carry a line to skip before the header.
 * The map reads any of them: the header is the first of the first four rows
 * that has a money column.
 *
 * Revenue is the net column when the report has it (what the partner keeps
 * after the revenue share), else "Partner Revenue"; when both are present,
 * "Partner Revenue" is the line's gross.  Rows whose first cell starts with
 * "Total" are report totals, not usage, and are skipped.  Identifier,
 * country, views and month column names are the usual spellings and
 * docs/FORMATS.md lists them; other layouts load with the generic mapping.
 */
#include <strings.h>

#include "fairtrack/format.h"
#include "ingest/formats.h"
#include "ingest/fmt_util.h"

static int youtube_total(const struct fmt_row *row)
{
	const struct ft_csv_field *first = &row->cells[0];
	const char *p = first->ptr;
	size_t len = first->len;

	fmt_trim(&p, &len);
	return row->n_cells > 0 && len >= 5 && strncasecmp(p, "total", 5) == 0;
}

static const struct fmt_dialect youtube = {
    .name = "YouTube",
    .columns =
	{
	    [FMT_ISRC] = {"ISRC"},
	    [FMT_UPC] = {"UPC"},
	    [FMT_TERRITORY] = {"Country", "Territory"},
	    [FMT_PERIOD] = {"Month", "Reporting Month"},
	    [FMT_USAGES] = {"Owned Views", "Views"},
	    [FMT_CURRENCY] = {"Currency"},
	    [FMT_REVENUE] = {"Net Partner Revenue (Post revshare)", "Partner Revenue"},
	    [FMT_GROSS] = {"Partner Revenue"},
	},
    .constants = {[FMT_CURRENCY] = "USD", [FMT_STORE] = "YouTube"},
    .required = 1u << FMT_REVENUE,
    .max_preamble = 3,
    .skip_row = youtube_total,
};

static int youtube_detect(const char *head, size_t len)
{
	return fmt_table_detect(&youtube, head, len);
}

FMT_TABLE_FORMAT(ft_format_youtube, "youtube",
		 "YouTube music revenue reports (Ads, Subscription, Shorts; Partner Revenue)",
		 youtube, youtube_detect);
