/*
 * fairtrack — the royalty engine in the ledger: contracts, exchange rates,
 * non-attributable income, runs, close, explain and the journal check.
 *
 * The pure engine (fairtrack/royalty.h) computes one period; this module
 * feeds it from the ledger and keeps what it returns:
 *
 *   import contracts  YAML files, checked against the catalogue, stored by id
 *   import fx         exact exchange rates per month (period,from,to,rate)
 *   import income     money that belongs to no single track (ACCT-9)
 *   run P             usage + income of P (and late rows of closed months)
 *                     for the contracts due in P (statement frequency)
 *                     converted exactly, through the engine, posted as a
 *                     double-entry journal; replaces an open run of P
 *   close P           makes P immutable; its engine state seeds the next run
 *   months no run     an earlier month never run and not closed refuses the
 *   covers            run until it is run, marked accounted elsewhere, or
 *                     posted by the run as late adjustments (include_unrun)
 *   explain           payable → balance → entries → rates → batch and row
 *   check             the journal's invariants (docs/JOURNAL.md)
 *
 * Guarantees:
 *  - Exact: amounts are ft_amount, stored as canonical text, summed in C.
 *    What a conversion cuts below 10^-12 is summed per run; its whole units
 *    are posted to the `remainder` account, the rest is recorded on the run.
 *  - Every posting's legs sum to zero per currency, and per period
 *    −receipts = payees + payouts + label + fees + remainder + suspense.
 *  - A run is one write transaction: re-running an open period deletes its
 *    postings and recomputes them from the same inputs, to the same unit.
 *  - A closed period is never changed; usage or income dated in it that
 *    arrives later is posted in the next run as an adjustment (kind
 *    "late"), and the run says so.
 *  - No usage row is skipped without a word: a month before P that no run
 *    covers stops the run of P (FT_ECONFLICT naming it) until it is run,
 *    accounted elsewhere, or included; check J-6 finds such rows behind a
 *    closed month.
 *  - One accounting currency per ledger (all contracts in it; an advance
 *    or cost paid in another currency is converted at the rate of the
 *    month it was paid, by the run that charges it); a run that
 *    needs a rate the ledger lacks stops and names every missing rate.
 *
 * Ownership: result structs are filled by the call and released with their
 * _free function (also after a failure); NULL is a no-op.
 */
#ifndef FAIRTRACK_LEDGER_RUN_H
#define FAIRTRACK_LEDGER_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "fairtrack/contract.h"
#include "fairtrack/error.h"
#include "fairtrack/money.h"
#include "fairtrack/period.h"
#include "fairtrack/store.h"

/* ---- contracts (src/ledger/contracts_store.c) ------------------------------- */

enum ft_contracts_change_kind {
	FT_CONTRACT_ADDED = 1,
	FT_CONTRACT_CHANGED = 2,
	FT_CONTRACT_UNCHANGED = 3,
};

struct ft_contracts_change {
	char id[FT_CONTRACT_ID_MAX];
	enum ft_contracts_change_kind kind;
};

struct ft_contracts_import_result {
	struct ft_contracts_change *changes; /* one per contract in the files, by id */
	size_t n_changes;
};

/*
 * Load a YAML file or a directory of them (fairtrack/contract.h), check
 * every track (ISRC), release (GTIN-14) and artist in scope against the
 * catalogue, and store them in one transaction, replacing contracts with
 * the same id.  FT_EINVAL names file, line and field.
 */
int ft_contracts_import(struct ft_store *store, const char *path,
			struct ft_contracts_import_result *res, struct ft_error *err);
void ft_contracts_import_result_free(struct ft_contracts_import_result *res);

/*
 * Every stored contract as DIR/<id>.yaml (DIR is created if missing), as it
 * was imported: a file that held one contract as written, comments and all;
 * one of a file that held several as its canonical YAML (ft_contract_to_yaml).
 * Importing DIR again changes nothing.  *n gets the number of files.
 */
int ft_contracts_export(struct ft_store *store, const char *dir, size_t *n, struct ft_error *err);

/* Every stored contract, by id, into an empty set (clear it when done). */
int ft_contracts_load(struct ft_store *store, struct ft_contract_set *set, struct ft_error *err);

/* ---- exchange rates (src/ledger/fx.c) --------------------------------------- */

/*
 * A CSV file `period,from,to,rate` (header required): the rate converts one
 * unit of `from` into `to` for every month of `period` (2026-10, 2026-Q4,
 * 2026-H2, 2026), an exact decimal > 0.  A rate already stored for a month
 * is replaced, unless that month is closed (FT_ECONFLICT).  *n_months gets
 * the number of (month, pair) rates written.
 */
int ft_fx_import(struct ft_store *store, const char *path, size_t *n_months, struct ft_error *err);

/* The rate of a month; 1 when from == to.  FT_ENOTFOUND names the month,
 * the pair and the fix. */
