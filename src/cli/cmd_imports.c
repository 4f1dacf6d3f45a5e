/*
 * cmd_imports.c — `fairtrack -l LEDGER imports` lists import batches;
 * `fairtrack -l LEDGER withdraw BATCH` takes one back out of the ledger.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fairtrack/import.h"
#include "fairtrack/store.h"

static const char *or_empty(const char *s) { return s ? s : ""; }

static int print_batch(void *ctx, const struct ft_batch_info *b, struct ft_error *err)
{
	struct cli *cli = ctx;
	static int n;

	if (cli->json) {
		printf("%s{\"id\":%lld,\"file\":", n++ ? ",\n" : "", (long long)b->id);
		cli_json_string(stdout, b->file);
		fputs(",\"partner\":", stdout);
		cli_json_string(stdout, b->partner);
		fputs(",\"format\":", stdout);
		cli_json_string(stdout, b->format);
		printf(",\"sha256\":\"%s\",\"first_month\":", b->sha256);
		cli_json_string(stdout, or_empty(b->first_month));
		fputs(",\"last_month\":", stdout);
		cli_json_string(stdout, or_empty(b->last_month));
		printf(",\"usage_lines\":%lld,\"rejected_lines\":%lld", (long long)b->usage_lines,
		       (long long)b->rejected_lines);
		printf(",\"rows\":%lld,\"suspense_rows\":%lld,\"bytes\":%llu,\"forced\":%s,"
		       "\"imported_at\":\"%s\",\"withdrawn_at\":",
		       (long long)b->rows, (long long)b->suspense_rows, (unsigned long long)b->bytes,
		       b->forced ? "true" : "false", b->imported_at);
		if (b->withdrawn_at)
			cli_json_string(stdout, b->withdrawn_at);
		else
			fputs("null", stdout);
		putchar('}');
		return 0;
	}
	printf("%lld\t%s\t%s\t%s\t%s..%s\t%lld\t%lld\t%lld\t%lld\t%s\t%s%s\n", (long long)b->id,
	       b->imported_at, b->partner, b->file, or_empty(b->first_month),
	       or_empty(b->last_month), (long long)b->usage_lines, (long long)b->rejected_lines,
	       (long long)b->rows, (long long)b->suspense_rows,
	       b->withdrawn_at ? "withdrawn" : "active", b->sha256, b->forced ? "\tforced" : "");
	return 0;
}

int cmd_imports(struct cli *cli, int argc, char **argv)
{
	struct ft_store *store = NULL;
	struct ft_error err;
	int code, rc;

	if (argc > 1)
		return cli_usage_error(cli, "imports", "takes no arguments");
	code = cli_open_ledger(cli, "imports", &store);
	if (code)
		return code;
	ft_error_clear(&err);
	if (cli->json)
		putchar('[');
	else
		puts("batch\timported_at\tpartner\tfile\tmonths\tlines\trejected\trows\tsuspense_rows\tstatus\tsha"
		     "256");
	rc = ft_import_each(store, print_batch, cli, &err);
	if (cli->json)
		puts("]");
	ft_store_close(store);
	return rc ? cli_fail(cli, &err) : CLI_EXIT_OK;
}

int cmd_withdraw(struct cli *cli, int argc, char **argv)
{
	struct ft_store *store = NULL;
	struct ft_error err;
	char *end;
	long long id;
	int code;

	if (argc != 2)
		return cli_usage_error(cli, "withdraw", "needs exactly one BATCH number");
	id = strtoll(argv[1], &end, 10);
	if (*end || id <= 0)
		return cli_usage_error(cli, "withdraw", "'%s' is not a batch number", argv[1]);
	code = cli_open_ledger(cli, "withdraw", &store);
	if (code)
		return code;
	ft_error_clear(&err);
	code = ft_import_withdraw(store, id, &err) ? cli_fail(cli, &err) : CLI_EXIT_OK;
	ft_store_close(store);
	if (code == CLI_EXIT_OK && !cli->quiet) {
		if (cli->json)
			printf("{\"withdrawn\":%lld}\n", id);
		else
			printf("withdrew batch %lld: its usage and suspense left the ledger\n", id);
	}
	return code;
}
