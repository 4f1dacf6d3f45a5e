/*
 * reader.c — report files to lines or to memory (include/fairtrack/ingest.h).
 *
 * A report reaches the parsers in one of two shapes:
 *   - a plain file is mmap'ed read-only; its bytes are handed out whole
 *     (ft_report_map) so the flat-tsv fast path can split them between
 *     threads without copying, and lines are walked in place;
 *   - a gzip stream (zlib, every member of a multi-member file) or a zip
 *     entry (libarchive, every regular entry is a report) is decompressed
 *     into a growing buffer and cut into lines there.
 * What it guarantees: every byte of the report is in exactly one line, line
 * numbers are 1-based and count the lines of the decompressed text, a UTF-8
 * BOM at the start of a report and the CR of a CRLF never reach a parser, a
 * last line without terminator is still a line, and a mapped file never
 * stays resident behind the cursor: pages already consumed are dropped with
 * MADV_DONTNEED (file-backed pages count in RSS; dropping them costs
 * nothing, the page cache keeps them), so a 10 GB report needs no more
 * memory than a 10 MB one.
 *
 * It does not know formats: which parser runs is the caller's choice
 * (ft_report_head gives the bytes ft_format_detect needs).
 */
#include "fairtrack/ingest.h"
#include "ingest/reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fairtrack/csv.h"

#define HEAD_MAX (64 * 1024)
/* A longer line is not a report line but a wrong file (or a delimiter
 * mismatch in a one-line dump); refusing it keeps memory bounded. */
#define LINE_MAX_BYTES (64u * 1024 * 1024)
#define STREAM_CHUNK (256 * 1024)
/* How far a line walk over a mapped file runs ahead of its last release. */
#define RELEASE_EVERY ((size_t)64 * 1024 * 1024)

typedef int (*stream_read_fn)(void *src, char *buf, size_t cap, size_t *got, struct ft_error *err);

struct ft_report {
	const char *name;
	/* plain file: the mapping and the data after any BOM */
	const char *map;
	size_t map_len;
	const char *data;
	size_t len;
	/* stream */
	stream_read_fn read;
	void *src;
	char *buf;
	size_t cap, start, end;
	int eof;
	int bom_checked;
	int walked;
	/* Progress: bytes consumed, reported to the hook at most every few MB;
	 * several parse threads add to `done` (atomically). */
	ft_progress_fn progress;
	void *progress_ctx;
	uint64_t done, reported;
	int progress_busy;
};

void reader_set_progress(struct ft_report *report, ft_progress_fn fn, void *ctx)
{
	report->progress = fn;
	report->progress_ctx = ctx;
}

/* Tell the hook about `bytes` more consumed; one thread at a time, and only
 * every 4 MB, so the hot path pays one atomic add per window. */
static void advance(struct ft_report *r, uint64_t bytes)
{
	uint64_t done;

	if (!r->progress)
		return;
	done = __atomic_add_fetch(&r->done, bytes, __ATOMIC_RELAXED);
	if (done - __atomic_load_n(&r->reported, __ATOMIC_RELAXED) < (4u << 20) &&
	    done < (uint64_t)r->len)
		return;
	if (__atomic_exchange_n(&r->progress_busy, 1, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&r->reported, done, __ATOMIC_RELAXED);
	r->progress(r->progress_ctx, done, r->map ? (uint64_t)r->len : 0);
	__atomic_store_n(&r->progress_busy, 0, __ATOMIC_RELEASE);
}

static const char bom[3] = {'\xEF', '\xBB', '\xBF'};

/* ------------------------------------------------------------ gzip source */

struct gz_src {
	int fd;
	const char *name;
	z_stream zs;
	unsigned char in[STREAM_CHUNK];
	int in_eof;
	int done;
};

static int gz_read(void *p, char *buf, size_t cap, size_t *got, struct ft_error *err)
{
	struct gz_src *gz = p;

	*got = 0;
	gz->zs.next_out = (unsigned char *)buf;
	gz->zs.avail_out = (uInt)cap;
	while (!gz->done && gz->zs.avail_out == cap) {
		int rc;

		if (gz->zs.avail_in == 0 && !gz->in_eof) {
			ssize_t n = read(gz->fd, gz->in, sizeof(gz->in));

			if (n < 0)
				return ft_error_setloc(err, FT_EIO, gz->name, 0, NULL,
						       "read failed: %s", strerror(errno));
			if (n == 0)
				gz->in_eof = 1;
			gz->zs.next_in = gz->in;
			gz->zs.avail_in = (uInt)n;
		}
		if (gz->zs.avail_in == 0 && gz->in_eof) {
			/* Only a stream cut inside a member is an error; the
			 * end of the last member was handled below. */
			return ft_error_setloc(err, FT_EINVAL, gz->name, 0, NULL,
					       "the gzip stream is truncated (the file was cut "
					       "short; copy or download it again)");
		}
		rc = inflate(&gz->zs, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			/* Multi-member gzip (concatenated .gz files, as
			 * RFC 1952 §2.2 allows): another member may follow. */
			if (gz->zs.avail_in == 0 && !gz->in_eof) {
				ssize_t n = read(gz->fd, gz->in, sizeof(gz->in));

				if (n < 0)
					return ft_error_setloc(err, FT_EIO, gz->name, 0, NULL,
							       "read failed: %s", strerror(errno));
				gz->zs.next_in = gz->in;
				gz->zs.avail_in = (uInt)n;
				if (n == 0)
					gz->in_eof = 1;
			}
			if (gz->zs.avail_in == 0)
				gz->done = 1;
			else
				inflateReset(&gz->zs);
		} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			return ft_error_setloc(err, FT_EINVAL, gz->name, 0, NULL,
					       "not valid gzip data (%s)",
					       gz->zs.msg ? gz->zs.msg : "inflate failed");
		}
	}
	*got = cap - gz->zs.avail_out;
	return 0;
}

