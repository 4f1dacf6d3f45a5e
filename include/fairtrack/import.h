/*
 * fairtrack — import batches: usage reports into the ledger.
 *
 * One report file becomes one import batch, in one transaction: the file's
 * SHA-256, partner, format, months, and its exact aggregates (per month,
 * track or release, territory, commercial model, use type, store, currency),
 * with what the catalogue does not know set aside in suspense (per partner
 * and month, with its usages and amounts) until `rematch` finds it a track.
 *
 * Guarantees:
 *  - all or nothing: a bad line, a missing month, a storage failure or a
 *    crash leaves the ledger exactly as it was (one write transaction);
 *  - the same file (by SHA-256) is refused while an earlier batch of it is
 *    active, naming that batch;
 *  - Σ batch totals = Σ usage rows + Σ suspense rows, per currency, to the
 *    last unit (ft_import_check verifies it for every batch).
 *
 * Memory: bounded by the number of distinct aggregate keys (the aggregator
 * streams the file), never by its size.
 */
#ifndef FAIRTRACK_IMPORT_H
#define FAIRTRACK_IMPORT_H

#include <stdint.h>
#include <stdio.h>

#include "fairtrack/error.h"
#include "fairtrack/format.h"
#include "fairtrack/ingest.h"
#include "fairtrack/money.h"
#include "fairtrack/store.h"

struct ft_import_opts {
	const char *partner;            /* partner id in the catalogue; required */
	const struct ft_format *format; /* NULL: detected from the file's head */
	const char *month;              /* sales month (2026-10) for reports that carry
					   none; a line's own month wins */
	int force;                      /* accept a summary mismatch; recorded */
	void *format_user;              /* format options (the generic format's mapping) */
	ft_progress_fn progress;        /* NULL, or told how far the file is read */
	void *progress_ctx;
	FILE *reject;                   /* NULL: a bad line refuses the file.  Else bad
					   lines go here verbatim and are counted in the
					   result and the batch */
	int threads;                    /* 0: one per online CPU */
};

/* Totals of one currency in a batch, split by where the money went. */
struct ft_import_total {
	char currency[4];
	int64_t usages;
	ft_amount revenue;
	int64_t suspense_usages;
	ft_amount suspense_revenue;
};

struct ft_import_result {
	int64_t batch_id;
	char sha256[65];
	uint64_t bytes;
	char first_month[8], last_month[8];
	uint64_t usage_lines;    /* report lines that became usage */
	uint64_t rejected_lines; /* lines set aside in opts->reject */
	char first_reject[FT_ERROR_MESSAGE_MAX]; /* why the first one was */
	size_t n_reject_totals;
	struct ft_aggregate_reject_total *reject_totals; /* owned */
	int64_t rows;          /* aggregate rows stored against the catalogue */
	int64_t suspense_rows; /* aggregate rows set aside in suspense */
	size_t n_totals;
	struct ft_import_total *totals; /* owned; sorted by currency */
};

/* Import one report file.  FT_EEXISTS (the earlier batch named) when it was
 * imported before; FT_ENOTFOUND for an unknown partner; FT_EINVAL for bad
 * input (file, line and field named).  res is filled on success; release it
 * with ft_import_result_free (also after a failure). */
int ft_import_report(struct ft_store *store, const char *path, const struct ft_import_opts *opts,
		     struct ft_import_result *res, struct ft_error *err);
void ft_import_result_free(struct ft_import_result *res);

/* One batch as `fairtrack imports` lists it; strings valid during the call. */
struct ft_batch_info {
	int64_t id;
	const char *file, *sha256, *partner, *format, *first_month, *last_month;
	const char *imported_at;
	const char *withdrawn_at; /* NULL while active */
	int forced;
	int64_t rows, suspense_rows;
	int64_t usage_lines, rejected_lines;
	uint64_t bytes;
};
typedef int (*ft_batch_fn)(void *ctx, const struct ft_batch_info *batch, struct ft_error *err);
/* Every batch, oldest first (withdrawn ones too). */
int ft_import_each(struct ft_store *store, ft_batch_fn fn, void *ctx, struct ft_error *err);

/* Withdraw a batch: its usage and suspense rows leave the ledger, the batch
 * stays listed as withdrawn (so the same file may be imported again).
 * FT_ENOTFOUND, FT_ECONFLICT when already withdrawn or when one of its months
 * is in a closed period. */
int ft_import_withdraw(struct ft_store *store, int64_t batch_id, struct ft_error *err);

/* Suspense, summed per (partner, month, identifier, currency). */
struct ft_suspense_entry {
	const char *partner, *month, *kind, *identifier, *currency;
	int64_t usages;
	ft_amount revenue;
	int64_t rows;
};
typedef int (*ft_suspense_fn)(void *ctx, const struct ft_suspense_entry *entry,
			      struct ft_error *err);
int ft_suspense_each(struct ft_store *store, ft_suspense_fn fn, void *ctx, struct ft_error *err);

/* Move every suspense row whose identifier the catalogue now knows to usage,
 * in one transaction; *moved gets the number of rows moved. */
int ft_import_rematch(struct ft_store *store, int64_t *moved, struct ft_error *err);

/* Verify, for every active batch, that its recorded totals equal the sum of
 * its usage and suspense rows per currency.  FT_ECONFLICT naming the first
 * batch and currency that differ. */
int ft_import_check(struct ft_store *store, struct ft_error *err);

#endif
