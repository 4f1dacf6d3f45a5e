/*
 * catalog.c — the in-memory catalogue: allocation (one string arena and a
 * vector per record kind), kind names and durations.  Parsing lives in
 * catalog_parse.c, the ledger side in catalog_import.c and catalog_read.c.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_int.h"

#define ARENA_CHUNK 65536
/* A parse never needs more; a hostile file is refused, not swapped in. */
#define CAT_MAX_RECORDS 50000000u

struct ft_catalog_arena {
	struct ft_catalog_arena *next;
	size_t used, cap;
	char data[];
};

int ft_catalog_new(struct ft_catalog **out, struct ft_error *err)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	return 0;
}

void ft_catalog_free(struct ft_catalog *cat)
{
	struct ft_catalog_arena *a, *next;

	if (!cat)
		return;
	cat_index_free_all(cat);
	for (a = cat->arena; a; a = next) {
		next = a->next;
		free(a);
	}
	free(cat->labels);
	free(cat->artists);
	free(cat->partners);
	free(cat->releases);
	free(cat->tracks);
	free(cat->placements);
	free(cat->contributors);
	free(cat->plans);
	free(cat);
}

char *cat_alloc(struct ft_catalog *cat, size_t len)
{
	struct ft_catalog_arena *a = cat->arena;
	char *p;

	if (!a || a->cap - a->used < len) {
		size_t cap = len > ARENA_CHUNK ? len : ARENA_CHUNK;

		a = malloc(sizeof(*a) + cap);
		if (!a)
			return NULL;
		a->cap = cap;
		a->used = 0;
		/* A big one-off allocation goes behind the current chunk so the
		 * rest of that chunk stays usable. */
		if (cat->arena && len > ARENA_CHUNK) {
			a->next = cat->arena->next;
			cat->arena->next = a;
		} else {
			a->next = cat->arena;
			cat->arena = a;
		}
	}
	p = a->data + a->used;
	a->used += len;
	return p;
}

char *cat_strndup(struct ft_catalog *cat, const char *text, size_t len)
{
	char *p = cat_alloc(cat, len + 1);

	if (!p)
		return NULL;
	memcpy(p, text, len);
	p[len] = '\0';
	return p;
}

void *cat_push(struct ft_catalog *cat, void **items, size_t *count, enum cat_vec slot,
	       size_t elem_size)
{
	char *base;

	if (*count >= CAT_MAX_RECORDS)
		return NULL;
	if (*count == cat->cap[slot]) {
		size_t cap = cat->cap[slot] ? cat->cap[slot] * 2 : 64;
		void *grown = realloc(*items, cap * elem_size);

		if (!grown)
			return NULL;
		*items = grown;
		cat->cap[slot] = cap;
	}
	base = (char *)*items + *count * elem_size;
	memset(base, 0, elem_size);
	(*count)++;
	return base;
}


static const char *const kind_names[FT_CATALOG_KIND_COUNT] = {
	[FT_CATALOG_LABELS] = "labels",
	[FT_CATALOG_ARTISTS] = "artists",
	[FT_CATALOG_PARTNERS] = "partners",
	[FT_CATALOG_TRACKS] = "tracks",
	[FT_CATALOG_CONTRIBUTORS] = "contributors",
	[FT_CATALOG_RELEASES] = "releases",
	[FT_CATALOG_BWARM] = "bwarm-recordings",
	[FT_CATALOG_PLANS] = "plans",
};

const char *ft_catalog_kind_name(enum ft_catalog_kind kind)
{
	if ((int)kind < 0 || kind >= FT_CATALOG_KIND_COUNT)
		return "?";
	return kind_names[kind];
}

int ft_catalog_kind_parse(const char *name)
{
	size_t n = strlen(name);
	int k;

	for (k = 0; k < FT_CATALOG_KIND_COUNT; k++) {
		size_t kn = strlen(kind_names[k]);

		if (strcmp(name, kind_names[k]) == 0)
			return k;
		/* the singular: "artist", "track", … */
		if (n + 1 == kn && strncmp(name, kind_names[k], n) == 0 && kind_names[k][n] == 's')
			return k;
	}
	return -1;
}

