/*
 * unrun.c — months no run covers: refused, accounted elsewhere, or taken
 * over by a later run (docs/JOURNAL.md, "Months no run covers").
 *
 * Runs go in order and a closed period is final, so a month that was never
 * run and is not closed, once a later month is closed, can never be run:
 * its usage, suspense and income rows were read by no run and counted
 * nowhere.  Every cent received must end somewhere, so such rows are never
 * skipped silently.  A month before the run's period holding active rows
 * no run posted is one of:
 *
 *  - accounted elsewhere: the label says another system paid it (history
 *    imported for reference).  Recorded as run_posted rows with source
 *    'elsewhere', 'elsewhere-suspense' or 'elsewhere-income' (period
 *    'elsewhere', which no run has) covering the rows of that kind the
 *    month held when marked, up to last_id; the reason is in the audit log
 *    (action 'accounted-elsewhere', target the month).  Those rows are
 *    never posted.  A row imported for the month later has a larger id
 *    and is undecided again: the next run names it.
 *  - taken over by a run (`run --include-unrun`): the run posts the rows as
 *    late adjustments and records the month in run_posted with source
 *    'unrun' (its first and last row); closing the run closes the month, so
 *    from then on it is a closed month like any other (rows that arrive
 *    later, or wait for a quarterly contract, are posted by later runs).
 *  - undecided: the run is refused, naming the month, its rows and revenue.
 *
 * No schema change: run_posted and closed_periods hold what is decided.
 * Rows of closed months that no run posted yet (late reports, rows
 * deferred for a quarterly contract) are not this module's business: the
 * next run posts them (run_read.c row_status).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fairtrack/ledger_run.h"
#include "fairtrack/users.h"
#include "ledger/run_int.h"
#include "ledger/unrun.h"

/* Usage row ranges one month's runs posted, sorted by first id. */
struct id_range {
	int64_t first, last;
};

static int one_int(struct ft_store *store, const char *sql, const char *arg, int64_t *out,
		   int *found, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc = ft_store_prepare(store, &st, sql, err);

	*found = 0;
	if (!rc && arg)
		rc = ft_stmt_bind_text(st, 1, arg, err);
	if (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		rc = 0;
		if (!ft_stmt_column_is_null(st, 0)) {
			*out = ft_stmt_column_int64(st, 0);
			*found = 1;
		}
	}
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}

static int add_revenue(struct unrun_month *m, const char *cur, const char *text,
		       struct ft_error *err)
{
	ft_amount a;
	size_t i;

	if (!text || ft_amount_parse(&a, text, strlen(text), NULL))
		return ft_error_set(err, FT_ESCHEMA,
				    "usage row of %04d-%02d: stored revenue '%s' "
				    "is not an exact decimal",
				    m->month / 12, m->month % 12 + 1, text ? text : "");
	for (i = 0; i < m->n_cur && strcmp(m->cur[i], cur ? cur : "") != 0; i++)
		;
	if (i == m->n_cur) {
		if (m->n_cur == UNRUN_CURRENCIES) {
			m->more_cur = 1;
			return 0;
		}
		snprintf(m->cur[i], sizeof(m->cur[i]), "%s", cur ? cur : "");
		m->revenue[i] = 0;
		m->n_cur++;
	}
	if (ft_amount_add(&m->revenue[i], m->revenue[i], a))
		return ft_error_set(err, FT_EOVERFLOW, "revenue of %04d-%02d overflows",
				    m->month / 12, m->month % 12 + 1);
	return 0;
}

/* Usage row ranges of one month that runs posted (run_posted 'usage' of
 * any run: at run time the only runs left are closed ones; for check an
 * open run's rows count as posted too), sorted by first id. */
static int posted_ranges(struct ft_store *store, const char *mt, struct id_range **out, size_t *n,
			 struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	struct id_range *ranges = NULL;
	size_t cap = 0;
	int rc;

	*n = 0;
	rc = ft_store_prepare(store, &st,
			      "SELECT first_id, last_id FROM run_posted WHERE source = 'usage' AND "
			      "month = ? ORDER BY first_id",
			      err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, mt, err);
	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		rc = 0;
		if (*n == cap) {
			struct id_range *g = realloc(ranges, (cap ? cap * 2 : 16) * sizeof(*g));

			if (!g) {
				rc = ft_error_set(err, FT_ENOMEM, "out of memory");
				break;
			}
			ranges = g;
			cap = cap ? cap * 2 : 16;
		}
		ranges[*n].first = ft_stmt_column_int64(st, 0);
		ranges[(*n)++].last = ft_stmt_column_int64(st, 1);
	}
	ft_stmt_free(st);
	*out = ranges;
	return rc < 0 ? rc : 0;
}

