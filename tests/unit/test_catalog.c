/* test_catalog.c — catalogue files: parsing and validation of each kind, import with change
 * detection, export round trip, all-or-nothing imports (with the faulty store). */
#include "testutil.h"

#include <unistd.h>

#include "fairtrack/catalog.h"
#include "fairtrack/store.h"
#include "ledger/store_faulty.h"

static const char *ARTISTS =
    "artist_id,name,kind,country,members\n"
    "aurora-fields,Aurora Fields,person,GB,\n"
    "glass-harbour,The Glass Harbour,band,GB,\"Ewan; Priya ;Tomasz; Hannah\"\n"
    "zoe-ashwood,Zoë Ashwood,person,IE,\n";

static const char *TRACKS =
	"upc,release_title,release_artist,release_date,format,label,disc,track_no,isrc,title,"
	"artists,featured,duration\n"
	"501234000113,Low Tide,aurora-fields,2026-01-16,single,Northern Lights Records,1,1,"
	"GBNLR2600001,Low Tide,aurora-fields,,3:41\n"
	"501234000113,Low Tide,aurora-fields,2026-01-16,single,Northern Lights Records,1,2,"
	"GBNLR2600002,Paper Boats,Aurora Fields,Zoë Ashwood,PT3M26S\n"
	"501234000212,Harbour Lights,glass-harbour,2025-10-03,EP,Northern Lights Records,,1,"
	"gb-nlr-25-00001,Harbour Lights,glass-harbour,,252\n"
	",,,,,,,,GBNLR2600009,Demo,aurora-fields,,\n";

static const char *PARTNERS = "partner_id,name,type,territories,fee_percent,currency\n"
			      "north-sea,North Sea Distribution,distributor,WW,15,gbp\n"
			      "soundwave,Soundwave,aggregator,\"WW -US, -CA\",10.5%,USD\n"
			      "spotify,Spotify,DSP,,,\n";

static const char *CONTRIBUTORS = "isrc,name,role\n"
				  "GBNLR2600001,Mara Quinn,producer\n"
				  "GBNLR2600001,Sam Okafor,mixer\n"
				  "GBNLR2600002,Zoë Ashwood,featured\n";

static const char *LABELS = "label,country\nNorthern Lights Records,GB\n";

static struct ft_catalog *parse_one(const char *name, const char *text, enum ft_catalog_kind *kind,
				    int expect_rc, struct ft_error *err)
{
	struct ft_catalog *cat = NULL;

	assert_int_equal(ft_catalog_new(&cat, err), 0);
	assert_int_equal(ft_catalog_parse(cat, name, text, strlen(text), kind, err), expect_rc);
	return cat;
}

/* Parse text and expect exactly this error message. */
static void expect_error(const char *name, const char *text, const char *message)
{
	struct ft_error err;
	struct ft_catalog *cat;

	ft_error_clear(&err);
	cat = parse_one(name, text, NULL, FT_EINVAL, &err);
	assert_string_equal(err.message, message);
	ft_catalog_free(cat);
}

static void test_artists_file_is_parsed_with_members(void **state)
{
	struct ft_error err;
	enum ft_catalog_kind kind;
	struct ft_catalog *cat = parse_one("artists.csv", ARTISTS, &kind, 0, &err);

	assert_int_equal(kind, FT_CATALOG_ARTISTS);
	assert_int_equal(cat->n_artists, 3);
	assert_string_equal(cat->artists[1].id, "glass-harbour");
	assert_string_equal(cat->artists[1].kind, "band");
	assert_string_equal(cat->artists[1].members, "Ewan; Priya; Tomasz; Hannah");
	assert_string_equal(cat->artists[2].name, "Zoë Ashwood");
	assert_string_equal(cat->artists[2].country, "IE");
	assert_int_equal(cat->artists[2].loc.line, 4);
	ft_catalog_free(cat);
}

static void test_tracks_file_gives_releases_tracks_and_placements(void **state)
{
	struct ft_error err;
	enum ft_catalog_kind kind;
	struct ft_catalog *cat = parse_one("tracks.csv", TRACKS, &kind, 0, &err);

	assert_int_equal(kind, FT_CATALOG_TRACKS);
	assert_int_equal(cat->n_releases, 2);
	assert_int_equal(cat->n_tracks, 4);
	assert_int_equal(cat->n_placements, 3);
	assert_string_equal(cat->releases[0].gtin14, "00501234000113");
	assert_string_equal(cat->releases[0].upc, "501234000113");
	assert_string_equal(cat->releases[1].format, "ep");
	assert_string_equal(cat->tracks[1].featured, "Zoë Ashwood");
	assert_int_equal(cat->tracks[1].duration, 206);
	assert_string_equal(cat->tracks[2].isrc, "GBNLR2500001");
	assert_int_equal(cat->tracks[2].duration, 252);
	assert_int_equal(cat->placements[2].disc, 1); /* empty disc means 1 */
	assert_int_equal(cat->tracks[3].duration, -1);
	ft_catalog_free(cat);
}

static void test_partners_file_canonicalises_fee_territories_currency(void **state)
{
	struct ft_error err;
	enum ft_catalog_kind kind;
	struct ft_catalog *cat = parse_one("partners.csv", PARTNERS, &kind, 0, &err);
	ft_amount ten_and_a_half = 10 * FT_AMOUNT_ONE + FT_AMOUNT_ONE / 2;

	assert_int_equal(kind, FT_CATALOG_PARTNERS);
	assert_int_equal(cat->n_partners, 3);
	assert_true(cat->partners[0].fee_percent == 15 * FT_AMOUNT_ONE);
	assert_string_equal(cat->partners[0].currency, "GBP");
	assert_true(cat->partners[1].fee_percent == ten_and_a_half);
	assert_string_equal(cat->partners[1].territories, "WW -CA -US");
	assert_string_equal(cat->partners[2].type, "dsp");
	assert_string_equal(cat->partners[2].territories, "WW");
	assert_true(cat->partners[2].fee_percent == 0);
	ft_catalog_free(cat);
}

