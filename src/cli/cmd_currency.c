/*
 * cmd_currency.c — `fairtrack -l LEDGER currency [CUR]`: show the ledger's
 * base currency and where it comes from, or set it (docs/JOURNAL.md,
 * "Currencies").  Setting is refused once runs exist in another currency.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fairtrack/ledger_run.h"
#include "fairtrack/store.h"

static const char *source_name(enum ft_base_source s)
{
	switch (s) {
	case FT_BASE_SETTING:
		return "set";
	case FT_BASE_RUNS:
		return "the ledger's runs";
	case FT_BASE_CONTRACTS:
		return "the contracts' one currency";
	}
	return "?";
}

int cmd_currency(struct cli *cli, int argc, char **argv)
{
	struct ft_store *store = NULL;
	struct ft_contract_set set = {0};
	struct ft_error err;
	enum ft_base_source source = FT_BASE_SETTING;
	char base[4];
	int code, rc;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
		return cli_usage_error(cli, "currency", "takes at most one currency code (EUR)");
	code = cli_open_ledger(cli, "currency", &store);
	if (code)
		return code;
	ft_error_clear(&err);
	if (argc == 2)
		rc = ft_ledger_set_base_currency(store, argv[1], &err);
	else
		rc = ft_contracts_load(store, &set, &err);
	if (!rc)
		rc = ft_ledger_base_currency(store, &set, base, &source, &err);
	ft_contract_set_clear(&set);
	ft_store_close(store);
	if (rc)
		return cli_fail(cli, &err);
	if (cli->json)
		printf("{\"currency\":\"%s\",\"source\":\"%s\"}\n", base,
		       source == FT_BASE_SETTING ? "setting"
		       : source == FT_BASE_RUNS	 ? "runs"
						 : "contracts");
	else if (!cli->quiet)
		printf("base currency %s (%s)\n", base, source_name(source));
	return CLI_EXIT_OK;
}
