/*
 * static.c — the portal's pages, served from the web root (GET and HEAD).
 *
 * A path is served only if every check passes, else 404 (the same answer
 * for "does not exist" and "not allowed", so probing learns nothing):
 *  - libmicrohttpd has already percent-decoded it, so %2e%2e and %2f arrive
 *    here as ".." and "/" and are judged like the plain characters;
 *  - characters limited to A-Z a-z 0-9 . _ - and "/" between segments; no
 *    empty segment ("//"), none starting with "." (so no "..", no ".git");
 *  - a known extension (the Content-Type comes from a fixed table, never
 *    from guessing);
 *  - opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) relative to
 *    the web root, so even a symlink planted inside web/ cannot lead out
 *    (older kernels: O_NOFOLLOW, and the checks above);
 *  - a regular file.
 * "/" is index.html.  There are no directory listings.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "http_int.h"

#define PATH_MAX_LEN 200

static const struct {
	const char *ext;
	const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *content_type(const char *path)
{
	const char *dot = strrchr(path, '.');
	size_t i;

	for (i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

/* 1 when rel (no leading "/") is a path we are willing to look up. */
static int safe_relative(const char *rel)
{
	const char *p;
	int seg_start = 1;

	if (!*rel || strlen(rel) > PATH_MAX_LEN)
		return 0;
	for (p = rel; *p; p++) {
		char c = *p;

		if (c == '/') {
			if (seg_start)
				return 0; /* empty segment */
			seg_start = 1;
			continue;
		}
		if (seg_start && c == '.')
			return 0;
		seg_start = 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return !seg_start;
}

static int open_beneath(const char *root, const char *rel)
{
	struct open_how how = {
	    .flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW,
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int dir, fd;

	dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -1;
	fd = (int)syscall(SYS_openat2, dir, rel, &how, sizeof(how));
	if (fd < 0 && (errno == ENOSYS || errno == EPERM))
		fd = openat(dir, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	close(dir);
	return fd;
}

void http_static(struct http_request *req)
{
	const char *rel = req->path;
	const char *type;
	struct MHD_Response *r;
	struct stat st;
	int fd;

	if (rel[0] != '/') {
		http_reply_error(req, 400, "bad path");
		return;
	}
	rel++;
	if (!*rel)
		rel = "index.html";
	type = content_type(rel);
	if (!safe_relative(rel) || !type) {
		http_reply_error(req, 404, "not found");
		return;
	}
	fd = open_beneath(http_opts(req->srv)->web_root, rel);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		http_reply_error(req, 404, "not found");
		return;
	}
	/* libmicrohttpd owns fd from here and closes it. */
	r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!r) {
		close(fd);
		http_reply_error(req, 500, "out of memory");
		return;
	}
	req->cacheable = strcmp(type, "text/html; charset=utf-8") != 0;
	http_reply_raw(req, 200, type, r, (size_t)st.st_size);
}
