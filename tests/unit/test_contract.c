/* test_contract.c — contract files: parsing, validation, export round trip, sets. */
#include "testutil.h"

#include <sys/stat.h>
#include <unistd.h>

#include "fairtrack/contract.h"

#define DATA "tests/data/contracts/"

static const char *minimal_head = "id: c1\n"
				  "type: royalty\n"
				  "currency: EUR\n"
				  "frequency: monthly\n";

/* Parse text as file "t.yaml"; returns the code, fills err. */
static int parse(const char *text, struct ft_contract **out, size_t *n, struct ft_error *err)
{
	ft_error_clear(err);
	return ft_contract_parse(out, n, text, strlen(text), "t.yaml", NULL, err);
}

/* A minimal valid royalty contract with `extra` appended (YAML text). */
static int parse_minimal(const char *payees, const char *rates, const char *extra,
			 struct ft_error *err)
{
	char text[4096];
	struct ft_contract *c = NULL;
	size_t n = 0;
	int rc;

	snprintf(text, sizeof(text),
		 "%s%s"
		 "scope:\n  tracks: [GBNLR2600001]\n  start: 2026-01-01\n"
		 "%s%s",
		 minimal_head, payees ? payees : "payees:\n  - id: a\n    share: 100%\n",
		 rates ? rates : "rates:\n  - rate: 18%\n", extra ? extra : "");
	rc = parse(text, &c, &n, err);
	ft_contract_array_free(c, n);
	return rc;
}

static ft_amount pct(int hundredths)
{
	return (ft_amount)hundredths * (FT_AMOUNT_ONE / 10000);
}

static void test_full_royalty_contract_parses_every_field(void **state)
{
	struct ft_contract_set set = {0};
	struct ft_error err;
	const struct ft_contract *c;
	size_t added;

	assert_int_equal(ft_contract_set_load(&set, DATA "royalty_full.yaml", NULL, &added, &err),
			 0);
	assert_int_equal(added, 1);
	c = ft_contract_set_find(&set, "wrens-recording-2026");
	assert_non_null(c);
	assert_string_equal(c->label, "Northern Lights Records");
	assert_int_equal(c->type, FT_CONTRACT_ROYALTY);
	assert_int_equal(c->base, FT_BASE_NET_RECEIPTS);
	assert_string_equal(c->currency, "EUR");
	assert_int_equal(c->minor_units, 2);
	assert_int_equal(c->frequency, FT_FREQ_HALF_YEARLY);
	assert_string_equal(c->cross_collateral, "wrens");
	assert_int_equal(c->n_payees, 4);
	assert_string_equal(c->payees[0].name, "Anna Kowalski");
	assert_true(c->payees[3].share == pct(2500));
	assert_int_equal(c->payees[1].line, 13);
	assert_int_equal(c->scope.n_tracks, 2);
	assert_string_equal(c->scope.tracks[0], "GBNLR2600001");
	assert_string_equal(c->scope.tracks[1], "GBNLR2600002");
	assert_string_equal(c->scope.releases[0], "05060000000016");
	assert_string_equal(c->scope.artists[0], "the-wrens");
	assert_true(ft_territory_set_contains(&c->scope.territories, "GB"));
	assert_false(ft_territory_set_contains(&c->scope.territories, "US"));
	assert_int_equal(c->scope.start, 20260101);
	assert_int_equal(c->scope.end, 20301231);
	assert_int_equal(c->n_rules, 4);
	assert_true(c->rules[0].any_territory);
	assert_true(c->rules[3].rate == pct(1900));
	assert_false(c->rules[2].any_territory);
	assert_int_equal(c->n_escalations, 2);
	assert_int_equal(c->escalations[1].units, 500000);
	assert_true(c->escalations[1].add == pct(400));
	assert_int_equal(c->n_advances, 2);
	assert_true(c->advances[0].amount == 10000 * FT_AMOUNT_ONE);
	assert_string_equal(c->advances[1].payee, "anna");
	assert_int_equal(c->n_costs, 1);
	assert_string_equal(c->costs[0].description, "Music video \"Glass\"");
	assert_true(c->costs[0].recoupable == pct(5000));
	assert_true(c->reserve_rate == pct(1000));
	assert_int_equal(c->reserve_periods, 2);
	ft_contract_set_clear(&set);
}

