/* test_run.c — the royalty engine in the ledger: ACCT-1 conversion arithmetic,
 * a run's journal with exact figures, re-run determinism, the journal check,
 * missing rates, close and late adjustments, ACCT-9 income. */
#include "testlines.h"
#include "testutil.h"

#include "fairtrack/ledger_run.h"
#include "fairtrack/store.h"
#include "ledger/store_faulty.h"

static void test_convert_then_fee_is_exact(void **state)
{
	ft_amount gross, fee, receipts, rem = 0, rem_e24 = 0;

	(void)state;
	/* ACCT-1's worked example: USD 100.00 at 0.92 through a 15 % distributor. */
	assert_int_equal(ft_run_convert(&gross, &fee, &receipts, &rem, &rem_e24,
					testutil_amount("100.00"), testutil_amount("0.92"),
					testutil_amount("0.15"), NULL),
			 0);
	testutil_assert_amount(gross, "92");
	testutil_assert_amount(fee, "13.80");
	testutil_assert_amount(receipts, "78.20");
	testutil_assert_amount(rem, "0");
	assert_true(rem_e24 == 0);
}

static void test_conversion_cuts_add_up_to_whole_units(void **state)
{
	ft_amount gross, fee, receipts, rem = 0, rem_e24 = 0;

	(void)state;
	/* 1.000000000001 × 0.5 cuts half a unit of 10^-12; twice is one unit. */
	assert_int_equal(ft_run_convert(&gross, &fee, &receipts, &rem, &rem_e24,
					testutil_amount("1.000000000001"), testutil_amount("0.5"),
					0, NULL),
			 0);
	testutil_assert_amount(gross, "0.5");
	assert_true(rem == 0);
	assert_true(rem_e24 == (ft_amount)500000000000LL);
	assert_int_equal(ft_run_convert(&gross, &fee, &receipts, &rem, &rem_e24,
					testutil_amount("1.000000000001"), testutil_amount("0.5"),
					0, NULL),
			 0);
	assert_true(rem == 1);
	assert_true(rem_e24 == 0);
}

static void test_convert_refuses_a_non_positive_rate(void **state)
{
	ft_amount gross, fee, receipts, rem = 0, rem_e24 = 0;
	struct ft_error err;

	(void)state;
	assert_int_equal(ft_run_convert(&gross, &fee, &receipts, &rem, &rem_e24,
					testutil_amount("1"), 0, 0, &err),
			 FT_EINVAL);
}

/* ---- a small ledger ---------------------------------------------------------------- */

static char dir[600];

static struct ft_store *small_ledger(const char *name, int with_fx)
{
	struct ft_store *store = NULL;
	struct ft_contracts_import_result res;
	struct ft_error err;
	char path[700];
	size_t n;

	snprintf(dir, sizeof(dir), "%s", testutil_tmpdir());
	snprintf(path, sizeof(path), "%s/run-%s.ledger", dir, name);
	remove(path);
	assert_int_equal(ft_store_open(&store, path, FT_STORE_CREATE, &err), 0);
	if (ft_store_exec(
		store,
		TESTUTIL_ANN_CATALOGUE_SQL
		"INSERT INTO import_batches (id, sha256, file, bytes, partner_id, format, "
		" first_month, last_month, rows, suspense_rows, imported_at) VALUES (1, 'x', "
		" 'r.tsv', 1, 'dist', 'flat-tsv', '2026-10', '2026-10', 1, 0, 't');"
		"INSERT INTO batch_totals VALUES (1, 'USD', 1000, '100', 0, '0');"
		"INSERT INTO usage VALUES (1, '2026-10', 'GBAAA2600001', NULL, 'GB', "
		" 'SubscriptionModel', 'OnDemandStream', 'spotify', 'USD', 1000, '100');",
		&err))
		fail_msg("%s", err.message);
	if (ft_contracts_import(store,
				testutil_write_file(dir, "ann.yaml",
						    "id: ann-recording\n"
						    "type: royalty\n"
						    "currency: GBP\n"
						    "frequency: monthly\n"
						    "payees:\n"
						    "  - id: ann\n"
						    "    share: 50%\n"
						    "  - id: bob\n"
						    "    share: 50%\n"
						    "scope:\n"
						    "  artists: [ann]\n"
						    "  start: 2026-01-01\n"
						    "rates:\n"
						    "  - rate: 20%\n"),
				&res, &err))
		fail_msg("%s", err.message);
	assert_int_equal(res.n_changes, 1);
	assert_int_equal(res.changes[0].kind, FT_CONTRACT_ADDED);
	ft_contracts_import_result_free(&res);
	if (with_fx &&
	    ft_fx_import(
		store,
		testutil_write_file(dir, "fx.csv", "period,from,to,rate\n2026-Q4,USD,GBP,0.8\n"),
		&n, &err))
		fail_msg("%s", err.message);
	return store;
}

