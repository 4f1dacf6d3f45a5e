/*
 * api_books.c — the label runs its books: periods (which are run, which
 * closed), run and close a period, payees and their balances for a period,
 * suspense re-match.
 *
 * Every figure comes from the library or from what a run stored: a run is
 * ft_run_period, a close ft_run_close, a re-match ft_import_rematch, and the
 * payees page reads the balances the run kept per payee account
 * (run_statements, the same rows the label summary of `fairtrack
 * statements` prints).  Nothing is recomputed here; the only arithmetic is
 * the per-currency totals of the listed rows (ft_amount_add, overflow
 * refused) and "unrecouped", the negative part of the closing balance, as
 * the label summary states it.  Money leaves as exact decimal strings.
 *
 * State changes are admin-only (routes_label.def) and audited after they
 * commit.  Closing cannot be undone, so the request must name the period a
 * second time ({"confirm": "2026-10"}): a stray or replayed click on the
 * wrong period's button closes nothing.  Marking months accounted
 * elsewhere cannot be undone either and asks for the same confirmation.
 *
 * Months no run covers (docs/JOURNAL.md): a run refused because of them
 * (the library's refusal with err.field "include_unrun") answers 409 with
 * the library's message and the months themselves (uncovered_months), so
 * the page can offer the two ways on — run again with include_unrun, or
 * mark months accounted elsewhere — without parsing the message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fairtrack/ids.h"
#include "fairtrack/import.h"
#include "fairtrack/ledger_run.h"
#include "fairtrack/money.h"
#include "fairtrack/period.h"
#include "http_int.h"

/* Exact, with at least the currency's minor digits ("12.50", "3.141592"). */
static json_t *money_json(ft_amount amount, const char *currency)
{
	char buf[FT_AMOUNT_STR_MAX];
	int minor = ft_currency_minor_units(currency);

	ft_amount_format(buf, sizeof(buf), amount, minor < 0 ? 2 : minor);
	return json_string(buf);
}

/* The period of the URL, canonical; -1 after replying 400. */
static int url_period(struct http_request *req, struct ft_period *p, char text[FT_PERIOD_STR_MAX])
{
	const char *s = req->params[0];
	struct ft_error err;

	ft_error_clear(&err);
	if (ft_period_parse(p, s, strlen(s), &err)) {
		http_reply_error(req, 400,
				 "period '%.20s': %s (use 2026-10, 2026-Q4, 2026-H2 or 2026)", s,
				 err.message);
		return -1;
	}
	ft_period_format(text, FT_PERIOD_STR_MAX, p);
	return 0;
}

/* A run or close that could not be done says why with 409: a missing
 * exchange rate (FT_ENOTFOUND from the run) is a missing input of the
 * period, not a missing page. */
static void reply_books_error(struct http_request *req, const struct ft_error *err)
{
	if (err->code == FT_ENOTFOUND || err->code == FT_ECONFLICT)
		http_reply_error(req, 409, "%s", err->message);
	else
		http_reply_ft_error(req, err);
}

/* ---------------------------------------------------------------- periods */

static int append_text_column(struct ft_store *store, const char *sql, json_t *list,
			      struct ft_error *err)
{
	struct ft_stmt *q = NULL;
	int rc = ft_store_prepare(store, &q, sql, err);

	while (!rc && (rc = ft_stmt_step(q, err)) == 1) {
		rc = json_array_append_new(list, json_string(ft_stmt_column_text(q, 0)))
			 ? ft_error_set(err, FT_ENOMEM, "out of memory")
			 : 0;
	}
	ft_stmt_free(q);
	return rc < 0 ? rc : 0;
}

