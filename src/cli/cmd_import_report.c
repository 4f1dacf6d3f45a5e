/* cmd_import_report.c — `fairtrack import report` (placeholder until its module lands) */
#include <stdio.h>

#include "cli.h"

int cli_import_report(struct cli *cli, int argc, char **argv)
{
	fprintf(stderr, "%s: 'import report' is not implemented yet\n", cli->prog);
	return CLI_EXIT_INTERNAL;
}
