/* test_run_frequency.c — `run` by statement frequency: a contract is computed
 * only in the runs where its statement period ends, over that whole period;
 * its rows wait unposted until then (deferred, not late); non-attributable
 * income is shared only when every contract is due, over the whole
 * statement period's receipts; re-runs stay identical and check passes.
 * Also ACCT-5 across currencies: advances and costs paid in another currency
 * are converted at the rate of the month paid, by the run that charges them. */
#include "testlines.h"
#include "testutil.h"

#include "fairtrack/ledger_run.h"
#include "fairtrack/store.h"

static char dir[600];

static void exec(struct ft_store *store, const char *sql)
{
	struct ft_error err;

	if (ft_store_exec(store, sql, &err))
		fail_msg("%s", err.message);
}

/* One usage row of USD 100 for a track in a month, in its own batch:
 * × 0.8 = GBP 80, fee 10 % = 8, receipts 72. */
static void add_usage(struct ft_store *store, int batch, const char *month, const char *isrc)
{
	char sql[1024];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO import_batches (id, sha256, file, bytes, partner_id, format, "
		 " first_month, last_month, rows, suspense_rows, imported_at) VALUES (%d, 'h%d', "
		 " 'r%d.tsv', 1, 'dist', 'flat-tsv', '%s', '%s', 1, 0, 't');"
		 "INSERT INTO batch_totals VALUES (%d, 'USD', 100, '100', 0, '0');"
		 "INSERT INTO usage VALUES (%d, '%s', '%s', NULL, 'GB', 'SubscriptionModel', "
		 " 'OnDemandStream', 'spotify', 'USD', 100, '100');",
		 batch, batch, batch, month, month, batch, batch, month, isrc);
	exec(store, sql);
}

/* ann's track is under a monthly 20 % contract, cat's under a quarterly
 * 50 % one; each track earns receipts of 72 in each month of 2026-Q4. */
static struct ft_store *mixed_ledger(const char *name, const char *cat_extra)
{
	struct ft_store *store = NULL;
	struct ft_contracts_import_result res;
	struct ft_error err;
	char path[700], cat[1024];
	size_t n;
	int b = 1;
	static const char *const months[] = {"2026-10", "2026-11", "2026-12"};

	snprintf(dir, sizeof(dir), "%s", testutil_tmpdir());
	snprintf(path, sizeof(path), "%s/freq-%s.ledger", dir, name);
	remove(path);
	assert_int_equal(ft_store_open(&store, path, FT_STORE_CREATE, &err), 0);
	exec(store,
	     "INSERT INTO partners VALUES ('dist', 'Dist', 'distributor', 'WW', '10', 'USD');"
	     "INSERT INTO artists VALUES ('ann', 'Ann', 'person', 'GB');"
	     "INSERT INTO artists VALUES ('cat', 'Cat', 'person', 'GB');"
	     "INSERT INTO releases (gtin14, upc, title, artist_id, format, release_date) "
	     " VALUES ('05012340001130', '501234000113', 'A', 'ann', 'single', '2026-01-01');"
	     "INSERT INTO releases (gtin14, upc, title, artist_id, format, release_date) "
	     " VALUES ('05012340002137', '501234000213', 'C', 'cat', 'single', '2026-01-01');"
	     "INSERT INTO tracks VALUES ('GBAAA2600001', 'TA', 200);"
	     "INSERT INTO tracks VALUES ('GBAAA2600002', 'TC', 200);"
	     "INSERT INTO release_tracks VALUES ('05012340001130', 1, 1, 'GBAAA2600001');"
	     "INSERT INTO release_tracks VALUES ('05012340002137', 1, 1, 'GBAAA2600002');"
	     "INSERT INTO track_artists VALUES ('GBAAA2600001', 'main', 1, 'ann');"
	     "INSERT INTO track_artists VALUES ('GBAAA2600002', 'main', 1, 'cat');");
	for (n = 0; n < 3; n++) {
		add_usage(store, b++, months[n], "GBAAA2600001");
		add_usage(store, b++, months[n], "GBAAA2600002");
	}
	if (ft_contracts_import(
		store,
		testutil_write_file(dir, "ann.yaml",
				    "id: ann-monthly\ntype: royalty\ncurrency: GBP\n"
				    "frequency: monthly\npayees:\n  - id: ann\n"
				    "    share: 100%\nscope:\n  artists: [ann]\n"
				    "  start: 2026-01-01\nrates:\n  - rate: 20%\n"),
		&res, &err))
		fail_msg("%s", err.message);
	ft_contracts_import_result_free(&res);
	snprintf(cat, sizeof(cat),
		 "id: cat-quarterly\ntype: royalty\ncurrency: GBP\nfrequency: quarterly\n"
		 "payees:\n  - id: cat\n    share: 100%%\nscope:\n  artists: [cat]\n"
		 "  start: 2026-01-01\nrates:\n  - rate: 50%%\n%s",
		 cat_extra ? cat_extra : "");
	if (ft_contracts_import(store, testutil_write_file(dir, "cat.yaml", cat), &res, &err))
		fail_msg("%s", err.message);
	ft_contracts_import_result_free(&res);
	if (ft_fx_import(
		store,
		testutil_write_file(dir, "fx.csv", "period,from,to,rate\n2026-Q4,USD,GBP,0.8\n"),
		&n, &err))
		fail_msg("%s", err.message);
	return store;
}

