/*
 * store.c — the ledger store front end: picks a backend by location, keeps
 * the rules every backend shares, and dispatches through struct ft_store_ops.
 *
 * Guarantees kept here rather than in each backend:
 *  - a store is returned only after its schema is current (or refused);
 *  - transactions do not nest, and closing a store with an open transaction
 *    rolls it back (never a silent partial commit);
 *  - amounts cross the interface as canonical decimal text, exactly.
 */
#include <stdlib.h>
#include <string.h>

#include "ledger/store_impl.h"

int ft_store_init_base(struct ft_store *store, const struct ft_store_ops *ops,
		       const char *location, struct ft_error *err)
{
	size_t n = strlen(location);

	store->ops = ops;
	store->in_transaction = 0;
	store->schema_version = 0;
	store->location = malloc(n + 1);
	if (!store->location)
		return ft_error_set(err, FT_ENOMEM, "out of memory opening ledger");
	memcpy(store->location, location, n + 1);
	return 0;
}

void ft_store_free_base(struct ft_store *store)
{
	free(store->location);
	store->location = NULL;
}

int ft_store_open(struct ft_store **out, const char *location, unsigned flags,
		  struct ft_error *err)
{
	struct ft_store *store = NULL;
	int created, rc;

	*out = NULL;
	if (!location || !location[0])
		return ft_error_set(err, FT_EUSAGE, "no ledger given (a file path)");
	if (strncmp(location, "postgres://", 11) == 0 ||
	    strncmp(location, "postgresql://", 13) == 0)
		return ft_error_set(
		    err, FT_EUSAGE,
		    "%s: PostgreSQL backend not built yet (use an SQLite file path)", location);
	rc = ft_store_sqlite_open(&store, location, flags, err);
	if (rc)
		return rc;
	created = (flags & FT_STORE_CREATE) != 0;
	if (store->ops->version != FT_STORE_OPS_VERSION) {
		rc = ft_error_set(err, FT_EUSAGE,
				  "%s: backend '%s' has ops version %d, expected %d", location,
				  store->ops->name, store->ops->version, FT_STORE_OPS_VERSION);
		goto out;
	}
	rc = ft_store_migrate(store, (flags & FT_STORE_CREATE) != 0, err);
	if (rc)
		goto out;
	*out = store;
	store = NULL;
out:
	ft_store_close(store);
	/* A ledger that init could not finish is not left behind half-made
	 * (the backend refused an existing file, so this one is ours). */
	if (rc && created)
		ft_store_sqlite_remove(location);
	return rc;
}

void ft_store_close(struct ft_store *store)
{
	if (!store)
		return;
	if (store->in_transaction)
		store->ops->rollback(store, NULL);
	store->ops->close(store);
}

const char *ft_store_location(const struct ft_store *store)
{
	return store->location;
}

const char *ft_store_backend(const struct ft_store *store)
{
	return store->ops->name;
}

int ft_store_begin(struct ft_store *store, struct ft_error *err)
{
	int rc;

	if (store->in_transaction)
		return ft_error_set(err, FT_EUSAGE,
				    "%s: a transaction is already open (transactions do not nest)",
				    store->location);
	rc = store->ops->begin(store, err);
	if (rc == 0)
		store->in_transaction = 1;
	return rc;
}

int ft_store_commit(struct ft_store *store, struct ft_error *err)
{
	int rc;

	if (!store->in_transaction)
		return ft_error_set(err, FT_EUSAGE, "%s: commit without a transaction",
				    store->location);
	rc = store->ops->commit(store, err);
	/* A failed commit is rolled back by the backend: either way the
	 * transaction is over, and the caller must not believe it is open. */
	store->in_transaction = 0;
	return rc;
}

int ft_store_rollback(struct ft_store *store, struct ft_error *err)
{
	if (!store->in_transaction)
		return 0;
	store->in_transaction = 0;
	return store->ops->rollback(store, err);
}