json_t *http_periods_json(struct ft_store *store, struct ft_error *err)
{
	json_t *runs = json_array(), *closed = json_array(), *months = json_array();
	json_t *open = json_null(), *out = NULL;
	struct ft_stmt *q = NULL;
	int rc;

	if (!runs || !closed || !months) {
		rc = ft_error_set(err, FT_ENOMEM, "out of memory");
		goto done;
	}
	rc = ft_store_prepare(store, &q,
			      "SELECT period, first_month, months, currency, ran_at, closed_at"
			      " FROM runs ORDER BY first_month DESC, months",
			      err);
	while (!rc && (rc = ft_stmt_step(q, err)) == 1) {
		struct ft_period p = {(int)ft_stmt_column_int64(q, 1),
				      (int)ft_stmt_column_int64(q, 2)};
		char first[8], last[8];
		const char *closed_at =
		    ft_stmt_column_is_null(q, 5) ? NULL : ft_stmt_column_text(q, 5);

		ft_month_format(first, p.first);
		ft_month_format(last, p.first + p.months - 1);
		if (!closed_at && json_is_null(open)) {
			json_decref(open);
			open = json_string(ft_stmt_column_text(q, 0));
		}
		rc = json_array_append_new(runs, json_pack("{s:s,s:s,s:s,s:i,s:s,s:s,s:s?,s:b}",
							   "period", ft_stmt_column_text(q, 0),
							   "first_month", first, "last_month", last,
							   "months", p.months, "currency",
							   ft_stmt_column_text(q, 3), "ran_at",
							   ft_stmt_column_text(q, 4), "closed_at",
							   closed_at, "closed", closed_at != NULL))
			 ? ft_error_set(err, FT_ENOMEM, "out of memory")
			 : 0;
	}
	ft_stmt_free(q);
	if (rc < 0)
		goto done;
	rc = append_text_column(store, "SELECT month FROM closed_periods ORDER BY month", closed,
				err);
	/* The months that have usage or suspense: what there is to run. */
	if (!rc)
		rc = append_text_column(store,
					"SELECT month FROM usage GROUP BY month UNION"
					" SELECT month FROM suspense GROUP BY month ORDER BY 1",
					months, err);
	if (!rc)
		out = json_pack("{s:O,s:O,s:O,s:O}", "runs", runs, "open", open, "closed_months",
				closed, "usage_months", months);
	if (!rc && !out)
		rc = ft_error_set(err, FT_ENOMEM, "out of memory");
done:
	json_decref(runs);
	json_decref(closed);
	json_decref(months);
	json_decref(open);
	return rc ? NULL : out;
}

/* ft_run_months_each's months as {month, state, rows, detail} objects; with
 * before >= 0 only the months before it that no run covers ("not run"). */
struct months_ctx {
	json_t *list;
	int before;
	int failed;
};

static int month_json(void *ctx, const struct ft_run_month *r)
{
	struct months_ctx *m = ctx;
	int index;

	if (m->before >= 0 &&
	    (strcmp(r->state, "not run") != 0 ||
	     ft_month_parse(&index, r->month, strlen(r->month), NULL) || index >= m->before))
		return 0;
	if (json_array_append_new(m->list, json_pack("{s:s,s:s,s:I,s:s}", "month", r->month,
						     "state", r->state, "rows",
						     (json_int_t)r->rows, "detail", r->detail))) {
		m->failed = 1;
		return 1;
	}
	return 0;
}

/* Every month's state (fairtrack periods), or only the months before
 * `before` that no run covers; NULL with err filled. */
static json_t *months_json(struct ft_store *store, int before, struct ft_error *err)
{
	struct months_ctx m = {json_array(), before, 0};

	if (!m.list) {
		ft_error_set(err, FT_ENOMEM, "out of memory");
		return NULL;
	}
	if (ft_run_months_each(store, month_json, &m, err) < 0 ||
	    (m.failed && ft_error_set(err, FT_ENOMEM, "out of memory"))) {
		json_decref(m.list);
		return NULL;
	}
	return m.list;
}

void api_periods(struct http_request *req)
{
	struct ft_error err;
	json_t *out, *months = NULL;

	ft_error_clear(&err);
	/* Each month's state is for this page only: the dashboard, which
	 * shares http_periods_json, does not pay for the scan. */
	out = http_periods_json(req->store, &err);
	if (out)
		months = months_json(req->store, -1, &err);
	if (!months || json_object_set_new(out, "months", months)) {
		if (months) /* set_new let go of it */
			ft_error_set(&err, FT_ENOMEM, "out of memory");
		json_decref(out);
		http_reply_ft_error(req, &err);
		return;
	}
	http_reply_json(req, 200, out);
}