/*
 * One month: its active usage, suspense and income rows above the month's
 * accounted-elsewhere marks (above[kind]) that no run posted.  Usage rows
 * posted are in run_posted; suspense and income rows in the receipt or
 * late posting of their own id (one a row).
 */
static int scan_month(struct ft_store *store, int month, const int64_t above[3],
		      struct unrun_month *out, struct ft_error *err)
{
	static const char *const sql[3] = {
	    /* month = ? AND rowid > ? is a range of the month index (the rowid is
	     * its last column), so a month marked up to its last row costs one
	     * seek. */
	    "SELECT u.rowid, u.currency, u.revenue FROM usage u JOIN import_batches b ON b.id = "
	    "u.batch_id WHERE u.month = ? AND u.rowid > ? AND b.withdrawn_at IS NULL ORDER BY "
	    "u.rowid",
	    "SELECT s.rowid, s.currency, s.revenue FROM suspense s JOIN import_batches b ON b.id = "
	    "s.batch_id WHERE s.month = ? AND s.rowid > ? AND b.withdrawn_at IS NULL AND NOT "
	    "EXISTS (SELECT 1 FROM journal j WHERE j.source = 'suspense' AND j.source_id = "
	    "s.rowid AND j.kind IN ('receipt', 'late')) ORDER BY s.rowid",
	    "SELECT i.id, i.currency, i.amount FROM income i WHERE i.month = ? AND i.id > ? AND "
	    "NOT EXISTS (SELECT 1 FROM journal j WHERE j.source = 'income' AND j.source_id = i.id "
	    "AND j.kind IN ('receipt', 'late')) ORDER BY i.id",
	};
	struct ft_stmt *st = NULL;
	struct id_range *ranges = NULL;
	size_t n = 0, at = 0;
	char mt[8];
	int rc, k;

	memset(out, 0, sizeof(*out));
	out->month = month;
	ft_month_format(mt, month);
	rc = posted_ranges(store, mt, &ranges, &n, err);
	for (k = 0; !rc && k < 3; k++) {
		out->through[k] = above[k];
		rc = ft_store_prepare(store, &st, sql[k], err);
		if (!rc)
			rc = ft_stmt_bind_text(st, 1, mt, err);
		if (!rc)
			rc = ft_stmt_bind_int64(st, 2, above[k], err);
		while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
			int64_t id = ft_stmt_column_int64(st, 0);

			rc = 0;
			/* Ranges of different runs may interleave: skip those ended. */
			while (k == 0 && at < n && ranges[at].last < id)
				at++;
			if (k == 0 && at < n && ranges[at].first <= id) {
				size_t j;
				int posted = 0;

				for (j = at; j < n && ranges[j].first <= id && !posted; j++)
					posted = ranges[j].last >= id;
				if (posted)
					continue;
			}
			if (!out->rows[k])
				out->first_id[k] = id;
			out->last_id[k] = id;
			out->rows[k]++;
			rc = add_revenue(out, ft_stmt_column_text(st, 1),
					 ft_stmt_column_text(st, 2), err);
		}
		ft_stmt_free(st);
		st = NULL;
		if (rc > 0)
			rc = 0;
	}
	free(ranges);
	return rc < 0 ? rc : 0;
}

static const char *const mark_sources[3] = {"elsewhere", "elsewhere-suspense", "elsewhere-income"};

/* The highest row id of each kind marked accounted elsewhere in month (0: none). */
static int elsewhere_through(struct ft_store *store, const char *mt, int64_t through[3],
			     struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc, k;

	through[0] = through[1] = through[2] = 0;
	rc = ft_store_prepare(store, &st,
			      "SELECT source, MAX(last_id) FROM run_posted WHERE month = ? AND "
			      "source IN ('elsewhere', 'elsewhere-suspense', 'elsewhere-income') "
			      "GROUP BY source",
			      err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, mt, err);
	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		const char *source = ft_stmt_column_text(st, 0);

		rc = 0;
		for (k = 0; k < 3; k++)
			if (source && !strcmp(source, mark_sources[k]))
				through[k] = ft_stmt_column_int64(st, 1);
	}
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}

