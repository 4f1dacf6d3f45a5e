/*
 * line_writer.h — royalty lines written by a second thread (internal to
 * src/ledger; used by run_post.c).
 *
 * A run of 20 million usage lines writes 20 million royalty lines: the
 * engine hands each line to line_writer_add, which only copies it into a
 * batch; a writer thread packs the batches into line blocks (line_block.h)
 * and inserts them on the run's own connection (in the run's transaction)
 * while the engine goes on.
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
#include "ledger/line_block.h"

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
