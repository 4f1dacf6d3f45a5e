/*
 * matcher.c — the catalogue index: ISRC → track, GTIN → release
 * (include/fairtrack/ingest.h).
 *
 * Two open-addressed hash sets with the identifier packed into two 64-bit
 * words (an ISRC is 12 bytes, a GTIN-14 14), so a lookup is a hash and at most
 * a few word compares.  The aggregator asks once per distinct identifier of a
 * report, not per line, so the index only needs to be compact, not clever.
 *
 * Identifiers are stored normalised (ft_isrc_parse, ft_gtin_parse +
 * ft_gtin_to14): a catalogue written "gb-abc-26-00001" matches a report
 * that says "GBABC2600001", and a UPC matches the same release's EAN-13.
 * Ordinals are 1-based in order of first addition; adding an identifier
 * again keeps its first ordinal.
 */
#include "fairtrack/ingest.h"

#include <stdlib.h>
#include <string.h>

#include "fairtrack/csv.h"

#define MAX_COLUMNS 256

struct mslot {
	uint64_t lo, hi;
	uint32_t ordinal; /* 0 = empty */
};

struct mset {
	struct mslot *slots;
	size_t mask, count;
};

struct ft_matcher {
	struct mset isrcs;
	struct mset gtins;
};

static uint64_t mhash(uint64_t lo, uint64_t hi)
{
	uint64_t h = lo * 0x9E3779B97F4A7C15ull ^ hi * 0xC2B2AE3D27D4EB4Full;

	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ull;
	h ^= h >> 32;
	return h;
}

static void pack(const char *s, size_t len, uint64_t *lo, uint64_t *hi)
{
	*lo = 0;
	*hi = 0;
	memcpy(lo, s, 8);
	memcpy(hi, s + 8, len - 8);
}

static uint32_t mset_find(const struct mset *set, const char *s, size_t len)
{
	uint64_t lo, hi;
	size_t i;

	if (!set->slots)
		return 0;
	pack(s, len, &lo, &hi);
	for (i = mhash(lo, hi) & set->mask; set->slots[i].ordinal; i = (i + 1) & set->mask)
		if (set->slots[i].lo == lo && set->slots[i].hi == hi)
			return set->slots[i].ordinal;
	return 0;
}

static int mset_grow(struct mset *set)
{
	size_t cap = set->slots ? (set->mask + 1) * 2 : 256, i;
	struct mslot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return FT_ENOMEM;
	for (i = 0; set->slots && i <= set->mask; i++) {
		size_t j;

		if (!set->slots[i].ordinal)
			continue;
		for (j = mhash(set->slots[i].lo, set->slots[i].hi) & (cap - 1); slots[j].ordinal;
		     j = (j + 1) & (cap - 1))
			;
		slots[j] = set->slots[i];
	}
	free(set->slots);
	set->slots = slots;
	set->mask = cap - 1;
	return 0;
}

static int mset_add(struct mset *set, const char *s, size_t len)
{
	uint64_t lo, hi;
	size_t i;

	if (mset_find(set, s, len))
		return 0;
	if ((!set->slots || (set->count + 1) * 2 > set->mask + 1) && mset_grow(set))
		return FT_ENOMEM;
	pack(s, len, &lo, &hi);
	for (i = mhash(lo, hi) & set->mask; set->slots[i].ordinal; i = (i + 1) & set->mask)
		;
	set->slots[i].lo = lo;
	set->slots[i].hi = hi;
	set->slots[i].ordinal = (uint32_t)++set->count;
	return 0;
}

int ft_matcher_new(struct ft_matcher **out, struct ft_error *err)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return ft_error_set(err, FT_ENOMEM, "out of memory (catalogue index)");
	return 0;
}

void ft_matcher_free(struct ft_matcher *matcher)
{
	if (!matcher)
		return;
	free(matcher->isrcs.slots);
	free(matcher->gtins.slots);
	free(matcher);
}

int ft_matcher_add_isrc(struct ft_matcher *matcher, const char *text, size_t len,
			struct ft_error *err)
{
	char isrc[FT_ISRC_LEN + 1];
	int rc = ft_isrc_parse(isrc, text, len, err);

	if (rc)
		return rc;
	if (mset_add(&matcher->isrcs, isrc, FT_ISRC_LEN))
		return ft_error_set(err, FT_ENOMEM, "out of memory (catalogue index)");
	return 0;
}

