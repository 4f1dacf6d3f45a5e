/* test_http_perf.c — what the portal does to be fast must not change what it
 * answers: each worker thread keeps one ledger connection (a handler's open
 * transaction never reaches the next request; stopping the server closes
 * every connection), the store keeps prepared statements for reuse (a
 * reused one starts clean), and an artist's page reads only that artist's
 * tracks (the same records the whole catalogue gives for them). */
#include "testutil.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fairtrack/catalog.h"
#include "fairtrack/http.h"
#include "fairtrack/ledger_run.h"
#include "fairtrack/store.h"
#include "fairtrack/users.h"
#include "http/http_int.h"

#define PASSWORD "correct horse battery"

static char dir[600], ledger[700], web[700];

static void fresh_ledger(const char *name)
{
	struct ft_store *store = NULL;
	struct ft_error err;
	char cmd[1500];
	int64_t id = 0;

	snprintf(dir, sizeof(dir), "%s/http-perf-%s", testutil_tmpdir(), name);
	snprintf(ledger, sizeof(ledger), "%s/ledger.db", dir);
	snprintf(web, sizeof(web), "%s/web", dir);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", dir, web);
	assert_int_equal(system(cmd), 0);
	ft_error_clear(&err);
	if (ft_store_open(&store, ledger, FT_STORE_CREATE, &err))
		fail_msg("%s", err.message);
	assert_int_equal(ft_user_add(store, "ann", FT_ROLE_ADMIN, NULL, &id, &err), 0);
	assert_int_equal(ft_user_set_password(store, id, PASSWORD, &err), 0);
	ft_store_close(store);
}

static struct ft_http_server *start(unsigned threads)
{
	struct ft_http_server *server = NULL;
	struct ft_http_opts opts;
	struct ft_error err;

	ft_http_opts_default(&opts);
	opts.ledger = ledger;
	opts.web_root = web;
	opts.listen = "127.0.0.1:0";
	opts.threads = threads;
	opts.grace = 2;
	ft_error_clear(&err);
	if (ft_http_start(&server, &opts, &err))
		fail_msg("%s", err.message);
	return server;
}

/* One HTTP/1.1 request on its own connection; the status, and the body
 * into body (cap bytes) when given. */
