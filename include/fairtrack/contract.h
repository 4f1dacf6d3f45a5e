/*
 * fairtrack — contracts: the model, the YAML contract file, validation, export.
 *
 * A contract says who earns what from which recordings: its type (royalty,
 * profit split, distribution, license), its payees and their shares, its
 * scope (tracks, releases, an artist's whole catalogue; territories; dates),
 * the base royalties are computed on, rates with rules by use type /
 * commercial model / territory / release format, escalations, advances,
 * recoupable costs, a reserve, a cross-collateralisation group, its
 * accounting currency and statement frequency.  docs/CONTRACTS.md documents
 * the file format with a full example of each type; docs/ACCOUNTING.md says
 * what the engine (fairtrack/royalty.h) does with each field.
 *
 * Guarantees:
 *  - Every percentage and rate is an exact ft_amount fraction (18 % is 0.18):
 *    text is parsed exactly ("18%", "0.18", "2.5%") or refused.
 *  - A contract that ft_contract_parse / ft_contract_set_load accepts is
 *    valid: payee shares sum to exactly 100 %, rates lie in 0..100 %, dates
 *    are real calendar dates with start <= end, currencies and territories
 *    are ISO codes, identifiers in scope are well-formed ISRCs / GTINs, rate
 *    rules are unambiguous and include a catch-all.  Anything else is refused
 *    with a message naming file, line (libyaml's mark) and field, and the fix.
 *  - Loading is all or nothing: a file (or directory) with one bad contract
 *    leaves the set exactly as it was.
 *  - Unknown fields are errors, not ignored: a typo ("shares:" for "share:")
 *    would otherwise silently change what someone is paid.
 *  - Export writes canonical YAML that parses back to an equal contract.
 *
 * This module does not touch the ledger.  Whether an ISRC, GTIN or artist in
 * scope exists in the catalogue is asked through a hook the importer passes
 * (struct ft_contract_hooks), so the same parser serves `import contracts`,
 * `fairtrack check` and tests without a store.
 *
 * Ownership: every string and array hangs off its struct ft_contract and is
 * freed by ft_contract_free (NULL is a no-op); a set owns its contracts.
 */
#ifndef FAIRTRACK_CONTRACT_H
#define FAIRTRACK_CONTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fairtrack/error.h"
#include "fairtrack/ids.h"
#include "fairtrack/money.h"

#define FT_CONTRACT_ID_MAX 64		/* ids: contract, payee, artist, group (slug) */
#define FT_CONTRACT_TOKEN_MAX 48	/* use type, commercial model, release format */
#define FT_CONTRACT_TEXT_MAX 256	/* free text: label, names, descriptions */
#define FT_CONTRACT_FILE_MAX (4u << 20) /* a contract file larger than 4 MiB is refused */

enum ft_contract_type {
	FT_CONTRACT_ROYALTY = 1,      /* payees earn base × rate */
	FT_CONTRACT_PROFIT_SPLIT = 2, /* payees share (receipts − costs), cumulatively */
	FT_CONTRACT_DISTRIBUTION = 3, /* the owner gets receipts × (1 − fee) */
	FT_CONTRACT_LICENSE = 4,      /* the licensor gets rate × the licensee's receipts */
};

enum ft_contract_base {
	FT_BASE_NET_RECEIPTS = 0, /* what the label received (default) */
	FT_BASE_GROSS = 1,	  /* the reported revenue before a distributor's fee */
};

/* The value is the period length in months. */
enum ft_contract_frequency {
	FT_FREQ_MONTHLY = 1,
	FT_FREQ_QUARTERLY = 3,
	FT_FREQ_HALF_YEARLY = 6,
};

/* A calendar date as yyyymmdd (20260115); 0 means "not set". */
typedef int32_t ft_date;

struct ft_contract_payee {
	char id[FT_CONTRACT_ID_MAX];	 /* the payee's slug, e.g. "anna-kowalski" */
	char name[FT_CONTRACT_TEXT_MAX]; /* display name ("" if none) */
	ft_amount share;		 /* fraction of the contract's royalty, 0 < share <= 1 */
	long line;			 /* where it was written (for explain) */
};

struct ft_contract_scope {
	char (*tracks)[FT_ISRC_LEN + 1]; /* ISRCs, compact upper-case form */
	size_t n_tracks;
	char (*releases)[FT_GTIN_LEN + 1]; /* GTINs, zero-padded to 14 digits */
	size_t n_releases;
	char (*artists)[FT_CONTRACT_ID_MAX]; /* artist slugs: all of their recordings */
	size_t n_artists;
	struct ft_territory_set territories; /* default WW */
	ft_date start;			     /* required */
	ft_date end;			     /* 0 = open-ended */
};

/*
 * A rate rule.  An empty condition (use_type[0] == '\0', any_territory) means
 * "any".  ACCT-3: the most specific matching rule wins; specificity is
 * weighted use_type 8 > commercial_model 4 > release_format 2 > territory 1,
 * so two rules matching the same usage never tie (validation refuses rules
 * that could).
 */