int ft_store_in_transaction(const struct ft_store *store)
{
	return store->in_transaction;
}

int ft_store_exec(struct ft_store *store, const char *sql, struct ft_error *err)
{
	return store->ops->exec(store, sql, err);
}

int ft_store_prepare(struct ft_store *store, struct ft_stmt **out, const char *sql,
		     struct ft_error *err)
{
	*out = NULL;
	return store->ops->prepare(store, out, sql, err);
}

int ft_stmt_bind_text(struct ft_stmt *stmt, int idx, const char *text, struct ft_error *err)
{
	if (!text)
		return stmt->store->ops->bind_null(stmt, idx, err);
	return stmt->store->ops->bind_text(stmt, idx, text, err);
}

int ft_stmt_bind_int64(struct ft_stmt *stmt, int idx, int64_t value, struct ft_error *err)
{
	return stmt->store->ops->bind_int64(stmt, idx, value, err);
}

int ft_stmt_bind_null(struct ft_stmt *stmt, int idx, struct ft_error *err)
{
	return stmt->store->ops->bind_null(stmt, idx, err);
}

int ft_stmt_bind_blob(struct ft_stmt *stmt, int idx, const void *data, size_t len,
		      struct ft_error *err)
{
	return stmt->store->ops->bind_blob(stmt, idx, data, len, err);
}

int ft_stmt_bind_amount(struct ft_stmt *stmt, int idx, ft_amount value, struct ft_error *err)
{
	char text[FT_AMOUNT_STR_MAX];

	if (ft_amount_format(text, sizeof(text), value, 0) == 0)
		return ft_error_set(err, FT_EOVERFLOW, "amount does not format");
	return stmt->store->ops->bind_text(stmt, idx, text, err);
}

int ft_stmt_step(struct ft_stmt *stmt, struct ft_error *err)
{
	return stmt->store->ops->step(stmt, err);
}

const char *ft_stmt_column_text(struct ft_stmt *stmt, int col)
{
	return stmt->store->ops->column_text(stmt, col);
}

int64_t ft_stmt_column_int64(struct ft_stmt *stmt, int col)
{
	return stmt->store->ops->column_int64(stmt, col);
}

int ft_stmt_column_is_null(struct ft_stmt *stmt, int col)
{
	return stmt->store->ops->column_is_null(stmt, col);
}

const void *ft_stmt_column_blob(struct ft_stmt *stmt, int col, size_t *len)
{
	return stmt->store->ops->column_blob(stmt, col, len);
}

int ft_stmt_column_amount(struct ft_stmt *stmt, int col, ft_amount *out, struct ft_error *err)
{
	const char *text = stmt->store->ops->column_text(stmt, col);
	int rc;

	if (!text)
		return ft_error_set(err, FT_EINVAL, "%s: column %d: amount is NULL",
				    stmt->store->location, col);
	rc = ft_amount_parse(out, text, strlen(text), err);
	if (rc)
		ft_error_set(err, rc, "%s: column %d: stored amount '%s' is not an exact decimal",
			     stmt->store->location, col, text);
	return rc;
}

int ft_stmt_reset(struct ft_stmt *stmt, struct ft_error *err)
{
	return stmt->store->ops->reset(stmt, err);
}

void ft_stmt_free(struct ft_stmt *stmt)
{
	if (!stmt)
		return;
	stmt->store->ops->finalize(stmt);
}

int64_t ft_store_last_id(struct ft_store *store)
{
	return store->ops->last_id(store);
}

int64_t ft_store_changes(struct ft_store *store)
{
	return store->ops->changes(store);
}

int ft_store_schema_version(const struct ft_store *store)
{
	return store->schema_version;
}

int ft_stmt_run(struct ft_stmt *stmt, struct ft_error *err)
{
	int rc = ft_stmt_step(stmt, err);

	return rc < 0 ? rc : 0;
}
