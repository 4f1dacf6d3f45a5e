/*
 * fairtrack — report formats (the parser interface).
 *
 * A report format is a table of functions, one file per format under
 * src/ingest/ (fmt_flat_tsv.c, fmt_dsr.c, fmt_distrokid.c, …), registered in
 * src/ingest/formats.c.  The reader (src/ingest/reader.c) takes care of
 * files, mmap, .gz/.zip, a UTF-8 BOM and CRLF; a format sees one line at a
 * time without its line terminator, with its 1-based line number, and hands
 * each usage line it understands to a sink.
 *
 * Strings in struct ft_usage_line are views (pointer + length) into the
 * input; they are valid only during the sink call.  A field the format does
 * not carry has len 0.
 *
 * Errors: a format returns FT_EINVAL with ft_error_setloc(err, …, file, line,
 * field, …) naming the field, so "report.tsv:1204: field 9 'Revenue': '12,50'
 * is not a decimal (use '.' as the decimal point)" reaches the user as is.
 */
#ifndef FAIRTRACK_FORMAT_H
#define FAIRTRACK_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "fairtrack/error.h"
#include "fairtrack/money.h"

struct ft_strview {
	const char *ptr;
	size_t len;
};

/* One usage (sales) line, normalised. */
struct ft_usage_line {
	struct ft_strview isrc;             /* as written; the matcher normalises */
	struct ft_strview upc;              /* release-level lines: UPC/EAN/GTIN */
	struct ft_strview territory;        /* ISO 3166-1 alpha-2 or "WW" */
	struct ft_strview commercial_model; /* e.g. SubscriptionModel, AdvertisementSupportedModel, PayAsYouGoModel */
	struct ft_strview use_type;         /* e.g. OnDemandStream, PermanentDownload */
	struct ft_strview currency;         /* ISO 4217 */
	struct ft_strview store;            /* DSP / store name when the report names one */
	struct ft_strview period;           /* YYYY-MM (or YYYY-MM-DD..YYYY-MM-DD) when known */
	struct ft_strview transaction_id;   /* SalesTransactionId or equivalent, for dedup */
	int64_t usages;                     /* units / streams; negative for returns */
	ft_amount revenue;                  /* what the label receives for the line, exact */
	ft_amount gross;                    /* before a distributor's fee, when reported; else == revenue */
	long line_no;                       /* 1-based line in the (decompressed) file */
};

/* The sink a format hands lines to; non-zero return stops the parse. */
typedef int (*ft_usage_sink_fn)(void *sink_ctx, const struct ft_usage_line *line,
				struct ft_error *err);

struct ft_format_ctx {
	const char *file;  /* display name for messages (path, or "archive.zip:inner.tsv") */
	int force;         /* --force: accept a summary mismatch (recorded by the caller) */
	void *user;        /* format-specific options (e.g. the generic mapping) */
};

struct ft_format {
	const char *name;        /* --format NAME */
	const char *description; /* one line for `fairtrack formats` */
	/* Confidence 0..100 that the file is this format, from its head: the
	 * first bytes of the (decompressed) file, up to 64 KiB, BOM removed,
	 * possibly ending mid-line.  Formats with preamble rows (SoundCloud,
	 * YouTube) look past them. */
	int (*detect)(const char *head, size_t len);
	/* Per-file state; *state may stay NULL for stateless formats. */
	int (*begin)(void **state, const struct ft_format_ctx *ctx, struct ft_error *err);
	int (*line)(void *state, const struct ft_format_ctx *ctx, const char *line, size_t len,
		    long line_no, ft_usage_sink_fn sink, void *sink_ctx, struct ft_error *err);
	/* End of file: check trailers/summaries, flush held lines. */
	int (*end)(void *state, const struct ft_format_ctx *ctx, ft_usage_sink_fn sink,
		   void *sink_ctx, struct ft_error *err);
	void (*free)(void *state);
};

/* All registered formats, NULL-terminated. */
const struct ft_format *const *ft_formats(void);
/* Look up by name; NULL when unknown. */
const struct ft_format *ft_format_find(const char *name);
/* Best match for a file's head, or NULL when no format scores above 50. */
const struct ft_format *ft_format_detect(const char *head, size_t len);

#endif
