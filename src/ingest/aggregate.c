/*
 * aggregate.c — exact sums of usage lines per key (include/fairtrack/ingest.h).
 *
 * Two levels of hash tables (design in docs/internals/INGEST.md):
 *
 *   parts   one per thread per report range (aggregate.h): raw bytes as keys,
 *           no normalisation, no matching — the inner loop only groups;
 *   global  the aggregate's table, keyed by (canonical identifier id,
 *           canonical dimension id) packed in 64 bits.
 *
 * agg_merge_part() is where an identifier is normalised and matched, once per
 * distinct identifier, never per line.  Everything is summed exactly (int64
 * usages, 128-bit ft_amount revenue); an overflow is an error, never a wrap.
 * A report file's parts are merged only when the whole file has been read,
 * so a bad line leaves the totals as they were.
 *
 * Memory is proportional to the number of distinct keys: the reader never
 * keeps more than a window of a file, and each table is open-addressed with
 * 32-byte entries at most 5/8 full.
 *
 * Row order is bytewise by (id, territory, commercial model, use type,
 * currency[, period, store]), the same as sorting the output lines' key
 * columns as text (no field holds a tab or a byte below it).
 */
#include "ingest/aggregate.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fairtrack/ids.h"
#include "ingest/fmt_flat_tsv.h"
#include "ingest/reader.h"

/* ------------------------------------------------------------ hashing */

uint64_t agg_hash_bytes(const char *s, size_t len)
{
	uint64_t h = 0x243F6A8885A308D3ull ^ (len * 0x9E3779B97F4A7C15ull);
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xFF51AFD7ED558CCDull;
		h ^= h >> 32;
	}
	if (i < len) {
		uint64_t w = 0;

		memcpy(&w, s + i, len - i);
		h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
	}
	h ^= h >> 29;
	h *= 0x94D049BB133111EBull;
	h ^= h >> 32;
	return h;
}

/* ------------------------------------------------------- string tables */

struct agg_str_slot {
	uint64_t hash;
	uint32_t id; /* 0 = empty */
};

static int strtab_grow_slots(struct agg_strtab *t)
{
	size_t cap = t->slots ? (t->mask + 1) * 2 : 64;
	struct agg_str_slot *slots = calloc(cap, sizeof(*slots));
	size_t i;

	if (!slots)
		return FT_ENOMEM;
	if (t->slots) {
		for (i = 0; i <= t->mask; i++) {
			size_t j;

			if (!t->slots[i].id)
				continue;
			for (j = t->slots[i].hash & (cap - 1); slots[j].id; j = (j + 1) & (cap - 1))
				;
			slots[j] = t->slots[i];
		}
	}
	free(t->slots);
	t->slots = slots;
	t->mask = cap - 1;
	return 0;
}

const char *agg_strtab_get(const struct agg_strtab *t, uint32_t id, size_t *len)
{
	const char *p = t->arena + t->off[id - 1];
	uint32_t n;

	memcpy(&n, p, 4);
	*len = n;
	return p + 4;
}

int agg_strtab_intern(struct agg_strtab *t, const char *s, size_t len, uint64_t hash, uint32_t *id,
		      int *added)
{
	size_t i, need;
	uint32_t n32 = (uint32_t)len;

	if (added)
		*added = 0;
	if (!t->slots && strtab_grow_slots(t))
		return FT_ENOMEM;
	for (i = hash & t->mask; t->slots[i].id; i = (i + 1) & t->mask) {
		size_t have;
		const char *text;

		if (t->slots[i].hash != hash)
			continue;
		text = agg_strtab_get(t, t->slots[i].id, &have);
		if (have == len && memcmp(text, s, len) == 0) {
			*id = t->slots[i].id;
			return 0;
		}
	}
	if (t->count == UINT32_MAX / 2 || len > UINT32_MAX)
		return FT_EOVERFLOW;
	need = 4 + len + 1;
	if (t->arena_len + need > t->arena_cap) {
		size_t cap = t->arena_cap ? t->arena_cap * 2 : 4096;
		char *arena;

		while (cap < t->arena_len + need)
			cap *= 2;
		arena = realloc(t->arena, cap);
		if (!arena)
			return FT_ENOMEM;
		t->arena = arena;
		t->arena_cap = cap;
	}
	if (t->count == t->off_cap) {
		size_t cap = t->off_cap ? t->off_cap * 2 : 64;
		size_t *off = realloc(t->off, cap * sizeof(*off));

		if (!off)
			return FT_ENOMEM;
		t->off = off;
		t->off_cap = cap;
	}
	memcpy(t->arena + t->arena_len, &n32, 4);
	memcpy(t->arena + t->arena_len + 4, s, len);
	t->arena[t->arena_len + 4 + len] = '\0'; /* so a text is also a C string */
	t->off[t->count] = t->arena_len;
	t->arena_len += need;
	t->count++;
	t->slots[i].hash = hash;
	t->slots[i].id = t->count;
	*id = t->count;
	if (added)
		*added = 1;
	if ((size_t)t->count * 2 > t->mask + 1 && strtab_grow_slots(t))
		return FT_ENOMEM;
	return 0;
}

void agg_strtab_fini(struct agg_strtab *t)
{
	free(t->slots);
	free(t->arena);
	free(t->off);
	memset(t, 0, sizeof(*t));
}

/* ---------------------------------------------------------------- parts */

#define HUGE_FROM ((size_t)2 << 20)

void *agg_table_alloc(size_t bytes)
{
	void *p;

	if (bytes < HUGE_FROM)
		return calloc(1, bytes);
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, bytes, MADV_HUGEPAGE);
	return p;
}

void agg_table_free(void *table, size_t bytes)
{
	if (!table)
		return;
	if (bytes < HUGE_FROM)
		free(table);
	else
		munmap(table, bytes);
}

int agg_part_init(struct agg_part *p, struct ft_error *err)
{
	memset(p, 0, sizeof(*p));
	p->slots = agg_table_alloc(1024 * sizeof(*p->slots));
	if (!p->slots)
		return ft_error_set(err, FT_ENOMEM, "out of memory (aggregate table)");
	p->mask = 1023;
	return 0;
}

int agg_part_spill(struct agg_part *p, uint64_t lo, uint64_t hi, ft_amount revenue)
{
	if (p->n_spill == p->cap_spill) {
		size_t cap = p->cap_spill ? p->cap_spill * 2 : 16;
		struct agg_spill *bigger = realloc(p->spill, cap * sizeof(*bigger));

		if (!bigger)
			return FT_ENOMEM;
		p->spill = bigger;
		p->cap_spill = cap;
	}
	p->spill[p->n_spill++] = (struct agg_spill){lo, hi, revenue};
	return 0;
}

