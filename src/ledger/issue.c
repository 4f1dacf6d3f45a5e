/*
 * issue.c — statements from the journal: build, render, record, verify.
 *
 * Reads only what a run stored (run_statements for the balance block, the
 * journal's royalty / advance / cost legs with their provenance for the
 * detail) and the inputs it names (usage rows, catalogue, partners, fx_rates,
 * contracts); nothing is recomputed except the renderers' printed figures,
 * which are checked against the run's payable before a file is issued.
 * Every file written is hashed (SHA-256) and recorded in issued_statements,
 * keyed by (period, payee, account, format), in one transaction.
 *
 * The label's files: P_label-summary.csv, one row a payee account (exact
 * figures: opening, royalties, advances, costs, balance, reserve held,
 * payable, carried forward, unrecouped) then one "*suspense*" row a suspense
 * account with what it holds; P_label-payments.csv, one row a payee account
 * with a payable above zero (payee, account, currency, amount) for the bank.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fairtrack/contract.h"
#include "fairtrack/digest.h"
#include "fairtrack/ids.h"
#include "fairtrack/issue.h"
#include "fairtrack/ledger_run.h"

/* The amount after `key` in a journal note ("ACCT-2 base 8.63 (…)"); 0 when
 * absent.  Notes are written by run.c in a fixed form; a note without the
 * key simply has no receipts to show. */
static ft_amount note_amount(const char *note, const char *key)
{
	const char *p = note ? strstr(note, key) : NULL;
	size_t n = 0;
	ft_amount v = 0;

	if (!p)
		return 0;
	p += strlen(key);
	while (p[n] == '-' || p[n] == '.' || (p[n] >= '0' && p[n] <= '9'))
		n++;
	if (!n || ft_amount_parse(&v, p, n, NULL))
		return 0;
	return v;
}

/* The usage row a royalty line was computed from: "(source N)" at the start
 * of the note, which run.c writes for usage and ACCT-9 allocations alike. */
static int64_t note_source(const char *note)
{
	const char *p = note ? strstr(note, "(source ") : NULL;

	return p ? strtoll(p + 8, NULL, 10) : 0;
}

/* royalty / receipts as a fraction; 0 when it cannot be stated exactly
 * enough (no receipts, or figures too large to scale). */
static ft_amount rate_of(ft_amount royalty, ft_amount receipts)
{
	ft_amount lim = FT_AMOUNT_ONE * FT_AMOUNT_ONE * (ft_amount)1000000;

	if (receipts <= 0 || royalty < 0 || royalty > lim)
		return 0;
	/* Both figures were cut to 10^-12, so the quotient is off in its last
	 * digits; contract rates never need more than 10^-8 (a percentage with
	 * four decimals), so round to that. */
	return (royalty * FT_AMOUNT_ONE / receipts + 5000) / 10000 * 10000;
}

static int text_col(char *dst, size_t cap, struct ft_stmt *st, int col)
{
	const char *t = ft_stmt_column_text(st, col);

	snprintf(dst, cap, "%s", t ? t : "");
	return 0;
}

/* Detail of one usage row (titles, store, territory, …) into line. */
static int usage_detail(struct ft_stmt *q, int64_t id, struct ft_statement_line *line, char *buf,
			size_t cap, struct ft_error *err)
{
	int rc;
	size_t off = 0;
	const char *cols[7];
	int i;

	rc = ft_stmt_reset(q, err);
	if (!rc)
		rc = ft_stmt_bind_int64(q, 1, id, err);
	if (!rc)
		rc = ft_stmt_step(q, err);
	if (rc <= 0)
		return rc;
	/* Copy the texts: the line is added (and copied) by the caller after
	 * the statement has stepped on. */
	for (i = 0; i < 7; i++) {
		const char *t = ft_stmt_column_text(q, i);
		size_t n = strlen(t ? t : "") + 1;

		if (off + n > cap)
			return ft_error_set(err, FT_EOVERFLOW, "usage row %lld: texts too long",
					    (long long)id);
		memcpy(buf + off, t ? t : "", n);
		cols[i] = buf + off;
		off += n;
	}
	line->isrc = cols[0];
	line->track = cols[1];
	line->upc = cols[2];
	line->release = cols[3];
	line->store = cols[4];
	snprintf(line->territory, sizeof(line->territory), "%s", cols[5]);
	line->commercial_model = cols[6];
	line->use_type = "";
	{
		const char *t = ft_stmt_column_text(q, 7);
		size_t n = strlen(t ? t : "") + 1;

		if (off + n <= cap) {
			memcpy(buf + off, t ? t : "", n);
			line->use_type = buf + off;
		}
	}
	line->units = ft_stmt_column_int64(q, 8);
	return 1;
}

