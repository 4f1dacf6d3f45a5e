/*
 * unrun.h — months no run covers (src/ledger/unrun.c); internal to src/ledger.
 *
 * A run of P reads the rows of P and the rows of closed months no closed
 * run posted.  A month before P that no run covered and that is not closed
 * would be read by no run at all: unrun_for_run refuses the run while such
 * a month holds usage rows nobody decided about, or, asked to include them,
 * records that the run takes the month over (close then closes it too).
 */
#ifndef FAIRTRACK_LEDGER_UNRUN_H
#define FAIRTRACK_LEDGER_UNRUN_H

#include <stdint.h>

#include "fairtrack/error.h"
#include "fairtrack/money.h"
#include "fairtrack/period.h"
#include "fairtrack/store.h"

#define UNRUN_CURRENCIES 3

/* A month's active rows no run posted and not accounted elsewhere, per
 * kind: 0 usage, 1 suspense, 2 income (run.c's enum src_kind). */
struct unrun_month {
	int month;
	int64_t rows[3];
	int64_t first_id[3], last_id[3]; /* the lowest and highest of those rows */
	int64_t through[3];		 /* rows up to these ids are accounted elsewhere */
	size_t n_cur;			 /* revenue per report currency, the first few */
	int more_cur;
	char cur[UNRUN_CURRENCIES][4];
	ft_amount revenue[UNRUN_CURRENCIES];
};

/*
 * Months before `before` (a month index) that are not closed and that no
 * run took over, holding active usage, suspense or income rows that no run
 * posted and that lie above the month's accounted-elsewhere marks.  *out is malloc'd (free it),
 * in month order.
 */
int unrun_scan(struct ft_store *store, int before, struct unrun_month **out, size_t *n,
	       struct ft_error *err);

/*
 * In a run's transaction, after the open run of P was deleted: FT_ECONFLICT
 * when a month of P is accounted elsewhere, or when earlier months hold
 * rows no run posted (the message names each, its rows and revenue, and the
 * ways on) — unless `include`: then the months are recorded as taken over
 * by P (run_posted source 'unrun') and returned in *out for the run to post
 * as late adjustments.
 */
int unrun_for_run(struct ft_store *store, const struct ft_period *period, int include,
		  struct unrun_month **out, size_t *n, struct ft_error *err);

/* A month marked accounted elsewhere: its rows of each kind (0 usage, 1
 * suspense, 2 income) up to through[kind] are never posted. */
struct unrun_mark {
	int month;
	int64_t through[3];
};

/* Every mark, by month (*out malloc'd; free it). */
int unrun_marks(struct ft_store *store, struct unrun_mark **out, size_t *n, struct ft_error *err);

/* The mark of month in marks (sorted), or NULL. */
const struct unrun_mark *unrun_mark_of(const struct unrun_mark *marks, size_t n, int month);

/* In close's transaction: the months the run of P took over are closed too. */
int unrun_adopt(struct ft_store *store, const char *period, const char *stamp,
		struct ft_error *err);

/* check J-6: no month up to the last closed one holds rows no run posted. */
int unrun_check(struct ft_store *store, struct ft_error *err);

/* "2025-12 (340 rows, revenue 1234.56 USD, 3.00 EUR)" into buf. */
void unrun_describe(const struct unrun_month *m, char *buf, size_t cap);

#endif
