/*
 * cmd_list.c — `fairtrack -l LEDGER list KIND`: one kind of catalogue entry
 * as TSV (a header line, then one line per entry) or, with --json, an array
 * of objects.  The columns are those of the kind's import file.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fairtrack/catalog.h"
#include "fairtrack/store.h"

struct list_out {
	int json;
	size_t rows;
};

/* TSV has no quoting: a tab or line break inside a value becomes a space. */
static void tsv_value(const char *v)
{
	for (; *v; v++)
		putchar(*v == '\t' || *v == '\n' || *v == '\r' ? ' ' : *v);
}

static int print_row(void *ctx, const struct ft_catalog_record *rec, struct ft_error *err)
{
	struct list_out *out = ctx;
	size_t i;

	if (out->json) {
		fputs(out->rows ? ",\n" : "\n", stdout);
		cli_catalog_record_json(rec);
	} else {
		for (i = 0; i < rec->count; i++) {
			if (i)
				putchar('\t');
			tsv_value(rec->fields[i].value);
		}
		putchar('\n');
	}
	out->rows++;
	return 0;
}

int cmd_list(struct cli *cli, int argc, char **argv)
{
	struct ft_store *store = NULL;
	struct ft_error err;
	struct list_out out = {0, 0};
	const char *const *columns;
	int kind, rc, i;

	ft_error_clear(&err);
	argc = cli_take_json_flag(cli, argc, argv);
	if (argc != 2)
		return cli_usage_error(cli, "list", "what to list? artists, releases, tracks, "
						    "partners, labels, contributors or plans");
	kind = ft_catalog_kind_parse(argv[1]);
	if (kind < 0 || kind == FT_CATALOG_BWARM)
		return cli_usage_error(cli, "list", "cannot list '%s' (artists, releases, tracks, "
						    "partners, labels, contributors or plans)",
				       argv[1]);
	rc = cli_open_ledger(cli, "list", &store);
	if (rc)
		return rc;
	out.json = cli->json;
	if (cli->json) {
		putchar('[');
	} else {
		columns = ft_catalog_columns((enum ft_catalog_kind)kind);
		for (i = 0; columns[i]; i++)
			printf("%s%s", i ? "\t" : "", columns[i]);
		putchar('\n');
	}
	rc = ft_catalog_list(store, (enum ft_catalog_kind)kind, print_row, &out, &err);
	ft_store_close(store);
	if (cli->json)
		puts(out.rows ? "\n]" : "]");
	if (rc)
		return cli_fail(cli, &err);
	return CLI_EXIT_OK;
}
