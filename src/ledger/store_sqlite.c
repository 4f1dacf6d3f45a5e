/*
 * store_sqlite.c — the SQLite backend of the ledger store.
 *
 * A ledger is one SQLite file.  Settings, and why:
 *  - journal_mode=WAL: readers (the portal, `list`) never block the writer
 *    and the writer never blocks them; a crash leaves the last committed state.
 *  - synchronous=FULL: in WAL mode NORMAL can lose the last few committed
 *    transactions on power loss.  A ledger records money already promised to
 *    people; an import that printed "committed" must stay committed.  Writes
 *    are few and large (one transaction an import), so one extra fsync a
 *    commit costs nothing measurable.
 *  - foreign_keys=ON: SQLite leaves them off by default; the schema relies
 *    on them (a track cannot point at a release that does not exist).
 *  - busy_timeout=5000: a second writer waits up to 5 s for the lock instead
 *    of failing at once; BEGIN IMMEDIATE takes the lock before any read, so
 *    a transaction never fails half-way with SQLITE_BUSY on upgrade.
 * Only prepared statements with bound values reach the database.
 *
 * Speed for a long-lived connection (the portal keeps one per worker thread):
 *  - a freed statement is reset and kept (up to STMT_CACHE, least recently
 *    freed dropped first), and a later prepare of the same SQL text takes it
 *    back instead of compiling again: a request's session lookup and its
 *    handler's queries are the same few statements every time.  Only idle
 *    statements sit in the cache, so two live statements never share one;
 *    a reset statement holds no read snapshot, so keeping it blocks nothing.
 *  - SQLite's memory statistics are switched off before SQLite starts: they
 *    take a process-wide mutex on every allocation, which serialises the
 *    portal's threads, and fairtrack never reads them.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger/store_impl.h"

#define STMT_CACHE 32

struct sqlite_stmt {
	struct ft_stmt base;
	sqlite3_stmt *st;
	char *sql; /* the text it was prepared from: the cache's key */
	int keep;  /* 0: not cached when freed (see s_finalize) */
};

struct sqlite_store {
	struct ft_store base;
	sqlite3 *db;
	struct sqlite_stmt *idle[STMT_CACHE]; /* oldest first */
	size_t n_idle;
};

static sqlite3 *db_of(struct ft_store *store)
{
	return ((struct sqlite_store *)store)->db;
}

static sqlite3_stmt *st_of(struct ft_stmt *stmt)
{
	return ((struct sqlite_stmt *)stmt)->st;
}

/* Map an SQLite result to an FT_E* code with the database's own message. */
static int db_error(struct ft_store *store, int rc, const char *what, struct ft_error *err)
{
	int code = FT_EDB;

	if (rc == SQLITE_NOMEM)
		code = FT_ENOMEM;
	else if (rc == SQLITE_NOTADB)
		return ft_error_set(err, FT_ESCHEMA, "%s is not a fairtrack ledger (not an SQLite "
						     "database)",
				    store->location);
	else if ((rc & 0xff) == SQLITE_CONSTRAINT)
		code = FT_ECONFLICT;
	return ft_error_set(err, code, "%s: %s: %s", store->location, what,
			    sqlite3_errmsg(db_of(store)));
}

static void stmt_destroy(struct sqlite_stmt *s)
{
	sqlite3_finalize(s->st);
	free(s->sql);
	free(s);
}

static void s_close(struct ft_store *store)
{
	struct sqlite_store *s = (struct sqlite_store *)store;

	while (s->n_idle)
		stmt_destroy(s->idle[--s->n_idle]);
	sqlite3_close(s->db);
	ft_store_free_base(store);
	free(s);
}

