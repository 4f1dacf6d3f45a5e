/*
 * catalog_read.c — the catalogue out of the ledger: list (records with the
 * columns of the import files), show (one entry in full) and export (the
 * import files themselves).
 *
 * The one rule that matters here: what list and export write for a kind is
 * exactly what the parser reads for it, in canonical form (artist ids
 * rather than names, durations as m:ss, fees and territory sets as their
 * canonical text), so export → import reports "0 changed".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "catalog/catalog_int.h"

static const char *const label_columns[] = {"label", "country", NULL};
static const char *const artist_columns[] = {"artist_id", "name", "kind", "country", "members",
					     NULL};
static const char *const partner_columns[] = {"partner_id",  "name",        "type",
					      "territories", "fee_percent", "currency",
					      NULL};
static const char *const track_columns[] = {
	"upc",      "release_title", "release_artist", "release_date", "format",
	"label",    "disc",          "track_no",       "isrc",         "title",
	"artists",  "featured",      "duration",       NULL};
static const char *const contributor_columns[] = {"isrc", "name", "role", NULL};
static const char *const release_columns[] = {"upc",    "title",        "artist", "label",
					      "format", "release_date", "tracks", NULL};
static const char *const plan_columns[] = {"upc", "partner_id", "territories", "release_date",
					   NULL};
static const char *const no_columns[] = {NULL};

const char *const *ft_catalog_columns(enum ft_catalog_kind kind)
{
	switch (kind) {
	case FT_CATALOG_LABELS: return label_columns;
	case FT_CATALOG_ARTISTS: return artist_columns;
	case FT_CATALOG_PARTNERS: return partner_columns;
	case FT_CATALOG_TRACKS: return track_columns;
	case FT_CATALOG_CONTRIBUTORS: return contributor_columns;
	case FT_CATALOG_RELEASES: return release_columns;
	case FT_CATALOG_PLANS: return plan_columns;
	default: return no_columns;
	}
}

static const char *text_or_empty(struct ft_stmt *st, int col)
{
	const char *s = ft_stmt_column_text(st, col);

	return s ? s : "";
}

static void format_duration(char *buf, size_t cap, struct ft_stmt *st, int col)
{
	long long s;

	buf[0] = '\0';
	if (ft_stmt_column_is_null(st, col))
		return;
	s = (long long)ft_stmt_column_int64(st, col);
	if (s >= 3600)
		snprintf(buf, cap, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, cap, "%lld:%02lld", s / 60, s % 60);
}

/* Append the rows of a one- or two-parameter single-column query as a list. */
static int column_list(struct ft_stmt *st, const char *a, const char *b, struct dstr *out,
		       struct ft_error *err)
{
	int rc;

	ft_stmt_reset(st, NULL);
	out->len = 0;
	if (out->ptr)
		out->ptr[0] = '\0';
	rc = ft_stmt_bind_text(st, 1, a, err);
	if (!rc && b)
		rc = ft_stmt_bind_text(st, 2, b, err);
	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		rc = 0;
		if (dstr_sep(out) || dstr_add(out, text_or_empty(st, 0)))
			rc = ft_error_set(err, FT_ENOMEM, "out of memory");
	}
	ft_stmt_reset(st, NULL);
	return rc < 0 ? rc : 0;
}

static void set(struct ft_catalog_record *rec, size_t i, const char *name, const char *value,
		int numeric)
{
	rec->fields[i].name = name;
	rec->fields[i].value = value ? value : "";
	rec->fields[i].numeric = numeric;
	if (rec->count < i + 1)
		rec->count = i + 1;
}

/* Records straight from one query, column i named columns[i]. */
static int list_simple(struct ft_store *store, const char *sql, const char *const *columns,
		       ft_catalog_record_fn fn, void *ctx, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	struct ft_catalog_record rec;
	int rc;

	rc = ft_store_prepare(store, &st, sql, err);
	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		size_t i;

		memset(&rec, 0, sizeof(rec));
		for (i = 0; columns[i]; i++)
			set(&rec, i, columns[i], text_or_empty(st, (int)i), 0);
		rc = fn(ctx, &rec, err);
	}
	ft_stmt_free(st);
	return rc < 0 || rc > 1 ? rc : 0;
}

static int list_artists(struct ft_store *store, ft_catalog_record_fn fn, void *ctx,
			struct ft_error *err)
{
	struct ft_stmt *st = NULL, *members = NULL;
	struct ft_catalog_record rec;
	struct dstr list = {0};
	int rc;