static int64_t total_rows(const struct unrun_month *m)
{
	return m->rows[0] + m->rows[1] + m->rows[2];
}

/* 1 when a run took the month over (run_posted 'unrun'), 0 when not. */
static int taken_over(struct ft_store *store, const char *mt, char *by, size_t cap,
		      struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc =
	    ft_store_prepare(store, &st,
			     "SELECT period FROM run_posted WHERE source = 'unrun' AND month = ? "
			     "ORDER BY period LIMIT 1",
			     err);

	if (!rc)
		rc = ft_stmt_bind_text(st, 1, mt, err);
	if (!rc && (rc = ft_stmt_step(st, err)) == 1 && by)
		snprintf(by, cap, "%s", ft_stmt_column_text(st, 0));
	ft_stmt_free(st);
	return rc;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The months before `before` holding usage, suspense or income rows,
 * sorted, each once (*out malloc'd). */
static int candidate_months(struct ft_store *store, int before, int **out, size_t *n,
			    struct ft_error *err)
{
	static const char *const sql[3] = {
	    /* usage: one seek a month through its month index (a ledger's
	     * history is years of months, not its rows) */
	    "SELECT MIN(month) FROM usage WHERE month > ?",
	    /* suspense and income are small; read_rows reads them whole too */
	    "SELECT DISTINCT month FROM suspense WHERE month > ?",
	    "SELECT DISTINCT month FROM income WHERE month > ?",
	};
	struct ft_stmt *st = NULL;
	int *list = NULL, rc = 0, k, month;
	size_t cap = 0, i, w;
	char mt[8] = "";

	*n = 0;
	for (k = 0; !rc && k < 3; k++) {
		mt[0] = '\0';
		rc = ft_store_prepare(store, &st, sql[k], err);
		while (!rc) {
			const char *t;

			if (k == 0) { /* the next month after the last one found */
				rc = ft_stmt_reset(st, err);
				if (!rc)
					rc = ft_stmt_bind_text(st, 1, mt, err);
			} else if (!mt[0]) {
				mt[0] = ' '; /* bound once: every month */
				rc = ft_stmt_bind_text(st, 1, "", err);
			}
			if (!rc)
				rc = ft_stmt_step(st, err);
			if (rc != 1)
				break;
			rc = 0;
			t = ft_stmt_column_text(st, 0);
			if (!t || ft_month_parse(&month, t, strlen(t), NULL)) {
				if (k == 0)
					break;
				continue;
			}
			if (month >= before) {
				if (k == 0)
					break;
				continue;
			}
			if (k == 0)
				ft_month_format(mt, month);
			if (*n == cap) {
				int *g = realloc(list, (cap ? cap * 2 : 16) * sizeof(*g));

				if (!g) {
					rc = ft_error_set(err, FT_ENOMEM, "out of memory");
					break;
				}
				list = g;
				cap = cap ? cap * 2 : 16;
			}
			list[(*n)++] = month;
		}
		ft_stmt_free(st);
		st = NULL;
		if (rc > 0)
			rc = 0;
	}
	if (rc < 0) {
		free(list);
		*n = 0;
		return rc;
	}
	if (*n)
		qsort(list, *n, sizeof(*list), cmp_int);
	for (i = w = 0; i < *n; i++)
		if (!w || list[w - 1] != list[i])
			list[w++] = list[i];
	*n = w;
	*out = list;
	return 0;
}

int unrun_scan(struct ft_store *store, int before, struct unrun_month **out, size_t *n,
	       struct ft_error *err)
{
	struct unrun_month *list = NULL, m;
	int *months = NULL;
	size_t cap = 0, n_months = 0, i;
	char mt[8];
	int rc;

	*out = NULL;
	*n = 0;
	rc = candidate_months(store, before, &months, &n_months, err);
	for (i = 0; !rc && i < n_months; i++) {
		int64_t through[3] = {0, 0, 0};

		memset(&m, 0, sizeof(m));
		ft_month_format(mt, months[i]);
		rc = ft_ledger_month_closed(store, mt, err);
		if (rc == 0)
			rc = taken_over(store, mt, NULL, 0, err);
		if (rc == 0)
			rc = elsewhere_through(store, mt, through, err);
		if (rc == 0)
			rc = scan_month(store, months[i], through, &m, err);
		if (rc == 1) { /* closed or taken over: the runs handle its rows */
			rc = 0;
			continue;
		}
		if (rc < 0 || !total_rows(&m))
			continue;
		if (*n == cap) {
			struct unrun_month *g = realloc(list, (cap ? cap * 2 : 8) * sizeof(*g));

			if (!g) {
				rc = ft_error_set(err, FT_ENOMEM, "out of memory");
				break;
			}
			list = g;
			cap = cap ? cap * 2 : 8;
		}
		list[(*n)++] = m;
	}
	free(months);
	if (rc < 0) {
		free(list);
		*n = 0;
		return rc;
	}
	*out = list;
	return 0;
}

void unrun_describe(const struct unrun_month *m, char *buf, size_t cap)
{
	static const char *const kinds[3] = {"", " suspense", " income"};
	char mt[8], a[FT_AMOUNT_STR_MAX];
	size_t used, i;
	int k, parts = 0;

	ft_month_format(mt, m->month);
	used = (size_t)snprintf(buf, cap, "%s (", mt);
	for (k = 0; k < 3 && used < cap; k++)
		if (m->rows[k] || (k == 0 && !total_rows(m)))
			used += (size_t)snprintf(buf + used, cap - used, "%s%lld%s row%s",
						 parts++ ? ", " : "", (long long)m->rows[k],
						 kinds[k], m->rows[k] == 1 ? "" : "s");
	if (used < cap)
		used += (size_t)snprintf(buf + used, cap - used, ", revenue");
	for (i = 0; i < m->n_cur && used < cap; i++) {
		ft_amount_format(a, sizeof(a), m->revenue[i], 2);
		used += (size_t)snprintf(buf + used, cap - used, "%s %s %s", i ? "," : "", a,
					 m->cur[i]);
	}
	if (used < cap)
		snprintf(buf + used, cap - used, "%s)", m->more_cur ? ", …" : "");
}

int unrun_for_run(struct ft_store *store, const struct ft_period *period, int include,
		  struct unrun_month **out, size_t *n, struct ft_error *err)
{
	char p[FT_PERIOD_STR_MAX], first[8], last[8], mt[8], msg[FT_ERROR_MESSAGE_MAX];
	char tail[200];
	int64_t runnable_from = 0, v;
	size_t i, used;
	int rc, found;

	*out = NULL;
	*n = 0;
	ft_period_format(p, sizeof(p), period);
	ft_month_format(first, period->first);
	ft_month_format(last, period->first + period->months - 1);
	/* A month of P marked accounted elsewhere: running it would post what
	 * another system paid. */
	{
		struct ft_stmt *st = NULL;

		rc =
		    ft_store_prepare(store, &st,
				     "SELECT month FROM run_posted WHERE source IN ('elsewhere', "
				     "'elsewhere-suspense', 'elsewhere-income') AND month >= ? AND "
				     "month <= ? ORDER BY month LIMIT 1",
				     err);
		if (!rc)
			rc = ft_stmt_bind_text(st, 1, first, err);
		if (!rc)
			rc = ft_stmt_bind_text(st, 2, last, err);
		if (!rc && (rc = ft_stmt_step(st, err)) == 1)
			rc = ft_error_set(
			    err, FT_ECONFLICT,
			    "%s is accounted elsewhere (month %s, 'fairtrack periods' "
			    "says why): its rows are never posted, so it cannot be run",
			    p, ft_stmt_column_text(st, 0));
		ft_stmt_free(st);
		if (rc)
			return rc;
	}
	rc = unrun_scan(store, period->first, out, n, err);
	if (rc || !*n)
		return rc;
	if (include) {
		struct ft_stmt *st = NULL;

		rc = ft_store_prepare(store, &st,
				      "INSERT INTO run_posted (period, source, month, first_id, "
				      "last_id) VALUES (?, 'unrun', ?, ?, ?)",
				      err);
		for (i = 0; !rc && i < *n; i++) {
			ft_month_format(mt, (*out)[i].month);
			rc = ft_stmt_reset(st, err);
			if (!rc)
				rc = ft_stmt_bind_text(st, 1, p, err);
			if (!rc)
				rc = ft_stmt_bind_text(st, 2, mt, err);
			if (!rc)
				rc = ft_stmt_bind_int64(st, 3, (*out)[i].first_id[0], err);
			if (!rc)
				rc = ft_stmt_bind_int64(st, 4, (*out)[i].last_id[0], err);
			if (!rc && (rc = ft_stmt_step(st, err)) > 0)
				rc = 0;
		}
		ft_stmt_free(st);
		return rc;
	}
	/* A month can still be run first while no closed run ends after it
	 * (periods run in order). */
	rc =
	    one_int(store, "SELECT MAX(first_month + months) FROM runs WHERE closed_at IS NOT NULL",
		    NULL, &v, &found, err);
	if (rc)
		return rc;
	if (found)
		runnable_from = v;
	/* The ways on come last, so the month list gives way when the message
	 * would not fit: it names as many months as it can, then how many
	 * more there are ('fairtrack periods' lists them all). */
	snprintf(tail, sizeof(tail),
		 ". Mark a month another system paid ('close --period M "
		 "--accounted-elsewhere REASON'), or post them here as late adjustments "
		 "('run --period %s --include-unrun')",
		 p);
	used = (size_t)snprintf(msg, sizeof(msg),
				"%s: %zu earlier month%s hold%s rows no run posted:", p, *n,
				*n == 1 ? "" : "s", *n == 1 ? "s" : "");
	for (i = 0; i < *n; i++) {
		char d[160], one[256];
		size_t len;

		unrun_describe(&(*out)[i], d, sizeof(d));
		ft_month_format(mt, (*out)[i].month);
		if ((*out)[i].month >= runnable_from)
			len = (size_t)snprintf(one, sizeof(one),
					       "%s %s, run it first ('run --period %s')",
					       i ? ";" : "", d, mt);
		else
			len = (size_t)snprintf(one, sizeof(one), "%s %s, can no longer be run",
					       i ? ";" : "", d);
		if (used + len + strlen(tail) + 48 >= sizeof(msg))
			break;
		memcpy(msg + used, one, len + 1);
		used += len;
	}
	if (i < *n)
		used += (size_t)snprintf(msg + used, sizeof(msg) - used,
					 "; and %zu more ('fairtrack periods')", *n - i);
	if (used < sizeof(msg))
		snprintf(msg + used, sizeof(msg) - used, "%s", tail);
	free(*out);
	*out = NULL;
	*n = 0;
	/* The field names the option that lets the run through, so a caller
	 * (the portal) can offer the ways on without reading the message. */
	return ft_error_setloc(err, FT_ECONFLICT, NULL, 0, "include_unrun", "%s", msg);
}

int unrun_marks(struct ft_store *store, struct unrun_mark **out, size_t *n, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	struct unrun_mark *list = NULL;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = ft_store_prepare(
	    store, &st,
	    "SELECT month, source, MAX(last_id) FROM run_posted WHERE source IN ('elsewhere', "
	    "'elsewhere-suspense', 'elsewhere-income') GROUP BY month, source ORDER BY month",
	    err);
	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		const char *t = ft_stmt_column_text(st, 0), *source = ft_stmt_column_text(st, 1);
		int month, k;

		rc = ft_month_parse(&month, t, t ? strlen(t) : 0, err);
		if (rc)
			break;
		for (k = 0; k < 3 && (!source || strcmp(source, mark_sources[k]) != 0); k++)
			;
		if (k == 3)
			continue;
		if (*n && list[*n - 1].month == month) {
			list[*n - 1].through[k] = ft_stmt_column_int64(st, 2);
			continue;
		}
		if (*n == cap) {
			struct unrun_mark *g = realloc(list, (cap ? cap * 2 : 8) * sizeof(*g));

			if (!g) {
				rc = ft_error_set(err, FT_ENOMEM, "out of memory");
				break;
			}
			list = g;
			cap = cap ? cap * 2 : 8;
		}
		memset(&list[*n], 0, sizeof(list[*n]));
		list[*n].month = month;
		list[(*n)++].through[k] = ft_stmt_column_int64(st, 2);
	}
	ft_stmt_free(st);
	if (rc < 0) {
		free(list);
		*n = 0;
		return rc;
	}
	*out = list;
	return 0;
}

const struct unrun_mark *unrun_mark_of(const struct unrun_mark *marks, size_t n, int month)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (marks[mid].month < month)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && marks[lo].month == month ? &marks[lo] : NULL;
}

