/*
 * auth.c — sessions over HTTP and the account endpoints: login, logout, me,
 * password change, invite acceptance.
 *
 * The session id travels only in the cookie "ft_session" (HttpOnly: no
 * script can read it; SameSite=Strict: no other site can make the browser
 * send it; Secure with --secure-cookies or behind a proxy that says
 * X-Forwarded-Proto: https).  A new session id is issued at every login and
 * password change, so a session fixed before login is worth nothing.
 *
 * Audit actions written here: login.ok, login.fail (detail: why, for the
 * label's eyes only — the client always hears "wrong username or
 * password"), login.locked, logout, password.change, invite.accept.
 */
#include <stdio.h>
#include <string.h>

#include "http_int.h"

#define COOKIE "ft_session"

void http_set_session_cookie(struct http_request *req, const char *token, int64_t max_age)
{
	const char *proto = http_header(req, "X-Forwarded-Proto");
	int secure = http_opts(req->srv)->secure_cookies || (proto && strcmp(proto, "https") == 0);

	snprintf(req->set_cookie, sizeof(req->set_cookie),
		 COOKIE "=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s", token,
		 (long long)max_age, secure ? "; Secure" : "");
}

void http_resolve_session(struct http_request *req)
{
	const char *cookie = MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, COOKIE);
	struct ft_store *store;

	if (!cookie || strlen(cookie) != FT_TOKEN_HEX)
		return;
	store = http_store(req);
	if (!store)
		return;
	snprintf(req->token, sizeof(req->token), "%s", cookie);
	if (ft_session_lookup(store, req->token, req->now, &req->session, &req->user, NULL) == 0)
		req->authed = 1;
}

static int add_artist(void *ctx, const char *id, const char *name, struct ft_error *err)
{
	json_array_append_new(ctx, json_pack("{s:s,s:s}", "id", id, "name", name));
	return 0;
}

static int add_payee(void *ctx, const char *payee, struct ft_error *err)
{
	json_array_append_new(ctx, json_string(payee));
	return 0;
}

/* The user as the API shows it; NULL after replying with an error. */
static json_t *user_json(struct http_request *req, const struct ft_user *user)
{
	json_t *artists = json_array(), *payees = json_array();
	struct ft_error err;

	ft_error_clear(&err);
	if (!artists || !payees ||
	    ft_user_artists(req->store, user->id, add_artist, artists, &err) ||
	    ft_user_payees(req->store, user->id, add_payee, payees, &err)) {
		json_decref(artists);
		json_decref(payees);
		http_reply_ft_error(req, &err);
		return NULL;
	}
	return json_pack("{s:s,s:s,s:s,s:o,s:o}", "username", user->username, "display_name",
			 user->display_name, "role", ft_role_name(user->role), "artists", artists,
			 "payees", payees);
}

static void reply_session(struct http_request *req, unsigned status)
{
	json_t *user = user_json(req, &req->user);

	if (!user)
		return;
	http_reply_json(req, status,
			json_pack("{s:o,s:s,s:I}", "user", user, "csrf", req->session.csrf,
				  "expires_at", (json_int_t)req->session.expires_at));
}

/* Start a session for req->user and set the cookie, inside the caller's
 * transaction. */
static int start_session(struct http_request *req, struct ft_error *err)
{
	char token[FT_TOKEN_HEX + 1];
	int64_t ttl = http_opts(req->srv)->session_ttl;
	int rc;

	rc = ft_session_create(req->store, req->user.id, req->ip, req->now, ttl, token,
			       &req->session, err);
	if (rc)
		return rc;
	http_set_session_cookie(req, token, ttl);
	snprintf(req->token, sizeof(req->token), "%s", token);
	explicit_bzero(token, sizeof(token));
	req->authed = 1;
	return 0;
}

static int commit_or_rollback(struct ft_store *store, int rc, struct ft_error *err)
{
	if (rc) {
		ft_store_rollback(store, NULL);
		return rc;
	}
	return ft_store_commit(store, err);
}

