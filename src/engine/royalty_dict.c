/*
 * royalty_dict.c — interned tracks and channels for engine lines
 * (include/fairtrack/royalty.h).
 *
 * A period of 20 million lines has ~100,000 tracks and a few hundred
 * channels (partner × commercial model × use type × territory).  Lines
 * point at one shared object each instead of carrying ~300 bytes of text,
 * which is what lets a run hold every line in memory; and the engine can
 * memoise per track (the contracts that may cover it) by address.
 *
 * Objects are allocated one by one, so their addresses never move; the
 * tables hold pointers and grow by rehashing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fairtrack/royalty.h"

struct table {
	void **slot; /* the objects; NULL empty */
	uint64_t *hash;
	size_t mask, used;
};

struct ft_royalty_dict {
	struct table tracks, channels;
};

static uint64_t mix(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (h ^ 0xff) * 1099511628211ULL; /* field separator */
}

static int fits(const char *s, size_t cap)
{
	return strlen(s) < cap;
}

static int table_grow(struct table *t)
{
	size_t mask = t->mask ? t->mask * 2 + 1 : 255, i;
	void **slot = calloc(mask + 1, sizeof(*slot));
	uint64_t *hash = malloc((mask + 1) * sizeof(*hash));

	if (!slot || !hash) {
		free(slot);
		free(hash);
		return -1;
	}
	for (i = 0; t->slot && i <= t->mask; i++) {
		size_t j;

		if (!t->slot[i])
			continue;
		for (j = (size_t)t->hash[i] & mask; slot[j]; j = (j + 1) & mask)
			;
		slot[j] = t->slot[i];
		hash[j] = t->hash[i];
	}
	free(t->slot);
	free(t->hash);
	t->slot = slot;
	t->hash = hash;
	t->mask = mask;
	return 0;
}

/* The slot of an object equal to `probe` (same hash and eq), or the empty
 * slot where it goes; NULL when the table cannot grow. */
static void **table_find(struct table *t, uint64_t h, const void *probe,
			 int (*eq)(const void *, const void *))
{
	size_t i;

	if ((t->used + 1) * 2 > t->mask + 1 && table_grow(t))
		return NULL;
	for (i = (size_t)h & t->mask; t->slot[i]; i = (i + 1) & t->mask)
		if (t->hash[i] == h && eq(t->slot[i], probe))
			return &t->slot[i];
	t->hash[i] = h;
	return &t->slot[i];
}

static void table_free(struct table *t)
{
	size_t i;

	for (i = 0; t->slot && i <= t->mask; i++)
		free(t->slot[i]);
	free(t->slot);
	free(t->hash);
}

static int track_eq(const void *a, const void *b)
{
	const struct ft_royalty_track *x = a, *y = b;

	return !strcmp(x->isrc, y->isrc) && !strcmp(x->gtin14, y->gtin14) &&
	       !strcmp(x->artist, y->artist) && !strcmp(x->release_format, y->release_format);
}

static int channel_eq(const void *a, const void *b)
{
	const struct ft_royalty_channel *x = a, *y = b;

	return !strcmp(x->partner, y->partner) && !strcmp(x->territory, y->territory) &&
	       !strcmp(x->commercial_model, y->commercial_model) &&
	       !strcmp(x->use_type, y->use_type);
}

struct ft_royalty_dict *ft_royalty_dict_new(void)
{
	return calloc(1, sizeof(struct ft_royalty_dict));
}

const struct ft_royalty_track *ft_royalty_dict_track(struct ft_royalty_dict *d, const char *isrc,
						     const char *gtin14, const char *artist,
						     const char *release_format)
{
	struct ft_royalty_track probe, *t;
	uint64_t h = 1469598103934665603ULL;
	void **slot;

	isrc = isrc ? isrc : "";
	gtin14 = gtin14 ? gtin14 : "";
	artist = artist ? artist : "";
	release_format = release_format ? release_format : "";
	if (!fits(isrc, sizeof(probe.isrc)) || !fits(gtin14, sizeof(probe.gtin14)) ||
	    !fits(artist, sizeof(probe.artist)) ||
	    !fits(release_format, sizeof(probe.release_format)))
		return NULL;
	memset(&probe, 0, sizeof(probe));
	strcpy(probe.isrc, isrc);
	strcpy(probe.gtin14, gtin14);
	strcpy(probe.artist, artist);
	strcpy(probe.release_format, release_format);
	h = mix(mix(mix(mix(h, isrc), gtin14), artist), release_format);
	slot = table_find(&d->tracks, h, &probe, track_eq);
	if (!slot)
		return NULL;
	if (*slot)
		return *slot;
	t = malloc(sizeof(*t));
	if (!t)
		return NULL;
	*t = probe;
	*slot = t;
	d->tracks.used++;
	return t;
}

const struct ft_royalty_channel *ft_royalty_dict_channel(struct ft_royalty_dict *d,
							 const char *partner,
							 const char *commercial_model,
							 const char *use_type, const char *territory)
{
	struct ft_royalty_channel probe, *c;
	uint64_t h = 1469598103934665603ULL;
	void **slot;

	partner = partner ? partner : "";
	commercial_model = commercial_model ? commercial_model : "";
	use_type = use_type ? use_type : "";
	territory = territory ? territory : "";
	if (!fits(partner, sizeof(probe.partner)) ||
	    !fits(commercial_model, sizeof(probe.commercial_model)) ||
	    !fits(use_type, sizeof(probe.use_type)) || !fits(territory, sizeof(probe.territory)))
		return NULL;
	memset(&probe, 0, sizeof(probe));
	strcpy(probe.partner, partner);
	strcpy(probe.commercial_model, commercial_model);
	strcpy(probe.use_type, use_type);
	strcpy(probe.territory, territory);
	h = mix(mix(mix(mix(h, partner), commercial_model), use_type), territory);
	slot = table_find(&d->channels, h, &probe, channel_eq);
	if (!slot)
		return NULL;
	if (*slot)
		return *slot;
	c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	*c = probe;
	*slot = c;
	d->channels.used++;
	return c;
}

void ft_royalty_dict_free(struct ft_royalty_dict *d)
{
	if (!d)
		return;
	table_free(&d->tracks);
	table_free(&d->channels);
	free(d);
}
