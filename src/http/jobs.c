/*
 * jobs.c — background imports of uploaded reports (see jobs.h).
 *
 * The job list is guarded by one mutex; the worker holds it only to pick a
 * job and to publish progress or the outcome, never while it imports, so a
 * GET of a job's state never waits for the ledger.  Progress comes from the
 * reader's progress hook (at most every few MB, one thread at a time): bytes
 * of the report read so far.  The outcome is built as JSON once, by the
 * worker; readers get a copy.
 *
 * When a report is refused for a bad line the import stops at the first
 * one.  To say how many more there are, the worker reads the file once
 * more through the pure aggregator with its bad lines set aside (no ledger
 * involved): their count, and the first few verbatim (for reports up to
 * 512 MiB; a larger one names its first bad line only).
 */
#include "jobs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fairtrack/import.h"
#include "fairtrack/ingest.h"
#include "fairtrack/period.h"
#include "fairtrack/users.h"

#define BAD_LINE_SAMPLES 5
#define BAD_LINE_CHARS 200
/* The second reading is single-threaded (the aggregator's reject path): on
 * a very large report it would hold the worker for minutes, so above this
 * size the refusal names the first bad line only. */
#define BAD_LINE_PASS_MAX ((uint64_t)512 << 20)

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED };

static const char *const state_names[] = {"queued", "running", "done", "failed"};

struct job {
	int64_t id;
	enum job_state state;
	char *dir, *path, *name, *partner, *format, *month, *user, *ip;
	int force;
	uint64_t bytes, bytes_done;
	int64_t created, started, finished;
	json_t *outcome;  /* done: the batch; failed: the error */
	struct job *next; /* oldest first */
};

struct http_jobs {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char *ledger;
	struct job *head;
	size_t n;
	int64_t next_id;
	int stopping;
	pthread_t worker;
};

static void job_free(struct job *j)
{
	if (!j)
		return;
	free(j->dir);
	free(j->path);
	free(j->name);
	free(j->partner);
	free(j->format);
	free(j->month);
	free(j->user);
	free(j->ip);
	json_decref(j->outcome);
	free(j);
}

/* Remove the upload's file and its directory (the directory is the job's
 * own, made by mkdtemp; nothing else is in it). */
static void remove_upload(const struct job *j)
{
	if (j->path)
		unlink(j->path);
	if (j->dir)
		rmdir(j->dir);
}

static void stamp(char buf[FT_TIMESTAMP_MAX], int64_t t)
{
	if (t)
		ft_timestamp_utc(buf, t);
	else
		buf[0] = '\0';
}

/* Called with the lock held. */
static json_t *job_json(const struct job *j)
{
	char created[FT_TIMESTAMP_MAX], started[FT_TIMESTAMP_MAX], finished[FT_TIMESTAMP_MAX];
	json_t *o;

	stamp(created, j->created);
	stamp(started, j->started);
	stamp(finished, j->finished);
	o = json_pack("{s:I,s:s,s:s,s:s,s:s?,s:s?,s:b,s:I,s:{s:I,s:I},s:s,s:s?,s:s?,s:s}", "id",
		      (json_int_t)j->id, "state", state_names[j->state], "file", j->name, "partner",
		      j->partner, "format", j->format, "month", j->month, "force", j->force,
		      "bytes", (json_int_t)j->bytes, "progress", "bytes_done",
		      (json_int_t)j->bytes_done, "bytes_total", (json_int_t)j->bytes, "created_at",
		      created, "started_at", j->started ? started : NULL, "finished_at",
		      j->finished ? finished : NULL, "user", j->user);
	if (o && j->outcome)
		json_object_set_new(o, j->state == JOB_DONE ? "result" : "error",
				    json_deep_copy(j->outcome));
	return o;
}

/* ------------------------------------------------------------------ work */

struct progress {
	struct http_jobs *jobs;
	struct job *job;
};

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *p = ctx;

	pthread_mutex_lock(&p->jobs->lock);
	p->job->bytes_done = done;
	pthread_mutex_unlock(&p->jobs->lock);
}

static json_t *amount_json(ft_amount a)
{
	char buf[FT_AMOUNT_STR_MAX];

	ft_amount_format(buf, sizeof(buf), a, 2);
	return json_string(buf);
}

