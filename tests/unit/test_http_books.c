/* test_http_books.c — the label's pages through the real server on a temp
 * ledger holding the sample label (catalogue, contracts, rates): a report
 * uploaded as a stream and imported by a job, the same file refused as a
 * duplicate, a bad report refused with its line, hostile uploads (too big,
 * no CSRF token, wrong role, multipart, no partner) refused with nothing
 * written, re-match, run and close with a confirmation, payees and balances,
 * and months no run covers: a run refused naming them, then a month marked
 * accounted elsewhere (reason and confirmation) or included in the run. */
#include "testutil.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fairtrack/catalog.h"
#include "fairtrack/http.h"
#include "fairtrack/ledger_run.h"
#include "fairtrack/store.h"
#include "fairtrack/users.h"

#define PASSWORD "correct horse battery"
#define REPORT "samples/reports/usage-2026-10.tsv"
#define MAX_UPLOAD (256 * 1024)

static char ledger[1024], uploads[1100];
static struct ft_http_server *server;
static unsigned port;

/* ---------------------------------------------------------------- client */

struct resp {
	int status;
	char head[8192];
	char *body; /* NUL-terminated; freed by the next call */
	json_t *json;
};

static struct resp last;

static void resp_clear(struct resp *r)
{
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

static int connect_server(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timeval tv = {.tv_sec = 30};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Send head then body (either may be cut short by the server), read the
 * whole reply; status -1 when the connection ended without one. */
static int exchange(const char *head, const char *body, size_t body_len)
{
	size_t cap = 1 << 20, got = 0, off = 0;
	char *buf = malloc(cap + 1), *sep;
	int fd = connect_server();

	assert_non_null(buf);
	resp_clear(&last);
	last.status = -1;
	if (send(fd, head, strlen(head), MSG_NOSIGNAL) > 0) {
		while (off < body_len) {
			ssize_t w = send(fd, body + off, body_len - off, MSG_NOSIGNAL);

			if (w <= 0)
				break;
			off += (size_t)w;
		}
	}
	for (;;) {
		ssize_t k = recv(fd, buf + got, cap - got, 0);

		if (k <= 0 || (got += (size_t)k) == cap)
			break;
	}
	close(fd);
	buf[got] = '\0';
	if (sscanf(buf, "HTTP/1.%*d %d", &last.status) == 1 && (sep = strstr(buf, "\r\n\r\n"))) {
		snprintf(last.head, sizeof(last.head), "%.*s", (int)(sep - buf), buf);
		last.body = strdup(sep + 4);
		last.json = json_loads(last.body, 0, NULL);
	} else {
		last.status = -1;
		last.body = strdup("");
	}
	free(buf);
	return last.status;
}

struct who {
	char cookie[FT_TOKEN_HEX + 1];
	char csrf[FT_TOKEN_HEX + 1];
};

static int call(const char *method, const char *path, const struct who *who, const char *json)
{
	char head[2048];

	snprintf(head, sizeof(head),
		 "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n%s%s%s%s%s%s%s"
		 "Content-Length: %zu\r\n\r\n",
		 method, path, port, who ? "Cookie: ft_session=" : "", who ? who->cookie : "",
		 who ? "\r\n" : "", who && json ? "X-CSRF-Token: " : "",
		 who && json ? who->csrf : "", who && json ? "\r\n" : "",
		 json ? "Content-Type: application/json\r\n" : "", json ? strlen(json) : 0);
	return exchange(head, json, json ? strlen(json) : 0);
}

/* POST a file's bytes to /api/imports with query; extra headers replace the
 * defaults (octet-stream, the CSRF token) when given. */
static int upload(const char *query, const struct who *who, const char *data, size_t len,
		  const char *extra)
{
	char head[2048];

	snprintf(head, sizeof(head),
		 "POST /api/imports?%s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n"
		 "Cookie: ft_session=%s\r\n%s%s%s"
		 "Content-Length: %zu\r\n\r\n",
		 query, port, who->cookie, extra ? extra : "X-CSRF-Token: ", extra ? "" : who->csrf,
		 extra ? "" : "\r\nContent-Type: application/octet-stream\r\n", len);
	return exchange(head, data, len);
}

static void login(struct who *who, const char *username)
{
	char body[256];
	const char *c;

	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"" PASSWORD "\"}",
		 username);
	assert_int_equal(call("POST", "/api/login", NULL, body), 200);
	c = strstr(last.head, "Set-Cookie: ft_session=");
	assert_non_null(c);
	snprintf(who->cookie, sizeof(who->cookie), "%.64s", c + strlen("Set-Cookie: ft_session="));
	snprintf(who->csrf, sizeof(who->csrf), "%s",
		 json_string_value(json_object_get(last.json, "csrf")));
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	data[n] = '\0';
	*len = (size_t)n;
	return data;
}

/* Files under the upload directory (its job directories included). */
static int files_in_uploads(void)
{
	char cmd[1300];
	FILE *p;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "find '%s' -type f 2>/dev/null | wc -l", uploads);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

/* Poll a job until it is done or failed; the job's JSON (a new reference). */
static json_t *wait_job(const struct who *who, json_int_t id)
{
	char path[64];
	int i;

	snprintf(path, sizeof(path), "/api/imports/jobs/%lld", (long long)id);
	for (i = 0; i < 600; i++) {
		json_t *job;
		const char *state;

		assert_int_equal(call("GET", path, who, NULL), 200);
		job = json_object_get(last.json, "job");
		state = json_string_value(json_object_get(job, "state"));
		assert_non_null(state);
		if (strcmp(state, "done") == 0 || strcmp(state, "failed") == 0)
			return json_incref(job);
		usleep(50 * 1000);
	}
	fail_msg("job %lld did not finish", (long long)id);
	return NULL;
}

static json_int_t job_id(void)
{
	json_t *id = json_object_get(json_object_get(last.json, "job"), "id");

	assert_true(json_is_integer(id));
	return json_integer_value(id);
}

/* ----------------------------------------------------------------- setup */

static void add_user(struct ft_store *store, const char *name, enum ft_role role)
{
	int64_t id = 0;

	assert_int_equal(ft_user_add(store, name, role, NULL, &id, NULL), 0);
	assert_int_equal(ft_user_set_password(store, id, PASSWORD, NULL), 0);
}

static int setup(void **state)
{
	static const char *const catalog[] = {"labels", "artists", "partners", "tracks",
					      "contributors"};
	const char *tmp = testutil_tmpdir();
	struct ft_store *store = NULL;
	struct ft_catalog *cat = NULL;
	struct ft_catalog_changes changes;
	struct ft_contracts_import_result contracts;
	struct ft_http_opts opts;
	struct ft_error err;
	char path[1200], cmd[2600];
	size_t i, n;

	snprintf(ledger, sizeof(ledger), "%s/books/ledger.db", tmp);
	snprintf(uploads, sizeof(uploads), "%s/books/uploads", tmp);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/books' && mkdir -p '%s/books'", tmp, tmp);
	assert_int_equal(system(cmd), 0);
	ft_error_clear(&err);
	assert_int_equal(ft_store_open(&store, ledger, FT_STORE_CREATE, &err), 0);
	assert_int_equal(ft_catalog_new(&cat, &err), 0);
	for (i = 0; i < sizeof(catalog) / sizeof(catalog[0]); i++) {
		snprintf(path, sizeof(path), "samples/catalog/%s.csv", catalog[i]);
		if (ft_catalog_parse_file(cat, path, NULL, &err))
			fail_msg("%s", err.message);
	}
	memset(&changes, 0, sizeof(changes));
	if (ft_catalog_import(store, cat, &changes, &err))
		fail_msg("%s", err.message);
	ft_catalog_changes_free(&changes);
	ft_catalog_free(cat);
	memset(&contracts, 0, sizeof(contracts));
	if (ft_contracts_import(store, "samples/contracts", &contracts, &err))
		fail_msg("%s", err.message);
	ft_contracts_import_result_free(&contracts);
	if (ft_fx_import(store, "samples/fx/rates-2026-q4.csv", &n, &err))
		fail_msg("%s", err.message);
	add_user(store, "boss", FT_ROLE_ADMIN);
	add_user(store, "ines", FT_ROLE_STAFF);
	add_user(store, "aurora", FT_ROLE_ARTIST);
	ft_store_close(store);

	ft_http_opts_default(&opts);
	opts.ledger = ledger;
	opts.listen = "127.0.0.1:0";
	opts.web_root = "web";
	opts.threads = 2;
	opts.max_body = 4096;
	opts.max_upload = MAX_UPLOAD;
	opts.grace = 5;
	if (ft_http_start(&server, &opts, &err))
		fail_msg("%s", err.message);
	port = ft_http_port(server);
	return 0;
}

static int teardown(void **state)
{
	ft_http_stop(server);
	server = NULL;
	resp_clear(&last);
	return 0;
}

/* ----------------------------------------------------------------- tests */

static void test_uploaded_report_is_imported_by_a_job_and_refused_twice(void **state)
{
	struct who boss, ines;
	size_t len;
	char *data = read_file(REPORT, &len);
	json_t *job, *result;
	json_int_t id;

	login(&boss, "boss");
	login(&ines, "ines");
	assert_int_equal(upload("partner=north-sea&month=2026-10&name=usage-2026-10.tsv", &boss,
				data, len, NULL),
			 202);
	id = job_id();
	job = wait_job(&ines, id); /* staff may watch */
	assert_string_equal(json_string_value(json_object_get(job, "state")), "done");
	assert_int_equal(json_integer_value(json_object_get(job, "bytes")), len);
	result = json_object_get(job, "result");
	assert_true(json_integer_value(json_object_get(result, "batch_id")) > 0);
	assert_true(json_integer_value(json_object_get(result, "rows")) > 0);
	assert_int_equal(json_integer_value(json_object_get(result, "usage_lines")), 749);
	assert_string_equal(json_string_value(json_object_get(result, "first_month")), "2026-10");
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(job, "progress"), "bytes_done")),
	    len);
	json_decref(job);
	assert_int_equal(testutil_count(ledger, "SELECT COUNT(*) FROM import_batches"), 1);
	/* The batch names the kept copy of the report, under its own name. */
	assert_int_equal(testutil_count(ledger,
					"SELECT COUNT(*) FROM import_batches WHERE file LIKE"
					" '%/uploads/%/usage-2026-10.tsv'"),
			 1);
	assert_int_equal(files_in_uploads(), 1);
	assert_int_equal(
	    testutil_count(ledger, "SELECT COUNT(*) FROM audit_log WHERE action = 'import.report'"),
	    1);

	/* The same bytes again: accepted as an upload, refused by the import. */
	assert_int_equal(
	    upload("partner=north-sea&month=2026-10&name=again.tsv", &boss, data, len, NULL), 202);
	job = wait_job(&boss, job_id());
	assert_string_equal(json_string_value(json_object_get(job, "state")), "failed");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(job, "error"), "code")), "duplicate");
	assert_non_null(
	    strstr(json_string_value(json_object_get(json_object_get(job, "error"), "message")),
		   "already imported as batch"));
	/* The message names the file as the user sent it, not the server's path. */
	assert_null(
	    strstr(json_string_value(json_object_get(json_object_get(job, "error"), "message")),
		   "/uploads/"));
	json_decref(job);
	assert_int_equal(testutil_count(ledger, "SELECT COUNT(*) FROM import_batches"), 1);
	assert_int_equal(files_in_uploads(), 1);
	/* Both jobs are listed, newest first. */
	assert_int_equal(call("GET", "/api/imports/jobs", &ines, NULL), 200);
	assert_int_equal(json_array_size(json_object_get(last.json, "jobs")), 2);
	free(data);
}

