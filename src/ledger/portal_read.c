/*
 * portal_read.c — the ledger queries behind the portal's artist pages
 * (fairtrack/portal.h): the statements list, and the walk from a statement
 * line back to the journal legs, usage rows, income rows and import batches.
 *
 * Like explain.c, nothing is recomputed but a payee's part of a line: one
 * source is one royalty line (royalty_lines.h: its usage row, and for an
 * ACCT-9 allocation the income row shared; the payee's part is the
 * contract's ACCT-4 split of the line's royalty), read by the same cursor
 * issue.c builds the statement lines with, so the drill-down lists exactly
 * the lines the statement shows; then the account's profit-split legs.
 *
 * Paging is done here, not in SQL: the filter compares the texts a statement
 * shows (the store name falls back to the partner's), which only exist after
 * the joins; the lines of one account are few enough (thousands) to walk.
 * A line's note (its arithmetic in words) is rendered only for the page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fairtrack/portal.h"
#include "ledger/royalty_lines.h"

/*
 * The runs are the outer loop (CROSS JOIN keeps SQLite from reordering): a
 * ledger has a few dozen runs, and each is then one lookup in the primary
 * key (period, payee, account) of run_statements, so an artist's list costs
 * the same with 10 or 10,000 payees in the ledger.  One statement text per
 * combination of filters, so each is a plain indexed equality.
 */
#define STATEMENTS_SELECT                                                                          \
	"SELECT s.period, r.first_month, s.payee, s.account, COALESCE(s.currency, r.currency),"  \
	" r.ran_at,"                                                                               \
	" COALESCE(r.closed_at, ''), s.opening, s.royalties, s.advances, s.costs, s.balance,"      \
	" s.reserve_held, s.payable, s.closing"                                                    \
	" FROM runs r CROSS JOIN run_statements s ON s.period = r.period"
#define STATEMENTS_ORDER " ORDER BY r.first_month DESC, r.months DESC, s.payee, s.account"

static const char *const statements_sql[4] = {
    STATEMENTS_SELECT STATEMENTS_ORDER,
    STATEMENTS_SELECT " WHERE s.payee = ?" STATEMENTS_ORDER,
    STATEMENTS_SELECT " WHERE r.period = ?" STATEMENTS_ORDER,
    STATEMENTS_SELECT " WHERE r.period = ? AND s.payee = ?" STATEMENTS_ORDER,
};

static int in_page(size_t index, size_t offset, size_t limit)
{
	return index >= offset && (limit == 0 || index - offset < limit);
}

int ft_portal_statements(struct ft_store *store, const char *payee, const char *period,
			 size_t offset, size_t limit, ft_portal_statement_fn fn, void *ctx,
			 size_t *total, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	size_t n = 0;
	int rc;

	rc = ft_store_prepare(store, &st, statements_sql[(payee ? 1 : 0) + (period ? 2 : 0)], err);
	if (!rc && period)
		rc = ft_stmt_bind_text(st, 1, period, err);
	if (!rc && payee)
		rc = ft_stmt_bind_text(st, period ? 2 : 1, payee, err);
	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		struct ft_portal_statement s;
		ft_amount *v = &s.opening;
		int i;

		rc = 0;
		if (!in_page(n++, offset, limit))
			continue;
		memset(&s, 0, sizeof(s));
		s.period = ft_stmt_column_text(st, 0);
		s.first_month = (int)ft_stmt_column_int64(st, 1);
		s.payee = ft_stmt_column_text(st, 2);
		s.account = ft_stmt_column_text(st, 3);
		s.currency = ft_stmt_column_text(st, 4);
		s.ran_at = ft_stmt_column_text(st, 5);
		s.closed_at = ft_stmt_column_text(st, 6);
		/* opening … closing are consecutive in the struct and the query. */
		for (i = 0; !rc && i < 8; i++)
			rc = ft_stmt_column_amount(st, 7 + i, &v[i], err);
		if (!rc)
			rc = fn(ctx, &s, err);
	}
	ft_stmt_free(st);
	if (rc < 0 || rc > 1)
		return rc;
	if (total)
		*total = n;
	return 0;
}

static int text_is(const char *want, const char *have)
{
	return !want || !*want || strcmp(want, have ? have : "") == 0;
}

static int matches(const struct ft_portal_filter *f, const struct ft_portal_source *s)
{
	if (!f)
		return 1;
	if (f->non_attributable >= 0 && (f->non_attributable != 0) != (s->non_attributable != 0))
		return 0;
	return text_is(f->isrc, s->isrc) && text_is(f->store, s->store) &&
	       text_is(f->territory, s->territory) &&
	       text_is(f->commercial_model, s->commercial_model) &&
	       text_is(f->use_type, s->use_type);
}