/* ------------------------------------------------------------- zip source */

struct zip_src {
	struct archive *ar;
	const char *name;
};

static int zip_read(void *p, char *buf, size_t cap, size_t *got, struct ft_error *err)
{
	struct zip_src *z = p;
	la_ssize_t n = archive_read_data(z->ar, buf, cap);

	if (n < 0) {
		*got = 0;
		return ft_error_setloc(err, FT_EINVAL, z->name, 0, NULL,
				       "cannot read the zip entry: %s",
				       archive_error_string(z->ar));
	}
	*got = (size_t)n;
	return 0;
}

/* ------------------------------------------------------- stream buffering */

/* Read more into the buffer; keeps [start, end) and may move it to 0. */
static int fill(struct ft_report *r, struct ft_error *err)
{
	size_t got = 0;
	int rc;

	if (r->eof)
		return 0;
	if (r->start > 0 && r->end - r->start < r->cap / 2) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->cap - r->end < STREAM_CHUNK) {
		size_t cap = r->cap ? r->cap * 2 : 4 * STREAM_CHUNK;
		char *grown;

		if (cap > LINE_MAX_BYTES + 4 * (size_t)STREAM_CHUNK)
			return ft_error_setloc(err, FT_EINVAL, r->name, 0, NULL,
					       "a line is longer than %u MiB (is this a report "
					       "file? a binary or a one-line file is not)",
					       LINE_MAX_BYTES >> 20);
		grown = realloc(r->buf, cap);
		if (!grown)
			return ft_error_set(err, FT_ENOMEM, "out of memory reading %s", r->name);
		r->buf = grown;
		r->cap = cap;
	}
	rc = r->read(r->src, r->buf + r->end, r->cap - r->end, &got, err);
	if (rc)
		return rc;
	if (got == 0)
		r->eof = 1;
	r->end += got;
	advance(r, got);
	if (!r->bom_checked && (r->end - r->start >= 3 || r->eof)) {
		r->bom_checked = 1;
		if (r->end - r->start >= 3 && memcmp(r->buf + r->start, bom, 3) == 0)
			r->start += 3;
	}
	return 0;
}

static int stream_lines(struct ft_report *r, ft_line_fn fn, void *ctx, struct ft_error *err)
{
	long line_no = 0;
	size_t scan = r->start;

	for (;;) {
		char *nl = NULL;
		int rc;

		if (scan < r->end)
			nl = memchr(r->buf + scan, '\n', r->end - scan);
		if (nl) {
			size_t len = (size_t)(nl - (r->buf + r->start));

			if (len > 0 && r->buf[r->start + len - 1] == '\r')
				len--;
			rc = fn(ctx, r->buf + r->start, len, ++line_no, err);
			if (rc)
				return rc;
			r->start = (size_t)(nl - r->buf) + 1;
			scan = r->start;
			continue;
		}
		if (r->eof) {
			size_t len = r->end - r->start;

			if (len == 0)
				return 0;
			if (r->buf[r->start + len - 1] == '\r')
				len--;
			rc = fn(ctx, r->buf + r->start, len, ++line_no, err);
			r->start = r->end;
			return rc;
		}
		scan = r->end - r->start; /* relative: fill may move the data */
		rc = fill(r, err);
		if (rc)
			return rc;
		scan += r->start;
	}
}

