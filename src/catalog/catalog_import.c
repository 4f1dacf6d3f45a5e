/*
 * catalog_import.c — a parsed catalogue into the ledger, in one transaction,
 * with the list of what changed.
 *
 * Every entity is matched by its identifier (label name, artist id, partner
 * id, release GTIN-14, track ISRC) and compared field by field with what the
 * ledger holds: new ones are inserted, differing fields updated and each
 * difference recorded as a change; equal ones only counted.  List-valued
 * facts (a band's members, a track's artists, a release's tracklist, a
 * track's contributors) are compared as a whole and replaced as a whole: the
 * file is the truth for every entity it mentions, and says nothing about the
 * ones it does not (an import never deletes an entity).
 *
 * Order matters because of the foreign keys: labels, artists, partners,
 * releases, tracks, tracklists, contributors.  References are resolved
 * against the ledger after the referenced kind was written, so a reference
 * may point at the same import or at an earlier one.
 *
 * Any error — an unknown reference, a storage failure — rolls the whole
 * transaction back; the change list reaches the caller only after commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_int.h"

/* An entity table as the generic upsert sees it. */
struct entity_desc {
	int entity; /* enum cat_entity */
	const char *table;
	const char *key_col;
	const char *key2_col;    /* second key column, or NULL */
	const char *const *cols; /* compared and written; NULL-terminated */
	const char *types;       /* 't' text or 'i' integer, one per col */
	const char *const *defaults; /* inserted for a value not given, or NULL */
};

static const char *const label_cols[] = {"country", NULL};
static const char *const artist_cols[] = {"name", "kind", "country", NULL};
static const char *const partner_cols[] = {"name",        "type",     "territories",
					   "fee_percent", "currency", NULL};
static const char *const release_cols[] = {"upc",    "title",        "artist_id", "label",
					   "format", "release_date", NULL};
static const char *const track_cols[] = {"title", "duration", NULL};

/* NOT NULL columns a file may leave out get these when the entity is new. */
static const char *const partner_defaults[] = {NULL, NULL, "WW", "0", NULL};
static const char *const plan_cols[] = {"territories", "release_date", NULL};
static const char *const plan_defaults[] = {"WW", NULL};

static const struct entity_desc label_desc = {
	CAT_LABEL, "labels", "name", NULL, label_cols, "t", NULL};
static const struct entity_desc artist_desc = {
	CAT_ARTIST, "artists", "id", NULL, artist_cols, "ttt", NULL};
static const struct entity_desc partner_desc = {
	CAT_PARTNER, "partners", "id", NULL, partner_cols, "ttttt", partner_defaults};
static const struct entity_desc release_desc = {
	CAT_RELEASE, "releases", "gtin14", NULL, release_cols, "tttttt", NULL};
static const struct entity_desc track_desc = {
	CAT_TRACK, "tracks", "isrc", NULL, track_cols, "ti", NULL};
static const struct entity_desc plan_desc = {
	CAT_PLAN, "release_plans", "gtin14", "partner_id", plan_cols, "tt", plan_defaults};

enum status { UNCHANGED, ADDED, UPDATED };

struct imp {
	struct ft_store *store;
	const struct ft_catalog *cat;
	struct ft_catalog_changes changes;
	struct ft_stmt *cache[FT_CATALOG_ENTITY_COUNT][3]; /* select, insert, update */
	enum status *release_status; /* per cat->releases[], counted after tracklists */
	struct {
		const char *sql; /* a string literal of this file: compared by address */
		struct ft_stmt *st;
	} stmts[32];
	size_t n_stmts;
	struct ft_error *err;
};

static int nomem(struct imp *im)
{
	return ft_error_set(im->err, FT_ENOMEM, "out of memory importing the catalogue");
}

/*
 * A prepared statement for one of this file's constant SQL texts, prepared
 * once per import and reset for reuse: a catalogue of 20 000 tracks runs the
 * same dozen statements 20 000 times each.  Callers reset, never free.
 */
