/* test_statement.c — the statement model: printed figures add up, breakdowns,
 * display helpers, the builder and the renderer table. */
#include "testutil.h"

#include "fairtrack/ids.h"
#include "fairtrack/statement.h"

#define CENT ((ft_amount)10000000000LL) /* 0.01 */

static struct ft_statement *sample(uint64_t seed, size_t tracks)
{
	struct ft_statement *st = NULL;
	struct ft_error err;

	assert_int_equal(ft_statement_sample(&st, seed, tracks, &err), 0);
	assert_non_null(st);
	return st;
}

static void assert_block_adds_up(const struct ft_statement *st,
				 const struct ft_statement_summary *s)
{
	ft_amount sum = 0, floor_reserve, free_balance;
	size_t i;
	int64_t units = 0;

	for (i = 0; i < st->n_lines; i++) {
		sum += ft_statement_printed(st->lines[i].royalty, s->minor_units);
		units += st->lines[i].units;
	}
	assert_true(sum == s->p_royalties);
	assert_true(units == s->units);
	assert_true(s->p_opening + s->p_royalties - s->p_advances - s->p_costs + s->p_rounding ==
		    s->p_balance);
	assert_true(s->p_balance - s->p_payable == s->p_carried);
	assert_true(s->p_carried + s->carried_fraction == s->carried);
	assert_true(s->carried_fraction >= 0 && s->carried_fraction < CENT);
	assert_true(s->balance == st->opening + s->royalties - s->advances - s->costs);
	/* ACCT-7 */
	free_balance = s->balance - s->reserve_held;
	if (free_balance <= 0) {
		assert_true(s->payable == 0);
	} else {
		assert_true(s->payable <= free_balance && free_balance - s->payable < CENT);
		assert_true(s->payable % CENT == 0);
		assert_true(s->p_balance - s->p_reserve_held == s->p_payable);
		floor_reserve = ft_statement_printed(s->reserve_held, s->minor_units);
		assert_true(s->p_reserve_held - floor_reserve >= -CENT &&
			    s->p_reserve_held - floor_reserve <= CENT);
	}
	/* Every printed figure is whole cents. */
	assert_true(s->p_opening % CENT == 0 && s->p_rounding % CENT == 0 &&
		    s->p_balance % CENT == 0 && s->p_carried % CENT == 0);
}

static void test_sample_printed_balance_block_adds_up(void **state)
{
	struct ft_statement *st = sample(0, 30);
	struct ft_statement_summary s;

	assert_int_equal(ft_statement_summarize(st, &s, NULL), 0);
	assert_int_equal(s.minor_units, 2);
	assert_block_adds_up(st, &s);
	/* The sample is an advance being recouped that ends up paying. */
	assert_true(st->opening < 0);
	assert_true(s.p_payable > 0);
	assert_true(s.p_non_attributable > 0);
	assert_true(s.p_rounding > 0); /* 800 lines each cut below a cent */
	ft_statement_free(st);
}

