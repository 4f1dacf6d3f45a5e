/*
 * contract_overlap.c — refusing two contracts that claim the same income
 * (include/fairtrack/contract.h, docs/CONTRACTS.md "Overlapping contracts").
 *
 * Every scope entry of every contract is expanded to the tracks it claims
 * ("claims": track, contract, how), the claims are sorted by track, and
 * only the contracts met on one track are compared.  A label with 10,000
 * contracts over 100,000 tracks has about as many claims as tracks; all
 * pairs would be 5·10⁷ comparisons of territory sets and dates.
 *
 * The rule follows the engine's coverage (ft_contract_covers and the line
 * a run builds): a line has one track, one release (the one its report
 * names, else the earliest) and one artist (the first main artist).  So a
 * contract that claims a track by ISRC or by artist meets every line of the
 * track; one that claims it only through a release meets the lines of that
 * release; two contracts claiming a track only through releases meet only
 * when they name the same release.
 *
 * Dates compare by month: a run covers whole months, so a contract ending
 * on the 15th and another starting on the 16th both cover that month.
 */
#include "fairtrack/contract.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 32 bytes a claim: 2^26 claims is 2 GiB, more than any label needs. */
#define MAX_CLAIMS ((size_t)1 << 26)

enum via { VIA_TRACK, VIA_RELEASE, VIA_ARTIST };

struct claim {
	char isrc[FT_ISRC_LEN + 1];
	uint8_t via;	   /* enum via */
	uint32_t contract; /* index in the combined list: stored first, then incoming */
	uint32_t item;	   /* index in the scope list `via` names */
};

struct claims {
	struct claim *items;
	size_t n, cap;
	/* what emit() records for the scope entry being expanded */
	uint32_t contract, item;
	uint8_t via;
	struct ft_error *err;
};

static int add_claim(void *ctx, const char *isrc)
{
	struct claims *cl = ctx;
	struct claim *c;

	if (cl->n == cl->cap) {
		size_t ncap = cl->cap ? cl->cap * 2 : 1024;
		struct claim *grown;

		if (cl->n >= MAX_CLAIMS)
			return ft_error_set(cl->err, FT_ENOMEM,
					    "overlap check: more than %zu (contract, track) claims",
					    MAX_CLAIMS);
		grown = realloc(cl->items, ncap * sizeof(*grown));
		if (!grown)
			return ft_error_set(cl->err, FT_ENOMEM, "out of memory");
		cl->items = grown;
		cl->cap = ncap;
	}
	c = &cl->items[cl->n++];
	snprintf(c->isrc, sizeof(c->isrc), "%s", isrc);
	c->via = cl->via;
	c->contract = cl->contract;
	c->item = cl->item;
	return 0;
}

static int by_track(const void *pa, const void *pb)
{
	const struct claim *a = pa, *b = pb;
	int d = strcmp(a->isrc, b->isrc);

	if (d)
		return d;
	if (a->contract != b->contract)
		return a->contract < b->contract ? -1 : 1;
	if (a->via != b->via)
		return a->via < b->via ? -1 : 1;
	return a->item < b->item ? -1 : a->item > b->item;
}

static int expand(struct claims *cl, const struct ft_contract *c, uint32_t index,
		  const struct ft_contract_catalog *cat, struct ft_error *err)
{
	size_t i;
	int rc = 0;

	cl->contract = index;
	cl->via = VIA_TRACK;
	for (i = 0; !rc && i < c->scope.n_tracks; i++) {
		cl->item = (uint32_t)i;
		rc = add_claim(cl, c->scope.tracks[i]);
	}
	cl->via = VIA_RELEASE;
	for (i = 0; !rc && cat->release_tracks && i < c->scope.n_releases; i++) {
		cl->item = (uint32_t)i;
		rc = cat->release_tracks(cat->ctx, c->scope.releases[i], add_claim, cl, err);
	}
	cl->via = VIA_ARTIST;
	for (i = 0; !rc && cat->artist_tracks && i < c->scope.n_artists; i++) {
		cl->item = (uint32_t)i;
		rc = cat->artist_tracks(cat->ctx, c->scope.artists[i], add_claim, cl, err);
	}
	return rc;
}

/* One contract's claims on the track being looked at. */
struct member {
	uint32_t contract;
	size_t first, n; /* claims[first .. first + n) */
	long fixed;	 /* a track or artist claim's index, -1 = through releases only */
};

static const char *const via_field[] = {"scope.tracks", "scope.releases", "scope.artists"};

static void field_name(char *buf, size_t cap, const struct claim *cl)
{
	snprintf(buf, cap, "%s[%u]", via_field[cl->via], cl->item + 1);
}

/* How a claim reaches the track, for the message. */
static void via_text(char *buf, size_t cap, const struct ft_contract *c, const struct claim *cl)
{
	if (cl->via == VIA_RELEASE)
		snprintf(buf, cap, " (on release %s)", c->scope.releases[cl->item]);
	else if (cl->via == VIA_ARTIST)
		snprintf(buf, cap, " (by artist '%s')", c->scope.artists[cl->item]);
	else
		buf[0] = '\0';
}

