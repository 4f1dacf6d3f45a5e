/*
 * issue.c — statements from the journal: build, render, record, verify.
 *
 * Reads only what a run stored (run_statements for the balance block, the
 * royalty lines under the journal's royalty postings for the detail
 * (royalty_lines.h: a payee's part of a line is the contract's ACCT-4 split
 * of its royalty), the journal's profit-split, advance and cost legs) and the
 * inputs it names (usage rows, catalogue, partners, fx_rates,
 * contracts); nothing is recomputed except the renderers' printed figures,
 * which are checked against the run's payable before a file is issued.
 * Every file written is hashed (SHA-256) and recorded in issued_statements,
 * keyed by (period, payee, account, format), in one transaction.
 *
 * The label's files: P_label-summary.csv, one row a payee account (exact
 * figures: opening, royalties, advances, costs, balance, reserve held,
 * payable, carried forward, unrecouped), one "*suspense*" row a suspense
 * account with what it holds, then "*label*" rows that split the label's own
 * account (its receipts, the royalties, its share, the advances and costs it
 * charged to payees); P_label-payments.csv, one row a payee account with a
 * payable above zero (payee, account, currency, amount) for the bank.  Texts
 * go through ft_statement_csv_text (quoting, formula injection).
 *
 * Statements are built on the calling thread and rendered by worker threads
 * (ft_issue_options.jobs); see "statements: built on the calling thread".
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fairtrack/contract.h"
#include "fairtrack/digest.h"
#include "fairtrack/ids.h"
#include "fairtrack/issue.h"
#include "fairtrack/ledger_run.h"
#include "ledger/royalty_lines.h"

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

/*
 * What a statement shows of one payee account: its royalty lines (a cursor
 * of royalty_lines.h) and its journal legs — profit-split lines, advance and
 * cost charges.  Each is either a query of its own (ft_issue_build), or one
 * cursor over the whole period in account order, shared by every statement
 * of ft_issue_statements: a query an account over the period would read the
 * period once per statement (quadratic in payees).
 */
struct legs {
	struct ft_account_cursor cur; /* the journal legs, by account */
	struct ft_royalty_lines *lines;
};

#define LEG_KINDS "kind IN ('profit-split', 'advance', 'cost')"

static int legs_open(struct ft_store *store, struct legs *l, const char *pstr, const char *acct,
		     const struct ft_contract_set *contracts, struct ft_error *err)
{
	int rc;

	memset(l, 0, sizeof(*l));
	l->cur.shared = acct == NULL;
	rc = ft_royalty_lines_open(&l->lines, store, pstr, acct, contracts, err);
	if (!rc)
		rc = ft_store_prepare(
		    store, &l->cur.q,
		    l->cur.shared ? "SELECT account, kind, amount FROM journal"
				    " WHERE period = ? AND account LIKE 'payee:%' AND " LEG_KINDS
				    " ORDER BY account, id"
				  : "SELECT account, kind, amount FROM journal"
				    " WHERE period = ? AND account = ? AND " LEG_KINDS
				    " ORDER BY id",
		    err);
	if (!rc)
		rc = ft_stmt_bind_text(l->cur.q, 1, pstr, err);
	if (!rc && acct)
		rc = ft_stmt_bind_text(l->cur.q, 2, acct, err);
	return rc;
}

static void legs_close(struct legs *l)
{
	ft_stmt_free(l->cur.q);
	l->cur.q = NULL;
	ft_royalty_lines_close(l->lines);
	l->lines = NULL;
}

/* A profit-split leg: a share of the account's profit, not of a sale. */
static int add_profit_split(struct ft_stmt *q, struct ft_statement *st, struct ft_error *err)
{
	struct ft_statement_line line;
	int rc;

	memset(&line, 0, sizeof(line));
	rc = ft_stmt_column_amount(q, 2, &line.royalty, err);
	if (rc)
		return rc;
	snprintf(line.territory, sizeof(line.territory), "WW");
	line.store = "profit split (ACCT-8)";
	line.track = "Share of the account's profit";
	return ft_statement_add_line(st, &line, err);
}

/*
 * A royalty line as the payee's statement line: the payee's part, what the
 * label received for it (the ACCT-9 allocation for a share of income that
 * belongs to no track, else the ACCT-2 base) and the usage row's detail.
 */
static int add_line(struct ft_royalty_lines *lines, const struct ft_posted_line *pl,
		    struct ft_statement *st, struct ft_error *err)
{
	struct ft_statement_line line;
	struct ft_posted_usage u;
	char whole[600];
	int rc = 0;