static int prep(struct imp *im, const char *sql, struct ft_stmt **out)
{
	size_t i;
	int rc;

	for (i = 0; i < im->n_stmts; i++) {
		if (im->stmts[i].sql == sql) {
			*out = im->stmts[i].st;
			return ft_stmt_reset(*out, im->err);
		}
	}
	if (im->n_stmts == sizeof(im->stmts) / sizeof(im->stmts[0]))
		return ft_error_set(im->err, FT_EUSAGE, "catalogue import: statement cache full");
	rc = ft_store_prepare(im->store, out, sql, im->err);
	if (rc)
		return rc;
	im->stmts[im->n_stmts].sql = sql;
	im->stmts[im->n_stmts].st = *out;
	im->n_stmts++;
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int record(struct imp *im, enum ft_catalog_action action, int entity, const char *key,
		  const char *field, const char *before, const char *after)
{
	struct ft_catalog_changes *ch = &im->changes;
	struct ft_catalog_change *c;

	if (ch->count == ch->cap) {
		size_t cap = ch->cap ? ch->cap * 2 : 32;
		struct ft_catalog_change *grown = realloc(ch->items, cap * sizeof(*grown));

		if (!grown)
			return nomem(im);
		ch->items = grown;
		ch->cap = cap;
	}
	c = &ch->items[ch->count];
	memset(c, 0, sizeof(*c));
	c->action = action;
	c->entity = ft_catalog_entity_name(entity);
	c->key = strdup(key);
	c->field = dup_or_null(field);
	c->before = dup_or_null(before);
	c->after = dup_or_null(after);
	ch->count++;
	if (!c->key || (field && !c->field) || (before && !c->before) || (after && !c->after))
		return nomem(im);
	return 0;
}

static void count(struct imp *im, int entity, enum status st)
{
	struct ft_catalog_counts *n = &im->changes.counts[entity];

	if (st == ADDED)
		n->added++;
	else if (st == UPDATED)
		n->updated++;
	else
		n->unchanged++;
}

/* Prepare once per import; statements are cached by entity and role. */
static int cached(struct imp *im, const struct entity_desc *d, int role, struct ft_stmt **out)
{
	char sql[512];
	size_t o = 0, i;
	int rc;

	if (im->cache[d->entity][role]) {
		*out = im->cache[d->entity][role];
		return 0;
	}
	/* Identifiers come from the constant descriptors above, never from
	 * input; values are always bound. */
	if (role == 0) {
		o += (size_t)snprintf(sql + o, sizeof(sql) - o, "SELECT ");
		for (i = 0; d->cols[i]; i++)
			o += (size_t)snprintf(sql + o, sizeof(sql) - o, "%s%s", i ? ", " : "",
					      d->cols[i]);
		o += (size_t)snprintf(sql + o, sizeof(sql) - o, " FROM %s WHERE %s = ?", d->table,
				      d->key_col);
		if (d->key2_col)
			snprintf(sql + o, sizeof(sql) - o, " AND %s = ?", d->key2_col);
	} else if (role == 1) {
		o += (size_t)snprintf(sql + o, sizeof(sql) - o, "INSERT INTO %s (%s", d->table,
				      d->key_col);
		if (d->key2_col)
			o += (size_t)snprintf(sql + o, sizeof(sql) - o, ", %s", d->key2_col);
		for (i = 0; d->cols[i]; i++)
			o += (size_t)snprintf(sql + o, sizeof(sql) - o, ", %s", d->cols[i]);
		o += (size_t)snprintf(sql + o, sizeof(sql) - o, ") VALUES (?%s",
				      d->key2_col ? ", ?" : "");
		for (i = 0; d->cols[i]; i++)
			o += (size_t)snprintf(sql + o, sizeof(sql) - o, ", ?");
		snprintf(sql + o, sizeof(sql) - o, ")");
	} else {
		o += (size_t)snprintf(sql + o, sizeof(sql) - o, "UPDATE %s SET ", d->table);
		for (i = 0; d->cols[i]; i++)
			o += (size_t)snprintf(sql + o, sizeof(sql) - o, "%s%s = ?", i ? ", " : "",
					      d->cols[i]);
		o += (size_t)snprintf(sql + o, sizeof(sql) - o, " WHERE %s = ?", d->key_col);
		if (d->key2_col)
			snprintf(sql + o, sizeof(sql) - o, " AND %s = ?", d->key2_col);
	}
	rc = ft_store_prepare(im->store, &im->cache[d->entity][role], sql, im->err);
	if (rc)
		return rc;
	*out = im->cache[d->entity][role];
	return 0;
}

static int bind_value(struct ft_stmt *st, int idx, char type, const char *value,
		      struct ft_error *err)
{
	if (!value || !value[0])
		return ft_stmt_bind_null(st, idx, err);
	if (type == 'i')
		return ft_stmt_bind_int64(st, idx, strtoll(value, NULL, 10), err);
	return ft_stmt_bind_text(st, idx, value, err);
}

/*
 * Insert the entity or update the fields that differ, recording each change.
 * values[] has one text per column: "" for empty, NULL for "not given by the
 * file" (the stored value is kept; a new entity gets the default).
 * display_key is what the user knows the entity by (a UPC as written rather
 * than its GTIN-14).
 */
static int upsert2(struct imp *im, const struct entity_desc *d, const char *key,
		   const char *key2, const char *const *values, const char *display_key,
		   enum status *st_out)
{
	struct ft_stmt *st;
	char *kept[8] = {NULL};
	const char *bound[8];
	size_t i, n = 0;
	int rc = 0, found, differs = 0;

	while (d->cols[n])
		n++;
	*st_out = UNCHANGED;
	if ((rc = cached(im, d, 0, &st)) || (rc = ft_stmt_bind_text(st, 1, key, im->err)) ||
	    (key2 && (rc = ft_stmt_bind_text(st, 2, key2, im->err))))
		return rc;
	found = ft_stmt_step(st, im->err);
	if (found < 0) {
		ft_stmt_reset(st, NULL);
		return found;
	}
	for (i = 0; i < n; i++) {
		const char *old = found ? ft_stmt_column_text(st, (int)i) : NULL;

		bound[i] = values[i];
		if (!values[i]) {
			/* not given: keep what is there, or the default */
			if (found && old && !(kept[i] = strdup(old)))
				rc = nomem(im);
			bound[i] = found ? kept[i] : (d->defaults ? d->defaults[i] : NULL);
			continue;
		}
		if (!found || strcmp(old ? old : "", values[i]) == 0)
			continue;
		differs = 1;
		rc = record(im, FT_CATALOG_UPDATED, d->entity, display_key, d->cols[i],
			    old ? old : "", values[i]);
		if (rc)
			break;
	}
	ft_stmt_reset(st, NULL);
	if (rc || (found && !differs))
		goto out;
	if (!found) {
		int nk = key2 ? 2 : 1;

		rc = cached(im, d, 1, &st);
		if (!rc)
			rc = ft_stmt_bind_text(st, 1, key, im->err);
		if (!rc && key2)
			rc = ft_stmt_bind_text(st, 2, key2, im->err);
		for (i = 0; !rc && i < n; i++)
			rc = bind_value(st, (int)i + 1 + nk, d->types[i], bound[i], im->err);
	} else {
		rc = cached(im, d, 2, &st);
		for (i = 0; !rc && i < n; i++)
			rc = bind_value(st, (int)i + 1, d->types[i], bound[i], im->err);
		if (!rc)
			rc = ft_stmt_bind_text(st, (int)n + 1, key, im->err);
		if (!rc && key2)
			rc = ft_stmt_bind_text(st, (int)n + 2, key2, im->err);
	}
	if (!rc)
		rc = ft_stmt_step(st, im->err);
	ft_stmt_reset(st, NULL);
	if (rc < 0)
		goto out;
	rc = 0;
	if (!found) {
		*st_out = ADDED;
		rc = record(im, FT_CATALOG_ADDED, d->entity, display_key, NULL, NULL, NULL);
	} else {
		*st_out = UPDATED;
	}
out:
	for (i = 0; i < n; i++)
		free(kept[i]);
	return rc;
}

static int upsert(struct imp *im, const struct entity_desc *d, const char *key,
		  const char *const *values, const char *display_key, enum status *st_out)
{
	return upsert2(im, d, key, NULL, values, display_key, st_out);
}

/* Run a one-shot statement with up to three text parameters (NULL = none). */
static int run(struct imp *im, const char *sql, const char *a, const char *b, const char *c)
{
	struct ft_stmt *st = NULL;
	const char *args[3] = {a, b, c};
	int rc, i;

	rc = prep(im, sql, &st);
	for (i = 0; !rc && i < 3 && args[i]; i++)
		rc = ft_stmt_bind_text(st, i + 1, args[i], im->err);
	if (!rc)
		rc = ft_stmt_step(st, im->err);
	if (st)
		ft_stmt_reset(st, NULL);
	return rc < 0 ? rc : 0;
}

enum row_style {
	ROW_ONE,         /* the first column */
	ROW_TRACK,       /* disc, track_no, isrc → "1-01 GB…" */
	ROW_CONTRIBUTOR, /* name, role → "Name (role)" */
};

/* The rows of a query with one or two text parameters, joined as a list. */
static int query_list(struct imp *im, const char *sql, const char *a, const char *b,
		      enum row_style style, struct dstr *out)
{
	struct ft_stmt *st = NULL;
	int rc;

	rc = prep(im, sql, &st);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, a, im->err);
	if (!rc && b)
		rc = ft_stmt_bind_text(st, 2, b, im->err);
	while (!rc && (rc = ft_stmt_step(st, im->err)) == 1) {
		const char *c0 = ft_stmt_column_text(st, 0);

		rc = dstr_sep(out);
		if (rc)
			break;
		if (style == ROW_TRACK) {
			const char *isrc = ft_stmt_column_text(st, 2);

			rc =
			    dstr_addf(out, "%lld-%02lld %s", (long long)ft_stmt_column_int64(st, 0),
				      (long long)ft_stmt_column_int64(st, 1), isrc ? isrc : "");
		} else if (style == ROW_CONTRIBUTOR) {
			const char *role = ft_stmt_column_text(st, 1);

			rc = dstr_addf(out, "%s (%s)", c0 ? c0 : "", role ? role : "");
		} else {
			rc = dstr_add(out, c0 ? c0 : "");
		}
	}
	if (rc == FT_ENOMEM)
		rc = nomem(im);
	if (st)
		ft_stmt_reset(st, NULL);
	return rc < 0 ? rc : 0;
}