static int s_exec(struct ft_store *store, const char *sql, struct ft_error *err)
{
	int rc = sqlite3_exec(db_of(store), sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db_error(store, rc, "exec", err);
}

static int s_begin(struct ft_store *store, struct ft_error *err)
{
	return s_exec(store, "BEGIN IMMEDIATE", err);
}

static int s_commit(struct ft_store *store, struct ft_error *err)
{
	int rc = sqlite3_exec(db_of(store), "COMMIT", NULL, NULL, NULL);

	if (rc == SQLITE_OK)
		return 0;
	db_error(store, rc, "commit", err);
	/* The transaction may still be open (SQLITE_BUSY): end it. */
	if (!sqlite3_get_autocommit(db_of(store)))
		sqlite3_exec(db_of(store), "ROLLBACK", NULL, NULL, NULL);
	return err ? err->code : FT_EDB;
}

static int s_rollback(struct ft_store *store, struct ft_error *err)
{
	/* After some errors SQLite has already rolled back by itself. */
	if (sqlite3_get_autocommit(db_of(store)))
		return 0;
	return s_exec(store, "ROLLBACK", err);
}

static int s_prepare(struct ft_store *store, struct ft_stmt **out, const char *sql,
		     struct ft_error *err)
{
	struct sqlite_store *ss = (struct sqlite_store *)store;
	struct sqlite_stmt *s;
	const char *tail = NULL;
	size_t i;
	int rc;

	/* Most recently freed first: the statement just used is the likeliest. */
	for (i = ss->n_idle; i-- > 0;) {
		if (strcmp(ss->idle[i]->sql, sql) == 0) {
			s = ss->idle[i];
			memmove(&ss->idle[i], &ss->idle[i + 1],
				(ss->n_idle - i - 1) * sizeof(ss->idle[0]));
			ss->n_idle--;
			*out = &s->base;
			return 0;
		}
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->sql = strdup(sql))) {
		free(s);
		return ft_error_set(err, FT_ENOMEM, "out of memory preparing a statement");
	}
	rc = sqlite3_prepare_v3(db_of(store), sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, &tail);
	if (rc != SQLITE_OK) {
		free(s->sql);
		free(s);
		return db_error(store, rc, "prepare", err);
	}
	s->keep = s->st != NULL;
	while (tail && *tail && s->keep)
		s->keep = strchr(" \t\r\n;", *tail++) != NULL;
	s->base.store = store;
	*out = &s->base;
	return 0;
}

static int64_t s_last_id(struct ft_store *store)
{
	return sqlite3_last_insert_rowid(db_of(store));
}

static int64_t s_changes(struct ft_store *store)
{
	return sqlite3_changes(db_of(store));
}

static int bind_result(struct ft_stmt *stmt, int rc, int idx, struct ft_error *err)
{
	if (rc == SQLITE_OK)
		return 0;
	if (rc == SQLITE_RANGE)
		return ft_error_set(err, FT_EUSAGE, "%s: parameter %d out of range",
				    stmt->store->location, idx);
	return db_error(stmt->store, rc, "bind", err);
}

static int s_bind_text(struct ft_stmt *stmt, int idx, const char *text, struct ft_error *err)
{
	return bind_result(stmt, sqlite3_bind_text(st_of(stmt), idx, text, -1, SQLITE_TRANSIENT),
			   idx, err);
}

static int s_bind_int64(struct ft_stmt *stmt, int idx, int64_t value, struct ft_error *err)
{
	return bind_result(stmt, sqlite3_bind_int64(st_of(stmt), idx, value), idx, err);
}

static int s_bind_null(struct ft_stmt *stmt, int idx, struct ft_error *err)
{
	return bind_result(stmt, sqlite3_bind_null(st_of(stmt), idx), idx, err);
}

static int s_bind_blob(struct ft_stmt *stmt, int idx, const void *data, size_t len,
		       struct ft_error *err)
{
	if (len > (size_t)INT_MAX)
		return ft_error_set(err, FT_EOVERFLOW, "%s: blob of %zu bytes is too large",
				    stmt->store->location, len);
	/* zeroblob for len 0: sqlite3_bind_blob with a NULL pointer binds NULL. */
	return bind_result(stmt,
			   len ? sqlite3_bind_blob(st_of(stmt), idx, data, (int)len, SQLITE_TRANSIENT)
			       : sqlite3_bind_zeroblob(st_of(stmt), idx, 0),
			   idx, err);
}

static int s_step(struct ft_stmt *stmt, struct ft_error *err)
{
	int rc = sqlite3_step(st_of(stmt));

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_error(stmt->store, rc, "step", err);
}

static const char *s_column_text(struct ft_stmt *stmt, int col)
{
	return (const char *)sqlite3_column_text(st_of(stmt), col);
}

static int64_t s_column_int64(struct ft_stmt *stmt, int col)
{
	return sqlite3_column_int64(st_of(stmt), col);
}

static int s_column_is_null(struct ft_stmt *stmt, int col)
{
	return sqlite3_column_type(st_of(stmt), col) == SQLITE_NULL;
}

static const void *s_column_blob(struct ft_stmt *stmt, int col, size_t *len)
{
	/* The pointer first, then the size (SQLite's documented order). */
	const void *p = sqlite3_column_blob(st_of(stmt), col);

	*len = (size_t)sqlite3_column_bytes(st_of(stmt), col);
	return p;
}

