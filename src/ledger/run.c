/*
 * run.c — `run` and `close`: the royalty engine fed from the ledger, its
 * results posted as a double-entry journal (docs/JOURNAL.md).  This file
 * holds the run as a whole (steps 1, 2 and 5 below, and the engine call of
 * step 4) and close; step 3 is run_read.c, the postings of step 4
 * run_post.c, and the state they share run_ctx.h.
 *
 * A run of period P, in one write transaction:
 *  1. refuses when a month of P is closed, a later period is closed, or a
 *     run of another period is still open (its state would be the start of
 *     this one); an open run of P itself is deleted and recomputed; an
 *     earlier month no run covers that holds usage refuses it too, unless
 *     the run takes the month over (unrun.c);
 *  2. loads the contracts (each in its own currency; receipts in the
 *     ledger's base, settings.c) and the state the last
 *     closed run left, and decides which are due (statement frequency): a
 *     contract is computed over its statement period when P ends it, and
 *     skipped otherwise — the rows it covers then wait unposted for its run,
 *     and ACCT-9 income waits for a run where every contract is due, when
 *     the rows earlier runs of the period posted weigh again as context;
 *  3. turns every active usage row, suspense row and income row dated in P
 *     — and every row dated in a closed month that no closed run posted
 *     (a late report, a rematched identifier, late income) — into engine
 *     lines: revenue × the rate of its sales month (fx.c), minus the
 *     partner's fee (ACCT-1).  A release-level row (a GTIN, no ISRC) is
 *     shared equally over the release's tracks.  Every missing rate is
 *     collected and named at once;
 *  4. runs the engine, its entries going straight to royalty_lines, one
 *     row each, under the royalty posting of their (contract, batch) or
 *     (contract, income row); then posts: those royalty postings (label
 *     −Σ royalty, payee:<id>@<account> +Σ shares), the usage receipts per
 *     (batch, month) and the suspense and income receipts per row
 *     (receipts:<partner> −gross, fees:<partner> +fee, label or suspense
 *     +receipts), the usage rows posted as rowid ranges (run_posted),
 *     profit-split credits, advances and
 *     costs recouped (payee −, label +), payouts (payee −, payout:<id> +);
 *     a contract in another currency C than the base posts its royalties
 *     as label −X, conversion:<base> +X, conversion:<C> −Y, payees +Y, and
 *     keeps its advances, costs, credits and payouts in C against
 *     conversion:<C> (docs/JOURNAL.md "Currencies"),
 *     releases of carried suspense, reversals of suspense rows that left
 *     suspense after their period closed, and the whole units of the
 *     conversion remainders (receipts:conversion −, remainder +);
 *  5. checks that every posting balances and that the label's postings
 *     equal the engine's label share, then stores the run, its payee
 *     statements and the engine's next state.
 *
 * Determinism: rows are read in a fixed order (by rowid), the engine is
 * order-independent, postings are numbered in a fixed order, so a re-run
 * of the same inputs writes the same journal to the unit.
 *
 * Close records P's months in closed_periods; from then on the run's state
 * is the start of the next run and its rows count as posted.
 */
#include <stdarg.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/run_ctx.h"
#include "ledger/usage_reader.h"

const char *const run_src_names[] = {"usage", "suspense", "income"};

int run_grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *q;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	while (ncap < need)
		ncap *= 2;
	q = realloc(*p, ncap * size);
	if (!q)
		return FT_ENOMEM;
	*p = q;
	*cap = ncap;
	return 0;
}

int ft_run_convert(ft_amount *gross, ft_amount *fee, ft_amount *receipts, ft_amount *remainder,
		   ft_amount *remainder_e24, ft_amount revenue, ft_amount fx_rate,
		   ft_amount fee_rate, struct ft_error *err)
{
	ft_amount rem = 0;
	int rc;

	/* ACCT-1: convert, then take the fee off (the engine's own helper). */
	rc = ft_royalty_receipts(gross, receipts, fee, &rem, revenue, fx_rate, fee_rate, err);
	if (rc)
		return rc;
	/* Conversion cuts are below 10^-12 each; their sum is carried into whole
	 * units of 10^-12 so it reaches the journal instead of vanishing. */
	*remainder_e24 += rem;
	if (*remainder_e24 >= FT_AMOUNT_ONE) {
		*remainder += *remainder_e24 / FT_AMOUNT_ONE;
		*remainder_e24 %= FT_AMOUNT_ONE;
	}
	return 0;
}

/* ---- state (de)serialisation: tab-separated lines, amounts as exact text ------- */

static int append(char **buf, size_t *len, size_t *cap, const char *text)
{
	size_t n = strlen(text);

	if (run_grow((void **)buf, cap, *len + n + 1, 1))
		return FT_ENOMEM;
	memcpy(*buf + *len, text, n + 1);
	*len += n;
	return 0;
}

