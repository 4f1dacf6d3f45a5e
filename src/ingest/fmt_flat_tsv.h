/*
 * fmt_flat_tsv.h — the flat usage TSV format and its multi-threaded fast path
 * (internal to src/ingest; the format table is registered in formats.c).
 */
#ifndef FAIRTRACK_INGEST_FMT_FLAT_TSV_H
#define FAIRTRACK_INGEST_FMT_FLAT_TSV_H

#include "fairtrack/format.h"
#include "fairtrack/ingest.h"
#include "ingest/aggregate.h"

extern const struct ft_format ft_format_flat_tsv;

/* The exact header line, tab-separated. */
#define FLAT_TSV_HEADER                                                                            \
	"SalesTransactionId\tISRC\tUPC\tTerritory\tCommercialModel\tUseType\tUsages\tCurrency\tRe" \
	"venue"

/* One thread per online CPU (at least 1). */
int flat_tsv_default_threads(void);

/*
 * Aggregate a whole mapped flat-tsv report (data/len from ft_report_map) on
 * up to `threads` threads, each into its own part.  parts[0..threads) are
 * initialised here; *used says how many, and the caller finalises those
 * whatever the result.  Chunks are at least min_chunk bytes (0: the
 * default, 4 MiB), so small files stay on one thread.
 */
/* Smallest chunk worth a thread; 0 means 4 MiB.  A test seam: tests set it
 * to 1 so that small files still exercise the multi-threaded path. */
extern size_t flat_tsv_min_chunk;

int flat_tsv_fast_path(struct ft_report *report, const char *data, size_t len, int threads,
		       struct agg_part *parts, int *used, struct ft_error *err);
int flat_tsv_fast_path_ex(struct ft_report *report, const char *data, size_t len, int threads,
			  size_t min_chunk, struct agg_part *parts, int *used,
			  struct ft_error *err);

#endif
