/*
 * income.c — non-attributable income in the ledger (`import income`).
 *
 * Money a partner paid that belongs to no single track: a DSP's advance, a
 * minimum-guarantee top-up, breakage, a settlement.  The run feeds each row
 * to the engine as a non-attributable line of its partner (ACCT-9): it is
 * shared pro rata over that partner's attributable receipts of the period,
 * or waits in suspense:non-attributable:<partner> until there are some.
 *
 * A row is identified by (month, partner, kind, description), so importing
 * a corrected file replaces the figures instead of adding them twice; a row
 * a closed run has already posted is frozen (a correction is a new row,
 * e.g. "settlement correction", posted as an adjustment in the next run).
 */
#include <stdio.h>
#include <string.h>

#include "fairtrack/ids.h"
#include "fairtrack/ledger_run.h"
#include "fairtrack/period.h"
#include "ledger/run_int.h"

static const char *const income_kinds[] = {"advance", "minimum-guarantee", "breakage", "settlement",
					   "other"};

struct income_ctx {
	struct ft_store *store;
	const char *path;
	char stamp[32];
	size_t rows;
};

/* The id of a stored row with the same key, 0 when none. */
static int find_row(struct ft_store *store, const char *const key[4], int64_t *id,
		    struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc, i;

	*id = 0;
	rc = ft_store_prepare(
	    store, &st,
	    "SELECT id FROM income WHERE month = ? AND partner_id = ? AND kind = ? "
	    "AND description = ?",
	    err);
	for (i = 0; !rc && i < 4; i++)
		rc = ft_stmt_bind_text(st, i + 1, key[i], err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	if (rc == 1) {
		*id = ft_stmt_column_int64(st, 0);
		rc = 0;
	}
	ft_stmt_free(st);
	return rc;
}

static int posted_in_closed_run(struct ft_store *store, int64_t id, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc =
	    ft_store_prepare(store, &st,
			     "SELECT 1 FROM journal j JOIN runs r ON r.period = j.period WHERE "
			     "j.source = 'income' AND j.source_id = ? AND r.closed_at IS NOT NULL",
			     err);

	if (!rc)
		rc = ft_stmt_bind_int64(st, 1, id, err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	ft_stmt_free(st);
	return rc;
}

static int income_row(void *vctx, const struct ft_ledger_row *row, struct ft_error *err)
{
	struct income_ctx *c = vctx;
	struct ft_stmt *st = NULL;
	const char *key[4];
	char month[8], currency[4], line[24];
	ft_amount amount;
	int64_t old;
	int rc, m;
	size_t i;

	rc = ft_month_parse(&m, row->cell[0], strlen(row->cell[0]), err);
	if (rc)
		return ft_error_locate(err, row->file, row->line, "month");
	ft_month_format(month, m);
	for (i = 0; i < sizeof(income_kinds) / sizeof(income_kinds[0]); i++)
		if (!strcmp(row->cell[2], income_kinds[i]))
			break;
	if (i == sizeof(income_kinds) / sizeof(income_kinds[0]))
		return ft_error_setloc(
		    err, FT_EINVAL, row->file, row->line, "kind",
		    "kind '%s' is not one of advance, minimum-guarantee, breakage, "
		    "settlement, other",
		    row->cell[2]);
	if (ft_currency_parse(currency, NULL, row->cell[3], strlen(row->cell[3]), err))
		return ft_error_locate(err, row->file, row->line, "currency");
	rc = ft_amount_parse(&amount, row->cell[4], strlen(row->cell[4]), err);
	if (rc)
		return ft_error_locate(err, row->file, row->line, "amount");
	if (amount == 0)
		return ft_error_setloc(err, FT_EINVAL, row->file, row->line, "amount",
				       "amount is 0: remove the line");
	rc = ft_store_prepare(c->store, &st, "SELECT 1 FROM partners WHERE id = ?", err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, row->cell[1], err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	ft_stmt_free(st);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return ft_error_setloc(
		    err, FT_ENOTFOUND, row->file, row->line, "partner",
		    "partner '%s' is not in the catalogue (add it to the partners "
		    "file and import the catalogue)",
		    row->cell[1]);
	key[0] = month;
	key[1] = row->cell[1];
	key[2] = row->cell[2];
	key[3] = row->cell[5];
	rc = find_row(c->store, key, &old, err);
	if (rc)
		return rc;
	if (old) {
		rc = posted_in_closed_run(c->store, old, err);
		if (rc < 0)
			return rc;
		if (rc == 1)
			return ft_error_setloc(
			    err, FT_ECONFLICT, row->file, row->line, "amount",
			    "this income (%s %s %s '%s') was posted in a closed "
			    "period and cannot change: import a correction under "
			    "another description",
			    month, row->cell[1], row->cell[2], row->cell[5]);
		rc = ft_store_prepare(c->store, &st, "DELETE FROM income WHERE id = ?", err);
		if (!rc)
			rc = ft_stmt_bind_int64(st, 1, old, err);
		if (!rc)
			rc = ft_stmt_step(st, err);
		ft_stmt_free(st);
		st = NULL;
		if (rc < 0)
			return rc;
	}
	snprintf(line, sizeof(line), "%ld", row->line);
	rc = ft_store_prepare(
	    c->store, &st,
	    "INSERT INTO income (month, partner_id, kind, currency, amount, "
	    "description, file, line, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, month, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 2, row->cell[1], err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 3, row->cell[2], err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 4, currency, err);
	if (!rc)
		rc = ft_stmt_bind_amount(st, 5, amount, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 6, row->cell[5], err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 7, c->path, err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 8, row->line, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 9, c->stamp, err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	ft_stmt_free(st);
	if (rc < 0)
		return rc;
	c->rows++;
	return 0;
}

int ft_income_import(struct ft_store *store, const char *path, size_t *n_rows, struct ft_error *err)
{
	static const char *const cols[] = {"month",    "partner", "kind",
					   "currency", "amount",  "description"};
	struct income_ctx c = {.store = store, .path = path};
	int rc;

	ft_ledger_now(c.stamp);
	rc = ft_store_begin(store, err);
	if (rc)
		return rc;
	rc = ft_ledger_table_each(path, cols, 6, income_row, &c, err);
	if (!rc)
		rc = ft_store_commit(store, err);
	if (rc) {
		ft_store_rollback(store, NULL);
		return rc;
	}
	if (n_rows)
		*n_rows = c.rows;
	return 0;
}