void agg_part_fini(struct agg_part *p)
{
	if (!p)
		return;
	free(p->spill);
	agg_table_free(p->slots, (p->mask + 1) * sizeof(*p->slots));
	agg_strtab_fini(&p->dims);
	agg_strtab_fini(&p->odd);
	memset(p, 0, sizeof(*p));
}

int agg_part_grow(struct agg_part *p, struct ft_error *err)
{
	size_t cap = (p->mask + 1) * 2, i;
	struct agg_entry *slots = agg_table_alloc(cap * sizeof(*slots));

	if (!slots)
		return ft_error_set(err, FT_ENOMEM,
				    "out of memory growing the aggregate table to %zu keys", cap);
	for (i = 0; i <= p->mask; i++) {
		const struct agg_entry *e = &p->slots[i];
		uint64_t lo, hi;
		size_t j;

		if (!e->dim)
			continue;
		memcpy(&lo, e->ident, 8);
		memcpy(&hi, e->ident + 8, 8);
		for (j = agg_key_hash(lo, hi) & (cap - 1); slots[j].dim; j = (j + 1) & (cap - 1))
			;
		slots[j] = *e;
	}
	agg_table_free(p->slots, (p->mask + 1) * sizeof(*p->slots));
	p->slots = slots;
	p->mask = cap - 1;
	return 0;
}

int agg_part_odd_ident(struct agg_part *p, char kind, const char *text, size_t len, char ident[12],
		       struct ft_error *err)
{
	char buf[260];
	uint32_t id;
	int rc;

	if (len > sizeof(buf) - 1)
		len = sizeof(buf) - 1; /* an identifier that long is garbage; keep its start */
	buf[0] = kind;
	memcpy(buf + 1, text, len);
	rc = agg_strtab_intern(&p->odd, buf, len + 1, agg_hash_bytes(buf, len + 1), &id, NULL);
	if (rc)
		return ft_error_set(err, rc, "out of memory (identifier table)");
	memset(ident, 0, 12);
	memcpy(ident, &id, 4);
	return 0;
}

/* Append a field to a dimension text, tabs and line breaks turned to spaces
 * so the text always splits back into its six fields. */
static size_t put_field(char *dst, size_t at, struct ft_strview f, int last)
{
	size_t i;

	for (i = 0; i < f.len && at < AGG_DIM_MAX - 1; i++) {
		char ch = f.ptr[i];

		dst[at++] = (ch == '\t' || ch == '\n' || ch == '\r') ? ' ' : ch;
	}
	if (!last && at < AGG_DIM_MAX)
		dst[at++] = '\t';
	return at;
}

int agg_part_add_line(struct agg_part *p, const struct ft_usage_line *l, const char *file,
		      struct ft_error *err)
{
	char dim_text[AGG_DIM_MAX];
	char ident[12];
	size_t n = 0;
	uint32_t dim;
	int rc;

	n = put_field(dim_text, n, l->territory, 0);
	n = put_field(dim_text, n, l->commercial_model, 0);
	n = put_field(dim_text, n, l->use_type, 0);
	n = put_field(dim_text, n, l->currency, 0);
	n = put_field(dim_text, n, l->period, 0);
	n = put_field(dim_text, n, l->store, 1);
	if (agg_part_dim(p, dim_text, n, &dim, NULL, err))
		return ft_error_set(err, FT_ENOMEM, "out of memory (dimension table)");
	if (l->isrc.len == 12) {
		memcpy(ident, l->isrc.ptr, 12);
	} else {
		if (l->isrc.len > 0)
			rc = agg_part_odd_ident(p, 'I', l->isrc.ptr, l->isrc.len, ident, err);
		else
			rc = agg_part_odd_ident(p, 'U', l->upc.ptr, l->upc.len, ident, err);
		if (rc)
			return rc;
		dim |= AGG_ODD;
	}
	rc = agg_part_add(p, ident, dim, l->usages, l->revenue, err);
	if (rc == FT_EOVERFLOW)
		return ft_error_setloc(err, rc, file, l->line_no, NULL,
				       "the sum of usages or revenue for this key no longer fits "
				       "(split the report)");
	return rc;
}

/* --------------------------------------------------------------- global */

/* Kinds of canonical identifiers; the first byte of an ident's text. */
#define KIND_ISRC 'I'	  /* valid ISRC, 12 chars */
#define KIND_GTIN 'G'	  /* valid UPC/EAN/GTIN as 14 digits */
#define KIND_BAD_ISRC 'i' /* an ISRC field that is no ISRC, as written */
#define KIND_BAD_UPC 'g'  /* a UPC field that is no GTIN, as written */

/* One total: 32 bytes, sorted and compacted in agg->rows. */
struct row {
	uint32_t ident;
	uint32_t dim;
	int64_t usages;
	ft_amount revenue;
};

struct ft_aggregate {
	struct ft_aggregate_opts opts;
	struct agg_strtab idents; /* kind byte + text */
	uint32_t *ident_match;	  /* by id - 1: matcher ordinal, 0 = unmatched */
	size_t ident_match_cap;
	struct agg_strtab dims; /* territory\tmodel\tuse\tcurrency\tperiod\tstore */
	uint32_t *dim_print;	/* by id - 1: id in pdims */
	size_t dim_print_cap;
	struct agg_strtab pdims; /* territory\tmodel\tuse\tcurrency */
	/* The totals: rows[0, sorted) sorted by (identifier text, dimension
	 * text) with one row per key; rows[sorted, n_rows) appended by merges
	 * since.  compact() sorts and sums them into the first kind. */
	struct row *rows;
	size_t n_rows, cap_rows, sorted;
	struct agg_part loose; /* lines from ft_aggregate_add, not merged yet */
	int loose_used;
	/* Counts over the files that succeeded (ft_aggregate_stats). */
	uint64_t lines, rejected;
	char first_reject[FT_ERROR_MESSAGE_MAX];
	struct reject_totals {
		struct ft_aggregate_reject_total *v;
		size_t n, cap;
	} rtotals;
};

static int compact(struct ft_aggregate *agg);

int ft_aggregate_new(struct ft_aggregate **out, const struct ft_aggregate_opts *opts,
		     struct ft_error *err)
{
	struct ft_aggregate *agg;

	*out = NULL;
	if (!opts || !opts->matcher)
		return ft_error_set(err, FT_EUSAGE, "an aggregate needs a catalogue matcher");
	agg = calloc(1, sizeof(*agg));
	if (!agg)
		return ft_error_set(err, FT_ENOMEM, "out of memory (aggregate)");
	agg->opts = *opts;
	if (agg_part_init(&agg->loose, err)) {
		ft_aggregate_free(agg);
		return ft_error_set(err, FT_ENOMEM, "out of memory (aggregate)");
	}
	*out = agg;
	return 0;
}

