/*
 * api_statements.c — the artist's statements over HTTP: the list, one
 * statement, the drill-down to the lines behind a figure, chart data and
 * downloads (PDF, CSV, XLSX).
 *
 * The money comes from the ledger only: a statement is the model
 * ft_issue_build makes from the run's journal (the one the PDF renders) and
 * its figures are those ft_statement_summarize prints, so the page, a
 * download and an issued file agree to the unit.  A statement whose printed
 * payable differs from what the run stored is refused (409), as issuing it
 * would be.  Amounts travel as decimal strings, never as JSON numbers.
 *
 * Scoping (the IDOR rule): label admin and staff see every payee; an artist
 * account sees the payees linked to it (user_payees).  For any other payee,
 * or a statement that does not exist, the answer is the same 404 with the
 * same body, so an artist cannot even learn which payees or periods exist.
 * Scope is checked before anything else about the request is looked at.
 *
 * A statement and its chart data are kept in the server's reply cache
 * (cache.c) under (payee, period, account), valid until the ledger changes;
 * scope is checked before the cache is looked at, on every request.
 *
 * Downloads are rendered on the fly into a private temporary directory and
 * sent with Content-Disposition; the renderers are deterministic, so the
 * bytes are those `fairtrack statements` issues for the same run.  Each
 * download is written to the audit log (statement.download) before the
 * file is sent: no download without its record.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fairtrack/ids.h"
#include "fairtrack/issue.h"
#include "fairtrack/portal.h"
#include "fairtrack/statement.h"
#include "http_int.h"

#define NOT_FOUND "no such statement"
#define LIST_MAX 500

int http_can_see_payee(struct http_request *req, const char *payee)
{
	struct ft_error err;
	int linked = 0;

	if (req->user.role == FT_ROLE_ADMIN || req->user.role == FT_ROLE_STAFF)
		return 1;
	if (req->user.role != FT_ROLE_ARTIST)
		return 0;
	ft_error_clear(&err);
	if (ft_user_has_payee(req->store, req->user.id, payee, &linked, &err)) {
		http_reply_ft_error(req, &err);
		return -1;
	}
	return linked;
}

/* ------------------------------------------------------------ formatting */

static json_t *amount_json(ft_amount a, int minor)
{
	char buf[FT_AMOUNT_STR_MAX];

	ft_amount_format(buf, sizeof(buf), a, minor);
	return json_string(buf);
}

/* As a statement prints it: rounded down to the currency's minor unit. */
static json_t *printed_json(ft_amount a, int minor)
{
	return amount_json(ft_statement_printed(a, minor), minor);
}

static int minor_of(const char *currency)
{
	int m = ft_currency_minor_units(currency);

	return m < 0 ? 2 : m;
}

/* --------------------------------------------------------------- the list */

struct list_ctx {
	json_t *rows;
	int error;
};

static int add_statement(void *ctx, const struct ft_portal_statement *s, struct ft_error *err)
{
	struct list_ctx *l = ctx;
	int minor = minor_of(s->currency);
	json_t *row = json_pack(
	    "{s:s,s:s,s:s,s:s,s:s,s:b,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "period", s->period,
	    "payee", s->payee, "account", s->account, "currency", s->currency, "ran_at", s->ran_at,
	    "closed", s->closed_at[0] != '\0', "opening", printed_json(s->opening, minor),
	    "royalties", printed_json(s->royalties, minor), "advances",
	    printed_json(s->advances, minor), "costs", printed_json(s->costs, minor), "balance",
	    printed_json(s->balance, minor), "reserve_held", printed_json(s->reserve_held, minor),
	    "payable", amount_json(s->payable, minor), "closing", printed_json(s->closing, minor));

	if (!row || json_array_append_new(l->rows, row))
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	return 0;
}

struct payees_ctx {
	char (*ids)[FT_ISSUE_ID_MAX];
	size_t n, cap;
};

static int collect_payee(void *ctx, const char *payee, struct ft_error *err)
{
	struct payees_ctx *p = ctx;

	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 8;
		void *n = realloc(p->ids, cap * sizeof(*p->ids));

		if (!n)
			return ft_error_set(err, FT_ENOMEM, "out of memory");
		p->ids = n;
		p->cap = cap;
	}
	snprintf(p->ids[p->n++], FT_ISSUE_ID_MAX, "%s", payee);
	return 0;
}

