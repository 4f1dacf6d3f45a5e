/*
 * http_int.h — shared plumbing of the portal server (internal to src/http).
 *
 * A request goes through server.c (body collection, limits, access log),
 * then route.c (routes.def: match, authenticate, authorise, CSRF, JSON body)
 * and finally one handler in an api_*.c file or static.c.  A handler fills
 * the reply with http_reply_json / http_reply_error and returns; it never
 * touches libmicrohttpd's connection directly, so handlers stay testable and
 * the security checks cannot be skipped by one of them.
 */
#ifndef FAIRTRACK_HTTP_INT_H
#define FAIRTRACK_HTTP_INT_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdint.h>

#include "fairtrack/http.h"
#include "fairtrack/store.h"
#include "fairtrack/users.h"

struct http_server;
struct http_upload; /* api_upload.c */
struct http_jobs;   /* jobs.c */

/* Who may call a route: a set of role bits, or none needed. */
#define ROLE_BIT(r) (1u << (r))
#define ACCESS_PUBLIC 0u
#define ACCESS_ANY                                                                                 \
	(ROLE_BIT(FT_ROLE_ADMIN) | ROLE_BIT(FT_ROLE_STAFF) | ROLE_BIT(FT_ROLE_ARTIST) |            \
	 ROLE_BIT(FT_ROLE_COLLECTIVE_ADMIN) | ROLE_BIT(FT_ROLE_MEMBER_LABEL))
#define ACCESS_STAFF (ROLE_BIT(FT_ROLE_ADMIN) | ROLE_BIT(FT_ROLE_STAFF))
#define ACCESS_ADMIN ROLE_BIT(FT_ROLE_ADMIN)
/* Or'ed into a route's access: its body is a file streamed to disk
 * (api_upload.c), not JSON.  route.c runs the session, role, origin and
 * CSRF checks on the headers alone, before a byte of the body is read. */
#define ACCESS_UPLOAD (1u << 31)

#define HTTP_MAX_PARAMS 4

struct http_request {
	struct http_server *srv;
	struct MHD_Connection *conn;
	const char *method;
	const char *path; /* decoded by libmicrohttpd, without the query */
	char ip[64];
	int64_t now;	   /* Unix seconds when the request arrived */
	uint64_t start_ms; /* monotonic, for the access log */

	/* body */
	char *body;
	size_t body_len;
	int too_large;
	size_t discarded;

	/* route */
	const char *params[HTTP_MAX_PARAMS]; /* {name} captures, in order */
	char param_buf[512];
	json_t *json; /* the parsed body of a state-changing request */

	/* caller */
	struct ft_store *store; /* opened on first use */
	int authed;
	struct ft_user user;
	struct ft_session session;
	char token[FT_TOKEN_HEX + 1]; /* the session cookie, when one was sent */

	/* reply */
	unsigned status;
	struct MHD_Response *response;
	size_t reply_bytes;
	char set_cookie[256];
	char retry_after[24];
	char allow[64]; /* for 405 */
	int cacheable;	/* static files may be cached briefly */
	/* set by http_cache_reply on a miss: the 200 JSON reply is kept under it */
	char cache_key[320];
	uint64_t cache_generation;

	/* a streamed upload (ACCESS_UPLOAD routes), NULL otherwise */
	struct http_upload *upload;
	size_t upload_mark; /* bytes since the watchdog was last told */
};

/* The options the server runs with. */
const struct ft_http_opts *http_opts(const struct http_server *srv);

/* The request's ledger, opened on first use; NULL after replying 503.  It is
 * the worker thread's own connection, kept open from one request to the
 * next (server.c): use it in this thread only, and never keep it. */
struct ft_store *http_store(struct http_request *req);
/* A handler has returned: roll back any transaction it left open and let go
 * of the thread's store (server.c does this after every handler). */
void http_store_release(struct http_request *req);