static void test_export_round_trips_to_an_equal_contract(void **state)
{
	struct ft_contract_set set = {0};
	struct ft_contract *back = NULL, *again = NULL;
	size_t n = 0, n2 = 0, len, len2;
	char *yaml = NULL, *yaml2 = NULL;
	struct ft_error err;
	size_t i;

	assert_int_equal(ft_contract_set_load(&set, DATA "royalty_full.yaml", NULL, NULL, &err), 0);
	assert_int_equal(ft_contract_set_load(&set, DATA "two_docs.yaml", NULL, NULL, &err), 0);
	assert_int_equal(set.n, 3);
	for (i = 0; i < set.n; i++) {
		assert_int_equal(ft_contract_to_yaml(&yaml, &len, &set.items[i], &err), 0);
		assert_int_equal(strlen(yaml), len);
		assert_int_equal(ft_contract_parse(&back, &n, yaml, len, "export", NULL, &err), 0);
		assert_int_equal(n, 1);
		assert_true(ft_contract_equal(&set.items[i], back));
		/* canonical: exporting the re-read contract gives the same text */
		assert_int_equal(ft_contract_to_yaml(&yaml2, &len2, back, &err), 0);
		assert_string_equal(yaml, yaml2);
		ft_contract_array_free(back, n);
		ft_contract_array_free(again, n2);
		back = again = NULL;
		free(yaml);
		free(yaml2);
	}
	ft_contract_set_clear(&set);
}

static void test_one_file_holds_several_contracts(void **state)
{
	struct ft_contract_set set = {0};
	struct ft_error err;
	const struct ft_contract *c;
	size_t added;

	assert_int_equal(ft_contract_set_load(&set, DATA "two_docs.yaml", NULL, &added, &err), 0);
	assert_int_equal(added, 2);
	c = ft_contract_set_find(&set, "split-tour-ep");
	assert_non_null(c);
	assert_int_equal(c->type, FT_CONTRACT_PROFIT_SPLIT);
	assert_int_equal(c->line, 14);
	assert_true(c->costs[0].recoupable == FT_AMOUNT_ONE); /* the default */
	ft_contract_set_clear(&set);
}

static void test_shares_not_summing_to_100_percent_are_refused(void **state)
{
	struct ft_contract_set set = {0};
	struct ft_error err;

	assert_int_equal(ft_contract_set_load(&set, DATA "bad_shares.yaml", NULL, NULL, &err),
			 FT_EINVAL);
	assert_string_equal(err.message,
			    DATA "bad_shares.yaml:6: payees: shares sum to 90%, not 100%");
	assert_string_equal(err.field, "payees");
	assert_int_equal(err.line, 6);
	assert_int_equal(set.n, 0);
}

static void test_unknown_field_is_an_error_naming_it(void **state)
{
	struct ft_contract_set set = {0};
	struct ft_error err;

	assert_int_equal(
	    ft_contract_set_load(&set, DATA "bad_unknown_field.yaml", NULL, NULL, &err), FT_EINVAL);
	assert_string_equal(err.message, DATA "bad_unknown_field.yaml:7: payees[1].shares: "
					      "unknown field in payee (known: id, name, share)");
	assert_int_equal(err.line, 7);
}

static void test_rate_out_of_range_suggests_the_percent_sign(void **state)
{
	struct ft_error err;

	assert_int_equal(parse_minimal(NULL, "rates:\n  - rate: 18\n", NULL, &err), FT_EINVAL);
	assert_string_equal(err.message, "t.yaml:12: rates[1].rate: 18 is out of range: it must be "
					 "from 0 to 100% (write '18%' or '0.18' for eighteen "
					 "percent)");
	assert_int_equal(parse_minimal(NULL, "rates:\n  - rate: -1%\n", NULL, &err), FT_EINVAL);
	assert_int_equal(parse_minimal(NULL, "rates:\n  - rate: 100%\n", NULL, &err), 0);
	assert_int_equal(parse_minimal(NULL, "rates:\n  - rate: 12.5%\n", NULL, &err), 0);
	/* a percentage beyond 10 decimals cannot be held exactly: refused */
	assert_int_equal(parse_minimal(NULL, "rates:\n  - rate: 0.00000000001%\n", NULL, &err),
			 FT_EINVAL);
	assert_non_null(strstr(err.message, "more than 10 decimal places"));
	assert_int_equal(parse_minimal(NULL, "rates:\n  - rate: 18,5%\n", NULL, &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "rates[1].rate"));
}