static int loc_error(struct imp *im, const struct ft_catalog_loc *loc, const char *column,
		     const char *msg, const char *value)
{
	return ft_error_setloc(im->err, FT_EINVAL, loc->file, loc->line, column,
			       "column '%s': %s '%s'%s", column, msg, value,
			       strcmp(msg, "unknown artist") == 0
				       ? " (add it to an artists file, or use an existing "
					 "artist id)"
				       : "");
}

/* ------------------------------------------------------------ references */

/* ASCII letters for U+00C0..U+00FF (Latin-1 letters with accents), so that
 * "Zoë Ashwood" becomes "zoe-ashwood"; '-' marks the two that are not letters. */
static const char latin1_base[] = "aaaaaaaceeeeiiiidnooooo-ouuuuyts"
				  "aaaaaaaceeeeiiiidnooooo-ouuuuyty";

/* A short, stable id from a display name: ASCII letters and digits, runs of
 * anything else as one '-'.  Letters outside Latin-1 are dropped, so a name
 * with none at all ("森 遥") gets "artist".  Uniqueness is the caller's job. */
static void slug_of(char *out, size_t cap, const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t o = 0;
	int dash = 0;

	for (; *s && o + 2 < cap; s++) {
		char c = (char)*s;

		if (s[0] == 0xc3 && s[1] >= 0x80 && s[1] <= 0xbf) {
			c = latin1_base[s[1] - 0x80];
			s++;
		} else if (c >= 'A' && c <= 'Z') {
			c = (char)(c - 'A' + 'a');
		}
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (dash && o)
				out[o++] = '-';
			out[o++] = c;
			dash = 0;
		} else {
			dash = 1;
		}
	}
	out[o] = '\0';
	if (!o)
		snprintf(out, cap, "artist");
}