/* ------------------------------------------------------------- public API */

const char *ft_report_name(const struct ft_report *report)
{
	return report->name;
}

int ft_report_head(struct ft_report *report, const char **head, size_t *len, struct ft_error *err)
{
	if (report->map || !report->read) {
		*head = report->data;
		*len = report->len < HEAD_MAX ? report->len : HEAD_MAX;
		return 0;
	}
	if (report->walked)
		return ft_error_set(err, FT_EUSAGE, "%s: head asked after the lines were read",
				    report->name);
	while (!report->eof && report->end - report->start < HEAD_MAX) {
		int rc = fill(report, err);

		if (rc)
			return rc;
	}
	*head = report->buf ? report->buf + report->start : "";
	*len = report->end - report->start < HEAD_MAX ? report->end - report->start : HEAD_MAX;
	return 0;
}

int ft_report_map(struct ft_report *report, const char **data, size_t *len)
{
	if (report->read)
		return 0;
	*data = report->data;
	*len = report->len;
	return 1;
}

void ft_report_release(struct ft_report *report, size_t off, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t from, to;

	if (!report->map || len == 0)
		return;
	advance(report, len);
	/* Inward to whole pages: a page shared with a neighbour's range stays. */
	from = (size_t)(report->data - report->map) + off;
	to = from + len;
	from = (from + page - 1) & ~(page - 1);
	to &= ~(page - 1);
	if (to > from)
		madvise((void *)(report->map + from), to - from, MADV_DONTNEED);
}

int ft_report_each_line(struct ft_report *report, ft_line_fn fn, void *ctx, struct ft_error *err)
{
	if (report->walked)
		return ft_error_set(err, FT_EUSAGE, "%s: lines read twice", report->name);
	report->walked = 1;
	if (report->read)
		return stream_lines(report, fn, ctx, err);
	{
		struct ft_lines it;
		const char *line;
		size_t len, released = 0;
		long line_no;

		ft_lines_init(&it, report->data, report->len);
		while (ft_lines_next(&it, &line, &len, &line_no)) {
			int rc = fn(ctx, line, len, line_no, err);

			if (rc)
				return rc;
			if (it.pos - released >= RELEASE_EVERY) {
				ft_report_release(report, released, it.pos - released);
				released = it.pos;
			}
		}
	}
	return 0;
}

struct parse_run {
	const struct ft_format *format;
	struct ft_format_ctx ctx;
	void *state;
	ft_usage_sink_fn sink;
	void *sink_ctx;
	reader_reject_fn reject;
	void *reject_ctx;
};

static int parse_line(void *p, const char *line, size_t len, long line_no, struct ft_error *err)
{
	struct parse_run *run = p;
	struct ft_error why;
	int rc;

	if (!run->reject)
		return run->format->line(run->state, &run->ctx, line, len, line_no, run->sink,
					 run->sink_ctx, err);
	ft_error_clear(&why);
	rc = run->format->line(run->state, &run->ctx, line, len, line_no, run->sink, run->sink_ctx,
			       &why);
	if (rc == FT_EINVAL)
		return run->reject(run->reject_ctx, line, len, line_no, &why, err);
	if (rc && err)
		*err = why;
	return rc;
}

int ft_report_parse(struct ft_report *report, const struct ft_format *format, int force,
		    void *format_user, ft_usage_sink_fn sink, void *sink_ctx, struct ft_error *err)
{
	return reader_parse(report, format, force, format_user, sink, sink_ctx, NULL, NULL, err);
}

int reader_parse(struct ft_report *report, const struct ft_format *format, int force,
		 void *format_user, ft_usage_sink_fn sink, void *sink_ctx, reader_reject_fn reject,
		 void *reject_ctx, struct ft_error *err)
{
	struct parse_run run = {format,	  {report->name, force, format_user}, NULL, sink, sink_ctx,
				reject,	  reject_ctx};
	int rc = 0;

	if (format->begin) {
		rc = format->begin(&run.state, &run.ctx, err);
		if (rc)
			return rc;
	}
	rc = ft_report_each_line(report, parse_line, &run, err);
	if (!rc && format->end)
		rc = format->end(run.state, &run.ctx, sink, sink_ctx, err);
	if (format->free)
		format->free(run.state);
	return rc;
}

/* ---------------------------------------------------------------- opening */