static const char usage_sql[] =
    "SELECT COALESCE(u.isrc, ''), COALESCE(t.title, ''), COALESCE(u.gtin14, rt.gtin14, ''),"
    " COALESCE(r.title, r2.title, ''),"
    " CASE WHEN u.store <> '' THEN u.store ELSE COALESCE(p.name, b.partner_id) END,"
    " u.territory, u.commercial_model, u.use_type, u.usages"
    " FROM usage u JOIN import_batches b ON b.id = u.batch_id"
    " LEFT JOIN partners p ON p.id = b.partner_id"
    " LEFT JOIN tracks t ON t.isrc = u.isrc"
    " LEFT JOIN releases r ON r.gtin14 = u.gtin14"
    " LEFT JOIN release_tracks rt ON rt.isrc = u.isrc AND rt.gtin14 ="
    "  (SELECT MIN(gtin14) FROM release_tracks WHERE isrc = u.isrc)"
    " LEFT JOIN releases r2 ON r2.gtin14 = rt.gtin14"
    " WHERE u.rowid = ?";

static int add_lines(struct ft_store *store, struct ft_statement *st, const char *period,
		     const char *acct, struct ft_error *err)
{
	struct ft_stmt *q = NULL, *u = NULL;
	int rc;

	rc = ft_store_prepare(store, &q,
			      "SELECT kind, amount, source, note FROM journal WHERE period = ? AND"
			      " account = ? AND kind IN ('royalty', 'profit-split') ORDER BY id",
			      err);
	if (!rc)
		rc = ft_store_prepare(store, &u, usage_sql, err);
	if (!rc)
		rc = ft_stmt_bind_text(q, 1, period, err);
	if (!rc)
		rc = ft_stmt_bind_text(q, 2, acct, err);
	while (!rc && (rc = ft_stmt_step(q, err)) == 1) {
		struct ft_statement_line line;
		char buf[2048];
		const char *kind = ft_stmt_column_text(q, 0);
		const char *source = ft_stmt_column_text(q, 2);
		const char *note = ft_stmt_column_text(q, 3);
		int64_t src = note_source(note);

		memset(&line, 0, sizeof(line));
		rc = ft_stmt_column_amount(q, 1, &line.royalty, err);
		if (rc)
			break;
		line.non_attributable = source && strcmp(source, "income") == 0;
		line.receipts = line.non_attributable ? note_amount(note, "ACCT-9 allocated ")
						      : note_amount(note, "ACCT-2 base ");
		line.rate = rate_of(line.royalty, line.receipts);
		snprintf(line.territory, sizeof(line.territory), "WW");
		if (strcmp(kind, "profit-split") == 0) {
			line.store = "profit split (ACCT-8)";
			line.track = "Share of the account's profit";
		} else if (src > 0) {
			rc = usage_detail(u, src, &line, buf, sizeof(buf), err);
			if (rc < 0)
				break;
		}
		if (line.non_attributable)
			line.units = 0;
		rc = ft_statement_add_line(st, &line, err);
	}
	ft_stmt_free(u);
	ft_stmt_free(q);
	return rc < 0 ? rc : 0;
}

static int add_charges(struct ft_store *store, struct ft_statement *st, const char *period,
		       const char *acct, const char *date, struct ft_error *err)
{
	struct ft_stmt *q = NULL;
	int rc;

	rc = ft_store_prepare(
	    store, &q,
	    "SELECT kind, amount, note FROM journal WHERE period = ? AND account = ?"
	    " AND kind IN ('advance', 'cost') ORDER BY id",
	    err);
	if (!rc)
		rc = ft_stmt_bind_text(q, 1, period, err);
	if (!rc)
		rc = ft_stmt_bind_text(q, 2, acct, err);
	while (!rc && (rc = ft_stmt_step(q, err)) == 1) {
		struct ft_statement_charge c;
		int adv = strcmp(ft_stmt_column_text(q, 0), "advance") == 0;

		memset(&c, 0, sizeof(c));
		rc = ft_stmt_column_amount(q, 1, &c.amount, err);
		if (rc)
			break;
		c.amount = -c.amount; /* the leg debits the payee */
		c.kind = adv ? FT_CHARGE_ADVANCE : FT_CHARGE_COST;
		c.date = date;
		c.description = adv ? "Advance charged to the balance"
				    : "Recoupable costs charged to the balance";
		rc = ft_statement_add_charge(st, &c, err);
	}
	ft_stmt_free(q);
	return rc < 0 ? rc : 0;
}