static int state_to_text(char **out, const struct ft_royalty_state *s)
{
	char line[512], a[FT_AMOUNT_STR_MAX], b[FT_AMOUNT_STR_MAX];
	char *buf = NULL;
	size_t len = 0, cap = 0, i;
	int rc = append(&buf, &len, &cap, "");

	for (i = 0; !rc && i < s->n_accounts; i++) {
		ft_amount_format(a, sizeof(a), s->accounts[i].balance, 0);
		snprintf(line, sizeof(line), "A\t%s\t%s\t%s\n", s->accounts[i].payee,
			 s->accounts[i].account, a);
		rc = append(&buf, &len, &cap, line);
	}
	for (i = 0; !rc && i < s->n_reserves; i++) {
		const struct ft_royalty_reserve *r = &s->reserves[i];

		ft_amount_format(a, sizeof(a), r->amount, 0);
		snprintf(line, sizeof(line), "R\t%s\t%s\t%s\t%d\t%d\t%s\n", r->payee, r->account,
			 r->contract, r->withheld_month, r->release_month, a);
		rc = append(&buf, &len, &cap, line);
	}
	for (i = 0; !rc && i < s->n_contracts; i++) {
		const struct ft_royalty_contract_state *c = &s->contracts[i];

		ft_amount_format(a, sizeof(a), c->cum_base, 0);
		ft_amount_format(b, sizeof(b), c->cum_costs, 0);
		snprintf(line, sizeof(line), "C\t%s\t%d\t%lld\t%s\t%s\n", c->contract,
			 c->last_month, (long long)c->units, a, b);
		rc = append(&buf, &len, &cap, line);
	}
	for (i = 0; !rc && i < s->n_credits; i++) {
		ft_amount_format(a, sizeof(a), s->credits[i].credited, 0);
		snprintf(line, sizeof(line), "K\t%s\t%s\t%s\n", s->credits[i].contract,
			 s->credits[i].payee, a);
		rc = append(&buf, &len, &cap, line);
	}
	for (i = 0; !rc && i < s->n_suspense; i++) {
		const struct ft_royalty_suspense *x = &s->suspense[i];

		ft_amount_format(a, sizeof(a), x->amount, 0);
		snprintf(line, sizeof(line), "S\t%d\t%s\t%s\t%d\t%s\n", (int)x->kind, x->name,
			 x->partner, x->since_month, a);
		rc = append(&buf, &len, &cap, line);
	}
	if (rc) {
		free(buf);
		return rc;
	}
	*out = buf;
	return 0;
}

static int int_field(const char *text)
{
	return (int)strtol(text, NULL, 10);
}

static int amount_field(ft_amount *out, const char *text)
{
	return text ? ft_amount_parse(out, text, strlen(text), NULL) : FT_EINVAL;
}

void run_copy_field(char *dst, size_t cap, const char *text)
{
	snprintf(dst, cap, "%s", text ? text : "");
}

static int state_from_text(struct ft_royalty_state *s, const char *text, struct ft_error *err)
{
	char *copy = strdup(text), *save = NULL, *line;
	size_t caps[5] = {0};
	int rc = copy ? 0 : FT_ENOMEM;

	for (line = copy ? strtok_r(copy, "\n", &save) : NULL; !rc && line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[8] = {0}, *fs = NULL, *tok;
		int n = 0;

		for (tok = strtok_r(line, "\t", &fs); tok && n < 8; tok = strtok_r(NULL, "\t", &fs))
			f[n++] = tok;
		if (n == 0 || !f[0]) {
			rc = FT_EINVAL;
			break;
		}
		if (f[0][0] == 'A' && n == 4 &&
		    !run_grow((void **)&s->accounts, &caps[0], s->n_accounts + 1,
			      sizeof(*s->accounts))) {
			struct ft_royalty_account *a = &s->accounts[s->n_accounts++];

			memset(a, 0, sizeof(*a));
			run_copy_field(a->payee, sizeof(a->payee), f[1]);
			run_copy_field(a->account, sizeof(a->account), f[2]);
			rc = amount_field(&a->balance, f[3]);
		} else if (f[0][0] == 'R' && n == 7 &&
			   !run_grow((void **)&s->reserves, &caps[1], s->n_reserves + 1,
				     sizeof(*s->reserves))) {
			struct ft_royalty_reserve *r = &s->reserves[s->n_reserves++];

			memset(r, 0, sizeof(*r));
			run_copy_field(r->payee, sizeof(r->payee), f[1]);
			run_copy_field(r->account, sizeof(r->account), f[2]);
			run_copy_field(r->contract, sizeof(r->contract), f[3]);
			r->withheld_month = int_field(f[4]);
			r->release_month = int_field(f[5]);
			rc = amount_field(&r->amount, f[6]);
		} else if (f[0][0] == 'C' && n == 6 &&
			   !run_grow((void **)&s->contracts, &caps[2], s->n_contracts + 1,
				     sizeof(*s->contracts))) {
			struct ft_royalty_contract_state *c = &s->contracts[s->n_contracts++];

			memset(c, 0, sizeof(*c));
			run_copy_field(c->contract, sizeof(c->contract), f[1]);
			c->last_month = int_field(f[2]);
			c->units = strtoll(f[3], NULL, 10);
			rc = amount_field(&c->cum_base, f[4]);
			if (!rc)
				rc = amount_field(&c->cum_costs, f[5]);
		} else if (f[0][0] == 'K' && n == 4 &&
			   !run_grow((void **)&s->credits, &caps[3], s->n_credits + 1,
				     sizeof(*s->credits))) {
			struct ft_royalty_credit *k = &s->credits[s->n_credits++];

			memset(k, 0, sizeof(*k));
			run_copy_field(k->contract, sizeof(k->contract), f[1]);
			run_copy_field(k->payee, sizeof(k->payee), f[2]);
			rc = amount_field(&k->credited, f[3]);
		} else if (f[0][0] == 'S' && n == 6 &&
			   !run_grow((void **)&s->suspense, &caps[4], s->n_suspense + 1,
				     sizeof(*s->suspense))) {
			struct ft_royalty_suspense *x = &s->suspense[s->n_suspense++];

			memset(x, 0, sizeof(*x));
			x->kind = (enum ft_suspense_kind)int_field(f[1]);
			run_copy_field(x->name, sizeof(x->name), f[2]);
			run_copy_field(x->partner, sizeof(x->partner), f[3]);
			x->since_month = int_field(f[4]);
			rc = amount_field(&x->amount, f[5]);
		} else {
			rc = FT_EINVAL;
		}
	}
	free(copy);
	if (rc)
		return ft_error_set(err, rc == FT_ENOMEM ? FT_ENOMEM : FT_ESCHEMA,
				    "the stored engine state of the last closed run is damaged "
				    "(run 'fairtrack check')");
	return 0;
}

