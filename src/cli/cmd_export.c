/*
 * cmd_export.c — `fairtrack -l LEDGER export catalog|contracts [DIR]`
 *
 * catalog: labels.csv, artists.csv, partners.csv, tracks.csv,
 * contributors.csv and plans.csv into DIR (default: the current directory),
 * in the format `import catalog` reads; contracts: one <id>.yaml a contract,
 * as `import contracts` took it.  Re-importing either reports 0 changed.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fairtrack/catalog.h"
#include "fairtrack/ledger_run.h"
#include "fairtrack/store.h"

/* Takes the store (closes it). */
static int export_contracts(struct cli *cli, struct ft_store *store, const char *dir)
{
	struct ft_error err;
	size_t n = 0;
	int rc;

	ft_error_clear(&err);
	rc = ft_contracts_export(store, dir, &n, &err);
	ft_store_close(store);
	if (rc)
		return cli_fail(cli, &err);
	if (cli->json) {
		fputs("{\"directory\":", stdout);
		cli_json_string(stdout, dir);
		printf(",\"contracts\":%zu}\n", n);
	} else if (!cli->quiet) {
		printf("exported %zu contract%s to %s, one <id>.yaml each\n", n, n == 1 ? "" : "s",
		       dir);
	}
	return CLI_EXIT_OK;
}

int cmd_export(struct cli *cli, int argc, char **argv)
{
	struct ft_store *store = NULL;
	struct ft_error err;
	const char *dir = ".";
	int rc;

	ft_error_clear(&err);
	if (argc < 2 || (strcmp(argv[1], "catalog") != 0 && strcmp(argv[1], "contracts") != 0))
		return cli_usage_error(cli, "export", "what to export? catalog or contracts");
	if (argc > 3)
		return cli_usage_error(cli, "export", "export takes one DIR");
	if (argc == 3)
		dir = argv[2];
	rc = cli_open_ledger(cli, "export", &store);
	if (rc)
		return rc;
	if (strcmp(argv[1], "contracts") == 0)
		return export_contracts(cli, store, dir);
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
