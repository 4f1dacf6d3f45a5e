/* test_http.c — the portal server in-process on an ephemeral port, spoken to
 * with plain sockets (raw requests, so hostile paths reach it unnormalised):
 * authorization matrix, IDOR, CSRF, lock-out, limits, traversal, malformed
 * input, SQL injection strings, a slow client. */
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fairtrack/http.h"
#include "fairtrack/store.h"
#include "fairtrack/users.h"

#define PASSWORD "correct horse battery"
#define SECRET_MARK "TOP-SECRET-OUTSIDE-WEB-ROOT"
#define INDEX_MARK "FAIRTRACK-TEST-INDEX"

static char ledger[1024];
static struct ft_http_server *server;
static unsigned port;

/* ---------------------------------------------------------------- client */

struct resp {
	int status;
	char head[8192];
	char body[65536];
	size_t len;
};

static int connect_server(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timeval tv = {.tv_sec = 15};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void send_all(int fd, const char *data, size_t n)
{
	while (n) {
		ssize_t w = send(fd, data, n, MSG_NOSIGNAL);

		if (w <= 0)
			return; /* the server may close early (413): read its answer */
		data += w;
		n -= (size_t)w;
	}
}

/* Send raw bytes, read the whole reply (Connection: close). */
static void raw(struct resp *r, const char *request, size_t n)
{
	char buf[sizeof(r->head) + sizeof(r->body)];
	size_t got = 0;
	char *sep;
	int fd = connect_server();

	send_all(fd, request, n);
	for (;;) {
		ssize_t k = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);

		if (k <= 0)
			break;
		got += (size_t)k;
		if (got == sizeof(buf) - 1)
			break;
	}
	close(fd);
	buf[got] = '\0';
	memset(r, 0, sizeof(*r));
	r->status = -1;
	if (sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1)
		return;
	sep = strstr(buf, "\r\n\r\n");
	if (!sep)
		return;
	snprintf(r->head, sizeof(r->head), "%.*s", (int)(sep - buf), buf);
	r->len = got - (size_t)(sep + 4 - buf);
	memcpy(r->body, sep + 4, r->len);
	r->body[r->len] = '\0';
}

struct who {
	char cookie[FT_TOKEN_HEX + 1];
	char csrf[FT_TOKEN_HEX + 1];
};

static int request(struct resp *r, const char *method, const char *path, const struct who *who,
		   const char *body, const char *extra)
{
	static char req[80000];
	size_t n = (size_t)snprintf(
	    req, sizeof(req),
	    "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n%s%s%s%s%s%s%s"
	    "Content-Length: %zu\r\n\r\n%s",
	    method, path, port, who ? "Cookie: ft_session=" : "", who ? who->cookie : "",
	    who ? "\r\n" : "", who && body ? "X-CSRF-Token: " : "", who && body ? who->csrf : "",
	    who && body ? "\r\n" : "",
	    extra ? extra : (body ? "Content-Type: application/json\r\n" : ""),
	    body ? strlen(body) : 0, body ? body : "");

	raw(r, req, n);
	return r->status;
}

static int get(struct resp *r, const char *path, const struct who *who)
{
	return request(r, "GET", path, who, NULL, NULL);
}

static int post(struct resp *r, const char *path, const struct who *who, const char *body)
{
	return request(r, "POST", path, who, body, NULL);
}

static void login(struct who *who, const char *username)
{
	struct resp r;
	char body[256];
	const char *c;
	json_t *j;

	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"" PASSWORD "\"}",
		 username);
	assert_int_equal(post(&r, "/api/login", NULL, body), 200);
	c = strstr(r.head, "Set-Cookie: ft_session=");
	assert_non_null(c);
	snprintf(who->cookie, sizeof(who->cookie), "%.64s", c + strlen("Set-Cookie: ft_session="));
	j = json_loads(r.body, 0, NULL);
	assert_non_null(j);
	snprintf(who->csrf, sizeof(who->csrf), "%s", json_string_value(json_object_get(j, "csrf")));
	json_decref(j);
}

static struct ft_store *open_ledger(void)
{
	struct ft_store *store = NULL;

	assert_int_equal(ft_store_open(&store, ledger, 0, NULL), 0);
	return store;
}

