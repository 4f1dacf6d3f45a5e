/*
 * cmd_check.c — `fairtrack -l LEDGER check`: verify the ledger's invariants
 * and exit 5 naming the first one broken.  Today: SQLite's own integrity
 * check and foreign keys, and every import batch's totals against its rows.
 * The engine's journal invariants join here when the engine lands.
 */
#include <stdio.h>

#include "cli.h"
#include "fairtrack/import.h"
#include "fairtrack/ledger_run.h"
#include "fairtrack/store.h"

static int storage_check(struct ft_store *store, struct ft_error *err)
{
	static const char *const sql[] = {"PRAGMA integrity_check", "PRAGMA foreign_key_check"};
	struct ft_stmt *st = NULL;
	int i, rc = 0;

	for (i = 0; i < 2 && !rc; i++) {
		rc = ft_store_prepare(store, &st, sql[i], err);
		if (!rc)
			rc = ft_stmt_step(st, err);
		if (rc == 1 && i == 0) {
			const char *r = ft_stmt_column_text(st, 0);

			rc = r && r[0] == 'o' && r[1] == 'k' && !r[2]
				     ? 0
				     : ft_error_set(err, FT_ECONFLICT, "storage integrity: %s", r ? r : "?");
		} else if (rc == 1) {
			rc = ft_error_set(err, FT_ECONFLICT,
					  "a row of table %s refers to a missing %s row",
					  ft_stmt_column_text(st, 0), ft_stmt_column_text(st, 2));
		}
		ft_stmt_free(st);
		st = NULL;
	}
	return rc;
}

int cmd_check(struct cli *cli, int argc, char **argv)
{
	struct ft_store *store = NULL;
	struct ft_error err;
	int code, rc;

	if (argc > 1)
		return cli_usage_error(cli, "check", "takes no arguments");
	code = cli_open_ledger(cli, "check", &store);
	if (code)
		return code;
	ft_error_clear(&err);
	rc = storage_check(store, &err);
	if (!rc)
		rc = ft_import_check(store, &err);
	if (!rc) /* the journal's invariants (docs/JOURNAL.md) */
		rc = ft_journal_check(store, &err);
	ft_store_close(store);
	if (rc) {
		code = cli_fail(cli, &err);
		return code == CLI_EXIT_CONFLICT ? CLI_EXIT_CHECK : code;
	}
	if (cli->json)
		puts("{\"ok\":true}");
	else if (!cli->quiet)
		puts("ledger ok: storage intact, every import batch adds up, the journal balances");
	return CLI_EXIT_OK;
}
