/*
 * cmd_serve.c — `fairtrack -l LEDGER serve [--listen HOST:PORT] …`: run the
 * portal (fairtrack/http.h) until SIGTERM or SIGINT, then stop gracefully.
 *
 * The signals are blocked before the server starts, so every worker thread
 * inherits the mask and only this thread, in sigwait, ever sees them: no
 * handler runs in the middle of a request.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fairtrack/http.h"
#include "fairtrack/store.h"

/*
 * The pages when neither --web nor $FAIRTRACK_WEB says: ./web (running from
 * the source tree), else web/ in the tree the binary was built in (a parent
 * of its directory: build/rel/fairtrack, build/<name>/rel/fairtrack), else
 * the installed copy.
 */
static const char *default_web_root(char *buf, size_t cap)
{
	static const char *const installed = "/usr/local/share/fairtrack/web";
	char exe[PATH_MAX], index[PATH_MAX + 64];
	struct stat st;
	ssize_t n;
	int up;

	if (stat("web/index.html", &st) == 0)
		return "web";
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *dir;

		exe[n] = '\0';
		dir = dirname(exe);
		/* build/rel/fairtrack, build/<name>/rel/fairtrack: the tree is up 2–4. */
		for (up = 1; up <= 4; up++) {
			size_t used = (size_t)snprintf(buf, cap, "%s", dir);
			int k;

			for (k = 0; k < up && used < cap; k++)
				used += (size_t)snprintf(buf + used, cap - used, "/..");
			if (used + 4 >= cap)
				break;
			snprintf(buf + used, cap - used, "/web");
			snprintf(index, sizeof(index), "%s/index.html", buf);
			if (stat(index, &st) == 0)
				return buf;
		}
	}
	if (stat(installed, &st) == 0)
		return installed;
	return "web";
}

static int parse_unsigned(const char *text, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || end == text || *end || v > max || text[0] == '-')
		return -1;
	*out = v;
	return 0;
}

int cmd_serve(struct cli *cli, int argc, char **argv)
{
	struct ft_http_opts opts;
	struct ft_http_server *server = NULL;
	struct ft_store *store = NULL;
	struct ft_error err;
	const char *log_path = NULL, *v;
	FILE *log = stderr;
	char web_buf[PATH_MAX + 16];
	sigset_t sigs;
	int i, missing = 0, sig = 0, code;
	unsigned long n;

	ft_http_opts_default(&opts);
	opts.web_root = getenv("FAIRTRACK_WEB") ? getenv("FAIRTRACK_WEB")
						: default_web_root(web_buf, sizeof(web_buf));
	for (i = 1; i < argc; i++) {
		if ((v = cli_opt_value(argc, argv, &i, "--listen", &missing))) {
			opts.listen = v;
		} else if ((v = cli_opt_value(argc, argv, &i, "--web", &missing))) {
			opts.web_root = v;
		} else if ((v = cli_opt_value(argc, argv, &i, "--access-log", &missing))) {
			log_path = v;
		} else if ((v = cli_opt_value(argc, argv, &i, "--threads", &missing))) {
			if (parse_unsigned(v, 256, &n) || n == 0)
				return cli_usage_error(cli, "serve", "--threads takes 1 to 256");
			opts.threads = (unsigned)n;
		} else if ((v = cli_opt_value(argc, argv, &i, "--timeout", &missing))) {
			if (parse_unsigned(v, 3600, &n) || n == 0)
				return cli_usage_error(cli, "serve",
						       "--timeout takes 1 to 3600 seconds");
			opts.timeout = (unsigned)n;
			if (opts.request_deadline < opts.timeout)
				opts.request_deadline = opts.timeout;
		} else if ((v = cli_opt_value(argc, argv, &i, "--max-body", &missing))) {
			if (parse_unsigned(v, 64ul << 20, &n) || n < 1024)
				return cli_usage_error(cli, "serve",
						       "--max-body takes 1024 to 67108864 bytes");
			opts.max_body = n;
		} else if ((v = cli_opt_value(argc, argv, &i, "--max-upload", &missing))) {
			if (parse_unsigned(v, 1ul << 40, &n) || n < 1024)
				return cli_usage_error(
				    cli, "serve", "--max-upload takes 1024 to 1099511627776 bytes");
			opts.max_upload = n;
		} else if ((v = cli_opt_value(argc, argv, &i, "--max-per-ip", &missing))) {
			/* All of a reverse proxy's (or a load test's) connections come
			 * from one address: raise it there, never turn it off. */
			if (parse_unsigned(v, 65535, &n) || n == 0)
				return cli_usage_error(cli, "serve",
						       "--max-per-ip takes 1 to 65535");
			opts.max_per_ip = (unsigned)n;
			if (opts.max_connections < opts.max_per_ip)
				opts.max_connections = opts.max_per_ip;
		} else if ((v = cli_opt_value(argc, argv, &i, "--upload-dir", &missing))) {
			opts.upload_dir = v;
		} else if (strcmp(argv[i], "--secure-cookies") == 0) {
			opts.secure_cookies = 1;
		} else if (missing) {
			return cli_usage_error(cli, "serve", "%s needs a value", argv[i]);
		} else {
			return cli_usage_error(cli, "serve", "unknown option '%s'", argv[i]);
		}
		if (missing)
			return cli_usage_error(cli, "serve", "%s needs a value", argv[i]);
	}
	/* Open once here: a missing ledger or a newer schema is reported like
	 * every other command does, before anything listens. */
	code = cli_open_ledger(cli, "serve", &store);
	if (code)
		return code;
	ft_store_close(store);
	opts.ledger = cli->ledger;
	if (log_path && strcmp(log_path, "-") != 0) {
		log = fopen(log_path, "a");
		if (!log) {
			fprintf(stderr, "%s: cannot open access log %s: %s\n", cli->prog, log_path,
				strerror(errno));
			return CLI_EXIT_INPUT;
		}
	} else if (log_path) {
		log = stdout;
	}
	opts.access_log = log;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	ft_error_clear(&err);
	if (ft_http_start(&server, &opts, &err)) {
		if (log != stderr && log != stdout)
			fclose(log);
		return cli_fail(cli, &err);
	}
	if (!cli->quiet) {
		char host[256] = "127.0.0.1";
		unsigned port;

		ft_http_parse_listen(opts.listen, host, sizeof(host), &port, NULL);
		fprintf(stderr,
			"%s: serving %s on http://%s%s%s:%u/ (pages from %s); "
			"SIGTERM or Ctrl-C stops\n",
			cli->prog, cli->ledger, strchr(host, ':') ? "[" : "",
			host[0] ? host : "0.0.0.0", strchr(host, ':') ? "]" : "",
			ft_http_port(server), opts.web_root);
	}
	/* A line a script can read to learn a port chosen with :0. */
	printf("listening %u\n", ft_http_port(server));
	fflush(stdout);
	while (sigwait(&sigs, &sig) == 0 && sig == SIGHUP)
		; /* nothing to reload yet */
	if (!cli->quiet)
		fprintf(stderr, "%s: signal %d: finishing requests in flight, then stopping\n",
			cli->prog, sig);
	ft_http_stop(server);
	if (log != stderr && log != stdout)
		fclose(log);
	if (!cli->quiet)
		fprintf(stderr, "%s: stopped\n", cli->prog);
	return CLI_EXIT_OK;
}
