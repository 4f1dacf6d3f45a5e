/*
 * portal_read.c — the ledger queries behind the portal's artist pages
 * (fairtrack/portal.h): the statements list, and the walk from a statement
 * line back to the journal legs, usage rows, income rows and import batches.
 *
 * Like explain.c, nothing is recomputed: each figure is what the run posted.
 * A royalty leg names its usage row in the note run.c wrote ("(source N)",
 * for usage and for ACCT-9 allocations alike: an allocation is shared over
 * the partner's rows pro rata, so it too belongs to one row); issue.c reads
 * the same marker, so the drill-down selects exactly the legs the statement
 * line was built from.
 *
 * Paging is done here, not in SQL: the filter compares the texts a statement
 * shows (the store name falls back to the partner's), which only exist after
 * the joins; the legs of one account are few enough (thousands) to walk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fairtrack/portal.h"

/*
 * The runs are the outer loop (CROSS JOIN keeps SQLite from reordering): a
 * ledger has a few dozen runs, and each is then one lookup in the primary
 * key (period, payee, account) of run_statements, so an artist's list costs
 * the same with 10 or 10,000 payees in the ledger.  One statement text per
 * combination of filters, so each is a plain indexed equality.
 */
#define STATEMENTS_SELECT                                                                          \
	"SELECT s.period, r.first_month, s.payee, s.account, r.currency, r.ran_at,"                \
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

/* The usage row of a leg: "(source N)" in its note (see the top comment). */
static int64_t note_source(const char *note)
{
	const char *p = note ? strstr(note, "(source ") : NULL;

	return p ? strtoll(p + 8, NULL, 10) : 0;
}

static const char usage_sql[] =
    "SELECT u.month, COALESCE(u.isrc, ''), COALESCE(t.title, ''),"
    " COALESCE(u.gtin14, rt.gtin14, ''), COALESCE(r.title, r2.title, ''),"
    " CASE WHEN u.store <> '' THEN u.store ELSE COALESCE(p.name, b.partner_id) END,"
    " u.territory, u.commercial_model, u.use_type, u.currency, u.revenue, u.usages,"
    " b.id, b.file, b.partner_id, COALESCE(p.name, ''), b.format, b.imported_at, b.rows,"
    " b.usage_lines, b.rejected_lines, b.suspense_rows"
    " FROM usage u JOIN import_batches b ON b.id = u.batch_id"
    " LEFT JOIN partners p ON p.id = b.partner_id"
    " LEFT JOIN tracks t ON t.isrc = u.isrc"
    " LEFT JOIN releases r ON r.gtin14 = u.gtin14"
    " LEFT JOIN release_tracks rt ON rt.isrc = u.isrc AND rt.gtin14 ="
    "  (SELECT MIN(gtin14) FROM release_tracks WHERE isrc = u.isrc)"
    " LEFT JOIN releases r2 ON r2.gtin14 = rt.gtin14"
    " WHERE u.rowid = ?";

static const char income_sql[] =
    "SELECT kind, description, currency, amount, file FROM income WHERE id = ?";

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

