/*
 * cmd_import_income.c — `fairtrack -l LEDGER import income FILE…`: income
 * that belongs to no single track (month,partner,kind,currency,amount,
 * description), shared with payees by ACCT-9 when the period is run.
 */
#include <stdio.h>

#include "cli.h"
#include "fairtrack/ledger_run.h"
#include "fairtrack/store.h"

int cli_import_income(struct cli *cli, int argc, char **argv)
{
	struct ft_store *store = NULL;
	struct ft_error err;
	int code, i;

	if (argc < 2)
		return cli_usage_error(cli, "import", "import income needs a FILE");
	code = cli_open_ledger(cli, "import", &store);
	if (code)
		return code;
	for (i = 1; i < argc && !code; i++) {
		size_t n = 0;

		ft_error_clear(&err);
		if (ft_income_import(store, argv[i], &n, &err))
			code = cli_fail(cli, &err);
		else if (cli->json) {
			fputs("{\"file\":", stdout);
			cli_json_string(stdout, argv[i]);
			printf(",\"rows\":%zu}\n", n);
		} else if (!cli->quiet)
			printf("imported %s: %zu income rows\n", argv[i], n);
	}
	ft_store_close(store);
	return code;
}