/* A file of several contracts stores each as its own document: the whole
 * file once per contract made ledgers grow with the square of the file. */
static void test_contracts_of_one_file_are_stored_one_document_each(void **state)
{
	struct ft_store *store = small_ledger("multi", 0);
	struct ft_contracts_import_result res;
	struct ft_contract_set set = {0};
	struct ft_stmt *st = NULL;
	struct ft_error err;
	int rows = 0;

	(void)state;
	if (ft_contracts_import(store,
				testutil_write_file(dir, "two.yaml",
						    "id: two-a\n"
						    "type: royalty\n"
						    "currency: GBP\n"
						    "frequency: monthly\n"
						    "payees:\n"
						    "  - id: cy\n"
						    "    share: 100%\n"
						    "scope:\n"
						    "  tracks: [GBAAA2600001]\n"
						    "  start: 2027-01-01\n"
						    "rates:\n"
						    "  - rate: 3%\n"
						    "---\n"
						    "id: two-b\n"
						    "type: royalty\n"
						    "currency: GBP\n"
						    "frequency: monthly\n"
						    "payees:\n"
						    "  - id: dee\n"
						    "    share: 100%\n"
						    "scope:\n"
						    "  tracks: [GBAAA2600001]\n"
						    "  start: 2027-01-01\n"
						    "rates:\n"
						    "  - rate: 2%\n"),
				&res, &err))
		fail_msg("%s", err.message);
	assert_int_equal(res.n_changes, 2);
	ft_contracts_import_result_free(&res);
	assert_int_equal(ft_store_prepare(store, &st,
					  "SELECT id, yaml FROM contracts WHERE id LIKE 'two-%' "
					  "ORDER BY id",
					  &err),
			 0);
	while (ft_stmt_step(st, &err) == 1) {
		const char *id = ft_stmt_column_text(st, 0);
		const char *yaml = ft_stmt_column_text(st, 1);

		rows++;
		assert_non_null(strstr(yaml, id));
		assert_null(strstr(yaml, rows == 1 ? "two-b" : "two-a"));
	}
	ft_stmt_free(st);
	assert_int_equal(rows, 2);
	/* and they load back as imported: the single-document file kept as is */
	assert_int_equal(ft_contracts_load(store, &set, &err), 0);
	assert_int_equal(set.n, 3);
	assert_string_equal(set.items[0].id, "ann-recording");
	assert_string_equal(set.items[1].id, "two-a");
	assert_string_equal(set.items[2].payees[0].id, "dee");
	ft_contract_set_clear(&set);
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

static void test_run_posts_exact_balanced_journal(void **state)
{
	struct ft_store *store = small_ledger("exact", 1);
	struct ft_period p = testutil_period("2026-10");
	struct ft_run_summary s;
	struct ft_error err;

	(void)state;
	if (ft_run_period(store, &p, &s, &err))
		fail_msg("%s", err.message);
	/* USD 100 × 0.8 = 80, fee 10 % = 8, receipts 72; 20 % royalty 14.40 split
	 * 7.20 / 7.20; the label keeps 57.60. */
	assert_string_equal(s.currency, "GBP");
	testutil_assert_amount(s.receipts, "80");
	testutil_assert_amount(s.fees, "8");
	testutil_assert_amount(s.royalties, "14.40");
	testutil_assert_amount(s.label, "57.60");
	testutil_assert_amount(s.payable, "14.40");
	testutil_assert_amount(s.remainder, "0");
	assert_int_equal(s.n_payees, 2);
	assert_string_equal(s.payees[0].payee, "ann");
	testutil_assert_amount(s.payees[0].royalties, "7.20");
	testutil_assert_amount(s.payees[0].closing, "0");
	/* receipt (3 legs), royalty (3), two payouts (2 each). */
	assert_int_equal(s.postings, 4);
	assert_int_equal(s.legs, 10);
	ft_run_summary_free(&s);
	if (ft_journal_check(store, &err))
		fail_msg("%s", err.message);
	ft_store_close(store);
}

static void test_rerun_of_open_period_writes_the_same_journal(void **state)
{
	struct ft_store *store = small_ledger("rerun", 1);
	struct ft_period p = testutil_period("2026-10");
	struct ft_run_summary s;
	struct ft_error err;
	static struct text a, b;

	(void)state;
	a.len = b.len = 0;
	assert_int_equal(ft_run_period(store, &p, &s, &err), 0);
	assert_int_equal(s.replaced, 0);
	ft_run_summary_free(&s);
	assert_int_equal(ft_journal_dump(store, &p, collect, &a, &err), 0);
	assert_int_equal(ft_run_period(store, &p, &s, &err), 0);
	assert_int_equal(s.replaced, 1);
	ft_run_summary_free(&s);
	assert_int_equal(ft_journal_dump(store, &p, collect, &b, &err), 0);
	assert_true(a.len > 0);
	assert_string_equal(a.buf, b.buf);
	ft_store_close(store);
}

static void test_check_finds_a_tampered_leg(void **state)
{
	struct ft_store *store = small_ledger("tamper", 1);
	struct ft_period p = testutil_period("2026-10");
	struct ft_run_summary s;
	struct ft_error err;

	(void)state;
	assert_int_equal(ft_run_period(store, &p, &s, &err), 0);
	ft_run_summary_free(&s);
	assert_int_equal(ft_store_exec(store,
				       "UPDATE journal SET amount = '7.21' WHERE kind = 'royalty' "
				       "AND account = 'payee:ann@ann-recording'",
				       &err),
			 0);
	assert_int_equal(ft_journal_check(store, &err), FT_ECONFLICT);
	assert_non_null(strstr(err.message, "does not balance"));
	ft_store_close(store);
}

/* J-5: a royalty line that no longer sums into its posting, or a line
 * under no posting, is found. */
static void test_check_finds_a_tampered_royalty_line(void **state)
{
	struct ft_store *store = small_ledger("tamper-line", 1);
	struct ft_period p = testutil_period("2026-10");
	struct ft_run_summary s;
	struct ft_error err;

	(void)state;
	assert_int_equal(ft_run_period(store, &p, &s, &err), 0);
	ft_run_summary_free(&s);
	assert_int_equal(ft_journal_check(store, &err), 0);
	testlines_unpack(store);
	assert_int_equal(
	    ft_store_exec(store,
			  "INSERT INTO royalty_lines (period, posting, seq, tier, units, "
			  "base, rate, royalty) VALUES ('2026-10', 999999, 0, 0, 0, '0', "
			  "'0', '0')",
			  &err),
	    0);
	testlines_repack(store);
	assert_int_equal(ft_journal_check(store, &err), FT_ECONFLICT);
	assert_non_null(
	    strstr(err.message, "J-5: royalty lines 2026-10 #999999 from 0 are under no"));
	assert_int_equal(
	    ft_store_exec(store, "DELETE FROM royalty_line_blocks WHERE posting = 999999", &err),
	    0);
	assert_int_equal(ft_journal_check(store, &err), 0);
	/* A block that does not decode, one missing, one repeated. */
	assert_int_equal(
	    ft_store_exec(store,
			  "CREATE TEMP TABLE kept AS SELECT * FROM royalty_line_blocks;"
			  "UPDATE royalty_line_blocks SET lines = x'01ff' WHERE rowid = "
			  "(SELECT MIN(rowid) FROM royalty_line_blocks)",
			  &err),
	    0);
	assert_int_equal(ft_journal_check(store, &err), FT_ECONFLICT);
	assert_non_null(strstr(err.message, "J-5: royalty posting 2026-10 #"));
	assert_non_null(strstr(err.message, "royalty line block: line 1"));
	assert_int_equal(ft_store_exec(store,
				       "DELETE FROM royalty_line_blocks;"
				       "INSERT INTO royalty_line_blocks SELECT * FROM kept;"
				       "UPDATE royalty_line_blocks SET first_seq = 1 WHERE rowid = "
				       "(SELECT MIN(rowid) FROM royalty_line_blocks)",
				       &err),
			 0);
	assert_int_equal(ft_journal_check(store, &err), FT_ECONFLICT);
	assert_non_null(
	    strstr(err.message, "a block of its lines starts at 1 where 0 was expected"));
	assert_int_equal(ft_store_exec(store,
				       "DELETE FROM royalty_line_blocks;"
				       "INSERT INTO royalty_line_blocks SELECT * FROM kept;"
				       "DROP TABLE kept",
				       &err),
			 0);
	assert_int_equal(ft_journal_check(store, &err), 0);
	testlines_unpack(store);
	assert_int_equal(ft_store_exec(store,
				       "UPDATE royalty_lines SET royalty = '1000' WHERE posting = "
				       "(SELECT MIN(posting) FROM royalty_lines)",
				       &err),
			 0);
	testlines_repack(store);
	assert_int_equal(ft_journal_check(store, &err), FT_ECONFLICT);
	assert_non_null(strstr(err.message, "J-5"));
	assert_non_null(strstr(err.message, "its royalty lines sum to 1000"));
	ft_store_close(store);
}

/* Rows reach the run through the reader threads in rowid order, across the
 * two halves of the scan; a text longer than the ledger writes is refused
 * with the row and column, and nothing is written. */
static void test_usage_rows_of_both_scan_halves_and_a_too_long_text(void **state)
{
	struct ft_store *store = small_ledger("halves", 1);
	struct ft_period p = testutil_period("2026-10");
	struct ft_run_summary s;
	struct ft_error err;
	int i;

	(void)state;
	for (i = 0; i < 9; i++)
		assert_int_equal(ft_store_exec(store,
					       "INSERT INTO usage VALUES (1, '2026-10', "
					       "'GBAAA2600001', NULL, 'FR', 'SubscriptionModel', "
					       "'OnDemandStream', 'spotify', 'USD', 10, '1')",
					       &err),
				 0);
	assert_int_equal(ft_run_period(store, &p, &s, &err), 0);
	assert_int_equal(s.lines, 10);
	testutil_assert_amount(s.receipts, "87.2"); /* (100 + 9 × 1) USD × 0.8, every row once */
	ft_run_summary_free(&s);
	assert_int_equal(ft_journal_check(store, &err), 0);
	assert_int_equal(
	    ft_store_exec(store,
			  "INSERT INTO usage VALUES (1, '2026-10', 'GBAAA2600001', "
			  "NULL, 'FR', 'SubscriptionModelSubscriptionModelSubscriptionModel"
			  "', 'OnDemandStream', 'spotify', 'USD', 10, '1')",
			  &err),
	    0);
	assert_int_equal(ft_run_period(store, &p, &s, &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "usage row 11: its commercial_model is longer"));
	ft_run_summary_free(&s);
	assert_int_equal(ft_journal_check(store, &err), 0);
	ft_store_close(store);
}

static void test_missing_rate_stops_the_run_and_names_it(void **state)
{
	struct ft_store *store = small_ledger("norate", 0);
	struct ft_period p = testutil_period("2026-10");
	struct ft_run_summary s;
	struct ft_error err;

	(void)state;
	assert_int_equal(ft_run_period(store, &p, &s, &err), FT_ENOTFOUND);
	assert_non_null(strstr(err.message, "USD→GBP 2026-10"));
	ft_run_summary_free(&s);
	/* Nothing was written. */
	assert_int_equal(ft_journal_check(store, &err), 0);
	ft_store_close(store);
}

/* A report for October imported after October was closed: one row,
 * USD 10 of ann's track. */
static void add_late_october_report(struct ft_store *store)
{
	struct ft_error err;

	if (ft_store_exec(store,
			  "INSERT INTO import_batches (id, sha256, file, bytes, partner_id, "
			  " format, first_month, last_month, rows, suspense_rows, imported_at) "
			  " VALUES (2, 'y', 'late.tsv', 1, 'dist', 'flat-tsv', '2026-10', "
			  " '2026-10', 1, 0, 't');"
			  "INSERT INTO batch_totals VALUES (2, 'USD', 10, '10', 0, '0');"
			  "INSERT INTO usage VALUES (2, '2026-10', 'GBAAA2600001', NULL, 'GB', "
			  " 'SubscriptionModel', 'OnDemandStream', 'spotify', 'USD', 10, '10');",
			  &err))
		fail_msg("%s", err.message);
}

static void test_late_row_after_close_is_an_adjustment_in_the_next_period(void **state)
{
	struct ft_store *store = small_ledger("late", 1);
	struct ft_period oct = testutil_period("2026-10"), nov = testutil_period("2026-11");
	struct ft_run_summary s;
	struct ft_error err;

	(void)state;
	assert_int_equal(ft_run_period(store, &oct, &s, &err), 0);
	ft_run_summary_free(&s);
	assert_int_equal(ft_run_close(store, &oct, &err), 0);
	assert_int_equal(ft_run_period(store, &oct, &s, &err), FT_ECONFLICT);
	ft_run_summary_free(&s);
	add_late_october_report(store);
	if (ft_run_period(store, &nov, &s, &err))
		fail_msg("%s", err.message);
	/* Only the late row: USD 10 × 0.8 = 8, fee 0.80, receipts 7.20, royalty 1.44. */
	assert_int_equal(s.late_lines, 1);
	assert_true(s.n_notes >= 1);
	assert_non_null(strstr(s.notes[0], "posted in 2026-11"));
	testutil_assert_amount(s.receipts, "8");
	testutil_assert_amount(s.royalties, "1.44");
	ft_run_summary_free(&s);
	if (ft_journal_check(store, &err))
		fail_msg("%s", err.message);
	ft_store_close(store);
}

/* A run reads its last six months and what was imported since the last
 * row a closed run posted, not the whole history: the closed October row
 * is not read again by the run of April, the late one is found. */
static void test_a_run_does_not_read_what_closed_runs_read(void **state)
{
	struct ft_store *store = small_ledger("scan", 1);
	struct ft_period oct = testutil_period("2026-10"), apr = testutil_period("2027-04");
	struct ft_run_summary s;
	struct ft_error err;

	(void)state;
	assert_int_equal(ft_run_period(store, &oct, &s, &err), 0);
	assert_int_equal(s.scan_from, 1);
	ft_run_summary_free(&s);
	assert_int_equal(ft_run_close(store, &oct, &err), 0);
	add_late_october_report(store);
	if (ft_run_period(store, &apr, &s, &err))
		fail_msg("%s", err.message);
	assert_int_equal(s.scan_from, 2); /* row 1 was posted by the closed October */
	assert_int_equal(s.late_lines, 1);
	testutil_assert_amount(s.receipts, "8");
	ft_run_summary_free(&s);
	if (ft_journal_check(store, &err))
		fail_msg("%s", err.message);
	ft_store_close(store);
}

static void test_income_is_shared_over_the_partners_receipts(void **state)
{
	struct ft_store *store = small_ledger("income", 1);
	struct ft_period p = testutil_period("2026-10");
	struct ft_run_summary s;
	struct ft_error err;
	size_t n = 0;

	(void)state;
	if (ft_income_import(store,
			     testutil_write_file(dir, "income.csv",
						 "month,partner,kind,currency,amount,description\n"
						 "2026-10,dist,minimum-guarantee,USD,25,top-up\n"),
			     &n, &err))
		fail_msg("%s", err.message);
	assert_int_equal(n, 1);
	if (ft_run_period(store, &p, &s, &err))
		fail_msg("%s", err.message);
	/* ACCT-9: USD 25 × 0.8 = 20, fee 2, receipts 18, all on the one track:
	 * royalty 14.40 + 3.60 = 18.00. */
	testutil_assert_amount(s.receipts, "100");
	testutil_assert_amount(s.fees, "10");
	testutil_assert_amount(s.royalties, "18");
	testutil_assert_amount(s.suspense, "0");
	ft_run_summary_free(&s);
	if (ft_journal_check(store, &err))
		fail_msg("%s", err.message);
	ft_store_close(store);
}

static void test_fx_file_errors_name_line_and_field(void **state)
{
	struct ft_store *store = small_ledger("fxbad", 0);
	struct ft_error err;
	size_t n;

	(void)state;
	assert_int_equal(ft_fx_import(store,
				      testutil_write_file(dir, "bad.csv",
							  "period,from,to,rate\n"
							  "2026-10,USD,GBP,0.8\n"
							  "2026-10,EUR,GBP,0,86\n"),
				      &n, &err),
			 FT_EINVAL);
	assert_non_null(strstr(err.message, "bad.csv:3"));
	ft_store_close(store);
}

static int64_t count(struct ft_store *store, const char *sql)
{
	struct ft_stmt *st = NULL;
	int64_t n = -1;

	assert_int_equal(ft_store_prepare(store, &st, sql, NULL), 0);
	if (ft_stmt_step(st, NULL) == 1)
		n = ft_stmt_column_int64(st, 0);
	ft_stmt_free(st);
	return n;
}

/* A run is one transaction: a failure at any write, or a crash before
 * commit, leaves the ledger as it was — including an earlier open run of
 * the period, which a failed re-run must not lose. */
static void test_run_is_all_or_nothing_at_every_write(void **state)
{
	struct ft_store *inner = small_ledger("faulty", 1), *store = NULL;
	struct ft_store_faults faults = {0};
	struct ft_period p = testutil_period("2026-10");
	struct ft_run_summary s;
	struct ft_error err;
	static struct text before, after;
	long writes, n;

	(void)state;
	before.len = after.len = 0;
	assert_int_equal(ft_store_faulty_wrap(&store, inner, &faults, &err), 0);
	assert_int_equal(ft_run_period(store, &p, &s, &err), 0);
	ft_run_summary_free(&s);
	writes = ft_store_faulty_writes(store);
	assert_true(writes > 10);
	assert_int_equal(ft_journal_dump(store, &p, collect, &before, &err), 0);
	ft_store_close(store);
	for (n = 1; n <= writes + 1; n++) {
		struct ft_store *plain = NULL;
		char path[700];

		snprintf(path, sizeof(path), "%s/run-faulty.ledger", dir);
		assert_int_equal(ft_store_open(&plain, path, 0, &err), 0);
		faults.fail_nth_write = n <= writes ? n : 0;
		faults.crash_before_commit = n > writes;
		assert_int_equal(ft_store_faulty_wrap(&store, plain, &faults, &err), 0);
		assert_int_not_equal(ft_run_period(store, &p, &s, &err), 0);
		ft_run_summary_free(&s);
		after.len = 0;
		assert_int_equal(ft_journal_dump(store, &p, collect, &after, &err), 0);
		assert_string_equal(before.buf, after.buf);
		assert_int_equal(count(store, "SELECT COUNT(*) FROM runs"), 1);
		assert_int_equal(ft_journal_check(store, &err), 0);
		ft_store_close(store);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_convert_then_fee_is_exact),
	    cmocka_unit_test(test_conversion_cuts_add_up_to_whole_units),
	    cmocka_unit_test(test_convert_refuses_a_non_positive_rate),
	    cmocka_unit_test(test_contracts_of_one_file_are_stored_one_document_each),
	    cmocka_unit_test(test_run_posts_exact_balanced_journal),
	    cmocka_unit_test(test_rerun_of_open_period_writes_the_same_journal),
	    cmocka_unit_test(test_check_finds_a_tampered_leg),
	    cmocka_unit_test(test_check_finds_a_tampered_royalty_line),
	    cmocka_unit_test(test_usage_rows_of_both_scan_halves_and_a_too_long_text),
	    cmocka_unit_test(test_a_run_does_not_read_what_closed_runs_read),
	    cmocka_unit_test(test_missing_rate_stops_the_run_and_names_it),
	    cmocka_unit_test(test_late_row_after_close_is_an_adjustment_in_the_next_period),
	    cmocka_unit_test(test_income_is_shared_over_the_partners_receipts),
	    cmocka_unit_test(test_fx_file_errors_name_line_and_field),
	    cmocka_unit_test(test_run_is_all_or_nothing_at_every_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
