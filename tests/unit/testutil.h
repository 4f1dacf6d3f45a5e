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

/* Seed for property tests: FAIRTRACK_SEED from the environment, else fixed,
 * printed so a failure can be replayed. */
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

#endif