static void test_bad_dates_currencies_and_territories_name_the_field(void **state)
{
	struct ft_error err;
	char text[512];
	struct ft_contract *c = NULL;
	size_t n = 0;

	assert_int_equal(
	    parse_minimal(NULL, NULL, "advances:\n  - amount: 5\n    date: 2026-02-30\n", &err),
	    FT_EINVAL);
	assert_string_equal(
	    err.message,
	    "t.yaml:15: advances[1].date: date '2026-02-30': 2026-02 has only 28 days");
	assert_string_equal(err.field, "advances[1].date");
	assert_int_equal(
	    parse_minimal(NULL, NULL, "advances:\n  - amount: 5\n    date: 2026-1-3\n", &err),
	    FT_EINVAL);
	assert_non_null(strstr(err.message, "expected YYYY-MM-DD"));
	assert_int_equal(parse_minimal(NULL, NULL,
				       "costs:\n  - amount: 5\n    currency: USX\n    date: "
				       "2026-01-02\n",
				       &err),
			 FT_EINVAL);
	assert_non_null(strstr(err.message, "t.yaml:15: costs[1].currency: "));
	assert_int_equal(parse_minimal(NULL,
				       "rates:\n  - rate: 5%\n  - rate: 6%\n    territory: GB XX\n",
				       NULL, &err),
			 FT_EINVAL);
	assert_non_null(strstr(err.message, "t.yaml:14: rates[2].territory: "));
	snprintf(text, sizeof(text), "id: c1\ntype: royalty\ncurrency: EUX\n");
	assert_int_equal(parse(text, &c, &n, &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "t.yaml:3: currency: "));
	assert_null(c);
	snprintf(text, sizeof(text), "%s",
		 "id: c1\ntype: royalty\ncurrency: EUR\nfrequency: "
		 "weekly\n");
	assert_int_equal(parse(text, &c, &n, &err), FT_EINVAL);
	assert_string_equal(err.message, "t.yaml:4: frequency: 'weekly' is not one of monthly, "
					 "quarterly, half-yearly");
	assert_int_equal(parse_minimal(NULL, NULL, "scope2: x\n", &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "scope2: unknown field in contract"));
}

/* ACCT-5: an advance or cost paid in another currency keeps it (the run
 * converts it at the rate of the month paid); the contract's own currency
 * is stored as "" (one canonical form), and export writes both back. */
static void test_advance_in_another_currency_is_kept_and_exported(void **state)
{
	char text[1024], *yaml = NULL;
	struct ft_contract *c = NULL, *back = NULL;
	size_t n = 0, nb = 0, len = 0;
	struct ft_error err;

	snprintf(text, sizeof(text),
		 "%spayees:\n  - id: a\n    share: 100%%\nscope:\n  tracks: [GBNLR2600001]\n"
		 "  start: 2026-01-01\nrates:\n  - rate: 18%%\nadvances:\n  - amount: 1000\n"
		 "    currency: USD\n    date: 2026-01-15\n  - amount: 50\n    currency: EUR\n"
		 "    date: 2026-02-01\ncosts:\n  - description: video\n    amount: 120000\n"
		 "    currency: JPY\n    date: 2026-03-10\n",
		 minimal_head);
	assert_int_equal(parse(text, &c, &n, &err), 0);
	assert_string_equal(c->advances[0].currency, "USD");
	assert_string_equal(c->advances[1].currency, "");
	assert_string_equal(c->costs[0].currency, "JPY");
	assert_int_equal(ft_contract_to_yaml(&yaml, &len, c, &err), 0);
	assert_non_null(strstr(yaml, "amount: 1000.00\n    currency: USD"));
	assert_non_null(strstr(yaml, "amount: 120000\n    currency: JPY"));
	assert_int_equal(ft_contract_parse(&back, &nb, yaml, len, "export", NULL, &err), 0);
	assert_true(ft_contract_equal(c, back));
	free(yaml);
	ft_contract_array_free(back, nb);
	ft_contract_array_free(c, n);
}

