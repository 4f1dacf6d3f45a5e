/*
 * royalty_lines.c — the royalty lines of a period as payee accounts see
 * them (royalty_lines.h): one cursor, the usage and income rows behind a
 * line, and the line's arithmetic in words.
 *
 * A line is found through the payee legs of the royalty posting it is under:
 * the journal is indexed by (period, account, id) and royalty_line_blocks
 * by (period, posting, first_seq), so one account's lines are an index range
 * of its legs, each followed by a range of blocks, already in (posting, seq)
 * order — no sort, whether the posting holds one line or thousands.  A
 * block's lines are decoded once (line_block.h) and handed out one by one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fairtrack/ledger_run.h"
#include "fairtrack/royalty.h"
#include "fairtrack/textbuf.h"
#include "ledger/line_block.h"
#include "ledger/royalty_lines.h"

/* A contract of the set, in the index sorted by id. */
struct contract_ref {
	const struct ft_contract *c;
};

struct ft_royalty_lines {
	struct ft_store *store;
	struct ft_account_cursor cur; /* the blocks, by account */
	struct line_rec *block;	      /* the current block's lines, decoded */
	size_t n_block, at;	      /* lines in it, the next one to hand out */
	struct ft_stmt *usage, *income;
	char currency[4];	    /* the run's (the ledger's base) */
	struct ft_period run;	    /* the run's period (a contract in another currency) */
	struct contract_ref *by_id; /* the contracts sorted by id */
	size_t n_contracts;
	ft_amount *parts; /* ACCT-4 split of the current line */
	size_t cap_parts;
	/* The last exchange rate looked up for a note (a note per line of
	 * one account: mostly the same month and currency). */
	int fx_month;
	char fx_from[4];
	ft_amount fx_rate;
	int fx_found;
};

#define LINE_COLS                                                                                  \
	"SELECT j.account, COALESCE(j.payee, ''), COALESCE(j.contract, ''), j.id, j.posting,"      \
	" b.first_seq, b.n, b.lines"                                                                \
	" FROM journal j JOIN royalty_line_blocks b ON b.period = j.period AND b.posting = j.posting"

/* The payee accounts are the range ['payee:', 'payee;') of the index on
 * (period, account, id): ';' follows ':' in byte order. */
static const char shared_sql[] =
    LINE_COLS " WHERE j.period = ?1 AND j.account >= 'payee:' AND j.account < 'payee;'"
	      " AND j.kind = 'royalty' ORDER BY j.account, j.id, b.first_seq";
static const char account_sql[] = LINE_COLS " WHERE j.period = ?1 AND j.account = ?2"
					    " AND j.kind = 'royalty' ORDER BY j.id, b.first_seq";

static const char usage_sql[] =
    "SELECT u.month, COALESCE(u.isrc, ''), COALESCE(t.title, ''),"
    " COALESCE(u.gtin14, rt.gtin14, ''), COALESCE(r.title, r2.title, ''),"
    " CASE WHEN u.store <> '' THEN u.store ELSE COALESCE(p.name, b.partner_id) END,"
    " u.territory, u.commercial_model, u.use_type, u.currency, u.revenue, u.usages,"
    " b.id, b.file, b.partner_id, COALESCE(p.name, ''), b.format, b.imported_at, b.rows,"
    " b.usage_lines, b.rejected_lines, b.suspense_rows, COALESCE(p.fee_percent, '')"
    " FROM usage u JOIN import_batches b ON b.id = u.batch_id"
    " LEFT JOIN partners p ON p.id = b.partner_id"
    " LEFT JOIN tracks t ON t.isrc = u.isrc"
    " LEFT JOIN releases r ON r.gtin14 = u.gtin14"
    " LEFT JOIN release_tracks rt ON rt.isrc = u.isrc AND rt.gtin14 ="
    "  (SELECT MIN(gtin14) FROM release_tracks WHERE isrc = u.isrc)"
    " LEFT JOIN releases r2 ON r2.gtin14 = rt.gtin14"
    " WHERE u.rowid = ?";