/* Microseconds of a monotonic clock (the summary's phase times). */
static int64_t now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* ---- ACCT-5 in another currency ---------------------------------------------------- */

/*
 * An advance or a recoupable cost paid in a currency other than its
 * contract's is converted at the rate of the month it was paid (fx_rates:
 * that month, its currency → the contract's), by the run that charges it:
 * dated after the contract's last month run and up to the end of its
 * statement period in this run.  The product is rounded down to 10^-12 (the
 * cut, below a unit, is the payee's).  A missing rate joins the others the
 * run names before it stops.  What was converted, and how, goes into the
 * advance and cost postings' notes.
 */
static int convert_money_items(struct run_ctx *r, struct ft_contract *items,
			       const struct ft_royalty_state *prev)
{
	size_t i, k, j;

	for (i = 0; i < r->n_contracts; i++) {
		struct ft_contract *c = &items[i];
		struct ft_period w = r->windows[i];
		int last = -1, end = w.first + w.months - 1;

		if (w.months == 0)
			continue;
		for (j = 0; prev && j < prev->n_contracts; j++)
			if (!strcmp(prev->contracts[j].contract, c->id))
				last = prev->contracts[j].last_month;
		for (k = 0; k < c->n_advances + c->n_costs; k++) {
			int is_cost = k >= c->n_advances;
			ft_amount *amount =
			    is_cost ? &c->costs[k - c->n_advances].amount : &c->advances[k].amount;
			char *cur = is_cost ? c->costs[k - c->n_advances].currency
					    : c->advances[k].currency;
			int month = ft_date_month(is_cost ? c->costs[k - c->n_advances].date
							  : c->advances[k].date);
			ft_amount rate, converted;
			char a[FT_AMOUNT_STR_MAX], b[FT_AMOUNT_STR_MAX], t[FT_AMOUNT_STR_MAX], m[8];
			struct converted *x;
			int rc;

			if (!cur[0] || month <= last || month > end)
				continue;
			rc = run_rate_for(r, month, cur, c->currency, &rate);
			if (rc == 1)
				continue; /* named with the other missing rates */
			if (rc)
				return rc;
			if (ft_amount_mul_ratio(&converted, NULL, *amount, rate))
				return ft_error_setloc(
				    r->err, FT_EOVERFLOW, c->file[0] ? c->file : NULL, c->line,
				    is_cost ? "costs" : "advances",
				    "contract '%s': an amount out of range after "
				    "conversion",
				    c->id);
			if (run_grow((void **)&r->converted, &r->cap_converted, r->n_converted + 1,
				     sizeof(*r->converted)))
				return ft_error_set(r->err, FT_ENOMEM, "out of memory");
			x = &r->converted[r->n_converted++];
			memset(x, 0, sizeof(*x));
			run_copy_field(x->account, sizeof(x->account),
				       c->cross_collateral[0] ? c->cross_collateral : c->id);
			x->cost = is_cost;
			ft_amount_format(a, sizeof(a), *amount, 2);
			ft_amount_format(t, sizeof(t), rate, 0);
			ft_amount_format(b, sizeof(b), converted, 2);
			ft_month_format(m, month);
			snprintf(x->text, sizeof(x->text), "%s %s[%zu] %s %s × fx %s (%s) = %s %s",
				 c->id, is_cost ? "costs" : "advances",
				 (is_cost ? k - c->n_advances : k) + 1, cur, a, t, m, c->currency,
				 b);
			*amount = converted;
			cur[0] = '\0';
		}
	}
	return 0;
}

/* The charge note, with the conversions behind it (best effort: a long
 * list is cut, the figures are on the contracts). */
void run_charge_note(const struct run_ctx *r, char *note, size_t cap, const char *account, int cost)
{
	size_t i, used;

	snprintf(note, cap, "%s",
		 cost ? "ACCT-5 recoupable costs charged to the balance this period"
		      : "ACCT-5 advances charged to the balance this period");
	for (i = 0; i < r->n_converted; i++) {
		if (r->converted[i].cost != cost || strcmp(r->converted[i].account, account) != 0)
			continue;
		used = strlen(note);
		snprintf(note + used, cap - used, "; converted at the rate of the month paid: %s",
			 r->converted[i].text);
	}
}

/* ---- contracts in another currency ------------------------------------------------ */

/*
 * The rates the engine converts with (docs/JOURNAL.md "Currencies"): for
 * every due contract whose currency C is not the base, base → C of every
 * month of the engine's period (a late row is accounted in the period's
 * first month, a context row in its own).  Missing ones join the others the
 * run names (month, from, to) before it stops.
 */