static void test_scope_identifiers_are_checked_syntactically(void **state)
{
	char text[512];
	struct ft_contract *c = NULL;
	size_t n = 0;
	struct ft_error err;

	snprintf(text, sizeof(text),
		 "%spayees: [{id: a, share: 100%%}]\nrates: [{rate: 1%%}]\n"
		 "scope:\n  tracks: [GBNLR2600001, GB-NLR-26-0001]\n  start: 2026-01-01\n",
		 minimal_head);
	assert_int_equal(parse(text, &c, &n, &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "t.yaml:8: scope.tracks[2]: "));
	snprintf(text, sizeof(text),
		 "%spayees: [{id: a, share: 100%%}]\nrates: [{rate: 1%%}]\n"
		 "scope:\n  releases: [\"5060000000017\"]\n  start: 2026-01-01\n",
		 minimal_head);
	assert_int_equal(parse(text, &c, &n, &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "scope.releases[1]: "));
	snprintf(text, sizeof(text),
		 "%spayees: [{id: a, share: 100%%}]\nrates: [{rate: 1%%}]\n"
		 "scope:\n  tracks: [GBNLR2600001, gbnlr2600001]\n  start: 2026-01-01\n",
		 minimal_head);
	assert_int_equal(parse(text, &c, &n, &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "GBNLR2600001 is listed twice"));
}

static void test_rules_must_be_unambiguous_and_include_a_catch_all(void **state)
{
	struct ft_error err;

	assert_int_equal(
	    parse_minimal(NULL, "rates:\n  - rate: 5%\n    use_type: OnDemandStream\n", NULL, &err),
	    FT_EINVAL);
	assert_non_null(strstr(err.message, "no catch-all rule"));
	assert_int_equal(parse_minimal(NULL,
				       "rates:\n  - rate: 5%\n  - rate: 6%\n    territory: GB FR\n"
				       "  - rate: 7%\n    territory: FR DE\n",
				       NULL, &err),
			 FT_EINVAL);
	assert_string_equal(err.message,
			    "t.yaml:15: rates[3]: this rule and rates[2] (line 13) both match the "
			    "same usage with the same specificity; make their conditions differ or "
			    "their territories disjoint");
	/* disjoint territories are fine */
	assert_int_equal(parse_minimal(NULL,
				       "rates:\n  - rate: 5%\n  - rate: 6%\n    territory: GB\n"
				       "  - rate: 7%\n    territory: FR DE\n",
				       NULL, &err),
			 0);
	assert_int_equal(parse_minimal(NULL, "rates:\n  - use_type: X\n", NULL, &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "needs 'rate'"));
	assert_int_equal(parse_minimal(NULL, NULL,
				       "escalations:\n  - units: 10\n    add: 1%\n"
				       "  - units: 5\n    add: 2%\n",
				       &err),
			 FT_EINVAL);
	assert_non_null(strstr(err.message, "thresholds must increase"));
	assert_int_equal(parse_minimal(NULL, "rates:\n  - rate: 99%\n",
				       "escalations:\n  - units: 10\n    add: 2%\n", &err),
			 FT_EINVAL);
	assert_non_null(strstr(err.message, "exceeds 100%"));
}

static void test_wrong_shapes_and_repeated_keys_are_refused(void **state)
{
	struct ft_error err;
	struct ft_contract *c = NULL;
	size_t n = 0;

	assert_int_equal(parse_minimal("payees:\n  id: a\n", NULL, NULL, &err), FT_EINVAL);
	assert_string_equal(err.message,
			    "t.yaml:6: payees: expected a list of payees ('- ' items)");
	assert_int_equal(parse_minimal(NULL, NULL, "label: [a, b]\n", &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "label: expected a single value, not a list"));
	assert_int_equal(parse_minimal(NULL, NULL, "type: royalty\n", &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "type: given twice"));
	assert_int_equal(parse("id: [\n", &c, &n, &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "t.yaml:2: YAML: "));
	assert_int_equal(parse("", &c, &n, &err), FT_EINVAL);
	assert_string_equal(err.message, "t.yaml: no contract in the file (see docs/CONTRACTS.md)");
	assert_int_equal(parse("- a\n- b\n", &c, &n, &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "a contract is a mapping"));
	assert_int_equal(parse_minimal("payees:\n  - id: a\n    share: 60%\n  - id: a\n    share: "
				       "40%\n",
				       NULL, NULL, &err),
			 FT_EINVAL);
	assert_non_null(strstr(err.message, "'a' is listed twice"));
	assert_int_equal(parse_minimal(NULL, NULL,
				       "advances:\n  - amount: 5\n    date: 2026-01-01\n"
				       "    payee: zed\n",
				       &err),
			 FT_EINVAL);
	assert_non_null(strstr(err.message, "'zed' is not one of the contract's payees"));
	assert_int_equal(parse_minimal(NULL, NULL, "fee: 10%\n", &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "only a distribution contract has a fee"));
	assert_int_equal(parse_minimal(NULL, NULL, "reserve:\n  percent: 10%\n", &err), FT_EINVAL);
	assert_non_null(strstr(err.message, "released after 1 to 120 periods"));
}