static const char income_sql[] = "SELECT month, partner_id, kind, description, currency, amount,"
				 " file FROM income WHERE id = ?";

static int cmp_contract(const void *a, const void *b)
{
	const struct contract_ref *x = a, *y = b;

	return strcmp(x->c->id, y->c->id);
}

static const struct ft_contract *find_contract(const struct ft_royalty_lines *l, const char *id)
{
	size_t lo = 0, hi = l->n_contracts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->by_id[mid].c->id, id);

		if (c == 0)
			return l->by_id[mid].c;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int ft_royalty_lines_open(struct ft_royalty_lines **out, struct ft_store *store, const char *period,
			  const char *account, const struct ft_contract_set *contracts,
			  struct ft_error *err)
{
	struct ft_royalty_lines *l = calloc(1, sizeof(*l));
	struct ft_stmt *st = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (!l)
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	l->store = store;
	l->cur.shared = account == NULL;
	if (contracts->n) {
		l->by_id = malloc(contracts->n * sizeof(*l->by_id));
		if (!l->by_id) {
			free(l);
			return ft_error_set(err, FT_ENOMEM, "out of memory");
		}
		for (i = 0; i < contracts->n; i++)
			l->by_id[i].c = &contracts->items[i];
		l->n_contracts = contracts->n;
		qsort(l->by_id, l->n_contracts, sizeof(*l->by_id), cmp_contract);
	}
	l->block = malloc(LINE_BLOCK_MAX * sizeof(*l->block));
	if (!l->block) {
		ft_royalty_lines_close(l);
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	}
	rc = ft_store_prepare(store, &l->cur.q, l->cur.shared ? shared_sql : account_sql, err);
	if (!rc)
		rc = ft_stmt_bind_text(l->cur.q, 1, period, err);
	if (!rc && account)
		rc = ft_stmt_bind_text(l->cur.q, 2, account, err);
	if (!rc)
		rc =
		    ft_store_prepare(store, &st,
				     "SELECT currency, first_month, months FROM runs WHERE period = ?",
				     err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, period, err);
	if (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		snprintf(l->currency, sizeof(l->currency), "%s", ft_stmt_column_text(st, 0));
		l->run.first = (int)ft_stmt_column_int64(st, 1);
		l->run.months = (int)ft_stmt_column_int64(st, 2);
		rc = 0;
	}
	ft_stmt_free(st);
	if (rc < 0) {
		ft_royalty_lines_close(l);
		return rc;
	}
	*out = l;
	return 0;
}

void ft_royalty_lines_close(struct ft_royalty_lines *l)
{
	if (!l)
		return;
	ft_stmt_free(l->cur.q);
	ft_stmt_free(l->usage);
	ft_stmt_free(l->income);
	free(l->by_id);
	free(l->parts);
	free(l->block);
	free(l);
}

/* Decode the block under the cursor. */
static int read_block(struct ft_royalty_lines *l, struct ft_error *err)
{
	struct ft_stmt *q = l->cur.q;
	int64_t n = ft_stmt_column_int64(q, 6);
	size_t len;
	const void *data = ft_stmt_column_blob(q, 7, &len);
	int rc;

	l->n_block = l->at = 0;
	/* The decoder refuses a count out of 1..LINE_BLOCK_MAX as it refuses
	 * damaged bytes. */
	rc = line_block_decode(data, len, (size_t)n, l->block, err);
	if (rc)
		return ft_error_wrap(err, rc, "royalty posting #%lld, lines from %lld",
				     (long long)ft_stmt_column_int64(q, 4),
				     (long long)ft_stmt_column_int64(q, 5));
	l->n_block = (size_t)n;
	return 0;
}

/* The next line of the block under the cursor as a line of its account; 1
 * when the payee's part of it is not zero, 0 when it is (no leg would
 * carry it). */