/*
 * GET /api/statements[?payee=P][&period=X][&offset=&limit=]
 * An artist gets the statements of their payees (a payee that is not
 * theirs in ?payee= gives an empty list, like one without statements);
 * label staff get every payee's, newest period first.
 */
void api_statements_list(struct http_request *req)
{
	const char *payee = http_query(req, "payee");
	const char *period = http_query(req, "period");
	struct list_ctx l = {json_array(), 0};
	struct payees_ctx mine = {0};
	long long offset, limit;
	struct ft_error err;
	size_t total = 0, i;
	int rc = 0;

	if (http_query_int(req, "offset", 0, INT32_MAX, 0, &offset) ||
	    http_query_int(req, "limit", 1, LIST_MAX, 100, &limit)) {
		json_decref(l.rows);
		return;
	}
	if (payee && !*payee)
		payee = NULL;
	if (period && !*period)
		period = NULL;
	ft_error_clear(&err);
	if (!l.rows) {
		http_reply_error(req, 500, "out of memory");
		return;
	}
	if (req->user.role == FT_ROLE_ADMIN || req->user.role == FT_ROLE_STAFF) {
		rc = ft_portal_statements(req->store, payee, period, (size_t)offset, (size_t)limit,
					  add_statement, &l, &total, &err);
	} else if (req->user.role == FT_ROLE_ARTIST) {
		rc = ft_user_payees(req->store, req->user.id, collect_payee, &mine, &err);
		/* Few payees an account: page over their concatenation. */
		for (i = 0; !rc && i < mine.n; i++) {
			size_t n = 0, start = (size_t)offset > total ? (size_t)offset - total : 0;
			size_t room = (size_t)limit - json_array_size(l.rows);

			if (payee && strcmp(payee, mine.ids[i]) != 0)
				continue;
			/* A full page still counts the rest for "total": it asks
			 * for rows from an offset no list reaches. */
			rc = ft_portal_statements(req->store, mine.ids[i], period,
						  room ? start : SIZE_MAX, room ? room : 1,
						  add_statement, &l, &n, &err);
			total += n;
		}
	}
	if (rc) {
		free(mine.ids);
		json_decref(l.rows);
		http_reply_ft_error(req, &err);
		return;
	}
	{
		json_t *payees = json_array();

		for (i = 0; payees && i < mine.n; i++)
			json_array_append_new(payees, json_string(mine.ids[i]));
		free(mine.ids);
		http_reply_json(req, 200,
				json_pack("{s:o,s:I,s:I,s:I,s:o}", "statements", l.rows, "total",
					  (json_int_t)total, "offset", (json_int_t)offset, "limit",
					  (json_int_t)limit, "payees",
					  payees ? payees : json_null()));
	}
}

/* -------------------------------------------------- one statement: scope */

struct target {
	const char *payee;
	char period[FT_PERIOD_STR_MAX];
	struct ft_period p;
	char account[FT_ISSUE_ID_MAX];
	int closed;
	char ran_at[32];
};

struct first_account {
	struct target *t;
	size_t n;
	const char *want; /* ?account=, NULL for "the only one" */
	int found;
};

static int pick_account(void *ctx, const struct ft_portal_statement *s, struct ft_error *err)
{
	struct first_account *f = ctx;

	f->n++;
	if (f->found || (f->want && strcmp(f->want, s->account) != 0))
		return 0;
	if (!f->want && f->n > 1)
		return 0;
	snprintf(f->t->account, sizeof(f->t->account), "%s", s->account);
	snprintf(f->t->ran_at, sizeof(f->t->ran_at), "%s", s->ran_at);
	f->t->closed = s->closed_at[0] != '\0';
	f->found = 1;
	return 0;
}

/*
 * Resolve /api/statements/{payee}/{period}[…]?account=A for the caller:
 * 0 to go on; -1 after replying (404 for what the caller may not see or
 * what does not exist — the same reply; 400 when the payee has several
 * accounts in the period and need_account asks which).
 */
