/*
 * fairtrack — the royalty engine (pure computation, no ledger).
 *
 * Given the contracts, one accounting period's receipt lines (already
 * attributed to tracks and converted to the run's currency, the ledger's
 * base) and the
 * state the previous period left (balances, reserves, cumulative units,
 * suspense), ft_royalty_run computes what every payee earned, what they are
 * owed, what the label keeps and what waits in suspense, and the state for
 * the next period.  It applies the rules of docs/ACCOUNTING.md (ACCT-1 …
 * ACCT-10), which the code cites where it implements them.
 *
 * Guarantees:
 *  - Exact: every figure is an ft_amount; nothing passes through floating
 *    point; a product's sub-unit remainder (below 10^-12) is recorded and
 *    stays with the label.
 *  - Conservation, checked on every run (a violation is an error, not a
 *    silent result): receipts of the period + suspense carried in
 *      = payee royalties + label share + suspense carried out,
 *    to the last 10^-12 unit.  Each royalty's payee shares sum to it exactly
 *    (largest remainder), and each account's balance rolls forward exactly:
 *      closing = opening + royalties − advances − costs − payable.
 *  - Order independent: the same lines in any order give the same result
 *    (lines are put in a canonical order before escalations are applied).
 *  - Pure: no I/O, no global state; inputs are not modified; the result
 *    owns everything it points to.
 *  - Provenance: every figure names the input line, contract, rate rule and
 *    escalation tier it came from, so `explain` can print the computation.
 *
 * Limits: amounts on a line up to ±10^18 currency units, at most 10^9 lines
 * a run (sums then cannot overflow 128 bits); larger inputs are refused.
 */
#ifndef FAIRTRACK_ROYALTY_H
#define FAIRTRACK_ROYALTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fairtrack/contract.h"
#include "fairtrack/error.h"
#include "fairtrack/ids.h"
#include "fairtrack/money.h"
#include "fairtrack/period.h"

#define FT_ROYALTY_NAME_MAX 96 /* suspense bucket names */

/*
 * One receipt line of the period: an aggregate (track × release format ×
 * territory × commercial model × use type × partner × month) with its
 * receipts in the accounting currency.
 *  - attributable: a track with an isrc.
 *  - non_attributable (ACCT-9): income from `partner` that belongs to no
 *    track (a DSP advance, a minimum-guarantee top-up, breakage, a
 *    settlement); no track (or its isrc "").
 *  - unmatched (ACCT-10): no isrc and not non_attributable: usage whose
 *    identifier the catalogue does not know; it goes to suspense.
 */
struct ft_royalty_line {
	/* What was sold and where, shared by many lines (a period has millions
	 * of lines and thousands of tracks): interned by the caller, e.g. with
	 * ft_royalty_dict.  track NULL: no track (non-attributable or
	 * unmatched); channel never NULL. */
	const struct ft_royalty_track *track;
	const struct ft_royalty_channel *channel;
	ft_amount gross;    /* ACCT-2: reported revenue before a distributor's fee */
	ft_amount receipts; /* ACCT-1: what the label received */
	int64_t units;	    /* negative for returns */
	int64_t source_id;  /* the caller's provenance (aggregate / batch id) */
	int32_t month;	    /* sales month (period.h index) */
	uint32_t tag;	    /* the caller's; the engine only carries it */
	bool non_attributable;
	/* An attributable line an earlier run already accounted (its receipts
	 * are not counted again, no contract earns on it): it only weighs in
	 * the ACCT-9 allocation of this run's income, and what is allocated to
	 * it is accounted through its contract like any allocation. */
	bool context;
};

/* A line's track as contracts see it (scope keys and the rule key). */
struct ft_royalty_track {
	char isrc[FT_ISRC_LEN + 1];
	char gtin14[FT_GTIN_LEN + 1];	 /* release, "" if unknown */
	char artist[FT_CONTRACT_ID_MAX]; /* main artist slug, "" if unknown */
	char release_format[FT_CONTRACT_TOKEN_MAX];
};

/* Where and how a line was sold. */
struct ft_royalty_channel {
	char partner[FT_CONTRACT_ID_MAX]; /* the DSP / store / distributor */
	char commercial_model[FT_CONTRACT_TOKEN_MAX];
	char use_type[FT_CONTRACT_TOKEN_MAX];
	char territory[3];
};

/*
 * Interned tracks and channels: one object per distinct value, at a stable
 * address until ft_royalty_dict_free.  Texts longer than their field are
 * refused (NULL, like out of memory: the caller says which).  Not
 * thread-safe.
 */
struct ft_royalty_dict;
struct ft_royalty_dict *ft_royalty_dict_new(void);
const struct ft_royalty_track *ft_royalty_dict_track(struct ft_royalty_dict *d, const char *isrc,
						     const char *gtin14, const char *artist,
						     const char *release_format);