static const char *const entity_names[FT_CATALOG_ENTITY_COUNT] = {
	"label", "artist", "partner", "release", "track", "contributors", "plan",
};

const char *ft_catalog_entity_name(int entity)
{
	if (entity < 0 || entity >= FT_CATALOG_ENTITY_COUNT)
		return "?";
	return entity_names[entity];
}

/* Digits at text[*pos..]; at most 9 of them so the value fits a long. */
static int take_number(const char *text, size_t len, size_t *pos, long *value)
{
	size_t start = *pos;

	*value = 0;
	while (*pos < len && text[*pos] >= '0' && text[*pos] <= '9') {
		if (*pos - start >= 9)
			return -1;
		*value = *value * 10 + (text[*pos] - '0');
		(*pos)++;
	}
	return *pos > start ? 0 : -1;
}

/* ISO 8601 duration, time part only: PT[nH][nM][n[.fff]S] (§4.4.3.2);
 * a day part "P1D" makes no sense for a recording and is refused. */
static int parse_iso_duration(long *seconds, const char *text, size_t len)
{
	size_t pos = 2;
	long total = 0, value;
	int seen_h = 0, seen_m = 0, seen_s = 0, any = 0;

	if (len < 3 || (text[0] != 'P' && text[0] != 'p') || (text[1] != 'T' && text[1] != 't'))
		return -1;
	while (pos < len) {
		char unit;

		if (take_number(text, len, &pos, &value))
			return -1;
		if (pos < len && text[pos] == '.') {
			/* fractions only on the seconds; dropped */
			pos++;
			while (pos < len && text[pos] >= '0' && text[pos] <= '9')
				pos++;
			if (pos >= len || (text[pos] != 'S' && text[pos] != 's'))
				return -1;
		}
		if (pos >= len)
			return -1;
		unit = text[pos++];
		if ((unit == 'H' || unit == 'h') && !seen_h && !seen_m && !seen_s) {
			seen_h = 1;
			total += value * 3600;
		} else if ((unit == 'M' || unit == 'm') && !seen_m && !seen_s) {
			seen_m = 1;
			total += value * 60;
		} else if ((unit == 'S' || unit == 's') && !seen_s) {
			seen_s = 1;
			total += value;
		} else {
			return -1;
		}
		any = 1;
	}
	if (!any)
		return -1;
	*seconds = total;
	return 0;
}

int ft_catalog_parse_duration(long *seconds, const char *text, size_t len, struct ft_error *err)
{
	size_t pos = 0;
	long parts[3], total = 0;
	int n = 0, i;

	if (len > 0 && (text[0] == 'P' || text[0] == 'p')) {
		if (parse_iso_duration(seconds, text, len) == 0)
			return 0;
		return ft_error_set(err, FT_EINVAL,
				    "duration '%.*s' is not an ISO 8601 time duration like "
				    "'PT3M25S'",
				    (int)(len > 64 ? 64 : len), text);
	}
	/* s, m:ss or h:mm:ss; the parts after the first are below 60. */
	for (;;) {
		if (n == 3 || take_number(text, len, &pos, &parts[n]))
			goto bad;
		n++;
		if (pos == len)
			break;
		if (text[pos] != ':')
			goto bad;
		pos++;
	}
	for (i = 0; i < n; i++) {
		if (i > 0 && parts[i] >= 60)
			goto bad;
		total = total * 60 + parts[i];
	}
	*seconds = total;
	return 0;
bad:
	return ft_error_set(err, FT_EINVAL,
			    "duration '%.*s' is not seconds, m:ss, h:mm:ss or ISO 8601 'PT3M25S'",
			    (int)(len > 64 ? 64 : len), text);
}

/*
 * The identifier indexes: open addressing with linear probing over FNV-1a
 * hashes, grown at half full.  Only what parsing needs (get, put; no delete).
 */
struct ft_catalog_index {
	size_t cap, used;
	const char **keys;
	size_t *pos;
};

static uint64_t hash_key(const char *key)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ULL;
	return h;
}

