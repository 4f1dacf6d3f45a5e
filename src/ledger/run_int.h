/*
 * run_int.h — helpers shared by the ledger's engine modules (fx.c, income.c,
 * contracts_store.c, run.c, journal.c, explain.c); internal to src/ledger.
 */
#ifndef FAIRTRACK_LEDGER_RUN_INT_H
#define FAIRTRACK_LEDGER_RUN_INT_H

#include <stddef.h>

#include "fairtrack/error.h"
#include "fairtrack/store.h"

#define FT_LEDGER_TABLE_COLS 8
#define FT_LEDGER_CELL_MAX 256

/* One data row of a small CSV table file, cells unquoted and trimmed. */
struct ft_ledger_row {
	const char *file;
	long line;
	char cell[FT_LEDGER_TABLE_COLS][FT_LEDGER_CELL_MAX];
};

typedef int (*ft_ledger_row_fn)(void *ctx, const struct ft_ledger_row *row, struct ft_error *err);

/*
 * Read a CSV/TSV file whose header names exactly the columns `cols` (any
 * order, any case); call fn for each non-empty row with the cells in the
 * order of `cols`.  Errors name file, line and column.
 */
int ft_ledger_table_each(const char *path, const char *const *cols, size_t n_cols,
			 ft_ledger_row_fn fn, void *ctx, struct ft_error *err);

/* The whole file in a malloc'd, NUL-terminated buffer. */
int ft_ledger_read_file(const char *path, char **out, size_t *len, struct ft_error *err);

/* "YYYY-MM-DDTHH:MM:SSZ" (UTC) into buf (32 bytes). */
void ft_ledger_now(char buf[32]);

/* 1 when month ("YYYY-MM") is in closed_periods, 0 when not, < 0 an error. */
int ft_ledger_month_closed(struct ft_store *store, const char *month, struct ft_error *err);

/* Run one statement whose parameters are all text (NULL binds NULL). */
int ft_ledger_exec_text(struct ft_store *store, const char *sql, const char *const *args,
			size_t n_args, struct ft_error *err);

#endif
