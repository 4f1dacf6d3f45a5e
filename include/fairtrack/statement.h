/*
 * fairtrack — the royalty statement model and its renderers.
 *
 * A statement is what one payee sees of one account (a contract, or a group of
 * cross-collateralised contracts) for one period: the balance carried in, the
 * royalties earned line by line, advances and costs charged, the reserve, what
 * is paid and what is carried forward, the exchange rates and, in plain words,
 * the contract terms that produced the figures.  The royalty engine fills it;
 * the renderers (CSV, XLSX, PDF) only ever read it.
 *
 * Guarantees:
 *  - Money is ft_amount end to end.  Exact figures (12 decimals) are kept in
 *    the model; what a statement PRINTS is rounded down to the currency's
 *    minor unit (ft_amount_round_minor), and every printed total is the sum of
 *    the printed figures above it.  The fractions of a minor unit that the
 *    rounding cuts are shown on their own line of the balance block and the
 *    part below one minor unit stays in the payee's balance (docs/STATEMENTS.md
 *    "Rounding").  ft_statement_summarize computes all of that, once, so the
 *    three renderers cannot disagree.
 *  - Rendering is a pure function of the model: the same statement gives
 *    byte-identical files (no clock, no random tag, stable ordering).  The
 *    document dates come from `issued`.
 *  - Texts are UTF-8 and may be in any script (accents, CJK, Arabic, Hebrew).
 *
 * Memory: a statement owns every string and array in it.  ft_statement_new
 * makes an empty one, the ft_statement_set_* / _add_* functions copy what
 * they are given, ft_statement_free releases all.  Readers may walk the public
 * arrays directly.  The functions are not thread-safe on one statement, but
 * different statements can be built and rendered on different threads.
 */
#ifndef FAIRTRACK_STATEMENT_H
#define FAIRTRACK_STATEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fairtrack/error.h"
#include "fairtrack/money.h"
#include "fairtrack/period.h"

/* One royalty line: one track on one store in one territory under one
 * commercial model and use type (the engine's entry, for this payee). */
struct ft_statement_line {
	const char *track;	      /* track title, "" if unknown */
	const char *isrc;	      /* "" if unknown */
	const char *release;	      /* release title, "" if unknown */
	const char *upc;	      /* release GTIN/UPC, "" if unknown */
	const char *store;	      /* the DSP / store / partner as the payee knows it */
	char territory[3];	      /* ISO 3166-1 alpha-2, "WW" for worldwide */
	const char *commercial_model; /* "subscription", "ad-supported", "purchase", ... */
	const char *use_type;	      /* "stream", "download", ... */
	int64_t units;		      /* negative for returns */
	ft_amount receipts;	      /* ACCT-1: what the label received, statement currency */
	ft_amount rate;		      /* the payee's effective rate: contract rate × share */
	ft_amount royalty;	      /* exact, this payee's */
	/* ACCT-9: this payee's part of income that belongs to no single track,
	 * allocated to this track pro rata; shown on its own line. */
	bool non_attributable;
};

enum ft_charge_kind {
	FT_CHARGE_ADVANCE = 1, /* ACCT-5: an advance paid, recouped from royalties */
	FT_CHARGE_COST = 2,    /* ACCT-5: a recoupable cost (video, tour support, ...) */
};

struct ft_statement_charge {
	enum ft_charge_kind kind;
	const char *date;	 /* "2026-07-14" */
	const char *description; /* plain words: "Advance for the album 'Kaleidoscope'" */
	ft_amount amount;	 /* positive: it is subtracted from the balance */
};

/* An exchange rate used for the receipts on this statement. */
struct ft_statement_fx {
	char from[4];	    /* ISO 4217 of the report */
	char to[4];	    /* the statement currency */
	ft_amount rate;	    /* 1 from = rate to */
	const char *source; /* where the rate came from: "ECB reference rate 2026-09-30" */
};

/* One point of the "earnings over the last periods" chart. */
struct ft_statement_history {
	struct ft_period period;
	ft_amount royalties; /* exact; charts round down like everything printed */
};

struct ft_statement {
	/* Who and what. */
	char *id;	  /* statement number, unique per issuer: "ST-2026Q3-000042" */
	char *label;	  /* the issuing label */
	char *payee_id;	  /* "ana-lucia" */
	char *payee_name; /* "Ana Lúcia Ferreira" */
	char *account;	  /* the contract, or the cross-collateral group */
	char *issued;	  /* "2026-10-15": the documents' creation date too */
	char currency[4]; /* ISO 4217; every amount below is in it */
	struct ft_period period;

	/* ACCT-5..7 balance inputs (exact).  The rest is computed. */
	ft_amount opening;	       /* balance carried in (negative: still to recoup) */
	ft_amount reserve_held_before; /* reserve held when the period began */
	ft_amount reserve_withheld;    /* ACCT-6: withheld from this period's royalties */
	ft_amount reserve_released;    /* ACCT-6: released from earlier periods */

	/* How the non-attributable line was computed, in plain words ("" none). */
	char *non_attributable_note;

