/* test_line_block.c — royalty lines packed in blocks (src/ledger/line_block.h):
 * the codec round-trips every value a line can hold, refuses damaged bytes
 * with a message, and the sink and migration 12 keep every line, in order. */
#include "ledger/line_block.h"
#include "testlines.h"
#include "testutil.h"

#include "fairtrack/store.h"

static ft_amount amount_max(void)
{
	return (ft_amount)(((unsigned __int128)1 << 127) - 1);
}

/* A random line, often at the edges of its fields' ranges. */
static struct line_rec random_line(uint64_t *rng, int64_t posting, int64_t seq)
{
	struct line_rec r;
	uint64_t x = testutil_rand(rng);

	memset(&r, 0, sizeof(r));
	r.posting = posting;
	r.seq = seq;
	switch (x % 5) {
	case 0:
		r.usage_id = 0;
		break;
	case 1:
		r.usage_id = INT64_MAX;
		break;
	case 2:
		r.usage_id = INT64_MIN;
		break;
	default:
		r.usage_id = (int64_t)(testutil_rand(rng) % 100000000);
		break;
	}
	r.income_id = (x >> 8) % 3 == 0 ? (int64_t)(testutil_rand(rng) % 1000) + 1 : 0;
	r.rule = (int32_t)((x >> 12) % 7) - 1;
	r.tier = (x >> 16) % 4 == 0 ? INT32_MAX : (int32_t)((x >> 16) % 3);
	r.units = (x >> 20) % 9 == 0 ? INT64_MIN : (int64_t)(testutil_rand(rng) % 1000000) - 500;
	r.base =
	    (x >> 24) % 11 == 0 ? -amount_max() - 1 : (ft_amount)(int64_t)testutil_rand(rng) * 1000;
	r.rate = (x >> 28) % 2 ? testutil_amount("0.2") : (ft_amount)(testutil_rand(rng) % 5);
	r.royalty = (x >> 30) % 13 == 0 ? amount_max() : -(ft_amount)(testutil_rand(rng) % 99999);
	r.allocation = (x >> 34) % 2;
	r.allocated = r.allocation ? (ft_amount)(int64_t)testutil_rand(rng) : 0;
	return r;
}

static void assert_same_line(const struct line_rec *a, const struct line_rec *b)
{
	assert_int_equal(a->usage_id, b->usage_id);
	assert_int_equal(a->income_id, b->income_id);
	assert_int_equal(a->rule, b->rule);
	assert_int_equal(a->tier, b->tier);
	assert_int_equal(a->units, b->units);
	assert_true(a->base == b->base);
	assert_true(a->rate == b->rate);
	assert_true(a->royalty == b->royalty);
	assert_int_equal(a->allocation, b->allocation);
	assert_true(a->allocated == b->allocated);
}

static void test_round_trip_of_random_blocks(void **state)
{
	uint64_t rng = testutil_seed();
	struct line_rec *in = calloc(LINE_BLOCK_MAX, sizeof(*in));
	struct line_rec *out = calloc(LINE_BLOCK_MAX, sizeof(*out));
	uint8_t *buf = malloc(line_block_bound(LINE_BLOCK_MAX));
	struct ft_error err;
	int round;

	(void)state;
	assert_non_null(in);
	assert_non_null(out);
	assert_non_null(buf);
	for (round = 0; round < 300; round++) {
		size_t n = 1 + testutil_rand(&rng) % LINE_BLOCK_MAX, i, len;

		for (i = 0; i < n; i++)
			in[i] = random_line(&rng, 7, (int64_t)i);
		len = line_block_encode(buf, line_block_bound(n), in, n);
		assert_true(len > n && len <= line_block_bound(n));
		assert_int_equal(line_block_decode(buf, len, n, out, &err), 0);
		for (i = 0; i < n; i++)
			assert_same_line(&in[i], &out[i]);
		/* One line fewer or more than the block holds is refused. */
		if (n > 1)
			assert_int_equal(line_block_decode(buf, len, n - 1, out, &err), FT_EINVAL);
		if (n < LINE_BLOCK_MAX)
			assert_int_equal(line_block_decode(buf, len, n + 1, out, &err), FT_EINVAL);
		/* Every truncation is refused. */
		assert_int_equal(
		    line_block_decode(buf, len - 1 - testutil_rand(&rng) % (len - 1), n, out, &err),
		    FT_EINVAL);
	}
	assert_int_equal(line_block_encode(buf, line_block_bound(1) - 1, in, 1), 0);
	assert_int_equal(
	    line_block_encode(buf, line_block_bound(LINE_BLOCK_MAX + 1), in, LINE_BLOCK_MAX + 1),
	    0);
	free(in);
	free(out);
	free(buf);
}

/* A typical line (usage row, a rule, an amount of a few thousandths) packs in
 * about 20 bytes: the reason for blocks. */