int unrun_adopt(struct ft_store *store, const char *period, const char *stamp, struct ft_error *err)
{
	const char *args[2] = {stamp, period};

	return ft_ledger_exec_text(
	    store,
	    "INSERT INTO closed_periods (month, closed_at) SELECT DISTINCT month, ? FROM "
	    "run_posted WHERE period = ? AND source = 'unrun' AND month NOT IN (SELECT month "
	    "FROM closed_periods)",
	    args, 2, err);
}

int unrun_check(struct ft_store *store, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	struct unrun_month *list = NULL;
	size_t n = 0;
	int rc, last = -1;

	rc = ft_store_prepare(store, &st, "SELECT MAX(month) FROM closed_periods", err);
	if (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		const char *t = ft_stmt_column_text(st, 0);

		rc = 0;
		if (t && ft_month_parse(&last, t, strlen(t), NULL))
			last = -1;
	}
	ft_stmt_free(st);
	if (rc < 0 || last < 0)
		return rc < 0 ? rc : 0;
	/* Months after the last closed one can still be run (or are being
	 * run); before it, a month no run covers is read by no run again. */
	rc = unrun_scan(store, last + 1, &list, &n, err);
	if (!rc && n) {
		char d[160], lt[8];

		unrun_describe(&list[0], d, sizeof(d));
		ft_month_format(lt, last);
		rc = ft_error_set(err, FT_ECONFLICT,
				  "J-6: %s: rows no run posted, in a month no run covers "
				  "before the closed %s (%zu such month%s): post them with 'run "
				  "--period P --include-unrun' or mark the month 'close --period M "
				  "--accounted-elsewhere REASON'",
				  d, lt, n, n == 1 ? "" : "s");
	}
	free(list);
	return rc;
}

