/*
 * statement_sample.c — a synthetic, realistic statement for previews, tests
 * and the benchmark (ft_statement_sample in include/fairtrack/statement.h).
 *
 * It exercises everything a real statement can hold: names in Latin with
 * accents, CJK, Arabic and Hebrew; many stores and 20 territories; returns;
 * a Spotify minimum-guarantee top-up shared pro rata over the tracks
 * (ACCT-9, with ft_amount_split so the parts add up to the unit); an advance
 * being recouped, a cost, a reserve, FX rates and eight periods of history.
 * Amounts are built exactly (units × a price with 12 decimals, × a rate) so
 * the fractions of a cent are real and the rounding rules are exercised.
 * A seeded xorshift keeps it reproducible: the same seed, the same statement.
 */
#include "fairtrack/statement.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rng {
	uint64_t s;
};

static uint64_t next(struct rng *r)
{
	uint64_t x = r->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 2685821657736338717ULL;
}

static uint64_t pick(struct rng *r, uint64_t n)
{
	return next(r) % n;
}

static const char *const payees[] = {
    "Ana Lúcia Ferreira", "坂本 美雨", "فيروز الحداد", "נועה כהן", "Zoë Ångström & The Søndag Band",
};
static const char *const payee_ids[] = {"ana-lucia", "miu-sakamoto", "fairuz-haddad", "noa-cohen",
					"zoe-angstrom"};

static const char *const titles[] = {
    "Saudade em Lisboa",
    "Café à la Crème",
    "Être ou ne pas être",
    "Mañana Será Otro Día",
    "東京の雨",
    "夜明けのうた",
    "Δρόμος",
    "حبيبي يا نور العين",
    "שיר לשלום",
    "Nørrebro Nights",
    "Über den Wolken",
    "Żółta Łódź",
    "Kaleidoscope",
    "Paper Moons",
    "Second Sunrise",
    "Glass Harbour",
    "Midnight Tram",
    "Çiçek Dağı",
    "Ljósið",
    "서울의 밤",
    "Fado do Mar",
    "Niño Salvaje",
    "Blue Hours",
    "Quiet Engines",
    "L'été indien",
    "Der Schöne Weg",
    "北風と太陽",
    "Amanhecer",
    "Slow River",
    "Rue des Martyrs",
    "Ô Saisons, ô Châteaux",
    "Velvet Static",
    "Cidade Nua",
    "Lantern Field",
};

static const char *const releases[] = {
    "Kaleidoscope (Deluxe Edition)",
    "Cartas de Lisboa",
    "夜明け EP",
    "Mil y Una Noches",
    "Live at Nørrebro",
};

struct store {
	const char *name;
	const char *model;
	const char *use;
	int64_t price_min, price_span; /* per unit, in 10^-12 */
	int weight;		       /* how many territories it reports */
};

static const struct store stores[] = {
    {"Spotify", "subscription", "stream", 3100000000LL, 1400000000LL, 8},
    {"Apple Music", "subscription", "stream", 5200000000LL, 1500000000LL, 5},
    {"YouTube Music", "ad-supported", "stream", 900000000LL, 800000000LL, 5},
    {"Amazon Music", "subscription", "stream", 3800000000LL, 900000000LL, 3},
    {"Deezer", "subscription", "stream", 3400000000LL, 900000000LL, 3},
    {"TIDAL", "subscription", "stream", 9000000000LL, 2500000000LL, 2},
    {"iTunes Store", "purchase", "download", 690000000000LL, 60000000000LL, 2},
    {"Bandcamp", "purchase", "download", 850000000000LL, 150000000000LL, 2},
};

static const char *const territories[] = {"US", "GB", "DE", "FR", "BR", "JP", "MX",
					  "CA", "AU", "ES", "IT", "NL", "SE", "PL",
					  "KR", "PT", "AR", "IL", "AE", "IN"};

#define N_STORES (sizeof(stores) / sizeof(stores[0]))
#define N_TERR (sizeof(territories) / sizeof(territories[0]))
#define RATE ((ft_amount)125000000000LL) /* 25 % royalty × 50 % share = 12.5 % */

static int add_lines(struct ft_statement *st, struct rng *r, size_t n_tracks, ft_amount *spotify,
		     struct ft_error *err)
{
	char isrc[16], upc[16], title[128];
	size_t t, s, k;
	int rc;

