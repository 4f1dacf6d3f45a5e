/* test_run_currency.c — contracts in another currency than the ledger's base
 * (docs/JOURNAL.md "Currencies", docs/ACCOUNTING.md "A contract in another
 * currency"): the worked example's figures to the unit, the four legs, the
 * statement in the contract's currency, an advance in a third currency,
 * missing rates, where the base comes from, and `check` on such a ledger. */
#include "testlines.h"
#include "testutil.h"

#include "fairtrack/issue.h"
#include "fairtrack/ledger_run.h"
#include "fairtrack/statement.h"
#include "fairtrack/store.h"

static char dir[600];

static const char ann_gbp[] = "id: ann-recording\n"
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
			      "  - rate: 20%\n";

static const char mo_eur[] = "id: mo-points\n"
			     "type: royalty\n"
			     "currency: EUR\n"
			     "frequency: monthly\n"
			     "payees:\n"
			     "  - id: mo\n"
			     "    share: 100%\n"
			     "scope:\n"
			     "  tracks: [GBAAA2600001]\n"
			     "  start: 2026-01-01\n"
			     "rates:\n"
			     "  - rate: 5%\n";

static void import_contracts(struct ft_store *store, const char *name, const char *yaml)
{
	struct ft_contracts_import_result res;
	struct ft_error err;

	if (ft_contracts_import(store, testutil_write_file(dir, name, yaml), &res, &err))
		fail_msg("%s", err.message);
	ft_contracts_import_result_free(&res);
}

static void import_fx(struct ft_store *store, const char *csv)
{
	struct ft_error err;
	size_t n;

	if (ft_fx_import(store, testutil_write_file(dir, "fx.csv", csv), &n, &err))
		fail_msg("%s", err.message);
}

/* The ledger of the worked example: a distributor with a 10 % fee reports
 * USD 100.00 for Ann's track in 2026-10. */
static struct ft_store *ledger(const char *name, char *path)
{
	struct ft_store *store = NULL;
	struct ft_error err;

	snprintf(dir, sizeof(dir), "%s", testutil_tmpdir());
	snprintf(path, 700, "%s/currency-%s.ledger", dir, name);
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
	return store;
}

/* The worked example's ledger, ready to run: base EUR, Ann's deal in GBP,
 * Mo's points in EUR, October's rates USD→EUR 0.9 and EUR→GBP 0.85. */
static struct ft_store *example(const char *name, char *path)
{
	struct ft_store *store = ledger(name, path);
	struct ft_error err;

	assert_int_equal(ft_ledger_set_base_currency(store, "EUR", &err), 0);
	import_contracts(store, "ann.yaml", ann_gbp);
	import_contracts(store, "mo.yaml", mo_eur);
	import_fx(store, "period,from,to,rate\n2026-10,USD,EUR,0.9\n2026-10,EUR,GBP,0.85\n");
	return store;
}

struct leg_row {
	char account[64], currency[4];
	ft_amount amount;
};

/* The legs of the royalty posting of a contract, in leg order. */
static size_t royalty_legs(struct ft_store *store, const char *contract, struct leg_row *out,
			   size_t cap)
{
	struct ft_stmt *st = NULL;
	struct ft_error err;
	size_t n = 0;

	assert_int_equal(ft_store_prepare(store, &st,
					  "SELECT account, currency, amount FROM journal WHERE "
					  "kind = 'royalty' AND contract = ? ORDER BY id",
					  &err),
			 0);
	assert_int_equal(ft_stmt_bind_text(st, 1, contract, &err), 0);
	while (n < cap && ft_stmt_step(st, &err) == 1) {
		snprintf(out[n].account, sizeof(out[n].account), "%s", ft_stmt_column_text(st, 0));
		snprintf(out[n].currency, sizeof(out[n].currency), "%s",
			 ft_stmt_column_text(st, 1));
		assert_int_equal(ft_stmt_column_amount(st, 2, &out[n].amount, &err), 0);
		n++;
	}
	ft_stmt_free(st);
	return n;
}

