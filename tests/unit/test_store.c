/* test_store.c — the ledger store: open/create, schema versions, transactions,
 * the faulty backend, exact amounts. */
#include "testutil.h"

#include <unistd.h>

#include "fairtrack/store.h"
#include "ledger/store_faulty.h"

static char path_buf[1024];

static const char *fresh_path(const char *name)
{
	char side[1100];

	snprintf(path_buf, sizeof(path_buf), "%s/store-%s.ledger", testutil_tmpdir(), name);
	unlink(path_buf);
	snprintf(side, sizeof(side), "%s-wal", path_buf);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path_buf);
	unlink(side);
	return path_buf;
}

static struct ft_store *create(const char *name)
{
	struct ft_store *store = NULL;
	struct ft_error err;

	ft_error_clear(&err);
	assert_int_equal(ft_store_open(&store, fresh_path(name), FT_STORE_CREATE, &err), 0);
	assert_non_null(store);
	return store;
}

static int64_t count_rows(struct ft_store *store, const char *sql)
{
	struct ft_stmt *st = NULL;
	int64_t n;

	assert_int_equal(ft_store_prepare(store, &st, sql, NULL), 0);
	assert_int_equal(ft_stmt_step(st, NULL), 1);
	n = ft_stmt_column_int64(st, 0);
	ft_stmt_free(st);
	return n;
}

static void test_create_then_reopen_keeps_schema(void **state)
{
	struct ft_store *store = create("reopen");
	struct ft_error err;

	assert_int_equal(ft_store_schema_version(store), ft_store_schema_latest());
	assert_true(ft_store_schema_latest() >= 1);
	assert_string_equal(ft_store_backend(store), "sqlite");
	ft_store_close(store);
	store = NULL;
	assert_int_equal(ft_store_open(&store, path_buf, 0, &err), 0);
	assert_int_equal(ft_store_schema_version(store), ft_store_schema_latest());
	assert_int_equal(count_rows(store, "SELECT COUNT(*) FROM ft_schema"),
			 ft_store_schema_latest());
	ft_store_close(store);
}

static void test_create_refuses_existing_file(void **state)
{
	struct ft_store *store = create("exists");
	struct ft_error err;

	ft_store_close(store);
	store = NULL;
	assert_int_equal(ft_store_open(&store, path_buf, FT_STORE_CREATE, &err), FT_EEXISTS);
	assert_null(store);
	assert_non_null(strstr(err.message, "already exists"));
}

static void test_open_missing_is_not_found(void **state)
{
	struct ft_store *store = NULL;
	struct ft_error err;

	assert_int_equal(ft_store_open(&store, fresh_path("missing"), 0, &err), FT_ENOTFOUND);
	assert_null(store);
	assert_non_null(strstr(err.message, "fairtrack init"));
}

static void test_postgres_location_is_a_clear_usage_error(void **state)
{
	struct ft_store *store = NULL;
	struct ft_error err;

	assert_int_equal(ft_store_open(&store, "postgres://localhost/label", 0, &err), FT_EUSAGE);
	assert_non_null(strstr(err.message, "PostgreSQL backend not built yet"));
}

static void test_newer_schema_is_refused(void **state)
{
	struct ft_store *store = create("newer");
	struct ft_error err;
	char expect[1400];
	int latest = ft_store_schema_latest();

	assert_int_equal(ft_store_exec(store,
				       "INSERT INTO ft_schema (version, name, applied_at) "
				       "VALUES (999, 'from the future', 'x')",
				       &err),
			 0);
	ft_store_close(store);
	store = NULL;
	assert_int_equal(ft_store_open(&store, path_buf, 0, &err), FT_ESCHEMA);
	assert_null(store);
	snprintf(expect, sizeof(expect),
		 "ledger %s has schema version 999, this fairtrack understands up to %d: "
		 "upgrade fairtrack",
		 path_buf, latest);
	assert_string_equal(err.message, expect);
}

static void test_text_file_is_not_a_ledger(void **state)
{
	struct ft_store *store = NULL;
	struct ft_error err;
	FILE *f = fopen(fresh_path("text"), "w");

	assert_non_null(f);
	for (int i = 0; i < 100; i++)
		fputs("isrc,title\nGBXXX2600001,Not a database\n", f);
	fclose(f);
	assert_int_equal(ft_store_open(&store, path_buf, 0, &err), FT_ESCHEMA);
	assert_null(store);
	assert_non_null(strstr(err.message, "not a fairtrack ledger"));
}