static int contract_rates(struct run_ctx *r)
{
	size_t i, j;
	int m, rc;

	for (i = 0; i < r->n_contracts; i++) {
		const char *cur = r->contracts[i].currency;

		if (!r->windows[i].months || !strcmp(cur, r->currency))
			continue;
		for (m = r->span.first; m < r->span.first + r->span.months; m++) {
			ft_amount rate;

			for (j = 0; j < r->n_engine_fx; j++)
				if (r->engine_fx[j].month == m &&
				    !strcmp(r->engine_fx[j].currency, cur))
					break;
			if (j < r->n_engine_fx)
				continue;
			rc = run_rate_for(r, m, r->currency, cur, &rate);
			if (rc == 1)
				continue;
			if (rc)
				return rc;
			if (run_grow((void **)&r->engine_fx, &r->cap_engine_fx, r->n_engine_fx + 1,
				     sizeof(*r->engine_fx)))
				return ft_error_set(r->err, FT_ENOMEM, "out of memory");
			r->engine_fx[r->n_engine_fx].month = m;
			run_copy_field(r->engine_fx[r->n_engine_fx].currency, 4, cur);
			r->engine_fx[r->n_engine_fx].rate = rate;
			r->n_engine_fx++;
		}
	}
	return 0;
}

/* ---- statement frequency ---------------------------------------------------------- */

/*
 * Which contracts are due in a run of P (docs/JOURNAL.md "Due contracts"):
 * a contract stated every f months has the statement period of
 * max(f, P's length) months that ends with P; it is due when that period
 * starts on a boundary of its own length (2026-10 … 2026-12 is a quarter,
 * 2026-11 … 2027-01 is not).  The engine runs over the longest due window.
 */
static int cmp_named(const void *pa, const void *pb)
{
	const struct named *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	return c ? c : (a->i > b->i) - (a->i < b->i);
}

/* The contracts by account (group, else id): statement_period asks it per
 * payee account; and the first two contracts of a cross-collateral group
 * with different frequencies (in file order: the later one is named). */
static int index_accounts(struct run_ctx *r, const struct ft_contract_set *set)
{
	size_t i, j, bad = SIZE_MAX, bad_j = 0;

	r->by_account = malloc((set->n + 1) * sizeof(*r->by_account));
	if (!r->by_account)
		return ft_error_set(r->err, FT_ENOMEM, "out of memory");
	for (i = 0; i < set->n; i++)
		r->by_account[i] = (struct named){set->items[i].cross_collateral[0]
						      ? set->items[i].cross_collateral
						      : set->items[i].id,
						  i};
	qsort(r->by_account, set->n, sizeof(*r->by_account), cmp_named);
	for (i = 0; i < set->n; i = j) {
		const struct ft_contract *first = &set->items[r->by_account[i].i];

		for (j = i + 1; j < set->n && !strcmp(r->by_account[j].name, r->by_account[i].name);
		     j++) {
			size_t k = r->by_account[j].i;

			if (first->cross_collateral[0] &&
			    set->items[k].frequency != first->frequency && k < bad) {
				bad = k;
				bad_j = r->by_account[i].i;
			}
		}
	}
	if (bad != SIZE_MAX) {
		const struct ft_contract *c = &set->items[bad], *o = &set->items[bad_j];

		return ft_error_setloc(
		    r->err, FT_EINVAL, c->file[0] ? c->file : NULL, c->line, "frequency",
		    "contracts %s (%s) and %s (%s) share the cross_collateral "
		    "group %s: one balance needs one statement frequency",
		    o->id, ft_contract_frequency_name(o->frequency), c->id,
		    ft_contract_frequency_name(c->frequency), c->cross_collateral);
	}
	return 0;
}

static int due_contracts(struct run_ctx *r, const struct ft_contract_set *set)
{
	int end = r->period.first + r->period.months - 1;
	size_t i;
	int rc;

	r->contracts = set->items;
	r->n_contracts = set->n;
	r->windows = calloc(set->n ? set->n : 1, sizeof(*r->windows));
	r->deferred = calloc(set->n ? set->n : 1, sizeof(*r->deferred));
	if (!r->windows || !r->deferred)
		return ft_error_set(r->err, FT_ENOMEM, "out of memory");
	r->span = r->period;
	r->all_due = 1;
	rc = index_accounts(r, set);
	if (rc)
		return rc;
	for (i = 0; i < set->n; i++) {
		const struct ft_contract *c = &set->items[i];
		int len =
		    (int)c->frequency > r->period.months ? (int)c->frequency : r->period.months;
		struct ft_period w = {end + 1 - len, len};

		if (w.first % len != 0) {
			r->all_due = 0;
			r->any_not_due = 1;
			continue; /* windows[i].months stays 0: not due */
		}
		r->windows[i] = w;
		if (w.months > r->span.months)
			r->span = w;
	}
	return 0;
}

/* What the run says about frequency: skipped contracts and when they are
 * next due, contracts computed over a longer period than P, deferred rows
 * and income. */
static void frequency_notes(struct run_ctx *r)
{
	int end = r->period.first + r->period.months - 1;
	char p[FT_PERIOD_STR_MAX], next_end[8];
	size_t i;

	for (i = 0; i < r->n_contracts; i++) {
		const struct ft_contract *c = &r->contracts[i];
		int f = (int)c->frequency;
		struct ft_period w = r->windows[i];

		if (w.months == 0) {
			char rows[64] = "";

			/* Not due means f is longer than P: its statement period is
			 * the block of f months holding P, which ends after P. */
			w.months = f;
			w.first = end / f * f;
			ft_period_format(p, sizeof(p), &w);
			ft_month_format(next_end, w.first + f - 1);
			if (r->deferred[i])
				snprintf(rows, sizeof(rows), "; %zu row%s wait%s for it",
					 r->deferred[i], r->deferred[i] == 1 ? "" : "s",
					 r->deferred[i] == 1 ? "s" : "");
			run_add_note(r->sum,
				     "skipped: %s is stated %s, next due in the run of %s "
				     "(statement period %s)%s",
				     c->id, ft_contract_frequency_name(c->frequency), next_end, p,
				     rows);
			continue;
		}
		if (w.months != r->period.months || w.months != f) {
			ft_period_format(p, sizeof(p), &w);
			run_add_note(r->sum, "%s is stated %s: computed over %s", c->id,
				     ft_contract_frequency_name(c->frequency), p);
		}
	}
	if (r->deferred_income)
		run_add_note(r->sum,
			     "income: %zu row%s of non-attributable income wait%s for a run where "
			     "every contract is due (ACCT-9 shares income over whole statement "
			     "periods)",
			     r->deferred_income, r->deferred_income == 1 ? "" : "s",
			     r->deferred_income == 1 ? "s" : "");
}