const struct ft_royalty_channel *
ft_royalty_dict_channel(struct ft_royalty_dict *d, const char *partner,
			const char *commercial_model, const char *use_type, const char *territory);
void ft_royalty_dict_free(struct ft_royalty_dict *d);

/* State carried from one period to the next (the ledger persists it). */
struct ft_royalty_account {
	char payee[FT_CONTRACT_ID_MAX];
	char account[FT_CONTRACT_ID_MAX]; /* cross-collateral group, or the contract id */
	ft_amount balance;		  /* after the last payment */
};

struct ft_royalty_reserve {
	char payee[FT_CONTRACT_ID_MAX];
	char account[FT_CONTRACT_ID_MAX];
	char contract[FT_CONTRACT_ID_MAX];
	int withheld_month; /* first month of the period that withheld it */
	int release_month;  /* released by the run of the period starting here or later */
	ft_amount amount;
};

struct ft_royalty_contract_state {
	char contract[FT_CONTRACT_ID_MAX];
	int last_month; /* last month run (-1: never); advances/costs dated up to it are charged */
	int64_t units;	/* ACCT-3: cumulative units since the contract's start */
	ft_amount cum_base;  /* ACCT-8 profit split: cumulative receipts */
	ft_amount cum_costs; /* ACCT-8 profit split: cumulative recoupable costs */
};

struct ft_royalty_credit { /* ACCT-8 profit split: what a payee was credited so far */
	char contract[FT_CONTRACT_ID_MAX];
	char payee[FT_CONTRACT_ID_MAX];
	ft_amount credited;
};

enum ft_suspense_kind {
	FT_SUSPENSE_NON_ATTRIBUTABLE =
	    1,			   /* ACCT-9: waits for the partner's attributable receipts */
	FT_SUSPENSE_UNMATCHED = 2, /* ACCT-10: waits for the catalogue to learn the identifier */
};

struct ft_royalty_suspense {
	enum ft_suspense_kind kind;
	char name[FT_ROYALTY_NAME_MAX]; /* "suspense:non-attributable:spotify" */
	char partner[FT_CONTRACT_ID_MAX];
	int since_month; /* first month of the period it arrived in */
	ft_amount amount;
};

struct ft_royalty_state {
	struct ft_royalty_account *accounts;
	size_t n_accounts;
	struct ft_royalty_reserve *reserves;
	size_t n_reserves;
	struct ft_royalty_contract_state *contracts;
	size_t n_contracts;
	struct ft_royalty_credit *credits;
	size_t n_credits;
	/* Only non-attributable suspense is carried here; unmatched usage is
	 * kept by the ledger and re-fed once it matches (ACCT-10). */
	struct ft_royalty_suspense *suspense;
	size_t n_suspense;
};

void ft_royalty_state_clear(struct ft_royalty_state *state);

/* ---- results ---------------------------------------------------------------- */

/* ACCT-9: a part of non-attributable income given to one attributable line. */
struct ft_royalty_allocation {
	long source_line;     /* the non-attributable input line, or -1 */
	long source_suspense; /* or the index in previous->suspense it came from, or -1 */
	size_t target_line;   /* the attributable line it was allocated to */
	ft_amount weight;     /* that line's receipts (the pro-rata weight) */
	ft_amount receipts;
	ft_amount gross;
};

/*
 * One computed royalty: an input line (or an allocated part of
 * non-attributable income, allocation >= 0) under one contract, in one
 * escalation tier.  A line crossing an escalation threshold gives one entry
 * per tier.
 */
struct ft_royalty_entry {
	size_t line;	 /* index into the input lines (the target line for allocations) */
	long allocation; /* index into result->allocations, or -1 */
	size_t contract; /* index into the input contracts */
	int rule;	 /* ACCT-3: index into contract->rules, -1 when the type has none */
	int escalation;	 /* ACCT-3: index into contract->escalations, -1 = base rate */
	int64_t units;	 /* units in this tier */
	ft_amount base;	 /* ACCT-2 (its part in this tier) */
	ft_amount rate;	 /* effective rate: rule + escalation, or 1 − fee, or 0 (profit split) */
	ft_amount royalty;   /* base × rate, rounded down to 10^-12 */
	ft_amount remainder; /* what that rounding cut, in 10^-24 units (label keeps it) */
	/* A contract accounting in another currency than the run's: base,
	 * royalty and the payee shares are in the contract's currency (DESIGN
	 * rule 1: converted per aggregate, exactly, the rate recorded).
	 * fx_rate: one unit of the run's currency in the contract's, for the
	 * line's month (1 when they are the same); base = the line's base in
	 * the run's currency × fx_rate, rounded down to 10^-12.
	 * label_royalty: what the label gives up for the entry, in the run's
	 * currency: the unconverted base × rate (= royalty when the currencies
	 * are the same), so the label's share stays exact in its own currency. */
	ft_amount fx_rate;
	ft_amount label_royalty;
	size_t shares_at;    /* ACCT-4: payee shares at result->shares[shares_at ..
				+ contract->n_payees], summing to royalty */
};