static int user_exists(const char *username)
{
	struct ft_store *store = open_ledger();
	int rc = ft_user_get(store, username, NULL, NULL);

	ft_store_close(store);
	return rc == 0;
}

/* ----------------------------------------------------------------- setup */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void add_user(struct ft_store *store, const char *name, enum ft_role role,
		     const char *artist)
{
	int64_t id = 0;

	assert_int_equal(ft_user_add(store, name, role, NULL, &id, NULL), 0);
	assert_int_equal(ft_user_set_password(store, id, PASSWORD, NULL), 0);
	if (artist)
		assert_int_equal(ft_user_link_artist(store, id, artist, NULL), 0);
}

static int setup(void **state)
{
	const char *tmp = testutil_tmpdir();
	char web[1024], path[1100], cmd[4000];
	struct ft_store *store = NULL;
	struct ft_http_opts opts;
	struct ft_error err;

	snprintf(web, sizeof(web), "%s/http-web", tmp);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s/sub'", web, web);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/index.html", web);
	write_file(path, "<!doctype html><title>" INDEX_MARK "</title>\n");
	snprintf(path, sizeof(path), "%s/app.js", web);
	write_file(path, "'use strict';\n");
	snprintf(path, sizeof(path), "%s/sub/page.html", web);
	write_file(path, "<p>sub</p>\n");
	snprintf(path, sizeof(path), "%s/secret.txt", tmp);
	write_file(path, SECRET_MARK "\n");
	snprintf(path, sizeof(path), "%s/.hidden.txt", web);
	write_file(path, SECRET_MARK "\n");
	/* A symlink inside the web root pointing out of it must not be followed. */
	snprintf(cmd, sizeof(cmd), "ln -sf '%s/secret.txt' '%s/link.txt'", tmp, web);
	assert_int_equal(system(cmd), 0);

	snprintf(ledger, sizeof(ledger), "%s/http.ledger", tmp);
	snprintf(cmd, sizeof(cmd), "rm -f '%s' '%s-wal' '%s-shm'", ledger, ledger, ledger);
	assert_int_equal(system(cmd), 0);
	ft_error_clear(&err);
	assert_int_equal(ft_store_open(&store, ledger, FT_STORE_CREATE, &err), 0);
	assert_int_equal(ft_store_exec(store,
				       "INSERT INTO artists (id, name, kind) VALUES"
				       " ('aurora-fields', 'Aurora Fields', 'person'),"
				       " ('zoe-ashwood', 'Zoe Ashwood', 'person');"
				       "INSERT INTO tracks (isrc, title, duration) VALUES"
				       " ('GBNLR2600001', 'Low Tide', 221),"
				       " ('GBNLR2600009', 'Secret Zoe Song', 200);"
				       "INSERT INTO track_artists (isrc, role, position, artist_id)"
				       " VALUES ('GBNLR2600001', 'main', 1, 'aurora-fields'),"
				       " ('GBNLR2600009', 'main', 1, 'zoe-ashwood');",
				       &err),
			 0);
	add_user(store, "boss", FT_ROLE_ADMIN, NULL);
	add_user(store, "ines", FT_ROLE_STAFF, NULL);
	add_user(store, "aurora", FT_ROLE_ARTIST, "aurora-fields");
	add_user(store, "zoe", FT_ROLE_ARTIST, "zoe-ashwood");
	add_user(store, "victim", FT_ROLE_STAFF, NULL);
	add_user(store, "lockme", FT_ROLE_STAFF, NULL);
	add_user(store, "changer", FT_ROLE_STAFF, NULL);
	ft_store_close(store);

	ft_http_opts_default(&opts);
	opts.ledger = ledger;
	opts.listen = "127.0.0.1:0";
	opts.web_root = web;
	opts.threads = 2;
	opts.timeout = 3;
	opts.request_deadline = 2;
	opts.max_body = 4096;
	opts.login_max_failures = 3;
	opts.ip_max_failures = 1000;
	opts.grace = 2;
	assert_int_equal(ft_http_start(&server, &opts, &err), 0);
	port = ft_http_port(server);
	assert_true(port > 0);
	return 0;
}

static int teardown(void **state)
{
	ft_http_stop(server);
	server = NULL;
	return 0;
}

/* ----------------------------------------------------------------- tests */