static int add_fx(struct ft_store *store, struct ft_statement *st, const struct ft_period *p,
		  struct ft_error *err)
{
	struct ft_stmt *q = NULL;
	int rc, m;

	rc = ft_store_prepare(
	    store, &q,
	    "SELECT from_currency, rate, file FROM fx_rates WHERE month = ? AND"
	    " to_currency = ? AND from_currency <> to_currency ORDER BY from_currency",
	    err);
	for (m = p->first; !rc && m < p->first + p->months; m++) {
		char month[8], src[256];

		ft_month_format(month, m);
		rc = ft_stmt_reset(q, err);
		if (!rc)
			rc = ft_stmt_bind_text(q, 1, month, err);
		if (!rc)
			rc = ft_stmt_bind_text(q, 2, st->currency, err);
		while (!rc && (rc = ft_stmt_step(q, err)) == 1) {
			struct ft_statement_fx fx;
			const char *file = ft_stmt_column_text(q, 2);
			const char *base = file ? strrchr(file, '/') : NULL;

			memset(&fx, 0, sizeof(fx));
			snprintf(fx.from, sizeof(fx.from), "%s", ft_stmt_column_text(q, 0));
			snprintf(fx.to, sizeof(fx.to), "%s", st->currency);
			rc = ft_stmt_column_amount(q, 1, &fx.rate, err);
			if (rc)
				break;
			snprintf(src, sizeof(src), "%s rate of %s", base ? base + 1 : file, month);
			fx.source = src;
			rc = ft_statement_add_fx(st, &fx, err);
		}
		if (rc > 0)
			rc = 0;
	}
	ft_stmt_free(q);
	return rc < 0 ? rc : 0;
}

/* The contract terms in plain words, from the stored contracts whose id or
 * cross-collateral group is the account. */
static int add_terms(struct ft_store *store, struct ft_statement *st, const char *account,
		     const char *payee, char *payee_name, size_t name_cap, struct ft_error *err)
{
	struct ft_contract_set set;
	size_t i, j;
	int rc;

	memset(&set, 0, sizeof(set));
	rc = ft_contracts_load(store, &set, err);
	for (i = 0; !rc && i < set.n; i++) {
		const struct ft_contract *c = &set.items[i];
		char s[1024], pct[32];

		if (strcmp(c->id, account) != 0 && strcmp(c->cross_collateral, account) != 0)
			continue;
		for (j = 0; j < c->n_payees; j++)
			if (strcmp(c->payees[j].id, payee) == 0) {
				if (c->payees[j].name[0])
					snprintf(payee_name, name_cap, "%s", c->payees[j].name);
				ft_statement_percent(pct, sizeof(pct), c->payees[j].share);
				snprintf(s, sizeof(s),
					 "Contract %s (%s): you receive %s of its royalties, "
					 "computed on %s, stated %s.",
					 c->id, ft_contract_type_name(c->type), pct,
					 ft_contract_base_name(c->base),
					 ft_contract_frequency_name(c->frequency));
				rc = ft_statement_add_term(st, s, err);
			}
		for (j = 0; !rc && j < c->n_rules; j++) {
			const struct ft_contract_rule *r = &c->rules[j];

			ft_statement_percent(pct, sizeof(pct), r->rate);
			snprintf(s, sizeof(s), "Rate %s for %s%s%s%s%s.", pct,
				 r->use_type[0] ? r->use_type : "any use",
				 r->commercial_model[0] ? " under " : "", r->commercial_model,
				 r->release_format[0] ? " on " : "", r->release_format);
			rc = ft_statement_add_term(st, s, err);
		}
		for (j = 0; !rc && j < c->n_escalations; j++) {
			ft_statement_percent(pct, sizeof(pct), c->escalations[j].add);
			snprintf(s, sizeof(s), "Past %lld units, the rate rises by %s.",
				 (long long)c->escalations[j].units, pct);
			rc = ft_statement_add_term(st, s, err);
		}
		if (!rc && c->reserve_rate > 0) {
			ft_statement_percent(pct, sizeof(pct), c->reserve_rate);
			snprintf(s, sizeof(s),
				 "A reserve of %s of royalties is held and released after %d "
				 "periods.",
				 pct, c->reserve_periods);
			rc = ft_statement_add_term(st, s, err);
		}
		if (!rc && c->cross_collateral[0]) {
			snprintf(s, sizeof(s),
				 "Cross-collateralised in the group %s: one balance for all its "
				 "contracts.",
				 c->cross_collateral);
			rc = ft_statement_add_term(st, s, err);
		}
	}
	ft_contract_set_clear(&set);
	return rc;
}