static void assert_leg(const struct leg_row *l, const char *account, const char *currency,
		       const char *amount)
{
	assert_string_equal(l->account, account);
	assert_string_equal(l->currency, currency);
	testutil_assert_amount(l->amount, amount);
}

static const struct ft_run_payee *payee(const struct ft_run_summary *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->n_payees; i++)
		if (!strcmp(s->payees[i].payee, id))
			return &s->payees[i];
	fail_msg("no payee %s", id);
	return NULL;
}

/* docs/ACCOUNTING.md "A contract in another currency", figure by figure. */
static void test_worked_example_gbp_contract_on_a_eur_ledger(void **state)
{
	char path[700];
	struct ft_store *store = example("worked", path);
	struct ft_period p = testutil_period("2026-10");
	struct ft_run_summary s;
	struct ft_statement *st = NULL;
	struct leg_row legs[8];
	struct ft_stmt *q = NULL;
	struct ft_error err;
	ft_amount x;

	(void)state;
	if (ft_run_period(store, &p, &s, &err))
		fail_msg("%s", err.message);
	/* ACCT-1 in the base: USD 100.00 × 0.9 = EUR 90.00, fee 9.00, receipts 81.00. */
	assert_string_equal(s.currency, "EUR");
	testutil_assert_amount(s.receipts, "90");
	testutil_assert_amount(s.fees, "9");
	/* The label gives up 81.00 × 20 % = 16.20 for Ann's deal and 81.00 × 5 %
	 * = 4.05 for Mo's: it keeps 60.75. */
	testutil_assert_amount(s.label, "60.75");
	testutil_assert_amount(s.royalties, "20.25");
	/* Ann's deal in GBP: base 81.00 × 0.85 = 68.85, royalty 13.77, half each
	 * 6.885, paid 6.88 (pence, rounded down), 0.005 carried. */
	assert_string_equal(payee(&s, "ann")->currency, "GBP");
	testutil_assert_amount(payee(&s, "ann")->royalties, "6.885");
	testutil_assert_amount(payee(&s, "ann")->payable, "6.88");
	testutil_assert_amount(payee(&s, "ann")->closing, "0.005");
	testutil_assert_amount(payee(&s, "bob")->payable, "6.88");
	assert_string_equal(payee(&s, "mo")->currency, "EUR");
	testutil_assert_amount(payee(&s, "mo")->payable, "4.05");
	/* The base's payable only: GBP is never added to EUR. */
	testutil_assert_amount(s.payable, "4.05");
	ft_run_summary_free(&s);

	/* The four legs (and the payees' split). */
	assert_int_equal(royalty_legs(store, "ann-recording", legs, 8), 5);
	assert_leg(&legs[0], "label", "EUR", "-16.20");
	assert_leg(&legs[1], "conversion:EUR", "EUR", "16.20");
	assert_leg(&legs[2], "conversion:GBP", "GBP", "-13.77");
	assert_leg(&legs[3], "payee:ann@ann-recording", "GBP", "6.885");
	assert_leg(&legs[4], "payee:bob@ann-recording", "GBP", "6.885");
	assert_int_equal(royalty_legs(store, "mo-points", legs, 8), 2);
	assert_leg(&legs[0], "label", "EUR", "-4.05");
	assert_leg(&legs[1], "payee:mo@mo-points", "EUR", "4.05");

	/* The royalty line is in GBP: base, rate and royalty. */
	testlines_unpack(store);
	assert_int_equal(ft_store_prepare(store, &q,
					  "SELECT l.base, l.rate, l.royalty FROM royalty_lines l "
					  "JOIN journal j ON j.period = l.period AND j.posting = "
					  "l.posting WHERE j.contract = 'ann-recording' AND "
					  "j.account = 'label'",
					  &err),
			 0);
	assert_int_equal(ft_stmt_step(q, &err), 1);
	assert_int_equal(ft_stmt_column_amount(q, 0, &x, &err), 0);
	testutil_assert_amount(x, "68.85");
	assert_int_equal(ft_stmt_column_amount(q, 1, &x, &err), 0);
	testutil_assert_amount(x, "0.2");
	assert_int_equal(ft_stmt_column_amount(q, 2, &x, &err), 0);
	testutil_assert_amount(x, "13.77");
	ft_stmt_free(q);
	assert_int_equal(ft_store_exec(store, "DROP TABLE temp.royalty_lines", &err), 0);

	/* Ann's statement is in GBP and its line sums to its royalties. */
	if (ft_issue_build(store, &p, "ann", "ann-recording", &st, &x, &err))
		fail_msg("%s", err.message);
	testutil_assert_amount(x, "6.88");
	assert_string_equal(st->currency, "GBP");
	assert_int_equal(st->n_lines, 1);
	testutil_assert_amount(st->lines[0].royalty, "6.885");
	ft_statement_free(st);

	if (ft_journal_check(store, &err))
		fail_msg("%s", err.message);
	ft_store_close(store);
}