int ft_matcher_add_gtin(struct ft_matcher *matcher, const char *text, size_t len,
			struct ft_error *err)
{
	char gtin[FT_GTIN_LEN + 1], gtin14[FT_GTIN_LEN + 1];
	int rc = ft_gtin_parse(gtin, NULL, text, len, err);

	if (rc)
		return rc;
	ft_gtin_to14(gtin14, gtin);
	if (mset_add(&matcher->gtins, gtin14, FT_GTIN_LEN))
		return ft_error_set(err, FT_ENOMEM, "out of memory (catalogue index)");
	return 0;
}

uint32_t ft_matcher_find_isrc(const struct ft_matcher *matcher, const char isrc[FT_ISRC_LEN])
{
	return mset_find(&matcher->isrcs, isrc, FT_ISRC_LEN);
}

uint32_t ft_matcher_find_gtin(const struct ft_matcher *matcher, const char gtin14[FT_GTIN_LEN])
{
	return mset_find(&matcher->gtins, gtin14, FT_GTIN_LEN);
}

size_t ft_matcher_track_count(const struct ft_matcher *matcher)
{
	return matcher->isrcs.count;
}

size_t ft_matcher_release_count(const struct ft_matcher *matcher)
{
	return matcher->gtins.count;
}

/* ------------------------------------------------------------ loading */

struct load {
	struct ft_matcher *matcher;
	const char *file;
	char delim;
	int isrc_col, gtin_col;
	struct ft_csv_field fields[MAX_COLUMNS];
};

/* The clean text of column col of a split line, or an empty string. */
static size_t cell(const struct load *ld, size_t n, int col, char *buf, size_t cap)
{
	size_t len;

	if (col < 0 || (size_t)col >= n)
		return 0;
	len = ft_csv_unquote(buf, cap, &ld->fields[col]);
	return len < cap ? len : cap - 1;
}

static int load_line(void *p, const char *line, size_t len, long line_no, struct ft_error *err)
{
	struct load *ld = p;
	char text[128];
	size_t n, tlen;
	int rc;

	if (line_no == 1) {
		ld->delim = ft_csv_sniff_delim(line, len);
		rc = ft_csv_split(ld->fields, MAX_COLUMNS, &n, line, len, ld->delim, err);
		if (rc)
			return ft_error_locate(err, ld->file, line_no, NULL);
		ld->isrc_col = ft_csv_find_column(ld->fields, n, "ISRC");
		ld->gtin_col = ft_csv_find_column(ld->fields, n, "UPC");
		if (ld->gtin_col < 0)
			ld->gtin_col = ft_csv_find_column(ld->fields, n, "EAN");
		if (ld->gtin_col < 0)
			ld->gtin_col = ft_csv_find_column(ld->fields, n, "GTIN");
		if (ld->isrc_col < 0)
			return ft_error_setloc(
			    err, FT_EINVAL, ld->file, 1, "ISRC",
			    "the catalogue's header has no ISRC column (give the "
			    "catalogue file, or any CSV/TSV with a header column "
			    "named ISRC)");
		return 0;
	}
	if (len == 0)
		return 0;
	rc = ft_csv_split(ld->fields, MAX_COLUMNS, &n, line, len, ld->delim, err);
	if (rc)
		return ft_error_locate(err, ld->file, line_no, NULL);
	tlen = cell(ld, n, ld->isrc_col, text, sizeof(text));
	if (tlen > 0 && ft_matcher_add_isrc(ld->matcher, text, tlen, err))
		return ft_error_locate(err, ld->file, line_no, "ISRC");
	tlen = cell(ld, n, ld->gtin_col, text, sizeof(text));
	if (tlen > 0 && ft_matcher_add_gtin(ld->matcher, text, tlen, err))
		return ft_error_locate(err, ld->file, line_no, "UPC");
	return 0;
}

static int load_report(void *p, struct ft_report *report, struct ft_error *err)
{
	struct load *ld = p;

	ld->file = ft_report_name(report);
	ld->isrc_col = -1;
	ld->gtin_col = -1;
	return ft_report_each_line(report, load_line, ld, err);
}

int ft_matcher_load(struct ft_matcher *matcher, const char *path, struct ft_error *err)
{
	struct load *ld = calloc(1, sizeof(*ld));
	int rc;

	if (!ld)
		return ft_error_set(err, FT_ENOMEM, "out of memory (catalogue)");
	ld->matcher = matcher;
	rc = ft_reader_each_report(path, load_report, ld, err);
	free(ld);
	return rc;
}