static int artist_exists(struct imp *im, const char *id, int *exists)
{
	struct dstr found = {0};
	int rc = query_list(im, "SELECT id FROM artists WHERE id = ?", id, NULL, ROW_ONE, &found);

	*exists = found.len > 0;
	dstr_free(&found);
	return rc;
}

/*
 * An artist reference (an id, or a name that exactly one artist has) to an
 * id.  With create, an unknown name becomes a new artist (BWARM files name
 * artists only by display name).
 */
static int resolve_artist(struct imp *im, const char *ref, const struct ft_catalog_loc *loc,
			  const char *column, int create, char *id_out, size_t cap)
{
	struct dstr ids = {0};
	int exists, rc;

	if ((rc = artist_exists(im, ref, &exists)))
		return rc;
	if (exists) {
		snprintf(id_out, cap, "%s", ref);
		return 0;
	}
	rc = query_list(im, "SELECT id FROM artists WHERE name = ? ORDER BY id", ref, NULL,
			ROW_ONE, &ids);
	if (rc)
		goto out;
	if (ids.len && !strstr(dstr_str(&ids), CAT_LIST_SEP)) {
		snprintf(id_out, cap, "%s", dstr_str(&ids));
		goto out;
	}
	if (ids.len) {
		rc = ft_error_setloc(im->err, FT_EINVAL, loc->file, loc->line, column,
				     "column '%s': artist name '%s' belongs to several artists "
				     "(%s): use the artist id",
				     column, ref, dstr_str(&ids));
		goto out;
	}
	if (!create) {
		rc = loc_error(im, loc, column, "unknown artist", ref);
		goto out;
	}
	{
		char base[72], id[80];
		int n = 1;

		slug_of(base, sizeof(base), ref);
		snprintf(id, sizeof(id), "%s", base);
		while (!(rc = artist_exists(im, id, &exists)) && exists)
			snprintf(id, sizeof(id), "%s-%d", base, ++n);
		if (!rc)
			rc = run(im, "INSERT INTO artists (id, name, kind) VALUES (?, ?, 'other')",
				 id, ref, NULL);
		if (!rc)
			rc = record(im, FT_CATALOG_ADDED, CAT_ARTIST, id, NULL, NULL, NULL);
		if (!rc)
			count(im, CAT_ARTIST, ADDED);
		snprintf(id_out, cap, "%s", id);
	}
out:
	dstr_free(&ids);
	return rc;
}

/* Resolve a "a; b" reference list into "id1; id2". */
static int resolve_artist_list(struct imp *im, const char *refs, const struct ft_catalog_loc *loc,
			       const char *column, int create, struct dstr *ids)
{
	const char *s = refs;
	char one[1100], id[128];
	int rc = 0;

	if (create) {
		/* a display name is one artist */
		rc = resolve_artist(im, refs, loc, column, 1, id, sizeof(id));
		return rc ? rc : (dstr_add(ids, id) ? nomem(im) : 0);
	}
	while (*s && !rc) {
		const char *end = strstr(s, CAT_LIST_SEP);
		size_t n = end ? (size_t)(end - s) : strlen(s);

		snprintf(one, sizeof(one), "%.*s", (int)(n < sizeof(one) - 1 ? n : sizeof(one) - 1),
			 s);
		rc = resolve_artist(im, one, loc, column, 0, id, sizeof(id));
		if (!rc && (dstr_sep(ids) || dstr_add(ids, id)))
			rc = nomem(im);
		s = end ? end + 2 : s + n;
	}
	return rc;
}

static int ensure_label(struct imp *im, const char *name)
{
	struct dstr found = {0};
	int rc;

	if (!name || !name[0])
		return 0;
	rc = query_list(im, "SELECT name FROM labels WHERE name = ?", name, NULL, ROW_ONE, &found);
	if (!rc && !found.len) {
		rc = run(im, "INSERT INTO labels (name) VALUES (?)", name, NULL, NULL);
		if (!rc)
			rc = record(im, FT_CATALOG_ADDED, CAT_LABEL, name, NULL, NULL, NULL);
		if (!rc)
			count(im, CAT_LABEL, ADDED);
	}
	dstr_free(&found);
	return rc;
}

/* ----------------------------------------------------------- list fields */

/*
 * Compare a stored list with the wanted one; when they differ, record the
 * change (unless the entity was just added) and let the caller rewrite it.
 */