/* ---- the public side: marking and listing ----------------------------------------- */

int ft_run_mark_elsewhere(struct ft_store *store, const struct ft_period *period,
			  const char *reason, const char *actor, ft_text_fn fn, void *ctx,
			  struct ft_error *err)
{
	struct unrun_month m;
	char mt[8], by[FT_PERIOD_STR_MAX], line[FT_ERROR_MESSAGE_MAX], d[160];
	int rc, i;

	if (!reason || !reason[0])
		return ft_error_set(err, FT_EUSAGE,
				    "--accounted-elsewhere needs a reason (who paid these months, "
				    "and how)");
	rc = ft_store_begin(store, err);
	if (rc)
		return rc;
	for (i = 0; !rc && i < period->months; i++) {
		struct ft_stmt *st = NULL;
		int64_t through[3] = {0, 0, 0};
		const char *args[4];
		char first[24], last[24], ranges[160];
		size_t used = 0;
		int k;

		ft_month_format(mt, period->first + i);
		rc = ft_store_prepare(
		    store, &st,
		    "SELECT period FROM runs WHERE first_month <= ? AND first_month "
		    "+ months > ? LIMIT 1",
		    err);
		if (!rc)
			rc = ft_stmt_bind_int64(st, 1, period->first + i, err);
		if (!rc)
			rc = ft_stmt_bind_int64(st, 2, period->first + i, err);
		if (!rc && (rc = ft_stmt_step(st, err)) == 1)
			rc = ft_error_set(err, FT_ECONFLICT,
					  "%s has a run (%s): a month the runs account for is not "
					  "accounted elsewhere",
					  mt, ft_stmt_column_text(st, 0));
		ft_stmt_free(st);
		if (!rc && (rc = ft_ledger_month_closed(store, mt, err)) == 1)
			rc = ft_error_set(err, FT_ECONFLICT,
					  "%s is closed: its rows are posted by the runs", mt);
		if (!rc && (rc = taken_over(store, mt, by, sizeof(by), err)) == 1)
			rc = ft_error_set(
			    err, FT_ECONFLICT,
			    "%s was taken over by the run of %s (--include-unrun): its rows "
			    "are posted there",
			    mt, by);
		if (!rc)
			rc = elsewhere_through(store, mt, through, err);
		if (!rc)
			rc = scan_month(store, period->first + i, through, &m, err);
		if (rc)
			break;
		unrun_describe(&m, d, sizeof(d));
		ranges[0] = '\0';
		/* One mark per kind of row: the month's rows of that kind up to
		 * the last one it holds now. */
		for (k = 0; !rc && k < 3; k++) {
			if (!m.rows[k])
				continue;
			snprintf(first, sizeof(first), "%lld", (long long)m.first_id[k]);
			snprintf(last, sizeof(last), "%lld", (long long)m.last_id[k]);
			args[0] = mark_sources[k];
			args[1] = mt;
			args[2] = first;
			args[3] = last;
			rc = ft_ledger_exec_text(
			    store,
			    "INSERT INTO run_posted (period, source, month, "
			    "first_id, last_id) VALUES ('elsewhere', ?, ?, CAST(? "
			    "AS INTEGER), CAST(? AS INTEGER))",
			    args, 4, err);
			if (used < sizeof(ranges))
				used += (size_t)snprintf(ranges + used, sizeof(ranges) - used,
							 ", %s rows %s..%s",
							 k == 0	  ? "usage"
							 : k == 1 ? "suspense"
								  : "income",
							 first, last);
		}
		if (total_rows(&m)) {
			snprintf(line, sizeof(line), "%s%s: %s", d, ranges, reason);
			if (!rc)
				rc = ft_audit_add(store, (int64_t)time(NULL), actor ? actor : "",
						  "accounted-elsewhere", mt, line, "", err);
			snprintf(line, sizeof(line),
				 "%s accounted elsewhere: %s; no run will post these rows", d,
				 reason);
		} else {
			snprintf(line, sizeof(line), "%s: %s", mt,
				 through[0] || through[1] || through[2]
				     ? "already accounted elsewhere, no rows imported since"
				     : "no rows to mark (rows imported later are named by the next "
				       "run)");
		}
		if (!rc && fn)
			fn(ctx, line);
	}
	if (!rc)
		rc = ft_store_commit(store, err);
	if (rc)
		ft_store_rollback(store, NULL);
	return rc;
}