void ft_aggregate_free(struct ft_aggregate *agg)
{
	if (!agg)
		return;
	agg_strtab_fini(&agg->idents);
	agg_strtab_fini(&agg->dims);
	agg_strtab_fini(&agg->pdims);
	free(agg->ident_match);
	free(agg->dim_print);
	agg_table_free(agg->rows, agg->cap_rows * sizeof(*agg->rows));
	agg_part_fini(&agg->loose);
	free(agg->rtotals.v);
	free(agg);
}

void ft_aggregate_stats(const struct ft_aggregate *agg, struct ft_aggregate_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->usage_lines = agg->lines + agg->loose.lines;
	out->rejected_lines = agg->rejected;
	memcpy(out->first_reject, agg->first_reject, sizeof(out->first_reject));
	out->n_reject_totals = agg->rtotals.n;
	out->reject_totals = agg->rtotals.v;
}

static int grow_u32(uint32_t **arr, size_t *cap, size_t need)
{
	uint32_t *bigger;
	size_t n = *cap ? *cap : 64;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	bigger = realloc(*arr, n * sizeof(**arr));
	if (!bigger)
		return FT_ENOMEM;
	*arr = bigger;
	*cap = n;
	return 0;
}

/* Global id of a canonical identifier text (kind byte first); matches it
 * against the catalogue the first time it is seen. */
static int global_ident(struct ft_aggregate *agg, const char *text, size_t len, uint32_t *id)
{
	int added, rc;

	rc = agg_strtab_intern(&agg->idents, text, len, agg_hash_bytes(text, len), id, &added);
	if (rc || !added)
		return rc;
	if (grow_u32(&agg->ident_match, &agg->ident_match_cap, *id))
		return FT_ENOMEM;
	agg->ident_match[*id - 1] = 0;
	if (text[0] == KIND_ISRC)
		agg->ident_match[*id - 1] = ft_matcher_find_isrc(agg->opts.matcher, text + 1);
	else if (text[0] == KIND_GTIN)
		agg->ident_match[*id - 1] = ft_matcher_find_gtin(agg->opts.matcher, text + 1);
	return 0;
}

/* Global id of a dimension text, with its print projection (the first four
 * fields) interned alongside. */
static int global_dim(struct ft_aggregate *agg, const char *text, size_t len, uint32_t *id)
{
	size_t cut = 0;
	int tabs = 0, added, rc;
	uint32_t pid;

	rc = agg_strtab_intern(&agg->dims, text, len, agg_hash_bytes(text, len), id, &added);
	if (rc || !added)
		return rc;
	while (cut < len && !(text[cut] == '\t' && ++tabs == 4))
		cut++;
	rc = agg_strtab_intern(&agg->pdims, text, cut, agg_hash_bytes(text, cut), &pid, NULL);
	if (rc)
		return rc;
	if (grow_u32(&agg->dim_print, &agg->dim_print_cap, *id))
		return FT_ENOMEM;
	agg->dim_print[*id - 1] = pid;
	return 0;
}

static int is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}
static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A 12-byte ISRC already in canonical form (ISO 3901: country, registrant,
 * year, designation): the common case, no ft_isrc_parse call needed. */
static int is_canonical_isrc(const char *s)
{
	int i;

	if (!is_upper(s[0]) || !is_upper(s[1]))
		return 0;
	for (i = 2; i < 5; i++)
		if (!is_upper(s[i]) && !is_digit(s[i]))
			return 0;
	for (i = 5; i < 12; i++)
		if (!is_digit(s[i]))
			return 0;
	return 1;
}

static int canonical_ident(struct ft_aggregate *agg, char kind, const char *raw, size_t len,
			   uint32_t *id)
{
	char text[300];

	if (len > sizeof(text) - 2)
		len = sizeof(text) - 2;
	if (kind == 'I') {
		text[0] = KIND_ISRC;
		if (len == 12 && is_canonical_isrc(raw)) {
			memcpy(text + 1, raw, 12);
			return global_ident(agg, text, 13, id);
		}
		if (ft_isrc_parse(text + 1, raw, len, NULL) == 0)
			return global_ident(agg, text, 13, id);
		text[0] = KIND_BAD_ISRC;
	} else {
		char gtin[FT_GTIN_LEN + 1];

		if (ft_gtin_parse(gtin, NULL, raw, len, NULL) == 0) {
			text[0] = KIND_GTIN;
			ft_gtin_to14(text + 1, gtin);
			return global_ident(agg, text, 1 + FT_GTIN_LEN, id);
		}
		text[0] = KIND_BAD_UPC;
	}
	memcpy(text + 1, raw, len);
	for (size_t i = 1; i <= len; i++) /* the output is TSV: keep it one field */
		if (text[i] == '\t' || text[i] == '\n' || text[i] == '\r')
			text[i] = ' ';
	return global_ident(agg, text, len + 1, id);
}

/* Room for `more` rows; compacts first when the unsorted tail has grown
 * past the sorted part, so memory stays a small multiple of the keys. */
static int reserve_rows(struct ft_aggregate *agg, size_t more)
{
	size_t cap;
	struct row *rows;
	int rc;

	if (agg->n_rows - agg->sorted > agg->sorted && agg->n_rows > ((size_t)1 << 20)) {
		rc = compact(agg);
		if (rc)
			return rc;
	}
	if (agg->n_rows + more <= agg->cap_rows)
		return 0;
	cap = agg->cap_rows ? agg->cap_rows : 1024;
	while (cap < agg->n_rows + more)
		cap *= 2;
	rows = agg_table_alloc(cap * sizeof(*rows));
	if (!rows)
		return FT_ENOMEM;
	if (agg->n_rows)
		memcpy(rows, agg->rows, agg->n_rows * sizeof(*rows));
	agg_table_free(agg->rows, agg->cap_rows * sizeof(*agg->rows));
	agg->rows = rows;
	agg->cap_rows = cap;
	return 0;
}

/*
 * Raw identifier (the 16 key bytes of an entry with the dimension masked
 * out) -> global identifier id, so that each distinct identifier of a part
 * is canonicalised and matched once, however many keys it has.
 */
struct ident_map_slot {
	uint64_t lo, hi; /* hi keeps only the ident bytes and the odd flag */
	uint32_t global; /* 0 = empty */
	uint32_t pad;
};

struct ident_map {
	struct ident_map_slot *slots;
	size_t mask, count;
};

static int ident_map_grow(struct ident_map *m)
{
	size_t cap = m->slots ? (m->mask + 1) * 2 : 4096, i;
	struct ident_map_slot *slots = agg_table_alloc(cap * sizeof(*slots));

	if (!slots)
		return FT_ENOMEM;
	for (i = 0; m->slots && i <= m->mask; i++) {
		size_t j;

		if (!m->slots[i].global)
			continue;
		for (j = agg_key_hash(m->slots[i].lo, m->slots[i].hi) & (cap - 1); slots[j].global;
		     j = (j + 1) & (cap - 1))
			;
		slots[j] = m->slots[i];
	}
	if (m->slots)
		agg_table_free(m->slots, (m->mask + 1) * sizeof(*m->slots));
	m->slots = slots;
	m->mask = cap - 1;
	return 0;
}

