/* cmd_aggregate.c — `fairtrack aggregate` (placeholder until its module lands) */
#include <stdio.h>

#include "cli.h"

int cmd_aggregate(struct cli *cli, int argc, char **argv)
{
	fprintf(stderr, "%s: 'aggregate' is not implemented yet\n", cli->prog);
	return CLI_EXIT_INTERNAL;
}
