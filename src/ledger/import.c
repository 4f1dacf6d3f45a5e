/*
 * import.c — usage reports into the ledger as import batches (fairtrack/import.h).
 *
 * The order of work is chosen so that a refusal costs as little as possible
 * and a failure leaves nothing behind:
 *   1. SHA-256 of the file, refused at once if an active batch has it;
 *   2. the partner must exist (its fee applies later, in the engine);
 *   3. the whole file is aggregated in memory (bounded by distinct keys) —
 *      a bad line stops here, before the ledger is touched;
 *   4. one write transaction inserts the batch, its rows and its totals.
 * A crash anywhere before the commit of step 4 leaves the ledger as it was
 * (SQLite's journal); tests/integration/test_import_crash.sh kills imports
 * at random points to prove it.
 *
 * Identifiers: usage rows reference tracks (ISRC) or, for release-level
 * lines, releases (GTIN-14); rows the catalogue does not know go to suspense
 * with kind 'isrc', 'gtin' or 'invalid' (an identifier that is not even
 * well-formed stays visible too — money is never dropped for a typo).
 */
#include "fairtrack/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fairtrack/digest.h"
#include "fairtrack/ids.h"
#include "fairtrack/ingest.h"
#include "fairtrack/period.h"

/* ---------------------------------------------------------------- refusals */

