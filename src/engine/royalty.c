/*
 * royalty.c — the royalty engine: one period, many contracts, pure.
 *
 * The run, in order (each step cites the rule of docs/ACCOUNTING.md):
 *   1. check the inputs and copy the previous state (it is never modified);
 *   2. put the lines in a canonical order, so escalations (the only
 *      order-sensitive step) give the same result whatever order the caller
 *      used;
 *   3. ACCT-9: allocate non-attributable income (this period's and the
 *      suspense carried in) to the partner's attributable lines, pro rata;
 *      with nothing to allocate to, it waits in suspense;
 *   4. per contract: ACCT-2 base, ACCT-3 rate and escalation tiers, the
 *      royalty, ACCT-4 payee shares (or ACCT-8 for the other types), then
 *      ACCT-5 advances and costs, ACCT-6 reserves withheld;
 *   5. per payee and account (ACCT-5 cross-collateralisation): releases of
 *      reserves, the balance, ACCT-7 payable rounded down;
 *   6. ACCT-10 unmatched usage to suspense, totals, and the conservation
 *      check — a run that does not conserve every unit fails.
 *
 * Contracts stated at different frequencies run together: each has its own
 * statement period in the run (input `windows`), which sets the advances
 * and costs it charges, its reserves' release and its last month run; a
 * contract not due is skipped and everything it owns carried untouched.
 *
 * Currencies: lines are in the run's currency (the ledger's base); a
 * contract in another currency is computed in its own, each entry's base
 * converted at its line's month rate (input fx, looked up once per contract
 * and month into a table, so the hot path pays one array read a line).  The
 * label's share stays in the run's currency: for such an entry the label
 * gives up the unconverted base × rate (entry label_royalty), so the
 * conservation identity holds per currency — in the run's currency as
 * always, and in each contract currency between its entries and its
 * statements.
 *
 * Accounts and contract states are found by linear search: a period has
 * hundreds of payees, not millions; lines (the large dimension) are only
 * sorted and walked.
 */
#include "fairtrack/royalty.h"
#include "fairtrack/textbuf.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 10^16 currency units, in 10^-12 units: 10^9 lines of it sum to 10^37,
 * inside 128 bits. */
#define AMOUNT_LIMIT ((ft_amount)10000000000000000LL * (ft_amount)1000000000000LL)
#define UNITS_LIMIT 1000000000000000LL
#define LINES_LIMIT 1000000000u

/* A line's track, or an empty one (no isrc, release or artist). */
static const struct ft_royalty_track no_track;

static inline const struct ft_royalty_track *track_of(const struct ft_royalty_line *l)
{
	return l->track ? l->track : &no_track;
}

/* Grow *arr (of *cap elements) to hold at least need; 0 or FT_ENOMEM. */
static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
	size_t cap2;
	void *p;

	if (need <= *cap)
		return 0;
	cap2 = *cap ? *cap * 2 : 16;
	while (cap2 < need)
		cap2 *= 2;
	p = realloc(*arr, cap2 * size);
	if (!p)
		return FT_ENOMEM;
	*arr = p;
	*cap = cap2;
	return 0;
}

/*
 * An index of (name, name) pairs — (payee, account), a contract id — to
 * positions in one of the run's arrays, so the state lookups stay O(1) with
 * 10k contracts and their payees (linear searches were a third of a large
 * run).  It keeps positions, not pointers: the arrays grow.
 */
enum pair_kind { PAIR_STATEMENT, PAIR_PREVIOUS, PAIR_NEXT_ACCOUNT, PAIR_CONTRACT };

struct pair_map {
	enum pair_kind kind;
	size_t *slot; /* position + 1; 0 empty */
	uint64_t *hash;
	size_t mask, n;
};

struct name_index {
	const char *name;
	size_t i;
};

struct run {
	const struct ft_royalty_input *in;
	struct name_index *by_id, *by_account; /* the contracts, sorted (index_contracts) */
	struct pair_map statements, previous, next_accounts, cstates;
	struct ft_royalty_result *res;
	struct ft_error *err;
	int minor_units;
	/* Per contract and month of the period (12 slots a contract): one unit
	 * of the run's currency in the contract's; FT_AMOUNT_ONE for a contract
	 * in the run's currency, 0 where no rate was given. */
	ft_amount *cfx;
	bool *foreign;	  /* per contract: accounts in another currency */
	size_t *cur_at;	  /* per contract in another currency: its cur_sums index */
	/* Per contract currency other than the run's: Σ entries' royalties and
	 * profit-split credits, checked against Σ its statements' royalties. */
	struct cur_sum {
		char currency[4];
		ft_amount lines, statements;
	} *cur_sums;
	size_t n_cur_sums, cap_cur_sums;
	/* The canonical order of the lines, computed only when ACCT-9 shares
	 * income (its largest-remainder split is the one other order-sensitive
	 * step); NULL otherwise.  Line indices are 32-bit (LINES_LIMIT): 20
	 * million lines make every per-line array count. */
	uint32_t *order;
	/* Which lines and allocations each contract may cover (cover_index):
	 * CSR lists, lines in the order the contract walks them. */
	size_t *line_at, *alloc_at, *allocs_of;
	uint32_t *lines_of;
	ft_amount entries_royalty; /* Σ label_royalty of every entry (kept or handed on) */
	ft_amount foreign_label;   /* Σ label_royalty of entries in other currencies */
	ft_amount *scratch;	   /* on_entry: one entry's shares */
	size_t cap_scratch;
	size_t cap_entries, cap_shares, cap_alloc, cap_stmt, cap_susp;
	size_t cap_accounts, cap_reserves, cap_cstate, cap_credits, cap_next_susp;
};

static int nomem(struct run *r)
{
	return ft_error_set(r->err, FT_ENOMEM, "out of memory computing royalties");
}

void ft_royalty_state_clear(struct ft_royalty_state *s)
{
	if (!s)
		return;
	free(s->accounts);
	free(s->reserves);
	free(s->contracts);
	free(s->credits);
	free(s->suspense);
	memset(s, 0, sizeof(*s));
}

void ft_royalty_result_free(struct ft_royalty_result *res)
{
	if (!res)
		return;
	free(res->entries);
	free(res->shares);
	free(res->allocations);
	free(res->statements);
	free(res->contracts);
	free(res->suspense);
	ft_royalty_state_clear(&res->next);
	free(res);
}

/* ---- ACCT-1 ----------------------------------------------------------------- */

int ft_royalty_receipts(ft_amount *gross, ft_amount *receipts, ft_amount *fee,
			ft_amount *remainder_e24, ft_amount revenue, ft_amount fx_rate,
			ft_amount fee_rate, struct ft_error *err)
{
	ft_amount g, f, rem;

	if (fx_rate <= 0 || fee_rate < 0 || fee_rate > FT_AMOUNT_ONE)
		return ft_error_set(err, FT_EINVAL,
				    "receipts: the exchange rate must be positive and the fee "
				    "between 0 and 100%%");
	/* ACCT-1: convert first, then take the distributor's fee off. */
	if (ft_amount_mul_ratio(&g, &rem, revenue, fx_rate) != 0 ||
	    ft_amount_mul_ratio(&f, NULL, g, fee_rate) != 0)
		return ft_error_set(err, FT_EOVERFLOW, "receipts: amount out of range");
	*gross = g;
	*fee = f;
	*receipts = g - f;
	if (remainder_e24)
		*remainder_e24 = rem;
	return 0;
}

/* ---- state lookup --------------------------------------------------------------- */

static void pair_key(const struct run *r, enum pair_kind kind, size_t i, const char **a,
		     const char **b)
{
	switch (kind) {
	case PAIR_STATEMENT:
		*a = r->res->statements[i].payee;
		*b = r->res->statements[i].account;
		break;
	case PAIR_PREVIOUS:
		*a = r->in->previous->accounts[i].payee;
		*b = r->in->previous->accounts[i].account;
		break;
	case PAIR_NEXT_ACCOUNT:
		*a = r->res->next.accounts[i].payee;
		*b = r->res->next.accounts[i].account;
		break;
	case PAIR_CONTRACT:
		*a = r->res->next.contracts[i].contract;
		*b = "";
		break;
	}
}

static uint64_t pair_hash(const char *a, const char *b)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *a; a++)
		h = (h ^ (unsigned char)*a) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (; *b; b++)
		h = (h ^ (unsigned char)*b) * 1099511628211ULL;
	return h;
}

/* The position of (a, b), or SIZE_MAX. */
static size_t pair_find(const struct run *r, const struct pair_map *m, const char *a, const char *b)
{
	uint64_t h;
	size_t i;

	if (!m->slot)
		return SIZE_MAX;
	h = pair_hash(a, b);
	for (i = (size_t)h & m->mask; m->slot[i]; i = (i + 1) & m->mask) {
		const char *ka, *kb;

		if (m->hash[i] != h)
			continue;
		pair_key(r, m->kind, m->slot[i] - 1, &ka, &kb);
		if (strcmp(ka, a) == 0 && strcmp(kb, b) == 0)
			return m->slot[i] - 1;
	}
	return SIZE_MAX;
}

/* Record position pos (its key is read from the array); 0 or FT_ENOMEM. */
static int pair_add(const struct run *r, struct pair_map *m, size_t pos)
{
	const char *a, *b;
	uint64_t h;
	size_t i;

	if (2 * (m->n + 1) > (m->slot ? m->mask + 1 : 0)) {
		size_t cap = m->slot ? 2 * (m->mask + 1) : 64, k;
		size_t *slot = calloc(cap, sizeof(*slot));
		uint64_t *hash = calloc(cap, sizeof(*hash));

		if (!slot || !hash) {
			free(slot);
			free(hash);
			return FT_ENOMEM;
		}
		for (k = 0; m->slot && k <= m->mask; k++) {
			if (!m->slot[k])
				continue;
			for (i = (size_t)m->hash[k] & (cap - 1); slot[i]; i = (i + 1) & (cap - 1))
				;
			slot[i] = m->slot[k];
			hash[i] = m->hash[k];
		}
		free(m->slot);
		free(m->hash);
		m->slot = slot;
		m->hash = hash;
		m->mask = cap - 1;
	}
	pair_key(r, m->kind, pos, &a, &b);
	h = pair_hash(a, b);
	for (i = (size_t)h & m->mask; m->slot[i]; i = (i + 1) & m->mask)
		;
	m->slot[i] = pos + 1;
	m->hash[i] = h;
	m->n++;
	return 0;
}