int ft_fx_rate(struct ft_store *store, int month, const char *from, const char *to, ft_amount *rate,
	       struct ft_error *err);

/* ---- the base currency (src/ledger/settings.c) ------------------------------ */

/* Where the base currency came from (docs/JOURNAL.md, "Currencies"). */
enum ft_base_source {
	FT_BASE_SETTING = 1,   /* settings.base_currency */
	FT_BASE_RUNS = 2,      /* the latest run's currency */
	FT_BASE_CONTRACTS = 3, /* the one currency every contract shares */
};

/*
 * The ledger's base currency (receipts, the label account, fees, suspense,
 * remainders) into out: the setting, else the latest run's currency, else
 * the one currency all of `contracts` share (may be NULL).  FT_EUSAGE when
 * contracts use several currencies and nothing decides (the message says
 * how to set it), FT_ENOTFOUND when there is nothing at all.  *source (may
 * be NULL) says which rule decided.
 */
int ft_ledger_base_currency(struct ft_store *store, const struct ft_contract_set *contracts,
			    char out[4], enum ft_base_source *source, struct ft_error *err);

/*
 * Set the base currency (an ISO 4217 code).  Refused (FT_ECONFLICT) when
 * the ledger has runs in another currency: their journal is in it.
 */
int ft_ledger_set_base_currency(struct ft_store *store, const char *currency,
				struct ft_error *err);

/* ---- non-attributable income (src/ledger/income.c) -------------------------- */

/*
 * A CSV file `month,partner,kind,currency,amount,description` (header
 * required).  kind: advance, minimum-guarantee, breakage, settlement or
 * other.  The partner must be in the catalogue.  A row with the same
 * (month, partner, kind, description) replaces the stored one, unless a
 * closed run posted it (FT_ECONFLICT).  One transaction; *n_rows gets the
 * rows stored.
 */
int ft_income_import(struct ft_store *store, const char *path, size_t *n_rows,
		     struct ft_error *err);

/* ---- run and close (src/ledger/run.c) --------------------------------------- */

/* Called with one line of text (no newline); non-zero stops the walk. */
typedef int (*ft_text_fn)(void *ctx, const char *line);

/* One payee account after the run (ACCT-5 … ACCT-7). */
struct ft_run_payee {
	char payee[FT_CONTRACT_ID_MAX];
	char account[FT_CONTRACT_ID_MAX];
	char currency[4]; /* the account's (its contracts' currency) */
	ft_amount opening, royalties, advances, costs, balance, reserve_held, payable, closing;
};

struct ft_run_summary {
	char period[FT_PERIOD_STR_MAX];
	char currency[4];
	int replaced;		     /* 1 when an earlier open run of the period was replaced */
	size_t lines;		     /* usage, suspense and income rows fed to the engine */
	size_t late_lines;	     /* of them, rows dated in closed months (adjustments) */
	size_t postings, legs;	     /* journal written */
	ft_amount receipts;	     /* Σ gross receipts, accounting currency */
	ft_amount fees;		     /* ACCT-1 distributor fees */
	ft_amount royalties;	     /* credited to payees, in the base: accounts in another
					currency count what the label gave up for them */
	ft_amount label;	     /* label share (net of advances and costs recouped) */
	ft_amount suspense;	     /* net movement of suspense accounts */
	ft_amount remainder;	     /* whole 10^-12 units of conversion remainders */
	ft_amount remainder_e24;     /* what is left below 10^-12, in 10^-24 units */
	ft_amount payable;	     /* Σ payable of the accounts in the base currency
					(others: per payee, never summed across currencies) */
	struct ft_run_payee *payees; /* sorted by payee, account */
	size_t n_payees;
	char (*notes)[FT_ERROR_MESSAGE_MAX]; /* adjustments and warnings, in order */
	size_t n_notes;
	/* Where the time went, in microseconds of wall clock (benchmarks):
	 * reading rows, the engine with its royalty lines, posting, committing. */
	int64_t us_read, us_engine, us_post, us_commit;
	/* The usage scan started at this rowid: older rows were read by
	 * closed runs already (run.c, scan_from). */
	int64_t scan_from;
};

/*
 * Run period P: every stored contract due in P, each over its statement
 * period (the max(frequency, P) months ending with P; docs/JOURNAL.md "Due
 * contracts"), starting from the state the last closed period left.  Rows of
 * a contract not due wait unposted for its run; the summary's notes name
 * each skipped contract and when it is next due.  Refused (FT_ECONFLICT) when a month of P is
 * closed or another period's run is still open (close it first), or when
 * an earlier month no run covers holds rows no run posted (struct
 * ft_run_options, include_unrun, says what to do instead; that refusal
 * alone has err->field "include_unrun").  A missing
 * exchange rate is FT_ENOTFOUND naming every pair and month needed.
 */
int ft_run_period(struct ft_store *store, const struct ft_period *period,
		  struct ft_run_summary *out, struct ft_error *err);
void ft_run_summary_free(struct ft_run_summary *summary);

