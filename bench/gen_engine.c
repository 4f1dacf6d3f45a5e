/*
 * gen_engine.c — a generated label for the royalty engine benchmark
 * (bench/engine.sh).  A benchmark tool, not part of fairtrack.
 *
 *   gen_engine LEDGER CONTRACT_DIR [--tracks N] [--contracts N] [--rows N]
 *              [--month YYYY-MM] [--seed S]
 *
 * LEDGER must be a fresh `fairtrack init` ledger.  Written straight into it
 * with SQLite (one transaction, what `import catalog` and `import report`
 * would store, without their parsing, which bench/run measures): partners,
 * one artist per contract with tracks/contracts tracks on one album each,
 * exchange rates, and `rows` aggregate usage rows of one month spread over
 * every track (territory × commercial model × use type × partner, each key
 * once), in four import batches (one per partner, fees 0/10/15/20 %).
 * CONTRACT_DIR gets one YAML file per contract for `fairtrack import
 * contracts` (validated like any), a mix of the four types: royalty (with
 * rules by use type, escalations, advances, costs, reserves, bands of up to
 * four payees), profit splits, distribution deals and licenses; pairs of
 * royalty contracts share a cross-collateral group.
 *
 * Deterministic for a seed (xorshift), so runs compare.  Amounts are exact
 * decimal text, as the ledger stores them.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint64_t rng = 88172645463325252ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char *const territories[] = {
    "GB", "US", "DE", "FR", "NL", "SE", "NO", "DK", "FI", "IE", "ES", "IT", "PT",
    "BE", "AT", "CH", "PL", "CZ", "HU", "RO", "GR", "TR", "JP", "KR", "CN", "AU",
    "NZ", "CA", "MX", "BR", "AR", "CL", "CO", "PE", "ZA", "NG", "EG", "IN", "ID",
    "TH", "VN", "PH", "MY", "SG", "HK", "TW", "IL", "AE", "SA", "UA"};
#define N_TERR 50
static const char *const models[] = {"SubscriptionModel", "AdvertisementSupportedModel"};
static const char *const uses[] = {"OnDemandStream", "PermanentDownload"};
static const char *const partners[] = {"streamco", "tunesdist", "wavemart", "indieagg"};
static const char *const fees[] = {"0", "10", "15", "20"};

static void die(sqlite3 *db, const char *what)
{
	fprintf(stderr, "gen_engine: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
	exit(1);
}

static void exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die(db, sql);
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die(db, sql);
	return st;
}

static void step(sqlite3 *db, sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		die(db, "insert");
	sqlite3_reset(st);
}

static void text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

/* GTIN-14 of a 13-digit body: check digit weights 3,1,3,… from the left. */
static void gtin14(char out[15], long n)
{
	int sum = 0, i;

	snprintf(out, 15, "0506%09ld", n);
	for (i = 0; i < 13; i++)
		sum += (out[i] - '0') * (i % 2 ? 1 : 3);
	out[13] = (char)('0' + (10 - sum % 10) % 10);
	out[14] = '\0';
}

