/* test_run_unrun.c — months no run covers (src/ledger/unrun.c): a run stops
 * on an earlier month that was never run and is not closed, naming it; the
 * month is then marked accounted elsewhere (its rows never posted) or taken
 * over by a run (posted as late adjustments, the month closed with it); and
 * check finds such rows left behind a closed month.  Before this, every run
 * skipped those rows silently and once a later month was closed nothing
 * could post them: money received that ended nowhere. */
#include "testutil.h"

#include "fairtrack/ledger_run.h"
#include "fairtrack/store.h"

static char dir[600];

/* USD rows of one batch each: September 100, October 50, November 10,
 * December 20 (a 10 % distributor, USD→GBP 0.8, one 20 % contract). */
static struct ft_store *ledger(const char *name, const char *frequency)
{
	struct ft_store *store = NULL;
	struct ft_contracts_import_result res;
	struct ft_error err;
	char path[700], contract[600];
	size_t n;

	snprintf(dir, sizeof(dir), "%s", testutil_tmpdir());
	snprintf(path, sizeof(path), "%s/unrun-%s.ledger", dir, name);
	remove(path);
	assert_int_equal(ft_store_open(&store, path, FT_STORE_CREATE, &err), 0);
	if (ft_store_exec(store, TESTUTIL_ANN_CATALOGUE_SQL, &err))
		fail_msg("%s", err.message);
	snprintf(contract, sizeof(contract),
		 "id: ann-recording\ntype: royalty\ncurrency: GBP\nfrequency: %s\npayees:\n"
		 "  - id: ann\n    share: 100%%\nscope:\n  artists: [ann]\n  start: 2026-01-01\n"
		 "rates:\n  - rate: 20%%\n",
		 frequency);
	if (ft_contracts_import(store, testutil_write_file(dir, "ann.yaml", contract), &res, &err))
		fail_msg("%s", err.message);
	ft_contracts_import_result_free(&res);
	if (ft_fx_import(store,
			 testutil_write_file(dir, "fx.csv",
					     "period,from,to,rate\n2026-H2,USD,GBP,0.8\n"
					     "2027-H1,USD,GBP,0.8\n"),
			 &n, &err))
		fail_msg("%s", err.message);
	return store;
}

/* One batch (id) of one usage row of month, revenue USD. */
static void add_row(struct ft_store *store, int id, const char *month, const char *revenue)
{
	struct ft_error err;
	char sql[1024];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO import_batches (id, sha256, file, bytes, partner_id, format, "
		 " first_month, last_month, rows, suspense_rows, imported_at) VALUES (%d, 'h%d', "
		 " 'r%d.tsv', 1, 'dist', 'flat-tsv', '%s', '%s', 1, 0, 't');"
		 "INSERT INTO batch_totals VALUES (%d, 'USD', 10, '%s', 0, '0');"
		 "INSERT INTO usage VALUES (%d, '%s', 'GBAAA2600001', NULL, 'GB', "
		 " 'SubscriptionModel', 'OnDemandStream', 'spotify', 'USD', 10, '%s');",
		 id, id, id, month, month, id, revenue, id, month, revenue);
	if (ft_store_exec(store, sql, &err))
		fail_msg("%s", err.message);
}

static int64_t count(struct ft_store *store, const char *sql)
{
	struct ft_stmt *st = NULL;
	int64_t n;

	assert_int_equal(ft_store_prepare(store, &st, sql, NULL), 0);
	assert_int_equal(ft_stmt_step(st, NULL), 1);
	n = ft_stmt_column_int64(st, 0);
	ft_stmt_free(st);
	return n;
}

static void run_ok(struct ft_store *store, const char *period, int include,
		   struct ft_run_summary *s)
{
	struct ft_period p = testutil_period(period);
	struct ft_run_options opts = {include};
	struct ft_error err;

	if (ft_run_period_opts(store, &p, &opts, s, &err))
		fail_msg("run %s: %s", period, err.message);
}

static void run_close(struct ft_store *store, const char *period)
{
	struct ft_period p = testutil_period(period);
	struct ft_run_summary s;
	struct ft_error err;

	run_ok(store, period, 0, &s);
	ft_run_summary_free(&s);
	if (ft_run_close(store, &p, &err))
		fail_msg("close %s: %s", period, err.message);
}

static void assert_contains(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("'%s' is not in: %s", part, text);
}

