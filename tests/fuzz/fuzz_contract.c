/*
 * fuzz_contract.c — the YAML contract parser on arbitrary bytes.
 *
 * Whatever the input, the parser must either refuse it with a message (and
 * allocate nothing) or return contracts that pass validation, export to YAML
 * and parse back to equal contracts.  Every accepted contract is then run
 * through the royalty engine for two periods on lines derived from the input
 * bytes: a valid contract must always run, and the engine's own conservation
 * check must hold.  Any violation aborts, so the fuzzer reports it like a
 * crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fairtrack/contract.h"
#include "fairtrack/royalty.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t byte_at(const uint8_t *data, size_t size, size_t i)
{
	return size ? data[i % size] : 0;
}

/* Two periods of a contract on eight lines derived from the input. */
static void run_engine(const struct ft_contract *c, const uint8_t *data, size_t size)
{
	static const char *const terr[] = {"GB", "US", "FR", "JP", "WW", "IE"};
	static const char *const use[] = {"OnDemandStream", "PermanentDownload"};
	static const char *const model[] = {"SubscriptionModel", "AdvertisementSupportedModel"};
	struct ft_royalty_line lines[8];
	struct ft_royalty_input in = {0};
	struct ft_royalty_result *r1 = NULL, *r2 = NULL;
	struct ft_royalty_dict *d = ft_royalty_dict_new();
	struct ft_error err;
	size_t i;

	if (!d)
		abort();

	in.period.first = ft_date_month(c->scope.start);
	in.period.months = (int)c->frequency;
	in.currency = c->currency;
	in.contracts = c;
	in.n_contracts = 1;
	in.lines = lines;
	in.n_lines = 8;
	for (i = 0; i < 8; i++) {
		struct ft_royalty_line *l = &lines[i];
		uint8_t b = byte_at(data, size, i * 7);

		memset(l, 0, sizeof(*l));
		l->track = ft_royalty_dict_track(
		    d, c->scope.n_tracks ? c->scope.tracks[b % c->scope.n_tracks] : "GBNLR2600001",
		    c->scope.n_releases ? c->scope.releases[0] : "",
		    c->scope.n_artists ? c->scope.artists[0] : "", (b >> 5) & 1 ? "album" : "single");
		l->channel = ft_royalty_dict_channel(d, (b >> 6) & 1 ? "spotify" : "deezer",
						     model[(b >> 4) & 1], use[(b >> 3) & 1],
						     terr[b % 6]);
		if (!l->track || !l->channel)
			abort();
		l->month = in.period.first + (int)(b % (uint8_t)in.period.months);
		l->units = (int64_t)byte_at(data, size, i * 11 + 1) * 1000 - 20000;
		l->receipts = ((ft_amount)byte_at(data, size, i * 13 + 2) - 30) * FT_AMOUNT_ONE / 7;
		l->gross = l->receipts * 2;
		l->source_id = (int64_t)i;
	}
	lines[6].track = NULL;
	lines[6].non_attributable = true;
	lines[7].track = NULL;
	if (ft_royalty_run(&r1, &in, &err) != 0)
		abort();
	in.period = ft_period_next(&in.period);
	for (i = 0; i < 8; i++)
		lines[i].month = in.period.first;
	in.previous = &r1->next;
	if (ft_royalty_run(&r2, &in, &err) != 0)
		abort();
	for (i = 0; i < r2->n_statements; i++) {
		const struct ft_royalty_statement *s = &r2->statements[i];

		if (s->closing != s->opening + s->royalties - s->advances - s->costs - s->payable ||
		    s->payable < 0)
			abort();
	}
	ft_royalty_result_free(r1);
	ft_royalty_result_free(r2);
	ft_royalty_dict_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ft_contract *list = NULL, *back = NULL;
	size_t n = 0, n_back = 0, i, len;
	struct ft_error err;
	char *yaml = NULL;

	ft_error_clear(&err);
	if (ft_contract_parse(&list, &n, (const char *)data, size, "fuzz.yaml", NULL, &err) != 0) {
		if (list || n || err.message[0] == '\0' || err.code >= 0)
			abort();
		return 0;
	}
	if (n == 0)
		abort();
	for (i = 0; i < n; i++) {
		if (ft_contract_validate(&list[i], &err) != 0)
			abort();
		if (ft_contract_to_yaml(&yaml, &len, &list[i], &err) != 0)
			abort();
		if (ft_contract_parse(&back, &n_back, yaml, len, "export", NULL, &err) != 0)
			abort();
		if (n_back != 1 || !ft_contract_equal(&list[i], &back[0]))
			abort();
		run_engine(&list[i], data, size);
		ft_contract_array_free(back, n_back);
		back = NULL;
		free(yaml);
		yaml = NULL;
	}
	ft_contract_array_free(list, n);
	return 0;
}
