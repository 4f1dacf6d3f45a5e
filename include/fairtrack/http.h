/*
 * fairtrack — the portal's HTTP server (libmicrohttpd): static pages from
 * web/, a JSON API under /api/ (docs/API.md), accounts and sessions
 * (fairtrack/users.h), CSRF checks, login rate limits, an audit log.
 *
 * The server is a thin shell over the public library API, like the CLI: every
 * request opens its own ledger connection (a store is one-thread), reads
 * under SQLite WAL so CLI imports never block it, and writes (sessions,
 * audit) in short transactions that wait on the busy timeout.
 *
 * Guarantees (docs/SECURITY.md): a request body above max_body is answered
 * 413 and never read into memory; an uploaded report streams to a file in
 * upload_dir (memory bounded whatever its size, above max_upload refused
 * with 413) and is imported by a background job; a client that takes longer than
 * request_deadline seconds to send its request (or stays silent timeout
 * seconds) is disconnected; static paths cannot leave web_root; a user who
 * may not see a thing gets 404 for it, not its data.
 *
 * Lifecycle: ft_http_start returns once the socket listens (port 0 picks a
 * free one: ft_http_port tells which); ft_http_stop stops accepting, lets
 * requests in flight finish (up to a grace period) and frees everything.
 * Signals are the caller's business (`fairtrack serve` waits for SIGTERM).
 */
#ifndef FAIRTRACK_HTTP_H
#define FAIRTRACK_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fairtrack/error.h"

struct ft_http_opts {
	const char *ledger;	     /* ledger location (required) */
	const char *listen;	     /* "127.0.0.1:8080", "[::1]:8080", ":8080" (all) */
	const char *web_root;	     /* directory of the pages; "web" */
	unsigned threads;	     /* worker threads; 4 */
	unsigned timeout;	     /* seconds of silence before a connection is cut; 15 */
	unsigned request_deadline;   /* seconds to receive a whole request; 30 */
	size_t max_body;	     /* largest request body in bytes; 65536 */
	unsigned max_connections;    /* in all; 256 */
	unsigned max_per_ip;	     /* connections from one address; 32 */
	int secure_cookies;	     /* mark the session cookie Secure (behind TLS) */
	int64_t session_ttl;	     /* seconds; 8 h */
	int64_t invite_ttl;	     /* seconds; 7 days */
	unsigned login_max_failures; /* failures of one username in the window; 5 */
	unsigned ip_max_failures;    /* failures from one address in the window; 30 */
	int64_t login_window;	     /* seconds, also the lock-out; 900 */
	unsigned grace;		     /* seconds ft_http_stop waits for requests; 10 */
	FILE *access_log;	     /* one JSON line a request; NULL: none */
	uint64_t max_upload;	     /* largest uploaded report (POST /api/imports); 4 GiB */
	const char *upload_dir;	     /* where uploads are kept; NULL: "uploads" beside the
					ledger file (the system's temp dir for a URL) */
};

/* Fill opts with the defaults above (ledger NULL, access_log NULL). */
void ft_http_opts_default(struct ft_http_opts *opts);

struct ft_http_server; /* opaque */

/* Start listening.  FT_EUSAGE for bad options (a listen address that does
 * not parse, no ledger), FT_ENOTFOUND when web_root is not a directory,
 * FT_EIO when the address cannot be bound (the reason named). */
int ft_http_start(struct ft_http_server **out, const struct ft_http_opts *opts,
		  struct ft_error *err);
/* The port actually bound. */
unsigned ft_http_port(const struct ft_http_server *server);
/* Graceful stop and free; NULL is a no-op. */
void ft_http_stop(struct ft_http_server *server);

/* Parse "host:port" as the listen option takes it (for the CLI's messages). */
int ft_http_parse_listen(const char *listen, char *host, size_t host_cap, unsigned *port,
			 struct ft_error *err);

#endif