static int resolve(struct http_request *req, struct target *t, int need_account)
{
	const char *account = http_query(req, "account");
	struct first_account f = {t, 0, account && *account ? account : NULL, 0};
	struct ft_error err;
	int can;

	memset(t, 0, sizeof(*t));
	t->payee = req->params[0];
	can = http_can_see_payee(req, t->payee);
	if (can < 0)
		return -1;
	ft_error_clear(&err);
	if (!can || ft_period_parse(&t->p, req->params[1], strlen(req->params[1]), &err)) {
		http_reply_error(req, 404, NOT_FOUND);
		return -1;
	}
	ft_period_format(t->period, sizeof(t->period), &t->p);
	if (ft_portal_statements(req->store, t->payee, t->period, 0, 0, pick_account, &f, NULL,
				 &err)) {
		http_reply_ft_error(req, &err);
		return -1;
	}
	if (!f.found) {
		http_reply_error(req, 404, NOT_FOUND);
		return -1;
	}
	if (need_account && !f.want && f.n > 1) {
		http_reply_error(
		    req, 400, "payee %s has %zu accounts in %s: name one with ?account=", t->payee,
		    f.n, t->period);
		return -1;
	}
	return 0;
}

/* Build the statement of t (the model the PDF renders) and check its
 * printed payable against the run's: -1 after replying. */
static int build(struct http_request *req, const struct target *t, struct ft_statement **st,
		 struct ft_statement_summary *sum)
{
	struct ft_error err;
	ft_amount ledger_payable = 0;

	ft_error_clear(&err);
	*st = NULL;
	if (ft_issue_build(req->store, &t->p, t->payee, t->account, st, &ledger_payable, &err) ||
	    ft_statement_summarize(*st, sum, &err)) {
		ft_statement_free(*st);
		*st = NULL;
		if (err.code == FT_ENOTFOUND)
			http_reply_error(req, 404, NOT_FOUND);
		else
			http_reply_ft_error(req, &err);
		return -1;
	}
	if (sum->p_payable != ledger_payable) {
		ft_statement_free(*st);
		*st = NULL;
		http_reply_error(req, 409,
				 "the statement of %s for %s, account %s, does not print the "
				 "payable the run stored: re-run the period",
				 t->payee, t->period, t->account);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------- one statement: model */

static json_t *line_json(const struct ft_statement_line *l, int minor)
{
	char rate[32];

	ft_statement_percent(rate, sizeof(rate), l->rate);
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:s,s:o,s:b}", "track", l->track,
			 "isrc", l->isrc, "release", l->release, "upc", l->upc, "store", l->store,
			 "territory", l->territory, "commercial_model", l->commercial_model,
			 "use_type", l->use_type, "units", (json_int_t)l->units, "receipts",
			 printed_json(l->receipts, minor), "rate", l->rate ? rate : "", "royalty",
			 printed_json(l->royalty, minor), "non_attributable", l->non_attributable);
}

static json_t *breakdown_json(const struct ft_statement *st, enum ft_statement_dim dim, int minor,
			      size_t keep, struct ft_error *err)
{
	struct ft_statement_group *rows = NULL;
	json_t *out;
	size_t n = 0, i;

	if (ft_statement_breakdown(st, dim, &rows, &n, err))
		return NULL;
	if (keep)
		n = ft_statement_top(rows, n, keep, "All others");
	out = json_array();
	for (i = 0; out && i < n; i++)
		json_array_append_new(
		    out, json_pack("{s:s,s:s,s:I,s:I,s:o,s:o,s:b}", "key", rows[i].key, "label",
				   rows[i].label, "lines", (json_int_t)rows[i].n_lines, "units",
				   (json_int_t)rows[i].units, "receipts",
				   printed_json(rows[i].receipts, minor), "royalty",
				   amount_json(rows[i].p_royalty, minor), "rest", rows[i].rest));
	free(rows);
	if (!out)
		ft_error_set(err, FT_ENOMEM, "out of memory");
	return out;
}