/* Random statements: whatever the amounts, printed figures add up. */
static void test_printed_figures_add_up_for_random_statements(void **state)
{
	uint64_t rng = testutil_seed();
	int round;

	for (round = 0; round < 300; round++) {
		struct ft_statement *st;
		struct ft_statement_summary s;
		size_t n = testutil_rand(&rng) % 40, i;
		const char *cur = (round % 3 == 0) ? "JPY" : (round % 3 == 1) ? "EUR" : "BHD";

		assert_int_equal(ft_statement_new(&st, NULL), 0);
		assert_int_equal(ft_statement_set_header(st, "ST-1", "L", "p", "P", "a",
							 "2026-10-01", cur, NULL),
				 0);
		for (i = 0; i < n; i++) {
			struct ft_statement_line l = {
			    .track = "t", .store = "s", .territory = "FR"};
			l.units = (int64_t)(testutil_rand(&rng) % 10000);
			l.receipts = (ft_amount)(testutil_rand(&rng) % 100000000000000ULL);
			l.royalty = (ft_amount)(testutil_rand(&rng) % 50000000000000ULL);
			if (testutil_rand(&rng) % 10 == 0)
				l.royalty = -l.royalty; /* a return */
			l.non_attributable = testutil_rand(&rng) % 7 == 0;
			assert_int_equal(ft_statement_add_line(st, &l, NULL), 0);
		}
		st->opening = (ft_amount)(testutil_rand(&rng) % 4000000000000000ULL) -
			      (ft_amount)2000000000000000LL;
		st->reserve_held_before = (ft_amount)(testutil_rand(&rng) % 300000000000000ULL);
		st->reserve_withheld = (ft_amount)(testutil_rand(&rng) % 300000000000000ULL);
		st->reserve_released = st->reserve_held_before / 2;
		if (round % 2) {
			struct ft_statement_charge c = {
			    FT_CHARGE_COST, "2026-01-01", "x",
			    (ft_amount)(testutil_rand(&rng) % 900000000000000ULL)};
			assert_int_equal(ft_statement_add_charge(st, &c, NULL), 0);
		}
		assert_int_equal(ft_statement_summarize(st, &s, NULL), 0);
		assert_int_equal(s.minor_units, ft_currency_minor_units(cur));
		{
			/* assert_block_adds_up checks with a cent; rescale for others */
			ft_amount unit = 1;
			int k;
			for (k = 0; k < 12 - s.minor_units; k++)
				unit *= 10;
			assert_true(s.p_opening + s.p_royalties - s.p_advances - s.p_costs +
					s.p_rounding ==
				    s.p_balance);
			assert_true(s.p_balance - s.p_payable == s.p_carried);
			assert_true(s.carried_fraction >= 0 && s.carried_fraction < unit);
			assert_true(s.payable % unit == 0 && s.payable >= 0);
			if (s.payable > 0)
				assert_true(s.p_balance - s.p_reserve_held == s.p_payable);
		}
		ft_statement_free(st);
	}
}

static void test_breakdowns_sum_to_printed_royalties(void **state)
{
	struct ft_statement *st = sample(3, 30);
	struct ft_statement_summary s;
	int d;

	assert_int_equal(ft_statement_summarize(st, &s, NULL), 0);
	for (d = 0; d < FT_DIM_COUNT; d++) {
		struct ft_statement_group *rows;
		size_t n, i, lines = 0;
		ft_amount sum = 0;

		assert_int_equal(
		    ft_statement_breakdown(st, (enum ft_statement_dim)d, &rows, &n, NULL), 0);
		assert_true(n > 0);
		for (i = 0; i < n; i++) {
			sum += rows[i].p_royalty;
			lines += rows[i].n_lines;
			if (i)
				assert_true(rows[i - 1].p_royalty >= rows[i].p_royalty);
		}
		assert_true(sum == s.p_royalties);
		assert_int_equal(lines, st->n_lines);
		if (d == FT_DIM_TERRITORY)
			assert_true(n >= 15);
		if (d == FT_DIM_TRACK)
			assert_int_equal(n, 30);
		if (d == FT_DIM_STORE)
			assert_true(n >= 6);
		/* Top ten and the rest still adds up. */
		n = ft_statement_top(rows, n, 3, "others");
		assert_int_equal(n, 4);
		assert_true(rows[3].rest);
		assert_string_equal(rows[3].label, "others");
		for (sum = 0, i = 0; i < n; i++)
			sum += rows[i].p_royalty;
		assert_true(sum == s.p_royalties);
		free(rows);
	}
	ft_statement_free(st);
}

static void test_top_keeps_short_lists(void **state)
{
	struct ft_statement_group rows[3] = {{.key = "a"}, {.key = "b"}, {.key = "c"}};

	/* Folding one row into "1 other" helps nobody: kept as is. */
	assert_int_equal(ft_statement_top(rows, 3, 2, "rest"), 3);
	assert_false(rows[2].rest);
}

