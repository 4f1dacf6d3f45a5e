/*
 * portal_serve.c — `fairtrack serve` for the load benchmark (bench/portal.sh):
 * the same server (ft_http_start with the defaults of fairtrack/http.h), with
 * the per-address connection limit raised.
 *
 *   portal_serve LEDGER WEB_ROOT MAX_PER_IP [THREADS]
 *
 * Why a separate program: the server admits max_per_ip (32) connections from
 * one address, and on loopback all of wrk's 100 connections come from
 * 127.0.0.1, so `fairtrack serve` refuses 68 of them (the benchmark reports
 * that configuration too, as "serve defaults").  Listens on 127.0.0.1:0,
 * prints "listening PORT", no access log, stops on SIGTERM or SIGINT.
 * Not part of fairtrack: a tool to measure it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "fairtrack/http.h"

int main(int argc, char **argv)
{
	struct ft_http_server *server = NULL;
	struct ft_http_opts opts;
	struct ft_error err;
	sigset_t stop;
	int sig;

	if (argc < 4) {
		fprintf(stderr, "usage: portal_serve LEDGER WEB_ROOT MAX_PER_IP [THREADS]\n");
		return 2;
	}
	ft_http_opts_default(&opts);
	opts.ledger = argv[1];
	opts.web_root = argv[2];
	opts.listen = "127.0.0.1:0";
	opts.max_per_ip = (unsigned)strtoul(argv[3], NULL, 10);
	if (opts.max_connections < opts.max_per_ip)
		opts.max_connections = opts.max_per_ip;
	if (argc > 4)
		opts.threads = (unsigned)strtoul(argv[4], NULL, 10);

	/* Blocked before the workers start, so only sigwait below sees them. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	ft_error_clear(&err);
	if (ft_http_start(&server, &opts, &err)) {
		fprintf(stderr, "portal_serve: %s\n", err.message);
		return 1;
	}
	printf("listening %u\n", ft_http_port(server));
	fflush(stdout);
	sigwait(&stop, &sig);
	ft_http_stop(server);
	return 0;
}