static int each_plain(int fd, const char *path, off_t size, ft_report_fn fn, void *ctx,
		      struct ft_error *err)
{
	struct ft_report r = {.name = path};
	void *map = NULL;
	int rc;

	if (size > 0) {
		map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED)
			return ft_error_setloc(err, FT_EIO, path, 0, NULL, "cannot map: %s",
					       strerror(errno));
		madvise(map, (size_t)size, MADV_SEQUENTIAL);
		r.map = map;
		r.map_len = (size_t)size;
		r.data = map;
		r.len = (size_t)size;
		if (r.len >= 3 && memcmp(r.data, bom, 3) == 0) {
			r.data += 3;
			r.len -= 3;
		}
	} else {
		r.data = "";
	}
	rc = fn(ctx, &r, err);
	if (map)
		munmap(map, (size_t)size);
	return rc;
}

static int each_gzip(int fd, const char *path, ft_report_fn fn, void *ctx, struct ft_error *err)
{
	struct gz_src *gz = calloc(1, sizeof(*gz));
	struct ft_report r = {.name = path, .read = gz_read};
	int rc;

	if (!gz)
		return ft_error_set(err, FT_ENOMEM, "out of memory opening %s", path);
	gz->fd = fd;
	gz->name = path;
	/* 15 + 16: gzip wrapper only (RFC 1952), largest window. */
	if (inflateInit2(&gz->zs, 15 + 16) != Z_OK) {
		free(gz);
		return ft_error_set(err, FT_ENOMEM, "cannot start zlib for %s", path);
	}
	r.src = gz;
	rc = fn(ctx, &r, err);
	inflateEnd(&gz->zs);
	free(gz);
	free(r.buf);
	return rc;
}

static int each_zip(const char *path, ft_report_fn fn, void *ctx, struct ft_error *err)
{
	struct archive *ar = archive_read_new();
	struct archive_entry *entry;
	char *name = NULL;
	int rc = 0, ar_rc, reports = 0;

	if (!ar)
		return ft_error_set(err, FT_ENOMEM, "out of memory opening %s", path);
	archive_read_support_format_zip(ar);
	if (archive_read_open_filename(ar, path, 256 * 1024) != ARCHIVE_OK) {
		rc = ft_error_setloc(err, FT_EINVAL, path, 0, NULL,
				     "not a readable zip archive: %s", archive_error_string(ar));
		goto out;
	}
	while ((ar_rc = archive_read_next_header(ar, &entry)) == ARCHIVE_OK) {
		struct zip_src z = {ar, NULL};
		struct ft_report r = {.read = zip_read};
		const char *inner = archive_entry_pathname(entry);
		size_t n;

		if (archive_entry_filetype(entry) != AE_IFREG)
			continue;
		n = strlen(path) + strlen(inner ? inner : "") + 2;
		free(name);
		name = malloc(n);
		if (!name) {
			rc = ft_error_set(err, FT_ENOMEM, "out of memory reading %s", path);
			goto out;
		}
		snprintf(name, n, "%s:%s", path, inner ? inner : "");
		z.name = name;
		r.name = name;
		r.src = &z;
		reports++;
		rc = fn(ctx, &r, err);
		free(r.buf);
		if (rc)
			goto out;
	}
	if (ar_rc != ARCHIVE_EOF)
		rc = ft_error_setloc(err, FT_EINVAL, path, 0, NULL, "damaged zip archive: %s",
				     archive_error_string(ar));
	else if (reports == 0)
		rc = ft_error_setloc(err, FT_EINVAL, path, 0, NULL,
				     "the zip archive holds no file (nothing to read)");
out:
	free(name);
	archive_read_free(ar);
	return rc;
}

int ft_reader_each_report(const char *path, ft_report_fn fn, void *ctx, struct ft_error *err)
{
	unsigned char magic[4] = {0};
	struct stat st;
	ssize_t n;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ft_error_setloc(err, errno == ENOENT ? FT_ENOTFOUND : FT_EIO, path, 0, NULL,
				       "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ft_error_setloc(err, FT_EIO, path, 0, NULL, "not a regular file");
	}
	n = pread(fd, magic, sizeof(magic), 0);
	if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
		rc = each_gzip(fd, path, fn, ctx, err);
	} else if (n == 4 && magic[0] == 'P' && magic[1] == 'K' &&
		   ((magic[2] == 3 && magic[3] == 4) || (magic[2] == 5 && magic[3] == 6))) {
		close(fd);
		return each_zip(path, fn, ctx, err);
	} else {
		rc = each_plain(fd, path, st.st_size, fn, ctx, err);
	}
	close(fd);
	return rc;
}