#define MERGE_BATCH 16

struct merge_item {
	const struct agg_entry *e;
	uint64_t lo, hi, hash;
};

static int resolve_ident(struct ft_aggregate *agg, struct agg_part *p, struct ident_map *m,
			 const struct merge_item *it, uint32_t *global, pthread_mutex_t *lock)
{
	size_t i;
	int rc;

	for (i = it->hash & m->mask; m->slots[i].global; i = (i + 1) & m->mask) {
		if (m->slots[i].lo == it->lo && m->slots[i].hi == it->hi) {
			*global = m->slots[i].global;
			return 0;
		}
	}
	/* The aggregate's identifier table is shared when parts merge in
	 * parallel: only this, once per distinct identifier, takes the lock. */
	if (lock)
		pthread_mutex_lock(lock);
	if (it->e->dim & AGG_ODD) {
		uint32_t odd;
		size_t len;
		const char *text;

		memcpy(&odd, it->e->ident, 4);
		text = agg_strtab_get(&p->odd, odd, &len);
		rc = canonical_ident(agg, text[0], text + 1, len - 1, global);
	} else {
		rc = canonical_ident(agg, 'I', it->e->ident, 12, global);
	}
	if (lock)
		pthread_mutex_unlock(lock);
	if (rc)
		return rc;
	m->slots[i].lo = it->lo;
	m->slots[i].hi = it->hi;
	m->slots[i].global = *global;
	if (++m->count * 2 > m->mask + 1)
		return ident_map_grow(m);
	return 0;
}

struct merge_job {
	struct ft_aggregate *agg;
	struct agg_part *part;
	uint32_t *dim_map;     /* part dimension id - 1 -> global id */
	struct row *out;       /* room for part->count + part->n_spill rows */
	pthread_mutex_t *lock; /* NULL when merging alone */
	int rc;
};

/* Part dimension ids -> global ones, by text (a few hundred at most). */
static int map_dims(struct ft_aggregate *agg, struct agg_part *p, uint32_t **out)
{
	uint32_t *dim_map = malloc((p->dims.count ? p->dims.count : 1) * sizeof(*dim_map));
	uint32_t i;
	int rc;

	*out = NULL;
	if (!dim_map)
		return FT_ENOMEM;
	for (i = 1; i <= p->dims.count; i++) {
		size_t len;
		const char *text = agg_strtab_get(&p->dims, i, &len);

		rc = global_dim(agg, text, len, &dim_map[i - 1]);
		if (rc) {
			free(dim_map);
			return rc;
		}
	}
	*out = dim_map;
	return 0;
}

/* One row per part entry into job->out.  Walks the part in batches:
 * prefetch the identifier map, then resolve. */
static int merge_rows(struct merge_job *job)
{
	struct merge_item batch[MERGE_BATCH];
	struct ident_map map = {NULL, 0, 0};
	struct agg_part *p = job->part;
	struct row *r = job->out;
	size_t s;
	int n = 0, rc, k;

	if ((rc = ident_map_grow(&map)) != 0)
		return rc;
	for (s = 0; s <= p->mask + 1; s++) {
		if (s <= p->mask && p->slots[s].dim) {
			struct merge_item *it = &batch[n++];
			const struct agg_entry *e = &p->slots[s];

			it->e = e;
			memcpy(&it->lo, e->ident, 8);
			memcpy(&it->hi, e->ident + 8, 4);
			it->hi = (it->hi & 0xffffffffull) | (uint64_t)(e->dim & AGG_ODD) << 32;
			it->hash = agg_key_hash(it->lo, it->hi);
			__builtin_prefetch(&map.slots[it->hash & map.mask]);
		}
		if (n < MERGE_BATCH && s <= p->mask)
			continue;
		for (k = 0; k < n; k++, r++) {
			rc = resolve_ident(job->agg, p, &map, &batch[k], &r->ident, job->lock);
			if (rc)
				goto out;
			r->dim = job->dim_map[(batch[k].e->dim & ~AGG_ODD) - 1];
			r->usages = batch[k].e->usages;
			r->revenue = batch[k].e->revenue;
		}
		n = 0;
	}
	/* Spilled revenue: one more row under the same key, summed at compaction. */
	for (s = 0; s < p->n_spill; s++, r++) {
		struct agg_entry e;
		struct merge_item it;

		memcpy(e.ident, &p->spill[s].lo, 8);
		memcpy(e.ident + 8, &p->spill[s].hi, 8);
		it.e = &e;
		it.lo = p->spill[s].lo;
		it.hi = (p->spill[s].hi & 0xffffffffull) | (uint64_t)(e.dim & AGG_ODD) << 32;
		it.hash = agg_key_hash(it.lo, it.hi);
		rc = resolve_ident(job->agg, p, &map, &it, &r->ident, job->lock);
		if (rc)
			goto out;
		r->dim = job->dim_map[(e.dim & ~AGG_ODD) - 1];
		r->usages = 0;
		r->revenue = p->spill[s].revenue;
	}
out:
	agg_table_free(map.slots, (map.mask + 1) * sizeof(*map.slots));
	return rc;
}

/* Worker k merges parts k, k + stride, k + 2 stride, … */
struct merge_worker {
	struct merge_job *jobs;
	size_t first, n, stride;
	pthread_t thread;
	int started;
};

static void *merge_worker_run(void *p)
{
	struct merge_worker *w = p;
	size_t i;

	for (i = w->first; i < w->n; i += w->stride)
		w->jobs[i].rc = merge_rows(&w->jobs[i]);
	return NULL;
}

/*
 * Fold parts into the aggregate: their rows are appended, each part on its
 * own thread when there are several (the parts of one file, one per parse
 * thread).  On error no row of any of the parts is kept.
 */
