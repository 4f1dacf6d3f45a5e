/* cmd_export.c — `fairtrack export` (placeholder until its module lands) */
#include <stdio.h>

#include "cli.h"

int cmd_export(struct cli *cli, int argc, char **argv)
{
	fprintf(stderr, "%s: 'export' is not implemented yet\n", cli->prog);
	return CLI_EXIT_INTERNAL;
}
