/*
 * fairtrack — what the portal reads from the ledger for the artist pages:
 * the list of statements (one per payee account and period run), and the
 * drill-down from a statement line to the royalty lines (and the journal
 * postings they are under), usage rows, income rows and import batches
 * behind it.
 *
 * A statement itself is built with ft_issue_build (fairtrack/issue.h): the
 * same model the PDF renders, so the page, the download and the issued file
 * cannot disagree.  This module adds only read queries; it computes no money
 * (figures are those the run stored, as exact ft_amount values).
 *
 * Scoping is the caller's job: these functions answer for any payee they are
 * given.  The HTTP layer asks them only for payees the user may see.
 *
 * Strings handed to callbacks are valid during the call only.
 */
#ifndef FAIRTRACK_PORTAL_H
#define FAIRTRACK_PORTAL_H

#include <stddef.h>
#include <stdint.h>

#include "fairtrack/error.h"
#include "fairtrack/money.h"
#include "fairtrack/period.h"
#include "fairtrack/store.h"

/* One payee account of one run (a row of run_statements with its run). */
struct ft_portal_statement {
	const char *period; /* "2026-10", "2026-Q4" */
	int first_month;    /* months since year 0, for ordering */
	const char *payee;
	const char *account;
	const char *currency;
	const char *ran_at;    /* when the run was made */
	const char *closed_at; /* "" while the period is open */
	ft_amount opening, royalties, advances, costs, balance, reserve_held, payable, closing;
};

typedef int (*ft_portal_statement_fn)(void *ctx, const struct ft_portal_statement *s,
				      struct ft_error *err);

/*
 * The statements of payee (NULL: every payee) in period (NULL: every run),
 * newest period first, then payee and account; rows offset .. offset+limit-1
 * go to fn (limit 0: all).  *total (may be NULL) gets the number of matches.
 */
int ft_portal_statements(struct ft_store *store, const char *payee, const char *period,
			 size_t offset, size_t limit, ft_portal_statement_fn fn, void *ctx,
			 size_t *total, struct ft_error *err);

/* Which lines of a statement to walk back; NULL or "" fields match all. */
struct ft_portal_filter {
	const char *isrc;
	const char *store; /* as the statement shows it: the report's store, else the partner */
	const char *territory;
	const char *commercial_model;
	const char *use_type;
	int non_attributable; /* -1 any, 0 ordinary lines only, 1 ACCT-9 lines only */
};

/* One royalty line (or profit-split leg) that credited the statement's
 * account, and its origin. */
struct ft_portal_source {
	int64_t journal_id, posting; /* the account's leg of the posting it is under */
	const char *kind;	     /* "royalty", "profit-split" */
	const char *contract;	     /* the contract whose terms applied */
	ft_amount royalty;	     /* this payee's part (ACCT-4) of the line */
	const char *note; /* its arithmetic: rule (file:line), rate, tier, base, share, fx, fee */
	int non_attributable; /* an ACCT-9 share of income */
	/* The usage row the line was computed from (0 / "" when none). */
	int64_t usage_row;
	const char *month, *isrc, *track, *upc, *release, *store, *territory;
	const char *commercial_model, *use_type, *currency, *revenue;
	int64_t usages;
	/* Its import batch (batch_id 0 when none). */
	int64_t batch_id;
	const char *batch_file, *partner, *partner_name, *format, *imported_at;
	int64_t batch_rows, usage_lines, rejected_lines, suspense_rows;
	/* For ACCT-9 lines, the income row shared out (income_id 0 otherwise). */
	int64_t income_id;
	const char *income_kind, *income_description, *income_currency, *income_amount;
	const char *income_file;
};

typedef int (*ft_portal_source_fn)(void *ctx, const struct ft_portal_source *s,
				   struct ft_error *err);

/*
 * The royalty lines of (period, payee, account) in (posting, seq) order,
 * then its profit-split legs, that match filter (NULL: all); matches
 * offset .. offset+limit-1 go to fn (limit 0: all).  *total (may be NULL)
 * gets the number of matches.  FT_ENOTFOUND when the run of period has no
 * figures for the account.
 */
int ft_portal_sources(struct ft_store *store, const char *period, const char *payee,
		      const char *account, const struct ft_portal_filter *filter, size_t offset,
		      size_t limit, ft_portal_source_fn fn, void *ctx, size_t *total,
		      struct ft_error *err);

#endif
