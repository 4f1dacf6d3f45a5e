/*
 * fairtrack — the catalogue: labels, artists, releases, tracks, contributors
 * and partners, read from the spreadsheets labels keep and kept in the ledger.
 *
 * Two steps, so that a bad file never touches the ledger:
 *
 *  1. Parse (ft_catalog_parse / ft_catalog_parse_file): one or more CSV/TSV
 *     files into an in-memory struct ft_catalog.  The kind of each file is
 *     detected from its header (docs/CATALOG.md lists every column).  Every
 *     value is validated here — ISRC, UPC/EAN check digit, dates, durations,
 *     territories, fees — and the first bad one is reported as
 *       tracks.csv:7: column 'isrc': ISRC 'GB-AB1-26-0001': designation must be 5 digits
 *     Rows that must agree (the release columns repeated on each track row,
 *     an ISRC on two rows) are checked against each other.  No store needed:
 *     the fuzz harness and `aggregate --catalog` use this step alone.
 *
 *  2. Import (ft_catalog_import): the whole parsed catalogue into a ledger in
 *     ONE transaction.  Rows are matched by identifier (artist id, label name,
 *     partner id, UPC/EAN as GTIN-14, ISRC) and updated in place; the result
 *     is a change list ("track GBNLR2600001: title 'A' → 'B'") and counts of
 *     added / updated / unchanged.  Any error (an unknown artist, a storage
 *     failure) rolls everything back: nothing is ever half-imported.
 *
 * Export writes the ledger back as the same files, so an export re-imports
 * with no change; list and show read it as records of named text fields.
 *
 * The structs below are read-only views for callers (tests, matchers);
 * every string belongs to the catalogue and lives until ft_catalog_free.
 * An optional field is NULL when its file has no such column at all (not
 * when the cell is empty: that is ""), and a re-import then keeps the
 * ledger's value: a file with fewer columns never erases what it does not
 * mention.
 */
#ifndef FAIRTRACK_CATALOG_H
#define FAIRTRACK_CATALOG_H

#include <stddef.h>

#include "fairtrack/error.h"
#include "fairtrack/ids.h"
#include "fairtrack/money.h"
#include "fairtrack/store.h"

/* The kinds of file (and of list). */
enum ft_catalog_kind {
	FT_CATALOG_LABELS,
	FT_CATALOG_ARTISTS,
	FT_CATALOG_PARTNERS,
	FT_CATALOG_TRACKS,       /* one row per track on a release, release columns repeated */
	FT_CATALOG_CONTRIBUTORS, /* one row per (track, contributor, role) */
	FT_CATALOG_RELEASES,     /* list only: releases are written inside the tracks file */
	FT_CATALOG_BWARM,        /* import only: DDEX BWARM recordings file */
	FT_CATALOG_PLANS,        /* planned releases: a release, a partner, territories, date */
	FT_CATALOG_KIND_COUNT,
};

/* "labels", "artists", … ; ft_catalog_kind_parse accepts them and the
 * singular, returning -1 for anything else. */
const char *ft_catalog_kind_name(enum ft_catalog_kind kind);
int ft_catalog_kind_parse(const char *name);

/* Where a row came from, for messages. */
struct ft_catalog_loc {
	const char *file;
	long line;
};

struct ft_catalog_label {
	const char *name;
	const char *country; /* "" when empty, NULL when no column */
	struct ft_catalog_loc loc;
};

struct ft_catalog_artist {
	const char *id;      /* slug: a-z 0-9 - _ . */
	const char *name;
	const char *kind;    /* person | band | other */
	const char *country; /* ISO 3166-1 alpha-2, "" or NULL */
	const char *members; /* "A; B; C" for a band, "" or NULL otherwise */
	struct ft_catalog_loc loc;
};

struct ft_catalog_partner {
	const char *id;
	const char *name;
	const char *type; /* aggregator|distributor|dsp|retailer|manufacturer|promoter|other */
	const char *territories; /* canonical set: "WW", "WW -CA -US", "GB IE"; NULL */
	ft_amount fee_percent;   /* 0..100, exact: 15 % is 15, not 0.15 */
	int has_fee;             /* the file has a fee column */
	const char *currency;    /* ISO 4217, "" or NULL */
	struct ft_catalog_loc loc;
};