static int account_exists(struct ft_store *store, const char *period, const char *payee,
			  const char *account, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc;

	rc = ft_store_prepare(
	    store, &st,
	    "SELECT 1 FROM run_statements WHERE period = ? AND payee = ? AND account = ?", err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, period, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 2, payee, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 3, account, err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	ft_stmt_free(st);
	if (rc == 0)
		return ft_error_set(err, FT_ENOTFOUND,
				    "the run of %s has no figures for payee %s, account %s", period,
				    payee, account);
	return rc < 0 ? rc : 0;
}

/* A source with every text "" (the JSON layer prints them all). */
static void empty_source(struct ft_portal_source *s)
{
	memset(s, 0, sizeof(*s));
	s->month = s->isrc = s->track = s->upc = s->release = s->store = s->territory = "";
	s->commercial_model = s->use_type = s->currency = s->revenue = "";
	s->batch_file = s->partner = s->partner_name = s->format = s->imported_at = "";
	s->income_kind = s->income_description = s->income_currency = "";
	s->income_amount = s->income_file = s->note = "";
}

static void copy_usage(struct ft_portal_source *s, const struct ft_posted_usage *u)
{
	s->month = u->month;
	s->isrc = u->isrc;
	s->track = u->track;
	s->upc = u->upc;
	s->release = u->release;
	s->store = u->store;
	s->territory = u->territory;
	s->commercial_model = u->commercial_model;
	s->use_type = u->use_type;
	s->currency = u->currency;
	s->revenue = u->revenue;
	s->usages = u->usages;
	s->batch_id = u->batch_id;
	s->batch_file = u->batch_file;
	s->partner = u->partner;
	s->partner_name = u->partner_name;
	s->format = u->format;
	s->imported_at = u->imported_at;
	s->batch_rows = u->batch_rows;
	s->usage_lines = u->usage_lines;
	s->rejected_lines = u->rejected_lines;
	s->suspense_rows = u->suspense_rows;
}

static void copy_income(struct ft_portal_source *s, const struct ft_posted_income *in)
{
	s->income_kind = in->kind;
	s->income_description = in->description;
	s->income_currency = in->currency;
	s->income_amount = in->amount;
	s->income_file = in->file;
}

/* The account's royalty lines, one source each. */
static int line_sources(struct ft_store *store, const char *period, const char *acct,
			const char *account, const struct ft_portal_filter *filter, size_t offset,
			size_t limit, ft_portal_source_fn fn, void *ctx, size_t *n,
			struct ft_error *err)
{
	struct ft_contract_set set;
	struct ft_royalty_lines *lines = NULL;
	struct ft_posted_line pl;
	char note[4096];
	int rc;

	memset(&set, 0, sizeof(set));
	rc = ft_royalty_lines_contracts(store, account, &set, err);
	if (!rc)
		rc = ft_royalty_lines_open(&lines, store, period, acct, &set, err);
	while (!rc && (rc = ft_royalty_lines_next(lines, acct, &pl, err)) == 1) {
		struct ft_portal_source s;
		struct ft_posted_usage u;
		struct ft_posted_income in;
		int have_u = 0, have_in = 0;

		empty_source(&s);
		s.journal_id = pl.journal_id;
		s.posting = pl.posting;
		s.kind = "royalty";
		s.contract = pl.contract_id;
		s.royalty = pl.part;
		s.non_attributable = pl.non_attributable;
		s.usage_row = pl.usage_id;
		s.income_id = pl.income_id;
		if (pl.usage_id > 0)
			have_u = ft_royalty_lines_usage(lines, pl.usage_id, &u, err);
		if (have_u < 0) {
			rc = have_u;
			break;
		}
		if (have_u)
			copy_usage(&s, &u);
		if (pl.income_id > 0)
			have_in = ft_royalty_lines_income(lines, pl.income_id, &in, err);
		if (have_in < 0) {
			rc = have_in;
			break;
		}
		if (have_in)
			copy_income(&s, &in);
		rc = 0;
		if (!matches(filter, &s) || !in_page((*n)++, offset, limit))
			continue;
		rc = ft_royalty_lines_note(lines, &pl, have_u ? &u : NULL, have_in ? &in : NULL,
					   note, sizeof(note), err);
		if (rc >= 0) {
			s.note = note;
			rc = fn(ctx, &s, err);
		}
	}
	ft_royalty_lines_close(lines);
	ft_contract_set_clear(&set);
	return rc;
}

int ft_portal_sources(struct ft_store *store, const char *period, const char *payee,
		      const char *account, const struct ft_portal_filter *filter, size_t offset,
		      size_t limit, ft_portal_source_fn fn, void *ctx, size_t *total,
		      struct ft_error *err)
{
	struct ft_stmt *q = NULL;
	char acct[512];
	size_t n = 0;
	int rc;

	rc = account_exists(store, period, payee, account, err);
	if (rc)
		return rc;
	/* The journal names a payee's account "payee:<payee>@<account>" (run.c). */
	snprintf(acct, sizeof(acct), "payee:%s@%s", payee, account);
	rc = line_sources(store, period, acct, account, filter, offset, limit, fn, ctx, &n, err);
	if (rc < 0 || rc > 1)
		return rc;
	if (rc == 1) { /* fn stopped the walk */
		if (total)
			*total = n;
		return 0;
	}
	/* Profit-split credits: a share of the account's profit, from no row. */
	rc = ft_store_prepare(store, &q,
			      "SELECT id, posting, COALESCE(contract, ''), amount, note FROM"
			      " journal WHERE period = ? AND account = ? AND kind = 'profit-split'"
			      " ORDER BY id",
			      err);
	if (!rc)
		rc = ft_stmt_bind_text(q, 1, period, err);
	if (!rc)
		rc = ft_stmt_bind_text(q, 2, acct, err);
	while (!rc && (rc = ft_stmt_step(q, err)) == 1) {
		struct ft_portal_source s;

		empty_source(&s);
		s.journal_id = ft_stmt_column_int64(q, 0);
		s.posting = ft_stmt_column_int64(q, 1);
		s.kind = "profit-split";
		s.contract = ft_stmt_column_text(q, 2);
		rc = ft_stmt_column_amount(q, 3, &s.royalty, err);
		if (rc)
			break;
		s.note = ft_stmt_column_text(q, 4);
		if (!matches(filter, &s))
			continue;
		if (in_page(n++, offset, limit))
			rc = fn(ctx, &s, err);
	}
	ft_stmt_free(q);
	if (rc < 0 || rc > 1)
		return rc;
	if (total)
		*total = n;
	return 0;
}
