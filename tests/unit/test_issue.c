/* test_issue.c — statements from the ledger: a statement's totals equal the
 * journal (royalties, charges, payable), its lines sum to its totals, issued
 * files are recorded by SHA-256 and verified, a changed file is not, and the
 * same ledger issues byte-identical files; the detail lines, the portal's
 * drill-down and explain read the royalty lines, whether a royalty posting
 * holds one line or many. */
#include "testlines.h"
#include "testutil.h"

#include <sys/stat.h>

#include "fairtrack/issue.h"
#include "fairtrack/ledger_run.h"
#include "fairtrack/portal.h"
#include "fairtrack/store.h"

/*
 * Issuing renders PDFs: cairo 1.16 loses ~768 bytes a document in font
 * subsetting and fontconfig keeps its configuration for the process's life
 * (test_render_pdf.c says more).  Not ours; LeakSanitizer is told so for
 * this test binary only.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libcairo.so.2\nleak:libfontconfig.so.1\n";
}

static char dir[600];

/* One track, one contract (ann and bob 50/50 at 20 %, an advance of 10 to
 * ann in October), USD at 0.8 through a 10 % distributor; n_rows usage rows
 * with seeded territories and revenues (n_rows 0: one row of USD 100).
 * ledger_payees: ann and p02..p10 at 10 % each instead of ann and bob. */
static size_t ten_payees;
/* escalating: the contract's rate rises by 5 points past 400 units. */
static int escalating;

static const char *contract_yaml(void)
{
	static char yaml[2048];
	size_t off, i;

	if (escalating)
		return "id: ann-recording\ntype: royalty\ncurrency: GBP\nfrequency: monthly\n"
		       "payees:\n  - id: ann\n    name: Ann Example\n    share: 50%\n"
		       "  - id: bob\n    share: 50%\n"
		       "scope:\n  artists: [ann]\n  start: 2026-01-01\nrates:\n  - rate: 20%\n"
		       "escalations:\n  - units: 400\n    add: 5%\n";
	if (!ten_payees)
		return "id: ann-recording\n"
		       "type: royalty\n"
		       "currency: GBP\n"
		       "frequency: monthly\n"
		       "payees:\n"
		       "  - id: ann\n"
		       "    name: Ann Example\n"
		       "    share: 50%\n"
		       "  - id: bob\n"
		       "    share: 50%\n"
		       "scope:\n"
		       "  artists: [ann]\n"
		       "  start: 2026-01-01\n"
		       "rates:\n"
		       "  - rate: 20%\n"
		       "advances:\n"
		       "  - amount: 10.00\n"
		       "    currency: GBP\n"
		       "    date: 2026-10-01\n"
		       "    payee: ann\n";
	off = (size_t)snprintf(yaml, sizeof(yaml),
			       "id: ann-recording\ntype: royalty\ncurrency: GBP\n"
			       "frequency: monthly\npayees:\n  - id: ann\n    share: 10%%\n");
	for (i = 2; i <= 10; i++)
		off += (size_t)snprintf(yaml + off, sizeof(yaml) - off,
					"  - id: p%02zu\n    name: Payee Nº %zu\n    share: 10%%\n",
					i, i);
	snprintf(yaml + off, sizeof(yaml) - off,
		 "scope:\n  artists: [ann]\n  start: 2026-01-01\nrates:\n  - rate: 20%%\n"
		 "advances:\n  - amount: 10.00\n    currency: GBP\n    date: 2026-10-01\n"
		 "    payee: ann\n");
	return yaml;
}

static struct ft_store *ledger(const char *name, size_t n_rows, uint64_t seed)
{
	static const char *const terr[] = {"GB", "US", "DE", "JP", "BR"};
	struct ft_store *store = NULL;
	struct ft_contracts_import_result res;
	struct ft_stmt *ins = NULL;
	struct ft_error err;
	struct ft_period p = testutil_period("2026-10");
	struct ft_run_summary s;
	char path[700];
	size_t n, i;