/* ACCT-5 … ACCT-7: one payee on one account (contract or cross-collateral group). */
struct ft_royalty_statement {
	char payee[FT_CONTRACT_ID_MAX];
	char account[FT_CONTRACT_ID_MAX];
	char currency[4]; /* the account's contracts' currency; every amount below is in it */
	ft_amount opening;	    /* balance carried in */
	ft_amount royalties;	    /* ACCT-4 / ACCT-8 credits this period */
	ft_amount advances;	    /* ACCT-5 charged this period */
	ft_amount costs;	    /* ACCT-5 recoupable part charged this period */
	ft_amount balance;	    /* opening + royalties − advances − costs */
	ft_amount reserve_withheld; /* ACCT-6 this period */
	ft_amount reserve_released; /* ACCT-6 this period */
	ft_amount reserve_held;	    /* after withholding and release */
	ft_amount payable;	    /* ACCT-7: max(0, balance − reserve held), rounded down */
	ft_amount closing;	    /* balance − payable: carried to the next period */
};

/* Per input contract. */
struct ft_royalty_contract_summary {
	ft_amount base;	      /* Σ base of its entries */
	ft_amount royalties;  /* Σ credited to its payees (entries, or ACCT-8 profit credits) */
	ft_amount advances;   /* charged this period */
	ft_amount costs;      /* recoupable part charged this period */
	int64_t units_before; /* ACCT-3 cumulative units before / after the period */
	int64_t units_after;
	ft_amount profit;  /* ACCT-8 profit split: cum receipts − cum costs (else 0) */
	size_t credits_at; /* ACCT-8: profit-split credits per payee at result->shares[…] */
};

struct ft_royalty_result {
	struct ft_period period;
	struct ft_royalty_entry *entries;
	size_t n_entries;
	ft_amount *shares; /* pool for entry shares and profit-split credits */
	size_t n_shares;
	struct ft_royalty_allocation *allocations;
	size_t n_allocations;
	struct ft_royalty_statement *statements; /* sorted by (payee, account) */
	size_t n_statements;
	struct ft_royalty_contract_summary *contracts; /* one per input contract */
	size_t n_contracts;
	struct ft_royalty_suspense *suspense; /* closing suspense: carried + unmatched */
	size_t n_suspense;
	struct ft_royalty_state next; /* the state to pass to the next period */

	/* The conservation identity (checked by the run):
	 * receipts + suspense_in == royalties + label_share + suspense_out. */
	ft_amount receipts;    /* Σ input lines' receipts */
	ft_amount suspense_in; /* Σ previous non-attributable suspense */
	/* Σ statements' royalties in the run's currency, plus the
	 * label_royalty of the entries of contracts in other currencies (what
	 * the label gave up for them); all in the run's currency.  Profit-split
	 * credits of a contract in another currency are not in it: they are
	 * owed in that currency (docs/JOURNAL.md, "Currencies"). */
	ft_amount royalties;
	ft_amount label_share; /* what the label keeps (Σ per line, minus profit credits) */
	ft_amount suspense_out;
	ft_amount uncovered;	 /* part of label_share on lines no contract covered */
	ft_amount remainder_e24; /* Σ sub-unit remainders cut from royalties (10^-24 units) */
};

/*
 * The engine runs whatever period it is given.  Contracts stated at
 * different frequencies are run together through `windows`: each contract's
 * statement period in this run (inside `period`, ending with it), or
 * months == 0 for a contract not due — skipped: no lines, no charges, its
 * state, accounts and reserves carried untouched.  Deciding which contract
 * is due is the caller's job (docs/JOURNAL.md).  A line's territory "WW" (a worldwide report line)
 * is only covered by a contract whose scope is the whole world (see ids.h).
 */
/*
 * An exchange rate the engine converts with: one unit of the run's
 * currency is `rate` units of `currency` in `month` (a line's sales month,
 * as the line carries it).
 */
struct ft_royalty_fx {
	int32_t month;
	char currency[4];
	ft_amount rate;
};