static int s_reset(struct ft_stmt *stmt, struct ft_error *err)
{
	/* sqlite3_reset repeats the last step's error; that error was already
	 * reported by step, so only clearing matters here. */
	sqlite3_reset(st_of(stmt));
	sqlite3_clear_bindings(st_of(stmt));
	return 0;
}

static void s_finalize(struct ft_stmt *stmt)
{
	struct sqlite_store *ss = (struct sqlite_store *)stmt->store;
	struct sqlite_stmt *s = (struct sqlite_stmt *)stmt;

	/* Text with more after its first statement is not kept: only the
	 * first was compiled, which the text as a key would hide. */
	if (!s->keep) {
		stmt_destroy(s);
		return;
	}
	sqlite3_reset(s->st);
	sqlite3_clear_bindings(s->st);
	if (ss->n_idle == STMT_CACHE) {
		stmt_destroy(ss->idle[0]);
		memmove(&ss->idle[0], &ss->idle[1], (STMT_CACHE - 1) * sizeof(ss->idle[0]));
		ss->n_idle--;
	}
	ss->idle[ss->n_idle++] = s;
}

static const struct ft_store_ops sqlite_ops = {
	.version = FT_STORE_OPS_VERSION,
	.name = "sqlite",
	.close = s_close,
	.begin = s_begin,
	.commit = s_commit,
	.rollback = s_rollback,
	.exec = s_exec,
	.prepare = s_prepare,
	.last_id = s_last_id,
	.changes = s_changes,
	.bind_text = s_bind_text,
	.bind_blob = s_bind_blob,
	.bind_int64 = s_bind_int64,
	.bind_null = s_bind_null,
	.step = s_step,
	.column_text = s_column_text,
	.column_blob = s_column_blob,
	.column_int64 = s_column_int64,
	.column_is_null = s_column_is_null,
	.reset = s_reset,
	.finalize = s_finalize,
};

void ft_store_sqlite_remove(const char *path)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	char name[4096];
	size_t i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		if ((size_t)snprintf(name, sizeof(name), "%s%s", path, suffixes[i]) < sizeof(name))
			unlink(name);
	}
}

static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

static void sqlite_configure(void)
{
	/* Refused (SQLITE_MISUSE) when something in the process started
	 * SQLite already: the statistics then stay on, which is only slower. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int ft_store_sqlite_open(struct ft_store **out, const char *path, unsigned flags,
			 struct ft_error *err)
{
	struct sqlite_store *s;
	struct stat st;
	int exists, oflags, rc;

	*out = NULL;
	pthread_once(&sqlite_once, sqlite_configure);
	exists = stat(path, &st) == 0;
	if ((flags & FT_STORE_CREATE) && exists)
		return ft_error_set(
		    err, FT_EEXISTS,
		    "%s already exists: refusing to overwrite it (choose a new name)", path);
	if (!(flags & FT_STORE_CREATE) && !exists)
		return ft_error_set(err, FT_ENOTFOUND,
				    "ledger %s not found (create it with 'fairtrack init %s')",
				    path, path);
	if (exists && S_ISDIR(st.st_mode))
		return ft_error_set(err, FT_ESCHEMA, "%s is a directory, not a fairtrack ledger",
				    path);

	s = calloc(1, sizeof(*s));
	if (!s)
		return ft_error_set(err, FT_ENOMEM, "out of memory opening %s", path);
	rc = ft_store_init_base(&s->base, &sqlite_ops, path, err);
	if (rc) {
		free(s);
		return rc;
	}
	oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (flags & FT_STORE_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(path, &s->db, oflags, NULL);
	if (rc != SQLITE_OK) {
		if (s->db)
			ft_error_set(err, FT_EDB, "cannot open ledger %s: %s", path,
				     sqlite3_errmsg(s->db));
		else
			ft_error_set(err, FT_ENOMEM, "out of memory opening %s", path);
		s_close(&s->base);
		return err ? err->code : FT_EDB;
	}
	sqlite3_extended_result_codes(s->db, 0);
	sqlite3_busy_timeout(s->db, 5000);
	/* journal_mode is the first statement that reads the file header, so a
	 * file that is not a database is detected here (SQLITE_NOTADB). */
	rc = s_exec(&s->base,
		    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
		    err);
	if (rc) {
		s_close(&s->base);
		return rc;
	}
	*out = &s->base;
	return 0;
}