static json_t *summary_json(const struct ft_statement_summary *s)
{
	int m = s->minor_units;

	return json_pack(
	    "{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:o}", "opening",
	    amount_json(s->p_opening, m), "royalties", amount_json(s->p_royalties, m),
	    "non_attributable", amount_json(s->p_non_attributable, m), "advances",
	    amount_json(s->p_advances, m), "costs", amount_json(s->p_costs, m), "rounding",
	    amount_json(s->p_rounding, m), "balance", amount_json(s->p_balance, m),
	    "reserve_withheld", amount_json(s->p_reserve_withheld, m), "reserve_released",
	    amount_json(s->p_reserve_released, m), "reserve_held",
	    amount_json(s->p_reserve_held, m), "payable", amount_json(s->p_payable, m), "carried",
	    amount_json(s->p_carried, m), "to_recoup", amount_json(s->p_to_recoup, m), "receipts",
	    printed_json(s->receipts, m), "carried_fraction", amount_json(s->carried_fraction, 0),
	    "units", (json_int_t)s->units, "exact",
	    json_pack("{s:o,s:o,s:o,s:o}", "royalties", amount_json(s->royalties, 0), "balance",
		      amount_json(s->balance, 0), "payable", amount_json(s->payable, 0), "carried",
		      amount_json(s->carried, 0)));
}

static json_t *statement_json(const struct target *t, const struct ft_statement *st,
			      const struct ft_statement_summary *sum, struct ft_error *err)
{
	int m = sum->minor_units;
	json_t *lines = json_array(), *charges = json_array(), *fx = json_array();
	json_t *terms = json_array(), *history = json_array(), *groups = json_object();
	json_t *out = NULL;
	size_t i;
	int d;

	if (!lines || !charges || !fx || !terms || !history || !groups)
		goto oom;
	for (i = 0; i < st->n_lines; i++)
		json_array_append_new(lines, line_json(&st->lines[i], m));
	for (i = 0; i < st->n_charges; i++)
		json_array_append_new(
		    charges,
		    json_pack("{s:s,s:s,s:s,s:o}", "kind",
			      st->charges[i].kind == FT_CHARGE_ADVANCE ? "advance" : "cost", "date",
			      st->charges[i].date, "description", st->charges[i].description,
			      "amount", printed_json(st->charges[i].amount, m)));
	for (i = 0; i < st->n_fx; i++)
		json_array_append_new(fx, json_pack("{s:s,s:s,s:o,s:s}", "from", st->fx[i].from,
						    "to", st->fx[i].to, "rate",
						    amount_json(st->fx[i].rate, 0), "source",
						    st->fx[i].source));
	for (i = 0; i < st->n_terms; i++)
		json_array_append_new(terms, json_string(st->terms[i]));
	for (i = 0; i < st->n_history; i++) {
		char p[FT_PERIOD_STR_MAX];

		ft_period_format(p, sizeof(p), &st->history[i].period);
		json_array_append_new(history,
				      json_pack("{s:s,s:o}", "period", p, "royalties",
						printed_json(st->history[i].royalties, m)));
	}
	for (d = 0; d < FT_DIM_COUNT; d++) {
		json_t *b = breakdown_json(st, (enum ft_statement_dim)d, m, 0, err);

		if (!b)
			goto fail;
		json_object_set_new(groups, ft_statement_dim_name((enum ft_statement_dim)d), b);
	}
	out = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:s}",
			"id", st->id, "label", st->label, "payee", st->payee_id, "payee_name",
			st->payee_name, "account", st->account, "period", t->period, "issued",
			st->issued, "currency", st->currency, "closed", t->closed, "ran_at",
			t->ran_at, "summary", summary_json(sum), "breakdowns", groups, "lines",
			lines, "charges", charges, "fx", fx, "terms", terms, "history", history,
			"non_attributable_note",
			st->non_attributable_note ? st->non_attributable_note : "");
	if (!out)
		ft_error_set(err, FT_ENOMEM, "out of memory");
	return out;
oom:
	ft_error_set(err, FT_ENOMEM, "out of memory");
fail:
	json_decref(lines);
	json_decref(charges);
	json_decref(fx);
	json_decref(terms);
	json_decref(history);
	json_decref(groups);
	return NULL;
}