/*
 * Do the two members meet on a line of this track?  If so *ca and *cb get
 * the claims through which each does.
 */
static bool meet(const struct claim *claims, const struct member *a, const struct member *b,
		 const struct ft_contract *const *all, const struct claim **ca,
		 const struct claim **cb)
{
	size_t i, j;

	if (a->fixed >= 0 || b->fixed >= 0) {
		/* one meets every line of the track: the other's first claim does */
		*ca = &claims[a->fixed >= 0 ? (size_t)a->fixed : a->first];
		*cb = &claims[b->fixed >= 0 ? (size_t)b->fixed : b->first];
		return true;
	}
	for (i = a->first; i < a->first + a->n; i++)
		for (j = b->first; j < b->first + b->n; j++)
			if (!strcmp(all[a->contract]->scope.releases[claims[i].item],
				    all[b->contract]->scope.releases[claims[j].item])) {
				*ca = &claims[i];
				*cb = &claims[j];
				return true;
			}
	return false;
}

static int month_start(const struct ft_contract *c)
{
	return ft_date_month(c->scope.start);
}

static int month_end(const struct ft_contract *c)
{
	return c->scope.end ? ft_date_month(c->scope.end) : INT_MAX;
}

static bool territories_meet(const struct ft_contract *a, const struct ft_contract *b,
			     struct ft_territory_set *both)
{
	uint64_t any = 0;
	size_t i;

	for (i = 0; i < sizeof(both->bits) / sizeof(both->bits[0]); i++) {
		both->bits[i] = a->scope.territories.bits[i] & b->scope.territories.bits[i];
		any |= both->bits[i];
	}
	return any != 0;
}

/* "GB IE", "WW -US", or the first code and a count when the list is long.
 * The bitmap layout is the one fairtrack/ids.h documents. */
static void territory_text(char *buf, size_t cap, const struct ft_territory_set *set)
{
	char full[FT_TERRITORY_SET_STR_MAX];
	size_t i, n = 0, first = SIZE_MAX;

	if (ft_territory_set_format(full, sizeof(full), set) < 24) {
		snprintf(buf, cap, "%.60s", full);
		return;
	}
	for (i = 0; i < 26 * 26; i++)
		if ((set->bits[i / 64] >> (i % 64)) & 1) {
			n++;
			if (first == SIZE_MAX)
				first = i;
		}
	snprintf(buf, cap, "%c%c and %zu other territories", (char)('A' + first / 26),
		 (char)('A' + first % 26), n - 1);
}

static bool exclusive(const struct ft_contract *c)
{
	return c->type == FT_CONTRACT_DISTRIBUTION || c->type == FT_CONTRACT_LICENSE ||
	       c->type == FT_CONTRACT_PROFIT_SPLIT;
}

static const char *shared_payee(const struct ft_contract *a, const struct ft_contract *b)
{
	size_t i, j;

	for (i = 0; i < b->n_payees; i++)
		for (j = 0; j < a->n_payees; j++)
			if (!strcmp(b->payees[i].id, a->payees[j].id))
				return b->payees[i].id;
	return NULL;
}

/*
 * The pair (earlier `a`, later `b`) on one track: 0 when allowed, else the
 * error, worded from b's side ("b claims what a already claims").
 */
static int check_pair(const struct claim *track_claims, const struct member *ma,
		      const struct member *mb, const struct ft_contract *const *all,
		      struct ft_error *err)
{
	const struct ft_contract *a = all[ma->contract], *b = all[mb->contract];
	const struct claim *ca, *cb;
	struct ft_territory_set both;
	const char *payee;
	char field_a[FT_ERROR_FIELD_MAX], field_b[FT_ERROR_FIELD_MAX];
	char via_b[FT_CONTRACT_ID_MAX + 32], where[64], from[11], reason[320], note[160];
	int first_month, last_month;

	payee = shared_payee(a, b);
	if (!payee && !(exclusive(a) && exclusive(b)))
		return 0;
	first_month = month_start(a) > month_start(b) ? month_start(a) : month_start(b);
	last_month = month_end(a) < month_end(b) ? month_end(a) : month_end(b);
	if (first_month > last_month || !territories_meet(a, b, &both))
		return 0;
	if (!meet(track_claims, ma, mb, all, &ca, &cb))
		return 0;