static const struct ft_run_payee *payee(const struct ft_run_summary *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->n_payees; i++)
		if (!strcmp(s->payees[i].payee, id))
			return &s->payees[i];
	return NULL;
}

static int has_note(const struct ft_run_summary *s, const char *text)
{
	size_t i;

	for (i = 0; i < s->n_notes; i++)
		if (strstr(s->notes[i], text))
			return 1;
	return 0;
}

static void run_ok(struct ft_store *store, const char *p, struct ft_run_summary *s)
{
	struct ft_period per = testutil_period(p);
	struct ft_error err;

	if (ft_run_period(store, &per, s, &err))
		fail_msg("run %s: %s", p, err.message);
	if (ft_journal_check(store, &err))
		fail_msg("check after %s: %s", p, err.message);
}

static void close_ok(struct ft_store *store, const char *p)
{
	struct ft_period per = testutil_period(p);
	struct ft_error err;

	if (ft_run_close(store, &per, &err))
		fail_msg("close %s: %s", p, err.message);
}

static void test_quarterly_contract_waits_for_its_quarter_and_gets_all_of_it(void **state)
{
	struct ft_store *store = mixed_ledger("quarter", NULL);
	struct ft_run_summary s;

	(void)state;
	run_ok(store, "2026-10", &s);
	/* Only ann's row is posted; cat's waits for the quarter's run. */
	assert_int_equal(s.lines, 1);
	testutil_assert_amount(s.receipts, "80");
	testutil_assert_amount(s.royalties, "14.40");
	assert_null(payee(&s, "cat"));
	assert_true(has_note(&s, "skipped: cat-quarterly is stated quarterly, next due in the "
				 "run of 2026-12 (statement period 2026-Q4); 1 row waits"));
	ft_run_summary_free(&s);
	close_ok(store, "2026-10");
	run_ok(store, "2026-11", &s);
	assert_int_equal(s.lines, 1);
	assert_true(has_note(&s, "2 rows wait"));
	ft_run_summary_free(&s);
	close_ok(store, "2026-11");
	run_ok(store, "2026-12", &s);
	/* ann: December only; cat: the whole quarter, 3 × 72 × 50 % = 108. The
	 * deferred rows are posted now, and they are not late. */
	assert_int_equal(s.lines, 4);
	assert_int_equal(s.late_lines, 0);
	testutil_assert_amount(s.receipts, "320");
	testutil_assert_amount(payee(&s, "ann")->royalties, "14.40");
	testutil_assert_amount(payee(&s, "cat")->royalties, "108");
	testutil_assert_amount(payee(&s, "cat")->payable, "108");
	assert_true(has_note(&s, "cat-quarterly is stated quarterly: computed over 2026-Q4"));
	ft_run_summary_free(&s);
	close_ok(store, "2026-12");
	ft_store_close(store);
}

/* Migration 11: each royalty line under the payee's royalty postings names
 * its usage row, ACCT-2 base and ACCT-9 allocated receipts (exact), and a
 * run statement its statement period. */
