/* test_http_statements.c — the artist's statements over HTTP, driving the
 * real server on a ledger with a real run: an artist sees only the payees
 * linked to the account (list, statement, drill-down, charts, downloads;
 * anyone else's is the 404 of nothing, with no data in the body), label
 * staff see every payee, the figures are the ledger's, the drill-down
 * reaches the usage rows and import batches, downloads are audited. */
#include "testutil.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fairtrack/http.h"
#include "fairtrack/ledger_run.h"
#include "fairtrack/store.h"
#include "fairtrack/users.h"

#define PASSWORD "correct horse battery"

/*
 * The PDF download renders with cairo and fontconfig, which keep memory of
 * their own for the life of the process (test_render_pdf.c says which and
 * why): LeakSanitizer is told so, for this test binary only.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libcairo.so.2\nleak:libfontconfig.so.1\n";
}

static char dir[600], ledger[700];
static struct ft_http_server *server;
static unsigned port;

/* ---------------------------------------------------------------- client */

struct resp {
	int status;
	char head[8192];
	char *body; /* NUL-terminated, owned by the next request */
	size_t len;
};

static char *wire;

static void request(struct resp *r, const char *method, const char *path, const char *cookie,
		    const char *csrf, const char *body)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timeval tv = {.tv_sec = 20};
	char req[8192];
	size_t cap = 1 << 20, got = 0;
	char *sep;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int n;

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = snprintf(req, sizeof(req),
		     "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n"
		     "%s%s%s%s%s%s%sContent-Length: %zu\r\n\r\n%s",
		     method, path, port, cookie ? "Cookie: ft_session=" : "", cookie ? cookie : "",
		     cookie ? "\r\n" : "", csrf ? "X-CSRF-Token: " : "", csrf ? csrf : "",
		     csrf ? "\r\n" : "", body ? "Content-Type: application/json\r\n" : "",
		     body ? strlen(body) : 0, body ? body : "");
	assert_true(n > 0 && (size_t)n < sizeof(req));
	assert_int_equal(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
	free(wire);
	wire = malloc(cap + 1);
	assert_non_null(wire);
	for (;;) {
		ssize_t k = recv(fd, wire + got, cap - got, 0);

		if (k <= 0)
			break;
		got += (size_t)k;
		assert_true(got < cap);
	}
	close(fd);
	wire[got] = '\0';
	memset(r, 0, sizeof(*r));
	r->status = -1;
	assert_int_equal(sscanf(wire, "HTTP/1.1 %d", &r->status), 1);
	sep = strstr(wire, "\r\n\r\n");
	assert_non_null(sep);
	snprintf(r->head, sizeof(r->head), "%.*s", (int)(sep - wire), wire);
	r->body = sep + 4;
	r->len = got - (size_t)(r->body - wire);
}

struct who {
	char cookie[FT_TOKEN_HEX + 1];
	char csrf[FT_TOKEN_HEX + 1];
};

static int get(struct resp *r, const char *path, const struct who *who)
{
	request(r, "GET", path, who ? who->cookie : NULL, NULL, NULL);
	return r->status;
}

static void login(struct who *who, const char *username)
{
	struct resp r;
	char body[256];
	const char *c;
	json_t *j;

	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"" PASSWORD "\"}",
		 username);
	request(&r, "POST", "/api/login", NULL, NULL, body);
	assert_int_equal(r.status, 200);
	c = strstr(r.head, "Set-Cookie: ft_session=");
	assert_non_null(c);
	snprintf(who->cookie, sizeof(who->cookie), "%.64s", c + strlen("Set-Cookie: ft_session="));
	j = json_loads(r.body, 0, NULL);
	assert_non_null(j);
	snprintf(who->csrf, sizeof(who->csrf), "%s", json_string_value(json_object_get(j, "csrf")));
	json_decref(j);
}

static json_t *get_json(const char *path, const struct who *who, int want)
{
	struct resp r;
	json_t *j;

	if (get(&r, path, who) != want)
		fail_msg("GET %s: %d, expected %d (%s)", path, r.status, want, r.body);
	j = json_loads(r.body, 0, NULL);
	assert_non_null(j);
	return j;
}

