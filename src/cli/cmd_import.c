/* cmd_import.c — `fairtrack import KIND …`: dispatch to one file per kind. */
#include <string.h>

#include "cli.h"

int cmd_import(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error(cli, "import",
				       "what to import? catalog, report, contracts, fx or income");
	if (strcmp(argv[1], "catalog") == 0)
		return cli_import_catalog(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "report") == 0)
		return cli_import_report(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "contracts") == 0)
		return cli_import_contracts(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "fx") == 0)
		return cli_import_fx(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "income") == 0)
		return cli_import_income(cli, argc - 1, argv + 1);
	return cli_usage_error(cli, "import",
			       "unknown kind '%s' (catalog, report, contracts, fx or income)", argv[1]);
}