static void line_columns_say_what_the_statement_needs(struct ft_store *store)
{
	struct ft_stmt *st = NULL;
	ft_amount base, allocated;
	int n = 0;

	testlines_unpack(store);
	assert_int_equal(
	    ft_store_prepare(
		store, &st,
		"SELECT l.income_id, l.usage_id, l.base, l.allocated, u.isrc FROM "
		"royalty_lines l JOIN journal j ON j.period = l.period AND j.posting = "
		"l.posting AND j.kind = 'royalty' AND j.payee = 'cat' JOIN usage u ON "
		"u.rowid = l.usage_id WHERE l.period = '2026-12' ORDER BY l.posting, "
		"l.seq",
		NULL),
	    0);
	while (ft_stmt_step(st, NULL) == 1) {
		assert_string_equal(ft_stmt_column_text(st, 4), "GBAAA2600002");
		assert_int_equal(ft_stmt_column_amount(st, 2, &base, NULL), 0);
		if (!ft_stmt_column_is_null(st, 0)) {
			assert_int_equal(ft_stmt_column_amount(st, 3, &allocated, NULL), 0);
			testutil_assert_amount(allocated, "3");
			testutil_assert_amount(base, "3");
		} else {
			assert_true(ft_stmt_column_is_null(st, 3));
			testutil_assert_amount(base, "72");
		}
		n++;
	}
	ft_stmt_free(st);
	assert_int_equal(ft_store_exec(store, "DROP TABLE temp.royalty_lines", NULL), 0);
	assert_int_equal(n, 6); /* three usage lines, three allocations */
	assert_int_equal(
	    ft_store_prepare(store, &st,
			     "SELECT statement_period FROM run_statements WHERE period = "
			     "'2026-12' ORDER BY payee",
			     NULL),
	    0);
	assert_int_equal(ft_stmt_step(st, NULL), 1);
	assert_string_equal(ft_stmt_column_text(st, 0), "2026-12"); /* ann, monthly */
	assert_int_equal(ft_stmt_step(st, NULL), 1);
	assert_string_equal(ft_stmt_column_text(st, 0), "2026-Q4"); /* cat, quarterly */
	ft_stmt_free(st);
}

static void test_income_is_shared_when_every_contract_is_due(void **state)
{
	struct ft_store *store = mixed_ledger("income", NULL);
	struct ft_run_summary s;
	struct ft_error err;
	size_t n;

	(void)state;
	if (ft_income_import(store,
			     testutil_write_file(dir, "income.csv",
						 "month,partner,kind,currency,amount,description\n"
						 "2026-10,dist,minimum-guarantee,USD,25,top-up\n"),
			     &n, &err))
		fail_msg("%s", err.message);
	run_ok(store, "2026-10", &s);
	assert_true(has_note(&s, "income: 1 row of non-attributable income waits"));
	testutil_assert_amount(s.royalties, "14.40");
	ft_run_summary_free(&s);
	close_ok(store, "2026-10");
	run_ok(store, "2026-11", &s);
	ft_run_summary_free(&s);
	close_ok(store, "2026-11");
	run_ok(store, "2026-12", &s);
	/* Income: USD 25 × 0.8 = 20, fee 2, receipts 18, over the quarter's six
	 * lines of 72 (ann's October and November rows weigh as context): 3
	 * each.  ann: 9 × 20 % = 1.80 on top of 14.40; cat: 9 × 50 % = 4.50
	 * on top of 108. */
	testutil_assert_amount(s.receipts, "340");
	testutil_assert_amount(payee(&s, "ann")->royalties, "16.20");
	testutil_assert_amount(payee(&s, "cat")->royalties, "112.50");
	testutil_assert_amount(s.suspense, "0");
	ft_run_summary_free(&s);
	line_columns_say_what_the_statement_needs(store);
	ft_store_close(store);
}

struct text {
	char buf[1 << 16];
	size_t len;
};

static int collect(void *ctx, const char *line)
{
	struct text *t = ctx;

	t->len += (size_t)snprintf(t->buf + t->len, sizeof(t->buf) - t->len, "%s\n", line);
	return t->len >= sizeof(t->buf);
}