static int add_history(struct ft_store *store, struct ft_statement *st, const char *payee,
		       const char *account, const struct ft_period *p, struct ft_error *err)
{
	struct ft_stmt *q = NULL;
	int rc;

	rc = ft_store_prepare(
	    store, &q,
	    "SELECT r.first_month, r.months, s.royalties FROM run_statements s"
	    " JOIN runs r ON r.period = s.period WHERE s.payee = ? AND s.account = ?"
	    " AND r.first_month <= ? ORDER BY r.first_month",
	    err);
	if (!rc)
		rc = ft_stmt_bind_text(q, 1, payee, err);
	if (!rc)
		rc = ft_stmt_bind_text(q, 2, account, err);
	if (!rc)
		rc = ft_stmt_bind_int64(q, 3, p->first, err);
	while (!rc && (rc = ft_stmt_step(q, err)) == 1) {
		struct ft_period hp;
		ft_amount v;

		hp.first = (int)ft_stmt_column_int64(q, 0);
		hp.months = (int)ft_stmt_column_int64(q, 1);
		rc = ft_stmt_column_amount(q, 2, &v, err);
		if (!rc)
			rc = ft_statement_add_history(st, hp, v, err);
	}
	ft_stmt_free(q);
	return rc < 0 ? rc : 0;
}

int ft_issue_build(struct ft_store *store, const struct ft_period *period, const char *payee,
		   const char *account, struct ft_statement **out, ft_amount *ledger_payable,
		   struct ft_error *err)
{
	struct ft_statement *st = NULL;
	struct ft_stmt *q = NULL;
	char pstr[FT_PERIOD_STR_MAX], acct[2 * FT_ISSUE_ID_MAX + 16], id[3 * FT_ISSUE_ID_MAX];
	char currency[4] = "", date[16] = "", label[256] = "", name[256];
	ft_amount opening = 0, held = 0, withheld = 0, released = 0;
	int rc;

	*out = NULL;
	ft_period_format(pstr, sizeof(pstr), period);
	rc = ft_store_prepare(store, &q,
			      "SELECT r.currency, r.ran_at, s.opening, s.reserve_held,"
			      " s.reserve_withheld, s.reserve_released, s.payable,"
			      " (SELECT MIN(name) FROM labels)"
			      " FROM run_statements s JOIN runs r ON r.period = s.period"
			      " WHERE s.period = ? AND s.payee = ? AND s.account = ?",
			      err);
	if (!rc)
		rc = ft_stmt_bind_text(q, 1, pstr, err);
	if (!rc)
		rc = ft_stmt_bind_text(q, 2, payee, err);
	if (!rc)
		rc = ft_stmt_bind_text(q, 3, account, err);
	if (!rc) {
		rc = ft_stmt_step(q, err);
		if (rc == 0)
			rc = ft_error_set(err, FT_ENOTFOUND,
					  "no run of %s has figures for payee %s, account %s "
					  "(run 'fairtrack run --period %s' first)",
					  pstr, payee, account, pstr);
		else if (rc == 1) {
			text_col(currency, sizeof(currency), q, 0);
			text_col(date, 11, q, 1);
			rc = ft_stmt_column_amount(q, 2, &opening, err);
			if (!rc)
				rc = ft_stmt_column_amount(q, 3, &held, err);
			if (!rc)
				rc = ft_stmt_column_amount(q, 4, &withheld, err);
			if (!rc)
				rc = ft_stmt_column_amount(q, 5, &released, err);
			if (!rc)
				rc = ft_stmt_column_amount(q, 6, ledger_payable, err);
			text_col(label, sizeof(label), q, 7);
		}
	}
	ft_stmt_free(q);
	if (rc)
		return rc;
	snprintf(name, sizeof(name), "%s", payee);
	snprintf(acct, sizeof(acct), "payee:%s@%s", payee, account);
	/* The payee is part of the id: two payees of one account with the same
	 * figures must still get different files (verify tells them apart). */
	snprintf(id, sizeof(id), "ST-%s-%s-%s", pstr, account, payee);
	rc = ft_statement_new(&st, err);
	if (!rc)
		rc = add_terms(store, st, account, payee, name, sizeof(name), err);
	if (!rc)
		rc = ft_statement_set_header(st, id, label[0] ? label : "fairtrack", payee, name,
					     account, date, currency, err);
	if (!rc) {
		st->period = *period;
		st->opening = opening;
		st->reserve_withheld = withheld;
		st->reserve_released = released;
		/* held = before + withheld − released (statement.h), so: */
		st->reserve_held_before = held - withheld + released;
		rc = add_lines(store, st, pstr, acct, err);
	}
	if (!rc)
		rc = add_charges(store, st, pstr, acct, date, err);
	if (!rc)
		rc = add_fx(store, st, period, err);
	if (!rc)
		rc = add_history(store, st, payee, account, period, err);
	if (!rc)
		rc = ft_statement_set_note(
		    st,
		    "Income that belongs to no single track (minimum guarantees, breakage, "
		    "settlements) is shared over the partner's receipts pro rata (ACCT-9).",
		    err);
	if (rc) {
		ft_statement_free(st);
		return rc;
	}
	ft_statement_sort_lines(st);
	*out = st;
	return 0;
}