/* ----------------------------------------------------------------- setup */

static void add_user(struct ft_store *store, const char *name, enum ft_role role, const char *payee)
{
	struct ft_error err;
	int64_t id = 0;

	ft_error_clear(&err);
	assert_int_equal(ft_user_add(store, name, role, NULL, &id, &err), 0);
	assert_int_equal(ft_user_set_password(store, id, PASSWORD, &err), 0);
	if (payee && ft_user_link_payee(store, id, payee, &err))
		fail_msg("%s", err.message);
}

/*
 * Two artists, two contracts: ann-recording (Ann 50 % and Bob 50 % of 20 %,
 * an advance of 10 to Ann) over "Ann Song", zed-recording (Zed 100 % of
 * 25 %) over "Zed Secret Song"; USD reports at 0.8 through a 10 %
 * distributor, on two stores in two territories; October 2026 run.
 */
static int setup(void **state)
{
	struct ft_contracts_import_result res;
	struct ft_run_summary sum;
	struct ft_store *store = NULL;
	struct ft_http_opts opts;
	struct ft_error err;
	struct ft_period p;
	char cmd[1400], web[700];
	size_t n;

	snprintf(dir, sizeof(dir), "%s/http-statements", testutil_tmpdir());
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s/web'", dir, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(web, sizeof(web), "%s/web", dir);
	testutil_write_file(dir, "web/index.html", "<!doctype html><title>t</title>\n");
	snprintf(ledger, sizeof(ledger), "%s/ledger", dir);
	ft_error_clear(&err);
	assert_int_equal(ft_store_open(&store, ledger, FT_STORE_CREATE, &err), 0);
	if (ft_store_exec(
		store,
		"INSERT INTO labels VALUES ('Test Label', 'GB');"
		"INSERT INTO partners VALUES ('dist', 'Dist', 'distributor', 'WW', '10', 'USD');"
		"INSERT INTO artists VALUES ('ann', 'Ann', 'person', 'GB');"
		"INSERT INTO artists VALUES ('zed', 'Zed', 'person', 'GB');"
		"INSERT INTO tracks VALUES ('GBAAA2600001', 'Ann Song', 200);"
		"INSERT INTO tracks VALUES ('GBAAA2600002', 'Zed Secret Song', 180);"
		"INSERT INTO track_artists VALUES ('GBAAA2600001', 'main', 1, 'ann');"
		"INSERT INTO track_artists VALUES ('GBAAA2600002', 'main', 1, 'zed');"
		"INSERT INTO import_batches (id, sha256, file, bytes, partner_id, format,"
		" first_month, last_month, rows, suspense_rows, imported_at, usage_lines,"
		" rejected_lines) VALUES (1, 'x', 'reports/dist-2026-10.tsv', 1, 'dist',"
		" 'flat-tsv', '2026-10', '2026-10', 4, 0, '2026-11-01T00:00:00Z', 5, 1);"
		"INSERT INTO usage VALUES (1, '2026-10', 'GBAAA2600001', NULL, 'GB',"
		" 'SubscriptionModel', 'OnDemandStream', 'spotify', 'USD', 1000, '100');"
		"INSERT INTO usage VALUES (1, '2026-10', 'GBAAA2600001', NULL, 'US',"
		" 'PayAsYouGoModel', 'PermanentDownload', 'itunes', 'USD', 10, '50');"
		"INSERT INTO usage VALUES (1, '2026-10', 'GBAAA2600002', NULL, 'GB',"
		" 'SubscriptionModel', 'OnDemandStream', 'spotify', 'USD', 500, '40');"
		"INSERT INTO usage VALUES (1, '2026-10', 'GBAAA2600002', NULL, 'JP',"
		" 'SubscriptionModel', 'OnDemandStream', 'spotify', 'USD', 700, '60');",
		&err))
		fail_msg("%s", err.message);
	if (ft_contracts_import(store,
				testutil_write_file(dir, "ann.yaml",
						    "id: ann-recording\n"
						    "type: royalty\n"
						    "currency: GBP\n"
						    "frequency: monthly\n"
						    "payees:\n"
						    "  - id: ann\n"
						    "    name: Ann Example\n"
						    "    share: 50%\n"
						    "  - id: bob\n"
						    "    share: 50%\n"
						    "scope:\n"
						    "  artists: [ann]\n"
						    "  start: 2026-01-01\n"
						    "rates:\n"
						    "  - rate: 20%\n"
						    "advances:\n"
						    "  - amount: 10.00\n"
						    "    currency: GBP\n"
						    "    date: 2026-10-01\n"
						    "    payee: ann\n"),
				&res, &err))
		fail_msg("%s", err.message);
	ft_contracts_import_result_free(&res);
	if (ft_contracts_import(store,
				testutil_write_file(dir, "zed.yaml",
						    "id: zed-recording\n"
						    "type: royalty\n"
						    "currency: GBP\n"
						    "frequency: monthly\n"
						    "payees:\n"
						    "  - id: zed\n"
						    "    name: Zed Secret\n"
						    "    share: 100%\n"
						    "scope:\n"
						    "  artists: [zed]\n"
						    "  start: 2026-01-01\n"
						    "rates:\n"
						    "  - rate: 25%\n"),
				&res, &err))
		fail_msg("%s", err.message);
	ft_contracts_import_result_free(&res);
	if (ft_fx_import(
		store,
		testutil_write_file(dir, "fx.csv", "period,from,to,rate\n2026-Q4,USD,GBP,0.8\n"),
		&n, &err))
		fail_msg("%s", err.message);
	assert_int_equal(ft_period_parse(&p, "2026-10", 7, &err), 0);
	if (ft_run_period(store, &p, &sum, &err))
		fail_msg("%s", err.message);
	ft_run_summary_free(&sum);
	add_user(store, "boss", FT_ROLE_ADMIN, NULL);
	add_user(store, "ines", FT_ROLE_STAFF, NULL);
	add_user(store, "ann", FT_ROLE_ARTIST, "ann");
	add_user(store, "zed", FT_ROLE_ARTIST, "zed");
	add_user(store, "nolink", FT_ROLE_ARTIST, NULL);
	add_user(store, "annbob", FT_ROLE_ARTIST, "ann");
	{
		struct ft_user u;

		assert_int_equal(ft_user_get(store, "annbob", &u, &err), 0);
		assert_int_equal(ft_user_link_payee(store, u.id, "bob", &err), 0);
	}
	ft_store_close(store);

	ft_http_opts_default(&opts);
	opts.ledger = ledger;
	opts.listen = "127.0.0.1:0";
	opts.web_root = web;
	opts.threads = 2;
	opts.grace = 2;
	assert_int_equal(ft_http_start(&server, &opts, &err), 0);
	port = ft_http_port(server);
	(void)state;
	return 0;
}