struct ft_catalog_release {
	char gtin14[FT_GTIN_LEN + 1]; /* the key */
	char upc[FT_GTIN_LEN + 1];    /* as written: 12, 13 or 14 digits */
	const char *title;
	const char *artist; /* artist reference (id or name) as written, "" or NULL */
	const char *label;  /* label name, "" or NULL */
	const char *format; /* single|ep|album|compilation|… */
	const char *date;   /* YYYY-MM-DD, "" or NULL */
	struct ft_catalog_loc loc;
};

struct ft_catalog_track {
	char isrc[FT_ISRC_LEN + 1];
	const char *title;
	const char *artists;  /* main artist references "a; b" */
	const char *featured; /* featured artist references, "" or NULL */
	long duration;        /* seconds, -1 when empty */
	int has_duration;     /* the file has a duration column */
	int create_artists;   /* BWARM: an unknown display artist becomes a new artist */
	struct ft_catalog_loc loc;
};

/* A track's place on a release. */
struct ft_catalog_placement {
	char gtin14[FT_GTIN_LEN + 1];
	char isrc[FT_ISRC_LEN + 1];
	int disc;
	int track_no;
	struct ft_catalog_loc loc;
};

struct ft_catalog_contributor {
	char isrc[FT_ISRC_LEN + 1];
	const char *name;
	const char *role; /* producer|featured|session|remixer|mixer|… */
	struct ft_catalog_loc loc;
};

/* A release planned through a partner in some territories from a date. */
struct ft_catalog_plan {
	char gtin14[FT_GTIN_LEN + 1];
	char upc[FT_GTIN_LEN + 1]; /* as written */
	const char *partner;       /* partner id */
	const char *territories;   /* canonical set; NULL when no column ("WW" when new) */
	const char *date;          /* YYYY-MM-DD, "" or NULL */
	struct ft_catalog_loc loc;
};

struct ft_catalog_arena; /* private */
struct ft_catalog_index; /* private */

struct ft_catalog {
	struct ft_catalog_label *labels;
	size_t n_labels;
	struct ft_catalog_artist *artists;
	size_t n_artists;
	struct ft_catalog_partner *partners;
	size_t n_partners;
	struct ft_catalog_release *releases;
	size_t n_releases;
	struct ft_catalog_track *tracks;
	size_t n_tracks;
	struct ft_catalog_placement *placements;
	size_t n_placements;
	struct ft_catalog_contributor *contributors;
	size_t n_contributors;
	struct ft_catalog_plan *plans;
	size_t n_plans;
	/* private */
	size_t cap[8];
	struct ft_catalog_arena *arena;
	struct ft_catalog_index *index[8];
};

int ft_catalog_new(struct ft_catalog **out, struct ft_error *err);
void ft_catalog_free(struct ft_catalog *cat);

/*
 * Parse one catalogue file held in memory (name is used in messages and
 * kept).  The kind is detected from the header; *kind_out (may be NULL) gets
 * it.  On error the catalogue may hold part of the file: discard it.
 */
int ft_catalog_parse(struct ft_catalog *cat, const char *name, const char *data, size_t len,
		     enum ft_catalog_kind *kind_out, struct ft_error *err);
/* Read path and parse it (FT_EIO when it cannot be read). */
int ft_catalog_parse_file(struct ft_catalog *cat, const char *path,
			  enum ft_catalog_kind *kind_out, struct ft_error *err);

/* Seconds from "205", "3:25", "1:02:03" or ISO 8601 "PT3M25S" (fractions of
 * a second are dropped).  FT_EINVAL with a message quoting the text. */
int ft_catalog_parse_duration(long *seconds, const char *text, size_t len, struct ft_error *err);

/* ----------------------------------------------------------------- import */

enum ft_catalog_action {
	FT_CATALOG_ADDED,
	FT_CATALOG_UPDATED,
};

/* One change: an entity added, or one field of it updated. */
struct ft_catalog_change {
	enum ft_catalog_action action;
	const char *entity; /* "label", "artist", … (ft_catalog_entity_name) */
	char *key;          /* the identifier */
	char *field;        /* updated field, NULL when added */
	char *before;       /* NULL when added */
	char *after;        /* NULL when added */
};

struct ft_catalog_counts {
	size_t added, updated, unchanged;
};