static void test_foreign_sqlite_database_is_not_a_ledger(void **state)
{
	struct ft_store *store = create("foreign");
	struct ft_error err;

	/* Simulate another application's database: no ft_schema table. */
	assert_int_equal(ft_store_exec(store, "DROP TABLE ft_schema", &err), 0);
	ft_store_close(store);
	store = NULL;
	assert_int_equal(ft_store_open(&store, path_buf, 0, &err), FT_ESCHEMA);
	assert_non_null(strstr(err.message, "is not a fairtrack ledger"));
}

static void test_rollback_leaves_nothing(void **state)
{
	struct ft_store *store = create("rollback");
	struct ft_error err;
	struct ft_stmt *st = NULL;

	assert_int_equal(ft_store_begin(store, &err), 0);
	assert_true(ft_store_in_transaction(store));
	assert_int_equal(ft_store_begin(store, &err), FT_EUSAGE);
	assert_int_equal(ft_store_prepare(store, &st, "INSERT INTO labels (name) VALUES (?)", &err),
			 0);
	assert_int_equal(ft_stmt_bind_text(st, 1, "Northern Lights Records", &err), 0);
	assert_int_equal(ft_stmt_step(st, &err), 0);
	assert_int_equal(ft_store_changes(store), 1);
	ft_stmt_free(st);
	assert_int_equal(count_rows(store, "SELECT COUNT(*) FROM labels"), 1);
	assert_int_equal(ft_store_rollback(store, &err), 0);
	assert_false(ft_store_in_transaction(store));
	assert_int_equal(count_rows(store, "SELECT COUNT(*) FROM labels"), 0);
	ft_store_close(store);
}

static void test_close_with_open_transaction_rolls_back(void **state)
{
	struct ft_store *store = create("closetx");
	struct ft_error err;

	assert_int_equal(ft_store_begin(store, &err), 0);
	assert_int_equal(ft_store_exec(store, "INSERT INTO labels (name) VALUES ('x')", &err), 0);
	ft_store_close(store);
	store = NULL;
	assert_int_equal(ft_store_open(&store, path_buf, 0, &err), 0);
	assert_int_equal(count_rows(store, "SELECT COUNT(*) FROM labels"), 0);
	ft_store_close(store);
}

static void test_bound_text_is_data_not_syntax(void **state)
{
	struct ft_store *store = create("quote");
	struct ft_stmt *st = NULL;
	const char *evil = "Bobby'); DROP TABLE labels; --";

	assert_int_equal(ft_store_prepare(store, &st, "INSERT INTO labels (name) VALUES (?)", NULL),
			 0);
	assert_int_equal(ft_stmt_bind_text(st, 1, evil, NULL), 0);
	assert_int_equal(ft_stmt_step(st, NULL), 0);
	ft_stmt_free(st);
	assert_int_equal(ft_store_prepare(store, &st, "SELECT name FROM labels", NULL), 0);
	assert_int_equal(ft_stmt_step(st, NULL), 1);
	assert_string_equal(ft_stmt_column_text(st, 0), evil);
	assert_int_equal(ft_stmt_step(st, NULL), 0);
	ft_stmt_free(st);
	ft_store_close(store);
}

static void test_faulty_store_fails_nth_write_and_nothing_is_left(void **state)
{
	struct ft_store *store = create("faulty");
	struct ft_store *faulty = NULL;
	struct ft_store_faults faults = {.fail_nth_write = 3};
	struct ft_error err;
	struct ft_stmt *st = NULL;
	char name[32];
	int i, rc = 0;

	assert_int_equal(ft_store_faulty_wrap(&faulty, store, &faults, &err), 0);
	assert_int_equal(ft_store_begin(faulty, &err), 0);
	assert_int_equal(
	    ft_store_prepare(faulty, &st, "INSERT INTO labels (name) VALUES (?)", &err), 0);
	for (i = 1; i <= 5 && rc == 0; i++) {
		snprintf(name, sizeof(name), "label %d", i);
		assert_int_equal(ft_stmt_bind_text(st, 1, name, &err), 0);
		rc = ft_stmt_step(st, &err);
		ft_stmt_reset(st, NULL);
	}
	ft_stmt_free(st);
	assert_int_equal(rc, FT_EDB);
	assert_int_equal(i - 1, 3);
	assert_int_equal(ft_store_faulty_writes(faulty), 3);
	assert_non_null(strstr(err.message, "injected failure at write 3"));
	assert_int_equal(ft_store_rollback(faulty, &err), 0);
	assert_int_equal(count_rows(faulty, "SELECT COUNT(*) FROM labels"), 0);
	ft_store_close(faulty);
}