static int teardown(void **state)
{
	ft_http_stop(server);
	server = NULL;
	free(wire);
	wire = NULL;
	(void)state;
	return 0;
}

/* ----------------------------------------------------------------- tests */

static const char *payee_of(json_t *row)
{
	return json_string_value(json_object_get(row, "payee"));
}

static void test_artist_lists_only_the_statements_of_their_payees(void **state)
{
	struct who ann, zed, nolink, ines;
	json_t *j, *rows;
	size_t i;

	(void)state;
	login(&ann, "ann");
	login(&zed, "zed");
	login(&nolink, "nolink");
	login(&ines, "ines");
	j = get_json("/api/statements", &ann, 200);
	rows = json_object_get(j, "statements");
	assert_int_equal(json_array_size(rows), 1);
	assert_string_equal(payee_of(json_array_get(rows, 0)), "ann");
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 0), "period")),
			    "2026-10");
	json_decref(j);
	/* Asking for someone else's payee is an empty list, like no statements. */
	j = get_json("/api/statements?payee=zed", &ann, 200);
	assert_int_equal(json_array_size(json_object_get(j, "statements")), 0);
	json_decref(j);
	j = get_json("/api/statements", &nolink, 200);
	assert_int_equal(json_array_size(json_object_get(j, "statements")), 0);
	json_decref(j);
	j = get_json("/api/statements", &zed, 200);
	rows = json_object_get(j, "statements");
	assert_int_equal(json_array_size(rows), 1);
	assert_string_equal(payee_of(json_array_get(rows, 0)), "zed");
	json_decref(j);
	/* Label staff see every payee's. */
	j = get_json("/api/statements", &ines, 200);
	rows = json_object_get(j, "statements");
	assert_int_equal(json_integer_value(json_object_get(j, "total")), 3);
	for (i = 0; i < json_array_size(rows); i++)
		assert_non_null(strstr("ann bob zed", payee_of(json_array_get(rows, i))));
	json_decref(j);
	j = get_json("/api/statements?payee=bob&limit=1", &ines, 200);
	assert_int_equal(json_array_size(json_object_get(j, "statements")), 1);
	json_decref(j);
	j = get_json("/api/statements?limit=0", &ines, 400);
	json_decref(j);
}

