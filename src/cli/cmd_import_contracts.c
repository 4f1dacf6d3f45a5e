/*
 * cmd_import_contracts.c — `fairtrack -l LEDGER import contracts FILE|DIR…`
 *
 * Contract files (docs/CONTRACTS.md) checked against the catalogue and
 * stored by id, all or nothing per argument; prints what changed.
 */
#include <stdio.h>

#include "cli.h"
#include "fairtrack/ledger_run.h"
#include "fairtrack/store.h"

int cli_import_contracts(struct cli *cli, int argc, char **argv)
{
	static const char *const kinds[] = {"", "added", "changed", "unchanged"};
	struct ft_store *store = NULL;
	struct ft_error err;
	int code = 0, i;

	if (argc < 2)
		return cli_usage_error(cli, "import", "import contracts needs a FILE or DIR");
	code = cli_open_ledger(cli, "import", &store);
	if (code)
		return code;
	for (i = 1; i < argc && !code; i++) {
		struct ft_contracts_import_result res;
		size_t k, counts[4] = {0};

		ft_error_clear(&err);
		if (ft_contracts_import(store, argv[i], &res, &err)) {
			code = cli_fail(cli, &err);
			ft_contracts_import_result_free(&res);
			break;
		}
		for (k = 0; k < res.n_changes; k++) {
			counts[res.changes[k].kind]++;
			if (cli->json)
				printf("{\"contract\":\"%s\",\"change\":\"%s\"}\n",
				       res.changes[k].id, kinds[res.changes[k].kind]);
			else if (!cli->quiet)
				printf("  %-9s %s\n", kinds[res.changes[k].kind],
				       res.changes[k].id);
		}
		if (!cli->json && !cli->quiet)
			printf(
			    "imported %s: %zu contracts (%zu added, %zu changed, %zu unchanged)\n",
			    argv[i], res.n_changes, counts[1], counts[2], counts[3]);
		ft_contracts_import_result_free(&res);
	}
	ft_store_close(store);
	return code;
}