static void test_crash_before_commit_keeps_nothing(void **state)
{
	struct ft_store *store = create("crash");
	struct ft_store *faulty = NULL;
	struct ft_store_faults faults = {.crash_before_commit = 1};
	struct ft_error err;

	assert_int_equal(ft_store_faulty_wrap(&faulty, store, &faults, &err), 0);
	assert_int_equal(ft_store_begin(faulty, &err), 0);
	assert_int_equal(ft_store_exec(faulty, "INSERT INTO labels (name) VALUES ('a')", &err), 0);
	assert_int_equal(ft_store_commit(faulty, &err), FT_EDB);
	assert_false(ft_store_in_transaction(faulty));
	ft_store_close(faulty);
	store = NULL;
	assert_int_equal(ft_store_open(&store, path_buf, 0, &err), 0);
	assert_int_equal(count_rows(store, "SELECT COUNT(*) FROM labels"), 0);
	ft_store_close(store);
}

static void test_amounts_round_trip_exactly(void **state)
{
	static const char *const texts[] = {
		"0", "0.000000000001", "-0.000000000001", "15", "99.999999999999",
		"170141183460469231731.687303715884", /* large, 12 fractional digits */
		"-170141183460469231731.687303715884", "1234567.89",
	};
	struct ft_store *store = create("amounts");
	struct ft_stmt *ins = NULL, *sel = NULL;
	struct ft_error err;
	ft_amount in[sizeof(texts) / sizeof(texts[0]) + 16], back;
	uint64_t seed = testutil_seed(), rs = seed;
	size_t n = 0, i;

	assert_int_equal(ft_store_exec(store, "CREATE TABLE money_test (i INTEGER, v TEXT)", &err),
			 0);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		assert_int_equal(ft_amount_parse(&in[n++], texts[i], strlen(texts[i]), &err), 0);
	for (i = 0; i < 16; i++) {
		ft_amount a = (ft_amount)testutil_rand(&rs) << 40;

		a ^= (ft_amount)testutil_rand(&rs);
		in[n++] = (i & 1) ? -a : a;
	}
	assert_int_equal(ft_store_begin(store, &err), 0);
	assert_int_equal(
	    ft_store_prepare(store, &ins, "INSERT INTO money_test VALUES (?, ?)", &err), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(ft_stmt_bind_int64(ins, 1, (int64_t)i, &err), 0);
		assert_int_equal(ft_stmt_bind_amount(ins, 2, in[i], &err), 0);
		assert_int_equal(ft_stmt_step(ins, &err), 0);
		assert_int_equal(ft_stmt_reset(ins, &err), 0);
	}
	ft_stmt_free(ins);
	assert_int_equal(ft_store_commit(store, &err), 0);
	assert_int_equal(
		ft_store_prepare(store, &sel, "SELECT i, v FROM money_test ORDER BY i", &err), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(ft_stmt_step(sel, &err), 1);
		assert_int_equal(ft_stmt_column_amount(sel, 1, &back, &err), 0);
		if (back != in[i])
			fail_msg("amount %zu did not round-trip (seed %llu)", i,
				 (unsigned long long)seed);
	}
	assert_int_equal(ft_stmt_step(sel, &err), 0);
	ft_stmt_free(sel);
	ft_store_close(store);
}

