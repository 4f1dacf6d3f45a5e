/*
 * settings.c — the ledger's base currency (docs/JOURNAL.md, "Currencies").
 *
 * Receipts, the label account, fees, suspense and remainders are in one
 * currency per ledger, the base; each contract accounts in its own
 * `currency` and the run converts between them.  Where the base comes from
 * must be explicit and stable, so a run never guesses differently from the
 * last one:
 *   1. the setting `base_currency` (table settings, migration 13), written
 *      by `fairtrack init LEDGER --currency CUR` or `fairtrack currency CUR`;
 *   2. else the currency of the ledger's latest run (runs.currency): a
 *      ledger that has run keeps the currency it ran in;
 *   3. else the one currency every contract shares (a ledger with one
 *      accounting currency behaves exactly as before the setting existed);
 *   4. else nothing decides: FT_EUSAGE, saying how to set it.
 * Once a run exists the base cannot change (its journal is in it): setting
 * another currency is refused; setting the same one is accepted.
 */
#include <stdio.h>
#include <string.h>

#include "fairtrack/ids.h"
#include "fairtrack/ledger_run.h"
#include "ledger/run_int.h"

/* One text column of a one-row query; 1 found, 0 none, < 0 an error. */
static int one_text(struct ft_store *store, const char *sql, char *out, size_t cap,
		    struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc = ft_store_prepare(store, &st, sql, err);

	if (!rc)
		rc = ft_stmt_step(st, err);
	if (rc == 1)
		snprintf(out, cap, "%s", ft_stmt_column_text(st, 0));
	ft_stmt_free(st);
	return rc;
}

int ft_ledger_base_currency(struct ft_store *store, const struct ft_contract_set *contracts,
			    char out[4], enum ft_base_source *source, struct ft_error *err)
{
	enum ft_base_source from = FT_BASE_SETTING;
	char cur[16] = "";
	size_t i;
	int rc;

	out[0] = '\0';
	rc = one_text(store, "SELECT value FROM settings WHERE key = 'base_currency'", cur,
		      sizeof(cur), err);
	if (rc == 0) {
		from = FT_BASE_RUNS;
		rc = one_text(store,
			      "SELECT currency FROM runs ORDER BY first_month DESC, months DESC "
			      "LIMIT 1",
			      cur, sizeof(cur), err);
	}
	if (rc < 0)
		return rc;
	if (rc == 0 && contracts && contracts->n > 0) {
		from = FT_BASE_CONTRACTS;
		for (i = 1; i < contracts->n; i++)
			if (strcmp(contracts->items[i].currency, contracts->items[0].currency) != 0)
				return ft_error_set(
				    err, FT_EUSAGE,
				    "contracts %s (%s) and %s (%s) account in different "
				    "currencies and the ledger has no base currency (the "
				    "currency of receipts and the label's account): set it with "
				    "'fairtrack currency CUR' (or 'fairtrack init LEDGER "
				    "--currency CUR' for a new ledger)",
				    contracts->items[0].id, contracts->items[0].currency,
				    contracts->items[i].id, contracts->items[i].currency);
		snprintf(cur, sizeof(cur), "%s", contracts->items[0].currency);
		rc = 1;
	}
	if (rc == 0)
		return ft_error_set(err, FT_ENOTFOUND,
				    "the ledger has no base currency yet: set it with 'fairtrack "
				    "currency CUR', or import contracts");
	if (strlen(cur) != 3 || ft_currency_minor_units(cur) < 0)
		return ft_error_set(err, FT_ESCHEMA,
				    "the ledger's base currency '%s' is not an ISO 4217 code", cur);
	memcpy(out, cur, 4);
	if (source)
		*source = from;
	return 0;
}

int ft_ledger_set_base_currency(struct ft_store *store, const char *currency, struct ft_error *err)
{
	char code[4], ran[16] = "";
	const char *args[1];
	int rc;

	rc = ft_currency_parse(code, NULL, currency, strlen(currency), err);
	if (rc)
		return rc;
	rc = ft_store_begin(store, err);
	if (rc)
		return rc;
	rc = one_text(store,
		      "SELECT currency FROM runs WHERE currency <> '' ORDER BY first_month DESC "
		      "LIMIT 1",
		      ran, sizeof(ran), err);
	if (rc == 1 && strcmp(ran, code) != 0)
		rc = ft_error_set(err, FT_ECONFLICT,
				  "the ledger has runs in %s: its base currency cannot change to "
				  "%s (the journal is in %s)",
				  ran, code, ran);
	else if (rc >= 0) {
		/* No run, or runs in this very currency: record it. */
		args[0] = code;
		rc = ft_ledger_exec_text(store,
					 "INSERT INTO settings (key, value) VALUES "
					 "('base_currency', ?) ON CONFLICT (key) DO UPDATE SET "
					 "value = excluded.value",
					 args, 1, err);
	}
	if (!rc)
		rc = ft_store_commit(store, err);
	if (rc)
		ft_store_rollback(store, NULL);
	return rc;
}