static void test_contributors_and_labels_files_are_detected(void **state)
{
	struct ft_error err;
	enum ft_catalog_kind kind;
	struct ft_catalog *cat = parse_one("c.csv", CONTRIBUTORS, &kind, 0, &err);

	assert_int_equal(kind, FT_CATALOG_CONTRIBUTORS);
	assert_int_equal(cat->n_contributors, 3);
	assert_string_equal(cat->contributors[1].role, "mixer");
	ft_catalog_free(cat);
	cat = parse_one("l.csv", LABELS, &kind, 0, &err);
	assert_int_equal(kind, FT_CATALOG_LABELS);
	assert_string_equal(cat->labels[0].name, "Northern Lights Records");
	ft_catalog_free(cat);
}

static void test_bwarm_recordings_file_is_read(void **state)
{
	struct ft_error err;
	enum ft_catalog_kind kind;
	struct ft_catalog *cat = parse_one(
		"recordings.tsv",
		"FeedProvidersRecordingId\tISRC\tRecordingTitle\tRecordingSubTitle\t"
		"DisplayArtistName\tDisplayArtistPartyId\tDuration\n"
		"R1\tGBNLR2600050\tNew Song\tRadio Edit\tMystery Guest\tP1\tPT3M05.4S\n",
		&kind, 0, &err);

	assert_int_equal(kind, FT_CATALOG_BWARM);
	assert_int_equal(cat->n_tracks, 1);
	assert_string_equal(cat->tracks[0].title, "New Song (Radio Edit)");
	assert_string_equal(cat->tracks[0].artists, "Mystery Guest");
	assert_int_equal(cat->tracks[0].duration, 185);
	assert_true(cat->tracks[0].create_artists);
	ft_catalog_free(cat);
}

static void test_bom_crlf_semicolons_and_quotes_are_accepted(void **state)
{
	struct ft_error err;
	enum ft_catalog_kind kind;
	const char *text = "\xef\xbb\xbf"
			   "Artist ID;Name;Kind;Country;Members\r\n"
			   "\r\n"
			   "earth-wind;\"Earth; Wind \"\"&\"\" Fire\";band;US;\"A; B\"\r\n";
	struct ft_catalog *cat = parse_one("a.csv", text, &kind, 0, &err);

	assert_int_equal(kind, FT_CATALOG_ARTISTS);
	assert_int_equal(cat->n_artists, 1);
	assert_string_equal(cat->artists[0].name, "Earth; Wind \"&\" Fire");
	assert_string_equal(cat->artists[0].members, "A; B");
	assert_int_equal(cat->artists[0].loc.line, 3);
	ft_catalog_free(cat);
}

static void test_durations_in_every_accepted_form(void **state)
{
	static const struct {
		const char *text;
		long seconds;
	} good[] = {{"205", 205},      {"3:25", 205},    {"1:02:03", 3723}, {"PT3M25S", 205},
		    {"pt1h2m3s", 3723}, {"PT205S", 205}, {"PT4M", 240},      {"0:59", 59}};
	static const char *const bad[] = {"", "3:60", "3:", ":25", "1:2:3:4", "PT", "P1D",
					  "PT3S2M", "3.5", "-3", "PT3M25", "1:02:03x"};
	struct ft_error err;
	long s;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(ft_catalog_parse_duration(&s, good[i].text, strlen(good[i].text),
							   &err),
				 0);
		assert_int_equal(s, good[i].seconds);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ft_catalog_parse_duration(&s, bad[i], strlen(bad[i]), &err),
				 FT_EINVAL);
}

static void test_bad_rows_name_file_line_column_and_rule(void **state)
{
	const char *hdr = "upc,release_title,format,track_no,isrc,title,artists,duration,"
			  "release_date\n";
	char text[1024];

	snprintf(text, sizeof(text), "%s%s", hdr,
		 "501234000113,Low Tide,single,1,GB-AB1-26-0001,X,a,,\n");
	expect_error("tracks.csv", text,
		     "tracks.csv:2: column 'isrc': ISRC 'GB-AB1-26-0001': designation must be 5 "
		     "digits");
	snprintf(text, sizeof(text), "%s%s", hdr,
		 "501234000114,Low Tide,single,1,GBNLR2600001,X,a,,\n");
	expect_error("tracks.csv", text,
		     "tracks.csv:2: column 'upc': UPC-A '501234000114': check digit should be 3, "
		     "not 4");
	snprintf(text, sizeof(text), "%s%s", hdr,
		 "501234000113,Low Tide,single,1,GBNLR2600001,X,a,,2026-02-30\n");
	expect_error("tracks.csv", text,
		     "tracks.csv:2: column 'release_date': date '2026-02-30' does not exist");
	snprintf(text, sizeof(text), "%s%s", hdr,
		 "501234000113,Low Tide,single,1,GBNLR2600001,X,a,,16/01/2026\n");
	expect_error("tracks.csv", text,
		     "tracks.csv:2: column 'release_date': date '16/01/2026' is not YYYY-MM-DD");
	snprintf(text, sizeof(text), "%s%s", hdr,
		 "501234000113,Low Tide,single,1,GBNLR2600001,X,a,3m25,\n");
	expect_error("tracks.csv", text,
		     "tracks.csv:2: column 'duration': duration '3m25' is not seconds, m:ss, "
		     "h:mm:ss or ISO 8601 'PT3M25S'");
	snprintf(text, sizeof(text), "%s%s", hdr,
		 "501234000113,Low Tide,cassette,1,GBNLR2600001,X,a,,\n");
	expect_error("tracks.csv", text,
		     "tracks.csv:2: column 'format': format 'cassette' is not one of: single, ep, "
		     "album, compilation, live, soundtrack, remixes, mixtape, other");
	snprintf(text, sizeof(text), "%s%s", hdr,
		 "501234000113,Low Tide,single,0,GBNLR2600001,X,a,,\n");
	expect_error("tracks.csv", text,
		     "tracks.csv:2: column 'track_no': '0' is not a whole number between 1 and "
		     "99999");
	snprintf(text, sizeof(text), "%s%s", hdr,
		 "501234000113,Low Tide,single,1,GBNLR2600001,,a,,\n");
	expect_error("tracks.csv", text, "tracks.csv:2: column 'title': a value is required");
	snprintf(text, sizeof(text), "%s%s", hdr,
		 ",Low Tide,single,1,GBNLR2600001,X,a,,\n");
	expect_error("tracks.csv", text,
		     "tracks.csv:2: column 'release_title': release columns need a release: the "
		     "'upc' column is empty");
}

