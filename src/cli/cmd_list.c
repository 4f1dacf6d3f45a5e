/* cmd_list.c — `fairtrack list` (placeholder until its module lands) */
#include <stdio.h>

#include "cli.h"

int cmd_list(struct cli *cli, int argc, char **argv)
{
	fprintf(stderr, "%s: 'list' is not implemented yet\n", cli->prog);
	return CLI_EXIT_INTERNAL;
}