static json_t *result_json(const struct ft_import_result *r)
{
	json_t *totals = json_array();
	size_t i;

	for (i = 0; totals && i < r->n_totals; i++) {
		const struct ft_import_total *t = &r->totals[i];

		json_array_append_new(
		    totals, json_pack("{s:s,s:I,s:o,s:I,s:o}", "currency", t->currency, "usages",
				      (json_int_t)t->usages, "revenue", amount_json(t->revenue),
				      "suspense_usages", (json_int_t)t->suspense_usages,
				      "suspense_revenue", amount_json(t->suspense_revenue)));
	}
	return json_pack(
	    "{s:I,s:s,s:I,s:s,s:s,s:I,s:I,s:I,s:o}", "batch_id", (json_int_t)r->batch_id, "sha256",
	    r->sha256, "bytes", (json_int_t)r->bytes, "first_month", r->first_month, "last_month",
	    r->last_month, "usage_lines", (json_int_t)r->usage_lines, "rows", (json_int_t)r->rows,
	    "suspense_rows", (json_int_t)r->suspense_rows, "totals", totals);
}

/* text with every occurrence of from replaced by to, into buf. */
static void replace_all(char *buf, size_t cap, const char *text, const char *from, const char *to)
{
	size_t used = 0, fl = strlen(from);
	const char *hit;

	buf[0] = '\0';
	while (fl && (hit = strstr(text, from)) != NULL && used < cap) {
		used +=
		    (size_t)snprintf(buf + used, cap - used, "%.*s%s", (int)(hit - text), text, to);
		text = hit + fl;
	}
	if (used < cap)
		snprintf(buf + used, cap - used, "%s", text);
}

/* Remove "ROOT/JOBDIR/" wherever it appears in text (ROOT the parent of
 * dir): what is left of an uploaded report's path is its name. */
static void strip_upload_dirs(char *text, const char *dir)
{
	const char *slash = strrchr(dir, '/');
	char root[4096];
	char *hit;

	if (!slash || (size_t)(slash - dir) + 2 > sizeof(root))
		return;
	snprintf(root, sizeof(root), "%.*s", (int)(slash - dir) + 1, dir);
	while ((hit = strstr(text, root)) != NULL) {
		char *after = strchr(hit + strlen(root), '/');

		if (!after)
			break;
		memmove(hit, after + 1, strlen(after + 1) + 1);
	}
}

/* The HTTP status the page shows for a refused import. */
static int status_of(int code)
{
	switch (code) {
	case FT_EEXISTS:
		return 409;
	case FT_ENOTFOUND:
	case FT_EINVAL:
	case FT_EUSAGE:
		return 422;
	case FT_EDB:
		return 503;
	default:
		return 500;
	}
}

/* The reason of each of the first bad lines, told by the aggregator as it
 * sets them aside, named by the file as uploaded (error_json does the same
 * for the first). */
struct reasons {
	const struct job *job;
	json_t *list;
};

static void collect_reason(void *ctx, long line_no, const char *reason)
{
	struct reasons *r = ctx;
	char message[FT_ERROR_MESSAGE_MAX * 2];

	if (!r->list || json_array_size(r->list) >= BAD_LINE_SAMPLES)
		return;
	replace_all(message, sizeof(message), reason, r->job->path, r->job->name);
	strip_upload_dirs(message, r->job->dir);
	json_array_append_new(
	    r->list, json_pack("{s:I,s:s}", "line", (json_int_t)line_no, "reason", message));
}

/* The bad lines of a refused report: count, and the first few verbatim with
 * their reasons. */
static void count_bad_lines(const struct job *j, const struct ft_format *format, json_t *error)
{
	struct reasons reasons = {j, NULL};
	struct ft_aggregate_opts opts;
	struct ft_aggregate_stats stats;
	struct ft_aggregate *agg = NULL;
	struct ft_matcher *matcher = NULL;
	json_t *samples = NULL;
	FILE *reject = tmpfile();
	char line[BAD_LINE_CHARS + 2];
	int rc;

	if (!reject)
		return;
	reasons.list = json_array();
	memset(&opts, 0, sizeof(opts));
	rc = ft_matcher_new(&matcher, NULL);
	opts.matcher = matcher;
	opts.format = format;
	opts.threads = 1;
	opts.force = j->force;
	opts.reject = reject;
	opts.on_reject = collect_reason;
	opts.reject_ctx = &reasons;
	if (!rc)
		rc = ft_aggregate_new(&agg, &opts, NULL);
	if (!rc)
		rc = ft_aggregate_file(agg, j->path, NULL);
	if (!rc) {
		ft_aggregate_stats(agg, &stats);
		samples = json_array();
		rewind(reject);
		while (samples && json_array_size(samples) < BAD_LINE_SAMPLES &&
		       fgets(line, sizeof(line), reject)) {
			size_t len = strlen(line);
			int c;

			if (len && line[len - 1] == '\n') {
				line[--len] = '\0';
			} else if (len > BAD_LINE_CHARS) {
				line[BAD_LINE_CHARS] = '\0';
				while ((c = fgetc(reject)) != EOF && c != '\n')
					;
			}
			if (len && line[len - 1] == '\r')
				line[len - 1] = '\0';
			/* Only valid UTF-8 goes into JSON; anything else is
			 * counted but not quoted. */
			json_array_append_new(samples, json_string(line));
		}
		json_object_set_new(error, "bad_lines",
				    json_integer((json_int_t)stats.rejected_lines));
		json_object_set_new(error, "bad_line_samples", samples);
		json_object_set_new(error, "bad_line_reasons", reasons.list);
		reasons.list = NULL;
	}
	json_decref(reasons.list);
	ft_aggregate_free(agg);
	ft_matcher_free(matcher);
	fclose(reject);
}