static void test_typical_lines_are_small(void **state)
{
	struct line_rec in[100];
	uint8_t buf[1 + 100 * 200];
	size_t i, len;

	(void)state;
	for (i = 0; i < 100; i++) {
		memset(&in[i], 0, sizeof(in[i]));
		in[i].usage_id = 12000000 + (int64_t)i * 3;
		in[i].rule = 2;
		in[i].units = 1234;
		in[i].base = testutil_amount("4.123456789012");
		in[i].rate = testutil_amount("0.18");
		in[i].royalty = testutil_amount("0.742222222022");
	}
	len = line_block_encode(buf, sizeof(buf), in, 100);
	assert_true(len > 100 * 10);
	assert_true(len < 100 * 24);
}

static void test_damaged_blocks_are_refused_with_a_message(void **state)
{
	static const struct {
		const char *bytes;
		size_t len, n;
		const char *says;
	} cases[] = {
	    {"", 0, 1, "not format 1"},
	    {"\x02\x00\x00\x00\x00", 5, 1, "not format 1"},
	    {"\x01\x40\x00\x00\x00", 5, 1, "line 1: unknown flags"},
	    {"\x01\x00\x00\x00", 4, 1, "line 1: royalty"},
	    {"\x01\x00\x00\x00\x00\x00", 6, 1, "1 bytes after its 1 lines"},
	    {"\x01\x00\x00\x00\x00", 5, 2, "line 2: missing"},
	    /* units: an eleven-byte varint overflows 64 bits */
	    {"\x01\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\x00\x00", 15, 1,
	     "line 1: units"},
	    /* tier past INT32_MAX */
	    {"\x01\x08\xff\xff\xff\xff\x0f\x00\x00\x00", 10, 1, "line 1: tier"},
	    {"\x01\x00\x00\x00\x00", 5, 0, "0 lines"},
	};
	struct line_rec out[2];
	struct ft_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
		    line_block_decode(cases[i].bytes, cases[i].len, cases[i].n, out, &err),
		    FT_EINVAL);
		if (!strstr(err.message, cases[i].says))
			fail_msg("case %zu: '%s' does not say '%s'", i, err.message, cases[i].says);
	}
	/* The smallest valid line: all zero. */
	assert_int_equal(line_block_decode("\x01\x00\x00\x00\x00", 5, 1, out, &err), 0);
	assert_int_equal(out[0].rule, -1);
	assert_int_equal(out[0].usage_id, 0);
}

static char ledger_path[4200];

static struct ft_store *fresh_ledger(const char *name)
{
	struct ft_store *store = NULL;
	struct ft_error err;

	snprintf(ledger_path, sizeof(ledger_path), "%s/line_block-%s.db", testutil_tmpdir(), name);
	remove(ledger_path);
	if (ft_store_open(&store, ledger_path, FT_STORE_CREATE, &err))
		fail_msg("%s", err.message);
	return store;
}

/* On the test's own connection: the TEMP tables of testlines.h are its. */
static int64_t count_in(struct ft_store *store, const char *sql)
{
	struct ft_stmt *st = NULL;
	struct ft_error err;
	int64_t n;

	if (ft_store_prepare(store, &st, sql, &err))
		fail_msg("%s", err.message);
	assert_int_equal(ft_stmt_step(st, &err), 1);
	n = ft_stmt_column_int64(st, 0);
	ft_stmt_free(st);
	return n;
}

/*
 * Lines of many postings, interleaved as a run adds them, with one posting
 * past a block's size and a gap in another's seqs: every line comes back,
 * blocks hold consecutive seqs, and past the sink's memory bound (8 MiB)
 * open blocks are written early rather than held.
 */
static void test_sink_keeps_every_line_in_order(void **state)
{
	struct ft_store *store = fresh_ledger("sink");
	struct line_block_sink *sink = NULL;
	struct ft_error err;
	struct line_rec r;
	int64_t p, i, lines = 0;

	(void)state;
	assert_int_equal(ft_store_begin(store, &err), 0);
	assert_int_equal(line_block_sink_open(&sink, store, "2026-10", &err), 0);
	/* 100 postings × 1,000 lines of ~100 bytes (every field at its
	 * widest), round robin: 10 MB, past the bound once. */
	memset(&r, 0, sizeof(r));
	r.income_id = INT64_MAX;
	r.rule = INT32_MAX - 1;
	r.tier = INT32_MAX;
	r.units = INT64_MIN;
	r.base = -amount_max() - 1;
	r.royalty = amount_max();
	r.allocation = true;
	r.allocated = amount_max();
	for (i = 0; i < 1000; i++)
		for (p = 1; p <= 100; p++) {
			r.posting = p;
			r.seq = p == 5 && i >= 10 ? i + 5 : i; /* posting 5: no seq 10..14 */
			r.usage_id = i % 2 ? INT64_MIN : INT64_MAX;
			r.rate = i % 2 ? amount_max() : -amount_max();
			assert_int_equal(line_block_sink_add(sink, &r, &err), 0);
			lines++;
		}
	memset(&r, 0, sizeof(r));
	r.posting = 1000;
	for (i = 0; i < 2 * LINE_BLOCK_MAX + 3; i++, lines++) {
		r.seq = i;
		r.usage_id = i + 1;
		assert_int_equal(line_block_sink_add(sink, &r, &err), 0);
	}
	assert_int_equal(line_block_sink_close(sink, &err), 0);
	assert_int_equal(ft_store_commit(store, &err), 0);
	assert_int_equal(count_in(store, "SELECT SUM(n) FROM royalty_line_blocks"), lines);
	/* No two blocks of a posting overlap. */
	assert_int_equal(count_in(store,
				  "SELECT COUNT(*) FROM royalty_line_blocks a JOIN "
				  "royalty_line_blocks b ON a.posting = b.posting AND "
				  "b.first_seq > a.first_seq AND b.first_seq < a.first_seq + a.n"),
			 0);
	assert_int_equal(
	    count_in(store, "SELECT COUNT(*) FROM royalty_line_blocks WHERE posting = 1000"), 3);
	/* Written early: each of the 100 postings fits one block (1,000 lines),
	 * posting 5 two (its gap); the bound split them. */
	assert_true(
	    count_in(store, "SELECT COUNT(*) FROM royalty_line_blocks WHERE posting < 1000") >=
	    150);
	testlines_unpack(store);
	assert_int_equal(
	    count_in(store, "SELECT COUNT(*) FROM temp.royalty_lines WHERE posting = 5 AND seq "
			    "BETWEEN 10 AND 14"),
	    0);
	assert_int_equal(
	    count_in(store, "SELECT COUNT(*) FROM temp.royalty_lines WHERE posting = 1000 AND "
			    "usage_id = seq + 1"),
	    2 * LINE_BLOCK_MAX + 3);
	ft_store_close(store);
}