static void test_health_and_pages_are_public(void **state)
{
	struct resp r;

	assert_int_equal(get(&r, "/api/health", NULL), 200);
	assert_non_null(strstr(r.body, "\"status\":\"ok\""));
	assert_non_null(strstr(r.head, "X-Content-Type-Options: nosniff"));
	assert_non_null(strstr(r.head, "Content-Security-Policy: default-src 'self'"));
	assert_int_equal(get(&r, "/", NULL), 200);
	assert_non_null(strstr(r.body, INDEX_MARK));
	assert_non_null(strstr(r.head, "Content-Type: text/html"));
	assert_int_equal(get(&r, "/app.js", NULL), 200);
	assert_non_null(strstr(r.head, "Content-Type: text/javascript"));
	assert_int_equal(get(&r, "/sub/page.html", NULL), 200);
	assert_int_equal(get(&r, "/missing.html", NULL), 404);
}

/* The routes as routes.def lists them, to prove the matrix covers each. */
static const struct {
	const char *method, *pattern;
} routes[] = {
#define ROUTE(method, pattern, access, handler) {#method, pattern},
#include "http/routes.def"
#undef ROUTE
};

/* path fits pattern, where {x} takes one non-empty segment. */
static int pattern_matches(const char *pattern, const char *path)
{
	while (*pattern && *path) {
		if (*pattern == '{') {
			pattern = strchr(pattern, '}') + 1;
			if (*path == '/' || !*path)
				return 0;
			while (*path && *path != '/' && *path != '?')
				path++;
		} else if (*pattern++ != *path++) {
			return 0;
		}
	}
	return !*pattern && (!*path || *path == '?');
}

struct matrix_row {
	const char *method, *path, *body;
	int anon, admin, staff, artist;
};

