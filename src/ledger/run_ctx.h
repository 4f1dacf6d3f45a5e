/*
 * run_ctx.h — the state of one run of the royalty engine on the ledger,
 * shared by its three parts (internal to src/ledger):
 *   run.c       the run as a whole: refusals, due contracts, the engine,
 *               storing the run and its state; close;
 *   run_read.c  the ledger's rows turned into engine lines (ACCT-1), with
 *               what each row's status is (posted, late, deferred, …);
 *   run_post.c  the double-entry journal the run posts.
 * Nothing here is public: include/fairtrack/ledger_run.h is the API.
 */
#ifndef FAIRTRACK_LEDGER_RUN_CTX_H
#define FAIRTRACK_LEDGER_RUN_CTX_H

#include <stddef.h>
#include <stdint.h>

#include "fairtrack/ledger_run.h"
#include "fairtrack/royalty.h"
#include "ledger/line_writer.h"
#include "ledger/run_int.h"
#include "ledger/unrun.h"

#define NOTE_MAX 1024

enum src_kind { SRC_USAGE, SRC_SUSPENSE, SRC_INCOME };
/* "usage", "suspense", "income": a src_kind as run_posted and the journal name it. */
extern const char *const run_src_names[];

/* A contract's index under a name (its account). */
struct named {
	const char *name;
	size_t i;
};

struct batch_info {
	int64_t id;
	char partner[FT_CONTRACT_ID_MAX];
	char file[256];
	ft_amount fee_rate;
};

/* The usage rows of one batch and month posted together (ACCT-1). */
struct receipt_group {
	uint32_t batch; /* index into batches */
	int month;	/* the rows' own month */
	int late, deferred, unmatched;
	int64_t rows;
	ft_amount gross, fee, receipts;
};

/* Usage rows [first, last] of one month posted by a run (run_posted). */
struct posted_range {
	int month;
	int64_t first, last;
	int64_t seq;   /* while reading: the read place of `last` */
	int run_first; /* closed_ranges: the posting run's first month */
};

struct royalty_group {
	size_t contract;
	int64_t batch_id; /* 0: not a usage batch */
	int kind;	  /* SRC_USAGE, SRC_INCOME, or -1: carried suspense */
	int64_t source_id;
	int64_t posting;
	int64_t lines;
	ft_amount royalty, base; /* in the contract's currency */
	ft_amount label_royalty; /* in the base currency (entries' label_royalty) */
	/* A contract in another currency: the rates its lines were converted
	 * at, one per month (lines lie in the run's period: at most 12), for
	 * the note — the rate recorded next to the result. */
	int n_fx;
	int fx_month[12];
	ft_amount fx_rate[12];
	size_t shares_at; /* into group_shares, contract->n_payees of them */
};

/* One source row of the ledger and what ACCT-1 made of it. */
struct src_row {
	enum src_kind kind;
	int64_t id, batch_id;
	int late;
	char partner[FT_CONTRACT_ID_MAX];
	ft_amount gross, fee, receipts;
	size_t first_line, n_lines; /* its engine lines */
	char note[NOTE_MAX];
};

struct fx_cache {
	int month;
	char from[4], to[4];
	ft_amount rate;
	int missing;
};

/* An advance or cost paid in another currency, as this run converted it. */
struct converted {
	char account[FT_CONTRACT_ID_MAX]; /* the contract's account (group or id) */
	int cost;			  /* 0 advance, 1 cost */
	char text[256];
};

struct run_ctx {
	struct ft_store *store;
	struct ft_period period;
	char period_text[FT_PERIOD_STR_MAX];
	const char *currency; /* the ledger's base currency (settings.c) */
	char base[4];
	struct ft_run_summary *sum;
	struct ft_error *err;

	/* Statement frequency (docs/JOURNAL.md "Due contracts"). */
	const struct ft_contract *contracts;
	size_t n_contracts;
	struct ft_period *windows; /* per contract; months == 0: not due */
	struct named *by_account;  /* the contracts by account (index_accounts) */
	struct ft_period span;	   /* the longest due window: the engine's period */
	int all_due;		   /* every contract due: income is shared */
	int any_not_due;
	size_t *deferred; /* per contract: rows left for its due run */
	size_t deferred_income;
	int64_t *context_ids; /* usage rows posted by closed runs inside span */
	size_t n_context, cap_context;
	struct converted *converted; /* ACCT-5 advances and costs in another currency */
	size_t n_converted, cap_converted;

