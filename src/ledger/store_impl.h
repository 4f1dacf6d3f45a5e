/*
 * store_impl.h — the backend side of the ledger store (internal to src/ledger).
 *
 * A backend is a versioned table of functions, like SQLite's VFS or libgit2's
 * odb backends.  store.c does everything that is the same for every backend
 * (argument checks, the transaction flag, amounts as text, migrations) and
 * calls the table for the rest.  A backend's handles embed the generic ones as
 * their FIRST member, so store.c can hand a `struct ft_store *` to the backend,
 * which casts it back to its own type:
 *
 *     struct sqlite_store { struct ft_store base; sqlite3 *db; };
 *
 * Adding a field to struct ft_store_ops bumps FT_STORE_OPS_VERSION; store.c
 * refuses a table whose version it does not know, so an out-of-tree backend
 * built against an older table fails loudly instead of calling garbage.
 */
#ifndef FAIRTRACK_STORE_IMPL_H
#define FAIRTRACK_STORE_IMPL_H

#include "fairtrack/store.h"

#define FT_STORE_OPS_VERSION 2

struct ft_store_ops {
	int version; /* FT_STORE_OPS_VERSION */
	const char *name;

	void (*close)(struct ft_store *store);
	int (*begin)(struct ft_store *store, struct ft_error *err);
	int (*commit)(struct ft_store *store, struct ft_error *err);
	int (*rollback)(struct ft_store *store, struct ft_error *err);
	int (*exec)(struct ft_store *store, const char *sql, struct ft_error *err);
	int (*prepare)(struct ft_store *store, struct ft_stmt **out, const char *sql,
		       struct ft_error *err);
	int64_t (*last_id)(struct ft_store *store);
	int64_t (*changes)(struct ft_store *store);

	int (*bind_text)(struct ft_stmt *stmt, int idx, const char *text, struct ft_error *err);
	int (*bind_int64)(struct ft_stmt *stmt, int idx, int64_t value, struct ft_error *err);
	int (*bind_null)(struct ft_stmt *stmt, int idx, struct ft_error *err);
	int (*bind_blob)(struct ft_stmt *stmt, int idx, const void *data, size_t len,
			 struct ft_error *err); /* version 2 */
	int (*step)(struct ft_stmt *stmt, struct ft_error *err);
	const char *(*column_text)(struct ft_stmt *stmt, int col);
	int64_t (*column_int64)(struct ft_stmt *stmt, int col);
	int (*column_is_null)(struct ft_stmt *stmt, int col);
	const void *(*column_blob)(struct ft_stmt *stmt, int col, size_t *len); /* version 2 */
	int (*reset)(struct ft_stmt *stmt, struct ft_error *err);
	void (*finalize)(struct ft_stmt *stmt);
};

/* The generic part of an open store; backends embed it first. */
struct ft_store {
	const struct ft_store_ops *ops;
	char *location;     /* owned, for messages */
	int in_transaction; /* maintained by store.c */
	int schema_version; /* after migrations */
};

struct ft_stmt {
	struct ft_store *store;
};

/* Fill the generic part (copies location).  0 or FT_ENOMEM. */
int ft_store_init_base(struct ft_store *store, const struct ft_store_ops *ops,
		       const char *location, struct ft_error *err);
/* Release what ft_store_init_base allocated. */
void ft_store_free_base(struct ft_store *store);

/* The SQLite backend (store_sqlite.c): open or create the file, set the
 * pragmas; no schema work (store.c does it). */
int ft_store_sqlite_open(struct ft_store **out, const char *path, unsigned flags,
			 struct ft_error *err);

/* Remove what a failed ft_store_sqlite_open(FT_STORE_CREATE) left: the file
 * and its -wal and -shm companions.  Only for a ledger this process created. */
void ft_store_sqlite_remove(const char *path);

/* Bring a freshly opened store's schema up to date (migrations.c).  create
 * says the store was just created and holds nothing yet. */
int ft_store_migrate(struct ft_store *store, int create, struct ft_error *err);

/* One migration: version numbers run 1, 2, 3 … without gaps. */
struct ft_migration {
	int version;
	const char *name;
	const char *sql;
	/* Work SQL cannot do (re-encoding rows), run after sql in the same
	 * transaction; NULL for most. */
	int (*apply)(struct ft_store *store, struct ft_error *err);
};
/* The ordered migrations and their count. */
const struct ft_migration *ft_store_migrations(size_t *count);

#endif