static int step_one(struct ft_stmt *st, int64_t id, struct ft_error *err)
{
	int rc = ft_stmt_reset(st, err);

	if (!rc)
		rc = ft_stmt_bind_int64(st, 1, id, err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	return rc;
}

static void read_usage(struct ft_stmt *u, struct ft_portal_source *s)
{
	s->month = ft_stmt_column_text(u, 0);
	s->isrc = ft_stmt_column_text(u, 1);
	s->track = ft_stmt_column_text(u, 2);
	s->upc = ft_stmt_column_text(u, 3);
	s->release = ft_stmt_column_text(u, 4);
	s->store = ft_stmt_column_text(u, 5);
	s->territory = ft_stmt_column_text(u, 6);
	s->commercial_model = ft_stmt_column_text(u, 7);
	s->use_type = ft_stmt_column_text(u, 8);
	s->currency = ft_stmt_column_text(u, 9);
	s->revenue = ft_stmt_column_text(u, 10);
	s->usages = ft_stmt_column_int64(u, 11);
	s->batch_id = ft_stmt_column_int64(u, 12);
	s->batch_file = ft_stmt_column_text(u, 13);
	s->partner = ft_stmt_column_text(u, 14);
	s->partner_name = ft_stmt_column_text(u, 15);
	s->format = ft_stmt_column_text(u, 16);
	s->imported_at = ft_stmt_column_text(u, 17);
	s->batch_rows = ft_stmt_column_int64(u, 18);
	s->usage_lines = ft_stmt_column_int64(u, 19);
	s->rejected_lines = ft_stmt_column_int64(u, 20);
	s->suspense_rows = ft_stmt_column_int64(u, 21);
}

static void read_income(struct ft_stmt *in, struct ft_portal_source *s)
{
	s->income_kind = ft_stmt_column_text(in, 0);
	s->income_description = ft_stmt_column_text(in, 1);
	s->income_currency = ft_stmt_column_text(in, 2);
	s->income_amount = ft_stmt_column_text(in, 3);
	s->income_file = ft_stmt_column_text(in, 4);
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

int ft_portal_sources(struct ft_store *store, const char *period, const char *payee,
		      const char *account, const struct ft_portal_filter *filter, size_t offset,
		      size_t limit, ft_portal_source_fn fn, void *ctx, size_t *total,
		      struct ft_error *err)
{
	struct ft_stmt *q = NULL, *u = NULL, *in = NULL;
	char acct[512];
	size_t n = 0;
	int rc;

	rc = account_exists(store, period, payee, account, err);
	if (rc)
		return rc;
	/* The journal names a payee's account "payee:<payee>@<account>" (run.c). */
	snprintf(acct, sizeof(acct), "payee:%s@%s", payee, account);
	rc = ft_store_prepare(store, &q,
			      "SELECT id, posting, kind, COALESCE(contract, ''), amount, note,"
			      " COALESCE(source, ''), COALESCE(source_id, 0) FROM journal"
			      " WHERE period = ? AND account = ? AND kind IN ('royalty',"
			      " 'profit-split') ORDER BY id",
			      err);
	if (!rc)
		rc = ft_store_prepare(store, &u, usage_sql, err);
	if (!rc)
		rc = ft_store_prepare(store, &in, income_sql, err);
	if (!rc)
		rc = ft_stmt_bind_text(q, 1, period, err);
	if (!rc)
		rc = ft_stmt_bind_text(q, 2, acct, err);
	while (!rc && (rc = ft_stmt_step(q, err)) == 1) {
		struct ft_portal_source s;
		const char *source;

		rc = 0;
		memset(&s, 0, sizeof(s));
		s.month = s.isrc = s.track = s.upc = s.release = s.store = s.territory = "";
		s.commercial_model = s.use_type = s.currency = s.revenue = "";
		s.batch_file = s.partner = s.partner_name = s.format = s.imported_at = "";
		s.income_kind = s.income_description = s.income_currency = "";
		s.income_amount = s.income_file = "";
		s.journal_id = ft_stmt_column_int64(q, 0);
		s.posting = ft_stmt_column_int64(q, 1);
		s.kind = ft_stmt_column_text(q, 2);
		s.contract = ft_stmt_column_text(q, 3);
		rc = ft_stmt_column_amount(q, 4, &s.royalty, err);
		if (rc)
			break;
		s.note = ft_stmt_column_text(q, 5);
		source = ft_stmt_column_text(q, 6);
		s.non_attributable = strcmp(source, "income") == 0;
		s.usage_row = note_source(s.note);
		if (s.usage_row > 0) {
			rc = step_one(u, s.usage_row, err);
			if (rc < 0)
				break;
			if (rc == 1)
				read_usage(u, &s);
			rc = 0;
		}
		if (s.non_attributable) {
			s.income_id = ft_stmt_column_int64(q, 7);
			rc = step_one(in, s.income_id, err);
			if (rc < 0)
				break;
			if (rc == 1)
				read_income(in, &s);
			rc = 0;
		}
		if (!matches(filter, &s))
			continue;
		if (in_page(n++, offset, limit))
			rc = fn(ctx, &s, err);
	}
	ft_stmt_free(in);
	ft_stmt_free(u);
	ft_stmt_free(q);
	if (rc < 0 || rc > 1)
		return rc;
	if (total)
		*total = n;
	return 0;
}
