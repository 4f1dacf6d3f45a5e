/*
 * cmd_close.c — `fairtrack -l LEDGER close --period P`: make a run final.
 * Its months can no longer be run, withdrawn or re-rated; what arrives
 * later for them is posted in the next open period as an adjustment.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fairtrack/ledger_run.h"
#include "fairtrack/store.h"

int cmd_close(struct cli *cli, int argc, char **argv)
{
	struct ft_store *store = NULL;
	struct ft_period period;
	struct ft_error err;
	const char *p = NULL;
	int code;

	code = cli_period_arg(cli, "close", argc, argv, &period, &p);
	if (code)
		return code;
	ft_error_clear(&err);
	code = cli_open_ledger(cli, "close", &store);
	if (code)
		return code;
	if (ft_run_close(store, &period, &err))
		code = cli_fail(cli, &err);
	else if (cli->json)
		printf("{\"closed\":\"%s\"}\n", p);
	else if (!cli->quiet)
		printf("closed %s: its figures are final; late reports go into the next period\n",
		       p);
	ft_store_close(store);
	return code;
}