static json_t *run_json(const struct ft_run_summary *s)
{
	const char *c = s->currency;
	json_t *payees = json_array(), *notes = json_array(), *out;
	size_t i;

	for (i = 0; payees && i < s->n_payees; i++) {
		const struct ft_run_payee *p = &s->payees[i];
		/* an account in its own currency (docs/JOURNAL.md "Currencies") */
		const char *pc = p->currency[0] ? p->currency : s->currency;

		json_array_append_new(
		    payees,
		    json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "payee", p->payee,
			      "account", p->account, "currency", pc, "opening",
			      money_json(p->opening, pc),
			      "royalties", money_json(p->royalties, pc), "advances",
			      money_json(p->advances, pc), "costs", money_json(p->costs, pc),
			      "balance", money_json(p->balance, pc), "reserve_held",
			      money_json(p->reserve_held, pc), "payable", money_json(p->payable, pc),
			      "closing", money_json(p->closing, pc)));
	}
	for (i = 0; notes && i < s->n_notes; i++)
		json_array_append_new(notes, json_string(s->notes[i]));
	out = json_pack("{s:s,s:s,s:b,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "period",
			s->period, "currency", c, "replaced", s->replaced, "lines",
			(json_int_t)s->lines, "late_lines", (json_int_t)s->late_lines, "postings",
			(json_int_t)s->postings, "legs", (json_int_t)s->legs, "receipts",
			money_json(s->receipts, c), "fees", money_json(s->fees, c), "royalties",
			money_json(s->royalties, c), "label", money_json(s->label, c), "suspense",
			money_json(s->suspense, c), "remainder", money_json(s->remainder, c),
			"payable", money_json(s->payable, c));
	if (out) {
		json_object_set_new(out, "payees", payees);
		json_object_set_new(out, "notes", notes);
	} else {
		json_decref(payees);
		json_decref(notes);
	}
	return out;
}

/* The run was refused because earlier months no run covers hold rows: 409
 * with the library's message, as any refusal, and the months it means. */
static void reply_unrun_refusal(struct http_request *req, const struct ft_error *refusal,
				const struct ft_period *p)
{
	struct ft_error err;
	json_t *months, *out;

	ft_error_clear(&err);
	months = months_json(req->store, p->first, &err);
	if (!months) { /* the refusal still says it all in words */
		reply_books_error(req, refusal);
		return;
	}
	out = json_pack("{s:{s:i,s:s,s:o}}", "error", "status", 409, "message", refusal->message,
			"uncovered_months", months);
	http_reply_json(req, 409, out);
}

void api_period_run(struct http_request *req)
{
	struct ft_run_summary sum;
	struct ft_run_options opts = {0};
	struct ft_period p;
	char text[FT_PERIOD_STR_MAX], detail[256];
	struct ft_error err;
	json_t *out, *include = json_object_get(req->json, "include_unrun");
	size_t i, included = 0;

	if (url_period(req, &p, text))
		return;
	if (include && !json_is_boolean(include)) {
		http_reply_error(req, 400, "include_unrun must be true or false");
		return;
	}
	opts.include_unrun = json_is_true(include);
	ft_error_clear(&err);
	memset(&sum, 0, sizeof(sum));
	if (ft_run_period_opts(req->store, &p, &opts, &sum, &err)) {
		ft_run_summary_free(&sum);
		if (err.code == FT_ECONFLICT && strcmp(err.field, "include_unrun") == 0)
			reply_unrun_refusal(req, &err, &p);
		else
			reply_books_error(req, &err);
		return;
	}
	out = run_json(&sum);
	/* the months taken over, as the run's notes name them */
	for (i = 0; i < sum.n_notes; i++)
		included += strncmp(sum.notes[i], "included: ", 10) == 0;
	snprintf(detail, sizeof(detail), "%zu payee accounts, %zu postings%s", sum.n_payees,
		 sum.postings, sum.replaced ? ", replaced the earlier run" : "");
	if (included)
		snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
			 ", included %zu month%s no run covered", included,
			 included == 1 ? "" : "s");
	ft_run_summary_free(&sum);
	/* The run committed: its audit entry follows in its own transaction
	 * (a failure to record it is not a reason to report the run failed). */
	http_audit(req, NULL, "period.run", text, detail, NULL);
	http_reply_json(req, 200, out);
}

