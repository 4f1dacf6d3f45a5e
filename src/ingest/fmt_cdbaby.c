/*
 * fmt_cdbaby.c — CD Baby sales/streaming export (format "cdbaby").
 *
 * A tab-separated file with the header
 *   Report Date, Sales Date, Quantity, Price, Subtotal, Isrc, Barcode,
 *   CDBabySku, Album Name, Artist Name, Track Name, Partner Name,
 *   Transaction Type, Delivery Country
 * as read by public code that loads CD Baby exports (docs/FORMATS.md cites
 * it).  "-----" marks a missing identifier; Sales Date is YYYY-MM-DD;
 * Transaction Type is Stream, Download, Royalty or YouTube Audio Tier;
 * Partner Name is the store.
 *
 * Revenue is Subtotal (Quantity × Price as credited to the account), in USD:
 * the export has no currency column and CD Baby accounts in US dollars.
 * Price is a per-unit figure and is not used.  Transaction Type becomes the
 * use type, spelled as DDEX does for the two that have an exact DDEX
 * equivalent (Stream → OnDemandStream, Download → PermanentDownload); the
 * others pass through as written.
 */
#include <string.h>
#include <strings.h>

#include "fairtrack/format.h"
#include "ingest/fmt_util.h"
#include "ingest/formats.h"

static int cdbaby_row(const struct fmt_row *row, struct ft_usage_line *line, struct ft_error *err)
{
	static const struct {
		const char *cd_baby, *ddex;
	} use_types[] = {
	    {"Stream", "OnDemandStream"},
	    {"Download", "PermanentDownload"},
	};

	(void)row;
	(void)err;
	for (size_t i = 0; i < sizeof(use_types) / sizeof(use_types[0]); i++) {
		if (line->use_type.len == strlen(use_types[i].cd_baby) &&
		    strncasecmp(line->use_type.ptr, use_types[i].cd_baby, line->use_type.len) ==
			0) {
			line->use_type.ptr = use_types[i].ddex;
			line->use_type.len = strlen(use_types[i].ddex);
			break;
		}
	}
	return 0;
}

static const struct fmt_dialect cdbaby = {
    .name = "CD Baby",
    .columns =
	{
	    [FMT_ISRC] = {"Isrc"},
	    [FMT_UPC] = {"Barcode"},
	    [FMT_USAGES] = {"Quantity"},
	    [FMT_REVENUE] = {"Subtotal"},
	    [FMT_PERIOD] = {"Sales Date"},
	    [FMT_STORE] = {"Partner Name"},
	    [FMT_USE_TYPE] = {"Transaction Type"},
	    [FMT_TERRITORY] = {"Delivery Country"},
	},
    .constants = {[FMT_CURRENCY] = "USD"},
    .required = 1u << FMT_ISRC | 1u << FMT_USAGES | 1u << FMT_REVENUE | 1u << FMT_STORE |
		1u << FMT_USE_TYPE,
    .delim = '\t',
    .row_hook = cdbaby_row,
};

static int cdbaby_detect(const char *head, size_t len)
{
	/* "CDBabySku" is what tells this header from other Quantity/Subtotal
	 * tables. */
	if (!memmem(head, len, "CDBabySku", 9))
		return 0;
	return fmt_table_detect(&cdbaby, head, len);
}

FMT_TABLE_FORMAT(ft_format_cdbaby, "cdbaby", "CD Baby sales and streaming export (Subtotal, USD)",
		 cdbaby, cdbaby_detect);
