/*
 * run.c — `run` and `close`: the royalty engine fed from the ledger, its
 * results posted as a double-entry journal (docs/JOURNAL.md).
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

#include "fairtrack/ledger_run.h"
#include "fairtrack/royalty.h"
#include "ledger/line_writer.h"
#include "ledger/unrun.h"
#include "ledger/usage_reader.h"
#include "ledger/run_int.h"

#define NOTE_MAX 1024

enum src_kind { SRC_USAGE, SRC_SUSPENSE, SRC_INCOME };
static const char *const src_names[] = {"usage", "suspense", "income"};

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
	int force_post; /* post() writes a posting whose legs are all zero */
	struct ft_stmt *ins;
	struct line_writer *lines_out; /* royalty_lines, on a second thread */
	int64_t posting;
	size_t legs;
	ft_amount label_sum;
};

static int grow(void **p, size_t *cap, size_t need, size_t size)
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

	if (grow((void **)buf, cap, *len + n + 1, 1))
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

static void copy_field(char *dst, size_t cap, const char *text)
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
		    !grow((void **)&s->accounts, &caps[0], s->n_accounts + 1,
			  sizeof(*s->accounts))) {
			struct ft_royalty_account *a = &s->accounts[s->n_accounts++];

			memset(a, 0, sizeof(*a));
			copy_field(a->payee, sizeof(a->payee), f[1]);
			copy_field(a->account, sizeof(a->account), f[2]);
			rc = amount_field(&a->balance, f[3]);
		} else if (f[0][0] == 'R' && n == 7 &&
			   !grow((void **)&s->reserves, &caps[1], s->n_reserves + 1,
				 sizeof(*s->reserves))) {
			struct ft_royalty_reserve *r = &s->reserves[s->n_reserves++];

			memset(r, 0, sizeof(*r));
			copy_field(r->payee, sizeof(r->payee), f[1]);
			copy_field(r->account, sizeof(r->account), f[2]);
			copy_field(r->contract, sizeof(r->contract), f[3]);
			r->withheld_month = int_field(f[4]);
			r->release_month = int_field(f[5]);
			rc = amount_field(&r->amount, f[6]);
		} else if (f[0][0] == 'C' && n == 6 &&
			   !grow((void **)&s->contracts, &caps[2], s->n_contracts + 1,
				 sizeof(*s->contracts))) {
			struct ft_royalty_contract_state *c = &s->contracts[s->n_contracts++];

			memset(c, 0, sizeof(*c));
			copy_field(c->contract, sizeof(c->contract), f[1]);
			c->last_month = int_field(f[2]);
			c->units = strtoll(f[3], NULL, 10);
			rc = amount_field(&c->cum_base, f[4]);
			if (!rc)
				rc = amount_field(&c->cum_costs, f[5]);
		} else if (f[0][0] == 'K' && n == 4 &&
			   !grow((void **)&s->credits, &caps[3], s->n_credits + 1,
				 sizeof(*s->credits))) {
			struct ft_royalty_credit *k = &s->credits[s->n_credits++];

			memset(k, 0, sizeof(*k));
			copy_field(k->contract, sizeof(k->contract), f[1]);
			copy_field(k->payee, sizeof(k->payee), f[2]);
			rc = amount_field(&k->credited, f[3]);
		} else if (f[0][0] == 'S' && n == 6 &&
			   !grow((void **)&s->suspense, &caps[4], s->n_suspense + 1,
				 sizeof(*s->suspense))) {
			struct ft_royalty_suspense *x = &s->suspense[s->n_suspense++];

			memset(x, 0, sizeof(*x));
			x->kind = (enum ft_suspense_kind)int_field(f[1]);
			copy_field(x->name, sizeof(x->name), f[2]);
			copy_field(x->partner, sizeof(x->partner), f[3]);
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

/* ---- reading the ledger ---------------------------------------------------------- */

/* The rate from → to of a month, cached; 1 when missing (named with the
 * others in missing_text, the run stops after reading). */
static int rate_for(struct run_ctx *r, int month, const char *from, const char *to,
		    ft_amount *rate)
{
	size_t i;
	int rc;

	for (i = 0; i < r->n_fx; i++)
		if (r->fx[i].month == month && !strcmp(r->fx[i].from, from) &&
		    !strcmp(r->fx[i].to, to)) {
			*rate = r->fx[i].rate;
			return r->fx[i].missing ? 1 : 0;
		}
	if (grow((void **)&r->fx, &r->cap_fx, r->n_fx + 1, sizeof(*r->fx)))
		return ft_error_set(r->err, FT_ENOMEM, "out of memory");
	memset(&r->fx[r->n_fx], 0, sizeof(r->fx[0]));
	r->fx[r->n_fx].month = month;
	snprintf(r->fx[r->n_fx].from, 4, "%s", from);
	snprintf(r->fx[r->n_fx].to, 4, "%s", to);
	rc = ft_fx_rate(r->store, month, from, to, &r->fx[r->n_fx].rate, r->err);
	if (rc == FT_ENOTFOUND) {
		char m[8];
		size_t used = strlen(r->missing_text);

		ft_month_format(m, month);
		r->fx[r->n_fx].missing = 1;
		r->missing_rates++;
		snprintf(r->missing_text + used, sizeof(r->missing_text) - used, "%s%s→%s %s",
			 used ? ", " : "", from, to, m);
		r->n_fx++;
		*rate = 0;
		return 1;
	}
	if (rc)
		return rc;
	*rate = r->fx[r->n_fx].rate;
	r->n_fx++;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int was_posted(const struct run_ctx *r, enum src_kind kind, int64_t id)
{
	return r->n_posted[kind] &&
	       bsearch(&id, r->posted_by_kind[kind], r->n_posted[kind], sizeof(int64_t), cmp_i64);
}

/* Ids of rows (receipt/late postings) that closed runs posted, per source kind. */
static int load_posted(struct run_ctx *r)
{
	struct ft_stmt *st = NULL;
	int k, rc = 0;

	for (k = 0; k < 3 && !rc; k++) {
		rc = ft_store_prepare(
		    r->store, &st,
		    "SELECT DISTINCT j.source_id, r.first_month FROM journal j JOIN "
		    "runs r ON r.period = j.period WHERE r.closed_at IS NOT NULL AND "
		    "j.source = ? AND j.kind IN ('receipt', 'late')",
		    r->err);
		if (!rc)
			rc = ft_stmt_bind_text(st, 1, src_names[k], r->err);
		while (!rc && (rc = ft_stmt_step(st, r->err)) == 1) {
			rc = 0;
			if (grow((void **)&r->posted_by_kind[k], &r->cap_posted[k],
				 r->n_posted[k] + 1, sizeof(int64_t))) {
				rc = ft_error_set(r->err, FT_ENOMEM, "out of memory");
				break;
			}
			r->posted_by_kind[k][r->n_posted[k]++] = ft_stmt_column_int64(st, 0);
			/* ACCT-9 weighs income over the whole statement period: the
			 * attributable rows earlier runs of it posted come back as
			 * context lines. */
			if (k == SRC_USAGE && r->all_due && r->span.months > r->period.months &&
			    ft_stmt_column_int64(st, 1) >= r->span.first) {
				if (grow((void **)&r->context_ids, &r->cap_context,
					 r->n_context + 1, sizeof(int64_t))) {
					rc = ft_error_set(r->err, FT_ENOMEM, "out of memory");
					break;
				}
				r->context_ids[r->n_context++] = ft_stmt_column_int64(st, 0);
			}
		}
		ft_stmt_free(st);
		st = NULL;
		if (rc < 0)
			return rc;
		rc = 0;
		if (r->n_posted[k])
			qsort(r->posted_by_kind[k], r->n_posted[k], sizeof(int64_t), cmp_i64);
	}
	if (!rc && r->n_context)
		qsort(r->context_ids, r->n_context, sizeof(int64_t), cmp_i64);
	return rc;
}

/* Track → release (earliest), its format, the main artist: the line's
 * interned track.  A release-level row keeps its own release (row_gtin). */
static int track_context(struct run_ctx *r, const char *isrc, const char *row_gtin,
			 const struct ft_royalty_track **out)
{
	int rc = 0;

	/* Usage rows come in import order, which groups a track's rows: the
	 * last answer is usually the next one. */
	if (!(r->last_isrc[0] && !strcmp(r->last_isrc, isrc))) {
		r->last_gtin14[0] = r->last_format[0] = r->last_artist[0] = '\0';
		if (!r->q_release)
			rc = ft_store_prepare(
			    r->store, &r->q_release,
			    "SELECT rt.gtin14, rl.format FROM release_tracks rt JOIN "
			    "releases rl ON rl.gtin14 = rt.gtin14 WHERE rt.isrc = ? ORDER BY "
			    "rl.release_date, rt.gtin14 LIMIT 1",
			    r->err);
		if (!rc && !r->q_artist)
			rc = ft_store_prepare(
			    r->store, &r->q_artist,
			    "SELECT artist_id FROM track_artists WHERE isrc = ? AND role = "
			    "'main' ORDER BY position LIMIT 1",
			    r->err);
		if (!rc)
			rc = ft_stmt_reset(r->q_release, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(r->q_release, 1, isrc, r->err);
		if (!rc)
			rc = ft_stmt_step(r->q_release, r->err);
		if (rc == 1) {
			copy_field(r->last_gtin14, sizeof(r->last_gtin14),
				   ft_stmt_column_text(r->q_release, 0));
			copy_field(r->last_format, sizeof(r->last_format),
				   ft_stmt_column_text(r->q_release, 1));
			rc = 0;
		}
		if (!rc)
			rc = ft_stmt_reset(r->q_artist, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(r->q_artist, 1, isrc, r->err);
		if (!rc)
			rc = ft_stmt_step(r->q_artist, r->err);
		if (rc == 1) {
			copy_field(r->last_artist, sizeof(r->last_artist),
				   ft_stmt_column_text(r->q_artist, 0));
			rc = 0;
		}
		if (rc) {
			r->last_isrc[0] = '\0';
			return rc;
		}
		copy_field(r->last_isrc, sizeof(r->last_isrc), isrc);
	}
	/* The same track as the last row: the same interned track. */
	if (r->last_track && !(row_gtin && row_gtin[0]) && !strcmp(r->last_track->isrc, isrc) &&
	    !strcmp(r->last_track->gtin14, r->last_gtin14)) {
		*out = r->last_track;
		return 0;
	}
	*out = ft_royalty_dict_track(r->dict, isrc,
				     row_gtin && row_gtin[0] ? row_gtin : r->last_gtin14,
				     r->last_artist, r->last_format);
	if (!(row_gtin && row_gtin[0]))
		r->last_track = *out;
	if (!*out)
		return ft_error_set(r->err, FT_EINVAL,
				    "track %s: an identifier is too long for the engine (or out "
				    "of memory)",
				    isrc);
	return 0;
}

static struct ft_royalty_line *new_line(struct run_ctx *r)
{
	if (grow((void **)&r->lines, &r->cap_lines, r->n_lines + 1, sizeof(*r->lines)))
		return NULL;
	memset(&r->lines[r->n_lines], 0, sizeof(r->lines[0]));
	return &r->lines[r->n_lines++];
}

/* A release-level row: shared equally over the release's tracks. */
static int release_lines(struct run_ctx *r, const struct ft_royalty_line *tmpl, const char *gtin,
			 size_t *n_lines)
{
	struct ft_stmt *st = NULL;
	char(*isrcs)[FT_ISRC_LEN + 1] = NULL;
	ft_amount *weights = NULL, *gross = NULL, *rec = NULL;
	size_t n = 0, cap = 0, i;
	int rc;

	rc = ft_store_prepare(
	    r->store, &st,
	    "SELECT isrc FROM release_tracks WHERE gtin14 = ? ORDER BY disc, track_no", r->err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, gtin, r->err);
	while (!rc && (rc = ft_stmt_step(st, r->err)) == 1) {
		rc = 0;
		if (grow((void **)&isrcs, &cap, n + 1, sizeof(*isrcs))) {
			rc = ft_error_set(r->err, FT_ENOMEM, "out of memory");
			break;
		}
		copy_field(isrcs[n++], FT_ISRC_LEN + 1, ft_stmt_column_text(st, 0));
	}
	ft_stmt_free(st);
	if (rc < 0)
		goto out;
	rc = 0;
	if (n == 0) { /* a release without tracks: nothing to attribute it to */
		struct ft_royalty_line *l = new_line(r);

		if (!l) {
			rc = ft_error_set(r->err, FT_ENOMEM, "out of memory");
			goto out;
		}
		*l = *tmpl;
		l->track = NULL;
		*n_lines = 1;
		goto out;
	}
	weights = calloc(n, sizeof(*weights));
	gross = calloc(n, sizeof(*gross));
	rec = calloc(n, sizeof(*rec));
	if (!weights || !gross || !rec) {
		rc = ft_error_set(r->err, FT_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		weights[i] = 1;
	rc = ft_amount_split(gross, tmpl->gross, weights, n, r->err);
	if (!rc)
		rc = ft_amount_split(rec, tmpl->receipts, weights, n, r->err);
	for (i = 0; !rc && i < n; i++) {
		struct ft_royalty_line *l = new_line(r);
		int64_t q = tmpl->units / (int64_t)n, extra = tmpl->units % (int64_t)n;

		if (!l) {
			rc = ft_error_set(r->err, FT_ENOMEM, "out of memory");
			break;
		}
		*l = *tmpl;
		l->units =
		    q + ((int64_t)i < (extra < 0 ? -extra : extra) ? (extra < 0 ? -1 : 1) : 0);
		l->gross = gross[i];
		l->receipts = rec[i];
		rc = track_context(r, isrcs[i], gtin, &l->track);
		(*n_lines)++;
	}
out:
	free(isrcs);
	free(weights);
	free(gross);
	free(rec);
	return rc;
}

/* A line for the run's report (best effort: a note lost to OOM loses no money). */
static void add_note(struct ft_run_summary *sum, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add_note(struct ft_run_summary *sum, const char *fmt, ...)
{
	char(*grown)[FT_ERROR_MESSAGE_MAX] =
	    realloc(sum->notes, (sum->n_notes + 1) * sizeof(*grown));
	va_list ap;

	if (!grown)
		return;
	sum->notes = grown;
	va_start(ap, fmt);
	vsnprintf(sum->notes[sum->n_notes++], FT_ERROR_MESSAGE_MAX, fmt, ap);
	va_end(ap);
}

static int fee_rate(const char *text, ft_amount *out, struct ft_error *err)
{
	ft_amount pct;

	if (!text || ft_amount_parse(&pct, text, strlen(text), NULL) || pct < 0 ||
	    pct > 100 * FT_AMOUNT_ONE)
		return ft_error_set(err, FT_ESCHEMA, "partner fee_percent '%s' is not 0..100",
				    text ? text : "");
	*out = pct / 100; /* percent → fraction; exact for ≤ 10 fractional digits */
	return 0;
}

/*
 * Statement frequency for a usage row whose lines are built: 1 when a
 * contract covering it is not due in this run — the row waits, unposted,
 * for the run that computes that contract (it then comes back as a row of
 * a closed month that no closed run posted).  Such a row, when the due
 * contract's statement period contains its month, was deferred, not late:
 * *status becomes 1 and its lines keep their own month.  < 0: an error.
 */
static int frequency_defers(struct run_ctx *r, size_t first_line, int month, int *status)
{
	size_t i, c;
	int in_window = 0;

	for (i = first_line; i < r->n_lines; i++) {
		const struct ft_royalty_line *l = &r->lines[i];

		const size_t *cands;
		size_t n, k;

		if (!l->track || !l->track->isrc[0])
			continue;
		/* Only the contracts sharing a scope key with the track: every
		 * contract for every row was 10^11 checks at 20 M rows. */
		if (!r->cover &&
		    ft_royalty_cover_new(&r->cover, r->contracts, r->n_contracts, NULL, r->err))
			return -1;
		if (ft_royalty_cover_candidates(r->cover, l->track, &cands, &n, r->err))
			return -1;
		for (k = 0; k < n; k++) {
			c = cands[k];
			if (!ft_contract_covers_when(&r->contracts[c], l->channel->territory,
						     month))
				continue;
			if (r->windows[c].months == 0) {
				r->deferred[c]++;
				return 1;
			}
			in_window |= ft_period_contains(&r->windows[c], month);
		}
	}
	if (*status == 2 && in_window) {
		*status = 1;
		for (i = first_line; i < r->n_lines; i++)
			r->lines[i].month = month;
	}
	return 0;
}

/* ---- usage rows: read in bulk ------------------------------------------------------ */

static int load_batches(struct run_ctx *r)
{
	struct ft_stmt *st = NULL;
	int rc;

	rc = ft_store_prepare(
	    r->store, &st,
	    "SELECT b.id, b.partner_id, p.fee_percent, b.file FROM import_batches b "
	    "JOIN partners p ON p.id = b.partner_id WHERE b.withdrawn_at IS NULL "
	    "ORDER BY b.id",
	    r->err);
	while (!rc && (rc = ft_stmt_step(st, r->err)) == 1) {
		struct batch_info *b;

		rc = 0;
		if (grow((void **)&r->batches, &r->cap_batches, r->n_batches + 1,
			 sizeof(*r->batches))) {
			rc = ft_error_set(r->err, FT_ENOMEM, "out of memory");
			break;
		}
		b = &r->batches[r->n_batches++];
		b->id = ft_stmt_column_int64(st, 0);
		copy_field(b->partner, sizeof(b->partner), ft_stmt_column_text(st, 1));
		copy_field(b->file, sizeof(b->file), ft_stmt_column_text(st, 3));
		rc = fee_rate(ft_stmt_column_text(st, 2), &b->fee_rate, r->err);
	}
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}

/* The batch's index, or -1 when it is withdrawn (its rows do not count). */
static long batch_index(struct run_ctx *r, int64_t id)
{
	size_t lo = 0, hi = r->n_batches;

	if (r->last_batch < r->n_batches && r->batches[r->last_batch].id == id)
		return (long)r->last_batch;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->batches[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == r->n_batches || r->batches[lo].id != id)
		return -1;
	r->last_batch = lo;
	return (long)lo;
}

static int month_closed(struct run_ctx *r, int month)
{
	char m[8];

	if (r->closed_month != month + 1) {
		ft_month_format(m, month);
		r->closed_answer = ft_ledger_month_closed(r->store, m, NULL) == 1;
		r->closed_month = month + 1;
	}
	return r->closed_answer;
}

/* The ranges closed runs posted (run_posted), by (month, first). */
static int load_posted_ranges(struct run_ctx *r)
{
	struct ft_stmt *st = NULL;
	int rc;

	rc = ft_store_prepare(
	    r->store, &st,
	    "SELECT p.month, p.first_id, p.last_id, r.first_month FROM run_posted p "
	    "JOIN runs r ON r.period = p.period WHERE r.closed_at IS NOT NULL AND "
	    "p.source = 'usage' ORDER BY p.month, p.first_id",
	    r->err);
	while (!rc && (rc = ft_stmt_step(st, r->err)) == 1) {
		struct posted_range *x;
		const char *m = ft_stmt_column_text(st, 0);

		if (grow((void **)&r->closed_ranges, &r->cap_closed_ranges, r->n_closed_ranges + 1,
			 sizeof(*r->closed_ranges))) {
			rc = ft_error_set(r->err, FT_ENOMEM, "out of memory");
			break;
		}
		x = &r->closed_ranges[r->n_closed_ranges++];
		memset(x, 0, sizeof(*x));
		rc = ft_month_parse(&x->month, m, strlen(m), r->err);
		x->first = ft_stmt_column_int64(st, 1);
		x->last = ft_stmt_column_int64(st, 2);
		x->run_first = (int)ft_stmt_column_int64(st, 3);
	}
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}

/* 1 with *run_first when a closed run posted usage row id of month. */
static int range_posted(const struct run_ctx *r, int month, int64_t id, int *run_first)
{
	size_t lo = 0, hi = r->n_closed_ranges;

	/* the last range starting at or before (month, id) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct posted_range *x = &r->closed_ranges[mid];

		if (x->month < month || (x->month == month && x->first <= id))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return 0;
	lo--;
	if (r->closed_ranges[lo].month != month || r->closed_ranges[lo].last < id)
		return 0;
	*run_first = r->closed_ranges[lo].run_first;
	return 1;
}

/* A row of a month no run covers that this run takes over (include_unrun):
 * posted as late (unrun.c). */
static int unrun_included(const struct run_ctx *r, int month)
{
	size_t i;

	for (i = 0; i < r->n_unrun; i++)
		if (r->unrun[i].month == month)
			return 1;
	return 0;
}

/* Accounted elsewhere: the month's rows up to its marks are never posted —
 * even once the month is closed because a run took over the rows imported
 * after the marks. */
static int accounted_elsewhere(const struct run_ctx *r, enum src_kind kind, int month, int64_t id)
{
	const struct unrun_mark *m = r->n_marks ? unrun_mark_of(r->marks, r->n_marks, month) : NULL;

	return m && id <= m->through[kind];
}

/* Which rows count, and is a row late?  0 skip, 1 in P, 2 late (or
 * deferred), 3 context (posted by a closed run of the statement period:
 * ACCT-9 weight only).  Usage rows a closed run posted are in run_posted,
 * or, in journals before migration 11, in its receipt postings. */
static int row_status(struct run_ctx *r, enum src_kind kind, int64_t id, int month)
{
	int run_first;

	if (ft_period_contains(&r->period, month))
		return 1;
	if (month >= r->period.first)
		return 0;
	if (kind == SRC_USAGE && range_posted(r, month, id, &run_first))
		return r->all_due && r->span.months > r->period.months && run_first >= r->span.first
			   ? 3
			   : 0;
	if (was_posted(r, kind, id))
		return kind == SRC_USAGE && r->n_context &&
			       bsearch(&id, r->context_ids, r->n_context, sizeof(int64_t), cmp_i64)
			   ? 3
			   : 0;
	if (accounted_elsewhere(r, kind, month, id))
		return 0;
	if (month_closed(r, month))
		return 2;
	return unrun_included(r, month) ? 2 : 0;
}

static int same_channel(const struct ft_royalty_channel *c, const char *partner, const char *model,
			const char *use, const char *territory)
{
	return c && territory && !strcmp(c->territory, territory) && model &&
	       !strcmp(c->commercial_model, model) && use && !strcmp(c->use_type, use) &&
	       !strcmp(c->partner, partner);
}

/* Every usage row read goes through here in rowid order: a posted row
 * extends its month's open range, a row read and not posted ends it. */
static int range_read(struct run_ctx *r, int month, int64_t id, int posted)
{
	size_t i;

	for (i = 0; i < r->n_open && r->open_ranges[i].month != month; i++)
		;
	if (i == r->n_open) {
		if (!posted)
			return 0;
		if (grow((void **)&r->open_ranges, &r->cap_open, r->n_open + 1,
			 sizeof(*r->open_ranges)))
			return ft_error_set(r->err, FT_ENOMEM, "out of memory");
		memset(&r->open_ranges[r->n_open], 0, sizeof(r->open_ranges[0]));
		r->open_ranges[r->n_open].month = month;
		r->open_ranges[r->n_open].first = -1;
		r->n_open++;
	}
	if (posted && r->open_ranges[i].first >= 0) {
		r->open_ranges[i].last = id;
		return 0;
	}
	if (r->open_ranges[i].first >= 0) { /* a row not posted: the range ends */
		if (grow((void **)&r->ranges, &r->cap_ranges, r->n_ranges + 1, sizeof(*r->ranges)))
			return ft_error_set(r->err, FT_ENOMEM, "out of memory");
		r->ranges[r->n_ranges++] = r->open_ranges[i];
		r->open_ranges[i].first = -1;
	}
	if (posted)
		r->open_ranges[i].first = r->open_ranges[i].last = id;
	return 0;
}

/* Add a usage row's receipts to its (batch, month, late, deferred, destination) group. */
static int receipt_add(struct run_ctx *r, uint32_t batch, int month, int late, int deferred,
		       int unmatched, ft_amount gross, ft_amount fee, ft_amount receipts)
{
	struct receipt_group *g = NULL;
	size_t i;

	if (r->last_rgroup < r->n_rgroups) {
		g = &r->rgroups[r->last_rgroup];
		if (g->batch != batch || g->month != month || g->late != late ||
		    g->deferred != deferred || g->unmatched != unmatched)
			g = NULL;
	}
	for (i = 0; !g && i < r->n_rgroups; i++) {
		struct receipt_group *x = &r->rgroups[i];

		if (x->batch == batch && x->month == month && x->late == late &&
		    x->deferred == deferred && x->unmatched == unmatched) {
			g = x;
			r->last_rgroup = i;
		}
	}
	if (!g) {
		if (grow((void **)&r->rgroups, &r->cap_rgroups, r->n_rgroups + 1,
			 sizeof(*r->rgroups)))
			return ft_error_set(r->err, FT_ENOMEM, "out of memory");
		r->last_rgroup = r->n_rgroups;
		g = &r->rgroups[r->n_rgroups++];
		memset(g, 0, sizeof(*g));
		g->batch = batch;
		g->month = month;
		g->late = late;
		g->deferred = deferred;
		g->unmatched = unmatched;
	}
	g->rows++;
	g->gross += gross;
	g->fee += fee;
	g->receipts += receipts;
	r->usage_gross += gross;
	r->usage_fee += fee;
	return 0;
}

/*
 * Where the usage scan can start: rows older than six months before the
 * end of P and than the month after the last closed one, and no newer than
 * the last row a closed run posted, were read by closed runs already —
 * posted, or not posted for a reason decided before the scan: a month no
 * run covers is refused, accounted elsewhere, or taken over, and then
 * read_usage starts at its first row (unrun.c) — so a run reads its recent
 * months and what was imported since, not the ledger's whole history.  Six months: a deferred row
 * waits at most a half-year for its contract's statement period (half-yearly), and context rows lie
 * inside the statement period too.  A row imported later (a late report, a rematched identifier)
 * has a larger rowid than any posted row (posted rows are never deleted), so it is still read.
 */
static int scan_from(struct run_ctx *r, int64_t *from)
{
	struct ft_stmt *st = NULL;
	int m0 = r->period.first + r->period.months - 6, m, rc;
	int64_t watermark = 0, low = INT64_MAX;
	char mt[8];

	if (r->span.first < m0)
		m0 = r->span.first;
	/* And every month after the last closed one: no closed run decided
	 * their rows (a month skipped by the runs). */
	rc = ft_store_prepare(r->store, &st, "SELECT MAX(month) FROM closed_periods", r->err);
	if (!rc && (rc = ft_stmt_step(st, r->err)) == 1) {
		const char *t = ft_stmt_column_text(st, 0);

		rc = 0;
		if (t && !ft_month_parse(&m, t, strlen(t), NULL) && m + 1 < m0)
			m0 = m + 1;
	}
	ft_stmt_free(st);
	st = NULL;
	if (!rc)
		rc = ft_store_prepare(
		    r->store, &st,
		    "SELECT MAX(p.last_id) FROM run_posted p JOIN runs r ON r.period = "
		    "p.period WHERE r.closed_at IS NOT NULL AND p.source = 'usage'",
		    r->err);
	if (!rc && (rc = ft_stmt_step(st, r->err)) == 1) {
		rc = 0;
		watermark = ft_stmt_column_is_null(st, 0) ? 0 : ft_stmt_column_int64(st, 0);
	}
	ft_stmt_free(st);
	st = NULL;
	/* The first row of each recent month, through the month index. */
	if (!rc)
		rc = ft_store_prepare(
		    r->store, &st, "SELECT rowid FROM usage WHERE month = ? ORDER BY rowid LIMIT 1",
		    r->err);
	for (m = m0; !rc && m < r->period.first + r->period.months; m++) {
		ft_month_format(mt, m);
		rc = ft_stmt_reset(st, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(st, 1, mt, r->err);
		if (!rc && (rc = ft_stmt_step(st, r->err)) == 1) {
			rc = 0;
			if (ft_stmt_column_int64(st, 0) < low)
				low = ft_stmt_column_int64(st, 0);
		}
	}
	ft_stmt_free(st);
	if (rc < 0)
		return rc;
	*from = low < watermark + 1 ? low : watermark + 1;
	r->sum->scan_from = *from;
	return 0;
}

/*
 * Usage rows: every active row of P and every row of a closed month no
 * closed run posted, into engine lines (80 bytes each, tagged with their
 * batch) — no row is kept otherwise: receipts are summed per group as they
 * are read, and the rows posted become rowid ranges.  The table is scanned
 * in rowid order without its month index (nearly every row matches).
 */
static int read_usage(struct run_ctx *r)
{
	struct usage_reader *scan = NULL;
	const struct usage_raw *u;
	int64_t from = 0;
	char last[8], prev_month_text[8] = "";
	int rc, prev_month = 0;

	ft_month_format(last, r->period.first + r->period.months - 1);
	rc = load_batches(r);
	if (!rc)
		rc = load_posted_ranges(r);
	if (!rc)
		rc = scan_from(r, &from);
	/* The rows of months no run covers that this run takes over may be
	 * older than any month scan_from looks at. */
	for (size_t i = 0; !rc && i < r->n_unrun; i++)
		if (r->unrun[i].rows[SRC_USAGE] && r->unrun[i].first_id[SRC_USAGE] < from)
			from = r->sum->scan_from = r->unrun[i].first_id[SRC_USAGE];
	if (!rc)
		rc = usage_reader_start(&scan, r->store, last, from, r->err);
	while (!rc && (rc = usage_reader_next(scan, &u, r->err)) == 1) {
		struct ft_royalty_line tmpl;
		const char *mtext = u->month;
		const char *isrc = u->isrc;
		const char *gtin = u->gtin14;
		const char *cur = u->currency;
		ft_amount revenue = 0, rate = 0, gross, fee, receipts;
		ft_amount kept_remainder = r->remainder, kept_e24 = r->remainder_e24;
		int64_t id = u->id;
		long b = batch_index(r, u->batch_id);
		const struct batch_info *batch;
		size_t first_line = r->n_lines, n_lines = 0, k;
		int month, status, deferred_from, unmatched, defers;

		rc = 0;
		if (b < 0)
			continue; /* a withdrawn batch */
		if (u->too_long) {
			rc = ft_error_set(
			    r->err, FT_EINVAL,
			    "usage row %lld: its %s is longer than any the ledger writes",
			    (long long)id, u->too_long);
			break;
		}
		batch = &r->batches[b];
		if (strcmp(mtext, prev_month_text) != 0) {
			rc = ft_month_parse(&prev_month, mtext, strlen(mtext), r->err);
			if (rc)
				break;
			copy_field(prev_month_text, sizeof(prev_month_text), mtext);
		}
		month = prev_month;
		status = row_status(r, SRC_USAGE, id, month);
		if (!status) {
			rc = range_read(r, month, id, 0);
			continue;
		}
		if (ft_amount_parse(&revenue, u->revenue, strlen(u->revenue), NULL))
			rc = ft_error_set(
			    r->err, FT_EINVAL,
			    "usage row %lld: stored revenue '%s' is not an exact decimal",
			    (long long)id, u->revenue);
		if (!rc)
			rc = rate_for(r, month, cur, r->currency, &rate);
		if (rc == 1) { /* missing: keep collecting, the run stops after the scan */
			rc = 0;
			continue;
		}
		if (!rc)
			rc = ft_run_convert(&gross, &fee, &receipts, &r->remainder,
					    &r->remainder_e24, revenue, rate, batch->fee_rate,
					    r->err);
		if (rc)
			break;
		memset(&tmpl, 0, sizeof(tmpl));
		/* A late row is accounted in this period (the engine needs its lines
		 * inside the period); a context row keeps its month when the
		 * statement period holds it. */
		tmpl.month = status == 1			     ? month
			     : status == 3 && month >= r->span.first ? month
			     : status == 3			     ? r->span.first
								     : r->period.first;
		tmpl.units = u->usages;
		tmpl.gross = gross;
		tmpl.receipts = receipts;
		tmpl.source_id = id;
		tmpl.tag = (uint32_t)b;
		tmpl.channel =
		    same_channel(r->last_channel, batch->partner, u->commercial_model, u->use_type,
				 u->territory)
			? r->last_channel
			: ft_royalty_dict_channel(r->dict, batch->partner, u->commercial_model,
						  u->use_type, u->territory);
		r->last_channel = tmpl.channel;
		if (!tmpl.channel) {
			rc = ft_error_set(
			    r->err, FT_EINVAL,
			    "usage row %lld: its partner, commercial model, use type or "
			    "territory is too long for the engine (or out of memory)",
			    (long long)id);
			break;
		}
		if (isrc && isrc[0]) {
			struct ft_royalty_line *l = new_line(r);

			if (!l) {
				rc = ft_error_set(r->err, FT_ENOMEM, "out of memory");
				break;
			}
			*l = tmpl;
			n_lines = 1;
			rc = track_context(r, isrc, gtin, &l->track);
		} else {
			rc = release_lines(r, &tmpl, gtin ? gtin : "", &n_lines);
		}
		if (rc)
			break;
		deferred_from = status;
		defers = status != 3 && (r->any_not_due || status == 2)
			     ? frequency_defers(r, first_line, month, &status)
			     : 0;
		if (defers < 0) {
			rc = defers;
			break;
		}
		if (defers) {
			r->n_lines = first_line;
			r->remainder = kept_remainder;
			r->remainder_e24 = kept_e24;
			rc = range_read(r, month, id, 0);
			continue;
		}
		if (status == 3) { /* ACCT-9 weight only: posted by an earlier run */
			r->remainder = kept_remainder;
			r->remainder_e24 = kept_e24;
			for (k = first_line; k < r->n_lines; k++)
				r->lines[k].context = true;
			rc = range_read(r, month, id, 0);
			continue;
		}
		deferred_from = deferred_from == 2 && status == 1;
		unmatched = n_lines == 1 && !r->lines[first_line].track;
		rc = receipt_add(r, (uint32_t)b, month, status == 2, deferred_from, unmatched,
				 gross, fee, receipts);
		if (!rc)
			rc = range_read(r, month, id, 1);
		if (rc)
			break;
		if (status == 2 && r->sum->late_lines < 20)
			add_note(
			    r->sum, "adjustment: usage %lld (%s, %s) belongs to %s; posted in %s",
			    (long long)id, mtext, batch->file,
			    month_closed(r, month) ? "a closed period" : "a month no run covered",
			    r->period_text);
		if (status == 2)
			r->sum->late_lines++;
	}
	usage_reader_stop(scan);
	for (size_t i = 0; rc >= 0 && i < r->n_open; i++)
		if (r->open_ranges[i].first >= 0) {
			if (grow((void **)&r->ranges, &r->cap_ranges, r->n_ranges + 1,
				 sizeof(*r->ranges)))
				return ft_error_set(r->err, FT_ENOMEM, "out of memory");
			r->ranges[r->n_ranges++] = r->open_ranges[i];
			r->open_ranges[i].first = -1;
		}
	return rc < 0 ? rc : 0;
}

/* Read suspense or income rows (few: one posting a row); the columns are
 * the same for both. */
static int read_rows(struct run_ctx *r, enum src_kind kind)
{
	static const char *const sql[] = {
	    NULL, /* usage: read_usage */
	    "SELECT s.rowid, s.batch_id, s.month, s.identifier, NULL, s.territory, "
	    "s.commercial_model, s.use_type, s.currency, s.usages, s.revenue, b.partner_id, "
	    "p.fee_percent, b.file FROM suspense s JOIN import_batches b ON b.id = s.batch_id "
	    "JOIN partners p ON p.id = b.partner_id WHERE b.withdrawn_at IS NULL AND s.month <= ? "
	    "ORDER BY s.rowid",
	    "SELECT i.id, NULL, i.month, i.kind, i.description, '', '', '', i.currency, 0, "
	    "i.amount, i.partner_id, p.fee_percent, i.file FROM income i JOIN partners p ON "
	    "p.id = i.partner_id WHERE i.month <= ? ORDER BY i.id",
	};
	struct ft_stmt *st = NULL;
	int rc;

	char last[8];

	/* Months are stored as canonical YYYY-MM, so text order is time order. */
	ft_month_format(last, r->period.first + r->period.months - 1);
	rc = ft_store_prepare(r->store, &st, sql[kind], r->err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, last, r->err);
	while (!rc && (rc = ft_stmt_step(st, r->err)) == 1) {
		struct ft_royalty_line tmpl;
		struct src_row *row;
		const char *cur = ft_stmt_column_text(st, 8);
		const char *id_text = ft_stmt_column_text(st, 3);
		char gross_t[FT_AMOUNT_STR_MAX], fee_t[FT_AMOUNT_STR_MAX];
		char rec_t[FT_AMOUNT_STR_MAX], rate_t[FT_AMOUNT_STR_MAX],
		    fee_pct[FT_AMOUNT_STR_MAX];
		ft_amount revenue = 0, rate = 0, fee_r = 0;
		int64_t id = ft_stmt_column_int64(st, 0);
		int month, status, deferred_from = 0;

		rc = ft_month_parse(&month, ft_stmt_column_text(st, 2),
				    strlen(ft_stmt_column_text(st, 2)), r->err);
		if (rc)
			break;
		status = row_status(r, kind, id, month);
		if (!status)
			continue;
		/* ACCT-9 income is shared only in a run where every contract is
		 * due, over the whole statement period's receipts. */
		if (kind == SRC_INCOME && !r->all_due) {
			r->deferred_income++;
			continue;
		}
		/* Income of a closed month of the statement period waited for
		 * this run: deferred, not late. */
		if (kind == SRC_INCOME && status == 2 && r->span.months > r->period.months &&
		    ft_period_contains(&r->span, month)) {
			status = 1;
			deferred_from = 1;
		}
		rc = ft_stmt_column_amount(st, 10, &revenue, r->err);
		if (!rc)
			rc = fee_rate(ft_stmt_column_text(st, 12), &fee_r, r->err);
		if (!rc)
			rc = rate_for(r, month, cur, r->currency, &rate);
		if (rc == 1) { /* missing: keep collecting, the run stops after the scan */
			rc = 0;
			continue;
		}
		if (rc)
			break;
		if (grow((void **)&r->rows, &r->cap_rows, r->n_rows + 1, sizeof(*r->rows))) {
			rc = ft_error_set(r->err, FT_ENOMEM, "out of memory");
			break;
		}
		row = &r->rows[r->n_rows];
		memset(row, 0, sizeof(*row));
		row->kind = kind;
		row->id = id;
		row->batch_id = kind == SRC_INCOME ? 0 : ft_stmt_column_int64(st, 1);
		row->late = status == 2;
		copy_field(row->partner, sizeof(row->partner), ft_stmt_column_text(st, 11));
		rc = ft_run_convert(&row->gross, &row->fee, &row->receipts, &r->remainder,
				    &r->remainder_e24, revenue, rate, fee_r, r->err);
		if (rc)
			break;
		memset(&tmpl, 0, sizeof(tmpl));
		/* A late row is accounted in this period (the engine needs its lines
		 * inside the period); its own month stays in the note.  (Context
		 * rows, status 3, are usage rows: read_usage.) */
		tmpl.month = status == 1 ? month : r->period.first;
		tmpl.units = ft_stmt_column_int64(st, 9);
		tmpl.gross = row->gross;
		tmpl.receipts = row->receipts;
		tmpl.source_id = id;
		tmpl.channel =
		    ft_royalty_dict_channel(r->dict, row->partner, ft_stmt_column_text(st, 6),
					    ft_stmt_column_text(st, 7), ft_stmt_column_text(st, 5));
		if (!tmpl.channel) {
			rc = ft_error_set(r->err, FT_EINVAL,
					  "%s row %lld: its partner, commercial model, use type or "
					  "territory is too long for the engine (or out of memory)",
					  src_names[kind], (long long)id);
			break;
		}
		row->first_line = r->n_lines;
		ft_amount_format(gross_t, sizeof(gross_t), row->gross, 2);
		ft_amount_format(fee_t, sizeof(fee_t), row->fee, 2);
		ft_amount_format(rec_t, sizeof(rec_t), row->receipts, 2);
		ft_amount_format(rate_t, sizeof(rate_t), rate, 0);
		ft_amount_format(fee_pct, sizeof(fee_pct), fee_r * 100, 0);
		if (kind == SRC_INCOME) {
			struct ft_royalty_line *l = new_line(r);

			if (!l) {
				rc = ft_error_set(r->err, FT_ENOMEM, "out of memory");
				break;
			}
			*l = tmpl;
			l->non_attributable = true;
			l->units = 0;
			row->n_lines = 1;
			snprintf(row->note, sizeof(row->note),
				 "income #%lld (%s) %s %s '%s' from %s: %s %s", (long long)id,
				 ft_stmt_column_text(st, 13), ft_stmt_column_text(st, 2), id_text,
				 ft_stmt_column_text(st, 4), row->partner, cur,
				 ft_stmt_column_text(st, 10));
		} else {
			const char *gtin = ft_stmt_column_text(st, 4);
			struct ft_royalty_line *l = new_line(r);

			if (!l) {
				rc = ft_error_set(r->err, FT_ENOMEM, "out of memory");
				break;
			}
			*l = tmpl; /* ACCT-10: unmatched, no track */
			row->n_lines = 1;
			row->late = status == 2;
			deferred_from = 0;
			snprintf(row->note, sizeof(row->note),
				 "batch %lld (%s) %s row %lld: %s %s %s %s/%s %lld usages, %s %s",
				 (long long)row->batch_id, ft_stmt_column_text(st, 13),
				 src_names[kind], (long long)id, ft_stmt_column_text(st, 2),
				 gtin	   ? gtin
				 : id_text ? id_text
					   : "",
				 tmpl.channel->territory, tmpl.channel->commercial_model,
				 tmpl.channel->use_type, (long long)tmpl.units, cur,
				 ft_stmt_column_text(st, 10));
		}
		{
			size_t used = strlen(row->note);

			snprintf(row->note + used, sizeof(row->note) - used,
				 " × fx %s %s→%s = %s %s; fee %s%% %s; receipts %s%s", rate_t, cur,
				 r->currency, r->currency, gross_t, fee_pct, fee_t, rec_t,
				 row->late && month_closed(r, month)
				     ? " (late: its month is closed, posted here as an "
				       "adjustment)"
				 : row->late ? " (late: a month no run covered, posted here as an "
					       "adjustment)"
				 : deferred_from && kind == SRC_INCOME
				     ? " (deferred to the run where every contract is due)"
				 : deferred_from ? " (deferred to its contract's statement period)"
						 : "");
		}
		if (row->late && r->sum->late_lines < 20)
			add_note(r->sum, "adjustment: %s %lld (%s, %s) belongs to %s; posted in %s",
				 src_names[kind], (long long)id, ft_stmt_column_text(st, 2),
				 kind == SRC_INCOME ? row->partner : ft_stmt_column_text(st, 13),
				 month_closed(r, month) ? "a closed period"
							: "a month no run covered",
				 r->period_text);
		if (row->late)
			r->sum->late_lines++;
		r->n_rows++;
	}
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
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
			rc = rate_for(r, month, cur, c->currency, &rate);
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
			if (grow((void **)&r->converted, &r->cap_converted, r->n_converted + 1,
				 sizeof(*r->converted)))
				return ft_error_set(r->err, FT_ENOMEM, "out of memory");
			x = &r->converted[r->n_converted++];
			memset(x, 0, sizeof(*x));
			copy_field(x->account, sizeof(x->account),
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
static void charge_note(const struct run_ctx *r, char *note, size_t cap, const char *account,
			int cost)
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
			rc = rate_for(r, m, r->currency, cur, &rate);
			if (rc == 1)
				continue;
			if (rc)
				return rc;
			if (grow((void **)&r->engine_fx, &r->cap_engine_fx, r->n_engine_fx + 1,
				 sizeof(*r->engine_fx)))
				return ft_error_set(r->err, FT_ENOMEM, "out of memory");
			r->engine_fx[r->n_engine_fx].month = m;
			copy_field(r->engine_fx[r->n_engine_fx].currency, 4, cur);
			r->engine_fx[r->n_engine_fx].rate = rate;
			r->n_engine_fx++;
		}
	}
	return 0;
}

/* ---- posting --------------------------------------------------------------------- */

struct leg {
	const char *account;
	const char *payee; /* NULL for the label's and partners' accounts */
	ft_amount amount;
	const char *currency; /* NULL: the base currency */
};

static const char *leg_currency(const struct run_ctx *r, const struct leg *l)
{
	return l->currency ? l->currency : r->currency;
}

static int post(struct run_ctx *r, const char *kind, const struct leg *legs, size_t n,
		const char *contract, int64_t batch_id, const char *source, int64_t source_id,
		const char *note)
{
	ft_amount total;
	size_t i, j, nonzero = 0;
	int rc = 0;

	/* J-1: the legs balance per currency (a posting has one or two). */
	for (i = 0; i < n; i++) {
		nonzero += legs[i].amount != 0;
		for (j = 0; j < i; j++)
			if (!strcmp(leg_currency(r, &legs[j]), leg_currency(r, &legs[i])))
				break;
		if (j < i)
			continue; /* summed with its currency's first leg */
		total = 0;
		for (j = i; j < n; j++)
			if (!strcmp(leg_currency(r, &legs[j]), leg_currency(r, &legs[i])) &&
			    ft_amount_add(&total, total, legs[j].amount))
				return ft_error_set(r->err, FT_EOVERFLOW,
						    "posting total out of range");
		if (total != 0)
			return ft_error_set(r->err, FT_ECONFLICT,
					    "internal: a %s posting does not balance in %s; "
					    "nothing was written",
					    kind, leg_currency(r, &legs[i]));
	}
	if (!nonzero && !r->force_post)
		return 0;
	r->posting++;
	for (i = 0; !rc && i < n; i++) {
		/* A zero leg is left out, but for the conversion:<C> leg of a
		 * posting that crosses currencies: J-5 reads the lines' side of
		 * the posting there (a tiny line can round to 0 in C and not in
		 * the base). */
		if (legs[i].amount == 0 && (nonzero || i > 0) &&
		    !(legs[i].currency && !strncmp(legs[i].account, "conversion:", 11)))
			continue;
		if (!strcmp(legs[i].account, "label") && !legs[i].currency)
			r->label_sum += legs[i].amount;
		rc = ft_stmt_reset(r->ins, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(r->ins, 1, r->period_text, r->err);
		if (!rc)
			rc = ft_stmt_bind_int64(r->ins, 2, r->posting, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(r->ins, 3, kind, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(r->ins, 4, legs[i].account, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(r->ins, 5, leg_currency(r, &legs[i]), r->err);
		if (!rc)
			rc = ft_stmt_bind_amount(r->ins, 6, legs[i].amount, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(r->ins, 7, contract, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(r->ins, 8, legs[i].payee, r->err);
		if (!rc)
			rc = batch_id ? ft_stmt_bind_int64(r->ins, 9, batch_id, r->err)
				      : ft_stmt_bind_null(r->ins, 9, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(r->ins, 10, source, r->err);
		if (!rc)
			rc = source ? ft_stmt_bind_int64(r->ins, 11, source_id, r->err)
				    : ft_stmt_bind_null(r->ins, 11, r->err);
		if (!rc)
			rc = ft_stmt_bind_text(r->ins, 12, note, r->err);
		if (!rc)
			rc = ft_stmt_step(r->ins, r->err);
		if (rc < 0)
			return rc;
		rc = 0;
		r->legs++;
	}
	return rc;
}

/*
 * on_entry: each engine entry joins the royalty posting of its (contract,
 * usage batch) — or (contract, income row) for an ACCT-9 allocation — and
 * becomes one row of royalty_lines under it.  The engine hands a contract's
 * entries over together, so a contract's groups are looked for among the
 * few opened since its first entry.  Postings are numbered in the order
 * groups open; post_all posts them first, so the numbers hold.
 */
static int on_entry(void *ctx, const struct ft_royalty_entry *e, const ft_amount *shares,
		    const struct ft_royalty_allocation *a, struct ft_error *err)
{
	struct run_ctx *r = ctx;
	const struct ft_contract *c = &r->contracts[e->contract];
	const struct ft_royalty_line *l = &r->lines[e->line];
	struct royalty_group *g = NULL;
	int64_t batch = 0, source = 0;
	int kind = SRC_USAGE;
	struct line_rec rec;
	size_t i;

	if (e->royalty == 0 && e->label_royalty == 0)
		return 0; /* nothing to post, nothing to show */
	if (a) {
		kind = a->source_line >= 0 ? SRC_INCOME : -1;
		source = a->source_line >= 0 ? r->lines[a->source_line].source_id : 0;
	} else {
		batch = r->batches[l->tag].id;
	}
	if (r->n_groups > r->group_from && r->groups[r->group_from].contract != e->contract)
		r->group_from = r->n_groups;
	for (i = r->n_groups; i-- > r->group_from && !g;)
		if (r->groups[i].batch_id == batch && r->groups[i].kind == kind &&
		    r->groups[i].source_id == source)
			g = &r->groups[i];
	if (!g) {
		if (grow((void **)&r->groups, &r->cap_groups, r->n_groups + 1,
			 sizeof(*r->groups)) ||
		    grow((void **)&r->group_shares, &r->cap_group_shares,
			 r->n_group_shares + c->n_payees, sizeof(*r->group_shares)))
			return ft_error_set(err, FT_ENOMEM, "out of memory");
		g = &r->groups[r->n_groups++];
		memset(g, 0, sizeof(*g));
		g->contract = e->contract;
		g->batch_id = batch;
		g->kind = kind;
		g->source_id = source;
		g->posting = (int64_t)r->n_groups;
		g->shares_at = r->n_group_shares;
		memset(r->group_shares + g->shares_at, 0, c->n_payees * sizeof(*r->group_shares));
		r->n_group_shares += c->n_payees;
	}
	for (i = 0; i < c->n_payees; i++)
		r->group_shares[g->shares_at + i] += shares[i];
	g->royalty += e->royalty;
	g->base += e->base;
	g->label_royalty += e->label_royalty;
	if (e->fx_rate != FT_AMOUNT_ONE) {
		int k;

		for (k = 0; k < g->n_fx && g->fx_month[k] != l->month; k++)
			;
		if (k == g->n_fx && k < 12) {
			g->fx_month[k] = l->month;
			g->fx_rate[k] = e->fx_rate;
			g->n_fx++;
		}
	}
	rec.posting = g->posting;
	rec.seq = g->lines++;
	rec.usage_id = l->source_id;
	rec.income_id = kind == SRC_INCOME ? source : 0;
	rec.rule = e->rule;
	rec.tier = e->escalation + 1;
	rec.units = e->units;
	rec.base = e->base;
	rec.rate = e->rate;
	rec.royalty = e->royalty;
	rec.allocation = a != NULL;
	rec.allocated = a ? a->receipts : 0;
	return line_writer_add(r->lines_out, &rec, err);
}

static const char *account_of(const struct ft_contract *c)
{
	return c->cross_collateral[0] ? c->cross_collateral : c->id;
}

static int row_allocated(const struct ft_royalty_result *res, size_t line)
{
	size_t i;

	for (i = 0; i < res->n_allocations; i++)
		if (res->allocations[i].source_line == (long)line)
			return 1;
	return 0;
}

/* Reverse the receipt postings of suspense rows that closed runs posted and
 * that have since left suspense (rematched to a track, whose usage row is
 * then posted as late, or withdrawn): their money must not count twice. */
static int reverse_left_suspense(struct run_ctx *r)
{
	struct ft_stmt *st = NULL;
	struct leg legs[8];
	char accounts[8][160], payees[8][FT_CONTRACT_ID_MAX];
	int64_t current = -1, batch = 0;
	size_t n = 0;
	int rc;

	rc = ft_store_prepare(
	    r->store, &st,
	    "SELECT j.source_id, j.account, j.amount, j.batch_id, j.payee FROM journal j JOIN runs "
	    "r ON r.period = j.period WHERE r.closed_at IS NOT NULL AND j.source = 'suspense' "
	    "AND j.kind IN ('receipt', 'late') AND NOT EXISTS (SELECT 1 FROM suspense s WHERE "
	    "s.rowid = j.source_id) AND NOT EXISTS (SELECT 1 FROM journal k JOIN runs q ON "
	    "q.period = k.period WHERE q.closed_at IS NOT NULL AND k.kind = 'reversal' AND "
	    "k.source = 'suspense' AND k.source_id = j.source_id) ORDER BY j.source_id, j.id",
	    r->err);
	for (;;) {
		int step = rc ? rc : ft_stmt_step(st, r->err);
		int64_t id = step == 1 ? ft_stmt_column_int64(st, 0) : -1;

		if (step < 0) {
			rc = step;
			break;
		}
		if ((step == 0 || id != current) && n) {
			char note[128];

			snprintf(note, sizeof(note),
				 "suspense row %lld left suspense after its period closed "
				 "(rematched or withdrawn): its receipt posting is reversed",
				 (long long)current);
			rc = post(r, "reversal", legs, n, NULL, batch, "suspense", current, note);
			n = 0;
			if (rc)
				break;
		}
		if (step == 0)
			break;
		current = id;
		if (n == 8)
			continue;
		copy_field(accounts[n], sizeof(accounts[n]), ft_stmt_column_text(st, 1));
		copy_field(payees[n], sizeof(payees[n]), ft_stmt_column_text(st, 4));
		legs[n].account = accounts[n];
		legs[n].payee = ft_stmt_column_is_null(st, 4) ? NULL : payees[n];
		legs[n].currency = NULL; /* receipts and suspense are in the base */
		rc = ft_stmt_column_amount(st, 2, &legs[n].amount, r->err);
		if (rc)
			break;
		legs[n].amount = -legs[n].amount;
		batch = ft_stmt_column_int64(st, 3);
		n++;
	}
	ft_stmt_free(st);
	return rc;
}

/* The royalty postings, in their numbers' order: label −Σ royalty, each
 * payee +Σ their shares (exact: the sums of what the lines' splits gave). */
static int post_groups(struct run_ctx *r, const struct ft_royalty_input *in)
{
	char note[1024], b[FT_AMOUNT_STR_MAX], y[FT_AMOUNT_STR_MAX], x[FT_AMOUNT_STR_MAX];
	char conv_base[32], conv_c[32];
	struct leg *legs = NULL;
	char(*names)[FT_CONTRACT_ID_MAX * 2 + 16] = NULL;
	size_t i, k, cap = 0, first;
	int rc = 0;

	for (i = 0; !rc && i < r->n_groups; i++) {
		const struct royalty_group *g = &r->groups[i];
		const struct ft_contract *c = &in->contracts[g->contract];
		const struct batch_info *bi = NULL;

		int foreign = strcmp(c->currency, r->currency) != 0;

		if (c->n_payees + 3 > cap) {
			free(legs);
			free(names);
			cap = c->n_payees + 3;
			legs = calloc(cap, sizeof(*legs));
			names = calloc(cap, sizeof(*names));
			if (!legs || !names) {
				rc = ft_error_set(r->err, FT_ENOMEM, "out of memory");
				break;
			}
		}
		legs[0] = (struct leg){"label", NULL, -g->royalty, NULL};
		first = 1;
		if (foreign) {
			/* Per currency (docs/JOURNAL.md "Currencies"): the label
			 * gives up X in the base, the payees get Y in the
			 * contract's currency, and the conversion accounts hold
			 * each side, so every currency balances on its own. */
			snprintf(conv_base, sizeof(conv_base), "conversion:%s", r->currency);
			snprintf(conv_c, sizeof(conv_c), "conversion:%s", c->currency);
			legs[0].amount = -g->label_royalty;
			legs[1] = (struct leg){conv_base, NULL, g->label_royalty, NULL};
			legs[2] = (struct leg){conv_c, NULL, -g->royalty, c->currency};
			first = 3;
		}
		for (k = 0; k < c->n_payees; k++) {
			snprintf(names[k], sizeof(names[k]), "payee:%s@%s", c->payees[k].id,
				 account_of(c));
			legs[k + first] =
			    (struct leg){names[k], c->payees[k].id,
					 r->group_shares[g->shares_at + k], foreign ? c->currency : NULL};
		}
		if (g->kind == SRC_USAGE) {
			long bx = batch_index(r, g->batch_id);

			bi = bx >= 0 ? &r->batches[bx] : NULL;
		}
		ft_amount_format(b, sizeof(b), g->base, 2);
		ft_amount_format(y, sizeof(y), g->royalty, 2);
		ft_amount_format(x, sizeof(x), g->label_royalty, 2);
		if (g->kind == SRC_USAGE)
			snprintf(
			    note, sizeof(note),
			    "ACCT-2..4 contract %s: %lld line%s of batch %lld (%s), base %s, "
			    "royalty %s; each line, its rule, rate and usage row: see explain",
			    c->id, (long long)g->lines, g->lines == 1 ? "" : "s",
			    (long long)g->batch_id, bi ? bi->file : "", b, y);
		else
			snprintf(
			    note, sizeof(note),
			    "ACCT-9 contract %s: %lld allocation%s of %s, base %s, royalty %s; "
			    "each line: see explain",
			    c->id, (long long)g->lines, g->lines == 1 ? "" : "s",
			    g->kind == SRC_INCOME ? "an income row"
						  : "carried non-attributable suspense",
			    b, y);
		if (foreign) {
			size_t used = strlen(note);

			int f;

			snprintf(note + used, sizeof(note) - used,
				 "; in %s: each line's base converted from %s at its month's "
				 "rate (",
				 c->currency, r->currency);
			for (f = 0; f < g->n_fx; f++) {
				char m[8], t[FT_AMOUNT_STR_MAX];

				used = strlen(note);
				ft_month_format(m, g->fx_month[f]);
				ft_amount_format(t, sizeof(t), g->fx_rate[f], 0);
				snprintf(note + used, sizeof(note) - used, "%s%s %s", f ? ", " : "",
					 m, t);
			}
			used = strlen(note);
			snprintf(note + used, sizeof(note) - used,
				 "); the label's %s %s is the same royalties on the unconverted "
				 "bases",
				 r->currency, x);
		}
		r->force_post = 1; /* lines hang on its number even when they sum to 0 */
		rc = post(r, "royalty", legs, c->n_payees + first, c->id, g->batch_id,
			  g->kind == SRC_INCOME ? "income" : NULL, g->source_id, note);
		r->force_post = 0;
		if (!rc && r->posting != g->posting)
			rc = ft_error_set(r->err, FT_ECONFLICT,
					  "internal: royalty posting %lld numbered %lld",
					  (long long)g->posting, (long long)r->posting);
	}
	free(legs);
	free(names);
	return rc;
}

static int post_all(struct run_ctx *r, const struct ft_royalty_input *in,
		    const struct ft_royalty_result *res)
{
	char acct[FT_CONTRACT_ID_MAX * 2 + 16], acct2[FT_CONTRACT_ID_MAX + 32], conv[32];
	char note[4096];
	size_t i, k;
	int rc = 0;

	/* Royalties first: their posting numbers were given out as the engine
	 * handed the entries over (on_entry). */
	rc = post_groups(r, in);
	/* Usage receipts: one posting per batch, month and destination. */
	for (i = 0; !rc && i < r->n_rgroups; i++) {
		const struct receipt_group *g = &r->rgroups[i];
		const struct batch_info *b = &r->batches[g->batch];
		char name[FT_ROYALTY_NAME_MAX], m[8], gt[FT_AMOUNT_STR_MAX], ft[FT_AMOUNT_STR_MAX],
		    rt[FT_AMOUNT_STR_MAX];
		struct leg legs[3];

		snprintf(acct, sizeof(acct), "receipts:%s", b->partner);
		snprintf(acct2, sizeof(acct2), "fees:%s", b->partner);
		snprintf(name, sizeof(name), "suspense:unmatched:%s", b->partner);
		legs[0] = (struct leg){acct, NULL, -g->gross, NULL};
		legs[1] = (struct leg){acct2, NULL, g->fee, NULL};
		legs[2] = (struct leg){g->unmatched ? name : "label", NULL, g->receipts, NULL};
		ft_month_format(m, g->month);
		ft_amount_format(gt, sizeof(gt), g->gross, 2);
		ft_amount_format(ft, sizeof(ft), g->fee, 2);
		ft_amount_format(rt, sizeof(rt), g->receipts, 2);
		snprintf(
		    note, sizeof(note),
		    "batch %lld (%s): %lld usage row%s of %s%s: ACCT-1 gross %s %s, fee %s, "
		    "receipts %s (each row's figures: the usage table, rowids in run_posted)%s",
		    (long long)b->id, b->file, (long long)g->rows, g->rows == 1 ? "" : "s", m,
		    g->unmatched ? " sold as whole releases without tracks" : "", r->currency, gt,
		    ft, rt,
		    g->late && month_closed(r, g->month)
			? " (late: the month is closed, posted here as an adjustment)"
		    : g->late ? " (late: a month no run covered, posted here as an adjustment)"
		    : g->deferred ? " (deferred to its contract's statement period: each row "
				    "waited for the run that computes its contract)"
				  : "");
		rc = post(r, g->late ? "late" : "receipt", legs, 3, NULL, b->id, "batch", b->id,
			  note);
	}
	/* Suspense and income: one posting per row. */
	for (i = 0; !rc && i < r->n_rows; i++) {
		const struct src_row *row = &r->rows[i];
		struct leg legs[3];

		snprintf(acct, sizeof(acct), "receipts:%s", row->partner);
		snprintf(acct2, sizeof(acct2), "fees:%s", row->partner);
		legs[0] = (struct leg){acct, NULL, -row->gross, NULL};
		legs[1] = (struct leg){acct2, NULL, row->fee, NULL};
		legs[2] = (struct leg){"label", NULL, row->receipts, NULL};
		if (row->kind == SRC_SUSPENSE) {
			static char name[FT_ROYALTY_NAME_MAX];

			snprintf(name, sizeof(name), "suspense:unmatched:%s", row->partner);
			legs[2].account = name;
		} else if (row->kind == SRC_INCOME && !row_allocated(res, row->first_line)) {
			static char name[FT_ROYALTY_NAME_MAX];

			snprintf(name, sizeof(name), "suspense:non-attributable:%s", row->partner);
			legs[2].account = name;
		}
		rc = post(r, row->late ? "late" : "receipt", legs, 3, NULL, row->batch_id,
			  src_names[row->kind], row->id, row->note);
	}
	if (!rc)
		rc = reverse_left_suspense(r);
	/* ACCT-9: carried suspense that found attributable receipts. */
	for (k = 0; !rc && in->previous && k < in->previous->n_suspense; k++) {
		const struct ft_royalty_suspense *s = &in->previous->suspense[k];
		int used = 0;

		for (i = 0; i < res->n_allocations; i++)
			used |= res->allocations[i].source_suspense == (long)k;
		if (used) {
			struct leg legs[2] = {{s->name, NULL, -s->amount, NULL},
					      {"label", NULL, s->amount, NULL}};

			snprintf(note, sizeof(note),
				 "ACCT-9: %s carried since %d now shared over %s's receipts",
				 s->name, s->since_month, s->partner);
			rc = post(r, "suspense-release", legs, 2, NULL, 0, NULL, 0, note);
		}
	}
	/* ACCT-8 profit-split credits. */
	for (i = 0; !rc && i < in->n_contracts; i++) {
		const struct ft_contract *c = &in->contracts[i];
		const struct ft_royalty_contract_summary *cs = &res->contracts[i];

		/* A skipped contract credits nothing in this run (its ACCT-8
		 * totals wait for its due run). */
		if (c->type != FT_CONTRACT_PROFIT_SPLIT || !r->windows[i].months)
			continue;
		for (k = 0; !rc && k < c->n_payees; k++) {
			ft_amount credit = res->shares[cs->credits_at + k];
			char p[FT_AMOUNT_STR_MAX];
			struct leg legs[2];

			snprintf(acct, sizeof(acct), "payee:%s@%s", c->payees[k].id, account_of(c));
			legs[0] = (struct leg){"label", NULL, -credit, NULL};
			legs[1] = (struct leg){acct, c->payees[k].id, credit, NULL};
			if (strcmp(c->currency, r->currency) != 0) {
				/* Owed in the contract's currency: the label's
				 * position in it is its conversion account. */
				snprintf(conv, sizeof(conv), "conversion:%s", c->currency);
				legs[0] = (struct leg){conv, NULL, -credit, c->currency};
				legs[1].currency = c->currency;
			}
			ft_amount_format(p, sizeof(p), cs->profit, 2);
			snprintf(
			    note, sizeof(note),
			    "ACCT-8 profit split %s: cumulative profit %s (receipts − recoupable "
			    "costs) × share, less what was credited before",
			    c->id, p);
			rc = post(r, "profit-split", legs, 2, c->id, 0, NULL, 0, note);
		}
	}
	/* ACCT-5 advances and costs recouped, ACCT-7 payouts. */
	for (i = 0; !rc && i < res->n_statements; i++) {
		const struct ft_royalty_statement *s = &res->statements[i];
		struct leg legs[2];

		const char *cur = strcmp(s->currency, r->currency) ? s->currency : NULL;

		snprintf(acct, sizeof(acct), "payee:%s@%s", s->payee, s->account);
		/* ACCT-5: the label recoups; for an account in another currency
		 * on its position in that currency (conversion:<C>), since the
		 * debt is in C. */
		snprintf(conv, sizeof(conv), "conversion:%s", s->currency);
		legs[0] = (struct leg){acct, s->payee, -s->advances, cur};
		legs[1] = (struct leg){cur ? conv : "label", NULL, s->advances, cur};
		charge_note(r, note, sizeof(note), s->account, 0);
		rc = post(r, "advance", legs, 2, s->account, 0, NULL, 0, note);
		legs[0].amount = -s->costs;
		legs[1].amount = s->costs;
		charge_note(r, note, sizeof(note), s->account, 1);
		if (!rc)
			rc = post(r, "cost", legs, 2, s->account, 0, NULL, 0, note);
		snprintf(acct2, sizeof(acct2), "payout:%s", s->payee);
		legs[0].amount = -s->payable;
		legs[1] = (struct leg){acct2, s->payee, s->payable, cur};
		if (!rc)
			rc = post(r, "payout", legs, 2, s->account, 0, NULL, 0,
				  "ACCT-7 payable: balance less reserve held, rounded down");
	}
	if (!rc) {
		struct leg legs[2] = {{"receipts:conversion", NULL, -r->remainder, NULL},
				      {"remainder", NULL, r->remainder, NULL}};

		rc = post(r, "remainder", legs, 2, NULL, 0, NULL, 0,
			  "conversion cuts below 10^-12, summed over the run's rows");
	}
	return rc;
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
			add_note(r->sum,
				 "skipped: %s is stated %s, next due in the run of %s "
				 "(statement period %s)%s",
				 c->id, ft_contract_frequency_name(c->frequency), next_end, p,
				 rows);
			continue;
		}
		if (w.months != r->period.months || w.months != f) {
			ft_period_format(p, sizeof(p), &w);
			add_note(r->sum, "%s is stated %s: computed over %s", c->id,
				 ft_contract_frequency_name(c->frequency), p);
		}
	}
	if (r->deferred_income)
		add_note(r->sum,
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
		copy_field(out, cap, ft_stmt_column_text(st, 0));
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
		copy_field(other, sizeof(other), ft_stmt_column_text(st, 0));
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
	static const char *const sql[] = {
	    "DELETE FROM journal WHERE period = ?", "DELETE FROM royalty_line_blocks WHERE period = ?",
	    "DELETE FROM run_posted WHERE period = ?",
	    "DELETE FROM run_statements WHERE period = ?", "DELETE FROM runs WHERE period = ?"};
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

	rc = ft_store_prepare(r->store, &st,
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
		copy_field(last, sizeof(last), account);
		if (ft_stmt_column_amount(st, 2, &closing, NULL) ||
		    ft_stmt_column_amount(st, 3, &held, NULL) || (closing == 0 && held == 0))
			continue;
		lo = account_lower(r, account);
		if (lo < r->n_contracts && !strcmp(r->by_account[lo].name, account)) {
			const struct ft_contract *c = &r->contracts[r->by_account[lo].i];

			if (strcmp(c->currency, cur) != 0)
				rc = ft_error_setloc(
				    r->err, FT_ECONFLICT, c->file[0] ? c->file : NULL, c->line,
				    "currency",
				    "contract %s accounts in %s, but its account %s carries a balance "
				    "or reserve in %s from %s: a carried balance keeps its currency "
				    "(import the contract in %s again)",
				    c->id, c->currency, account, cur, ft_stmt_column_text(st, 4), cur);
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

		copy_field(p->payee, sizeof(p->payee), st->payee);
		copy_field(p->account, sizeof(p->account), st->account);
		copy_field(p->currency, sizeof(p->currency), st->currency);
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
	copy_field(out->period, sizeof(out->period), r.period_text);

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
		add_note(out,
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
	copy_field(out->currency, sizeof(out->currency), r.currency);
	rc = load_previous(&r, &prev, &have_prev);
	if (!rc)
		rc = carried_currencies(&r);
	if (!rc)
		rc = convert_money_items(&r, set.items, have_prev ? &prev : NULL);
	if (!rc)
		rc = load_posted(&r);
	t0 = now_us();
	if (!rc)
		rc = read_usage(&r);
	for (k = SRC_SUSPENSE; !rc && k <= SRC_INCOME; k++)
		rc = read_rows(&r, (enum src_kind)k);
	if (!rc)
		rc = contract_rates(&r);
	if (!rc && r.missing_rates)
		rc = ft_error_set(
		    err, FT_ENOTFOUND,
		    "%s needs %zu exchange rate%s the ledger does not have: %s (add "
		    "'MONTH,FROM,TO,RATE' lines to an fx file and run 'fairtrack import "
		    "fx FILE')",
		    r.period_text, r.missing_rates, r.missing_rates > 1 ? "s" : "",
		    r.missing_text);
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
	in.on_entry = on_entry;
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
		rc = post_all(&r, &in, res);
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
		add_note(out, "… %zu adjustments in all (explain --journal lists them as 'late')",
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