	snprintf(dir, sizeof(dir), "%s/issue-%s", testutil_tmpdir(), name);
	mkdir(dir, 0777);
	snprintf(path, sizeof(path), "%s/ledger", dir);
	remove(path);
	assert_int_equal(ft_store_open(&store, path, FT_STORE_CREATE, &err), 0);
	if (ft_store_exec(
		store,
		"INSERT INTO labels VALUES ('Test Label', 'GB');"
		"INSERT INTO partners VALUES ('dist', 'Dist', 'distributor', 'WW', '10', 'USD');"
		"INSERT INTO artists VALUES ('ann', 'Ann', 'person', 'GB');"
		"INSERT INTO releases (gtin14, upc, title, artist_id, format, release_date) "
		" VALUES ('05012340001130', '501234000113', 'The Release', 'ann', 'single',"
		" '2026-01-01');"
		"INSERT INTO tracks VALUES ('GBAAA2600001', 'The Track', 200);"
		"INSERT INTO release_tracks VALUES ('05012340001130', 1, 1, 'GBAAA2600001');"
		"INSERT INTO track_artists VALUES ('GBAAA2600001', 'main', 1, 'ann');"
		"INSERT INTO import_batches (id, sha256, file, bytes, partner_id, format, "
		" first_month, last_month, rows, suspense_rows, imported_at) VALUES (1, 'x', "
		" 'r.tsv', 1, 'dist', 'flat-tsv', '2026-10', '2026-10', 1, 0, 't');",
		&err))
		fail_msg("%s", err.message);
	assert_int_equal(ft_store_prepare(store, &ins,
					  "INSERT INTO usage VALUES (1, '2026-10', 'GBAAA2600001',"
					  " NULL, ?, 'SubscriptionModel', 'OnDemandStream',"
					  " 'spotify', 'USD', ?, ?)",
					  &err),
			 0);
	for (i = 0; i < (n_rows ? n_rows : 1); i++) {
		char rev[64];
		uint64_t r = testutil_rand(&seed);

		if (n_rows)
			snprintf(rev, sizeof(rev), "%u.%06u", (unsigned)(r % 500),
				 (unsigned)((r >> 20) % 1000000));
		else
			snprintf(rev, sizeof(rev), "100");
		assert_int_equal(ft_stmt_reset(ins, &err), 0);
		assert_int_equal(
		    ft_stmt_bind_text(ins, 1, n_rows ? terr[(r >> 40) % 5] : "GB", &err), 0);
		assert_int_equal(
		    ft_stmt_bind_int64(ins, 2, n_rows ? (int64_t)(r % 9000) : 1000, &err), 0);
		assert_int_equal(ft_stmt_bind_text(ins, 3, rev, &err), 0);
		assert_int_equal(ft_stmt_run(ins, &err), 0);
	}
	ft_stmt_free(ins);
	if (ft_contracts_import(store, testutil_write_file(dir, "ann.yaml", contract_yaml()), &res,
				&err))
		fail_msg("%s", err.message);
	ft_contracts_import_result_free(&res);
	if (ft_fx_import(
		store,
		testutil_write_file(dir, "fx.csv", "period,from,to,rate\n2026-Q4,USD,GBP,0.8\n"),
		&n, &err))
		fail_msg("%s", err.message);
	if (ft_run_period(store, &p, &s, &err))
		fail_msg("%s", err.message);
	ft_run_summary_free(&s);
	return store;
}

/*
 * A usage row that crosses an escalation threshold is two royalty lines,
 * each with its own units: 400 at 20 % and 600 at 25 % of 1,000 units, not
 * the row's 1,000 twice.
 */
