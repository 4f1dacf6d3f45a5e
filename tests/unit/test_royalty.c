/*
 * test_royalty.c — the royalty engine beyond the worked examples: invariants
 * over thousands of random contracts and lines (seeded), input checks, and
 * the corner cases of escalations, allocations and overlapping contracts.
 */
#include "testutil.h"

#include "fairtrack/contract.h"
#include "fairtrack/royalty.h"

static ft_amount A(const char *text)
{
	ft_amount v = 0;

	assert_int_equal(ft_amount_parse(&v, text, strlen(text), NULL), 0);
	return v;
}

static struct ft_contract *contracts(const char *yaml, size_t *n)
{
	struct ft_contract *c = NULL;
	struct ft_error err;

	if (ft_contract_parse(&c, n, yaml, strlen(yaml), "t", NULL, &err) != 0)
		fail_msg("contract: %s", err.message);
	return c;
}

/* The lines' tracks and channels, for the whole test program. */
static struct ft_royalty_dict *dict(void)
{
	static struct ft_royalty_dict *d;

	if (!d && !(d = ft_royalty_dict_new()))
		fail_msg("out of memory");
	return d;
}

/* Track isrc (NULL when ""), on a release and by an artist. */
static const struct ft_royalty_track *trk(const char *isrc, const char *gtin14,
					  const char *artist)
{
	const struct ft_royalty_track *t;

	if (!isrc[0])
		return NULL;
	t = ft_royalty_dict_track(dict(), isrc, gtin14, artist, "");
	if (!t)
		fail_msg("track %s: too long", isrc);
	return t;
}

static const struct ft_royalty_channel *chan(const char *partner, const char *model,
					     const char *use, const char *territory)
{
	const struct ft_royalty_channel *c =
	    ft_royalty_dict_channel(dict(), partner, model, use, territory);

	if (!c)
		fail_msg("channel %s: too long", partner);
	return c;
}

static struct ft_royalty_line mkline(const char *isrc, const char *partner, int month,
				     int64_t units, ft_amount receipts)
{
	struct ft_royalty_line l;

	memset(&l, 0, sizeof(l));
	l.track = trk(isrc, "", "");
	l.channel = chan(partner, "SubscriptionModel", "OnDemandStream", "GB");
	l.month = month;
	l.units = units;
	l.receipts = receipts;
	l.gross = receipts;
	return l;
}

/* The exchange rates of the random worlds (EUR → a contract's currency per
 * month); NULL: none (every contract in EUR). */
static const struct ft_royalty_fx *world_fx;
static size_t world_n_fx;

static int run(struct ft_royalty_result **res, int first, int months,
	       const struct ft_contract *c, size_t nc, const struct ft_royalty_line *lines,
	       size_t nl, const struct ft_royalty_state *prev, struct ft_error *err)
{
	struct ft_royalty_input in = {0};

	in.period.first = first;
	in.period.months = months;
	in.currency = "EUR";
	in.fx = world_fx;
	in.n_fx = world_n_fx;
	in.contracts = c;
	in.n_contracts = nc;
	in.lines = lines;
	in.n_lines = nl;
	in.previous = prev;
	ft_error_clear(err);
	return ft_royalty_run(res, &in, err);
}

#define JAN26 (2026 * 12)
#define ISRC_A "GBNLR2600001"
#define ISRC_B "GBNLR2600002"

/* ---- random worlds ------------------------------------------------------------- */

static const char *const isrcs[] = {"GBNLR2600001", "GBNLR2600002", "GBNLR2600003",
				    "GBNLR2600004", "GBNLR2600005", "GBNLR2600006"};
static const char *const partners[] = {"spotify", "apple", "deezer", "bandcamp"};
static const char *const uses[] = {"OnDemandStream", "PermanentDownload", "OnDemandStream"};
static const char *const models[] = {"SubscriptionModel", "AdvertisementSupportedModel",
				     "PayAsYouGoModel"};
static const char *const terrs[] = {"GB", "US", "FR", "DE", "JP"};

static uint64_t rnd(uint64_t *s, uint64_t n)
{
	return testutil_rand(s) % n;
}

/* An amount with up to 12 decimals, |x| < 10^6, sometimes negative. */
static ft_amount random_amount(uint64_t *s, bool allow_negative)
{
	ft_amount v = (ft_amount)rnd(s, 1000000) * FT_AMOUNT_ONE + (ft_amount)rnd(s, 1000000000000ull);

	if (rnd(s, 4) == 0)
		v /= 1000000; /* tiny amounts exercise the sub-cent paths */
	return allow_negative && rnd(s, 10) == 0 ? -v : v;
}

static ft_amount random_fraction(uint64_t *s, uint64_t max_percent)
{
	/* a whole number of 10^-8 (percentages with up to 6 decimals) */
	return (ft_amount)rnd(s, max_percent * 1000000 + 1) * 10000;
}

