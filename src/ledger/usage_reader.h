/*
 * usage_reader.h — the usage table scanned by a second thread (internal to
 * src/ledger; used by run.c).
 *
 * A run reads every usage row of its period — 20 million in the benchmark —
 * and most of that time is SQLite stepping and handing out columns.  Two
 * reader threads do that part, each over half of the rowids, copying rows
 * into blocks; the run turns the rows of one block into engine lines while
 * the threads fill the next.  Rows come in rowid order (the first half's,
 * then the second's), as one scan would give them.
 *
 * Threads: each scan runs on a connection of its own to the same ledger, so
 * the caller keeps using its store meanwhile; it sees the rows committed
 * before the caller's transaction (WAL).  One consumer.
 * Ownership: start allocates, stop joins and frees (NULL is a no-op); a row
 * returned by next is valid until the next call.
 */
#ifndef FAIRTRACK_LEDGER_USAGE_READER_H
#define FAIRTRACK_LEDGER_USAGE_READER_H

#include <stdint.h>

#include "fairtrack/error.h"
#include "fairtrack/store.h"

/* One usage row, its texts copied ("" for NULL). */
struct usage_raw {
	int64_t id, batch_id, usages;
	char month[8];
	char isrc[16];
	char gtin14[16];
	char territory[4];
	char currency[4];
	char commercial_model[48];
	char use_type[48];
	char revenue[64];
	/* A text longer than its field: the column's name, else NULL (the
	 * caller names the row and refuses it; nothing is cut silently). */
	const char *too_long;
};

struct usage_reader;

/* Scan usage rows with month <= last_month ("YYYY-MM") and rowid >=
 * from_rowid, in rowid order. */
int usage_reader_start(struct usage_reader **out, struct ft_store *store, const char *last_month,
		       int64_t from_rowid, struct ft_error *err);

/* The next row: 1 with *row set, 0 at the end, < 0 the scan's error. */
int usage_reader_next(struct usage_reader *r, const struct usage_raw **row, struct ft_error *err);

void usage_reader_stop(struct usage_reader *r);

#endif