/* September closed, October never run, November asked for: October can
 * still be run, and the refusal says so. */
static void test_run_refuses_an_earlier_month_no_run_covers_and_names_it(void **state)
{
	struct ft_store *store = ledger("refuse", "monthly");
	struct ft_period nov = testutil_period("2026-11");
	struct ft_run_summary s;
	struct ft_error err;

	(void)state;
	add_row(store, 1, "2026-09", "100");
	add_row(store, 2, "2026-10", "50");
	add_row(store, 3, "2026-11", "10");
	run_close(store, "2026-09");
	assert_int_equal(ft_run_period(store, &nov, &s, &err), FT_ECONFLICT);
	ft_run_summary_free(&s);
	assert_contains(err.message, "2026-10 (1 row, revenue 50.00 USD)");
	assert_contains(err.message, "run it first ('run --period 2026-10')");
	assert_contains(err.message, "--accounted-elsewhere REASON");
	assert_contains(err.message, "'run --period 2026-11 --include-unrun'");
	/* the portal offers the ways on by this field, not by the words */
	assert_string_equal(err.field, "include_unrun");
	assert_int_equal(count(store, "SELECT COUNT(*) FROM runs"), 1); /* nothing written */
	/* Running October first is the way on; then November runs. */
	run_close(store, "2026-10");
	run_ok(store, "2026-11", 0, &s);
	testutil_assert_amount(s.receipts, "8");
	ft_run_summary_free(&s);
	assert_int_equal(ft_journal_check(store, &err), 0);
	ft_store_close(store);
}

/* A quarter's run, and history before the first run ever, are refused too. */
static void test_quarter_run_refuses_history_before_the_first_run(void **state)
{
	struct ft_store *store = ledger("quarter", "monthly");
	struct ft_period q4 = testutil_period("2026-Q4");
	struct ft_run_summary s;
	struct ft_error err;

	(void)state;
	add_row(store, 1, "2026-08", "100");
	add_row(store, 2, "2026-09", "50");
	add_row(store, 3, "2026-11", "10");
	assert_int_equal(ft_run_period(store, &q4, &s, &err), FT_ECONFLICT);
	ft_run_summary_free(&s);
	assert_contains(err.message, "2 earlier months");
	assert_contains(err.message, "2026-08 (1 row, revenue 100.00 USD)");
	assert_contains(err.message, "2026-09 (1 row, revenue 50.00 USD)");
	ft_store_close(store);
}

/* Two years of history never run: the message names what fits and always
 * ends with the ways on. */
static void test_refusal_of_many_months_keeps_the_ways_on(void **state)
{
	struct ft_store *store = ledger("many", "monthly");
	struct ft_period p = testutil_period("2026-10");
	struct ft_run_summary s;
	struct ft_error err;
	char month[8];
	int i;

	(void)state;
	for (i = 0; i < 24; i++) {
		ft_month_format(month, 2024 * 12 + i);
		add_row(store, i + 1, month, "1.25");
	}
	assert_int_equal(ft_run_period(store, &p, &s, &err), FT_ECONFLICT);
	ft_run_summary_free(&s);
	assert_contains(err.message, "24 earlier months");
	assert_contains(err.message, "2024-01 (1 row, revenue 1.25 USD)");
	assert_contains(err.message, "more ('fairtrack periods')");
	assert_non_null(strstr(err.message, "--include-unrun')"));
	assert_string_equal(strstr(err.message, "--include-unrun')"), "--include-unrun')");
	ft_store_close(store);
}

/* The bug as found: November ran and closed while October held nothing;
 * October's report came afterwards.  October can no longer be run. */
static struct ft_store *october_left_behind(const char *name)
{
	struct ft_store *store = ledger(name, "monthly");

	add_row(store, 1, "2026-09", "100");
	add_row(store, 3, "2026-11", "10");
	add_row(store, 4, "2026-12", "20");
	run_close(store, "2026-09");
	run_close(store, "2026-11");
	add_row(store, 2, "2026-10", "50");
	return store;
}