/* ---- issuing ---------------------------------------------------------------- */

static int push_file(struct ft_issue_result *res, const struct ft_issue_file *f,
		     struct ft_error *err)
{
	struct ft_issue_file *n = realloc(res->files, (res->n_files + 1) * sizeof(*n));

	if (!n)
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	res->files = n;
	res->files[res->n_files++] = *f;
	return 0;
}

static int hash_into(struct ft_issue_file *f, struct ft_error *err)
{
	uint64_t size;

	return ft_sha256_file(f->sha256, &size, f->path, err);
}

static void fmt_amount(char *buf, size_t cap, ft_amount a, const char *currency)
{
	int minor = ft_currency_minor_units(currency);
	ft_amount r;

	if (minor < 0)
		minor = 2;
	r = ft_statement_printed(a, minor);
	ft_amount_format(buf, cap, r, minor);
}

/* Exact, but with at least the currency's minor digits ("0.00", "12.5" ->
 * "12.50"): the label's own figures keep every unit. */
static void fmt_exact(char *buf, size_t cap, ft_amount a, const char *currency)
{
	int minor = ft_currency_minor_units(currency);

	ft_amount_format(buf, cap, a, minor < 0 ? 2 : minor);
}

struct account_row {
	char payee[FT_ISSUE_ID_MAX], account[FT_ISSUE_ID_MAX], currency[4];
	ft_amount opening, royalties, advances, costs, balance, held, payable, closing;
};

static int load_accounts(struct ft_store *store, const char *pstr, struct account_row **out,
			 size_t *n_out, struct ft_error *err)
{
	struct ft_stmt *q = NULL;
	struct account_row *rows = NULL;
	size_t n = 0;
	int rc, i;

	rc =
	    ft_store_prepare(store, &q,
			     "SELECT s.payee, s.account, r.currency, s.opening, s.royalties,"
			     " s.advances, s.costs, s.balance, s.reserve_held, s.payable, s.closing"
			     " FROM run_statements s JOIN runs r ON r.period = s.period"
			     " WHERE s.period = ? ORDER BY s.payee, s.account",
			     err);
	if (!rc)
		rc = ft_stmt_bind_text(q, 1, pstr, err);
	while (!rc && (rc = ft_stmt_step(q, err)) == 1) {
		struct account_row *nr = realloc(rows, (n + 1) * sizeof(*nr));
		ft_amount *v;

		rc = 0;

		if (!nr) {
			rc = ft_error_set(err, FT_ENOMEM, "out of memory");
			break;
		}
		rows = nr;
		memset(&rows[n], 0, sizeof(rows[n]));
		text_col(rows[n].payee, sizeof(rows[n].payee), q, 0);
		text_col(rows[n].account, sizeof(rows[n].account), q, 1);
		text_col(rows[n].currency, sizeof(rows[n].currency), q, 2);
		v = &rows[n].opening;
		for (i = 0; !rc && i < 8; i++)
			rc = ft_stmt_column_amount(q, 3 + i, &v[i], err);
		n++;
	}
	ft_stmt_free(q);
	if (rc < 0) {
		free(rows);
		return rc;
	}
	*out = rows;
	*n_out = n;
	return 0;
}

static int active(const struct account_row *a)
{
	return a->opening || a->royalties || a->advances || a->costs || a->held || a->closing;
}

/* What each suspense account holds at the end of P (every posting of every
 * run up to P): one "*suspense*" row a suspense account, the amount in the
 * balance column. */
static int write_suspense(FILE *out, struct ft_store *store, const struct ft_period *period,
			  struct ft_error *err)
{
	struct ft_stmt *q = NULL;
	char account[256] = "", currency[4] = "", v[FT_AMOUNT_STR_MAX];
	ft_amount sum = 0, x;
	int rc, have = 0;