static void test_authorization_matrix(void **state)
{
	static const struct matrix_row rows[] = {
	    {"GET", "/api/health", NULL, 200, 200, 200, 200},
	    {"GET", "/api/me", NULL, 401, 200, 200, 200},
	    {"GET", "/api/dashboard", NULL, 401, 200, 200, 403},
	    {"GET", "/api/imports", NULL, 401, 200, 200, 403},
	    {"GET", "/api/suspense", NULL, 401, 200, 200, 403},
	    {"GET", "/api/catalog/artists", NULL, 401, 200, 200, 403},
	    {"GET", "/api/catalog/tracks", NULL, 401, 200, 200, 403},
	    {"GET", "/api/artists/aurora-fields", NULL, 401, 200, 200, 200},
	    {"GET", "/api/artists/zoe-ashwood", NULL, 401, 200, 200, 404},
	    /* artist pages (routes_artist.def): this ledger has no run, so every
	     * statement is the 404 of one that does not exist, for every role */
	    {"GET", "/api/statements", NULL, 401, 200, 200, 200},
	    {"GET", "/api/statements/aurora-fields/2026-10", NULL, 401, 404, 404, 404},
	    {"GET", "/api/statements/aurora-fields/2026-10/lines", NULL, 401, 404, 404, 404},
	    {"GET", "/api/statements/aurora-fields/2026-10/charts", NULL, 401, 404, 404, 404},
	    {"GET", "/api/statements/aurora-fields/2026-10/download/pdf", NULL, 401, 404, 404, 404},
	    {"GET", "/api/users", NULL, 401, 200, 403, 403},
	    {"GET", "/api/audit", NULL, 401, 200, 403, 403},
	    {"POST", "/api/users", "{\"username\":\"m-%s\",\"role\":\"staff\"}", 401, 201, 403,
	     403},
	    {"POST", "/api/users/victim/disable", "{}", 401, 200, 403, 403},
	    {"POST", "/api/users/victim/enable", "{}", 401, 200, 403, 403},
	    {"POST", "/api/users/victim/reset", "{}", 401, 200, 403, 403},
	    /* label pages (routes_label.def): an upload with a JSON body is 415
	     * for the admin, whose checks pass; a bad period is 400 */
	    {"POST", "/api/imports", "{}", 401, 415, 403, 403},
	    {"GET", "/api/imports/formats", NULL, 401, 200, 200, 403},
	    {"GET", "/api/imports/jobs", NULL, 401, 200, 200, 403},
	    {"GET", "/api/imports/jobs/999", NULL, 401, 404, 404, 403},
	    {"POST", "/api/suspense/rematch", "{}", 401, 200, 403, 403},
	    {"GET", "/api/periods", NULL, 401, 200, 200, 403},
	    {"POST", "/api/periods/not-a-period/run", "{}", 401, 400, 403, 403},
	    {"POST", "/api/periods/not-a-period/close", "{}", 401, 400, 403, 403},
	    {"POST", "/api/periods/not-a-period/accounted-elsewhere", "{}", 401, 400, 403, 403},
	    {"GET", "/api/periods/2026-10/payees", NULL, 401, 404, 404, 403},
	    {"GET", "/api/nothing-here", NULL, 404, 404, 404, 404},
	    {"POST", "/api/login", "{\"username\":\"%s-nobody\",\"password\":\"wrong wrong\"}", 401,
	     401, 401, 401},
	    {"POST", "/api/invite/accept", "{\"token\":\"%s\",\"password\":\"long enough pw\"}",
	     404, 404, 404, 404},
	    {"POST", "/api/password", "{\"current\":\"%s is wrong\",\"password\":\"new one\"}", 401,
	     403, 403, 403},
	    /* last: it ends the sessions the rows above use */
	    {"POST", "/api/logout", "{}", 401, 200, 200, 200},
	};
	static const char *const names[] = {NULL, "boss", "ines", "aurora"};
	struct who who[4];
	size_t i;
	int k;

	for (k = 1; k < 4; k++)
		login(&who[k], names[k]);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const int expect[4] = {rows[i].anon, rows[i].admin, rows[i].staff, rows[i].artist};

		for (k = 0; k < 4; k++) {
			struct resp r;
			char body[256];
			int got;

			if (rows[i].body)
				snprintf(body, sizeof(body), rows[i].body,
					 names[k] ? names[k] : "anon");
			got = request(&r, rows[i].method, rows[i].path, k ? &who[k] : NULL,
				      rows[i].body ? body : NULL, NULL);
			if (got != expect[k])
				fail_msg("%s %s as %s: got %d, expected %d (%s)", rows[i].method,
					 rows[i].path, names[k] ? names[k] : "anonymous", got,
					 expect[k], r.body);
		}
	}
	/* Every route of routes.def is in the table above. */
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		size_t j;
		int covered = 0;

		for (j = 0; j < sizeof(rows) / sizeof(rows[0]) && !covered; j++)
			covered = strcmp(rows[j].method, routes[i].method) == 0 &&
				  pattern_matches(routes[i].pattern, rows[j].path);
		if (!covered)
			fail_msg("route %s %s is missing from the authorization matrix",
				 routes[i].method, routes[i].pattern);
	}
	/* Only the admin's invite happened. */
	assert_true(user_exists("m-boss"));
	assert_false(user_exists("m-ines"));
	assert_false(user_exists("m-aurora"));
	assert_false(user_exists("m-anon"));
}

static void test_artist_asking_for_another_artist_gets_404_not_data(void **state)
{
	struct resp mine, theirs, nobody;
	struct who aurora;

	login(&aurora, "aurora");
	assert_int_equal(get(&mine, "/api/artists/aurora-fields", &aurora), 200);
	assert_non_null(strstr(mine.body, "Low Tide"));
	assert_null(strstr(mine.body, "Secret Zoe Song"));
	assert_int_equal(get(&theirs, "/api/artists/zoe-ashwood", &aurora), 404);
	assert_int_equal(get(&nobody, "/api/artists/no-such-artist", &aurora), 404);
	/* Indistinguishable from an artist that does not exist. */
	assert_string_equal(theirs.body, nobody.body);
	assert_null(strstr(theirs.body, "Zoe"));
	/* And the label's lists are closed to an artist. */
	assert_int_equal(get(&theirs, "/api/catalog/tracks?q=Secret", &aurora), 403);
	assert_null(strstr(theirs.body, "Secret Zoe Song"));
}