static int list_differs(struct imp *im, int entity, const char *key, const char *field,
			const struct dstr *stored, const char *wanted, enum status *st,
			int *differs)
{
	*differs = strcmp(dstr_str(stored), wanted) != 0;
	if (!*differs)
		return 0;
	if (*st == ADDED)
		return 0;
	*st = UPDATED;
	return record(im, FT_CATALOG_UPDATED, entity, key, field, dstr_str(stored), wanted);
}

static int import_members(struct imp *im, const struct ft_catalog_artist *a, enum status *st)
{
	struct dstr stored = {0};
	const char *s = a->members;
	int rc, differs = 0, pos = 1;

	if (!a->members)
		return 0;
	rc = query_list(im, "SELECT name FROM artist_members WHERE artist_id = ? ORDER BY position",
			a->id, NULL, ROW_ONE, &stored);
	if (!rc)
		rc = list_differs(im, CAT_ARTIST, a->id, "members", &stored, a->members, st,
				  &differs);
	dstr_free(&stored);
	if (rc || !differs)
		return rc;
	rc = run(im, "DELETE FROM artist_members WHERE artist_id = ?", a->id, NULL, NULL);
	while (!rc && *s) {
		const char *end = strstr(s, CAT_LIST_SEP);
		size_t n = end ? (size_t)(end - s) : strlen(s);
		struct ft_stmt *ins = NULL;
		char *name = strndup(s, n);

		if (!name)
			return nomem(im);
		rc = prep(im,
				      "INSERT INTO artist_members (artist_id, position, name) "
				      "VALUES (?, ?, ?)",
				      &ins);
		if (!rc)
			rc = ft_stmt_bind_text(ins, 1, a->id, im->err);
		if (!rc)
			rc = ft_stmt_bind_int64(ins, 2, pos++, im->err);
		if (!rc)
			rc = ft_stmt_bind_text(ins, 3, name, im->err);
		if (!rc)
			rc = ft_stmt_step(ins, im->err);
		if (rc > 0)
			rc = 0;
		if (ins)
			ft_stmt_reset(ins, NULL);
		free(name);
		s = end ? end + 2 : s + n;
	}
	return rc;
}

static int write_track_artists(struct imp *im, const char *isrc, const char *role,
			       const char *ids)
{
	const char *s = ids;
	int rc = 0, pos = 1;

	while (!rc && *s) {
		const char *end = strstr(s, CAT_LIST_SEP);
		size_t n = end ? (size_t)(end - s) : strlen(s);
		struct ft_stmt *ins = NULL;
		char *id = strndup(s, n);

		if (!id)
			return nomem(im);
		rc = prep(im,
				      "INSERT INTO track_artists (isrc, role, position, artist_id) "
				      "VALUES (?, ?, ?, ?)",
				      &ins);
		if (!rc)
			rc = ft_stmt_bind_text(ins, 1, isrc, im->err);
		if (!rc)
			rc = ft_stmt_bind_text(ins, 2, role, im->err);
		if (!rc)
			rc = ft_stmt_bind_int64(ins, 3, pos++, im->err);
		if (!rc)
			rc = ft_stmt_bind_text(ins, 4, id, im->err);
		if (!rc)
			rc = ft_stmt_step(ins, im->err);
		if (rc == FT_ECONFLICT)
			rc = ft_error_set(im->err, FT_EINVAL,
					  "track %s lists artist '%s' twice as %s", isrc, id, role);
		if (rc > 0)
			rc = 0;
		if (ins)
			ft_stmt_reset(ins, NULL);
		free(id);
		s = end ? end + 2 : s + n;
	}
	return rc;
}

/* ids: the track's artists of this role, already resolved. */
static int import_track_artists(struct imp *im, const struct ft_catalog_track *t,
				const char *role, const struct dstr *ids, const char *column,
				enum status *st)
{
	struct dstr stored = {0};
	int rc, differs = 0;

	rc = query_list(im,
				"SELECT artist_id FROM track_artists WHERE isrc = ? AND role = ? "
				"ORDER BY position",
				t->isrc, role, ROW_ONE, &stored);
	if (!rc)
		rc = list_differs(im, CAT_TRACK, t->isrc, column, &stored, dstr_str(ids), st,
				  &differs);
	if (!rc && differs) {
		rc = run(im, "DELETE FROM track_artists WHERE isrc = ? AND role = ?", t->isrc, role,
			 NULL);
		if (!rc)
			rc = write_track_artists(im, t->isrc, role, dstr_str(ids));
	}
	dstr_free(&stored);
	return rc;
}

/* --------------------------------------------------------------- entities */

static int import_labels(struct imp *im)
{
	const struct ft_catalog *cat = im->cat;
	enum status st;
	size_t i;
	int rc;

	for (i = 0; i < cat->n_labels; i++) {
		const char *values[] = {cat->labels[i].country};

		rc = upsert(im, &label_desc, cat->labels[i].name, values, cat->labels[i].name, &st);
		if (rc)
			return rc;
		count(im, CAT_LABEL, st);
	}
	return 0;
}

