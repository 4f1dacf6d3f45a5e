/* test_contract_overlap.c — two contracts claiming the same track, territory
 * and month (ft_contract_overlap_check, docs/CONTRACTS.md "Overlapping
 * contracts"), over a small catalogue answered by callbacks. */
#include "testutil.h"

#include "fairtrack/contract.h"

/*
 * The catalogue: release R1 holds T1 and T2, the compilation R2 holds T2
 * and T3.  ann is the first main artist of T1 and T2, bo of T3 (the
 * ledger's query answers "first main artist"; here it is the table).
 */
#define T1 "GBAAA2600001"
#define T2 "GBAAA2600002"
#define T3 "GBAAA2600003"
#define R1 "05060000000016"
#define R2 "05060000000023"

static const char *const release_rows[][2] = {{R1, T1}, {R1, T2}, {R2, T2}, {R2, T3}};
static const char *const first_main_rows[][2] = {{"ann", T1}, {"ann", T2}, {"bo", T3}};
static int catalogue_calls;

static int emit_matching(const char *const rows[][2], size_t n, const char *key,
			 ft_contract_track_fn emit, void *emit_ctx)
{
	size_t i;
	int rc = 0;

	catalogue_calls++;
	for (i = 0; !rc && i < n; i++)
		if (!strcmp(rows[i][0], key))
			rc = emit(emit_ctx, rows[i][1]);
	return rc;
}

static int release_tracks(void *ctx, const char *gtin14, ft_contract_track_fn emit, void *emit_ctx,
			  struct ft_error *err)
{
	(void)ctx;
	(void)err;
	return emit_matching(release_rows, sizeof(release_rows) / sizeof(release_rows[0]), gtin14,
			     emit, emit_ctx);
}

static int artist_tracks(void *ctx, const char *artist_id, ft_contract_track_fn emit,
			 void *emit_ctx, struct ft_error *err)
{
	(void)ctx;
	(void)err;
	return emit_matching(first_main_rows, sizeof(first_main_rows) / sizeof(first_main_rows[0]),
			     artist_id, emit, emit_ctx);
}

static int failing_release_tracks(void *ctx, const char *gtin14, ft_contract_track_fn emit,
				  void *emit_ctx, struct ft_error *err)
{
	(void)ctx;
	(void)gtin14;
	(void)emit;
	(void)emit_ctx;
	return ft_error_set(err, FT_EDB, "catalogue unavailable");
}

static const struct ft_contract_catalog catalogue = {release_tracks, artist_tracks, NULL};

/*
 * A contract from a few lines: type, one payee, the scope lines (tracks,
 * releases, artists, territories, start, end as YAML under "scope:").
 * Parsed as file "<id>.yaml"; fails the test if it does not parse.
 */
static void contract(struct ft_contract *out, const char *id, const char *type, const char *payee,
		     const char *scope)
{
	char text[2048], file[80];
	struct ft_contract *list = NULL;
	struct ft_error err;
	size_t n = 0;
	const char *terms = "";

	if (!strcmp(type, "royalty") || !strcmp(type, "license"))
		terms = "rates:\n  - rate: 10%\n";
	else if (!strcmp(type, "distribution"))
		terms = "fee: 20%\n";
	snprintf(text, sizeof(text),
		 "id: %s\ntype: %s\ncurrency: EUR\nfrequency: monthly\n%s"
		 "payees:\n  - id: %s\n    share: 100%%\nscope:\n%s",
		 id, type, terms, payee, scope);
	snprintf(file, sizeof(file), "contracts/%s.yaml", id);
	if (ft_contract_parse(&list, &n, text, strlen(text), file, NULL, &err))
		fail_msg("%s", err.message);
	assert_int_equal(n, 1);
	assert_int_equal(ft_contract_copy(out, &list[0], &err), 0);
	ft_contract_array_free(list, n);
}