	rc = ft_store_prepare(store, &st, "SELECT id, name, kind, country FROM artists ORDER BY id",
			      err);
	if (!rc)
		rc = ft_store_prepare(store, &members,
				      "SELECT name FROM artist_members WHERE artist_id = ? "
				      "ORDER BY position",
				      err);
	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		size_t i;

		memset(&rec, 0, sizeof(rec));
		for (i = 0; i < 4; i++)
			set(&rec, i, artist_columns[i], text_or_empty(st, (int)i), 0);
		rc = column_list(members, text_or_empty(st, 0), NULL, &list, err);
		if (!rc) {
			set(&rec, 4, artist_columns[4], dstr_str(&list), 0);
			rc = fn(ctx, &rec, err);
		}
	}
	dstr_free(&list);
	ft_stmt_free(members);
	ft_stmt_free(st);
	return rc == 1 ? 0 : rc;
}

#define TRACK_SELECT                                                                               \
	"SELECT r.upc, r.title, r.artist_id, r.release_date, r.format, r.label, rt.disc,"          \
	" rt.track_no, t.isrc, t.title, t.duration"                                                 \
	" FROM tracks t LEFT JOIN release_tracks rt ON rt.isrc = t.isrc"                            \
	" LEFT JOIN releases r ON r.gtin14 = rt.gtin14"
#define TRACK_ORDER                                                                                \
	" ORDER BY CASE WHEN rt.gtin14 IS NULL THEN 1 ELSE 0 END, rt.gtin14, rt.disc,"              \
	" rt.track_no, t.isrc"

/* Every track placement, or only those of artist_id's tracks (main or
 * featured) when it is not NULL. */
static int list_tracks(struct ft_store *store, const char *artist_id, ft_catalog_record_fn fn,
		       void *ctx, struct ft_error *err)
{
	struct ft_stmt *st = NULL, *artists = NULL;
	struct ft_catalog_record rec;
	struct dstr main = {0}, featured = {0};
	char duration[32];
	int rc;

	/* One row per placement; a track on no release once, after the others. */
	if (artist_id) {
		rc = ft_store_prepare(store, &st,
				      TRACK_SELECT " WHERE t.isrc IN (SELECT isrc FROM track_artists"
						   " WHERE artist_id = ?)" TRACK_ORDER,
				      err);
		if (!rc)
			rc = ft_stmt_bind_text(st, 1, artist_id, err);
	} else {
		rc = ft_store_prepare(store, &st, TRACK_SELECT TRACK_ORDER, err);
	}
	if (!rc)
		rc = ft_store_prepare(store, &artists,
				      "SELECT artist_id FROM track_artists WHERE isrc = ? AND "
				      "role = ? ORDER BY position",
				      err);
	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		size_t i;

		memset(&rec, 0, sizeof(rec));
		for (i = 0; i < 10; i++)
			set(&rec, i, track_columns[i], text_or_empty(st, (int)i), i == 6 || i == 7);
		rc = column_list(artists, text_or_empty(st, 8), "main", &main, err);
		if (!rc)
			rc = column_list(artists, text_or_empty(st, 8), "featured", &featured, err);
		if (rc)
			break;
		format_duration(duration, sizeof(duration), st, 10);
		set(&rec, 10, track_columns[10], dstr_str(&main), 0);
		set(&rec, 11, track_columns[11], dstr_str(&featured), 0);
		set(&rec, 12, track_columns[12], duration, 0);
		rc = fn(ctx, &rec, err);
	}
	dstr_free(&main);
	dstr_free(&featured);
	ft_stmt_free(artists);
	ft_stmt_free(st);
	return rc == 1 ? 0 : rc;
}

int ft_catalog_artist_tracks(struct ft_store *store, const char *artist_id,
			     ft_catalog_record_fn fn, void *ctx, struct ft_error *err)
{
	return list_tracks(store, artist_id, fn, ctx, err);
}

static int list_releases(struct ft_store *store, ft_catalog_record_fn fn, void *ctx,
			 struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	struct ft_catalog_record rec;
	int rc;

	rc = ft_store_prepare(
	    store, &st,
	    "SELECT r.upc, r.title, r.artist_id, r.label, r.format, r.release_date,"
	    " (SELECT COUNT(*) FROM release_tracks rt WHERE rt.gtin14 = r.gtin14)"
	    " FROM releases r ORDER BY r.gtin14",
	    err);
	while (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		size_t i;

		memset(&rec, 0, sizeof(rec));
		for (i = 0; release_columns[i]; i++)
			set(&rec, i, release_columns[i], text_or_empty(st, (int)i), i == 6);
		rc = fn(ctx, &rec, err);
	}
	ft_stmt_free(st);
	return rc == 1 ? 0 : rc;
}