	for (t = 0; t < n_tracks; t++) {
		const char *base = titles[t % (sizeof(titles) / sizeof(titles[0]))];
		size_t rel = t % (sizeof(releases) / sizeof(releases[0]));
		/* Popularity falls off along the track list, as real catalogues do. */
		int64_t reach = 240000 / (int64_t)(t + 2) + 1500;

		snprintf(isrc, sizeof(isrc), "PTL%02u26%05u", (unsigned)(t / 100000 % 100),
			 (unsigned)(t % 100000 + 1));
		snprintf(upc, sizeof(upc), "5600%09u", (unsigned)(rel * 7919 + 12345));
		if (t < sizeof(titles) / sizeof(titles[0]))
			snprintf(title, sizeof(title), "%s", base);
		else
			snprintf(title, sizeof(title), "%s (take %zu)", base, t + 1);
		spotify[t] = 0;
		for (s = 0; s < N_STORES; s++) {
			size_t n_terr = (size_t)stores[s].weight - pick(r, 2);
			size_t first = pick(r, N_TERR);

			for (k = 0; k < n_terr; k++) {
				struct ft_statement_line l = {0};
				ft_amount price, receipts, royalty;
				int64_t units;

				units = (int64_t)pick(r, (uint64_t)reach / (k + 1) + 1);
				if (stores[s].use[0] == 'd')
					units = units / 200;
				if (units == 0)
					continue;
				/* One return in about forty download lines. */
				if (stores[s].use[0] == 'd' && pick(r, 40) == 0)
					units = -1;
				price = stores[s].price_min +
					(ft_amount)pick(r, (uint64_t)stores[s].price_span);
				if ((rc = ft_amount_mul_int(&receipts, price, units)) ||
				    (rc = ft_amount_mul_ratio(&royalty, NULL, receipts, RATE)))
					return ft_error_set(err, rc, "sample: overflow");
				if (s == 0)
					spotify[t] += receipts;
				l.track = title;
				l.isrc = isrc;
				l.release = releases[rel];
				l.upc = upc;
				l.store = stores[s].name;
				memcpy(l.territory, territories[(first + k * 7) % N_TERR], 3);
				l.commercial_model = stores[s].model;
				l.use_type = stores[s].use;
				l.units = units;
				l.receipts = receipts;
				l.rate = RATE;
				l.royalty = royalty;
				if ((rc = ft_statement_add_line(st, &l, err)))
					return rc;
			}
		}
	}
	return 0;
}

/* ACCT-9: the top-up is split pro rata to each track's Spotify receipts. */
static int add_non_attributable(struct ft_statement *st, size_t n_tracks, const ft_amount *spotify,
				struct ft_error *err)
{
	const ft_amount top_up = (ft_amount)1200 * FT_AMOUNT_ONE;
	size_t first = st->n_lines, t, i;
	ft_amount *parts;
	int rc = 0;

	parts = calloc(n_tracks, sizeof(*parts));
	if (!parts)
		return ft_error_set(err, FT_ENOMEM, "sample: out of memory");
	if ((rc = ft_amount_split(parts, top_up, spotify, n_tracks, err)))
		goto out;
	for (t = 0; t < n_tracks; t++) {
		struct ft_statement_line l = {0};

		if (parts[t] == 0)
			continue;
		/* The track's identity comes from its first line. */
		for (i = 0; i < first; i++)
			if (strcmp(st->lines[i].store, "Spotify") == 0 &&
			    strtoul(st->lines[i].isrc + 7, NULL, 10) == t + 1)
				break;
		if (i == first)
			continue;
		l = st->lines[i];
		memcpy(l.territory, "WW", 3);
		l.commercial_model = "non-attributable";
		l.use_type = "minimum-guarantee top-up";
		l.units = 0;
		l.receipts = parts[t];
		l.non_attributable = true;
		if ((rc = ft_amount_mul_ratio(&l.royalty, NULL, parts[t], RATE))) {
			rc = ft_error_set(err, rc, "sample: overflow");
			goto out;
		}
		if ((rc = ft_statement_add_line(st, &l, err)))
			goto out;
	}
out:
	free(parts);
	return rc;
}

int ft_statement_sample(struct ft_statement **out, uint64_t seed, size_t n_tracks,
			struct ft_error *err)
{
	struct rng r = {seed * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL};
	struct ft_statement *st = NULL;
	ft_amount *spotify = NULL;
	char id[64];
	size_t who = (size_t)(seed % (sizeof(payees) / sizeof(payees[0]))), i;
	struct ft_period period;
	int rc;

