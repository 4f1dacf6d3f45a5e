/* cmd_init.c — `fairtrack init` (placeholder until its module lands) */
#include <stdio.h>

#include "cli.h"

int cmd_init(struct cli *cli, int argc, char **argv)
{
	fprintf(stderr, "%s: 'init' is not implemented yet\n", cli->prog);
	return CLI_EXIT_INTERNAL;
}
