/*
 * fairtrack — usage-report ingestion: reader, catalogue matcher, aggregator.
 *
 * The path of a report through the library:
 *
 *   file ──► reader ──► format parser ──► aggregator (exact sums per key) ──► rows
 *   (.tsv .csv .gz .zip)     (format.h)       matcher: ISRC/UPC → catalogue, once per key
 *
 * Reader.  ft_reader_each_report() opens a path and calls back once per
 * report it holds: once for a plain or gzip file (multi-member gzip is one
 * stream), once per entry of a zip archive (named "archive.zip:inner.tsv").
 * Compression is recognised by magic bytes, not by the file name.  A UTF-8
 * BOM is skipped; lines end in LF or CRLF; the last line needs no terminator.
 * A plain file is memory-mapped and its bytes are available whole
 * (ft_report_map) for fast paths that split it between threads; those hand
 * consumed ranges back with ft_report_release so the resident set stays
 * bounded whatever the file size.
 *
 * Matcher.  A set of the catalogue's ISRCs (→ track ordinal) and release
 * GTINs (→ release ordinal), loaded from the catalogue file or any CSV/TSV
 * with an ISRC column (an optional UPC/EAN/GTIN column adds releases).
 *
 * Aggregator.  Exact sums of usages (int64) and revenue (ft_amount) per key
 * (identifier, territory, commercial model, use type, currency, period,
 * store).  Memory grows with the number of distinct keys, never with the
 * size of the input.  Each report file is aggregated on its own (on all
 * cores for a plain flat-tsv file) and then merged, so totals do not depend
 * on the order of files or on the number of threads.  The `aggregate`
 * output format is described in docs/internals/INGEST.md.
 *
 * Ownership: every _new has a _free; _free(NULL) is a no-op.  Errors as
 * everywhere (error.h): 0 or a negative FT_E* code with err filled.
 */
#ifndef FAIRTRACK_INGEST_H
#define FAIRTRACK_INGEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fairtrack/error.h"
#include "fairtrack/format.h"
#include "fairtrack/ids.h"
#include "fairtrack/money.h"

/* ------------------------------------------------------------------ reader */

/* Progress of a long read: bytes consumed of the report so far, and its size
 * (0 when unknown: a compressed stream).  Called from a parse thread, never
 * two at once, at most every few MB; must be quick. */
typedef void (*ft_progress_fn)(void *ctx, uint64_t bytes_done, uint64_t bytes_total);

/* One report stream: a plain file, a gzip stream or one zip entry.  Valid
 * only during the ft_report_fn call that hands it out. */
struct ft_report;

typedef int (*ft_report_fn)(void *ctx, struct ft_report *report, struct ft_error *err);
/* One line without its terminator; 1-based line_no; non-zero return stops. */
typedef int (*ft_line_fn)(void *ctx, const char *line, size_t len, long line_no,
			  struct ft_error *err);

/* Open path and call fn for each report it holds (see above).  A non-zero
 * return from fn stops and is returned. */
int ft_reader_each_report(const char *path, ft_report_fn fn, void *ctx, struct ft_error *err);

/* Display name for messages: the path, or "archive.zip:inner.tsv". */
const char *ft_report_name(const struct ft_report *report);

/* The first bytes of the report (decompressed, BOM removed), up to 64 KiB,
 * possibly ending mid-line: what ft_format_detect() looks at. */
int ft_report_head(struct ft_report *report, const char **head, size_t *len, struct ft_error *err);

/* For a plain file: 1, with *data and *len the whole file after any BOM
 * (read-only, valid during the callback).  0 for a compressed stream. */
int ft_report_map(struct ft_report *report, const char **data, size_t *len);

/* The caller is done with data[off, off + len) of a mapped report: its pages
 * leave the resident set (they may still be read; they are then read again
 * from the page cache).  Safe to call from several threads on disjoint
 * ranges; a no-op for streams. */
void ft_report_release(struct ft_report *report, size_t off, size_t len);

/* Call fn for every line of the report, from the start (a stream can be
 * walked once). */
int ft_report_each_line(struct ft_report *report, ft_line_fn fn, void *ctx, struct ft_error *err);

/* Run a format's begin/line/end over the report, handing usage lines to
 * sink.  force and format_user become the format's ft_format_ctx (--force,
 * the generic format's mapping).  Errors carry the report's display name. */
int ft_report_parse(struct ft_report *report, const struct ft_format *format, int force,
		    void *format_user, ft_usage_sink_fn sink, void *sink_ctx,
		    struct ft_error *err);

/* ----------------------------------------------------------------- matcher */

struct ft_matcher;

int ft_matcher_new(struct ft_matcher **out, struct ft_error *err);
void ft_matcher_free(struct ft_matcher *matcher);

/*
 * Add every track (and release) of a catalogue file: the project's catalogue
 * or any CSV/TSV (delimiter sniffed from the header, plain/gz/zip) whose
 * header has an ISRC column; a UPC, EAN or GTIN column, when present, adds
 * releases.  Other columns are ignored, and so are rows whose ISRC cell is
 * empty.  ISRCs are normalised (ft_isrc_parse: case, hyphens, spaces); a
 * malformed one is an error naming file, line and column.
 */
int ft_matcher_load(struct ft_matcher *matcher, const char *path, struct ft_error *err);

/* Add one ISRC / one UPC-EAN-GTIN as written (normalised here). */
int ft_matcher_add_isrc(struct ft_matcher *matcher, const char *text, size_t len,
			struct ft_error *err);
int ft_matcher_add_gtin(struct ft_matcher *matcher, const char *text, size_t len,
			struct ft_error *err);

/* Ordinal (1-based, in order of first addition) of a normalised 12-char ISRC
 * or 14-digit GTIN, or 0 when the catalogue does not know it. */
