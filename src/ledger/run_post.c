/*
 * run_post.c — the double-entry journal of a run (run_ctx.h;
 * docs/JOURNAL.md): the royalty postings the engine's entries go into as
 * it computes (run_on_entry, the lines to the line writer), then the
 * receipts, profit-split credits, charges, payouts, suspense releases and
 * reversals, and the conversion remainders.  Every posting balances per
 * currency (J-1) before it is written.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/run_ctx.h"
#include "ledger/usage_reader.h"

/* ---- posting --------------------------------------------------------------------- */

static const char *leg_currency(const struct run_ctx *r, const struct leg *l)
{
	return l->currency ? l->currency : r->currency;
}

int run_post(struct run_ctx *r, const char *kind, const struct leg *legs, size_t n,
	     const char *contract, int64_t batch_id, const char *source, int64_t source_id,
	     const char *note)
{
	ft_amount total;
	size_t i, j, nonzero = 0;
	int rc = 0;

	/* J-1: the legs balance per currency (a posting has one or two). */
	for (i = 0; i < n; i++) {
		nonzero += legs[i].amount != 0;
		for (j = 0; j < i; j++)
			if (!strcmp(leg_currency(r, &legs[j]), leg_currency(r, &legs[i])))
				break;
		if (j < i)
			continue; /* summed with its currency's first leg */
		total = 0;
		for (j = i; j < n; j++)
			if (!strcmp(leg_currency(r, &legs[j]), leg_currency(r, &legs[i])) &&
			    ft_amount_add(&total, total, legs[j].amount))
				return ft_error_set(r->err, FT_EOVERFLOW,
						    "posting total out of range");
		if (total != 0)
			return ft_error_set(r->err, FT_ECONFLICT,
					    "internal: a %s posting does not balance in %s; "
					    "nothing was written",
					    kind, leg_currency(r, &legs[i]));
	}
	if (!nonzero && !r->force_post)
		return 0;
	r->posting++;
	for (i = 0; !rc && i < n; i++) {
		/* A zero leg is left out, but for the conversion:<C> leg of a
		 * posting that crosses currencies: J-5 reads the lines' side of
		 * the posting there (a tiny line can round to 0 in C and not in
		 * the base). */
		if (legs[i].amount == 0 && (nonzero || i > 0) &&
		    !(legs[i].currency && !strncmp(legs[i].account, "conversion:", 11)))
			continue;
		if (!strcmp(legs[i].account, "label") && !legs[i].currency)
			r->label_sum += legs[i].amount;
		rc = ft_stmt_reset(r->ins, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(r->ins, 1, r->period_text, r->err);
		if (!rc)
			rc = ft_stmt_bind_int64(r->ins, 2, r->posting, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(r->ins, 3, kind, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(r->ins, 4, legs[i].account, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(r->ins, 5, leg_currency(r, &legs[i]), r->err);
		if (!rc)
			rc = ft_stmt_bind_amount(r->ins, 6, legs[i].amount, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(r->ins, 7, contract, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(r->ins, 8, legs[i].payee, r->err);
		if (!rc)
			rc = batch_id ? ft_stmt_bind_int64(r->ins, 9, batch_id, r->err)
				      : ft_stmt_bind_null(r->ins, 9, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(r->ins, 10, source, r->err);
		if (!rc)
			rc = source ? ft_stmt_bind_int64(r->ins, 11, source_id, r->err)
				    : ft_stmt_bind_null(r->ins, 11, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(r->ins, 12, note, r->err);
		if (!rc)
			rc = ft_stmt_step(r->ins, r->err);
		if (rc < 0)
			return rc;
		rc = 0;
		r->legs++;
	}
	return rc;
}

/*
 * on_entry: each engine entry joins the royalty posting of its (contract,
 * usage batch) — or (contract, income row) for an ACCT-9 allocation — and
 * becomes one row of royalty_lines under it.  The engine hands a contract's
 * entries over together, so a contract's groups are looked for among the
 * few opened since its first entry.  Postings are numbered in the order
 * groups open; post_all posts them first, so the numbers hold.
 */
int run_on_entry(void *ctx, const struct ft_royalty_entry *e, const ft_amount *shares,
		 const struct ft_royalty_allocation *a, struct ft_error *err)
{
	struct run_ctx *r = ctx;
	const struct ft_contract *c = &r->contracts[e->contract];
	const struct ft_royalty_line *l = &r->lines[e->line];
	struct royalty_group *g = NULL;
	int64_t batch = 0, source = 0;
	int kind = SRC_USAGE;
	struct line_rec rec;
	size_t i;

	if (e->royalty == 0 && e->label_royalty == 0)
		return 0; /* nothing to post, nothing to show */
	if (a) {
		kind = a->source_line >= 0 ? SRC_INCOME : -1;
		source = a->source_line >= 0 ? r->lines[a->source_line].source_id : 0;
	} else {
		batch = r->batches[l->tag].id;
	}
	if (r->n_groups > r->group_from && r->groups[r->group_from].contract != e->contract)
		r->group_from = r->n_groups;
	for (i = r->n_groups; i-- > r->group_from && !g;)
		if (r->groups[i].batch_id == batch && r->groups[i].kind == kind &&
		    r->groups[i].source_id == source)
			g = &r->groups[i];
	if (!g) {
		if (run_grow((void **)&r->groups, &r->cap_groups, r->n_groups + 1,
			     sizeof(*r->groups)) ||
		    run_grow((void **)&r->group_shares, &r->cap_group_shares,
			     r->n_group_shares + c->n_payees, sizeof(*r->group_shares)))
			return ft_error_set(err, FT_ENOMEM, "out of memory");
		g = &r->groups[r->n_groups++];
		memset(g, 0, sizeof(*g));
		g->contract = e->contract;
		g->batch_id = batch;
		g->kind = kind;
		g->source_id = source;
		g->posting = (int64_t)r->n_groups;
		g->shares_at = r->n_group_shares;
		memset(r->group_shares + g->shares_at, 0, c->n_payees * sizeof(*r->group_shares));
		r->n_group_shares += c->n_payees;
	}
	for (i = 0; i < c->n_payees; i++)
		r->group_shares[g->shares_at + i] += shares[i];
	g->royalty += e->royalty;
	g->base += e->base;
	g->label_royalty += e->label_royalty;
	if (e->fx_rate != FT_AMOUNT_ONE) {
		int k;

		for (k = 0; k < g->n_fx && g->fx_month[k] != l->month; k++)
			;
		if (k == g->n_fx && k < 12) {
			g->fx_month[k] = l->month;
			g->fx_rate[k] = e->fx_rate;
			g->n_fx++;
		}
	}
	rec.posting = g->posting;
	rec.seq = g->lines++;
	rec.usage_id = l->source_id;
	rec.income_id = kind == SRC_INCOME ? source : 0;
	rec.rule = e->rule;
	rec.tier = e->escalation + 1;
	rec.units = e->units;
	rec.base = e->base;
	rec.rate = e->rate;
	rec.royalty = e->royalty;
	rec.allocation = a != NULL;
	rec.allocated = a ? a->receipts : 0;
	return line_writer_add(r->lines_out, &rec, err);
}

static const char *account_of(const struct ft_contract *c)
{
	return c->cross_collateral[0] ? c->cross_collateral : c->id;
}

static int row_allocated(const struct ft_royalty_result *res, size_t line)
{
	size_t i;

	for (i = 0; i < res->n_allocations; i++)
		if (res->allocations[i].source_line == (long)line)
			return 1;
	return 0;
}

/* Reverse the receipt postings of suspense rows that closed runs posted and
 * that have since left suspense (rematched to a track, whose usage row is
 * then posted as late, or withdrawn): their money must not count twice. */
static int reverse_left_suspense(struct run_ctx *r)
{
	struct ft_stmt *st = NULL;
	struct leg legs[8];
	char accounts[8][160], payees[8][FT_CONTRACT_ID_MAX];
	int64_t current = -1, batch = 0;
	size_t n = 0;
	int rc;

	rc = ft_store_prepare(
	    r->store, &st,
	    "SELECT j.source_id, j.account, j.amount, j.batch_id, j.payee FROM journal j JOIN runs "
	    "r ON r.period = j.period WHERE r.closed_at IS NOT NULL AND j.source = 'suspense' "
	    "AND j.kind IN ('receipt', 'late') AND NOT EXISTS (SELECT 1 FROM suspense s WHERE "
	    "s.rowid = j.source_id) AND NOT EXISTS (SELECT 1 FROM journal k JOIN runs q ON "
	    "q.period = k.period WHERE q.closed_at IS NOT NULL AND k.kind = 'reversal' AND "
	    "k.source = 'suspense' AND k.source_id = j.source_id) ORDER BY j.source_id, j.id",
	    r->err);
	for (;;) {
		int step = rc ? rc : ft_stmt_step(st, r->err);
		int64_t id = step == 1 ? ft_stmt_column_int64(st, 0) : -1;

		if (step < 0) {
			rc = step;
			break;
		}
		if ((step == 0 || id != current) && n) {
			char note[128];

			snprintf(note, sizeof(note),
				 "suspense row %lld left suspense after its period closed "
				 "(rematched or withdrawn): its receipt posting is reversed",
				 (long long)current);
			rc = run_post(r, "reversal", legs, n, NULL, batch, "suspense", current,
				      note);
			n = 0;
			if (rc)
				break;
		}
		if (step == 0)
			break;
		current = id;
		if (n == 8)
			continue;
		run_copy_field(accounts[n], sizeof(accounts[n]), ft_stmt_column_text(st, 1));
		run_copy_field(payees[n], sizeof(payees[n]), ft_stmt_column_text(st, 4));
		legs[n].account = accounts[n];
		legs[n].payee = ft_stmt_column_is_null(st, 4) ? NULL : payees[n];
		legs[n].currency = NULL; /* receipts and suspense are in the base */
		rc = ft_stmt_column_amount(st, 2, &legs[n].amount, r->err);
		if (rc)
			break;
		legs[n].amount = -legs[n].amount;
		batch = ft_stmt_column_int64(st, 3);
		n++;
	}
	ft_stmt_free(st);
	return rc;
}

/* The royalty postings, in their numbers' order: label −Σ royalty, each
 * payee +Σ their shares (exact: the sums of what the lines' splits gave). */
static int post_groups(struct run_ctx *r, const struct ft_royalty_input *in)
{
	char note[1024], b[FT_AMOUNT_STR_MAX], y[FT_AMOUNT_STR_MAX], x[FT_AMOUNT_STR_MAX];
	char conv_base[32], conv_c[32];
	struct leg *legs = NULL;
	char(*names)[FT_CONTRACT_ID_MAX * 2 + 16] = NULL;
	size_t i, k, cap = 0, first;
	int rc = 0;

	for (i = 0; !rc && i < r->n_groups; i++) {
		const struct royalty_group *g = &r->groups[i];
		const struct ft_contract *c = &in->contracts[g->contract];
		const struct batch_info *bi = NULL;

		int foreign = strcmp(c->currency, r->currency) != 0;

		if (c->n_payees + 3 > cap) {
			free(legs);
			free(names);
			cap = c->n_payees + 3;
			legs = calloc(cap, sizeof(*legs));
			names = calloc(cap, sizeof(*names));
			if (!legs || !names) {
				rc = ft_error_set(r->err, FT_ENOMEM, "out of memory");
				break;
			}
		}
		legs[0] = (struct leg){"label", NULL, -g->royalty, NULL};
		first = 1;
		if (foreign) {
			/* Per currency (docs/JOURNAL.md "Currencies"): the label
			 * gives up X in the base, the payees get Y in the
			 * contract's currency, and the conversion accounts hold
			 * each side, so every currency balances on its own. */
			snprintf(conv_base, sizeof(conv_base), "conversion:%s", r->currency);
			snprintf(conv_c, sizeof(conv_c), "conversion:%s", c->currency);
			legs[0].amount = -g->label_royalty;
			legs[1] = (struct leg){conv_base, NULL, g->label_royalty, NULL};
			legs[2] = (struct leg){conv_c, NULL, -g->royalty, c->currency};
			first = 3;
		}
		for (k = 0; k < c->n_payees; k++) {
			snprintf(names[k], sizeof(names[k]), "payee:%s@%s", c->payees[k].id,
				 account_of(c));
			legs[k + first] = (struct leg){names[k], c->payees[k].id,
						       r->group_shares[g->shares_at + k],
						       foreign ? c->currency : NULL};
		}
		if (g->kind == SRC_USAGE) {
			long bx = run_batch_index(r, g->batch_id);

			bi = bx >= 0 ? &r->batches[bx] : NULL;
		}
		ft_amount_format(b, sizeof(b), g->base, 2);
		ft_amount_format(y, sizeof(y), g->royalty, 2);
		ft_amount_format(x, sizeof(x), g->label_royalty, 2);
		if (g->kind == SRC_USAGE)
			snprintf(note, sizeof(note),
				 "ACCT-2..4 contract %s: %lld line%s of batch %lld (%s), base %s, "
				 "royalty %s; each line, its rule, rate and usage row: see explain",
				 c->id, (long long)g->lines, g->lines == 1 ? "" : "s",
				 (long long)g->batch_id, bi ? bi->file : "", b, y);
		else
			snprintf(
			    note, sizeof(note),
			    "ACCT-9 contract %s: %lld allocation%s of %s, base %s, royalty %s; "
			    "each line: see explain",
			    c->id, (long long)g->lines, g->lines == 1 ? "" : "s",
			    g->kind == SRC_INCOME ? "an income row"
						  : "carried non-attributable suspense",
			    b, y);
		if (foreign) {
			size_t used = strlen(note);

			int f;

			snprintf(note + used, sizeof(note) - used,
				 "; in %s: each line's base converted from %s at its month's "
				 "rate (",
				 c->currency, r->currency);
			for (f = 0; f < g->n_fx; f++) {
				char m[8], t[FT_AMOUNT_STR_MAX];

				used = strlen(note);
				ft_month_format(m, g->fx_month[f]);
				ft_amount_format(t, sizeof(t), g->fx_rate[f], 0);
				snprintf(note + used, sizeof(note) - used, "%s%s %s", f ? ", " : "",
					 m, t);
			}
			used = strlen(note);
			snprintf(note + used, sizeof(note) - used,
				 "); the label's %s %s is the same royalties on the unconverted "
				 "bases",
				 r->currency, x);
		}
		r->force_post = 1; /* lines hang on its number even when they sum to 0 */
		rc = run_post(r, "royalty", legs, c->n_payees + first, c->id, g->batch_id,
			      g->kind == SRC_INCOME ? "income" : NULL, g->source_id, note);
		r->force_post = 0;
		if (!rc && r->posting != g->posting)
			rc = ft_error_set(r->err, FT_ECONFLICT,
					  "internal: royalty posting %lld numbered %lld",
					  (long long)g->posting, (long long)r->posting);
	}
	free(legs);
	free(names);
	return rc;
}

int run_post_all(struct run_ctx *r, const struct ft_royalty_input *in,
		 const struct ft_royalty_result *res)
{
	char acct[FT_CONTRACT_ID_MAX * 2 + 16], acct2[FT_CONTRACT_ID_MAX + 32], conv[32];
	char note[4096];
	size_t i, k;
	int rc = 0;

	/* Royalties first: their posting numbers were given out as the engine
	 * handed the entries over (on_entry). */
	rc = post_groups(r, in);
	/* Usage receipts: one posting per batch, month and destination. */
	for (i = 0; !rc && i < r->n_rgroups; i++) {
		const struct receipt_group *g = &r->rgroups[i];
		const struct batch_info *b = &r->batches[g->batch];
		char name[FT_ROYALTY_NAME_MAX], m[8], gt[FT_AMOUNT_STR_MAX], ft[FT_AMOUNT_STR_MAX],
		    rt[FT_AMOUNT_STR_MAX];
		struct leg legs[3];

		snprintf(acct, sizeof(acct), "receipts:%s", b->partner);
		snprintf(acct2, sizeof(acct2), "fees:%s", b->partner);
		snprintf(name, sizeof(name), "suspense:unmatched:%s", b->partner);
		legs[0] = (struct leg){acct, NULL, -g->gross, NULL};
		legs[1] = (struct leg){acct2, NULL, g->fee, NULL};
		legs[2] = (struct leg){g->unmatched ? name : "label", NULL, g->receipts, NULL};
		ft_month_format(m, g->month);
		ft_amount_format(gt, sizeof(gt), g->gross, 2);
		ft_amount_format(ft, sizeof(ft), g->fee, 2);
		ft_amount_format(rt, sizeof(rt), g->receipts, 2);
		snprintf(
		    note, sizeof(note),
		    "batch %lld (%s): %lld usage row%s of %s%s: ACCT-1 gross %s %s, fee %s, "
		    "receipts %s (each row's figures: the usage table, rowids in run_posted)%s",
		    (long long)b->id, b->file, (long long)g->rows, g->rows == 1 ? "" : "s", m,
		    g->unmatched ? " sold as whole releases without tracks" : "", r->currency, gt,
		    ft, rt,
		    g->late && run_month_closed(r, g->month)
			? " (late: the month is closed, posted here as an adjustment)"
		    : g->late	  ? " (late: a month no run covered, posted here as an adjustment)"
		    : g->deferred ? " (deferred to its contract's statement period: each row "
				    "waited for the run that computes its contract)"
				  : "");
		rc = run_post(r, g->late ? "late" : "receipt", legs, 3, NULL, b->id, "batch", b->id,
			      note);
	}
	/* Suspense and income: one posting per row. */
	for (i = 0; !rc && i < r->n_rows; i++) {
		const struct src_row *row = &r->rows[i];
		struct leg legs[3];

		snprintf(acct, sizeof(acct), "receipts:%s", row->partner);
		snprintf(acct2, sizeof(acct2), "fees:%s", row->partner);
		legs[0] = (struct leg){acct, NULL, -row->gross, NULL};
		legs[1] = (struct leg){acct2, NULL, row->fee, NULL};
		legs[2] = (struct leg){"label", NULL, row->receipts, NULL};
		if (row->kind == SRC_SUSPENSE) {
			static char name[FT_ROYALTY_NAME_MAX];

			snprintf(name, sizeof(name), "suspense:unmatched:%s", row->partner);
			legs[2].account = name;
		} else if (row->kind == SRC_INCOME && !row_allocated(res, row->first_line)) {
			static char name[FT_ROYALTY_NAME_MAX];

			snprintf(name, sizeof(name), "suspense:non-attributable:%s", row->partner);
			legs[2].account = name;
		}
		rc = run_post(r, row->late ? "late" : "receipt", legs, 3, NULL, row->batch_id,
			      run_src_names[row->kind], row->id, row->note);
	}
	if (!rc)
		rc = reverse_left_suspense(r);
	/* ACCT-9: carried suspense that found attributable receipts. */
	for (k = 0; !rc && in->previous && k < in->previous->n_suspense; k++) {
		const struct ft_royalty_suspense *s = &in->previous->suspense[k];
		int used = 0;

		for (i = 0; i < res->n_allocations; i++)
			used |= res->allocations[i].source_suspense == (long)k;
		if (used) {
			struct leg legs[2] = {{s->name, NULL, -s->amount, NULL},
					      {"label", NULL, s->amount, NULL}};

			snprintf(note, sizeof(note),
				 "ACCT-9: %s carried since %d now shared over %s's receipts",
				 s->name, s->since_month, s->partner);
			rc = run_post(r, "suspense-release", legs, 2, NULL, 0, NULL, 0, note);
		}
	}
	/* ACCT-8 profit-split credits. */
	for (i = 0; !rc && i < in->n_contracts; i++) {
		const struct ft_contract *c = &in->contracts[i];
		const struct ft_royalty_contract_summary *cs = &res->contracts[i];

		/* A skipped contract credits nothing in this run (its ACCT-8
		 * totals wait for its due run). */
		if (c->type != FT_CONTRACT_PROFIT_SPLIT || !r->windows[i].months)
			continue;
		for (k = 0; !rc && k < c->n_payees; k++) {
			ft_amount credit = res->shares[cs->credits_at + k];
			char p[FT_AMOUNT_STR_MAX];
			struct leg legs[2];

			snprintf(acct, sizeof(acct), "payee:%s@%s", c->payees[k].id, account_of(c));
			legs[0] = (struct leg){"label", NULL, -credit, NULL};
			legs[1] = (struct leg){acct, c->payees[k].id, credit, NULL};
			if (strcmp(c->currency, r->currency) != 0) {
				/* Owed in the contract's currency: the label's
				 * position in it is its conversion account. */
				snprintf(conv, sizeof(conv), "conversion:%s", c->currency);
				legs[0] = (struct leg){conv, NULL, -credit, c->currency};
				legs[1].currency = c->currency;
			}
			ft_amount_format(p, sizeof(p), cs->profit, 2);
			snprintf(
			    note, sizeof(note),
			    "ACCT-8 profit split %s: cumulative profit %s (receipts − recoupable "
			    "costs) × share, less what was credited before",
			    c->id, p);
			rc = run_post(r, "profit-split", legs, 2, c->id, 0, NULL, 0, note);
		}
	}
	/* ACCT-5 advances and costs recouped, ACCT-7 payouts. */
	for (i = 0; !rc && i < res->n_statements; i++) {
		const struct ft_royalty_statement *s = &res->statements[i];
		struct leg legs[2];

		const char *cur = strcmp(s->currency, r->currency) ? s->currency : NULL;

		snprintf(acct, sizeof(acct), "payee:%s@%s", s->payee, s->account);
		/* ACCT-5: the label recoups; for an account in another currency
		 * on its position in that currency (conversion:<C>), since the
		 * debt is in C. */
		snprintf(conv, sizeof(conv), "conversion:%s", s->currency);
		legs[0] = (struct leg){acct, s->payee, -s->advances, cur};
		legs[1] = (struct leg){cur ? conv : "label", NULL, s->advances, cur};
		run_charge_note(r, note, sizeof(note), s->account, 0);
		rc = run_post(r, "advance", legs, 2, s->account, 0, NULL, 0, note);
		legs[0].amount = -s->costs;
		legs[1].amount = s->costs;
		run_charge_note(r, note, sizeof(note), s->account, 1);
		if (!rc)
			rc = run_post(r, "cost", legs, 2, s->account, 0, NULL, 0, note);
		snprintf(acct2, sizeof(acct2), "payout:%s", s->payee);
		legs[0].amount = -s->payable;
		legs[1] = (struct leg){acct2, s->payee, s->payable, cur};
		if (!rc)
			rc = run_post(r, "payout", legs, 2, s->account, 0, NULL, 0,
				      "ACCT-7 payable: balance less reserve held, rounded down");
	}
	if (!rc) {
		struct leg legs[2] = {{"receipts:conversion", NULL, -r->remainder, NULL},
				      {"remainder", NULL, r->remainder, NULL}};

		rc = run_post(r, "remainder", legs, 2, NULL, 0, NULL, 0,
			      "conversion cuts below 10^-12, summed over the run's rows");
	}
	return rc;
}