/* Contract currencies of the random worlds: the run's (EUR), one with a
 * minor unit of 2 and one with none. */
static const char *const currencies[] = {"EUR", "GBP", "JPY"};

static int currency_index(const char *code)
{
	int i;

	for (i = 0; i < 3; i++)
		if (!strcmp(currencies[i], code))
			return i;
	fail_msg("unknown currency %s", code);
	return 0;
}

/* n_currencies: 1 keeps every contract in EUR; more draws from currencies[]. */
static void random_contract(struct ft_contract *c, uint64_t *s, int index, int n_currencies)
{
	ft_amount weights[6], shares[6];
	size_t i;
	int cur = n_currencies > 1 ? (int)rnd(s, (uint64_t)n_currencies) : 0;

	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "k%d", index);
	c->type = (enum ft_contract_type)(1 + rnd(s, 4));
	c->base = rnd(s, 3) == 0 ? FT_BASE_GROSS : FT_BASE_NET_RECEIPTS;
	strcpy(c->currency, currencies[cur]);
	c->minor_units = ft_currency_minor_units(c->currency);
	c->frequency = FT_FREQ_QUARTERLY;
	/* a cross-collateral group has one currency: its name carries it */
	if (rnd(s, 3) == 0)
		snprintf(c->cross_collateral, sizeof(c->cross_collateral), "group-%s-%s",
			 rnd(s, 2) ? "x" : "y", currencies[cur]);
	c->n_payees = 1 + rnd(s, 5);
	c->payees = calloc(c->n_payees, sizeof(*c->payees));
	for (i = 0; i < c->n_payees; i++)
		weights[i] = (ft_amount)(1 + rnd(s, 1000));
	assert_int_equal(ft_amount_split(shares, FT_AMOUNT_ONE, weights, c->n_payees, NULL), 0);
	for (i = 0; i < c->n_payees; i++) {
		/* distinct within a contract, overlapping across contracts so
		 * accounts and cross-collateral groups are shared */
		snprintf(c->payees[i].id, sizeof(c->payees[i].id), "p%d", (int)((index + i) % 6));
		c->payees[i].share = shares[i];
	}
	c->scope.n_tracks = 1 + rnd(s, 4);
	c->scope.tracks = calloc(c->scope.n_tracks, sizeof(*c->scope.tracks));
	for (i = 0; i < c->scope.n_tracks; i++)
		strcpy(c->scope.tracks[i], isrcs[(index + i) % 6]);
	if (rnd(s, 2))
		ft_territory_set_parse(&c->scope.territories, "WW", 2, NULL);
	else
		ft_territory_set_parse(&c->scope.territories, "WW -US", 6, NULL);
	c->scope.start = 20260101;
	if (c->type == FT_CONTRACT_ROYALTY || c->type == FT_CONTRACT_LICENSE) {
		c->n_rules = 1 + rnd(s, 3);
		c->rules = calloc(c->n_rules, sizeof(*c->rules));
		for (i = 0; i < c->n_rules; i++) {
			c->rules[i].any_territory = true;
			c->rules[i].rate = random_fraction(s, 60);
		}
		if (c->n_rules > 1)
			strcpy(c->rules[1].use_type, "PermanentDownload");
		if (c->n_rules > 2) {
			c->rules[2].any_territory = false;
			ft_territory_set_parse(&c->rules[2].territories, "GB FR", 5, NULL);
		}
		if (rnd(s, 2)) {
			c->n_escalations = 1 + rnd(s, 2);
			c->escalations = calloc(c->n_escalations, sizeof(*c->escalations));
			for (i = 0; i < c->n_escalations; i++) {
				c->escalations[i].units = (i ? c->escalations[i - 1].units : 0) +
							  (int64_t)(1 + rnd(s, 3000));
				c->escalations[i].add = random_fraction(s, 10);
			}
		}
	}
	if (c->type == FT_CONTRACT_DISTRIBUTION)
		c->fee = random_fraction(s, 30);
	c->n_advances = rnd(s, 3);
	c->advances = calloc(c->n_advances + 1, sizeof(*c->advances));
	for (i = 0; i < c->n_advances; i++) {
		c->advances[i].amount = random_amount(s, false) + 1;
		c->advances[i].date = 20260101 + (int)rnd(s, 8) * 100;
		if (rnd(s, 2))
			strcpy(c->advances[i].payee, c->payees[0].id);
	}
	c->n_costs = rnd(s, 3);
	c->costs = calloc(c->n_costs + 1, sizeof(*c->costs));
	for (i = 0; i < c->n_costs; i++) {
		c->costs[i].amount = random_amount(s, false) + 1;
		c->costs[i].recoupable = random_fraction(s, 100);
		c->costs[i].date = 20260101 + (int)rnd(s, 9) * 100;
	}
	if (c->type != FT_CONTRACT_PROFIT_SPLIT && rnd(s, 3) == 0) {
		c->reserve_rate = random_fraction(s, 30);
		c->reserve_periods = 1 + (int)rnd(s, 2);
	}
	if (ft_contract_validate(c, NULL) != 0) {
		struct ft_error err;

		ft_contract_validate(c, &err);
		fail_msg("random contract invalid: %s", err.message);
	}
}

