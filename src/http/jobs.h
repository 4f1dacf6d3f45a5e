/*
 * jobs.h — the portal's background import jobs (internal to src/http).
 *
 * An uploaded report is imported by a worker thread, not by the request that
 * sent it: a large report takes longer to import than a browser should wait
 * for an answer, and the request's worker thread would be held all that
 * time.  POST /api/imports hands the file over with http_jobs_submit and
 * answers 202 with the job's id; GET /api/imports/jobs/{id} reads its state.
 *
 * One worker imports the jobs in the order they came (imports take the
 * ledger's write lock in turn anyway; a CLI import at the same time waits on
 * the busy timeout).  Jobs live in memory: the last HTTP_JOBS_KEPT are
 * kept, a restart forgets them (the ledger keeps every batch).  The file of
 * an imported report stays where the batch's `file` names it; the file of a
 * refused one is removed.
 */
#ifndef FAIRTRACK_HTTP_JOBS_H
#define FAIRTRACK_HTTP_JOBS_H

#include <jansson.h>
#include <stdint.h>

#include "fairtrack/error.h"

#define HTTP_JOBS_KEPT 64

struct http_jobs;

/* What an upload hands over; the strings are copied. */
struct http_job_spec {
	const char *dir;  /* the upload's own directory (removed when refused) */
	const char *path; /* dir/name: the report */
	const char *name; /* the file name the user sent, for messages */
	const char *partner, *format, *month; /* format, month: NULL or "" for none */
	int force;
	uint64_t bytes;
	const char *user, *ip; /* who uploaded, for the audit log */
};

int http_jobs_new(struct http_jobs **out, const char *ledger, struct ft_error *err);
/* Wait for the job in progress, drop the queued ones (and their files), free. */
void http_jobs_free(struct http_jobs *jobs);

/* Queue a job; *id gets its number.  FT_ECONFLICT when HTTP_JOBS_KEPT jobs
 * are all still waiting or running, FT_ENOMEM. */
int http_jobs_submit(struct http_jobs *jobs, const struct http_job_spec *spec, int64_t *id,
		     struct ft_error *err);

/* The job as the API shows it (a new reference), NULL when there is none. */
json_t *http_jobs_get(struct http_jobs *jobs, int64_t id);

/* The jobs kept, newest first (a new reference). */
json_t *http_jobs_list(struct http_jobs *jobs);

#endif