	struct ft_statement_line *lines;
	size_t n_lines;
	struct ft_statement_charge *charges;
	size_t n_charges;
	struct ft_statement_fx *fx;
	size_t n_fx;
	struct ft_statement_history *history; /* oldest first; the current period last */
	size_t n_history;
	char **terms; /* the contract terms in plain words, one sentence each */
	size_t n_terms;

	struct ft_statement_arena *arena; /* private: owns the copies */
	size_t cap_lines, cap_charges, cap_fx, cap_history, cap_terms;
};

/* ---- building ------------------------------------------------------------- */

/* A new empty statement (period 0, currency "EUR") or FT_ENOMEM. */
int ft_statement_new(struct ft_statement **out, struct ft_error *err);
void ft_statement_free(struct ft_statement *st);

/*
 * Set the header texts (each copied; NULL leaves a field as it was) and the
 * currency, which must be a valid ISO 4217 code with a minor unit (FT_EINVAL
 * otherwise).
 */
int ft_statement_set_header(struct ft_statement *st, const char *id, const char *label,
			    const char *payee_id, const char *payee_name, const char *account,
			    const char *issued, const char *currency, struct ft_error *err);
int ft_statement_set_note(struct ft_statement *st, const char *non_attributable_note,
			  struct ft_error *err);

/* Append a copy (strings copied; NULL strings become ""). */
int ft_statement_add_line(struct ft_statement *st, const struct ft_statement_line *line,
			  struct ft_error *err);
int ft_statement_add_charge(struct ft_statement *st, const struct ft_statement_charge *charge,
			    struct ft_error *err);
int ft_statement_add_fx(struct ft_statement *st, const struct ft_statement_fx *fx,
			struct ft_error *err);
int ft_statement_add_history(struct ft_statement *st, struct ft_period period, ft_amount royalties,
			     struct ft_error *err);
int ft_statement_add_term(struct ft_statement *st, const char *sentence, struct ft_error *err);

/*
 * Put the lines in the order every renderer prints them: track title, ISRC,
 * store, territory, commercial model, use type, then ordinary lines before
 * non-attributable ones.  Renderers print the lines in model order, so a
 * caller that wants another order can sort them itself.
 */
void ft_statement_sort_lines(struct ft_statement *st);

/*
 * A synthetic but realistic statement for previews, tests and benchmarks:
 * n_tracks tracks (at least 1) over several stores and territories, names in
 * many scripts, an advance being recouped, a cost, a reserve, a
 * non-attributable line, FX rates, eight periods of history.  The same seed
 * gives the same statement.
 */
int ft_statement_sample(struct ft_statement **out, uint64_t seed, size_t n_tracks,
			struct ft_error *err);

/* ---- the figures a statement prints ---------------------------------------- */

/*
 * Printed figures are whole minor units (ft_amount values that are multiples
 * of 10^(12 − minor_units)).  Balance block, exactly:
 *   p_opening + p_royalties − p_advances − p_costs + p_rounding = p_balance
 *   p_balance − p_reserve_held = p_payable                       (p_payable > 0)
 *   p_balance − p_payable = p_carried
 * p_royalties is the sum of the printed royalty of every line; p_non_attributable
 * is the part of it on non-attributable lines.  `carried_fraction` is what is
 * left below one minor unit: exact carried forward − p_carried, 0 <= it < 1 minor.
 */
struct ft_statement_summary {
	int minor_units;
	/* exact */
	ft_amount royalties;	   /* Σ line royalties */
	ft_amount advances, costs; /* Σ charges by kind */
	ft_amount balance;	   /* ACCT-5: opening + royalties − advances − costs */
	ft_amount reserve_held;	   /* ACCT-6: before + withheld − released */
	ft_amount payable;	   /* ACCT-7: max(0, balance − reserve held), rounded down */
	ft_amount carried;	   /* balance − payable: the next statement's opening */
	ft_amount receipts;	   /* Σ line receipts */
	int64_t units;		   /* Σ line units */
	/* printed */
	ft_amount p_opening, p_royalties, p_non_attributable, p_advances, p_costs, p_rounding;
	ft_amount p_balance, p_reserve_withheld, p_reserve_released, p_reserve_held;
	ft_amount p_payable, p_carried;
	ft_amount carried_fraction;
	ft_amount p_to_recoup; /* −p_carried when the account is still unrecouped, else 0 */
};

/* FT_EOVERFLOW only for absurd figures; FT_EINVAL for an unknown currency. */
int ft_statement_summarize(const struct ft_statement *st, struct ft_statement_summary *out,
			   struct ft_error *err);

/* A line's royalty and receipts as printed: rounded down to the minor unit. */
ft_amount ft_statement_printed(ft_amount exact, int minor_units);

/* ---- breakdowns ------------------------------------------------------------ */

enum ft_statement_dim {
	FT_DIM_STORE = 0,
	FT_DIM_TERRITORY,
	FT_DIM_TRACK,
	FT_DIM_RELEASE,
	FT_DIM_COUNT
};