static int merge_parts(struct ft_aggregate *agg, struct agg_part *parts, size_t n,
		       struct ft_error *err)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct merge_job *jobs = calloc(n ? n : 1, sizeof(*jobs));
	size_t i, total = 0;
	int rc = 0;

	if (!jobs)
		return ft_error_set(err, FT_ENOMEM, "out of memory (merge)");
	for (i = 0; i < n && !rc; i++)
		rc = map_dims(agg, &parts[i], &jobs[i].dim_map);
	for (i = 0; i < n; i++)
		total += parts[i].count + parts[i].n_spill;
	if (!rc)
		rc = reserve_rows(agg, total);
	if (!rc) {
		struct row *out = agg->rows + agg->n_rows;

		for (i = 0; i < n; i++) {
			jobs[i] = (struct merge_job){
			    agg, &parts[i], jobs[i].dim_map, out, n > 1 ? &lock : NULL, 0};
			out += parts[i].count + parts[i].n_spill;
		}
		{
			size_t t = agg->opts.threads > 0 ? (size_t)agg->opts.threads
							 : (size_t)flat_tsv_default_threads();
			struct merge_worker workers[64];

			if (t > n)
				t = n;
			if (t > 64)
				t = 64;
			for (i = 0; i < t; i++) {
				workers[i] = (struct merge_worker){jobs, i, n, t, 0, 0};
				if (i > 0)
					workers[i].started =
					    pthread_create(&workers[i].thread, NULL,
							   merge_worker_run, &workers[i]) == 0;
			}
			if (t > 0)
				merge_worker_run(&workers[0]);
			for (i = 1; i < t; i++) {
				if (workers[i].started)
					pthread_join(workers[i].thread, NULL);
				else
					merge_worker_run(&workers[i]);
			}
		}
		for (i = 0; i < n && !rc; i++)
			rc = jobs[i].rc;
		if (!rc)
			agg->n_rows += total;
	}
	for (i = 0; i < n; i++)
		free(jobs[i].dim_map);
	free(jobs);
	if (rc)
		return ft_error_set(err, rc, "out of memory (merge)");
	return 0;
}

int agg_merge_part(struct ft_aggregate *agg, struct agg_part *p, struct ft_error *err)
{
	return merge_parts(agg, p, 1, err);
}

static int flush_loose(struct ft_aggregate *agg, struct ft_error *err)
{
	int rc;

	if (!agg->loose_used)
		return 0;
	rc = agg_merge_part(agg, &agg->loose, err);
	if (rc)
		return rc;
	agg->lines += agg->loose.lines;
	agg_part_fini(&agg->loose);
	agg->loose_used = 0;
	return agg_part_init(&agg->loose, err);
}

int ft_aggregate_add(struct ft_aggregate *agg, const struct ft_usage_line *line,
		     struct ft_error *err)
{
	int rc;

	agg->loose_used = 1;
	rc = agg_part_add_line(&agg->loose, line, NULL, err);
	if (!rc)
		agg->loose.lines++;
	return rc;
}

int ft_aggregate_sink(void *agg, const struct ft_usage_line *line, struct ft_error *err)
{
	return ft_aggregate_add(agg, line, err);
}

int ft_aggregate_merge(struct ft_aggregate *into, const struct ft_aggregate *from,
		       struct ft_error *err)
{
	size_t i;
	int rc;

	if ((rc = flush_loose(into, err)) != 0)
		return rc;
	if (from->loose_used)
		return ft_error_set(err, FT_EUSAGE,
				    "merge: flush the source aggregate first "
				    "(read its rows or count once)");
	if (reserve_rows(into, from->n_rows))
		return ft_error_set(err, FT_ENOMEM, "out of memory (merge)");
	for (i = 0; i < from->n_rows; i++) {
		const struct row *src = &from->rows[i];
		struct row *r = &into->rows[into->n_rows];
		const char *text;
		size_t len;

		text = agg_strtab_get(&from->idents, src->ident, &len);
		rc = global_ident(into, text, len, &r->ident);
		if (!rc) {
			text = agg_strtab_get(&from->dims, src->dim, &len);
			rc = global_dim(into, text, len, &r->dim);
		}
		if (rc)
			return ft_error_set(err, rc, "out of memory (merge)");
		r->usages = src->usages;
		r->revenue = src->revenue;
		into->n_rows++;
	}
	into->lines += from->lines;
	return 0;
}

size_t ft_aggregate_count(const struct ft_aggregate *agg)
{
	struct ft_aggregate *mut = (struct ft_aggregate *)agg;

	/* Counting is a read: pending lines are folded in and rows compacted. */
	if (flush_loose(mut, NULL) || compact(mut))
		return 0;
	return agg->n_rows;
}

/* ------------------------------------------------------------ row order */

static const struct agg_strtab *sort_strtab;

static int cmp_text_ids(const void *a, const void *b)
{
	uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
	size_t la, lb;
	const char *ta = agg_strtab_get(sort_strtab, ia, &la);
	const char *tb = agg_strtab_get(sort_strtab, ib, &lb);
	int c = memcmp(ta, tb, la < lb ? la : lb);
	if (c)
		return c;
	return (la > lb) - (la < lb);
}

/* Identifier texts compare after the kind byte; the kind breaks ties. */
static int cmp_ident_ids(const void *a, const void *b)
{
	uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
	size_t la, lb;
	const char *ta = agg_strtab_get(sort_strtab, ia, &la);
	const char *tb = agg_strtab_get(sort_strtab, ib, &lb);
	int c = memcmp(ta + 1, tb + 1, (la < lb ? la : lb) - 1);

	if (c)
		return c;
	if (la != lb)
		return (la > lb) - (la < lb);
	return (ta[0] > tb[0]) - (ta[0] < tb[0]);
}

/* rank[id - 1] = position of id in the text order.  qsort with a file-level
 * pointer: only one sort runs at a time (rows are built under the caller's
 * ownership of agg), and this is not on any thread's path. */
static pthread_mutex_t sort_lock = PTHREAD_MUTEX_INITIALIZER;

static uint32_t *ranks(const struct agg_strtab *t, int (*cmp)(const void *, const void *))
{
	uint32_t *order = malloc((t->count + 1) * sizeof(*order));
	uint32_t *rank = malloc((t->count + 1) * sizeof(*rank));
	uint32_t i;

	if (!order || !rank) {
		free(order);
		free(rank);
		return NULL;
	}
	for (i = 0; i < t->count; i++)
		order[i] = i + 1;
	pthread_mutex_lock(&sort_lock);
	sort_strtab = t;
	qsort(order, t->count, sizeof(*order), cmp);
	pthread_mutex_unlock(&sort_lock);
	for (i = 0; i < t->count; i++)
		rank[order[i] - 1] = i;
	free(order);
	return rank;
}

/*
 * Sort rows[0, n) by (irank[ident], drank[dim]) — an LSD radix sort: scatter
 * by dimension rank, then stably by identifier rank (two linear passes,
 * whatever the number of dimensions per identifier) — and sum rows with
 * equal keys.  *n gets the number left.  FT_EOVERFLOW when a sum does not fit.
 */