static int read_line(struct ft_royalty_lines *l, struct ft_posted_line *line, struct ft_error *err)
{
	struct ft_stmt *q = l->cur.q;
	const struct line_rec *r = &l->block[l->at];
	const struct ft_contract *c;
	size_t i;
	int rc;

	memset(line, 0, sizeof(*line));
	line->account = ft_stmt_column_text(q, 0);
	line->payee = ft_stmt_column_text(q, 1);
	line->contract_id = ft_stmt_column_text(q, 2);
	line->journal_id = ft_stmt_column_int64(q, 3);
	line->posting = ft_stmt_column_int64(q, 4);
	line->seq = ft_stmt_column_int64(q, 5) + (int64_t)l->at;
	line->usage_id = r->usage_id;
	line->income_id = r->income_id;
	line->rule = r->rule;
	line->tier = r->tier;
	line->units = r->units;
	line->base = r->base;
	line->rate = r->rate;
	line->royalty = r->royalty;
	line->non_attributable = r->allocation;
	line->allocated = r->allocated;
	l->at++;
	c = find_contract(l, line->contract_id);
	if (!c)
		return ft_error_set(err, FT_ENOTFOUND,
				    "royalty posting #%lld is under contract '%s', which is no "
				    "longer stored (re-import it, or re-run the period)",
				    (long long)line->posting, line->contract_id);
	for (i = 0; i < c->n_payees && strcmp(c->payees[i].id, line->payee) != 0; i++)
		;
	if (i == c->n_payees)
		return ft_error_set(err, FT_ENOTFOUND,
				    "royalty posting #%lld credits %s, who is not a payee of "
				    "contract '%s' as stored now (re-run the period)",
				    (long long)line->posting, line->payee, c->id);
	line->contract = c;
	line->payee_index = i;
	if (c->n_payees > l->cap_parts) {
		ft_amount *grown = realloc(l->parts, c->n_payees * sizeof(*grown));

		if (!grown)
			return ft_error_set(err, FT_ENOMEM, "out of memory");
		l->parts = grown;
		l->cap_parts = c->n_payees;
	}
	/* ACCT-4: the payee's part, exactly as the engine split the line. */
	rc = ft_royalty_payee_shares(l->parts, c, line->royalty, err);
	if (rc)
		return rc;
	line->part = l->parts[i];
	return line->part != 0;
}

int ft_account_cursor_next(struct ft_account_cursor *c, const char *account, struct ft_error *err)
{
	int rc, cmp;

	for (;;) {
		if (!c->pending) {
			if (c->done)
				return 0;
			rc = ft_stmt_step(c->q, err);
			if (rc < 0)
				return rc;
			if (rc == 0) {
				c->done = true;
				return 0;
			}
			c->pending = true;
		}
		cmp = c->shared ? strcmp(ft_stmt_column_text(c->q, 0), account) : 0;
		if (cmp > 0)
			return 0; /* the next account's: kept for it */
		c->pending = false;
		if (cmp == 0)
			return 1;
	}
}

int ft_royalty_lines_next(struct ft_royalty_lines *l, const char *account,
			  struct ft_posted_line *line, struct ft_error *err)
{
	int rc;

	/* read_line says 0 for a line whose part for this payee is zero.  The
	 * block under the cursor is handed out while lines of it are left and
	 * it is the account's (a caller may leave an account before its end). */
	if (l->at < l->n_block && l->cur.shared &&
	    strcmp(ft_stmt_column_text(l->cur.q, 0), account) != 0)
		l->n_block = 0;
	for (;;) {
		while (l->at < l->n_block)
			if ((rc = read_line(l, line, err)) != 0)
				return rc;
		rc = ft_account_cursor_next(&l->cur, account, err);
		if (rc != 1)
			return rc;
		if ((rc = read_block(l, err)) != 0)
			return rc;
	}
}