void api_period_close(struct http_request *req)
{
	const char *confirm = http_json_string(req, "confirm");
	struct ft_period p;
	char text[FT_PERIOD_STR_MAX];
	struct ft_error err;

	if (url_period(req, &p, text))
		return;
	if (!confirm || strcmp(confirm, text) != 0) {
		http_reply_error(req, 400,
				 "closing %s cannot be undone: confirm it by sending {\"confirm\": "
				 "\"%s\"}",
				 text, text);
		return;
	}
	ft_error_clear(&err);
	if (ft_run_close(req->store, &p, &err)) {
		reply_books_error(req, &err);
		return;
	}
	http_audit(req, NULL, "period.close", text, NULL, NULL);
	http_reply_json(req, 200, json_pack("{s:s,s:b}", "period", text, "closed", 1));
}

/* A reason is shown in the audit log and on the periods page: one line of
 * printable text, short enough to stay whole in the audit detail. */
#define ELSEWHERE_REASON_MAX 300

static int collect_note(void *ctx, const char *line)
{
	return json_array_append_new(ctx, json_string(line)) ? 1 : 0;
}

void api_period_elsewhere(struct http_request *req)
{
	const char *reason = http_json_string(req, "reason");
	const char *confirm = http_json_string(req, "confirm");
	struct ft_period p;
	char text[FT_PERIOD_STR_MAX], why[ELSEWHERE_REASON_MAX + 1];
	size_t len, i;
	struct ft_error err;
	json_t *notes;

	if (url_period(req, &p, text))
		return;
	while (reason && (*reason == ' ' || *reason == '\t'))
		reason++;
	len = reason ? strlen(reason) : 0;
	while (len && (reason[len - 1] == ' ' || reason[len - 1] == '\t'))
		len--;
	if (!len) {
		http_reply_error(req, 400,
				 "say why %s is accounted elsewhere: send {\"reason\": \"who paid "
				 "these months, and how\", \"confirm\": \"%s\"}",
				 text, text);
		return;
	}
	if (len > ELSEWHERE_REASON_MAX) {
		http_reply_error(req, 400, "the reason is longer than %d bytes",
				 ELSEWHERE_REASON_MAX);
		return;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)reason[i] < 0x20 || reason[i] == 0x7f) {
			http_reply_error(req, 400, "the reason must be one line of text");
			return;
		}
	}
	memcpy(why, reason, len);
	why[len] = '\0';
	if (!confirm || strcmp(confirm, text) != 0) {
		http_reply_error(req, 400,
				 "marking %s accounted elsewhere cannot be undone: confirm it by "
				 "sending {\"confirm\": \"%s\"}",
				 text, text);
		return;
	}
	notes = json_array();
	if (!notes) {
		http_reply_error(req, 500, "out of memory");
		return;
	}
	ft_error_clear(&err);
	/* The library audits each month it marks (action accounted-elsewhere,
	 * with rows and revenue) in the same transaction, as this user. */
	if (ft_run_mark_elsewhere(req->store, &p, why, req->user.username, collect_note, notes,
				  &err)) {
		json_decref(notes);
		reply_books_error(req, &err);
		return;
	}
	/* …and the portal's own entry, like period.run, with the address. */
	http_audit(req, NULL, "period.accounted-elsewhere", text, why, NULL);
	http_reply_json(req, 200,
			json_pack("{s:s,s:b,s:s,s:o}", "period", text, "accounted_elsewhere", 1,
				  "reason", why, "notes", notes));
}

/* ----------------------------------------------------------------- payees */

struct payee_totals {
	ft_amount royalties, balance, reserve_held, payable, unrecouped;
	json_int_t accounts;
	char currency[4];
};

