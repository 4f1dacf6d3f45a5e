/*
 * server.c — the portal's HTTP server on libmicrohttpd (fairtrack/http.h).
 *
 * This file owns the connection-level defences; route.c owns the
 * request-level ones.  Limits, and why each exists:
 *  - max_body: a Content-Length above it is answered 413 before a byte of
 *    the body is read; a chunked body that grows past it is discarded as it
 *    arrives (never buffered) and answered 413, and one that keeps streaming
 *    past 4 × the limit is disconnected.
 *  - timeout: libmicrohttpd cuts a connection silent for that long.  That
 *    alone does not stop a "slowloris" client that sends one byte a second,
 *    so a watchdog thread also cuts any connection that has not delivered a
 *    complete request within request_deadline seconds of starting it
 *    (shutdown(2) on the socket; libmicrohttpd then sees the end and cleans up).
 *  - max_connections / max_per_ip and the per-connection memory limit bound
 *    what one client can hold.
 *  - Uploads (ACCESS_UPLOAD routes, api_upload.c) are the one body that may
 *    be large: checked (session, role, origin, CSRF, Content-Length against
 *    max_upload) before a byte is read, then written to a file piece by
 *    piece as libmicrohttpd hands them over, so memory stays at its
 *    connection buffer whatever the size.  The request deadline would cut
 *    any large upload, so while one streams every 64 KiB received restarts
 *    it: a client must keep sending at least 64 KiB per request_deadline
 *    (a slow trickle is still cut), and only a signed-in admin gets here.
 * Graceful stop: stop accepting (quiesce), wait for requests in flight (up to
 * the grace period), then stop the daemon.
 *
 * Ledger connections: one store per libmicrohttpd worker thread, opened by
 * the thread's first request that needs it and kept (opening one — the
 * file, the pragmas, the schema parsed and checked — was ~96 % of a small
 * authenticated request).  A store is used by its own thread only (SQLite
 * is opened without its mutexes), so no lock is taken per request.  After
 * each request any transaction a handler left open is rolled back, so one
 * request's failure never leaks into the next one on that thread; the
 * stores are closed when the daemon stops, once its threads have ended.
 *
 * Access log: one JSON object a line, written under a lock so lines never
 * interleave: time, client address, method, path (never the query string,
 * which could carry a token), status, bytes, milliseconds, user.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fairtrack/period.h"
#include "http_int.h"
#include "jobs.h"

/* A connection as the watchdog sees it. */
struct conn_track {
	int fd;
	int reading;	   /* between requests or receiving one: the deadline runs */
	uint64_t since_ms; /* when the current request began (or the last ended) */
	struct conn_track *prev, *next;
};

/* A worker thread's ledger connection; the server lists them all so stop
 * can close them. */
struct thread_store {
	struct ft_store *store;
	struct thread_store *next;
};

struct http_server {
	struct ft_http_opts opts;
	uint64_t serial; /* tells this server's thread stores from an earlier one's */
	char *ledger, *listen, *web_root, *upload_dir;
	struct MHD_Daemon *daemon;
	unsigned port;

	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t cond;
	struct conn_track *conns;
	unsigned in_flight;
	int stopping;
	pthread_t watchdog;
	int watchdog_started;

	pthread_mutex_t log_lock;
	struct http_jobs *jobs; /* background imports (jobs.c) */

	struct thread_store *stores; /* under lock */
	struct http_cache *cache;    /* replies of expensive GETs (cache.c) */
};

/* The calling thread's store and the server it belongs to (by serial, never
 * by pointer: a freed server's address can come back). */
static _Thread_local struct thread_store *tls_store;
static _Thread_local uint64_t tls_serial;
static uint64_t next_serial = 1; /* under serial_lock */
static pthread_mutex_t serial_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

const struct ft_http_opts *http_opts(const struct http_server *srv)
{
	return &srv->opts;
}

struct http_jobs *http_server_jobs(const struct http_server *srv)
{
	return srv->jobs;
}

struct http_cache *http_server_cache(const struct http_server *srv)
{
	return srv->cache;
}

