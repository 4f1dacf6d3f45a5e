/*
 * cmd_suspense.c — `fairtrack -l LEDGER suspense` lists usage the catalogue
 * does not know yet, per partner, month and identifier; `fairtrack -l LEDGER
 * rematch` moves what the catalogue has since learnt into usage.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fairtrack/import.h"
#include "fairtrack/store.h"

struct suspense_out {
	struct cli *cli;
	long entries;
};

static int print_entry(void *ctx, const struct ft_suspense_entry *e, struct ft_error *err)
{
	struct suspense_out *out = ctx;

	if (out->cli->json) {
		fputs(out->entries ? ",\n{\"partner\":" : "{\"partner\":", stdout);
		cli_json_string(stdout, e->partner);
		printf(",\"month\":\"%s\",\"kind\":\"%s\",\"identifier\":", e->month, e->kind);
		cli_json_string(stdout, e->identifier);
		printf(",\"currency\":\"%s\",\"usages\":%lld,\"revenue\":\"", e->currency,
		       (long long)e->usages);
		cli_print_amount(stdout, e->revenue, 0);
		printf("\",\"rows\":%lld}", (long long)e->rows);
	} else {
		printf("%s\t%s\t%s\t%s\t%s\t%lld\t", e->partner, e->month, e->kind, e->identifier,
		       e->currency, (long long)e->usages);
		cli_print_amount(stdout, e->revenue, 0);
		putchar('\n');
	}
	out->entries++;
	return 0;
}

int cmd_suspense(struct cli *cli, int argc, char **argv)
{
	struct suspense_out out = {cli, 0};
	struct ft_store *store = NULL;
	struct ft_error err;
	int code, rc;

	if (argc > 1)
		return cli_usage_error(cli, "suspense", "takes no arguments");
	code = cli_open_ledger(cli, "suspense", &store);
	if (code)
		return code;
	ft_error_clear(&err);
	if (cli->json)
		putchar('[');
	else
		puts("partner\tmonth\tkind\tidentifier\tcurrency\tusages\trevenue");
	rc = ft_suspense_each(store, print_entry, &out, &err);
	if (cli->json)
		puts("]");
	ft_store_close(store);
	return rc ? cli_fail(cli, &err) : CLI_EXIT_OK;
}

int cmd_rematch(struct cli *cli, int argc, char **argv)
{
	struct ft_store *store = NULL;
	struct ft_error err;
	int64_t moved = 0;
	int code;

	if (argc > 1)
		return cli_usage_error(cli, "rematch", "takes no arguments");
	code = cli_open_ledger(cli, "rematch", &store);
	if (code)
		return code;
	ft_error_clear(&err);
	code = ft_import_rematch(store, &moved, &err) ? cli_fail(cli, &err) : CLI_EXIT_OK;
	ft_store_close(store);
	if (code == CLI_EXIT_OK) {
		if (cli->json)
			printf("{\"moved\":%lld}\n", (long long)moved);
		else if (!cli->quiet)
			printf("rematched %lld suspense row(s) to the catalogue\n", (long long)moved);
	}
	return code;
}