static void random_line(struct ft_royalty_line *l, uint64_t *s, int first_month)
{
	uint64_t kind = rnd(s, 20);

	*l = mkline(isrcs[rnd(s, 6)], partners[rnd(s, 4)], first_month + (int)rnd(s, 3),
		    (int64_t)rnd(s, 2000) - (rnd(s, 10) == 0 ? 2500 : 0), random_amount(s, true));
	{
		const char *t = terrs[rnd(s, 5)], *u = uses[rnd(s, 3)], *m = models[rnd(s, 3)];

		l->channel = chan(l->channel->partner, m, u, t);
	}
	l->gross = l->receipts + (l->receipts > 0 ? l->receipts / 10 : 0);
	if (kind == 0) { /* ACCT-9 */
		l->track = NULL;
		l->non_attributable = true;
		l->units = 0;
	} else if (kind == 1) { /* ACCT-10 */
		l->track = NULL;
	}
}

static ft_amount minor_unit(int digits)
{
	ft_amount u = FT_AMOUNT_ONE;

	while (digits-- > 0)
		u /= 10;
	return u;
}

/* The run's currency check_invariants assumes. */
static const char *run_currency = "EUR";

/* Every invariant a run promises, recomputed from the outside. */
static void check_invariants(const struct ft_royalty_result *res, const struct ft_contract *c,
			     size_t nc, const struct ft_royalty_line *lines, size_t nl,
			     const struct ft_royalty_state *prev)
{
	ft_amount receipts = 0, susp_in = 0, susp_out = 0;
	/* per currency (currencies[]): what payees were credited three ways */
	ft_amount stmt_royalties[3] = {0}, entry_royalties[3] = {0}, credits[3] = {0};
	ft_amount contract_royalties[3] = {0}, label_given = 0;
	size_t i, j;
	int k;

	for (i = 0; i < nl; i++)
		receipts += lines[i].receipts;
	for (i = 0; prev && i < prev->n_suspense; i++)
		susp_in += prev->suspense[i].amount;
	for (i = 0; i < res->n_suspense; i++)
		susp_out += res->suspense[i].amount;
	for (i = 0; i < res->n_statements; i++) {
		const struct ft_royalty_statement *s = &res->statements[i];

		stmt_royalties[currency_index(s->currency)] += s->royalties;
		/* ACCT-5 / ACCT-7 roll-forward, exactly */
		assert_true(s->balance == s->opening + s->royalties - s->advances - s->costs);
		assert_true(s->closing == s->balance - s->payable);
		int mu = ft_currency_minor_units(s->currency);

		assert_true(s->payable >= 0);
		assert_true(s->payable % minor_unit(mu) == 0); /* ACCT-7 in its currency */
		assert_true(s->payable <= (s->balance - s->reserve_held > 0
						   ? s->balance - s->reserve_held
						   : 0));
		assert_true(s->balance - s->reserve_held - s->payable < minor_unit(mu) ||
			    s->balance - s->reserve_held <= 0);
		assert_true(s->reserve_held >= 0);
	}
	for (i = 0; i < res->n_entries; i++) {
		const struct ft_royalty_entry *e = &res->entries[i];
		const ft_amount *sh = ft_royalty_entry_shares(res, e);
		ft_amount sum = 0;

		const struct ft_contract *ec = &c[e->contract];
		ft_amount royalty;

		for (j = 0; j < ec->n_payees; j++)
			sum += sh[j];
		assert_true(sum == e->royalty); /* ACCT-4 */
		entry_royalties[currency_index(ec->currency)] += e->royalty;
		/* ACCT-3 in the contract's currency, on the converted base */
		assert_int_equal(ft_amount_mul_ratio(&royalty, NULL, e->base, e->rate), 0);
		assert_true(royalty == e->royalty);
		if (strcmp(ec->currency, run_currency) == 0) {
			assert_true(e->fx_rate == FT_AMOUNT_ONE);
			assert_true(e->label_royalty == e->royalty);
		} else {
			/* the rate of the line's month, as given */
			const struct ft_royalty_line *l = &lines[e->line];

			for (j = 0; j < world_n_fx; j++)
				if (world_fx[j].month == l->month &&
				    !strcmp(world_fx[j].currency, ec->currency))
					break;
			assert_true(j < world_n_fx && world_fx[j].rate == e->fx_rate);
			label_given += e->label_royalty;
		}
	}
	for (i = 0; i < nc; i++) {
		k = currency_index(c[i].currency);
		contract_royalties[k] += res->contracts[i].royalties;
		if (c[i].type == FT_CONTRACT_PROFIT_SPLIT)
			for (j = 0; j < c[i].n_payees; j++)
				credits[k] += res->shares[res->contracts[i].credits_at + j];
	}
	/* payee shares sum to the royalties, in each currency on its own */
	for (k = 0; k < 3; k++) {
		assert_true(stmt_royalties[k] == entry_royalties[k] + credits[k]);
		assert_true(contract_royalties[k] == stmt_royalties[k]);
	}
	/* conservation to the unit, in the run's currency: the label gives up
	 * the unconverted royalties of contracts in other currencies */
	assert_true(res->receipts == receipts);
	assert_true(res->suspense_in == susp_in);
	assert_true(res->royalties == stmt_royalties[currency_index(run_currency)] + label_given);
	assert_true(receipts + susp_in == res->royalties + res->label_share + susp_out);
}

