/*
 * run_read.c — the ledger's rows turned into engine lines for a run
 * (run_ctx.h; docs/JOURNAL.md).
 *
 * Every active usage row, suspense row and income row dated in the run's
 * period — and every row dated in a closed month that no closed run posted
 * (a late report, a rematched identifier, late income), or in a month the
 * run takes over — becomes engine lines: revenue × the rate of its sales
 * month (fx.c), minus the partner's fee (ACCT-1).  A release-level row (a
 * GTIN, no ISRC) is shared equally over the release's tracks.  Each row's
 * status (to post, late, deferred to its contract's statement period, only
 * context for ACCT-9, posted already) is decided here; usage rows are
 * summed per (batch, month) and kept as rowid ranges, not one by one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/run_ctx.h"
#include "ledger/usage_reader.h"

/* ---- reading the ledger ---------------------------------------------------------- */

/* The rate from → to of a month, cached; 1 when missing (named with the
 * others in missing_text, the run stops after reading). */
int run_rate_for(struct run_ctx *r, int month, const char *from, const char *to, ft_amount *rate)
{
	size_t i;
	int rc;

	for (i = 0; i < r->n_fx; i++)
		if (r->fx[i].month == month && !strcmp(r->fx[i].from, from) &&
		    !strcmp(r->fx[i].to, to)) {
			*rate = r->fx[i].rate;
			return r->fx[i].missing ? 1 : 0;
		}
	if (run_grow((void **)&r->fx, &r->cap_fx, r->n_fx + 1, sizeof(*r->fx)))
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
int run_load_posted(struct run_ctx *r)
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
			rc = ft_stmt_bind_text(st, 1, run_src_names[k], r->err);
		while (!rc && (rc = ft_stmt_step(st, r->err)) == 1) {
			rc = 0;
			if (run_grow((void **)&r->posted_by_kind[k], &r->cap_posted[k],
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
				if (run_grow((void **)&r->context_ids, &r->cap_context,
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
			run_copy_field(r->last_gtin14, sizeof(r->last_gtin14),
				       ft_stmt_column_text(r->q_release, 0));
			run_copy_field(r->last_format, sizeof(r->last_format),
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
			run_copy_field(r->last_artist, sizeof(r->last_artist),
				       ft_stmt_column_text(r->q_artist, 0));
			rc = 0;
		}
		if (rc) {
			r->last_isrc[0] = '\0';
			return rc;
		}
		run_copy_field(r->last_isrc, sizeof(r->last_isrc), isrc);
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
	if (run_grow((void **)&r->lines, &r->cap_lines, r->n_lines + 1, sizeof(*r->lines)))
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
		if (run_grow((void **)&isrcs, &cap, n + 1, sizeof(*isrcs))) {
			rc = ft_error_set(r->err, FT_ENOMEM, "out of memory");
			break;
		}
		run_copy_field(isrcs[n++], FT_ISRC_LEN + 1, ft_stmt_column_text(st, 0));
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
void run_add_note(struct ft_run_summary *sum, const char *fmt, ...)
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

int run_fee_rate(const char *text, ft_amount *out, struct ft_error *err)
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

		if (run_grow((void **)&r->batches, &r->cap_batches, r->n_batches + 1,
			     sizeof(*r->batches))) {
			rc = ft_error_set(r->err, FT_ENOMEM, "out of memory");
			break;
		}
		b = &r->batches[r->n_batches++];
		b->id = ft_stmt_column_int64(st, 0);
		run_copy_field(b->partner, sizeof(b->partner), ft_stmt_column_text(st, 1));
		run_copy_field(b->file, sizeof(b->file), ft_stmt_column_text(st, 3));
		rc = run_fee_rate(ft_stmt_column_text(st, 2), &b->fee_rate, r->err);
	}
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}

/* The batch's index, or -1 when it is withdrawn (its rows do not count). */
long run_batch_index(struct run_ctx *r, int64_t id)
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

int run_month_closed(struct run_ctx *r, int month)
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

		if (run_grow((void **)&r->closed_ranges, &r->cap_closed_ranges,
			     r->n_closed_ranges + 1, sizeof(*r->closed_ranges))) {
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
	if (run_month_closed(r, month))
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
		if (run_grow((void **)&r->open_ranges, &r->cap_open, r->n_open + 1,
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
		if (run_grow((void **)&r->ranges, &r->cap_ranges, r->n_ranges + 1,
			     sizeof(*r->ranges)))
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
		if (run_grow((void **)&r->rgroups, &r->cap_rgroups, r->n_rgroups + 1,
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
int run_read_usage(struct run_ctx *r)
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
		long b = run_batch_index(r, u->batch_id);
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
			run_copy_field(prev_month_text, sizeof(prev_month_text), mtext);
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
			rc = run_rate_for(r, month, cur, r->currency, &rate);
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
			run_add_note(r->sum,
				     "adjustment: usage %lld (%s, %s) belongs to %s; posted in %s",
				     (long long)id, mtext, batch->file,
				     run_month_closed(r, month) ? "a closed period"
								: "a month no run covered",
				     r->period_text);
		if (status == 2)
			r->sum->late_lines++;
	}
	usage_reader_stop(scan);
	for (size_t i = 0; rc >= 0 && i < r->n_open; i++)
		if (r->open_ranges[i].first >= 0) {
			if (run_grow((void **)&r->ranges, &r->cap_ranges, r->n_ranges + 1,
				     sizeof(*r->ranges)))
				return ft_error_set(r->err, FT_ENOMEM, "out of memory");
			r->ranges[r->n_ranges++] = r->open_ranges[i];
			r->open_ranges[i].first = -1;
		}
	return rc < 0 ? rc : 0;
}

/* Read suspense or income rows (few: one posting a row); the columns are
 * the same for both. */
int run_read_rows(struct run_ctx *r, enum src_kind kind)
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
			rc = run_fee_rate(ft_stmt_column_text(st, 12), &fee_r, r->err);
		if (!rc)
			rc = run_rate_for(r, month, cur, r->currency, &rate);
		if (rc == 1) { /* missing: keep collecting, the run stops after the scan */
			rc = 0;
			continue;
		}
		if (rc)
			break;
		if (run_grow((void **)&r->rows, &r->cap_rows, r->n_rows + 1, sizeof(*r->rows))) {
			rc = ft_error_set(r->err, FT_ENOMEM, "out of memory");
			break;
		}
		row = &r->rows[r->n_rows];
		memset(row, 0, sizeof(*row));
		row->kind = kind;
		row->id = id;
		row->batch_id = kind == SRC_INCOME ? 0 : ft_stmt_column_int64(st, 1);
		row->late = status == 2;
		run_copy_field(row->partner, sizeof(row->partner), ft_stmt_column_text(st, 11));
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
					  run_src_names[kind], (long long)id);
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
				 run_src_names[kind], (long long)id, ft_stmt_column_text(st, 2),
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
				 row->late && run_month_closed(r, month)
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
			run_add_note(
			    r->sum, "adjustment: %s %lld (%s, %s) belongs to %s; posted in %s",
			    run_src_names[kind], (long long)id, ft_stmt_column_text(st, 2),
			    kind == SRC_INCOME ? row->partner : ft_stmt_column_text(st, 13),
			    run_month_closed(r, month) ? "a closed period"
						       : "a month no run covered",
			    r->period_text);
		if (row->late)
			r->sum->late_lines++;
		r->n_rows++;
	}
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}