static int collect(void *ctx, const char *line)
{
	char *buf = ctx;
	size_t len = strlen(buf);

	if (len + 1 >= (1 << 16))
		return 0; /* the first 64 KiB are compared */
	snprintf(buf + len, (1 << 16) - len, "%s\n", line);
	return 0;
}

/* Re-running the open period writes the same journal, to the unit; and
 * explain shows the conversion with its rate and month. */
static void test_rerun_is_identical_and_explain_shows_the_conversion(void **state)
{
	char path[700];
	struct ft_store *store = example("rerun", path);
	struct ft_period p = testutil_period("2026-10");
	struct ft_run_summary s;
	struct ft_error err;
	static char a[1 << 16], b[1 << 16], e[1 << 16];

	(void)state;
	a[0] = b[0] = e[0] = '\0';
	assert_int_equal(ft_run_period(store, &p, &s, &err), 0);
	ft_run_summary_free(&s);
	assert_int_equal(ft_journal_dump(store, &p, collect, a, &err), 0);
	assert_int_equal(ft_run_period(store, &p, &s, &err), 0);
	assert_int_equal(s.replaced, 1);
	ft_run_summary_free(&s);
	assert_int_equal(ft_journal_dump(store, &p, collect, b, &err), 0);
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "conversion:GBP"));
	/* the rate recorded next to the result, in the posting's note */
	assert_non_null(strstr(a,
			       "in GBP: each line's base converted from EUR at its month's "
			       "rate (2026-10 0.85); the label's EUR 16.20 is the same royalties"));
	assert_int_equal(ft_run_explain(store, &p, "ann", collect, e, &err), 0);
	assert_non_null(strstr(e, "payable GBP 6.88"));
	assert_non_null(strstr(e, "base converted EUR→GBP × fx 0.85 (2026-10)"));
	ft_store_close(store);
}

/* ACCT-5: an advance in a third currency is converted to the contract's
 * at the month paid and recouped on the label's GBP side. */