	rc = ft_store_prepare(store, &q,
			      "SELECT j.account, j.currency, j.amount FROM journal j JOIN runs r ON"
			      " r.period = j.period WHERE j.account LIKE 'suspense:%' AND"
			      " r.first_month <= ? ORDER BY j.account, j.currency, j.id",
			      err);
	if (!rc)
		rc = ft_stmt_bind_int64(q, 1, period->first, err);
	while (!rc && (rc = ft_stmt_step(q, err)) == 1) {
		const char *a = ft_stmt_column_text(q, 0), *c = ft_stmt_column_text(q, 1);

		rc = ft_stmt_column_amount(q, 2, &x, err);
		if (rc)
			break;
		if (have && (strcmp(a, account) != 0 || strcmp(c, currency) != 0)) {
			fmt_exact(v, sizeof(v), sum, currency);
			fprintf(out, "*suspense*,%s,%s,,,,,%s,,,,\n", account, currency, v);
			sum = 0;
		}
		snprintf(account, sizeof(account), "%s", a);
		snprintf(currency, sizeof(currency), "%s", c);
		have = 1;
		if (ft_amount_add(&sum, sum, x)) {
			rc = ft_error_set(err, FT_EOVERFLOW, "%s: the sum overflows", account);
			break;
		}
	}
	if (rc >= 0 && have) {
		fmt_exact(v, sizeof(v), sum, currency);
		fprintf(out, "*suspense*,%s,%s,,,,,%s,,,,\n", account, currency, v);
	}
	ft_stmt_free(q);
	return rc < 0 ? rc : 0;
}

/* The label's summary and the payment file for the bank run. */
static int write_label_files(struct ft_store *store, const struct ft_period *period,
			     const char *dir, const char *pstr, const struct account_row *rows,
			     size_t n, const char *payee, struct ft_issue_result *res,
			     struct ft_error *err)
{
	struct ft_issue_file f;
	FILE *out;
	size_t i;
	int k, rc;

	for (k = 0; k < 2; k++) {
		memset(&f, 0, sizeof(f));
		snprintf(f.payee, sizeof(f.payee), "*label*");
		snprintf(f.format, sizeof(f.format), "%s", k ? "payments" : "summary");
		snprintf(f.path, sizeof(f.path), "%s/%s_label-%s.csv", dir, pstr,
			 k ? "payments" : "summary");
		out = fopen(f.path, "w");
		if (!out)
			return ft_error_set(err, FT_EIO, "%s: cannot write: %s", f.path,
					    strerror(errno));
		if (k)
			fputs("payee,account,currency,amount\n", out);
		else
			fputs("payee,account,currency,opening,royalties,advances,costs,balance,"
			      "reserve_held,payable,carried_forward,unrecouped\n",
			      out);
		for (i = 0; i < n; i++) {
			const struct account_row *a = &rows[i];
			char v[9][FT_AMOUNT_STR_MAX];
			const ft_amount *x = &a->opening;
			int j;

			if (!active(a) || (payee && strcmp(payee, a->payee) != 0))
				continue;
			if (k) {
				if (a->payable <= 0)
					continue;
				fmt_amount(v[0], sizeof(v[0]), a->payable, a->currency);
				fprintf(out, "%s,%s,%s,%s\n", a->payee, a->account, a->currency,
					v[0]);
				continue;
			}
			for (j = 0; j < 8; j++)
				fmt_exact(v[j], sizeof(v[j]), x[j], a->currency);
			fmt_exact(v[8], sizeof(v[8]), a->closing < 0 ? -a->closing : 0,
				  a->currency);
			fprintf(out, "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", a->payee, a->account,
				a->currency, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
		}
		rc = !k && !payee ? write_suspense(out, store, period, err) : 0;
		if (fclose(out) && !rc)
			rc = ft_error_set(err, FT_EIO, "%s: cannot write", f.path);
		if (!rc)
			rc = hash_into(&f, err);
		if (!rc)
			rc = push_file(res, &f, err);
		if (rc)
			return rc;
	}
	return 0;
}

static int record(struct ft_store *store, const char *pstr, const struct ft_issue_result *res,
		  struct ft_error *err)
{
	struct ft_stmt *del = NULL, *ins = NULL;
	char now[FT_TIMESTAMP_MAX];
	size_t i;
	int rc;