static void test_rerun_of_a_quarter_end_is_identical_and_explained(void **state)
{
	struct ft_store *store = mixed_ledger("rerun", NULL);
	struct ft_period dec = testutil_period("2026-12");
	struct ft_run_summary s;
	struct ft_error err;
	static struct text a, b, e;

	(void)state;
	a.len = b.len = e.len = 0;
	run_ok(store, "2026-10", &s);
	ft_run_summary_free(&s);
	close_ok(store, "2026-10");
	run_ok(store, "2026-11", &s);
	ft_run_summary_free(&s);
	close_ok(store, "2026-11");
	run_ok(store, "2026-12", &s);
	ft_run_summary_free(&s);
	assert_int_equal(ft_journal_dump(store, &dec, collect, &a, &err), 0);
	run_ok(store, "2026-12", &s);
	assert_int_equal(s.replaced, 1);
	ft_run_summary_free(&s);
	assert_int_equal(ft_journal_dump(store, &dec, collect, &b, &err), 0);
	assert_string_equal(a.buf, b.buf);
	assert_non_null(strstr(a.buf, "deferred to its contract's statement period"));
	if (ft_run_explain(store, &dec, "cat", collect, &e, &err))
		fail_msg("%s", err.message);
	assert_non_null(strstr(e.buf, "2026-10"));
	assert_non_null(strstr(e.buf, "2026-11"));
	ft_store_close(store);
}

static void test_a_quarter_run_computes_every_contract_over_the_quarter(void **state)
{
	struct ft_store *store = mixed_ledger("q4", NULL);
	struct ft_run_summary s;

	(void)state;
	run_ok(store, "2026-Q4", &s);
	assert_int_equal(s.lines, 6);
	testutil_assert_amount(payee(&s, "ann")->royalties, "43.20");
	testutil_assert_amount(payee(&s, "cat")->royalties, "108");
	assert_true(has_note(&s, "ann-monthly is stated monthly: computed over 2026-Q4"));
	ft_run_summary_free(&s);
	ft_store_close(store);
}

static void test_advance_and_reserve_follow_the_contracts_own_period(void **state)
{
	/* An advance dated in November is charged by the quarter's run, not
	 * before; a 50 % reserve released after one period is released by the
	 * next quarter's run (2027-03), not by the next month's. */
	struct ft_store *store =
	    mixed_ledger("advance", "advances:\n  - amount: 8.00\n    date: 2026-11-15\n"
				    "reserve:\n  percent: 50%\n  release_after: 1\n");
	struct ft_run_summary s;
	static const char *const months[] = {"2026-10", "2026-11", "2026-12",
					     "2027-01", "2027-02", "2027-03"};
	size_t i;

	(void)state;
	for (i = 0; i < 6; i++) {
		run_ok(store, months[i], &s);
		if (i == 2) {
			/* 108 − 8 = 100 balance; half of 108 withheld: 46 payable. */
			testutil_assert_amount(payee(&s, "cat")->advances, "8");
			testutil_assert_amount(payee(&s, "cat")->balance, "100");
			testutil_assert_amount(payee(&s, "cat")->reserve_held, "54");
			testutil_assert_amount(payee(&s, "cat")->payable, "46");
		} else if (i == 5) {
			testutil_assert_amount(payee(&s, "cat")->royalties, "0");
			testutil_assert_amount(payee(&s, "cat")->payable, "54");
		} else {
			assert_null(payee(&s, "cat"));
		}
		ft_run_summary_free(&s);
		close_ok(store, months[i]);
	}
	ft_store_close(store);
}

static void test_cross_collateral_group_needs_one_frequency(void **state)
{
	struct ft_store *store = mixed_ledger("group", "cross_collateral: family\n");
	struct ft_contracts_import_result res;
	struct ft_period p = testutil_period("2026-10");
	struct ft_run_summary s;
	struct ft_error err;

	(void)state;
	if (ft_contracts_import(
		store,
		testutil_write_file(dir, "ann.yaml",
				    "id: ann-monthly\ntype: royalty\ncurrency: GBP\n"
				    "frequency: monthly\npayees:\n  - id: ann\n"
				    "    share: 100%\nscope:\n  artists: [ann]\n"
				    "  start: 2026-01-01\nrates:\n  - rate: 20%\n"
				    "cross_collateral: family\n"),
		&res, &err))
		fail_msg("%s", err.message);
	ft_contracts_import_result_free(&res);
	assert_int_equal(ft_run_period(store, &p, &s, &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "one statement frequency"));
	ft_run_summary_free(&s);
	ft_store_close(store);
}

/* ACCT-5's worked example in another currency (docs/ACCOUNTING.md): cat's
 * GBP contract has an advance of USD 100.00 paid 2026-11-15; November's rate
 * is 0.8, so the quarter's run charges GBP 80.00 and says how. */