static void shuffle(struct ft_royalty_line *lines, size_t n, uint64_t *s)
{
	size_t i;

	for (i = n; i > 1; i--) {
		size_t j = rnd(s, i);
		struct ft_royalty_line t = lines[i - 1];

		lines[i - 1] = lines[j];
		lines[j] = t;
	}
}

static bool same_statements(const struct ft_royalty_result *a, const struct ft_royalty_result *b)
{
	size_t i;

	if (a->n_statements != b->n_statements || a->label_share != b->label_share ||
	    a->royalties != b->royalties || a->suspense_out != b->suspense_out ||
	    a->n_entries != b->n_entries || a->remainder_e24 != b->remainder_e24)
		return false;
	for (i = 0; i < a->n_statements; i++)
		if (memcmp(&a->statements[i], &b->statements[i], sizeof(a->statements[i])) != 0)
			return false;
	return true;
}

/*
 * Random worlds of 1000 × 3 quarters.  n_currencies 1: every contract in
 * the run's currency; 3: contracts drawn from EUR, GBP and JPY, each month
 * with its own random rates (a pound near 0.85, a yen near 160, up to 12
 * decimals).
 */
static void random_worlds(int n_currencies, uint64_t seed)
{
	uint64_t s = seed;
	struct ft_error err;
	struct ft_royalty_fx fx[2 * 9];
	int world, m;
	/* how often each feature was exercised: a generator that stopped
	 * producing one would make the property vacuous */
	size_t n_alloc = 0, n_tiers = 0, n_reserve = 0, n_susp = 0, n_released = 0, n_paid = 0;
	size_t n_converted = 0;

	for (m = 0; n_currencies > 1 && m < 9; m++) {
		fx[2 * m] = (struct ft_royalty_fx){JAN26 + m, "GBP",
						   FT_AMOUNT_ONE * 85 / 100 +
						       (ft_amount)rnd(&s, 100000000000ull)};
		fx[2 * m + 1] = (struct ft_royalty_fx){JAN26 + m, "JPY",
						       FT_AMOUNT_ONE * 160 +
							   (ft_amount)rnd(&s, 1000000000000ull)};
	}
	world_fx = n_currencies > 1 ? fx : NULL;
	world_n_fx = n_currencies > 1 ? 18 : 0;
	for (world = 0; world < 1000; world++) {
		struct ft_contract c[5];
		size_t nc = 1 + rnd(&s, 5), nl, i;
		struct ft_royalty_line lines[120], shuffled[120];
		struct ft_royalty_result *prev = NULL, *res = NULL, *res2 = NULL;
		int p;

		for (i = 0; i < nc; i++)
			random_contract(&c[i], &s, (int)i + world, n_currencies);
		for (p = 0; p < 3; p++) {
			int first = JAN26 + 3 * p;

			nl = rnd(&s, 120);
			for (i = 0; i < nl; i++)
				random_line(&lines[i], &s, first);
			if (run(&res, first, 3, c, nc, lines, nl, prev ? &prev->next : NULL, &err))
				fail_msg("seed %llu world %d period %d: %s", (unsigned long long)seed,
					 world, p, err.message);
			check_invariants(res, c, nc, lines, nl, prev ? &prev->next : NULL);
			memcpy(shuffled, lines, nl * sizeof(lines[0]));
			shuffle(shuffled, nl, &s);
			if (run(&res2, first, 3, c, nc, shuffled, nl, prev ? &prev->next : NULL,
				&err))
				fail_msg("shuffled: %s", err.message);
			assert_true(same_statements(res, res2));
			n_alloc += res->n_allocations;
			n_susp += res->n_suspense;
			for (i = 0; i < res->n_entries; i++) {
				n_tiers += res->entries[i].escalation >= 0;
				n_converted += res->entries[i].fx_rate != FT_AMOUNT_ONE;
			}
			for (i = 0; i < res->n_statements; i++) {
				n_reserve += res->statements[i].reserve_withheld > 0;
				n_released += res->statements[i].reserve_released > 0;
				n_paid += res->statements[i].payable > 0;
			}
			ft_royalty_result_free(res2);
			ft_royalty_result_free(prev);
			prev = res;
		}
		ft_royalty_result_free(prev);
		for (i = 0; i < nc; i++)
			ft_contract_clear(&c[i]);
	}
	world_fx = NULL;
	world_n_fx = 0;
	assert_true(n_alloc > 100 && n_tiers > 100 && n_reserve > 100 && n_susp > 100);
	assert_true(n_released > 10 && n_paid > 100);
	assert_true(n_currencies > 1 ? n_converted > 1000 : n_converted == 0);
}

