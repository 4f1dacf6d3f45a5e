/*
 * royalty_lines.h — reading the royalty lines a run stored (table
 * royalty_lines, docs/JOURNAL.md), as one payee account sees them; internal
 * to src/ledger, shared by the statements (issue.c), the portal's drill-down
 * (portal_read.c) and `explain` (explain.c), so the three give the same
 * lines, the same payee parts and the same words.
 *
 * A line is one engine entry: which usage row (and, for ACCT-9, which income
 * row), which rule and escalation tier, the base, rate and royalty, exact.
 * It sits under a royalty posting (period, posting) of the journal, whose
 * payee legs name the accounts it credits; a payee's part of the line is not
 * stored but recomputed as the contract's ACCT-4 split of the line's royalty
 * (ft_royalty_payee_shares), exactly as the engine split it.  A line whose
 * part for the account is zero is skipped, as the journal posts no zero leg.
 *
 * The cursor either reads one account, or every payee account of a period in
 * account order (byte order, "payee:P@A"), so that issuing every statement
 * of a period reads the period's lines once, not once per statement.
 *
 * Nothing here writes; nothing is recomputed except a payee's part and, in
 * the rendered note, the month's exchange rate looked up again.
 */
#ifndef FAIRTRACK_LEDGER_ROYALTY_LINES_H
#define FAIRTRACK_LEDGER_ROYALTY_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fairtrack/contract.h"
#include "fairtrack/error.h"
#include "fairtrack/money.h"
#include "fairtrack/store.h"

/* One royalty line as one payee account sees it.  Strings and the contract
 * pointer are valid until the next call on the cursor. */
struct ft_posted_line {
	const char *account; /* "payee:<payee>@<account>" */
	const char *payee;   /* the payee id */
	const char *contract_id;
	const struct ft_contract *contract; /* from the set given to open */
	size_t payee_index;		    /* the payee in contract->payees */
	int64_t journal_id;		    /* the payee's leg of the posting */
	int64_t posting, seq;		    /* the line's key within the period */
	int64_t usage_id;		    /* the usage row; 0 when none */
	int64_t income_id;		    /* ACCT-9: the income row shared; 0 when none */
	int rule;			    /* index into contract->rules, -1 when none */
	int tier;			    /* 0 base rate, k = escalations[k - 1] */
	int64_t units;
	ft_amount base, rate, royalty; /* royalty: the whole line's, all payees */
	ft_amount allocated;	       /* ACCT-9 receipts allocated (when non_attributable) */
	bool non_attributable;	       /* an ACCT-9 allocation (allocated is stored) */
	ft_amount part;		       /* this payee's part of royalty (ACCT-4) */
};

/* The usage row of a line, with its import batch and partner.  Strings are
 * valid until the next ft_royalty_lines_usage call. */
struct ft_posted_usage {
	const char *month, *isrc, *track, *upc, *release, *store, *territory;
	const char *commercial_model, *use_type, *currency, *revenue;
	int64_t usages;
	int64_t batch_id;
	const char *batch_file, *partner, *partner_name, *format, *imported_at;
	int64_t batch_rows, usage_lines, rejected_lines, suspense_rows;
	const char *fee_percent; /* the partner's, "" when unknown */
};

/* The income row of an ACCT-9 line.  Strings are valid until the next
 * ft_royalty_lines_income call. */
struct ft_posted_income {
	const char *month, *partner, *kind, *description, *currency, *amount, *file;
};

/*
 * A query whose rows come by payee account (column 0, "payee:P@A"), walked
 * one account at a time: either one account's own query (shared false), or
 * every payee account of a period in account order (shared true), so that
 * issuing every statement reads the period once.  The statements' journal
 * legs (issue.c) and the royalty lines below use it.
 */
struct ft_account_cursor {
	struct ft_stmt *q;
	bool shared;  /* over every payee account, in account order */
	bool pending; /* q is on a row not consumed yet */
	bool done;
};

/*
 * 1 with q on the next row of account (consumed), 0 when account has no
 * more, < 0 on error.  With a shared cursor the accounts must be asked for
 * in ascending byte order (SQLite's ORDER BY); rows of accounts not asked
 * for are skipped.
 */
int ft_account_cursor_next(struct ft_account_cursor *c, const char *account, struct ft_error *err);

struct ft_royalty_lines;

/*
 * A cursor over the royalty lines of period: of one payee account (account
 * "payee:P@A"), or of every payee account in account order (account NULL).
 * contracts must hold every contract the lines were posted under (the
 * account's contracts, or all) and outlive the cursor.  *out is freed with
 * ft_royalty_lines_close.
 */
int ft_royalty_lines_open(struct ft_royalty_lines **out, struct ft_store *store, const char *period,
			  const char *account, const struct ft_contract_set *contracts,
			  struct ft_error *err);

/*
 * 1 with *line filled by the next line of account, 0 when account has no
 * more, < 0 on error (FT_ENOTFOUND when a line's contract is not in the set).
 * With a cursor over every account, accounts must be asked for in ascending
 * byte order; the lines of accounts not asked for are skipped.
 */
int ft_royalty_lines_next(struct ft_royalty_lines *l, const char *account,
			  struct ft_posted_line *line, struct ft_error *err);

/* 1 with *u filled, 0 when the usage row is gone, < 0 on error. */
int ft_royalty_lines_usage(struct ft_royalty_lines *l, int64_t usage_id, struct ft_posted_usage *u,
			   struct ft_error *err);

/* 1 with *in filled, 0 when the income row is gone, < 0 on error. */
int ft_royalty_lines_income(struct ft_royalty_lines *l, int64_t income_id,
			    struct ft_posted_income *in, struct ft_error *err);

/*
 * The line's arithmetic in words into buf (always NUL-terminated): contract,
 * ACCT-9 allocation, ACCT-2 base and units, ACCT-3 rule with its place in the
 * contract file, rate and escalation tier, royalty, the payee's ACCT-4 share
 * and part, then the usage row (import batch, file, row, figures, exchange
 * rate, fee) and the income row it came from.  u and in (NULL when the line
 * has none, or the row is gone) are the rows fetched for the line.  Returns
 * the length the note needed (as snprintf), or < 0 on error.
 */
int ft_royalty_lines_note(struct ft_royalty_lines *l, const struct ft_posted_line *line,
			  const struct ft_posted_usage *u, const struct ft_posted_income *in,
			  char *buf, size_t cap, struct ft_error *err);

void ft_royalty_lines_close(struct ft_royalty_lines *l);

/*
 * The stored contracts of one account (a contract id or a cross-collateral
 * group), appended to set: only texts that mention the account are parsed,
 * so a statement of one payee does not parse a label's 10,000 contracts.
 */
int ft_royalty_lines_contracts(struct ft_store *store, const char *account,
			       struct ft_contract_set *set, struct ft_error *err);

#endif