struct ft_contract_rule {
	char use_type[FT_CONTRACT_TOKEN_MAX];	      /* e.g. OnDemandStream, PermanentDownload */
	char commercial_model[FT_CONTRACT_TOKEN_MAX]; /* e.g. SubscriptionModel */
	char release_format[FT_CONTRACT_TOKEN_MAX];   /* single, ep, album, compilation, … */
	bool any_territory;
	struct ft_territory_set territories;
	ft_amount rate; /* fraction, 0..1 */
	long line;
};

/* ACCT-3: units past `units` (cumulative since the contract's start) earn the
 * matching rule's rate + `add`.  Listed by increasing threshold; the highest
 * threshold passed applies (increases do not stack). */
struct ft_contract_escalation {
	int64_t units;
	ft_amount add;
	long line;
};

/* ACCT-5: an advance paid to one payee, or to all by share when payee[0] is
 * '\0'.  Charged to the balance in the period containing `date`. */
struct ft_contract_advance {
	ft_amount amount; /* > 0, in `currency` */
	/* "" = the contract's accounting currency; another ISO 4217 code when
	 * the advance was paid in it: the run converts it at the rate of the
	 * month it was paid (ACCT-5). */
	char currency[4];
	ft_date date;
	char payee[FT_CONTRACT_ID_MAX];
	long line;
};

/* ACCT-5: a cost the label spent; amount × recoupable is charged to the
 * payees' balance (by share, or to one payee) in the period containing date.
 * For a profit split (ACCT-8) the recoupable part is deducted from profit. */
struct ft_contract_cost {
	char description[FT_CONTRACT_TEXT_MAX];
	ft_amount amount;     /* > 0, in `currency` */
	char currency[4];     /* "" = the contract's; else converted like an advance's */
	ft_amount recoupable; /* fraction, 0..1 (default 1) */
	ft_date date;
	char payee[FT_CONTRACT_ID_MAX];
	long line;
};

struct ft_contract {
	char id[FT_CONTRACT_ID_MAX];
	char label[FT_CONTRACT_TEXT_MAX];
	enum ft_contract_type type;
	enum ft_contract_base base;
	char currency[4]; /* accounting currency, ISO 4217 */
	int minor_units;  /* of that currency (EUR 2, JPY 0) */
	enum ft_contract_frequency frequency;
	char cross_collateral[FT_CONTRACT_ID_MAX]; /* group name, "" = the contract alone */

	struct ft_contract_payee *payees;
	size_t n_payees;
	struct ft_contract_scope scope;
	struct ft_contract_rule *rules; /* royalty, license */
	size_t n_rules;
	struct ft_contract_escalation *escalations;
	size_t n_escalations;
	struct ft_contract_advance *advances;
	size_t n_advances;
	struct ft_contract_cost *costs;
	size_t n_costs;
	ft_amount fee; /* distribution: the label's fee, fraction 0..1 */

	ft_amount reserve_rate; /* ACCT-6: fraction withheld, 0 = no reserve */
	int reserve_periods;	/* released after this many statement periods */

	char file[FT_ERROR_FILE_MAX]; /* where it came from ("" if built in memory) */
	long line;		      /* line of its first key */
};

/*
 * Catalogue hooks, all optional (NULL = not checked).  Each returns true when
 * the identifier is known.  The parser calls them for every identifier in
 * scope after the syntax is valid, and turns a false into an error naming
 * the field ("scope.tracks[2]: ISRC GBNLR2600099 is not in the catalogue").
 */
struct ft_contract_hooks {
	bool (*track_known)(void *ctx, const char *isrc);
	bool (*release_known)(void *ctx, const char *gtin14);
	bool (*artist_known)(void *ctx, const char *artist_id);
	void *ctx;
};

/*
 * Parse a YAML document stream of len bytes.  `file` names it in messages
 * (may be NULL).  The stream holds one or more contracts: one document per
 * contract ("---" separates them).  On success *out gets a new array of
 * *n_out contracts (free with ft_contract_array_free); on error nothing is
 * allocated, *out is NULL and err names file, line and field.
 */
int ft_contract_parse(struct ft_contract **out, size_t *n_out, const char *text, size_t len,
		      const char *file, const struct ft_contract_hooks *hooks,
		      struct ft_error *err);

/* Check a contract built in memory by the same rules the parser applies. */
int ft_contract_validate(const struct ft_contract *contract, struct ft_error *err);

/* Release what a contract owns (not the struct itself), then zero it. */
void ft_contract_clear(struct ft_contract *contract);
void ft_contract_array_free(struct ft_contract *contracts, size_t n);

/* Deep copy (dst is overwritten; clear it when done). */
int ft_contract_copy(struct ft_contract *dst, const struct ft_contract *src, struct ft_error *err);

/* True when the two contracts say the same thing (file and lines ignored). */
bool ft_contract_equal(const struct ft_contract *a, const struct ft_contract *b);

/*
 * Canonical YAML for one contract (a complete document, "---" first).  On
 * success *out is a NUL-terminated malloc'd string the caller frees.
 */
int ft_contract_to_yaml(char **out, size_t *len_out, const struct ft_contract *contract,
			struct ft_error *err);

