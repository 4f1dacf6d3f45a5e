/*
 * gen_usage.c — seeded generator of a flat usage TSV and its catalogue, the
 * input of bench/run.
 *
 *   gen_usage [--lines N] [--tracks N] [--seed S] OUT_DIR
 *
 * Writes OUT_DIR/catalog.tsv (ISRC UPC Title Artist; releases of 10 tracks)
 * and OUT_DIR/usage.tsv (the flat-tsv format, ~100 bytes a line), shaped like
 * a DSP month: track popularity Zipf (s = 1) over the catalogue, 60
 * territories with skewed weights, three commercial models (subscription,
 * ad-supported streams, downloads), five currencies (each territory reports
 * in one), 5 % of lines naming ISRCs the catalogue does not know, 1 %
 * release-level lines (UPC, no ISRC), 0.5 % returns (negative usages and
 * revenue), revenue with 10 fractional digits.  The same seed gives the same
 * bytes.  Not part of fairtrack: a tool to make benchmark data.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 2685821657736338717ull;
}

/* Uniform in [0, 1) with 53 bits; only used to pick, never for money. */
static double unit(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

static const char *const territories[60] = {
    "US", "GB", "DE", "FR", "BR", "JP", "MX", "SE", "NL", "ES", "IT", "CA", "AU", "PL", "NO",
    "DK", "FI", "BE", "AT", "CH", "IE", "PT", "AR", "CL", "CO", "PE", "IN", "ID", "PH", "TH",
    "TR", "ZA", "NZ", "CZ", "HU", "RO", "GR", "SK", "SI", "HR", "BG", "EE", "LV", "LT", "LU",
    "IS", "MY", "SG", "HK", "TW", "KR", "VN", "EG", "MA", "NG", "KE", "IL", "AE", "SA", "UY",
};

static const char *currency_of(const char *t)
{
	static const char *const euro[] = {"DE", "FR", "NL", "ES", "IT", "FI", "BE", "AT", "IE",
					   "PT", "SK", "SI", "HR", "GR", "EE", "LV", "LT", "LU"};
	size_t i;

	if (!strcmp(t, "GB"))
		return "GBP";
	if (!strcmp(t, "JP"))
		return "JPY";
	if (!strcmp(t, "SE") || !strcmp(t, "NO") || !strcmp(t, "DK") || !strcmp(t, "IS"))
		return "SEK";
	for (i = 0; i < sizeof(euro) / sizeof(euro[0]); i++)
		if (!strcmp(t, euro[i]))
			return "EUR";
	return "USD";
}

/* Cumulative weights for sampling by binary search. */
static double *zipf_cdf(size_t n, double s)
{
	double *cdf = malloc(n * sizeof(*cdf)), sum = 0;
	size_t i;

	if (!cdf)
		exit(1);
	for (i = 0; i < n; i++) {
		double w = pow((double)(i + 1), -s);

		sum += w;
		cdf[i] = sum;
	}
	for (i = 0; i < n; i++)
		cdf[i] /= sum;
	return cdf;
}

static size_t pick(const double *cdf, size_t n)
{
	double u = unit();
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void isrc_of(char out[13], size_t track, int unknown)
{
	static const char *const cc[] = {"GB", "US", "DE", "FR", "SE"};
	static const char *const reg[] = {"FTA", "FTB", "FTC", "FTD", "FTE"};

	/* The designation is the track number: unique; unknown ones use a
	 * registrant the catalogue never does. */
	if (unknown)
		snprintf(out, 13, "QMZZ925%05zu", track % 100000);
	else
		snprintf(out, 13, "%s%s%02d%05zu", cc[track % 5], reg[track / 5 % 5],
			 20 + (int)(track / 25 % 7), track % 100000);
}

/* UPC-A with a GS1 mod-10 check digit. */
static void upc_of(char out[13], size_t release, int unknown)
{
	int sum = 0, i;

	snprintf(out, 13, "%s%010zu", unknown ? "9" : "8", release);
	out[11] = '\0';
	for (i = 0; i < 11; i++)
		sum += (out[i] - '0') * (i % 2 == 0 ? 3 : 1);
	out[11] = (char)('0' + (10 - sum % 10) % 10);
	out[12] = '\0';
}

static char *put_u64(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

int main(int argc, char **argv)
{
	uint64_t lines = 10000000, seed = 2026;
	size_t tracks = 100000, i;
	const char *dir = NULL;
	char path[4096], *buf, *p;
	double *track_cdf, *terr_cdf;
	FILE *f;
	int a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--lines") && a + 1 < argc)
			lines = strtoull(argv[++a], NULL, 10);
		else if (!strcmp(argv[a], "--tracks") && a + 1 < argc)
			tracks = strtoull(argv[++a], NULL, 10);
		else if (!strcmp(argv[a], "--seed") && a + 1 < argc)
			seed = strtoull(argv[++a], NULL, 10);
		else
			dir = argv[a];
	}
	if (!dir || tracks < 10 || tracks > 100000) {
		fprintf(stderr, "usage: gen_usage [--lines N] [--tracks N<=100000] [--seed S] "
				"OUT_DIR\n");
		return 2;
	}
	rng_state ^= seed * 0x9E3779B97F4A7C15ull;
	if (!rng_state)
		rng_state = 1;

	snprintf(path, sizeof(path), "%s/catalog.tsv", dir);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return 1;
	}
	fputs("ISRC\tUPC\tTitle\tArtist\n", f);
	for (i = 0; i < tracks; i++) {
		char isrc[13], upc[13];

		isrc_of(isrc, i, 0);
		upc_of(upc, i / 10, 0);
		fprintf(f, "%s\t%s\tTrack %zu\tArtist %zu\n", isrc, upc, i, i / 40);
	}
	fclose(f);

	track_cdf = zipf_cdf(tracks, 1.0);
	terr_cdf = zipf_cdf(60, 1.2);
	snprintf(path, sizeof(path), "%s/usage.tsv", dir);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return 1;
	}
	buf = malloc(1 << 22);
	if (!buf)
		return 1;
	p = buf;
	p = put_str(p,
		    "SalesTransactionId\tISRC\tUPC\tTerritory\tCommercialModel\tUseType\tUsages\t"
		    "Currency\tRevenue\n");
	for (uint64_t n = 0; n < lines; n++) {
		uint64_t r = rnd();
		int kind = (int)(r % 1000); /* <50 unknown ISRC, <60 release-level */
		int model = (int)((r >> 10) % 100);
		int ret = (r >> 20) % 1000 < 5;
		const char *t = territories[pick(terr_cdf, 60)];
		uint64_t usages, rate, revenue;
		char id[13];

		p = put_str(p, "DSP-2026-10-");
		p = put_u64(p, 100000000 + n);
		*p++ = '\t';
		if (kind < 50) {
			isrc_of(id, rnd() % 20000, 1);
			p = put_str(p, id);
			*p++ = '\t';
		} else if (kind < 60) {
			*p++ = '\t';
			upc_of(id, (r >> 32) % (tracks / 10 + 100),
			       (r >> 32) % (tracks / 10 + 100) >= tracks / 10);
			p = put_str(p, id);
		} else {
			isrc_of(id, pick(track_cdf, tracks), 0);
			p = put_str(p, id);
			*p++ = '\t';
		}
		*p++ = '\t';
		p = put_str(p, t);
		*p++ = '\t';
		if (model < 60) {
			p = put_str(p, "SubscriptionModel\tOnDemandStream\t");
			usages = 1 + rnd() % 40;
			rate = 30000000 + rnd() % 20000000; /* 0.003-0.005 in 1e-10 units */
		} else if (model < 90) {
			p = put_str(p, "AdvertisementSupportedModel\tOnDemandStream\t");
			usages = 1 + rnd() % 60;
			rate = 5000000 + rnd() % 10000000;
		} else {
			p = put_str(p, "PayAsYouGoModel\tPermanentDownload\t");
			usages = 1 + rnd() % 2;
			rate = 6930000000ull + rnd() % 1000000000ull; /* ~0.70 net of 0.99 */
		}
		revenue = usages * rate; /* units of 1e-10 */
		if (ret)
			*p++ = '-';
		p = put_u64(p, usages);
		*p++ = '\t';
		p = put_str(p, currency_of(t));
		*p++ = '\t';
		if (ret)
			*p++ = '-';
		p = put_u64(p, revenue / 10000000000ull);
		*p++ = '.';
		{
			uint64_t frac = revenue % 10000000000ull, div = 1000000000ull;

			for (; div; div /= 10)
				*p++ = (char)('0' + frac / div % 10);
		}
		*p++ = '\n';
		if (p - buf > (1 << 22) - 512) {
			fwrite(buf, 1, (size_t)(p - buf), f);
			p = buf;
		}
	}
	fwrite(buf, 1, (size_t)(p - buf), f);
	if (fclose(f) != 0) {
		perror(path);
		return 1;
	}
	free(buf);
	free(track_cdf);
	free(terr_cdf);
	return 0;
}