static void test_check_finds_rows_left_in_a_month_no_run_covers(void **state)
{
	struct ft_store *store = october_left_behind("check");
	struct ft_period dec = testutil_period("2026-12");
	struct ft_run_summary s;
	struct ft_error err;

	(void)state;
	assert_int_equal(ft_journal_check(store, &err), FT_ECONFLICT);
	assert_contains(err.message, "J-6");
	assert_contains(err.message, "2026-10 (1 row, revenue 50.00 USD)");
	assert_int_equal(ft_run_period(store, &dec, &s, &err), FT_ECONFLICT);
	ft_run_summary_free(&s);
	assert_contains(err.message, "2026-10 (1 row, revenue 50.00 USD), can no longer be run");
	/* A late row of a closed month is not J-6's business: the next run
	 * posts it as an adjustment. */
	ft_store_close(store);
	store = ledger("check-late", "monthly");
	add_row(store, 1, "2026-09", "100");
	run_close(store, "2026-09");
	add_row(store, 2, "2026-09", "7");
	assert_int_equal(ft_journal_check(store, &err), 0);
	ft_store_close(store);
}

static int collect(void *ctx, const char *line)
{
	char *buf = ctx;
	size_t used = strlen(buf);

	snprintf(buf + used, 8192 - used, "%s\n", line);
	return 0;
}

static void test_accounted_elsewhere_is_never_posted_and_check_passes(void **state)
{
	struct ft_store *store = october_left_behind("elsewhere");
	struct ft_period oct = testutil_period("2026-10"), sep = testutil_period("2026-09");
	struct ft_period nov = testutil_period("2026-11"), dec = testutil_period("2026-12");
	struct ft_period jan = testutil_period("2027-01");
	struct ft_run_summary s;
	struct ft_error err;
	static char out[8192];

	(void)state;
	/* A month a run covers is not for marking; a reason is required. */
	assert_int_equal(ft_run_mark_elsewhere(store, &sep, "x", "t", NULL, NULL, &err),
			 FT_ECONFLICT);
	assert_int_equal(ft_run_mark_elsewhere(store, &nov, "x", "t", NULL, NULL, &err),
			 FT_ECONFLICT);
	assert_int_equal(ft_run_mark_elsewhere(store, &oct, "", "t", NULL, NULL, &err), FT_EUSAGE);
	out[0] = '\0';
	if (ft_run_mark_elsewhere(store, &oct, "paid by our old system", "t", collect, out, &err))
		fail_msg("%s", err.message);
	assert_contains(out, "2026-10 (1 row, revenue 50.00 USD) accounted elsewhere: paid by "
			     "our old system");
	assert_int_equal(ft_journal_check(store, &err), 0);
	/* December runs without October's 50 USD: 20 × 0.8 = 16 only. */
	run_ok(store, "2026-12", 0, &s);
	testutil_assert_amount(s.receipts, "16");
	assert_int_equal(s.late_lines, 0);
	ft_run_summary_free(&s);
	assert_int_equal(count(store, "SELECT COUNT(*) FROM journal WHERE batch_id = 2"), 0);
	assert_int_equal(ft_run_close(store, &dec, &err), 0);
	assert_int_equal(ft_journal_check(store, &err), 0);
	/* A marked month cannot be run (and including changes nothing). */
	assert_int_equal(ft_run_period(store, &oct, &s, &err), FT_ECONFLICT);
	assert_string_equal(err.field, "");
	ft_run_summary_free(&s);
	/* The listing says so, with the reason. */
	out[0] = '\0';
	assert_int_equal(ft_run_months(store, collect, out, &err), 0);
	assert_contains(out, "2026-09\tclosed\t1\trun 2026-09");
	assert_contains(out, "2026-10\taccounted elsewhere\t1\t");
	assert_contains(out, "paid by our old system");
	/* A row imported for October after the mark is not covered by it. */
	add_row(store, 5, "2026-10", "5");
	assert_int_equal(ft_run_period(store, &jan, &s, &err), FT_ECONFLICT);
	ft_run_summary_free(&s);
	assert_contains(err.message, "2026-10 (1 row, revenue 5.00 USD)");
	assert_int_equal(ft_journal_check(store, &err), FT_ECONFLICT);
	ft_store_close(store);
}

