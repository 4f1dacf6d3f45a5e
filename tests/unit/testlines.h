/* testlines.h — royalty lines as SQL rows, for tests that tamper with them.
 *
 * The ledger keeps royalty lines packed in blocks (src/ledger/line_block.h).
 * testlines_unpack lays every stored line out in a TEMP table royalty_lines
 * with the columns of migration 11 (period, posting, seq, usage_id,
 * income_id, rule, tier, units, base, rate, royalty, allocated), so a test
 * can query or change them in SQL; testlines_repack replaces every block by
 * the table's rows and drops it. */
#ifndef FAIRTRACK_TESTLINES_H
#define FAIRTRACK_TESTLINES_H

#include "ledger/line_block.h"
#include "testutil.h"

static inline void testlines_unpack(struct ft_store *store)
{
	struct ft_stmt *b = NULL, *ins = NULL;
	struct line_rec *recs = malloc(LINE_BLOCK_MAX * sizeof(*recs));
	struct ft_error err;
	size_t len, i;

	assert_non_null(recs);
	if (ft_store_exec(store,
			  "CREATE TEMP TABLE royalty_lines (period TEXT NOT NULL, posting INTEGER "
			  "NOT NULL, seq INTEGER NOT NULL, usage_id INTEGER, income_id INTEGER, "
			  "rule INTEGER, tier INTEGER NOT NULL, units INTEGER NOT NULL, base TEXT "
			  "NOT NULL, rate TEXT NOT NULL, royalty TEXT NOT NULL, allocated TEXT, "
			  "PRIMARY KEY (period, posting, seq))",
			  &err))
		fail_msg("%s", err.message);
	assert_int_equal(ft_store_prepare(store, &b,
					  "SELECT period, posting, first_seq, n, lines FROM "
					  "main.royalty_line_blocks",
					  &err),
			 0);
	assert_int_equal(
	    ft_store_prepare(store, &ins,
			     "INSERT INTO temp.royalty_lines VALUES (?, ?, ?, ?, ?, ?, "
			     "?, ?, ?, ?, ?, ?)",
			     &err),
	    0);
	while (ft_stmt_step(b, &err) == 1) {
		size_t n = (size_t)ft_stmt_column_int64(b, 3);
		const void *data = ft_stmt_column_blob(b, 4, &len);

		if (line_block_decode(data, len, n, recs, &err))
			fail_msg("%s", err.message);
		for (i = 0; i < n; i++) {
			const struct line_rec *r = &recs[i];

			assert_int_equal(ft_stmt_reset(ins, &err), 0);
			assert_int_equal(ft_stmt_bind_text(ins, 1, ft_stmt_column_text(b, 0), &err),
					 0);
			assert_int_equal(
			    ft_stmt_bind_int64(ins, 2, ft_stmt_column_int64(b, 1), &err), 0);
			assert_int_equal(ft_stmt_bind_int64(
					     ins, 3, ft_stmt_column_int64(b, 2) + (int64_t)i, &err),
					 0);
			assert_int_equal(r->usage_id ? ft_stmt_bind_int64(ins, 4, r->usage_id, &err)
						     : ft_stmt_bind_null(ins, 4, &err),
					 0);
			assert_int_equal(r->income_id
					     ? ft_stmt_bind_int64(ins, 5, r->income_id, &err)
					     : ft_stmt_bind_null(ins, 5, &err),
					 0);
			assert_int_equal(r->rule >= 0 ? ft_stmt_bind_int64(ins, 6, r->rule, &err)
						      : ft_stmt_bind_null(ins, 6, &err),
					 0);
			assert_int_equal(ft_stmt_bind_int64(ins, 7, r->tier, &err), 0);
			assert_int_equal(ft_stmt_bind_int64(ins, 8, r->units, &err), 0);
			assert_int_equal(ft_stmt_bind_amount(ins, 9, r->base, &err), 0);
			assert_int_equal(ft_stmt_bind_amount(ins, 10, r->rate, &err), 0);
			assert_int_equal(ft_stmt_bind_amount(ins, 11, r->royalty, &err), 0);
			assert_int_equal(r->allocation
					     ? ft_stmt_bind_amount(ins, 12, r->allocated, &err)
					     : ft_stmt_bind_null(ins, 12, &err),
					 0);
			assert_int_equal(ft_stmt_run(ins, &err), 0);
		}
	}
	ft_stmt_free(b);
	ft_stmt_free(ins);
	free(recs);
}

static inline void testlines_repack(struct ft_store *store)
{
	struct ft_error err;

	if (ft_store_exec(store, "DELETE FROM main.royalty_line_blocks", &err) ||
	    line_block_migrate_rows(store, &err))
		fail_msg("%s", err.message);
}

#endif