static void write_contract(const char *dir, long c, const char *artist)
{
	char path[4096], id[64];
	int kind = (int)(c % 10), payees = 1 + (int)(next() % 4), i;
	FILE *f;

	snprintf(id, sizeof(id), "k%06ld", c);
	snprintf(path, sizeof(path), "%s/%s.yaml", dir, id);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fprintf(f, "id: %s\ncurrency: EUR\nfrequency: monthly\n", id);
	/* 70 % royalty, 10 % each profit split, distribution, license. */
	fprintf(f, "type: %s\n",
		kind < 7    ? "royalty"
		: kind == 7 ? "profit_split"
		: kind == 8 ? "distribution"
			    : "license");
	if (kind == 7 || kind == 8)
		payees = 1 + (int)(next() % 2);
	if (kind == 8)
		fprintf(f, "fee: %d%%\n", 10 + (int)(next() % 16));
	if (kind < 7 && c % 20 < 2) /* pairs share a group (and so their payees) */
		fprintf(f, "cross_collateral: g%06ld\n", c / 20);
	fputs("payees:\n", f);
	for (i = 0; i < payees; i++) {
		int share = 100 / payees + (i == 0 ? 100 % payees : 0);

		if (kind < 7 && c % 20 < 2)
			fprintf(f, "  - id: p%06ld-%d\n    share: %d%%\n", c / 20, i, share);
		else
			fprintf(f, "  - id: p%06ld-%d\n    share: %d%%\n", c, i, share);
	}
	fprintf(f, "scope:\n  artists: [%s]\n  start: 2020-01-01\n", artist);
	if (kind < 7 || kind == 9) {
		int rate = 10 + (int)(next() % 16);

		fprintf(f, "rates:\n  - rate: %d%%\n", rate);
		if (next() % 2)
			fprintf(f, "  - use_type: PermanentDownload\n    rate: %d%%\n", rate + 5);
		if (next() % 3 == 0)
			fprintf(f, "  - commercial_model: AdvertisementSupportedModel\n"
				   "    territory: [GB, IE]\n    rate: %d%%\n",
				rate - 2);
	}
	if (kind < 7 && c % 10 == 3)
		fprintf(f, "escalations:\n  - units: %d\n    add: 2%%\n",
			1000 + (int)(next() % 200000));
	if (kind < 7 && c % 3 == 0)
		fprintf(f, "advances:\n  - amount: %d.00\n    date: 2026-%02d-15\n",
			100 + (int)(next() % 5000), 1 + (int)(next() % 10));
	if ((kind < 7 && c % 5 == 1) || kind == 7)
		fprintf(f,
			"costs:\n  - description: video\n    amount: %d\n    date: 2026-03-10\n"
			"    recoupable: 50%%\n",
			200 + (int)(next() % 3000));
	if (kind < 7 && c % 10 == 5)
		fputs("reserve:\n  percent: 10%\n  release_after: 2\n", f);
	fclose(f);
}