static void test_advance_in_a_third_currency(void **state)
{
	char path[700], yaml[1024];
	struct ft_store *store = example("advance", path);
	struct ft_period p = testutil_period("2026-10");
	struct ft_run_summary s;
	struct leg_row legs[4];
	struct ft_stmt *q = NULL;
	struct ft_error err;
	size_t n = 0;

	(void)state;
	snprintf(yaml, sizeof(yaml),
		 "%sadvances:\n  - amount: 10.00\n    currency: USD\n    date: 2026-10-15\n"
		 "    payee: ann\n",
		 ann_gbp);
	import_contracts(store, "ann.yaml", yaml);
	import_fx(store, "period,from,to,rate\n2026-10,USD,GBP,0.75\n");
	if (ft_run_period(store, &p, &s, &err))
		fail_msg("%s", err.message);
	/* USD 10.00 × 0.75 = GBP 7.50: 6.885 − 7.50 = −0.615, nothing payable. */
	testutil_assert_amount(payee(&s, "ann")->advances, "7.50");
	testutil_assert_amount(payee(&s, "ann")->balance, "-0.615");
	testutil_assert_amount(payee(&s, "ann")->payable, "0");
	testutil_assert_amount(payee(&s, "bob")->payable, "6.88");
	/* The base label account is not touched by a GBP debt. */
	testutil_assert_amount(s.label, "60.75");
	ft_run_summary_free(&s);
	assert_int_equal(ft_store_prepare(store, &q,
					  "SELECT account, currency, amount FROM journal WHERE "
					  "kind = 'advance' ORDER BY id",
					  &err),
			 0);
	while (n < 4 && ft_stmt_step(q, &err) == 1) {
		snprintf(legs[n].account, sizeof(legs[n].account), "%s", ft_stmt_column_text(q, 0));
		snprintf(legs[n].currency, 4, "%s", ft_stmt_column_text(q, 1));
		assert_int_equal(ft_stmt_column_amount(q, 2, &legs[n].amount, &err), 0);
		n++;
	}
	ft_stmt_free(q);
	assert_int_equal(n, 2);
	assert_leg(&legs[0], "payee:ann@ann-recording", "GBP", "-7.50");
	assert_leg(&legs[1], "conversion:GBP", "GBP", "7.50");
	if (ft_journal_check(store, &err))
		fail_msg("%s", err.message);
	ft_store_close(store);
}

/* A missing base → contract rate stops the run and names month, from, to. */
static void test_missing_contract_rate_is_named(void **state)
{
	char path[700];
	struct ft_store *store = ledger("missing", path);
	struct ft_period p = testutil_period("2026-10");
	struct ft_run_summary s;
	struct ft_error err;

	(void)state;
	assert_int_equal(ft_ledger_set_base_currency(store, "EUR", &err), 0);
	import_contracts(store, "ann.yaml", ann_gbp);
	import_fx(store, "period,from,to,rate\n2026-10,USD,EUR,0.9\n");
	assert_int_equal(ft_run_period(store, &p, &s, &err), FT_ENOTFOUND);
	assert_string_equal(err.message,
			    "2026-10 needs 1 exchange rate the ledger does not have: EUR→GBP "
			    "2026-10 (add 'MONTH,FROM,TO,RATE' lines to an fx file and run "
			    "'fairtrack import fx FILE')");
	assert_int_equal(testutil_count(path, "SELECT COUNT(*) FROM runs"), 0);
	ft_store_close(store);
}

/* The base: the setting, else the runs' currency, else the contracts' one
 * currency; several currencies and nothing to decide is an error saying
 * how to set it; a base with runs cannot change. */