uint32_t ft_matcher_find_isrc(const struct ft_matcher *matcher, const char isrc[FT_ISRC_LEN]);
uint32_t ft_matcher_find_gtin(const struct ft_matcher *matcher, const char gtin14[FT_GTIN_LEN]);

size_t ft_matcher_track_count(const struct ft_matcher *matcher);
size_t ft_matcher_release_count(const struct ft_matcher *matcher);

/* -------------------------------------------------------------- aggregator */

struct ft_aggregate;

struct ft_aggregate_opts {
	const struct ft_matcher *matcher; /* required; not owned */
	const struct ft_format *format;	  /* NULL: detected per report */
	int threads;                      /* 0: one per online CPU */
	int force;                        /* accept a report whose own summary disagrees
					     with its lines (DSR); the caller records it */
	void *format_user;                /* format options, e.g. the generic format's
					     mapping (fairtrack/mapping.h); not owned */
	ft_progress_fn progress;          /* NULL, or told how far each report is */
	void *progress_ctx;
	FILE *reject;                     /* NULL: a bad line fails the file.  Else bad
					     lines are written here verbatim, counted
					     and summed (ft_aggregate_stats), and the
					     rest of the file is kept.  Uses the
					     single-threaded line path. */
	/* NULL, or told each rejected line's number and reason (the message
	 * the line would have failed the file with), once it is written to
	 * reject: the caller can say why each bad line is bad, not only the
	 * first (ft_aggregate_stats keeps the first reason only). */
	void (*on_reject)(void *ctx, long line_no, const char *reason);
	void *reject_ctx;
};

/* What the aggregator has read, over the files that succeeded. */
struct ft_aggregate_reject_total {
	char currency[4];      /* "" for lines whose currency could not be read */
	uint64_t lines;
	ft_amount revenue;     /* sum of the amounts that could be read */
	uint64_t unreadable;   /* lines of this currency whose amount could not be read */
};
struct ft_aggregate_stats {
	uint64_t usage_lines;    /* lines that became usage */
	uint64_t rejected_lines; /* lines written to opts.reject */
	/* The first rejected line's reason ("report.tsv:12: field 9 …"). */
	char first_reject[FT_ERROR_MESSAGE_MAX];
	size_t n_reject_totals;  /* per currency, flat-tsv only (other formats:
				    counted, with currency "") */
	const struct ft_aggregate_reject_total *reject_totals; /* owned by agg */
};
void ft_aggregate_stats(const struct ft_aggregate *agg, struct ft_aggregate_stats *out);

int ft_aggregate_new(struct ft_aggregate **out, const struct ft_aggregate_opts *opts,
		     struct ft_error *err);
void ft_aggregate_free(struct ft_aggregate *agg);

/* Aggregate every report in a file (plain, .gz, .zip) into agg.  On error
 * nothing of that file is kept: agg holds exactly the files that succeeded. */
int ft_aggregate_file(struct ft_aggregate *agg, const char *path, struct ft_error *err);

/* Add one usage line (the generic path, and an ft_usage_sink_fn via
 * ft_aggregate_sink with agg as the context).  Lines added this way reach
 * the totals before the next call that reads or merges them. */
int ft_aggregate_add(struct ft_aggregate *agg, const struct ft_usage_line *line,
		     struct ft_error *err);
int ft_aggregate_sink(void *agg, const struct ft_usage_line *line, struct ft_error *err);

/* Merge the totals of `from` into `into` (same matcher). */
int ft_aggregate_merge(struct ft_aggregate *into, const struct ft_aggregate *from,
		       struct ft_error *err);

/* One aggregate.  Strings are NUL-terminated and valid until the next call
 * that changes agg. */
struct ft_aggregate_row {
	const char *id;	   /* ISRC (12), GTIN-14 for a release-level line, or
			      the identifier as written when it is malformed */
	int release_level; /* 1: id is a GTIN (the line had no ISRC) */
	uint32_t match;	   /* matcher ordinal, 0 = unmatched */
	const char *territory;
	const char *commercial_model;
	const char *use_type;
	const char *currency;
	const char *period; /* "" unless FT_AGGREGATE_PERIOD_STORE */
	const char *store;  /* idem */
	int64_t usages;
	ft_amount revenue;
};

enum ft_aggregate_flags {
	FT_AGGREGATE_MATCHED = 1,      /* rows whose identifier the catalogue knows */
	FT_AGGREGATE_UNMATCHED = 2,    /* the others */
	FT_AGGREGATE_PERIOD_STORE = 4, /* keep period and store apart (else summed over) */
};

typedef int (*ft_aggregate_row_fn)(void *ctx, const struct ft_aggregate_row *row,
				   struct ft_error *err);

/* Call fn for each row selected by flags, sorted bytewise by (id, territory,
 * commercial_model, use_type, currency[, period, store]). */
int ft_aggregate_each(struct ft_aggregate *agg, unsigned flags, ft_aggregate_row_fn fn, void *ctx,
		      struct ft_error *err);

/* Number of distinct keys held (period and store kept apart). */
size_t ft_aggregate_count(const struct ft_aggregate *agg);

/* Write the `fairtrack aggregate` text (docs/internals/INGEST.md) to out:
 * the matched block, a blank line, the unmatched block.  FT_EIO on a write
 * error. */
int ft_aggregate_write_tsv(struct ft_aggregate *agg, FILE *out, struct ft_error *err);

/* Canonical revenue text of the output: ft_amount_format(.., 0) — no
 * trailing fractional zeros, no '.' for whole amounts ("12.5", "0",
 * "-0.000000000001").  Returns the length; buf holds FT_AMOUNT_STR_MAX. */
size_t ft_aggregate_format_amount(char *buf, ft_amount amount);

#endif