static int add_account(void *ctx, const struct ft_portal_statement *s, struct ft_error *err)
{
	return json_array_append_new(ctx, json_string(s->account))
		   ? ft_error_set(err, FT_ENOMEM, "out of memory")
		   : 0;
}

/*
 * GET /api/statements/{payee}/{period}[?account=A]
 * The statement of one account (the only one, the one asked, or the first
 * when the payee has several: "accounts" lists them all).
 */
void api_statement_show(struct http_request *req)
{
	struct ft_statement_summary sum;
	struct ft_statement *st = NULL;
	struct ft_error err;
	struct target t;
	json_t *body, *accounts;

	if (resolve(req, &t, 0))
		return;
	{
		const char *key[] = {t.payee, t.period, t.account};

		if (http_cache_reply(req, "statement", key, 3))
			return;
	}
	if (build(req, &t, &st, &sum))
		return;
	ft_error_clear(&err);
	accounts = json_array();
	body = accounts ? statement_json(&t, st, &sum, &err) : NULL;
	if (body && ft_portal_statements(req->store, t.payee, t.period, 0, 0, add_account, accounts,
					 NULL, &err)) {
		json_decref(body);
		body = NULL;
	}
	ft_statement_free(st);
	if (!body) {
		json_decref(accounts);
		if (!err.code)
			ft_error_set(&err, FT_ENOMEM, "out of memory");
		http_reply_ft_error(req, &err);
		return;
	}
	json_object_set_new(body, "accounts", accounts);
	http_reply_json(req, 200, body);
}

/* ----------------------------------------------------------- drill-down */

struct sources_ctx {
	json_t *rows;
	json_t *batches; /* id → batch, each once */
	int minor;
};

static int add_source(void *ctx, const struct ft_portal_source *s, struct ft_error *err)
{
	struct sources_ctx *c = ctx;
	json_t *row = json_pack(
	    "{s:I,s:I,s:s,s:s,s:o,s:s,s:b,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I}",
	    "journal_id", (json_int_t)s->journal_id, "posting", (json_int_t)s->posting, "kind",
	    s->kind, "contract", s->contract, "royalty", amount_json(s->royalty, c->minor), "note",
	    s->note, "non_attributable", s->non_attributable, "usage_row", (json_int_t)s->usage_row,
	    "month", s->month, "isrc", s->isrc, "track", s->track, "upc", s->upc, "release",
	    s->release, "store", s->store, "territory", s->territory, "commercial_model",
	    s->commercial_model, "use_type", s->use_type, "currency", s->currency, "revenue",
	    s->revenue, "usages", (json_int_t)s->usages, "batch_id", (json_int_t)s->batch_id);

	if (!row)
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	if (s->income_id)
		json_object_set_new(row, "income",
				    json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "id",
					      (json_int_t)s->income_id, "kind", s->income_kind,
					      "description", s->income_description, "currency",
					      s->income_currency, "amount", s->income_amount,
					      "file", s->income_file));
	if (json_array_append_new(c->rows, row))
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	if (s->batch_id) {
		char key[32];
		const char *base = strrchr(s->batch_file, '/');

		snprintf(key, sizeof(key), "%lld", (long long)s->batch_id);
		if (!json_object_get(c->batches, key))
			json_object_set_new(
			    c->batches, key,
			    json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I}", "id",
				      (json_int_t)s->batch_id, "file",
				      base ? base + 1 : s->batch_file, "partner", s->partner,
				      "partner_name", s->partner_name, "format", s->format,
				      "imported_at", s->imported_at, "rows",
				      (json_int_t)s->batch_rows, "usage_lines",
				      (json_int_t)s->usage_lines, "rejected_lines",
				      (json_int_t)s->rejected_lines, "suspense_rows",
				      (json_int_t)s->suspense_rows));
	}
	return 0;
}

/*
 * GET /api/statements/{payee}/{period}/lines?account=&isrc=&store=
 *     &territory=&model=&use=&non_attributable=0|1&offset=&limit=
 * The journal legs behind a statement figure: the run's arithmetic (rule,
 * rate, shares, exchange rate, fee) in each leg's note, the usage row it
 * came from and its import batch (file, partner, line counts).
 */
