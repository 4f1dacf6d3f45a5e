/*
 * api_upload.c — a usage report uploaded through the browser, streamed to
 * disk and imported by a background job (jobs.h).
 *
 *   POST /api/imports?partner=P&name=FILE[&format=F][&month=M][&force=1]
 *   Content-Type: application/octet-stream, the report itself as the body
 *
 * The body is the file, byte for byte: no multipart to parse (a parser is
 * attack surface and the browser sends a File as is with XMLHttpRequest).
 * Before a byte of it is read (http_upload_gate, route.c) the caller is
 * checked like any state change (admin session, same origin, CSRF token),
 * then here the query, the type and the announced size (413 above
 * max_upload), and the partner must be in the catalogue — a refusal costs
 * the client nothing.  The file goes to its own directory under upload_dir
 * (mkdtemp, mode 0700/0600, the name sanitised: no path ever comes from the
 * client), written as libmicrohttpd hands over each piece.  When the body is
 * complete the file is handed to a job and the reply is 202 with the job;
 * GET /api/imports/jobs/{id} tells its progress and outcome.  A request
 * that fails or is cut removes its file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fairtrack/catalog.h"
#include "fairtrack/format.h"
#include "fairtrack/period.h"
#include "http_int.h"
#include "jobs.h"

#define NAME_MAX_CHARS 100

struct http_upload {
	int fd;
	char *dir, *path;
	char name[NAME_MAX_CHARS + 1];
	char partner[128], format[32], month[8];
	int force;
	uint64_t bytes, limit, discarded, cut_after;
	int too_large, write_errno, handed_over;
};

void http_upload_free(struct http_upload *up)
{
	if (!up)
		return;
	if (up->fd >= 0)
		close(up->fd);
	if (!up->handed_over) {
		if (up->path)
			unlink(up->path);
		if (up->dir)
			rmdir(up->dir);
	}
	free(up->path);
	free(up->dir);
	free(up);
}

/* The client's file name reduced to [A-Za-z0-9._-], without leading dots
 * (no hidden files, no "..") and without any directory part. */
static void sanitise_name(char *out, size_t cap, const char *name)
{
	const char *slash;
	size_t n = 0;

	if (name && ((slash = strrchr(name, '/')) || (slash = strrchr(name, '\\'))))
		name = slash + 1;
	for (; name && *name && n + 1 < cap; name++) {
		unsigned char c = (unsigned char)*name;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';

		if (n == 0 && c == '.')
			continue;
		out[n++] = ok ? (char)c : '_';
	}
	out[n] = '\0';
	if (!n)
		snprintf(out, cap, "report");
}