static void test_include_unrun_posts_the_month_as_late_adjustments(void **state)
{
	struct ft_store *store = october_left_behind("include");
	struct ft_period dec = testutil_period("2026-12");
	struct ft_run_summary s;
	struct ft_error err;
	static char out[8192];

	(void)state;
	run_ok(store, "2026-12", 1, &s);
	/* December 20 + October 50 = USD 70 × 0.8 = 56 received, fee 5.60,
	 * royalty 20 % of 50.40 = 10.08; the label keeps 40.32. */
	testutil_assert_amount(s.receipts, "56");
	testutil_assert_amount(s.fees, "5.60");
	testutil_assert_amount(s.royalties, "10.08");
	testutil_assert_amount(s.label, "40.32");
	testutil_assert_amount(s.remainder, "0");
	assert_int_equal(s.late_lines, 1);
	assert_contains(s.notes[0], "included: 2026-10 (1 row, revenue 50.00 USD)");
	ft_run_summary_free(&s);
	/* October's row is a late posting of its batch: gross 40, fee 4. */
	assert_int_equal(count(store,
			       "SELECT COUNT(*) FROM journal WHERE batch_id = 2 AND "
			       "kind = 'late' AND account = 'receipts:dist' AND amount = '-40'"),
			 1);
	/* Its note says why it is late: not a closed month, one no run covered. */
	assert_int_equal(count(store,
			       "SELECT COUNT(*) FROM journal WHERE batch_id = 2 AND kind = "
			       "'late' AND note LIKE '%(late: a month no run covered, posted "
			       "here as an adjustment)%'"),
			 3);
	assert_int_equal(ft_journal_check(store, &err), 0);
	/* A re-run without the option refuses again (the choice is per run). */
	assert_int_equal(ft_run_period(store, &dec, &s, &err), FT_ECONFLICT);
	ft_run_summary_free(&s);
	run_ok(store, "2026-12", 1, &s);
	ft_run_summary_free(&s);
	out[0] = '\0';
	assert_int_equal(ft_run_months(store, collect, out, &err), 0);
	assert_contains(out, "2026-10\tincluded\t1\t");
	/* Closing December closes October: a later October row is then an
	 * ordinary late adjustment, no option needed. */
	assert_int_equal(ft_run_close(store, &dec, &err), 0);
	assert_int_equal(count(store, "SELECT COUNT(*) FROM closed_periods WHERE month = "
				      "'2026-10'"),
			 1);
	add_row(store, 5, "2026-10", "5");
	run_ok(store, "2027-01", 0, &s);
	assert_int_equal(s.late_lines, 1);
	testutil_assert_amount(s.receipts, "4");
	ft_run_summary_free(&s);
	assert_int_equal(count(store,
			       "SELECT COUNT(*) FROM journal WHERE batch_id = 5 AND kind = "
			       "'late' AND note LIKE '%(late: the month is closed, posted here "
			       "as an adjustment)%'"),
			 3);
	assert_int_equal(ft_journal_check(store, &err), 0);
	ft_store_close(store);
}

/* Rows imported after the mark, taken over by a run: closing that run
 * closes the month, and the rows the mark covers must still never be
 * posted (a closed month's unposted rows are otherwise late rows). */
static void test_marked_rows_stay_unposted_when_the_month_is_taken_over_later(void **state)
{
	struct ft_store *store = october_left_behind("mark-then-include");
	struct ft_period oct = testutil_period("2026-10"), dec = testutil_period("2026-12");
	struct ft_run_summary s;
	struct ft_error err;

	(void)state;
	assert_int_equal(ft_run_mark_elsewhere(store, &oct, "old system", "t", NULL, NULL, &err),
			 0);
	add_row(store, 5, "2026-10", "5");
	run_ok(store, "2026-12", 1, &s);
	testutil_assert_amount(s.receipts, "20"); /* (20 + 5) × 0.8: not the marked 50 */
	assert_int_equal(s.late_lines, 1);
	ft_run_summary_free(&s);
	assert_int_equal(ft_run_close(store, &dec, &err), 0);
	run_ok(store, "2027-01", 0, &s);
	testutil_assert_amount(s.receipts, "0");
	assert_int_equal(s.late_lines, 0);
	ft_run_summary_free(&s);
	assert_int_equal(count(store, "SELECT COUNT(*) FROM journal WHERE batch_id = 2"), 0);
	assert_int_equal(ft_journal_check(store, &err), 0);
	ft_store_close(store);
}

/* October's unmatched usage (suspense) and its income were skipped the same
 * way: they are named, marked and included with its usage. */
