/*
 * api_users.c — account administration for the label admin (invite,
 * disable, enable, reset) and the audit log.
 *
 * Each change and its audit entry commit in one transaction: there is no
 * admin action without its record, and no record of an action that did not
 * happen.  An invite's token is shown once, in the reply, as a link path
 * ("/#invite=…": the fragment never reaches a server log or a Referer);
 * the ledger keeps only its hash.
 */
#include <stdio.h>
#include <string.h>

#include "http_int.h"

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

struct user_list {
	struct ft_store *store;
	json_t *users;
};

static int collect_user(void *ctx, const struct ft_user *u, struct ft_error *err)
{
	struct user_list *l = ctx;
	json_t *artists = json_array(), *payees = json_array();
	int rc;

	if (!artists || !payees) {
		json_decref(artists);
		json_decref(payees);
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	}
	rc = ft_user_artists(l->store, u->id, add_artist, artists, err);
	if (!rc)
		rc = ft_user_payees(l->store, u->id, add_payee, payees, err);
	if (rc) {
		json_decref(artists);
		json_decref(payees);
		return rc;
	}
	json_array_append_new(
	    l->users, json_pack("{s:s,s:s,s:s,s:b,s:b,s:s,s:o,s:o}", "username", u->username,
				"display_name", u->display_name, "role", ft_role_name(u->role),
				"disabled", u->disabled, "has_password", u->has_password,
				"created_at", u->created_at, "artists", artists, "payees", payees));
	return 0;
}

void api_users_list(struct http_request *req)
{
	struct user_list l = {req->store, json_array()};
	struct ft_error err;

	ft_error_clear(&err);
	if (!l.users || ft_user_each(req->store, collect_user, &l, &err)) {
		json_decref(l.users);
		http_reply_ft_error(req, &err);
		return;
	}
	http_reply_json(req, 200, json_pack("{s:o}", "users", l.users));
}

static void reply_invite(struct http_request *req, unsigned status, const char *username,
			 const char *token)
{
	char path[FT_TOKEN_HEX + 16];

	snprintf(path, sizeof(path), "/#invite=%s", token);
	http_reply_json(
	    req, status,
	    json_pack("{s:s,s:{s:s,s:s,s:I}}", "username", username, "invite", "token", token,
		      "path", path, "expires_at",
		      (json_int_t)req->now + (json_int_t)http_opts(req->srv)->invite_ttl));
}

void api_users_invite(struct http_request *req)
{
	const char *username = http_json_string(req, "username");
	const char *role_name = http_json_string(req, "role");
	const char *display = http_json_string(req, "display_name");
	json_t *artists = json_object_get(req->json, "artists");
	json_t *payees = json_object_get(req->json, "payees");
	char token[FT_TOKEN_HEX + 1];
	struct ft_error err;
	int64_t id = 0;
	int role = ft_role_parse(role_name);
	size_t i;
	int rc;

	if (!username || role < 0) {
		http_reply_error(req, 400,
				 "send {\"username\": …, \"role\": \"admin\"|\"staff\"|\"artist\", "
				 "\"artists\": [ids], \"payees\": [ids] for an artist}");
		return;
	}
	if (artists && !json_is_array(artists)) {
		http_reply_error(req, 400, "'artists' must be an array of artist ids");
		return;
	}
	if (payees && !json_is_array(payees)) {
		http_reply_error(req, 400, "'payees' must be an array of payee ids");
		return;
	}
	ft_error_clear(&err);
	rc = ft_store_begin(req->store, &err);
	if (!rc)
		rc = ft_user_add(req->store, username, role, display, &id, &err);
	for (i = 0; !rc && artists && i < json_array_size(artists); i++) {
		json_t *a = json_array_get(artists, i);

		rc = json_is_string(a)
			 ? ft_user_link_artist(req->store, id, json_string_value(a), &err)
			 : ft_error_set(&err, FT_EINVAL, "'artists' must hold strings");
		if (rc == FT_ENOTFOUND)
			rc = ft_error_set(&err, FT_EINVAL, "the catalogue has no artist '%s'",
					  json_string_value(a));
	}
	/* An artist sees the statements of the payees linked here. */
	for (i = 0; !rc && payees && i < json_array_size(payees); i++) {
		json_t *p = json_array_get(payees, i);

		rc = json_is_string(p)
			 ? ft_user_link_payee(req->store, id, json_string_value(p), &err)
			 : ft_error_set(&err, FT_EINVAL, "'payees' must hold strings");
		if (rc == FT_ENOTFOUND)
			rc = ft_error_set(&err, FT_EINVAL, "no contract names a payee '%s'",
					  json_string_value(p));
	}
	if (!rc)
		rc = ft_invite_create(req->store, id, 0, req->now, http_opts(req->srv)->invite_ttl,
				      token, &err);
	if (!rc)
		rc = http_audit(req, NULL, "user.invite", username, ft_role_name(role), &err);
	if (rc)
		ft_store_rollback(req->store, NULL);
	else
		rc = ft_store_commit(req->store, &err);
	if (rc) {
		http_reply_ft_error(req, &err);
		return;
	}
	reply_invite(req, 201, username, token);
	explicit_bzero(token, sizeof(token));
}