static void test_base_currency_resolution(void **state)
{
	char path[700], base[4];
	struct ft_store *store = ledger("base", path);
	struct ft_contract_set set = {0};
	struct ft_period p = testutil_period("2026-10");
	enum ft_base_source src;
	struct ft_run_summary s;
	struct ft_error err;

	(void)state;
	assert_int_equal(ft_ledger_base_currency(store, NULL, base, &src, &err), FT_ENOTFOUND);
	/* One contract currency: it is the base, as before the setting existed. */
	import_contracts(store, "ann.yaml", ann_gbp);
	assert_int_equal(ft_contracts_load(store, &set, &err), 0);
	assert_int_equal(ft_ledger_base_currency(store, &set, base, &src, &err), 0);
	assert_string_equal(base, "GBP");
	assert_int_equal(src, FT_BASE_CONTRACTS);
	ft_contract_set_clear(&set);
	/* Two: nothing decides. */
	import_contracts(store, "mo.yaml", mo_eur);
	import_fx(store, "period,from,to,rate\n2026-10,USD,EUR,0.9\n2026-10,EUR,GBP,0.85\n");
	assert_int_equal(ft_contracts_load(store, &set, &err), 0);
	assert_int_equal(ft_ledger_base_currency(store, &set, base, &src, &err), FT_EUSAGE);
	assert_non_null(strstr(err.message, "ann-recording (GBP) and mo-points (EUR)"));
	assert_non_null(strstr(err.message, "set it with 'fairtrack currency CUR'"));
	assert_int_equal(ft_run_period(store, &p, &s, &err), FT_EUSAGE);
	assert_non_null(strstr(err.message, "fairtrack currency CUR"));
	/* The setting decides. */
	assert_int_equal(ft_ledger_set_base_currency(store, "eur", &err), 0);
	assert_int_equal(ft_ledger_base_currency(store, &set, base, &src, &err), 0);
	assert_string_equal(base, "EUR");
	assert_int_equal(src, FT_BASE_SETTING);
	if (ft_run_period(store, &p, &s, &err))
		fail_msg("%s", err.message);
	assert_string_equal(s.currency, "EUR");
	ft_run_summary_free(&s);
	/* With runs in EUR, the base cannot change; the same is accepted. */
	assert_int_equal(ft_ledger_set_base_currency(store, "GBP", &err), FT_ECONFLICT);
	assert_string_equal(err.message, "the ledger has runs in EUR: its base currency cannot "
					 "change to GBP (the journal is in EUR)");
	assert_int_equal(ft_ledger_set_base_currency(store, "EUR", &err), 0);
	/* Without the setting, the runs decide. */
	assert_int_equal(ft_store_exec(store, "DELETE FROM settings", &err), 0);
	assert_int_equal(ft_ledger_base_currency(store, &set, base, &src, &err), 0);
	assert_string_equal(base, "EUR");
	assert_int_equal(src, FT_BASE_RUNS);
	ft_contract_set_clear(&set);
	ft_store_close(store);
}

/* check on a ledger in two currencies: passes; a conversion leg changed is
 * J-1 in its currency; a GBP royalty line changed is J-5. */
static void test_check_on_two_currencies_finds_tampering(void **state)
{
	char path[700];
	struct ft_store *store = example("check", path);
	struct ft_period p = testutil_period("2026-10");
	struct ft_run_summary s;
	struct ft_error err;

	(void)state;
	assert_int_equal(ft_run_period(store, &p, &s, &err), 0);
	ft_run_summary_free(&s);
	assert_int_equal(ft_journal_check(store, &err), 0);
	assert_int_equal(ft_store_exec(store,
				       "UPDATE journal SET amount = '-13.78' WHERE account = "
				       "'conversion:GBP'",
				       &err),
			 0);
	assert_int_equal(ft_journal_check(store, &err), FT_ECONFLICT);
	assert_non_null(strstr(err.message, "does not balance in GBP"));
	assert_int_equal(ft_store_exec(store,
				       "UPDATE journal SET amount = '-13.77' WHERE account = "
				       "'conversion:GBP'",
				       &err),
			 0);
	assert_int_equal(ft_journal_check(store, &err), 0);
	/* The label's EUR side moved with its conversion leg: J-1 holds, but the
	 * label's share no longer matches; the GBP line no longer sums: J-5. */
	testlines_unpack(store);
	assert_int_equal(ft_store_exec(store,
				       "UPDATE royalty_lines SET royalty = '13.78' WHERE base = "
				       "'68.85'",
				       &err),
			 0);
	testlines_repack(store);
	assert_int_equal(ft_journal_check(store, &err), FT_ECONFLICT);
	assert_non_null(strstr(err.message, "J-5"));
	assert_non_null(strstr(err.message, "credits 13.77, its royalty lines sum to 13.78"));
	ft_store_close(store);
}

/* ACCT-5: one balance needs one currency — a group in two is refused when
 * the contracts are imported, naming both. */