static void test_repeated_release_columns_must_agree(void **state)
{
	expect_error("tracks.csv",
		     "upc,release_title,format,track_no,isrc,title,artists\n"
		     "501234000113,Low Tide,single,1,GBNLR2600001,Low Tide,a\n"
		     "501234000113,Low Tyde,single,2,GBNLR2600002,B,a\n",
		     "tracks.csv:3: column 'release_title': release 501234000113 has 'Low Tyde' "
		     "here but 'Low Tide' at tracks.csv:2 (the rows must agree)");
	expect_error("tracks.csv",
		     "upc,release_title,format,track_no,isrc,title,artists\n"
		     "501234000113,Low Tide,single,1,GBNLR2600001,Low Tide,a\n"
		     "501234000212,Album,album,1,GBNLR2600001,Low Tide (Edit),a\n",
		     "tracks.csv:3: column 'title': track GBNLR2600001 has 'Low Tide (Edit)' here "
		     "but 'Low Tide' at tracks.csv:2 (the rows must agree)");
	expect_error("tracks.csv",
		     "upc,release_title,format,track_no,isrc,title,artists\n"
		     "501234000113,Low Tide,single,1,GBNLR2600001,Low Tide,a\n"
		     "0501234000113,Low Tide,single,1,GBNLR2600002,B,a\n",
		     "tracks.csv:3: column 'track_no': release 0501234000113 already has a track 1 "
		     "on disc 1 (GBNLR2600001 at tracks.csv:2)");
}

static void test_bad_artist_partner_and_file_level_errors(void **state)
{
	expect_error("artists.csv",
		     "artist_id,name,kind,members\nzoe-ashwood,Zoë Ashwood,person,\"A; B\"\n",
		     "artists.csv:2: column 'members': a person has no members (is 'Zoë Ashwood' a "
		     "band? set kind to 'band')");
	expect_error("artists.csv", "artist_id,name,kind\nZoë Ashwood,Zoë,person\n",
		     "artists.csv:2: column 'artist_id': id 'Zoë Ashwood' may hold only a-z, 0-9, "
		     "'-', '_' and '.' (e.g. 'zoe-ashwood')");
	expect_error(
	    "artists.csv", "artist_id,name,kind\nx,X,group\n",
	    "artists.csv:2: column 'kind': kind 'group' is not one of: person, band, other");
	expect_error("artists.csv", "artist_id,name,kind\nx,X,person\ny,Y,person\nx,Z,band\n",
		     "artists.csv:4: column 'artist_id': artist 'x' is already given at "
		     "artists.csv:2");
	expect_error("artists.csv", "artist_id,name,kind,country\nx,X,person,WW\n",
		     "artists.csv:2: column 'country': country 'WW' is a territory set, not a "
		     "country (leave it empty)");
	expect_error("partners.csv", "partner_id,name,type,fee_percent\nx,X,dsp,101\n",
		     "partners.csv:2: column 'fee_percent': fee '101' must be a percentage between "
		     "0 and 100 (15 % is '15')");
	expect_error("partners.csv", "partner_id,name,type,fee_percent\nx,X,shop,1\n",
		     "partners.csv:2: column 'type': type 'shop' is not one of: aggregator, "
		     "distributor, dsp, retailer, manufacturer, promoter, other");
	expect_error("c.csv", "isrc,name,role\nGBNLR2600001,Mara Quinn,chef\n",
		     "c.csv:2: column 'role': role 'chef' is not one of: producer, co-producer, "
		     "executive-producer, featured, session, remixer, mixer, mastering, engineer, "
		     "composer, lyricist, songwriter, arranger, conductor, performer, vocalist, "
		     "other");
	expect_error("x.csv", "title,artist\nA,B\n",
		     "x.csv:1: cannot tell what kind of catalogue file this is from its header: "
		     "expected an 'isrc', 'artist_id', 'partner_id' or 'label' column (see "
		     "docs/CATALOG.md)");
	expect_error("t.csv", "isrc,artists\nGBNLR2600001,a\n",
		     "t.csv:1: a tracks file needs a column 'title' (see docs/CATALOG.md)");
	expect_error("t.csv", "isrc,title,artists\nGBNLR2600001,Caf\xe9,a\n",
		     "t.csv:2: byte 17 is not UTF-8 (save the file as UTF-8)");
	expect_error("t.csv", "isrc,title,artists\nGBNLR2600001,A,a,extra\n",
		     "t.csv:2: row has 4 fields but the header has 3 (a delimiter inside a value "
		     "must be quoted)");
	expect_error("t.csv", "", "t.csv: empty file: a catalogue file starts with a header line "
				  "(see docs/CATALOG.md)");
}

/* ------------------------------------------------------------------ ledger */

static char ledger_path[1024];

static struct ft_store *fresh_store(const char *name)
{
	struct ft_store *store = NULL;
	struct ft_error err;
	char side[1100];

