/* cmd_init.c — `fairtrack init LEDGER`: create a new ledger with the current schema. */
#include <stdio.h>

#include "cli.h"
#include "fairtrack/store.h"

int cmd_init(struct cli *cli, int argc, char **argv)
{
	struct ft_store *store = NULL;
	struct ft_error err;
	const char *location;
	int rc;

	ft_error_clear(&err);
	if (argc == 2)
		location = argv[1];
	else if (argc == 1 && cli->ledger && cli->ledger[0])
		location = cli->ledger;
	else
		return cli_usage_error(cli, "init", "needs exactly one LEDGER");
	rc = ft_store_open(&store, location, FT_STORE_CREATE, &err);
	if (rc)
		return cli_fail(cli, &err);
	if (cli->json) {
		fputs("{\"ledger\":", stdout);
		cli_json_string(stdout, location);
		printf(",\"schema_version\":%d}\n", ft_store_schema_version(store));
	} else if (!cli->quiet) {
		printf("created ledger %s (schema version %d)\n", location,
		       ft_store_schema_version(store));
	}
	ft_store_close(store);
	return CLI_EXIT_OK;
}
