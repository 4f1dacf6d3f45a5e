/*
 * bench/statements.c — how fast statements render.  Figures, never pass/fail.
 *
 * Renders N synthetic statements (ft_statement_sample, a typical payee of
 * TRACKS tracks) on THREADS threads, each to its own file, and prints
 * statements per second per format and the projection for the target
 * "10,000 payees' PDF statements in under 2 minutes on 2 cores".
 *
 *   bench/statements.sh [N] [THREADS] [TRACKS] [FORMATS]     (builds and runs)
 *   defaults: 200 statements, 2 threads, 12 tracks, "pdf,xlsx,csv"
 *   BENCH_FORK=1: worker processes instead of threads
 *
 * Each thread has its own cairo surface, Pango layout and (Pango's default
 * font map is per thread) font map; statements are built before the clock
 * starts, so the figure is rendering only.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fairtrack/statement.h"

struct job {
	struct ft_statement **statements;
	size_t first, step, n;
	const struct ft_renderer *renderer;
	const char *dir;
	int failed;
};

static void *worker(void *arg)
{
	struct job *j = arg;
	char path[1024], base[256];
	struct ft_error err;
	size_t i;

	for (i = j->first; i < j->n; i += j->step) {
		ft_statement_basename(base, sizeof(base), j->statements[i]);
		snprintf(path, sizeof(path), "%s/%s%s", j->dir, base, j->renderer->extension);
		if (j->renderer->render(j->statements[i], path, &err) != 0) {
			fprintf(stderr, "bench: %s\n", err.message);
			j->failed = 1;
			break;
		}
	}
	ft_render_release_thread_caches();
	return NULL;
}

/* CPU seconds of this process's threads and its reaped children: on a
 * shared machine the wall clock says more about the neighbours. */
static double cpu(void)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec +
			kids.ru_stime.tv_sec) +
	       (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec +
			kids.ru_stime.tv_usec) /
		   1e6;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 200;
	size_t threads = argc > 2 ? strtoul(argv[2], NULL, 10) : 2;
	size_t tracks = argc > 3 ? strtoul(argv[3], NULL, 10) : 12;
	const char *formats = argc > 4 ? argv[4] : "pdf,xlsx,csv";
	const char *dir = getenv("BENCH_OUT") ? getenv("BENCH_OUT") : "/tmp/fairtrack-bench";
	struct ft_statement **st = calloc(n, sizeof(*st));
	size_t i, lines = 0, n_renderers, r;
	const struct ft_renderer *renderers = ft_renderers(&n_renderers);
	char cmd[1100];
	int use_fork = getenv("BENCH_FORK") != NULL;

	if (!st || threads == 0 || threads > 64)
		return 2;
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
	if (system(cmd) != 0)
		return 2;
	for (i = 0; i < n; i++) {
		struct ft_error err;
		if (ft_statement_sample(&st[i], i + 1, tracks, &err) != 0) {
			fprintf(stderr, "bench: %s\n", err.message);
			return 1;
		}
		lines += st[i]->n_lines;
	}
	printf("statements: %zu (%zu tracks, %.0f lines each on average), %zu %s\n", n, tracks,
	       (double)lines / (double)n, threads, use_fork ? "processes" : "threads");
	for (r = 0; r < n_renderers; r++) {
		pthread_t tid[64];
		struct job jobs[64];
		double t0, dt, c0, dc;
		int failed = 0;

		if (!strstr(formats, renderers[r].name))
			continue;
		t0 = now();
		c0 = cpu();
		if (use_fork) {
			/* Worker processes: no font caches or locks shared at all. */
			pid_t pids[64];
			for (i = 0; i < threads; i++) {
				jobs[i] = (struct job){st, i, threads, n, &renderers[r], dir, 0};
				pids[i] = fork();
				if (pids[i] == 0) {
					worker(&jobs[i]);
					_exit(jobs[i].failed);
				}
			}
			for (i = 0; i < threads; i++) {
				int status = 0;
				waitpid(pids[i], &status, 0);
				failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
			}
		} else {
			for (i = 0; i < threads; i++) {
				jobs[i] = (struct job){st, i, threads, n, &renderers[r], dir, 0};
				pthread_create(&tid[i], NULL, worker, &jobs[i]);
			}
			for (i = 0; i < threads; i++) {
				pthread_join(tid[i], NULL);
				failed |= jobs[i].failed;
			}
		}
		dt = now() - t0;
		dc = cpu() - c0;
		if (failed)
			return 1;
		printf("%-5s %8.1f statements/s  (%.1f ms each per thread, %.1f ms CPU each)",
		       renderers[r].name, (double)n / dt, dt * 1000.0 * (double)threads / (double)n,
		       dc * 1000.0 / (double)n);
		if (strcmp(renderers[r].name, "pdf") == 0)
			printf("  -> 10,000 PDFs in %.0f s", 10000.0 * dt / (double)n);
		printf("\n");
	}
	for (i = 0; i < n; i++)
		ft_statement_free(st[i]);
	free(st);
	return 0;
}