/* Check incoming [a, b] (nothing stored); returns the code, fills err. */
static int check_two(struct ft_contract two[2], struct ft_error *err)
{
	int rc;

	ft_error_clear(err);
	rc = ft_contract_overlap_check(NULL, 0, two, 2, &catalogue, err);
	ft_contract_clear(&two[0]);
	ft_contract_clear(&two[1]);
	return rc;
}

static void assert_contains(const char *message, const char *part)
{
	if (!strstr(message, part))
		fail_msg("'%s' not in message: %s", part, message);
}

static void test_producer_points_stack_on_the_artist_deal(void **state)
{
	struct ft_contract c[2];
	struct ft_error err;

	(void)state;
	contract(&c[0], "ann-recording", "royalty", "ann",
		 "  artists: [ann]\n  start: 2026-01-01\n");
	contract(&c[1], "mo-producer", "royalty", "mo",
		 "  tracks: [" T1 "]\n  start: 2026-01-01\n");
	assert_int_equal(check_two(c, &err), 0);
	/* and a royalty on top of a distribution deal, paying someone else */
	contract(&c[0], "ann-distribution", "distribution", "ann",
		 "  releases: [\"5060000000016\"]\n  start: 2026-01-01\n");
	contract(&c[1], "mo-producer", "royalty", "mo",
		 "  tracks: [" T1 "]\n  start: 2026-01-01\n");
	assert_int_equal(check_two(c, &err), 0);
}

static void test_same_payee_on_two_overlapping_contracts_is_refused(void **state)
{
	struct ft_contract c[2];
	struct ft_error err;

	(void)state;
	contract(&c[0], "ann-recording", "royalty", "ann",
		 "  artists: [ann]\n  territories: WW\n  start: 2026-01-01\n");
	contract(&c[1], "ann-points", "royalty", "ann",
		 "  tracks: [" T3 ", " T2 "]\n  territories: GB\n  start: 2026-03-01\n");
	assert_int_equal(check_two(c, &err), FT_ECONFLICT);
	/* the later file, its field, both ids, the track, a territory, the date */
	assert_string_equal(err.file, "contracts/ann-points.yaml");
	assert_string_equal(err.field, "scope.tracks[2]");
	assert_contains(err.message,
			"contracts/ann-points.yaml:1: scope.tracks[2]: "
			"contract 'ann-points' claims track " T2 " in GB from "
			"2026-03-01, which contract 'ann-recording' "
			"(contracts/ann-recording.yaml, scope.artists[1]) already claims");
	assert_contains(err.message, "both pay 'ann'");
}

static void test_two_exclusive_deals_on_one_track_are_refused(void **state)
{
	static const char *const types[][2] = {{"distribution", "distribution"},
					       {"distribution", "license"},
					       {"license", "profit_split"},
					       {"profit_split", "profit_split"}};
	struct ft_contract c[2];
	struct ft_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		contract(&c[0], "first", types[i][0], "label-a",
			 "  tracks: [" T1 "]\n  start: 2026-01-01\n");
		contract(&c[1], "second", types[i][1], "label-b",
			 "  tracks: [" T1 "]\n  start: 2025-01-01\n  end: 2026-01-31\n");
		assert_int_equal(check_two(c, &err), FT_ECONFLICT);
		assert_contains(err.message, "contract 'second' claims track " T1
					     " in WW from 2026-01-01, which contract 'first'");
		assert_contains(err.message, "only one distribution, license or profit_split");
	}
}