static void test_random_runs_conserve_every_unit_and_ignore_line_order(void **state)
{
	(void)state;
	random_worlds(1, testutil_seed());
}

/* The same worlds with contracts in three currencies: every currency
 * conserves on its own, payables round to each one's minor unit. */
static void test_random_runs_in_three_currencies_conserve_per_currency(void **state)
{
	(void)state;
	random_worlds(3, testutil_seed() + 2);
}

/* Many small single-line runs: the split of every royalty is exact. */
static void test_payee_shares_always_sum_to_the_royalty(void **state)
{
	uint64_t s = testutil_seed() + 1;
	struct ft_error err;
	int i;

	for (i = 0; i < 3000; i++) {
		struct ft_contract c;
		struct ft_royalty_line l;
		struct ft_royalty_result *res = NULL;

		random_contract(&c, &s, i, 1);
		random_line(&l, &s, JAN26);
		l.track = trk(c.scope.tracks[0], "", "");
		l.non_attributable = false;
		assert_int_equal(run(&res, JAN26, 3, &c, 1, &l, 1, NULL, &err), 0);
		check_invariants(res, &c, 1, &l, 1, NULL);
		ft_royalty_result_free(res);
		ft_contract_clear(&c);
	}
}

/* ---- specific behaviour ------------------------------------------------------------- */

static void test_band_and_producer_on_one_track_both_take_from_receipts(void **state)
{
	size_t nc;
	struct ft_contract *c = contracts(
		"id: band\ntype: royalty\ncurrency: EUR\nfrequency: quarterly\n"
		"payees: [{id: a, share: 50%}, {id: b, share: 50%}]\n"
		"scope: {tracks: [GBNLR2600001], start: 2026-01-01}\nrates: [{rate: 18%}]\n"
		"---\n"
		"id: producer\ntype: royalty\ncurrency: EUR\nfrequency: quarterly\n"
		"payees: [{id: mo, share: 100%}]\n"
		"scope: {tracks: [GBNLR2600001], start: 2026-01-01}\nrates: [{rate: 3%}]\n",
		&nc);
	struct ft_royalty_line l[2] = {mkline(ISRC_A, "dsp", JAN26, 10, A("100")),
				       mkline(ISRC_B, "dsp", JAN26, 10, A("40"))};
	struct ft_royalty_result *res = NULL;
	struct ft_error err;

	assert_int_equal(run(&res, JAN26, 3, c, nc, l, 2, NULL, &err), 0);
	assert_true(res->royalties == A("21"));
	assert_true(res->label_share == A("119")); /* 100 − 18 − 3 + 40 */
	assert_true(res->uncovered == A("40"));
	assert_true(res->contracts[1].royalties == A("3"));
	ft_royalty_result_free(res);
	ft_contract_array_free(c, nc);
}

static void test_one_line_can_cross_several_thresholds(void **state)
{
	size_t nc, i;
	struct ft_contract *c = contracts(
		"id: esc\ntype: royalty\ncurrency: EUR\nfrequency: quarterly\n"
		"payees: [{id: a, share: 100%}]\n"
		"scope: {tracks: [GBNLR2600001], start: 2026-01-01}\nrates: [{rate: 10%}]\n"
		"escalations: [{units: 100, add: 1%}, {units: 200, add: 5%}]\n",
		&nc);
	/* 100 units at 10 %, 100 at 11 %, 100 at 15 %; base 3.00 split 1.00 each */
	struct ft_royalty_line l[2] = {mkline(ISRC_A, "dsp", JAN26, 300, A("3.00")),
				       mkline(ISRC_A, "dsp", JAN26 + 1, -10, A("-1.00"))};
	struct ft_royalty_result *res = NULL;
	struct ft_error err;
	ft_amount expect[3] = {A("0.10"), A("0.11"), A("0.15")};
	int64_t units[3] = {100, 100, 100};

	assert_int_equal(run(&res, JAN26, 3, c, nc, l, 2, NULL, &err), 0);
	assert_int_equal(res->n_entries, 4);
	for (i = 0; i < 3; i++) {
		assert_int_equal(res->entries[i].escalation, (int)i - 1);
		assert_int_equal(res->entries[i].units, units[i]);
		assert_true(res->entries[i].royalty == expect[i]);
	}
	/* the return, after 300 units, is at the top tier's rate: −1.00 × 15 % */
	assert_int_equal(res->entries[3].escalation, 1);
	assert_true(res->entries[3].royalty == A("-0.15"));
	assert_int_equal(res->contracts[0].units_after, 290);
	ft_royalty_result_free(res);
	ft_contract_array_free(c, nc);
}