static void test_a_row_across_an_escalation_is_two_lines_of_its_units(void **state)
{
	struct ft_store *store;
	struct ft_period p = testutil_period("2026-10");
	struct ft_statement *st = NULL;
	struct ft_error err;
	ft_amount payable = -1;

	(void)state;
	escalating = 1;
	store = ledger("escalating", 0, 0);
	escalating = 0;
	if (ft_issue_build(store, &p, "ann", "ann-recording", &st, &payable, &err))
		fail_msg("%s", err.message);
	/* Receipts 72 split 400/1000 and 600/1000: 28.80 at 20 % and 43.20 at
	 * 25 %; ann's half of each. */
	assert_int_equal(st->n_lines, 2);
	assert_int_equal(st->lines[0].units + st->lines[1].units, 1000);
	assert_int_equal(st->lines[0].units == 400 ? st->lines[1].units : st->lines[0].units, 600);
	testutil_assert_amount(st->lines[0].royalty + st->lines[1].royalty, "8.28");
	testutil_assert_amount(payable, "8.28");
	ft_statement_free(st);
	ft_store_close(store);
}

static void test_statement_totals_equal_the_journal(void **state)
{
	struct ft_store *store = ledger("totals", 0, 0);
	struct ft_period p = testutil_period("2026-10");
	struct ft_statement *st = NULL;
	struct ft_statement_summary sum;
	struct ft_error err;
	ft_amount payable = -1;

	(void)state;
	if (ft_issue_build(store, &p, "ann", "ann-recording", &st, &payable, &err))
		fail_msg("%s", err.message);
	assert_string_equal(st->payee_name, "Ann Example");
	assert_string_equal(st->label, "Test Label");
	assert_string_equal(st->currency, "GBP");
	/* USD 100 × 0.8 = 80, fee 10 % = 8, receipts 72; 20 % of it, half is ann's. */
	assert_int_equal(st->n_lines, 1);
	assert_string_equal(st->lines[0].isrc, "GBAAA2600001");
	assert_string_equal(st->lines[0].track, "The Track");
	assert_string_equal(st->lines[0].release, "The Release");
	assert_string_equal(st->lines[0].store, "spotify");
	assert_string_equal(st->lines[0].territory, "GB");
	assert_int_equal(st->lines[0].units, 1000);
	testutil_assert_amount(st->lines[0].receipts, "72");
	testutil_assert_amount(st->lines[0].rate, "0.1");
	testutil_assert_amount(st->lines[0].royalty, "7.20");
	assert_int_equal(st->n_charges, 1);
	assert_int_equal(st->charges[0].kind, FT_CHARGE_ADVANCE);
	testutil_assert_amount(st->charges[0].amount, "10");
	/* Itemised from the contract: its date, not the run's. */
	assert_string_equal(st->charges[0].date, "2026-10-01");
	assert_string_equal(st->charges[0].description, "Advance paid to you");
	assert_int_equal(st->n_fx, 1);
	assert_string_equal(st->fx[0].from, "USD");
	testutil_assert_amount(st->fx[0].rate, "0.8");
	assert_true(st->n_terms >= 2);
	assert_int_equal(ft_statement_summarize(st, &sum, &err), 0);
	testutil_assert_amount(sum.royalties, "7.20");
	testutil_assert_amount(sum.advances, "10");
	testutil_assert_amount(sum.balance, "-2.80");
	testutil_assert_amount(sum.p_payable, "0");
	assert_true(sum.p_payable == payable);
	testutil_assert_amount(sum.p_to_recoup, "2.80");
	ft_statement_free(st);

	if (ft_issue_build(store, &p, "bob", "ann-recording", &st, &payable, &err))
		fail_msg("%s", err.message);
	assert_int_equal(ft_statement_summarize(st, &sum, &err), 0);
	testutil_assert_amount(payable, "7.20");
	assert_true(sum.p_payable == payable);
	ft_statement_free(st);
	assert_int_equal(ft_issue_build(store, &p, "carol", "ann-recording", &st, &payable, &err),
			 FT_ENOTFOUND);
	assert_null(st);
	ft_store_close(store);
}

/* Property: over seeded usage, each payee's statement lines sum to its
 * totals, and those totals are the run's. */