static void test_disjoint_territories_do_not_overlap(void **state)
{
	struct ft_contract c[2];
	struct ft_error err;

	(void)state;
	contract(&c[0], "world", "distribution", "a",
		 "  tracks: [" T1 "]\n  territories: WW -US\n  start: 2026-01-01\n");
	contract(&c[1], "us", "distribution", "b",
		 "  tracks: [" T1 "]\n  territories: US\n  start: 2026-01-01\n");
	assert_int_equal(check_two(c, &err), 0);
	/* one territory in common is enough, and it is named */
	contract(&c[0], "world", "distribution", "a",
		 "  tracks: [" T1 "]\n  territories: WW -US\n  start: 2026-01-01\n");
	contract(&c[1], "north-america", "distribution", "b",
		 "  tracks: [" T1 "]\n  territories: US CA\n  start: 2026-01-01\n");
	assert_int_equal(check_two(c, &err), FT_ECONFLICT);
	assert_contains(err.message, "in CA from 2026-01-01");
	/* a large common set is named by its first code and a count */
	contract(&c[0], "world", "distribution", "a",
		 "  tracks: [" T1 "]\n  territories: WW -US\n  start: 2026-01-01\n");
	contract(&c[1], "europe", "license", "b",
		 "  tracks: [" T1 "]\n  territories: GB IE FR DE ES IT NL BE PT AT CH\n"
		 "  start: 2026-01-01\n");
	assert_int_equal(check_two(c, &err), FT_ECONFLICT);
	assert_contains(err.message, "in AT and 10 other territories from");
}

static void test_disjoint_dates_do_not_overlap(void **state)
{
	struct ft_contract c[2];
	struct ft_error err;

	(void)state;
	contract(&c[0], "old-deal", "distribution", "a",
		 "  tracks: [" T1 "]\n  start: 2024-01-01\n  end: 2026-06-30\n");
	contract(&c[1], "new-deal", "distribution", "b",
		 "  tracks: [" T1 "]\n  start: 2026-07-01\n");
	assert_int_equal(check_two(c, &err), 0);
	/* the new deal before the old one, open-ended: still apart */
	contract(&c[0], "new-deal", "distribution", "b",
		 "  tracks: [" T1 "]\n  start: 2026-07-01\n");
	contract(&c[1], "old-deal", "distribution", "a",
		 "  tracks: [" T1 "]\n  start: 2024-01-01\n  end: 2026-06-30\n");
	assert_int_equal(check_two(c, &err), 0);
	/* an open end meets any later start */
	contract(&c[0], "old-deal", "distribution", "a",
		 "  tracks: [" T1 "]\n  start: 2024-01-01\n");
	contract(&c[1], "new-deal", "distribution", "b",
		 "  tracks: [" T1 "]\n  start: 2030-07-01\n");
	assert_int_equal(check_two(c, &err), FT_ECONFLICT);
	assert_contains(err.message, "from 2030-07-01");
}

/* A run covers whole months: days apart in one month still overlap. */
static void test_dates_in_the_same_month_overlap(void **state)
{
	struct ft_contract c[2];
	struct ft_error err;

	(void)state;
	contract(&c[0], "old-deal", "distribution", "a",
		 "  tracks: [" T1 "]\n  start: 2024-01-01\n  end: 2026-06-15\n");
	contract(&c[1], "new-deal", "distribution", "b",
		 "  tracks: [" T1 "]\n  start: 2026-06-16\n");
	assert_int_equal(check_two(c, &err), FT_ECONFLICT);
	assert_contains(err.message, "from 2026-06-16 (contract 'old-deal' ends 2026-06-15, and a "
				     "run covers whole months)");
}

