/*
 * main.c — `fairtrack [global options] COMMAND …`
 *
 * Global options come before the command: -l/--ledger LEDGER (or the
 * FAIRTRACK_LEDGER environment variable), --json, -q/--quiet, -h/--help,
 * --version.  Everything else belongs to the command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CMD(name, synopsis, summary, help) {#name, cmd_##name, synopsis, summary, help},
const struct cli_command cli_commands[] = {
#include "commands.def"
	{NULL, NULL, NULL, NULL, NULL},
};
#undef CMD

static void usage(FILE *f, const char *prog)
{
	const struct cli_command *c;

	fprintf(f, "usage: %s [-l LEDGER] [--json] [-q] COMMAND [ARGS…]\n\n"
		   "fairtrack runs the money and rights side of independent music: catalogue,\n"
		   "usage reports, royalties and statements, in an exact ledger.\n\n"
		   "commands:\n",
		prog);
	for (c = cli_commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\nglobal options:\n"
		   "  -l, --ledger LEDGER  the ledger (SQLite file); default $FAIRTRACK_LEDGER\n"
		   "  --json               machine-readable output\n"
		   "  -q, --quiet          no progress or chatter\n"
		   "  -h, --help           this help; COMMAND --help for a command's\n"
		   "  --version            print the version\n\n"
		   "exit codes: 0 ok, 1 bad input, 2 usage, 3 ledger unusable, 4 conflict or\n"
		   "duplicate, 5 integrity check failed, 6 not found, 70 internal error\n");
}

static const struct cli_command *find_command(const char *name)
{
	const struct cli_command *c;

	for (c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int cmd_help(struct cli *cli, int argc, char **argv)
{
	const struct cli_command *c;

	if (argc < 2) {
		usage(stdout, cli->prog);
		return CLI_EXIT_OK;
	}
	c = find_command(argv[1]);
	if (!c)
		return cli_usage_error(cli, "help", "unknown command '%s'", argv[1]);
	cli_print_command_help(stdout, c);
	return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct cli cli = {0};
	const struct cli_command *c;
	const char *slash;
	int i;

	slash = strrchr(argv[0], '/');
	cli.prog = slash ? slash + 1 : argv[0];
	cli.ledger = getenv("FAIRTRACK_LEDGER");

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-l") == 0 || strcmp(a, "--ledger") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "%s: %s needs a LEDGER argument\n", cli.prog, a);
				return CLI_EXIT_USAGE;
			}
			cli.ledger = argv[++i];
		} else if (strncmp(a, "--ledger=", 9) == 0) {
			cli.ledger = a + 9;
		} else if (strcmp(a, "--json") == 0) {
			cli.json = 1;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			cli.quiet = 1;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout, cli.prog);
			return CLI_EXIT_OK;
		} else if (strcmp(a, "--version") == 0) {
			return cmd_version(&cli, 1, argv + i);
		} else {
			fprintf(stderr, "%s: unknown global option '%s' (see '%s --help')\n",
				cli.prog, a, cli.prog);
			return CLI_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr, cli.prog);
		return CLI_EXIT_USAGE;
	}
	c = find_command(argv[i]);
	if (!c) {
		fprintf(stderr, "%s: unknown command '%s' (see '%s --help')\n", cli.prog, argv[i],
			cli.prog);
		return CLI_EXIT_USAGE;
	}
	if (cli_wants_help(argc - i, argv + i)) {
		cli_print_command_help(stdout, c);
		return CLI_EXIT_OK;
	}
	return c->run(&cli, argc - i, argv + i);
}
