/*
 * line_writer.c — royalty lines packed and inserted by a writer thread
 * while the engine computes (line_writer.h).
 *
 * A ring of a few batches of lines: the producer fills one batch at a time
 * and hands it over whole, so the lock is taken once per batch, not per
 * line.  The writer packs them (line_block_sink) and inserts the blocks.
 * After an error the writer keeps taking batches and drops them, so the
 * producer never waits for ever; the error is returned to it by the next
 * add, and by finish.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/line_writer.h"

#define BATCH_LINES 4096
#define RING 8

struct batch {
	struct line_rec rec[BATCH_LINES];
	size_t n;
};

struct line_writer {
	struct line_block_sink *sink;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct batch *ring[RING]; /* full batches, oldest at head */
	size_t head, count;
	struct batch *filling; /* the producer's */
	struct batch *spare[RING + 1];
	size_t n_spare;
	bool done;   /* the producer has no more */
	bool failed; /* err holds the writer's first error */
	bool stop;   /* abort: drop everything */
	struct ft_error err;
};

static void *writer(void *arg)
{
	struct line_writer *w = arg;

	/* Named for perf and top (Linux: at most 15 bytes). */
	pthread_setname_np(pthread_self(), "ft-lines");

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct batch *b;
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
			if (line_block_sink_add(w->sink, &b->rec[i], &w->err))
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
	line_block_sink_free(w->sink);
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
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->changed, NULL);
	for (i = 0; i <= RING; i++) {
		struct batch *b = malloc(sizeof(*b));

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
	rc = line_block_sink_open(&w->sink, store, period, err);
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

/* Hand the filling batch over and take a spare one (waits for one). */
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
	return w->filling->n == BATCH_LINES ? hand_over(w, err) : 0;
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
	/* The blocks still open are written here, on the caller's thread:
	 * the writer thread has stopped, the store is the caller's again. */
	if (!rc)
		rc = line_block_sink_close(w->sink, err);
	else
		line_block_sink_free(w->sink);
	w->sink = NULL;
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
