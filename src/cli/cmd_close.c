/*
 * cmd_close.c — `fairtrack -l LEDGER close --period P`: make a run final.
 * Its months can no longer be run, withdrawn or re-rated; what arrives
 * later for them is posted in the next open period as an adjustment.
 * `close --period P --accounted-elsewhere REASON` closes months no run
 * covers instead: another system paid them, no run posts their rows.
 * `periods` lists every month and which of these it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fairtrack/ledger_run.h"
#include "fairtrack/store.h"

static int print_line(void *ctx, const char *line)
{
	(void)ctx;
	puts(line);
	return 0;
}

int cmd_close(struct cli *cli, int argc, char **argv)
{
	struct ft_store *store = NULL;
	struct ft_period period;
	struct ft_error err;
	const char *p = NULL, *elsewhere = NULL;
	int code, i, o = 1, missing = 0;

	for (i = 1; i < argc; i++) {
		const char *v = cli_opt_value(argc, argv, &i, "--accounted-elsewhere", &missing);

		if (v)
			elsewhere = v;
		else if (missing)
			return cli_usage_error(cli, "close",
					       "--accounted-elsewhere needs a REASON (who paid "
					       "these months)");
		else
			argv[o++] = argv[i];
	}
	argc = o;
	code = cli_period_arg(cli, "close", argc, argv, &period, &p);
	if (code)
		return code;
	ft_error_clear(&err);
	code = cli_open_ledger(cli, "close", &store);
	if (code)
		return code;
	if (elsewhere) {
		const char *user = getenv("USER");

		if (ft_run_mark_elsewhere(store, &period, elsewhere, user ? user : "cli",
					  cli->quiet || cli->json ? NULL : print_line, NULL, &err))
			code = cli_fail(cli, &err);
		else if (cli->json)
			printf("{\"accounted_elsewhere\":\"%s\"}\n", p);
		ft_store_close(store);
		return code;
	}
	if (ft_run_close(store, &period, &err))
		code = cli_fail(cli, &err);
	else if (cli->json)
		printf("{\"closed\":\"%s\"}\n", p);
	else if (!cli->quiet)
		printf("closed %s: its figures are final; late reports go into the next period\n",
		       p);
	ft_store_close(store);
	return code;
}

/* --json: the months as an array of {"month", "state", "rows", "detail"}. */
static int print_month_json(void *ctx, const struct ft_run_month *m)
{
	size_t *n = ctx;

	fputs((*n)++ ? ",{\"month\":" : "{\"month\":", stdout);
	cli_json_string(stdout, m->month);
	fputs(",\"state\":", stdout);
	cli_json_string(stdout, m->state);
	printf(",\"rows\":%lld,\"detail\":", (long long)m->rows);
	cli_json_string(stdout, m->detail);
	fputs("}", stdout);
	return 0;
}

int cmd_periods(struct cli *cli, int argc, char **argv)
{
	struct ft_store *store = NULL;
	size_t n = 0;
	struct ft_error err;
	int code;

	argc = cli_take_json_flag(cli, argc, argv);
	if (argc > 1)
		return cli_usage_error(cli, "periods", "takes no arguments");
	code = cli_open_ledger(cli, "periods", &store);
	if (code)
		return code;
	ft_error_clear(&err);
	if (cli->json) {
		fputs("[", stdout);
		if (ft_run_months_each(store, print_month_json, &n, &err) < 0)
			code = cli_fail(cli, &err);
		puts("]");
	} else if (ft_run_months(store, print_line, NULL, &err)) {
		code = cli_fail(cli, &err);
	}
	ft_store_close(store);
	return code;
}
