/* cmd_version.c — `fairtrack version` */
#include <stdio.h>

#include "cli.h"
#include "fairtrack/version.h"

int cmd_version(struct cli *cli, int argc, char **argv)
{
	if (cli->json)
		printf("{\"version\":\"%s\"}\n", ft_version());
	else
		printf("fairtrack %s\n", ft_version());
	return CLI_EXIT_OK;
}