static void test_an_account_with_two_payees_pages_over_both(void **state)
{
	struct who annbob;
	json_t *j;

	(void)state;
	login(&annbob, "annbob");
	j = get_json("/api/statements", &annbob, 200);
	assert_int_equal(json_integer_value(json_object_get(j, "total")), 2);
	assert_int_equal(json_array_size(json_object_get(j, "payees")), 2);
	json_decref(j);
	j = get_json("/api/statements?limit=1", &annbob, 200);
	assert_int_equal(json_array_size(json_object_get(j, "statements")), 1);
	assert_string_equal(payee_of(json_array_get(json_object_get(j, "statements"), 0)), "ann");
	assert_int_equal(json_integer_value(json_object_get(j, "total")), 2);
	json_decref(j);
	j = get_json("/api/statements?limit=1&offset=1", &annbob, 200);
	assert_int_equal(json_array_size(json_object_get(j, "statements")), 1);
	assert_string_equal(payee_of(json_array_get(json_object_get(j, "statements"), 0)), "bob");
	json_decref(j);
	j = get_json("/api/statements?offset=2", &annbob, 200);
	assert_int_equal(json_array_size(json_object_get(j, "statements")), 0);
	json_decref(j);
	j = get_json("/api/statements?payee=bob", &annbob, 200);
	assert_int_equal(json_array_size(json_object_get(j, "statements")), 1);
	json_decref(j);
	/* Each of its payees' statements opens; zed's still does not. */
	j = get_json("/api/statements/bob/2026-10", &annbob, 200);
	json_decref(j);
	j = get_json("/api/statements/zed/2026-10", &annbob, 404);
	json_decref(j);
}

static const char *summary(json_t *st, const char *key)
{
	return json_string_value(json_object_get(json_object_get(st, "summary"), key));
}