static bool only_first_track(void *ctx, const char *isrc)
{
	(*(int *)ctx)++;
	return strcmp(isrc, "GBNLR2600001") == 0;
}

static void test_catalogue_hook_rejects_unknown_identifiers(void **state)
{
	struct ft_contract_hooks hooks = {.track_known = only_first_track};
	struct ft_contract_set set = {0};
	struct ft_error err;
	int calls = 0;

	hooks.ctx = &calls;
	assert_int_equal(ft_contract_set_load(&set, DATA "royalty_full.yaml", &hooks, NULL, &err),
			 FT_ENOTFOUND);
	assert_string_equal(err.message, DATA
			    "royalty_full.yaml:2: scope.tracks[2]: ISRC GBNLR2600002 is not in "
			    "the catalogue (import the catalogue first, or fix the code)");
	assert_int_equal(calls, 2);
	assert_int_equal(set.n, 0);
}

static bool no_release(void *ctx, const char *gtin14)
{
	return false;
}

static bool known_artist(void *ctx, const char *artist)
{
	return strcmp(artist, "the-wrens") == 0;
}

static void test_release_and_artist_hooks_are_asked_too(void **state)
{
	struct ft_contract_hooks hooks = {.release_known = no_release,
					  .artist_known = known_artist};
	struct ft_contract_set set = {0};
	struct ft_contract copy;
	struct ft_error err;

	assert_int_equal(ft_contract_set_load(&set, DATA "royalty_full.yaml", &hooks, NULL, &err),
			 FT_ENOTFOUND);
	assert_non_null(strstr(err.message, "scope.releases[1]: GTIN 05060000000016 is not in the "
					    "catalogue"));
	hooks.release_known = NULL;
	assert_int_equal(ft_contract_set_load(&set, DATA "royalty_full.yaml", &hooks, NULL, &err),
			 0);
	/* a deep copy is equal and independent */
	assert_int_equal(ft_contract_copy(&copy, &set.items[0], &err), 0);
	assert_true(ft_contract_equal(&copy, &set.items[0]));
	copy.payees[0].share -= 1;
	assert_false(ft_contract_equal(&copy, &set.items[0]));
	assert_int_equal(ft_contract_validate(&copy, &err), FT_EINVAL);
	ft_contract_clear(&copy);
	ft_contract_set_clear(&set);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_directory_load_is_all_or_nothing(void **state)
{
	char dir[600], path[700], cmd[1300];
	struct ft_contract_set set = {0};
	struct ft_error err;
	size_t added = 99;
	FILE *src;
	char buf[4096];
	size_t len;

	snprintf(dir, sizeof(dir), "%s/contracts_dir", testutil_tmpdir());
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", dir, dir);
	assert_int_equal(system(cmd), 0);
	src = fopen(DATA "two_docs.yaml", "r");
	assert_non_null(src);
	len = fread(buf, 1, sizeof(buf) - 1, src);
	buf[len] = '\0';
	fclose(src);
	snprintf(path, sizeof(path), "%s/a.yaml", dir);
	write_file(path, buf);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	write_file(path, "not a contract");
	snprintf(path, sizeof(path), "%s/z.yml", dir);
	write_file(path, "id: z\ntype: royalty\n");

	assert_int_equal(ft_contract_set_load(&set, dir, NULL, &added, &err), FT_EINVAL);
	assert_int_equal(added, 0);
	assert_int_equal(set.n, 0);
	assert_non_null(strstr(err.message, "z.yml"));

	unlink(path);
	assert_int_equal(ft_contract_set_load(&set, dir, NULL, &added, &err), 0);
	assert_int_equal(added, 2);
	/* the same contracts again: ids clash, nothing added */
	assert_int_equal(ft_contract_set_load(&set, dir, NULL, &added, &err), FT_EEXISTS);
	assert_int_equal(set.n, 2);
	assert_non_null(strstr(err.message, "contract 'producer-points' is already defined"));
	ft_contract_set_clear(&set);
	assert_int_equal(ft_contract_set_load(&set, "/nonexistent/x.yaml", NULL, NULL, &err),
			 FT_ENOTFOUND);
}

/* Ids repeated across the files of a directory: the first repeat in file
 * order is named, with the earliest file that defines the id. */
static void test_a_repeated_id_names_the_first_repeat_and_the_original(void **state)
{
	static const char *const files[][2] = {{"a.yaml", "c-one"},
					       {"b.yaml", "c-two"},
					       {"c.yaml", "c-three"},
					       {"d.yaml", "c-two"},
					       {"e.yaml", "c-one"}};
	char dir[600], path[700], cmd[1300], text[512];
	struct ft_contract_set set = {0};
	struct ft_error err;
	size_t added = 99, i;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/contracts_repeat", testutil_tmpdir());
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", dir, dir);
	assert_int_equal(system(cmd), 0);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i][0]);
		snprintf(text, sizeof(text),
			 "id: %s\ntype: royalty\ncurrency: EUR\nfrequency: monthly\n"
			 "payees:\n  - id: a\n    share: 100%%\n"
			 "scope:\n  tracks: [GBNLR2600001]\n  start: 2026-01-01\n"
			 "rates:\n  - rate: 18%%\n",
			 files[i][1]);
		write_file(path, text);
	}
	assert_int_equal(ft_contract_set_load(&set, dir, NULL, &added, &err), FT_EEXISTS);
	assert_int_equal(added, 0);
	assert_int_equal(set.n, 0);
	assert_non_null(strstr(err.file, "/d.yaml"));
	assert_non_null(strstr(err.message, "contract 'c-two' is already defined ("));
	assert_non_null(strstr(err.message, "/b.yaml:1)"));
	/* without the repeats, the others load; then one of them again clashes
	 * with the set */
	snprintf(path, sizeof(path), "%s/d.yaml", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/e.yaml", dir);
	unlink(path);
	assert_int_equal(ft_contract_set_load(&set, dir, NULL, &added, &err), 0);
	assert_int_equal(added, 3);
	snprintf(path, sizeof(path), "%s/c.yaml", dir);
	assert_int_equal(ft_contract_set_load(&set, path, NULL, &added, &err), FT_EEXISTS);
	assert_non_null(strstr(err.message, "contract 'c-three' is already defined ("));
	assert_int_equal(set.n, 3);
	ft_contract_set_clear(&set);
}

