/*
 * test_accounting_spec.c — every worked example of docs/ACCOUNTING.md, with
 * exactly the numbers written there.  A test is named after its rule
 * (test_acct3_…); when a rule or an example changes, both change together.
 */
#include "testutil.h"

#include "fairtrack/contract.h"
#include "fairtrack/royalty.h"

/* ---- helpers ------------------------------------------------------------------- */

static ft_amount A(const char *text)
{
	ft_amount v = 0;
	struct ft_error err;

	if (ft_amount_parse(&v, text, strlen(text), &err) != 0)
		fail_msg("bad amount in test: %s", err.message);
	return v;
}

#define assert_amount(actual, text)                                                                \
	do {                                                                                       \
		char buf_[FT_AMOUNT_STR_MAX];                                                      \
		ft_amount_format(buf_, sizeof(buf_), (actual), 0);                                 \
		if ((actual) != A(text))                                                           \
			fail_msg("%s is %s, expected %s", #actual, buf_, text);                    \
	} while (0)

static int month(const char *text)
{
	int m;

	assert_int_equal(ft_month_parse(&m, text, strlen(text), NULL), 0);
	return m;
}

/* Contracts from YAML (several documents allowed). */
static struct ft_contract *contracts(const char *yaml, size_t *n)
{
	struct ft_contract *c = NULL;
	struct ft_error err;

	if (ft_contract_parse(&c, n, yaml, strlen(yaml), "spec", NULL, &err) != 0)
		fail_msg("contract: %s", err.message);
	return c;
}

static struct ft_royalty_line line(const char *isrc, const char *territory, const char *model,
				   const char *use, const char *partner, const char *mon,
				   int64_t units, const char *receipts, const char *gross)
{
	static struct ft_royalty_dict
	    *dict; /* the lines' tracks and channels, for the whole test */
	struct ft_royalty_line l;

	if (!dict && !(dict = ft_royalty_dict_new()))
		fail_msg("out of memory");
	memset(&l, 0, sizeof(l));
	l.track = isrc[0] ? ft_royalty_dict_track(dict, isrc, "", "", "") : NULL;
	l.channel = ft_royalty_dict_channel(dict, partner, model, use, territory);
	if (!l.channel || (isrc[0] && !l.track))
		fail_msg("line: a text is too long");
	l.month = month(mon);
	l.units = units;
	l.receipts = A(receipts);
	l.gross = A(gross ? gross : receipts);
	return l;
}

static struct ft_royalty_line non_attributable(const char *partner, const char *mon,
					       const char *amount)
{
	struct ft_royalty_line l = line("", "WW", "", "", partner, mon, 0, amount, NULL);

	l.non_attributable = true;
	return l;
}

static struct ft_royalty_result *run(const char *per, const struct ft_contract *c, size_t nc,
				     const struct ft_royalty_line *lines, size_t nl,
				     const struct ft_royalty_state *prev)
{
	struct ft_royalty_input in = {0};
	struct ft_royalty_result *res = NULL;
	struct ft_error err;

	in.period = testutil_period(per);
	in.currency = nc ? c[0].currency : "EUR";
	in.contracts = c;
	in.n_contracts = nc;
	in.lines = lines;
	in.n_lines = nl;
	in.previous = prev;
	if (ft_royalty_run(&res, &in, &err) != 0)
		fail_msg("run %s: %s", per, err.message);
	return res;
}

static const struct ft_royalty_statement *stmt(const struct ft_royalty_result *res,
					       const char *payee, const char *account)
{
	size_t i;

	for (i = 0; i < res->n_statements; i++)
		if (strcmp(res->statements[i].payee, payee) == 0 &&
		    strcmp(res->statements[i].account, account) == 0)
			return &res->statements[i];
	fail_msg("no statement for %s on %s", payee, account);
	return NULL;
}

static const struct ft_royalty_suspense *suspense(const struct ft_royalty_result *res,
						  const char *name)
{
	size_t i;

	for (i = 0; i < res->n_suspense; i++)
		if (strcmp(res->suspense[i].name, name) == 0)
			return &res->suspense[i];
	fail_msg("no suspense account %s", name);
	return NULL;
}

/* Royalty of the entries on input line `li` (all tiers, allocations excluded). */
static ft_amount line_royalty(const struct ft_royalty_result *res, size_t li)
{
	ft_amount sum = 0;
	size_t i;

	for (i = 0; i < res->n_entries; i++)
		if (res->entries[i].line == li && res->entries[i].allocation < 0)
			sum += res->entries[i].royalty;
	return sum;
}

/* A one-payee royalty contract on tracks A (GBNLR2600001) and B (…02). */
#define ONE_PAYEE(id, rate, extra)                                                                 \
	"id: " id "\ntype: royalty\ncurrency: EUR\nfrequency: quarterly\n"                         \
	"payees: [{id: artist, share: 100%}]\n"                                                    \
	"scope: {tracks: [GBNLR2600001, GBNLR2600002], start: 2026-01-01}\n"                       \
	"rates: [{rate: " rate "}]\n" extra

#define TA "GBNLR2600001"
#define TB "GBNLR2600002"

/* ---- the identity ---------------------------------------------------------------------- */

static void test_identity_receipts_equal_payees_label_and_suspense(void **state)
{
	size_t nc;
	struct ft_contract *c = contracts(ONE_PAYEE("c", "18%", ""), &nc);
	struct ft_royalty_line lines[] = {
	    line(TA, "GB", "SubscriptionModel", "OnDemandStream", "spotify", "2026-01", 1000,
		 "100.00", NULL),
	    non_attributable("deezer", "2026-02", "10.00"),
	    line("", "GB", "PayAsYouGoModel", "PermanentDownload", "apple", "2026-03", 5, "5.00",
		 NULL),
	};
	struct ft_royalty_result *res = run("2026-Q1", c, nc, lines, 3, NULL);

	assert_amount(res->receipts, "115.00");
	assert_amount(res->suspense_in, "0");
	assert_amount(res->royalties, "18.00");
	assert_amount(res->label_share, "82.00");
	assert_amount(res->suspense_out, "15.00");
	ft_royalty_result_free(res);
	ft_contract_array_free(c, nc);
}

/* ---- ACCT-1 ------------------------------------------------------------------------------ */

static void test_acct1_receipts_convert_then_take_the_distributor_fee(void **state)
{
	ft_amount gross, receipts, fee, rem;

	assert_int_equal(ft_royalty_receipts(&gross, &receipts, &fee, &rem, A("100.00"), A("0.92"),
					     A("0.15"), NULL),
			 0);
	assert_amount(gross, "92.00");
	assert_amount(fee, "13.80");
	assert_amount(receipts, "78.20");
	assert_true(rem == 0);
	assert_int_equal(ft_royalty_receipts(&gross, &receipts, &fee, &rem, A("1.000000000001"),
					     A("0.5"), 0, NULL),
			 0);
	assert_amount(gross, "0.500000000000");
	assert_true(rem == (ft_amount)500000000000LL);
}

/* ---- ACCT-2 ------------------------------------------------------------------------------ */

static void test_acct2_base_is_net_receipts_or_gross(void **state)
{
	size_t nn, ng;
	struct ft_contract *net = contracts(ONE_PAYEE("net", "20%", ""), &nn);
	struct ft_contract *gross = contracts(ONE_PAYEE("gross", "20%", "base: gross\n"), &ng);
	struct ft_royalty_line l = line(TA, "GB", "SubscriptionModel", "OnDemandStream", "distro",
					"2026-01", 10, "78.20", "92.00");
	struct ft_royalty_result *r1 = run("2026-Q1", net, nn, &l, 1, NULL);
	struct ft_royalty_result *r2 = run("2026-Q1", gross, ng, &l, 1, NULL);

	assert_amount(line_royalty(r1, 0), "15.64");
	assert_amount(line_royalty(r2, 0), "18.40");
	assert_amount(r2->label_share, "59.80"); /* 78.20 − 18.40 */
	ft_royalty_result_free(r1);
	ft_royalty_result_free(r2);
	ft_contract_array_free(net, nn);
	ft_contract_array_free(gross, ng);
}

/* ---- ACCT-3 ------------------------------------------------------------------------------ */

static void test_acct3_most_specific_rule_sets_the_rate(void **state)
{
	size_t nc;
	struct ft_contract *c = contracts(
	    "id: rules\ntype: royalty\ncurrency: EUR\nfrequency: quarterly\n"
	    "payees: [{id: artist, share: 100%}]\n"
	    "scope: {tracks: [GBNLR2600001], start: 2026-01-01}\n"
	    "rates:\n"
	    "  - rate: 18%\n"
	    "  - {use_type: PermanentDownload, rate: 20%}\n"
	    "  - {commercial_model: AdvertisementSupportedModel, territory: GB IE, rate: 15%}\n",
	    &nc);
	struct ft_royalty_line lines[] = {
	    line(TA, "GB", "SubscriptionModel", "OnDemandStream", "dsp", "2026-01", 1, "100.00",
		 NULL),
	    line(TA, "GB", "PayAsYouGoModel", "PermanentDownload", "dsp", "2026-01", 1, "50.00",
		 NULL),
	    line(TA, "GB", "AdvertisementSupportedModel", "OnDemandStream", "dsp", "2026-01", 1,
		 "40.00", NULL),
	};
	struct ft_royalty_result *res = run("2026-Q1", c, nc, lines, 3, NULL);

	assert_amount(line_royalty(res, 0), "18.00");
	assert_amount(line_royalty(res, 1), "10.00");
	assert_amount(line_royalty(res, 2), "6.00");
	ft_royalty_result_free(res);
	ft_contract_array_free(c, nc);
}

static void test_acct3_only_units_past_the_threshold_earn_the_escalated_rate(void **state)
{
	size_t nc, i, seen = 0;
	struct ft_contract *c =
	    contracts(ONE_PAYEE("esc", "18%", "escalations: [{units: 1000, add: 2%}]\n"), &nc);
	struct ft_royalty_state prev = {0};
	struct ft_royalty_contract_state cs = {.last_month = -1, .units = 900};
	struct ft_royalty_line l = line(TA, "GB", "SubscriptionModel", "OnDemandStream", "dsp",
					"2026-01", 300, "30.00", NULL);
	struct ft_royalty_result *res;

	strcpy(cs.contract, "esc");
	prev.contracts = &cs;
	prev.n_contracts = 1;
	res = run("2026-Q1", c, nc, &l, 1, &prev);
	for (i = 0; i < res->n_entries; i++) {
		const struct ft_royalty_entry *e = &res->entries[i];

		if (e->escalation < 0) {
			assert_int_equal(e->units, 100);
			assert_amount(e->base, "10.00");
			assert_amount(e->rate, "0.18");
			assert_amount(e->royalty, "1.80");
		} else {
			assert_int_equal(e->units, 200);
			assert_amount(e->base, "20.00");
			assert_amount(e->rate, "0.20");
			assert_amount(e->royalty, "4.00");
		}
		seen++;
	}
	assert_int_equal(seen, 2);
	assert_amount(line_royalty(res, 0), "5.80");
	assert_int_equal(res->contracts[0].units_after, 1200);
	ft_royalty_result_free(res);
	ft_contract_array_free(c, nc);
}

/* ---- ACCT-4 ------------------------------------------------------------------------------ */

#define BAND(rate)                                                                                 \
	"id: band\ntype: royalty\ncurrency: EUR\nfrequency: quarterly\n"                           \
	"payees:\n  - {id: anna, share: 25%}\n  - {id: ben, share: 25%}\n"                         \
	"  - {id: carla, share: 25%}\n  - {id: dev, share: 25%}\n"                                 \
	"scope: {tracks: [GBNLR2600001], start: 2026-01-01}\n"                                     \
	"rates: [{rate: " rate "}]\n"

static void test_acct4_band_members_share_the_royalty_exactly(void **state)
{
	size_t nc;
	struct ft_contract *c = contracts(BAND("100%"), &nc);
	struct ft_royalty_line l1 = line(TA, "GB", "SubscriptionModel", "OnDemandStream", "dsp",
					 "2026-01", 1, "15.64", NULL);
	struct ft_royalty_line l2 = line(TA, "GB", "SubscriptionModel", "OnDemandStream", "dsp",
					 "2026-01", 1, "0.000000000003", NULL);
	struct ft_royalty_result *r1 = run("2026-Q1", c, nc, &l1, 1, NULL);
	struct ft_royalty_result *r2 = run("2026-Q1", c, nc, &l2, 1, NULL);
	const ft_amount *s2 = ft_royalty_entry_shares(r2, &r2->entries[0]);

	assert_amount(stmt(r1, "anna", "band")->royalties, "3.91");
	assert_amount(stmt(r1, "ben", "band")->royalties, "3.91");
	assert_amount(stmt(r1, "carla", "band")->royalties, "3.91");
	assert_amount(stmt(r1, "dev", "band")->royalties, "3.91");
	assert_amount(s2[0], "0.000000000001");
	assert_amount(s2[1], "0.000000000001");
	assert_amount(s2[2], "0.000000000001");
	assert_amount(s2[3], "0");
	ft_royalty_result_free(r1);
	ft_royalty_result_free(r2);
	ft_contract_array_free(c, nc);
}

/* ---- ACCT-5 ------------------------------------------------------------------------------ */

static void test_acct5_advances_and_half_recoupable_video_are_recouped(void **state)
{
	size_t nc;
	struct ft_contract *c =
	    contracts(ONE_PAYEE("deal", "100%",
				"advances: [{amount: 1000.00, date: 2026-01-15}]\n"
				"costs: [{description: video, amount: 2000.00, date: 2026-02-10, "
				"recoupable: 50%}]\n"),
		      &nc);
	struct ft_royalty_line q1 = line(TA, "GB", "SubscriptionModel", "OnDemandStream", "dsp",
					 "2026-02", 10, "300.00", NULL);
	struct ft_royalty_line q2 = line(TA, "GB", "SubscriptionModel", "OnDemandStream", "dsp",
					 "2026-05", 10, "2000.00", NULL);
	struct ft_royalty_result *r1 = run("2026-Q1", c, nc, &q1, 1, NULL);
	struct ft_royalty_result *r2 = run("2026-Q2", c, nc, &q2, 1, &r1->next);
	const struct ft_royalty_statement *s;

	s = stmt(r1, "artist", "deal");
	assert_amount(s->royalties, "300.00");
	assert_amount(s->advances, "1000.00");
	assert_amount(s->costs, "1000.00");
	assert_amount(s->balance, "-1700.00");
	assert_amount(s->payable, "0");
	s = stmt(r2, "artist", "deal");
	assert_amount(s->opening, "-1700.00");
	assert_amount(s->advances, "0"); /* never charged twice */
	assert_amount(s->balance, "300.00");
	assert_amount(s->payable, "300.00");
	assert_amount(s->closing, "0");
	ft_royalty_result_free(r1);
	ft_royalty_result_free(r2);
	ft_contract_array_free(c, nc);
}

static void test_acct5_cross_collateralised_contracts_share_one_balance(void **state)
{
	static const char *const yaml[2] = {
	    "id: album1\ntype: royalty\ncurrency: EUR\nfrequency: quarterly\n%s"
	    "payees: [{id: anna, share: 100%%}]\n"
	    "scope: {tracks: [GBNLR2600001], start: 2026-01-01}\n"
	    "rates: [{rate: 20%%}]\nadvances: [{amount: 500.00, date: 2026-01-10}]\n"
	    "---\n"
	    "id: album2\ntype: royalty\ncurrency: EUR\nfrequency: quarterly\n%s"
	    "payees: [{id: anna, share: 100%%}]\n"
	    "scope: {tracks: [GBNLR2600002], start: 2026-01-01}\n"
	    "rates: [{rate: 20%%}]\n",
	};
	char text[1024];
	int grouped;

	for (grouped = 1; grouped >= 0; grouped--) {
		const char *g = grouped ? "cross_collateral: wrens\n" : "";
		struct ft_royalty_line l = line(TB, "GB", "SubscriptionModel", "OnDemandStream",
						"dsp", "2026-04", 10, "1000.00", NULL);
		struct ft_royalty_result *r1, *r2;
		struct ft_contract *c;
		size_t nc;

		snprintf(text, sizeof(text), yaml[0], g, g);
		c = contracts(text, &nc);
		r1 = run("2026-Q1", c, nc, NULL, 0, NULL);
		r2 = run("2026-Q2", c, nc, &l, 1, &r1->next);
		if (grouped) {
			assert_amount(stmt(r1, "anna", "wrens")->balance, "-500.00");
			assert_amount(stmt(r2, "anna", "wrens")->royalties, "200.00");
			assert_amount(stmt(r2, "anna", "wrens")->balance, "-300.00");
			assert_amount(stmt(r2, "anna", "wrens")->payable, "0");
		} else {
			assert_amount(stmt(r2, "anna", "album1")->balance, "-500.00");
			assert_amount(stmt(r2, "anna", "album2")->payable, "200.00");
		}
		ft_royalty_result_free(r1);
		ft_royalty_result_free(r2);
		ft_contract_array_free(c, nc);
	}
}

/* ---- ACCT-6 ------------------------------------------------------------------------------ */

static void test_acct6_reserve_is_withheld_then_released_after_two_periods(void **state)
{
	size_t nc;
	struct ft_contract *c =
	    contracts(ONE_PAYEE("res", "100%", "reserve: {percent: 20%, release_after: 2}\n"), &nc);
	struct ft_royalty_line q1 = line(TA, "GB", "SubscriptionModel", "OnDemandStream", "dsp",
					 "2026-01", 10, "1000.00", NULL);
	struct ft_royalty_result *r1 = run("2026-Q1", c, nc, &q1, 1, NULL);
	struct ft_royalty_result *r2 = run("2026-Q2", c, nc, NULL, 0, &r1->next);
	struct ft_royalty_result *r3 = run("2026-Q3", c, nc, NULL, 0, &r2->next);

	assert_amount(stmt(r1, "artist", "res")->reserve_withheld, "200.00");
	assert_amount(stmt(r1, "artist", "res")->payable, "800.00");
	assert_amount(stmt(r1, "artist", "res")->closing, "200.00");
	assert_amount(stmt(r2, "artist", "res")->reserve_held, "200.00");
	assert_amount(stmt(r2, "artist", "res")->payable, "0");
	assert_amount(stmt(r3, "artist", "res")->reserve_released, "200.00");
	assert_amount(stmt(r3, "artist", "res")->reserve_held, "0");
	assert_amount(stmt(r3, "artist", "res")->payable, "200.00");
	assert_amount(stmt(r3, "artist", "res")->closing, "0");
	ft_royalty_result_free(r1);
	ft_royalty_result_free(r2);
	ft_royalty_result_free(r3);
	ft_contract_array_free(c, nc);
}

/* ---- ACCT-7 ------------------------------------------------------------------------------ */

static void test_acct7_payable_rounds_down_and_carries_the_rest(void **state)
{
	size_t nc, nj;
	struct ft_contract *c = contracts(ONE_PAYEE("pay", "100%", ""), &nc);
	struct ft_contract *jpy =
	    contracts("id: yen\ntype: royalty\ncurrency: JPY\nfrequency: quarterly\n"
		      "payees: [{id: artist, share: 100%}]\n"
		      "scope: {tracks: [GBNLR2600001], start: 2026-01-01}\nrates: [{rate: 100%}]\n",
		      &nj);
	struct ft_royalty_line q1 = line(TA, "GB", "SubscriptionModel", "OnDemandStream", "dsp",
					 "2026-01", 1, "10.005", NULL);
	struct ft_royalty_line q2 = line(TA, "GB", "SubscriptionModel", "OnDemandStream", "dsp",
					 "2026-04", 1, "0.996", NULL);
	struct ft_royalty_line y = line(TA, "JP", "SubscriptionModel", "OnDemandStream", "dsp",
					"2026-01", 1, "1234.9", NULL);
	struct ft_royalty_result *r1 = run("2026-Q1", c, nc, &q1, 1, NULL);
	struct ft_royalty_result *r2 = run("2026-Q2", c, nc, &q2, 1, &r1->next);
	struct ft_royalty_result *r3 = run("2026-Q1", jpy, nj, &y, 1, NULL);

	assert_amount(stmt(r1, "artist", "pay")->payable, "10.00");
	assert_amount(stmt(r1, "artist", "pay")->closing, "0.005");
	assert_amount(stmt(r2, "artist", "pay")->balance, "1.001");
	assert_amount(stmt(r2, "artist", "pay")->payable, "1.00");
	assert_amount(stmt(r2, "artist", "pay")->closing, "0.001");
	assert_amount(stmt(r3, "artist", "yen")->payable, "1234");
	assert_amount(stmt(r3, "artist", "yen")->closing, "0.9");
	ft_royalty_result_free(r1);
	ft_royalty_result_free(r2);
	ft_royalty_result_free(r3);
	ft_contract_array_free(c, nc);
	ft_contract_array_free(jpy, nj);
}

/* ---- ACCT-8 ------------------------------------------------------------------------------ */

static void test_acct8_profit_split_shares_cumulative_profit_and_claws_back(void **state)
{
	size_t nc;
	struct ft_contract *c =
	    contracts("id: split\ntype: profit_split\ncurrency: EUR\nfrequency: quarterly\n"
		      "payees: [{id: label-side, share: 50%}, {id: band-side, share: 50%}]\n"
		      "scope: {tracks: [GBNLR2600001], start: 2026-01-01}\n"
		      "costs:\n  - {description: recording, amount: 4000.00, date: 2026-01-15}\n"
		      "  - {description: remix, amount: 1000.00, date: 2026-08-01}\n",
		      &nc);
	struct ft_royalty_line q1 = line(TA, "GB", "SubscriptionModel", "OnDemandStream", "dsp",
					 "2026-02", 10, "3000.00", NULL);
	struct ft_royalty_line q2 = line(TA, "GB", "SubscriptionModel", "OnDemandStream", "dsp",
					 "2026-05", 10, "5000.00", NULL);
	struct ft_royalty_result *r1 = run("2026-Q1", c, nc, &q1, 1, NULL);
	struct ft_royalty_result *r2 = run("2026-Q2", c, nc, &q2, 1, &r1->next);
	struct ft_royalty_result *r3 = run("2026-Q3", c, nc, NULL, 0, &r2->next);

	assert_amount(r1->contracts[0].profit, "-1000.00");
	assert_amount(stmt(r1, "band-side", "split")->royalties, "0");
	assert_amount(r1->label_share, "3000.00");
	assert_amount(r2->contracts[0].profit, "4000.00");
	assert_amount(stmt(r2, "band-side", "split")->royalties, "2000.00");
	assert_amount(stmt(r2, "label-side", "split")->payable, "2000.00");
	assert_amount(r3->contracts[0].profit, "3000.00");
	assert_amount(stmt(r3, "band-side", "split")->royalties, "-500.00");
	assert_amount(stmt(r3, "band-side", "split")->balance, "-500.00");
	assert_amount(stmt(r3, "band-side", "split")->costs,
		      "0"); /* in the profit, not the balance */
	ft_royalty_result_free(r1);
	ft_royalty_result_free(r2);
	ft_royalty_result_free(r3);
	ft_contract_array_free(c, nc);
}

static void test_acct8_distribution_pays_receipts_less_fee_and_license_pays_its_rate(void **state)
{
	size_t nd, nl;
	struct ft_contract *d =
	    contracts("id: dist\ntype: distribution\ncurrency: EUR\nfrequency: monthly\nfee: 15%\n"
		      "payees: [{id: owner, share: 100%}]\n"
		      "scope: {tracks: [GBNLR2600001], start: 2026-01-01}\n",
		      &nd);
	struct ft_contract *lic =
	    contracts("id: lic\ntype: license\ncurrency: EUR\nfrequency: monthly\n"
		      "payees: [{id: licensor, share: 100%}]\n"
		      "scope: {tracks: [GBNLR2600001], start: 2026-01-01}\nrates: [{rate: 50%}]\n",
		      &nl);
	struct ft_royalty_line l1 = line(TA, "GB", "SubscriptionModel", "OnDemandStream", "dsp",
					 "2026-01", 10, "1000.00", NULL);
	struct ft_royalty_line l2 = line(TA, "GB", "SubscriptionModel", "OnDemandStream", "dsp",
					 "2026-01", 10, "400.00", NULL);
	struct ft_royalty_result *r1 = run("2026-01", d, nd, &l1, 1, NULL);
	struct ft_royalty_result *r2 = run("2026-01", lic, nl, &l2, 1, NULL);

	assert_amount(stmt(r1, "owner", "dist")->royalties, "850.00");
	assert_amount(r1->label_share, "150.00");
	assert_amount(stmt(r2, "licensor", "lic")->royalties, "200.00");
	ft_royalty_result_free(r1);
	ft_royalty_result_free(r2);
	ft_contract_array_free(d, nd);
	ft_contract_array_free(lic, nl);
}

/* ---- ACCT-9 ------------------------------------------------------------------------------ */

static void test_acct9_top_up_is_allocated_pro_rata_and_earns_royalties(void **state)
{
	size_t nc, i;
	struct ft_contract *c =
	    contracts("id: a-deal\ntype: royalty\ncurrency: EUR\nfrequency: quarterly\n"
		      "payees: [{id: artist, share: 100%}]\n"
		      "scope: {tracks: [GBNLR2600001], start: 2026-01-01}\nrates: [{rate: 20%}]\n",
		      &nc);
	struct ft_royalty_line lines[] = {
	    line(TA, "GB", "SubscriptionModel", "OnDemandStream", "spotify", "2026-01", 100,
		 "300.00", NULL),
	    line(TB, "GB", "SubscriptionModel", "OnDemandStream", "spotify", "2026-01", 100,
		 "100.00", NULL),
	    non_attributable("spotify", "2026-03", "100.00"),
	};
	struct ft_royalty_result *res = run("2026-Q1", c, nc, lines, 3, NULL);
	ft_amount alloc_royalty = 0;

	assert_int_equal(res->n_allocations, 2);
	for (i = 0; i < res->n_allocations; i++) {
		const struct ft_royalty_allocation *a = &res->allocations[i];

		assert_int_equal(a->source_line, 2);
		if (a->target_line == 0)
			assert_amount(a->receipts, "75.00");
		else
			assert_amount(a->receipts, "25.00");
	}
	for (i = 0; i < res->n_entries; i++)
		if (res->entries[i].allocation >= 0)
			alloc_royalty += res->entries[i].royalty;
	assert_amount(alloc_royalty, "15.00");
	assert_amount(stmt(res, "artist", "a-deal")->royalties, "75.00"); /* 60.00 + 15.00 */
	ft_royalty_result_free(res);
	ft_contract_array_free(c, nc);
}

static void test_acct9_income_without_partner_receipts_waits_in_suspense(void **state)
{
	size_t nc;
	struct ft_contract *c = contracts(ONE_PAYEE("a-deal", "20%", ""), &nc);
	struct ft_royalty_line p1[] = {
	    line(TA, "GB", "SubscriptionModel", "OnDemandStream", "spotify", "2026-01", 1, "80.00",
		 NULL),
	    non_attributable("deezer", "2026-02", "10.00"),
	};
	struct ft_royalty_line p2 = line(TA, "GB", "SubscriptionModel", "OnDemandStream", "deezer",
					 "2026-04", 1, "50.00", NULL);
	struct ft_royalty_result *r1 = run("2026-Q1", c, nc, p1, 2, NULL);
	struct ft_royalty_result *r2 = run("2026-Q2", c, nc, &p2, 1, &r1->next);

	assert_amount(suspense(r1, "suspense:non-attributable:deezer")->amount, "10.00");
	assert_int_equal(r1->n_allocations, 0);
	assert_amount(r2->suspense_in, "10.00");
	assert_int_equal(r2->n_allocations, 1);
	assert_amount(r2->allocations[0].receipts, "10.00");
	assert_int_equal(r2->allocations[0].source_suspense, 0);
	assert_amount(r2->suspense_out, "0");
	assert_amount(stmt(r2, "artist", "a-deal")->royalties, "12.00"); /* 20 % of 60.00 */
	ft_royalty_result_free(r1);
	ft_royalty_result_free(r2);
	ft_contract_array_free(c, nc);
}

/* ---- ACCT-10 ----------------------------------------------------------------------------- */

static void test_acct10_unmatched_usage_goes_to_suspense_per_partner(void **state)
{
	size_t nc;
	struct ft_contract *c = contracts(ONE_PAYEE("c", "18%", ""), &nc);
	struct ft_royalty_line l = line("", "GB", "PayAsYouGoModel", "PermanentDownload", "apple",
					"2026-01", 1, "12.34", NULL);
	struct ft_royalty_result *res = run("2026-Q1", c, nc, &l, 1, NULL);

	assert_amount(suspense(res, "suspense:unmatched:apple")->amount, "12.34");
	assert_int_equal(suspense(res, "suspense:unmatched:apple")->kind, FT_SUSPENSE_UNMATCHED);
	assert_amount(res->royalties, "0");
	assert_amount(res->label_share, "0");
	assert_amount(res->receipts, "12.34");
	assert_int_equal(res->next.n_suspense, 0); /* the ledger keeps it, not the engine state */
	ft_royalty_result_free(res);
	ft_contract_array_free(c, nc);
}

/* ---- a contract in another currency ---------------------------------------------------------- */

static void test_currency_contract_in_another_currency_than_the_ledger(void **state)
{
	size_t nc, i;
	struct ft_contract *c = contracts(
	    "id: ann-recording\ntype: royalty\ncurrency: GBP\nfrequency: monthly\n"
	    "payees: [{id: ann, share: 50%}, {id: bob, share: 50%}]\n"
	    "scope: {tracks: [GBNLR2600001], start: 2026-01-01}\nrates: [{rate: 20%}]\n"
	    "---\n"
	    "id: mo-points\ntype: royalty\ncurrency: EUR\nfrequency: monthly\n"
	    "payees: [{id: mo, share: 100%}]\n"
	    "scope: {tracks: [GBNLR2600001], start: 2026-01-01}\nrates: [{rate: 5%}]\n",
	    &nc);
	/* ACCT-1 in the base: USD 100.00 × 0.9 = EUR 90.00 gross, 81.00 receipts. */
	struct ft_royalty_line l = line("GBNLR2600001", "GB", "SubscriptionModel", "OnDemandStream",
					"dist", "2026-10", 1000, "81.00", "90.00");
	struct ft_royalty_fx fx = {0, "GBP", 0};
	struct ft_royalty_input in = {0};
	struct ft_royalty_result *res = NULL;
	struct ft_error err;
	const struct ft_royalty_entry *gbp = NULL, *eur = NULL;

	(void)state;
	fx.month = month("2026-10");
	fx.rate = A("0.85");
	in.period = testutil_period("2026-10");
	in.currency = "EUR";
	in.fx = &fx;
	in.n_fx = 1;
	in.contracts = c;
	in.n_contracts = nc;
	in.lines = &l;
	in.n_lines = 1;
	if (ft_royalty_run(&res, &in, &err))
		fail_msg("%s", err.message);
	for (i = 0; i < res->n_entries; i++) {
		if (res->entries[i].contract == 0)
			gbp = &res->entries[i];
		else
			eur = &res->entries[i];
	}
	assert_non_null(gbp);
	assert_non_null(eur);
	/* The GBP line: base 81.00 × 0.85 = 68.85, royalty 13.77; the label
	 * gives up 81.00 × 20 % = EUR 16.20 for it. */
	assert_amount(gbp->fx_rate, "0.85");
	assert_amount(gbp->base, "68.85");
	assert_amount(gbp->royalty, "13.77");
	assert_amount(gbp->label_royalty, "16.20");
	/* The EUR contract is untouched: 81.00 × 5 % = 4.05. */
	assert_amount(eur->base, "81");
	assert_amount(eur->royalty, "4.05");
	assert_amount(eur->label_royalty, "4.05");
	{
		char text[1024];

		ft_royalty_explain_entry(text, sizeof(text), &in, res, (size_t)(gbp - res->entries));
		assert_non_null(strstr(text, "ACCT-2 base 68.85 GBP (converted from EUR × fx 0.85 "
					     "of 2026-10)"));
	}
	/* Statements in their own currencies; ACCT-7 rounds to pence. */
	assert_string_equal(stmt(res, "ann", "ann-recording")->currency, "GBP");
	assert_amount(stmt(res, "ann", "ann-recording")->royalties, "6.885");
	assert_amount(stmt(res, "ann", "ann-recording")->payable, "6.88");
	assert_amount(stmt(res, "ann", "ann-recording")->closing, "0.005");
	assert_string_equal(stmt(res, "mo", "mo-points")->currency, "EUR");
	assert_amount(stmt(res, "mo", "mo-points")->payable, "4.05");
	/* The identity in EUR: 81.00 = 16.20 + 4.05 + label 60.75. */
	assert_amount(res->royalties, "20.25");
	assert_amount(res->label_share, "60.75");
	ft_royalty_result_free(res);
	ft_contract_array_free(c, nc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_identity_receipts_equal_payees_label_and_suspense),
	    cmocka_unit_test(test_acct1_receipts_convert_then_take_the_distributor_fee),
	    cmocka_unit_test(test_acct2_base_is_net_receipts_or_gross),
	    cmocka_unit_test(test_acct3_most_specific_rule_sets_the_rate),
	    cmocka_unit_test(test_acct3_only_units_past_the_threshold_earn_the_escalated_rate),
	    cmocka_unit_test(test_acct4_band_members_share_the_royalty_exactly),
	    cmocka_unit_test(test_acct5_advances_and_half_recoupable_video_are_recouped),
	    cmocka_unit_test(test_acct5_cross_collateralised_contracts_share_one_balance),
	    cmocka_unit_test(test_acct6_reserve_is_withheld_then_released_after_two_periods),
	    cmocka_unit_test(test_acct7_payable_rounds_down_and_carries_the_rest),
	    cmocka_unit_test(test_acct8_profit_split_shares_cumulative_profit_and_claws_back),
	    cmocka_unit_test(
		test_acct8_distribution_pays_receipts_less_fee_and_license_pays_its_rate),
	    cmocka_unit_test(test_acct9_top_up_is_allocated_pro_rata_and_earns_royalties),
	    cmocka_unit_test(test_acct9_income_without_partner_receipts_waits_in_suspense),
	    cmocka_unit_test(test_acct10_unmatched_usage_goes_to_suspense_per_partner),
	    cmocka_unit_test(test_currency_contract_in_another_currency_than_the_ledger),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