static void test_a_bad_report_is_refused_with_its_line_and_the_count_of_bad_lines(void **state)
{
	static const char bad[] =
	    "SalesTransactionId\tISRC\tUPC\tTerritory\tCommercialModel\tUseType\tUsages\tCurrency"
	    "\tRevenue\n"
	    "X-1\tGBNLR2600001\t\tGB\tSubscriptionModel\tOnDemandStream\t10\tGBP\t1.50\n"
	    "X-2\tGBNLR2600001\t\tGB\tSubscriptionModel\tOnDemandStream\t10\tGBP\t12,50\n"
	    "X-3\tGBNLR2600001\t\tGB\tSubscriptionModel\tOnDemandStream\t10\tGBP\t2.00\n"
	    "X-4\tGBNLR2600001\t\tGB\tSubscriptionModel\tOnDemandStream\t10\tGBP\tlots\n";
	struct who boss;
	json_t *job, *error, *reasons;
	const char *reason;
	int64_t batches = testutil_count(ledger, "SELECT COUNT(*) FROM import_batches");
	int files = files_in_uploads();

	login(&boss, "boss");
	assert_int_equal(upload("partner=north-sea&month=2026-11&name=bad.tsv", &boss, bad,
				sizeof(bad) - 1, NULL),
			 202);
	job = wait_job(&boss, job_id());
	error = json_object_get(job, "error");
	assert_string_equal(json_string_value(json_object_get(job, "state")), "failed");
	assert_int_equal(json_integer_value(json_object_get(error, "line")), 3);
	assert_string_equal(json_string_value(json_object_get(error, "file")), "bad.tsv");
	assert_non_null(strstr(json_string_value(json_object_get(error, "message")), "bad.tsv:3"));
	assert_int_equal(json_integer_value(json_object_get(error, "bad_lines")), 2);
	assert_int_equal(json_array_size(json_object_get(error, "bad_line_samples")), 2);
	/* Each bad line has its own reason, named by the file as uploaded. */
	reasons = json_object_get(error, "bad_line_reasons");
	assert_int_equal(json_array_size(reasons), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(reasons, 0), "line")),
			 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(reasons, 1), "line")),
			 5);
	reason = json_string_value(json_object_get(json_array_get(reasons, 1), "reason"));
	assert_non_null(reason);
	assert_non_null(strstr(reason, "bad.tsv:5"));
	assert_non_null(strstr(reason, "lots"));
	assert_null(strstr(reason, "/"));
	json_decref(job);
	assert_int_equal(testutil_count(ledger, "SELECT COUNT(*) FROM import_batches"), batches);
	assert_int_equal(files_in_uploads(), files);
}