static void test_csrf_missing_or_wrong_is_403_and_nothing_changes(void **state)
{
	static const char csrf1[] = "{\"username\":\"csrf1\",\"role\":\"admin\"}";
	struct who boss, ines, forged;
	struct resp r;
	char req[1024];
	int n;

	login(&boss, "boss");
	login(&ines, "ines");
	/* No token at all. */
	n = snprintf(req, sizeof(req),
		     "POST /api/users HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
		     "Cookie: ft_session=%s\r\nContent-Type: application/json\r\n"
		     "Content-Length: %zu\r\n\r\n%s",
		     boss.cookie, strlen(csrf1), csrf1);
	raw(&r, req, (size_t)n);
	assert_int_equal(r.status, 403);
	assert_non_null(strstr(r.body, "CSRF"));
	/* Another session's token, and a made-up one. */
	forged = boss;
	memcpy(forged.csrf, ines.csrf, sizeof(forged.csrf));
	assert_int_equal(
	    post(&r, "/api/users", &forged, "{\"username\":\"csrf2\",\"role\":\"admin\"}"), 403);
	memset(forged.csrf, 'a', FT_TOKEN_HEX);
	assert_int_equal(
	    post(&r, "/api/users", &forged, "{\"username\":\"csrf3\",\"role\":\"admin\"}"), 403);
	assert_int_equal(post(&r, "/api/users/victim/disable", &forged, "{}"), 403);
	assert_false(user_exists("csrf1"));
	assert_false(user_exists("csrf2"));
	assert_false(user_exists("csrf3"));
	assert_int_equal(
	    testutil_count(ledger, "SELECT disabled FROM users WHERE username = 'victim'"), 0);
	/* A cross-site page: right token or not, a foreign Origin is refused. */
	assert_int_equal(
	    request(&r, "POST", "/api/users", &boss, "{\"username\":\"csrf4\",\"role\":\"admin\"}",
		    "Content-Type: application/json\r\nOrigin: https://evil.example\r\n"),
	    403);
	assert_false(user_exists("csrf4"));
	/* The genuine request goes through. */
	assert_int_equal(
	    post(&r, "/api/users", &boss, "{\"username\":\"csrf5\",\"role\":\"staff\"}"), 201);
	assert_true(user_exists("csrf5"));
}

static void test_login_locks_out_after_repeated_failures(void **state)
{
	struct resp r;
	struct who ines;
	int i;

	for (i = 0; i < 3; i++)
		assert_int_equal(post(&r, "/api/login", NULL,
				      "{\"username\":\"lockme\",\"password\":\"guess guess\"}"),
				 401);
	assert_non_null(strstr(r.body, "wrong username or password"));
	/* Now even the right password is refused, with a Retry-After. */
	assert_int_equal(
	    post(&r, "/api/login", NULL, "{\"username\":\"lockme\",\"password\":\"" PASSWORD "\"}"),
	    429);
	assert_non_null(strstr(r.head, "Retry-After: "));
	assert_null(strstr(r.head, "Set-Cookie"));
	assert_true(
	    testutil_count(ledger,
			   "SELECT COUNT(*) FROM audit_log WHERE action = 'login.locked' AND target"
			   " = 'lockme'") >= 1);
	assert_int_equal(
	    testutil_count(ledger, "SELECT COUNT(*) FROM audit_log WHERE action = 'login.fail' AND"
				   " target = 'lockme'"),
	    3);
	/* Others are not affected. */
	login(&ines, "ines");
}

static void test_oversized_body_is_413_and_nothing_changes(void **state)
{
	static char req[20000], body[9000];
	struct who boss;
	struct resp r;
	int n;

	login(&boss, "boss");
	memset(body, ' ', sizeof(body) - 1);
	memcpy(body, "{\"username\":\"big1\",\"role\":\"staff\"}", 34);
	assert_int_equal(post(&r, "/api/users", &boss, body), 413);
	/* Chunked: no Content-Length to refuse up front; it grows past the limit. */
	n = snprintf(req, sizeof(req),
		     "POST /api/users HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
		     "Cookie: ft_session=%s\r\nX-CSRF-Token: %s\r\n"
		     "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
		     "%zx\r\n%s\r\n0\r\n\r\n",
		     boss.cookie, boss.csrf, strlen(body), body);
	raw(&r, req, (size_t)n);
	assert_int_equal(r.status, 413);
	assert_false(user_exists("big1"));
}

