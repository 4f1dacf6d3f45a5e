/*
 * cmd_import_fx.c — `fairtrack -l LEDGER import fx FILE…`: exchange rates,
 * one CSV line per period and currency pair (period,from,to,rate), stored
 * per month, exactly.
 */
#include <stdio.h>

#include "cli.h"
#include "fairtrack/ledger_run.h"

int cli_import_fx(struct cli *cli, int argc, char **argv)
{
	return cli_import_files(cli, "fx", ft_fx_import, "monthly rates", "rates", argc, argv);
}