void ft_http_opts_default(struct ft_http_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->listen = "127.0.0.1:8080";
	o->web_root = "web";
	o->threads = 4;
	o->timeout = 15;
	o->request_deadline = 30;
	o->max_body = 65536;
	o->max_connections = 256;
	o->max_per_ip = 32;
	o->session_ttl = (int64_t)8 * 3600;
	o->invite_ttl = (int64_t)7 * 24 * 3600;
	o->login_max_failures = 5;
	o->ip_max_failures = 30;
	o->login_window = 900;
	o->grace = 10;
	o->max_upload = (uint64_t)4 << 30;
}

int ft_http_parse_listen(const char *listen, char *host, size_t host_cap, unsigned *port,
			 struct ft_error *err)
{
	const char *colon, *h = listen;
	size_t hlen;
	char *end;
	long p;

	if (!listen || !*listen)
		return ft_error_set(err, FT_EUSAGE, "no listen address (use HOST:PORT)");
	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');

		if (!close || close[1] != ':')
			return ft_error_set(err, FT_EUSAGE, "listen address '%s': use [IPv6]:PORT",
					    listen);
		h = listen + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon)
			return ft_error_set(err, FT_EUSAGE,
					    "listen address '%s' has no port (use HOST:PORT, "
					    "e.g. 127.0.0.1:8080)",
					    listen);
		hlen = (size_t)(colon - listen);
	}
	if (hlen >= host_cap)
		return ft_error_set(err, FT_EUSAGE, "listen address '%s': host too long", listen);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || p < 0 || p > 65535)
		return ft_error_set(err, FT_EUSAGE, "listen address '%s': port must be 0 to 65535",
				    listen);
	*port = (unsigned)p;
	return 0;
}

/* ------------------------------------------------------------ connections */

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *srv = cls;
	struct conn_track *t = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *info =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

		t = calloc(1, sizeof(*t));
		if (!t || !info)
			return free(t);
		t->fd = info->connect_fd;
		t->reading = 1;
		t->since_ms = mono_ms();
		pthread_mutex_lock(&srv->lock);
		t->next = srv->conns;
		if (srv->conns)
			srv->conns->prev = t;
		srv->conns = t;
		pthread_mutex_unlock(&srv->lock);
		*socket_context = t;
		return;
	}
	if (!t)
		return;
	/* libmicrohttpd closes the socket after this returns, so the watchdog
	 * (which holds the lock while it calls shutdown) never sees a reused fd. */
	pthread_mutex_lock(&srv->lock);
	if (t->prev)
		t->prev->next = t->next;
	else
		srv->conns = t->next;
	if (t->next)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&srv->lock);
	free(t);
	*socket_context = NULL;
}

static struct conn_track *track_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info ? info->socket_context : NULL;
}

static void track_set(struct http_server *srv, struct MHD_Connection *conn, int reading)
{
	struct conn_track *t = track_of(conn);

	if (!t)
		return;
	pthread_mutex_lock(&srv->lock);
	t->reading = reading;
	t->since_ms = mono_ms();
	pthread_mutex_unlock(&srv->lock);
}

static void *watchdog(void *arg)
{
	struct http_server *srv = arg;
	uint64_t deadline = (uint64_t)srv->opts.request_deadline * 1000u;

	pthread_mutex_lock(&srv->lock);
	while (!srv->stopping) {
		struct timespec until;
		struct conn_track *t;
		uint64_t now = mono_ms();

		for (t = srv->conns; t; t = t->next) {
			if (t->reading && now - t->since_ms > deadline) {
				shutdown(t->fd, SHUT_RDWR);
				t->reading = 0;
			}
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 200 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&srv->cond, &srv->lock, &until);
	}
	pthread_mutex_unlock(&srv->lock);
	return NULL;
}

/* ---------------------------------------------------------------- replies */

static void add_common_headers(struct http_request *req, struct MHD_Response *r)
{
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'self'; img-src 'self' data:; style-src 'self'; "
				"script-src 'self'; frame-ancestors 'none'; form-action 'self'; "
				"base-uri 'none'");
	MHD_add_response_header(r, "Cache-Control",
				req->cacheable ? "public, max-age=300" : "no-store");
	if (req->set_cookie[0])
		MHD_add_response_header(r, "Set-Cookie", req->set_cookie);
	if (req->retry_after[0])
		MHD_add_response_header(r, "Retry-After", req->retry_after);
	if (req->allow[0])
		MHD_add_response_header(r, "Allow", req->allow);
}

