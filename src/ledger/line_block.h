/*
 * line_block.h — royalty lines packed in blocks (table royalty_line_blocks,
 * migration 12, docs/JOURNAL.md "Royalty lines"); internal to src/ledger.
 *
 * Why blocks: a run of 20 million usage rows has 20 million royalty lines,
 * and one SQLite row per line cost 2 µs to insert — more than the engine
 * takes to compute the line (bench/RESULTS.md).  A block holds up to
 * LINE_BLOCK_MAX consecutive lines of one royalty posting, varint-coded
 * (about 20 bytes a line instead of a ~90-byte row and its B-tree entry),
 * so a run inserts one row per block.
 *
 * The format (version 1), after a version byte, each line in seq order:
 *   flags            1 byte, LB_* below; unknown bits are corruption
 *   usage_id         zigzag varint, delta from the previous line's  (LB_USAGE)
 *   income_id        zigzag varint, delta from the previous line's  (LB_INCOME)
 *   rule             varint                                         (LB_RULE)
 *   tier             varint                                         (LB_TIER)
 *   units            zigzag varint
 *   base             zigzag varint of the 128-bit amount
 *   rate             zigzag varint                    (LB_RATE; else as before)
 *   royalty          zigzag varint
 *   allocated        zigzag varint                                  (LB_ALLOC)
 * A field whose flag is clear is 0 (rule: -1, "none"; rate: the previous
 * line's, 0 before the first).  Amounts keep every unit (ft_amount).
 *
 * The decoder trusts nothing: a block is data read back from a file, and a
 * damaged one is an FT_EINVAL naming what is wrong, never a crash
 * (tests/fuzz/fuzz_line_block.c).
 */
#ifndef FAIRTRACK_LEDGER_LINE_BLOCK_H
#define FAIRTRACK_LEDGER_LINE_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fairtrack/error.h"
#include "fairtrack/money.h"
#include "fairtrack/store.h"

#define LINE_BLOCK_MAX 1024 /* lines in one block */

/* One royalty line: one engine entry (docs/JOURNAL.md). */
struct line_rec {
	int64_t posting, seq, usage_id;
	int64_t income_id; /* 0: none (not an income allocation) */
	int64_t units;
	int32_t rule; /* -1: none */
	int32_t tier;
	bool allocation; /* allocated is set */
	ft_amount base, rate, royalty, allocated;
};

/*
 * Decode a block of n lines (1 ≤ n ≤ LINE_BLOCK_MAX) into out[0..n): every
 * field but posting and seq, which the caller knows from the block's row.
 * 0, or FT_EINVAL when the bytes are not exactly n well-formed lines.
 */
int line_block_decode(const void *data, size_t len, size_t n, struct line_rec *out,
		      struct ft_error *err);

/*
 * Encode recs[0..n) (one posting's consecutive lines) into out, which has cap
 * bytes; the bytes written, or 0 when n is not 1..LINE_BLOCK_MAX or cap is
 * under line_block_bound(n).  For tests, tools and rewrites; a run writes
 * through the sink below.
 */
size_t line_block_encode(void *out, size_t cap, const struct line_rec *recs, size_t n);
size_t line_block_bound(size_t n);

/*
 * Where blocks go: lines added in any order of postings, each posting's in
 * ascending seq, are gathered per posting and written as blocks of
 * consecutive seqs into royalty_line_blocks under one period.  Memory is
 * bounded: past a few MiB of open blocks every open block is written, so a
 * posting may span several blocks.  Ownership: open allocates; close writes
 * what is open and frees; free (NULL is a no-op) frees without writing.
 */
struct line_block_sink;

int line_block_sink_open(struct line_block_sink **out, struct ft_store *store, const char *period,
			 struct ft_error *err);
int line_block_sink_add(struct line_block_sink *s, const struct line_rec *rec,
			struct ft_error *err);
int line_block_sink_close(struct line_block_sink *s, struct ft_error *err);
void line_block_sink_free(struct line_block_sink *s);

/*
 * Migration 12: pack the rows of migration 11's royalty_lines table into
 * blocks (same lines, same order) and drop it.  Runs inside the
 * migration's transaction.
 */
int line_block_migrate_rows(struct ft_store *store, struct ft_error *err);

#endif