static void test_statement_shows_the_ledgers_figures(void **state)
{
	struct who ann, ines;
	json_t *st, *lines;
	size_t i;

	(void)state;
	login(&ann, "ann");
	st = get_json("/api/statements/ann/2026-10", &ann, 200);
	assert_string_equal(json_string_value(json_object_get(st, "payee_name")), "Ann Example");
	assert_string_equal(json_string_value(json_object_get(st, "account")), "ann-recording");
	assert_string_equal(json_string_value(json_object_get(st, "currency")), "GBP");
	/* GB: USD 100 × 0.8 = 80, less 10 % = 72, 20 % × 50 % = 7.20;
	 * US: USD 50 → 36 → 3.60.  Royalties 10.80 less the advance of 10. */
	assert_string_equal(summary(st, "royalties"), "10.80");
	assert_string_equal(summary(st, "advances"), "10.00");
	assert_string_equal(summary(st, "balance"), "0.80");
	assert_string_equal(summary(st, "payable"), "0.80");
	assert_int_equal(
	    testutil_count(ledger,
			   "SELECT payable = '0.8' FROM run_statements WHERE payee = 'ann'"),
	    1);
	lines = json_object_get(st, "lines");
	assert_int_equal(json_array_size(lines), 2);
	for (i = 0; i < 2; i++)
		assert_string_equal(
		    json_string_value(json_object_get(json_array_get(lines, i), "track")),
		    "Ann Song");
	assert_true(json_array_size(json_object_get(st, "terms")) >= 2);
	assert_int_equal(json_array_size(json_object_get(st, "charges")), 1);
	assert_int_equal(json_array_size(json_object_get(st, "fx")), 1);
	assert_int_equal(
	    json_array_size(json_object_get(json_object_get(st, "breakdowns"), "territory")), 2);
	/* Nothing of the other artist's. */
	{
		char *text = json_dumps(st, 0);

		assert_null(strstr(text, "Zed"));
		free(text);
	}
	json_decref(st);
	/* Label staff open any payee's page. */
	login(&ines, "ines");
	st = get_json("/api/statements/zed/2026-10", &ines, 200);
	assert_string_equal(json_string_value(json_object_get(st, "payee_name")), "Zed Secret");
	json_decref(st);
	st = get_json("/api/statements/bob/2026-10", &ines, 200);
	assert_string_equal(summary(st, "payable"), "10.80"); /* no advance */
	json_decref(st);
}

static void test_another_payees_statement_charts_lines_and_downloads_are_404(void **state)
{
	static const char *const paths[] = {
	    "/api/statements/%s/2026-10",
	    "/api/statements/%s/2026-10/lines",
	    "/api/statements/%s/2026-10/charts",
	    "/api/statements/%s/2026-10/download/pdf",
	    "/api/statements/%s/2026-10/download/csv",
	    "/api/statements/%s/2026-10/download/xlsx",
	    "/api/statements/%s/2026-10/lines?account=zed-recording",
	    "/api/statements/%s/2026-10/download/pdf?account=zed-recording",
	};
	int64_t downloads = testutil_count(ledger, "SELECT COUNT(*) FROM audit_log WHERE action ="
						   " 'statement.download'");
	struct who ann, nolink;
	size_t i;

	(void)state;
	login(&ann, "ann");
	login(&nolink, "nolink");
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct resp theirs, nobody;
		char path[256], missing[256];
		char *theirs_body;

		snprintf(path, sizeof(path), paths[i], "zed");
		snprintf(missing, sizeof(missing), paths[i], "no-such-payee");
		if (get(&theirs, path, &ann) != 404)
			fail_msg("ann GET %s: %d (%s)", path, theirs.status, theirs.body);
		theirs_body = strdup(theirs.body);
		assert_null(strstr(theirs_body, "Zed"));
		assert_null(strstr(theirs_body, "zed-recording"));
		assert_null(strstr(theirs_body, "%PDF"));
		assert_int_equal(get(&nobody, missing, &ann), 404);
		/* The same answer as for a payee that does not exist. */
		assert_string_equal(theirs_body, nobody.body);
		free(theirs_body);
		assert_int_equal(get(&theirs, path, &nolink), 404);
		assert_int_equal(get(&theirs, path, NULL), 401);
	}
	/* A period without a run, or one that does not parse, is the same 404. */
	assert_int_equal(get(&(struct resp){0}, "/api/statements/ann/2026-11", &ann), 404);
	assert_int_equal(get(&(struct resp){0}, "/api/statements/ann/2026-13", &ann), 404);
	assert_int_equal(get(&(struct resp){0}, "/api/statements/ann/'%20OR%201=1", &ann), 404);
	/* No download happened. */
	assert_int_equal(testutil_count(ledger, "SELECT COUNT(*) FROM audit_log WHERE action ="
						" 'statement.download'"),
			 downloads);
}