	field_name(field_a, sizeof(field_a), ca);
	field_name(field_b, sizeof(field_b), cb);
	via_text(via_b, sizeof(via_b), b, cb);
	territory_text(where, sizeof(where), &both);
	ft_date_format(from, a->scope.start > b->scope.start ? a->scope.start : b->scope.start);
	note[0] = '\0';
	if ((a->scope.end && a->scope.end < b->scope.start) ||
	    (b->scope.end && b->scope.end < a->scope.start)) {
		const struct ft_contract *ends =
		    a->scope.end && a->scope.end < b->scope.start ? a : b;
		char end[11];

		/* The days do not meet, the months do: a run pays whole months. */
		ft_date_format(end, ends->scope.end);
		snprintf(note, sizeof(note),
			 " (contract '%.64s' ends %s, and a run covers whole months)", ends->id,
			 end);
	}
	if (payee)
		snprintf(reason, sizeof(reason),
			 "both pay '%s', who would be paid twice for one sale (take the payee "
			 "off one, or make the scopes, territories or dates not overlap)",
			 payee);
	else
		snprintf(reason, sizeof(reason),
			 "a %s and a %s: only one distribution, license or profit_split can own "
			 "a track's income in a territory at a time (end one before the other "
			 "starts, or split the territories)",
			 ft_contract_type_name(b->type), ft_contract_type_name(a->type));
	return ft_error_setloc(
	    err, FT_ECONFLICT, b->file[0] ? b->file : NULL, b->line, field_b,
	    "%s: contract '%s' claims track %s%s in %s from %s%s, which contract "
	    "'%s' (%s, %s) already claims: %s",
	    field_b, b->id, cb->isrc, via_b, where, from, note, a->id,
	    a->file[0] ? a->file : "not from a file", field_a, reason);
}

/* Compare the contracts met on one track (claims[first .. end)). */
static int check_track(const struct claim *claims, size_t first, size_t end, uint32_t n_stored,
		       const struct ft_contract *const *all, struct member **members, size_t *cap,
		       struct ft_error *err)
{
	size_t n = 0, i, j;

	for (i = first; i < end; i++) {
		struct member *m;

		if (n == 0 || (*members)[n - 1].contract != claims[i].contract) {
			if (n == *cap) {
				size_t ncap = *cap ? *cap * 2 : 16;
				struct member *grown = realloc(*members, ncap * sizeof(*grown));

				if (!grown)
					return ft_error_set(err, FT_ENOMEM, "out of memory");
				*members = grown;
				*cap = ncap;
			}
			m = &(*members)[n++];
			m->contract = claims[i].contract;
			m->first = i;
			m->n = 0;
			m->fixed = -1;
		}
		m = &(*members)[n - 1];
		m->n++;
		if (claims[i].via != VIA_RELEASE && m->fixed < 0)
			m->fixed = (long)i;
	}
	/* Members are in contract order: stored first, then incoming in the
	 * order loaded, so the later one is the one that claims "again". */
	for (j = 1; j < n; j++) {
		if ((*members)[j].contract < n_stored)
			continue; /* two stored contracts: accepted before */
		for (i = 0; i < j; i++) {
			int rc = check_pair(claims, &(*members)[i], &(*members)[j], all, err);

			if (rc)
				return rc;
		}
	}
	return 0;
}

static int by_id(const void *pa, const void *pb)
{
	return strcmp((*(const struct ft_contract *const *)pa)->id,
		      (*(const struct ft_contract *const *)pb)->id);
}

int ft_contract_overlap_check(const struct ft_contract *stored, size_t n_stored,
			      const struct ft_contract *incoming, size_t n_incoming,
			      const struct ft_contract_catalog *catalog, struct ft_error *err)
{
	static const struct ft_contract_catalog no_catalog = {0};
	const struct ft_contract **all = NULL, **ids = NULL;
	struct claims cl = {0};
	struct member *members = NULL;
	size_t n_all = 0, n_kept, cap_members = 0, i, start;
	int rc = 0;

	if (!catalog)
		catalog = &no_catalog;
	if (n_stored + n_incoming > UINT32_MAX)
		return ft_error_set(err, FT_EOVERFLOW, "overlap check: too many contracts");
	all = malloc((n_stored + n_incoming + 1) * sizeof(*all));
	ids = malloc((n_incoming + 1) * sizeof(*ids));
	if (!all || !ids) {
		rc = ft_error_set(err, FT_ENOMEM, "out of memory");
		goto out;
	}
	/* A stored contract an incoming one replaces is no longer there. */
	for (i = 0; i < n_incoming; i++)
		ids[i] = &incoming[i];
	qsort(ids, n_incoming, sizeof(*ids), by_id);
	for (i = 0; i < n_stored; i++) {
		const struct ft_contract *key = &stored[i];

		if (!bsearch(&key, ids, n_incoming, sizeof(*ids), by_id))
			all[n_all++] = &stored[i];
	}
	n_kept = n_all;
	for (i = 0; i < n_incoming; i++)
		all[n_all++] = &incoming[i];

	cl.err = err;
	for (i = 0; !rc && i < n_all; i++)
		rc = expand(&cl, all[i], (uint32_t)i, catalog, err);
	if (rc)
		goto out;
	if (cl.n > 1) /* qsort wants an array, and there is none without claims */
		qsort(cl.items, cl.n, sizeof(*cl.items), by_track);
	for (start = 0; !rc && start < cl.n; start = i) {
		bool any_incoming = false;

		for (i = start; i < cl.n && !strcmp(cl.items[i].isrc, cl.items[start].isrc); i++)
			any_incoming |= cl.items[i].contract >= n_kept;
		/* a track no incoming contract claims cannot have a new conflict */
		if (any_incoming && cl.items[i - 1].contract != cl.items[start].contract)
			rc = check_track(cl.items, start, i, (uint32_t)n_kept, all, &members,
					 &cap_members, err);
	}
out:
	free(members);
	free(cl.items);
	free(ids);
	free(all);
	return rc;
}