static void test_most_specific_rule_wins(void **state)
{
	struct ft_contract_set set = {0};
	const struct ft_contract *c;
	struct ft_error err;

	assert_int_equal(ft_contract_set_load(&set, DATA "royalty_full.yaml", NULL, NULL, &err), 0);
	c = &set.items[0];
	/* rules: 0 catch-all, 1 use_type download, 2 ad-supported in GB/IE, 3 album */
	assert_int_equal(
	    ft_contract_match_rule(c, "OnDemandStream", "SubscriptionModel", "FR", "single"), 0);
	assert_int_equal(
	    ft_contract_match_rule(c, "permanentdownload", "PayAsYouGoModel", "FR", "single"), 1);
	/* two conditions beat one */
	assert_int_equal(ft_contract_match_rule(c, "OnDemandStream", "AdvertisementSupportedModel",
						"GB", "album"),
			 2);
	assert_int_equal(ft_contract_match_rule(c, "OnDemandStream", "AdvertisementSupportedModel",
						"FR", "album"),
			 3);
	/* one condition each: use type outranks release format */
	assert_int_equal(ft_contract_match_rule(c, "PermanentDownload", NULL, "FR", "album"), 1);
	assert_int_equal(ft_contract_match_rule(c, NULL, NULL, NULL, NULL), 0);
	ft_contract_set_clear(&set);
}

static void test_scope_covers_tracks_releases_artists_territory_and_dates(void **state)
{
	struct ft_contract_set set = {0};
	const struct ft_contract *c;
	struct ft_error err;
	int jan26 = 2026 * 12, dec30 = 2030 * 12 + 11;

	assert_int_equal(ft_contract_set_load(&set, DATA "royalty_full.yaml", NULL, NULL, &err), 0);
	c = &set.items[0];
	assert_true(ft_contract_covers(c, "GBNLR2600001", NULL, NULL, "GB", jan26));
	assert_true(ft_contract_covers(c, "GBNLR2699999", "05060000000016", NULL, "GB", jan26));
	assert_true(ft_contract_covers(c, "GBNLR2699999", "", "the-wrens", "FR", dec30));
	assert_false(ft_contract_covers(c, "GBNLR2699999", "", "other", "FR", dec30));
	assert_false(ft_contract_covers(c, "GBNLR2600001", NULL, NULL, "US", jan26));
	assert_false(ft_contract_covers(c, "GBNLR2600001", NULL, NULL, "GB", jan26 - 1));
	assert_false(ft_contract_covers(c, "GBNLR2600001", NULL, NULL, "GB", dec30 + 1));
	ft_contract_set_clear(&set);
}