/* ---- the run --------------------------------------------------------------------- */

static int query_text(struct ft_store *store, const char *sql, const char *arg, char *out,
		      size_t cap, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc = ft_store_prepare(store, &st, sql, err);

	if (!rc && arg)
		rc = ft_stmt_bind_text(st, 1, arg, err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	if (rc == 1)
		run_copy_field(out, cap, ft_stmt_column_text(st, 0));
	ft_stmt_free(st);
	return rc;
}

static int check_runnable(struct run_ctx *r)
{
	struct ft_stmt *st = NULL;
	char m[8], other[FT_PERIOD_STR_MAX];
	int i, rc;

	for (i = 0; i < r->period.months; i++) {
		ft_month_format(m, r->period.first + i);
		rc = ft_ledger_month_closed(r->store, m, r->err);
		if (rc < 0)
			return rc;
		if (rc == 1)
			return ft_error_set(
			    r->err, FT_ECONFLICT,
			    "%s is closed (month %s): a closed period never changes; "
			    "late reports and corrections are posted in the next open "
			    "period",
			    r->period_text, m);
	}
	rc = query_text(r->store,
			"SELECT period FROM runs WHERE closed_at IS NULL AND period <> ? LIMIT 1",
			r->period_text, other, sizeof(other), r->err);
	if (rc < 0)
		return rc;
	if (rc == 1)
		return ft_error_set(
		    r->err, FT_ECONFLICT,
		    "the run of %s is still open: close it ('fairtrack close --period "
		    "%s') before running %s",
		    other, other, r->period_text);
	rc = ft_store_prepare(r->store, &st,
			      "SELECT period FROM runs WHERE closed_at IS NOT NULL AND first_month "
			      "+ months > ? LIMIT 1",
			      r->err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 1, r->period.first, r->err);
	if (!rc)
		rc = ft_stmt_step(st, r->err);
	if (rc == 1) {
		run_copy_field(other, sizeof(other), ft_stmt_column_text(st, 0));
		rc = ft_error_set(r->err, FT_ECONFLICT,
				  "%s is already closed and does not end before %s: periods run in "
				  "order",
				  other, r->period_text);
	}
	ft_stmt_free(st);
	return rc;
}

static int load_previous(struct run_ctx *r, struct ft_royalty_state *prev, int *have)
{
	struct ft_stmt *st = NULL;
	int rc;

	*have = 0;
	rc = ft_store_prepare(r->store, &st,
			      "SELECT state FROM runs WHERE closed_at IS NOT NULL ORDER BY "
			      "first_month DESC LIMIT 1",
			      r->err);
	if (!rc)
		rc = ft_stmt_step(st, r->err);
	if (rc == 1) {
		rc = state_from_text(prev, ft_stmt_column_text(st, 0), r->err);
		*have = !rc;
	}
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}

static int delete_open_run(struct run_ctx *r)
{
	static const char *const sql[] = {"DELETE FROM journal WHERE period = ?",
					  "DELETE FROM royalty_line_blocks WHERE period = ?",
					  "DELETE FROM run_posted WHERE period = ?",
					  "DELETE FROM run_statements WHERE period = ?",
					  "DELETE FROM runs WHERE period = ?"};
	const char *args[1] = {r->period_text};
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < 5; i++) {
		rc = ft_ledger_exec_text(r->store, sql[i], args, 1, r->err);
		if (!rc && i == 4)
			r->sum->replaced = ft_store_changes(r->store) > 0;
	}
	return rc;
}

/* The statement period of an account: its (due) contracts' window; the
 * run's period when none is found (an account whose contract is gone). */
/* The first of the contracts sorted by account (by_account) whose account
 * is not below `account`: where that account's contracts start. */