static void test_statement_lines_sum_to_its_totals(void **state)
{
	uint64_t seed = testutil_seed();
	struct ft_store *store = ledger("sums", 40, seed);
	struct ft_period p = testutil_period("2026-10");
	static const char *const payees[] = {"ann", "bob"};
	struct ft_stmt *q = NULL;
	struct ft_error err;
	size_t k, i;

	(void)state;
	assert_int_equal(ft_store_prepare(store, &q,
					  "SELECT royalties FROM run_statements WHERE period ="
					  " '2026-10' AND payee = ?",
					  &err),
			 0);
	for (k = 0; k < 2; k++) {
		struct ft_statement *st = NULL;
		struct ft_statement_summary sum;
		ft_amount payable, exact = 0, printed = 0, stored;

		if (ft_issue_build(store, &p, payees[k], "ann-recording", &st, &payable, &err))
			fail_msg("%s", err.message);
		assert_int_equal(ft_statement_summarize(st, &sum, &err), 0);
		assert_int_equal(st->n_lines, 40);
		for (i = 0; i < st->n_lines; i++) {
			exact += st->lines[i].royalty;
			printed += ft_statement_printed(st->lines[i].royalty, sum.minor_units);
		}
		assert_true(exact == sum.royalties);
		assert_true(printed == sum.p_royalties);
		assert_true(sum.p_payable == payable);
		assert_int_equal(ft_stmt_reset(q, &err), 0);
		assert_int_equal(ft_stmt_bind_text(q, 1, payees[k], &err), 0);
		assert_int_equal(ft_stmt_step(q, &err), 1);
		assert_int_equal(ft_stmt_column_amount(q, 0, &stored, &err), 0);
		if (stored != sum.royalties)
			fail_msg("seed %llu: %s's lines differ from the run",
				 (unsigned long long)seed, payees[k]);
		ft_statement_free(st);
	}
	ft_stmt_free(q);
	ft_store_close(store);
}

