/*
 * journal.c — reading the double-entry journal back: `check` and a dump.
 *
 * The journal (docs/JOURNAL.md) is written only by a run (run_post.c).  This file proves
 * it still says what the runs computed, from the stored rows alone:
 *  J-1  every posting balances: its legs sum to zero per currency;
 *  J-2  every account belongs to a known class (receipts:, fees:, payee:,
 *       payout:, label, remainder, suspense:, conversion:), so per period
 *       and currency −receipts = payees + payouts + label + fees + remainder
 *       + suspense + conversion (the conversion accounts hold each side of
 *       a posting that crosses currencies: docs/JOURNAL.md "Currencies");
 *  J-3  every payee account's closing balance of every run equals the sum
 *       of its postings up to and including that run;
 *  J-4  every run's stored sub-unit remainder lies in [0, 10^-12);
 *  J-5  every royalty posting credits what its royalty lines sum to: its
 *       label leg, or for a contract in another currency than the run's
 *       its conversion:<C> leg, is minus their sum.
 *  J-6  no month before the last closed one holds usage rows no run posted,
 *       unless they are accounted elsewhere (unrun.c).
 * Sums are exact (ft_amount in C; SQL only selects rows).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fairtrack/ledger_run.h"
#include "ledger/line_block.h"
#include "ledger/run_int.h"
#include "ledger/unrun.h"

static const char *const classes[] = {
    "receipts:", "fees:", "payee:", "payout:", "label", "remainder", "suspense:", "conversion:"};
#define N_CLASSES (sizeof(classes) / sizeof(classes[0]))

static int class_of(const char *account)
{
	size_t i;

	for (i = 0; i < N_CLASSES; i++) {
		size_t n = strlen(classes[i]);

		if (classes[i][n - 1] == ':' ? strncmp(account, classes[i], n) == 0 && account[n]
					     : strcmp(account, classes[i]) == 0)
			return (int)i;
	}
	return -1;
}

/* J-2's sums of one period in one currency. */
struct class_sums {
	char currency[4];
	ft_amount by_class[N_CLASSES];
};

/* The sums of `currency` among the period's (a period has one or a few). */
static ft_amount *sums_of(struct class_sums **sums, size_t *n, const char *currency)
{
	struct class_sums *grown;
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*sums)[i].currency, currency) == 0)
			return (*sums)[i].by_class;
	grown = realloc(*sums, (*n + 1) * sizeof(**sums));
	if (!grown)
		return NULL;
	*sums = grown;
	memset(&grown[*n], 0, sizeof(grown[0]));
	snprintf(grown[*n].currency, sizeof(grown[0].currency), "%s", currency);
	return grown[(*n)++].by_class;
}

