/*
 * cmd_export.c — `fairtrack -l LEDGER export catalog [DIR]`
 *
 * Writes labels.csv, artists.csv, partners.csv, tracks.csv, contributors.csv
 * and plans.csv into DIR (default: the current directory), in the format
 * `import catalog` reads: re-importing them reports 0 changed.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fairtrack/catalog.h"
#include "fairtrack/store.h"

int cmd_export(struct cli *cli, int argc, char **argv)
{
	struct ft_store *store = NULL;
	struct ft_error err;
	const char *dir = ".";
	int rc;

	ft_error_clear(&err);
	if (argc < 2 || strcmp(argv[1], "catalog") != 0)
		return cli_usage_error(cli, "export", "what to export? catalog");
	if (argc > 3)
		return cli_usage_error(cli, "export", "export catalog takes one DIR");
	if (argc == 3)
		dir = argv[2];
	rc = cli_open_ledger(cli, "export", &store);
	if (rc)
		return rc;
	rc = ft_catalog_export(store, dir, &err);
	ft_store_close(store);
	if (rc)
		return cli_fail(cli, &err);
	if (cli->json) {
		fputs("{\"directory\":", stdout);
		cli_json_string(stdout, dir);
		fputs(",\"files\":[\"labels.csv\",\"artists.csv\",\"partners.csv\",\"tracks.csv\","
		      "\"contributors.csv\",\"plans.csv\"]}\n",
		      stdout);
	} else if (!cli->quiet) {
		printf("exported the catalogue to %s: labels.csv artists.csv partners.csv "
		       "tracks.csv contributors.csv plans.csv\n",
		       dir);
	}
	return CLI_EXIT_OK;
}
