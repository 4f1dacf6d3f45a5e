/*
 * cmd_import_income.c — `fairtrack -l LEDGER import income FILE…`: income
 * that belongs to no single track (month,partner,kind,currency,amount,
 * description), shared with payees by ACCT-9 when the period is run.
 */
#include <stdio.h>

#include "cli.h"
#include "fairtrack/ledger_run.h"

int cli_import_income(struct cli *cli, int argc, char **argv)
{
	return cli_import_files(cli, "income", ft_income_import, "income rows", "rows", argc, argv);
}