static void test_allocation_split_is_exact_to_the_unit(void **state)
{
	size_t nc;
	struct ft_contract *c = contracts(
		"id: all\ntype: distribution\ncurrency: EUR\nfrequency: quarterly\nfee: 0%\n"
		"payees: [{id: a, share: 100%}]\n"
		"scope: {tracks: [GBNLR2600001, GBNLR2600002, GBNLR2600003], start: 2026-01-01}\n",
		&nc);
	struct ft_royalty_line l[4] = {
		mkline("GBNLR2600001", "dsp", JAN26, 1, A("1")),
		mkline("GBNLR2600002", "dsp", JAN26, 1, A("1")),
		mkline("GBNLR2600003", "dsp", JAN26, 1, A("1")),
		mkline("", "dsp", JAN26, 0, A("0.000000000010")),
	};
	struct ft_royalty_result *res = NULL;
	struct ft_error err;

	l[3].non_attributable = true;
	assert_int_equal(run(&res, JAN26, 3, c, nc, l, 4, NULL, &err), 0);
	assert_int_equal(res->n_allocations, 3);
	assert_true(res->allocations[0].receipts == 4);
	assert_true(res->allocations[1].receipts == 3);
	assert_true(res->allocations[2].receipts == 3);
	assert_true(res->royalties == A("3.00000000001"));
	ft_royalty_result_free(res);
	ft_contract_array_free(c, nc);
}

static void test_bad_inputs_are_refused_with_reasons(void **state)
{
	size_t nc, nu;
	struct ft_contract *c = contracts(
		"id: k\ntype: royalty\ncurrency: EUR\nfrequency: quarterly\n"
		"payees: [{id: a, share: 100%}]\n"
		"scope: {tracks: [GBNLR2600001], start: 2026-01-01}\nrates: [{rate: 18%}]\n",
		&nc);
	struct ft_contract *usd = contracts(
		"id: u\ntype: royalty\ncurrency: USD\nfrequency: quarterly\n"
		"payees: [{id: a, share: 100%}]\n"
		"scope: {tracks: [GBNLR2600001], start: 2026-01-01}\nrates: [{rate: 18%}]\n",
		&nu);
	struct ft_royalty_line l = mkline(ISRC_A, "dsp", JAN26, 1, A("1"));
	struct ft_royalty_result *res = NULL, *again = NULL;
	struct ft_contract twice[2];
	struct ft_error err;

	/* A contract in another currency needs the rates of its months. */
	assert_int_equal(run(&res, JAN26, 3, usd, nu, &l, 1, NULL, &err), FT_ENOTFOUND);
	assert_string_equal(err.message,
			    "contract 'u' accounts in USD: no exchange rate EUR→USD for 2026-01");
	/* A cross-collateral group is one balance: one currency. */
	{
		size_t ng;
		struct ft_contract *g = contracts(
		    "id: g1\ntype: royalty\ncurrency: EUR\nfrequency: quarterly\n"
		    "cross_collateral: grp\npayees: [{id: a, share: 100%}]\n"
		    "scope: {tracks: [GBNLR2600001], start: 2026-01-01}\nrates: [{rate: 18%}]\n"
		    "---\n"
		    "id: g2\ntype: royalty\ncurrency: USD\nfrequency: quarterly\n"
		    "cross_collateral: grp\npayees: [{id: b, share: 100%}]\n"
		    "scope: {tracks: [GBNLR2600002], start: 2026-01-01}\nrates: [{rate: 18%}]\n",
		    &ng);
		struct ft_royalty_fx fx[3] = {{JAN26, "USD", FT_AMOUNT_ONE},
					      {JAN26 + 1, "USD", FT_AMOUNT_ONE},
					      {JAN26 + 2, "USD", FT_AMOUNT_ONE}};

		world_fx = fx;
		world_n_fx = 3;
		assert_int_equal(run(&res, JAN26, 3, g, ng, &l, 1, NULL, &err), FT_EINVAL);
		assert_non_null(strstr(err.message, "contracts g1 (EUR) and g2 (USD) share the "
						    "cross_collateral group grp: one balance needs "
						    "one currency"));
		world_fx = NULL;
		world_n_fx = 0;
		ft_contract_array_free(g, ng);
	}
	assert_null(res);
	l.month = JAN26 + 3;
	assert_int_equal(run(&res, JAN26, 3, c, nc, &l, 1, NULL, &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "outside the period"));
	l.month = JAN26;
	l.non_attributable = true;
	assert_int_equal(run(&res, JAN26, 3, c, nc, &l, 1, NULL, &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "non-attributable income cannot name a track"));
	l.non_attributable = false;
	l.receipts = A("1000000000000000001");
	assert_int_equal(run(&res, JAN26, 3, c, nc, &l, 1, NULL, &err), FT_EINVAL);
	l.receipts = A("1");
	twice[0] = c[0];
	twice[1] = c[0];
	assert_int_equal(run(&res, JAN26, 3, twice, 2, &l, 1, NULL, &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "given twice"));
	/* running a period twice (or an earlier one) is a conflict */
	assert_int_equal(run(&res, JAN26, 3, c, nc, &l, 1, NULL, &err), 0);
	assert_int_equal(run(&again, JAN26, 3, c, nc, &l, 1, &res->next, &err), FT_ECONFLICT);
	assert_string_equal(err.message, "t:1: contract 'k' was already run through 2026-03");
	assert_null(again);
	ft_royalty_result_free(res);
	ft_contract_array_free(c, nc);
	ft_contract_array_free(usd, nu);
}