static int request(unsigned port, const char *method, const char *path, const char *cookie,
		   const char *body, char *out, size_t cap)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timeval tv = {.tv_sec = 20};
	char req[2048], wire[16384];
	size_t got = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0), n, status = -1;
	const char *sep;

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = snprintf(req, sizeof(req),
		     "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n"
		     "%s%s%s%sContent-Length: %zu\r\n\r\n%s",
		     method, path, port, cookie ? "Cookie: ft_session=" : "", cookie ? cookie : "",
		     cookie ? "\r\n" : "", body ? "Content-Type: application/json\r\n" : "",
		     body ? strlen(body) : 0, body ? body : "");
	assert_true(n > 0 && (size_t)n < sizeof(req));
	assert_int_equal(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
	for (;;) {
		ssize_t k = recv(fd, wire + got, sizeof(wire) - 1 - got, 0);

		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	wire[got] = '\0';
	assert_int_equal(sscanf(wire, "HTTP/1.1 %d", &status), 1);
	sep = strstr(wire, "\r\n\r\n");
	assert_non_null(sep);
	if (out)
		snprintf(out, cap, "%s",
			 strstr(wire, "Set-Cookie: ft_session=") && !cookie
			     ? strstr(wire, "Set-Cookie: ft_session=") + 23
			     : sep + 4);
	return status;
}

/* Descriptors of this process open on the ledger or its WAL/shm files. */
static int ledger_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char link[PATH_MAX + 32], target[PATH_MAX], real[PATH_MAX], want[PATH_MAX + 16];
	int n = 0;

	/* The links name absolute, resolved paths; the test dir may be neither. */
	assert_non_null(realpath(dir, real));
	snprintf(want, sizeof(want), "%s/ledger.db", real);
	assert_non_null(d);
	while ((e = readdir(d))) {
		ssize_t k;

		snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
		k = readlink(link, target, sizeof(target) - 1);
		if (k <= 0)
			continue;
		target[k] = '\0';
		if (strncmp(target, want, strlen(want)) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* ----------------------------------------------------------------- tests */

static void test_a_failed_handlers_transaction_never_reaches_the_next_request(void **state)
{
	struct ft_http_server *server;
	struct http_request one = {0}, two = {0};
	struct ft_store *store, *again;
	struct ft_error err;

	(void)state;
	fresh_ledger("tx");
	server = start(1);
	/* This thread plays a worker: a handler opens a transaction, writes,
	 * and returns without ending it (a bug, or an error path that forgot). */
	one.srv = (struct http_server *)server;
	store = http_store(&one);
	assert_non_null(store);
	ft_error_clear(&err);
	assert_int_equal(ft_store_begin(store, &err), 0);
	assert_int_equal(ft_audit_add(store, 1, "ann", "test.half", "x", NULL, "-", &err), 0);
	http_store_release(&one);
	assert_null(one.store);

	/* The next request on the thread gets the same connection, with no
	 * transaction open and nothing of the first one's write. */
	two.srv = (struct http_server *)server;
	again = http_store(&two);
	assert_ptr_equal(again, store);
	assert_false(ft_store_in_transaction(again));
	assert_int_equal(
	    testutil_count(ledger, "SELECT COUNT(*) FROM audit_log WHERE action = 'test.half'"), 0);
	assert_int_equal(ft_store_begin(again, &err), 0);
	assert_int_equal(ft_audit_add(again, 2, "ann", "test.whole", "x", NULL, "-", &err), 0);
	assert_int_equal(ft_store_commit(again, &err), 0);
	http_store_release(&two);
	assert_int_equal(
	    testutil_count(ledger, "SELECT COUNT(*) FROM audit_log WHERE action = 'test.whole'"),
	    1);

	/* The server's own threads answer as before. */
	assert_int_equal(request(ft_http_port(server), "GET", "/api/health", NULL, NULL, NULL, 0),
			 200);
	ft_http_stop(server); /* closes this thread's store too (ASan: no leak) */

	/* A later server never hands out the stopped one's connection. */
	server = start(1);
	memset(&two, 0, sizeof(two));
	two.srv = (struct http_server *)server;
	assert_non_null(http_store(&two));
	assert_false(ft_store_in_transaction(two.store));
	http_store_release(&two);
	ft_http_stop(server);
}

static void test_workers_keep_one_connection_each_and_stop_closes_them(void **state)
{
	struct ft_http_server *server;
	char cookie[FT_TOKEN_HEX + 1], buf[4096];
	int i, before;

	(void)state;
	fresh_ledger("fds");
	before = ledger_fds();
	assert_int_equal(before, 0);
	server = start(2);
	assert_int_equal(request(ft_http_port(server), "POST", "/api/login", NULL,
				 "{\"username\":\"ann\",\"password\":\"" PASSWORD "\"}", buf,
				 sizeof(buf)),
			 200);
	snprintf(cookie, sizeof(cookie), "%.64s", buf);
	for (i = 0; i < 40; i++) {
		assert_int_equal(
		    request(ft_http_port(server), "GET", "/api/me", cookie, NULL, buf, sizeof(buf)),
		    200);
		assert_non_null(strstr(buf, "\"username\":\"ann\""));
	}
	/* Two workers: at most two connections, each the ledger, its WAL and
	 * its shared memory — not one a request. */
	assert_true(ledger_fds() >= 1);
	assert_true(ledger_fds() <= 2 * 3);
	ft_http_stop(server);
	assert_int_equal(ledger_fds(), 0);
}

static void test_a_reused_statement_starts_clean(void **state)
{
	struct ft_store *store = NULL;
	struct ft_stmt *st = NULL;
	struct ft_error err;
	int i;

	(void)state;
	fresh_ledger("stmt");
	ft_error_clear(&err);
	assert_int_equal(ft_store_open(&store, ledger, 0, &err), 0);
	assert_int_equal(ft_store_exec(store,
				       "CREATE TABLE t (k INTEGER, v TEXT);"
				       "INSERT INTO t VALUES (1, 'one'), (2, 'two');",
				       &err),
			 0);
	for (i = 0; i < 3; i++) {
		/* Freed mid-walk, with a binding: the next prepare of the same text
		 * must see neither the binding nor the position. */
		assert_int_equal(
		    ft_store_prepare(store, &st, "SELECT v FROM t WHERE k >= ? ORDER BY k", &err),
		    0);
		assert_int_equal(ft_stmt_step(st, &err), 0); /* ? unbound: NULL, no row */
		assert_int_equal(ft_stmt_reset(st, &err), 0);
		assert_int_equal(ft_stmt_bind_int64(st, 1, 1, &err), 0);
		assert_int_equal(ft_stmt_step(st, &err), 1);
		assert_string_equal(ft_stmt_column_text(st, 0), "one");
		ft_stmt_free(st); /* one row read, one to go, 1 bound */
	}
	/* Two live statements of the same text are two statements. */
	{
		struct ft_stmt *a = NULL, *b = NULL;

		assert_int_equal(ft_store_prepare(store, &a, "SELECT v FROM t ORDER BY k", &err),
				 0);
		assert_int_equal(ft_store_prepare(store, &b, "SELECT v FROM t ORDER BY k", &err),
				 0);
		assert_ptr_not_equal(a, b);
		assert_int_equal(ft_stmt_step(a, &err), 1);
		assert_int_equal(ft_stmt_step(a, &err), 1);
		assert_int_equal(ft_stmt_step(b, &err), 1);
		assert_string_equal(ft_stmt_column_text(a, 0), "two");
		assert_string_equal(ft_stmt_column_text(b, 0), "one");
		ft_stmt_free(a);
		ft_stmt_free(b);
	}
	/* A kept statement sees later writes and schema changes. */
	if (ft_store_exec(store, "INSERT INTO t VALUES (0, 'zero')", &err))
		fail_msg("%s", err.message);
	assert_int_equal(
	    ft_store_prepare(store, &st, "SELECT v FROM t WHERE k >= ? ORDER BY k", &err), 0);
	assert_int_equal(ft_stmt_bind_int64(st, 1, 0, &err), 0);
	assert_int_equal(ft_stmt_step(st, &err), 1);
	assert_string_equal(ft_stmt_column_text(st, 0), "zero");
	ft_stmt_free(st);
	/* Many distinct statements (more than are kept) all work. */
	for (i = 0; i < 100; i++) {
		char sql[64];

		snprintf(sql, sizeof(sql), "SELECT %d + k FROM t WHERE k = 2", i);
		assert_int_equal(ft_store_prepare(store, &st, sql, &err), 0);
		assert_int_equal(ft_stmt_step(st, &err), 1);
		assert_int_equal(ft_stmt_column_int64(st, 0), i + 2);
		ft_stmt_free(st);
	}
	ft_store_close(store);
}

struct records {
	json_t *rows;
	const char *only; /* keep the records crediting this artist, or all */
};

static int credits(const char *list, const char *id)
{
	size_t n = strlen(id);
	const char *p = list;

	while ((p = strstr(p, id))) {
		if ((p == list || p[-1] == ' ' || p[-1] == ';') &&
		    (p[n] == '\0' || p[n] == ';' || p[n] == ' '))
			return 1;
		p += n;
	}
	return 0;
}

static int keep_record(void *ctx, const struct ft_catalog_record *rec, struct ft_error *err)
{
	struct records *r = ctx;
	json_t *o = json_object();
	size_t i;
	int match = !r->only;

	(void)err;
	for (i = 0; i < rec->count; i++) {
		json_object_set_new(o, rec->fields[i].name, json_string(rec->fields[i].value));
		if (r->only &&
		    (strcmp(rec->fields[i].name, "artists") == 0 ||
		     strcmp(rec->fields[i].name, "featured") == 0) &&
		    credits(rec->fields[i].value, r->only))
			match = 1;
	}
	if (match)
		json_array_append_new(r->rows, o);
	else
		json_decref(o);
	return 0;
}

static int keep_artist_id(void *ctx, const struct ft_catalog_record *rec, struct ft_error *err)
{
	(void)err;
	json_array_append_new(ctx, json_string(rec->fields[0].value));
	return 0;
}

static void test_an_artists_tracks_are_the_catalogues_records_that_credit_them(void **state)
{
	static const char *const files[] = {"labels", "artists",      "partners",
					    "tracks", "contributors", "plans"};
	struct ft_catalog *cat = NULL;
	struct ft_store *store = NULL;
	struct ft_error err;
	json_t *artists = json_array();
	size_t i, checked = 0;

	(void)state;
	fresh_ledger("catalog");
	ft_error_clear(&err);
	assert_int_equal(ft_catalog_new(&cat, &err), 0);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[256];

		snprintf(path, sizeof(path), "samples/catalog/%s.csv", files[i]);
		if (ft_catalog_parse_file(cat, path, NULL, &err))
			fail_msg("%s", err.message);
	}
	assert_int_equal(ft_store_open(&store, ledger, 0, &err), 0);
	if (ft_catalog_import(store, cat, NULL, &err))
		fail_msg("%s", err.message);
	ft_catalog_free(cat);
	assert_int_equal(ft_catalog_list(store, FT_CATALOG_ARTISTS, keep_artist_id, artists, &err),
			 0);
	assert_true(json_array_size(artists) > 1);
	for (i = 0; i < json_array_size(artists); i++) {
		const char *id = json_string_value(json_array_get(artists, i));
		struct records whole = {json_array(), id}, direct = {json_array(), NULL};

		assert_int_equal(
		    ft_catalog_list(store, FT_CATALOG_TRACKS, keep_record, &whole, &err), 0);
		assert_int_equal(ft_catalog_artist_tracks(store, id, keep_record, &direct, &err),
				 0);
		assert_true(json_equal(whole.rows, direct.rows));
		checked += json_array_size(direct.rows);
		json_decref(whole.rows);
		json_decref(direct.rows);
	}
	assert_true(checked > 0);
	{
		struct records none = {json_array(), NULL};

		assert_int_equal(
		    ft_catalog_artist_tracks(store, "no-such-artist", keep_record, &none, &err), 0);
		assert_int_equal(json_array_size(none.rows), 0);
		json_decref(none.rows);
	}
	json_decref(artists);
	ft_store_close(store);
}

/* ----------------------------------------------------------------- cache */

static char *get_text(struct http_cache *c, struct ft_store *store, const char *key)
{
	size_t len = 0;
	char *body = http_cache_get(c, key, http_cache_generation(c, store), &len);

	if (body) {
		char *z = realloc(body, len + 1);

		assert_non_null(z);
		z[len] = '\0';
		body = z;
	}
	return body;
}

static void commit_elsewhere(const char *action)
{
	struct ft_store *other = NULL;
	struct ft_error err;

	ft_error_clear(&err);
	assert_int_equal(ft_store_open(&other, ledger, 0, &err), 0);
	assert_int_equal(ft_audit_add(other, 3, "ann", action, "x", NULL, "-", &err), 0);
	ft_store_close(other);
}

static void *first_look(void *arg)
{
	struct ft_store *store = NULL;

	assert_int_equal(ft_store_open(&store, ledger, 0, NULL), 0);
	(void)http_cache_generation(arg, store);
	ft_store_close(store);
	return NULL;
}

static void test_a_cached_reply_lives_only_until_the_ledger_changes(void **state)
{
	struct http_cache *c = NULL;
	struct ft_store *store = NULL;
	struct ft_error err;
	uint64_t g, before;
	pthread_t t;
	char *body;

	(void)state;
	fresh_ledger("cache");
	assert_int_equal(http_cache_new(&c, 1 << 20), 0);
	ft_error_clear(&err);
	assert_int_equal(ft_store_open(&store, ledger, 0, &err), 0);

	g = http_cache_generation(c, store);
	http_cache_put(c, "statement|ann|2026-10", g, "{\"v\":1}", 7);
	body = get_text(c, store, "statement|ann|2026-10");
	assert_non_null(body);
	assert_string_equal(body, "{\"v\":1}");
	free(body);
	assert_null(get_text(c, store, "statement|zed|2026-10"));

	/* Another connection commits (a CLI run, an import job, another worker):
	 * this connection's data_version shows it, the entry is gone. */
	commit_elsewhere("test.other");
	assert_null(get_text(c, store, "statement|ann|2026-10"));

	/* This connection's own commit does not show in its data_version: the
	 * server invalidates after every request that is not a read. */
	g = http_cache_generation(c, store);
	http_cache_put(c, "k", g, "own", 3);
	assert_int_equal(ft_audit_add(store, 4, "ann", "test.own", "x", NULL, "-", &err), 0);
	http_cache_invalidate(c);
	assert_null(get_text(c, store, "k"));

	/* Computed from a ledger that changed meanwhile: never kept. */
	g = http_cache_generation(c, store);
	commit_elsewhere("test.during");
	before = http_cache_generation(c, store);
	assert_true(before != g);
	http_cache_put(c, "late", g, "stale", 5);
	assert_null(get_text(c, store, "late"));

	/* A thread's first look cannot know what happened before it: the
	 * generation moves on. */
	g = http_cache_generation(c, store);
	http_cache_put(c, "seen", g, "x", 1);
	assert_int_equal(pthread_create(&t, NULL, first_look, c), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_null(get_text(c, store, "seen"));

	ft_store_close(store);
	http_cache_free(c);
}

static void test_the_cache_stays_within_its_budget_dropping_the_least_recent(void **state)
{
	struct http_cache *c = NULL;
	struct ft_store *store = NULL;
	size_t hits, misses, bytes;
	char key[32], body[1024], *got;
	uint64_t g;
	int i;

	(void)state;
	fresh_ledger("budget");
	assert_int_equal(http_cache_new(&c, 64 * 1024), 0);
	assert_int_equal(ft_store_open(&store, ledger, 0, NULL), 0);
	g = http_cache_generation(c, store);
	memset(body, 'x', sizeof(body));
	for (i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		http_cache_put(c, key, g, body, sizeof(body));
		if (i == 10) { /* k0 used again: it outlives k1 */
			size_t n;

			got = http_cache_get(c, "k0", g, &n);
			assert_non_null(got);
			free(got);
		}
		http_cache_stats(c, &hits, &misses, &bytes);
		assert_true(bytes <= 64 * 1024);
	}
	assert_null(get_text(c, store, "k1"));
	got = get_text(c, store, "k199");
	assert_non_null(got);
	assert_int_equal(strlen(got), sizeof(body));
	free(got);
	/* A reply larger than an eighth of the budget is not kept at all. */
	{
		char *big = calloc(1, 9000);

		assert_non_null(big);
		memset(big, 'y', 8999);
		http_cache_put(c, "big", http_cache_generation(c, store), big, 8999);
		assert_null(get_text(c, store, "big"));
		free(big);
	}
	ft_store_close(store);
	http_cache_free(c);
}

/* ------------------------------------------------- statements, cached */

static void add_artist_user(struct ft_store *store, const char *name, enum ft_role role,
			    const char *payee)
{
	struct ft_error err;
	int64_t id = 0;

	ft_error_clear(&err);
	assert_int_equal(ft_user_add(store, name, role, NULL, &id, &err), 0);
	assert_int_equal(ft_user_set_password(store, id, PASSWORD, &err), 0);
	if (payee && ft_user_link_payee(store, id, payee, &err))
		fail_msg("%s", err.message);
}

static void import_zed(struct ft_store *store, const char *rate)
{
	struct ft_contracts_import_result res;
	struct ft_error err;
	char yaml[512];

	snprintf(yaml, sizeof(yaml),
		 "id: zed-recording\ntype: royalty\ncurrency: GBP\nfrequency: monthly\n"
		 "payees:\n  - id: zed\n    name: Zed Secret\n    share: 100%%\n"
		 "scope:\n  artists: [zed]\n  start: 2026-01-01\nrates:\n  - rate: %s\n",
		 rate);
	ft_error_clear(&err);
	if (ft_contracts_import(store, testutil_write_file(dir, "zed.yaml", yaml), &res, &err))
		fail_msg("%s", err.message);
	ft_contracts_import_result_free(&res);
}

static void run_october(struct ft_store *store)
{
	struct ft_run_summary sum;
	struct ft_period p;
	struct ft_error err;

	ft_error_clear(&err);
	assert_int_equal(ft_period_parse(&p, "2026-10", 7, &err), 0);
	if (ft_run_period(store, &p, &sum, &err))
		fail_msg("%s", err.message);
	ft_run_summary_free(&sum);
}

/* Two artists with a contract each (ann 20 %, zed 25 %), GBP usage, the
 * October 2026 run; an admin and each artist linked to their payee. */
static void statement_ledger(void)
{
	struct ft_contracts_import_result res;
	struct ft_store *store = NULL;
	struct ft_error err;

	fresh_ledger("statements");
	ft_error_clear(&err);
	assert_int_equal(ft_store_open(&store, ledger, 0, &err), 0);
	if (ft_store_exec(
		store,
		"INSERT INTO labels VALUES ('Test Label', 'GB');"
		"INSERT INTO partners VALUES ('dist', 'Dist', 'distributor', 'WW', '0', 'GBP');"
		"INSERT INTO artists VALUES ('ann', 'Ann', 'person', 'GB');"
		"INSERT INTO artists VALUES ('zed', 'Zed', 'person', 'GB');"
		"INSERT INTO tracks VALUES ('GBAAA2600001', 'Ann Song', 200);"
		"INSERT INTO tracks VALUES ('GBAAA2600002', 'Zed Secret Song', 180);"
		"INSERT INTO track_artists VALUES ('GBAAA2600001', 'main', 1, 'ann');"
		"INSERT INTO track_artists VALUES ('GBAAA2600002', 'main', 1, 'zed');"
		"INSERT INTO import_batches (id, sha256, file, bytes, partner_id, format,"
		" first_month, last_month, rows, suspense_rows, imported_at, usage_lines,"
		" rejected_lines) VALUES (1, 'x', 'reports/dist-2026-10.tsv', 1, 'dist',"
		" 'flat-tsv', '2026-10', '2026-10', 2, 0, '2026-11-01T00:00:00Z', 2, 0);"
		"INSERT INTO usage VALUES (1, '2026-10', 'GBAAA2600001', NULL, 'GB',"
		" 'SubscriptionModel', 'OnDemandStream', 'spotify', 'GBP', 1000, '100');"
		"INSERT INTO usage VALUES (1, '2026-10', 'GBAAA2600002', NULL, 'GB',"
		" 'SubscriptionModel', 'OnDemandStream', 'spotify', 'GBP', 500, '40');",
		&err))
		fail_msg("%s", err.message);
	if (ft_contracts_import(store,
				testutil_write_file(dir, "ann.yaml",
						    "id: ann-recording\ntype: royalty\n"
						    "currency: GBP\nfrequency: monthly\n"
						    "payees:\n  - id: ann\n    share: 100%\n"
						    "scope:\n  artists: [ann]\n"
						    "  start: 2026-01-01\nrates:\n"
						    "  - rate: 20%\n"),
				&res, &err))
		fail_msg("%s", err.message);
	ft_contracts_import_result_free(&res);
	import_zed(store, "25%");
	run_october(store);
	add_artist_user(store, "boss", FT_ROLE_ADMIN, NULL);
	add_artist_user(store, "annie", FT_ROLE_ARTIST, "ann");
	{
		struct ft_user u;

		assert_int_equal(ft_user_get(store, "annie", &u, &err), 0);
		assert_int_equal(ft_user_link_artist(store, u.id, "ann", &err), 0);
	}
	add_artist_user(store, "zeddy", FT_ROLE_ARTIST, "zed");
	ft_store_close(store);
}

static void sign_in(unsigned port, const char *user, char cookie[FT_TOKEN_HEX + 1])
{
	char body[256], buf[16384];

	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"" PASSWORD "\"}", user);
	assert_int_equal(request(port, "POST", "/api/login", NULL, body, buf, sizeof(buf)), 200);
	snprintf(cookie, FT_TOKEN_HEX + 1, "%.64s", buf);
}

static char *fetch(unsigned port, const char *path, const char *cookie, int want)
{
	char buf[16384];
	int status = request(port, "GET", path, cookie, NULL, buf, sizeof(buf));

	if (status != want)
		fail_msg("GET %s: %d, expected %d (%s)", path, status, want, buf);
	return strdup(buf);
}

static void test_a_cached_statement_changes_with_a_reimported_contract_or_a_rerun(void **state)
{
	struct ft_http_server *server;
	struct ft_store *store = NULL;
	char zed[FT_TOKEN_HEX + 1], *first, *again, *charts, *after_import, *after_run;
	size_t hits, misses, bytes;
	unsigned port;

	(void)state;
	statement_ledger();
	server = start(2);
	port = ft_http_port(server);
	sign_in(port, "zeddy", zed);
	first = fetch(port, "/api/statements/zed/2026-10", zed, 200);
	again = fetch(port, "/api/statements/zed/2026-10", zed, 200);
	assert_string_equal(first, again);
	assert_non_null(strstr(first, "\"payee\":\"zed\""));
	/* Each worker's first look empties the cache (cache.c): two workers,
	 * so the third of each is served from it at the latest. */
	free(fetch(port, "/api/statements/zed/2026-10", zed, 200));
	charts = fetch(port, "/api/statements/zed/2026-10/charts", zed, 200);
	free(fetch(port, "/api/statements/zed/2026-10/charts", zed, 200));
	free(fetch(port, "/api/statements/zed/2026-10/charts", zed, 200));
	http_cache_stats(http_server_cache((struct http_server *)server), &hits, &misses, &bytes);
	assert_true(hits >= 2); /* the third statement and the third charts */
	assert_true(bytes > 0);

	/* The contract re-imported with another rate (no run yet): the terms the
	 * statement prints change, so must the answer. */
	assert_int_equal(ft_store_open(&store, ledger, 0, NULL), 0);
	import_zed(store, "30%");
	after_import = fetch(port, "/api/statements/zed/2026-10", zed, 200);
	assert_string_not_equal(after_import, first);
	assert_non_null(strstr(after_import, "30"));

	/* Re-run: the figures change (30 % of 40 instead of 25 %). */
	run_october(store);
	ft_store_close(store);
	after_run = fetch(port, "/api/statements/zed/2026-10", zed, 200);
	assert_string_not_equal(after_run, after_import);
	free(charts);
	charts = fetch(port, "/api/statements/zed/2026-10/charts", zed, 200);
	assert_non_null(strstr(charts, "\"royalties\":\"12.00\""));
	free(first);
	free(again);
	free(charts);
	free(after_import);
	free(after_run);
	ft_http_stop(server);
}

static void test_another_payees_cached_statement_or_artist_is_still_404(void **state)
{
	struct ft_http_server *server;
	char boss[FT_TOKEN_HEX + 1], ann[FT_TOKEN_HEX + 1], *body;
	unsigned port;
	int i;

	(void)state;
	statement_ledger();
	server = start(2);
	port = ft_http_port(server);
	sign_in(port, "boss", boss);
	sign_in(port, "annie", ann);
	/* The label's admin fills the cache with zed's statement and charts. */
	free(fetch(port, "/api/statements/zed/2026-10", boss, 200));
	free(fetch(port, "/api/statements/zed/2026-10/charts", boss, 200));
	free(fetch(port, "/api/statements/zed/2026-10/charts", boss, 200));
	for (i = 0; i < 3; i++) {
		body = fetch(port, "/api/statements/zed/2026-10", ann, 404);
		assert_null(strstr(body, "Zed"));
		assert_null(strstr(body, "royalt"));
		free(body);
		body = fetch(port, "/api/statements/zed/2026-10/charts", ann, 404);
		assert_null(strstr(body, "Zed"));
		free(body);
		body = fetch(port, "/api/statements/zed/2026-10?account=zed-recording", ann, 404);
		free(body);
	}
	/* The same for an artist's page. */
	free(fetch(port, "/api/artists/zed", boss, 200));
	body = fetch(port, "/api/artists/zed", boss, 200);
	assert_non_null(strstr(body, "Zed Secret Song"));
	free(body);
	body = fetch(port, "/api/artists/zed", ann, 404);
	assert_null(strstr(body, "Zed"));
	free(body);
	/* ... and it follows the catalogue. */
	{
		struct ft_store *store = NULL;

		assert_int_equal(ft_store_open(&store, ledger, 0, NULL), 0);
		assert_int_equal(ft_store_exec(store,
					       "UPDATE tracks SET title = 'Zed Renamed Song' "
					       "WHERE isrc = 'GBAAA2600002'",
					       NULL),
				 0);
		ft_store_close(store);
	}
	body = fetch(port, "/api/artists/zed", boss, 200);
	assert_non_null(strstr(body, "Zed Renamed Song"));
	free(body);
	body = fetch(port, "/api/artists/ann", ann, 200);
	assert_non_null(strstr(body, "Ann Song"));
	free(body);
	/* Signed out: 401, cached or not. */
	body = fetch(port, "/api/statements/zed/2026-10", NULL, 401);
	free(body);
	/* Her own is hers. */
	body = fetch(port, "/api/statements/ann/2026-10", ann, 200);
	assert_non_null(strstr(body, "\"payee\":\"ann\""));
	free(body);
	ft_http_stop(server);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_a_failed_handlers_transaction_never_reaches_the_next_request),
	    cmocka_unit_test(test_workers_keep_one_connection_each_and_stop_closes_them),
	    cmocka_unit_test(test_a_reused_statement_starts_clean),
	    cmocka_unit_test(test_an_artists_tracks_are_the_catalogues_records_that_credit_them),
	    cmocka_unit_test(test_a_cached_reply_lives_only_until_the_ledger_changes),
	    cmocka_unit_test(test_the_cache_stays_within_its_budget_dropping_the_least_recent),
	    cmocka_unit_test(test_a_cached_statement_changes_with_a_reimported_contract_or_a_rerun),
	    cmocka_unit_test(test_another_payees_cached_statement_or_artist_is_still_404),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
