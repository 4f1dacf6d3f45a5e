/*
 * csrf.c — cross-site request forgery defences for state-changing requests.
 *
 * Three layers, any one of which stops a forged request:
 *  1. The session cookie is SameSite=Strict: a browser does not send it on a
 *     request started by another site.
 *  2. Same origin: when the browser says where the request comes from
 *     (Origin, else Referer, and Sec-Fetch-Site), it must be this host.
 *     Clients that send none of them (curl, scripts) are not browsers and
 *     cannot be tricked into sending a victim's cookie.
 *  3. A per-session CSRF token (random, 256 bits, from /api/me or the login
 *     reply) must come back in the X-CSRF-Token header.  A cross-site page
 *     cannot read it, and cannot set a custom header without a CORS
 *     preflight that this server never approves.
 * Login and invite acceptance have no session yet: layers 1–2 and the
 * requirement of a JSON body (a cross-site <form> cannot send one) cover them.
 */
#include <string.h>

#include "http_int.h"

/* "http(s)://HOST" followed by end (Origin) or "/" (Referer). */
static int same_origin(const char *url, const char *host, int referer)
{
	size_t hl = strlen(host);
	const char *rest;

	if (strncmp(url, "https://", 8) == 0)
		rest = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		rest = url + 7;
	else
		return 0;
	if (strncasecmp(rest, host, hl) != 0)
		return 0;
	return referer ? rest[hl] == '/' || rest[hl] == '\0' : rest[hl] == '\0';
}

int http_check_origin(struct http_request *req)
{
	const char *host = http_header(req, MHD_HTTP_HEADER_HOST);
	const char *origin = http_header(req, "Origin");
	const char *referer = http_header(req, MHD_HTTP_HEADER_REFERER);
	const char *site = http_header(req, "Sec-Fetch-Site");
	int ok = 1;

	if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		ok = 0;
	else if (origin)
		ok = host && same_origin(origin, host, 0);
	else if (referer)
		ok = host && same_origin(referer, host, 1);
	if (!ok)
		http_reply_error(req, 403, "cross-origin request refused");
	return ok ? 0 : -1;
}

int http_check_csrf(struct http_request *req)
{
	const char *sent = http_header(req, "X-CSRF-Token");
	unsigned char diff = 0;
	size_t i;

	if (!sent || strlen(sent) != FT_TOKEN_HEX || strlen(req->session.csrf) != FT_TOKEN_HEX) {
		http_reply_error(req, 403, "missing CSRF token (send X-CSRF-Token from /api/me)");
		return -1;
	}
	/* Constant time: the comparison must not tell how much of a guess was right. */
	for (i = 0; i < FT_TOKEN_HEX; i++)
		diff |= (unsigned char)(sent[i] ^ req->session.csrf[i]);
	if (diff) {
		http_reply_error(req, 403, "wrong CSRF token (reload the page)");
		return -1;
	}
	return 0;
}