/* disable / enable / reset share the shape: find, act, audit, commit. */
static void user_action(struct http_request *req, const char *action)
{
	const char *username = req->params[0];
	char token[FT_TOKEN_HEX + 1] = "";
	struct ft_user target;
	struct ft_error err;
	int rc;

	ft_error_clear(&err);
	rc = ft_user_get(req->store, username, &target, &err);
	if (rc) {
		http_reply_ft_error(req, &err);
		return;
	}
	if (target.id == req->user.id && strcmp(action, "user.reset") != 0) {
		http_reply_error(req, 409, "you cannot disable or enable your own account");
		return;
	}
	rc = ft_store_begin(req->store, &err);
	if (!rc && strcmp(action, "user.disable") == 0)
		rc = ft_user_set_disabled(req->store, target.id, 1, &err);
	else if (!rc && strcmp(action, "user.enable") == 0)
		rc = ft_user_set_disabled(req->store, target.id, 0, &err);
	else if (!rc)
		rc = ft_invite_create(req->store, target.id, 1, req->now,
				      http_opts(req->srv)->invite_ttl, token, &err);
	if (!rc)
		rc = http_audit(req, NULL, action, username, "", &err);
	if (rc)
		ft_store_rollback(req->store, NULL);
	else
		rc = ft_store_commit(req->store, &err);
	if (rc) {
		http_reply_ft_error(req, &err);
		return;
	}
	if (token[0]) {
		reply_invite(req, 200, username, token);
		explicit_bzero(token, sizeof(token));
	} else {
		http_reply_json(req, 200,
				json_pack("{s:s,s:b}", "username", username, "disabled",
					  strcmp(action, "user.disable") == 0));
	}
}

void api_users_disable(struct http_request *req)
{
	user_action(req, "user.disable");
}

void api_users_enable(struct http_request *req)
{
	user_action(req, "user.enable");
}

void api_users_reset(struct http_request *req)
{
	user_action(req, "user.reset");
}

static int collect_entry(void *ctx, const struct ft_audit_entry *e, struct ft_error *err)
{
	if (json_array_append_new(ctx, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "id",
						 (json_int_t)e->id, "at", e->at_utc, "actor",
						 e->actor, "action", e->action, "target", e->target,
						 "detail", e->detail, "ip", e->ip)))
		return ft_error_set(err, FT_ENOMEM, "out of memory");
	return 0;
}

void api_audit(struct http_request *req)
{
	long long before, limit;
	json_t *entries, *last;
	struct ft_error err;

	if (http_query_int(req, "before", 0, INT64_MAX, 0, &before) ||
	    http_query_int(req, "limit", 1, 500, 100, &limit))
		return;
	ft_error_clear(&err);
	entries = json_array();
	if (!entries ||
	    ft_audit_each(req->store, before, (int)limit, collect_entry, entries, &err)) {
		json_decref(entries);
		http_reply_ft_error(req, &err);
		return;
	}
	last = json_array_get(entries, json_array_size(entries) - 1);
	http_reply_json(req, 200,
			json_pack("{s:o,s:O}", "entries", entries, "next_before",
				  (json_array_size(entries) == (size_t)limit && last)
				      ? json_object_get(last, "id")
				      : json_null()));
}
