/*
 * contracts_store.c — contracts in the ledger (`import contracts`).
 *
 * Files are parsed by src/contracts (all or nothing), with catalogue hooks
 * that ask the ledger whether every track (ISRC), release (GTIN-14) and
 * artist in scope exists, then stored in one transaction, replacing a
 * contract with the same id.  The ledger keeps the text of the file each
 * contract came from, not a re-export: a run parses it again, so `explain`
 * can cite the line of the rule as the label wrote it.
 *
 * Before anything is written, the incoming contracts are checked against
 * each other and the stored ones for two deals claiming the same income
 * (ft_contract_overlap_check); a conflict refuses the whole import.
 *
 * What changed is reported per contract (added / changed / unchanged, by
 * ft_contract_equal, which ignores file and line numbers).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fairtrack/ledger_run.h"
#include "ledger/run_int.h"

static bool known(struct ft_store *store, const char *sql, const char *id)
{
	struct ft_stmt *st = NULL;
	int rc = ft_store_prepare(store, &st, sql, NULL);

	if (!rc)
		rc = ft_stmt_bind_text(st, 1, id, NULL);
	if (!rc)
		rc = ft_stmt_step(st, NULL);
	ft_stmt_free(st);
	return rc == 1;
}

static bool track_known(void *ctx, const char *isrc)
{
	return known(ctx, "SELECT 1 FROM tracks WHERE isrc = ?", isrc);
}

static bool release_known(void *ctx, const char *gtin14)
{
	return known(ctx, "SELECT 1 FROM releases WHERE gtin14 = ?", gtin14);
}

static bool artist_known(void *ctx, const char *id)
{
	return known(ctx, "SELECT 1 FROM artists WHERE id = ?", id);
}

/* Parse one stored file text and copy out the contract with this id. */
static int parse_stored(struct ft_contract *out, const char *id, const char *text, const char *file,
			struct ft_error *err)
{
	struct ft_contract *list = NULL;
	size_t n = 0, i;
	int rc;

	rc = ft_contract_parse(&list, &n, text, strlen(text), file, NULL, err);
	if (rc)
		return rc;
	for (i = 0; i < n; i++)
		if (!strcmp(list[i].id, id))
			break;
	if (i == n)
		rc = ft_error_set(err, FT_ESCHEMA, "stored contract %s is missing from its text",
				  id);
	else
		rc = ft_contract_copy(out, &list[i], err);
	ft_contract_array_free(list, n);
	return rc;
}