static int step_one(struct ft_store *store, struct ft_stmt **q, const char *sql, int64_t id,
		    struct ft_error *err)
{
	int rc = *q ? ft_stmt_reset(*q, err) : ft_store_prepare(store, q, sql, err);

	if (!rc)
		rc = ft_stmt_bind_int64(*q, 1, id, err);
	if (!rc)
		rc = ft_stmt_step(*q, err);
	return rc;
}

int ft_royalty_lines_usage(struct ft_royalty_lines *l, int64_t usage_id, struct ft_posted_usage *u,
			   struct ft_error *err)
{
	struct ft_stmt *q;
	int rc = step_one(l->store, &l->usage, usage_sql, usage_id, err);

	if (rc != 1)
		return rc;
	q = l->usage;
	u->month = ft_stmt_column_text(q, 0);
	u->isrc = ft_stmt_column_text(q, 1);
	u->track = ft_stmt_column_text(q, 2);
	u->upc = ft_stmt_column_text(q, 3);
	u->release = ft_stmt_column_text(q, 4);
	u->store = ft_stmt_column_text(q, 5);
	u->territory = ft_stmt_column_text(q, 6);
	u->commercial_model = ft_stmt_column_text(q, 7);
	u->use_type = ft_stmt_column_text(q, 8);
	u->currency = ft_stmt_column_text(q, 9);
	u->revenue = ft_stmt_column_text(q, 10);
	u->usages = ft_stmt_column_int64(q, 11);
	u->batch_id = ft_stmt_column_int64(q, 12);
	u->batch_file = ft_stmt_column_text(q, 13);
	u->partner = ft_stmt_column_text(q, 14);
	u->partner_name = ft_stmt_column_text(q, 15);
	u->format = ft_stmt_column_text(q, 16);
	u->imported_at = ft_stmt_column_text(q, 17);
	u->batch_rows = ft_stmt_column_int64(q, 18);
	u->usage_lines = ft_stmt_column_int64(q, 19);
	u->rejected_lines = ft_stmt_column_int64(q, 20);
	u->suspense_rows = ft_stmt_column_int64(q, 21);
	u->fee_percent = ft_stmt_column_text(q, 22);
	return 1;
}

int ft_royalty_lines_income(struct ft_royalty_lines *l, int64_t income_id,
			    struct ft_posted_income *in, struct ft_error *err)
{
	struct ft_stmt *q;
	int rc = step_one(l->store, &l->income, income_sql, income_id, err);

	if (rc != 1)
		return rc;
	q = l->income;
	in->month = ft_stmt_column_text(q, 0);
	in->partner = ft_stmt_column_text(q, 1);
	in->kind = ft_stmt_column_text(q, 2);
	in->description = ft_stmt_column_text(q, 3);
	in->currency = ft_stmt_column_text(q, 4);
	in->amount = ft_stmt_column_text(q, 5);
	in->file = ft_stmt_column_text(q, 6);
	return 1;
}

/* ---- the note ------------------------------------------------------------------ */

/*
 * A contract in another currency than the run's: the rate its line's base
 * was converted with (docs/JOURNAL.md "Currencies") — the month the run
 * accounted the row in: its own when the contract's statement period in
 * the run holds it, else (a late row of a closed month) the run's first.
 * *month gets it; 0 when the rate is no longer stored.
 */
static int contract_fx(const struct ft_royalty_lines *l, const struct ft_contract *c,
		       const struct ft_posted_usage *u, int *month, ft_amount *rate)
{
	struct ft_error ignored;
	int len, first, m;

	ft_error_clear(&ignored);
	if (!l->run.months || ft_month_parse(&m, u->month, strlen(u->month), &ignored))
		return 0;
	len = (int)c->frequency > l->run.months ? (int)c->frequency : l->run.months;
	first = l->run.first + l->run.months - len;
	*month = m >= first ? m : l->run.first;
	return ft_fx_rate(l->store, *month, l->currency, c->currency, rate, &ignored) == 0;
}