static void test_release_scope_meets_track_scope(void **state)
{
	struct ft_contract c[2];
	struct ft_error err;

	(void)state;
	/* T2 is on R1: a track contract and a release contract meet on it */
	contract(&c[0], "album-deal", "distribution", "a",
		 "  releases: [\"5060000000016\"]\n  start: 2026-01-01\n");
	contract(&c[1], "track-deal", "license", "b", "  tracks: [" T2 "]\n  start: 2026-01-01\n");
	assert_int_equal(check_two(c, &err), FT_ECONFLICT);
	assert_string_equal(err.field, "scope.tracks[1]");
	assert_contains(err.message,
			"contract 'track-deal' claims track " T2
			" in WW from 2026-01-01, which contract 'album-deal' "
			"(contracts/album-deal.yaml, scope.releases[1]) already claims");
	/* the other way round the release is named */
	contract(&c[0], "track-deal", "license", "b", "  tracks: [" T2 "]\n  start: 2026-01-01\n");
	contract(&c[1], "album-deal", "distribution", "a",
		 "  releases: [\"5060000000016\"]\n  start: 2026-01-01\n");
	assert_int_equal(check_two(c, &err), FT_ECONFLICT);
	assert_contains(err.message, "scope.releases[1]: contract 'album-deal' claims track " T2
				     " (on release " R1 ") in WW");
	/* a line has one release: deals on the album and on the compilation
	 * that share T2 never claim the same line */
	contract(&c[0], "album-deal", "distribution", "a",
		 "  releases: [\"5060000000016\"]\n  start: 2026-01-01\n");
	contract(&c[1], "compilation-deal", "distribution", "b",
		 "  releases: [\"5060000000023\"]\n  start: 2026-01-01\n");
	assert_int_equal(check_two(c, &err), 0);
	/* the same release twice does */
	contract(&c[0], "album-deal", "distribution", "a",
		 "  releases: [\"5060000000016\"]\n  start: 2026-01-01\n");
	contract(&c[1], "again", "distribution", "b",
		 "  releases: [\"5060000000023\", \"5060000000016\"]\n  start: 2026-01-01\n");
	assert_int_equal(check_two(c, &err), FT_ECONFLICT);
	assert_string_equal(err.field, "scope.releases[2]");
}

static void test_artist_scope_claims_the_tracks_of_the_first_main_artist(void **state)
{
	struct ft_contract c[2];
	struct ft_error err;

	(void)state;
	contract(&c[0], "bo-deal", "distribution", "bo", "  artists: [bo]\n  start: 2026-01-01\n");
	contract(&c[1], "t3-license", "license", "x", "  tracks: [" T3 "]\n  start: 2026-01-01\n");
	assert_int_equal(check_two(c, &err), FT_ECONFLICT);
	assert_contains(err.message, "which contract 'bo-deal' (contracts/bo-deal.yaml, "
				     "scope.artists[1]) already claims");
	/* bo is not the first main artist of T1: it is not hers */
	contract(&c[0], "bo-deal", "distribution", "bo", "  artists: [bo]\n  start: 2026-01-01\n");
	contract(&c[1], "t1-license", "license", "x", "  tracks: [" T1 "]\n  start: 2026-01-01\n");
	assert_int_equal(check_two(c, &err), 0);
	/* two artist deals meet on the artist's tracks */
	contract(&c[0], "ann-a", "profit_split", "ann", "  artists: [ann]\n  start: 2026-01-01\n");
	contract(&c[1], "ann-b", "royalty", "ann", "  artists: [bo, ann]\n  start: 2026-01-01\n");
	assert_int_equal(check_two(c, &err), FT_ECONFLICT);
	assert_contains(err.message,
			"scope.artists[2]: contract 'ann-b' claims track " T1 " (by artist 'ann')");
}

/* Stored contracts count, except one being replaced; two stored ones that
 * already overlap are not the import's business. */