	snprintf(ledger_path, sizeof(ledger_path), "%s/catalog-%s.ledger", testutil_tmpdir(), name);
	unlink(ledger_path);
	snprintf(side, sizeof(side), "%s-wal", ledger_path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", ledger_path);
	unlink(side);
	assert_int_equal(ft_store_open(&store, ledger_path, FT_STORE_CREATE, &err), 0);
	return store;
}

static struct ft_catalog *parse_all(const char *tracks_text)
{
	struct ft_catalog *cat = NULL;
	struct ft_error err;

	assert_int_equal(ft_catalog_new(&cat, &err), 0);
	assert_int_equal(ft_catalog_parse(cat, "labels.csv", LABELS, strlen(LABELS), NULL, &err),
			 0);
	assert_int_equal(ft_catalog_parse(cat, "artists.csv", ARTISTS, strlen(ARTISTS), NULL, &err),
			 0);
	assert_int_equal(
		ft_catalog_parse(cat, "partners.csv", PARTNERS, strlen(PARTNERS), NULL, &err), 0);
	assert_int_equal(
		ft_catalog_parse(cat, "tracks.csv", tracks_text, strlen(tracks_text), NULL, &err),
		0);
	assert_int_equal(ft_catalog_parse(cat, "contributors.csv", CONTRIBUTORS,
					  strlen(CONTRIBUTORS), NULL, &err),
			 0);
	return cat;
}

struct snapshot {
	char *text;
	size_t len;
};

static int snap_row(void *ctx, const struct ft_catalog_record *rec, struct ft_error *err)
{
	struct snapshot *s = ctx;
	size_t i;

	for (i = 0; i < rec->count; i++) {
		size_t n = strlen(rec->fields[i].value);

		s->text = realloc(s->text, s->len + n + 2);
		memcpy(s->text + s->len, rec->fields[i].value, n);
		s->len += n;
		s->text[s->len++] = i + 1 < rec->count ? '\t' : '\n';
		s->text[s->len] = '\0';
	}
	return 0;
}

/* Everything list shows, as one string: "the ledger is unchanged" means this is equal. */
static char *snapshot(struct ft_store *store)
{
	struct snapshot s = {calloc(1, 1), 0};
	struct ft_error err;
	int kind;

	for (kind = 0; kind < FT_CATALOG_KIND_COUNT; kind++)
		if (kind != FT_CATALOG_BWARM)
			assert_int_equal(ft_catalog_list(store, (enum ft_catalog_kind)kind, snap_row,
							 &s, &err),
					 0);
	return s.text;
}

static void test_import_counts_then_reimport_changes_nothing(void **state)
{
	struct ft_store *store = fresh_store("reimport");
	struct ft_catalog *cat = parse_all(TRACKS);
	struct ft_catalog_changes changes;
	struct ft_catalog_counts total;
	struct ft_error err;

	assert_int_equal(ft_catalog_import(store, cat, &changes, &err), 0);
	total = ft_catalog_changes_total(&changes);
	/* 1 label, 3 artists, 3 partners, 2 releases, 4 tracks, 2 contributor sets */
	assert_int_equal(total.added, 15);
	assert_int_equal(total.updated, 0);
	assert_int_equal(changes.counts[4].added, 4);
	ft_catalog_changes_free(&changes);
	assert_int_equal(ft_catalog_import(store, cat, &changes, &err), 0);
	total = ft_catalog_changes_total(&changes);
	assert_int_equal(total.added + total.updated, 0);
	assert_int_equal(total.unchanged, 15);
	assert_int_equal(changes.count, 0);
	ft_catalog_changes_free(&changes);
	ft_catalog_free(cat);
	ft_store_close(store);
}

static void test_update_is_detected_field_by_field(void **state)
{
	struct ft_store *store = fresh_store("update");
	struct ft_catalog *cat = parse_all(TRACKS);
	struct ft_catalog_changes changes;
	struct ft_error err;
	char line[512];
	const char *renamed =
		"upc,release_title,release_artist,release_date,format,label,disc,track_no,isrc,"
		"title,artists,featured,duration\n"
		"501234000113,Low Tide,aurora-fields,2026-01-16,single,Northern Lights Records,1,1,"
		"GBNLR2600001,Low Tide (2026 Mix),aurora-fields,,3:41\n"
		"501234000113,Low Tide,aurora-fields,2026-01-16,single,Northern Lights Records,1,2,"
		"GBNLR2600002,Paper Boats,aurora-fields,,3:26\n";
	struct ft_catalog *cat2 = NULL;

	assert_int_equal(ft_catalog_import(store, cat, NULL, &err), 0);
	assert_int_equal(ft_catalog_new(&cat2, &err), 0);
	assert_int_equal(ft_catalog_parse(cat2, "tracks.csv", renamed, strlen(renamed), NULL, &err),
			 0);
	assert_int_equal(ft_catalog_import(store, cat2, &changes, &err), 0);
	assert_int_equal(changes.count, 2);
	ft_catalog_change_format(line, sizeof(line), &changes.items[0]);
	assert_string_equal(
	    line, "track GBNLR2600001: title 'Low Tide' \xe2\x86\x92 'Low Tide (2026 Mix)'");
	ft_catalog_change_format(line, sizeof(line), &changes.items[1]);
	assert_string_equal(line, "track GBNLR2600002: featured 'zoe-ashwood' \xe2\x86\x92 ''");
	assert_int_equal(changes.counts[4].updated, 2);
	assert_int_equal(changes.counts[3].unchanged, 1);
	ft_catalog_changes_free(&changes);
	ft_catalog_free(cat2);
	ft_catalog_free(cat);
	ft_store_close(store);
}

static void test_ean13_of_a_upc_is_the_same_release(void **state)
{
	struct ft_store *store = fresh_store("ean");
	struct ft_catalog *cat = parse_all(TRACKS), *cat2 = NULL;
	struct ft_catalog_changes changes;
	struct ft_error err;
	const char *as_ean = "upc,release_title,release_artist,release_date,format,label,track_no,"
			     "isrc,title,artists,featured,duration\n"
			     "0501234000113,Low Tide,aurora-fields,2026-01-16,single,Northern "
			     "Lights Records,1,GBNLR2600001,Low Tide,aurora-fields,,3:41\n"
			     "0501234000113,Low Tide,aurora-fields,2026-01-16,single,Northern "
			     "Lights Records,2,GBNLR2600002,Paper Boats,aurora-fields,zoe-ashwood,"
			     "3:26\n";

	assert_int_equal(ft_catalog_import(store, cat, NULL, &err), 0);
	assert_int_equal(ft_catalog_new(&cat2, &err), 0);
	assert_int_equal(ft_catalog_parse(cat2, "t.csv", as_ean, strlen(as_ean), NULL, &err), 0);
	assert_int_equal(ft_catalog_import(store, cat2, &changes, &err), 0);
	/* only the UPC as written moves; no second release */
	assert_int_equal(changes.count, 1);
	assert_string_equal(changes.items[0].field, "upc");
	assert_string_equal(changes.items[0].after, "0501234000113");
	assert_int_equal(changes.counts[3].updated, 1);
	ft_catalog_changes_free(&changes);
	ft_catalog_free(cat2);
	ft_catalog_free(cat);
	ft_store_close(store);
}

static void test_export_then_reimport_reports_zero_changed(void **state)
{
	struct ft_store *store = fresh_store("export");
	struct ft_catalog *cat = parse_all(TRACKS), *back = NULL;
	struct ft_catalog_changes changes;
	struct ft_catalog_counts total;
	struct ft_error err;
	char dir[1100], path[1200];
	static const char *const files[] = {"labels", "artists", "partners", "tracks",
					    "contributors"};
	size_t i;

	assert_int_equal(ft_catalog_import(store, cat, NULL, &err), 0);
	snprintf(dir, sizeof(dir), "%s/catalog-export", testutil_tmpdir());
	assert_int_equal(ft_catalog_export(store, dir, &err), 0);
	assert_int_equal(ft_catalog_new(&back, &err), 0);
	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "%s/%s.csv", dir, files[i]);
		assert_int_equal(ft_catalog_parse_file(back, path, NULL, &err), 0);
	}
	assert_int_equal(ft_catalog_import(store, back, &changes, &err), 0);
	total = ft_catalog_changes_total(&changes);
	assert_int_equal(total.added + total.updated, 0);
	assert_int_equal(total.unchanged, 15);
	ft_catalog_changes_free(&changes);
	ft_catalog_free(back);
	ft_catalog_free(cat);
	ft_store_close(store);
}