void api_login(struct http_request *req)
{
	const char *username = http_json_string(req, "username");
	const char *password = http_json_string(req, "password");
	const char *reason = "";
	struct ft_store *store;
	struct ft_user user;
	struct ft_error err;
	int64_t retry;
	int rc, gate;

	if (!username || !password) {
		http_reply_error(req, 400, "send {\"username\": …, \"password\": …}");
		return;
	}
	if (strlen(username) > FT_USERNAME_MAX || strlen(password) > FT_PASSWORD_MAX) {
		http_reply_error(req, 401, "wrong username or password");
		return;
	}
	store = http_store(req);
	if (!store)
		return;
	gate = http_login_gate(req, username, &retry);
	if (gate < 0)
		return;
	ft_error_clear(&err);
	if (gate > 0) {
		http_audit(req, "-", "login.locked", username, "", NULL);
		snprintf(req->retry_after, sizeof(req->retry_after), "%lld", (long long)retry);
		http_reply_error(req, 429,
				 "too many failed sign-ins: try again in %lld minute%s, or ask the "
				 "label to reset your password",
				 (long long)(retry + 59) / 60, (retry + 59) / 60 == 1 ? "" : "s");
		return;
	}
	/* argon2 runs here, outside any transaction: the write lock is taken
	 * only for the few rows written below. */
	rc = ft_user_authenticate(store, username, password, &user, &reason, &err);
	if (rc && rc != FT_ENOTFOUND) {
		http_reply_ft_error(req, &err);
		return;
	}
	if (ft_store_begin(store, &err)) {
		http_reply_ft_error(req, &err);
		return;
	}
	if (rc == FT_ENOTFOUND) {
		rc = ft_login_record(store, username, req->ip, 0, req->now, &err);
		if (!rc)
			rc = ft_audit_add(store, req->now, "-", "login.fail", username, reason,
					  req->ip, &err);
		rc = commit_or_rollback(store, rc, &err);
		if (rc)
			http_reply_ft_error(req, &err);
		else
			http_reply_error(req, 401, "wrong username or password");
		return;
	}
	req->user = user;
	rc = ft_login_record(store, username, req->ip, 1, req->now, &err);
	if (!rc)
		rc = start_session(req, &err);
	if (!rc)
		rc = http_audit(req, NULL, "login.ok", username, "", &err);
	/* Housekeeping rides on sign-ins: they are rare and already write.
	 * Attempts older than a day can no longer count towards any window. */
	if (!rc)
		rc = ft_session_prune(store, req->now, &err);
	if (!rc)
		rc = ft_login_prune(store, req->now - 86400, &err);
	rc = commit_or_rollback(store, rc, &err);
	if (rc) {
		req->authed = 0;
		req->set_cookie[0] = '\0';
		http_reply_ft_error(req, &err);
		return;
	}
	reply_session(req, 200);
}

void api_logout(struct http_request *req)
{
	struct ft_error err;
	int rc;

	ft_error_clear(&err);
	rc = ft_store_begin(req->store, &err);
	if (!rc)
		rc = ft_session_delete(req->store, req->token, &err);
	if (!rc)
		rc = http_audit(req, NULL, "logout", req->user.username, "", &err);
	rc = commit_or_rollback(req->store, rc, &err);
	if (rc) {
		http_reply_ft_error(req, &err);
		return;
	}
	http_set_session_cookie(req, "", 0);
	http_reply_json(req, 200, json_pack("{s:b}", "signed_out", 1));
}

void api_me(struct http_request *req)
{
	reply_session(req, 200);
}

void api_password(struct http_request *req)
{
	const char *current = http_json_string(req, "current");
	const char *password = http_json_string(req, "password");
	struct ft_user check;
	struct ft_error err;
	int64_t retry;
	int rc, gate;

	if (!current || !password) {
		http_reply_error(req, 400, "send {\"current\": …, \"password\": …}");
		return;
	}
	/* The current password is a login in disguise: same limits. */
	gate = http_login_gate(req, req->user.username, &retry);
	if (gate < 0)
		return;
	if (gate > 0) {
		snprintf(req->retry_after, sizeof(req->retry_after), "%lld", (long long)retry);
		http_reply_error(req, 429, "too many failed attempts: try again later");
		return;
	}
	ft_error_clear(&err);
	rc = ft_user_authenticate(req->store, req->user.username, current, &check, NULL, &err);
	if (rc == FT_ENOTFOUND) {
		ft_login_record(req->store, req->user.username, req->ip, 0, req->now, NULL);
		http_audit(req, NULL, "password.fail", req->user.username, "", NULL);
		http_reply_error(req, 403, "the current password is wrong");
		return;
	}
	if (!rc)
		rc = ft_store_begin(req->store, &err);
	if (!rc)
		rc = ft_user_set_password(req->store, req->user.id, password, &err);
	if (!rc)
		rc = start_session(req, &err);
	if (!rc)
		rc = http_audit(req, NULL, "password.change", req->user.username, "", &err);
	if (ft_store_in_transaction(req->store))
		rc = commit_or_rollback(req->store, rc, &err);
	if (rc) {
		req->set_cookie[0] = '\0';
		http_reply_ft_error(req, &err);
		return;
	}
	reply_session(req, 200);
}

void api_invite_accept(struct http_request *req)
{
	const char *token = http_json_string(req, "token");
	const char *password = http_json_string(req, "password");
	struct ft_user user;
	struct ft_error err;
	int64_t uid = 0;
	int rc;

	if (!token || !password) {
		http_reply_error(req, 400, "send {\"token\": …, \"password\": …}");
		return;
	}
	if (!http_store(req))
		return;
	ft_error_clear(&err);
	/* Its own transaction, entered after argon2 has run. */
	rc = ft_invite_accept(req->store, token, password, req->now, &uid, &err);
	if (!rc)
		rc = ft_user_get_id(req->store, uid, &user, &err);
	if (!rc)
		rc = ft_audit_add(req->store, req->now, user.username, "invite.accept",
				  user.username, "", req->ip, &err);
	if (rc) {
		http_reply_ft_error(req, &err);
		return;
	}
	http_reply_json(req, 200, json_pack("{s:s}", "username", user.username));
}
