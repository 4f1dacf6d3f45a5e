/*
 * line_writer.h — royalty_lines written by a second thread (internal to
 * src/ledger; used by run.c).
 *
 * A run of 20 million usage lines writes 20 million royalty_lines rows, and
 * SQLite takes as long to insert them as the engine takes to compute them:
 * the engine hands each line to line_writer_add, which only copies it into
 * a block; a writer thread binds and inserts the blocks on the run's own
 * connection (in the run's transaction) while the engine goes on.  Rows are
 * inserted in the order they were added.
 *
 * Threads: between line_writer_start and line_writer_finish (or _abort) the
 * store belongs to the writer thread — the caller must not use it.  One
 * producer.  Ownership: start allocates, finish and abort free (NULL is a
 * no-op for abort).
 */
#ifndef FAIRTRACK_LEDGER_LINE_WRITER_H
#define FAIRTRACK_LEDGER_LINE_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "fairtrack/error.h"
#include "fairtrack/money.h"
#include "fairtrack/store.h"

/* One row of royalty_lines (migration 11). */
struct line_rec {
	int64_t posting, seq, usage_id;
	int64_t income_id; /* 0: NULL (not an income allocation) */
	int64_t units;
	int32_t rule; /* -1: NULL */
	int32_t tier;
	bool allocation; /* allocated is set */
	ft_amount base, rate, royalty, allocated;
};

struct line_writer;

int line_writer_start(struct line_writer **out, struct ft_store *store, const char *period,
		      struct ft_error *err);

/* Queue one row; blocks while the writer is a full queue behind.  An
 * error of the writer thread is returned by the next call. */
int line_writer_add(struct line_writer *w, const struct line_rec *rec, struct ft_error *err);

/* Write what is queued, stop the thread, free; the writer's first error. */
int line_writer_finish(struct line_writer *w, struct ft_error *err);

/* Stop the thread without writing what is queued, free. */
void line_writer_abort(struct line_writer *w);

#endif