static void test_hostile_uploads_are_refused_before_anything_is_written(void **state)
{
	static char big[MAX_UPLOAD + 4096];
	struct who boss, ines, aurora;
	char head[1024];
	int64_t batches = testutil_count(ledger, "SELECT COUNT(*) FROM import_batches");
	int files = files_in_uploads();
	int64_t audits =
	    testutil_count(ledger, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'import.%'");
	struct timespec t0, t1;

	login(&boss, "boss");
	login(&ines, "ines");
	login(&aurora, "aurora");
	memset(big, 'x', sizeof(big));
	/* Announced too big: 413 from the headers alone, the body never sent
	 * in full (the server answers and closes). */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	snprintf(head, sizeof(head),
		 "POST /api/imports?partner=north-sea&name=huge.tsv HTTP/1.1\r\nHost: x\r\n"
		 "Cookie: ft_session=%s\r\nX-CSRF-Token: %s\r\n"
		 "Content-Type: application/octet-stream\r\nContent-Length: 5000000000\r\n\r\n",
		 boss.cookie, boss.csrf);
	assert_int_equal(exchange(head, big, 1024), 413);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 5);
	/* Above the limit by its bytes (chunked: no length to refuse up front):
	 * 413, or cut when it keeps streaming; never stored. */
	{
		static char chunked[sizeof(big) + 16];
		int got;

		snprintf(head, sizeof(head),
			 "POST /api/imports?partner=north-sea&name=huge.tsv HTTP/1.1\r\n"
			 "Host: x\r\nConnection: close\r\nCookie: ft_session=%s\r\n"
			 "X-CSRF-Token: %s\r\nContent-Type: application/octet-stream\r\n"
			 "Transfer-Encoding: chunked\r\n\r\n%zx\r\n",
			 boss.cookie, boss.csrf, sizeof(big));
		memcpy(chunked, big, sizeof(big));
		memcpy(chunked + sizeof(big), "\r\n0\r\n\r\n", 7);
		got = exchange(head, chunked, sizeof(big) + 7);
		assert_true(got == 413 || got == -1);
	}
	/* No CSRF token, another session's token, a foreign origin. */
	assert_int_equal(upload("partner=north-sea&name=a.tsv", &boss, "a\tb\n", 4,
				"Content-Type: application/octet-stream\r\n"),
			 403);
	assert_int_equal(
	    upload("partner=north-sea&name=a.tsv", &boss, "a\tb\n", 4,
		   "Content-Type: application/octet-stream\r\nX-CSRF-Token: "
		   "0000000000000000000000000000000000000000000000000000000000000000\r\n"),
	    403);
	snprintf(head, sizeof(head),
		 "Content-Type: application/octet-stream\r\nX-CSRF-Token: %s\r\n"
		 "Origin: https://evil.example\r\n",
		 boss.csrf);
	assert_int_equal(upload("partner=north-sea&name=a.tsv", &boss, "a\tb\n", 4, head), 403);
	/* Staff and artists may not upload, even with their own token. */
	assert_int_equal(upload("partner=north-sea&name=a.tsv", &ines, "a\tb\n", 4, NULL), 403);
	assert_int_equal(upload("partner=north-sea&name=a.tsv", &aurora, "a\tb\n", 4, NULL), 403);
	/* Not signed in. */
	assert_int_equal(exchange("POST /api/imports?partner=north-sea HTTP/1.1\r\nHost: x\r\n"
				  "Content-Type: application/octet-stream\r\nContent-Length: 4"
				  "\r\n\r\n",
				  "a\tb\n", 4),
			 401);
	/* A form instead of the file. */
	snprintf(head, sizeof(head),
		 "Content-Type: multipart/form-data; boundary=XyZ\r\nX-CSRF-Token: %s\r\n",
		 boss.csrf);
	assert_int_equal(upload("partner=north-sea&name=a.tsv", &boss,
				"--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n"
				"--XyZ--\r\n",
				52, head),
			 415);
	/* No partner, an unknown partner, format or month; an empty file. */
	assert_int_equal(upload("name=a.tsv", &boss, "a\tb\n", 4, NULL), 400);
	assert_int_equal(
	    upload("partner=nobody%27%20OR%201=1&name=a.tsv", &boss, "a\tb\n", 4, NULL), 400);
	assert_non_null(strstr(last.body, "no partner"));
	assert_int_equal(upload("partner=north-sea&format=nope", &boss, "a\tb\n", 4, NULL), 400);
	assert_int_equal(upload("partner=north-sea&month=13-2026x", &boss, "a\tb\n", 4, NULL), 400);
	assert_int_equal(upload("partner=north-sea&force=yes", &boss, "a\tb\n", 4, NULL), 400);
	assert_int_equal(upload("partner=north-sea&name=empty.tsv", &boss, "", 0, NULL), 400);
	/* A name with a path in it stays a name. */
	assert_int_equal(
	    upload("partner=north-sea&name=..%2F..%2Fetc%2Fpasswd", &boss, "", 0, NULL), 400);

	assert_int_equal(testutil_count(ledger, "SELECT COUNT(*) FROM import_batches"), batches);
	assert_int_equal(files_in_uploads(), files);
	assert_int_equal(
	    testutil_count(ledger, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'import.%'"),
	    audits);
	/* And the server still serves. */
	assert_int_equal(call("GET", "/api/health", NULL, NULL), 200);
}

static void test_rematch_says_how_many_rows_moved(void **state)
{
	struct who boss, ines;
	struct ft_store *store = NULL;
	struct ft_stmt *st = NULL;
	char isrc[16], sql[256];
	int64_t waiting, rows;

	login(&boss, "boss");
	login(&ines, "ines");
	assert_int_equal(call("POST", "/api/suspense/rematch", &ines, "{}"), 403);
	assert_int_equal(call("POST", "/api/suspense/rematch", &boss, "{}"), 200);
	assert_int_equal(json_integer_value(json_object_get(last.json, "moved")), 0);
	/* The catalogue learns one of the ISRCs waiting in suspense. */
	assert_int_equal(ft_store_open(&store, ledger, 0, NULL), 0);
	assert_int_equal(ft_store_prepare(store, &st,
					  "SELECT identifier FROM suspense WHERE kind = 'isrc'"
					  " ORDER BY identifier LIMIT 1",
					  NULL),
			 0);
	assert_int_equal(ft_stmt_step(st, NULL), 1);
	snprintf(isrc, sizeof(isrc), "%s", ft_stmt_column_text(st, 0));
	ft_stmt_free(st);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO tracks (isrc, title, duration) VALUES ('%s', 'Found Later', 200)",
		 isrc);
	assert_int_equal(ft_store_exec(store, sql, NULL), 0);
	ft_store_close(store);
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM suspense WHERE identifier = '%s'", isrc);
	waiting = testutil_count(ledger, sql);
	assert_true(waiting > 0);
	rows = testutil_count(ledger, "SELECT COUNT(*) FROM suspense");
	assert_int_equal(call("POST", "/api/suspense/rematch", &boss, "{}"), 200);
	assert_int_equal(json_integer_value(json_object_get(last.json, "moved")), waiting);
	assert_int_equal(testutil_count(ledger, sql), 0);
	assert_int_equal(testutil_count(ledger, "SELECT COUNT(*) FROM suspense"), rows - waiting);
	assert_true(
	    testutil_count(
		ledger, "SELECT COUNT(*) FROM audit_log WHERE action = 'suspense.rematch'") == 2);
}