static int sort_and_sum(struct row *rows, size_t *n_io, const uint32_t *irank, size_t n_idents,
			const uint32_t *drank, size_t n_dims)
{
	size_t n = *n_io, s, k, w;
	size_t buckets = (n_idents > n_dims ? n_idents : n_dims) + 1;
	size_t *start = calloc(buckets, sizeof(*start));
	struct row *tmp = n ? agg_table_alloc(n * sizeof(*tmp)) : NULL;

	if (!start || (n && !tmp)) {
		free(start);
		agg_table_free(tmp, n * sizeof(*tmp));
		return FT_ENOMEM;
	}
	for (s = 0; s < n; s++)
		start[drank[rows[s].dim - 1] + 1]++;
	for (k = 1; k <= n_dims; k++)
		start[k] += start[k - 1];
	for (s = 0; s < n; s++)
		tmp[start[drank[rows[s].dim - 1]]++] = rows[s];
	memset(start, 0, buckets * sizeof(*start));
	for (s = 0; s < n; s++)
		start[irank[tmp[s].ident - 1] + 1]++;
	for (k = 1; k <= n_idents; k++)
		start[k] += start[k - 1];
	for (s = 0; s < n; s++)
		rows[start[irank[tmp[s].ident - 1]]++] = tmp[s];
	free(start);
	agg_table_free(tmp, n * sizeof(*tmp));
	for (s = 0, w = 0; s < n; s++) {
		if (w > 0 && rows[w - 1].ident == rows[s].ident && rows[w - 1].dim == rows[s].dim) {
			if (__builtin_add_overflow(rows[w - 1].revenue, rows[s].revenue,
						   &rows[w - 1].revenue) ||
			    __builtin_add_overflow(rows[w - 1].usages, rows[s].usages,
						   &rows[w - 1].usages))
				return FT_EOVERFLOW;
			continue;
		}
		rows[w++] = rows[s];
	}
	*n_io = w;
	return 0;
}

/* Bring rows to one sorted row per (identifier, full dimension). */
static int compact(struct ft_aggregate *agg)
{
	uint32_t *irank, *drank;
	int rc;

	if (agg->sorted == agg->n_rows)
		return 0;
	irank = ranks(&agg->idents, cmp_ident_ids);
	drank = ranks(&agg->dims, cmp_text_ids);
	rc = irank && drank ? sort_and_sum(agg->rows, &agg->n_rows, irank, agg->idents.count, drank,
					   agg->dims.count)
			    : FT_ENOMEM;
	free(irank);
	free(drank);
	if (rc)
		return rc;
	agg->sorted = agg->n_rows;
	return 0;
}

/*
 * The rows of a view: with period and store, the compacted rows themselves;
 * without, the same rows with each dimension replaced by its print
 * dimension — when no two dimensions share one (no periods or stores, as
 * in flat-tsv) the order is unchanged and nothing needs copying; else a
 * sorted, summed copy.  *owned says whether *out must be freed.
 */
static int view_rows(struct ft_aggregate *agg, int per_store, struct row **out, size_t *n_out,
		     int *owned, struct ft_error *err)
{
	struct row *copy;
	uint32_t *irank = NULL, *drank = NULL;
	size_t n, s;
	int rc;

	*out = NULL;
	*n_out = 0;
	*owned = 0;
	if ((rc = flush_loose(agg, err)) != 0)
		return rc;
	rc = compact(agg);
	if (rc == FT_EOVERFLOW)
		return ft_error_set(err, rc,
				    "a total of usages or revenue no longer fits (aggregate "
				    "fewer reports at once)");
	if (rc)
		return ft_error_set(err, rc, "out of memory sorting the aggregates");
	if (per_store || agg->dims.count == agg->pdims.count) {
		*out = agg->rows;
		*n_out = agg->n_rows;
		return 0;
	}
	n = agg->n_rows;
	copy = malloc((n ? n : 1) * sizeof(*copy));
	irank = ranks(&agg->idents, cmp_ident_ids);
	drank = ranks(&agg->pdims, cmp_text_ids);
	if (!copy || !irank || !drank) {
		rc = FT_ENOMEM;
		goto out;
	}
	for (s = 0; s < n; s++) {
		copy[s] = agg->rows[s];
		copy[s].dim = agg->dim_print[copy[s].dim - 1];
	}
	rc = sort_and_sum(copy, &n, irank, agg->idents.count, drank, agg->pdims.count);
out:
	free(irank);
	free(drank);
	if (rc) {
		free(copy);
		return ft_error_set(err, rc,
				    rc == FT_EOVERFLOW ? "a total no longer fits"
						       : "out of memory sorting the aggregates");
	}
	*out = copy;
	*n_out = n;
	*owned = 1;
	return 0;
}

static int selected(const struct ft_aggregate *agg, const struct row *r, unsigned flags)
{
	return (flags & (agg->ident_match[r->ident - 1] ? FT_AGGREGATE_MATCHED
							: FT_AGGREGATE_UNMATCHED)) != 0;
}

int ft_aggregate_each(struct ft_aggregate *agg, unsigned flags, ft_aggregate_row_fn fn, void *ctx,
		      struct ft_error *err)
{
	int per_store = (flags & FT_AGGREGATE_PERIOD_STORE) != 0;
	struct row *rows;
	size_t n, i;
	int rc, owned;

	rc = view_rows(agg, per_store, &rows, &n, &owned, err);
	if (rc)
		return rc;
	for (i = 0; i < n && !rc; i++) {
		char fields[AGG_DIM_MAX + 8];
		const char *f[6] = {"", "", "", "", "", ""};
		struct ft_aggregate_row row;
		size_t len, k;
		const char *ident, *text;
		int nf = 0;

		if (!selected(agg, &rows[i], flags))
			continue;
		ident = agg_strtab_get(&agg->idents, rows[i].ident, &len);
		text = agg_strtab_get(&agg->dims, rows[i].dim, &len);
		if (!per_store)
			text = agg_strtab_get(&agg->pdims,
					      owned ? rows[i].dim : agg->dim_print[rows[i].dim - 1],
					      &len);
		memcpy(fields, text, len);
		fields[len] = '\0';
		f[nf++] = fields;
		for (k = 0; k < len && nf < 6; k++) {
			if (fields[k] == '\t') {
				fields[k] = '\0';
				f[nf++] = fields + k + 1;
			}
		}
		row.id = ident + 1;
		row.release_level = ident[0] == KIND_GTIN || ident[0] == KIND_BAD_UPC;
		row.match = agg->ident_match[rows[i].ident - 1];
		row.territory = f[0];
		row.commercial_model = f[1];
		row.use_type = f[2];
		row.currency = f[3];
		row.period = per_store ? f[4] : "";
		row.store = per_store ? f[5] : "";
		row.usages = rows[i].usages;
		row.revenue = rows[i].revenue;
		rc = fn(ctx, &row, err);
	}
	if (owned)
		free(rows);
	return rc;
}

/* ----------------------------------------------------------------- text */