static void test_cross_collateral_group_needs_one_currency(void **state)
{
	char path[700], yaml[2048];
	struct ft_store *store = ledger("group", path);
	struct ft_contracts_import_result res;
	struct ft_error err;

	(void)state;
	snprintf(yaml, sizeof(yaml), "%scross_collateral: anns\n---\n%scross_collateral: anns\n",
		 ann_gbp, mo_eur);
	assert_int_equal(
	    ft_contracts_import(store, testutil_write_file(dir, "group.yaml", yaml), &res, &err),
	    FT_EINVAL);
	ft_contracts_import_result_free(&res);
	assert_non_null(strstr(err.message, "currency"));
	assert_non_null(strstr(err.message, "group.yaml:17: contracts mo-points (EUR) and "
					    "ann-recording (GBP, "));
	assert_string_equal(err.field, "currency");
	assert_int_equal(err.line, 17);
	assert_non_null(strstr(err.message, "the cross_collateral group anns"));
	assert_non_null(strstr(err.message, "one balance needs one currency"));
	assert_int_equal(testutil_count(path, "SELECT COUNT(*) FROM contracts"), 0);
	ft_store_close(store);
}

/* A line so small that its royalty rounds to 0 in GBP but not in EUR: the
 * label still gives up its 10^-12 and the posting keeps its conversion:GBP
 * leg at 0, so the label's share and J-5 both hold. */
static void test_a_royalty_that_rounds_to_zero_in_the_contract_currency(void **state)
{
	char path[700];
	struct ft_store *store = example("tiny", path);
	struct ft_period p = testutil_period("2026-10");
	struct ft_run_summary s;
	struct leg_row legs[8];
	struct ft_error err;

	(void)state;
	/* USD 0.000000000006 × 0.9 = EUR 0.000000000005 (fee 0): × 20 % =
	 * 0.000000000001 in EUR; × 0.85 = GBP 0.000000000004, × 20 % = 0. */
	assert_int_equal(ft_store_exec(store, "UPDATE usage SET revenue = '0.000000000006'", &err),
			 0);
	if (ft_run_period(store, &p, &s, &err))
		fail_msg("%s", err.message);
	ft_run_summary_free(&s);
	assert_int_equal(royalty_legs(store, "ann-recording", legs, 8), 3);
	assert_leg(&legs[0], "label", "EUR", "-0.000000000001");
	assert_leg(&legs[1], "conversion:EUR", "EUR", "0.000000000001");
	assert_leg(&legs[2], "conversion:GBP", "GBP", "0");
	if (ft_journal_check(store, &err))
		fail_msg("%s", err.message);
	ft_store_close(store);
}

/* A balance carried in GBP does not become EUR because the contract was
 * re-imported in EUR: the next run refuses and names both. */
static void test_a_carried_balance_keeps_its_currency(void **state)
{
	char path[700], yaml[1024];
	struct ft_store *store = example("carried", path);
	struct ft_period oct = testutil_period("2026-10"), nov = testutil_period("2026-11");
	struct ft_run_summary s;
	struct ft_error err;
	char *at;

	(void)state;
	if (ft_run_period(store, &oct, &s, &err))
		fail_msg("%s", err.message);
	ft_run_summary_free(&s);
	assert_int_equal(ft_run_close(store, &oct, &err), 0);
	snprintf(yaml, sizeof(yaml), "%s", ann_gbp);
	at = strstr(yaml, "currency: GBP");
	assert_non_null(at);
	memcpy(at, "currency: EUR", 13);
	import_contracts(store, "ann.yaml", yaml);
	assert_int_equal(ft_run_period(store, &nov, &s, &err), FT_ECONFLICT);
	assert_non_null(strstr(err.message,
			       "contract ann-recording accounts in EUR, but its account "
			       "ann-recording carries a balance or reserve in GBP from 2026-10"));
	assert_string_equal(err.field, "currency");
	ft_store_close(store);
}