static void test_dates_follow_the_calendar(void **state)
{
	ft_date d;
	char buf[11];

	assert_int_equal(ft_date_parse(&d, "2024-02-29", 10, NULL), 0);
	assert_int_equal(d, 20240229);
	assert_int_equal(ft_date_parse(&d, "2100-02-29", 10, NULL), FT_EINVAL);
	assert_int_equal(ft_date_parse(&d, "2000-02-29", 10, NULL), 0);
	assert_int_equal(ft_date_parse(&d, "2026-04-31", 10, NULL), FT_EINVAL);
	assert_int_equal(ft_date_parse(&d, "2026-13-01", 10, NULL), FT_EINVAL);
	assert_int_equal(ft_date_parse(&d, "26-01-01", 8, NULL), FT_EINVAL);
	ft_date_parse(&d, "2026-07-04", 10, NULL);
	ft_date_format(buf, d);
	assert_string_equal(buf, "2026-07-04");
	assert_int_equal(ft_date_month(d), 2026 * 12 + 6);
}

static void test_sample_contracts_of_the_demo_label_are_valid(void **state)
{
	struct ft_contract_set set = {0};
	struct ft_error err;
	size_t added;

	if (ft_contract_set_load(&set, "samples/contracts", NULL, &added, &err) != 0)
		fail_msg("%s", err.message);
	assert_int_equal(added, 6);
	assert_int_equal(ft_contract_set_find(&set, "glass-harbour-recording")->n_payees, 4);
	assert_int_equal(ft_contract_set_find(&set, "nuit-blanche-profit-split")->type,
			 FT_CONTRACT_PROFIT_SPLIT);
	assert_int_equal(ft_contract_set_find(&set, "wren-distribution")->type,
			 FT_CONTRACT_DISTRIBUTION);
	assert_int_equal(ft_contract_set_find(&set, "kaze-no-oto-license")->type,
			 FT_CONTRACT_LICENSE);
	assert_int_equal(ft_contract_set_find(&set, "aurora-fields-recording")->n_advances, 1);
	assert_int_equal(ft_contract_set_find(&set, "mara-quinn-producer")->scope.n_tracks, 6);
	ft_contract_set_clear(&set);
}

static void test_tokens_must_not_start_with_yaml_punctuation(void **state)
{
	struct ft_error err;

	/* found by fuzzing: "-" exported plain reads back as a list */
	assert_int_equal(parse_minimal(NULL,
				       "rates:\n  - rate: 1%\n  - {commercial_model: -, rate: "
				       "2%}\n",
				       NULL, &err),
			 FT_EINVAL);
	assert_non_null(strstr(err.message, "must start with a letter or digit"));
}