void api_statement_lines(struct http_request *req)
{
	struct ft_portal_filter f = {0};
	struct sources_ctx c;
	struct ft_error err;
	struct target t;
	long long offset, limit, na;
	size_t total = 0;
	char currency[4] = "";

	if (resolve(req, &t, 1))
		return;
	if (http_query_int(req, "offset", 0, INT32_MAX, 0, &offset) ||
	    http_query_int(req, "limit", 1, 1000, 200, &limit) ||
	    http_query_int(req, "non_attributable", -1, 1, -1, &na))
		return;
	f.isrc = http_query(req, "isrc");
	f.store = http_query(req, "store");
	f.territory = http_query(req, "territory");
	f.commercial_model = http_query(req, "model");
	f.use_type = http_query(req, "use");
	f.non_attributable = (int)na;
	{
		/* The run's currency, for the minor digits of the legs. */
		struct ft_stmt *q = NULL;

		ft_error_clear(&err);
		if (!ft_store_prepare(req->store, &q, "SELECT currency FROM runs WHERE period = ?",
				      &err) &&
		    !ft_stmt_bind_text(q, 1, t.period, &err) && ft_stmt_step(q, &err) == 1)
			snprintf(currency, sizeof(currency), "%s", ft_stmt_column_text(q, 0));
		ft_stmt_free(q);
	}
	c.rows = json_array();
	c.batches = json_object();
	c.minor = 0; /* legs are exact: every digit the run posted */
	ft_error_clear(&err);
	if (!c.rows || !c.batches ||
	    ft_portal_sources(req->store, t.period, t.payee, t.account, &f, (size_t)offset,
			      (size_t)limit, add_source, &c, &total, &err)) {
		json_decref(c.rows);
		json_decref(c.batches);
		if (err.code == FT_ENOTFOUND)
			http_reply_error(req, 404, NOT_FOUND);
		else
			http_reply_ft_error(req, &err);
		return;
	}
	http_reply_json(req, 200,
			json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:o,s:o}", "payee", t.payee,
				  "period", t.period, "account", t.account, "currency", currency,
				  "total", (json_int_t)total, "offset", (json_int_t)offset, "limit",
				  (json_int_t)limit, "lines", c.rows, "batches", c.batches));
}

/* --------------------------------------------------------------- charts */

/*
 * GET /api/statements/{payee}/{period}/charts?account=
 * Chart data from the same model: earnings over the periods so far, and
 * the top ten stores, territories and tracks of the period with the rest
 * folded into one row (the rows add up to the statement's royalties).
 */
void api_statement_charts(struct http_request *req)
{
	static const struct {
		const char *name;
		enum ft_statement_dim dim;
	} dims[] = {{"stores", FT_DIM_STORE},
		    {"territories", FT_DIM_TERRITORY},
		    {"tracks", FT_DIM_TRACK},
		    {"releases", FT_DIM_RELEASE}};
	struct ft_statement_summary sum;
	struct ft_statement *st = NULL;
	struct ft_error err;
	struct target t;
	json_t *body, *history;
	size_t i;

	if (resolve(req, &t, 1))
		return;
	{
		const char *key[] = {t.payee, t.period, t.account};

		if (http_cache_reply(req, "charts", key, 3))
			return;
	}
	if (build(req, &t, &st, &sum))
		return;
	ft_error_clear(&err);
	history = json_array();
	for (i = 0; history && i < st->n_history; i++) {
		char p[FT_PERIOD_STR_MAX];

		ft_period_format(p, sizeof(p), &st->history[i].period);
		json_array_append_new(
		    history, json_pack("{s:s,s:o}", "period", p, "royalties",
				       printed_json(st->history[i].royalties, sum.minor_units)));
	}
	body = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o}", "payee", t.payee, "period", t.period,
			 "account", t.account, "currency", st->currency, "royalties",
			 amount_json(sum.p_royalties, sum.minor_units), "history",
			 history ? history : json_array());
	for (i = 0; body && i < sizeof(dims) / sizeof(dims[0]); i++) {
		json_t *b = breakdown_json(st, dims[i].dim, sum.minor_units, 10, &err);

		if (!b) {
			json_decref(body);
			body = NULL;
			break;
		}
		json_object_set_new(body, dims[i].name, b);
	}
	ft_statement_free(st);
	if (!body) {
		if (!err.code)
			ft_error_set(&err, FT_ENOMEM, "out of memory");
		http_reply_ft_error(req, &err);
		return;
	}
	http_reply_json(req, 200, body);
}