/* J-1 and J-2, walking the legs in posting order. */
static int check_postings(struct ft_store *store, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	char period[FT_PERIOD_STR_MAX] = "", currency[4] = "";
	ft_amount posting_sum = 0, *by_class;
	struct class_sums *sums = NULL;
	size_t n_sums = 0, k;
	int64_t posting = -1;
	int rc;

	rc = ft_store_prepare(
	    store, &st,
	    "SELECT j.period, j.posting, j.currency, j.account, j.amount, j.id FROM "
	    "journal j JOIN runs r ON r.period = j.period ORDER BY r.first_month, "
	    "j.period, j.posting, j.currency, j.id",
	    err);
	for (;;) {
		int step = rc ? rc : ft_stmt_step(st, err);
		const char *p = step == 1 ? ft_stmt_column_text(st, 0) : "";
		const char *cur = step == 1 ? ft_stmt_column_text(st, 2) : "";
		int64_t n = step == 1 ? ft_stmt_column_int64(st, 1) : -1;
		ft_amount amount = 0;
		int cls;

		if (step < 0) {
			rc = step;
			break;
		}
		if (posting >= 0 && (step == 0 || n != posting || strcmp(p, period) != 0 ||
				     strcmp(cur, currency) != 0)) {
			if (posting_sum != 0) {
				char s[FT_AMOUNT_STR_MAX];

				ft_amount_format(s, sizeof(s), posting_sum, 0);
				rc = ft_error_set(
				    err, FT_ECONFLICT,
				    "journal: posting %lld of %s does not balance in %s "
				    "(its legs sum to %s, not 0)",
				    (long long)posting, period, currency, s);
				break;
			}
			posting_sum = 0;
		}
		for (k = 0; period[0] && (step == 0 || strcmp(p, period) != 0) && k < n_sums;
		     k++) {
			ft_amount rhs = 0;
			size_t i;

			/* J-2: −receipts = everything else, class by class, in
			 * each currency on its own. */
			by_class = sums[k].by_class;
			for (i = 1; i < N_CLASSES; i++)
				rhs += by_class[i];
			if (-by_class[0] != rhs) {
				char a[FT_AMOUNT_STR_MAX], b[FT_AMOUNT_STR_MAX];

				ft_amount_format(a, sizeof(a), -by_class[0], 0);
				ft_amount_format(b, sizeof(b), rhs, 0);
				rc = ft_error_set(
				    err, FT_ECONFLICT,
				    "journal: in %s receipts %s %s differ from payees + payouts + "
				    "label + fees + remainder + suspense + conversion %s",
				    period, sums[k].currency, a, b);
				break;
			}
		}
		if (rc)
			break;
		if (period[0] && (step == 0 || strcmp(p, period) != 0))
			n_sums = 0;
		if (step == 0)
			break;
		snprintf(period, sizeof(period), "%s", p);
		snprintf(currency, sizeof(currency), "%s", cur);
		posting = n;
		rc = ft_stmt_column_amount(st, 4, &amount, err);
		if (rc) {
			ft_error_set(err, FT_ECONFLICT,
				     "journal row %lld: amount is not an exact "
				     "decimal",
				     (long long)ft_stmt_column_int64(st, 5));
			break;
		}
		cls = class_of(ft_stmt_column_text(st, 3));
		if (cls < 0) {
			rc = ft_error_set(err, FT_ECONFLICT,
					  "journal row %lld: account '%s' is of no known class",
					  (long long)ft_stmt_column_int64(st, 5),
					  ft_stmt_column_text(st, 3));
			break;
		}
		by_class = sums_of(&sums, &n_sums, cur);
		if (!by_class) {
			rc = ft_error_set(err, FT_ENOMEM, "out of memory");
			break;
		}
		if (ft_amount_add(&posting_sum, posting_sum, amount) ||
		    ft_amount_add(&by_class[cls], by_class[cls], amount)) {
			rc = ft_error_set(err, FT_ECONFLICT, "journal: sums out of range in %s",
					  period);
			break;
		}
	}
	ft_stmt_free(st);
	free(sums);
	return rc;
}

/* J-3: closing balances against the postings that made them.  One pass
 * over the payee legs and one over the statements, both in (account, run)
 * order, merged: a query per statement would scan the journal (indexed by
 * period, not account) once per payee account — hours for a large label. */
static int check_balances(struct ft_store *store, struct ft_error *err)
{
	struct ft_stmt *st = NULL, *leg = NULL;
	char account[FT_CONTRACT_ID_MAX * 2 + 16] = "";
	ft_amount total = 0, a;
	int rc, leg_rc = 0;

	rc = ft_store_prepare(store, &st,
			      "SELECT 'payee:' || s.payee || '@' || s.account AS a, r.first_month, "
			      "s.closing, s.period FROM run_statements s JOIN runs r ON r.period = "
			      "s.period ORDER BY a, r.first_month",
			      err);
	if (!rc)
		rc = ft_store_prepare(
		    store, &leg,
		    "SELECT j.account, r.first_month, j.amount FROM journal j JOIN "
		    "runs r ON r.period = j.period WHERE substr(j.account, 1, 6) = "
		    "'payee:' ORDER BY j.account, r.first_month",
		    err);
	if (!rc)
		leg_rc = ft_stmt_step(leg, err);
	if (leg_rc < 0)
		rc = leg_rc;
	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		const char *acct = ft_stmt_column_text(st, 0);
		int64_t month = ft_stmt_column_int64(st, 1);
		ft_amount closing;

		rc = ft_stmt_column_amount(st, 2, &closing, err);
		if (rc)
			break;
		if (strcmp(account, acct) != 0) {
			snprintf(account, sizeof(account), "%s", acct);
			total = 0;
		}
		/* The legs of this account up to and including this run. */
		while (leg_rc == 1) {
			int c = strcmp(ft_stmt_column_text(leg, 0), account);

			if (c > 0 || (c == 0 && ft_stmt_column_int64(leg, 1) > month))
				break;
			if (c == 0) {
				rc = ft_stmt_column_amount(leg, 2, &a, err);
				if (!rc && ft_amount_add(&total, total, a))
					rc = ft_error_set(err, FT_EOVERFLOW,
							  "journal: %s sums out of range", account);
				if (rc)
					break;
			}
			leg_rc = ft_stmt_step(leg, err);
		}
		if (!rc && leg_rc < 0)
			rc = leg_rc;
		if (rc)
			break;
		if (total != closing) {
			char x[FT_AMOUNT_STR_MAX], y[FT_AMOUNT_STR_MAX];

			ft_amount_format(x, sizeof(x), closing, 0);
			ft_amount_format(y, sizeof(y), total, 0);
			rc = ft_error_set(err, FT_ECONFLICT,
					  "journal: %s closes %s at %s but its postings sum to %s",
					  account, ft_stmt_column_text(st, 3), x, y);
			break;
		}
		rc = 0;
	}
	ft_stmt_free(leg);
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}