struct ft_royalty_input {
	struct ft_period period;
	/* The run's currency (the ledger's base): all lines are in it.  A
	 * contract in another currency C is computed in C: each of its entries'
	 * base is converted with the rate of `fx` for (line month, C), which
	 * must be there for every month of its statement period (FT_ENOTFOUND
	 * names the first missing).  Contracts of one cross-collateral group
	 * share one currency. */
	const char *currency;
	const struct ft_royalty_fx *fx;
	size_t n_fx;
	const struct ft_contract *contracts;
	size_t n_contracts;
	const struct ft_royalty_line *lines;
	size_t n_lines;
	const struct ft_royalty_state *previous; /* NULL: the first period ever */
	const struct ft_period *windows; /* per contract; NULL: every contract over period */
	/* ACCT-9 income is not shared in this run: carried non-attributable
	 * suspense stays as it is, and no line may be non-attributable. */
	bool hold_income;
	/* Optional: each entry is handed to on_entry as it is computed (with
	 * its payee shares, contract->n_payees of them, and its ACCT-9
	 * allocation or NULL, valid for the call)
	 * instead of being kept in result->entries, which stays empty — so a
	 * run of millions of lines holds no entry array.  A non-zero return
	 * stops the run with that error. */
	int (*on_entry)(void *ctx, const struct ft_royalty_entry *entry, const ft_amount *shares,
			const struct ft_royalty_allocation *allocation, struct ft_error *err);
	void *entry_ctx;
};

/*
 * Run one period.  Errors: FT_EINVAL for inputs that break the rules above
 * (a contract in another currency without its rates, a cross-collateral
 * group in two currencies, a line outside the period or with
 * amounts out of range, a non-attributable line with an ISRC), FT_ECONFLICT
 * when the period was already run for a contract (state's last_month) or the
 * conservation check fails, FT_ENOMEM.  On success *out is a new result to
 * free with ft_royalty_result_free (NULL is a no-op).
 */
int ft_royalty_run(struct ft_royalty_result **out, const struct ft_royalty_input *in,
		   struct ft_error *err);
void ft_royalty_result_free(struct ft_royalty_result *result);

/* The payee shares of an entry (contract->n_payees of them). */
static inline const ft_amount *ft_royalty_entry_shares(const struct ft_royalty_result *r,
						       const struct ft_royalty_entry *e)
{
	return r->shares + e->shares_at;
}

/*
 * One line of text explaining how an entry was computed, for `explain`: the
 * input line, the contract and the rule (with its place in the contract
 * file), the escalation tier, the arithmetic and each payee's share, e.g.
 *   line 1 (source 7) GBNLR2600001 GB SubscriptionModel/OnDemandStream, contract esc:
 *   ACCT-2 base 20.00 (200 units), ACCT-3 rates[1] (spec:6) 18% + escalations[1]
 *   (spec:7) 2% = 20%, royalty 4.00; ACCT-4 artist 4.00
 * (on one line).  `in` must be the input the result was computed from.
 * Returns the length of the whole text, like snprintf (truncated to cap).
 */
size_t ft_royalty_explain_entry(char *buf, size_t cap, const struct ft_royalty_input *in,
				const struct ft_royalty_result *res, size_t entry);

/*
 * Which contracts may cover a track: an index of the contracts' scope keys
 * (track ISRC, release GTIN, artist), asked once per track and memoised by
 * the track's address (lines share interned tracks).  A candidate shares a
 * scope key with the track; whether it covers a line is then
 * ft_contract_covers_when (its dates and territories).  windows: as in
 * ft_royalty_input (a contract with months == 0 is left out); NULL: every
 * contract.  Candidates are indices into contracts, valid until the next
 * call; at most 64 a track (FT_EINVAL beyond).  Not thread-safe.
 */
struct ft_royalty_cover;
int ft_royalty_cover_new(struct ft_royalty_cover **out, const struct ft_contract *contracts,
			 size_t n, const struct ft_period *windows, struct ft_error *err);
int ft_royalty_cover_candidates(struct ft_royalty_cover *cov, const struct ft_royalty_track *track,
				const size_t **out, size_t *n, struct ft_error *err);
void ft_royalty_cover_free(struct ft_royalty_cover *cov);

/*
 * ACCT-4: each payee's part of one entry's royalty, exactly as the engine
 * split it (largest remainder over the contract's shares, summing to
 * royalty).  out has c->n_payees slots.  Readers of royalty_lines use it to
 * show a payee's part of a line without the ledger storing it per payee.
 */
int ft_royalty_payee_shares(ft_amount *out, const struct ft_contract *c, ft_amount royalty,
			    struct ft_error *err);

/*
 * ACCT-1: a report line's receipts from its revenue: gross = revenue ×
 * fx_rate (the period's rate to the accounting currency; 1 when the same),
 * fee = gross × fee_rate (the distributor's fee, a fraction), receipts =
 * gross − fee.  Products round down to 10^-12: the fee's cut stays in the
 * receipts; what the conversion cut is returned in *remainder_e24 (10^-24
 * units, may be NULL) so the caller can record it.
 */
int ft_royalty_receipts(ft_amount *gross, ft_amount *receipts, ft_amount *fee,
			ft_amount *remainder_e24, ft_amount revenue, ft_amount fx_rate,
			ft_amount fee_rate, struct ft_error *err);

#endif