/* Random valid contracts survive export and re-parse unchanged. */
static void test_random_contracts_round_trip(void **state)
{
	static const char *const uses[] = {"", "OnDemandStream", "PermanentDownload"};
	static const char *const models[] = {"", "SubscriptionModel",
					     "AdvertisementSupportedModel"};
	uint64_t rng = testutil_seed();
	struct ft_error err;
	int iter;

	for (iter = 0; iter < 300; iter++) {
		struct ft_contract c = {0}, *back = NULL;
		ft_amount weights[8], shares[8];
		size_t n = 0, i, len;
		char *yaml = NULL;

		snprintf(c.id, sizeof(c.id), "c-%d", iter);
		snprintf(c.label, sizeof(c.label), "Label \"%d\" \\ ÆØÅ", iter);
		c.type = (enum ft_contract_type)(1 + testutil_rand(&rng) % 4);
		c.base = testutil_rand(&rng) % 2 ? FT_BASE_GROSS : FT_BASE_NET_RECEIPTS;
		strcpy(c.currency, testutil_rand(&rng) % 2 ? "EUR" : "JPY");
		c.minor_units = ft_currency_minor_units(c.currency);
		c.frequency = testutil_rand(&rng) % 2 ? FT_FREQ_QUARTERLY : FT_FREQ_MONTHLY;
		c.n_payees = 1 + testutil_rand(&rng) % 5;
		c.payees = calloc(c.n_payees, sizeof(*c.payees));
		for (i = 0; i < c.n_payees; i++)
			weights[i] = 1 + testutil_rand(&rng) % 1000;
		assert_int_equal(ft_amount_split(shares, FT_AMOUNT_ONE, weights, c.n_payees, NULL),
				 0);
		for (i = 0; i < c.n_payees; i++) {
			snprintf(c.payees[i].id, sizeof(c.payees[i].id), "p%zu", i);
			c.payees[i].share = shares[i];
		}
		c.scope.n_tracks = 1;
		c.scope.tracks = calloc(1, sizeof(*c.scope.tracks));
		strcpy(c.scope.tracks[0], "GBNLR2600001");
		ft_territory_set_parse(&c.scope.territories, "WW -US", 6, NULL);
		c.scope.start = 20260101;
		if (c.type == FT_CONTRACT_ROYALTY || c.type == FT_CONTRACT_LICENSE) {
			c.n_rules = 1 + testutil_rand(&rng) % 3;
			c.rules = calloc(c.n_rules, sizeof(*c.rules));
			for (i = 0; i < c.n_rules; i++) {
				strcpy(c.rules[i].use_type, uses[i]);
				strcpy(c.rules[i].commercial_model, models[i]);
				c.rules[i].any_territory = true;
				c.rules[i].rate =
				    (ft_amount)(testutil_rand(&rng) % 50000000000ull) * 10;
			}
		}
		if (c.type == FT_CONTRACT_DISTRIBUTION)
			c.fee = (ft_amount)(testutil_rand(&rng) % 30) * (FT_AMOUNT_ONE / 100);
		c.n_costs = testutil_rand(&rng) % 2;
		c.costs = calloc(1, sizeof(*c.costs));
		c.costs[0].amount = (ft_amount)(1 + testutil_rand(&rng) % 100000) * FT_AMOUNT_ONE;
		c.costs[0].recoupable = FT_AMOUNT_ONE / 2;
		c.costs[0].date = 20260301;
		snprintf(c.costs[0].description, sizeof(c.costs[0].description), "cost\n%d", iter);

		assert_int_equal(ft_contract_validate(&c, &err), 0);
		assert_int_equal(ft_contract_to_yaml(&yaml, &len, &c, &err), 0);
		if (ft_contract_parse(&back, &n, yaml, len, "rt", NULL, &err) != 0)
			fail_msg("%s\n%s", err.message, yaml);
		assert_true(ft_contract_equal(&c, back));
		ft_contract_array_free(back, n);
		free(yaml);
		ft_contract_clear(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_royalty_contract_parses_every_field),
	    cmocka_unit_test(test_export_round_trips_to_an_equal_contract),
	    cmocka_unit_test(test_one_file_holds_several_contracts),
	    cmocka_unit_test(test_shares_not_summing_to_100_percent_are_refused),
	    cmocka_unit_test(test_unknown_field_is_an_error_naming_it),
	    cmocka_unit_test(test_rate_out_of_range_suggests_the_percent_sign),
	    cmocka_unit_test(test_bad_dates_currencies_and_territories_name_the_field),
	    cmocka_unit_test(test_advance_in_another_currency_is_kept_and_exported),
	    cmocka_unit_test(test_scope_identifiers_are_checked_syntactically),
	    cmocka_unit_test(test_rules_must_be_unambiguous_and_include_a_catch_all),
	    cmocka_unit_test(test_wrong_shapes_and_repeated_keys_are_refused),
	    cmocka_unit_test(test_catalogue_hook_rejects_unknown_identifiers),
	    cmocka_unit_test(test_release_and_artist_hooks_are_asked_too),
	    cmocka_unit_test(test_directory_load_is_all_or_nothing),
	    cmocka_unit_test(test_a_repeated_id_names_the_first_repeat_and_the_original),
	    cmocka_unit_test(test_most_specific_rule_wins),
	    cmocka_unit_test(test_scope_covers_tracks_releases_artists_territory_and_dates),
	    cmocka_unit_test(test_dates_follow_the_calendar),
	    cmocka_unit_test(test_sample_contracts_of_the_demo_label_are_valid),
	    cmocka_unit_test(test_tokens_must_not_start_with_yaml_punctuation),
	    cmocka_unit_test(test_random_contracts_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