/* J-4 */
static int check_runs(struct ft_store *store, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc = ft_store_prepare(store, &st, "SELECT period, remainder_e24 FROM runs", err);

	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		ft_amount r;

		rc = ft_stmt_column_amount(st, 1, &r, err);
		if (!rc && (r < 0 || r >= FT_AMOUNT_ONE))
			rc = ft_error_set(err, FT_ECONFLICT,
					  "run %s: sub-unit remainder out of [0, 10^-12)",
					  ft_stmt_column_text(st, 0));
		if (rc)
			break;
	}
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}

/*
 * J-5: every royalty posting's label leg is minus the sum of the royalty
 * lines under it, its lines are numbered 0, 1, 2 … without gap or overlap,
 * every block of lines decodes, and every line is under a royalty posting.
 * Postings and blocks are read in (period, posting) order and merged.
 */
struct j5 {
	struct ft_stmt *post, *block;
	struct line_rec *lines;
	int have_block;
};

/* Add the lines of the block under j->block to *sum, checking that it
 * starts where the posting's lines so far end (*next), then step on. */
static int sum_block(struct j5 *j, int64_t *next, ft_amount *sum, struct ft_error *err)
{
	struct ft_stmt *b = j->block;
	const char *period = ft_stmt_column_text(b, 0);
	int64_t posting = ft_stmt_column_int64(b, 1), first = ft_stmt_column_int64(b, 2);
	int64_t n = ft_stmt_column_int64(b, 3);
	size_t len, i;
	const void *data = ft_stmt_column_blob(b, 4, &len);
	int rc;

	if (first != *next)
		return ft_error_set(err, FT_ECONFLICT,
				    "J-5: royalty posting %s #%lld: a block of its lines starts at "
				    "%lld where %lld was expected (a block is missing or repeated)",
				    period, (long long)posting, (long long)first, (long long)*next);
	/* The decoder refuses a count out of 1..LINE_BLOCK_MAX (a negative n
	 * becomes a huge size_t) as it refuses damaged bytes. */
	rc = line_block_decode(data, len, (size_t)n, j->lines, err);
	if (rc)
		return ft_error_wrap(err, FT_ECONFLICT,
				     "J-5: royalty posting %s #%lld, lines from %lld", period,
				     (long long)posting, (long long)first);
	for (i = 0; i < (size_t)n; i++)
		if (ft_amount_add(sum, *sum, j->lines[i].royalty))
			return ft_error_set(err, FT_EOVERFLOW, "J-5: sum out of range");
	*next = first + n;
	rc = ft_stmt_step(b, err);
	if (rc >= 0)
		j->have_block = rc, rc = 0;
	return rc;
}