static void test_path_traversal_never_serves_a_file_outside_the_web_root(void **state)
{
	static const char *const paths[] = {
	    "/../secret.txt",
	    "/%2e%2e/secret.txt",
	    "/%2E%2E%2Fsecret.txt",
	    "/..%2fsecret.txt",
	    "/sub/../../secret.txt",
	    "/sub/%2e%2e/%2e%2e/secret.txt",
	    "//secret.txt",
	    "/.hidden.txt",
	    "/link.txt",
	    "/..\\secret.txt",
	    "/%2e%2e%5csecret.txt",
	    "/sub/..%00/secret.txt",
	    "/%252e%252e/secret.txt",
	    "/../../../../../../etc/passwd",
	    "/sub",
	    "/sub/",
	};
	char req[512];
	struct resp r;
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		int n = snprintf(req, sizeof(req),
				 "GET %s HTTP/1.1\r\nHost: x\r\nConnection: "
				 "close\r\n\r\n",
				 paths[i]);

		raw(&r, req, (size_t)n);
		if (r.status != 404 && r.status != 400)
			fail_msg("%s: status %d", paths[i], r.status);
		assert_null(strstr(r.body, SECRET_MARK));
		assert_null(strstr(r.body, "root:"));
	}
}

static void test_malformed_bodies_are_400_or_415(void **state)
{
	static const char *const bad_json[] = {
	    "{\"username\":",	  "[1,2,3]",
	    "\"just a string\"",  "{\"username\":\"a\",\"username\":\"b\",\"password\":\"x\"}",
	    "{\"a\":1} trailing", "",
	    "\xff\xfe{}",
	};
	struct who boss;
	struct resp r;
	size_t i;

	for (i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++)
		if (post(&r, "/api/login", NULL, bad_json[i]) != 400)
			fail_msg("login body '%s': status %d", bad_json[i], r.status);
	assert_int_equal(request(&r, "POST", "/api/login", NULL, "username=boss&password=x",
				 "Content-Type: application/x-www-form-urlencoded\r\n"),
			 415);
	assert_int_equal(
	    request(
		&r, "POST", "/api/login", NULL,
		"--XyZ\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nboss\r\n--XyZ",
		"Content-Type: multipart/form-data; boundary=XyZ\r\n"),
	    415);
	login(&boss, "boss");
	assert_int_equal(post(&r, "/api/users", &boss, "{\"username\":\"mj\",\"role\":"), 400);
	assert_int_equal(post(&r, "/api/users", &boss, "{\"username\":\"mj\",\"role\":\"king\"}"),
			 400);
	assert_int_equal(post(&r, "/api/users", &boss,
			      "{\"username\":\"mj\",\"role\":\"artist\",\"artists\":\"x\"}"),
			 400);
	assert_int_equal(post(&r, "/api/users", &boss,
			      "{\"username\":\"mj\",\"role\":\"artist\",\"artists\":[\"nobody\"]}"),
			 400);
	assert_false(user_exists("mj"));
	assert_int_equal(post(&r, "/api/invite/accept", NULL, "{\"token\":1}"), 400);
}

static void test_sql_injection_strings_are_plain_data(void **state)
{
	struct who ines;
	struct resp r;
	int64_t users = testutil_count(ledger, "SELECT COUNT(*) FROM users");

	assert_int_equal(post(&r, "/api/login", NULL,
			      "{\"username\":\"boss' OR '1'='1\",\"password\":\"' OR '1'='1\"}"),
			 401);
	assert_int_equal(
	    post(&r, "/api/login", NULL, "{\"username\":\"boss'--\",\"password\":\"x\"}"), 401);
	login(&ines, "ines");
	assert_int_equal(get(&r, "/api/catalog/artists?q=%27%20OR%20%271%27%3D%271", &ines), 200);
	assert_non_null(strstr(r.body, "\"total\":0"));
	assert_int_equal(get(&r, "/api/catalog/artists?q=aurora", &ines), 200);
	assert_non_null(strstr(r.body, "\"total\":1"));
	assert_int_equal(get(&r, "/api/catalog/artists%27%20OR%201=1--", &ines), 404);
	assert_int_equal(get(&r, "/api/catalog/artists?offset=1;DROP%20TABLE%20users", &ines), 400);
	assert_int_equal(get(&r, "/api/artists/x%27%20OR%20%271%27=%271", &ines), 404);
	assert_int_equal(testutil_count(ledger, "SELECT COUNT(*) FROM users"), users);
}