/* Portal accounts linked to each payee: {payee: [username, …]}. */
static int linked_accounts(struct ft_store *store, json_t *by_payee, struct ft_error *err)
{
	struct ft_stmt *q = NULL;
	int rc = ft_store_prepare(store, &q,
				  "SELECT p.payee, u.username FROM user_payees p JOIN users u ON"
				  " u.id = p.user_id ORDER BY p.payee, u.username",
				  err);

	while (!rc && (rc = ft_stmt_step(q, err)) == 1) {
		const char *payee = ft_stmt_column_text(q, 0);
		json_t *list = json_object_get(by_payee, payee);

		rc = 0;
		if (!list) {
			list = json_array();
			if (!list || json_object_set_new(by_payee, payee, list))
				rc = ft_error_set(err, FT_ENOMEM, "out of memory");
		}
		if (!rc && json_array_append_new(list, json_string(ft_stmt_column_text(q, 1))))
			rc = ft_error_set(err, FT_ENOMEM, "out of memory");
	}
	ft_stmt_free(q);
	return rc < 0 ? rc : 0;
}

static int add_to(ft_amount *sum, ft_amount v, const char *what, struct ft_error *err)
{
	return ft_amount_add(sum, *sum, v)
		   ? ft_error_set(err, FT_EOVERFLOW, "the %s total overflows", what)
		   : 0;
}

/* The totals of one currency: the run's (the ledger's base) first, then one
 * per other account currency (contracts in another currency: docs/JOURNAL.md
 * "Currencies") — amounts are never summed across currencies. */
static struct payee_totals *totals_of(struct payee_totals *tot, size_t *n, size_t cap,
				      const char *currency)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp(tot[i].currency, currency))
			return &tot[i];
	if (*n == cap)
		return NULL;
	memset(&tot[*n], 0, sizeof(tot[0]));
	snprintf(tot[*n].currency, sizeof(tot[0].currency), "%s", currency);
	return &tot[(*n)++];
}