static size_t probe(const struct ft_catalog_index *ix, const char *key)
{
	size_t i = hash_key(key) & (ix->cap - 1);

	while (ix->keys[i] && strcmp(ix->keys[i], key) != 0)
		i = (i + 1) & (ix->cap - 1);
	return i;
}

size_t cat_index_get(const struct ft_catalog *cat, enum cat_vec slot, const char *key)
{
	const struct ft_catalog_index *ix = cat->index[slot];
	size_t i;

	if (!ix)
		return 0;
	i = probe(ix, key);
	return ix->keys[i] ? ix->pos[i] : 0;
}

static int index_grow(struct ft_catalog_index *ix)
{
	struct ft_catalog_index bigger;
	size_t i;

	bigger.cap = ix->cap ? ix->cap * 2 : 256;
	bigger.used = ix->used;
	bigger.keys = calloc(bigger.cap, sizeof(*bigger.keys));
	bigger.pos = calloc(bigger.cap, sizeof(*bigger.pos));
	if (!bigger.keys || !bigger.pos) {
		free(bigger.keys);
		free(bigger.pos);
		return -1;
	}
	for (i = 0; i < ix->cap; i++) {
		if (ix->keys[i]) {
			size_t j = probe(&bigger, ix->keys[i]);

			bigger.keys[j] = ix->keys[i];
			bigger.pos[j] = ix->pos[i];
		}
	}
	free(ix->keys);
	free(ix->pos);
	*ix = bigger;
	return 0;
}

long cat_index_put(struct ft_catalog *cat, enum cat_vec slot, const char *key, size_t pos)
{
	struct ft_catalog_index *ix = cat->index[slot];
	size_t i;

	if (!ix) {
		ix = calloc(1, sizeof(*ix));
		if (!ix)
			return -1;
		cat->index[slot] = ix;
	}
	if ((ix->used + 1) * 2 > ix->cap && index_grow(ix))
		return -1;
	i = probe(ix, key);
	if (ix->keys[i])
		return (long)ix->pos[i];
	ix->keys[i] = cat_strndup(cat, key, strlen(key));
	if (!ix->keys[i])
		return -1;
	ix->pos[i] = pos + 1;
	ix->used++;
	return 0;
}

void cat_index_free_all(struct ft_catalog *cat)
{
	size_t s;

	for (s = 0; s < sizeof(cat->index) / sizeof(cat->index[0]); s++) {
		if (cat->index[s]) {
			free(cat->index[s]->keys);
			free(cat->index[s]->pos);
			free(cat->index[s]);
		}
	}
}

/* ------------------------------------------------------------------ dstr */

#define DSTR_MAX (64u << 20) /* a list field never needs more */

static int dstr_reserve(struct dstr *d, size_t more)
{
	size_t cap;
	char *grown;

	if (d->len + more + 1 <= d->cap)
		return 0;
	if (d->len + more + 1 > DSTR_MAX)
		return FT_ENOMEM;
	cap = d->cap ? d->cap : 64;
	while (cap < d->len + more + 1)
		cap *= 2;
	grown = realloc(d->ptr, cap);
	if (!grown)
		return FT_ENOMEM;
	d->ptr = grown;
	d->cap = cap;
	return 0;
}

int dstr_add(struct dstr *d, const char *text)
{
	size_t n = strlen(text);

	if (dstr_reserve(d, n))
		return FT_ENOMEM;
	memcpy(d->ptr + d->len, text, n + 1);
	d->len += n;
	return 0;
}

int dstr_addf(struct dstr *d, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || dstr_reserve(d, (size_t)n))
		return FT_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(d->ptr + d->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	d->len += (size_t)n;
	return 0;
}

int dstr_sep(struct dstr *d)
{
	return d->len ? dstr_add(d, CAT_LIST_SEP) : 0;
}

const char *dstr_str(const struct dstr *d)
{
	return d->ptr ? d->ptr : "";
}

void dstr_free(struct dstr *d)
{
	free(d->ptr);
	d->ptr = NULL;
	d->len = d->cap = 0;
}