size_t ft_aggregate_format_amount(char *buf, ft_amount amount)
{
	uint64_t mag, whole, frac;
	char digits[24];
	int n = 0, k, frac_digits = 12;
	char *p = buf;

	/* Most sums fit 64 bits (|x| < 9.2 million currency units): then one
	 * 64-bit division replaces the two 128-bit ones of ft_amount_format,
	 * a visible cost over millions of output lines.  Same text. */
	if (amount <= -(ft_amount)INT64_MAX || amount >= (ft_amount)INT64_MAX)
		return ft_amount_format(buf, FT_AMOUNT_STR_MAX, amount, 0);
	mag = amount < 0 ? (uint64_t)(-(int64_t)amount) : (uint64_t)amount;
	whole = mag / 1000000000000ull;
	frac = mag % 1000000000000ull;
	if (amount < 0)
		*p++ = '-';
	do {
		digits[n++] = (char)('0' + whole % 10);
		whole /= 10;
	} while (whole);
	while (n)
		*p++ = digits[--n];
	if (frac) {
		while (frac % 10 == 0) {
			frac /= 10;
			frac_digits--;
		}
		*p++ = '.';
		for (k = frac_digits - 1; k >= 0; k--) {
			p[k] = (char)('0' + frac % 10);
			frac /= 10;
		}
		p += frac_digits;
	}
	*p = '\0';
	return (size_t)(p - buf);
}

