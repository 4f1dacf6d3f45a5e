/*
 * migrations.c — the ledger schema, as an ordered list of migrations.
 *
 * The schema is never edited in place: each change is a new entry appended
 * to `migrations` below with the next version number (see
 * docs/internals/STORE.md).  Opening a ledger applies the missing entries in
 * one write transaction and records each in the ft_schema table, so a ledger
 * is always at exactly one version, never between two.
 *
 * The schema version lives in a table, not in PRAGMA user_version, so the
 * same code works on PostgreSQL.  A database without that table is not a
 * fairtrack ledger; one whose version is above the newest entry here was
 * written by a newer fairtrack and is refused, never "downgraded".
 *
 * SQL here is the portable subset of SQLite and PostgreSQL: TEXT, INTEGER,
 * CHECK, REFERENCES, no AUTOINCREMENT, no backend functions.  Money columns
 * are TEXT holding canonical exact decimals (store.h).
 */
#include <stdio.h>
#include <time.h>

#include "fairtrack/period.h"
#include "ledger/line_block.h"
#include "ledger/store_impl.h"

static const struct ft_migration migrations[] = {
	{1, "catalogue",
	 "CREATE TABLE labels ("
	 " name TEXT PRIMARY KEY,"
	 " country TEXT);"
	 "CREATE TABLE artists ("
	 " id TEXT PRIMARY KEY,"
	 " name TEXT NOT NULL,"
	 " kind TEXT NOT NULL CHECK (kind IN ('person', 'band', 'other')),"
	 " country TEXT);"
	 "CREATE TABLE artist_members ("
	 " artist_id TEXT NOT NULL REFERENCES artists(id),"
	 " position INTEGER NOT NULL,"
	 " name TEXT NOT NULL,"
	 " PRIMARY KEY (artist_id, position));"
	 /* A release is identified by its GTIN-14 (a UPC-A and the EAN-13 "0"+UPC
	  * are the same release); upc keeps the digits as the label wrote them. */
	 "CREATE TABLE releases ("
	 " gtin14 TEXT PRIMARY KEY,"
	 " upc TEXT NOT NULL,"
	 " title TEXT NOT NULL,"
	 " artist_id TEXT REFERENCES artists(id),"
	 " label TEXT REFERENCES labels(name),"
	 " format TEXT NOT NULL,"
	 " release_date TEXT);"
	 /* A recording (ISRC) may sit on several releases (the single and the
	  * album): tracks hold the recording, release_tracks the placements. */
	 "CREATE TABLE tracks ("
	 " isrc TEXT PRIMARY KEY,"
	 " title TEXT NOT NULL,"
	 " duration INTEGER);"
	 "CREATE TABLE track_artists ("
	 " isrc TEXT NOT NULL REFERENCES tracks(isrc),"
	 " role TEXT NOT NULL CHECK (role IN ('main', 'featured')),"
	 " position INTEGER NOT NULL,"
	 " artist_id TEXT NOT NULL REFERENCES artists(id),"
	 " PRIMARY KEY (isrc, role, position));"
	 "CREATE TABLE release_tracks ("
	 " gtin14 TEXT NOT NULL REFERENCES releases(gtin14),"
	 " disc INTEGER NOT NULL,"
	 " track_no INTEGER NOT NULL,"
	 " isrc TEXT NOT NULL REFERENCES tracks(isrc),"
	 " PRIMARY KEY (gtin14, disc, track_no));"
	 "CREATE INDEX release_tracks_isrc ON release_tracks(isrc);"
	 "CREATE TABLE contributors ("
	 " isrc TEXT NOT NULL REFERENCES tracks(isrc),"
	 " name TEXT NOT NULL,"
	 " role TEXT NOT NULL,"
	 " PRIMARY KEY (isrc, name, role));"
	 "CREATE TABLE partners ("
	 " id TEXT PRIMARY KEY,"
	 " name TEXT NOT NULL,"
	 " type TEXT NOT NULL CHECK (type IN ('aggregator', 'distributor', 'dsp', 'retailer',"
	 "  'manufacturer', 'promoter', 'other')),"
	 " territories TEXT NOT NULL,"
	 " fee_percent TEXT NOT NULL,"
	 " currency TEXT);", NULL},
	/* Import batches (src/ledger/import.c, include/fairtrack/import.h).  A
	 * batch is one report file; usage holds its aggregates matched to a
	 * track (isrc) or, for release-level lines, a release (gtin14) —
	 * exactly one of the two; suspense what the catalogue did not know.
	 * batch_totals records what the file said per currency, so a check can
	 * prove that usage + suspense still add up to it after rematches. */
	{2, "import batches",
	 "CREATE TABLE import_batches ("
	 " id INTEGER PRIMARY KEY,"
	 " sha256 TEXT NOT NULL,"
	 " file TEXT NOT NULL,"
	 " bytes INTEGER NOT NULL,"
	 " partner_id TEXT NOT NULL REFERENCES partners(id),"
	 " format TEXT NOT NULL,"
	 " first_month TEXT,"
	 " last_month TEXT,"
	 " rows INTEGER NOT NULL,"
	 " suspense_rows INTEGER NOT NULL,"
	 " forced INTEGER NOT NULL DEFAULT 0,"
	 " imported_at TEXT NOT NULL,"
	 " withdrawn_at TEXT);"
	 "CREATE INDEX import_batches_sha256 ON import_batches(sha256);"
	 "CREATE TABLE batch_totals ("
	 " batch_id INTEGER NOT NULL REFERENCES import_batches(id),"
	 " currency TEXT NOT NULL,"
	 " usages INTEGER NOT NULL,"
	 " revenue TEXT NOT NULL,"
	 " suspense_usages INTEGER NOT NULL,"
	 " suspense_revenue TEXT NOT NULL,"
	 " PRIMARY KEY (batch_id, currency));"
	 "CREATE TABLE usage ("
	 " batch_id INTEGER NOT NULL REFERENCES import_batches(id),"
	 " month TEXT NOT NULL,"
	 " isrc TEXT REFERENCES tracks(isrc),"
	 " gtin14 TEXT REFERENCES releases(gtin14),"
	 " territory TEXT NOT NULL,"
	 " commercial_model TEXT NOT NULL,"
	 " use_type TEXT NOT NULL,"
	 " store TEXT NOT NULL,"
	 " currency TEXT NOT NULL,"
	 " usages INTEGER NOT NULL,"
	 " revenue TEXT NOT NULL,"
	 " CHECK ((isrc IS NULL) <> (gtin14 IS NULL)));"
	 "CREATE INDEX usage_batch ON usage(batch_id);"
	 "CREATE INDEX usage_month ON usage(month);"
	 "CREATE TABLE suspense ("
	 " batch_id INTEGER NOT NULL REFERENCES import_batches(id),"
	 " month TEXT NOT NULL,"
	 " kind TEXT NOT NULL CHECK (kind IN ('isrc', 'gtin', 'invalid')),"
	 " identifier TEXT NOT NULL,"
	 " territory TEXT NOT NULL,"
	 " commercial_model TEXT NOT NULL,"
	 " use_type TEXT NOT NULL,"
	 " store TEXT NOT NULL,"
	 " currency TEXT NOT NULL,"
	 " usages INTEGER NOT NULL,"
	 " revenue TEXT NOT NULL);"
	 "CREATE INDEX suspense_batch ON suspense(batch_id);"
	 "CREATE INDEX suspense_identifier ON suspense(identifier);"
	 /* Filled by `close` (the engine); a batch with sales in a closed month
	  * can no longer be withdrawn. */
	 "CREATE TABLE closed_periods ("
	 " month TEXT PRIMARY KEY,"
	 " closed_at TEXT NOT NULL);", NULL},
	/* Portal accounts (src/ledger/users.c, include/fairtrack/users.h).  No
	 * secret is stored in the clear: passwords as argon2id encoded strings,
	 * session ids and invite tokens as their SHA-256.  Times the server
	 * compares (expiry, lock-out windows) are INTEGER Unix seconds; the audit
	 * log keeps a readable UTC stamp as well.  The audit log is append-only:
	 * nothing in fairtrack updates or deletes its rows. */
	{3, "portal accounts",
	 "CREATE TABLE users ("
	 " id INTEGER PRIMARY KEY,"
	 " username TEXT NOT NULL UNIQUE,"
	 " display_name TEXT NOT NULL,"
	 " role TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'artist', 'collective_admin',"
	 "  'member_label')),"
	 " password_hash TEXT,"
	 " disabled INTEGER NOT NULL DEFAULT 0,"
	 " created_at TEXT NOT NULL,"
	 " password_set_at TEXT);"
	 "CREATE TABLE user_artists ("
	 " user_id INTEGER NOT NULL REFERENCES users(id),"
	 " artist_id TEXT NOT NULL REFERENCES artists(id),"
	 " PRIMARY KEY (user_id, artist_id));"
	 "CREATE TABLE sessions ("
	 " id_hash TEXT PRIMARY KEY,"
	 " user_id INTEGER NOT NULL REFERENCES users(id),"
	 " csrf TEXT NOT NULL,"
	 " created_at INTEGER NOT NULL,"
	 " expires_at INTEGER NOT NULL,"
	 " ip TEXT NOT NULL);"
	 "CREATE INDEX sessions_user ON sessions(user_id);"
	 "CREATE TABLE invites ("
	 " token_hash TEXT PRIMARY KEY,"
	 " user_id INTEGER NOT NULL REFERENCES users(id),"
	 " created_at INTEGER NOT NULL,"
	 " expires_at INTEGER NOT NULL,"
	 " used_at INTEGER);"
	 "CREATE INDEX invites_user ON invites(user_id);"
	 "CREATE TABLE login_attempts ("
	 " id INTEGER PRIMARY KEY,"
	 " username TEXT NOT NULL,"
	 " ip TEXT NOT NULL,"
	 " at INTEGER NOT NULL,"
	 " ok INTEGER NOT NULL);"
	 "CREATE INDEX login_attempts_username ON login_attempts(username, at);"
	 "CREATE INDEX login_attempts_ip ON login_attempts(ip, at);"
	 "CREATE TABLE audit_log ("
	 " id INTEGER PRIMARY KEY,"
	 " at INTEGER NOT NULL,"
	 " at_utc TEXT NOT NULL,"
	 " actor TEXT NOT NULL,"
	 " action TEXT NOT NULL,"
	 " target TEXT NOT NULL,"
	 " detail TEXT NOT NULL,"
	 " ip TEXT NOT NULL);", NULL},
	/* Planned releases: which partner releases what where, from when
	 * (src/catalog, the plans file of docs/CATALOG.md). */
	{4, "release plans",
	 "CREATE TABLE release_plans ("
	 " gtin14 TEXT NOT NULL REFERENCES releases(gtin14),"
	 " partner_id TEXT NOT NULL REFERENCES partners(id),"
	 " territories TEXT NOT NULL,"
	 " release_date TEXT,"
	 " PRIMARY KEY (gtin14, partner_id));", NULL},
	/* The royalty engine in the ledger (src/ledger/run.c, docs/JOURNAL.md):
	 * contracts as canonical YAML, exchange rates per month, non-attributable
	 * income, one row a run of a period (its engine state after the run),
	 * the double-entry journal (every leg keeps its source row) and the
	 * payee statements of each run. */
	{5, "contracts, fx, income, runs, journal",
	 "CREATE TABLE contracts ("
	 " id TEXT PRIMARY KEY,"
	 " yaml TEXT NOT NULL,"
	 " file TEXT NOT NULL,"
	 " imported_at TEXT NOT NULL);"
	 "CREATE TABLE fx_rates ("
	 " month TEXT NOT NULL,"
	 " from_currency TEXT NOT NULL,"
	 " to_currency TEXT NOT NULL,"
	 " rate TEXT NOT NULL,"
	 " file TEXT NOT NULL,"
	 " PRIMARY KEY (month, from_currency, to_currency));"
	 "CREATE TABLE income ("
	 " id INTEGER PRIMARY KEY,"
	 " month TEXT NOT NULL,"
	 " partner_id TEXT NOT NULL REFERENCES partners(id),"
	 " kind TEXT NOT NULL,"
	 " currency TEXT NOT NULL,"
	 " amount TEXT NOT NULL,"
	 " description TEXT NOT NULL,"
	 " file TEXT NOT NULL,"
	 " line INTEGER NOT NULL,"
	 " imported_at TEXT NOT NULL);"
	 "CREATE TABLE runs ("
	 " period TEXT PRIMARY KEY,"
	 " first_month INTEGER NOT NULL,"
	 " months INTEGER NOT NULL,"
	 " currency TEXT NOT NULL,"
	 " ran_at TEXT NOT NULL,"
	 " closed_at TEXT,"
	 " state TEXT NOT NULL,"
	 " remainder_e24 TEXT NOT NULL);"
	 "CREATE TABLE journal ("
	 " id INTEGER PRIMARY KEY,"
	 " period TEXT NOT NULL REFERENCES runs(period),"
	 " posting INTEGER NOT NULL,"
	 " kind TEXT NOT NULL,"
	 " account TEXT NOT NULL,"
	 " currency TEXT NOT NULL,"
	 " amount TEXT NOT NULL,"
	 " contract TEXT,"
	 " payee TEXT,"
	 " batch_id INTEGER,"
	 " source TEXT,"
	 " source_id INTEGER,"
	 " note TEXT NOT NULL);"
	 "CREATE INDEX journal_period ON journal(period, posting);"
	 "CREATE INDEX journal_source ON journal(source, source_id);"
	 "CREATE TABLE run_statements ("
	 " period TEXT NOT NULL REFERENCES runs(period),"
	 " payee TEXT NOT NULL,"
	 " account TEXT NOT NULL,"
	 " opening TEXT NOT NULL,"
	 " royalties TEXT NOT NULL,"
	 " advances TEXT NOT NULL,"
	 " costs TEXT NOT NULL,"
	 " balance TEXT NOT NULL,"
	 " reserve_withheld TEXT NOT NULL,"
	 " reserve_released TEXT NOT NULL,"
	 " reserve_held TEXT NOT NULL,"
	 " payable TEXT NOT NULL,"
	 " closing TEXT NOT NULL,"
	 " PRIMARY KEY (period, payee, account));", NULL},
	/* How many lines each report had: those that became usage and those set
	 * aside with --reject-file (so a batch says what it did not take). */
	{6, "batch line counts",
	 "ALTER TABLE import_batches ADD COLUMN usage_lines INTEGER NOT NULL DEFAULT 0;"
	 "ALTER TABLE import_batches ADD COLUMN rejected_lines INTEGER NOT NULL DEFAULT 0;", NULL},
	/* Statements issued (src/ledger/issue.c): each file's SHA-256 with the
	 * payee, account, period and format it was issued for, so `verify` can
	 * say whether a file is one the label sent.  One row per (period,
	 * payee, account, format): re-issuing replaces it. */
	{7, "issued statements",
	 "CREATE TABLE issued_statements ("
	 " sha256 TEXT NOT NULL,"
	 " period TEXT NOT NULL,"
	 " payee TEXT NOT NULL,"
	 " account TEXT NOT NULL,"
	 " format TEXT NOT NULL,"
	 " file TEXT NOT NULL,"
	 " issued_at TEXT NOT NULL,"
	 " PRIMARY KEY (period, payee, account, format));"
	 "CREATE INDEX issued_statements_sha256 ON issued_statements(sha256);", NULL},
	/* Portal accounts linked to contract payees (the portal shows an
	 * artist account the statements of its payees).  A payee is not a
	 * catalogue row — it exists by being named in a contract — so there is
	 * no foreign key; the link survives a contract being re-imported. */
	{8, "portal accounts linked to payees",
	 "CREATE TABLE user_payees ("
	 " user_id INTEGER NOT NULL REFERENCES users(id),"
	 " payee TEXT NOT NULL,"
	 " PRIMARY KEY (user_id, payee));", NULL},
	/* What a statement line needs from a royalty posting, as columns
	 * instead of text to parse out of the note (src/ledger/run.c fills them
	 * on every leg of a `royalty` posting; NULL elsewhere and in journals
	 * written before): the engine line's own source row (for an ACCT-9
	 * allocation the attributable row the income was allocated to, while
	 * source/source_id name the income), its ACCT-2 base and the ACCT-9
	 * receipts allocated, exact.  And each run statement's statement
	 * period: a quarterly contract stated in the run of 2026-12 covers
	 * 2026-Q4 (docs/JOURNAL.md, "Due contracts"). */
	{9, "journal line columns and statement periods",
	 "ALTER TABLE journal ADD COLUMN line_source_id INTEGER;"
	 "ALTER TABLE journal ADD COLUMN line_base TEXT;"
	 "ALTER TABLE journal ADD COLUMN line_allocated TEXT;"
	 "ALTER TABLE run_statements ADD COLUMN statement_period TEXT;", NULL},
	/* Indexes the portal's reads need (bench/RESULTS.md, portal): one
	 * statement reads one account's legs of a period (the period index
	 * alone scanned 140,000 legs at 10,000 payees), an artist's page its
	 * tracks and releases. */
	{10, "indexes for one account's legs and one artist's records",
	 "CREATE INDEX journal_period_account ON journal(period, account, id);"
	 "CREATE INDEX track_artists_artist ON track_artists(artist_id);"
	 "CREATE INDEX releases_artist ON releases(artist_id);", NULL},
	/* Row-level provenance out of the journal (docs/JOURNAL.md, "Royalty
	 * lines"): a run of 20 million usage rows cannot post a royalty posting
	 * and a receipt posting a row (6 legs and 3.4 KB a row, bench/RESULTS.md).
	 * royalty_lines keeps one row per engine entry — which usage row, which
	 * rule and tier, the base, rate and royalty, exact — under the royalty
	 * posting it is summed into; a payee's part of a line is the contract's
	 * ACCT-4 split of its royalty (ft_royalty_payee_shares), so it is not
	 * stored.  WITHOUT ROWID: the key is the order lines are written and
	 * read in, with no second index to maintain.  run_posted records which
	 * usage rows a run posted, as ranges of rowids per month (a run reads
	 * them in rowid order; a row it skipped or deferred breaks a range), so
	 * a later run knows which rows of a closed month are still to post. */
	{11, "royalty lines and posted row ranges",
	 "CREATE TABLE royalty_lines ("
	 " period TEXT NOT NULL,"
	 " posting INTEGER NOT NULL,"
	 " seq INTEGER NOT NULL,"
	 " usage_id INTEGER,"
	 " income_id INTEGER,"
	 " rule INTEGER,"
	 " tier INTEGER NOT NULL,"
	 " units INTEGER NOT NULL,"
	 " base TEXT NOT NULL,"
	 " rate TEXT NOT NULL,"
	 " royalty TEXT NOT NULL,"
	 " allocated TEXT,"
	 " PRIMARY KEY (period, posting, seq)) WITHOUT ROWID;"
	 "CREATE TABLE run_posted ("
	 " period TEXT NOT NULL,"
	 " source TEXT NOT NULL,"
	 " month TEXT NOT NULL,"
	 " first_id INTEGER NOT NULL,"
	 " last_id INTEGER NOT NULL,"
	 " PRIMARY KEY (period, source, month, first_id)) WITHOUT ROWID;", NULL},
	/* Royalty lines packed in blocks (line_block.h, docs/JOURNAL.md): one
	 * SQLite row per line cost 2 µs a line to insert, more than the engine
	 * takes to compute it; a block of up to 1024 consecutive lines of one
	 * posting is one row.  A rowid table: the blobs are kilobytes, which a
	 * WITHOUT ROWID table would keep in its interior pages.  The rows of
	 * migration 11's table are packed by line_block_migrate_rows. */
	{12, "royalty lines packed in blocks",
	 "CREATE TABLE royalty_line_blocks ("
	 " period TEXT NOT NULL,"
	 " posting INTEGER NOT NULL,"
	 " first_seq INTEGER NOT NULL,"
	 " n INTEGER NOT NULL CHECK (n BETWEEN 1 AND 1024),"
	 " lines BLOB NOT NULL,"
	 " UNIQUE (period, posting, first_seq));",
	 line_block_migrate_rows},
	/* 13: the ledger's base currency and per-account statement currencies
	 * (docs/JOURNAL.md, "Currencies").  settings holds ledger-wide choices
	 * by key; the one key so far is base_currency, the currency of receipts,
	 * the label account, fees, suspense and remainders, set by `init
	 * --currency` or `currency CUR` (settings.c).  run_statements.currency
	 * is the accounting currency of the statement's account (its contracts'
	 * `currency`); NULL in runs written before, which were all in
	 * runs.currency. */
	{13, "base currency setting and statement currencies",
	 "CREATE TABLE settings ("
	 " key TEXT PRIMARY KEY,"
	 " value TEXT NOT NULL);"
	 "ALTER TABLE run_statements ADD COLUMN currency TEXT;", NULL},
	/* Append new migrations here: {14, "what it adds", "SQL"}, */
};