static int import_artists(struct imp *im)
{
	const struct ft_catalog *cat = im->cat;
	enum status st;
	size_t i;
	int rc;

	for (i = 0; i < cat->n_artists; i++) {
		const struct ft_catalog_artist *a = &cat->artists[i];
		const char *values[] = {a->name, a->kind, a->country};

		if ((rc = upsert(im, &artist_desc, a->id, values, a->id, &st)) ||
		    (rc = import_members(im, a, &st)))
			return rc;
		count(im, CAT_ARTIST, st);
	}
	return 0;
}

static int import_partners(struct imp *im)
{
	const struct ft_catalog *cat = im->cat;
	enum status st;
	size_t i;
	int rc;

	for (i = 0; i < cat->n_partners; i++) {
		const struct ft_catalog_partner *p = &cat->partners[i];
		char fee[FT_AMOUNT_STR_MAX];
		const char *values[] = {p->name, p->type, p->territories, fee, p->currency};

		/* values[3] is cleared below when the file has no fee column */

		ft_amount_format(fee, sizeof(fee), p->fee_percent, 0);
		if (!p->has_fee)
			values[3] = NULL;
		if ((rc = upsert(im, &partner_desc, p->id, values, p->id, &st)))
			return rc;
		count(im, CAT_PARTNER, st);
	}
	return 0;
}

static int import_releases(struct imp *im)
{
	const struct ft_catalog *cat = im->cat;
	enum status st;
	size_t i;
	int rc;

	for (i = 0; i < cat->n_releases; i++) {
		const struct ft_catalog_release *r = &cat->releases[i];
		char artist[128] = "";
		const char *values[] = {r->upc, r->title, r->artist ? artist : NULL, r->label,
					r->format, r->date};

		if (r->artist && r->artist[0] && (rc = resolve_artist(im, r->artist, &r->loc, "release_artist",
							  0, artist, sizeof(artist))))
			return rc;
		if ((rc = ensure_label(im, r->label)) ||
		    (rc = upsert(im, &release_desc, r->gtin14, values, r->upc, &st)))
			return rc;
		im->release_status[i] = st;
	}
	return 0;
}

static int import_tracks(struct imp *im)
{
	const struct ft_catalog *cat = im->cat;
	enum status st;
	size_t i;
	int rc;

	for (i = 0; i < cat->n_tracks; i++) {
		const struct ft_catalog_track *t = &cat->tracks[i];
		char duration[32] = "";
		const char *values[] = {t->title, duration};

		if (t->duration >= 0)
			snprintf(duration, sizeof(duration), "%ld", t->duration);
		if (!t->has_duration)
			values[1] = NULL;
		struct dstr main = {0}, featured = {0};

		/* Resolve first: an artist a BWARM file creates is listed before its track. */
		rc = resolve_artist_list(im, t->artists, &t->loc, "artists", t->create_artists,
					 &main);
		if (!rc && t->featured)
			rc = resolve_artist_list(im, t->featured, &t->loc, "featured", 0, &featured);
		if (!rc)
			rc = upsert(im, &track_desc, t->isrc, values, t->isrc, &st);
		if (!rc)
			rc = import_track_artists(im, t, "main", &main, "artists", &st);
		if (!rc && t->featured)
			rc = import_track_artists(im, t, "featured", &featured, "featured", &st);
		dstr_free(&main);
		dstr_free(&featured);
		if (rc)
			return rc;
		count(im, CAT_TRACK, st);
	}
	return 0;
}

static int cmp_placement(const void *a, const void *b)
{
	const struct ft_catalog_placement *x = *(const struct ft_catalog_placement *const *)a;
	const struct ft_catalog_placement *y = *(const struct ft_catalog_placement *const *)b;
	int c = strcmp(x->gtin14, y->gtin14);

	if (c)
		return c;
	if (x->disc != y->disc)
		return x->disc < y->disc ? -1 : 1;
	return x->track_no < y->track_no ? -1 : x->track_no > y->track_no;
}

static int write_tracklist(struct imp *im, const struct ft_catalog_placement *const *pl,
			   size_t n)
{
	struct ft_stmt *ins = NULL;
	size_t i;
	int rc;

	rc = run(im, "DELETE FROM release_tracks WHERE gtin14 = ?", pl[0]->gtin14, NULL, NULL);
	if (!rc)
		rc = prep(im,
				      "INSERT INTO release_tracks (gtin14, disc, track_no, isrc) "
				      "VALUES (?, ?, ?, ?)",
				      &ins);
	for (i = 0; !rc && i < n; i++) {
		rc = ft_stmt_bind_text(ins, 1, pl[i]->gtin14, im->err);
		if (!rc)
			rc = ft_stmt_bind_int64(ins, 2, pl[i]->disc, im->err);
		if (!rc)
			rc = ft_stmt_bind_int64(ins, 3, pl[i]->track_no, im->err);
		if (!rc)
			rc = ft_stmt_bind_text(ins, 4, pl[i]->isrc, im->err);
		if (!rc)
			rc = ft_stmt_step(ins, im->err);
		if (rc > 0)
			rc = 0;
		ft_stmt_reset(ins, NULL);
	}
	return rc;
}

/* The file's tracklist of each release it mentions replaces the stored one;
 * a changed tracklist makes the release count as updated. */