void http_reply_raw(struct http_request *req, unsigned status, const char *content_type,
		    struct MHD_Response *response, size_t bytes)
{
	if (req->response)
		MHD_destroy_response(req->response);
	req->response = response;
	req->status = status;
	req->reply_bytes = bytes;
	if (response && content_type)
		MHD_add_response_header(response, "Content-Type", content_type);
}

void http_reply_json(struct http_request *req, unsigned status, json_t *json)
{
	char *text = json ? json_dumps(json, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	struct MHD_Response *r;
	size_t n;

	json_decref(json);
	if (!text) {
		static const char oom[] =
		    "{\"error\":{\"status\":500,\"message\":\"out of memory\"}}";

		r = MHD_create_response_from_buffer(sizeof(oom) - 1, (void *)oom,
						    MHD_RESPMEM_PERSISTENT);
		http_reply_raw(req, 500, "application/json", r, sizeof(oom) - 1);
		return;
	}
	n = strlen(text);
	if (status == 200 && req->cache_key[0])
		http_cache_put(req->srv->cache, req->cache_key, req->cache_generation, text, n);
	req->cache_key[0] = '\0';
	r = MHD_create_response_from_buffer(n, text, MHD_RESPMEM_MUST_FREE);
	if (!r)
		free(text);
	http_reply_raw(req, status, "application/json; charset=utf-8", r, n);
}

void http_reply_error(struct http_request *req, unsigned status, const char *fmt, ...)
{
	char message[FT_ERROR_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	http_reply_json(
	    req, status,
	    json_pack("{s:{s:i,s:s}}", "error", "status", (int)status, "message", message));
}

void http_reply_ft_error(struct http_request *req, const struct ft_error *err)
{
	switch (err->code) {
	case FT_ENOTFOUND:
		http_reply_error(req, 404, "%s", err->message);
		break;
	case FT_EEXISTS:
	case FT_ECONFLICT:
		http_reply_error(req, 409, "%s", err->message);
		break;
	case FT_EINVAL:
	case FT_EUSAGE:
		http_reply_error(req, 400, "%s", err->message);
		break;
	case FT_EDB:
		/* Usually the write lock held by a long CLI import: say so and let
		 * the client retry, without the database's own words. */
		snprintf(req->retry_after, sizeof(req->retry_after), "5");
		http_reply_error(req, 503, "the ledger is busy; try again in a few seconds");
		break;
	default:
		http_reply_error(req, 500, "internal error (%s)", ft_error_name(err->code));
	}
}

/* ------------------------------------------------------------- requests */

struct ft_store *http_store(struct http_request *req)
{
	struct http_server *srv = req->srv;
	struct thread_store *t;
	struct ft_error err;

	if (req->store)
		return req->store;
	if (tls_store && tls_serial == srv->serial) {
		req->store = tls_store->store;
		return req->store;
	}
	ft_error_clear(&err);
	t = calloc(1, sizeof(*t));
	if (!t || ft_store_open(&t->store, srv->ledger, 0, &err)) {
		free(t);
		snprintf(req->retry_after, sizeof(req->retry_after), "5");
		http_reply_error(req, 503, "the ledger cannot be opened; try again later");
		return NULL;
	}
	pthread_mutex_lock(&srv->lock);
	t->next = srv->stores;
	srv->stores = t;
	pthread_mutex_unlock(&srv->lock);
	tls_store = t;
	tls_serial = srv->serial;
	req->store = t->store;
	return req->store;
}

void http_store_release(struct http_request *req)
{
	/* Now, not when the reply has gone: the thread serves other
	 * connections meanwhile, with the same store. */
	if (req->store && ft_store_in_transaction(req->store))
		ft_store_rollback(req->store, NULL);
	req->store = NULL;
}

const char *http_query(struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_json_string(struct http_request *req, const char *name)
{
	json_t *v = req->json ? json_object_get(req->json, name) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

int http_query_int(struct http_request *req, const char *name, long long min, long long max,
		   long long def, long long *out)
{
	const char *text = http_query(req, name);
	char *end;
	long long v;

	*out = def;
	if (!text)
		return 0;
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || end == text || *end || v < min || v > max) {
		http_reply_error(req, 400,
				 "query parameter '%s' must be an integer from %lld to %lld", name,
				 min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int http_audit(struct http_request *req, const char *actor, const char *action, const char *target,
	       const char *detail, struct ft_error *err)
{
	struct ft_store *store = http_store(req);

	if (!store)
		return ft_error_set(err, FT_EDB, "no ledger");
	return ft_audit_add(store, req->now, req->authed ? req->user.username : actor, action,
			    target, detail, req->ip, err);
}

static void client_ip(struct MHD_Connection *conn, char *buf, size_t cap)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = info ? info->client_addr : NULL;

	snprintf(buf, cap, "-");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
			  (socklen_t)cap);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  buf, (socklen_t)cap);
}

static enum MHD_Result send_reply(struct http_request *req)
{
	enum MHD_Result ok;

	if (!req->response)
		http_reply_error(req, 500, "internal error (no reply)");
	if (!req->response)
		return MHD_NO;
	add_common_headers(req, req->response);
	ok = MHD_queue_response(req->conn, req->status, req->response);
	MHD_destroy_response(req->response);
	req->response = NULL;
	return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct http_request *req = *con_cls;
	size_t max = srv->opts.max_body;
	int gate;

	if (!req) {
		const char *length;

		req = calloc(1, sizeof(*req));
		if (!req)
			return MHD_NO;
		req->srv = srv;
		req->conn = conn;
		req->method = method;
		req->path = url;
		req->now = (int64_t)time(NULL);
		req->start_ms = mono_ms();
		client_ip(conn, req->ip, sizeof(req->ip));
		*con_cls = req;
		pthread_mutex_lock(&srv->lock);
		srv->in_flight++;
		pthread_mutex_unlock(&srv->lock);
		gate = http_upload_gate(req);
		http_store_release(req);
		if (gate < 0)
			return send_reply(req);
		if (gate > 0)
			return MHD_YES;
		length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (length && strtoull(length, NULL, 10) > max) {
			req->too_large = 1;
			http_reply_error(req, 413, "request body larger than %zu bytes", max);
			return send_reply(req);
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (req->response) /* already answered (413): drop the rest */
			return MHD_YES;
		if (req->upload) {
			if (http_upload_write(req, upload_data, n))
				return MHD_NO;
			req->upload_mark += n;
			if (req->upload_mark >= 65536) {
				req->upload_mark = 0;
				track_set(srv, conn, 1);
			}
			return MHD_YES;
		}
		if (req->too_large || req->body_len + n > max) {
			req->too_large = 1;
			free(req->body);
			req->body = NULL;
			req->discarded += n;
			return req->discarded > 4 * max ? MHD_NO : MHD_YES;
		}
		if (!req->body) {
			req->body = malloc(max + 1);
			if (!req->body)
				return MHD_NO;
		}
		memcpy(req->body + req->body_len, upload_data, n);
		req->body_len += n;
		req->body[req->body_len] = '\0';
		return MHD_YES;
	}
	if (req->response || req->status)
		return MHD_YES;
	track_set(srv, conn, 0);
	if (req->too_large)
		http_reply_error(req, 413, "request body larger than %zu bytes", max);
	else
		http_dispatch(req);
	http_store_release(req);
	/* This thread's own commits do not show in its connection's
	 * data_version (cache.c): anything but a read moves the cache on. */
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
		http_cache_invalidate(srv->cache);
	return send_reply(req);
}

static void write_access_log(struct http_server *srv, struct http_request *req,
			     enum MHD_RequestTerminationCode toe)
{
	char stamp[FT_TIMESTAMP_MAX];
	json_t *line;
	char *text;

	if (!srv->opts.access_log)
		return;
	ft_timestamp_utc(stamp, req->now);
	line = json_pack("{s:s,s:s,s:s,s:s,s:i,s:I,s:I,s:s}", "ts", stamp, "ip", req->ip, "method",
			 req->method ? req->method : "", "path", req->path ? req->path : "",
			 "status", (int)req->status, "bytes", (json_int_t)req->reply_bytes, "ms",
			 (json_int_t)(mono_ms() - req->start_ms), "user",
			 req->authed ? req->user.username : "-");
	if (line && toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		json_object_set_new(line, "aborted", json_true());
	text = line ? json_dumps(line, JSON_COMPACT) : NULL;
	if (text) {
		pthread_mutex_lock(&srv->log_lock);
		fprintf(srv->opts.access_log, "%s\n", text);
		fflush(srv->opts.access_log);
		pthread_mutex_unlock(&srv->log_lock);
	}
	free(text);
	json_decref(line);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;
	struct http_request *req = *con_cls;

	if (!req)
		return;
	write_access_log(srv, req, toe);
	if (req->response)
		MHD_destroy_response(req->response);
	http_upload_free(req->upload);
	http_store_release(req);
	json_decref(req->json);
	free(req->body);
	explicit_bzero(req->token, sizeof(req->token));
	free(req);
	*con_cls = NULL;
	track_set(srv, conn, 1);
	pthread_mutex_lock(&srv->lock);
	srv->in_flight--;
	pthread_cond_broadcast(&srv->cond);
	pthread_mutex_unlock(&srv->lock);
}

/* ------------------------------------------------------------- lifecycle */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* upload_dir, or "uploads" beside a ledger file, or the temp dir for a URL. */
static char *upload_dir(const struct ft_http_opts *opts)
{
	const char *slash;
	char *dir;

	if (opts->upload_dir && opts->upload_dir[0])
		return strdup(opts->upload_dir);
	if (strstr(opts->ledger, "://")) {
		const char *tmp = getenv("TMPDIR");

		if (asprintf(&dir, "%s/fairtrack-uploads", tmp && tmp[0] ? tmp : "/tmp") < 0)
			return NULL;
		return dir;
	}
	slash = strrchr(opts->ledger, '/');
	if (!slash)
		return strdup("uploads");
	if (asprintf(&dir, "%.*s/uploads", (int)(slash - opts->ledger), opts->ledger) < 0)
		return NULL;
	return dir;
}

int ft_http_start(struct ft_http_server **out, const struct ft_http_opts *opts,
		  struct ft_error *err)
{
	struct http_server *srv = NULL;
	struct sockaddr_storage addr;
	char host[256] = "";
	unsigned port = 0;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC;
	struct stat st;
	const union MHD_DaemonInfo *info;
	int rc;

	*out = NULL;
	if (!opts->ledger || !opts->ledger[0])
		return ft_error_set(err, FT_EUSAGE, "the server needs a ledger (-l LEDGER)");
	rc = ft_http_parse_listen(opts->listen, host, sizeof(host), &port, err);
	if (rc)
		return rc;
	memset(&addr, 0, sizeof(addr));
	if (!host[0] || strcmp(host, "*") == 0) {
		struct sockaddr_in *a = (struct sockaddr_in *)&addr;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_ANY);
		a->sin_port = htons((uint16_t)port);
	} else if (strcmp(host, "localhost") == 0 ||
		   inet_pton(AF_INET, host, &((struct sockaddr_in *)&addr)->sin_addr) == 1) {
		struct sockaddr_in *a = (struct sockaddr_in *)&addr;

		if (strcmp(host, "localhost") == 0)
			a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&addr)->sin6_addr) == 1) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&addr;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		flags |= MHD_USE_IPv6;
	} else {
		return ft_error_set(err, FT_EUSAGE,
				    "listen address '%s': '%s' is not an IP address (use e.g. "
				    "127.0.0.1:8080 or [::1]:8080)",
				    opts->listen, host);
	}
	if (!opts->web_root || stat(opts->web_root, &st) != 0 || !S_ISDIR(st.st_mode))
		return ft_error_set(err, FT_ENOTFOUND,
				    "web root '%s' is not a directory (run from the source tree or "
				    "give --web DIR)",
				    opts->web_root ? opts->web_root : "");
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	srv->opts = *opts;
	pthread_mutex_lock(&serial_lock);
	srv->serial = next_serial++;
	pthread_mutex_unlock(&serial_lock);
	srv->ledger = dup_or_null(opts->ledger);
	srv->listen = dup_or_null(opts->listen);
	srv->web_root = dup_or_null(opts->web_root);
	srv->upload_dir = upload_dir(opts);
	if (!srv->ledger || !srv->listen || !srv->web_root || !srv->upload_dir) {
		rc = ft_error_set(err, FT_ENOMEM, "out of memory");
		goto fail;
	}
	srv->opts.ledger = srv->ledger;
	srv->opts.listen = srv->listen;
	srv->opts.web_root = srv->web_root;
	srv->opts.upload_dir = srv->upload_dir;
	if (!srv->opts.max_upload)
		srv->opts.max_upload = (uint64_t)4 << 30;
	rc = http_jobs_new(&srv->jobs, srv->ledger, err);
	if (rc)
		goto fail;
	if (http_cache_new(&srv->cache, (size_t)64 << 20)) {
		rc = ft_error_set(err, FT_ENOMEM, "out of memory");
		goto fail;
	}
	if (!srv->opts.threads)
		srv->opts.threads = 1;
	if (!srv->opts.request_deadline)
		srv->opts.request_deadline = 30;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_mutex_init(&srv->log_lock, NULL);
	pthread_cond_init(&srv->cond, NULL);

	srv->daemon = MHD_start_daemon(
	    flags, (uint16_t)port, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)srv->opts.threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)srv->opts.timeout, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)srv->opts.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)srv->opts.max_per_ip, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION,
	    on_connection, srv, MHD_OPTION_END);
	if (!srv->daemon) {
		rc = ft_error_set(err, FT_EIO, "cannot listen on %s: %s", opts->listen,
				  errno ? strerror(errno) : "libmicrohttpd refused the options");
		goto fail_sync;
	}
	info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : port;
	if (pthread_create(&srv->watchdog, NULL, watchdog, srv) != 0) {
		rc = ft_error_set(err, FT_ENOMEM, "cannot start the watchdog thread");
		MHD_stop_daemon(srv->daemon);
		goto fail_sync;
	}
	srv->watchdog_started = 1;
	*out = (struct ft_http_server *)srv;
	return 0;