const struct ft_migration *ft_store_migrations(size_t *count)
{
	*count = sizeof(migrations) / sizeof(migrations[0]);
	return migrations;
}

int ft_store_schema_latest(void)
{
	size_t n;
	const struct ft_migration *m = ft_store_migrations(&n);

	return n ? m[n - 1].version : 0;
}

/* The version recorded in the ledger; FT_ESCHEMA when there is no ft_schema
 * table, which is what "not a fairtrack ledger" means. */
static int read_version(struct ft_store *store, int *version, struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	int rc;

	rc = ft_store_prepare(store, &st, "SELECT MAX(version) FROM ft_schema", NULL);
	if (rc == FT_EDB || rc == FT_ESCHEMA)
		return ft_error_set(err, FT_ESCHEMA,
				    "%s is not a fairtrack ledger (no schema table; create a ledger "
				    "with 'fairtrack init')",
				    store->location);
	if (rc)
		return ft_error_set(err, rc, "%s: cannot read the schema version", store->location);
	rc = ft_stmt_step(st, err);
	if (rc == 1) {
		*version = ft_stmt_column_is_null(st, 0) ? 0 : (int)ft_stmt_column_int64(st, 0);
		rc = 0;
	} else if (rc == 0) {
		*version = 0;
	}
	ft_stmt_free(st);
	return rc;
}

