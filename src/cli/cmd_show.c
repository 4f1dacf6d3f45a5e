/* cmd_show.c — `fairtrack show` (placeholder until its module lands) */
#include <stdio.h>

#include "cli.h"

int cmd_show(struct cli *cli, int argc, char **argv)
{
	fprintf(stderr, "%s: 'show' is not implemented yet\n", cli->prog);
	return CLI_EXIT_INTERNAL;
}