static void test_advance_in_another_currency_is_converted_at_its_months_rate(void **state)
{
	struct ft_store *store = mixed_ledger(
	    "usd", "advances:\n  - amount: 100.00\n    currency: USD\n    date: 2026-11-15\n");
	struct ft_period q4 = testutil_period("2026-Q4");
	struct ft_run_summary s;
	struct ft_error err;
	static struct text j;

	(void)state;
	j.len = 0;
	run_ok(store, "2026-Q4", &s);
	/* 108 royalties − 80 = 28. */
	testutil_assert_amount(payee(&s, "cat")->advances, "80");
	testutil_assert_amount(payee(&s, "cat")->balance, "28");
	ft_run_summary_free(&s);
	assert_int_equal(ft_journal_dump(store, &q4, collect, &j, &err), 0);
	assert_non_null(strstr(j.buf, "cat-quarterly advances[1] USD 100.00 × fx 0.8 (2026-11) = "
				      "GBP 80.00"));
	ft_store_close(store);
}

static void test_a_cost_without_its_rate_stops_the_run_and_names_it(void **state)
{
	struct ft_store *store = mixed_ledger("eur", "costs:\n  - description: video\n"
						     "    amount: 50\n    currency: EUR\n"
						     "    date: 2026-10-20\n");
	struct ft_period q4 = testutil_period("2026-Q4");
	struct ft_run_summary s;
	struct ft_error err;

	(void)state;
	assert_int_equal(ft_run_period(store, &q4, &s, &err), FT_ENOTFOUND);
	assert_non_null(strstr(err.message, "EUR→GBP 2026-10"));
	ft_run_summary_free(&s);
	ft_store_close(store);
}

/* A profit split not due in a run credits nothing and takes nothing from the
 * label.  The engine once subtracted a skipped profit split's "credits" from
 * the label share, read from another contract's shares (conservation failed
 * in `run`); with no royalty entry at all it read past the shares. */
static void test_a_skipped_profit_split_takes_nothing_from_the_label(void **state)
{
	struct ft_store *store = mixed_ledger("psplit", NULL);
	struct ft_contracts_import_result res;
	struct ft_run_summary s;
	struct ft_error err;
	int b;

	(void)state;
	exec(store, "INSERT INTO artists VALUES ('dee', 'Dee', 'person', 'GB');"
		    "INSERT INTO releases (gtin14, upc, title, artist_id, format, release_date) "
		    " VALUES ('05012340003134', '501234000313', 'D', 'dee', 'single', "
		    " '2026-01-01');"
		    "INSERT INTO tracks VALUES ('GBAAA2600003', 'TD', 200);"
		    "INSERT INTO release_tracks VALUES ('05012340003134', 1, 1, 'GBAAA2600003');"
		    "INSERT INTO track_artists VALUES ('GBAAA2600003', 'main', 1, 'dee');");
	for (b = 0; b < 3; b++) {
		static const char *const months[] = {"2026-10", "2026-11", "2026-12"};

		add_usage(store, 7 + b, months[b], "GBAAA2600003");
	}
	if (ft_contracts_import(
		store,
		testutil_write_file(dir, "dee.yaml",
				    "id: dee-split\ntype: profit_split\ncurrency: GBP\n"
				    "frequency: half-yearly\npayees:\n  - id: dee\n"
				    "    share: 50%\n  - id: dee-label\n    share: 50%\n"
				    "scope:\n  artists: [dee]\n  start: 2026-01-01\n"
				    "costs:\n  - description: Recording\n    amount: 100.00\n"
				    "    currency: GBP\n    date: 2026-07-01\n"),
		&res, &err))
		fail_msg("%s", err.message);
	ft_contracts_import_result_free(&res);

	run_ok(store, "2026-10", &s);
	/* Only ann's row: 80 gross, receipts 72, her 20 % is 14.40, the label
	 * keeps 57.60 — nothing for dee's split, which waits for 2026-12. */
	assert_int_equal(s.lines, 1);
	testutil_assert_amount(s.receipts, "80");
	testutil_assert_amount(s.royalties, "14.40");
	testutil_assert_amount(s.label, "57.60");
	assert_null(payee(&s, "dee"));
	assert_true(has_note(&s, "skipped: dee-split is stated half-yearly, next due in the run "
				 "of 2026-12 (statement period 2026-H2); 1 row waits"));
	ft_run_summary_free(&s);
	run_ok(store, "2026-10", &s); /* a re-run of the open period gives the same */
	testutil_assert_amount(s.label, "57.60");
	ft_run_summary_free(&s);
	close_ok(store, "2026-10");
	run_ok(store, "2026-11", &s);
	testutil_assert_amount(s.royalties, "14.40");
	testutil_assert_amount(s.label, "57.60");
	ft_run_summary_free(&s);
	close_ok(store, "2026-11");
	/* December: the split over 2026-H2, receipts 3 × 72 less the cost of
	 * 100 = 116, half each. */
	run_ok(store, "2026-12", &s);
	assert_true(has_note(&s, "dee-split is stated half-yearly: computed over 2026-H2"));
	testutil_assert_amount(payee(&s, "dee")->royalties, "58");
	testutil_assert_amount(payee(&s, "dee-label")->royalties, "58");
	ft_run_summary_free(&s);
	close_ok(store, "2026-12");
	ft_store_close(store);
}