static void test_stored_contracts_are_checked_unless_replaced(void **state)
{
	struct ft_contract stored[2], incoming[1];
	struct ft_error err;

	(void)state;
	contract(&stored[0], "dist", "distribution", "a",
		 "  tracks: [" T1 "]\n  start: 2026-01-01\n");
	contract(&stored[1], "dist-too", "distribution", "b",
		 "  tracks: [" T1 "]\n  start: 2026-01-01\n");
	/* the incoming one touches neither: accepted */
	contract(&incoming[0], "other", "distribution", "c",
		 "  tracks: [" T3 "]\n  start: 2026-01-01\n");
	assert_int_equal(ft_contract_overlap_check(stored, 2, incoming, 1, &catalogue, &err), 0);
	ft_contract_clear(&incoming[0]);
	/* one claiming T1: refused against the stored ones */
	contract(&incoming[0], "third", "license", "c",
		 "  tracks: [" T1 "]\n  start: 2026-01-01\n");
	assert_int_equal(ft_contract_overlap_check(stored, 2, incoming, 1, &catalogue, &err),
			 FT_ECONFLICT);
	assert_contains(err.message, "contracts/third.yaml:1: scope.tracks[1]: contract 'third'");
	assert_contains(err.message,
			"which contract 'dist' (contracts/dist.yaml, scope.tracks[1])");
	ft_contract_clear(&incoming[0]);
	/* a new version of "dist" replaces it: only dist-too is left to meet */
	contract(&incoming[0], "dist", "distribution", "a",
		 "  tracks: [" T1 "]\n  start: 2026-01-01\n");
	assert_int_equal(ft_contract_overlap_check(stored, 1, incoming, 1, &catalogue, &err), 0);
	assert_int_equal(ft_contract_overlap_check(stored, 2, incoming, 1, &catalogue, &err),
			 FT_ECONFLICT);
	assert_contains(err.message, "contract 'dist' claims track " T1);
	assert_contains(err.message, "which contract 'dist-too'");
	ft_contract_clear(&incoming[0]);
	ft_contract_clear(&stored[0]);
	ft_contract_clear(&stored[1]);
}

static void test_catalogue_errors_are_passed_on(void **state)
{
	static const struct ft_contract_catalog broken = {failing_release_tracks, artist_tracks,
							  NULL};
	struct ft_contract c[1];
	struct ft_error err;

	(void)state;
	contract(&c[0], "album-deal", "distribution", "a",
		 "  releases: [\"5060000000016\"]\n  start: 2026-01-01\n");
	assert_int_equal(ft_contract_overlap_check(NULL, 0, c, 1, &broken, &err), FT_EDB);
	assert_string_equal(err.message, "catalogue unavailable");
	ft_contract_clear(&c[0]);
}

/* Each scope entry is expanded once, not once per pair of contracts. */
static void test_each_scope_entry_is_expanded_once(void **state)
{
	struct ft_contract c[40];
	struct ft_error err;
	size_t i;

	(void)state;
	for (i = 0; i < 40; i++) {
		char id[16], payee[16];

		snprintf(id, sizeof(id), "p%02zu", i);
		snprintf(payee, sizeof(payee), "producer-%02zu", i);
		contract(
		    &c[i], id, "royalty", payee,
		    "  artists: [ann]\n  releases: [\"5060000000023\"]\n  start: 2026-01-01\n");
	}
	catalogue_calls = 0;
	assert_int_equal(ft_contract_overlap_check(NULL, 0, c, 40, &catalogue, &err), 0);
	assert_int_equal(catalogue_calls, 80);
	for (i = 0; i < 40; i++)
		ft_contract_clear(&c[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_producer_points_stack_on_the_artist_deal),
	    cmocka_unit_test(test_same_payee_on_two_overlapping_contracts_is_refused),
	    cmocka_unit_test(test_two_exclusive_deals_on_one_track_are_refused),
	    cmocka_unit_test(test_disjoint_territories_do_not_overlap),
	    cmocka_unit_test(test_disjoint_dates_do_not_overlap),
	    cmocka_unit_test(test_dates_in_the_same_month_overlap),
	    cmocka_unit_test(test_release_scope_meets_track_scope),
	    cmocka_unit_test(test_artist_scope_claims_the_tracks_of_the_first_main_artist),
	    cmocka_unit_test(test_stored_contracts_are_checked_unless_replaced),
	    cmocka_unit_test(test_catalogue_errors_are_passed_on),
	    cmocka_unit_test(test_each_scope_entry_is_expanded_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
