/*
 * ratelimit.c — login rate limiting and temporary lock-out.
 *
 * Policy (options in fairtrack/http.h, docs/SECURITY.md):
 *  - a username with login_max_failures failed logins within login_window
 *    seconds (counted since its last success) is locked until the newest of
 *    them is login_window old;
 *  - an address with ip_max_failures failures in the window is locked the
 *    same way, whatever names it tries (password spraying).
 * While locked the password is not even checked (no argon2 work, no oracle)
 * and the attempt is not counted, so an attacker cannot stretch a victim's
 * lock-out for ever by hammering it; the refusal is audited.
 * The counts live in the ledger (login_attempts), so they hold across
 * worker threads, restarts and several server processes on one ledger.
 */
#include <stdio.h>

#include "http_int.h"

int http_login_gate(struct http_request *req, const char *username, int64_t *retry_after)
{
	const struct ft_http_opts *o = http_opts(req->srv);
	struct ft_store *store = http_store(req);
	int64_t by_user = 0, last_user = 0, by_ip = 0, last_ip = 0, until = 0;
	struct ft_error err;

	*retry_after = 0;
	if (!store)
		return -1;
	ft_error_clear(&err);
	if (ft_login_failures(store, username, req->ip, req->now - o->login_window, &by_user,
			      &last_user, &by_ip, &last_ip, &err)) {
		http_reply_ft_error(req, &err);
		return -1;
	}
	if (o->login_max_failures && by_user >= (int64_t)o->login_max_failures)
		until = last_user + o->login_window;
	if (o->ip_max_failures && by_ip >= (int64_t)o->ip_max_failures &&
	    last_ip + o->login_window > until)
		until = last_ip + o->login_window;
	if (until <= req->now)
		return 0;
	*retry_after = until - req->now;
	return 1;
}