/* The rate of the usage row's month and currency to the run's, as the run
 * looked it up (ACCT-1); 0 when it is no longer stored. */
static int fx_of(struct ft_royalty_lines *l, const struct ft_posted_usage *u, ft_amount *rate)
{
	struct ft_error ignored;
	int month;

	ft_error_clear(&ignored);
	if (ft_month_parse(&month, u->month, strlen(u->month), &ignored) || !u->currency[0] ||
	    !l->currency[0])
		return 0;
	if (!l->fx_found || month != l->fx_month || strcmp(u->currency, l->fx_from) != 0) {
		l->fx_month = month;
		snprintf(l->fx_from, sizeof(l->fx_from), "%s", u->currency);
		l->fx_found = 1;
		l->fx_rate = 0;
		if (ft_fx_rate(l->store, month, u->currency, l->currency, &l->fx_rate, &ignored))
			l->fx_rate = 0;
	}
	*rate = l->fx_rate;
	return *rate != 0;
}

int ft_royalty_lines_note(struct ft_royalty_lines *l, const struct ft_posted_line *line,
			  const struct ft_posted_usage *u, const struct ft_posted_income *in,
			  char *buf, size_t cap, struct ft_error *err)
{
	const struct ft_contract *c = line->contract;
	const char *file = c->file[0] ? c->file : "contract";
	struct ft_textbuf t;
	int digits = c->minor_units;
	ft_amount fx;

	(void)err;
	ft_textbuf_init(&t, buf, cap);
	ft_textbuf_add(&t, "contract %s: ", c->id);
	if (line->non_attributable) {
		ft_textbuf_add(&t, "ACCT-9 allocated ");
		ft_textbuf_amount(&t, line->allocated, digits);
		if (line->income_id)
			ft_textbuf_add(&t, " of income #%lld, ", (long long)line->income_id);
		else
			ft_textbuf_add(&t, " of suspense carried in, ");
	}
	ft_textbuf_add(&t, "ACCT-2 base ");
	ft_textbuf_amount(&t, line->base, digits);
	ft_textbuf_add(&t, " (%lld units), ", (long long)line->units);
	if (line->rule >= 0 && (size_t)line->rule < c->n_rules) {
		const struct ft_contract_rule *r = &c->rules[line->rule];

		ft_textbuf_add(&t, "ACCT-3 rates[%d] (%s:%ld) ", line->rule + 1, file, r->line);
		ft_textbuf_percent(&t, r->rate);
		if (line->tier > 0 && (size_t)line->tier <= c->n_escalations) {
			const struct ft_contract_escalation *x = &c->escalations[line->tier - 1];

			ft_textbuf_add(&t, " + escalations[%d] (%s:%ld) ", line->tier, file,
				       x->line);
			ft_textbuf_percent(&t, x->add);
			ft_textbuf_add(&t, " = ");
			ft_textbuf_percent(&t, line->rate);
		}
	} else if (line->rule >= 0) {
		/* The contract was changed since the run: say what was applied. */
		ft_textbuf_add(&t, "ACCT-3 rates[%d] (no longer in %s) ", line->rule + 1, file);
		ft_textbuf_percent(&t, line->rate);
	} else if (c->type == FT_CONTRACT_DISTRIBUTION) {
		ft_textbuf_add(&t, "ACCT-8 distribution 100%% - fee ");
		ft_textbuf_percent(&t, c->fee);
		ft_textbuf_add(&t, " = ");
		ft_textbuf_percent(&t, line->rate);
	} else {
		ft_textbuf_add(&t, "rate ");
		ft_textbuf_percent(&t, line->rate);
	}
	ft_textbuf_add(&t, ", royalty ");
	ft_textbuf_amount(&t, line->royalty, digits);
	ft_textbuf_add(&t, "; ACCT-4 %s ", line->payee);
	ft_textbuf_percent(&t, c->payees[line->payee_index].share);
	ft_textbuf_add(&t, " = ");
	ft_textbuf_amount(&t, line->part, digits);
	if (u) {
		/* The same words as the run's receipt note, so one search finds
		 * the row in both: "batch N (file) usage row M". */
		ft_textbuf_add(
		    &t, " ← batch %lld (%s) usage row %lld: %s %s %s %s/%s %lld usages, %s %s",
		    (long long)u->batch_id, u->batch_file, (long long)line->usage_id, u->month,
		    u->isrc[0] ? u->isrc : u->upc, u->territory, u->commercial_model, u->use_type,
		    (long long)u->usages, u->currency, u->revenue);
		if (fx_of(l, u, &fx)) {
			ft_textbuf_add(&t, " × fx ");
			ft_textbuf_amount(&t, fx, 0);
			ft_textbuf_add(&t, " %s→%s", u->currency, l->currency);
		}
		if (u->fee_percent[0])
			ft_textbuf_add(&t, "; fee %s%%", u->fee_percent);
		if (l->currency[0] && strcmp(c->currency, l->currency) != 0) {
			int m;
			char mt[8];

			ft_textbuf_add(&t, "; base converted %s→%s", l->currency, c->currency);
			if (contract_fx(l, c, u, &m, &fx)) {
				ft_month_format(mt, m);
				ft_textbuf_add(&t, " × fx ");
				ft_textbuf_amount(&t, fx, 0);
				ft_textbuf_add(&t, " (%s)", mt);
			}
		}
	} else if (line->usage_id) {
		ft_textbuf_add(&t, " ← usage row %lld (no longer stored)",
			       (long long)line->usage_id);
	}
	if (in)
		ft_textbuf_add(&t, " ← income #%lld (%s) %s %s '%s' from %s: %s %s",
			       (long long)line->income_id, in->file, in->month, in->kind,
			       in->description, in->partner, in->currency, in->amount);
	return (int)(t.len > (size_t)0x7fffffff ? 0x7fffffff : t.len);
}