static int is_octet_stream(const char *ct)
{
	size_t n = strlen("application/octet-stream");

	return ct && strncasecmp(ct, "application/octet-stream", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static int ignore_record(void *ctx, const struct ft_catalog_record *record, struct ft_error *err)
{
	return 0;
}

/* 0 when the query is usable (copied into up), -1 after replying 400. */
static int read_query(struct http_request *req, struct http_upload *up)
{
	const char *partner = http_query(req, "partner");
	const char *format = http_query(req, "format");
	const char *month = http_query(req, "month");
	const char *force = http_query(req, "force");
	struct ft_error err;
	int m, rc;

	ft_error_clear(&err);
	if (!partner || !partner[0] || strlen(partner) >= sizeof(up->partner)) {
		http_reply_error(req, 400,
				 "say which partner sent the report: POST "
				 "/api/imports?partner=ID&name=FILE (the body is the file)");
		return -1;
	}
	snprintf(up->partner, sizeof(up->partner), "%s", partner);
	if (format && format[0]) {
		if (!ft_format_find(format)) {
			http_reply_error(req, 400,
					 "no report format '%.40s' (leave it out to detect it from "
					 "the file)",
					 format);
			return -1;
		}
		snprintf(up->format, sizeof(up->format), "%s", format);
	}
	if (month && month[0]) {
		if (ft_month_parse(&m, month, strlen(month), &err)) {
			http_reply_error(req, 400, "month '%.20s': %s", month, err.message);
			return -1;
		}
		ft_month_format(up->month, m);
	}
	if (force && strcmp(force, "1") != 0 && strcmp(force, "0") != 0) {
		http_reply_error(req, 400, "query parameter 'force' must be 0 or 1");
		return -1;
	}
	up->force = force && strcmp(force, "1") == 0;
	sanitise_name(up->name, sizeof(up->name), http_query(req, "name"));
	rc = ft_catalog_show(req->store, FT_CATALOG_PARTNERS, up->partner, ignore_record, NULL,
			     &err);
	if (rc == FT_ENOTFOUND) {
		http_reply_error(req, 400,
				 "the catalogue has no partner '%s' (import it with the catalogue "
				 "first)",
				 up->partner);
		return -1;
	}
	if (rc) {
		http_reply_ft_error(req, &err);
		return -1;
	}
	return 0;
}

/* The upload's own directory and file; 0, or -1 after replying 500. */
static int make_file(struct http_request *req, struct http_upload *up)
{
	const char *root = http_opts(req->srv)->upload_dir;
	char stamp[32];
	struct tm tm;
	time_t now = (time_t)req->now;

	if (mkdir(root, 0700) != 0 && errno != EEXIST)
		goto fail;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (asprintf(&up->dir, "%s/%s-XXXXXX", root, stamp) < 0) {
		up->dir = NULL;
		goto fail;
	}
	if (!mkdtemp(up->dir)) {
		free(up->dir);
		up->dir = NULL;
		goto fail;
	}
	if (asprintf(&up->path, "%s/%s", up->dir, up->name) < 0) {
		up->path = NULL;
		goto fail;
	}
	up->fd = open(up->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (up->fd < 0)
		goto fail;
	return 0;
fail:
	http_reply_error(req, 500, "the server cannot store uploads (%s)", strerror(errno));
	return -1;
}

int http_upload_open(struct http_request *req)
{
	const struct ft_http_opts *opts = http_opts(req->srv);
	const char *type = http_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
	const char *length = http_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
	struct http_upload *up;

	if (!is_octet_stream(type)) {
		http_reply_error(req, 415,
				 "send the report itself as the body, with Content-Type "
				 "application/octet-stream (not a form)");
		return -1;
	}
	if (length && strtoull(length, NULL, 10) > opts->max_upload) {
		http_reply_error(req, 413,
				 "the report is larger than the %llu bytes this server "
				 "accepts (serve --max-upload)",
				 (unsigned long long)opts->max_upload);
		return -1;
	}
	if (!http_store(req))
		return -1;
	up = calloc(1, sizeof(*up));
	if (!up) {
		http_reply_error(req, 500, "out of memory");
		return -1;
	}
	up->fd = -1;
	up->limit = opts->max_upload;
	up->cut_after = 4 * (uint64_t)opts->max_body;
	if (read_query(req, up) || make_file(req, up)) {
		http_upload_free(up);
		return -1;
	}
	req->upload = up;
	return 0;
}

int http_upload_write(struct http_request *req, const char *data, size_t n)
{
	struct http_upload *up = req->upload;

	if (!up->too_large && !up->write_errno && up->bytes + n > up->limit) {
		/* A body without Content-Length (chunked) that grows past the
		 * limit: stop writing, drop the file, and answer 413 if the
		 * client stops soon; cut it if it goes on. */
		up->too_large = 1;
		close(up->fd);
		up->fd = -1;
		unlink(up->path);
	}
	if (up->too_large || up->write_errno) {
		up->discarded += n;
		return up->discarded > up->cut_after ? -1 : 0;
	}
	while (n) {
		ssize_t w = write(up->fd, data, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			up->write_errno = w < 0 ? errno : EIO;
			close(up->fd);
			up->fd = -1;
			unlink(up->path);
			return 0;
		}
		data += w;
		n -= (size_t)w;
		up->bytes += (uint64_t)w;
	}
	return 0;
}

/* ------------------------------------------------------------- handlers */

void api_imports_upload(struct http_request *req)
{
	struct http_upload *up = req->upload;
	struct http_job_spec spec;
	struct ft_error err;
	char detail[256];
	int64_t id = 0;
	int rc;

	ft_error_clear(&err);
	if (up->too_large) {
		http_reply_error(req, 413,
				 "the report is larger than the %llu bytes this server accepts "
				 "(serve --max-upload)",
				 (unsigned long long)up->limit);
		return;
	}
	if (up->write_errno) {
		http_reply_error(req, up->write_errno == ENOSPC ? 507 : 500,
				 "the server could not store the upload (%s)",
				 strerror(up->write_errno));
		return;
	}
	if (up->bytes == 0) {
		http_reply_error(req, 400, "the file is empty");
		return;
	}
	if (close(up->fd) != 0) {
		up->fd = -1;
		http_reply_error(req, 500, "the server could not store the upload (%s)",
				 strerror(errno));
		return;
	}
	up->fd = -1;
	memset(&spec, 0, sizeof(spec));
	spec.dir = up->dir;
	spec.path = up->path;
	spec.name = up->name;
	spec.partner = up->partner;
	spec.format = up->format;
	spec.month = up->month;
	spec.force = up->force;
	spec.bytes = up->bytes;
	spec.user = req->user.username;
	spec.ip = req->ip;
	rc = http_jobs_submit(http_server_jobs(req->srv), &spec, &id, &err);
	if (rc == FT_ECONFLICT) {
		snprintf(req->retry_after, sizeof(req->retry_after), "30");
		http_reply_error(req, 503, "%s", err.message);
		return;
	}
	if (rc) {
		http_reply_ft_error(req, &err);
		return;
	}
	up->handed_over = 1;
	snprintf(detail, sizeof(detail), "job %lld, partner %s, %llu bytes", (long long)id,
		 up->partner, (unsigned long long)up->bytes);
	http_audit(req, NULL, "import.upload", up->name, detail, NULL);
	http_reply_json(req, 202,
			json_pack("{s:o}", "job", http_jobs_get(http_server_jobs(req->srv), id)));
}

void api_import_jobs(struct http_request *req)
{
	json_t *list = http_jobs_list(http_server_jobs(req->srv));

	http_reply_json(req, 200, list ? json_pack("{s:o}", "jobs", list) : NULL);
}

void api_import_job(struct http_request *req)
{
	const char *text = req->params[0];
	json_t *job = NULL;
	char *end;
	long long id;

	errno = 0;
	id = strtoll(text, &end, 10);
	if (!errno && end != text && !*end && id > 0)
		job = http_jobs_get(http_server_jobs(req->srv), (int64_t)id);
	if (!job) {
		http_reply_error(req, 404,
				 "no such import job (jobs are forgotten when the "
				 "server restarts; the imports page lists every batch)");
		return;
	}
	http_reply_json(req, 200, json_pack("{s:o}", "job", job));
}

/* The formats the upload page offers, in the registry's order (the more
 * specific first, as detection prefers them).  "generic" needs a column
 * mapping file (--mapping), which an upload cannot carry, so it is not
 * offered. */
void api_import_formats(struct http_request *req)
{
	const struct ft_format *const *all = ft_formats();
	json_t *list = json_array();

	for (size_t i = 0; list && all[i]; i++) {
		if (strcmp(all[i]->name, "generic") == 0)
			continue;
		if (json_array_append_new(
			list, json_pack("{s:s,s:s}", "name", all[i]->name, "description",
					all[i]->description ? all[i]->description : ""))) {
			json_decref(list);
			list = NULL;
		}
	}
	http_reply_json(req, 200, list ? json_pack("{s:o}", "formats", list) : NULL);
}