static void test_a_slow_client_is_cut_by_the_deadline(void **state)
{
	static const char req[] =
	    "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
	struct timespec t0, t1;
	int fd = connect_server();
	int closed = 0;
	size_t i;
	char buf[256];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* One byte every 0.3 s: never silent long enough for the 3 s
	 * inactivity timeout, but the whole request would take 30 s. */
	for (i = 0; i < sizeof(req) - 1 && !closed; i++) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		if (send(fd, req + i, 1, MSG_NOSIGNAL) != 1)
			closed = 1;
		else if (poll(&p, 1, 300) == 1 && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0)
			closed = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(fd);
	assert_true(closed);
	/* request_deadline is 2 s; the watchdog looks every 0.2 s. */
	assert_true(t1.tv_sec - t0.tv_sec < 6);
	/* And the server is still serving others. */
	{
		struct resp r;

		assert_int_equal(get(&r, "/api/health", NULL), 200);
	}
}

static void test_logout_ends_the_session(void **state)
{
	struct who ines;
	struct resp r;

	login(&ines, "ines");
	assert_int_equal(get(&r, "/api/me", &ines), 200);
	assert_int_equal(post(&r, "/api/logout", &ines, "{}"), 200);
	assert_non_null(strstr(r.head, "Set-Cookie: ft_session=; Path=/; Max-Age=0"));
	assert_int_equal(get(&r, "/api/me", &ines), 401);
}

static void test_session_cookie_is_httponly_strict_and_secure_behind_tls(void **state)
{
	struct resp r;

	assert_int_equal(
	    post(&r, "/api/login", NULL, "{\"username\":\"ines\",\"password\":\"" PASSWORD "\"}"),
	    200);
	assert_non_null(strstr(r.head, "HttpOnly; SameSite=Strict"));
	assert_null(strstr(r.head, "Secure"));
	assert_int_equal(request(&r, "POST", "/api/login", NULL,
				 "{\"username\":\"ines\",\"password\":\"" PASSWORD "\"}",
				 "Content-Type: application/json\r\nX-Forwarded-Proto: https\r\n"),
			 200);
	assert_non_null(strstr(r.head, "SameSite=Strict; Secure"));
}

static void test_invite_link_sets_a_password_once(void **state)
{
	struct who boss, fresh;
	struct resp r;
	char body[256];
	json_t *j;
	const char *token;

	login(&boss, "boss");
	assert_int_equal(post(&r, "/api/users", &boss,
			      "{\"username\":\"newbie\",\"role\":\"artist\",\"display_name\":"
			      "\"New Bie\",\"artists\":[\"zoe-ashwood\"]}"),
			 201);
	j = json_loads(r.body, 0, NULL);
	assert_non_null(j);
	token = json_string_value(json_object_get(json_object_get(j, "invite"), "token"));
	assert_non_null(token);
	snprintf(body, sizeof(body), "{\"token\":\"%s\",\"password\":\"short\"}", token);
	assert_int_equal(post(&r, "/api/invite/accept", NULL, body), 400);
	snprintf(body, sizeof(body), "{\"token\":\"%s\",\"password\":\"" PASSWORD "\"}", token);
	assert_int_equal(post(&r, "/api/invite/accept", NULL, body), 200);
	assert_int_equal(post(&r, "/api/invite/accept", NULL, body), 404);
	json_decref(j);
	login(&fresh, "newbie");
	assert_int_equal(get(&r, "/api/me", &fresh), 200);
	assert_non_null(strstr(r.body, "\"role\":\"artist\""));
	assert_non_null(strstr(r.body, "zoe-ashwood"));
	assert_int_equal(get(&r, "/api/artists/zoe-ashwood", &fresh), 200);
	assert_int_equal(get(&r, "/api/artists/aurora-fields", &fresh), 404);
}

static void test_wrong_method_is_405_with_allow(void **state)
{
	struct resp r;

	assert_int_equal(request(&r, "DELETE", "/api/me", NULL, NULL, NULL), 405);
	assert_non_null(strstr(r.head, "Allow: GET"));
	assert_int_equal(request(&r, "PUT", "/index.html", NULL, NULL, NULL), 405);
}