	*out = NULL;
	if (n_tracks == 0)
		n_tracks = 1;
	if ((rc = ft_statement_new(&st, err)))
		return rc;
	spotify = calloc(n_tracks, sizeof(*spotify));
	if (!spotify) {
		rc = ft_error_set(err, FT_ENOMEM, "sample: out of memory");
		goto out;
	}
	if ((rc = ft_period_parse(&period, "2026-Q3", 7, err)))
		goto out;
	st->period = period;
	snprintf(id, sizeof(id), "ST-2026Q3-%06llu", (unsigned long long)(seed % 1000000));
	if ((rc = ft_statement_set_header(st, id, "Disques Lumière", payee_ids[who], payees[who],
					  "kaleidoscope-band", "2026-10-15", "EUR", err)) ||
	    (rc = add_lines(st, &r, n_tracks, spotify, err)) ||
	    (rc = add_non_attributable(st, n_tracks, spotify, err)))
		goto out;
	ft_statement_sort_lines(st);
	if ((rc = ft_statement_set_note(
		 st,
		 "Spotify paid the label a minimum-guarantee top-up of EUR 1,200.00 for "
		 "July–September 2026 that no single track earned. It was shared among your "
		 "tracks in proportion to what each track earned on Spotify this quarter, and "
		 "then your usual rate applied to each part (rule ACCT-9).",
		 err)))
		goto out;

	st->opening =
	    -(ft_amount)1834 * FT_AMOUNT_ONE - (ft_amount)417250000000LL; /* −1,834.41725 */
	st->reserve_held_before = (ft_amount)310 * FT_AMOUNT_ONE;
	st->reserve_released = (ft_amount)95 * FT_AMOUNT_ONE + (ft_amount)125000000000LL;
	{
		struct ft_statement_summary s;
		struct ft_statement_charge cost = {FT_CHARGE_COST, "2026-08-02",
						   "Music video “Glass Harbour” (50% recoupable)",
						   (ft_amount)450 * FT_AMOUNT_ONE};
		struct ft_statement_charge adv = {FT_CHARGE_ADVANCE, "2026-09-01",
						  "Tour support advance, autumn 2026",
						  (ft_amount)300 * FT_AMOUNT_ONE};

		if ((rc = ft_statement_summarize(st, &s, err)))
			goto out;
		/* ACCT-6: 10 % of this period's royalties held back. */
		if ((rc = ft_amount_mul_ratio(&st->reserve_withheld, NULL, s.royalties,
					      FT_AMOUNT_ONE / 10)))
			goto out;
		if ((rc = ft_statement_add_charge(st, &cost, err)) ||
		    (rc = ft_statement_add_charge(st, &adv, err)))
			goto out;
		for (i = 0; i < 8; i++) {
			struct ft_period p = period;
			ft_amount v = s.royalties;
			size_t back = 7 - i;

			while (back--)
				p = ft_period_prev(&p);
			if (i < 7)
				v = (ft_amount)(600 + pick(&r, 2400)) * FT_AMOUNT_ONE +
				    (ft_amount)pick(&r, 1000000000000ULL);
			if ((rc = ft_statement_add_history(st, p, v, err)))
				goto out;
		}
	}
	{
		static const struct {
			const char *from;
			ft_amount rate;
		} rates[] = {{"USD", 923400000000LL},
			     {"GBP", 1169000000000LL},
			     {"JPY", 6123000000LL},
			     {"BRL", 165200000000LL},
			     {"SEK", 87650000000LL}};

		for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
			struct ft_statement_fx fx = {.rate = rates[i].rate,
						     .source = "ECB reference rate, 2026-09-30"};
			memcpy(fx.from, rates[i].from, 4);
			memcpy(fx.to, "EUR", 4);
			if ((rc = ft_statement_add_fx(st, &fx, err)))
				goto out;
		}
	}
	{
		static const char *const terms[] = {
		    "You receive 25% of what the label receives for every stream and download "
		    "(the band's royalty), and your share of the band's royalty is 50%: 12.5% "
		    "in all.",
		    "Royalties are counted on what the label actually receives, after the "
		    "store's cut and before nothing else.",
		    "Your advance of EUR 5,000.00 (paid 2025-03-01) and the recoupable costs "
		    "are taken back from your royalties only. You never pay them back out of "
		    "your pocket.",
		    "Half the cost of a music video is recoupable; the label pays the other "
		    "half.",
		    "10% of each quarter's royalties is held in reserve for returns, and "
		    "released after two quarters.",
		    "Income that belongs to no single track is shared pro rata to each track's "
		    "earnings from the same store, then your rate applies.",
		    "Amounts are rounded down to the cent; the fractions are kept in your "
		    "balance and paid when they add up.",
		};
		for (i = 0; i < sizeof(terms) / sizeof(terms[0]); i++)
			if ((rc = ft_statement_add_term(st, terms[i], err)))
				goto out;
	}
	*out = st;
	st = NULL;
out:
	free(spotify);
	ft_statement_free(st);
	return rc;
}
