/*
 * fairtrack — issuing statements from the ledger, and verifying them.
 *
 * ft_issue_build turns what a run posted for one payee account into a
 * statement model (fairtrack/statement.h): every royalty line under the
 * journal's royalty postings to the account (table royalty_lines, the
 * payee's ACCT-4 part of it) and every profit-split leg becomes a line,
 * joined through its provenance to the usage row (track,
 * release, store, territory, model, use type, units), the catalogue's titles
 * and the partner's name; income shared under ACCT-9 is a non-attributable
 * line; advance and cost postings are charges; the period's exchange rates,
 * the contract's terms in plain words and the account's history complete it.
 *
 * ft_issue_statements renders each payee account with activity in each
 * format asked, writes the label summary and the payment file, and records
 * every file's SHA-256 (table issued_statements); ft_issue_verify says
 * whether a file is one that was issued, and for whom.
 *
 * Guarantees:
 *  - Reproducible: the same ledger and period give byte-identical files (the
 *    documents' date is the run's date, never the clock).
 *  - A statement is refused (FT_ECONFLICT, naming payee, figure and both
 *    values) when its printed payable, or its royalties, differ from what the
 *    run stored for the account: nothing is issued that the journal does not
 *    say.
 *  - Recording is one write transaction: either every file of the call is
 *    recorded or none.
 */
#ifndef FAIRTRACK_ISSUE_H
#define FAIRTRACK_ISSUE_H

#include <stddef.h>

#include "fairtrack/error.h"
#include "fairtrack/money.h"
#include "fairtrack/period.h"
#include "fairtrack/statement.h"
#include "fairtrack/store.h"

#define FT_ISSUE_ID_MAX 64
#define FT_ISSUE_PATH_MAX 4096

struct ft_issue_options {
	const char *out_dir; /* created if missing */
	const char *formats; /* "csv,xlsx,pdf" (NULL: all three) */
	const char *payee;   /* only this payee (NULL: every payee with activity) */
	/* Rendering threads; 0: one an online CPU.  The files, their order and
	 * what is recorded are the same for any count. */
	unsigned jobs;
};

/* One file written (a statement, the label summary or the payment file). */
struct ft_issue_file {
	char payee[FT_ISSUE_ID_MAX];   /* "*label*" for the label's own files */
	char account[FT_ISSUE_ID_MAX]; /* "" for the label's files */
	char format[12];	       /* csv, csv-summary, xlsx, pdf, summary, payments */
	char path[FT_ISSUE_PATH_MAX];
	char sha256[65];
	ft_amount payable; /* printed payable of the statement (0 for label files) */
	char currency[4];
};

struct ft_issue_result {
	struct ft_issue_file *files;
	size_t n_files;
	size_t n_statements; /* payee accounts issued */
};

/*
 * Build the statement of (payee, account) for period P from the ledger.
 * *ledger_payable gets the payable the run stored.  FT_ENOTFOUND when P has
 * no run or the account no figures in it.  Only the account's contracts are
 * parsed, but the journal has no index by account: the period's legs are
 * scanned (~2 s for one statement among 10,000 payees).  To issue many,
 * ft_issue_statements reads the journal once for all.
 */
int ft_issue_build(struct ft_store *store, const struct ft_period *period, const char *payee,
		   const char *account, struct ft_statement **out, ft_amount *ledger_payable,
		   struct ft_error *err);

/*
 * Issue P's statements (see above).  FT_ENOTFOUND when P has no run or
 * opts->payee none of its accounts; FT_EUSAGE for an unknown format.
 * Statements are built on the calling thread (the store is used by it only)
 * and rendered by opts->jobs threads, each of which releases its text caches
 * (ft_render_release_thread_caches) when done; the calling thread renders
 * itself when there is one job.
 */
int ft_issue_statements(struct ft_store *store, const struct ft_period *period,
			const struct ft_issue_options *opts, struct ft_issue_result *res,
			struct ft_error *err);
void ft_issue_result_free(struct ft_issue_result *res);

/* What the ledger recorded about an issued file. */
struct ft_issue_record {
	char sha256[65];
	char period[FT_PERIOD_STR_MAX];
	char payee[FT_ISSUE_ID_MAX];
	char account[FT_ISSUE_ID_MAX];
	char format[12];
	char file[FT_ISSUE_PATH_MAX]; /* the name it was issued under */
	char issued_at[32];
};

/* Hash the file at path and look it up: 0 and *rec filled when it was
 * issued, FT_ENOTFOUND (naming the hash) when not, FT_EIO when unreadable. */
int ft_issue_verify(struct ft_store *store, const char *path, struct ft_issue_record *rec,
		    struct ft_error *err);

#endif