/* The reasons given for a month, from the audit log, "; "-separated. */
static int reasons(struct ft_store *store, const char *mt, char *buf, size_t cap,
		   struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	size_t used = 0;
	int rc = ft_store_prepare(store, &st,
				  "SELECT at_utc, detail FROM audit_log WHERE action = "
				  "'accounted-elsewhere' AND target = ? ORDER BY id",
				  err);

	buf[0] = '\0';
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, mt, err);
	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		rc = 0;
		if (used < cap)
			used += (size_t)snprintf(buf + used, cap - used, "%s%s: %s",
						 used ? "; " : "", ft_stmt_column_text(st, 0),
						 ft_stmt_column_text(st, 1));
	}
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}

int ft_run_months_each(struct ft_store *store, ft_run_month_fn fn, void *ctx,
		       struct ft_error *err)
{
	static const char *const bounds =
	    "SELECT MIN(m), MAX(m) FROM (SELECT MIN(month) AS m FROM usage UNION ALL SELECT "
	    "MAX(month) FROM usage UNION ALL SELECT month FROM closed_periods UNION ALL SELECT "
	    "month FROM run_posted WHERE source IN ('elsewhere', 'elsewhere-suspense', "
	    "'elsewhere-income') UNION ALL SELECT MIN(month) FROM suspense UNION ALL SELECT "
	    "MAX(month) FROM suspense UNION ALL SELECT MIN(month) FROM income UNION ALL SELECT "
	    "MAX(month) FROM income)";
	struct ft_stmt *st = NULL, *count = NULL, *run = NULL;
	int rc, lo = 0, hi = -1, month;