/* Migration 12 packs migration 11's rows: a ledger with a royalty_lines
 * table of that shape gets the same lines in blocks, and the table goes. */
static void test_migration_packs_the_old_rows(void **state)
{
	struct ft_store *store = fresh_ledger("migrate");
	struct ft_error err;

	(void)state;
	assert_int_equal(
	    ft_store_exec(
		store,
		"CREATE TABLE royalty_lines (period TEXT NOT NULL, posting INTEGER NOT "
		"NULL, seq INTEGER NOT NULL, usage_id INTEGER, income_id INTEGER, rule "
		"INTEGER, tier INTEGER NOT NULL, units INTEGER NOT NULL, base TEXT NOT "
		"NULL, rate TEXT NOT NULL, royalty TEXT NOT NULL, allocated TEXT, PRIMARY "
		"KEY (period, posting, seq)) WITHOUT ROWID;"
		"INSERT INTO royalty_lines VALUES"
		" ('2026-09', 1, 0, 17, NULL, 0, 0, 3, '1.5', '0.2', '0.3', NULL),"
		" ('2026-09', 1, 1, 12, NULL, NULL, 2, -1, '-0.5', '0.2', '-0.1', NULL),"
		" ('2026-09', 2, 0, NULL, 4, 1, 0, 0, '3', '0.5', '1.5', '3'),"
		" ('2026-10', 1, 0, 99, NULL, 3, 1, 10, '10', '0.25', "
		"'2.500000000001', NULL);",
		&err),
	    0);
	assert_int_equal(ft_store_begin(store, &err), 0);
	assert_int_equal(line_block_migrate_rows(store, &err), 0);
	assert_int_equal(ft_store_commit(store, &err), 0);
	assert_int_equal(count_in(store, "SELECT COUNT(*) FROM sqlite_master WHERE name = "
					 "'royalty_lines'"),
			 0);
	assert_int_equal(count_in(store, "SELECT COUNT(*) FROM royalty_line_blocks"), 3);
	testlines_unpack(store);
	assert_int_equal(
	    count_in(store,
		     "SELECT COUNT(*) FROM temp.royalty_lines WHERE (period, posting, seq,"
		     " COALESCE(usage_id, -9), COALESCE(income_id, -9), COALESCE(rule, -9),"
		     " tier, units, base, rate, royalty, COALESCE(allocated, '-')) IN (VALUES"
		     " ('2026-09', 1, 0, 17, -9, 0, 0, 3, '1.5', '0.2', '0.3', '-'),"
		     " ('2026-09', 1, 1, 12, -9, -9, 2, -1, '-0.5', '0.2', '-0.1', '-'),"
		     " ('2026-10', 1, 0, 99, -9, 3, 1, 10, '10', '0.25', '2.500000000001', '-'))"),
	    3);
	assert_int_equal(
	    count_in(store,
		     "SELECT COUNT(*) FROM temp.royalty_lines WHERE period = '2026-09' AND "
		     "posting = 2 AND usage_id IS NULL AND income_id = 4 AND allocated = '3' "
		     "AND rule = 1 AND royalty = '1.5'"),
	    1);
	ft_store_close(store);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_of_random_blocks),
	    cmocka_unit_test(test_typical_lines_are_small),
	    cmocka_unit_test(test_damaged_blocks_are_refused_with_a_message),
	    cmocka_unit_test(test_sink_keeps_every_line_in_order),
	    cmocka_unit_test(test_migration_packs_the_old_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
