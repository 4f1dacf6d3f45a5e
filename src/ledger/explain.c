/*
 * explain.c — `explain --payee X --period P`: from the payable back to the
 * report rows.
 *
 * The walk, top down: for each of the payee's accounts in P, the ACCT-7
 * payable and the balance it came from (opening, royalties, advances and
 * costs recouped, reserve withheld / released / held, what is carried);
 * then the royalties grouped per contract and import batch (the
 * aggregates); then every posting that moved the payee's accounts, each
 * with the note run.c wrote when it posted it; then every royalty line of
 * each account (royalty_lines.h, the words the portal's drill-down shows):
 * the engine's arithmetic (rule and its line in the contract file, rate,
 * escalation tier, base, the payee's share and part), the batch, file and
 * report row it came from with the exchange rate and fee of ACCT-1, and for
 * ACCT-9 the income row shared.  Nothing is recomputed but a payee's part
 * of a line (the contract's ACCT-4 split of its royalty, as the engine did
 * it): explain reads what the run stored, so it shows what was posted.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fairtrack/ledger_run.h"
#include "ledger/royalty_lines.h"
#include "ledger/run_int.h"

static int emit(ft_text_fn fn, void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int emit(ft_text_fn fn, void *ctx, const char *fmt, ...)
{
	char line[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	return fn(ctx, line);
}

static void fmt2(char *buf, const char *text)
{
	ft_amount a;

	if (text && !ft_amount_parse(&a, text, strlen(text), NULL))
		ft_amount_format(buf, FT_AMOUNT_STR_MAX, a, 2);
	else
		snprintf(buf, FT_AMOUNT_STR_MAX, "?");
}

static int explain_balances(struct ft_store *store, const char *p, const char *payee,
			    const char *currency, ft_text_fn fn, void *ctx, int *found,
			    struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc =
	    ft_store_prepare(store, &st,
			     "SELECT account, opening, royalties, advances, costs, balance, "
			     "reserve_withheld, reserve_released, reserve_held, payable, closing, "
			     "COALESCE(currency, ?) FROM run_statements WHERE period = ? AND payee "
			     "= ? ORDER BY account",
			     err);

	if (!rc)
		rc = ft_stmt_bind_text(st, 1, currency, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 2, p, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 3, payee, err);
	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		char v[10][FT_AMOUNT_STR_MAX];
		int i;

		for (i = 0; i < 10; i++)
			fmt2(v[i], ft_stmt_column_text(st, i + 1));
		(*found)++;
		rc = emit(fn, ctx,
			  "account %s: payable %s %s (ACCT-7: balance less reserve held, "
			  "rounded down to the minor unit)",
			  ft_stmt_column_text(st, 0), ft_stmt_column_text(st, 11), v[8]);
		if (!rc)
			rc = emit(
			    fn, ctx,
			    "  balance %s = opening %s + royalties %s − advances %s − costs %s "
			    "(ACCT-5 recoupment)",
			    v[4], v[0], v[1], v[2], v[3]);
		if (!rc)
			rc = emit(
			    fn, ctx,
			    "  reserve (ACCT-6): withheld %s, released %s, held %s; carried to "
			    "the next period %s",
			    v[5], v[6], v[7], v[9]);
		if (rc)
			break;
	}
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}

static int explain_aggregates(struct ft_store *store, const char *p, const char *payee,
			      ft_text_fn fn, void *ctx, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	char contract[FT_CONTRACT_ID_MAX] = "", source[16] = "";
	int64_t batch = -2;
	ft_amount total = 0;
	size_t n = 0, postings = 0;
	int rc;

	/* A royalty posting sums one line or many (one per engine entry of
	 * its contract, batch and source kind): count the lines. */
	rc = ft_store_prepare(
	    store, &st,
	    "SELECT j.contract, COALESCE(j.batch_id, -1), COALESCE(j.source, ''), j.amount, "
	    "(SELECT COALESCE(SUM(b.n), 0) FROM royalty_line_blocks b WHERE b.period = j.period "
	    "AND b.posting = j.posting) FROM journal j WHERE j.period = ? AND j.payee = ? AND j.kind = 'royalty' "
	    "ORDER BY j.contract, j.batch_id, j.source",
	    err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, p, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 2, payee, err);
	if (!rc)
		rc = emit(fn, ctx, "royalties by contract and source:");
	for (;;) {
		int step = rc ? rc : ft_stmt_step(st, err);
		const char *c = step == 1 ? ft_stmt_column_text(st, 0) : "";
		int64_t b = step == 1 ? ft_stmt_column_int64(st, 1) : -3;
		const char *s = step == 1 ? ft_stmt_column_text(st, 2) : "";
		ft_amount a = 0;

		if (step < 0) {
			rc = step;
			break;
		}
		if (postings && (step == 0 || strcmp(c, contract) != 0 || b != batch ||
				 strcmp(s, source) != 0)) {
			char t[FT_AMOUNT_STR_MAX];

			ft_amount_format(t, sizeof(t), total, 2);
			/* n counts royalty lines: a posting holds one or many. */
			if (batch >= 0)
				rc = emit(fn, ctx,
					  "  %s: %s from %zu %s%sline%s of import batch %lld",
					  contract, t, n, source, source[0] ? " " : "",
					  n > 1 ? "s" : "", (long long)batch);
			else
				rc = emit(fn, ctx, "  %s: %s from %zu %s line%s", contract, t, n,
					  source[0] ? source : "carried", n > 1 ? "s" : "");
			if (rc)
				break;
			n = 0;
			postings = 0;
			total = 0;
		}
		if (step == 0)
			break;
		rc = ft_stmt_column_amount(st, 3, &a, err);
		if (rc)
			break;
		snprintf(contract, sizeof(contract), "%s", c ? c : "");
		snprintf(source, sizeof(source), "%s", s);
		batch = b;
		total += a;
		n += (size_t)ft_stmt_column_int64(st, 4);
		postings++;
	}
	ft_stmt_free(st);
	return rc;
}