static void test_admin_actions_are_audited(void **state)
{
	struct who boss;
	struct resp r;

	login(&boss, "boss");
	assert_int_equal(post(&r, "/api/users/victim/disable", &boss, "{}"), 200);
	assert_int_equal(post(&r, "/api/users/victim/enable", &boss, "{}"), 200);
	assert_int_equal(post(&r, "/api/users/boss/disable", &boss, "{}"), 409);
	assert_int_equal(post(&r, "/api/users/ghost/disable", &boss, "{}"), 404);
	assert_int_equal(get(&r, "/api/audit?limit=5", &boss), 200);
	assert_non_null(strstr(r.body, "\"action\":\"user.enable\""));
	assert_non_null(strstr(r.body, "\"action\":\"user.disable\""));
	assert_true(
	    testutil_count(ledger,
			   "SELECT COUNT(*) FROM audit_log WHERE action = 'login.ok' AND actor ="
			   " 'boss'") >= 1);
	assert_int_equal(get(&r, "/api/audit?limit=0", &boss), 400);
}

static void test_password_change_needs_the_current_one_and_renews_the_session(void **state)
{
	struct who me, other;
	struct resp r;
	const char *c;

	login(&me, "changer");
	login(&other, "changer");
	assert_int_equal(
	    post(&r, "/api/password", &me,
		 "{\"current\":\"not it at all\",\"password\":\"brand new password\"}"),
	    403);
	assert_int_equal(
	    post(&r, "/api/password", &me, "{\"current\":\"" PASSWORD "\",\"password\":\"short\"}"),
	    400);
	assert_int_equal(post(&r, "/api/password", &me,
			      "{\"current\":\"" PASSWORD "\",\"password\":\"brand new password\"}"),
			 200);
	/* Every earlier session ended, this one included; the reply is a new one. */
	assert_int_equal(get(&r, "/api/me", &other), 401);
	assert_int_equal(get(&r, "/api/me", &me), 401);
	assert_int_equal(post(&r, "/api/login", NULL,
			      "{\"username\":\"changer\",\"password\":\"brand new password\"}"),
			 200);
	c = strstr(r.head, "Set-Cookie: ft_session=");
	assert_non_null(c);
	assert_true(
	    testutil_count(ledger,
			   "SELECT COUNT(*) FROM audit_log WHERE action = 'password.change'") == 1);
}

static void test_head_and_unknown_file_types(void **state)
{
	struct resp r;

	assert_int_equal(request(&r, "HEAD", "/api/health", NULL, NULL, NULL), 200);
	assert_int_equal(r.len, 0);
	assert_int_equal(request(&r, "HEAD", "/index.html", NULL, NULL, NULL), 200);
	assert_int_equal(r.len, 0);
	assert_int_equal(get(&r, "/http.ledger", NULL), 404);
	assert_int_equal(get(&r, "/index.html.bak", NULL), 404);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_health_and_pages_are_public),
	    cmocka_unit_test(test_authorization_matrix),
	    cmocka_unit_test(test_artist_asking_for_another_artist_gets_404_not_data),
	    cmocka_unit_test(test_csrf_missing_or_wrong_is_403_and_nothing_changes),
	    cmocka_unit_test(test_login_locks_out_after_repeated_failures),
	    cmocka_unit_test(test_oversized_body_is_413_and_nothing_changes),
	    cmocka_unit_test(test_path_traversal_never_serves_a_file_outside_the_web_root),
	    cmocka_unit_test(test_malformed_bodies_are_400_or_415),
	    cmocka_unit_test(test_sql_injection_strings_are_plain_data),
	    cmocka_unit_test(test_a_slow_client_is_cut_by_the_deadline),
	    cmocka_unit_test(test_logout_ends_the_session),
	    cmocka_unit_test(test_session_cookie_is_httponly_strict_and_secure_behind_tls),
	    cmocka_unit_test(test_invite_link_sets_a_password_once),
	    cmocka_unit_test(test_wrong_method_is_405_with_allow),
	    cmocka_unit_test(test_admin_actions_are_audited),
	    cmocka_unit_test(test_password_change_needs_the_current_one_and_renews_the_session),
	    cmocka_unit_test(test_head_and_unknown_file_types),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