void api_period_payees(struct http_request *req)
{
	struct ft_period p;
	char text[FT_PERIOD_STR_MAX], link[512];
	struct payee_totals all[16], *t;
	size_t n_tot = 0, k;
	json_t *others = NULL;
	struct ft_stmt *q = NULL;
	struct ft_error err;
	json_t *rows = json_array(), *linked = json_object(), *out = NULL;
	const char *filter;
	long long limit, offset;
	json_int_t matched = 0, inactive = 0;
	int rc, have_run = 0, closed = 0;

	memset(all, 0, sizeof(all));
	ft_error_clear(&err);
	if (!rows || !linked) {
		http_reply_error(req, 500, "out of memory");
		goto out;
	}
	if (url_period(req, &p, text) || http_query_int(req, "limit", 1, 5000, 500, &limit) ||
	    http_query_int(req, "offset", 0, 1000000000, 0, &offset))
		goto out;
	filter = http_query(req, "q");
	rc = linked_accounts(req->store, linked, &err);
	if (!rc)
		rc = ft_store_prepare(
		    req->store, &q,
		    "SELECT r.currency, s.payee, s.account, s.opening, s.royalties,"
		    " s.advances, s.costs, s.balance, s.reserve_held, s.payable,"
		    " s.closing, r.closed_at, COALESCE(s.currency, r.currency) FROM runs r"
		    " LEFT JOIN run_statements s ON"
		    " s.period = r.period WHERE r.period = ?"
		    " ORDER BY s.payee, s.account",
		    &err);
	if (!rc)
		rc = ft_stmt_bind_text(q, 1, text, &err);
	while (!rc && (rc = ft_stmt_step(q, &err)) == 1) {
		const char *payee = ft_stmt_column_text(q, 1);
		ft_amount v[8], unrecouped;
		json_t *accounts;
		int i, active = 0;

		rc = 0;
		if (!have_run)
			totals_of(all, &n_tot, 16, ft_stmt_column_text(q, 0));
		have_run = 1;
		if (ft_stmt_column_is_null(q, 1))
			continue; /* a run without payee accounts */
		for (i = 0; !rc && i < 8; i++)
			rc = ft_stmt_column_amount(q, 3 + i, &v[i], &err);
		if (rc)
			break;
		/* As the label summary: an account with nothing in it and nothing
		 * moved has no statement. */
		for (i = 0; i < 8; i++)
			active |= v[i] != 0 && i != 4 && i != 6;
		if (!active) {
			inactive++;
			continue;
		}
		if (filter && filter[0] && !strcasestr(payee, filter))
			continue;
		unrecouped = v[7] < 0 ? -v[7] : 0;
		t = totals_of(all, &n_tot, 16, ft_stmt_column_text(q, 12));
		rc = t ? add_to(&t->royalties, v[1], "royalties", &err)
		       : ft_error_set(&err, FT_EINVAL, "more than 16 currencies in one run");
		if (!rc)
			rc = add_to(&t->balance, v[4], "balance", &err);
		if (!rc)
			rc = add_to(&t->reserve_held, v[5], "reserve", &err);
		if (!rc)
			rc = add_to(&t->payable, v[6], "payable", &err);
		if (!rc)
			rc = add_to(&t->unrecouped, unrecouped, "unrecouped", &err);
		if (rc)
			break;
		t->accounts++;
		if (matched++ < offset || json_array_size(rows) >= (size_t)limit)
			continue;
		accounts = json_object_get(linked, payee);
		accounts = accounts ? json_incref(accounts) : json_array();
		snprintf(link, sizeof(link), "#statement/%s/%s", payee, text);
		if (json_array_append_new(
			rows, json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:s}",
					"payee", payee, "account", ft_stmt_column_text(q, 2),
					"currency", t->currency, "opening",
					money_json(v[0], t->currency), "royalties",
					money_json(v[1], t->currency), "advances",
					money_json(v[2], t->currency), "costs",
					money_json(v[3], t->currency), "balance",
					money_json(v[4], t->currency), "reserve_held",
					money_json(v[5], t->currency), "payable",
					money_json(v[6], t->currency), "closing",
					money_json(v[7], t->currency), "unrecouped",
					money_json(unrecouped, t->currency), "users", accounts,
					"statement", link))) {
			rc = ft_error_set(&err, FT_ENOMEM, "out of memory");
		}
	}
	ft_stmt_free(q);
	if (rc < 0) {
		http_reply_ft_error(req, &err);
		goto out;
	}
	if (!have_run) {
		http_reply_error(req, 404, "%s has no run yet (run the period first)", text);
		goto out;
	}
	/* totals: the base currency's; other_totals: one per other currency */
	others = json_array();
	for (k = 1; others && k < n_tot; k++)
		json_array_append_new(
		    others, json_pack("{s:s,s:I,s:o,s:o,s:o,s:o,s:o}", "currency", all[k].currency,
				      "accounts", all[k].accounts, "royalties",
				      money_json(all[k].royalties, all[k].currency), "balance",
				      money_json(all[k].balance, all[k].currency), "reserve_held",
				      money_json(all[k].reserve_held, all[k].currency), "payable",
				      money_json(all[k].payable, all[k].currency), "unrecouped",
				      money_json(all[k].unrecouped, all[k].currency)));
	t = &all[0];
	out = json_pack("{s:s,s:b,s:s,s:I,s:I,s:I,s:O,s:{s:I,s:o,s:o,s:o,s:o,s:o},s:o*}", "period",
			text, "closed", closed, "currency", t->currency, "total", matched, "offset",
			(json_int_t)offset, "inactive", inactive, "payees", rows, "totals",
			"accounts", t->accounts, "royalties", money_json(t->royalties, t->currency),
			"balance", money_json(t->balance, t->currency), "reserve_held",
			money_json(t->reserve_held, t->currency), "payable",
			money_json(t->payable, t->currency), "unrecouped",
			money_json(t->unrecouped, t->currency), "other_totals", others);
	http_reply_json(req, 200, out);
out:
	json_decref(rows);
	json_decref(linked);
}

/* --------------------------------------------------------------- suspense */

void api_suspense_rematch(struct http_request *req)
{
	struct ft_error err;
	int64_t moved = 0;
	char detail[64];

	ft_error_clear(&err);
	if (ft_import_rematch(req->store, &moved, &err)) {
		http_reply_ft_error(req, &err);
		return;
	}
	snprintf(detail, sizeof(detail), "%lld rows moved", (long long)moved);
	http_audit(req, NULL, "suspense.rematch", "suspense", detail, NULL);
	http_reply_json(req, 200, json_pack("{s:I}", "moved", (json_int_t)moved));
}
