/*
 * fairtrack — the ledger store: the one storage interface.
 *
 * Every module that keeps state (catalogue, import batches, the journal)
 * talks to the ledger through this header and nothing else, so a second
 * backend (PostgreSQL) can be added without touching a caller.  The interface
 * is statement-level and backend-neutral:
 *
 *  - SQL is written in the portable subset of SQLite and PostgreSQL: '?'
 *    placeholders (a backend rewrites them if it must), TEXT / INTEGER /
 *    BIGINT columns, no backend-specific functions, no AUTOINCREMENT tricks.
 *  - Values always travel as bound parameters.  Never build SQL by pasting a
 *    value into the text: a title with a quote in it is data, not syntax.
 *  - Money (ft_amount, 128-bit) is stored as its canonical decimal TEXT
 *    (ft_amount_format / ft_amount_parse), which round-trips exactly.  Sums of
 *    money are done in C with checked arithmetic, never with SQL SUM(), which
 *    would go through floating point or a 64-bit integer.
 *  - Every multi-row change runs in one write transaction (ft_store_begin …
 *    ft_store_commit), so a failure anywhere leaves the ledger as it was.
 *
 * Opening a ledger brings its schema up to date (src/ledger/migrations.c,
 * docs/internals/STORE.md); a ledger written by a newer fairtrack is refused
 * rather than guessed at.
 *
 * Locations: a file path is an SQLite ledger; "postgres://…" is reserved for
 * the PostgreSQL backend (not built yet: FT_EUSAGE).
 *
 * Ownership: ft_store_open pairs with ft_store_close, ft_store_prepare with
 * ft_stmt_free; both accept NULL.  Statements must be freed before their store
 * is closed.  Text returned by ft_stmt_column_text belongs to the statement and
 * is valid until the next step, reset or free.  A store is not thread-safe:
 * one store per thread.
 */
#ifndef FAIRTRACK_STORE_H
#define FAIRTRACK_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "fairtrack/error.h"
#include "fairtrack/money.h"

struct ft_store; /* an open ledger (opaque) */
struct ft_stmt;  /* a prepared statement (opaque) */

/* Create a new ledger; an existing file is refused with FT_EEXISTS. */
#define FT_STORE_CREATE 0x1u

/*
 * Open (or with FT_STORE_CREATE create) the ledger at location and bring its
 * schema up to date.  Errors:
 *   FT_ENOTFOUND  no ledger there (without FT_STORE_CREATE)
 *   FT_EEXISTS    FT_STORE_CREATE and something is already there
 *   FT_ESCHEMA    not a fairtrack ledger, or its schema is newer than this
 *                 binary understands ("… upgrade fairtrack")
 *   FT_EUSAGE     a location this build has no backend for (postgres://)
 *   FT_EDB        the backend failed (permissions, disk, locked too long)
 */
int ft_store_open(struct ft_store **out, const char *location, unsigned flags,
		  struct ft_error *err);
void ft_store_close(struct ft_store *store);

/* The location the store was opened with (for messages). */
const char *ft_store_location(const struct ft_store *store);
/* The backend's name: "sqlite", "faulty(sqlite)", … */
const char *ft_store_backend(const struct ft_store *store);

/*
 * Write transactions.  begin takes the write lock at once (SQLite: BEGIN
 * IMMEDIATE), so two writers wait for each other (up to 5 s) instead of
 * failing half-way.  Transactions do not nest: begin inside one is FT_EUSAGE.
 * rollback outside a transaction is a no-op returning 0.
 */
int ft_store_begin(struct ft_store *store, struct ft_error *err);
int ft_store_commit(struct ft_store *store, struct ft_error *err);
int ft_store_rollback(struct ft_store *store, struct ft_error *err);
/* 1 while a transaction begun with ft_store_begin is open. */
int ft_store_in_transaction(const struct ft_store *store);

/* Run SQL without parameters or results (DDL; may hold several statements). */
int ft_store_exec(struct ft_store *store, const char *sql, struct ft_error *err);

/* Prepare one statement with '?' placeholders. */
int ft_store_prepare(struct ft_store *store, struct ft_stmt **out, const char *sql,
		     struct ft_error *err);

/* Bind parameter idx (1-based).  A NULL text binds SQL NULL. */
int ft_stmt_bind_text(struct ft_stmt *stmt, int idx, const char *text, struct ft_error *err);
int ft_stmt_bind_int64(struct ft_stmt *stmt, int idx, int64_t value, struct ft_error *err);
int ft_stmt_bind_null(struct ft_stmt *stmt, int idx, struct ft_error *err);
/* Bytes, copied by the store (len 0 binds an empty blob, not NULL). */
int ft_stmt_bind_blob(struct ft_stmt *stmt, int idx, const void *data, size_t len,
		      struct ft_error *err);
/* An amount as its canonical decimal text (exact). */
int ft_stmt_bind_amount(struct ft_stmt *stmt, int idx, ft_amount value, struct ft_error *err);

/* Run one step: 1 = a row is available, 0 = done, < 0 an FT_E* error. */
int ft_stmt_step(struct ft_stmt *stmt, struct ft_error *err);

/* Step a statement that returns no rows (INSERT, UPDATE, DELETE): 0 or an
 * FT_E* error. */
int ft_stmt_run(struct ft_stmt *stmt, struct ft_error *err);

/* Columns of the current row (0-based).  column_text is NULL for SQL NULL. */
const char *ft_stmt_column_text(struct ft_stmt *stmt, int col);
int64_t ft_stmt_column_int64(struct ft_stmt *stmt, int col);
int ft_stmt_column_is_null(struct ft_stmt *stmt, int col);
/* A blob column: its bytes (NULL when empty or SQL NULL) and *len; valid
 * until the next step, reset or free of the statement. */
const void *ft_stmt_column_blob(struct ft_stmt *stmt, int col, size_t *len);
/* Parse a column written by ft_stmt_bind_amount; FT_EINVAL for NULL or a
 * value that is not an exact decimal (a corrupted ledger). */
int ft_stmt_column_amount(struct ft_stmt *stmt, int col, ft_amount *out, struct ft_error *err);

/* Make the statement runnable again and clear its bindings. */
int ft_stmt_reset(struct ft_stmt *stmt, struct ft_error *err);
void ft_stmt_free(struct ft_stmt *stmt);

/* The id of the last row inserted through this store (SQLite rowid). */
int64_t ft_store_last_id(struct ft_store *store);
/* Rows changed by the last INSERT / UPDATE / DELETE. */
int64_t ft_store_changes(struct ft_store *store);
/* The ledger's schema version (after migrations: ft_store_schema_latest()). */
int ft_store_schema_version(const struct ft_store *store);
/* The newest schema version this binary knows. */
int ft_store_schema_latest(void);

#endif