static void test_inputs_are_not_modified_and_state_is_carried(void **state)
{
	size_t nc;
	struct ft_contract *c = contracts(
		"id: k\ntype: royalty\ncurrency: EUR\nfrequency: quarterly\n"
		"payees: [{id: a, share: 100%}]\n"
		"scope: {tracks: [GBNLR2600001], start: 2026-01-01}\nrates: [{rate: 50%}]\n"
		"advances: [{amount: 10, date: 2026-02-01}]\n",
		&nc);
	struct ft_royalty_line l = mkline(ISRC_A, "dsp", JAN26, 7, A("4"));
	struct ft_royalty_line copy = l;
	struct ft_royalty_result *r1 = NULL, *r2 = NULL;
	struct ft_royalty_state snapshot;
	struct ft_error err;

	assert_int_equal(run(&r1, JAN26, 3, c, nc, &l, 1, NULL, &err), 0);
	assert_memory_equal(&l, &copy, sizeof(l));
	assert_int_equal(r1->next.n_accounts, 1);
	assert_true(r1->next.accounts[0].balance == A("-8"));
	assert_int_equal(r1->next.contracts[0].units, 7);
	assert_int_equal(r1->next.contracts[0].last_month, JAN26 + 2);
	snapshot = r1->next;
	/* a quarter without lines: the balance is carried, the advance not charged again */
	assert_int_equal(run(&r2, JAN26 + 3, 3, c, nc, NULL, 0, &r1->next, &err), 0);
	assert_memory_equal(&snapshot, &r1->next, sizeof(snapshot));
	assert_int_equal(r2->n_statements, 1);
	assert_true(r2->statements[0].opening == A("-8"));
	assert_true(r2->statements[0].closing == A("-8"));
	ft_royalty_result_free(r1);
	ft_royalty_result_free(r2);
	ft_contract_array_free(c, nc);
}

static void test_explain_names_the_line_rule_tier_and_shares(void **state)
{
	size_t nc;
	struct ft_contract *c = contracts(
		"id: esc\ntype: royalty\ncurrency: EUR\nfrequency: quarterly\n"
		"payees: [{id: a, share: 60%}, {id: b, share: 40%}]\n"
		"scope: {tracks: [GBNLR2600001], start: 2026-01-01}\n"
		"rates: [{rate: 10%}]\n"
		"escalations: [{units: 100, add: 1%}]\n",
		&nc);
	struct ft_royalty_line l = mkline(ISRC_A, "dsp", JAN26, 150, A("3.00"));
	struct ft_royalty_input in = {0};
	struct ft_royalty_result *res = NULL;
	struct ft_error err;
	const char *want = "line 1 (source 7) GBNLR2600001 GB SubscriptionModel/OnDemandStream, "
			   "contract esc: ACCT-2 base 1.00 (50 units), ACCT-3 rates[1] (t:7) 10% + "
			   "escalations[1] (t:8) 1% = 11%, royalty 0.11; ACCT-4 a 0.066, b 0.044";
	char buf[512], small[16];

	l.source_id = 7;
	in.period.first = JAN26;
	in.period.months = 3;
	in.currency = "EUR";
	in.contracts = c;
	in.n_contracts = nc;
	in.lines = &l;
	in.n_lines = 1;
	assert_int_equal(ft_royalty_run(&res, &in, &err), 0);
	assert_int_equal(res->n_entries, 2);
	assert_int_equal(ft_royalty_explain_entry(buf, sizeof(buf), &in, res, 1), strlen(want));
	assert_string_equal(buf, want);
	/* truncated output still says how long the whole text is */
	assert_int_equal(ft_royalty_explain_entry(small, sizeof(small), &in, res, 1), strlen(want));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(ft_royalty_explain_entry(buf, sizeof(buf), &in, res, 2), 0);
	ft_royalty_result_free(res);
	ft_contract_array_free(c, nc);
}