/* The stored version of a contract: 1 and *out filled, or 0 when none. */
static int load_one(struct ft_store *store, const char *id, struct ft_contract *out,
		    struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc = ft_store_prepare(store, &st, "SELECT yaml, file FROM contracts WHERE id = ?", err);

	if (!rc)
		rc = ft_stmt_bind_text(st, 1, id, err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	if (rc == 1) {
		rc = parse_stored(out, id, ft_stmt_column_text(st, 0), ft_stmt_column_text(st, 1),
				  err);
		if (!rc)
			rc = 1;
	}
	ft_stmt_free(st);
	return rc;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The stored contracts but those whose id is in skip (sorted, by_id). */
static int load_except(struct ft_store *store, struct ft_contract_set *set, const char **skip,
		       size_t n_skip, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	size_t cap = 0;
	int rc;

	rc = ft_store_prepare(store, &st, "SELECT id, yaml, file FROM contracts ORDER BY id", err);
	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		const char *id = ft_stmt_column_text(st, 0);

		rc = 0;
		if (n_skip && bsearch(&id, skip, n_skip, sizeof(*skip), by_id))
			continue;
		if (set->n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct ft_contract *grown = realloc(set->items, ncap * sizeof(*grown));

			if (!grown) {
				rc = ft_error_set(err, FT_ENOMEM, "out of memory");
				break;
			}
			set->items = grown;
			cap = ncap;
		}
		memset(&set->items[set->n], 0, sizeof(set->items[0]));
		rc = parse_stored(&set->items[set->n], ft_stmt_column_text(st, 0),
				  ft_stmt_column_text(st, 1), ft_stmt_column_text(st, 2), err);
		if (rc)
			break;
		set->n++;
	}
	ft_stmt_free(st);
	if (rc < 0) {
		ft_contract_set_clear(set);
		return rc;
	}
	return 0;
}

/*
 * The catalogue as the overlap check sees it (ft_contract_overlap_check):
 * a release's tracks, and the tracks an artist is the first main artist of
 * (the artist a run gives a line: track_artists role 'main', lowest
 * position, as run_read.c's track_context asks).  The statements are prepared
 * once and reset for each scope entry.
 */
struct catalog_ctx {
	struct ft_store *store;
	struct ft_stmt *release_q, *artist_q;
};

static int emit_rows(struct ft_store *store, struct ft_stmt **st, const char *sql, const char *key,
		     ft_contract_track_fn emit, void *emit_ctx, struct ft_error *err)
{
	int rc = *st ? ft_stmt_reset(*st, err) : ft_store_prepare(store, st, sql, err);

	if (!rc)
		rc = ft_stmt_bind_text(*st, 1, key, err);
	while (!rc && (rc = ft_stmt_step(*st, err)) == 1)
		rc = emit(emit_ctx, ft_stmt_column_text(*st, 0));
	return rc;
}

static int release_tracks(void *ctx, const char *gtin14, ft_contract_track_fn emit, void *emit_ctx,
			  struct ft_error *err)
{
	struct catalog_ctx *cat = ctx;

	return emit_rows(cat->store, &cat->release_q,
			 "SELECT isrc FROM release_tracks WHERE gtin14 = ?", gtin14, emit, emit_ctx,
			 err);
}

static int artist_tracks(void *ctx, const char *artist_id, ft_contract_track_fn emit,
			 void *emit_ctx, struct ft_error *err)
{
	struct catalog_ctx *cat = ctx;

	return emit_rows(cat->store, &cat->artist_q,
			 "SELECT ta.isrc FROM track_artists ta WHERE ta.artist_id = ? AND "
			 "ta.role = 'main' AND ta.position = (SELECT MIN(position) FROM "
			 "track_artists t2 WHERE t2.isrc = ta.isrc AND t2.role = 'main')",
			 artist_id, emit, emit_ctx, err);
}

/* The incoming set against itself and the contracts stored (docs/CONTRACTS.md,
 * "Overlapping contracts").  Runs inside the import's transaction, so what it
 * compares with is what the import replaces. */
/* A contract of a cross-collateral group, for group_currencies. */
struct grouped {
	const struct ft_contract *c;
	int incoming;
	size_t at; /* its place in its set (file order) */
};

static int by_group(const void *pa, const void *pb)
{
	const struct grouped *a = pa, *b = pb;
	int c = strcmp(a->c->cross_collateral, b->c->cross_collateral);

	/* the incoming contracts last in their group, so one is named */
	if (c)
		return c;
	if (a->incoming != b->incoming)
		return a->incoming - b->incoming;
	return (a->at > b->at) - (a->at < b->at);
}

/*
 * ACCT-5: a cross-collateral group is one balance per payee, so one
 * currency (docs/JOURNAL.md "Currencies").  The first incoming contract of
 * a group whose currency differs from another of the group, stored or
 * incoming, is refused with its file, line and field.
 */
static int group_currencies(const struct ft_contract_set *stored, const struct ft_contract_set *set,
			    struct ft_error *err)
{
	struct grouped *g = malloc((stored->n + set->n + 1) * sizeof(*g));
	size_t n = 0, i, j;
	int rc = 0;

	if (!g)
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	for (i = 0; i < stored->n; i++)
		if (stored->items[i].cross_collateral[0])
			g[n++] = (struct grouped){&stored->items[i], 0, i};
	for (i = 0; i < set->n; i++)
		if (set->items[i].cross_collateral[0])
			g[n++] = (struct grouped){&set->items[i], 1, i};
	qsort(g, n, sizeof(*g), by_group);
	for (i = 0; !rc && i < n; i = j) {
		for (j = i + 1; !rc && j < n && !strcmp(g[j].c->cross_collateral,
						       g[i].c->cross_collateral);
		     j++) {
			const struct ft_contract *c = g[j].c, *o = g[i].c;

			if (!strcmp(c->currency, o->currency))
				continue;
			rc = ft_error_setloc(
			    err, FT_EINVAL, c->file[0] ? c->file : NULL, c->line, "currency",
			    "contracts %s (%s) and %s (%s, %s) share the cross_collateral group "
			    "%s: one balance needs one currency",
			    c->id, c->currency, o->id, o->currency, o->file[0] ? o->file : "stored",
			    c->cross_collateral);
		}
	}
	free(g);
	return rc;
}

static int check_overlaps(struct ft_store *store, const struct ft_contract_set *set,
			  struct ft_error *err)
{
	struct catalog_ctx ctx = {store, NULL, NULL};
	struct ft_contract_catalog cat = {release_tracks, artist_tracks, &ctx};
	struct ft_contract_set stored = {0};
	const char **incoming = malloc((set->n ? set->n : 1) * sizeof(*incoming));
	size_t i;
	int rc;

	if (!incoming)
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	/* Those the import replaces are not parsed: re-importing every
	 * contract would parse the whole stored set for nothing. */
	for (i = 0; i < set->n; i++)
		incoming[i] = set->items[i].id;
	qsort(incoming, set->n, sizeof(*incoming), by_id);
	rc = load_except(store, &stored, incoming, set->n, err);
	if (!rc)
		rc = group_currencies(&stored, set, err);
	if (!rc)
		rc = ft_contract_overlap_check(stored.items, stored.n, set->items, set->n, &cat,
					       err);
	ft_stmt_free(ctx.release_q);
	ft_stmt_free(ctx.artist_q);
	ft_contract_set_clear(&stored);
	free(incoming);
	return rc;
}

/* Which contracts of the set share their file with another: sorted by file,
 * neighbours tell.  *out is a calloc'd flag per contract. */
static int by_file(const void *a, const void *b, void *ctx)
{
	const struct ft_contract_set *set = ctx;

	return strcmp(set->items[*(const size_t *)a].file, set->items[*(const size_t *)b].file);
}

static int shared_files(const struct ft_contract_set *set, bool **out, struct ft_error *err)
{
	size_t *order = malloc((set->n ? set->n : 1) * sizeof(*order));
	bool *shared = calloc(set->n ? set->n : 1, sizeof(*shared));
	size_t i;

	if (!order || !shared) {
		free(order);
		free(shared);
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	}
	for (i = 0; i < set->n; i++)
		order[i] = i;
	qsort_r(order, set->n, sizeof(*order), by_file, (void *)set);
	for (i = 1; i < set->n; i++)
		if (!strcmp(set->items[order[i]].file, set->items[order[i - 1]].file))
			shared[order[i]] = shared[order[i - 1]] = true;
	free(order);
	*out = shared;
	return 0;
}

int ft_contracts_import(struct ft_store *store, const char *path,
			struct ft_contracts_import_result *res, struct ft_error *err)
{
	struct ft_contract_hooks hooks = {track_known, release_known, artist_known, store};
	struct ft_contract_set set = {0};
	bool *shared = NULL;
	char stamp[32];
	size_t i;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = ft_contract_set_load(&set, path, &hooks, NULL, err);
	if (rc)
		return rc;
	res->changes = calloc(set.n ? set.n : 1, sizeof(*res->changes));
	if (!res->changes) {
		ft_contract_set_clear(&set);
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	}
	rc = shared_files(&set, &shared, err);
	if (rc) {
		ft_contract_set_clear(&set);
		return rc;
	}
	ft_ledger_now(stamp);
	rc = ft_store_begin(store, err);
	if (!rc)
		rc = check_overlaps(store, &set, err);
	for (i = 0; !rc && i < set.n; i++) {
		const struct ft_contract *c = &set.items[i];
		struct ft_contract old = {0};
		char *text = NULL;
		size_t len;
		const char *args[4];

		rc = load_one(store, c->id, &old, err);
		if (rc < 0)
			break;
		snprintf(res->changes[i].id, sizeof(res->changes[i].id), "%s", c->id);
		res->changes[i].kind = rc == 0			    ? FT_CONTRACT_ADDED
				       : ft_contract_equal(&old, c) ? FT_CONTRACT_UNCHANGED
								    : FT_CONTRACT_CHANGED;
		ft_contract_clear(&old);
		res->n_changes = i + 1;
		/* A file of one contract is kept as written (comments and all);
		 * one contract of a file holding many is kept as its own canonical
		 * document: storing the whole file for each made the ledger grow
		 * with the square of the file (1,000 contracts: 290 MB) and every
		 * load parse the file once per contract. */
		rc = shared[i] ? ft_contract_to_yaml(&text, &len, c, err)
			       : ft_ledger_read_file(c->file, &text, &len, err);
		if (rc)
			break;
		args[0] = c->id;
		rc = ft_ledger_exec_text(store, "DELETE FROM contracts WHERE id = ?", args, 1, err);
		args[1] = text;
		args[2] = c->file;
		args[3] = stamp;
		if (!rc)
			rc = ft_ledger_exec_text(
			    store,
			    "INSERT INTO contracts (id, yaml, file, imported_at) "
			    "VALUES (?, ?, ?, ?)",
			    args, 4, err);
		free(text);
	}
	if (!rc)
		rc = ft_store_commit(store, err);
	if (rc)
		ft_store_rollback(store, NULL);
	free(shared);
	ft_contract_set_clear(&set);
	return rc;
}

void ft_contracts_import_result_free(struct ft_contracts_import_result *res)
{
	if (!res)
		return;
	free(res->changes);
	res->changes = NULL;
	res->n_changes = 0;
}

int ft_contracts_load(struct ft_store *store, struct ft_contract_set *set, struct ft_error *err)
{
	return load_except(store, set, NULL, 0, err);
}

/* Write text to dir/<id>.yaml through a temporary file and a rename, so an
 * export that fails leaves no half-written contract behind. */
static int write_contract(const char *dir, const char *id, const char *text,
			  struct ft_error *err)
{
	char path[4200], tmp[4300];
	size_t len = strlen(text);
	FILE *f;
	int ok;

	/* ids are slugs (letters, digits, '-', '_', '.', ':'; contract_yaml.c):
	 * refuse anything else rather than write outside dir. */
	if (!id[0] || strchr(id, '/') || id[0] == '.')
		return ft_error_set(err, FT_EINVAL, "stored contract id '%s' is not a file name",
				    id);
	snprintf(path, sizeof(path), "%s/%s.yaml", dir, id);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "wb");
	if (!f)
		return ft_error_set(err, FT_EIO, "%s: cannot write: %s", tmp, strerror(errno));
	ok = fwrite(text, 1, len, f) == len;
	if (ok && len && text[len - 1] != '\n')
		ok = fputc('\n', f) != EOF;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		int e = errno;

		remove(tmp);
		return ft_error_set(err, FT_EIO, "%s: cannot write: %s", path, strerror(e));
	}
	return 0;
}

int ft_contracts_export(struct ft_store *store, const char *dir, size_t *n, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	struct stat sb;
	int rc;

	*n = 0;
	if (stat(dir, &sb) != 0) {
		if (mkdir(dir, 0777) != 0)
			return ft_error_set(err, FT_EIO, "%s: cannot create directory: %s", dir,
					    strerror(errno));
	} else if (!S_ISDIR(sb.st_mode)) {
		return ft_error_set(err, FT_EUSAGE,
				    "%s is not a directory (export writes one file per contract)",
				    dir);
	}
	rc = ft_store_prepare(store, &st, "SELECT id, yaml FROM contracts ORDER BY id", err);
	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		rc = write_contract(dir, ft_stmt_column_text(st, 0), ft_stmt_column_text(st, 1), err);
		if (!rc)
			(*n)++;
	}
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}