int ft_catalog_list(struct ft_store *store, enum ft_catalog_kind kind, ft_catalog_record_fn fn,
		    void *ctx, struct ft_error *err)
{
	switch (kind) {
	case FT_CATALOG_LABELS:
		return list_simple(store, "SELECT name, country FROM labels ORDER BY name",
				   label_columns, fn, ctx, err);
	case FT_CATALOG_ARTISTS: return list_artists(store, fn, ctx, err);
	case FT_CATALOG_PARTNERS:
		return list_simple(store,
				   "SELECT id, name, type, territories, fee_percent, currency "
				   "FROM partners ORDER BY id",
				   partner_columns, fn, ctx, err);
	case FT_CATALOG_TRACKS: return list_tracks(store, NULL, fn, ctx, err);
	case FT_CATALOG_CONTRIBUTORS:
		return list_simple(store,
				   "SELECT isrc, name, role FROM contributors "
				   "ORDER BY isrc, name, role",
				   contributor_columns, fn, ctx, err);
	case FT_CATALOG_RELEASES: return list_releases(store, fn, ctx, err);
	case FT_CATALOG_PLANS:
		return list_simple(store,
				   "SELECT r.upc, p.partner_id, p.territories, p.release_date "
				   "FROM release_plans p JOIN releases r ON r.gtin14 = p.gtin14 "
				   "ORDER BY p.gtin14, p.partner_id",
				   plan_columns, fn, ctx, err);
	default:
		return ft_error_set(err, FT_EUSAGE,
				    "cannot list '%s' (labels, artists, releases, tracks, "
				    "partners, contributors or plans)",
				    ft_catalog_kind_name(kind));
	}
}

/* ------------------------------------------------------------------ show */

#define SHOW_MAX 12

struct show {
	struct ft_store *store;
	struct ft_catalog_record rec;
	struct dstr values[SHOW_MAX];
	struct ft_error *err;
};

/* Field i = the rows of sql (one parameter, id) as a list; each row's
 * columns joined by single spaces. */
static int show_list(struct show *sh, size_t i, const char *name, const char *sql, const char *id)
{
	struct ft_stmt *st = NULL;
	struct dstr *d = &sh->values[i];
	int rc, c;

	rc = ft_store_prepare(sh->store, &st, sql, sh->err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, id, sh->err);
	while (!rc && (rc = ft_stmt_step(st, sh->err)) == 1) {
		rc = 0;
		if (dstr_sep(d))
			rc = FT_ENOMEM;
		for (c = 0; !rc && c < 4; c++) {
			const char *v = ft_stmt_column_text(st, c);

			if (c > 0 && !v)
				break;
			if ((c && dstr_add(d, " ")) || dstr_add(d, v ? v : ""))
				rc = FT_ENOMEM;
		}
	}
	ft_stmt_free(st);
	if (rc == FT_ENOMEM)
		return ft_error_set(sh->err, FT_ENOMEM, "out of memory");
	if (rc < 0)
		return rc;
	set(&sh->rec, i, name, dstr_str(d), 0);
	return 0;
}

/* Fields 0.. from the single row of sql; FT_ENOTFOUND when there is none. */
static int show_row(struct show *sh, const char *sql, const char *id, const char *const *names,
		    const char *what, const char *shown_id)
{
	struct ft_stmt *st = NULL;
	size_t i;
	int rc;

	rc = ft_store_prepare(sh->store, &st, sql, sh->err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 1, id, sh->err);
	if (!rc)
		rc = ft_stmt_step(st, sh->err);
	if (rc == 0)
		rc = ft_error_set(sh->err, FT_ENOTFOUND, "no %s '%s' in the ledger", what,
				  shown_id);
	if (rc == 1) {
		rc = 0;
		for (i = 0; names[i] && !rc; i++) {
			if (strcmp(names[i], "duration") == 0) {
				char d[32];

				format_duration(d, sizeof(d), st, (int)i);
				rc = dstr_add(&sh->values[i], d);
			} else {
				rc = dstr_add(&sh->values[i], text_or_empty(st, (int)i));
			}
			set(&sh->rec, i, names[i], dstr_str(&sh->values[i]),
			    strcmp(names[i], "fee_percent") == 0);
		}
		if (rc)
			rc = ft_error_set(sh->err, FT_ENOMEM, "out of memory");
	}
	ft_stmt_free(st);
	return rc;
}