	ft_timestamp_utc(now, (int64_t)time(NULL));
	rc = ft_store_begin(store, err);
	if (rc)
		return rc;
	rc = ft_store_prepare(store, &del,
			      "DELETE FROM issued_statements WHERE period = ? AND payee = ? AND"
			      " account = ? AND format = ?",
			      err);
	if (!rc)
		rc = ft_store_prepare(
		    store, &ins,
		    "INSERT INTO issued_statements (sha256, period, payee, account,"
		    " format, file, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		    err);
	for (i = 0; !rc && i < res->n_files; i++) {
		const struct ft_issue_file *f = &res->files[i];
		const char *base = strrchr(f->path, '/');

		base = base ? base + 1 : f->path;
		rc = ft_stmt_reset(del, err);
		if (!rc)
			rc = ft_stmt_bind_text(del, 1, pstr, err);
		if (!rc)
			rc = ft_stmt_bind_text(del, 2, f->payee, err);
		if (!rc)
			rc = ft_stmt_bind_text(del, 3, f->account, err);
		if (!rc)
			rc = ft_stmt_bind_text(del, 4, f->format, err);
		if (!rc)
			rc = ft_stmt_run(del, err);
		if (!rc)
			rc = ft_stmt_reset(ins, err);
		if (!rc)
			rc = ft_stmt_bind_text(ins, 1, f->sha256, err);
		if (!rc)
			rc = ft_stmt_bind_text(ins, 2, pstr, err);
		if (!rc)
			rc = ft_stmt_bind_text(ins, 3, f->payee, err);
		if (!rc)
			rc = ft_stmt_bind_text(ins, 4, f->account, err);
		if (!rc)
			rc = ft_stmt_bind_text(ins, 5, f->format, err);
		if (!rc)
			rc = ft_stmt_bind_text(ins, 6, base, err);
		if (!rc)
			rc = ft_stmt_bind_text(ins, 7, now, err);
		if (!rc)
			rc = ft_stmt_run(ins, err);
	}
	ft_stmt_free(del);
	ft_stmt_free(ins);
	if (!rc)
		return ft_store_commit(store, err);
	ft_store_rollback(store, NULL);
	return rc;
}

/* Is `name` in the comma-separated list? */
static int listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && strncmp(p, name, n) == 0)
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

static int check_formats(const char *list, struct ft_error *err)
{
	const char *p = list;

	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char name[16];

		if (len == 0 || len >= sizeof(name))
			return ft_error_set(err, FT_EUSAGE, "--format '%s': use csv,xlsx,pdf",
					    list);
		memcpy(name, p, len);
		name[len] = '\0';
		if (!ft_renderer_find(name))
			return ft_error_set(err, FT_EUSAGE,
					    "--format: unknown format '%s' (csv, xlsx or pdf)",
					    name);
		p = e ? e + 1 : NULL;
	}
	return 0;
}

static int issue_one(struct ft_store *store, const struct ft_period *period,
		     const struct account_row *a, const char *dir, const char *formats,
		     struct ft_issue_result *res, struct ft_error *err)
{
	struct ft_statement *st = NULL;
	struct ft_statement_summary sum;
	ft_amount ledger_payable = 0;
	size_t nr, i;
	const struct ft_renderer *r = ft_renderers(&nr);
	char base[1024], a1[FT_AMOUNT_STR_MAX], a2[FT_AMOUNT_STR_MAX];
	int rc;

	rc = ft_issue_build(store, period, a->payee, a->account, &st, &ledger_payable, err);
	if (!rc)
		rc = ft_statement_summarize(st, &sum, err);
	if (rc)
		goto out;
	if (sum.royalties != a->royalties) {
		ft_amount_format(a1, sizeof(a1), sum.royalties, 2);
		ft_amount_format(a2, sizeof(a2), a->royalties, 2);
		rc = ft_error_set(
		    err, FT_ECONFLICT,
		    "statement of %s (%s) not issued: its lines sum to royalties %s "
		    "but the run stored %s; run 'fairtrack check' and re-run the period",
		    a->payee, a->account, a1, a2);
		goto out;
	}
	if (sum.p_payable != ledger_payable) {
		ft_amount_format(a1, sizeof(a1), sum.p_payable, 2);
		ft_amount_format(a2, sizeof(a2), ledger_payable, 2);
		rc = ft_error_set(err, FT_ECONFLICT,
				  "statement of %s (%s) not issued: it would print payable %s but "
				  "the ledger's payable is %s",
				  a->payee, a->account, a1, a2);
		goto out;
	}
	ft_statement_basename(base, sizeof(base), st);
	for (i = 0; !rc && i < nr; i++) {
		struct ft_issue_file f;

		if (!listed(formats, r[i].name))
			continue;
		memset(&f, 0, sizeof(f));
		snprintf(f.payee, sizeof(f.payee), "%s", a->payee);
		snprintf(f.account, sizeof(f.account), "%s", a->account);
		snprintf(f.format, sizeof(f.format), "%s", r[i].name);
		snprintf(f.currency, sizeof(f.currency), "%s", st->currency);
		snprintf(f.path, sizeof(f.path), "%s/%s%s", dir, base, r[i].extension);
		f.payable = sum.p_payable;
		rc = r[i].render(st, f.path, err);
		if (!rc)
			rc = hash_into(&f, err);
		if (!rc)
			rc = push_file(res, &f, err);
		if (!rc && strcmp(r[i].name, "csv") == 0) {
			/* The CSV renderer also wrote the summary beside it: record it too,
			 * so every file the payee receives can be verified. */
			snprintf(f.format, sizeof(f.format), "csv-summary");
			snprintf(f.path, sizeof(f.path), "%s/%s.summary.csv", dir, base);
			rc = hash_into(&f, err);
			if (!rc)
				rc = push_file(res, &f, err);
		}
	}
	if (!rc)
		res->n_statements++;
out:
	ft_statement_free(st);
	return rc;
}