	rc = ft_store_prepare(store, &st, bounds, err);
	if (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		const char *a = ft_stmt_column_text(st, 0), *b = ft_stmt_column_text(st, 1);

		rc = 0;
		if (a && b &&
		    (ft_month_parse(&lo, a, strlen(a), NULL) ||
		     ft_month_parse(&hi, b, strlen(b), NULL)))
			hi = -1;
	}
	ft_stmt_free(st);
	st = NULL;
	if (!rc)
		rc = ft_store_prepare(
		    store, &run,
		    "SELECT first_month, months, COALESCE(closed_at, '') FROM runs ORDER BY "
		    "first_month DESC LIMIT 1",
		    err);
	if (!rc && (rc = ft_stmt_step(run, err)) == 1) {
		int end = (int)(ft_stmt_column_int64(run, 0) + ft_stmt_column_int64(run, 1)) - 1;

		rc = 0;
		if (hi < 0) {
			lo = (int)ft_stmt_column_int64(run, 0);
			hi = end;
		} else if (end > hi) {
			hi = end;
		}
	}
	ft_stmt_free(run);
	run = NULL;
	if (!rc)
		rc = ft_store_prepare(store, &count, "SELECT COUNT(*) FROM usage WHERE month = ?",
				      err);
	if (!rc)
		rc = ft_store_prepare(store, &run,
				      "SELECT period, COALESCE(closed_at, '') FROM runs WHERE "
				      "first_month <= ? AND first_month + months > ? LIMIT 1",
				      err);
	for (month = lo; !rc && month <= hi; month++) {
		char mt[8], line[2 * FT_ERROR_MESSAGE_MAX], why[FT_ERROR_MESSAGE_MAX];
		char by[FT_PERIOD_STR_MAX] = "", d[160];
		char period[FT_PERIOD_STR_MAX] = "", closed_at[40] = "";
		struct unrun_month m;
		struct ft_run_month out;
		int64_t rows = 0, through[3] = {0, 0, 0};
		int marked;
		int closed;

		ft_month_format(mt, month);
		rc = ft_stmt_reset(count, err);
		if (!rc)
			rc = ft_stmt_bind_text(count, 1, mt, err);
		if (!rc && (rc = ft_stmt_step(count, err)) == 1) {
			rows = ft_stmt_column_int64(count, 0);
			rc = 0;
		}
		if (!rc)
			rc = ft_stmt_reset(run, err);
		if (!rc)
			rc = ft_stmt_bind_int64(run, 1, month, err);
		if (!rc)
			rc = ft_stmt_bind_int64(run, 2, month, err);
		if (!rc && (rc = ft_stmt_step(run, err)) == 1) {
			snprintf(period, sizeof(period), "%s", ft_stmt_column_text(run, 0));
			snprintf(closed_at, sizeof(closed_at), "%s", ft_stmt_column_text(run, 1));
			rc = 0;
		}
		if (rc)
			break;
		closed = ft_ledger_month_closed(store, mt, err);
		if (closed < 0) {
			rc = closed;
			break;
		}
		rc = taken_over(store, mt, by, sizeof(by), err);
		if (rc < 0)
			break;
		if (!by[0] || !rc)
			by[0] = '\0';
		rc = elsewhere_through(store, mt, through, err);
		marked = through[0] || through[1] || through[2];
		if (!rc && !closed && !period[0] && !by[0])
			rc = scan_month(store, month, through, &m, err);
		else
			memset(&m, 0, sizeof(m));
		if (!rc && marked)
			rc = reasons(store, mt, why, sizeof(why), err);
		if (rc)
			break;
		out.month = mt;
		out.rows = rows;
		out.detail = line;
		if (period[0]) {
			out.state = closed ? "closed" : "open";
			snprintf(line, sizeof(line), "run %s%s%s", period,
				 closed_at[0] ? ", closed " : "", closed_at);
		} else if (by[0]) {
			out.state = closed ? "closed" : "included";
			snprintf(line, sizeof(line),
				 "never run: its rows are posted as late adjustments by the run of "
				 "%s (--include-unrun)",
				 by);
		} else if (marked && !total_rows(&m)) {
			out.state = "accounted elsewhere";
			snprintf(line, sizeof(line),
				 "no run posts the rows it held when marked: %s", why);
		} else if (marked) {
			out.state = "not run";
			unrun_describe(&m, d, sizeof(d));
			snprintf(line, sizeof(line),
				 "%s imported since it was marked accounted elsewhere (%s)", d, why);
		} else if (total_rows(&m)) {
			out.state = "not run";
			unrun_describe(&m, d, sizeof(d));
			snprintf(line, sizeof(line),
				 "%s no run posted: run it, mark it accounted elsewhere or include "
				 "it in a run",
				 d);
		} else
			continue;
		if (fn(ctx, &out))
			break;
	}
	ft_stmt_free(count);
	ft_stmt_free(run);
	return rc < 0 ? rc : hi >= lo ? hi - lo + 1 : 0;
}

/* ft_run_months: each month as a TSV line, after the header. */
struct months_tsv {
	ft_text_fn fn;
	void *ctx;
	int header_done;
};

static int month_tsv(void *ctx, const struct ft_run_month *m)
{
	struct months_tsv *t = ctx;
	char line[3 * FT_ERROR_MESSAGE_MAX];

	if (!t->header_done) {
		t->header_done = 1;
		if (t->fn(t->ctx, "month\tstate\trows\tdetail"))
			return 1;
	}
	snprintf(line, sizeof(line), "%s\t%s\t%lld\t%s", m->month, m->state, (long long)m->rows,
		 m->detail);
	return t->fn(t->ctx, line);
}

int ft_run_months(struct ft_store *store, ft_text_fn fn, void *ctx, struct ft_error *err)
{
	struct months_tsv t = {fn, ctx, 0};
	int n = ft_run_months_each(store, month_tsv, &t, err);

	/* A ledger whose months all hold nothing to say still gets its header. */
	if (n > 0 && !t.header_done)
		fn(ctx, "month\tstate\trows\tdetail");
	return n < 0 ? n : 0;
}