static int same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int ca, cb, same = fa && fb;

	while (same) {
		ca = fgetc(fa);
		cb = fgetc(fb);
		if (ca != cb)
			same = 0;
		if (ca == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

static void test_issued_files_are_recorded_and_verified(void **state)
{
	struct ft_store *store = ledger("verify", 0, 0);
	struct ft_period p = testutil_period("2026-10");
	struct ft_issue_options opts;
	struct ft_issue_result res, again;
	struct ft_issue_record rec;
	struct ft_error err;
	char out1[700], out2[700], changed[700];
	size_t i;
	FILE *f;

	(void)state;
	snprintf(out1, sizeof(out1), "%s/out1", dir);
	snprintf(out2, sizeof(out2), "%s/out2", dir);
	memset(&opts, 0, sizeof(opts));
	opts.out_dir = out1;
	opts.formats = "csv";
	if (ft_issue_statements(store, &p, &opts, &res, &err))
		fail_msg("%s", err.message);
	assert_int_equal(res.n_statements, 2);
	/* Two payees × (csv + its summary), the label summary and payments. */
	assert_int_equal(res.n_files, 6);
	opts.out_dir = out2;
	if (ft_issue_statements(store, &p, &opts, &again, &err))
		fail_msg("%s", err.message);
	assert_int_equal(again.n_files, res.n_files);
	for (i = 0; i < res.n_files; i++) {
		assert_string_equal(res.files[i].sha256, again.files[i].sha256);
		assert_true(same_file(res.files[i].path, again.files[i].path));
	}
	ft_issue_result_free(&again);

	for (i = 0; i < res.n_files; i++) {
		if (ft_issue_verify(store, res.files[i].path, &rec, &err))
			fail_msg("%s", err.message);
		assert_string_equal(rec.payee, res.files[i].payee);
		assert_string_equal(rec.period, "2026-10");
		assert_string_equal(rec.format, res.files[i].format);
	}
	assert_string_equal(res.files[0].payee, "ann");
	assert_string_equal(res.files[0].format, "csv");
	snprintf(changed, sizeof(changed), "%s/changed.csv", dir);
	f = fopen(changed, "w");
	assert_non_null(f);
	fputs("not a statement\n", f);
	fclose(f);
	assert_int_equal(ft_issue_verify(store, changed, &rec, &err), FT_ENOTFOUND);
	assert_non_null(strstr(err.message, "not issued"));
	ft_issue_result_free(&res);

	opts.formats = "csv,docx";
	assert_int_equal(ft_issue_statements(store, &p, &opts, &res, &err), FT_EUSAGE);
	ft_issue_result_free(&res);
	opts.formats = NULL;
	opts.payee = "nobody";
	assert_int_equal(ft_issue_statements(store, &p, &opts, &res, &err), FT_ENOTFOUND);
	ft_issue_result_free(&res);
	p = testutil_period("2026-11");
	opts.payee = NULL;
	assert_int_equal(ft_issue_statements(store, &p, &opts, &res, &err), FT_ENOTFOUND);
	ft_issue_result_free(&res);
	ft_store_close(store);
}

/* The statements, their files and their order do not depend on how many
 * threads render them. */
static void test_issued_files_do_not_depend_on_the_job_count(void **state)
{
	struct ft_store *store;
	struct ft_period p = testutil_period("2026-10");
	struct ft_issue_options opts;
	struct ft_issue_result one, many;
	struct ft_error err;
	char out1[700], out2[700];
	const char *b1, *b2;
	size_t i;

	(void)state;
	ten_payees = 1;
	store = ledger("jobs", 30, testutil_seed());
	ten_payees = 0;
	snprintf(out1, sizeof(out1), "%s/one", dir);
	snprintf(out2, sizeof(out2), "%s/many", dir);
	memset(&opts, 0, sizeof(opts));
	opts.formats = "csv,pdf";
	opts.out_dir = out1;
	opts.jobs = 1;
	if (ft_issue_statements(store, &p, &opts, &one, &err))
		fail_msg("%s", err.message);
	opts.out_dir = out2;
	opts.jobs = 3;
	if (ft_issue_statements(store, &p, &opts, &many, &err))
		fail_msg("%s", err.message);
	assert_int_equal(one.n_statements, 10);
	assert_int_equal(many.n_statements, 10);
	/* 10 × (csv, its summary, pdf), the label summary and payments. */
	assert_int_equal(one.n_files, 32);
	assert_int_equal(many.n_files, one.n_files);
	for (i = 0; i < one.n_files; i++) {
		b1 = strrchr(one.files[i].path, '/');
		b2 = strrchr(many.files[i].path, '/');
		assert_string_equal(b1, b2);
		assert_string_equal(one.files[i].payee, many.files[i].payee);
		assert_string_equal(one.files[i].format, many.files[i].format);
		assert_string_equal(one.files[i].sha256, many.files[i].sha256);
		assert_true(same_file(one.files[i].path, many.files[i].path));
	}
	assert_string_equal(one.files[0].payee, "ann");
	assert_string_equal(one.files[3].payee, "p02");
	ft_issue_result_free(&many);

	/* More jobs than statements: the same again. */
	opts.jobs = 64;
	if (ft_issue_statements(store, &p, &opts, &many, &err))
		fail_msg("%s", err.message);
	assert_int_equal(many.n_files, one.n_files);
	for (i = 0; i < one.n_files; i++)
		assert_string_equal(one.files[i].sha256, many.files[i].sha256);
	ft_issue_result_free(&many);
	ft_issue_result_free(&one);
	ft_render_release_thread_caches();
	ft_store_close(store);
}

/* A statement that cannot be written fails the call, with its path, however
 * many threads render; nothing of the call is recorded. */
static void test_a_failed_render_fails_the_call_on_any_job_count(void **state)
{
	struct ft_store *store;
	struct ft_period p = testutil_period("2026-10");
	struct ft_issue_options opts;
	struct ft_issue_result res;
	struct ft_issue_record rec;
	struct ft_statement *st = NULL;
	struct ft_error err;
	ft_amount payable;
	char out[700], blocker[1400], base[512], kept[1400];
	unsigned jobs;

	(void)state;
	ten_payees = 1;
	store = ledger("jobfail", 5, 7);
	ten_payees = 0;
	if (ft_issue_build(store, &p, "p06", "ann-recording", &st, &payable, &err))
		fail_msg("%s", err.message);
	ft_statement_basename(base, sizeof(base), st);
	ft_statement_free(st);
	for (jobs = 1; jobs <= 4; jobs += 3) {
		snprintf(out, sizeof(out), "%s/out%u", dir, jobs);
		mkdir(out, 0777);
		/* A directory where p06's CSV should go: the rename fails. */
		snprintf(blocker, sizeof(blocker), "%s/%s.csv", out, base);
		mkdir(blocker, 0777);
		memset(&opts, 0, sizeof(opts));
		opts.formats = "csv";
		opts.out_dir = out;
		opts.jobs = jobs;
		assert_int_equal(ft_issue_statements(store, &p, &opts, &res, &err), FT_EIO);
		assert_non_null(strstr(err.message, base));
		ft_issue_result_free(&res);
	}
	/* Nothing recorded: ann's CSV, written before the failure, is unknown. */
	if (ft_issue_build(store, &p, "ann", "ann-recording", &st, &payable, &err))
		fail_msg("%s", err.message);
	ft_statement_basename(base, sizeof(base), st);
	ft_statement_free(st);
	snprintf(kept, sizeof(kept), "%s/out1/%s.csv", dir, base);
	assert_int_equal(ft_issue_verify(store, kept, &rec, &err), FT_ENOTFOUND);
	ft_render_release_thread_caches();
	ft_store_close(store);
}

/* ---- royalty lines under folded postings ------------------------------------ */

static int64_t scalar(struct ft_store *store, const char *sql)
{
	struct ft_stmt *q = NULL;
	struct ft_error err;
	int64_t v;

	assert_int_equal(ft_store_prepare(store, &q, sql, &err), 0);
	assert_int_equal(ft_stmt_step(q, &err), 1);
	v = ft_stmt_column_int64(q, 0);
	ft_stmt_free(q);
	return v;
}

/*
 * Fold every royalty posting of 2026-10 into the first, as a run posting one
 * royalty posting per contract and import batch will (docs/JOURNAL.md): the
 * lines renumbered under it (seq 0, 1, …), one leg an account summing the
 * legs it replaces (exactly, in C), a short note, no per-line columns.  The
 * journal must still pass check.
 */
static void fold_royalty_postings(struct ft_store *store)
{
	struct {
		char account[160];
		ft_amount sum;
	} acc[8];
	struct ft_stmt *q = NULL;
	struct ft_error err;
	char sql[2048];
	int64_t first = scalar(store, "SELECT MIN(posting) FROM journal WHERE period = '2026-10'"
				      " AND kind = 'royalty'");
	size_t n = 0, i;
	ft_amount x;

	assert_int_equal(ft_store_prepare(store, &q,
					  "SELECT account, amount FROM journal WHERE period ="
					  " '2026-10' AND kind = 'royalty' ORDER BY id",
					  &err),
			 0);
	while (ft_stmt_step(q, &err) == 1) {
		const char *a = ft_stmt_column_text(q, 0);

		for (i = 0; i < n && strcmp(acc[i].account, a) != 0; i++)
			;
		if (i == n) {
			assert_true(n < 8);
			snprintf(acc[n].account, sizeof(acc[n].account), "%s", a);
			acc[n++].sum = 0;
		}
		assert_int_equal(ft_stmt_column_amount(q, 1, &x, &err), 0);
		acc[i].sum += x;
	}
	ft_stmt_free(q);
	testlines_unpack(store);
	snprintf(sql, sizeof(sql),
		 "CREATE TEMP TABLE folded AS SELECT * FROM royalty_lines WHERE period = '2026-10';"
		 "DELETE FROM royalty_lines WHERE period = '2026-10';"
		 "INSERT INTO royalty_lines SELECT period, %lld, ROW_NUMBER() OVER (ORDER BY"
		 " posting, seq) - 1, usage_id, income_id, rule, tier, units, base, rate, royalty,"
		 " allocated FROM folded;"
		 "DROP TABLE folded;"
		 "DELETE FROM journal WHERE period = '2026-10' AND kind = 'royalty' AND"
		 " posting <> %lld;"
		 "UPDATE journal SET note = 'royalties of ann-recording from batch 1',"
		 " line_source_id = NULL, line_base = NULL, line_allocated = NULL"
		 " WHERE period = '2026-10' AND kind = 'royalty';",
		 (long long)first, (long long)first);
	if (ft_store_exec(store, sql, &err))
		fail_msg("%s", err.message);
	testlines_repack(store);
	assert_int_equal(ft_store_prepare(store, &q,
					  "UPDATE journal SET amount = ? WHERE period = '2026-10'"
					  " AND kind = 'royalty' AND account = ?",
					  &err),
			 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(ft_stmt_reset(q, &err), 0);
		assert_int_equal(ft_stmt_bind_amount(q, 1, acc[i].sum, &err), 0);
		assert_int_equal(ft_stmt_bind_text(q, 2, acc[i].account, &err), 0);
		assert_int_equal(ft_stmt_run(q, &err), 0);
	}
	ft_stmt_free(q);
	assert_int_equal(scalar(store, "SELECT COUNT(DISTINCT posting) FROM journal WHERE"
				       " period = '2026-10' AND kind = 'royalty'"),
			 1);
	if (ft_journal_check(store, &err))
		fail_msg("the folded journal fails check: %s", err.message);
}

struct source_copy {
	int64_t journal_id, usage_row;
	ft_amount royalty;
	char note[4096];
};

struct sources {
	struct source_copy rows[64];
	size_t n;
};

static int keep_source(void *ctx, const struct ft_portal_source *s, struct ft_error *err)
{
	struct sources *c = ctx;

	(void)err;
	assert_true(c->n < 64);
	assert_string_equal(s->kind, "royalty");
	c->rows[c->n].journal_id = s->journal_id;
	c->rows[c->n].usage_row = s->usage_row;
	c->rows[c->n].royalty = s->royalty;
	snprintf(c->rows[c->n].note, sizeof(c->rows[c->n].note), "%s", s->note);
	c->n++;
	return 0;
}

static int keep_text(void *ctx, const char *line)
{
	size_t *n = ctx;

	/* A royalty line of explain: "  #posting.seq part: note". */
	if (strncmp(line, "  #", 3) == 0 && strstr(line, "ACCT-4 ann 50% = ") &&
	    strstr(line, "usage row "))
		(*n)++;
	return 0;
}

/*
 * Each payee's statement lines sum exactly to the royalties the run stored;
 * each portal source's note names its rule (with its place in the contract
 * file) and its usage row; explain prints every line.  Then, with the
 * royalty postings folded into one, the statements' files are byte for byte
 * the same and so are the sources: the readers take each line's provenance
 * from royalty_lines, not from the journal's notes or legs.
 */
static void test_detail_lines_come_from_royalty_lines(void **state)
{
	uint64_t seed = testutil_seed();
	struct ft_store *store = ledger("lines", 40, seed);
	struct ft_period p = testutil_period("2026-10");
	static const char *const payees[] = {"ann", "bob"};
	static struct sources before, after;
	struct ft_issue_options opts;
	struct ft_issue_result one, two;
	struct ft_error err;
	char out1[700], out2[700];
	size_t i, k, explained;
	int round;

	(void)state;
	snprintf(out1, sizeof(out1), "%s/per-entry", dir);
	snprintf(out2, sizeof(out2), "%s/folded", dir);
	memset(&opts, 0, sizeof(opts));
	opts.formats = "csv";
	for (round = 0; round < 2; round++) {
		struct sources *src = round ? &after : &before;
		size_t total = 0;

		if (round)
			fold_royalty_postings(store);
		for (k = 0; k < 2; k++) {
			struct ft_statement *st = NULL;
			struct ft_statement_summary sum;
			ft_amount payable, exact = 0, stored;
			char q[256];

			if (ft_issue_build(store, &p, payees[k], "ann-recording", &st, &payable,
					   &err))
				fail_msg("%s", err.message);
			assert_int_equal(ft_statement_summarize(st, &sum, &err), 0);
			assert_int_equal(st->n_lines, 40);
			for (i = 0; i < st->n_lines; i++) {
				assert_string_equal(st->lines[i].isrc, "GBAAA2600001");
				exact += st->lines[i].royalty;
			}
			snprintf(q, sizeof(q),
				 "SELECT royalties FROM run_statements WHERE period = '2026-10'"
				 " AND payee = '%s'",
				 payees[k]);
			stored = -1;
			{
				struct ft_stmt *rs = NULL;

				assert_int_equal(ft_store_prepare(store, &rs, q, &err), 0);
				assert_int_equal(ft_stmt_step(rs, &err), 1);
				assert_int_equal(ft_stmt_column_amount(rs, 0, &stored, &err), 0);
				ft_stmt_free(rs);
			}
			if (exact != stored || exact != sum.royalties)
				fail_msg("seed %llu, %s: the lines differ from the run's royalties",
					 (unsigned long long)seed, payees[k]);
			ft_statement_free(st);
		}
		src->n = 0;
		if (ft_portal_sources(store, "2026-10", "ann", "ann-recording", NULL, 0, 0,
				      keep_source, src, &total, &err))
			fail_msg("%s", err.message);
		assert_int_equal(total, 40);
		assert_int_equal(src->n, 40);
		for (i = 0; i < src->n; i++) {
			char row[64];

			snprintf(row, sizeof(row),
				 "usage row %lld:", (long long)src->rows[i].usage_row);
			assert_true(src->rows[i].usage_row > 0);
			if (!strstr(src->rows[i].note, "ACCT-3 rates[1] (") ||
			    !strstr(src->rows[i].note, "ann.yaml:") ||
			    !strstr(src->rows[i].note, row) ||
			    !strstr(src->rows[i].note, "ACCT-4 ann 50% = ") ||
			    !strstr(src->rows[i].note, "fx 0.8 USD→GBP"))
				fail_msg("source %zu: %s", i, src->rows[i].note);
		}
		explained = 0;
		if (ft_run_explain(store, &p, "ann", keep_text, &explained, &err))
			fail_msg("%s", err.message);
		assert_int_equal(explained, 40);
		opts.out_dir = round ? out2 : out1;
		if (ft_issue_statements(store, &p, &opts, round ? &two : &one, &err))
			fail_msg("%s", err.message);
	}
	/* Folded: the same sources, now all under the one posting's leg. */
	for (i = 0; i < 40; i++) {
		assert_true(after.rows[i].royalty == before.rows[i].royalty);
		assert_int_equal(after.rows[i].usage_row, before.rows[i].usage_row);
		assert_string_equal(after.rows[i].note, before.rows[i].note);
		assert_int_equal(after.rows[i].journal_id, after.rows[0].journal_id);
	}
	assert_int_equal(one.n_files, two.n_files);
	for (i = 0; i < one.n_files; i++) {
		assert_string_equal(one.files[i].sha256, two.files[i].sha256);
		assert_true(same_file(one.files[i].path, two.files[i].path));
	}
	ft_issue_result_free(&one);
	ft_issue_result_free(&two);
	ft_render_release_thread_caches();
	ft_store_close(store);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_statement_totals_equal_the_journal),
	    cmocka_unit_test(test_a_row_across_an_escalation_is_two_lines_of_its_units),
	    cmocka_unit_test(test_statement_lines_sum_to_its_totals),
	    cmocka_unit_test(test_issued_files_are_recorded_and_verified),
	    cmocka_unit_test(test_issued_files_do_not_depend_on_the_job_count),
	    cmocka_unit_test(test_a_failed_render_fails_the_call_on_any_job_count),
	    cmocka_unit_test(test_detail_lines_come_from_royalty_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