	memset(&line, 0, sizeof(line));
	line.royalty = pl->part;
	line.non_attributable = pl->non_attributable;
	/* allocated is in the ledger's base currency; a contract in another
	 * (the statement's) states its converted base instead, so every amount
	 * on the statement is in its currency (docs/JOURNAL.md "Currencies"). */
	line.receipts = pl->non_attributable && !strcmp(pl->contract->currency, st->currency)
			    ? pl->allocated
			    : pl->base;
	line.rate = rate_of(line.royalty, line.receipts);
	snprintf(line.territory, sizeof(line.territory), "WW");
	if (pl->usage_id > 0)
		rc = ft_royalty_lines_usage(lines, pl->usage_id, &u, err);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		line.isrc = u.isrc;
		line.track = u.track;
		line.upc = u.upc;
		line.release = u.release;
		line.store = u.store;
		snprintf(line.territory, sizeof(line.territory), "%s", u.territory);
		line.commercial_model = u.commercial_model;
		line.use_type = u.use_type;
	}
	/* The line's own units, as the engine counted them: a row that crossed
	 * an escalation threshold is two lines, and a release sold as a whole
	 * is shared among its tracks; the row's units would count twice. */
	line.units = pl->units;
	if (line.non_attributable)
		line.units = 0;
	/* A release sold as a whole (an album download reported by UPC) has
	 * no track: say so, rather than an empty title. */
	if (!line.non_attributable && line.track && !line.track[0] && line.isrc && !line.isrc[0] &&
	    line.release && line.release[0]) {
		snprintf(whole, sizeof(whole), "%s (whole release)", line.release);
		line.track = whole;
	}
	return ft_statement_add_line(st, &line, err);
}

/* One advance or cost of a contract as it reaches this payee's balance. */
struct charge_item {
	enum ft_charge_kind kind;
	ft_date date;
	const char *description;
	ft_amount amount;
};

/*
 * The advances (kind FT_CHARGE_ADVANCE) or costs of the account's contracts
 * that reach `payee` and are dated in months [first, last], with the
 * payee's part (the cost's recoupable part, shared by the contract's shares
 * when it names no payee).  At most cap items.
 */
static size_t charge_items(const struct ft_contract_set *set, const char *account,
			   const char *payee, const char *currency, enum ft_charge_kind kind,
			   int first, int last, struct charge_item *out, size_t cap)
{
	size_t i, j, k, n = 0;

	for (i = 0; i < set->n; i++) {
		const struct ft_contract *c = &set->items[i];
		ft_amount share = -1;
		size_t count = kind == FT_CHARGE_ADVANCE ? c->n_advances : c->n_costs;

		if (strcmp(c->id, account) != 0 && strcmp(c->cross_collateral, account) != 0)
			continue;
		if (strcmp(c->currency, currency) != 0)
			continue;
		for (k = 0; k < c->n_payees; k++)
			if (strcmp(c->payees[k].id, payee) == 0)
				share = c->payees[k].share;
		if (share < 0)
			continue;
		for (j = 0; j < count && n < cap; j++) {
			const char *to =
			    kind == FT_CHARGE_ADVANCE ? c->advances[j].payee : c->costs[j].payee;
			ft_date date =
			    kind == FT_CHARGE_ADVANCE ? c->advances[j].date : c->costs[j].date;
			ft_amount amount =
			    kind == FT_CHARGE_ADVANCE ? c->advances[j].amount : c->costs[j].amount;
			const char *cur = kind == FT_CHARGE_ADVANCE ? c->advances[j].currency
								    : c->costs[j].currency;
			int month = ft_date_month(date);

			if (month < first || month > last || (to[0] && strcmp(to, payee) != 0))
				continue;
			/* Paid in another currency, the run converted it: its
			 * figure is the run's, shown as one line. */
			if (cur[0] && strcmp(cur, c->currency) != 0)
				continue;
			if (kind == FT_CHARGE_COST &&
			    ft_amount_mul_ratio(&amount, NULL, amount, c->costs[j].recoupable))
				continue;
			if (!to[0] && ft_amount_mul_ratio(&amount, NULL, amount, share))
				continue;
			out[n].kind = kind;
			out[n].date = date;
			out[n].description =
			    kind == FT_CHARGE_ADVANCE ? "" : c->costs[j].description;
			out[n].amount = amount;
			n++;
		}
	}
	return n;
}

