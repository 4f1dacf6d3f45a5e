/*
 * cache.c — replies of expensive GET endpoints kept in memory (the statement
 * and its charts: building one reads and computes far more than answering
 * it), shared by the worker threads under one mutex.
 *
 * When an entry is still right: every entry carries the ledger generation
 * read when its computation STARTED, and is served only while the
 * generation is unchanged.  The generation moves on whenever the ledger
 * may have changed:
 *  - a worker thread asks its own connection for SQLite's data_version
 *    before each lookup (one cheap statement, no table read): it changes
 *    when any other connection — another worker, the import jobs, a CLI
 *    `run` or `import contracts` in another process — has committed since
 *    that connection last looked.  A change, or a thread's first look (it
 *    cannot know what happened before), moves the generation on;
 *  - a connection's own commits do not change its data_version, so the
 *    server moves the generation on after every request that is not a GET
 *    or HEAD (server.c): the portal's own writes (a run, a close, a
 *    re-match) are all POSTs.
 * That is conservative — a login elsewhere also empties the cache — and
 * never serves figures older than the ledger.  An entry computed while a
 * commit landed is tagged with the generation from before it, so it is
 * never served.
 *
 * Authorisation is not the cache's business: handlers check who may see a
 * payee BEFORE looking here, on every request, cached or not.
 *
 * Memory is bounded: at most max_bytes of replies (keys included), the
 * least recently used dropped first; a reply larger than an eighth of the
 * budget is not kept.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"

#define CACHE_BUCKETS 4096

static pthread_mutex_t serial_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t next_serial = 1;

struct entry {
	char *key;
	char *body;
	size_t len;
	uint64_t generation;
	uint64_t hash;
	struct entry *chain;	     /* bucket */
	struct entry *newer, *older; /* LRU list */
};

struct http_cache {
	uint64_t serial;      /* tells this cache from a freed one at the same address */
	pthread_mutex_t lock; /* guards everything below */
	uint64_t generation;
	size_t bytes, max_bytes;
	size_t hits, misses;
	struct entry *buckets[CACHE_BUCKETS];
	struct entry *newest, *oldest;
};

/* The data_version this thread's connection showed last, for which cache
 * (a thread belongs to one server, but a test thread may outlive one). */
static _Thread_local uint64_t tls_cache;
static _Thread_local int64_t tls_version = -1;
static _Thread_local const struct ft_store *tls_version_store;

