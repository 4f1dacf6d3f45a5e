/*
 * usage_reader.c — the usage scan on a reader thread (usage_reader.h).
 *
 * The thread fills blocks of rows from a ring of spare ones and hands each
 * over whole; the consumer walks a block, then gives it back.  The lock is
 * taken once per block.  The thread stops at the end of the scan, at an
 * error (kept for the consumer), or when the consumer stops it.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/usage_reader.h"

#define BLOCK_ROWS 4096
#define RING 4

struct block {
	struct usage_raw row[BLOCK_ROWS];
	size_t n;
};

/* One scan thread over a range of rowids, with its own connection. */
struct part {
	struct ft_store *own; /* the scan's own connection */
	struct ft_stmt *scan;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct block *full[RING]; /* oldest at head */
	size_t head, count;
	struct block *spare[RING];
	size_t n_spare;
	struct block *reading; /* the consumer's, or NULL */
	size_t at;
	bool ended; /* the thread has handed over its last block */
	bool stop;  /* the consumer wants no more */
	int rc;	    /* the scan's error, once ended */
	struct ft_error err;
};

/* Two parts: the lower half of the rowids, then the upper half, each read
 * by its own thread; the consumer takes the first part's rows, then the
 * second's, so rows still come in rowid order. */
#define PARTS 2

struct usage_reader {
	struct part *part[PARTS];
	size_t cur;
};

/* Copy a column's text; its name in *too_long when it does not fit. */
static void copy_col(char *dst, size_t cap, struct ft_stmt *st, int col, const char *name,
		     const char **too_long)
{
	const char *t = ft_stmt_column_text(st, col);
	size_t n = t ? strlen(t) : 0;

	if (n >= cap) {
		*too_long = name;
		n = 0;
	}
	memcpy(dst, t ? t : "", n);
	dst[n] = '\0';
}

static void fill(struct usage_raw *x, struct ft_stmt *st)
{
	x->too_long = NULL;
	x->id = ft_stmt_column_int64(st, 0);
	x->batch_id = ft_stmt_column_int64(st, 1);
	copy_col(x->month, sizeof(x->month), st, 2, "month", &x->too_long);
	copy_col(x->isrc, sizeof(x->isrc), st, 3, "isrc", &x->too_long);
	copy_col(x->gtin14, sizeof(x->gtin14), st, 4, "gtin14", &x->too_long);
	copy_col(x->territory, sizeof(x->territory), st, 5, "territory", &x->too_long);
	copy_col(x->commercial_model, sizeof(x->commercial_model), st, 6, "commercial_model",
		 &x->too_long);
	copy_col(x->use_type, sizeof(x->use_type), st, 7, "use_type", &x->too_long);
	copy_col(x->currency, sizeof(x->currency), st, 8, "currency", &x->too_long);
	x->usages = ft_stmt_column_int64(st, 9);
	copy_col(x->revenue, sizeof(x->revenue), st, 10, "revenue", &x->too_long);
}

static void *reader(void *arg)
{
	struct part *r = arg;

	/* Named for perf and top (Linux: at most 15 bytes). */
	pthread_setname_np(pthread_self(), "ft-usage");
	int rc = 0;

	for (;;) {
		struct block *b;

		pthread_mutex_lock(&r->lock);
		while (r->n_spare == 0 && !r->stop)
			pthread_cond_wait(&r->changed, &r->lock);
		if (r->stop) {
			pthread_mutex_unlock(&r->lock);
			break;
		}
		b = r->spare[--r->n_spare];
		pthread_mutex_unlock(&r->lock);
		for (b->n = 0; b->n < BLOCK_ROWS; b->n++) {
			rc = ft_stmt_step(r->scan, &r->err);
			if (rc != 1)
				break;
			fill(&b->row[b->n], r->scan);
		}
		pthread_mutex_lock(&r->lock);
		r->full[(r->head + r->count) % RING] = b;
		r->count++;
		if (rc != 1) {
			r->ended = true;
			r->rc = rc < 0 ? rc : 0;
		}
		pthread_cond_broadcast(&r->changed);
		pthread_mutex_unlock(&r->lock);
		if (rc != 1)
			break;
	}
	return NULL;
}

static void destroy(struct part *r)
{
	size_t i;

	for (i = 0; i < r->count; i++)
		free(r->full[(r->head + i) % RING]);
	for (i = 0; i < r->n_spare; i++)
		free(r->spare[i]);
	free(r->reading);
	ft_stmt_free(r->scan);
	ft_store_close(r->own);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->changed);
	free(r);
}