fail_sync:
	pthread_cond_destroy(&srv->cond);
	pthread_mutex_destroy(&srv->log_lock);
	pthread_mutex_destroy(&srv->lock);
fail:
	http_cache_free(srv->cache);
	http_jobs_free(srv->jobs);
	free(srv->ledger);
	free(srv->listen);
	free(srv->web_root);
	free(srv->upload_dir);
	free(srv);
	return rc;
}

unsigned ft_http_port(const struct ft_http_server *server)
{
	return ((const struct http_server *)server)->port;
}

void ft_http_stop(struct ft_http_server *server)
{
	struct http_server *srv = (struct http_server *)server;
	MHD_socket listen_fd;
	struct timespec until;

	if (!srv)
		return;
	listen_fd = MHD_quiesce_daemon(srv->daemon);
	if (listen_fd != MHD_INVALID_SOCKET)
		close(listen_fd);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += srv->opts.grace;
	pthread_mutex_lock(&srv->lock);
	while (srv->in_flight > 0)
		if (pthread_cond_timedwait(&srv->cond, &srv->lock, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&srv->lock);
	MHD_stop_daemon(srv->daemon);
	pthread_mutex_lock(&srv->lock);
	srv->stopping = 1;
	pthread_cond_broadcast(&srv->cond);
	pthread_mutex_unlock(&srv->lock);
	if (srv->watchdog_started)
		pthread_join(srv->watchdog, NULL);
	/* The worker threads have ended with the daemon: their stores are
	 * nobody's now, so closing them here is safe. */
	while (srv->stores) {
		struct thread_store *t = srv->stores;

		srv->stores = t->next;
		ft_store_close(t->store);
		free(t);
	}
	/* After the daemon: no request can submit a job any more.  Waits for
	 * the import in progress (all or nothing, so it either lands whole or
	 * not at all); queued ones are dropped with their files. */
	http_jobs_free(srv->jobs);
	http_cache_free(srv->cache);
	pthread_cond_destroy(&srv->cond);
	pthread_mutex_destroy(&srv->log_lock);
	pthread_mutex_destroy(&srv->lock);
	free(srv->ledger);
	free(srv->listen);
	free(srv->web_root);
	free(srv->upload_dir);
	free(srv);
}
