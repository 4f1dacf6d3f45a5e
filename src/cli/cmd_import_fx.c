/*
 * cmd_import_fx.c — `fairtrack -l LEDGER import fx FILE…`: exchange rates,
 * one CSV line per period and currency pair (period,from,to,rate), stored
 * per month, exactly.
 */
#include <stdio.h>

#include "cli.h"
#include "fairtrack/ledger_run.h"
#include "fairtrack/store.h"

int cli_import_fx(struct cli *cli, int argc, char **argv)
{
	struct ft_store *store = NULL;
	struct ft_error err;
	int code, i;

	if (argc < 2)
		return cli_usage_error(cli, "import", "import fx needs a FILE");
	code = cli_open_ledger(cli, "import", &store);
	if (code)
		return code;
	for (i = 1; i < argc && !code; i++) {
		size_t n = 0;

		ft_error_clear(&err);
		if (ft_fx_import(store, argv[i], &n, &err))
			code = cli_fail(cli, &err);
		else if (cli->json) {
			fputs("{\"file\":", stdout);
			cli_json_string(stdout, argv[i]);
			printf(",\"rates\":%zu}\n", n);
		} else if (!cli->quiet)
			printf("imported %s: %zu monthly rates\n", argv[i], n);
	}
	ft_store_close(store);
	return code;
}