/*
 * The charges of the period.  The journal holds one advance and one cost
 * posting an account a run; the contract says what they were made of.  The
 * contract's items are shown one by one, with their own dates and words,
 * when they add up exactly to what the journal charged (those dated in the
 * period, else those dated up to its end: a first run charges everything
 * before it); otherwise one line says what was charged.  Either way the
 * charges sum to the journal's.
 */
static int add_charges(const struct ft_contract_set *set, struct ft_statement *st,
		       const struct ft_period *period, const char *pstr, const ft_amount total[2],
		       struct ft_error *err)
{
	int rc = 0, kind;

	for (kind = 0; kind < 2; kind++) {
		enum ft_charge_kind k = kind ? FT_CHARGE_COST : FT_CHARGE_ADVANCE;
		struct charge_item items[64];
		struct ft_statement_charge c;
		int last = period->first + period->months - 1, pass;
		size_t n = 0, i;

		if (!total[kind])
			continue;
		for (pass = 0; pass < 2; pass++) {
			ft_amount sum = 0;

			n = charge_items(set, st->account, st->payee_id, st->currency, k,
					 pass ? 0 : period->first, last, items, 64);
			for (i = 0; i < n; i++)
				sum += items[i].amount;
			if (n && sum == total[kind])
				break;
			n = 0;
		}
		memset(&c, 0, sizeof(c));
		c.kind = k;
		for (i = 0; !rc && i < n; i++) {
			char date[11];

			ft_date_format(date, items[i].date);
			c.date = date;
			c.description = items[i].description[0]	 ? items[i].description
					: k == FT_CHARGE_ADVANCE ? "Advance paid to you"
								 : "Recoupable cost";
			c.amount = items[i].amount;
			rc = ft_statement_add_charge(st, &c, err);
		}
		if (!rc && !n) {
			c.date = pstr;
			c.description =
			    k == FT_CHARGE_ADVANCE
				? "Advances charged to your balance this period"
				: "Recoupable costs charged to your balance this period";
			c.amount = total[kind];
			rc = ft_statement_add_charge(st, &c, err);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* Every leg of acct: lines in journal order, then the charges. */
static int add_journal(struct legs *l, const struct ft_contract_set *set, struct ft_statement *st,
		       const struct ft_period *period, const char *pstr, const char *acct,
		       struct ft_error *err)
{
	ft_amount total[2] = {0, 0}, x;
	struct ft_posted_line pl;
	int rc;

	/* Royalty lines in (posting, seq) order; the profit-split postings
	 * come after the royalty postings in a run, so this is journal order. */
	while ((rc = ft_royalty_lines_next(l->lines, acct, &pl, err)) == 1) {
		rc = add_line(l->lines, &pl, st, err);
		if (rc)
			return rc;
	}
	if (rc < 0)
		return rc;
	while ((rc = ft_account_cursor_next(&l->cur, acct, err)) == 1) {
		const char *kind = ft_stmt_column_text(l->cur.q, 1);

		if (strcmp(kind, "advance") == 0 || strcmp(kind, "cost") == 0) {
			rc = ft_stmt_column_amount(l->cur.q, 2, &x, err);
			/* the leg debits the payee */
			total[strcmp(kind, "advance") == 0 ? 0 : 1] -= x;
		} else {
			rc = add_profit_split(l->cur.q, st, err);
		}
		if (rc)
			return rc;
	}
	if (rc < 0)
		return rc;
	return add_charges(set, st, period, pstr, total, err);
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
static int add_terms(const struct ft_contract_set *set, struct ft_statement *st,
		     const char *account, const char *payee, char *payee_name, size_t name_cap,
		     struct ft_error *err)
{
	size_t i, j;
	int rc = 0;

	for (i = 0; !rc && i < set->n; i++) {
		const struct ft_contract *c = &set->items[i];
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
					 c->base == FT_BASE_GROSS
					     ? "the gross revenue, before the distributor's fee"
					     : "what the label receives, after the stores' and "
					       "distributor's cut",
					 ft_contract_frequency_name(c->frequency));
				rc = ft_statement_add_term(st, s, err);
			}
		for (j = 0; !rc && j < c->n_rules; j++) {
			const struct ft_contract_rule *r = &c->rules[j];

			ft_statement_percent(pct, sizeof(pct), r->rate);
			snprintf(s, sizeof(s), "Rate %s for %s%s%s%s%s%s.", pct,
				 r->use_type[0] ? ft_statement_words(r->use_type) : "any use",
				 r->commercial_model[0] ? ", " : "",
				 r->commercial_model[0] ? ft_statement_words(r->commercial_model)
							: "",
				 r->any_territory ? "" : " in some territories",
				 r->release_format[0] ? ", on " : "", r->release_format);
			rc = ft_statement_add_term(st, s, err);
		}
		for (j = 0; !rc && j < c->n_escalations; j++) {
			ft_statement_percent(pct, sizeof(pct), c->escalations[j].add);
			snprintf(s, sizeof(s), "Past %lld units, the rate rises by %s.",
				 (long long)c->escalations[j].units, pct);
			rc = ft_statement_add_term(st, s, err);
		}
		if (!rc && c->type == FT_CONTRACT_DISTRIBUTION && c->fee > 0) {
			/* ACCT-8: the rate on the lines is 1 − fee; say where it
			 * comes from. */
			ft_statement_percent(pct, sizeof(pct), c->fee);
			snprintf(s, sizeof(s),
				 "Distribution: the label keeps a fee of %s of what it receives; "
				 "the rest is yours.",
				 pct);
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
	return rc;
}

static int add_history(struct ft_store *store, struct ft_statement *st, const char *payee,
		       const char *account, const struct ft_period *p, struct ft_error *err)
{
	struct ft_stmt *q = NULL;
	int rc;

	rc = ft_store_prepare(
	    store, &q,
	    /* Runs first (a few), each account looked up by its key: scanning
	     * run_statements for every statement would be quadratic. */
	    "SELECT r.first_month, r.months, s.royalties FROM runs r CROSS JOIN"
	    " run_statements s ON s.period = r.period AND s.payee = ? AND s.account = ?"
	    " WHERE r.first_month <= ? ORDER BY r.first_month",
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

/* ft_issue_build with the contracts loaded and the cursors open: issuing
 * does that once for every statement of the call, not once a statement. */
static int build(struct ft_store *store, const struct ft_contract_set *contracts, struct legs *legs,
		 const struct ft_period *period, const char *payee, const char *account,
		 struct ft_statement **out, ft_amount *ledger_payable, struct ft_error *err)
{
	struct ft_statement *st = NULL;
	struct ft_stmt *q = NULL;
	char pstr[FT_PERIOD_STR_MAX], acct[2 * FT_ISSUE_ID_MAX + 16], id[3 * FT_ISSUE_ID_MAX];
	char currency[4] = "", date[16] = "", label[256] = "", name[256];
	ft_amount opening = 0, held = 0, withheld = 0, released = 0;
	size_t i;
	int rc;

	*out = NULL;
	ft_period_format(pstr, sizeof(pstr), period);
	rc = ft_store_prepare(store, &q,
			      "SELECT COALESCE(s.currency, r.currency), r.ran_at, s.opening, s.reserve_held,"
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
		rc = add_terms(contracts, st, account, payee, name, sizeof(name), err);
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
		rc = add_journal(legs, contracts, st, period, pstr, acct, err);
	}
	if (!rc)
		rc = add_fx(store, st, period, err);
	if (!rc)
		rc = add_history(store, st, payee, account, period, err);
	/* The explanation of ACCT-9 only where it applies: a statement
	 * without such lines does not need the paragraph. */
	for (i = 0; !rc && st && i < st->n_lines; i++)
		if (st->lines[i].non_attributable) {
			rc = ft_statement_set_note(
			    st,
			    "Income that belongs to no single track (minimum guarantees, "
			    "breakage, settlements) is shared among your tracks in proportion "
			    "to what each earned from that store in the period; then your "
			    "contract's rate applies to each part (rule ACCT-9).",
			    err);
			break;
		}
	if (rc) {
		ft_statement_free(st);
		return rc;
	}
	ft_statement_sort_lines(st);
	*out = st;
	return 0;
}

int ft_issue_build(struct ft_store *store, const struct ft_period *period, const char *payee,
		   const char *account, struct ft_statement **out, ft_amount *ledger_payable,
		   struct ft_error *err)
{
	struct ft_contract_set set;
	struct legs legs;
	char pstr[FT_PERIOD_STR_MAX], acct[2 * FT_ISSUE_ID_MAX + 16];
	int rc;

	memset(&set, 0, sizeof(set));
	memset(&legs, 0, sizeof(legs));
	*out = NULL;
	ft_period_format(pstr, sizeof(pstr), period);
	snprintf(acct, sizeof(acct), "payee:%s@%s", payee, account);
	rc = ft_royalty_lines_contracts(store, account, &set, err);
	if (!rc)
		rc = legs_open(store, &legs, pstr, acct, &set, err);
	if (!rc)
		rc = build(store, &set, &legs, period, payee, account, out, ledger_payable, err);
	legs_close(&legs);
	ft_contract_set_clear(&set);
	return rc;
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
			     "SELECT s.payee, s.account, COALESCE(s.currency, r.currency), s.opening, s.royalties,"
			     " s.advances, s.costs, s.balance, s.reserve_held, s.payable, s.closing"
			     " FROM run_statements s JOIN runs r ON r.period = s.period"
			     " WHERE s.period = ? ORDER BY 'payee:' || s.payee || '@' || s.account",
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

/* A row of the label summary with one figure, in the balance column:
 * "*suspense*,<account>,<currency>,,,,,<amount>,,,," (and "*label*"). */
static void label_row(FILE *out, const char *tag, const char *key, const char *currency,
		      const char *amount)
{
	fprintf(out, "%s,", tag);
	ft_statement_csv_text(out, key);
	fprintf(out, ",%s,,,,,%s,,,,\n", currency, amount);
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
			label_row(out, "*suspense*", account, currency, v);
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
		label_row(out, "*suspense*", account, currency, v);
	}
	ft_stmt_free(q);
	return rc < 0 ? rc : 0;
}

/*
 * What the label's own account did in P, split so that it reads right: the
 * account is credited with the label's receipts and debited with the
 * royalties, but it is also credited with every advance and recoupable cost
 * charged to a payee (ACCT-5: the label recoups them), which are not
 * receipts.  Its total alone reads larger than the label's share of what it
 * received; these rows say how it is made up:
 *   receipts − royalties = share;  share + charged (+ other) = account.
 */
enum { SPLIT_RECEIPTS, SPLIT_ROYALTIES, SPLIT_CHARGED, SPLIT_OTHER, SPLIT_N };

static int split_of(const char *kind)
{
	if (strcmp(kind, "receipt") == 0 || strcmp(kind, "late") == 0 ||
	    strcmp(kind, "suspense-release") == 0)
		return SPLIT_RECEIPTS;
	if (strcmp(kind, "royalty") == 0 || strcmp(kind, "profit-split") == 0)
		return SPLIT_ROYALTIES;
	if (strcmp(kind, "advance") == 0 || strcmp(kind, "cost") == 0)
		return SPLIT_CHARGED;
	return SPLIT_OTHER;
}

static void write_split(FILE *out, const char *currency, const ft_amount *x)
{
	static const char *const keys[] = {"receipts", "royalties", "share",
					   "charged",  "other",	    "account"};
	ft_amount v[6];
	char text[FT_AMOUNT_STR_MAX];
	int i;

	v[0] = x[SPLIT_RECEIPTS];
	v[1] = x[SPLIT_ROYALTIES];
	v[2] = x[SPLIT_RECEIPTS] + x[SPLIT_ROYALTIES];
	v[3] = x[SPLIT_CHARGED];
	v[4] = x[SPLIT_OTHER];
	v[5] = v[2] + v[3] + v[4];
	for (i = 0; i < 6; i++) {
		if (i == 4 && !v[4])
			continue;
		fmt_exact(text, sizeof(text), v[i], currency);
		label_row(out, "*label*", keys[i], currency, text);
	}
}

static int write_label_split(FILE *out, struct ft_store *store, const char *pstr,
			     struct ft_error *err)
{
	struct ft_stmt *q = NULL;
	char currency[4] = "";
	ft_amount x[SPLIT_N] = {0}, a;
	int rc, have = 0;

	rc = ft_store_prepare(store, &q,
			      "SELECT kind, currency, amount FROM journal WHERE period = ? AND"
			      " account = 'label' ORDER BY currency, id",
			      err);
	if (!rc)
		rc = ft_stmt_bind_text(q, 1, pstr, err);
	while (!rc && (rc = ft_stmt_step(q, err)) == 1) {
		const char *c = ft_stmt_column_text(q, 1);
		int k = split_of(ft_stmt_column_text(q, 0));

		rc = ft_stmt_column_amount(q, 2, &a, err);
		if (rc)
			break;
		if (have && strcmp(c, currency) != 0) {
			write_split(out, currency, x);
			memset(x, 0, sizeof(x));
		}
		snprintf(currency, sizeof(currency), "%s", c);
		have = 1;
		if (ft_amount_add(&x[k], x[k], a)) {
			rc = ft_error_set(err, FT_EOVERFLOW, "the label account's sum overflows");
			break;
		}
	}
	if (rc >= 0 && have)
		write_split(out, currency, x);
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
				ft_statement_csv_text(out, a->payee);
				fputc(',', out);
				ft_statement_csv_text(out, a->account);
				fprintf(out, ",%s,%s\n", a->currency, v[0]);
				continue;
			}
			for (j = 0; j < 8; j++)
				fmt_exact(v[j], sizeof(v[j]), x[j], a->currency);
			fmt_exact(v[8], sizeof(v[8]), a->closing < 0 ? -a->closing : 0,
				  a->currency);
			ft_statement_csv_text(out, a->payee);
			fputc(',', out);
			ft_statement_csv_text(out, a->account);
			fprintf(out, ",%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", a->currency, v[0], v[1],
				v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
		}
		rc = !k && !payee ? write_suspense(out, store, period, err) : 0;
		if (!rc && !k && !payee)
			rc = write_label_split(out, store, pstr, err);
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

/* ---- statements: built on the calling thread, rendered by workers ---------- */

/*
 * One payee account on its way to its files.  The calling thread builds and
 * checks the statement (a store handle is one thread's), a worker renders it
 * in every format asked and hashes the files.  Rendering is a pure function
 * of the model, so the bytes do not depend on which thread renders, and the
 * calling thread lists the files in account order whatever order the workers
 * finish in: the result, the ledger's records and every file are the same
 * for any number of workers.
 */
#define JOB_FILES 4 /* csv, csv-summary, xlsx, pdf */

struct issue_job {
	struct ft_statement *st; /* freed once rendered */
	const struct account_row *a;
	ft_amount payable;
	struct ft_issue_file files[JOB_FILES];
	size_t n_files;
	bool done;
	bool skipped; /* not rendered: another statement failed first */
	int rc;
	struct ft_error err;
};

/* Build and check a's statement (calling thread). */
static int prepare_job(struct ft_store *store, const struct ft_contract_set *contracts,
		       struct legs *legs, const struct ft_period *period, struct issue_job *job,
		       struct ft_error *err)
{
	const struct account_row *a = job->a;
	struct ft_statement_summary sum;
	ft_amount ledger_payable = 0;
	char a1[FT_AMOUNT_STR_MAX], a2[FT_AMOUNT_STR_MAX];
	int rc;

	rc = build(store, contracts, legs, period, a->payee, a->account, &job->st, &ledger_payable,
		   err);
	if (!rc)
		rc = ft_statement_summarize(job->st, &sum, err);
	if (rc)
		return rc;
	if (sum.royalties != a->royalties) {
		ft_amount_format(a1, sizeof(a1), sum.royalties, 2);
		ft_amount_format(a2, sizeof(a2), a->royalties, 2);
		return ft_error_set(
		    err, FT_ECONFLICT,
		    "statement of %s (%s) not issued: its lines sum to royalties %s "
		    "but the run stored %s; run 'fairtrack check' and re-run the period",
		    a->payee, a->account, a1, a2);
	}
	if (sum.p_payable != ledger_payable) {
		ft_amount_format(a1, sizeof(a1), sum.p_payable, 2);
		ft_amount_format(a2, sizeof(a2), ledger_payable, 2);
		return ft_error_set(err, FT_ECONFLICT,
				    "statement of %s (%s) not issued: it would print payable %s "
				    "but the ledger's payable is %s",
				    a->payee, a->account, a1, a2);
	}
	job->payable = sum.p_payable;
	return 0;
}

/* Render a built statement in each format and hash the files (any thread). */
static int render_job(struct issue_job *job, const char *dir, const char *formats,
		      struct ft_error *err)
{
	const struct ft_statement *st = job->st;
	size_t nr, i;
	const struct ft_renderer *r = ft_renderers(&nr);
	char base[1024];
	int rc = 0;

	ft_statement_basename(base, sizeof(base), st);
	for (i = 0; !rc && i < nr; i++) {
		struct ft_issue_file *f;

		if (!listed(formats, r[i].name))
			continue;
		f = &job->files[job->n_files];
		memset(f, 0, sizeof(*f));
		snprintf(f->payee, sizeof(f->payee), "%s", job->a->payee);
		snprintf(f->account, sizeof(f->account), "%s", job->a->account);
		snprintf(f->format, sizeof(f->format), "%s", r[i].name);
		snprintf(f->currency, sizeof(f->currency), "%s", st->currency);
		snprintf(f->path, sizeof(f->path), "%s/%s%s", dir, base, r[i].extension);
		f->payable = job->payable;
		rc = r[i].render(st, f->path, err);
		if (!rc)
			rc = hash_into(f, err);
		if (rc)
			break;
		job->n_files++;
		if (strcmp(r[i].name, "csv") == 0) {
			/* The CSV renderer also wrote the summary beside it: record it too,
			 * so every file the payee receives can be verified. */
			job->files[job->n_files] = *f;
			f = &job->files[job->n_files];
			snprintf(f->format, sizeof(f->format), "csv-summary");
			snprintf(f->path, sizeof(f->path), "%s/%s.summary.csv", dir, base);
			rc = hash_into(f, err);
			if (!rc)
				job->n_files++;
		}
	}
	return rc;
}

/* Jobs waiting for a worker: a ring, so at most `cap` statements are built
 * ahead of the renderers (memory stays flat for 10,000 payees). */
struct issue_pool {
	pthread_mutex_t lock;
	pthread_cond_t changed; /* a job queued, taken or finished; closing */
	struct issue_job **ring;
	size_t cap, head, count;
	bool closing, failed;
	const char *dir, *formats;
};

static void *worker(void *arg)
{
	struct issue_pool *pool = arg;
	struct issue_job *job;
	bool skip;

	for (;;) {
		pthread_mutex_lock(&pool->lock);
		while (pool->count == 0 && !pool->closing)
			pthread_cond_wait(&pool->changed, &pool->lock);
		if (pool->count == 0) {
			pthread_mutex_unlock(&pool->lock);
			break;
		}
		job = pool->ring[pool->head];
		pool->head = (pool->head + 1) % pool->cap;
		pool->count--;
		skip = pool->failed;
		pthread_cond_broadcast(&pool->changed);
		pthread_mutex_unlock(&pool->lock);

		/* After a failure the rest is skipped, not rendered: nothing of
		 * this call will be recorded. */
		if (!skip)
			job->rc = render_job(job, pool->dir, pool->formats, &job->err);
		else
			job->skipped = true;
		ft_statement_free(job->st);
		job->st = NULL;

		pthread_mutex_lock(&pool->lock);
		job->done = true;
		if (job->rc)
			pool->failed = true;
		pthread_cond_broadcast(&pool->changed);
		pthread_mutex_unlock(&pool->lock);
	}
	/* Pango's font map and the text cache are per thread. */
	ft_render_release_thread_caches();
	return NULL;
}

/* Move the finished jobs at the front of jobs[*next..n) into res, in order;
 * the first failure (in account order) becomes the call's error. */
static void collect(struct issue_pool *pool, struct issue_job **jobs, size_t n, size_t *next,
		    struct ft_issue_result *res, size_t *cap_files, int *rc, struct ft_error *err)
{
	for (; *next < n; (*next)++) {
		struct issue_job *job = jobs[*next];
		bool done;

		if (pool) {
			pthread_mutex_lock(&pool->lock);
			done = job->done;
			pthread_mutex_unlock(&pool->lock);
		} else {
			done = job->done;
		}
		if (!done)
			return;
		if (job->rc && !*rc) {
			*rc = job->rc;
			*err = job->err;
		}
		if (!*rc && res->n_files + job->n_files > *cap_files) {
			size_t cap = *cap_files ? *cap_files * 2 : 64;
			struct ft_issue_file *f = realloc(res->files, cap * sizeof(*f));

			if (!f) {
				*rc = ft_error_set(err, FT_ENOMEM, "out of memory");
			} else {
				res->files = f;
				*cap_files = cap;
			}
		}
		if (!*rc && !job->skipped) {
			memcpy(res->files + res->n_files, job->files,
			       job->n_files * sizeof(job->files[0]));
			res->n_files += job->n_files;
			res->n_statements++;
		}
		ft_statement_free(job->st);
		free(job);
		jobs[*next] = NULL;
	}
}

static size_t worker_count(unsigned jobs, size_t n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t w = jobs ? jobs : (cpus > 0 ? (size_t)cpus : 1);

	if (w > 64)
		w = 64;
	if (w > n)
		w = n;
	return w ? w : 1;
}

/* Build, render and hash every statement of rows[] that is due; files into
 * res in account order. */
static int issue_all(struct ft_store *store, const struct ft_period *period,
		     const struct ft_issue_options *opts, const char *formats,
		     const struct account_row *rows, size_t n, struct ft_issue_result *res,
		     struct ft_error *err)
{
	struct ft_contract_set contracts;
	struct issue_job **jobs = NULL;
	struct issue_pool pool, *pp = NULL;
	struct legs legs;
	pthread_t tid[64];
	size_t n_jobs = 0, i, next = 0, cap_files = 0, workers, started = 0;
	char pstr[FT_PERIOD_STR_MAX];
	int rc;

	memset(&contracts, 0, sizeof(contracts));
	memset(&pool, 0, sizeof(pool));
	memset(&legs, 0, sizeof(legs));
	ft_period_format(pstr, sizeof(pstr), period);
	for (i = 0; i < n; i++)
		if (active(&rows[i]) && (!opts->payee || strcmp(opts->payee, rows[i].payee) == 0))
			n_jobs++;
	workers = worker_count(opts->jobs, n_jobs);
	jobs = calloc(n_jobs ? n_jobs : 1, sizeof(*jobs));
	if (!jobs)
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	rc = ft_contracts_load(store, &contracts, err);
	/* rows[] are in journal account order ("payee:P@A", load_accounts),
	 * so one cursor over the period's lines and legs serves them all. */
	if (!rc)
		rc = legs_open(store, &legs, pstr, NULL, &contracts, err);
	if (rc)
		goto out;
	if (workers > 1) {
		pool.cap = 2 * workers;
		pool.ring = calloc(pool.cap, sizeof(*pool.ring));
		pool.dir = opts->out_dir;
		pool.formats = formats;
		if (!pool.ring) {
			rc = ft_error_set(err, FT_ENOMEM, "out of memory");
			goto out;
		}
		pthread_mutex_init(&pool.lock, NULL);
		pthread_cond_init(&pool.changed, NULL);
		pp = &pool;
		for (; started < workers; started++)
			if (pthread_create(&tid[started], NULL, worker, pp) != 0)
				break;
		if (!started) {
			rc = ft_error_set(err, FT_ENOMEM, "cannot start a rendering thread");
			goto out;
		}
	}
	for (i = 0, n_jobs = 0; i < n; i++) {
		struct issue_job *job;
		bool stop = false;

		if (!active(&rows[i]) || (opts->payee && strcmp(opts->payee, rows[i].payee) != 0))
			continue;
		job = calloc(1, sizeof(*job));
		if (!job) {
			rc = ft_error_set(err, FT_ENOMEM, "out of memory");
			break;
		}
		job->a = &rows[i];
		jobs[n_jobs++] = job;
		job->rc = prepare_job(store, &contracts, &legs, period, job, &job->err);
		if (job->rc || !pp) {
			/* A statement that cannot be built fails in its place in the
			 * order; with one worker the calling thread renders. */
			if (!job->rc)
				job->rc = render_job(job, opts->out_dir, formats, &job->err);
			job->done = true;
			stop = job->rc != 0;
		} else {
			pthread_mutex_lock(&pool.lock);
			while (pool.count == pool.cap && !pool.failed)
				pthread_cond_wait(&pool.changed, &pool.lock);
			stop = pool.failed;
			if (!stop) {
				pool.ring[(pool.head + pool.count) % pool.cap] = job;
				pool.count++;
				pthread_cond_broadcast(&pool.changed);
			} else {
				job->done = true; /* never queued: freed by collect */
				job->skipped = true;
			}
			pthread_mutex_unlock(&pool.lock);
		}
		collect(pp, jobs, n_jobs, &next, res, &cap_files, &rc, err);
		if (stop || rc)
			break;
	}
	if (pp) {
		pthread_mutex_lock(&pool.lock);
		pool.closing = true;
		pthread_cond_broadcast(&pool.changed);
		pthread_mutex_unlock(&pool.lock);
		for (i = 0; i < started; i++)
			pthread_join(tid[i], NULL);
	}
	collect(NULL, jobs, n_jobs, &next, res, &cap_files, &rc, err);
out:
	if (pp) {
		pthread_cond_destroy(&pool.changed);
		pthread_mutex_destroy(&pool.lock);
	}
	free(pool.ring);
	for (i = next; i < n_jobs; i++)
		if (jobs[i]) {
			ft_statement_free(jobs[i]->st);
			free(jobs[i]);
		}
	free(jobs);
	legs_close(&legs);
	ft_contract_set_clear(&contracts);
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
	for (i = 0; i < n; i++)
		if (!opts->payee || strcmp(opts->payee, rows[i].payee) == 0)
			matched++;
	if (opts->payee && !matched)
		rc = ft_error_set(err, FT_ENOTFOUND, "payee %s has no account in the run of %s",
				  opts->payee, pstr);
	if (!rc)
		rc = issue_all(store, period, opts, formats, rows, n, res, err);
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