static int record_version(struct ft_store *store, const struct ft_migration *m,
			  struct ft_error *err)
{
	struct ft_stmt *st = NULL;
	char stamp[FT_TIMESTAMP_MAX];
	int rc;

	ft_timestamp_utc(stamp, time(NULL));
	rc = ft_store_prepare(store, &st,
			      "INSERT INTO ft_schema (version, name, applied_at) VALUES (?, ?, ?)",
			      err);
	if (rc)
		return rc;
	rc = ft_stmt_bind_int64(st, 1, m->version, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 2, m->name, err);
	if (!rc)
		rc = ft_stmt_bind_text(st, 3, stamp, err);
	if (!rc)
		rc = ft_stmt_step(st, err);
	ft_stmt_free(st);
	return rc < 0 ? rc : 0;
}

int ft_store_migrate(struct ft_store *store, int create, struct ft_error *err)
{
	const struct ft_migration *m;
	size_t n, i;
	int latest = ft_store_schema_latest();
	int version = 0;
	int rc;

	m = ft_store_migrations(&n);
	if (!create) {
		rc = read_version(store, &version, err);
		if (rc)
			return rc;
		if (version > latest)
			return ft_error_set(err, FT_ESCHEMA,
					    "ledger %s has schema version %d, this fairtrack "
					    "understands up to %d: upgrade fairtrack",
					    store->location, version, latest);
		if (version == latest) {
			store->schema_version = version;
			return 0;
		}
	}
	rc = ft_store_begin(store, err);
	if (rc)
		return rc;
	if (create) {
		rc = ft_store_exec(store,
				   "CREATE TABLE ft_schema (version INTEGER PRIMARY KEY,"
				   " name TEXT NOT NULL, applied_at TEXT NOT NULL)",
				   err);
	} else {
		/* Another process may have migrated while we waited for the lock. */
		rc = read_version(store, &version, err);
		if (!rc && version > latest)
			rc = ft_error_set(err, FT_ESCHEMA,
					  "ledger %s has schema version %d, this fairtrack "
					  "understands up to %d: upgrade fairtrack",
					  store->location, version, latest);
	}
	for (i = 0; !rc && i < n; i++) {
		if (m[i].version <= version)
			continue;
		rc = ft_store_exec(store, m[i].sql, err);
		if (!rc && m[i].apply)
			rc = m[i].apply(store, err);
		if (rc) {
			ft_error_wrap(err, rc, "%s: migration %d '%s' failed", store->location,
				      m[i].version, m[i].name);
			break;
		}
		rc = record_version(store, &m[i], err);
	}
	if (rc) {
		ft_store_rollback(store, NULL);
		return rc;
	}
	rc = ft_store_commit(store, err);
	if (rc)
		return rc;
	store->schema_version = latest;
	return 0;
}
