/*
 * route.c — dispatch through routes.def, with every request-level check in
 * one place and in a fixed order, so no handler can forget one:
 *
 *   1. match the path (404) and the method (405 with Allow);
 *   2. the session from the cookie; 401 when the route needs one, 403 when
 *      the user's role is not allowed;
 *   3. for anything but GET/HEAD: same origin (403), the session's CSRF
 *      token (403), a JSON body (415 for another type — multipart included —
 *      and 400 for JSON that does not parse or is not an object);
 *   4. the handler.
 * Paths outside /api/ are static files (static.c), GET and HEAD only.
 *
 * An upload route (ACCESS_UPLOAD: a report file as the raw body) goes
 * through steps 1–3 twice: once by http_upload_gate as soon as the headers
 * are in, so nobody without the role, the same origin and the CSRF token
 * can make the server write a byte to disk, and again when the body is
 * complete (a session ended during a long upload is refused then); its body
 * is the file, never parsed as JSON.
 */
#include <stdio.h>
#include <string.h>

#include "http_int.h"

struct route {
	const char *method;
	const char *pattern;
	unsigned access;
	http_handler handler;
};

#define ROUTE(method, pattern, access, handler) {#method, pattern, access, handler},
static const struct route routes[] = {
#include "routes.def"
};
#undef ROUTE

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

/*
 * Match path against pattern segment by segment; {x} takes one non-empty
 * segment.  Captures are copied into req->param_buf.  An empty segment in
 * the path ("//", a trailing "/") matches nothing.
 */
static int match(struct http_request *req, const char *pattern, const char *path)
{
	size_t used = 0;
	int n = 0;

	while (*pattern && *path) {
		const char *pe, *se;

		if (*pattern != '/' || *path != '/')
			return 0;
		pattern++;
		path++;
		pe = strchr(pattern, '/');
		se = strchr(path, '/');
		if (!pe)
			pe = pattern + strlen(pattern);
		if (!se)
			se = path + strlen(path);
		if (se == path)
			return 0;
		if (*pattern == '{') {
			size_t len = (size_t)(se - path);

			if (n >= HTTP_MAX_PARAMS || used + len + 1 > sizeof(req->param_buf))
				return 0;
			memcpy(req->param_buf + used, path, len);
			req->param_buf[used + len] = '\0';
			req->params[n++] = req->param_buf + used;
			used += len + 1;
		} else if ((size_t)(pe - pattern) != (size_t)(se - path) ||
			   memcmp(pattern, path, (size_t)(se - path)) != 0) {
			return 0;
		}
		pattern = pe;
		path = se;
	}
	return !*pattern && !*path;
}

static int is_json(const char *content_type)
{
	size_t n = strlen("application/json");

	return content_type && strncasecmp(content_type, "application/json", n) == 0 &&
	       (content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ');
}

static int parse_body(struct http_request *req)
{
	json_error_t jerr;

	if (!is_json(http_header(req, MHD_HTTP_HEADER_CONTENT_TYPE))) {
		http_reply_error(req, 415, "send the request body as application/json");
		return -1;
	}
	req->json =
	    json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req->json) {
		http_reply_error(req, 400, "malformed JSON at line %d, column %d: %s", jerr.line,
				 jerr.column, jerr.text);
		return -1;
	}
	if (!json_is_object(req->json)) {
		http_reply_error(req, 400, "the request body must be a JSON object");
		return -1;
	}
	return 0;
}

/* The route for req's path and method; NULL with *path_known set when the
 * path exists for other methods (allow lists them). */
static const struct route *find_route(struct http_request *req, int *path_known, char *allow,
				      size_t allow_cap)
{
	const struct route *found = NULL;
	size_t i;

	*path_known = 0;
	allow[0] = '\0';
	for (i = 0; i < N_ROUTES; i++) {
		const char *m = routes[i].method;

		if (!match(req, routes[i].pattern, req->path))
			continue;
		*path_known = 1;
		if (!strstr(allow, m)) {
			size_t used = strlen(allow);

			snprintf(allow + used, allow_cap - used, "%s%s", used ? ", " : "", m);
		}
		if (strcmp(m, req->method) == 0 ||
		    (strcmp(req->method, "HEAD") == 0 && strcmp(m, "GET") == 0)) {
			found = &routes[i];
			break;
		}
	}
	/* The captures of the winning route (a later failed match may have
	 * overwritten them): match again. */
	if (found)
		match(req, found->pattern, req->path);
	return found;
}

/* Steps 2 and 3 but the body: 0 to go on, -1 after replying. */
static int check_caller(struct http_request *req, const struct route *found, int is_get)
{
	req->authed = 0; /* an upload is checked twice: the second look decides */
	http_resolve_session(req);
	if (req->response)
		return -1;
	if (found->access != ACCESS_PUBLIC) {
		if (!req->authed) {
			http_reply_error(req, 401, "sign in first");
			return -1;
		}
		if (!(found->access & ROLE_BIT(req->user.role))) {
			http_reply_error(req, 403, "your account may not do this");
			return -1;
		}
	}
	if (!is_get) {
		if (http_check_origin(req))
			return -1;
		if (found->access != ACCESS_PUBLIC && http_check_csrf(req))
			return -1;
	}
	return 0;
}

int http_upload_gate(struct http_request *req)
{
	const struct route *found;
	char allow[64];
	int path_known;

	if (strncmp(req->path, "/api/", 5) != 0)
		return 0;
	found = find_route(req, &path_known, allow, sizeof(allow));
	if (!found || !(found->access & ACCESS_UPLOAD))
		return 0;
	if (check_caller(req, found, 0))
		return -1;
	return http_upload_open(req) ? -1 : 1;
}

void http_dispatch(struct http_request *req)
{
	const struct route *found;
	int path_known = 0, is_get;
	char allow[64] = "";

	is_get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
	if (strncmp(req->path, "/api/", 5) != 0 && strcmp(req->path, "/api") != 0) {
		if (!is_get) {
			snprintf(req->allow, sizeof(req->allow), "GET, HEAD");
			http_reply_error(req, 405, "only GET and HEAD are allowed here");
			return;
		}
		http_static(req);
		return;
	}
	found = find_route(req, &path_known, allow, sizeof(allow));
	if (!found) {
		if (path_known) {
			snprintf(req->allow, sizeof(req->allow), "%s", allow);
			http_reply_error(req, 405, "method %s not allowed here", req->method);
		} else {
			http_reply_error(req, 404, "no such API endpoint");
		}
		return;
	}
	if (check_caller(req, found, is_get))
		return;
	if (found->access & ACCESS_UPLOAD) {
		/* The gate opened the file when the headers came in; without
		 * it (never expected) there is no body to hand over. */
		if (!req->upload) {
			http_reply_error(req, 500, "internal error (upload not prepared)");
			return;
		}
	} else if (!is_get && parse_body(req)) {
		return;
	}
	found->handler(req);
}