int main(int argc, char **argv)
{
	long tracks = 100000, contracts = 10000, rows = 20000000, t, i;
	const char *month = "2026-10";
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	char buf[64], g[15];
	int a;

	if (argc < 3) {
		fprintf(stderr, "usage: gen_engine LEDGER CONTRACT_DIR [--tracks N] [--contracts N] "
				"[--rows N] [--month YYYY-MM] [--seed S]\n");
		return 2;
	}
	for (a = 3; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "--tracks"))
			tracks = atol(argv[a + 1]);
		else if (!strcmp(argv[a], "--contracts"))
			contracts = atol(argv[a + 1]);
		else if (!strcmp(argv[a], "--rows"))
			rows = atol(argv[a + 1]);
		else if (!strcmp(argv[a], "--month"))
			month = argv[a + 1];
		else if (!strcmp(argv[a], "--seed"))
			rng ^= (uint64_t)atoll(argv[a + 1]) * 0x9E3779B97F4A7C15ULL;
	}
	if (tracks < 1 || tracks > 100000 || contracts < 1 || contracts > tracks || rows < 1) {
		fprintf(stderr, "gen_engine: 1 <= contracts <= tracks <= 100000, rows >= 1\n");
		return 2;
	}
	if (sqlite3_open(argv[1], &db) != SQLITE_OK)
		die(db, argv[1]);
	mkdir(argv[2], 0755);
	exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN");

	st = prep(db, "INSERT INTO partners VALUES (?, ?, 'distributor', 'WW', ?, 'USD')");
	for (i = 0; i < 4; i++) {
		text(st, 1, partners[i]);
		text(st, 2, partners[i]);
		text(st, 3, fees[i]);
		step(db, st);
	}
	sqlite3_finalize(st);
	/* One artist per contract, its tracks on one album. */
	{
		sqlite3_stmt *ar = prep(db, "INSERT INTO artists VALUES (?, ?, 'band', 'GB')");
		sqlite3_stmt *rl = prep(db, "INSERT INTO releases (gtin14, upc, title, artist_id, "
					    "format, release_date) VALUES (?, ?, 'Album', ?, 'album', "
					    "'2025-06-01')");
		sqlite3_stmt *tr = prep(db, "INSERT INTO tracks VALUES (?, 'Track', 200)");
		sqlite3_stmt *rt = prep(db, "INSERT INTO release_tracks VALUES (?, 1, ?, ?)");
		sqlite3_stmt *ta = prep(db, "INSERT INTO track_artists VALUES (?, 'main', 1, ?)");
		long per = tracks / contracts;

		for (i = 0; i < contracts; i++) {
			char artist[32];

			snprintf(artist, sizeof(artist), "a%06ld", i);
			text(ar, 1, artist);
			text(ar, 2, artist);
			step(db, ar);
			gtin14(g, i);
			text(rl, 1, g);
			text(rl, 2, g + 1);
			text(rl, 3, artist);
			step(db, rl);
			write_contract(argv[2], i, artist);
		}
		for (t = 0; t < tracks; t++) {
			long c = t / per < contracts ? t / per : contracts - 1;
			char artist[32];

			snprintf(buf, sizeof(buf), "QZBEN26%05ld", t);
			snprintf(artist, sizeof(artist), "a%06ld", c);
			gtin14(g, c);
			text(tr, 1, buf);
			step(db, tr);
			text(rt, 1, g);
			sqlite3_bind_int64(rt, 2, t - c * per + 1);
			text(rt, 3, buf);
			step(db, rt);
			text(ta, 1, buf);
			text(ta, 2, artist);
			step(db, ta);
		}
		sqlite3_finalize(ar);
		sqlite3_finalize(rl);
		sqlite3_finalize(tr);
		sqlite3_finalize(rt);
		sqlite3_finalize(ta);
	}
	{
		char sql[256];

		snprintf(sql, sizeof(sql),
			 "INSERT INTO fx_rates VALUES ('%s', 'USD', 'EUR', '0.9137', 'gen')", month);
		exec(db, sql);
	}
	st = prep(db, "INSERT INTO import_batches (id, sha256, file, bytes, partner_id, format, "
		      "first_month, last_month, rows, suspense_rows, imported_at) VALUES (?, ?, ?, "
		      "0, ?, 'flat-tsv', ?, ?, ?, 0, '2026-11-05T00:00:00Z')");
	for (i = 0; i < 4; i++) {
		char file[64], sha[80];

		snprintf(file, sizeof(file), "%s-%s.tsv", partners[i], month);
		snprintf(sha, sizeof(sha), "%064ld", i + 1);
		sqlite3_bind_int64(st, 1, i + 1);
		text(st, 2, sha);
		text(st, 3, file);
		text(st, 4, partners[i]);
		text(st, 5, month);
		text(st, 6, month);
		sqlite3_bind_int64(st, 7, rows / 4);
		step(db, st);
	}
	sqlite3_finalize(st);
	/* Rows in track order, as an import of per-track aggregates stores
	 * them: track t, key k of (territory × model × use × partner). */
	st = prep(db, "INSERT INTO usage VALUES (?, ?, ?, NULL, ?, ?, ?, 'store', 'USD', ?, ?)");
	for (i = 0; i < rows; i++) {
		long per_track = (rows + tracks - 1) / tracks;
		long track = i / per_track, k = i % per_track;
		int terr = (int)(k % N_TERR), model = (int)(k / N_TERR % 2),
		    use = (int)(k / (N_TERR * 2) % 2),
		    part = (int)((track + k / (N_TERR * 4)) % 4);
		uint64_t cents = next() % 5000000;

		snprintf(buf, sizeof(buf), "QZBEN26%05ld", track % tracks);
		sqlite3_bind_int64(st, 1, part + 1);
		text(st, 2, month);
		text(st, 3, buf);
		text(st, 4, territories[terr]);
		text(st, 5, models[model]);
		text(st, 6, uses[use]);
		sqlite3_bind_int64(st, 7, 1 + (int64_t)(next() % 10000));
		snprintf(buf, sizeof(buf), "%llu.%06llu", (unsigned long long)(cents / 1000000),
			 (unsigned long long)(cents % 1000000));
		text(st, 8, buf);
		step(db, st);
	}
	sqlite3_finalize(st);
	exec(db, "COMMIT");
	sqlite3_close(db);
	printf("gen_engine: %ld tracks, %ld contracts, %ld usage rows in %s\n", tracks, contracts,
	       rows, month);
	return 0;
}