static void pair_free(struct pair_map *m)
{
	free(m->slot);
	free(m->hash);
	m->slot = NULL;
	m->hash = NULL;
}

static struct ft_royalty_contract_state *contract_state(struct run *r, const char *id)
{
	struct ft_royalty_state *s = &r->res->next;
	size_t i = pair_find(r, &r->cstates, id, "");

	if (i != SIZE_MAX)
		return &s->contracts[i];
	if (grow((void **)&s->contracts, &r->cap_cstate, s->n_contracts + 1, sizeof(*s->contracts)))
		return NULL;
	memset(&s->contracts[s->n_contracts], 0, sizeof(s->contracts[0]));
	snprintf(s->contracts[s->n_contracts].contract, FT_CONTRACT_ID_MAX, "%s", id);
	s->contracts[s->n_contracts].last_month = -1;
	if (pair_add(r, &r->cstates, s->n_contracts))
		return NULL;
	return &s->contracts[s->n_contracts++];
}

static struct ft_royalty_credit *credit_state(struct run *r, const char *contract,
					      const char *payee)
{
	struct ft_royalty_state *s = &r->res->next;
	size_t i;

	for (i = 0; i < s->n_credits; i++)
		if (strcmp(s->credits[i].contract, contract) == 0 &&
		    strcmp(s->credits[i].payee, payee) == 0)
			return &s->credits[i];
	if (grow((void **)&s->credits, &r->cap_credits, s->n_credits + 1, sizeof(*s->credits)))
		return NULL;
	memset(&s->credits[s->n_credits], 0, sizeof(s->credits[0]));
	snprintf(s->credits[s->n_credits].contract, FT_CONTRACT_ID_MAX, "%s", contract);
	snprintf(s->credits[s->n_credits].payee, FT_CONTRACT_ID_MAX, "%s", payee);
	return &s->credits[s->n_credits++];
}

static size_t name_lower(const struct name_index *a, size_t n, const char *name);

/* An account's currency: its contracts' (one per cross-collateral group,
 * index_contracts), or the run's for an account whose contract is gone. */
static const char *account_currency(const struct run *r, const char *account)
{
	size_t n = r->in->n_contracts, k = name_lower(r->by_account, n, account);

	if (k < n && strcmp(r->by_account[k].name, account) == 0)
		return r->in->contracts[r->by_account[k].i].currency;
	return r->in->currency;
}

/* The statement of (payee, account), created with the carried balance. */
static struct ft_royalty_statement *statement(struct run *r, const char *payee, const char *account)
{
	struct ft_royalty_result *res = r->res;
	const struct ft_royalty_state *prev = r->in->previous;
	struct ft_royalty_statement *st;
	size_t i = pair_find(r, &r->statements, payee, account);

	if (i != SIZE_MAX)
		return &res->statements[i];
	if (grow((void **)&res->statements, &r->cap_stmt, res->n_statements + 1,
		 sizeof(*res->statements)))
		return NULL;
	st = &res->statements[res->n_statements];
	memset(st, 0, sizeof(*st));
	snprintf(st->payee, sizeof(st->payee), "%s", payee);
	snprintf(st->account, sizeof(st->account), "%s", account);
	snprintf(st->currency, sizeof(st->currency), "%s", account_currency(r, account));
	if (pair_add(r, &r->statements, res->n_statements))
		return NULL;
	res->n_statements++;
	i = prev ? pair_find(r, &r->previous, payee, account) : SIZE_MAX;
	if (i != SIZE_MAX)
		st->opening = prev->accounts[i].balance;
	return st;
}

static const char *account_of(const struct ft_contract *c)
{
	/* ACCT-5: cross-collateralised contracts share one balance per payee. */
	return c->cross_collateral[0] ? c->cross_collateral : c->id;
}

/* The statement period contract ci is computed over; months == 0: not due. */
static struct ft_period window_of(const struct run *r, size_t ci)
{
	return r->in->windows ? r->in->windows[ci] : r->in->period;
}

/* Index of the input contract with this id, or -1. */
/* The first of the contracts sorted by `name` (by_id or by_account) with
 * that name, or n. */