/* The upload page offers the formats by name with a line each; generic is
 * left out (it needs a column mapping an upload cannot carry). */
static void test_upload_page_lists_the_formats_it_can_detect(void **state)
{
	struct who boss;
	json_t *formats, *f;
	size_t i;
	int flat_tsv = 0, dsr = 0, generic = 0;

	login(&boss, "boss");
	assert_int_equal(call("GET", "/api/imports/formats", NULL, NULL), 401);
	assert_int_equal(call("GET", "/api/imports/formats", &boss, NULL), 200);
	formats = json_object_get(last.json, "formats");
	assert_true(json_is_array(formats));
	json_array_foreach(formats, i, f)
	{
		const char *name = json_string_value(json_object_get(f, "name"));

		assert_non_null(name);
		assert_non_null(json_string_value(json_object_get(f, "description")));
		flat_tsv += strcmp(name, "flat-tsv") == 0;
		dsr += strcmp(name, "dsr") == 0;
		generic += strcmp(name, "generic") == 0;
	}
	assert_int_equal(flat_tsv, 1);
	assert_int_equal(dsr, 1);
	assert_int_equal(generic, 0);
	/* The first is the most specific: detection prefers it on a tie. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(formats, 0), "name")),
			    "flat-tsv");
}

/* The caller is checked when the headers come and again when the body is
 * complete: a session that ends during a long upload imports nothing. */
static void test_an_upload_whose_session_ends_midway_is_refused(void **state)
{
	struct who boss, other;
	char head[1024], buf[4096];
	int fd, files = files_in_uploads();
	int64_t audits =
	    testutil_count(ledger, "SELECT COUNT(*) FROM audit_log WHERE action = 'import.upload'");
	ssize_t k;
	size_t got = 0;
	int status = -1;

	login(&boss, "boss");
	login(&other, "boss");
	snprintf(head, sizeof(head),
		 "POST /api/imports?partner=north-sea&name=slow.tsv HTTP/1.1\r\nHost: x\r\n"
		 "Connection: close\r\nCookie: ft_session=%s\r\nX-CSRF-Token: %s\r\n"
		 "Content-Type: application/octet-stream\r\nContent-Length: 20\r\n\r\n"
		 "0123456789",
		 boss.cookie, boss.csrf);
	fd = connect_server();
	assert_true(send(fd, head, strlen(head), MSG_NOSIGNAL) > 0);
	usleep(200 * 1000);
	/* The file exists while the body streams. */
	assert_int_equal(files_in_uploads(), files + 1);
	/* Meanwhile the password changes: every session of boss ends. */
	assert_int_equal(call("POST", "/api/password", &other,
			      "{\"current\":\"" PASSWORD "\",\"password\":\"" PASSWORD "\"}"),
			 200);
	assert_true(send(fd, "0123456789", 10, MSG_NOSIGNAL) == 10);
	while ((k = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0)
		got += (size_t)k;
	close(fd);
	buf[got] = '\0';
	assert_int_equal(sscanf(buf, "HTTP/1.%*d %d", &status), 1);
	assert_int_equal(status, 401);
	assert_int_equal(files_in_uploads(), files);
	assert_int_equal(
	    testutil_count(ledger, "SELECT COUNT(*) FROM audit_log WHERE action = 'import.upload'"),
	    audits);
}

static void test_run_then_close_a_period_with_confirmation(void **state)
{
	struct who boss, ines;
	json_t *payees;
	size_t i;
	int linked = 0;

	login(&boss, "boss");
	login(&ines, "ines");
	/* Staff may look, not act. */
	assert_int_equal(call("POST", "/api/periods/2026-10/run", &ines, "{}"), 403);
	assert_int_equal(call("GET", "/api/periods/2026-10/payees", &ines, NULL), 404);
	assert_non_null(strstr(last.body, "no run"));

	assert_int_equal(call("POST", "/api/periods/2026-10/run", &boss, "{}"), 200);
	assert_string_equal(json_string_value(json_object_get(last.json, "period")), "2026-10");
	assert_string_equal(json_string_value(json_object_get(last.json, "currency")), "GBP");
	assert_true(json_array_size(json_object_get(last.json, "payees")) > 0);
	assert_true(json_is_string(json_object_get(last.json, "payable")));
	assert_int_equal(
	    testutil_count(ledger, "SELECT COUNT(*) FROM runs WHERE period = '2026-10'"), 1);

	/* A payee linked to a portal account shows it. */
	{
		struct ft_store *store = NULL;
		struct ft_user u;

		assert_int_equal(ft_store_open(&store, ledger, 0, NULL), 0);
		assert_int_equal(ft_user_get(store, "aurora", &u, NULL), 0);
		assert_int_equal(ft_user_link_payee(store, u.id, "aurora-fields", NULL), 0);
		ft_store_close(store);
	}
	assert_int_equal(call("GET", "/api/periods/2026-10/payees", &ines, NULL), 200);
	payees = json_object_get(last.json, "payees");
	assert_true(json_array_size(payees) > 0);
	assert_int_equal(json_integer_value(json_object_get(last.json, "total")),
			 json_array_size(payees));
	for (i = 0; i < json_array_size(payees); i++) {
		json_t *p = json_array_get(payees, i);
		char link[256];

		snprintf(link, sizeof(link), "#statement/%s/2026-10",
			 json_string_value(json_object_get(p, "payee")));
		assert_string_equal(json_string_value(json_object_get(p, "statement")), link);
		assert_true(json_is_string(json_object_get(p, "payable")));
		assert_true(json_is_string(json_object_get(p, "unrecouped")));
		if (strcmp(json_string_value(json_object_get(p, "payee")), "aurora-fields") == 0)
			linked = strcmp(json_string_value(
					    json_array_get(json_object_get(p, "users"), 0)),
					"aurora") == 0;
	}
	assert_true(linked);
	assert_int_equal(call("GET", "/api/periods/2026-10/payees?q=aurora&limit=1", &ines, NULL),
			 200);
	assert_int_equal(json_array_size(json_object_get(last.json, "payees")), 1);

	/* An account in another currency than the base (docs/JOURNAL.md
	 * "Currencies") is listed in its own and totalled on its own: never
	 * added to the base's totals. */
	assert_int_equal(call("GET", "/api/periods/2026-10/payees?q=zoe", &ines, NULL), 200);
	assert_int_equal(json_array_size(json_object_get(last.json, "other_totals")), 0);
	{
		json_t *zoe = json_array_get(json_object_get(last.json, "payees"), 0);
		char zoe_payable[64];
		struct ft_store *store = NULL;

		assert_string_equal(json_string_value(json_object_get(zoe, "currency")), "GBP");
		snprintf(zoe_payable, sizeof(zoe_payable), "%s",
			 json_string_value(json_object_get(zoe, "payable")));
		assert_int_equal(ft_store_open(&store, ledger, 0, NULL), 0);
		assert_int_equal(ft_store_exec(store,
					       "UPDATE run_statements SET currency = 'EUR' WHERE "
					       "payee = 'zoe-ashwood'",
					       NULL),
				 0);
		assert_int_equal(call("GET", "/api/periods/2026-10/payees?q=zoe", &ines, NULL),
				 200);
		zoe = json_array_get(json_object_get(last.json, "payees"), 0);
		assert_string_equal(json_string_value(json_object_get(zoe, "currency")), "EUR");
		assert_string_equal(json_string_value(json_object_get(last.json, "currency")),
				    "GBP");
		assert_int_equal(json_integer_value(json_object_get(
				     json_object_get(last.json, "totals"), "accounts")),
				 0);
		assert_int_equal(json_array_size(json_object_get(last.json, "other_totals")), 1);
		{
			json_t *o = json_array_get(json_object_get(last.json, "other_totals"), 0);

			assert_string_equal(json_string_value(json_object_get(o, "currency")),
					    "EUR");
			assert_int_equal(json_integer_value(json_object_get(o, "accounts")), 1);
			assert_string_equal(json_string_value(json_object_get(o, "payable")),
					    zoe_payable);
		}
		assert_int_equal(ft_store_exec(store,
					       "UPDATE run_statements SET currency = NULL WHERE "
					       "payee = 'zoe-ashwood'",
					       NULL),
				 0);
		ft_store_close(store);
	}

	/* The periods list and the dashboard show the open run. */
	assert_int_equal(call("GET", "/api/periods", &ines, NULL), 200);
	assert_string_equal(json_string_value(json_object_get(last.json, "open")), "2026-10");
	assert_int_equal(call("GET", "/api/dashboard", &ines, NULL), 200);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(last.json, "periods"), "open")),
	    "2026-10");

	/* Close: refused without the confirmation, or confirming another period,
	 * or with a body that is not a JSON object. */
	assert_int_equal(call("POST", "/api/periods/2026-10/close", &boss, "{}"), 400);
	assert_int_equal(call("POST", "/api/periods/2026-10/close", &boss, "{\"confirm\":"), 400);
	assert_int_equal(call("POST", "/api/periods/2026-10/close", &boss, "[\"2026-10\"]"), 400);
	assert_int_equal(
	    call("POST", "/api/periods/2026-10/close", &boss, "{\"confirm\":[\"2026-10\"]}"), 400);
	assert_int_equal(call("POST", "/api/periods/2026-10%27%20OR%201=1--/close", &boss,
			      "{\"confirm\":\"2026-10\"}"),
			 400);
	assert_int_equal(
	    call("POST", "/api/periods/2026-10/close", &boss, "{\"confirm\":\"2026-11\"}"), 400);
	assert_int_equal(
	    call("POST", "/api/periods/2026-10/close", &ines, "{\"confirm\":\"2026-10\"}"), 403);
	assert_int_equal(testutil_count(ledger, "SELECT COUNT(*) FROM closed_periods"), 0);
	assert_int_equal(
	    call("POST", "/api/periods/2026-10/close", &boss, "{\"confirm\":\"2026-10\"}"), 200);
	assert_int_equal(
	    testutil_count(ledger, "SELECT COUNT(*) FROM closed_periods WHERE month = '2026-10'"),
	    1);
	/* A closed period cannot be run or closed again: 409 and why. */
	assert_int_equal(call("POST", "/api/periods/2026-10/run", &boss, "{}"), 409);
	assert_int_equal(
	    call("POST", "/api/periods/2026-10/close", &boss, "{\"confirm\":\"2026-10\"}"), 409);
	assert_non_null(strstr(last.body, "already closed"));
	assert_int_equal(call("GET", "/api/periods", &ines, NULL), 200);
	assert_true(json_is_null(json_object_get(last.json, "open")));
	assert_int_equal(
	    testutil_count(ledger, "SELECT COUNT(*) FROM audit_log WHERE action IN ('period.run',"
				   " 'period.close')"),
	    2);
}