static void add_suspense_and_income(struct ft_store *store)
{
	struct ft_error err;

	if (ft_store_exec(
		store,
		"INSERT INTO suspense VALUES (2, '2026-10', 'isrc', 'GBZZZ2600009', 'GB', "
		" 'SubscriptionModel', 'OnDemandStream', 'spotify', 'USD', 3, '3');"
		"INSERT INTO income (month, partner_id, kind, currency, amount, "
		" description, file, line, imported_at) VALUES ('2026-10', 'dist', "
		" 'other', 'USD', '7', 'bonus', 'i.csv', 2, 't');",
		&err))
		fail_msg("%s", err.message);
}

static void test_suspense_and_income_of_a_month_no_run_covers_count_too(void **state)
{
	struct ft_store *store = october_left_behind("kinds");
	struct ft_period oct = testutil_period("2026-10"), dec = testutil_period("2026-12");
	struct ft_run_summary s;
	struct ft_error err;
	static const char *const named =
	    "2026-10 (1 row, 1 suspense row, 1 income row, revenue 60.00 USD)";

	(void)state;
	add_suspense_and_income(store);
	assert_int_equal(ft_journal_check(store, &err), FT_ECONFLICT);
	assert_contains(err.message, named);
	assert_int_equal(ft_run_period(store, &dec, &s, &err), FT_ECONFLICT);
	ft_run_summary_free(&s);
	assert_contains(err.message, named);
	/* Marked: none of the three is ever posted. */
	assert_int_equal(ft_run_mark_elsewhere(store, &oct, "old system", "t", NULL, NULL, &err),
			 0);
	assert_int_equal(ft_journal_check(store, &err), 0);
	run_ok(store, "2026-12", 0, &s);
	testutil_assert_amount(s.receipts, "16");
	ft_run_summary_free(&s);
	assert_int_equal(count(store, "SELECT COUNT(*) FROM journal WHERE source IN "
				      "('suspense', 'income') OR batch_id = 2"),
			 0);
	assert_int_equal(ft_journal_check(store, &err), 0);
	ft_store_close(store);

	/* Included: all three are posted, 80 USD × 0.8 = 64, and balance. */
	store = october_left_behind("kinds-include");
	add_suspense_and_income(store);
	run_ok(store, "2026-12", 1, &s);
	testutil_assert_amount(s.receipts, "64");
	testutil_assert_amount(s.fees, "6.40");
	testutil_assert_amount(s.suspense, "2.16"); /* 3 × 0.8 less 10 % */
	assert_int_equal(s.late_lines, 3);
	ft_run_summary_free(&s);
	assert_int_equal(ft_journal_check(store, &err), 0);
	assert_int_equal(ft_run_close(store, &dec, &err), 0);
	assert_int_equal(ft_journal_check(store, &err), 0);
	ft_store_close(store);
}

/* Rows a quarterly contract defers sit in closed months: they are waiting,
 * not left behind — no refusal, no finding, and the quarter posts them. */
static void test_rows_deferred_for_a_quarterly_contract_are_not_unrun(void **state)
{
	struct ft_store *store = ledger("quarterly", "quarterly");
	struct ft_run_summary s;
	struct ft_error err;

	(void)state;
	add_row(store, 1, "2026-10", "100");
	add_row(store, 2, "2026-11", "50");
	add_row(store, 3, "2026-12", "10");
	run_close(store, "2026-10");
	assert_int_equal(ft_journal_check(store, &err), 0);
	run_close(store, "2026-11");
	run_ok(store, "2026-12", 0, &s);
	testutil_assert_amount(s.receipts, "128"); /* 160 × 0.8: the whole quarter */
	ft_run_summary_free(&s);
	assert_int_equal(ft_journal_check(store, &err), 0);
	ft_store_close(store);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_run_refuses_an_earlier_month_no_run_covers_and_names_it),
	    cmocka_unit_test(test_quarter_run_refuses_history_before_the_first_run),
	    cmocka_unit_test(test_refusal_of_many_months_keeps_the_ways_on),
	    cmocka_unit_test(test_check_finds_rows_left_in_a_month_no_run_covers),
	    cmocka_unit_test(test_accounted_elsewhere_is_never_posted_and_check_passes),
	    cmocka_unit_test(test_include_unrun_posts_the_month_as_late_adjustments),
	    cmocka_unit_test(test_marked_rows_stay_unposted_when_the_month_is_taken_over_later),
	    cmocka_unit_test(test_suspense_and_income_of_a_month_no_run_covers_count_too),
	    cmocka_unit_test(test_rows_deferred_for_a_quarterly_contract_are_not_unrun),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