static size_t name_lower(const struct name_index *a, size_t n, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(a[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static long contract_index(const struct run *r, const char *id)
{
	size_t n = r->in->n_contracts, k = name_lower(r->by_id, n, id);

	return k < n && strcmp(r->by_id[k].name, id) == 0 ? (long)r->by_id[k].i : -1;
}

/* An account whose contracts in the input are all not due is left alone:
 * no statement, its balance carried as it is (validation keeps the
 * contracts of a cross-collateral group at one frequency). */
static bool account_idle(const struct run *r, const char *account)
{
	size_t n = r->in->n_contracts, k;
	bool seen = false;

	for (k = name_lower(r->by_account, n, account);
	     k < n && strcmp(r->by_account[k].name, account) == 0; k++) {
		if (window_of(r, r->by_account[k].i).months > 0)
			return false;
		seen = true;
	}
	return seen;
}

static int cmp_name_index(const void *pa, const void *pb)
{
	const struct name_index *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	return c ? c : (a->i > b->i) - (a->i < b->i);
}

/* by_id and by_account: with 10k contracts and 20k accounts a linear
 * search per account was 2·10^8 string compares.  FT_EINVAL for a contract
 * id given twice. */
static int index_contracts(struct run *r)
{
	size_t i, n = r->in->n_contracts;

	r->by_id = malloc((n + 1) * sizeof(*r->by_id));
	r->by_account = malloc((n + 1) * sizeof(*r->by_account));
	if (!r->by_id || !r->by_account)
		return nomem(r);
	for (i = 0; i < n; i++) {
		r->by_id[i] = (struct name_index){r->in->contracts[i].id, i};
		r->by_account[i] = (struct name_index){account_of(&r->in->contracts[i]), i};
	}
	qsort(r->by_id, n, sizeof(*r->by_id), cmp_name_index);
	qsort(r->by_account, n, sizeof(*r->by_account), cmp_name_index);
	/* Sorted, a contract given twice is two neighbours (checking every pair
	 * was 5·10^7 compares at 10k contracts). */
	for (i = 1; i < n; i++)
		if (strcmp(r->by_id[i - 1].name, r->by_id[i].name) == 0)
			return ft_error_set(r->err, FT_EINVAL, "royalty run: contract '%s' given twice",
					    r->by_id[i].name);
	/* ACCT-5: one balance per payee and group needs one currency; the
	 * contracts of a group are neighbours here. */
	for (i = 1; i < n; i++) {
		const struct ft_contract *o = &r->in->contracts[r->by_account[i - 1].i];
		const struct ft_contract *c = &r->in->contracts[r->by_account[i].i];

		if (strcmp(r->by_account[i - 1].name, r->by_account[i].name) == 0 &&
		    strcmp(o->currency, c->currency) != 0)
			return ft_error_setloc(r->err, FT_EINVAL, c->file[0] ? c->file : NULL,
					       c->line, "currency",
					       "contracts %s (%s) and %s (%s) share the "
					       "cross_collateral group %s: one balance needs one "
					       "currency",
					       o->id, o->currency, c->id, c->currency,
					       c->cross_collateral);
	}
	return 0;
}

/* ---- deep copy of the previous state ------------------------------------------------- */

static int copy_state(struct run *r)
{
	const struct ft_royalty_state *p = r->in->previous;
	struct ft_royalty_state *s = &r->res->next;

	if (!p)
		return 0;
#define COPY(field, n, cap)                                                                        \
	do {                                                                                       \
		if (grow((void **)&s->field, &r->cap, p->n, sizeof(*p->field)))                    \
			return nomem(r);                                                           \
		if (p->n)                                                                          \
			memcpy(s->field, p->field, p->n * sizeof(*p->field));                      \
		s->n = p->n;                                                                       \
	} while (0)
	COPY(accounts, n_accounts, cap_accounts);
	COPY(reserves, n_reserves, cap_reserves);
	COPY(contracts, n_contracts, cap_cstate);
	COPY(credits, n_credits, cap_credits);
	COPY(suspense, n_suspense, cap_next_susp);
#undef COPY
	return 0;
}

/* The per-currency sums of a contract currency other than the run's. */
static struct cur_sum *cur_sum(struct run *r, const char *currency)
{
	size_t i;

	for (i = 0; i < r->n_cur_sums; i++)
		if (strcmp(r->cur_sums[i].currency, currency) == 0)
			return &r->cur_sums[i];
	if (grow((void **)&r->cur_sums, &r->cap_cur_sums, r->n_cur_sums + 1,
		 sizeof(*r->cur_sums)))
		return NULL;
	memset(&r->cur_sums[r->n_cur_sums], 0, sizeof(r->cur_sums[0]));
	snprintf(r->cur_sums[r->n_cur_sums].currency, 4, "%s", currency);
	return &r->cur_sums[r->n_cur_sums++];
}

/* ---- input checks ----------------------------------------------------------------------- */

static int no_rate(struct run *r, size_t ci, int month)
{
	const struct ft_contract *c = &r->in->contracts[ci];
	char m[8];

	ft_month_format(m, month);
	return ft_error_set(r->err, FT_ENOTFOUND,
			    "contract '%s' accounts in %s: no exchange rate %s→%s for %s", c->id,
			    c->currency, r->in->currency, c->currency, m);
}

/* The rates of contract ci into r->cfx (one unit of the run's currency in
 * the contract's): every month of the run's period that fx has, and every
 * month of the contract's statement period required (a line of another
 * month — late, or an ACCT-9 context target — needs its own month's, asked
 * when it comes: no_rate). */
static int contract_rates(struct run *r, size_t ci)
{
	const struct ft_royalty_input *in = r->in;
	const struct ft_contract *c = &in->contracts[ci];
	struct ft_period w = in->windows ? in->windows[ci] : in->period;
	ft_amount *slot = r->cfx + ci * 12;
	int m, k;
	size_t j;

	if (strcmp(c->currency, in->currency) == 0) {
		for (k = 0; k < 12; k++)
			slot[k] = FT_AMOUNT_ONE;
		return 0;
	}
	r->foreign[ci] = true;
	/* its per-currency sums, found once here rather than per entry */
	if (!cur_sum(r, c->currency))
		return nomem(r);
	for (j = 0; strcmp(r->cur_sums[j].currency, c->currency) != 0; j++)
		;
	r->cur_at[ci] = j;
	if (ft_currency_minor_units(c->currency) < 0)
		return ft_error_setloc(r->err, FT_EINVAL, c->file[0] ? c->file : NULL, c->line,
				       "currency", "contract '%s': '%s' is not a currency", c->id,
				       c->currency);
	for (j = 0; j < in->n_fx; j++) {
		m = in->fx[j].month;
		if (ft_period_contains(&in->period, m) && in->fx[j].rate > 0 &&
		    strcmp(in->fx[j].currency, c->currency) == 0)
			slot[m - in->period.first] = in->fx[j].rate;
	}
	for (m = w.first; w.months > 0 && m < w.first + w.months; m++)
		if (ft_period_contains(&in->period, m) && slot[m - in->period.first] <= 0)
			return no_rate(r, ci, m);
	return 0;
}

static int check_inputs(struct run *r)
{
	const struct ft_royalty_input *in = r->in;
	size_t i;
	int rc;

	if (!in->currency || ft_currency_minor_units(in->currency) < 0)
		return ft_error_set(r->err, FT_EUSAGE, "royalty run: no valid accounting currency");
	r->minor_units = ft_currency_minor_units(in->currency);
	if (in->period.months < 1 || in->period.months > 12)
		return ft_error_set(r->err, FT_EUSAGE, "royalty run: no valid period");
	r->cfx = calloc(in->n_contracts * 12 + 1, sizeof(*r->cfx));
	r->foreign = calloc(in->n_contracts + 1, sizeof(*r->foreign));
	r->cur_at = calloc(in->n_contracts + 1, sizeof(*r->cur_at));
	if (!r->cfx || !r->foreign || !r->cur_at)
		return nomem(r);
	if (in->n_lines > LINES_LIMIT)
		return ft_error_set(r->err, FT_EINVAL,
				    "royalty run: %zu lines is more than one run takes (%u)",
				    in->n_lines, LINES_LIMIT);
	for (i = 0; i < in->n_contracts; i++) {
		const struct ft_contract *c = &in->contracts[i];

		rc = ft_contract_validate(c, r->err);
		if (rc)
			return rc;
		rc = contract_rates(r, i);
		if (rc)
			return rc;
		if (in->windows && in->windows[i].months != 0 &&
		    (in->windows[i].months < 1 || in->windows[i].months > in->period.months ||
		     in->windows[i].first < in->period.first ||
		     in->windows[i].first + in->windows[i].months !=
			 in->period.first + in->period.months))
			return ft_error_set(r->err, FT_EINVAL,
					    "royalty run: the statement period of contract '%s' "
					    "is not inside the run's period, ending with it",
					    c->id);
	}
	for (i = 0; i < in->n_lines; i++) {
		const struct ft_royalty_line *l = &in->lines[i];

		if (!ft_period_contains(&in->period, l->month))
			return ft_error_set(r->err, FT_EINVAL,
					    "royalty line %zu (source %lld): its month is outside "
					    "the period",
					    i + 1, (long long)l->source_id);
		if (l->receipts > AMOUNT_LIMIT || l->receipts < -AMOUNT_LIMIT ||
		    l->gross > AMOUNT_LIMIT || l->gross < -AMOUNT_LIMIT || l->units > UNITS_LIMIT ||
		    l->units < -UNITS_LIMIT)
			return ft_error_set(r->err, FT_EINVAL,
					    "royalty line %zu (source %lld): amount or units out "
					    "of range",
					    i + 1, (long long)l->source_id);
		if ((l->context && (l->non_attributable || !track_of(l)->isrc[0])) ||
		    (l->non_attributable && in->hold_income))
			return ft_error_set(r->err, FT_EINVAL,
					    "royalty line %zu (source %lld): a context line must "
					    "be attributable, and income cannot come when it is "
					    "held",
					    i + 1, (long long)l->source_id);
		if (l->non_attributable && track_of(l)->isrc[0])
			return ft_error_set(r->err, FT_EINVAL,
					    "royalty line %zu (source %lld): non-attributable "
					    "income cannot name a track (%s)",
					    i + 1, (long long)l->source_id, track_of(l)->isrc);
		if (!l->channel)
			return ft_error_set(r->err, FT_EINVAL, "royalty line %zu: no channel",
					    i + 1);
	}
	return 0;
}

/* ---- canonical order ------------------------------------------------------------------------ */

static int cmp_amount(ft_amount a, ft_amount b)
{
	return (a > b) - (a < b);
}

/* A total order on every field that matters; lines equal under it are
 * interchangeable, so any order of them gives the same figures. */
static int compare_lines(const struct ft_royalty_line *a, const struct ft_royalty_line *b)
{
	int c;

	if (a->month != b->month)
		return a->month < b->month ? -1 : 1;
	if ((c = strcmp(track_of(a)->isrc, track_of(b)->isrc)) ||
	    (c = strcmp(a->channel->territory, b->channel->territory)) ||
	    (c = strcmp(a->channel->commercial_model, b->channel->commercial_model)) ||
	    (c = strcmp(a->channel->use_type, b->channel->use_type)) ||
	    (c = strcmp(track_of(a)->release_format, track_of(b)->release_format)) ||
	    (c = strcmp(a->channel->partner, b->channel->partner)) ||
	    (c = strcmp(track_of(a)->gtin14, track_of(b)->gtin14)) ||
	    (c = strcmp(track_of(a)->artist, track_of(b)->artist)))
		return c;
	if (a->non_attributable != b->non_attributable)
		return a->non_attributable ? 1 : -1;
	if (a->units != b->units)
		return a->units < b->units ? -1 : 1;
	if ((c = cmp_amount(a->receipts, b->receipts)))
		return c;
	return cmp_amount(a->gross, b->gross);
}

/* A merge sort over indices: qsort would need the lines in a global (C11
 * qsort has no context argument) and the engine must stay reentrant. */
static void sort_indices(uint32_t *idx, uint32_t *tmp, size_t n,
			 const struct ft_royalty_line *lines)
{
	size_t mid = n / 2, i = 0, j = n / 2, k = 0;

	if (n < 2)
		return;
	sort_indices(idx, tmp, mid, lines);
	sort_indices(idx + mid, tmp, n - mid, lines);
	while (i < mid && j < n)
		tmp[k++] = compare_lines(&lines[idx[i]], &lines[idx[j]]) <= 0 ? idx[i++] : idx[j++];
	while (i < mid)
		tmp[k++] = idx[i++];
	while (j < n)
		tmp[k++] = idx[j++];
	memcpy(idx, tmp, n * sizeof(*idx));
}

/* ---- suspense ----------------------------------------------------------------------------------
 */

static int add_suspense(struct ft_royalty_suspense **arr, size_t *n, size_t *cap,
			enum ft_suspense_kind kind, const char *partner, int since,
			ft_amount amount)
{
	struct ft_royalty_suspense *s;
	size_t i;

	for (i = 0; i < *n; i++) {
		s = &(*arr)[i];
		if (s->kind == kind && strcmp(s->partner, partner) == 0) {
			s->amount += amount;
			if (since < s->since_month)
				s->since_month = since;
			return 0;
		}
	}
	if (grow((void **)arr, cap, *n + 1, sizeof(**arr)))
		return FT_ENOMEM;
	s = &(*arr)[(*n)++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	snprintf(s->partner, sizeof(s->partner), "%s", partner);
	snprintf(s->name, sizeof(s->name), "suspense:%s:%s",
		 kind == FT_SUSPENSE_NON_ATTRIBUTABLE ? "non-attributable" : "unmatched",
		 partner[0] ? partner : "unknown-partner");
	s->since_month = since;
	s->amount = amount;
	return 0;
}

/* ---- ACCT-9: non-attributable income ------------------------------------------------------------
 */

/*
 * Give `receipts` (and `gross`) from partner to that partner's attributable
 * lines of the period, pro rata to their receipts (refunds weigh nothing).
 * *done is false when there is nothing to allocate to.
 */
static int allocate_one(struct run *r, const char *partner, ft_amount receipts, ft_amount gross,
			long source_line, long source_suspense, bool *done)
{
	const struct ft_royalty_input *in = r->in;
	struct ft_royalty_result *res = r->res;
	size_t *targets = NULL, n = 0, k, i;
	ft_amount *weights = NULL, *parts = NULL, *gparts = NULL, total = 0;
	int rc = 0;

	*done = false;
	targets = malloc((in->n_lines + 1) * sizeof(*targets));
	weights = malloc((in->n_lines + 1) * sizeof(*weights));
	parts = malloc((in->n_lines + 1) * sizeof(*parts));
	gparts = malloc((in->n_lines + 1) * sizeof(*gparts));
	if (!targets || !weights || !parts || !gparts) {
		rc = nomem(r);
		goto out;
	}
	for (k = 0; k < in->n_lines; k++) {
		const struct ft_royalty_line *l = &in->lines[r->order[k]];

		if (l->non_attributable || !track_of(l)->isrc[0] ||
		    strcmp(l->channel->partner, partner) != 0 || l->receipts <= 0)
			continue;
		targets[n] = r->order[k];
		weights[n] = l->receipts;
		total += l->receipts;
		n++;
	}
	if (n == 0 || total == 0)
		goto out; /* ACCT-9: waits in suspense */
	/* ACCT-9: exact pro-rata split, largest remainder. */
	rc = ft_amount_split(parts, receipts, weights, n, r->err);
	if (!rc)
		rc = ft_amount_split(gparts, gross, weights, n, r->err);
	if (rc)
		goto out;
	if (grow((void **)&res->allocations, &r->cap_alloc, res->n_allocations + n,
		 sizeof(*res->allocations))) {
		rc = nomem(r);
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct ft_royalty_allocation *a = &res->allocations[res->n_allocations++];

		a->source_line = source_line;
		a->source_suspense = source_suspense;
		a->target_line = targets[i];
		a->weight = weights[i];
		a->receipts = parts[i];
		a->gross = gparts[i];
	}
	*done = true;
out:
	free(targets);
	free(weights);
	free(parts);
	free(gparts);
	return rc;
}

static int allocate_non_attributable(struct run *r)
{
	const struct ft_royalty_input *in = r->in;
	const struct ft_royalty_state *prev = in->previous;
	struct ft_royalty_state *next = &r->res->next;
	struct ft_royalty_suspense *keep = NULL;
	size_t n_keep = 0, cap_keep = 0, k;
	bool done;
	int rc = 0;

	if (in->hold_income || !r->order)
		return 0; /* carried suspense stays in next as copied (none without order) */
	for (k = 0; prev && k < prev->n_suspense; k++) {
		const struct ft_royalty_suspense *s = &prev->suspense[k];

		rc = allocate_one(r, s->partner, s->amount, s->amount, -1, (long)k, &done);
		if (rc)
			goto out;
		if (!done && add_suspense(&keep, &n_keep, &cap_keep, s->kind, s->partner,
					  s->since_month, s->amount)) {
			rc = nomem(r);
			goto out;
		}
	}
	for (k = 0; k < in->n_lines; k++) {
		const struct ft_royalty_line *l = &in->lines[r->order[k]];

		if (!l->non_attributable)
			continue;
		rc = allocate_one(r, l->channel->partner, l->receipts, l->gross, (long)r->order[k],
				  -1, &done);
		if (rc)
			goto out;
		if (!done && add_suspense(&keep, &n_keep, &cap_keep, FT_SUSPENSE_NON_ATTRIBUTABLE,
					  l->channel->partner, in->period.first, l->receipts)) {
			rc = nomem(r);
			goto out;
		}
	}
	free(next->suspense);
	next->suspense = keep;
	next->n_suspense = n_keep;
	r->cap_next_susp = cap_keep;
	keep = NULL;
out:
	free(keep);
	return rc;
}

/* ---- which contract covers which line
 * ------------------------------------------------------------ */

/*
 * A contract covers a line only when one of its scope keys (a track's ISRC,
 * a release's GTIN, an artist) is the line's, so instead of asking every
 * contract about every line (10k contracts × millions of lines), the scope
 * keys go into one hash table and each line asks for its three keys.  The
 * candidates are then checked with ft_contract_covers as before, so the
 * result is exactly the same; each contract gets its lines in the order it
 * walked them before (canonical with escalations, input order otherwise).
 */
struct key_slot {
	const char *key;
	char kind; /* 'T' track, 'R' release, 'A' artist */
	long head; /* first contract of the chain, -1 empty */
};

struct key_index {
	struct key_slot *slots;
	size_t mask;
	long *next;	  /* per (contract, key) node: next node */
	size_t *contract; /* per node: its contract */
	size_t n_nodes;
};

static uint64_t key_hash(char kind, const char *key)
{
	uint64_t h = 1469598103934665603ULL ^ (unsigned char)kind;

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ULL;
	return h;
}

static struct key_slot *key_find(const struct key_index *ix, char kind, const char *key)
{
	size_t i = (size_t)key_hash(kind, key) & ix->mask;

	while (ix->slots[i].key &&
	       (ix->slots[i].kind != kind || strcmp(ix->slots[i].key, key) != 0))
		i = (i + 1) & ix->mask;
	return &ix->slots[i];
}

static void key_add(struct key_index *ix, char kind, const char *key, size_t contract)
{
	struct key_slot *s = key_find(ix, kind, key);
	size_t n = ix->n_nodes++;

	if (!s->key) {
		s->key = key;
		s->kind = kind;
		s->head = -1;
	}
	ix->contract[n] = contract;
	ix->next[n] = s->head;
	s->head = (long)n;
}

/* Candidate contracts of a line, through its three keys (deduplicated);
 * cap + 1 when there are more than cap. */
static size_t track_keys_candidates(const struct key_index *ix, const struct ft_royalty_track *t,
				    size_t *out, size_t cap)
{
	const char kinds[3] = {'T', 'R', 'A'};
	const char *keys[3] = {t->isrc, t->gtin14, t->artist};
	size_t n = 0, j;
	int k;

	for (k = 0; k < 3; k++) {
		const struct key_slot *s;
		long node;

		if (!keys[k][0])
			continue;
		s = key_find(ix, kinds[k], keys[k]);
		for (node = s->key ? s->head : -1; node >= 0; node = ix->next[node]) {
			size_t c = ix->contract[node];

			for (j = 0; j < n && out[j] != c; j++)
				;
			if (j == n && n == cap)
				return cap + 1;
			if (j == n)
				out[n++] = c;
		}
	}
	return n;
}

/*
 * The candidates of a track, memoised by its address: lines share their
 * track (ft_royalty_dict), so 20 million lines of 100,000 tracks ask the
 * key index 100,000 times, not 60 million.
 */
struct track_memo {
	const struct ft_royalty_track **key; /* NULL: empty slot */
	size_t *at, *n;			     /* into cands */
	size_t mask, used;
	size_t *cands;
	size_t n_cands, cap_cands;
};

static uint64_t ptr_hash(const void *p)
{
	uint64_t x = (uint64_t)(uintptr_t)p;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static int memo_grow(struct track_memo *m)
{
	struct track_memo g = *m;
	size_t i;

	g.mask = m->mask ? m->mask * 2 + 1 : 1023;
	g.key = calloc(g.mask + 1, sizeof(*g.key));
	g.at = malloc((g.mask + 1) * sizeof(*g.at));
	g.n = malloc((g.mask + 1) * sizeof(*g.n));
	if (!g.key || !g.at || !g.n) {
		free(g.key);
		free(g.at);
		free(g.n);
		return FT_ENOMEM;
	}
	for (i = 0; m->key && i <= m->mask; i++) {
		size_t j;

		if (!m->key[i])
			continue;
		for (j = (size_t)ptr_hash(m->key[i]) & g.mask; g.key[j]; j = (j + 1) & g.mask)
			;
		g.key[j] = m->key[i];
		g.at[j] = m->at[i];
		g.n[j] = m->n[i];
	}
	free(m->key);
	free(m->at);
	free(m->n);
	*m = g;
	return 0;
}

struct ft_royalty_cover {
	struct key_index ix;
	struct track_memo memo;
};

void ft_royalty_cover_free(struct ft_royalty_cover *cov)
{
	if (!cov)
		return;
	free(cov->ix.slots);
	free(cov->ix.next);
	free(cov->ix.contract);
	free(cov->memo.key);
	free(cov->memo.at);
	free(cov->memo.n);
	free(cov->memo.cands);
	free(cov);
}

int ft_royalty_cover_new(struct ft_royalty_cover **out, const struct ft_contract *contracts,
			 size_t n, const struct ft_period *windows, struct ft_error *err)
{
	struct ft_royalty_cover *cov = calloc(1, sizeof(*cov));
	struct key_index *ix;
	size_t nkeys = 0, i, k;

	*out = NULL;
	if (!cov)
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	ix = &cov->ix;
	for (i = 0; i < n; i++)
		nkeys += contracts[i].scope.n_tracks + contracts[i].scope.n_releases +
			 contracts[i].scope.n_artists;
	for (ix->mask = 15; ix->mask + 1 < 2 * nkeys + 2; ix->mask = ix->mask * 2 + 1)
		;
	ix->slots = calloc(ix->mask + 1, sizeof(*ix->slots));
	ix->next = malloc((nkeys + 1) * sizeof(*ix->next));
	ix->contract = malloc((nkeys + 1) * sizeof(*ix->contract));
	if (!ix->slots || !ix->next || !ix->contract) {
		ft_royalty_cover_free(cov);
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		const struct ft_contract_scope *sc = &contracts[i].scope;

		if (windows && windows[i].months == 0)
			continue; /* not due: covers nothing in this run */
		for (k = 0; k < sc->n_tracks; k++)
			key_add(ix, 'T', sc->tracks[k], i);
		for (k = 0; k < sc->n_releases; k++)
			key_add(ix, 'R', sc->releases[k], i);
		for (k = 0; k < sc->n_artists; k++)
			key_add(ix, 'A', sc->artists[k], i);
	}
	*out = cov;
	return 0;
}

int ft_royalty_cover_candidates(struct ft_royalty_cover *cov, const struct ft_royalty_track *t,
				const size_t **out, size_t *n_out, struct ft_error *err)
{
	struct track_memo *m = &cov->memo;
	size_t i, n, cand[64];

	if ((m->used + 1) * 2 > m->mask + 1 && memo_grow(m))
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	for (i = (size_t)ptr_hash(t) & m->mask; m->key[i]; i = (i + 1) & m->mask)
		if (m->key[i] == t) {
			*out = m->cands + m->at[i];
			*n_out = m->n[i];
			return 0;
		}
	n = track_keys_candidates(&cov->ix, t, cand, 64);
	if (n > 64)
		return ft_error_set(err, FT_EINVAL, "track %s: more than 64 contracts claim it",
				    t->isrc);
	if (grow((void **)&m->cands, &m->cap_cands, m->n_cands + n + 1, sizeof(*m->cands)))
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	memcpy(m->cands + m->n_cands, cand, n * sizeof(*cand));
	m->key[i] = t;
	m->at[i] = m->n_cands;
	m->n[i] = n;
	m->used++;
	m->n_cands += n;
	*out = m->cands + m->at[i];
	*n_out = n;
	return 0;
}

/* Per-contract counts in at[0..n) become where each contract's list starts
 * (CSR), at[n] the total, which is returned; fill gets the starts too. */
static size_t counts_to_starts(size_t *at, size_t *fill, size_t n)
{
	size_t total = 0, c;

	for (c = 0; c < n; c++) {
		size_t k = at[c];

		at[c] = total;
		fill[c] = total;
		total += k;
	}
	at[n] = total;
	return total;
}

/* Fill line_at/lines_of (and alloc_at/allocs_of) by counting, then placing. */
static int cover_index(struct run *r)
{
	const struct ft_royalty_input *in = r->in;
	const struct ft_royalty_result *res = r->res;
	struct ft_royalty_cover *cov = NULL;
	size_t i, k, pass, *fill = NULL;
	int rc;

	rc = ft_royalty_cover_new(&cov, in->contracts, in->n_contracts, in->windows, r->err);
	if (rc)
		return rc;
	r->line_at = calloc(in->n_contracts + 1, sizeof(*r->line_at));
	r->alloc_at = calloc(in->n_contracts + 1, sizeof(*r->alloc_at));
	fill = calloc(in->n_contracts + 1, sizeof(*fill));
	if (!r->line_at || !r->alloc_at || !fill) {
		rc = nomem(r);
		goto out;
	}
	/* Lines: pass 0 counts, pass 1 places (into lines_of), in input order. */
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			size_t total = counts_to_starts(r->line_at, fill, in->n_contracts);

			r->lines_of = malloc((total + 1) * sizeof(*r->lines_of));
			if (!r->lines_of) {
				rc = nomem(r);
				goto out;
			}
		}
		for (k = 0; k < in->n_lines; k++) {
			const struct ft_royalty_line *l = &in->lines[k];
			const size_t *cands;
			size_t n, j;

			if (l->non_attributable || l->context || !track_of(l)->isrc[0])
				continue;
			rc = ft_royalty_cover_candidates(cov, l->track, &cands, &n, r->err);
			if (rc)
				goto out;
			for (j = 0; j < n; j++) {
				/* a candidate shares a scope key with the track:
				 * only its dates and territories are left to ask */
				if (!ft_contract_covers_when(&in->contracts[cands[j]],
							     l->channel->territory, l->month))
					continue;
				if (pass == 0)
					r->line_at[cands[j]]++;
				else
					r->lines_of[fill[cands[j]]++] = (uint32_t)k;
			}
		}
	}
	/* Contracts with escalations walk their lines in the canonical order
	 * (ACCT-3: the only order-dependent rule); sorting each one's own lines
	 * gives that order without sorting millions of lines no escalation
	 * needs.  The others keep the input order, which gives the same figures. */
	for (i = 0; i < in->n_contracts; i++) {
		size_t n = r->line_at[i + 1] - r->line_at[i];
		uint32_t *tmp;

		if (in->contracts[i].n_escalations == 0 || n < 2)
			continue;
		tmp = malloc(n * sizeof(*tmp));
		if (!tmp) {
			rc = nomem(r);
			goto out;
		}
		sort_indices(r->lines_of + r->line_at[i], tmp, n, in->lines);
		free(tmp);
	}
	/* Allocations, in their order. */
	memset(fill, 0, (in->n_contracts + 1) * sizeof(*fill));
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			size_t total = counts_to_starts(r->alloc_at, fill, in->n_contracts);

			r->allocs_of = malloc((total + 1) * sizeof(*r->allocs_of));
			if (!r->allocs_of) {
				rc = nomem(r);
				goto out;
			}
		}
		for (k = 0; k < res->n_allocations; k++) {
			const struct ft_royalty_line *l =
			    &in->lines[res->allocations[k].target_line];
			const size_t *cands;
			size_t n, j;

			rc = ft_royalty_cover_candidates(cov, l->track, &cands, &n, r->err);
			if (rc)
				goto out;
			for (j = 0; j < n; j++) {
				/* a candidate shares a scope key with the track:
				 * only its dates and territories are left to ask */
				if (!ft_contract_covers_when(&in->contracts[cands[j]],
							     l->channel->territory, l->month))
					continue;
				if (pass == 0)
					r->alloc_at[cands[j]]++;
				else
					r->allocs_of[fill[cands[j]]++] = k;
			}
		}
	}
out:
	ft_royalty_cover_free(cov);
	free(fill);
	return rc;
}

/* ---- per contract
 * --------------------------------------------------------------------------------- */

struct payee_sums {
	ft_amount *royalties, *advances, *costs;
	const ft_amount *weights;
};

/* One unit of the run's currency in contract ci's, for a line's month. */
static inline ft_amount line_fx(const struct run *r, size_t ci, const struct ft_royalty_line *l)
{
	return r->cfx[ci * 12 + (size_t)(l->month - r->in->period.first)];
}

static int add_entry(struct run *r, size_t ci, size_t line, long alloc, int rule, int tier,
		     int64_t units, ft_amount base, ft_amount rate, ft_amount fx,
		     struct payee_sums *ps)
{
	const struct ft_contract *c = &r->in->contracts[ci];
	struct ft_royalty_result *res = r->res;
	struct ft_royalty_entry one, *e = &one;
	ft_amount check = 0, *shares;
	size_t i;
	int rc;

	if (r->in->on_entry) {
		if (grow((void **)&r->scratch, &r->cap_scratch, c->n_payees, sizeof(*r->scratch)))
			return nomem(r);
		shares = r->scratch;
	} else {
		if (grow((void **)&res->entries, &r->cap_entries, res->n_entries + 1,
			 sizeof(*res->entries)) ||
		    grow((void **)&res->shares, &r->cap_shares, res->n_shares + c->n_payees,
			 sizeof(*res->shares)))
			return nomem(r);
		e = &res->entries[res->n_entries++];
		shares = res->shares + res->n_shares;
	}
	memset(e, 0, sizeof(*e));
	e->line = line;
	e->allocation = alloc;
	e->contract = ci;
	e->rule = rule;
	e->escalation = tier - 1;
	e->units = units;
	e->base = base;
	e->rate = rate;
	e->fx_rate = fx;
	if (fx <= 0)
		return no_rate(r, ci, r->in->lines[line].month);
	/* DESIGN rule 1: a contract in another currency gets the line's base
	 * converted, exactly (rounded down to 10^-12), with the rate kept. */
	if (fx != FT_AMOUNT_ONE && ft_amount_mul_ratio(&e->base, NULL, base, fx) != 0)
		return ft_error_set(r->err, FT_EOVERFLOW, "base out of range on line %zu",
				    line + 1);
	/* ACCT-3: royalty = base × rate, rounded down to 10^-12; the cut
	 * (below one unit) stays with the label and is recorded. */
	rc = ft_amount_mul_ratio(&e->royalty, &e->remainder, e->base, rate);
	if (rc)
		return ft_error_set(r->err, rc, "royalty out of range on line %zu", line + 1);
	e->label_royalty = e->royalty;
	if (fx != FT_AMOUNT_ONE) {
		/* What the label gives up, in its own currency: the same
		 * product on the unconverted base, so its share stays exact. */
		ft_amount cut;
		struct cur_sum *cs = &r->cur_sums[r->cur_at[ci]];

		rc = ft_amount_mul_ratio(&e->label_royalty, &cut, base, rate);
		if (rc)
			return ft_error_set(r->err, rc, "royalty out of range on line %zu",
					    line + 1);
		res->remainder_e24 += cut;
		cs->lines += e->royalty;
		r->foreign_label += e->label_royalty;
	} else {
		res->remainder_e24 += e->remainder;
	}
	r->entries_royalty += e->label_royalty;
	/* ACCT-4: each payee gets royalty × share, summing exactly. */
	e->shares_at = r->in->on_entry ? 0 : res->n_shares;
	rc = ft_amount_split(shares, e->royalty, ps->weights, c->n_payees, r->err);
	if (rc)
		return rc;
	if (!r->in->on_entry)
		res->n_shares += c->n_payees;
	for (i = 0; i < c->n_payees; i++) {
		check += shares[i];
		ps->royalties[i] += shares[i];
	}
	if (check != e->royalty)
		return ft_error_set(r->err, FT_ECONFLICT,
				    "internal: payee shares do not sum to the royalty (line %zu)",
				    line + 1);
	res->contracts[ci].base += e->base;
	if (r->in->on_entry)
		return r->in->on_entry(r->in->entry_ctx, e, shares,
				       alloc >= 0 ? &res->allocations[alloc] : NULL, r->err);
	return 0;
}

int ft_royalty_payee_shares(ft_amount *out, const struct ft_contract *c, ft_amount royalty,
			    struct ft_error *err)
{
	ft_amount small[16], *weights = small;
	size_t i;
	int rc;

	if (c->n_payees == 0)
		return ft_error_set(err, FT_EINVAL, "contract '%s' has no payees", c->id);
	if (c->n_payees > 16 && !(weights = malloc(c->n_payees * sizeof(*weights))))
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	for (i = 0; i < c->n_payees; i++)
		weights[i] = c->payees[i].share;
	rc = ft_amount_split(out, royalty, weights, c->n_payees, err);
	if (weights != small)
		free(weights);
	return rc;
}

/* ACCT-3: the tier of the next unit after `cum` units: thresholds passed. */
static int tier_at(const struct ft_contract *c, int64_t cum)
{
	int t = 0;

	while ((size_t)t < c->n_escalations && c->escalations[t].units <= cum)
		t++;
	return t;
}

static int add_usage(struct run *r, size_t ci, size_t line, long alloc, int64_t units,
		     ft_amount receipts, ft_amount gross, int64_t *cum, struct payee_sums *ps)
{
	const struct ft_contract *c = &r->in->contracts[ci];
	const struct ft_royalty_line *l = &r->in->lines[line];
	ft_amount base, rate = 0, weights[16], parts[16];
	int64_t counts[16];
	int rule = -1, tiers, t, rc;

	/* ACCT-2: net receipts (default) or gross. */
	base = c->base == FT_BASE_GROSS ? gross : receipts;
	switch (c->type) {
	case FT_CONTRACT_ROYALTY:
	case FT_CONTRACT_LICENSE:
		rule = ft_contract_match_rule(c, l->channel->use_type, l->channel->commercial_model,
					      l->channel->territory, track_of(l)->release_format);
		if (rule < 0)
			return ft_error_set(r->err, FT_EINVAL,
					    "contract '%s': no rate matches line %zu", c->id,
					    line + 1);
		rate = c->rules[rule].rate;
		break;
	case FT_CONTRACT_DISTRIBUTION:
		rate = FT_AMOUNT_ONE - c->fee; /* ACCT-8: the owner gets receipts × (1 − fee) */
		break;
	case FT_CONTRACT_PROFIT_SPLIT:
		/* ACCT-8: receipts feed the contract's cumulative profit; the
		 * payees' credits are computed once per period. */
		rate = 0;
		break;
	}
	if (c->n_escalations == 0 || units <= 0) {
		t = tier_at(c, *cum);
		rc = add_entry(r, ci, line, alloc, rule, t, units, base,
			       rate + (t ? c->escalations[t - 1].add : 0), line_fx(r, ci, l), ps);
		*cum += units;
		return rc;
	}
	/* ACCT-3: only the units past a threshold earn the higher rate; the
	 * base is split across the tiers exactly, in proportion to units. */
	tiers = (int)c->n_escalations + 1;
	if (tiers > 16)
		return ft_error_set(r->err, FT_EINVAL, "contract '%s': more than 15 escalations",
				    c->id);
	for (t = 0; t < tiers; t++) {
		int64_t lo = t == 0 ? INT64_MIN : c->escalations[t - 1].units;
		int64_t hi = t == tiers - 1 ? INT64_MAX : c->escalations[t].units;
		int64_t from = *cum > lo ? *cum : lo, to = *cum + units < hi ? *cum + units : hi;

		counts[t] = to > from ? to - from : 0;
		weights[t] = counts[t];
	}
	rc = ft_amount_split(parts, base, weights, (size_t)tiers, r->err);
	if (rc)
		return rc;
	for (t = 0; t < tiers; t++) {
		if (counts[t] == 0)
			continue;
		rc = add_entry(r, ci, line, alloc, rule, t, counts[t], parts[t],
			       rate + (t ? c->escalations[t - 1].add : 0), line_fx(r, ci, l), ps);
		if (rc)
			return rc;
	}
	*cum += units;
	return 0;
}

/* Charge `amount` to one payee or, when payee is "", to all by share. */
static int charge(struct run *r, const struct ft_contract *c, const char *payee, ft_amount amount,
		  ft_amount *per_payee, const ft_amount *weights)
{
	ft_amount parts[64], *p = parts;
	size_t i;
	int rc;

	if (payee[0]) {
		for (i = 0; i < c->n_payees; i++)
			if (strcmp(c->payees[i].id, payee) == 0)
				per_payee[i] += amount;
		return 0;
	}
	if (c->n_payees > 64) {
		p = malloc(c->n_payees * sizeof(*p));
		if (!p)
			return nomem(r);
	}
	rc = ft_amount_split(p, amount, weights, c->n_payees, r->err);
	for (i = 0; rc == 0 && i < c->n_payees; i++)
		per_payee[i] += p[i];
	if (p != parts)
		free(p);
	return rc;
}

static bool dated_in_run(const struct ft_royalty_contract_state *cs, int last_month, ft_date date)
{
	int m = ft_date_month(date);

	return m > cs->last_month && m <= last_month;
}

static int profit_split_credits(struct run *r, size_t ci, struct ft_royalty_contract_state *cs,
				struct payee_sums *ps)
{
	const struct ft_contract *c = &r->in->contracts[ci];
	struct ft_royalty_result *res = r->res;
	struct ft_royalty_contract_summary *sum = &res->contracts[ci];
	ft_amount entitled;
	size_t i;
	int rc;

	/* ACCT-8: the payees share (cumulative receipts − cumulative
	 * recoupable costs); what they were credited before is subtracted, so
	 * a later cost claws back through the balance rather than vanishing. */
	sum->profit = cs->cum_base - cs->cum_costs;
	entitled = sum->profit > 0 ? sum->profit : 0;
	if (grow((void **)&res->shares, &r->cap_shares, res->n_shares + c->n_payees,
		 sizeof(*res->shares)))
		return nomem(r);
	sum->credits_at = res->n_shares;
	rc = ft_amount_split(res->shares + sum->credits_at, entitled, ps->weights, c->n_payees,
			     r->err);
	if (rc)
		return rc;
	res->n_shares += c->n_payees;
	for (i = 0; i < c->n_payees; i++) {
		struct ft_royalty_credit *cr = credit_state(r, c->id, c->payees[i].id);
		ft_amount *slot = &res->shares[sum->credits_at + i];
		ft_amount now = *slot;

		if (!cr)
			return nomem(r);
		*slot = now - cr->credited;
		cr->credited = now;
		ps->royalties[i] += *slot;
	}
	return 0;
}

static int add_reserve(struct run *r, const struct ft_contract *c, struct ft_period w,
		       const char *payee, ft_amount amount)
{
	struct ft_royalty_state *next = &r->res->next;
	struct ft_royalty_reserve *t;

	if (grow((void **)&next->reserves, &r->cap_reserves, next->n_reserves + 1,
		 sizeof(*next->reserves)))
		return nomem(r);
	t = &next->reserves[next->n_reserves++];
	memset(t, 0, sizeof(*t));
	snprintf(t->payee, sizeof(t->payee), "%s", payee);
	snprintf(t->account, sizeof(t->account), "%s", account_of(c));
	snprintf(t->contract, sizeof(t->contract), "%s", c->id);
	t->withheld_month = w.first;
	/* ACCT-6: released by the run of the contract's statement period N
	 * periods later. */
	t->release_month = w.first + c->reserve_periods * w.months;
	t->amount = amount;
	return 0;
}

/* ACCT-8: a profit split's receipts, in its own currency (converted at the
 * line's month rate, like a royalty's base). */
static int profit_base(struct run *r, size_t ci, const struct ft_royalty_line *l,
		       ft_amount amount, struct ft_royalty_contract_state *cs)
{
	ft_amount fx = line_fx(r, ci, l), converted = amount;

	if (fx <= 0)
		return no_rate(r, ci, l->month);
	if (fx != FT_AMOUNT_ONE && ft_amount_mul_ratio(&converted, NULL, amount, fx) != 0)
		return ft_error_set(r->err, FT_EOVERFLOW, "profit-split receipts out of range");
	cs->cum_base += converted;
	return 0;
}

static int process_contract(struct run *r, size_t ci, bool *covered, bool *covered_alloc)
{
	const struct ft_royalty_input *in = r->in;
	const struct ft_contract *c = &in->contracts[ci];
	struct ft_royalty_result *res = r->res;
	struct ft_royalty_contract_summary *sum = &res->contracts[ci];
	struct ft_royalty_contract_state *cs;
	struct payee_sums ps = {0};
	ft_amount *weights = NULL, *buf = NULL;
	struct ft_period w = window_of(r, ci);
	int last_month = w.first + w.months - 1;
	size_t k, i, np = c->n_payees;
	int rc = 0;

	if (w.months == 0) {
		/* Not due in this run: its state is carried untouched.  A profit
		 * split still gets its (zero) credit slots, so credits_at never
		 * points at another contract's shares. */
		if (c->type != FT_CONTRACT_PROFIT_SPLIT)
			return 0;
		if (grow((void **)&res->shares, &r->cap_shares, res->n_shares + np,
			 sizeof(*res->shares)))
			return nomem(r);
		sum->credits_at = res->n_shares;
		memset(res->shares + sum->credits_at, 0, np * sizeof(*res->shares));
		res->n_shares += np;
		return 0;
	}
	cs = contract_state(r, c->id);
	if (!cs)
		return nomem(r);
	if (cs->last_month >= w.first) {
		char m[8];

		ft_month_format(m, cs->last_month);
		return ft_error_setloc(r->err, FT_ECONFLICT, c->file[0] ? c->file : NULL, c->line,
				       NULL, "contract '%s' was already run through %s", c->id, m);
	}
	buf = calloc(4 * np, sizeof(*buf));
	if (!buf)
		return nomem(r);
	weights = buf;
	ps.royalties = buf + np;
	ps.advances = buf + 2 * np;
	ps.costs = buf + 3 * np;
	ps.weights = weights;
	for (i = 0; i < np; i++)
		weights[i] = c->payees[i].share;
	sum->units_before = cs->units;

	/* The lines it covers (cover_index), in the canonical order when it has
	 * escalations — the only order-dependent rule (ACCT-3) — and in input
	 * order otherwise, which gives the same figures. */
	for (k = r->line_at[ci]; k < r->line_at[ci + 1]; k++) {
		size_t li = r->lines_of[k];
		const struct ft_royalty_line *l = &in->lines[li];

		covered[li] = true;
		if (c->type == FT_CONTRACT_PROFIT_SPLIT) {
			rc = profit_base(r, ci, l, c->base == FT_BASE_GROSS ? l->gross : l->receipts,
					 cs);
			if (rc)
				goto out;
		}
		rc = add_usage(r, ci, li, -1, l->units, l->receipts, l->gross, &cs->units, &ps);
		if (rc)
			goto out;
	}
	for (i = r->alloc_at[ci]; i < r->alloc_at[ci + 1]; i++) {
		const struct ft_royalty_allocation *a = &res->allocations[r->allocs_of[i]];

		k = r->allocs_of[i];
		covered_alloc[k] = true;
		if (c->type == FT_CONTRACT_PROFIT_SPLIT) {
			rc = profit_base(r, ci, &in->lines[a->target_line],
					 c->base == FT_BASE_GROSS ? a->gross : a->receipts, cs);
			if (rc)
				goto out;
		}
		/* ACCT-9: allocated income carries no units of its own. */
		rc = add_usage(r, ci, a->target_line, (long)k, 0, a->receipts, a->gross, &cs->units,
			       &ps);
		if (rc)
			goto out;
	}
	sum->units_after = cs->units;

	/* ACCT-5: advances and recoupable costs dated up to the period's end and
	 * not charged by an earlier run. */
	for (k = 0; k < c->n_advances; k++) {
		const struct ft_contract_advance *a = &c->advances[k];

		if (!dated_in_run(cs, last_month, a->date))
			continue;
		sum->advances += a->amount;
		rc = charge(r, c, a->payee, a->amount, ps.advances, weights);
		if (rc)
			goto out;
	}
	for (k = 0; k < c->n_costs; k++) {
		const struct ft_contract_cost *cost = &c->costs[k];
		ft_amount charged;

		if (!dated_in_run(cs, last_month, cost->date))
			continue;
		/* ACCT-5: only the recoupable percentage is charged. */
		rc = ft_amount_mul_ratio(&charged, NULL, cost->amount, cost->recoupable);
		if (rc) {
			rc = ft_error_set(r->err, rc, "contract '%s': cost out of range", c->id);
			goto out;
		}
		sum->costs += charged;
		if (c->type == FT_CONTRACT_PROFIT_SPLIT)
			cs->cum_costs += charged; /* ACCT-8: deducted from the profit */
		else
			rc = charge(r, c, cost->payee, charged, ps.costs, weights);
		if (rc)
			goto out;
	}
	if (c->type == FT_CONTRACT_PROFIT_SPLIT) {
		rc = profit_split_credits(r, ci, cs, &ps);
		if (rc)
			goto out;
	}

	for (i = 0; i < np; i++) {
		struct ft_royalty_statement *st = statement(r, c->payees[i].id, account_of(c));
		ft_amount withheld = 0;

		if (!st) {
			rc = nomem(r);
			goto out;
		}
		/* ACCT-6: withhold a share of the period's positive royalties. */
		if (c->reserve_rate > 0 && ps.royalties[i] > 0) {
			rc = ft_amount_mul_ratio(&withheld, NULL, ps.royalties[i], c->reserve_rate);
			if (!rc && withheld > 0)
				rc = add_reserve(r, c, w, c->payees[i].id, withheld);
			if (rc)
				goto out;
		}
		st->royalties += ps.royalties[i];
		st->advances += ps.advances[i];
		st->costs += ps.costs[i];
		st->reserve_withheld += withheld;
		sum->royalties += ps.royalties[i];
	}
	cs->last_month = last_month;
out:
	free(buf);
	return rc;
}

/* ---- ACCT-6 / ACCT-7: balances, reserves, payable
 * ----------------------------------------------------- */

static int settle_accounts(struct run *r)
{
	const struct ft_royalty_state *prev = r->in->previous;
	struct ft_royalty_result *res = r->res;
	struct ft_royalty_state *next = &res->next;
	size_t i, j, kept = 0;

	/* Accounts with no activity still carry their balance and may have a
	 * reserve to release. */
	for (i = 0; prev && i < prev->n_accounts; i++)
		if (!account_idle(r, prev->accounts[i].account) &&
		    !statement(r, prev->accounts[i].payee, prev->accounts[i].account))
			return nomem(r);
	for (i = 0; i < next->n_reserves; i++) {
		struct ft_royalty_reserve *t = &next->reserves[i];
		struct ft_royalty_statement *st;
		long ci = contract_index(r, t->contract);
		int release_from = r->in->period.first;

		if (ci >= 0) {
			struct ft_period w = window_of(r, (size_t)ci);

			if (w.months == 0) { /* not due: held, untouched */
				next->reserves[kept++] = *t;
				continue;
			}
			release_from = w.first;
		}
		st = statement(r, t->payee, t->account);
		if (!st)
			return nomem(r);
		if (t->release_month <= release_from) {
			st->reserve_released += t->amount; /* ACCT-6: released */
			continue;
		}
		st->reserve_held += t->amount;
		next->reserves[kept++] = *t;
	}
	next->n_reserves = kept;

	for (i = 0; i < res->n_statements; i++) {
		struct ft_royalty_statement *st = &res->statements[i];
		struct ft_royalty_account *acc = NULL;
		ft_amount avail, rem;

		/* ACCT-5: the balance rolls forward. */
		st->balance = st->opening + st->royalties - st->advances - st->costs;
		/* ACCT-7: payable = max(0, balance − reserve held), rounded
		 * down to the currency's minor unit; the rest stays. */
		avail = st->balance - st->reserve_held;
		st->payable = 0;
		/* ACCT-7 in the account's own currency (JPY has no minor unit). */
		if (avail > 0 && ft_amount_round_minor(&st->payable, &rem, avail,
						       ft_currency_minor_units(st->currency)))
			return ft_error_set(r->err, FT_EOVERFLOW, "payable out of range");
		st->closing = st->balance - st->payable;
		j = pair_find(r, &r->next_accounts, st->payee, st->account);
		if (j != SIZE_MAX)
			acc = &next->accounts[j];
		if (!acc) {
			if (grow((void **)&next->accounts, &r->cap_accounts, next->n_accounts + 1,
				 sizeof(*next->accounts)))
				return nomem(r);
			acc = &next->accounts[next->n_accounts];
			memset(acc, 0, sizeof(*acc));
			snprintf(acc->payee, sizeof(acc->payee), "%s", st->payee);
			snprintf(acc->account, sizeof(acc->account), "%s", st->account);
			if (pair_add(r, &r->next_accounts, next->n_accounts))
				return nomem(r);
			next->n_accounts++;
		}
		acc->balance = st->closing;
	}
	return 0;
}

static int cmp_statements(const void *pa, const void *pb)
{
	const struct ft_royalty_statement *a = pa, *b = pb;
	int c = strcmp(a->payee, b->payee);

	return c ? c : strcmp(a->account, b->account);
}

static int cmp_suspense(const void *pa, const void *pb)
{
	const struct ft_royalty_suspense *a = pa, *b = pb;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return strcmp(a->partner, b->partner);
}

/* ---- the run
 * --------------------------------------------------------------------------------------- */

static int close_run(struct run *r, const bool *covered, const bool *covered_alloc)
{
	const struct ft_royalty_input *in = r->in;
	const struct ft_royalty_state *prev = in->previous;
	struct ft_royalty_result *res = r->res;
	ft_amount entries = 0, credits = 0, lhs, rhs;
	char a[FT_AMOUNT_STR_MAX], b[FT_AMOUNT_STR_MAX];
	size_t i, j;

	/* ACCT-10: unmatched usage waits in suspense per partner. */
	for (i = 0; i < res->next.n_suspense; i++)
		if (add_suspense(&res->suspense, &res->n_suspense, &r->cap_susp,
				 res->next.suspense[i].kind, res->next.suspense[i].partner,
				 res->next.suspense[i].since_month, res->next.suspense[i].amount))
			return nomem(r);
	for (i = 0; i < in->n_lines; i++) {
		const struct ft_royalty_line *l = &in->lines[i];

		if (l->context)
			continue; /* accounted by an earlier run */
		res->receipts += l->receipts;
		if (l->non_attributable)
			continue;
		if (!track_of(l)->isrc[0]) {
			if (add_suspense(&res->suspense, &res->n_suspense, &r->cap_susp,
					 FT_SUSPENSE_UNMATCHED, l->channel->partner,
					 in->period.first, l->receipts))
				return nomem(r);
			continue;
		}
		res->label_share += l->receipts;
		if (!covered[i])
			res->uncovered += l->receipts;
	}
	for (i = 0; i < res->n_allocations; i++) {
		res->label_share += res->allocations[i].receipts;
		if (!covered_alloc[i])
			res->uncovered += res->allocations[i].receipts;
	}
	entries = r->entries_royalty;
	for (i = 0; i < in->n_contracts; i++)
		if (in->contracts[i].type == FT_CONTRACT_PROFIT_SPLIT && window_of(r, i).months)
			for (j = 0; j < in->contracts[i].n_payees; j++) {
				ft_amount credit = res->shares[res->contracts[i].credits_at + j];
				struct cur_sum *cs;

				if (!r->foreign[i]) {
					credits += credit;
					continue;
				}
				/* Owed in the contract's currency: the label's
				 * share in its own is not touched. */
				cs = cur_sum(r, in->contracts[i].currency);
				if (!cs)
					return nomem(r);
				cs->lines += credit;
			}
	res->label_share -= entries + credits;
	for (i = 0; prev && i < prev->n_suspense; i++)
		res->suspense_in += prev->suspense[i].amount;
	for (i = 0; i < res->n_suspense; i++)
		res->suspense_out += res->suspense[i].amount;
	for (i = 0; i < res->n_statements; i++) {
		const struct ft_royalty_statement *st = &res->statements[i];
		struct cur_sum *cs;

		if (strcmp(st->currency, in->currency) == 0) {
			res->royalties += st->royalties;
			continue;
		}
		cs = cur_sum(r, st->currency);
		if (!cs)
			return nomem(r);
		cs->statements += st->royalties;
	}
	/* Entries of contracts in other currencies: what the label gave up. */
	res->royalties += r->foreign_label;
	for (i = 0; i < r->n_cur_sums; i++)
		if (r->cur_sums[i].lines != r->cur_sums[i].statements) {
			ft_amount_format(a, sizeof(a), r->cur_sums[i].lines, 0);
			ft_amount_format(b, sizeof(b), r->cur_sums[i].statements, 0);
			return ft_error_set(r->err, FT_ECONFLICT,
					    "internal: conservation failed in %s: entries %s, "
					    "payees %s",
					    r->cur_sums[i].currency, a, b);
		}

	/* The identity of docs/ACCOUNTING.md: nothing created, nothing lost. */
	lhs = res->receipts + res->suspense_in;
	rhs = res->royalties + res->label_share + res->suspense_out;
	if (lhs != rhs) {
		ft_amount_format(a, sizeof(a), lhs, 0);
		ft_amount_format(b, sizeof(b), rhs, 0);
		return ft_error_set(r->err, FT_ECONFLICT,
				    "internal: conservation failed: receipts + suspense in = %s, "
				    "payees + label + suspense out = %s",
				    a, b);
	}
	if (res->n_statements > 1)
		qsort(res->statements, res->n_statements, sizeof(*res->statements), cmp_statements);
	/* The lines were summed in input order: put the suspense buckets in an
	 * order of their own, so the result does not depend on the caller's. */
	if (res->n_suspense > 1)
		qsort(res->suspense, res->n_suspense, sizeof(*res->suspense), cmp_suspense);
	return 0;
}

int ft_royalty_run(struct ft_royalty_result **out, const struct ft_royalty_input *in,
		   struct ft_error *err)
{
	struct run r = {0};
	bool *covered = NULL, *covered_alloc = NULL;
	uint32_t *tmp = NULL;
	size_t i;
	bool shares_income = false;
	int rc;

	*out = NULL;
	r.in = in;
	r.err = err;
	rc = check_inputs(&r);
	if (rc) {
		free(r.cfx);
		free(r.foreign);
		free(r.cur_at);
		free(r.cur_sums);
		return rc;
	}
	/* ACCT-9 walks the lines in the canonical order (its split's largest
	 * remainders break ties by it): sort them only when it has income to
	 * share. */
	shares_income = !in->hold_income && in->previous && in->previous->n_suspense > 0;
	for (i = 0; !shares_income && !in->hold_income && i < in->n_lines; i++)
		shares_income = in->lines[i].non_attributable;
	r.res = calloc(1, sizeof(*r.res));
	covered = calloc(in->n_lines + 1, sizeof(*covered));
	if (shares_income) {
		r.order = malloc((in->n_lines + 1) * sizeof(*r.order));
		tmp = malloc((in->n_lines + 1) * sizeof(*tmp));
	}
	if (!r.res || !covered || (shares_income && (!r.order || !tmp))) {
		rc = nomem(&r);
		goto out;
	}
	r.res->period = in->period;
	r.res->n_contracts = in->n_contracts;
	r.res->contracts = calloc(in->n_contracts + 1, sizeof(*r.res->contracts));
	if (!r.res->contracts) {
		rc = nomem(&r);
		goto out;
	}
	rc = copy_state(&r);
	if (!rc)
		rc = index_contracts(&r);
	r.statements.kind = PAIR_STATEMENT;
	r.previous.kind = PAIR_PREVIOUS;
	r.next_accounts.kind = PAIR_NEXT_ACCOUNT;
	r.cstates.kind = PAIR_CONTRACT;
	for (i = 0; !rc && in->previous && i < in->previous->n_accounts; i++)
		rc = pair_add(&r, &r.previous, i) ? nomem(&r) : 0;
	for (i = 0; !rc && i < r.res->next.n_accounts; i++)
		rc = pair_add(&r, &r.next_accounts, i) ? nomem(&r) : 0;
	for (i = 0; !rc && i < r.res->next.n_contracts; i++)
		rc = pair_add(&r, &r.cstates, i) ? nomem(&r) : 0;
	if (rc)
		goto out;
	if (shares_income) {
		for (i = 0; i < in->n_lines; i++)
			r.order[i] = (uint32_t)i;
		sort_indices(r.order, tmp, in->n_lines, in->lines);
		free(tmp);
		tmp = NULL;
	}

	rc = allocate_non_attributable(&r);
	if (rc)
		goto out;
	covered_alloc = calloc(r.res->n_allocations + 1, sizeof(*covered_alloc));
	if (!covered_alloc) {
		rc = nomem(&r);
		goto out;
	}
	rc = cover_index(&r);
	if (rc)
		goto out;
	for (i = 0; i < in->n_contracts; i++) {
		rc = process_contract(&r, i, covered, covered_alloc);
		if (rc)
			goto out;
	}
	rc = settle_accounts(&r);
	if (!rc)
		rc = close_run(&r, covered, covered_alloc);
out:
	free(tmp);
	free(covered);
	free(covered_alloc);
	free(r.order);
	pair_free(&r.statements);
	pair_free(&r.previous);
	pair_free(&r.next_accounts);
	pair_free(&r.cstates);
	free(r.line_at);
	free(r.lines_of);
	free(r.alloc_at);
	free(r.allocs_of);
	free(r.scratch);
	free(r.by_id);
	free(r.by_account);
	free(r.cfx);
	free(r.foreign);
	free(r.cur_at);
	free(r.cur_sums);
	if (rc) {
		ft_royalty_result_free(r.res);
		return rc;
	}
	*out = r.res;
	return 0;
}

/* ---- explain
 * -------------------------------------------------------------------------------------- */

size_t ft_royalty_explain_entry(char *buf, size_t cap, const struct ft_royalty_input *in,
				const struct ft_royalty_result *res, size_t entry)
{
	struct ft_textbuf t;
	const struct ft_royalty_entry *e;
	const struct ft_royalty_line *l;
	const struct ft_contract *c;
	const ft_amount *shares;
	const char *file;
	int digits;
	size_t i;

	ft_textbuf_init(&t, buf, cap);
	if (entry >= res->n_entries)
		return 0;
	e = &res->entries[entry];
	l = &in->lines[e->line];
	c = &in->contracts[e->contract];
	file = c->file[0] ? c->file : "contract";
	digits = c->minor_units;
	ft_textbuf_add(&t, "line %zu (source %lld) %s %s %s/%s, contract %s: ", e->line + 1,
		       (long long)l->source_id, track_of(l)->isrc, l->channel->territory,
		       l->channel->commercial_model, l->channel->use_type, c->id);
	if (e->allocation >= 0) {
		const struct ft_royalty_allocation *a = &res->allocations[e->allocation];

		ft_textbuf_add(&t, "ACCT-9 allocated ");
		ft_textbuf_amount(&t, a->receipts, digits);
		if (a->source_line >= 0)
			ft_textbuf_add(&t, " of non-attributable line %ld, ", a->source_line + 1);
		else
			ft_textbuf_add(&t, " of suspense carried in, ");
	}
	ft_textbuf_add(&t, "ACCT-2 base ");
	ft_textbuf_amount(&t, e->base, digits);
	if (e->fx_rate != FT_AMOUNT_ONE && e->fx_rate != 0) {
		char m[8];

		/* a contract in another currency: the base was converted */
		ft_month_format(m, l->month);
		ft_textbuf_add(&t, " %s (converted from %s × fx ", c->currency, in->currency);
		ft_textbuf_amount(&t, e->fx_rate, 0);
		ft_textbuf_add(&t, " of %s)", m);
	}
	ft_textbuf_add(&t, " (%lld units), ", (long long)e->units);
	if (e->rule >= 0) {
		const struct ft_contract_rule *r = &c->rules[e->rule];

		ft_textbuf_add(&t, "ACCT-3 rates[%d] (%s:%ld) ", e->rule + 1, file, r->line);
		ft_textbuf_percent(&t, r->rate);
		if (e->escalation >= 0) {
			const struct ft_contract_escalation *x = &c->escalations[e->escalation];

			ft_textbuf_add(&t, " + escalations[%d] (%s:%ld) ", e->escalation + 1, file,
				       x->line);
			ft_textbuf_percent(&t, x->add);
			ft_textbuf_add(&t, " = ");
			ft_textbuf_percent(&t, e->rate);
		}
	} else if (c->type == FT_CONTRACT_DISTRIBUTION) {
		ft_textbuf_add(&t, "ACCT-8 distribution 100%% - fee ");
		ft_textbuf_percent(&t, c->fee);
		ft_textbuf_add(&t, " = ");
		ft_textbuf_percent(&t, e->rate);
	} else {
		ft_textbuf_add(&t, "ACCT-8 profit split pool (credited per period)");
	}
	ft_textbuf_add(&t, ", royalty ");
	ft_textbuf_amount(&t, e->royalty, digits);
	ft_textbuf_add(&t, "; ACCT-4");
	shares = ft_royalty_entry_shares(res, e);
	for (i = 0; i < c->n_payees; i++) {
		ft_textbuf_add(&t, "%s %s ", i ? "," : "", c->payees[i].id);
		ft_textbuf_amount(&t, shares[i], digits);
	}
	return t.len;
}