static void test_money_is_rounded_down_with_separators(void **state)
{
	char buf[FT_STATEMENT_MONEY_MAX];
	ft_amount a;

	assert_int_equal(ft_amount_parse(&a, "1234567.899", 11, NULL), 0);
	ft_statement_money(buf, sizeof(buf), a, 2);
	assert_string_equal(buf, "1,234,567.89");
	assert_int_equal(ft_amount_parse(&a, "-0.001", 6, NULL), 0);
	ft_statement_money(buf, sizeof(buf), a, 2);
	assert_string_equal(buf, "-0.01"); /* down is toward −∞ */
	assert_int_equal(ft_amount_parse(&a, "999.9", 5, NULL), 0);
	ft_statement_money(buf, sizeof(buf), a, 0);
	assert_string_equal(buf, "999");
	ft_statement_money(buf, sizeof(buf), (ft_amount)1000 * FT_AMOUNT_ONE, 0);
	assert_string_equal(buf, "1,000");
	ft_statement_money(buf, sizeof(buf), 0, 3);
	assert_string_equal(buf, "0.000");
	assert_int_equal(ft_statement_money(buf, 4, (ft_amount)1000 * FT_AMOUNT_ONE, 2), 0);
	assert_string_equal(buf, "");
}

static void test_percent_drops_trailing_zeros(void **state)
{
	char buf[32];

	ft_statement_percent(buf, sizeof(buf), FT_AMOUNT_ONE / 8);
	assert_string_equal(buf, "12.5%");
	ft_statement_percent(buf, sizeof(buf), FT_AMOUNT_ONE / 5);
	assert_string_equal(buf, "20%");
	ft_statement_percent(buf, sizeof(buf), (ft_amount)123456700000LL);
	assert_string_equal(buf, "12.3456%");
}

static void test_basename_is_safe_for_any_payee(void **state)
{
	struct ft_statement *st;
	char buf[128];

	assert_int_equal(ft_statement_new(&st, NULL), 0);
	assert_int_equal(ft_period_parse(&st->period, "2026-Q3", 7, NULL), 0);
	assert_int_equal(
	    ft_statement_set_header(st, "ST/1", NULL, "../zoë", NULL, NULL, NULL, NULL, NULL), 0);
	ft_statement_basename(buf, sizeof(buf), st);
	assert_string_equal(buf, "2026-Q3_..-zo--_ST-1");
	assert_null(strchr(buf, '/'));
	ft_statement_free(st);
}

static void test_header_refuses_unknown_currency(void **state)
{
	struct ft_statement *st;
	struct ft_error err;

	assert_int_equal(ft_statement_new(&st, NULL), 0);
	assert_int_equal(
	    ft_statement_set_header(st, NULL, NULL, NULL, NULL, NULL, NULL, "EURO", &err),
	    FT_EINVAL);
	assert_non_null(strstr(err.message, "'EURO'"));
	assert_int_equal(
	    ft_statement_set_header(st, NULL, NULL, NULL, NULL, NULL, NULL, "XXX", &err),
	    FT_EINVAL);
	assert_string_equal(st->currency, "EUR");
	ft_statement_free(st);
}

static void test_builder_copies_and_flattens_texts(void **state)
{
	struct ft_statement *st;
	char title[] = "Line one\nline two\ttab";
	struct ft_statement_line l = {.track = title, .territory = "DE", .royalty = CENT};
	struct ft_statement_charge bad = {(enum ft_charge_kind)9, NULL, NULL, 0};
	struct ft_error err;

	assert_int_equal(ft_statement_new(&st, NULL), 0);
	assert_int_equal(ft_statement_add_line(st, &l, NULL), 0);
	title[0] = 'X';
	assert_string_equal(st->lines[0].track, "Line one line two tab");
	assert_string_equal(st->lines[0].isrc, ""); /* NULL becomes "" */
	assert_int_equal(ft_statement_add_charge(st, &bad, &err), FT_EINVAL);
	assert_int_equal(st->n_charges, 0);
	ft_statement_free(st);
	ft_statement_free(NULL);
}