static void test_unknown_reference_refuses_the_whole_import(void **state)
{
	struct ft_store *store = fresh_store("unknown");
	struct ft_catalog *cat = NULL;
	struct ft_error err;
	char *before, *after;
	const char *tracks = "isrc,title,artists\nGBNLR2600001,Low Tide,aurora-fields\n"
			     "GBNLR2600002,Other,nobody\n";

	assert_int_equal(ft_catalog_new(&cat, &err), 0);
	assert_int_equal(ft_catalog_parse(cat, "artists.csv", ARTISTS, strlen(ARTISTS), NULL, &err),
			 0);
	assert_int_equal(ft_catalog_parse(cat, "tracks.csv", tracks, strlen(tracks), NULL, &err),
			 0);
	before = snapshot(store);
	assert_int_equal(ft_catalog_import(store, cat, NULL, &err), FT_EINVAL);
	assert_string_equal(err.message,
			    "tracks.csv:3: column 'artists': unknown artist 'nobody' (add it to an "
			    "artists file, or use an existing artist id)");
	after = snapshot(store);
	assert_string_equal(before, after);
	assert_false(ft_store_in_transaction(store));
	free(before);
	free(after);
	ft_catalog_free(cat);
	ft_store_close(store);
}

static void test_contributor_of_unknown_track_is_refused(void **state)
{
	struct ft_store *store = fresh_store("contrib");
	struct ft_catalog *cat = NULL;
	struct ft_error err;

	assert_int_equal(ft_catalog_new(&cat, &err), 0);
	assert_int_equal(ft_catalog_parse(cat, "c.csv", CONTRIBUTORS, strlen(CONTRIBUTORS), NULL,
					  &err),
			 0);
	assert_int_equal(ft_catalog_import(store, cat, NULL, &err), FT_EINVAL);
	assert_string_equal(err.message,
			    "c.csv:2: column 'isrc': unknown track GBNLR2600001 (import it in a "
			    "tracks file first, or in the same import)");
	ft_catalog_free(cat);
	ft_store_close(store);
}