/* What a run may do beyond the defaults of ft_run_period. */
struct ft_run_options {
	/* Post the usage, suspense and income rows of earlier months no run covers (never run, not
	 * closed, not accounted elsewhere) as late adjustments in this run;
	 * closing the run closes those months (docs/JOURNAL.md, "Months no run
	 * covers").  Without it such rows refuse the run (FT_ECONFLICT naming
	 * each month, its rows and revenue). */
	int include_unrun;
};

/* ft_run_period with options (NULL: the defaults). */
int ft_run_period_opts(struct ft_store *store, const struct ft_period *period,
		       const struct ft_run_options *opts, struct ft_run_summary *out,
		       struct ft_error *err);

/* Close P (its run must exist and be open): its months enter closed_periods,
 * and so do the months the run took over (include_unrun); its state becomes
 * the next run's start.  FT_ENOTFOUND with no run of P. */
int ft_run_close(struct ft_store *store, const struct ft_period *period, struct ft_error *err);

/* ---- months no run covers (src/ledger/unrun.c) ------------------------------ */

/*
 * Mark every month of P accounted elsewhere (another system paid it): the
 * active usage, suspense and income rows no run posted that each month holds now are never
 * posted, and runs of later periods no longer stop on them.  reason is
 * required; it goes to the audit log (action "accounted-elsewhere", by
 * actor) with the rows and revenue.  Rows imported for the month later
 * are not covered: the next run names them again.  FT_ECONFLICT when a
 * month of P is closed, has a run, or was taken over by one.  fn (may be
 * NULL) gets one line per month saying what was marked.  One transaction.
 */
int ft_run_mark_elsewhere(struct ft_store *store, const struct ft_period *period,
			  const char *reason, const char *actor, ft_text_fn fn, void *ctx,
			  struct ft_error *err);

/*
 * Every month from the ledger's first to its last (usage, runs, marks),
 * TSV `month state rows detail` after a header line: state `closed` or
 * `open` (with its run), `included` (taken over by a run), `accounted
 * elsewhere` (with the reasons), `not run` (rows no run posted).  Months
 * with nothing in them are left out.
 */
int ft_run_months(struct ft_store *store, ft_text_fn fn, void *ctx, struct ft_error *err);

/* One month of ft_run_months_each; strings valid during the call. */
struct ft_run_month {
	const char *month;  /* "2026-10" */
	const char *state;  /* closed, open, included, accounted elsewhere, not run */
	int64_t rows;	    /* its usage rows */
	const char *detail; /* the run, the reasons, the rows no run posted */
};
typedef int (*ft_run_month_fn)(void *ctx, const struct ft_run_month *m);

/* The months of ft_run_months as records (fn returns non-zero to stop): the
 * number of months in the ledger's range (those left out included), or a
 * negative FT_E* code. */
int ft_run_months_each(struct ft_store *store, ft_run_month_fn fn, void *ctx,
		       struct ft_error *err);

/* ---- journal (src/ledger/journal.c) and explain (src/ledger/explain.c) ------ */

/* The journal of a period (NULL: all), one TSV line a leg, in posting
 * order: period posting kind account currency amount contract payee batch
 * source source_id note.  Deterministic: two runs of the same inputs give
 * the same text. */
int ft_journal_dump(struct ft_store *store, const struct ft_period *period, ft_text_fn fn,
		    void *ctx, struct ft_error *err);

/*
 * Verify every invariant of docs/JOURNAL.md: each posting balances per
 * currency; per period, −receipts = payees + payouts + label + fees +
 * remainder + suspense; each payee account's closing balance equals the sum
 * of its postings.  FT_ECONFLICT naming the first broken one.
 */
int ft_journal_check(struct ft_store *store, struct ft_error *err);

/*
 * Explain what a payee is owed for period P: the payable, the balance it
 * came from (opening, royalties, advances, costs, reserve), then every
 * posting that credited the payee with its arithmetic (rule, rate,
 * escalation, shares), the exchange rate and fee, and the import batch and
 * report row (or income row) it came from.  FT_ENOTFOUND when P has no run
 * or the payee none of its figures.
 */
int ft_run_explain(struct ft_store *store, const struct ft_period *period, const char *payee,
		   ft_text_fn fn, void *ctx, struct ft_error *err);

/* ---- arithmetic shared with the tests --------------------------------------- */

/*
 * ACCT-1 for one row: revenue in the report currency × fx rate, minus the
 * partner's fee (percent as a fraction).  Same as ft_royalty_receipts; the
 * conversion's sub-unit cut is added to *remainder_e24 (an accumulator),
 * carried into whole units (*remainder) as it passes 10^-12.
 */
int ft_run_convert(ft_amount *gross, ft_amount *fee, ft_amount *receipts, ft_amount *remainder,
		   ft_amount *remainder_e24, ft_amount revenue, ft_amount fx_rate,
		   ft_amount fee_rate, struct ft_error *err);

#endif