static int import_tracklists(struct imp *im)
{
	const struct ft_catalog *cat = im->cat;
	const struct ft_catalog_placement **sorted;
	size_t i, j;
	int rc = 0;

	if (!cat->n_placements)
		return 0;
	sorted = malloc(cat->n_placements * sizeof(*sorted));
	if (!sorted)
		return nomem(im);
	for (i = 0; i < cat->n_placements; i++)
		sorted[i] = &cat->placements[i];
	qsort(sorted, cat->n_placements, sizeof(*sorted), cmp_placement);
	for (i = 0; !rc && i < cat->n_placements; i = j) {
		size_t at = cat_index_get(cat, VEC_RELEASES, sorted[i]->gtin14);
		struct dstr stored = {0}, wanted = {0};
		int differs = 0;

		if (!at) {
			rc = ft_error_set(im->err, FT_EINVAL, "tracklist of unknown release %s",
					  sorted[i]->gtin14);
			break;
		}
		for (j = i; j < cat->n_placements &&
			    strcmp(sorted[j]->gtin14, sorted[i]->gtin14) == 0;
		     j++) {
			if (dstr_sep(&wanted) || dstr_addf(&wanted, "%d-%02d %s", sorted[j]->disc,
							   sorted[j]->track_no, sorted[j]->isrc))
				rc = nomem(im);
		}
		if (!rc)
			rc = query_list(im,
					"SELECT disc, track_no, isrc FROM release_tracks "
					"WHERE gtin14 = ? ORDER BY disc, track_no",
					sorted[i]->gtin14, NULL, ROW_TRACK, &stored);
		if (!rc)
			rc = list_differs(im, CAT_RELEASE, cat->releases[at - 1].upc, "tracks",
					  &stored, dstr_str(&wanted), &im->release_status[at - 1],
					  &differs);
		if (!rc && differs)
			rc = write_tracklist(im, sorted + i, j - i);
		dstr_free(&stored);
		dstr_free(&wanted);
	}
	free(sorted);
	return rc;
}

static int cmp_contributor(const void *a, const void *b)
{
	const struct ft_catalog_contributor *x = *(const struct ft_catalog_contributor *const *)a;
	const struct ft_catalog_contributor *y = *(const struct ft_catalog_contributor *const *)b;
	int c = strcmp(x->isrc, y->isrc);

	if (!c)
		c = strcmp(x->name, y->name);
	if (!c)
		c = strcmp(x->role, y->role);
	return c;
}

static int import_contributors(struct imp *im)
{
	const struct ft_catalog *cat = im->cat;
	const struct ft_catalog_contributor **sorted;
	size_t i, j, k;
	int rc = 0;

	if (!cat->n_contributors)
		return 0;
	sorted = malloc(cat->n_contributors * sizeof(*sorted));
	if (!sorted)
		return nomem(im);
	for (i = 0; i < cat->n_contributors; i++)
		sorted[i] = &cat->contributors[i];
	qsort(sorted, cat->n_contributors, sizeof(*sorted), cmp_contributor);
	for (i = 0; !rc && i < cat->n_contributors; i = j) {
		struct dstr stored = {0}, wanted = {0}, known = {0};
		enum status st = UNCHANGED;
		int differs = 0;

		for (j = i;
		     j < cat->n_contributors && strcmp(sorted[j]->isrc, sorted[i]->isrc) == 0; j++)
			if (dstr_sep(&wanted) ||
			    dstr_addf(&wanted, "%s (%s)", sorted[j]->name, sorted[j]->role))
				rc = nomem(im);
		if (!rc)
			rc = query_list(im, "SELECT isrc FROM tracks WHERE isrc = ?",
					sorted[i]->isrc, NULL, ROW_ONE, &known);
		if (!rc && !known.len)
			rc = ft_error_setloc(
			    im->err, FT_EINVAL, sorted[i]->loc.file, sorted[i]->loc.line, "isrc",
			    "column 'isrc': unknown track %s (import it in a tracks "
			    "file first, or in the same import)",
			    sorted[i]->isrc);
		if (!rc)
			rc = query_list(im,
					"SELECT name, role FROM contributors WHERE isrc = ? "
					"ORDER BY name, role",
					sorted[i]->isrc, NULL, ROW_CONTRIBUTOR, &stored);
		if (!rc && !stored.len)
			st = ADDED;
		if (!rc)
			rc = list_differs(im, CAT_CONTRIBUTORS, sorted[i]->isrc, "contributors",
					  &stored, dstr_str(&wanted), &st, &differs);
		if (!rc && differs)
			rc = run(im, "DELETE FROM contributors WHERE isrc = ?", sorted[i]->isrc,
				 NULL, NULL);
		for (k = i; !rc && differs && k < j; k++)
			rc = run(im, "INSERT INTO contributors (isrc, name, role) VALUES (?, ?, ?)",
				 sorted[k]->isrc, sorted[k]->name, sorted[k]->role);
		if (!rc && st == ADDED)
			rc = record(im, FT_CATALOG_ADDED, CAT_CONTRIBUTORS, sorted[i]->isrc, NULL,
				    NULL, NULL);
		if (!rc)
			count(im, CAT_CONTRIBUTORS, st);
		dstr_free(&stored);
		dstr_free(&wanted);
		dstr_free(&known);
	}
	free(sorted);
	return rc;
}