	struct src_row *rows;
	size_t n_rows, cap_rows;
	struct ft_royalty_line *lines;
	size_t n_lines, cap_lines;
	struct ft_stmt *q_release, *q_artist;	       /* track_context, prepared once */
	struct ft_royalty_dict *dict;		       /* the lines' tracks and channels */
	struct ft_royalty_cover *cover;		       /* every contract, for frequency_defers */
	const struct ft_royalty_track *last_track;     /* track_context's last answer */
	const struct ft_royalty_channel *last_channel; /* read_usage's last channel */
	char last_isrc[FT_ISRC_LEN + 1], last_gtin14[FT_GTIN_LEN + 1];
	char last_format[FT_CONTRACT_TOKEN_MAX], last_artist[FT_CONTRACT_ID_MAX];
	int64_t *posted; /* usage/suspense/income ids posted by closed runs, per kind */
	size_t n_posted[3], cap_posted[3];
	int64_t *posted_by_kind[3];
	struct fx_cache *fx;
	size_t n_fx, cap_fx;
	struct ft_royalty_fx *engine_fx; /* base → each contract currency, per month */
	size_t n_engine_fx, cap_engine_fx;
	/* Usage rows are not kept one by one (20 million rows): their lines
	 * carry the batch (tag), their receipts are summed per group, and the
	 * rows posted are kept as rowid ranges (run_posted). */
	struct batch_info *batches; /* not withdrawn, by id */
	size_t n_batches, cap_batches, last_batch;
	struct receipt_group *rgroups;
	size_t n_rgroups, cap_rgroups, last_rgroup;
	struct posted_range *open_ranges, *ranges; /* open: one per month being read */
	size_t n_open, cap_open, n_ranges, cap_ranges;
	struct posted_range *closed_ranges; /* posted by closed runs, by (month, first) */
	size_t n_closed_ranges, cap_closed_ranges;
	int closed_month, closed_answer; /* ft_ledger_month_closed, last asked */
	struct unrun_month *unrun;	 /* months no run covers, taken over (include_unrun) */
	size_t n_unrun;
	struct unrun_mark *marks; /* months accounted elsewhere, by month */
	size_t n_marks;
	ft_amount usage_gross, usage_fee;
	/* Royalty postings: one per (contract, batch) of usage lines, one per
	 * (contract, income row) of ACCT-9 allocations; numbered first, in the
	 * order the engine hands their entries over (on_entry). */
	struct royalty_group *groups;
	size_t n_groups, cap_groups, group_from;
	ft_amount *group_shares;
	size_t n_group_shares, cap_group_shares;
	size_t missing_rates;
	char missing_text[FT_ERROR_MESSAGE_MAX];

	ft_amount remainder_e24, remainder;
	int force_post; /* run_post() writes a posting whose legs are all zero */
	struct ft_stmt *ins;
	struct line_writer *lines_out; /* royalty_lines, on a second thread */
	int64_t posting;
	size_t legs;
	ft_amount label_sum;
};

/* One leg of a posting; a posting's legs balance per currency (J-1). */
struct leg {
	const char *account;
	const char *payee; /* NULL for the label's and partners' accounts */
	ft_amount amount;
	const char *currency; /* NULL: the base currency */
};

/* ---- run.c ---------------------------------------------------------------------- */

/* Grow *p (of *cap elements of size) to hold need: 0 or FT_ENOMEM. */
int run_grow(void **p, size_t *cap, size_t need, size_t size);
void run_copy_field(char *dst, size_t cap, const char *text);
/* The note of an ACCT-5 charge converted from another currency. */
void run_charge_note(const struct run_ctx *r, char *note, size_t cap, const char *account,
		     int cost);

/* ---- run_read.c ----------------------------------------------------------------- */

/* A line for the run's report (best effort: a note lost to OOM loses no money). */
void run_add_note(struct ft_run_summary *sum, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The rate of month from → to (cached); 1 when the run collects a missing
 * rate to name at the end of the scan. */
int run_rate_for(struct run_ctx *r, int month, const char *from, const char *to, ft_amount *rate);
int run_fee_rate(const char *text, ft_amount *out, struct ft_error *err);
/* The usage, suspense and income rows closed runs posted (per kind). */
int run_load_posted(struct run_ctx *r);
long run_batch_index(struct run_ctx *r, int64_t id);
int run_month_closed(struct run_ctx *r, int month);
/* Every usage row of the scan into engine lines and receipt groups. */
int run_read_usage(struct run_ctx *r);
/* The suspense or income rows of the run, one src_row each. */
int run_read_rows(struct run_ctx *r, enum src_kind kind);

/* ---- run_post.c ----------------------------------------------------------------- */

/* One posting of n legs (balanced per currency, J-1) into the journal. */
int run_post(struct run_ctx *r, const char *kind, const struct leg *legs, size_t n,
	     const char *contract, int64_t batch_id, const char *source, int64_t source_id,
	     const char *note);
/* The engine's sink: each entry into its royalty posting and its line. */
int run_on_entry(void *ctx, const struct ft_royalty_entry *e, const ft_amount *shares,
		 const struct ft_royalty_allocation *a, struct ft_error *err);
/* Everything the run posts once the engine is done. */
int run_post_all(struct run_ctx *r, const struct ft_royalty_input *in,
		 const struct ft_royalty_result *res);

#endif