static size_t account_lower(const struct run_ctx *r, const char *account)
{
	size_t lo = 0, hi = r->n_contracts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(r->by_account[mid].name, account) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const char *statement_period(const struct run_ctx *r, const char *account, char *buf,
				    size_t cap)
{
	size_t lo = account_lower(r, account);

	for (; lo < r->n_contracts && !strcmp(r->by_account[lo].name, account); lo++)
		if (r->windows[r->by_account[lo].i].months) {
			ft_period_format(buf, cap, &r->windows[r->by_account[lo].i]);
			return buf;
		}
	return r->period_text;
}

/*
 * A balance or reserve carried in an account's currency cannot become
 * another currency's because a contract was re-imported in it: the engine
 * would read GBP 100 as EUR 100.  The latest closed statement of every
 * account still carrying something names the currency it is in.
 */
static int carried_currencies(struct run_ctx *r)
{
	struct ft_stmt *st = NULL;
	char last[FT_CONTRACT_ID_MAX] = "";
	int rc;

	rc = ft_store_prepare(
	    r->store, &st,
	    "SELECT s.account, COALESCE(s.currency, r.currency), s.closing, "
	    "s.reserve_held, s.period FROM run_statements s JOIN runs r ON r.period "
	    "= s.period WHERE r.closed_at IS NOT NULL ORDER BY s.account, "
	    "r.first_month DESC",
	    r->err);
	while (!rc && (rc = ft_stmt_step(st, r->err)) == 1) {
		const char *account = ft_stmt_column_text(st, 0), *cur = ft_stmt_column_text(st, 1);
		ft_amount closing = 0, held = 0;
		size_t lo;

		rc = 0;
		if (!strcmp(account, last))
			continue; /* an older statement of the same account */
		run_copy_field(last, sizeof(last), account);
		if (ft_stmt_column_amount(st, 2, &closing, NULL) ||
		    ft_stmt_column_amount(st, 3, &held, NULL) || (closing == 0 && held == 0))
			continue;
		lo = account_lower(r, account);
		if (lo < r->n_contracts && !strcmp(r->by_account[lo].name, account)) {
			const struct ft_contract *c = &r->contracts[r->by_account[lo].i];

			if (strcmp(c->currency, cur) != 0)
				rc = ft_error_setloc(r->err, FT_ECONFLICT,
						     c->file[0] ? c->file : NULL, c->line,
						     "currency",
						     "contract %s accounts in %s, but its account "
						     "%s carries a balance "
						     "or reserve in %s from %s: a carried balance "
						     "keeps its currency "
						     "(import the contract in %s again)",
						     c->id, c->currency, account, cur,
						     ft_stmt_column_text(st, 4), cur);
		}
	}
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}

static int store_run(struct run_ctx *r, const struct ft_royalty_result *res)
{
	struct ft_stmt *st = NULL;
	char stamp[32], *state = NULL, sp[FT_PERIOD_STR_MAX];
	size_t i;
	int rc;

	ft_ledger_now(stamp);
	if (state_to_text(&state, &res->next))
		return ft_error_set(r->err, FT_ENOMEM, "out of memory");
	rc = ft_store_prepare(r->store, &st,
			      "INSERT INTO runs (period, first_month, months, currency, ran_at, "
			      "closed_at, state, remainder_e24) VALUES (?, ?, ?, ?, ?, NULL, ?, ?)",
			      r->err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, r->period_text, r->err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 2, r->period.first, r->err);
	if (!rc)
		rc = ft_stmt_bind_int64(st, 3, r->period.months, r->err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 4, r->currency, r->err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 5, stamp, r->err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 6, state, r->err);
	if (!rc)
		rc = ft_stmt_bind_amount(st, 7, r->remainder_e24, r->err);
	if (!rc)
		rc = ft_stmt_step(st, r->err);
	ft_stmt_free(st);
	st = NULL;
	free(state);
	if (rc < 0)
		return rc;
	rc = ft_store_prepare(
	    r->store, &st,
	    "INSERT INTO run_statements (period, payee, account, opening, "
	    "royalties, advances, costs, balance, reserve_withheld, "
	    "reserve_released, reserve_held, payable, closing, statement_period, currency) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    r->err);
	for (i = 0; !rc && i < res->n_statements; i++) {
		const struct ft_royalty_statement *s = &res->statements[i];
		const ft_amount v[10] = {
		    s->opening, s->royalties,	     s->advances,	  s->costs,
		    s->balance, s->reserve_withheld, s->reserve_released, s->reserve_held,
		    s->payable, s->closing};
		int k;

		rc = ft_stmt_reset(st, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(st, 1, r->period_text, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(st, 2, s->payee, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(st, 3, s->account, r->err);
		for (k = 0; !rc && k < 10; k++)
			rc = ft_stmt_bind_amount(st, 4 + k, v[k], r->err);
		if (!rc)
			rc = ft_stmt_bind_text(
			    st, 14, statement_period(r, s->account, sp, sizeof(sp)), r->err);
		if (!rc)
			rc = ft_stmt_bind_text(st, 15, s->currency, r->err);
		if (!rc)
			rc = ft_stmt_step(st, r->err);
		if (rc > 0)
			rc = 0;
	}
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}

/* run_posted: the usage rows this run posted, as the ranges read_usage kept. */
static int store_posted(struct run_ctx *r)
{
	struct ft_stmt *q = NULL;
	size_t i;
	int rc;

	rc = ft_store_prepare(r->store, &q,
			      "INSERT INTO run_posted (period, source, month, first_id, last_id) "
			      "VALUES (?, 'usage', ?, ?, ?)",
			      r->err);
	for (i = 0; !rc && i < r->n_ranges; i++) {
		char m[8];

		ft_month_format(m, r->ranges[i].month);
		rc = ft_stmt_reset(q, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(q, 1, r->period_text, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(q, 2, m, r->err);
		if (!rc)
			rc = ft_stmt_bind_int64(q, 3, r->ranges[i].first, r->err);
		if (!rc)
			rc = ft_stmt_bind_int64(q, 4, r->ranges[i].last, r->err);
		if (!rc)
			rc = ft_stmt_step(q, r->err);
		if (rc > 0)
			rc = 0;
	}
	ft_stmt_free(q);
	return rc;
}

static void fill_summary(struct run_ctx *r, const struct ft_royalty_result *res)
{
	struct ft_run_summary *s = r->sum;
	size_t i;

	for (i = 0; i < r->n_lines; i++)
		s->lines += !r->lines[i].context;
	s->postings = (size_t)r->posting;
	s->legs = r->legs;
	s->royalties = res->royalties;
	s->remainder = r->remainder;
	s->remainder_e24 = r->remainder_e24;
	s->label = r->label_sum;
	s->suspense = res->suspense_out - res->suspense_in;
	s->receipts += r->usage_gross;
	s->fees += r->usage_fee;
	for (i = 0; i < r->n_rows; i++) {
		s->receipts += r->rows[i].gross;
		s->fees += r->rows[i].fee;
	}
	s->payees = calloc(res->n_statements ? res->n_statements : 1, sizeof(*s->payees));
	if (!s->payees)
		return;
	for (i = 0; i < res->n_statements; i++) {
		const struct ft_royalty_statement *st = &res->statements[i];
		struct ft_run_payee *p = &s->payees[s->n_payees++];

		run_copy_field(p->payee, sizeof(p->payee), st->payee);
		run_copy_field(p->account, sizeof(p->account), st->account);
		run_copy_field(p->currency, sizeof(p->currency), st->currency);
		p->opening = st->opening;
		p->royalties = st->royalties;
		p->advances = st->advances;
		p->costs = st->costs;
		p->balance = st->balance;
		p->reserve_held = st->reserve_held;
		p->payable = st->payable;
		p->closing = st->closing;
		if (!strcmp(st->currency, r->currency))
			s->payable += st->payable;
	}
}

int ft_run_period(struct ft_store *store, const struct ft_period *period,
		  struct ft_run_summary *out, struct ft_error *err)
{
	return ft_run_period_opts(store, period, NULL, out, err);
}

int ft_run_period_opts(struct ft_store *store, const struct ft_period *period,
		       const struct ft_run_options *opts, struct ft_run_summary *out,
		       struct ft_error *err)
{
	struct run_ctx r;
	struct ft_contract_set set = {0};
	struct ft_royalty_state prev = {0};
	struct ft_royalty_result *res = NULL;
	struct ft_royalty_input in;
	ft_amount engine_label;
	int have_prev = 0, rc, k;
	int64_t t0 = 0, t1 = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	r.store = store;
	r.period = *period;
	r.sum = out;
	r.err = err;
	r.dict = ft_royalty_dict_new();
	if (!r.dict)
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	ft_period_format(r.period_text, sizeof(r.period_text), period);
	run_copy_field(out->period, sizeof(out->period), r.period_text);

	rc = ft_store_begin(store, err);
	if (rc) {
		ft_royalty_dict_free(r.dict);
		return rc;
	}
	rc = check_runnable(&r);
	if (!rc)
		rc = delete_open_run(&r);
	/* Earlier months no run covers: refused, or taken over (unrun.c). */
	if (!rc)
		rc = unrun_for_run(store, period, opts && opts->include_unrun, &r.unrun, &r.n_unrun,
				   err);
	if (!rc)
		rc = unrun_marks(store, &r.marks, &r.n_marks, err);
	for (i = 0; !rc && i < r.n_unrun; i++) {
		char d[160], mt[8];

		unrun_describe(&r.unrun[i], d, sizeof(d));
		ft_month_format(mt, r.unrun[i].month);
		run_add_note(out,
			     "included: %s, a month no run covered, is posted here as late "
			     "adjustments; closing %s closes %s",
			     d, r.period_text, mt);
	}
	if (!rc)
		rc = ft_contracts_load(store, &set, err);
	if (!rc && set.n == 0)
		rc = ft_error_set(
		    err, FT_ENOTFOUND,
		    "the ledger has no contracts: import them first ('fairtrack import "
		    "contracts DIR')");
	/* The base currency: receipts and the label's account are in it;
	 * each contract accounts in its own (settings.c). */
	if (!rc)
		rc = ft_ledger_base_currency(store, &set, r.base, NULL, err);
	if (rc)
		goto out;
	r.currency = r.base;
	rc = due_contracts(&r, &set);
	if (rc)
		goto out;
	run_copy_field(out->currency, sizeof(out->currency), r.currency);
	rc = load_previous(&r, &prev, &have_prev);
	if (!rc)
		rc = carried_currencies(&r);
	if (!rc)
		rc = convert_money_items(&r, set.items, have_prev ? &prev : NULL);
	if (!rc)
		rc = run_load_posted(&r);
	t0 = now_us();
	if (!rc)
		rc = run_read_usage(&r);
	for (k = SRC_SUSPENSE; !rc && k <= SRC_INCOME; k++)
		rc = run_read_rows(&r, (enum src_kind)k);
	if (!rc)
		rc = contract_rates(&r);
	if (!rc && r.missing_rates)
		rc = ft_error_set(
		    err, FT_ENOTFOUND,
		    "%s needs %zu exchange rate%s the ledger does not have: %s (add "
		    "'MONTH,FROM,TO,RATE' lines to an fx file and run 'fairtrack import "
		    "fx FILE')",
		    r.period_text, r.missing_rates, r.missing_rates > 1 ? "s" : "", r.missing_text);
	if (rc)
		goto out;
	memset(&in, 0, sizeof(in));
	in.period = r.span;
	in.windows = r.windows;
	in.hold_income = !r.all_due;
	in.currency = r.currency;
	in.fx = r.engine_fx;
	in.n_fx = r.n_engine_fx;
	in.contracts = set.items;
	in.n_contracts = set.n;
	in.lines = r.lines;
	in.n_lines = r.n_lines;
	in.previous = have_prev ? &prev : NULL;
	/* The engine carries each line's row id (source_id) and batch (tag);
	 * its entries go straight to royalty_lines (on_entry), so the run holds
	 * no entry array. */
	in.on_entry = run_on_entry;
	in.entry_ctx = &r;
	/* The royalty_lines of a large run do not fit SQLite's default page
	 * cache (2 MB): pages spill to the WAL and are read back through its
	 * index for every insert.  64 MB for the run (restored below). */
	rc = ft_store_exec(store, "PRAGMA cache_size = -65536", err);
	if (!rc)
		rc = line_writer_start(&r.lines_out, store, r.period_text, err);
	if (rc)
		goto out;
	t1 = now_us();
	out->us_read = t1 - t0;
	rc = ft_royalty_run(&res, &in, err);
	if (rc) {
		line_writer_abort(r.lines_out);
		r.lines_out = NULL;
	} else {
		rc = line_writer_finish(r.lines_out, err);
		r.lines_out = NULL;
	}
	t0 = now_us();
	out->us_engine = t0 - t1;
	if (rc)
		goto out;
	rc = ft_store_prepare(
	    store, &r.ins,
	    "INSERT INTO journal (period, posting, kind, account, currency, amount, "
	    "contract, payee, batch_id, source, source_id, note) VALUES (?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?)",
	    err);
	if (!rc)
		rc = store_run(&r, res);
	if (!rc)
		rc = run_post_all(&r, &in, res);
	if (!rc)
		rc = store_posted(&r);
	if (rc)
		goto out;
	/* The journal and the engine computed the label's share along different
	 * paths; they must agree to the unit (advances and costs are recouped
	 * by the label, so they count on the journal side only; so do the
	 * conversion remainders, kept off the label account). */
	engine_label = res->label_share;
	for (i = 0; i < res->n_statements; i++)
		if (!strcmp(res->statements[i].currency, r.currency))
			engine_label += res->statements[i].advances + res->statements[i].costs;
	if (engine_label != r.label_sum) {
		char a[FT_AMOUNT_STR_MAX], b[FT_AMOUNT_STR_MAX];

		ft_amount_format(a, sizeof(a), engine_label, 0);
		ft_amount_format(b, sizeof(b), r.label_sum, 0);
		rc =
		    ft_error_set(err, FT_ECONFLICT,
				 "internal: the journal's label share %s differs from the engine's "
				 "%s; nothing was written",
				 b, a);
		goto out;
	}
	t1 = now_us();
	out->us_post = t1 - t0;
	fill_summary(&r, res);
	frequency_notes(&r);
	if (out->late_lines > 20)
		run_add_note(out,
			     "… %zu adjustments in all (explain --journal lists them as 'late')",
			     out->late_lines);
	rc = ft_store_commit(store, err);
	out->us_commit = now_us() - t1;
out:
	if (rc)
		ft_store_rollback(store, NULL);
	ft_store_exec(store, "PRAGMA cache_size = -2000", NULL);
	ft_stmt_free(r.ins);
	line_writer_abort(r.lines_out);
	ft_stmt_free(r.q_release);
	ft_stmt_free(r.q_artist);
	ft_royalty_dict_free(r.dict);
	ft_royalty_cover_free(r.cover);
	ft_royalty_result_free(res);
	ft_royalty_state_clear(&prev);
	ft_contract_set_clear(&set);
	free(r.rows);
	free(r.lines);
	free(r.fx);
	free(r.engine_fx);
	free(r.batches);
	free(r.rgroups);
	free(r.open_ranges);
	free(r.ranges);
	free(r.closed_ranges);
	free(r.groups);
	free(r.group_shares);
	free(r.windows);
	free(r.by_account);
	free(r.deferred);
	free(r.context_ids);
	free(r.converted);
	free(r.unrun);
	free(r.marks);
	for (k = 0; k < 3; k++)
		free(r.posted_by_kind[k]);
	return rc;
}

void ft_run_summary_free(struct ft_run_summary *summary)
{
	if (!summary)
		return;
	free(summary->payees);
	free(summary->notes);
	summary->payees = NULL;
	summary->notes = NULL;
	summary->n_payees = summary->n_notes = 0;
}

int ft_run_close(struct ft_store *store, const struct ft_period *period, struct ft_error *err)
{
	char p[FT_PERIOD_STR_MAX], m[8], stamp[32], closed[40] = "";
	const char *args[2];
	int rc, i;

	ft_period_format(p, sizeof(p), period);
	ft_ledger_now(stamp);
	rc = ft_store_begin(store, err);
	if (rc)
		return rc;
	rc = query_text(store, "SELECT COALESCE(closed_at, '') FROM runs WHERE period = ?", p,
			closed, sizeof(closed), err);
	if (rc == 0)
		rc = ft_error_set(
		    err, FT_ENOTFOUND,
		    "%s has no run to close: run it first ('fairtrack run --period %s')", p, p);
	else if (rc == 1 && closed[0])
		rc = ft_error_set(err, FT_ECONFLICT, "%s is already closed (at %s)", p, closed);
	else if (rc == 1)
		rc = 0;
	for (i = 0; !rc && i < period->months; i++) {
		ft_month_format(m, period->first + i);
		args[0] = m;
		args[1] = stamp;
		rc = ft_ledger_exec_text(
		    store, "INSERT INTO closed_periods (month, closed_at) VALUES (?, ?)", args, 2,
		    err);
	}
	if (!rc) /* and the months no run covered that it took over */
		rc = unrun_adopt(store, p, stamp, err);
	args[0] = stamp;
	args[1] = p;
	if (!rc)
		rc = ft_ledger_exec_text(store, "UPDATE runs SET closed_at = ? WHERE period = ?",
					 args, 2, err);
	if (!rc)
		rc = ft_store_commit(store, err);
	if (rc)
		ft_store_rollback(store, NULL);
	return rc;
}