/* One row of a breakdown: all lines sharing a key. */
struct ft_statement_group {
	const char *key;   /* store name, territory code, ISRC (or title), UPC (or title) */
	const char *label; /* what to show: store, territory code, track title, release title */
	size_t n_lines;
	int64_t units;
	ft_amount receipts;  /* exact */
	ft_amount royalty;   /* exact */
	ft_amount p_royalty; /* Σ printed line royalties: the rows sum to p_royalties */
	bool rest;	     /* the "all others" row made by ft_statement_top */
};

/*
 * Group the lines by a dimension into a new array (caller frees with free();
 * the strings point into the statement).  Rows are sorted by p_royalty
 * descending, then key ascending, so ties print in a stable order.
 */
int ft_statement_breakdown(const struct ft_statement *st, enum ft_statement_dim dim,
			   struct ft_statement_group **out, size_t *n_out, struct ft_error *err);

/*
 * Keep the first `keep` rows of a sorted breakdown and fold the others into
 * one last row (rest = true, label = rest_label, key = "*"), so a chart shows
 * "the top ten and the rest" and still adds up.  In place; returns the new
 * count (unchanged when n <= keep + 1).
 */
size_t ft_statement_top(struct ft_statement_group *rows, size_t n, size_t keep,
			const char *rest_label);

/* Name of a dimension for headings: "store", "territory", "track", "release". */
const char *ft_statement_dim_name(enum ft_statement_dim dim);

/* ---- display helpers (shared by the renderers) ----------------------------- */

/*
 * An amount rounded down to minor_units and written with thousands
 * separators: "1,234.56", "-12.30", "1,200" (JPY).  Returns the length.
 * buf of FT_STATEMENT_MONEY_MAX bytes is always enough.
 */
#define FT_STATEMENT_MONEY_MAX 64
size_t ft_statement_money(char *buf, size_t cap, ft_amount amount, int minor_units);

/*
 * A DDEX commercial model or use type in words, for the artist's eyes:
 * "SubscriptionModel" -> "subscription", "AdvertisementSupportedModel" ->
 * "ad-supported", "PayAsYouGoModel" -> "purchase", "OnDemandStream" ->
 * "stream", "PermanentDownload" -> "download", …; any other text is returned
 * as it is.  The PDF and the contract terms use it; CSV and XLSX keep the
 * report's tokens.
 */
const char *ft_statement_words(const char *token);

/* A rate as a percentage with up to 4 decimals, trailing zeros dropped:
 * 0.2 -> "20%", 0.1234567 -> "12.3456%" (rounded down). */
size_t ft_statement_percent(char *buf, size_t cap, ft_amount rate);

/*
 * The base file name for a statement's documents, without extension:
 * "<period>_<payee_id>_<id>" with every byte outside [A-Za-z0-9._-] replaced
 * by '-': "2026-Q3_ana-lucia_ST-2026Q3-000042".
 */
size_t ft_statement_basename(char *buf, size_t cap, const struct ft_statement *st);

/*
 * Write s to f as one CSV text field: RFC 4180 quoting (a field with a comma,
 * a quote, a line break or leading/trailing space is quoted, quotes doubled),
 * and neutralised against formula injection: a text that starts with = + - @
 * tab, CR or an apostrophe gets one leading apostrophe, which a reader drops
 * (docs/STATEMENTS.md "CSV").  For texts only; numbers are written as they
 * are, so "-12.30" stays a number.
 */
void ft_statement_csv_text(FILE *f, const char *s);

/* ---- renderers ------------------------------------------------------------- */

/*
 * One renderer per output format, all over the same model (like cmark's
 * renderers).  render() writes the statement to `path` (created or
 * truncated), or returns FT_EIO naming the path; it never leaves a partial
 * file behind on failure.  The CSV renderer also writes the summary file next
 * to it: "<path minus .csv>.summary.csv".
 */
struct ft_renderer {
	const char *name;      /* "csv", "xlsx", "pdf" */
	const char *extension; /* ".csv", ".xlsx", ".pdf" */
	const char *description;
	int (*render)(const struct ft_statement *st, const char *path, struct ft_error *err);
};

/* All renderers, in a fixed order (csv, xlsx, pdf). */
const struct ft_renderer *ft_renderers(size_t *n_out);
/* By name (ASCII, case-insensitive); NULL when unknown. */
const struct ft_renderer *ft_renderer_find(const char *name);

int ft_render_csv(const struct ft_statement *st, const char *path, struct ft_error *err);
/* The two CSV parts to open streams (the renderer above uses these). */
int ft_render_csv_lines(const struct ft_statement *st, FILE *out, struct ft_error *err);
int ft_render_csv_summary(const struct ft_statement *st, FILE *out, struct ft_error *err);
int ft_render_xlsx(const struct ft_statement *st, const char *path, struct ft_error *err);
int ft_render_pdf(const struct ft_statement *st, const char *path, struct ft_error *err);

/*
 * The PDF renderer shapes text with Pango, which keeps one font map (loaded
 * fonts, fontconfig patterns) per thread for the thread's life: that cache is
 * what makes the second statement fast.  Call this in a worker thread before
 * it exits, or at the end of a program, to give it back.  Safe to call when
 * nothing was rendered.
 */
void ft_render_release_thread_caches(void);

#endif