/* ---- random ledgers ------------------------------------------------------------- */

/* An exact decimal text: sometimes a few units of 10^-12, sometimes
 * thousands with 12 decimals, sometimes negative (a refund). */
static void random_amount_text(char *buf, size_t cap, uint64_t *s)
{
	uint64_t kind = testutil_rand(s) % 4;
	uint64_t whole = testutil_rand(s) % 5000, frac = testutil_rand(s) % 1000000000000ull;
	const char *sign = testutil_rand(s) % 12 == 0 ? "-" : "";

	if (kind == 0)
		snprintf(buf, cap, "%s0.%012llu", sign, (unsigned long long)(testutil_rand(s) % 9));
	else
		snprintf(buf, cap, "%s%llu.%012llu", sign, (unsigned long long)whole,
			 (unsigned long long)frac);
}

/* A rate near `near` with up to 12 decimals. */
static void random_rate_text(char *buf, size_t cap, uint64_t *s, unsigned near)
{
	snprintf(buf, cap, "%u.%012llu", near,
		 (unsigned long long)(testutil_rand(s) % 1000000000000ull));
}

/*
 * Random ledgers: a EUR base, three tracks, contracts in GBP, JPY and EUR
 * stacked on them at random rates and shares, usage in four currencies
 * with amounts from 10^-12 to thousands, random monthly rates.  Each run
 * must pass check (every posting and class balanced per currency, J-3,
 * J-5) and a re-run must write the same journal, to the unit.
 */