int ft_catalog_show(struct ft_store *store, enum ft_catalog_kind kind, const char *id,
		    ft_catalog_record_fn fn, void *ctx, struct ft_error *err)
{
	static const char *const artist_names[] = {"artist_id", "name", "kind", "country", NULL};
	static const char *const release_names[] = {"upc",    "gtin14",       "title", "artist",
						    "label",  "format", "release_date", NULL};
	static const char *const track_names[] = {"isrc", "title", "duration", NULL};
	static const char *const label_names[] = {"label", "country", NULL};
	struct show sh;
	char key[FT_GTIN_LEN + 1], written[FT_GTIN_LEN + 1];
	size_t i;
	int rc;

	memset(&sh, 0, sizeof(sh));
	sh.store = store;
	sh.err = err;
	switch (kind) {
	case FT_CATALOG_ARTISTS:
		rc = show_row(&sh, "SELECT id, name, kind, country FROM artists WHERE id = ?", id,
			      artist_names, "artist", id);
		if (!rc)
			rc = show_list(&sh, 4, "members",
				       "SELECT name FROM artist_members WHERE artist_id = ? "
				       "ORDER BY position",
				       id);
		if (!rc)
			rc = show_list(&sh, 5, "releases",
				       "SELECT upc, title FROM releases WHERE artist_id = ? "
				       "ORDER BY release_date, gtin14",
				       id);
		if (!rc)
			rc = show_list(&sh, 6, "tracks",
				       "SELECT DISTINCT t.isrc, t.title FROM track_artists ta "
				       "JOIN tracks t ON t.isrc = ta.isrc WHERE ta.artist_id = ? "
				       "ORDER BY t.isrc",
				       id);
		break;
	case FT_CATALOG_RELEASES:
		rc = ft_gtin_parse(written, NULL, id, strlen(id), err);
		if (rc)
			break;
		ft_gtin_to14(key, written);
		rc = show_row(&sh,
			      "SELECT upc, gtin14, title, artist_id, label, format, release_date "
			      "FROM releases WHERE gtin14 = ?",
			      key, release_names, "release", id);
		if (!rc)
			rc = show_list(&sh, 8, "plans",
				       "SELECT partner_id, territories, release_date "
				       "FROM release_plans WHERE gtin14 = ? ORDER BY partner_id",
				       key);
		if (!rc)
			rc = show_list(&sh, 7, "tracks",
				       "SELECT rt.disc || '-' || rt.track_no, t.isrc, t.title "
				       "FROM release_tracks rt JOIN tracks t ON t.isrc = rt.isrc "
				       "WHERE rt.gtin14 = ? ORDER BY rt.disc, rt.track_no",
				       key);
		break;
	case FT_CATALOG_TRACKS: {
		char isrc[FT_ISRC_LEN + 1];

		rc = ft_isrc_parse(isrc, id, strlen(id), err);
		if (rc)
			break;
		rc = show_row(&sh, "SELECT isrc, title, duration FROM tracks WHERE isrc = ?", isrc,
			      track_names, "track", id);
		if (!rc)
			rc = show_list(&sh, 3, "artists",
				       "SELECT artist_id FROM track_artists WHERE isrc = ? AND "
				       "role = 'main' ORDER BY position",
				       isrc);
		if (!rc)
			rc = show_list(&sh, 4, "featured",
				       "SELECT artist_id FROM track_artists WHERE isrc = ? AND "
				       "role = 'featured' ORDER BY position",
				       isrc);
		if (!rc)
			rc = show_list(
			    &sh, 5, "releases",
			    "SELECT r.upc, rt.disc || '-' || rt.track_no, r.title "
			    "FROM release_tracks rt JOIN releases r ON r.gtin14 = rt.gtin14 "
			    "WHERE rt.isrc = ? ORDER BY r.release_date, r.gtin14",
			    isrc);
		if (!rc)
			rc = show_list(&sh, 6, "contributors",
				       "SELECT name, '(' || role || ')' FROM contributors "
				       "WHERE isrc = ? ORDER BY name, role",
				       isrc);
		break;
	}
	case FT_CATALOG_PARTNERS:
		rc = show_row(&sh,
			      "SELECT id, name, type, territories, fee_percent, currency "
			      "FROM partners WHERE id = ?",
			      id, partner_columns, "partner", id);
		break;
	case FT_CATALOG_LABELS:
		rc = show_row(&sh, "SELECT name, country FROM labels WHERE name = ?", id,
			      label_names, "label", id);
		if (!rc)
			rc = show_list(&sh, 2, "releases",
				       "SELECT upc, title FROM releases WHERE label = ? "
				       "ORDER BY release_date, gtin14",
				       id);
		break;
	default:
		rc = ft_error_set(err, FT_EUSAGE,
				  "cannot show '%s' (artist, release, track, partner or label)",
				  ft_catalog_kind_name(kind));
	}
	if (!rc)
		rc = fn(ctx, &sh.rec, err);
	for (i = 0; i < SHOW_MAX; i++)
		dstr_free(&sh.values[i]);
	return rc;
}