static int part_start(struct part **out, const char *location, const char *last_month,
		      int64_t first, int64_t last, struct ft_error *err)
{
	struct part *r = calloc(1, sizeof(*r));
	size_t i;
	int rc;

	*out = NULL;
	if (!r)
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->changed, NULL);
	for (i = 0; i < RING; i++) {
		if (!(r->spare[i] = malloc(sizeof(struct block)))) {
			destroy(r);
			return ft_error_set(err, FT_ENOMEM, "out of memory");
		}
		r->n_spare++;
	}
	/* A connection of its own: one connection serves one thread at a time
	 * (the store opens them without SQLite's mutex).  In WAL mode it reads
	 * the committed rows while the run's transaction is open on the other
	 * — the run does not change usage rows.  '+month': nearly every row
	 * matches, so a scan in rowid order beats the month index (and needs no
	 * sort). */
	rc = ft_store_open(&r->own, location, 0, err);
	if (!rc)
		rc = ft_store_prepare(
		    r->own, &r->scan,
		    "SELECT rowid, batch_id, month, isrc, gtin14, territory, "
		    "commercial_model, use_type, currency, usages, revenue FROM usage "
		    "WHERE rowid BETWEEN ? AND ? AND +month <= ? ORDER BY rowid",
		    err);
	if (!rc)
		rc = ft_stmt_bind_int64(r->scan, 1, first, err);
	if (!rc)
		rc = ft_stmt_bind_int64(r->scan, 2, last, err);
	if (!rc)
		rc = ft_stmt_bind_text(r->scan, 3, last_month, err);
	if (rc) {
		destroy(r);
		return rc;
	}
	if (pthread_create(&r->thread, NULL, reader, r) != 0) {
		destroy(r);
		return ft_error_set(err, FT_EIO, "cannot start a usage reader thread");
	}
	*out = r;
	return 0;
}

static void part_stop(struct part *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_broadcast(&r->changed);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	destroy(r);
}

int usage_reader_start(struct usage_reader **out, struct ft_store *store, const char *last_month,
		       int64_t from_rowid, struct ft_error *err)
{
	struct usage_reader *u = calloc(1, sizeof(*u));
	struct ft_stmt *st = NULL;
	int64_t lo = 0, hi = -1, mid;
	int rc;

	*out = NULL;
	if (!u)
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	rc = ft_store_prepare(store, &st, "SELECT MIN(rowid), MAX(rowid) FROM usage", err);
	if (!rc && (rc = ft_stmt_step(st, err)) == 1) {
		rc = 0;
		if (!ft_stmt_column_is_null(st, 0)) {
			lo = ft_stmt_column_int64(st, 0);
			hi = ft_stmt_column_int64(st, 1);
		}
	}
	ft_stmt_free(st);
	if (lo < from_rowid)
		lo = from_rowid;
	mid = lo + (hi - lo) / 2;
	if (!rc)
		rc = part_start(&u->part[0], ft_store_location(store), last_month, lo, mid, err);
	if (!rc)
		rc =
		    part_start(&u->part[1], ft_store_location(store), last_month, mid + 1, hi, err);
	if (rc) {
		usage_reader_stop(u);
		return rc;
	}
	*out = u;
	return 0;
}

static int part_next(struct part *r, const struct usage_raw **row, struct ft_error *err)
{
	while (!r->reading || r->at == r->reading->n) {
		pthread_mutex_lock(&r->lock);
		if (r->reading) {
			r->spare[r->n_spare++] = r->reading;
			r->reading = NULL;
			pthread_cond_broadcast(&r->changed);
		}
		while (r->count == 0 && !r->ended)
			pthread_cond_wait(&r->changed, &r->lock);
		if (r->count == 0) { /* ended, every block taken */
			int rc = r->rc;

			pthread_mutex_unlock(&r->lock);
			if (rc)
				return ft_error_set(err, r->err.code, "%s", r->err.message);
			return 0;
		}
		r->reading = r->full[r->head];
		r->head = (r->head + 1) % RING;
		r->count--;
		r->at = 0;
		pthread_mutex_unlock(&r->lock);
	}
	*row = &r->reading->row[r->at++];
	return 1;
}

int usage_reader_next(struct usage_reader *u, const struct usage_raw **row, struct ft_error *err)
{
	while (u->cur < PARTS) {
		int rc = part_next(u->part[u->cur], row, err);

		if (rc != 0)
			return rc;
		u->cur++;
	}
	return 0;
}

void usage_reader_stop(struct usage_reader *u)
{
	size_t i;

	if (!u)
		return;
	for (i = 0; i < PARTS; i++)
		part_stop(u->part[i]);
	free(u);
}