/* Fail the import at every write in turn: each time the ledger must be exactly as before. */
static void test_faulty_store_at_any_write_leaves_ledger_unchanged(void **state)
{
	struct ft_store *store = fresh_store("faulty");
	struct ft_catalog *first = parse_all(TRACKS), *second = NULL;
	struct ft_error err;
	char *before;
	long n;
	int done = 0;
	const char *update = "isrc,title,artists,featured,duration\n"
			     "GBNLR2600001,Renamed,glass-harbour,zoe-ashwood,4:00\n"
			     "GBNLR2600077,New,aurora-fields,,\n";
	const char *new_partner = "partner_id,name,type\nnew-dsp,New DSP,dsp\n";

	/* a ledger with something in it, then an update that touches many tables */
	assert_int_equal(ft_catalog_import(store, first, NULL, &err), 0);
	ft_store_close(store);
	assert_int_equal(ft_catalog_new(&second, &err), 0);
	assert_int_equal(ft_catalog_parse(second, "u.csv", update, strlen(update), NULL, &err), 0);
	assert_int_equal(ft_catalog_parse(second, "partners.csv", new_partner, strlen(new_partner),
					  NULL, &err),
			 0);
	store = NULL;
	assert_int_equal(ft_store_open(&store, ledger_path, 0, &err), 0);
	before = snapshot(store);
	ft_store_close(store);
	for (n = 1; !done && n < 500; n++) {
		struct ft_store *inner = NULL, *faulty = NULL;
		struct ft_store_faults faults = {.fail_nth_write = n};
		char *after;
		int rc;

		assert_int_equal(ft_store_open(&inner, ledger_path, 0, &err), 0);
		assert_int_equal(ft_store_faulty_wrap(&faulty, inner, &faults, &err), 0);
		rc = ft_catalog_import(faulty, second, NULL, &err);
		if (rc == 0) {
			done = 1; /* fewer than n writes: the import went through */
		} else {
			assert_int_equal(rc, FT_EDB);
			assert_non_null(strstr(err.message, "injected failure"));
			after = snapshot(faulty);
			assert_string_equal(before, after);
			free(after);
		}
		ft_store_close(faulty);
	}
	assert_true(done);
	assert_true(n > 5); /* the loop really failed several different writes */
	free(before);
	ft_catalog_free(second);
	ft_catalog_free(first);
}

static void test_crash_before_commit_imports_nothing(void **state)
{
	struct ft_store *store = fresh_store("crash"), *faulty = NULL;
	struct ft_store_faults faults = {.crash_before_commit = 1};
	struct ft_catalog *cat = parse_all(TRACKS);
	struct ft_catalog_changes changes = {0};
	struct ft_error err;
	char *before = snapshot(store), *after;

	assert_int_equal(ft_store_faulty_wrap(&faulty, store, &faults, &err), 0);
	assert_int_equal(ft_catalog_import(faulty, cat, &changes, &err), FT_EDB);
	assert_int_equal(changes.count, 0);
	ft_store_close(faulty);
	store = NULL;
	assert_int_equal(ft_store_open(&store, ledger_path, 0, &err), 0);
	after = snapshot(store);
	assert_string_equal(before, after);
	free(before);
	free(after);
	ft_catalog_free(cat);
	ft_store_close(store);
}

struct show_capture {
	char text[2048];
};

static int capture(void *ctx, const struct ft_catalog_record *rec, struct ft_error *err)
{
	struct show_capture *c = ctx;
	size_t i, o = strlen(c->text);

	for (i = 0; i < rec->count; i++)
		o += (size_t)snprintf(c->text + o, sizeof(c->text) - o, "%s: %s\n",
				      rec->fields[i].name, rec->fields[i].value);
	return 0;
}