/* A set of contracts with unique ids, loaded all or nothing. */
struct ft_contract_set {
	struct ft_contract *items;
	size_t n;
};

/*
 * Load a file, or every *.yaml / *.yml file of a directory (in name order,
 * not recursive), into set.  All or nothing: on any error (I/O, YAML,
 * validation, an id already in the set or repeated across files) the set is
 * unchanged.  *added (may be NULL) gets how many contracts were added.
 */
int ft_contract_set_load(struct ft_contract_set *set, const char *path,
			 const struct ft_contract_hooks *hooks, size_t *added,
			 struct ft_error *err);
const struct ft_contract *ft_contract_set_find(const struct ft_contract_set *set, const char *id);
void ft_contract_set_clear(struct ft_contract_set *set);

/* Names used in files and messages ("royalty", "net_receipts", "quarterly"). */
const char *ft_contract_type_name(enum ft_contract_type type);
const char *ft_contract_base_name(enum ft_contract_base base);
const char *ft_contract_frequency_name(enum ft_contract_frequency frequency);

/* Dates: "YYYY-MM-DD" (a real calendar date, years 1900..9999). */
int ft_date_parse(ft_date *out, const char *text, size_t len, struct ft_error *err);
/* "YYYY-MM-DD"; buf needs 11 bytes. */
void ft_date_format(char buf[11], ft_date date);
/* The month index (year × 12 + month − 1) of a date, as period.h counts. */
int ft_date_month(ft_date date);

/*
 * Does the contract cover a usage of this track (ISRC), release (GTIN-14,
 * may be NULL or ""), artist (may be NULL or "") in this territory during
 * this month?  Scope lists are alternatives (any list matching is enough);
 * territory and dates must both hold.  A month is covered when any of its
 * days lies in [start, end].
 */
bool ft_contract_covers(const struct ft_contract *contract, const char *isrc, const char *gtin14,
			const char *artist_id, const char territory[2], int month);

/* The time and place half of ft_contract_covers: month inside the
 * contract's dates, territory inside its territories.  For a caller that
 * found the contract through its scope keys (the engine's index). */
bool ft_contract_covers_when(const struct ft_contract *contract, const char territory[2],
			     int month);

/*
 * Overlapping contracts (docs/CONTRACTS.md, "Overlapping contracts").
 *
 * Two contracts overlap when some usage line could be covered by both: a
 * track both claim (through scope.tracks, a release of scope.releases that
 * holds it, or scope.artists naming its first main artist — the artist a
 * run gives the line), in a territory both sets hold, in a month both date
 * ranges touch (runs cover whole months, as ft_contract_covers does).  A line
 * has one release (the one its report names, else the track's earliest), so
 * two contracts that claim a track only through releases overlap only when
 * they name the same release.
 *
 * Overlap alone is allowed: a producer's points on top of an artist's
 * royalty deal are two royalty contracts on the same tracks.  Refused:
 *  - a payee on both (they would be paid twice for the same sale);
 *  - both of type distribution, license or profit_split (only one deal can
 *    own a track's income in a territory at a time).
 *
 * The catalogue is asked through callbacks, so this module stays off the
 * ledger.  Each expands one scope entry to tracks, calling emit once per
 * ISRC; it returns 0, emit's non-zero return as is, or its own error (err
 * filled).
 */
typedef int (*ft_contract_track_fn)(void *emit_ctx, const char *isrc);

struct ft_contract_catalog {
	/* Every track on the release (GTIN-14). */
	int (*release_tracks)(void *ctx, const char *gtin14, ft_contract_track_fn emit,
			      void *emit_ctx, struct ft_error *err);
	/* Every track whose first main artist (by position) is artist_id. */
	int (*artist_tracks)(void *ctx, const char *artist_id, ft_contract_track_fn emit,
			     void *emit_ctx, struct ft_error *err);
	void *ctx;
};

/*
 * Check the incoming contracts against each other and against those already
 * stored.  A stored contract with the id of an incoming one is being replaced
 * and is skipped; pairs of stored contracts are not checked (they were
 * accepted before).  Scopes are expanded to tracks once and only contracts
 * sharing a track are compared, so the cost grows with the (contract, track)
 * claims, not with the square of the contracts.
 *
 * Returns 0, FT_ECONFLICT with a message naming the later contract's file,
 * line and scope field, both ids, the track, territories and first date of
 * the overlap, the other contract's file and field, and the fix; FT_ENOMEM;
 * or the catalogue's error.  Nothing is kept after the call.
 */
int ft_contract_overlap_check(const struct ft_contract *stored, size_t n_stored,
			      const struct ft_contract *incoming, size_t n_incoming,
			      const struct ft_contract_catalog *catalog, struct ft_error *err);

/*
 * ACCT-3: the index of the most specific rule matching a usage, or -1 when
 * none does (validation guarantees a catch-all for royalty and license
 * contracts, so -1 only happens for the other types).  Tokens compare
 * case-insensitively; NULL or "" fields match only "any" conditions.
 */
int ft_contract_match_rule(const struct ft_contract *contract, const char *use_type,
			   const char *commercial_model, const char territory[2],
			   const char *release_format);

#endif