/* ------------------------------------------------------------ downloads */

void http_reply_download(struct http_request *req, const char *content_type, const char *filename,
			 char *data, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	char disposition[512];
	size_t i, n;

	if (!r) {
		free(data);
		http_reply_error(req, 500, "out of memory");
		return;
	}
	/* The name is ours (ft_statement_basename: [A-Za-z0-9._-] only), but
	 * quote-proof it anyway. */
	n = (size_t)snprintf(disposition, sizeof(disposition), "attachment; filename=\"");
	for (i = 0; filename[i] && n + 3 < sizeof(disposition); i++)
		disposition[n++] = strchr("\"\\\r\n", filename[i]) ? '_' : filename[i];
	disposition[n++] = '"';
	disposition[n] = '\0';
	MHD_add_response_header(r, "Content-Disposition", disposition);
	http_reply_raw(req, 200, content_type, r, len);
}

static int slurp(const char *path, char **out, size_t *len, struct ft_error *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	*out = NULL;
	if (!f)
		return ft_error_set(err, FT_EIO, "%s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)size + 1);
		if (buf && fread(buf, 1, (size_t)size, f) == (size_t)size) {
			fclose(f);
			*out = buf;
			*len = (size_t)size;
			return 0;
		}
	}
	fclose(f);
	free(buf);
	return ft_error_set(err, FT_EIO, "%s: cannot read the rendered file", path);
}

/*
 * GET /api/statements/{payee}/{period}/download/{format}?account=
 * format: pdf, csv (the lines; the balance block is in the PDF and XLSX),
 * xlsx.
 */
void api_statement_download(struct http_request *req)
{
	static const struct {
		const char *name, *type;
	} types[] = {{"pdf", "application/pdf"},
		     {"csv", "text/csv; charset=utf-8"},
		     {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}};
	const struct ft_renderer *renderer = NULL;
	struct ft_statement_summary sum;
	struct ft_statement *st = NULL;
	const char *tmp = getenv("TMPDIR");
	char dir[512], base[256], file[300], path[900], summary[900], target[512];
	const char *type = NULL;
	struct ft_error err;
	struct target t;
	char *data = NULL;
	size_t len = 0, i;
	int rc;

	if (resolve(req, &t, 1))
		return;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(req->params[2], types[i].name) == 0) {
			renderer = ft_renderer_find(types[i].name);
			type = types[i].type;
		}
	if (!renderer) {
		http_reply_error(req, 404, "no such format: use pdf, csv or xlsx");
		return;
	}
	if (build(req, &t, &st, &sum))
		return;
	ft_error_clear(&err);
	ft_statement_basename(base, sizeof(base), st);
	snprintf(file, sizeof(file), "%s%s", base, renderer->extension);
	snprintf(dir, sizeof(dir), "%s/fairtrack-dl-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		ft_statement_free(st);
		http_reply_error(req, 500, "cannot make a temporary directory");
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	snprintf(summary, sizeof(summary), "%s/%s.summary.csv", dir, base);
	rc = renderer->render(st, path, &err);
	/* The PDF renderer keeps fonts per thread; a server thread lives long
	 * and renders rarely, so give them back now. */
	if (strcmp(renderer->name, "pdf") == 0)
		ft_render_release_thread_caches();
	ft_statement_free(st);
	if (!rc)
		rc = slurp(path, &data, &len, &err);
	remove(path);
	remove(summary);
	rmdir(dir);
	snprintf(target, sizeof(target), "%s/%s/%s", t.payee, t.period, t.account);
	if (!rc)
		rc = http_audit(req, NULL, "statement.download", target, renderer->name, &err);
	if (rc) {
		free(data);
		http_reply_ft_error(req, &err);
		return;
	}
	http_reply_download(req, type, file, data, len);
}
