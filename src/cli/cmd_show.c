/*
 * cmd_show.c — `fairtrack -l LEDGER show artist|release|track|partner|label ID`:
 * one catalogue entry in full, as "key: value" lines or a JSON object.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fairtrack/catalog.h"
#include "fairtrack/store.h"

static int print_entry(void *ctx, const struct ft_catalog_record *rec, struct ft_error *err)
{
	const struct cli *cli = ctx;
	size_t i;

	if (cli->json) {
		cli_catalog_record_json(rec);
		putchar('\n');
		return 0;
	}
	for (i = 0; i < rec->count; i++)
		printf("%s: %s\n", rec->fields[i].name, rec->fields[i].value);
	return 0;
}

int cmd_show(struct cli *cli, int argc, char **argv)
{
	struct ft_store *store = NULL;
	struct ft_error err;
	int kind, rc;

	ft_error_clear(&err);
	argc = cli_take_json_flag(cli, argc, argv);
	if (argc != 3)
		return cli_usage_error(cli, "show", "needs a kind and an id: show "
						    "artist|release|track|partner|label ID");
	kind = ft_catalog_kind_parse(argv[1]);
	if (kind != FT_CATALOG_ARTISTS && kind != FT_CATALOG_RELEASES &&
	    kind != FT_CATALOG_TRACKS && kind != FT_CATALOG_PARTNERS && kind != FT_CATALOG_LABELS)
		return cli_usage_error(
		    cli, "show", "cannot show '%s' (artist, release, track, partner or label)",
		    argv[1]);
	rc = cli_open_ledger(cli, "show", &store);
	if (rc)
		return rc;
	rc = ft_catalog_show(store, (enum ft_catalog_kind)kind, argv[2], print_entry, cli,
				     &err);
	ft_store_close(store);
	if (rc)
		return cli_fail(cli, &err);
	return CLI_EXIT_OK;
}
