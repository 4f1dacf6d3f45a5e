/*
 * aggregate.h — internals of the aggregator shared with the fast parsers.
 *
 * A "part" is the hash table one thread fills from one range of one report.
 * Its key is 16 bytes, so a probe is two 8-byte compares:
 *
 *   ident[12]  the ISRC exactly as written when the field is 12 bytes long
 *              (nearly always), else the id of the identifier's text in the
 *              part's `odd` string table (AGG_ODD set in dim)
 *   dim        id of the line's "dimension" text in the part's `dims` table:
 *              territory \t commercial model \t use type \t currency \t
 *              period \t store — a few hundred distinct values per report
 *
 * Nothing is normalised or matched per line: a part only groups identical
 * bytes.  agg_merge_part() then canonicalises each distinct identifier once
 * (ft_isrc_parse / ft_gtin_parse), asks the matcher once per identifier, and
 * adds the sums into the aggregate's global table.  Parts of different
 * threads use different ids for the same text; the merge maps them by text.
 */
#ifndef FAIRTRACK_INGEST_AGGREGATE_H
#define FAIRTRACK_INGEST_AGGREGATE_H

#include <stdint.h>
#include <string.h>

#include "fairtrack/ingest.h"

/* An interning table: byte string -> dense id (1-based). */
struct agg_strtab {
	struct agg_str_slot *slots;
	size_t mask;
	uint32_t count;
	char *arena;
	size_t arena_len, arena_cap;
	size_t *off; /* by id - 1; the string's length is stored before it */
	size_t off_cap;
};

uint64_t agg_hash_bytes(const char *s, size_t len);
/* *id gets the string's id; *added (may be NULL) 1 when it was new. */
int agg_strtab_intern(struct agg_strtab *t, const char *s, size_t len, uint64_t hash, uint32_t *id,
		      int *added);
const char *agg_strtab_get(const struct agg_strtab *t, uint32_t id, size_t *len);
void agg_strtab_fini(struct agg_strtab *t);

#define AGG_ODD 0x80000000u
/* Longest dimension text (all six fields and their tabs). */
#define AGG_DIM_MAX 1024

/*
 * 32 bytes, so an entry never straddles two cache lines.  Revenue is kept in
 * 64 bits (±9.2 million currency units per key and part): a sum that would
 * leave that range moves to the part's spill list as an exact ft_amount and
 * the entry restarts from 0 — rare, exact, and summed back at merge.
 */
struct agg_entry {
	char ident[12];
	uint32_t dim; /* 0 = empty slot */
	int64_t usages;
	int64_t revenue; /* units of 10^-12 */
};

struct agg_spill {
	uint64_t lo, hi; /* the entry's key words */
	ft_amount revenue;
};

struct agg_part {
	struct agg_entry *slots;
	size_t mask;
	size_t count;
	struct agg_strtab dims;
	struct agg_strtab odd;
	struct agg_spill *spill;
	size_t n_spill, cap_spill;
	uint64_t lines; /* usage lines added (for the batch's line count) */
};

/* Move `revenue` of key (lo, hi) to the spill list: 0 or FT_ENOMEM. */
int agg_part_spill(struct agg_part *p, uint64_t lo, uint64_t hi, ft_amount revenue);

int agg_part_init(struct agg_part *p, struct ft_error *err);
void agg_part_fini(struct agg_part *p);
int agg_part_grow(struct agg_part *p, struct ft_error *err);

static inline uint64_t agg_key_hash(uint64_t lo, uint64_t hi)
{
	uint64_t h =
	    lo * 0x9E3779B97F4A7C15ull ^ (hi + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full;

	h ^= h >> 31;
	h *= 0xD6E8FEB86659FD93ull;
	h ^= h >> 32;
	return h;
}

/* The two key words of (ident, dim): an entry's first 16 bytes. */
static inline void agg_key_words(const char ident[12], uint32_t dim, uint64_t *lo, uint64_t *hi)
{
	uint32_t tail;

	memcpy(lo, ident, 8);
	memcpy(&tail, ident + 8, 4);
	*hi = (uint64_t)tail | (uint64_t)dim << 32; /* = bytes 8..16 of the entry (little-endian) */
}

/*
 * Add (usages, revenue) under the key (lo, hi) whose hash is h.  Returns 0,
 * FT_EOVERFLOW (the caller names the line) or FT_ENOMEM.  Inline: it is the
 * inner loop of the fast path, which computes h early to prefetch the slot.
 */
static inline int agg_part_add_hashed(struct agg_part *p, uint64_t lo, uint64_t hi, uint64_t h,
				      int64_t usages, ft_amount revenue, struct ft_error *err)
{
	size_t i;

	for (i = h & p->mask;; i = (i + 1) & p->mask) {
		struct agg_entry *e = &p->slots[i];
		uint64_t elo, ehi;
		int64_t sum64;

		memcpy(&elo, e->ident, 8);
		memcpy(&ehi, e->ident + 8, 8);
		if (e->dim == 0) {
			memcpy(e->ident, &lo, 8);
			memcpy(e->ident + 8, &hi, 8);
			e->usages = usages;
			if (revenue >= INT64_MIN && revenue <= INT64_MAX) {
				e->revenue = (int64_t)revenue;
			} else {
				e->revenue = 0;
				if (agg_part_spill(p, lo, hi, revenue))
					return FT_ENOMEM;
			}
			if (++p->count * 8 > (p->mask + 1) * 5)
				return agg_part_grow(p, err);
			return 0;
		}
		if (elo != lo || ehi != hi)
			continue;
		if (__builtin_add_overflow(e->usages, usages, &e->usages))
			return FT_EOVERFLOW;
		if (revenue < INT64_MIN || revenue > INT64_MAX ||
		    __builtin_add_overflow(e->revenue, (int64_t)revenue, &sum64)) {
			int rc = agg_part_spill(p, lo, hi, (ft_amount)e->revenue + revenue);

			e->revenue = 0;
			return rc ? FT_ENOMEM : 0;
		}
		e->revenue = sum64;
		return 0;
	}
}

static inline int agg_part_add(struct agg_part *p, const char ident[12], uint32_t dim,
			       int64_t usages, ft_amount revenue, struct ft_error *err)
{
	uint64_t lo, hi;

	agg_key_words(ident, dim, &lo, &hi);
	return agg_part_add_hashed(p, lo, hi, agg_key_hash(lo, hi), usages, revenue, err);
}

/* Zeroed memory for a big table: huge pages where the kernel gives them
 * (fewer TLB misses on random probes, one fault per 2 MiB). */
void *agg_table_alloc(size_t bytes);
void agg_table_free(void *table, size_t bytes);

/* Intern a dimension text in the part (*added: first time seen). */
static inline int agg_part_dim(struct agg_part *p, const char *text, size_t len, uint32_t *id,
			       int *added, struct ft_error *err)
{
	return agg_strtab_intern(&p->dims, text, len, agg_hash_bytes(text, len), id, added);
}

/*
 * Key of an identifier that is not a plain 12-byte field: kind 'I' (an ISRC
 * field of another length) or 'U' (a release-level line: no ISRC, a UPC).
 */
int agg_part_odd_ident(struct agg_part *p, char kind, const char *text, size_t len, char ident[12],
		       struct ft_error *err);

/* The generic path: one normalised usage line of any format. */
int agg_part_add_line(struct agg_part *p, const struct ft_usage_line *line, const char *file,
		      struct ft_error *err);

/* Fold a part into the aggregate's totals (canonicalise, match, sum). */
int agg_merge_part(struct ft_aggregate *agg, struct agg_part *p, struct ft_error *err);

#endif