static uint64_t hash_of(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

int http_cache_new(struct http_cache **out, size_t max_bytes)
{
	struct http_cache *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return -1;
	pthread_mutex_lock(&serial_lock);
	c->serial = next_serial++;
	pthread_mutex_unlock(&serial_lock);
	pthread_mutex_init(&c->lock, NULL);
	c->max_bytes = max_bytes;
	c->generation = 1;
	*out = c;
	return 0;
}

static void unlink_entry(struct http_cache *c, struct entry *e)
{
	struct entry **p = &c->buckets[e->hash % CACHE_BUCKETS];

	while (*p != e)
		p = &(*p)->chain;
	*p = e->chain;
	if (e->newer)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	c->bytes -= e->len + strlen(e->key) + sizeof(*e);
	free(e->key);
	free(e->body);
	free(e);
}

void http_cache_free(struct http_cache *c)
{
	if (!c)
		return;
	while (c->oldest)
		unlink_entry(c, c->oldest);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void http_cache_invalidate(struct http_cache *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->generation++;
	pthread_mutex_unlock(&c->lock);
}

uint64_t http_cache_generation(struct http_cache *c, struct ft_store *store)
{
	struct ft_stmt *st = NULL;
	int64_t version = -1;
	uint64_t g;
	int moved;

	if (ft_store_prepare(store, &st, "PRAGMA data_version", NULL) == 0 &&
	    ft_stmt_step(st, NULL) == 1)
		version = ft_stmt_column_int64(st, 0);
	ft_stmt_free(st);
	moved = version < 0 || tls_cache != c->serial || tls_version_store != store ||
		version != tls_version;
	tls_cache = c->serial;
	tls_version_store = store;
	tls_version = version;
	pthread_mutex_lock(&c->lock);
	if (moved)
		c->generation++;
	g = c->generation;
	pthread_mutex_unlock(&c->lock);
	return g;
}

static struct entry *find(struct http_cache *c, const char *key, uint64_t hash)
{
	struct entry *e;

	for (e = c->buckets[hash % CACHE_BUCKETS]; e; e = e->chain)
		if (e->hash == hash && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

char *http_cache_get(struct http_cache *c, const char *key, uint64_t generation, size_t *len)
{
	uint64_t hash = hash_of(key);
	struct entry *e;
	char *copy = NULL;

	pthread_mutex_lock(&c->lock);
	e = find(c, key, hash);
	if (e && (e->generation != generation || generation != c->generation)) {
		unlink_entry(c, e);
		e = NULL;
	}
	if (e) {
		/* Most recently used to the front. */
		if (e != c->newest) {
			e->newer->older = e->older;
			if (e->older)
				e->older->newer = e->newer;
			else
				c->oldest = e->newer;
			e->older = c->newest;
			e->newer = NULL;
			c->newest->newer = e;
			c->newest = e;
		}
		copy = malloc(e->len ? e->len : 1);
		if (copy) {
			memcpy(copy, e->body, e->len);
			*len = e->len;
		}
		c->hits++;
	} else {
		c->misses++;
	}
	pthread_mutex_unlock(&c->lock);
	return copy;
}

void http_cache_put(struct http_cache *c, const char *key, uint64_t generation, const char *body,
		    size_t len)
{
	uint64_t hash = hash_of(key);
	size_t klen = strlen(key), cost = len + klen + sizeof(struct entry);
	struct entry *e, *old;

	if (cost > c->max_bytes / 8)
		return;
	e = calloc(1, sizeof(*e));
	if (!e || !(e->key = strdup(key)) || !(e->body = malloc(len ? len : 1))) {
		if (e)
			free(e->key);
		free(e);
		return;
	}
	memcpy(e->body, body, len);
	e->len = len;
	e->hash = hash;
	e->generation = generation;
	pthread_mutex_lock(&c->lock);
	if (generation != c->generation) { /* computed from a ledger since changed */
		pthread_mutex_unlock(&c->lock);
		free(e->key);
		free(e->body);
		free(e);
		return;
	}
	old = find(c, key, hash);
	if (old)
		unlink_entry(c, old);
	while (c->oldest && c->bytes + cost > c->max_bytes)
		unlink_entry(c, c->oldest);
	e->chain = c->buckets[hash % CACHE_BUCKETS];
	c->buckets[hash % CACHE_BUCKETS] = e;
	e->older = c->newest;
	if (c->newest)
		c->newest->newer = e;
	c->newest = e;
	if (!c->oldest)
		c->oldest = e;
	c->bytes += cost;
	pthread_mutex_unlock(&c->lock);
}

void http_cache_stats(struct http_cache *c, size_t *hits, size_t *misses, size_t *bytes)
{
	pthread_mutex_lock(&c->lock);
	*hits = c->hits;
	*misses = c->misses;
	*bytes = c->bytes;
	pthread_mutex_unlock(&c->lock);
}

int http_cache_reply(struct http_request *req, const char *kind, const char *const *parts,
		     size_t n_parts)
{
	struct http_cache *c = http_server_cache(req->srv);
	struct ft_store *store = http_store(req);
	struct MHD_Response *r;
	size_t used, i, len = 0;
	char *body;

	req->cache_key[0] = '\0';
	if (!c || !store)
		return 0;
	used = (size_t)snprintf(req->cache_key, sizeof(req->cache_key), "%s", kind);
	for (i = 0; i < n_parts && used < sizeof(req->cache_key); i++)
		used += (size_t)snprintf(req->cache_key + used, sizeof(req->cache_key) - used,
					 "|%s", parts[i] ? parts[i] : "");
	if (used >= sizeof(req->cache_key)) { /* too long to key: not cached */
		req->cache_key[0] = '\0';
		return 0;
	}
	req->cache_generation = http_cache_generation(c, store);
	body = http_cache_get(c, req->cache_key, req->cache_generation, &len);
	if (!body)
		return 0;
	req->cache_key[0] = '\0';
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		http_reply_error(req, 500, "out of memory");
		return 1;
	}
	http_reply_raw(req, 200, "application/json; charset=utf-8", r, len);
	return 1;
}