int ft_issue_statements(struct ft_store *store, const struct ft_period *period,
			const struct ft_issue_options *opts, struct ft_issue_result *res,
			struct ft_error *err)
{
	const char *formats = opts->formats ? opts->formats : "csv,xlsx,pdf";
	struct account_row *rows = NULL;
	char pstr[FT_PERIOD_STR_MAX];
	size_t n = 0, i, matched = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	ft_period_format(pstr, sizeof(pstr), period);
	rc = check_formats(formats, err);
	if (rc)
		return rc;
	rc = load_accounts(store, pstr, &rows, &n, err);
	if (rc)
		return rc;
	if (!n) {
		free(rows);
		return ft_error_set(err, FT_ENOTFOUND,
				    "no run of %s (run 'fairtrack run --period %s' first)", pstr,
				    pstr);
	}
	if (mkdir(opts->out_dir, 0777) && errno != EEXIST) {
		rc = ft_error_set(err, FT_EIO, "%s: cannot create the directory: %s", opts->out_dir,
				  strerror(errno));
		goto out;
	}
	for (i = 0; !rc && i < n; i++) {
		if (opts->payee && strcmp(opts->payee, rows[i].payee) != 0)
			continue;
		matched++;
		if (!active(&rows[i]))
			continue;
		rc = issue_one(store, period, &rows[i], opts->out_dir, formats, res, err);
	}
	if (!rc && opts->payee && !matched)
		rc = ft_error_set(err, FT_ENOTFOUND, "payee %s has no account in the run of %s",
				  opts->payee, pstr);
	if (!rc)
		rc = write_label_files(store, period, opts->out_dir, pstr, rows, n, opts->payee,
				       res, err);
	if (!rc)
		rc = record(store, pstr, res, err);
out:
	free(rows);
	return rc;
}

void ft_issue_result_free(struct ft_issue_result *res)
{
	if (!res)
		return;
	free(res->files);
	res->files = NULL;
	res->n_files = 0;
}

int ft_issue_verify(struct ft_store *store, const char *path, struct ft_issue_record *rec,
		    struct ft_error *err)
{
	struct ft_stmt *q = NULL;
	uint64_t size;
	int rc;

	memset(rec, 0, sizeof(*rec));
	rc = ft_sha256_file(rec->sha256, &size, path, err);
	if (!rc)
		rc = ft_store_prepare(store, &q,
				      "SELECT period, payee, account, format, file, issued_at FROM"
				      " issued_statements WHERE sha256 = ? ORDER BY issued_at DESC",
				      err);
	if (!rc)
		rc = ft_stmt_bind_text(q, 1, rec->sha256, err);
	if (!rc)
		rc = ft_stmt_step(q, err);
	if (rc == 1) {
		text_col(rec->period, sizeof(rec->period), q, 0);
		text_col(rec->payee, sizeof(rec->payee), q, 1);
		text_col(rec->account, sizeof(rec->account), q, 2);
		text_col(rec->format, sizeof(rec->format), q, 3);
		text_col(rec->file, sizeof(rec->file), q, 4);
		text_col(rec->issued_at, sizeof(rec->issued_at), q, 5);
		rc = 0;
	} else if (rc == 0) {
		rc = ft_error_set(err, FT_ENOTFOUND,
				  "%s was not issued by this ledger (SHA-256 %s matches no issued "
				  "statement; the file may have been changed)",
				  path, rec->sha256);
	}
	ft_stmt_free(q);
	return rc;
}