static int check_lines(struct ft_store *store, struct ft_error *err)
{
	struct j5 j = {NULL, NULL, NULL, 0};
	char last_period[FT_PERIOD_STR_MAX] = "";
	int64_t last_n = -1;
	int rc;

	j.lines = malloc(LINE_BLOCK_MAX * sizeof(*j.lines));
	if (!j.lines)
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	/* The leg that gives up the royalty in the lines' currency: `label`,
	 * or conversion:<C> for a contract in C (its label leg is in the base,
	 * docs/JOURNAL.md "Currencies"); 'conversion:' sorts before 'label',
	 * so the second row of such a posting is skipped. */
	rc = ft_store_prepare(
	    store, &j.post,
	    "SELECT j.period, j.posting, j.amount FROM journal j JOIN runs r ON r.period = "
	    "j.period WHERE j.kind = 'royalty' AND ((j.account = 'label' AND j.currency = "
	    "r.currency) OR (substr(j.account, 1, 11) = 'conversion:' AND j.currency <> "
	    "r.currency)) ORDER BY j.period, j.posting, j.account",
	    err);
	if (!rc)
		rc = ft_store_prepare(store, &j.block,
				      "SELECT period, posting, first_seq, n, lines FROM "
				      "royalty_line_blocks ORDER BY period, posting, first_seq",
				      err);
	if (!rc && (rc = ft_stmt_step(j.block, err)) >= 0)
		j.have_block = rc, rc = 0;
	while (!rc && (rc = ft_stmt_step(j.post, err)) == 1) {
		const char *period = ft_stmt_column_text(j.post, 0);
		int64_t n = ft_stmt_column_int64(j.post, 1), next = 0;
		ft_amount label, sum = 0;
		int c;

		if (n == last_n && strcmp(period, last_period) == 0)
			continue; /* the label leg of a posting in two currencies */
		last_n = n;
		snprintf(last_period, sizeof(last_period), "%s", period);

		rc = ft_stmt_column_amount(j.post, 2, &label, err);
		while (!rc && j.have_block) {
			c = strcmp(ft_stmt_column_text(j.block, 0), period);
			if (c == 0)
				c = (ft_stmt_column_int64(j.block, 1) > n) -
				    (ft_stmt_column_int64(j.block, 1) < n);
			if (c > 0)
				break;
			if (c < 0) {
				rc = ft_error_set(err, FT_ECONFLICT,
						  "J-5: royalty lines %s #%lld from %lld are under no "
						  "royalty posting",
						  ft_stmt_column_text(j.block, 0),
						  (long long)ft_stmt_column_int64(j.block, 1),
						  (long long)ft_stmt_column_int64(j.block, 2));
				break;
			}
			rc = sum_block(&j, &next, &sum, err);
		}
		if (!rc && sum != -label) {
			char a[FT_AMOUNT_STR_MAX], b[FT_AMOUNT_STR_MAX];

			ft_amount_format(a, sizeof(a), -label, 0);
			ft_amount_format(b, sizeof(b), sum, 0);
			rc = ft_error_set(err, FT_ECONFLICT,
					  "J-5: royalty posting %s #%lld credits %s, its royalty "
					  "lines sum to %s",
					  period, (long long)n, a, b);
		}
	}
	if (!rc && j.have_block)
		rc = ft_error_set(err, FT_ECONFLICT,
				  "J-5: royalty lines %s #%lld from %lld are under no royalty posting",
				  ft_stmt_column_text(j.block, 0),
				  (long long)ft_stmt_column_int64(j.block, 1),
				  (long long)ft_stmt_column_int64(j.block, 2));
	ft_stmt_free(j.post);
	ft_stmt_free(j.block);
	free(j.lines);
	return rc < 0 ? rc : 0;
}

int ft_journal_check(struct ft_store *store, struct ft_error *err)
{
	int rc = check_postings(store, err);

	if (!rc)
		rc = check_balances(store, err);
	if (!rc)
		rc = check_runs(store, err);
	if (!rc)
		rc = check_lines(store, err);
	if (!rc) /* J-6: no usage left behind in a month no run covers */
		rc = unrun_check(store, err);
	return rc;
}

int ft_journal_dump(struct ft_store *store, const struct ft_period *period, ft_text_fn fn,
		    void *ctx, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	char p[FT_PERIOD_STR_MAX];
	int rc;

	if (period)
		ft_period_format(p, sizeof(p), period);
	rc =
	    ft_store_prepare(store, &st,
			     "SELECT j.period, j.posting, j.kind, j.account, j.currency, j.amount, "
			     "j.contract, j.payee, j.batch_id, j.source, j.source_id, j.note FROM "
			     "journal j JOIN runs r ON r.period = j.period WHERE (? IS NULL OR "
			     "j.period = ?) ORDER BY r.first_month, j.posting, j.id",
			     err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, period ? p : NULL, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 2, period ? p : NULL, err);
	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		char line[4096];
		size_t used = 0;
		int c;

		line[0] = '\0';
		for (c = 0; c < 12 && used < sizeof(line); c++) {
			const char *t = ft_stmt_column_text(st, c);

			used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s",
						 c ? "\t" : "", t ? t : "");
		}
		if (fn(ctx, line)) {
			rc = 0;
			break;
		}
		rc = 0;
	}
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}