static void test_random_ledgers_in_three_currencies_check_and_rerun_identically(void **state)
{
	uint64_t s = testutil_seed() + 7;
	int world;
	static char a[1 << 17], b[1 << 17];

	(void)state;
	for (world = 0; world < 12; world++) {
		char path[700], name[32], yaml[4096], sql[512], amount[64], r1[40], r2[40], r3[40],
		    r4[40], r5[40], csv[512];
		struct ft_store *store;
		struct ft_period p = testutil_period("2026-10");
		struct ft_run_summary sum;
		struct ft_error err;
		int i, n_rows = 20 + (int)(testutil_rand(&s) % 80);
		unsigned share = 1 + (unsigned)(testutil_rand(&s) % 98);
		static const char *const curs[] = {"USD", "EUR", "JPY", "GBP"};

		snprintf(name, sizeof(name), "random-%d", world);
		store = ledger(name, path);
		assert_int_equal(ft_ledger_set_base_currency(store, "EUR", &err), 0);
		assert_int_equal(
		    ft_store_exec(
			store,
			"INSERT INTO tracks VALUES ('GBAAA2600002', 'T2', 200);"
			"INSERT INTO tracks VALUES ('GBAAA2600003', 'T3', 200);"
			"INSERT INTO release_tracks VALUES ('05012340001130', 1, 2, "
			"'GBAAA2600002');"
			"INSERT INTO release_tracks VALUES ('05012340001130', 1, 3, "
			"'GBAAA2600003');"
			"INSERT INTO track_artists VALUES ('GBAAA2600002', 'main', 1, 'ann');"
			"INSERT INTO track_artists VALUES ('GBAAA2600003', 'main', 1, 'ann');",
			&err),
		    0);
		snprintf(yaml, sizeof(yaml),
			 "id: ann-recording\ntype: royalty\ncurrency: GBP\nfrequency: monthly\n"
			 "payees:\n  - id: ann\n    share: %u%%\n  - id: bob\n    share: %u%%\n"
			 "scope:\n  artists: [ann]\n  start: 2026-01-01\n"
			 "rates:\n  - rate: %u.%06u%%\n"
			 "advances:\n  - amount: %u.37\n    currency: USD\n    date: 2026-10-02\n"
			 "    payee: ann\n"
			 "---\n"
			 "id: kaz-points\ntype: royalty\ncurrency: JPY\nfrequency: monthly\n"
			 "payees: [{id: kaz, share: 100%%}]\n"
			 "scope: {tracks: [GBAAA2600002], start: 2026-01-01}\n"
			 "rates: [{rate: %u%%}]\n"
			 "---\n"
			 "id: mo-points\ntype: royalty\ncurrency: EUR\nfrequency: monthly\n"
			 "payees: [{id: mo, share: 100%%}]\n"
			 "scope: {tracks: [GBAAA2600003], start: 2026-01-01}\n"
			 "rates: [{rate: %u%%}]\n",
			 share, 100 - share, 1 + (unsigned)(testutil_rand(&s) % 40),
			 (unsigned)(testutil_rand(&s) % 1000000),
			 (unsigned)(testutil_rand(&s) % 300), 1 + (unsigned)(testutil_rand(&s) % 9),
			 1 + (unsigned)(testutil_rand(&s) % 9));
		import_contracts(store, "random.yaml", yaml);
		random_rate_text(r1, sizeof(r1), &s, 0);
		random_rate_text(r2, sizeof(r2), &s, 0);
		random_rate_text(r3, sizeof(r3), &s, 1);
		random_rate_text(r4, sizeof(r4), &s, 0);
		random_rate_text(r5, sizeof(r5), &s, 161);
		snprintf(csv, sizeof(csv),
			 "period,from,to,rate\n2026-10,USD,EUR,%s\n2026-10,JPY,EUR,0.00%.10s\n"
			 "2026-10,GBP,EUR,%s\n2026-10,EUR,GBP,%s\n2026-10,EUR,JPY,%s\n"
			 "2026-10,USD,GBP,0.75\n",
			 r1, r2 + 2, r3, r4, r5);
		import_fx(store, csv);
		for (i = 0; i < n_rows; i++) {
			random_amount_text(amount, sizeof(amount), &s);
			snprintf(sql, sizeof(sql),
				 "INSERT INTO usage VALUES (1, '2026-10', 'GBAAA260000%d', NULL, "
				 "'GB', 'SubscriptionModel', 'OnDemandStream', 'spotify', '%s', "
				 "%d, '%s')",
				 1 + (int)(testutil_rand(&s) % 3), curs[testutil_rand(&s) % 4],
				 (int)(testutil_rand(&s) % 5000), amount);
			assert_int_equal(ft_store_exec(store, sql, &err), 0);
		}
		if (ft_run_period(store, &p, &sum, &err))
			fail_msg("seed world %d: %s", world, err.message);
		ft_run_summary_free(&sum);
		if (ft_journal_check(store, &err))
			fail_msg("world %d: %s", world, err.message);
		a[0] = b[0] = '\0';
		assert_int_equal(ft_journal_dump(store, &p, collect, a, &err), 0);
		assert_int_equal(ft_run_period(store, &p, &sum, &err), 0);
		ft_run_summary_free(&sum);
		assert_int_equal(ft_journal_dump(store, &p, collect, b, &err), 0);
		assert_string_equal(a, b);
		assert_non_null(strstr(a, "conversion:JPY"));
		ft_store_close(store);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_worked_example_gbp_contract_on_a_eur_ledger),
	    cmocka_unit_test(test_rerun_is_identical_and_explain_shows_the_conversion),
	    cmocka_unit_test(test_advance_in_a_third_currency),
	    cmocka_unit_test(test_missing_contract_rate_is_named),
	    cmocka_unit_test(test_base_currency_resolution),
	    cmocka_unit_test(test_check_on_two_currencies_finds_tampering),
	    cmocka_unit_test(test_cross_collateral_group_needs_one_currency),
	    cmocka_unit_test(test_a_royalty_that_rounds_to_zero_in_the_contract_currency),
	    cmocka_unit_test(test_a_carried_balance_keeps_its_currency),
	    cmocka_unit_test(test_random_ledgers_in_three_currencies_check_and_rerun_identically),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