static json_t *error_json(const struct job *j, const struct ft_format *format,
			  const struct ft_error *err)
{
	char message[FT_ERROR_MESSAGE_MAX * 2];
	json_t *e;

	/* The report was stored under a directory of the server's choosing:
	 * the user knows it by the name they sent, and an earlier upload (a
	 * duplicate's message names it) by its own. */
	replace_all(message, sizeof(message), err->message, j->path, j->name);
	strip_upload_dirs(message, j->dir);
	e = json_pack("{s:i,s:s,s:s,s:s,s:I,s:s?}", "status", status_of(err->code), "code",
		      err->code == FT_EEXISTS ? "duplicate" : ft_error_name(err->code), "message",
		      message, "file", j->name, "line", (json_int_t)err->line, "field",
		      err->field[0] ? err->field : NULL);
	if (e && err->code == FT_EINVAL && err->line > 0 && j->bytes <= BAD_LINE_PASS_MAX)
		count_bad_lines(j, format, e);
	return e;
}

static void audit(struct ft_store *store, const struct job *j, const char *action,
		  const char *detail)
{
	if (store)
		ft_audit_add(store, (int64_t)time(NULL), j->user, action, j->name, detail, j->ip,
			     NULL);
}

static void run_job(struct http_jobs *jobs, struct job *j)
{
	struct progress prog = {jobs, j};
	struct ft_import_opts opts;
	struct ft_import_result res;
	struct ft_store *store = NULL;
	struct ft_error err;
	const struct ft_format *format = NULL;
	char detail[FT_ERROR_MESSAGE_MAX];
	json_t *outcome = NULL;
	int rc;

	ft_error_clear(&err);
	memset(&opts, 0, sizeof(opts));
	memset(&res, 0, sizeof(res));
	/* The upload checked the name: NULL here means "detect". */
	format = j->format ? ft_format_find(j->format) : NULL;
	opts.partner = j->partner;
	opts.format = format;
	opts.month = j->month;
	opts.force = j->force;
	opts.progress = on_progress;
	opts.progress_ctx = &prog;
	rc = ft_store_open(&store, jobs->ledger, 0, &err);
	if (!rc)
		rc = ft_import_report(store, j->path, &opts, &res, &err);
	if (!rc) {
		outcome = result_json(&res);
		snprintf(detail, sizeof(detail),
			 "batch %lld, partner %s, %lld rows, %lld in suspense",
			 (long long)res.batch_id, j->partner, (long long)res.rows,
			 (long long)res.suspense_rows);
		audit(store, j, "import.report", detail);
	} else {
		outcome = error_json(j, format, &err);
		audit(store, j, "import.refused",
		      outcome ? json_string_value(json_object_get(outcome, "message"))
			      : err.message);
		remove_upload(j);
	}
	ft_import_result_free(&res);
	ft_store_close(store);

	pthread_mutex_lock(&jobs->lock);
	j->outcome = outcome;
	j->state = rc ? JOB_FAILED : JOB_DONE;
	if (!rc)
		j->bytes_done = j->bytes;
	j->finished = (int64_t)time(NULL);
	pthread_mutex_unlock(&jobs->lock);
}

static void *worker(void *arg)
{
	struct http_jobs *jobs = arg;

	pthread_mutex_lock(&jobs->lock);
	for (;;) {
		struct job *j;

		for (j = jobs->head; j && j->state != JOB_QUEUED; j = j->next)
			;
		if (jobs->stopping)
			break;
		if (!j) {
			pthread_cond_wait(&jobs->cond, &jobs->lock);
			continue;
		}
		j->state = JOB_RUNNING;
		j->started = (int64_t)time(NULL);
		pthread_mutex_unlock(&jobs->lock);
		run_job(jobs, j);
		pthread_mutex_lock(&jobs->lock);
	}
	pthread_mutex_unlock(&jobs->lock);
	return NULL;
}