struct ft_catalog_changes {
	struct ft_catalog_change *items;
	size_t count, cap;
	/* per entity, indexed like entity_names in ft_catalog_entity_name */
	struct ft_catalog_counts counts[7];
};

#define FT_CATALOG_ENTITY_COUNT 7
/* "label", "artist", "partner", "release", "track", "contributors", "plan"
 * for 0..6. */
const char *ft_catalog_entity_name(int entity);

/* Totals over all entities. */
struct ft_catalog_counts ft_catalog_changes_total(const struct ft_catalog_changes *changes);
/* Render one change as "track GBNLR2600001: title 'A' → 'B'" or
 * "artist zoe-ashwood: added"; returns the length as snprintf does. */
int ft_catalog_change_format(char *buf, size_t cap, const struct ft_catalog_change *change);
/* Free the items (the struct itself is the caller's). */
void ft_catalog_changes_free(struct ft_catalog_changes *changes);

/*
 * Import cat into store in one transaction (the store must not be inside
 * one).  changes (may be NULL) is filled only on success; on error nothing
 * was written.  Errors: FT_EINVAL (a reference to an artist, label or track
 * that exists neither in the ledger nor in cat: named by file, line and
 * column), FT_EDB, FT_ENOMEM.
 */
int ft_catalog_import(struct ft_store *store, const struct ft_catalog *cat,
		      struct ft_catalog_changes *changes, struct ft_error *err);

/*
 * What ft_catalog_import would do, without doing it: the same checks and the
 * same change list, then everything is rolled back (`import catalog
 * --dry-run`).
 */
int ft_catalog_preview(struct ft_store *store, const struct ft_catalog *cat,
		       struct ft_catalog_changes *changes, struct ft_error *err);

/* -------------------------------------------------------- list and export */

#define FT_CATALOG_MAX_FIELDS 16

struct ft_catalog_field {
	const char *name;
	const char *value; /* never NULL; "" when empty */
	int numeric;       /* value is a JSON number when non-empty */
};

/* A record: fields in file-column order.  Valid during the callback only. */
struct ft_catalog_record {
	size_t count;
	struct ft_catalog_field fields[FT_CATALOG_MAX_FIELDS];
};

/* A non-zero return stops the walk and is returned. */
typedef int (*ft_catalog_record_fn)(void *ctx, const struct ft_catalog_record *record,
				    struct ft_error *err);

/*
 * Every entry of a kind, sorted by identifier, as records whose fields are
 * the columns of that kind's file (tracks: one record per placement, with
 * the release columns; a track on no release once with them empty).  The
 * releases kind has upc, title, artist, label, format, release_date, tracks.
 * The header alone: ft_catalog_columns.
 */
int ft_catalog_list(struct ft_store *store, enum ft_catalog_kind kind, ft_catalog_record_fn fn,
		    void *ctx, struct ft_error *err);
/*
 * The tracks kind's records (same fields and order as ft_catalog_list) of
 * the tracks artist_id is credited on, main or featured: the artist's page
 * without walking the whole catalogue.  None (no call) for an unknown id.
 */
int ft_catalog_artist_tracks(struct ft_store *store, const char *artist_id,
			     ft_catalog_record_fn fn, void *ctx, struct ft_error *err);
/* The column names of a kind (NULL-terminated, static). */
const char *const *ft_catalog_columns(enum ft_catalog_kind kind);

/*
 * One entry in full: kind artist, release, track or partner; id is an artist
 * or partner id, a release's UPC/EAN/GTIN (any form), a track's ISRC (any
 * form ft_isrc_parse accepts).  FT_ENOTFOUND when there is none.  Lists
 * (members, tracks of a release, releases and contributors of a track) are
 * one field each, items separated by "; ".
 */
int ft_catalog_show(struct ft_store *store, enum ft_catalog_kind kind, const char *id,
		    ft_catalog_record_fn fn, void *ctx, struct ft_error *err);

/*
 * Write labels.csv, artists.csv, partners.csv, tracks.csv, contributors.csv
 * and plans.csv into dir (created if missing; existing files of those
 * names are replaced).  Comma-separated, UTF-8 without BOM, LF, RFC 4180
 * quoting where needed.
 */
int ft_catalog_export(struct ft_store *store, const char *dir, struct ft_error *err);

#endif