/* One GBP row of Aurora's "Low Tide" for month, imported through the
 * portal (its own transaction id, so no two files are duplicates). */
static void upload_one_row(const struct who *boss, const char *month)
{
	char report[512], query[128];
	json_t *job;

	snprintf(report, sizeof(report),
		 "SalesTransactionId\tISRC\tUPC\tTerritory\tCommercialModel\tUseType\tUsages"
		 "\tCurrency\tRevenue\n"
		 "U-%s\tGBNLR2600001\t\tGB\tSubscriptionModel\tOnDemandStream\t10\tGBP\t2.50\n",
		 month);
	snprintf(query, sizeof(query), "partner=north-sea&month=%s&name=%s.tsv", month, month);
	assert_int_equal(upload(query, boss, report, strlen(report), NULL), 202);
	job = wait_job(boss, job_id());
	assert_string_equal(json_string_value(json_object_get(job, "state")), "done");
	json_decref(job);
}

/* The state GET /api/periods gives month (NULL when it is not listed). */
static const char *month_state(const char *month)
{
	json_t *months = json_object_get(last.json, "months"), *m;
	size_t i;

	assert_true(json_is_array(months));
	json_array_foreach(months, i,
			   m) if (strcmp(json_string_value(json_object_get(m, "month")), month) ==
				  0) return json_string_value(json_object_get(m, "state"));
	return NULL;
}