static void test_show_finds_entries_by_any_identifier_form(void **state)
{
	struct ft_store *store = fresh_store("show");
	struct ft_catalog *cat = parse_all(TRACKS);
	struct show_capture c;
	struct ft_error err;

	assert_int_equal(ft_catalog_import(store, cat, NULL, &err), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(ft_catalog_show(store, FT_CATALOG_TRACKS, "gb-nlr-26-00002", capture, &c,
					 &err),
			 0);
	assert_string_equal(c.text, "isrc: GBNLR2600002\n"
				    "title: Paper Boats\n"
				    "duration: 3:26\n"
				    "artists: aurora-fields\n"
				    "featured: zoe-ashwood\n"
				    "releases: 501234000113 1-2 Low Tide\n"
				    "contributors: Zoë Ashwood (featured)\n");
	memset(&c, 0, sizeof(c));
	assert_int_equal(ft_catalog_show(store, FT_CATALOG_RELEASES, "0501234000113", capture, &c,
					 &err),
			 0);
	assert_non_null(strstr(c.text, "upc: 501234000113\n"));
	assert_non_null(strstr(c.text, "tracks: 1-1 GBNLR2600001 Low Tide; 1-2 GBNLR2600002 "
				       "Paper Boats\n"));
	memset(&c, 0, sizeof(c));
	assert_int_equal(ft_catalog_show(store, FT_CATALOG_ARTISTS, "glass-harbour", capture, &c,
					 &err),
			 0);
	assert_non_null(strstr(c.text, "members: Ewan; Priya; Tomasz; Hannah\n"));
	assert_int_equal(ft_catalog_show(store, FT_CATALOG_PARTNERS, "nope", capture, &c, &err),
			 FT_ENOTFOUND);
	assert_string_equal(err.message, "no partner 'nope' in the ledger");
	ft_catalog_free(cat);
	ft_store_close(store);
}

static void test_bwarm_import_creates_unknown_display_artists(void **state)
{
	struct ft_store *store = fresh_store("bwarm");
	struct ft_catalog *cat = NULL;
	struct ft_catalog_changes changes;
	struct ft_error err;
	struct show_capture c;
	const char *rec = "FeedProvidersRecordingId\tISRC\tRecordingTitle\tDisplayArtistName\t"
			  "Duration\n"
			  "R1\tGBNLR2600050\tNew Song\tZoë Ashwood\tPT3M05S\n";

	assert_int_equal(ft_catalog_new(&cat, &err), 0);
	assert_int_equal(ft_catalog_parse(cat, "r.tsv", rec, strlen(rec), NULL, &err), 0);
	assert_int_equal(ft_catalog_import(store, cat, &changes, &err), 0);
	assert_int_equal(changes.counts[1].added, 1);
	ft_catalog_changes_free(&changes);
	memset(&c, 0, sizeof(c));
	assert_int_equal(
	    ft_catalog_show(store, FT_CATALOG_ARTISTS, "zoe-ashwood", capture, &c, &err), 0);
	assert_non_null(strstr(c.text, "name: Zoë Ashwood\n"));
	ft_catalog_free(cat);
	ft_store_close(store);
}


/* Import text (one file) into store; returns the changes. */
static void import_text(struct ft_store *store, const char *name, const char *text,
			struct ft_catalog_changes *changes, int expect_rc, struct ft_error *err)
{
	struct ft_catalog *cat = NULL;

	assert_int_equal(ft_catalog_new(&cat, err), 0);
	assert_int_equal(ft_catalog_parse(cat, name, text, strlen(text), NULL, err), 0);
	assert_int_equal(ft_catalog_import(store, cat, changes, err), expect_rc);
	ft_catalog_free(cat);
}

static void test_file_with_fewer_columns_keeps_what_it_does_not_mention(void **state)
{
	struct ft_store *store = fresh_store("fewer");
	struct ft_catalog *cat = parse_all(TRACKS);
	struct ft_catalog_changes changes;
	struct ft_catalog_counts total;
	struct ft_error err;
	char *before, *after;

	assert_int_equal(ft_catalog_import(store, cat, NULL, &err), 0);
	before = snapshot(store);
	/* no featured, duration or release columns; no members, country; no fee */
	import_text(store, "t.csv",
		    "isrc,title,artists\nGBNLR2600002,Paper Boats,aurora-fields\n", &changes, 0,
		    &err);
	total = ft_catalog_changes_total(&changes);
	assert_int_equal(total.added + total.updated, 0);
	ft_catalog_changes_free(&changes);
	import_text(store, "a.csv", "artist_id,name,kind\nglass-harbour,The Glass Harbour,band\n",
		    &changes, 0, &err);
	assert_int_equal(changes.count, 0);
	ft_catalog_changes_free(&changes);
	import_text(store, "p.csv", "partner_id,name,type\nnorth-sea,North Sea Distribution,"
				    "distributor\n",
		    &changes, 0, &err);
	assert_int_equal(changes.count, 0);
	ft_catalog_changes_free(&changes);
	after = snapshot(store);
	assert_string_equal(before, after);
	free(before);
	free(after);
	ft_catalog_free(cat);
	ft_store_close(store);
}

static void test_list_changes_are_reported_whole(void **state)
{
	struct ft_store *store = fresh_store("lists");
	struct ft_catalog *cat = parse_all(TRACKS);
	struct ft_catalog_changes changes;
	struct ft_error err;
	char line[512];

	assert_int_equal(ft_catalog_import(store, cat, NULL, &err), 0);
	import_text(store, "c.csv", "isrc,name,role\nGBNLR2600001,Mara Quinn,producer\n", &changes,
		    0, &err);
	assert_int_equal(changes.count, 1);
	ft_catalog_change_format(line, sizeof(line), &changes.items[0]);
	assert_string_equal(line, "contributors GBNLR2600001: contributors 'Mara Quinn (producer); "
				  "Sam Okafor (mixer)' \xe2\x86\x92 'Mara Quinn (producer)'");
	assert_int_equal(changes.counts[5].updated, 1);
	ft_catalog_changes_free(&changes);
	import_text(store, "a.csv",
		    "artist_id,name,kind,members\nglass-harbour,The Glass Harbour,band,"
		    "Ewan; Priya; Tomasz\n",
		    &changes, 0, &err);
	assert_int_equal(changes.count, 1);
	ft_catalog_change_format(line, sizeof(line), &changes.items[0]);
	assert_string_equal(line, "artist glass-harbour: members 'Ewan; Priya; Tomasz; Hannah' "
				  "\xe2\x86\x92 'Ewan; Priya; Tomasz'");
	ft_catalog_changes_free(&changes);
	/* a new tracklist for a release: one change on the release */
	import_text(store, "t.csv",
		    "upc,release_title,release_artist,release_date,format,label,track_no,isrc,title,"
		    "artists\n"
		    "501234000113,Low Tide,aurora-fields,2026-01-16,single,Northern Lights "
		    "Records,1,GBNLR2600001,Low Tide,aurora-fields\n",
		    &changes, 0, &err);
	assert_int_equal(changes.count, 1);
	ft_catalog_change_format(line, sizeof(line), &changes.items[0]);
	assert_string_equal(line, "release 501234000113: tracks '1-01 GBNLR2600001; 1-02 "
				  "GBNLR2600002' \xe2\x86\x92 '1-01 GBNLR2600001'");
	assert_int_equal(changes.counts[3].updated, 1);
	ft_catalog_changes_free(&changes);
	ft_catalog_free(cat);
	ft_store_close(store);
}

static void test_artist_names_resolve_only_when_unambiguous(void **state)
{
	struct ft_store *store = fresh_store("names");
	struct ft_catalog_changes changes;
	struct ft_error err;

	import_text(store, "a.csv",
		    "artist_id,name,kind\nsam-1,Sam,person\nsam-2,Sam,person\nzoe,Zoë,person\n",
		    NULL, 0, &err);
	import_text(store, "t.csv", "isrc,title,artists\nGBNLR2600001,A,Zoë\n", &changes, 0, &err);
	assert_int_equal(changes.counts[4].added, 1);
	ft_catalog_changes_free(&changes);
	import_text(store, "t.csv", "isrc,title,artists\nGBNLR2600002,B,Zoë; Sam\n", NULL,
		    FT_EINVAL, &err);
	assert_string_equal(err.message, "t.csv:2: column 'artists': artist name 'Sam' belongs to "
					 "several artists (sam-1; sam-2): use the artist id");
	ft_store_close(store);
}

static void test_label_named_by_a_release_is_added(void **state)
{
	struct ft_store *store = fresh_store("label");
	struct ft_catalog_changes changes;
	struct ft_error err;

	import_text(store, "a.csv", ARTISTS, NULL, 0, &err);
	import_text(store, "t.csv",
		    "upc,release_title,format,label,track_no,isrc,title,artists\n"
		    "501234000113,Low Tide,single,Polar Night,1,GBNLR2600001,Low Tide,"
		    "aurora-fields\n",
		    &changes, 0, &err);
	assert_int_equal(changes.counts[0].added, 1);
	assert_string_equal(changes.items[0].entity, "label");
	assert_string_equal(changes.items[0].key, "Polar Night");
	ft_catalog_changes_free(&changes);
	ft_store_close(store);
}

static void test_preview_reports_changes_and_writes_nothing(void **state)
{
	struct ft_store *store = fresh_store("preview");
	struct ft_catalog *cat = parse_all(TRACKS);
	struct ft_catalog_changes changes;
	struct ft_error err;
	char *before = snapshot(store), *after;

	assert_int_equal(ft_catalog_preview(store, cat, &changes, &err), 0);
	assert_int_equal(ft_catalog_changes_total(&changes).added, 15);
	ft_catalog_changes_free(&changes);
	after = snapshot(store);
	assert_string_equal(before, after);
	assert_false(ft_store_in_transaction(store));
	/* the real import then reports the same */
	assert_int_equal(ft_catalog_import(store, cat, &changes, &err), 0);
	assert_int_equal(ft_catalog_changes_total(&changes).added, 15);
	ft_catalog_changes_free(&changes);
	free(before);
	free(after);
	ft_catalog_free(cat);
	ft_store_close(store);
}

static void test_release_plans_are_parsed_imported_and_updated(void **state)
{
	struct ft_store *store = fresh_store("plans");
	struct ft_catalog *cat = parse_all(TRACKS), *plans = NULL;
	struct ft_catalog_changes changes;
	struct ft_error err;
	enum ft_catalog_kind kind;
	char line[256];
	const char *text = "upc,partner_id,territories,release_date\n"
			   "0501234000113,north-sea,\"WW -US\",2026-01-16\n"
			   "501234000212,soundwave,,\n";

	assert_int_equal(ft_catalog_import(store, cat, NULL, &err), 0);
	plans = parse_one("plans.csv", text, &kind, 0, &err);
	assert_int_equal(kind, FT_CATALOG_PLANS);
	assert_int_equal(plans->n_plans, 2);
	assert_string_equal(plans->plans[0].gtin14, "00501234000113");
	assert_string_equal(plans->plans[0].territories, "WW -US");
	assert_string_equal(plans->plans[1].territories, "WW");
	assert_int_equal(ft_catalog_import(store, plans, &changes, &err), 0);
	assert_int_equal(changes.counts[6].added, 2);
	ft_catalog_changes_free(&changes);
	ft_catalog_free(plans);
	import_text(store, "plans.csv",
		    "upc,partner_id,territories\n501234000113,north-sea,GB IE\n", &changes, 0,
		    &err);
	assert_int_equal(changes.count, 1);
	ft_catalog_change_format(line, sizeof(line), &changes.items[0]);
	assert_string_equal(line,
			    "plan 501234000113 north-sea: territories 'WW -US' \xe2\x86\x92 'GB IE'");
	ft_catalog_changes_free(&changes);
	import_text(store, "plans.csv", "upc,partner_id\n501234000113,nobody\n", NULL, FT_EINVAL,
		    &err);
	assert_string_equal(err.message, "plans.csv:2: column 'partner_id': unknown partner "
					 "'nobody' (add it to a partners file)");
	import_text(store, "plans.csv", "upc,partner_id\n501234000717,north-sea\n", NULL,
		    FT_EINVAL, &err);
	assert_string_equal(err.message, "plans.csv:2: column 'upc': unknown release 501234000717 "
					 "(add it in a tracks file first, or in the same import)");
	expect_error("plans.csv",
		     "upc,partner_id\n501234000113,north-sea\n0501234000113,north-sea\n",
		     "plans.csv:3: column 'partner_id': release 0501234000113 through partner "
		     "'north-sea' is already planned at plans.csv:2");
	ft_catalog_free(cat);
	ft_store_close(store);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_artists_file_is_parsed_with_members),
		cmocka_unit_test(test_tracks_file_gives_releases_tracks_and_placements),
		cmocka_unit_test(test_partners_file_canonicalises_fee_territories_currency),
		cmocka_unit_test(test_contributors_and_labels_files_are_detected),
		cmocka_unit_test(test_bwarm_recordings_file_is_read),
		cmocka_unit_test(test_bom_crlf_semicolons_and_quotes_are_accepted),
		cmocka_unit_test(test_durations_in_every_accepted_form),
		cmocka_unit_test(test_bad_rows_name_file_line_column_and_rule),
		cmocka_unit_test(test_repeated_release_columns_must_agree),
		cmocka_unit_test(test_bad_artist_partner_and_file_level_errors),
		cmocka_unit_test(test_import_counts_then_reimport_changes_nothing),
		cmocka_unit_test(test_update_is_detected_field_by_field),
		cmocka_unit_test(test_ean13_of_a_upc_is_the_same_release),
		cmocka_unit_test(test_export_then_reimport_reports_zero_changed),
		cmocka_unit_test(test_unknown_reference_refuses_the_whole_import),
		cmocka_unit_test(test_contributor_of_unknown_track_is_refused),
		cmocka_unit_test(test_faulty_store_at_any_write_leaves_ledger_unchanged),
		cmocka_unit_test(test_crash_before_commit_imports_nothing),
		cmocka_unit_test(test_show_finds_entries_by_any_identifier_form),
		cmocka_unit_test(test_bwarm_import_creates_unknown_display_artists),
		cmocka_unit_test(test_file_with_fewer_columns_keeps_what_it_does_not_mention),
		cmocka_unit_test(test_list_changes_are_reported_whole),
		cmocka_unit_test(test_artist_names_resolve_only_when_unambiguous),
		cmocka_unit_test(test_label_named_by_a_release_is_added),
		cmocka_unit_test(test_preview_reports_changes_and_writes_nothing),
		cmocka_unit_test(test_release_plans_are_parsed_imported_and_updated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