static int refuse_duplicate(struct ft_store *store, const char *path, const char *sha256,
			    struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc;

	rc = ft_store_prepare(store, &st,
			      "SELECT id, file, imported_at FROM import_batches"
			      " WHERE sha256 = ? AND withdrawn_at IS NULL",
			      err);
	if (rc)
		return rc;
	rc = ft_stmt_bind_text(st, 1, sha256, err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	if (rc == 1)
		rc = ft_error_setloc(err, FT_EEXISTS, path, 0, NULL,
				     "already imported as batch %lld ('%s', %s); withdraw that "
				     "batch first to import it again",
				     (long long)ft_stmt_column_int64(st, 0), ft_stmt_column_text(st, 1),
				     ft_stmt_column_text(st, 2));
	ft_stmt_free(st);
	return rc;
}

static int need_partner(struct ft_store *store, const char *partner, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc;

	if (!partner || !partner[0])
		return ft_error_set(err, FT_EUSAGE, "which partner sent this report? (--partner ID)");
	rc = ft_store_prepare(store, &st, "SELECT id FROM partners WHERE id = ?", err);
	if (rc)
		return rc;
	rc = ft_stmt_bind_text(st, 1, partner, err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	ft_stmt_free(st);
	if (rc == 0)
		return ft_error_set(err, FT_ENOTFOUND,
				    "partner '%s' is not in the catalogue (see 'fairtrack list "
				    "partners'; add it with 'fairtrack import catalog')",
				    partner);
	return rc < 0 ? rc : 0;
}

/* The catalogue's ISRCs and GTINs, for the aggregator's matcher. */
static int load_matcher(struct ft_store *store, struct ft_matcher *m, struct ft_error *err)
{
	static const char *const sql[2] = {"SELECT isrc FROM tracks", "SELECT gtin14 FROM releases"};
	struct ft_stmt *st = NULL;
	int i, rc = 0;

	for (i = 0; i < 2 && !rc; i++) {
		rc = ft_store_prepare(store, &st, sql[i], err);
		while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
			const char *id = ft_stmt_column_text(st, 0);

			rc = i == 0 ? ft_matcher_add_isrc(m, id, strlen(id), err)
				    : ft_matcher_add_gtin(m, id, strlen(id), err);
		}
		ft_stmt_free(st);
		st = NULL;
	}
	return rc;
}

/* ------------------------------------------------------------- the import */

/* The format of the file's first report, so the batch records what was
 * read (the aggregator would detect it again per report; that is cheap). */
static int detect_first(void *ctx, struct ft_report *report, struct ft_error *err)
{
	const struct ft_format **format = ctx;
	const char *head;
	size_t len;
	int rc = ft_report_head(report, &head, &len, err);

	if (rc)
		return rc;
	*format = ft_format_detect(head, len);
	if (!*format)
		return ft_error_setloc(err, FT_EINVAL, ft_report_name(report), 0, NULL,
				       "not a report format fairtrack knows (see docs/FORMATS.md); "
				       "name one with --format, or describe it with --mapping");
	return 1; /* stop after the first report */
}

static int detect_format(const char *path, const struct ft_format **format, struct ft_error *err)
{
	int rc = ft_reader_each_report(path, detect_first, format, err);

	if (rc == 1)
		return 0;
	if (rc == 0)
		return ft_error_setloc(err, FT_EINVAL, path, 0, NULL, "holds no report");
	return rc;
}

struct writer {
	struct ft_store *store;
	struct ft_stmt *usage, *suspense;
	int64_t batch_id;
	const char *path;
	const char *default_month; /* "YYYY-MM" or NULL */
	struct ft_import_result *res;
	size_t cap_totals;
};

static struct ft_import_total *total_for(struct writer *w, const char *currency,
					 struct ft_error *err)
{
	struct ft_import_result *res = w->res;
	size_t i;

	for (i = 0; i < res->n_totals; i++)
		if (strcmp(res->totals[i].currency, currency) == 0)
			return &res->totals[i];
	if (res->n_totals == w->cap_totals) {
		size_t cap = w->cap_totals ? 2 * w->cap_totals : 8;
		struct ft_import_total *t = realloc(res->totals, cap * sizeof(*t));

		if (!t) {
			ft_error_set(err, FT_ENOMEM, "out of memory");
			return NULL;
		}
		res->totals = t;
		w->cap_totals = cap;
	}
	memset(&res->totals[res->n_totals], 0, sizeof(res->totals[0]));
	snprintf(res->totals[res->n_totals].currency, 4, "%s", currency);
	return &res->totals[res->n_totals++];
}

static int add_checked(int64_t *usages, ft_amount *revenue, const struct ft_aggregate_row *row,
		       struct ft_error *err)
{
	if (__builtin_add_overflow(*usages, row->usages, usages) ||
	    ft_amount_add(revenue, *revenue, row->revenue))
		return ft_error_set(err, FT_EOVERFLOW, "batch totals overflow");
	return 0;
}

static int write_row(void *ctx, const struct ft_aggregate_row *row, struct ft_error *err)
{
	struct writer *w = ctx;
	struct ft_import_result *res = w->res;
	struct ft_import_total *total;
	struct ft_stmt *st;
	char month[8];
	const char *kind;
	char isrc[FT_ISRC_LEN + 1];
	int m, rc;

	if (row->period[0]) {
		rc = ft_month_parse(&m, row->period, strlen(row->period), err);
		if (rc)
			return ft_error_locate(err, w->path, 0, "period");
		ft_month_format(month, m);
	} else if (w->default_month) {
		snprintf(month, sizeof(month), "%s", w->default_month);
	} else {
		return ft_error_setloc(err, FT_EINVAL, w->path, 0, NULL,
				       "the report does not say which month its sales are in: "
				       "give it with --month 2026-10");
	}
	if (!res->first_month[0] || strcmp(month, res->first_month) < 0)
		memcpy(res->first_month, month, 8);
	if (strcmp(month, res->last_month) > 0)
		memcpy(res->last_month, month, 8);

	total = total_for(w, row->currency, err);
	if (!total)
		return FT_ENOMEM;
	if (row->match) {
		st = w->usage;
		rc = add_checked(&total->usages, &total->revenue, row, err);
		res->rows++;
	} else {
		st = w->suspense;
		rc = add_checked(&total->suspense_usages, &total->suspense_revenue, row, err);
		res->suspense_rows++;
	}
	if (rc)
		return rc;

	rc = ft_stmt_reset(st, err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 1, w->batch_id, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 2, month, err);
	if (row->match) {
		/* usage: (batch, month, isrc, gtin14, …) — exactly one identifier */
		if (!rc)
			rc = ft_stmt_bind_text(st, 3, row->release_level ? NULL : row->id, err);
		if (!rc)
			rc = ft_stmt_bind_text(st, 4, row->release_level ? row->id : NULL, err);
	} else {
		if (row->release_level)
			kind = "gtin";
		else if (ft_isrc_parse(isrc, row->id, strlen(row->id), NULL) == 0)
			kind = "isrc";
		else
			kind = "invalid";
		if (!rc)
			rc = ft_stmt_bind_text(st, 3, kind, err);
		if (!rc)
			rc = ft_stmt_bind_text(st, 4, row->id, err);
	}
	if (!rc)
		rc = ft_stmt_bind_text(st, 5, row->territory, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 6, row->commercial_model, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 7, row->use_type, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 8, row->store, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 9, row->currency, err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 10, row->usages, err);
	if (!rc)
		rc = ft_stmt_bind_amount(st, 11, row->revenue, err);
	if (!rc)
		rc = ft_stmt_run(st, err);
	return rc;
}

static int insert_batch(struct writer *w, const char *path, const struct ft_import_opts *opts,
			const char *format_name, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	char now[FT_TIMESTAMP_MAX];
	int rc;

	ft_timestamp_utc(now, time(NULL));
	rc = ft_store_prepare(w->store, &st,
			      "INSERT INTO import_batches (sha256, file, bytes, partner_id, format,"
			      " forced, imported_at, rows, suspense_rows) VALUES (?, ?, ?, ?, ?, ?, ?,"
			      " 0, 0)",
			      err);
	if (rc)
		return rc;
	rc = ft_stmt_bind_text(st, 1, w->res->sha256, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 2, path, err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 3, (int64_t)w->res->bytes, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 4, opts->partner, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 5, format_name, err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 6, opts->force ? 1 : 0, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 7, now, err);
	if (!rc)
		rc = ft_stmt_run(st, err);
	ft_stmt_free(st);
	if (!rc)
		w->batch_id = ft_store_last_id(w->store);
	return rc;
}

static int finish_batch(struct writer *w, struct ft_error *err)
{
	struct ft_import_result *res = w->res;
	struct ft_stmt *st = NULL;
	size_t i;
	int rc;

	rc = ft_store_prepare(w->store, &st,
			      "UPDATE import_batches SET rows = ?, suspense_rows = ?, first_month = ?,"
			      " last_month = ?, usage_lines = ?, rejected_lines = ? WHERE id = ?",
			      err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 1, res->rows, err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 2, res->suspense_rows, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 3, res->first_month[0] ? res->first_month : NULL, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 4, res->last_month[0] ? res->last_month : NULL, err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 5, (int64_t)res->usage_lines, err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 6, (int64_t)res->rejected_lines, err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 7, w->batch_id, err);
	if (!rc)
		rc = ft_stmt_run(st, err);
	ft_stmt_free(st);
	st = NULL;
	if (!rc)
		rc = ft_store_prepare(w->store, &st,
				      "INSERT INTO batch_totals (batch_id, currency, usages, revenue,"
				      " suspense_usages, suspense_revenue) VALUES (?, ?, ?, ?, ?, ?)",
				      err);
	for (i = 0; !rc && i < res->n_totals; i++) {
		const struct ft_import_total *t = &res->totals[i];

		rc = ft_stmt_reset(st, err);
		if (!rc)
			rc = ft_stmt_bind_int64(st, 1, w->batch_id, err);
		if (!rc)
			rc = ft_stmt_bind_text(st, 2, t->currency, err);
		if (!rc)
			rc = ft_stmt_bind_int64(st, 3, t->usages, err);
		if (!rc)
			rc = ft_stmt_bind_amount(st, 4, t->revenue, err);
		if (!rc)
			rc = ft_stmt_bind_int64(st, 5, t->suspense_usages, err);
		if (!rc)
			rc = ft_stmt_bind_amount(st, 6, t->suspense_revenue, err);
		if (!rc)
			rc = ft_stmt_run(st, err);
	}
	ft_stmt_free(st);
	return rc;
}

static int cmp_total(const void *a, const void *b)
{
	return strcmp(((const struct ft_import_total *)a)->currency,
		      ((const struct ft_import_total *)b)->currency);
}

static int copy_stats(const struct ft_aggregate *agg, struct ft_import_result *res,
		      struct ft_error *err)
{
	struct ft_aggregate_stats st;

	ft_aggregate_stats(agg, &st);
	res->usage_lines = st.usage_lines;
	res->rejected_lines = st.rejected_lines;
	memcpy(res->first_reject, st.first_reject, sizeof(res->first_reject));
	if (st.n_reject_totals) {
		res->reject_totals = malloc(st.n_reject_totals * sizeof(*res->reject_totals));
		if (!res->reject_totals)
			return ft_error_set(err, FT_ENOMEM, "out of memory");
		memcpy(res->reject_totals, st.reject_totals,
		       st.n_reject_totals * sizeof(*res->reject_totals));
		res->n_reject_totals = st.n_reject_totals;
	}
	return 0;
}

int ft_import_report(struct ft_store *store, const char *path, const struct ft_import_opts *opts,
		     struct ft_import_result *res, struct ft_error *err)
{
	struct ft_aggregate_opts agg_opts = {0};
	struct ft_matcher *matcher = NULL;
	struct ft_aggregate *agg = NULL;
	struct writer w = {0};
	char month[8];
	int m, rc;

	memset(res, 0, sizeof(*res));
	if (opts->month) {
		rc = ft_month_parse(&m, opts->month, strlen(opts->month), err);
		if (rc)
			return rc;
		ft_month_format(month, m);
		w.default_month = month;
	}
	rc = ft_sha256_file(res->sha256, &res->bytes, path, err);
	if (!rc)
		rc = refuse_duplicate(store, path, res->sha256, err);
	if (!rc)
		rc = need_partner(store, opts->partner, err);
	if (!rc)
		rc = ft_matcher_new(&matcher, err);
	if (!rc)
		rc = load_matcher(store, matcher, err);
	if (rc)
		goto out;
	agg_opts.matcher = matcher;
	agg_opts.format = opts->format;
	if (!agg_opts.format) {
		rc = detect_format(path, &agg_opts.format, err);
		if (rc)
			goto out;
	}
	agg_opts.threads = opts->threads;
	agg_opts.force = opts->force;
	agg_opts.format_user = opts->format_user;
	agg_opts.reject = opts->reject;
	agg_opts.progress = opts->progress;
	agg_opts.progress_ctx = opts->progress_ctx;
	rc = ft_aggregate_new(&agg, &agg_opts, err);
	if (!rc)
		rc = ft_aggregate_file(agg, path, err);
	if (rc)
		goto out;
	rc = copy_stats(agg, res, err);
	if (rc)
		goto out;

	w.store = store;
	w.path = path;
	w.res = res;
	rc = ft_store_begin(store, err);
	if (rc)
		goto out;
	rc = insert_batch(&w, path, opts, agg_opts.format->name, err);
	if (!rc)
		rc = ft_store_prepare(store, &w.usage,
				      "INSERT INTO usage (batch_id, month, isrc, gtin14, territory,"
				      " commercial_model, use_type, store, currency, usages, revenue)"
				      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				      err);
	if (!rc)
		rc = ft_store_prepare(store, &w.suspense,
				      "INSERT INTO suspense (batch_id, month, kind, identifier,"
				      " territory, commercial_model, use_type, store, currency, usages,"
				      " revenue) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				      err);
	if (!rc)
		rc = ft_aggregate_each(agg,
				       FT_AGGREGATE_MATCHED | FT_AGGREGATE_UNMATCHED |
					       FT_AGGREGATE_PERIOD_STORE,
				       write_row, &w, err);
	if (!rc) {
		qsort(res->totals, res->n_totals, sizeof(res->totals[0]), cmp_total);
		rc = finish_batch(&w, err);
	}
	ft_stmt_free(w.usage);
	ft_stmt_free(w.suspense);
	if (!rc)
		rc = ft_store_commit(store, err);
	if (rc)
		ft_store_rollback(store, NULL);
	else
		res->batch_id = w.batch_id;
out:
	ft_aggregate_free(agg);
	ft_matcher_free(matcher);
	return rc;
}

void ft_import_result_free(struct ft_import_result *res)
{
	if (!res)
		return;
	free(res->totals);
	res->totals = NULL;
	res->n_totals = 0;
	free(res->reject_totals);
	res->reject_totals = NULL;
	res->n_reject_totals = 0;
}

/* --------------------------------------------------------------- listing */

int ft_import_each(struct ft_store *store, ft_batch_fn fn, void *ctx, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	struct ft_batch_info b;
	int rc;

	rc = ft_store_prepare(store, &st,
			      "SELECT id, file, sha256, partner_id, format, first_month, last_month,"
			      " imported_at, withdrawn_at, forced, rows, suspense_rows, bytes,"
			      " usage_lines, rejected_lines"
			      " FROM import_batches ORDER BY id",
			      err);
	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		b.id = ft_stmt_column_int64(st, 0);
		b.file = ft_stmt_column_text(st, 1);
		b.sha256 = ft_stmt_column_text(st, 2);
		b.partner = ft_stmt_column_text(st, 3);
		b.format = ft_stmt_column_text(st, 4);
		b.first_month = ft_stmt_column_text(st, 5);
		b.last_month = ft_stmt_column_text(st, 6);
		b.imported_at = ft_stmt_column_text(st, 7);
		b.withdrawn_at = ft_stmt_column_text(st, 8);
		b.forced = (int)ft_stmt_column_int64(st, 9);
		b.rows = ft_stmt_column_int64(st, 10);
		b.suspense_rows = ft_stmt_column_int64(st, 11);
		b.bytes = (uint64_t)ft_stmt_column_int64(st, 12);
		b.usage_lines = ft_stmt_column_int64(st, 13);
		b.rejected_lines = ft_stmt_column_int64(st, 14);
		rc = fn(ctx, &b, err);
	}
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}

/* ------------------------------------------------------------- withdraw */

static int exec_bound(struct ft_store *store, const char *sql, int64_t id, const char *text,
		      struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc = ft_store_prepare(store, &st, sql, err);

	if (!rc && text)
		rc = ft_stmt_bind_text(st, 1, text, err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, text ? 2 : 1, id, err);
	if (!rc)
		rc = ft_stmt_run(st, err);
	ft_stmt_free(st);
	return rc;
}

int ft_import_withdraw(struct ft_store *store, int64_t batch_id, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	char now[FT_TIMESTAMP_MAX];
	int rc;

	rc = ft_store_begin(store, err);
	if (rc)
		return rc;
	rc = ft_store_prepare(store, &st,
			      "SELECT withdrawn_at, (SELECT MIN(c.month) FROM closed_periods c"
			      "  WHERE c.month IN (SELECT u.month FROM usage u WHERE u.batch_id = b.id"
			      "   UNION SELECT s.month FROM suspense s WHERE s.batch_id = b.id))"
			      " FROM import_batches b WHERE b.id = ?",
			      err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 1, batch_id, err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	if (rc == 0)
		rc = ft_error_set(err, FT_ENOTFOUND, "there is no import batch %lld (see 'fairtrack imports')",
				  (long long)batch_id);
	else if (rc == 1 && !ft_stmt_column_is_null(st, 0))
		rc = ft_error_set(err, FT_ECONFLICT, "batch %lld was already withdrawn on %s",
				  (long long)batch_id, ft_stmt_column_text(st, 0));
	else if (rc == 1 && !ft_stmt_column_is_null(st, 1))
		rc = ft_error_set(err, FT_ECONFLICT,
				  "batch %lld has sales in %s, a closed period: a correction goes "
				  "into the next open period instead",
				  (long long)batch_id, ft_stmt_column_text(st, 1));
	else if (rc == 1)
		rc = 0;
	ft_stmt_free(st);
	ft_timestamp_utc(now, time(NULL));
	if (!rc)
		rc = exec_bound(store, "DELETE FROM usage WHERE batch_id = ?", batch_id, NULL, err);
	if (!rc)
		rc = exec_bound(store, "DELETE FROM suspense WHERE batch_id = ?", batch_id, NULL, err);
	if (!rc)
		rc = exec_bound(store, "UPDATE import_batches SET withdrawn_at = ? WHERE id = ?",
				batch_id, now, err);
	if (!rc)
		rc = ft_store_commit(store, err);
	if (rc)
		ft_store_rollback(store, NULL);
	return rc;
}

/* -------------------------------------------------------------- suspense */

int ft_suspense_each(struct ft_store *store, ft_suspense_fn fn, void *ctx, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	struct ft_suspense_entry e;
	char key[4][64] = {{0}};
	char kind[16] = "", cur[8] = "";
	int have = 0, rc;

	/* Grouped in C: revenue is exact decimal text, which SQL cannot sum
	 * exactly on every backend. */
	rc = ft_store_prepare(store, &st,
			      "SELECT b.partner_id, s.month, s.kind, s.identifier, s.currency,"
			      " s.usages, s.revenue FROM suspense s"
			      " JOIN import_batches b ON b.id = s.batch_id"
			      " ORDER BY b.partner_id, s.month, s.identifier, s.currency",
			      err);
	memset(&e, 0, sizeof(e));
	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		const char *p = ft_stmt_column_text(st, 0), *m = ft_stmt_column_text(st, 1);
		const char *k = ft_stmt_column_text(st, 2), *id = ft_stmt_column_text(st, 3);
		const char *c = ft_stmt_column_text(st, 4);
		ft_amount revenue;

		rc = ft_stmt_column_amount(st, 6, &revenue, err);
		if (rc)
			break;
		if (have && (strcmp(p, key[0]) || strcmp(m, key[1]) || strcmp(id, key[2]) ||
			     strcmp(c, cur))) {
			rc = fn(ctx, &e, err);
			if (rc)
				break;
			have = 0;
		}
		if (!have) {
			snprintf(key[0], sizeof(key[0]), "%s", p);
			snprintf(key[1], sizeof(key[1]), "%s", m);
			snprintf(key[2], sizeof(key[2]), "%s", id);
			snprintf(kind, sizeof(kind), "%s", k);
			snprintf(cur, sizeof(cur), "%s", c);
			memset(&e, 0, sizeof(e));
			e.partner = key[0];
			e.month = key[1];
			e.identifier = key[2];
			e.kind = kind;
			e.currency = cur;
			have = 1;
		}
		e.usages += ft_stmt_column_int64(st, 5);
		if (ft_amount_add(&e.revenue, e.revenue, revenue)) {
			rc = ft_error_set(err, FT_EOVERFLOW, "suspense total overflows");
			break;
		}
		e.rows++;
	}
	if (rc == 0 && have)
		rc = fn(ctx, &e, err);
	ft_stmt_free(st);
	return rc;
}

int ft_import_rematch(struct ft_store *store, int64_t *moved, struct ft_error *err)
{
	int rc;
	int64_t n = 0;

	*moved = 0;
	rc = ft_store_begin(store, err);
	if (rc)
		return rc;
	rc = ft_store_exec(store,
			   "INSERT INTO usage (batch_id, month, isrc, gtin14, territory,"
			   " commercial_model, use_type, store, currency, usages, revenue)"
			   " SELECT s.batch_id, s.month, t.isrc, NULL, s.territory, s.commercial_model,"
			   " s.use_type, s.store, s.currency, s.usages, s.revenue"
			   " FROM suspense s JOIN tracks t ON t.isrc = s.identifier"
			   " WHERE s.kind = 'isrc'",
			   err);
	if (!rc) {
		n += ft_store_changes(store);
		rc = ft_store_exec(store,
				   "INSERT INTO usage (batch_id, month, isrc, gtin14, territory,"
				   " commercial_model, use_type, store, currency, usages, revenue)"
				   " SELECT s.batch_id, s.month, NULL, r.gtin14, s.territory,"
				   " s.commercial_model, s.use_type, s.store, s.currency, s.usages,"
				   " s.revenue FROM suspense s JOIN releases r ON r.gtin14 = s.identifier"
				   " WHERE s.kind = 'gtin'",
				   err);
	}
	if (!rc) {
		n += ft_store_changes(store);
		rc = ft_store_exec(store,
				   "DELETE FROM suspense WHERE (kind = 'isrc' AND identifier IN"
				   " (SELECT isrc FROM tracks)) OR (kind = 'gtin' AND identifier IN"
				   " (SELECT gtin14 FROM releases))",
				   err);
	}
	if (!rc && ft_store_changes(store) != n)
		rc = ft_error_set(err, FT_EDB, "rematch moved %lld rows but removed %lld from suspense",
				  (long long)n, (long long)ft_store_changes(store));
	if (!rc)
		rc = ft_store_commit(store, err);
	if (rc)
		ft_store_rollback(store, NULL);
	else
		*moved = n;
	return rc;
}

/* ----------------------------------------------------------------- check */

/* Sum a table's rows of one batch and currency. */
static int sum_rows(struct ft_store *store, const char *table, int64_t batch, const char *currency,
		    int64_t *usages, ft_amount *revenue, struct ft_error *err)
{
	char sql[160];
	struct ft_stmt *st = NULL;
	int rc;

	*usages = 0;
	*revenue = 0;
	snprintf(sql, sizeof(sql), "SELECT usages, revenue FROM %s WHERE batch_id = ? AND currency = ?",
		 table);
	rc = ft_store_prepare(store, &st, sql, err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 1, batch, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 2, currency, err);
	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		ft_amount a;

		*usages += ft_stmt_column_int64(st, 0);
		rc = ft_stmt_column_amount(st, 1, &a, err);
		if (!rc && ft_amount_add(revenue, *revenue, a))
			rc = ft_error_set(err, FT_EOVERFLOW, "batch %lld: sum overflows",
					  (long long)batch);
	}
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}