/* After test_run_then_close_a_period_with_confirmation: 2026-10 is closed.
 * September, before it, gets a row no run can post any more; the run of
 * November is refused naming it, staff can do nothing about it, and the
 * admin marks it accounted elsewhere (reason and confirmation required,
 * audited) — then November runs. */
static void test_a_month_no_run_covers_is_marked_accounted_elsewhere(void **state)
{
	struct who boss, ines;
	json_t *uncovered;
	int64_t audits;

	login(&boss, "boss");
	login(&ines, "ines");
	upload_one_row(&boss, "2026-09");
	assert_int_equal(call("GET", "/api/periods", &ines, NULL), 200);
	assert_string_equal(month_state("2026-09"), "not run");
	assert_string_equal(month_state("2026-10"), "closed");

	assert_int_equal(call("POST", "/api/periods/2026-11/run", &boss, "{}"), 409);
	assert_non_null(strstr(
	    json_string_value(json_object_get(json_object_get(last.json, "error"), "message")),
	    "2026-09 (1 row, revenue 2.50 GBP), can no longer be run"));
	uncovered = json_object_get(json_object_get(last.json, "error"), "uncovered_months");
	assert_int_equal(json_array_size(uncovered), 1);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(uncovered, 0), "month")), "2026-09");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(uncovered, 0), "rows")),
			 1);
	assert_int_equal(
	    testutil_count(ledger, "SELECT COUNT(*) FROM runs WHERE period = '2026-11'"), 0);

	/* Staff may look, not act. */
	assert_int_equal(call("POST", "/api/periods/2026-09/accounted-elsewhere", &ines,
			      "{\"reason\":\"old system\",\"confirm\":\"2026-09\"}"),
			 403);
	/* A reason and the confirmation are both required. */
	audits = testutil_count(ledger, "SELECT COUNT(*) FROM audit_log");
	assert_int_equal(call("POST", "/api/periods/2026-09/accounted-elsewhere", &boss, "{}"),
			 400);
	assert_int_equal(call("POST", "/api/periods/2026-09/accounted-elsewhere", &boss,
			      "{\"confirm\":\"2026-09\"}"),
			 400);
	assert_non_null(strstr(last.body, "say why"));
	assert_int_equal(call("POST", "/api/periods/2026-09/accounted-elsewhere", &boss,
			      "{\"reason\":\"  \",\"confirm\":\"2026-09\"}"),
			 400);
	assert_int_equal(call("POST", "/api/periods/2026-09/accounted-elsewhere", &boss,
			      "{\"reason\":\"paid by our old system\"}"),
			 400);
	assert_non_null(strstr(last.body, "cannot be undone"));
	assert_int_equal(call("POST", "/api/periods/2026-09/accounted-elsewhere", &boss,
			      "{\"reason\":\"paid by our old system\",\"confirm\":\"2026-08\"}"),
			 400);
	assert_int_equal(call("POST", "/api/periods/2026-09/accounted-elsewhere", &boss,
			      "{\"reason\":\"two\\nlines\",\"confirm\":\"2026-09\"}"),
			 400);
	assert_int_equal(call("POST", "/api/periods/2026-13/accounted-elsewhere", &boss,
			      "{\"reason\":\"x\",\"confirm\":\"2026-13\"}"),
			 400);
	assert_int_equal(testutil_count(ledger, "SELECT COUNT(*) FROM audit_log"), audits);
	assert_int_equal(testutil_count(ledger, "SELECT COUNT(*) FROM run_posted WHERE period ="
						" 'elsewhere'"),
			 0);
	/* A month with a run is not marked: its rows are posted by the runs. */
	assert_int_equal(call("POST", "/api/periods/2026-10/accounted-elsewhere", &boss,
			      "{\"reason\":\"paid by our old system\",\"confirm\":\"2026-10\"}"),
			 409);
	assert_non_null(strstr(last.body, "has a run (2026-10)"));

	assert_int_equal(call("POST", "/api/periods/2026-09/accounted-elsewhere", &boss,
			      "{\"reason\":\"paid by our old system\",\"confirm\":\"2026-09\"}"),
			 200);
	assert_true(json_is_true(json_object_get(last.json, "accounted_elsewhere")));
	assert_non_null(
	    strstr(json_string_value(json_array_get(json_object_get(last.json, "notes"), 0)),
		   "accounted elsewhere: paid by our old system"));
	/* Audited by the library (rows, revenue, reason) and by the portal. */
	assert_int_equal(testutil_count(ledger, "SELECT COUNT(*) FROM audit_log WHERE action ="
						" 'accounted-elsewhere' AND target = '2026-09' AND"
						" actor = 'boss' AND detail LIKE '%paid by our old"
						" system%'"),
			 1);
	assert_int_equal(testutil_count(ledger, "SELECT COUNT(*) FROM audit_log WHERE action ="
						" 'period.accounted-elsewhere' AND target ="
						" '2026-09' AND actor = 'boss'"),
			 1);
	assert_int_equal(call("GET", "/api/periods", &ines, NULL), 200);
	assert_string_equal(month_state("2026-09"), "accounted elsewhere");

	/* Now November runs; its run is closed for the next test. */
	assert_int_equal(call("POST", "/api/periods/2026-11/run", &boss, "{}"), 200);
	assert_int_equal(json_integer_value(json_object_get(last.json, "late_lines")), 0);
	assert_int_equal(
	    call("POST", "/api/periods/2026-11/close", &boss, "{\"confirm\":\"2026-11\"}"), 200);
}

