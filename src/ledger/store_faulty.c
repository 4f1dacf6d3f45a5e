/*
 * store_faulty.c — the fault-injecting wrapper backend (store_faulty.h).
 *
 * A write is recognised by the first keyword of its SQL, which is enough for
 * the statements fairtrack itself issues (no CTE-led writes).  The wrapper
 * keeps the inner store's transaction flag in step with its own so the inner
 * store is never left with a transaction open.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ledger/store_faulty.h"
#include "ledger/store_impl.h"

struct faulty_store {
	struct ft_store base;
	struct ft_store *inner;
	struct ft_store_faults faults;
	long writes;
};

struct faulty_stmt {
	struct ft_stmt base;
	struct ft_stmt *inner;
	int is_write;
};

static struct faulty_store *fs_of(struct ft_store *store)
{
	return (struct faulty_store *)store;
}

static struct ft_stmt *in_of(struct ft_stmt *stmt)
{
	return ((struct faulty_stmt *)stmt)->inner;
}

static int is_write_sql(const char *sql)
{
	static const char *const verbs[] = {"INSERT", "UPDATE", "DELETE", "REPLACE",
					    "CREATE", "DROP",   "ALTER"};
	size_t i;

	while (isspace((unsigned char)*sql))
		sql++;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strncasecmp(sql, verbs[i], strlen(verbs[i])) == 0)
			return 1;
	return 0;
}

/* Count a write; the Nth one fails. */
static int count_write(struct faulty_store *fs, struct ft_error *err)
{
	fs->writes++;
	if (fs->faults.fail_nth_write > 0 && fs->writes == fs->faults.fail_nth_write)
		return ft_error_set(err, FT_EDB, "%s: faulty store: injected failure at write %ld",
				    fs->base.location, fs->writes);
	return 0;
}

static void f_close(struct ft_store *store)
{
	struct faulty_store *fs = fs_of(store);

	ft_store_close(fs->inner);
	ft_store_free_base(store);
	free(fs);
}

static int f_begin(struct ft_store *store, struct ft_error *err)
{
	return ft_store_begin(fs_of(store)->inner, err);
}

static int f_commit(struct ft_store *store, struct ft_error *err)
{
	struct faulty_store *fs = fs_of(store);

	if (fs->faults.crash_before_commit) {
		ft_store_rollback(fs->inner, NULL);
		return ft_error_set(err, FT_EDB, "%s: faulty store: crashed before commit",
				    store->location);
	}
	return ft_store_commit(fs->inner, err);
}

static int f_rollback(struct ft_store *store, struct ft_error *err)
{
	return ft_store_rollback(fs_of(store)->inner, err);
}

static int f_exec(struct ft_store *store, const char *sql, struct ft_error *err)
{
	int rc;

	if (is_write_sql(sql)) {
		rc = count_write(fs_of(store), err);
		if (rc)
			return rc;
	}
	return ft_store_exec(fs_of(store)->inner, sql, err);
}

static int f_prepare(struct ft_store *store, struct ft_stmt **out, const char *sql,
		     struct ft_error *err)
{
	struct faulty_stmt *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return ft_error_set(err, FT_ENOMEM, "out of memory preparing a statement");
	rc = ft_store_prepare(fs_of(store)->inner, &s->inner, sql, err);
	if (rc) {
		free(s);
		return rc;
	}
	s->base.store = store;
	s->is_write = is_write_sql(sql);
	*out = &s->base;
	return 0;
}

static int64_t f_last_id(struct ft_store *store)
{
	return ft_store_last_id(fs_of(store)->inner);
}

static int64_t f_changes(struct ft_store *store)
{
	return ft_store_changes(fs_of(store)->inner);
}

static int f_bind_text(struct ft_stmt *stmt, int idx, const char *text, struct ft_error *err)
{
	return ft_stmt_bind_text(in_of(stmt), idx, text, err);
}

static int f_bind_int64(struct ft_stmt *stmt, int idx, int64_t value, struct ft_error *err)
{
	return ft_stmt_bind_int64(in_of(stmt), idx, value, err);
}

static int f_bind_null(struct ft_stmt *stmt, int idx, struct ft_error *err)
{
	return ft_stmt_bind_null(in_of(stmt), idx, err);
}

static int f_bind_blob(struct ft_stmt *stmt, int idx, const void *data, size_t len,
		       struct ft_error *err)
{
	return ft_stmt_bind_blob(in_of(stmt), idx, data, len, err);
}

static int f_step(struct ft_stmt *stmt, struct ft_error *err)
{
	int rc;

	if (((struct faulty_stmt *)stmt)->is_write) {
		rc = count_write(fs_of(stmt->store), err);
		if (rc)
			return rc;
	}
	return ft_stmt_step(in_of(stmt), err);
}

static const char *f_column_text(struct ft_stmt *stmt, int col)
{
	return ft_stmt_column_text(in_of(stmt), col);
}

static int64_t f_column_int64(struct ft_stmt *stmt, int col)
{
	return ft_stmt_column_int64(in_of(stmt), col);
}

static int f_column_is_null(struct ft_stmt *stmt, int col)
{
	return ft_stmt_column_is_null(in_of(stmt), col);
}

static const void *f_column_blob(struct ft_stmt *stmt, int col, size_t *len)
{
	return ft_stmt_column_blob(in_of(stmt), col, len);
}

static int f_reset(struct ft_stmt *stmt, struct ft_error *err)
{
	return ft_stmt_reset(in_of(stmt), err);
}

static void f_finalize(struct ft_stmt *stmt)
{
	ft_stmt_free(in_of(stmt));
	free(stmt);
}

static const struct ft_store_ops faulty_ops = {
	.version = FT_STORE_OPS_VERSION,
	.name = "faulty",
	.close = f_close,
	.begin = f_begin,
	.commit = f_commit,
	.rollback = f_rollback,
	.exec = f_exec,
	.prepare = f_prepare,
	.last_id = f_last_id,
	.changes = f_changes,
	.bind_text = f_bind_text,
	.bind_blob = f_bind_blob,
	.bind_int64 = f_bind_int64,
	.bind_null = f_bind_null,
	.step = f_step,
	.column_text = f_column_text,
	.column_blob = f_column_blob,
	.column_int64 = f_column_int64,
	.column_is_null = f_column_is_null,
	.reset = f_reset,
	.finalize = f_finalize,
};

int ft_store_faulty_wrap(struct ft_store **out, struct ft_store *inner,
			 const struct ft_store_faults *faults, struct ft_error *err)
{
	struct faulty_store *fs;
	int rc;

	*out = NULL;
	fs = calloc(1, sizeof(*fs));
	if (!fs) {
		ft_store_close(inner);
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	}
	rc = ft_store_init_base(&fs->base, &faulty_ops, ft_store_location(inner), err);
	if (rc) {
		free(fs);
		ft_store_close(inner);
		return rc;
	}
	fs->base.schema_version = ft_store_schema_version(inner);
	fs->inner = inner;
	if (faults)
		fs->faults = *faults;
	*out = &fs->base;
	return 0;
}

long ft_store_faulty_writes(const struct ft_store *faulty)
{
	return ((const struct faulty_store *)faulty)->writes;
}
