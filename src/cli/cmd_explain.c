/*
 * cmd_explain.c — `fairtrack -l LEDGER explain --payee X --period P`: walk
 * from what a payee is owed back to the report rows it came from; with
 * --journal instead of --payee, print the period's journal (TSV, one leg a
 * line), which is stable across re-runs and so comparable.
 */
#include <stdio.h>
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

int cmd_explain(struct cli *cli, int argc, char **argv)
{
	struct ft_store *store = NULL;
	struct ft_period period;
	struct ft_error err;
	const char *p = NULL, *payee = NULL;
	int code, i, missing = 0, journal = 0, rc;

	for (i = 1; i < argc; i++) {
		const char *v;

		if ((v = cli_opt_value(argc, argv, &i, "--period", &missing)))
			p = v;
		else if (missing)
			break;
		else if ((v = cli_opt_value(argc, argv, &i, "--payee", &missing)))
			payee = v;
		else if (!strcmp(argv[i], "--journal"))
			journal = 1;
		else if (!missing)
			return cli_usage_error(cli, "explain", "unknown argument '%s'", argv[i]);
	}
	if (missing)
		return cli_usage_error(cli, "explain", "an option needs a value");
	if (!journal && (!p || !payee))
		return cli_usage_error(cli, "explain", "needs --payee X --period P (or --journal)");
	ft_error_clear(&err);
	if (p && ft_period_parse(&period, p, strlen(p), &err))
		return cli_fail(cli, &err);
	code = cli_open_ledger(cli, "explain", &store);
	if (code)
		return code;
	if (journal) {
		puts("period\tposting\tkind\taccount\tcurrency\tamount\tcontract\tpayee\tbatch\t"
		     "source\tsource_id\tnote");
		rc = ft_journal_dump(store, p ? &period : NULL, print_line, NULL, &err);
	} else {
		rc = ft_run_explain(store, &period, payee, print_line, NULL, &err);
	}
	if (rc)
		code = cli_fail(cli, &err);
	ft_store_close(store);
	return code;
}