static void test_sort_is_stable_across_input_orders(void **state)
{
	struct ft_statement *a = sample(5, 12), *b = sample(5, 12);
	size_t i;

	/* Reverse b's lines, sort both: the same order. */
	for (i = 0; i < b->n_lines / 2; i++) {
		struct ft_statement_line t = b->lines[i];
		b->lines[i] = b->lines[b->n_lines - 1 - i];
		b->lines[b->n_lines - 1 - i] = t;
	}
	ft_statement_sort_lines(b);
	assert_int_equal(a->n_lines, b->n_lines);
	for (i = 0; i < a->n_lines; i++) {
		assert_string_equal(a->lines[i].isrc, b->lines[i].isrc);
		assert_string_equal(a->lines[i].store, b->lines[i].store);
		assert_true(a->lines[i].royalty == b->lines[i].royalty);
	}
	/* Non-attributable lines come last. */
	assert_true(a->lines[a->n_lines - 1].non_attributable);
	assert_false(a->lines[0].non_attributable);
	ft_statement_free(a);
	ft_statement_free(b);
}

static void test_sample_is_reproducible_and_many_scripted(void **state)
{
	struct ft_statement *a = sample(2, 30), *b = sample(2, 30);
	bool cjk = false, arabic = false, hebrew = false, accent = false;
	size_t i;

	assert_int_equal(a->n_lines, b->n_lines);
	for (i = 0; i < a->n_lines; i++) {
		const unsigned char *t = (const unsigned char *)a->lines[i].track;
		assert_true(a->lines[i].royalty == b->lines[i].royalty);
		for (; *t; t++) {
			cjk |= *t == 0xE6 || *t == 0xE5 || *t == 0xE3;
			arabic |= *t == 0xD8 || *t == 0xD9;
			hebrew |= *t == 0xD7;
			accent |= *t == 0xC3;
		}
	}
	assert_true(cjk && arabic && hebrew && accent);
	assert_true(a->n_charges >= 2 && a->n_fx >= 3 && a->n_history == 8 && a->n_terms >= 3);
	ft_statement_free(a);
	ft_statement_free(b);
}

static void test_renderers_are_found_by_name(void **state)
{
	size_t n;
	const struct ft_renderer *r = ft_renderers(&n);

	assert_int_equal(n, 3);
	assert_string_equal(r[0].name, "csv");
	assert_string_equal(r[1].name, "xlsx");
	assert_string_equal(r[2].name, "pdf");
	assert_ptr_equal(ft_renderer_find("PDF"), &r[2]);
	assert_string_equal(ft_renderer_find("xlsx")->extension, ".xlsx");
	assert_null(ft_renderer_find("docx"));
	assert_null(ft_renderer_find(NULL));
}

/* What the artist's PDF shows for the report's DDEX tokens; anything else
 * unchanged. */
static void test_words_for_models_and_uses(void **state)
{
	(void)state;
	assert_string_equal(ft_statement_words("SubscriptionModel"), "subscription");
	assert_string_equal(ft_statement_words("AdvertisementSupportedModel"), "ad-supported");
	assert_string_equal(ft_statement_words("PayAsYouGoModel"), "purchase");
	assert_string_equal(ft_statement_words("OnDemandStream"), "stream");
	assert_string_equal(ft_statement_words("PermanentDownload"), "download");
	assert_string_equal(ft_statement_words("SomethingNew"), "SomethingNew");
	assert_string_equal(ft_statement_words(""), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sample_printed_balance_block_adds_up),
	    cmocka_unit_test(test_printed_figures_add_up_for_random_statements),
	    cmocka_unit_test(test_breakdowns_sum_to_printed_royalties),
	    cmocka_unit_test(test_top_keeps_short_lists),
	    cmocka_unit_test(test_money_is_rounded_down_with_separators),
	    cmocka_unit_test(test_percent_drops_trailing_zeros),
	    cmocka_unit_test(test_basename_is_safe_for_any_payee),
	    cmocka_unit_test(test_header_refuses_unknown_currency),
	    cmocka_unit_test(test_builder_copies_and_flattens_texts),
	    cmocka_unit_test(test_sort_is_stable_across_input_orders),
	    cmocka_unit_test(test_sample_is_reproducible_and_many_scripted),
	    cmocka_unit_test(test_renderers_are_found_by_name),
	    cmocka_unit_test(test_words_for_models_and_uses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