static char *put_i64(char *p, int64_t v)
{
	char tmp[24];
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	int n = 0;

	if (v < 0)
		*p++ = '-';
	do {
		tmp[n++] = (char)('0' + m % 10);
		m /= 10;
	} while (m);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* Formatting 2 million lines is a visible share of `aggregate`: rows are
 * formatted in blocks on all threads, and written in order. */
#define FORMAT_BLOCK 65536
#define LINE_MAX_TEXT (AGG_DIM_MAX + 400) /* ids <= 300 bytes, dims <= AGG_DIM_MAX */

struct format_job {
	struct ft_aggregate *agg;
	const struct row *rows;
	size_t from, to;
	int owned;
	unsigned flags;
	char *buf;
	size_t len, cap;
	int rc;
	pthread_t thread;
	int started;
};

static void *format_rows(void *p)
{
	struct format_job *j = p;
	struct ft_aggregate *agg = j->agg;
	size_t i;

	j->len = 0;
	for (i = j->from; i < j->to; i++) {
		const struct row *r = &j->rows[i];
		const char *text;
		size_t len;
		char *o;

		if (!selected(agg, r, j->flags))
			continue;
		if (j->cap - j->len < LINE_MAX_TEXT) {
			size_t cap = j->cap ? j->cap * 2 : (size_t)FORMAT_BLOCK * 96;
			char *bigger = realloc(j->buf, cap);

			if (!bigger) {
				j->rc = FT_ENOMEM;
				return NULL;
			}
			j->buf = bigger;
			j->cap = cap;
		}
		o = j->buf + j->len;
		text = agg_strtab_get(&agg->idents, r->ident, &len);
		memcpy(o, text + 1, len - 1);
		o += len - 1;
		*o++ = '\t';
		text = agg_strtab_get(&agg->pdims, j->owned ? r->dim : agg->dim_print[r->dim - 1],
				      &len);
		memcpy(o, text, len);
		o += len;
		*o++ = '\t';
		o = put_i64(o, r->usages);
		*o++ = '\t';
		o += ft_aggregate_format_amount(o, r->revenue);
		*o++ = '\n';
		j->len = (size_t)(o - j->buf);
	}
	return NULL;
}

static int write_block(struct ft_aggregate *agg, const struct row *rows, size_t n, int owned,
		       unsigned flags, FILE *out)
{
	struct format_job jobs[8];
	size_t t =
	    agg->opts.threads > 0 ? (size_t)agg->opts.threads : (size_t)flat_tsv_default_threads();
	size_t start, k;
	int rc = 0;

	if (t > 8)
		t = 8;
	memset(jobs, 0, sizeof(jobs));
	for (start = 0; start < n && !rc; start += t * FORMAT_BLOCK) {
		for (k = 0; k < t; k++) {
			struct format_job *j = &jobs[k];

			j->agg = agg;
			j->rows = rows;
			j->owned = owned;
			j->flags = flags;
			j->from = start + k * FORMAT_BLOCK < n ? start + k * FORMAT_BLOCK : n;
			j->to = j->from + FORMAT_BLOCK < n ? j->from + FORMAT_BLOCK : n;
			j->started = k > 0 && j->from < j->to &&
				     pthread_create(&j->thread, NULL, format_rows, j) == 0;
		}
		format_rows(&jobs[0]);
		for (k = 1; k < t; k++) {
			if (jobs[k].started)
				pthread_join(jobs[k].thread, NULL);
			else
				format_rows(&jobs[k]);
		}
		for (k = 0; k < t; k++) {
			if (jobs[k].rc)
				rc = jobs[k].rc;
			else if (jobs[k].len)
				fwrite(jobs[k].buf, 1, jobs[k].len, out);
		}
	}
	for (k = 0; k < t; k++)
		free(jobs[k].buf);
	return rc;
}

int ft_aggregate_write_tsv(struct ft_aggregate *agg, FILE *out, struct ft_error *err)
{
	struct row *rows;
	size_t n;
	int rc, owned;

	rc = view_rows(agg, 0, &rows, &n, &owned, err);
	if (rc)
		return rc;
	fputs("isrc\tterritory\tcommercial_model\tuse_type\tcurrency\tusages\trevenue\n", out);
	rc = write_block(agg, rows, n, owned, FT_AGGREGATE_MATCHED, out);
	fputs("\nunmatched_id\tterritory\tcommercial_model\tuse_type\tcurrency\tusages\trevenue\n",
	      out);
	if (!rc)
		rc = write_block(agg, rows, n, owned, FT_AGGREGATE_UNMATCHED, out);
	if (owned)
		free(rows);
	if (rc)
		return ft_error_set(err, rc, "out of memory formatting the aggregates");
	if (fflush(out) != 0 || ferror(out))
		return ft_error_set(err, FT_EIO, "cannot write the aggregates (disk full?)");
	return 0;
}

/* ------------------------------------------------------------ files */

struct file_run {
	struct ft_aggregate *agg;
	struct agg_part *parts; /* all parts of the file, merged at its end */
	size_t n_parts, cap_parts;
	/* Rejected lines of this file; added to agg only when the file is. */
	uint64_t rejected;
	char first_reject[FT_ERROR_MESSAGE_MAX];
	struct reject_totals rtotals;
};

static struct ft_aggregate_reject_total *reject_total(struct reject_totals *t,
						      const char *currency, size_t len)
{
	size_t i;

	if (len > 3)
		len = 0; /* not a currency code: counted under "" */
	for (i = 0; i < t->n; i++)
		if (strlen(t->v[i].currency) == len && memcmp(t->v[i].currency, currency, len) == 0)
			return &t->v[i];
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 4;
		struct ft_aggregate_reject_total *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	memset(&t->v[t->n], 0, sizeof(t->v[0]));
	memcpy(t->v[t->n].currency, currency, len);
	return &t->v[t->n++];
}

/* Field i (0-based) of a tab-separated line. */
static int tsv_field(const char *line, size_t len, int i, const char **start, size_t *flen)
{
	const char *p = line, *end = line + len, *tab;

	for (; i > 0; i--) {
		tab = memchr(p, '\t', (size_t)(end - p));
		if (!tab)
			return -1;
		p = tab + 1;
	}
	tab = memchr(p, '\t', (size_t)(end - p));
	*start = p;
	*flen = (size_t)((tab ? tab : end) - p);
	return 0;
}

/* A line the format refused, with --reject-file: written verbatim, counted,
 * and — for the flat usage TSV, whose columns we know — its amount summed
 * per currency when it can be read, so the user sees what was set aside. */
static int reject_line(void *ctx, const char *line, size_t len, long line_no,
		       const struct ft_error *why, struct ft_error *err)
{
	struct file_run *run = ctx;
	struct ft_aggregate_reject_total *t;
	const char *cur = "", *rev;
	size_t cur_len = 0, rev_len;
	ft_amount amount;
	int flat = run->agg->opts.format == &ft_format_flat_tsv || !run->agg->opts.format;

	if (fwrite(line, 1, len, run->agg->opts.reject) != len ||
	    fputc('\n', run->agg->opts.reject) == EOF)
		return ft_error_set(err, FT_EIO, "cannot write the reject file");
	if (run->rejected++ == 0)
		snprintf(run->first_reject, sizeof(run->first_reject), "%s", why->message);
	if (run->agg->opts.on_reject)
		run->agg->opts.on_reject(run->agg->opts.reject_ctx, line_no, why->message);
	if (flat)
		tsv_field(line, len, 7, &cur, &cur_len);
	t = reject_total(&run->rtotals, cur, cur_len);
	if (!t)
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	t->lines++;
	if (flat && tsv_field(line, len, 8, &rev, &rev_len) == 0 &&
	    ft_amount_parse(&amount, rev, rev_len, NULL) == 0 &&
	    ft_amount_add(&t->revenue, t->revenue, amount) == 0)
		return 0;
	t->unreadable++;
	return 0;
}

/* A file succeeded: its rejects join the aggregate's. */
static int keep_rejects(struct ft_aggregate *agg, struct file_run *run)
{
	size_t i;

	if (agg->rejected == 0 && run->rejected)
		memcpy(agg->first_reject, run->first_reject, sizeof(agg->first_reject));
	agg->rejected += run->rejected;
	for (i = 0; i < run->rtotals.n; i++) {
		const struct ft_aggregate_reject_total *f = &run->rtotals.v[i];
		struct ft_aggregate_reject_total *t =
		    reject_total(&agg->rtotals, f->currency, strlen(f->currency));

		if (!t)
			return FT_ENOMEM;
		t->lines += f->lines;
		t->unreadable += f->unreadable;
		if (ft_amount_add(&t->revenue, t->revenue, f->revenue))
			t->unreadable += f->lines;
	}
	return 0;
}

struct sink_ctx {
	struct agg_part *part;
	const char *file;
};

static int part_sink(void *p, const struct ft_usage_line *line, struct ft_error *err)
{
	struct sink_ctx *s = p;
	int rc = agg_part_add_line(s->part, line, s->file, err);

	if (!rc)
		s->part->lines++;
	return rc;
}

static struct agg_part *more_parts(struct file_run *run, size_t k)
{
	if (run->n_parts + k > run->cap_parts) {
		size_t cap = run->cap_parts ? run->cap_parts : 4;
		struct agg_part *bigger;

		while (cap < run->n_parts + k)
			cap *= 2;
		bigger = realloc(run->parts, cap * sizeof(*bigger));
		if (!bigger)
			return NULL;
		run->parts = bigger;
		run->cap_parts = cap;
	}
	return run->parts + run->n_parts;
}

static int on_report(void *p, struct ft_report *report, struct ft_error *err)
{
	struct file_run *run = p;
	const struct ft_format *format = run->agg->opts.format;
	const char *data;
	size_t len;
	int rc;

	if (!format) {
		const char *head;
		size_t head_len;

		rc = ft_report_head(report, &head, &head_len, err);
		if (rc)
			return rc;
		if (ft_format_flat_tsv.detect(head, head_len) > 50)
			format = &ft_format_flat_tsv;
		else
			format = ft_format_detect(head, head_len);
		if (!format)
			return ft_error_setloc(err, FT_EINVAL, ft_report_name(report), 0, NULL,
					       "cannot tell the report's format from its header "
					       "(name it with --format; see docs/FORMATS.md)");
	}
	if (run->agg->opts.progress)
		reader_set_progress(report, run->agg->opts.progress, run->agg->opts.progress_ctx);
	if (format == &ft_format_flat_tsv && !run->agg->opts.reject &&
	    ft_report_map(report, &data, &len)) {
		int threads = run->agg->opts.threads;
		struct agg_part *parts;
		int used = 0;

		if (threads <= 0)
			threads = flat_tsv_default_threads();
		parts = more_parts(run, (size_t)threads);
		if (!parts)
			return ft_error_set(err, FT_ENOMEM, "out of memory");
		rc = flat_tsv_fast_path(report, data, len, threads, parts, &used, err);
		run->n_parts += (size_t)used;
		if (!rc && run->agg->opts.progress)
			run->agg->opts.progress(run->agg->opts.progress_ctx, len, len);
		return rc;
	} else {
		struct sink_ctx sink;
		struct agg_part *part = more_parts(run, 1);

		if (!part)
			return ft_error_set(err, FT_ENOMEM, "out of memory");
		rc = agg_part_init(part, err);
		if (rc)
			return rc;
		run->n_parts++;
		sink.part = part;
		sink.file = ft_report_name(report);
		rc = reader_parse(report, format, run->agg->opts.force, run->agg->opts.format_user,
				  part_sink, &sink, run->agg->opts.reject ? reject_line : NULL, run, err);
		/* The end of a plain file is 100 %, whatever the last window was. */
		if (!rc && run->agg->opts.progress && ft_report_map(report, &data, &len))
			run->agg->opts.progress(run->agg->opts.progress_ctx, len, len);
		return rc;
	}
}

int ft_aggregate_file(struct ft_aggregate *agg, const char *path, struct ft_error *err)
{
	struct file_run run;
	uint64_t lines = 0;
	size_t i;
	int rc;

	memset(&run, 0, sizeof(run));
	run.agg = agg;
	rc = ft_reader_each_report(path, on_report, &run, err);
	for (i = 0; i < run.n_parts; i++)
		lines += run.parts[i].lines;
	if (!rc)
		rc = merge_parts(agg, run.parts, run.n_parts, err);
	if (!rc) {
		agg->lines += lines;
		if (keep_rejects(agg, &run))
			rc = ft_error_set(err, FT_ENOMEM, "out of memory");
	}
	for (i = 0; i < run.n_parts; i++)
		agg_part_fini(&run.parts[i]);
	free(run.parts);
	free(run.rtotals.v);
	return rc;
}