/* August, before the closed months, gets a row: the run of December is
 * refused naming it; with include_unrun it posts the row as a late
 * adjustment, and closing December closes August. */
static void test_include_unrun_posts_a_month_no_run_covers_in_the_run(void **state)
{
	struct who boss, ines;
	json_t *notes;

	login(&boss, "boss");
	login(&ines, "ines");
	upload_one_row(&boss, "2026-08");
	assert_int_equal(call("POST", "/api/periods/2026-12/run", &boss, "{}"), 409);
	assert_non_null(strstr(last.body, "2026-08 (1 row, revenue 2.50 GBP)"));
	assert_int_equal(json_array_size(json_object_get(json_object_get(last.json, "error"),
							 "uncovered_months")),
			 1);
	/* Staff may not, whatever the body says. */
	assert_int_equal(
	    call("POST", "/api/periods/2026-12/run", &ines, "{\"include_unrun\":true}"), 403);
	/* The option is a boolean; false is the default. */
	assert_int_equal(
	    call("POST", "/api/periods/2026-12/run", &boss, "{\"include_unrun\":\"yes\"}"), 400);
	assert_int_equal(
	    call("POST", "/api/periods/2026-12/run", &boss, "{\"include_unrun\":false}"), 409);
	assert_int_equal(
	    testutil_count(ledger, "SELECT COUNT(*) FROM runs WHERE period = '2026-12'"), 0);

	assert_int_equal(
	    call("POST", "/api/periods/2026-12/run", &boss, "{\"include_unrun\":true}"), 200);
	assert_int_equal(json_integer_value(json_object_get(last.json, "late_lines")), 1);
	notes = json_object_get(last.json, "notes");
	assert_true(json_array_size(notes) > 0);
	{
		size_t i;
		json_t *n;
		int found = 0;

		json_array_foreach(notes, i, n) found |=
		    strstr(json_string_value(n), "included: 2026-08 (1 row") != NULL;
		assert_true(found);
	}
	assert_int_equal(testutil_count(ledger, "SELECT COUNT(*) FROM audit_log WHERE action ="
						" 'period.run' AND target = '2026-12' AND detail"
						" LIKE '%included 1 month no run covered%'"),
			 1);
	assert_int_equal(call("GET", "/api/periods", &ines, NULL), 200);
	assert_string_equal(month_state("2026-08"), "included");
	/* Closing December closes August with it. */
	assert_int_equal(
	    call("POST", "/api/periods/2026-12/close", &boss, "{\"confirm\":\"2026-12\"}"), 200);
	assert_int_equal(
	    testutil_count(ledger, "SELECT COUNT(*) FROM closed_periods WHERE month = '2026-08'"),
	    1);
	assert_int_equal(call("GET", "/api/periods", &ines, NULL), 200);
	assert_string_equal(month_state("2026-08"), "closed");
	assert_string_equal(month_state("2026-12"), "closed");
}

