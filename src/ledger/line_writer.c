/*
 * line_writer.c — royalty_lines inserted by a writer thread while the
 * engine computes (line_writer.h).
 *
 * A ring of a few blocks of rows: the producer fills one block at a time
 * and hands it over whole, so the lock is taken once per block, not per
 * row.  The writer formats the amounts (exact decimal text, as the store
 * keeps money) and inserts.  After an error the writer keeps taking blocks
 * and drops them, so the producer never waits for ever; the error is
 * returned to it by the next add, and by finish.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/line_writer.h"

#define BLOCK_ROWS 4096
#define RING 8

struct block {
	struct line_rec rec[BLOCK_ROWS];
	size_t n;
};

struct line_writer {
	struct ft_store *store;
	struct ft_stmt *ins;
	char period[32];
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct block *ring[RING]; /* full blocks, oldest at head */
	size_t head, count;
	struct block *filling; /* the producer's */
	struct block *spare[RING + 1];
	size_t n_spare;
	bool done;   /* the producer has no more */
	bool failed; /* err holds the writer's first error */
	bool stop;   /* abort: drop everything */
	struct ft_error err;
};

static int insert(struct line_writer *w, const struct line_rec *x)
{
	struct ft_stmt *q = w->ins;
	int rc = ft_stmt_reset(q, &w->err);

	if (!rc)
		rc = ft_stmt_bind_text(q, 1, w->period, &w->err);
	if (!rc)
		rc = ft_stmt_bind_int64(q, 2, x->posting, &w->err);
	if (!rc)
		rc = ft_stmt_bind_int64(q, 3, x->seq, &w->err);
	if (!rc)
		rc = ft_stmt_bind_int64(q, 4, x->usage_id, &w->err);
	if (!rc)
		rc = x->income_id ? ft_stmt_bind_int64(q, 5, x->income_id, &w->err)
				  : ft_stmt_bind_null(q, 5, &w->err);
	if (!rc)
		rc = x->rule >= 0 ? ft_stmt_bind_int64(q, 6, x->rule, &w->err)
				  : ft_stmt_bind_null(q, 6, &w->err);
	if (!rc)
		rc = ft_stmt_bind_int64(q, 7, x->tier, &w->err);
	if (!rc)
		rc = ft_stmt_bind_int64(q, 8, x->units, &w->err);
	if (!rc)
		rc = ft_stmt_bind_amount(q, 9, x->base, &w->err);
	if (!rc)
		rc = ft_stmt_bind_amount(q, 10, x->rate, &w->err);
	if (!rc)
		rc = ft_stmt_bind_amount(q, 11, x->royalty, &w->err);
	if (!rc)
		rc = x->allocation ? ft_stmt_bind_amount(q, 12, x->allocated, &w->err)
				   : ft_stmt_bind_null(q, 12, &w->err);
	if (!rc)
		rc = ft_stmt_step(q, &w->err);
	return rc < 0 ? rc : 0;
}

static void *writer(void *arg)
{
	struct line_writer *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct block *b;
		bool skip;
		size_t i;

		while (w->count == 0 && !w->done && !w->stop)
			pthread_cond_wait(&w->changed, &w->lock);
		if (w->count == 0 || w->stop)
			break;
		b = w->ring[w->head];
		skip = w->failed;
		pthread_mutex_unlock(&w->lock);
		for (i = 0; !skip && i < b->n; i++)
			if (insert(w, &b->rec[i]))
				skip = true;
		pthread_mutex_lock(&w->lock);
		if (skip)
			w->failed = true;
		w->head = (w->head + 1) % RING;
		w->count--;
		b->n = 0;
		w->spare[w->n_spare++] = b;
		pthread_cond_broadcast(&w->changed);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void destroy(struct line_writer *w)
{
	size_t i;

	for (i = 0; i < w->count; i++)
		free(w->ring[(w->head + i) % RING]);
	for (i = 0; i < w->n_spare; i++)
		free(w->spare[i]);
	free(w->filling);
	ft_stmt_free(w->ins);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->changed);
	free(w);
}

int line_writer_start(struct line_writer **out, struct ft_store *store, const char *period,
		      struct ft_error *err)
{
	struct line_writer *w = calloc(1, sizeof(*w));
	size_t i;
	int rc;

	*out = NULL;
	if (!w)
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	w->store = store;
	snprintf(w->period, sizeof(w->period), "%s", period);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->changed, NULL);
	for (i = 0; i <= RING; i++) {
		struct block *b = malloc(sizeof(*b));

		if (!b) {
			destroy(w);
			return ft_error_set(err, FT_ENOMEM, "out of memory");
		}
		b->n = 0;
		if (i == RING)
			w->filling = b;
		else
			w->spare[w->n_spare++] = b;
	}
	rc = ft_store_prepare(
	    store, &w->ins,
	    "INSERT INTO royalty_lines (period, posting, seq, usage_id, income_id, rule, tier, "
	    "units, base, rate, royalty, allocated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    err);
	if (rc) {
		destroy(w);
		return rc;
	}
	if (pthread_create(&w->thread, NULL, writer, w) != 0) {
		destroy(w);
		return ft_error_set(err, FT_EIO, "cannot start the royalty line writer thread");
	}
	*out = w;
	return 0;
}

/* Hand the filling block over and take a spare one (waits for one). */
static int hand_over(struct line_writer *w, struct ft_error *err)
{
	int rc = 0;

	pthread_mutex_lock(&w->lock);
	while (w->n_spare == 0)
		pthread_cond_wait(&w->changed, &w->lock);
	w->ring[(w->head + w->count) % RING] = w->filling;
	w->count++;
	w->filling = w->spare[--w->n_spare];
	if (w->failed)
		rc = ft_error_set(err, w->err.code, "%s", w->err.message);
	pthread_cond_broadcast(&w->changed);
	pthread_mutex_unlock(&w->lock);
	return rc;
}

int line_writer_add(struct line_writer *w, const struct line_rec *rec, struct ft_error *err)
{
	w->filling->rec[w->filling->n++] = *rec;
	return w->filling->n == BLOCK_ROWS ? hand_over(w, err) : 0;
}

int line_writer_finish(struct line_writer *w, struct ft_error *err)
{
	int rc = 0;

	if (w->filling->n)
		rc = hand_over(w, err);
	pthread_mutex_lock(&w->lock);
	w->done = true;
	pthread_cond_broadcast(&w->changed);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	if (!rc && w->failed)
		rc = ft_error_set(err, w->err.code, "%s", w->err.message);
	destroy(w);
	return rc;
}

void line_writer_abort(struct line_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->changed);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	destroy(w);
}
