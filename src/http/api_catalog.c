/*
 * api_catalog.c — the catalogue over HTTP: lists for the label, one artist
 * for whoever may see it.
 *
 * Scoping (the IDOR rule): an artist account asking for an artist that is
 * not linked to it gets exactly the 404 an unknown artist gets — same
 * status, same body — so it cannot even learn which ids exist.  Query
 * parameters are data: they select from records already read through the
 * library (which binds every value), they never reach SQL text.
 *
 * One artist's page is kept in the server's reply cache (cache.c) once the
 * caller's right to see that artist is checked, which happens on every
 * request, cached or not.
 */
#include <stdlib.h>
#include <string.h>

#include "fairtrack/catalog.h"
#include "http_int.h"

#define NOT_FOUND_ARTIST "no such artist"

int http_can_see_artist(struct http_request *req, const char *artist_id)
{
	struct ft_error err;
	int linked = 0;

	if (req->user.role == FT_ROLE_ADMIN || req->user.role == FT_ROLE_STAFF)
		return 1;
	if (req->user.role != FT_ROLE_ARTIST)
		return 0;
	ft_error_clear(&err);
	if (ft_user_has_artist(req->store, req->user.id, artist_id, &linked, &err)) {
		http_reply_ft_error(req, &err);
		return -1;
	}
	return linked;
}

static json_t *record_json(const struct ft_catalog_record *record)
{
	json_t *obj = json_object();
	size_t i;

	for (i = 0; obj && i < record->count; i++) {
		const struct ft_catalog_field *f = &record->fields[i];
		json_t *v;

		if (f->numeric && f->value[0])
			v = json_integer(strtoll(f->value, NULL, 10));
		else
			v = json_string(f->value);
		json_object_set_new(obj, f->name, v);
	}
	return obj;
}

struct listing {
	json_t *rows;
	const char *q;
	long long offset, limit, total;
};

static int matches(const struct ft_catalog_record *record, const char *q)
{
	size_t i;

	if (!q || !*q)
		return 1;
	for (i = 0; i < record->count; i++)
		if (strcasestr(record->fields[i].value, q))
			return 1;
	return 0;
}

static int collect(void *ctx, const struct ft_catalog_record *record, struct ft_error *err)
{
	struct listing *l = ctx;

	if (!matches(record, l->q))
		return 0;
	if (l->total >= l->offset && l->total < l->offset + l->limit &&
	    json_array_append_new(l->rows, record_json(record)))
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	l->total++;
	return 0;
}

void api_catalog_list(struct http_request *req)
{
	const char *name = req->params[0];
	int kind = ft_catalog_kind_parse(name);
	struct listing l = {0};
	const char *const *col;
	json_t *columns;
	struct ft_error err;

	if (kind < 0 || kind == FT_CATALOG_BWARM) {
		http_reply_error(req, 404,
				 "no such catalogue list (labels, artists, releases, tracks, "
				 "partners, contributors)");
		return;
	}
	if (http_query_int(req, "offset", 0, 1000000000, 0, &l.offset) ||
	    http_query_int(req, "limit", 1, 500, 100, &l.limit))
		return;
	l.q = http_query(req, "q");
	if (l.q && strlen(l.q) > 200) {
		http_reply_error(req, 400, "query parameter 'q' is longer than 200 characters");
		return;
	}
	ft_error_clear(&err);
	l.rows = json_array();
	columns = json_array();
	for (col = ft_catalog_columns(kind); columns && *col; col++)
		json_array_append_new(columns, json_string(*col));
	if (!l.rows || !columns || ft_catalog_list(req->store, kind, collect, &l, &err)) {
		json_decref(l.rows);
		json_decref(columns);
		if (err.code)
			http_reply_ft_error(req, &err);
		else
			http_reply_error(req, 500, "out of memory");
		return;
	}
	http_reply_json(req, 200,
			json_pack("{s:s,s:o,s:I,s:I,s:I,s:o}", "kind", ft_catalog_kind_name(kind),
				  "columns", columns, "total", (json_int_t)l.total, "offset",
				  (json_int_t)l.offset, "limit", (json_int_t)l.limit, "rows",
				  l.rows));
}

static int take_record(void *ctx, const struct ft_catalog_record *record, struct ft_error *err)
{
	json_t **out = ctx;

	json_decref(*out);
	*out = record_json(record);
	return *out ? 0 : ft_error_set(err, FT_ENOMEM, "out of memory");
}

struct artist_tracks {
	const char *id;
	json_t *rows;
};

/* "a; b; c" contains id as a whole item. */
static int in_list(const char *list, const char *id)
{
	size_t n = strlen(id);
	const char *p = list;

	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, id, n) == 0 && (p[n] == '\0' || p[n] == ';' || p[n] == ' '))
			return 1;
		p = strchr(p, ';');
	}
	return 0;
}

static int collect_tracks(void *ctx, const struct ft_catalog_record *record, struct ft_error *err)
{
	struct artist_tracks *at = ctx;
	size_t i;

	for (i = 0; i < record->count; i++) {
		const struct ft_catalog_field *f = &record->fields[i];

		if ((strcmp(f->name, "artists") == 0 || strcmp(f->name, "featured") == 0) &&
		    in_list(f->value, at->id)) {
			if (json_array_append_new(at->rows, record_json(record)))
				return ft_error_set(err, FT_ENOMEM, "out of memory");
			return 0;
		}
	}
	return 0;
}

void api_artist_show(struct http_request *req)
{
	const char *id = req->params[0];
	struct artist_tracks at = {.id = id};
	json_t *artist = NULL;
	struct ft_error err;
	int rc, may;

	may = http_can_see_artist(req, id);
	if (may < 0)
		return;
	if (!may) {
		http_reply_error(req, 404, NOT_FOUND_ARTIST);
		return;
	}
	/* Who may see the artist is settled above; the page itself is the same
	 * for everyone who may, until the ledger changes (cache.c). */
	if (http_cache_reply(req, "artist", &id, 1))
		return;
	ft_error_clear(&err);
	rc = ft_catalog_show(req->store, FT_CATALOG_ARTISTS, id, take_record, &artist, &err);
	if (rc == FT_ENOTFOUND) {
		json_decref(artist);
		http_reply_error(req, 404, NOT_FOUND_ARTIST);
		return;
	}
	at.rows = json_array();
	if (!rc && !at.rows)
		rc = ft_error_set(&err, FT_ENOMEM, "out of memory");
	if (!rc)
		rc = ft_catalog_artist_tracks(req->store, id, collect_tracks, &at, &err);
	if (rc || !artist) {
		json_decref(artist);
		json_decref(at.rows);
		if (!rc)
			ft_error_set(&err, FT_ENOMEM, "out of memory");
		http_reply_ft_error(req, &err);
		return;
	}
	http_reply_json(req, 200, json_pack("{s:o,s:o}", "artist", artist, "tracks", at.rows));
}