static void test_a_run_without_exchange_rates_names_what_is_missing(void **state)
{
	static const char report[] =
	    "SalesTransactionId\tISRC\tUPC\tTerritory\tCommercialModel\tUseType\tUsages\tCurrency"
	    "\tRevenue\n"
	    "Y-1\tGBNLR2600001\t\tUS\tSubscriptionModel\tOnDemandStream\t10\tUSD\t1.50\n";
	struct who boss;
	json_t *job;

	login(&boss, "boss");
	assert_int_equal(upload("partner=north-sea&month=2027-01&name=jan.tsv", &boss, report,
				sizeof(report) - 1, NULL),
			 202);
	job = wait_job(&boss, job_id());
	assert_string_equal(json_string_value(json_object_get(job, "state")), "done");
	json_decref(job);
	assert_int_equal(call("POST", "/api/periods/2027-01/run", &boss, "{}"), 409);
	assert_non_null(strstr(last.body, "USD"));
	assert_int_equal(
	    testutil_count(ledger, "SELECT COUNT(*) FROM runs WHERE period = '2027-01'"), 0);
	assert_int_equal(call("POST", "/api/periods/2027-13/run", &boss, "{}"), 400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uploaded_report_is_imported_by_a_job_and_refused_twice),
	    cmocka_unit_test(test_a_bad_report_is_refused_with_its_line_and_the_count_of_bad_lines),
	    cmocka_unit_test(test_hostile_uploads_are_refused_before_anything_is_written),
	    cmocka_unit_test(test_rematch_says_how_many_rows_moved),
	    cmocka_unit_test(test_upload_page_lists_the_formats_it_can_detect),
	    cmocka_unit_test(test_an_upload_whose_session_ends_midway_is_refused),
	    cmocka_unit_test(test_run_then_close_a_period_with_confirmation),
	    cmocka_unit_test(test_a_month_no_run_covers_is_marked_accounted_elsewhere),
	    cmocka_unit_test(test_include_unrun_posts_a_month_no_run_covers_in_the_run),
	    cmocka_unit_test(test_a_run_without_exchange_rates_names_what_is_missing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