/* Replies.  json is stolen (NULL is treated as out of memory → 500). */
void http_reply_json(struct http_request *req, unsigned status, json_t *json);
void http_reply_error(struct http_request *req, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Reply for a failed library call: status from its code (404 not found,
 * 409 conflict, 400 input, 503 database busy/failing, 500 otherwise). */
void http_reply_ft_error(struct http_request *req, const struct ft_error *err);
void http_reply_raw(struct http_request *req, unsigned status, const char *content_type,
		    struct MHD_Response *response, size_t bytes);

/* Query-string parameter, NULL when absent. */
const char *http_query(struct http_request *req, const char *name);
/* A request header, NULL when absent. */
const char *http_header(struct http_request *req, const char *name);
/* String member of the JSON body; NULL when absent or not a string. */
const char *http_json_string(struct http_request *req, const char *name);
/* Integer query parameter in [min, max], def when absent; -1 after replying 400. */
int http_query_int(struct http_request *req, const char *name, long long min, long long max,
		   long long def, long long *out);

/* Audit an action of the request's user (or actor when not logged in). */
int http_audit(struct http_request *req, const char *actor, const char *action, const char *target,
	       const char *detail, struct ft_error *err);

/* 1 when the request's user may see artist_id: label staff and admins see
 * every artist, an artist account only those linked to it (api_catalog.c).
 * -1 after a storage failure was replied.  Callers answer 0 with the same
 * 404 as for an artist that does not exist. */
int http_can_see_artist(struct http_request *req, const char *artist_id);

/* Streamed uploads.  http_upload_gate (route.c) runs once the headers are
 * in: 0 when the request is not an upload, 1 when req->upload is ready for
 * the body, -1 after replying (401, 403, 413, 415, 400).  api_upload.c
 * opens the file (http_upload_open: 0, or -1 after replying), writes each
 * piece of the body (http_upload_write: -1 to cut the connection) and frees
 * it (removing the file unless a job took it). */
int http_upload_gate(struct http_request *req);
int http_upload_open(struct http_request *req);
int http_upload_write(struct http_request *req, const char *data, size_t n);
void http_upload_free(struct http_upload *upload);

/* Replies of expensive GETs (cache.c, created with the server).  A handler
 * checks the caller's right to the object FIRST, then: g =
 * http_cache_generation(cache, store) before reading anything;
 * http_cache_get(cache, key, g, &len) → a malloc'd copy of the reply body,
 * or NULL; on a miss, compute and http_cache_put(cache, key, g, body, len)
 * (not kept when the ledger changed meanwhile).  invalidate: the ledger
 * changed in a way no connection's data_version shows (server.c, after
 * each request that is not a GET). */
struct http_cache;
struct http_cache *http_server_cache(const struct http_server *srv);
int http_cache_new(struct http_cache **out, size_t max_bytes);
void http_cache_free(struct http_cache *cache);
void http_cache_invalidate(struct http_cache *cache);
uint64_t http_cache_generation(struct http_cache *cache, struct ft_store *store);
char *http_cache_get(struct http_cache *cache, const char *key, uint64_t generation, size_t *len);
void http_cache_put(struct http_cache *cache, const char *key, uint64_t generation,
		    const char *body, size_t len);
void http_cache_stats(struct http_cache *cache, size_t *hits, size_t *misses, size_t *bytes);
/* For a handler, once the caller's right to see the object is checked: 1
 * after replying 200 with the reply kept under key (parts joined with '|');
 * 0 on a miss, and the handler's next 200 JSON reply is kept. */
int http_cache_reply(struct http_request *req, const char *kind, const char *const *parts,
		     size_t n_parts);

/* The server's background import jobs (jobs.c, created with the server). */
struct http_jobs *http_server_jobs(const struct http_server *srv);

/* The ledger's periods (runs, closed months) as the dashboard and the
 * periods page show them (api_books.c); NULL with err filled. */
json_t *http_periods_json(struct ft_store *store, struct ft_error *err);

/* 1 when the request's user may see payee's statements: label staff and
 * admins see every payee, an artist account only those linked to it
 * (api_statements.c).  -1 after a storage failure was replied.  Callers
 * answer 0 with the same 404 as for a statement that does not exist. */
int http_can_see_payee(struct http_request *req, const char *payee);

/* Reply 200 with a file to save: data (malloc'd, stolen) of len bytes, sent
 * with Content-Disposition: attachment; filename="filename". */
void http_reply_download(struct http_request *req, const char *content_type,
			 const char *filename, char *data, size_t len);

/* Route dispatch (route.c) and static files (static.c). */
void http_dispatch(struct http_request *req);
void http_static(struct http_request *req);

/* Session cookie (auth.c). */
void http_resolve_session(struct http_request *req);
void http_set_session_cookie(struct http_request *req, const char *token, int64_t max_age);

/* CSRF and origin checks (csrf.c): 0 to go on, -1 after replying 403. */
int http_check_origin(struct http_request *req);
int http_check_csrf(struct http_request *req);

/* Login rate limit (ratelimit.c): 0 to go on; 1 when locked (*retry_after
 * seconds), -1 after a storage failure was replied. */
int http_login_gate(struct http_request *req, const char *username, int64_t *retry_after);

/* Every handler has this shape; routes.def names them. */
typedef void (*http_handler)(struct http_request *req);
#define ROUTE(method, pattern, access, handler) void handler(struct http_request *req);
#include "routes.def"
#undef ROUTE

#endif