/* ------------------------------------------------------------------- API */

int http_jobs_new(struct http_jobs **out, const char *ledger, struct ft_error *err)
{
	struct http_jobs *jobs = calloc(1, sizeof(*jobs));

	*out = NULL;
	if (!jobs || !(jobs->ledger = strdup(ledger))) {
		free(jobs);
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	}
	jobs->next_id = 1;
	pthread_mutex_init(&jobs->lock, NULL);
	pthread_cond_init(&jobs->cond, NULL);
	if (pthread_create(&jobs->worker, NULL, worker, jobs) != 0) {
		pthread_cond_destroy(&jobs->cond);
		pthread_mutex_destroy(&jobs->lock);
		free(jobs->ledger);
		free(jobs);
		return ft_error_set(err, FT_ENOMEM, "cannot start the import worker thread");
	}
	*out = jobs;
	return 0;
}

void http_jobs_free(struct http_jobs *jobs)
{
	struct job *j, *next;

	if (!jobs)
		return;
	pthread_mutex_lock(&jobs->lock);
	jobs->stopping = 1;
	pthread_cond_broadcast(&jobs->cond);
	pthread_mutex_unlock(&jobs->lock);
	pthread_join(jobs->worker, NULL);
	for (j = jobs->head; j; j = next) {
		next = j->next;
		if (j->state == JOB_QUEUED)
			remove_upload(j);
		job_free(j);
	}
	pthread_cond_destroy(&jobs->cond);
	pthread_mutex_destroy(&jobs->lock);
	free(jobs->ledger);
	free(jobs);
}

static char *dup_opt(const char *s)
{
	return s && s[0] ? strdup(s) : NULL;
}

int http_jobs_submit(struct http_jobs *jobs, const struct http_job_spec *spec, int64_t *id,
		     struct ft_error *err)
{
	struct job *j = calloc(1, sizeof(*j)), **pp;
	int rc = 0;

	if (!j)
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	j->dir = strdup(spec->dir);
	j->path = strdup(spec->path);
	j->name = strdup(spec->name);
	j->partner = strdup(spec->partner);
	j->user = strdup(spec->user ? spec->user : "");
	j->ip = strdup(spec->ip ? spec->ip : "");
	j->format = dup_opt(spec->format);
	j->month = dup_opt(spec->month);
	if (!j->dir || !j->path || !j->name || !j->partner || !j->user || !j->ip ||
	    (spec->format && spec->format[0] && !j->format) ||
	    (spec->month && spec->month[0] && !j->month)) {
		job_free(j);
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	}
	j->force = spec->force;
	j->bytes = spec->bytes;
	j->created = (int64_t)time(NULL);

	pthread_mutex_lock(&jobs->lock);
	if (jobs->n >= HTTP_JOBS_KEPT) {
		/* Forget the oldest finished job to make room. */
		for (pp = &jobs->head; *pp; pp = &(*pp)->next)
			if ((*pp)->state == JOB_DONE || (*pp)->state == JOB_FAILED)
				break;
		if (*pp) {
			struct job *old = *pp;

			*pp = old->next;
			job_free(old);
			jobs->n--;
		}
	}
	if (jobs->stopping || jobs->n >= HTTP_JOBS_KEPT) {
		rc = ft_error_set(err, FT_ECONFLICT,
				  "%d imports are already waiting; try again when one is done",
				  HTTP_JOBS_KEPT);
	} else {
		j->id = jobs->next_id++;
		for (pp = &jobs->head; *pp; pp = &(*pp)->next)
			;
		*pp = j;
		jobs->n++;
		*id = j->id;
		j = NULL;
		pthread_cond_broadcast(&jobs->cond);
	}
	pthread_mutex_unlock(&jobs->lock);
	job_free(j);
	return rc;
}

json_t *http_jobs_get(struct http_jobs *jobs, int64_t id)
{
	const struct job *j;
	json_t *o = NULL;

	pthread_mutex_lock(&jobs->lock);
	for (j = jobs->head; j; j = j->next)
		if (j->id == id) {
			o = job_json(j);
			break;
		}
	pthread_mutex_unlock(&jobs->lock);
	return o;
}

json_t *http_jobs_list(struct http_jobs *jobs)
{
	const struct job *j;
	json_t *list = json_array();

	pthread_mutex_lock(&jobs->lock);
	for (j = jobs->head; list && j; j = j->next)
		json_array_insert_new(list, 0, job_json(j));
	pthread_mutex_unlock(&jobs->lock);
	return list;
}