/* A plan needs its release and its partner, in the ledger or this import. */
static int import_plans(struct imp *im)
{
	const struct ft_catalog *cat = im->cat;
	enum status st;
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < cat->n_plans; i++) {
		const struct ft_catalog_plan *p = &cat->plans[i];
		const char *values[] = {p->territories, p->date};
		struct dstr found = {0};
		char display[FT_GTIN_LEN + 80];

		rc = query_list(im, "SELECT gtin14 FROM releases WHERE gtin14 = ?", p->gtin14, NULL,
				ROW_ONE, &found);
		if (!rc && !found.len)
			rc = ft_error_setloc(im->err, FT_EINVAL, p->loc.file, p->loc.line, "upc",
					     "column 'upc': unknown release %s (add it in a tracks "
					     "file first, or in the same import)",
					     p->upc);
		dstr_free(&found);
		if (!rc)
			rc = query_list(im, "SELECT id FROM partners WHERE id = ?", p->partner, NULL,
					ROW_ONE, &found);
		if (!rc && !found.len)
			rc = ft_error_setloc(im->err, FT_EINVAL, p->loc.file, p->loc.line,
					     "partner_id",
					     "column 'partner_id': unknown partner '%s' (add it to a "
					     "partners file)",
					     p->partner);
		dstr_free(&found);
		snprintf(display, sizeof(display), "%s %s", p->upc, p->partner);
		if (!rc)
			rc = upsert2(im, &plan_desc, p->gtin14, p->partner, values, display, &st);
		if (!rc)
			count(im, CAT_PLAN, st);
	}
	return rc;
}

/* The import proper; with preview, everything is rolled back at the end. */
static int import(struct ft_store *store, const struct ft_catalog *cat,
		  struct ft_catalog_changes *changes, int preview, struct ft_error *err)
{
	struct imp im;
	size_t e, r;
	int rc;

	memset(&im, 0, sizeof(im));
	im.store = store;
	im.cat = cat;
	im.err = err;
	if (cat->n_releases) {
		im.release_status = calloc(cat->n_releases, sizeof(*im.release_status));
		if (!im.release_status)
			return nomem(&im);
	}
	rc = ft_store_begin(store, err);
	if (rc) {
		free(im.release_status);
		return rc;
	}
	if (!(rc = import_labels(&im)) && !(rc = import_artists(&im)) &&
	    !(rc = import_partners(&im)) && !(rc = import_releases(&im)) &&
	    !(rc = import_tracks(&im)) && !(rc = import_tracklists(&im)) &&
	    !(rc = import_contributors(&im)))
		rc = import_plans(&im);
	for (r = 0; !rc && r < cat->n_releases; r++)
		count(&im, CAT_RELEASE, im.release_status[r]);
	free(im.release_status);
	for (e = 0; e < FT_CATALOG_ENTITY_COUNT; e++)
		for (r = 0; r < 3; r++)
			ft_stmt_free(im.cache[e][r]);
	for (e = 0; e < im.n_stmts; e++)
		ft_stmt_free(im.stmts[e].st);
	if (rc) {
		ft_store_rollback(store, NULL);
		ft_catalog_changes_free(&im.changes);
		return rc;
	}
	if (preview)
		rc = ft_store_rollback(store, err);
	else
		rc = ft_store_commit(store, err);
	if (rc) {
		ft_catalog_changes_free(&im.changes);
		return rc;
	}
	if (changes)
		*changes = im.changes;
	else
		ft_catalog_changes_free(&im.changes);
	return 0;
}

int ft_catalog_import(struct ft_store *store, const struct ft_catalog *cat,
		      struct ft_catalog_changes *changes, struct ft_error *err)
{
	return import(store, cat, changes, 0, err);
}

int ft_catalog_preview(struct ft_store *store, const struct ft_catalog *cat,
		       struct ft_catalog_changes *changes, struct ft_error *err)
{
	return import(store, cat, changes, 1, err);
}

void ft_catalog_changes_free(struct ft_catalog_changes *changes)
{
	size_t i;

	if (!changes)
		return;
	for (i = 0; i < changes->count; i++) {
		free(changes->items[i].key);
		free(changes->items[i].field);
		free(changes->items[i].before);
		free(changes->items[i].after);
	}
	free(changes->items);
	memset(changes, 0, sizeof(*changes));
}

struct ft_catalog_counts ft_catalog_changes_total(const struct ft_catalog_changes *changes)
{
	struct ft_catalog_counts total = {0, 0, 0};
	size_t e;

	for (e = 0; e < FT_CATALOG_ENTITY_COUNT; e++) {
		total.added += changes->counts[e].added;
		total.updated += changes->counts[e].updated;
		total.unchanged += changes->counts[e].unchanged;
	}
	return total;
}

int ft_catalog_change_format(char *buf, size_t cap, const struct ft_catalog_change *change)
{
	if (change->action == FT_CATALOG_ADDED)
		return snprintf(buf, cap, "%s %s: added", change->entity, change->key);
	return snprintf(buf, cap, "%s %s: %s '%s' \xe2\x86\x92 '%s'", change->entity, change->key,
			change->field, change->before, change->after);
}
