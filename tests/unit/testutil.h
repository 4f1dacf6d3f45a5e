/* Shared helpers for cmocka unit tests. */
#ifndef FAIRTRACK_TESTUTIL_H
#define FAIRTRACK_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fairtrack/money.h"
#include "fairtrack/period.h"
#include "fairtrack/store.h"

/* Seed for property tests: FAIRTRACK_SEED from the environment, else fixed,
 * printed so a failure can be replayed. */
/* The catalogue most ledger tests start from: a distributor "dist" with a
 * 10 % fee, the artist Ann and her single "R" with one track, GBAAA2600001. */
#define TESTUTIL_ANN_CATALOGUE_SQL                                                                 \
	"INSERT INTO partners VALUES ('dist', 'Dist', 'distributor', 'WW', '10', 'USD');"          \
	"INSERT INTO artists VALUES ('ann', 'Ann', 'person', 'GB');"                               \
	"INSERT INTO releases (gtin14, upc, title, artist_id, format, release_date) "              \
	" VALUES ('05012340001130', '501234000113', 'R', 'ann', 'single', '2026-01-01');"          \
	"INSERT INTO tracks VALUES ('GBAAA2600001', 'T', 200);"                                    \
	"INSERT INTO release_tracks VALUES ('05012340001130', 1, 1, 'GBAAA2600001');"              \
	"INSERT INTO track_artists VALUES ('GBAAA2600001', 'main', 1, 'ann');"

static inline uint64_t testutil_seed(void)
{
	const char *s = getenv("FAIRTRACK_SEED");
	uint64_t seed = s ? strtoull(s, NULL, 10) : 20261125u;
	fprintf(stderr, "# seed %llu (set FAIRTRACK_SEED to replay)\n", (unsigned long long)seed);
	return seed;
}

/* xorshift64*: small, seeded, good enough for test data. */
static inline uint64_t testutil_rand(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 2685821657736338717ULL;
}

/* A scratch directory for the test binary (created, not emptied). */
static inline const char *testutil_tmpdir(void)
{
	static char dir[512];
	const char *base = getenv("FAIRTRACK_TEST_TMP");
	snprintf(dir, sizeof(dir), "%s/unit", base ? base : "/tmp/fairtrack-test");
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
	if (system(cmd) != 0)
		return "/tmp";
	return dir;
}

/* An exact amount from its decimal text; the test fails on text that does
 * not parse. */
static inline ft_amount testutil_amount(const char *s)
{
	ft_amount a = 0;

	assert_int_equal(ft_amount_parse(&a, s, strlen(s), NULL), 0);
	return a;
}

/* Fail, showing both, unless got is exactly the amount want spells. */
static inline void testutil_assert_amount(ft_amount got, const char *want)
{
	char buf[FT_AMOUNT_STR_MAX];

	ft_amount_format(buf, sizeof(buf), got, 0);
	if (got != testutil_amount(want))
		fail_msg("amount %s, expected %s", buf, want);
}

/* Write text to dir/name; the path is valid for the next 7 calls. */
static inline const char *testutil_write_file(const char *dir, const char *name, const char *text)
{
	static char path[8][800];
	static int next;
	char *p = path[next++ % 8];
	FILE *f;

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

/* A period from its text ("2026-10", "2026-Q4"); the test fails otherwise. */
static inline struct ft_period testutil_period(const char *text)
{
	struct ft_period p;

	assert_int_equal(ft_period_parse(&p, text, strlen(text), NULL), 0);
	return p;
}

/* The one integer a query of the ledger at location answers (a count). */
static inline int64_t testutil_count(const char *location, const char *sql)
{
	struct ft_store *store = NULL;
	struct ft_stmt *st = NULL;
	int64_t n;

	assert_int_equal(ft_store_open(&store, location, 0, NULL), 0);
	assert_int_equal(ft_store_prepare(store, &st, sql, NULL), 0);
	assert_int_equal(ft_stmt_step(st, NULL), 1);
	n = ft_stmt_column_int64(st, 0);
	ft_stmt_free(st);
	ft_store_close(store);
	return n;
}

#endif