/* The demo label's contracts (samples/contracts) run together on one quarter. */
static void test_demo_label_contracts_run_together(void **state)
{
	struct ft_contract_set set = {0};
	struct ft_royalty_result *r1 = NULL, *r2 = NULL;
	struct ft_royalty_line l[6];
	struct ft_royalty_input in = {0};
	struct ft_error err;
	const struct ft_royalty_statement *st = NULL;
	size_t i;

	if (ft_contract_set_load(&set, "samples/contracts", NULL, NULL, &err) != 0)
		fail_msg("%s", err.message);
	/* Low Tide: Aurora Fields' deal and Mara Quinn's points both apply */
	l[0] = mkline("GBNLR2600001", "spotify", JAN26 + 3, 100000, A("400.00"));
	l[0].track = trk("GBNLR2600001", "", "aurora-fields");
	/* Harbour Lights EP: the band */
	l[1] = mkline("GBNLR2500001", "spotify", JAN26 + 4, 50000, A("200.00"));
	l[1].track = trk("GBNLR2500001", "00501234000212", "the-glass-harbour");
	/* Nuit Blanche: profit split */
	l[2] = mkline("GBPNR2500001", "deezer", JAN26 + 4, 1000, A("900.00"));
	l[2].track = trk("GBPNR2500001", "00501234000519", "");
	/* Wren: distribution */
	l[3] = mkline("GBNLR2600015", "apple", JAN26 + 5, 300, A("100.00"));
	l[3].track = trk("GBNLR2600015", "00501234000618", "");
	/* 風の音 outside Japan: license */
	l[4] = mkline("GBNLR2600013", "spotify", JAN26 + 5, 1000, A("60.00"));
	l[4].track = trk("GBNLR2600013", "00501234000410", "");
	/* a Spotify top-up, shared by the three Spotify lines */
	l[5] = mkline("", "spotify", JAN26 + 5, 0, A("66.00"));
	l[5].non_attributable = true;

	in.period.first = JAN26 + 3;
	in.period.months = 3;
	in.currency = "GBP";
	in.contracts = set.items;
	in.n_contracts = set.n;
	in.lines = l;
	in.n_lines = 6;
	if (ft_royalty_run(&r1, &in, &err) != 0)
		fail_msg("%s", err.message);
	for (i = 0; i < r1->n_statements; i++)
		if (strcmp(r1->statements[i].payee, "mara-quinn") == 0)
			st = &r1->statements[i];
	assert_non_null(st);
	/* 3 % of Low Tide's 400.00 and of its part of the top-up (400/660 × 66 = 40.00),
	 * and 3 % of Wren's 100.00 (she produced it too): 13.20 + 3.00 */
	assert_true(st->royalties == A("16.20"));
	assert_true(r1->uncovered == 0);
	run_currency = "GBP";
	check_invariants(r1, set.items, set.n, l, 6, NULL);
	in.previous = &r1->next;
	in.period.first += 3;
	in.lines = NULL;
	in.n_lines = 0;
	assert_int_equal(ft_royalty_run(&r2, &in, &err), 0);
	check_invariants(r2, set.items, set.n, NULL, 0, &r1->next);
	run_currency = "EUR";
	ft_royalty_result_free(r1);
	ft_royalty_result_free(r2);
	ft_contract_set_clear(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_runs_conserve_every_unit_and_ignore_line_order),
		cmocka_unit_test(test_random_runs_in_three_currencies_conserve_per_currency),
		cmocka_unit_test(test_payee_shares_always_sum_to_the_royalty),
		cmocka_unit_test(test_band_and_producer_on_one_track_both_take_from_receipts),
		cmocka_unit_test(test_one_line_can_cross_several_thresholds),
		cmocka_unit_test(test_allocation_split_is_exact_to_the_unit),
		cmocka_unit_test(test_bad_inputs_are_refused_with_reasons),
		cmocka_unit_test(test_inputs_are_not_modified_and_state_is_carried),
		cmocka_unit_test(test_explain_names_the_line_rule_tier_and_shares),
		cmocka_unit_test(test_demo_label_contracts_run_together),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
