/* cmd_import_catalog.c — `fairtrack import catalog` (placeholder until its module lands) */
#include <stdio.h>

#include "cli.h"

int cli_import_catalog(struct cli *cli, int argc, char **argv)
{
	fprintf(stderr, "%s: 'import catalog' is not implemented yet\n", cli->prog);
	return CLI_EXIT_INTERNAL;
}