/* Without any royalty entry in the run (every contract skipped), a skipped
 * profit split is still harmless. */
static void test_a_run_with_only_a_skipped_profit_split_balances(void **state)
{
	struct ft_store *store = NULL;
	struct ft_contracts_import_result res;
	struct ft_run_summary s;
	struct ft_error err;
	char path[700];
	size_t n;

	(void)state;
	snprintf(dir, sizeof(dir), "%s", testutil_tmpdir());
	snprintf(path, sizeof(path), "%s/freq-only-split.ledger", dir);
	remove(path);
	assert_int_equal(ft_store_open(&store, path, FT_STORE_CREATE, &err), 0);
	exec(store,
	     "INSERT INTO partners VALUES ('dist', 'Dist', 'distributor', 'WW', '10', 'USD');"
	     "INSERT INTO artists VALUES ('dee', 'Dee', 'person', 'GB');"
	     "INSERT INTO releases (gtin14, upc, title, artist_id, format, release_date) "
	     " VALUES ('05012340003134', '501234000313', 'D', 'dee', 'single', '2026-01-01');"
	     "INSERT INTO tracks VALUES ('GBAAA2600003', 'TD', 200);"
	     "INSERT INTO release_tracks VALUES ('05012340003134', 1, 1, 'GBAAA2600003');"
	     "INSERT INTO track_artists VALUES ('GBAAA2600003', 'main', 1, 'dee');");
	add_usage(store, 1, "2026-10", "GBAAA2600003");
	if (ft_contracts_import(
		store,
		testutil_write_file(dir, "dee.yaml",
				    "id: dee-split\ntype: profit_split\ncurrency: GBP\n"
				    "frequency: half-yearly\npayees:\n  - id: dee\n"
				    "    share: 50%\n  - id: dee-label\n    share: 50%\n"
				    "scope:\n  artists: [dee]\n  start: 2026-01-01\n"),
		&res, &err))
		fail_msg("%s", err.message);
	ft_contracts_import_result_free(&res);
	if (ft_fx_import(
		store,
		testutil_write_file(dir, "fx.csv", "period,from,to,rate\n2026-Q4,USD,GBP,0.8\n"),
		&n, &err))
		fail_msg("%s", err.message);
	run_ok(store, "2026-10", &s);
	assert_int_equal(s.lines, 0);
	testutil_assert_amount(s.royalties, "0");
	testutil_assert_amount(s.label, "0");
	assert_int_equal(s.n_payees, 0);
	ft_run_summary_free(&s);
	ft_store_close(store);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quarterly_contract_waits_for_its_quarter_and_gets_all_of_it),
	    cmocka_unit_test(test_income_is_shared_when_every_contract_is_due),
	    cmocka_unit_test(test_rerun_of_a_quarter_end_is_identical_and_explained),
	    cmocka_unit_test(test_a_quarter_run_computes_every_contract_over_the_quarter),
	    cmocka_unit_test(test_advance_and_reserve_follow_the_contracts_own_period),
	    cmocka_unit_test(test_cross_collateral_group_needs_one_frequency),
	    cmocka_unit_test(test_advance_in_another_currency_is_converted_at_its_months_rate),
	    cmocka_unit_test(test_a_cost_without_its_rate_stops_the_run_and_names_it),
	    cmocka_unit_test(test_a_skipped_profit_split_takes_nothing_from_the_label),
	    cmocka_unit_test(test_a_run_with_only_a_skipped_profit_split_balances),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