static void test_corrupted_amount_column_is_an_error(void **state)
{
	struct ft_store *store = create("badamount");
	struct ft_stmt *st = NULL;
	struct ft_error err;
	ft_amount a;

	assert_int_equal(ft_store_prepare(store, &st, "SELECT '12.5e3', NULL", &err), 0);
	assert_int_equal(ft_stmt_step(st, &err), 1);
	assert_int_equal(ft_stmt_column_amount(st, 0, &a, &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "'12.5e3' is not an exact decimal"));
	assert_true(ft_stmt_column_is_null(st, 1));
	assert_null(ft_stmt_column_text(st, 1));
	assert_int_equal(ft_stmt_column_amount(st, 1, &a, &err), FT_EINVAL);
	ft_stmt_free(st);
	ft_store_close(store);
}

static void test_foreign_keys_are_enforced(void **state)
{
	struct ft_store *store = create("fk");
	struct ft_error err;

	assert_int_equal(ft_store_exec(store,
				       "INSERT INTO release_tracks VALUES ('00000000000000', 1, 1, "
				       "'GBXXX2600001')",
				       &err),
			 FT_ECONFLICT);
	ft_store_close(store);
}

/* A ledger at version 0 (schema table, nothing else): opening it applies every migration. */
static void test_older_ledger_is_migrated_on_open(void **state)
{
	struct ft_store *store = create("older");
	struct ft_stmt *st = NULL;
	struct ft_error err;
	char names[64][64], sql[256];
	int n = 0, i;

	assert_int_equal(ft_store_prepare(store, &st,
					  "SELECT name FROM sqlite_master WHERE type = 'table' "
					  "AND name <> 'ft_schema'",
					  &err),
			 0);
	while (n < 64 && ft_stmt_step(st, &err) == 1)
		snprintf(names[n++], sizeof(names[0]), "%s", ft_stmt_column_text(st, 0));
	ft_stmt_free(st);
	assert_true(n > 0);
	assert_int_equal(ft_store_exec(store, "PRAGMA foreign_keys=OFF", &err), 0);
	for (i = 0; i < n; i++) {
		snprintf(sql, sizeof(sql), "DROP TABLE %.63s", names[i]);
		assert_int_equal(ft_store_exec(store, sql, &err), 0);
	}
	assert_int_equal(ft_store_exec(store, "DELETE FROM ft_schema", &err), 0);
	ft_store_close(store);
	store = NULL;
	assert_int_equal(ft_store_open(&store, path_buf, 0, &err), 0);
	assert_int_equal(ft_store_schema_version(store), ft_store_schema_latest());
	assert_int_equal(count_rows(store, "SELECT COUNT(*) FROM ft_schema"),
			 ft_store_schema_latest());
	assert_int_equal(count_rows(store, "SELECT COUNT(*) FROM sqlite_master WHERE type = "
					   "'table' AND name <> 'ft_schema'"),
			 n);
	ft_store_close(store);
}

static void test_migrations_are_numbered_without_gaps(void **state)
{
	/* Checked through the public view: a fresh ledger records exactly the
	 * versions 1..latest, one row each. */
	struct ft_store *store = create("numbering");

	assert_int_equal(count_rows(store, "SELECT COUNT(DISTINCT version) FROM ft_schema"),
			 ft_store_schema_latest());
	assert_int_equal(count_rows(store, "SELECT MIN(version) FROM ft_schema"), 1);
	ft_store_close(store);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_then_reopen_keeps_schema),
		cmocka_unit_test(test_create_refuses_existing_file),
		cmocka_unit_test(test_open_missing_is_not_found),
		cmocka_unit_test(test_postgres_location_is_a_clear_usage_error),
		cmocka_unit_test(test_newer_schema_is_refused),
		cmocka_unit_test(test_text_file_is_not_a_ledger),
		cmocka_unit_test(test_foreign_sqlite_database_is_not_a_ledger),
		cmocka_unit_test(test_rollback_leaves_nothing),
		cmocka_unit_test(test_close_with_open_transaction_rolls_back),
		cmocka_unit_test(test_bound_text_is_data_not_syntax),
		cmocka_unit_test(test_faulty_store_fails_nth_write_and_nothing_is_left),
		cmocka_unit_test(test_crash_before_commit_keeps_nothing),
		cmocka_unit_test(test_amounts_round_trip_exactly),
		cmocka_unit_test(test_corrupted_amount_column_is_an_error),
		cmocka_unit_test(test_foreign_keys_are_enforced),
		cmocka_unit_test(test_older_ledger_is_migrated_on_open),
		cmocka_unit_test(test_migrations_are_numbered_without_gaps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