static void test_drill_down_reaches_usage_rows_rates_and_batches(void **state)
{
	json_t *j, *lines, *row, *batch;
	struct who ann;
	size_t i;

	(void)state;
	login(&ann, "ann");
	j = get_json("/api/statements/ann/2026-10/lines", &ann, 200);
	assert_int_equal(json_integer_value(json_object_get(j, "total")), 2);
	/* Each line's note is its arithmetic from the royalty line: the rule
	 * and its place in the contract file, the payee's share and part, the
	 * usage row it came from. */
	lines = json_object_get(j, "lines");
	assert_int_equal(json_array_size(lines), 2);
	for (i = 0; i < 2; i++) {
		const char *note;
		char want[64];

		row = json_array_get(lines, i);
		note = json_string_value(json_object_get(row, "note"));
		snprintf(want, sizeof(want), "usage row %lld:",
			 (long long)json_integer_value(json_object_get(row, "usage_row")));
		assert_true(json_integer_value(json_object_get(row, "usage_row")) > 0);
		if (!strstr(note, "ACCT-3 rates[1] (") || !strstr(note, "ann.yaml:15) 20%") ||
		    !strstr(note, "ACCT-4 ann 50% = ") || !strstr(note, want))
			fail_msg("line %zu: %s", i, note);
	}
	json_decref(j);
	j = get_json("/api/statements/ann/2026-10/lines?territory=US&store=itunes", &ann, 200);
	lines = json_object_get(j, "lines");
	assert_int_equal(json_array_size(lines), 1);
	row = json_array_get(lines, 0);
	assert_string_equal(json_string_value(json_object_get(row, "royalty")), "3.6");
	assert_string_equal(json_string_value(json_object_get(row, "revenue")), "50");
	assert_string_equal(json_string_value(json_object_get(row, "currency")), "USD");
	assert_int_equal(json_integer_value(json_object_get(row, "usages")), 10);
	assert_string_equal(json_string_value(json_object_get(row, "track")), "Ann Song");
	/* The run's arithmetic: base, rate, share, exchange rate, fee. */
	assert_non_null(strstr(json_string_value(json_object_get(row, "note")), "ACCT-2 base 36"));
	assert_non_null(strstr(json_string_value(json_object_get(row, "note")), "fx 0.8"));
	batch = json_object_get(json_object_get(j, "batches"), "1");
	assert_non_null(batch);
	assert_string_equal(json_string_value(json_object_get(batch, "file")), "dist-2026-10.tsv");
	assert_string_equal(json_string_value(json_object_get(batch, "partner_name")), "Dist");
	assert_int_equal(json_integer_value(json_object_get(batch, "usage_lines")), 5);
	assert_int_equal(json_integer_value(json_object_get(batch, "rejected_lines")), 1);
	json_decref(j);
	j = get_json("/api/statements/ann/2026-10/lines?territory=FR", &ann, 200);
	assert_int_equal(json_array_size(json_object_get(j, "lines")), 0);
	json_decref(j);
	j = get_json("/api/statements/ann/2026-10/lines?account=zed-recording", &ann, 404);
	json_decref(j);
	j = get_json("/api/statements/ann/2026-10/lines?limit=5000", &ann, 400);
	json_decref(j);
}

static void test_charts_add_up_to_the_statement(void **state)
{
	json_t *j, *terr;
	struct who ann;

	(void)state;
	login(&ann, "ann");
	j = get_json("/api/statements/ann/2026-10/charts", &ann, 200);
	assert_string_equal(json_string_value(json_object_get(j, "royalties")), "10.80");
	terr = json_object_get(j, "territories");
	assert_int_equal(json_array_size(terr), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(terr, 0), "label")),
			    "GB");
	assert_string_equal(json_string_value(json_object_get(json_array_get(terr, 0), "royalty")),
			    "7.20");
	assert_string_equal(json_string_value(json_object_get(json_array_get(terr, 1), "royalty")),
			    "3.60");
	assert_int_equal(json_array_size(json_object_get(j, "stores")), 2);
	assert_int_equal(json_array_size(json_object_get(j, "tracks")), 1);
	assert_int_equal(json_array_size(json_object_get(j, "history")), 1);
	json_decref(j);
}