/* ---- the contracts of an account ----------------------------------------------- */

int ft_royalty_lines_contracts(struct ft_store *store, const char *account,
			       struct ft_contract_set *set, struct ft_error *err)
{
	struct ft_stmt *q = NULL;
	size_t cap = set->n;
	int rc;

	rc = ft_store_prepare(store, &q,
			      "SELECT id, yaml, file FROM contracts WHERE id = ?1 OR"
			      " instr(yaml, ?1) > 0 ORDER BY id",
			      err);
	if (!rc)
		rc = ft_stmt_bind_text(q, 1, account, err);
	while (!rc && (rc = ft_stmt_step(q, err)) == 1) {
		const char *id = ft_stmt_column_text(q, 0), *text = ft_stmt_column_text(q, 1);
		struct ft_contract *list = NULL;
		size_t n = 0, i;

		rc = ft_contract_parse(&list, &n, text, strlen(text), ft_stmt_column_text(q, 2),
				       NULL, err);
		for (i = 0; !rc && i < n; i++) {
			if (strcmp(list[i].id, id) != 0)
				continue;
			if (set->n == cap) {
				size_t ncap = cap ? cap * 2 : 4;
				struct ft_contract *grown =
				    realloc(set->items, ncap * sizeof(*grown));

				if (!grown) {
					rc = ft_error_set(err, FT_ENOMEM, "out of memory");
					break;
				}
				set->items = grown;
				cap = ncap;
			}
			memset(&set->items[set->n], 0, sizeof(set->items[0]));
			rc = ft_contract_copy(&set->items[set->n], &list[i], err);
			if (!rc)
				set->n++;
			break;
		}
		ft_contract_array_free(list, n);
	}
	ft_stmt_free(q);
	return rc < 0 ? rc : 0;
}