/* ---------------------------------------------------------------- export */

struct csv_out {
	FILE *f;
};

/* RFC 4180: quote a value holding the delimiter, a quote, a line break or
 * edge spaces (which the reader would trim). */
static void csv_value(FILE *f, const char *v)
{
	size_t n = strlen(v);

	if (!strpbrk(v, ",\"\r\n") && !(n && (v[0] == ' ' || v[n - 1] == ' '))) {
		fputs(v, f);
		return;
	}
	fputc('"', f);
	for (; *v; v++) {
		if (*v == '"')
			fputc('"', f);
		fputc(*v, f);
	}
	fputc('"', f);
}

static int csv_row(void *ctx, const struct ft_catalog_record *rec, struct ft_error *err)
{
	struct csv_out *out = ctx;
	size_t i;

	for (i = 0; i < rec->count; i++) {
		if (i)
			fputc(',', out->f);
		csv_value(out->f, rec->fields[i].value);
	}
	fputc('\n', out->f);
	return 0;
}

static int export_kind(struct ft_store *store, const char *dir, enum ft_catalog_kind kind,
		       struct ft_error *err)
{
	const char *const *columns = ft_catalog_columns(kind);
	char path[4096], tmp[4200];
	struct csv_out out;
	size_t i;
	int rc;

	snprintf(path, sizeof(path), "%s/%s.csv", dir, ft_catalog_kind_name(kind));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	out.f = fopen(tmp, "w");
	if (!out.f)
		return ft_error_set(err, FT_EIO, "%s: cannot write: %s", tmp, strerror(errno));
	for (i = 0; columns[i]; i++) {
		if (i)
			fputc(',', out.f);
		fputs(columns[i], out.f);
	}
	fputc('\n', out.f);
	rc = ft_catalog_list(store, kind, csv_row, &out, err);
	if (ferror(out.f) && !rc)
		rc = ft_error_set(err, FT_EIO, "%s: write error", tmp);
	if (fclose(out.f) != 0 && !rc)
		rc = ft_error_set(err, FT_EIO, "%s: write error: %s", tmp, strerror(errno));
	/* Replace the old file only when the new one is complete. */
	if (!rc && rename(tmp, path) != 0)
		rc = ft_error_set(err, FT_EIO, "%s: cannot rename to %s: %s", tmp, path,
				  strerror(errno));
	if (rc)
		remove(tmp);
	return rc;
}

int ft_catalog_export(struct ft_store *store, const char *dir, struct ft_error *err)
{
	static const enum ft_catalog_kind kinds[] = {FT_CATALOG_LABELS,       FT_CATALOG_ARTISTS,
						     FT_CATALOG_PARTNERS,     FT_CATALOG_TRACKS,
						     FT_CATALOG_CONTRIBUTORS, FT_CATALOG_PLANS};
	struct stat st;
	size_t i;
	int rc;

	if (stat(dir, &st) != 0) {
		if (mkdir(dir, 0777) != 0)
			return ft_error_set(err, FT_EIO, "%s: cannot create directory: %s", dir,
					    strerror(errno));
	} else if (!S_ISDIR(st.st_mode)) {
		return ft_error_set(err, FT_EUSAGE, "%s is not a directory (export writes one "
						    "file per kind into a directory)",
				    dir);
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		rc = export_kind(store, dir, kinds[i], err);
		if (rc)
			return rc;
	}
	return 0;
}
