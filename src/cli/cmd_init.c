/* cmd_init.c — `fairtrack init LEDGER [--currency CUR]`: create a new ledger
 * with the current schema and, optionally, its base currency. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fairtrack/ledger_run.h"
#include "fairtrack/store.h"

int cmd_init(struct cli *cli, int argc, char **argv)
{
	struct ft_store *store = NULL;
	struct ft_error err;
	const char *location = NULL, *currency = NULL;
	char base[4] = "";
	int rc, i, missing = 0;

	ft_error_clear(&err);
	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--", 2)) {
			const char *v = cli_opt_value(argc, argv, &i, "--currency", &missing);

			if (!v)
				return cli_usage_error(
				    cli, "init", "%s '%s'",
				    missing ? "missing value for" : "unknown argument", argv[i]);
			currency = v;
		} else if (!location) {
			location = argv[i];
		} else {
			return cli_usage_error(cli, "init", "needs exactly one LEDGER");
		}
	}
	if (!location && cli->ledger && cli->ledger[0])
		location = cli->ledger;
	if (!location)
		return cli_usage_error(cli, "init", "needs exactly one LEDGER");
	rc = ft_store_open(&store, location, FT_STORE_CREATE, &err);
	if (rc)
		return cli_fail(cli, &err);
	/* The base currency is set in the new ledger or the ledger is not
	 * kept half-made: a bad code is the user's to fix before anything
	 * exists. */
	if (currency && (ft_ledger_set_base_currency(store, currency, &err) ||
			 ft_ledger_base_currency(store, NULL, base, NULL, &err))) {
		ft_store_close(store);
		remove(location);
		return cli_fail(cli, &err);
	}
	if (cli->json) {
		fputs("{\"ledger\":", stdout);
		cli_json_string(stdout, location);
		printf(",\"schema_version\":%d", ft_store_schema_version(store));
		if (currency) {
			fputs(",\"currency\":", stdout);
			cli_json_string(stdout, base);
		}
		fputs("}\n", stdout);
	} else if (!cli->quiet) {
		printf("created ledger %s (schema version %d)", location,
		       ft_store_schema_version(store));
		if (currency)
			printf(", base currency %s", base);
		putchar('\n');
	}
	ft_store_close(store);
	return CLI_EXIT_OK;
}