static void test_downloads_are_files_and_audited(void **state)
{
	int64_t before = testutil_count(ledger, "SELECT COUNT(*) FROM audit_log WHERE action ="
						" 'statement.download'");
	struct resp r;
	struct who ann;

	(void)state;
	login(&ann, "ann");
	assert_int_equal(get(&r, "/api/statements/ann/2026-10/download/pdf", &ann), 200);
	assert_true(r.len > 1000);
	assert_memory_equal(r.body, "%PDF", 4);
	assert_non_null(strstr(r.head, "Content-Type: application/pdf"));
	assert_non_null(strstr(r.head, "Content-Disposition: attachment; filename=\"2026-10_ann_"));
	assert_non_null(strstr(r.head, "Cache-Control: no-store"));
	assert_int_equal(get(&r, "/api/statements/ann/2026-10/download/csv", &ann), 200);
	assert_non_null(strstr(r.body, "Ann Song"));
	assert_null(strstr(r.body, "Zed"));
	assert_non_null(strstr(r.head, ".csv\""));
	assert_int_equal(get(&r, "/api/statements/ann/2026-10/download/xlsx", &ann), 200);
	assert_memory_equal(r.body, "PK", 2);
	assert_int_equal(get(&r, "/api/statements/ann/2026-10/download/exe", &ann), 404);
	assert_int_equal(testutil_count(ledger, "SELECT COUNT(*) FROM audit_log WHERE action ="
						" 'statement.download'"),
			 before + 3);
	assert_int_equal(testutil_count(ledger,
					"SELECT COUNT(*) FROM audit_log WHERE action ="
					" 'statement.download' AND actor = 'ann' AND target ="
					" 'ann/2026-10/ann-recording' AND detail = 'pdf'"),
			 1);
}

static void test_me_lists_payees_and_an_invite_links_them(void **state)
{
	struct who boss, ann;
	struct resp r;
	json_t *j;

	(void)state;
	login(&ann, "ann");
	j = get_json("/api/me", &ann, 200);
	assert_string_equal(json_string_value(json_array_get(
				json_object_get(json_object_get(j, "user"), "payees"), 0)),
			    "ann");
	json_decref(j);
	login(&boss, "boss");
	request(&r, "POST", "/api/users", boss.cookie, boss.csrf,
		"{\"username\":\"bob\",\"role\":\"artist\",\"payees\":[\"bob\"]}");
	assert_int_equal(r.status, 201);
	assert_int_equal(testutil_count(ledger,
					"SELECT COUNT(*) FROM user_payees p JOIN users u ON u.id ="
					" p.user_id WHERE u.username = 'bob' AND p.payee = 'bob'"),
			 1);
	/* An unknown payee refuses the whole invite. */
	request(&r, "POST", "/api/users", boss.cookie, boss.csrf,
		"{\"username\":\"carl\",\"role\":\"artist\",\"payees\":[\"nobody\"]}");
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "nobody"));
	assert_int_equal(
	    testutil_count(ledger, "SELECT COUNT(*) FROM users WHERE username = 'carl'"), 0);
	request(&r, "POST", "/api/users", boss.cookie, boss.csrf,
		"{\"username\":\"carl\",\"role\":\"artist\",\"payees\":\"bob\"}");
	assert_int_equal(r.status, 400);
	j = get_json("/api/users", &boss, 200);
	{
		char *text = json_dumps(j, 0);

		assert_non_null(strstr(text, "\"payees\": [\"bob\"]"));
		free(text);
	}
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_artist_lists_only_the_statements_of_their_payees),
	    cmocka_unit_test(test_an_account_with_two_payees_pages_over_both),
	    cmocka_unit_test(test_statement_shows_the_ledgers_figures),
	    cmocka_unit_test(test_another_payees_statement_charts_lines_and_downloads_are_404),
	    cmocka_unit_test(test_drill_down_reaches_usage_rows_rates_and_batches),
	    cmocka_unit_test(test_charts_add_up_to_the_statement),
	    cmocka_unit_test(test_downloads_are_files_and_audited),
	    cmocka_unit_test(test_me_lists_payees_and_an_invite_links_them),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