static int explain_postings(struct ft_store *store, const char *p, const char *payee, ft_text_fn fn,
			    void *ctx, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc =
	    ft_store_prepare(store, &st,
			     "SELECT j.posting, j.kind, j.account, j.amount, j.note FROM journal "
			     "j WHERE j.period = ? AND j.payee = ? ORDER BY j.posting, j.id",
			     err);

	if (!rc)
		rc = ft_stmt_bind_text(st, 1, p, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 2, payee, err);
	if (!rc)
		rc = emit(fn, ctx, "postings (each from its source):");
	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		char a[FT_AMOUNT_STR_MAX];

		fmt2(a, ft_stmt_column_text(st, 3));
		rc = emit(fn, ctx, "  #%lld %s %s %s: %s", (long long)ft_stmt_column_int64(st, 0),
			  ft_stmt_column_text(st, 1), ft_stmt_column_text(st, 2), a,
			  ft_stmt_column_text(st, 4));
	}
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}

/* Every royalty line of one account, in (posting, seq) order. */
static int explain_account_lines(struct ft_store *store, const char *p, const char *payee,
				 const char *account, ft_text_fn fn, void *ctx,
				 struct ft_error *err)
{
	struct ft_contract_set set;
	struct ft_royalty_lines *lines = NULL;
	struct ft_posted_line pl;
	char acct[2 * FT_CONTRACT_ID_MAX + 16], note[4096];
	int rc;

	memset(&set, 0, sizeof(set));
	snprintf(acct, sizeof(acct), "payee:%s@%s", payee, account);
	rc = ft_royalty_lines_contracts(store, account, &set, err);
	if (!rc)
		rc = ft_royalty_lines_open(&lines, store, p, acct, &set, err);
	if (!rc)
		rc = emit(fn, ctx, "royalty lines of %s (each from its usage row):", acct);
	while (!rc && (rc = ft_royalty_lines_next(lines, acct, &pl, err)) == 1) {
		struct ft_posted_usage u;
		struct ft_posted_income in;
		char a[FT_AMOUNT_STR_MAX];
		int have_u = 0, have_in = 0;

		if (pl.usage_id > 0)
			have_u = ft_royalty_lines_usage(lines, pl.usage_id, &u, err);
		if (have_u >= 0 && pl.income_id > 0)
			have_in = ft_royalty_lines_income(lines, pl.income_id, &in, err);
		if (have_u < 0 || have_in < 0) {
			rc = have_u < 0 ? have_u : have_in;
			break;
		}
		rc = ft_royalty_lines_note(lines, &pl, have_u ? &u : NULL, have_in ? &in : NULL,
					   note, sizeof(note), err);
		if (rc < 0)
			break;
		ft_amount_format(a, sizeof(a), pl.part, 2);
		rc = emit(fn, ctx, "  #%lld.%lld %s: %s", (long long)pl.posting, (long long)pl.seq,
			  a, note);
	}
	ft_royalty_lines_close(lines);
	ft_contract_set_clear(&set);
	return rc < 0 ? rc : 0;
}

static int explain_lines(struct ft_store *store, const char *p, const char *payee, ft_text_fn fn,
			 void *ctx, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc = ft_store_prepare(
	    store, &st,
	    "SELECT account FROM run_statements WHERE period = ? AND payee = ? ORDER BY account",
	    err);

	if (!rc)
		rc = ft_stmt_bind_text(st, 1, p, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 2, payee, err);
	while (!rc && (rc = ft_stmt_step(st, err)) == 1)
		rc = explain_account_lines(store, p, payee, ft_stmt_column_text(st, 0), fn, ctx,
					   err);
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}

int ft_run_explain(struct ft_store *store, const struct ft_period *period, const char *payee,
		   ft_text_fn fn, void *ctx, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	char p[FT_PERIOD_STR_MAX], currency[4] = "", state[64] = "";
	int rc, found = 0;

	ft_period_format(p, sizeof(p), period);
	rc = ft_store_prepare(store, &st,
			      "SELECT currency, COALESCE('closed ' || closed_at, 'open, run ' || "
			      "ran_at) FROM runs WHERE period = ?",
			      err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, p, err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	if (rc == 1) {
		snprintf(currency, sizeof(currency), "%s", ft_stmt_column_text(st, 0));
		snprintf(state, sizeof(state), "%s", ft_stmt_column_text(st, 1));
	}
	ft_stmt_free(st);
	if (rc == 0)
		return ft_error_set(err, FT_ENOTFOUND,
				    "%s has not been run ('fairtrack run --period %s')", p, p);
	if (rc < 0)
		return rc;
	/* Amounts are in the base currency unless an account says otherwise
	 * (its contracts' currency: docs/JOURNAL.md "Currencies"). */
	rc = emit(fn, ctx,
		  "payee %s, period %s (%s), amounts in %s unless an account names its own", payee,
		  p, state, currency);
	if (!rc)
		rc = explain_balances(store, p, payee, currency, fn, ctx, &found, err);
	if (!rc && !found)
		return ft_error_set(err, FT_ENOTFOUND,
				    "payee '%s' has no figures in %s (a payee id of a contract, "
				    "e.g. 'ewan-mcleod')",
				    payee, p);
	if (!rc)
		rc = explain_aggregates(store, p, payee, fn, ctx, err);
	if (!rc)
		rc = explain_postings(store, p, payee, fn, ctx, err);
	if (!rc)
		rc = explain_lines(store, p, payee, fn, ctx, err);
	return rc;
}