int ft_import_check(struct ft_store *store, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc;

	rc = ft_store_prepare(store, &st,
			      "SELECT t.batch_id, t.currency, t.usages, t.revenue, t.suspense_usages,"
			      " t.suspense_revenue FROM batch_totals t JOIN import_batches b"
			      " ON b.id = t.batch_id WHERE b.withdrawn_at IS NULL"
			      " ORDER BY t.batch_id, t.currency",
			      err);
	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		int64_t batch = ft_stmt_column_int64(st, 0);
		char currency[8];
		int64_t u_total, s_total, u_rows, s_rows;
		ft_amount r_total, rs_total, r_rows, rs_rows, want, got;

		snprintf(currency, sizeof(currency), "%s", ft_stmt_column_text(st, 1));
		u_total = ft_stmt_column_int64(st, 2);
		s_total = ft_stmt_column_int64(st, 4);
		rc = ft_stmt_column_amount(st, 3, &r_total, err);
		if (!rc)
			rc = ft_stmt_column_amount(st, 5, &rs_total, err);
		if (!rc)
			rc = sum_rows(store, "usage", batch, currency, &u_rows, &r_rows, err);
		if (!rc)
			rc = sum_rows(store, "suspense", batch, currency, &s_rows, &rs_rows, err);
		if (rc)
			break;
		/* Rematch moves rows from suspense to usage, so only the sum of the
		 * two must equal the batch's total. */
		if (ft_amount_add(&want, r_total, rs_total) || ft_amount_add(&got, r_rows, rs_rows)) {
			rc = ft_error_set(err, FT_EOVERFLOW, "batch %lld: totals overflow", (long long)batch);
			break;
		}
		if (want != got || u_total + s_total != u_rows + s_rows) {
			char a[FT_AMOUNT_STR_MAX], b[FT_AMOUNT_STR_MAX];

			ft_amount_format(a, sizeof(a), want, 0);
			ft_amount_format(b, sizeof(b), got, 0);
			rc = ft_error_set(err, FT_ECONFLICT,
					  "batch %lld, %s: recorded total %s (%lld usages) but its rows "
					  "sum to %s (%lld usages)",
					  (long long)batch, currency, a, (long long)(u_total + s_total), b,
					  (long long)(u_rows + s_rows));
			break;
		}
	}
	ft_stmt_free(st);
	return rc;
}
