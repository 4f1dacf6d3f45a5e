/*
 * catalog_int.h — shared internals of src/catalog (not public).
 *
 * The in-memory catalogue keeps every string in one arena (freed at once by
 * ft_catalog_free) and its record arrays in realloc'd vectors, so a parse
 * that fails half-way is cleaned up by freeing the catalogue, nothing else.
 */
#ifndef FAIRTRACK_CATALOG_INT_H
#define FAIRTRACK_CATALOG_INT_H

#include "fairtrack/catalog.h"

/* Entity indexes of struct ft_catalog_changes.counts. */
enum cat_entity {
	CAT_LABEL,
	CAT_ARTIST,
	CAT_PARTNER,
	CAT_RELEASE,
	CAT_TRACK,
	CAT_CONTRIBUTORS,
	CAT_PLAN,
};

/* Vector slots of struct ft_catalog.cap. */
enum cat_vec {
	VEC_LABELS,
	VEC_ARTISTS,
	VEC_PARTNERS,
	VEC_RELEASES,
	VEC_TRACKS,
	VEC_PLACEMENTS,
	VEC_CONTRIBUTORS,
	VEC_PLANS,
};

/* Copy text[0..len) NUL-terminated into the arena; NULL when out of memory. */
char *cat_strndup(struct ft_catalog *cat, const char *text, size_t len);
/* Raw arena bytes (uninitialised). */
char *cat_alloc(struct ft_catalog *cat, size_t len);

/* Make room for one more element in *items (count, the slot's capacity);
 * returns the new element zeroed, or NULL when out of memory. */
void *cat_push(struct ft_catalog *cat, void **items, size_t *count, enum cat_vec slot,
	       size_t elem_size);

/*
 * Identifier index of one vector: key text → element position + 1 (0 = not
 * there).  Keys are copied into the arena.  cat_index_put returns the
 * previous position + 1 if the key was already there (and keeps it), 0 when
 * added, or -1 when out of memory.
 */
size_t cat_index_get(const struct ft_catalog *cat, enum cat_vec slot, const char *key);
long cat_index_put(struct ft_catalog *cat, enum cat_vec slot, const char *key, size_t pos);
void cat_index_free_all(struct ft_catalog *cat);

/* A growable string (import change lists, list fields of show). */
struct dstr {
	char *ptr; /* NUL-terminated when not NULL */
	size_t len, cap;
};
/* Append; 0 or FT_ENOMEM.  dstr_sep appends "; " first unless empty. */
int dstr_add(struct dstr *d, const char *text);
int dstr_addf(struct dstr *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int dstr_sep(struct dstr *d);
/* Never NULL: "" for an empty string. */
const char *dstr_str(const struct dstr *d);
void dstr_free(struct dstr *d);

/* Value lists ("a; b; c") are split on ';' with items trimmed. */
#define CAT_LIST_SEP "; "

#endif
